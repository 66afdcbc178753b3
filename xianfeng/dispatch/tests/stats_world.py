"""A small programme whose statistics are computed by hand (see test_statistics.py).

Two units, two streets, six projects in the 2024 programme plus three that must not count (an
archived one, a cancelled one, one only in 2023); September, October and November 2024 reported.
Reports are written straight to the table with the year-to-date the dispatch service would
compute (all earlier months' investment, drafts included, plus this month's).

=====  ====  ======  ==============  ==========  ========  ======  =======  ===========  ============
proj   unit  street  category        kind        level     total   planned  planned      actual start
                                                                            start month
=====  ====  ======  ==============  ==========  ========  ======  =======  ===========  ============
P1     A     中韩    industry        continuing  province  10000   1200     —            2023-03-01
P2     A     中韩    industry        new_start   city       5000    600     6            2024-05-20
P3     A     沙子口  livelihood      new_start   district   3000    300     10           —
P4     B     沙子口  infrastructure  continuing  district   8000   2400     —            2022-01-01
P5     B     —       urban_renewal   new_start   province  20000   1000     11           2024-12-02
P6     B     中韩    livelihood      new_start   city       2000    500     12           —
=====  ====  ======  ==============  ==========  ========  ======  =======  ===========  ============

Reports (investment of the month → year to date, status, late):

- September: P1 300→300 accepted; P2 100→100 accepted; P4 500→500 accepted, late.
- October:   P1 200→500 accepted; P2 150→250 submitted, late; P3 0→0 draft; P4 400→900 returned.
- November:  P1 250→750 unit_approved; P2 50→300 draft; P3 0→0 submitted; P4 300→1200 submitted;
  P5 0→0 submitted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
from xianfeng.lib import clock
from xianfeng.org.choices import RegionLevel
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.models import ProgrammeEntry, Project
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory, RegionFactory

DEADLINES = {9: dt.date(2024, 10, 14), 10: dt.date(2024, 11, 7), 11: dt.date(2024, 12, 6)}


@dataclass
class World:
    periods: dict[int, ReportingPeriod]
    entries: dict[str, ProgrammeEntry]
    projects: dict[str, Project]
    units: dict[str, Any]
    streets: dict[str, Any]


def make_period(year: int, month: int, deadline: dt.date) -> ReportingPeriod:
    return ReportingPeriod.objects.create(year=year, month=month, deadline=deadline, opened_at=clock.now())


def make_report(
    entry: ProgrammeEntry,
    period: ReportingPeriod,
    amount: str,
    ytd: str,
    status: str,
    *,
    late: bool = False,
) -> MonthlyReport:
    now = clock.now()
    handed_in = status in ("submitted", "unit_approved", "accepted")
    return MonthlyReport.objects.create(
        entry=entry,
        period=period,
        project=entry.project,
        unit=entry.project.lead_unit,
        invested_month=Decimal(amount),
        invested_ytd=Decimal(ytd),
        invested_since_start=entry.invested_before + Decimal(ytd),
        progress_text="施工中",
        progress_percent=50,
        status=status,
        created_at=now,
        updated_at=now,
        submitted_at=now if handed_in else None,
        first_submitted_at=now if handed_in else None,
        submitted_late=late,
    )


def sync_entries(entries: list[ProgrammeEntry]) -> None:
    """What the dispatch services keep: each entry's invested_ytd / invested_as_of = its latest
    handed-in report's year-to-date and month end (0 and none when nothing is handed in)."""
    for entry in entries:
        latest = (
            MonthlyReport.objects.filter(entry=entry, status__in=["submitted", "unit_approved", "accepted"])
            .select_related("period")
            .order_by("-period__month")
            .first()
        )
        entry.invested_ytd = latest.invested_ytd if latest else Decimal(0)
        entry.invested_as_of = latest.period.end_date if latest else None
        entry.save(update_fields=["invested_ytd", "invested_as_of"])


