"""Amounts entered with their unit (万元, 亿元, 万美元 …), converted to 万元, and checked for a unit
that looks wrong.

People type the number they have in front of them: "5" from "5亿元" into a field set to 万元, or a
yuan figure into 万元. A plausible range for an investment project catches most of these; the
message offers the conversion and the user chooses — nothing is ever converted silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from xianfeng.attraction.choices import AmountUnit, sibling_unit, unit_info

TWO = Decimal("0.01")
# An investment project below 100 万元 or above 500 亿元 is almost surely a unit slip.
SMALL_WAN = Decimal(100)
LARGE_WAN = Decimal(5_000_000)
# Per 亩 of land: above 20 亿元/亩 nobody builds; below 5 万元/亩 nobody builds either.
HIGH_PER_MU = Decimal(200_000)
LOW_PER_MU = Decimal(5)


def fx_rate(currency: str) -> Decimal:
    """CNY per one unit of ``currency`` (1 for CNY), from XF_ATTRACTION_FX_RATES."""
    if currency == "CNY":
        return Decimal(1)
    rates = getattr(settings, "XF_ATTRACTION_FX_RATES", {})
    if currency not in rates:
        raise ValidationError(
            gettext("没有%(currency)s的折算汇率，请联系系统管理员配置 XF_ATTRACTION_FX_RATES")
            % {"currency": currency}
        )
    return Decimal(rates[currency])


@dataclass(frozen=True)
class Converted:
    wan: Decimal  # 万元 (CNY)
    rate: Decimal  # CNY per unit of the currency used


def to_wan(amount: Decimal, unit: str) -> Converted:
    if unit not in AmountUnit.values:
        raise ValidationError({"investment_unit": gettext("未知的金额单位“%(unit)s”") % {"unit": unit}})
    info = unit_info(unit)
    rate = fx_rate(info.currency)
    wan = (amount * info.wan * rate).quantize(TWO, rounding=ROUND_HALF_UP)
    return Converted(wan=wan, rate=rate)


def label(unit: str) -> str:
    return unit_info(unit).label


def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():,f}"
    return text


@dataclass(frozen=True)
class UnitDoubt:
    """Why an amount's unit looks wrong, and what it would be in the unit probably meant."""

    message: str
    suggested_amount: Decimal | None = None
    suggested_unit: str | None = None

    @property
    def offer(self) -> str:
        if self.suggested_unit is None or self.suggested_amount is None:
            return ""
        return f"{_fmt(self.suggested_amount)} {label(self.suggested_unit)}"


def unit_doubt(
    amount: Decimal, unit: str, *, land_mu: Decimal | None = None, what: str = gettext_noop("意向投资额")
) -> UnitDoubt | None:
    """A reason to doubt the unit of ``amount``, or None when it looks plausible.

    ``what`` names the amount: a Chinese msgid (marked with gettext_noop by the caller), translated
    only when there is a doubt to word, so a plausible amount costs no translation work."""
    if amount is None or amount <= 0 or unit not in AmountUnit.values:
        return None
    wan = to_wan(amount, unit).wan
    yi_unit = sibling_unit(unit, "YI")
    wan_unit = sibling_unit(unit, "WAN")
    per_mu = wan / land_mu if land_mu else None

    def words(**extra: str) -> dict[str, str]:
        shown = f"{_fmt(amount)} {label(unit)}"
        if unit != AmountUnit.CNY_WAN:
            shown = gettext("%(amount)s（折合 %(wan)s 万元）") % {"amount": shown, "wan": _fmt(wan)}
        return {"what": gettext(what), "shown": shown, "amount": _fmt(amount), **extra}

    if wan < SMALL_WAN or (per_mu is not None and per_mu < LOW_PER_MU):
        if unit.endswith("_WAN") and yi_unit:
            fixed = to_wan(amount, yi_unit).wan
            return UnitDoubt(
                gettext(
                    "%(what)s %(shown)s对一个投资项目明显偏小，单位可能填错了："
                    "如果是 %(amount)s %(unit)s（折合 %(fixed)s 万元），请改用“%(unit)s”"
                )
                % words(unit=label(yi_unit), fixed=_fmt(fixed)),
                amount,
                yi_unit,
            )
        return UnitDoubt(gettext("%(what)s %(shown)s对一个投资项目明显偏小，请核对金额和单位") % words())
    if wan > LARGE_WAN or (per_mu is not None and per_mu > HIGH_PER_MU):
        if unit.endswith("_YI") and wan_unit:
            fixed = to_wan(amount, wan_unit).wan
            return UnitDoubt(
                gettext(
                    "%(what)s %(shown)s大得不合常理，单位可能填错了："
                    "如果是 %(amount)s %(unit)s（折合 %(fixed)s 万元），请改用“%(unit)s”"
                )
                % words(unit=label(wan_unit), fixed=_fmt(fixed)),
                amount,
                wan_unit,
            )
        # A figure in yuan typed into a 万 field: 500000000 "万元" is 5 亿元 typed as yuan.
        smaller = (amount / Decimal(10000)).quantize(TWO, rounding=ROUND_HALF_UP)
        return UnitDoubt(
            gettext(
                "%(what)s %(shown)s大得不合常理，可能是按“元”填写的："
                "如果是 %(amount)s 元，应填 %(smaller)s %(unit)s"
            )
            % words(unit=label(unit), smaller=_fmt(smaller)),
            smaller,
            unit,
        )
    return None
