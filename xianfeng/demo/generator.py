"""The demo: Laoshan District's 2024 programme of 315 key projects, as it stood on 2024-12-06.

``generate_plan()`` is a pure function of a fixed random seed (no clock, no database, no set
iteration), so every run yields the same projects, codes and amounts. ``load_demo()`` writes the
plan — reference data, users, projects, programme entries, milestones, stage transitions and the
change log — in one transaction.

The seed report fixes the totals (315 projects, 230 billion yuan = 23,000,000 万元, 155 new starts),
the categories, chains, parks and the named projects; every other figure is invented and each
project is marked ``is_illustrative``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.audit.services import diff, snapshot
from xianfeng.demo import data
from xianfeng.lib import clock
from xianfeng.org.choices import DepartmentKind, RegionLevel, Role
from xianfeng.org.models import Department, Leader, Region, User
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import Category, Kind, Level, MilestoneKind, Stage
from xianfeng.projects.codes import format_internal_code
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition
from xianfeng.projects.services import project_validate

SEED = 2024_315
YEAR = 2024
DEMO_TODAY = dt.date(2024, 12, 6)
AS_OF = dt.date(2024, 11, 30)  # November's reports are in: year-to-date figures run to here
ISSUED = dt.date(2024, 1, 10)  # the day the programme list was issued
TOTAL_INVESTMENT = Decimal(23_000_000)  # 2,300 亿元 in 万元
PROJECT_COUNT = 315
NEW_STARTS = 155
DEMO_PASSWORD = "xianfeng2024"
DEMO_REASON = "载入演示数据"

CATEGORY_ORDER = [Category.INDUSTRY, Category.URBAN_RENEWAL, Category.LIVELIHOOD, Category.INFRASTRUCTURE]
KIND_ORDER = [Kind.NEW_START, Kind.CONTINUING, Kind.RESERVE, Kind.STRATEGIC]
LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.DISTRICT]

NOT_STARTED_NEW_STARTS = 8  # ~5% of the 155 still not started in December
LATE_NEW_STARTS = 15  # ~10% started after their planned month
QUICK_EXTRA = 4  # small new starts finished within the year, besides the named quick ones
CONTINUING_COMPLETED = 18  # invented continuing projects completed in 2024
CONTINUING_OVERDUE = 5  # due in 2024 but not finished
CONTINUING_SUSPENDED = 2
RESERVE_STARTED = 3  # reserve projects that got going late in the year
STRATEGIC_APPROVED = 2  # strategic projects approved in 2024 (moved to reserve)

NUMERALS = "一二三四五六七八九十"
STAGE_REASONS = {
    Stage.CONSTRUCTION: "开工建设",
    Stage.COMPLETED: "竣工验收",
    Stage.OPERATING: "投产运营",
    Stage.SUSPENDED: "资金筹措未到位，暂缓建设",
    Stage.RESERVE: "完成立项，转入储备",
}


# ---------------------------------------------------------------- the plan


@dataclass
class MilestonePlan:
    kind: str
    planned: dt.date | None
    actual: dt.date | None


@dataclass(eq=False)
class ProjectPlan:
    name: str
    category: str
    kind: str
    level: str = ""
    chain: str | None = None
    park: str | None = None
    street: str | None = None
    unit: str = ""
    leader: str = ""
    owner: str = ""
    place: str = ""
    location_text: str = ""
    content: str = ""
    industry: str = ""  # GB/T 4754 division, for the national code
    note: str = ""
    total: Decimal = Decimal(0)
    raw_total: float = 0.0
    land_area: Decimal | None = None
    floor_area: Decimal | None = None
    cost_per_sqm: float | None = None
    has_land: bool = False
    point: tuple[float, float] | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    month: int | None = None
    planned_start: dt.date | None = None
    planned_completion: dt.date | None = None
    start: dt.date | None = None
    completion: dt.date | None = None
    operation: dt.date | None = None
    suspended: dt.date | None = None
    approved: dt.date | None = None
    pre_share: float | None = None
    ytd_factor: float | None = None
    planned_investment: Decimal = Decimal(0)
    invested_ytd: Decimal = Decimal(0)
    origin: str = "invented"  # seed / group / big / invented
    dated: bool = False  # the spec gives the dates
    quick: bool = False  # small works finished within the year
    milestones: list[MilestonePlan] = field(default_factory=list)
    national_code: str = ""
    internal_code: str = ""
    serial: int = 0

    # The lifecycle, derived from the dates: the stage when the programme was issued and the
    # moves after it.
    def timeline(self) -> tuple[str, list[tuple[dt.date, str]]]:
        points: list[tuple[dt.date, str]] = []
        if self.approved:
            points.append((self.approved, Stage.RESERVE))
        if self.start:
            points.append((self.start, Stage.CONSTRUCTION))
        if self.completion:
            points.append((self.completion, Stage.COMPLETED))
        if self.operation:
            points.append((self.operation, Stage.OPERATING))
        if self.suspended:
            points.append((self.suspended, Stage.SUSPENDED))
        points.sort()
        initial = Stage.PLANNING if self.kind == Kind.STRATEGIC else Stage.RESERVE
        before = [stage for day, stage in points if day <= ISSUED]
        if before:
            initial = before[-1]
        return initial, [(day, stage) for day, stage in points if day > ISSUED]

    @property
    def stage(self) -> str:
        initial, events = self.timeline()
        return events[-1][1] if events else initial

    @property
    def invested_before(self) -> Decimal:
        """Invested up to the end of 2023 (continuing projects only)."""
        return self.total - self.remaining if self.kind == Kind.CONTINUING else Decimal(0)

    @property
    def remaining(self) -> Decimal:
        """What is left to invest from 2024 on."""
        share = Decimal(str(round(self.pre_share or 0.0, 4)))
        return (self.total * (1 - share)).quantize(Decimal(1))


def _d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _month_end(year: int, month: int) -> dt.date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    return _month_end(day.year, day.month + months)


def _months_between(a: dt.date, b: dt.date) -> float:
    return (b - a).days / 30.44


def _round_to(value: float, step: int) -> Decimal:
    return Decimal(round(value / step) * step)


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _owner_of(unit: str) -> str:
    name = next(n for code, n, _s, _k, _st in data.UNITS if code == unit)
    if name.startswith("区"):
        return "青岛市崂山区" + name[1:]
    if name.endswith("街道办事处"):
        return "青岛市崂山区人民政府" + name
    return name


def _unit_kind(unit: str) -> str:
    return next(k for code, _n, _s, k, _st in data.UNITS if code == unit)


def _from_spec(spec: dict[str, Any], origin: str) -> ProjectPlan:
    plan = ProjectPlan(
        name=spec["name"],
        category=spec["category"],
        kind=spec["kind"],
        level=spec.get("level", ""),
        chain=spec.get("chain"),
        park=spec.get("park"),
        street=spec.get("street"),
        unit=spec["unit"],
        owner=spec.get("owner", _owner_of(spec["unit"])),
        place=spec.get("place", ""),
        content=spec.get("content", ""),
        industry=spec.get("industry", ""),
        note=spec.get("note", ""),
        total=Decimal(spec["total"]),
        point=spec.get("point"),
        month=spec.get("month"),
        planned_start=_d(spec.get("planned_start")),
        planned_completion=_d(spec.get("planned_completion")),
        start=_d(spec.get("start")),
        completion=_d(spec.get("completion")),
        operation=_d(spec.get("operation")),
        pre_share=spec.get("pre_share"),
        ytd_factor=spec.get("ytd_factor"),
        origin=origin,
        dated="start" in spec or "planned_completion" in spec,
        quick=spec.get("quick", False),
    )
    if "floor_area" in spec:
        plan.floor_area = Decimal(spec["floor_area"]) if spec["floor_area"] else None
        plan.land_area = Decimal(spec["land_area"]) if spec.get("land_area") else None
    subject = spec.get("subject")
    if subject:
        industry, content, cost, has_land = data.GROUP_CONTENT[subject]
        plan.industry = plan.industry or industry
        plan.content = plan.content or content
        plan.cost_per_sqm, plan.has_land = cost, has_land
    if spec.get("rural"):
        plan.note = data.RURAL_NOTE
    if origin == "seed":
        plan.industry = plan.industry or _seed_industry(plan)
    return plan


def _seed_industry(plan: ProjectPlan) -> str:
    by_name = {
        "虚拟现实整机": "39", "创享中心": "65", "观海文创": "88", "总部基地": "72", "人民医院": "84",
        "文化艺术中心": "88", "若七": "88", "康复医院": "84", "生态公园": "78", "TOD": "54",
        "学校": "83", "中学": "83", "中医药大学": "84", "公共卫生中心": "84",
    }  # fmt: skip
    return next(code for key, code in by_name.items() if key in plan.name)


def _pick_street(rng: random.Random, weights: dict[str, int] | None = None) -> str:
    return _weighted(rng, weights or data.STREET_WEIGHTS)


def _invent(rng: random.Random, category: str, kind: str, used: set[str]) -> ProjectPlan:
    for _attempt in range(200):
        brand = rng.choice(data.BRANDS)
        chain: str | None = None
        park: str | None = None
        if category == Category.INDUSTRY:
            chain = _weighted(rng, data.CHAIN_WEIGHTS)
            pattern, industry, content, median, cost, has_land = rng.choice(data.INDUSTRY_SUBJECTS[chain])
            unit = rng.choice(data.CHAIN_UNITS[chain])
            street = _pick_street(rng, data.CHAIN_STREETS[chain])
            park_row = next((p for p in data.PARKS if p[2] == chain), None)
            if park_row and rng.random() < 0.65:
                park, street = park_row[0], park_row[3]
            if _unit_kind(unit) == DepartmentKind.STREET:
                street = next(st for code, _n, _s, _k, st in data.UNITS if code == unit) or street
                park = park if park_row and park_row[3] == street else None
            owner = f"青岛{brand}{data.BRAND_SUFFIX[chain]}有限公司"
            if "{brand}" not in pattern and _unit_kind(unit) == DepartmentKind.COMPANY:
                owner = _owner_of(unit)
        else:
            pattern, industry, content, median, cost, has_land, units = rng.choice(
                data.PUBLIC_SUBJECTS[category]
            )
            street = _pick_street(rng, data.CATEGORY_STREETS.get(category))
            unit = rng.choice(units)
            if unit == "STREET":
                unit = data.STREET_UNIT[street]
            owner = _owner_of(unit)
        place = rng.choice(data.PLACES[street])
        road = rng.choice(data.ROADS[street])
        name = pattern.format(brand=brand, place=place, road=road, num=rng.choice(NUMERALS))
        if name in used:
            continue
        used.add(name)
        if "{road}" in pattern:
            place = road
        scale = 1.6 if kind in {Kind.RESERVE, Kind.STRATEGIC} else 1.0
        plan = ProjectPlan(
            name=name,
            category=category,
            kind=kind,
            chain=chain,
            park=park,
            street=street,
            unit=unit,
            owner=owner,
            place=place,
            content=content,
            industry=industry,
            cost_per_sqm=cost,
            has_land=has_land,
        )
        plan.raw_total = median * scale * rng.lognormvariate(0, 0.6)
        return plan
    raise RuntimeError(f"could not invent a unique project name for {category}/{kind}")


def _assign_totals(rng: random.Random, plans: list[ProjectPlan]) -> None:
    """Invented amounts, scaled so the programme adds up to exactly 23,000,000 万元."""
    fixed = sum((p.total for p in plans if p.origin != "invented"), Decimal(0))
    invented = [p for p in plans if p.origin == "invented"]
    remainder = TOTAL_INVESTMENT - fixed

    def soft_cap(raw: float) -> float:
        # Keep invented projects well below the named giants without a flat ceiling.
        return raw if raw <= 250_000 else 250_000 + (raw - 250_000) * 0.25

    raw_sum = sum(soft_cap(p.raw_total) for p in invented)
    factor = float(remainder) / raw_sum
    for p in invented:
        value = max(soft_cap(p.raw_total) * factor, 1_200)
        p.total = _round_to(value, 100 if value >= 100_000 else 10)
    largest = max(invented, key=lambda p: (p.total, p.name))
    largest.total += remainder - sum((p.total for p in invented), Decimal(0))


def _assign_sizes(rng: random.Random, plans: list[ProjectPlan]) -> None:
    for p in plans:
        if p.floor_area is not None or p.land_area is not None:
            continue
        if p.cost_per_sqm:
            floor = float(p.total) / (p.cost_per_sqm * rng.uniform(0.85, 1.15))
            p.floor_area = _round_to(floor, 100) if floor >= 1000 else Decimal(int(floor))
            if p.has_land:
                land = floor / rng.uniform(1.2, 3.0) / 666.67
                p.land_area = Decimal(str(round(max(land, 2.0), 1)))
        elif p.has_land:
            p.land_area = Decimal(str(round(float(p.total) / rng.uniform(150, 400), 1)))
        if p.land_area is not None and p.land_area <= 0:
            p.land_area = None


def _assign_levels(rng: random.Random, plans: list[ProjectPlan]) -> None:
    need = {
        Level.PROVINCE: data.LEVEL_COUNTS["province"] - sum(p.level == Level.PROVINCE for p in plans),
        Level.CITY: data.LEVEL_COUNTS["city"] - sum(p.level == Level.CITY for p in plans),
    }
    open_ = [p for p in plans if not p.level and p.kind in {Kind.NEW_START, Kind.CONTINUING}]
    ranked = sorted(open_, key=lambda p: (-float(p.total) * rng.uniform(0.75, 1.3), p.name))
    for p in ranked[: need[Level.PROVINCE]]:
        p.level = Level.PROVINCE
    rest = [p for p in plans if not p.level and p.kind != Kind.STRATEGIC and not p.quick]
    # Few projects still in preparation are put on the city's list.
    weight = {Kind.RESERVE: 0.3}
    ranked = sorted(
        rest, key=lambda p: (-float(p.total) * rng.uniform(0.6, 1.6) * weight.get(p.kind, 1.0), p.name)
    )
    for p in ranked[: need[Level.CITY]]:
        p.level = Level.CITY
    for p in plans:
        p.level = p.level or Level.DISTRICT


def _day_in(rng: random.Random, year: int, month: int, first: int = 3, last: int = 28) -> dt.date:
    return dt.date(year, month, rng.randint(first, last))


def _random_date(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    return low + dt.timedelta(days=rng.randint(0, max(0, (high - low).days)))


def _duration(rng: random.Random, p: ProjectPlan) -> int:
    if p.quick:
        return rng.randint(4, 7)
    if p.total < 10_000:
        return rng.randint(8, 16)
    if p.total < 100_000:
        return rng.randint(16, 32)
    return rng.randint(30, 54)


def _assign_new_starts(rng: random.Random, plans: list[ProjectPlan]) -> None:
    new = [p for p in plans if p.kind == Kind.NEW_START]
    for p in new:
        if p.month is None:
            if p.level in {Level.PROVINCE, Level.CITY}:
                p.month = _weighted(rng, {1: 1, 2: 3, 3: 5, 4: 5, 5: 4, 6: 3})
            else:
                p.month = _weighted(rng, {1: 1, 2: 3, 3: 5, 4: 6, 5: 6, 6: 5, 7: 3, 8: 3, 9: 2})
        p.planned_start = p.planned_start or _month_end(YEAR, p.month)
    free = [p for p in new if not p.dated and p.origin == "invented"]
    not_started = rng.sample(
        [p for p in free if p.level == Level.DISTRICT and p.month >= 5], NOT_STARTED_NEW_STARTS
    )
    free = [p for p in free if p not in not_started]
    late = rng.sample([p for p in free if p.level != Level.PROVINCE], LATE_NEW_STARTS)
    quick_pool = [p for p in free if p not in late and p.category != Category.INDUSTRY and p.total <= 10_000]
    for p in rng.sample(quick_pool, QUICK_EXTRA):
        p.quick = True
    for p in new:
        if p.dated:
            continue
        assert p.month is not None
        if p in not_started:
            p.start = None
        elif p in late:
            month = min(p.month + rng.choice([1, 1, 2, 2, 3]), 11)
            p.start = _day_in(rng, YEAR, month)
        elif p.month > 1 and rng.random() < 0.12:
            p.start = _day_in(rng, YEAR, p.month - 1, 12, 28)
        else:
            p.start = _day_in(rng, YEAR, p.month, 12 if p.month == 1 else 3)
        p.planned_completion = p.planned_completion or _add_months(p.planned_start, _duration(rng, p))
        if p.quick and p.start:
            finish = p.start + dt.timedelta(days=rng.randint(100, 170))
            p.completion = min(finish, AS_OF - dt.timedelta(days=rng.randint(2, 20)))
            p.planned_completion = max(
                p.planned_completion, _month_end(p.completion.year, p.completion.month)
            )


def _assign_continuing(rng: random.Random, plans: list[ProjectPlan]) -> None:
    cont = [p for p in plans if p.kind == Kind.CONTINUING]
    for p in cont:
        if p.dated:
            continue
        # Still under way in 2024: due in 2025–2027 (the large ones later), started a
        # construction period before that.
        months = _duration(rng, p) + 6
        p.planned_completion = _month_end(2025, rng.randint(1, 12 if p.total < 100_000 else 30))
        begin = _add_months(p.planned_completion, -months)
        begin = min(max(begin, dt.date(2020, 6, 1)), dt.date(2023, 10, 31))
        p.planned_start = _month_end(begin.year, begin.month)
        p.start = p.planned_start - dt.timedelta(days=rng.randint(0, 26))
    free = [
        p for p in cont if not p.dated and p.origin != "big" and p.start and p.start <= dt.date(2023, 6, 30)
    ]
    done = rng.sample(free, CONTINUING_COMPLETED)
    free = [p for p in free if p not in done]
    overdue = rng.sample(free, CONTINUING_OVERDUE)
    free = [p for p in free if p not in overdue and p.origin == "invented" and p.level == Level.DISTRICT]
    suspended = rng.sample(
        [p for p in free if p.category in {Category.INDUSTRY, Category.URBAN_RENEWAL}], CONTINUING_SUSPENDED
    )
    for p in done:
        p.planned_completion = _month_end(YEAR, rng.randint(3, 11))
        shift = rng.randint(-25, 20)
        p.completion = min(p.planned_completion + dt.timedelta(days=shift), AS_OF - dt.timedelta(days=3))
        if p.category == Category.INDUSTRY or rng.random() < 0.3:
            operation = p.completion + dt.timedelta(days=rng.randint(15, 60))
            p.operation = operation if operation <= DEMO_TODAY - dt.timedelta(days=2) else None
    for p in overdue:
        p.planned_completion = _month_end(YEAR, rng.randint(6, 10))
    for p in suspended:
        p.suspended = _day_in(rng, YEAR, rng.randint(3, 8))


def _assign_reserve_and_strategic(rng: random.Random, plans: list[ProjectPlan]) -> None:
    reserve = [p for p in plans if p.kind == Kind.RESERVE]
    started = rng.sample(reserve, RESERVE_STARTED)
    for p in reserve:
        if p in started:
            p.start = _day_in(rng, YEAR, rng.randint(9, 11))
            p.planned_start = _month_end(YEAR, p.start.month - rng.randint(0, 1))
        else:
            p.planned_start = _month_end(2025, rng.randint(3, 12))
        p.planned_completion = _add_months(p.planned_start, _duration(rng, p) + 6)
    strategic = [p for p in plans if p.kind == Kind.STRATEGIC]
    for p in rng.sample(strategic, STRATEGIC_APPROVED):
        p.approved = _day_in(rng, YEAR, rng.randint(5, 11))


def _performance(rng: random.Random) -> float:
    draw = rng.random()
    if draw < 0.1:
        return rng.uniform(0.4, 0.65)  # well behind
    if draw < 0.22:
        return rng.uniform(0.7, 0.88)  # somewhat behind
    if draw < 0.34:
        return rng.uniform(1.1, 1.25)  # ahead
    return rng.uniform(0.9, 1.04)


def _assign_money(rng: random.Random, plans: list[ProjectPlan]) -> None:
    """The year's planned investment and what was done by the end of November."""
    year_start, year_end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    for p in plans:
        if p.kind == Kind.CONTINUING:
            if p.pre_share is None:
                assert p.start and p.planned_completion
                elapsed = _months_between(p.start, year_start) / _months_between(
                    p.start, p.planned_completion
                )
                p.pre_share = round(min(max(elapsed * rng.uniform(0.75, 1.05), 0.05), 0.85), 3)
            remaining = float(p.remaining)
            finishing = p.completion is not None and p.completion.year == YEAR
            if finishing or (p.operation is not None and p.operation <= year_start):
                share = rng.uniform(0.9, 1.0)
            else:
                assert p.planned_completion
                months_left = max(_months_between(year_start, p.planned_completion), 1.0)
                share = min(1.0, 12 / months_left) * rng.uniform(0.75, 1.0)
            planned = remaining * share
        elif p.kind == Kind.NEW_START:
            assert p.month and p.planned_start and p.planned_completion
            if p.quick:
                planned = float(p.total) * rng.uniform(0.9, 1.0)
            else:
                months = _months_between(p.planned_start, p.planned_completion) + 1
                planned = float(p.total) * min(1.0, (13 - p.month) / months) * rng.uniform(0.45, 0.8)
        elif p.kind == Kind.RESERVE and p.start:
            planned = float(p.total) * rng.uniform(0.04, 0.1)
        else:
            planned = 0.0
        p.planned_investment = _round_to(planned, 10) if planned >= 1000 else Decimal(round(planned))
        if p.planned_investment > p.remaining:
            p.planned_investment = p.remaining
        # Year to date: none before the start; at completion the year's plan is spent.
        if p.start is None or p.planned_investment == 0:
            p.invested_ytd = Decimal(0)
            continue
        performance = p.ytd_factor if p.ytd_factor is not None else _performance(rng)
        if p.completion and p.completion.year == YEAR:
            expected, performance = 1.0, rng.uniform(0.96, 1.02) if p.ytd_factor is None else performance
        elif p.suspended:
            expected, performance = _months_between(year_start, p.suspended) / 12, 1.0
        elif p.start < year_start:
            expected = 11 / 12
        else:
            first = dt.date(YEAR, p.month, 1) if p.month else p.start
            expected = min(1.0, _months_between(p.start, AS_OF) / _months_between(first, year_end))
        ytd = float(p.planned_investment) * expected * performance
        ytd = min(ytd, float(p.planned_investment) * 1.2, float(p.remaining))
        p.invested_ytd = Decimal(round(ytd))


