"""Helpers for the coordination tests: problems made through the services."""

from __future__ import annotations

from typing import Any

from xianfeng.coordination import services
from xianfeng.coordination.choices import ProblemType
from xianfeng.coordination.models import Problem


def raise_problem(actor: Any, project: Any, **kwargs: Any) -> Problem:
    fields: dict[str, Any] = {
        "type": ProblemType.LAND,
        "title": "用地指标未落实",
        "description": "地块用地指标尚未下达，影响土地招拍挂。",
    }
    fields.update(kwargs)
    return services.problem_raise(actor=actor, project=project, **fields)


def assigned_problem(
    clerk: Any, dispatcher: Any, project: Any, units: list[Any], days: int = 10, **kw: Any
) -> Problem:
    problem = raise_problem(clerk, project, **kw)
    return services.problem_assign(actor=dispatcher, problem=problem, units=units, deadline_days=days)
