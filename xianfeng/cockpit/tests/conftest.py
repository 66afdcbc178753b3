"""The cockpit's small world: stats_world's six projects (see dispatch/tests/stats_world.py) with
industry chains, one completed project and two problems, figures computed by hand in the tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xianfeng.coordination import services as coordination
from xianfeng.coordination.choices import ProblemType
from xianfeng.dispatch.tests.stats_world import World, build_world
from xianfeng.lib import clock
from xianfeng.parks.models import IndustryChain
from xianfeng.projects.choices import Stage


@pytest.fixture
def world(unit_a: Any, unit_b: Any, clerk_a: Any, dispatcher: Any) -> World:
    w = build_world(unit_a, unit_b)
    vr = IndustryChain.objects.create(code="vr", name="虚拟现实", order=1)
    ai = IndustryChain.objects.create(code="ai", name="人工智能", order=2)
    for key, chain in [("P1", vr), ("P2", vr), ("P4", ai)]:
        w.projects[key].chain = chain
        w.projects[key].save(update_fields=["chain"])
    # P4 was completed on 15 October: in the funnel's last stage from October on.
    p4 = w.projects["P4"]
    p4.stage, p4.actual_completion = Stage.COMPLETED, dt.date(2024, 10, 15)
    p4.save(update_fields=["stage", "actual_completion"])
    # Two problems on P1: a land problem due 21 October (10 working days from 8 October: overdue
    # at the end of November by 29 working days) and a funding one raised 20 November, due in December.
    with clock.frozen(dt.date(2024, 10, 8)):
        land = coordination.problem_raise(
            actor=clerk_a,
            project=w.projects["P1"],
            type=ProblemType.LAND,
            title="用地指标未落实",
            description="用地指标未下达",
        )
        coordination.problem_assign(actor=dispatcher, problem=land, units=[unit_a], deadline_days=10)
    with clock.frozen(dt.date(2024, 11, 20)):
        funding = coordination.problem_raise(
            actor=clerk_a,
            project=w.projects["P1"],
            type=ProblemType.FUNDING,
            title="专项债未到位",
            description="资金缺口",
        )
        coordination.problem_assign(actor=dispatcher, problem=funding, units=[unit_a], deadline_days=10)
    return w