def _assign_milestones(rng: random.Random, plans: list[ProjectPlan]) -> None:
    for p in plans:
        ms: list[MilestonePlan] = []
        if p.kind == Kind.STRATEGIC:
            done = 4 if p.approved else _weighted(rng, {1: 4, 2: 5, 3: 4})
            day = _random_date(rng, dt.date(2023, 3, 1), dt.date(2023, 12, 20))
            for i, kind in enumerate(
                [
                    MilestoneKind.CONCEPT,
                    MilestoneKind.FEASIBILITY,
                    MilestoneKind.SITE_SELECTION,
                    MilestoneKind.APPROVAL,
                ]
            ):
                if i < done:
                    actual = p.approved if kind == MilestoneKind.APPROVAL and p.approved else day
                    ms.append(MilestonePlan(kind, actual - dt.timedelta(days=rng.randint(0, 30)), actual))
                    day = min(day + dt.timedelta(days=rng.randint(40, 120)), AS_OF)
                else:
                    planned = _month_end(2025, min(12, 2 + 2 * i + rng.randint(0, 3)))
                    ms.append(MilestonePlan(kind, planned, None))
            p.milestones = ms
            continue
        prep = [
            MilestoneKind.APPROVAL,
            MilestoneKind.LAND,
            MilestoneKind.PLANNING_PERMIT,
            MilestoneKind.CONSTRUCTION_PERMIT,
        ]
        if not p.has_land and p.land_area is None:
            prep.remove(MilestoneKind.LAND)
        anchor = p.start or p.planned_start or _month_end(2025, 6)
        if p.start:
            done = len(prep)
        elif p.kind == Kind.NEW_START:
            done = len(prep) - rng.randint(1, 2)
        else:
            done = _weighted(rng, {0: 4, 1: 10, 2: 9, 3: 7, 4: 5})
            done = min(done, len(prep))
        offsets = sorted((rng.randint(3, 420) for _ in prep), reverse=True)
        offsets[-1] = min(offsets[-1], 40)
        last_done = _random_date(rng, dt.date(2024, 3, 1), AS_OF)
        for i, kind in enumerate(prep):
            planned = anchor - dt.timedelta(days=offsets[i])
            actual: dt.date | None = None
            if i < done:
                actual = planned + dt.timedelta(days=rng.randint(-10, 25))
                if not p.start:
                    # Not started yet: the done steps fall before now, in order.
                    actual = min(actual, last_done - dt.timedelta(days=(done - 1 - i) * 35))
                elif actual >= p.start:
                    actual = p.start - dt.timedelta(days=(len(prep) - i))
            elif planned <= AS_OF and p.kind == Kind.RESERVE and rng.random() < 0.6:
                # Most reserve projects have re-planned steps that slipped; the rest show as overdue.
                planned = _month_end(2025, min(12, 1 + i * 2 + rng.randint(0, 2)))
            ms.append(MilestonePlan(kind, planned, actual))
        ms.append(MilestonePlan(MilestoneKind.START, p.planned_start, p.start))
        if p.floor_area and p.start and p.planned_completion and not p.quick:
            span = (p.planned_completion - p.start).days
            topping = p.start + dt.timedelta(days=int(span * 0.6))
            actual_topping = topping + dt.timedelta(days=rng.randint(-20, 40))
            if p.completion or actual_topping <= AS_OF:
                actual_topping = min(actual_topping, (p.completion or AS_OF) - dt.timedelta(days=30))
                ms.append(MilestonePlan(MilestoneKind.TOPPING_OUT, topping, actual_topping))
            else:
                ms.append(MilestonePlan(MilestoneKind.TOPPING_OUT, topping, None))
        if p.planned_completion or p.completion:
            ms.append(MilestonePlan(MilestoneKind.COMPLETION, p.planned_completion, p.completion))
        if p.operation:
            ms.append(MilestonePlan(MilestoneKind.OPERATION, p.planned_completion, p.operation))
        p.milestones = ms


