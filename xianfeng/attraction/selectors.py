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
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

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
from xianfeng.projects.links import ProjectLink
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
            return gettext("不需新增用地，不作亩均初筛")
        invest = {"value": f"{self.invest_per_mu:,}", "min": self.min_invest}
        parts = [
            gettext("投资强度 %(value)s 万元/亩（标准 ≥ %(min)s）达标") % invest
            if self.invest_ok
            else gettext("投资强度 %(value)s 万元/亩（标准 ≥ %(min)s）未达标") % invest
        ]
        if self.tax_per_mu is None:
            parts.append(gettext("预计亩均税收未填写（标准 ≥ %(min)s 万元/亩·年）") % {"min": self.min_tax})
        else:
            tax = {"value": f"{self.tax_per_mu:,}", "min": self.min_tax}
            parts.append(
                gettext("亩均税收 %(value)s 万元/亩·年（标准 ≥ %(min)s）达标") % tax
                if self.tax_ok
                else gettext("亩均税收 %(value)s 万元/亩·年（标准 ≥ %(min)s）未达标") % tax
            )
        verdict = {
            "pass": gettext("初筛通过"),
            "fail": gettext("初筛未通过"),
            "incomplete": gettext("初筛待补充"),
        }[self.result]
        return gettext("%(verdict)s：%(reasons)s") % {
            "verdict": verdict,
            "reasons": gettext("；").join(parts),
        }


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
            values = {"name": c.name, "unit": c.unit, "code": c.credit_code, "reason": c.reason}
            lines.append(
                gettext("疑似重复投资方：“%(name)s”（%(unit)s录入，信用代码 %(code)s；%(reason)s）") % values
                if c.credit_code
                else gettext("疑似重复投资方：“%(name)s”（%(unit)s录入；%(reason)s）") % values
            )
        for c in self.leads:
            values = {
                "unit": c.unit,
                "date": c.entered_on,
                "name": c.name,
                "investor": c.investor,
                "stage": c.stage_label,
            }
            lines.append(
                gettext(
                    "%(unit)s已于 %(date)s 登记该投资方的“%(name)s”"
                    "（投资方“%(investor)s”，当前阶段：%(stage)s）"
                )
                % values
                if c.visible
                else gettext(
                    "%(unit)s已于 %(date)s 登记该投资方的一条线索"
                    "（投资方“%(investor)s”，当前阶段：%(stage)s）"
                )
                % values
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
            found.append(
                InvestorCandidate(pk, other_name, other_code, unit, 100.0, gettext("统一社会信用代码相同"))
            )
            continue
        score = similarity(norm, other_norm)
        if score >= threshold:
            reason = (
                gettext("名称相同")
                if score >= 100
                else gettext("名称相似度 %(score)s%%") % {"score": f"{score:.0f}"}
            )
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
            r.owner_unit.name,
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
                result.errors[name] = gettext("“%(value)s”不是有效的编号") % {"value": raw}
                return None
            if not low <= value <= high:
                result.errors[name] = gettext("“%(value)s”超出范围") % {"value": raw}
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
                result.errors[name] = gettext("“%(value)s”不是有效的取值") % {"value": raw}
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
        raise Http404(gettext("未找到该线索，或您无权查看"))
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
            title = gettext("录入线索（%(stage)s）") % {"stage": change.get_to_stage_display()}
        item = TimelineItem(
            change.effective_on,
            "stage",
            title,
            change.note,
            actor=str(change.actor) if change.actor else gettext("系统"),
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
            str(f.actor) if f.actor else gettext("系统"),
        )
        items.append((f.happened_on, 0, f.pk, item))
    items.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return [t[3] for t in items]


def lead_for_project(*, user: User, project: Project) -> Lead | None:
    """The lead a registry project came from, if the user may see it (来源线索)."""
    return Lead.objects.restrict(user, "view").filter(project=project).select_related("owner_unit").first()


def project_lead_links(user: User, project: Project) -> list[ProjectLink]:
    """For the project page: the lead it came from, when the user may see it (one query)."""
    lead = lead_for_project(user=user, project=project)
    if lead is None:
        return []
    url = reverse("attraction:lead_detail", args=[lead.pk])
    return [ProjectLink(label=gettext("来源招商线索"), url=url, detail=lead.name)]


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
    ("lead", gettext_lazy("线索")),
    ("negotiating", gettext_lazy("洽谈")),
    ("signed", gettext_lazy("签约")),
    ("registered", gettext_lazy("注册")),
    ("landed", gettext_lazy("落地")),
    ("started", gettext_lazy("开工")),
    ("operating", gettext_lazy("投产")),
]


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE, rounding=ROUND_HALF_UP)


def _started() -> Q:
    return Q(project__actual_start__isnull=False)


