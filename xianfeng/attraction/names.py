"""Chinese company names, reduced to what tells one company from another, for duplicate checks.

A registered name reads 行政区划 + 字号 + 行业 + 组织形式 (青岛 + 海尔 + 智能科技 + 有限公司). Two units
entering the same investor write it differently — "海尔智能科技（青岛）有限公司", "青岛海尔智能科技
有限公司", "海尔智能科技" — so names are compared after dropping the region and the legal form and
folding full-width characters. Candidates are fetched by short keys (the first two characters of
what is left, their pinyin, and the second and third characters, to survive one wrong first
character), so a check reads a few hundred rows at most, not the whole table, and then scored.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

# Legal forms, longest first, stripped from the end (repeatedly: "集团股份有限公司").
_SUFFIXES = [
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份公司",
    "有限公司",
    "股份公司",
    "普通合伙",
    "有限合伙",
    "合伙企业",
    "分公司",
    "总公司",
    "集团公司",
    "集团",
    "公司",
    "co ltd",
    "co., ltd.",
    "co.,ltd.",
    "co.,ltd",
    "co., ltd",
    "company limited",
    "limited",
    "ltd.",
    "ltd",
    "corporation",
    "corp.",
    "corp",
    "inc.",
    "inc",
    "gmbh",
    "llc",
    "pte",
    "plc",
    "ag",
    "s.a.",
    "sa",
    "kk",
]
# Provinces, municipalities and the cities and districts investors most often prefix their names
# with; each may carry 省/市/区/县/特别行政区. Longest first so 内蒙古 wins over 内.
_REGIONS = sorted(
    {
        "中国",
        "中华",
        "北京",
        "天津",
        "上海",
        "重庆",
        "河北",
        "山西",
        "辽宁",
        "吉林",
        "黑龙江",
        "江苏",
        "浙江",
        "安徽",
        "福建",
        "江西",
        "山东",
        "河南",
        "湖北",
        "湖南",
        "广东",
        "海南",
        "四川",
        "贵州",
        "云南",
        "陕西",
        "甘肃",
        "青海",
        "台湾",
        "内蒙古",
        "广西",
        "西藏",
        "宁夏",
        "新疆",
        "香港",
        "澳门",
        "青岛",
        "济南",
        "烟台",
        "潍坊",
        "威海",
        "日照",
        "淄博",
        "临沂",
        "济宁",
        "德州",
        "聊城",
        "滨州",
        "东营",
        "泰安",
        "枣庄",
        "菏泽",
        "深圳",
        "广州",
        "杭州",
        "南京",
        "苏州",
        "无锡",
        "武汉",
        "成都",
        "西安",
        "厦门",
        "宁波",
        "大连",
        "沈阳",
        "长沙",
        "郑州",
        "合肥",
        "福州",
        "珠海",
        "东莞",
        "佛山",
        "崂山",
        "市南",
        "市北",
        "李沧",
        "城阳",
        "黄岛",
        "西海岸",
        "即墨",
        "胶州",
        "平度",
        "莱西",
        "新加坡",
        "日本",
        "韩国",
        "德国",
        "美国",
        "英国",
        "法国",
    },
    key=len,
    reverse=True,
)
_REGION_TAIL = "(?:特别行政区|自治区|省|市|区|县|新区)?"
_REGION_PREFIX = re.compile(rf"^(?:{'|'.join(map(re.escape, _REGIONS))}){_REGION_TAIL}")
# A bracketed region anywhere: 海尔（青岛）科技 → 海尔科技. Other brackets keep their text.
_REGION_IN_BRACKETS = re.compile(rf"[(\[](?:{'|'.join(map(re.escape, _REGIONS))}){_REGION_TAIL}[)\]]")
_BRACKETS = re.compile(r"[()\[\]{}<>《》〈〉「」『』【】]")
_PUNCTUATION = re.compile(r"[\s·•.,，。、'\"“”‘’&＆+\-_/\\:;：；!！?？*]")


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """The distinctive part of a company name: 青岛海尔智能科技有限公司 → 海尔智能科技.

    A pure function of the text (cached per process: it is not business data).
    """
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = _REGION_IN_BRACKETS.sub("", text)
    changed = True
    while changed:
        changed = False
        stripped = text.rstrip(" .,")
        for suffix in _SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                text = stripped[: -len(suffix)]
                changed = True
                break
        # A trailing bracket, e.g. "(普通合伙)" already handled; "(中国)" handled above.
        if text.endswith(")") and "(" in text and not changed:
            head, _open, inner = text.rpartition("(")
            if inner.rstrip(")") in {"", "普通合伙", "有限合伙"}:
                text, changed = head, True
    text = _BRACKETS.sub("", text)
    text = _PUNCTUATION.sub("", text)
    for _round in range(2):  # 中国山东青岛… loses all three
        match = _REGION_PREFIX.match(text)
        if match and len(text) - match.end() >= 2:
            text = text[match.end() :]
    return text


def _initials(text: str) -> str:
    return "".join(lazy_pinyin(text, errors=lambda chars: list(chars)))


@functools.lru_cache(maxsize=4096)
def name_keys(normalised: str) -> tuple[str, str, str]:
    """The blocking keys of a normalised name: its first two characters, their toneless pinyin
    (海尔 and 海而 share "haier"), and its second and third characters."""
    head = normalised[:2]
    return head, _initials(head)[:20], normalised[1:3]


def similarity(a: str, b: str) -> float:
    """0–100: how alike two normalised names are. One name wholly inside the other (海尔智家 /
    海尔智家生物) counts as at least 90 when the shorter has three characters or more."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    score = fuzz.ratio(a, b)
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= 3 and shorter in longer:
        score = max(score, 90.0)
    # Same sound, different character (海尔 / 海而): an input-method slip, not another company.
    if score >= 60 and len(a) == len(b) and _pinyin(a) == _pinyin(b):
        score = max(score, 95.0)
    return float(score)


@functools.lru_cache(maxsize=8192)
def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, errors=lambda chars: list(chars)))
