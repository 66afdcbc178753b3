"""A tiny 2024 programme for the warnings and forecasts tests (figures computed by hand there).

Periods January–March 2024, deadlines passed (today is frozen at 2024-12-06), plus, where a test
asks, November with its deadline on today (not passed).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
from xianfeng.lib import clock
from xianfeng.projects.choices import Kind, Stage
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory


def make_period(month: int, deadline: dt.date | None = None) -> ReportingPeriod:
    deadline = deadline or dt.date(2024, month + 1, 7)
    return ReportingPeriod.objects.create(year=2024, month=month, deadline=deadline, opened_at=clock.now())


def make_entry(unit: Any, **kwargs: Any) -> ProgrammeEntry:
    project_fields = {k: kwargs.pop(k) for k in ["name", "actual_start", "total_investment"] if k in kwargs}
    if project_fields.get("actual_start"):
        project_fields["stage"] = Stage.CONSTRUCTION
    project = ProjectFactory(lead_unit=unit, **project_fields)
    kwargs.setdefault("kind", Kind.CONTINUING)
    return ProgrammeEntryFactory(project=project, **kwargs)


def make_report(
    entry: ProgrammeEntry,
    period: ReportingPeriod,
    ytd: str | Decimal,
    *,
    status: str = "accepted",
    late: bool = False,
) -> MonthlyReport:
    now = clock.now()
    return MonthlyReport.objects.create(
        entry=entry,
        period=period,
        project=entry.project,
        unit=entry.project.lead_unit,
        invested_month=Decimal(0),
        invested_ytd=Decimal(ytd),
        status=status,
        submitted_late=late,
        created_at=now,
        updated_at=now,
        submitted_at=now if status != "draft" else None,
    )
