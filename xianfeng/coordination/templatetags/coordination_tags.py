from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

_STATUS = {
    "open": "text-bg-warning",
    "accepted": "text-bg-info",
    "in_hand": "text-bg-primary",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
    "reopened": "text-bg-danger",
    "awaiting": "text-bg-warning",
    "replied": "text-bg-success",
    "issued": "text-bg-warning",
    "plan_submitted": "text-bg-info",
    "plan_returned": "text-bg-danger",
    "rectifying": "text-bg-primary",
}
_LEVEL = {
    1: "text-bg-light border",
    2: "text-bg-info",
    3: "text-bg-warning",
    4: "text-bg-danger",
    5: "text-bg-dark",
}


@register.filter
def status_class(status: str) -> str:
    """Bootstrap badge colours for problem, instruction and supervision statuses."""
    return _STATUS.get(str(status), "text-bg-light border")


@register.filter
def level_class(level: int) -> str:
    return _LEVEL.get(int(level or 1), "text-bg-light border")


@register.filter
def bracketed(value: object) -> str:
    """``value`` in the brackets of the reader's language: （…） in Chinese, " (…)" in English.

    Uses the catalogue's generic bracket string (also used by the dispatch workbook), so the
    English page gets ASCII brackets without a new message to translate.
    """
    text = conditional_escape(gettext("（%(header)s）")) % {"header": conditional_escape(value)}
    return mark_safe(text)  # both parts are escaped above
