"""Writes of investment attraction. Each checks the actor's rights, the rules, and logs the change.

A lead moves lead → contacting → negotiating → signed (agreement date and amount) → registered
(the new company's credit code, checksum-validated) → landed (a reserve-stage project in the
registry, created here through ``projects.services.project_create`` or an existing one linked),
or is lost with a reason. Duplicate investors and amounts whose unit looks wrong stop the save
with a clear message until the user confirms; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from xianfeng.attraction import selectors
from xianfeng.attraction.amounts import UnitDoubt, to_wan, unit_doubt
from xianfeng.attraction.choices import (
    FOREIGN_ORIGINS,
    STAGE_DATE_FIELD,
    STAGE_RANK,
    AmountUnit,
    InvestorKind,
    Origin,
    Source,
    Stage,
)
from xianfeng.attraction.models import (
    Event,
    FollowUp,
    ForeignCapital,
    Investor,
    Lead,
    LeadStageChange,
    is_bureau,
)
from xianfeng.attraction.names import name_keys, normalise_name
from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.services import record_create, record_update, snapshot
from xianfeng.lib import clock, uscc
from xianfeng.lib.errors import ConflictError
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, User
from xianfeng.projects import services as project_services
from xianfeng.projects.choices import Category
from xianfeng.projects.choices import Stage as ProjectStage
from xianfeng.projects.models import Project

EARLIEST = dt.date(2000, 1, 1)

INVESTOR_FIELDS = [
    "name",
    "kind",
    "origin",
    "country",
    "credit_code",
    "in_district",
    "contact",
    "note",
    "owner_unit",
]
LEAD_FIELDS = [
    "name",
    "source",
    "source_detail",
    "event",
    "introducer",
    "chain",
    "investment_amount",
    "investment_unit",
    "land_mu",
    "floor_area",
    "expected_tax_wan",
    "description",
    "owner_unit",
    "officer",
]
LEAD_CREATE_FIELDS = [*LEAD_FIELDS, "investor", "entered_on"]
EVENT_FIELDS = ["name", "kind", "starts_on", "ends_on", "city", "country", "organiser", "note"]


class DuplicateError(ValidationError):
    """The investor (or its lead) looks already entered; saved only with ``confirm_duplicate``."""

    def __init__(self, duplicates: selectors.Duplicates):
        self.duplicates = duplicates
        lines = duplicates.messages()
        super().__init__(
            [*lines, "如确认不是同一投资方（或确需另行登记），请勾选“确认不是重复”后再保存"], code="duplicate"
        )


class AmountDoubtError(ValidationError):
    """An amount whose unit looks wrong; saved only with ``confirm_amount`` (or a corrected unit)."""

    HINT = gettext_lazy("如果金额和单位确实如此，请勾选“金额和单位无误”后再保存")

    def __init__(self, field: str, doubt: UnitDoubt):
        self.field = field
        self.doubt = doubt
        message = gettext("%(doubt)s。%(hint)s") % {"doubt": doubt.message, "hint": self.HINT}
        super().__init__({field: [ValidationError(message, code="unit_doubt")]})


# ---------------------------------------------------------------- permissions


def _ensure_business_writer(actor: User) -> None:
    if actor.role not in UNIT_ROLES or not actor.department_id:
        if actor.role in {Role.DISPATCHER, Role.LEADER}:
            raise PermissionDenied(gettext("区领导和调度专员可以查看招商线索，但不能修改"))
        raise PermissionDenied(gettext("您的角色不能修改招商数据"))


def _ensure_lead(actor: User, lead: Lead, action: str = "change") -> None:
    _ensure_business_writer(actor)
    if not Lead.objects.restrict(actor, action).filter(pk=lead.pk).exists():
        raise PermissionDenied(gettext("您无权修改该线索"))


def _ensure_unit(actor: User, unit: Department | None, field: str = "owner_unit") -> None:
    """Unit users enter data for their own unit; the bureau for any."""
    if unit is None:
        raise ValidationError({field: gettext("请选择责任单位")})
    if not is_bureau(actor) and unit.pk != actor.department_id:
        raise ValidationError({field: gettext("只能选择本单位")})


def _check_date(field: str, label: str, day: dt.date | None, *, required: bool = True) -> dt.date | None:
    """``label``: a Chinese msgid marked with gettext_noop, translated only when a message needs it."""
    if day is None:
        if required:
            raise ValidationError({field: gettext("请填写%(label)s") % {"label": gettext(label)}})
        return None
    today = clock.today()
    if day > today:
        raise ValidationError(
            {
                field: gettext("%(label)s %(date)s 不能晚于今天（%(today)s）")
                % {"label": gettext(label), "date": day, "today": today}
            }
        )
    if day < EARLIEST:
        raise ValidationError(
            {
                field: gettext("%(label)s %(date)s 早于 %(earliest)s")
                % {"label": gettext(label), "date": day, "earliest": EARLIEST}
            }
        )
    return day


def _full_clean(instance: Any, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _bump(instance: Any) -> None:
    instance.version = F("version") + 1
    instance.save()
    instance.refresh_from_db()


# ---------------------------------------------------------------- investors


def _investor_prepare(investor: Investor) -> None:
    """Normalise, validate and fill the duplicate-check keys."""
    errors: dict[str, list[str]] = {}
    investor.name = " ".join((investor.name or "").split())
    investor.country = (investor.country or "").strip()
    code = (investor.credit_code or "").strip()
    if code:
        if investor.kind == InvestorKind.PERSON:
            errors.setdefault("credit_code", []).append(gettext("个人投资方不填写统一社会信用代码"))
        else:
            try:
                investor.credit_code = uscc.validate(code)
            except uscc.UsccError as exc:
                errors.setdefault("credit_code", []).append(str(exc))
    if investor.origin in FOREIGN_ORIGINS and not investor.country:
        message = (
            gettext("外资投资方须填写国家或地区")
            if investor.origin == Origin.FOREIGN
            else gettext("港澳台资投资方须填写国家或地区")
        )
        errors.setdefault("country", []).append(message)
    if investor.origin == Origin.DOMESTIC and not investor.country:
        investor.country = "中国"
    try:
        investor.full_clean(exclude=["owner_unit", "possible_duplicate_of"], validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    investor.name_norm = normalise_name(investor.name)
    head, pinyin, second = name_keys(investor.name_norm)
    investor.key_head, investor.key_pinyin, investor.key_second = head, pinyin, second
    investor.search_text = " ".join(
        part.lower()
        for part in [investor.name, investor.name_norm, investor.credit_code, investor.country]
        if part
    )


def investor_check(*, actor: User, investor: Investor, exclude_pk: int | None = None) -> selectors.Duplicates:
    """Duplicates of an (unsaved, prepared) investor: other investors, and their active leads."""
    candidates = selectors.investor_duplicates(
        name=investor.name, credit_code=investor.credit_code, exclude_pk=exclude_pk, user=actor
    )
    leads = selectors.lead_duplicates(
        investor_ids=[c.pk for c in candidates], user=actor, exclude_unit_id=investor.owner_unit_id
    )
    return selectors.Duplicates(investors=candidates, leads=leads)


@transaction.atomic
def investor_create(
    *, actor: User, fields: dict[str, Any], confirm_duplicate: bool = False, request_id: str = ""
) -> Investor:
    _ensure_business_writer(actor)
    if actor.role != Role.UNIT_REPORTER:
        raise PermissionDenied(gettext("只有单位填报员可以新建投资方"))
    unknown = set(fields) - set(INVESTOR_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接设置字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    investor = Investor(**fields)
    if not investor.owner_unit_id:
        investor.owner_unit_id = actor.department_id
    _ensure_unit(actor, investor.owner_unit)
    _investor_prepare(investor)
    duplicates = investor_check(actor=actor, investor=investor)
    if duplicates.investors and not confirm_duplicate:
        raise DuplicateError(duplicates)
    if duplicates.investors:
        investor.possible_duplicate_of_id = duplicates.investors[0].pk
    investor.save()
    record_create(
        actor=actor,
        instance=investor,
        reason="确认不是重复后录入" if duplicates.investors else "",
        request_id=request_id,
    )
    return investor


@transaction.atomic
def investor_update(
    *,
    actor: User,
    investor: Investor,
    fields: dict[str, Any],
    expected_version: int | None = None,
    confirm_duplicate: bool = False,
    request_id: str = "",
) -> Investor:
    _ensure_business_writer(actor)
    if not Investor.objects.restrict(actor, "change").filter(pk=investor.pk).exists():
        raise PermissionDenied(gettext("您无权修改该投资方"))
    unknown = set(fields) - set(INVESTOR_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接修改字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    current = Investor.objects.select_for_update().get(pk=investor.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(gettext("该投资方已被他人修改，请刷新后重新填写，您的修改未保存"))
    before = snapshot(current)
    old_name, old_code = current.name, current.credit_code
    for name, value in fields.items():
        setattr(current, name, value)
    _ensure_unit(actor, current.owner_unit)
    _investor_prepare(current)
    if current.name != old_name or current.credit_code != old_code:
        duplicates = investor_check(actor=actor, investor=current, exclude_pk=current.pk)
        if duplicates.investors and not confirm_duplicate:
            raise DuplicateError(duplicates)
        if duplicates.investors and current.possible_duplicate_of_id is None:
            current.possible_duplicate_of_id = duplicates.investors[0].pk
    if not record_update(actor=actor, instance=current, before=before, request_id=request_id):
        return current
    _bump(current)
    return current


@transaction.atomic
def investor_clear_duplicate(*, actor: User, investor: Investor, reason: str) -> Investor:
    """The bureau has checked a flagged investor: not the same as the one it resembled."""
    if not is_bureau(actor):
        raise PermissionDenied(gettext("只有投资促进部门可以核销疑似重复标记"))
    if not reason.strip():
        raise ValidationError({"reason": gettext("请说明核查结论")})
    current = Investor.objects.select_for_update().get(pk=investor.pk)
    before = snapshot(current)
    current.possible_duplicate_of = None
    record_update(actor=actor, instance=current, before=before, reason=reason.strip())
    _bump(current)
    return current


# ---------------------------------------------------------------- leads


def _convert(
    lead: Lead,
    *,
    amount_field: str,
    unit_field: str,
    target: str,
    confirm: bool,
    what: str,
    rate_field: str = "",
) -> None:
    """``what``: the amount's name, a Chinese msgid marked with gettext_noop (translated on error)."""
    amount: Decimal | None = getattr(lead, amount_field)
    unit: str = getattr(lead, unit_field)
    if amount is None:
        return
    if amount <= 0:
        raise ValidationError({amount_field: gettext("%(what)s须大于 0") % {"what": gettext(what)}})
    if unit not in AmountUnit.values:
        raise ValidationError({unit_field: gettext("未知的金额单位“%(unit)s”") % {"unit": unit}})
    if not confirm:
        doubt = unit_doubt(
            amount, unit, land_mu=lead.land_mu if amount_field == "investment_amount" else None, what=what
        )
        if doubt is not None:
            raise AmountDoubtError(amount_field, doubt)
    converted = to_wan(amount, unit)
    setattr(lead, target, converted.wan)
    if rate_field:
        setattr(lead, rate_field, converted.rate)


