"""Filters of the dispatch statistics page: percentages and percentage points as the bulletin
writes them (the same functions, so page and bulletin read alike)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from xianfeng.dispatch.statistics import fmt_percent, fmt_points

register = template.Library()


@register.filter
def pct(value: Decimal | None) -> str:
    """36.7 → "36.7%"; None → "—"."""
    return fmt_percent(value)


@register.filter
def points(value: Decimal | None) -> str:
    """A difference in percentage points, signed: "+3.2", "-55.0"."""
    return fmt_points(value)


@register.filter
def gap_class(value: Decimal | None) -> str:
    """Colour of a gap to the time progress: behind by more than 10 points red, behind amber."""
    if value is None:
        return ""
    if value < -10:
        return "text-danger"
    if value < 0:
        return "xf-warn-text"
    return "text-success"


@register.filter
def negate(value: Any) -> Any:
    return None if value is None else -value
