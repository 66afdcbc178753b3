"""Reads of investment attraction. Every function that returns rows takes the user and scopes them
with restrict(); the duplicate check alone looks across units (that is its purpose) and returns
only what a second unit needs to know: the name, the code and which unit entered it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.http import Http404

from xianfeng.attraction.choices import (
    ACTIVE_STAGES,
    FOREIGN_ORIGINS,
    STAGE_RANK,
    Source,
    Stage,
)
from xianfeng.attraction.models import (
    Event,
    FollowUp,
    ForeignCapital,
    Investor,
    Lead,
    LeadStageChange,
    is_bureau,
)
from xianfeng.attraction.names import name_keys, normalise_name, similarity
from xianfeng.lib import clock
from xianfeng.org.models import Department, User
from xianfeng.projects.choices import Stage as ProjectStage
from xianfeng.projects.models import Milestone, Project

ONE = Decimal("0.1")
BOARD_CARDS = 30  # cards shown per column; the list shows the rest
LEAD_RELATED = ["investor", "owner_unit", "officer", "chain", "event", "project"]


# ---------------------------------------------------------------- screening at entry


@dataclass
class Screening:
    """A lead's intensity per 亩 against the admission thresholds (准入初筛)."""

    applicable: bool
    invest_per_mu: Decimal | None = None
    tax_per_mu: Decimal | None = None
    min_invest: Decimal = Decimal(0)
    min_tax: Decimal = Decimal(0)
    invest_ok: bool | None = None
    tax_ok: bool | None = None

    @property
    def result(self) -> str:
        """pass / fail / incomplete / na."""
        if not self.applicable:
            return "na"
        if self.invest_ok is False or self.tax_ok is False:
            return "fail"
        if self.invest_ok and self.tax_ok:
            return "pass"
        return "incomplete"

    @property
    def summary(self) -> str:
        if not self.applicable:
            return "不需新增用地，不作亩均初筛"
        parts = [
            f"投资强度 {self.invest_per_mu:,} 万元/亩（标准 ≥ {self.min_invest}）"
            f"{'达标' if self.invest_ok else '未达标'}"
        ]
        if self.tax_per_mu is None:
            parts.append(f"预计亩均税收未填写（标准 ≥ {self.min_tax} 万元/亩·年）")
        else:
            parts.append(
                f"亩均税收 {self.tax_per_mu:,} 万元/亩·年（标准 ≥ {self.min_tax}）{'达标' if self.tax_ok else '未达标'}"
            )
        verdict = {"pass": "初筛通过", "fail": "初筛未通过", "incomplete": "初筛待补充"}[self.result]
        return f"{verdict}：" + "；".join(parts)


def screen(
    *, investment_wan: Decimal | None, land_mu: Decimal | None, expected_tax_wan: Decimal | None
) -> Screening:
    min_invest = Decimal(settings.XF_ATTRACTION_MIN_INVEST_PER_MU)
    min_tax = Decimal(settings.XF_ATTRACTION_MIN_TAX_PER_MU)
    if not land_mu or investment_wan is None:
        return Screening(applicable=False, min_invest=min_invest, min_tax=min_tax)
    per_mu = (investment_wan / land_mu).quantize(ONE, rounding=ROUND_HALF_UP)
    tax = (
        (expected_tax_wan / land_mu).quantize(ONE, rounding=ROUND_HALF_UP)
        if expected_tax_wan is not None
        else None
    )
    return Screening(
        applicable=True,
        invest_per_mu=per_mu,
        tax_per_mu=tax,
        min_invest=min_invest,
        min_tax=min_tax,
        invest_ok=per_mu >= min_invest,
        tax_ok=None if tax is None else tax >= min_tax,
    )


def lead_screening(lead: Lead) -> Screening:
    return screen(
        investment_wan=lead.investment_wan, land_mu=lead.land_mu, expected_tax_wan=lead.expected_tax_wan
    )


# ---------------------------------------------------------------- duplicates


@dataclass
class InvestorCandidate:
    pk: int
    name: str
    credit_code: str
    unit: str
    score: float
    reason: str
    visible: bool = False


@dataclass
class LeadCandidate:
    pk: int
    name: str
    unit: str
    stage_label: str
    entered_on: dt.date
    investor: str
    visible: bool = False


