"""Monthly dispatch (月度调度): reporting periods, one report per programme entry and month,
its history and photos, and the reminders sent to units that are late.

- ``ReportingPeriod``: a month the project office opened for reporting, with its deadline (the
  N-th working day of the next month on China's official calendar). Open, then closed.
- ``MonthlyReport``: what a responsible unit reports for one project of the year's programme in
  one period. The unit types the investment of the month; the year-to-date and since-start
  figures are computed by the service from the earlier months and the entry's baseline
  (``ProgrammeEntry.invested_before``, 截至上年底累计完成投资), never typed twice.
  draft → submitted (clerk) → unit_approved (unit reviewer) → accepted | returned (dispatcher).
- ``ReportEvent``: every step of a report (who, when, from/to, the fields changed, the note).
- ``ReportPhoto``: a site photo (JPEG/PNG by signature, size-limited) with the time it was taken.
- ``Reminder``: one reminder (催报) sent to one unit for one period at one point; unique, so a
  restarted worker never sends it twice (the notifications app dedupes the messages as well).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from xianfeng.dispatch.choices import PeriodStatus, ReportAction, ReportStatus, StageReached
from xianfeng.lib.restrict import Action, RestrictedQuerySet
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department
from xianfeng.projects.models import ProgrammeEntry, Project

MONEY = {"max_digits": 14, "decimal_places": 2}
NOBODY = Q(pk__in=[])


def report_scope(user: Any, action: Action, unit_path: str = "project__lead_unit_id") -> Q | None:
    """Which reports (or rows hanging off a report, via ``unit_path``) ``user`` may act on.

    None means all. Dispatcher: all. Leader: view all, change none. Unit reporter: own unit's
    projects (and may add). Unit reviewer: own unit's projects, but adds none. Admin, auditor: none.
    """
    if user.role == Role.DISPATCHER:
        return None
    if user.role == Role.LEADER:
        return None if action == "view" else NOBODY
    if user.role in UNIT_ROLES and user.department_id:
        if action == "add" and user.role != Role.UNIT_REPORTER:
            return NOBODY
        return Q(**{unit_path: user.department_id})
    return NOBODY


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


# ---------------------------------------------------------------- periods


class ReportingPeriodQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ReportingPeriodQuerySet:
        if user.role == Role.DISPATCHER:
            return self
        if action == "view" and (
            user.role == Role.LEADER or (user.role in UNIT_ROLES and user.department_id)
        ):
            return self
        return self.none()

    def open(self) -> ReportingPeriodQuerySet:
        return self.filter(status=PeriodStatus.OPEN)


class ReportingPeriod(models.Model):
    """One month of reporting (调度期), opened and closed by the project office."""

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)], help_text=_("报告所属年度")
    )
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)], help_text=_("报告所属月份 1–12")
    )
    # The last day to hand reports in: the N-th working day (XF_REPORT_DEADLINE_WORKDAY) of the
    # following month on China's official calendar; a report submitted after it is late.
    deadline = models.DateField(_("报送截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    opened_at = models.DateTimeField(_("开启时间"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("开启人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关闭人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the office tells the units when opening (e.g. "请重点填报开工情况").
    note = models.CharField(_("填报说明"), max_length=500, blank=True)

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("调度期")
        verbose_name_plural = _("调度期")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_year_month_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month_range"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def key(self) -> str:
        """``YYYY-MM``: how URLs, the API, workbooks and problems name a period."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return gettext("%(year)s年%(month)s月") % {"year": self.year, "month": self.month}

    @property
    def end_date(self) -> dt.date:
        """The month's last day: the figures of this period are as of then."""
        return month_end(self.year, self.month)

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    def is_overdue(self, today: dt.date) -> bool:
        return today > self.deadline


# ---------------------------------------------------------------- reports


class MonthlyReportQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> MonthlyReportQuerySet:
        scope = report_scope(user, action)
        return self if scope is None else self.filter(scope)

    def handed_in(self) -> MonthlyReportQuerySet:
        return self.filter(
            status__in=[ReportStatus.SUBMITTED, ReportStatus.UNIT_APPROVED, ReportStatus.ACCEPTED]
        )


