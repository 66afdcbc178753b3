"""Writes to problem coordination. Each checks the actor's rights, keeps a ProblemEvent and the
audit log, and notifies the people the step concerns — all in one transaction.

Who may do what:

- raise a problem: the project's own unit (reporter or reviewer) or the dispatcher (区项目办);
- assign it (responsible units, deadline), escalate it, issue a supervision order: the dispatcher;
- accept / start / report progress / resolve: users of a responsible unit only;
- confirm-close (销号) or reopen a resolved problem: the raiser's unit, or the dispatcher;
- write an instruction (批示): a leader; reply to it: the units it names.

The dispatch app creates problems from monthly reports by calling :func:`problem_raise` with
``source="report"`` and a generic ``source_type``/``source_id``; this module never imports it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy, ngettext

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.services import change_record, record_create, record_update, snapshot
from xianfeng.coordination.choices import (
    ACTIVE_STATUSES,
    ATTACHMENT_KINDS,
    ESCALATION_AFTER_WORKING_DAYS,
    RAISER_ACTIONS,
    TRANSITIONS,
    UNIT_ACTIONS,
    EscalationLevel,
    InstructionStatus,
    PlanDecision,
    ProblemAction,
    ProblemSource,
    ProblemStatus,
    ProblemType,
    SupervisionStatus,
    TeamRole,
)
from xianfeng.coordination.models import (
    Instruction,
    InstructionReply,
    InstructionUnit,
    Problem,
    ProblemAttachment,
    ProblemEvent,
    ProblemUnit,
    RectificationPlan,
    SupervisionOrder,
    TeamMember,
    WorkingTeam,
)
from xianfeng.lib import clock
from xianfeng.lib.files import attachment_max_bytes as attachment_max_bytes  # the upload form states it
from xianfeng.lib.files import check_upload
from xianfeng.lib.workdays import add_working_days, working_days_between
from xianfeng.notifications.services import in_site_language, notify, notify_group
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, User
from xianfeng.projects.models import Project

MAX_DEADLINE_DAYS = 250
MAX_REPLY_DAYS = 60
PERIOD_FORMAT = "%Y-%m"


# ---------------------------------------------------------------- who is who


def _unit_users(department_ids: Iterable[int | None]) -> list[User]:
    ids = [pk for pk in department_ids if pk]
    if not ids:
        return []
    return list(
        User.objects.filter(department_id__in=ids, role__in=UNIT_ROLES, is_active=True).order_by("id")
    )


def _dispatchers() -> list[User]:
    return list(User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id"))


def _leader_users(project: Project) -> list[User]:
    leader = project.leader
    if leader is None or leader.user_id is None:
        return []
    user = leader.user
    return [user] if user.is_active else []


def _responsible_ids(problem: Problem) -> list[int]:
    return list(
        ProblemUnit.objects.filter(problem=problem)
        .order_by("-is_primary", "id")
        .values_list("department_id", flat=True)
    )


def _actor_unit_label(actor: User | None) -> str:
    if actor is None:
        return ""
    if actor.role == Role.DISPATCHER:
        return "区项目办"
    return str(actor.department) if actor.department_id else ""


def _actor_unit_shown(actor: User | None) -> str:
    """The actor's unit as a message names it: _actor_unit_label is stored with events, this is read."""
    if actor is not None and actor.role == Role.DISPATCHER:
        return gettext("区项目办")
    return _actor_unit_label(actor)


# ---------------------------------------------------------------- notifications


def _problem_link(problem: Problem) -> str:
    return reverse("coordination:problem_detail", args=[problem.pk])


def _send(
    *,
    recipients: Iterable[User],
    event: str,
    title: str,
    body: str,
    link: str,
    dedupe_key: str,
    actor: User | None,
    obj: Any = None,
    urgent: bool = False,
    groups: Sequence[Department | None] = (),
    office_group: bool = False,
) -> None:
    """Notify people (never the actor about their own step) and, optionally, unit group robots."""
    seen: set[int] = set()
    people = []
    for user in recipients:
        if user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        people.append(user)
    if people:
        notify(
            recipients=people,
            event=event,
            title=title,
            body=body,
            link=link,
            dedupe_key=dedupe_key,
            actor=actor,
            obj=obj,
            urgent=urgent,
        )
    targets: list[Department | None] = list(groups)
    if office_group:
        targets.append(None)
    done: set[int | None] = set()
    for department in targets:
        key = department.pk if department is not None else None
        if key in done:
            continue
        done.add(key)
        notify_group(
            department=department,
            event=event,
            title=title,
            body=body,
            link=link,
            dedupe_key=f"{dedupe_key}:group:{key or 'office'}",
            urgent=urgent,
        )


def _headline(problem: Problem) -> str:
    """The first line of a problem's notifications; call it in the site's language."""
    return gettext("【%(project)s】%(type)s问题：%(title)s") % {
        "project": problem.project.name,
        "type": problem.get_type_display(),
        "title": problem.title,
    }


def _who(actor: User) -> str:
    """The name and unit of whoever took a step, as a notification names them."""
    return gettext("%(name)s（%(unit)s）") % {
        "name": actor.get_full_name(),
        "unit": _actor_unit_shown(actor) or "—",
    }


def _month_day(day: dt.date) -> str:
    """A deadline in a title: 12月10日 in Chinese, the translated format (e.g. "Dec 10") otherwise."""
    return dateformat.format(day, gettext("m月d日"))


# ---------------------------------------------------------------- events and audit


def _event(
    problem: Problem,
    *,
    actor: User | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    from_level: int | None = None,
    to_level: int | None = None,
    note: str = "",
) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem,
        at=clock.now(),
        actor=actor,
        actor_name=(actor.get_full_name() if actor is not None else "系统"),
        actor_unit=_actor_unit_label(actor),
        action=action,
        from_status=from_status,
        to_status=to_status,
        from_level=from_level,
        to_level=to_level,
        note=note,
    )


def _lock(problem: Problem) -> Problem:
    return (
        Problem.objects.select_for_update(of=("self",))
        .select_related("project", "project__leader__user")
        .get(pk=problem.pk)
    )


# ---------------------------------------------------------------- validation helpers


def _clean_text(
    value: str | None, field: str, label: str, *, required: bool = True, max_length: int = 0
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: gettext("请填写%(label)s") % {"label": label}})
    if max_length and len(text) > max_length:
        raise ValidationError(
            {field: gettext("%(label)s不能超过 %(max)s 个字") % {"label": label, "max": max_length}}
        )
    return text


