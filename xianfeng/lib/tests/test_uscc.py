"""The unified social credit code (GB 32100-2015): check character and clear reasons."""

from __future__ import annotations

import random

import pytest
from django.utils import translation

from xianfeng.lib import uscc

# Codes published by the enterprises themselves (business licences shown on their websites).
PUBLISHED = ["91370200163562681G", "91110000802100433B", "91440300192317458F", "91350100M000100Y43"]


def _constructed(rng: random.Random) -> str:
    body = rng.choice("159Y") + rng.choice("123") + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(uscc.ALPHABET) for _ in range(9))
    return body + uscc.check_char(body)


def test_weights_are_powers_of_three_mod_31() -> None:
    assert tuple(pow(3, i, 31) for i in range(17)) == uscc.WEIGHTS
    assert len(uscc.ALPHABET) == 31 and not set("IOSVZ") & set(uscc.ALPHABET)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert uscc.validate(code) == code


def test_constructed_codes_validate_and_every_one_character_corruption_is_caught() -> None:
    rng = random.Random(32100)
    for _ in range(200):
        code = _constructed(rng)
        assert uscc.is_valid(code)
        position = rng.randrange(18)
        replacement = rng.choice([ch for ch in uscc.ALPHABET if ch != code[position]])
        corrupted = code[:position] + replacement + code[position + 1 :]
        if position in range(2, 8) and not replacement.isdigit():
            with pytest.raises(uscc.UsccError, match="第3–8位"):
                uscc.validate(corrupted)
        else:
            # A weighted sum mod a prime catches any single substitution.
            with pytest.raises(uscc.UsccError, match="校验码不符"):
                uscc.validate(corrupted)


def test_input_is_normalised_before_checking() -> None:
    assert uscc.validate(" ９１３７０２００１６３５６２６８１ｇ ") == "91370200163562681G"
    assert uscc.validate("913702-0016356-2681g") == "91370200163562681G"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "不能为空"),
        ("9137020016356268", "应为18位，填写的是16位"),
        ("91370200163562681GX", "应为18位，填写的是19位"),
        ("9137020016356268IG", "第17位“I”不是有效字符（字母I不用于信用代码，是否应为“1”？）"),
        ("91370200163562O81G", "第15位“O”"),
        ("91ABCDEF163562681G", "第3–8位应为6位行政区划代码"),
        ("91370200163562681H", "校验码不符"),
        ("913702001635626@1G", "第16位“@”不是有效字符"),
    ],
)
def test_bad_codes_say_why(value: str, message: str) -> None:
    with pytest.raises(uscc.UsccError, match=message.replace("(", r"\(").replace("?", r"\?")):
        uscc.validate(value)


def test_division_of_a_code() -> None:
    assert uscc.division_of("91370200163562681G") == "370200"


def test_reasons_are_worded_in_the_users_language() -> None:
    with translation.override("en"):
        with pytest.raises(uscc.UsccError) as info:
            uscc.validate("9137020016356268")
        assert str(info.value) == "The unified social credit code must have 18 characters; 16 were entered"
        with pytest.raises(uscc.UsccError) as info:
            uscc.validate("91370200I63562681G")
        assert str(info.value) == (
            "Character 9 of the unified social credit code, “I”, is not valid"
            " (the letter I is not used in credit codes; did you mean “1”?)"
        )
    with pytest.raises(uscc.UsccError) as info:
        uscc.validate("91370200I63562681G")
    assert str(info.value) == "统一社会信用代码第9位“I”不是有效字符（字母I不用于信用代码，是否应为“1”？）"
