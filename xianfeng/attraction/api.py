"""JSON endpoints of investment attraction: leads and their steps, follow-ups, investors with the
duplicate check, events, the conversion figures and foreign capital actually used.

Reads go through selectors (restricted to the user), writes through services (the same rules,
permission checks and audit log as the pages):

- 404: the lead does not exist or the user may not see it (another unit's lead);
- 403: the role may not write (leaders and the project office read only; admin/auditor nothing);
- 409: the investor (or another unit's lead for it) looks already entered — the body lists the
  candidates; send ``confirm_duplicate: true`` to enter it anyway (the bureau sees the flag);
  also a stale ``version``;
- 422: invalid input, with the reason in Chinese. An amount whose unit looks wrong is a 422 whose
  ``suggestion`` gives the amount and unit probably meant; resend with that unit, or with
  ``confirm_amount: true`` to keep the amount as entered. Nothing is converted silently.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from xianfeng.attraction import selectors, services
from xianfeng.attraction.choices import (
    AmountUnit,
    EventKind,
    FollowUpKind,
    InvestorKind,
    Origin,
    Source,
    Stage,
)
from xianfeng.attraction.models import Event, Investor, Lead
from xianfeng.org.models import Department, User
from xianfeng.parks.models import IndustryChain
from xianfeng.projects.api import ERRORS, WRITE_ERRORS, ErrorItem, InputSchema, _user
from xianfeng.projects.models import Project

router = Router(tags=["招商引资"])
MAX_LIMIT = 200


class Ref(Schema):
    id: int
    name: str


def _ref(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    name = obj.get_full_name() if isinstance(obj, User) else getattr(obj, "name", str(obj))
    return {"id": obj.pk, "name": name}


# ---------------------------------------------------------------- schemas (out)


class ScreeningOut(Schema):
    result: str = Field(
        ..., description="pass 通过 / fail 未通过 / incomplete 待补充 / na 不适用（不需用地）"
    )
    invest_per_mu: Decimal | None = Field(None, description="投资强度（万元/亩）")
    tax_per_mu: Decimal | None = Field(None, description="亩均税收（万元/亩·年）")
    min_invest: Decimal
    min_tax: Decimal
    summary: str


class InvestorOut(Schema):
    id: int
    name: str
    kind: str
    origin: str
    origin_label: str
    country: str
    credit_code: str
    in_district: bool
    owner_unit: Ref
    possible_duplicate_of: int | None


class LeadItem(Schema):
    id: int
    name: str
    investor: Ref
    origin: str
    source: str
    source_label: str
    event: Ref | None
    chain: Ref | None
    investment_amount: Decimal
    investment_unit: str
    investment_wan: Decimal = Field(..., description="意向投资（万元，按录入时汇率折算）")
    land_mu: Decimal | None
    owner_unit: Ref
    officer: Ref | None
    stage: str
    stage_label: str
    entered_on: dt.date
    stage_changed_on: dt.date
    signed_on: dt.date | None
    signed_wan: Decimal | None
    project_id: int | None
    version: int


class LeadPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LeadItem]


class TimelineOut(Schema):
    day: dt.date
    kind: str
    title: str
    text: str
    next_step: str
    next_step_on: dt.date | None
    actor: str


class LeadDetail(LeadItem):
    source_detail: str
    introducer: Ref | None
    floor_area: Decimal | None
    expected_tax_wan: Decimal | None
    description: str
    fx_rate: Decimal
    signed_amount: Decimal | None
    signed_unit: str
    registered_on: dt.date | None
    company_name: str
    credit_code: str
    landed_on: dt.date | None
    project: Ref | None
    project_code: str | None
    project_actual_start: dt.date | None
    lost_on: dt.date | None
    lost_reason: str
    screening: ScreeningOut
    timeline: list[TimelineOut]


class InvestorCandidateOut(Schema):
    id: int
    name: str
    credit_code: str
    unit: str
    score: float
    reason: str


class LeadCandidateOut(Schema):
    id: int | None = Field(None, description="仅当您有权查看该线索时给出")
    name: str | None
    unit: str
    stage: str
    entered_on: dt.date
    investor: str


class Candidates(Schema):
    investors: list[InvestorCandidateOut]
    leads: list[LeadCandidateOut]


class DuplicateOut(Schema):
    detail: list[ErrorItem]
    candidates: Candidates


class Suggestion(Schema):
    amount: Decimal
    unit: str
    unit_label: str


class DoubtOut(Schema):
    detail: list[ErrorItem]
    suggestion: Suggestion | None


class FollowUpOut(Schema):
    id: int
    happened_on: dt.date
    kind: str
    summary: str
    next_step: str
    next_step_on: dt.date | None


class EventOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    starts_on: dt.date
    ends_on: dt.date | None
    city: str
    country: str
    organiser: Ref | None
    lead_count: int = 0
    signed_count: int = 0
    landed_count: int = 0
    started_count: int = 0


class FunnelStep(Schema):
    key: str
    label: str
    count: int
    of_total: Decimal | None
    of_previous: Decimal | None


class DurationOut(Schema):
    label: str
    days: Decimal | None
    count: int


class ConversionRow(Schema):
    key: Any
    name: str
    total: int
    signed: int
    landed: int
    started: int
    signed_wan: Decimal
    sign_rate: Decimal | None
    start_rate: Decimal | None


class StalledOut(Schema):
    id: int
    name: str
    unit: str
    signed_on: dt.date | None
    age_days: int | None
    signed_wan: Decimal | None
    project_id: int | None


class ForeignTotals(Schema):
    year: int
    months: list[Decimal] = Field(..., description="1–12 月实际使用外资（万美元）")
    cumulative: list[Decimal]
    year_total: Decimal
    previous_total: Decimal
    all_total: Decimal


class DashboardOut(Schema):
    funnel: list[FunnelStep]
    durations: list[DurationOut]
    stalled_count: int
    stalled: list[StalledOut]
    by_source: list[ConversionRow]
    by_unit: list[ConversionRow]
    by_chain: list[ConversionRow]
    by_officer: list[ConversionRow]
    trend: dict[str, list[Any]]
    foreign: ForeignTotals


class ForeignCapitalOut(Schema):
    id: int
    lead: Ref
    period: str = Field(..., description="YYYY-MM")
    amount_usd_wan: Decimal
    note: str


# ---------------------------------------------------------------- schemas (in)


class LeadQuery(Schema):
    stage: str | None = Field(None, description="阶段：" + "、".join(Stage.values))
    source: str | None = Field(None, description="来源类型：" + "、".join(Source.values))
    unit: str | None = Field(None, description="责任单位 id")
    chain: str | None = Field(None, description="产业链 id")
    event: str | None = Field(None, description="招商活动 id")
    officer: str | None = Field(None, description="招商专员（用户）id")
    year: str | None = Field(None, description="录入年度")
    origin: str | None = Field(None, description="foreign 外资（含港澳台）/ domestic 内资")
    q: str | None = Field(None, description="搜索：项目、投资方、企业名称、信用代码")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class NewInvestorIn(InputSchema):
    name: str
    kind: str = Field(InvestorKind.COMPANY, description="、".join(InvestorKind.values))
    origin: str = Field(Origin.DOMESTIC, description="资本来源：" + "、".join(Origin.values))
    country: str = Field("", description="国家或地区（外资、港澳台资必填）")
    credit_code: str = ""
    in_district: bool = False
    contact: str = ""
    note: str = ""


class LeadFieldsIn(InputSchema):
    name: str | None = None
    source: str | None = Field(None, description="来源类型：" + "、".join(Source.values))
    source_detail: str | None = None
    event: int | None = Field(None, description="招商活动 id（来源为 event 时必填）")
    introducer: int | None = Field(None, description="引荐企业（投资方 id，以商招商时必填）")
    chain: int | None = Field(None, description="产业链 id")
    investment_amount: Decimal | None = Field(None, description="意向投资额（按 investment_unit 的单位）")
    investment_unit: str | None = Field(None, description="金额单位：" + "、".join(AmountUnit.values))
    land_mu: Decimal | None = Field(None, description="需求用地（亩）")
    floor_area: Decimal | None = Field(None, description="需求建筑面积（㎡）")
    expected_tax_wan: Decimal | None = Field(None, description="预计年税收（万元）")
    description: str | None = None
    owner_unit: int | None = Field(None, description="责任单位 id（单位用户可省略，默认本单位）")
    officer: int | None = Field(None, description="招商专员（用户）id")
    confirm_amount: bool = Field(False, description="金额单位看起来不对时，确认按原样保存")


class LeadCreateIn(LeadFieldsIn):
    name: str
    source: str
    investment_amount: Decimal
    investment_unit: str = AmountUnit.CNY_WAN
    investor: int | None = Field(None, description="已有投资方 id（与 new_investor 二选一）")
    new_investor: NewInvestorIn | None = None
    entered_on: dt.date | None = Field(None, description="录入日期，默认今天")
    confirm_duplicate: bool = Field(False, description="疑似重复时确认另行登记")


class LeadPatchIn(LeadFieldsIn):
    version: int | None = Field(None, description="读取时的版本号；他人已修改时返回 409")


class StageIn(InputSchema):
    to_stage: str = Field(
        ..., description="contacting、negotiating、signed、registered、landed、lost 或 reopen"
    )
    effective_on: dt.date | None = Field(None, description="接洽、洽谈的日期（默认今天）")
    signed_on: dt.date | None = Field(None, description="协议签订日期（签约必填）")
    signed_amount: Decimal | None = Field(None, description="签约金额（签约必填）")
    signed_unit: str = Field(AmountUnit.CNY_WAN, description="签约金额单位")
    confirm_amount: bool = False
    registered_on: dt.date | None = None
    company_name: str = ""
    credit_code: str = Field(
        "", description="新注册企业的统一社会信用代码（注册必填，按 GB 32100-2015 校验）"
    )
    landed_on: dt.date | None = None
    project_id: int | None = Field(None, description="落地：关联项目库中已有项目的 id")
    create_project: bool = Field(False, description="落地：由本线索新建储备阶段项目")
    lost_on: dt.date | None = None
    reason: str = Field("", description="流失、恢复跟进的原因（必填）")
    note: str = ""


class FollowUpIn(InputSchema):
    happened_on: dt.date
    kind: str = Field(..., description="、".join(FollowUpKind.values))
    summary: str
    next_step: str = ""
    next_step_on: dt.date | None = None


class InvestorIn(NewInvestorIn):
    owner_unit: int | None = Field(None, description="录入单位 id（默认本单位）")
    confirm_duplicate: bool = False


class EventIn(InputSchema):
    name: str
    kind: str = Field(..., description="、".join(EventKind.values))
    starts_on: dt.date
    ends_on: dt.date | None = None
    city: str = ""
    country: str = ""
    organiser: int | None = None
    note: str = ""


class ForeignCapitalIn(InputSchema):
    lead: int
    period: str = Field(..., description="月份 YYYY-MM")
    amount_usd_wan: Decimal = Field(..., description="实际使用外资（万美元）")
    note: str = ""


# ---------------------------------------------------------------- helpers


def _lead_item(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "name": lead.name,
        "investor": _ref(lead.investor),
        "origin": lead.investor.origin,
        "source": lead.source,
        "source_label": lead.get_source_display(),
        "event": _ref(lead.event),
        "chain": _ref(lead.chain),
        "investment_amount": lead.investment_amount,
        "investment_unit": lead.investment_unit,
        "investment_wan": lead.investment_wan,
        "land_mu": lead.land_mu,
        "owner_unit": _ref(lead.owner_unit),
        "officer": _ref(lead.officer),
        "stage": lead.stage,
        "stage_label": lead.get_stage_display(),
        "entered_on": lead.entered_on,
        "stage_changed_on": lead.stage_changed_on,
        "signed_on": lead.signed_on,
        "signed_wan": lead.signed_wan,
        "project_id": lead.project_id,
        "version": lead.version,
    }


def _screening(screening: selectors.Screening) -> dict[str, Any]:
    return {
        "result": screening.result,
        "invest_per_mu": screening.invest_per_mu,
        "tax_per_mu": screening.tax_per_mu,
        "min_invest": screening.min_invest,
        "min_tax": screening.min_tax,
        "summary": screening.summary,
    }


def _lead_detail(user: User, pk: int) -> dict[str, Any]:
    lead = selectors.lead_get(user=user, pk=pk)
    return {
        **_lead_item(lead),
        "source_detail": lead.source_detail,
        "introducer": _ref(lead.introducer),
        "floor_area": lead.floor_area,
        "expected_tax_wan": lead.expected_tax_wan,
        "description": lead.description,
        "fx_rate": lead.fx_rate,
        "signed_amount": lead.signed_amount,
        "signed_unit": lead.signed_unit,
        "registered_on": lead.registered_on,
        "company_name": lead.company_name,
        "credit_code": lead.credit_code,
        "landed_on": lead.landed_on,
        "project": _ref(lead.project),
        "project_code": lead.project.code if lead.project else None,
        "project_actual_start": lead.project.actual_start if lead.project else None,
        "lost_on": lead.lost_on,
        "lost_reason": lead.lost_reason,
        "screening": _screening(selectors.lead_screening(lead)),
        "timeline": [item.__dict__ for item in selectors.lead_timeline(lead=lead)],
    }


def _investor_out(investor: Investor) -> dict[str, Any]:
    return {
        "id": investor.pk,
        "name": investor.name,
        "kind": investor.kind,
        "origin": investor.origin,
        "origin_label": investor.get_origin_display(),
        "country": investor.country,
        "credit_code": investor.credit_code,
        "in_district": investor.in_district,
        "owner_unit": _ref(investor.owner_unit),
        "possible_duplicate_of": investor.possible_duplicate_of_id,
    }


def _duplicate_response(exc: services.DuplicateError) -> Status[dict[str, Any]]:
    found = exc.duplicates
    return Status(
        409,
        {
            "detail": [{"field": "investor", "label": gettext("投资方"), "message": m} for m in exc.messages],
            "candidates": {
                "investors": [
                    {
                        "id": c.pk,
                        "name": c.name,
                        "credit_code": c.credit_code,
                        "unit": c.unit,
                        "score": c.score,
                        "reason": c.reason,
                    }
                    for c in found.investors
                ],
                "leads": [
                    {
                        "id": c.pk if c.visible else None,
                        "name": c.name if c.visible else None,
                        "unit": c.unit,
                        "stage": c.stage_label,
                        "entered_on": c.entered_on,
                        "investor": c.investor,
                    }
                    for c in found.leads
                ],
            },
        },
    )


def _doubt_response(exc: services.AmountDoubtError) -> Status[dict[str, Any]]:
    doubt = exc.doubt
    labels = {"investment_amount": gettext("意向投资额"), "signed_amount": gettext("签约金额")}
    message = gettext("%(doubt)s。如果确实如此，请带 confirm_amount: true 重新提交") % {
        "doubt": doubt.message
    }
    suggestion = None
    if doubt.suggested_unit and doubt.suggested_amount is not None:
        suggestion = {
            "amount": doubt.suggested_amount,
            "unit": doubt.suggested_unit,
            "unit_label": str(AmountUnit(doubt.suggested_unit).label),
        }
    return Status(
        422,
        {
            "detail": [{"field": exc.field, "label": labels.get(exc.field, exc.field), "message": message}],
            "suggestion": suggestion,
        },
    )


def _get(model: Any, pk: int | None, field: str, label: str) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: gettext("%(label)s %(id)s 不存在") % {"label": label, "id": pk}})
    return obj


def _lead_fields(data: dict[str, Any]) -> dict[str, Any]:
    refs = {
        "event": (Event, gettext("招商活动")),
        "introducer": (Investor, gettext("引荐企业")),
        "chain": (IndustryChain, gettext("产业链")),
        "owner_unit": (Department, gettext("责任单位")),
        "officer": (User, gettext("招商专员")),
        "investor": (Investor, gettext("投资方")),
    }
    fields: dict[str, Any] = {}
    for name, value in data.items():
        if name in refs:
            model, label = refs[name]
            fields[name] = _get(model, value, name, label)
        elif name in {"source_detail", "description"}:
            fields[name] = value or ""
        else:
            fields[name] = value
    return fields


def _parse_period(text: str) -> dt.date:
    try:
        year, month = text.strip().split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            {"period": gettext("月份“%(month)s”格式应为 YYYY-MM") % {"month": text}}
        ) from exc


# ---------------------------------------------------------------- leads


@router.get("/attraction/leads", response={200: LeadPage, **ERRORS}, summary="招商线索清单")
def lead_list(request: HttpRequest, params: Query[LeadQuery]) -> dict[str, Any]:
    user = _user(request)
    filters = selectors.LeadFilters.from_params(request.GET)
    if filters.errors:
        raise ValidationError(filters.errors)
    qs = selectors.lead_list(user=user, filters=filters)
    count = qs.count()
    page = qs[params.offset : params.offset + params.limit]
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "items": [_lead_item(x) for x in page],
    }


@router.get(
    "/attraction/leads/{int:lead_id}", response={200: LeadDetail, **ERRORS}, summary="线索详情与时间线"
)
def lead_detail(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    return _lead_detail(_user(request), lead_id)


@router.post(
    "/attraction/leads",
    response={
        201: LeadDetail,
        409: DuplicateOut,
        422: DoubtOut,
        **{k: v for k, v in WRITE_ERRORS.items() if k not in {409, 422}},
    },
    summary="录入线索（疑似重复返回 409 及候选；金额单位可疑返回 422 及建议）",
)
def lead_create(request: HttpRequest, payload: LeadCreateIn) -> Status[dict[str, Any]]:
    user = _user(request)
    data = payload.model_dump(exclude_unset=True)
    new_investor = data.pop("new_investor", None)
    confirm_duplicate = data.pop("confirm_duplicate", False)
    confirm_amount = data.pop("confirm_amount", False)
    data.setdefault("investment_unit", AmountUnit.CNY_WAN)
    fields = _lead_fields(data)
    if fields.get("entered_on") is None:
        fields.pop("entered_on", None)
    try:
        lead = services.lead_create(
            actor=user,
            fields=fields,
            new_investor=new_investor,
            confirm_duplicate=confirm_duplicate,
            confirm_amount=confirm_amount,
        )
    except services.DuplicateError as exc:
        return _duplicate_response(exc)
    except services.AmountDoubtError as exc:
        return _doubt_response(exc)
    return Status(201, _lead_detail(user, lead.pk))


@router.patch(
    "/attraction/leads/{int:lead_id}",
    response={200: LeadDetail, 422: DoubtOut, **{k: v for k, v in WRITE_ERRORS.items() if k != 422}},
    summary="修改线索",
)
def lead_update(request: HttpRequest, lead_id: int, payload: LeadPatchIn) -> Any:
    user = _user(request)
    lead = selectors.lead_get(user=user, pk=lead_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    confirm_amount = data.pop("confirm_amount", False)
    try:
        services.lead_update(
            actor=user,
            lead=lead,
            fields=_lead_fields(data),
            expected_version=version,
            confirm_amount=confirm_amount,
        )
    except services.AmountDoubtError as exc:
        return _doubt_response(exc)
    return _lead_detail(user, lead.pk)


@router.post(
    "/attraction/leads/{int:lead_id}/stage",
    response={200: LeadDetail, 422: DoubtOut, **{k: v for k, v in WRITE_ERRORS.items() if k != 422}},
    summary="阶段变更：接洽、洽谈、签约、注册、落地（新建或关联项目）、流失、恢复跟进",
)
def lead_stage(request: HttpRequest, lead_id: int, payload: StageIn) -> Any:
    user = _user(request)
    lead = selectors.lead_get(user=user, pk=lead_id)
    data = payload.model_dump()
    to_stage = data.pop("to_stage").strip()
    project_id = data.pop("project_id", None)
    data["project"] = _get(Project, project_id, "project", gettext("项目")) if project_id else None
    try:
        services.lead_stage_change(actor=user, lead=lead, to_stage=to_stage, **data)
    except services.AmountDoubtError as exc:
        return _doubt_response(exc)
    return _lead_detail(user, lead.pk)


@router.post(
    "/attraction/leads/{int:lead_id}/follow-ups",
    response={201: FollowUpOut, **WRITE_ERRORS},
    summary="记录跟进（走访、会谈、电话、活动）",
)
def follow_up_create(request: HttpRequest, lead_id: int, payload: FollowUpIn) -> Status[Any]:
    user = _user(request)
    lead = selectors.lead_get(user=user, pk=lead_id)
    follow_up = services.follow_up_add(actor=user, lead=lead, **payload.model_dump())
    return Status(201, follow_up)


# ---------------------------------------------------------------- investors and the duplicate check


@router.get("/attraction/investors", response={200: list[InvestorOut], **ERRORS}, summary="投资方")
def investor_list(
    request: HttpRequest, q: str = "", origin: str = "", limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    user = _user(request)
    limit = max(1, min(limit, MAX_LIMIT))
    qs = selectors.investor_list(user=user, q=q[:100], origin=origin if origin in Origin.values else "")
    return [_investor_out(x) for x in qs[max(offset, 0) : max(offset, 0) + limit]]


@router.get(
    "/attraction/investors/{int:investor_id}", response={200: InvestorOut, **ERRORS}, summary="投资方详情"
)
def investor_detail(request: HttpRequest, investor_id: int) -> dict[str, Any]:
    return _investor_out(selectors.investor_get(user=_user(request), pk=investor_id))


@router.post(
    "/attraction/investors",
    response={201: InvestorOut, 409: DuplicateOut, **{k: v for k, v in WRITE_ERRORS.items() if k != 409}},
    summary="新建投资方（疑似重复返回 409 及候选）",
)
def investor_create(request: HttpRequest, payload: InvestorIn) -> Status[dict[str, Any]]:
    user = _user(request)
    data = payload.model_dump()
    confirm = data.pop("confirm_duplicate")
    data["owner_unit"] = _get(Department, data.pop("owner_unit"), "owner_unit", gettext("录入单位"))
    if data["owner_unit"] is None:
        data.pop("owner_unit")
    try:
        investor = services.investor_create(actor=user, fields=data, confirm_duplicate=confirm)
    except services.DuplicateError as exc:
        return _duplicate_response(exc)
    return Status(201, _investor_out(selectors.investor_get(user=user, pk=investor.pk)))


@router.get(
    "/attraction/duplicates",
    response={200: list[InvestorCandidateOut], **ERRORS},
    summary="查重：与名称（模糊匹配）或统一社会信用代码相同的已有投资方",
)
def duplicate_check(request: HttpRequest, name: str = "", credit_code: str = "") -> list[dict[str, Any]]:
    user = _user(request)
    found = selectors.investor_duplicates(
        name=name[:200], credit_code=credit_code.strip().upper()[:18], user=user
    )
    return [
        {
            "id": c.pk,
            "name": c.name,
            "credit_code": c.credit_code,
            "unit": c.unit,
            "score": c.score,
            "reason": c.reason,
        }
        for c in found
    ]


# ---------------------------------------------------------------- events


def _event_out(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "name": event.name,
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "city": event.city,
        "country": event.country,
        "organiser": _ref(event.organiser),
        "lead_count": getattr(event, "lead_count", 0),
        "signed_count": getattr(event, "signed_count", 0),
        "landed_count": getattr(event, "landed_count", 0),
        "started_count": getattr(event, "started_count", 0),
    }


@router.get("/attraction/events", response={200: list[EventOut], **ERRORS}, summary="招商活动及其成果")
def event_list(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    return [_event_out(e) for e in selectors.event_list(user=_user(request), year=year)]


@router.post("/attraction/events", response={201: EventOut, **WRITE_ERRORS}, summary="登记招商活动")
def event_create(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    user = _user(request)
    data = payload.model_dump()
    data["organiser"] = _get(Department, data.pop("organiser"), "organiser", gettext("组织单位"))
    if data["organiser"] is None:
        data.pop("organiser")
    event = services.event_create(actor=user, fields=data)
    return Status(201, _event_out(event))


# ---------------------------------------------------------------- conversion and foreign capital


@router.get("/attraction/dashboard", response={200: DashboardOut, **ERRORS}, summary="转化分析（与页面一致）")
def dashboard(request: HttpRequest, params: Query[LeadQuery]) -> dict[str, Any]:
    user = _user(request)
    filters = selectors.LeadFilters.from_params(request.GET)
    if filters.errors:
        raise ValidationError(filters.errors)
    filters.stage = ""
    data = selectors.dashboard(user=user, filters=filters)
    return {
        "funnel": data["funnel"],
        "durations": data["durations"],
        "stalled_count": data["stalled_count"],
        "stalled": [
            {
                "id": x.pk,
                "name": x.name,
                "unit": str(x.owner_unit),
                "signed_on": x.signed_on,
                "age_days": x.age_days,
                "signed_wan": x.signed_wan,
                "project_id": x.project_id,
            }
            for x in data["stalled"]
        ],
        **{f"by_{key}": rows for key, rows in data["by"].items()},
        "trend": data["trend"],
        "foreign": data["foreign"],
    }


@router.get(
    "/attraction/foreign-capital",
    response={200: list[ForeignCapitalOut], **ERRORS},
    summary="实际使用外资明细",
)
def foreign_capital_list(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    rows = selectors.foreign_capital_rows(user=_user(request), year=year)
    return [
        {
            "id": r.pk,
            "lead": _ref(r.lead),
            "period": f"{r.period:%Y-%m}",
            "amount_usd_wan": r.amount_usd_wan,
            "note": r.note,
        }
        for r in rows[:2000]
    ]


@router.post(
    "/attraction/foreign-capital",
    response={200: ForeignCapitalOut, **WRITE_ERRORS},
    summary="填报（或更正）某线索某月的实际使用外资",
)
def foreign_capital_save(request: HttpRequest, payload: ForeignCapitalIn) -> dict[str, Any]:
    user = _user(request)
    lead = selectors.lead_get(user=user, pk=payload.lead)
    row = services.foreign_capital_save(
        actor=user,
        lead=lead,
        period=_parse_period(payload.period),
        amount_usd_wan=payload.amount_usd_wan,
        note=payload.note,
    )
    return {
        "id": row.pk,
        "lead": _ref(lead),
        "period": f"{row.period:%Y-%m}",
        "amount_usd_wan": row.amount_usd_wan,
        "note": row.note,
    }