def _period_text(period: dt.date | str | None) -> str:
    if period is None or period == "":
        return ""
    if isinstance(period, dt.date):
        return period.strftime(PERIOD_FORMAT)
    text = str(period).strip()
    try:
        dt.datetime.strptime(text, PERIOD_FORMAT)
    except ValueError as exc:
        raise ValidationError(
            {
                "raised_from_period": gettext("调度期“%(period)s”应为“YYYY-MM”格式，如 2024-11")
                % {"period": text}
            }
        ) from exc
    return text


def _deadline_from(
    *, today: dt.date, deadline_days: int | None, deadline: dt.date | None, field: str = "deadline"
) -> tuple[int, dt.date]:
    """A deadline as (working days, date); a date in the past or a nonsense count is refused."""
    if deadline is not None:
        if deadline < today:
            raise ValidationError(
                {
                    field: gettext("办理期限 %(deadline)s 已经过去（今天是 %(today)s），请选择今天以后的日期")
                    % {"deadline": f"{deadline:%Y-%m-%d}", "today": f"{today:%Y-%m-%d}"}
                }
            )
        days = working_days_between(today, deadline)
        if days > MAX_DEADLINE_DAYS:
            raise ValidationError(
                {field: gettext("办理期限不能超过 %(max)s 个工作日") % {"max": MAX_DEADLINE_DAYS}}
            )
        return max(days, 0), deadline
    if deadline_days is None:
        raise ValidationError({"deadline_days": gettext("请填写办理时限（工作日）或办理期限")})
    if not 1 <= deadline_days <= MAX_DEADLINE_DAYS:
        raise ValidationError(
            {
                "deadline_days": gettext("办理时限应为 1–%(max)s 个工作日，收到 %(got)s")
                % {"max": MAX_DEADLINE_DAYS, "got": deadline_days}
            }
        )
    return deadline_days, add_working_days(today, deadline_days)


def _ensure_unit_of(actor: User, department_ids: Iterable[int], message: str) -> None:
    if actor.role not in UNIT_ROLES or actor.department_id not in set(department_ids):
        raise PermissionDenied(message)


# ---------------------------------------------------------------- raising and assigning


@transaction.atomic
def problem_raise(
    *,
    actor: User,
    project: Project,
    type: str,
    title: str,
    description: str,
    source: str = ProblemSource.DIRECT,
    source_type: str = "",
    source_id: int | None = None,
    period: dt.date | str | None = None,
    units: Sequence[Department] | None = None,
    primary_unit: Department | None = None,
    deadline_days: int | None = None,
    deadline: dt.date | None = None,
    request_id: str = "",
) -> Problem:
    """Raise a problem on a project, directly or from a monthly report (``source="report"``).

    The project's own unit or the dispatcher may raise; the dispatcher may assign it at once by
    giving ``units`` and a deadline.
    """
    if actor.role == Role.LEADER:
        raise PermissionDenied(gettext("区领导不提出问题；请在项目或问题上作批示"))
    if actor.role != Role.DISPATCHER and not (
        actor.role in UNIT_ROLES and actor.department_id and actor.department_id == project.lead_unit_id
    ):
        raise PermissionDenied(gettext("只有项目的责任单位或区项目办可以提出该项目的问题"))
    if project.archived_at is not None:
        raise ValidationError(
            {"project": gettext("项目“%(project)s”已归档，不能再提出问题") % {"project": project}}
        )
    if type not in ProblemType.values:
        raise ValidationError(
            {
                "type": gettext("未知的问题类型“%(type)s”，可选：%(choices)s")
                % {"type": type, "choices": gettext("、").join(str(t.label) for t in ProblemType)}
            }
        )
    if source not in ProblemSource.values:
        raise ValidationError({"source": gettext("未知的来源“%(source)s”") % {"source": source}})
    if source == ProblemSource.REPORT and not (period or source_id):
        raise ValidationError({"raised_from_period": gettext("来自月度调度的问题须注明调度期")})
    now = clock.now()
    problem = Problem.objects.create(
        project=project,
        source=source,
        source_type=(source_type or "").strip()[:60],
        source_id=source_id,
        raised_from_period=_period_text(period),
        type=type,
        title=_clean_text(title, "title", gettext("问题摘要"), max_length=200),
        description=_clean_text(description, "description", gettext("问题描述"), max_length=5000),
        raised_by=actor,
        raised_unit_id=actor.department_id if actor.role in UNIT_ROLES else None,
        raised_at=now,
        raised_on=clock.today(),
        status=ProblemStatus.OPEN,
    )
    note = f"来自 {problem.raised_from_period} 月度调度" if source == ProblemSource.REPORT else ""
    _event(problem, actor=actor, action=ProblemAction.RAISE, to_status=ProblemStatus.OPEN, note=note)
    record_create(actor=actor, instance=problem, request_id=request_id)
    problem = Problem.objects.select_related("project", "project__leader__user").get(pk=problem.pk)
    with in_site_language():
        title = gettext("新问题待交办：%(title)s") % {"title": problem.title}
        body = gettext("%(headline)s\n提出：%(who)s\n%(description)s") % {
            "headline": _headline(problem),
            "who": _who(actor),
            "description": problem.description,
        }
    _send(
        recipients=_dispatchers(),
        event="problem.raised",
        title=title,
        body=body,
        link=_problem_link(problem),
        dedupe_key=f"problem:{problem.pk}:raised",
        actor=actor,
        obj=problem,
        office_group=True,
    )
    if units:
        problem = problem_assign(
            actor=actor,
            problem=problem,
            units=units,
            primary_unit=primary_unit,
            deadline_days=deadline_days,
            deadline=deadline,
            request_id=request_id,
        )
    return problem


