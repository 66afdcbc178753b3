"""Reads of the targets app.

Targets part (this section): a target's current value at an as-of date, its progress against the
expected progress, status, reason in words, the projects that threaten it and its forecast.

- Progress = (current − baseline) ÷ (target − baseline), in percent, one place half up.
- Expected progress at the as-of date: the share of the time from ``start_date`` to ``deadline``
  elapsed (whole months at a month's end for a target running whole months — so a year's target
  expects 11 ÷ 12 = 91.7 % at the end of November, the dispatch's time progress; otherwise days,
  both ends counted, so the deadline itself is 100 %), bent by the target's curve.
- Status: met when progress reaches 100 %; missed when the as-of date reaches the deadline and it
  has not; at risk when progress is behind the expected by more than ``at_risk_margin`` points;
  also at risk, before the deadline, when the target's forecast stored for the as-of month (the
  Monte Carlo over the projects' own paths shown next to it) gives it less than a 30 % chance
  (难以完成), even with progress within the margin — the reason then says so ("按各项目自身进度
  模拟，完成概率仅0.0%"), so a board never shows 正常推进 beside 难以完成; on track otherwise.
  The cockpit counts at risk and missed together, from these statuses.
- A computed target's value is district-wide (targets are public inside the government); the
  threats listed are only the projects the user may see.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db import models as db
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod, month_end
from xianfeng.dispatch.statistics import Subset, SubsetSums
from xianfeng.dispatch.statistics import percent as _percent
from xianfeng.org.choices import UNIT_ROLES
from xianfeng.org.models import Department, User
from xianfeng.projects.choices import Kind, Level
from xianfeng.projects.links import ProjectLink
from xianfeng.projects.models import ProgrammeEntry, Project
from xianfeng.targets import definitions
from xianfeng.targets.choices import Colour, Curve, Source, TargetStatus, WarningRuleKind
from xianfeng.targets.forecasts import mean_absolute_error
from xianfeng.targets.models import (
    ForecastBacktest,
    ForecastPoint,
    PlanCurve,
    ProjectForecast,
    ProjectSignal,
    Target,
    TargetForecast,
    TargetValue,
    WarningRule,
)
from xianfeng.targets.warnings import reasons_text

ONE_PLACE = Decimal("0.1")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
BOARD_THREATS = 10
DETAIL_THREATS = 200
LIKELY = Decimal(70)
UNLIKELY = Decimal(30)


def _pct(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def fmt_value(value: Decimal | None) -> str:
    """A figure as people write it: 155, 1032, 2150000.5 (no trailing zeros)."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    text = f"{value:f}"
    return text


# ---------------------------------------------------------------- curves


def curve_share(curve: str, t: float, points: list[tuple[float, float]] | None = None) -> float:
    """The share (0–1) of the work expected when a share ``t`` (0–1) of the time has passed."""
    t = min(max(t, 0.0), 1.0)
    if curve == Curve.S_CURVE:
        return t * t * (3 - 2 * t)
    if curve == Curve.FRONT:
        return 1 - (1 - t) ** 2
    if curve == Curve.BACK:
        return t * t
    if curve == Curve.CUSTOM and points:
        nodes = [(0.0, 0.0), *points, (1.0, 1.0)]
        for (x0, y0), (x1, y1) in itertools.pairwise(nodes):
            if x0 <= t <= x1:
                return y0 if x1 == x0 else y0 + (y1 - y0) * (t - x0) / (x1 - x0)
        return 1.0
    return t


def _is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def _elapsed(target: Target, day: dt.date) -> float:
    """The share of the target's time passed by the end of ``day``. Whole months when the target
    runs from a month's first day to a month's end and ``day`` is a month's end, so the expected
    progress of a year's target at the end of November is 11 ÷ 12 — the dispatch's time progress
    (时间进度); otherwise days, both ends counted."""
    start, end = target.start_date, target.deadline
    if start.day == 1 and _is_month_end(end) and _is_month_end(day):
        months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
        return ((day.year * 12 + day.month) - (start.year * 12 + start.month) + 1) / months
    return ((day - start).days + 1) / ((end - start).days + 1)


def custom_points(target: Target) -> list[tuple[float, float]]:
    """The custom curve's nodes as (share of time, share of work), from ``[{date, percent}]``."""
    points: list[tuple[float, float]] = []
    for node in target.curve_points or []:
        day = dt.date.fromisoformat(str(node["date"]))
        points.append((_elapsed(target, day), float(node["percent"]) / 100))
    return sorted(points)


def expected_percent(target: Target, as_of: dt.date) -> Decimal:
    """The progress expected at ``as_of``, in percent, one place."""
    if as_of < target.start_date:
        return Decimal("0.0")
    if as_of >= target.deadline:
        return Decimal("100.0")
    share = curve_share(target.curve, _elapsed(target, as_of), custom_points(target))
    return _pct(Decimal(str(share)) * HUNDRED)


def progress_percent(current: Decimal, baseline: Decimal, goal: Decimal) -> Decimal | None:
    if goal == baseline:
        return None
    return _pct((Decimal(current) - baseline) * HUNDRED / (goal - baseline))


# ---------------------------------------------------------------- what the read functions return


@dataclass
class Threat:
    project_id: int
    project_name: str
    unit_name: str
    reason: str
    url: str
    months_late: int = 0


@dataclass
class TargetForecastView:
    probability_percent: Decimal
    verdict: str
    verdict_label: str
    expected_value: Decimal
    samples: int


@dataclass
class TargetProgress:
    target: Target
    as_of: dt.date
    current: Decimal
    target_value: Decimal
    progress_percent: Decimal | None
    expected_percent: Decimal
    gap_points: Decimal | None
    status: TargetStatus
    status_label: str
    reason: str
    threats: list[Threat] = field(default_factory=list)
    forecast: TargetForecastView | None = None
    baseline: Decimal = ZERO
    denominator: Decimal | None = None
    threat_count: int = 0

    @property
    def bar_percent(self) -> Decimal:
        """The progress bar's width: progress clipped to 0–100."""
        return min(max(self.progress_percent or ZERO, ZERO), HUNDRED)


def verdict_of(probability: Decimal) -> tuple[str, str]:
    if probability >= LIKELY:
        return "likely", _("有望完成")
    if probability >= UNLIKELY:
        return "at_risk", _("存在风险")
    return "unlikely", _("难以完成")


def forecast_view(row: TargetForecast | None) -> TargetForecastView | None:
    if row is None:
        return None
    verdict, label = verdict_of(row.probability)
    return TargetForecastView(
        probability_percent=row.probability,
        verdict=verdict,
        verdict_label=label,
        expected_value=row.expected_value,
        samples=row.samples,
    )


