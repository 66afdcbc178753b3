from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from xianfeng.lib.env import env_bool, env_int, env_list
from xianfeng.lib.money import fmt_yi, to_decimal, wan_to_yi


def test_env_bool_refuses_nonsense(monkeypatch) -> None:
    monkeypatch.setenv("XF_X", "yes")
    assert env_bool("XF_X") is True
    monkeypatch.setenv("XF_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="XF_X"):
        env_bool("XF_X")


def test_env_int_bounds(monkeypatch) -> None:
    monkeypatch.setenv("XF_N", "12")
    assert env_int("XF_N", 1, maximum=20) == 12
    monkeypatch.setenv("XF_N", "21")
    with pytest.raises(ImproperlyConfigured, match="≤ 20"):
        env_int("XF_N", 1, maximum=20)
    monkeypatch.setenv("XF_N", "abc")
    with pytest.raises(ImproperlyConfigured, match="integer"):
        env_int("XF_N", 1)


def test_env_list(monkeypatch) -> None:
    monkeypatch.setenv("XF_L", "a, b,,c")
    assert env_list("XF_L", []) == ["a", "b", "c"]


def test_money_parsing_and_display() -> None:
    assert to_decimal("1,234.567") == Decimal("1234.57")
    assert to_decimal(12) == Decimal("12.00")
    with pytest.raises(ValueError, match="不是数字"):
        to_decimal("十万")
    with pytest.raises(ValueError, match="不能为空"):
        to_decimal(" ")
    assert wan_to_yi(Decimal(23000000)) == Decimal("2300.00")
    assert fmt_yi(Decimal(23000000)) == "2,300.00"


def test_money_parsing_reasons_follow_the_language() -> None:
    with translation.override("en"), pytest.raises(ValueError, match=r"^“lots” is not a number$"):
        to_decimal("lots")
    with pytest.raises(ValueError, match=r"^“很多”不是数字$"):
        to_decimal("很多")