@transaction.atomic
def problem_assign(
    *,
    actor: User,
    problem: Problem,
    units: Sequence[Department],
    primary_unit: Department | None = None,
    deadline_days: int | None = None,
    deadline: dt.date | None = None,
    note: str = "",
    request_id: str = "",
) -> Problem:
    """Give a problem its responsible unit(s) and a deadline (交办); the dispatcher only.

    Reassigning to other units sends the problem back to 待受理 for the new unit to accept.
    """
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有区项目办（调度专员）可以交办问题"))
    current = _lock(problem)
    if current.status not in ACTIVE_STATUSES:
        raise ValidationError(
            gettext("问题当前为“%(status)s”，不能再交办") % {"status": current.get_status_display()}
        )
    unit_list = list(dict.fromkeys(units))
    if not unit_list:
        raise ValidationError({"units": gettext("请至少选择一个责任单位")})
    inactive = [str(u) for u in unit_list if not u.is_active]
    if inactive:
        raise ValidationError(
            {"units": gettext("单位已停用：%(units)s") % {"units": gettext("、").join(inactive)}}
        )
    primary = primary_unit or unit_list[0]
    if primary not in unit_list:
        raise ValidationError(
            {"primary_unit": gettext("牵头单位“%(unit)s”须是所选责任单位之一") % {"unit": primary}}
        )
    today = clock.today()
    days, due = _deadline_from(today=today, deadline_days=deadline_days, deadline=deadline)
    before = snapshot(current)
    old_ids = set(_responsible_ids(current))
    new_ids = {u.pk for u in unit_list}
    ProblemUnit.objects.filter(problem=current).exclude(department_id__in=new_ids).delete()
    ProblemUnit.objects.filter(problem=current).update(is_primary=False)
    for unit in unit_list:
        ProblemUnit.objects.update_or_create(
            problem=current, department=unit, defaults={"is_primary": unit.pk == primary.pk}
        )
    from_status = current.status
    if old_ids and new_ids != old_ids:
        current.status = ProblemStatus.OPEN
        current.accepted_at = None
    current.primary_unit = primary
    current.deadline_days = days
    current.deadline = due
    current.assigned_at = clock.now()
    current.save()
    names = "、".join(f"{u}{'（牵头）' if u.pk == primary.pk else ''}" for u in unit_list)
    text = f"责任单位：{names}；办理期限 {due:%Y-%m-%d}（{days} 个工作日）"
    event = _event(
        current,
        actor=actor,
        action=ProblemAction.ASSIGN,
        from_status=from_status,
        to_status=current.status,
        note=f"{text}。{note.strip()}" if note.strip() else text,
    )
    record_update(
        actor=actor,
        instance=current,
        before=before,
        action=ChangeAction.UPDATE,
        reason=text,
        request_id=request_id,
    )
    link = _problem_link(current)
    with in_site_language():
        headline = _headline(current)
        assignment = _assignment_text(unit_list, primary=primary, due=due, days=days)
        title = gettext("交办问题：%(title)s（%(date)s前办结）") % {
            "title": current.title,
            "date": _month_day(due),
        }
        body = f"{headline}\n{assignment}\n{current.description}"
        raiser_title = gettext("问题已交办：%(title)s") % {"title": current.title}
    _send(
        recipients=_unit_users(new_ids),
        event="problem.assigned",
        title=title,
        body=body,
        link=link,
        dedupe_key=f"problem:{current.pk}:assigned:{event.pk}",
        actor=actor,
        obj=current,
        groups=unit_list,
    )
    _send(
        recipients=_unit_users([current.raised_unit_id]),
        event="problem.progress",
        title=raiser_title,
        body=f"{headline}\n{assignment}",
        link=link,
        dedupe_key=f"problem:{current.pk}:assigned-raiser:{event.pk}",
        actor=actor,
        obj=current,
    )
    return current


def _assignment_text(units: Sequence[Department], *, primary: Department, due: dt.date, days: int) -> str:
    """Who handles a problem by when, as the assignment's notifications say it; call it in the site's
    language. (The event note keeps its fixed wording, as dispatch's history notes do.)"""
    names = gettext("、").join(
        gettext("%(unit)s（牵头）") % {"unit": unit} if unit.pk == primary.pk else str(unit) for unit in units
    )
    return ngettext(
        "责任单位：%(units)s；办理期限 %(deadline)s（%(days)s 个工作日）",
        "责任单位：%(units)s；办理期限 %(deadline)s（%(days)s 个工作日）",
        days,
    ) % {"units": names, "deadline": f"{due:%Y-%m-%d}", "days": days}


# ---------------------------------------------------------------- the status moves


_NOTE_REQUIRED = {
    ProblemAction.PROGRESS: gettext_lazy("请填写办理进展"),
    ProblemAction.REOPEN: gettext_lazy("请填写退回重办的理由"),
}


@transaction.atomic
def problem_transition(
    *,
    actor: User,
    problem: Problem,
    action: str,
    note: str = "",
    resolution: str = "",
    request_id: str = "",
) -> Problem:
    """Move a problem one step: accept, start, progress, resolve (by a responsible unit), or
    close / reopen (by the raiser's unit or the dispatcher). A wrong step changes nothing."""
    if action not in TRANSITIONS:
        raise ValidationError({"action": gettext("未知的操作“%(action)s”") % {"action": action}})
    current = _lock(problem)
    allowed_from, to_status = TRANSITIONS[action]
    label = ProblemAction(action).label
    if action in UNIT_ACTIONS:
        unit = _actor_unit_shown(actor)
        _ensure_unit_of(
            actor,
            _responsible_ids(current),
            gettext("只有该问题的责任单位可以%(action)s；%(unit)s不是责任单位")
            % {"action": label, "unit": unit}
            if unit
            else gettext("只有该问题的责任单位可以%(action)s；您不是责任单位") % {"action": label},
        )
    elif action in RAISER_ACTIONS:
        raiser_ok = actor.role == Role.DISPATCHER or (
            actor.role in UNIT_ROLES
            and current.raised_unit_id
            and actor.department_id == current.raised_unit_id
        )
        if not raiser_ok:
            owner = current.raised_unit or gettext("区项目办")
            raise PermissionDenied(
                gettext("只有提出问题的单位（%(owner)s）或区项目办可以%(action)s；您的单位不能%(action)s")
                % {"owner": owner, "action": label}
            )
    if current.status not in allowed_from:
        raise ValidationError(
            gettext("问题当前为“%(status)s”，不能%(action)s")
            % {"status": current.get_status_display(), "action": label}
        )
    note = (note or "").strip()
    if action in _NOTE_REQUIRED and not note:
        raise ValidationError({"note": _NOTE_REQUIRED[action]})
    if len(note) > 5000:
        raise ValidationError({"note": gettext("说明不能超过 %(max)s 个字") % {"max": 5000}})
    before = snapshot(current)
    from_status = current.status
    now = clock.now()
    today = clock.today()
    if action == ProblemAction.ACCEPT:
        current.accepted_at = now
    elif action == ProblemAction.RESOLVE:
        current.resolution = _clean_text(resolution, "resolution", gettext("办理结果"), max_length=5000)
        current.resolved_at = now
    elif action == ProblemAction.CLOSE:
        current.closed_at = now
        current.closed_on = today
        current.days_to_close = max((today - current.raised_on).days, 0)
    elif action == ProblemAction.REOPEN:
        current.resolved_at = None
    current.status = to_status
    current.save()
    event_note = note
    if action == ProblemAction.RESOLVE:
        event_note = current.resolution + (f"\n{note}" if note else "")
    event = _event(
        current, actor=actor, action=action, from_status=from_status, to_status=to_status, note=event_note
    )
    with in_site_language():  # the audit log is read by others: not in the actor's language
        step = str(ProblemAction(action).label)
    record_update(
        actor=actor,
        instance=current,
        before=before,
        action=ChangeAction.TRANSITION,
        reason=f"{step}：{event_note}" if event_note else step,
        request_id=request_id,
    )
    if action == ProblemAction.CLOSE:
        _close_followups(current, actor=actor)
    _notify_transition(current, actor=actor, action=action, note=event_note, event=event)
    return current


