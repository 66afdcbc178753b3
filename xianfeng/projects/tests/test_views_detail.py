"""A project's page: fields, year entries, milestones, stage history, change history, buttons by role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from xianfeng.projects import services
from xianfeng.projects.choices import MilestoneKind, Stage

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def worked_project(dispatcher, project_a):  # type: ignore[no-untyped-def]
    """project_a with an edit, a transition, a milestone and an entry change, all through services."""
    services.project_update(
        actor=dispatcher,
        project=project_a,
        fields={"owner": "青岛海创公司", "latitude": Decimal("36.1"), "longitude": Decimal("120.6")},
    )
    services.project_transition(
        actor=dispatcher, project=project_a, to_stage=Stage.CONSTRUCTION, effective_date=dt.date(2024, 5, 6)
    )
    services.milestone_save(
        actor=dispatcher,
        project=project_a,
        kind=MilestoneKind.LAND,
        planned_date=dt.date(2024, 3, 1),
        actual_date=dt.date(2024, 3, 20),
        note="挂牌出让",
    )
    services.programme_entry_save(
        actor=dispatcher, project=project_a, year=2024, fields={"planned_investment": Decimal("2500")}
    )
    project_a.refresh_from_db()
    return project_a


def test_detail_shows_fields_entries_timeline_transitions_and_history(dispatcher, worked_project) -> None:
    response = client_for(dispatcher).get(reverse("projects:detail", args=[worked_project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲单位项目" in html and "青岛海创公司" in html and "北纬 36.100000，东经 120.600000" in html
    assert [e.year for e in response.context["entries"]] == [2024]
    timeline = {item["kind"]: item for item in response.context["timeline"]}
    assert list(timeline) == [m.value for m in MilestoneKind]
    assert timeline["land"]["done"] and timeline["start"]["done"] and not timeline["approval"]["done"]
    assert "挂牌出让" in html
    [transition] = response.context["transitions"]
    assert (transition.from_stage, transition.to_stage) == (Stage.RESERVE, Stage.CONSTRUCTION)
    history = response.context["history"]
    subjects = [row["subject"] for row in history]
    assert "年度计划" in subjects and "节点" in subjects and "项目" in subjects
    changes = [c for row in history for c in row["changes"]]
    # Choices are shown by label, not code.
    assert {"label": "项目阶段", "old": "储备", "new": "在建"} in changes
    assert {"label": "年度计划投资（万元）", "old": "2,000", "new": "2,500"} in changes
    assert {"label": "建设单位", "old": "—", "new": "青岛海创公司"} in changes
    assert response.context["can_change"] and response.context["can_archive"]
    for name in ["edit", "transition", "milestones", "archive"]:
        assert reverse(f"projects:{name}", args=[worked_project.pk]) in html


def test_leader_sees_read_only(leader_user, worked_project) -> None:
    response = client_for(leader_user).get(reverse("projects:detail", args=[worked_project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert not response.context["can_change"] and not response.context["can_archive"]
    for name in ["edit", "transition", "milestones", "archive"]:
        assert reverse(f"projects:{name}", args=[worked_project.pk]) not in html
    assert reverse("projects:entry_edit", args=[worked_project.pk, 2024]) not in html


def test_clerk_can_edit_but_not_archive(clerk_a, worked_project) -> None:
    response = client_for(clerk_a).get(reverse("projects:detail", args=[worked_project.pk]))
    assert response.context["can_change"] and not response.context["can_archive"]
    assert reverse("projects:archive", args=[worked_project.pk]) not in response.content.decode()


def test_detail_query_count_does_not_grow_with_history(
    dispatcher, worked_project, django_assert_num_queries
) -> None:
    client = client_for(dispatcher)
    url = reverse("projects:detail", args=[worked_project.pk])
    with django_assert_num_queries(11):  # 8 + one per registered link provider
        client.get(url)
    for n in range(5):
        services.project_update(actor=dispatcher, project=worked_project, fields={"owner": f"建设单位{n}"})
    with django_assert_num_queries(11):  # 8 + one per registered link provider
        client.get(url)
