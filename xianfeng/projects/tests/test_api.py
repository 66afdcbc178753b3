"""The JSON API: every endpoint for every role, bad input, query counts, parity with the pages."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from xianfeng.audit.models import ChangeRecord
from xianfeng.org.services import api_token_create
from xianfeng.projects import selectors
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.models import ProgrammeEntry, Project, StageTransition
from xianfeng.tests.assets import external_assets
from xianfeng.tests.factories import (
    ChainFactory,
    DepartmentFactory,
    LeaderFactory,
    ParkFactory,
    ProgrammeEntryFactory,
    ProjectFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["dispatcher", "clerk_a", "clerk_b", "leader_user", "admin_user", "auditor", "anonymous", "token"]


@pytest.fixture
def as_role(request, clerk_a):  # type: ignore[no-untyped-def]
    """A client for a role: a session for users, nothing for anonymous, clerk_a's bearer token for token."""

    def make(role: str) -> Client:
        if role == "anonymous":
            return Client()
        if role == "token":
            _, key = api_token_create(user=clerk_a, name="测试")
            return Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        client = Client()
        client.force_login(request.getfixturevalue(role))
        return client

    return make


def send(client: Client, method: str, url: str, body: Any = None) -> Any:
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else None
    kwargs = {"content_type": "application/json"} if data is not None else {}
    return getattr(client, method)(url, data=data, **kwargs)


def detail_of(response: Any) -> dict[str, dict[str, Any]]:
    """{field: error} from a 4xx body."""
    return {item["field"]: item for item in response.json()["detail"]}


# ---------------------------------------------------------------- who may do what

