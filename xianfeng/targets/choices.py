from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where a target's current value comes from."""

    COMPUTED = "computed", _("系统计算")
    MANUAL = "manual", _("按月填报")


class Curve(models.TextChoices):
    """How the expected progress grows from the start date to the deadline."""

    LINEAR = "linear", _("线性")
    S_CURVE = "s_curve", _("S形曲线")
    FRONT = "front", _("前快后慢")
    BACK = "back", _("前慢后快")
    CUSTOM = "custom", _("自定义节点")


class TargetStatus(models.TextChoices):
    ON_TRACK = "on_track", _("正常推进")
    AT_RISK = "at_risk", _("存在风险")
    MISSED = "missed", _("未完成")
    MET = "met", _("已完成")


# ---------------------------------------------------------------- warnings and forecasts


class Colour(models.TextChoices):
    """A traffic light (红黄绿灯); ordered by severity in ``COLOUR_RANK``."""

    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


COLOUR_RANK: dict[str, int] = {"": -1, Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


class WarningRuleKind(models.TextChoices):
    START = "start", _("开工")
    PACE = "pace", _("投资进度")
    REPORTING = "reporting", _("报送")


class CurveShape(models.TextChoices):
    """How a project's annual investment plan is spread over the months of its window."""

    LINEAR = "linear", _("线性")
    S_CURVE = "s_curve", _("S形曲线")
