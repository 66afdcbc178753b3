"""The unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters from a 31-character alphabet (the digits and the capital letters without
I, O, S, V and Z, which are too easily confused with digits):

- position 1: the registration authority (登记管理部门码, e.g. 9 工商, 5 民政, 1 机构编制);
- position 2: the kind of entity (机构类别码);
- positions 3–8: the six-digit administrative division code of the registering authority;
- positions 9–17: the entity's identifier (主体标识码, the old organisation code);
- position 18: the check character, computed from the first 17 with the weights 3^(i-1) mod 31.

Pure functions: no database. Messages name the position at fault, through Django's gettext (the
Chinese msgid in the Chinese UI, English in the English one).
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext, ngettext

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
# W_i = 3^(i-1) mod 31 for positions 1–17, as tabulated in the standard.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
# Letters people type that the alphabet leaves out on purpose.
_LOOKALIKES = {"I": "1", "O": "0", "Z": "2", "S": "5", "V": "U"}


class UsccError(ValueError):
    """A code that is not a valid unified social credit code; the message says why."""


def normalise(value: str) -> str:
    """Full-width to half-width, upper case, without spaces or hyphens."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-‐－—_")


def check_char(first17: str) -> str:
    """The check character (position 18) of the first 17 characters, which must be valid."""
    if len(first17) != LENGTH - 1 or any(ch not in VALUES for ch in first17):
        raise UsccError(gettext("计算校验码须有17位有效字符"))
    total = sum(VALUES[ch] * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(value: str) -> str:
    """The normalised code, or UsccError naming what is wrong."""
    code = normalise(value)
    if not code:
        raise UsccError(gettext("统一社会信用代码不能为空"))
    if len(code) != LENGTH:
        raise UsccError(
            ngettext(
                "统一社会信用代码应为18位，填写的是%(count)s位",
                "统一社会信用代码应为18位，填写的是%(count)s位",
                len(code),
            )
            % {"count": len(code)}
        )
    for position, ch in enumerate(code, start=1):
        if ch not in VALUES:
            values = {"position": position, "char": ch}
            if ch in _LOOKALIKES:
                raise UsccError(
                    gettext(
                        "统一社会信用代码第%(position)s位“%(char)s”不是有效字符"
                        "（字母%(char)s不用于信用代码，是否应为“%(digit)s”？）"
                    )
                    % {**values, "digit": _LOOKALIKES[ch]}
                )
            raise UsccError(gettext("统一社会信用代码第%(position)s位“%(char)s”不是有效字符") % values)
    if not code[2:8].isdigit():
        raise UsccError(gettext("统一社会信用代码第3–8位应为6位行政区划代码（数字）"))
    if check_char(code[:17]) != code[17]:
        raise UsccError(gettext("统一社会信用代码校验码不符，请逐位核对是否有字符录入错误"))
    return code


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except UsccError:
        return False
    return True


def division_of(code: str) -> str:
    """The registering authority's division code (positions 3–8) of a valid code."""
    return validate(code)[2:8]
