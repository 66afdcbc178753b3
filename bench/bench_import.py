"""Benchmark: bulk import of a 10,000-row 项目清单 against python-calamine's bare read.

Run from the repository root:  .venv/bin/python bench/bench_import.py [--rows 10000] [--repeat 3]

It writes a realistic workbook with openpyxl (write_only) into a temporary folder, times
calamine reading it (best of N), then imports it into a fresh database — a temporary SQLite
file, and also a fresh PostgreSQL database when XF_DATABASE_URL points to PostgreSQL — and
prints both times and the ratio against the 3x target. Each backend runs in its own process
(Django settings are per process); each import gets a freshly migrated database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0

UNITS = [
    ("区发改局", "发改局"),
    ("区工信局", "工信局"),
    ("区科技局", "科技局"),
    ("区住建局", "住建局"),
    ("区教体局", "教体局"),
    ("区卫健局", "卫健局"),
    ("区文旅局", "文旅局"),
    ("区城市更新局", "城更局"),
    ("区交通运输局", "交通局"),
    ("区水务局", "水务局"),
    ("崂山科技城管委", "科技城"),
    ("金家岭金融区管委", "金融区"),
    ("区城投集团", "城投集团"),
    ("区国资运营公司", "国资公司"),
]
STREETS = ["中韩街道", "沙子口街道", "王哥庄街道", "北宅街道", "金家岭街道"]
CHAINS = ["新一代信息技术", "虚拟现实", "医养健康", "金融服务", "文化旅游", "现代海洋", "人工智能", "新材料"]
PARKS = [
    "崂山科技城",
    "金家岭金融区",
    "虚拟现实产业园",
    "海洋科技园",
    "医养健康产业园",
    "崂山湾国际生态健康城",
]
LEADERS = ["王建国", "李红梅", "张志强", "刘伟", "陈静", "赵军", "孙立新", "周敏"]
PLACES = [
    "崂山",
    "金家岭",
    "沙子口",
    "王哥庄",
    "北宅",
    "中韩",
    "株洲路",
    "松岭路",
    "青岛",
    "海尔路",
    "香港东路",
]
SUBJECTS = [
    "智能制造",
    "虚拟现实",
    "生物医药",
    "人工智能",
    "海洋科技",
    "金融科技",
    "文化旅游",
    "康养",
    "数字经济",
    "新材料",
    "集成电路",
    "工业互联网",
    "氢能",
    "跨境电商",
    "总部经济",
]
FACILITIES = [
    "产业园",
    "研发中心",
    "总部基地",
    "创新中心",
    "孵化器",
    "综合体",
    "示范基地",
    "配套设施",
    "智慧社区",
    "城市更新",
    "片区改造",
    "学校",
    "医院",
    "道路",
]
SUFFIXES = ["项目", "建设项目", "一期项目", "二期项目", "提升工程", "改造工程", "（一期）"]
CATEGORIES = ["重点产业", "城市更新", "社会民生", "基础设施"]
KINDS = ["新开工", "续建", "储备", "谋划"]
LEVELS = ["省重点", "市重点", "区重点", "区重点"]
HEADERS = [
    "序号",
    "项目代码",
    "内部编号",
    "项目名称",
    "项目类别",
    "建设性质",
    "级别",
    "责任单位",
    "所在街道",
    "产业链",
    "所属园区",
    "包联领导",
    "建设单位",
    "建设地点",
    "建设内容及规模",
    "总投资（万元）",
    "年度计划投资（万元）",
    "计划开工月份",
    "计划开工时间",
    "计划竣工时间",
    "项目阶段",
    "实际开工时间",
    "实际竣工时间",
    "用地面积（亩）",
    "建筑面积（㎡）",
    "纬度",
    "经度",
    "联系人",
    "联系电话",
    "备注",
]


def generate(path: Path, rows: int, seed: int = 2024) -> None:
    """A 项目清单 as a district office would fill it: varied names, kinds, stages and dates."""
    from openpyxl import Workbook

    rnd = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("项目清单")
    sheet.append(["2024年重点项目清单"])
    sheet.append(
        [
            "＊" + h
            if h in {"项目名称", "项目类别", "建设性质", "级别", "责任单位", "总投资（万元）", "项目阶段"}
            else h
            for h in HEADERS
        ]
    )
    for i in range(rows):
        kind = KINDS[i % 4]
        stage = {
            "新开工": rnd.choice(["储备", "在建"]),
            "续建": rnd.choice(["在建", "在建", "竣工"]),
            "储备": "储备",
            "谋划": "谋划",
        }[kind]
        start_month = rnd.randint(1, 12)
        planned_start = dt.date(2024, start_month, rnd.randint(1, 28))
        planned_completion = dt.date(2024 + rnd.randint(1, 4), rnd.randint(1, 12), 1)
        actual_start = actual_completion = None
        if stage in {"在建", "竣工"}:
            actual_start = dt.date(rnd.randint(2021, 2024), rnd.randint(1, 11), rnd.randint(1, 28))
        if stage == "竣工":
            actual_completion = min(
                actual_start + dt.timedelta(days=rnd.randint(200, 900)), dt.date(2024, 12, 1)
            )
            if actual_completion <= actual_start:
                actual_completion = actual_start + dt.timedelta(days=1)
        unit = rnd.choice(UNITS)
        name = f"{rnd.choice(PLACES)}{rnd.choice(SUBJECTS)}{rnd.choice(FACILITIES)}{rnd.choice(SUFFIXES)}"
        total = rnd.randint(2000, 2_000_000) / 1
        industry = rnd.choice(["13", "26", "27", "39", "47", "48", "64", "65", "72", "83", "84", "87"])
        code = f"2024-370212-{industry}-0{rnd.randint(1, 3)}-{i + 1:06d}" if i % 10 else ""
        sheet.append(
            [
                i + 1,
                code,
                "",
                f"{name}{i + 1}",
                rnd.choice(CATEGORIES),
                kind,
                rnd.choice(LEVELS),
                unit[rnd.randint(0, 1)],
                rnd.choice(STREETS),
                rnd.choice(CHAINS),
                rnd.choice(PARKS) if i % 3 else None,
                rnd.choice(LEADERS),
                f"青岛{rnd.choice(SUBJECTS)}发展有限公司",
                f"崂山区{rnd.choice(PLACES)}片区",
                f"总建筑面积约{rnd.randint(1, 30)}万平方米，建设{rnd.choice(FACILITIES)}及配套设施",
                total,
                round(min(total, rnd.randint(500, 100_000)) / 1, 2),
                start_month if kind == "新开工" else None,
                planned_start,
                planned_completion,
                stage,
                actual_start,
                actual_completion,
                round(rnd.uniform(5, 500), 2),
                rnd.randint(2000, 300_000),
                round(rnd.uniform(36.05, 36.35), 6),
                round(rnd.uniform(120.40, 120.70), 6),
                rnd.choice(["张", "王", "李", "刘"]) + rnd.choice(["伟", "敏", "静", "磊"]),
                f"0532-8{rnd.randint(1000000, 9999999)}",
                "",
            ]
        )
    workbook.save(path)


def time_calamine(path: Path, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time of opening the file and reading the sheet's cells."""
    from python_calamine import CalamineWorkbook

    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        workbook = CalamineWorkbook.from_path(str(path))
        workbook.get_sheet_by_name("项目清单").to_python(skip_empty_area=False)
        workbook.close()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    return best, best_cpu


