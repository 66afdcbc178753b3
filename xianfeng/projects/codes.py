"""The national investment-project code (全国投资项目在线审批监管平台项目代码).

Form ``YYYY-XXXXXX-XX-XX-XXXXXX``: the year the code was issued, the six-digit
administrative division code of the approving authority, the two-digit industry code
(a division of GB/T 4754 国民经济行业分类, 01–97), the two-digit management type
(01 审批, 02 核准, 03 备案) and a six-digit serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# First two digits of the division code: the provinces, autonomous regions and municipalities
# of GB/T 2260, plus Taiwan, Hong Kong and Macao.
PROVINCE_PREFIXES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
}  # fmt: skip
TYPE_CODES = {"01": "审批", "02": "核准", "03": "备案"}
INTERNAL_CODE_RE = re.compile(r"^XF(\d{4})-(\d{5})$")
_SHAPE = re.compile(r"^[0-9A-Za-z]+(-[0-9A-Za-z]+)*$")


@dataclass(frozen=True)
class NationalCode:
    year: int
    division: str
    industry: str
    type_code: str
    serial: str

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.division}-{self.industry}-{self.type_code}-{self.serial}"


def parse_national_code(value: str, *, max_year: int | None = None) -> NationalCode:
    """Parse and validate; the ValidationError names the wrong part (in the user's language)."""
    text = (value or "").strip().replace("－", "-").replace("—", "-")
    if not text:
        raise ValidationError(gettext("项目代码不能为空"), code="empty")
    parts = text.split("-")
    if len(parts) != 5 or not _SHAPE.match(text):
        raise ValidationError(
            gettext(
                "项目代码“%(value)s”格式应为 YYYY-XXXXXX-XX-XX-XXXXXX"
                "（年份-区划代码-行业代码-类型代码-流水号），由 5 段组成，实际为 %(count)s 段"
            ),
            code="shape",
            params={"value": text, "count": len(parts)},
        )
    year, division, industry, type_code, serial = parts
    if not (len(year) == 4 and year.isdigit()):
        raise ValidationError(
            gettext("项目代码第1段（年份）应为4位数字，实际为“%(part)s”"), code="year", params={"part": year}
        )
    year_int = int(year)
    upper = max_year if max_year is not None else 2100
    if not 2014 <= year_int <= upper:
        raise ValidationError(
            gettext("项目代码第1段（年份）%(year)s 不在 2014–%(upper)s 之间"),
            code="year_range",
            params={"year": year_int, "upper": upper},
        )
    if not (len(division) == 6 and division.isdigit()):
        raise ValidationError(
            gettext("项目代码第2段（行政区划代码）应为6位数字，实际为“%(part)s”"),
            code="division",
            params={"part": division},
        )
    if division[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            gettext("项目代码第2段（行政区划代码）“%(part)s”的前两位不是有效的省级代码"),
            code="division_province",
            params={"part": division},
        )
    if not (len(industry) == 2 and industry.isdigit() and 1 <= int(industry) <= 97):
        raise ValidationError(
            gettext("项目代码第3段（行业代码）应为 01–97 的两位数字，实际为“%(part)s”"),
            code="industry",
            params={"part": industry},
        )
    if type_code not in TYPE_CODES:
        raise ValidationError(
            gettext("项目代码第4段（类型代码）应为 01（审批）、02（核准）或 03（备案），实际为“%(part)s”"),
            code="type",
            params={"part": type_code},
        )
    if not (len(serial) == 6 and serial.isdigit()):
        raise ValidationError(
            gettext("项目代码第5段（流水号）应为6位数字，实际为“%(part)s”"),
            code="serial",
            params={"part": serial},
        )
    return NationalCode(year_int, division, industry, type_code, serial)


def normalise_national_code(value: str) -> str:
    return str(parse_national_code(value))


def is_internal_code(value: str) -> bool:
    return bool(INTERNAL_CODE_RE.match(value or ""))


def format_internal_code(year: int, serial: int) -> str:
    return f"XF{year:04d}-{serial:05d}"
