"""The cockpit's figures against the small world's table, computed by hand (see conftest.py and
dispatch/tests/stats_world.py), and against the statistics page's own figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xianfeng.cockpit.selectors import cockpit_data, cockpit_period, colour_of
from xianfeng.dispatch.statistics import period_statistics
from xianfeng.dispatch.tests.stats_world import World, make_report, sync_entries
from xianfeng.projects.choices import Kind
from xianfeng.targets.selectors import investment_forecast, target_board, warning_summary
from xianfeng.targets.tasks import recompute
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory

D = Decimal


def nov(world: World, user: Any) -> Any:
    return cockpit_data(user=user, period=world.periods[11], periods=list(world.periods.values()))


def test_colours_follow_the_pace_rule() -> None:
    # The pace warning's defaults and comparisons: 10 points behind or more yellow, beyond 30 red.
    assert [colour_of(D(g)) for g in ["5", "0", "-9.9", "-10", "-30", "-30.1"]] == [
        "green",
        "green",
        "green",
        "yellow",
        "yellow",
        "red",
    ]
    assert colour_of(None) == "none"
    # The thresholds set at 15 and 40: 12 behind is green, 20 and 35 and 40 yellow, 40.1 red.
    at = {"yellow": D(15), "red": D(40)}
    assert [colour_of(D(g), **at) for g in ["-12", "-15", "-20", "-35", "-40", "-40.1"]] == [
        "green",
        "yellow",
        "yellow",
        "yellow",
        "yellow",
        "red",
    ]


@pytest.mark.parametrize("yellow,red", [("10", "30"), ("15", "40"), ("0", "3")])
def test_colours_agree_with_the_pace_warning(yellow: str, red: str) -> None:
    """A bar's colour is the light the pace rule gives a project as far behind."""
    from xianfeng.targets.warnings import EntryFacts, Thresholds, judge_pace

    rule = Thresholds(True, D(yellow), D(red))
    # December: time progress 100.0 %, so a project that has done (100 − b) of 100 is b points behind.
    for behind in [
        "0",
        "2.9",
        "3",
        "3.1",
        "9.9",
        "10",
        "10.1",
        "14.9",
        "15",
        "20",
        "30",
        "30.1",
        "40",
        "40.1",
    ]:
        fact = EntryFacts(1, 1, 1, Kind.CONTINUING, "industry", D(100), None, None, D(500), D(0))
        fact.ytd[12] = D(100) - D(behind)
        light = judge_pace(fact, year=2024, month=12, rule=rule)[0]
        assert colour_of(-D(behind), yellow=rule.yellow_at, red=rule.red_at) == light, behind


def test_headline_in_november(world: World, dispatcher: Any) -> None:
    h = nov(world, dispatcher).headline
    # Six projects count (archived, cancelled, last year's do not); completed 750 + 250 + 0 + 1200.
    assert (h.projects, h.total_investment, h.planned_investment, h.invested_ytd) == (
        6,
        D("48000.00"),
        D("6000.00"),
        D("2200.00"),
    )
    assert (h.completion_rate, h.time_progress, h.gap) == (D("36.7"), D("91.7"), D("-55.0"))
    # New starts P2, P3, P5, P6; due by November P2, P3, P5; started by 30 November: P2.
    assert (h.new_starts, h.due_to_start, h.started_due, h.started, h.start_rate, h.start_rate_all) == (
        4,
        3,
        1,
        1,
        D("33.3"),
        D("25.0"),
    )
    # Problems at 30 November: both open, the land one overdue; none escalated.
    assert (h.open_problems, h.overdue_problems, h.escalated_problems) == (2, 1, 0)
    # No targets in this world; no warnings computed yet.
    assert (h.targets, h.targets_met, h.targets_at_risk) == (0, 0, 0)
    assert (h.red, h.yellow) == (None, None)


