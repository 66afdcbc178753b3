"""Pages of the project registry: the list and its export, the board, a project's page and the
forms that change it. Views stay thin: they parse input, call selectors and services, render."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from xianfeng.audit.models import ChangeRecord
from xianfeng.audit.selectors import change_history
from xianfeng.lib import clock
from xianfeng.lib.errors import ConflictError
from xianfeng.lib.money import wan_to_yi
from xianfeng.org.choices import Role
from xianfeng.projects import exporting, selectors, services
from xianfeng.projects.choices import Category, Kind, Level, MilestoneKind
from xianfeng.projects.forms import (
    EntryForm,
    MilestoneForm,
    ProjectCreateForm,
    ProjectFilterForm,
    ProjectForm,
    ReasonForm,
    TransitionForm,
    add_service_errors,
)
from xianfeng.projects.links import project_links
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

PAGE_SIZE = 50
# Who may open which page. Rows are still scoped per user by restrict() / project_get().
READER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER, Role.LEADER}
WRITER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER}
CREATOR_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER}
ARCHIVER_ROLES = {Role.DISPATCHER}
# Set by project_transition(), shown read-only on the milestones page.
LIFECYCLE_MILESTONES = {MilestoneKind.START, MilestoneKind.COMPLETION, MilestoneKind.OPERATION}

# List columns that sort, keyed as in selectors.SORTS.
SORT_COLUMNS = [
    "serial",
    "name",
    "code",
    "investment",
    "planned",
    "invested",
    "rate",
    "start",
    "stage",
    "unit",
]


def programme_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; admin and auditor, who see no business data, get 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role not in READER_ROLES:
            raise PermissionDenied(_("您的角色不能查看项目库"))
        return view(request, *args, **kwargs)

    return wrapped


def _project_for_write(request: HttpRequest, pk: int, roles: set[str] = WRITER_ROLES) -> Project:
    """The project, in this order: 404 if the user cannot see it, 403 if their role cannot write
    here, then fetched again scoped to "change"."""
    selectors.project_get(user=request.user, pk=pk)
    if request.user.role not in roles:
        raise PermissionDenied(_("您的角色不能修改项目"))
    return selectors.project_get(user=request.user, pk=pk, action="change")


def _refuse_archived(request: HttpRequest, project: Project) -> HttpResponse | None:
    if project.is_archived:
        messages.error(request, _("项目已归档，不能修改；请先恢复"))
        return redirect("projects:detail", pk=project.pk)
    return None


def _request_filters(request: HttpRequest) -> tuple[selectors.ProjectFilters, list[int]]:
    years = selectors.available_years(user=request.user)
    default_year = years[0] if years else clock.today().year
    return selectors.ProjectFilters.from_params(request.GET, default_year=default_year), years


def _push_clean_url(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """htmx sends every filter, empty or not; the address bar gets only those that are set."""
    query = _query(request)
    response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    return response


def _query(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some keys replaced (None drops a key)."""
    params = {k: v for k, v in request.GET.items() if k not in changes and v != ""}
    params.update({k: v for k, v in changes.items() if v not in (None, "")})
    return urlencode(params)


# ---------------------------------------------------------------- list and export


def _sort_headers(request: HttpRequest, current: str) -> dict[str, dict[str, str]]:
    headers = {}
    for key in SORT_COLUMNS:
        if current == key:
            state, nxt = "asc", f"-{key}"
        elif current == f"-{key}":
            state, nxt = "desc", key
        else:
            state, nxt = "", key
        headers[key] = {"state": state, "query": _query(request, sort=nxt, page=None)}
    return headers


_KIND_LABELS = dict(Kind.choices)
_LEVEL_LABELS = dict(Level.choices)


