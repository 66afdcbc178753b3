"""Benchmark: the leaders' cockpit (驾驶舱) at 20,000 projects × 11 periods, against the raw SQL
aggregates it needs.

Run from the repository root:

    .venv/bin/python bench/bench_cockpit.py                      # a temporary SQLite file
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_cockpit_bench \
        .venv/bin/python bench/bench_cockpit.py

On PostgreSQL the script creates the database named in the URL (its name must contain "bench":
it is dropped at the end). It fills a 2024 programme of N projects with January–November reports
(``bench/_dispatch_data.py``), gives the projects eight industry chains (one in nine without),
completes one continuing project in fifteen, raises 5,000 problems over the year, adds the three
computed targets of the demo (provincial and city projects started by the end of H1, new starts
by the end of Q3, the year's investment plan) and computes November's warnings and forecasts.

It then times, signed in as a leader: the cockpit's data (``cockpit.selectors.cockpit_data``, the
default period and a replay of June), the page and the API; and, as the yardstick, the raw SQL
aggregates the page needs, hand-written (the figures by kind, level, category, unit, street and
chain with the funnel's stages, the problems, the warnings' counts by colour and rule and their
lists, the forecast's stored points — the monthly curve's actual line, which the cockpit reads
there too —, the targets as of the month with the projects that threaten them and their
forecasts, the names). It prints the medians, the CPU time per
run (this process, plus the PostgreSQL backend's), the query counts and the ratio, against the
targets: PostgreSQL, the cockpit's data ≤ 300 ms and ≤ 2× the raw SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import _dispatch_data as data  # noqa: E402
from bench_statistics import _backend_cpu_ms  # noqa: E402

TARGET_MS = 300.0
TARGET_RATIO = 2.0
CHAINS = ["虚拟现实", "人工智能", "集成电路", "生物医药", "海洋科技", "金融科技", "文化旅游", "新材料"]


def enrich(seed: int = 20241207) -> dict[str, Any]:
    """Chains, completed projects, problems, the targets, and November's warnings and forecasts."""
    from django.db import connection, transaction

    from xianfeng.coordination.choices import ACTIVE_STATUSES, ProblemSource, ProblemStatus, ProblemType
    from xianfeng.coordination.models import Problem
    from xianfeng.org.models import Department, User
    from xianfeng.parks.models import IndustryChain
    from xianfeng.projects.models import Project
    from xianfeng.targets.models import Target
    from xianfeng.targets.tasks import recompute

    rng = random.Random(seed)
    with transaction.atomic():
        chains = [IndustryChain.objects.create(code=f"C{i}", name=n, order=i) for i, n in enumerate(CHAINS)]
        with connection.cursor() as cursor:
            for i, chain in enumerate(chains):
                cursor.execute(
                    "UPDATE projects_project SET chain_id = %s WHERE id %% 9 = %s", [chain.pk, i + 1]
                )
            cursor.execute(
                "UPDATE projects_project SET stage = 'completed', actual_completion = %s "
                "WHERE actual_start < %s AND id %% 15 = 0",
                [dt.date(2024, 9, 30), dt.date(2024, 1, 1)],
            )
        projects = list(Project.objects.order_by("pk").only("pk", "lead_unit_id")[::7])
        units = list(Department.objects.order_by("pk"))
        reporter = User.objects.get(username="bench")
        types = list(ProblemType.values)
        problems = []
        for i in range(5000):
            raised_on = dt.date(2024, 1, 2) + dt.timedelta(days=int(330 * i / 5000))
            project = rng.choice(projects)
            deadline = raised_on + dt.timedelta(days=rng.choice([7, 14, 21, 28]))
            closed = rng.random() < 0.7
            closed_on = (
                min(dt.date(2024, 12, 5), raised_on + dt.timedelta(days=rng.randint(2, 60)))
                if closed
                else None
            )
            status = ProblemStatus.CLOSED if closed else rng.choice(list(ACTIVE_STATUSES))
            at = dt.datetime.combine(raised_on, dt.time(9), tzinfo=dt.UTC)
            problems.append(
                Problem(
                    project=project,
                    source=ProblemSource.DIRECT,
                    type=rng.choice(types),
                    title=f"问题{i + 1:05d}",
                    description="基准测试数据",
                    raised_by=reporter,
                    raised_unit_id=project.lead_unit_id,
                    raised_at=at,
                    raised_on=raised_on,
                    primary_unit=rng.choice(units),
                    deadline_days=10,
                    deadline=deadline,
                    assigned_at=at,
                    status=status,
                    resolved_at=dt.datetime.combine(closed_on, dt.time(12), tzinfo=dt.UTC)
                    if closed_on
                    else None,
                    closed_at=dt.datetime.combine(closed_on, dt.time(17), tzinfo=dt.UTC)
                    if closed_on
                    else None,
                    closed_on=closed_on,
                    days_to_close=(closed_on - raised_on).days if closed_on else None,
                    level=rng.choice([1, 1, 2, 3]),
                )
            )
        Problem.objects.bulk_create(problems, batch_size=5000)
        owner = units[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(planned_investment), 0) FROM projects_programmeentry WHERE year = 2024"
            )
            plan = Decimal(cursor.fetchone()[0])
        common = {"year": 2024, "owner_unit": owner, "start_date": dt.date(2024, 1, 1), "source": "computed"}
        # The definitions as the targets' form saves them (cleaned: "all of them" counts the
        # denominator, so the start targets' threats are listed as on the real board).
        from xianfeng.targets.definitions import validate

        Target.objects.create(
            code="bench-h1",
            name="省、市重点项目上半年全部开工",
            deadline=dt.date(2024, 6, 30),
            target_value=Decimal(1),
            unit_of_measure="个",
            definition=validate(
                {
                    "entity": "entries",
                    "measure": "count",
                    "filters": {"year": 2024, "level": ["province", "city"]},
                    "date": {"field": "actual_start", "on_or_before": "2024-06-30"},
                    "target": "all",
                }
            ),
            order=1,
            **common,
        )
        Target.objects.create(
            code="bench-q3",
            name="新开工项目三季度末全部开工",
            deadline=dt.date(2024, 9, 30),
            target_value=Decimal(1),
            unit_of_measure="个",
            definition=validate(
                {
                    "entity": "entries",
                    "measure": "count",
                    "filters": {"year": 2024, "kind": ["new_start"]},
                    "date": {"field": "actual_start", "on_or_before": "2024-09-30"},
                    "target": "all",
                }
            ),
            order=2,
            **common,
        )
        Target.objects.create(
            code="bench-plan",
            name="完成年度计划投资",
            deadline=dt.date(2024, 12, 31),
            target_value=plan,
            unit_of_measure="万元",
            definition={
                "entity": "entries",
                "measure": "sum",
                "field": "invested_ytd",
                "filters": {"year": 2024},
            },
            order=3,
            **common,
        )
    started = time.perf_counter()
    recompute(2024, 11)
    recompute(2024, 6)
    return {"recompute_seconds": time.perf_counter() - started}