def _lead_validate(actor: User, lead: Lead, *, confirm_amount: bool) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    lead.name = " ".join((lead.name or "").split())
    if not lead.name:
        add("name", gettext("请填写项目名称"))
    if lead.source == Source.EVENT and not lead.event_id:
        add("event", gettext("来源为展会/峰会/推介活动时须选择招商活动（没有的请先在“招商活动”中登记）"))
    if lead.source == Source.INVESTOR:
        if not lead.introducer_id:
            add("introducer", gettext("以商招商须选择引荐企业"))
        elif lead.introducer_id == lead.investor_id:
            add("introducer", gettext("引荐企业不能是投资方本身"))
        elif not lead.introducer.in_district:
            add(
                "introducer",
                gettext("“%(company)s”不是区内已落户企业，不能作为以商招商的引荐方")
                % {"company": lead.introducer},
            )
    if lead.investor_id and lead.investor.origin in FOREIGN_ORIGINS and not lead.investor.country:
        add(
            "investor",
            gettext("外资线索须填写投资方“%(investor)s”的国家或地区") % {"investor": lead.investor},
        )
    if lead.officer_id and lead.owner_unit_id and lead.officer.department_id != lead.owner_unit_id:
        add(
            "officer",
            gettext("招商专员“%(officer)s”不是责任单位“%(unit)s”的人员")
            % {"officer": lead.officer, "unit": lead.owner_unit},
        )
    try:
        _check_date("entered_on", gettext_noop("录入日期"), lead.entered_on)
    except ValidationError as exc:
        for message in exc.message_dict["entered_on"]:
            add("entered_on", message)
    if lead.investment_amount is None:
        add("investment_amount", gettext("请填写意向投资额"))
    if lead.stage_changed_on is None:
        lead.stage_changed_on = lead.entered_on
    if errors:
        raise ValidationError(errors)
    _convert(
        lead,
        amount_field="investment_amount",
        unit_field="investment_unit",
        target="investment_wan",
        rate_field="fx_rate",
        confirm=confirm_amount,
        what=gettext_noop("意向投资额"),
    )
    _full_clean(
        lead, exclude=["investor", "owner_unit", "project", "event", "introducer", "chain", "officer"]
    )
    lead.search_text = " ".join(
        part.lower()
        for part in [
            lead.name,
            lead.investor.name if lead.investor_id else "",
            lead.company_name,
            lead.credit_code,
        ]
        if part
    )


