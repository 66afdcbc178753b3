"""Background tasks (django-tasks): the daily recomputation of the traffic-light warnings and the
investment forecasts. They only call the computing functions; ``run_scheduler`` enqueues the
daily one (registered in apps.py) and ``manage.py db_worker`` runs it."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django_tasks import task

from xianfeng.dispatch.models import ReportingPeriod
from xianfeng.lib import clock


def latest_period(today: dt.date) -> ReportingPeriod | None:
    """The latest period whose month has begun by ``today`` (the one being reported now)."""
    return (
        ReportingPeriod.objects.filter(year__lte=today.year)
        .exclude(year=today.year, month__gt=today.month)
        .order_by("-year", "-month")
        .first()
    )


def recompute(year: int, month: int, *, targets: bool = True) -> dict[str, Any]:
    """Warnings and forecasts of one period (and, when the targets module offers it and ``targets``,
    the targets' forecasts); returns the counts and timings."""
    from dataclasses import asdict

    from xianfeng.targets import forecasts, warnings

    period = ReportingPeriod.objects.filter(year=year, month=month).first()
    if period is None:
        return {"period": f"{year:04d}-{month:02d}", "error": "没有该调度期"}
    started = time.perf_counter()
    facts = warnings.year_facts(period)
    signals = warnings.signals_recompute(period=period, facts=facts)
    forecast = forecasts.forecasts_recompute(period=period, facts=facts)
    result: dict[str, Any] = {
        "period": period.key,
        "warnings": asdict(signals),
        "forecasts": {k: str(v) if v is not None else None for k, v in asdict(forecast).items()},
    }
    from xianfeng.targets import services

    if targets and hasattr(services, "target_forecasts_recompute"):
        services.target_forecasts_recompute(year, month)
        result["targets"] = True
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


@task()
def recompute_warnings_and_forecasts(
    year: int | None = None, month: int | None = None, day: str | None = None
) -> dict[str, Any]:
    """Recompute ``year``-``month``; without them (the daily run, given ``day``), the latest period
    begun by that day (default today)."""
    if year is None or month is None:
        when = dt.date.fromisoformat(day) if day else clock.today()
        period = latest_period(when)
        if period is None:
            return {"day": when.isoformat(), "period": None}
        year, month = period.year, period.month
    return recompute(year, month)


def load_demo_warnings(*, year: int = 2024) -> int:
    """Demo: the signals and forecasts of every period of ``year`` (January–November), so the pages
    show a history; the targets' forecasts for the latest. Returns the periods computed (0 when the
    year's signals exist already: a second load changes nothing)."""
    from xianfeng.targets.models import ProjectSignal

    months = list(ReportingPeriod.objects.filter(year=year).order_by("month").values_list("month", flat=True))
    if not months or ProjectSignal.objects.filter(period__year=year).exists():
        return 0
    for month in months:
        recompute(year, month, targets=month == months[-1])
    return len(months)
