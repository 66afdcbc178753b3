"""The demo's monthly dispatch: January–November 2024 reported for the demo programme.

:func:`load_demo_dispatch` runs after the programme (and, when present, the coordination demo)
exists. For every project of the year it lays out a month-by-month investment path that ends at
the year-to-date figure the programme demo gave it — S-curves, slow starters, front-loaded
works, a thin February — starting in the month the project actually started (a start reported
in that month's report, consistent with the stage records the demo already holds), stopping at
completion or suspension. Physical progress follows the money; texts follow the stage.

January–October are closed and accepted; some reports came in late, a few were returned and
resubmitted. November (due on the 5th working day of December, the demo's "today") is still
open, and each unit stands somewhere different: 区卫健局 has not started, 区教体局 has drafts,
金家岭街道's reports wait for their reviewer, 区工信局's for the project office; the other units
are a realistic mix. Report-sourced problems the coordination demo raised are tied to their
reports; without them a few problems are raised here through coordination's own service.
Today's and the day-before-yesterday's reminders are sent through the reminder service.

Everything is bulk-inserted (reports, their history, audit records), then each programme entry's
year-to-date is set from its latest handed-in report by projects' own service — so the registry
equals the sum of the reports. Fast: a few seconds. Idempotent: a second call changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.coordination.choices import ProblemSource, ProblemType
from xianfeng.coordination.models import Problem
from xianfeng.coordination.services import problem_raise
from xianfeng.dispatch import services
from xianfeng.dispatch.choices import HANDED_IN_STATUSES, PeriodStatus, ReportAction, ReportStatus
from xianfeng.dispatch.models import MonthlyReport, ReportEvent, ReportingPeriod, month_end
from xianfeng.lib import clock
from xianfeng.lib.bulk import insert_rows
from xianfeng.lib.workdays import add_working_days
from xianfeng.org.choices import Role
from xianfeng.org.models import Department, User
from xianfeng.projects.choices import STARTED_STAGES, Kind, Stage
from xianfeng.projects.models import ProgrammeEntry, Project
from xianfeng.projects.services import programme_entries_record_progress

DEMO_REASON = "载入演示数据"
LAST_MONTH = 11
# How each featured unit stands with November on the demo's "today" (see the module docstring).
NOVEMBER_STATE = {
    "WJJ": "due",
    "JYTY": "draft",
    "JJLJD": ReportStatus.SUBMITTED,
    "GXJ": ReportStatus.UNIT_APPROVED,
}
OTHER_MIX = {
    ReportStatus.ACCEPTED: 50,
    ReportStatus.UNIT_APPROVED: 15,
    ReportStatus.SUBMITTED: 12,
    "draft": 10,
    "due": 8,
    ReportStatus.RETURNED: 5,
}
RETURN_REASONS = [
    "本月完成投资与上月累计不衔接，请核实后重报",
    "形象进度描述过于简单，请补充具体完成的工程量",
    "现场施工人数与形象进度不符，请核实",
    "请补充现场照片及开工证明材料",
]
REPORT_PROBLEMS = [
    (ProblemType.LAND, "项目用地尚有约{n}亩未完成征收，影响后续施工", "用地征收未完成"),
    (ProblemType.UTILITIES, "施工用电临时接入方案尚未批复，需协调供电部门", "施工用电接入"),
    (ProblemType.FUNDING, "专项债资金到位滞后，影响工程款支付", "资金到位滞后"),
    (ProblemType.APPROVAL, "施工许可证办理中，消防设计审查意见需协调", "施工许可办理"),
    (ProblemType.DEMOLITION, "红线内{n}户房屋征迁未完成", "征迁未完成"),
    (ProblemType.PLANNING, "规划方案调整需重新审查", "规划方案调整"),
]


@dataclass
class _Path:
    """One project's year, month by month."""

    amounts: dict[int, Decimal] = field(default_factory=dict)
    percents: dict[int, int | None] = field(default_factory=dict)
    workers: dict[int, int | None] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    stage: dict[int, tuple[str, dt.date]] = field(default_factory=dict)


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _first_working_day(year: int, month: int) -> dt.date:
    return add_working_days(dt.date(year, month, 1), 0)


