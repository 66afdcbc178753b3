"""Supervision orders (督办单): on overdue problems only, plan submitted, accepted or returned, closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.coordination import services
from xianfeng.coordination.choices import PlanDecision, ProblemAction, SupervisionStatus
from xianfeng.coordination.models import SupervisionOrder
from xianfeng.coordination.tests.helpers import assigned_problem
from xianfeng.lib import clock
from xianfeng.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def overdue(clerk_a, dispatcher, led_project, bureau):  # type: ignore[no-untyped-def]
    with clock.frozen(D(2024, 11, 1)):
        return assigned_problem(clerk_a, dispatcher, led_project, [bureau], days=5)


def test_an_order_follows_a_problem_to_closure(
    overdue, dispatcher, bureau, bureau_clerk, leader_user, clerk_a
) -> None:
    order = services.supervision_issue(
        actor=dispatcher, problem=overdue, requirement="三日内报送整改方案", plan_days=3
    )
    assert order.number == "督办〔2024〕1号"
    assert order.unit == bureau
    assert order.plan_deadline == D(2024, 12, 11)
    for user in (bureau_clerk, leader_user):
        assert Notification.objects.get(recipient=user, event="supervision.issued").urgent
    services.supervision_submit_plan(actor=bureau_clerk, order=order, text="一、成立专班……")
    assert Notification.objects.filter(recipient=dispatcher, event="supervision.plan").count() == 1
    with pytest.raises(ValidationError, match="退回整改方案须写明理由"):
        services.supervision_decide(actor=dispatcher, order=order, accept=False)
    services.supervision_decide(actor=dispatcher, order=order, accept=False, note="缺少时间节点")
    order.refresh_from_db()
    assert order.status == SupervisionStatus.PLAN_RETURNED
    services.supervision_submit_plan(actor=bureau_clerk, order=order, text="一、成立专班；二、12月20日前……")
    services.supervision_decide(actor=dispatcher, order=order, accept=True, note="同意")
    order.refresh_from_db()
    assert order.status == SupervisionStatus.RECTIFYING
    assert list(order.plans.values_list("decision", flat=True)) == [
        PlanDecision.RETURNED,
        PlanDecision.ACCEPTED,
    ]
    services.problem_transition(actor=bureau_clerk, problem=overdue, action=ProblemAction.ACCEPT)
    services.problem_transition(
        actor=bureau_clerk, problem=overdue, action=ProblemAction.RESOLVE, resolution="已办结"
    )
    services.problem_transition(actor=clerk_a, problem=overdue, action=ProblemAction.CLOSE)
    order.refresh_from_db()
    assert order.status == SupervisionStatus.CLOSED and order.closed_at is not None
    notes = list(overdue.events.filter(action=ProblemAction.SUPERVISE).values_list("note", flat=True))
    assert len(notes) == 5 and notes[0].startswith("下达督办〔2024〕1号")


def test_only_overdue_problems_are_supervised(clerk_a, dispatcher, led_project, bureau) -> None:
    fresh = assigned_problem(clerk_a, dispatcher, led_project, [bureau])
    with pytest.raises(ValidationError, match="问题未超期（办理期限 2024-12-20）"):
        services.supervision_issue(actor=dispatcher, problem=fresh, requirement="x", plan_days=3)
    assert not SupervisionOrder.objects.exists()


def test_one_open_order_per_problem_and_only_the_dispatcher_issues(
    overdue, dispatcher, clerk_a, leader_user
) -> None:
    for actor in (clerk_a, leader_user):
        with pytest.raises(PermissionDenied):
            services.supervision_issue(actor=actor, problem=overdue, requirement="x", plan_days=3)
    first = services.supervision_issue(actor=dispatcher, problem=overdue, requirement="报方案", plan_days=3)
    with pytest.raises(ValidationError, match=first.number):
        services.supervision_issue(actor=dispatcher, problem=overdue, requirement="再报", plan_days=3)


def test_only_the_supervised_unit_submits_and_only_when_asked(
    overdue, dispatcher, clerk_a, bureau_clerk
) -> None:
    order = services.supervision_issue(actor=dispatcher, problem=overdue, requirement="报方案", plan_days=3)
    with pytest.raises(PermissionDenied, match="只有被督办单位"):
        services.supervision_submit_plan(actor=clerk_a, order=order, text="方案")
    services.supervision_submit_plan(actor=bureau_clerk, order=order, text="方案")
    with pytest.raises(ValidationError, match="不能报送整改方案"):
        services.supervision_submit_plan(actor=bureau_clerk, order=order, text="又一份")
    with pytest.raises(PermissionDenied):
        services.supervision_decide(actor=bureau_clerk, order=order, accept=True)


def test_a_late_plan_is_marked_and_the_order_can_be_closed_by_hand(overdue, dispatcher, bureau_clerk) -> None:
    order = services.supervision_issue(actor=dispatcher, problem=overdue, requirement="报方案", plan_days=1)
    with pytest.raises(ValidationError, match="整改方案尚未采纳"):
        services.supervision_close(actor=dispatcher, order=order, note="结")
    with clock.frozen(D(2024, 12, 12)):
        plan = services.supervision_submit_plan(actor=bureau_clerk, order=order, text="方案")
    assert plan.late is True
    services.supervision_decide(actor=dispatcher, order=order, accept=True)
    services.supervision_close(actor=dispatcher, order=order, note="整改到位")
    order.refresh_from_db()
    assert (order.status, order.closing_note) == (SupervisionStatus.CLOSED, "整改到位")
    assert Notification.objects.filter(recipient=bureau_clerk, event="supervision.closed").exists()