def _close_followups(problem: Problem, *, actor: User) -> None:
    """A closed problem closes what hung on it: its instructions and supervision orders."""
    now = clock.now()
    for instruction in (
        Instruction.objects.select_for_update()
        .filter(problem=problem)
        .exclude(status=InstructionStatus.CLOSED)
    ):
        before = snapshot(instruction)
        instruction.status = InstructionStatus.CLOSED
        instruction.closed_at = now
        instruction.save(update_fields=["status", "closed_at"])
        record_update(
            actor=actor,
            instance=instruction,
            before=before,
            action=ChangeAction.TRANSITION,
            reason="问题已销号",
        )
    for order in (
        SupervisionOrder.objects.select_for_update()
        .filter(problem=problem)
        .exclude(status=SupervisionStatus.CLOSED)
    ):
        before = snapshot(order)
        order.status = SupervisionStatus.CLOSED
        order.closed_at = now
        order.closing_note = order.closing_note or "问题已销号，督办办结"
        order.save(update_fields=["status", "closed_at", "closing_note"])
        record_update(
            actor=actor, instance=order, before=before, action=ChangeAction.TRANSITION, reason="问题已销号"
        )


# A unit's step the raiser hears of: (title, body, body with the unit's note), per action.
_STEP_MESSAGES = {
    ProblemAction.ACCEPT: (
        gettext_lazy("问题受理：%(title)s"),
        gettext_lazy("%(headline)s\n%(who)s受理"),
        gettext_lazy("%(headline)s\n%(who)s受理：%(note)s"),
    ),
    ProblemAction.START: (
        gettext_lazy("问题开始办理：%(title)s"),
        gettext_lazy("%(headline)s\n%(who)s开始办理"),
        gettext_lazy("%(headline)s\n%(who)s开始办理：%(note)s"),
    ),
    ProblemAction.PROGRESS: (  # a progress report always has its note
        gettext_lazy("问题办理进展：%(title)s"),
        gettext_lazy("%(headline)s\n%(who)s办理进展：%(note)s"),
        gettext_lazy("%(headline)s\n%(who)s办理进展：%(note)s"),
    ),
}


def _notify_transition(problem: Problem, *, actor: User, action: str, note: str, event: ProblemEvent) -> None:
    link = _problem_link(problem)
    responsible = _responsible_ids(problem)
    raiser_users = _unit_users([problem.raised_unit_id])
    key = f"problem:{problem.pk}:{action}:{event.pk}"
    with in_site_language():
        words = {"headline": _headline(problem), "who": _who(actor), "title": problem.title, "note": note}
        if action in _STEP_MESSAGES:
            title_text, body_text, noted_text = _STEP_MESSAGES[action]
            title = str(title_text) % words
            body = str(noted_text if note else body_text) % words
        elif action == ProblemAction.RESOLVE:
            title = gettext("问题已办结，请确认销号：%(title)s") % words
            body = gettext("%(headline)s\n%(who)s办结：%(resolution)s") % {
                **words,
                "resolution": problem.resolution,
            }
        elif action == ProblemAction.CLOSE:
            title = gettext("问题已销号：%(title)s") % words
            days = problem.days_to_close or 0
            body = ngettext(
                "%(headline)s\n%(who)s确认销号，用时 %(days)s 天。",
                "%(headline)s\n%(who)s确认销号，用时 %(days)s 天。",
                days,
            ) % {**words, "days": days}
        elif action == ProblemAction.REOPEN:
            title = gettext("问题被退回重办：%(title)s") % words
            body = gettext("%(headline)s\n%(who)s退回：%(note)s") % words
    if action in _STEP_MESSAGES:
        _send(
            recipients=raiser_users,
            event="problem.progress",
            title=title,
            body=body,
            link=link,
            dedupe_key=key,
            actor=actor,
            obj=problem,
        )
    elif action == ProblemAction.RESOLVE:
        # The raiser must confirm; without a raising unit the project office confirms.
        recipients = raiser_users + _dispatchers()
        _send(
            recipients=recipients,
            event="problem.resolved",
            title=title,
            body=body,
            link=link,
            dedupe_key=key,
            actor=actor,
            obj=problem,
            urgent=False,
        )
    elif action == ProblemAction.CLOSE:
        recipients = _unit_users(responsible) + raiser_users + _dispatchers() + _leader_users(problem.project)
        _send(
            recipients=recipients,
            event="problem.closed",
            title=title,
            body=body,
            link=link,
            dedupe_key=f"problem:{problem.pk}:closed",
            actor=actor,
            obj=problem,
        )
    elif action == ProblemAction.REOPEN:
        _send(
            recipients=_unit_users(responsible) + _dispatchers(),
            event="problem.reopened",
            title=title,
            body=body,
            link=link,
            dedupe_key=key,
            actor=actor,
            obj=problem,
            urgent=True,
            groups=list(Department.objects.filter(pk__in=responsible)),
        )


# ---------------------------------------------------------------- escalation


def _level_recipients(problem: Problem, level: int) -> list[User]:
    """Who hears of a problem reaching a level: the office from level 2, the leader from level 3."""
    people = _dispatchers()
    if level >= EscalationLevel.LEADER:
        people += _leader_users(problem.project)
    return people


def _escalate(problem: Problem, *, actor: User | None, to_level: int, note: str) -> ProblemEvent:
    before = snapshot(problem)
    from_level = problem.level
    problem.level = to_level
    problem.escalated_at = clock.now()
    problem.save(update_fields=["level", "escalated_at", "updated_at"])
    event = _event(
        problem,
        actor=actor,
        action=ProblemAction.ESCALATE,
        from_status=problem.status,
        to_status=problem.status,
        from_level=from_level,
        to_level=to_level,
        note=note,
    )
    record_update(actor=actor, instance=problem, before=before, reason=note)
    with in_site_language():
        title = gettext("问题升级至%(level)s：%(title)s") % {
            "level": EscalationLevel(to_level).label,
            "title": problem.title,
        }
        body = f"{_headline(problem)}\n{note}"
    _send(
        recipients=_level_recipients(problem, to_level) + _unit_users(_responsible_ids(problem)),
        event="problem.escalated",
        title=title,
        body=body,
        link=_problem_link(problem),
        dedupe_key=f"problem:{problem.pk}:escalated:{to_level}",
        actor=actor,
        obj=problem,
        urgent=to_level >= EscalationLevel.LEADER,
        office_group=True,
    )
    return event


