"""The warnings and forecasts follow the reports: a report handed in, accepted or returned in the
dispatch app refreshes its project's rows after the commit (one background task per batch and
period), for that period and the later ones already computed — and nothing of the other
projects, whoever acted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from xianfeng.dispatch import services
from xianfeng.dispatch.models import MonthlyReport
from xianfeng.dispatch.tests.conftest import row
from xianfeng.targets.forecasts import forecasts_recompute
from xianfeng.targets.models import ForecastBacktest, ForecastPoint, ProjectForecast, ProjectSignal
from xianfeng.targets.tasks import recompute, refresh_warnings_and_forecasts
from xianfeng.targets.tests.w_world import make_entry, make_period, make_report
from xianfeng.targets.warnings import signals_recompute

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TASK_PATH = "xianfeng.targets.tasks.refresh_warnings_and_forecasts"


@pytest.fixture
def world(unit_a, unit_b):  # type: ignore[no-untyped-def]
    """January–March 2024, every deadline passed. Plans of 1200 (time progress in March 25.0 %).

    - a1 (unit A): January only (100): February and March missing → red in March.
    - a2 (unit A): 100, 200, 300 → green.
    - b1 (unit B): 100, 200, March missing → yellow in March.
    """
    periods = {m: make_period(m) for m in (1, 2, 3)}
    plan = {"planned_investment": Decimal("1200.00")}
    a1 = make_entry(unit_a, name="甲一", **plan)
    a2 = make_entry(unit_a, name="甲二", **plan)
    b1 = make_entry(unit_b, name="乙一", **plan)
    make_report(a1, periods[1], "100")
    for m, ytd in [(1, "100"), (2, "200"), (3, "300")]:
        make_report(a2, periods[m], ytd)
    for m, ytd in [(1, "100"), (2, "200")]:
        make_report(b1, periods[m], ytd)
    return {"periods": periods, "a1": a1, "a2": a2, "b1": b1}


def signal(entry: Any, period: Any) -> ProjectSignal:
    return ProjectSignal.objects.get(entry=entry, period=period)


def stored(model: Any, **filters: Any) -> dict[int, dict[str, Any]]:
    """Rows by primary key with every column: a row replaced gets a new key."""
    return {r["id"]: r for r in model.objects.filter(**filters).values()}


def judged(entry: Any, period: Any) -> dict[str, Any]:
    """A signal's stored figures (not its key or time of computing)."""
    values = ProjectSignal.objects.filter(entry=entry, period=period).values().get()
    return {k: v for k, v in values.items() if k not in ("id", "computed_at")}


