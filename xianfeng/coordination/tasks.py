"""Background tasks (django-tasks). They only call services; run daily (see the
``coordination_daily`` command, which a cron entry or the scheduler calls once a day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from xianfeng.coordination import services
from xianfeng.lib import clock


@task()
def escalate_overdue_task(day: str | None = None) -> dict[str, Any]:
    """Escalate overdue problems and late instruction replies as of ``day`` (default today)."""
    when = dt.date.fromisoformat(day) if day else clock.today()
    return {"day": when.isoformat(), **services.coordination_daily(today=when)}