def test_funnel_in_november_and_september(world: World, dispatcher: Any) -> None:
    stages = {
        s.key: (s.count, s.total_investment, s.planned_investment) for s in nov(world, dispatcher).funnel
    }
    assert list(stages) == ["early", "new_start", "building", "done"]
    assert stages["early"] == (0, D("0.00"), D("0.00"))
    # New starts P2 5000/600, P3 3000/300, P5 20000/1000, P6 2000/500.
    assert stages["new_start"] == (4, D("30000.00"), D("2400.00"))
    # Building at 30 November: continuing P1 and P4, and P2 (started 20 May); P5 started 2 December.
    assert stages["building"] == (3, D("23000.00"), D("4200.00"))
    # Done: P4, completed 15 October.
    assert stages["done"] == (1, D("8000.00"), D("2400.00"))
    september = cockpit_data(user=dispatcher, period=world.periods[9], periods=list(world.periods.values()))
    assert {s.key: s.count for s in september.funnel}["done"] == 0


def test_monthly_curve(world: World, dispatcher: Any) -> None:
    curve = nov(world, dispatcher).curve
    # Handed-in year-to-dates: September P1 300, P2 100, P4 500; October P1 500, P2 250 (P4's
    # October report returned: it stays at 500); November P1 750, P4 1200 (P2's November is a draft).
    assert curve.actual == [D("0.00")] * 8 + [D("900.00"), D("1250.00"), D("2200.00"), None]
    assert curve.actual[10] == nov(world, dispatcher).headline.invested_ytd
    # No forecasts computed: the plan spread evenly, 6000 ÷ 12 a month.
    assert curve.planned_source == "linear"
    assert curve.planned == [D(500 * m).quantize(D("0.01")) for m in range(1, 13)]
    assert curve.year_end_forecast is None
    september = cockpit_data(user=dispatcher, period=world.periods[9], periods=list(world.periods.values()))
    assert september.curve.actual[8] == D("900.00") and september.curve.actual[9] is None
    assert september.headline.invested_ytd == D("900.00")


def test_breakdowns_equal_the_statistics_page(world: World, dispatcher: Any) -> None:
    for month in (9, 10, 11):
        data = cockpit_data(
            user=dispatcher, period=world.periods[month], periods=list(world.periods.values())
        )
        stats = period_statistics(user=dispatcher, period=world.periods[month])
        assert data.headline.invested_ytd == stats.total.invested_ytd
        assert data.headline.completion_rate == stats.total.completion_rate
        assert data.headline.start_rate == stats.total.start_rate
        for name, rows in [
            ("category", [r for r in stats.by_category if r.count]),
            ("level", [r for r in stats.by_level if r.count]),
            ("unit", stats.by_unit),
            ("street", stats.by_street),
        ]:
            mine = [
                (r.key, r.count, r.planned_investment, r.invested_ytd, r.completion_rate, r.gap)
                for r in data.breakdowns[name]
            ]
            theirs = [
                (r.key, r.count, r.planned_investment, r.invested_ytd, r.completion_rate, r.gap) for r in rows
            ]
            assert mine == theirs, name


def test_chain_breakdown_and_drill_down_urls(world: World, dispatcher: Any) -> None:
    data = nov(world, dispatcher)
    chains = [
        (r.label, r.count, r.planned_investment, r.invested_ytd, r.completion_rate, r.gap, r.colour)
        for r in data.breakdowns["chain"]
    ]
    assert chains == [
        ("虚拟现实", 2, D("1800.00"), D("1000.00"), D("55.6"), D("-36.1"), "red"),  # P1 750 + P2 250
        ("人工智能", 1, D("2400.00"), D("1200.00"), D("50.0"), D("-41.7"), "red"),  # P4
        ("未归属产业链", 3, D("1800.00"), D("0.00"), D("0.0"), D("-91.7"), "red"),  # P3, P5, P6
    ]
    vr = world.projects["P1"].chain_id
    assert data.breakdowns["chain"][0].url == f"/projects/?year=2024&chain={vr}"
    assert data.breakdowns["chain"][2].url == ""
    unit_a = world.units["A"]
    assert data.breakdowns["unit"][0].url == f"/projects/?year=2024&unit={unit_a.pk}"
    assert data.breakdowns["level"][0].url == "/projects/?year=2024&level=province"
    assert data.breakdowns["category"][0].url == "/projects/?year=2024&category=industry"
    assert data.breakdowns["street"][-1].url == ""  # 未标注街道: nothing to filter on
    # In September the industry category (P1 300 + P2 100 of 1800 = 22.2 %, time progress 75 %) is red,
    # infrastructure (P4 500 of 2400 = 20.8 %) too; by November all lag more than 30 points.
    september = cockpit_data(user=dispatcher, period=world.periods[9], periods=list(world.periods.values()))
    rates = {r.key: (r.completion_rate, r.colour) for r in september.breakdowns["category"]}
    assert rates["industry"] == (D("22.2"), "red")


