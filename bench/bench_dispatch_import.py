"""Benchmark: importing a 10,000-row monthly dispatch workbook against python-calamine's bare read.

Run from the repository root:

    .venv/bin/python bench/bench_dispatch_import.py [--rows 10000] [--repeat 3]
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_dispatch_import.py

Each backend runs in its own process (Django settings are per process) against its own fresh
database: a temporary SQLite file, and — when XF_DATABASE_URL points to PostgreSQL — a database
``xianfeng_bench_dispatch_<pid>`` created on that server and dropped at the end. The child fills
the 2024 programme with ``--rows`` projects across 30 units (with October's reports handed in, so
pre-filling and year-to-date have history to read), opens November, downloads the project
office's all-units workbook (one sheet per unit, as the app serves it), fills every project's
input cells as a clerk would, and saves it. It then times, best of ``--repeat``:

- the bare python-calamine read of that file (open it and read every sheet's cells);
- the import with submission (``workbook_import(..., submit=True)``): every cell parsed, every
  row checked, 10,000 reports created and submitted with their history rows and audit records,
  and the programme entries' year-to-date updated (with their audit records) — all in one
  transaction; between runs November's reports are removed again.

It prints both times and the ratio against the 3x target, plus the dry run (the preview) and a
re-import of the same file (nothing changes).
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
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0
UNITS = 30
PLACES = ["崂山", "金家岭", "沙子口", "王哥庄", "北宅", "中韩", "株洲路", "松岭路", "海尔路", "香港东路"]
SUBJECTS = ["智能制造", "虚拟现实", "生物医药", "人工智能", "海洋科技", "金融科技", "文化旅游", "康养"]
LEADERS = ["王建国", "李红梅", "张志强", "刘伟", "陈静", "赵军", "孙立新", "周敏"]
FACILITIES = ["产业园", "研发中心", "总部基地", "创新中心", "孵化器", "综合体", "学校", "医院", "道路"]
PROGRESS = [
    "主体结构施工至{n}层",
    "完成基础施工，开始主体结构",
    "室内装修完成{n}%",
    "设备安装调试中",
    "管网敷设完成{n}公里",
    "土方开挖完成{n}%",
]


# ---------------------------------------------------------------- the data, inside the child


def seed(rows: int) -> Any:
    """A dispatcher, 30 units, ``rows`` projects in the 2024 programme, October handed in."""
    from xianfeng.dispatch.choices import ReportStatus
    from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
    from xianfeng.dispatch.services import period_deadline
    from xianfeng.lib import clock
    from xianfeng.org.choices import Role
    from xianfeng.org.models import Department, Leader, User
    from xianfeng.projects.choices import Category, Kind, Level, Stage
    from xianfeng.projects.models import ProgrammeEntry, Project

    rnd = random.Random(2024)
    units = Department.objects.bulk_create(
        Department(code=f"U{n:02d}", name=f"测试责任单位{n:02d}", short_name=f"单位{n:02d}", order=n)
        for n in range(1, UNITS + 1)
    )
    actor = User.objects.create_user(
        username="bench", password=None, full_name="调度专员", role=Role.DISPATCHER
    )
    leaders = Leader.objects.bulk_create(
        Leader(name=name, title="副区长", order=n) for n, name in enumerate(LEADERS)
    )
    projects = Project.objects.bulk_create(
        (
            Project(
                national_code=f"2024-370212-{rnd.choice(['13', '26', '47', '72', '83'])}-01-{i + 1:06d}",
                internal_code=f"XF2024-{i + 1:05d}",
                name=f"{rnd.choice(PLACES)}{rnd.choice(SUBJECTS)}{rnd.choice(FACILITIES)}项目{i + 1}",
                category=rnd.choice(list(Category.values)),
                lead_unit=units[i % UNITS],
                total_investment=Decimal(rnd.randint(5_000, 900_000)),
                stage=Stage.CONSTRUCTION,
                actual_start=dt.date(2023, rnd.randint(1, 12), rnd.randint(1, 28)),
                owner=f"青岛{rnd.choice(SUBJECTS)}发展有限公司",
                location_text=f"崂山区{rnd.choice(PLACES)}片区",
                content=f"总建筑面积约{rnd.randint(1, 30)}万平方米，建设{rnd.choice(FACILITIES)}及配套设施",
                planned_start=dt.date(2023, rnd.randint(1, 12), 1),
                planned_completion=dt.date(2025 + rnd.randint(0, 3), rnd.randint(1, 12), 1),
                leader=leaders[i % len(leaders)],
                contact_name=rnd.choice(["张工", "王工", "李工"]),
                contact_phone=f"1380000{i:04d}"[-11:],
                search_text="",
            )
            for i in range(rows)
        ),
        batch_size=2000,
    )
    entries = ProgrammeEntry.objects.bulk_create(
        (
            ProgrammeEntry(
                project=p,
                year=2024,
                serial=i + 1,
                kind=Kind.CONTINUING,
                level=rnd.choice(list(Level.values)),
                planned_investment=Decimal(rnd.randint(1_000, 50_000)),
                invested_before=Decimal(rnd.randint(0, 3_000)),
            )
            for i, p in enumerate(projects)
        ),
        batch_size=2000,
    )
    now = clock.now()
    october = ReportingPeriod.objects.create(
        year=2024, month=10, deadline=period_deadline(2024, 10), opened_at=now, opened_by=actor
    )
    MonthlyReport.objects.bulk_create(
        (
            MonthlyReport(
                entry=e,
                period=october,
                project_id=e.project_id,
                unit_id=units[i % UNITS].pk,
                invested_month=Decimal(rnd.randint(0, 2_000)),
                invested_ytd=Decimal(rnd.randint(2_000, 20_000)),
                invested_since_start=Decimal(rnd.randint(2_000, 20_000)),
                progress_text=rnd.choice(PROGRESS).format(n=rnd.randint(1, 30)),
                progress_percent=rnd.randint(10, 80),
                workers_on_site=rnd.randint(10, 300),
                status=ReportStatus.ACCEPTED,
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
            for i, e in enumerate(entries)
        ),
        batch_size=2000,
    )
    november = ReportingPeriod.objects.create(
        year=2024, month=11, deadline=period_deadline(2024, 11), opened_at=now, opened_by=actor
    )
    return actor, november


def fill(data: bytes, seed_value: int = 11) -> bytes:
    """What a clerk does: type this month's figures into the input cells (openpyxl, once)."""
    import io

    from openpyxl import load_workbook

    from xianfeng.dispatch.workbook import COLUMNS, FIRST_ROW, HELP_SHEET, META_SHEET

    rnd = random.Random(seed_value)
    book = load_workbook(io.BytesIO(data))
    index = {c.key: i + 1 for i, c in enumerate(COLUMNS)}
    for sheet in book.worksheets:
        if sheet.title in (META_SHEET, HELP_SHEET):
            continue
        for row in range(FIRST_ROW, sheet.max_row + 1):
            if not sheet.cell(row=row, column=index["code"]).value:
                continue
            sheet.cell(
                row=row,
                column=index["invested_month"],
                value=rnd.randint(0, 3_000) + rnd.randint(0, 99) / 100,
            )
            sheet.cell(
                row=row,
                column=index["progress_text"],
                value=rnd.choice(PROGRESS).format(n=rnd.randint(1, 40)),
            )
            sheet.cell(row=row, column=index["progress_percent"], value=rnd.randint(80, 100))
            sheet.cell(row=row, column=index["workers_on_site"], value=rnd.randint(0, 400))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def time_calamine(data: bytes, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time of opening the workbook and reading every sheet's cells."""
    import io

    from python_calamine import CalamineWorkbook

    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    return best, best_cpu


def reset(period: Any) -> None:
    """Remove November's reports (and what their import wrote) so the next run starts equal."""
    from xianfeng.audit.models import ChangeRecord
    from xianfeng.dispatch.models import MonthlyReport, ReportEvent
    from xianfeng.projects.models import ProgrammeEntry

    ReportEvent.objects.filter(report__period=period).delete()
    MonthlyReport.objects.filter(period=period).delete()
    ChangeRecord.objects.all().delete()
    ProgrammeEntry.objects.update(invested_ytd=Decimal(0), invested_as_of=None)


def run_backend(rows: int, repeat: int) -> dict[str, Any]:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    from xianfeng.dispatch.models import MonthlyReport
    from xianfeng.dispatch.selectors import unit_choices
    from xianfeng.dispatch.workbook import build_workbook, workbook_import
    from xianfeng.lib import clock

    results: dict[str, Any] = {"import": float("inf"), "import_cpu": float("inf"), "dry_run": float("inf")}
    with clock.frozen(dt.date(2024, 12, 6)):
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        actor, november = seed(rows)
        results["seed"] = time.perf_counter() - started
        started = time.perf_counter()
        units = [u.pk for u in unit_choices(user=actor, period=november)]
        template, _name = build_workbook(user=actor, period=november, unit_ids=units)
        data = fill(template)
        results["prepare"] = time.perf_counter() - started
        results["size_mb"] = len(data) / 1024 / 1024
        results["read"], results["read_cpu"] = time_calamine(data, repeat)
        for attempt in range(repeat):
            if attempt:
                reset(november)
            started = time.perf_counter()
            dry = workbook_import(
                actor=actor, sources=[("bench.xlsx", data)], period=november, dry_run=True, submit=True
            )
            results["dry_run"] = min(results["dry_run"], time.perf_counter() - started)
            assert dry.ok, [str(e) for e in dry.errors[:5]]
            started, started_cpu = time.perf_counter(), time.process_time()
            result = workbook_import(
                actor=actor, sources=[("bench.xlsx", data)], period=november, submit=True
            )
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            assert result.applied, [str(e) for e in result.errors[:5]]
            results["import"] = min(results["import"], elapsed)
            results["import_cpu"] = min(results["import_cpu"], elapsed_cpu)
            results["created"] = result.created
            results["submitted"] = result.submitted
        results["reports"] = MonthlyReport.objects.filter(period=november).count()
        started = time.perf_counter()
        again = workbook_import(actor=actor, sources=[("bench.xlsx", data)], period=november, submit=True)
        results["reimport"] = time.perf_counter() - started
        results["reimport_unchanged"] = again.unchanged
    results["vendor"] = connection.vendor
    return results


# ---------------------------------------------------------------- driver


def _admin_connection(url: str):  # type: ignore[no-untyped-def]
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


def spawn(backend: str, rows: int, repeat: int, workdir: Path) -> dict[str, Any]:
    env = {"DJANGO_SETTINGS_MODULE": "xianfeng.settings", **os.environ, "XF_DEBUG": "0"}
    env.pop("XF_TODAY", None)
    created = ""
    url = os.environ.get("XF_DATABASE_URL", "")
    if backend == "sqlite":
        env.pop("XF_DATABASE_URL", None)
        env["XF_SQLITE_PATH"] = str(workdir / "bench-dispatch.sqlite3")
    else:
        created = f"xianfeng_bench_dispatch_{os.getpid()}"
        with _admin_connection(url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{created}"')
            connection.execute(f'CREATE DATABASE "{created}"')
        env["XF_DATABASE_URL"] = f"{url.rpartition('/')[0]}/{created}"
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--rows", str(rows), "--repeat", str(repeat)],
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
        if created:
            with _admin_connection(url) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        print(json.dumps(run_backend(args.rows, args.repeat)))
        return
    backends = ["sqlite"]
    if os.environ.get("XF_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        backends.append("postgresql")
    failed = False
    with tempfile.TemporaryDirectory(prefix="xf-bench-dispatch-") as folder:
        for backend in backends:
            f = spawn(backend, args.rows, args.repeat, Path(folder))
            ratio = f["import"] / f["read"]
            verdict = "meets" if ratio <= TARGET_RATIO else "misses"
            failed |= ratio > TARGET_RATIO
            print(
                f"{f['vendor']}: {args.rows} rows in a {f['size_mb']:.1f} MB workbook "
                f"(seeded in {f['seed']:.1f}s, template built and filled in {f['prepare']:.1f}s)"
            )
            print(
                f"{f['vendor']}: python-calamine bare read (best of {args.repeat}): {f['read']:.3f}s wall, "
                f"{f['read_cpu']:.3f}s CPU"
            )
            print(
                f"{f['vendor']}: import + submit (best of {args.repeat}, {f['created']} created, "
                f"{f['submitted']} submitted): {f['import']:.3f}s = {ratio:.2f}x calamine — {verdict} the "
                f"{TARGET_RATIO:.0f}x target (CPU of this process {f['import_cpu']:.3f}s = "
                f"{f['import_cpu'] / f['read_cpu']:.2f}x"
                + ("; PostgreSQL's own work is not in it)" if f["vendor"] == "postgresql" else ")")
            )
            print(
                f"{f['vendor']}: preview (dry run) {f['dry_run']:.3f}s; re-import of the same file "
                f"{f['reimport']:.3f}s ({f['reimport_unchanged']} unchanged)"
            )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
