"""Background tasks (django-tasks): the recomputation of the traffic-light warnings and the
investment forecasts — daily for the latest period, and for the entries whose reports just changed.
They only call the computing functions; ``run_scheduler`` enqueues the daily one (registered in
apps.py), the dispatch app's hook the other (:func:`on_reports_changed`, registered in apps.py),
and ``manage.py db_worker`` runs them."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import transaction
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


def refresh(year: int, month: int, entry_ids: list[int]) -> dict[str, Any]:
    """The signals and forecasts of ``entry_ids`` for ``year``-``month`` and for the later periods
    of the year (a month's figures move the later months' year-to-date and runs of missing
    reports), each only where the period has been computed already. One read of the facts (for the
    entries' units, as of the last of those periods) serves every period; one transaction."""
    from xianfeng.targets import forecasts, warnings
    from xianfeng.targets.models import ForecastPoint, ProjectSignal

    started = time.perf_counter()
    ids = sorted(set(entry_ids))
    key = f"{year:04d}-{month:02d}"
    periods = list(ReportingPeriod.objects.filter(year=year, month__gte=month).order_by("month"))
    if not periods or periods[0].month != month:
        return {"period": key, "error": "没有该调度期"}
    computed = set(
        ProjectSignal.objects.filter(period__in=periods).values_list("period_id", flat=True).distinct()
    )
    computed |= set(
        ForecastPoint.objects.filter(period__in=periods).values_list("period_id", flat=True).distinct()
    )
    periods = [p for p in periods if p.pk in computed]
    result: dict[str, Any] = {"period": key, "entries": len(ids), "periods": [p.key for p in periods]}
    if periods and ids:
        with transaction.atomic():
            facts = warnings.year_facts(periods[-1], unit_ids=forecasts.entry_units(ids))
            for period in periods:
                as_of = [f.until(period.month) for f in facts]
                warnings.signals_refresh(period=period, entry_ids=ids, facts=as_of)
                forecasts.forecasts_refresh(period=period, entry_ids=ids, facts=as_of)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


@task()
def refresh_warnings_and_forecasts(year: int, month: int, entry_ids: list[int]) -> dict[str, Any]:
    """The entries whose reports changed in ``year``-``month`` (see :func:`refresh`)."""
    return refresh(year, month, entry_ids)


def on_reports_changed(period: ReportingPeriod, entry_ids: list[int]) -> None:
    """The dispatch app's hook (after the commit): one task for the period and its entries,
    however many reports the save, import or review wrote."""
    refresh_warnings_and_forecasts.enqueue(year=period.year, month=period.month, entry_ids=list(entry_ids))


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
