from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The notification events this app sends, with the labels users see in their inbox and settings.
EVENTS: dict[str, str] = {
    "problem.raised": _("新问题待交办"),
    "problem.assigned": _("问题交办"),
    "problem.progress": _("问题办理进展"),
    "problem.resolved": _("问题办结待确认"),
    "problem.closed": _("问题销号"),
    "problem.reopened": _("问题退回重办"),
    "problem.escalated": _("问题升级"),
    "instruction.issued": _("领导批示"),
    "instruction.replied": _("批示回复"),
    "instruction.overdue": _("批示回复逾期"),
    "supervision.issued": _("督办单下达"),
    "supervision.plan": _("整改方案报送"),
    "supervision.decided": _("整改方案审核"),
    "supervision.closed": _("督办办结"),
}


class CoordinationConfig(AppConfig):
    name = "xianfeng.coordination"
    verbose_name = _("问题协调")

    def ready(self) -> None:
        from xianfeng.coordination.selectors import project_problem_links
        from xianfeng.projects.links import register_project_links

        register_project_links("coordination", project_problem_links)

        from xianfeng.notifications.choices import register_event

        for code, label in EVENTS.items():
            register_event(code, label)

        from xianfeng.coordination.tasks import escalate_overdue_task
        from xianfeng.notifications.tasks import register_daily_task

        # Overdue problems and late instruction replies escalate once a day, early in the morning.
        register_daily_task("问题逾期升级", escalate_overdue_task, lambda: 6)
