"""Benchmark: the problem board (page and API) over 100,000 problems on PostgreSQL.

Run from the repository root, with PostgreSQL running:

    .venv/bin/python bench/bench_problems.py
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_problems_bench \
        .venv/bin/python bench/bench_problems.py

The database is the one named in XF_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/xf_problems_bench); its name must contain "bench", since the
script creates it afresh and drops it at the end (``--keep`` / ``--reuse`` to fill it once).
It bulk-inserts 3,000 projects across 30 units and 8 leaders and 100,000 problems over 2023–2024
(about 60 % closed, with days to close; the rest open, in hand or resolved, some overdue and
escalated), each with one or two responsible units, then times N requests of each case with
django.test.Client: the board page as the dispatcher with several filters, the board as a unit
clerk (rows scoped to the unit), and the API list. It prints the median and 95th percentile
server time, the SQL time, the CPU time and the number of queries per request, against the
target: median ≤ 150 ms for a filtered page. ``--explain`` prints EXPLAIN ANALYZE of each query
of the slowest case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from _dispatch_data import drop_database, prepare_database  # noqa: E402

TARGET_MS = 150.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/xf_problems_bench"
TODAY = dt.date(2024, 12, 6)
SUBJECTS = ["用地指标", "征收签约", "施工许可", "资金拨付", "管线迁改"]


def populate(n_problems: int, n_projects: int) -> dict[str, Any]:
    """Reference data, projects, problems and their units; returns the users and ids the cases need."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from xianfeng.coordination.choices import (
        ACTIVE_STATUSES,
        EscalationLevel,
        ProblemSource,
        ProblemStatus,
        ProblemType,
    )
    from xianfeng.coordination.models import Problem, ProblemUnit
    from xianfeng.org.choices import Role
    from xianfeng.org.models import Department, Leader, User
    from xianfeng.projects.choices import Category, Stage
    from xianfeng.projects.models import Project

    rng = random.Random(20241206)
    password = make_password(None)
    with transaction.atomic():
        units = [
            Department.objects.create(code=f"U{i:03d}", name=f"责任单位{i:02d}", order=i) for i in range(30)
        ]
        leaders = [Leader.objects.create(name=f"领导{i}", title="副区长", order=i) for i in range(8)]
        dispatcher = User.objects.create(username="bench", role=Role.DISPATCHER, password=password)
        clerk = User.objects.create(
            username="bench_clerk", role=Role.UNIT_REPORTER, department=units[3], password=password
        )
        reporter = User.objects.create(
            username="bench_raiser", role=Role.UNIT_REPORTER, department=units[0], password=password
        )
        projects = Project.objects.bulk_create(
            [
                Project(
                    internal_code=f"XF2024-{i + 1:05d}",
                    name=f"重点项目{i + 1:04d}",
                    category=rng.choice(list(Category.values)),
                    lead_unit=rng.choice(units),
                    leader=rng.choice(leaders) if rng.random() < 0.8 else None,
                    total_investment=Decimal(rng.randint(1000, 500_000)),
                    stage=Stage.CONSTRUCTION,
                    search_text=f"重点项目{i + 1:04d}",
                )
                for i in range(n_projects)
            ],
            batch_size=2000,
        )
    types = list(ProblemType.values)
    type_weights = [20, 8, 14, 12, 15, 12, 11, 8]
    start = dt.date(2023, 1, 2)
    span = (TODAY - start).days
    problems: list[Problem] = []
    links: list[tuple[int, list[int]]] = []
    for i in range(n_problems):
        raised_on = start + dt.timedelta(days=int(span * (i + rng.random()) / n_problems))
        project = rng.choice(projects)
        primary = rng.choice(units)
        others = [rng.choice(units)] if rng.random() < 0.3 else []
        deadline_days = rng.choice([5, 10, 10, 15, 20])
        deadline = raised_on + dt.timedelta(days=deadline_days * 7 // 5 + 1)
        age = (TODAY - raised_on).days
        closed = rng.random() < (0.95 if age > 120 else 0.35)
        status = ProblemStatus.CLOSED if closed else rng.choice([*ACTIVE_STATUSES, ProblemStatus.RESOLVED])
        at = dt.datetime.combine(raised_on, dt.time(9, rng.randint(0, 59)), tzinfo=dt.UTC)
        closed_on = None
        if closed:
            closed_on = min(TODAY, raised_on + dt.timedelta(days=rng.randint(2, 60)))
        level = EscalationLevel.UNIT
        if status in ACTIVE_STATUSES and deadline < TODAY:
            level = rng.choice([2, 3, 3, 4, 5])
        problems.append(
            Problem(
                project=project,
                source=ProblemSource.REPORT if rng.random() < 0.7 else ProblemSource.DIRECT,
                raised_from_period=f"{raised_on:%Y-%m}",
                type=rng.choices(types, weights=type_weights)[0],
                title=f"问题{i + 1:06d}：{rng.choice(SUBJECTS)}",
                description="基准测试数据",
                raised_by=reporter,
                raised_unit=project.lead_unit,
                raised_at=at,
                raised_on=raised_on,
                primary_unit=primary,
                deadline_days=deadline_days,
                deadline=deadline,
                assigned_at=at,
                status=status,
                resolution="已办结" if status in {ProblemStatus.RESOLVED, ProblemStatus.CLOSED} else "",
                resolved_at=at if status in {ProblemStatus.RESOLVED, ProblemStatus.CLOSED} else None,
                closed_at=dt.datetime.combine(closed_on, dt.time(17), tzinfo=dt.UTC) if closed_on else None,
                closed_on=closed_on,
                days_to_close=(closed_on - raised_on).days if closed_on else None,
                level=level,
            )
        )
        links.append((primary.pk, [u.pk for u in others if u.pk != primary.pk]))
    with transaction.atomic():
        created = Problem.objects.bulk_create(problems, batch_size=5000)
        unit_rows = []
        for problem, (primary_id, other_ids) in zip(created, links, strict=True):
            unit_rows.append(ProblemUnit(problem_id=problem.pk, department_id=primary_id, is_primary=True))
            unit_rows.extend(ProblemUnit(problem_id=problem.pk, department_id=pk) for pk in other_ids)
        ProblemUnit.objects.bulk_create(unit_rows, batch_size=10_000)
    return {"dispatcher": dispatcher, "clerk": clerk, "unit": units[7].pk, "leader": leaders[2].pk}


def existing_ids() -> dict[str, Any]:
    from xianfeng.org.models import Department, Leader, User

    return {
        "dispatcher": User.objects.get(username="bench"),
        "clerk": User.objects.get(username="bench_clerk"),
        "unit": Department.objects.get(code="U007").pk,
        "leader": Leader.objects.order_by("order")[2].pk,
    }


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: statistics, and the visibility map that lets
        # PostgreSQL answer counts from an index alone.
        cursor.execute("VACUUM ANALYZE")


def cases(ids: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    unit, leader = ids["unit"], ids["leader"]
    return [
        ("dispatcher", "page", "unfiltered, page 1", "/coordination/"),
        ("dispatcher", "page", "active land, page 3", "/coordination/?status=active&type=land&page=3"),
        ("dispatcher", "page", "one unit, active", f"/coordination/?unit={unit}&status=active"),
        ("dispatcher", "page", "leader, overdue", f"/coordination/?leader={leader}&overdue=1"),
        ("dispatcher", "page", "demolition 31–90 days", "/coordination/?type=demolition&age=31-90"),
        ("dispatcher", "page", "search 征收", "/coordination/?q=征收&status=active"),
        ("clerk", "page", "own unit, active", "/coordination/?status=active"),
        ("dispatcher", "api", "active land, offset 100", "/api/problems?status=active&type=land&offset=100"),
    ]


def measure(client: Any, url: str, requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up
        response = client.get(url)
        if response.status_code != 200:
            return {"error": f"HTTP {response.status_code}"}
    times, cpu_times, db_times, queries = [], [], [], set()
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start, cpu_start = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu_times.append((time.process_time() - cpu_start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured.captured_queries))
        db_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "db": statistics.median(db_times),
        "cpu": statistics.median(cpu_times),
        "queries": sorted(queries),
        "sql": [q["sql"] for q in captured.captured_queries],
    }


def explain(sqls: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in sqls:
            if (
                not sql.lstrip().upper().startswith("SELECT")
                or "django_session" in sql
                or "org_user" in sql[:200]
            ):
                continue
            print("\n--", sql[:300] + ("…" if len(sql) > 300 else ""))
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            for row in cursor.fetchall():
                print("  ", " | ".join(str(c) for c in row))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="reuse the kept database instead of filling it")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the queries of the slowest case"
    )
    args = parser.parse_args()
    if args.requests < 30:
        parser.error("--requests must be at least 30")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    os.environ["XF_TODAY"] = TODAY.isoformat()
    os.environ["XF_DEBUG"] = "0"
    os.environ["XF_DATABASE_URL"] = os.environ.get("XF_DATABASE_URL", "").strip() or DEFAULT_URL
    if not os.environ["XF_DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        sys.exit("this benchmark needs PostgreSQL (XF_DATABASE_URL=postgres://…)")
    db_name = os.environ["XF_DATABASE_URL"].rsplit("/", 1)[1]
    if args.reuse:
        if "bench" not in db_name:
            sys.exit(f"refusing to use database {db_name!r}: its name must contain 'bench'")
    else:
        prepare_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        ids = existing_ids() if args.reuse else populate(args.problems, args.projects)
        analyse()
        print(
            f"database: postgresql ({db_name}); {args.problems:,} problems on {args.projects:,} projects "
            f"inserted and analysed in {time.perf_counter() - started:.1f} s; "
            f"{args.requests} requests per case"
        )
        clients = {}
        for role in ["dispatcher", "clerk"]:
            clients[role] = Client()
            clients[role].force_login(ids[role])
        header = f"{'who':<10} {'what':<5} {'case':<24} {'median ms':>9} {'p95 ms':>7} {'SQL ms':>7} "
        header += f"{'CPU ms':>7} {'queries':>7}"
        print(header + "  verdict")
        results = []
        for who, kind, label, url in cases(ids):
            result = measure(clients[who], url, args.requests)
            results.append((who, kind, label, url, result))
            if "error" in result:
                print(f"{who:<10} {kind:<5} {label:<24} {result['error']}")
                continue
            queries = "/".join(str(q) for q in result["queries"])
            verdict = "ok" if result["median"] <= TARGET_MS else "OVER"
            print(
                f"{who:<10} {kind:<5} {label:<24} {result['median']:>9.1f} {result['p95']:>7.1f} "
                f"{result['db']:>7.1f} {result['cpu']:>7.1f} {queries:>7}  {verdict}  {url}"
            )
        print(f"\ntarget: median ≤ {TARGET_MS:.0f} ms per filtered page (server time, django.test.Client)")
        measured = [r for r in results if "error" not in r[4]]
        over = [f"{r[0]} {r[2]}" for r in measured if r[4]["median"] > TARGET_MS]
        print("over target: " + "; ".join(over) if over else "every case is within the target")
        if args.explain and measured:
            who, kind, label, url, result = max(measured, key=lambda r: r[4]["median"])
            print(f"\nplans of the slowest case: {who} {label} ({url})")
            explain(result["sql"])
        return 0 if not over else 1
    finally:
        if args.keep:
            print(f"kept database {db_name}")
        else:
            drop_database("postgresql", db_name)


if __name__ == "__main__":
    sys.exit(main())