@dataclass
class Duplicates:
    investors: list[InvestorCandidate] = field(default_factory=list)
    leads: list[LeadCandidate] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.investors or self.leads)

    def messages(self) -> list[str]:
        lines = []
        for c in self.investors:
            code = f"，信用代码 {c.credit_code}" if c.credit_code else ""
            lines.append(f"疑似重复投资方：“{c.name}”（{c.unit}录入{code}；{c.reason}）")
        for c in self.leads:
            what = f"“{c.name}”" if c.visible else "一条线索"
            lines.append(
                f"{c.unit}已于 {c.entered_on} 登记该投资方的{what}（投资方“{c.investor}”，当前阶段：{c.stage_label}）"
            )
        return lines


def investor_duplicates(
    *,
    name: str,
    credit_code: str = "",
    exclude_pk: int | None = None,
    user: User | None = None,
    limit: int = 10,
) -> list[InvestorCandidate]:
    """Investors that are probably the one described: the same credit code, or a name that is
    the same after normalisation or close to it. Reads only the rows sharing a blocking key."""
    threshold = float(settings.XF_ATTRACTION_DUPLICATE_SCORE)
    norm = normalise_name(name)
    cond = Q()
    if credit_code:
        cond |= Q(credit_code=credit_code)
    if norm:
        head, pinyin, second = name_keys(norm)
        cond |= Q(key_head=head)
        if pinyin:
            cond |= Q(key_pinyin=pinyin)
        if len(second) == 2:
            cond |= Q(key_second=second)
    if not cond:
        return []
    rows = Investor.objects.filter(cond)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    found: list[InvestorCandidate] = []
    for pk, other_name, other_norm, other_code, unit in rows.values_list(
        "pk", "name", "name_norm", "credit_code", "owner_unit__name"
    ).iterator(chunk_size=2000):
        if credit_code and other_code == credit_code:
            found.append(InvestorCandidate(pk, other_name, other_code, unit, 100.0, "统一社会信用代码相同"))
            continue
        score = similarity(norm, other_norm)
        if score >= threshold:
            reason = "名称相同" if score >= 100 else f"名称相似度 {score:.0f}%"
            found.append(InvestorCandidate(pk, other_name, other_code, unit, score, reason))
    found.sort(key=lambda c: (-c.score, c.pk))
    found = found[:limit]
    if user is not None and found:
        visible = set(
            Investor.objects.restrict(user, "view")
            .filter(pk__in=[c.pk for c in found])
            .values_list("pk", flat=True)
        )
        for c in found:
            c.visible = c.pk in visible
    return found


def lead_duplicates(
    *, investor_ids: list[int], user: User, exclude_unit_id: int | None = None, exclude_pk: int | None = None
) -> list[LeadCandidate]:
    """Active leads of these investors entered by other units (the same project, twice)."""
    if not investor_ids:
        return []
    qs = (
        Lead.objects.filter(investor_id__in=investor_ids, stage__in=[*ACTIVE_STAGES, Stage.LANDED])
        .select_related("owner_unit", "investor")
        .order_by("entered_on", "id")
    )
    if exclude_unit_id:
        qs = qs.exclude(owner_unit_id=exclude_unit_id)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    rows = list(qs[:10])
    visible = set(
        Lead.objects.restrict(user, "view").filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True)
    )
    return [
        LeadCandidate(
            r.pk,
            r.name,
            str(r.owner_unit),
            r.get_stage_display(),
            r.entered_on,
            r.investor.name,
            r.pk in visible,
        )
        for r in rows
    ]


# ---------------------------------------------------------------- leads


@dataclass
class LeadFilters:
    stage: str = ""
    source: str = ""
    unit: int | None = None
    chain: int | None = None
    event: int | None = None
    officer: int | None = None
    year: int | None = None
    origin: str = ""
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    KEYS = ("stage", "source", "unit", "chain", "event", "officer", "year", "origin", "q")

    @classmethod
    def from_params(cls, params: Any) -> LeadFilters:
        result = cls()

        def as_int(name: str, low: int = 1, high: int = 2**31) -> int | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                value = int(raw)
            except ValueError:
                result.errors[name] = f"“{raw}”不是有效的编号"
                return None
            if not low <= value <= high:
                result.errors[name] = f"“{raw}”超出范围"
                return None
            return value

        for name in ["unit", "chain", "event", "officer"]:
            setattr(result, name, as_int(name))
        result.year = as_int("year", 2000, 2100)
        for name, choices in [
            ("stage", Stage.values),
            ("source", Source.values),
            ("origin", ["foreign", "domestic"]),
        ]:
            raw = (params.get(name) or "").strip()
            if raw and raw not in choices:
                result.errors[name] = f"“{raw}”不是有效的取值"
                raw = ""
            setattr(result, name, raw)
        result.q = (params.get("q") or "").strip()[:100]
        return result

    def query(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.KEYS if getattr(self, k) not in (None, "")}


