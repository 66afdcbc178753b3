"""Pages of the targets app. Targets part: the board, a target's detail, the dispatcher's form and
the owner unit's monthly value form. (Warnings and forecasts pages follow, in their own section.)"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from xianfeng.dispatch import selectors as dispatch_selectors
from xianfeng.dispatch.models import ReportingPeriod, month_end
from xianfeng.dispatch.selectors import parse_period_key
from xianfeng.dispatch.statistics import time_progress_percent
from xianfeng.lib import clock
from xianfeng.lib.errors import messages_of
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department
from xianfeng.projects.choices import Category, Kind
from xianfeng.targets import definitions, selectors, services
from xianfeng.targets import forecasts as forecasts_module
from xianfeng.targets import warnings as warnings_module
from xianfeng.targets.choices import Colour, CurveShape, Source, WarningRuleKind
from xianfeng.targets.forms import TargetForm, ValueForm
from xianfeng.targets.models import Target
from xianfeng.targets.tasks import recompute_warnings_and_forecasts

READER_ROLES = {Role.DISPATCHER, Role.LEADER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER}


def targets_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; admin and auditor, who see no business data, get 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role not in READER_ROLES:
            raise PermissionDenied(_("您的角色不能查看目标任务"))
        return view(request, *args, **kwargs)

    return wrapped


def as_of_choice(request: HttpRequest) -> tuple[int, dt.date, list[ReportingPeriod], str]:
    """(year, as-of date, the periods to pick from, the chosen key) from ``?period=YYYY-MM``;
    default: the latest period, else today."""
    periods = list(ReportingPeriod.objects.restrict(request.user, "view").order_by("-year", "-month"))
    parsed = parse_period_key(request.GET.get("period"))
    if parsed is None and periods:
        parsed = (periods[0].year, periods[0].month)
    if parsed is None:
        today = clock.today()
        return today.year, today, periods, ""
    return parsed[0], month_end(*parsed), periods, f"{parsed[0]}-{parsed[1]:02d}"


@require_safe
@targets_page
def board(request: HttpRequest) -> HttpResponse:
    year, as_of, periods, key = as_of_choice(request)
    rows = selectors.target_board(user=request.user, year=year, as_of=as_of)
    counts = {
        status: sum(1 for r in rows if r.status == status)
        for status in ("met", "on_track", "at_risk", "missed")
    }
    return render(
        request,
        "targets/board.html",
        {
            "rows": rows,
            "year": year,
            "as_of": as_of,
            "periods": periods,
            "period_key": key,
            "counts": counts,
            "can_create": request.user.role == Role.DISPATCHER,
            "archived_count": selectors.target_archived_count(user=request.user, year=year),
        },
    )


@require_safe
@targets_page
def archived(request: HttpRequest) -> HttpResponse:
    """The archived targets (of a year, or all), with who archived them and why."""
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
    rows = selectors.target_archived_list(user=request.user, year=year)
    return render(
        request,
        "targets/archived.html",
        {"rows": rows, "year": year, "can_restore": request.user.role == Role.DISPATCHER},
    )


@require_safe
@targets_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk)
    _year, as_of, periods, key = as_of_choice(request)
    progress = selectors.target_progress(user=request.user, target=target, as_of=as_of)
    series = selectors.target_series(target=target, as_of=as_of)
    chart = {
        "months": [_("%(month)s月") % {"month": p.month} for p in series],
        "actual": [None if p.actual_percent is None else float(p.actual_percent) for p in series],
        "expected": [float(p.expected_percent) for p in series],
        "values": [None if p.actual is None else float(p.actual) for p in series],
    }
    user = request.user
    can_report = target.source == Source.MANUAL and (
        user.role == Role.DISPATCHER
        or (user.role in UNIT_ROLES and user.department_id == target.owner_unit_id)
    )
    return render(
        request,
        "targets/detail.html",
        {
            "target": target,
            "p": progress,
            "series": series,
            "chart": chart,
            "periods": periods,
            "period_key": key,
            "as_of": as_of,
            # The year's plan target: its simulated mean is read beside the SPI year-end forecast.
            "year_plan": selectors.is_year_plan_target(target),
            "definition_words": definitions.describe(target.definition),
            "definition_json": json.dumps(target.definition, ensure_ascii=False, indent=2),
            "values": list(selectors.target_values(user=user, target=target)),
            "history": selectors.target_history(target=target),
            "can_edit": user.role == Role.DISPATCHER and target.archived_at is None,
            "can_report": can_report and target.archived_at is None,
            "can_restore": user.role == Role.DISPATCHER and target.archived_at is not None,
        },
    )


def _target_form_page(request: HttpRequest, target: Target | None) -> HttpResponse:
    if request.user.role != Role.DISPATCHER:
        raise PermissionDenied(_("只有区项目办（调度专员）可以设置目标"))
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                if target is None:
                    saved = services.target_create(actor=request.user, fields=form.fields_for_service())
                else:
                    saved = services.target_update(
                        actor=request.user,
                        target=target,
                        fields=form.fields_for_service(),
                        expected_version=form.cleaned_data.get("version"),
                    )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("目标已保存"))
                return redirect("targets:detail", pk=saved.pk)
    elif target is not None:
        form = TargetForm(initial=TargetForm.initial_for(target))
    else:
        today = clock.today()
        form = TargetForm(
            initial={
                "year": today.year,
                "start_date": dt.date(today.year, 1, 1),
                "deadline": dt.date(today.year, 12, 31),
                "d_year": today.year,
                "source": Source.COMPUTED,
            }
        )
    preview = json.dumps(getattr(form, "definition", {}) or {}, ensure_ascii=False, indent=2)
    if target is not None and request.method != "POST":
        preview = json.dumps(target.definition, ensure_ascii=False, indent=2)
    return render(request, "targets/form.html", {"form": form, "target": target, "definition_json": preview})


@require_http_methods(["GET", "POST"])
@targets_page
def create(request: HttpRequest) -> HttpResponse:
    return _target_form_page(request, None)


@require_http_methods(["GET", "POST"])
@targets_page
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk)
    return _target_form_page(request, target)


@require_http_methods(["POST"])
@targets_page
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a target (归档): it leaves the board and the cockpit; its page and history stay."""
    return _archive_step(request, pk, archive=True)


