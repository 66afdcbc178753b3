"""The traffic-light rules at their thresholds, the reasons in words, the stored signals and their
previous colour, and the scoping of the reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from xianfeng.dispatch.models import MonthlyReport
from xianfeng.projects.choices import Kind
from xianfeng.targets import selectors, warnings
from xianfeng.targets.models import ProjectSignal, WarningRule
from xianfeng.targets.tests.w_world import make_entry, make_period, make_report
from xianfeng.targets.warnings import (
    EntryFacts,
    RuleChange,
    Thresholds,
    judge_pace,
    judge_reporting,
    judge_start,
    reason_text,
    rules_update,
    signals_recompute,
    signals_refresh,
)

START = Thresholds(True, Decimal(0), Decimal(3))
PACE = Thresholds(True, Decimal(10), Decimal(30))
REPORTING = Thresholds(True, Decimal(1), Decimal(2))
TODAY = dt.date(2024, 12, 6)


def fact(**kwargs) -> EntryFacts:  # type: ignore[no-untyped-def]
    values = {
        "entry_id": 1,
        "project_id": 1,
        "unit_id": 1,
        "kind": Kind.CONTINUING,
        "category": "industry",
        "planned": Decimal("1200.00"),
        "planned_start_month": None,
        "actual_start": None,
        "total_investment": Decimal("10000.00"),
        "invested_before": Decimal(0),
    }
    values.update(kwargs)
    return EntryFacts(**values)


# ---------------------------------------------------------------- start


def test_start_yellow_in_the_planned_month_red_from_three_months_late() -> None:
    new = fact(kind=Kind.NEW_START, planned_start_month=4)
    assert judge_start(new, year=2024, month=3, rule=START)[0] == "green"  # not due yet
    assert judge_start(new, year=2024, month=4, rule=START)[:3:2] == ("yellow", 0)
    assert judge_start(new, year=2024, month=6, rule=START)[:3:2] == ("yellow", 2)
    colour, reason, late = judge_start(new, year=2024, month=7, rule=START)
    assert (colour, late) == ("red", 3)
    assert reason_text(reason) == "计划2024年4月开工，截至7月末未开工，已逾期3个月"
    assert (
        reason_text(judge_start(new, year=2024, month=4, rule=START)[1])
        == "计划2024年4月开工，截至4月末未开工"
    )


def test_start_green_once_started_by_the_month_end_and_not_judged_for_others() -> None:
    started = fact(kind=Kind.NEW_START, planned_start_month=4, actual_start=dt.date(2024, 7, 31))
    assert judge_start(started, year=2024, month=7, rule=START)[0] == "green"
    assert judge_start(started, year=2024, month=6, rule=START)[0] == "yellow"
    assert judge_start(fact(), year=2024, month=7, rule=START)[0] == ""
    assert judge_start(fact(kind=Kind.NEW_START), year=2024, month=7, rule=START)[0] == ""


# ---------------------------------------------------------------- pace


@pytest.mark.parametrize(
    ("ytd", "colour", "rate", "gap"),
    [
        ("481.20", "green", "40.1", "9.9"),  # June: time progress 50.0
        ("480.00", "yellow", "40.0", "10.0"),  # exactly 10 points behind
        ("240.00", "yellow", "20.0", "30.0"),  # exactly 30
        ("238.80", "red", "19.9", "30.1"),  # beyond 30
    ],
)
def test_pace_thresholds(ytd: str, colour: str, rate: str, gap: str) -> None:
    f = fact(ytd={6: Decimal(ytd)})
    got, reason, got_rate, got_gap = judge_pace(f, year=2024, month=6, rule=PACE)
    assert (got, got_rate, got_gap) == (colour, Decimal(rate), Decimal(gap))
    if colour != "green":
        assert reason_text(reason) == f"年度投资完成率{rate}%，落后时间进度{gap}个百分点"


def test_pace_november_example_and_applicability() -> None:
    # 504 of 1200 = 42.0 %; November's time progress 91.7 → 49.7 points behind
    f = fact(ytd={10: Decimal("504.00")})
    colour, reason, _, _ = judge_pace(f, year=2024, month=11, rule=PACE)
    assert colour == "red"
    assert reason_text(reason) == "年度投资完成率42.0%，落后时间进度49.7个百分点"
    assert judge_pace(fact(kind=Kind.RESERVE, planned=Decimal(0)), year=2024, month=11, rule=PACE)[0] == ""
    not_due = fact(kind=Kind.NEW_START, planned_start_month=12)
    assert judge_pace(not_due, year=2024, month=11, rule=PACE)[0] == ""
    due = fact(kind=Kind.NEW_START, planned_start_month=11)
    assert judge_pace(due, year=2024, month=11, rule=PACE)[0] == "red"


# ---------------------------------------------------------------- reporting

PERIODS = [(1, dt.date(2024, 2, 7)), (2, dt.date(2024, 3, 7)), (3, dt.date(2024, 4, 7))]


def test_reporting_two_missing_periods_red_one_yellow_late_yellow() -> None:
    colour, reasons, run = judge_reporting(
        fact(handed={1: "ok"}), periods=PERIODS, today=TODAY, rule=REPORTING
    )
    assert (colour, run) == ("red", 2)
    assert [reason_text(r) for r in reasons] == ["2月、3月连续两期未报送"]
    colour, reasons, run = judge_reporting(
        fact(handed={1: "ok", 2: "ok"}), periods=PERIODS, today=TODAY, rule=REPORTING
    )
    assert (colour, run, [reason_text(r) for r in reasons]) == ("yellow", 1, ["3月未报送"])
    colour, reasons, run = judge_reporting(
        fact(handed={1: "ok", 2: "ok", 3: "late"}), periods=PERIODS, today=TODAY, rule=REPORTING
    )
    assert (colour, run, [reason_text(r) for r in reasons]) == ("yellow", 0, ["3月报告逾期报送"])
    colour, _, _ = judge_reporting(
        fact(handed={1: "ok", 2: "ok", 3: "ok"}), periods=PERIODS, today=TODAY, rule=REPORTING
    )
    assert colour == "green"


def test_reporting_current_period_before_its_deadline_is_pending() -> None:
    periods = [*PERIODS, (11, TODAY)]  # November is due today: not missing yet
    colour, _, run = judge_reporting(
        fact(handed={1: "ok", 2: "ok", 3: "ok"}), periods=periods, today=TODAY, rule=REPORTING
    )
    assert (colour, run) == ("green", 0)
    colour, reasons, run = judge_reporting(
        fact(handed={1: "ok", 2: "ok"}), periods=periods, today=TODAY, rule=REPORTING
    )
    assert (colour, run, [reason_text(r) for r in reasons]) == ("yellow", 1, ["3月未报送"])


# ---------------------------------------------------------------- stored signals


@pytest.fixture
def world(unit_a, unit_b):  # type: ignore[no-untyped-def]
    periods = {m: make_period(m) for m in (1, 2, 3)}
    # A: on pace (300 of 1200 by March = 25.0 %, time progress 25.0), reports on time.
    a = make_entry(unit_a, name="甲按期", planned_investment=Decimal("1200.00"))
    for m, ytd in [(1, "100"), (2, "200"), (3, "300")]:
        make_report(a, periods[m], ytd)
    # B: a new start planned for January, not started: March is 2 months late → yellow; no plan
    # spent, 0 % vs 25.0 → 25 points behind → yellow; February and March missing → red.
    b = make_entry(
        unit_b,
        name="乙未开工",
        kind=Kind.NEW_START,
        planned_start_month=1,
        planned_investment=Decimal("600.00"),
    )
    make_report(b, periods[1], "0")
    make_report(b, periods[2], "0", status="draft")
    return {"periods": periods, "a": a, "b": b}


def test_signals_stored_with_reasons_and_previous_colour(world, dispatcher) -> None:  # type: ignore[no-untyped-def]
    p = world["periods"]
    first = signals_recompute(period=p[2], today=TODAY)
    assert (first.red, first.yellow, first.green, first.changed) == (0, 1, 1, 0)
    result = signals_recompute(period=p[3], today=TODAY)
    assert (result.projects, result.red, result.yellow, result.green, result.changed) == (2, 1, 0, 1, 1)
    b = ProjectSignal.objects.get(period=p[3], entry=world["b"])
    assert (b.colour, b.start_colour, b.pace_colour, b.reporting_colour, b.previous_colour) == (
        "red",
        "yellow",
        "yellow",
        "red",
        "yellow",
    )
    assert (b.months_late, b.completion_rate, b.gap, b.missing_periods) == (
        2,
        Decimal("0.0"),
        Decimal("25.0"),
        2,
    )
    summary = selectors.warning_summary(user=dispatcher, period=p[3])
    (row,) = summary.red_rows
    assert row.reasons == [
        "计划2024年1月开工，截至3月末未开工，已逾期2个月",
        "年度投资完成率0.0%，落后时间进度25.0个百分点",
        "2月、3月连续两期未报送",
    ]
    assert (row.previous_colour, row.changed) == ("yellow", True)
    assert summary.by_rule["reporting"] == {"red": 1, "yellow": 0}
    (change,) = selectors.colour_changes(user=dispatcher, period=p[3])
    assert change.entry_id == world["b"].pk
    history = selectors.project_signals(user=dispatcher, project=world["b"].project)
    assert [(h.period_key, h.colour) for h in history] == [("2024-03", "red"), ("2024-02", "yellow")]
    # recomputed: replaced, not duplicated
    signals_recompute(period=p[3], today=TODAY)
    assert ProjectSignal.objects.filter(period=p[3]).count() == 2


def test_recompute_query_count_does_not_grow_with_projects(world, unit_a) -> None:  # type: ignore[no-untyped-def]
    period = world["periods"][3]
    with CaptureQueriesContext(connection) as small:
        signals_recompute(period=period, today=TODAY)
    for i in range(5):
        entry = make_entry(unit_a, name=f"更多{i}")
        make_report(entry, period, "10")
    with CaptureQueriesContext(connection) as large:
        signals_recompute(period=period, today=TODAY)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert ProjectSignal.objects.filter(period=period).count() == 7


def test_scoping(world, clerk_a, clerk_b, leader_user, auditor) -> None:  # type: ignore[no-untyped-def]
    period = world["periods"][3]
    signals_recompute(period=period, today=TODAY)
    assert selectors.warning_summary(user=clerk_a, period=period).total == 1
    assert selectors.warning_summary(user=clerk_b, period=period).red == 1
    assert selectors.warning_summary(user=clerk_a, period=period).red_rows == []
    assert selectors.warning_summary(user=leader_user, period=period).total == 2
    assert selectors.warning_summary(user=auditor, period=period).total == 0
    with pytest.raises(Http404):
        selectors.warning_project(user=clerk_a, pk=world["b"].project_id)
    assert selectors.project_signals(user=clerk_b, project=world["b"].project)


def test_configured_thresholds_change_the_colours(world, dispatcher) -> None:  # type: ignore[no-untyped-def]
    # B is 25.0 points behind: with red beyond 20 its pace turns red.
    rules_update(
        actor=dispatcher,
        changes=[
            RuleChange("pace", True, Decimal(5), Decimal(20)),
            RuleChange("reporting", False, Decimal(1), Decimal(2)),
        ],
    )
    signals_recompute(period=world["periods"][3], today=TODAY)
    b = ProjectSignal.objects.get(period=world["periods"][3], entry=world["b"])
    assert (b.pace_colour, b.reporting_colour, b.colour) == ("red", "", "red")
    a = ProjectSignal.objects.get(period=world["periods"][3], entry=world["a"])
    assert a.colour == "green"


def test_rules_update_refuses_bad_thresholds_and_other_roles(dispatcher, clerk_a) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as error:
        rules_update(actor=dispatcher, changes=[RuleChange("pace", True, Decimal(30), Decimal(10))])
    assert error.value.messages == ["“投资进度”规则：红灯阈值不能小于黄灯阈值"]
    assert WarningRule.objects.get(rule="pace").red_at == Decimal(30)
    with pytest.raises(PermissionDenied):
        rules_update(actor=clerk_a, changes=[RuleChange("pace", True, Decimal(5), Decimal(10))])


def test_default_rules_from_the_migration(db) -> None:  # type: ignore[no-untyped-def]
    rules = {r.rule: (r.yellow_at, r.red_at) for r in WarningRule.objects.all()}
    assert rules == {"start": (0, 3), "pace": (10, 30), "reporting": (1, 2)}


# ---------------------------------------------------------------- next period's previous colour; refreshes


def _figures(**filters) -> dict[tuple[int, int], dict]:  # type: ignore[no-untyped-def]
    """Stored signals by (period, entry), without their key and time of computing."""
    return {
        (r["period_id"], r["entry_id"]): {k: v for k, v in r.items() if k not in ("id", "computed_at")}
        for r in ProjectSignal.objects.filter(**filters).values()
    }


def test_recomputing_an_earlier_period_refreshes_the_next_periods_previous_colour(world, dispatcher) -> None:  # type: ignore[no-untyped-def]
    p, a, b = world["periods"], world["a"], world["b"]
    signals_recompute(period=p[2], today=TODAY)
    signals_recompute(period=p[3], today=TODAY)
    assert [c.entry_id for c in selectors.colour_changes(user=dispatcher, period=p[3])] == [b.pk]
    # A's February report is sent back: February turns yellow (missing; 100 of 1200 is 8.3 % against
    # 16.7, green on pace). March's stored previous colour follows, and so do its colour changes.
    MonthlyReport.objects.filter(entry=a, period=p[2]).update(status="returned")
    signals_recompute(period=p[2], today=TODAY)
    assert ProjectSignal.objects.get(entry=a, period=p[2]).colour == "yellow"
    march_a = ProjectSignal.objects.get(entry=a, period=p[3])
    assert (march_a.previous_colour, march_a.colour) == ("yellow", "green")
    changes = selectors.colour_changes(user=dispatcher, period=p[3])
    assert [(c.entry_id, c.previous_colour, c.colour) for c in changes] == [
        (b.pk, "yellow", "red"),
        (a.pk, "yellow", "green"),
    ]
    assert selectors.warning_summary(user=dispatcher, period=p[3]).changed == 2
    # Handed in again and refreshed for A alone: March's previous colour is green once more.
    MonthlyReport.objects.filter(entry=a, period=p[2]).update(status="accepted")
    signals_refresh(period=p[2], entry_ids=[a.pk], today=TODAY)
    assert ProjectSignal.objects.get(entry=a, period=p[3]).previous_colour == "green"
    assert [c.entry_id for c in selectors.colour_changes(user=dispatcher, period=p[3])] == [b.pk]


@pytest.mark.parametrize("listed", [True, False], ids=["entries-listed", "period-read-whole"])
def test_a_refresh_writes_what_a_full_recompute_writes(world, unit_b, monkeypatch, listed) -> None:  # type: ignore[no-untyped-def]
    p, a, b = world["periods"], world["a"], world["b"]
    other = make_entry(unit_b, name="乙其他", planned_investment=Decimal("600.00"))
    make_report(other, p[1], "50")
    for m in (1, 2, 3):
        signals_recompute(period=p[m], today=TODAY)
    before = _figures()
    others = {k: v for k, v in ProjectSignal.objects.filter(entry=other).values_list("pk", "computed_at")}
    # The changes: B's February draft handed in late, A's March report sent back; and the other
    # project's February report, which the refresh (not told of it) must leave unseen.
    MonthlyReport.objects.filter(entry=b, period=p[2]).update(status="submitted", submitted_late=True)
    MonthlyReport.objects.filter(entry=a, period=p[3]).update(status="returned")
    make_report(other, p[2], "300")
    if not listed:
        monkeypatch.setattr(warnings, "LISTED_ENTRIES", 1)
    for m in (1, 2, 3):
        result = signals_refresh(period=p[m], entry_ids=[a.pk, b.pk], today=TODAY)
        assert result is not None and result.projects == 2
    refreshed = _figures(entry__in=[a, b])
    assert refreshed != {k: v for k, v in before.items() if k[1] != other.pk}
    assert dict(ProjectSignal.objects.filter(entry=other).values_list("pk", "computed_at")) == others
    for m in (1, 2, 3):
        signals_recompute(period=p[m], today=TODAY)
    full = _figures()
    assert refreshed == {k: v for k, v in full.items() if k[1] != other.pk}
    assert full[(p[2].pk, other.pk)] != before[(p[2].pk, other.pk)]  # the full one does see it


def test_a_refresh_reads_only_its_entries_and_skips_a_period_never_computed(world, unit_a) -> None:  # type: ignore[no-untyped-def]
    p, a = world["periods"], world["a"]
    assert signals_refresh(period=p[3], entry_ids=[a.pk], today=TODAY) is None
    assert not ProjectSignal.objects.exists()
    signals_recompute(period=p[3], today=TODAY)
    with CaptureQueriesContext(connection) as small:
        signals_refresh(period=p[3], entry_ids=[a.pk], today=TODAY)
    for i in range(5):
        make_report(make_entry(unit_a, name=f"更多{i}"), p[3], "10")
    with CaptureQueriesContext(connection) as large:
        signals_refresh(period=p[3], entry_ids=[a.pk], today=TODAY)
    assert len(small.captured_queries) == len(large.captured_queries)
    # The reports and the previous colours are read for the one entry, not the whole period.
    sqls = [q["sql"] for q in large.captured_queries]
    facts = [sql for sql in sqls if 'FROM "dispatch_monthlyreport"' in sql]
    previous = [sql for sql in sqls if 'SELECT "targets_projectsignal"."entry_id"' in sql]
    assert facts and all(f'"dispatch_monthlyreport"."entry_id" IN ({a.pk})' in sql for sql in facts)
    assert previous and all(f'"entry_id" IN ({a.pk})' in sql for sql in previous)
