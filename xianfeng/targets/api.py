"""JSON endpoints of the targets: the board as of a period, a target's detail, the dispatcher's
create/update, the owner unit's monthly value, and the target forecasts.

Same rules as the pages: admin and auditor 403; unit users see every target, report only their own
unit's (another unit's target: 403); only the dispatcher creates or changes targets (others 403);
409 when ``version`` no longer matches; 422 with the field and the reason in Chinese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict

from xianfeng.dispatch import selectors as dispatch_selectors
from xianfeng.dispatch.models import month_end
from xianfeng.dispatch.selectors import parse_period_key
from xianfeng.lib import clock
from xianfeng.org.models import Department, Leader
from xianfeng.projects.api import ERRORS, WRITE_ERRORS, _user
from xianfeng.targets import definitions, selectors, services
from xianfeng.targets.models import Target

router = Router(tags=["目标任务"])


class ThreatOut(Schema):
    project_id: int
    project_name: str
    unit_name: str
    reason: str
    url: str


class ForecastOut(Schema):
    probability_percent: Decimal
    verdict: str = Field(..., description="likely / at_risk / unlikely")
    verdict_label: str
    expected_value: Decimal
    samples: int


class TargetOut(Schema):
    id: int
    code: str
    year: int
    name: str
    owner_unit: str
    owner_unit_id: int
    start_date: dt.date
    deadline: dt.date
    unit_of_measure: str
    source: str
    curve: str
    definition: dict[str, Any]
    definition_text: str
    baseline_value: Decimal
    min_value: Decimal | None
    max_value: Decimal | None
    at_risk_margin: Decimal
    version: int
    archived_at: dt.datetime | None = None


class ArchivedOut(Schema):
    target: TargetOut
    archived_at: dt.datetime
    archived_by: str
    reason: str


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str


class ProgressOut(Schema):
    target: TargetOut
    as_of: dt.date
    current: Decimal
    target_value: Decimal
    progress_percent: Decimal | None
    expected_percent: Decimal
    gap_points: Decimal | None
    status: str
    status_label: str
    reason: str
    threat_count: int
    threats: list[ThreatOut]
    forecast: ForecastOut | None


class ValueOut(Schema):
    id: int
    year: int
    month: int
    value: Decimal
    evidence: str
    evidence_name: str
    reported_at: dt.datetime
    version: int


class TargetIn(Schema):
    model_config = ConfigDict(extra="forbid")
    code: str
    year: int
    name: str
    owner_unit_id: int
    leader_id: int | None = None
    start_date: dt.date
    deadline: dt.date
    unit_of_measure: str
    baseline_value: Decimal = Decimal(0)
    target_value: Decimal | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    source: str
    definition: dict[str, Any] = Field(default_factory=dict)
    curve: str = "linear"
    curve_points: list[dict[str, Any]] = Field(default_factory=list)
    at_risk_margin: Decimal = Decimal(10)
    description: str = ""
    order: int = 0
    version: int | None = None


class ForecastRowOut(Schema):
    target_id: int
    code: str
    name: str
    forecast: ForecastOut


def _as_of(period: str | None) -> tuple[int, dt.date]:
    parsed = parse_period_key(period)
    if period and parsed is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"period": gettext("调度期“%(period)s”应写作 YYYY-MM") % {"period": period}})
    if parsed is None:
        today = clock.today()
        return today.year, today
    return parsed[0], month_end(*parsed)


def _target_out(target: Target) -> dict[str, Any]:
    return {
        "id": target.pk,
        "code": target.code,
        "year": target.year,
        "name": target.name,
        "owner_unit": str(target.owner_unit),
        "owner_unit_id": target.owner_unit_id,
        "start_date": target.start_date,
        "deadline": target.deadline,
        "unit_of_measure": target.unit_of_measure,
        "source": target.source,
        "curve": target.curve,
        "definition": target.definition,
        "definition_text": definitions.describe(target.definition),
        "baseline_value": target.baseline_value,
        "min_value": target.min_value,
        "max_value": target.max_value,
        "at_risk_margin": target.at_risk_margin,
        "version": target.version,
        "archived_at": target.archived_at,
    }


def _progress_out(p: selectors.TargetProgress) -> dict[str, Any]:
    return {
        "target": _target_out(p.target),
        "as_of": p.as_of,
        "current": p.current,
        "target_value": p.target_value,
        "progress_percent": p.progress_percent,
        "expected_percent": p.expected_percent,
        "gap_points": p.gap_points,
        "status": str(p.status),
        "status_label": p.status_label,
        "reason": p.reason,
        "threat_count": p.threat_count,
        "threats": [t.__dict__ for t in p.threats],
        "forecast": p.forecast.__dict__ if p.forecast else None,
    }


@router.get("/targets", response={200: list[ProgressOut], **ERRORS}, summary="目标任务及完成进度")
def target_list(request: HttpRequest, period: str | None = None) -> Any:
    """All targets of the period's year as of the period's end (``period=YYYY-MM``; default today)."""
    user = _user(request)
    year, as_of = _as_of(period)
    return [_progress_out(p) for p in selectors.target_board(user=user, year=year, as_of=as_of)]


@router.get("/targets/forecasts", response={200: list[ForecastRowOut], **ERRORS}, summary="目标完成概率")
def target_forecast_list(request: HttpRequest, period: str) -> Any:
    user = _user(request)
    year, as_of = _as_of(period)
    return [
        {"target_id": t.pk, "code": t.code, "name": t.name, "forecast": f.__dict__}
        for t, f in selectors.target_forecasts(user=user, year=year, month=as_of.month)
    ]


@router.get("/targets/archived", response={200: list[ArchivedOut], **ERRORS}, summary="已归档的目标")
def target_archived_list(request: HttpRequest, year: int | None = None) -> Any:
    user = _user(request)
    return [
        {
            "target": _target_out(row.target),
            "archived_at": row.archived_at,
            "archived_by": row.archived_by,
            "reason": row.reason,
        }
        for row in selectors.target_archived_list(user=user, year=year)
    ]


@router.get("/targets/{pk}", response={200: ProgressOut, **ERRORS}, summary="目标详情")
def target_detail(request: HttpRequest, pk: int, period: str | None = None) -> Any:
    user = _user(request)
    _year, as_of = _as_of(period)
    target = selectors.target_get(user=user, pk=pk)
    return _progress_out(selectors.target_progress(user=user, target=target, as_of=as_of))


@router.get("/targets/{pk}/values", response={200: list[ValueOut], **ERRORS}, summary="目标填报值")
def target_value_list(request: HttpRequest, pk: int) -> Any:
    user = _user(request)
    target = selectors.target_get(user=user, pk=pk)
    return list(selectors.target_values(user=user, target=target))


def _fields(payload: TargetIn) -> dict[str, Any]:
    data = payload.dict(exclude={"version", "owner_unit_id", "leader_id"})
    from django.core.exceptions import ValidationError

    unit = Department.objects.filter(pk=payload.owner_unit_id).first()
    if unit is None:
        raise ValidationError(
            {"owner_unit_id": gettext("责任单位 %(id)s 不存在") % {"id": payload.owner_unit_id}}
        )
    data["owner_unit"] = unit
    data["leader"] = None
    if payload.leader_id is not None:
        data["leader"] = Leader.objects.filter(pk=payload.leader_id).first()
        if data["leader"] is None:
            raise ValidationError(
                {"leader_id": gettext("分管领导 %(id)s 不存在") % {"id": payload.leader_id}}
            )
    if data["target_value"] is None:
        if (payload.definition or {}).get("target") != "all":
            raise ValidationError({"target_value": gettext("请填写目标值")})
        data["target_value"] = Decimal(1)
    return data


@router.post("/targets", response={201: TargetOut, **WRITE_ERRORS}, summary="新建目标（调度专员）")
def target_create(request: HttpRequest, payload: TargetIn) -> Any:
    user = _user(request)
    if user.role != "dispatcher":
        raise PermissionDenied(gettext("只有区项目办（调度专员）可以设置目标"))
    target = services.target_create(actor=user, fields=_fields(payload))
    return Status(201, _target_out(target))


@router.put("/targets/{pk}", response={200: TargetOut, **WRITE_ERRORS}, summary="修改目标（调度专员）")
def target_update(request: HttpRequest, pk: int, payload: TargetIn) -> Any:
    user = _user(request)
    target = selectors.target_get(user=user, pk=pk)
    if user.role != "dispatcher":
        raise PermissionDenied(gettext("只有区项目办（调度专员）可以设置目标"))
    saved = services.target_update(
        actor=user, target=target, fields=_fields(payload), expected_version=payload.version
    )
    return _target_out(saved)


@router.post(
    "/targets/{pk}/archive", response={200: TargetOut, **WRITE_ERRORS}, summary="归档目标（调度专员）"
)
def target_archive(request: HttpRequest, pk: int, payload: ReasonIn) -> Any:
    user = _user(request)
    target = selectors.target_get(user=user, pk=pk)
    return _target_out(services.target_archive(actor=user, target=target, reason=payload.reason))


@router.post(
    "/targets/{pk}/restore", response={200: TargetOut, **WRITE_ERRORS}, summary="恢复已归档的目标（调度专员）"
)
def target_restore(request: HttpRequest, pk: int, payload: ReasonIn) -> Any:
    user = _user(request)
    target = selectors.target_get(user=user, pk=pk)
    return _target_out(services.target_restore(actor=user, target=target, reason=payload.reason))


@router.post(
    "/targets/{pk}/values", response={200: ValueOut, **WRITE_ERRORS}, summary="填报目标完成值（责任单位）"
)
def target_value_report(
    request: HttpRequest,
    pk: int,
    year: Form[int],
    month: Form[int],
    value: Form[Decimal],
    evidence: Form[str] = "",
    version: Form[int | None] = None,
    evidence_file: File[UploadedFile] | None = None,
) -> Any:
    """Multipart form: the cumulative value as of the month's end, evidence text and an optional
    file (PDF/JPEG/PNG/XLSX/DOCX, judged by content)."""
    user = _user(request)
    target = selectors.target_get(user=user, pk=pk)
    return services.target_value_report(
        actor=user,
        target=target,
        year=year,
        month=month,
        value=value,
        evidence=evidence,
        evidence_file=evidence_file,
        expected_version=version,
    )


# ================================================================ warnings and forecasts
# The traffic lights and the investment forecast, as the warnings and forecast pages show them.


class SignalOut(Schema):
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
    start_colour: str = Field(..., description="开工规则：red / yellow / green；空为不适用")
    pace_colour: str = Field(..., description="投资进度规则")
    reporting_colour: str = Field(..., description="报送规则")
    previous_colour: str = Field(..., description="上期综合等级；空为无上期")
    changed: bool
    reasons: list[str]
    completion_rate: Decimal | None
    gap: Decimal | None
    months_late: int | None
    missing_periods: int
    url: str
    history_url: str


class WarningSummaryOut(Schema):
    period: str
    computed_at: dt.datetime | None
    total: int
    red: int
    yellow: int
    green: int
    changed: int
    by_rule: dict[str, dict[str, int]]
    red_rows: list[SignalOut]
    yellow_rows: list[SignalOut]
    changes: list[SignalOut]


class SignalHistoryOut(Schema):
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


class ForecastMonthOut(Schema):
    month: int
    planned: Decimal
    actual: Decimal | None
    forecast: Decimal | None


class BacktestOut(Schema):
    made_month: int
    forecast: Decimal
    actual: Decimal
    error_percent: Decimal | None


class ForecastProjectOut(Schema):
    project_id: int
    name: str
    unit: str
    planned_investment: Decimal
    planned_to_date: Decimal
    completed: Decimal
    spi: Decimal | None
    year_end: Decimal
    url: str


class InvestmentForecastOut(Schema):
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
    year_end_percent: Decimal | None
    shortfall: Decimal
    series: list[ForecastMonthOut]
    backtest_target_month: int
    backtest: list[BacktestOut]
    mean_absolute_error: Decimal | None
    lowest_spi: list[ForecastProjectOut]


class RuleOut(Schema):
    rule: str
    label: str
    enabled: bool
    yellow_at: Decimal
    red_at: Decimal
    note: str
    version: int


class CurveOut(Schema):
    category: str
    kind: str
    shape: str
    steepness: Decimal
    midpoint: Decimal


class RulesOut(Schema):
    rules: list[RuleOut]
    curves: list[CurveOut]


def _warning_period(user: Any, period: str | None) -> Any:
    found = dispatch_selectors.period_current(user=user, key=period or None)
    if found is None:
        raise Http404(gettext("还没有调度期"))
    return found


@router.get("/warnings", response={200: WarningSummaryOut, **ERRORS}, summary="红黄绿灯预警（某调度期）")
def warning_list(
    request: HttpRequest,
    period: str | None = None,
    unit: int | None = None,
    kind: str | None = None,
    colour: str | None = None,
    rule: str | None = None,
    limit: int = 200,
) -> Any:
    """The period's counts, red and yellow lists (reasons in words) and colour changes; filters as
    on the page (unknown values are ignored). ``period``: YYYY-MM, default the current period."""
    user = _user(request)
    found = _warning_period(user, period)
    filters = selectors.WarningFilters.from_params(
        {"unit": unit or "", "kind": kind or "", "colour": colour or "", "rule": rule or ""}
    )
    limit = min(max(limit, 1), 5000)
    summary = selectors.warning_summary(user=user, period=found, filters=filters, limit=limit)
    changes = selectors.colour_changes(user=user, period=found, limit=limit)
    return {
        "period": found.key,
        "computed_at": summary.computed_at,
        "total": summary.total,
        "red": summary.red,
        "yellow": summary.yellow,
        "green": summary.green,
        "changed": summary.changed,
        "by_rule": summary.by_rule,
        "red_rows": [asdict(r) for r in summary.red_rows],
        "yellow_rows": [asdict(r) for r in summary.yellow_rows],
        "changes": [asdict(r) for r in changes],
    }


@router.get(
    "/warnings/projects/{project_id}",
    response={200: list[SignalHistoryOut], **ERRORS},
    summary="项目预警历史",
)
def warning_history(request: HttpRequest, project_id: int) -> Any:
    user = _user(request)
    project = selectors.warning_project(user=user, pk=project_id)
    return [asdict(r) for r in selectors.project_signals(user=user, project=project)]


@router.get("/warnings/rules", response={200: RulesOut, **ERRORS}, summary="预警规则与计划投资曲线")
def warning_rules(request: HttpRequest) -> Any:
    user = _user(request)
    if user.role not in ("dispatcher", "leader"):
        raise PermissionDenied(gettext("只有调度专员和区领导可以查看预警规则"))
    return {
        "rules": [
            {
                "rule": r.rule,
                "label": str(r.get_rule_display()),
                "enabled": r.enabled,
                "yellow_at": r.yellow_at,
                "red_at": r.red_at,
                "note": r.note,
                "version": r.version,
            }
            for r in selectors.warning_rules(user=user)
        ],
        "curves": [
            {
                "category": c.category,
                "kind": c.kind,
                "shape": c.shape,
                "steepness": c.steepness,
                "midpoint": c.midpoint,
            }
            for c in selectors.plan_curves(user=user)
        ],
    }


@router.get(
    "/forecasts/investment", response={200: InvestmentForecastOut, **ERRORS}, summary="年度投资预测与回测"
)
def investment_forecast(request: HttpRequest, period: str | None = None, unit: int | None = None) -> Any:
    """Planned / actual / forecast by month, SPI, the year-end forecast and the back-test, for the
    district or one unit (a unit user: always their own unit)."""
    user = _user(request)
    found = _warning_period(user, period)
    result = selectors.investment_forecast(user=user, year=found.year, month=found.month, unit_id=unit)
    return asdict(result)