# ---------------------------------------------------------------- current value


def manual_value(values: list[TargetValue], as_of: dt.date, baseline: Decimal) -> Decimal:
    """A manual target's value as of ``as_of``: the latest month ended by then, else the baseline."""
    current = baseline
    for value in sorted(values, key=lambda v: (v.year, v.month)):
        if month_end(value.year, value.month) <= as_of:
            current = value.value
    return current


def current_value(
    target: Target,
    as_of: dt.date,
    values: list[TargetValue] | None = None,
    evaluation: definitions.Evaluation | None = None,
) -> tuple[Decimal, Decimal, Decimal | None]:
    """(current, target value, denominator) of ``target`` at ``as_of`` (``evaluation``: its
    definition already evaluated at ``as_of``)."""
    if target.source == Source.MANUAL:
        if values is None:
            values = list(target.values.all())
        return manual_value(values, as_of, target.baseline_value), target.target_value, None
    result = evaluation or definitions.evaluate(target.definition, as_of)
    goal = target.target_value
    if target.definition.get("target") == "all" and result.denominator is not None:
        goal = result.denominator
    return result.value, goal, result.denominator


# ---------------------------------------------------------------- status and reason


def _date_words(day: dt.date) -> str:
    # Translators: a Django date format (django.utils.dateformat), e.g. "M j, Y".
    return dateformat.format(day, _("Y年n月j日"))


def _then(first: str, second: str) -> str:
    """Two sentences one after the other (run together in Chinese, a space between in English)."""
    return pgettext("two sentences", "%(first)s%(second)s") % {"first": first, "second": second}


def judge(
    target: Target,
    as_of: dt.date,
    current: Decimal,
    goal: Decimal,
    threat_count: int = 0,
    probability: Decimal | None = None,
) -> tuple[TargetStatus, str, Decimal | None, Decimal, Decimal | None]:
    """(status, reason, progress, expected, gap in points). ``probability``: the stored forecast's
    chance (%) that the target is met, shown next to it; below 30 % (难以完成) a target not yet
    due and not yet met is at risk even when its progress is within the margin."""
    baseline = (
        target.baseline_value
        if target.source == Source.MANUAL or not target.definition.get("target")
        else ZERO
    )
    progress = progress_percent(current, baseline, goal)
    expected = expected_percent(target, as_of)
    gap = None if progress is None else _pct(progress - expected)
    unit = target.unit_of_measure
    figures = _("完成 %(current)s%(unit)s，目标 %(goal)s%(unit)s") % {
        "current": fmt_value(current),
        "goal": fmt_value(goal),
        "unit": unit,
    }
    if progress is None:
        return (
            TargetStatus.ON_TRACK,
            _("没有可比的目标：%(figures)s。") % {"figures": figures},
            None,
            expected,
            None,
        )
    day = _date_words(as_of)
    if progress >= HUNDRED:
        reason = _("截至%(day)s已完成目标：%(figures)s，完成进度 %(p)s%%。") % {
            "day": day,
            "figures": figures,
            "p": progress,
        }
        return TargetStatus.MET, reason, progress, expected, gap
    rest = fmt_value(goal - current)
    if as_of >= target.deadline:
        reason = _("完成时限%(deadline)s已到，%(figures)s，尚差 %(rest)s%(unit)s，未完成。") % {
            "deadline": _date_words(target.deadline),
            "figures": figures,
            "rest": rest,
            "unit": unit,
        }
        if threat_count:
            reason = _then(reason, _("有 %(n)s 个项目未达到要求。") % {"n": threat_count})
        return TargetStatus.MISSED, reason, progress, expected, gap
    assert gap is not None
    if gap < -target.at_risk_margin:
        reason = _(
            "截至%(day)s%(figures)s，完成进度 %(p)s%%，应达进度 %(e)s%%，落后 %(g)s 个百分点"
            "（超过风险阈值 %(m)s 个百分点）。"
        ) % {
            "day": day,
            "figures": figures,
            "p": progress,
            "e": expected,
            "g": -gap,
            "m": target.at_risk_margin,
        }
        if threat_count:
            reason = _then(reason, _("有 %(n)s 个项目拖后。") % {"n": threat_count})
        return TargetStatus.AT_RISK, reason, progress, expected, gap
    if probability is not None and probability < UNLIKELY:
        # A computed target is simulated from its projects' own pace; a reported one from the
        # month-on-month growth of its own values (there are no projects behind it).
        if target.source == Source.MANUAL:
            sentence = _(
                "截至%(day)s%(figures)s，完成进度 %(p)s%%，应达进度 %(e)s%%，"
                "但按以往各月的增长模拟，完成概率仅%(prob)s%%，存在风险。"
            )
        else:
            sentence = _(
                "截至%(day)s%(figures)s，完成进度 %(p)s%%，应达进度 %(e)s%%，"
                "但按各项目自身进度模拟，完成概率仅%(prob)s%%，存在风险。"
            )
        reason = sentence % {
            "day": day,
            "figures": figures,
            "p": progress,
            "e": expected,
            "prob": probability,
        }
        if threat_count:
            reason = _then(reason, _("有 %(n)s 个项目拖后。") % {"n": threat_count})
        return TargetStatus.AT_RISK, reason, progress, expected, gap
    reason = _("截至%(day)s%(figures)s，完成进度 %(p)s%%，应达进度 %(e)s%%，正常推进。") % {
        "day": day,
        "figures": figures,
        "p": progress,
        "e": expected,
    }
    return TargetStatus.ON_TRACK, reason, progress, expected, gap


# ---------------------------------------------------------------- threats


def is_start_target(target: Target) -> bool:
    d = target.definition or {}
    return (
        target.source == Source.COMPUTED
        and d.get("entity") == "entries"
        and d.get("measure") == "count"
        and (d.get("date") or {}).get("field") == "actual_start"
        and bool(d.get("denominator"))
    )


def is_investment_target(target: Target) -> bool:
    d = target.definition or {}
    return (
        target.source == Source.COMPUTED
        and d.get("entity") == "entries"
        and d.get("measure") == "sum"
        and d.get("field") == "invested_ytd"
    )


def is_year_plan_target(target: Target) -> bool:
    """An investment target over the whole of its year's programme (完成年度计划投资): its Monte
    Carlo mean and the year-end investment forecast (SPI method) estimate the same sum, so the
    pages put them side by side."""
    d = target.definition or {}
    return (
        is_investment_target(target)
        and not d.get("date")
        and (d.get("filters") or {}) == {"year": target.year}
    )


