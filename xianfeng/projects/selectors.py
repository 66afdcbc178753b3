"""Reads of the registry. Every function takes the user and scopes rows with restrict()."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    FloatField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, NullIf
from django.utils.translation import gettext, ngettext

from xianfeng.lib import clock
from xianfeng.org.models import User
from xianfeng.projects.choices import (
    KIND_FOCUS,
    PLANNING_STEPS,
    PREPARATORY_STEPS,
    STARTED_STAGES,
    Kind,
    Level,
)
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

# The keys a list accepts, shared by the page, the export and the API.
FILTER_KEYS = ["year", "kind", "level", "category", "chain", "park", "street", "unit", "stage", "leader", "q"]
SORTS = {
    "code": ["internal_code"],
    "name": ["name", "internal_code"],
    "investment": ["total_investment", "internal_code"],
    "planned": ["year_planned_investment", "internal_code"],
    "start": ["planned_start", "internal_code"],
    "stage": ["stage", "internal_code"],
    "unit": ["lead_unit__order", "lead_unit__code", "internal_code"],
    "serial": ["year_serial", "internal_code"],
    "invested": ["year_invested_ytd", "internal_code"],
    "rate": ["year_completion_ratio", "internal_code"],
}
# Sorts whose first column can be NULL (a rate without planned investment): those rows come last
# whichever the direction, so the projects behind a low rate lead an ascending list.
NULLS_LAST = {"invested", "rate"}
ONE_PLACE = Decimal("0.1")


def completion_rate(*, invested: Decimal | None, planned: Decimal | None) -> Decimal | None:
    """完成率 in percent, one decimal rounded half-up (750 of 1,200 → 62.5); None without a plan."""
    if not planned:
        return None
    return ((invested or Decimal(0)) * 100 / planned).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass
class ProjectFilters:
    year: int | None = None
    kind: str = ""
    level: str = ""
    category: str = ""
    chain: int | None = None
    park: int | None = None
    street: int | None = None
    unit: int | None = None
    stage: str = ""
    leader: int | None = None
    q: str = ""
    archived: bool = False
    sort: str = "serial"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any, *, default_year: int | None = None) -> ProjectFilters:
        """Parse query parameters; a malformed value is dropped and reported, not a 500."""
        result = cls(year=default_year)

        def as_int(name: str, low: int = 1, high: int = 2**31) -> int | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                value = int(raw)
            except ValueError:
                result.errors[name] = gettext("“%(value)s”不是有效的编号") % {"value": raw}
                return None
            if not low <= value <= high:
                result.errors[name] = gettext("“%(value)s”超出范围") % {"value": raw}
                return None
            return value

        if "year" in params:
            result.year = as_int("year", 2000, 2100)
        for name in ["chain", "park", "street", "unit", "leader"]:
            setattr(result, name, as_int(name))
        for name in ["kind", "level", "category", "stage"]:
            setattr(result, name, (params.get(name) or "").strip()[:30])
        result.q = (params.get("q") or "").strip()[:100]
        result.archived = params.get("archived") in {"1", "true", "on"}
        sort = (params.get("sort") or "serial").strip()
        result.sort = sort if sort.lstrip("-") in SORTS else "serial"
        return result


LIST_RELATED = ("lead_unit", "street", "chain", "park", "leader")


def project_list(
    *, user: User, filters: ProjectFilters, related: tuple[str, ...] = LIST_RELATED
) -> QuerySet[Project]:
    """The filtered, sorted registry as the user may see it, one query per page.

    ``related``: the reference rows joined in (select_related). A caller that shows fewer asks
    for fewer: on PostgreSQL each join costs the planner more than the page costs to read (with
    all five, planning the page query takes several times its execution)."""
    qs = Project.objects.restrict(user, "view")
    qs = qs.filter(archived_at__isnull=False) if filters.archived else qs.filter(archived_at__isnull=True)
    if filters.year:
        qs = qs.annotate(year_entry=FilteredRelation("entries", condition=Q(entries__year=filters.year)))
        qs = qs.filter(year_entry__isnull=False).annotate(
            year_kind=F("year_entry__kind"),
            year_level=F("year_entry__level"),
            year_serial=F("year_entry__serial"),
            year_planned_investment=F("year_entry__planned_investment"),
            year_planned_start_month=F("year_entry__planned_start_month"),
            year_invested_ytd=F("year_entry__invested_ytd"),
        )
        if filters.kind:
            qs = qs.filter(year_entry__kind=filters.kind)
        if filters.level:
            qs = qs.filter(year_entry__level=filters.level)
    elif filters.kind or filters.level:
        cond = Q()
        if filters.kind:
            cond &= Q(kind=filters.kind)
        if filters.level:
            cond &= Q(level=filters.level)
        qs = qs.filter(pk__in=ProgrammeEntry.objects.filter(cond).values("project_id"))
    for name, column in [
        ("category", "category"),
        ("stage", "stage"),
        ("chain", "chain_id"),
        ("park", "park_id"),
        ("street", "street_id"),
        ("unit", "lead_unit_id"),
        ("leader", "leader_id"),
    ]:
        value = getattr(filters, name)
        if value not in (None, ""):
            qs = qs.filter(**{column: value})
    if filters.q:
        # Substring match works for Chinese text on both databases; search_text also holds the
        # lower-cased pinyin and its initials, so "xnxs" finds 虚拟现实 projects.
        for term in filters.q.lower().split():
            qs = qs.filter(search_text__contains=term)
    sort = filters.sort
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    columns = SORTS[key]
    if not filters.year and columns[0].startswith("year_"):
        key, columns = "code", SORTS["code"]
    if key == "rate":
        # Only this sort needs the ratio, computed by the database over the entry already joined.
        # Cast to float: SQLite stores whole amounts as integers and would divide them as such.
        qs = qs.annotate(
            year_completion_ratio=Cast("year_entry__invested_ytd", FloatField())
            / NullIf(Cast("year_entry__planned_investment", FloatField()), Value(0.0))
        )
    order: list[Any] = [("-" + c if descending and i == 0 else c) for i, c in enumerate(columns)]
    if key in NULLS_LAST:
        first = F(columns[0])
        order[0] = first.desc(nulls_last=True) if descending else first.asc(nulls_last=True)
    return qs.select_related(*related).order_by(*order)


def project_totals(*, queryset: QuerySet[Project], year: int | None) -> dict[str, Any]:
    """Count and sums over the whole filtered list (not just the page), in one query.

    With a year, also the investment completed and the overall rate: the sum completed over the
    sum planned, not the mean of the rows' rates (a small project must not weigh like a big one)."""
    aggregates: dict[str, Any] = {"count": Count("id"), "total_investment": Sum("total_investment")}
    if year:
        aggregates["planned_investment"] = Sum("year_planned_investment")
        aggregates["invested_ytd"] = Sum("year_invested_ytd")
    result = queryset.order_by().aggregate(**aggregates)
    result["total_investment"] = result["total_investment"] or Decimal(0)
    if year:
        result["planned_investment"] = result["planned_investment"] or Decimal(0)
        result["invested_ytd"] = result["invested_ytd"] or Decimal(0)
        result["completion_rate"] = completion_rate(
            invested=result["invested_ytd"], planned=result["planned_investment"]
        )
    return result