def build_world(unit_a: Any, unit_b: Any) -> World:
    district = RegionFactory(code="370212", name="崂山区", level=RegionLevel.DISTRICT)
    s1 = RegionFactory(code="370212001", name="中韩街道", parent=district, order=1)
    s2 = RegionFactory(code="370212002", name="沙子口街道", parent=district, order=2)
    unit_a.order, unit_b.order = 1, 2
    unit_a.save()
    unit_b.save()

    def project(
        key: str, unit: Any, street: Any, category: str, total: str, start: dt.date | None
    ) -> Project:
        stage = Stage.CONSTRUCTION if start and start <= clock.today() else Stage.RESERVE
        return ProjectFactory(
            name=f"项目{key}",
            lead_unit=unit,
            street=street,
            category=category,
            total_investment=Decimal(total),
            actual_start=start,
            stage=stage,
        )

    C, K, L, d = Category, Kind, Level, dt.date
    spec = [
        ("P1", unit_a, s1, C.INDUSTRY, K.CONTINUING, L.PROVINCE, "10000", "1200", None, d(2023, 3, 1)),
        ("P2", unit_a, s1, C.INDUSTRY, K.NEW_START, L.CITY, "5000", "600", 6, d(2024, 5, 20)),
        ("P3", unit_a, s2, C.LIVELIHOOD, K.NEW_START, L.DISTRICT, "3000", "300", 10, None),
        ("P4", unit_b, s2, C.INFRASTRUCTURE, K.CONTINUING, L.DISTRICT, "8000", "2400", None, d(2022, 1, 1)),
        ("P5", unit_b, None, C.URBAN_RENEWAL, K.NEW_START, L.PROVINCE, "20000", "1000", 11, d(2024, 12, 2)),
        ("P6", unit_b, s1, C.LIVELIHOOD, K.NEW_START, L.CITY, "2000", "500", 12, None),
    ]  # fmt: skip
    projects: dict[str, Project] = {}
    entries: dict[str, ProgrammeEntry] = {}
    for serial, (key, unit, street, category, kind, level, total, planned, month, start) in enumerate(
        spec, 1
    ):
        projects[key] = project(key, unit, street, category, total, start)
        entries[key] = ProgrammeEntryFactory(
            project=projects[key],
            serial=serial,
            kind=kind,
            level=level,
            planned_investment=Decimal(planned),
            planned_start_month=month,
        )
    # Three that must not count.
    archived = project("P7", unit_a, s1, Category.INDUSTRY, "900", dt.date(2024, 2, 1))
    archived.archived_at = clock.now()
    archived.save()
    entries["P7"] = ProgrammeEntryFactory(project=archived, serial=7, planned_investment=Decimal("900"))
    cancelled = project("P8", unit_b, s2, Category.INDUSTRY, "800", None)
    cancelled.stage = Stage.CANCELLED
    cancelled.save()
    entries["P8"] = ProgrammeEntryFactory(
        project=cancelled,
        serial=8,
        kind=Kind.NEW_START,
        planned_start_month=3,
        planned_investment=Decimal("800"),
    )
    last_year = project("P9", unit_a, s1, Category.INDUSTRY, "700", dt.date(2023, 1, 1))
    ProgrammeEntryFactory(project=last_year, year=2023, serial=9, planned_investment=Decimal("700"))

    periods = {month: make_period(2024, month, deadline) for month, deadline in DEADLINES.items()}
    sep, octo, nov = periods[9], periods[10], periods[11]
    e = entries
    make_report(e["P1"], sep, "300", "300", "accepted")
    make_report(e["P2"], sep, "100", "100", "accepted")
    make_report(e["P4"], sep, "500", "500", "accepted", late=True)
    make_report(e["P1"], octo, "200", "500", "accepted")
    make_report(e["P2"], octo, "150", "250", "submitted", late=True)
    make_report(e["P3"], octo, "0", "0", "draft")
    make_report(e["P4"], octo, "400", "900", "returned")
    make_report(e["P1"], nov, "250", "750", "unit_approved")
    make_report(e["P2"], nov, "50", "300", "draft")
    make_report(e["P3"], nov, "0", "0", "submitted")
    make_report(e["P4"], nov, "300", "1200", "submitted")
    make_report(e["P5"], nov, "0", "0", "submitted")
    make_report(e["P7"], nov, "900", "900", "accepted")  # archived: never counted
    make_report(e["P8"], nov, "800", "800", "accepted")  # cancelled: never counted
    sync_entries(list(entries.values()))
    return World(
        periods=periods,
        entries=entries,
        projects=projects,
        units={"A": unit_a, "B": unit_b},
        streets={"中韩": s1, "沙子口": s2},
    )
