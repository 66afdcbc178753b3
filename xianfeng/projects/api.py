"""JSON endpoints of the registry: projects and their places in each year's programme.

Thin on purpose: reads go through selectors (the same filters and order as the pages), writes
through services (the same rules, permission checks and audit log). Who may do what:

- dispatcher: everything; leader: read everything, write nothing (403);
- unit_reporter / unit_reviewer: only projects of their own unit — others are 404 and never
  listed; a reviewer may change but not create;
- admin and auditor: no business data at all — every endpoint here answers 403.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.translation import gettext, gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from xianfeng.org.choices import RegionLevel, Role
from xianfeng.org.models import Department, Leader, Region, User
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects import selectors, services
from xianfeng.projects.choices import MILESTONE_ORDER, Category, Kind, Level, MilestoneKind, Stage
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

router = Router(tags=["重点项目"])

BUSINESS_ROLES = {Role.DISPATCHER, Role.LEADER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER}
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


# ---------------------------------------------------------------- labels for error messages

_EXTRA_LABELS = {
    "unit": gettext_lazy("责任单位"),
    "q": gettext_lazy("搜索"),
    "sort": gettext_lazy("排序"),
    "archived": gettext_lazy("已归档"),
    "limit": gettext_lazy("每页条数"),
    "offset": gettext_lazy("起始位置"),
    "entry": gettext_lazy("年度计划"),
    "version": gettext_lazy("版本"),
    "year": gettext_lazy("年度"),
}


def field_label(name: str | None) -> str | None:
    """The label (in the request's language) of a field or parameter named in an error, if any."""
    if not name:
        return None
    name = name.rsplit(".", 1)[-1]
    if name in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[name])
    for model in (Project, ProgrammeEntry, StageTransition, Milestone):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return None


# ---------------------------------------------------------------- schemas (out)


class Ref(Schema):
    id: int
    name: str


class ErrorItem(Schema):
    field: str | None = Field(None, description="出错的字段或参数；整个请求的问题为 null")
    label: str | None = Field(None, description="字段的中文名")
    message: str = Field(..., description="原因（中文）")


class ErrorList(Schema):
    detail: list[ErrorItem]


class ErrorMessage(Schema):
    detail: str


class YearEntry(Schema):
    year: int
    serial: int | None
    kind: str
    kind_label: str
    level: str
    level_label: str
    planned_investment: Decimal = Field(..., description="年度计划投资（万元）")
    planned_start_month: int | None
    invested_ytd: Decimal = Field(..., description="年度累计完成投资（万元）")


class ProjectItem(Schema):
    id: int
    code: str = Field(..., description="对外显示的代码：有项目代码时为项目代码，否则为内部编号")
    national_code: str
    internal_code: str
    name: str
    category: str
    category_label: str
    stage: str
    stage_label: str
    lead_unit: Ref
    street: Ref | None
    chain: Ref | None
    park: Ref | None
    leader: Ref | None
    total_investment: Decimal = Field(..., description="总投资（万元）")
    planned_start: dt.date | None
    planned_completion: dt.date | None
    actual_start: dt.date | None
    archived: bool
    version: int
    entry: YearEntry | None = Field(None, description="按年度筛选时，该项目在该年度计划中的信息")


class ProjectPage(Schema):
    count: int = Field(..., description="符合条件的项目总数（不只本页）")
    limit: int
    offset: int
    total_investment: Decimal = Field(..., description="符合条件的项目总投资合计（万元）")
    planned_investment: Decimal | None = Field(None, description="按年度筛选时，年度计划投资合计（万元）")
    items: list[ProjectItem]


class EntryOut(Schema):
    id: int
    project: Ref
    code: str
    lead_unit: Ref
    year: int
    serial: int | None
    kind: str
    kind_label: str
    level: str
    level_label: str
    planned_investment: Decimal
    planned_start_month: int | None
    note: str
    invested_ytd: Decimal
    invested_as_of: dt.date | None
    version: int


class EntryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntryOut]


class MilestoneOut(Schema):
    kind: str
    kind_label: str
    planned_date: dt.date | None
    actual_date: dt.date | None
    note: str


class TransitionOut(Schema):
    from_stage: str
    from_stage_label: str
    to_stage: str
    to_stage_label: str
    effective_date: dt.date
    at: dt.datetime
    actor: str | None
    reason: str