def lead_list(*, user: User, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    filters = filters or LeadFilters()
    qs = Lead.objects.restrict(user, "view")
    for name, column in [
        ("stage", "stage"),
        ("source", "source"),
        ("unit", "owner_unit_id"),
        ("chain", "chain_id"),
        ("event", "event_id"),
        ("officer", "officer_id"),
    ]:
        value = getattr(filters, name)
        if value not in (None, ""):
            qs = qs.filter(**{column: value})
    if filters.year:
        qs = qs.filter(entered_on__year=filters.year)
    if filters.origin == "foreign":
        qs = qs.filter(investor__origin__in=FOREIGN_ORIGINS)
    elif filters.origin == "domestic":
        qs = qs.exclude(investor__origin__in=FOREIGN_ORIGINS)
    if filters.q:
        for term in filters.q.lower().split():
            qs = qs.filter(search_text__contains=term)
    return qs.select_related(*LEAD_RELATED).order_by("-entered_on", "-id")


def lead_get(*, user: User, pk: int, action: str = "view") -> Lead:
    lead = (
        Lead.objects.restrict(user, action).select_related(*LEAD_RELATED, "introducer").filter(pk=pk).first()
    )
    if lead is None:
        raise Http404("未找到该线索，或您无权查看")
    return lead


def lead_can_change(*, user: User, lead: Lead) -> bool:
    return Lead.objects.restrict(user, "change").filter(pk=lead.pk).exists()


@dataclass
class TimelineItem:
    day: dt.date
    kind: str  # stage / follow_up
    title: str
    text: str = ""
    next_step: str = ""
    next_step_on: dt.date | None = None
    actor: str = ""
    stage: str = ""


def lead_timeline(*, lead: Lead) -> list[TimelineItem]:
    """Follow-ups and stage changes, newest first."""
    items: list[tuple[dt.date, int, int, TimelineItem]] = []
    for change in LeadStageChange.objects.filter(lead=lead).select_related("actor"):
        if change.from_stage:
            title = f"{change.get_from_stage_display()} → {change.get_to_stage_display()}"
        else:
            title = f"录入线索（{change.get_to_stage_display()}）"
        item = TimelineItem(
            change.effective_on,
            "stage",
            title,
            change.note,
            actor=str(change.actor) if change.actor else "系统",
            stage=change.to_stage,
        )
        items.append((change.effective_on, 1, change.pk, item))
    for f in FollowUp.objects.filter(lead=lead).select_related("actor"):
        item = TimelineItem(
            f.happened_on,
            "follow_up",
            f.get_kind_display(),
            f.summary,
            f.next_step,
            f.next_step_on,
            str(f.actor) if f.actor else "系统",
        )
        items.append((f.happened_on, 0, f.pk, item))
    items.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return [t[3] for t in items]


def lead_for_project(*, user: User, project: Project) -> Lead | None:
    """The lead a registry project came from, if the user may see it (来源线索)."""
    return Lead.objects.restrict(user, "view").filter(project=project).select_related("owner_unit").first()


def landing_projects(*, user: User) -> QuerySet[Project]:
    """Projects a lead may be linked to on landing: visible, active, and not yet linked."""
    return (
        Project.objects.restrict(user, "view")
        .filter(archived_at__isnull=True, attraction_lead__isnull=True)
        .order_by("internal_code")
    )


# ---------------------------------------------------------------- the board


@dataclass
class BoardColumn:
    stage: str
    label: str
    count: int
    investment_wan: Decimal
    cards: list[Lead]


def lead_board(*, user: User, filters: LeadFilters | None = None) -> list[BoardColumn]:
    """One column per stage: how many leads and how much investment, and the newest cards.

    One GROUP BY for the totals and one indexed query per column for its cards, however many
    leads there are."""
    filters = filters or LeadFilters()
    base = lead_list(user=user, filters=LeadFilters(**{**filters.__dict__, "stage": ""}))
    totals = {
        row["stage"]: row
        for row in base.order_by().values("stage").annotate(n=Count("id"), wan=Sum("investment_wan"))
    }
    today = clock.today()
    columns = []
    for stage in Stage:
        row = totals.get(stage.value, {"n": 0, "wan": None})
        cards: list[Lead] = []
        if row["n"]:
            cards = list(
                base.filter(stage=stage.value)
                .select_related(None)
                .select_related("investor", "owner_unit")
                .only(
                    "name",
                    "stage",
                    "stage_changed_on",
                    "investment_wan",
                    "land_mu",
                    "expected_tax_wan",
                    "investor__name",
                    "investor__origin",
                    "owner_unit__name",
                    "owner_unit__short_name",
                )
                .order_by("-stage_changed_on", "-id")[:BOARD_CARDS]
            )
            for card in cards:
                card.days_in_stage = (today - card.stage_changed_on).days
                card.screening = lead_screening(card)
        columns.append(BoardColumn(stage.value, str(stage.label), row["n"], row["wan"] or Decimal(0), cards))
    return columns


# ---------------------------------------------------------------- conversion


FUNNEL_STEPS = [
    ("lead", "线索"),
    ("negotiating", "洽谈"),
    ("signed", "签约"),
    ("registered", "注册"),
    ("landed", "落地"),
    ("started", "开工"),
    ("operating", "投产"),
]


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE, rounding=ROUND_HALF_UP)