# ---------------------------------------------------------------- one backend, in its own process


def _seed_reference_data() -> object:
    from xianfeng.org.choices import DepartmentKind, RegionLevel, Role
    from xianfeng.org.models import Department, Leader, Region, User
    from xianfeng.parks.models import IndustryChain, Park

    district = Region.objects.create(code="370212", name="崂山区", level=RegionLevel.DISTRICT)
    for n, name in enumerate(STREETS, start=1):
        Region.objects.create(code=f"370212{n:03d}", name=name, level=RegionLevel.STREET, parent=district)
    for n, (name, short) in enumerate(UNITS, start=1):
        Department.objects.create(code=f"U{n:02d}", name=name, short_name=short, kind=DepartmentKind.BUREAU)
    chains = [IndustryChain.objects.create(code=f"C{n}", name=name) for n, name in enumerate(CHAINS, start=1)]
    for n, name in enumerate(PARKS, start=1):
        Park.objects.create(code=f"P{n}", name=name, chain=chains[n % len(chains)])
    for n, name in enumerate(LEADERS, start=1):
        Leader.objects.create(name=name, title="副区长", order=n)
    return User.objects.create_user(
        username="bench", password=None, full_name="调度专员", role=Role.DISPATCHER
    )


def run_backend(path: Path, repeat: int) -> dict[str, Any]:
    """Migrate a fresh database, import the file, report times; best of ``repeat`` fresh runs."""
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    from xianfeng.lib import clock
    from xianfeng.projects.importing import registry_import
    from xianfeng.projects.models import Project

    results: dict[str, Any] = {
        "vendor": "",
        "import": float("inf"),
        "import_cpu": float("inf"),
        "dry_run": float("inf"),
    }
    with clock.frozen(dt.date(2024, 12, 6)):
        call_command("migrate", verbosity=0)
        for attempt in range(repeat):
            if attempt:  # empty every table again: each import lands in an empty registry
                call_command("flush", interactive=False, verbosity=0)
            actor = _seed_reference_data()
            started = time.perf_counter()
            dry = registry_import(actor=actor, source=path, year=2024, dry_run=True)
            results["dry_run"] = min(results["dry_run"], time.perf_counter() - started)
            assert not dry.errors, [str(e) for e in dry.errors[:5]]
            started, started_cpu = time.perf_counter(), time.process_time()
            result = registry_import(actor=actor, source=path, year=2024)
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            assert result.applied and not result.errors, [str(e) for e in result.errors[:5]]
            results["import"] = min(results["import"], elapsed)
            results["import_cpu"] = min(results["import_cpu"], elapsed_cpu)
            results["created"] = result.created
            results["projects"] = Project.objects.count()
        started = time.perf_counter()
        again = registry_import(actor=actor, source=path, year=2024)
        results["reimport"] = time.perf_counter() - started
        results["reimport_changed"] = again.created + again.updated
    results["vendor"] = connection.vendor
    return results


