"""Benchmark: the targets board and the target forecasts (Monte Carlo) at 20,000 projects.

Run from the repository root:

    .venv/bin/python bench/bench_targets.py                      # a temporary SQLite file
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench_t \
        .venv/bin/python bench/bench_targets.py

Fills a fresh database with a 2024 programme of N projects and its January–November reports
(``bench/_dispatch_data.py``), adds the seed's three computed targets (province- and city-level
projects started by the end of June, all new starts by the end of September, the year's investment
plan) and one manual target with eleven monthly values, then times:

- the board's data as of November (:func:`xianfeng.targets.selectors.target_board`), and as of
  June, when the start targets still have threats to list;
- :func:`xianfeng.targets.services.target_forecasts_recompute` for June (every simulation runs:
  start dates and investment paths) and for November.

Prints wall time and this process's CPU time (figures are noisy on a shared machine). Target: the
forecasts are part of the background recomputation, whose budget is ≤ 10 s for everything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import _dispatch_data as data  # noqa: E402

BUDGET_S = 10.0


def _timed(label: str, runs: int, call) -> float:  # type: ignore[no-untyped-def]
    walls, cpus = [], []
    for _ in range(runs):
        cpu, begin = time.process_time(), time.perf_counter()
        call()
        walls.append(time.perf_counter() - begin)
        cpus.append(time.process_time() - cpu)
    median = statistics.median(walls)
    print(f"{label}: median {median * 1000:.0f} ms wall, {statistics.median(cpus) * 1000:.0f} ms CPU here")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    with data.bench_database(args.projects, keep=args.keep) as built:
        vendor, name, world = built.vendor, built.name, built.world
        from django.db.models import Sum

        from xianfeng.lib import clock
        from xianfeng.org.models import Department, User
        from xianfeng.projects.models import ProgrammeEntry
        from xianfeng.targets import selectors, services
        from xianfeng.targets.choices import Source

        print(
            f"database: {vendor} ({name}); {world['projects']:,} projects, {world['reports']:,} reports "
            f"in {built.seconds:.1f} s"
        )
        dispatcher = User.objects.filter(role="dispatcher").order_by("id").first()
        unit = Department.objects.order_by("id").first()
        planned = ProgrammeEntry.objects.filter(year=2024).aggregate(s=Sum("planned_investment"))["s"]
        common = {
            "year": 2024,
            "owner_unit": unit,
            "start_date": dt.date(2024, 1, 1),
            "target_value": Decimal(1),
        }
        with clock.frozen(dt.date(2024, 1, 5)):
            for code, name_, deadline, definition in [
                ("h1", "省市重点项目上半年全部开工", dt.date(2024, 6, 30), {
                    "entity": "entries", "measure": "count",
                    "filters": {"year": 2024, "level": ["province", "city"]},
                    "date": {"field": "actual_start", "on_or_before": "2024-06-30"}, "target": "all"}),
                ("q3", "新开工项目三季度末全部开工", dt.date(2024, 9, 30), {
                    "entity": "entries", "measure": "count", "filters": {"year": 2024, "kind": ["new_start"]},
                    "date": {"field": "actual_start", "on_or_before": "2024-09-30"}, "target": "all"}),
            ]:  # fmt: skip
                services.target_create(
                    actor=dispatcher,
                    fields={**common, "code": code, "name": name_, "deadline": deadline,
                            "unit_of_measure": "个", "source": Source.COMPUTED, "definition": definition},
                )  # fmt: skip
            services.target_create(
                actor=dispatcher,
                fields={**common, "code": "plan", "name": "完成年度计划投资",
                        "deadline": dt.date(2024, 12, 31), "unit_of_measure": "万元", "target_value": planned,
                        "source": Source.COMPUTED,
                        "definition": {"entity": "entries", "measure": "sum", "field": "invested_ytd",
                                       "filters": {"year": 2024}}},
            )  # fmt: skip
            manual = services.target_create(
                actor=dispatcher,
                fields={**common, "code": "parks", "name": "口袋公园10处", "deadline": dt.date(2024, 12, 31),
                        "unit_of_measure": "处", "target_value": Decimal(10), "source": Source.MANUAL},
            )  # fmt: skip
        for month in range(1, 12):
            with clock.frozen(dt.date(2024, month + 1, 5)):
                services.target_value_report(
                    actor=dispatcher, target=manual, year=2024, month=month, value=Decimal(month * 9 // 10)
                )
        june, november = dt.date(2024, 6, 30), dt.date(2024, 11, 30)
        _timed(
            "board as of November",
            args.runs,
            lambda: selectors.target_board(user=dispatcher, year=2024, as_of=november),
        )
        _timed(
            "board as of June",
            args.runs,
            lambda: selectors.target_board(user=dispatcher, year=2024, as_of=june),
        )
        june_s = _timed(
            "target forecasts for June", args.runs, lambda: services.target_forecasts_recompute(2024, 6)
        )
        nov_s = _timed(
            "target forecasts for November", args.runs, lambda: services.target_forecasts_recompute(2024, 11)
        )
        for p in selectors.target_board(user=dispatcher, year=2024, as_of=june):
            f = p.forecast
            print(f"  June: {p.target.name}: {p.current} / {p.target_value}, {p.status_label}, "
                  f"{f.verdict_label if f else '—'} {f.probability_percent if f else ''}%")  # fmt: skip
        verdict = "ok" if max(june_s, nov_s) <= BUDGET_S else "OVER"
        print(f"\ntarget forecasts within the ≤ {BUDGET_S:.0f} s recomputation budget: {verdict}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
