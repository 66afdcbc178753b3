"""Reads for the monthly dispatch: periods, a unit's month, the review queues, a report and its
history, and what is still missing. Every row is scoped to the user with restrict().

The statistics and the bulletin (built on these models by their own module) use
:func:`period_due_entries` and :func:`period_unit_progress` for what was due and what came in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from xianfeng.dispatch.choices import HANDED_IN_STATUSES, ReportStatus
from xianfeng.dispatch.models import MonthlyReport, Reminder, ReportEvent, ReportingPeriod, ReportPhoto
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, User
from xianfeng.projects.choices import Stage
from xianfeng.projects.models import ProgrammeEntry

# Carried into a new month's draft from the previous month (money never is).
CARRIED_FIELDS = ["progress_text", "progress_percent", "workers_on_site", "contact"]
PERIOD_KEY_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
CHUNK = 5000


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- lightweight rows for bulk work


@dataclass(slots=True, eq=False)
class UnitRef:
    id: int
    name: str
    short_name: str

    @property
    def pk(self) -> int:
        return self.id

    def __str__(self) -> str:
        return self.short_name or self.name


@dataclass(slots=True, eq=False)
class ProjectRef:
    """What the report rules read of a project, for thousands of rows without model instances."""

    id: int
    name: str
    national_code: str
    internal_code: str
    lead_unit_id: int
    stage: str
    actual_start: dt.date | None
    actual_completion: dt.date | None
    total_investment: Decimal
    archived_at: dt.datetime | None
    contact_name: str
    contact_phone: str
    lead_unit: UnitRef

    @property
    def pk(self) -> int:
        return self.id

    @property
    def code(self) -> str:
        return self.national_code or self.internal_code

    def get_stage_display(self) -> str:
        return str(dict(Stage.choices).get(self.stage, self.stage))

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True, eq=False)
class EntryRef:
    """What the report rules and the registry update read of a programme entry."""

    id: int
    year: int
    serial: int | None
    kind: str
    level: str
    planned_investment: Decimal
    invested_before: Decimal
    invested_ytd: Decimal
    invested_as_of: dt.date | None
    version: int
    project: ProjectRef
    updated_at: dt.datetime | None = None

    @property
    def pk(self) -> int:
        return self.id

    @property
    def project_id(self) -> int:
        return self.project.id

    def __str__(self) -> str:
        return f"{self.year} {self.project}"


ENTRY_REF_COLUMNS = [
    "id",
    "year",
    "serial",
    "kind",
    "level",
    "planned_investment",
    "invested_before",
    "invested_ytd",
    "invested_as_of",
    "version",
    "project_id",
    "project__name",
    "project__national_code",
    "project__internal_code",
    "project__lead_unit_id",
    "project__stage",
    "project__actual_start",
    "project__actual_completion",
    "project__total_investment",
    "project__archived_at",
    "project__contact_name",
    "project__contact_phone",
    "project__lead_unit__name",
    "project__lead_unit__short_name",
]


def entry_refs(queryset: QuerySet[ProgrammeEntry]) -> list[EntryRef]:
    """Entries of ``queryset`` as lightweight rows (one query, no model instances)."""
    units: dict[int, UnitRef] = {}
    result = []
    for v in queryset.values_list(*ENTRY_REF_COLUMNS):
        unit = units.get(v[14])
        if unit is None:
            unit = units[v[14]] = UnitRef(v[14], v[22], v[23])
        project = ProjectRef(
            id=v[10],
            name=v[11],
            national_code=v[12],
            internal_code=v[13],
            lead_unit_id=v[14],
            stage=v[15],
            actual_start=v[16],
            actual_completion=v[17],
            total_investment=v[18],
            archived_at=v[19],
            contact_name=v[20],
            contact_phone=v[21],
            lead_unit=unit,
        )
        result.append(EntryRef(*v[:10], project=project))
    return result


# ---------------------------------------------------------------- periods


def parse_period_key(key: str | None) -> tuple[int, int] | None:
    match = PERIOD_KEY_RE.match((key or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 else None


def period_list(*, user: User) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.restrict(user, "view").select_related("opened_by", "closed_by")


def period_get(*, user: User, key: str, action: str = "view") -> ReportingPeriod:
    """The period named ``YYYY-MM``; 404 if there is none or the user may not see periods."""
    parsed = parse_period_key(key)
    if parsed is None:
        raise Http404(gettext("调度期应写作 YYYY-MM"))
    period = ReportingPeriod.objects.restrict(user, action).filter(year=parsed[0], month=parsed[1]).first()  # type: ignore[arg-type]
    if period is None:
        raise Http404(gettext("没有该调度期"))
    return period


def period_current(*, user: User, key: str | None = None) -> ReportingPeriod | None:
    """The period asked for, else the latest open one, else the latest one."""
    if key:
        return period_get(user=user, key=key)
    periods = ReportingPeriod.objects.restrict(user, "view")
    return (
        periods.filter(status="open").order_by("-year", "-month").first()
        or periods.order_by("-year", "-month").first()
    )


# ---------------------------------------------------------------- what is due


def period_due_entries(period: ReportingPeriod) -> QuerySet[ProgrammeEntry]:
    """The entries that owe a report for ``period``: the year's programme, not archived or cancelled."""
    return ProgrammeEntry.objects.filter(year=period.year, project__archived_at__isnull=True).exclude(
        project__stage=Stage.CANCELLED
    )


