"""The issue's "done when", tried through the pages as a new user would: an officer records a lead
from an expo, logs two meetings, marks it signed, registered (credit code validated) and landed —
which creates the reserve project in the registry; the conversion dashboard moves; a second unit
entering the same investor gets a duplicate warning."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xianfeng.attraction.choices import EventKind, Stage
from xianfeng.attraction.models import Event, FollowUp, Lead
from xianfeng.attraction.tests.helpers import make_code
from xianfeng.projects.choices import Stage as ProjectStage
from xianfeng.projects.models import Project
from xianfeng.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _funnel(client) -> dict[str, int]:
    response = client.get(reverse("attraction:dashboard"))
    assert response.status_code == 200
    return {step["key"]: step["count"] for step in response.context["funnel"]}


def test_done_when(client, promo_clerk, clerk_b, chain):
    assert client.login(username=promo_clerk.username, password=PASSWORD)
    # The expo is registered once (the bureau keeps the calendar of events).
    response = client.post(
        reverse("attraction:event_create"),
        {
            "name": "第七届中国国际进口博览会",
            "kind": EventKind.EXPO,
            "starts_on": "2024-11-05",
            "ends_on": "2024-11-10",
            "city": "上海",
            "country": "中国",
        },
    )
    expo = Event.objects.get()
    assert response.status_code == 302
    before = _funnel(client)

    # 1. The lead, from the expo's page.
    form = client.get(reverse("attraction:lead_create") + f"?event={expo.pk}")
    assert form.context["form"].initial["source"] == "event"
    response = client.post(
        reverse("attraction:lead_create"),
        {
            "name": "博伦光学模组生产基地",
            "source": "event",
            "event": expo.pk,
            "chain": chain.pk,
            "investment_amount": "5000",
            "investment_unit": "USD_WAN",
            "land_mu": "100",
            "floor_area": "60000",
            "expected_tax_wan": "2200",
            "entered_on": "2024-11-12",
            "inv_name": "德国博伦光学股份公司",
            "inv_kind": "company",
            "inv_origin": "foreign",
            "inv_country": "德国",
        },
        follow=True,
    )
    assert response.redirect_chain, response.context["form"].errors
    lead = Lead.objects.get()
    assert "初筛通过" in response.content.decode()  # 35,500 万元 on 100 亩, 22 万元/亩 tax
    detail_url = reverse("attraction:lead_detail", args=[lead.pk])

    # 2. Two meetings.
    for day, summary in [
        ("2024-11-15", "与博伦亚太区总裁会谈，介绍虚拟现实产业园载体"),
        ("2024-11-26", "第二轮会谈，确定用地和协议框架"),
    ]:
        response = client.post(
            reverse("attraction:follow_up_create", args=[lead.pk]),
            {
                "happened_on": day,
                "kind": "meeting",
                "summary": summary,
                "next_step": "起草协议",
                "next_step_on": "2024-12-10",
            },
        )
        assert response.status_code == 302
    assert FollowUp.objects.filter(lead=lead, kind="meeting").count() == 2

    # 3. Signed, 4. registered (a mistyped code first), 5. landed.
    stage_url = reverse("attraction:lead_stage", args=[lead.pk])
    response = client.post(
        stage_url,
        {"to_stage": "signed", "signed_on": "2024-11-28", "signed_amount": "36000", "signed_unit": "CNY_WAN"},
    )
    assert response.status_code == 302
    good = make_code("91370212MA7X5B2K3")
    typo = good[:5] + ("8" if good[5] != "8" else "9") + good[6:]
    response = client.post(
        stage_url,
        {
            "to_stage": "registered",
            "registered_on": "2024-12-03",
            "company_name": "博伦光学（青岛）有限公司",
            "credit_code": typo,
        },
    )
    assert response.status_code == 200 and "校验码不符" in response.content.decode()
    response = client.post(
        stage_url,
        {
            "to_stage": "registered",
            "registered_on": "2024-12-03",
            "company_name": "博伦光学（青岛）有限公司",
            "credit_code": good.lower(),
        },
    )
    assert response.status_code == 302
    response = client.post(stage_url, {"to_stage": "landed", "landed_on": "2024-12-05", "land_mode": "new"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == Stage.LANDED and lead.credit_code == good
    project = Project.objects.get()
    assert project.stage == ProjectStage.RESERVE and project.attraction_lead == lead
    assert project.lead_unit == promo_clerk.department and project.total_investment == 36000
    # The project is in the registry, and the lead page links to it.
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
    page = client.get(detail_url).content.decode()
    assert reverse("projects:detail", args=[project.pk]) in page and "会谈" in page and "签约" in page

    # The dashboard moved.
    after = _funnel(client)
    assert after["lead"] == before["lead"] + 1
    assert after["signed"] == before["signed"] + 1 and after["landed"] == before["landed"] + 1
    event_page = client.get(reverse("attraction:event_detail", args=[expo.pk]))
    assert event_page.context["outcome"]["landed"] == 1

    # A second unit enters the same investor under another spelling: warned before saving.
    client.logout()
    assert client.login(username=clerk_b.username, password=PASSWORD)
    response = client.post(
        reverse("attraction:lead_create"),
        {
            "name": "博伦光学研发中心",
            "source": "direct",
            "investment_amount": "8000",
            "investment_unit": "CNY_WAN",
            "entered_on": "2024-12-06",
            "inv_name": "博伦光学股份公司（德国）",
            "inv_kind": "company",
            "inv_origin": "foreign",
            "inv_country": "德国",
        },
    )
    content = response.content.decode()
    assert (
        response.status_code == 200 and "疑似重复，尚未保存" in content and "德国博伦光学股份公司" in content
    )
    assert Lead.objects.count() == 1
