from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "xianfeng.projects"
    verbose_name = _("重点项目")

    def ready(self) -> None:
        from xianfeng.org.home import register_home_section
        from xianfeng.projects.home import programme_section

        register_home_section("projects", programme_section)
