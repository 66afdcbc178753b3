"""Benchmark: the registry list (page and API) over 20,000 projects.

Run from the repository root:

    .venv/bin/python bench/bench_list.py                      # a temporary SQLite file
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xianfeng_bench .venv/bin/python bench/bench_list.py

On PostgreSQL the script creates the database named in the URL (its name must contain "bench",
because it is dropped again at the end), migrates it and fills it; on SQLite it uses a temporary
file. It bulk-inserts 20,000 projects (each in the 2024 programme, 40 % also in 2023) across 30
units, 5 streets, 7 chains and 4 parks, then times, with django.test.Client signed in as a
dispatcher, N requests of each case: the list page (a filtered page 3 of 50, and two searches)
and the API list with the same filters. It prints the median and 95th percentile server time, the
number of SQL queries per request, and the target (median ≤ 100 ms). "SQL ms" is the median time
spent waiting for the database; "CPU ms" the mean CPU time per request of this process (Python, and
SQLite itself) plus, for a local PostgreSQL, of its backend: on a busy machine the wall-clock
figures grow with the load, the CPU ones much less. ``--explain`` prints the
plan of each query of the slowest case (EXPLAIN ANALYZE on PostgreSQL).
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

TARGET_MS = 100.0

UNITS = [
    "区发展和改革局", "区工业和信息化局", "区科学技术局", "区住房和城乡建设局", "区教育和体育局",
    "区卫生健康局", "区文化和旅游局", "区城市更新和城市建设局", "区交通运输局", "区水务局",
    "区商务局", "区民政局", "区自然资源局", "区生态环境分局", "区应急管理局", "区市场监管局",
    "区农业农村局", "区财政局", "区人力资源和社会保障局", "区园林和林业局", "崂山科技城管委",
    "金家岭金融区管委", "区城投集团", "区国资运营公司", "中韩街道办事处", "沙子口街道办事处",
    "王哥庄街道办事处", "北宅街道办事处", "金家岭街道办事处", "区文旅集团",
]  # fmt: skip
STREETS = ["中韩街道", "沙子口街道", "王哥庄街道", "北宅街道", "金家岭街道"]
CHAINS = ["虚拟现实", "人工智能", "集成电路", "生物医药", "现代金融", "文化旅游", "海洋经济"]
PARKS = ["崂山科技城", "金家岭金融区", "虚拟现实产业园", "海洋科技园"]
LEADERS = ["王建国", "李红梅", "张志强", "刘伟", "陈静", "赵军", "孙立新", "周敏"]
PLACES = ["崂山", "金家岭", "沙子口", "王哥庄", "北宅", "中韩", "株洲路", "松岭路", "海尔路", "香港东路"]
SUBJECTS = [
    "智能制造", "虚拟现实", "生物医药", "人工智能", "海洋科技", "金融科技", "文化旅游", "康养",
    "数字经济", "新材料", "集成电路", "工业互联网", "氢能", "跨境电商", "总部经济",
]  # fmt: skip
FACILITIES = [
    "产业园", "研发中心", "总部基地", "创新中心", "孵化器", "综合体", "示范基地", "配套设施",
    "智慧社区", "片区改造", "学校", "医院", "道路", "公园", "安置房",
]  # fmt: skip
PHASES = ["", "一期", "二期", "三期", "（续建）"]


def populate(n_projects: int) -> Any:
    """Reference data, n projects with 2024 entries (40 % with 2023 ones too); returns the dispatcher."""
    from django.db import transaction

    from xianfeng.org.choices import DepartmentKind, RegionLevel, Role
    from xianfeng.org.models import Department, Leader, Region, User
    from xianfeng.parks.models import IndustryChain, Park
    from xianfeng.projects.choices import Category, Kind, Level, Stage
    from xianfeng.projects.models import ProgrammeEntry, Project
    from xianfeng.projects.services import _search_text

    rng = random.Random(20241206)
    with transaction.atomic():
        district = Region.objects.create(code="370212", name="崂山区", level=RegionLevel.DISTRICT)
        streets = [
            Region.objects.create(
                code=f"370212{i + 1:03d}", name=n, level=RegionLevel.STREET, parent=district
            )
            for i, n in enumerate(STREETS)
        ]
        units = [
            Department.objects.create(
                code=f"U{i + 1:03d}",
                name=n,
                kind=DepartmentKind.STREET if n.endswith("办事处") else DepartmentKind.BUREAU,
                order=i,
            )
            for i, n in enumerate(UNITS)
        ]
        chains = [
            IndustryChain.objects.create(code=f"C{i + 1}", name=n, order=i) for i, n in enumerate(CHAINS)
        ]
        parks = [
            Park.objects.create(
                code=f"P{i + 1}", name=n, chain=chains[i % len(chains)], street=streets[i], order=i
            )
            for i, n in enumerate(PARKS)
        ]
        leaders = [Leader.objects.create(name=n, title="副区长", order=i) for i, n in enumerate(LEADERS)]
        dispatcher = User.objects.create(username="bench", full_name="基准调度员", role=Role.DISPATCHER)

    categories = [Category.INDUSTRY] * 5 + [Category.URBAN_RENEWAL] * 2 + [Category.LIVELIHOOD] * 2
    categories += [Category.INFRASTRUCTURE]
    stages = [Stage.PLANNING, Stage.RESERVE, Stage.RESERVE, Stage.CONSTRUCTION, Stage.CONSTRUCTION]
    stages += [Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING]
    projects = []
    for i in range(1, n_projects + 1):
        category = rng.choice(categories)
        stage = rng.choice(stages)
        started = stage in {Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING}
        park = rng.choice(parks) if category == Category.INDUSTRY and rng.random() < 0.5 else None
        name = f"{rng.choice(PLACES)}{rng.choice(SUBJECTS)}{rng.choice(FACILITIES)}{rng.choice(PHASES)}"
        project = Project(
            national_code=f"2024-370212-{rng.randint(1, 97):02d}-03-{i:06d}" if i % 2 else "",
            internal_code=f"XF2024-{i:05d}",
            name=name,
            category=category,
            chain=park.chain if park else (rng.choice(chains) if category == Category.INDUSTRY else None),
            park=park,
            street=rng.choice(streets) if rng.random() < 0.8 else None,
            lead_unit=rng.choice(units),
            leader=rng.choice(leaders) if rng.random() < 0.6 else None,
            owner=f"青岛{rng.choice(PLACES)}建设发展有限公司",
            total_investment=Decimal(rng.randint(500, 2_000_000)),
            planned_start=dt.date(2024, rng.randint(1, 12), 1),
            actual_start=dt.date(2024, rng.randint(1, 11), rng.randint(1, 28)) if started else None,
            actual_completion=dt.date(2024, 11, 30) if stage in {Stage.COMPLETED, Stage.OPERATING} else None,
            stage=stage,
        )
        project.search_text = _search_text(project)
        projects.append(project)
    with transaction.atomic():
        Project.objects.bulk_create(projects, batch_size=2000)
    ids = list(Project.objects.order_by("internal_code").values_list("pk", flat=True))
    entries = []
    kinds = [Kind.NEW_START, Kind.NEW_START, Kind.CONTINUING, Kind.CONTINUING, Kind.RESERVE, Kind.STRATEGIC]
    levels = [Level.PROVINCE, Level.CITY, Level.CITY, Level.DISTRICT, Level.DISTRICT, Level.DISTRICT]
    for serial, pk in enumerate(ids, start=1):
        kind = rng.choice(kinds)
        entries.append(
            ProgrammeEntry(
                project_id=pk,
                year=2024,
                serial=serial,
                kind=kind,
                level=rng.choice(levels),
                planned_investment=Decimal(rng.randint(0, 50_000)),
                planned_start_month=rng.randint(1, 12) if kind == Kind.NEW_START else None,
                invested_ytd=Decimal(rng.randint(0, 40_000)),
                invested_as_of=dt.date(2024, 11, 30),
            )
        )
        if rng.random() < 0.4:
            entries.append(
                ProgrammeEntry(
                    project_id=pk,
                    year=2023,
                    serial=serial,
                    kind=rng.choice(kinds),
                    level=rng.choice(levels),
                    planned_investment=Decimal(rng.randint(0, 50_000)),
                )
            )
    with transaction.atomic():
        ProgrammeEntry.objects.bulk_create(entries, batch_size=5000)
    return dispatcher


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have after a bulk load


CASES = [
    ("page", "filtered, page 3", "/projects/?year=2024&category=industry&page=3"),
    ("page", "search 智能", "/projects/?year=2024&q=智能"),
    ("page", "search pinyin xnxs", "/projects/?year=2024&q=xnxs"),
    ("api", "filtered, page 3", "/api/projects?year=2024&category=industry&limit=50&offset=100"),
    ("api", "search 智能", "/api/projects?year=2024&q=智能&limit=50"),
    ("api", "search pinyin xnxs", "/api/projects?year=2024&q=xnxs&limit=50"),
]


def _backend_cpu_ms() -> tuple[int, float] | None:
    """CPU time so far of the PostgreSQL backend serving this connection, when it runs on this
    machine (read from /proc; 10 ms ticks, so only sums over many requests are meaningful)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(client: Any, url: str, requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up: templates, caches of the database
        response = client.get(url)
        if response.status_code != 200:
            return {"error": f"HTTP {response.status_code}"}
    times = []
    db_times = []
    queries = set()
    cpu_start, backend_start = time.process_time(), _backend_cpu_ms()
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured.captured_queries))
        db_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    # CPU per request: this process (Python, and SQLite itself) plus the PostgreSQL backend.
    cpu = (time.process_time() - cpu_start) * 1000
    backend_end = _backend_cpu_ms()
    if backend_start and backend_end and backend_start[0] == backend_end[0]:  # same backend throughout
        cpu += backend_end[1] - backend_start[1]
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "median": statistics.median(times),
        "p95": p95,
        "db": statistics.median(db_times),
        "cpu": cpu / requests,
        "queries": sorted(queries),
        "sql": [q["sql"] for q in captured.captured_queries],
        "bytes": len(response.content),
    }