@require_http_methods(["POST"])
@targets_page
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Bring an archived target back onto the board and the cockpit, with a reason."""
    return _archive_step(request, pk, archive=False)


def _archive_step(request: HttpRequest, pk: int, *, archive: bool) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk)
    if request.user.role != Role.DISPATCHER:
        refusal = (
            _("只有区项目办（调度专员）可以归档目标")
            if archive
            else _("只有区项目办（调度专员）可以恢复目标")
        )
        raise PermissionDenied(refusal)
    step = services.target_archive if archive else services.target_restore
    try:
        step(actor=request.user, target=target, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        for line in messages_of(error):
            messages.error(request, line)
        return redirect("targets:detail", pk=target.pk)
    if archive:
        messages.success(request, _("目标“%(name)s”已归档") % {"name": target.name})
        return redirect("targets:board")
    messages.success(request, _("目标“%(name)s”已恢复") % {"name": target.name})
    return redirect("targets:detail", pk=target.pk)
    messages.success(request, _("目标“%(name)s”已恢复") % {"name": target.name})
    return redirect("targets:detail", pk=target.pk)


@require_http_methods(["GET", "POST"])
@targets_page
def report(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    target = selectors.target_get(user=user, pk=pk)
    if not (
        user.role == Role.DISPATCHER
        or (user.role in UNIT_ROLES and user.department_id == target.owner_unit_id)
    ):
        raise PermissionDenied(_("只有目标的责任单位可以填报完成值"))
    if target.source != Source.MANUAL:
        raise Http404(_("该目标由系统计算，不需要填报"))
    values = list(selectors.target_values(user=user, target=target))
    if request.method == "POST":
        form = ValueForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.target_value_report(
                    actor=user,
                    target=target,
                    year=data["year"],
                    month=data["month"],
                    value=data["value"],
                    evidence=data["evidence"],
                    evidence_file=data.get("evidence_file"),
                    expected_version=data.get("version"),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        for message in errors:
                            form.add_error(field if field in form.fields else None, message)
                else:
                    for message in error.messages:
                        form.add_error(None, message)
            else:
                messages.success(
                    request, _("已填报 %(y)s年%(m)s月完成值") % {"y": data["year"], "m": data["month"]}
                )
                return redirect("targets:detail", pk=target.pk)
    else:
        today = clock.today()
        last = month_end(today.year, today.month)
        month = today.month if today == last else (today.replace(day=1) - dt.timedelta(days=1)).month
        year = today.year if today == last or today.month > 1 else today.year - 1
        existing = next((v for v in values if v.year == year and v.month == month), None)
        form = ValueForm(
            initial={
                "year": year,
                "month": month,
                "value": existing.value if existing else None,
                "evidence": existing.evidence if existing else "",
                "version": existing.version if existing else None,
            }
        )
    return render(request, "targets/report.html", {"form": form, "target": target, "values": values})


@require_safe
@targets_page
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence files are served only here, after the same visibility check as the target."""
    value = selectors.target_value_get(user=request.user, pk=pk)
    if not value.evidence_file:
        raise Http404(_("没有佐证材料"))
    try:
        handle = value.evidence_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("佐证材料文件不存在")) from exc
    response = FileResponse(handle, as_attachment=True, filename=value.evidence_name or "evidence")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ================================================================ warnings and forecasts
