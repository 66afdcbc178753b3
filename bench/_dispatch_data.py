"""Shared by bench_statistics.py and bench_bulletin.py: a fresh database filled with a 2024
programme of N projects and its monthly reports for January–November (bulk inserts).

Not a benchmark itself. The data: 30 units, 5 streets (a fifth of the projects without one),
kinds 1/3 new starts, 1/3 continuing, 1/6 reserve, 1/6 strategic; levels province/city/district;
new starts get a planned start month and three in four of those due have started (some late);
each project's investment follows its own pace (some slow); every month January–October is
handed in (a few late, a few returned and then resubmitted), November partly still in draft or
missing — as the demo stands on 6 December 2024.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

UNITS = [
    "区发展和改革局", "区工业和信息化局", "区科学技术局", "区住房和城乡建设局", "区教育和体育局",
    "区卫生健康局", "区文化和旅游局", "区城市更新和城市建设局", "区交通运输局", "区水务局",
    "区商务局", "区民政局", "区自然资源局", "区生态环境分局", "区应急管理局", "区市场监管局",
    "区农业农村局", "区财政局", "区人力资源和社会保障局", "区园林和林业局", "崂山科技城管委",
    "金家岭金融区管委", "区城投集团", "区国资运营公司", "中韩街道办事处", "沙子口街道办事处",
    "王哥庄街道办事处", "北宅街道办事处", "金家岭街道办事处", "区文旅集团",
]  # fmt: skip
STREETS = ["中韩街道", "沙子口街道", "王哥庄街道", "北宅街道", "金家岭街道"]
PLACES = ["崂山", "金家岭", "沙子口", "王哥庄", "北宅", "中韩", "株洲路", "松岭路", "海尔路", "香港东路"]
SUBJECTS = [
    "智能制造", "虚拟现实", "生物医药", "人工智能", "海洋科技", "金融科技", "文化旅游", "康养",
    "数字经济", "新材料", "集成电路", "工业互联网", "氢能", "跨境电商", "总部经济",
]  # fmt: skip
FACILITIES = [
    "产业园", "研发中心", "总部基地", "创新中心", "孵化器", "综合体", "示范基地", "配套设施",
    "智慧社区", "片区改造", "学校", "医院", "道路", "公园", "安置房",
]  # fmt: skip
YEAR = 2024
MONTHS = 11


def prepare_database(required: str = "bench") -> tuple[str, str]:
    """Point the settings at a fresh database; returns (vendor, name). PostgreSQL: the database
    named in XF_DATABASE_URL (its name must contain "bench": it is dropped at the end)."""
    url = os.environ.get("XF_DATABASE_URL", "").strip()
    if not url:
        handle, path = tempfile.mkstemp(prefix="xianfeng-bench-", suffix=".sqlite3")
        os.close(handle)
        os.environ["XF_SQLITE_PATH"] = path
        return "sqlite", path
    import dj_database_url

    config = dj_database_url.parse(url)
    name = config["NAME"]
    if required not in name:
        sys.exit(f"refusing to use database {name!r}: its name must contain {required!r} (it is dropped)")
    with _maintenance(config) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return "postgresql", name


def _maintenance(config: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def drop_database(vendor: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    if vendor == "sqlite":
        for suffix in ["", "-wal", "-shm"]:
            Path(name + suffix).unlink(missing_ok=True)
        return
    import dj_database_url

    with _maintenance(dj_database_url.parse(os.environ["XF_DATABASE_URL"])) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyse(settle_seconds: int = 180) -> None:
    """Fresh planner statistics after the bulk load, as autovacuum would have gathered; then, on
    PostgreSQL, wait (up to ``settle_seconds``) for the autovacuum the bulk load set off, so it
    does not run during the first timed requests."""
    import time

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor != "postgresql":
            return
        time.sleep(2)  # let the launcher start its workers
        deadline = time.monotonic() + settle_seconds
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
                "AND datname = current_database()"
            )
            if not cursor.fetchone()[0]:
                return
            time.sleep(1)


@dataclass
class Built:
    vendor: str
    name: str
    world: dict[str, Any]
    seconds: float  # to migrate, fill and analyse
    extra: Any = field(default=None)


@contextlib.contextmanager
def bench_database(
    n_projects: int, *, keep: bool = False, before_analyse: Callable[[], Any] | None = None
) -> Iterator[Built]:
    """A fresh database (see :func:`prepare_database`) with Django set up, migrated and filled with
    ``n_projects`` and their reports (``before_analyse`` adds what a benchmark needs on top, its
    result in ``Built.extra``), planner statistics gathered; dropped afterwards unless ``keep``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    os.environ.setdefault("XF_TODAY", "2024-12-06")
    os.environ["XF_DEBUG"] = "0"
    vendor, name = prepare_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        world = populate(n_projects)
        extra = before_analyse() if before_analyse is not None else None
        analyse()
        yield Built(vendor, name, world, time.perf_counter() - started, extra)
    finally:
        if keep:
            print(f"kept database: {name}")
        else:
            drop_database(vendor, name)


