"""Statistics of the monthly dispatch (调度统计) as of one reporting period.

One function, :func:`period_statistics`, computes every figure the statistics page, the API and
the bulletin show, so the three always agree. The rules, decided once:

- **Which projects**: the period's year programme as the period counts it due
  (:func:`xianfeng.dispatch.selectors.period_due_entries`: not archived, not cancelled), scoped
  to the user (a unit user: their own unit's projects; dispatcher and leaders: the district).
- **Investment completed by the period** (1–N月累计完成投资): per project, the year-to-date of its
  latest *handed-in* report (submitted, unit-approved or accepted) of the year up to and including
  the period's month; 0 when none. Drafts and returned reports do not count. A report's
  year-to-date only grows month by month (it is this month's investment plus all earlier months'),
  so "the latest" is computed as the largest — in the database, for all projects at once. At the
  latest period this equals ``ProgrammeEntry.invested_ytd``, the figure the registry shows.
- **Time progress** (时间进度) = the period's month ÷ 12; the figures are as of the month's end.
- **Completion rate** = completed ÷ the year's planned investment; its **gap** is the rate minus
  the time progress in percentage points (negative: behind). Both rounded first, so the gap
  stated equals the difference of the two figures stated.
- **Started** (已开工) = a new start (新开工) whose actual start is on or before the month's end.
  **Due to start** (应开工) = a new start whose planned start month is on or before the period's.
  Start rate = started among those due ÷ due; overall = started ÷ all new starts.
- **Furthest behind**: projects with a planned investment whose completion rate is below the time
  progress, largest gap first (a new start not yet due and not started is not judged yet).
- **Reporting**: per unit, the reports due for the period, handed in, handed in after the
  deadline; submission rate = handed in ÷ due; on-time rate = handed in by the deadline ÷ due
  (the same counts the period pages show, :func:`selectors.period_unit_progress`).
- Percentages are Decimal, one decimal place, rounded half up (四舍五入); money is Decimal 万元
  with two places (sums of two-place amounts, exact).

A fixed number of queries whatever the size of the programme: the figures by kind, level,
category, unit and street come from one grouped query; the lists are limited queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils.functional import Promise

from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
from xianfeng.dispatch.selectors import period_due_entries, period_unit_progress
from xianfeng.lib import clock
from xianfeng.org.choices import UNIT_ROLES, RegionLevel, Role
from xianfeng.org.models import Department, Region, User
from xianfeng.projects.choices import Category, Kind, Level
from xianfeng.projects.models import ProgrammeEntry

ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")
ZERO = Decimal(0)
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
# Who may see statistics: the district (dispatcher, leaders) or their own unit (unit users).
STATISTICS_ROLES = {Role.DISPATCHER, Role.LEADER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER}
BEHIND_LIMIT = 20
LATE_START_LIMIT = 100
NO_STREET = "none"


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` ÷ ``whole`` in percent, one place, half up; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def time_progress_percent(month: int) -> Decimal:
    """时间进度 at the end of ``month``: month ÷ 12, in percent (November: 91.7)."""
    return percent(month, 12) or ZERO


# ---------------------------------------------------------------- the period


def statistics_periods(*, user: User) -> list[ReportingPeriod]:
    """The periods a user may pick, newest first."""
    return list(ReportingPeriod.objects.restrict(user, "view").order_by("-year", "-month"))


def statistics_period(
    *,
    user: User,
    year: int | None = None,
    month: int | None = None,
    periods: list[ReportingPeriod] | None = None,
) -> ReportingPeriod:
    """The period asked for (404 if there is none), else the latest whose month has ended (as of
    today), else the latest one. ``periods`` (from :func:`statistics_periods`) saves a query."""
    candidates = periods if periods is not None else statistics_periods(user=user)
    if year is not None or month is not None:
        for period in candidates:
            if period.year == year and period.month == month:
                return period
        raise Http404("没有该调度期")
    if not candidates:
        raise Http404("还没有调度期")
    today = clock.today()
    ended = [p for p in candidates if p.end_date <= today]
    return (ended or candidates)[0]


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    """One row of a statistics table (a kind, a level, a category, a unit, a street, or all)."""

    key: str
    label: str
    count: int = 0
    total_investment: Decimal = ZERO
    planned_investment: Decimal = ZERO
    invested_ytd: Decimal = ZERO
    new_starts: int = 0
    due_to_start: int = 0
    started: int = 0  # new starts started by the month's end
    started_due: int = 0  # … of those due to start by then
    behind: int = 0  # projects whose completion rate is below the time progress
    completion_rate: Decimal | None = None  # invested_ytd ÷ planned_investment, %
    gap: Decimal | None = None  # completion_rate − time progress, percentage points
    start_rate: Decimal | None = None  # started_due ÷ due_to_start, %
    start_rate_all: Decimal | None = None  # started ÷ new_starts, %

    def add(self, other: Figures) -> None:
        for name in ["count", "new_starts", "due_to_start", "started", "started_due", "behind"]:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ["total_investment", "planned_investment", "invested_ytd"]:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def finish(self, time_progress: Decimal) -> Figures:
        self.completion_rate = percent(self.invested_ytd, self.planned_investment)
        self.gap = None if self.completion_rate is None else self.completion_rate - time_progress
        self.start_rate = percent(self.started_due, self.due_to_start)
        self.start_rate_all = percent(self.started, self.new_starts)
        return self

    @property
    def not_started_due(self) -> int:
        """New starts past their planned month and not started."""
        return self.due_to_start - self.started_due


@dataclass
class BehindRow:
    """A project whose investment lags the time progress."""

    entry_id: int
    project_id: int
    serial: int | None
    name: str
    code: str
    unit: str
    kind: str
    level: str
    category: str
    planned_investment: Decimal
    invested_ytd: Decimal
    completion_rate: Decimal
    gap: Decimal  # time progress − completion rate, percentage points (positive: behind)


@dataclass
class LateStartRow:
    """A new start past its planned start month and still not started at the month's end."""

    entry_id: int
    project_id: int
    serial: int | None
    name: str
    code: str
    unit: str
    level: str
    category: str
    planned_start_month: int
    months_late: int  # whole months after the planned one (0: planned for this very month)
    planned_investment: Decimal
    stage: str