# ---------------------------------------------------------------- the raw SQL yardstick

HANDED_IN = "('submitted', 'unit_approved', 'accepted')"


def raw_sql(
    period_id: int, year: int, month: int, end: dt.date, postgresql: bool
) -> list[tuple[str, list[Any]]]:
    """The aggregates the cockpit shows, written by hand (same rules), as (sql, params)."""
    ytd = f"""CASE WHEN r.status IN {HANDED_IN} THEN r.invested_ytd
                   WHEN e.invested_as_of <= %s THEN e.invested_ytd
                   ELSE COALESCE((SELECT MAX(r2.invested_ytd) FROM dispatch_monthlyreport r2
                                   JOIN dispatch_reportingperiod p2 ON p2.id = r2.period_id
                                  WHERE r2.entry_id = e.id AND p2.year = %s AND p2.month <= %s
                                    AND r2.status IN {HANDED_IN}), 0) END"""
    base = f"""SELECT e.id, e.kind, e.level, p.category, p.lead_unit_id, p.street_id, p.chain_id,
                      p.total_investment AS total, e.planned_investment AS planned, {ytd} AS ytd,
                      e.planned_start_month AS psm, p.actual_start, p.actual_completion, p.stage
                 FROM projects_programmeentry e
                 JOIN projects_project p ON p.id = e.project_id
                 LEFT JOIN dispatch_monthlyreport r ON r.entry_id = e.id AND r.period_id = %s
                WHERE e.year = %s AND p.archived_at IS NULL AND p.stage <> 'cancelled'"""
    base_params = [end, year, month, period_id, year]
    measures = f"""COUNT(*), SUM(total), SUM(planned), SUM(ytd),
        SUM(CASE WHEN kind = 'new_start' THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'new_start' AND psm <= {month} THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'new_start' AND actual_start <= %s THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'new_start' AND psm <= {month} AND actual_start <= %s THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'continuing' OR (kind = 'new_start' AND actual_start <= %s) THEN 1 ELSE 0 END),
        SUM(CASE WHEN actual_completion <= %s
                   OR (actual_completion IS NULL AND stage IN ('completed', 'operating'))
                 THEN 1 ELSE 0 END)"""
    measure_params = [end, end, end, end]
    dims = "kind, level, category, lead_unit_id, street_id, chain_id"
    # The investment target's threats: the entries whose year-to-date is below the expected share
    # of their plan (the time progress, whole months), largest shortfall first, the first five,
    # and how many (the target's value is the total year-to-date of the figures).
    tenths = round(Decimal(month * 1000) / 12)  # time progress in tenths of a percent, half up
    behind = f"planned > 0 AND planned * {tenths} > ytd * 1000"
    threats = f"""SELECT id, planned, ytd, COUNT(*) OVER () FROM base WHERE {behind}
                   ORDER BY planned * {tenths} - ytd * 1000 DESC, id LIMIT 5"""
    if postgresql:
        nulls = ", ".join(["NULL"] * 7)
        figures = (
            f"WITH base AS MATERIALIZED ({base}), threats AS ({threats}) "
            f"SELECT 'sum', {dims}, {measures} FROM base "
            f"GROUP BY GROUPING SETS ((kind), (level), (category), (lead_unit_id), (street_id), (chain_id)) "
            f"UNION ALL SELECT 'threat', NULL, NULL, NULL, id, NULL, NULL, count, planned, ytd, {nulls} "
            f"FROM threats"
        )
    else:
        figures = f"SELECT {dims}, {measures} FROM ({base}) AS base GROUP BY {dims}"
        threats = f"WITH base AS ({base}) {threats}"
    open_q = "(closed_on IS NULL OR closed_on > %s)"
    overdue_q = f"{open_q} AND (resolved_at IS NULL OR resolved_at::date > %s) AND deadline < %s"
    if not postgresql:
        overdue_q = overdue_q.replace("resolved_at::date", "date(resolved_at)")
    problems = f"""SELECT type, COUNT(*),
                          SUM(CASE WHEN {open_q} THEN 1 ELSE 0 END),
                          SUM(CASE WHEN {overdue_q} THEN 1 ELSE 0 END),
                          SUM(CASE WHEN closed_on BETWEEN %s AND %s THEN 1 ELSE 0 END)
                     FROM coordination_problem WHERE raised_on <= %s GROUP BY type"""
    year_start = dt.date(year, 1, 1)
    overdue_list = f"""SELECT pb.id, pb.title, pr.name, d.name, pb.deadline FROM coordination_problem pb
                         JOIN projects_project pr ON pr.id = pb.project_id
                         LEFT JOIN org_department d ON d.id = pb.primary_unit_id
                        WHERE pb.raised_on <= %s AND {
        overdue_q.replace("closed_on", "pb.closed_on")
        .replace("resolved_at", "pb.resolved_at")
        .replace("deadline <", "pb.deadline <")
    }
                        ORDER BY pb.deadline, pb.id LIMIT 10"""
    rules = ", ".join(
        f"SUM(CASE WHEN {rule}_colour = '{colour}' THEN 1 ELSE 0 END)"
        for rule in ("start", "pace", "reporting")
        for colour in ("red", "yellow")
    )
    warnings_count = f"""SELECT colour, COUNT(*), MAX(computed_at), {rules},
                               SUM(CASE WHEN previous_colour <> '' AND previous_colour <> colour
                                        THEN 1 ELSE 0 END)
                          FROM targets_projectsignal WHERE period_id = %s GROUP BY colour"""
    warnings_list = """SELECT s.project_id, pr.name, d.name, s.colour, s.reasons FROM targets_projectsignal s
                         JOIN projects_project pr ON pr.id = s.project_id
                         JOIN org_department d ON d.id = pr.lead_unit_id
                        WHERE s.period_id = %s AND s.colour = %s ORDER BY s.id LIMIT 20"""
    forecast = """SELECT month, planned, actual, forecast FROM targets_forecastpoint
                   WHERE period_id = %s AND unit_id IS NULL ORDER BY month"""
    # The start targets as of the month (the cut-off is the earlier of the deadline and the month's
    # end), not counting archived or cancelled projects; the list of those not started in time.
    targets = """SELECT
          SUM(CASE WHEN e.level IN ('province', 'city') THEN 1 ELSE 0 END),
          SUM(CASE WHEN e.level IN ('province', 'city') AND p.actual_start <= %s THEN 1 ELSE 0 END),
          SUM(CASE WHEN e.kind = 'new_start' THEN 1 ELSE 0 END),
          SUM(CASE WHEN e.kind = 'new_start' AND p.actual_start <= %s THEN 1 ELSE 0 END)
        FROM projects_programmeentry e JOIN projects_project p ON p.id = e.project_id
        WHERE e.year = %s AND p.archived_at IS NULL AND p.stage <> 'cancelled'"""
    pending = """SELECT e.id, p.name, d.name, e.planned_start_month, p.stage, COUNT(*) OVER ()
          FROM projects_programmeentry e JOIN projects_project p ON p.id = e.project_id
          JOIN org_department d ON d.id = p.lead_unit_id
         WHERE e.year = %s AND p.archived_at IS NULL AND p.stage <> 'cancelled' AND {which}
           AND NOT (p.actual_start IS NOT NULL AND p.actual_start <= %s)
         ORDER BY CASE WHEN p.actual_start <= %s THEN 1 ELSE 0 END,
                  CASE WHEN e.planned_start_month IS NULL THEN 1 ELSE 0 END,
                  e.planned_start_month, e.planned_investment DESC, p.name, e.id LIMIT 5"""
    target_rows = """SELECT t.id, t.name, f.probability, f.expected_value FROM targets_target t
          LEFT JOIN targets_targetforecast f ON f.target_id = t.id AND f.year = %s AND f.month = %s
         WHERE t.year = %s AND t.archived_at IS NULL ORDER BY t."order", t.id"""
    names = """SELECT 'unit', id, name FROM org_department UNION ALL SELECT 'street', id, name FROM org_region
               UNION ALL SELECT 'chain', id, name FROM parks_industrychain"""
    h1, q3 = min(dt.date(year, 6, 30), end), min(dt.date(year, 9, 30), end)
    statements = [
        (figures, base_params + measure_params),
        (problems, [end, end, end, end, year_start, end, end]),
        (overdue_list, [end, end, end, end]),
        (warnings_count, [period_id]),
        (warnings_list, [period_id, "red"]),
        (warnings_list, [period_id, "yellow"]),
        (forecast, [period_id]),
        (targets, [h1, q3, year]),
        (pending.format(which="e.level IN ('province', 'city')"), [year, h1, end]),
        (pending.format(which="e.kind = 'new_start'"), [year, q3, end]),
        (target_rows, [year, month, year]),
        (names, []),
    ]
    if not postgresql:
        statements.insert(1, (threats, base_params))
    return statements