def _months_between(later: dt.date, year: int, month: int) -> int:
    return (later.year * 12 + later.month) - (year * 12 + month)


def _latest_reports(entry_ids: list[int], as_of: dt.date) -> dict[int, tuple[int, str]]:
    """Per entry: (month, progress text) of its latest handed-in report for a month ended by
    ``as_of``. One query, the latest first: read as plain rows, the first per entry kept."""
    latest: dict[int, tuple[int, str]] = {}
    if not entry_ids:
        return latest
    reports = (
        MonthlyReport.objects.filter(entry_id__in=entry_ids, status__in=HANDED_IN_STATUSES)
        .filter(definitions.period_done_q(as_of))
        .order_by("entry_id", "-period__year", "-period__month")
        .values_list("entry_id", "period__month", "progress_text")
    )
    for entry_id, month, text in reports:
        latest.setdefault(entry_id, (month, text))
    return latest


def _visible(entries: QuerySet[ProgrammeEntry], user: User) -> QuerySet[ProgrammeEntry]:
    """``entries`` cut to those the user may see (the registry's rule, applied in place)."""
    return entries.restrict(user, "view")  # type: ignore[attr-defined]


def _unit_label(unit: Any) -> str:
    return unit.short_name or unit.name


def _sees_all(user: User) -> bool:
    """Whether the user may see every programme entry (the registry's rule adds no condition)."""
    return not ProgrammeEntry.objects.restrict(user, "view").query.where  # type: ignore[attr-defined]


def start_threats(
    *, user: User, target: Target, as_of: dt.date, limit: int, pending_count: int | None = None
) -> tuple[list[Threat], int]:
    """The entries of a start target's "all of them" not started in time as of ``as_of``, most
    overdue first, with why in words; and how many there are in all (``pending_count``: all of
    them less those started, known from the value — used when the user sees every entry). Ordered,
    counted and cut in the database: one query for the list, one for the reports behind it."""
    d = target.definition
    q = definitions.date_q(d, as_of)
    assert q is not None
    pending = _visible(definitions.denominator_rows(d, as_of).exclude(q), user)
    if pending_count is None or not _sees_all(user):
        pending = pending.annotate(xf_count=db.Window(db.Count("pk")))
    else:
        pending = pending.annotate(xf_count=db.Value(pending_count, output_field=db.IntegerField()))
    # Not started yet first, most overdue (earliest planned month) first, no planned month after
    # those; the ones that started too late (nothing left to do) last.
    ranked = pending.annotate(
        started_late=db.Case(
            db.When(project__actual_start__isnull=False, project__actual_start__lte=as_of, then=db.Value(1)),
            default=db.Value(0),
            output_field=db.IntegerField(),
        ),
        no_month=db.Case(
            db.When(planned_start_month__isnull=True, then=db.Value(1)),
            default=db.Value(0),
            output_field=db.IntegerField(),
        ),
    ).order_by(
        "started_late",
        "no_month",
        "year",
        "planned_start_month",
        "-planned_investment",
        "project__name",
        "pk",
    )
    shown = list(
        ranked.select_related("project", "project__lead_unit").only(
            "id",
            "year",
            "planned_start_month",
            "planned_investment",
            "project__id",
            "project__name",
            "project__stage",
            "project__actual_start",
            "project__lead_unit__name",
            "project__lead_unit__short_name",
        )[:limit]
    )
    if not shown:
        return [], 0
    count = int(shown[0].xf_count)
    cutoff = dt.date.fromisoformat(d["date"]["on_or_before"])
    reports = _latest_reports([e.pk for e in shown], as_of)
    detail = url_by_id("projects:detail")
    threats: list[Threat] = []
    for entry in shown:
        project = entry.project
        started = project.actual_start is not None and project.actual_start <= as_of
        late = (
            0
            if entry.planned_start_month is None
            else _months_between(as_of, entry.year, entry.planned_start_month)
        )
        if entry.planned_start_month is None:
            words = _("未定计划开工月份，尚未开工")
        elif started:
            assert project.actual_start is not None
            words = _("计划%(m)s月开工，%(day)s才开工，晚于时限%(cutoff)s") % {
                "m": entry.planned_start_month,
                "day": _date_words(project.actual_start),
                "cutoff": cutoff.isoformat(),
            }
        elif late > 0:
            words = _("计划%(m)s月开工，已逾期%(n)s个月未开工") % {"m": entry.planned_start_month, "n": late}
        elif late == 0:
            words = _("计划%(m)s月开工，本月底前须开工，尚未开工") % {"m": entry.planned_start_month}
        else:
            words = _("计划%(m)s月开工，尚未开工") % {"m": entry.planned_start_month}
        words += _("；项目阶段：%(stage)s") % {"stage": project.get_stage_display()}
        report = reports.get(entry.pk)
        if report is not None:
            text = (report[1] or "").strip().replace("\n", " ")
            words += _("；最近报告（%(m)s月）") % {"m": report[0]}
            if text:
                words += _("：%(text)s") % {"text": text[:40]}
        else:
            words += _("；截至当期没有报送月度报告")
        threats.append(
            Threat(
                project_id=project.pk,
                project_name=project.name,
                unit_name=_unit_label(project.lead_unit),
                reason=words,
                url=detail(project.pk),
                months_late=0 if started else max(late, 0),
            )
        )
    return threats, count


def _decimal(value: Any) -> Decimal:
    """A figure read by hand from the database (SQLite hands back floats)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _investment(
    *,
    user: User,
    target: Target,
    as_of: dt.date,
    expected: Decimal,
    limit: int,
    known: SubsetSums | None = None,
) -> tuple[Decimal, list[Threat], int]:
    """An investment target's value (its year-to-date sum, district-wide) with the entries the
    user may see whose year-to-date is below the expected share of their year's plan — largest
    shortfall first, the first ``limit`` of them — and how many there are. One statement over
    the rows (:func:`definitions.with_ytd`; the sum and the count are window aggregates over
    every row, the behind rows sort first and are cut at ``limit``), one for the reporting period
    it reads, one for the details of those listed. ``known``: the same figures summed by the
    dispatch statistics' statement (:func:`board_subsets`); then only the details are read."""
    if known is not None:
        current, count, listed = known.value, known.short, known.rows[:limit]
    else:
        current, count, listed = _investment_rows(
            user=user, target=target, as_of=as_of, expected=expected, limit=limit
        )
    return current, _investment_threats(listed, expected), count


