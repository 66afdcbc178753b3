"""The demo's monthly dispatch: January–November 2024 for the demo programme, consistent with it."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from decimal import Decimal

import pytest

from xianfeng.coordination.models import Problem
from xianfeng.demo.generator import load_demo
from xianfeng.dispatch.choices import HANDED_IN_STATUSES, PeriodStatus, ReportStatus
from xianfeng.dispatch.demo import load_demo_dispatch
from xianfeng.dispatch.models import MonthlyReport, Reminder, ReportEvent, ReportingPeriod
from xianfeng.lib import clock
from xianfeng.org.models import Department
from xianfeng.projects.choices import Stage
from xianfeng.projects.models import ProgrammeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    load_demo(extras=())
    with clock.frozen(dt.date(2024, 12, 6)):
        started = time.monotonic()
        created = load_demo_dispatch(year=2024)
        elapsed = time.monotonic() - started
    return created, elapsed


def test_periods_january_to_november_with_november_still_open(demo) -> None:
    created, elapsed = demo
    assert created > 3000
    assert elapsed < 30
    periods = list(ReportingPeriod.objects.filter(year=2024).order_by("month"))
    assert [p.month for p in periods] == list(range(1, 12))
    assert all(p.status == PeriodStatus.CLOSED for p in periods[:-1])
    assert periods[-1].status == PeriodStatus.OPEN
    assert periods[-1].deadline == dt.date(2024, 12, 6)  # the 5th working day of December


def test_registry_year_to_date_equals_the_reports(demo) -> None:
    handed_in: dict[int, tuple[int, Decimal]] = {}
    sums: Counter[int] = Counter()
    for entry_id, month, amount, ytd, status in MonthlyReport.objects.filter(period__year=2024).values_list(
        "entry_id", "period__month", "invested_month", "invested_ytd", "status"
    ):
        sums[entry_id] += amount or 0
        if status in HANDED_IN_STATUSES and month >= handed_in.get(entry_id, (0, 0))[0]:
            handed_in[entry_id] = (month, ytd)
    checked = 0
    for entry in ProgrammeEntry.objects.filter(year=2024):
        month, ytd = handed_in.get(entry.pk, (0, Decimal(0)))
        assert entry.invested_ytd == ytd, entry
        if month:
            assert entry.invested_as_of == dt.date(2024, month + 1, 1) - dt.timedelta(days=1)
            checked += 1
    assert checked > 250
    # Each report's year-to-date is the sum of its months, never typed (drafts included).
    amounts: dict[int, dict[int, Decimal]] = {}
    for entry_id, month, amount in MonthlyReport.objects.filter(period__year=2024).values_list(
        "entry_id", "period__month", "invested_month"
    ):
        amounts.setdefault(entry_id, {})[month] = amount or Decimal(0)
    reports = MonthlyReport.objects.filter(period__year=2024).select_related("entry", "period")
    for report in reports:
        months = amounts[report.entry_id]
        expected = sum((a for m, a in months.items() if m <= report.period.month), Decimal(0))
        assert report.invested_ytd == expected, report
        assert report.invested_since_start == report.entry.invested_before + report.invested_ytd


def test_starts_reported_in_their_month_and_no_money_before(demo) -> None:
    reports = MonthlyReport.objects.filter(period__year=2024).select_related("project", "period")
    started_2024 = 0
    for report in reports:
        start = report.project.actual_start
        if start is None or (start.year == 2024 and start.month > report.period.month):
            assert not report.invested_month, report
        if report.stage_reached == Stage.CONSTRUCTION:
            assert report.stage_date == start and start.month == report.period.month
            started_2024 += 1
    assert started_2024 > 50


def test_november_shows_work_to_do_and_history_is_varied(demo) -> None:
    november = MonthlyReport.objects.filter(period__year=2024, period__month=11)
    by_unit = {
        code: Counter(november.filter(project__lead_unit__code=code).values_list("status", flat=True))
        for code in ["WJJ", "JYTY", "JJLJD", "GXJ"]
    }
    assert not by_unit["WJJ"]  # 区卫健局 has not started
    assert set(by_unit["JYTY"]) == {ReportStatus.DRAFT}
    assert set(by_unit["JJLJD"]) == {ReportStatus.SUBMITTED}
    assert set(by_unit["GXJ"]) == {ReportStatus.UNIT_APPROVED}
    earlier = MonthlyReport.objects.filter(period__year=2024, period__month__lt=11)
    assert earlier.filter(status=ReportStatus.ACCEPTED).count() == earlier.count()
    assert earlier.filter(submitted_late=True).count() > 100
    assert earlier.filter(times_returned=1).count() > 20
    assert ReportEvent.objects.filter(action="return").count() >= earlier.filter(times_returned=1).count()
    # Units still owing November were reminded (two working days before, and on the day).
    wjj = Department.objects.get(code="WJJ")
    assert set(Reminder.objects.filter(unit=wjj).values_list("point", flat=True)) == {"before2", "due"}


def test_problems_raised_from_reports(demo) -> None:
    problems = Problem.objects.filter(source_type="dispatch.monthlyreport")
    assert problems.count() >= 5
    for problem in problems:
        report = MonthlyReport.objects.get(pk=problem.source_id)
        assert report.project_id == problem.project_id and report.problems_text == problem.description


def test_loading_twice_changes_nothing(demo) -> None:
    count = MonthlyReport.objects.count()
    with clock.frozen(dt.date(2024, 12, 6)):
        assert load_demo_dispatch(year=2024) == 0
    assert MonthlyReport.objects.count() == count


def test_after_the_coordination_demo_its_report_problems_are_tied_to_reports(db) -> None:  # type: ignore[no-untyped-def]
    load_demo(extras=("xianfeng.coordination.demo.load_demo_problems",))
    from_reports = Problem.objects.filter(source="report")
    assert from_reports.exists()
    with clock.frozen(dt.date(2024, 12, 6)):
        load_demo_dispatch(year=2024)
    linked = from_reports.filter(source_type="dispatch.monthlyreport", source_id__isnull=False)
    assert linked.count() >= from_reports.count() * 0.8  # problems of months the demo reports
    for problem in linked:
        report = MonthlyReport.objects.get(pk=problem.source_id)
        assert report.period.key == problem.raised_from_period and report.problems_text == problem.description
