"""Pages of problem coordination: the board, a problem and its steps, instructions, supervision
orders, a leader's page and a project's working team. Views stay thin: they parse input, call
selectors and services, and render. A row the user may not see is a 404, a page their role may
not use a 403, and a step the services refuse is a message with nothing changed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xianfeng.coordination import selectors, services
from xianfeng.coordination.choices import (
    AgeBucket,
    EscalationLevel,
    InstructionStatus,
    ProblemAction,
    ProblemStatus,
    ProblemType,
    SupervisionStatus,
)
from xianfeng.coordination.forms import (
    AssignForm,
    AttachmentForm,
    DecisionForm,
    InstructionForm,
    MemberForm,
    NoteForm,
    PlanForm,
    ProblemRaiseForm,
    ReplyForm,
    SupervisionForm,
    TeamForm,
    TransitionForm,
    add_service_errors,
)
from xianfeng.coordination.models import TeamMember
from xianfeng.lib import clock
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Leader
from xianfeng.projects.models import Project
from xianfeng.projects.selectors import project_get

READER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER, Role.LEADER}
RAISER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER}


def coordination_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; admin and auditor, who see no business data, get 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role not in READER_ROLES:
            raise PermissionDenied(_("您的角色不能查看问题协调"))
        return view(request, *args, **kwargs)

    return wrapped


def _require_role(request: HttpRequest, roles: set[str], message: str) -> None:
    if request.user.role not in roles:
        raise PermissionDenied(message)


def _refused(request: HttpRequest, exc: Exception) -> None:
    """A step the services refused: say why; nothing was changed.

    The services' messages name what is wrong in words; the field codes they are keyed by
    ("note", "file", "action") mean nothing to a reader, so they are left out here."""
    if isinstance(exc, ValidationError):
        for line in exc.messages:
            messages.error(request, line)
    else:
        messages.error(request, str(exc) or _("您无权进行此操作"))


# ---------------------------------------------------------------- the board


@coordination_page
def board(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = clock.today()
    filters = selectors.BoardFilters.from_params(request.GET)
    for name, message in filters.errors.items():
        messages.warning(request, _("%(name)s：%(message)s（已忽略）") % {"name": name, "message": message})
    problems = selectors.problem_board(user=user, filters=filters, today=today)
    page = Paginator(problems, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "problem": p,
            "overdue": p.is_overdue(today),
            "age": p.age_days(today),
        }
        for p in page.object_list
    ]
    options = selectors.filter_options(user=user)
    summary, medians = selectors.board_figures(
        user=user, filters=filters, today=today, unit_names={d.pk: str(d) for d in options["units"]}
    )

    def tab(label: str, count: int, status: str = "", overdue: bool = False, css: str = "") -> dict[str, Any]:
        query = filters.querystring(status=status, overdue="1" if overdue else "")
        active = filters.status == status and filters.overdue == overdue
        return {"label": label, "count": count, "url": f"?{query}", "active": active, "css": css}

    tabs = [tab(_("全部"), summary.total), tab(_("未销号"), summary.active, "active")]
    tabs += [tab(label, count, code, css=code) for code, label, count in summary.by_status]
    tabs.append(tab(_("超期"), summary.overdue, overdue=True, css="reopened"))
    context = {
        "filters": filters,
        "tabs": tabs,
        "page": page,
        "rows": rows,
        "summary": summary,
        "medians": medians,
        "options": options,
        "types": ProblemType.choices,
        "statuses": ProblemStatus.choices,
        "ages": AgeBucket.choices,
        "levels": EscalationLevel.choices,
        "can_raise": user.role in RAISER_ROLES,
        "today": today,
        "page_query": filters.querystring(),
    }
    return render(request, "coordination/board.html", context)


# ---------------------------------------------------------------- one problem


@coordination_page
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = selectors.problem_get(user=user, pk=pk)
    detail = selectors.problem_detail(user=user, problem=problem)
    unit_ids = [link.department_id for link in detail.units]
    actions = selectors.problem_actions(user=user, problem=problem, unit_ids=unit_ids)
    context = {
        "problem": problem,
        "detail": detail,
        "actions": actions,
        "transition_actions": [
            (a.value, a.label)
            for a in ProblemAction
            if actions.get(a.value) and a.value in services.TRANSITIONS
        ],
        "attachment_form": AttachmentForm(),
        "reply_form": ReplyForm(),
        "max_bytes": services.attachment_max_bytes(),
        "user_unit": user.department_id,
        "today": clock.today(),
    }
    return render(request, "coordination/problem_detail.html", context)


def _raisable_projects(request: HttpRequest) -> Any:
    qs = Project.objects.restrict(request.user, "change").filter(archived_at__isnull=True)
    if request.user.role in UNIT_ROLES:
        qs = qs.filter(lead_unit_id=request.user.department_id)
    return qs.order_by("internal_code")


@coordination_page
def problem_raise(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_role(request, RAISER_ROLES, _("区领导不提出问题，请在项目或问题上作批示"))
    can_assign = user.role == Role.DISPATCHER
    projects = _raisable_projects(request)
    initial = {}
    if request.GET.get("project", "").isdigit():
        initial["project"] = int(request.GET["project"])
    form = ProblemRaiseForm(
        request.POST or None, request.FILES or None, projects=projects, can_assign=can_assign, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = _raise_with_file(user, data, can_assign)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已提出问题“%(title)s”") % {"title": problem.title})
            return redirect("coordination:problem_detail", pk=problem.pk)
    return render(request, "coordination/problem_form.html", {"form": form, "can_assign": can_assign})


def _raise_with_file(user: Any, data: dict[str, Any], can_assign: bool) -> Any:
    from django.db import transaction

    # The problem and its first attachment land together or not at all.
    with transaction.atomic():
        problem = services.problem_raise(
            actor=user,
            project=data["project"],
            type=data["type"],
            title=data["title"],
            description=data["description"],
            source=data["source"],
            period=data.get("period") or None,
            units=list(data.get("units") or []) if can_assign else None,
            primary_unit=data.get("primary_unit") if can_assign else None,
            deadline_days=data.get("deadline_days") if can_assign else None,
            deadline=data.get("deadline") if can_assign else None,
        )
        if data.get("file"):
            services.problem_attach(actor=user, problem=problem, upload=data["file"])
    return problem


@coordination_page
def problem_assign(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(user=request.user, pk=pk)
    _require_role(request, {Role.DISPATCHER}, _("只有区项目办（调度专员）可以交办问题"))
    current = [link.department for link in selectors.problem_detail(user=request.user, problem=problem).units]
    initial = {
        "units": current,
        "primary_unit": problem.primary_unit,
        "deadline_days": problem.deadline_days or 10,
    }
    form = AssignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.problem_assign(
                actor=request.user,
                problem=problem,
                units=list(data["units"]),
                primary_unit=data.get("primary_unit"),
                deadline_days=None if data.get("deadline") else data.get("deadline_days"),
                deadline=data.get("deadline"),
                note=data.get("note") or "",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已交办"))
            return redirect("coordination:problem_detail", pk=problem.pk)
    return render(request, "coordination/assign_form.html", {"form": form, "problem": problem})


@coordination_page
@require_POST
def problem_transition(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容不完整"))
        return redirect("coordination:problem_detail", pk=problem.pk)
    data = form.cleaned_data
    try:
        services.problem_transition(
            actor=request.user,
            problem=problem,
            action=data["action"],
            note=data.get("note") or "",
            resolution=data.get("resolution") or "",
        )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        label = ProblemAction(data["action"]).label
        messages.success(request, _("已%(action)s") % {"action": label})
    return redirect("coordination:problem_detail", pk=problem.pk)


@coordination_page
@require_POST
def problem_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(user=request.user, pk=pk)
    _require_role(request, {Role.DISPATCHER}, _("只有区项目办（调度专员）可以升级问题"))
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"note": _("请填写升级理由")})
        services.problem_escalate(actor=request.user, problem=problem, note=form.cleaned_data["note"])
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已升级"))
    return redirect("coordination:problem_detail", pk=problem.pk)


@coordination_page
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件"))
        return redirect("coordination:problem_detail", pk=problem.pk)
    try:
        attachment = services.problem_attach(
            actor=request.user, problem=problem, upload=form.cleaned_data["file"]
        )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已上传“%(name)s”") % {"name": attachment.name})
    return redirect("coordination:problem_detail", pk=problem.pk)


@coordination_page
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Files are served only here, after the same visibility check as the problem."""
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("附件文件不存在")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- instructions