class ProjectDetail(ProjectItem):
    owner: str
    location_text: str
    content: str
    land_area: Decimal | None
    floor_area: Decimal | None
    latitude: Decimal | None
    longitude: Decimal | None
    actual_completion: dt.date | None
    contact_name: str
    contact_phone: str
    is_illustrative: bool
    archived_at: dt.datetime | None
    archive_reason: str
    entries: list[EntryOut]
    milestones: list[MilestoneOut]
    transitions: list[TransitionOut]


# ---------------------------------------------------------------- schemas (in)


class ProjectListQuery(Schema):
    """Every filter is text here and parsed by ProjectFilters.from_params, as on the list page."""

    year: str | None = Field(None, description="年度，如 2024；给出时只列该年度计划内的项目")
    kind: str | None = Field(None, description="建设性质：" + "、".join(Kind.values))
    level: str | None = Field(None, description="级别：" + "、".join(Level.values))
    category: str | None = Field(None, description="项目类别：" + "、".join(Category.values))
    chain: str | None = Field(None, description="产业链 id")
    park: str | None = Field(None, description="园区 id")
    street: str | None = Field(None, description="街道 id")
    unit: str | None = Field(None, description="责任单位 id")
    stage: str | None = Field(None, description="项目阶段：" + "、".join(Stage.values))
    leader: str | None = Field(None, description="包联领导 id")
    q: str | None = Field(None, description="搜索：名称、代码、建设单位、拼音或拼音首字母")
    archived: str | None = Field(None, description="1 只列已归档项目；默认只列未归档项目")
    sort: str | None = Field(None, description="排序：" + "、".join(selectors.SORTS) + "；前加 - 为倒序")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, description="从第几条开始（0 起）")


class EntryListQuery(Schema):
    year: str | None = Field(None, description="年度")
    kind: str | None = Field(None, description="建设性质：" + "、".join(Kind.values))
    level: str | None = Field(None, description="级别：" + "、".join(Level.values))
    unit: str | None = Field(None, description="责任单位 id")
    archived: str | None = Field(None, description="1 只列已归档项目的年度计划")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class InputSchema(Schema):
    # A field the API does not know is an error, not silently dropped.
    model_config = ConfigDict(extra="forbid")


class EntryIn(InputSchema):
    serial: int | None = None
    kind: str | None = Field(None, description="建设性质：" + "、".join(Kind.values))
    level: str | None = Field(None, description="级别：" + "、".join(Level.values))
    planned_investment: Decimal | None = Field(None, description="年度计划投资（万元）")
    planned_start_month: int | None = Field(None, description="计划开工月份 1–12（新开工项目必填）")
    note: str | None = None
    invested_ytd: Decimal | None = Field(None, description="年度累计完成投资（万元）")
    invested_as_of: dt.date | None = Field(None, description="完成投资截至日期")


class EntryCreateIn(EntryIn):
    year: int = Field(..., description="年度")


class EntryPutIn(EntryIn):
    version: int | None = Field(None, description="读取时的版本号；他人已修改时返回 409")


class ProjectFieldsIn(InputSchema):
    national_code: str | None = Field(None, description="项目代码 YYYY-XXXXXX-XX-XX-XXXXXX")
    name: str | None = None
    category: str | None = Field(None, description="项目类别：" + "、".join(Category.values))
    chain: int | None = Field(None, description="产业链 id")
    park: int | None = Field(None, description="园区 id")
    street: int | None = Field(None, description="街道 id")
    lead_unit: int | None = Field(None, description="责任单位 id（单位用户可省略，默认本单位）")
    leader: int | None = Field(None, description="包联领导 id")
    owner: str | None = None
    location_text: str | None = None
    content: str | None = None
    total_investment: Decimal | None = Field(None, description="总投资（万元）")
    land_area: Decimal | None = Field(None, description="用地面积（亩）")
    floor_area: Decimal | None = Field(None, description="建筑面积（㎡）")
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    planned_start: dt.date | None = None
    planned_completion: dt.date | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class ProjectCreateIn(ProjectFieldsIn):
    name: str = Field(..., description="项目名称")
    category: str = Field(..., description="项目类别：" + "、".join(Category.values))
    total_investment: Decimal = Field(..., description="总投资（万元）")
    stage: str | None = Field(None, description="录入时的阶段（默认谋划）：" + "、".join(Stage.values))
    actual_start: dt.date | None = Field(None, description="实际开工时间（在建及以后阶段必填）")
    actual_completion: dt.date | None = Field(None, description="实际竣工时间（竣工、投产必填）")
    entry: EntryCreateIn | None = Field(None, description="同时列入某年度计划")


class ProjectPatchIn(ProjectFieldsIn):
    version: int | None = Field(None, description="读取时的版本号；他人已修改时返回 409")


