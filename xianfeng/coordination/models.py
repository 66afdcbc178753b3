"""Problems that hold projects back, and how they are followed to closure (问题销号).

A problem belongs to a project, is raised from a monthly report or directly, is handled by one or
more responsible units (one primary) within a deadline in working days, escalates when it runs
late, and is closed only when the raiser confirms the resolution. Leaders in charge write
instructions (批示) that the units must answer; the project office issues supervision orders
(督办单) on overdue problems. Every step is a row with who and when.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.coordination.choices import (
    ACTIVE_STATUSES,
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
from xianfeng.lib.restrict import Action, RestrictedQuerySet
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, Leader
from xianfeng.projects.models import Project

NOBODY = Q(pk__in=[])


def _unit_problem_scope(department_id: int, prefix: str = "") -> Q:
    """Problems of the unit's own projects, or problems the unit is responsible for."""
    # Two IN (subquery) tests rather than a join to projects OR'ed with one: PostgreSQL hashes
    # both small sets once and checks each problem against them in a single pass.
    own_projects = Project.objects.filter(lead_unit_id=department_id).values("pk")
    handled = ProblemUnit.objects.filter(department_id=department_id).values("problem_id")
    pk = f"{prefix}id" if prefix else "pk"
    return Q(**{f"{prefix}project_id__in": own_projects}) | Q(**{f"{pk}__in": handled})


def problem_scope(user: Any, action: Action, prefix: str = "") -> Q | None:
    """Which problems ``user`` may see or act on; None means all of them.

    Dispatchers: all. Leaders: see all, change none (they write instructions, not problems).
    Unit users: problems of their unit's projects and problems their unit is responsible for.
    Admin and auditor: none.
    """
    if user.role == Role.DISPATCHER:
        return None
    if user.role == Role.LEADER:
        return None if action == "view" else NOBODY
    if user.role in UNIT_ROLES and user.department_id:
        return _unit_problem_scope(user.department_id, prefix)
    return NOBODY


def _apply(qs: RestrictedQuerySet, scope: Q | None) -> Any:
    return qs if scope is None else qs.filter(scope)


# ---------------------------------------------------------------- problems


class ProblemQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ProblemQuerySet:
        return _apply(self, problem_scope(user, action))

    def overdue(self, today: dt.date) -> ProblemQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES, deadline__lt=today)


