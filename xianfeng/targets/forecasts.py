"""Investment forecasts (投资预测): planned curves, SPI, the year-end forecast and its back-test.

The method, decided once:

- **Planned value by month.** Each project's annual plan is spread over its *window*: the whole
  year, or — for a new start with a planned start month s — from the start of month s to the
  end of December. x = the share of the window elapsed at the end of month k
  (``(k − w) / (12 − w)``, w = s − 1, clipped to 0…1). The shape comes from the project's
  :class:`~xianfeng.targets.models.PlanCurve` (the most specific of category + kind, kind,
  category, default): linear F(x) = x, or the S-curve F(x) = (L(x) − L(0)) / (L(1) − L(0)) with
  L(x) = 1 / (1 + e^(−k·(x − c))). Planned-to-date P(k) = plan × F, in 万元 to two places.
- **Completed** C(k): the year-to-date of the latest handed-in report up to month k (0 if none),
  as the dispatch statistics count it.
- **SPI** (进度绩效指数) = C(m) ÷ P(m), two places; none when nothing was planned by m.
- **Forecast** made at month m of the value at month t > m: C(m) + (P(t) − P(m)) × SPI′, where
  SPI′ is the SPI bounded to [0.5, 1.5] (1 when there is no SPI yet): a project far behind is
  assumed to do at least half of what remains planned, one far ahead at most one and a half
  times — single months swing too much to extrapolate further. The result lies between C(m)
  and what is left of the project's total investment (total − invested before the year), and
  never below C(m). The year-end forecast is the forecast of t = 12; totals are sums.
- **Back-test**: for the latest month L with actuals (the period recomputed: November in the
  demo; December once it exists), the forecast made at each month m = 1 … L−1 with the data up
  to m (the reports of months ≤ m) of the value at L, against the actual C(L): error % =
  (forecast − actual) ÷ actual, one place; the mean absolute error over the months. Stored for
  the district and for each unit.

:func:`forecasts_recompute` computes a period set-based: the year's facts (two reads, shared with
the warnings), the curves, then bulk writes of the per-project rows, the monthly curve and the
back-test for the district and each unit. :func:`forecasts_refresh` does it for some entries
(those whose reports just changed): their per-project rows, and the curve and back-test of their
units computed again from those units' projects; the district's are the sums of every unit's
(each project counts in exactly one unit), so the other units' stored rows are read, not
recomputed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xianfeng.dispatch.models import ReportingPeriod
from xianfeng.lib.bulk import insert_rows
from xianfeng.projects.choices import Kind
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.targets.choices import CurveShape
from xianfeng.targets.models import ForecastBacktest, ForecastPoint, PlanCurve, ProjectForecast
from xianfeng.targets.warnings import EntryFacts, chunked, lock_period, year_facts

ZERO = Decimal(0)
CENT = Decimal("0.01")
ONE_PLACE = Decimal("0.1")
SPI_FLOOR = Decimal("0.5")
SPI_CEILING = Decimal("1.5")
MONTHS = range(1, 13)


@dataclass(frozen=True)
class CurveSpec:
    shape: str = CurveShape.LINEAR
    steepness: float = 8.0
    midpoint: float = 0.5


def curve_fraction(spec: CurveSpec, x: float) -> float:
    """The share of the plan due when a share ``x`` of the window has elapsed."""
    x = min(max(x, 0.0), 1.0)
    if spec.shape != CurveShape.S_CURVE:
        return x

    def logistic(t: float) -> float:
        return 1.0 / (1.0 + math.exp(-spec.steepness * (t - spec.midpoint)))

    low, high = logistic(0.0), logistic(1.0)
    return (logistic(x) - low) / (high - low)


def window_start(fact: EntryFacts) -> int:
    """w: the months before the project's window opens (a new start's planned month − 1, else 0)."""
    if fact.kind == Kind.NEW_START and fact.planned_start_month:
        return fact.planned_start_month - 1
    return 0


def planned_path(fact: EntryFacts, spec: CurveSpec) -> list[Decimal]:
    """P(0) … P(12): the planned cumulative investment at the end of each month (万元)."""
    w = window_start(fact)
    plan = fact.planned
    path = []
    for k in range(13):
        share = (k - w) / (12 - w) if w < 12 else 1.0
        value = (plan * Decimal(repr(curve_fraction(spec, share)))).quantize(CENT, rounding=ROUND_HALF_UP)
        path.append(min(value, plan))
    path[12] = plan
    return path


def curve_specs() -> dict[tuple[str, str], CurveSpec]:
    return {
        (c.category, c.kind): CurveSpec(c.shape, float(c.steepness), float(c.midpoint))
        for c in PlanCurve.objects.all()
    }


def curve_for(specs: dict[tuple[str, str], CurveSpec], category: str, kind: str) -> CurveSpec:
    for key in [(category, kind), ("", kind), (category, ""), ("", "")]:
        if key in specs:
            return specs[key]
    return CurveSpec()


def spi(completed: Decimal, planned: Decimal) -> Decimal | None:
    if planned <= 0:
        return None
    return (completed / planned).quantize(CENT, rounding=ROUND_HALF_UP)


def bounded_spi(value: Decimal | None) -> Decimal:
    if value is None:
        return Decimal(1)
    return min(max(value, SPI_FLOOR), SPI_CEILING)


def forecast_value(
    *,
    completed: Decimal,
    planned_now: Decimal,
    planned_then: Decimal,
    spi_value: Decimal | None,
    cap: Decimal,
) -> Decimal:
    """The value at a later month: C(m) + (P(t) − P(m)) × SPI′, within [C(m), max(C(m), cap)]."""
    value = completed + (planned_then - planned_now) * bounded_spi(spi_value)
    value = min(value, max(cap, completed))
    return max(value, completed).quantize(CENT, rounding=ROUND_HALF_UP)


def error_percent(forecast: Decimal, actual: Decimal) -> Decimal | None:
    if not actual:
        return None
    return ((forecast - actual) * 100 / actual).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def mean_absolute_error(errors: Sequence[Decimal | None]) -> Decimal | None:
    values = [abs(e) for e in errors if e is not None]
    if not values:
        return None
    return (sum(values, ZERO) / len(values)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- one project


@dataclass
class ProjectPaths:
    """One project's planned path and completed figures, ready for the sums."""

    fact: EntryFacts
    planned: list[Decimal]  # P(0) … P(12)
    completed: list[Decimal]  # C(0) … C(L)
    cap: Decimal

    def forecast_from(self, made: int, then: int) -> Decimal:
        c = self.completed[made]
        return forecast_value(
            completed=c,
            planned_now=self.planned[made],
            planned_then=self.planned[then],
            spi_value=spi(c, self.planned[made]),
            cap=self.cap,
        )


