"""Traffic-light warnings (红黄绿灯预警): one signal per programme entry and reporting period.

Three rules, each with thresholds in :class:`~xianfeng.targets.models.WarningRule` (editable by
the dispatcher and the admin; defaults from a data migration). The overall colour is the worst
of the rules that apply; a project no rule applies to is green.

- **Start (开工)** applies to new starts (新开工) with a planned start month. Started (an actual
  start on or before the period's month end) → green, however late it came (from then on the
  pace rule watches it). Not started and the planned month still ahead → green (not due yet).
  Not started by the end of the planned month: months late = period month − planned month;
  ≥ ``yellow_at`` (default 0: the planned month itself) → yellow, ≥ ``red_at`` (default 3) → red.
  Reason: "计划2024年4月开工，截至11月末未开工，已逾期7个月".
- **Pace (投资进度)** applies to a project with an annual plan (> 0) — so a reserve or strategic
  project without a plan is not judged — except a new start whose planned month is still ahead
  and which has not started (as the dispatch statistics judge it). Completion = the year-to-date
  of the latest handed-in report up to the period ÷ the plan, in percent (one place, half up);
  time progress = month ÷ 12 (one place); gap = time progress − completion (both rounded first,
  so the gap stated equals the difference of the figures stated). Gap ≥ ``yellow_at`` (10) →
  yellow; gap > ``red_at`` (30) → red. Reason: "年度投资完成率42.0%，落后时间进度49.7个百分点".
- **Reporting (报送)** applies to every entry (each owes a report each period). A period's report
  is handed in (submitted, unit-approved or accepted), handed in late (``submitted_late``), or
  missing — but only once that period's deadline has passed (before it, the report is pending and
  neither counts nor breaks a run). Consecutive missing periods, counted back from the period
  (a pending current period is skipped): ≥ ``red_at`` (2) → red; ≥ ``yellow_at`` (1) → yellow; the
  period's report handed in late → yellow. Reasons: "10月、11月连续两期未报送", "11月未报送",
  "11月报告逾期报送".

Replaying an earlier period judges the reports as they stand now (a January report handed in
late in March counts as handed in late for January). The previous colour is the signal of the
period before in the same year; recomputing a period also brings the next period's stored
previous colours (and so its list of colour changes) up to date.

Reasons are stored as codes with their figures and put into words when read (in the user's
language). :func:`signals_recompute` computes a whole period set-based: three reads (entries,
the year's reports up to the period, the previous signals), then a replace in bulk.
:func:`signals_refresh` does the same for some entries only (those whose reports just changed),
with the same judging code, and replaces only their rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext

from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod, month_end
from xianfeng.dispatch.selectors import period_due_entries
from xianfeng.dispatch.statistics import percent, time_progress_percent
from xianfeng.lib import clock
from xianfeng.lib.bulk import insert_rows
from xianfeng.projects.choices import Kind
from xianfeng.targets.choices import COLOUR_RANK, Colour, WarningRuleKind
from xianfeng.targets.models import ProjectSignal, WarningRule

ZERO = Decimal(0)
# Defaults when a rule row is missing (the data migration creates them).
DEFAULT_THRESHOLDS: dict[str, tuple[Decimal, Decimal]] = {
    WarningRuleKind.START: (Decimal(0), Decimal(3)),
    WarningRuleKind.PACE: (Decimal(10), Decimal(30)),
    WarningRuleKind.REPORTING: (Decimal(1), Decimal(2)),
}
# A refresh names its entries in the SQL up to this many (IN lists); beyond, the period is read
# whole — the same two queries as a full recompute — and the entries are picked out here.
LISTED_ENTRIES = 500
# The key space of the advisory locks that keep two writers of one period's rows apart.
LOCK_SPACE = 7301


def chunked(ids: Collection[int], size: int = LISTED_ENTRIES) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def lock_period(period: ReportingPeriod) -> None:
    """Keep the writers of one period's derived rows (a full recompute, a refresh) one after the
    other until the transaction ends, so that neither replaces rows the other has just written
    from older data. PostgreSQL: a transaction-scoped advisory lock (the period's own row is left
    alone: report saves lock it). SQLite lets one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, period.pk])


# ---------------------------------------------------------------- the year's facts, read once