def test_chain_sums_of_the_statistics_statement_equal_the_chain_query(world: World, dispatcher: Any) -> None:
    from xianfeng.cockpit.selectors import _chain_groups, _fold_chains, _funnel_conditions

    for period in world.periods.values():
        stats = period_statistics(
            user=dispatcher,
            period=period,
            behind_limit=0,
            late_start_limit=0,
            chains=_funnel_conditions(period),
        )
        plain = period_statistics(user=dispatcher, period=period, behind_limit=0, late_start_limit=0)
        # The statistics' own figures are those of the plain call.
        assert stats.as_dict() == plain.as_dict()
        assert plain.chain_sums is None
        if connection.vendor == "postgresql":
            assert stats.chain_sums is not None
            assert _fold_chains(stats.chain_sums) == _chain_groups(dispatcher, period)
        else:
            assert stats.chain_sums is None


def test_problems_panel(world: World, dispatcher: Any) -> None:
    panel = nov(world, dispatcher).problems
    assert (panel.open, panel.overdue, panel.raised_ytd, panel.closed_ytd) == (2, 1, 2, 0)
    assert [(r.label, r.open, r.overdue) for r in panel.by_type] == [("用地", 1, 1), ("资金", 1, 0)]
    assert panel.by_type[0].url == "/coordination/?status=active&type=land"
    [late] = panel.overdue_rows
    assert (late.title, late.deadline, late.working_days_late) == (
        "用地指标未落实",
        dt.date(2024, 10, 21),
        29,
    )
    assert late.url == f"/coordination/problems/{late.id}/"
    # As of the end of September neither problem existed.
    september = cockpit_data(user=dispatcher, period=world.periods[9], periods=list(world.periods.values()))
    assert (september.problems.open, september.headline.open_problems) == (0, 0)


def test_warnings_and_forecasts_once_computed(world: World, dispatcher: Any, leader_user: Any) -> None:
    recompute(2024, 11)
    data = nov(world, leader_user)
    summary = warning_summary(user=leader_user, period=world.periods[11])
    assert data.warnings is not None
    assert (data.headline.red, data.headline.yellow) == (summary.red, summary.yellow)
    assert data.headline.red + data.headline.yellow + data.warnings.green == 6
    assert [r.project_id for r in data.warnings.red_rows] == [r.project_id for r in summary.red_rows]
    assert all(r.reasons for r in data.warnings.red_rows + data.warnings.yellow_rows)
    assert "missing" not in data.as_dict() or data.missing == []
    # The planned line now is the forecasts' curves; the actual line stays the statistics' figure.
    assert data.curve.planned_source == "forecast"
    assert data.curve.planned[11] == D("6000.00")
    assert data.curve.actual[10] == D("2200.00")
    assert data.curve.year_end_forecast is not None
    forecast = investment_forecast(user=leader_user, year=2024, month=11)
    assert (data.curve.year_end_forecast, data.curve.backtest_error, data.curve.spi) == (
        forecast.year_end.quantize(D("0.01")),
        forecast.mean_absolute_error,
        forecast.spi,
    )
    assert [(b.made_month, b.error_percent) for b in data.curve.backtest] == [
        (r.made_month, r.error_percent) for r in forecast.backtest
    ]
    # The stored actual series is the live one: Sep 900, Oct 1250, Nov 2200.
    assert data.curve.actual[8:11] == [D("900.00"), D("1250.00"), D("2200.00")]
    # A report handed in since the recompute: the stored series is stale, the live one is used.
    report = world.entries["P2"].reports.get(period=world.periods[11])
    report.status = "submitted"
    report.save(update_fields=["status"])
    sync_entries([world.entries["P2"]])
    later = nov(world, leader_user)
    assert later.headline.invested_ytd == D("2250.00")  # P2: 250 → 300
    assert later.curve.actual[8:11] == [D("900.00"), D("1250.00"), D("2250.00")]


