"""The dispatch API: periods, reports, submission and review, photos — same rules as the pages."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from xianfeng.dispatch import services
from xianfeng.dispatch.choices import ReportStatus
from xianfeng.dispatch.models import MonthlyReport
from xianfeng.dispatch.tests.conftest import row
from xianfeng.org.services import api_token_create

pytestmark = pytest.mark.django_db


def api(user: Any | None = None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def put(c: Client, url: str, body: dict[str, Any]) -> Any:
    return c.put(url, json.dumps(body), content_type="application/json")


def post(c: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return c.post(url, json.dumps(body or {}), content_type="application/json")


def test_periods_list_open_close(dispatcher, clerk_a, admin_user, entries_a) -> None:
    assert api().get("/api/dispatch/periods").status_code == 401
    assert api(admin_user).get("/api/dispatch/periods").status_code == 403
    assert post(api(clerk_a), "/api/dispatch/periods", {"year": 2024, "month": 11}).status_code == 403
    created = post(api(dispatcher), "/api/dispatch/periods", {"year": 2024, "month": 11})
    assert created.status_code == 201 and created.json()["deadline"] == "2024-12-06"
    assert created.json()["due"] == 3
    again = post(api(dispatcher), "/api/dispatch/periods", {"year": 2024, "month": 11})
    assert again.status_code == 422 and "已开启" in again.json()["detail"][0]["message"]
    listed = api(clerk_a).get("/api/dispatch/periods").json()
    assert [p["key"] for p in listed] == ["2024-11"]
    assert post(api(dispatcher), "/api/dispatch/periods/2024-11/close").json()["status"] == "closed"
    reopened = post(api(dispatcher), "/api/dispatch/periods/2024-11/reopen", {"reason": "补报"})
    assert reopened.json()["status"] == "open"


def test_save_submit_and_the_rules(clerk_a, clerk_b, leader_user, entries_a, november) -> None:
    url = f"/api/dispatch/periods/2024-11/entries/{entries_a[0].pk}/report"
    body = {"invested_month": "150.5", "progress_text": "主体施工", "progress_percent": 45, "version": 0}
    created = put(api(clerk_a), url, body)
    assert created.status_code == 201
    data = created.json()
    assert (data["invested_ytd"], data["invested_since_start"], data["status"]) == (
        "150.50",
        "4150.50",
        "draft",
    )
    assert put(api(clerk_b), url, body).status_code == 404  # another unit's project
    assert put(api(leader_user), url, body).status_code == 403
    stale = put(api(clerk_a), url, {**body, "invested_month": "1"})
    assert stale.status_code == 409 and stale.json()["detail"][0]["field"] == "version"
    bad = put(api(clerk_a), url, {**body, "version": 1, "invested_month": "-3"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "invested_month"
    unknown = put(api(clerk_a), url, {**body, "version": 1, "invested_ytd": "9"})
    assert unknown.status_code == 422  # computed, never sent
    warned = put(api(clerk_a), url, {**body, "version": 1, "invested_month": "2500"})
    assert warned.status_code == 200 and warned.json()["warnings"]["invested_month"]
    report_id = data["id"]
    submitted = post(api(clerk_a), f"/api/dispatch/reports/{report_id}/submit", {"version": 2})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert [e["action"] for e in submitted.json()["events"]] == ["create", "save", "submit"]


def test_list_filter_and_review(clerk_a, reviewer_a, dispatcher, entries_a, november) -> None:
    services.reports_save(actor=clerk_a, period=november, rows=[row(e) for e in entries_a[:2]], submit=True)
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[2])])
    listed = api(dispatcher).get("/api/dispatch/periods/2024-11/reports?status=submitted").json()
    assert listed["count"] == 2
    assert api(dispatcher).get("/api/dispatch/periods/2024-11/reports?status=nope").status_code == 422
    first, second = [item["id"] for item in listed["items"]]
    assert post(api(clerk_a), f"/api/dispatch/reports/{first}/approve").status_code == 403
    assert post(api(reviewer_a), f"/api/dispatch/reports/{first}/approve").json()["status"] == "unit_approved"
    assert post(api(dispatcher), f"/api/dispatch/reports/{first}/accept").json()["status"] == "accepted"
    returned = post(api(dispatcher), f"/api/dispatch/reports/{second}/return", {"reason": "数据有误"})
    assert returned.json()["status"] == "returned" and returned.json()["return_reason"] == "数据有误"
    again = post(api(dispatcher), f"/api/dispatch/reports/{first}/accept")
    assert again.status_code == 422 and "已采纳" in again.json()["detail"][0]["message"]


def test_photos_upload_with_a_token(settings, tmp_path, clerk_a, entries_a, november) -> None:
    settings.MEDIA_ROOT = tmp_path
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])])
    report = MonthlyReport.objects.get()
    _token, key = api_token_create(user=clerk_a, name="手机")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    image = io.BytesIO()
    Image.new("RGB", (10, 10), "green").save(image, "PNG")
    image.seek(0)
    image.name = "site.png"
    response = c.post(f"/api/dispatch/reports/{report.pk}/photos", {"photo": image, "caption": "东侧"})
    assert response.status_code == 201 and response.json()["content_type"] == "image/png"
    text = io.BytesIO(b"plain text")
    text.name = "a.png"
    refused = c.post(f"/api/dispatch/reports/{report.pk}/photos", {"photo": text})
    assert refused.status_code == 422 and "不是 JPEG 或 PNG" in refused.json()["detail"][0]["message"]
    assert report.status == ReportStatus.DRAFT and Decimal("100") == report.invested_month
