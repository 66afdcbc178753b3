"""JSON endpoints of the monthly dispatch: periods, reports, submission and review, photos.

Reads go through selectors, writes through services — the same rules, history, audit and
notifications as the pages. Periods are named ``YYYY-MM``.

- 404: the row does not exist or the user may not see it (another unit's report);
- 403: the role may not take this step (a leader saving, a clerk accepting);
- 409: the report was saved by someone else since ``version``; nothing was overwritten;
- 422: invalid input, with the field and the reason in Chinese; warnings never block a save and
  come back in ``warnings``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict

from xianfeng.dispatch import selectors, services
from xianfeng.dispatch.choices import ReportStatus
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
from xianfeng.org.choices import Role
from xianfeng.projects.api import ERRORS, WRITE_ERRORS, _user

router = Router(tags=["月度调度"])
MAX_LIMIT = 500


class Ref(Schema):
    id: int
    name: str


class PeriodOut(Schema):
    key: str = Field(..., description="调度期，YYYY-MM")
    year: int
    month: int
    label: str
    deadline: dt.date = Field(..., description="报送截止日期（次月第 N 个工作日）")
    status: str
    status_label: str
    note: str
    due: int = Field(..., description="应报报告数")
    handed_in: int = Field(..., description="已报送（已提交、单位已审核、已采纳）")
    accepted: int
    late: int = Field(..., description="逾期报送数")


class PeriodIn(Schema):
    model_config = ConfigDict(extra="forbid")
    year: int
    month: int
    note: str = ""


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str


class VersionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(None, description="读取时的版本；不一致返回 409")


class ReportIn(Schema):
    """What a unit reports; the year-to-date and since-start figures are computed."""

    model_config = ConfigDict(extra="forbid")
    invested_month: Decimal | None = Field(None, description="本月完成投资（万元），提交时必填")
    progress_text: str = ""
    progress_percent: int | None = Field(None, description="形象进度百分比 0–100")
    workers_on_site: int | None = None
    stage_reached: str = Field(
        "", description="本月达到阶段：construction / completed / operating，空为无变化"
    )
    stage_date: dt.date | None = None
    problems_text: str = Field("", description="存在问题及需协调事项；提交时转为协调问题")
    problem_type: str = ""
    explanation: str = ""
    percent_drop_reason: str = ""
    contact: str = ""
    version: int | None = Field(None, description="读取时的版本（新报告为 0）；不一致返回 409")
    submit: bool = Field(False, description="保存后直接提交")


class EventOut(Schema):
    at: dt.datetime
    actor: str
    actor_unit: str
    action: str
    action_label: str
    from_status: str
    to_status: str
    changes: dict[str, Any]
    note: str


class PhotoOut(Schema):
    id: int
    url: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    taken_at: dt.datetime | None = Field(None, description="拍摄时间（EXIF）")
    caption: str
    uploaded_at: dt.datetime


class ReportOut(Schema):
    id: int
    period: str
    entry_id: int
    project: Ref
    code: str
    unit: Ref
    status: str
    status_label: str
    invested_month: Decimal | None
    invested_ytd: Decimal
    invested_since_start: Decimal
    planned_investment: Decimal
    progress_text: str
    progress_percent: int | None
    workers_on_site: int | None
    stage_reached: str
    stage_date: dt.date | None
    problems_text: str
    problem_type: str
    explanation: str
    percent_drop_reason: str
    contact: str
    submitted_at: dt.datetime | None
    submitted_late: bool
    return_reason: str
    version: int


class ReportDetailOut(ReportOut):
    events: list[EventOut]
    photos: list[PhotoOut]
    warnings: dict[str, list[str]] = Field(default_factory=dict, description="保存时的提醒（不影响保存）")


class ReportPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReportOut]


class ReportQuery(Schema):
    status: str | None = Field(
        None, description="状态：" + "、".join(ReportStatus.values) + "、handed_in、open"
    )
    unit: int | None = Field(None, description="责任单位 id")
    late: bool | None = None
    q: str | None = Field(None, description="项目名称或代码")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ReviewOut(Schema):
    done: list[int]
    skipped: list[dict[str, Any]]


# ---------------------------------------------------------------- helpers


def _period_out(period: ReportingPeriod) -> dict[str, Any]:
    units = selectors.period_unit_progress(period=period)
    return {
        "key": period.key,
        "year": period.year,
        "month": period.month,
        "label": period.label,
        "deadline": period.deadline,
        "status": period.status,
        "status_label": period.get_status_display(),
        "note": period.note,
        "due": sum(u.due for u in units),
        "handed_in": sum(u.handed_in for u in units),
        "accepted": sum(u.accepted for u in units),
        "late": sum(u.late for u in units),
    }


def _report_out(report: MonthlyReport) -> dict[str, Any]:
    project = report.project
    return {
        "id": report.pk,
        "period": report.period.key,
        "entry_id": report.entry_id,
        "project": {"id": project.pk, "name": project.name},
        "code": project.code,
        "unit": {"id": project.lead_unit_id, "name": str(project.lead_unit)},
        "status": report.status,
        "status_label": report.get_status_display(),
        "invested_month": report.invested_month,
        "invested_ytd": report.invested_ytd,
        "invested_since_start": report.invested_since_start,
        "planned_investment": report.entry.planned_investment,
        "progress_text": report.progress_text,
        "progress_percent": report.progress_percent,
        "workers_on_site": report.workers_on_site,
        "stage_reached": report.stage_reached,
        "stage_date": report.stage_date,
        "problems_text": report.problems_text,
        "problem_type": report.problem_type,
        "explanation": report.explanation,
        "percent_drop_reason": report.percent_drop_reason,
        "contact": report.contact,
        "submitted_at": report.submitted_at,
        "submitted_late": report.submitted_late,
        "return_reason": report.return_reason,
        "version": report.version,
    }


def _detail(user: Any, pk: int, warnings: dict[str, list[str]] | None = None) -> dict[str, Any]:
    report = selectors.report_get(user=user, pk=pk)
    return {
        **_report_out(report),
        "events": [
            {
                "at": e.at,
                "actor": e.actor_name,
                "actor_unit": e.actor_unit,
                "action": e.action,
                "action_label": e.get_action_display(),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "changes": e.changes,
                "note": e.note,
            }
            for e in selectors.report_history(report=report)
        ],
        "photos": [_photo_out(p) for p in selectors.report_photos(report=report)],
        "warnings": warnings or {},
    }


def _photo_out(photo: Any) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "url": reverse("dispatch:photo", args=[photo.pk]),
        "content_type": photo.content_type,
        "size": photo.size,
        "width": photo.width,
        "height": photo.height,
        "taken_at": photo.taken_at,
        "caption": photo.caption,
        "uploaded_at": photo.uploaded_at,
    }


def _writer(user: Any, roles: set[str], message: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(message)


# ---------------------------------------------------------------- periods


@router.get("/dispatch/periods", response={200: list[PeriodOut], **ERRORS}, summary="调度期清单")
def period_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    return [_period_out(p) for p in selectors.period_list(user=user)]


@router.post("/dispatch/periods", response={201: PeriodOut, **WRITE_ERRORS}, summary="开启调度期（调度专员）")
def period_open(request: HttpRequest, payload: PeriodIn) -> Status[dict[str, Any]]:
    user = _user(request)
    period = services.period_open(actor=user, year=payload.year, month=payload.month, note=payload.note)
    return Status(201, _period_out(period))


@router.get("/dispatch/periods/{key}", response={200: PeriodOut, **ERRORS}, summary="调度期详情")
def period_detail(request: HttpRequest, key: str) -> dict[str, Any]:
    return _period_out(selectors.period_get(user=_user(request), key=key))


@router.post(
    "/dispatch/periods/{key}/close",
    response={200: PeriodOut, **WRITE_ERRORS},
    summary="关闭调度期（调度专员）",
)
def period_close(request: HttpRequest, key: str) -> dict[str, Any]:
    user = _user(request)
    _writer(user, {Role.DISPATCHER}, gettext("只有调度专员可以关闭调度期"))
    period = selectors.period_get(user=user, key=key, action="change")
    return _period_out(services.period_close(actor=user, period=period))


@router.post(
    "/dispatch/periods/{key}/reopen",
    response={200: PeriodOut, **WRITE_ERRORS},
    summary="重新开启调度期（调度专员）",
)
def period_reopen(request: HttpRequest, key: str, payload: ReasonIn) -> dict[str, Any]:
    user = _user(request)
    _writer(user, {Role.DISPATCHER}, gettext("只有调度专员可以重新开启调度期"))
    period = selectors.period_get(user=user, key=key, action="change")
    return _period_out(services.period_reopen(actor=user, period=period, reason=payload.reason))


# ---------------------------------------------------------------- reports


@router.get(
    "/dispatch/periods/{key}/reports",
    response={200: ReportPage, **ERRORS},
    summary="某调度期的报告（可筛选）",
)
def report_list(request: HttpRequest, key: str, params: Query[ReportQuery]) -> dict[str, Any]:
    user = _user(request)
    period = selectors.period_get(user=user, key=key)
    status = (params.status or "").strip()
    if status and status not in ReportStatus.values and status not in {"handed_in", "open"}:
        raise ValidationError({"status": gettext("未知的状态“%(status)s”") % {"status": status}})
    filters = selectors.ReportFilters(
        status=status, unit=params.unit, late=params.late, q=(params.q or "")[:50]
    )
    qs = selectors.report_list(user=user, period=period, filters=filters)
    count = qs.count()
    page = qs[params.offset : params.offset + params.limit]
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "items": [_report_out(r) for r in page],
    }


@router.get(
    "/dispatch/reports/{int:report_id}", response={200: ReportDetailOut, **ERRORS}, summary="报告详情与记录"
)
def report_detail(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return _detail(_user(request), report_id)


@router.put(
    "/dispatch/periods/{key}/entries/{int:entry_id}/report",
    response={200: ReportDetailOut, 201: ReportDetailOut, **WRITE_ERRORS},
    summary="填报（保存或保存并提交）某项目的月报；新建返回 201",
)
def report_save(request: HttpRequest, key: str, entry_id: int, payload: ReportIn) -> Status[dict[str, Any]]:
    user = _user(request)
    period = selectors.period_get(user=user, key=key)
    entry = selectors.entry_get(user=user, pk=entry_id)
    _writer(user, services.SAVERS, gettext("只有单位填报员或调度专员可以填报月报"))
    data = payload.model_dump()
    version = data.pop("version")
    submit = data.pop("submit")
    existed = MonthlyReport.objects.filter(entry=entry, period=period).exists()
    report, warnings = services.report_save(
        actor=user, entry=entry, period=period, values=data, expected_version=version, submit=submit
    )
    return Status(200 if existed else 201, _detail(user, report.pk, warnings))


@router.post(
    "/dispatch/reports/{int:report_id}/submit",
    response={200: ReportDetailOut, **WRITE_ERRORS},
    summary="提交月报",
)
def report_submit(request: HttpRequest, report_id: int, payload: VersionIn) -> dict[str, Any]:
    user = _user(request)
    report = selectors.report_get(user=user, pk=report_id)
    _writer(user, services.SAVERS, gettext("只有单位填报员或调度专员可以提交月报"))
    report = selectors.report_get(user=user, pk=report_id, action="change")
    services.report_submit(actor=user, report=report, expected_version=payload.version)
    return _detail(user, report_id)


def _review(request: HttpRequest, report_id: int, roles: set[str], message: str) -> tuple[Any, MonthlyReport]:
    user = _user(request)
    selectors.report_get(user=user, pk=report_id)
    _writer(user, roles, message)
    return user, selectors.report_get(user=user, pk=report_id, action="change")


def _strict(result: services.ReviewResult) -> None:
    if result.skipped:
        raise ValidationError({"status": result.skipped[0][1]})


@router.post(
    "/dispatch/reports/{int:report_id}/approve",
    response={200: ReportDetailOut, **WRITE_ERRORS},
    summary="单位审核通过（单位审核员）",
)
def report_approve(request: HttpRequest, report_id: int) -> dict[str, Any]:
    user, report = _review(
        request, report_id, {Role.UNIT_REVIEWER, Role.DISPATCHER}, gettext("只有单位审核员可以审核月报")
    )
    _strict(services.reports_approve(actor=user, reports=[report]))
    return _detail(user, report_id)


@router.post(
    "/dispatch/reports/{int:report_id}/accept",
    response={200: ReportDetailOut, **WRITE_ERRORS},
    summary="采纳（调度专员）",
)
def report_accept(request: HttpRequest, report_id: int) -> dict[str, Any]:
    user, report = _review(request, report_id, {Role.DISPATCHER}, gettext("只有调度专员可以采纳月报"))
    _strict(services.reports_accept(actor=user, reports=[report]))
    return _detail(user, report_id)


@router.post(
    "/dispatch/reports/{int:report_id}/return",
    response={200: ReportDetailOut, **WRITE_ERRORS},
    summary="退回（调度专员；单位审核员可退回本单位已提交的报告），须说明原因",
)
def report_return(request: HttpRequest, report_id: int, payload: ReasonIn) -> dict[str, Any]:
    user, report = _review(
        request,
        report_id,
        {Role.DISPATCHER, Role.UNIT_REVIEWER},
        gettext("只有单位审核员或调度专员可以退回月报"),
    )
    services.report_return(actor=user, report=report, reason=payload.reason)
    return _detail(user, report_id)


@router.post(
    "/dispatch/reports/{int:report_id}/photos",
    response={201: PhotoOut, **WRITE_ERRORS},
    summary="上传现场照片（JPEG/PNG，multipart 字段 photo）",
)
def photo_upload(
    request: HttpRequest, report_id: int, photo: File[UploadedFile], caption: Form[str] = ""
) -> Status[dict[str, Any]]:
    user = _user(request)
    selectors.report_get(user=user, pk=report_id)
    _writer(user, services.SAVERS, gettext("只有单位填报员或调度专员可以上传照片"))
    report = selectors.report_get(user=user, pk=report_id, action="change")
    created = services.report_photo_add(actor=user, report=report, upload=photo, caption=caption)
    return Status(201, _photo_out(created))


# ---------------------------------------------------------------- statistics (issue 3, part 7)
# The figures of dispatch.statistics.period_statistics, as the statistics page and the bulletin state them.

from xianfeng.dispatch import statistics as dispatch_statistics  # noqa: E402


class StatPeriodOut(Schema):
    key: str
    year: int
    month: int
    label: str
    deadline: dt.date
    status: str


class FiguresOut(Schema):
    key: str
    label: str
    count: int = Field(..., description="项目数")
    total_investment: Decimal = Field(..., description="总投资（万元）")
    planned_investment: Decimal = Field(..., description="年度计划投资（万元）")
    invested_ytd: Decimal = Field(
        ..., description="截至本月累计完成投资（万元；最近一期已报送报告的1–N月累计）"
    )
    new_starts: int = Field(..., description="新开工项目数")
    due_to_start: int = Field(..., description="计划本月底前开工的新开工项目数")
    started: int = Field(..., description="本月底前已开工的新开工项目数")
    started_due: int = Field(..., description="应开工项目中已开工的数量")
    behind: int = Field(..., description="投资完成率低于时间进度的项目数")
    completion_rate: Decimal | None = Field(None, description="投资完成率（%），计划为 0 时为 null")
    gap: Decimal | None = Field(None, description="完成率减时间进度（百分点，负数为落后）")
    start_rate: Decimal | None = Field(None, description="开工率（%）= 已开工 ÷ 应开工")
    start_rate_all: Decimal | None = Field(None, description="已开工 ÷ 全部新开工（%）")


class BehindOut(Schema):
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
    gap: Decimal = Field(..., description="时间进度减完成率（百分点，正数为落后）")


class LateStartOut(Schema):
    entry_id: int
    project_id: int
    serial: int | None
    name: str
    code: str
    unit: str
    level: str
    category: str
    planned_start_month: int
    months_late: int
    planned_investment: Decimal
    stage: str


class UnitReportingOut(Schema):
    unit_id: int | None
    label: str
    due: int = Field(..., description="应报")
    handed_in: int = Field(..., description="已报送（已提交、单位已审核、已采纳）")
    late: int = Field(..., description="逾期报送")
    missing: int = Field(..., description="未报送（含草稿、被退回）")
    on_time: int
    submission_rate: Decimal | None = Field(None, description="报送率（%）")
    on_time_rate: Decimal | None = Field(None, description="按时报送率（%）")


class StatisticsOut(Schema):
    period: StatPeriodOut
    scope: str = Field(..., description="district（调度专员、区领导）或 unit（单位用户：仅本单位）")
    scope_label: str
    as_of: dt.date = Field(..., description="统计截至日期（月末）")
    time_progress: Decimal = Field(..., description="时间进度（%）= 月份 ÷ 12")
    deadline_passed: bool
    total: FiguresOut
    by_kind: list[FiguresOut]
    by_level: list[FiguresOut]
    by_category: list[FiguresOut]
    by_unit: list[FiguresOut]
    by_street: list[FiguresOut]
    behind_count: int
    behind: list[BehindOut] = Field(..., description="投资进度滞后项目（差距最大的前 20 个）")
    late_starts_count: int
    late_starts: list[LateStartOut] = Field(..., description="逾期未开工的新开工项目（最多 100 个）")
    reporting: list[UnitReportingOut]
    reporting_total: UnitReportingOut


@router.get(
    "/dispatch/statistics",
    response={200: StatisticsOut, **ERRORS},
    summary="调度统计（某调度期；缺省为最近一个已结束月份）",
)
def statistics(request: HttpRequest, year: int | None = None, month: int | None = None) -> dict[str, Any]:
    """Counts by kind, level, category, unit and street; start rates; investment against the plan and
    the time progress; the projects furthest behind; each unit's submission and on-time rates.
    Dispatcher and leaders: the district; unit users: their own unit's projects only."""
    user = _user(request)
    periods = dispatch_statistics.statistics_periods(user=user)
    period = dispatch_statistics.statistics_period(user=user, year=year, month=month, periods=periods)
    return dispatch_statistics.period_statistics(user=user, period=period).as_dict()
