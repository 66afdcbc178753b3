from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from xianfeng.projects.codes import (
    format_internal_code,
    is_internal_code,
    normalise_national_code,
    parse_national_code,
)


def test_valid_code_parses_into_its_parts() -> None:
    code = parse_national_code("2024-370212-47-01-123456")
    assert (code.year, code.division, code.industry, code.type_code, code.serial) == (
        2024,
        "370212",
        "47",
        "01",
        "123456",
    )
    assert str(code) == "2024-370212-47-01-123456"


def test_full_width_dashes_and_spaces_are_normalised() -> None:
    assert normalise_national_code(" 2023－370212－70－03－000017 ") == "2023-370212-70-03-000017"


@pytest.mark.parametrize(
    ("value", "part"),
    [
        ("24-370212-47-01-123456", "第1段（年份）"),
        ("2009-370212-47-01-123456", "第1段（年份）"),
        ("2024-37021-47-01-123456", "第2段（行政区划代码）"),
        ("2024-990212-47-01-123456", "第2段（行政区划代码）"),
        ("2024-370212-00-01-123456", "第3段（行业代码）"),
        ("2024-370212-98-01-123456", "第3段（行业代码）"),
        ("2024-370212-47-04-123456", "第4段（类型代码）"),
        ("2024-370212-47-01-12345", "第5段（流水号）"),
        ("2024-370212-47-01-12345A", "第5段（流水号）"),
        ("2024-370212-47-01", "5 段"),
        ("2024370212470112345", "5 段"),
    ],
)
def test_error_names_the_wrong_part(value: str, part: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_national_code(value)
    assert part in info.value.messages[0]


def test_year_after_the_allowed_maximum_is_refused() -> None:
    with pytest.raises(ValidationError, match="2025"):
        parse_national_code("2026-370212-47-01-123456", max_year=2025)


def test_empty_code_is_refused() -> None:
    with pytest.raises(ValidationError, match="不能为空"):
        parse_national_code("  ")


def test_internal_codes() -> None:
    assert format_internal_code(2024, 7) == "XF2024-00007"
    assert is_internal_code("XF2024-00007")
    assert not is_internal_code("2024-370212-47-01-123456")
