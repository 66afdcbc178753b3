"""Reads of problem coordination. Every function scopes rows to the user with restrict()."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from xianfeng.coordination.choices import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    AgeBucket,
    EscalationLevel,
    InstructionStatus,
    ProblemStatus,
    ProblemType,
    SupervisionStatus,
)
from xianfeng.coordination.models import (
    Instruction,
    InstructionReply,
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
from xianfeng.lib.workdays import working_days_between
from xianfeng.org.models import Department, Leader, User
from xianfeng.projects.links import ProjectLink
from xianfeng.projects.models import Project

PAGE_SIZE = 50
SORTS: dict[str, list[str]] = {
    "recent": ["-raised_at", "-id"],
    "oldest": ["raised_at", "id"],
    "deadline": ["deadline", "-raised_at", "-id"],
    "level": ["-level", "-raised_at", "-id"],
}
BOARD_KEYS = ["status", "type", "unit", "leader", "age", "level", "project", "overdue", "q", "sort"]


# ---------------------------------------------------------------- the board's filters


@dataclass
class BoardFilters:
    status: str = ""  # a ProblemStatus, or "open" for every status not closed
    type: str = ""
    unit: int | None = None
    leader: int | None = None
    age: str = ""
    level: int | None = None
    project: int | None = None
    overdue: bool = False
    q: str = ""
    sort: str = "recent"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> BoardFilters:
        """Parse query parameters; a malformed value is dropped and reported, never a 500."""
        result = cls()

        def as_int(name: str, low: int = 1, high: int = 2**31) -> int | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                value = int(raw)
            except ValueError:
                result.errors[name] = gettext("“%(value)s”不是有效的编号") % {"value": raw}
                return None
            if not low <= value <= high:
                result.errors[name] = gettext("“%(value)s”超出范围") % {"value": raw}
                return None
            return value

        def choice(name: str, values: list[str], what: str) -> str:
            raw = (params.get(name) or "").strip()[:30]
            if raw and raw not in values:
                result.errors[name] = gettext("未知的%(what)s“%(value)s”") % {"what": what, "value": raw}
                return ""
            return raw

        result.status = choice("status", ["active", *ProblemStatus.values], gettext("状态"))
        result.type = choice("type", ProblemType.values, gettext("问题类型"))
        result.age = choice("age", AgeBucket.values, gettext("时长"))
        result.unit = as_int("unit")
        result.leader = as_int("leader")
        result.project = as_int("project")
        result.level = as_int("level", EscalationLevel.UNIT, EscalationLevel.CITY)
        result.overdue = params.get("overdue") in {"1", "true", "on"}
        result.q = (params.get("q") or "").strip()[:100]
        sort = (params.get("sort") or "recent").strip()
        if sort not in SORTS:
            result.errors["sort"] = gettext("未知的排序“%(value)s”") % {"value": sort}
            sort = "recent"
        result.sort = sort
        return result

    def querystring(self, **overrides: Any) -> str:
        """The filters as a query string (for pagination links), with some values replaced."""
        from urllib.parse import urlencode

        values = {
            "status": self.status,
            "type": self.type,
            "unit": self.unit,
            "leader": self.leader,
            "age": self.age,
            "level": self.level,
            "project": self.project,
            "overdue": "1" if self.overdue else "",
            "q": self.q,
            "sort": "" if self.sort == "recent" else self.sort,
        }
        values.update(overrides)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _age_q(bucket: str, today: dt.date) -> Q:
    """Problems whose age falls in the bucket: days open so far, or days it took to close."""
    low_text, _, high_text = bucket.partition("-")
    low = int(low_text)
    high = int(high_text) if high_text else None
    open_q = Q(closed_on__isnull=True, raised_on__lte=today - dt.timedelta(days=low))
    closed_q = Q(closed_on__isnull=False, days_to_close__gte=low)
    if high is not None:
        open_q &= Q(raised_on__gte=today - dt.timedelta(days=high))
        closed_q &= Q(days_to_close__lte=high)
    return open_q | closed_q


def _filtered(
    *, user: User, filters: BoardFilters, today: dt.date, with_status: bool = True
) -> QuerySet[Problem]:
    qs = Problem.objects.restrict(user, "view")
    if with_status:
        if filters.status == "active":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif filters.status:
            qs = qs.filter(status=filters.status)
        if filters.overdue:
            qs = qs.overdue(today)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.unit:
        qs = qs.filter(pk__in=ProblemUnit.objects.filter(department_id=filters.unit).values("problem_id"))
    if filters.leader:
        qs = qs.filter(project__leader_id=filters.leader)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.age:
        qs = qs.filter(_age_q(filters.age, today))
    if filters.q:
        for term in filters.q.split():
            # The project side as a subquery, not a join: PostgreSQL then matches the few project
            # names once (a hashed list) instead of testing each problem's joined name.
            named = Project.objects.filter(name__contains=term).values("pk")
            qs = qs.filter(Q(title__contains=term) | Q(project_id__in=named))
    return qs


def problem_board(*, user: User, filters: BoardFilters, today: dt.date | None = None) -> QuerySet[Problem]:
    """The filtered, sorted problems the user may see, ready for one query per page."""
    day = today or clock.today()
    return (
        _filtered(user=user, filters=filters, today=day)
        .select_related("project", "project__leader", "primary_unit", "raised_unit")
        .order_by(*SORTS[filters.sort])
    )


@dataclass
class BoardSummary:
    total: int
    by_status: list[tuple[str, str, int]]  # (status, label, count) in lifecycle order
    active: int
    overdue: int
    escalated: int  # still open and at the leader's level or above


def board_summary(*, user: User, filters: BoardFilters, today: dt.date | None = None) -> BoardSummary:
    """Counts by status over the filtered problems (the status filter itself ignored): one query."""
    return board_figures(user=user, filters=filters, today=today, with_units=False)[0]


# ---------------------------------------------------------------- medians of days to close


@dataclass
class MedianRow:
    key: Any
    label: str
    closed: int
    median_days: Decimal | None


def _median_value(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def _median_of_counts(counts: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many), as statistics.median would give it."""
    total = sum(n for _value, n in counts)
    if not total:
        return None
    ordered = sorted(counts)
    wanted = [(total - 1) // 2, total // 2]  # zero-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value, n in ordered:
        while len(found) < 2 and wanted[len(found)] < seen + n:
            found.append(value)
        seen += n
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def _medians(qs: QuerySet[Problem], group: str, label_of: dict[Any, str]) -> list[MedianRow]:
    """Medians of days to close per group, from a histogram the database counts (one query).

    Days to close are small whole numbers, so counting problems per (group, days) and taking the
    middle in Python is exact, works the same on SQLite and PostgreSQL, and reads an index
    instead of sorting every closed problem.
    """
    closed = qs.filter(status=ProblemStatus.CLOSED, days_to_close__isnull=False).order_by()
    counts: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    for key, days, n in closed.values_list(group, "days_to_close").annotate(n=Count("*")).order_by():
        counts[key].append((days, n))
    result = [
        MedianRow(
            key=key,
            label=label_of.get(key, "未交办" if key is None else str(key)),
            closed=sum(n for _d, n in values),
            median_days=_median_value(_median_of_counts(values)),
        )
        for key, values in counts.items()
    ]
    order = list(label_of)
    result.sort(key=lambda r: (order.index(r.key) if r.key in order else len(order), r.label))
    return result


def close_medians(
    *, user: User, filters: BoardFilters, today: dt.date | None = None
) -> dict[str, list[MedianRow]]:
    """Median calendar days from raising to closing (销号), by problem type and by primary unit,
    over the closed problems matching the board's filters (status filters aside)."""
    return board_figures(user=user, filters=filters, today=today)[1]


def board_figures(
    *,
    user: User,
    filters: BoardFilters,
    today: dt.date | None = None,
    unit_names: dict[int, str] | None = None,
    with_units: bool = True,
) -> tuple[BoardSummary, dict[str, list[MedianRow]]]:
    """The board's counts and medians in two scans of the filtered problems.

    The first groups by (status, type, days to close) and yields the counts by status, the
    overdue and escalated counts and the histogram of days to close by type; the second is the
    histogram by primary unit. ``unit_names`` (id → name) saves the query for the units' names.
    """
    day = today or clock.today()
    qs = _filtered(user=user, filters=filters, today=day, with_status=False).order_by()
    # COUNT(*) rather than COUNT(id): the columns read are all in one index (an index-only scan).
    rows = qs.values_list("status", "type", "days_to_close").annotate(
        n=Count("*"),
        overdue=Count("status", filter=Q(status__in=ACTIVE_STATUSES, deadline__lt=day)),
        escalated=Count("status", filter=Q(status__in=ACTIVE_STATUSES, level__gte=EscalationLevel.LEADER)),
    )
    by_status_count: dict[str, int] = defaultdict(int)
    type_days: dict[str, list[tuple[int, int]]] = defaultdict(list)
    overdue = escalated = 0
    for status, type_, days, n, late, high in rows.order_by():
        by_status_count[status] += n
        overdue += late
        escalated += high
        if status == ProblemStatus.CLOSED and days is not None:
            type_days[type_].append((days, n))
    by_status = [(s.value, str(s.label), by_status_count.get(s.value, 0)) for s in ProblemStatus]
    summary = BoardSummary(
        total=sum(by_status_count.values()),
        by_status=by_status,
        active=sum(n for s, _label, n in by_status if s in OPEN_STATUSES),
        overdue=overdue,
        escalated=escalated,
    )
    by_type = [
        MedianRow(
            key=t.value,
            label=str(t.label),
            closed=sum(n for _d, n in type_days[t.value]),
            median_days=_median_value(_median_of_counts(type_days[t.value])),
        )
        for t in ProblemType
        if t.value in type_days
    ]
    if not with_units:
        return summary, {"type": by_type, "unit": []}
    unit_rows = _medians(qs, "primary_unit_id", {})
    if unit_names is None:
        wanted = [r.key for r in unit_rows if r.key is not None]
        unit_names = {d.pk: str(d) for d in Department.objects.filter(pk__in=wanted)}
    for row in unit_rows:
        row.label = unit_names.get(row.key, "未交办")
    unit_rows.sort(key=lambda r: (r.median_days is None, -(r.median_days or 0), r.label))
    return summary, {"type": by_type, "unit": unit_rows}


# ---------------------------------------------------------------- one problem


def problem_get(*, user: User, pk: int, action: str = "view") -> Problem:
    """One problem the user may see (or change); Http404 otherwise, even if it exists."""
    return get_object_or_404(
        Problem.objects.restrict(user, action).select_related(
            "project", "project__lead_unit", "project__leader", "project__leader__user", "primary_unit",
            "raised_unit", "raised_by",
        ),
        pk=pk,
    )  # fmt: skip


@dataclass
class ProblemDetail:
    problem: Problem
    units: list[ProblemUnit]
    events: list[ProblemEvent]
    attachments: list[ProblemAttachment]
    instructions: list[Instruction]
    orders: list[SupervisionOrder]
    overdue: bool
    working_days_left: int | None

    @property
    def working_days_late(self) -> int:
        return -self.working_days_left if self.working_days_left and self.working_days_left < 0 else 0


def problem_detail(*, user: User, problem: Problem, today: dt.date | None = None) -> ProblemDetail:
    day = today or clock.today()
    units = list(
        ProblemUnit.objects.filter(problem=problem).select_related("department").order_by("-is_primary", "id")
    )
    events = list(ProblemEvent.objects.filter(problem=problem).select_related("actor").order_by("at", "id"))
    attachments = list(ProblemAttachment.objects.filter(problem=problem).select_related("uploaded_by"))
    instructions = list(
        Instruction.objects.restrict(user, "view")
        .filter(problem=problem)
        .select_related("leader", "author")
        .prefetch_related(
            Prefetch("replies", queryset=InstructionReply.objects.select_related("department", "author")),
            "units",
        )
    )
    orders = list(
        SupervisionOrder.objects.restrict(user, "view")
        .filter(problem=problem)
        .select_related("unit", "issued_by")
        .prefetch_related(
            Prefetch("plans", queryset=RectificationPlan.objects.select_related("submitted_by"))
        )
    )
    left = None
    if problem.deadline and problem.status in ACTIVE_STATUSES:
        left = working_days_between(day, problem.deadline)
    return ProblemDetail(
        problem=problem,
        units=units,
        events=events,
        attachments=attachments,
        instructions=instructions,
        orders=orders,
        overdue=problem.is_overdue(day),
        working_days_left=left,
    )


def attachment_get(*, user: User, pk: int) -> ProblemAttachment:
    return get_object_or_404(
        ProblemAttachment.objects.restrict(user, "view").select_related("problem"), pk=pk
    )


# ---------------------------------------------------------------- what a user can do to a problem


def problem_actions(*, user: User, problem: Problem, unit_ids: list[int]) -> dict[str, bool]:
    """Which buttons the detail page shows; the services decide again when one is pressed."""
    from xianfeng.coordination.choices import RAISER_ACTIONS, TRANSITIONS, UNIT_ACTIONS
    from xianfeng.org.choices import UNIT_ROLES, Role

    in_unit = user.role in UNIT_ROLES and user.department_id in unit_ids
    raiser = user.role == Role.DISPATCHER or (
        user.role in UNIT_ROLES
        and problem.raised_unit_id is not None
        and user.department_id == problem.raised_unit_id
    )
    result = {}
    for action, (allowed, _to) in TRANSITIONS.items():
        who = in_unit if action in UNIT_ACTIONS else raiser if action in RAISER_ACTIONS else False
        result[str(action)] = who and problem.status in allowed
    dispatcher = user.role == Role.DISPATCHER
    active = problem.status in ACTIVE_STATUSES
    result["assign"] = dispatcher and active
    result["escalate"] = dispatcher and active and problem.level < EscalationLevel.CITY
    result["supervise"] = dispatcher and problem.is_overdue(clock.today())
    result["instruct"] = user.role == Role.LEADER and problem.status != ProblemStatus.CLOSED
    involved = {problem.raised_unit_id, problem.project.lead_unit_id, *unit_ids}
    result["attach"] = problem.status != ProblemStatus.CLOSED and (
        dispatcher or (user.role in UNIT_ROLES and user.department_id in involved)
    )
    return result


# ---------------------------------------------------------------- instructions and supervision


def instruction_list(*, user: User, status: str = "") -> QuerySet[Instruction]:
    qs = Instruction.objects.restrict(user, "view").select_related("project", "problem", "leader", "author")
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("units", "replies").order_by("-issued_at", "-id")


def instruction_get(*, user: User, pk: int, action: str = "view") -> Instruction:
    return get_object_or_404(
        Instruction.objects.restrict(user, action)
        .select_related("project", "problem", "leader", "author")
        .prefetch_related(
            "units",
            Prefetch("replies", queryset=InstructionReply.objects.select_related("department", "author")),
        ),
        pk=pk,
    )


def supervision_list(*, user: User, status: str = "") -> QuerySet[SupervisionOrder]:
    qs = SupervisionOrder.objects.restrict(user, "view").select_related(
        "problem", "problem__project", "unit", "issued_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-issued_at", "-id")


def supervision_get(*, user: User, pk: int, action: str = "view") -> SupervisionOrder:
    return get_object_or_404(
        SupervisionOrder.objects.restrict(user, action)
        .select_related("problem", "problem__project", "unit", "issued_by")
        .prefetch_related(
            Prefetch("plans", queryset=RectificationPlan.objects.select_related("submitted_by", "decided_by"))
        ),
        pk=pk,
    )


def unit_inbox(*, user: User, today: dt.date | None = None) -> dict[str, Any]:
    """What a unit must do next: instructions to answer and supervision orders awaiting a plan."""
    day = today or clock.today()
    if not user.department_id:
        return {"instructions": [], "orders": [], "today": day}
    instructions = [
        i
        for i in instruction_list(user=user, status=InstructionStatus.AWAITING).filter(
            unit_links__department_id=user.department_id
        )
        if user.department_id not in {r.department_id for r in i.replies.all()}
    ]
    orders = list(
        supervision_list(user=user).filter(
            unit_id=user.department_id, status__in=[SupervisionStatus.ISSUED, SupervisionStatus.PLAN_RETURNED]
        )
    )
    return {"instructions": instructions, "orders": orders, "today": day}


# ---------------------------------------------------------------- leaders in charge


@dataclass
class Attention:
    """One thing a leader should look at, most pressing first."""

    kind: str  # "overdue" / "escalated" / "instruction_late" / "instruction_waiting"
    rank: int
    title: str
    detail: str
    url: str
    days: int = 0


@dataclass
class LeaderPage:
    leader: Leader
    projects: list[Project]
    problems: list[Problem]
    attention: list[Attention]
    instructions: list[Instruction]
    team_count: int
    today: dt.date


def leader_for(*, user: User) -> Leader | None:
    return Leader.objects.filter(user=user).first()


def leader_page(*, user: User, leader: Leader, today: dt.date | None = None) -> LeaderPage:
    """A leader's projects and their problems, with what needs attention first at the top."""
    from django.urls import reverse

    day = today or clock.today()
    projects = list(
        Project.objects.restrict(user, "view")
        .filter(leader=leader, archived_at__isnull=True)
        .select_related("lead_unit", "team")
        .annotate(
            open_problems=Count("problems", filter=Q(problems__status__in=OPEN_STATUSES)),
            overdue_problems=Count(
                "problems", filter=Q(problems__status__in=ACTIVE_STATUSES, problems__deadline__lt=day)
            ),
            closed_problems=Count("problems", filter=Q(problems__status=ProblemStatus.CLOSED)),
        )
        .order_by("-overdue_problems", "-open_problems", "internal_code")
    )
    problems = list(
        Problem.objects.restrict(user, "view")
        .filter(project__leader=leader, status__in=OPEN_STATUSES)
        .select_related("project", "primary_unit")
        .order_by("deadline", "raised_at")
    )
    instructions = list(
        Instruction.objects.restrict(user, "view")
        .filter(Q(leader=leader) | Q(author_id=leader.user_id) if leader.user_id else Q(leader=leader))
        .exclude(status=InstructionStatus.CLOSED)
        .select_related("project", "problem")
        .prefetch_related("units", "replies")
        .order_by("reply_deadline", "id")
    )
    attention: list[Attention] = []
    for problem in problems:
        url = reverse("coordination:problem_detail", args=[problem.pk])
        if problem.is_overdue(day):
            late = working_days_between(problem.deadline, day)
            attention.append(
                Attention(
                    "overdue",
                    0 if problem.level >= EscalationLevel.LEADER else 1,
                    problem.title,
                    ngettext(
                        "%(project)s · %(unit)s · 超期 %(days)s 个工作日 · %(level)s",
                        "%(project)s · %(unit)s · 超期 %(days)s 个工作日 · %(level)s",
                        late,
                    )
                    % {
                        "project": problem.project.name,
                        "unit": problem.primary_unit or gettext("未交办"),
                        "days": late,
                        "level": problem.get_level_display(),
                    },
                    url,
                    late,
                )
            )
        elif problem.level >= EscalationLevel.LEADER and problem.status in ACTIVE_STATUSES:
            attention.append(
                Attention(
                    "escalated",
                    1,
                    problem.title,
                    gettext("%(project)s · 已升级至%(level)s")
                    % {"project": problem.project.name, "level": problem.get_level_display()},
                    url,
                )
            )
    for instruction in instructions:
        if instruction.status != InstructionStatus.AWAITING:
            continue
        url = reverse("coordination:instruction_detail", args=[instruction.pk])
        replied = {r.department_id for r in instruction.replies.all()}
        waiting = gettext("、").join(str(u) for u in instruction.units.all() if u.pk not in replied)
        subject = instruction.problem.title if instruction.problem else instruction.project.name
        if instruction.reply_deadline < day:
            late = working_days_between(instruction.reply_deadline, day)
            attention.append(
                Attention(
                    "instruction_late",
                    2,
                    gettext("批示逾期未回复：%(subject)s") % {"subject": subject},
                    ngettext(
                        "待回复：%(units)s（逾期 %(days)s 个工作日）",
                        "待回复：%(units)s（逾期 %(days)s 个工作日）",
                        late,
                    )
                    % {"units": waiting, "days": late},
                    url,
                    late,
                )
            )
        else:
            # The date's pattern is translated too: 12月09日 in Chinese, Dec 9 in English.
            # Translators: a date format for Django's date filter (m = month, d = day of the month).
            due = date_format(instruction.reply_deadline, gettext("m月d日"))
            attention.append(
                Attention(
                    "instruction_waiting",
                    3,
                    gettext("批示待回复：%(subject)s") % {"subject": subject},
                    gettext("待回复：%(units)s（%(date)s前）") % {"units": waiting, "date": due},
                    url,
                )
            )
    attention.sort(key=lambda a: (a.rank, -a.days, a.title))
    team_count = WorkingTeam.objects.filter(project__in=[p.pk for p in projects]).count()
    return LeaderPage(
        leader=leader,
        projects=projects,
        problems=problems,
        attention=attention,
        instructions=instructions,
        team_count=team_count,
        today=day,
    )


def project_problem_links(user: User, project: Project) -> list[ProjectLink]:
    """For the project page: its problems the user may see, how many still open (one query)."""
    counts = (
        Problem.objects.restrict(user, "view")
        .filter(project=project)
        .aggregate(total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    )
    if not counts["total"]:
        return []
    url = reverse("coordination:board") + f"?project={project.pk}"
    detail = gettext("共 %(total)s 个，未销号 %(open)s 个") % counts
    return [ProjectLink(label=gettext("协调问题"), url=url, detail=detail)]


def team_for(*, user: User, project: Project) -> WorkingTeam | None:
    return (
        WorkingTeam.objects.restrict(user, "view")
        .filter(project=project)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=TeamMember.objects.filter(left_at__isnull=True).select_related("department", "user"),
            )
        )
        .first()
    )