@transaction.atomic
def problem_escalate(*, actor: User, problem: Problem, note: str) -> Problem:
    """The dispatcher lifts an unresolved problem one level up (e.g. to the district meeting)."""
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有区项目办（调度专员）可以升级问题"))
    current = _lock(problem)
    if current.status not in ACTIVE_STATUSES:
        raise ValidationError(
            gettext("问题当前为“%(status)s”，无需升级") % {"status": current.get_status_display()}
        )
    if current.level >= EscalationLevel.CITY:
        raise ValidationError(gettext("问题已在最高层级（市级协调）"))
    note = _clean_text(note, "note", gettext("升级理由"), max_length=2000)
    _escalate(current, actor=actor, to_level=current.level + 1, note=note)
    return current


def target_level(*, deadline: dt.date, today: dt.date) -> int:
    """The level an overdue problem should have reached, from working days past its deadline."""
    late = working_days_between(deadline, today)
    level = int(EscalationLevel.UNIT)
    for candidate, after in sorted(ESCALATION_AFTER_WORKING_DAYS.items()):
        if late >= after:
            level = candidate
    return level


@transaction.atomic
def problems_escalate_overdue(*, today: dt.date) -> list[Problem]:
    """Raise overdue problems to the level their lateness calls for and tell that level.

    Run daily. Idempotent: a second run on the same day changes and sends nothing.
    """
    raised: list[Problem] = []
    candidates = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("project", "project__leader__user")
        .filter(status__in=ACTIVE_STATUSES, deadline__lt=today, level__lt=EscalationLevel.CITY)
        .order_by("id")
    )
    for problem in candidates:
        level = target_level(deadline=problem.deadline, today=today)
        if level <= problem.level:
            continue
        late = working_days_between(problem.deadline, today)
        # Written by the daily job, read by everyone: in the site's language.
        with in_site_language():
            note = ngettext(
                "超过办理期限 %(deadline)s 已 %(days)s 个工作日，由%(from)s升级至%(to)s",
                "超过办理期限 %(deadline)s 已 %(days)s 个工作日，由%(from)s升级至%(to)s",
                late,
            ) % {
                "deadline": f"{problem.deadline:%Y-%m-%d}",
                "days": late,
                "from": problem.get_level_display(),
                "to": EscalationLevel(level).label,
            }
        _escalate(problem, actor=None, to_level=level, note=note)
        raised.append(problem)
    return raised


# ---------------------------------------------------------------- attachments