@dataclass
class UnitProgress:
    unit: Department
    due: int = 0
    draft: int = 0
    returned: int = 0
    submitted: int = 0
    unit_approved: int = 0
    accepted: int = 0
    late: int = 0  # handed in after the deadline

    @property
    def handed_in(self) -> int:
        return self.submitted + self.unit_approved + self.accepted

    @property
    def missing(self) -> int:
        return self.due - self.handed_in

    @property
    def not_started(self) -> int:
        return self.due - self.handed_in - self.draft - self.returned

    @property
    def on_time(self) -> int:
        return self.handed_in - self.late


def period_unit_progress(
    *, period: ReportingPeriod, units: Iterable[int] | None = None
) -> list[UnitProgress]:
    """Per responsible unit: reports due, in each status, and late; units in their usual order."""
    due = period_due_entries(period)
    if units is not None:
        due = due.filter(project__lead_unit_id__in=list(units))
    due_counts = dict(
        due.values("project__lead_unit_id")
        .annotate(n=Count("id"))
        .values_list("project__lead_unit_id", "n")
        .order_by()
    )
    reports = MonthlyReport.objects.filter(period=period, entry__in=due)
    status_counts = (
        reports.values("project__lead_unit_id", "status", "submitted_late")
        .annotate(n=Count("id"))
        .values_list("project__lead_unit_id", "status", "submitted_late", "n")
        .order_by()
    )
    departments = {d.pk: d for d in Department.objects.filter(pk__in=list(due_counts))}
    rows = {
        pk: UnitProgress(unit=departments[pk], due=n) for pk, n in due_counts.items() if pk in departments
    }
    for unit_id, status, late, n in status_counts:
        row = rows.get(unit_id)
        if row is None:
            continue
        setattr(row, status, getattr(row, status) + n)
        if late and status in HANDED_IN_STATUSES:
            row.late += n
    return sorted(rows.values(), key=lambda r: (r.unit.order, r.unit.code))


# ---------------------------------------------------------------- a unit's month


@dataclass
class MonthRow:
    entry: ProgrammeEntry
    report: MonthlyReport | None
    previous: PreviousReport | None = None

    @property
    def state(self) -> str:
        """due (nothing saved yet), draft, returned, submitted, unit_approved, accepted."""
        return self.report.status if self.report is not None else "due"

    @property
    def project(self) -> Any:
        return self.entry.project


@dataclass
class UnitMonth:
    period: ReportingPeriod
    unit: Department | None
    rows: list[MonthRow]
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def due(self) -> int:
        return len(self.rows)

    @property
    def handed_in(self) -> int:
        return sum(self.counts[s] for s in HANDED_IN_STATUSES)

    @property
    def to_do(self) -> int:
        return self.counts["due"] + self.counts[ReportStatus.DRAFT] + self.counts[ReportStatus.RETURNED]

    @property
    def totals(self) -> dict[str, Decimal]:
        planned = sum((r.entry.planned_investment for r in self.rows), Decimal(0))
        month = sum((r.report.invested_month or Decimal(0) for r in self.rows if r.report), Decimal(0))
        ytd = sum((r.report.invested_ytd for r in self.rows if r.report), Decimal(0))
        return {"planned": planned, "month": month, "ytd": ytd}


def unit_choices(*, user: User, period: ReportingPeriod) -> list[Department]:
    """The units whose month the user may open: their own; every unit with projects (dispatcher, leader)."""
    if user.role in UNIT_ROLES:
        return [user.department] if user.department_id else []
    ids = period_due_entries(period).values("project__lead_unit_id")
    return list(Department.objects.filter(pk__in=ids).order_by("order", "code"))