def _round(value: float) -> Decimal:
    return Decimal(round(value)) if value >= 100 else Decimal(str(round(value, 2)))


def _weights(rng: random.Random, months: list[int], profile: str) -> list[float]:
    n = len(months)
    weights = []
    for i, month in enumerate(months):
        x = (i + 0.5) / n
        if profile == "s_curve":
            w = 1 / (1 + math.exp(-8 * (x - 0.45))) - 1 / (1 + math.exp(-8 * (x - 0.45 - 1 / n)))
            w = abs(w) + 0.02
        elif profile == "back":  # slow to get going
            w = x**2 + 0.03
        elif profile == "front":  # the heavy works early
            w = (1 - x) ** 1.5 + 0.05
        else:
            w = 1.0
        w *= rng.uniform(0.7, 1.3)
        if month == 2:
            w *= 0.4  # Spring Festival
        weights.append(w)
    return weights


def _split(total: Decimal, weights: list[float]) -> list[Decimal]:
    """``total`` in parts proportional to ``weights``, each rounded, summing exactly to ``total``."""
    if total <= 0 or not weights:
        return [Decimal(0)] * len(weights)
    whole = sum(weights)
    parts = [_round(float(total) * w / whole) for w in weights]
    parts[max(range(len(parts)), key=lambda i: parts[i])] += total - sum(parts)
    return parts


CONSTRUCTION_TEXTS = [
    (15, "完成场地平整及桩基施工"),
    (30, "基础及地下室结构施工"),
    (55, "主体结构施工至第{n}层"),
    (75, "主体结构封顶，开展二次结构及机电安装"),
    (92, "室内装修、幕墙及室外配套工程施工"),
    (100, "完成竣工验收准备，室外工程收尾"),
]
INFRA_TEXTS = [
    (25, "完成管线迁改，路基施工完成{n}%"),
    (60, "路面基层施工，雨污管网敷设约{n}公里"),
    (90, "路面沥青摊铺及附属设施施工"),
    (100, "交通标志标线及绿化收尾"),
]
RESERVE_TEXTS = ["办理用地预审与选址意见", "规划设计方案审查中", "施工图设计及审查", "办理施工许可手续"]
STRATEGIC_TEXTS = ["开展项目策划及招商对接", "编制可行性研究报告", "开展选址论证", "办理立项手续"]


def _text(category: str, percent: int, rng: random.Random) -> str:
    table = INFRA_TEXTS if category == "infrastructure" else CONSTRUCTION_TEXTS
    for limit, text in table:
        if percent <= limit:
            return text.format(n=rng.randint(3, 28) if "层" in text else rng.randint(10, 90))
    return table[-1][1]