def project_paths(facts: list[EntryFacts], month: int) -> list[ProjectPaths]:
    specs = curve_specs()
    result = []
    for fact in facts:
        spec = curve_for(specs, fact.category, fact.kind)
        completed = [ZERO]
        running = ZERO
        for m in range(1, month + 1):
            value = fact.ytd.get(m)
            if value is not None and value > running:
                running = value
            completed.append(running)
        result.append(
            ProjectPaths(
                fact=fact,
                planned=planned_path(fact, spec),
                completed=completed,
                cap=max(fact.total_investment - fact.invested_before, ZERO),
            )
        )
    return result


# ---------------------------------------------------------------- recomputation


@dataclass
class ForecastResult:
    period: str
    projects: int
    planned: Decimal
    planned_to_date: Decimal
    completed: Decimal
    year_end: Decimal
    mean_absolute_error: Decimal | None


PROJECT_COLUMNS = [
    "entry_id",
    "period_id",
    "project_id",
    "planned_investment",
    "planned_to_date",
    "completed",
    "spi",
    "year_end",
    "computed_at",
]
POINT_COLUMNS = ["period_id", "unit_id", "month", "planned", "actual", "forecast"]
BACKTEST_COLUMNS = [
    "year",
    "target_month",
    "made_month",
    "unit_id",
    "forecast",
    "actual",
    "error_percent",
    "computed_at",
]


def _series() -> list[Decimal]:
    return [ZERO] * 13


@dataclass
class ScopeSums:
    """Month by month (index 1–12), summed over a scope's projects: planned P, actual C (months up
    to the period), forecast (months from the period) and the back-test forecasts of the period's
    value made at each earlier month."""

    planned: list[Decimal] = field(default_factory=_series)
    actual: list[Decimal] = field(default_factory=_series)
    ahead: list[Decimal] = field(default_factory=_series)
    backtest: list[Decimal] = field(default_factory=_series)


def _project_rows(paths: list[ProjectPaths], period: ReportingPeriod, now: Any) -> list[tuple[Any, ...]]:
    """Per project, as of the period (in :data:`PROJECT_COLUMNS` order)."""
    month = period.month
    rows = []
    for p in paths:
        c, pm = p.completed[month], p.planned[month]
        rows.append(
            (
                p.fact.entry_id,
                period.pk,
                p.fact.project_id,
                p.fact.planned,
                pm,
                c,
                spi(c, pm),
                p.forecast_from(month, 12),
                now,
            )
        )
    return rows


