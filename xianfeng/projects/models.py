from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.lib.restrict import Action, RestrictedQuerySet
from xianfeng.org.choices import PROGRAMME_READERS, UNIT_ROLES, Role
from xianfeng.org.models import Department, Leader, Region
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import Category, Kind, Level, MilestoneKind, Stage

MONEY = {"max_digits": 14, "decimal_places": 2}


def _unit_scope(user: Any, action: Action, unit_path: str) -> Q | None:
    """The filter a user's role allows for ``action``; None means every row."""
    if user.is_superuser and user.role == Role.DISPATCHER:
        return None
    if user.role == Role.DISPATCHER:
        return None
    if user.role in PROGRAMME_READERS and action == "view":
        return None
    if user.role in UNIT_ROLES and user.department_id:
        if action == "add" and user.role != Role.UNIT_REPORTER:
            return Q(pk__in=[])
        return Q(**{unit_path: user.department_id})
    return Q(pk__in=[])


class ProjectQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ProjectQuerySet:
        scope = _unit_scope(user, action, "lead_unit_id")
        return self if scope is None else self.filter(scope)

    def active(self) -> ProjectQuerySet:
        return self.filter(archived_at__isnull=True)


class Project(models.Model):
    national_code = models.CharField(_("项目代码"), max_length=24, blank=True, default="")
    internal_code = models.CharField(_("内部编号"), max_length=12, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices)
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("所属园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    street = models.ForeignKey(
        Region,
        verbose_name=_("所在街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    lead_unit = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="projects"
    )
    leader = models.ForeignKey(
        Leader,
        verbose_name=_("包联领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    owner = models.CharField(_("建设单位"), max_length=200, blank=True)
    location_text = models.CharField(_("建设地点"), max_length=200, blank=True)
    content = models.TextField(_("建设内容及规模"), blank=True)
    total_investment = models.DecimalField(
        _("总投资（万元）"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    land_area = models.DecimalField(
        _("用地面积（亩）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("3")), MaxValueValidator(Decimal("54"))],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("73")), MaxValueValidator(Decimal("136"))],
    )
    planned_start = models.DateField(_("计划开工时间"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工时间"), null=True, blank=True)
    planned_completion = models.DateField(_("计划竣工时间"), null=True, blank=True)
    actual_completion = models.DateField(_("实际竣工时间"), null=True, blank=True)
    stage = models.CharField(_("项目阶段"), max_length=20, choices=Stage.choices, default=Stage.PLANNING)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_illustrative = models.BooleanField(_("示例数据"), default=False)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    archive_reason = models.CharField(_("归档原因"), max_length=200, blank=True)
    # Name, codes, owner and the pinyin initials of the name, for search.
    search_text = models.TextField(blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        ordering = ["internal_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_code"], condition=~Q(national_code=""), name="project_national_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(total_investment__gt=0), name="project_total_investment_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["lead_unit", "stage"]),
            models.Index(fields=["category"]),
            models.Index(fields=["national_code"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The code shown to people: the national one when it exists."""
        return self.national_code or self.internal_code

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ProgrammeEntryQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ProgrammeEntryQuerySet:
        scope = _unit_scope(user, action, "project__lead_unit_id")
        return self if scope is None else self.filter(scope)


class ProgrammeEntry(models.Model):
    """A project's place in one year's programme (年度重点项目计划)."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="entries"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    kind = models.CharField(_("建设性质"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices, default=Level.DISTRICT)
    planned_investment = models.DecimalField(
        _("年度计划投资（万元）"), **MONEY, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    planned_start_month = models.PositiveSmallIntegerField(
        _("计划开工月份"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # Investment completed this year up to the end of ``invested_as_of`` (a month's last day).
    # Entered with the registry until monthly reports exist; the dispatch app keeps it current.
    invested_ytd = models.DecimalField(
        _("年度累计完成投资（万元）"), **MONEY, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    invested_as_of = models.DateField(_("完成投资截至"), null=True, blank=True)
    # Investment completed on the project before this year (截至上年底累计完成投资): the baseline of
    # the monthly reports' "since start" figure (= this + the year's reports). Entered with the
    # programme; 0 for a project that starts this year.
    invested_before = models.DecimalField(
        _("截至上年底累计完成投资（万元）"),
        **MONEY,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgrammeEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度计划")
        verbose_name_plural = _("年度计划")
        ordering = ["year", "serial", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="entry_project_year_unique"),
            models.CheckConstraint(condition=Q(planned_investment__gte=0), name="entry_planned_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["year", "kind"]),
            models.Index(fields=["year", "level"]),
            # The registry lists a year's programme in serial order, a page at a time: with this
            # index the database reads one page of entries instead of sorting the whole year.
            models.Index(fields=["year", "serial"], name="entry_year_serial_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.project}"


class MilestoneQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> MilestoneQuerySet:
        scope = _unit_scope(user, action, "project__lead_unit_id")
        return self if scope is None else self.filter(scope)


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="milestones"
    )
    kind = models.CharField(_("节点"), max_length=30, choices=MilestoneKind.choices)
    planned_date = models.DateField(_("计划日期"), null=True, blank=True)
    actual_date = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="milestone_project_kind_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}"

    @property
    def is_done(self) -> bool:
        return self.actual_date is not None


class StageTransition(models.Model):
    """One move of a project between lifecycle stages, with who, when and why."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="transitions"
    )
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Stage.choices)
    effective_date = models.DateField(_("生效日期"))
    at = models.DateTimeField(_("操作时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_stage} → {self.to_stage}"