def _path(entry: ProgrammeEntry, plan: Any, rng: random.Random, year: int) -> _Path:
    project = entry.project
    path = _Path()
    target = entry.invested_ytd or Decimal(0)
    start = project.actual_start
    stop_day = (
        project.actual_completion
        if project.actual_completion and project.actual_completion.year == year
        else None
    )
    suspended = getattr(plan, "suspended", None)
    first = 1 if start and start.year < year else (start.month if start and start.year == year else None)
    last = LAST_MONTH
    if stop_day is not None:
        last = min(last, stop_day.month)
    if suspended is not None and suspended.year == year:
        last = min(last, max(suspended.month, first or 1))
    if first is None or first > LAST_MONTH:
        target = Decimal(0)
    months = list(range(first, last + 1)) if first and first <= last else []
    profile = rng.choice(["s_curve", "s_curve", "back", "front", "flat"])
    amounts = _split(target, _weights(rng, months, profile))
    for month in range(1, LAST_MONTH + 1):
        path.amounts[month] = Decimal(0)
    for month, amount in zip(months, amounts, strict=True):
        path.amounts[month] = amount
    total = project.total_investment or Decimal(1)
    before = entry.invested_before or Decimal(0)
    running = Decimal(0)
    percent = 0
    base_workers = max(20, min(600, int(float(total) / 300)))
    for month in range(1, LAST_MONTH + 1):
        running += path.amounts[month]
        started = bool(start and (start.year < year or (start.year == year and start.month <= month)))
        completed = bool(stop_day and stop_day.month <= month)
        if entry.kind == Kind.STRATEGIC and not started:
            path.percents[month] = None
            path.workers[month] = None
            path.texts[month] = STRATEGIC_TEXTS[min(3, (month - 1) // 3)]
        elif not started:
            path.percents[month] = None
            path.workers[month] = None
            path.texts[month] = RESERVE_TEXTS[min(3, (month - 1) // 3)]
        else:
            share = float((before + running) / total * 100)
            percent = max(percent, min(99, max(1, int(share))))
            if completed:
                percent = 100
            path.percents[month] = percent
            factor = 0.5 if month == 2 else rng.uniform(0.7, 1.2)
            path.workers[month] = 0 if completed and stop_day.month < month else int(base_workers * factor)
            path.texts[month] = "已竣工，办理竣工备案" if completed else _text(project.category, percent, rng)
        if start and start.year == year and start.month == month:
            path.stage[month] = (Stage.CONSTRUCTION, start)
        if stop_day and stop_day.month == month:
            path.stage[month] = (Stage.COMPLETED, stop_day)
    return path


def _november_state(unit_code: str, rng: random.Random) -> str:
    if unit_code in NOVEMBER_STATE:
        return NOVEMBER_STATE[unit_code]
    states, weights = zip(*OTHER_MIX.items(), strict=True)
    return rng.choices(states, weights=weights)[0]


@transaction.atomic
def load_demo_dispatch(*, year: int = 2024, seed: int = 2024) -> int:
    """Fill January–November of ``year`` for the demo programme; returns the reports created
    (0 when the year already has reporting periods)."""
    if ReportingPeriod.objects.filter(year=year).exists():
        return 0
    entries = list(
        ProgrammeEntry.objects.filter(year=year, project__is_illustrative=True)
        .select_related("project", "project__lead_unit")
        .order_by("serial", "id")
    )
    if not entries:
        return 0
    from xianfeng.demo.generator import generate_plan

    plans = {p.internal_code: p for p in generate_plan()}
    rng = random.Random(seed)
    dispatcher = User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id").first()
    unit_users: dict[int, dict[str, User]] = defaultdict(dict)
    for user in User.objects.filter(
        role__in=[Role.UNIT_REPORTER, Role.UNIT_REVIEWER], is_active=True
    ).order_by("id"):
        unit_users[user.department_id].setdefault(user.role, user)
    units = {d.pk: d for d in Department.objects.all()}

    baseline = _set_baselines(entries, plans, dispatcher)
    periods = _open_periods(year, dispatcher)
    november_state = {
        unit_id: _november_state(units[unit_id].code, rng)
        for unit_id in {e.project.lead_unit_id for e in entries}
    }

    reports: list[MonthlyReport] = []
    histories: list[list[tuple[str, dt.datetime, User | None, str, str, str, str]]] = []
    for entry in entries:
        plan = plans.get(entry.project.internal_code)
        path = _path(entry, plan, rng, year)
        ytd = Decimal(0)
        for month in range(1, LAST_MONTH + 1):
            period = periods[month]
            ytd += path.amounts[month]
            state = (
                ReportStatus.ACCEPTED.value
                if month < LAST_MONTH
                else november_state[entry.project.lead_unit_id]
            )
            if state == ReportStatus.RETURNED and rng.random() < 0.6:
                state = ReportStatus.SUBMITTED.value  # most units have only one or two sent back
            if state == "draft" and rng.random() < 0.35:
                state = "due"  # part of a drafting unit's projects are not begun yet
            if state == "due":
                continue
            report, history = _report(
                entry,
                period,
                path,
                month,
                ytd,
                baseline.get(entry.pk, Decimal(0)),
                state,
                rng,
                unit_users,
                dispatcher,
            )
            reports.append(report)
            histories.append(history)
    _insert(reports, histories, year)
    _link_or_raise_problems(reports, periods, unit_users, dispatcher, rng)
    _sync_registry(entries, periods)
    _reminders(periods[LAST_MONTH])
    return len(reports)


def _set_baselines(
    entries: list[ProgrammeEntry], plans: dict[str, Any], actor: User | None
) -> dict[int, Decimal]:
    """截至上年底累计完成投资 for continuing projects (the plan's share done before the year)."""
    now = clock.now()
    result: dict[int, Decimal] = {}
    changed = []
    records = []
    label = str(ProgrammeEntry._meta.get_field("invested_before").verbose_name)
    for entry in entries:
        plan = plans.get(entry.project.internal_code)
        share = getattr(plan, "pre_share", None) or 0
        started_before = entry.project.actual_start and entry.project.actual_start.year < entry.year
        if not share or not started_before:
            continue
        value = Decimal(round(float(entry.project.total_investment) * share))
        result[entry.pk] = value
        if entry.invested_before != value:
            records.append(
                (
                    now,
                    actor.pk if actor else None,
                    actor.get_full_name() if actor else "系统",
                    ChangeAction.UPDATE.value,
                    ProgrammeEntry._meta.label,
                    str(entry.pk),
                    str(entry)[:300],
                    {"invested_before": {"label": label, "old": "0", "new": str(value)}},
                    f"{DEMO_REASON}：截至上年底累计完成投资",
                    "",
                )
            )
            entry.invested_before = value
            changed.append(entry)
    ProgrammeEntry.objects.bulk_update(changed, ["invested_before"], batch_size=500)
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
    )
    return result


def _open_periods(year: int, dispatcher: User | None) -> dict[int, ReportingPeriod]:
    periods = {}
    for month in range(1, LAST_MONTH + 1):
        deadline = services.period_deadline(year, month)
        opened = _first_working_day(year + (month == 12), month % 12 + 1)
        closed = month < LAST_MONTH
        periods[month] = ReportingPeriod.objects.create(
            year=year,
            month=month,
            deadline=deadline,
            status=PeriodStatus.CLOSED if closed else PeriodStatus.OPEN,
            opened_at=_aware(opened, 9),
            opened_by=dispatcher,
            closed_at=_aware(add_working_days(deadline, 3), 17) if closed else None,
            closed_by=dispatcher if closed else None,
        )
    return periods


def _report(
    entry: ProgrammeEntry,
    period: ReportingPeriod,
    path: _Path,
    month: int,
    ytd: Decimal,
    before: Decimal,
    state: str,
    rng: random.Random,
    unit_users: dict[int, dict[str, User]],
    dispatcher: User | None,
) -> tuple[MonthlyReport, list[Any]]:
    project = entry.project
    users = unit_users.get(project.lead_unit_id, {})
    clerk, reviewer = users.get(Role.UNIT_REPORTER), users.get(Role.UNIT_REVIEWER)
    stage = path.stage.get(month)
    deadline = period.deadline
    late = month < LAST_MONTH and rng.random() < 0.1
    submit_day = (
        add_working_days(deadline, rng.randint(1, 4))
        if late
        else add_working_days(deadline, -rng.randint(0, 3))
    )
    if month == LAST_MONTH:
        submit_day = min(submit_day, clock.today())
    created = _aware(
        min(add_working_days(submit_day, -rng.randint(1, 3)), submit_day), 10, rng.randint(0, 59)
    )
    submitted = _aware(submit_day, rng.choice([9, 10, 11, 15, 16, 17]), rng.randint(0, 59))
    approved = submitted + dt.timedelta(hours=rng.randint(2, 20))
    accepted = approved + dt.timedelta(hours=rng.randint(3, 40))
    contact = " ".join(part for part in [project.contact_name, project.contact_phone] if part)[:100]
    report = MonthlyReport(
        entry=entry,
        period=period,
        project=project,
        unit_id=project.lead_unit_id,
        invested_month=path.amounts[month],
        invested_ytd=ytd,
        invested_since_start=before + ytd,
        progress_text=path.texts[month],
        progress_percent=path.percents[month],
        workers_on_site=path.workers[month],
        stage_reached=stage[0] if stage else "",
        stage_date=stage[1] if stage else None,
        contact=contact,
        status=ReportStatus.DRAFT,
        created_at=created,
        created_by=clerk,
        updated_at=created,
        updated_by=clerk,
        version=1,
    )
    history: list[Any] = [(ReportAction.CREATE, created, clerk, "", ReportStatus.DRAFT, "", "")]
    if state == "draft":
        if rng.random() < 0.3:  # the month's money not typed in yet
            report.invested_month = None
            report.invested_ytd -= path.amounts[month]
            report.invested_since_start -= path.amounts[month]
        return report, history
    returned_once = month < LAST_MONTH and rng.random() < 0.04
    report.status = ReportStatus.SUBMITTED
    report.submitted_at, report.submitted_by = submitted, clerk
    report.first_submitted_at = submitted
    report.submitted_late = submit_day > deadline
    report.updated_at = submitted
    report.version = 2
    history.append(
        (ReportAction.SUBMIT, submitted, clerk, ReportStatus.DRAFT, ReportStatus.SUBMITTED, "", "")
    )
    if returned_once or state == ReportStatus.RETURNED:
        returned_at = submitted + dt.timedelta(hours=rng.randint(4, 30))
        reason = rng.choice(RETURN_REASONS)
        report.times_returned = 1
        report.reviewed_at, report.reviewed_by = returned_at, dispatcher
        history.append(
            (
                ReportAction.RETURN,
                returned_at,
                dispatcher,
                ReportStatus.SUBMITTED,
                ReportStatus.RETURNED,
                reason,
                "",
            )
        )
        report.version += 1
        if state == ReportStatus.RETURNED:
            report.status, report.return_reason = ReportStatus.RETURNED, reason
            return report, history
        again = returned_at + dt.timedelta(hours=rng.randint(5, 48))
        report.submitted_at = again
        history.append(
            (
                ReportAction.SUBMIT,
                again,
                clerk,
                ReportStatus.RETURNED,
                ReportStatus.SUBMITTED,
                "已按要求修改",
                "",
            )
        )
        report.version += 1
        approved, accepted = again + dt.timedelta(hours=3), again + dt.timedelta(hours=26)
    if state == ReportStatus.SUBMITTED:
        return report, history
    report.status = ReportStatus.UNIT_APPROVED
    report.approved_at, report.approved_by = approved, reviewer
    report.version += 1
    history.append(
        (ReportAction.APPROVE, approved, reviewer, ReportStatus.SUBMITTED, ReportStatus.UNIT_APPROVED, "", "")
    )
    if state == ReportStatus.UNIT_APPROVED:
        return report, history
    report.status = ReportStatus.ACCEPTED
    report.reviewed_at, report.reviewed_by = accepted, dispatcher
    report.return_reason = ""
    report.version += 1
    history.append(
        (ReportAction.ACCEPT, accepted, dispatcher, ReportStatus.UNIT_APPROVED, ReportStatus.ACCEPTED, "", "")
    )
    return report, history


def _insert(reports: list[MonthlyReport], histories: list[list[Any]], year: int) -> None:
    for report, history in zip(reports, histories, strict=True):
        report.updated_at = max(h[1] for h in history)
    MonthlyReport.objects.bulk_create(reports, batch_size=1000)
    events = []
    records = []
    for report, history in zip(reports, histories, strict=True):
        unit_name = str(report.project.lead_unit)
        for action, at, actor, from_status, to_status, note, _extra in history:
            if actor is not None:
                name = actor.get_full_name()
                unit = "区项目办" if actor.role == Role.DISPATCHER else unit_name
            elif action in (ReportAction.ACCEPT, ReportAction.RETURN):
                name, unit = "项目办", "区项目办"
            else:
                name, unit = (
                    f"{unit_name}填报员" if action != ReportAction.APPROVE else f"{unit_name}审核员",
                    unit_name,
                )
            changes = {}
            if action == ReportAction.CREATE:
                changes = {
                    "invested_month": {
                        "label": "本月完成投资（万元）",
                        "old": None,
                        "new": str(report.invested_month) if report.invested_month is not None else None,
                    },
                    "progress_text": {"label": "形象进度", "old": None, "new": report.progress_text},
                }
            elif from_status != to_status:
                changes = {
                    "status": {"label": "状态", "old": str(from_status) or None, "new": str(to_status)}
                }
            events.append(
                (
                    report.pk,
                    at,
                    actor.pk if actor else None,
                    name,
                    unit,
                    str(action),
                    str(from_status),
                    str(to_status),
                    changes,
                    note or DEMO_REASON,
                )
            )
            records.append(
                (
                    at,
                    actor.pk if actor else None,
                    name,
                    (ChangeAction.CREATE if action == ReportAction.CREATE else ChangeAction.UPDATE).value,
                    MonthlyReport._meta.label,
                    str(report.pk),
                    f"{report.period} · {report.project}"[:300],
                    changes,
                    f"{DEMO_REASON}：{ReportAction(action).label}",
                    "",
                )
            )
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
    )


def _link_or_raise_problems(
    reports: list[MonthlyReport],
    periods: dict[int, ReportingPeriod],
    unit_users: dict[int, dict[str, User]],
    dispatcher: User | None,
    rng: random.Random,
) -> None:
    """Tie the coordination demo's report-sourced problems to their reports; with none, raise a
    few from the reports of September–November through coordination's service."""
    by_key = {(r.project_id, r.period.key): r for r in reports}
    linked = []
    for problem in Problem.objects.filter(source=ProblemSource.REPORT, source_id__isnull=True).exclude(
        raised_from_period=""
    ):
        report = by_key.get((problem.project_id, problem.raised_from_period))
        if report is None:
            continue
        report.problems_text = problem.description[:2000]
        report.problem_type = problem.type
        linked.append(report)
        Problem.objects.filter(pk=problem.pk).update(
            source_type=services.PROBLEM_SOURCE_TYPE, source_id=report.pk
        )
    if linked:
        MonthlyReport.objects.bulk_update(linked, ["problems_text", "problem_type"], batch_size=500)
        return
    candidates = [
        r
        for r in reports
        if r.period.month >= 9 and r.status in HANDED_IN_STATUSES and r.project.stage in STARTED_STAGES
    ]
    rng.shuffle(candidates)
    raised = []
    for report, (type_, text, title) in zip(candidates[:6], REPORT_PROBLEMS, strict=False):
        actor = unit_users.get(report.project.lead_unit_id, {}).get(Role.UNIT_REPORTER) or dispatcher
        if actor is None:
            continue
        description = text.format(n=rng.randint(3, 40))
        day = (report.first_submitted_at or report.created_at).date()
        with clock.frozen(day):
            problem_raise(
                actor=actor,
                project=Project.objects.get(pk=report.project_id),
                type=type_,
                title=title,
                description=description,
                source=ProblemSource.REPORT,
                source_type=services.PROBLEM_SOURCE_TYPE,
                source_id=report.pk,
                period=report.period.key,
            )
        report.problems_text, report.problem_type = description, type_
        raised.append(report)
    MonthlyReport.objects.bulk_update(raised, ["problems_text", "problem_type"], batch_size=500)


def _sync_registry(entries: list[ProgrammeEntry], periods: dict[int, ReportingPeriod]) -> None:
    """Each entry's year-to-date = its latest handed-in report's (the rule the services keep)."""
    by_id = {p.pk: p for p in periods.values()}
    latest: dict[int, tuple[int, Decimal]] = {}
    for entry_id, period_id, ytd in MonthlyReport.objects.filter(
        period_id__in=list(by_id), status__in=HANDED_IN_STATUSES
    ).values_list("entry_id", "period_id", "invested_ytd"):
        month = by_id[period_id].month
        if month >= latest.get(entry_id, (0, Decimal(0)))[0]:
            latest[entry_id] = (month, ytd)
    progress = []
    year = next(iter(periods.values())).year
    for entry in entries:
        month, ytd = latest.get(entry.pk, (0, Decimal(0)))
        progress.append((entry, ytd, month_end(year, month) if month else None))
    programme_entries_record_progress(actor=None, progress=progress, reason=f"{DEMO_REASON}：按月度调度报告")


def _reminders(november: ReportingPeriod) -> None:
    """The reminders the scheduler sent two working days before November's deadline and today."""
    for day in [add_working_days(november.deadline, -2), november.deadline]:
        if day <= clock.today():
            with clock.frozen(day):
                services.reminders_send(today=day)


__all__ = ["load_demo_dispatch"]
