"""Problems through their lifecycle: who may take each step, what each step records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import translation

from xianfeng.audit.models import ChangeRecord
from xianfeng.coordination import services
from xianfeng.coordination.choices import EscalationLevel, ProblemAction, ProblemSource, ProblemStatus
from xianfeng.coordination.models import Problem, ProblemEvent, ProblemUnit
from xianfeng.coordination.tests.helpers import assigned_problem, raise_problem
from xianfeng.lib import clock
from xianfeng.notifications.models import Notification
from xianfeng.org.choices import Role
from xianfeng.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = dt.date


def _state(problem: Problem) -> tuple:
    problem.refresh_from_db()
    return (problem.status, problem.level, problem.resolution, problem.closed_at, problem.events.count())


# ---------------------------------------------------------------- raising


def test_a_clerk_raises_a_problem_on_their_units_project(clerk_a, project_a, dispatcher) -> None:
    problem = raise_problem(clerk_a, project_a, source=ProblemSource.REPORT, period=D(2024, 11, 1))
    assert problem.status == ProblemStatus.OPEN
    assert problem.raised_unit == clerk_a.department
    assert problem.raised_from_period == "2024-11"
    assert problem.raised_on == D(2024, 12, 6)
    assert problem.level == EscalationLevel.UNIT
    event = problem.events.get()
    assert (event.action, event.actor, event.to_status) == (ProblemAction.RAISE, clerk_a, ProblemStatus.OPEN)
    assert "2024-11" in event.note
    assert (
        ChangeRecord.objects.filter(object_type="coordination.Problem", object_id=str(problem.pk)).count()
        == 1
    )
    # The project office hears of it.
    assert Notification.objects.filter(recipient=dispatcher, event="problem.raised").count() == 1
    assert not Notification.objects.filter(recipient=clerk_a).exists()


def test_the_dispatch_app_can_raise_from_a_report_with_a_generic_reference(clerk_a, project_a) -> None:
    problem = raise_problem(
        clerk_a,
        project_a,
        source=ProblemSource.REPORT,
        source_type="dispatch.monthlyreport",
        source_id=77,
        period="2024-11",
    )
    assert (problem.source_type, problem.source_id, problem.raised_from_period) == (
        "dispatch.monthlyreport",
        77,
        "2024-11",
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"type": "weather"}, "type", "未知的问题类型"),
        ({"title": "  "}, "title", "请填写问题摘要"),
        ({"description": ""}, "description", "请填写问题描述"),
        ({"source": ProblemSource.REPORT, "period": "2024/11"}, "raised_from_period", "YYYY-MM"),
        ({"source": ProblemSource.REPORT}, "raised_from_period", "须注明调度期"),
    ],
)
def test_raising_refuses_bad_input_and_writes_nothing(clerk_a, project_a, fields, field, message) -> None:
    with pytest.raises(ValidationError) as info:
        raise_problem(clerk_a, project_a, **fields)
    assert message in " ".join(info.value.message_dict[field])
    assert not Problem.objects.exists()
    assert not Notification.objects.exists()


def test_only_the_projects_unit_or_the_dispatcher_may_raise(clerk_b, leader_user, auditor, project_a) -> None:
    for actor in (clerk_b, leader_user, auditor):
        with pytest.raises(PermissionDenied):
            raise_problem(actor, project_a)
    assert not Problem.objects.exists()


# ---------------------------------------------------------------- assigning and deadlines


def test_assigning_sets_units_and_a_working_day_deadline(
    clerk_a, dispatcher, project_a, bureau, bureau_clerk, unit_b
):
    problem = raise_problem(clerk_a, project_a)
    services.problem_assign(actor=dispatcher, problem=problem, units=[bureau, unit_b], deadline_days=10)
    problem.refresh_from_db()
    # Friday 2024-12-06 + 10 working days.
    assert problem.deadline == D(2024, 12, 20)
    assert problem.deadline_days == 10
    assert problem.primary_unit == bureau
    assert list(
        ProblemUnit.objects.filter(problem=problem, is_primary=True).values_list("department", flat=True)
    ) == [bureau.pk]
    assert set(problem.units.all()) == {bureau, unit_b}
    assign = problem.events.get(action=ProblemAction.ASSIGN)
    assert "2024-12-20" in assign.note and "自然资源局" in assign.note
    assert Notification.objects.filter(recipient=bureau_clerk, event="problem.assigned").count() == 1
    # The raiser hears who handles it.
    assert Notification.objects.filter(recipient=clerk_a, event="problem.progress").count() == 1


def test_a_deadline_over_national_day_skips_the_holiday(clerk_a, dispatcher, project_a, bureau) -> None:
    with clock.frozen(D(2024, 9, 27)):
        problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau], days=3)
    assert problem.deadline == D(2024, 10, 8)


def test_a_deadline_in_the_past_is_refused_with_a_clear_message(
    clerk_a, dispatcher, project_a, bureau
) -> None:
    problem = raise_problem(clerk_a, project_a)
    before = _state(problem)
    with pytest.raises(ValidationError) as info:
        services.problem_assign(actor=dispatcher, problem=problem, units=[bureau], deadline=D(2024, 12, 1))
    message = info.value.message_dict["deadline"][0]
    assert "2024-12-01" in message and "已经过去" in message and "2024-12-06" in message
    assert _state(problem) == before
    assert not ProblemUnit.objects.exists()


@pytest.mark.parametrize("days", [0, -3, 251])
def test_a_nonsense_deadline_count_is_refused(clerk_a, dispatcher, project_a, bureau, days) -> None:
    problem = raise_problem(clerk_a, project_a)
    with pytest.raises(ValidationError) as info:
        services.problem_assign(actor=dispatcher, problem=problem, units=[bureau], deadline_days=days)
    assert "工作日" in info.value.message_dict["deadline_days"][0]


def test_only_the_dispatcher_assigns(clerk_a, reviewer_a, leader_user, project_a, bureau) -> None:
    problem = raise_problem(clerk_a, project_a)
    for actor in (clerk_a, reviewer_a, leader_user):
        with pytest.raises(PermissionDenied):
            services.problem_assign(actor=actor, problem=problem, units=[bureau], deadline_days=5)


def test_reassigning_to_another_unit_sends_it_back_for_acceptance(
    clerk_a, dispatcher, project_a, bureau, bureau_clerk, unit_b
):
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
    services.problem_assign(actor=dispatcher, problem=problem, units=[unit_b], deadline_days=5)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN
    assert list(problem.units.all()) == [unit_b]
    with pytest.raises(PermissionDenied):
        services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)


# ---------------------------------------------------------------- the lifecycle


def test_the_whole_lifecycle_is_kept_step_by_step(
    clerk_a, dispatcher, project_a, bureau, bureau_clerk
) -> None:
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    steps = [
        (bureau_clerk, ProblemAction.ACCEPT, {}, ProblemStatus.ACCEPTED),
        (bureau_clerk, ProblemAction.START, {"note": "已对接区土储中心"}, ProblemStatus.IN_HAND),
        (bureau_clerk, ProblemAction.PROGRESS, {"note": "指标已上报市局"}, ProblemStatus.IN_HAND),
        (bureau_clerk, ProblemAction.RESOLVE, {"resolution": "市局已下达用地指标"}, ProblemStatus.RESOLVED),
        (clerk_a, ProblemAction.REOPEN, {"note": "指标文号未附"}, ProblemStatus.REOPENED),
        (bureau_clerk, ProblemAction.START, {}, ProblemStatus.IN_HAND),
        (bureau_clerk, ProblemAction.RESOLVE, {"resolution": "已补附指标文号"}, ProblemStatus.RESOLVED),
    ]
    for actor, action, kw, expected in steps:
        services.problem_transition(actor=actor, problem=problem, action=action, **kw)
        problem.refresh_from_db()
        assert problem.status == expected, action
    with clock.frozen(D(2024, 12, 16)):
        services.problem_transition(actor=clerk_a, problem=problem, action=ProblemAction.CLOSE, note="确认")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    assert problem.closed_on == D(2024, 12, 16)
    assert problem.days_to_close == 10
    assert problem.resolution == "已补附指标文号"
    actions = list(problem.events.values_list("action", "from_status", "to_status"))
    assert [a for a, _f, _t in actions] == [
        "raise", "assign", "accept", "start", "progress", "resolve", "reopen", "start", "resolve", "close",
    ]  # fmt: skip
    assert actions[-1] == ("close", "resolved", "closed")
    assert ChangeRecord.objects.filter(object_type="coordination.Problem", action="transition").count() == 8


@pytest.mark.parametrize(
    ("action", "kw", "message"),
    [
        (ProblemAction.RESOLVE, {"resolution": ""}, "请填写办理结果"),
        (ProblemAction.PROGRESS, {"note": ""}, "请填写办理进展"),
    ],
)
def test_steps_that_need_words_refuse_without_them(
    clerk_a, dispatcher, project_a, bureau, bureau_clerk, action, kw, message
):
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
    before = _state(problem)
    with pytest.raises(ValidationError, match=message):
        services.problem_transition(actor=bureau_clerk, problem=problem, action=action, **kw)
    assert _state(problem) == before


def test_a_step_out_of_order_is_refused(clerk_a, dispatcher, project_a, bureau, bureau_clerk) -> None:
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    before = _state(problem)
    with pytest.raises(ValidationError, match="问题当前为“待受理”，不能确认销号"):
        services.problem_transition(actor=clerk_a, problem=problem, action=ProblemAction.CLOSE)
    with pytest.raises(ValidationError, match="未知的操作"):
        services.problem_transition(actor=clerk_a, problem=problem, action="delete")
    assert _state(problem) == before


def test_only_a_responsible_unit_accepts_and_resolves(
    clerk_a, clerk_b, dispatcher, project_a, bureau, unit_b
):
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    before = _state(problem)
    for actor in (clerk_a, clerk_b, dispatcher):
        with pytest.raises(PermissionDenied, match="只有该问题的责任单位可以受理"):
            services.problem_transition(actor=actor, problem=problem, action=ProblemAction.ACCEPT)
    assert _state(problem) == before


def test_a_unit_closing_a_problem_it_does_not_own_changes_nothing(
    clerk_a, dispatcher, project_a, bureau, bureau_clerk
) -> None:
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
    services.problem_transition(
        actor=bureau_clerk, problem=problem, action=ProblemAction.RESOLVE, resolution="已办"
    )
    before = _state(problem)
    notes = Notification.objects.count()
    # The responsible bureau cannot close its own work: the raiser (甲单位) confirms.
    with pytest.raises(PermissionDenied) as info:
        services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.CLOSE)
    assert "甲" in str(info.value) and "确认销号" in str(info.value)
    with pytest.raises(PermissionDenied):
        services.problem_transition(
            actor=bureau_clerk, problem=problem, action=ProblemAction.REOPEN, note="x"
        )
    assert _state(problem) == before
    assert Notification.objects.count() == notes


def test_the_dispatcher_may_confirm_for_a_problem_the_office_raised(
    dispatcher, project_a, bureau, bureau_clerk
) -> None:
    problem = raise_problem(dispatcher, project_a, units=[bureau], deadline_days=5)
    assert problem.raised_unit is None
    services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
    services.problem_transition(
        actor=bureau_clerk, problem=problem, action=ProblemAction.RESOLVE, resolution="已办"
    )
    services.problem_transition(actor=dispatcher, problem=problem, action=ProblemAction.CLOSE)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


# ---------------------------------------------------------------- escalation


def test_target_levels_follow_working_days_late() -> None:
    deadline = D(2024, 9, 27)  # a Friday before National Day
    assert services.target_level(deadline=deadline, today=D(2024, 9, 27)) == EscalationLevel.UNIT
    assert (
        services.target_level(deadline=deadline, today=D(2024, 9, 29)) == EscalationLevel.OFFICE
    )  # make-up day
    # 29, 30 Sep, 8, 9, 10 Oct: five working days late.
    assert services.target_level(deadline=deadline, today=D(2024, 10, 7)) == EscalationLevel.OFFICE
    assert services.target_level(deadline=deadline, today=D(2024, 10, 10)) == EscalationLevel.LEADER
    assert services.target_level(deadline=deadline, today=D(2024, 10, 17)) == EscalationLevel.MEETING
    assert services.target_level(deadline=deadline, today=D(2024, 12, 6)) == EscalationLevel.CITY


def test_overdue_problems_escalate_once_per_level(
    clerk_a, dispatcher, led_project, leader_user, bureau, bureau_clerk
):
    with clock.frozen(D(2024, 11, 1)):
        problem = assigned_problem(clerk_a, dispatcher, led_project, [bureau], days=5)  # due 2024-11-08
    on_time = assigned_problem(clerk_a, dispatcher, led_project, [bureau], days=5)
    with clock.frozen(D(2024, 11, 11)):
        assert services.problems_escalate_overdue(today=D(2024, 11, 11)) == [problem]
        assert services.problems_escalate_overdue(today=D(2024, 11, 11)) == []  # a second run: nothing
    problem.refresh_from_db()
    assert problem.level == EscalationLevel.OFFICE
    assert Notification.objects.filter(recipient=dispatcher, event="problem.escalated").count() == 1
    assert not Notification.objects.filter(recipient=leader_user, event="problem.escalated").exists()
    with clock.frozen(D(2024, 11, 15)):
        services.problems_escalate_overdue(today=D(2024, 11, 15))
    problem.refresh_from_db()
    assert problem.level == EscalationLevel.LEADER
    # The leader in charge hears of it now, urgently.
    note = Notification.objects.get(recipient=leader_user, event="problem.escalated")
    assert note.urgent and "包联领导" in note.title
    events = list(
        problem.events.filter(action=ProblemAction.ESCALATE).values_list("from_level", "to_level", "actor")
    )
    assert events == [(1, 2, None), (2, 3, None)]
    on_time.refresh_from_db()
    assert on_time.level == EscalationLevel.UNIT


def test_resolved_and_closed_problems_do_not_escalate(
    clerk_a, dispatcher, project_a, bureau, bureau_clerk
) -> None:
    with clock.frozen(D(2024, 11, 1)):
        problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau], days=2)
        services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
        services.problem_transition(
            actor=bureau_clerk, problem=problem, action=ProblemAction.RESOLVE, resolution="办"
        )
    assert services.problems_escalate_overdue(today=D(2024, 12, 6)) == []


def test_the_dispatcher_escalates_by_hand(clerk_a, dispatcher, project_a, bureau) -> None:
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    with pytest.raises(ValidationError):
        services.problem_escalate(actor=dispatcher, problem=problem, note="")
    with pytest.raises(PermissionDenied):
        services.problem_escalate(actor=clerk_a, problem=problem, note="请协调")
    services.problem_escalate(actor=dispatcher, problem=problem, note="提请区协调会议")
    problem.refresh_from_db()
    assert problem.level == EscalationLevel.OFFICE


def test_the_daily_task_runs_both_escalations(clerk_a, dispatcher, project_a, bureau) -> None:
    from xianfeng.coordination.tasks import escalate_overdue_task

    with clock.frozen(D(2024, 11, 1)):
        assigned_problem(clerk_a, dispatcher, project_a, [bureau], days=2)
    result = escalate_overdue_task.enqueue(day="2024-12-06")
    assert result.return_value == {"day": "2024-12-06", "problems": 1, "instructions": 0}


def test_the_daily_command(clerk_a, dispatcher, project_a, bureau) -> None:
    from io import StringIO

    from django.core.management import call_command

    with clock.frozen(D(2024, 11, 1)):
        assigned_problem(clerk_a, dispatcher, project_a, [bureau], days=2)
    out = StringIO()
    call_command("coordination_daily", stdout=out)
    assert "升级问题 1 个" in out.getvalue()
    assert Problem.objects.get().level == EscalationLevel.CITY


def test_inactive_users_are_not_notified(clerk_a, project_a, dispatcher) -> None:
    UserFactory(username="gone", role=Role.DISPATCHER, is_active=False)
    raise_problem(clerk_a, project_a)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]
    assert ProblemEvent.objects.count() == 1


def test_refusals_are_worded_in_the_users_language(clerk_a, clerk_b, dispatcher, project_a, bureau) -> None:
    """Service messages are translated when raised (the Chinese ones above are unchanged)."""
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    with translation.override("en"):
        with pytest.raises(ValidationError) as info:
            services.problem_transition(actor=clerk_a, problem=problem, action=ProblemAction.CLOSE)
        assert info.value.messages == [
            "The problem is “Awaiting acceptance”; “Confirm and close” is not possible now"
        ]
        with pytest.raises(PermissionDenied) as denied:
            services.problem_transition(actor=clerk_b, problem=problem, action=ProblemAction.ACCEPT)
        assert str(denied.value) == (
            "Only the problem’s responsible units can do this (“Accept”); 乙 is not a responsible unit"
        )
        with pytest.raises(ValidationError) as info:
            services.problem_assign(
                actor=dispatcher, problem=problem, units=[bureau], deadline=D(2024, 12, 1)
            )
        assert info.value.message_dict["deadline"] == [
            "The deadline 2024-12-01 has passed (today is 2024-12-06); please choose a later date"
        ]
        with pytest.raises(ValidationError) as info:
            raise_problem(clerk_a, project_a, title="  ")
        assert info.value.message_dict["title"] == ["Please fill in “Summary”"]


# ---------------------------------------------------------------- notifications in the site's language


def _sent(user, event: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    note = Notification.objects.filter(recipient=user, event=event).earliest("id")
    return note.title, note.body


HEADLINE = "【甲单位项目】用地问题：用地指标未落实"
DESCRIPTION = "地块用地指标尚未下达，影响土地招拍挂。"


def test_notifications_are_written_in_the_site_language_whoever_acts(
    clerk_a, dispatcher, led_project, bureau, bureau_clerk, unit_b, leader_user
) -> None:
    """Stored once and read by others: an English-speaking actor still sends the Chinese site's text."""
    with translation.override("en"):
        problem = raise_problem(clerk_a, led_project)
        services.problem_assign(actor=dispatcher, problem=problem, units=[bureau, unit_b], deadline_days=10)
        services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
        services.problem_transition(
            actor=bureau_clerk, problem=problem, action=ProblemAction.PROGRESS, note="已报市局"
        )
        with clock.frozen(D(2024, 11, 1)):
            late = assigned_problem(
                clerk_a, dispatcher, led_project, [bureau], days=5, type="funding", title="资金未到位"
            )
        services.problems_escalate_overdue(today=D(2024, 12, 6))
    assert _sent(dispatcher, "problem.raised") == (
        "新问题待交办：用地指标未落实",
        f"{HEADLINE}\n提出：甲单位填报员（甲）\n{DESCRIPTION}",
    )
    assignment = "责任单位：自然资源局（牵头）、乙；办理期限 2024-12-20（10 个工作日）"
    assert _sent(bureau_clerk, "problem.assigned") == (
        "交办问题：用地指标未落实（12月20日前办结）",
        f"{HEADLINE}\n{assignment}\n{DESCRIPTION}",
    )
    to_raiser = Notification.objects.filter(recipient=clerk_a, event="problem.progress").order_by("id")
    assert [(n.title, n.body) for n in to_raiser] == [
        ("问题已交办：用地指标未落实", f"{HEADLINE}\n{assignment}"),
        ("问题受理：用地指标未落实", f"{HEADLINE}\n自然资源局填报员（自然资源局）受理"),
        ("问题办理进展：用地指标未落实", f"{HEADLINE}\n自然资源局填报员（自然资源局）办理进展：已报市局"),
        (
            "问题已交办：资金未到位",
            "【甲单位项目】资金问题：资金未到位\n"
            "责任单位：自然资源局（牵头）；办理期限 2024-11-08（5 个工作日）",
        ),
    ]
    overdue = "超过办理期限 2024-11-08 已 20 个工作日，由责任单位升级至市级协调"
    assert _sent(leader_user, "problem.escalated") == (
        "问题升级至市级协调：资金未到位",
        f"【甲单位项目】资金问题：资金未到位\n{overdue}",
    )
    # The daily job's note in the history is in the site's language too.
    assert late.events.get(action=ProblemAction.ESCALATE).note == overdue
    assert ChangeRecord.objects.filter(reason="受理").count() == 1


def test_an_english_site_notifies_an_assignment_in_english(
    clerk_a, dispatcher, project_a, bureau, bureau_clerk, unit_b
) -> None:
    """Needs the catalogue's English entries for these messages."""
    with override_settings(LANGUAGE_CODE="en"), translation.override("zh-hans"):
        problem = raise_problem(clerk_a, project_a)
        services.problem_assign(actor=dispatcher, problem=problem, units=[bureau, unit_b], deadline_days=10)
    headline = "[甲单位项目] Land problem: 用地指标未落实"
    assignment = "Responsible units: 自然资源局 (lead), 乙; deadline 2024-12-20 (10 working days)"
    assert _sent(bureau_clerk, "problem.assigned") == (
        "Problem assigned to you: 用地指标未落实 (to be resolved by Dec 20)",
        f"{headline}\n{assignment}\n{DESCRIPTION}",
    )
    assert _sent(clerk_a, "problem.progress") == (
        "Problem assigned: 用地指标未落实",
        f"{headline}\n{assignment}",
    )
    assert _sent(dispatcher, "problem.raised") == (
        "New problem to assign: 用地指标未落实",
        f"{headline}\nRaised by: 甲单位填报员 (甲)\n{DESCRIPTION}",
    )