def _operating() -> Q:
    return Q(project__stage=ProjectStage.OPERATING)


# (label, from column, to column): time spent in each stage, for leads that moved past it.
STAGE_SPANS = [
    (gettext_lazy("线索→接洽"), "entered_on", "contacting_on"),
    (gettext_lazy("接洽→洽谈"), "contacting_on", "negotiating_on"),
    (gettext_lazy("洽谈→签约"), "negotiating_on", "signed_on"),
    (gettext_lazy("签约→注册"), "signed_on", "registered_on"),
    (gettext_lazy("注册→落地"), "registered_on", "landed_on"),
    (gettext_lazy("落地→开工"), "landed_on", "project__actual_start"),
]
DIMENSIONS = {
    "source": ("source", gettext_lazy("来源")),
    "unit": ("owner_unit_id", gettext_lazy("责任单位")),
    "chain": ("chain_id", gettext_lazy("产业链")),
    "officer": ("officer_id", gettext_lazy("招商专员")),
}
_COUNTS = [
    "total",
    "negotiating",
    "signed",
    "registered",
    "landed",
    "started",
    "operating",
    "lost",
    "stalled",
]


class DaysBetween(Func):
    """Whole days from the second date to the first, as an integer on both databases (an
    interval or a timedelta per row would cost a conversion each when thousands are summed)."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # PostgreSQL: date - date
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _days(later: str, earlier: str) -> DaysBetween:
    return DaysBetween(F(later), F(earlier))


def conversion_summary(*, leads: QuerySet[Lead]) -> dict[str, Any]:
    """The funnel, time per stage, signed-not-started count and conversion by source, unit, chain
    and officer, from two grouped queries (grouped by the four dimensions, rolled up here in one
    pass), so the dashboard reads the leads once however many there are.

    Every step fills the dates of the steps before it (a lead signed straight from the first
    meeting gets contacting_on and negotiating_on too) and a lost lead keeps its dates, so
    "reached the step" is "has the step's date": COUNT(column), cheaper than a filter per row;
    SUM(end - start) skips the rows where either is NULL. What needs the registry's project
    (started, in production) is read by a second query over the landed leads only, instead of
    joining every lead to the projects."""
    lost = Q(stage=Stage.LOST)
    spans = STAGE_SPANS[:-1]
    aggregates: dict[str, Any] = {
        "total": Count("id"),
        "negotiating": Count("negotiating_on"),
        "signed": Count("signed_on"),
        "registered": Count("registered_on"),
        "landed": Count("landed_on"),
        "lost": Count("id", filter=lost),
        "lost_signed": Count("signed_on", filter=lost),
        "signed_wan": Sum("signed_wan"),
    }
    for i, (_label, start, end) in enumerate(spans):
        aggregates[f"d{i}"] = Sum(_days(end, start))
        aggregates[f"n{i}"] = Count(end)
    keys = [column for column, _title in DIMENSIONS.values()]
    main = _raw_rows(leads.order_by().values(*keys).annotate(**aggregates))
    _label, start, end = STAGE_SPANS[-1]
    landed = _raw_rows(
        leads.order_by()
        .filter(project__isnull=False)
        .values(*keys)
        .annotate(
            started=Count("project__actual_start"),
            operating=Count("id", filter=_operating()),
            days=Sum(_days(end, start)),
        )
    )
    extra = {row[:4]: row[4:] for row in landed}
    # Column positions in a main row: 4 keys, then the aggregates in the order above.
    total, neg, sgn, reg, lnd, lst, lst_sgn, wan = range(4, 12)
    counts = dict.fromkeys(["total", "negotiating", "signed", "registered", "landed", "lost", "stalled"], 0)
    counts.update(started=0, operating=0)
    span_days = [0] * len(STAGE_SPANS)
    span_n = [0] * len(STAGE_SPANS)
    groups: list[dict[Any, list[Any]]] = [{} for _ in keys]
    for row in main:
        started, operating, days = extra.get(row[:4], (0, 0, 0))
        signed_wan = row[wan] if row[wan] is None or isinstance(row[wan], Decimal) else Decimal(str(row[wan]))
        counts["total"] += row[total]
        counts["negotiating"] += row[neg]
        counts["signed"] += row[sgn]
        counts["registered"] += row[reg]
        counts["landed"] += row[lnd]
        counts["lost"] += row[lst]
        counts["started"] += started
        counts["operating"] += operating
        # Signed, not lost, not started (a started lead has landed, and a landed one is never lost).
        counts["stalled"] += row[sgn] - row[lst_sgn] - started
        for i in range(len(spans)):
            span_days[i] += row[12 + 2 * i] or 0
            span_n[i] += row[13 + 2 * i]
        span_days[-1] += days or 0
        span_n[-1] += started
        for position, group in enumerate(groups):
            g = group.get(row[position])
            if g is None:
                g = group[row[position]] = [0, 0, 0, 0, Decimal(0)]
            g[0] += row[total]
            g[1] += row[sgn]
            g[2] += row[lnd]
            g[3] += started
            if signed_wan is not None:
                g[4] += signed_wan
    steps = []
    previous = None
    for key, label in FUNNEL_STEPS:
        n = counts["total" if key == "lead" else key]
        steps.append(
            {
                "key": key,
                "label": str(label),
                "count": n,
                "of_total": _rate(n, counts["total"]),
                "of_previous": _rate(n, previous) if previous is not None else None,
            }
        )
        previous = n
    durations = [
        {
            "label": str(label),
            "days": (Decimal(span_days[i]) / span_n[i]).quantize(ONE, rounding=ROUND_HALF_UP)
            if span_n[i]
            else None,
            "count": span_n[i],
        }
        for i, (label, _s, _e) in enumerate(STAGE_SPANS)
    ]
    by = {dimension: _roll_up(groups[i], dimension) for i, dimension in enumerate(DIMENSIONS)}
    return {"funnel": steps, "durations": durations, "stalled_count": counts["stalled"], "by": by, **counts}


def _raw_rows(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A grouped query's rows straight from the cursor: thousands of groups times twenty
    aggregates would otherwise spend longer in Django's per-value converters than in the database.
    Counts and day sums are integers on both databases."""
    from django.db import connections

    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _roll_up(groups: dict[Any, list[Any]], dimension: str) -> list[dict[str, Any]]:
    ids = [k for k in groups if k is not None]
    if dimension == "source":
        names: dict[Any, str] = {k: str(v) for k, v in Source.choices}
    elif dimension == "unit":
        names = {d.pk: str(d) for d in Department.objects.filter(pk__in=ids)}
    elif dimension == "chain":
        from xianfeng.parks.models import IndustryChain

        names = {c.pk: c.name for c in IndustryChain.objects.filter(pk__in=ids)}
    else:
        names = {u.pk: u.get_full_name() for u in User.objects.filter(pk__in=ids)}
    result = [
        {
            "key": key,
            "name": names.get(key, gettext("未指定")) if key is not None else gettext("未指定"),
            "total": g[0],
            "signed": g[1],
            "landed": g[2],
            "started": g[3],
            "signed_wan": g[4],
            "sign_rate": _rate(g[1], g[0]),
            "start_rate": _rate(g[3], g[1]),
        }
        for key, g in groups.items()
    ]
    result.sort(key=lambda r: (-r["total"], r["name"]))
    return result