def _assign_places(rng: random.Random, plans: list[ProjectPlan]) -> None:
    names = {code: name for code, name, _a in data.STREETS}
    anchors = {code: a for code, _n, a in data.STREETS}
    for p in plans:
        if p.street is None:
            p.location_text = "崂山区各街道"
            continue
        if p.point is None:
            lon, lat = rng.choice(anchors[p.street])
            p.point = (lon + rng.uniform(-0.005, 0.005), lat + rng.uniform(-0.004, 0.004))
        p.longitude = Decimal(f"{p.point[0]:.6f}")
        p.latitude = Decimal(f"{p.point[1]:.6f}")
        p.location_text = f"崂山区{names[p.street]}{p.place}"


def _assign_leaders(plans: list[ProjectPlan]) -> None:
    principals = ["secretary", "mayor"]
    for i, p in enumerate(sorted((p for p in plans if p.level == Level.PROVINCE), key=lambda p: p.name)):
        p.leader = principals[i % 2]
    for p in plans:
        p.leader = p.leader or data.LEADER_OF_UNIT[p.unit]


def _assign_codes(rng: random.Random, plans: list[ProjectPlan]) -> None:
    plans.sort(
        key=lambda p: (
            CATEGORY_ORDER.index(p.category),
            KIND_ORDER.index(p.kind),
            LEVEL_ORDER.index(p.level),
            -p.total,
            p.name,
        )
    )
    used: set[str] = set()
    for serial, p in enumerate(plans, start=1):
        p.serial = serial
        p.internal_code = format_internal_code(YEAR, serial)
        approval = next((m.actual for m in p.milestones if m.kind == MilestoneKind.APPROVAL), None)
        if approval is None or p.street is None:
            continue  # not yet approved, or a package of sites filed separately: internal code only
        unit_kind = _unit_kind(p.unit)
        if p.industry in {"44", "45"}:
            type_code = "02"
        elif p.category == Category.INDUSTRY and unit_kind != DepartmentKind.COMPANY:
            type_code = "03" if rng.random() < 0.9 else "02"
        elif unit_kind == DepartmentKind.COMPANY:
            type_code = "01" if rng.random() < 0.5 else "03"
        else:
            type_code = "01"
        division = data.DISTRICT[0]  # every project lies in Laoshan
        year = max(2014, min(approval.year, YEAR))
        while True:
            code = f"{year}-{division}-{p.industry}-{type_code}-{rng.randint(1, 99999):06d}"
            if code not in used:
                used.add(code)
                p.national_code = code
                break