def _started() -> Q:
    return Q(project__actual_start__isnull=False)


def _operating() -> Q:
    return Q(project__stage=ProjectStage.OPERATING)


def funnel(*, leads: QuerySet[Lead]) -> list[dict[str, Any]]:
    """How many leads reached each step, in one aggregate query."""
    counts = leads.order_by().aggregate(
        lead=Count("id"),
        negotiating=Count("id", filter=Q(furthest_rank__gte=STAGE_RANK[Stage.NEGOTIATING])),
        signed=Count("id", filter=Q(furthest_rank__gte=STAGE_RANK[Stage.SIGNED])),
        registered=Count("id", filter=Q(furthest_rank__gte=STAGE_RANK[Stage.REGISTERED])),
        landed=Count("id", filter=Q(furthest_rank__gte=STAGE_RANK[Stage.LANDED])),
        started=Count("id", filter=_started()),
        operating=Count("id", filter=_operating()),
        lost=Count("id", filter=Q(stage=Stage.LOST)),
    )
    steps = []
    previous = None
    for key, label in FUNNEL_STEPS:
        n = counts[key]
        steps.append(
            {
                "key": key,
                "label": label,
                "count": n,
                "of_total": _rate(n, counts["lead"]),
                "of_previous": _rate(n, previous) if previous is not None else None,
            }
        )
        previous = n
    return steps


