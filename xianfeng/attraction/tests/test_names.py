"""Company names reduced for the duplicate check, their blocking keys and the similarity score."""

from __future__ import annotations

import pytest

from xianfeng.attraction.names import name_keys, normalise_name, similarity


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("青岛海尔智能科技有限公司", "海尔智能科技"),
        ("海尔智能科技（青岛）有限公司", "海尔智能科技"),
        ("海尔智能科技(青岛)有限公司", "海尔智能科技"),
        ("山东青岛海尔智能科技股份有限公司", "海尔智能科技"),
        ("青岛市崂山区海尔智能科技有限责任公司", "海尔智能科技"),
        ("西门子（中国）有限公司", "西门子"),
        ("新加坡丰树集团", "丰树"),
        ("北京字节跳动网络技术有限公司", "字节跳动网络技术"),
        ("Ｈａｉｅｒ  Co., Ltd.", "haier"),
        ("Siemens AG", "siemens"),
        ("中国石油天然气集团有限公司", "石油天然气"),
        ("青岛（海尔）", "海尔"),  # a bracket that is not a region keeps its text
        ("青岛", "青岛"),  # a name that is only a region is kept whole
    ],
)
def test_normalise_name(name: str, expected: str) -> None:
    assert normalise_name(name) == expected


def test_keys_are_head_pinyin_and_second_pair() -> None:
    assert name_keys("海尔智能科技") == ("海尔", "haier", "尔智")
    # A homophone slip in the first two characters keeps the pinyin key.
    assert name_keys("海而智能科技")[1] == "haier"
    # A wrong first character keeps the second pair.
    assert name_keys("每尔智能科技")[2] == "尔智"


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("海尔智能科技", "海尔智能科技", 100, 100),
        ("海尔智能科技", "海而智能科技", 95, 95),  # same sound
        ("海尔智家", "海尔智家生物", 90, 100),  # one inside the other
        ("海尔智能科技", "海信智能科技", 0, 84),  # another company
        ("海尔", "海尔斯", 0, 84),  # too short to call containment
        ("瀚海光学", "澜峰显示", 0, 10),
        ("", "海尔", 0, 0),
    ],
)
def test_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= similarity(a, b) <= high