@dataclass(slots=True)
class EntryFacts:
    """What the rules and forecasts read of one programme entry, and its reports of the year."""

    entry_id: int
    project_id: int
    unit_id: int
    kind: str
    category: str
    planned: Decimal
    planned_start_month: int | None
    actual_start: dt.date | None
    total_investment: Decimal
    invested_before: Decimal
    # month → year-to-date of the handed-in report of that month
    ytd: dict[int, Decimal] = field(default_factory=dict)
    # month → "ok" | "late" (handed in); months without a handed-in report are absent
    handed: dict[int, str] = field(default_factory=dict)

    def completed(self, month: int) -> Decimal:
        """Investment completed by the end of ``month``: the largest year-to-date among the handed-in
        reports up to it (a year-to-date never falls, so the largest is the latest); 0 if none."""
        best = ZERO
        for m, value in self.ytd.items():
            if m <= month and value > best:
                best = value
        return best

    def until(self, month: int) -> EntryFacts:
        """The same facts as read for an earlier period: the reports of months up to ``month``."""
        return replace(
            self,
            ytd={m: v for m, v in self.ytd.items() if m <= month},
            handed={m: v for m, v in self.handed.items() if m <= month},
        )


def year_facts(
    period: ReportingPeriod,
    *,
    entry_ids: Collection[int] | None = None,
    unit_ids: Collection[int] | None = None,
) -> list[EntryFacts]:
    """Every entry due in ``period`` with its handed-in reports of the year up to the period: two
    queries, whatever the size of the programme. ``entry_ids`` / ``unit_ids``: only those entries,
    or the entries of those units (their projects' lead units)."""
    entries = period_due_entries(period).order_by("serial", "id")
    reports = MonthlyReport.objects.filter(
        period__year=period.year, period__month__lte=period.month, status__in=HANDED_IN_STATUSES
    )
    if unit_ids is not None:
        entries = entries.filter(project__lead_unit_id__in=sorted(unit_ids))
        reports = reports.filter(entry__project__lead_unit_id__in=sorted(unit_ids))
    wanted = None if entry_ids is None else set(entry_ids)
    if wanted is not None and len(wanted) <= LISTED_ENTRIES:
        entries = entries.filter(pk__in=sorted(wanted))
        reports = reports.filter(entry_id__in=sorted(wanted))
    facts: dict[int, EntryFacts] = {}
    for row in entries.values_list(
        "id",
        "project_id",
        "project__lead_unit_id",
        "kind",
        "project__category",
        "planned_investment",
        "planned_start_month",
        "project__actual_start",
        "project__total_investment",
        "invested_before",
    ):
        if wanted is None or row[0] in wanted:
            facts[row[0]] = EntryFacts(*row)
    rows = reports.order_by().values_list("entry_id", "period__month", "invested_ytd", "submitted_late")
    for entry_id, month, ytd, late in rows.iterator(chunk_size=20000):
        fact = facts.get(entry_id)
        if fact is None:
            continue
        fact.ytd[month] = ytd
        fact.handed[month] = "late" if late else "ok"
    return list(facts.values())


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Thresholds:
    enabled: bool
    yellow_at: Decimal
    red_at: Decimal


def rule_thresholds() -> dict[str, Thresholds]:
    """The configured thresholds per rule (one query); defaults where a row is missing."""
    result = {rule: Thresholds(True, *values) for rule, values in DEFAULT_THRESHOLDS.items()}
    for rule in WarningRule.objects.all():
        result[rule.rule] = Thresholds(rule.enabled, rule.yellow_at, rule.red_at)
    return result


def pace_thresholds() -> Thresholds:
    """The pace rule's thresholds alone (one query, one row): the cockpit colours completion rates
    by them, so its bars agree with the projects' lights. The defaults where the row is missing."""
    row = (
        WarningRule.objects.filter(rule=WarningRuleKind.PACE)
        .values_list("enabled", "yellow_at", "red_at")
        .first()
    )
    if row is None:
        return Thresholds(True, *DEFAULT_THRESHOLDS[WarningRuleKind.PACE])
    return Thresholds(*row)


@dataclass
class Judgement:
    """The outcome for one entry and period, before it is stored."""

    colour: str
    start: str = ""
    pace: str = ""
    reporting: str = ""
    reasons: list[dict[str, Any]] = field(default_factory=list)
    months_late: int | None = None
    completion_rate: Decimal | None = None
    gap: Decimal | None = None
    missing_periods: int = 0