# (W's section)


SETTINGS_ROLES = {Role.DISPATCHER}


def _warning_period(request: HttpRequest) -> ReportingPeriod | None:
    """``?period=YYYY-MM`` (404 if there is none), else the current period."""
    return dispatch_selectors.period_current(user=request.user, key=request.GET.get("period") or None)


def _unit_options(request: HttpRequest) -> list[Department]:
    if request.user.role in UNIT_ROLES:
        return []
    return list(Department.objects.filter(projects__isnull=False).distinct().order_by("order", "code"))


@require_safe
@targets_page
def warnings_page(request: HttpRequest) -> HttpResponse:
    """The period's red and yellow lists with their reasons, the counts, and the colour changes."""
    period = _warning_period(request)
    if period is None:
        return render(request, "targets/warnings_none.html", {})
    filters = selectors.WarningFilters.from_params(request.GET)
    if request.user.role in UNIT_ROLES:
        filters.unit_id = None  # their own unit's projects only, by scope
    summary = selectors.warning_summary(user=request.user, period=period, filters=filters)
    changes = selectors.colour_changes(user=request.user, period=period, limit=selectors.WARNING_LIST_LIMIT)
    return render(
        request,
        "targets/warnings_page.html",
        {
            "period": period,
            "periods": list(dispatch_selectors.period_list(user=request.user).order_by("-year", "-month")),
            "summary": summary,
            "changes": changes,
            "filters": filters,
            "units": _unit_options(request),
            "kinds": Kind.choices,
            "rules": WarningRuleKind.choices,
            "rule_counts": [
                (label, summary.by_rule[rule][Colour.RED], summary.by_rule[rule][Colour.YELLOW])
                for rule, label in WarningRuleKind.choices
            ],
            "colours": [(Colour.RED, Colour.RED.label), (Colour.YELLOW, Colour.YELLOW.label)],
            "time_progress": time_progress_percent(period.month),
            "can_recompute": request.user.role == Role.DISPATCHER,
            "rule_words": selectors.warning_rule_words(),
        },
    )


@require_POST
@targets_page
def warnings_recompute(request: HttpRequest) -> HttpResponse:
    """The dispatcher asks for the period to be recomputed now (a background task)."""
    if request.user.role != Role.DISPATCHER:
        raise PermissionDenied(_("只有调度专员可以重新计算预警"))
    parsed = parse_period_key(request.POST.get("period"))
    if parsed is None or not ReportingPeriod.objects.filter(year=parsed[0], month=parsed[1]).exists():
        raise Http404(_("没有该调度期"))
    recompute_warnings_and_forecasts.enqueue(year=parsed[0], month=parsed[1])
    messages.success(
        request,
        _("已提交%(year)s年%(month)s月预警与预测的重新计算，稍后刷新即可看到结果")
        % {"year": parsed[0], "month": parsed[1]},
    )
    return redirect(f"{reverse('targets:warnings')}?period={parsed[0]}-{parsed[1]:02d}")


