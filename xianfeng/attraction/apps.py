from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttractionConfig(AppConfig):
    name = "xianfeng.attraction"
    verbose_name = _("招商引资")

    def ready(self) -> None:
        from xianfeng.attraction.selectors import project_lead_links
        from xianfeng.projects.links import register_project_links

        register_project_links("attraction", project_lead_links)
