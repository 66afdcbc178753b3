"""Statistics of a period against figures computed by hand from stats_world's table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from xianfeng.dispatch import statistics
from xianfeng.dispatch.statistics import Figures, percent, period_statistics, statistics_period
from xianfeng.dispatch.tests.stats_world import World, build_world, make_period, make_report
from xianfeng.projects.choices import Kind
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory

D = Decimal


@pytest.fixture
def world(unit_a: Any, unit_b: Any) -> World:
    return build_world(unit_a, unit_b)


def figures(row: Figures) -> tuple[Any, ...]:
    return (
        row.count,
        row.total_investment,
        row.planned_investment,
        row.invested_ytd,
        row.completion_rate,
        row.gap,
    )


def starts(row: Figures) -> tuple[Any, ...]:
    return (
        row.new_starts,
        row.due_to_start,
        row.started,
        row.started_due,
        row.start_rate,
        row.start_rate_all,
    )


def by_label(rows: list[Figures]) -> dict[str, Figures]:
    return {r.label: r for r in rows}


# ---------------------------------------------------------------- rounding


def test_percent_rounds_half_up_to_one_place() -> None:
    assert percent(1, 3) == D("33.3")
    assert percent(2, 3) == D("66.7")
    assert percent(D("0.05"), 100) == D("0.1")  # 0.05 % → half up
    assert percent(D("0.0499"), 100) == D("0.0")
    assert percent(5, 0) is None
    assert statistics.time_progress_percent(11) == D("91.7")
    assert statistics.time_progress_percent(6) == D("50.0")
    assert statistics.time_progress_percent(12) == D("100.0")


# ---------------------------------------------------------------- November, the district


def test_november_totals(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    assert stats.scope == "district"
    assert stats.scope_label == "崂山区"
    assert stats.as_of == dt.date(2024, 11, 30)
    assert stats.time_progress == D("91.7")
    # 6 projects (archived, cancelled and last year's excluded); completed = 750 + 250 + 0 + 1200.
    assert figures(stats.total) == (6, D("48000"), D("6000"), D("2200"), D("36.7"), D("-55.0"))
    # New starts P2, P3, P5, P6; due by November: P2, P3, P5; started by 30 November: P2 only.
    assert starts(stats.total) == (4, 3, 1, 1, D("33.3"), D("25.0"))
    assert stats.late_starts_count == 2


def test_november_by_kind_level_category(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    kinds = {r.key: r for r in stats.by_kind}
    assert [r.key for r in stats.by_kind] == [k.value for k in Kind]
    assert figures(kinds["new_start"]) == (4, D("30000"), D("2400"), D("250"), D("10.4"), D("-81.3"))
    assert starts(kinds["new_start"]) == (4, 3, 1, 1, D("33.3"), D("25.0"))
    assert figures(kinds["continuing"]) == (2, D("18000"), D("3600"), D("1950"), D("54.2"), D("-37.5"))
    assert figures(kinds["reserve"]) == (0, D(0), D(0), D(0), None, None)
    levels = {r.key: r for r in stats.by_level}
    assert figures(levels["province"]) == (2, D("30000"), D("2200"), D("750"), D("34.1"), D("-57.6"))
    assert starts(levels["province"]) == (1, 1, 0, 0, D("0.0"), D("0.0"))
    assert figures(levels["city"]) == (2, D("7000"), D("1100"), D("250"), D("22.7"), D("-69.0"))
    assert starts(levels["city"]) == (2, 1, 1, 1, D("100.0"), D("50.0"))
    assert figures(levels["district"]) == (2, D("11000"), D("2700"), D("1200"), D("44.4"), D("-47.3"))
    categories = {r.key: r for r in stats.by_category}
    assert figures(categories["industry"]) == (2, D("15000"), D("1800"), D("1000"), D("55.6"), D("-36.1"))
    assert figures(categories["urban_renewal"]) == (1, D("20000"), D("1000"), D("0"), D("0.0"), D("-91.7"))
    assert figures(categories["livelihood"]) == (2, D("5000"), D("800"), D("0"), D("0.0"), D("-91.7"))
    assert figures(categories["infrastructure"]) == (
        1,
        D("8000"),
        D("2400"),
        D("1200"),
        D("50.0"),
        D("-41.7"),
    )
    assert categories["industry"].label == "重点产业"


def test_november_by_unit_and_street(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    assert [r.label for r in stats.by_unit] == ["甲单位", "乙单位"]
    a, b = stats.by_unit
    assert figures(a) == (3, D("18000"), D("2100"), D("1000"), D("47.6"), D("-44.1"))
    assert starts(a) == (2, 2, 1, 1, D("50.0"), D("50.0"))
    assert figures(b) == (3, D("30000"), D("3900"), D("1200"), D("30.8"), D("-60.9"))
    assert starts(b) == (2, 1, 0, 0, D("0.0"), D("0.0"))
    assert [r.label for r in stats.by_street] == ["中韩街道", "沙子口街道", "未标注街道"]
    s1, s2, none = stats.by_street
    assert figures(s1) == (3, D("17000"), D("2300"), D("1000"), D("43.5"), D("-48.2"))
    assert figures(s2) == (2, D("11000"), D("2700"), D("1200"), D("44.4"), D("-47.3"))
    assert figures(none) == (1, D("20000"), D("1000"), D("0"), D("0.0"), D("-91.7"))
    # Every table adds up to the total.
    for table in [stats.by_kind, stats.by_level, stats.by_category, stats.by_unit, stats.by_street]:
        assert sum(r.count for r in table) == 6
        assert sum((r.invested_ytd for r in table), D(0)) == D("2200")


def test_november_behind_and_late_starts(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    # P6 (planned for December, not started) is not judged yet; the rest all lag 91.7 %.
    assert [(r.name, r.completion_rate, r.gap) for r in stats.behind] == [
        ("项目P5", D("0.0"), D("91.7")),
        ("项目P3", D("0.0"), D("91.7")),
        ("项目P2", D("41.7"), D("50.0")),
        ("项目P4", D("50.0"), D("41.7")),
        ("项目P1", D("62.5"), D("29.2")),
    ]
    assert stats.behind_count == 5
    assert stats.behind[2].invested_ytd == D("250")  # November's draft (300) does not count
    assert str(stats.behind[0].completion_rate) == "0.0"  # one place even at zero
    assert stats.behind[2].unit == "甲单位"
    assert [(r.name, r.planned_start_month, r.months_late) for r in stats.late_starts] == [
        ("项目P3", 10, 1),
        ("项目P5", 11, 0),  # started 2 December: after the month's end
    ]
    limited = period_statistics(user=dispatcher, period=world.periods[11], behind_limit=2, late_start_limit=1)
    assert [r.name for r in limited.behind] == ["项目P5", "项目P3"]
    assert limited.behind_count == 5
    assert [r.name for r in limited.late_starts] == ["项目P3"]
    assert limited.late_starts_count == 2


def test_november_reporting(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    rows = {
        (r.label, r.due, r.handed_in, r.late, r.missing, r.submission_rate, r.on_time_rate)
        for r in stats.reporting
    }
    # A: P1 approved, P3 submitted, P2 still a draft. B: P4, P5 submitted, P6 nothing.
    assert rows == {
        ("甲单位", 3, 2, 0, 1, D("66.7"), D("66.7")),
        ("乙单位", 3, 2, 0, 1, D("66.7"), D("66.7")),
    }
    total = stats.reporting_total
    assert (total.due, total.handed_in, total.submission_rate, total.on_time_rate) == (
        6,
        4,
        D("66.7"),
        D("66.7"),
    )
    # The deadline (6 December) is today: not passed, and nobody was late.
    assert stats.deadline_passed is False
    assert stats.late_units == []


# ---------------------------------------------------------------- replaying October and September


def test_october(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[10])
    assert stats.time_progress == D("83.3")
    # P1 500, P2 250, P3's October draft 0, P4's October was returned → September's 500.
    assert figures(stats.total) == (6, D("48000"), D("6000"), D("1250"), D("20.8"), D("-62.5"))
    assert starts(stats.total) == (4, 2, 1, 1, D("50.0"), D("25.0"))
    assert [(r.name, r.months_late) for r in stats.late_starts] == [("项目P3", 0)]
    reporting = {r.label: r for r in stats.reporting}
    a, b = reporting["甲单位"], reporting["乙单位"]
    assert (a.due, a.handed_in, a.late, a.on_time, a.missing) == (3, 2, 1, 1, 1)
    assert (a.submission_rate, a.on_time_rate) == (D("66.7"), D("33.3"))
    assert (b.due, b.handed_in, b.missing, b.submission_rate, b.on_time_rate) == (3, 0, 3, D("0.0"), D("0.0"))
    assert stats.deadline_passed is True
    assert [u.label for u in stats.late_units] == ["甲单位", "乙单位"]
    assert (stats.reporting_total.submission_rate, stats.reporting_total.on_time_rate) == (
        D("33.3"),
        D("16.7"),
    )


def test_september(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[9])
    assert stats.time_progress == D("75.0")
    assert figures(stats.total) == (6, D("48000"), D("6000"), D("900"), D("15.0"), D("-60.0"))
    assert starts(stats.total) == (4, 1, 1, 1, D("100.0"), D("25.0"))
    assert stats.late_starts == []
    late = {u.label: (u.late, u.on_time_rate) for u in stats.late_units}
    # September: A handed in P1, P2 (P3 missing); B only P4, late.
    assert late == {"甲单位": (0, D("66.7")), "乙单位": (1, D("0.0"))}


# ---------------------------------------------------------------- who sees what


def test_unit_user_sees_own_unit_only(world: World, clerk_a: Any, reviewer_a: Any) -> None:
    for user in (clerk_a, reviewer_a):
        stats = period_statistics(user=user, period=world.periods[11])
        assert stats.scope == "unit"
        assert stats.scope_label == "甲单位"
        assert figures(stats.total) == (3, D("18000"), D("2100"), D("1000"), D("47.6"), D("-44.1"))
        assert [r.label for r in stats.by_unit] == ["甲单位"]
        assert [r.label for r in stats.reporting] == ["甲单位"]
        assert {r.name for r in stats.behind} == {"项目P1", "项目P2", "项目P3"}
        assert [r.name for r in stats.late_starts] == ["项目P3"]


def test_leader_sees_the_district(world: World, leader_user: Any, dispatcher: Any) -> None:
    mine = period_statistics(user=leader_user, period=world.periods[11]).as_dict()
    theirs = period_statistics(user=dispatcher, period=world.periods[11]).as_dict()
    assert mine == theirs


def test_admin_and_auditor_see_nothing(world: World, admin_user: Any, auditor: Any) -> None:
    for user in (admin_user, auditor):
        with pytest.raises(Http404):
            statistics_period(user=user)


# ---------------------------------------------------------------- which period


def test_default_period_is_latest_ended_month(world: World, dispatcher: Any) -> None:
    assert statistics_period(user=dispatcher) == world.periods[11]
    december = make_period(2024, 12, dt.date(2025, 1, 8))  # opened, month not over on 6 December
    assert statistics_period(user=dispatcher) == world.periods[11]
    assert statistics_period(user=dispatcher, year=2024, month=12) == december
    assert statistics_period(user=dispatcher, year=2024, month=10) == world.periods[10]
    with pytest.raises(Http404):
        statistics_period(user=dispatcher, year=2024, month=5)


def test_only_future_periods_default_to_the_latest(db: Any, dispatcher: Any) -> None:
    december = make_period(2024, 12, dt.date(2025, 1, 8))
    assert statistics_period(user=dispatcher) == december
    with pytest.raises(Http404):
        statistics_period(user=dispatcher, year=2023, month=12)


def test_empty_programme(db: Any, dispatcher: Any) -> None:
    period = make_period(2024, 11, dt.date(2024, 12, 6))
    stats = period_statistics(user=dispatcher, period=period)
    assert figures(stats.total) == (0, D(0), D(0), D(0), None, None)
    assert stats.by_unit == [] and stats.behind == [] and stats.reporting == []
    assert stats.reporting_total.submission_rate is None
    assert stats.as_dict()["total"]["completion_rate"] is None


# ---------------------------------------------------------------- JSON


def test_as_dict_is_json_ready(world: World, dispatcher: Any) -> None:
    import json

    data = period_statistics(user=dispatcher, period=world.periods[11]).as_dict()
    json.dumps(data)
    assert data["period"] == {
        "key": "2024-11",
        "year": 2024,
        "month": 11,
        "label": "2024年11月",
        "deadline": "2024-12-06",
        "status": "open",
    }
    assert data["total"]["invested_ytd"] == "2200.00" or D(data["total"]["invested_ytd"]) == D("2200")
    assert data["total"]["completion_rate"] == "36.7"
    assert data["time_progress"] == "91.7"
    assert data["late_starts_count"] == 2
    assert data["behind_count"] == 5


# ---------------------------------------------------------------- queries


def _count_queries(user: Any, period: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        period_statistics(user=user, period=period)
    return len(ctx.captured_queries)


def test_fixed_number_of_queries(world: World, dispatcher: Any, unit_a: Any, unit_b: Any) -> None:
    before = _count_queries(dispatcher, world.periods[11])
    for i in range(30):
        unit = unit_a if i % 2 else unit_b
        project = ProjectFactory(lead_unit=unit, name=f"追加{i}")
        entry = ProgrammeEntryFactory(
            project=project, kind=Kind.NEW_START if i % 3 else Kind.CONTINUING, planned_start_month=i % 12 + 1
        )
        make_report(entry, world.periods[11], "10", "10", "submitted")
    after = _count_queries(dispatcher, world.periods[11])
    assert before == after
    assert after <= 10


def test_subsets_summed_by_the_same_statement(world: World, dispatcher: Any) -> None:
    from django.db.models import F, Q

    from xianfeng.dispatch.statistics import Subset

    november = world.periods[11]
    subsets = {
        # P1, P2, P5, P6: counted only.
        "province_city": Subset(where=Q(level__in=["province", "city"])),
        # P1, P2 and P4 started by 30 November (P5 on 2 December).
        "started": Subset(where=Q(project__actual_start__lte=november.end_date)),
        # Every row; below 91.7 % of the plan: all six, the largest shortfalls P4 (2400 × 0.917 −
        # 1200 = 1000.8) and P5 (917 − 0); the year-to-date 750 + 250 + 0 + 1200 + 0 + 0.
        "all": Subset(where=Q(), value=F("latest_ytd"), shortfall=917, limit=2),
        # Another value: the plans of the continuing projects (P1 1200, P4 2400).
        "continuing": Subset(where=Q(kind=Kind.CONTINUING), value=F("planned_investment")),
    }
    stats = period_statistics(user=dispatcher, period=november, subsets=subsets)
    if connection.vendor != "postgresql":
        assert stats.subsets is None  # summed by the caller on its own
        return
    assert stats.subsets is not None
    found = {
        name: (s.count, s.value, s.short, [pk for pk, _p, _v in s.rows]) for name, s in stats.subsets.items()
    }
    entries = world.entries
    assert found == {
        "province_city": (4, D(0), 0, []),
        "started": (3, D(0), 0, []),
        "all": (6, D("2200.00"), 6, [entries["P4"].pk, entries["P5"].pk]),
        "continuing": (2, D("3600.00"), 0, []),
    }
    assert stats.subsets["all"].rows[0][1:] == (D("2400.00"), D("1200.00"))
    # The statistics themselves are as without them.
    assert stats.total.invested_ytd == D("2200.00")


# ---------------------------------------------------------------- the real services agree


def test_matches_the_programme_after_the_services(dispatcher: Any, clerk_a: Any, unit_a: Any) -> None:
    """Reports saved and submitted through the dispatch services: the statistics' completed
    investment equals ProgrammeEntry.invested_ytd, which those services keep."""
    from xianfeng.dispatch import services
    from xianfeng.dispatch.tests.conftest import row
    from xianfeng.projects.models import ProgrammeEntry

    entries = [
        ProgrammeEntryFactory(
            project=ProjectFactory(lead_unit=unit_a, name=f"服务{i}"), planned_investment=D("1000")
        )
        for i in range(3)
    ]
    october = services.period_open(actor=dispatcher, year=2024, month=10)
    november = services.period_open(actor=dispatcher, year=2024, month=11)
    result = services.reports_save(
        actor=clerk_a, period=october, rows=[row(e, invested_month=D("100")) for e in entries], submit=True
    )
    assert result.applied
    result = services.reports_save(
        actor=clerk_a,
        period=november,
        rows=[row(e, invested_month=D("40")) for e in entries[:2]],
        submit=True,
    )
    assert result.applied
    stats = period_statistics(user=dispatcher, period=november)
    programme = sum(
        ProgrammeEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("invested_ytd", flat=True)
    )
    assert stats.total.invested_ytd == programme == D("380")
    assert period_statistics(user=dispatcher, period=october).total.invested_ytd == D("300")