def judge_start(
    fact: EntryFacts, *, year: int, month: int, rule: Thresholds
) -> tuple[str, dict | None, int | None]:
    """(colour or "" when the rule does not apply, reason, months late)."""
    if not rule.enabled or fact.kind != Kind.NEW_START or fact.planned_start_month is None:
        return "", None, None
    if fact.actual_start is not None and fact.actual_start <= month_end(year, month):
        return Colour.GREEN, None, None
    if fact.planned_start_month > month:
        return Colour.GREEN, None, None
    late = month - fact.planned_start_month
    if late >= rule.red_at:
        colour = Colour.RED
    elif late >= rule.yellow_at:
        colour = Colour.YELLOW
    else:
        return Colour.GREEN, None, late
    reason = {
        "code": "start",
        "year": year,
        "planned": fact.planned_start_month,
        "month": month,
        "late": late,
    }
    return colour, reason, late


def judge_pace(
    fact: EntryFacts, *, year: int, month: int, rule: Thresholds
) -> tuple[str, dict | None, Decimal | None, Decimal | None]:
    """(colour or "", reason, completion rate %, gap in points behind)."""
    if not rule.enabled or fact.planned <= 0:
        return "", None, None, None
    if fact.kind == Kind.NEW_START:
        started = fact.actual_start is not None and fact.actual_start <= month_end(year, month)
        due = fact.planned_start_month is not None and fact.planned_start_month <= month
        if not started and not due:
            return "", None, None, None
    rate = percent(fact.completed(month), fact.planned)
    assert rate is not None
    gap = time_progress_percent(month) - rate
    if gap > rule.red_at:
        colour = Colour.RED
    elif gap >= rule.yellow_at:
        colour = Colour.YELLOW
    else:
        return Colour.GREEN, None, rate, gap
    return colour, {"code": "pace", "rate": str(rate), "gap": str(gap)}, rate, gap


def judge_reporting(
    fact: EntryFacts, *, periods: list[tuple[int, dt.date]], today: dt.date, rule: Thresholds
) -> tuple[str, list[dict], int]:
    """(colour or "", reasons, consecutive missing periods). ``periods``: (month, deadline) of the
    year's periods up to the one judged, in order."""
    if not rule.enabled or not periods:
        return "", [], 0
    month = periods[-1][0]
    run: list[int] = []
    for index in range(len(periods) - 1, -1, -1):
        m, deadline = periods[index]
        if m in fact.handed:
            break
        if today <= deadline:
            if index == len(periods) - 1:
                continue  # this period's report is not due yet: pending
            break
        run.append(m)
    run.reverse()
    reasons: list[dict] = []
    colour = Colour.GREEN
    if run and len(run) >= rule.red_at:
        colour = Colour.RED
    elif run and len(run) >= rule.yellow_at:
        colour = Colour.YELLOW
    if run:
        reasons.append({"code": "missing", "months": run})
    if fact.handed.get(month) == "late":
        reasons.append({"code": "late", "month": month})
        if colour == Colour.GREEN:
            colour = Colour.YELLOW
    return colour, reasons, len(run)


def worst(*colours: str) -> str:
    found = max(colours, key=lambda c: COLOUR_RANK[c], default="")
    return found or Colour.GREEN


def judge(
    fact: EntryFacts,
    *,
    year: int,
    month: int,
    periods: list[tuple[int, dt.date]],
    today: dt.date,
    rules: dict[str, Thresholds],
) -> Judgement:
    start, start_reason, months_late = judge_start(
        fact, year=year, month=month, rule=rules[WarningRuleKind.START]
    )
    pace, pace_reason, rate, gap = judge_pace(fact, year=year, month=month, rule=rules[WarningRuleKind.PACE])
    reporting, reporting_reasons, missing = judge_reporting(
        fact, periods=periods, today=today, rule=rules[WarningRuleKind.REPORTING]
    )
    reasons = [r for r in [start_reason, pace_reason] if r] + reporting_reasons
    return Judgement(
        colour=worst(start, pace, reporting),
        start=start,
        pace=pace,
        reporting=reporting,
        reasons=reasons,
        months_late=months_late,
        completion_rate=rate,
        gap=gap,
        missing_periods=missing,
    )


# ---------------------------------------------------------------- reasons in words

CHINESE_NUMBERS = "零一两三四五六七八九十"


def _count_words(n: int) -> str:
    if (get_language() or "zh-hans").startswith("zh") and 0 <= n <= 10:
        return CHINESE_NUMBERS[n]
    return str(n)


def _month_words(month: int) -> str:
    return gettext("%(month)s月") % {"month": month}