@require_safe
@programme_page
def project_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters, years = _request_filters(request)
    # The page shows the unit, street and leader of each row: only those are joined.
    queryset = selectors.project_list(user=user, filters=filters, related=("lead_unit", "street", "leader"))
    totals = selectors.project_totals(queryset=queryset, year=filters.year)
    paginator = Paginator(queryset, PAGE_SIZE)
    paginator.count = totals["count"]  # known already: saves a second COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for index, project in enumerate(rows, start=page.start_index()):
        project.row_number = getattr(project, "year_serial", None) or index
        project.kind_label = _KIND_LABELS.get(getattr(project, "year_kind", None) or "", "")
        project.level_label = _LEVEL_LABELS.get(getattr(project, "year_level", None) or "", "")
        project.start_label = exporting.planned_start_label(project, filters.year)
        # From the columns already selected with the row: no query per row.
        project.completion_rate = selectors.completion_rate(
            invested=getattr(project, "year_invested_ytd", None),
            planned=getattr(project, "year_planned_investment", None),
        )
    context = {
        "filters": filters,
        "rows": rows,
        "page": page,
        "totals": totals,
        "total_investment_yi": wan_to_yi(totals["total_investment"]),
        "planned_investment_yi": wan_to_yi(totals["planned_investment"]) if filters.year else None,
        "sort_headers": _sort_headers(request, filters.sort),
        "page_query": _query(request, page=None),
        "export_query": _query(request, page=None),
        "can_add": user.role in CREATOR_ROLES,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "xf-list-results":
        response = render(request, "projects/_list_results.html", context)
        return _push_clean_url(request, response)
    context["filter_form"] = ProjectFilterForm(user=user, filters=filters, years=years)
    return render(request, "projects/list.html", context)


@require_safe
@programme_page
def project_export(request: HttpRequest) -> HttpResponse:
    filters, _years = _request_filters(request)
    queryset = selectors.project_list(user=request.user, filters=filters)
    generated_at = clock.now()
    content = exporting.projects_xlsx(
        projects=queryset.iterator(chunk_size=1000), year=filters.year, generated_at=generated_at
    )
    response = HttpResponse(content, content_type=exporting.XLSX_CONTENT_TYPE)
    filename = exporting.export_filename(year=filters.year, generated_at=generated_at)
    response["Content-Disposition"] = exporting.content_disposition(filename)
    return response


# ---------------------------------------------------------------- board


@require_safe
@programme_page
def board(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters, years = _request_filters(request)
    if not filters.year:
        filters.year = years[0] if years else clock.today().year
    columns = selectors.pipeline_board(user=user, year=filters.year, filters=filters)
    response = render(
        request,
        "projects/board.html",
        {
            "filters": filters,
            "columns": columns,
            "total_count": sum(c.count for c in columns),
            "total_planned": sum((c.planned_investment for c in columns), start=0),
            "filter_form": ProjectFilterForm(user=user, filters=filters, years=years, all_years=False),
            "list_query": _query(request),
        },
    )
    return _push_clean_url(request, response) if request.headers.get("HX-Request") else response


# ---------------------------------------------------------------- detail


_HISTORY_MODELS: dict[str, type[models.Model]] = {
    m._meta.label: m for m in [Project, ProgrammeEntry, Milestone, StageTransition]
}


def _shown(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A logged value as people read it: labels for choices and related rows, 是/否 for flags."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except Exception:
            field = None
        if field is not None and getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.DecimalField):
            try:
                return f"{Decimal(str(value)):,f}"
            except InvalidOperation:
                return str(value)
    return str(value)


def _history(records: list[ChangeRecord]) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        model = _HISTORY_MODELS.get(record.object_type)
        if model is ProgrammeEntry:
            subject = _("年度计划")
        elif model is Milestone:
            subject = _("节点")
        else:
            subject = _("项目")
        changes = [
            {
                "label": change.get("label") or name,
                "old": _shown(model, name, change.get("old")),
                "new": _shown(model, name, change.get("new")),
            }
            for name, change in (record.changes or {}).items()
            if isinstance(change, dict)
        ]
        # "修改项目", "新建节点", but "阶段变更", "归档" on their own.
        verb = record.get_action_display()
        title = f"{verb}{subject}" if record.action in {"create", "update", "import"} else str(verb)
        rows.append(
            {
                "record": record,
                "title": title,
                "subject": subject,
                "changes": changes,
                "show_repr": model is not Project,
            }
        )
    return rows


HISTORY_LIMIT = 200


@require_safe
@programme_page
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.project_get(user=user, pk=pk)
    data = selectors.project_detail(project=project)
    entries = data["entries"]
    milestones = data["milestones"]
    records = functools.reduce(
        operator.or_,
        [change_history(instance=obj) for obj in [project, *entries, *milestones.values()]],
    ).order_by("-at", "-id")[: HISTORY_LIMIT + 1]
    records = list(records)
    can_change = (
        user.role in WRITER_ROLES and Project.objects.restrict(user, "change").filter(pk=project.pk).exists()
    )
    timeline = []
    for kind, label in MilestoneKind.choices:
        milestone = milestones.get(kind)
        timeline.append(
            {
                "kind": kind,
                "label": label,
                "milestone": milestone,
                "done": bool(milestone and milestone.actual_date),
                "lifecycle": kind in LIFECYCLE_MILESTONES,
            }
        )
    this_year = clock.today().year
    entry_years = {e.year for e in entries}
    missing_years = [y for y in (this_year, this_year + 1) if y not in entry_years]
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "entries": entries,
            "timeline": timeline,
            "transitions": data["transitions"],
            "links": project_links(user=user, project=project),
            "history": _history(records[:HISTORY_LIMIT]),
            "history_truncated": len(records) > HISTORY_LIMIT,
            "can_change": can_change and not project.is_archived,
            "can_archive": user.role in ARCHIVER_ROLES,
            "missing_years": missing_years if can_change and not project.is_archived else [],
            "transition_form": TransitionForm(project=project),
            "reason_form": ReasonForm(),
            "category_label": dict(Category.choices).get(project.category, ""),
        },
    )


