"""Benchmark: investment attraction — the lead board and the conversion dashboard over 50,000 leads,
and the duplicate check against 100,000 investors.

Run from the repository root:

    .venv/bin/python bench/bench_attraction.py                    # a temporary SQLite file
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_attraction_bench \
        .venv/bin/python bench/bench_attraction.py

On PostgreSQL the script creates the database named in the URL (its name must contain "bench",
because it is dropped again at the end), migrates it and fills it; on SQLite it uses a temporary
file. It bulk-inserts 100,000 investors (names built like real ones: a region, a brand whose first
characters follow a skewed distribution so some blocking keys are crowded, an industry word and a
legal form), 50,000 leads over 2019–2024 across 30 units, 7 chains, 200 events and 60 officers,
5,000 registry projects (the landed leads' projects, half of them started) and a year of foreign
capital. Then it times, with django.test.Client signed in as the investment-promotion bureau (who
sees every lead), a leader, and one unit's clerk, N requests of the board, the dashboard and the
dashboard API; and the duplicate check (``services.investor_check``: the candidate query and the
scoring) for 200 names — half of them variants of existing investors, which it must find — plus the
lead form's POST that answers with the duplicate warning. Targets: median ≤ 200 ms per page,
≤ 50 ms per duplicate check. "SQL ms" is the median time waiting for the database; "CPU ms" the
mean CPU time per request of this process plus, for a local PostgreSQL, of its backend — on a
machine shared with other work the wall-clock figures grow with the load, the CPU ones much less.
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

PAGE_TARGET_MS = 200.0
CHECK_TARGET_MS = 50.0

CITIES = [
    "青岛",
    "北京",
    "上海",
    "深圳",
    "杭州",
    "苏州",
    "济南",
    "南京",
    "武汉",
    "成都",
    "广州",
    "合肥",
    "山东",
    "",
]
WORDS = [
    "科技",
    "智能科技",
    "信息技术",
    "生物医药",
    "光电",
    "半导体",
    "新材料",
    "数据科技",
    "机器人",
    "医疗器械",
    "能源科技",
    "网络科技",
    "文化传媒",
    "投资管理",
    "精密机械",
    "汽车零部件",
    "软件",
    "电子",
]
FORMS = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司", "科技集团"]
BRAND_CHARS = (
    "华中海天新金恒瑞博远德宏鼎盛泰安嘉信达兴汇通联创智星辰光明宇航云峰山川江河湖泽润丰源祥和美佳优"
    "凯迈拓维斯科力特诺朗普赛克奥森林雅雷蓝青绿紫晶钰锐捷迅驰骏腾飞翔龙凤麟鹏鸿雁鸥鲸豹狮虎鹰隼松柏"
    "竹梅兰菊荷桂枫杉桐楠杨柳旭昊晟晖曜晨曦皓朗明哲睿思敏慧聪颖卓越超凡至臻纯朴正诚信义仁礼智勇毅"
)


def _brand(rng: random.Random, hot: list[str]) -> str:
    # A fifth of the names share fifty crowded brand heads (中科…, 华信…): the worst blocks.
    head = rng.choice(hot) if rng.random() < 0.2 else rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
    return head + (rng.choice(BRAND_CHARS) if rng.random() < 0.5 else "")


def populate(n_leads: int, n_investors: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import transaction

    from xianfeng.attraction.choices import STAGE_RANK, AmountUnit, EventKind, Origin, Source, Stage
    from xianfeng.attraction.models import Event, ForeignCapital, Investor, Lead
    from xianfeng.attraction.names import name_keys, normalise_name
    from xianfeng.lib import uscc
    from xianfeng.org.choices import Role
    from xianfeng.org.models import Department, User
    from xianfeng.parks.models import IndustryChain
    from xianfeng.projects.choices import Category
    from xianfeng.projects.choices import Stage as ProjectStage
    from xianfeng.projects.models import Project

    rng = random.Random(20241206)
    hot = [rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS) for _ in range(50)]
    with transaction.atomic():
        bureau = Department.objects.create(
            code=settings.XF_ATTRACTION_BUREAU_CODE, name="区投资促进中心", order=0
        )
        units = [bureau] + [
            Department.objects.create(code=f"U{i:03d}", name=f"单位{i}", order=i) for i in range(1, 30)
        ]
        chains = [IndustryChain.objects.create(code=f"C{i}", name=f"产业链{i}", order=i) for i in range(7)]
        promo = User.objects.create(
            username="promo", full_name="投促专员", role=Role.UNIT_REPORTER, department=bureau
        )
        leader = User.objects.create(username="leader", full_name="区领导", role=Role.LEADER)
        clerk = User.objects.create(
            username="clerk", full_name="单位填报员", role=Role.UNIT_REPORTER, department=units[5]
        )
        officers = [
            User.objects.create(
                username=f"o{i}", full_name=f"专员{i}", role=Role.UNIT_REPORTER, department=units[i % 30]
            )
            for i in range(60)
        ]
        events = Event.objects.bulk_create(
            Event(
                name=f"招商活动{i}",
                kind=rng.choice(EventKind.values),
                starts_on=dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 2150)),
                organiser=bureau,
            )
            for i in range(200)
        )

    investors = []
    names = []
    for _i in range(n_investors):
        origin = rng.choices([Origin.DOMESTIC, Origin.FOREIGN, Origin.HMT], weights=[70, 20, 10])[0]
        name = f"{rng.choice(CITIES)}{_brand(rng, hot)}{rng.choice(WORDS)}{rng.choice(FORMS)}"
        norm = normalise_name(name)
        head, pinyin, second = name_keys(norm)
        body = f"91{rng.randint(110000, 659000)}" + "".join(rng.choice(uscc.ALPHABET) for _ in range(9))
        investors.append(
            Investor(
                name=name,
                origin=origin,
                country="中国" if origin == Origin.DOMESTIC else "新加坡",
                credit_code=body + uscc.check_char(body) if rng.random() < 0.5 else "",
                in_district=rng.random() < 0.02,
                owner_unit=rng.choice(units),
                name_norm=norm,
                key_head=head,
                key_pinyin=pinyin,
                key_second=second,
                search_text=f"{name.lower()} {norm}",
            )
        )
        names.append(name)
    with transaction.atomic():
        Investor.objects.bulk_create(investors, batch_size=5000)
    investor_ids = list(Investor.objects.order_by("id").values_list("pk", flat=True))

    projects = []
    for i in range(n_leads // 10):
        started = rng.random() < 0.5
        start = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(200, 1700)) if started else None
        projects.append(
            Project(
                internal_code=f"XF2024-{i + 1:05d}",
                name=f"落地项目{i}",
                category=Category.INDUSTRY,
                lead_unit=rng.choice(units),
                total_investment=Decimal(rng.randint(1000, 500000)),
                stage=rng.choice([ProjectStage.CONSTRUCTION, ProjectStage.OPERATING])
                if started
                else ProjectStage.RESERVE,
                actual_start=start,
                actual_completion=start + dt.timedelta(days=400) if start and rng.random() < 0.3 else None,
                search_text=f"落地项目{i}",
            )
        )
    with transaction.atomic():
        Project.objects.bulk_create(projects, batch_size=5000)
    project_ids = list(Project.objects.order_by("id").values_list("pk", flat=True))

    leads = []
    stages = [
        Stage.LEAD,
        Stage.CONTACTING,
        Stage.NEGOTIATING,
        Stage.SIGNED,
        Stage.REGISTERED,
        Stage.LANDED,
        Stage.LOST,
    ]
    weights = [14, 18, 16, 6, 4, 10, 32]
    date_fields = ["entered_on", "contacting_on", "negotiating_on", "signed_on", "registered_on", "landed_on"]
    next_project = 0
    for i in range(n_leads):
        stage = rng.choices(stages, weights=weights)[0]
        reached = STAGE_RANK.get(stage, rng.choice([0, 1, 2, 3]))
        if stage == Stage.LANDED and next_project >= len(project_ids):
            stage, reached = Stage.REGISTERED, 4
        day = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 2100))
        dates = {}
        for rank, field in enumerate(date_fields[: reached + 1]):
            if rank:
                day += dt.timedelta(days=rng.randint(5, 90))
            dates[field] = min(day, dt.date(2024, 12, 5))
        wan = Decimal(rng.randint(1000, 300000))
        unit = units[0] if rng.random() < 0.4 else rng.choice(units)
        lead = Lead(
            name=f"线索{i}",
            investor_id=rng.choice(investor_ids),
            source=rng.choice(Source.values),
            event=rng.choice(events) if rng.random() < 0.35 else None,
            chain=rng.choice(chains),
            investment_amount=wan,
            investment_unit=AmountUnit.CNY_WAN,
            investment_wan=wan,
            land_mu=Decimal(rng.randint(10, 300)) if rng.random() < 0.6 else None,
            expected_tax_wan=Decimal(rng.randint(100, 8000)),
            owner_unit=unit,
            officer=rng.choice([o for o in officers if o.department_id == unit.pk] or [None]),
            stage=stage,
            furthest_rank=reached,
            stage_changed_on=max(dates.values()),
            signed_wan=wan if reached >= 3 else None,
            signed_amount=wan if reached >= 3 else None,
            signed_unit=AmountUnit.CNY_WAN if reached >= 3 else "",
            lost_on=max(dates.values()) if stage == Stage.LOST else None,
            lost_reason="选址外地" if stage == Stage.LOST else "",
            search_text=f"线索{i}",
            **dates,
        )
        if stage == Stage.LANDED:
            lead.project_id = project_ids[next_project]
            next_project += 1
        leads.append(lead)
    with transaction.atomic():
        Lead.objects.bulk_create(leads, batch_size=5000)
    foreign = list(Lead.objects.filter(furthest_rank__gte=4).values_list("pk", flat=True)[:800])
    rows = [
        ForeignCapital(lead_id=pk, period=dt.date(2024, m, 1), amount_usd_wan=Decimal(rng.randint(10, 900)))
        for pk in foreign
        for m in range(1, 12)
        if rng.random() < 0.4
    ]
    with transaction.atomic():
        ForeignCapital.objects.bulk_create(rows, batch_size=5000)
    return {"promo": promo, "leader": leader, "clerk": clerk, "names": names, "rng": rng}


def analyse() -> None:
    from django.db import connection

    # Fresh statistics and visibility map, as autovacuum would leave them after a bulk load.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _backend_cpu_ms() -> tuple[int, float] | None:
    """CPU time so far of the PostgreSQL backend serving this connection, when it runs on this
    machine (from /proc; 10 ms ticks, so only sums over many requests mean anything)."""
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

    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            return {"error": f"HTTP {response.status_code}"}
    times, db_times, queries = [], [], set()
    cpu_start, backend_start = time.process_time(), _backend_cpu_ms()
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured.captured_queries))
        db_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    # CPU per request: this process plus the PostgreSQL backend (not its parallel workers). On a
    # machine shared with other work the wall-clock figures grow with the load; these much less.
    cpu = (time.process_time() - cpu_start) * 1000
    backend_end = _backend_cpu_ms()
    if backend_start and backend_end and backend_start[0] == backend_end[0]:
        cpu += backend_end[1] - backend_start[1]
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "db": statistics.median(db_times),
        "cpu": cpu / requests,
        "queries": sorted(queries),
    }


def _variant(rng: random.Random, name: str) -> str:
    """How a second unit types the same company: bracketed region, other legal form, a homophone."""
    from xianfeng.attraction.names import normalise_name

    core = normalise_name(name)
    choice = rng.randrange(3)
    if choice == 0:
        return f"{core}（青岛）有限公司"
    if choice == 1:
        return f"山东{core}股份有限公司"
    return f"{core}集团"


def bench_duplicates(people: dict[str, Any], checks: int) -> dict[str, Any]:
    from xianfeng.attraction import services
    from xianfeng.attraction.models import Investor

    rng = random.Random(7)
    clerk = people["clerk"]
    names = people["names"]
    times, candidates, found = [], [], 0
    samples = [(True, _variant(rng, rng.choice(names))) for _ in range(checks // 2)]
    samples += [
        (False, f"青岛{rng.choice(BRAND_CHARS)}{rng.choice(BRAND_CHARS)}{rng.choice(WORDS)}有限公司")
        for _ in range(checks - checks // 2)
    ]
    for _variant_name, name in samples[:5]:  # warm-up
        services.investor_check(actor=clerk, investor=Investor(name=name, owner_unit_id=clerk.department_id))
    for is_variant, name in samples:
        investor = Investor(name=name, owner_unit_id=clerk.department_id)
        start = time.perf_counter()
        result = services.investor_check(actor=clerk, investor=investor)
        times.append((time.perf_counter() - start) * 1000)
        candidates.append(len(result.investors))
        if is_variant and result.investors:
            found += 1
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "max": times[-1],
        "recall": found / (checks // 2),
        "candidates": statistics.mean(candidates),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--investors", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    os.environ.setdefault("XF_TODAY", "2024-12-06")
    os.environ["XF_DEBUG"] = "0"
    vendor, name = prepare_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        people = populate(args.leads, args.investors)
        analyse()
        print(
            f"database: {vendor} ({name}); {args.leads:,} leads, {args.investors:,} investors inserted and "
            f"analysed in {time.perf_counter() - started:.1f} s; {args.requests} requests per case"
        )
        print(
            f"{'who':<8} {'case':<28} {'median ms':>10} {'p95 ms':>8} {'SQL ms':>7} {'CPU ms':>7} "
            f"{'queries':>8}  verdict"
        )
        over = []
        for who in ["promo", "leader", "clerk"]:
            client = Client()
            client.force_login(people[who])
            for label, url in [
                ("board", "/attraction/"),
                ("board, one chain", "/attraction/?chain=" + str(_first_chain())),
                ("dashboard", "/attraction/dashboard/"),
                ("dashboard 2024", "/attraction/dashboard/?year=2024"),
                ("dashboard API", "/api/attraction/dashboard"),
            ]:
                result = measure(client, url, args.requests)
                if "error" in result:
                    print(f"{who:<8} {label:<28} {result['error']}")
                    continue
                verdict = "ok" if result["median"] <= PAGE_TARGET_MS else "OVER"
                if verdict != "ok":
                    over.append(f"{who} {label}")
                queries = "/".join(map(str, result["queries"]))
                print(
                    f"{who:<8} {label:<28} {result['median']:>10.1f} {result['p95']:>8.1f} "
                    f"{result['db']:>7.1f} {result['cpu']:>7.1f} "
                    f"{queries:>8}  {verdict}"
                )
        dup = bench_duplicates(people, args.checks)
        verdict = "ok" if dup["median"] <= CHECK_TARGET_MS and dup["p95"] <= CHECK_TARGET_MS else "OVER"
        print(
            f"\nduplicate check vs {args.investors:,} investors ({args.checks} names, "
            "half of them variants of "
            f"existing ones): median {dup['median']:.1f} ms, p95 {dup['p95']:.1f} ms, "
            f"max {dup['max']:.1f} ms, "
            f"{dup['candidates']:.1f} candidates on average, variants found {dup['recall']:.0%}  {verdict}"
        )
        client = Client()
        client.force_login(people["clerk"])
        post_times = []
        rng = random.Random(11)
        for _ in range(20):
            data = {
                "name": "基准线索",
                "source": "direct",
                "investment_amount": "50000",
                "investment_unit": "CNY_WAN",
                "entered_on": "2024-12-06",
                "inv_name": _variant(rng, rng.choice(people["names"])),
                "inv_kind": "company",
                "inv_origin": "domestic",
            }
            start = time.perf_counter()
            response = client.post("/attraction/leads/new/", data)
            post_times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200 and "疑似重复" in response.content.decode(), (
                response.status_code
            )
        print(
            "lead form POST answered with the duplicate warning: "
            f"median {statistics.median(post_times):.1f} ms"
        )
        print(
            f"\ntargets: pages median ≤ {PAGE_TARGET_MS:.0f} ms; "
            f"duplicate check ≤ {CHECK_TARGET_MS:.0f} ms per lead"
        )
        if verdict != "ok":
            over.append("duplicate check")
        print("over target: " + "; ".join(over) if over else "every case is within its target")
        return 0
    finally:
        if args.keep:
            print(f"\nkept database: {name}")
        else:
            drop_database(vendor, name)


def _first_chain() -> int:
    from xianfeng.parks.models import IndustryChain

    return IndustryChain.objects.order_by("id").values_list("pk", flat=True).first() or 0


if __name__ == "__main__":
    sys.exit(main())
