"""Links from a project's page to what the other apps hold about it: the lead it came from, its
problems, its warnings.

The projects app sits below those apps and never imports them; each registers a provider from its
``AppConfig.ready()``. A provider takes the user and the project, returns the links that user may
follow (it applies its own ``restrict``), and costs at most one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xianfeng.projects.models import Project


@dataclass(frozen=True)
class ProjectLink:
    label: str
    url: str
    detail: str = ""


LinkProvider = Callable[[Any, Project], list[ProjectLink]]

_PROVIDERS: dict[str, LinkProvider] = {}


def register_project_links(name: str, provider: LinkProvider) -> None:
    """Register (or replace, on a second ``ready()``) the provider called ``name``."""
    _PROVIDERS[name] = provider


def project_links(*, user: Any, project: Project) -> list[ProjectLink]:
    links: list[ProjectLink] = []
    for name in sorted(_PROVIDERS):
        links.extend(_PROVIDERS[name](user, project))
    return links
