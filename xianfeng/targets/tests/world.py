"""A small programme for the target tests, with figures computed by hand.

2024 programme (unit A: 甲, unit B: 乙):
- e1 甲 new start, province, planned March, started 2024-03-15, plan 1000
- e2 甲 new start, city, planned April, started 2024-07-10 (late), plan 2000
- e3 乙 new start, district, planned May, not started, plan 500
- e4 乙 continuing, city, started 2022-01-01, plan 1000
- e5 甲 new start, district, planned October, not started, plan 500
- e6 an archived new start (never counts)
Handed-in reports: e1 Jan 100 / Feb 200 (ytd 100, 300); e4 Jan 50 / Feb 50 (ytd 50, 100);
a draft of e2 for February (999) that never counts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from xianfeng.dispatch.choices import ReportStatus
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod, month_end
from xianfeng.lib import clock
from xianfeng.projects.choices import Kind, Level, Stage
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory


def entry(unit: Any, name: str, **kw: Any) -> ProgrammeEntry:
    project_kw = {k: kw.pop(k) for k in list(kw) if k in {"stage", "actual_start", "archived_at"}}
    project = ProjectFactory(name=name, lead_unit=unit, **project_kw)
    return ProgrammeEntryFactory(project=project, **kw)


def period(year: int, month: int, by: Any) -> ReportingPeriod:
    return ReportingPeriod.objects.get_or_create(
        year=year,
        month=month,
        defaults={
            "deadline": month_end(year, month) + dt.timedelta(days=5),
            "status": "closed",
            "opened_at": clock.now(),
            "opened_by": by,
        },
    )[0]


def report(
    e: ProgrammeEntry, month: int, amount: str, ytd: str, by: Any, status: str = ReportStatus.ACCEPTED
) -> None:
    MonthlyReport.objects.create(
        entry=e,
        period=period(e.year, month, by),
        project=e.project,
        unit=e.project.lead_unit,
        invested_month=Decimal(amount),
        invested_ytd=Decimal(ytd),
        progress_text=f"{month}月形象进度",
        status=status,
        created_at=clock.now(),
        created_by=by,
        updated_at=clock.now(),
        updated_by=by,
    )


def build(unit_a: Any, unit_b: Any, dispatcher: Any) -> dict[str, ProgrammeEntry]:
    e = {
        "e1": entry(
            unit_a,
            "甲一",
            kind=Kind.NEW_START,
            level=Level.PROVINCE,
            planned_start_month=3,
            stage=Stage.CONSTRUCTION,
            actual_start=dt.date(2024, 3, 15),
            planned_investment=Decimal(1000),
        ),
        "e2": entry(
            unit_a,
            "甲二",
            kind=Kind.NEW_START,
            level=Level.CITY,
            planned_start_month=4,
            stage=Stage.CONSTRUCTION,
            actual_start=dt.date(2024, 7, 10),
            planned_investment=Decimal(2000),
        ),
        "e3": entry(
            unit_b,
            "乙三",
            kind=Kind.NEW_START,
            level=Level.DISTRICT,
            planned_start_month=5,
            planned_investment=Decimal(500),
        ),
        "e4": entry(
            unit_b,
            "乙四",
            kind=Kind.CONTINUING,
            level=Level.CITY,
            stage=Stage.CONSTRUCTION,
            actual_start=dt.date(2022, 1, 1),
            planned_investment=Decimal(1000),
        ),
        "e5": entry(
            unit_a,
            "甲五",
            kind=Kind.NEW_START,
            level=Level.DISTRICT,
            planned_start_month=10,
            planned_investment=Decimal(500),
        ),
        "e6": entry(
            unit_a,
            "甲六（已归档）",
            kind=Kind.NEW_START,
            planned_start_month=2,
            archived_at=clock.now(),
            planned_investment=Decimal(700),
        ),
    }
    report(e["e1"], 1, "100", "100", dispatcher)
    report(e["e1"], 2, "200", "300", dispatcher)
    report(e["e4"], 1, "50", "50", dispatcher)
    report(e["e4"], 2, "50", "100", dispatcher)
    report(e["e2"], 2, "999", "999", dispatcher, status=ReportStatus.DRAFT)
    return e


NEW_STARTS_H1 = {
    "entity": "entries",
    "measure": "count",
    "filters": {"year": 2024, "kind": ["new_start"]},
    "date": {"field": "actual_start", "on_or_before": "2024-06-30"},
    "target": "all",
}
