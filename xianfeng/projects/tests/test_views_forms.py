"""Creating and editing projects through the pages: saved rows, Chinese messages, lost-update guard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xianfeng.audit.models import ChangeRecord
from xianfeng.projects import services
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.forms import PROJECT_FORM_FIELDS
from xianfeng.projects.models import ProgrammeEntry, Project, StageTransition
from xianfeng.tests.factories import ChainFactory, ParkFactory

pytestmark = pytest.mark.django_db
CREATE = reverse("projects:create")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def create_data(unit, **changes: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = {
        "name": "青岛虚拟现实产业园二期",
        "national_code": "2024-370212-65-01-000123",
        "category": Category.INDUSTRY,
        "lead_unit": unit.pk,
        "owner": "青岛某虚拟现实公司",
        "total_investment": "120,000.50",
        "land_area": "85.5",
        "planned_start": "2024-03-01",
        "planned_completion": "2026-12-31",
        "stage": Stage.PLANNING,
        "year": "2024",
        "kind": Kind.NEW_START,
        "level": Level.CITY,
        "planned_investment": "30000",
        "planned_start_month": "6",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def field_errors(response, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(response.context["form"].errors.get(name, []))


def test_form_fields_match_the_service_fields() -> None:
    assert set(PROJECT_FORM_FIELDS) == set(services.EDITABLE_FIELDS)


def test_dispatcher_creates_a_project_with_its_year_entry(dispatcher, unit_a) -> None:
    response = client_for(dispatcher).post(CREATE, create_data(unit_a))
    project = Project.objects.get(name="青岛虚拟现实产业园二期")
    assert response.status_code == 302 and response["Location"] == reverse(
        "projects:detail", args=[project.pk]
    )
    assert project.total_investment == Decimal("120000.50")
    assert project.land_area == Decimal("85.50")
    assert project.lead_unit == unit_a
    assert project.internal_code == "XF2024-00001"
    entry = ProgrammeEntry.objects.get(project=project)
    assert (entry.year, entry.kind, entry.level, entry.planned_investment, entry.planned_start_month) == (
        2024,
        Kind.NEW_START,
        Level.CITY,
        Decimal("30000.00"),
        6,
    )
    assert ChangeRecord.objects.filter(object_type="projects.Project", object_id=str(project.pk)).count() == 1
    assert ChangeRecord.objects.filter(object_type="projects.ProgrammeEntry").count() == 1


def test_create_a_project_already_under_construction(dispatcher, unit_a) -> None:
    data = create_data(unit_a, stage=Stage.CONSTRUCTION, actual_start="2023-05-10", kind=Kind.CONTINUING)
    client_for(dispatcher).post(CREATE, data)
    project = Project.objects.get()
    assert project.stage == Stage.CONSTRUCTION and str(project.actual_start) == "2023-05-10"
    assert StageTransition.objects.filter(project=project, to_stage=Stage.CONSTRUCTION).exists()


def test_unit_clerk_creates_only_for_own_unit(clerk_a, unit_a, unit_b) -> None:
    client = client_for(clerk_a)
    form = client.get(CREATE).context["form"]
    assert form.fields["lead_unit"].disabled and list(form.fields["lead_unit"].queryset) == [unit_a]
    response = client.post(CREATE, create_data(unit_b))  # a forged unit is ignored
    assert response.status_code == 302
    assert Project.objects.get().lead_unit == unit_a


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"total_investment": "一亿"},
            "total_investment",
            "总投资（万元）须填写数字，如 12000 或 12,000.50（“一亿”不是数字）",
        ),
        ({"total_investment": "-5"}, "total_investment", "总投资（万元）须大于 0"),
        ({"total_investment": "0"}, "total_investment", "总投资（万元）须大于 0"),
        ({"total_investment": ""}, "total_investment", "请填写总投资（万元）"),
        ({"planned_investment": "-1"}, "planned_investment", "年度计划投资（万元）不能为负数"),
        ({"land_area": "0"}, "land_area", "用地面积（亩）须大于 0"),
        ({"land_area": "-3"}, "land_area", "用地面积（亩）须大于 0"),
        (
            {"planned_completion": "2023-01-01"},
            "planned_completion",
            "计划竣工时间（2023-01-01）不能早于计划开工时间",
        ),
        ({"planned_start": "2024-13-01"}, "planned_start", "计划开工时间须为日期"),
        ({"national_code": "2024-990212-65-01-000123"}, "national_code", "第2段（行政区划代码）"),
        ({"national_code": "2024-370212"}, "national_code", "由 5 段组成"),
        ({"latitude": "91"}, "latitude", "纬度须在 3–54 之间"),
        ({"name": ""}, "name", "请填写项目名称"),
        ({"category": ""}, "category", "请选择项目类别"),
        # Rules only the service knows come back onto the right field.
        ({"planned_start_month": ""}, "planned_start_month", "新开工项目须填写计划开工月份"),
        ({"stage": Stage.CONSTRUCTION}, "actual_start", "须填写实际开工时间"),
    ],
)
def test_bad_input_is_explained_on_the_field_and_nothing_is_saved(
    dispatcher, unit_a, changes, field, message
) -> None:
    response = client_for(dispatcher).post(CREATE, create_data(unit_a, **changes))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert any(message in error for error in errors), errors
    assert "is-invalid" in response.content.decode()
    assert Project.objects.count() == 0 and ProgrammeEntry.objects.count() == 0
    assert ChangeRecord.objects.count() == 0


def test_national_code_clash_is_shown_on_the_field(dispatcher, unit_a, project_b) -> None:
    project_b.national_code = "2024-370212-65-01-000123"
    project_b.save()
    response = client_for(dispatcher).post(CREATE, create_data(unit_a))
    assert any("已被项目“乙单位项目”使用" in e for e in field_errors(response, "national_code"))
    assert Project.objects.count() == 1


# ---------------------------------------------------------------- edit


def edit_data(project: Project, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in services.EDITABLE_FIELDS:
        value = (
            getattr(project, name + "_id", None)
            if name in {"chain", "park", "street", "lead_unit", "leader"}
            else getattr(project, name)
        )
        data[name] = "" if value is None else value
    data["version"] = project.version
    data.update(changes)
    return data


def test_edit_saves_and_logs(dispatcher, project_a) -> None:
    chain = ChainFactory(name="海洋经济")
    park = ParkFactory(name="崂山科创园", chain=chain)
    url = reverse("projects:edit", args=[project_a.pk])
    client = client_for(dispatcher)
    assert client.get(url).context["form"].initial["version"] == 1
    response = client.post(
        url, edit_data(project_a, total_investment="15000", park=park.pk, content="新建厂房")
    )
    assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.total_investment == Decimal("15000.00")
    assert project_a.park == park and project_a.chain == chain  # the park's chain is taken over
    assert project_a.version == 2
    record = ChangeRecord.objects.get(object_type="projects.Project", action="update")
    assert record.changes["total_investment"]["new"] == "15000"
    assert record.actor == dispatcher


def test_stale_version_is_refused_and_nothing_saved(dispatcher, clerk_a, project_a) -> None:
    url = reverse("projects:edit", args=[project_a.pk])
    stale = edit_data(project_a, name="我的修改")
    # Someone else saves first.
    services.project_update(
        actor=clerk_a, project=project_a, fields={"owner": "别人的修改"}, expected_version=1
    )
    response = client_for(dispatcher).post(url, stale)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("已被他人修改" in e and "未保存" in e for e in errors)
    project_a.refresh_from_db()
    assert project_a.name == "甲单位项目" and project_a.owner == "别人的修改" and project_a.version == 2


def test_edit_service_error_maps_to_field(dispatcher, project_a, project_b) -> None:
    project_b.national_code = "2024-370212-65-01-000999"
    project_b.save()
    url = reverse("projects:edit", args=[project_a.pk])
    response = client_for(dispatcher).post(
        url, edit_data(project_a, national_code="2024-370212-65-01-000999")
    )
    assert any("已被项目" in e for e in field_errors(response, "national_code"))
    project_a.refresh_from_db()
    assert project_a.national_code == "" and project_a.version == 1


def test_unit_clerk_cannot_move_a_project_to_another_unit(clerk_a, project_a, unit_b) -> None:
    url = reverse("projects:edit", args=[project_a.pk])
    response = client_for(clerk_a).post(url, edit_data(project_a, lead_unit=unit_b.pk, owner="新建设单位"))
    assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.lead_unit_id != unit_b.pk and project_a.owner == "新建设单位"


def test_archived_project_cannot_be_edited(dispatcher, project_a) -> None:
    services.project_archive(actor=dispatcher, project=project_a, reason="重复录入")
    url = reverse("projects:edit", args=[project_a.pk])
    response = client_for(dispatcher).post(url, edit_data(project_a, name="改名"))
    assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.name == "甲单位项目"