def test_targets_panel_is_the_target_board(world: World, dispatcher: Any) -> None:
    from xianfeng.targets.models import Target

    Target.objects.create(
        code="starts-h1",
        year=2024,
        name="省市重点项目上半年全部开工",
        owner_unit=world.units["A"],
        start_date=dt.date(2024, 1, 1),
        deadline=dt.date(2024, 12, 31),
        target_value=D("10"),
        unit_of_measure="个",
        source="manual",
    )
    data = nov(world, dispatcher)
    board = target_board(user=dispatcher, year=2024, as_of=dt.date(2024, 11, 30))
    assert [(t.name, t.current, t.status) for t in data.targets] == [
        (b.target.name, b.current, str(b.status)) for b in board
    ]
    assert data.headline.targets == 1
    assert data.targets[0].url == f"/targets/{board[0].target.pk}/"


def _computed_targets(world: World) -> None:
    """Computed targets of every kind the board evaluates, and a manual one."""
    from xianfeng.targets.definitions import validate
    from xianfeng.targets.models import Target

    definitions = {
        # Provincial and city projects started by the end of June, all of them (P1, P2 of P1, P2, P5, P6).
        "h1": {
            "entity": "entries",
            "measure": "count",
            "filters": {"year": 2024, "level": ["province", "city"]},
            "date": {"field": "actual_start", "on_or_before": "2024-06-30"},
            "target": "all",
        },
        # New starts started by the end of September, all of them (P2 of P2, P3, P5, P6).
        "q3": {
            "entity": "entries",
            "measure": "count",
            "filters": {"year": 2024, "kind": ["new_start"]},
            "date": {"field": "actual_start", "on_or_before": "2024-09-30"},
            "target": "all",
        },
        "plan": {"entity": "entries", "measure": "sum", "field": "invested_ytd", "filters": {"year": 2024}},
        "vr-plan": {
            "entity": "entries",
            "measure": "sum",
            "field": "invested_ytd",
            "filters": {"year": 2024, "chain": ["vr"]},
        },
        "vr-early": {
            "entity": "entries",
            "measure": "count",
            "filters": {"year": 2024, "chain": ["vr"], "planned_start_month_lte": 6},
            "date": {"field": "actual_start", "on_or_before": "2024-12-31"},
            "denominator": True,
        },
        # Not the period's programme: another year's, every year's, projects.
        "last-year": {"entity": "entries", "measure": "count", "filters": {"year": 2023}},
        "any-year": {"entity": "entries", "measure": "count", "filters": {"kind": ["new_start"]}},
        "projects": {"entity": "projects", "measure": "count", "filters": {"year": 2024}},
    }
    goals = {"plan": "6000", "vr-plan": "1800"}
    for order, (code, definition) in enumerate(definitions.items()):
        Target.objects.create(
            code=code,
            year=2024,
            name=code,
            owner_unit=world.units["A"],
            start_date=dt.date(2024, 1, 1),
            deadline=dt.date(2024, 12, 31),
            target_value=D(goals.get(code, "2")),
            unit_of_measure="个",
            source="computed",
            definition=validate(definition),
            order=order,
        )
    Target.objects.create(
        code="manual",
        year=2024,
        name="manual",
        owner_unit=world.units["A"],
        start_date=dt.date(2024, 1, 1),
        deadline=dt.date(2024, 12, 31),
        target_value=D("10"),
        unit_of_measure="个",
        source="manual",
        order=99,
    )