def unit_month(*, user: User, period: ReportingPeriod, unit_id: int | None) -> UnitMonth:
    """A unit's projects for ``period`` with their report (or None) and the previous month's."""
    entries = (
        ProgrammeEntry.objects.restrict(user, "view")
        .filter(pk__in=period_due_entries(period).values("pk"))
        .select_related("project", "project__lead_unit", "project__leader")
        .order_by("serial", "id")
    )
    if unit_id is not None:
        entries = entries.filter(project__lead_unit_id=unit_id)
    entry_list = list(entries)
    ids = [e.pk for e in entry_list]
    reports: dict[int, MonthlyReport] = {}
    for chunk in _chunks(ids):
        for report in MonthlyReport.objects.filter(period=period, entry_id__in=chunk).select_related(
            "updated_by", "submitted_by"
        ):
            reports[report.entry_id] = report
    earlier = list(ReportingPeriod.objects.filter(year=period.year, month__lt=period.month).order_by("month"))
    previous = previous_reports(ids, earlier)
    rows = [MonthRow(entry=e, report=reports.get(e.pk), previous=previous.get(e.pk)) for e in entry_list]
    unit = Department.objects.filter(pk=unit_id).first() if unit_id else None
    month = UnitMonth(period=period, unit=unit, rows=rows)
    month.counts = Counter(row.state for row in rows)
    return month


@dataclass(slots=True)
class PreviousReport:
    """What a month's form needs from the month before (read as plain values, not model rows:
    a unit's grid or a 10,000-row workbook reads thousands of them)."""

    id: int
    entry_id: int
    period_id: int
    progress_text: str
    progress_percent: int | None
    workers_on_site: int | None
    contact: str
    status: str


def previous_reports(
    entry_ids: list[int], earlier: list[ReportingPeriod], *, units: set[int] | None = None
) -> dict[int, PreviousReport]:
    """Each entry's latest report before this period (newest month first, one query per month
    only while some entries have none yet — usually one query). ``units``: read the units'
    reports and keep the wanted ones (cheaper than an IN list of thousands of ids)."""
    found: dict[int, PreviousReport] = {}
    wanted = set(entry_ids)
    for period in reversed(earlier):
        if not wanted:
            break
        if units is not None:
            queries = [MonthlyReport.objects.filter(period=period, project__lead_unit_id__in=sorted(units))]
        else:
            queries = [
                MonthlyReport.objects.filter(period=period, entry_id__in=c) for c in _chunks(sorted(wanted))
            ]
        for qs in queries:
            for values in qs.values_list(
                "id",
                "entry_id",
                "period_id",
                "progress_text",
                "progress_percent",
                "workers_on_site",
                "contact",
                "status",
            ):
                if values[1] in wanted:
                    found[values[1]] = PreviousReport(*values)
        wanted -= set(found)
    return found


def new_report(
    entry: ProgrammeEntry, period: ReportingPeriod, previous: PreviousReport | None
) -> MonthlyReport:
    """An unsaved draft: the previous month's progress text, percent, workers and contact carried,
    the month's investment empty; the contact from the project when never reported."""
    project = entry.project
    report = MonthlyReport(entry=entry, period=period, project=project, unit_id=project.lead_unit_id)
    if previous is not None:
        for name in CARRIED_FIELDS:
            setattr(report, name, getattr(previous, name))
    if not report.contact:
        contact = " ".join(part for part in [project.contact_name, project.contact_phone] if part)
        report.contact = contact[:100]
    return report


def report_prefill(*, entry: ProgrammeEntry, period: ReportingPeriod) -> MonthlyReport:
    """The report to show in a form: the saved one, else a pre-filled new draft."""
    existing = MonthlyReport.objects.filter(entry=entry, period=period).first()
    if existing is not None:
        return existing
    earlier = list(ReportingPeriod.objects.filter(year=period.year, month__lt=period.month).order_by("month"))
    return new_report(entry, period, previous_reports([entry.pk], earlier).get(entry.pk))


def earlier_sum(*, entry: ProgrammeEntry, period: ReportingPeriod) -> Decimal:
    """The entry's investment reported in the months of the year before ``period``."""
    total = Decimal(0)
    for amount in MonthlyReport.objects.filter(
        entry=entry, period__year=period.year, period__month__lt=period.month
    ).values_list("invested_month", flat=True):
        total += amount or Decimal(0)
    return total