class Problem(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="problems"
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=ProblemSource.choices, default=ProblemSource.DIRECT
    )
    # A generic reference to what the problem was raised from (a monthly report of the dispatch
    # app, which calls problem_raise()); coordination never imports dispatch.
    source_type = models.CharField(_("来源类型"), max_length=60, blank=True)
    source_id = models.PositiveBigIntegerField(_("来源编号"), null=True, blank=True)
    raised_from_period = models.CharField(_("调度期"), max_length=7, blank=True, help_text="YYYY-MM")
    type = models.CharField(_("问题类型"), max_length=20, choices=ProblemType.choices)
    title = models.CharField(_("问题摘要"), max_length=200)
    description = models.TextField(_("问题描述"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    raised_unit = models.ForeignKey(
        Department,
        verbose_name=_("提出单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="raised_problems",
        help_text=_("空表示由区项目办提出"),
    )
    raised_at = models.DateTimeField(_("提出时间"))
    raised_on = models.DateField(_("提出日期"))
    primary_unit = models.ForeignKey(
        Department,
        verbose_name=_("牵头责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="primary_problems",
    )
    units = models.ManyToManyField(
        Department, verbose_name=_("责任单位"), through="ProblemUnit", related_name="problems", blank=True
    )
    deadline_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), null=True, blank=True)
    deadline = models.DateField(_("办理期限"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    # Calendar days from raising to closing, kept at closing for the board's medians.
    days_to_close = models.PositiveIntegerField(_("销号用时（天）"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(
        _("协调层级"), choices=EscalationLevel.choices, default=EscalationLevel.UNIT
    )
    escalated_at = models.DateTimeField(_("最近升级时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    resolution = models.TextField(_("办理结果"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-raised_at", "-id"]
        indexes = [
            # The board's counts and medians read only these columns: index-only scans.
            models.Index(
                fields=["status", "type", "days_to_close", "deadline", "level"], name="problem_board_idx"
            ),
            models.Index(fields=["status", "primary_unit", "days_to_close"], name="problem_unit_close_idx"),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["raised_on"]),
            models.Index(fields=["-raised_at", "-id"], name="problem_recent_idx"),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.CLOSED) | Q(closed_at__isnull=False),
                name="problem_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def number(self) -> str:
        return f"WT{self.raised_on:%Y}-{self.pk:05d}" if self.pk else ""

    def is_overdue(self, today: dt.date) -> bool:
        return self.status in ACTIVE_STATUSES and self.deadline is not None and self.deadline < today

    def age_days(self, today: dt.date) -> int:
        end = self.closed_on or today
        return (end - self.raised_on).days


class ProblemUnit(models.Model):
    """A responsible unit of a problem; exactly one per problem is primary (牵头)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="unit_links")
    department = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="problem_links"
    )
    is_primary = models.BooleanField(_("牵头"), default=False)

    class Meta:
        verbose_name = _("问题责任单位")
        verbose_name_plural = _("问题责任单位")
        constraints = [
            models.UniqueConstraint(fields=["problem", "department"], name="problem_unit_unique"),
            models.UniqueConstraint(
                fields=["problem"], condition=Q(is_primary=True), name="problem_one_primary_unit"
            ),
        ]
        indexes = [models.Index(fields=["department", "problem"])]

    def __str__(self) -> str:
        return f"{self.problem_id} · {self.department}"


class ProblemEventQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ProblemEventQuerySet:
        return _apply(self, problem_scope(user, "view", "problem__"))


class ProblemEvent(models.Model):
    """One step in a problem's life: who, when, the status and level before and after, a note."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    actor_unit = models.CharField(_("操作人单位"), max_length=100, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=ProblemAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=ProblemStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=ProblemStatus.choices, blank=True)
    from_level = models.PositiveSmallIntegerField(_("原层级"), choices=EscalationLevel.choices, null=True)
    to_level = models.PositiveSmallIntegerField(_("新层级"), choices=EscalationLevel.choices, null=True)
    note = models.TextField(_("说明"), blank=True)

    objects = ProblemEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题办理记录")
        verbose_name_plural = _("问题办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.get_action_display()} {self.at:%Y-%m-%d}"


class ProblemAttachmentQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ProblemAttachmentQuerySet:
        return _apply(self, problem_scope(user, "view", "problem__"))


def attachment_path(instance: ProblemAttachment, filename: str) -> str:
    # A random name on disk: the original name is kept in the row, never trusted as a path.
    return f"coordination/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.kind}"


class ProblemAttachment(models.Model):
    problem = models.ForeignKey(
        Problem, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    token = models.CharField(max_length=32, unique=True, editable=False)
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("文件类型"), max_length=5)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = ProblemAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题附件")
        verbose_name_plural = _("问题附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- leaders in charge: the working team


class WorkingTeamQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> WorkingTeamQuerySet:
        if user.role == Role.DISPATCHER:
            return self
        if user.role == Role.LEADER:
            return self if action == "view" else self.none()
        if user.role in UNIT_ROLES and user.department_id:
            own = Q(project__lead_unit_id=user.department_id)
            if action == "view":
                member = TeamMember.objects.filter(department_id=user.department_id).values("team_id")
                return self.filter(own | Q(pk__in=member))
            return self.filter(own)
        return self.none()


class WorkingTeam(models.Model):
    """The project's 专班 and its 方案: 一个项目、一名领导、一个专班、一套方案.

    The leader and the lead unit are the project's own (Project.leader, Project.lead_unit).
    """

    project = models.OneToOneField(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="team"
    )
    name = models.CharField(_("专班名称"), max_length=100)
    plan = models.TextField(_("推进方案"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkingTeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作专班")
        verbose_name_plural = _("工作专班")

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(
        WorkingTeam, verbose_name=_("专班"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("专班职务"), max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    # A member who leaves is kept (with the date) rather than deleted.
    left_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("专班成员")
        verbose_name_plural = _("专班成员")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


# ---------------------------------------------------------------- instructions (批示)


class InstructionQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> InstructionQuerySet:
        if user.role == Role.DISPATCHER:
            # The project office follows every instruction up and may close one; only leaders write them.
            return self.none() if action == "add" else self
        if user.role == Role.LEADER:
            return self if action in {"view", "add"} else self.filter(author=user)
        if user.role in UNIT_ROLES and user.department_id:
            addressed = InstructionUnit.objects.filter(department_id=user.department_id).values(
                "instruction_id"
            )
            if action == "view":
                return self.filter(Q(project__lead_unit_id=user.department_id) | Q(pk__in=addressed))
            if action == "change":  # replying
                return self.filter(pk__in=addressed)
        return self.none()


class Instruction(models.Model):
    """A leader's written instruction on a project or one of its problems; the units must reply."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="instructions"
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instructions",
    )
    leader = models.ForeignKey(
        Leader, verbose_name=_("批示领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批示人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("批示内容"))
    issued_at = models.DateTimeField(_("批示时间"))
    reply_days = models.PositiveSmallIntegerField(_("回复时限（工作日）"))
    reply_deadline = models.DateField(_("回复期限"))
    units = models.ManyToManyField(
        Department, verbose_name=_("须回复单位"), through="InstructionUnit", related_name="instructions"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=InstructionStatus.choices, default=InstructionStatus.AWAITING
    )
    escalated_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = InstructionQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["status", "reply_deadline"])]

    def __str__(self) -> str:
        return f"{self.leader or self.author}批示：{self.text[:30]}"

    def is_late(self, today: dt.date) -> bool:
        return self.status == InstructionStatus.AWAITING and self.reply_deadline < today


class InstructionUnit(models.Model):
    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="unit_links")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instruction", "department"], name="instruction_unit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.instruction_id} · {self.department_id}"


class InstructionReplyQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> InstructionReplyQuerySet:
        visible = Instruction.objects.restrict(user, "view").values("pk")
        return self.filter(instruction_id__in=visible) if action == "view" else self.none()


class InstructionReply(models.Model):
    instruction = models.ForeignKey(
        Instruction, verbose_name=_("批示"), on_delete=models.PROTECT, related_name="replies"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("回复单位"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回复人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("回复内容"))
    at = models.DateTimeField(_("回复时间"))
    late = models.BooleanField(_("逾期回复"), default=False)

    objects = InstructionReplyQuerySet.as_manager()

    class Meta:
        verbose_name = _("批示回复")
        verbose_name_plural = _("批示回复")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.department}回复：{self.text[:30]}"


# ---------------------------------------------------------------- supervision orders (督办单)


class SupervisionOrderQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> SupervisionOrderQuerySet:
        if user.role == Role.DISPATCHER:
            return self
        if user.role == Role.LEADER:
            return self if action == "view" else self.none()
        if user.role in UNIT_ROLES and user.department_id:
            mine = Q(unit_id=user.department_id)
            if action == "view":
                return self.filter(mine | Q(problem__project__lead_unit_id=user.department_id))
            if action == "change":  # submitting the rectification plan
                return self.filter(mine)
        return self.none()


class SupervisionOrder(models.Model):
    """The project office's order on an overdue problem: the unit must submit a rectification plan."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    number = models.CharField(_("督办单编号"), max_length=30, unique=True)
    unit = models.ForeignKey(
        Department, verbose_name=_("督办单位"), on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("下达人"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("下达时间"))
    requirement = models.TextField(_("督办要求"))
    plan_days = models.PositiveSmallIntegerField(_("方案时限（工作日）"))
    plan_deadline = models.DateField(_("整改方案报送期限"))
    status = models.CharField(
        _("状态"), max_length=15, choices=SupervisionStatus.choices, default=SupervisionStatus.ISSUED
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closing_note = models.TextField(_("办结说明"), blank=True)

    objects = SupervisionOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class RectificationPlan(models.Model):
    """One submission of the unit's rectification plan (整改方案) and the office's decision on it."""

    order = models.ForeignKey(
        SupervisionOrder, verbose_name=_("督办单"), on_delete=models.PROTECT, related_name="plans"
    )
    text = models.TextField(_("整改方案"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    late = models.BooleanField(_("逾期报送"), default=False)
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=PlanDecision.choices, default=PlanDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("整改方案")
        verbose_name_plural = _("整改方案")
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.order} · {self.submitted_at:%Y-%m-%d}"