def generate_plan() -> list[ProjectPlan]:
    """The whole programme, always the same."""
    rng = random.Random(SEED)
    plans = [_from_spec(spec, "seed") for spec in data.SEED_PROJECTS]
    plans += [_from_spec(spec, "group") for spec in data.GROUP_PROJECTS]
    plans += [_from_spec(spec, "big") for spec in data.BIG_PROJECTS]
    used = {p.name for p in plans}
    for category in CATEGORY_ORDER:
        for kind, count in zip(KIND_ORDER, data.SLOTS[category], strict=True):
            taken = sum(1 for p in plans if p.category == category and p.kind == kind)
            if taken > count:
                raise ValueError(f"too many fixed projects for {category}/{kind}")
            plans += [_invent(rng, category, kind, used) for _ in range(count - taken)]
    _assign_totals(rng, plans)
    _assign_sizes(rng, plans)
    _assign_levels(rng, plans)
    _assign_new_starts(rng, plans)
    _assign_continuing(rng, plans)
    _assign_reserve_and_strategic(rng, plans)
    _assign_money(rng, plans)
    _assign_milestones(rng, plans)
    _assign_places(rng, plans)
    _assign_leaders(plans)
    _assign_codes(rng, plans)
    _check(plans)
    return plans


def _check(plans: list[ProjectPlan]) -> None:
    """The seed's figures are not negotiable."""
    total = sum((p.total for p in plans), Decimal(0))
    new_starts = sum(p.kind == Kind.NEW_START for p in plans)
    if (len(plans), total, new_starts) != (PROJECT_COUNT, TOTAL_INVESTMENT, NEW_STARTS):
        raise RuntimeError(f"demo plan is off: {len(plans)} projects, {total} 万元, {new_starts} new starts")
    if len({p.name for p in plans}) != len(plans):
        raise RuntimeError("demo plan has duplicate project names")