def _days(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _as_days(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return Decimal(value.total_seconds() / 86400).quantize(ONE, rounding=ROUND_HALF_UP)
    return Decimal(str(value)).quantize(ONE, rounding=ROUND_HALF_UP)


# (label, from column, to column): time spent in each stage, for leads that moved past it.
STAGE_SPANS = [
    ("线索→接洽", "entered_on", "contacting_on"),
    ("接洽→洽谈", "contacting_on", "negotiating_on"),
    ("洽谈→签约", "negotiating_on", "signed_on"),
    ("签约→注册", "signed_on", "registered_on"),
    ("注册→落地", "registered_on", "landed_on"),
    ("落地→开工", "landed_on", "project__actual_start"),
]


def stage_durations(*, leads: QuerySet[Lead]) -> list[dict[str, Any]]:
    """Average days spent in each stage (only leads that left it), and how many leads that is."""
    from django.db.models import Avg

    aggregates: dict[str, Any] = {}
    for i, (_label, start, end) in enumerate(STAGE_SPANS):
        done = Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        aggregates[f"avg{i}"] = Avg(_days(end, start), filter=done)
        aggregates[f"n{i}"] = Count("id", filter=done)
    values = leads.order_by().aggregate(**aggregates)
    # Signed → production: production is the project's operation milestone.
    return [
        {"label": label, "days": _as_days(values[f"avg{i}"]), "count": values[f"n{i}"]}
        for i, (label, _s, _e) in enumerate(STAGE_SPANS)
    ]


def signed_not_started(*, leads: QuerySet[Lead], limit: int | None = 50) -> tuple[int, list[Lead]]:
    """Signed (or further), not lost, whose project has not started: oldest signature first."""
    today = clock.today()
    qs = (
        leads.filter(furthest_rank__gte=STAGE_RANK[Stage.SIGNED])
        .exclude(stage=Stage.LOST)
        .filter(Q(project__isnull=True) | Q(project__actual_start__isnull=True))
    )
    count = qs.order_by().count()
    rows = list(
        qs.select_related(None)
        .select_related("owner_unit", "investor", "project")
        .order_by("signed_on", "id")[: limit or None]
    )
    for lead in rows:
        lead.age_days = (today - lead.signed_on).days if lead.signed_on else None
    return count, rows


DIMENSIONS = {
    "source": ("source", "来源"),
    "unit": ("owner_unit", "责任单位"),
    "chain": ("chain", "产业链"),
    "officer": ("officer", "招商专员"),
}


def conversion_by(*, leads: QuerySet[Lead], dimension: str) -> list[dict[str, Any]]:
    """Per source / unit / chain / officer: leads, signed, landed, started, and the rates."""
    column, _title = DIMENSIONS[dimension]
    key = column if dimension == "source" else f"{column}_id"
    rows = (
        leads.order_by()
        .values(key)
        .annotate(
            total=Count("id"),
            signed=Count("id", filter=Q(furthest_rank__gte=STAGE_RANK[Stage.SIGNED])),
            landed=Count("id", filter=Q(furthest_rank__gte=STAGE_RANK[Stage.LANDED])),
            started=Count("id", filter=_started()),
            signed_wan=Sum("signed_wan"),
        )
        .order_by("-total")
    )
    rows = list(rows)
    names: dict[Any, str] = {}
    ids = [r[key] for r in rows if r[key] is not None]
    if dimension == "source":
        names = dict(Source.choices)
    elif dimension == "unit":
        names = {d.pk: str(d) for d in Department.objects.filter(pk__in=ids)}
    elif dimension == "chain":
        from xianfeng.parks.models import IndustryChain

        names = {c.pk: c.name for c in IndustryChain.objects.filter(pk__in=ids)}
    else:
        names = {u.pk: u.get_full_name() for u in User.objects.filter(pk__in=ids)}
    return [
        {
            "key": r[key],
            "name": str(names.get(r[key], "未指定")) if r[key] is not None else "未指定",
            "total": r["total"],
            "signed": r["signed"],
            "landed": r["landed"],
            "started": r["started"],
            "signed_wan": r["signed_wan"] or Decimal(0),
            "sign_rate": _rate(r["signed"], r["total"]),
            "start_rate": _rate(r["started"], r["signed"]),
        }
        for r in rows
    ]


def monthly_trend(*, leads: QuerySet[Lead], start: dt.date, end: dt.date) -> dict[str, Any]:
    """New leads, signings and landings per month between ``start`` and ``end``."""
    months: list[dt.date] = []
    day = dt.date(start.year, start.month, 1)
    while day <= end:
        months.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    series: dict[str, list[int]] = {}
    for key, column in [("entered", "entered_on"), ("signed", "signed_on"), ("landed", "landed_on")]:
        counts = {
            (row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]): row["n"]
            for row in leads.order_by()
            .filter(**{f"{column}__gte": months[0], f"{column}__lte": end})
            .annotate(m=TruncMonth(column))
            .values("m")
            .annotate(n=Count("id"))
        }
        series[key] = [counts.get(m, 0) for m in months]
    return {"months": [f"{m:%Y-%m}" for m in months], **series}


def foreign_capital_totals(*, user: User, year: int) -> dict[str, Any]:
    """实际使用外资 by month of ``year`` (万美元), the year's total and the total since records began."""
    qs = ForeignCapital.objects.restrict(user, "view")
    by_month = {
        (row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]).month: row["total"]
        for row in qs.filter(period__year=year)
        .annotate(m=TruncMonth("period"))
        .values("m")
        .annotate(total=Sum("amount_usd_wan"))
        .order_by()
    }
    months = [by_month.get(m, Decimal(0)) for m in range(1, 13)]
    cumulative = []
    running = Decimal(0)
    for amount in months:
        running += amount
        cumulative.append(running)
    return {
        "year": year,
        "months": months,
        "cumulative": cumulative,
        "year_total": running,
        "all_total": qs.aggregate(t=Sum("amount_usd_wan"))["t"] or Decimal(0),
        "previous_total": qs.filter(period__year=year - 1).aggregate(t=Sum("amount_usd_wan"))["t"]
        or Decimal(0),
    }


def foreign_capital_rows(*, user: User, year: int | None = None) -> QuerySet[ForeignCapital]:
    qs = ForeignCapital.objects.restrict(user, "view").select_related(
        "lead", "lead__investor", "lead__owner_unit"
    )
    if year:
        qs = qs.filter(period__year=year)
    return qs.order_by("-period", "lead__name")


