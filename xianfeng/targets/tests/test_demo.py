"""The demo carries every target the seed names, with the seed's figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Sum

from xianfeng.demo.generator import load_demo
from xianfeng.org.models import User
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.targets import selectors
from xianfeng.targets.demo import MANUAL, load_demo_targets
from xianfeng.targets.models import Target, TargetForecast, TargetValue

pytestmark = pytest.mark.django_db


def test_demo_targets() -> None:
    load_demo(extras=("xianfeng.dispatch.demo.load_demo_dispatch", "xianfeng.targets.demo.load_demo_targets"))
    assert Target.objects.filter(year=2024).count() == 3 + len(MANUAL) == 15
    assert load_demo_targets(year=2024) == 0  # idempotent
    h1 = Target.objects.get(code="2024-keyproject-h1-start")
    q3 = Target.objects.get(code="2024-newstart-q3-start")
    plan = Target.objects.get(code="2024-investment-plan")
    assert h1.target_value == 57  # 12 province- + 45 city-level projects
    assert q3.target_value == 155  # all new starts
    planned = ProgrammeEntry.objects.filter(year=2024).aggregate(s=Sum("planned_investment"))["s"]
    assert plan.target_value == planned
    assert TargetValue.objects.filter(target__year=2024).count() == len(MANUAL) * 11
    names = set(Target.objects.values_list("name", flat=True))
    for name in (
        "高新技术企业总数突破1000家",
        "新增高新技术企业100家以上",
        "8所学校建设",
        "社区养老服务站19处",
        "公租房和人才住房1000套",
        "口袋公园10处",
        "新一代信息技术产业总规模1000亿元",
    ):
        assert name in names
    leader = User.objects.get(username="leader")
    board = selectors.target_board(user=leader, year=2024, as_of=dt.date(2024, 11, 30))
    statuses = Counter(p.status for p in board)
    assert statuses["met"] >= 2 and statuses["at_risk"] >= 2 and statuses["on_track"] >= 2
    q3_row = next(p for p in board if p.target.pk == q3.pk)
    assert q3_row.target_value == 155 and q3_row.threats and all(p.forecast for p in board)
    assert TargetForecast.objects.filter(year=2024).count() == 15 * 11
