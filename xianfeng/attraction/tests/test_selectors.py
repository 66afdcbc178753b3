"""Reads: who sees which leads, the screening, the board and the conversion figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xianfeng.attraction import selectors, services
from xianfeng.attraction.choices import Source
from xianfeng.attraction.models import Investor, Lead
from xianfeng.attraction.tests.helpers import make_investor, make_lead, register, sign
from xianfeng.projects.choices import Stage as ProjectStage
from xianfeng.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
D = Decimal


# ---------------------------------------------------------------- who sees what


def test_leads_are_seen_by_their_unit_the_bureau_leaders_and_the_office(
    clerk_a, clerk_b, reviewer_a, promo_clerk, leader_user, dispatcher, admin_user, auditor
):
    a = make_lead(clerk_a)
    b = make_lead(clerk_b)
    p = make_lead(promo_clerk)
    seen = {
        user.username: set(Lead.objects.restrict(user, "view").values_list("pk", flat=True))
        for user in [clerk_a, clerk_b, reviewer_a, promo_clerk, leader_user, dispatcher, admin_user, auditor]
    }
    assert seen == {
        "bob": {a.pk},
        "charlie": {b.pk},
        "dave": {a.pk},
        "ivy": {a.pk, b.pk, p.pk},
        "erin": {a.pk, b.pk, p.pk},
        "alice": {a.pk, b.pk, p.pk},
        "frank": set(),
        "grace": set(),
    }
    changes = {
        u.username: Lead.objects.restrict(u, "change").count() for u in [promo_clerk, leader_user, dispatcher]
    }
    assert changes == {"ivy": 3, "erin": 0, "alice": 0}


def test_bureau_is_the_configured_department(clerk_a, promo_clerk, settings):
    make_lead(clerk_a)
    assert Lead.objects.restrict(promo_clerk, "view").count() == 1
    settings.XF_ATTRACTION_BUREAU_CODE = "OTHER"
    fresh = type(promo_clerk).objects.get(pk=promo_clerk.pk)  # a new request: no cached flag
    assert Lead.objects.restrict(fresh, "view").count() == 0


def test_investors_of_other_units_are_hidden_except_district_enterprises(clerk_a, clerk_b):
    own = make_investor(clerk_a, name="甲单位的投资方有限公司", origin="domestic", country="")
    host = make_investor(
        clerk_b, name="区内龙头企业有限公司", origin="domestic", country="", in_district=True
    )
    hidden = make_investor(clerk_b, name="乙单位的投资方有限公司", origin="domestic", country="")
    visible = set(Investor.objects.restrict(clerk_a, "view").values_list("pk", flat=True))
    assert own.pk in visible and host.pk in visible and hidden.pk not in visible
    assert not Investor.objects.restrict(clerk_a, "change").filter(pk=host.pk).exists()


def test_lead_get_is_404_for_another_unit(clerk_a, clerk_b):
    from django.http import Http404

    lead = make_lead(clerk_b)
    with pytest.raises(Http404):
        selectors.lead_get(user=clerk_a, pk=lead.pk)


# ---------------------------------------------------------------- screening


@pytest.mark.parametrize(
    ("investment", "land", "tax", "result", "per_mu", "tax_per_mu"),
    [
        (D("30000"), D("100"), D("2500"), "pass", D("300.0"), D("25.0")),
        (D("25000"), D("100"), D("2500"), "fail", D("250.0"), D("25.0")),
        (D("30000"), D("100"), D("1500"), "fail", D("300.0"), D("15.0")),
        (D("30000"), D("100"), None, "incomplete", D("300.0"), None),
        (D("30000"), None, None, "na", None, None),
        (D("28000"), D("100"), D("2000"), "pass", D("280.0"), D("20.0")),  # the threshold itself passes
    ],
)
def test_screening_against_qingdao_thresholds(investment, land, tax, result, per_mu, tax_per_mu):
    screening = selectors.screen(investment_wan=investment, land_mu=land, expected_tax_wan=tax)
    assert (screening.result, screening.invest_per_mu, screening.tax_per_mu) == (result, per_mu, tax_per_mu)
    assert screening.min_invest == D("280") and screening.min_tax == D("20")


def test_screening_thresholds_are_settings(settings):
    settings.XF_ATTRACTION_MIN_INVEST_PER_MU = D("400")
    screening = selectors.screen(investment_wan=D("30000"), land_mu=D("100"), expected_tax_wan=D("2500"))
    assert screening.result == "fail" and "标准 ≥ 400" in screening.summary


# ---------------------------------------------------------------- conversion


@pytest.fixture
def pipeline(clerk_a, promo_clerk, chain, expo, project_a):
    """Five leads: one landed on a started project, one landed on a new project, one registered,
    one signed then lost, one still a lead."""
    project_a.actual_start = dt.date(2024, 10, 8)
    project_a.stage = ProjectStage.CONSTRUCTION
    project_a.save()
    started = register(
        clerk_a,
        sign(
            clerk_a,
            make_lead(clerk_a, chain=chain, source=Source.EVENT, event=expo, entered_on=dt.date(2024, 2, 1)),
            dt.date(2024, 5, 1),
        ),
        dt.date(2024, 6, 1),
    )
    started = services.lead_land(
        actor=clerk_a, lead=started, landed_on=dt.date(2024, 7, 1), project=project_a
    )
    fresh = register(
        clerk_a,
        sign(clerk_a, make_lead(clerk_a, entered_on=dt.date(2024, 3, 1)), dt.date(2024, 4, 1)),
        dt.date(2024, 5, 1),
    )
    fresh = services.lead_land(actor=clerk_a, lead=fresh, landed_on=dt.date(2024, 6, 1), create_project=True)
    registered = register(
        clerk_a, sign(clerk_a, make_lead(clerk_a), dt.date(2024, 3, 11)), dt.date(2024, 4, 1)
    )
    lost = sign(promo_clerk, make_lead(promo_clerk, chain=chain), dt.date(2024, 3, 31))
    lost = services.lead_lose(actor=promo_clerk, lead=lost, lost_on=dt.date(2024, 9, 1), reason="选址外地")
    waiting = make_lead(promo_clerk)
    return {"started": started, "fresh": fresh, "registered": registered, "lost": lost, "waiting": waiting}


def test_funnel_counts_how_far_each_lead_got(pipeline, promo_clerk):
    steps = {s["key"]: s for s in selectors.funnel(leads=selectors.lead_list(user=promo_clerk))}
    assert {k: s["count"] for k, s in steps.items()} == {
        "lead": 5,
        "negotiating": 4,  # signing fills the skipped stages
        "signed": 4,
        "registered": 3,
        "landed": 2,
        "started": 1,
        "operating": 0,
    }
    assert steps["signed"]["of_total"] == D("80.0") and steps["started"]["of_previous"] == D("50.0")


def test_stage_durations_average_the_days_of_leads_that_moved_on(pipeline, promo_clerk):
    spans = {d["label"]: d for d in selectors.stage_durations(leads=selectors.lead_list(user=promo_clerk))}
    # 签约→注册: started 31 days (05-01→06-01), fresh 30 (04-01→05-01), registered 21 (03-11→04-01).
    assert spans["签约→注册"]["count"] == 3
    assert spans["签约→注册"]["days"] == D("27.3")
    assert spans["落地→开工"] == {"label": "落地→开工", "days": D("99.0"), "count": 1}  # 07-01 → 10-08


def test_signed_not_started_lists_ages_and_skips_lost_and_started(pipeline, promo_clerk):
    count, rows = selectors.signed_not_started(leads=selectors.lead_list(user=promo_clerk))
    assert count == 2
    assert [(r.pk, r.age_days) for r in rows] == [
        (pipeline["registered"].pk, (dt.date(2024, 12, 6) - dt.date(2024, 3, 11)).days),
        (pipeline["fresh"].pk, (dt.date(2024, 12, 6) - dt.date(2024, 4, 1)).days),
    ]


def test_conversion_by_source_unit_chain_and_officer(pipeline, promo_clerk, clerk_a, chain):
    leads = selectors.lead_list(user=promo_clerk)
    by_unit = {r["name"]: r for r in selectors.conversion_by(leads=leads, dimension="unit")}
    assert (
        by_unit["甲"]["total"],
        by_unit["甲"]["signed"],
        by_unit["甲"]["landed"],
        by_unit["甲"]["started"],
    ) == (
        3,
        3,
        2,
        1,
    )
    assert by_unit["甲"]["start_rate"] == D("33.3")
    by_source = {r["key"]: r for r in selectors.conversion_by(leads=leads, dimension="source")}
    assert by_source["event"]["started"] == 1 and by_source["direct"]["total"] == 4
    by_chain = {r["name"]: r["total"] for r in selectors.conversion_by(leads=leads, dimension="chain")}
    assert by_chain == {"虚拟现实": 2, "未指定": 3}
    by_officer = selectors.conversion_by(leads=leads, dimension="officer")
    assert sum(r["total"] for r in by_officer) == 5


def test_event_list_counts_only_what_the_user_may_see(pipeline, expo, clerk_b, promo_clerk):
    [event] = selectors.event_list(user=promo_clerk)
    assert (event.lead_count, event.signed_count, event.landed_count, event.started_count) == (1, 1, 1, 1)
    [event] = selectors.event_list(user=clerk_b)
    assert event.lead_count == 0


def test_dashboard_follows_the_filters(pipeline, promo_clerk, chain):
    data = selectors.dashboard(user=promo_clerk, filters=selectors.LeadFilters(chain=chain.pk))
    assert data["funnel"][0]["count"] == 2
    assert data["trend"]["months"][0] == "2023-01" and data["trend"]["months"][-1] == "2024-12"
    assert sum(data["trend"]["entered"]) == 2


def test_foreign_capital_totals_by_month(clerk_a):
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a, investor=make_investor(clerk_a))))
    for month, amount in [(8, "500"), (9, "250"), (11, "100")]:
        services.foreign_capital_save(
            actor=clerk_a, lead=lead, period=dt.date(2024, month, 1), amount_usd_wan=D(amount)
        )
    totals = selectors.foreign_capital_totals(user=clerk_a, year=2024)
    assert totals["months"][7:11] == [D("500"), D("250"), D("0"), D("100")]
    assert totals["year_total"] == D("850") and totals["cumulative"][-1] == D("850")
    assert selectors.foreign_capital_totals(user=clerk_a, year=2023)["year_total"] == 0


# ---------------------------------------------------------------- the board


def test_board_columns_and_a_fixed_number_of_queries(clerk_a, promo_clerk):
    for _ in range(3):
        make_lead(clerk_a)
    sign(clerk_a, make_lead(clerk_a))
    lost = make_lead(promo_clerk)
    services.lead_lose(actor=promo_clerk, lead=lost, reason="不再考虑")
    promo_clerk.department  # noqa: B018 - load the bureau flag outside the count
    with CaptureQueriesContext(connection) as queries:
        columns = selectors.lead_board(user=promo_clerk)
    counts = {c.stage: c.count for c in columns}
    assert counts == {
        "lead": 3,
        "contacting": 0,
        "negotiating": 0,
        "signed": 1,
        "registered": 0,
        "landed": 0,
        "lost": 1,
    }
    assert len(queries) == 4  # one GROUP BY, one query per non-empty column
    assert {c.stage: len(c.cards) for c in columns}["lead"] == 3
    assert columns[3].investment_wan == D("50000.00")


def test_lead_for_project_is_the_source_lead_when_visible(clerk_a, clerk_b, project_a):
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a)))
    services.lead_land(actor=clerk_a, lead=lead, landed_on=dt.date(2024, 8, 1), project=project_a)
    assert selectors.lead_for_project(user=clerk_a, project=project_a) == lead
    assert selectors.lead_for_project(user=clerk_b, project=project_a) is None
    assert ProjectFactory(lead_unit=clerk_a.department).pk in selectors.landing_projects(
        user=clerk_a
    ).values_list("pk", flat=True)
    assert project_a not in selectors.landing_projects(user=clerk_a)


def test_duplicate_lookup_reads_only_the_rows_sharing_a_key(clerk_a):
    for name in ["青岛海尔智能科技有限公司", "青岛海信电器股份有限公司", "北京字节跳动网络技术有限公司"]:
        make_investor(clerk_a, name=name, origin="domestic", country="")
    found = selectors.investor_duplicates(name="海尔智能科技（青岛）有限公司")
    assert [c.name for c in found] == ["青岛海尔智能科技有限公司"]
    assert selectors.investor_duplicates(name="完全无关的名字") == []


def test_project_page_links_back_to_its_source_lead(clerk_a, clerk_b, dispatcher, project_a, client):
    from django.urls import reverse

    assert selectors.project_lead_links(dispatcher, project_a) == []
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a)))
    services.lead_land(actor=clerk_a, lead=lead, landed_on=dt.date(2024, 8, 1), project=project_a)
    [link] = selectors.project_lead_links(dispatcher, project_a)
    assert link.url == reverse("attraction:lead_detail", args=[lead.pk]) and link.detail == lead.name
    assert selectors.project_lead_links(clerk_b, project_a) == []
    client.force_login(clerk_a)
    html = client.get(reverse("projects:detail", args=[project_a.pk])).content.decode()
    assert link.url in html and "来源招商线索" in html
