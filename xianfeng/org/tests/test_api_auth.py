"""API authentication: browser session (with CSRF for writes) or a bearer token ``xf_…``."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xianfeng.org.models import ApiToken
from xianfeng.org.services import api_token_create, api_token_revoke
from xianfeng.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PROJECT = {"name": "令牌新建项目", "category": "industry", "total_investment": "100"}


def bearer(key: str, **kwargs: object) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", **kwargs)


def test_anonymous_gets_401_for_reads_and_writes(project_a) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.get("/api/projects")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "未登录" in response.json()["detail"]
    # Not a CSRF 403: there is no session to protect.
    write = client.post("/api/projects", data=json.dumps(NEW_PROJECT), content_type="application/json")
    assert write.status_code == 401


def test_token_reads_and_records_last_use(clerk_a, project_a, project_b) -> None:
    token, key = api_token_create(user=clerk_a, name="数据对接")
    assert key.startswith("xf_") and token.last_used_at is None
    response = bearer(key).get("/api/projects")
    assert response.status_code == 200
    # The token acts as its user: a unit clerk sees only their unit's projects.
    assert [item["id"] for item in response.json()["items"]] == [project_a.pk]
    assert bearer(key).get(f"/api/projects/{project_b.pk}").status_code == 404
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_writes_without_csrf(dispatcher, unit_a) -> None:
    _, key = api_token_create(user=dispatcher, name="脚本")
    client = bearer(key, enforce_csrf_checks=True)
    body = {**NEW_PROJECT, "lead_unit": unit_a.pk}
    response = client.post("/api/projects", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["name"] == "令牌新建项目"


def test_revoked_token_is_401(dispatcher, project_a) -> None:
    token, key = api_token_create(user=dispatcher, name="将吊销")
    assert bearer(key).get("/api/projects").status_code == 200
    api_token_revoke(token=token)
    assert bearer(key).get("/api/projects").status_code == 401
    assert bearer(key).get(f"/api/projects/{project_a.pk}").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer xf_not-a-real-token",
        "Bearer ",
        "Bearer sometoken",
        "Token xf_whatever",
        "Basic YWxpY2U6eGYtdGVzdC1wYXNzd29yZA==",
    ],
)
def test_bad_tokens_are_401(dispatcher, header: str) -> None:
    assert Client(HTTP_AUTHORIZATION=header).get("/api/projects").status_code == 401


def test_token_of_inactive_user_is_401(dispatcher) -> None:
    _, key = api_token_create(user=dispatcher, name="离职")
    dispatcher.is_active = False
    dispatcher.save()
    assert bearer(key).get("/api/projects").status_code == 401


@pytest.mark.parametrize("role", ["admin_user", "auditor"])
def test_token_of_admin_or_auditor_is_403(request, role: str, project_a) -> None:
    _, key = api_token_create(user=request.getfixturevalue(role), name="越权")
    response = bearer(key).get("/api/projects")
    assert response.status_code == 403
    assert response.json()["detail"] == "系统管理员和审计管理员不能访问项目数据"


def test_session_reads_and_writes_need_csrf(dispatcher, unit_a) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    assert client.get("/api/projects").status_code == 200
    body = json.dumps({**NEW_PROJECT, "lead_unit": unit_a.pk})
    refused = client.post("/api/projects", data=body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    # The docs page (like every page) sets the CSRF cookie; the header carries it back.
    client.get("/api/docs")
    csrf = client.cookies["csrftoken"].value
    accepted = client.post("/api/projects", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201


def test_session_with_a_bad_token_header_still_uses_the_session(dispatcher, project_a) -> None:
    client = Client(HTTP_AUTHORIZATION="Bearer xf_wrong")
    client.force_login(dispatcher)
    assert client.get("/api/projects").status_code == 200


def test_only_the_hash_is_stored(dispatcher) -> None:
    token, key = api_token_create(user=dispatcher, name="检查")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == ApiToken.hash_key(key)
