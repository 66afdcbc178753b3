"""Template filters of the registry pages: amounts in 万元 and 亿元 with thousands separators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from xianfeng.lib.money import fmt_wan, fmt_yi

register = template.Library()


@register.filter
def wan(value: Any, places: int = 2) -> str:
    """12345.5 → "12,345.50" (the locale's own grouping is off in zh-hans)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value)
    return fmt_wan(amount) if int(places) == 2 else f"{amount:,.{int(places)}f}"


@register.filter
def yi(value: Any) -> str:
    """An amount in 万元 shown in 亿元: 188000 → "18.80"."""
    if value is None or value == "":
        return "—"
    return fmt_yi(Decimal(value))


@register.filter
def pct(value: Any) -> str:
    """A rate in percent: Decimal("62.5") → "62.5%"; None (nothing planned) → "—"."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.1f}%"
