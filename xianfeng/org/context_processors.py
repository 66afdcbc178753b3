from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from xianfeng.lib import clock


def product(request: HttpRequest) -> dict[str, Any]:
    return {"XF_DEMO": settings.XF_DEMO, "XF_TODAY": clock.today()}
