"""The JSON API of coordination: same rules as the pages, errors in the API's shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from xianfeng.coordination.models import Problem
from xianfeng.lib import clock
from xianfeng.org.services import api_token_create

pytestmark = pytest.mark.django_db
D = dt.date


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(user: Any, path: str, data: dict[str, Any]) -> Any:
    return _client(user).post(f"/api{path}", data, content_type="application/json")


def test_the_whole_flow_through_the_api(
    clerk_a, dispatcher, led_project, bureau, bureau_clerk, leader_user, leader_row
) -> None:
    created = _post(
        clerk_a,
        "/problems",
        {
            "project": led_project.pk,
            "type": "land",
            "title": "用地报批卡在市局",
            "description": "详情",
            "source": "report",
            "period": "2024-11",
        },
    )
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    assert created.json()["status"] == "open" and created.json()["raised_from_period"] == "2024-11"
    assigned = _post(dispatcher, f"/problems/{pid}/assign", {"units": [bureau.pk], "deadline_days": 10})
    assert assigned.status_code == 200 and assigned.json()["deadline"] == "2024-12-20"
    instructed = _post(leader_user, f"/problems/{pid}/instructions", {"text": "请抓紧", "reply_days": 3})
    assert instructed.status_code == 201
    iid = instructed.json()["id"]
    replied = _post(bureau_clerk, f"/instructions/{iid}/replies", {"text": "已对接"})
    assert replied.status_code == 201 and replied.json()["status"] == "replied"
    for action, extra in [("accept", {}), ("resolve", {"resolution": "市局已批复"})]:
        response = _post(bureau_clerk, f"/problems/{pid}/transition", {"action": action, **extra})
        assert response.status_code == 200, response.content
    closed = _post(clerk_a, f"/problems/{pid}/transition", {"action": "close"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    detail = _client(clerk_a).get(f"/api/problems/{pid}").json()
    assert [e["action"] for e in detail["events"]] == [
        "raise",
        "assign",
        "instruct",
        "reply",
        "accept",
        "resolve",
        "close",
    ]
    assert detail["instructions"][0]["status"] == "closed"


def test_errors_come_in_the_apis_shape(
    clerk_a, clerk_b, dispatcher, project_a, bureau, bureau_clerk, auditor
) -> None:
    pid = _post(
        clerk_a, "/problems", {"project": project_a.pk, "type": "land", "title": "t", "description": "d"}
    ).json()["id"]
    # Another unit: the problem does not exist for them.
    assert _client(clerk_b).get(f"/api/problems/{pid}").status_code == 404
    assert _post(clerk_b, f"/problems/{pid}/transition", {"action": "close"}).status_code == 404
    # Admin and auditor: no business data.
    assert _client(auditor).get("/api/problems").status_code == 403
    # A past deadline: 422 naming the field.
    response = _post(dispatcher, f"/problems/{pid}/assign", {"units": [bureau.pk], "deadline": "2024-12-01"})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["field"] == "deadline" and "已经过去" in item["message"]
    # An unknown unit.
    response = _post(dispatcher, f"/problems/{pid}/assign", {"units": [999999], "deadline_days": 5})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "units"
    # A unit that does not own it may not accept: 403.
    _post(dispatcher, f"/problems/{pid}/assign", {"units": [bureau.pk], "deadline_days": 5})
    response = _post(clerk_a, f"/problems/{pid}/transition", {"action": "accept"})
    assert response.status_code == 403 and "责任单位" in response.json()["detail"]
    # An unknown field is refused, not dropped.
    assert _post(bureau_clerk, f"/problems/{pid}/transition", {"action": "accept", "x": 1}).status_code == 422
    assert Problem.objects.get().status == "open"


def test_the_list_filters_and_scopes(clerk_a, clerk_b, dispatcher, project_a, project_b, bureau) -> None:
    for project, clerk in [(project_a, clerk_a), (project_b, clerk_b)]:
        _post(
            clerk,
            "/problems",
            {"project": project.pk, "type": "funding", "title": "资金", "description": "d"},
        )
    with clock.frozen(D(2024, 11, 1)):
        pid = _post(
            clerk_a, "/problems", {"project": project_a.pk, "type": "land", "title": "地", "description": "d"}
        ).json()["id"]
        _post(dispatcher, f"/problems/{pid}/assign", {"units": [bureau.pk], "deadline_days": 3})
    assert _client(dispatcher).get("/api/problems").json()["count"] == 3
    assert _client(clerk_a).get("/api/problems").json()["count"] == 2
    overdue = _client(dispatcher).get("/api/problems?overdue=1").json()
    assert overdue["count"] == 1 and overdue["items"][0]["overdue"] is True
    assert _client(dispatcher).get("/api/problems?type=funding&limit=1").json()["count"] == 2
    response = _client(dispatcher).get("/api/problems?type=weather")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "type"


def test_a_bearer_token_works_and_leaders_cannot_write_problems(leader_user, project_a) -> None:
    _token, key = api_token_create(user=leader_user, name="脚本")
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/problems", **headers).status_code == 200
    response = client.post(
        "/api/problems",
        {"project": project_a.pk, "type": "land", "title": "t", "description": "d"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403


def test_supervision_orders_through_the_api(clerk_a, dispatcher, project_a, bureau, bureau_clerk) -> None:
    with clock.frozen(D(2024, 11, 1)):
        pid = _post(
            clerk_a, "/problems", {"project": project_a.pk, "type": "land", "title": "地", "description": "d"}
        ).json()["id"]
        _post(dispatcher, f"/problems/{pid}/assign", {"units": [bureau.pk], "deadline_days": 3})
    issued = _post(
        dispatcher, f"/problems/{pid}/supervision-orders", {"requirement": "报方案", "plan_days": 2}
    )
    assert issued.status_code == 201 and issued.json()["number"] == "督办〔2024〕1号"
    oid = issued.json()["id"]
    assert (
        _post(bureau_clerk, f"/supervision-orders/{oid}/plan", {"text": "方案"}).json()["status"]
        == "plan_submitted"
    )
    assert (
        _post(dispatcher, f"/supervision-orders/{oid}/decision", {"accept": True}).json()["status"]
        == "rectifying"
    )
    assert (
        _post(dispatcher, f"/supervision-orders/{oid}/close", {"note": "整改到位"}).json()["status"]
        == "closed"
    )
    assert _client(bureau_clerk).get("/api/supervision-orders").json()["count"] == 1
    assert _client(clerk_a).get(f"/api/supervision-orders/{oid}").status_code == 200


def test_the_schema_lists_the_endpoints(client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in [
        "/api/problems",
        "/api/problems/{problem_id}",
        "/api/problems/{problem_id}/transition",
        "/api/problems/{problem_id}/instructions",
        "/api/instructions/{instruction_id}/replies",
        "/api/supervision-orders",
    ]:
        assert path in paths, path