def test_accepting_a_report_turns_a_red_project_green_after_the_commit(
    world, dispatcher, django_capture_on_commit_callbacks
) -> None:
    march = world["periods"][3]
    recompute(2024, 3, targets=False)
    assert signal(world["a1"], march).colour == "red"
    # March's report arrives (handed in before the lights were last computed).
    report = make_report(world["a1"], march, "300", status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_accept(actor=dispatcher, reports=[report])
        assert signal(world["a1"], march).colour == "red"  # not before the commit
    # 300 of 1200 = 25.0 % against 25.0; the report handed in ends the run of missing months.
    a1 = signal(world["a1"], march)
    assert (a1.colour, a1.pace_colour, a1.reporting_colour, a1.completion_rate) == (
        "green",
        "green",
        "green",
        Decimal("25.0"),
    )
    assert a1.previous_colour == ""  # February was never computed
    assert ProjectForecast.objects.get(entry=world["a1"], period=march).completed == Decimal("300.00")
    district = ForecastPoint.objects.get(period=march, unit__isnull=True, month=3)
    assert district.actual == Decimal("800.00")  # 300 + 300 + 200


def test_returning_a_report_turns_the_light_back(
    world, dispatcher, django_capture_on_commit_callbacks
) -> None:
    march = world["periods"][3]
    recompute(2024, 3, targets=False)
    report = MonthlyReport.objects.get(entry=world["a2"], period=march)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(actor=dispatcher, report=report, reason="投资额与现场不符")
    a2 = signal(world["a2"], march)
    # Back to February's 200 (16.7 %, 8.3 points behind: green on pace); March missing: yellow.
    assert (a2.colour, a2.pace_colour, a2.reporting_colour) == ("yellow", "green", "yellow")


def test_a_batch_of_reports_enqueues_one_task(
    world, unit_a, clerk_a, dispatcher, django_capture_on_commit_callbacks
) -> None:
    march = world["periods"][3]
    recompute(2024, 3, targets=False)
    batch = [make_entry(unit_a, name=f"批量{i}", planned_investment=Decimal("1200.00")) for i in range(12)]
    ids = sorted(e.pk for e in batch)
    with override_settings(TASKS=DATABASE_TASKS), django_capture_on_commit_callbacks(execute=True):
        saved = services.reports_save(actor=clerk_a, period=march, rows=[row(e) for e in batch], submit=True)
    assert saved.applied
    (queued,) = DBTaskResult.objects.filter(task_path=TASK_PATH)
    assert queued.args_kwargs == {"args": [], "kwargs": {"year": 2024, "month": 3, "entry_ids": ids}}
    with override_settings(TASKS=DATABASE_TASKS), django_capture_on_commit_callbacks(execute=True):
        services.reports_accept(actor=dispatcher, reports=MonthlyReport.objects.filter(entry__in=batch))
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 2
    # What the worker runs: the twelve new projects get their March lights, nothing else moves.
    before = stored(ProjectSignal, period=march)
    result = refresh_warnings_and_forecasts.call(**queued.args_kwargs["kwargs"])
    assert (result["entries"], result["periods"]) == (12, ["2024-03"])
    after = stored(ProjectSignal, period=march)
    assert len(after) == len(before) + 12 and set(before) <= set(after)
    # 100 this month of 1200: 8.3 %, 16.7 points behind → yellow; handed in late → yellow.
    assert {r["colour"] for pk, r in after.items() if r["entry_id"] in ids} == {"yellow"}


def test_a_unit_clerk_refreshes_only_what_their_report_touched(
    world, clerk_a, django_capture_on_commit_callbacks
) -> None:
    p = world["periods"]
    for month in (2, 3):
        recompute(2024, month, targets=False)
    # Unit B's March report comes in unseen (no hook): a recompute of the whole period would turn
    # b1 green. A clerk of unit A must not cause that.
    make_report(world["b1"], p[3], "300")
    signals = stored(ProjectSignal)
    forecasts = stored(ProjectForecast)
    points = stored(ForecastPoint)
    tests = stored(ForecastBacktest)
    with django_capture_on_commit_callbacks(execute=True):
        saved = services.reports_save(actor=clerk_a, period=p[2], rows=[row(world["a1"])], submit=True)
    assert saved.applied
    a1 = world["a1"].pk
    now_signals = stored(ProjectSignal)
    # Every other project's signals stand as they were (same rows), b1 still yellow in March.
    assert {k: v for k, v in now_signals.items() if v["entry_id"] != a1} == {
        k: v for k, v in signals.items() if v["entry_id"] != a1
    }
    assert signal(world["b1"], p[3]).colour == "yellow"
    # a1's rows of February and of the later March were replaced.
    assert not {k for k, v in signals.items() if v["entry_id"] == a1} & set(now_signals)
    assert {v["period_id"] for v in now_signals.values() if v["entry_id"] == a1} == {p[2].pk, p[3].pk}
    now_forecasts = stored(ProjectForecast)
    assert {k: v for k, v in now_forecasts.items() if v["entry_id"] != a1} == {
        k: v for k, v in forecasts.items() if v["entry_id"] != a1
    }
    # Unit B's curve and back-test rows stand; unit A's and the district's were recomputed.
    unit_b = world["b1"].project.lead_unit_id
    now_points, now_tests = stored(ForecastPoint), stored(ForecastBacktest)
    assert {k: v for k, v in now_points.items() if v["unit_id"] == unit_b} == {
        k: v for k, v in points.items() if v["unit_id"] == unit_b
    }
    assert {k: v for k, v in now_tests.items() if v["unit_id"] == unit_b} == {
        k: v for k, v in tests.items() if v["unit_id"] == unit_b
    }
    assert not {k for k, v in points.items() if v["unit_id"] != unit_b} & set(now_points)
    # a1's refreshed rows are what a full recompute writes for it.
    refreshed = {m: judged(world["a1"], p[m]) for m in (2, 3)}
    for month in (2, 3):
        signals_recompute(period=p[month])
        assert judged(world["a1"], p[month]) == refreshed[month]


def test_only_periods_already_computed_are_refreshed(
    world, clerk_a, django_capture_on_commit_callbacks
) -> None:
    p = world["periods"]
    signals_recompute(period=p[3])
    forecasts_recompute(period=p[3])
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_save(actor=clerk_a, period=p[2], rows=[row(world["a1"])], submit=True)
    # February was never computed: a refresh does not start it with one project.
    assert not ProjectSignal.objects.filter(period=p[2]).exists()
    assert not ProjectForecast.objects.filter(period=p[2]).exists()
    # March follows February's report: a1 now 100 this month on top of January (ytd 100 + 100).
    assert ProjectForecast.objects.get(entry=world["a1"], period=p[3]).completed == Decimal("100.00")
    a1 = signal(world["a1"], p[3])
    assert a1.missing_periods == 1 and a1.reporting_colour == "yellow"
