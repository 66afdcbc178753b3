"""The JSON API: the same rules as the pages, errors in the API's shape, 409 for duplicates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xianfeng.attraction.models import Event, Lead
from xianfeng.attraction.tests.helpers import make_code, make_investor, make_lead, register, sign
from xianfeng.org.services import api_token_create
from xianfeng.projects.choices import Stage as ProjectStage

pytestmark = pytest.mark.django_db
D = Decimal


def _auth(user):
    _token, key = api_token_create(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _post(client, user, url, payload):
    return client.post(url, payload, content_type="application/json", **_auth(user))


LEAD = {
    "name": "光学模组生产基地",
    "source": "direct",
    "investment_amount": "50000",
    "investment_unit": "CNY_WAN",
    "land_mu": "100",
    "expected_tax_wan": "2500",
    "new_investor": {"name": "青岛海尔智能科技有限公司", "origin": "domestic"},
}


def test_create_a_lead_and_read_it_back(client, clerk_a):
    response = _post(client, clerk_a, "/api/attraction/leads", LEAD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "lead" and body["investment_wan"] == "50000.00"
    assert body["screening"]["result"] == "pass" and body["screening"]["invest_per_mu"] == "500.0"
    assert body["timeline"][0]["title"] == "录入线索（线索）"
    listing = client.get("/api/attraction/leads", **_auth(clerk_a)).json()
    assert listing["count"] == 1 and listing["items"][0]["name"] == "光学模组生产基地"


def test_duplicate_is_a_409_with_candidates_until_confirmed(client, clerk_a, clerk_b):
    make_lead(clerk_a, new_investor={"name": "青岛海尔智能科技有限公司", "origin": "domestic"})
    payload = {**LEAD, "new_investor": {"name": "海尔智能科技（青岛）有限公司", "origin": "domestic"}}
    response = _post(client, clerk_b, "/api/attraction/leads", payload)
    assert response.status_code == 409
    body = response.json()
    assert body["candidates"]["investors"][0]["name"] == "青岛海尔智能科技有限公司"
    assert body["candidates"]["leads"][0]["id"] is None  # another unit's lead: not disclosed
    assert body["detail"][0]["field"] == "investor"
    response = _post(client, clerk_b, "/api/attraction/leads", {**payload, "confirm_duplicate": True})
    assert response.status_code == 201


def test_doubtful_unit_is_a_422_with_the_suggestion(client, clerk_a):
    response = _post(
        client, clerk_a, "/api/attraction/leads", {**LEAD, "investment_amount": "5", "land_mu": "50"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["suggestion"] == {"amount": "5", "unit": "CNY_YI", "unit_label": "亿元"}
    assert "confirm_amount" in body["detail"][0]["message"]
    assert not Lead.objects.exists()


def test_bad_input_names_the_field(client, clerk_a):
    payload = {**LEAD, "new_investor": {"name": "Siemens AG", "origin": "foreign"}}
    response = _post(client, clerk_a, "/api/attraction/leads", payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "country"
    response = _post(client, clerk_a, "/api/attraction/leads", {**LEAD, "extra": 1})
    assert response.status_code == 422


def test_the_whole_road_through_the_api(client, clerk_a):
    lead = make_lead(clerk_a)
    url = f"/api/attraction/leads/{lead.pk}/stage"
    response = _post(client, clerk_a, url, {"to_stage": "signed"})
    assert response.status_code == 422
    fields = {item["field"] for item in response.json()["detail"]}
    assert fields == {"signed_on", "signed_amount"}
    assert (
        _post(
            client, clerk_a, url, {"to_stage": "signed", "signed_on": "2024-06-01", "signed_amount": "60000"}
        ).status_code
        == 200
    )
    response = _post(
        client,
        clerk_a,
        url,
        {
            "to_stage": "registered",
            "registered_on": "2024-07-01",
            "company_name": "新公司",
            "credit_code": "91370212MA0000001X",
        },
    )
    assert response.status_code == 422 and "校验码不符" in response.json()["detail"][0]["message"]
    response = _post(
        client,
        clerk_a,
        url,
        {
            "to_stage": "registered",
            "registered_on": "2024-07-01",
            "company_name": "新公司",
            "credit_code": make_code("91370212MA0000001"),
        },
    )
    assert response.status_code == 200
    response = _post(client, clerk_a, url, {"to_stage": "landed", "landed_on": "2024-08-01"})
    assert response.status_code == 422 and "落地须关联项目" in response.json()["detail"][0]["message"]
    response = _post(
        client, clerk_a, url, {"to_stage": "landed", "landed_on": "2024-08-01", "create_project": True}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "landed" and body["project_code"].startswith("XF2024-")
    lead.refresh_from_db()
    assert lead.project.stage == ProjectStage.RESERVE


def test_follow_up_and_foreign_capital(client, clerk_a):
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a, investor=make_investor(clerk_a))))
    response = _post(
        client,
        clerk_a,
        f"/api/attraction/leads/{lead.pk}/follow-ups",
        {"happened_on": "2024-12-01", "kind": "meeting", "summary": "会谈"},
    )
    assert response.status_code == 201 and response.json()["summary"] == "会谈"
    response = _post(
        client,
        clerk_a,
        "/api/attraction/foreign-capital",
        {"lead": lead.pk, "period": "2024-09", "amount_usd_wan": "120"},
    )
    assert response.status_code == 200 and response.json()["period"] == "2024-09"
    totals = client.get("/api/attraction/dashboard", **_auth(clerk_a)).json()["foreign"]
    assert totals["year_total"] == "120.00"


def test_rights(client, clerk_a, clerk_b, leader_user, admin_user, dispatcher):
    lead = make_lead(clerk_a)
    assert client.get(f"/api/attraction/leads/{lead.pk}", **_auth(clerk_b)).status_code == 404
    assert client.get(f"/api/attraction/leads/{lead.pk}", **_auth(leader_user)).status_code == 200
    assert client.get("/api/attraction/leads", **_auth(admin_user)).status_code == 403
    for user in [leader_user, dispatcher]:
        response = _post(client, user, f"/api/attraction/leads/{lead.pk}/stage", {"to_stage": "contacting"})
        assert response.status_code == 403
        assert _post(client, user, "/api/attraction/leads", LEAD).status_code == 403
    assert client.get("/api/attraction/leads").status_code == 401


def test_duplicate_check_endpoint_and_investors(client, clerk_a, clerk_b):
    make_investor(clerk_a, name="青岛海尔智能科技有限公司", origin="domestic", country="")
    found = client.get("/api/attraction/duplicates", {"name": "海尔智能科技"}, **_auth(clerk_b)).json()
    assert found[0]["name"] == "青岛海尔智能科技有限公司" and found[0]["unit"] == "甲单位"
    response = _post(client, clerk_b, "/api/attraction/investors", {"name": "海而智能科技有限公司"})
    assert response.status_code == 409
    assert client.get("/api/attraction/investors", **_auth(clerk_b)).json() == []


def test_events_and_filters(client, clerk_a):
    response = _post(
        client,
        clerk_a,
        "/api/attraction/events",
        {"name": "进博会", "kind": "expo", "starts_on": "2024-11-05"},
    )
    assert response.status_code == 201
    event_id = response.json()["id"]
    make_lead(clerk_a, source="event", event=Event.objects.get(pk=event_id), entered_on=dt.date(2024, 11, 12))
    events = client.get("/api/attraction/events", **_auth(clerk_a)).json()
    assert events[0]["lead_count"] == 1
    assert client.get("/api/attraction/leads", {"stage": "bogus"}, **_auth(clerk_a)).status_code == 422
    assert (
        client.get("/api/attraction/leads", {"event": str(event_id)}, **_auth(clerk_a)).json()["count"] == 1
    )