def project_get(*, user: User, pk: int, action: str = "view") -> Project:
    """One project the user may see (or change); Http404 otherwise, even if it exists."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Project.objects.restrict(user, action).select_related(
            "lead_unit", "street", "chain", "park", "leader"
        ),
        pk=pk,
    )


def project_detail(*, project: Project) -> dict[str, Any]:
    milestones = {m.kind: m for m in Milestone.objects.filter(project=project)}
    return {
        "entries": list(ProgrammeEntry.objects.filter(project=project).order_by("-year")),
        "milestones": milestones,
        "transitions": list(
            StageTransition.objects.filter(project=project).select_related("actor").order_by("-at", "-id")
        ),
    }


def available_years(*, user: User) -> list[int]:
    years = (
        ProgrammeEntry.objects.restrict(user, "view")
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    return list(years)


# ---------------------------------------------------------------- pipeline board


@dataclass
class BoardCard:
    entry: ProgrammeEntry
    project: Project
    status: str  # ok / warn / late / wait — the colour of the card
    headline: str  # the answer to the column's question, in words
    done: int = 0
    total: int = 0
    started: bool = False


@dataclass
class BoardColumn:
    kind: str
    label: str
    focus: str
    cards: list[BoardCard]
    summary: str
    count: int
    planned_investment: Decimal


def time_progress(*, as_of: dt.date) -> Decimal:
    """Share of the year elapsed in whole months (时间进度 = months elapsed / 12)."""
    months = as_of.month if as_of.day >= _month_end(as_of).day else as_of.month - 1
    return (Decimal(months) / Decimal(12)).quantize(Decimal("0.0001"))


def _month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    # The same rounding (half-up) as the registry list, so a card and its row show one rate.
    return completion_rate(invested=part, planned=whole)


def pipeline_board(*, user: User, year: int, filters: ProjectFilters | None = None) -> list[BoardColumn]:
    """The year's programme in four columns, each card answering its kind's question."""
    today = clock.today()
    as_of = min(today, dt.date(year, 12, 31))
    projects = project_list(user=user, filters=filters or ProjectFilters(year=year)).values_list(
        "pk", flat=True
    )
    entries = (
        ProgrammeEntry.objects.restrict(user, "view")
        .filter(year=year, project_id__in=projects)
        .select_related("project", "project__lead_unit")
        .prefetch_related(Prefetch("project__milestones", queryset=Milestone.objects.all()))
        .order_by("serial", "id")
    )
    columns: dict[str, BoardColumn] = {
        kind.value: BoardColumn(
            kind=kind.value,
            label=str(kind.label),
            focus=str(KIND_FOCUS[kind]),
            cards=[],
            summary="",
            count=0,
            planned_investment=Decimal(0),
        )
        for kind in Kind
    }
    progress = (
        time_progress(as_of=as_of)
        if year == as_of.year
        else (Decimal(1) if year < as_of.year else Decimal(0))
    )
    for entry in entries:
        project = entry.project
        done_kinds = {m.kind for m in project.milestones.all() if m.actual_date}
        column = columns[entry.kind]
        column.count += 1
        column.planned_investment += entry.planned_investment
        column.cards.append(_card(entry, project, done_kinds, year, as_of, progress))
    for column in columns.values():
        column.summary = _summary(column, year, as_of, progress)
    return list(columns.values())


def _card(
    entry: ProgrammeEntry,
    project: Project,
    done_kinds: set[str],
    year: int,
    as_of: dt.date,
    progress: Decimal,
) -> BoardCard:
    if entry.kind == Kind.NEW_START:
        month = entry.planned_start_month
        planned = gettext("计划%(month)s月开工") % {"month": month} if month else gettext("未定开工月份")
        if project.actual_start and project.stage in STARTED_STAGES | {"suspended"}:
            started = project.actual_start
            late = month is not None and (started.year, started.month) > (year, month)
            headline = (
                gettext("%(planned)s，%(date)s 开工（滞后）")
                if late
                else gettext("%(planned)s，%(date)s 开工")
            )
            return BoardCard(
                entry,
                project,
                "warn" if late else "ok",
                headline % {"planned": planned, "date": f"{started:%Y-%m-%d}"},
                started=True,
            )
        due = month is not None and (as_of.year, as_of.month) >= (year, month)
        if due and month is not None:
            behind = (as_of.year - year) * 12 + as_of.month - month
            return BoardCard(
                entry,
                project,
                "late" if behind >= 3 else "warn",
                ngettext(
                    "%(planned)s，尚未开工（已过计划 %(months)s 个月）",
                    "%(planned)s，尚未开工（已过计划 %(months)s 个月）",
                    behind,
                )
                % {"planned": planned, "months": behind}
                if behind
                else gettext("%(planned)s，本月应开工尚未开工") % {"planned": planned},
            )
        return BoardCard(entry, project, "wait", gettext("%(planned)s，未到计划时间") % {"planned": planned})
    if entry.kind == Kind.CONTINUING:
        rate = _percent(entry.invested_ytd, entry.planned_investment)
        if rate is None:
            return BoardCard(entry, project, "wait", gettext("未下达年度计划投资"))
        gap = progress * 100 - rate
        status = "ok" if gap < 10 else ("warn" if gap <= 30 else "late")
        return BoardCard(
            entry,
            project,
            status,
            gettext("完成 %(invested)s / 计划 %(planned)s 万元（%(rate)s%%，时间进度 %(progress)s%%）")
            % {
                "invested": f"{entry.invested_ytd:,.0f}",
                "planned": f"{entry.planned_investment:,.0f}",
                "rate": rate,
                "progress": f"{progress * 100:.1f}",
            },
        )
    steps = PREPARATORY_STEPS if entry.kind == Kind.RESERVE else PLANNING_STEPS
    done = sum(1 for step in steps if step in done_kinds)
    names = gettext("、").join(str(step.label) for step in steps if step not in done_kinds)
    label = gettext("前期手续") if entry.kind == Kind.RESERVE else gettext("谋划步骤")
    status = "ok" if done == len(steps) else ("warn" if done else "wait")
    values = {"label": label, "done": done, "total": len(steps), "names": names}
    headline = (
        gettext("%(label)s完成 %(done)s/%(total)s，待办：%(names)s")
        if names
        else gettext("%(label)s完成 %(done)s/%(total)s，已全部完成")
    ) % values
    return BoardCard(entry, project, status, headline, done=done, total=len(steps))


def _summary(column: BoardColumn, year: int, as_of: dt.date, progress: Decimal) -> str:
    cards = column.cards
    if not cards:
        return gettext("暂无项目")
    if column.kind == Kind.NEW_START:
        started = sum(1 for c in cards if c.started)
        due = sum(
            1
            for c in cards
            if c.entry.planned_start_month
            and (as_of.year, as_of.month) >= (year, c.entry.planned_start_month)
        )
        return gettext("已开工 %(started)s/%(total)s，应开工 %(due)s 个") % {
            "started": started,
            "total": len(cards),
            "due": due,
        }
    if column.kind == Kind.CONTINUING:
        planned = sum((c.entry.planned_investment for c in cards), Decimal(0))
        invested = sum((c.entry.invested_ytd for c in cards), Decimal(0))
        rate = _percent(invested, planned)
        shown = rate if rate is not None else "—"
        return gettext("完成投资 %(invested)s / %(planned)s 万元（%(rate)s%%），时间进度 %(progress)s%%") % {
            "invested": f"{invested:,.0f}",
            "planned": f"{planned:,.0f}",
            "rate": shown,
            "progress": f"{progress * 100:.1f}",
        }
    done = sum(c.done for c in cards)
    total = sum(c.total for c in cards)
    complete = sum(1 for c in cards if c.done == c.total)
    return ngettext(
        "%(complete)s/%(count)s 个项目已完成全部步骤，步骤完成 %(done)s/%(total)s",
        "%(complete)s/%(count)s 个项目已完成全部步骤，步骤完成 %(done)s/%(total)s",
        len(cards),
    ) % {"complete": complete, "count": len(cards), "done": done, "total": total}


# ---------------------------------------------------------------- programme summary (home page)


@dataclass
class ProgrammeSummary:
    """One year's programme as the user may see it; money in 万元."""

    year: int
    count: int
    total_investment: Decimal
    planned_investment: Decimal
    invested_ytd: Decimal
    by_kind: list[tuple[str, str, int]]  # (kind, label, count) in Kind order
    by_level: list[tuple[str, str, int]]
    new_starts: int
    new_starts_started: int
    time_progress: Decimal  # 0..1

    @property
    def completion_rate(self) -> Decimal | None:
        return _percent(self.invested_ytd, self.planned_investment)

    @property
    def start_rate(self) -> Decimal | None:
        return _percent(Decimal(self.new_starts_started), Decimal(self.new_starts))