def _scope_sums(paths: list[ProjectPaths], month: int, *, district: bool) -> dict[int | None, ScopeSums]:
    """The sums for each unit, and for the district (None) when ``district``."""
    sums: dict[int | None, ScopeSums] = defaultdict(ScopeSums)
    for p in paths:
        spi_now = spi(p.completed[month], p.planned[month])
        forward = [
            forecast_value(
                completed=p.completed[month],
                planned_now=p.planned[month],
                planned_then=p.planned[k],
                spi_value=spi_now,
                cap=p.cap,
            )
            for k in range(month, 13)
        ]
        tested = [p.forecast_from(made, month) for made in range(1, month)]
        for scope in (None, p.fact.unit_id) if district else (p.fact.unit_id,):
            s = sums[scope]
            for k in MONTHS:
                s.planned[k] += p.planned[k]
            for k in range(1, month + 1):
                s.actual[k] += p.completed[k]
            for i, value in enumerate(forward):
                s.ahead[month + i] += value
            for i, value in enumerate(tested):
                s.backtest[1 + i] += value
    return sums


def _figure_rows(
    sums: dict[int | None, ScopeSums], period: ReportingPeriod, now: Any
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[Decimal | None]]:
    """The monthly curve and back-test rows of each scope, and the district's back-test errors."""
    month = period.month
    point_rows = []
    backtest_rows = []
    errors: list[Decimal | None] = []
    for scope, s in sums.items():
        for k in MONTHS:
            point_rows.append(
                (
                    period.pk,
                    scope,
                    k,
                    s.planned[k],
                    s.actual[k] if k <= month else None,
                    s.ahead[k] if k >= month else None,
                )
            )
        for made in range(1, month):
            error = error_percent(s.backtest[made], s.actual[month])
            if scope is None:
                errors.append(error)
            backtest_rows.append(
                (period.year, month, made, scope, s.backtest[made], s.actual[month], error, now)
            )
    return point_rows, backtest_rows, errors


@transaction.atomic
def forecasts_recompute(*, period: ReportingPeriod, facts: list[EntryFacts] | None = None) -> ForecastResult:
    """Per project, the monthly curve and the back-test for ``period``; the period's earlier
    figures are replaced (derived data, recomputed whole)."""
    lock_period(period)
    facts = year_facts(period) if facts is None else facts
    month = period.month
    paths = project_paths(facts, month)
    now = timezone.now()
    project_rows = _project_rows(paths, period, now)
    # The monthly curve and the back-test, for the district (None) and each unit.
    sums = _scope_sums(paths, month, district=True)
    point_rows, backtest_rows, errors = _figure_rows(sums, period, now)

    ProjectForecast.objects.filter(period=period).delete()
    ForecastPoint.objects.filter(period=period).delete()
    ForecastBacktest.objects.filter(year=period.year, target_month=month).delete()
    insert_rows(ProjectForecast, PROJECT_COLUMNS, project_rows)
    insert_rows(ForecastPoint, POINT_COLUMNS, point_rows)
    insert_rows(ForecastBacktest, BACKTEST_COLUMNS, backtest_rows)
    district = sums.get(None, ScopeSums())
    return ForecastResult(
        period=period.key,
        projects=len(project_rows),
        planned=district.planned[12],
        planned_to_date=district.planned[month],
        completed=district.actual[month],
        year_end=district.ahead[12],
        mean_absolute_error=mean_absolute_error(errors),
    )


@dataclass
class ForecastRefresh:
    period: str
    projects: int
    units: int


def entry_units(entry_ids: Collection[int]) -> set[int]:
    """The lead units of the entries' projects."""
    units: set[int] = set()
    for chunk in chunked(entry_ids):
        units.update(
            ProgrammeEntry.objects.filter(pk__in=chunk).values_list("project__lead_unit_id", flat=True)
        )
    return units


def _district_from_units(
    fresh: dict[int | None, ScopeSums], period: ReportingPeriod, units: set[int]
) -> ScopeSums | None:
    """The district's sums: the units just computed plus the other units' stored rows (two
    reads). None when no unit has a project (a full recompute then writes no district row)."""
    month = period.month
    district = ScopeSums()
    found = bool(fresh)
    for s in fresh.values():
        for k in MONTHS:
            district.planned[k] += s.planned[k]
            district.actual[k] += s.actual[k]
            district.ahead[k] += s.ahead[k]
            district.backtest[k] += s.backtest[k]
    others = ForecastPoint.objects.filter(period=period, unit__isnull=False).exclude(
        unit_id__in=sorted(units)
    )
    for k, planned, actual, ahead in others.values_list("month", "planned", "actual", "forecast"):
        found = True
        district.planned[k] += planned
        if k <= month and actual is not None:
            district.actual[k] += actual
        if k >= month and ahead is not None:
            district.ahead[k] += ahead
    tested = ForecastBacktest.objects.filter(
        year=period.year, target_month=month, unit__isnull=False
    ).exclude(unit_id__in=sorted(units))
    for made, value in tested.values_list("made_month", "forecast"):
        district.backtest[made] += value
    return district if found else None


