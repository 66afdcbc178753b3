from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.audit.models import ChangeRecord
from xianfeng.lib.errors import ConflictError
from xianfeng.projects import services
from xianfeng.projects.choices import Category, Kind, Level, MilestoneKind, Stage
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

pytestmark = pytest.mark.django_db


def _fields(unit, **extra):  # type: ignore[no-untyped-def]
    base = {
        "name": "崂山区人民医院",
        "category": Category.LIVELIHOOD,
        "lead_unit": unit,
        "total_investment": Decimal("150000"),
        "national_code": "2024-370212-84-01-000123",
    }
    base.update(extra)
    return base


def test_create_assigns_internal_code_and_logs(dispatcher, unit_a) -> None:
    project = services.project_create(
        actor=dispatcher,
        fields=_fields(unit_a),
        entry={
            "kind": Kind.NEW_START,
            "level": Level.CITY,
            "planned_investment": Decimal(20000),
            "planned_start_month": 5,
        },
        year=2024,
    )
    assert project.internal_code == "XF2024-00001"
    assert project.code == "2024-370212-84-01-000123"
    assert "rmyy" in project.search_text  # pinyin initials of 人民医院
    entry = ProgrammeEntry.objects.get(project=project, year=2024)
    assert entry.kind == Kind.NEW_START and entry.planned_start_month == 5
    record = ChangeRecord.objects.get(object_type="projects.Project", object_id=str(project.pk))
    assert record.action == "create" and record.actor == dispatcher
    assert record.changes["name"]["new"] == "崂山区人民医院"
    assert record.changes["total_investment"] == {"label": "总投资（万元）", "old": None, "new": "150000"}
    second = services.project_create(
        actor=dispatcher, fields=_fields(unit_a, national_code="", name="乙"), year=2024
    )
    assert second.internal_code == "XF2024-00002" and second.code == "XF2024-00002"


@pytest.mark.parametrize(
    ("extra", "field", "text"),
    [
        ({"national_code": "2024-370212-47-05-000001"}, "national_code", "第4段（类型代码）"),
        ({"total_investment": Decimal("-5")}, "total_investment", ""),
        ({"land_area": Decimal("0")}, "land_area", ""),
        (
            {"planned_start": dt.date(2024, 5, 1), "planned_completion": dt.date(2024, 4, 1)},
            "planned_completion",
            "不能早于计划开工时间",
        ),
        ({"planned_start": dt.date(2224, 5, 1)}, "planned_start", "超出范围"),
        ({"latitude": Decimal("80")}, "latitude", ""),
        ({"stage": Stage.CONSTRUCTION}, "actual_start", "须填写实际开工时间"),
        ({"stage": Stage.CONSTRUCTION, "actual_start": dt.date(2025, 1, 1)}, "actual_start", "不能晚于今天"),
    ],
)
def test_create_refuses_bad_values_and_writes_nothing(dispatcher, unit_a, extra, field, text) -> None:
    with pytest.raises(ValidationError) as info:
        services.project_create(actor=dispatcher, fields=_fields(unit_a, **extra), year=2024)
    assert field in info.value.message_dict
    assert text in " ".join(info.value.message_dict[field])
    assert Project.objects.count() == 0
    assert ChangeRecord.objects.count() == 0


def test_duplicate_national_code_is_refused(dispatcher, unit_a) -> None:
    services.project_create(actor=dispatcher, fields=_fields(unit_a), year=2024)
    with pytest.raises(ValidationError, match="已被项目"):
        services.project_create(actor=dispatcher, fields=_fields(unit_a, name="另一个"), year=2024)
    assert Project.objects.count() == 1


def test_unit_clerk_creates_only_in_own_unit(clerk_a, unit_a, unit_b) -> None:
    project = services.project_create(actor=clerk_a, fields=_fields(unit_a), year=2024)
    assert project.lead_unit == unit_a
    with pytest.raises(ValidationError, match="本单位"):
        services.project_create(actor=clerk_a, fields=_fields(unit_b, national_code=""), year=2024)
    assert Project.objects.count() == 1


@pytest.mark.parametrize("role_fixture", ["leader_user", "admin_user", "auditor", "reviewer_a"])
def test_other_roles_cannot_create(request, role_fixture, unit_a) -> None:
    actor = request.getfixturevalue(role_fixture)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.project_create(actor=actor, fields=_fields(unit_a), year=2024)
    assert Project.objects.count() == 0


def test_update_logs_old_and_new_and_bumps_version(dispatcher, project_a) -> None:
    updated = services.project_update(
        actor=dispatcher,
        project=project_a,
        fields={"total_investment": Decimal("12345.6")},
        expected_version=1,
    )
    assert updated.version == 2
    record = ChangeRecord.objects.get(action="update")
    assert record.changes == {
        "total_investment": {"label": "总投资（万元）", "old": "10000", "new": "12345.6"}
    }