# Expectations for project_a (unit_a's project); the token client is clerk_a's token.
READ = {"dispatcher": 200, "clerk_a": 200, "clerk_b": 404, "leader_user": 200}
WRITE = {"dispatcher": 200, "clerk_a": 200, "clerk_b": 404, "leader_user": 403}
COMMON = {"admin_user": 403, "auditor": 403, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_project_list_by_role(as_role, role, project_a, project_b) -> None:
    response = as_role(role).get("/api/projects")
    expected = {**READ, **COMMON, "token": 200, "clerk_b": 200}[role]
    assert response.status_code == expected
    if expected != 200:
        return
    codes = [item["id"] for item in response.json()["items"]]
    visible = {
        "dispatcher": [project_a.pk, project_b.pk],
        "leader_user": [project_a.pk, project_b.pk],
        "clerk_a": [project_a.pk],
        "token": [project_a.pk],
        "clerk_b": [project_b.pk],
    }[role]
    assert codes == visible
    assert response.json()["count"] == len(visible)


@pytest.mark.parametrize("role", ROLES)
def test_project_detail_by_role(as_role, role, project_a, project_b) -> None:
    response = as_role(role).get(f"/api/projects/{project_a.pk}")
    assert response.status_code == {**READ, **COMMON, "token": 200}[role]
    if response.status_code == 200:
        body = response.json()
        assert body["name"] == "甲单位项目"
        assert body["lead_unit"]["name"] == "甲单位"
        assert [e["year"] for e in body["entries"]] == [2024]


@pytest.mark.parametrize("role", ROLES)
def test_project_create_by_role(as_role, role, unit_a, reviewer_a) -> None:
    response = send(
        as_role(role),
        "post",
        "/api/projects",
        {"name": "新建的项目", "category": "industry", "total_investment": "8800.5", "lead_unit": unit_a.pk},
    )
    # clerk_b may create, but only in their own unit: naming unit_a is a field error.
    expected = {**COMMON, "dispatcher": 201, "clerk_a": 201, "token": 201, "clerk_b": 422, "leader_user": 403}
    assert response.status_code == expected[role], response.content
    created = Project.objects.filter(name="新建的项目")
    if expected[role] == 201:
        body = response.json()
        assert body["internal_code"] == "XF2024-00001"
        assert body["total_investment"] == "8800.50"
        assert body["lead_unit"]["id"] == unit_a.pk
        assert created.count() == 1
        assert ChangeRecord.objects.filter(object_type="projects.Project", action="create").count() == 1
    else:
        assert not created.exists()
    if role == "clerk_b":
        assert detail_of(response)["lead_unit"]["message"] == "只能选择本单位作为责任单位"


def test_reviewer_may_not_create(as_role, reviewer_a, unit_a) -> None:
    client = Client()
    client.force_login(reviewer_a)
    response = send(
        client, "post", "/api/projects", {"name": "x", "category": "industry", "total_investment": 1}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "您的角色不能新建项目"


@pytest.mark.parametrize("role", ROLES)
def test_project_patch_by_role(as_role, role, project_a) -> None:
    response = send(as_role(role), "patch", f"/api/projects/{project_a.pk}", {"owner": "青岛某建设公司"})
    assert response.status_code == {**WRITE, **COMMON, "token": 200}[role]
    project_a.refresh_from_db()
    if response.status_code == 200:
        assert response.json()["owner"] == "青岛某建设公司"
        assert response.json()["version"] == 2
        assert project_a.owner == "青岛某建设公司" and project_a.version == 2
    else:
        assert project_a.owner == "" and project_a.version == 1


@pytest.mark.parametrize("role", ROLES)
def test_project_transition_by_role(as_role, role, project_a) -> None:
    response = send(
        as_role(role),
        "post",
        f"/api/projects/{project_a.pk}/transition",
        {"to_stage": "construction", "effective_date": "2024-05-20"},
    )
    assert response.status_code == {**WRITE, **COMMON, "token": 200}[role]
    project_a.refresh_from_db()
    if response.status_code == 200:
        body = response.json()
        assert body["stage"] == "construction" and body["stage_label"] == "在建"
        assert body["actual_start"] == "2024-05-20"
        assert body["transitions"][0]["from_stage"] == "reserve"
        assert [m["kind"] for m in body["milestones"]] == ["start"]
        assert project_a.stage == Stage.CONSTRUCTION
    else:
        assert project_a.stage == Stage.RESERVE
        assert not StageTransition.objects.filter(project=project_a).exists()


@pytest.mark.parametrize("role", ROLES)
def test_entry_list_by_role(as_role, role, project_a, project_b) -> None:
    response = as_role(role).get("/api/programme-entries?year=2024")
    assert response.status_code == {**READ, **COMMON, "token": 200, "clerk_b": 200}[role]
    if response.status_code == 200:
        projects = [item["project"]["id"] for item in response.json()["items"]]
        expected = {
            "dispatcher": {project_a.pk, project_b.pk},
            "leader_user": {project_a.pk, project_b.pk},
            "clerk_a": {project_a.pk},
            "token": {project_a.pk},
            "clerk_b": {project_b.pk},
        }[role]
        assert set(projects) == expected and len(projects) == len(expected)


@pytest.mark.parametrize("role", ROLES)
def test_entry_get_by_role(as_role, role, project_a) -> None:
    response = as_role(role).get(f"/api/projects/{project_a.pk}/entries/2024")
    assert response.status_code == {**READ, **COMMON, "token": 200}[role]
    if response.status_code == 200:
        body = response.json()
        assert body["kind"] == "continuing" and body["kind_label"] == "续建"
        assert body["planned_investment"] == "2000.00"


@pytest.mark.parametrize("role", ROLES)
def test_entry_put_by_role(as_role, role, project_a) -> None:
    response = send(
        as_role(role), "put", f"/api/projects/{project_a.pk}/entries/2024", {"planned_investment": 3500}
    )
    assert response.status_code == {**WRITE, **COMMON, "token": 200}[role]
    entry = ProgrammeEntry.objects.get(project=project_a, year=2024)
    if response.status_code == 200:
        assert response.json()["planned_investment"] == "3500.00"
        assert entry.planned_investment == Decimal("3500.00") and entry.version == 2
    else:
        assert entry.planned_investment == Decimal("2000.00") and entry.version == 1


def test_entry_put_creates_with_201_then_updates(as_role, project_a) -> None:
    client = as_role("dispatcher")
    url = f"/api/projects/{project_a.pk}/entries/2025"
    body = {"kind": "new_start", "level": "city", "planned_investment": "1200", "planned_start_month": 3}
    first = send(client, "put", url, body)
    assert first.status_code == 201
    assert first.json()["level_label"] == "市重点" and first.json()["version"] == 1
    again = send(client, "put", url, {"note": "已调整", "version": 1})
    assert again.status_code == 200 and again.json()["note"] == "已调整" and again.json()["version"] == 2
    stale = send(client, "put", url, {"note": "覆盖", "version": 1})
    assert stale.status_code == 409
    assert ProgrammeEntry.objects.get(project=project_a, year=2025).note == "已调整"


def test_missing_entry_year_is_404(as_role, project_a) -> None:
    assert as_role("dispatcher").get(f"/api/projects/{project_a.pk}/entries/2023").status_code == 404
    assert as_role("dispatcher").get("/api/projects/999999").json()["detail"] == "未找到该记录，或您无权查看"


# ---------------------------------------------------------------- create / update in detail


def test_create_with_everything_and_an_entry(as_role, unit_a) -> None:
    chain = ChainFactory(name="虚拟现实")
    park = ParkFactory(name="虚拟现实产业园", chain=chain)
    street = RegionFactory(name="沙子口街道")
    leader = LeaderFactory(name="王副区长")
    response = send(
        as_role("dispatcher"),
        "post",
        "/api/projects",
        {
            "national_code": "2024-370212-65-03-000123",
            "name": "虚拟现实产业园二期",
            "category": "industry",
            "lead_unit": unit_a.pk,
            "park": park.pk,
            "street": street.pk,
            "leader": leader.pk,
            "total_investment": 56000,
            "planned_start": "2024-03-01",
            "stage": "construction",
            "actual_start": "2024-04-15",
            "entry": {"year": 2024, "kind": "new_start", "level": "province", "planned_start_month": 3},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "2024-370212-65-03-000123"
    assert body["chain"] == {"id": chain.pk, "name": "虚拟现实"}  # taken from the park
    assert (body["park"]["name"], body["street"]["name"], body["leader"]["name"]) == (
        "虚拟现实产业园",
        "沙子口街道",
        "王副区长",
    )
    assert body["stage"] == "construction" and body["actual_start"] == "2024-04-15"
    assert body["entries"][0]["kind"] == "new_start" and body["entries"][0]["level"] == "province"
    assert ProgrammeEntry.objects.get(project_id=body["id"]).planned_start_month == 3


def test_clerk_creates_in_own_unit_by_default(as_role, unit_a) -> None:
    response = send(
        as_role("clerk_a"),
        "post",
        "/api/projects",
        {"name": "单位项目", "category": "livelihood", "total_investment": 1},
    )
    assert response.status_code == 201
    assert response.json()["lead_unit"]["id"] == unit_a.pk


def test_patch_version_conflict_is_409(as_role, project_a) -> None:
    client = as_role("dispatcher")
    ok = send(client, "patch", f"/api/projects/{project_a.pk}", {"owner": "甲", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = send(client, "patch", f"/api/projects/{project_a.pk}", {"owner": "乙", "version": 1})
    assert stale.status_code == 409
    error = stale.json()["detail"][0]
    assert error["field"] == "version" and "已被他人修改" in error["message"]
    project_a.refresh_from_db()
    assert project_a.owner == "甲"


def test_patch_moving_to_another_unit(as_role, project_a, unit_b) -> None:
    # A clerk may not hand the project to another unit; the dispatcher may.
    refused = send(as_role("clerk_a"), "patch", f"/api/projects/{project_a.pk}", {"lead_unit": unit_b.pk})
    assert refused.status_code == 422
    assert detail_of(refused)["lead_unit"]["label"] == "责任单位"
    moved = send(as_role("dispatcher"), "patch", f"/api/projects/{project_a.pk}", {"lead_unit": unit_b.pk})
    assert moved.status_code == 200 and moved.json()["lead_unit"]["id"] == unit_b.pk


# ---------------------------------------------------------------- bad input, with messages


@pytest.mark.parametrize(
    ("body", "field", "status", "fragment"),
    [
        ({"national_code": "2024-370212-65-03-12345"}, "national_code", 422, "第5段（流水号）"),
        ({"national_code": "2024-990212-65-03-000123"}, "national_code", 422, "省级代码"),
        ({"total_investment": "-5"}, "total_investment", 422, "0.01"),
        ({"total_investment": "很多"}, "total_investment", 422, "应为数字"),
        ({"planned_start": "2024/03/01"}, "planned_start", 422, "YYYY-MM-DD"),
        ({"name": None}, "name", 422, "不能为空"),
        ({"category": "airport"}, "category", 422, "airport"),
        ({"lead_unit": 999999}, "lead_unit", 422, "责任单位（id=999999）不存在"),
        ({"stage": "construction"}, "stage", 422, "不是可以提交的字段"),
        (
            {"planned_start": "2024-06-01", "planned_completion": "2024-01-01"},
            "planned_completion",
            422,
            "早于",
        ),
    ],
)
def test_patch_bad_values(as_role, project_a, body, field, status, fragment) -> None:
    response = send(as_role("dispatcher"), "patch", f"/api/projects/{project_a.pk}", body)
    assert response.status_code == status, response.content
    errors = detail_of(response)
    assert field in errors, errors
    assert fragment in errors[field]["message"], errors[field]
    project_a.refresh_from_db()
    assert project_a.version == 1


def test_negative_investment_names_the_field_in_chinese(as_role, unit_a) -> None:
    response = send(
        as_role("dispatcher"),
        "post",
        "/api/projects",
        {"name": "负投资", "category": "industry", "total_investment": -100, "lead_unit": unit_a.pk},
    )
    assert response.status_code == 422
    error = detail_of(response)["total_investment"]
    assert error["label"] == "总投资（万元）"
    assert "0.01" in error["message"]
    assert not Project.objects.exists()


def test_create_missing_fields_and_bad_entry(as_role, unit_a) -> None:
    response = send(as_role("dispatcher"), "post", "/api/projects", {"category": "industry"})
    assert response.status_code == 422
    errors = detail_of(response)
    assert errors["name"]["message"] == "必须填写" and errors["name"]["label"] == "项目名称"
    assert errors["total_investment"]["message"] == "必须填写"

    response = send(
        as_role("dispatcher"),
        "post",
        "/api/projects",
        {
            "name": "缺开工月份",
            "category": "industry",
            "total_investment": 100,
            "lead_unit": unit_a.pk,
            "entry": {"year": 2024, "kind": "new_start", "planned_investment": "-1"},
        },
    )
    assert response.status_code == 422
    errors = detail_of(response)
    assert errors["planned_start_month"]["message"] == "新开工项目须填写计划开工月份"
    assert "年度计划投资不能为负数" in errors["planned_investment"]["message"] or any(
        "负数" in item["message"] for item in response.json()["detail"]
    )
    # Nothing half-written: the project went with its entry.
    assert not Project.objects.exists()


def test_malformed_json_and_wrong_shapes(as_role, project_a) -> None:
    client = as_role("dispatcher")
    broken = send(client, "patch", f"/api/projects/{project_a.pk}", '{"owner": "甲",')
    assert broken.status_code == 400
    assert broken.json()["detail"][0]["message"].startswith("请求正文不是有效的 JSON")
    assert broken.json()["detail"][0]["field"] is None
    as_list = send(client, "patch", f"/api/projects/{project_a.pk}", [1, 2])
    assert as_list.status_code == 422
    assert as_list.json()["detail"] == [{"field": None, "label": None, "message": "应为 JSON 对象"}]
    empty = client.post("/api/projects", content_type="application/json")
    assert empty.status_code == 422
    assert detail_of(empty)["name"]["message"] == "必须填写"
    no_body = client.post("/api/projects", data="", content_type="text/plain")
    assert no_body.json()["detail"][0]["message"] == "请求正文不能为空，应为 JSON 对象"
    null = send(client, "post", "/api/projects", "null")
    assert null.status_code == 422 and null.json()["detail"][0]["message"] == "应为 JSON 对象"
    nested = send(client, "post", "/api/projects", {"entry": {"kind": 1}})
    assert detail_of(nested)["entry.kind"] == {
        "field": "entry.kind",
        "label": "建设性质",
        "message": "应为文本",
    }
    assert detail_of(nested)["entry.year"]["message"] == "必须填写"


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"to_stage": "flying"}, "to_stage", "未知的项目阶段“flying”"),
        ({"to_stage": "reserve"}, "to_stage", "已处于“储备”阶段"),
        ({"to_stage": "construction"}, "effective_date", "转为在建须填写实际开工日期"),
        ({"to_stage": "construction", "effective_date": "2025-01-01"}, "effective_date", "不能晚于今天"),
        ({"to_stage": "suspended"}, "reason", "须说明原因"),
        ({"to_stage": "completed", "effective_date": "2024-11-01"}, "to_stage", "尚未开工"),
        ({}, "to_stage", "必须填写"),
    ],
)
def test_transition_refusals(as_role, project_a, body, field, fragment) -> None:
    response = send(as_role("dispatcher"), "post", f"/api/projects/{project_a.pk}/transition", body)
    assert response.status_code == 422, response.content
    errors = detail_of(response)
    assert fragment in errors[field]["message"], errors
    project_a.refresh_from_db()
    assert project_a.stage == Stage.RESERVE


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ("year=20x4", "year", "“20x4”"),
        ("year=1999", "year", "超出范围"),
        ("unit=abc", "unit", "“abc”不是有效的编号"),
        ("stage=flying", "stage", "未知的项目阶段“flying”"),
        ("kind=big", "kind", "未知的建设性质“big”"),
        ("category=x", "category", "未知的项目类别"),
        ("sort=drop", "sort", "未知的排序“drop”"),
        ("archived=maybe", "archived", "应为 1 或 0"),
        ("limit=500", "limit", "不能大于 200"),
        ("limit=0", "limit", "不能小于 1"),
        ("limit=abc", "limit", "应为整数"),
        ("offset=-1", "offset", "不能小于 0"),
    ],
)
def test_list_bad_filter_params(as_role, project_a, query, field, fragment) -> None:
    response = as_role("dispatcher").get(f"/api/projects?{query}")
    assert response.status_code == 422
    errors = detail_of(response)
    assert fragment in errors[field]["message"], errors