def _instruct(request: HttpRequest, *, project: Project, problem: Any = None) -> HttpResponse:
    _require_role(request, {Role.LEADER}, _("只有区领导可以作批示"))
    form = InstructionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.instruction_create(
                actor=request.user,
                project=None if problem else project,
                problem=problem,
                text=form.cleaned_data["text"],
                reply_days=form.cleaned_data["reply_days"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("批示已发出"))
            if problem is not None:
                return redirect("coordination:problem_detail", pk=problem.pk)
            return redirect("projects:detail", pk=project.pk)
    context = {"form": form, "project": project, "problem": problem}
    return render(request, "coordination/instruction_form.html", context)


@coordination_page
def problem_instruct(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(user=request.user, pk=pk)
    return _instruct(request, project=problem.project, problem=problem)


@coordination_page
def project_instruct(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    return _instruct(request, project=project)


@coordination_page
def instruction_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in InstructionStatus.values:
        status = ""
    qs = selectors.instruction_list(user=request.user, status=status)
    page = Paginator(qs, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    inbox = selectors.unit_inbox(user=request.user) if request.user.role in UNIT_ROLES else None
    context = {
        "page": page,
        "status": status,
        "statuses": InstructionStatus.choices,
        "query": f"status={status}" if status else "",
        "inbox": inbox,
        "today": clock.today(),
    }
    return render(request, "coordination/instruction_list.html", context)


@coordination_page
def instruction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    instruction = selectors.instruction_get(user=user, pk=pk)
    unit_ids = [u.pk for u in instruction.units.all()]
    can_reply = (
        user.role in UNIT_ROLES
        and user.department_id in unit_ids
        and instruction.status != InstructionStatus.CLOSED
    )
    can_close = instruction.status != InstructionStatus.CLOSED and (
        user.role == Role.DISPATCHER or (user.role == Role.LEADER and instruction.author_id == user.pk)
    )
    context = {
        "instruction": instruction,
        "reply_form": ReplyForm(),
        "can_reply": can_reply,
        "can_close": can_close,
        "today": clock.today(),
    }
    return render(request, "coordination/instruction_detail.html", context)


@coordination_page
@require_POST
def instruction_reply(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = selectors.instruction_get(user=request.user, pk=pk)
    form = ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"text": _("请填写回复内容")})
        services.instruction_reply(
            actor=request.user, instruction=instruction, text=form.cleaned_data["text"]
        )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已回复批示"))
    back = request.POST.get("next", "")
    if back == "problem" and instruction.problem_id:
        return redirect("coordination:problem_detail", pk=instruction.problem_id)
    return redirect("coordination:instruction_detail", pk=instruction.pk)


@coordination_page
@require_POST
def instruction_close(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = selectors.instruction_get(user=request.user, pk=pk)
    try:
        services.instruction_close(
            actor=request.user, instruction=instruction, note=request.POST.get("note", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("批示已办结"))
    return redirect("coordination:instruction_detail", pk=instruction.pk)


# ---------------------------------------------------------------- supervision orders


@coordination_page
def supervision_create(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(user=request.user, pk=pk)
    _require_role(request, {Role.DISPATCHER}, _("只有区项目办（调度专员）可以下达督办单"))
    form = SupervisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.supervision_issue(
                actor=request.user,
                problem=problem,
                requirement=form.cleaned_data["requirement"],
                plan_days=form.cleaned_data["plan_days"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已下达%(number)s") % {"number": order.number})
            return redirect("coordination:supervision_detail", pk=order.pk)
    return render(request, "coordination/supervision_form.html", {"form": form, "problem": problem})


@coordination_page
def supervision_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in SupervisionStatus.values:
        status = ""
    page = Paginator(
        selectors.supervision_list(user=request.user, status=status), selectors.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": SupervisionStatus.choices,
        "query": f"status={status}" if status else "",
    }
    return render(request, "coordination/supervision_list.html", context)


@coordination_page
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    order = selectors.supervision_get(user=user, pk=pk)
    open_for_plan = order.status in {SupervisionStatus.ISSUED, SupervisionStatus.PLAN_RETURNED}
    context = {
        "order": order,
        "can_plan": user.role in UNIT_ROLES and user.department_id == order.unit_id and open_for_plan,
        "can_decide": user.role == Role.DISPATCHER and order.status == SupervisionStatus.PLAN_SUBMITTED,
        "can_close": user.role == Role.DISPATCHER and order.status != SupervisionStatus.CLOSED,
        "plan_form": PlanForm(),
        "decision_form": DecisionForm(),
        "today": clock.today(),
    }
    return render(request, "coordination/supervision_detail.html", context)


def _order_step(request: HttpRequest, pk: int, step: Callable[[Any], Any], done: str) -> HttpResponse:
    order = selectors.supervision_get(user=request.user, pk=pk)
    try:
        step(order)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return redirect("coordination:supervision_detail", pk=order.pk)


@coordination_page
@require_POST
def supervision_plan(request: HttpRequest, pk: int) -> HttpResponse:
    form = PlanForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    return _order_step(
        request,
        pk,
        lambda order: services.supervision_submit_plan(actor=request.user, order=order, text=text),
        _("已报送整改方案"),
    )


@coordination_page
@require_POST
def supervision_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        # No decision chosen (or a bad one): say so and change nothing, rather than guess.
        order = selectors.supervision_get(user=request.user, pk=pk)
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("coordination:supervision_detail", pk=order.pk)
    accept = form.cleaned_data["decision"] == "accept"
    note = form.cleaned_data["note"]
    return _order_step(
        request,
        pk,
        lambda order: services.supervision_decide(actor=request.user, order=order, accept=accept, note=note),
        _("已采纳整改方案") if accept else _("已退回整改方案"),
    )


@coordination_page
@require_POST
def supervision_close(request: HttpRequest, pk: int) -> HttpResponse:
    note = request.POST.get("note", "")
    return _order_step(
        request,
        pk,
        lambda order: services.supervision_close(actor=request.user, order=order, note=note),
        _("督办单已办结"),
    )


# ---------------------------------------------------------------- leaders in charge


def _render_leader(request: HttpRequest, leader: Leader) -> HttpResponse:
    page = selectors.leader_page(user=request.user, leader=leader)
    return render(
        request, "coordination/leader.html", {"page": page, "is_me": leader.user_id == request.user.pk}
    )


@coordination_page
def my_leader(request: HttpRequest) -> HttpResponse:
    """The signed-in leader's own page."""
    _require_role(request, {Role.LEADER}, _("此页面是区领导的包联页面"))
    leader = selectors.leader_for(user=request.user)
    if leader is None:
        return render(request, "coordination/leader_missing.html", status=200)
    return _render_leader(request, leader)


@coordination_page
def leader_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Any leader's page, for the project office and the leaders themselves."""
    _require_role(request, {Role.LEADER, Role.DISPATCHER}, _("只有区项目办和区领导可以查看领导包联页面"))
    leader = get_object_or_404(Leader, pk=pk)
    return _render_leader(request, leader)


# ---------------------------------------------------------------- the working team


@coordination_page
def team(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = project_get(user=user, pk=pk)
    team = selectors.team_for(user=user, project=project)
    can_edit = user.role == Role.DISPATCHER or (
        user.role in UNIT_ROLES and user.department_id == project.lead_unit_id
    )
    team_form = TeamForm(
        request.POST if request.POST.get("form") == "team" else None,
        initial={"name": team.name if team else f"{project.name}工作专班", "plan": team.plan if team else ""},
    )
    member_form = MemberForm(request.POST if request.POST.get("form") == "member" else None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只有项目的责任单位或区项目办可以维护工作专班"))
        form_name = request.POST.get("form")
        try:
            if form_name == "team" and team_form.is_valid():
                services.team_save(actor=user, project=project, **team_form.cleaned_data)
                messages.success(request, _("已保存工作专班和推进方案"))
                return redirect("coordination:team", pk=project.pk)
            if form_name == "member" and member_form.is_valid():
                if team is None:
                    raise ValidationError(_("请先建立工作专班"))
                services.team_member_add(actor=user, team=team, **member_form.cleaned_data)
                messages.success(request, _("已添加专班成员"))
                return redirect("coordination:team", pk=project.pk)
        except ValidationError as exc:
            add_service_errors(team_form if form_name == "team" else member_form, exc)
    context = {
        "project": project,
        "team": team,
        "members": list(team.members.all()) if team else [],
        "can_edit": can_edit,
        "team_form": team_form,
        "member_form": member_form,
        "can_instruct": user.role == Role.LEADER,
    }
    return render(request, "coordination/team.html", context)


@coordination_page
@require_POST
def team_member_leave(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    team = selectors.team_for(user=request.user, project=project)
    if team is None:
        raise Http404
    member = get_object_or_404(TeamMember, pk=member_pk, team=team)
    try:
        services.team_member_leave(actor=request.user, member=member)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("%(name)s已退出专班") % {"name": member.name})
    return redirect("coordination:team", pk=project.pk)