def child(args: argparse.Namespace) -> None:
    print(json.dumps(run_backend(Path(args.file), args.repeat)))


# ---------------------------------------------------------------- driver


def spawn(backend: str, path: Path, repeat: int, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "xianfeng.settings", "XF_DEBUG": "0"}
    env.pop("XF_TODAY", None)
    created_db = ""
    if backend == "sqlite":
        env.pop("XF_DATABASE_URL", None)
        env["XF_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    else:
        created_db, env["XF_DATABASE_URL"] = _create_pg_database(os.environ["XF_DATABASE_URL"])
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--file", str(path), "--repeat", str(repeat)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stdout + exc.stderr)
        raise
    finally:
        if created_db:
            _drop_pg_database(os.environ["XF_DATABASE_URL"], created_db)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _admin_connection(url: str):  # type: ignore[no-untyped-def]
    """A connection to the server's maintenance database, to create and drop the bench database."""
    import dj_database_url
    import psycopg

    parts = dj_database_url.parse(url)
    options = {
        "host": parts["HOST"],
        "port": parts["PORT"],
        "user": parts["USER"],
        "password": parts["PASSWORD"],
    }
    return psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in options.items() if v})


def _create_pg_database(url: str) -> tuple[str, str]:
    connection = _admin_connection(url)
    name = f"xianfeng_bench_{os.getpid()}"
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _sep, _db = url.rpartition("/")
    return name, f"{base}/{name}"


def _drop_pg_database(url: str, name: str) -> None:
    with _admin_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args)
        return
    backends = ["sqlite"]
    if os.environ.get("XF_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        backends.append("postgresql")
    with tempfile.TemporaryDirectory(prefix="xf-bench-") as folder:
        workdir = Path(folder)
        path = workdir / "import.xlsx"
        started = time.perf_counter()
        generate(path, args.rows)
        size = path.stat().st_size / 1024 / 1024
        print(f"generated {args.rows} rows ({size:.1f} MB) in {time.perf_counter() - started:.1f}s")
        read, read_cpu = time_calamine(path, args.repeat)
        print(f"python-calamine bare read (best of {args.repeat}): {read:.3f}s wall, {read_cpu:.3f}s CPU")
        failed = False
        for backend in backends:
            figures = spawn(backend, path, args.repeat, workdir)
            ratio = figures["import"] / read
            ratio_cpu = figures["import_cpu"] / read_cpu
            verdict = "meets" if ratio <= TARGET_RATIO else "misses"
            failed |= ratio > TARGET_RATIO
            print(
                f"{figures['vendor']}: import into a fresh database (best of {args.repeat}, "
                f"{figures['created']} created): {figures['import']:.3f}s wall = {ratio:.1f}x calamine "
                f"({figures['import_cpu']:.3f}s CPU = {ratio_cpu:.1f}x) — {verdict} the "
                f"{TARGET_RATIO:.0f}x target"
            )
            print(
                f"{figures['vendor']}: check only (dry run) {figures['dry_run']:.3f}s; re-import of the same "
                f"file {figures['reimport']:.3f}s ({figures['reimport_changed']} changed)"
            )
        sys.exit(1 if failed and os.environ.get("XF_BENCH_STRICT") else 0)


if __name__ == "__main__":
    main()
