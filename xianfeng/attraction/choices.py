from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvestorKind(models.TextChoices):
    COMPANY = "company", _("企业")
    PERSON = "person", _("个人")


class Origin(models.TextChoices):
    """Where the capital comes from: foreign, Hong Kong / Macao / Taiwan, or domestic."""

    FOREIGN = "foreign", _("外资")
    HMT = "hmt", _("港澳台资")
    DOMESTIC = "domestic", _("内资")


# Both count as foreign investment in the statistics (实际使用外资) and need a country or region.
FOREIGN_ORIGINS = {Origin.FOREIGN, Origin.HMT}


class Source(models.TextChoices):
    EVENT = "event", _("展会/峰会/推介活动")
    VISIT = "visit", _("出访招商")
    INVESTOR = "investor", _("以商招商")
    AGENCY = "agency", _("中介/驻外机构推荐")
    DIRECT = "direct", _("企业主动来访")
    OTHER = "other", _("其他")


class Stage(models.TextChoices):
    LEAD = "lead", _("线索")
    CONTACTING = "contacting", _("接洽")
    NEGOTIATING = "negotiating", _("洽谈")
    SIGNED = "signed", _("签约")
    REGISTERED = "registered", _("注册")
    LANDED = "landed", _("落地")
    LOST = "lost", _("流失")


# How far along the road a stage is; lost stands outside it (a lost lead keeps the rank it reached).
STAGE_RANK: dict[str, int] = {
    Stage.LEAD: 0,
    Stage.CONTACTING: 1,
    Stage.NEGOTIATING: 2,
    Stage.SIGNED: 3,
    Stage.REGISTERED: 4,
    Stage.LANDED: 5,
}
FORWARD_STAGES = [s for s in Stage if s != Stage.LOST]
# The date column that records when a lead entered each stage.
STAGE_DATE_FIELD: dict[str, str] = {
    Stage.LEAD: "entered_on",
    Stage.CONTACTING: "contacting_on",
    Stage.NEGOTIATING: "negotiating_on",
    Stage.SIGNED: "signed_on",
    Stage.REGISTERED: "registered_on",
    Stage.LANDED: "landed_on",
    Stage.LOST: "lost_on",
}
# Active: still being worked on (the board's first five columns).
ACTIVE_STAGES = {Stage.LEAD, Stage.CONTACTING, Stage.NEGOTIATING, Stage.SIGNED, Stage.REGISTERED}


class FollowUpKind(models.TextChoices):
    VISIT = "visit", _("走访")
    MEETING = "meeting", _("会谈")
    CALL = "call", _("电话")
    EVENT = "event", _("活动")
    OTHER = "other", _("其他")


class EventKind(models.TextChoices):
    EXPO = "expo", _("展会")
    SUMMIT = "summit", _("峰会/论坛")
    VISIT = "visit", _("出访")
    PROMOTION = "promotion", _("推介会")
    OTHER = "other", _("其他")


class UnitInfo(NamedTuple):
    currency: str  # ISO 4217
    wan: Decimal  # how many 万 of the currency one unit is (万 = 1, 亿 = 10,000)
    label: str


class AmountUnit(models.TextChoices):
    """The unit an amount was entered in; amounts are kept in 万元 (CNY) beside it."""

    CNY_WAN = "CNY_WAN", _("万元")
    CNY_YI = "CNY_YI", _("亿元")
    USD_WAN = "USD_WAN", _("万美元")
    USD_YI = "USD_YI", _("亿美元")
    EUR_WAN = "EUR_WAN", _("万欧元")
    EUR_YI = "EUR_YI", _("亿欧元")
    HKD_WAN = "HKD_WAN", _("万港元")
    HKD_YI = "HKD_YI", _("亿港元")
    JPY_WAN = "JPY_WAN", _("万日元")
    JPY_YI = "JPY_YI", _("亿日元")
    GBP_WAN = "GBP_WAN", _("万英镑")
    SGD_WAN = "SGD_WAN", _("万新加坡元")
    KRW_WAN = "KRW_WAN", _("万韩元")
    KRW_YI = "KRW_YI", _("亿韩元")


def unit_info(unit: str) -> UnitInfo:
    currency, _sep, size = unit.partition("_")
    return UnitInfo(currency, Decimal(1) if size == "WAN" else Decimal(10000), str(AmountUnit(unit).label))


def sibling_unit(unit: str, size: str) -> str | None:
    """The same currency in 万 ("WAN") or 亿 ("YI"), if that unit exists."""
    currency = unit.partition("_")[0]
    candidate = f"{currency}_{size}"
    return candidate if candidate in AmountUnit.values else None
