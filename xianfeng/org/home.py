"""The sections of the home page that come from the apps above org (the programme summary, a
leader's projects).

org sits below those apps and never imports them; each registers a section from its
``AppConfig.ready()``. A section takes the request of a user who reads the programme (dispatcher,
leader, unit users) and returns template context for ``org/home.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

HomeSection = Callable[[HttpRequest], dict[str, Any]]

_SECTIONS: dict[str, HomeSection] = {}


def register_home_section(name: str, section: HomeSection) -> None:
    """Register (or replace, on a second ``ready()``) the section called ``name``."""
    _SECTIONS[name] = section


def home_sections(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for name in sorted(_SECTIONS):
        context.update(_SECTIONS[name](request))
    return context
