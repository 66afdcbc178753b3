"""Statistics of the monthly dispatch (调度统计) as of one reporting period.

One function, :func:`period_statistics`, computes every figure the statistics page, the API and
the bulletin show, so the three always agree. The rules, decided once:

- **Which projects**: the period's year programme as the period counts it due
  (:func:`xianfeng.dispatch.selectors.period_due_entries`: not archived, not cancelled), scoped
  to the user (a unit user: their own unit's projects; dispatcher and leaders: the district).
- **Investment completed by the period** (1–N月累计完成投资): per project, the year-to-date of its
  latest *handed-in* report (submitted, unit-approved or accepted) of the year up to and including
  the period's month; 0 when none. Drafts and returned reports do not count. Computed in the
  database for all projects at once, cheapest source first: the month's own report when handed
  in; else ``ProgrammeEntry.invested_ytd`` when it is as of this month or earlier (the dispatch
  services keep it equal to the latest handed-in report, so at the latest period this is exactly
  the figure the registry shows); else, replaying an earlier month, the largest year-to-date
  among the handed-in reports up to it (a year-to-date never falls from one month to the next).
- **Time progress** (时间进度) = the period's month ÷ 12; the figures are as of the month's end.
- **Completion rate** = completed ÷ the year's planned investment; its **gap** is the rate minus
  the time progress in percentage points (negative: behind). Both rounded first, so the gap
  stated equals the difference of the two figures stated.
- **Started** (已开工) = a new start (新开工) whose actual start is on or before the month's end.
  **Due to start** (应开工) = a new start whose planned start month is on or before the period's.
  Start rate = started among those due ÷ due; overall = started ÷ all new starts.
- **Furthest behind**: projects with a planned investment whose completion rate is below the time
  progress, largest gap first (a new start not yet due and not started is not judged yet).
- **Reporting**: per unit (the project's lead unit), the reports due for the period (one per
  project above), handed in, handed in after the deadline (``submitted_late``, kept when a
  returned report comes back); submission rate = handed in ÷ due; on-time rate = handed in by the
  deadline ÷ due — the counts the period pages show (:func:`selectors.period_unit_progress`).
- Percentages are Decimal, one decimal place, rounded half up (四舍五入); money is Decimal 万元
  with two places (sums of two-place amounts, exact).

A fixed number of queries whatever the size of the programme. PostgreSQL: one statement gives
the sums by kind, level, category, unit and street (GROUPING SETS over the per-project rows,
reporting counts included) and the two lists' projects in order — and, asked for, what other
apps need summed over the same rows (the cockpit's chains, the targets board's :class:`Subset`);
then the lists' details, the unit and street names and the district's name. SQLite: the same
figures from a grouped query folded in Python, and the two lists as their own queries.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext

from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
from xianfeng.dispatch.selectors import period_due_entries
from xianfeng.lib import clock
from xianfeng.org.choices import UNIT_ROLES, RegionLevel, Role
from xianfeng.org.models import Department, Region, User
from xianfeng.projects.choices import Category, Kind, Level, Stage
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


def _money(amount: Decimal | None) -> Decimal:
    """An amount in 万元 with exactly two places (SQLite hands sums back without them)."""
    return (amount or ZERO).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def fmt_int(value: int | None) -> str:
    return "—" if value is None else str(value)


def fmt_percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def fmt_points(value: Decimal | None) -> str:
    """A difference in percentage points, signed: +3.2 / -55.0 / 0.0."""
    if value is None:
        return "—"
    if value == 0:
        return f"{abs(value)}"
    return f"+{value}" if value > 0 else f"{value}"


def time_progress_percent(month: int) -> Decimal:
    """时间进度 at the end of ``month``: month ÷ 12, in percent (November: 91.7)."""
    result = percent(month, 12)
    assert result is not None
    return result


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
        raise Http404(gettext("没有该调度期"))
    if not candidates:
        raise Http404(gettext("还没有调度期"))
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


@dataclass(frozen=True)
class Subset:
    """Rows of a period's statistics that another app needs summed by the same statement, so it
    need not read the programme again (the targets' board): the entries where ``where`` holds
    (an empty Q: every row) — how many, the sum of ``value`` (an expression over the entries,
    which may use the statistics' year-to-date as ``F("latest_ytd")``; None: counted only), and
    with ``shortfall`` (a share of the year's plan, in tenths of a percent) how many have a plan
    and a value below that share of it, the first ``limit`` of them by the largest shortfall
    (plan × share − value), then by entry id."""

    where: Q
    value: Any = None
    shortfall: int | None = None
    limit: int = 0


@dataclass
class SubsetSums:
    """What a :class:`Subset` sums to."""

    count: int
    value: Decimal  # the sum of the subset's value (exact: the database's numeric sum)
    short: int = 0  # rows below the shortfall's share of their plan
    rows: list[tuple[int, Decimal, Decimal]] = field(default_factory=list)  # (entry id, planned, value)


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
    # Asked for with ``chains`` (PostgreSQL only): per industry chain and 0/1 condition, the rows
    # (chain id, *conditions, count, total investment, planned, year-to-date). Not in as_dict.
    chain_sums: list[tuple[Any, ...]] | None = None
    # Asked for with ``subsets`` (PostgreSQL only): what each named subset sums to. Not in as_dict.
    subsets: dict[str, SubsetSums] | None = None

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


def _latest_ytd(period: ReportingPeriod) -> Case:
    """Per entry: the year-to-date of its latest handed-in report of the year up to ``period``.

    Cheap paths first, so the database looks among the reports only when it must:

    1. the entry's report for this very month is handed in → its year-to-date;
    2. the entry's registry figure (``invested_ytd`` as of ``invested_as_of``, which the dispatch
       services keep equal to the latest handed-in report) is as of this month or earlier → it
       (no later report was handed in; later months cannot be opened before they begin);
    3. otherwise (replaying an earlier month, or nothing handed in) → the largest year-to-date
       among the handed-in reports up to this month (a year-to-date never falls from one month
       to the next, so the largest is the latest); 0 when there is none.
    """
    earlier = (
        MonthlyReport.objects.filter(
            entry_id=OuterRef("pk"),
            period__year=period.year,
            period__month__lte=period.month,
            status__in=HANDED_IN_STATUSES,
        )
        .order_by()
        .values("entry_id")
        .annotate(latest=Max("invested_ytd"))
        .values("latest")[:1]
    )
    return Case(
        When(Q(month_report__status__in=HANDED_IN_STATUSES), then=F("month_report__invested_ytd")),
        When(Q(invested_as_of__lte=period.end_date), then=F("invested_ytd")),
        default=Coalesce(Subquery(earlier, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
        output_field=MONEY_FIELD,
    )


def _with_figures(entries: QuerySet[ProgrammeEntry], period: ReportingPeriod) -> QuerySet[ProgrammeEntry]:
    """Entries joined to their report of ``period`` (one at most) with ``latest_ytd`` and ``lag``
    (month·planned − 12·ytd: positive when the completion rate is below the time progress — exact)."""
    joined = entries.annotate(
        month_report=FilteredRelation("reports", condition=Q(reports__period_id=period.pk))
    ).annotate(latest_ytd=_latest_ytd(period))
    return joined.annotate(
        lag=ExpressionWrapper(
            F("planned_investment") * period.month - F("latest_ytd") * 12, output_field=MONEY_FIELD
        )
    )


DIMENSIONS = ["kind", "level", "project__category", "project__lead_unit_id", "project__street_id"]
# Per dimension key, the measures summed, in this order: count, total investment, planned,
# completed, then one count per condition of FLAGS.
FLAGS = ["new", "due", "started", "started_due", "behind", "handed_in", "late"]


@dataclass
class _Found:
    """What the database hands back: the sums per dimension, and the two lists' entries in order
    (entry id, its year-to-date)."""

    tables: list[dict[Any, list[Any]]]
    behind: list[tuple[int, Decimal]]
    late_starts: list[int]
    chain_sums: list[tuple[Any, ...]] | None = None
    subsets: dict[str, SubsetSums] | None = None


def _find(
    entries: QuerySet[ProgrammeEntry],
    flags: dict[str, Q],
    *,
    judged: Q,
    month: int,
    behind_limit: int,
    late_start_limit: int,
    chains: dict[str, Q] | None = None,
    subsets: dict[str, Subset] | None = None,
) -> _Found:
    """The sums by kind, level, category, unit and street, and the two lists.

    PostgreSQL: one statement. The per-project rows (the query Django builds for ``entries``, with
    0/1 flags) are materialised once; GROUPING SETS sums every dimension in one pass, and the two
    lists are the first rows of that set in their order. Elsewhere (SQLite): the rows grouped by
    all five dimensions at once and folded here, and the two lists queried on their own."""
    if connection.vendor == "postgresql":
        return _find_postgresql(
            entries,
            flags,
            judged=judged,
            month=month,
            behind_limit=behind_limit,
            late_start_limit=late_start_limit,
            chains=chains,
            subsets=subsets,
        )
    groups = (
        entries.order_by()
        .values_list(*DIMENSIONS)
        .annotate(
            n=Count("id"),
            total=Sum("project__total_investment"),
            planned=Sum("planned_investment"),
            ytd=Sum("latest_ytd"),
            **{f"flag_{name}": Count("id", filter=flags[name]) for name in FLAGS},
        )
    )
    tables: list[dict[Any, list[Any]]] = [{} for _ in DIMENSIONS]
    for row in groups:
        values = row[len(DIMENSIONS) :]
        for table, key in zip(tables, row[: len(DIMENSIONS)], strict=True):
            sums = table.get(key)
            table[key] = list(values) if sums is None else list(map(operator.add, sums, values))
    ratio = ExpressionWrapper(
        Cast("latest_ytd", FloatField()) / Cast("planned_investment", FloatField()), output_field=FloatField()
    )
    behind = list(
        entries.filter(flags["behind"])
        .annotate(ratio=ratio)
        .order_by("ratio", "-planned_investment", "serial", "id")
        .values_list("pk", "latest_ytd")[: max(behind_limit, 0)]
    )
    late = list(
        entries.filter(flags["due"] & ~flags["started"])
        .order_by("planned_start_month", "-planned_investment", "serial", "id")
        .values_list("pk", flat=True)[: max(late_start_limit, 0)]
    )
    return _Found(tables, behind, late)


def _find_postgresql(
    entries: QuerySet[ProgrammeEntry],
    flags: dict[str, Q],
    *,
    judged: Q,
    month: int,
    behind_limit: int,
    late_start_limit: int,
    chains: dict[str, Q] | None = None,
    subsets: dict[str, Subset] | None = None,
) -> _Found:
    # "behind" needs the year-to-date twice over; the rows carry whether a project is judged at
    # all, and the comparison with the time progress is made on the materialised year-to-date.
    conditions = {**flags, "behind": judged}
    one = {
        f"flag_{name}": Case(
            When(conditions[name], then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        for name in FLAGS
    }
    # With ``chains``: the industry chain and its conditions (0/1) too, summed as one more set.
    chain_flags = {
        f"xf_chain_{name}": Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())
        for name, q in (chains or {}).items()
    }
    chain_columns = ["project__chain_id", *chain_flags] if chains is not None else []
    # With ``subsets``: per subset, whether the row is in it (0/1) and its value, when summed.
    named = list((subsets or {}).items())
    subset_columns: dict[str, Any] = {}
    subset_names: list[str] = []  # their names in the statement (see _subsets_sql)
    for k, (_name, subset) in enumerate(named):
        if subset.where:
            subset_columns[f"xf_subset_{k}"] = Case(
                When(subset.where, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
            subset_names.append(f"sw{k}")
        if subset.value is not None:
            subset_columns[f"xf_subset_value_{k}"] = subset.value
            subset_names.append(f"sv{k}")
        elif subset.shortfall is not None:
            raise ValueError("a subset's shortfall needs its value")
    rows = (
        entries.order_by()
        .annotate(dim_total=F("project__total_investment"), **one, **chain_flags, **subset_columns)
        .values_list(
            # The subsets' columns first: their own passes over the rows read no further.
            *subset_columns,
            "pk",
            "planned_investment",
            *DIMENSIONS,
            "dim_total",
            "latest_ytd",
            *one,
            "serial",
            "planned_start_month",
            *chain_columns,
        )
    )
    inner, params = rows.query.sql_with_params()
    dims = [f"d{i}" for i in range(len(DIMENSIONS))]
    measures = ["total", "planned", "ytd", *(f"f_{name}" for name in FLAGS)]
    extra = [f"c{i}" for i in range(len(chain_columns))]
    columns = [
        *subset_names,
        "pk",
        "planned",
        *dims,
        "total",
        "ytd",
        *measures[3:],
        "serial",
        "start_month",
        *extra,
    ]
    sets = [f"({d})" for d in dims] + ([f"({', '.join(extra)})"] if extra else [])
    tail = "".join(f", {c}" for c in extra)
    null_tail = ", NULL" * len(extra)
    nulls = ", ".join("NULL" for _ in measures[3:])
    # Behind the time progress: ytd ÷ planned < month ÷ 12, i.e. 12·ytd < month·planned (exact).
    behind = f"(f_behind = 1 AND planned > 0 AND planned * {int(month)} > ytd * 12)"
    sums = [
        f"SUM(CASE WHEN {behind} THEN 1 ELSE 0 END)" if m == "f_behind" else f"SUM({m})" for m in measures
    ]
    subset_ctes, subset_branches = (
        _subsets_sql(named, set(subset_names), n_flags=len(FLAGS), null_tail=null_tail) if named else ("", "")
    )
    sql = f"""
        WITH base ({", ".join(columns)}) AS MATERIALIZED ({inner}){subset_ctes}
        SELECT 'sum', GROUPING({", ".join(dims)}), {", ".join(dims)}, COUNT(*), {", ".join(sums)}{tail}
          FROM base GROUP BY GROUPING SETS ({", ".join(sets)})
        UNION ALL
        SELECT 'behind', ROW_NUMBER() OVER (ORDER BY ytd::float8 / planned::float8, planned DESC, serial, pk),
               NULL, NULL, NULL, pk, NULL, NULL, NULL, NULL, ytd, {nulls}{null_tail}
          FROM (SELECT pk, ytd, planned, serial FROM base WHERE {behind}
                 ORDER BY ytd::float8 / planned::float8, planned DESC, serial, pk LIMIT %s) AS behind
        UNION ALL
        SELECT 'late', ROW_NUMBER() OVER (ORDER BY start_month, planned DESC, serial, pk),
               NULL, NULL, NULL, pk, NULL, NULL, NULL, NULL, NULL, {nulls}{null_tail}
          FROM (SELECT pk, start_month, planned, serial FROM base WHERE f_due = 1 AND f_started = 0
                 ORDER BY start_month, planned DESC, serial, pk LIMIT %s) AS late{subset_branches}
    """
    subset_limits = [max(s.limit, 0) for _name, s in named if s.shortfall is not None]
    n_dims = len(DIMENSIONS)
    tables: list[dict[Any, list[Any]]] = [{} for _ in DIMENSIONS]
    behind_rows: list[tuple[int, int, Decimal]] = []
    late: list[tuple[int, int]] = []
    chain_sums: list[tuple[Any, ...]] | None = [] if extra else None
    n_sums = 1 + len(measures)  # COUNT(*) and the measures
    found_subsets: dict[str, SubsetSums] = {}
    subset_rows: list[tuple[int, int, int, Decimal, Decimal]] = []  # subset, rank, pk, planned, value
    with transaction.atomic(), connection.cursor() as cursor:
        # For this statement only: no JIT (the planner prices the rarely-run fallback subquery of
        # every row, crosses jit_above_cost, and compiling then costs more than the whole query),
        # and room to keep the per-project rows in memory.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, (*params, max(behind_limit, 0), max(late_start_limit, 0), *subset_limits))
        for row in cursor.fetchall():
            what, mark = row[0], row[1]
            if what == "subset":
                found_subsets[named[mark][0]] = SubsetSums(
                    count=row[7], value=_money(row[10]) if row[10] is not None else ZERO, short=row[11]
                )
            elif what == "subset_row":
                subset_rows.append((row[6], mark, row[5], row[9], row[10]))
            elif what == "sum":
                # GROUPING(...) has a bit per dimension, the first the highest; 0 where grouped by it.
                # All ones: the chains' set (grouped by none of the dimensions).
                index = next((i for i in range(n_dims) if not mark >> (n_dims - 1 - i) & 1), None)
                sums = row[2 + n_dims : 2 + n_dims + n_sums]
                if index is not None:
                    tables[index][row[2 + index]] = list(sums)
                elif chain_sums is not None:
                    chain_sums.append((*row[2 + n_dims + n_sums :], *sums[:4]))
            elif what == "behind":
                behind_rows.append((mark, row[5], row[10]))
            else:
                late.append((mark, row[5]))
    for k, _rank, pk, planned, value in sorted(subset_rows):
        found_subsets[named[k][0]].rows.append((pk, planned, value))
    return _Found(
        tables,
        [(pk, ytd) for _, pk, ytd in sorted(behind_rows)],
        [pk for _, pk in sorted(late)],
        chain_sums,
        found_subsets if named else None,
    )


def _subsets_sql(
    named: list[tuple[str, Subset]], columns: set[str], *, n_flags: int, null_tail: str
) -> tuple[str, str]:
    """The statement's parts for ``subsets`` (see :class:`Subset`) over the materialised rows
    ``base`` (``columns``: ``sw<k>``, in subset k (0/1), absent when it holds every row;
    ``sv<k>``, its value): more common table expressions, and more branches. One pass sums them
    all (one row per subset: ``'subset'``, k, …, count, value, how many fall short); each
    shortfall adds its first rows in order (``'subset_row'``, rank, …, entry id, k, …, planned,
    value), cut at a LIMIT parameter. A shortfall is computed once per row (numeric arithmetic
    costs), in its own materialised table of the subset's rows with a plan."""
    ctes: list[str] = []
    aggregates: list[str] = []
    unpivot: list[str] = []
    branches: list[str] = []
    flag_nulls = ", NULL" * (n_flags - 1)
    for k, (_name, subset) in enumerate(named):
        member = f"sw{k} = 1" if f"sw{k}" in columns else "TRUE"
        aggregates.append(f"COUNT(*) FILTER (WHERE {member}) AS xn{k}")
        aggregates.append(
            f"SUM(sv{k}) FILTER (WHERE {member}) AS xv{k}"
            if subset.value is not None
            else f"NULL::numeric AS xv{k}"
        )
        if subset.shortfall is None:
            aggregates.append(f"0 AS xb{k}")
        else:
            share = int(subset.shortfall)
            ctes.append(
                f"""short{k} AS MATERIALIZED (
            SELECT pk, planned, sv{k} AS value, planned * {share} - sv{k} * 1000 AS short
              FROM base WHERE {member} AND planned > 0)"""
            )
            aggregates.append(f"(SELECT COUNT(*) FROM short{k} WHERE short > 0) AS xb{k}")
            branches.append(
                f"""
        UNION ALL
        SELECT 'subset_row', ROW_NUMBER() OVER (ORDER BY short DESC, pk), NULL, NULL, NULL, pk, {k},
               NULL, NULL, planned, value, NULL{flag_nulls}{null_tail}
          FROM (SELECT pk, planned, value, short FROM short{k} WHERE short > 0
                 ORDER BY short DESC, pk LIMIT %s) AS subset_{k}"""
            )
        unpivot.append(f"({k}, a.xn{k}, a.xv{k}, a.xb{k})")
    aggregate = f"""
        UNION ALL
        SELECT 'subset', u.k, NULL, NULL, NULL, NULL, NULL, u.n, NULL, NULL, u.v, u.b{flag_nulls}{null_tail}
          FROM (SELECT {", ".join(aggregates)} FROM base) AS a
          CROSS JOIN LATERAL (VALUES {", ".join(unpivot)}) AS u (k, n, v, b)"""
    return "".join(f",\n        {cte}" for cte in ctes), aggregate + "".join(branches)


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
    chains: dict[str, Q] | None = None,
    subsets: dict[str, Subset] | None = None,
) -> PeriodStatistics:
    """All the figures of ``period`` as ``user`` may see them, in a fixed number of queries
    (PostgreSQL: five; SQLite: seven) whatever the size of the programme.

    ``chains`` (named conditions on the entries): on PostgreSQL, the same statement also sums the
    entries per industry chain and those conditions (``chain_sums``); elsewhere ``chain_sums`` is None.
    ``subsets`` (named :class:`Subset`): likewise on PostgreSQL, what each sums to (``subsets``);
    elsewhere None (the caller computes them on its own)."""
    scope, _unit = statistics_scope(user=user)
    end = period.end_date
    month = period.month
    tp = time_progress_percent(month)
    entries = _with_figures(_entries(user, period), period)
    new_start = Q(kind=Kind.NEW_START)
    due_q = new_start & Q(planned_start_month__lte=month)
    started_q = new_start & Q(project__actual_start__lte=end)
    not_started_q = Q(project__actual_start__isnull=True) | Q(project__actual_start__gt=end)
    # A project is judged on its investment once it can be: a new start only when due or started.
    judged = ~(
        new_start & (Q(planned_start_month__isnull=True) | Q(planned_start_month__gt=month)) & not_started_q
    )
    handed_in = Q(month_report__status__in=HANDED_IN_STATUSES)
    flags = {
        "new": new_start,
        "due": due_q,
        "started": started_q,
        "started_due": due_q & started_q,
        "behind": judged & Q(planned_investment__gt=0, lag__gt=0),
        "handed_in": handed_in,
        "late": handed_in & Q(month_report__submitted_late=True),
    }

    # 1. Everything by kind, level, category, unit and street, and the two lists, from the database.
    found = _find(
        entries,
        flags,
        judged=judged,
        month=month,
        behind_limit=behind_limit,
        late_start_limit=late_start_limit,
        chains=chains,
        subsets=subsets,
    )
    kind_sums, level_sums, category_sums, unit_sums, street_sums = found.tables

    def figures(key: Any, label: str, sums: list[Any] | None) -> Figures:
        row = Figures(str(key), label)
        if sums:
            (
                row.count,
                row.total_investment,
                row.planned_investment,
                row.invested_ytd,
                row.new_starts,
                row.due_to_start,
                row.started,
                row.started_due,
                row.behind,
            ) = sums[:9]
            for name in ("total_investment", "planned_investment", "invested_ytd"):
                setattr(row, name, _money(getattr(row, name)))
        return row.finish(tp)

    by_kind = [figures(k.value, str(k.label), kind_sums.get(k.value)) for k in Kind]
    by_level = [figures(lv.value, str(lv.label), level_sums.get(lv.value)) for lv in Level]
    by_category = [figures(c.value, str(c.label), category_sums.get(c.value)) for c in Category]
    total = Figures("total", "合计")
    for row in by_kind:
        total.add(row)
    total.finish(tp)

    # 2, 3. Names of the units and streets in the tables, in their usual order.
    unit_rows: list[Figures] = []
    reporting: list[UnitReporting] = []
    for department in Department.objects.filter(pk__in=list(unit_sums)).order_by("order", "code"):
        sums = unit_sums[department.pk]
        unit_rows.append(figures(department.pk, department.name, sums))
        due, handed, late = sums[0], sums[9], sums[10]
        reporting.append(
            UnitReporting(
                unit_id=department.pk,
                label=department.name,
                due=due,
                handed_in=handed,
                late=late,
                missing=due - handed,
            ).finish()
        )
    street_rows = [
        figures(region.pk, region.name, street_sums[region.pk])
        for region in Region.objects.filter(pk__in=[k for k in street_sums if k]).order_by("order", "code")
    ]
    if None in street_sums:
        street_rows.append(figures(NO_STREET, "未标注街道", street_sums[None]))
    reporting_total = UnitReporting(
        unit_id=None,
        label="合计",
        due=sum(u.due for u in reporting),
        handed_in=sum(u.handed_in for u in reporting),
        late=sum(u.late for u in reporting),
        missing=sum(u.missing for u in reporting),
    ).finish()

    # 4. The two lists' projects: the furthest behind the time progress (smallest completion rate
    # first) and the new starts past their planned month not started by the month's end.
    labels = {
        "kind": {k.value: str(k.label) for k in Kind},
        "level": {lv.value: str(lv.label) for lv in Level},
        "category": {c.value: str(c.label) for c in Category},
        "stage": {st.value: str(st.label) for st in Stage},
    }
    wanted = [pk for pk, _ in found.behind] + found.late_starts
    details = (
        {
            row[0]: row
            for row in ProgrammeEntry.objects.filter(pk__in=wanted).values_list(
                "pk",
                "serial",
                "kind",
                "level",
                "planned_investment",
                "planned_start_month",
                "project_id",
                "project__name",
                "project__national_code",
                "project__internal_code",
                "project__category",
                "project__stage",
                "project__lead_unit__name",
            )
        }
        if wanted
        else {}
    )
    behind_rows = []
    for pk, ytd in found.behind:
        _, serial, kind, level, planned, _m, project_id, name, national, internal, category, _s, unit = (
            details[pk]
        )
        rate = percent(ytd, planned)
        rate = ZERO.quantize(ONE_PLACE) if rate is None else rate  # planned > 0 here: never None
        behind_rows.append(
            BehindRow(
                entry_id=pk,
                project_id=project_id,
                serial=serial,
                name=name,
                code=national or internal,
                unit=unit,
                kind=labels["kind"][kind],
                level=labels["level"][level],
                category=labels["category"][category],
                planned_investment=_money(planned),
                invested_ytd=_money(ytd),
                completion_rate=rate,
                gap=tp - rate,
            )
        )
    late_rows = []
    for pk in found.late_starts:
        (
            _,
            serial,
            _k,
            level,
            planned,
            start_month,
            project_id,
            name,
            national,
            internal,
            category,
            stage,
            unit,
        ) = details[pk]
        late_rows.append(
            LateStartRow(
                entry_id=pk,
                project_id=project_id,
                serial=serial,
                name=name,
                code=national or internal,
                unit=unit,
                level=labels["level"][level],
                category=labels["category"][category],
                planned_start_month=start_month,
                months_late=month - start_month,
                planned_investment=_money(planned),
                stage=labels["stage"].get(stage, stage),
            )
        )

    # 5. Whose figures these are.
    if scope == "unit":
        department = user.department if user.department_id else None
        scope_label = department.name if department else ""
    else:
        scope_label = _district_name()
    return PeriodStatistics(
        period=period,
        scope=scope,
        scope_label=scope_label,
        as_of=end,
        time_progress=tp,
        deadline_passed=clock.today() > period.deadline,
        total=total,
        by_kind=by_kind,
        by_level=by_level,
        by_category=by_category,
        by_unit=unit_rows,
        by_street=street_rows,
        behind=behind_rows,
        late_starts=late_rows,
        reporting=reporting,
        reporting_total=reporting_total,
        chain_sums=found.chain_sums,
        subsets=found.subsets,
    )


def chart_data(stats: PeriodStatistics) -> dict[str, Any]:
    """What the statistics page's ECharts draw (plain numbers, JSON-ready)."""

    def num(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    categories = [r for r in stats.by_category if r.count]
    units = [r for r in stats.by_unit if r.planned_investment]
    units.sort(key=lambda r: (r.completion_rate if r.completion_rate is not None else ZERO, r.label))
    return {
        "time_progress": float(stats.time_progress),
        "category": {
            "labels": [r.label for r in categories] + ["全部项目"],
            "rates": [num(r.completion_rate) for r in categories] + [num(stats.total.completion_rate)],
        },
        "unit": {
            "labels": [r.label for r in units],
            "rates": [num(r.completion_rate) for r in units],
        },
        "starts": {
            "labels": [r.label for r in stats.by_level] + ["合计"],
            "new": [r.new_starts for r in stats.by_level] + [stats.total.new_starts],
            "due": [r.due_to_start for r in stats.by_level] + [stats.total.due_to_start],
            "started": [r.started_due for r in stats.by_level] + [stats.total.started_due],
        },
        "reporting": {
            "labels": [r.label for r in stats.reporting],
            "submission": [num(r.submission_rate) for r in stats.reporting],
            "on_time": [num(r.on_time_rate) for r in stats.reporting],
        },
    }
