"""The home page's programme section (registered with ``xianfeng.org.home`` from ``ready()``):
the year's programme in figures, and a unit's or a leader's own share of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from xianfeng.lib import clock
from xianfeng.lib.money import fmt_yi
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.projects.selectors import ProjectFilters, available_years, programme_summary, project_list


def _pick_year(request: HttpRequest, years: list[int]) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    this_year = clock.today().year
    if this_year in years or not years:
        return this_year
    past = [y for y in years if y < this_year]
    return past[0] if past else years[-1]


def programme_section(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    years = available_years(user=user)
    year = _pick_year(request, years)
    summary = programme_summary(user=user, year=year)
    context: dict[str, Any] = {
        "years": years,
        "year": year,
        "summary": summary,
        "total_yi": fmt_yi(summary.total_investment),
        "planned_yi": fmt_yi(summary.planned_investment),
        "ytd_yi": fmt_yi(summary.invested_ytd),
        "time_progress_pct": (summary.time_progress * 100).quantize(Decimal("0.1")),
    }
    if user.role in UNIT_ROLES:
        context["unit_projects"] = project_list(user=user, filters=ProjectFilters()).count()
    leader = getattr(user, "leader", None) if user.role == Role.LEADER else None
    if leader is not None:
        context["leader"] = leader
        context["leader_projects"] = project_list(
            user=user, filters=ProjectFilters(year=year, leader=leader.pk)
        ).count()
    return context