@transaction.atomic
def forecasts_refresh(
    *, period: ReportingPeriod, entry_ids: Collection[int], facts: list[EntryFacts] | None = None
) -> ForecastRefresh | None:
    """Replace the per-project forecasts of ``entry_ids`` for ``period`` (an entry no longer due
    loses its row), the curve and back-test of their units and of the district: the rows come out
    as :func:`forecasts_recompute` would write them, while the other units' rows stay as they
    are. ``facts``: facts read for the period covering every entry of those units. A period whose
    forecasts were never computed is left alone (None), as in :func:`signals_refresh`. A project
    moved to another unit since the last full recompute still counts in its old unit's rows until
    the next one."""
    ids = set(entry_ids)
    if not ids:
        return None
    lock_period(period)
    if not ForecastPoint.objects.filter(period=period).exists():
        return None
    month = period.month
    units = entry_units(ids)
    if facts is None:
        facts = year_facts(period, unit_ids=units)
    paths = project_paths(facts, month)
    units |= {p.fact.unit_id for p in paths}
    now = timezone.now()
    project_rows = _project_rows([p for p in paths if p.fact.entry_id in ids], period, now)
    sums = _scope_sums(paths, month, district=False)
    district = _district_from_units(sums, period, units)
    if district is not None:
        sums[None] = district
    point_rows, backtest_rows, _errors = _figure_rows(sums, period, now)

    stored = ProjectForecast.objects.filter(period=period)
    for chunk in chunked(ids):
        stored.filter(entry_id__in=chunk).delete()
    scopes = Q(unit__isnull=True) | Q(unit_id__in=sorted(units))
    ForecastPoint.objects.filter(scopes, period=period).delete()
    ForecastBacktest.objects.filter(scopes, year=period.year, target_month=month).delete()
    insert_rows(ProjectForecast, PROJECT_COLUMNS, project_rows)
    insert_rows(ForecastPoint, POINT_COLUMNS, point_rows)
    insert_rows(ForecastBacktest, BACKTEST_COLUMNS, backtest_rows)
    return ForecastRefresh(period=period.key, projects=len(project_rows), units=len(units))


# ---------------------------------------------------------------- settings (计划投资曲线), audited


def curve_save(
    *,
    actor: Any,
    category: str,
    kind: str,
    shape: str,
    steepness: Decimal,
    midpoint: Decimal,
) -> PlanCurve:
    """Create or change the curve of a project type (category and/or kind; both blank: the default)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext

    from xianfeng.audit.services import record_create, record_update, snapshot
    from xianfeng.projects.choices import Category

    if not _may_change_settings(actor):
        raise PermissionDenied(gettext("只有调度专员或系统管理员可以修改计划投资曲线"))
    errors = []
    if category and category not in Category.values:
        errors.append(gettext("项目类别“%(v)s”不存在") % {"v": category})
    if kind and kind not in Kind.values:
        errors.append(gettext("建设性质“%(v)s”不存在") % {"v": kind})
    if shape not in CurveShape.values:
        errors.append(gettext("曲线形状“%(v)s”不存在") % {"v": shape})
    if not Decimal("0.1") <= steepness <= Decimal(50):
        errors.append(gettext("陡度 k 应在 0.1–50 之间"))
    if not Decimal(0) <= midpoint <= Decimal(1):
        errors.append(gettext("中点 c 应在 0–1 之间"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        curve = PlanCurve.objects.select_for_update().filter(category=category, kind=kind).first()
        if curve is None:
            curve = PlanCurve.objects.create(
                category=category, kind=kind, shape=shape, steepness=steepness, midpoint=midpoint
            )
            record_create(actor=actor, instance=curve, reason=gettext("新增计划投资曲线"))
            return curve
        before = snapshot(curve)
        curve.shape, curve.steepness, curve.midpoint = shape, steepness, midpoint
        if snapshot(curve) != before:
            curve.version += 1
            curve.save()
            record_update(actor=actor, instance=curve, before=before, reason=gettext("修改计划投资曲线"))
        return curve


def _may_change_settings(user: Any) -> bool:
    from xianfeng.org.choices import Role

    return bool(user.is_authenticated and user.is_active and user.role in (Role.DISPATCHER, Role.ADMIN))