def explain(sqls: list[str]) -> None:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        for sql in sqls:
            if (
                not sql.lstrip().upper().startswith("SELECT")
                or "django_session" in sql
                or "org_user" in sql[:200]
            ):
                continue
            print("\n--", sql[:300] + ("…" if len(sql) > 300 else ""))
            cursor.execute(prefix + sql)
            for row in cursor.fetchall():
                print("  ", " | ".join(str(c) for c in row))


def _row(kind: str, label: str, figures: list[str], verdict: str, url: str) -> str:
    widths = [10, 8, 7, 7, 8]
    cells = " ".join(f"{figure:>{width}}" for figure, width in zip(figures, widths, strict=True))
    return f"{kind:<5} {label:<20} {cells}  {verdict:<7}  {url}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of every query of the slowest case"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN by hand)")
    args = parser.parse_args()
    if args.requests < 30:
        parser.error("--requests must be at least 30")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    os.environ.setdefault("XF_TODAY", "2024-12-06")
    os.environ["XF_DEBUG"] = "0"  # timings as in production: no debug query log, no debug toolbar
    vendor, name = prepare_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        dispatcher = populate(args.projects)
        analyse()
        print(
            f"database: {vendor} ({name}); {args.projects:,} projects inserted and analysed "
            f"in {time.perf_counter() - started:.1f} s; {args.requests} requests per case"
        )
        client = Client()
        client.force_login(dispatcher)
        print(_row("what", "case", ["median ms", "p95 ms", "SQL ms", "CPU ms", "queries"], "verdict", "url"))
        results = []
        for kind, label, url in CASES:
            try:
                result = measure(client, url, args.requests)
            except NotImplementedError:
                result = {"error": "view not implemented yet (scaffold)"}
            results.append((kind, label, url, result))
            if "error" in result:
                print(_row(kind, label, ["—"] * 5, result["error"], url))
                continue
            figures = [f"{result[k]:.1f}" for k in ["median", "p95", "db", "cpu"]]
            figures.append("/".join(str(q) for q in result["queries"]))
            print(_row(kind, label, figures, "ok" if result["median"] <= TARGET_MS else "OVER", url))
        print(f"\ntarget: median ≤ {TARGET_MS:.0f} ms per request (server time, django.test.Client)")
        measured = [r for r in results if "error" not in r[3]]
        over = [f"{r[0]} {r[1]}" for r in measured if r[3]["median"] > TARGET_MS]
        print("over target: " + "; ".join(over) if over else "every measured case is within the target")
        if args.explain and measured:
            kind, label, url, result = max(measured, key=lambda r: r[3]["median"])
            print(f"\nplans of the slowest case: {kind} {label} ({url})")
            explain(result["sql"])
        return 0
    finally:
        if args.keep:
            print(f"\nkept database: {name}")
        else:
            drop_database(vendor, name)


if __name__ == "__main__":
    sys.exit(main())