def test_update_with_no_change_writes_nothing(dispatcher, project_a) -> None:
    services.project_update(actor=dispatcher, project=project_a, fields={"name": project_a.name})
    assert ChangeRecord.objects.count() == 0
    project_a.refresh_from_db()
    assert project_a.version == 1


def test_stale_version_gets_conflict_and_nothing_is_overwritten(dispatcher, clerk_a, project_a) -> None:
    services.project_update(actor=clerk_a, project=project_a, fields={"owner": "甲公司"}, expected_version=1)
    with pytest.raises(ConflictError, match="已被他人修改"):
        services.project_update(
            actor=dispatcher, project=project_a, fields={"owner": "乙公司"}, expected_version=1
        )
    project_a.refresh_from_db()
    assert project_a.owner == "甲公司"


def test_clerk_cannot_update_other_units_project(clerk_b, project_a) -> None:
    with pytest.raises(PermissionDenied):
        services.project_update(actor=clerk_b, project=project_a, fields={"owner": "X"})
    with pytest.raises(PermissionDenied):
        services.project_transition(
            actor=clerk_b, project=project_a, to_stage=Stage.CONSTRUCTION, effective_date=dt.date(2024, 3, 1)
        )
    project_a.refresh_from_db()
    assert project_a.owner == "" and project_a.stage == Stage.RESERVE


def test_leader_reads_but_cannot_write(leader_user, project_a) -> None:
    assert Project.objects.restrict(leader_user, "view").filter(pk=project_a.pk).exists()
    with pytest.raises(PermissionDenied):
        services.project_update(actor=leader_user, project=project_a, fields={"owner": "X"})


def test_stage_cannot_be_edited_directly(dispatcher, project_a) -> None:
    with pytest.raises(ValidationError, match="阶段"):
        services.project_update(actor=dispatcher, project=project_a, fields={"stage": Stage.CONSTRUCTION})


# ---------------------------------------------------------------- transitions


def test_reserve_to_construction_sets_start_and_keeps_history(dispatcher, project_a) -> None:
    transition = services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.CONSTRUCTION, effective_date=dt.date(2024, 4, 15)
    )
    project_a.refresh_from_db()
    assert project_a.stage == Stage.CONSTRUCTION
    assert project_a.actual_start == dt.date(2024, 4, 15)
    assert (transition.from_stage, transition.to_stage, transition.actor) == (
        "reserve",
        "construction",
        dispatcher,
    )
    assert Milestone.objects.get(project=project_a, kind=MilestoneKind.START).actual_date == dt.date(
        2024, 4, 15
    )
    record = ChangeRecord.objects.get(action="transition")
    assert record.changes["stage"]["old"] == "reserve" and record.changes["stage"]["new"] == "construction"
    assert record.changes["actual_start"]["new"] == "2024-04-15"


def test_construction_needs_a_start_date_not_in_the_future(dispatcher, project_a) -> None:
    with pytest.raises(ValidationError, match="实际开工日期"):
        services.project_transition(actor=dispatcher, project=project_a, to_stage=Stage.CONSTRUCTION)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.project_transition(
            actor=dispatcher,
            project=project_a,
            to_stage=Stage.CONSTRUCTION,
            effective_date=dt.date(2024, 12, 7),
        )
    assert StageTransition.objects.count() == 0


def test_completion_must_follow_start(dispatcher, project_a) -> None:
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.CONSTRUCTION, effective_date=dt.date(2024, 4, 15)
    )
    with pytest.raises(ValidationError, match="须晚于实际开工日期"):
        services.project_transition(
            actor=dispatcher, project=project_a, to_stage=Stage.COMPLETED, effective_date=dt.date(2024, 4, 15)
        )
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.COMPLETED, effective_date=dt.date(2024, 11, 30)
    )
    project_a.refresh_from_db()
    assert project_a.actual_completion == dt.date(2024, 11, 30)
    with pytest.raises(ValidationError, match="不能早于实际竣工日期"):
        services.project_transition(
            actor=dispatcher, project=project_a, to_stage=Stage.OPERATING, effective_date=dt.date(2024, 11, 1)
        )
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.OPERATING, effective_date=dt.date(2024, 12, 1)
    )
    assert Milestone.objects.get(project=project_a, kind=MilestoneKind.OPERATION).actual_date == dt.date(
        2024, 12, 1
    )


def test_completed_straight_from_reserve_is_refused(dispatcher, project_a) -> None:
    with pytest.raises(ValidationError, match="尚未开工"):
        services.project_transition(
            actor=dispatcher, project=project_a, to_stage=Stage.COMPLETED, effective_date=dt.date(2024, 4, 15)
        )