def plan_digest(plans: list[ProjectPlan]) -> str:
    rows = [
        [
            p.internal_code,
            p.national_code,
            p.name,
            p.kind,
            p.level,
            p.stage,
            str(p.total),
            str(p.planned_investment),
            str(p.invested_before),
            str(p.invested_ytd),
            str(p.start),
            str(p.completion),
            str(p.longitude),
            str(p.latitude),
        ]
        for p in plans
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


# ---------------------------------------------------------------- writing it


@dataclass
class DemoResult:
    created: bool
    projects: int
    logins: list[dict[str, str]]
    counts: dict[str, dict[str, int]]


DEMO_USERNAMES = [row[0] for row in data.DEMO_USERS]
UNIT_CODES = [row[0] for row in data.UNITS]


def demo_state() -> str:
    """ "empty" (nothing of the demo, no projects), "loaded", or "conflict" (anything else)."""
    users = User.objects.filter(username__in=DEMO_USERNAMES).count()
    units = Department.objects.filter(code__in=UNIT_CODES).count()
    entries = ProgrammeEntry.objects.filter(year=YEAR, project__is_illustrative=True).count()
    if users == len(DEMO_USERNAMES) and units == len(UNIT_CODES) and entries == PROJECT_COUNT:
        return "loaded"
    if users == 0 and units == 0 and not Project.objects.exists():
        return "empty"
    return "conflict"


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _write_reference() -> dict[str, dict[str, Any]]:
    city = Region.objects.create(code=data.CITY[0], name=data.CITY[1], level=RegionLevel.CITY)
    district = Region.objects.create(
        code=data.DISTRICT[0], name=data.DISTRICT[1], level=RegionLevel.DISTRICT, parent=city
    )
    streets = Region.objects.bulk_create(
        Region(code=code, name=name, level=RegionLevel.STREET, parent=district, order=i)
        for i, (code, name, _a) in enumerate(data.STREETS, start=1)
    )
    street_map = {r.code: r for r in streets}
    units = Department.objects.bulk_create(
        Department(
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            region=street_map[street] if street else district,
            order=i,
        )
        for i, (code, name, short, kind, street) in enumerate(data.UNITS, start=1)
    )
    unit_map = {u.code: u for u in units}
    chains = IndustryChain.objects.bulk_create(
        IndustryChain(code=code, name=name, order=i) for i, (code, name) in enumerate(data.CHAINS, start=1)
    )
    chain_map = {c.code: c for c in chains}
    parks = Park.objects.bulk_create(
        Park(
            code=code,
            name=name,
            chain=chain_map[chain],
            street=street_map[street],
            operator=unit_map[operator],
            order=i,
        )
        for i, (code, name, chain, street, operator) in enumerate(data.PARKS, start=1)
    )
    leaders = Leader.objects.bulk_create(
        Leader(name=name, title=title, order=i) for i, (_key, name, title) in enumerate(data.LEADERS, start=1)
    )
    return {
        "street": street_map,
        "unit": unit_map,
        "chain": chain_map,
        "park": {p.code: p for p in parks},
        "leader": {key: leader for (key, _n, _t), leader in zip(data.LEADERS, leaders, strict=True)},
    }


def _write_users(refs: dict[str, dict[str, Any]]) -> dict[str, User]:
    # One hash for the shared demo password keeps the load fast (Argon2 is slow on purpose).
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for username, role, full_name, unit, leader_key in data.DEMO_USERS:
        user = User(
            username=username,
            full_name=full_name,
            role=role,
            department=refs["unit"][unit] if unit else None,
            password=password,
            is_staff=role == Role.ADMIN,
            # The admin role gets its rights on reference data from RoleBackend, not from being a
            # superuser, so the admin site shows no business data.
            is_superuser=False,
            date_joined=_aware(ISSUED, 8),
        )
        user.full_clean(exclude=["password"])
        user.save()
        users[username] = user
        if leader_key:
            leader = refs["leader"][leader_key]
            leader.user = user
            leader.save(update_fields=["user"])
    # Accounts are set up by the loader itself ("系统"), before anyone signs in.
    ChangeRecord.objects.bulk_create(
        _record(None, ChangeAction.CREATE, user, diff(User, {}, _user_snapshot(user)), _aware(ISSUED, 8))
        for user in users.values()
    )
    return users


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        k: v
        for k, v in snapshot(user).items()
        if k in {"username", "full_name", "role", "department", "is_staff", "is_superuser"}
    }


