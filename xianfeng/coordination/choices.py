from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.lib.files import FILE_KINDS


class ProblemType(models.TextChoices):
    LAND = "land", _("用地")
    PLANNING = "planning", _("规划")
    APPROVAL = "approval", _("审批")
    FUNDING = "funding", _("资金")
    DEMOLITION = "demolition", _("征迁")
    UTILITIES = "utilities", _("市政配套")
    CONSTRUCTION = "construction", _("施工")
    OTHER = "other", _("其他")


class ProblemSource(models.TextChoices):
    REPORT = "report", _("月度调度")
    DIRECT = "direct", _("直接提出")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_HAND = "in_hand", _("办理中")
    RESOLVED = "resolved", _("已办结待确认")
    CLOSED = "closed", _("已销号")
    REOPENED = "reopened", _("重新办理")


# Still waiting on the responsible unit: these can run late.
ACTIVE_STATUSES = [ProblemStatus.OPEN, ProblemStatus.ACCEPTED, ProblemStatus.IN_HAND, ProblemStatus.REOPENED]
# Not closed yet (a resolved problem waits for the raiser's confirmation).
OPEN_STATUSES = [*ACTIVE_STATUSES, ProblemStatus.RESOLVED]


class EscalationLevel(models.IntegerChoices):
    UNIT = 1, _("责任单位")
    OFFICE = 2, _("区项目办")
    LEADER = 3, _("包联领导")
    MEETING = 4, _("区协调会议")
    CITY = 5, _("市级协调")


# Working days past the deadline at which an overdue problem reaches each level.
ESCALATION_AFTER_WORKING_DAYS: dict[int, int] = {
    EscalationLevel.OFFICE: 1,
    EscalationLevel.LEADER: 5,
    EscalationLevel.MEETING: 10,
    EscalationLevel.CITY: 20,
}


class ProblemAction(models.TextChoices):
    """What a person (or the daily job) did to a problem; each is one ProblemEvent."""

    RAISE = "raise", _("提出问题")
    ASSIGN = "assign", _("交办")
    ACCEPT = "accept", _("受理")
    START = "start", _("开始办理")
    PROGRESS = "progress", _("办理进展")
    RESOLVE = "resolve", _("办结")
    CLOSE = "close", _("确认销号")
    REOPEN = "reopen", _("退回重办")
    ESCALATE = "escalate", _("升级")
    ATTACH = "attach", _("上传附件")
    INSTRUCT = "instruct", _("领导批示")
    REPLY = "reply", _("批示回复")
    SUPERVISE = "supervise", _("督办")


# The status moves a unit or the raiser may make: action → (allowed from, to).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    ProblemAction.ACCEPT: ((ProblemStatus.OPEN,), ProblemStatus.ACCEPTED),
    ProblemAction.START: ((ProblemStatus.ACCEPTED, ProblemStatus.REOPENED), ProblemStatus.IN_HAND),
    ProblemAction.PROGRESS: ((ProblemStatus.ACCEPTED, ProblemStatus.IN_HAND), ProblemStatus.IN_HAND),
    ProblemAction.RESOLVE: (
        (ProblemStatus.ACCEPTED, ProblemStatus.IN_HAND, ProblemStatus.REOPENED),
        ProblemStatus.RESOLVED,
    ),
    ProblemAction.CLOSE: ((ProblemStatus.RESOLVED,), ProblemStatus.CLOSED),
    ProblemAction.REOPEN: ((ProblemStatus.RESOLVED,), ProblemStatus.REOPENED),
}
# Who may make each move: the responsible unit, or the raiser's unit (and the dispatcher).
UNIT_ACTIONS = {ProblemAction.ACCEPT, ProblemAction.START, ProblemAction.PROGRESS, ProblemAction.RESOLVE}
RAISER_ACTIONS = {ProblemAction.CLOSE, ProblemAction.REOPEN}


class AgeBucket(models.TextChoices):
    """How long a problem has been open (calendar days since it was raised)."""

    WEEK = "0-7", _("7天以内")
    MONTH = "8-30", _("8–30天")
    QUARTER = "31-90", _("31–90天")
    OLDER = "91-", _("90天以上")


class TeamRole(models.TextChoices):
    HEAD = "head", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")
    LIAISON = "liaison", _("联络员")


class InstructionStatus(models.TextChoices):
    AWAITING = "awaiting", _("待回复")
    REPLIED = "replied", _("已回复")
    CLOSED = "closed", _("已办结")


class SupervisionStatus(models.TextChoices):
    ISSUED = "issued", _("已下达待报方案")
    PLAN_SUBMITTED = "plan_submitted", _("整改方案待审核")
    PLAN_RETURNED = "plan_returned", _("整改方案退回")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已办结")


class PlanDecision(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("采纳")
    RETURNED = "returned", _("退回")


# Files a problem may carry: checked by their first bytes, not by their name.
ATTACHMENT_KINDS: dict[str, str] = FILE_KINDS
