"""Benchmark: recomputing the traffic-light warnings and investment forecasts for 20,000 projects.

Run from the repository root:

    .venv/bin/python bench/bench_warnings.py                      # a temporary SQLite file
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench_w \
        .venv/bin/python bench/bench_warnings.py

On PostgreSQL the script creates the database named in the URL (its name must contain "bench":
it is dropped at the end), migrates it and fills it; on SQLite it uses a temporary file. It
bulk-inserts a 2024 programme of N projects and their monthly reports for January–November
(``bench/_dispatch_data.py``), computes October's signals (so November has a previous colour),
then times ``--runs`` recomputations of the latest period (November) as the background task does
it (:func:`xianfeng.targets.tasks.recompute`, the targets' own forecasts left out: they have their
own benchmark if any): wall time, this process's CPU time and, for a local PostgreSQL, its
backend's; and the split between reading, warnings and forecasts. Target: ≤ 10 s.

Then the refresh a report's review or hand-in enqueues (:func:`xianfeng.targets.tasks.refresh`):
the signals and forecasts of one project for November (its per-project rows, its unit's curve and
back-test, the district's from the units' sums), and of a batch of 1,000 projects; the median of
``--runs`` each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import _dispatch_data as data  # noqa: E402
from bench_statistics import _backend_cpu_ms  # noqa: E402

TARGET_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    with data.bench_database(args.projects, keep=args.keep) as built:
        vendor, name, world = built.vendor, built.name, built.world

        from xianfeng.dispatch.models import ReportingPeriod
        from xianfeng.targets import forecasts, warnings
        from xianfeng.targets.models import ProjectSignal
        from xianfeng.targets.tasks import recompute, refresh

        print(
            f"database: {vendor} ({name}); {world['projects']:,} projects × {len(world['periods'])} periods, "
            f"{world['reports']:,} reports inserted and analysed in {built.seconds:.1f} s"
        )
        year, month = data.YEAR, data.MONTHS
        recompute(year, month - 1, targets=False)  # October: November's previous colours
        walls, cpus = [], []
        for run in range(args.runs):
            cpu_start, backend_start = time.process_time(), _backend_cpu_ms()
            begin = time.perf_counter()
            result = recompute(year, month, targets=False)
            wall = time.perf_counter() - begin
            cpu = time.process_time() - cpu_start
            backend_end = _backend_cpu_ms()
            backend = (
                backend_end[1] - backend_start[1]
                if backend_start and backend_end and backend_start[0] == backend_end[0]
                else None
            )
            walls.append(wall)
            cpus.append(cpu)
            w = result["warnings"]
            print(
                f"run {run + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU here"
                + (f", {backend / 1000:.2f} s CPU in the PostgreSQL backend" if backend is not None else "")
                + f" — {w['projects']:,} signals (red {w['red']:,}, yellow {w['yellow']:,}, changed "
                f"{w['changed']:,}); year-end forecast {result['forecasts']['year_end']} 万元, back-test MAE "
                f"{result['forecasts']['mean_absolute_error']}%"
            )
        # Where the time goes (one more run, in parts).
        period = ReportingPeriod.objects.get(year=year, month=month)
        t0 = time.perf_counter()
        facts = warnings.year_facts(period)
        t1 = time.perf_counter()
        warnings.signals_recompute(period=period, facts=facts)
        t2 = time.perf_counter()
        forecasts.forecasts_recompute(period=period, facts=facts)
        t3 = time.perf_counter()
        print(f"parts: read {t1 - t0:.2f} s, warnings {t2 - t1:.2f} s, forecasts {t3 - t2:.2f} s")
        assert ProjectSignal.objects.filter(period=period).count() == world["projects"]
        # A refresh of one project (a report accepted) and of a batch (a unit's or an import).
        ids = list(
            ProjectSignal.objects.filter(period=period)
            .order_by("entry_id")
            .values_list("entry_id", flat=True)
        )
        for label, chosen in [
            ("1 project", ids[len(ids) // 2 : len(ids) // 2 + 1]),
            ("1,000 projects", ids[::20][:1000]),
        ]:
            times = []
            for _run in range(args.runs):
                begin = time.perf_counter()
                done = refresh(year, month, chosen)
                times.append(time.perf_counter() - begin)
                assert done["periods"] == [period.key], done
            each = ", ".join(f"{t * 1000:.0f}" for t in times)
            print(f"refresh of {label}: median {statistics.median(times) * 1000:.0f} ms ({each} ms)")
        assert ProjectSignal.objects.filter(period=period).count() == world["projects"]
        median = statistics.median(walls)
        verdict = "ok" if median <= TARGET_S else "OVER"
        print(
            f"\nmedian {median:.2f} s (CPU here {statistics.median(cpus):.2f} s) — target: warnings and "
            f"forecasts recomputed for {args.projects:,} projects in ≤ {TARGET_S:.0f} s: {verdict}"
        )
        return 0


if __name__ == "__main__":
    sys.exit(main())
