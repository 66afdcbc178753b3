from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from xianfeng.dispatch.choices import ReportStatus

register = template.Library()

BADGES = {
    "due": ("text-bg-secondary", "未填报"),
    ReportStatus.DRAFT: ("text-bg-light border", "草稿"),
    ReportStatus.SUBMITTED: ("text-bg-info", "已提交"),
    ReportStatus.UNIT_APPROVED: ("text-bg-primary", "单位已审核"),
    ReportStatus.ACCEPTED: ("text-bg-success", "已采纳"),
    ReportStatus.RETURNED: ("text-bg-danger", "已退回"),
}


@register.simple_tag
def status_badge(state: str) -> str:
    css, label = BADGES.get(state, ("text-bg-secondary", state))
    return format_html('<span class="badge {}">{}</span>', css, _(label))


@register.filter
def wan(amount: Any) -> str:
    """An amount in 万元 with thousands separators; "—" when empty."""
    if amount is None or amount == "":
        return "—"
    return f"{Decimal(amount):,.2f}"


@register.filter
def plain(amount: Any) -> str:
    """An amount for an input box: no separators, no trailing zeros."""
    if amount is None or amount == "":
        return ""
    if isinstance(amount, str):
        return amount  # what was typed, shown back as it was when it could not be read
    text = f"{Decimal(amount):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def percent_of(part: Any, whole: Any) -> str:
    try:
        if not whole:
            return "—"
        return f"{Decimal(part or 0) / Decimal(whole) * 100:.1f}%"
    except (ArithmeticError, ValueError, TypeError):
        return "—"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def change_value(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dict):
        return str(value.get("label", value))
    return str(value)