@transaction.atomic
def lead_create(
    *,
    actor: User,
    fields: dict[str, Any],
    new_investor: dict[str, Any] | None = None,
    confirm_duplicate: bool = False,
    confirm_amount: bool = False,
    request_id: str = "",
) -> Lead:
    """Enter a lead for an existing investor (``fields["investor"]``) or a new one
    (``new_investor``). Duplicates — of the investor, or another unit's active lead for the same
    investor — stop the save unless confirmed."""
    _ensure_business_writer(actor)
    if actor.role != Role.UNIT_REPORTER:
        raise PermissionDenied(gettext("只有单位填报员可以录入招商线索"))
    unknown = set(fields) - set(LEAD_CREATE_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接设置字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    fields = dict(fields)
    fields.setdefault("entered_on", clock.today())
    lead = Lead(**fields)
    if not lead.owner_unit_id:
        lead.owner_unit_id = actor.department_id
    _ensure_unit(actor, lead.owner_unit)
    if (lead.investor_id is None) == (new_investor is None):
        raise ValidationError({"investor": gettext("请选择已有投资方，或填写新投资方的信息（二选一）")})
    duplicates = selectors.Duplicates()
    investor: Investor | None = None
    if lead.investor_id is not None:
        if not Investor.objects.restrict(actor, "view").filter(pk=lead.investor_id).exists():
            raise ValidationError({"investor": gettext("所选投资方不存在或您无权使用")})
    else:
        investor = Investor(**{"owner_unit": lead.owner_unit, **(new_investor or {})})
        unknown = set(new_investor or {}) - set(INVESTOR_FIELDS)
        if unknown:
            raise ValidationError(
                gettext("投资方没有字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
            )
        _investor_prepare(investor)
        duplicates = investor_check(actor=actor, investor=investor)
    if (
        lead.introducer_id
        and not Investor.objects.restrict(actor, "view").filter(pk=lead.introducer_id).exists()
    ):
        raise ValidationError({"introducer": gettext("所选引荐企业不存在或您无权使用")})
    if investor is not None:
        lead.investor = investor
        # Validate the lead before anything is written (a foreign investor without a country …).
        if investor.origin in FOREIGN_ORIGINS and not investor.country:  # pragma: no cover - prepared above
            raise ValidationError({"country": gettext("外资投资方须填写国家或地区")})
    else:
        duplicates.leads = selectors.lead_duplicates(
            investor_ids=[lead.investor_id], user=actor, exclude_unit_id=lead.owner_unit_id
        )
    _lead_validate(actor, lead, confirm_amount=confirm_amount)
    if duplicates and not confirm_duplicate:
        raise DuplicateError(duplicates)
    if investor is not None:
        if duplicates.investors:
            investor.possible_duplicate_of_id = duplicates.investors[0].pk
        investor.save()
        record_create(
            actor=actor,
            instance=investor,
            reason="确认不是重复后录入" if duplicates.investors else "",
            request_id=request_id,
        )
        lead.investor = investor
    lead.stage = Stage.LEAD
    lead.furthest_rank = 0
    lead.stage_changed_on = lead.entered_on
    lead.save()
    record_create(
        actor=actor, instance=lead, reason="确认不是重复后录入" if duplicates else "", request_id=request_id
    )
    LeadStageChange.objects.create(
        lead=lead,
        from_stage="",
        to_stage=Stage.LEAD,
        effective_on=lead.entered_on,
        at=clock.now(),
        actor=actor,
    )
    return lead


@transaction.atomic
def lead_update(
    *,
    actor: User,
    lead: Lead,
    fields: dict[str, Any],
    expected_version: int | None = None,
    confirm_amount: bool = False,
    request_id: str = "",
) -> Lead:
    """Change a lead's description (not its stage: that moves through lead_stage_change)."""
    _ensure_lead(actor, lead)
    unknown = set(fields) - set(LEAD_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接修改字段：%(fields)s（阶段请用“阶段变更”）")
            % {"fields": ", ".join(sorted(unknown))}
        )
    current = Lead.objects.select_for_update().get(pk=lead.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            gettext(
                "该线索已被他人修改（当前版本 %(current)s，您打开的是版本 %(opened)s），"
                "请刷新后重新填写，您的修改未保存"
            )
            % {"current": current.version, "opened": expected_version}
        )
    before = snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value)
    _ensure_unit(actor, current.owner_unit)
    _lead_validate(actor, current, confirm_amount=confirm_amount)
    if not record_update(actor=actor, instance=current, before=before, request_id=request_id):
        return current
    _bump(current)
    lead.refresh_from_db()
    return current


def _stage_date(lead: Lead, day: dt.date | None, field: str, label: str) -> dt.date:
    day = _check_date(field, label, day or clock.today())
    assert day is not None
    if day < lead.stage_changed_on:
        raise ValidationError(
            {
                field: gettext("%(label)s %(date)s 不能早于进入“%(stage)s”阶段的日期 %(since)s")
                % {
                    "label": gettext(label),
                    "date": day,
                    "stage": lead.get_stage_display(),
                    "since": lead.stage_changed_on,
                }
            }
        )
    return day


def _move(actor: User, lead: Lead, to_stage: str, day: dt.date, note: str, before: dict[str, Any]) -> Lead:
    """Set the stage, fill the dates of any stages skipped on the way, record and log the move."""
    from_stage = lead.stage
    if to_stage in STAGE_RANK and from_stage in STAGE_RANK:
        for stage, rank in STAGE_RANK.items():
            if (
                STAGE_RANK[from_stage] < rank <= STAGE_RANK[to_stage]
                and getattr(lead, STAGE_DATE_FIELD[stage]) is None
            ):
                setattr(lead, STAGE_DATE_FIELD[stage], day)
        lead.furthest_rank = max(lead.furthest_rank, STAGE_RANK[to_stage])
    lead.stage = to_stage
    lead.stage_changed_on = day
    lead.version = F("version") + 1
    lead.save()
    lead.refresh_from_db()
    LeadStageChange.objects.create(
        lead=lead,
        from_stage=from_stage,
        to_stage=to_stage,
        effective_on=day,
        at=clock.now(),
        actor=actor,
        note=note,
    )
    record_update(actor=actor, instance=lead, before=before, action=ChangeAction.TRANSITION, reason=note)
    return lead


def _locked(actor: User, lead: Lead) -> tuple[Lead, dict[str, Any]]:
    _ensure_lead(actor, lead)
    current = Lead.objects.select_for_update().select_related("investor", "owner_unit").get(pk=lead.pk)
    return current, snapshot(current)


def _refuse_closed(lead: Lead) -> None:
    if lead.stage == Stage.LANDED:
        raise ValidationError({"to_stage": gettext("线索已落地，不能再变更阶段")})
    if lead.stage == Stage.LOST:
        raise ValidationError({"to_stage": gettext("线索已流失；如重新跟进，请先“恢复跟进”")})


@transaction.atomic
def lead_advance(
    *, actor: User, lead: Lead, to_stage: str, effective_on: dt.date | None = None, note: str = ""
) -> Lead:
    """To contacting or negotiating (a step may be skipped: a lead met at an expo may go straight
    to negotiation)."""
    current, before = _locked(actor, lead)
    _refuse_closed(current)
    if to_stage not in {Stage.CONTACTING, Stage.NEGOTIATING}:
        raise ValidationError({"to_stage": gettext("此处只能转为“接洽”或“洽谈”")})
    if STAGE_RANK[to_stage] <= STAGE_RANK[current.stage]:
        raise ValidationError(
            {
                "to_stage": gettext("线索已处于“%(stage)s”，不能转为“%(to)s”")
                % {"stage": current.get_stage_display(), "to": Stage(to_stage).label}
            }
        )
    day = _stage_date(current, effective_on, "effective_on", gettext_noop("日期"))
    return _move(actor, current, to_stage, day, note.strip(), before)


@transaction.atomic
def lead_sign(
    *,
    actor: User,
    lead: Lead,
    signed_on: dt.date | None,
    amount: Decimal | None,
    unit: str = AmountUnit.CNY_WAN,
    confirm_amount: bool = False,
    note: str = "",
) -> Lead:
    """Signed: the agreement's date and amount are both required."""
    current, before = _locked(actor, lead)
    _refuse_closed(current)
    if STAGE_RANK[current.stage] >= STAGE_RANK[Stage.SIGNED]:
        raise ValidationError(
            {"to_stage": gettext("线索已处于“%(stage)s”，已签约") % {"stage": current.get_stage_display()}}
        )
    errors = {}
    if signed_on is None:
        errors["signed_on"] = [gettext("签约须填写协议签订日期")]
    if amount is None:
        errors["signed_amount"] = [gettext("签约须填写签约金额")]
    if errors:
        raise ValidationError(errors)
    day = _stage_date(current, signed_on, "signed_on", gettext_noop("签约日期"))
    current.signed_amount, current.signed_unit = amount, unit or AmountUnit.CNY_WAN
    _convert(
        current,
        amount_field="signed_amount",
        unit_field="signed_unit",
        target="signed_wan",
        confirm=confirm_amount,
        what=gettext_noop("签约金额"),
    )
    return _move(actor, current, Stage.SIGNED, day, note.strip(), before)


@transaction.atomic
def lead_register(
    *,
    actor: User,
    lead: Lead,
    registered_on: dt.date | None,
    company_name: str,
    credit_code: str,
    note: str = "",
) -> Lead:
    """Registered: the new company's name and unified social credit code (checksum-validated)."""
    current, before = _locked(actor, lead)
    _refuse_closed(current)
    if current.stage != Stage.SIGNED:
        raise ValidationError(
            {
                "to_stage": gettext("线索处于“%(stage)s”，须先签约再登记注册")
                % {"stage": current.get_stage_display()}
            }
        )
    errors: dict[str, list[str]] = {}
    company_name = " ".join((company_name or "").split())
    if not company_name:
        errors["company_name"] = [gettext("请填写新注册企业名称")]
    code = ""
    try:
        code = uscc.validate(credit_code)
    except uscc.UsccError as exc:
        errors["credit_code"] = [str(exc)]
    if registered_on is None:
        errors["registered_on"] = [gettext("请填写注册日期")]
    if errors:
        raise ValidationError(errors)
    clash = Lead.objects.filter(credit_code=code).exclude(pk=current.pk).select_related("owner_unit").first()
    if clash is not None:
        raise ValidationError(
            {
                "credit_code": gettext("统一社会信用代码 %(code)s 已登记在%(unit)s的另一条线索上")
                % {"code": code, "unit": clash.owner_unit.name}
            }
        )
    day = _stage_date(current, registered_on, "registered_on", gettext_noop("注册日期"))
    current.company_name, current.credit_code = company_name[:200], code
    current.search_text = f"{current.search_text} {company_name.lower()} {code.lower()}".strip()
    return _move(actor, current, Stage.REGISTERED, day, note.strip(), before)


@transaction.atomic
def lead_land(
    *,
    actor: User,
    lead: Lead,
    landed_on: dt.date | None,
    project: Project | None = None,
    create_project: bool = False,
    project_fields: dict[str, Any] | None = None,
    note: str = "",
) -> Lead:
    """Landed: linked to an existing registry project, or to a new reserve-stage project made
    from the lead (through the registry's own service, so its rules and log apply)."""
    current, before = _locked(actor, lead)
    _refuse_closed(current)
    if current.stage != Stage.REGISTERED:
        raise ValidationError(
            {
                "to_stage": gettext("线索处于“%(stage)s”，须先完成注册登记再落地")
                % {"stage": current.get_stage_display()}
            }
        )
    if project is None and not create_project:
        raise ValidationError(
            {"project": gettext("落地须关联项目：选择项目库中已有的项目，或由本线索新建储备项目")}
        )
    if project is not None and create_project:
        raise ValidationError({"project": gettext("请在“选择已有项目”和“新建储备项目”中二选一")})
    day = _stage_date(current, landed_on, "landed_on", gettext_noop("落地日期"))
    if project is not None:
        if not Project.objects.restrict(actor, "view").filter(pk=project.pk).exists():
            raise ValidationError({"project": gettext("所选项目不存在或您无权查看")})
        other = Lead.objects.filter(project=project).exclude(pk=current.pk).first()
        if other is not None:
            raise ValidationError(
                {
                    "project": gettext("项目“%(project)s”已关联线索“%(lead)s”")
                    % {"project": project, "lead": other}
                }
            )
    else:
        if actor.role != Role.UNIT_REPORTER or actor.department_id != current.owner_unit_id:
            raise ValidationError(
                {
                    "project": gettext(
                        "由线索新建储备项目须由责任单位（%(unit)s）的填报员办理；也可以选择项目库中已有的项目"
                    )
                    % {"unit": current.owner_unit.name}
                }
            )
        fields: dict[str, Any] = {
            "name": current.name,
            "category": Category.INDUSTRY,
            "chain": current.chain,
            "lead_unit": current.owner_unit,
            "owner": current.company_name or current.investor.name,
            "total_investment": current.signed_wan or current.investment_wan,
            "land_area": current.land_mu,
            "floor_area": current.floor_area,
            "content": current.description,
            "stage": ProjectStage.RESERVE,
        }
        fields.update(project_fields or {})
        project = project_services.project_create(actor=actor, fields=fields, year=day.year)
    current.project = project
    return _move(actor, current, Stage.LANDED, day, note.strip(), before)


@transaction.atomic
def lead_lose(*, actor: User, lead: Lead, lost_on: dt.date | None = None, reason: str = "") -> Lead:
    current, before = _locked(actor, lead)
    _refuse_closed(current)
    if not reason.strip():
        raise ValidationError({"reason": gettext("标记流失须说明原因（如：选址他处、投资计划取消）")})
    day = _stage_date(current, lost_on, "lost_on", gettext_noop("流失日期"))
    current.lost_on, current.lost_from, current.lost_reason = day, current.stage, reason.strip()
    return _move(actor, current, Stage.LOST, day, reason.strip(), before)


@transaction.atomic
def lead_reopen(*, actor: User, lead: Lead, reason: str = "") -> Lead:
    """A lost lead back to the stage it was lost from."""
    current, before = _locked(actor, lead)
    if current.stage != Stage.LOST:
        raise ValidationError({"to_stage": gettext("只有已流失的线索可以恢复跟进")})
    if not reason.strip():
        raise ValidationError({"reason": gettext("恢复跟进须说明原因")})
    back = current.lost_from or Stage.LEAD
    current.lost_on, current.lost_from = None, ""
    return _move(actor, current, back, clock.today(), reason.strip(), before)


def lead_stage_change(*, actor: User, lead: Lead, to_stage: str, **data: Any) -> Lead:
    """One entry point for the page and the API: the step named by ``to_stage``."""
    note = data.get("note", "") or ""
    if to_stage in {Stage.CONTACTING, Stage.NEGOTIATING}:
        return lead_advance(
            actor=actor, lead=lead, to_stage=to_stage, effective_on=data.get("effective_on"), note=note
        )
    if to_stage == Stage.SIGNED:
        return lead_sign(
            actor=actor,
            lead=lead,
            signed_on=data.get("signed_on"),
            amount=data.get("signed_amount"),
            unit=data.get("signed_unit") or AmountUnit.CNY_WAN,
            confirm_amount=bool(data.get("confirm_amount")),
            note=note,
        )
    if to_stage == Stage.REGISTERED:
        return lead_register(
            actor=actor,
            lead=lead,
            registered_on=data.get("registered_on"),
            company_name=data.get("company_name") or "",
            credit_code=data.get("credit_code") or "",
            note=note,
        )
    if to_stage == Stage.LANDED:
        return lead_land(
            actor=actor,
            lead=lead,
            landed_on=data.get("landed_on"),
            project=data.get("project"),
            create_project=bool(data.get("create_project")),
            project_fields=data.get("project_fields"),
            note=note,
        )
    if to_stage == Stage.LOST:
        return lead_lose(actor=actor, lead=lead, lost_on=data.get("lost_on"), reason=data.get("reason") or "")
    if to_stage == "reopen":
        return lead_reopen(actor=actor, lead=lead, reason=data.get("reason") or "")
    raise ValidationError({"to_stage": gettext("未知的阶段“%(stage)s”") % {"stage": to_stage}})


# ---------------------------------------------------------------- follow-ups


@transaction.atomic
def follow_up_add(
    *,
    actor: User,
    lead: Lead,
    happened_on: dt.date | None,
    kind: str,
    summary: str,
    next_step: str = "",
    next_step_on: dt.date | None = None,
) -> FollowUp:
    _ensure_lead(actor, lead)
    follow_up = FollowUp(
        lead=lead,
        happened_on=_check_date("happened_on", gettext_noop("跟进日期"), happened_on),
        kind=kind,
        summary=(summary or "").strip(),
        next_step=(next_step or "").strip(),
        next_step_on=next_step_on,
        actor=actor,
    )
    if not follow_up.summary:
        raise ValidationError({"summary": gettext("请填写情况摘要")})
    if next_step_on is not None and follow_up.happened_on and next_step_on < follow_up.happened_on:
        raise ValidationError({"next_step_on": gettext("下一步时间不能早于本次跟进日期")})
    if next_step_on is not None and not follow_up.next_step:
        raise ValidationError({"next_step": gettext("填写了下一步时间，请同时说明下一步做什么")})
    if follow_up.happened_on < lead.entered_on:
        raise ValidationError(
            {"happened_on": gettext("跟进日期不能早于线索录入日期 %(date)s") % {"date": lead.entered_on}}
        )
    _full_clean(follow_up, exclude=["lead", "actor"])
    follow_up.save()
    record_create(actor=actor, instance=follow_up)
    # The lead's page sorts by last activity: touch it.
    Lead.objects.filter(pk=lead.pk).update(updated_at=clock.now())
    return follow_up


# ---------------------------------------------------------------- events


def _event_validate(actor: User, event: Event) -> None:
    event.name = " ".join((event.name or "").split())
    _full_clean(event, exclude=["organiser"])
    if event.ends_on and event.ends_on < event.starts_on:
        raise ValidationError({"ends_on": gettext("结束日期不能早于开始日期")})
    if event.organiser_id and not is_bureau(actor) and event.organiser_id != actor.department_id:
        raise ValidationError({"organiser": gettext("只能选择本单位作为组织单位")})


@transaction.atomic
def event_create(*, actor: User, fields: dict[str, Any]) -> Event:
    _ensure_business_writer(actor)
    if actor.role != Role.UNIT_REPORTER:
        raise PermissionDenied(gettext("只有单位填报员可以登记招商活动"))
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接设置字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    event = Event(**fields)
    if not event.organiser_id:
        event.organiser_id = actor.department_id
    _event_validate(actor, event)
    event.save()
    record_create(actor=actor, instance=event)
    return event


@transaction.atomic
def event_update(
    *, actor: User, event: Event, fields: dict[str, Any], expected_version: int | None = None
) -> Event:
    _ensure_business_writer(actor)
    if not Event.objects.restrict(actor, "change").filter(pk=event.pk).exists():
        raise PermissionDenied(gettext("您无权修改该活动"))
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接修改字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    current = Event.objects.select_for_update().get(pk=event.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(gettext("该活动已被他人修改，请刷新后重新填写，您的修改未保存"))
    before = snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value)
    _event_validate(actor, current)
    if record_update(actor=actor, instance=current, before=before):
        _bump(current)
    return current


# ---------------------------------------------------------------- foreign capital actually used


@transaction.atomic
def foreign_capital_save(
    *, actor: User, lead: Lead, period: dt.date | None, amount_usd_wan: Decimal | None, note: str = ""
) -> ForeignCapital:
    """Enter (or correct) one month's foreign capital actually used by a lead's company."""
    _ensure_lead(actor, lead)
    lead = Lead.objects.select_related("investor").get(pk=lead.pk)
    if lead.investor.origin not in FOREIGN_ORIGINS:
        raise ValidationError(
            {"lead": gettext("“%(lead)s”不是外资（含港澳台）线索，不计入实际使用外资") % {"lead": lead}}
        )
    if lead.furthest_rank < STAGE_RANK[Stage.REGISTERED] or lead.stage == Stage.LOST:
        raise ValidationError(
            {"lead": gettext("“%(lead)s”的外资企业尚未注册，不能填报实际使用外资") % {"lead": lead}}
        )
    if period is None:
        raise ValidationError({"period": gettext("请选择月份")})
    period = period.replace(day=1)
    today = clock.today()
    if period > today.replace(day=1):
        raise ValidationError({"period": gettext("月份 %(month)s 还没有到") % {"month": f"{period:%Y-%m}"}})
    if lead.registered_on and period < lead.registered_on.replace(day=1):
        raise ValidationError(
            {
                "period": gettext("月份 %(month)s 早于企业注册（%(registered)s）")
                % {"month": f"{period:%Y-%m}", "registered": f"{lead.registered_on:%Y-%m}"}
            }
        )
    if amount_usd_wan is None or amount_usd_wan <= 0:
        raise ValidationError({"amount_usd_wan": gettext("实际使用外资须大于 0（万美元）")})
    if amount_usd_wan > Decimal(1_000_000):
        raise ValidationError(
            {
                "amount_usd_wan": gettext("实际使用外资 %(wan)s 万美元（%(yi)s 亿美元）过大，请核对单位")
                % {"wan": amount_usd_wan, "yi": amount_usd_wan / 10000}
            }
        )
    row = ForeignCapital.objects.select_for_update().filter(lead=lead, period=period).first()
    if row is None:
        row = ForeignCapital(lead=lead, period=period, amount_usd_wan=amount_usd_wan, note=note.strip())
        _full_clean(row, exclude=["lead"])
        row.save()
        record_create(actor=actor, instance=row)
        return row
    before = snapshot(row)
    row.amount_usd_wan, row.note = amount_usd_wan, note.strip()
    _full_clean(row, exclude=["lead"])
    if record_update(actor=actor, instance=row, before=before):
        _bump(row)
    return row