@transaction.atomic
def problem_attach(*, actor: User, problem: Problem, upload: UploadedFile) -> ProblemAttachment:
    """Attach a file (PDF, JPEG, PNG, DOCX, XLSX — judged by content) to an open problem."""
    current = _lock(problem)
    involved = {current.raised_unit_id, current.project.lead_unit_id, *_responsible_ids(current)}
    if not (actor.role == Role.DISPATCHER or (actor.role in UNIT_ROLES and actor.department_id in involved)):
        raise PermissionDenied(gettext("只有提出单位、责任单位或区项目办可以上传附件"))
    if current.status == ProblemStatus.CLOSED:
        raise ValidationError({"file": gettext("问题已销号，不能再上传附件")})
    name, kind = check_upload(upload, field="file", default_name="附件", kinds=tuple(ATTACHMENT_KINDS))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = ProblemAttachment(
        problem=current,
        token=secrets.token_hex(16),
        name=name,
        kind=kind,
        content_type=ATTACHMENT_KINDS[kind],
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    attachment.file.save(attachment_path_name(attachment), upload, save=False)
    attachment.save()
    _event(
        current,
        actor=actor,
        action=ProblemAction.ATTACH,
        from_status=current.status,
        to_status=current.status,
        note=name,
    )
    # The file itself is not JSON: log what identifies it.
    changes = {
        name: {"label": str(ProblemAttachment._meta.get_field(name).verbose_name), "old": None, "new": value}
        for name, value in [
            ("problem", {"id": current.pk, "label": str(current)}),
            ("name", attachment.name),
            ("kind", attachment.kind),
            ("size", attachment.size),
            ("sha256", attachment.sha256),
            ("file", attachment.file.name),
        ]
    }
    change_record(actor=actor, action=ChangeAction.CREATE, instance=attachment, changes=changes)
    return attachment


def attachment_path_name(attachment: ProblemAttachment) -> str:
    return f"{attachment.token}.{attachment.kind}"


# ---------------------------------------------------------------- working team (专班)


def _ensure_team_editor(actor: User, project: Project) -> None:
    if actor.role == Role.DISPATCHER:
        return
    if actor.role in UNIT_ROLES and actor.department_id == project.lead_unit_id:
        return
    raise PermissionDenied(gettext("只有项目的责任单位或区项目办可以维护工作专班"))


@transaction.atomic
def team_save(*, actor: User, project: Project, name: str, plan: str) -> WorkingTeam:
    """Create or update the project's working team and its plan (一套方案)."""
    _ensure_team_editor(actor, project)
    name = _clean_text(name, "name", gettext("专班名称"), max_length=100)
    plan = _clean_text(plan, "plan", gettext("推进方案"), required=False, max_length=20000)
    team = WorkingTeam.objects.select_for_update().filter(project=project).first()
    if team is None:
        team = WorkingTeam.objects.create(project=project, name=name, plan=plan)
        record_create(actor=actor, instance=team)
        return team
    before = snapshot(team)
    team.name, team.plan = name, plan
    team.save()
    record_update(actor=actor, instance=team, before=before)
    return team


@transaction.atomic
def team_member_add(
    *,
    actor: User,
    team: WorkingTeam,
    name: str = "",
    role: str = TeamRole.MEMBER,
    user: User | None = None,
    department: Department | None = None,
    phone: str = "",
) -> TeamMember:
    _ensure_team_editor(actor, team.project)
    if role not in TeamRole.values:
        raise ValidationError({"role": gettext("未知的专班职务“%(role)s”") % {"role": role}})
    if user is not None and not name:
        name = user.get_full_name()
        department = department or user.department
    name = _clean_text(name, "name", gettext("成员姓名"), max_length=50)
    if user is not None and TeamMember.objects.filter(team=team, user=user, left_at__isnull=True).exists():
        raise ValidationError({"user": gettext("%(name)s已在专班中") % {"name": user.get_full_name()}})
    order = TeamMember.objects.filter(team=team).count()
    member = TeamMember.objects.create(
        team=team,
        name=name,
        role=role,
        user=user,
        department=department,
        phone=phone.strip()[:30],
        order=order,
    )
    record_create(actor=actor, instance=member)
    return member


@transaction.atomic
def team_member_leave(*, actor: User, member: TeamMember) -> TeamMember:
    """A member leaves the team: kept with the date, not deleted."""
    _ensure_team_editor(actor, member.team.project)
    if member.left_at is not None:
        raise ValidationError(
            gettext("%(name)s已于 %(date)s 退出专班")
            % {"name": member.name, "date": f"{member.left_at:%Y-%m-%d}"}
        )
    before = snapshot(member)
    member.left_at = clock.now()
    member.save(update_fields=["left_at"])
    record_update(actor=actor, instance=member, before=before, reason="退出专班")
    return member


# ---------------------------------------------------------------- instructions (批示)


@transaction.atomic
def instruction_create(
    *,
    actor: User,
    text: str,
    reply_days: int,
    project: Project | None = None,
    problem: Problem | None = None,
) -> Instruction:
    """A leader writes an instruction on a project (its lead unit replies) or a problem (its
    responsible units reply) with a reply deadline in working days."""
    if actor.role != Role.LEADER:
        raise PermissionDenied(gettext("只有区领导可以作批示"))
    if (project is None) == (problem is None):
        raise ValidationError(gettext("批示须针对一个项目或一个问题"))
    if problem is not None:
        problem = _lock(problem)
        if problem.status == ProblemStatus.CLOSED:
            raise ValidationError(gettext("问题“%(title)s”已销号，不能再批示") % {"title": problem.title})
        project = problem.project
        unit_ids = _responsible_ids(problem) or [project.lead_unit_id]
    else:
        assert project is not None
        if project.archived_at is not None:
            raise ValidationError(
                {"project": gettext("项目“%(project)s”已归档，不能再批示") % {"project": project}}
            )
        unit_ids = [project.lead_unit_id]
    text = _clean_text(text, "text", gettext("批示内容"), max_length=5000)
    if not isinstance(reply_days, int) or not 1 <= reply_days <= MAX_REPLY_DAYS:
        raise ValidationError(
            {"reply_days": gettext("回复时限应为 1–%(max)s 个工作日") % {"max": MAX_REPLY_DAYS}}
        )
    today = clock.today()
    leader = getattr(actor, "leader", None)
    instruction = Instruction.objects.create(
        project=project,
        problem=problem,
        leader=leader,
        author=actor,
        text=text,
        issued_at=clock.now(),
        reply_days=reply_days,
        reply_deadline=add_working_days(today, reply_days),
    )
    InstructionUnit.objects.bulk_create(
        [InstructionUnit(instruction=instruction, department_id=pk) for pk in dict.fromkeys(unit_ids)]
    )
    record_create(actor=actor, instance=instruction)
    who = str(leader or actor.get_full_name())
    if problem is not None:
        _event(
            problem,
            actor=actor,
            action=ProblemAction.INSTRUCT,
            from_status=problem.status,
            to_status=problem.status,
            note=f"{who}批示：{text}（{instruction.reply_deadline:%Y-%m-%d}前回复）",
        )
    subject = problem.title if problem is not None else project.name
    link = (
        _problem_link(problem)
        if problem is not None
        else reverse("coordination:instruction_detail", args=[instruction.pk])
    )
    units = list(Department.objects.filter(pk__in=unit_ids))
    with in_site_language():
        title = gettext("%(leader)s批示：%(subject)s（%(date)s前回复）") % {
            "leader": who,
            "subject": subject,
            "date": _month_day(instruction.reply_deadline),
        }
        body = gettext("【%(project)s】%(leader)s批示：%(text)s\n请于 %(deadline)s 前回复。") % {
            "project": project.name,
            "leader": who,
            "text": text,
            "deadline": f"{instruction.reply_deadline:%Y-%m-%d}",
        }
    _send(
        recipients=_unit_users(unit_ids) + _dispatchers(),
        event="instruction.issued",
        title=title,
        body=body,
        link=link,
        dedupe_key=f"instruction:{instruction.pk}:issued",
        actor=actor,
        obj=instruction,
        urgent=True,
        groups=units,
    )
    return instruction


def _subject(instruction: Instruction) -> str:
    return instruction.problem.title if instruction.problem is not None else instruction.project.name


def _instruction_link(instruction: Instruction) -> str:
    return reverse("coordination:instruction_detail", args=[instruction.pk])


@transaction.atomic
def instruction_reply(*, actor: User, instruction: Instruction, text: str) -> InstructionReply:
    """A named unit answers an instruction. A closed instruction or problem takes no more replies."""
    current = (
        Instruction.objects.select_for_update(of=("self",))
        .select_related("project", "problem", "leader__user")
        .get(pk=instruction.pk)
    )
    unit_ids = list(current.unit_links.values_list("department_id", flat=True))
    _ensure_unit_of(actor, unit_ids, gettext("只有批示要求回复的单位可以回复"))
    if current.problem is not None and current.problem.status == ProblemStatus.CLOSED:
        raise ValidationError(
            gettext("问题“%(title)s”已销号，不能再回复批示") % {"title": current.problem.title}
        )
    if current.status == InstructionStatus.CLOSED:
        raise ValidationError(gettext("该批示已办结，不能再回复"))
    text = _clean_text(text, "text", gettext("回复内容"), max_length=5000)
    today = clock.today()
    reply = InstructionReply.objects.create(
        instruction=current,
        department_id=actor.department_id,
        author=actor,
        text=text,
        at=clock.now(),
        late=today > current.reply_deadline,
    )
    record_create(actor=actor, instance=reply)
    replied_units = set(current.replies.values_list("department_id", flat=True))
    if current.status == InstructionStatus.AWAITING and replied_units >= set(unit_ids):
        before = snapshot(current)
        current.status = InstructionStatus.REPLIED
        current.save(update_fields=["status"])
        record_update(
            actor=actor,
            instance=current,
            before=before,
            action=ChangeAction.TRANSITION,
            reason="各单位已回复",
        )
    if current.problem is not None:
        _event(
            current.problem,
            actor=actor,
            action=ProblemAction.REPLY,
            from_status=current.problem.status,
            to_status=current.problem.status,
            note=f"回复批示：{text}" + ("（逾期回复）" if reply.late else ""),
        )
    recipients = [current.author, *_dispatchers()]
    with in_site_language():
        words = {
            "unit": actor.department,
            "subject": _subject(current),
            "project": current.project.name,
            "instruction": current.text,
            "text": text,
        }
        title = gettext("%(unit)s回复批示：%(subject)s") % words
        body = gettext("【%(project)s】批示：%(instruction)s\n%(unit)s回复：%(text)s") % words
    _send(
        recipients=recipients,
        event="instruction.replied",
        title=title,
        body=body,
        link=_problem_link(current.problem) if current.problem else _instruction_link(current),
        dedupe_key=f"instruction:{current.pk}:reply:{reply.pk}",
        actor=actor,
        obj=current,
    )
    return reply


@transaction.atomic
def instruction_close(*, actor: User, instruction: Instruction, note: str = "") -> Instruction:
    """The leader who wrote it, or the dispatcher, marks an instruction done (办结)."""
    if not (
        actor.role == Role.DISPATCHER or (actor.role == Role.LEADER and instruction.author_id == actor.pk)
    ):
        raise PermissionDenied(gettext("只有作出批示的领导或区项目办可以办结批示"))
    current = Instruction.objects.select_for_update().get(pk=instruction.pk)
    if current.status == InstructionStatus.CLOSED:
        raise ValidationError(gettext("该批示已办结"))
    before = snapshot(current)
    current.status = InstructionStatus.CLOSED
    current.closed_at = clock.now()
    current.save(update_fields=["status", "closed_at"])
    record_update(
        actor=actor, instance=current, before=before, action=ChangeAction.TRANSITION, reason=note or "办结"
    )
    return current


@transaction.atomic
def instructions_escalate_overdue(*, today: dt.date) -> list[Instruction]:
    """Instructions whose reply is late: tell the project office and the leader (once each)."""
    late = list(
        Instruction.objects.select_for_update(of=("self",))
        .select_related("project", "problem", "leader", "author")
        .filter(status=InstructionStatus.AWAITING, reply_deadline__lt=today, escalated_at__isnull=True)
        .order_by("id")
    )
    for instruction in late:
        before = snapshot(instruction)
        instruction.escalated_at = clock.now()
        instruction.save(update_fields=["escalated_at"])
        replied = set(instruction.replies.values_list("department_id", flat=True))
        missing = Department.objects.filter(pk__in=instruction.unit_links.values("department_id")).exclude(
            pk__in=replied
        )
        names = "、".join(str(d) for d in missing)
        note = f"批示回复逾期（期限 {instruction.reply_deadline:%Y-%m-%d}），未回复：{names}"
        with in_site_language():
            title = gettext("批示回复逾期：%(subject)s") % {"subject": _subject(instruction)}
            body = gettext(
                "【%(project)s】批示：%(instruction)s\n批示回复逾期（期限 %(deadline)s），未回复：%(units)s"
            ) % {
                "project": instruction.project.name,
                "instruction": instruction.text,
                "deadline": f"{instruction.reply_deadline:%Y-%m-%d}",
                "units": gettext("、").join(str(d) for d in missing),
            }
        record_update(actor=None, instance=instruction, before=before, reason=note)
        if instruction.problem is not None:
            _event(
                instruction.problem,
                actor=None,
                action=ProblemAction.ESCALATE,
                from_status=instruction.problem.status,
                to_status=instruction.problem.status,
                note=note,
            )
        _send(
            recipients=[
                instruction.author,
                *_dispatchers(),
                *_unit_users(missing.values_list("pk", flat=True)),
            ],
            event="instruction.overdue",
            title=title,
            body=body,
            link=_problem_link(instruction.problem)
            if instruction.problem
            else _instruction_link(instruction),
            dedupe_key=f"instruction:{instruction.pk}:overdue",
            actor=None,
            obj=instruction,
            urgent=True,
            office_group=True,
        )
    return late


# ---------------------------------------------------------------- supervision orders (督办单)


def _next_order_number(year: int) -> str:
    count = SupervisionOrder.objects.filter(issued_at__year=year).count()
    return f"督办〔{year}〕{count + 1}号"


@transaction.atomic
def supervision_issue(*, actor: User, problem: Problem, requirement: str, plan_days: int) -> SupervisionOrder:
    """The project office orders the primary unit of an overdue problem to submit a rectification plan."""
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有区项目办（调度专员）可以下达督办单"))
    current = _lock(problem)
    today = clock.today()
    if not current.is_overdue(today):
        if current.status not in ACTIVE_STATUSES:
            raise ValidationError(
                gettext("问题当前为“%(status)s”，不能督办") % {"status": current.get_status_display()}
            )
        raise ValidationError(
            gettext("问题未超期（办理期限 %(deadline)s），只能对超期问题下达督办单")
            % {"deadline": f"{current.deadline:%Y-%m-%d}"}
            if current.deadline
            else gettext("问题尚未交办，没有办理期限，只能对超期问题下达督办单")
        )
    open_order = (
        SupervisionOrder.objects.filter(problem=current).exclude(status=SupervisionStatus.CLOSED).first()
    )
    if open_order is not None:
        raise ValidationError(gettext("该问题已有未办结的督办单 %(number)s") % {"number": open_order.number})
    requirement = _clean_text(requirement, "requirement", gettext("督办要求"), max_length=5000)
    if not isinstance(plan_days, int) or not 1 <= plan_days <= MAX_REPLY_DAYS:
        raise ValidationError(
            {"plan_days": gettext("整改方案报送时限应为 1–%(max)s 个工作日") % {"max": MAX_REPLY_DAYS}}
        )
    now = clock.now()
    for _attempt in range(3):
        number = _next_order_number(now.year)
        if not SupervisionOrder.objects.filter(number=number).exists():
            break
    order = SupervisionOrder.objects.create(
        problem=current,
        number=number,
        unit=current.primary_unit,
        issued_by=actor,
        issued_at=now,
        requirement=requirement,
        plan_days=plan_days,
        plan_deadline=add_working_days(today, plan_days),
    )
    record_create(actor=actor, instance=order)
    _event(
        current,
        actor=actor,
        action=ProblemAction.SUPERVISE,
        from_status=current.status,
        to_status=current.status,
        note=f"下达{order.number}：{requirement}（整改方案 {order.plan_deadline:%Y-%m-%d} 前报送）",
    )
    with in_site_language():
        title = gettext("%(number)s：%(title)s（%(date)s前报送整改方案）") % {
            "number": order.number,
            "title": current.title,
            "date": _month_day(order.plan_deadline),
        }
        body = gettext("%(headline)s\n督办要求：%(requirement)s\n请于 %(deadline)s 前报送整改方案。") % {
            "headline": _headline(current),
            "requirement": requirement,
            "deadline": f"{order.plan_deadline:%Y-%m-%d}",
        }
    _send(
        recipients=_unit_users([order.unit_id]) + _leader_users(current.project),
        event="supervision.issued",
        title=title,
        body=body,
        link=reverse("coordination:supervision_detail", args=[order.pk]),
        dedupe_key=f"supervision:{order.pk}:issued",
        actor=actor,
        obj=order,
        urgent=True,
        groups=[order.unit],
    )
    return order


def _lock_order(order: SupervisionOrder) -> SupervisionOrder:
    return (
        SupervisionOrder.objects.select_for_update(of=("self",))
        .select_related("problem", "problem__project", "unit")
        .get(pk=order.pk)
    )


@transaction.atomic
def supervision_submit_plan(*, actor: User, order: SupervisionOrder, text: str) -> RectificationPlan:
    current = _lock_order(order)
    _ensure_unit_of(
        actor,
        [current.unit_id],
        gettext("只有被督办单位（%(unit)s）可以报送整改方案") % {"unit": current.unit},
    )
    if current.status not in {SupervisionStatus.ISSUED, SupervisionStatus.PLAN_RETURNED}:
        raise ValidationError(
            gettext("督办单当前为“%(status)s”，不能报送整改方案") % {"status": current.get_status_display()}
        )
    text = _clean_text(text, "text", gettext("整改方案"), max_length=20000)
    before = snapshot(current)
    plan = RectificationPlan.objects.create(
        order=current,
        text=text,
        submitted_by=actor,
        submitted_at=clock.now(),
        late=clock.today() > current.plan_deadline,
    )
    current.status = SupervisionStatus.PLAN_SUBMITTED
    current.save(update_fields=["status"])
    record_create(actor=actor, instance=plan)
    record_update(
        actor=actor, instance=current, before=before, action=ChangeAction.TRANSITION, reason="报送整改方案"
    )
    _event(
        current.problem,
        actor=actor,
        action=ProblemAction.SUPERVISE,
        from_status=current.problem.status,
        to_status=current.problem.status,
        note=f"{current.number}：报送整改方案" + ("（逾期）" if plan.late else ""),
    )
    with in_site_language():
        title = gettext("%(unit)s报送整改方案：%(number)s") % {"unit": current.unit, "number": current.number}
        body = f"{_headline(current.problem)}\n{text}"
    _send(
        recipients=_dispatchers(),
        event="supervision.plan",
        title=title,
        body=body,
        link=reverse("coordination:supervision_detail", args=[current.pk]),
        dedupe_key=f"supervision:{current.pk}:plan:{plan.pk}",
        actor=actor,
        obj=current,
    )
    return plan


@transaction.atomic
def supervision_decide(
    *, actor: User, order: SupervisionOrder, accept: bool, note: str = ""
) -> SupervisionOrder:
    """The dispatcher accepts the plan (rectification follows) or returns it for rework."""
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有区项目办（调度专员）可以审核整改方案"))
    current = _lock_order(order)
    if current.status != SupervisionStatus.PLAN_SUBMITTED:
        raise ValidationError(
            gettext("督办单当前为“%(status)s”，没有待审核的整改方案")
            % {"status": current.get_status_display()}
        )
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError({"note": gettext("退回整改方案须写明理由")})
    plan = current.plans.filter(decision=PlanDecision.PENDING).order_by("-submitted_at", "-id").first()
    plan_decision = PlanDecision.ACCEPTED if accept else PlanDecision.RETURNED
    before = snapshot(current)
    if plan is not None:
        plan.decision = plan_decision
        plan.decided_by = actor
        plan.decided_at = clock.now()
        plan.decision_note = note
        plan.save()
    current.status = SupervisionStatus.RECTIFYING if accept else SupervisionStatus.PLAN_RETURNED
    current.save(update_fields=["status"])
    verdict = "采纳" if accept else "退回"
    record_update(
        actor=actor,
        instance=current,
        before=before,
        action=ChangeAction.TRANSITION,
        reason=f"整改方案{verdict}：{note}",
    )
    _event(
        current.problem,
        actor=actor,
        action=ProblemAction.SUPERVISE,
        from_status=current.problem.status,
        to_status=current.problem.status,
        note=f"{current.number}：整改方案{verdict}" + (f"（{note}）" if note else ""),
    )
    with in_site_language():
        if accept:
            title = gettext("整改方案已采纳：%(number)s") % {"number": current.number}
        else:
            title = gettext("整改方案已退回：%(number)s") % {"number": current.number}
        body = gettext("%(headline)s\n审核意见：%(note)s") % {
            "headline": _headline(current.problem),
            "note": note or PlanDecision(plan_decision).label,
        }
    _send(
        recipients=_unit_users([current.unit_id]),
        event="supervision.decided",
        title=title,
        body=body,
        link=reverse("coordination:supervision_detail", args=[current.pk]),
        dedupe_key=f"supervision:{current.pk}:decided:{plan.pk if plan else 0}",
        actor=actor,
        obj=current,
        urgent=not accept,
    )
    return current


@transaction.atomic
def supervision_close(*, actor: User, order: SupervisionOrder, note: str) -> SupervisionOrder:
    """The dispatcher closes an order once the rectification is done (also automatic at 销号)."""
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有区项目办（调度专员）可以办结督办单"))
    current = _lock_order(order)
    if current.status == SupervisionStatus.CLOSED:
        raise ValidationError(gettext("该督办单已办结"))
    if current.status != SupervisionStatus.RECTIFYING and current.problem.status in ACTIVE_STATUSES:
        raise ValidationError(gettext("整改方案尚未采纳，问题也未办结，不能办结督办单"))
    note = _clean_text(note, "note", gettext("办结说明"), max_length=5000)
    before = snapshot(current)
    current.status = SupervisionStatus.CLOSED
    current.closed_at = clock.now()
    current.closing_note = note
    current.save(update_fields=["status", "closed_at", "closing_note"])
    record_update(actor=actor, instance=current, before=before, action=ChangeAction.TRANSITION, reason=note)
    _event(
        current.problem,
        actor=actor,
        action=ProblemAction.SUPERVISE,
        from_status=current.problem.status,
        to_status=current.problem.status,
        note=f"{current.number}：督办办结。{note}",
    )
    with in_site_language():
        title = gettext("督办单已办结：%(number)s") % {"number": current.number}
        body = f"{_headline(current.problem)}\n{note}"
    _send(
        recipients=_unit_users([current.unit_id]),
        event="supervision.closed",
        title=title,
        body=body,
        link=reverse("coordination:supervision_detail", args=[current.pk]),
        dedupe_key=f"supervision:{current.pk}:closed",
        actor=actor,
        obj=current,
    )
    return current


# ---------------------------------------------------------------- the daily job


def coordination_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """What the daily task runs: escalate overdue problems and late instruction replies."""
    day = today or clock.today()
    problems = problems_escalate_overdue(today=day)
    instructions = instructions_escalate_overdue(today=day)
    return {"problems": len(problems), "instructions": len(instructions)}