# ---------------------------------------------------------------- create and edit


@programme_page
def project_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in CREATOR_ROLES:
        raise PermissionDenied(_("您的角色不能新建项目"))
    years = selectors.available_years(user=user)
    default_year = years[0] if years else clock.today().year
    data = request.POST if request.method == "POST" else None
    form = ProjectCreateForm(data, user=user, default_year=default_year)
    if request.method == "POST" and form.is_valid():
        fields = {**form.project_fields(), **form.initial_fields()}
        if form.fields["lead_unit"].disabled:
            fields["lead_unit"] = user.department
        try:
            project = services.project_create(
                actor=user,
                fields=fields,
                entry=form.entry_fields(),
                year=form.cleaned_data["year"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("已新建项目“%(name)s”（%(code)s）") % {"name": project, "code": project.code}
            )
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "title": _("新建项目"), "cancel_url": reverse("projects:list")},
    )


def _project_initial(project: Project) -> dict[str, Any]:
    initial = {
        name: getattr(project, name + "_id", None)
        for name in ["chain", "park", "street", "lead_unit", "leader"]
    }
    for name in services.EDITABLE_FIELDS:
        if name not in initial:
            initial[name] = getattr(project, name)
    initial["version"] = project.version
    return initial


@programme_page
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = _project_for_write(request, pk)
    if refused := _refuse_archived(request, project):
        return refused
    data = request.POST if request.method == "POST" else None
    form = ProjectForm(data, user=user, project=project, initial=_project_initial(project))
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            services.project_update(
                actor=user, project=project, fields=form.project_fields(), expected_version=version
            )
        except ConflictError as exc:
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存项目“%(name)s”") % {"name": project.name})
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "project": project,
            "title": _("编辑项目"),
            "cancel_url": reverse("projects:detail", args=[project.pk]),
        },
    )


# ---------------------------------------------------------------- stage, archive, restore