@require_safe
@targets_page
def warning_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's signals, period by period (404 for a project the user may not see)."""
    project = selectors.warning_project(user=request.user, pk=pk)
    return render(
        request,
        "targets/warnings_history.html",
        {"project": project, "rows": selectors.project_signals(user=request.user, project=project)},
    )


@require_safe
@targets_page
def forecast_page(request: HttpRequest) -> HttpResponse:
    """Planned vs actual vs forecast investment, SPI, the year-end forecast and its back-test."""
    period = _warning_period(request)
    if period is None:
        return render(request, "targets/warnings_none.html", {})
    unit = request.GET.get("unit", "")
    unit_id = int(unit) if unit.isdigit() and request.user.role not in UNIT_ROLES else None
    forecast = selectors.investment_forecast(
        user=request.user, year=period.year, month=period.month, unit_id=unit_id
    )
    chart = {
        "months": [_("%(month)s月") % {"month": p.month} for p in forecast.series],
        "planned": [str(p.planned) for p in forecast.series],
        "actual": [None if p.actual is None else str(p.actual) for p in forecast.series],
        "forecast": [None if p.forecast is None else str(p.forecast) for p in forecast.series],
        "labels": {"planned": _("计划"), "actual": _("实际"), "forecast": _("预测"), "unit": _("万元")},
    }
    return render(
        request,
        "targets/forecast_page.html",
        {
            "period": period,
            "periods": list(dispatch_selectors.period_list(user=request.user).order_by("-year", "-month")),
            "forecast": forecast,
            "chart": chart,
            "units": _unit_options(request),
            "unit_id": forecast.unit_id,
            "can_recompute": request.user.role == Role.DISPATCHER,
            "spi_floor": forecasts_module.SPI_FLOOR,
            "spi_ceiling": forecasts_module.SPI_CEILING,
        },
    )


def _decimal(raw: Any, label: str, errors: list[str]) -> Decimal:
    try:
        return Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors.append(_("%(label)s：“%(value)s”不是数字") % {"label": label, "value": raw})
        return Decimal(0)


@require_http_methods(["GET", "POST"])
@targets_page
def warning_settings(request: HttpRequest) -> HttpResponse:
    """The dispatcher's settings: the rules' thresholds and the planned-investment curves."""
    if request.user.role not in SETTINGS_ROLES:
        raise PermissionDenied(_("只有调度专员可以修改预警规则和计划投资曲线"))
    errors: list[str] = []
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "rules":
                changes = []
                for rule, label in WarningRuleKind.choices:
                    changes.append(
                        warnings_module.RuleChange(
                            rule=rule,
                            enabled=request.POST.get(f"{rule}-enabled") == "on",
                            yellow_at=_decimal(
                                request.POST.get(f"{rule}-yellow_at"), f"{label}·{_('黄灯阈值')}", errors
                            ),
                            red_at=_decimal(
                                request.POST.get(f"{rule}-red_at"), f"{label}·{_('红灯阈值')}", errors
                            ),
                        )
                    )
                if not errors:
                    n = warnings_module.rules_update(actor=request.user, changes=changes)
                    messages.success(
                        request, _("已保存预警规则（%(n)s 条有变化），重新计算后生效") % {"n": n}
                    )
                    return redirect("targets:warning_settings")
            elif what == "curve":
                steepness = _decimal(request.POST.get("steepness"), _("陡度 k"), errors)
                midpoint = _decimal(request.POST.get("midpoint"), _("中点 c"), errors)
                if not errors:
                    forecasts_module.curve_save(
                        actor=request.user,
                        category=request.POST.get("category", ""),
                        kind=request.POST.get("kind", ""),
                        shape=request.POST.get("shape", ""),
                        steepness=steepness,
                        midpoint=midpoint,
                    )
                    messages.success(request, _("已保存计划投资曲线，重新计算后生效"))
                    return redirect("targets:warning_settings")
            else:
                errors.append(_("未知的操作"))
        except ValidationError as exc:
            errors.extend(messages_of(exc))
    return render(
        request,
        "targets/warnings_settings.html",
        {
            "rules": list(selectors.warning_rules(user=request.user)),
            "curves": list(selectors.plan_curves(user=request.user)),
            "categories": Category.choices,
            "kinds": Kind.choices,
            "shapes": CurveShape.choices,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
