"""Writes of investment attraction: rules, bad input with clear messages, rights, the audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.attraction import services
from xianfeng.attraction.choices import AmountUnit, FollowUpKind, Origin, Source, Stage
from xianfeng.attraction.models import FollowUp, ForeignCapital, Investor, Lead, LeadStageChange
from xianfeng.attraction.tests.helpers import (
    make_code,
    make_investor,
    make_lead,
    new_investor,
    register,
    sign,
)
from xianfeng.audit.models import ChangeRecord
from xianfeng.projects.choices import Stage as ProjectStage
from xianfeng.projects.models import Project

pytestmark = pytest.mark.django_db
D = Decimal


def _messages(exc: ValidationError, field: str) -> str:
    return (
        " ".join(exc.value.message_dict[field])
        if hasattr(exc, "value")
        else " ".join(exc.message_dict[field])
    )


# ---------------------------------------------------------------- entering leads and investors


def test_lead_with_a_new_investor_is_logged_and_starts_as_a_lead(clerk_a, chain):
    lead = make_lead(clerk_a, chain=chain, new_investor=new_investor("青岛海尔智能科技有限公司"))
    assert lead.stage == Stage.LEAD and lead.furthest_rank == 0
    assert lead.owner_unit == clerk_a.department
    assert lead.investment_wan == D("50000.00")
    assert lead.investor.name_norm == "海尔智能科技"
    assert lead.investor.owner_unit == clerk_a.department
    assert ChangeRecord.objects.filter(
        object_type="attraction.Lead", object_id=str(lead.pk), action="create"
    ).exists()
    assert ChangeRecord.objects.filter(object_type="attraction.Investor", action="create").count() == 1
    assert LeadStageChange.objects.filter(lead=lead, to_stage=Stage.LEAD).count() == 1


def test_foreign_amount_is_converted_at_the_configured_rate_and_the_rate_is_kept(clerk_a, settings):
    settings.XF_ATTRACTION_FX_RATES = {"USD": "7.10"}
    lead = make_lead(clerk_a, investment_amount=D("3000"), investment_unit=AmountUnit.USD_WAN)
    assert lead.investment_wan == D("21300.00")
    assert lead.fx_rate == D("7.1")


def test_a_second_unit_entering_the_same_investor_gets_a_duplicate_warning(clerk_a, clerk_b):
    make_lead(clerk_a, new_investor=new_investor("青岛海尔智能科技有限公司"))
    with pytest.raises(services.DuplicateError) as exc:
        services.lead_create(
            actor=clerk_b,
            fields={"name": "海尔智能工厂二期", "source": Source.DIRECT, "investment_amount": D("30000")},
            new_investor=new_investor("海尔智能科技（青岛）有限公司"),
        )
    found = exc.value.duplicates
    assert [c.name for c in found.investors] == ["青岛海尔智能科技有限公司"]
    assert found.investors[0].unit == "甲单位"
    assert found.investors[0].visible is False  # charlie may not open bob's investor
    assert "疑似重复投资方" in " ".join(exc.value.messages)
    assert found.leads and found.leads[0].unit == "甲单位" and not found.leads[0].visible
    assert Lead.objects.count() == 1 and Investor.objects.count() == 1  # nothing written


def test_confirming_a_duplicate_saves_it_flagged_for_the_bureau(clerk_a, clerk_b):
    first = make_lead(clerk_a, new_investor=new_investor("青岛海尔智能科技有限公司"))
    lead = services.lead_create(
        actor=clerk_b,
        fields={"name": "海尔智能工厂二期", "source": Source.DIRECT, "investment_amount": D("30000")},
        new_investor=new_investor("海而智能科技有限公司"),  # a homophone slip
        confirm_duplicate=True,
    )
    assert lead.investor.possible_duplicate_of_id == first.investor_id
    assert ChangeRecord.objects.get(object_type="attraction.Lead", object_id=str(lead.pk)).reason


def test_equal_credit_code_is_a_duplicate_whatever_the_name(clerk_a, clerk_b):
    code = make_code("91370212MA0000001")
    make_lead(clerk_a, new_investor=new_investor("青岛甲科技有限公司", credit_code=code))
    with pytest.raises(services.DuplicateError) as exc:
        services.investor_create(
            actor=clerk_b,
            fields={"name": "完全不同的名字有限公司", "origin": Origin.DOMESTIC, "credit_code": code},
        )
    assert exc.value.duplicates.investors[0].reason == "统一社会信用代码相同"


def test_unrelated_names_are_not_flagged(clerk_a, clerk_b):
    make_lead(clerk_a, new_investor=new_investor("青岛海尔智能科技有限公司"))
    investor = services.investor_create(
        actor=clerk_b, fields={"name": "青岛海信智能科技有限公司", "origin": Origin.DOMESTIC}
    )
    assert investor.possible_duplicate_of is None


def test_lead_for_an_investor_another_unit_is_working_is_flagged(promo_clerk, clerk_a):
    investor = make_investor(promo_clerk)
    make_lead(promo_clerk, investor=investor)
    # The bureau's investor is not clerk_a's to see, so clerk_a types it in: the name matches.
    with pytest.raises(services.DuplicateError):
        make_lead_unconfirmed(
            clerk_a,
            new_investor={"name": "西门子（中国）有限公司", "origin": Origin.FOREIGN, "country": "德国"},
        )


def make_lead_unconfirmed(actor, **kwargs):
    fields = {"name": "重复登记的线索", "source": Source.DIRECT, "investment_amount": D("30000")}
    new = kwargs.pop("new_investor", None)
    fields.update(kwargs)
    return services.lead_create(actor=actor, fields=fields, new_investor=new)


def test_lead_for_an_existing_investor_another_unit_works_is_flagged(promo_clerk, clerk_a):
    """The bureau sees every investor: entering a lead for one already worked by a unit warns."""
    investor = make_investor(clerk_a, name="新加坡丰树集团", country="新加坡")
    make_lead(clerk_a, investor=investor)
    with pytest.raises(services.DuplicateError) as exc:
        make_lead_unconfirmed(promo_clerk, investor=investor)
    assert exc.value.duplicates.leads[0].unit == "甲单位"


# ---------------------------------------------------------------- bad input, each with a clear message


def test_foreign_lead_without_a_country_is_refused(clerk_a):
    with pytest.raises(ValidationError) as exc:
        make_lead_unconfirmed(clerk_a, new_investor={"name": "Siemens AG", "origin": Origin.FOREIGN})
    assert "外资投资方须填写国家或地区" in exc.value.message_dict["country"][0]
    with pytest.raises(ValidationError) as exc:
        make_lead_unconfirmed(clerk_a, new_investor={"name": "新鸿基地产", "origin": Origin.HMT})
    assert "港澳台资投资方须填写国家或地区" in exc.value.message_dict["country"][0]
    assert not Lead.objects.exists() and not Investor.objects.exists()


@pytest.mark.parametrize(
    ("amount", "unit", "land", "suggested"),
    [
        (D("5"), AmountUnit.CNY_WAN, D("50"), AmountUnit.CNY_YI),  # 5 亿 typed as 5 万
        (D("0.5"), AmountUnit.CNY_WAN, None, AmountUnit.CNY_YI),  # 0.5 万元 for a factory
        (D("50000"), AmountUnit.CNY_YI, None, AmountUnit.CNY_WAN),  # 5 亿 in 万 typed in 亿
        (D("3"), AmountUnit.USD_WAN, None, AmountUnit.USD_YI),
    ],
)
def test_an_amount_whose_unit_looks_wrong_is_explained_with_the_conversion(
    clerk_a, amount, unit, land, suggested
):
    with pytest.raises(services.AmountDoubtError) as exc:
        make_lead_unconfirmed(
            clerk_a, investment_amount=amount, investment_unit=unit, land_mu=land, new_investor=new_investor()
        )
    assert exc.value.doubt.suggested_unit == suggested
    message = exc.value.message_dict["investment_amount"][0]
    assert "单位可能填错了" in message and "金额和单位无误" in message
    assert not Lead.objects.exists()


def test_a_yuan_figure_typed_into_wan_is_explained(clerk_a):
    with pytest.raises(services.AmountDoubtError) as exc:
        make_lead_unconfirmed(clerk_a, investment_amount=D("500000000"), new_investor=new_investor())
    assert exc.value.doubt.suggested_amount == D("50000.00")
    assert "按“元”填写" in exc.value.doubt.message


def test_a_doubtful_amount_is_saved_as_entered_when_confirmed(clerk_a):
    lead = services.lead_create(
        actor=clerk_a,
        fields={"name": "小型展示厅", "source": Source.DIRECT, "investment_amount": D("50")},
        new_investor=new_investor(),
        confirm_amount=True,
    )
    assert lead.investment_wan == D("50.00") and lead.investment_unit == AmountUnit.CNY_WAN


def test_event_source_needs_the_event_and_investor_source_an_introducer_in_the_district(clerk_a):
    with pytest.raises(ValidationError) as exc:
        make_lead_unconfirmed(clerk_a, source=Source.EVENT, new_investor=new_investor())
    assert "须选择招商活动" in exc.value.message_dict["event"][0]
    outsider = make_investor(clerk_a, name="上海某投资有限公司", origin=Origin.DOMESTIC, country="")
    with pytest.raises(ValidationError) as exc:
        make_lead_unconfirmed(
            clerk_a, source=Source.INVESTOR, introducer=outsider, new_investor=new_investor()
        )
    assert "不是区内已落户企业" in exc.value.message_dict["introducer"][0]
    with pytest.raises(ValidationError) as exc:
        make_lead_unconfirmed(clerk_a, source=Source.INVESTOR, new_investor=new_investor())
    assert "以商招商须选择引荐企业" in exc.value.message_dict["introducer"][0]


def test_a_unit_clerk_enters_leads_only_for_their_unit_the_bureau_for_any(clerk_a, unit_b, promo_clerk):
    with pytest.raises(ValidationError) as exc:
        make_lead_unconfirmed(clerk_a, owner_unit=unit_b, new_investor=new_investor())
    assert exc.value.message_dict["owner_unit"] == ["只能选择本单位"]
    lead = make_lead(promo_clerk, owner_unit=unit_b)
    assert lead.owner_unit == unit_b


def test_officer_must_belong_to_the_owner_unit(clerk_a, clerk_b):
    with pytest.raises(ValidationError) as exc:
        make_lead_unconfirmed(clerk_a, officer=clerk_b, new_investor=new_investor())
    assert "不是责任单位" in exc.value.message_dict["officer"][0]


def test_invalid_investor_credit_code_names_the_fault(clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.investor_create(
            actor=clerk_a,
            fields={"name": "某公司", "origin": Origin.DOMESTIC, "credit_code": "91370212MA0000001X"},
        )
    assert "校验码不符" in exc.value.message_dict["credit_code"][0]


@pytest.mark.parametrize("role_fixture", ["leader_user", "dispatcher", "reviewer_a", "admin_user", "auditor"])
def test_only_unit_reporters_enter_leads(request, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        make_lead_unconfirmed(actor, new_investor=new_investor())


# ---------------------------------------------------------------- the road to landing


def test_stage_steps_fill_skipped_dates_and_keep_the_furthest_rank(clerk_a):
    lead = make_lead(clerk_a)
    lead = services.lead_advance(
        actor=clerk_a, lead=lead, to_stage=Stage.NEGOTIATING, effective_on=dt.date(2024, 4, 1)
    )
    assert lead.contacting_on == lead.negotiating_on == dt.date(2024, 4, 1)
    assert lead.furthest_rank == 2 and lead.stage_changed_on == dt.date(2024, 4, 1)
    with pytest.raises(ValidationError) as exc:
        services.lead_advance(actor=clerk_a, lead=lead, to_stage=Stage.CONTACTING)
    assert "不能转为“接洽”" in exc.value.message_dict["to_stage"][0]


def test_signed_needs_agreement_date_and_amount(clerk_a):
    lead = make_lead(clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.lead_sign(actor=clerk_a, lead=lead, signed_on=None, amount=None)
    assert exc.value.message_dict == {
        "signed_on": ["签约须填写协议签订日期"],
        "signed_amount": ["签约须填写签约金额"],
    }
    with pytest.raises(ValidationError) as exc:
        services.lead_sign(actor=clerk_a, lead=lead, signed_on=dt.date(2024, 6, 1), amount=None)
    assert exc.value.message_dict == {"signed_amount": ["签约须填写签约金额"]}
    with pytest.raises(ValidationError) as exc:
        services.lead_sign(actor=clerk_a, lead=lead, signed_on=dt.date(2025, 1, 1), amount=D("1000"))
    assert "不能晚于今天" in exc.value.message_dict["signed_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.lead_sign(actor=clerk_a, lead=lead, signed_on=dt.date(2024, 2, 1), amount=D("1000"))
    assert "不能早于进入“线索”阶段的日期" in exc.value.message_dict["signed_on"][0]
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD


def test_signed_amount_unit_doubt_and_conversion(clerk_a):
    lead = make_lead(clerk_a)
    with pytest.raises(services.AmountDoubtError):
        services.lead_sign(actor=clerk_a, lead=lead, signed_on=dt.date(2024, 6, 1), amount=D("6"))
    lead = services.lead_sign(
        actor=clerk_a, lead=lead, signed_on=dt.date(2024, 6, 1), amount=D("6"), unit=AmountUnit.CNY_YI
    )
    assert lead.signed_wan == D("60000.00") and lead.stage == Stage.SIGNED and lead.furthest_rank == 3


def test_registration_validates_the_credit_code(clerk_a):
    lead = sign(clerk_a, make_lead(clerk_a))
    for bad, reason in [
        ("91370212MA000000", "应为18位"),
        (make_code("91370212MA0000009")[:-1] + "0", "校验码不符"),
        ("91370212MA00000I12", "第16位“I”不是有效字符"),
        ("", "不能为空"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.lead_register(
                actor=clerk_a,
                lead=lead,
                registered_on=dt.date(2024, 7, 1),
                company_name="新公司",
                credit_code=bad,
            )
        assert reason in exc.value.message_dict["credit_code"][0], bad
    lead = register(clerk_a, lead)
    assert lead.stage == Stage.REGISTERED and len(lead.credit_code) == 18


def test_register_before_signing_is_refused(clerk_a):
    lead = make_lead(clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.lead_register(
            actor=clerk_a,
            lead=lead,
            registered_on=dt.date(2024, 7, 1),
            company_name="新公司",
            credit_code=make_code("91370212MA0000002"),
        )
    assert "须先签约再登记注册" in exc.value.message_dict["to_stage"][0]


def test_the_same_company_code_cannot_land_twice(clerk_a):
    code = make_code("91370212MA0000003")
    register(clerk_a, sign(clerk_a, make_lead(clerk_a)), code=code)
    other = sign(clerk_a, make_lead(clerk_a))
    with pytest.raises(ValidationError) as exc:
        register(clerk_a, other, code=code)
    assert "已登记在甲单位的另一条线索上" in exc.value.message_dict["credit_code"][0]


def test_landed_without_a_project_is_refused(clerk_a):
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a)))
    with pytest.raises(ValidationError) as exc:
        services.lead_land(actor=clerk_a, lead=lead, landed_on=dt.date(2024, 8, 1))
    assert "落地须关联项目" in exc.value.message_dict["project"][0]
    assert Lead.objects.get(pk=lead.pk).stage == Stage.REGISTERED


def test_landing_creates_a_reserve_project_in_the_registry(clerk_a, chain):
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a, chain=chain, floor_area=D("80000"))))
    lead = services.lead_land(actor=clerk_a, lead=lead, landed_on=dt.date(2024, 8, 1), create_project=True)
    project = lead.project
    assert lead.stage == Stage.LANDED and lead.furthest_rank == 5
    assert project.stage == ProjectStage.RESERVE
    assert project.lead_unit == clerk_a.department and project.chain == chain
    assert project.total_investment == D("60000.00")  # the signed amount
    assert project.land_area == D("100.00") and project.owner == lead.company_name
    assert project.attraction_lead == lead
    assert ChangeRecord.objects.filter(object_type="projects.Project", object_id=str(project.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        services.lead_lose(actor=clerk_a, lead=lead, reason="x")
    assert "已落地" in exc.value.message_dict["to_stage"][0]


def test_landing_links_an_existing_project_once(clerk_a, project_a):
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a)))
    lead = services.lead_land(actor=clerk_a, lead=lead, landed_on=dt.date(2024, 8, 1), project=project_a)
    assert lead.project == project_a
    other = register(clerk_a, sign(clerk_a, make_lead(clerk_a)))
    with pytest.raises(ValidationError) as exc:
        services.lead_land(actor=clerk_a, lead=other, landed_on=dt.date(2024, 8, 1), project=project_a)
    assert "已关联线索" in exc.value.message_dict["project"][0]


def test_landing_cannot_link_a_project_the_user_cannot_see(clerk_a, project_b):
    lead = register(clerk_a, sign(clerk_a, make_lead(clerk_a)))
    with pytest.raises(ValidationError) as exc:
        services.lead_land(actor=clerk_a, lead=lead, landed_on=dt.date(2024, 8, 1), project=project_b)
    assert "无权查看" in exc.value.message_dict["project"][0]


def test_the_bureau_cannot_create_a_project_under_another_unit(promo_clerk, unit_b):
    lead = register(promo_clerk, sign(promo_clerk, make_lead(promo_clerk, owner_unit=unit_b)))
    with pytest.raises(ValidationError) as exc:
        services.lead_land(actor=promo_clerk, lead=lead, landed_on=dt.date(2024, 8, 1), create_project=True)
    assert "须由责任单位（乙单位）的填报员办理" in exc.value.message_dict["project"][0]
    assert not Project.objects.exists()


def test_lost_needs_a_reason_and_can_be_reopened(clerk_a):
    lead = sign(clerk_a, make_lead(clerk_a))
    with pytest.raises(ValidationError) as exc:
        services.lead_lose(actor=clerk_a, lead=lead, reason="  ")
    assert "须说明原因" in exc.value.message_dict["reason"][0]
    lead = services.lead_lose(actor=clerk_a, lead=lead, reason="选址外地")
    assert lead.stage == Stage.LOST and lead.lost_from == Stage.SIGNED and lead.furthest_rank == 3
    lead = services.lead_reopen(actor=clerk_a, lead=lead, reason="企业重新考虑")
    assert lead.stage == Stage.SIGNED and lead.lost_on is None


def test_another_unit_cannot_move_a_lead_but_the_bureau_can(
    clerk_a, clerk_b, promo_clerk, leader_user, dispatcher
):
    lead = make_lead(clerk_a)
    for actor in [clerk_b, leader_user, dispatcher]:
        with pytest.raises(PermissionDenied):
            services.lead_advance(actor=actor, lead=lead, to_stage=Stage.CONTACTING)
    lead = services.lead_advance(actor=promo_clerk, lead=lead, to_stage=Stage.CONTACTING)
    assert lead.stage == Stage.CONTACTING


def test_update_checks_the_version_and_logs_changes(clerk_a):
    lead = make_lead(clerk_a)
    updated = services.lead_update(actor=clerk_a, lead=lead, fields={"land_mu": D("120")}, expected_version=1)
    assert updated.version == 2 and updated.land_mu == D("120.00")
    record = ChangeRecord.objects.filter(object_type="attraction.Lead", action="update").get()
    assert record.changes["land_mu"]["new"] == "120"
    with pytest.raises(services.ConflictError):
        services.lead_update(actor=clerk_a, lead=lead, fields={"land_mu": D("130")}, expected_version=1)


# ---------------------------------------------------------------- follow-ups, events, foreign capital


def test_follow_up_rules(clerk_a):
    lead = make_lead(clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.follow_up_add(
            actor=clerk_a, lead=lead, happened_on=dt.date(2024, 5, 1), kind=FollowUpKind.MEETING, summary=""
        )
    assert exc.value.message_dict == {"summary": ["请填写情况摘要"]}
    with pytest.raises(ValidationError) as exc:
        services.follow_up_add(
            actor=clerk_a,
            lead=lead,
            happened_on=dt.date(2024, 5, 1),
            kind=FollowUpKind.MEETING,
            summary="会谈",
            next_step="再谈",
            next_step_on=dt.date(2024, 4, 1),
        )
    assert "下一步时间不能早于" in exc.value.message_dict["next_step_on"][0]
    follow_up = services.follow_up_add(
        actor=clerk_a,
        lead=lead,
        happened_on=dt.date(2024, 5, 1),
        kind=FollowUpKind.MEETING,
        summary="首次会谈",
        next_step="考察选址",
        next_step_on=dt.date(2024, 5, 20),
    )
    assert FollowUp.objects.get() == follow_up
    assert ChangeRecord.objects.filter(object_type="attraction.FollowUp").count() == 1


def test_event_dates_and_organiser(clerk_a, unit_b):
    with pytest.raises(ValidationError) as exc:
        services.event_create(
            actor=clerk_a,
            fields={
                "name": "推介会",
                "kind": "promotion",
                "starts_on": dt.date(2024, 5, 2),
                "ends_on": dt.date(2024, 5, 1),
            },
        )
    assert exc.value.message_dict == {"ends_on": ["结束日期不能早于开始日期"]}
    with pytest.raises(ValidationError):
        services.event_create(
            actor=clerk_a,
            fields={
                "name": "推介会",
                "kind": "promotion",
                "starts_on": dt.date(2024, 5, 2),
                "organiser": unit_b,
            },
        )
    event = services.event_create(
        actor=clerk_a, fields={"name": "推介会", "kind": "promotion", "starts_on": dt.date(2024, 5, 2)}
    )
    assert event.organiser == clerk_a.department


def test_foreign_capital_is_entered_per_month_for_registered_foreign_leads(clerk_a):
    investor = make_investor(clerk_a)
    lead = make_lead(clerk_a, investor=investor)
    with pytest.raises(ValidationError) as exc:
        services.foreign_capital_save(
            actor=clerk_a, lead=lead, period=dt.date(2024, 8, 1), amount_usd_wan=D("500")
        )
    assert "尚未注册" in exc.value.message_dict["lead"][0]
    lead = register(clerk_a, sign(clerk_a, lead))
    with pytest.raises(ValidationError) as exc:
        services.foreign_capital_save(
            actor=clerk_a, lead=lead, period=dt.date(2025, 1, 1), amount_usd_wan=D("500")
        )
    assert "还没有到" in exc.value.message_dict["period"][0]
    services.foreign_capital_save(
        actor=clerk_a, lead=lead, period=dt.date(2024, 8, 15), amount_usd_wan=D("500")
    )
    row = services.foreign_capital_save(
        actor=clerk_a, lead=lead, period=dt.date(2024, 8, 1), amount_usd_wan=D("650")
    )
    assert (
        ForeignCapital.objects.get() == row
        and row.amount_usd_wan == D("650")
        and row.period == dt.date(2024, 8, 1)
    )
    domestic = register(clerk_a, sign(clerk_a, make_lead(clerk_a)))
    with pytest.raises(ValidationError) as exc:
        services.foreign_capital_save(
            actor=clerk_a, lead=domestic, period=dt.date(2024, 8, 1), amount_usd_wan=D("1")
        )
    assert "不是外资" in exc.value.message_dict["lead"][0]