def test_entry_list_bad_params(as_role, project_a) -> None:
    response = as_role("dispatcher").get("/api/programme-entries?level=galaxy&unit=x")
    assert response.status_code == 422
    assert set(detail_of(response)) == {"level", "unit"}


# ---------------------------------------------------------------- reading: filters, paging, parity


@pytest.fixture
def registry(unit_a, unit_b):  # type: ignore[no-untyped-def]
    """Twelve projects over two units, most in the 2024 programme, one archived."""
    other = DepartmentFactory(name="丙单位")
    projects = []
    for i in range(12):
        project = ProjectFactory(
            name=f"项目{i:02d}",
            lead_unit=[unit_a, unit_b, other][i % 3],
            category=[Category.INDUSTRY, Category.LIVELIHOOD][i % 2],
            total_investment=Decimal(1000 * ((i * 7) % 12 + 1)),
            stage=[Stage.RESERVE, Stage.PLANNING][i % 2],
        )
        if i != 11:
            ProgrammeEntryFactory(
                project=project,
                serial=12 - i,
                kind=[Kind.NEW_START, Kind.CONTINUING, Kind.RESERVE][i % 3],
                level=[Level.CITY, Level.DISTRICT][i % 2],
                planned_investment=Decimal(100 * i),
                planned_start_month=(i % 12) + 1,
            )
        projects.append(project)
    projects[5].archived_at = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    projects[5].save()
    return projects


