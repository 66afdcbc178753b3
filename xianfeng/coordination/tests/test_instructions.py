"""Leaders' instructions (批示): written by leaders, answered by the units, late replies escalate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.coordination import services
from xianfeng.coordination.choices import InstructionStatus, ProblemAction, ProblemStatus
from xianfeng.coordination.models import Instruction, InstructionReply
from xianfeng.coordination.tests.helpers import assigned_problem
from xianfeng.lib import clock
from xianfeng.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_leader_instructs_on_a_problem_and_the_responsible_units_must_reply(
    clerk_a, dispatcher, led_project, leader_user, leader_row, bureau, bureau_clerk, unit_b, clerk_b
) -> None:
    problem = assigned_problem(clerk_a, dispatcher, led_project, [bureau, unit_b])
    instruction = services.instruction_create(
        actor=leader_user, problem=problem, text="请自然资源局牵头，两周内拿出方案。", reply_days=5
    )
    assert instruction.leader == leader_row
    assert instruction.project == led_project
    assert instruction.reply_deadline == D(2024, 12, 13)
    assert set(instruction.units.all()) == {bureau, unit_b}
    assert problem.events.filter(action=ProblemAction.INSTRUCT).count() == 1
    for user in (bureau_clerk, clerk_b, dispatcher):
        note = Notification.objects.get(recipient=user, event="instruction.issued")
        assert note.urgent
    services.instruction_reply(actor=bureau_clerk, instruction=instruction, text="已组织会商，方案下周报送。")
    instruction.refresh_from_db()
    assert instruction.status == InstructionStatus.AWAITING  # 乙单位 has not replied yet
    assert Notification.objects.filter(recipient=leader_user, event="instruction.replied").count() == 1
    services.instruction_reply(actor=clerk_b, instruction=instruction, text="配合做好征迁摸底。")
    instruction.refresh_from_db()
    assert instruction.status == InstructionStatus.REPLIED
    assert problem.events.filter(action=ProblemAction.REPLY).count() == 2


def test_an_instruction_on_a_project_goes_to_its_lead_unit(led_project, leader_user, clerk_a, unit_a) -> None:
    instruction = services.instruction_create(
        actor=leader_user, project=led_project, text="加快开工", reply_days=3
    )
    assert list(instruction.units.all()) == [unit_a]
    assert Notification.objects.filter(recipient=clerk_a, event="instruction.issued").exists()


def test_only_leaders_write_instructions(dispatcher, clerk_a, led_project) -> None:
    for actor in (dispatcher, clerk_a):
        with pytest.raises(PermissionDenied):
            services.instruction_create(actor=actor, project=led_project, text="x", reply_days=3)
    assert not Instruction.objects.exists()


@pytest.mark.parametrize(
    ("text", "days", "field"), [("", 3, "text"), ("请办", 0, "reply_days"), ("请办", 61, "reply_days")]
)
def test_instruction_input_is_checked(leader_user, led_project, text, days, field) -> None:
    with pytest.raises(ValidationError) as info:
        services.instruction_create(actor=leader_user, project=led_project, text=text, reply_days=days)
    assert field in info.value.message_dict
    assert not Instruction.objects.exists()


def test_only_named_units_reply(leader_user, led_project, clerk_b, dispatcher) -> None:
    instruction = services.instruction_create(
        actor=leader_user, project=led_project, text="加快开工", reply_days=3
    )
    for actor in (clerk_b, dispatcher, leader_user):
        with pytest.raises(PermissionDenied):
            services.instruction_reply(actor=actor, instruction=instruction, text="收到")
    assert not InstructionReply.objects.exists()


def test_a_reply_to_a_closed_item_is_refused(
    clerk_a, dispatcher, led_project, leader_user, bureau, bureau_clerk
) -> None:
    problem = assigned_problem(clerk_a, dispatcher, led_project, [bureau])
    instruction = services.instruction_create(
        actor=leader_user, problem=problem, text="请尽快办结", reply_days=5
    )
    services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
    services.problem_transition(
        actor=bureau_clerk, problem=problem, action=ProblemAction.RESOLVE, resolution="已办"
    )
    services.problem_transition(actor=clerk_a, problem=problem, action=ProblemAction.CLOSE)
    instruction.refresh_from_db()
    assert instruction.status == InstructionStatus.CLOSED  # closed with its problem
    with pytest.raises(ValidationError, match="已销号，不能再回复"):
        services.instruction_reply(actor=bureau_clerk, instruction=instruction, text="补充说明")
    with pytest.raises(ValidationError, match="已销号，不能再批示"):
        services.instruction_create(actor=leader_user, problem=problem, text="再批", reply_days=3)
    assert not InstructionReply.objects.exists()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


def test_a_closed_instruction_takes_no_reply(leader_user, led_project, clerk_a, dispatcher) -> None:
    instruction = services.instruction_create(
        actor=leader_user, project=led_project, text="加快开工", reply_days=3
    )
    services.instruction_close(actor=dispatcher, instruction=instruction)
    with pytest.raises(ValidationError, match="该批示已办结，不能再回复"):
        services.instruction_reply(actor=clerk_a, instruction=instruction, text="收到")
    with pytest.raises(ValidationError, match="已办结"):
        services.instruction_close(actor=leader_user, instruction=instruction)


def test_a_late_reply_escalates_to_the_dispatcher_and_leader_once(
    leader_user, led_project, clerk_a, dispatcher, reviewer_a
) -> None:
    with clock.frozen(D(2024, 11, 25)):
        instruction = services.instruction_create(
            actor=leader_user, project=led_project, text="加快开工", reply_days=3
        )
    assert instruction.reply_deadline == D(2024, 11, 28)
    assert services.instructions_escalate_overdue(today=D(2024, 11, 28)) == []
    assert services.instructions_escalate_overdue(today=D(2024, 11, 29)) == [instruction]
    assert services.instructions_escalate_overdue(today=D(2024, 11, 30)) == []
    for user in (leader_user, dispatcher):
        note = Notification.objects.get(recipient=user, event="instruction.overdue")
        assert note.urgent and "甲" in note.body
    # The unit that still owes the reply is told too.
    assert Notification.objects.filter(recipient=clerk_a, event="instruction.overdue").exists()
    reply = services.instruction_reply(actor=reviewer_a, instruction=instruction, text="已开工准备")
    assert reply.late is True
