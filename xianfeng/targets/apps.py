from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "xianfeng.targets"
    verbose_name = _("目标与预警")

    def ready(self) -> None:
        from xianfeng.projects.links import register_project_links
        from xianfeng.targets.selectors import project_warning_links

        register_project_links("targets", project_warning_links)

        from xianfeng.dispatch.hooks import register_reports_changed
        from xianfeng.targets.tasks import on_reports_changed

        # Reports handed in, taken back or corrected: their projects' lights and forecasts follow.
        register_reports_changed("targets", on_reports_changed)

        from django.conf import settings

        from xianfeng.notifications.tasks import register_daily_task
        from xianfeng.targets.tasks import recompute_warnings_and_forecasts

        # After the reminders hour: the night's reports are in by then.
        register_daily_task(
            "预警与预测重算",
            recompute_warnings_and_forecasts,
            lambda: getattr(settings, "XF_REMINDER_HOUR", 9),
        )