# ---------------------------------------------------------------- the dispatch bulletin's section


@dataclass
class BulletinTypeRow:
    type: str
    label: str
    raised: int
    closed: int
    open: int
    overdue: int
    median_days: Decimal | None


@dataclass
class BulletinOverdueRow:
    problem_id: int
    project: str
    title: str
    type_label: str
    unit: str
    deadline: dt.date
    working_days_late: int
    level_label: str


@dataclass
class ProblemsBulletin:
    """The problems section of a dispatch bulletin, as things stood at the end of ``as_of``."""

    as_of: dt.date
    month_start: dt.date
    raised_in_month: int
    closed_in_month: int
    raised_ytd: int
    closed_ytd: int
    open: int
    overdue: int
    escalated: int
    close_rate: Decimal | None  # closed this year / raised this year, in percent
    median_days: Decimal | None  # of the problems closed this year
    by_type: list[BulletinTypeRow]
    by_unit: list[MedianRow]
    overdue_list: list[BulletinOverdueRow]


def problems_bulletin_section(
    *, user: User, as_of: dt.date, overdue_limit: int = 20, medians: bool = True
) -> ProblemsBulletin:
    """Figures and rows for the bulletin's problems section at ``as_of`` (a replay of the year).

    A problem counts as open at ``as_of`` if raised by then and not closed by then, and as overdue
    if also unresolved by then and past its deadline. Levels are as they stand now.

    Two queries (the counts per type, the overdue list), and with ``medians`` two more for the
    days to close (per type and unit; without, ``median_days`` is None and ``by_unit`` empty).
    """
    year_start = dt.date(as_of.year, 1, 1)
    month_start = as_of.replace(day=1)
    visible = Problem.objects.restrict(user, "view").filter(raised_on__lte=as_of)
    open_q = Q(closed_on__isnull=True) | Q(closed_on__gt=as_of)
    unresolved_q = Q(resolved_at__isnull=True) | Q(resolved_at__date__gt=as_of)
    overdue_q = open_q & unresolved_q & Q(deadline__lt=as_of)
    aggregates: dict[str, Any] = {
        "raised_month": Count("id", filter=Q(raised_on__gte=month_start)),
        "closed_month": Count("id", filter=Q(closed_on__gte=month_start, closed_on__lte=as_of)),
        "raised_ytd": Count("id", filter=Q(raised_on__gte=year_start)),
        "closed_ytd": Count("id", filter=Q(closed_on__gte=year_start, closed_on__lte=as_of)),
        "open": Count("id", filter=open_q),
        "overdue": Count("id", filter=overdue_q),
        "escalated": Count("id", filter=open_q & Q(level__gte=EscalationLevel.LEADER)),
    }
    # Counted per type in one pass (each condition tested once per problem); the totals add up.
    per_type = {found["type"]: found for found in visible.order_by().values("type").annotate(**aggregates)}
    row = {name: sum(found[name] for found in per_type.values()) for name in aggregates}
    days_by_type: dict[str, list[int]] = defaultdict(list)
    days_by_unit: dict[int | None, list[int]] = defaultdict(list)
    if medians:
        closed_this_year = visible.filter(closed_on__gte=year_start, closed_on__lte=as_of)
        for type_, unit_id, days in closed_this_year.values_list("type", "primary_unit_id", "days_to_close"):
            if days is not None:
                days_by_type[type_].append(days)
                days_by_unit[unit_id].append(days)
    all_days = [d for values in days_by_type.values() for d in values]

    def median(values: list[int]) -> Decimal | None:
        return _median_value(statistics.median(values)) if values else None

    empty = dict.fromkeys(aggregates, 0)
    by_type = [
        BulletinTypeRow(
            type=t.value,
            label=str(t.label),
            raised=counts["raised_ytd"],
            closed=counts["closed_ytd"],
            open=counts["open"],
            overdue=counts["overdue"],
            median_days=median(days_by_type.get(t.value, [])),
        )
        for t in ProblemType
        for counts in [per_type.get(t.value, empty)]
        if counts["raised_ytd"] or counts["open"] or counts["closed_ytd"]
    ]
    units = [k for k in days_by_unit if k]
    names = {d.pk: str(d) for d in Department.objects.filter(pk__in=units)} if units else {}
    by_unit = sorted(
        (
            MedianRow(key=k, label=names.get(k, "未交办"), closed=len(v), median_days=median(v))
            for k, v in days_by_unit.items()
        ),
        key=lambda r: (-(r.median_days or 0), r.label),
    )
    late_rows = []
    # The first few overdue found first, then joined to their projects and units (joined before
    # the cut, every project would be read to list ten problems).
    first = visible.filter(overdue_q).order_by("deadline", "id").values("pk")[:overdue_limit]
    for problem in (
        Problem.objects.filter(pk__in=first)
        .select_related("project", "primary_unit")
        .order_by("deadline", "id")
    ):
        late_rows.append(
            BulletinOverdueRow(
                problem_id=problem.pk,
                project=problem.project.name,
                title=problem.title,
                type_label=problem.get_type_display(),
                unit=str(problem.primary_unit or "未交办"),
                deadline=problem.deadline,
                working_days_late=working_days_between(problem.deadline, as_of),
                level_label=problem.get_level_display(),
            )
        )
    raised_ytd = row["raised_ytd"]
    close_rate = (
        (Decimal(row["closed_ytd"]) * 100 / Decimal(raised_ytd)).quantize(Decimal("0.1"))
        if raised_ytd
        else None
    )
    return ProblemsBulletin(
        as_of=as_of,
        month_start=month_start,
        raised_in_month=row["raised_month"],
        closed_in_month=row["closed_month"],
        raised_ytd=raised_ytd,
        closed_ytd=row["closed_ytd"],
        open=row["open"],
        overdue=row["overdue"],
        escalated=row["escalated"],
        close_rate=close_rate,
        median_days=median(all_days),
        by_type=by_type,
        by_unit=by_unit,
        overdue_list=late_rows,
    )


# ---------------------------------------------------------------- choices for forms and filters


def filter_options(*, user: User) -> dict[str, Any]:
    """Units and leaders for the board's filter menus (two queries)."""
    return {
        "units": list(Department.objects.filter(is_active=True).order_by("order", "code")),
        "leaders": list(Leader.objects.filter(is_active=True).order_by("order", "id")),
    }