# ---------------------------------------------------------------- timing


def timed(run: Any, repeats: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        run()
    times, queries = [], set()
    cpu_start, backend_start = time.process_time(), _backend_cpu_ms()
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1000)
        queries.add(
            len(
                [
                    q
                    for q in captured.captured_queries
                    if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "SET "))
                ]
            )
        )
    cpu = (time.process_time() - cpu_start) * 1000
    backend_end = _backend_cpu_ms()
    if backend_start and backend_end and backend_start[0] == backend_end[0]:
        cpu += backend_end[1] - backend_start[1]
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "cpu": cpu / repeats,
        "queries": "/".join(str(q) for q in sorted(queries)),
    }


def _once(run: Any) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def _row(label: str, result: dict[str, Any], verdict: str = "") -> str:
    return (
        f"{label:<38} {result['median']:>9.1f} {result['p95']:>9.1f} {result['cpu']:>9.1f} "
        f"{result['queries']:>8}  {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    with data.bench_database(args.projects, keep=args.keep, before_analyse=enrich) as built:
        vendor, name, world = built.vendor, built.name, built.world
        from django.db import connection, transaction
        from django.test import Client

        from xianfeng.cockpit import selectors
        from xianfeng.cockpit.selectors import cockpit_data, cockpit_period
        from xianfeng.dispatch.models import ReportingPeriod

        extra = built.extra
        print(
            f"database: {vendor} ({name}); {world['projects']:,} projects × {len(world['periods'])} periods, "
            f"{world['reports']:,} reports, 5,000 problems, 3 targets; built in "
            f"{built.seconds:.1f} s (warnings and forecasts of two periods: "
            f"{extra['recompute_seconds']:.1f} s); {args.repeats} runs per case"
        )
        leader = world["leader"]
        client = Client()
        client.force_login(leader)
        november, periods = cockpit_period(user=leader)
        june = ReportingPeriod.objects.get(year=2024, month=6)
        data_nov = cockpit_data(user=leader, period=november, periods=periods)
        assert data_nov.headline.projects == args.projects, data_nov.headline.projects
        statements = {
            p.month: raw_sql(p.pk, p.year, p.month, p.end_date, vendor == "postgresql")
            for p in (november, june)
        }

        def raw(month: int) -> Any:
            def run() -> None:
                with transaction.atomic(), connection.cursor() as cursor:
                    if vendor == "postgresql":
                        # As the statistics do: no JIT for these one-off statements, sorts in memory.
                        cursor.execute("SET LOCAL jit = off")
                        cursor.execute("SET LOCAL work_mem = '32MB'")
                    for sql, params in statements[month]:
                        cursor.execute(sql, params)
                        cursor.fetchall()

            return run

        print(f"{'case':<38} {'median ms':>9} {'p95 ms':>9} {'CPU ms':>9} {'queries':>8}")
        results = {}
        cases = [
            ("raw SQL aggregates, November", "raw11", raw(11)),
            (
                "cockpit data (selector), November",
                "sel11",
                lambda: cockpit_data(user=leader, period=november, periods=periods),
            ),
            ("raw SQL aggregates, June", "raw6", raw(6)),
            (
                "cockpit data (selector), June",
                "sel6",
                lambda: cockpit_data(user=leader, period=june, periods=periods),
            ),
            ("page /cockpit/", "page", lambda: client.get("/cockpit/")),
            ("API /api/cockpit", "api", lambda: client.get("/api/cockpit")),
            ("wall display /cockpit/wall/ (shell)", "wall", lambda: client.get("/cockpit/wall/")),
        ]
        for label, key, run in cases:
            result = timed(run, args.repeats)
            results[key] = result
            verdict = ""
            if key.startswith("sel"):
                raw_key = "raw" + key[3:]
                ratio = result["median"] / results[raw_key]["median"]
                ok = result["median"] <= TARGET_MS and ratio <= TARGET_RATIO
                verdict = f"{ratio:.2f}× raw; " + ("ok" if ok else "OVER")
                if vendor != "postgresql":
                    verdict = f"({verdict})"
            print(_row(label, result, verdict))
        # Where the selector's time goes (best of five each; the cockpit's own parts and the ones it reads).
        from xianfeng.dispatch.statistics import period_statistics

        def parts_of(period: Any) -> list[tuple[str, Any]]:
            return [
                (
                    "dispatch statistics with chains and funnel",
                    lambda: period_statistics(
                        user=leader,
                        period=period,
                        behind_limit=0,
                        late_start_limit=0,
                        chains=selectors._funnel_conditions(period),
                    ),
                ),
                (
                    "chains and funnel alone (SQLite path; unused here)",
                    lambda: selectors._chain_groups(leader, period),
                ),
                (
                    "monthly curve, live (cockpit; unused when stored)",
                    lambda: selectors._actual_by_month(leader, period),
                ),
                (
                    "investment forecast (targets app)",
                    lambda: selectors.investment_forecast(
                        user=leader, year=2024, month=period.month, lowest=0
                    ),
                ),
                (
                    "warning summary (targets app)",
                    lambda: selectors.warning_summary(user=leader, period=period, limit=selectors.LIST_LIMIT),
                ),
                (
                    "target board (targets app)",
                    lambda: selectors.target_board(
                        user=leader, year=2024, as_of=period.end_date, threat_limit=selectors.THREAT_LIMIT
                    ),
                ),
                ("problems (coordination app)", lambda: selectors._problem_panel(leader, period.end_date)),
            ]

        for period in (november, june):
            print(f"\nparts of the selector, {period.label} (best of 5, ms):")
            for label, run in parts_of(period):
                best = min(_once(run) for _ in range(5))
                print(f"  {label:<50} {best:>8.1f}")
        print(
            f"\ntarget: the cockpit's data at 20,000 projects × 11 periods on PostgreSQL, "
            f"median ≤ {TARGET_MS:.0f} ms and ≤ {TARGET_RATIO:.0f}× the raw SQL aggregates it needs "
            "(on SQLite printed for reference). "
            "Medians are wall-clock; CPU is this process plus the PostgreSQL backend."
        )
        return 0


if __name__ == "__main__":
    sys.exit(main())
