"""Helpers for tests that check a page loads nothing from outside the server."""

from __future__ import annotations

import re

_ASSET = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I
)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)


def asset_urls(html: str) -> list[str]:
    """Every address a browser would fetch for this page: scripts, styles, images, frames, CSS url()."""
    return _ASSET.findall(html) + _CSS_URL.findall(html)


def external_assets(html: str) -> list[str]:
    """The fetched addresses that leave the server (absolute or protocol-relative)."""
    return [url for url in asset_urls(html) if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I)]
