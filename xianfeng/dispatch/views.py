"""Pages of the monthly dispatch: the periods, a unit's month, the keyboard grid, the phone form,
a report and its history, the review queues and the Excel round trip. Views stay thin: they
parse input, call selectors and services, render."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from xianfeng.coordination.models import Problem
from xianfeng.dispatch import selectors, services, workbook
from xianfeng.dispatch.choices import ReportStatus, StageReached
from xianfeng.dispatch.forms import (
    PeriodOpenForm,
    PhotoForm,
    ReasonForm,
    ReportForm,
    WorkbookUploadForm,
    parse_amount,
    parse_day,
    parse_whole,
)
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
from xianfeng.lib import clock
from xianfeng.lib.errors import ConflictError, messages_of
from xianfeng.org.choices import UNIT_ROLES, Role

READER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER, Role.LEADER}
FILLER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER}
REVIEWER_ROLES = {Role.DISPATCHER, Role.UNIT_REVIEWER}
PAGE_SIZE = 100
# The grid's input columns, in the order the cursor moves through them.
GRID_FIELDS = [
    "invested_month",
    "progress_text",
    "progress_percent",
    "workers_on_site",
    "stage_reached",
    "stage_date",
    "problems_text",
    "explanation",
]


def dispatch_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; admin and auditor, who see no business data, get 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role not in READER_ROLES:
            raise PermissionDenied(_("您的角色不能使用月度调度"))
        return view(request, *args, **kwargs)

    return wrapped


def _require_roles(request: HttpRequest, roles: set[str], message: str) -> None:
    if request.user.role not in roles:
        raise PermissionDenied(message)


def _period_or_none(request: HttpRequest) -> ReportingPeriod | None:
    return selectors.period_current(
        user=request.user, key=request.GET.get("period") or request.POST.get("period")
    )


def _unit_id(request: HttpRequest, period: ReportingPeriod) -> int | None:
    """Unit users: their own unit, always. Others: the ``unit`` asked for (must have projects)."""
    user = request.user
    if user.role in UNIT_ROLES:
        return user.department_id
    raw = request.GET.get("unit") or request.POST.get("unit") or ""
    try:
        unit_id = int(raw)
    except ValueError:
        return None
    if unit_id not in {u.pk for u in selectors.unit_choices(user=user, period=period)}:
        raise Http404(_("该单位在本期没有重点项目"))
    return unit_id


def _month_url(name: str, period: ReportingPeriod, unit_id: int | None = None) -> str:
    params = {"period": period.key}
    if unit_id:
        params["unit"] = str(unit_id)
    return f"{reverse(name)}?{urlencode(params)}"


# ---------------------------------------------------------------- periods


@require_safe
@dispatch_page
def period_list(request: HttpRequest) -> HttpResponse:
    periods = list(selectors.period_list(user=request.user))
    progress = {p.pk: selectors.period_unit_progress(period=p) for p in periods[:24]}
    rows = []
    for period in periods:
        units = progress.get(period.pk, [])
        rows.append(
            {
                "period": period,
                "due": sum(u.due for u in units),
                "handed_in": sum(u.handed_in for u in units),
                "accepted": sum(u.accepted for u in units),
                "late": sum(u.late for u in units),
                "missing": sum(u.missing for u in units),
            }
        )
    today = clock.today()
    suggest_year, suggest_month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    form = PeriodOpenForm(initial={"year": suggest_year, "month": suggest_month})
    return render(
        request,
        "dispatch/periods.html",
        {"rows": rows, "form": form, "can_manage": request.user.role == Role.DISPATCHER, "today": today},
    )


@require_POST
@dispatch_page
def period_open(request: HttpRequest) -> HttpResponse:
    _require_roles(request, {Role.DISPATCHER}, _("只有调度专员可以开启调度期"))
    form = PeriodOpenForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, error[0])
        return redirect("dispatch:periods")
    try:
        period = services.period_open(
            actor=request.user,
            year=form.cleaned_data["year"],
            month=form.cleaned_data["month"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        for line in messages_of(exc):
            messages.error(request, line.split("：", 1)[-1])
        return redirect("dispatch:periods")
    messages.success(
        request,
        _("已开启%(label)s调度期，报送截止 %(day)s") % {"label": period.label, "day": period.deadline},
    )
    return redirect("dispatch:period_detail", key=period.key)


@require_safe
@dispatch_page
def period_detail(request: HttpRequest, key: str) -> HttpResponse:
    period = selectors.period_get(user=request.user, key=key)
    if request.user.role in UNIT_ROLES:
        return redirect(_month_url("dispatch:my_unit", period))
    units = selectors.period_unit_progress(period=period)
    totals = {
        name: sum(getattr(u, name) for u in units)
        for name in [
            "due",
            "not_started",
            "draft",
            "returned",
            "submitted",
            "unit_approved",
            "accepted",
            "late",
            "missing",
        ]
    }
    reminders = list(selectors.period_reminders(user=request.user, period=period)[:200])
    return render(
        request,
        "dispatch/period_detail.html",
        {
            "period": period,
            "units": units,
            "totals": totals,
            "reminders": reminders,
            "can_manage": request.user.role == Role.DISPATCHER,
            "overdue": period.is_overdue(clock.today()),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@dispatch_page
def period_close(request: HttpRequest, key: str) -> HttpResponse:
    _require_roles(request, {Role.DISPATCHER}, _("只有调度专员可以关闭调度期"))
    period = selectors.period_get(user=request.user, key=key, action="change")
    try:
        services.period_close(actor=request.user, period=period)
        messages.success(request, _("已关闭%(label)s调度期") % {"label": period.label})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("dispatch:period_detail", key=period.key)


@require_POST
@dispatch_page
def period_reopen(request: HttpRequest, key: str) -> HttpResponse:
    _require_roles(request, {Role.DISPATCHER}, _("只有调度专员可以重新开启调度期"))
    period = selectors.period_get(user=request.user, key=key, action="change")
    try:
        services.period_reopen(actor=request.user, period=period, reason=request.POST.get("reason", ""))
        messages.success(request, _("已重新开启%(label)s调度期") % {"label": period.label})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("dispatch:period_detail", key=period.key)


@require_POST
@dispatch_page
def period_remind(request: HttpRequest, key: str) -> HttpResponse:
    """Send today's reminders now (the scheduler does it every day anyway; sends nothing twice)."""
    _require_roles(request, {Role.DISPATCHER}, _("只有调度专员可以催报"))
    period = selectors.period_get(user=request.user, key=key, action="change")
    sent = [r for r in services.reminders_send() if r.period_id == period.pk]
    if sent:
        messages.success(request, _("已向 %(n)s 个单位发送催报") % {"n": len(sent)})
    else:
        messages.info(request, _("今天不是催报节点，或今天的催报已经发过，或没有单位缺报"))
    return redirect("dispatch:period_detail", key=period.key)


