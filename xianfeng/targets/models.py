"""Targets (目标任务), traffic-light warnings (红黄绿灯预警) and forecasts.

- ``Target``: a dated goal of the year with its owner unit, value and unit of measure. Its
  current value is either computed from the data by a definition (``definition``: a count or
  sum over projects, programme entries or reports, with filters and an as-of date — see
  :mod:`xianfeng.targets.definitions`) or reported by hand month by month (``TargetValue``).
- ``TargetValue``: one hand-reported value of a manual target for one month, with its evidence.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.lib.restrict import Action, RestrictedQuerySet
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, Leader
from xianfeng.targets.choices import Curve, Source

VALUE = {"max_digits": 18, "decimal_places": 4}

# ---------------------------------------------------------------- targets


class TargetQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> TargetQuerySet:
        """Dispatcher: all. Leader: view all. Unit users: view all targets of the district (the
        leaders' targets are public inside the government); change only their own unit's values."""
        if user.role == Role.DISPATCHER:
            return self
        if action == "view" and (
            user.role == Role.LEADER or (user.role in UNIT_ROLES and user.department_id)
        ):
            return self
        if action == "change" and user.role in UNIT_ROLES and user.department_id:
            return self.filter(owner_unit_id=user.department_id)
        return self.none()


class Target(models.Model):
    code = models.SlugField(_("目标编号"), max_length=60, unique=True)
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("目标名称"), max_length=200)
    owner_unit = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="targets"
    )
    leader = models.ForeignKey(
        Leader,
        verbose_name=_("分管领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    start_date = models.DateField(_("起算日期"))
    deadline = models.DateField(_("完成时限"))
    baseline_value = models.DecimalField(_("基数"), **VALUE, default=Decimal(0))
    target_value = models.DecimalField(_("目标值"), **VALUE)
    unit_of_measure = models.CharField(_("计量单位"), max_length=20)
    min_value = models.DecimalField(_("允许最小值"), **VALUE, null=True, blank=True)
    max_value = models.DecimalField(_("允许最大值"), **VALUE, null=True, blank=True)
    source = models.CharField(_("数据来源"), max_length=10, choices=Source.choices)
    definition = models.JSONField(_("计算口径"), default=dict, blank=True)
    curve = models.CharField(_("进度曲线"), max_length=10, choices=Curve.choices, default=Curve.LINEAR)
    curve_points = models.JSONField(_("曲线节点"), default=list, blank=True)
    at_risk_margin = models.DecimalField(
        _("风险阈值（百分点）"), max_digits=5, decimal_places=1, default=Decimal(10)
    )
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        ordering = ["year", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(target_value=0), name="target_value_not_zero"),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("start_date")), name="target_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TargetValueQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> TargetValueQuerySet:
        targets = Target.objects.restrict(user, action)
        return self.filter(target__in=targets.values("pk"))


def evidence_path(instance: TargetValue, filename: str) -> str:
    return f"targets/{instance.target_id}/{instance.year}-{instance.month:02d}/{filename}"


class TargetValue(models.Model):
    """A manual target's value as of the end of one month, with its evidence (佐证材料)."""

    target = models.ForeignKey(
        Target, verbose_name=_("目标"), on_delete=models.PROTECT, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    value = models.DecimalField(_("累计完成值"), **VALUE)
    evidence = models.TextField(_("佐证说明"), blank=True)
    evidence_file = models.FileField(_("佐证材料"), upload_to=evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    reported_at = models.DateTimeField(_("填报时间"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TargetValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标填报值")
        verbose_name_plural = _("目标填报值")
        ordering = ["target", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "year", "month"], name="target_value_month_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="target_value_month_range"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.year}-{self.month:02d}"


# ---------------------------------------------------------------- warnings (红黄绿灯)
# (warning rules and per-project, per-period signals: added by the warnings work)


# ---------------------------------------------------------------- forecasts
# (planned curves, per-project forecasts, target forecasts, back-tests: added by the forecasts work)
