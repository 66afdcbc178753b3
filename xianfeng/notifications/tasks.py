"""Background tasks (django-tasks). They only call services; ``run_scheduler`` enqueues them and
``manage.py db_worker`` runs them. Arguments are JSON: a day travels as ``YYYY-MM-DD``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django_tasks import task

from xianfeng.lib import clock
from xianfeng.notifications import services


@task()
def deliver_pending_task(limit: int = 500) -> dict[str, Any]:
    return services.deliver_pending(limit=limit).as_dict()


@task()
def daily_digest_task(day: str | None = None) -> dict[str, Any]:
    """The digest for ``day`` (default: yesterday), then send it straight away."""
    when = dt.date.fromisoformat(day) if day else clock.today() - dt.timedelta(days=1)
    queued = services.send_daily_digest(day=when)
    return {"day": when.isoformat(), "queued": queued, **services.deliver_pending().as_dict()}


# Daily jobs of higher apps (the dispatch reminders, …), registered from their AppConfig.ready()
# so this app never imports them: run_scheduler enqueues each once a day from its hour, with the
# day as ``day="YYYY-MM-DD"``. The jobs dedupe themselves, so a restarted scheduler is harmless.
DAILY_TASKS: dict[str, tuple[Any, Callable[[], int]]] = {}


def register_daily_task(name: str, task_obj: Any, hour: Callable[[], int]) -> None:
    """``hour``: a callable returning the local hour (0–23) from which the job runs each day."""
    DAILY_TASKS[name] = (task_obj, hour)