@pytest.mark.parametrize("month", [11, 9])
def test_computed_targets_equal_the_targets_board(
    world: World, dispatcher: Any, month: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the statistics' statement sums the targets over the period's programme; the
    rows are the targets board's own, figure for figure, threats and words included — also where
    an entry's registry figure differs from its month's report (the targets read the registry
    first, the statistics the report)."""
    from dataclasses import asdict

    from xianfeng.cockpit.selectors import THREAT_LIMIT, _target_rows
    from xianfeng.projects.models import ProgrammeEntry
    from xianfeng.targets import definitions
    from xianfeng.targets import selectors as targets

    _computed_targets(world)
    # P1: November's report says 750 (handed in); its registry figure as of 30 November says 800.
    ProgrammeEntry.objects.filter(pk=world.entries["P1"].pk).update(
        invested_ytd=D("800"), invested_as_of=dt.date(2024, 11, 30)
    )
    period = world.periods[month]
    counted: list[Any] = []
    summed: list[Any] = []
    evaluate_counts, investment_rows = definitions.evaluate_counts, targets._investment_rows

    def spy_counts(found: list[Any], as_of: dt.date) -> Any:
        counted.extend(d for d in found)
        return evaluate_counts(found, as_of)

    def spy_rows(**kwargs: Any) -> Any:
        summed.append(kwargs["target"].code)
        return investment_rows(**kwargs)

    monkeypatch.setattr(definitions, "evaluate_counts", spy_counts)
    monkeypatch.setattr(targets, "_investment_rows", spy_rows)
    data = cockpit_data(user=dispatcher, period=period, periods=list(world.periods.values()))
    monkeypatch.undo()
    board = target_board(user=dispatcher, year=2024, as_of=period.end_date, threat_limit=THREAT_LIMIT)
    rows = _target_rows(board, data.curve.year_end_forecast)
    assert [asdict(row) for row in data.targets] == [asdict(row) for row in rows]
    current = {row.name: row.current for row in data.targets}
    if month == 11:
        assert (current["h1"], current["q3"], current["vr-early"]) == (D(2), D(1), D(1))
        # The registry's 800 for P1, not the report's 750 the statistics' headline shows.
        assert (current["plan"], current["vr-plan"]) == (D("2250.00"), D("1050.00"))
        assert data.headline.invested_ytd == D("2200.00")
    if connection.vendor == "postgresql":
        # Only the targets the statistics' rows cannot give are evaluated on their own.
        assert sorted(d["filters"].get("year", 0) for d in counted) == [0, 2023]
        assert summed == []
    else:
        assert len(counted) == 5 and summed == ["plan", "vr-plan"]


def test_the_default_period_is_the_latest_ended_month(world: World, leader_user: Any) -> None:
    period, periods = cockpit_period(user=leader_user)
    assert period.key == "2024-11" and [p.key for p in periods] == ["2024-11", "2024-10", "2024-09"]
    assert cockpit_period(user=leader_user, key="2024-09")[0].key == "2024-09"


@pytest.mark.parametrize("who", ["clerk_a", "admin_user", "auditor"])
def test_other_roles_may_not(world: World, who: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        nov(world, user)


def _more_projects(world: World, n: int) -> None:
    for _ in range(n):
        project = ProjectFactory(lead_unit=world.units["B"], chain=world.projects["P1"].chain)
        entry = ProgrammeEntryFactory(project=project, kind=Kind.NEW_START, planned_start_month=3)
        make_report(entry, world.periods[10], "10", "10", "accepted")
        make_report(entry, world.periods[11], "10", "20", "submitted")


def test_a_fixed_number_of_queries(world: World, dispatcher: Any) -> None:
    recompute(2024, 11)
    periods = list(world.periods.values())
    with CaptureQueriesContext(connection) as small:
        cockpit_data(user=dispatcher, period=world.periods[11], periods=periods)
    _more_projects(world, 25)
    recompute(2024, 11)
    with CaptureQueriesContext(connection) as large:
        data = cockpit_data(user=dispatcher, period=world.periods[11], periods=periods)
    assert data.headline.projects == 31
    assert len(large.captured_queries) == len(small.captured_queries)
    # Statements that read (the transaction's SAVEPOINT / SET LOCAL / RELEASE aside): statistics
    # without its two project lists 4 (the figures, the units', the streets' and the district's
    # names) + chains 1 (PostgreSQL: 0, summed by the statistics' statement) + chain names 1 +
    # forecast 2 (its stored actual series is current: no curve query) + warnings 3 + targets 1 (a
    # target adds its own, whatever the programme's size; on PostgreSQL the statistics' statement
    # sums the computed ones) + problems 2 (the counts per type and the overdue list) + the pace
    # warning's thresholds 1 (the bars' colours).
    reads = [q for q in large.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "SET "))]
    chains = 0 if connection.vendor == "postgresql" else 1
    assert len(reads) == 4 + chains + 1 + 2 + 3 + 1 + 2 + 1


def test_targets_at_risk_count_follows_an_unlikely_forecast(world: World, dispatcher: Any) -> None:
    from django.utils import timezone

    from xianfeng.targets.models import Target, TargetForecast, TargetValue

    # 8 of 10 by the end of November: 80.0 % against 91.7 % expected, 11.7 points behind, beyond
    # a 10-point margin → at risk; with a 15-point margin → on track, until the forecast says 5 %.
    target = Target.objects.create(
        code="parks",
        year=2024,
        name="口袋公园10处",
        owner_unit=world.units["A"],
        start_date=dt.date(2024, 1, 1),
        deadline=dt.date(2024, 12, 31),
        target_value=D("10"),
        unit_of_measure="处",
        source="manual",
        at_risk_margin=D("15"),
    )
    TargetValue.objects.create(
        target=target, year=2024, month=11, value=D("8"), reported_by=dispatcher, reported_at=timezone.now()
    )
    data = nov(world, dispatcher)
    assert (data.headline.targets, data.headline.targets_met, data.headline.targets_at_risk) == (1, 0, 0)
    assert data.targets[0].status == "on_track"
    TargetForecast.objects.create(
        target=target,
        year=2024,
        month=11,
        probability=D("5.0"),
        expected_value=D("9"),
        samples=2000,
        method="montecarlo",
        computed_at=timezone.now(),
    )
    data = nov(world, dispatcher)
    assert (data.headline.targets_met, data.headline.targets_at_risk) == (0, 1)
    [row] = data.targets
    assert (row.status, row.verdict, row.probability_percent) == ("at_risk", "unlikely", D("5.0"))
    assert "完成概率仅5.0%" in row.reason


def test_a_forecast_settled_by_the_deadline_shows_no_probability(world: World, dispatcher: Any) -> None:
    from django.utils import timezone

    from xianfeng.targets.models import Target, TargetForecast

    target = Target.objects.create(
        code="h1-parks",
        year=2024,
        name="上半年建成口袋公园5处",
        owner_unit=world.units["A"],
        start_date=dt.date(2024, 1, 1),
        deadline=dt.date(2024, 6, 30),
        target_value=D("5"),
        unit_of_measure="处",
        source="manual",
    )
    forecast = TargetForecast.objects.create(
        target=target,
        year=2024,
        month=11,
        probability=D("0.0"),
        expected_value=D("0"),
        samples=1,
        method="settled",
        computed_at=timezone.now(),
    )
    row = nov(world, dispatcher).targets[0]
    assert row.status == "missed" and (row.verdict, row.probability_percent) == ("", None)
    forecast.samples, forecast.method, forecast.probability = 2000, "montecarlo", D("12.5")
    forecast.save()
    row = nov(world, dispatcher).targets[0]
    assert (row.verdict, row.probability_percent) == ("unlikely", D("12.5"))


def _pace_rule(actor: Any, *, yellow: str, red: str, enabled: bool = True) -> None:
    from xianfeng.targets.warnings import RuleChange, rules_update

    rules_update(actor=actor, changes=[RuleChange("pace", enabled, D(yellow), D(red))])


def test_the_colours_follow_the_configured_pace_rule(world: World, dispatcher: Any) -> None:
    """The dispatcher set the pace warning at 15 and 45 points: the bars, the headline and the
    legend follow; disabled, the defaults colour and the legend says so."""
    data = nov(world, dispatcher)
    # Defaults: 甲单位 44.1 and 乙单位 60.9 points behind are both red; 重点产业 36.1 behind red.
    assert {r.label: r.colour for r in data.breakdowns["unit"]} == {"甲单位": "red", "乙单位": "red"}
    assert (data.thresholds.yellow_points, data.thresholds.red_points) == (D(10), D(30))
    assert [i.text for i in data.thresholds.legend] == [
        "不落后或落后不足 10 个百分点",
        "落后 10–30 个百分点",
        "落后超过 30 个百分点",
    ]
    _pace_rule(dispatcher, yellow="15", red="45")
    data = nov(world, dispatcher)
    assert {r.label: r.colour for r in data.breakdowns["unit"]} == {"甲单位": "yellow", "乙单位": "red"}
    industry = next(r for r in data.breakdowns["category"] if r.key == "industry")
    assert (industry.gap, industry.colour) == (D("-36.1"), "yellow")
    assert (data.headline.gap, data.headline.colour) == (D("-55.0"), "red")
    scale = data.thresholds
    assert (scale.yellow_points, scale.red_points, scale.pace_rule_enabled, scale.note) == (
        D(15),
        D(45),
        True,
        "",
    )
    assert [(i.colour, i.text) for i in scale.legend] == [
        ("green", "不落后或落后不足 15 个百分点"),
        ("yellow", "落后 15–45 个百分点"),
        ("red", "落后超过 45 个百分点"),
    ]
    assert data.as_dict()["thresholds"]["yellow_points"] == "15.0"
    _pace_rule(dispatcher, yellow="15", red="45", enabled=False)
    data = nov(world, dispatcher)
    assert {r.label: r.colour for r in data.breakdowns["unit"]} == {"甲单位": "red", "乙单位": "red"}
    scale = data.thresholds
    assert (scale.yellow_points, scale.red_points, scale.pace_rule_enabled) == (D(10), D(30), False)
    assert scale.legend[1].text == "落后 10–30 个百分点"
    assert scale.note == "投资进度预警规则已停用，按默认阈值着色"


def test_the_year_plan_target_shows_its_simulated_mean_beside_the_spi_forecast(
    world: World, dispatcher: Any
) -> None:
    """'预计到期达到 3,957,752.7' (the Monte Carlo mean) read as a second year-end forecast next to
    the curve's 378.30 亿元 (SPI): the year's plan target now carries both, in its own unit."""
    from xianfeng.targets.definitions import validate
    from xianfeng.targets.models import Target

    for code, filters in [("plan", {"year": 2024}), ("vr-plan", {"year": 2024, "chain": ["vr"]})]:
        Target.objects.create(
            code=code,
            year=2024,
            name=code,
            owner_unit=world.units["A"],
            start_date=dt.date(2024, 1, 1),
            deadline=dt.date(2024, 12, 31),
            target_value=D("6000") if code == "plan" else D("1800"),
            unit_of_measure="万元",
            source="computed",
            definition=validate(
                {"entity": "entries", "measure": "sum", "field": "invested_ytd", "filters": filters}
            ),
        )
    recompute(2024, 11)
    data = nov(world, dispatcher)
    rows = {t.name: t for t in data.targets}
    assert data.curve.year_end_forecast is not None
    assert rows["plan"].spi_year_end == data.curve.year_end_forecast
    assert rows["plan"].expected_value is not None  # the simulated mean, beside it
    # A chain's investment is not the district's year-end forecast: no SPI figure beside it.
    assert rows["vr-plan"].spi_year_end is None
