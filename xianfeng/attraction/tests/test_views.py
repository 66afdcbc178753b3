"""Pages: every page for every role, and the forms as a user fills them in."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.attraction import services
from xianfeng.attraction.choices import AmountUnit, EventKind, Stage
from xianfeng.attraction.models import Event, FollowUp, ForeignCapital, Investor, Lead
from xianfeng.attraction.tests.helpers import make_investor, make_lead, register, sign
from xianfeng.attraction.views import ECHARTS_JS
from xianfeng.projects.choices import Stage as ProjectStage

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(clerk_a, promo_clerk):
    investor = make_investor(clerk_a, name="日本东和光电株式会社", country="日本")
    lead = make_lead(clerk_a, investor=investor)
    event = services.event_create(
        actor=clerk_a,
        fields={"name": "崂山区推介会", "kind": EventKind.PROMOTION, "starts_on": dt.date(2024, 5, 1)},
    )
    return {"lead": lead, "investor": investor, "event": event}


def _pages(world):
    lead, investor, event = world["lead"].pk, world["investor"].pk, world["event"].pk
    return {
        "board": (reverse("attraction:board"), "read"),
        "list": (reverse("attraction:lead_list"), "read"),
        "export": (reverse("attraction:lead_export"), "read"),
        "dashboard": (reverse("attraction:dashboard"), "read"),
        "investors": (reverse("attraction:investor_list"), "read"),
        "check": (reverse("attraction:duplicate_check") + "?inv_name=东和光电", "read"),
        "events": (reverse("attraction:event_list"), "read"),
        "event": (reverse("attraction:event_detail", args=[event]), "read"),
        "foreign": (reverse("attraction:foreign_capital"), "read"),
        "lead": (reverse("attraction:lead_detail", args=[lead]), "lead"),
        "investor": (reverse("attraction:investor_detail", args=[investor]), "investor"),
        "lead_edit": (reverse("attraction:lead_edit", args=[lead]), "lead_write"),
        "lead_stage": (reverse("attraction:lead_stage", args=[lead]) + "?to=contacting", "lead_write"),
        "follow_up": (reverse("attraction:follow_up_create", args=[lead]), "lead_write"),
        "investor_edit": (reverse("attraction:investor_edit", args=[investor]), "investor_write"),
        "event_edit": (reverse("attraction:event_edit", args=[event]), "event_write"),
        "lead_new": (reverse("attraction:lead_create"), "create"),
        "investor_new": (reverse("attraction:investor_create"), "create"),
        "event_new": (reverse("attraction:event_create"), "create"),
        "import": (reverse("attraction:lead_import"), "create"),
        "template": (reverse("attraction:lead_import_template"), "create"),
    }


# Expected status per role and kind of page. clerk_a owns the lead, investor and event;
# clerk_b is another unit; promo_clerk is the investment-promotion bureau.
EXPECTED = {
    "dispatcher": {
        "read": 200,
        "lead": 200,
        "investor": 200,
        "lead_write": 403,
        "investor_write": 403,
        "event_write": 403,
        "create": 403,
    },
    "leader_user": {
        "read": 200,
        "lead": 200,
        "investor": 200,
        "lead_write": 403,
        "investor_write": 403,
        "event_write": 403,
        "create": 403,
    },
    "clerk_a": {
        "read": 200,
        "lead": 200,
        "investor": 200,
        "lead_write": 200,
        "investor_write": 200,
        "event_write": 200,
        "create": 200,
    },
    "reviewer_a": {
        "read": 200,
        "lead": 200,
        "investor": 200,
        "lead_write": 200,
        "investor_write": 200,
        "event_write": 200,
        "create": 403,
    },
    "clerk_b": {
        "read": 200,
        "lead": 404,
        "investor": 404,
        "lead_write": 404,
        "investor_write": 404,
        "event_write": 403,
        "create": 200,
    },
    "promo_clerk": {
        "read": 200,
        "lead": 200,
        "investor": 200,
        "lead_write": 200,
        "investor_write": 200,
        "event_write": 200,
        "create": 200,
    },
    "admin_user": {
        k: 403 for k in ["read", "lead", "investor", "lead_write", "investor_write", "event_write", "create"]
    },
    "auditor": {
        k: 403 for k in ["read", "lead", "investor", "lead_write", "investor_write", "event_write", "create"]
    },
}
PAGES = [
    "board",
    "list",
    "export",
    "dashboard",
    "investors",
    "check",
    "events",
    "event",
    "foreign",
    "lead",
    "investor",
    "lead_edit",
    "lead_stage",
    "follow_up",
    "investor_edit",
    "event_edit",
    "lead_new",
    "investor_new",
    "event_new",
    "import",
    "template",
]


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_for_every_role(client, request, world, role, page):
    user = request.getfixturevalue(role)
    url, kind = _pages(world)[page]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == EXPECTED[role][kind], (role, page)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_log_in(client, world, page):
    url, _kind = _pages(world)[page]
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ["leader_user", "dispatcher"])
def test_readers_cannot_post_anything(client, request, world, role):
    client.force_login(request.getfixturevalue(role))
    lead = world["lead"]
    for url in [
        reverse("attraction:lead_create"),
        reverse("attraction:lead_stage", args=[lead.pk]),
        reverse("attraction:follow_up_create", args=[lead.pk]),
        reverse("attraction:foreign_capital"),
    ]:
        assert client.post(url, {"to_stage": "contacting"}).status_code == 403, url
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD


# ---------------------------------------------------------------- the lead form


def _lead_post(**overrides):
    data = {
        "name": "海尔智能工厂",
        "source": "direct",
        "investment_amount": "50000",
        "investment_unit": "CNY_WAN",
        "land_mu": "100",
        "expected_tax_wan": "2500",
        "entered_on": "2024-12-06",
        "inv_name": "青岛海尔智能科技有限公司",
        "inv_kind": "company",
        "inv_origin": "domestic",
    }
    data.update(overrides)
    return data


def test_entering_a_lead_shows_the_screening(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(reverse("attraction:lead_create"), _lead_post(), follow=True)
    lead = Lead.objects.get()
    assert response.redirect_chain[-1][0] == reverse("attraction:lead_detail", args=[lead.pk])
    content = response.content.decode()
    assert "初筛通过" in content and "500.0" in content  # 50,000 万元 on 100 亩


def test_the_form_warns_of_a_duplicate_and_saves_only_when_confirmed(client, clerk_a, clerk_b):
    make_lead(clerk_a, new_investor={"name": "青岛海尔智能科技有限公司", "origin": "domestic"})
    client.force_login(clerk_b)
    url = reverse("attraction:lead_create")
    response = client.post(url, _lead_post(inv_name="海尔智能科技（青岛）有限公司"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "疑似重复，尚未保存" in content and "青岛海尔智能科技有限公司" in content and "甲单位" in content
    assert Lead.objects.filter(owner_unit=clerk_b.department).count() == 0
    response = client.post(url, _lead_post(inv_name="海尔智能科技（青岛）有限公司", confirm_duplicate="on"))
    assert response.status_code == 302
    assert Investor.objects.get(name="海尔智能科技（青岛）有限公司").possible_duplicate_of is not None


def test_a_wrong_looking_unit_offers_the_conversion_and_applies_it_when_chosen(client, clerk_a):
    client.force_login(clerk_a)
    url = reverse("attraction:lead_create")
    response = client.post(url, _lead_post(investment_amount="5", land_mu="50"))
    content = response.content.decode()
    assert response.status_code == 200 and "单位可能填错了" in content
    assert 'name="apply_unit" value="CNY_YI"' in content and "改为 5 亿元 并保存" in content
    assert not Lead.objects.exists()
    response = client.post(
        url, _lead_post(investment_amount="5", land_mu="50", apply_unit="CNY_YI", apply_amount="5")
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.investment_unit == AmountUnit.CNY_YI and lead.investment_wan == D("50000.00")


def test_a_wrong_looking_unit_is_kept_when_confirmed(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("attraction:lead_create"), _lead_post(investment_amount="80", confirm_amount="on")
    )
    assert response.status_code == 302
    assert Lead.objects.get().investment_wan == D("80.00")


def test_a_foreign_lead_without_country_is_shown_on_the_country_field(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("attraction:lead_create"), _lead_post(inv_name="Siemens AG", inv_origin="foreign")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["inv_country"] == ["外资投资方须填写国家或地区"]


def test_edit_refuses_a_stale_version(client, clerk_a, world):
    lead = world["lead"]
    client.force_login(clerk_a)
    services.lead_update(actor=clerk_a, lead=lead, fields={"land_mu": D("90")})
    data = {
        "name": lead.name,
        "source": "direct",
        "investment_amount": "50000",
        "investment_unit": "CNY_WAN",
        "land_mu": "80",
        "version": "1",
    }
    response = client.post(reverse("attraction:lead_edit", args=[lead.pk]), data)
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).land_mu == D("90.00")


# ---------------------------------------------------------------- steps and follow-ups


def test_stage_form_explains_missing_signing_data(client, clerk_a, world):
    client.force_login(clerk_a)
    url = reverse("attraction:lead_stage", args=[world["lead"].pk])
    response = client.post(url, {"to_stage": "signed", "signed_unit": "CNY_WAN"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "signed_on": ["签约须填写协议签订日期"],
        "signed_amount": ["签约须填写签约金额"],
    }


def test_landing_from_the_page_creates_the_reserve_project(client, clerk_a, world):
    lead = register(clerk_a, sign(clerk_a, world["lead"]))
    client.force_login(clerk_a)
    url = reverse("attraction:lead_stage", args=[lead.pk])
    response = client.post(url, {"to_stage": "landed", "landed_on": "2024-08-01", "land_mode": "existing"})
    assert "落地须关联项目" in response.content.decode()
    response = client.post(
        url, {"to_stage": "landed", "landed_on": "2024-08-01", "land_mode": "new"}, follow=True
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.LANDED and lead.project.stage == ProjectStage.RESERVE
    assert "储备阶段" in response.content.decode()


def test_a_step_not_open_to_the_lead_is_refused(client, clerk_a, world):
    client.force_login(clerk_a)
    response = client.get(reverse("attraction:lead_stage", args=[world["lead"].pk]) + "?to=landed")
    assert response.status_code == 302
    assert Lead.objects.get(pk=world["lead"].pk).stage == Stage.LEAD


def test_follow_up_from_the_lead_page(client, reviewer_a, world):
    client.force_login(reviewer_a)
    url = reverse("attraction:follow_up_create", args=[world["lead"].pk])
    response = client.post(url, {"happened_on": "2024-12-05", "kind": "call", "summary": ""})
    assert response.status_code == 200 and "请填写情况摘要" in response.content.decode()
    response = client.post(url, {"happened_on": "2024-12-05", "kind": "call", "summary": "电话沟通"})
    assert response.status_code == 302 and FollowUp.objects.get().actor == reviewer_a
    detail = client.get(reverse("attraction:lead_detail", args=[world["lead"].pk])).content.decode()
    assert "电话沟通" in detail


# ---------------------------------------------------------------- other pages


def test_event_and_investor_forms(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("attraction:event_create"),
        {
            "name": "第七届进博会",
            "kind": "expo",
            "starts_on": "2024-11-05",
            "ends_on": "2024-11-10",
            "city": "上海",
        },
    )
    assert response.status_code == 302 and Event.objects.get().organiser == clerk_a.department
    response = client.post(
        reverse("attraction:investor_create"),
        {"name": "某公司", "kind": "company", "origin": "domestic", "credit_code": "91370200163562681H"},
    )
    assert "校验码不符" in response.content.decode()
    response = client.post(
        reverse("attraction:investor_create"),
        {
            "name": "海尔集团公司",
            "kind": "company",
            "origin": "domestic",
            "credit_code": "91370200163562681G",
        },
    )
    assert response.status_code == 302


def test_duplicate_hint_while_typing(client, clerk_a, clerk_b):
    make_investor(clerk_a, name="青岛海尔智能科技有限公司", origin="domestic", country="")
    client.force_login(clerk_b)
    response = client.get(reverse("attraction:duplicate_check"), {"inv_name": "海尔智能科技"})
    content = response.content.decode()
    assert "可能已登记" in content and "青岛海尔智能科技有限公司" in content and "href" not in content


def test_export_has_only_the_users_rows(client, clerk_a, clerk_b, world):
    make_lead(clerk_b, name="乙单位的线索")
    client.force_login(clerk_a)
    response = client.get(reverse("attraction:lead_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "项目名称" and len(rows) == 2 and rows[1][0] == world["lead"].name


def test_dashboard_renders_figures_and_the_vendored_chart_library(client, promo_clerk, world):
    sign(promo_clerk, world["lead"])
    client.force_login(promo_clerk)
    response = client.get(reverse("attraction:dashboard"))
    content = response.content.decode()
    assert 'data-step="signed"' in content and "xf-attraction-chart-data" in content
    assert ECHARTS_JS in content
    assert (Path(django_settings.BASE_DIR) / "static" / ECHARTS_JS).is_file()
    assert response.context["funnel"][2]["count"] == 1


def test_foreign_capital_page_saves_a_month(client, clerk_a, world):
    lead = register(clerk_a, sign(clerk_a, world["lead"]))
    client.force_login(clerk_a)
    response = client.post(
        reverse("attraction:foreign_capital"), {"lead": lead.pk, "period": "2024-09", "amount_usd_wan": "320"}
    )
    assert response.status_code == 302
    assert ForeignCapital.objects.get().period == dt.date(2024, 9, 1)
    page = client.get(reverse("attraction:foreign_capital") + "?year=2024")
    assert page.context["totals"]["year_total"] == D("320")


def test_the_duplicate_warning_offers_to_use_the_existing_investor(client, clerk_a):
    existing = make_investor(clerk_a, name="青岛海尔智能科技有限公司", origin="domestic", country="")
    client.force_login(clerk_a)
    url = reverse("attraction:lead_create")
    response = client.post(url, _lead_post(inv_name="海尔智能科技（青岛）有限公司"))
    assert f'name="use_investor" value="{existing.pk}"' in response.content.decode()
    response = client.post(
        url, _lead_post(inv_name="海尔智能科技（青岛）有限公司", use_investor=str(existing.pk))
    )
    assert response.status_code == 302
    assert Lead.objects.get().investor == existing and Investor.objects.count() == 1


def test_investor_dropdown_lists_a_manageable_number(client, clerk_a, monkeypatch):
    from xianfeng.attraction import forms

    monkeypatch.setattr(forms, "CHOICES_SHOWN", 3)
    investors = [
        make_investor(clerk_a, name=f"测试投资{i}号有限公司", origin="domestic", country="") for i in range(5)
    ]
    client.force_login(clerk_a)
    form = client.get(reverse("attraction:lead_create")).context["form"]
    assert len(form.fields["investor"].widget.choices) == 4  # the blank and the three newest
    # An older one is still accepted (and listed when it is the one posted).
    response = client.post(
        reverse("attraction:lead_create"), _lead_post(inv_name="", investor=str(investors[0].pk))
    )
    assert response.status_code == 302 and Lead.objects.get().investor == investors[0]
