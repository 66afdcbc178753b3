"""The leaders' cockpit (驾驶舱): every figure of the page, the wall display and the API in one call.

:func:`cockpit_data` gathers, for a user and a reporting period (default: the latest whose month
has ended, as on the statistics page), what the other apps already compute — so the cockpit
never states a figure differently from the page it drills down to:

- the headline, the breakdowns by category, level, unit and street, and the start figures come
  from :func:`xianfeng.dispatch.statistics.period_statistics` (the statistics page's figures);
- the breakdown by industry chain and the pipeline funnel come from one grouped query over the
  same per-project rows (the statistics' own year-to-date expression);
- the monthly curve's actual line is the sum of the per-project year-to-date month by month: the
  series the forecasts store, when it is current (ends on the statistics' figure), else one query
  over the year's reports; its planned line is the forecasts' planned curves when computed, else
  a straight line from 0 to the year's plan; the year-end forecast and its back-test with it;
- the red and yellow lists, the investment forecast and the targets come from
  :mod:`xianfeng.targets.selectors` (``warning_summary``, ``investment_forecast``,
  ``target_board``); warnings and forecasts not yet computed for the period are said to be missing;
  on PostgreSQL the statistics' statement also sums what the targets board would read again from
  the period's programme (``board_subsets``: the computed counts, the investment targets'
  year-to-date and the entries behind), and the board takes it from there;
- the colours of the completion rates follow the pace warning's thresholds as configured
  (:func:`xianfeng.targets.warnings.pace_thresholds`, one query), so a bar and a project's light
  agree; when that rule is disabled, the defaults (10 and 30 points), and the legend says so;
- the open problems come from :func:`xianfeng.coordination.selectors.problems_bulletin_section`
  as of the period's end (the bulletin's figures, without its medians of days to close).

A fixed number of queries whatever the size of the programme.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.coordination.selectors import problems_bulletin_section
from xianfeng.dispatch import statistics as dispatch_statistics
from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import ReportingPeriod
from xianfeng.dispatch.statistics import (
    ZERO,
    Figures,
    PeriodStatistics,
    _entries,
    _jsonable,
    _money,
    _with_figures,
    percent,
)
from xianfeng.org.choices import Role
from xianfeng.org.models import User
from xianfeng.parks.models import IndustryChain
from xianfeng.projects.choices import Kind, Stage
from xianfeng.targets.selectors import (
    InvestmentForecast,
    TargetProgress,
    WarningSummary,
    board_subsets,
    investment_forecast,
    is_year_plan_target,
    target_board,
    target_list,
    url_by_id,
    warning_summary,
)
from xianfeng.targets.warnings import pace_thresholds

# Who may open the cockpit: the district's view, for the project office and the leaders. Unit
# users have their own unit's statistics page; admin and auditor see no business data.
COCKPIT_ROLES = {Role.DISPATCHER, Role.LEADER}
# Colours of a completion rate against the time progress when the pace warning is disabled: its
# defaults, yellow from 10 percentage points behind, red beyond 30. Otherwise its thresholds.
YELLOW_POINTS = Decimal(10)
RED_POINTS = Decimal(30)
LIST_LIMIT = 20  # rows of each of the red and yellow lists shown
OVERDUE_LIMIT = 10  # overdue problems listed
THREAT_LIMIT = 5  # projects listed under each target (with how many there are)
NO_CHAIN = "none"
DONE_STAGES = [Stage.COMPLETED, Stage.OPERATING]


def cockpit_allowed(user: User) -> bool:
    return bool(user.is_authenticated and user.role in COCKPIT_ROLES)


def require_cockpit(user: User) -> None:
    if not cockpit_allowed(user):
        raise PermissionDenied(_("驾驶舱仅供区领导和区项目办调度专员查看"))


# ---------------------------------------------------------------- what the page shows


@dataclass
class Headline:
    projects: int
    total_investment: Decimal  # 万元
    planned_investment: Decimal  # the year's plan, 万元
    invested_ytd: Decimal
    completion_rate: Decimal | None  # %
    time_progress: Decimal  # %
    gap: Decimal | None  # completion rate − time progress, percentage points
    colour: str  # the completion rate's colour (green / yellow / red / none), as the breakdowns'
    new_starts: int
    due_to_start: int
    started_due: int
    started: int
    start_rate: Decimal | None  # started among those due, %
    start_rate_all: Decimal | None  # started among all new starts, %
    targets: int
    targets_met: int
    targets_at_risk: int  # at risk or missed
    open_problems: int
    overdue_problems: int
    escalated_problems: int
    red: int | None  # None: the warnings are not computed for the period
    yellow: int | None


@dataclass
class FunnelStage:
    key: str
    label: str
    count: int
    total_investment: Decimal
    planned_investment: Decimal
    note: str
    url: str


@dataclass
class Curve:
    months: list[int]
    planned: list[Decimal]  # cumulative, months 1–12
    actual: list[Decimal | None]  # cumulative, up to the period's month; None after
    forecast: list[Decimal | None]  # the forecasts' path to the year end (None where there is none)
    planned_source: str  # "forecast" (the planned curves) or "linear"
    annual_plan: Decimal
    year_end_forecast: Decimal | None
    year_end_forecast_rate: Decimal | None  # % of the annual plan
    spi: Decimal | None
    backtest_error: Decimal | None  # mean absolute error of the back-test, %
    backtest_month: int | None  # the month whose actual the back-test forecasts
    backtest: list[BacktestPoint]  # the forecast made at each earlier month, and its error


@dataclass
class BacktestPoint:
    made_month: int
    forecast: Decimal
    actual: Decimal
    error_percent: Decimal | None


@dataclass
class LegendItem:
    colour: str
    text: str


@dataclass
class ColourScale:
    """How a completion rate is coloured by how far it is behind the time progress: yellow from
    ``yellow_points`` behind, red beyond ``red_points`` (the pace warning's own comparisons)."""

    yellow_points: Decimal
    red_points: Decimal
    pace_rule_enabled: bool  # False: the pace warning is disabled and the defaults colour
    legend: list[LegendItem]
    note: str  # "" or why the defaults colour

    def colour_of(self, gap: Decimal | None) -> str:
        return colour_of(gap, yellow=self.yellow_points, red=self.red_points)


@dataclass
class BreakdownRow:
    key: str
    label: str
    count: int
    planned_investment: Decimal
    invested_ytd: Decimal
    completion_rate: Decimal | None
    gap: Decimal | None
    colour: str  # green / yellow / red / none
    url: str  # the project list filtered to these projects ("" when it cannot be filtered)


@dataclass
class WarningRow:
    project_id: int
    name: str
    unit: str
    kind: str
    colour: str
    previous_colour: str
    reasons: list[str]
    url: str


@dataclass
class WarningPanel:
    red: int
    yellow: int
    green: int
    red_rows: list[WarningRow]
    yellow_rows: list[WarningRow]
    url: str


@dataclass
class ThreatRow:
    project_id: int | None
    name: str
    unit: str
    reason: str
    url: str


@dataclass
class TargetRow:
    id: int
    name: str
    deadline: dt.date | None
    unit_of_measure: str
    current: Decimal | None
    target_value: Decimal | None
    progress_percent: Decimal | None
    expected_percent: Decimal | None
    status: str
    status_label: str
    reason: str
    probability_percent: Decimal | None
    verdict: str
    verdict_label: str
    expected_value: Decimal | None  # the Monte Carlo's mean at the deadline (模拟均值), in the target's unit
    # The year's plan target only (完成年度计划投资): the year-end investment forecast by the SPI
    # method (the curve's), in the target's unit (万元), to be read beside the simulated mean.
    spi_year_end: Decimal | None
    threats: list[ThreatRow]
    threat_count: int
    url: str


@dataclass
class ProblemTypeRow:
    type: str
    label: str
    open: int
    overdue: int
    url: str


@dataclass
class OverdueProblem:
    id: int
    title: str
    project: str
    unit: str
    deadline: dt.date
    working_days_late: int
    level: str
    url: str


@dataclass
class ProblemPanel:
    open: int
    overdue: int
    escalated: int
    raised_ytd: int
    closed_ytd: int
    close_rate: Decimal | None
    by_type: list[ProblemTypeRow]
    overdue_rows: list[OverdueProblem]
    url: str
    overdue_url: str


@dataclass
class Cockpit:
    period: ReportingPeriod
    periods: list[ReportingPeriod]
    as_of: dt.date
    scope_label: str
    time_progress: Decimal
    headline: Headline
    funnel: list[FunnelStage]
    curve: Curve
    breakdowns: dict[str, list[BreakdownRow]]
    warnings: WarningPanel | None
    targets: list[TargetRow]
    problems: ProblemPanel
    thresholds: ColourScale
    missing: list[str] = field(default_factory=list)  # "warnings", "forecast": not computed yet

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (Decimals as strings, dates ISO): the API's answer, the wall display's feed."""
        period = self.period
        return _jsonable(
            {
                "period": {
                    "key": period.key,
                    "year": period.year,
                    "month": period.month,
                    "label": period.label,
                },
                "periods": [{"key": p.key, "label": p.label} for p in self.periods],
                "as_of": self.as_of,
                "scope_label": self.scope_label,
                "time_progress": self.time_progress,
                "headline": asdict(self.headline),
                "funnel": [asdict(s) for s in self.funnel],
                "curve": asdict(self.curve),
                "breakdowns": {k: [asdict(r) for r in rows] for k, rows in self.breakdowns.items()},
                "warnings": asdict(self.warnings) if self.warnings is not None else None,
                "targets": [asdict(t) for t in self.targets],
                "problems": asdict(self.problems),
                "thresholds": asdict(self.thresholds),
                "missing": self.missing,
            }
        )


# ---------------------------------------------------------------- helpers


def colour_of(gap: Decimal | None, *, yellow: Decimal = YELLOW_POINTS, red: Decimal = RED_POINTS) -> str:
    """A completion rate's colour by its gap to the time progress (percentage points, negative when
    behind), compared as the pace warning compares: ``yellow`` or more behind is yellow, more than
    ``red`` behind is red."""
    if gap is None:
        return "none"
    behind = -gap
    if behind > red:
        return "red"
    if behind >= yellow:
        return "yellow"
    return "green"


def _points(value: Decimal) -> str:
    """15.0 → "15", 12.5 → "12.5"."""
    return f"{value.normalize():f}"


def colour_scale() -> ColourScale:
    """The pace warning's thresholds (one query) and the legend in words; the defaults when the
    rule is disabled."""
    rule = pace_thresholds()
    yellow, red = (rule.yellow_at, rule.red_at) if rule.enabled else (YELLOW_POINTS, RED_POINTS)
    y, r = _points(yellow), _points(red)
    # With a yellow threshold of 0 even a rate level with the time progress is yellow.
    green = _("不落后或落后不足 %(y)s 个百分点") % {"y": y} if yellow > 0 else _("超前于时间进度")
    return ColourScale(
        yellow_points=yellow,
        red_points=red,
        pace_rule_enabled=rule.enabled,
        legend=[
            LegendItem("green", green),
            LegendItem("yellow", _("落后 %(y)s–%(r)s 个百分点") % {"y": y, "r": r}),
            LegendItem("red", _("落后超过 %(r)s 个百分点") % {"r": r}),
        ],
        note="" if rule.enabled else _("投资进度预警规则已停用，按默认阈值着色"),
    )


def project_list_url(year: int, *, base: str | None = None, **filters: Any) -> str:
    """The registry's list filtered (ProjectFilters' query parameters); ``base``: the list's path,
    when already reversed."""
    params = {"year": year, **{k: v for k, v in filters.items() if v not in (None, "")}}
    return f"{base or reverse('projects:list')}?{urlencode(params)}"


def _row(key: str, label: str, figures: Figures, url: str, scale: ColourScale) -> BreakdownRow:
    return BreakdownRow(
        key=key,
        label=label,
        count=figures.count,
        planned_investment=figures.planned_investment,
        invested_ytd=figures.invested_ytd,
        completion_rate=figures.completion_rate,
        gap=figures.gap,
        colour=scale.colour_of(figures.gap),
        url=url,
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


# ---------------------------------------------------------------- chains and the funnel


@dataclass
class _Group:
    count: int = 0
    total: Decimal = ZERO
    planned: Decimal = ZERO
    ytd: Decimal = ZERO
    building: int = 0
    building_total: Decimal = ZERO
    building_planned: Decimal = ZERO
    done: int = 0
    done_total: Decimal = ZERO
    done_planned: Decimal = ZERO


def _funnel_conditions(period: ReportingPeriod) -> dict[str, Q]:
    """The funnel's two later stages: under construction at the month's end (a continuing project
    or a new start started by then) and completed (finished by then)."""
    end = period.end_date
    return {
        "building": Q(kind=Kind.CONTINUING) | Q(kind=Kind.NEW_START, project__actual_start__lte=end),
        "done": Q(project__actual_completion__lte=end)
        | Q(project__actual_completion__isnull=True, project__stage__in=DONE_STAGES),
    }


def _chain_groups(user: User, period: ReportingPeriod) -> dict[int | None, _Group]:
    """Per industry chain: counts and sums over the period's programme with the statistics'
    year-to-date (:func:`dispatch.statistics._with_figures`), and the funnel's two later stages
    (:func:`_funnel_conditions`). One query (on PostgreSQL the statistics' statement sums the same
    rows: :func:`cockpit_data` uses those)."""
    conditions = _funnel_conditions(period)
    building, done = conditions["building"], conditions["done"]
    one = IntegerField()
    rows = (
        _with_figures(_entries(user, period), period)
        .order_by()
        .annotate(
            f_building=Case(When(building, then=Value(1)), default=Value(0), output_field=one),
            f_done=Case(When(done, then=Value(1)), default=Value(0), output_field=one),
        )
        .values_list("project__chain_id", "f_building", "f_done")
        .annotate(
            n=Count("id"),
            total=Sum("project__total_investment"),
            planned=Sum("planned_investment"),
            ytd=Sum("latest_ytd"),
        )
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # As the statistics' statement: no JIT for the rarely-run fallback subquery of every row.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        found = list(rows)
    return _fold_chains(found)


def _fold_chains(found: list[tuple[Any, ...]]) -> dict[int | None, _Group]:
    """Rows (chain id, building 0/1, done 0/1, count, total, planned, year-to-date) per chain."""
    groups: dict[int | None, _Group] = {}
    for chain_id, is_building, is_done, n, total, planned, ytd in found:
        group = groups.setdefault(chain_id, _Group())
        total, planned = total or ZERO, planned or ZERO
        group.count += n
        group.total += total
        group.planned += planned
        group.ytd += ytd or ZERO
        if is_building:
            group.building += n
            group.building_total += total
            group.building_planned += planned
        if is_done:
            group.done += n
            group.done_total += total
            group.done_planned += planned
    return groups


def _chain_rows(
    groups: dict[int | None, _Group], year: int, tp: Decimal, scale: ColourScale
) -> list[BreakdownRow]:
    chains = IndustryChain.objects.filter(pk__in=[k for k in groups if k]).order_by("order", "code")
    base = reverse("projects:list")
    rows = []
    for chain in chains:
        group = groups[chain.pk]
        figures = Figures(
            str(chain.pk), chain.name, count=group.count, planned_investment=_money(group.planned)
        )
        figures.invested_ytd = _money(group.ytd)
        rows.append(
            _row(
                str(chain.pk),
                chain.name,
                figures.finish(tp),
                project_list_url(year, base=base, chain=chain.pk),
                scale,
            )
        )
    if None in groups:
        group = groups[None]
        figures = Figures(
            NO_CHAIN, _("未归属产业链"), count=group.count, planned_investment=_money(group.planned)
        )
        figures.invested_ytd = _money(group.ytd)
        rows.append(_row(NO_CHAIN, _("未归属产业链"), figures.finish(tp), "", scale))
    return rows


def _funnel(stats: PeriodStatistics, groups: dict[int | None, _Group], year: int) -> list[FunnelStage]:
    kinds = {r.key: r for r in stats.by_kind}
    early = [kinds[Kind.STRATEGIC.value], kinds[Kind.RESERVE.value]]
    new = kinds[Kind.NEW_START.value]
    whole = _Group()
    for group in groups.values():
        for name in ["building", "building_total", "building_planned", "done", "done_total", "done_planned"]:
            setattr(whole, name, getattr(whole, name) + getattr(group, name))
    return [
        FunnelStage(
            key="early",
            label=_("谋划/储备"),
            count=sum(r.count for r in early),
            total_investment=_money(sum((r.total_investment for r in early), ZERO)),
            planned_investment=_money(sum((r.planned_investment for r in early), ZERO)),
            note=_("谋划 %(a)s 个，储备 %(b)s 个") % {"a": early[0].count, "b": early[1].count},
            url=f"{reverse('projects:board')}?{urlencode({'year': year})}",
        ),
        FunnelStage(
            key="new_start",
            label=_("新开工"),
            count=new.count,
            total_investment=new.total_investment,
            planned_investment=new.planned_investment,
            note=_("已开工 %(a)s 个，应开工 %(b)s 个") % {"a": new.started, "b": new.due_to_start},
            url=project_list_url(year, kind=Kind.NEW_START.value),
        ),
        FunnelStage(
            key="building",
            label=_("续建/在建"),
            count=whole.building,
            total_investment=_money(whole.building_total),
            planned_investment=_money(whole.building_planned),
            note=_("续建 %(a)s 个，新开工已开工 %(b)s 个")
            % {"a": kinds[Kind.CONTINUING.value].count, "b": new.started},
            url=project_list_url(year, stage=Stage.CONSTRUCTION.value),
        ),
        FunnelStage(
            key="done",
            label=_("竣工投产"),
            count=whole.done,
            total_investment=_money(whole.done_total),
            planned_investment=_money(whole.done_planned),
            note=_("截至月底已竣工或投产"),
            url=project_list_url(year, stage=Stage.COMPLETED.value),
        ),
    ]


# ---------------------------------------------------------------- the monthly curve


def _actual_by_month(user: User, period: ReportingPeriod) -> list[Decimal]:
    """Cumulative investment completed at the end of each month 1…period.month: per project, the
    year-to-date of its latest handed-in report up to that month (the statistics' rule), summed.

    One query: each handed-in report adds its year-to-date less the project's previous handed-in
    year-to-date (a year-to-date never falls), so the running sum of those steps month by month is
    the sum of every project's latest year-to-date. It reads every report of the year; the
    forecasts store the same series (:func:`_stored_actual`), which is used when it is current."""
    from xianfeng.dispatch.models import MonthlyReport

    # The reports of the period's programme (not archived, not cancelled), scoped like its entries.
    # Joined straight to the projects, not through an IN over the entries: the planner then hashes
    # the few periods instead of probing the reports once per entry and month.
    reports = (
        MonthlyReport.objects.restrict(user, "view")
        .filter(
            period__year=period.year,
            period__month__lte=period.month,
            status__in=HANDED_IN_STATUSES,
            project__archived_at__isnull=True,
        )
        .exclude(project__stage=Stage.CANCELLED)
        .order_by()
        .annotate(
            xf_entry=F("entry_id"),
            xf_month=F("period__month"),
            xf_ytd=F("invested_ytd"),
        )
        .values_list("xf_entry", "xf_month", "xf_ytd")
    )
    inner, params = reports.query.sql_with_params()
    sql = f"""
        SELECT xf_month, SUM(step) FROM (
            SELECT xf_month,
                   xf_ytd - COALESCE(LAG(xf_ytd) OVER (PARTITION BY xf_entry ORDER BY xf_month), 0) AS step
              FROM ({inner}) AS r
        ) AS steps GROUP BY xf_month
    """
    by_month: dict[int, Decimal] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '32MB'")  # sort the reports in memory
        cursor.execute(sql, params)
        for month, step in cursor.fetchall():
            by_month[int(month)] = _decimal(step) or ZERO
    running = ZERO
    result = []
    for month in range(1, period.month + 1):
        running += by_month.get(month, ZERO)
        result.append(_money(running))
    return result


def _stored_actual(
    forecast: InvestmentForecast | None, period: ReportingPeriod, live: Decimal
) -> list[Decimal] | None:
    """The forecasts' stored actual series (the district's, the same rule as :func:`_actual_by_month`)
    when it is current: computed for this period and ending on the live year-to-date. Reports
    handed in since the last recompute make it stale; then None (and the live query is used).
    A change to an earlier month that leaves the period's total as it was (a June report returned
    and handed in again with the same figure) is seen at the next daily recompute."""
    if forecast is None or not forecast.computed:
        return None
    by_month = {p.month: p.actual for p in forecast.series}
    if any(by_month.get(m) is None for m in range(1, period.month + 1)):
        return None
    series = [_money(by_month[m]) for m in range(1, period.month + 1)]
    return series if series[-1] == live else None


def _curve(stats: PeriodStatistics, forecast: InvestmentForecast | None, actual: list[Decimal]) -> Curve:
    """Planned against actual, cumulative. The planned line is the forecasts' planned curves (each
    project's plan spread by its type's curve) when they are computed, else a straight line."""
    plan = stats.total.planned_investment
    months = list(range(1, 13))
    by_month = {p.month: p for p in forecast.series} if forecast is not None else {}
    computed = forecast is not None and all(m in by_month for m in months)
    if computed:
        planned = [_money(by_month[m].planned) for m in months]
        forecast_line = [
            _money(by_month[m].forecast) if by_month[m].forecast is not None else None for m in months
        ]
    else:
        planned = [_money(plan * m / 12) for m in months]
        forecast_line = [None] * 12
    return Curve(
        months=months,
        planned=planned,
        actual=[*actual, *([None] * (12 - len(actual)))],
        forecast=forecast_line,
        planned_source="forecast" if computed else "linear",
        annual_plan=plan,
        year_end_forecast=_money(forecast.year_end) if computed and forecast else None,
        year_end_forecast_rate=percent(forecast.year_end, plan) if computed and forecast else None,
        spi=forecast.spi if computed and forecast else None,
        backtest_error=forecast.mean_absolute_error if computed and forecast else None,
        backtest_month=forecast.backtest_target_month if computed and forecast else None,
        backtest=[
            BacktestPoint(
                made_month=row.made_month,
                forecast=_money(row.forecast),
                actual=_money(row.actual),
                error_percent=row.error_percent,
            )
            for row in (forecast.backtest if computed and forecast else [])
        ],
    )


# ---------------------------------------------------------------- warnings and targets (targets app)


def _warning_panel(summary: WarningSummary) -> WarningPanel:
    def rows(items: list[Any]) -> list[WarningRow]:
        return [
            WarningRow(
                project_id=item.project_id,
                name=item.name,
                unit=item.unit,
                kind=item.kind_label,
                colour=item.colour,
                previous_colour=item.previous_colour,
                reasons=list(item.reasons),
                url=item.url,
            )
            for item in items[:LIST_LIMIT]
        ]

    return WarningPanel(
        red=summary.red,
        yellow=summary.yellow,
        green=summary.green,
        red_rows=rows(summary.red_rows),
        yellow_rows=rows(summary.yellow_rows),
        url=f"{reverse('targets:warnings')}?{urlencode({'period': summary.period.key})}",
    )


def _target_rows(board: list[TargetProgress], spi_year_end: Decimal | None) -> list[TargetRow]:
    """The board's rows; ``spi_year_end``: the curve's year-end forecast (万元), shown on the year's
    plan target beside its simulated mean."""
    detail = url_by_id("targets:detail")
    rows = []
    for progress in board:
        target = progress.target
        # A forecast settled by the deadline (one "run": the actual value) adds nothing to the
        # status badge, and "unlikely 0.0%" next to "missed" reads as a second verdict.
        forecast = progress.forecast if progress.forecast and progress.forecast.samples > 1 else None
        rows.append(
            TargetRow(
                id=target.pk,
                name=target.name,
                deadline=target.deadline,
                unit_of_measure=target.unit_of_measure,
                current=progress.current,
                target_value=progress.target_value,
                progress_percent=progress.progress_percent,
                expected_percent=progress.expected_percent,
                status=str(progress.status),
                status_label=progress.status_label,
                reason=progress.reason,
                probability_percent=forecast.probability_percent if forecast else None,
                verdict=forecast.verdict if forecast else "",
                verdict_label=forecast.verdict_label if forecast else "",
                expected_value=forecast.expected_value if forecast else None,
                spi_year_end=spi_year_end if is_year_plan_target(target) else None,
                threats=[
                    ThreatRow(
                        project_id=t.project_id,
                        name=t.project_name,
                        unit=t.unit_name,
                        reason=t.reason,
                        url=t.url,
                    )
                    for t in progress.threats[:THREAT_LIMIT]
                ],
                threat_count=progress.threat_count,
                url=detail(target.pk),
            )
        )
    return rows


# ---------------------------------------------------------------- problems


def _problem_panel(user: User, as_of: dt.date) -> ProblemPanel:
    # The cockpit shows no days to close: the bulletin's medians are not read.
    section = problems_bulletin_section(user=user, as_of=as_of, overdue_limit=OVERDUE_LIMIT, medians=False)
    board = reverse("coordination:board")
    detail = url_by_id("coordination:problem_detail")
    return ProblemPanel(
        open=section.open,
        overdue=section.overdue,
        escalated=section.escalated,
        raised_ytd=section.raised_ytd,
        closed_ytd=section.closed_ytd,
        close_rate=section.close_rate,
        by_type=[
            ProblemTypeRow(
                type=row.type,
                label=row.label,
                open=row.open,
                overdue=row.overdue,
                url=f"{board}?{urlencode({'status': 'active', 'type': row.type})}",
            )
            for row in section.by_type
            if row.open
        ],
        overdue_rows=[
            OverdueProblem(
                id=row.problem_id,
                title=row.title,
                project=row.project,
                unit=row.unit,
                deadline=row.deadline,
                working_days_late=row.working_days_late,
                level=row.level_label,
                url=detail(row.problem_id),
            )
            for row in section.overdue_list
        ],
        url=f"{board}?status=active",
        overdue_url=f"{board}?status=active&overdue=1",
    )


# ---------------------------------------------------------------- the one call


def cockpit_period(
    *, user: User, key: str | None = None, periods: list[ReportingPeriod] | None = None
) -> tuple[ReportingPeriod, list[ReportingPeriod]]:
    """The period asked for (``YYYY-MM``; 404 if none), else the latest whose month has ended.
    ``periods`` (from ``statistics_periods``) saves a query."""
    from django.http import Http404

    from xianfeng.dispatch.selectors import parse_period_key

    if periods is None:
        periods = dispatch_statistics.statistics_periods(user=user)
    if key:
        parsed = parse_period_key(key)
        if parsed is None:
            raise Http404(_("调度期应写作 YYYY-MM"))
        period = dispatch_statistics.statistics_period(
            user=user, year=parsed[0], month=parsed[1], periods=periods
        )
    else:
        period = dispatch_statistics.statistics_period(user=user, periods=periods)
    return period, periods


def cockpit_data(
    *, user: User, period: ReportingPeriod | None = None, periods: list[ReportingPeriod] | None = None
) -> Cockpit:
    """Every figure of the cockpit for ``period`` (default: the latest whose month has ended)."""
    require_cockpit(user)
    if period is None or periods is None:
        period, periods = cockpit_period(user=user)
    year = period.year
    # The statistics' two project lists are not shown here: not asked for.
    # On PostgreSQL its statement also sums the chains and the funnel's stages (one scan, not two).
    # The targets' figures over the period's programme are summed by the same statement too.
    target_rows = list(target_list(user=user, year=year))
    stats = dispatch_statistics.period_statistics(
        user=user,
        period=period,
        behind_limit=0,
        late_start_limit=0,
        chains=_funnel_conditions(period),
        subsets=board_subsets(user=user, targets=target_rows, period=period, threat_limit=THREAT_LIMIT),
    )
    tp = stats.time_progress
    total = stats.total
    missing: list[str] = []

    groups = _fold_chains(stats.chain_sums) if stats.chain_sums is not None else _chain_groups(user, period)

    forecast = investment_forecast(user=user, year=year, month=period.month, lowest=0)
    if not forecast.computed:
        missing.append("forecast")
    actual = _stored_actual(forecast, period, total.invested_ytd) or _actual_by_month(user, period)
    curve = _curve(stats, forecast, actual)
    summary = warning_summary(user=user, period=period, limit=LIST_LIMIT)
    warnings = _warning_panel(summary) if summary.computed else None
    if warnings is None:
        missing.append("warnings")
    targets = _target_rows(
        target_board(
            user=user,
            year=year,
            as_of=period.end_date,
            threat_limit=THREAT_LIMIT,
            targets=target_rows,
            sums=stats.subsets,
        ),
        curve.year_end_forecast,
    )
    problems = _problem_panel(user, period.end_date)

    scale = colour_scale()

    met = sum(1 for t in targets if t.status == "met")
    at_risk = sum(1 for t in targets if t.status in ("at_risk", "missed"))
    headline = Headline(
        projects=total.count,
        total_investment=total.total_investment,
        planned_investment=total.planned_investment,
        invested_ytd=total.invested_ytd,
        completion_rate=total.completion_rate,
        time_progress=tp,
        gap=total.gap,
        colour=scale.colour_of(total.gap),
        new_starts=total.new_starts,
        due_to_start=total.due_to_start,
        started_due=total.started_due,
        started=total.started,
        start_rate=total.start_rate,
        start_rate_all=total.start_rate_all,
        targets=len(targets),
        targets_met=met,
        targets_at_risk=at_risk,
        open_problems=problems.open,
        overdue_problems=problems.overdue,
        escalated_problems=problems.escalated,
        red=warnings.red if warnings else None,
        yellow=warnings.yellow if warnings else None,
    )
    base = reverse("projects:list")

    def list_url(**filters: Any) -> str:
        return project_list_url(year, base=base, **filters)

    breakdowns = {
        "category": [
            _row(r.key, r.label, r, list_url(category=r.key), scale) for r in stats.by_category if r.count
        ],
        "level": [_row(r.key, r.label, r, list_url(level=r.key), scale) for r in stats.by_level if r.count],
        "unit": [_row(r.key, r.label, r, list_url(unit=r.key), scale) for r in stats.by_unit],
        "street": [
            _row(
                r.key,
                r.label,
                r,
                "" if r.key == dispatch_statistics.NO_STREET else list_url(street=r.key),
                scale,
            )
            for r in stats.by_street
        ],
        "chain": _chain_rows(groups, year, tp, scale),
    }
    return Cockpit(
        period=period,
        periods=periods,
        as_of=stats.as_of,
        scope_label=stats.scope_label,
        time_progress=tp,
        headline=headline,
        funnel=_funnel(stats, groups, year),
        curve=curve,
        breakdowns=breakdowns,
        warnings=warnings,
        targets=targets,
        problems=problems,
        thresholds=scale,
        missing=missing,
    )