# ---------------------------------------------------------------- a unit's month


def _no_period(request: HttpRequest) -> HttpResponse:
    return render(request, "dispatch/no_period.html", {"can_manage": request.user.role == Role.DISPATCHER})


@require_safe
@dispatch_page
def my_unit(request: HttpRequest) -> HttpResponse:
    period = _period_or_none(request)
    if period is None:
        return _no_period(request)
    unit_id = _unit_id(request, period)
    units = selectors.unit_choices(user=request.user, period=period)
    month = selectors.unit_month(user=request.user, period=period, unit_id=unit_id) if unit_id else None
    periods = list(selectors.period_list(user=request.user)[:24])
    return render(
        request,
        "dispatch/my_unit.html",
        {
            "period": period,
            "periods": periods,
            "unit_id": unit_id,
            "units": units,
            "month": month,
            "can_fill": request.user.role in FILLER_ROLES and period.is_open,
            "can_review": request.user.role in REVIEWER_ROLES,
            "overdue": period.is_overdue(clock.today()),
            "unit_query": urlencode({"period": period.key, **({"unit": unit_id} if unit_id else {})}),
        },
    )


@require_POST
@dispatch_page
def submit_drafts(request: HttpRequest) -> HttpResponse:
    """Submit every saved draft (and corrected returned report) of the unit's month at once."""
    _require_roles(request, FILLER_ROLES, _("只有单位填报员可以提交月报"))
    period = _period_or_none(request)
    if period is None:
        raise Http404
    unit_id = _unit_id(request, period)
    month = selectors.unit_month(user=request.user, period=period, unit_id=unit_id)
    rows = [
        services.RowInput(
            entry=row.entry,
            values={name: getattr(row.report, name) for name in services.REPORT_FIELDS},
            expected_version=row.report.version,
            key=row.entry.pk,
        )
        for row in month.rows
        if row.report is not None and row.report.is_editable
    ]
    if not rows:
        messages.info(request, _("没有可提交的草稿"))
        return redirect(_month_url("dispatch:my_unit", period, unit_id))
    result = services.reports_save(actor=request.user, period=period, rows=rows, submit=True)
    if result.applied:
        messages.success(request, _("已提交 %(n)s 份报告") % {"n": result.submitted})
    else:
        for line in result.general_errors:
            messages.error(request, line)
        for outcome in result.errors[:20]:
            for name, lines in outcome.errors.items():
                label = "" if name == "__all__" else f"{services.field_label(name)}："
                messages.error(request, f"{outcome.entry.project.name}：{label}{lines[0]}")
        messages.error(request, _("有报告未通过检查，全部未提交；请修改后再提交"))
    return redirect(_month_url("dispatch:my_unit", period, unit_id))