def funnel(*, leads: QuerySet[Lead]) -> list[dict[str, Any]]:
    """How many leads reached each step."""
    return conversion_summary(leads=leads)["funnel"]


def stage_durations(*, leads: QuerySet[Lead]) -> list[dict[str, Any]]:
    """Average days spent in each stage (only leads that left it), and how many leads that is."""
    return conversion_summary(leads=leads)["durations"]


def conversion_by(*, leads: QuerySet[Lead], dimension: str) -> list[dict[str, Any]]:
    """Per source / unit / chain / officer: leads, signed, landed, started, and the rates."""
    return conversion_summary(leads=leads)["by"][dimension]


def signed_not_started(
    *, leads: QuerySet[Lead], limit: int | None = 50, count: int | None = None
) -> tuple[int, list[Lead]]:
    """Signed (or further), not lost, whose project has not started: oldest signature first."""
    today = clock.today()
    qs = (
        leads.filter(furthest_rank__gte=STAGE_RANK[Stage.SIGNED])
        .exclude(stage=Stage.LOST)
        .filter(Q(project__isnull=True) | Q(project__actual_start__isnull=True))
    )
    if count is None:
        count = qs.order_by().count()
    rows = list(
        qs.select_related(None)
        .select_related("owner_unit", "investor", "project")
        .order_by("signed_on", "id")[: limit or None]
    )
    for lead in rows:
        lead.age_days = (today - lead.signed_on).days if lead.signed_on else None
    return count, rows


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


def _money(value: Any) -> Decimal:
    """Sums come back as Decimal (PostgreSQL) or with fewer places (SQLite): two places always."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


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
    months = [_money(by_month.get(m)) for m in range(1, 13)]
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
    summary = conversion_summary(leads=leads)
    count, stalled = signed_not_started(leads=leads, count=summary["stalled_count"])
    return {
        "funnel": summary["funnel"],
        "trend": monthly_trend(leads=leads, start=start, end=min(end, today)),
        "durations": summary["durations"],
        "stalled_count": count,
        "stalled": stalled,
        "by": summary["by"],
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
        raise Http404(gettext("未找到该投资方，或您无权查看"))
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
        raise Http404(gettext("未找到该活动"))
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
