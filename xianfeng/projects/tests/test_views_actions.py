"""Stage transitions, archive and restore, year entries and milestones through the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from xianfeng.audit.models import ChangeRecord
from xianfeng.projects import services
from xianfeng.projects.choices import Kind, Level, MilestoneKind, Stage
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- transition


def test_transition_to_construction(clerk_a, project_a) -> None:
    url = reverse("projects:transition", args=[project_a.pk])
    client = client_for(clerk_a)
    form = client.get(url).context["form"]
    assert Stage.RESERVE not in dict(form.fields["to_stage"].choices)  # the current stage is not offered
    response = client.post(url, {"to_stage": Stage.CONSTRUCTION, "effective_date": "2024-04-18"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("projects:detail", args=[project_a.pk])
    assert "项目阶段已变更为“在建”" in response.content.decode()
    project_a.refresh_from_db()
    assert project_a.stage == Stage.CONSTRUCTION and project_a.actual_start == dt.date(2024, 4, 18)
    transition = StageTransition.objects.get(project=project_a)
    assert (transition.from_stage, transition.to_stage, transition.actor) == (
        Stage.RESERVE,
        Stage.CONSTRUCTION,
        clerk_a,
    )
    assert Milestone.objects.get(project=project_a, kind=MilestoneKind.START).actual_date == dt.date(
        2024, 4, 18
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"to_stage": Stage.CONSTRUCTION}, "effective_date", "转为在建须填写实际开工日期"),
        ({"to_stage": Stage.CONSTRUCTION, "effective_date": "2025-01-01"}, "effective_date", "不能晚于今天"),
        ({"to_stage": Stage.SUSPENDED}, "reason", "须说明原因"),
        ({"to_stage": Stage.COMPLETED, "effective_date": "2024-06-01"}, "to_stage", "项目尚未开工"),
        ({"to_stage": "flying"}, "to_stage", "取值无效"),
    ],
)
def test_transition_errors_are_shown_and_nothing_changes(dispatcher, project_a, data, field, message) -> None:
    response = client_for(dispatcher).post(reverse("projects:transition", args=[project_a.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors.get(field, [])
    assert any(message in e for e in errors), response.context["form"].errors
    project_a.refresh_from_db()
    assert project_a.stage == Stage.RESERVE and project_a.version == 1
    assert not StageTransition.objects.exists()


# ---------------------------------------------------------------- archive / restore


def test_archive_then_restore(dispatcher, project_a) -> None:
    client = client_for(dispatcher)
    archive = reverse("projects:archive", args=[project_a.pk])
    response = client.post(archive, {"reason": ""})
    assert response.status_code == 200 and "请说明原因" in response.content.decode()
    assert Project.objects.get(pk=project_a.pk).archived_at is None
    assert client.post(archive, {"reason": "与另一项目合并"}).status_code == 302
    project_a.refresh_from_db()
    assert project_a.is_archived and project_a.archive_reason == "与另一项目合并"
    # Gone from the list, present under 已归档; its page says so and offers no edits.
    assert project_a not in client.get(reverse("projects:list")).context["rows"]
    assert project_a in client.get(reverse("projects:list"), {"archived": "1"}).context["rows"]
    detail = client.get(reverse("projects:detail", args=[project_a.pk]))
    assert "已归档" in detail.content.decode() and detail.context["can_change"] is False
    assert client.post(reverse("projects:restore", args=[project_a.pk]), {"reason": ""}).status_code == 302
    project_a.refresh_from_db()
    assert not project_a.is_archived
    actions = list(
        ChangeRecord.objects.filter(object_type="projects.Project", object_id=str(project_a.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["archive", "restore"]


def test_archived_project_refuses_entry_and_milestone_edits(dispatcher, project_a) -> None:
    services.project_archive(actor=dispatcher, project=project_a, reason="撤销")
    client = client_for(dispatcher)
    url = reverse("projects:entry_edit", args=[project_a.pk, 2024])
    response = client.post(url, {"kind": Kind.RESERVE, "level": Level.CITY, "version": "1"})
    assert response.status_code == 302
    assert ProgrammeEntry.objects.get(project=project_a).level == Level.DISTRICT
    response = client.post(
        reverse("projects:milestones", args=[project_a.pk]), {"land-planned_date": "2024-06-01"}
    )
    assert response.status_code == 302 and not Milestone.objects.exists()


# ---------------------------------------------------------------- year entry


def test_entry_edit_updates_with_version(clerk_a, project_a) -> None:
    url = reverse("projects:entry_edit", args=[project_a.pk, 2024])
    client = client_for(clerk_a)
    form = client.get(url).context["form"]
    assert form.initial["version"] == 1 and form.initial["planned_investment"] == Decimal("2000.00")
    data = {
        "kind": Kind.NEW_START,
        "level": Level.PROVINCE,
        "planned_investment": "3,500.5",
        "planned_start_month": "9",
        "invested_ytd": "1200",
        "invested_as_of": "2024-11-30",
        "version": "1",
    }
    assert client.post(url, data).status_code == 302
    entry = ProgrammeEntry.objects.get(project=project_a, year=2024)
    assert (entry.kind, entry.level, entry.planned_investment, entry.planned_start_month) == (
        Kind.NEW_START,
        Level.PROVINCE,
        Decimal("3500.50"),
        9,
    )
    assert entry.invested_ytd == Decimal("1200.00") and entry.version == 2
    # The same stale form again: refused, nothing changes.
    response = client.post(url, {**data, "planned_investment": "1"})
    assert response.status_code == 200
    assert any("已被他人修改" in e for e in response.context["form"].non_field_errors())
    assert ProgrammeEntry.objects.get(pk=entry.pk).planned_investment == Decimal("3500.50")


def test_entry_edit_creates_a_missing_year(dispatcher, project_a) -> None:
    url = reverse("projects:entry_edit", args=[project_a.pk, 2025])
    client = client_for(dispatcher)
    assert client.get(url).context["entry"] is None
    response = client.post(
        url, {"kind": Kind.CONTINUING, "level": Level.DISTRICT, "planned_investment": "800", "version": "0"}
    )
    assert response.status_code == 302
    assert ProgrammeEntry.objects.get(project=project_a, year=2025).planned_investment == Decimal("800.00")


def test_entry_edit_errors(dispatcher, project_a) -> None:
    url = reverse("projects:entry_edit", args=[project_a.pk, 2024])
    client = client_for(dispatcher)
    response = client.post(
        url, {"kind": Kind.NEW_START, "level": Level.CITY, "planned_investment": "-3", "version": "1"}
    )
    assert any("不能为负数" in e for e in response.context["form"].errors["planned_investment"])
    response = client.post(url, {"kind": Kind.NEW_START, "level": Level.CITY, "version": "1"})
    assert any(
        "新开工项目须填写计划开工月份" in e for e in response.context["form"].errors["planned_start_month"]
    )
    response = client.post(
        url, {"kind": Kind.CONTINUING, "level": Level.CITY, "invested_as_of": "2023-12-31", "version": "1"}
    )
    assert any("须在 2024 年内" in e for e in response.context["form"].errors["invested_as_of"])
    assert ProgrammeEntry.objects.get(project=project_a).version == 1
    assert client.get(reverse("projects:entry_edit", args=[project_a.pk, 1999])).status_code == 404


# ---------------------------------------------------------------- milestones


def test_milestones_save_changed_rows_only(dispatcher, project_a) -> None:
    url = reverse("projects:milestones", args=[project_a.pk])
    client = client_for(dispatcher)
    forms = client.get(url).context["forms"]
    assert [f.kind for f in forms] == [m.value for m in MilestoneKind]
    assert {f.kind for f in forms if f.readonly} == {"start", "completion", "operation"}
    data = {
        "approval-actual_date": "2024-02-01",
        "approval-note": "区发改局立项批复",
        "land-planned_date": "2024-09-30",
        "start-actual_date": "2024-01-01",  # read-only: ignored
    }
    assert client.post(url, data).status_code == 302
    saved = {m.kind: m for m in Milestone.objects.filter(project=project_a)}
    assert set(saved) == {"approval", "land"}
    assert (
        saved["approval"].actual_date == dt.date(2024, 2, 1) and saved["approval"].note == "区发改局立项批复"
    )
    assert saved["land"].planned_date == dt.date(2024, 9, 30) and saved["land"].actual_date is None
    assert ChangeRecord.objects.filter(object_type="projects.Milestone").count() == 2


def test_milestones_all_or_nothing(dispatcher, project_a) -> None:
    url = reverse("projects:milestones", args=[project_a.pk])
    data = {
        "approval-actual_date": "2024-02-01",
        "land-actual_date": "2025-03-01",
    }  # the second is in the future
    response = client_for(dispatcher).post(url, data)
    assert response.status_code == 200
    land = next(f for f in response.context["forms"] if f.kind == "land")
    assert any("不能晚于今天" in e for e in land.errors["actual_date"])
    assert not Milestone.objects.exists() and not ChangeRecord.objects.exists()