class TransitionIn(InputSchema):
    to_stage: str = Field(..., description="新阶段：" + "、".join(Stage.values))
    effective_date: dt.date | None = Field(None, description="生效日期（开工、竣工日期等），默认今天")
    reason: str = Field("", description="原因（停缓建、取消、回退时必填）")


# ---------------------------------------------------------------- helpers

ERRORS: dict[int, Any] = {401: ErrorMessage, 403: ErrorMessage, 404: ErrorMessage, 422: ErrorList}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorList, 409: ErrorList}


def _user(request: HttpRequest) -> User:
    """The authenticated user, if their role may use the programme's data at all."""
    user: User = request.auth  # type: ignore[attr-defined]
    if user.role not in BUSINESS_ROLES:
        raise PermissionDenied(gettext("系统管理员和审计管理员不能访问项目数据"))
    return user


def _ref(obj: models.Model | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": getattr(obj, "name", str(obj))}


def _choice_errors(params: Any, choices: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for name, (values, what) in choices.items():
        raw = (params.get(name) or "").strip()
        if raw and raw not in values:
            errors[name] = gettext("未知的%(what)s“%(value)s”，可选：%(choices)s") % {
                "what": what,
                "value": raw,
                "choices": gettext("、").join(values),
            }
    return errors


def _filters(request: HttpRequest, keys: list[str]) -> selectors.ProjectFilters:
    """Parse list filters exactly as the page does; any malformed one is a 422 naming it."""
    params = request.GET
    filters = selectors.ProjectFilters.from_params(params)
    errors = {k: v for k, v in filters.errors.items() if k in keys}
    choices = {
        "kind": (Kind.values, gettext("建设性质")),
        "level": (Level.values, gettext("级别")),
        "category": (Category.values, gettext("项目类别")),
        "stage": (Stage.values, gettext("项目阶段")),
    }
    errors.update(_choice_errors(params, {k: v for k, v in choices.items() if k in keys}))
    sort = (params.get("sort") or "").strip()
    if "sort" in keys and sort and sort.lstrip("-") not in selectors.SORTS:
        errors["sort"] = gettext("未知的排序“%(value)s”，可选：%(choices)s（前加 - 为倒序）") % {
            "value": sort,
            "choices": gettext("、").join(selectors.SORTS),
        }
    archived = (params.get("archived") or "").strip()
    if archived and archived not in {"0", "1", "true", "false", "on", "off"}:
        errors["archived"] = gettext("“%(value)s”应为 1 或 0") % {"value": archived}
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return filters


Labels = dict[str, dict[str, str]]


def _labels() -> Labels:
    """Every choice label in the request's language, looked up once per request (a page of 200
    rows would otherwise translate each label again for every row)."""
    return {
        name: {str(value): str(label) for value, label in choices}
        for name, choices in {
            "category": Category.choices,
            "stage": Stage.choices,
            "kind": Kind.choices,
            "level": Level.choices,
            "milestone": MilestoneKind.choices,
        }.items()
    }


def _year_entry(project: Project, year: int | None, labels: Labels) -> dict[str, Any] | None:
    if not year:
        return None
    return {
        "year": year,
        "serial": project.year_serial,
        "kind": project.year_kind,
        "kind_label": labels["kind"].get(project.year_kind, project.year_kind),
        "level": project.year_level,
        "level_label": labels["level"].get(project.year_level, project.year_level),
        "planned_investment": project.year_planned_investment,
        "planned_start_month": project.year_planned_start_month,
        "invested_ytd": project.year_invested_ytd,
    }


def _project_item(project: Project, labels: Labels, year: int | None = None) -> dict[str, Any]:
    return {
        "id": project.pk,
        "code": project.code,
        "national_code": project.national_code,
        "internal_code": project.internal_code,
        "name": project.name,
        "category": project.category,
        "category_label": labels["category"].get(project.category, project.category),
        "stage": project.stage,
        "stage_label": labels["stage"].get(project.stage, project.stage),
        "lead_unit": _ref(project.lead_unit),
        "street": _ref(project.street),
        "chain": _ref(project.chain),
        "park": _ref(project.park),
        "leader": _ref(project.leader),
        "total_investment": project.total_investment,
        "planned_start": project.planned_start,
        "planned_completion": project.planned_completion,
        "actual_start": project.actual_start,
        "archived": project.archived_at is not None,
        "version": project.version,
        "entry": _year_entry(project, year, labels),
    }


def _entry_out(entry: ProgrammeEntry, project: Project, labels: Labels) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "project": {"id": project.pk, "name": project.name},
        "code": project.code,
        "lead_unit": _ref(project.lead_unit),
        "year": entry.year,
        "serial": entry.serial,
        "kind": entry.kind,
        "kind_label": labels["kind"].get(entry.kind, entry.kind),
        "level": entry.level,
        "level_label": labels["level"].get(entry.level, entry.level),
        "planned_investment": entry.planned_investment,
        "planned_start_month": entry.planned_start_month,
        "note": entry.note,
        "invested_ytd": entry.invested_ytd,
        "invested_as_of": entry.invested_as_of,
        "version": entry.version,
    }


def _project_detail(project: Project) -> dict[str, Any]:
    detail = selectors.project_detail(project=project)
    milestones: dict[str, Milestone] = detail["milestones"]
    labels = _labels()
    stage_labels = labels["stage"]
    return {
        **_project_item(project, labels),
        "owner": project.owner,
        "location_text": project.location_text,
        "content": project.content,
        "land_area": project.land_area,
        "floor_area": project.floor_area,
        "latitude": project.latitude,
        "longitude": project.longitude,
        "actual_completion": project.actual_completion,
        "contact_name": project.contact_name,
        "contact_phone": project.contact_phone,
        "is_illustrative": project.is_illustrative,
        "archived_at": project.archived_at,
        "archive_reason": project.archive_reason,
        "entries": [_entry_out(entry, project, labels) for entry in detail["entries"]],
        "milestones": [
            {
                "kind": m.kind,
                "kind_label": labels["milestone"].get(m.kind, m.kind),
                "planned_date": m.planned_date,
                "actual_date": m.actual_date,
                "note": m.note,
            }
            for kind in MILESTONE_ORDER
            if (m := milestones.get(kind)) is not None
        ],
        "transitions": [
            {
                "from_stage": t.from_stage,
                "from_stage_label": stage_labels.get(t.from_stage, ""),
                "to_stage": t.to_stage,
                "to_stage_label": stage_labels.get(t.to_stage, t.to_stage),
                "effective_date": t.effective_date,
                "at": t.at,
                "actor": t.actor.get_full_name() if t.actor else None,
                "reason": t.reason,
            }
            for t in detail["transitions"]
        ],
    }


# Foreign keys arrive as ids; an id that names nothing is a 422 on that field.
_FOREIGN_KEYS: dict[str, tuple[Any, Any]] = {
    "lead_unit": (Department.objects.all(), gettext_lazy("责任单位")),
    "chain": (IndustryChain.objects.all(), gettext_lazy("产业链")),
    "park": (Park.objects.all(), gettext_lazy("园区")),
    "street": (Region.objects.filter(level=RegionLevel.STREET), gettext_lazy("街道")),
    "leader": (Leader.objects.all(), gettext_lazy("包联领导")),
}


def _model_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the request's ids into rows, as the services expect."""
    fields: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name in _FOREIGN_KEYS and value is not None:
            queryset, what = _FOREIGN_KEYS[name]
            row = queryset.filter(pk=value).first()
            if row is None:
                errors[name] = [gettext("%(what)s（id=%(id)s）不存在") % {"what": what, "id": value}]
                continue
            value = row
        if value is None and name in {"name", "category", "total_investment", "lead_unit"}:
            errors[name] = [gettext("不能为空")]
            continue
        if value is None and isinstance(Project._meta.get_field(name), models.CharField | models.TextField):
            value = ""
        fields[name] = value
    if errors:
        raise ValidationError(errors)
    return fields


def _entry_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {}
    for name, value in data.items():
        if value is None and name == "note":
            value = ""
        fields[name] = value
    return fields


# ---------------------------------------------------------------- projects


@router.get(
    "/projects", response={200: ProjectPage, **ERRORS}, summary="项目清单（与清单页面的筛选、排序一致）"
)
def project_list(request: HttpRequest, params: Query[ProjectListQuery]) -> dict[str, Any]:
    user = _user(request)
    filters = _filters(request, [*selectors.FILTER_KEYS, "sort"])
    queryset = selectors.project_list(user=user, filters=filters)
    totals = selectors.project_totals(queryset=queryset, year=filters.year)
    page = queryset[params.offset : params.offset + params.limit]
    labels = _labels()
    return {
        "count": totals["count"],
        "limit": params.limit,
        "offset": params.offset,
        "total_investment": totals["total_investment"],
        "planned_investment": totals.get("planned_investment"),
        "items": [_project_item(project, labels, filters.year) for project in page],
    }


@router.get("/projects/{int:project_id}", response={200: ProjectDetail, **ERRORS}, summary="项目详情")
def project_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    user = _user(request)
    return _project_detail(selectors.project_get(user=user, pk=project_id))


@router.post("/projects", response={201: ProjectDetail, **WRITE_ERRORS}, summary="新建项目")
def project_create(request: HttpRequest, payload: ProjectCreateIn) -> Status[dict[str, Any]]:
    user = _user(request)
    data = payload.model_dump(exclude_unset=True)
    entry = data.pop("entry", None)
    initial = {
        name: data.pop(name) for name in ["stage", "actual_start", "actual_completion"] if name in data
    }
    if initial.get("stage") is None:
        initial.pop("stage", None)
    fields = {**_model_fields(data), **{k: v for k, v in initial.items() if v is not None}}
    year = None
    if entry is not None:
        year = entry.pop("year")
        entry = _entry_fields(entry)
    project = services.project_create(actor=user, fields=fields, entry=entry, year=year)
    return Status(201, _project_detail(selectors.project_get(user=user, pk=project.pk)))


@router.patch("/projects/{int:project_id}", response={200: ProjectDetail, **WRITE_ERRORS}, summary="修改项目")
def project_update(request: HttpRequest, project_id: int, payload: ProjectPatchIn) -> dict[str, Any]:
    user = _user(request)
    project = selectors.project_get(user=user, pk=project_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    services.project_update(actor=user, project=project, fields=_model_fields(data), expected_version=version)
    return _project_detail(selectors.project_get(user=user, pk=project.pk))


@router.post(
    "/projects/{int:project_id}/transition",
    response={200: ProjectDetail, **WRITE_ERRORS},
    summary="阶段变更（开工、竣工、投产、停缓建等）",
)
def project_transition(request: HttpRequest, project_id: int, payload: TransitionIn) -> dict[str, Any]:
    user = _user(request)
    project = selectors.project_get(user=user, pk=project_id)
    services.project_transition(
        actor=user,
        project=project,
        to_stage=payload.to_stage.strip(),
        effective_date=payload.effective_date,
        reason=payload.reason,
    )
    return _project_detail(selectors.project_get(user=user, pk=project.pk))


# ---------------------------------------------------------------- programme entries


@router.get(
    "/programme-entries",
    response={200: EntryPage, **ERRORS},
    tags=["年度计划"],
    summary="年度计划清单",
)
def entry_list(request: HttpRequest, params: Query[EntryListQuery]) -> dict[str, Any]:
    user = _user(request)
    filters = _filters(request, ["year", "kind", "level", "unit"])
    queryset = ProgrammeEntry.objects.restrict(user, "view").filter(
        project__archived_at__isnull=not filters.archived
    )
    for name, column in [
        ("year", "year"),
        ("kind", "kind"),
        ("level", "level"),
        ("unit", "project__lead_unit_id"),
    ]:
        value = getattr(filters, name)
        if value not in (None, ""):
            queryset = queryset.filter(**{column: value})
    queryset = queryset.select_related("project", "project__lead_unit").order_by(
        "-year", "serial", "project__internal_code", "id"
    )
    count = queryset.count()
    page = queryset[params.offset : params.offset + params.limit]
    labels = _labels()
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "items": [_entry_out(entry, entry.project, labels) for entry in page],
    }


@router.get(
    "/projects/{int:project_id}/entries/{int:year}",
    response={200: EntryOut, **ERRORS},
    tags=["年度计划"],
    summary="项目某年度的计划",
)
def entry_get(request: HttpRequest, project_id: int, year: int) -> dict[str, Any]:
    user = _user(request)
    project = selectors.project_get(user=user, pk=project_id)
    entry = ProgrammeEntry.objects.restrict(user, "view").filter(project=project, year=year).first()
    if entry is None:
        raise Http404
    return _entry_out(entry, project, _labels())


@router.put(
    "/projects/{int:project_id}/entries/{int:year}",
    response={200: EntryOut, 201: EntryOut, **WRITE_ERRORS},
    tags=["年度计划"],
    summary="列入或修改项目某年度的计划（新建返回 201）",
)
def entry_put(
    request: HttpRequest, project_id: int, year: int, payload: EntryPutIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    project = selectors.project_get(user=user, pk=project_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    existed = ProgrammeEntry.objects.filter(project=project, year=year).exists()
    entry = services.programme_entry_save(
        actor=user, project=project, year=year, fields=_entry_fields(data), expected_version=version
    )
    return Status(200 if existed else 201, _entry_out(entry, project, _labels()))