def _investment_rows(
    *, user: User, target: Target, as_of: dt.date, expected: Decimal, limit: int
) -> tuple[Decimal, int, list[tuple[int, Any, Any]]]:
    """(value, how many are behind, the first ``limit`` of them as (entry id, planned, ytd))."""
    d = target.definition
    visible = ProgrammeEntry.objects.restrict(user, "view")  # type: ignore[attr-defined]
    shown: Any = (
        db.Case(
            db.When(db.Q(pk__in=visible.values("pk")), then=db.Value(1)),
            default=db.Value(0),
            output_field=db.IntegerField(),
        )
        if visible.query.where
        else db.Value(1, output_field=db.IntegerField())
    )
    rows = (
        definitions.with_ytd(definitions.rows(d, as_of).order_by(), as_of)
        .annotate(xf_pk=db.F("pk"), xf_planned=db.F("planned_investment"), xf_shown=shown)
        .values_list("xf_pk", "xf_planned", definitions.YTD, "xf_shown")
    )
    inner, params = rows.query.sql_with_params()
    # Behind: planned × expected ÷ 100 > year-to-date, i.e. planned × 10·expected > 1000 × ytd
    # (expected has one decimal place), for the entries the user may see with a plan. The
    # year-to-date is computed once per row (the inner statement), then compared and summed.
    tenths = int(expected * 10)
    materialized = "MATERIALIZED" if connection.vendor == "postgresql" else ""
    behind = f"xf_shown = 1 AND xf_planned > 0 AND xf_planned * {tenths} > ytd * 1000"
    order = f"xf_planned * {tenths} - ytd * 1000 DESC, xf_pk"
    sql = f"""
        WITH r (xf_pk, xf_planned, ytd, xf_shown) AS {materialized} ({inner})
        SELECT 0, 0, SUM(ytd), SUM(ytd), SUM(CASE WHEN {behind} THEN 1 ELSE 0 END) FROM r
        UNION ALL
        SELECT * FROM (SELECT ROW_NUMBER() OVER (ORDER BY {order}), xf_pk, xf_planned, ytd, 0
                         FROM (SELECT xf_pk, xf_planned, ytd FROM r WHERE {behind}
                                ORDER BY {order} LIMIT %s) AS t) AS top
    """
    with definitions.no_jit(), connection.cursor() as cursor:
        cursor.execute(sql, (*params, max(limit, 1)))
        found = sorted(cursor.fetchall(), key=lambda row: row[0])
    current = _decimal(found[0][3]).quantize(definitions.CENTS)
    count = int(found[0][4] or 0)
    return current, count, [(pk, planned, ytd) for _rank, pk, planned, ytd, _n in found[1 : limit + 1]]


def _investment_threats(listed: list[tuple[int, Any, Any]], expected: Decimal) -> list[Threat]:
    """The listed entries (entry id, planned, year-to-date) with why in words (one query)."""
    share = expected / HUNDRED
    entries_by_pk = (
        ProgrammeEntry.objects.select_related("project", "project__lead_unit").in_bulk(
            [row[0] for row in listed]
        )
        if listed
        else {}
    )
    detail = url_by_id("projects:detail")
    threats = []
    for pk, planned, ytd in listed:
        entry = entries_by_pk[pk]
        planned, ytd = (
            _decimal(planned).quantize(definitions.CENTS),
            _decimal(ytd).quantize(definitions.CENTS),
        )
        rate = _pct(ytd * HUNDRED / planned)
        threats.append(
            Threat(
                project_id=entry.project.pk,
                project_name=entry.project.name,
                unit_name=_unit_label(entry.project.lead_unit),
                reason=_(
                    "年度计划 %(plan)s 万元，完成 %(ytd)s 万元（%(rate)s%%），"
                    "低于应达进度 %(e)s%%，差 %(short)s 万元"
                )
                % {
                    "plan": fmt_value(planned),
                    "ytd": fmt_value(ytd),
                    "rate": rate,
                    "e": expected,
                    "short": fmt_value(planned * share - ytd),
                },
                url=detail(entry.project.pk),
            )
        )
    return threats


# ---------------------------------------------------------------- the read functions


def _progress(
    *,
    user: User,
    target: Target,
    as_of: dt.date,
    values: list[TargetValue] | None,
    forecast: TargetForecast | None,
    threat_limit: int,
    evaluation: definitions.Evaluation | None = None,
    known: SubsetSums | None = None,
) -> TargetProgress:
    expected = expected_percent(target, as_of)
    threats: list[Threat] = []
    count = 0
    if is_investment_target(target):
        # The value and the threats in one pass over the rows.
        current, threats, count = _investment(
            user=user, target=target, as_of=as_of, expected=expected, limit=threat_limit, known=known
        )
        goal, denominator = target.target_value, None
        if current >= goal:
            threats, count = [], 0
    else:
        current, goal, denominator = current_value(target, as_of, values, evaluation)
        if is_start_target(target) and current < goal:
            threats, count = start_threats(
                user=user,
                target=target,
                as_of=as_of,
                limit=threat_limit,
                pending_count=None if denominator is None else int(denominator - current),
            )
    status, reason, progress, expected, gap = judge(
        target, as_of, current, goal, count, forecast.probability if forecast is not None else None
    )
    return TargetProgress(
        target=target,
        as_of=as_of,
        current=current,
        target_value=goal,
        progress_percent=progress,
        expected_percent=expected,
        gap_points=gap,
        status=status,
        status_label=str(status.label),
        reason=reason,
        threats=threats,
        forecast=forecast_view(forecast),
        baseline=target.baseline_value if target.source == Source.MANUAL else ZERO,
        denominator=denominator,
        threat_count=count,
    )


def target_list(*, user: User, year: int | None = None) -> QuerySet[Target]:
    qs = Target.objects.restrict(user, "view").filter(archived_at__isnull=True)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.select_related("owner_unit", "leader")


@dataclass(frozen=True)
class ArchivedTarget:
    target: Target
    archived_at: dt.datetime
    archived_by: str
    reason: str


def target_archived_count(*, user: User, year: int) -> int:
    return Target.objects.restrict(user, "view").filter(year=year, archived_at__isnull=False).count()


