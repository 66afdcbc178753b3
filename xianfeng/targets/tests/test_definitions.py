"""Definitions: the whitelist's messages, and evaluation against the hand-computed world."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from xianfeng.projects.models import ProgrammeEntry
from xianfeng.targets import definitions
from xianfeng.targets.tests.world import NEW_STARTS_H1

pytestmark = pytest.mark.django_db


def message(definition: object) -> str:
    with pytest.raises(ValidationError) as info:
        definitions.validate(definition)
    return " ".join(info.value.message_dict["definition"])


def test_messages_name_the_bad_part(unit_a) -> None:
    assert "统计对象“things”无效" in message({"entity": "things"})
    assert "统计方式“avg”无效" in message({"entity": "entries", "measure": "avg"})
    assert "没有可合计的字段“height”" in message({"entity": "entries", "measure": "sum", "field": "height"})
    assert "未知的筛选条件“colour”" in message({"entity": "entries", "filters": {"colour": ["red"]}})
    text = message({"entity": "entries", "filters": {"level": ["national"]}})
    assert "筛选条件“级别”的取值“national”无效" in text and "province（省重点）" in text
    assert "“责任单位”的代码“NOPE”不存在" in message({"entity": "entries", "filters": {"unit": ["NOPE"]}})
    assert "超出范围 1–12" in message({"entity": "entries", "filters": {"planned_start_month_lte": 13}})
    bad_date = {"entity": "entries", "date": {"field": "actual_start", "on_or_before": "2024-02-30"}}
    assert "“2024-02-30”不是有效日期" in message(bad_date)
    assert "日期条件的字段“planned”无效" in message(
        {"entity": "entries", "date": {"field": "planned", "on_or_before": "2024-06-30"}}
    )
    assert "未知的项：colour" in message({"entity": "entries", "colour": 1})
    assert "须与日期条件一起使用" in message({"entity": "entries", "denominator": True})
    assert "须按个数统计并设日期条件" in message({"entity": "entries", "target": "all"})
    later = {"field": "actual_start", "on_or_before": "2024-01-01", "on_or_after": "2024-06-01"}
    assert "晚于截止日期" in message({"entity": "entries", "date": later})


def test_valid_definition_is_cleaned(unit_a) -> None:
    clean = definitions.validate(
        {**NEW_STARTS_H1, "filters": {"year": 2024, "kind": "new_start", "unit": [unit_a.code]}}
    )
    assert clean["filters"]["kind"] == ["new_start"]
    assert clean["denominator"] is True and clean["target"] == "all"
    words = definitions.describe(clean)
    assert words == (
        "2024年年度计划项目中建设性质为新开工、责任单位为甲单位、实际开工时间在2024-06-30及以前的个数，"
        "目标为全部（同样条件、不含日期条件的总数）"
    )


NOV = dt.date(2024, 11, 30)


def test_count_with_date_and_denominator(programme) -> None:
    result = definitions.evaluate(definitions.validate(NEW_STARTS_H1), NOV)
    assert (result.value, result.denominator) == (Decimal(1), Decimal(4))  # e1 of e1, e2, e3, e5
    # As of February nothing had started (e1 started 15 March): never count the future.
    assert definitions.evaluate(definitions.validate(NEW_STARTS_H1), dt.date(2024, 2, 29)).value == 0
    levels = {
        "entity": "entries",
        "measure": "count",
        "filters": {"year": 2024, "level": ["province", "city"]},
        "date": {"field": "actual_start", "on_or_before": "2024-06-30"},
        "denominator": True,
    }
    result = definitions.evaluate(definitions.validate(levels), NOV)
    assert (result.value, result.denominator) == (Decimal(2), Decimal(3))  # e1, e4 of e1, e2, e4


def test_sums(programme, unit_a) -> None:
    ytd = definitions.validate(
        {"entity": "entries", "measure": "sum", "field": "invested_ytd", "filters": {"year": 2024}}
    )
    assert definitions.evaluate(ytd, dt.date(2024, 2, 29)).value == Decimal("400.00")  # 300 + 100
    assert definitions.evaluate(ytd, dt.date(2024, 1, 31)).value == Decimal("150.00")  # 100 + 50
    assert definitions.evaluate(ytd, dt.date(2024, 1, 15)).value == Decimal("0.00")  # January not ended
    # The registry's own figure is read when it is as of the date or earlier, as the statistics do.
    ProgrammeEntry.objects.filter(pk=programme["e1"].pk).update(
        invested_ytd=Decimal(300), invested_as_of=dt.date(2024, 2, 29)
    )
    assert definitions.evaluate(ytd, dt.date(2024, 2, 29)).value == Decimal("400.00")
    assert definitions.evaluate(ytd, dt.date(2024, 1, 31)).value == Decimal("150.00")  # replayed
    planned = {
        "entity": "entries",
        "measure": "sum",
        "field": "planned_investment",
        "filters": {"year": 2024, "kind": ["new_start"]},
    }
    assert definitions.evaluate(definitions.validate(planned), NOV).value == Decimal("4000.00")
    mine = {**planned, "filters": {"year": 2024, "unit": [unit_a.code]}}
    assert definitions.evaluate(definitions.validate(mine), NOV).value == Decimal("3500.00")  # e1 e2 e5
    month = definitions.validate(
        {"entity": "reports", "measure": "sum", "field": "invested_month", "filters": {"year": 2024}}
    )
    assert definitions.evaluate(month, NOV).value == Decimal("400.00")  # the draft never counts
    count = definitions.validate({"entity": "reports", "measure": "count", "filters": {"year": 2024}})
    assert definitions.evaluate(count, NOV).value == 4
    projects = definitions.validate(
        {
            "entity": "projects",
            "measure": "count",
            "filters": {"year": 2024, "kind": ["new_start"]},
            "date": {"field": "actual_start", "on_or_before": "2024-12-31"},
            "denominator": True,
        }
    )
    result = definitions.evaluate(projects, NOV)
    assert (result.value, result.denominator) == (Decimal(2), Decimal(4))  # e1, e2 started by November


def test_the_definition_and_its_messages_in_english(unit_a) -> None:
    """Needs the catalogue's English entries for these messages."""
    clean = definitions.validate(
        {**NEW_STARTS_H1, "filters": {"year": 2024, "kind": "new_start", "unit": [unit_a.code]}}
    )
    with translation.override("en"):
        assert definitions.describe(clean) == (
            "Count: Programme entry (2024) where Kind is New start, Responsible unit is 甲单位, "
            "Actual start date on or before 2024-06-30; target: all of them (the total under the same "
            "conditions, without the date condition)"
        )
        assert message({"entity": "things"}) == (
            "Invalid entity “things”; choose from: projects (Project), entries (Programme entry), "
            "reports (Monthly report)"
        )
    # The labels are lazy: the same definition reads in Chinese again afterwards.
    assert definitions.describe(clean).startswith("2024年年度计划项目中建设性质为新开工")