def dashboard(*, user: User, filters: LeadFilters | None = None) -> dict[str, Any]:
    """The conversion dashboard: funnel, monthly trends, time per stage, signed-but-not-started,
    conversion by source, unit, chain and officer, and foreign capital actually used."""
    filters = filters or LeadFilters()
    leads = lead_list(user=user, filters=filters).select_related(None)
    today = clock.today()
    year = filters.year or today.year
    start = dt.date(filters.year, 1, 1) if filters.year else dt.date(today.year - 1, 1, 1)
    end = dt.date(filters.year, 12, 31) if filters.year else today
    count, stalled = signed_not_started(leads=leads)
    return {
        "funnel": funnel(leads=leads),
        "trend": monthly_trend(leads=leads, start=start, end=min(end, today)),
        "durations": stage_durations(leads=leads),
        "stalled_count": count,
        "stalled": stalled,
        "by": {key: conversion_by(leads=leads, dimension=key) for key in DIMENSIONS},
        "foreign": foreign_capital_totals(user=user, year=year),
    }


# ---------------------------------------------------------------- investors and events


def investor_list(
    *, user: User, q: str = "", origin: str = "", duplicates: bool = False
) -> QuerySet[Investor]:
    qs = Investor.objects.restrict(user, "view").select_related("owner_unit")
    if origin:
        qs = qs.filter(origin=origin)
    if duplicates:
        qs = qs.filter(possible_duplicate_of__isnull=False)
    for term in q.lower().split():
        qs = qs.filter(search_text__contains=term)
    return qs.annotate(lead_count=Count("leads")).order_by("name", "id")


def investor_get(*, user: User, pk: int, action: str = "view") -> Investor:
    investor = (
        Investor.objects.restrict(user, action)
        .select_related("owner_unit", "possible_duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if investor is None:
        raise Http404("未找到该投资方，或您无权查看")
    return investor


def investor_detail(*, user: User, investor: Investor) -> dict[str, Any]:
    leads = Lead.objects.restrict(user, "view").select_related("owner_unit", "project")
    hidden = Lead.objects.filter(investor=investor).exclude(
        pk__in=leads.filter(investor=investor).values("pk")
    )
    return {
        "leads": list(leads.filter(investor=investor).order_by("-entered_on")),
        "introduced": list(
            leads.filter(introducer=investor).select_related("investor").order_by("-entered_on")
        ),
        "hidden_leads": hidden.count(),
        "foreign_capital": foreign_capital_rows(user=user).filter(lead__investor=investor)[:60],
    }


def event_list(*, user: User, year: int | None = None) -> list[Event]:
    """Events with the leads each produced (as far as the user may see them) and what came of them."""
    visible = Lead.objects.restrict(user, "view")
    ids = visible.values("pk")
    qs = Event.objects.restrict(user, "view").select_related("organiser")
    if year:
        qs = qs.filter(starts_on__year=year)
    in_scope = Q(leads__pk__in=ids)
    return list(
        qs.annotate(
            lead_count=Count("leads", filter=in_scope),
            signed_count=Count(
                "leads", filter=in_scope & Q(leads__furthest_rank__gte=STAGE_RANK[Stage.SIGNED])
            ),
            landed_count=Count(
                "leads", filter=in_scope & Q(leads__furthest_rank__gte=STAGE_RANK[Stage.LANDED])
            ),
            started_count=Count("leads", filter=in_scope & Q(leads__project__actual_start__isnull=False)),
            lost_count=Count("leads", filter=in_scope & Q(leads__stage=Stage.LOST)),
            intended_wan=Sum("leads__investment_wan", filter=in_scope),
        ).order_by("-starts_on", "-id")
    )


def event_get(*, user: User, pk: int, action: str = "view") -> Event:
    event = Event.objects.restrict(user, action).select_related("organiser").filter(pk=pk).first()
    if event is None:
        raise Http404("未找到该活动")
    return event


def event_leads(*, user: User, event: Event) -> list[Lead]:
    return list(
        Lead.objects.restrict(user, "view")
        .filter(event=event)
        .select_related("investor", "owner_unit", "project")
        .order_by("-furthest_rank", "name")
    )


def user_is_bureau(user: User) -> bool:
    return is_bureau(user)


def operating_dates(*, project_ids: list[int]) -> dict[int, dt.date]:
    """When each project went into production (its operation milestone)."""
    rows = Milestone.objects.filter(project_id__in=project_ids, kind="operation", actual_date__isnull=False)
    return dict(rows.values_list("project_id", "actual_date"))