class MonthlyReport(models.Model):
    """One project's report for one month (one programme entry × one period).

    Foreign keys carry no index of their own where a composite index or the unique constraint
    starts with them, or where nobody looks reports up by them (the users): an import writes
    ten thousand rows, and each index is written for each row.
    """

    entry = models.ForeignKey(
        ProgrammeEntry,
        verbose_name=_("年度计划"),
        on_delete=models.PROTECT,
        related_name="reports",
        help_text=_("所报告的年度重点项目计划条目；其年度须与调度期年度一致"),
        db_index=False,
    )
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("调度期"),
        on_delete=models.PROTECT,
        related_name="reports",
        db_index=False,
    )
    # entry.project, copied so that scoping by unit and the statistics need one join less.
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="reports",
        db_index=False,
    )
    # The responsible unit the report was due from when it was created (the project's lead unit
    # then): submission and on-time rates are counted per this unit. Access follows the
    # project's *current* lead unit.
    unit = models.ForeignKey(
        Department, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    # Typed by the unit: investment completed in this month (万元). Empty on a fresh draft
    # (pre-filling never copies money); required to submit.
    invested_month = models.DecimalField(
        _("本月完成投资（万元）"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    # Computed by the service: this month plus the earlier months' reports of the same year.
    invested_ytd = models.DecimalField(_("年度累计完成投资（万元）"), **MONEY, default=Decimal(0))
    # Computed: the entry's baseline before this year (invested_before) plus invested_ytd.
    invested_since_start = models.DecimalField(_("开工以来累计完成投资（万元）"), **MONEY, default=Decimal(0))
    # 形象进度: what was built this month, in words, and as a share of the whole project.
    progress_text = models.TextField(_("形象进度"), blank=True)
    progress_percent = models.PositiveSmallIntegerField(
        _("形象进度（%）"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    workers_on_site = models.PositiveIntegerField(_("现场施工人数"), null=True, blank=True)
    # A lifecycle step reached this month (blank: none). Submitting a report that says the
    # project started sets its actual start through projects.services.project_transition.
    stage_reached = models.CharField(
        _("本月达到阶段"), max_length=20, choices=StageReached.choices, blank=True
    )
    stage_date = models.DateField(_("开工/竣工/投产日期"), null=True, blank=True)
    # 存在问题及需协调事项, as written; on submission a non-empty text raises a coordination Problem.
    problems_text = models.TextField(_("存在问题及需协调事项"), blank=True)
    problem_type = models.CharField(
        _("问题类型"), max_length=20, blank=True, help_text=_("coordination 的问题类型代码；空为“其他”")
    )
    # Required when since-start exceeds 1.5 × the project's total investment.
    explanation = models.TextField(_("超投资说明"), blank=True)
    # Required when the progress percent is lower than the previous month's.
    percent_drop_reason = models.TextField(_("形象进度下降原因"), blank=True)
    contact = models.CharField(_("联系人及电话"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=15, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(_("最近保存"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近保存人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # The latest submission (a returned report submitted again gets new values).
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Set at the first submission: handed in after the period's deadline. Kept when resubmitted.
    submitted_late = models.BooleanField(_("逾期报送"), default=False)
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("单位审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("单位审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # The dispatcher's decision (accept or return), or a unit reviewer's return.
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    # How many times the report was returned: a returned report keeps its history in events.
    times_returned = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    # Optimistic lock: a save carries the version it was loaded at; a stale one is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度调度报告")
        verbose_name_plural = _("月度调度报告")
        ordering = ["period", "entry__serial", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "period"], name="report_entry_period_unique"),
            models.CheckConstraint(
                condition=Q(invested_month__isnull=True) | Q(invested_month__gte=0),
                name="report_invested_month_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__isnull=True) | Q(progress_percent__lte=100),
                name="report_percent_range",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="report_period_status_idx"),
            models.Index(fields=["period", "unit", "status"], name="report_period_unit_idx"),
            models.Index(fields=["project", "period"], name="report_project_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.project}"

    @property
    def is_editable(self) -> bool:
        """The unit may still change it (a draft, or returned to them)."""
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)

    @property
    def is_handed_in(self) -> bool:
        return self.status in (ReportStatus.SUBMITTED, ReportStatus.UNIT_APPROVED, ReportStatus.ACCEPTED)


class ReportEventQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ReportEventQuerySet:
        if action != "view":
            return self.none()  # history is written by the services only, never edited
        scope = report_scope(user, "view", "report__project__lead_unit_id")
        return self if scope is None else self.filter(scope)


class ReportEvent(models.Model):
    """One step in a report's life: who, when, what status it moved between, what changed, why."""

    report = models.ForeignKey(
        MonthlyReport,
        verbose_name=_("报告"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # The actor's name and unit as they were then (names change, people move).
    actor_name = models.CharField(_("操作人姓名"), max_length=50)
    actor_unit = models.CharField(_("操作人单位"), max_length=100, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=ReportAction.choices)
    from_status = models.CharField(_("原状态"), max_length=15, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=15, choices=ReportStatus.choices, blank=True)
    # {field: {"label", "old", "new"}} as in the audit log, for saves and imports.
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)

    objects = ReportEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("报告记录")
        verbose_name_plural = _("报告记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["report", "at"], name="report_event_idx")]

    def __str__(self) -> str:
        return f"{self.report} · {self.get_action_display()}"


class ReportPhotoQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ReportPhotoQuerySet:
        scope = report_scope(user, action, "report__project__lead_unit_id")
        return self if scope is None else self.filter(scope)

    def visible(self) -> ReportPhotoQuerySet:
        return self.filter(removed_at__isnull=True)


def photo_path(instance: ReportPhoto, filename: str) -> str:
    # A name we choose (the checksum), never the uploader's: no path tricks, no clashes.
    extension = "jpg" if instance.content_type == "image/jpeg" else "png"
    return f"dispatch/photos/{instance.sha256[:2]}/{instance.sha256}.{extension}"


class ReportPhoto(models.Model):
    """A site photo attached to a report. Removing one hides it; the file and row are kept."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("报告"), on_delete=models.PROTECT, related_name="photos"
    )
    image = models.FileField(_("照片"), upload_to=photo_path, max_length=200)
    # Decided from the file's first bytes, not its name: image/jpeg or image/png.
    content_type = models.CharField(_("文件类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽度"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高度"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    # When the photo was taken (EXIF DateTimeOriginal, as the camera's local time); empty if unknown.
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("移除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ReportPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.sha256[:12]


class ReminderQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> ReminderQuerySet:
        if action != "view":
            return self.none()  # written only by the reminder job
        if user.role in (Role.DISPATCHER, Role.LEADER):
            return self
        if user.role in UNIT_ROLES and user.department_id:
            return self.filter(unit_id=user.department_id)
        return self.none()


class Reminder(models.Model):
    """One reminder (催报) sent to one unit for one period at one reminder point."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("调度期"), on_delete=models.PROTECT, related_name="reminders"
    )
    unit = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="dispatch_reminders"
    )
    # Which point fired: "before2" (2 working days before the deadline), "due" (on the day),
    # "after1:2024-12-09" (each working day after it; dated, so each day is its own reminder).
    point = models.CharField(_("催报节点"), max_length=40)
    sent_on = models.DateField(_("催报日期"))
    sent_at = models.DateTimeField(_("发送时间"))
    # How many reports the unit still owed then, and which projects (ids) — the message's content.
    missing = models.PositiveIntegerField(_("未报数量"))
    missing_projects = models.JSONField(_("未报项目"), default=list, blank=True)
    recipients = models.PositiveIntegerField(_("站内消息人数"), default=0)
    group_posts = models.PositiveIntegerField(_("群机器人消息数"), default=0)
    dedupe_key = models.CharField(_("去重键"), max_length=120, unique=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("催报记录")
        verbose_name_plural = _("催报记录")
        ordering = ["-sent_at", "unit__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "point"], name="reminder_once_per_point"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.unit} · {self.point_label}"

    @property
    def point_label(self) -> str:
        """The point in words: 截止前2个工作日, 截止当日, 逾期第1个工作日."""
        point = self.point.split(":")[0]
        if point.startswith("before"):
            n = int(point.removeprefix("before"))
            return ngettext("截止前%(n)s个工作日", "截止前%(n)s个工作日", n) % {"n": n}
        if point == "due":
            return gettext("截止当日")
        if point.startswith("after"):
            # An ordinal (the Nth working day late), so no plural form.
            return gettext("逾期第%(n)s个工作日") % {"n": point.removeprefix("after")}
        return self.point


# ---------------------------------------------------------------- bulletins (调度通报)
# Added by the statistics/bulletin work (issue 3, parts 7–8); written by dispatch.bulletin.


class BulletinQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> BulletinQuerySet:
        if user.role == Role.DISPATCHER:
            return self
        if user.role == Role.LEADER and action == "view":
            return self
        return self.none()  # a bulletin is the district's: units read it where it is published


def bulletin_path(instance: Bulletin, filename: str) -> str:
    return f"dispatch/bulletins/{instance.period.year}/{filename}"


class Bulletin(models.Model):
    """A dispatch bulletin (调度通报) as issued: its Word and Excel files and the figures they state,
    kept so the same issue can be downloaded again. Generating again for a period adds a revision."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("调度期"), on_delete=models.PROTECT, related_name="bulletins"
    )
    # The issue number within the year (“2024年第11期”); by default the period's month.
    number = models.PositiveSmallIntegerField(_("期号"), validators=[MinValueValidator(1)])
    # 1 for the first generation for the period, then 2, 3 … (the latest is the current one).
    revision = models.PositiveSmallIntegerField(_("版次"), default=1)
    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文单位"), max_length=100)
    issued_on = models.DateField(_("印发日期"))
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT, related_name="+"
    )
    docx = models.FileField(_("Word 文件"), upload_to=bulletin_path, max_length=200)
    xlsx = models.FileField(_("Excel 文件"), upload_to=bulletin_path, max_length=200)
    # The statistics the files state (statistics.PeriodStatistics.as_dict()), as they were then.
    figures = models.JSONField(_("统计数据"), default=dict, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("调度通报")
        verbose_name_plural = _("调度通报")
        ordering = ["-generated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "revision"], name="bulletin_period_revision_unique"),
        ]

    def __str__(self) -> str:
        return self.title