def _record(
    actor: User | None,
    action: str,
    instance: Any,
    changes: dict[str, Any],
    at: dt.datetime,
    reason: str = DEMO_REASON,
) -> ChangeRecord:
    return ChangeRecord(
        at=at,
        actor=actor,
        actor_name=actor.get_full_name() if actor else "系统",
        action=str(action),
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        changes=changes,
        reason=reason,
    )


def _write_projects(plans: list[ProjectPlan], refs: dict[str, dict[str, Any]], actor: User) -> None:
    projects: list[Project] = []
    for p in plans:
        initial, events = p.timeline()
        final = events[-1][1] if events else initial
        project = Project(
            national_code=p.national_code,
            internal_code=p.internal_code,
            name=p.name,
            category=p.category,
            chain=refs["chain"][p.chain] if p.chain else None,
            park=refs["park"][p.park] if p.park else None,
            street=refs["street"][p.street] if p.street else None,
            lead_unit=refs["unit"][p.unit],
            leader=refs["leader"][p.leader],
            owner=p.owner,
            location_text=p.location_text,
            content=p.content,
            total_investment=p.total,
            land_area=p.land_area,
            floor_area=p.floor_area,
            latitude=p.latitude,
            longitude=p.longitude,
            planned_start=p.planned_start,
            planned_completion=p.planned_completion,
            actual_start=p.start,
            actual_completion=p.completion,
            stage=final,
            is_illustrative=True,
            version=1 + len(events),
        )
        # The rules a form or an import goes through (sets search_text); every key was set from
        # rows just written, so the per-key existence queries are skipped as the bulk import does.
        project_validate(project, references_loaded=True)
        projects.append(project)
    Project.objects.bulk_create(projects)

    entries = ProgrammeEntry.objects.bulk_create(
        ProgrammeEntry(
            project=project,
            year=YEAR,
            serial=p.serial,
            kind=p.kind,
            level=p.level,
            planned_investment=p.planned_investment,
            planned_start_month=p.month if p.kind == Kind.NEW_START else None,
            note=p.note[:200],
            invested_before=p.invested_before,
            invested_ytd=p.invested_ytd,
            invested_as_of=AS_OF,
            version=2,
        )
        for p, project in zip(plans, projects, strict=True)
    )
    Milestone.objects.bulk_create(
        Milestone(project=project, kind=m.kind, planned_date=m.planned, actual_date=m.actual)
        for p, project in zip(plans, projects, strict=True)
        for m in p.milestones
    )

    transitions: list[StageTransition] = []
    records: list[ChangeRecord] = []
    issued_at = _aware(ISSUED, 9)
    reported_at = _aware(dt.date(YEAR, 12, 5), 10)
    for p, project, entry in zip(plans, projects, entries, strict=True):
        initial, events = p.timeline()
        project.created_at = project.updated_at = issued_at
        # The project as entered when the programme was issued, then each move of 2024.
        final_state = (project.stage, project.actual_start, project.actual_completion)
        state = {
            "stage": initial,
            "actual_start": p.start if p.start and p.start <= ISSUED else None,
            "actual_completion": p.completion if p.completion and p.completion <= ISSUED else None,
        }
        for name, value in state.items():
            setattr(project, name, value)
        records.append(
            _record(actor, ChangeAction.CREATE, project, diff(Project, {}, snapshot(project)), issued_at)
        )
        if initial != Stage.PLANNING:
            transitions.append(
                StageTransition(
                    project=project,
                    from_stage="",
                    to_stage=initial,
                    effective_date=state["actual_start"] or ISSUED,
                    at=issued_at,
                    actor=actor,
                    reason=f"录入项目（{DEMO_REASON}）",
                )
            )
        for day, to_stage in events:
            before = snapshot(project, ["stage", "actual_start", "actual_completion"])
            from_stage = project.stage
            if to_stage == Stage.CONSTRUCTION and from_stage in {Stage.PLANNING, Stage.RESERVE}:
                project.actual_start = day
            elif to_stage == Stage.COMPLETED:
                project.actual_completion = day
            project.stage = to_stage
            at = _aware(min(day + dt.timedelta(days=(day.toordinal() % 3)), DEMO_TODAY), 16, 30)
            reason = f"{STAGE_REASONS[to_stage]}（{DEMO_REASON}）"
            transitions.append(
                StageTransition(
                    project=project,
                    from_stage=from_stage,
                    to_stage=to_stage,
                    effective_date=day,
                    at=at,
                    actor=actor,
                    reason=reason,
                )
            )
            after = snapshot(project, ["stage", "actual_start", "actual_completion"])
            records.append(
                _record(actor, ChangeAction.TRANSITION, project, diff(Project, before, after), at, reason)
            )
            project.updated_at = at
        project.stage, project.actual_start, project.actual_completion = final_state

        # The entry as issued (nothing invested yet), then November's year-to-date figure.
        entry.invested_ytd, entry.invested_as_of = Decimal(0), None
        records.append(
            _record(actor, ChangeAction.CREATE, entry, diff(ProgrammeEntry, {}, snapshot(entry)), issued_at)
        )
        before = snapshot(entry, ["invested_ytd", "invested_as_of"])
        entry.invested_ytd, entry.invested_as_of = p.invested_ytd, AS_OF
        after = snapshot(entry, ["invested_ytd", "invested_as_of"])
        records.append(
            _record(
                actor,
                ChangeAction.UPDATE,
                entry,
                diff(ProgrammeEntry, before, after),
                reported_at,
                f"{DEMO_REASON}：1–11月累计完成投资",
            )
        )
        entry.created_at, entry.updated_at = issued_at, reported_at
    StageTransition.objects.bulk_create(transitions)
    ChangeRecord.objects.bulk_create(records, batch_size=500)
    # auto_now stamped the wall clock on insert; the demo's own times replace it (bulk_update
    # writes the values as given).
    Project.objects.bulk_update(projects, ["created_at", "updated_at"], batch_size=500)
    ProgrammeEntry.objects.bulk_update(entries, ["created_at", "updated_at"], batch_size=500)


