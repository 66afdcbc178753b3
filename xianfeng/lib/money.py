"""Money is stored in 万元 (10,000 yuan) as Decimal; shown as 万元 or 亿元."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext

WAN_PER_YI = Decimal(10000)
TWO_PLACES = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Parse a user-entered amount; raises ValueError with the reason (in the user's language).

    Messages are translated only when raised: a valid amount costs no translation work."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(gettext("不是数字"))
    elif isinstance(value, int | float):
        result = Decimal(str(value))
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        if text == "":
            raise ValueError(gettext("不能为空"))
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(gettext("“%(value)s”不是数字") % {"value": value}) from exc
    if not result.is_finite():
        raise ValueError(gettext("不是有限数字"))
    return result.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def wan_to_yi(amount: Decimal) -> Decimal:
    return (amount / WAN_PER_YI).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def fmt_wan(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return f"{amount:,.2f}"


def fmt_yi(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return f"{wan_to_yi(amount):,.2f}"