def populate(n_projects: int, *, seed: int = 20241206) -> dict[str, Any]:
    """Reference data, the programme and Jan–Nov reports; returns the users and counts."""
    from django.db import transaction
    from django.utils import timezone

    from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
    from xianfeng.dispatch.services import period_deadline
    from xianfeng.org.choices import DepartmentKind, RegionLevel, Role
    from xianfeng.org.models import Department, Region, User
    from xianfeng.projects.choices import Category, Kind, Level, Stage
    from xianfeng.projects.models import ProgrammeEntry, Project

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        district = Region.objects.create(code="370212", name="崂山区", level=RegionLevel.DISTRICT)
        streets = [
            Region.objects.create(
                code=f"370212{i + 1:03d}", name=n, level=RegionLevel.STREET, parent=district, order=i
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
        dispatcher = User.objects.create(username="bench", full_name="基准调度员", role=Role.DISPATCHER)
        leader = User.objects.create(username="bench-leader", full_name="基准区领导", role=Role.LEADER)
        periods = [
            ReportingPeriod.objects.create(
                year=YEAR,
                month=m,
                deadline=period_deadline(YEAR, m),
                status="closed" if m < MONTHS else "open",
                opened_at=now,
            )
            for m in range(1, MONTHS + 1)
        ]

    categories = [Category.INDUSTRY] * 5 + [Category.URBAN_RENEWAL] * 2 + [Category.LIVELIHOOD] * 2
    categories += [Category.INFRASTRUCTURE]
    kinds = [Kind.NEW_START, Kind.NEW_START, Kind.CONTINUING, Kind.CONTINUING, Kind.RESERVE, Kind.STRATEGIC]
    levels = [Level.PROVINCE, Level.CITY, Level.CITY, Level.DISTRICT, Level.DISTRICT, Level.DISTRICT]
    plans: list[dict[str, Any]] = []
    projects = []
    for i in range(1, n_projects + 1):
        kind = rng.choice(kinds)
        planned_month = rng.randint(1, 12) if kind == Kind.NEW_START else None
        start: dt.date | None = None
        if kind == Kind.CONTINUING:
            start = dt.date(rng.randint(2020, 2023), rng.randint(1, 12), rng.randint(1, 28))
        elif kind == Kind.NEW_START and planned_month is not None:
            if planned_month <= MONTHS and rng.random() < 0.75:
                month = min(MONTHS, planned_month + rng.choice([-1, 0, 0, 0, 1, 2]))
                start = dt.date(YEAR, max(month, 1), rng.randint(1, 28))
            elif rng.random() < 0.1:
                start = dt.date(YEAR, MONTHS, rng.randint(1, 28))
        stage = Stage.CONSTRUCTION if start else (Stage.PLANNING if kind == Kind.STRATEGIC else Stage.RESERVE)
        name = f"{rng.choice(PLACES)}{rng.choice(SUBJECTS)}{rng.choice(FACILITIES)}{i}"
        projects.append(
            Project(
                national_code=f"2024-370212-{rng.randint(1, 97):02d}-03-{i:06d}" if i % 2 else "",
                internal_code=f"XF2024-{i:05d}",
                name=name,
                category=rng.choice(categories),
                street=rng.choice(streets) if rng.random() < 0.8 else None,
                lead_unit=rng.choice(units),
                total_investment=Decimal(rng.randint(5_000, 500_000)),
                actual_start=start,
                stage=stage,
                search_text=name,
            )
        )
        plans.append({"kind": kind, "planned_month": planned_month, "start": start})
    with transaction.atomic():
        Project.objects.bulk_create(projects, batch_size=2000)
    ids = list(Project.objects.order_by("internal_code").values_list("pk", "lead_unit_id"))
    entries = []
    for serial, ((pk, _unit), plan) in enumerate(zip(ids, plans, strict=True), start=1):
        kind = plan["kind"]
        planned = Decimal(
            rng.randint(0, 3) * 1000 if kind in (Kind.RESERVE, Kind.STRATEGIC) else rng.randint(500, 60_000)
        )
        entries.append(
            ProgrammeEntry(
                project_id=pk,
                year=YEAR,
                serial=serial,
                kind=kind,
                level=rng.choice(levels),
                planned_investment=planned,
                planned_start_month=plan["planned_month"],
            )
        )
    with transaction.atomic():
        ProgrammeEntry.objects.bulk_create(entries, batch_size=5000)
    entry_rows = list(
        ProgrammeEntry.objects.filter(year=YEAR)
        .order_by("serial")
        .values_list("pk", "project_id", "project__lead_unit_id", "planned_investment")
    )
    reports = []
    late_units = set(rng.sample(range(len(units)), 4))
    unit_index = {u.pk: i for i, u in enumerate(units)}
    final_ytd: dict[int, tuple[Decimal, dt.date]] = {}
    for (entry_id, project_id, unit_id, planned), plan in zip(entry_rows, plans, strict=True):
        pace = rng.choice([0.3, 0.6, 0.8, 0.9, 1.0, 1.0, 1.1, 1.2])
        start = plan["start"]
        first_month = (
            1 if plan["kind"] == Kind.CONTINUING else (start.month if start and start.year == YEAR else 13)
        )
        ytd = Decimal(0)
        lazy_unit = unit_index[unit_id] in late_units
        for period in periods:
            m = period.month
            if m == MONTHS:
                roll = rng.random()
                if roll < (0.45 if lazy_unit else 0.12):
                    continue  # November not reported yet
                status = (
                    "draft"
                    if roll < (0.6 if lazy_unit else 0.2)
                    else rng.choice(["submitted", "unit_approved", "unit_approved", "accepted"])
                )
            else:
                status = "returned" if rng.random() < 0.005 else "accepted"
            amount = Decimal(0)
            if m >= first_month and planned:
                share = Decimal(str(round(pace * rng.uniform(0.6, 1.4) / 12, 4)))
                amount = (planned * share).quantize(Decimal("0.01"))
            ytd += amount
            handed_in = status in ("submitted", "unit_approved", "accepted")
            late = handed_in and rng.random() < (0.3 if lazy_unit else 0.04)
            reports.append(
                MonthlyReport(
                    entry_id=entry_id,
                    period=period,
                    project_id=project_id,
                    unit_id=unit_id,
                    invested_month=amount,
                    invested_ytd=ytd,
                    invested_since_start=ytd,
                    progress_text="按计划推进",
                    progress_percent=min(100, m * 8),
                    status=status,
                    created_at=now,
                    updated_at=now,
                    submitted_at=now if handed_in else None,
                    first_submitted_at=now if handed_in else None,
                    submitted_late=late,
                )
            )
            if handed_in:
                final_ytd[entry_id] = (ytd, period.end_date)
    # Written month by month, as units report (a month's reports lie together in the table).
    reports.sort(key=lambda r: r.period.month)
    with transaction.atomic():
        MonthlyReport.objects.bulk_create(reports, batch_size=5000)
    # The programme's own figure follows the latest handed-in report, as the dispatch services keep it.
    updates = [
        ProgrammeEntry(pk=pk, invested_ytd=ytd, invested_as_of=as_of)
        for pk, (ytd, as_of) in final_ytd.items()
    ]
    with transaction.atomic():
        ProgrammeEntry.objects.bulk_update(updates, ["invested_ytd", "invested_as_of"], batch_size=5000)
    return {
        "dispatcher": dispatcher,
        "leader": leader,
        "periods": periods,
        "projects": len(projects),
        "reports": len(reports),
    }