@pytest.mark.parametrize(
    "query",
    [
        "",
        "year=2024",
        "year=2024&sort=-investment",
        "year=2024&category=industry&sort=name",
        "year=2024&kind=new_start",
        "level=city",
        "q=项目0",
        "sort=-planned",
        "archived=1",
        "year=2024&sort=unit",
    ],
)
@pytest.mark.parametrize("role", ["dispatcher", "clerk_a", "leader_user"])
def test_api_list_equals_the_page_selector(request, as_role, registry, query, role) -> None:
    from django.http import QueryDict

    user = request.getfixturevalue(role)
    response = as_role(role).get(f"/api/projects?{query}&limit=200")
    assert response.status_code == 200
    expected = list(
        selectors.project_list(user=user, filters=selectors.ProjectFilters.from_params(QueryDict(query)))
    )
    assert [item["id"] for item in response.json()["items"]] == [p.pk for p in expected]
    assert response.json()["count"] == len(expected)


def test_year_fields_and_totals(as_role, registry) -> None:
    body = as_role("dispatcher").get("/api/projects?year=2024&sort=serial").json()
    # 11 projects in the programme, one of them archived.
    assert body["count"] == 10
    first = body["items"][0]
    assert first["entry"]["year"] == 2024 and first["entry"]["serial"] == 2
    assert first["name"] == "项目10"
    assert first["entry"]["kind_label"] == "续建" and first["entry"]["planned_investment"] == "1000.00"
    assert first["entry"]["planned_start_month"] == 11
    expected_total = sum(p.total_investment for p in registry[:11] if p.archived_at is None)
    assert Decimal(body["total_investment"]) == expected_total
    assert Decimal(body["planned_investment"]) == sum(Decimal(100 * i) for i in range(11) if i != 5)
    without_year = as_role("dispatcher").get("/api/projects").json()
    assert all(item["entry"] is None for item in without_year["items"])
    assert without_year["planned_investment"] is None


