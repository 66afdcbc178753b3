"""The demo problems: about sixty, real histories across 2024, made through the services."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from xianfeng.coordination.choices import EscalationLevel, ProblemStatus
from xianfeng.coordination.demo import load_demo_problems
from xianfeng.coordination.models import Instruction, Problem, ProblemEvent, SupervisionOrder
from xianfeng.org.choices import Role
from xianfeng.tests.factories import (
    DepartmentFactory,
    LeaderFactory,
    ProgrammeEntryFactory,
    ProjectFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(db):  # type: ignore[no-untyped-def]
    """A small programme shaped like the demo's: 70 projects, named units, one leader with an account."""
    UserFactory(username="dispatcher", role=Role.DISPATCHER)
    street = RegionFactory(code="370212001", name="中韩街道")
    units = {
        code: DepartmentFactory(code=code, name=name)
        for code, name in [
            ("ZRZY", "崂山自然资源分局"),
            ("CZJ", "区财政局"),
            ("ZJJ", "区住建局"),
            ("FGJ", "区发改局"),
            ("SWUJ", "区水务局"),
            ("GXJ", "区工信局"),
            ("GXZHB", "城市更新指挥部"),
        ]
    }
    DepartmentFactory(code="ZHJD", name="中韩街道办事处", region=street)
    UserFactory(username="gongxin_tb", role=Role.UNIT_REPORTER, department=units["GXJ"])
    leader_user = UserFactory(username="leader", role=Role.LEADER)
    leader = LeaderFactory(name="孟书航", user=leader_user)
    other_leader = LeaderFactory(name="林致远")
    for i in range(70):
        lead = units["GXJ"] if i % 3 == 0 else units["ZJJ"]
        project = ProjectFactory(
            lead_unit=lead, leader=leader if i % 3 == 0 else other_leader, street=street if i % 2 else None
        )
        ProgrammeEntryFactory(project=project, year=2024)
    return units


def test_sixty_problems_with_real_histories(programme) -> None:
    assert load_demo_problems(year=2024) == 60
    problems = list(Problem.objects.all())
    assert len(problems) == 60
    types = Counter(p.type for p in problems)
    # Weighted to land, demolition, approvals and funding.
    assert sum(types[t] for t in ["land", "demolition", "approval", "funding"]) >= 30
    statuses = Counter(p.status for p in problems)
    assert statuses[ProblemStatus.CLOSED] >= 25
    assert sum(statuses[s] for s in ["open", "accepted", "in_hand", "reopened"]) >= 4
    closed = [p for p in problems if p.status == ProblemStatus.CLOSED]
    assert all(p.days_to_close is not None and p.days_to_close > 0 for p in closed)
    today = dt.date(2024, 12, 6)
    overdue = [p for p in problems if p.is_overdue(today)]
    assert overdue and max(p.level for p in overdue) >= EscalationLevel.LEADER
    # Histories are dated across the year, never after "today".
    days = {e.at.date() for e in ProblemEvent.objects.all()}
    assert min(days) < dt.date(2024, 2, 1) and max(days) <= today
    assert len({d.month for d in days}) == 12
    assert ProblemEvent.objects.filter(action="escalate", actor__isnull=True).exists()
    assert Instruction.objects.count() >= 3
    assert Instruction.objects.filter(replies__isnull=False).exists()
    assert SupervisionOrder.objects.count() == 2
    assert SupervisionOrder.objects.filter(plans__isnull=False).count() >= 1
    # Each problem's steps come in order: raised first, closed last.
    for problem in closed[:10]:
        actions = list(problem.events.values_list("action", flat=True))
        assert actions[0] == "raise" and actions[-1] in {"close", "supervise"}
    # Units that handle problems without a clerk got a liaison account.
    assert Problem.objects.filter(primary_unit=programme["ZRZY"]).exists()
    assert programme["ZRZY"].users.get().username == "zrzy_lly"
    # Loading again adds nothing.
    assert load_demo_problems(year=2024) == 0
    assert Problem.objects.count() == 60


def test_nothing_to_do_without_a_programme(db) -> None:
    assert load_demo_problems(year=2024) == 0
