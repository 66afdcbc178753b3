"""JSON endpoints of problem coordination: problems and their steps, instructions and replies,
supervision orders. Reads go through selectors, writes through services — the same rules,
permission checks, history and notifications as the pages.

- 404: the row does not exist or the user may not see it (another unit's problem);
- 403: the role or unit may not take this step (a unit closing a problem it does not own);
- 422: invalid input or a step the problem's state does not allow, with the reason in Chinese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from xianfeng.coordination import selectors, services
from xianfeng.coordination.choices import (
    AgeBucket,
    InstructionStatus,
    ProblemSource,
    ProblemStatus,
    ProblemType,
    SupervisionStatus,
)
from xianfeng.coordination.models import Instruction, Problem, SupervisionOrder
from xianfeng.org.models import Department
from xianfeng.projects.api import ERRORS, WRITE_ERRORS, _user
from xianfeng.projects.selectors import project_get

router = Router(tags=["问题协调"])
MAX_LIMIT = 200


class Ref(Schema):
    id: int
    name: str


class EventOut(Schema):
    at: dt.datetime
    actor: str
    actor_unit: str
    action: str
    action_label: str
    from_status: str
    to_status: str
    from_level: int | None
    to_level: int | None
    note: str


class ReplyOut(Schema):
    id: int
    unit: Ref
    author: str
    text: str
    at: dt.datetime
    late: bool


class InstructionOut(Schema):
    id: int
    project: Ref
    problem_id: int | None
    leader: str
    text: str
    issued_at: dt.datetime
    reply_days: int
    reply_deadline: dt.date
    status: str
    status_label: str
    units: list[Ref]
    replies: list[ReplyOut]
    escalated: bool


class PlanOut(Schema):
    text: str
    submitted_by: str
    submitted_at: dt.datetime
    late: bool
    decision: str
    decision_note: str


class OrderOut(Schema):
    id: int
    number: str
    problem_id: int
    unit: Ref
    issued_at: dt.datetime
    requirement: str
    plan_days: int
    plan_deadline: dt.date
    status: str
    status_label: str
    closed_at: dt.datetime | None
    plans: list[PlanOut]


class ProblemItem(Schema):
    id: int
    number: str
    project: Ref
    type: str
    type_label: str
    title: str
    source: str
    raised_from_period: str
    raised_at: dt.datetime
    raised_unit: Ref | None
    primary_unit: Ref | None
    status: str
    status_label: str
    level: int
    level_label: str
    deadline: dt.date | None
    deadline_days: int | None
    overdue: bool
    days_to_close: int | None


class ProblemPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProblemItem]


class AttachmentOut(Schema):
    id: int
    name: str
    kind: str
    size: int
    url: str


class ProblemDetailOut(ProblemItem):
    description: str
    resolution: str
    units: list[Ref]
    events: list[EventOut]
    attachments: list[AttachmentOut]
    instructions: list[InstructionOut]
    supervision_orders: list[OrderOut]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ProblemIn(InputSchema):
    project: int = Field(..., description="项目 id")
    type: str = Field(..., description="问题类型：" + "、".join(ProblemType.values))
    title: str = Field(..., description="问题摘要")
    description: str = Field(..., description="问题描述")
    source: str = Field(ProblemSource.DIRECT, description="来源：direct 直接提出、report 月度调度")
    period: str | None = Field(None, description="调度期 YYYY-MM（来自月度调度时必填）")
    units: list[int] | None = Field(None, description="调度专员可同时交办：责任单位 id")
    primary_unit: int | None = None
    deadline_days: int | None = Field(None, description="办理时限（工作日）")
    deadline: dt.date | None = Field(None, description="或办理期限日期")


class AssignIn(InputSchema):
    units: list[int] = Field(..., description="责任单位 id，至少一个")
    primary_unit: int | None = Field(None, description="牵头单位 id（默认第一个）")
    deadline_days: int | None = Field(None, description="办理时限（工作日）")
    deadline: dt.date | None = Field(None, description="或办理期限日期（不能早于今天）")
    note: str = ""


class TransitionIn(InputSchema):
    action: str = Field(
        ...,
        description="accept 受理、start 开始办理、progress 办理进展、resolve 办结、"
        "close 确认销号、reopen 退回重办",
    )
    note: str = ""
    resolution: str = Field("", description="办结时必填：办理结果")


class NoteIn(InputSchema):
    note: str


class InstructionIn(InputSchema):
    text: str
    reply_days: int = Field(5, description="回复时限（工作日）")


class TextIn(InputSchema):
    text: str


class OrderIn(InputSchema):
    requirement: str
    plan_days: int = Field(3, description="整改方案报送时限（工作日）")


class DecisionIn(InputSchema):
    accept: bool
    note: str = ""


class ProblemQuery(Schema):
    status: str | None = Field(
        None, description="状态：active（未销号）或 " + "、".join(ProblemStatus.values)
    )
    type: str | None = Field(None, description="问题类型：" + "、".join(ProblemType.values))
    unit: str | None = Field(None, description="责任单位 id")
    leader: str | None = Field(None, description="包联领导 id")
    project: str | None = Field(None, description="项目 id")
    age: str | None = Field(None, description="时长：" + "、".join(AgeBucket.values))
    level: str | None = Field(None, description="协调层级 1–5")
    overdue: str | None = Field(None, description="1 只列超期问题")
    q: str | None = None
    sort: str | None = Field(None, description="排序：" + "、".join(selectors.SORTS))
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


# ---------------------------------------------------------------- shaping


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, "name", str(obj))}


def _item(problem: Problem, today: dt.date) -> dict[str, Any]:
    return {
        "id": problem.pk,
        "number": problem.number,
        "project": _ref(problem.project),
        "type": problem.type,
        "type_label": problem.get_type_display(),
        "title": problem.title,
        "source": problem.source,
        "raised_from_period": problem.raised_from_period,
        "raised_at": problem.raised_at,
        "raised_unit": _ref(problem.raised_unit),
        "primary_unit": _ref(problem.primary_unit),
        "status": problem.status,
        "status_label": problem.get_status_display(),
        "level": problem.level,
        "level_label": problem.get_level_display(),
        "deadline": problem.deadline,
        "deadline_days": problem.deadline_days,
        "overdue": problem.is_overdue(today),
        "days_to_close": problem.days_to_close,
    }


def _instruction(i: Instruction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "project": _ref(i.project),
        "problem_id": i.problem_id,
        "leader": str(i.leader or i.author),
        "text": i.text,
        "issued_at": i.issued_at,
        "reply_days": i.reply_days,
        "reply_deadline": i.reply_deadline,
        "status": i.status,
        "status_label": i.get_status_display(),
        "units": [_ref(u) for u in i.units.all()],
        "replies": [
            {
                "id": r.pk,
                "unit": _ref(r.department),
                "author": str(r.author),
                "text": r.text,
                "at": r.at,
                "late": r.late,
            }
            for r in i.replies.all()
        ],
        "escalated": i.escalated_at is not None,
    }


def _order(o: SupervisionOrder) -> dict[str, Any]:
    return {
        "id": o.pk,
        "number": o.number,
        "problem_id": o.problem_id,
        "unit": _ref(o.unit),
        "issued_at": o.issued_at,
        "requirement": o.requirement,
        "plan_days": o.plan_days,
        "plan_deadline": o.plan_deadline,
        "status": o.status,
        "status_label": o.get_status_display(),
        "closed_at": o.closed_at,
        "plans": [
            {
                "text": p.text,
                "submitted_by": str(p.submitted_by),
                "submitted_at": p.submitted_at,
                "late": p.late,
                "decision": p.decision,
                "decision_note": p.decision_note,
            }
            for p in o.plans.all()
        ],
    }


def _detail(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    from django.urls import reverse

    user = _user(request)
    problem = selectors.problem_get(user=user, pk=problem_id)
    detail = selectors.problem_detail(user=user, problem=problem)
    return {
        **_item(problem, selectors.clock.today()),
        "description": problem.description,
        "resolution": problem.resolution,
        "units": [_ref(link.department) for link in detail.units],
        "events": [
            {
                "at": e.at,
                "actor": e.actor_name,
                "actor_unit": e.actor_unit,
                "action": e.action,
                "action_label": e.get_action_display(),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "from_level": e.from_level,
                "to_level": e.to_level,
                "note": e.note,
            }
            for e in detail.events
        ],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "kind": a.kind,
                "size": a.size,
                "url": reverse("coordination:attachment_download", args=[a.pk]),
            }
            for a in detail.attachments
        ],
        "instructions": [_instruction(i) for i in detail.instructions],
        "supervision_orders": [_order(o) for o in detail.orders],
    }


def _departments(ids: list[int] | None, field: str) -> list[Department]:
    if not ids:
        return []
    found = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {field: gettext("责任单位（id=%(ids)s）不存在") % {"ids": gettext("、").join(missing)}}
        )
    return [found[pk] for pk in ids]


def _department(pk: int | None, field: str) -> Department | None:
    return _departments([pk], field)[0] if pk else None


# ---------------------------------------------------------------- problems


@router.get("/problems", response={200: ProblemPage, **ERRORS}, summary="问题清单（与问题看板的筛选一致）")
def problem_list(request: HttpRequest, params: Query[ProblemQuery]) -> dict[str, Any]:
    user = _user(request)
    filters = selectors.BoardFilters.from_params(request.GET)
    if filters.errors:
        raise ValidationError({name: [message] for name, message in filters.errors.items()})
    today = selectors.clock.today()
    qs = selectors.problem_board(user=user, filters=filters, today=today)
    count = qs.count()
    page = qs[params.offset : params.offset + params.limit]
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "items": [_item(p, today) for p in page],
    }


@router.get(
    "/problems/{int:problem_id}", response={200: ProblemDetailOut, **ERRORS}, summary="问题详情与办理记录"
)
def problem_detail(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    return _detail(request, problem_id)


@router.post("/problems", response={201: ProblemDetailOut, **WRITE_ERRORS}, summary="提出问题")
def problem_raise(request: HttpRequest, payload: ProblemIn) -> Status[dict[str, Any]]:
    user = _user(request)
    project = project_get(user=user, pk=payload.project)
    problem = services.problem_raise(
        actor=user,
        project=project,
        type=payload.type,
        title=payload.title,
        description=payload.description,
        source=payload.source,
        period=payload.period,
        units=_departments(payload.units, "units") or None,
        primary_unit=_department(payload.primary_unit, "primary_unit"),
        deadline_days=payload.deadline_days,
        deadline=payload.deadline,
    )
    return Status(201, _detail(request, problem.pk))


@router.post(
    "/problems/{int:problem_id}/assign",
    response={200: ProblemDetailOut, **WRITE_ERRORS},
    summary="交办（调度专员）",
)
def problem_assign(request: HttpRequest, problem_id: int, payload: AssignIn) -> dict[str, Any]:
    user = _user(request)
    problem = selectors.problem_get(user=user, pk=problem_id)
    services.problem_assign(
        actor=user,
        problem=problem,
        units=_departments(payload.units, "units"),
        primary_unit=_department(payload.primary_unit, "primary_unit"),
        deadline_days=payload.deadline_days,
        deadline=payload.deadline,
        note=payload.note,
    )
    return _detail(request, problem_id)


@router.post(
    "/problems/{int:problem_id}/transition",
    response={200: ProblemDetailOut, **WRITE_ERRORS},
    summary="办理步骤：受理、开始办理、进展、办结（责任单位）；确认销号、退回重办（提出单位或调度专员）",
)
def problem_transition(request: HttpRequest, problem_id: int, payload: TransitionIn) -> dict[str, Any]:
    user = _user(request)
    problem = selectors.problem_get(user=user, pk=problem_id)
    services.problem_transition(
        actor=user,
        problem=problem,
        action=payload.action.strip(),
        note=payload.note,
        resolution=payload.resolution,
    )
    return _detail(request, problem_id)


@router.post(
    "/problems/{int:problem_id}/escalate",
    response={200: ProblemDetailOut, **WRITE_ERRORS},
    summary="升级（调度专员）",
)
def problem_escalate(request: HttpRequest, problem_id: int, payload: NoteIn) -> dict[str, Any]:
    user = _user(request)
    problem = selectors.problem_get(user=user, pk=problem_id)
    services.problem_escalate(actor=user, problem=problem, note=payload.note)
    return _detail(request, problem_id)


# ---------------------------------------------------------------- instructions


@router.post(
    "/problems/{int:problem_id}/instructions",
    response={201: InstructionOut, **WRITE_ERRORS},
    tags=["领导批示"],
    summary="对问题作批示（区领导）",
)
def problem_instruct(request: HttpRequest, problem_id: int, payload: InstructionIn) -> Status[dict[str, Any]]:
    user = _user(request)
    problem = selectors.problem_get(user=user, pk=problem_id)
    instruction = services.instruction_create(
        actor=user, problem=problem, text=payload.text, reply_days=payload.reply_days
    )
    return Status(201, _instruction(selectors.instruction_get(user=user, pk=instruction.pk)))


@router.post(
    "/projects/{int:project_id}/instructions",
    response={201: InstructionOut, **WRITE_ERRORS},
    tags=["领导批示"],
    summary="对项目作批示（区领导）",
)
def project_instruct(request: HttpRequest, project_id: int, payload: InstructionIn) -> Status[dict[str, Any]]:
    user = _user(request)
    project = project_get(user=user, pk=project_id)
    instruction = services.instruction_create(
        actor=user, project=project, text=payload.text, reply_days=payload.reply_days
    )
    return Status(201, _instruction(selectors.instruction_get(user=user, pk=instruction.pk)))


class InstructionQuery(Schema):
    status: str | None = Field(None, description="状态：" + "、".join(InstructionStatus.values))
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class InstructionPage(Schema):
    count: int
    items: list[InstructionOut]


@router.get("/instructions", response={200: InstructionPage, **ERRORS}, tags=["领导批示"], summary="批示清单")
def instruction_list(request: HttpRequest, params: Query[InstructionQuery]) -> dict[str, Any]:
    user = _user(request)
    status = (params.status or "").strip()
    if status and status not in InstructionStatus.values:
        raise ValidationError({"status": gettext("未知的状态“%(status)s”") % {"status": status}})
    qs = selectors.instruction_list(user=user, status=status)
    return {
        "count": qs.count(),
        "items": [_instruction(i) for i in qs[params.offset : params.offset + params.limit]],
    }


@router.get(
    "/instructions/{int:instruction_id}",
    response={200: InstructionOut, **ERRORS},
    tags=["领导批示"],
    summary="批示详情",
)
def instruction_detail(request: HttpRequest, instruction_id: int) -> dict[str, Any]:
    user = _user(request)
    return _instruction(selectors.instruction_get(user=user, pk=instruction_id))


@router.post(
    "/instructions/{int:instruction_id}/replies",
    response={201: InstructionOut, **WRITE_ERRORS},
    tags=["领导批示"],
    summary="回复批示（须回复的单位）",
)
def instruction_reply(request: HttpRequest, instruction_id: int, payload: TextIn) -> Status[dict[str, Any]]:
    user = _user(request)
    instruction = selectors.instruction_get(user=user, pk=instruction_id)
    services.instruction_reply(actor=user, instruction=instruction, text=payload.text)
    return Status(201, _instruction(selectors.instruction_get(user=user, pk=instruction_id)))


# ---------------------------------------------------------------- supervision orders


class OrderQuery(Schema):
    status: str | None = Field(None, description="状态：" + "、".join(SupervisionStatus.values))
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class OrderPage(Schema):
    count: int
    items: list[OrderOut]


@router.get("/supervision-orders", response={200: OrderPage, **ERRORS}, tags=["督办单"], summary="督办单清单")
def order_list(request: HttpRequest, params: Query[OrderQuery]) -> dict[str, Any]:
    user = _user(request)
    status = (params.status or "").strip()
    if status and status not in SupervisionStatus.values:
        raise ValidationError({"status": gettext("未知的状态“%(status)s”") % {"status": status}})
    qs = selectors.supervision_list(user=user, status=status).prefetch_related("plans__submitted_by")
    return {
        "count": qs.count(),
        "items": [_order(o) for o in qs[params.offset : params.offset + params.limit]],
    }


@router.get(
    "/supervision-orders/{int:order_id}",
    response={200: OrderOut, **ERRORS},
    tags=["督办单"],
    summary="督办单详情",
)
def order_detail(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return _order(selectors.supervision_get(user=_user(request), pk=order_id))


@router.post(
    "/problems/{int:problem_id}/supervision-orders",
    response={201: OrderOut, **WRITE_ERRORS},
    tags=["督办单"],
    summary="对超期问题下达督办单（调度专员）",
)
def order_issue(request: HttpRequest, problem_id: int, payload: OrderIn) -> Status[dict[str, Any]]:
    user = _user(request)
    problem = selectors.problem_get(user=user, pk=problem_id)
    order = services.supervision_issue(
        actor=user, problem=problem, requirement=payload.requirement, plan_days=payload.plan_days
    )
    return Status(201, _order(selectors.supervision_get(user=user, pk=order.pk)))


@router.post(
    "/supervision-orders/{int:order_id}/plan",
    response={200: OrderOut, **WRITE_ERRORS},
    tags=["督办单"],
    summary="报送整改方案（被督办单位）",
)
def order_plan(request: HttpRequest, order_id: int, payload: TextIn) -> dict[str, Any]:
    user = _user(request)
    order = selectors.supervision_get(user=user, pk=order_id)
    services.supervision_submit_plan(actor=user, order=order, text=payload.text)
    return _order(selectors.supervision_get(user=user, pk=order_id))


@router.post(
    "/supervision-orders/{int:order_id}/decision",
    response={200: OrderOut, **WRITE_ERRORS},
    tags=["督办单"],
    summary="审核整改方案：采纳或退回（调度专员）",
)
def order_decide(request: HttpRequest, order_id: int, payload: DecisionIn) -> dict[str, Any]:
    user = _user(request)
    order = selectors.supervision_get(user=user, pk=order_id)
    services.supervision_decide(actor=user, order=order, accept=payload.accept, note=payload.note)
    return _order(selectors.supervision_get(user=user, pk=order_id))


@router.post(
    "/supervision-orders/{int:order_id}/close",
    response={200: OrderOut, **WRITE_ERRORS},
    tags=["督办单"],
    summary="办结督办单（调度专员）",
)
def order_close(request: HttpRequest, order_id: int, payload: NoteIn) -> dict[str, Any]:
    user = _user(request)
    order = selectors.supervision_get(user=user, pk=order_id)
    services.supervision_close(actor=user, order=order, note=payload.note)
    return _order(selectors.supervision_get(user=user, pk=order_id))
