from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    INDUSTRY = "industry", _("重点产业")
    URBAN_RENEWAL = "urban_renewal", _("城市更新")
    LIVELIHOOD = "livelihood", _("社会民生")
    INFRASTRUCTURE = "infrastructure", _("基础设施")


class Stage(models.TextChoices):
    PLANNING = "planning", _("谋划")
    RESERVE = "reserve", _("储备")
    CONSTRUCTION = "construction", _("在建")
    COMPLETED = "completed", _("竣工")
    OPERATING = "operating", _("投产")
    SUSPENDED = "suspended", _("停缓建")
    CANCELLED = "cancelled", _("已取消")


# The forward order of the lifecycle; suspended and cancelled stand outside it.
STAGE_ORDER: dict[str, int] = {
    Stage.PLANNING: 0,
    Stage.RESERVE: 1,
    Stage.CONSTRUCTION: 2,
    Stage.COMPLETED: 3,
    Stage.OPERATING: 4,
}
STARTED_STAGES = {Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING}


class Kind(models.TextChoices):
    NEW_START = "new_start", _("新开工")
    CONTINUING = "continuing", _("续建")
    RESERVE = "reserve", _("储备")
    STRATEGIC = "strategic", _("谋划")


# The seed's question for each kind: 新建项目抓开工、在建项目抓进度、储备项目抓落地、战略项目抓谋划.
KIND_FOCUS: dict[str, str] = {
    Kind.NEW_START: _("抓开工：计划开工月份与实际开工"),
    Kind.CONTINUING: _("抓进度：完成投资与年度计划"),
    Kind.RESERVE: _("抓落地：前期手续完成情况"),
    Kind.STRATEGIC: _("抓谋划：谋划步骤完成情况"),
}


class Level(models.TextChoices):
    PROVINCE = "province", _("省重点")
    CITY = "city", _("市重点")
    DISTRICT = "district", _("区重点")


class MilestoneKind(models.TextChoices):
    CONCEPT = "concept", _("项目策划")
    FEASIBILITY = "feasibility", _("可行性研究")
    SITE_SELECTION = "site_selection", _("选址论证")
    APPROVAL = "approval", _("立项")
    LAND = "land", _("用地")
    PLANNING_PERMIT = "planning_permit", _("规划许可")
    CONSTRUCTION_PERMIT = "construction_permit", _("施工许可")
    START = "start", _("开工")
    TOPPING_OUT = "topping_out", _("主体完工")
    COMPLETION = "completion", _("竣工")
    OPERATION = "operation", _("投产")


MILESTONE_ORDER = [m.value for m in MilestoneKind]
# Strategic projects are judged on their planning steps, reserve projects on preparatory approvals.
PLANNING_STEPS = [
    MilestoneKind.CONCEPT,
    MilestoneKind.FEASIBILITY,
    MilestoneKind.SITE_SELECTION,
    MilestoneKind.APPROVAL,
]
PREPARATORY_STEPS = [
    MilestoneKind.APPROVAL,
    MilestoneKind.LAND,
    MilestoneKind.PLANNING_PERMIT,
    MilestoneKind.CONSTRUCTION_PERMIT,
]