# ---------------------------------------------------------------- the grid


def _grid_parse(
    post: Any, entry_id: int, report: MonthlyReport
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One grid row's posted cells → report values, and parse errors by field."""
    prefix = f"r{entry_id}-"
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def take(name: str, parser: Callable[[Any], Any]) -> None:
        try:
            values[name] = parser(post.get(prefix + name, ""))
        except ValueError as exc:
            errors.setdefault(name, []).append(str(exc))

    take("invested_month", parse_amount)
    take("progress_percent", lambda v: parse_whole(v, label=_("形象进度百分比")))
    take("workers_on_site", lambda v: parse_whole(v, label=_("现场施工人数")))
    take("stage_date", parse_day)
    for name in ["progress_text", "problems_text", "explanation"]:
        values[name] = post.get(prefix + name, "")
    if prefix + "stage_reached" in post:
        values["stage_reached"] = post.get(prefix + "stage_reached", "")
    else:
        # A project already started shows its start read-only: the report's stage stays as it is.
        values.pop("stage_date", None)
    return values, errors


def _grid_context(request: HttpRequest, period: ReportingPeriod, unit_id: int | None) -> dict[str, Any]:
    month = selectors.unit_month(user=request.user, period=period, unit_id=unit_id)
    sums = selectors.earlier_sums(entry_ids=[row.entry.pk for row in month.rows], period=period)
    rows = []
    for row in month.rows:
        report = row.report or selectors.new_report(row.entry, period, row.previous)
        rows.append(
            {
                "entry": row.entry,
                "project": row.entry.project,
                "report": report,
                "saved": row.report is not None,
                "editable": report.is_editable and period.is_open,
                "earlier": sums.get(row.entry.pk, Decimal(0)),
                "previous": row.previous,
                "errors": {},
                "warnings": {},
            }
        )
    return {
        "period": period,
        "unit_id": unit_id,
        "month": month,
        "rows": rows,
        "fields": GRID_FIELDS,
        "stage_choices": StageReached.choices,
        "can_fill": request.user.role in FILLER_ROLES and period.is_open,
    }


@dispatch_page
def grid(request: HttpRequest) -> HttpResponse:
    """One page to fill all of a unit's projects for the period, from the keyboard."""
    period = _period_or_none(request)
    if period is None:
        return _no_period(request)
    unit_id = _unit_id(request, period)
    if unit_id is None:
        return redirect(_month_url("dispatch:my_unit", period))
    context = _grid_context(request, period, unit_id)
    if request.method != "POST":
        return render(request, "dispatch/grid.html", context)
    _require_roles(request, FILLER_ROLES, _("只有单位填报员可以填报月报"))
    submit = request.POST.get("action") == "submit"
    rows: list[services.RowInput] = []
    parse_errors: dict[int, dict[str, list[str]]] = {}
    skipped_blank = 0
    by_entry = {row["entry"].pk: row for row in context["rows"]}
    posted_ids = [int(x) for x in request.POST.getlist("entry") if x.isdigit()]
    for entry_id in posted_ids:
        row = by_entry.get(entry_id)
        if row is None or not row["editable"]:
            continue
        report = row["report"]
        values, errors = _grid_parse(request.POST, entry_id, report)
        # The posted values win in the re-rendered grid, whatever happens next; a cell that
        # could not be read is shown back as typed (the row is a display copy, never saved).
        for name, value in values.items():
            if name not in errors:
                setattr(report, name, value)
        for name in errors:
            setattr(report, name, request.POST.get(f"r{entry_id}-{name}", ""))
        if errors:
            parse_errors[entry_id] = errors
            continue
        if not row["saved"] and values["invested_month"] is None and not _differs_from_prefill(values, row):
            continue  # untouched row: no empty draft
        if submit and values["invested_month"] is None:
            skipped_blank += 1  # saved as a draft below, not submitted
        raw_version = request.POST.get(f"r{entry_id}-version", "")
        rows.append(
            services.RowInput(
                entry=row["entry"],
                values=values,
                expected_version=int(raw_version) if raw_version.isdigit() else None,
                key=entry_id,
            )
        )
    if parse_errors:
        for entry_id, errors in parse_errors.items():
            by_entry[entry_id]["errors"] = errors
        context["message"] = {"level": "danger", "text": _("有单元格无法识别，全部未保存；请按红色提示修改")}
        return _grid_response(request, context, status=422)
    if submit:
        # Rows without this month's investment are saved as drafts, not submitted.
        submit_rows = [r for r in rows if r.values.get("invested_month") is not None]
        draft_rows = [r for r in rows if r.values.get("invested_month") is None]
    else:
        submit_rows, draft_rows = [], rows
    outcomes = []
    applied = True
    general: list[str] = []
    if submit_rows or draft_rows:
        from django.db import transaction

        try:
            with transaction.atomic():
                for batch, flag in [(draft_rows, False), (submit_rows, True)]:
                    if not batch:
                        continue
                    result = services.reports_save(actor=request.user, period=period, rows=batch, submit=flag)
                    outcomes += result.outcomes
                    general += result.general_errors
                    if not result.applied:
                        applied = False
                        raise services.Rollback
        except services.Rollback:
            pass
    for outcome in outcomes:
        row = by_entry.get(outcome.entry.pk)
        if row is not None:
            row["errors"] = outcome.errors
            row["warnings"] = outcome.warnings
    if not applied:
        text = "；".join(general) or _("有报告未通过检查，全部未保存；请按红色提示修改（黄色提示不影响保存）")
        context["message"] = {"level": "danger", "text": text}
        return _grid_response(request, context, status=422)
    saved = sum(1 for o in outcomes if not o.unchanged)
    submitted = sum(1 for o in outcomes if o.submitted)
    warned = sum(1 for o in outcomes if o.warnings)
    text = _("已保存 %(n)s 个项目") % {"n": saved}
    if submit:
        text += _("，提交 %(n)s 份") % {"n": submitted}
        if skipped_blank:
            text += _("；%(n)s 个项目未填本月完成投资，未提交") % {"n": skipped_blank}
    if warned:
        text += _("；%(n)s 个项目有黄色提示，请核实") % {"n": warned}
    fresh = _grid_context(request, period, unit_id)
    warnings = {o.entry.pk: o.warnings for o in outcomes if o.warnings}
    for row in fresh["rows"]:
        row["warnings"] = warnings.get(row["entry"].pk, {})
    fresh["message"] = {"level": "warning" if warned else "success", "text": text}
    return _grid_response(request, fresh)


def _differs_from_prefill(values: dict[str, Any], row: dict[str, Any]) -> bool:
    report = row["report"]
    prefill = selectors.new_report(row["entry"], report.period, row["previous"])
    for name in ["progress_text", "progress_percent", "workers_on_site", "stage_reached", "problems_text"]:
        if (values.get(name) or None) != (getattr(prefill, name) or None):
            return True
    return False


def _grid_response(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "dispatch/_grid_table.html" if request.headers.get("HX-Request") else "dispatch/grid.html"
    response = render(request, template, context, status=status)
    if request.headers.get("HX-Request") and status != 200:
        # htmx swaps 2xx only by default; the grid with its errors must be shown.
        response.status_code = 200
        response["HX-Reswap"] = "outerHTML"
    return response


# ---------------------------------------------------------------- the phone form


@dispatch_page
def report_form(request: HttpRequest, entry_pk: int, key: str) -> HttpResponse:
    period = selectors.period_get(user=request.user, key=key)
    entry = selectors.entry_get(user=request.user, pk=entry_pk)
    if entry.year != period.year:
        raise Http404(_("该项目不在本期年度计划中"))
    report = selectors.report_prefill(entry=entry, period=period)
    if report.pk and request.method == "GET" and (not report.is_editable or not period.is_open):
        return redirect("dispatch:report_detail", pk=report.pk)
    earlier = selectors.earlier_sum(entry=entry, period=period)
    photo_form = PhotoForm()
    warnings: dict[str, list[str]] = {}
    if request.method == "POST":
        _require_roles(request, FILLER_ROLES, _("只有单位填报员可以填报月报"))
        selectors.entry_get(user=request.user, pk=entry_pk, action="change")
        form = ReportForm(request.POST)
        photo_form = PhotoForm(request.POST, request.FILES)
        if form.is_valid() and photo_form.is_valid():
            values = form.report_values()
            if not form.errors:
                submit = request.POST.get("action") == "submit"
                version = form.cleaned_data.get("version")
                try:
                    saved = _save_with_photos(
                        request, entry, period, values, version, submit, photo_form.cleaned_data
                    )
                except ConflictError as exc:
                    form.add_error(None, exc.messages[0])
                except ValidationError as exc:
                    _add_errors(form, photo_form, exc)
                else:
                    report, warnings = saved
                    for lines in warnings.values():
                        for line in lines:
                            messages.warning(request, line)
                    done = _("已提交") if submit else _("已保存")
                    messages.success(request, f"{done}：{entry.project.name}（{period.label}）")
                    return redirect("dispatch:report_detail", pk=report.pk)
    else:
        form = ReportForm(initial=ReportForm.initial_from(report))
    return render(
        request,
        "dispatch/report_form.html",
        {
            "period": period,
            "entry": entry,
            "project": entry.project,
            "report": report,
            "form": form,
            "photo_form": photo_form,
            "earlier": earlier,
            "photos": selectors.report_photos(report=report) if report.pk else [],
            "can_fill": request.user.role in FILLER_ROLES and period.is_open and report.is_editable,
            "warnings": warnings,
        },
    )


def _save_with_photos(
    request: HttpRequest,
    entry: Any,
    period: ReportingPeriod,
    values: dict[str, Any],
    version: int | None,
    submit: bool,
    photo_data: dict[str, Any],
) -> tuple[MonthlyReport, dict[str, list[str]]]:
    """Save the report and its new photos together: a bad photo leaves the report unsaved too."""
    from django.db import transaction

    with transaction.atomic():
        uploads = photo_data.get("photos") or []
        # Photos first go on the saved draft; the submission (if asked) comes after them.
        report, warnings = services.report_save(
            actor=request.user,
            entry=entry,
            period=period,
            values=values,
            expected_version=version,
            submit=submit and not uploads,
        )
        for upload in uploads:
            services.report_photo_add(
                actor=request.user, report=report, upload=upload, caption=photo_data.get("caption", "")
            )
        if submit and uploads:
            report.refresh_from_db()
            report = services.report_submit(
                actor=request.user, report=report, expected_version=report.version
            )
    return report, warnings


def _add_errors(form: ReportForm, photo_form: PhotoForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = photo_form if name == "photo" else form
            field = "photos" if name == "photo" else (name if name in form.fields else None)
            for message in errors:
                target.add_error(field, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# ---------------------------------------------------------------- a report


@require_safe
@dispatch_page
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    user = request.user
    problems = Problem.objects.restrict(user, "view").filter(
        source_type=services.PROBLEM_SOURCE_TYPE, source_id=report.pk
    )
    can_change = MonthlyReport.objects.restrict(user, "change").filter(pk=report.pk).exists()
    open_period = report.period.is_open
    return render(
        request,
        "dispatch/report_detail.html",
        {
            "report": report,
            "period": report.period,
            "project": report.project,
            "entry": report.entry,
            "events": selectors.report_history(report=report),
            "photos": selectors.report_photos(report=report),
            "problems": list(problems),
            "can_edit": can_change and user.role in FILLER_ROLES and report.is_editable and open_period,
            "can_approve": can_change
            and user.role == Role.UNIT_REVIEWER
            and report.status == ReportStatus.SUBMITTED,
            "can_accept": user.role == Role.DISPATCHER
            and report.status in (ReportStatus.SUBMITTED, ReportStatus.UNIT_APPROVED),
            "can_return": can_change
            and open_period
            and (
                (user.role == Role.DISPATCHER and report.is_handed_in)
                or (user.role == Role.UNIT_REVIEWER and report.status == ReportStatus.SUBMITTED)
            ),
            "reason_form": ReasonForm(),
        },
    )


def _report_action(request: HttpRequest, pk: int) -> MonthlyReport:
    selectors.report_get(user=request.user, pk=pk)  # 404 first for rows the user cannot see
    return selectors.report_get(user=request.user, pk=pk, action="change")


@require_POST
@dispatch_page
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request, FILLER_ROLES, _("只有单位填报员可以提交月报"))
    report = _report_action(request, pk)
    version = request.POST.get("version", "")
    try:
        services.report_submit(
            actor=request.user, report=report, expected_version=int(version) if version.isdigit() else None
        )
        messages.success(request, _("已提交"))
    except ValidationError as exc:
        for line in messages_of(exc):
            messages.error(request, _label_line(line))
    return redirect("dispatch:report_detail", pk=pk)


def _label_line(line: str) -> str:
    if "：" in line:
        name, rest = line.split("：", 1)
        if name in services.REPORT_FIELDS:
            return f"{services.field_label(name)}：{rest}"
    return line


@require_POST
@dispatch_page
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request, REVIEWER_ROLES, _("只有单位审核员可以审核月报"))
    report = _report_action(request, pk)
    result = services.reports_approve(actor=request.user, reports=[report])
    _review_messages(request, result, _("已审核通过"))
    return redirect("dispatch:report_detail", pk=pk)


@require_POST
@dispatch_page
def report_accept(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request, {Role.DISPATCHER}, _("只有调度专员可以采纳月报"))
    report = _report_action(request, pk)
    result = services.reports_accept(actor=request.user, reports=[report])
    _review_messages(request, result, _("已采纳"))
    return redirect("dispatch:report_detail", pk=pk)


@require_POST
@dispatch_page
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request, REVIEWER_ROLES, _("只有审核员或调度专员可以退回月报"))
    report = _report_action(request, pk)
    try:
        services.report_return(actor=request.user, report=report, reason=request.POST.get("reason", ""))
        messages.success(request, _("已退回，单位将收到通知"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    return redirect("dispatch:report_detail", pk=pk)


def _review_messages(request: HttpRequest, result: services.ReviewResult, done: str) -> None:
    if result.done:
        count = len(result.done)
        messages.success(
            request, ngettext("%(done)s：%(n)s 份", "%(done)s：%(n)s 份", count) % {"done": done, "n": count}
        )
    for _report, message in result.skipped:
        messages.warning(request, message)


@require_POST
@dispatch_page
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request, FILLER_ROLES, _("只有单位填报员可以上传照片"))
    report = _report_action(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        added = 0
        for upload in form.cleaned_data["photos"]:
            try:
                services.report_photo_add(
                    actor=request.user, report=report, upload=upload, caption=form.cleaned_data["caption"]
                )
                added += 1
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        if added:
            messages.success(request, _("已上传 %(n)s 张照片") % {"n": added})
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("dispatch:report_detail", pk=pk)


@require_safe
@dispatch_page
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.photo_get(user=request.user, pk=pk)
    try:
        handle = default_storage.open(item.image.name, "rb")
    except FileNotFoundError as exc:
        raise Http404(_("照片文件不存在")) from exc
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@dispatch_page
def photo_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request, FILLER_ROLES, _("只有单位填报员可以移除照片"))
    item = selectors.photo_get(user=request.user, pk=pk)
    try:
        services.report_photo_remove(actor=request.user, photo=item)
        messages.success(request, _("已移除照片"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("dispatch:report_detail", pk=item.report_id)


# ---------------------------------------------------------------- lists and the review queues


@require_safe
@dispatch_page
def report_list(request: HttpRequest) -> HttpResponse:
    period = _period_or_none(request)
    if period is None:
        return _no_period(request)
    filters = selectors.ReportFilters.from_params(request.GET)
    qs = selectors.report_list(user=request.user, period=period, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dispatch/report_list.html",
        {
            "period": period,
            "page": page,
            "filters": filters,
            "units": selectors.unit_choices(user=request.user, period=period),
            "statuses": ReportStatus.choices,
            "periods": list(selectors.period_list(user=request.user)[:24]),
            "query": urlencode({k: v for k, v in request.GET.items() if k != "page" and v}),
        },
    )


@dispatch_page
def review(request: HttpRequest) -> HttpResponse:
    """The unit reviewer's queue (submitted → approve) and the dispatcher's (→ accept or return)."""
    _require_roles(request, REVIEWER_ROLES, _("只有单位审核员或调度专员可以审核月报"))
    period = _period_or_none(request)
    if period is None:
        return _no_period(request)
    if request.method == "POST":
        ids = [int(x) for x in request.POST.getlist("report") if x.isdigit()]
        chosen = list(
            MonthlyReport.objects.restrict(request.user, "change").filter(pk__in=ids, period=period)
        )
        if not chosen:
            messages.warning(request, _("请先勾选报告"))
        elif request.POST.get("action") == "approve":
            _review_messages(
                request, services.reports_approve(actor=request.user, reports=chosen), _("已审核通过")
            )
        elif request.POST.get("action") == "accept":
            _require_roles(request, {Role.DISPATCHER}, _("只有调度专员可以采纳月报"))
            _review_messages(
                request, services.reports_accept(actor=request.user, reports=chosen), _("已采纳")
            )
        return redirect(_month_url("dispatch:review", period))
    queue = selectors.review_queue(user=request.user, period=period)
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        queue = queue.filter(project__lead_unit_id=int(unit))
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dispatch/review.html",
        {
            "period": period,
            "page": page,
            "is_dispatcher": request.user.role == Role.DISPATCHER,
            "periods": list(selectors.period_list(user=request.user)[:24]),
            "units": selectors.unit_choices(user=request.user, period=period),
            "unit": unit,
        },
    )


# ---------------------------------------------------------------- the Excel round trip


@require_safe
@dispatch_page
def workbook_download(request: HttpRequest) -> HttpResponse:
    period = _period_or_none(request)
    if period is None:
        raise Http404(_("还没有调度期"))
    user = request.user
    if request.GET.get("unit") == "all" and user.role in (Role.DISPATCHER, Role.LEADER):
        unit_ids = [u.pk for u in selectors.unit_choices(user=user, period=period)]
    else:
        unit_id = _unit_id(request, period)
        if unit_id is None:
            raise Http404(_("请选择单位"))
        unit_ids = [unit_id]
    data, filename = workbook.build_workbook(user=user, period=period, unit_ids=unit_ids)
    response = HttpResponse(data, content_type=workbook.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = workbook.content_disposition(filename)
    return response


@dispatch_page
def workbook_upload(request: HttpRequest) -> HttpResponse:
    """Upload filled workbooks → a preview of every change (old → new) and every error."""
    _require_roles(request, FILLER_ROLES, _("只有单位填报员或调度专员可以导入调度表"))
    period = _period_or_none(request)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"period": period, "form": form}
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data["files"]
        submit = form.cleaned_data["submit"]
        stored = [workbook.store_upload(upload) for upload in files]
        preview = workbook.workbook_import(
            actor=request.user, sources=stored, period=period, submit=submit, dry_run=True
        )
        context.update(
            {
                "preview": preview,
                "token": json.dumps({"files": [s.token for s in stored], "submit": submit}),
                "submit": submit,
            }
        )
        return render(request, "dispatch/workbook_preview.html", context)
    return render(request, "dispatch/workbook_upload.html", context)


@require_POST
@dispatch_page
def workbook_commit(request: HttpRequest) -> HttpResponse:
    """Import the previewed files (checked again: the data may have moved since the preview)."""
    _require_roles(request, FILLER_ROLES, _("只有单位填报员或调度专员可以导入调度表"))
    period = _period_or_none(request)
    try:
        token = json.loads(request.POST.get("token", ""))
        stored = [workbook.stored_upload(t, user=request.user) for t in token["files"]]
        submit = bool(token.get("submit"))
    except (ValueError, KeyError, TypeError) as exc:
        raise Http404(_("上传的文件已失效，请重新上传")) from exc
    result = workbook.workbook_import(actor=request.user, sources=stored, period=period, submit=submit)
    if not result.applied:
        return render(
            request,
            "dispatch/workbook_preview.html",
            {
                "period": period,
                "preview": result,
                "form": WorkbookUploadForm(),
                "token": "",
                "submit": submit,
            },
            status=422,
        )
    text = _("已导入 %(periods)s：新建 %(c)s 份、更新 %(u)s 份、无变化 %(n)s 份") % {
        "periods": "、".join(p.label for p in result.periods),
        "c": result.created,
        "u": result.updated,
        "n": result.unchanged,
    }
    if submit:
        text += _("，提交 %(s)s 份") % {"s": result.submitted}
    messages.success(request, text)
    target = result.periods[0] if result.periods else period
    if target is None:
        return redirect("dispatch:periods")
    unit = result.unit_ids[0] if len(result.unit_ids) == 1 else None
    return redirect(_month_url("dispatch:my_unit", target, unit))


# ---------------------------------------------------------------- statistics and the bulletin
# (issue 3, parts 7–8: statistics.py, bulletin.py, charts.py; templates statistics.html, bulletins.html)

from xianfeng.dispatch import bulletin as bulletins  # noqa: E402
from xianfeng.dispatch import statistics as dispatch_statistics  # noqa: E402
from xianfeng.dispatch.models import Bulletin  # noqa: E402

BULLETIN_ROLES = {Role.DISPATCHER, Role.LEADER}


def _statistics_period(request: HttpRequest, periods: list[ReportingPeriod]) -> ReportingPeriod:
    """``?period=YYYY-MM`` or ``?year=&month=``; nothing: the latest period whose month has ended."""
    year = month = None
    key = request.GET.get("period")
    if key:
        parsed = selectors.parse_period_key(key)
        if parsed is None:
            raise Http404(_("调度期应写作 YYYY-MM"))
        year, month = parsed
    elif request.GET.get("year") or request.GET.get("month"):
        try:
            year, month = int(request.GET.get("year", "")), int(request.GET.get("month", ""))
        except ValueError as exc:
            raise Http404(_("年度和月份应为数字")) from exc
    return dispatch_statistics.statistics_period(user=request.user, year=year, month=month, periods=periods)


@require_safe
@dispatch_page
def statistics_page(request: HttpRequest) -> HttpResponse:
    """A period's statistics: the district (dispatcher, leaders) or the user's own unit."""
    periods = dispatch_statistics.statistics_periods(user=request.user)
    if not periods:
        return _no_period(request)
    period = _statistics_period(request, periods)
    stats = dispatch_statistics.period_statistics(user=request.user, period=period)
    latest = None
    if request.user.role in BULLETIN_ROLES:
        latest = Bulletin.objects.restrict(request.user, "view").filter(period=period).first()
    return render(
        request,
        "dispatch/statistics.html",
        {
            "period": period,
            "periods": periods,
            "stats": stats,
            "chart_data": dispatch_statistics.chart_data(stats),
            "can_generate": request.user.role == Role.DISPATCHER,
            "can_read_bulletins": request.user.role in BULLETIN_ROLES,
            "latest_bulletin": latest,
        },
    )


@require_safe
@dispatch_page
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """Bulletins issued (dispatcher, leaders), newest first; the dispatcher may make one."""
    _require_roles(request, BULLETIN_ROLES, _("调度通报由区项目办生成，区领导可查阅下载"))
    items = Bulletin.objects.restrict(request.user, "view").select_related("period", "generated_by")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    periods = dispatch_statistics.statistics_periods(user=request.user)
    default = dispatch_statistics.statistics_period(user=request.user, periods=periods) if periods else None
    return render(
        request,
        "dispatch/bulletins.html",
        {
            "page": page,
            "periods": periods,
            "period": default,
            "can_generate": request.user.role == Role.DISPATCHER,
            "issuer": bulletins.default_issuer(bulletins.district_name()),
            "today": clock.today(),
        },
    )


@require_POST
@dispatch_page
def bulletin_create(request: HttpRequest) -> HttpResponse:
    """One click: the Word and Excel bulletin of a period, kept, then offered for download."""
    _require_roles(request, {Role.DISPATCHER}, _("只有调度专员可以生成调度通报"))
    parsed = selectors.parse_period_key(request.POST.get("period"))
    if parsed is None:
        raise Http404(_("调度期应写作 YYYY-MM"))
    period = dispatch_statistics.statistics_period(user=request.user, year=parsed[0], month=parsed[1])
    number: int | None = None
    raw_number = (request.POST.get("number") or "").strip()
    try:
        number = int(raw_number) if raw_number else None
    except ValueError:
        messages.error(request, _("期号应为数字，收到“%(v)s”") % {"v": raw_number[:20]})
        return redirect("dispatch:bulletins")
    issued_on = None
    raw_day = (request.POST.get("issued_on") or "").strip()
    if raw_day:
        try:
            issued_on = parse_day(raw_day)
        except (ValueError, ValidationError):
            messages.error(request, _("印发日期应写作 YYYY-MM-DD，收到“%(v)s”") % {"v": raw_day[:20]})
            return redirect("dispatch:bulletins")
    try:
        item = bulletins.bulletin_generate(
            actor=request.user,
            period=period,
            number=number,
            issuer=request.POST.get("issuer", ""),
            issued_on=issued_on,
        )
    except ValidationError as exc:
        for line in messages_of(exc):
            messages.error(request, line)
        return redirect("dispatch:bulletins")
    messages.success(request, _("已生成《%(title)s》，可下载 Word 和 Excel 文件") % {"title": item.title})
    return redirect(f"{reverse('dispatch:bulletins')}#bulletin-{item.pk}")


@require_safe
@dispatch_page
def bulletin_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require_roles(request, BULLETIN_ROLES, _("调度通报由区项目办生成，区领导可查阅下载"))
    item = Bulletin.objects.restrict(request.user, "view").filter(pk=pk).first()
    if item is None or fmt not in ("docx", "xlsx"):
        raise Http404(_("未找到该调度通报"))
    stored = item.docx if fmt == "docx" else item.xlsx
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("通报文件已不存在")) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=bulletins.bulletin_filename(item, fmt),
        content_type=bulletins.DOCX_TYPE if fmt == "docx" else bulletins.XLSX_TYPE,
    )