@programme_page
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_write(request, pk)
    if refused := _refuse_archived(request, project):
        return refused
    data = request.POST if request.method == "POST" else None
    form = TransitionForm(data, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            transition = services.project_transition(
                actor=request.user,
                project=project,
                to_stage=form.cleaned_data["to_stage"],
                effective_date=form.cleaned_data["effective_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("项目阶段已变更为“%(stage)s”（生效日期 %(day)s）")
                % {"stage": transition.get_to_stage_display(), "day": transition.effective_date},
            )
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/action_form.html",
        {
            "form": form,
            "project": project,
            "title": _("阶段变更"),
            "intro": _("当前阶段：%(stage)s") % {"stage": project.get_stage_display()},
            "submit": _("确认变更"),
            "action_url": reverse("projects:transition", args=[project.pk]),
        },
    )


@programme_page
def project_archive(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_write(request, pk, ARCHIVER_ROLES)
    data = request.POST if request.method == "POST" else None
    form = ReasonForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_archive(actor=request.user, project=project, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("项目已归档；可在项目库勾选“已归档”查看"))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/action_form.html",
        {
            "form": form,
            "project": project,
            "title": _("归档项目"),
            "intro": _("归档后项目不再出现在项目库和看板中，数据不会删除，可随时恢复。"),
            "submit": _("确认归档"),
            "danger": True,
            "action_url": reverse("projects:archive", args=[project.pk]),
        },
    )


@programme_page
def project_restore(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_write(request, pk, ARCHIVER_ROLES)
    data = request.POST if request.method == "POST" else None
    form = ReasonForm(data, required=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_restore(actor=request.user, project=project, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("项目已恢复"))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/action_form.html",
        {
            "form": form,
            "project": project,
            "title": _("恢复项目"),
            "intro": _("恢复后项目重新出现在项目库和看板中。"),
            "submit": _("确认恢复"),
            "action_url": reverse("projects:restore", args=[project.pk]),
        },
    )


# ---------------------------------------------------------------- year entry, milestones


@programme_page
def entry_edit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    project = _project_for_write(request, pk)
    if not 2000 <= year <= 2100:
        raise Http404(_("年度超出范围"))
    if refused := _refuse_archived(request, project):
        return refused
    entry = ProgrammeEntry.objects.restrict(request.user, "change").filter(project=project, year=year).first()
    if entry is not None:
        initial = {name: getattr(entry, name) for name in services.ENTRY_FIELDS}
        initial["version"] = entry.version
    else:
        initial = {"level": Level.DISTRICT, "version": 0}
    data = request.POST if request.method == "POST" else None
    form = EntryForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            services.programme_entry_save(
                actor=request.user,
                project=project,
                year=year,
                fields=form.entry_fields(),
                expected_version=version,
            )
        except ConflictError as exc:
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(year)s 年度计划") % {"year": year})
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/entry_form.html",
        {"form": form, "project": project, "year": year, "entry": entry},
    )


@programme_page
def milestones_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_write(request, pk)
    if refused := _refuse_archived(request, project):
        return refused
    existing = {m.kind: m for m in Milestone.objects.restrict(request.user, "change").filter(project=project)}
    data = request.POST if request.method == "POST" else None
    forms = []
    for kind, label in MilestoneKind.choices:
        milestone = existing.get(kind)
        initial = (
            {
                "planned_date": milestone.planned_date,
                "actual_date": milestone.actual_date,
                "note": milestone.note,
            }
            if milestone
            else {}
        )
        forms.append(
            MilestoneForm(
                data,
                prefix=kind,
                initial=initial,
                kind=kind,
                label=label,
                readonly=kind in LIFECYCLE_MILESTONES,
            )
        )
    if request.method == "POST" and all(form.is_valid() for form in forms):
        saved = 0
        failed = False
        # All rows or none: a bad date on one row leaves every row as it was.
        with transaction.atomic():
            for form in forms:
                if form.readonly:
                    continue
                planned, actual, note = form.values()
                milestone = existing.get(form.kind)
                before = (
                    (milestone.planned_date, milestone.actual_date, milestone.note)
                    if milestone
                    else (None, None, "")
                )
                if (planned, actual, note) == before:
                    continue
                try:
                    services.milestone_save(
                        actor=request.user,
                        project=project,
                        kind=form.kind,
                        planned_date=planned,
                        actual_date=actual,
                        note=note,
                    )
                    saved += 1
                except ValidationError as exc:
                    add_service_errors(form, exc)
                    failed = True
            if failed:
                transaction.set_rollback(True)
        if not failed:
            messages.success(
                request, _("已保存 %(count)s 个节点") % {"count": saved} if saved else _("节点没有变化")
            )
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/milestones_form.html", {"forms": forms, "project": project})


# ---- registry import (owned by the import work; keep this section at the end of the file) ----
from urllib.parse import quote as _url_quote  # noqa: E402

from django.conf import settings as _settings  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402

from xianfeng.projects import importing  # noqa: E402

IMPORT_SESSION_KEY = "xf_import_staged"
IMPORT_ERRORS_SHOWN = 200


def _import_years() -> list[int]:
    """Last year, this year (the default) and next year, whose programme is drawn up in winter."""
    year = clock.today().year
    return [year - 1, year, year + 1]


def _import_staging() -> FileSystemStorage:
    """Where a checked file waits for the user's confirmation (private: never served)."""
    return FileSystemStorage(location=_settings.VAR_DIR / "import-staging")


def _importer_only(request: HttpRequest) -> None:
    if request.user.role not in importing.IMPORTER_ROLES:
        raise PermissionDenied(_("您的角色不能批量导入项目"))


def _drop_staged(request: HttpRequest) -> None:
    staged = request.session.pop(IMPORT_SESSION_KEY, None)
    if staged:
        _import_staging().delete(staged["file"])


@login_required
def registry_import(request: HttpRequest) -> HttpResponse:
    """Upload → check (nothing written) → confirm → written whole, or upload and write at once."""
    _importer_only(request)
    limit = _settings.XF_MAX_UPLOAD_BYTES
    years = _import_years()
    context: dict[str, Any] = {
        "limit": limit,
        "years": years,
        "current_year": clock.today().year,
        "errors_shown": IMPORT_ERRORS_SHOWN,
    }
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _import_confirm(request, context)
    if request.method == "POST":
        # Refuse an oversized body from its declared length, before the upload is looked at.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit + 64 * 1024:
            form = importing.UploadForm(max_bytes=limit, years=years, initial={"year": clock.today().year})
            context.update(form=form, refused=importing.refusal_too_big(declared, limit))
            return render(request, "projects/import.html", context, status=413)
        form = importing.UploadForm(request.POST, request.FILES, max_bytes=limit, years=years)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            year = form.cleaned_data["year"]
            write_now = request.POST.get("action") == "import"
            result = importing.registry_import(
                actor=request.user,
                source=upload,
                year=year,
                filename=upload.name,
                dry_run=not write_now,
                max_bytes=limit,
            )
            context.update(result=result, filename=upload.name)
            _drop_staged(request)
            if not write_now and result.ok and not result.no_changes:
                upload.seek(0)
                name = _import_staging().save(f"{request.user.pk}-{result.request_id}.xlsx", upload)
                request.session[IMPORT_SESSION_KEY] = {
                    "file": name,
                    "token": result.request_id,
                    "name": upload.name,
                    "year": year,
                }
                context["token"] = result.request_id
    else:
        form = importing.UploadForm(max_bytes=limit, years=years, initial={"year": clock.today().year})
    context["form"] = form
    return render(request, "projects/import.html", context)


def _import_confirm(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    staged = request.session.get(IMPORT_SESSION_KEY)
    initial = {"year": staged["year"] if staged else context["current_year"]}
    limit, years = context["limit"], context["years"]
    context["form"] = importing.UploadForm(max_bytes=limit, years=years, initial=initial)
    if not staged or staged["token"] != request.POST.get("token"):
        messages.error(request, _("预览已失效（可能已导入或在其他窗口重新上传），请重新上传文件"))
        return redirect("projects:import")
    storage = _import_staging()
    if not storage.exists(staged["file"]):
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.error(request, _("待导入的文件已不存在，请重新上传"))
        return redirect("projects:import")
    with storage.open(staged["file"], "rb") as handle:
        result = importing.registry_import(
            actor=request.user,
            source=handle,
            year=staged["year"],
            filename=staged["name"],
            request_id=staged["token"],
            max_bytes=context["limit"],
        )
    _drop_staged(request)
    context.update(result=result, filename=staged["name"])
    return render(request, "projects/import.html", context)


@login_required
def registry_import_template(request: HttpRequest) -> HttpResponse:
    """The 项目清单 template with dropdowns from the current reference data."""
    _importer_only(request)
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    if not 2000 <= year <= 2100:
        year = clock.today().year
    unit = request.user.department if request.user.role == Role.UNIT_REPORTER else None
    content = importing.build_template(year=year, unit=unit)
    response = HttpResponse(content, content_type=importing.XLSX_CONTENT_TYPE)
    filename = _("重点项目导入模板-%(year)s.xlsx") % {"year": year}
    response["Content-Disposition"] = (
        f"attachment; filename=\"xianfeng-import-{year}.xlsx\"; filename*=UTF-8''{_url_quote(filename)}"
    )
    return response
