"""What the change log records: snapshots, diffs, and the rows record_create/record_update write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.audit.services import change_record, diff, record_create, record_update, snapshot
from xianfeng.org.choices import Role
from xianfeng.org.models import Department, User
from xianfeng.org.services import api_token_create, api_token_revoke, user_create
from xianfeng.projects.models import Project
from xianfeng.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_snapshot_plain_values_and_skipped_columns(unit_a) -> None:  # type: ignore[no-untyped-def]
    project = ProjectFactory(
        name="测试",
        lead_unit=unit_a,
        total_investment=Decimal("10000.00"),
        land_area=Decimal("12.50"),
        planned_start=dt.date(2024, 3, 1),
    )
    snap = snapshot(project)
    assert snap["lead_unit"] == {"id": unit_a.pk, "label": "甲"}
    assert snap["chain"] is None
    assert snap["total_investment"] == "10000"  # no trailing zeros, no exponent
    assert snap["land_area"] == "12.5"
    assert snap["planned_start"] == "2024-03-01"
    for skipped in ["id", "created_at", "updated_at", "version", "search_text"]:
        assert skipped not in snap
    assert set(snapshot(project, ["name", "stage", "version"])) == {"name", "stage"}


def test_diff_lists_only_changed_fields_with_labels() -> None:
    before = {"name": "甲", "stage": "reserve", "owner": ""}
    after = {"name": "乙", "stage": "reserve", "owner": "", "ghost": 1}
    assert diff(Project, before, after) == {
        "ghost": {"label": "ghost", "old": None, "new": 1},  # unknown field: its name as label
        "name": {"label": "项目名称", "old": "甲", "new": "乙"},
    }
    assert diff(Project, before, dict(before)) == {}


def test_record_create_logs_every_field_as_new(dispatcher, unit_a) -> None:  # type: ignore[no-untyped-def]
    project = ProjectFactory(name="新项目", lead_unit=unit_a)
    record_create(actor=dispatcher, instance=project, reason="年初下达", request_id="batch-1")
    row = ChangeRecord.objects.get()
    assert (row.action, row.object_type, row.object_id, row.object_repr) == (
        "create",
        "projects.Project",
        str(project.pk),
        "新项目",
    )
    assert (row.actor, row.actor_name, row.reason, row.request_id) == (
        dispatcher,
        "调度员爱丽丝",
        "年初下达",
        "batch-1",
    )
    assert row.changes["name"] == {"label": "项目名称", "old": None, "new": "新项目"}
    assert row.changes["lead_unit"]["new"] == {"id": unit_a.pk, "label": "甲"}
    assert "chain" not in row.changes  # None → None is no change
    assert timezone.localtime(row.at).date() == dt.date(2024, 12, 6)  # the frozen "today"


def test_record_update_logs_the_diff_or_nothing(dispatcher, project_a) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(project_a)
    assert record_update(actor=dispatcher, instance=project_a, before=before) is False
    assert ChangeRecord.objects.count() == 0

    project_a.name = "改名后"
    project_a.total_investment = Decimal("12000.50")
    project_a.save()
    assert record_update(actor=dispatcher, instance=project_a, before=before, reason="调整") is True
    row = ChangeRecord.objects.get()
    assert row.action == "update" and row.reason == "调整"
    assert row.changes == {
        "name": {"label": "项目名称", "old": "甲单位项目", "new": "改名后"},
        "total_investment": {"label": "总投资（万元）", "old": "10000", "new": "12000.5"},
    }


def test_record_update_with_another_action_logs_even_without_changes(dispatcher, project_a) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(project_a)
    assert record_update(
        actor=dispatcher, instance=project_a, before=before, action=ChangeAction.RESTORE, reason="误归档"
    )
    row = ChangeRecord.objects.get()
    assert (row.action, row.changes, row.reason) == ("restore", {}, "误归档")


def test_change_record_without_actor_is_the_system() -> None:
    row = change_record(
        actor=None, action=ChangeAction.IMPORT, object_type="projects.Project", object_repr="x" * 400
    )
    assert row.actor is None and row.actor_name == "系统"
    assert len(row.object_repr) == 300


def test_no_password_or_token_hash_reaches_the_log(unit_a, argon2_hashing) -> None:  # type: ignore[no-untyped-def]
    user = user_create(
        username="zhang",
        password="S3cret-pass!",
        full_name="张三",
        role=Role.UNIT_REPORTER,
        department=unit_a,
    )
    assert user.password.startswith("argon2")
    row = ChangeRecord.objects.get(object_type="org.User")
    assert "password" not in row.changes
    assert row.changes["role"]["new"] == "unit_reporter"
    assert row.changes["department"]["new"] == {"id": unit_a.pk, "label": "甲"}

    token, key = api_token_create(user=user, name="对接")
    api_token_revoke(token=token)
    api_token_revoke(token=token)  # idempotent: no second row, first time kept
    rows = list(ChangeRecord.objects.filter(object_type="org.ApiToken").order_by("id"))
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[0].actor == user and rows[0].changes["prefix"]["new"] == key[3:11]
    assert list(rows[1].changes) == ["revoked_at"]
    text = str([r.changes for r in ChangeRecord.objects.all()])
    assert key not in text and token.key_hash not in text and "S3cret" not in text
    assert user.password not in text


def test_user_create_requires_a_unit_for_unit_roles() -> None:
    with pytest.raises(ValueError, match="责任单位"):
        user_create(username="x", password="S3cret-pass!", full_name="x", role=Role.UNIT_REVIEWER)
    assert not User.objects.exists() and not ChangeRecord.objects.exists()
    assert Department.objects.count() == 0