@pytest.mark.parametrize("to_stage", [Stage.SUSPENDED, Stage.CANCELLED, Stage.PLANNING])
def test_backwards_suspend_and_cancel_need_a_reason(dispatcher, project_a, to_stage) -> None:
    with pytest.raises(ValidationError, match="须说明原因"):
        services.project_transition(actor=dispatcher, project=project_a, to_stage=to_stage, reason="  ")
    services.project_transition(actor=dispatcher, project=project_a, to_stage=to_stage, reason="用地未落实")
    assert StageTransition.objects.get().reason == "用地未落实"


def test_going_back_before_construction_clears_the_start(dispatcher, project_a) -> None:
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.CONSTRUCTION, effective_date=dt.date(2024, 4, 15)
    )
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.RESERVE, reason="误报开工"
    )
    project_a.refresh_from_db()
    assert project_a.actual_start is None
    assert Milestone.objects.get(project=project_a, kind=MilestoneKind.START).actual_date is None


def test_suspend_and_resume_keeps_the_start(dispatcher, project_a) -> None:
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.CONSTRUCTION, effective_date=dt.date(2024, 4, 15)
    )
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.SUSPENDED, reason="资金未到位"
    )
    services.project_transition(actor=dispatcher, project=project_a, to_stage=Stage.CONSTRUCTION)
    project_a.refresh_from_db()
    assert project_a.stage == Stage.CONSTRUCTION and project_a.actual_start == dt.date(2024, 4, 15)
    assert StageTransition.objects.count() == 3


def test_same_stage_and_unknown_stage_are_refused(dispatcher, project_a) -> None:
    with pytest.raises(ValidationError, match="已处于"):
        services.project_transition(actor=dispatcher, project=project_a, to_stage=Stage.RESERVE)
    with pytest.raises(ValidationError, match="未知的项目阶段"):
        services.project_transition(actor=dispatcher, project=project_a, to_stage="flying")


# ---------------------------------------------------------------- archive, entries, milestones


def test_archive_needs_dispatcher_and_reason_and_never_deletes(dispatcher, clerk_a, project_a) -> None:
    with pytest.raises(PermissionDenied):
        services.project_archive(actor=clerk_a, project=project_a, reason="重复录入")
    with pytest.raises(ValidationError, match="须说明原因"):
        services.project_archive(actor=dispatcher, project=project_a, reason="")
    services.project_archive(actor=dispatcher, project=project_a, reason="重复录入")
    project_a.refresh_from_db()
    assert project_a.is_archived and Project.objects.filter(pk=project_a.pk).exists()
    with pytest.raises(ValidationError, match="已归档"):
        services.project_update(actor=dispatcher, project=project_a, fields={"owner": "X"})
    services.project_restore(actor=dispatcher, project=project_a, reason="误归档")
    project_a.refresh_from_db()
    assert not project_a.is_archived
    assert list(ChangeRecord.objects.order_by("id").values_list("action", flat=True)) == [
        "archive",
        "restore",
    ]


def test_entry_rules(dispatcher, project_a) -> None:
    with pytest.raises(ValidationError, match="计划开工月份"):
        services.programme_entry_save(
            actor=dispatcher, project=project_a, year=2024, fields={"kind": Kind.NEW_START}
        )
    with pytest.raises(ValidationError):
        services.programme_entry_save(
            actor=dispatcher, project=project_a, year=2024, fields={"planned_investment": Decimal("-1")}
        )
    with pytest.raises(ValidationError):
        services.programme_entry_save(
            actor=dispatcher,
            project=project_a,
            year=2024,
            fields={"planned_start_month": 13, "kind": "new_start"},
        )
    entry = services.programme_entry_save(
        actor=dispatcher, project=project_a, year=2025, fields={"kind": Kind.RESERVE, "level": Level.CITY}
    )
    assert entry.planned_investment == 0 and entry.year == 2025
    assert ProgrammeEntry.objects.filter(project=project_a).count() == 2


def test_lifecycle_milestones_move_only_by_transition(dispatcher, project_a) -> None:
    with pytest.raises(ValidationError, match="阶段变更"):
        services.milestone_save(
            actor=dispatcher,
            project=project_a,
            kind=MilestoneKind.START,
            planned_date=None,
            actual_date=dt.date(2024, 1, 1),
        )
    milestone = services.milestone_save(
        actor=dispatcher,
        project=project_a,
        kind=MilestoneKind.LAND,
        planned_date=dt.date(2024, 3, 1),
        actual_date=dt.date(2024, 2, 20),
        note="土地挂牌成交",
    )
    assert milestone.is_done
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.milestone_save(
            actor=dispatcher,
            project=project_a,
            kind=MilestoneKind.APPROVAL,
            planned_date=None,
            actual_date=dt.date(2025, 1, 1),
        )
