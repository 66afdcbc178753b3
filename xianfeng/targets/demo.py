"""The demo's targets: every target the seed report names, made through the services.

Three are computed from the programme (the H1 and Q3 start targets, the year's investment plan);
the rest are reported by their owner units month by month, January to November, with evidence
text by the unit's clerk (a liaison account ``<unit code>_lly`` is added, with the demo's
password, for an owner unit without one) — reported on the fifth of the next month with the
clock frozen there, so the audit trail reads as it would. The series differ: some targets are
met, most on track, some at risk. The target forecasts are computed for every month reported.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from xianfeng.lib import clock
from xianfeng.org.choices import Role
from xianfeng.org.models import Department, User
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.targets import services
from xianfeng.targets.choices import Curve, Source
from xianfeng.targets.models import Target

# code, name, owner unit, unit of measure, baseline, target, Jan–Nov cumulative values, evidence.
MANUAL: list[tuple[str, str, str, str, int, int, list[int], str]] = [
    (
        "hte-total",
        "高新技术企业总数突破1000家",
        "KJJ",
        "家",
        905,
        1000,
        [905, 906, 908, 912, 917, 925, 931, 940, 949, 958, 980],
        "区科技局高新技术企业名录：截至{month}月底全区有效期内高新技术企业{value}家",
    ),
    (
        "hte-new",
        "新增高新技术企业100家以上",
        "KJJ",
        "家",
        0,
        100,
        [0, 1, 3, 7, 12, 20, 26, 35, 44, 53, 75],
        "省高企认定管理机构公示名单：本年新认定（含重新认定）高新技术企业累计{value}家",
    ),
    (
        "sme-40",
        "培育独角兽、小巨人、瞪羚和专精特新企业40家",
        "GXJ",
        "家",
        0,
        40,
        [0, 2, 5, 9, 14, 18, 22, 27, 31, 36, 42],
        "工信部门公示文件：本年新认定专精特新、小巨人、瞪羚、独角兽企业累计{value}家",
    ),
    (
        "platform-20",
        "新增市级以上科技创新平台20家以上",
        "KJJ",
        "家",
        0,
        20,
        [0, 1, 2, 4, 5, 7, 9, 11, 13, 15, 18],
        "市级以上重点实验室、技术创新中心等平台认定文件累计{value}家",
    ),
    (
        "tax-building-3",
        "新培育税收过亿元楼宇3座",
        "SWJ",
        "座",
        0,
        3,
        [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2],
        "区税务部门楼宇税收统计：1—{month}月税收过亿元新增楼宇{value}座",
    ),
    (
        "schools-8",
        "8所学校建设",
        "JYTY",
        "所",
        0,
        8,
        [0, 0, 1, 1, 2, 3, 3, 4, 5, 6, 7],
        "区教体局学校建设台账：已开工或竣工的学校{value}所（附施工许可与现场照片）",
    ),
    (
        "school-places-6700",
        "新增义务教育优质学位6700个",
        "JYTY",
        "个",
        0,
        6700,
        [0, 0, 300, 450, 900, 1350, 1800, 2700, 4500, 4800, 5400],
        "区教体局学位统计：新建、改扩建学校新增优质学位累计{value}个",
    ),
    (
        "elderly-19",
        "社区养老服务站19处",
        "MZJ",
        "处",
        0,
        19,
        [0, 1, 2, 4, 6, 8, 10, 12, 14, 17, 19],
        "区民政局验收记录：建成并运营社区养老服务站{value}处",
    ),
    (
        "housing-1000",
        "公租房和人才住房1000套",
        "ZJJ",
        "套",
        0,
        1000,
        [0, 40, 90, 150, 230, 320, 410, 520, 640, 760, 860],
        "区住建局房源台账：筹集公租房和人才住房累计{value}套",
    ),
    (
        "pocket-park-10",
        "口袋公园10处",
        "CGJ",
        "处",
        0,
        10,
        [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        "区城管局竣工验收单：建成口袋公园{value}处",
    ),
    (
        "governance-6",
        "基层治理示范社区6个",
        "MZJ",
        "个",
        0,
        6,
        [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4],
        "区民政局评估结果：达到基层治理示范社区标准的社区{value}个",
    ),
    (
        "ngit-1000",
        "新一代信息技术产业总规模1000亿元",
        "GXJ",
        "亿元",
        860,
        1000,
        [868, 875, 884, 893, 901, 912, 922, 932, 946, 962, 985],
        "区统计局产业统计快报：1—{month}月新一代信息技术产业规模{value}亿元（年化）",
    ),
]


def _computed(year: int) -> list[dict[str, Any]]:
    planned = ProgrammeEntry.objects.filter(year=year, project__archived_at__isnull=True).aggregate(
        total=Sum("planned_investment")
    )["total"] or Decimal(0)
    return [
        {
            "code": f"{year}-keyproject-h1-start",
            "name": "省、市重点项目上半年全部开工",
            "unit": "FGJ",
            "measure": "个",
            "start": dt.date(year, 1, 1),
            "deadline": dt.date(year, 6, 30),
            "target": Decimal(1),
            "definition": {
                "entity": "entries",
                "measure": "count",
                "filters": {"year": year, "level": ["province", "city"]},
                "date": {"field": "actual_start", "on_or_before": f"{year}-06-30"},
                "target": "all",
            },
        },
        {
            "code": f"{year}-newstart-q3-start",
            "name": "155个新开工项目三季度末全部开工",
            "unit": "FGJ",
            "measure": "个",
            "start": dt.date(year, 1, 1),
            "deadline": dt.date(year, 9, 30),
            "target": Decimal(1),
            "definition": {
                "entity": "entries",
                "measure": "count",
                "filters": {"year": year, "kind": ["new_start"]},
                "date": {"field": "actual_start", "on_or_before": f"{year}-09-30"},
                "target": "all",
            },
        },
        {
            "code": f"{year}-investment-plan",
            "name": "完成年度计划投资",
            "unit": "FGJ",
            "measure": "万元",
            "start": dt.date(year, 1, 1),
            "deadline": dt.date(year, 12, 31),
            "target": planned,
            "definition": {
                "entity": "entries",
                "measure": "sum",
                "field": "invested_ytd",
                "filters": {"year": year},
            },
        },
    ]


def _reporter(unit: Department, password_hash: str) -> User:
    """The unit's clerk; a liaison account ``<unit code>_lly`` (the demo's convention) with the
    demo's password when the unit has none."""
    clerk = (
        User.objects.filter(department=unit, role=Role.UNIT_REPORTER, is_active=True).order_by("id").first()
    )
    if clerk is not None:
        return clerk
    user = User(
        username=f"{unit.code.lower()}_lly",
        full_name=f"{unit.short_name or unit.name}联络员",
        role=Role.UNIT_REPORTER,
        department=unit,
    )
    if password_hash:
        user.password = password_hash
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def load_demo_targets(*, year: int = 2024, password_hash: str = "") -> int:
    """Create the demo's targets and their monthly values; returns the targets created (0 when
    they exist already)."""
    if Target.objects.filter(code=f"{year}-keyproject-h1-start").exists():
        return 0
    if not ProgrammeEntry.objects.filter(year=year).exists():
        return 0
    dispatcher = User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id").first()
    if dispatcher is None:
        return 0
    units = {d.code: d for d in Department.objects.all()}
    created = 0
    order = 0
    with clock.frozen(dt.date(year, 1, 5)):
        for spec in _computed(year):
            order += 1
            services.target_create(
                actor=dispatcher,
                fields={
                    "code": spec["code"],
                    "year": year,
                    "name": spec["name"],
                    "owner_unit": units[spec["unit"]],
                    "start_date": spec["start"],
                    "deadline": spec["deadline"],
                    "unit_of_measure": spec["measure"],
                    "target_value": spec["target"],
                    "source": Source.COMPUTED,
                    "definition": spec["definition"],
                    "curve": Curve.LINEAR,
                    "order": order,
                },
            )
            created += 1
        manual: list[tuple[Target, list[int], str]] = []
        for code, name, unit_code, measure, baseline, goal, series, evidence in MANUAL:
            order += 1
            target = services.target_create(
                actor=dispatcher,
                fields={
                    "code": f"{year}-{code}",
                    "year": year,
                    "name": name,
                    "owner_unit": units[unit_code],
                    "start_date": dt.date(year, 1, 1),
                    "deadline": dt.date(year, 12, 31),
                    "unit_of_measure": measure,
                    "baseline_value": Decimal(baseline),
                    "target_value": Decimal(goal),
                    "min_value": Decimal(0),
                    "max_value": Decimal(goal) * 3,
                    "source": Source.MANUAL,
                    "curve": Curve.LINEAR,
                    "order": order,
                },
            )
            manual.append((target, series, evidence))
            created += 1
    reporters = {target.pk: _reporter(target.owner_unit, password_hash) for target, _s, _e in manual}
    for month in range(1, 12):
        with clock.frozen(dt.date(year, month + 1, 5)):
            for target, series, evidence in manual:
                services.target_value_report(
                    actor=reporters[target.pk],
                    target=target,
                    year=year,
                    month=month,
                    value=Decimal(series[month - 1]),
                    evidence=evidence.format(month=month, value=series[month - 1]),
                )
            services.target_forecasts_recompute(year, month)
    return created
