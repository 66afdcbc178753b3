"""Background tasks (django-tasks). They only call services; run_scheduler enqueues the reminders
once a day (registered in apps.py) and ``manage.py db_worker`` runs them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from xianfeng.dispatch import services
from xianfeng.lib import clock


@task()
def send_reminders_task(day: str | None = None) -> dict[str, Any]:
    """催报 for ``day`` (default today): each unit with missing reports at today's reminder point.
    Run twice — a restarted worker — and nothing is sent again."""
    when = dt.date.fromisoformat(day) if day else clock.today()
    sent = services.reminders_send(today=when)
    return {
        "day": when.isoformat(),
        "reminders": len(sent),
        "units": sorted({r.unit_id for r in sent}),
        "messages": sum(r.recipients for r in sent),
        "group_posts": sum(r.group_posts for r in sent),
    }
