"""Investment attraction (招商引资): investors, leads and their road to a landed project, follow-ups,
events that produce leads, and the foreign capital actually used.

Leads are commercially sensitive. Who sees what (``lead_scope``):

- a unit's own users see and work their unit's leads (reporters may enter new ones);
- the investment-promotion bureau (the department whose code is XF_ATTRACTION_BUREAU_CODE)
  sees and works every lead, and may enter leads for any unit;
- leaders and the project office (dispatcher) read every lead and change none;
- admin and auditor see none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.attraction.choices import (
    AmountUnit,
    EventKind,
    FollowUpKind,
    InvestorKind,
    Origin,
    Source,
    Stage,
)
from xianfeng.lib.restrict import Action, RestrictedQuerySet
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department
from xianfeng.parks.models import IndustryChain
from xianfeng.projects.models import Project

MONEY = {"max_digits": 14, "decimal_places": 2}
NOBODY = Q(pk__in=[])
POSITIVE = [MinValueValidator(Decimal("0.01"))]


def is_bureau(user: Any) -> bool:
    """Whether the user works in the investment-promotion bureau (a unit role there)."""
    if user.role not in UNIT_ROLES or not user.department_id:
        return False
    cached = getattr(user, "_xf_attraction_bureau", None)
    if cached is None:
        code = getattr(settings, "XF_ATTRACTION_BUREAU_CODE", "")
        cached = bool(code) and user.department.code == code
        user._xf_attraction_bureau = cached
    return cached


def lead_scope(user: Any, action: Action, prefix: str = "") -> Q | None:
    """Which leads ``user`` may see, change or add; None means all of them."""
    if user.role in UNIT_ROLES and user.department_id:
        if action == "add" and user.role != Role.UNIT_REPORTER:
            return NOBODY
        if is_bureau(user):
            return None
        return Q(**{f"{prefix}owner_unit_id": user.department_id})
    if user.role in {Role.DISPATCHER, Role.LEADER}:
        return None if action == "view" else NOBODY
    return NOBODY


def _apply(qs: Any, scope: Q | None) -> Any:
    return qs if scope is None else qs.filter(scope)


# ---------------------------------------------------------------- events


class EventQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> EventQuerySet:
        """Every business role sees events (they are public occasions); unit reporters add them;
        the bureau changes any, other units those they organised."""
        if user.role in {Role.DISPATCHER, Role.LEADER}:
            return self if action == "view" else self.none()
        if user.role in UNIT_ROLES and user.department_id:
            if action == "view":
                return self
            if action == "add":
                return self if user.role == Role.UNIT_REPORTER else self.none()
            return self if is_bureau(user) else self.filter(organiser_id=user.department_id)
        return self.none()


class Event(models.Model):
    """An expo, summit, overseas visit or promotion where leads are found."""

    name = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("活动类型"), max_length=20, choices=EventKind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    city = models.CharField(_("举办地"), max_length=100, blank=True)
    country = models.CharField(_("国家或地区"), max_length=50, blank=True)
    organiser = models.ForeignKey(
        Department,
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("招商活动")
        verbose_name_plural = _("招商活动")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- investors


class InvestorQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> InvestorQuerySet:
        if user.role in {Role.DISPATCHER, Role.LEADER}:
            return self if action == "view" else self.none()
        if user.role in UNIT_ROLES and user.department_id:
            if action == "add" and user.role != Role.UNIT_REPORTER:
                return self.none()
            if is_bureau(user):
                return self
            own = Q(owner_unit_id=user.department_id)
            if action != "view":
                return self.filter(own)
            leads = Lead.objects.filter(owner_unit_id=user.department_id)
            # Enterprises already in the district are shared (any unit may cite one for 以商招商).
            return self.filter(
                own
                | Q(in_district=True)
                | Q(pk__in=leads.values("investor_id"))
                | Q(pk__in=leads.values("introducer_id"))
            )
        return self.none()


class Investor(models.Model):
    """A company or person who may invest, foreign or domestic, perhaps already in the district."""

    name = models.CharField(_("投资方名称"), max_length=200)
    kind = models.CharField(_("投资方类型"), max_length=10, choices=InvestorKind.choices, default="company")
    origin = models.CharField(_("资本来源"), max_length=10, choices=Origin.choices, default=Origin.DOMESTIC)
    country = models.CharField(_("国家或地区"), max_length=50, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    in_district = models.BooleanField(
        _("区内已落户企业"), default=False, help_text=_("已在本区的企业可作为“以商招商”的引荐方")
    )
    contact = models.CharField(_("联系人及电话"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    owner_unit = models.ForeignKey(
        Department, verbose_name=_("录入单位"), on_delete=models.PROTECT, related_name="+"
    )
    # Kept by the services for the duplicate check: see attraction/names.py.
    name_norm = models.CharField(max_length=200, editable=False, default="")
    key_head = models.CharField(max_length=4, editable=False, default="", db_index=True)
    key_pinyin = models.CharField(max_length=20, editable=False, default="", db_index=True)
    key_second = models.CharField(max_length=4, editable=False, default="", db_index=True)
    # Entered although the check found this one; the bureau reviews these.
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("疑似重复"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    search_text = models.TextField(blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvestorQuerySet.as_manager()

    class Meta:
        verbose_name = _("投资方")
        verbose_name_plural = _("投资方")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_foreign(self) -> bool:
        return self.origin in {Origin.FOREIGN, Origin.HMT}


# ---------------------------------------------------------------- leads


class LeadQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> LeadQuerySet:
        return _apply(self, lead_scope(user, action))


class Lead(models.Model):
    """An investment lead (招商线索) on its way to a signed, registered and landed project."""

    name = models.CharField(_("项目名称"), max_length=200)
    investor = models.ForeignKey(
        Investor, verbose_name=_("投资方"), on_delete=models.PROTECT, related_name="leads"
    )
    source = models.CharField(_("来源类型"), max_length=20, choices=Source.choices)
    source_detail = models.CharField(_("来源说明"), max_length=200, blank=True)
    event = models.ForeignKey(
        Event,
        verbose_name=_("招商活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    introducer = models.ForeignKey(
        Investor,
        verbose_name=_("引荐企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="introduced_leads",
        help_text=_("以商招商：引荐该项目的区内企业"),
    )
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    investment_amount = models.DecimalField(_("意向投资额"), **MONEY, validators=POSITIVE)
    investment_unit = models.CharField(
        _("金额单位"), max_length=10, choices=AmountUnit.choices, default=AmountUnit.CNY_WAN
    )
    fx_rate = models.DecimalField(_("折算汇率"), max_digits=12, decimal_places=6, default=Decimal(1))
    investment_wan = models.DecimalField(_("意向投资（万元）"), **MONEY, validators=POSITIVE)
    land_mu = models.DecimalField(
        _("需求用地（亩）"), max_digits=10, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    floor_area = models.DecimalField(
        _("需求建筑面积（㎡）"), max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    expected_tax_wan = models.DecimalField(
        _("预计年税收（万元）"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    description = models.TextField(_("项目简介"), blank=True)
    owner_unit = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("招商专员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.LEAD)
    # The furthest stage reached (0 线索 … 5 落地), kept when a lead is lost: the funnel counts it.
    furthest_rank = models.PositiveSmallIntegerField(_("最远阶段"), default=0, editable=False)
    entered_on = models.DateField(_("录入日期"))
    contacting_on = models.DateField(_("接洽日期"), null=True, blank=True)
    negotiating_on = models.DateField(_("洽谈日期"), null=True, blank=True)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    signed_amount = models.DecimalField(_("签约金额"), **MONEY, null=True, blank=True, validators=POSITIVE)
    signed_unit = models.CharField(_("签约金额单位"), max_length=10, choices=AmountUnit.choices, blank=True)
    signed_wan = models.DecimalField(_("签约金额（万元）"), **MONEY, null=True, blank=True)
    registered_on = models.DateField(_("注册日期"), null=True, blank=True)
    company_name = models.CharField(_("新注册企业名称"), max_length=200, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    landed_on = models.DateField(_("落地日期"), null=True, blank=True)
    project = models.OneToOneField(
        Project,
        verbose_name=_("落地项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attraction_lead",
    )
    lost_on = models.DateField(_("流失日期"), null=True, blank=True)
    lost_from = models.CharField(_("流失前阶段"), max_length=20, choices=Stage.choices, blank=True)
    lost_reason = models.TextField(_("流失原因"), blank=True)
    stage_changed_on = models.DateField(_("进入当前阶段日期"))
    search_text = models.TextField(blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("招商线索")
        verbose_name_plural = _("招商线索")
        ordering = ["-entered_on", "-id"]
        indexes = [
            # The board: each column's newest cards, a page at a time.
            models.Index(fields=["stage", "-stage_changed_on", "-id"], name="lead_stage_recent_idx"),
            models.Index(fields=["owner_unit", "stage"], name="lead_unit_stage_idx"),
            models.Index(fields=["entered_on"], name="lead_entered_idx"),
            models.Index(fields=["signed_on"], name="lead_signed_idx"),
            models.Index(fields=["landed_on"], name="lead_landed_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(investment_wan__gt=0), name="lead_investment_positive"),
            models.CheckConstraint(
                condition=~Q(stage="landed") | Q(project__isnull=False), name="lead_landed_has_project"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_foreign(self) -> bool:
        return self.investor.is_foreign


class LeadStageChange(models.Model):
    """One move of a lead between stages: who, when, from where to where, and why."""

    lead = models.ForeignKey(Lead, verbose_name=_("线索"), on_delete=models.PROTECT, related_name="changes")
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Stage.choices)
    effective_on = models.DateField(_("日期"))
    at = models.DateTimeField(_("操作时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("线索阶段变更")
        verbose_name_plural = _("线索阶段变更")
        ordering = ["effective_on", "at", "id"]

    def __str__(self) -> str:
        return f"{self.lead}: {self.from_stage} → {self.to_stage}"


class FollowUpQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> FollowUpQuerySet:
        return _apply(self, lead_scope(user, "change" if action == "add" else action, prefix="lead__"))


class FollowUp(models.Model):
    """A visit, meeting, call or event with the investor, and the next step agreed."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("线索"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    happened_on = models.DateField(_("日期"))
    kind = models.CharField(_("方式"), max_length=10, choices=FollowUpKind.choices)
    summary = models.TextField(_("情况摘要"))
    next_step = models.CharField(_("下一步"), max_length=300, blank=True)
    next_step_on = models.DateField(_("下一步时间"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-happened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.lead} · {self.happened_on} {self.get_kind_display()}"


class ForeignCapitalQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ForeignCapitalQuerySet:
        return _apply(self, lead_scope(user, "change" if action == "add" else action, prefix="lead__"))


class ForeignCapital(models.Model):
    """Foreign capital actually used (实际使用外资) by a lead's foreign-invested company in a month."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("线索"), on_delete=models.PROTECT, related_name="foreign_capital"
    )
    period = models.DateField(_("月份"), help_text=_("该月第一天"))
    amount_usd_wan = models.DecimalField(_("实际使用外资（万美元）"), **MONEY, validators=POSITIVE)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ForeignCapitalQuerySet.as_manager()

    class Meta:
        verbose_name = _("实际使用外资")
        verbose_name_plural = _("实际使用外资")
        ordering = ["-period", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "period"], name="foreign_capital_lead_period_unique"),
            models.CheckConstraint(condition=Q(amount_usd_wan__gt=0), name="foreign_capital_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} · {self.period:%Y-%m}"