def programme_summary(*, user: User, year: int) -> ProgrammeSummary:
    """The year's programme in figures (one query): the projects not archived that the user may see.

    A new start counts as started once it has an actual start date and a started (or suspended)
    stage, as on the pipeline board.
    """
    entries = ProgrammeEntry.objects.restrict(user, "view").filter(
        year=year, project__archived_at__isnull=True
    )
    started = Q(
        kind=Kind.NEW_START,
        project__actual_start__isnull=False,
        project__stage__in=[*STARTED_STAGES, "suspended"],
    )
    aggregates: dict[str, Any] = {
        "count": Count("id"),
        "total": Sum("project__total_investment"),
        "planned": Sum("planned_investment"),
        "ytd": Sum("invested_ytd"),
        "started": Count("id", filter=started),
    }
    aggregates |= {f"kind_{k.value}": Count("id", filter=Q(kind=k.value)) for k in Kind}
    aggregates |= {f"level_{lv.value}": Count("id", filter=Q(level=lv.value)) for lv in Level}
    row = entries.order_by().aggregate(**aggregates)
    today = clock.today()
    if year == today.year:
        progress = time_progress(as_of=today)
    else:
        progress = Decimal(1) if year < today.year else Decimal(0)
    return ProgrammeSummary(
        year=year,
        count=row["count"],
        total_investment=row["total"] or Decimal(0),
        planned_investment=row["planned"] or Decimal(0),
        invested_ytd=row["ytd"] or Decimal(0),
        by_kind=[(k.value, str(k.label), row[f"kind_{k.value}"]) for k in Kind],
        by_level=[(lv.value, str(lv.label), row[f"level_{lv.value}"]) for lv in Level],
        new_starts=row[f"kind_{Kind.NEW_START.value}"],
        new_starts_started=row["started"],
        time_progress=progress,
    )