def target_archived_list(*, user: User, year: int | None = None) -> list[ArchivedTarget]:
    """The user's archived targets, latest first, each with who archived it and why (from the
    audit record of the archiving)."""
    qs = Target.objects.restrict(user, "view").filter(archived_at__isnull=False)
    if year is not None:
        qs = qs.filter(year=year)
    targets = list(qs.select_related("owner_unit").order_by("-archived_at", "-id"))
    records: dict[str, Any] = {}
    found = ChangeRecord.objects.filter(
        object_type=Target._meta.label,
        object_id__in=[str(t.pk) for t in targets],
        action=ChangeAction.ARCHIVE,
    ).order_by("at", "id")
    for record in found:
        records[record.object_id] = record  # the latest archiving wins
    rows = []
    for target in targets:
        record = records.get(str(target.pk))
        rows.append(
            ArchivedTarget(
                target=target,
                archived_at=target.archived_at,  # type: ignore[arg-type]
                archived_by=(record.actor_name if record else ""),
                reason=(record.reason if record else ""),
            )
        )
    return rows


def target_get(*, user: User, pk: int, action: str = "view") -> Target:
    target = (
        Target.objects.restrict(user, action)  # type: ignore[arg-type]
        .select_related("owner_unit", "leader")
        .filter(pk=pk)
        .first()
    )
    if target is None:
        raise Http404(_("没有该目标，或您无权查看"))
    return target


def _forecasts(targets: list[Target], as_of: dt.date) -> dict[int, TargetForecast]:
    rows = TargetForecast.objects.filter(
        target__in=[t.pk for t in targets], year=as_of.year, month=as_of.month
    )
    return {row.target_id: row for row in rows}


def _subset_key(target: Target, as_of: dt.date, what: str) -> str:
    """A subset's name: the target, the as-of date and what is summed (for an investment target,
    with how many threats are listed), so sums asked for another date or length are not used."""
    return f"target-{target.pk}-{as_of.isoformat()}-{what}"


def board_subsets(
    *, user: User, targets: list[Target], period: ReportingPeriod, threat_limit: int = BOARD_THREATS
) -> dict[str, Subset]:
    """What the dispatch statistics' statement of ``period`` can sum for the board of ``targets``
    as of the period's end (``period_statistics(..., subsets=...)``), so that the board
    (``target_board(..., sums=stats.subsets)``) need not read the programme again: the computed
    targets over the programme entries of the period's year — counts (the value and "all of
    them"), and investment targets (the year-to-date summed by :func:`definitions.with_ytd`'s
    rule, with the entries behind the expected share of their plan). Only for a user who sees
    every entry: a target's value is district-wide, the statistics' rows are the user's."""
    subsets: dict[str, Subset] = {}
    if not _sees_all(user):
        return subsets
    as_of = period.end_date
    for target in targets:
        d = target.definition or {}
        if (
            target.source != Source.COMPUTED
            or d.get("entity") != "entries"
            or (d.get("filters") or {}).get("year") != period.year
        ):
            continue  # another year's entries, or all years': not the statistics' rows
        if definitions.batchable(d):
            subsets[_subset_key(target, as_of, "value")] = Subset(
                where=definitions.entries_q(d, as_of, programme=period.year)
            )
            subsets[_subset_key(target, as_of, "all")] = Subset(
                where=definitions.entries_q(d, programme=period.year)
            )
        elif is_investment_target(target):
            subsets[_subset_key(target, as_of, f"ytd-{threat_limit}")] = Subset(
                where=definitions.entries_q(d, as_of, programme=period.year),
                value=definitions.ytd_over_statistics(as_of),
                # The expected share in tenths of a percent (one decimal place), as _investment_rows.
                shortfall=int(expected_percent(target, as_of) * 10),
                limit=threat_limit,
            )
    return subsets


def target_board(
    *,
    user: User,
    year: int,
    as_of: dt.date,
    threat_limit: int = BOARD_THREATS,
    targets: list[Target] | None = None,
    sums: dict[str, SubsetSums] | None = None,
) -> list[TargetProgress]:
    """Every target of ``year`` the user may see, as of ``as_of``, in the board's order, with the
    first ``threat_limit`` projects that threaten each (and how many there are).

    ``targets``: :func:`target_list` of ``year``, when already read. ``sums``: what the dispatch
    statistics summed for :func:`board_subsets` (same user, the period ending ``as_of``; None
    where the database does not sum them): the targets found there are not evaluated again."""
    if targets is None:
        targets = list(target_list(user=user, year=year))
    if not targets:
        return []
    sums = sums or {}
    manual = [t.pk for t in targets if t.source == Source.MANUAL]
    values: dict[int, list[TargetValue]] = {pk: [] for pk in manual}
    if manual:
        for value in TargetValue.objects.filter(target__in=manual).only(
            "target_id", "year", "month", "value"
        ):
            values[value.target_id].append(value)
    forecasts = _forecasts(targets, as_of)
    # The computed counts of programme entries: summed by the statistics, else all in one statement.
    evaluations: dict[int, definitions.Evaluation] = {}
    counted = []
    for t in targets:
        if t.source != Source.COMPUTED or not definitions.batchable(t.definition):
            continue
        met, every = sums.get(_subset_key(t, as_of, "value")), sums.get(_subset_key(t, as_of, "all"))
        if met is None or every is None:
            counted.append(t)
            continue
        denominator = Decimal(every.count) if t.definition.get("denominator") else None
        evaluations[t.pk] = definitions.Evaluation(Decimal(met.count), denominator)
    evaluations.update(
        zip(
            [t.pk for t in counted],
            definitions.evaluate_counts([t.definition for t in counted], as_of),
            strict=True,
        )
    )
    return [
        _progress(
            user=user,
            target=t,
            as_of=as_of,
            values=values.get(t.pk),
            forecast=forecasts.get(t.pk),
            threat_limit=threat_limit,
            evaluation=evaluations.get(t.pk),
            known=sums.get(_subset_key(t, as_of, f"ytd-{threat_limit}")) if is_investment_target(t) else None,
        )
        for t in targets
    ]


def target_progress(*, user: User, target: Target, as_of: dt.date) -> TargetProgress:
    """One target as of ``as_of`` with its full threats list."""
    if not Target.objects.restrict(user, "view").filter(pk=target.pk).exists():
        raise Http404(_("没有该目标，或您无权查看"))
    return _progress(
        user=user,
        target=target,
        as_of=as_of,
        values=None,
        forecast=_forecasts([target], as_of).get(target.pk),
        threat_limit=DETAIL_THREATS,
    )


@dataclass
class SeriesPoint:
    month: int
    as_of: dt.date
    actual: Decimal | None
    actual_percent: Decimal | None
    expected_percent: Decimal


