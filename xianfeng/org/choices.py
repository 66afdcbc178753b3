from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("调度专员")
    UNIT_REPORTER = "unit_reporter", _("单位填报员")
    UNIT_REVIEWER = "unit_reviewer", _("单位审核员")
    LEADER = "leader", _("区领导")
    ADMIN = "admin", _("系统管理员")
    AUDITOR = "auditor", _("审计管理员")


UNIT_ROLES = {Role.UNIT_REPORTER, Role.UNIT_REVIEWER}
# Roles that may read the whole programme.
PROGRAMME_READERS = {Role.DISPATCHER, Role.LEADER}


class RegionLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


class DepartmentKind(models.TextChoices):
    BUREAU = "bureau", _("区直部门")
    STREET = "street", _("街道办事处")
    COMPANY = "company", _("国有企业")
    PARK = "park", _("园区管理机构")
    OTHER = "other", _("其他")
