from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The notification events this app sends, with the labels users see in their inbox and settings.
EVENTS: dict[str, str] = {
    "dispatch.period_opened": _("调度期开启"),
    "dispatch.reminder": _("催报提醒"),
    "dispatch.submitted": _("月报待审核"),
    "dispatch.approved": _("月报待采纳"),
    "dispatch.returned": _("月报被退回"),
    "dispatch.accepted": _("月报已采纳"),
}


class DispatchConfig(AppConfig):
    name = "xianfeng.dispatch"
    verbose_name = _("月度调度")

    def ready(self) -> None:
        from xianfeng.notifications.choices import register_event

        for code, label in EVENTS.items():
            register_event(code, label)

        from django.conf import settings

        from xianfeng.dispatch.tasks import send_reminders_task
        from xianfeng.notifications.tasks import register_daily_task

        register_daily_task("月度调度催报", send_reminders_task, lambda: settings.XF_REMINDER_HOUR)
