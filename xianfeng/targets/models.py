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
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xianfeng.lib.restrict import Action, RestrictedQuerySet
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, Leader
from xianfeng.projects.choices import Category, Kind
from xianfeng.targets.choices import Colour, Curve, CurveShape, Source, WarningRuleKind

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


class TargetForecastQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> TargetForecastQuerySet:
        targets = Target.objects.restrict(user, "view")
        return self.filter(target__in=targets.values("pk")) if action == "view" else self.none()


class TargetForecast(models.Model):
    """The probability that a target is met by its deadline, as estimated at the end of one month
    (a Monte Carlo over the target's own history, see :mod:`xianfeng.targets.montecarlo`)."""

    target = models.ForeignKey(
        Target, verbose_name=_("目标"), on_delete=models.CASCADE, related_name="forecasts"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    probability = models.DecimalField(_("完成概率（%）"), max_digits=4, decimal_places=1)
    expected_value = models.DecimalField(_("预计完成值"), **VALUE)
    samples = models.PositiveIntegerField(_("模拟次数"))
    method = models.CharField(_("方法"), max_length=20)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = TargetForecastQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标完成概率")
        verbose_name_plural = _("目标完成概率")
        ordering = ["target", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "year", "month"], name="target_forecast_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.year}-{self.month:02d}"


# ---------------------------------------------------------------- warnings (红黄绿灯)
# Rules and per-project, per-period signals; computed by xianfeng.targets.warnings.


def _programme_scope(user: Any, action: Action, unit_path: str) -> Q | None:
    """Dispatcher and leaders: every row (view); the dispatcher also changes. Unit users: their
    own unit's rows (view). Others: none. None means every row."""
    if user.role == Role.DISPATCHER:
        return None
    if action != "view":
        return Q(pk__in=[])
    if user.role == Role.LEADER:
        return None
    if user.role in UNIT_ROLES and user.department_id:
        return Q(**{unit_path: user.department_id})
    return Q(pk__in=[])


class SettingsQuerySet(RestrictedQuerySet):
    """Rules and curves: read by the dispatcher, leaders and the admin; changed by the dispatcher
    (settings page) and the admin (Django admin)."""

    def _restrict(self, user: Any, action: Action) -> SettingsQuerySet:
        if user.role in (Role.DISPATCHER, Role.ADMIN):
            return self
        if action == "view" and user.role == Role.LEADER:
            return self
        return self.none()


class WarningRule(models.Model):
    """One traffic-light rule and its thresholds (one row per rule; defaults from a data migration).

    - start (开工): months late ≥ ``yellow_at`` → yellow; ≥ ``red_at`` → red (defaults 0 and 3:
      not started by the end of the planned month is yellow, three months or more late is red).
    - pace (投资进度): percentage points behind time progress ≥ ``yellow_at`` → yellow; more than
      ``red_at`` → red (defaults 10 and 30).
    - reporting (报送): a late report or ≥ ``yellow_at`` missing periods → yellow; ≥ ``red_at``
      consecutive missing periods → red (defaults 1 and 2).
    """

    rule = models.CharField(_("规则"), max_length=20, choices=WarningRuleKind.choices, unique=True)
    enabled = models.BooleanField(_("启用"), default=True)
    yellow_at = models.DecimalField(
        _("黄灯阈值"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal(0))]
    )
    red_at = models.DecimalField(
        _("红灯阈值"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal(0))]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(red_at__gte=F("yellow_at")),
                name="warning_rule_red_ge_yellow",
                violation_error_message=_("红灯阈值不能小于黄灯阈值"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_rule_display())

    def described(self) -> str:
        """The rule in words with its current thresholds (the stored ``note`` is written once and
        goes stale when the thresholds change; nor is it translated)."""

        def n(value: Decimal) -> str:
            return f"{Decimal(value).normalize():f}"

        words = {"yellow": n(self.yellow_at), "red": n(self.red_at)}
        if self.rule == WarningRuleKind.START:
            if self.yellow_at == 0:
                text = _("计划开工月末未开工为黄灯，逾期%(red)s个月及以上为红灯") % words
            else:
                text = _("逾期%(yellow)s个月及以上未开工为黄灯，逾期%(red)s个月及以上为红灯") % words
        elif self.rule == WarningRuleKind.PACE:
            text = _("落后时间进度%(yellow)s–%(red)s个百分点为黄灯，超过%(red)s个百分点为红灯") % words
        elif self.yellow_at <= 1:
            text = _("逾期报送或本期未报为黄灯，连续%(red)s期未报为红灯") % words
        else:
            text = _("逾期报送或连续%(yellow)s期未报为黄灯，连续%(red)s期未报为红灯") % words
        if not self.enabled:
            text = _("%(rule)s（已停用）") % {"rule": text}
        return str(text)


class ProjectSignalQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ProjectSignalQuerySet:
        scope = _programme_scope(user, action, "project__lead_unit_id")
        return self if scope is None else self.filter(scope)


class ProjectSignal(models.Model):
    """A project's traffic light for one period: the overall colour (the worst of the rules), each
    rule's colour (blank: the rule does not apply), the reasons in words and the previous period's
    colour. Written in bulk by the recomputation; never edited."""

    entry = models.ForeignKey(
        "projects.ProgrammeEntry", verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        "dispatch.ReportingPeriod",
        verbose_name=_("调度期"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    colour = models.CharField(_("预警等级"), max_length=10, choices=Colour.choices)
    start_colour = models.CharField(_("开工"), max_length=10, choices=Colour.choices, blank=True)
    pace_colour = models.CharField(_("投资进度"), max_length=10, choices=Colour.choices, blank=True)
    reporting_colour = models.CharField(_("报送"), max_length=10, choices=Colour.choices, blank=True)
    previous_colour = models.CharField(_("上期预警等级"), max_length=10, choices=Colour.choices, blank=True)
    reasons = models.JSONField(_("原因"), default=list, blank=True)
    months_late = models.SmallIntegerField(_("开工逾期月数"), null=True, blank=True)
    completion_rate = models.DecimalField(_("投资完成率（%）"), max_digits=8, decimal_places=1, null=True)
    gap = models.DecimalField(_("落后时间进度（百分点）"), max_digits=8, decimal_places=1, null=True)
    missing_periods = models.PositiveSmallIntegerField(_("连续未报期数"), default=0)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = ProjectSignalQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目预警")
        verbose_name_plural = _("项目预警")
        ordering = ["period", "entry"]
        constraints = [
            models.UniqueConstraint(fields=["period", "entry"], name="signal_period_entry_unique"),
        ]
        indexes = [
            models.Index(fields=["period", "colour"], name="signal_period_colour_idx"),
            models.Index(fields=["project", "period"], name="signal_project_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} · {self.project_id} · {self.colour}"

    @property
    def changed(self) -> bool:
        return bool(self.previous_colour) and self.previous_colour != self.colour


# ---------------------------------------------------------------- forecasts
# Planned curves, per-project forecasts, the monthly series and the back-test; computed by
# xianfeng.targets.forecasts.


class PlanCurve(models.Model):
    """How the annual plan of a project type is spread over the months (计划投资曲线).

    A project takes the most specific curve: category and kind, then kind, then category, then
    the default (both blank). Linear: the share x of the window; S-curve: a logistic curve
    1/(1+e^(−k(x−c))) rescaled to run from 0 to 1 over the window (k: steepness, c: midpoint as
    a share of the window)."""

    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices, blank=True)
    kind = models.CharField(_("建设性质"), max_length=20, choices=Kind.choices, blank=True)
    shape = models.CharField(
        _("曲线形状"), max_length=10, choices=CurveShape.choices, default=CurveShape.LINEAR
    )
    steepness = models.DecimalField(
        _("陡度 k"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(8),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal(50))],
    )
    midpoint = models.DecimalField(
        _("中点 c（窗口比例）"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("计划投资曲线")
        verbose_name_plural = _("计划投资曲线")
        ordering = ["category", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["category", "kind"], name="plan_curve_type_unique"),
        ]

    def __str__(self) -> str:
        parts = [
            str(self.get_category_display()) if self.category else "",
            str(self.get_kind_display()) if self.kind else "",
        ]
        return " · ".join(p for p in parts if p) or str(_("默认"))


class ProjectForecast(models.Model):
    """One project's planned-to-date, completed, SPI and year-end forecast as of one period."""

    entry = models.ForeignKey(
        "projects.ProgrammeEntry", verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        "dispatch.ReportingPeriod",
        verbose_name=_("调度期"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    planned_investment = models.DecimalField(_("年度计划投资（万元）"), max_digits=14, decimal_places=2)
    planned_to_date = models.DecimalField(_("序时计划投资（万元）"), max_digits=14, decimal_places=2)
    completed = models.DecimalField(_("累计完成投资（万元）"), max_digits=14, decimal_places=2)
    spi = models.DecimalField(_("进度绩效指数 SPI"), max_digits=8, decimal_places=2, null=True)
    year_end = models.DecimalField(_("年末预测（万元）"), max_digits=14, decimal_places=2)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = ProjectSignalQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目投资预测")
        verbose_name_plural = _("项目投资预测")
        ordering = ["period", "entry"]
        constraints = [
            models.UniqueConstraint(fields=["period", "entry"], name="forecast_period_entry_unique"),
        ]
        indexes = [models.Index(fields=["project", "period"], name="forecast_project_period_idx")]

    def __str__(self) -> str:
        return f"{self.period_id} · {self.project_id}"


class ScopedFigureQuerySet(RestrictedQuerySet):
    """Rows for the district (unit blank) or one unit: the dispatcher and leaders read all; a unit
    user reads their own unit's rows only."""

    def _restrict(self, user: Any, action: Action) -> ScopedFigureQuerySet:
        scope = _programme_scope(user, action, "unit_id")
        return self if scope is None else self.filter(scope)


class ForecastPoint(models.Model):
    """One month (1–12) of the investment curve as of a period, for the district or one unit:
    planned (by the curves), actual (months with reports) and forecast (the months after)."""

    period = models.ForeignKey(
        "dispatch.ReportingPeriod", verbose_name=_("调度期"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Department,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.PositiveSmallIntegerField(_("月份"))
    planned = models.DecimalField(_("计划累计（万元）"), max_digits=16, decimal_places=2)
    actual = models.DecimalField(_("实际累计（万元）"), max_digits=16, decimal_places=2, null=True)
    forecast = models.DecimalField(_("预测累计（万元）"), max_digits=16, decimal_places=2, null=True)

    objects = ScopedFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("投资曲线")
        verbose_name_plural = _("投资曲线")
        ordering = ["period", "unit", "month"]
        indexes = [models.Index(fields=["period", "unit", "month"], name="forecast_point_idx")]

    def __str__(self) -> str:
        return f"{self.period_id} · {self.unit_id or '-'} · {self.month}"


class ForecastBacktest(models.Model):
    """The forecast made at ``made_month`` (with the data up to it) of the investment completed by
    ``target_month`` (the latest month with actuals), against that actual; district or one unit."""

    year = models.PositiveSmallIntegerField(_("年度"))
    target_month = models.PositiveSmallIntegerField(_("检验月份"))
    made_month = models.PositiveSmallIntegerField(_("预测月份"))
    unit = models.ForeignKey(
        Department,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    forecast = models.DecimalField(_("预测值（万元）"), max_digits=16, decimal_places=2)
    actual = models.DecimalField(_("实际值（万元）"), max_digits=16, decimal_places=2)
    error_percent = models.DecimalField(_("误差（%）"), max_digits=8, decimal_places=1, null=True)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = ScopedFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("预测回测")
        verbose_name_plural = _("预测回测")
        ordering = ["year", "target_month", "unit", "made_month"]
        indexes = [models.Index(fields=["year", "target_month", "unit"], name="backtest_idx")]

    def __str__(self) -> str:
        return f"{self.year}-{self.target_month} @ {self.made_month}"