def test_paging(as_role, registry) -> None:
    client = as_role("dispatcher")
    whole = [item["id"] for item in client.get("/api/projects?year=2024&limit=200").json()["items"]]
    pages = []
    for offset in range(0, 12, 4):
        body = client.get(f"/api/projects?year=2024&limit=4&offset={offset}").json()
        assert body["count"] == 10 and body["limit"] == 4 and body["offset"] == offset
        pages += [item["id"] for item in body["items"]]
    assert pages == whole and len(whole) == 10


def test_entry_list_filters(as_role, registry, unit_a) -> None:
    client = as_role("dispatcher")
    body = client.get(f"/api/programme-entries?year=2024&kind=new_start&unit={unit_a.pk}").json()
    # unit_a holds projects 0, 3, 6, 9; new starts are i % 3 == 0: all four.
    assert [item["project"]["name"] for item in body["items"]] == ["项目09", "项目06", "项目03", "项目00"]
    assert body["count"] == 4
    # City level: even i from 0 to 10 (project 5, archived, is odd).
    assert client.get("/api/programme-entries?level=city").json()["count"] == 6
    archived = client.get("/api/programme-entries?archived=1").json()
    assert [item["project"]["name"] for item in archived["items"]] == ["项目05"]


@pytest.mark.parametrize("path", ["/api/projects?year=2024", "/api/programme-entries?year=2024"])
def test_list_query_count_does_not_grow_with_page_size(
    as_role, path, unit_a, django_assert_num_queries
) -> None:
    client = as_role("dispatcher")
    chain, street, leader = ChainFactory(), RegionFactory(), LeaderFactory()
    park = ParkFactory(chain=chain)

    def add(n: int) -> None:
        for _ in range(n):
            project = ProjectFactory(lead_unit=unit_a, chain=chain, park=park, street=street, leader=leader)
            ProgrammeEntryFactory(project=project)

    add(3)
    # Session (2) + count/totals (1) + the page with every related row joined (1).
    with django_assert_num_queries(4):
        assert len(client.get(f"{path}&limit=200").json()["items"]) == 3
    add(57)
    with django_assert_num_queries(4):
        assert len(client.get(f"{path}&limit=200").json()["items"]) == 60


def test_detail_query_count(as_role, project_a, django_assert_num_queries) -> None:
    client = as_role("dispatcher")
    # Session (2) + project (1) + entries, milestones, transitions (3).
    with django_assert_num_queries(6):
        assert client.get(f"/api/projects/{project_a.pk}").status_code == 200


# ---------------------------------------------------------------- schema and docs


def test_openapi_schema_renders(client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Xianfeng API"
    assert {
        "/api/projects",
        "/api/projects/{project_id}",
        "/api/projects/{project_id}/transition",
        "/api/programme-entries",
        "/api/projects/{project_id}/entries/{year}",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/projects"]) == {"get", "post"}
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    params = {p["name"] for p in schema["paths"]["/api/projects"]["get"]["parameters"]}
    assert set(selectors.FILTER_KEYS) | {"archived", "sort", "limit", "offset"} <= params


def test_docs_page_uses_vendored_swagger(client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui-dist-5.35.0/swagger-ui.css" in html
    assert external_assets(html) == [] and "https://" not in html and "http://" not in html
    assert '"url": "/api/openapi.json"' in html