def reason_text(reason: dict[str, Any]) -> str:
    """One stored reason in words, in the active language."""
    code = reason.get("code")
    if code == "start":
        if reason["late"] == 0:
            return gettext("计划%(year)s年%(planned)s月开工，截至%(month)s月末未开工") % reason
        return (
            gettext("计划%(year)s年%(planned)s月开工，截至%(month)s月末未开工，已逾期%(late)s个月") % reason
        )
    if code == "pace":
        return gettext("年度投资完成率%(rate)s%%，落后时间进度%(gap)s个百分点") % reason
    if code == "missing":
        months = gettext("、").join(_month_words(m) for m in reason["months"])
        if len(reason["months"]) == 1:
            return gettext("%(months)s未报送") % {"months": months}
        return gettext("%(months)s连续%(count)s期未报送") % {
            "months": months,
            "count": _count_words(len(reason["months"])),
        }
    if code == "late":
        return gettext("%(month)s月报告逾期报送") % reason
    return str(reason)


def reasons_text(reasons: Iterable[dict[str, Any]]) -> list[str]:
    return [reason_text(r) for r in reasons]


# ---------------------------------------------------------------- recomputation


@dataclass
class SignalsResult:
    period: str
    projects: int
    red: int
    yellow: int
    green: int
    changed: int


def previous_period(period: ReportingPeriod) -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(year=period.year, month__lt=period.month).order_by("-month").first()


SIGNAL_COLUMNS = [
    "entry_id",
    "period_id",
    "project_id",
    "colour",
    "start_colour",
    "pace_colour",
    "reporting_colour",
    "previous_colour",
    "reasons",
    "months_late",
    "completion_rate",
    "gap",
    "missing_periods",
    "computed_at",
]


def _previous_colours(period: ReportingPeriod, entry_ids: Collection[int] | None) -> dict[int, str]:
    """entry → its stored colour of the period before (all entries, or those of ``entry_ids``)."""
    before = previous_period(period)
    if before is None:
        return {}
    stored = ProjectSignal.objects.filter(period=before).order_by()  # no joins for the model's ordering
    if entry_ids is None or len(entry_ids) > LISTED_ENTRIES:
        colours = dict(stored.values_list("entry_id", "colour"))
        return colours if entry_ids is None else {e: c for e, c in colours.items() if e in entry_ids}
    return dict(stored.filter(entry_id__in=sorted(entry_ids)).values_list("entry_id", "colour"))


def _judge_rows(
    period: ReportingPeriod, facts: list[EntryFacts], previous: dict[int, str], today: dt.date
) -> tuple[list[tuple[Any, ...]], SignalsResult]:
    """The rows to store for ``facts`` (in :data:`SIGNAL_COLUMNS` order) and their counts: the one
    place the rules are applied, for a whole period and for a refresh alike."""
    rules = rule_thresholds()
    periods = list(
        ReportingPeriod.objects.filter(year=period.year, month__lte=period.month)
        .order_by("month")
        .values_list("month", "deadline")
    )
    now = timezone.now()
    rows = []
    counts = {Colour.RED: 0, Colour.YELLOW: 0, Colour.GREEN: 0}
    changed = 0
    for fact in facts:
        j = judge(fact, year=period.year, month=period.month, periods=periods, today=today, rules=rules)
        prev = previous.get(fact.entry_id, "")
        counts[j.colour] += 1
        if prev and prev != j.colour:
            changed += 1
        rows.append(
            (
                fact.entry_id,
                period.pk,
                fact.project_id,
                j.colour,
                j.start,
                j.pace,
                j.reporting,
                prev,
                j.reasons,
                j.months_late,
                j.completion_rate,
                j.gap,
                j.missing_periods,
                now,
            )
        )
    result = SignalsResult(
        period=period.key,
        projects=len(rows),
        red=counts[Colour.RED],
        yellow=counts[Colour.YELLOW],
        green=counts[Colour.GREEN],
        changed=changed,
    )
    return rows, result


def next_period(period: ReportingPeriod) -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(year=period.year, month__gt=period.month).order_by("month").first()


