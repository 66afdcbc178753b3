"""Amounts with their unit: conversion to 万元 and the doubts about a unit that looks wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from xianfeng.attraction.amounts import to_wan, unit_doubt
from xianfeng.attraction.choices import AmountUnit

D = Decimal


@pytest.mark.parametrize(
    ("amount", "unit", "wan"),
    [
        (D("12000"), AmountUnit.CNY_WAN, D("12000.00")),
        (D("1.5"), AmountUnit.CNY_YI, D("15000.00")),
        (D("3000"), AmountUnit.USD_WAN, D("21300.00")),
        (D("2"), AmountUnit.USD_YI, D("142000.00")),
        (D("10000"), AmountUnit.HKD_WAN, D("9100.00")),
    ],
)
def test_to_wan(settings, amount, unit, wan):
    settings.XF_ATTRACTION_FX_RATES = {"USD": "7.10", "HKD": "0.91"}
    assert to_wan(amount, unit).wan == wan


def test_a_currency_without_a_rate_is_refused(settings):
    settings.XF_ATTRACTION_FX_RATES = {}
    with pytest.raises(ValidationError, match="没有USD的折算汇率"):
        to_wan(D("1"), AmountUnit.USD_WAN)


@pytest.mark.parametrize(
    ("amount", "unit", "land", "suggested_unit", "suggested_amount"),
    [
        (D("5"), AmountUnit.CNY_WAN, None, AmountUnit.CNY_YI, D("5")),
        (D("0.5"), AmountUnit.CNY_WAN, None, AmountUnit.CNY_YI, D("0.5")),
        (D("200"), AmountUnit.CNY_WAN, D("100"), AmountUnit.CNY_YI, D("200")),  # 2 万元/亩
        (D("50000"), AmountUnit.CNY_YI, None, AmountUnit.CNY_WAN, D("50000")),
        (D("30"), AmountUnit.CNY_YI, D("1"), AmountUnit.CNY_WAN, D("30")),  # 30 亿 on one 亩
        (D("800000000"), AmountUnit.CNY_WAN, None, AmountUnit.CNY_WAN, D("80000")),  # yuan in a 万 field
    ],
)
def test_doubtful_units_offer_the_conversion(amount, unit, land, suggested_unit, suggested_amount):
    doubt = unit_doubt(amount, unit, land_mu=land)
    assert doubt is not None
    assert doubt.suggested_unit == suggested_unit and doubt.suggested_amount == suggested_amount
    assert doubt.offer


@pytest.mark.parametrize(
    ("amount", "unit", "land"),
    [
        (D("50000"), AmountUnit.CNY_WAN, D("100")),
        (D("5"), AmountUnit.CNY_YI, D("100")),
        (D("3000"), AmountUnit.USD_WAN, None),
        (D("120"), AmountUnit.CNY_YI, D("210")),  # the seed's largest project, 120 亿 on 210 亩
    ],
)
def test_plausible_amounts_raise_no_doubt(amount, unit, land):
    assert unit_doubt(amount, unit, land_mu=land) is None


def test_small_amount_in_yi_asks_to_check_without_a_guess():
    doubt = unit_doubt(D("0.001"), AmountUnit.CNY_YI)
    assert doubt is not None and doubt.suggested_unit is None and "请核对" in doubt.message


def test_doubts_are_worded_in_the_users_language():
    with translation.override("en"):
        doubt = unit_doubt(D("5"), AmountUnit.CNY_WAN)
        assert doubt is not None
        assert doubt.message == (
            "Intended investment of 5 10k CNY is implausibly small for an investment project; the unit may be"
            " wrong: if it is 5 100M CNY (50,000 10k CNY), choose “100M CNY” instead"
        )
    doubt = unit_doubt(D("5"), AmountUnit.CNY_WAN)
    assert doubt is not None and doubt.message == (
        "意向投资额 5 万元对一个投资项目明显偏小，单位可能填错了："
        "如果是 5 亿元（折合 50,000 万元），请改用“亿元”"
    )
