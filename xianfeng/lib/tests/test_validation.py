"""full_clean_cached gives what full_clean gives: the same errors, the same cleaned values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from xianfeng.lib.validation import full_clean_cached
from xianfeng.projects.models import ProgrammeEntry, Project

pytestmark = pytest.mark.django_db

RELATIONS = [f.name for f in Project._meta.concrete_fields if f.is_relation]
BASE: dict[str, Any] = {
    "internal_code": "XF2024-00001",
    "name": "崂山智能制造产业园项目",
    "category": "industry",
    "stage": "construction",
    "total_investment": Decimal("12000.50"),
    "actual_start": dt.date(2024, 3, 1),
}
CASES: list[dict[str, Any]] = [
    {},
    {"total_investment": Decimal("0.00")},
    {"total_investment": Decimal("-1")},  # below the minimum
    {"total_investment": Decimal("1.005")},  # too many decimal places
    {"total_investment": Decimal("1E+20")},  # too many digits
    {"total_investment": Decimal("NaN")},
    {"total_investment": 12000.5},  # a float, converted
    {"total_investment": "12000.5"},  # text, converted
    {"latitude": Decimal("36.123456"), "longitude": Decimal("120.5")},
    {"latitude": Decimal("95"), "longitude": Decimal("-200")},
    {"name": ""},  # required
    {"name": "名" * 201},  # too long
    {"name": "a\x00b"},  # NUL character
    {"category": "nonsense"},  # not a choice
    {"floor_area": Decimal("0")},
    {"planned_start": dt.datetime(2024, 1, 1, 8, 0)},  # a datetime, made a date
    {"version": -1},
    {"version": True},
]


def _outcome(project: Project, clean: Any) -> tuple[dict[str, list[str]], dict[str, Any]]:
    try:
        clean(project)
        errors: dict[str, list[str]] = {}
    except ValidationError as exc:
        errors = exc.message_dict
    values = {f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields}
    return errors, {k: (type(v), v) for k, v in values.items()}


@pytest.mark.parametrize("change", CASES)
def test_same_errors_and_values_as_full_clean(change: dict[str, Any]) -> None:
    memo: dict[Any, Any] = {}
    for _repeat in range(2):  # the second time from the memo
        expected = _outcome(
            Project(**{**BASE, **change}),
            lambda p: p.full_clean(exclude=RELATIONS, validate_unique=False, validate_constraints=False),
        )
        got = _outcome(
            Project(**{**BASE, **change}), lambda p: full_clean_cached(p, exclude=RELATIONS, memo=memo)
        )
        assert got == expected


def test_entry_errors_match() -> None:
    memo: dict[Any, Any] = {}
    for values in [
        {"year": 2024, "kind": "new_start", "level": "district", "planned_investment": Decimal("5")},
        {"year": 2024, "kind": "x", "level": "district", "planned_investment": Decimal("-5")},
        {"year": 2024, "kind": "continuing", "level": "city", "serial": -3, "planned_start_month": 13},
    ]:
        entry, cached = ProgrammeEntry(**values), ProgrammeEntry(**values)
        try:
            entry.full_clean(exclude=["project"], validate_unique=False, validate_constraints=False)
            expected: dict[str, list[str]] = {}
        except ValidationError as exc:
            expected = exc.message_dict
        try:
            full_clean_cached(cached, exclude=["project"], memo=memo)
            got: dict[str, list[str]] = {}
        except ValidationError as exc:
            got = exc.message_dict
        assert got == expected