def _carry_colours(period: ReportingPeriod, entry_ids: Collection[int] | None) -> int:
    """Set the next period's stored previous colour (of every entry, or of ``entry_ids``) to the
    colour just stored for ``period`` (blank where it has none), so that the next period's colour
    changes read the figures as they now stand. One UPDATE; returns the rows it changed (0 when
    the next period has no signals yet)."""
    following = next_period(period)
    if following is None:
        return 0
    lock_period(following)
    colour = Coalesce(
        Subquery(
            ProjectSignal.objects.filter(period=period, entry_id=OuterRef("entry_id")).values("colour")[:1]
        ),
        Value(""),
        output_field=CharField(),
    )
    # Only the rows that differ are written (most stay as they were).
    stored = ProjectSignal.objects.filter(period=following).exclude(previous_colour=colour)
    if entry_ids is None:
        return stored.update(previous_colour=colour)
    return sum(
        stored.filter(entry_id__in=chunk).update(previous_colour=colour) for chunk in chunked(entry_ids)
    )


@transaction.atomic
def signals_recompute(
    *,
    period: ReportingPeriod,
    facts: list[EntryFacts] | None = None,
    today: dt.date | None = None,
) -> SignalsResult:
    """Judge every project of ``period`` and replace the period's stored signals (derived data,
    recomputed whole: rows are replaced, not edited); then the next period's previous colours.
    ``facts`` (from :func:`year_facts`) saves the reads when the forecasts are computed in the
    same run."""
    today = today or clock.today()
    lock_period(period)
    facts = year_facts(period) if facts is None else facts
    rows, result = _judge_rows(period, facts, _previous_colours(period, None), today)
    ProjectSignal.objects.filter(period=period).delete()
    insert_rows(ProjectSignal, SIGNAL_COLUMNS, rows)
    _carry_colours(period, None)
    return result


@transaction.atomic
def signals_refresh(
    *,
    period: ReportingPeriod,
    entry_ids: Collection[int],
    facts: list[EntryFacts] | None = None,
    today: dt.date | None = None,
) -> SignalsResult | None:
    """Judge the entries of ``entry_ids`` again for ``period`` and replace their rows only (an
    entry no longer due loses its row), then their previous colour in the next period: the rows
    come out as :func:`signals_recompute` would write them. ``facts``: facts read for the period
    (any superset of the entries). A period whose signals were never computed is left alone
    (None): a few rows would pass for the whole period; its full recompute makes them all."""
    ids = set(entry_ids)
    if not ids:
        return None
    lock_period(period)
    if not ProjectSignal.objects.filter(period=period).exists():
        return None
    today = today or clock.today()
    facts = year_facts(period, entry_ids=ids) if facts is None else facts
    facts = [f for f in facts if f.entry_id in ids]
    rows, result = _judge_rows(period, facts, _previous_colours(period, ids), today)
    stored = ProjectSignal.objects.filter(period=period)
    for chunk in chunked(ids):
        stored.filter(entry_id__in=chunk).delete()
    insert_rows(ProjectSignal, SIGNAL_COLUMNS, rows)
    _carry_colours(period, ids)
    return result


# ---------------------------------------------------------------- settings (规则与曲线), audited


@dataclass
class RuleChange:
    rule: str
    enabled: bool
    yellow_at: Decimal
    red_at: Decimal


def rules_update(*, actor: Any, changes: list[RuleChange]) -> int:
    """Save the thresholds the dispatcher (or admin) set; refuses a red threshold below the yellow
    one, naming the rule. Returns the rules changed. All or nothing."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from xianfeng.audit.services import record_update, snapshot

    with transaction.atomic():
        allowed = {r.rule: r for r in WarningRule.objects.restrict(actor, "change").select_for_update()}
        if not allowed:
            raise PermissionDenied(gettext("只有调度专员或系统管理员可以修改预警规则"))
        errors = []
        for change in changes:
            label = dict(WarningRuleKind.choices).get(change.rule, change.rule)
            if change.rule not in allowed:
                errors.append(gettext("没有“%(rule)s”规则") % {"rule": label})
            elif change.yellow_at < 0 or change.red_at < 0:
                errors.append(gettext("“%(rule)s”规则：阈值不能为负数") % {"rule": label})
            elif change.red_at < change.yellow_at:
                errors.append(gettext("“%(rule)s”规则：红灯阈值不能小于黄灯阈值") % {"rule": label})
        if errors:
            raise ValidationError(errors)
        changed = 0
        for change in changes:
            rule = allowed[change.rule]
            before = snapshot(rule)
            rule.enabled, rule.yellow_at, rule.red_at = change.enabled, change.yellow_at, change.red_at
            if snapshot(rule) == before:
                continue
            rule.version += 1
            rule.save()
            record_update(actor=actor, instance=rule, before=before, reason=gettext("修改预警规则"))
            changed += 1
        return changed
