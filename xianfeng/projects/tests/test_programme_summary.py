"""programme_summary(): the home page's figures, checked against a hand-computed programme."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xianfeng.lib import clock
from xianfeng.projects.choices import Kind, Level, Stage
from xianfeng.projects.selectors import programme_summary
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(unit_a, unit_b):  # type: ignore[no-untyped-def]
    """Five 2024 entries (one on an archived project) and one 2023 entry.

    unit  kind        level     total   planned  ytd    started?
    A     new_start   province  50000   8000     3000   yes (construction, 2024-03-10)
    A     new_start   city      20000   5000     0      no (reserve)
    B     new_start   district  10000   2000     500    no: has a date but stage is still reserve
    B     continuing  district  30000   6000     4500   —
    A     reserve     city      40000   0        0      —  (archived: left out)
    A     strategic   district  99999   1        1      —  (2023 only)
    """

    def add(unit, kind, level, total, planned, ytd, *, year=2024, **project):  # type: ignore[no-untyped-def]
        p = ProjectFactory(lead_unit=unit, total_investment=Decimal(total), **project)
        ProgrammeEntryFactory(
            project=p,
            year=year,
            kind=kind,
            level=level,
            planned_investment=Decimal(planned),
            invested_ytd=Decimal(ytd),
        )
        return p

    add(
        unit_a,
        Kind.NEW_START,
        Level.PROVINCE,
        50000,
        8000,
        3000,
        stage=Stage.CONSTRUCTION,
        actual_start=dt.date(2024, 3, 10),
    )
    add(unit_a, Kind.NEW_START, Level.CITY, 20000, 5000, 0)
    add(unit_b, Kind.NEW_START, Level.DISTRICT, 10000, 2000, 500, actual_start=dt.date(2024, 5, 1))
    add(unit_b, Kind.CONTINUING, Level.DISTRICT, 30000, 6000, 4500, stage=Stage.CONSTRUCTION)
    add(unit_a, Kind.RESERVE, Level.CITY, 40000, 0, 0, archived_at=clock.now())
    add(unit_a, Kind.STRATEGIC, Level.DISTRICT, 99999, 1, 1, year=2023)


def test_summary_for_the_whole_programme(dispatcher, programme) -> None:  # type: ignore[no-untyped-def]
    s = programme_summary(user=dispatcher, year=2024)
    assert s.count == 4
    assert s.total_investment == Decimal(110000)  # 50000 + 20000 + 10000 + 30000
    assert s.planned_investment == Decimal(21000)
    assert s.invested_ytd == Decimal(8000)
    assert s.by_kind == [
        ("new_start", "新开工", 3),
        ("continuing", "续建", 1),
        ("reserve", "储备", 0),
        ("strategic", "谋划", 0),
    ]
    assert s.by_level == [("province", "省重点", 1), ("city", "市重点", 1), ("district", "区重点", 2)]
    assert (s.new_starts, s.new_starts_started) == (3, 1)
    assert s.start_rate == Decimal("33.3")
    assert s.completion_rate == Decimal("38.1")  # 8000 / 21000
    assert s.time_progress == Decimal("0.9167")  # 2024-12-06: 11 whole months


def test_summary_is_scoped_to_the_unit(clerk_a, clerk_b, programme) -> None:  # type: ignore[no-untyped-def]
    a = programme_summary(user=clerk_a, year=2024)
    assert (a.count, a.total_investment, a.planned_investment, a.new_starts_started) == (
        2,
        Decimal(70000),
        Decimal(13000),
        1,
    )
    b = programme_summary(user=clerk_b, year=2024)
    assert (b.count, b.total_investment, b.invested_ytd, b.new_starts, b.new_starts_started) == (
        2,
        Decimal(40000),
        Decimal(5000),
        1,
        0,
    )


def test_summary_of_another_year_and_of_nothing(dispatcher, auditor, programme) -> None:  # type: ignore[no-untyped-def]
    past = programme_summary(user=dispatcher, year=2023)
    assert (past.count, past.total_investment, past.time_progress) == (1, Decimal(99999), Decimal(1))
    empty = programme_summary(user=auditor, year=2024)  # the auditor sees no business data
    assert (empty.count, empty.total_investment, empty.completion_rate, empty.start_rate) == (
        0,
        Decimal(0),
        None,
        None,
    )


def test_summary_is_one_query(dispatcher, programme, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        programme_summary(user=dispatcher, year=2024)