def _login_row(user: User) -> dict[str, str]:
    return {
        "role": str(user.get_role_display()),
        "username": user.username,
        "password": DEMO_PASSWORD,
        "unit": user.department.name if user.department else "",
        "name": user.get_full_name(),
    }


def _logins() -> list[dict[str, str]]:
    """The demo's accounts: the core ones in their set order, then those the later layers added
    (investment officers, unit liaisons), which share the password (they take its hash)."""
    core = {
        u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES).select_related("department")
    }
    rows = [_login_row(core[username]) for username, *_rest in data.DEMO_USERS if username in core]
    password = User.objects.filter(username="dispatcher").values_list("password", flat=True).first()
    extras = (
        User.objects.filter(is_active=True, password=password)
        .exclude(username__in=DEMO_USERNAMES)
        .select_related("department")
        .order_by("role", "username")
    )
    rows += [_login_row(user) for user in extras] if password else []
    return rows


def programme_counts() -> dict[str, dict[str, int]]:
    entries = ProgrammeEntry.objects.filter(year=YEAR)
    counts: dict[str, dict[str, int]] = {"kind": {}, "level": {}, "category": {}, "stage": {}}
    for kind, level, category, stage in entries.values_list(
        "kind", "level", "project__category", "project__stage"
    ).order_by():
        for key, value in [("kind", kind), ("level", level), ("category", category), ("stage", stage)]:
            counts[key][value] = counts[key].get(value, 0) + 1
    orders = {"kind": Kind, "level": Level, "category": Category, "stage": Stage}
    return {
        key: {c.value: counts[key][c.value] for c in orders[key] if c.value in counts[key]} for key in counts
    }