@dataclass
class UnitReporting:
    """A unit's reporting for the period."""

    unit_id: int | None
    label: str
    due: int = 0
    handed_in: int = 0
    late: int = 0  # handed in after the deadline
    missing: int = 0  # not handed in (nothing, a draft, or returned)
    on_time: int = 0
    submission_rate: Decimal | None = None
    on_time_rate: Decimal | None = None

    def finish(self) -> UnitReporting:
        self.on_time = self.handed_in - self.late
        self.submission_rate = percent(self.handed_in, self.due)
        self.on_time_rate = percent(self.on_time, self.due)
        return self


@dataclass
class PeriodStatistics:
    """Every figure of a period, for a scope (the district, or one unit)."""

    period: ReportingPeriod
    scope: str  # "district" or "unit"
    scope_label: str  # 全区 / the district's name, or the unit's name
    as_of: dt.date
    time_progress: Decimal  # percent
    deadline_passed: bool
    total: Figures
    by_kind: list[Figures]
    by_level: list[Figures]
    by_category: list[Figures]
    by_unit: list[Figures]
    by_street: list[Figures]
    behind: list[BehindRow]
    late_starts: list[LateStartRow]
    reporting: list[UnitReporting]
    reporting_total: UnitReporting

    @property
    def late_starts_count(self) -> int:
        return self.total.not_started_due

    @property
    def late_units(self) -> list[UnitReporting]:
        """Units that handed reports in late, or (past the deadline) still owe some."""
        return [u for u in self.reporting if u.late or (self.deadline_passed and u.missing)]

    @property
    def behind_count(self) -> int:
        return self.total.behind

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (Decimals as strings): the API's answer and the bulletin's saved figures."""
        period = self.period
        return _jsonable(
            {
                "period": {
                    "key": period.key,
                    "year": period.year,
                    "month": period.month,
                    "label": period.label,
                    "deadline": period.deadline,
                    "status": period.status,
                },
                "scope": self.scope,
                "scope_label": self.scope_label,
                "as_of": self.as_of,
                "time_progress": self.time_progress,
                "deadline_passed": self.deadline_passed,
                "total": asdict(self.total),
                "by_kind": [asdict(r) for r in self.by_kind],
                "by_level": [asdict(r) for r in self.by_level],
                "by_category": [asdict(r) for r in self.by_category],
                "by_unit": [asdict(r) for r in self.by_unit],
                "by_street": [asdict(r) for r in self.by_street],
                "behind_count": self.behind_count,
                "behind": [asdict(r) for r in self.behind],
                "late_starts_count": self.late_starts_count,
                "late_starts": [asdict(r) for r in self.late_starts],
                "reporting": [asdict(r) for r in self.reporting],
                "reporting_total": asdict(self.reporting_total),
            }
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


# ---------------------------------------------------------------- the queries


def statistics_scope(*, user: User) -> tuple[str, int | None]:
    """("district", None) for the dispatcher and leaders; ("unit", department id) for unit users.
    Other roles see no statistics (PermissionDenied is the view's business; here: empty)."""
    if user.role in UNIT_ROLES:
        return "unit", user.department_id
    return "district", None


def _entries(user: User, period: ReportingPeriod) -> QuerySet[ProgrammeEntry]:
    return period_due_entries(period).restrict(user, "view")  # type: ignore[attr-defined]


def _latest_ytd(period: ReportingPeriod, period_ids: list[int]) -> Coalesce:
    """Per entry: the year-to-date of its latest handed-in report up to ``period`` (the largest)."""
    reports = (
        MonthlyReport.objects.filter(
            entry_id=OuterRef("pk"), period_id__in=period_ids, status__in=HANDED_IN_STATUSES
        )
        .order_by()
        .values("entry_id")
        .annotate(latest=Max("invested_ytd"))
        .values("latest")[:1]
    )
    return Coalesce(Subquery(reports, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def _district_name() -> str:
    name = (
        Region.objects.filter(level=RegionLevel.DISTRICT)
        .order_by("order", "code")
        .values_list("name", flat=True)
        .first()
    )
    return name or "全区"


def period_statistics(
    *,
    user: User,
    period: ReportingPeriod,
    behind_limit: int = BEHIND_LIMIT,
    late_start_limit: int = LATE_START_LIMIT,
) -> PeriodStatistics:
    """All the figures of ``period`` as ``user`` may see them (a fixed number of queries)."""
    scope, unit_id = statistics_scope(user=user)
    end = period.end_date
    month = period.month
    tp = time_progress_percent(month)
    period_ids = list(
        ReportingPeriod.objects.filter(year=period.year, month__lte=month).values_list("pk", flat=True)
    )
    entries = _entries(user, period)
    latest = _latest_ytd(period, period_ids)
    new_start = Q(kind=Kind.NEW_START)
    due_q = new_start & Q(planned_start_month__lte=month)
    started_q = new_start & Q(project__actual_start__lte=end)

    # A project is judged on its investment once it can be: a new start only when due or started.
    judged = ~(
        new_start
        & (Q(planned_start_month__isnull=True) | Q(planned_start_month__gt=month))
        & (Q(project__actual_start__isnull=True) | Q(project__actual_start__gt=end))
    )
    # Behind the time progress: ytd ÷ planned < month ÷ 12, i.e. 12·ytd < month·planned (exact).
    lag = ExpressionWrapper(F("planned_investment") * month - F("latest_ytd") * 12, output_field=MONEY_FIELD)
    behind_q = judged & Q(planned_investment__gt=0, lag__gt=0)

    # 1. Everything by (kind, level, category, unit, street), grouped in the database.
    groups = list(
        entries.annotate(latest_ytd=latest, lag=lag)
        .order_by()
        .values(
            "kind",
            "level",
            category=F("project__category"),
            unit_id=F("project__lead_unit_id"),
            street_id=F("project__street_id"),
        )
        .annotate(
            n=Count("id"),
            total=Sum("project__total_investment"),
            planned=Sum("planned_investment"),
            ytd=Sum("latest_ytd"),
            new=Count("id", filter=new_start),
            due=Count("id", filter=due_q),
            started=Count("id", filter=started_q),
            started_due=Count("id", filter=due_q & started_q),
            behind=Count("id", filter=behind_q),
        )
    )
    by_kind = {k.value: Figures(k.value, str(k.label)) for k in Kind}
    by_level = {lv.value: Figures(lv.value, str(lv.label)) for lv in Level}
    by_category = {c.value: Figures(c.value, str(c.label)) for c in Category}
    by_unit: dict[int, Figures] = {}
    by_street: dict[str, Figures] = {}
    total = Figures("total", "合计")
    for row in groups:
        figures = Figures(
            "",
            "",
            count=row["n"],
            total_investment=row["total"] or ZERO,
            planned_investment=row["planned"] or ZERO,
            invested_ytd=row["ytd"] or ZERO,
            new_starts=row["new"],
            due_to_start=row["due"],
            started=row["started"],
            started_due=row["started_due"],
            behind=row["behind"],
        )
        total.add(figures)
        for table, key in [
            (by_kind, row["kind"]),
            (by_level, row["level"]),
            (by_category, row["category"]),
        ]:
            table.setdefault(key, Figures(key, key)).add(figures)
        by_unit.setdefault(row["unit_id"], Figures(str(row["unit_id"]), "")).add(figures)
        street = str(row["street_id"]) if row["street_id"] else NO_STREET
        by_street.setdefault(street, Figures(street, "")).add(figures)

    # 2. Names of the units and streets in the tables.
    units = {
        d.pk: d for d in Department.objects.filter(pk__in=[k for k in by_unit if k]).order_by("order", "code")
    }
    unit_rows = []
    for pk, department in units.items():
        row = by_unit[pk]
        row.label = department.name
        unit_rows.append(row)
    streets = {
        str(r.pk): r.name
        for r in Region.objects.filter(pk__in=[int(k) for k in by_street if k != NO_STREET]).order_by(
            "order", "code"
        )
    }
    street_rows = []
    for key, name in streets.items():
        by_street[key].label = name
        street_rows.append(by_street[key])
    if NO_STREET in by_street:
        by_street[NO_STREET].label = "未标注街道"
        street_rows.append(by_street[NO_STREET])

    # 3. The projects furthest behind the time progress, smallest completion rate first.
    behind_qs = (
        entries.annotate(latest_ytd=latest, lag=lag)
        .filter(behind_q)
        .annotate(
            ratio=ExpressionWrapper(
                Cast("latest_ytd", FloatField()) / Cast("planned_investment", FloatField()),
                output_field=FloatField(),
            )
        )
    )
    behind_rows = []
    for entry in behind_qs.select_related("project", "project__lead_unit").order_by(
        "ratio", "-planned_investment", "serial", "id"
    )[: max(behind_limit, 0)]:
        project = entry.project
        rate = percent(entry.latest_ytd, entry.planned_investment) or ZERO
        behind_rows.append(
            BehindRow(
                entry_id=entry.pk,
                project_id=project.pk,
                serial=entry.serial,
                name=project.name,
                code=project.code,
                unit=project.lead_unit.name,
                kind=str(entry.get_kind_display()),
                level=str(entry.get_level_display()),
                category=str(project.get_category_display()),
                planned_investment=entry.planned_investment,
                invested_ytd=entry.latest_ytd,
                completion_rate=rate,
                gap=tp - rate,
            )
        )

    # 4. New starts past their planned month and not started by the month's end.
    late_rows = []
    late_qs = entries.filter(due_q).filter(
        Q(project__actual_start__isnull=True) | Q(project__actual_start__gt=end)
    )
    for entry in late_qs.select_related("project", "project__lead_unit").order_by(
        "planned_start_month", "-planned_investment", "serial", "id"
    )[: max(late_start_limit, 0)]:
        project = entry.project
        late_rows.append(
            LateStartRow(
                entry_id=entry.pk,
                project_id=project.pk,
                serial=entry.serial,
                name=project.name,
                code=project.code,
                unit=project.lead_unit.name,
                level=str(entry.get_level_display()),
                category=str(project.get_category_display()),
                planned_start_month=entry.planned_start_month,
                months_late=month - entry.planned_start_month,
                planned_investment=entry.planned_investment,
                stage=str(project.get_stage_display()),
            )
        )

    # 5. Each unit's reporting (the period pages' counts).
    progress = period_unit_progress(period=period, units=[unit_id] if scope == "unit" else None)
    reporting = [
        UnitReporting(
            unit_id=u.unit.pk,
            label=u.unit.name,
            due=u.due,
            handed_in=u.handed_in,
            late=u.late,
            missing=u.missing,
        ).finish()
        for u in progress
    ]
    reporting_total = UnitReporting(unit_id=None, label="合计")
    for u in reporting:
        reporting_total.due += u.due
        reporting_total.handed_in += u.handed_in
        reporting_total.late += u.late
        reporting_total.missing += u.missing
    reporting_total.finish()

    if scope == "unit":
        department = units.get(unit_id) if unit_id else None
        scope_label = department.name if department else (user.department.name if user.department_id else "")
    else:
        scope_label = _district_name()
    for table in (by_kind, by_level, by_category):
        for row in table.values():
            row.finish(tp)
    for row in [*unit_rows, *street_rows, total]:
        row.finish(tp)
    return PeriodStatistics(
        period=period,
        scope=scope,
        scope_label=scope_label,
        as_of=end,
        time_progress=tp,
        deadline_passed=clock.today() > period.deadline,
        total=total,
        by_kind=[by_kind[k.value] for k in Kind],
        by_level=[by_level[lv.value] for lv in Level],
        by_category=[by_category[c.value] for c in Category],
        by_unit=unit_rows,
        by_street=street_rows,
        behind=behind_rows,
        late_starts=late_rows,
        reporting=reporting,
        reporting_total=reporting_total,
    )