def target_series(*, target: Target, as_of: dt.date) -> list[SeriesPoint]:
    """Month by month in the target's year up to ``as_of``: the value and progress against the
    expected progress (the detail page's chart). A fixed number of queries: manual targets one,
    computed ones one statement for every month (:func:`definitions.evaluate_series`)."""
    days = [month_end(target.year, month) for month in range(1, 13)]
    shown = [day for day in days if day <= as_of]
    baseline = target.baseline_value if target.source == Source.MANUAL else ZERO
    figures: dict[dt.date, tuple[Decimal, Decimal]] = {}
    if target.source == Source.MANUAL:
        values = list(target.values.all())
        for day in shown:
            figures[day] = (manual_value(values, day, target.baseline_value), target.target_value)
    else:
        all_of_them = target.definition.get("target") == "all"
        for day, result in zip(shown, definitions.evaluate_series(target.definition, shown), strict=True):
            goal = (
                result.denominator if all_of_them and result.denominator is not None else target.target_value
            )
            figures[day] = (result.value, goal)
    points: list[SeriesPoint] = []
    for month, day in enumerate(days, start=1):
        expected = expected_percent(target, day)
        if day not in figures:
            points.append(SeriesPoint(month, day, None, None, expected))
            continue
        current, goal = figures[day]
        points.append(SeriesPoint(month, day, current, progress_percent(current, baseline, goal), expected))
    return points


def target_values(*, user: User, target: Target) -> QuerySet[TargetValue]:
    return (
        TargetValue.objects.restrict(user, "view")
        .filter(target=target)
        .select_related("reported_by")
        .order_by("year", "month")
    )


def target_value_get(*, user: User, pk: int) -> TargetValue:
    value = TargetValue.objects.restrict(user, "view").select_related("target").filter(pk=pk).first()
    if value is None:
        raise Http404(_("没有该填报值，或您无权查看"))
    return value


@dataclass
class HistoryRow:
    at: dt.datetime
    actor_name: str
    action_label: str
    object_repr: str
    changes: list[str]
    reason: str


# Bookkeeping fields the history does not repeat (the row says who and when already).
_HISTORY_SKIP = {"reported_at", "reported_by", "target", "version", "created_at", "updated_at"}


