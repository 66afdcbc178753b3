"""Deployment checks of the notifications (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """E-mails and group-robot messages carry links; without the site's address they are relative
    and open nowhere from a phone or a mail client."""
    if settings.XF_SITE_URL:
        return []
    return [
        Warning(
            "XF_SITE_URL is not set: links in e-mails and group-robot messages will be relative.",
            hint="Set XF_SITE_URL to the address users open, e.g. https://xm.example.gov.cn",
            id="xianfeng.W001",
        )
    ]
