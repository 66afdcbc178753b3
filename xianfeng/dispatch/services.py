"""Writes to the monthly dispatch. Each checks the actor's rights, keeps the report's history
(ReportEvent) and the audit log, and notifies the people the step concerns.

Who may do what:

- open, close, reopen a period: the dispatcher (区项目办);
- save and submit a report: the project's unit reporter (单位填报员) or the dispatcher;
- approve (单位审核): the unit reviewer of the project's unit (or the dispatcher);
- accept (采纳) or return with a reason: the dispatcher; a unit reviewer may return a submitted
  report to their own clerk;
- photos: whoever may save the report, while the unit may still change it.

Every save goes through one engine, :func:`reports_save`, whether it comes from the phone form
(one row), the keyboard grid (a unit's projects), the Excel round trip (thousands of rows) or the
API: all rows are checked first and written only if none has an error — nothing half-written.
The year-to-date and since-start figures are computed here from the earlier months and the
entry's baseline (``ProgrammeEntry.invested_before``), never typed. Handing a report in (or
taking it back by returning it) keeps ``ProgrammeEntry.invested_ytd`` / ``invested_as_of`` equal
to the latest handed-in report, through ``projects.services.programme_entries_record_progress``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import operator
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import get_language, gettext, ngettext

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.audit.services import (
    change_record,
    change_record_build,
    diff,
    record_create,
    record_update,
    snapshot,
)
from xianfeng.coordination.choices import ProblemSource, ProblemType
from xianfeng.coordination.models import Problem
from xianfeng.coordination.services import problem_raise
from xianfeng.dispatch.choices import (
    HANDED_IN_STATUSES,
    NO_PROBLEM_WORDS,
    PeriodStatus,
    ReportAction,
    ReportStatus,
    StageReached,
)
from xianfeng.dispatch.hooks import reports_changed
from xianfeng.dispatch.models import (
    MonthlyReport,
    Reminder,
    ReportEvent,
    ReportingPeriod,
    ReportPhoto,
    month_end,
)
from xianfeng.dispatch.selectors import CARRIED_FIELDS, previous_reports
from xianfeng.lib import clock
from xianfeng.lib.bulk import insert_rows
from xianfeng.lib.errors import ConflictError
from xianfeng.lib.workdays import add_working_days, is_working_day, working_days_between
from xianfeng.notifications.services import in_site_language, notify, notify_group
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, User
from xianfeng.projects.choices import STAGE_ORDER, STARTED_STAGES, Stage
from xianfeng.projects.models import ProgrammeEntry, Project
from xianfeng.projects.services import programme_entries_record_progress, project_transition

# What a unit types (or the API sends) for a report; everything else is computed or workflow.
REPORT_FIELDS = [
    "invested_month",
    "progress_text",
    "progress_percent",
    "workers_on_site",
    "stage_reached",
    "stage_date",
    "problems_text",
    "problem_type",
    "explanation",
    "percent_drop_reason",
    "contact",
]
COMPUTED_FIELDS = ["invested_ytd", "invested_since_start"]
TEXT_LIMITS = {
    "progress_text": 2000,
    "problems_text": 2000,
    "explanation": 2000,
    "percent_drop_reason": 1000,
    "contact": 100,
}
# Since-start investment above this share of the total investment needs an explanation.
OVERRUN_FACTOR = Decimal("1.5")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_WORKERS = 100000
SAVERS = {Role.DISPATCHER, Role.UNIT_REPORTER}
PROBLEM_SOURCE_TYPE = "dispatch.monthlyreport"
CHUNK = 5000


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _actor_unit(actor: User | None) -> str:
    if actor is None:
        return ""
    if actor.role == Role.DISPATCHER:
        return "区项目办"
    return str(actor.department) if actor.department_id else ""


def _actor_name(actor: User | None) -> str:
    return actor.get_full_name() if actor is not None else "系统"


# _actor_name and _actor_unit are stored with each ReportEvent (as written, in Chinese); the
# notifications below show the same in the language they are written in.
def _actor_name_shown(actor: User | None) -> str:
    return actor.get_full_name() if actor is not None else gettext("系统")


def _actor_unit_shown(actor: User | None) -> str:
    if actor is not None and actor.role == Role.DISPATCHER:
        return gettext("区项目办")
    return _actor_unit(actor)


def _day_words(day: dt.date, *, year: bool = False) -> str:
    """A date in a sentence: 12月10日 / 2024年12月10日 in Chinese, the translated format otherwise."""
    # Translators: Django date formats (django.utils.dateformat), e.g. "M j, Y" and "M j".
    return dateformat.format(day, gettext("Y年m月d日") if year else gettext("m月d日"))


def _names_text(names: Sequence[str], count: int, shown: int) -> str:
    """The first ``shown`` names, and "等 N 个项目" when there are more."""
    text = gettext("、").join(names[:shown])
    if count > shown:
        text += ngettext("等 %(n)s 个项目", "等 %(n)s 个项目", count) % {"n": count}
    return text


# ---------------------------------------------------------------- periods


def period_deadline(year: int, month: int, workday: int | None = None) -> dt.date:
    """The N-th working day of the month after ``year``-``month`` (N from XF_REPORT_DEADLINE_WORKDAY)."""
    n = workday if workday is not None else settings.XF_REPORT_DEADLINE_WORKDAY
    return add_working_days(month_end(year, month), n)


def _ensure_dispatcher(actor: User, message: str) -> None:
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(message)


@transaction.atomic
def period_open(
    *, actor: User, year: int, month: int, note: str = "", request_id: str = ""
) -> ReportingPeriod:
    """Open ``year``-``month`` for reporting. A month opens once; a closed one is reopened with
    :func:`period_reopen`."""
    _ensure_dispatcher(actor, gettext("只有调度专员可以开启调度期"))
    today = clock.today()
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": gettext("年度 %(year)s 超出范围（2000–2100）") % {"year": year}})
    if not 1 <= int(month) <= 12:
        raise ValidationError({"month": gettext("月份应为 1–12，收到 %(month)s") % {"month": month}})
    if (int(year), int(month)) > (today.year, today.month):
        raise ValidationError(
            {
                "month": gettext("%(year)s年%(month)s月还没有到，不能开启（今天是 %(today)s）")
                % {"year": year, "month": month, "today": f"{today:%Y-%m-%d}"}
            }
        )
    existing = ReportingPeriod.objects.filter(year=year, month=month).first()
    if existing is not None:
        if existing.is_open:
            message = gettext("%(label)s的调度期已开启")
        else:
            message = gettext("%(label)s的调度期已关闭，如需补报请重新开启")
        raise ValidationError({"month": message % {"label": existing.label}})
    if not ProgrammeEntry.objects.filter(year=year).exists():
        raise ValidationError(
            {"year": gettext("%(year)s年度还没有重点项目计划，不能开启调度期") % {"year": year}}
        )
    period = ReportingPeriod.objects.create(
        year=year,
        month=month,
        deadline=period_deadline(int(year), int(month)),
        status=PeriodStatus.OPEN,
        opened_at=clock.now(),
        opened_by=actor,
        note=(note or "").strip()[:500],
    )
    record_create(actor=actor, instance=period, request_id=request_id)
    _notify_period_opened(period, actor)
    return period


def _notify_period_opened(period: ReportingPeriod, actor: User) -> None:
    unit_ids = set(
        ProgrammeEntry.objects.filter(year=period.year, project__archived_at__isnull=True).values_list(
            "project__lead_unit_id", flat=True
        )
    )
    users = User.objects.filter(department_id__in=unit_ids, role=Role.UNIT_REPORTER, is_active=True).order_by(
        "id"
    )
    with in_site_language():
        body = gettext("请于 %(deadline)s前报送%(label)s重点项目月度调度情况。") % {
            "deadline": _day_words(period.deadline, year=True),
            "label": period.label,
        }
        title = gettext("%(label)s月度调度已开启，截止 %(deadline)s") % {
            "label": period.label,
            "deadline": _day_words(period.deadline),
        }
    if period.note:
        body += f"\n{period.note}"
    notify(
        recipients=users,
        event="dispatch.period_opened",
        title=title,
        body=body,
        link=reverse("dispatch:my_unit") + f"?period={period.key}",
        dedupe_key=f"period:{period.key}:opened",
        actor=actor,
        obj=period,
    )


@transaction.atomic
def period_close(*, actor: User, period: ReportingPeriod, request_id: str = "") -> ReportingPeriod:
    """Close a period: no report of it can be saved, submitted or returned any more."""
    _ensure_dispatcher(actor, gettext("只有调度专员可以关闭调度期"))
    current = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if not current.is_open:
        raise ValidationError({"status": gettext("%(label)s的调度期已关闭") % {"label": current.label}})
    before = snapshot(current)
    current.status = PeriodStatus.CLOSED
    current.closed_at = clock.now()
    current.closed_by = actor
    current.save()
    record_update(actor=actor, instance=current, before=before, request_id=request_id)
    return current


@transaction.atomic
def period_reopen(
    *, actor: User, period: ReportingPeriod, reason: str, request_id: str = ""
) -> ReportingPeriod:
    """Open a closed period again (补报, corrections); the reason is kept in the audit log."""
    _ensure_dispatcher(actor, gettext("只有调度专员可以重新开启调度期"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("重新开启调度期须说明原因")})
    current = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if current.is_open:
        raise ValidationError({"status": gettext("%(label)s的调度期未关闭") % {"label": current.label}})
    before = snapshot(current)
    current.status = PeriodStatus.OPEN
    current.closed_at = None
    current.closed_by = None
    current.save()
    record_update(actor=actor, instance=current, before=before, reason=reason, request_id=request_id)
    return current


# ---------------------------------------------------------------- the save engine


@dataclass
class RowInput:
    """One report to save: the entry (with its project loaded), the values typed, and the
    version the form or file was prepared from (0: there was no report yet; None: don't check)."""

    entry: ProgrammeEntry
    values: dict[str, Any]
    expected_version: int | None = None
    key: Any = None  # the caller's name for the row (an Excel row number, an entry id)


class RowOutcome:
    """What became of one row: its errors and warnings by field, the changes, the report."""

    # A plain class with slots: a workbook import makes ten thousand of these.
    __slots__ = (
        "before",
        "changes",
        "conflict",
        "created",
        "entry",
        "errors",
        "key",
        "report",
        "submitted",
        "unchanged",
        "warnings",
    )

    def __init__(self, key: Any, entry: Any) -> None:
        self.key, self.entry = key, entry
        self.report: Any = None
        self.errors: dict[str, list[str]] = {}
        self.warnings: dict[str, list[str]] = {}
        self.changes: dict[str, Any] = {}
        self.before: dict[str, Any] = {}
        self.created = self.unchanged = self.submitted = self.conflict = False

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def warn(self, name: str, message: str) -> None:
        self.warnings.setdefault(name, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class SaveResult:
    period: ReportingPeriod
    outcomes: list[RowOutcome]
    applied: bool = False
    request_id: str = ""
    problems_raised: int = 0
    transitions: int = 0
    general_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.general_errors and all(o.ok for o in self.outcomes)

    @property
    def errors(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.errors]

    @property
    def created(self) -> int:
        return sum(1 for o in self.outcomes if o.created and o.ok)

    @property
    def updated(self) -> int:
        return sum(1 for o in self.outcomes if not o.created and not o.unchanged and o.ok)

    @property
    def unchanged(self) -> int:
        return sum(1 for o in self.outcomes if o.unchanged)

    @property
    def submitted(self) -> int:
        return sum(1 for o in self.outcomes if o.submitted)

    @property
    def warning_count(self) -> int:
        return sum(1 for o in self.outcomes if o.warnings)


class Rollback(Exception):
    """Raised inside a transaction to undo it: the checks found errors, or it was a dry run."""


def field_label(name: str) -> str:
    try:
        return str(MonthlyReport._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _clean_values(values: dict[str, Any], outcome: RowOutcome) -> dict[str, Any]:
    """Normalise typed values (already parsed to Python types by the form/file/API layer)."""
    unknown = set(values) - set(REPORT_FIELDS)
    if unknown:
        outcome.error(
            "__all__", gettext("月报没有字段：%(fields)s") % {"fields": gettext("、").join(sorted(unknown))}
        )
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in REPORT_FIELDS:
            continue
        if name in TEXT_LIMITS:
            text = " ".join(str(value or "").split()) if name == "contact" else str(value or "").strip()
            if len(text) > TEXT_LIMITS[name]:
                outcome.error(
                    name,
                    gettext("%(field)s不能超过 %(limit)s 个字（现为 %(length)s 个）")
                    % {"field": field_label(name), "limit": TEXT_LIMITS[name], "length": len(text)},
                )
            cleaned[name] = text
        elif name in {"stage_reached", "problem_type"}:
            cleaned[name] = (value or "").strip() if isinstance(value, str) else (value or "")
        else:
            cleaned[name] = value
    return cleaned


def _validate(
    report: MonthlyReport,
    outcome: RowOutcome,
    *,
    entry: ProgrammeEntry,
    earlier_sum: Decimal,
    previous: Any,
    submit: bool,
    today: dt.date,
) -> None:
    """The report's rules: errors block saving, warnings are shown (in amber) and allow it.
    Sets the computed year-to-date and since-start figures."""
    project = entry.project
    amount = report.invested_month
    if amount is not None:
        if not isinstance(amount, Decimal):
            outcome.error("invested_month", gettext("本月完成投资应为数字（万元）"))
            amount = None
        elif amount < 0:
            outcome.error(
                "invested_month",
                gettext("本月完成投资不能为负数（填写的是 %(amount)s）") % {"amount": amount},
            )
        elif amount > MAX_AMOUNT:
            outcome.error("invested_month", gettext("本月完成投资数额过大"))
        elif amount != amount.quantize(Decimal("0.01")):
            outcome.error("invested_month", gettext("本月完成投资最多保留两位小数（万元）"))
    elif submit:
        outcome.error("invested_month", gettext("提交前须填写本月完成投资（没有投资请填 0）"))
    ytd = earlier_sum + (amount if amount is not None and amount >= 0 else Decimal(0))
    report.invested_ytd = ytd
    report.invested_since_start = (entry.invested_before or Decimal(0)) + ytd
    total = project.total_investment or Decimal(0)
    if total and report.invested_since_start > total * OVERRUN_FACTOR:
        share = report.invested_since_start / total * 100
        if not (report.explanation or "").strip():
            outcome.error(
                "explanation",
                gettext(
                    "开工以来累计完成投资 %(since)s 万元，超过总投资 %(total)s 万元的 1.5 倍（%(share)s%%），"
                    "请填写超投资说明（如总投资已调整，请同时联系项目办更新）"
                )
                % {
                    "since": f"{report.invested_since_start:,.2f}",
                    "total": f"{total:,.2f}",
                    "share": f"{share:.0f}",
                },
            )
        else:
            outcome.warn(
                "explanation",
                gettext("开工以来累计完成投资为总投资的 %(share)s%%，已填写说明") % {"share": f"{share:.0f}"},
            )
    elif total and report.invested_since_start > total:
        outcome.warn(
            "invested_month",
            gettext("开工以来累计完成投资 %(since)s 万元已超过总投资 %(total)s 万元")
            % {"since": f"{report.invested_since_start:,.2f}", "total": f"{total:,.2f}"},
        )
    plan = entry.planned_investment or Decimal(0)
    if amount is not None and amount > 0:
        if plan and ytd > plan:
            outcome.warn(
                "invested_month",
                gettext("年度累计完成投资 %(ytd)s 万元超过年度计划投资 %(plan)s 万元（%(share)s%%）")
                % {"ytd": f"{ytd:,.2f}", "plan": f"{plan:,.2f}", "share": f"{ytd / plan * 100:.0f}"},
            )
        if plan and amount > plan * Decimal("0.5") and amount > 1000:
            outcome.warn(
                "invested_month",
                gettext("本月完成投资 %(amount)s 万元超过年度计划的一半，请核实单位（万元）")
                % {"amount": f"{amount:,.2f}"},
            )
        if project.stage not in STARTED_STAGES and not report.stage_reached and amount > 0:
            outcome.warn(
                "invested_month",
                gettext("项目尚未开工，本月却有完成投资：如已开工请填写“本月达到阶段”和开工日期"),
            )
    percent = report.progress_percent
    if percent is not None:
        if not isinstance(percent, int) or isinstance(percent, bool):
            outcome.error("progress_percent", gettext("形象进度百分比应为 0–100 的整数"))
        elif not 0 <= percent <= 100:
            outcome.error(
                "progress_percent",
                gettext("形象进度百分比应在 0–100 之间，填写的是 %(percent)s") % {"percent": percent},
            )
        elif (
            previous is not None
            and previous.progress_percent is not None
            and percent < previous.progress_percent
        ):
            if not (report.percent_drop_reason or report.explanation or "").strip():
                outcome.error(
                    "percent_drop_reason",
                    gettext("形象进度由上月的 %(before)s%% 降为 %(now)s%%，请填写下降原因")
                    % {"before": previous.progress_percent, "now": percent},
                )
            else:
                outcome.warn(
                    "progress_percent",
                    gettext("形象进度由上月的 %(before)s%% 降为 %(now)s%%（已说明原因）")
                    % {"before": previous.progress_percent, "now": percent},
                )
    workers = report.workers_on_site
    if workers is not None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
            outcome.error("workers_on_site", gettext("现场施工人数应为不小于 0 的整数"))
        elif workers > MAX_WORKERS:
            outcome.error(
                "workers_on_site",
                gettext("现场施工人数 %(workers)s 超出合理范围（≤ %(max)s）")
                % {"workers": workers, "max": MAX_WORKERS},
            )
    _validate_stage(report, outcome, project=project, today=today)
    if report.problem_type and report.problem_type not in ProblemType.values:
        labels = gettext("、").join(str(t.label) for t in ProblemType)
        outcome.error(
            "problem_type",
            gettext("未知的问题类型“%(type)s”，可选：%(labels)s")
            % {"type": report.problem_type, "labels": labels},
        )
    if submit and not (report.progress_text or "").strip():
        outcome.error("progress_text", gettext("提交前须填写形象进度（本月建设内容）"))


def _validate_stage(report: MonthlyReport, outcome: RowOutcome, *, project: Any, today: dt.date) -> None:
    stage = report.stage_reached
    if not stage:
        if report.stage_date is not None:
            outcome.error("stage_reached", gettext("填写了开工/竣工/投产日期，请同时选择本月达到的阶段"))
        return
    if stage not in StageReached.values:
        outcome.error(
            "stage_reached", gettext("未知的阶段“%(stage)s”，可选：已开工、已竣工、已投产") % {"stage": stage}
        )
        return
    label = StageReached(stage).label
    day = report.stage_date
    if day is None:
        outcome.error("stage_date", gettext("选择了“%(stage)s”，请填写日期") % {"stage": label})
        return
    if not isinstance(day, dt.date):
        outcome.error("stage_date", gettext("日期格式应为 YYYY-MM-DD"))
        return
    if day > today:
        outcome.error(
            "stage_date",
            gettext("%(stage)s日期 %(day)s 不能晚于今天（%(today)s）")
            % {"stage": label, "day": f"{day:%Y-%m-%d}", "today": f"{today:%Y-%m-%d}"},
        )
        return
    if day.year < 1990:
        outcome.error(
            "stage_date", gettext("%(stage)s日期 %(day)s 不合理") % {"stage": label, "day": f"{day:%Y-%m-%d}"}
        )
        return
    current = project.stage
    if current == stage:
        recorded = project.actual_start if stage == Stage.CONSTRUCTION else project.actual_completion
        if stage in (Stage.CONSTRUCTION, Stage.COMPLETED) and recorded and recorded != day:
            outcome.warn(
                "stage_date",
                gettext(
                    "项目已登记%(stage)s，日期为 %(recorded)s；本次填写 %(day)s 不会改动登记，"
                    "如需更正请联系项目办"
                )
                % {"stage": label, "recorded": f"{recorded:%Y-%m-%d}", "day": f"{day:%Y-%m-%d}"},
            )
        return
    if current in STAGE_ORDER and STAGE_ORDER[current] > STAGE_ORDER[stage]:
        outcome.warn(
            "stage_reached",
            gettext("项目已处于“%(current)s”阶段，“%(stage)s”不会改动项目阶段")
            % {"current": project.get_stage_display(), "stage": label},
        )
        return
    if current == Stage.CANCELLED:
        outcome.error("stage_reached", gettext("项目已取消，不能报告开工、竣工或投产"))
        return
    if stage == Stage.COMPLETED and not project.actual_start:
        outcome.error("stage_reached", gettext("项目尚未登记开工，不能直接报告竣工；请先报告开工"))
    elif stage == Stage.COMPLETED and day <= project.actual_start:
        outcome.error(
            "stage_date",
            gettext("竣工日期须晚于开工日期 %(start)s") % {"start": f"{project.actual_start:%Y-%m-%d}"},
        )
    elif stage == Stage.OPERATING and not project.actual_completion:
        outcome.error("stage_reached", gettext("项目尚未登记竣工，不能直接报告投产；请先报告竣工"))
    elif stage == Stage.OPERATING and day < project.actual_completion:
        outcome.error(
            "stage_date",
            gettext("投产日期不能早于竣工日期 %(completion)s")
            % {"completion": f"{project.actual_completion:%Y-%m-%d}"},
        )


def _stage_step_needed(report: MonthlyReport, project: Any) -> bool:
    """Does submitting this report move the project (and so call project_transition)?"""
    stage = report.stage_reached
    if not stage or project.stage == stage or project.stage == Stage.CANCELLED:
        return False
    return not (project.stage in STAGE_ORDER and STAGE_ORDER[project.stage] > STAGE_ORDER[stage])


def _has_problem(report: MonthlyReport) -> bool:
    text = (report.problems_text or "").strip()
    return text not in NO_PROBLEM_WORDS and len(text) >= 2


TRACKED = [*REPORT_FIELDS, *COMPUTED_FIELDS, "status"]


def _plain(value: Any) -> Any:
    """A value as the audit log writes it (as audit.services.snapshot does)."""
    if value is None or type(value) is str or type(value) is int:
        return value
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _report_snapshot(report: Any) -> dict[str, Any]:
    return {name: _plain(getattr(report, name)) for name in TRACKED}


@functools.lru_cache(maxsize=8)
def _tracked_labels(language: str | None) -> dict[str, str]:
    # Schema, not business data: the same in every process, so caching it is safe.
    return {name: str(MonthlyReport._meta.get_field(name).verbose_name) for name in TRACKED}


def _diff(
    before: dict[str, Any], after: dict[str, Any], labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """{field: {label, old, new}} as in the audit log, over the report's tracked fields."""
    labels = labels or _tracked_labels(get_language())
    return {
        name: {"label": labels[name], "old": before.get(name), "new": after.get(name)}
        for name in TRACKED
        if before.get(name) != after.get(name)
    }


_INSERT_ATTNAMES = [f.attname for f in MonthlyReport._meta.concrete_fields if not f.primary_key]
_insert_values = operator.attrgetter(*_INSERT_ATTNAMES)


class _Draft:
    """A report about to be created. The bulk path makes thousands of them, so they are plain
    objects, not model instances; they carry the model's attribute names, so the rules read
    them as they read a MonthlyReport."""

    def __init__(self, entry: ProgrammeEntry, period: ReportingPeriod, previous: Any) -> None:
        project = entry.project
        self.pk = self.id = None
        self.entry, self.period, self.project = entry, period, project
        self.entry_id, self.period_id, self.project_id = entry.pk, period.pk, project.pk
        self.unit_id = project.lead_unit_id
        self.invested_month = None
        self.invested_ytd = self.invested_since_start = Decimal(0)
        self.progress_text = ""
        self.progress_percent = None
        self.workers_on_site = None
        self.stage_reached = ""
        self.stage_date = None
        self.problems_text = self.problem_type = self.explanation = self.percent_drop_reason = ""
        self.contact = ""
        self.status = ReportStatus.DRAFT.value
        self.created_at = self.updated_at = self.submitted_at = self.first_submitted_at = None
        self.approved_at = self.reviewed_at = None
        self.created_by_id = self.updated_by_id = self.submitted_by_id = None
        self.approved_by_id = self.reviewed_by_id = None
        self.submitted_late = False
        self.return_reason = ""
        self.times_returned = 0
        self.version = 1
        if previous is not None:
            for name in CARRIED_FIELDS:
                setattr(self, name, getattr(previous, name))
        if not self.contact:
            contact = " ".join(part for part in [project.contact_name, project.contact_phone] if part)
            self.contact = contact[:100]

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)

    def insert_row(self) -> tuple[Any, ...]:
        return _insert_values(self)


@dataclass
class _Context:
    """What the engine reads once for all rows of a save."""

    existing: dict[int, MonthlyReport]
    earlier_sums: dict[int, Decimal]
    previous: dict[int, Any]
    allowed: set[int]


# Above this many rows, read by the rows' units rather than by a list of ids: an IN list of
# thousands of ids costs more to build than reading a unit's rows costs the database.
BROAD = 200


def _by_entries(qs: Any, entry_ids: list[int], units: set[int], path: str = "entry_id") -> list[Any]:
    """``qs`` narrowed to ``entry_ids``: by id for a few rows, by unit (then filtered) for many."""
    if len(entry_ids) <= BROAD:
        return [qs.filter(**{f"{path}__in": entry_ids})]
    unit_path = "project__lead_unit_id" if path == "entry_id" else path.replace("pk", "project__lead_unit_id")
    return [qs.filter(**{f"{unit_path}__in": sorted(units)})]


def _load_context(*, actor: User, period: ReportingPeriod, entry_ids: list[int], units: set[int]) -> _Context:
    earlier = list(ReportingPeriod.objects.filter(year=period.year, month__lt=period.month).order_by("month"))
    earlier_ids = [p.pk for p in earlier]
    wanted = set(entry_ids)
    existing: dict[int, MonthlyReport] = {}
    sums: dict[int, Decimal] = {}
    for qs in _by_entries(
        MonthlyReport.objects.select_for_update(of=("self",)).filter(period=period).order_by(),
        entry_ids,
        units,
    ):
        for report in qs:
            if report.entry_id in wanted:
                existing[report.entry_id] = report
    if earlier_ids:
        base = MonthlyReport.objects.filter(period_id__in=earlier_ids)
        for qs in _by_entries(base, entry_ids, units):
            rows = (
                qs.values("entry_id").annotate(total=Sum("invested_month")).values_list("entry_id", "total")
            )
            sums.update(
                {entry_id: total or Decimal(0) for entry_id, total in rows.order_by() if entry_id in wanted}
            )
    allowed: set[int] = set()
    if actor.role == Role.DISPATCHER:
        allowed = wanted  # the project office may fill any project's report
    else:
        scoped = ProgrammeEntry.objects.restrict(actor, "change").filter(year=period.year)
        for qs in _by_entries(scoped, entry_ids, units, path="pk"):
            allowed.update(pk for pk in qs.values_list("pk", flat=True) if pk in wanted)
    previous = previous_reports(entry_ids, earlier, units=units if len(entry_ids) > BROAD else None)
    return _Context(existing=existing, earlier_sums=sums, previous=previous, allowed=allowed)


def reports_save(
    *,
    actor: User,
    period: ReportingPeriod,
    rows: Sequence[RowInput],
    submit: bool = False,
    source: str = ReportAction.SAVE,
    dry_run: bool = False,
    request_id: str = "",
    note: str = "",
) -> SaveResult:
    """Check every row, then — if none has an error and not ``dry_run`` — write them all in one
    transaction (and, with ``submit``, hand them in). Returns per-row errors, warnings, changes.

    Raises PermissionDenied when the actor's role may not fill reports at all; rows outside the
    actor's unit, outside the period's year, or already handed in come back as row errors.
    """
    if actor.role not in SAVERS:
        raise PermissionDenied(gettext("只有单位填报员或调度专员可以填报月度调度"))
    request_id = request_id or f"dispatch-{uuid.uuid4().hex[:12]}"
    result = SaveResult(period=period, outcomes=[], request_id=request_id)
    try:
        with transaction.atomic():
            current = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
            if not current.is_open:
                result.general_errors.append(
                    gettext("%(label)s的调度期已关闭，不能再填报或修改；如需补报请联系项目办")
                    % {"label": current.label}
                )
                raise Rollback
            result.period = current
            _plan(actor=actor, period=current, rows=rows, submit=submit, result=result)
            if not result.ok or dry_run:
                raise Rollback
            changed = _apply(
                actor=actor, period=current, result=result, submit=submit, source=source, note=note
            )
            result.applied = True
            # After the commit, the apps that derive figures from the reports (the warnings and
            # forecasts) hear of the entries whose reports now count differently.
            reports_changed(period=current, entry_ids=changed)
    except Rollback:
        result.applied = False
    return result


def _conflict_message(project: Any, existing: MonthlyReport | None) -> str:
    if existing is not None and existing.updated_by_id:
        who = User.objects.filter(pk=existing.updated_by_id).first()
        if who is not None:
            return gettext(
                "项目“%(project)s”的本月报告已被他人修改（%(name)s 于 %(at)s 保存），"
                "您的修改未保存；请刷新后重新填写"
            ) % {
                "project": project.name,
                "name": who.get_full_name(),
                "at": f"{timezone.localtime(existing.updated_at):%m-%d %H:%M}",
            }
    return gettext("项目“%(project)s”的本月报告已被他人修改，您的修改未保存；请刷新后重新填写") % {
        "project": project.name
    }


def _plan(
    *, actor: User, period: ReportingPeriod, rows: Sequence[RowInput], submit: bool, result: SaveResult
) -> None:
    today = clock.today()
    seen: dict[int, Any] = {}
    entry_ids = [row.entry.pk for row in rows]
    units = {row.entry.project.lead_unit_id for row in rows}
    context = _load_context(actor=actor, period=period, entry_ids=entry_ids, units=units)
    labels = _tracked_labels(get_language())
    for row in rows:
        entry = row.entry
        outcome = RowOutcome(key=row.key, entry=entry)
        result.outcomes.append(outcome)
        project = entry.project
        if entry.pk in seen:
            outcome.error(
                "__all__",
                gettext("项目“%(project)s”重复出现（另见 %(other)s），每个项目每月只能有一份报告")
                % {"project": project.name, "other": seen[entry.pk]},
            )
            continue
        seen[entry.pk] = row.key if row.key is not None else project.name
        if entry.year != period.year:
            outcome.error(
                "__all__",
                gettext("项目“%(project)s”不在%(year)s年度重点项目计划中，不能填报%(label)s调度")
                % {"project": project.name, "year": period.year, "label": period.label},
            )
            continue
        if entry.pk not in context.allowed:
            outcome.error(
                "__all__",
                gettext("项目“%(project)s”的责任单位是“%(unit)s”，不属于您的单位，不能填报")
                % {"project": project.name, "unit": project.lead_unit},
            )
            continue
        if project.archived_at is not None:
            outcome.error(
                "__all__", gettext("项目“%(project)s”已归档，不再填报月度调度") % {"project": project.name}
            )
            continue
        values = _clean_values(row.values, outcome)
        existing = context.existing.get(entry.pk)
        report: Any
        if existing is not None:
            report = existing
            before = _report_snapshot(existing)
        else:
            report = _Draft(entry, period, context.previous.get(entry.pk))
            before = {}
            outcome.created = True
        for name, value in values.items():
            setattr(report, name, value)
        _validate(
            report,
            outcome,
            entry=entry,
            earlier_sum=context.earlier_sums.get(entry.pk, Decimal(0)),
            previous=context.previous.get(entry.pk),
            submit=submit,
            today=today,
        )
        if existing is None:
            # A new report: every field that has a value is a change (from nothing).
            changes = {}
            for name in TRACKED:
                value = getattr(report, name)
                if value is not None and value != "":
                    changes[name] = {"label": labels[name], "old": None, "new": _plain(value)}
        else:
            changes = _diff(before, _report_snapshot(report), labels)
        outcome.changes, outcome.before = changes, before
        outcome.report = report
        if existing is not None and not existing.is_editable:
            if not changes:
                outcome.unchanged = True  # nothing to write; the handed-in report stands as it is
                outcome.errors.clear()
                outcome.warnings.clear()
                continue
            outcome.error(
                "__all__",
                gettext(
                    "项目“%(project)s”的%(label)s报告%(status)s，不能再修改；如需更正，请审核人退回后再改"
                )
                % {"project": project.name, "label": period.label, "status": existing.get_status_display()},
            )
            continue
        # A stale version matters only when the row would change something (a re-upload of
        # the same figures is not a conflict).
        if row.expected_version is not None and (changes or submit):
            stored = existing.version if existing is not None else 0
            if stored != row.expected_version:
                outcome.conflict = True
                outcome.errors.clear()
                outcome.error("__all__", _conflict_message(project, existing))
                continue
        if existing is not None and not changes and not submit:
            outcome.unchanged = True
        if submit and outcome.ok:
            outcome.submitted = True


def _apply(
    *, actor: User, period: ReportingPeriod, result: SaveResult, submit: bool, source: str, note: str
) -> list[int]:
    """Write the checked rows; returns the entries whose handed-in figures may have changed (a
    report handed in, or a month's investment changed, which moves the later months' year-to-date)."""
    now = clock.now()
    today = clock.today()
    new_reports: list[_Draft] = []
    changed_reports: list[MonthlyReport] = []
    work = [o for o in result.outcomes if o.report is not None and not (o.unchanged and not o.submitted)]
    labels = _tracked_labels(get_language())
    for outcome in work:
        report = outcome.report
        assert report is not None
        if outcome.submitted:
            old_status = report.status
            report.status = ReportStatus.SUBMITTED.value
            if old_status != report.status:
                outcome.changes["status"] = {
                    "label": labels["status"],
                    "old": outcome.before.get("status"),
                    "new": report.status,
                }
            report.submitted_at, report.submitted_by_id = now, actor.pk
            if report.first_submitted_at is None:
                report.first_submitted_at = now
                report.submitted_late = today > period.deadline
        report.updated_at, report.updated_by_id = now, actor.pk
        if outcome.created:
            report.created_at, report.created_by_id = now, actor.pk
            report.version = 1
            new_reports.append(report)
        else:
            report.version += 1
            changed_reports.append(report)
    ids = insert_rows(
        MonthlyReport, _INSERT_ATTNAMES, [draft.insert_row() for draft in new_reports], returning=True
    )
    for draft, pk in zip(new_reports, ids, strict=True):
        draft.pk = draft.id = pk
    _update_reports(changed_reports)
    _history(
        actor=actor,
        period=period,
        outcomes=work,
        source=source,
        note=note,
        request_id=result.request_id,
        at=now,
    )
    money_changed = [o.report for o in work if o.report is not None and "invested_month" in o.changes]
    later_entries = _recompute_later(period, money_changed)
    if submit:
        _after_hand_in(actor=actor, period=period, outcomes=[o for o in work if o.submitted], result=result)
    # The registry's year-to-date follows the latest handed-in report. Usually that is the one
    # just submitted; when a later month exists for the entry, it is looked up.
    known: dict[int, tuple[Decimal, dt.date]] = {}
    lookup: list[ProgrammeEntry] = []
    entries: dict[int, ProgrammeEntry] = {}
    for outcome in work:
        report = outcome.report
        assert report is not None
        entry_id = outcome.entry.pk
        if entry_id in later_entries:
            if outcome.submitted or "invested_month" in outcome.changes:
                lookup.append(outcome.entry)
        elif outcome.submitted:
            known[entry_id] = (report.invested_ytd, period.end_date)
            entries[entry_id] = outcome.entry
    _sync_entries(
        actor=actor,
        year=period.year,
        entries=[*entries.values(), *lookup],
        known=known,
        request_id=result.request_id,
    )
    return [o.entry.pk for o in work if o.submitted or "invested_month" in o.changes]


def _history(
    *,
    actor: User,
    period: ReportingPeriod,
    outcomes: list[RowOutcome],
    source: str,
    note: str,
    request_id: str,
    at: dt.datetime,
) -> None:
    """One ReportEvent (the report's history) and one audit record per written report, each
    batch inserted with one statement per few thousand rows."""
    events: list[tuple[Any, ...]] = []
    records: list[tuple[Any, ...]] = []
    unit_label, name = _actor_unit(actor), _actor_name(actor)
    audit_name = actor.get_full_name() or actor.username
    object_type = MonthlyReport._meta.label
    action_labels = {a.value: str(a.label) for a in ReportAction}
    source, submit_action, create_action = str(source), ReportAction.SUBMIT.value, ReportAction.CREATE.value
    is_save = source == ReportAction.SAVE.value
    audit_create, audit_update = ChangeAction.CREATE.value, ChangeAction.UPDATE.value
    period_text = str(period)
    for outcome in outcomes:
        report = outcome.report
        assert report is not None
        changes = outcome.changes
        if outcome.submitted:
            action = submit_action
        elif outcome.created and is_save:
            action = create_action
        else:
            action = source
        status_change = changes.get("status")
        from_status = (status_change["old"] if status_change else None) or (
            "" if outcome.created else report.status
        )
        events.append(
            (
                report.pk,
                at,
                actor.pk,
                name,
                unit_label,
                action,
                from_status or "",
                report.status,
                changes,
                note,
            )
        )
        records.append(
            (
                at,
                actor.pk,
                audit_name,
                audit_create if outcome.created else audit_update,
                object_type,
                str(report.pk),
                f"{period_text} · {outcome.entry.project}"[:300],
                changes,
                note or action_labels[action],
                request_id,
            )
        )
    encoded: dict[int, tuple[Any, Any]] = {}  # each report's changes are encoded once for both
    insert_rows(
        ReportEvent,
        [
            "report_id",
            "at",
            "actor_id",
            "actor_name",
            "actor_unit",
            "action",
            "from_status",
            "to_status",
            "changes",
            "note",
        ],
        events,
        json_cache=encoded,
    )
    insert_rows(
        ChangeRecord,
        [
            "at",
            "actor_id",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
            "request_id",
        ],
        records,
        json_cache=encoded,
    )


_UPDATE_FIELDS = [
    *REPORT_FIELDS,
    *COMPUTED_FIELDS,
    "status",
    "submitted_at",
    "submitted_by",
    "first_submitted_at",
    "submitted_late",
    "updated_at",
    "updated_by",
    "version",
]


def _update_reports(reports: list[MonthlyReport], fields: Sequence[str] = _UPDATE_FIELDS) -> None:
    """UPDATE changed reports with one statement sent as a batch (cheaper than bulk_update's
    CASE expressions for thousands of rows)."""
    if not reports:
        return
    meta = MonthlyReport._meta
    model_fields = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE id = %s".format(
        quote(meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in model_fields)
    )
    rows = [
        [f.get_db_prep_save(getattr(report, f.attname), connection) for f in model_fields] + [report.pk]
        for report in reports
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 2000):
            cursor.executemany(sql, chunk)


def _recompute_later(period: ReportingPeriod, reports: list[MonthlyReport]) -> set[int]:
    """A changed month's investment moves the year-to-date of the later months' reports.
    Returns the entries (of ``reports``) that have reports in later months."""
    if not reports:
        return set()
    later = list(
        ReportingPeriod.objects.filter(year=period.year, month__gt=period.month).values_list("pk", flat=True)
    )
    if not later:
        return set()
    entry_ids = [r.entry_id for r in reports]
    touched: list[MonthlyReport] = []
    having_later: set[int] = set()
    for chunk in _chunks(entry_ids):
        rows = list(
            MonthlyReport.objects.filter(period_id__in=later, entry_id__in=chunk).select_related(
                "entry", "period"
            )
        )
        if not rows:
            continue
        having_later |= {r.entry_id for r in rows}
        sums = _sums_before(rows)
        for report in rows:
            ytd = sums[(report.entry_id, report.period.month)] + (report.invested_month or Decimal(0))
            since = (report.entry.invested_before or Decimal(0)) + ytd
            if ytd != report.invested_ytd or since != report.invested_since_start:
                report.invested_ytd, report.invested_since_start = ytd, since
                touched.append(report)
    _update_reports(touched, COMPUTED_FIELDS)
    return having_later


def _sums_before(reports: list[MonthlyReport]) -> dict[tuple[int, int], Decimal]:
    """(entry, month) → the investment of that entry's reports in the same year before ``month``."""
    year = reports[0].period.year
    entry_ids = sorted({r.entry_id for r in reports})
    amounts: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for entry_id, month, amount in MonthlyReport.objects.filter(
        entry_id__in=entry_ids, period__year=year
    ).values_list("entry_id", "period__month", "invested_month"):
        amounts[entry_id].append((month, amount or Decimal(0)))
    return {
        (r.entry_id, r.period.month): sum(
            (a for m, a in amounts[r.entry_id] if m < r.period.month), Decimal(0)
        )
        for r in reports
    }


def _sync_entries(
    *,
    actor: User | None,
    year: int,
    entries: list[ProgrammeEntry],
    known: dict[int, tuple[Decimal, dt.date]] | None = None,
    request_id: str = "",
) -> int:
    """Set each entry's invested_ytd / invested_as_of to its latest handed-in report of ``year``
    (nothing handed in: 0, no date). ``known`` gives it for entries whose latest the caller knows."""
    if not entries:
        return 0
    latest: dict[int, tuple[Decimal, dt.date]] = dict(known or {})
    ids = [e.pk for e in entries if e.pk not in latest]
    periods = {p.pk: p for p in ReportingPeriod.objects.filter(year=year)}
    for chunk in _chunks(ids):
        best: dict[int, int] = {}
        for entry_id, period_id, ytd in MonthlyReport.objects.filter(
            entry_id__in=chunk, period_id__in=list(periods), status__in=HANDED_IN_STATUSES
        ).values_list("entry_id", "period_id", "invested_ytd"):
            month = periods[period_id].month
            if month >= best.get(entry_id, 0):
                best[entry_id] = month
                latest[entry_id] = (ytd, periods[period_id].end_date)
    progress = []
    for entry in entries:
        ytd, as_of = latest.get(entry.pk, (Decimal(0), None))
        progress.append((entry, ytd, as_of))
    return programme_entries_record_progress(
        actor=actor, progress=progress, reason="月度调度报告", request_id=request_id
    )


def _real_project(project: Any) -> Project:
    """The model row behind a (possibly lightweight) project, for the services that need one."""
    return project if isinstance(project, Project) else Project.objects.get(pk=project.pk)


def _after_hand_in(
    *, actor: User, period: ReportingPeriod, outcomes: list[RowOutcome], result: SaveResult
) -> None:
    """What handing reports in sets off: stage changes, coordination problems, the reviewers' note."""
    for outcome in outcomes:
        report = outcome.report
        assert report is not None
        project = outcome.entry.project
        if _stage_step_needed(report, project):
            try:
                project_transition(
                    actor=actor,
                    project=_real_project(project),
                    to_stage=report.stage_reached,
                    effective_date=report.stage_date,
                    reason=f"{period.label}月度调度报告：{StageReached(report.stage_reached).label}",
                    request_id=result.request_id,
                )
            except (ValidationError, PermissionDenied) as exc:
                messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                outcome.error("stage_reached", "；".join(messages))
                raise Rollback from exc
            result.transitions += 1
            _event(
                report,
                actor=actor,
                action=ReportAction.STAGE,
                note=f"项目阶段变更为“{StageReached(report.stage_reached).label}”，"
                f"日期 {report.stage_date:%Y-%m-%d}",
            )
    raised = _raise_problems(
        actor=actor,
        period=period,
        outcomes=[o for o in outcomes if o.report is not None and _has_problem(o.report)],
        result=result,
    )
    result.problems_raised += raised
    _notify_submitted(actor=actor, period=period, outcomes=outcomes, request_id=result.request_id)


def _raise_problems(
    *, actor: User, period: ReportingPeriod, outcomes: list[RowOutcome], result: SaveResult
) -> int:
    if not outcomes:
        return 0
    already: set[tuple[int, str]] = set(
        Problem.objects.filter(
            source_type=PROBLEM_SOURCE_TYPE, source_id__in=[o.report.pk for o in outcomes if o.report]
        ).values_list("source_id", "description")
    )
    count = 0
    for outcome in outcomes:
        report = outcome.report
        assert report is not None
        text = report.problems_text.strip()
        if (report.pk, text) in already:
            continue  # resubmitted with the same problem: it is already being handled
        first_line = text.splitlines()[0].strip()
        title = first_line if len(first_line) <= 60 else first_line[:59] + "…"
        try:
            problem_raise(
                actor=actor,
                project=_real_project(outcome.entry.project),
                type=report.problem_type or ProblemType.OTHER,
                title=title,
                description=text,
                source=ProblemSource.REPORT,
                source_type=PROBLEM_SOURCE_TYPE,
                source_id=report.pk,
                period=period.key,
                request_id=result.request_id,
            )
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            outcome.error("problems_text", "；".join(messages))
            raise Rollback from exc
        _event(report, actor=actor, action=ReportAction.PROBLEM, note=f"提出协调问题：{title}")
        count += 1
    return count


def _event(
    report: Any,
    *,
    actor: User | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report_id=report.pk,
        at=clock.now(),
        actor=actor,
        actor_name=_actor_name(actor),
        actor_unit=_actor_unit(actor),
        action=action,
        from_status=from_status,
        to_status=to_status,
        changes=changes or {},
        note=note,
    )


def _unit_users(unit_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        department_id__in=set(unit_ids), role__in=list(roles), is_active=True
    ).order_by("id"):
        users[user.department_id].append(user)
    return users


def _notify_submitted(
    *, actor: User, period: ReportingPeriod, outcomes: list[RowOutcome], request_id: str
) -> None:
    by_unit: dict[int, list[Any]] = defaultdict(list)
    for outcome in outcomes:
        by_unit[outcome.entry.project.lead_unit_id].append(outcome.entry.project)
    reviewers = _unit_users(by_unit, [Role.UNIT_REVIEWER])
    for unit_id, projects in by_unit.items():
        people = [u for u in reviewers.get(unit_id, []) if u.pk != actor.pk]
        if not people:
            continue
        count = len(projects)
        with in_site_language():
            names = _names_text([p.name for p in projects], count, 5)
            title = ngettext(
                "%(label)s月度调度：%(n)s 份报告待审核", "%(label)s月度调度：%(n)s 份报告待审核", count
            ) % {"label": period.label, "n": count}
            body = gettext("%(actor)s提交了%(names)s的%(label)s报告，请审核。") % {
                "actor": _actor_name_shown(actor),
                "names": names,
                "label": period.label,
            }
        notify(
            recipients=people,
            event="dispatch.submitted",
            title=title,
            body=body,
            link=reverse("dispatch:review") + f"?period={period.key}",
            dedupe_key=f"report-submit:{request_id}:{unit_id}",
            actor=actor,
        )


# ---------------------------------------------------------------- single-report wrappers


def report_save(
    *,
    actor: User,
    entry: ProgrammeEntry,
    period: ReportingPeriod,
    values: dict[str, Any],
    expected_version: int | None = None,
    submit: bool = False,
    request_id: str = "",
) -> tuple[MonthlyReport, dict[str, list[str]]]:
    """Save (and optionally submit) one report; returns it with its warnings.

    Raises ConflictError if someone saved it since ``expected_version``, ValidationError with
    per-field messages for errors, PermissionDenied for a role that may not fill reports.
    """
    result = reports_save(
        actor=actor,
        period=period,
        rows=[RowInput(entry=entry, values=values, expected_version=expected_version, key=entry.pk)],
        submit=submit,
        request_id=request_id,
    )
    if result.general_errors:
        raise ValidationError(result.general_errors)
    outcome = result.outcomes[0]
    if outcome.conflict:
        raise ConflictError(outcome.errors["__all__"])
    if outcome.errors:
        raise ValidationError(outcome.errors)
    assert outcome.report is not None
    saved = MonthlyReport.objects.select_related("period", "entry", "project").get(pk=outcome.report.pk)
    return saved, outcome.warnings


def report_submit(
    *, actor: User, report: MonthlyReport, expected_version: int | None = None
) -> MonthlyReport:
    """Hand in a saved draft (or a returned report) as it stands."""
    values = {name: getattr(report, name) for name in REPORT_FIELDS}
    saved, _warnings = report_save(
        actor=actor,
        entry=ProgrammeEntry.objects.select_related("project", "project__lead_unit").get(pk=report.entry_id),
        period=report.period,
        values=values,
        expected_version=expected_version,
        submit=True,
    )
    return saved


# ---------------------------------------------------------------- review: approve, accept, return


@dataclass
class ReviewResult:
    done: list[MonthlyReport] = field(default_factory=list)
    skipped: list[tuple[MonthlyReport, str]] = field(default_factory=list)


def _lock_reports(reports: Iterable[MonthlyReport]) -> list[MonthlyReport]:
    ids = [r.pk for r in reports]
    locked: list[MonthlyReport] = []
    for chunk in _chunks(ids):
        locked += list(
            MonthlyReport.objects.select_for_update(of=("self",))
            .select_related("period", "project", "entry", "entry__project")
            .filter(pk__in=chunk)
            .order_by("pk")
        )
    return locked


def _review_event_and_record(
    report: MonthlyReport, *, actor: User, before: dict[str, Any], action: str, note: str, request_id: str
) -> tuple[ReportEvent, ChangeRecord]:
    now = clock.now()
    changes = diff(MonthlyReport, before, snapshot(report, ["status", "return_reason"]))
    event = ReportEvent(
        report=report,
        at=now,
        actor=actor,
        actor_name=_actor_name(actor),
        actor_unit=_actor_unit(actor),
        action=action,
        from_status=before.get("status", ""),
        to_status=report.status,
        changes=changes,
        note=note,
    )
    record = change_record_build(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=report,
        changes=changes,
        reason=note or str(ReportAction(action).label),
        request_id=request_id,
        at=now,
    )
    return event, record


@transaction.atomic
def reports_approve(*, actor: User, reports: Iterable[MonthlyReport], request_id: str = "") -> ReviewResult:
    """Unit review (单位审核): submitted → unit_approved. The unit reviewer of the projects' unit."""
    if actor.role not in (Role.UNIT_REVIEWER, Role.DISPATCHER):
        raise PermissionDenied(gettext("只有单位审核员可以审核本单位的月报"))
    return _review(
        actor=actor,
        reports=reports,
        allowed_from=[ReportStatus.SUBMITTED],
        to_status=ReportStatus.UNIT_APPROVED,
        action=ReportAction.APPROVE,
        note="",
        request_id=request_id,
    )


@transaction.atomic
def reports_accept(
    *, actor: User, reports: Iterable[MonthlyReport], note: str = "", request_id: str = ""
) -> ReviewResult:
    """The project office accepts (采纳) reports: unit_approved (or submitted) → accepted."""
    _ensure_dispatcher(actor, gettext("只有调度专员可以采纳月报"))
    return _review(
        actor=actor,
        reports=reports,
        allowed_from=[ReportStatus.UNIT_APPROVED, ReportStatus.SUBMITTED],
        to_status=ReportStatus.ACCEPTED,
        action=ReportAction.ACCEPT,
        note=note,
        request_id=request_id,
    )


@transaction.atomic
def report_return(*, actor: User, report: MonthlyReport, reason: str, request_id: str = "") -> MonthlyReport:
    """Send a report back to the unit with a reason. The dispatcher may return a handed-in report
    while the period is open; a unit reviewer may return their own unit's submitted reports."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("退回须说明原因，以便单位修改")})
    if len(reason) > 1000:
        raise ValidationError({"reason": gettext("退回原因不能超过 1000 个字")})
    if actor.role == Role.DISPATCHER:
        allowed = [ReportStatus.SUBMITTED, ReportStatus.UNIT_APPROVED, ReportStatus.ACCEPTED]
    elif actor.role == Role.UNIT_REVIEWER:
        allowed = [ReportStatus.SUBMITTED]
    else:
        raise PermissionDenied(gettext("只有单位审核员或调度专员可以退回月报"))
    result = _review(
        actor=actor,
        reports=[report],
        allowed_from=allowed,
        to_status=ReportStatus.RETURNED,
        action=ReportAction.RETURN,
        note=reason,
        request_id=request_id,
        strict=True,
    )
    returned = result.done[0]
    return returned


def _review(
    *,
    actor: User,
    reports: Iterable[MonthlyReport],
    allowed_from: list[str],
    to_status: str,
    action: str,
    note: str,
    request_id: str,
    strict: bool = False,
) -> ReviewResult:
    request_id = request_id or f"dispatch-{uuid.uuid4().hex[:12]}"
    wanted = list(reports)
    visible = set()
    for chunk in _chunks([r.pk for r in wanted]):
        visible |= set(
            MonthlyReport.objects.restrict(actor, "change").filter(pk__in=chunk).values_list("pk", flat=True)
        )
    if any(r.pk not in visible for r in wanted):
        raise PermissionDenied(gettext("其中有不属于您单位的报告，您无权审核"))
    now = clock.now()
    result = ReviewResult()
    events: list[ReportEvent] = []
    records: list[ChangeRecord] = []
    changed: list[MonthlyReport] = []
    labels = dict(ReportStatus.choices)
    for report in _lock_reports(wanted):
        if report.status not in allowed_from:
            message = gettext("“%(project)s”的报告%(status)s，不能%(action)s") % {
                "project": report.project.name,
                "status": labels[report.status],
                "action": ReportAction(action).label,
            }
            if strict:
                raise ValidationError({"status": message})
            result.skipped.append((report, message))
            continue
        if not report.period.is_open and action == ReportAction.RETURN:
            raise ValidationError(
                {
                    "status": gettext("%(label)s的调度期已关闭，不能退回；如需更正请先重新开启")
                    % {"label": report.period.label}
                }
            )
        before = snapshot(report, ["status", "return_reason"])
        report.status = to_status
        report.version += 1
        if action == ReportAction.APPROVE:
            report.approved_at, report.approved_by = now, actor
        elif action == ReportAction.ACCEPT:
            report.reviewed_at, report.reviewed_by = now, actor
            report.return_reason = ""
        elif action == ReportAction.RETURN:
            report.reviewed_at, report.reviewed_by = now, actor
            report.return_reason = note
            report.times_returned += 1
        event, record = _review_event_and_record(
            report, actor=actor, before=before, action=action, note=note, request_id=request_id
        )
        events.append(event)
        records.append(record)
        changed.append(report)
        result.done.append(report)
    _update_reports(
        changed,
        [
            "status",
            "version",
            "approved_at",
            "approved_by",
            "reviewed_at",
            "reviewed_by",
            "return_reason",
            "times_returned",
        ],
    )
    ReportEvent.objects.bulk_create(events, batch_size=2000)
    ChangeRecord.objects.bulk_create(records, batch_size=2000)
    if action == ReportAction.RETURN:
        by_year: dict[int, list[ProgrammeEntry]] = defaultdict(list)
        for report in changed:
            by_year[report.period.year].append(report.entry)
        for year, entries in by_year.items():
            _sync_entries(actor=actor, year=year, entries=entries, request_id=request_id)
        for report in changed:
            _notify_returned(report, actor=actor)
    elif action == ReportAction.APPROVE and changed:
        _notify_approved(changed, actor=actor, request_id=request_id)
    # One call per period of the batch, run after the commit (see dispatch.hooks).
    by_period: dict[int, tuple[ReportingPeriod, list[int]]] = {}
    for report in changed:
        by_period.setdefault(report.period_id, (report.period, []))[1].append(report.entry_id)
    for period, entry_ids in by_period.values():
        reports_changed(period=period, entry_ids=entry_ids)
    return result


def _notify_returned(report: MonthlyReport, *, actor: User) -> None:
    reporters = _unit_users([report.project.lead_unit_id], [Role.UNIT_REPORTER]).get(
        report.project.lead_unit_id, []
    )
    people = [u for u in reporters if u.pk != actor.pk]
    if (
        report.submitted_by_id
        and report.submitted_by_id != actor.pk
        and all(u.pk != report.submitted_by_id for u in people)
    ):
        submitter = User.objects.filter(pk=report.submitted_by_id, is_active=True).first()
        if submitter is not None:
            people.append(submitter)
    with in_site_language():
        title = gettext("%(label)s月报被退回：%(project)s") % {
            "label": report.period.label,
            "project": report.project.name,
        }
        body = gettext("退回人：%(actor)s（%(unit)s）\n原因：%(reason)s\n请修改后重新提交。") % {
            "actor": _actor_name_shown(actor),
            "unit": _actor_unit_shown(actor),
            "reason": report.return_reason,
        }
    notify(
        recipients=people,
        event="dispatch.returned",
        title=title,
        body=body,
        link=reverse("dispatch:report_detail", args=[report.pk]),
        dedupe_key=f"report:{report.pk}:returned:{report.times_returned}",
        actor=actor,
        obj=report,
    )


def _notify_approved(reports: list[MonthlyReport], *, actor: User, request_id: str) -> None:
    dispatchers = list(User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id"))
    if not dispatchers:
        return
    period = reports[0].period
    count = len(reports)
    with in_site_language():
        title = ngettext(
            "%(unit)s%(label)s月报已审核：%(n)s 份待采纳",
            "%(unit)s%(label)s月报已审核：%(n)s 份待采纳",
            count,
        ) % {"unit": _actor_unit_shown(actor) or gettext("单位"), "label": period.label, "n": count}
        body = gettext("、").join(r.project.name for r in reports[:10])
        if count > 10:
            body = gettext("%(names)s等") % {"names": body}
    notify(
        recipients=dispatchers,
        event="dispatch.approved",
        title=title,
        body=body,
        link=reverse("dispatch:review") + f"?period={period.key}",
        dedupe_key=f"report-approve:{request_id}",
        actor=actor,
    )


# ---------------------------------------------------------------- photos

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXIF_IFD = 0x8769
EXIF_DATETIME_ORIGINAL = 36867
EXIF_OFFSET_TIME_ORIGINAL = 36881
EXIF_DATETIME = 306


def photo_max_bytes() -> int:
    return min(settings.XF_PHOTO_MAX_BYTES, settings.XF_MAX_UPLOAD_BYTES)


def _human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _sniff_image(head: bytes) -> str | None:
    if head.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if head.startswith(PNG_MAGIC):
        return "image/png"
    return None


def _taken_at(image: Any) -> dt.datetime | None:
    """EXIF DateTimeOriginal (the camera's local time), else DateTime; None when absent or bad."""
    try:
        exif = image.getexif()
    except Exception:
        return None
    if not exif:
        return None
    raw = None
    offset = None
    try:
        sub = exif.get_ifd(EXIF_IFD)
        raw = sub.get(EXIF_DATETIME_ORIGINAL)
        offset = sub.get(EXIF_OFFSET_TIME_ORIGINAL)
    except Exception:
        raw = None
    raw = raw or exif.get(EXIF_DATETIME)
    if not raw:
        return None
    text = raw.decode(errors="ignore") if isinstance(raw, bytes) else str(raw)
    try:
        naive = dt.datetime.strptime(text.strip().strip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        try:
            sign = 1 if str(offset)[0] == "+" else -1
            hours, minutes = str(offset)[1:].split(":")
            tz = dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))
            return naive.replace(tzinfo=tz)
        except (ValueError, IndexError):
            pass
    return timezone.make_aware(naive)


@dataclass
class PhotoCheck:
    content_type: str
    data: bytes
    width: int
    height: int
    taken_at: dt.datetime | None
    sha256: str


def photo_check(*, name: str, size: int | None, read: Any) -> PhotoCheck:
    """Check an upload is a JPEG or PNG within the size limit; raises ValidationError in Chinese."""
    from PIL import Image, UnidentifiedImageError

    limit = photo_max_bytes()
    label = name or gettext("照片")
    if size is not None and size > limit:
        raise ValidationError(
            {
                "photo": gettext("“%(name)s”大小为 %(size)s，超过 %(limit)s 的上限，请压缩后再上传")
                % {"name": label, "size": _human_size(size), "limit": _human_size(limit)}
            }
        )
    data = read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {
                "photo": gettext("“%(name)s”超过 %(limit)s 的上限，请压缩后再上传")
                % {"name": label, "limit": _human_size(limit)}
            }
        )
    if not data:
        raise ValidationError({"photo": gettext("“%(name)s”是空文件") % {"name": label}})
    content_type = _sniff_image(data[:16])
    if content_type is None:
        raise ValidationError(
            {
                "photo": gettext("“%(name)s”不是 JPEG 或 PNG 图片（按文件内容判断），请上传现场照片")
                % {"name": label}
            }
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            taken = _taken_at(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            {"photo": gettext("“%(name)s”不是完整有效的图片，无法打开") % {"name": label}}
        ) from exc
    if width * height > 80_000_000:
        raise ValidationError(
            {
                "photo": gettext("“%(name)s”像素过多（%(width)s×%(height)s），请缩小后再上传")
                % {"name": label, "width": width, "height": height}
            }
        )
    return PhotoCheck(
        content_type=content_type,
        data=data,
        width=width,
        height=height,
        taken_at=taken,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _ensure_can_fill(actor: User, report: MonthlyReport) -> None:
    if (
        actor.role not in SAVERS
        or not MonthlyReport.objects.restrict(actor, "change").filter(pk=report.pk).exists()
    ):
        raise PermissionDenied(gettext("您无权修改该报告"))


@transaction.atomic
def report_photo_add(
    *, actor: User, report: MonthlyReport, upload: UploadedFile, caption: str = ""
) -> ReportPhoto:
    """Attach a site photo: JPEG or PNG (by its bytes), within XF_PHOTO_MAX_BYTES, the time it
    was taken read from EXIF. Only while the unit may still change the report."""
    _ensure_can_fill(actor, report)
    current = MonthlyReport.objects.select_for_update(of=("self",)).select_related("period").get(pk=report.pk)
    if not current.is_editable:
        raise ValidationError(
            {"photo": gettext("报告%(status)s，不能再添加照片") % {"status": current.get_status_display()}}
        )
    if not current.period.is_open:
        raise ValidationError({"photo": gettext("%(label)s的调度期已关闭") % {"label": current.period.label}})
    name = (getattr(upload, "name", "") or "")[-200:]
    upload.seek(0)
    checked = photo_check(name=name, size=getattr(upload, "size", None), read=upload.read)
    if ReportPhoto.objects.filter(report=current, sha256=checked.sha256, removed_at__isnull=True).exists():
        raise ValidationError({"photo": gettext("“%(name)s”已上传过") % {"name": name}})
    if ReportPhoto.objects.filter(report=current, removed_at__isnull=True).count() >= 20:
        raise ValidationError({"photo": gettext("每份报告最多 20 张照片")})
    photo = ReportPhoto(
        report=current,
        content_type=checked.content_type,
        size=len(checked.data),
        width=checked.width,
        height=checked.height,
        sha256=checked.sha256,
        original_name=name,
        taken_at=checked.taken_at,
        caption=(caption or "").strip()[:200],
        uploaded_at=clock.now(),
        uploaded_by=actor,
    )
    # The stored name comes from the checksum (models.photo_path), never from the uploader.
    photo.image.save(f"photo.{checked.content_type.split('/')[1]}", ContentFile(checked.data), save=False)
    photo.save()
    change_record(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=photo,
        changes=diff(ReportPhoto, {}, _photo_snapshot(photo)),
    )
    taken = f"，拍摄于 {timezone.localtime(checked.taken_at):%Y-%m-%d %H:%M}" if checked.taken_at else ""
    _event(current, actor=actor, action=ReportAction.PHOTO, note=f"{name or '照片'}{taken}")
    return photo


def _photo_snapshot(photo: ReportPhoto) -> dict[str, Any]:
    """The audit snapshot of a photo: the stored file by its name (a file is not a value)."""
    names = [f.name for f in ReportPhoto._meta.concrete_fields if f.name != "image"]
    return {**snapshot(photo, names), "image": photo.image.name}


@transaction.atomic
def report_photo_remove(*, actor: User, photo: ReportPhoto) -> ReportPhoto:
    """Hide a photo from the report (the file and row are kept)."""
    report = photo.report
    _ensure_can_fill(actor, report)
    if not report.is_editable:
        raise ValidationError(
            {"photo": gettext("报告%(status)s，不能再移除照片") % {"status": report.get_status_display()}}
        )
    if photo.removed_at is not None:
        return photo
    before = _photo_snapshot(photo)
    photo.removed_at, photo.removed_by = clock.now(), actor
    photo.save(update_fields=["removed_at", "removed_by"])
    change_record(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=photo,
        changes=diff(ReportPhoto, before, _photo_snapshot(photo)),
    )
    _event(report, actor=actor, action=ReportAction.PHOTO_REMOVE, note=photo.original_name)
    return photo


# ---------------------------------------------------------------- reminders (催报)


@dataclass(frozen=True)
class ReminderPoint:
    offset: int  # working days from the deadline (negative: before)
    repeat: bool  # and every working day after


def reminder_points(raw: Sequence[str] | None = None) -> list[ReminderPoint]:
    """Parse XF_REPORT_REMINDERS ("-2", "0", "1+")."""
    points = []
    for item in raw if raw is not None else settings.XF_REPORT_REMINDERS:
        text = item.strip()
        repeat = text.endswith("+") and len(text) > 1
        points.append(
            ReminderPoint(offset=int(text.removesuffix("+")) if repeat else int(text), repeat=repeat)
        )
    return points


def point_today(period: ReportingPeriod, today: dt.date, points: list[ReminderPoint]) -> str | None:
    """The reminder point that falls on ``today`` for ``period``, as a key; None if none does."""
    if not is_working_day(today):
        return None
    offset = working_days_between(period.deadline, today)
    if today == period.deadline:
        offset = 0
    for point in points:
        if offset == point.offset:
            if point.offset < 0:
                return f"before{-point.offset}"
            if point.offset == 0:
                return "due"
            return f"after{offset}:{today.isoformat()}" if point.repeat else f"after{offset}"
        if point.repeat and offset > point.offset:
            return f"after{offset}:{today.isoformat()}"
    return None


def missing_by_unit(period: ReportingPeriod) -> dict[int, list[tuple[int, str]]]:
    """unit id → [(project id, name)] of the projects whose report for ``period`` is not handed in."""
    handed_in = MonthlyReport.objects.filter(period=period, status__in=HANDED_IN_STATUSES).values("entry_id")
    rows = (
        ProgrammeEntry.objects.filter(year=period.year, project__archived_at__isnull=True)
        .exclude(project__stage=Stage.CANCELLED)
        .exclude(pk__in=handed_in)
        .values_list("project__lead_unit_id", "project_id", "project__name")
        .order_by("project__lead_unit_id", "serial", "id")
    )
    result: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for unit_id, project_id, name in rows:
        result[unit_id].append((project_id, name))
    return result


def reminders_send(*, today: dt.date | None = None) -> list[Reminder]:
    """Remind (催报) each unit with reports missing for an open period at today's reminder point:
    in the app (the unit's reporters and reviewers, e-mail by their preferences) and by the
    unit's group robots. One Reminder row per unit, period and point (unique), so running twice —
    a restarted worker — sends nothing again."""
    day = today or clock.today()
    points = reminder_points()
    sent: list[Reminder] = []
    for period in ReportingPeriod.objects.filter(status=PeriodStatus.OPEN).order_by("year", "month"):
        point = point_today(period, day, points)
        if point is None:
            continue
        missing = missing_by_unit(period)
        if not missing:
            continue
        units = {u.pk: u for u in Department.objects.filter(pk__in=missing)}
        users = _unit_users(missing, UNIT_ROLES)
        done = set(Reminder.objects.filter(period=period, point=point).values_list("unit_id", flat=True))
        for unit_id, projects in missing.items():
            if unit_id in done or unit_id not in units:
                continue
            with transaction.atomic():
                sent.append(
                    _remind(
                        period=period,
                        unit=units[unit_id],
                        projects=projects,
                        users=users.get(unit_id, []),
                        point=point,
                        day=day,
                    )
                )
    return sent


def _reminder_text(
    period: ReportingPeriod, projects: list[tuple[int, str]], day: dt.date, point: str
) -> tuple[str, str]:
    count = len(projects)
    deadline = _day_words(period.deadline)
    words = {"label": period.label, "n": count}
    if point.startswith("before"):
        left = int(point.removeprefix("before"))
        when = ngettext(
            "截止日期为 %(deadline)s，还有 %(n)s 个工作日",
            "截止日期为 %(deadline)s，还有 %(n)s 个工作日",
            left,
        ) % {"deadline": deadline, "n": left}
        title = (
            ngettext(
                "催报提醒：%(label)s月度调度还有 %(n)s 个项目未报送",
                "催报提醒：%(label)s月度调度还有 %(n)s 个项目未报送",
                count,
            )
            % words
        )
    elif point == "due":
        when = gettext("今天（%(deadline)s）是报送截止日") % {"deadline": deadline}
        title = (
            ngettext(
                "今天截止：%(label)s月度调度还有 %(n)s 个项目未报送",
                "今天截止：%(label)s月度调度还有 %(n)s 个项目未报送",
                count,
            )
            % words
        )
    else:
        late = working_days_between(period.deadline, day)
        when = ngettext(
            "报送截止日期 %(deadline)s已过 %(n)s 个工作日",
            "报送截止日期 %(deadline)s已过 %(n)s 个工作日",
            late,
        ) % {"deadline": deadline, "n": late}
        title = (
            ngettext(
                "逾期催报：%(label)s月度调度 %(n)s 个项目逾期未报",
                "逾期催报：%(label)s月度调度 %(n)s 个项目逾期未报",
                count,
            )
            % words
        )
    names = _names_text([name for _pk, name in projects], count, 10)
    body = gettext("%(when)s。未报送（含草稿、被退回）：%(names)s。请尽快填报并提交。") % {
        "when": when,
        "names": names,
    }
    return title, body


def _remind(
    *,
    period: ReportingPeriod,
    unit: Department,
    projects: list[tuple[int, str]],
    users: list[User],
    point: str,
    day: dt.date,
) -> Reminder:
    key = f"remind:{period.key}:{unit.pk}:{point}"
    with in_site_language():
        title, body = _reminder_text(period, projects, day, point)
        group_title = gettext("%(unit)s：%(title)s") % {"unit": unit, "title": title}
    link = reverse("dispatch:my_unit") + f"?period={period.key}"
    messages = notify(
        recipients=users,
        event="dispatch.reminder",
        title=title,
        body=body,
        link=link,
        dedupe_key=key,
        obj=period,
        urgent=not point.startswith("before"),
    )
    posts = notify_group(
        department=unit,
        event="dispatch.reminder",
        title=group_title,
        body=body,
        link=link,
        dedupe_key=key,
    )
    reminder = Reminder.objects.create(
        period=period,
        unit=unit,
        point=point,
        sent_on=day,
        sent_at=clock.now(),
        missing=len(projects),
        missing_projects=[pk for pk, _name in projects],
        recipients=len(messages),
        group_posts=len(posts),
        dedupe_key=key,
    )
    return reminder