def _history_value(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def target_history(*, target: Target) -> list[HistoryRow]:
    """The audit records of the target and of its reported values, newest first, in words."""
    value_ids = [str(pk) for pk in target.values.values_list("pk", flat=True)]
    records = ChangeRecord.objects.filter(object_type=Target._meta.label, object_id=str(target.pk)) | (
        ChangeRecord.objects.filter(object_type=TargetValue._meta.label, object_id__in=value_ids)
    )
    rows = []
    for record in records.order_by("-at", "-id")[:200]:
        changes = [
            f"{change.get('label', name)}：{_history_value(change.get('old'))} → "
            f"{_history_value(change.get('new'))}"
            for name, change in (record.changes or {}).items()
            if name not in _HISTORY_SKIP
            and isinstance(change, dict)
            and _history_value(change.get("old")) != _history_value(change.get("new"))
        ]
        rows.append(
            HistoryRow(
                at=record.at,
                actor_name=record.actor_name,
                action_label=record.get_action_display(),
                object_repr=record.object_repr,
                changes=changes,
                reason=record.reason,
            )
        )
    return rows


def target_forecasts(*, user: User, year: int, month: int) -> list[tuple[Target, TargetForecastView]]:
    rows = (
        TargetForecast.objects.restrict(user, "view")
        .filter(year=year, month=month, target__archived_at__isnull=True)
        .select_related("target", "target__owner_unit")
        .order_by("target__order", "target__id")
    )
    result = []
    for row in rows:
        view = forecast_view(row)
        assert view is not None
        result.append((row.target, view))
    return result


# ================================================================ warnings and forecasts
# (the warnings/forecasts part: traffic lights per project and period, the investment forecast)
# Reads of what xianfeng.targets.warnings and .forecasts stored, scoped with restrict(): the
# dispatcher and leaders see the district, a unit user their own unit's projects.


WARNING_LIST_LIMIT = 200
# Red first, then yellow, then green (for the changes: the worse news first).
SEVERITY = Case(
    When(colour="red", then=Value(0)),
    When(colour="yellow", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
RULE_FIELDS = {
    WarningRuleKind.START: "start_colour",
    WarningRuleKind.PACE: "pace_colour",
    WarningRuleKind.REPORTING: "reporting_colour",
}
COLOUR_LABELS = dict(Colour.choices)


def colour_label(colour: str) -> str:
    return str(COLOUR_LABELS.get(colour, gettext_lazy("—"))) if colour else "—"


@dataclass
class WarningFilters:
    unit_id: int | None = None
    kind: str = ""
    colour: str = ""
    rule: str = ""

    @classmethod
    def from_params(cls, params: Any) -> WarningFilters:
        """From a query string; unknown values are ignored (an empty filter), never an error page."""
        unit = str(params.get("unit") or "").strip()
        kind = str(params.get("kind") or "").strip()
        colour = str(params.get("colour") or "").strip()
        rule = str(params.get("rule") or "").strip()
        return cls(
            unit_id=int(unit) if unit.isdigit() else None,
            kind=kind if kind in Kind.values else "",
            colour=colour if colour in (Colour.RED, Colour.YELLOW) else "",
            rule=rule if rule in WarningRuleKind.values else "",
        )

    def q(self) -> Q:
        q = Q()
        if self.unit_id:
            q &= Q(project__lead_unit_id=self.unit_id)
        if self.kind:
            q &= Q(entry__kind=self.kind)
        if self.rule:
            q &= Q(**{f"{RULE_FIELDS[self.rule]}__in": [Colour.RED, Colour.YELLOW]})
        return q


@dataclass
class SignalRow:
    """A project's signal of one period, as the lists show it."""

    entry_id: int
    project_id: int
    name: str
    code: str
    unit_id: int
    unit: str
    kind: str
    kind_label: str
    level_label: str
    colour: str
    colour_label: str
    start_colour: str
    pace_colour: str
    reporting_colour: str
    previous_colour: str
    previous_label: str
    changed: bool
    reasons: list[str]
    completion_rate: Decimal | None
    gap: Decimal | None
    months_late: int | None
    missing_periods: int
    url: str
    history_url: str


@dataclass
class WarningSummary:
    period: ReportingPeriod
    computed_at: dt.datetime | None
    total: int
    red: int
    yellow: int
    green: int
    changed: int
    by_rule: dict[str, dict[str, int]]
    red_rows: list[SignalRow]
    yellow_rows: list[SignalRow]
    limit: int | None

    @property
    def computed(self) -> bool:
        return self.computed_at is not None


SIGNAL_COLUMNS = [
    "entry_id",
    "project_id",
    "project__name",
    "project__national_code",
    "project__internal_code",
    "project__lead_unit_id",
    "project__lead_unit__name",
    "project__lead_unit__short_name",
    "entry__kind",
    "entry__level",
    "colour",
    "start_colour",
    "pace_colour",
    "reporting_colour",
    "previous_colour",
    "reasons",
    "completion_rate",
    "gap",
    "months_late",
    "missing_periods",
]
KIND_LABELS = dict(Kind.choices)
LEVEL_LABELS = dict(Level.choices)


def url_by_id(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many ids: the URL reversed once, each id put in its place."""
    mark = "2147483647"
    head, _sep, tail = reverse(name, args=[int(mark)]).rpartition(mark)
    return lambda pk: f"{head}{pk}{tail}"


def _signal_row(
    values: tuple[Any, ...],
    detail_url: Callable[[int], str] | None = None,
    history_url: Callable[[int], str] | None = None,
) -> SignalRow:
    detail_url = detail_url or url_by_id("projects:detail")
    history_url = history_url or url_by_id("targets:warning_history")
    (entry_id, project_id, name, national, internal, unit_id, unit_name, unit_short, kind, level, colour,
     start, pace, reporting, previous, reasons, rate, gap, late, missing) = values  # fmt: skip
    return SignalRow(
        entry_id=entry_id,
        project_id=project_id,
        name=name,
        code=national or internal,
        unit_id=unit_id,
        unit=unit_short or unit_name,
        kind=kind,
        kind_label=str(KIND_LABELS.get(kind, kind)),
        level_label=str(LEVEL_LABELS.get(level, level)),
        colour=colour,
        colour_label=colour_label(colour),
        start_colour=start,
        pace_colour=pace,
        reporting_colour=reporting,
        previous_colour=previous,
        previous_label=colour_label(previous),
        changed=bool(previous) and previous != colour,
        reasons=reasons_text(reasons or []),
        completion_rate=rate,
        gap=gap,
        months_late=late,
        missing_periods=missing,
        url=detail_url(project_id),
        history_url=history_url(project_id),
    )


def _signals(user: User, period: ReportingPeriod) -> QuerySet[ProjectSignal]:
    return ProjectSignal.objects.restrict(user, "view").filter(period=period)


def warning_summary(
    *,
    user: User,
    period: ReportingPeriod,
    filters: WarningFilters | None = None,
    limit: int | None = WARNING_LIST_LIMIT,
) -> WarningSummary:
    """The period's counts and its red and yellow lists (furthest behind time progress first, then
    the longest late, then in programme order), with the reasons in words. Counts follow the unit
    and kind filters; the lists all filters. Three queries."""
    filters = filters or WarningFilters()
    scoped = _signals(user, period)
    counted = scoped.filter(WarningFilters(unit_id=filters.unit_id, kind=filters.kind).q())
    colour_q = {c: Q(colour=c) for c in Colour.values}
    aggregates: dict[str, Any] = {f"n_{c}": Count("id", filter=q) for c, q in colour_q.items()}
    aggregates["n_changed"] = Count("id", filter=~Q(previous_colour="") & ~Q(previous_colour=F("colour")))
    aggregates["last"] = Max("computed_at")
    for rule, name in RULE_FIELDS.items():
        for c in (Colour.RED, Colour.YELLOW):
            aggregates[f"r_{rule}_{c}"] = Count("id", filter=Q(**{name: c}))
    figures = counted.aggregate(**aggregates)
    listed = scoped.filter(filters.q()).order_by(
        F("gap").desc(nulls_last=True), F("months_late").desc(nulls_last=True), "entry__serial", "id"
    )
    lists: dict[str, list[SignalRow]] = {}
    detail, history = url_by_id("projects:detail"), url_by_id("targets:warning_history")
    for colour in (Colour.RED, Colour.YELLOW):
        if filters.colour and filters.colour != colour:
            lists[colour] = []
            continue
        rows = listed.filter(colour=colour)
        if limit:
            # The first ``limit`` chosen on the signals and their entries' serials alone; the
            # projects' and units' names joined for those rows only.
            rows = ProjectSignal.objects.filter(pk__in=rows.values("pk")[:limit]).order_by(
                *listed.query.order_by
            )
        lists[colour] = [_signal_row(r, detail, history) for r in rows.values_list(*SIGNAL_COLUMNS)]
    red, yellow, green = (figures[f"n_{c}"] for c in (Colour.RED, Colour.YELLOW, Colour.GREEN))
    return WarningSummary(
        period=period,
        computed_at=figures["last"],
        total=red + yellow + green,
        red=red,
        yellow=yellow,
        green=green,
        changed=figures["n_changed"],
        by_rule={
            rule: {c: figures[f"r_{rule}_{c}"] for c in (Colour.RED, Colour.YELLOW)} for rule in RULE_FIELDS
        },
        red_rows=lists[Colour.RED],
        yellow_rows=lists[Colour.YELLOW],
        limit=limit,
    )


def colour_changes(*, user: User, period: ReportingPeriod, limit: int | None = None) -> list[SignalRow]:
    """This period's colour changes against the previous period (worse first). One query."""
    rows = (
        _signals(user, period)
        .exclude(previous_colour="")
        .exclude(previous_colour=F("colour"))
        .order_by(SEVERITY, "entry__serial", "id")
        .values_list(*SIGNAL_COLUMNS)
    )
    detail, history = url_by_id("projects:detail"), url_by_id("targets:warning_history")
    return [_signal_row(r, detail, history) for r in (rows[:limit] if limit else rows)]


@dataclass
class SignalHistoryRow:
    period_key: str
    period_label: str
    colour: str
    colour_label: str
    start_colour: str
    pace_colour: str
    reporting_colour: str
    previous_colour: str
    changed: bool
    reasons: list[str]
    completion_rate: Decimal | None
    gap: Decimal | None


def warning_project(*, user: User, pk: int) -> Project:
    """The project, if the user may see it (404 otherwise)."""
    project = Project.objects.restrict(user, "view").select_related("lead_unit").filter(pk=pk).first()
    if project is None:
        raise Http404(_("没有该项目"))
    return project


def project_signals(*, user: User, project: Project) -> list[SignalHistoryRow]:
    """A project's signals, period by period, newest first. One query."""
    rows = (
        ProjectSignal.objects.restrict(user, "view")
        .filter(project=project)
        .order_by("-period__year", "-period__month")
        .values_list(
            "period__year",
            "period__month",
            "colour",
            "start_colour",
            "pace_colour",
            "reporting_colour",
            "previous_colour",
            "reasons",
            "completion_rate",
            "gap",
        )
    )
    return [
        SignalHistoryRow(
            period_key=f"{y:04d}-{m:02d}",
            period_label=_("%(year)s年%(month)s月") % {"year": y, "month": m},
            colour=colour,
            colour_label=colour_label(colour),
            start_colour=start,
            pace_colour=pace,
            reporting_colour=reporting,
            previous_colour=previous,
            changed=bool(previous) and previous != colour,
            reasons=reasons_text(reasons or []),
            completion_rate=rate,
            gap=gap,
        )
        for y, m, colour, start, pace, reporting, previous, reasons, rate, gap in rows
    ]


# ---------------------------------------------------------------- the investment forecast


@dataclass
class ForecastMonth:
    month: int
    planned: Decimal
    actual: Decimal | None
    forecast: Decimal | None


@dataclass
class BacktestRow:
    made_month: int
    forecast: Decimal
    actual: Decimal
    error_percent: Decimal | None


@dataclass
class ForecastProject:
    project_id: int
    name: str
    unit: str
    planned_investment: Decimal
    planned_to_date: Decimal
    completed: Decimal
    spi: Decimal | None
    year_end: Decimal
    url: str


@dataclass
class InvestmentForecast:
    year: int
    month: int
    scope_label: str
    unit_id: int | None
    computed: bool
    annual_plan: Decimal
    planned_to_date: Decimal
    completed: Decimal
    spi: Decimal | None
    year_end: Decimal
    year_end_percent: Decimal | None  # year-end forecast ÷ annual plan
    shortfall: Decimal  # annual plan − year-end forecast (negative: above plan)
    series: list[ForecastMonth]
    backtest_target_month: int
    backtest: list[BacktestRow]
    mean_absolute_error: Decimal | None
    lowest_spi: list[ForecastProject] = field(default_factory=list)


def forecast_scope(*, user: User, unit_id: int | None = None) -> tuple[int | None, str]:
    """(unit id or None for the district, its label): a unit user always gets their own unit."""
    if user.role in UNIT_ROLES:
        unit_id = user.department_id
    if unit_id is None:
        return None, _("全区")
    unit = Department.objects.filter(pk=unit_id).values_list("short_name", "name").first()
    if unit is None:
        raise Http404(_("没有该责任单位"))
    return unit_id, unit[0] or unit[1]


def investment_forecast(
    *, user: User, year: int, month: int, unit_id: int | None = None, lowest: int = 10
) -> InvestmentForecast:
    """The investment curve (planned / actual / forecast, months 1–12), SPI, the year-end forecast
    and the back-test as of ``year``-``month``, for the district or one unit, as last computed."""
    unit_id, label = forecast_scope(user=user, unit_id=unit_id)
    points = list(
        ForecastPoint.objects.restrict(user, "view")
        .filter(period__year=year, period__month=month, unit_id=unit_id)
        .order_by("month")
        .values_list("month", "planned", "actual", "forecast")
    )
    series = [ForecastMonth(*p) for p in points]
    tests = [
        BacktestRow(*r)
        for r in ForecastBacktest.objects.restrict(user, "view")
        .filter(year=year, target_month=month, unit_id=unit_id)
        .order_by("made_month")
        .values_list("made_month", "forecast", "actual", "error_percent")
    ]
    by_month = {p.month: p for p in series}
    plan = by_month[12].planned if 12 in by_month else ZERO
    to_date = by_month[month].planned if month in by_month else ZERO
    done = (by_month[month].actual or ZERO) if month in by_month else ZERO
    year_end = (by_month[12].forecast or ZERO) if 12 in by_month else ZERO
    spi_value = (done / to_date).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if to_date else None
    projects = ProjectForecast.objects.restrict(user, "view").filter(
        period__year=year, period__month=month, spi__isnull=False
    )
    if unit_id is not None:
        projects = projects.filter(project__lead_unit_id=unit_id)
    lowest_rows = [
        ForecastProject(
            project_id=pid,
            name=name,
            unit=short or uname,
            planned_investment=planned,
            planned_to_date=ptd,
            completed=completed,
            spi=spi_v,
            year_end=ye,
            url=reverse("projects:detail", args=[pid]),
        )
        for pid, name, short, uname, planned, ptd, completed, spi_v, ye in projects.order_by(
            "spi", "-planned_investment", "id"
        ).values_list(
            "project_id",
            "project__name",
            "project__lead_unit__short_name",
            "project__lead_unit__name",
            "planned_investment",
            "planned_to_date",
            "completed",
            "spi",
            "year_end",
        )[:lowest]
    ]
    return InvestmentForecast(
        year=year,
        month=month,
        scope_label=label,
        unit_id=unit_id,
        computed=bool(series),
        annual_plan=plan,
        planned_to_date=to_date,
        completed=done,
        spi=spi_value,
        year_end=year_end,
        year_end_percent=_percent(year_end, plan),
        shortfall=plan - year_end,
        series=series,
        backtest_target_month=month,
        backtest=tests,
        mean_absolute_error=mean_absolute_error([t.error_percent for t in tests]),
        lowest_spi=lowest_rows,
    )


def warning_rules(*, user: User) -> QuerySet[WarningRule]:
    return WarningRule.objects.restrict(user, "view").order_by("id")


def warning_rule_words() -> list[tuple[str, str]]:
    """Each rule's name and its current thresholds in words, for the legend of the warnings page
    (every reader of the page is told how its lights are set, whoever may edit the rules)."""
    return [(str(rule.get_rule_display()), rule.described()) for rule in WarningRule.objects.order_by("id")]


def plan_curves(*, user: User) -> QuerySet[PlanCurve]:
    return PlanCurve.objects.restrict(user, "view").order_by("category", "kind")


# ---------------------------------------------------------------- the project page's link


def project_warning_links(user: User, project: Project) -> list[ProjectLink]:
    """For the project page: its latest traffic light and a link to its history (one query)."""
    latest = (
        ProjectSignal.objects.restrict(user, "view")
        .filter(project=project)
        .order_by("-period__year", "-period__month")
        .values_list("period__year", "period__month", "colour", "reasons")
        .first()
    )
    if latest is None:
        return []
    year, month, colour, reasons = latest
    words = reasons_text(reasons or [])
    label = colour_label(colour)
    detail = _("%(year)s年%(month)s月：%(colour)s") % {"year": year, "month": month, "colour": label}
    if words:
        detail = f"{detail}（{'；'.join(words)}）"
    url = reverse("targets:warning_history", args=[project.pk])
    return [ProjectLink(label=_("红黄绿灯预警"), url=url, detail=str(detail))]
