"""The probability that a target is met by its deadline: a Monte Carlo over the target's own history.

- **Start targets** (entries counted when started by a date, out of all of them): each entry not
  yet started draws its start month as planned month + a delay drawn from the delays (actual start
  month − planned start month) of the programme's new starts that have started by the as-of date,
  conditioned on the delay being later than the as-of month (it has not started yet). An entry
  whose lateness is beyond every delay seen does not start within the sample. Without a planned
  month, the entry counts as planned for the month after the as-of date.
- **Investment targets** (a sum of year-to-date investment): each entry's remaining months up to
  the deadline draw, with replacement, from that entry's own monthly amounts reported so far
  (none reported: nothing more).
- **Manual targets**: the remaining months draw, with replacement, from the series' own monthly
  increments.
- Anything else, or a deadline already passed: the value as it stands (probability 100 or 0).

Seeded from the target's code and the as-of date: the same data give the same result.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import MonthlyReport, month_end
from xianfeng.projects.choices import Kind
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.targets import definitions, selectors
from xianfeng.targets.choices import Source
from xianfeng.targets.models import Target

SAMPLES = 2000
ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Simulation:
    probability_percent: Decimal
    expected_value: Decimal
    samples: int
    method: str


def _index(day: dt.date) -> int:
    return day.year * 12 + day.month


def _rng(target: Target, as_of: dt.date) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{target.code}:{as_of.isoformat()}".encode()))


def _settled(current: Decimal, goal: Decimal, baseline: Decimal, method: str) -> Simulation:
    met = current >= goal if goal >= baseline else current <= goal
    return Simulation(Decimal("100.0") if met else Decimal("0.0"), _money(current), 1, method)


def _money(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _result(totals: np.ndarray, goal: Decimal, method: str) -> Simulation:
    met = np.count_nonzero(totals >= float(goal) - 1e-9)
    probability = (Decimal(int(met)) * 100 / Decimal(len(totals))).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
    return Simulation(probability, _money(float(totals.mean())), len(totals), method)


def start_delays(year: int, as_of: dt.date) -> list[int]:
    """Months from planned to actual start of the year's new starts that started by ``as_of``."""
    rows = ProgrammeEntry.objects.filter(
        year=year,
        kind=Kind.NEW_START,
        planned_start_month__isnull=False,
        project__actual_start__isnull=False,
        project__actual_start__lte=as_of,
    ).values_list("planned_start_month", "project__actual_start")
    return [_index(started) - (year * 12 + planned) for planned, started in rows]


def _simulate_starts(target: Target, as_of: dt.date, rng: np.random.Generator) -> Simulation:
    d = target.definition
    current, goal, _denominator = selectors.current_value(target, as_of)
    cutoff = min(dt.date.fromisoformat(d["date"]["on_or_before"]), target.deadline)
    if as_of >= cutoff:
        return _settled(current, goal, Decimal(0), "settled")
    q = definitions.date_q(d, as_of)
    assert q is not None
    pending = list(
        definitions.denominator_rows(d, as_of).exclude(q).values_list("year", "planned_start_month")
    )
    # A start in the cut-off's month counts only when the cut-off is that month's last day.
    last_month = _index(cutoff) if cutoff == month_end(cutoff.year, cutoff.month) else _index(cutoff) - 1
    delays = np.array(sorted(start_delays(target.year, as_of)), dtype=np.int64)
    now = _index(as_of)
    started = np.zeros(SAMPLES, dtype=np.int64)
    for year, planned in pending:
        planned_index = year * 12 + planned if planned else now + 1
        lateness = now - planned_index
        pool = delays[delays > lateness]
        if pool.size == 0:
            continue
        months = planned_index + rng.choice(pool, size=SAMPLES)
        started += months <= last_month
    totals = started.astype(float) + float(current)
    return _result(totals, goal, "starts")


def _simulate_investment(target: Target, as_of: dt.date, rng: np.random.Generator) -> Simulation:
    d = target.definition
    current, goal, _denominator = selectors.current_value(target, as_of)
    remaining = min(_index(target.deadline), target.year * 12 + 12) - _index(as_of)
    if remaining <= 0:
        return _settled(current, goal, Decimal(0), "settled")
    history: dict[int, list[float]] = {}
    reports = (
        MonthlyReport.objects.filter(
            entry__in=definitions.rows(d, as_of).values("pk"),
            status__in=HANDED_IN_STATUSES,
            period__year=target.year,
        )
        .filter(definitions.period_done_q(as_of))
        .values_list("entry_id", "invested_month")
    )
    for entry_id, amount in reports:
        history.setdefault(entry_id, []).append(float(amount or 0))
    totals = np.full(SAMPLES, float(current))
    for entry_id in sorted(history):
        amounts = np.array(history[entry_id])
        if not amounts.any():
            continue
        totals += rng.choice(amounts, size=(SAMPLES, remaining)).sum(axis=1)
    return _result(totals, goal, "investment")


def _simulate_manual(target: Target, as_of: dt.date, rng: np.random.Generator) -> Simulation:
    values = sorted(target.values.all(), key=lambda v: (v.year, v.month))
    current = selectors.manual_value(values, as_of, target.baseline_value)
    goal, baseline = target.target_value, target.baseline_value
    remaining = _index(target.deadline) - _index(as_of)
    known = [v for v in values if month_end(v.year, v.month) <= as_of]
    if remaining <= 0 or not known:
        return _settled(current, goal, baseline, "settled" if remaining <= 0 else "static")
    increments: list[float] = []
    previous = (_index(target.start_date) - 1, baseline)
    for value in known:
        gap = (value.year * 12 + value.month) - previous[0]
        step = float(value.value - previous[1]) / max(gap, 1)
        increments.extend([step] * max(gap, 1))
        previous = (value.year * 12 + value.month, value.value)
    pool = np.array(increments)
    totals = float(current) + rng.choice(pool, size=(SAMPLES, remaining)).sum(axis=1)
    if goal < baseline:  # a target that goes down: met when at or below it
        totals = -totals
        goal = -goal
    return _result(totals, goal, "manual")


def simulate(*, target: Target, as_of: dt.date) -> Simulation:
    """The probability that ``target`` is met by its deadline, as seen at ``as_of``."""
    rng = _rng(target, as_of)
    if target.source == Source.MANUAL:
        result = _simulate_manual(target, as_of, rng)
        if target.target_value < target.baseline_value:
            result = Simulation(
                result.probability_percent, -result.expected_value, result.samples, result.method
            )
        return result
    if selectors.is_start_target(target):
        return _simulate_starts(target, as_of, rng)
    if selectors.is_investment_target(target):
        return _simulate_investment(target, as_of, rng)
    current, goal, _denominator = selectors.current_value(target, as_of)
    return _settled(current, goal, Decimal(0), "settled" if as_of >= target.deadline else "static")
