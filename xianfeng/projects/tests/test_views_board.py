"""The pipeline board: four columns by kind, cards coloured by status, the list's filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from xianfeng.projects.choices import Kind, Stage
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_board_columns_cards_and_filters(dispatcher, unit_a, unit_b) -> None:
    started = ProjectFactory(
        name="已开工新项目", lead_unit=unit_a, stage=Stage.CONSTRUCTION, actual_start=dt.date(2024, 3, 5)
    )
    ProgrammeEntryFactory(
        project=started, kind=Kind.NEW_START, planned_start_month=4, planned_investment=Decimal("100")
    )
    late = ProjectFactory(name="滞后新项目", lead_unit=unit_b)
    ProgrammeEntryFactory(
        project=late, kind=Kind.NEW_START, planned_start_month=6, planned_investment=Decimal("300")
    )
    ProgrammeEntryFactory(project=ProjectFactory(name="储备项目", lead_unit=unit_a), kind=Kind.RESERVE)
    client = client_for(dispatcher)
    response = client.get(reverse("projects:board"))
    assert response.status_code == 200
    columns = {c.kind: c for c in response.context["columns"]}
    assert [c.label for c in response.context["columns"]] == ["新开工", "续建", "储备", "谋划"]
    assert columns["new_start"].count == 2 and columns["new_start"].planned_investment == Decimal("400")
    status = {card.project.name: card.status for card in columns["new_start"].cards}
    assert status == {"已开工新项目": "ok", "滞后新项目": "late"}
    html = response.content.decode()
    assert "抓开工" in html and "xf-status-late" in html and "已开工 1/2" in html
    assert reverse("projects:detail", args=[late.pk]) in html
    filtered = client.get(reverse("projects:board"), {"unit": unit_a.pk})
    names = [card.project.name for c in filtered.context["columns"] for card in c.cards]
    assert sorted(names) == ["储备项目", "已开工新项目"]
    assert client.get(reverse("projects:board"), {"year": "2023"}).context["total_count"] == 0


def test_board_is_scoped_for_unit_users(clerk_b, project_a, project_b) -> None:
    response = client_for(clerk_b).get(reverse("projects:board"))
    names = [card.project.name for c in response.context["columns"] for card in c.cards]
    assert names == ["乙单位项目"]


def test_board_htmx_refresh_pushes_a_clean_address(dispatcher, project_a) -> None:
    response = client_for(dispatcher).get(
        reverse("projects:board"), {"year": "2024", "kind": "", "q": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == reverse("projects:board") + "?year=2024"
    assert 'id="xf-board-area"' in response.content.decode()