# Later layers of the demo, each loaded by its own app after the programme exists, in this order.
# Each is idempotent (does nothing when its data is already there) and takes the password hash
# for any extra accounts it needs.
EXTRAS: tuple[str, ...] = (
    "xianfeng.coordination.demo.load_demo_problems",
    "xianfeng.dispatch.demo.load_demo_dispatch",
    "xianfeng.targets.tasks.load_demo_warnings",
    "xianfeng.attraction.demo.load_demo_attraction",
    "xianfeng.targets.demo.load_demo_targets",
)


def load_demo(*, extras: tuple[str, ...] = EXTRAS) -> DemoResult:
    """Load the demo once; a second call finds it loaded and changes nothing."""
    with clock.frozen(DEMO_TODAY), transaction.atomic():
        state = demo_state()
        if state == "conflict":
            raise DemoConflictError(
                "数据库中已有数据，且不是完整的演示数据；"
                "如需重建演示，请使用 load_demo --reset（将清空整个数据库）"
            )
        created = state == "empty"
        if created:
            plans = generate_plan()
            refs = _write_reference()
            users = _write_users(refs)
            _write_projects(plans, refs, users["dispatcher"])
        password_hash = User.objects.get(username="dispatcher").password
        offered = {"year": YEAR, "password_hash": password_hash}
        for path in extras:
            loader = import_string(path)
            accepted = inspect.signature(loader).parameters
            loader(**{k: v for k, v in offered.items() if k in accepted})
        return DemoResult(
            created=created,
            projects=ProgrammeEntry.objects.filter(year=YEAR).count(),
            logins=_logins(),
            counts=programme_counts(),
        )


class DemoConflictError(Exception):
    pass


def demo_digest() -> str:
    """A fingerprint of the loaded programme (codes, amounts, dates, stages), free of row ids."""
    rows: list[Any] = []
    projects = (
        Project.objects.filter(entries__year=YEAR)
        .select_related("chain", "park", "street", "lead_unit", "leader")
        .order_by("internal_code")
    )
    entries = {e.project_id: e for e in ProgrammeEntry.objects.filter(year=YEAR)}
    milestones: dict[int, list[Any]] = {}
    for m in Milestone.objects.order_by("project_id", "kind"):
        milestones.setdefault(m.project_id, []).append([m.kind, str(m.planned_date), str(m.actual_date)])
    transitions: dict[int, list[Any]] = {}
    for t in StageTransition.objects.order_by("project_id", "at", "id"):
        transitions.setdefault(t.project_id, []).append([t.from_stage, t.to_stage, str(t.effective_date)])
    for p in projects:
        e = entries[p.pk]
        rows.append(
            [
                p.internal_code,
                p.national_code,
                p.name,
                p.category,
                p.chain.code if p.chain else "",
                p.park.code if p.park else "",
                p.street.code if p.street else "",
                p.lead_unit.code,
                p.leader.name if p.leader else "",
                p.owner,
                str(p.total_investment),
                str(p.land_area),
                str(p.floor_area),
                str(p.latitude),
                str(p.longitude),
                str(p.planned_start),
                str(p.planned_completion),
                str(p.actual_start),
                str(p.actual_completion),
                p.stage,
                [e.serial, e.kind, e.level, str(e.planned_investment), e.planned_start_month],
                [str(e.invested_before), str(e.invested_ytd), str(e.invested_as_of)],
                sorted(milestones.get(p.pk, [])),
                transitions.get(p.pk, []),
            ]
        )
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()
