"""Pages of investment attraction: the board of leads, a lead and its timeline, investors, events,
the conversion dashboard, foreign capital, and the Excel round trip. Thin: parse, call
selectors and services, render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from xianfeng.attraction import selectors, services, workbook
from xianfeng.attraction.choices import FOREIGN_ORIGINS, AmountUnit, Origin, Source, Stage
from xianfeng.attraction.forms import (
    EventForm,
    FollowUpForm,
    ForeignCapitalForm,
    ImportForm,
    InvestorForm,
    LeadForm,
    StageForm,
    stage_options,
)
from xianfeng.attraction.models import Event, Investor, Lead, is_bureau
from xianfeng.audit.selectors import change_history
from xianfeng.lib import clock
from xianfeng.lib.errors import ConflictError
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department
from xianfeng.parks.models import IndustryChain
from xianfeng.projects.forms import add_service_errors

PAGE_SIZE = 50
# The vendored Apache ECharts build (static/vendor/, see its README).
ECHARTS_JS = "vendor/echarts-5.6.0/echarts.min.js"
READER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER, Role.LEADER}


def attraction_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; admin and auditor, who see no business data, get 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role not in READER_ROLES:
            raise PermissionDenied(_("您的角色不能查看招商引资数据"))
        return view(request, *args, **kwargs)

    return wrapped


def _writers_only(request: HttpRequest) -> None:
    if request.user.role not in UNIT_ROLES:
        raise PermissionDenied(_("区领导和调度专员可以查看招商数据，但不能修改"))


def _reporters_only(request: HttpRequest) -> None:
    if request.user.role != Role.UNIT_REPORTER:
        raise PermissionDenied(_("只有单位填报员可以录入"))


def _service_errors(form: Any, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """A service error onto the form; investor fields of the lead form carry a prefix."""
    if field_map and hasattr(exc, "error_dict"):
        exc = ValidationError(
            {
                (field_map.get(name, name) if field_map.get(name, name) in form.fields else name): errors
                for name, errors in exc.error_dict.items()
            }
        )
    add_service_errors(form, exc)


def _applied(request: HttpRequest, amount_field: str, unit_field: str) -> QueryDict:
    """The posted data, with the unit conversion the user chose from a doubt message applied."""
    data = request.POST.copy()
    unit = request.POST.get("apply_unit")
    amount = request.POST.get("apply_amount")
    if unit in AmountUnit.values and amount:
        data[unit_field] = unit
        data[amount_field] = amount
    return data


def _filters_context(request: HttpRequest, filters: selectors.LeadFilters) -> dict[str, Any]:
    user = request.user
    wide = user.role in {Role.DISPATCHER, Role.LEADER} or is_bureau(user)
    return {
        "filters": filters,
        "units": Department.objects.filter(is_active=True) if wide else [],
        "chains": IndustryChain.objects.all(),
        "sources": Source.choices,
        "stages": Stage.choices,
        "years": list(range(clock.today().year, 2019, -1)),
        "query": urlencode(filters.query()),
    }


# ---------------------------------------------------------------- board, list, export


@require_safe
@attraction_page
def board(request: HttpRequest) -> HttpResponse:
    filters = selectors.LeadFilters.from_params(request.GET)
    columns = selectors.lead_board(user=request.user, filters=filters)
    context = {
        **_filters_context(request, filters),
        "columns": columns,
        "total": sum(c.count for c in columns),
        "can_add": request.user.role == Role.UNIT_REPORTER,
        "card_limit": selectors.BOARD_CARDS,
    }
    return render(request, "attraction/board.html", context)


@require_safe
@attraction_page
def lead_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.LeadFilters.from_params(request.GET)
    queryset = selectors.lead_list(user=request.user, filters=filters)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for lead in rows:
        lead.screening = selectors.lead_screening(lead)
    context = {
        **_filters_context(request, filters),
        "page": page,
        "rows": rows,
        "can_add": request.user.role == Role.UNIT_REPORTER,
    }
    return render(request, "attraction/lead_list.html", context)


@require_safe
@attraction_page
def lead_export(request: HttpRequest) -> HttpResponse:
    filters = selectors.LeadFilters.from_params(request.GET)
    leads = selectors.lead_list(user=request.user, filters=filters).iterator(chunk_size=1000)
    content = workbook.leads_xlsx(leads=leads)
    response = HttpResponse(content, content_type=workbook.XLSX_CONTENT_TYPE)
    name = _("招商线索-%(day)s.xlsx") % {"day": clock.today().isoformat()}
    response["Content-Disposition"] = workbook.content_disposition(name)
    return response


# ---------------------------------------------------------------- one lead


def _lead_form_context(form: LeadForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "unit_labels": dict(AmountUnit.choices), **extra}


@attraction_page
def lead_create(request: HttpRequest) -> HttpResponse:
    _reporters_only(request)
    user = request.user
    context: dict[str, Any] = {}
    if request.method == "POST":
        data = _applied(request, "investment_amount", "investment_unit")
        chosen = request.POST.get("use_investor", "")
        if chosen.isdigit():
            # "Use this investor" from the duplicate warning: the existing one instead of a new one.
            data["investor"] = chosen
            for name in ["inv_name", "inv_country", "inv_credit_code", "inv_in_district"]:
                data.pop(name, None)
        form = LeadForm(data, user=user)
        if form.is_valid():
            try:
                lead = services.lead_create(
                    actor=user,
                    fields=form.lead_fields(),
                    new_investor=form.new_investor(),
                    confirm_duplicate=form.cleaned_data.get("confirm_duplicate", False),
                    confirm_amount=form.cleaned_data.get("confirm_amount", False),
                )
            except services.DuplicateError as exc:
                context["duplicates"] = exc.duplicates
                form.add_error("confirm_duplicate", _("疑似重复：请核对下面列出的投资方/线索"))
            except services.AmountDoubtError as exc:
                context["doubt"] = exc.doubt
                _service_errors(form, exc)
            except ValidationError as exc:
                _service_errors(form, exc, LeadForm.SERVICE_FIELD_MAP)
            else:
                screening = selectors.lead_screening(lead)
                messages.success(
                    request,
                    _("已录入线索“%(name)s”。%(screening)s")
                    % {"name": lead.name, "screening": screening.summary},
                )
                return redirect("attraction:lead_detail", pk=lead.pk)
    else:
        initial: dict[str, Any] = {"entered_on": clock.today()}
        event_id = request.GET.get("event", "")
        if event_id.isdigit() and Event.objects.restrict(user, "view").filter(pk=int(event_id)).exists():
            initial.update(event=int(event_id), source=Source.EVENT)
        form = LeadForm(initial=initial, user=user)
    return render(
        request, "attraction/lead_form.html", _lead_form_context(form, title=_("录入招商线索"), **context)
    )


@require_safe
@attraction_page
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = selectors.lead_get(user=user, pk=pk)
    can_change = user.role in UNIT_ROLES and selectors.lead_can_change(user=user, lead=lead)
    operating = selectors.operating_dates(project_ids=[lead.project_id]) if lead.project_id else {}
    history = list(change_history(instance=lead).order_by("-at", "-id")[:100])
    return render(
        request,
        "attraction/lead_detail.html",
        {
            "lead": lead,
            "screening": selectors.lead_screening(lead),
            "timeline": selectors.lead_timeline(lead=lead),
            "options": stage_options(lead) if can_change else [],
            "can_change": can_change,
            "follow_up_form": FollowUpForm(initial={"happened_on": clock.today()}) if can_change else None,
            "operating_on": operating.get(lead.project_id),
            "foreign_capital": list(lead.foreign_capital.order_by("-period")),
            "history": history,
            "is_foreign": lead.investor.origin in FOREIGN_ORIGINS,
            "days_in_stage": (clock.today() - lead.stage_changed_on).days,
        },
    )


def _lead_for_write(request: HttpRequest, pk: int) -> Lead:
    """404 if the user cannot see the lead, 403 if they may not change it."""
    lead = selectors.lead_get(user=request.user, pk=pk)
    _writers_only(request)
    if not selectors.lead_can_change(user=request.user, lead=lead):
        raise PermissionDenied(_("您无权修改该线索"))
    return lead


@attraction_page
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = _lead_for_write(request, pk)
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = LeadForm(_applied(request, "investment_amount", "investment_unit"), user=user, lead=lead)
        if form.is_valid():
            try:
                services.lead_update(
                    actor=user,
                    lead=lead,
                    fields=form.lead_fields(),
                    expected_version=form.cleaned_data.get("version"),
                    confirm_amount=form.cleaned_data.get("confirm_amount", False),
                )
            except ConflictError as exc:
                form.add_error(None, exc.messages[0])
            except services.AmountDoubtError as exc:
                context["doubt"] = exc.doubt
                _service_errors(form, exc)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("已保存线索“%(name)s”") % {"name": lead.name})
                return redirect("attraction:lead_detail", pk=lead.pk)
    else:
        initial = {name: getattr(lead, name) for name in services.LEAD_FIELDS}
        initial["version"] = lead.version
        form = LeadForm(initial=initial, user=user, lead=lead)
    return render(
        request,
        "attraction/lead_form.html",
        _lead_form_context(form, title=_("编辑线索"), lead=lead, **context),
    )


STEP_TITLES = {
    Stage.CONTACTING: _("转为接洽"),
    Stage.NEGOTIATING: _("转为洽谈"),
    Stage.SIGNED: _("签约"),
    Stage.REGISTERED: _("注册登记"),
    Stage.LANDED: _("落地"),
    Stage.LOST: _("标记流失"),
    "reopen": _("恢复跟进"),
}


@attraction_page
def lead_stage(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = _lead_for_write(request, pk)
    to_stage = request.POST.get("to_stage") or request.GET.get("to") or ""
    allowed = dict(stage_options(lead))
    if to_stage not in allowed:
        messages.error(request, _("该线索当前不能进行这一步"))
        return redirect("attraction:lead_detail", pk=lead.pk)
    context: dict[str, Any] = {}
    data = _applied(request, "signed_amount", "signed_unit") if request.method == "POST" else None
    form = StageForm(data, lead=lead, to_stage=to_stage, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.lead_stage_change(actor=user, lead=lead, to_stage=to_stage, **form.payload())
        except services.AmountDoubtError as exc:
            context["doubt"] = exc.doubt
            _service_errors(form, exc)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            if to_stage == Stage.LANDED and updated.project_id:
                messages.success(
                    request,
                    _("线索已落地，关联项目“%(project)s”（%(code)s，储备阶段）")
                    % {"project": updated.project, "code": updated.project.code},
                )
            else:
                messages.success(request, _("线索阶段：%(stage)s") % {"stage": updated.get_stage_display()})
            return redirect("attraction:lead_detail", pk=lead.pk)
    return render(
        request,
        "attraction/stage_form.html",
        {
            "form": form,
            "lead": lead,
            "to_stage": to_stage,
            "title": STEP_TITLES.get(to_stage, to_stage),
            "unit_labels": dict(AmountUnit.choices),
            **context,
        },
    )


@attraction_page
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead_for_write(request, pk)
    form = FollowUpForm(request.POST or None, initial={"happened_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_add(actor=request.user, lead=lead, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("已记录跟进"))
            return redirect("attraction:lead_detail", pk=lead.pk)
    return render(request, "attraction/follow_up_form.html", {"form": form, "lead": lead})


# ---------------------------------------------------------------- import


@attraction_page
def lead_import(request: HttpRequest) -> HttpResponse:
    _reporters_only(request)
    result = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            limit = settings.XF_MAX_UPLOAD_BYTES
            if upload.size > limit:
                form.add_error(
                    "file",
                    _("文件过大（%(size)s 字节），上限 %(limit)s 字节")
                    % {"size": upload.size, "limit": limit},
                )
            else:
                result = workbook.leads_import(
                    actor=request.user, source=upload, dry_run=form.cleaned_data["dry_run"], max_bytes=limit
                )
                if result.ok and not result.dry_run:
                    messages.success(request, _("已导入 %(n)s 条线索") % {"n": result.created})
    else:
        form = ImportForm()
    return render(request, "attraction/import.html", {"form": form, "result": result})


@require_safe
@attraction_page
def lead_import_template(request: HttpRequest) -> HttpResponse:
    _reporters_only(request)
    response = HttpResponse(
        workbook.template_xlsx(user=request.user), content_type=workbook.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = workbook.content_disposition(
        _("招商线索导入模板.xlsx"), fallback="leads-template.xlsx"
    )
    return response


# ---------------------------------------------------------------- investors


@require_safe
@attraction_page
def investor_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    origin = request.GET.get("origin") or ""
    origin = origin if origin in Origin.values else ""
    duplicates = request.GET.get("duplicates") == "1"
    qs = selectors.investor_list(user=request.user, q=q, origin=origin, duplicates=duplicates)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {k: v for k, v in {"q": q, "origin": origin, "duplicates": "1" if duplicates else ""}.items() if v}
    )
    return render(
        request,
        "attraction/investor_list.html",
        {
            "page": page,
            "q": q,
            "origin": origin,
            "duplicates": duplicates,
            "origins": Origin.choices,
            "query": query,
            "can_add": request.user.role == Role.UNIT_REPORTER,
        },
    )


@attraction_page
def investor_create(request: HttpRequest) -> HttpResponse:
    _reporters_only(request)
    user = request.user
    context: dict[str, Any] = {}
    form = InvestorForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            investor = services.investor_create(
                actor=user,
                fields=form.investor_fields(),
                confirm_duplicate=form.cleaned_data.get("confirm_duplicate", False),
            )
        except services.DuplicateError as exc:
            context["duplicates"] = exc.duplicates
            form.add_error("confirm_duplicate", _("疑似重复：请核对下面列出的投资方"))
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("已新建投资方“%(name)s”") % {"name": investor.name})
            return redirect("attraction:investor_detail", pk=investor.pk)
    return render(
        request, "attraction/investor_form.html", {"form": form, "title": _("新建投资方"), **context}
    )


@require_safe
@attraction_page
def investor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    investor = selectors.investor_get(user=user, pk=pk)
    can_change = user.role in UNIT_ROLES and Investor.objects.restrict(user, "change").filter(pk=pk).exists()
    return render(
        request,
        "attraction/investor_detail.html",
        {
            "investor": investor,
            **selectors.investor_detail(user=user, investor=investor),
            "can_change": can_change,
            "duplicate_visible": investor.possible_duplicate_of_id
            and Investor.objects.restrict(user, "view").filter(pk=investor.possible_duplicate_of_id).exists(),
        },
    )


@attraction_page
def investor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    investor = selectors.investor_get(user=user, pk=pk)
    _writers_only(request)
    if not Investor.objects.restrict(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("您无权修改该投资方"))
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = InvestorForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.investor_update(
                    actor=user,
                    investor=investor,
                    fields=form.investor_fields(),
                    expected_version=form.cleaned_data.get("version"),
                    confirm_duplicate=form.cleaned_data.get("confirm_duplicate", False),
                )
            except ConflictError as exc:
                form.add_error(None, exc.messages[0])
            except services.DuplicateError as exc:
                context["duplicates"] = exc.duplicates
                form.add_error("confirm_duplicate", _("疑似重复：请核对下面列出的投资方"))
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("已保存投资方“%(name)s”") % {"name": investor.name})
                return redirect("attraction:investor_detail", pk=investor.pk)
    else:
        initial = {name: getattr(investor, name) for name in services.INVESTOR_FIELDS}
        initial["owner_unit"] = investor.owner_unit_id
        initial["version"] = investor.version
        form = InvestorForm(initial=initial, user=user)
    return render(
        request,
        "attraction/investor_form.html",
        {"form": form, "investor": investor, "title": _("编辑投资方"), **context},
    )


@require_safe
@attraction_page
def duplicate_check(request: HttpRequest) -> HttpResponse:
    """htmx: the investors a name (and code) would duplicate, shown while the form is filled in."""
    name = (request.GET.get("inv_name") or request.GET.get("name") or "").strip()[:200]
    code = (request.GET.get("inv_credit_code") or request.GET.get("credit_code") or "").strip().upper()[:30]
    candidates = (
        selectors.investor_duplicates(name=name, credit_code=code, user=request.user)
        if len(name) >= 2
        else []
    )
    return render(request, "attraction/_duplicates_hint.html", {"candidates": candidates})


# ---------------------------------------------------------------- events


@require_safe
@attraction_page
def event_list(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("year") or ""
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None
    return render(
        request,
        "attraction/event_list.html",
        {
            "events": selectors.event_list(user=request.user, year=year),
            "year": year,
            "years": list(range(clock.today().year, 2019, -1)),
            "can_add": request.user.role == Role.UNIT_REPORTER,
        },
    )


@attraction_page
def event_create(request: HttpRequest) -> HttpResponse:
    _reporters_only(request)
    form = EventForm(
        request.POST or None, user=request.user, initial={"organiser": request.user.department_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, fields=form.event_fields())
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("已登记活动“%(name)s”") % {"name": event.name})
            return redirect("attraction:event_detail", pk=event.pk)
    return render(request, "attraction/event_form.html", {"form": form, "title": _("登记招商活动")})


@require_safe
@attraction_page
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    event = selectors.event_get(user=user, pk=pk)
    leads = selectors.event_leads(user=user, event=event)
    outcome = {
        "total": len(leads),
        "signed": sum(1 for x in leads if x.furthest_rank >= 3),
        "landed": sum(1 for x in leads if x.furthest_rank >= 5),
        "started": sum(1 for x in leads if x.project_id and x.project.actual_start),
        "lost": sum(1 for x in leads if x.stage == Stage.LOST),
        "intended_wan": sum((x.investment_wan for x in leads), start=0),
        "signed_wan": sum((x.signed_wan or 0 for x in leads), start=0),
    }
    return render(
        request,
        "attraction/event_detail.html",
        {
            "event": event,
            "leads": leads,
            "outcome": outcome,
            "can_change": user.role in UNIT_ROLES
            and Event.objects.restrict(user, "change").filter(pk=pk).exists(),
            "can_add_lead": user.role == Role.UNIT_REPORTER,
        },
    )


@attraction_page
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    event = selectors.event_get(user=user, pk=pk)
    _writers_only(request)
    if not Event.objects.restrict(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("您无权修改该活动"))
    if request.method == "POST":
        form = EventForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.event_update(
                    actor=user,
                    event=event,
                    fields=form.event_fields(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ConflictError as exc:
                form.add_error(None, exc.messages[0])
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("已保存活动“%(name)s”") % {"name": event.name})
                return redirect("attraction:event_detail", pk=event.pk)
    else:
        initial = {name: getattr(event, name) for name in services.EVENT_FIELDS}
        initial["organiser"] = event.organiser_id
        initial["version"] = event.version
        form = EventForm(initial=initial, user=user)
    return render(
        request, "attraction/event_form.html", {"form": form, "event": event, "title": _("编辑招商活动")}
    )


# ---------------------------------------------------------------- dashboard and foreign capital


@require_safe
@attraction_page
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = selectors.LeadFilters.from_params(request.GET)
    filters.stage = ""
    data = selectors.dashboard(user=request.user, filters=filters)
    chart = {
        "funnel": [{"name": s["label"], "value": s["count"]} for s in data["funnel"]],
        "trend": data["trend"],
        "foreign": {
            "months": [_("%(month)s月") % {"month": m} for m in range(1, 13)],
            "amounts": [float(x) for x in data["foreign"]["months"]],
            "cumulative": [float(x) for x in data["foreign"]["cumulative"]],
        },
    }
    return render(
        request,
        "attraction/dashboard.html",
        {
            **_filters_context(request, filters),
            **data,
            "chart": chart,
            "chart_labels": {
                "entered": _("新增线索"),
                "signed": _("签约"),
                "landed": _("落地"),
                "month_amount": _("当月"),
                "cumulative": _("累计"),
                "usd": _("万美元"),
            },
            "by_list": [(selectors.DIMENSIONS[key][1], rows) for key, rows in data["by"].items()],
            "echarts_js": ECHARTS_JS,
        },
    )


@attraction_page
def foreign_capital(request: HttpRequest) -> HttpResponse:
    user = request.user
    raw = request.GET.get("year") or ""
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year
    form = None
    if user.role in UNIT_ROLES:
        form = ForeignCapitalForm(request.POST or None, user=user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.foreign_capital_save(
                    actor=user,
                    lead=data["lead"],
                    period=data["period"],
                    amount_usd_wan=data["amount_usd_wan"],
                    note=data.get("note") or "",
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(
                    request, _("已保存 %(month)s 实际使用外资") % {"month": f"{data['period']:%Y-%m}"}
                )
                return redirect(f"{reverse('attraction:foreign_capital')}?year={data['period'].year}")
    elif request.method == "POST":
        raise PermissionDenied(_("区领导和调度专员可以查看招商数据，但不能修改"))
    return render(
        request,
        "attraction/foreign_capital.html",
        {
            "form": form,
            "year": year,
            "years": list(range(clock.today().year, 2019, -1)),
            "totals": selectors.foreign_capital_totals(user=user, year=year),
            "rows": list(selectors.foreign_capital_rows(user=user, year=year)),
        },
    )