def entry_get(*, user: User, pk: int, action: str = "view") -> ProgrammeEntry:
    entry = (
        ProgrammeEntry.objects.restrict(user, action)  # type: ignore[arg-type]
        .select_related("project", "project__lead_unit")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404(gettext("未找到该项目，或您无权查看"))
    return entry


# ---------------------------------------------------------------- reports


def report_get(*, user: User, pk: int, action: str = "view") -> MonthlyReport:
    report = (
        MonthlyReport.objects.restrict(user, action)  # type: ignore[arg-type]
        .select_related(
            "period", "entry", "project", "project__lead_unit", "unit", "submitted_by", "reviewed_by"
        )
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404(gettext("未找到该报告，或您无权查看"))
    return report


def report_history(*, report: MonthlyReport) -> list[ReportEvent]:
    return list(ReportEvent.objects.filter(report=report).select_related("actor").order_by("at", "id"))


def report_photos(*, report: MonthlyReport) -> list[ReportPhoto]:
    return list(ReportPhoto.objects.filter(report=report).visible().order_by("uploaded_at", "id"))


def photo_get(*, user: User, pk: int) -> ReportPhoto:
    photo = ReportPhoto.objects.restrict(user, "view").select_related("report").filter(pk=pk).first()
    if photo is None:
        raise Http404(gettext("未找到该照片，或您无权查看"))
    return photo


@dataclass
class ReportFilters:
    status: str = ""
    unit: int | None = None
    late: bool | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: Any) -> ReportFilters:
        status = params.get("status", "")
        if status not in ReportStatus.values and status not in {"handed_in", "open"}:
            status = ""
        try:
            unit = int(params.get("unit") or 0) or None
        except ValueError:
            unit = None
        late_raw = params.get("late", "")
        late = True if late_raw in {"1", "true"} else False if late_raw in {"0", "false"} else None
        return cls(status=status, unit=unit, late=late, q=(params.get("q") or "").strip()[:50])


def report_list(
    *, user: User, period: ReportingPeriod, filters: ReportFilters | None = None
) -> QuerySet[MonthlyReport]:
    qs = (
        MonthlyReport.objects.restrict(user, "view")
        .filter(period=period)
        .select_related("project", "project__lead_unit", "entry", "period", "submitted_by")
        .order_by("project__lead_unit__order", "entry__serial", "id")
    )
    f = filters or ReportFilters()
    if f.status == "handed_in":
        qs = qs.filter(status__in=HANDED_IN_STATUSES)
    elif f.status == "open":
        qs = qs.filter(status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED])
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.unit:
        qs = qs.filter(project__lead_unit_id=f.unit)
    if f.late is not None:
        qs = qs.filter(submitted_late=f.late)
    if f.q:
        qs = qs.filter(Q(project__name__icontains=f.q) | Q(project__national_code__icontains=f.q))
    return qs


def review_queue(*, user: User, period: ReportingPeriod) -> QuerySet[MonthlyReport]:
    """What waits for this user's decision: a unit reviewer's submitted reports; the dispatcher's
    unit-approved ones first, then those submitted without unit review yet."""
    qs = report_list(user=user, period=period)
    if user.role == Role.UNIT_REVIEWER:
        return qs.filter(status=ReportStatus.SUBMITTED)
    if user.role == Role.DISPATCHER:
        return qs.filter(status__in=[ReportStatus.UNIT_APPROVED, ReportStatus.SUBMITTED])
    return qs.none()


def period_reminders(*, user: User, period: ReportingPeriod) -> QuerySet[Reminder]:
    return Reminder.objects.restrict(user, "view").filter(period=period).select_related("unit")


def earlier_sums(*, entry_ids: Sequence[int], period: ReportingPeriod) -> dict[int, Decimal]:
    """entry id → its investment reported in the year's months before ``period``."""
    from django.db.models import Sum

    result: dict[int, Decimal] = {}
    for chunk in _chunks(list(entry_ids)):
        rows = (
            MonthlyReport.objects.filter(
                entry_id__in=chunk, period__year=period.year, period__month__lt=period.month
            )
            .values("entry_id")
            .annotate(total=Sum("invested_month"))
            .values_list("entry_id", "total")
            .order_by()
        )
        result.update({entry_id: total or Decimal(0) for entry_id, total in rows})
    return result
