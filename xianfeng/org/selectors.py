from __future__ import annotations

import datetime as dt

from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.lib import clock
from xianfeng.org.choices import RegionLevel
from xianfeng.org.models import ApiToken, Department, Leader, Region, User

# After this many failed sign-ins for one username within the window, refuse until the oldest expires.
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_LOCKED_REASON = "连续登录失败次数过多，已拒绝"


def streets() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.STREET).order_by("order", "code")


def departments_active() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("order", "code")


def leaders_active() -> QuerySet[Leader]:
    return Leader.objects.filter(is_active=True).order_by("order", "id")


def login_locked_until(*, username: str) -> dt.datetime | None:
    """When a username may try again, or None if it may now.

    Counted from the audit log (not process memory), so every app server sees the same count; a
    successful sign-in clears it, and refusals while locked do not extend the lock.
    """
    since = clock.now() - LOGIN_WINDOW
    rows = ChangeRecord.objects.filter(object_type=User._meta.label, object_repr=username, at__gte=since)
    last_ok = rows.filter(action=ChangeAction.LOGIN).aggregate(last=Max("at"))["last"]
    failures = rows.filter(action=ChangeAction.LOGIN_FAILED).exclude(reason__startswith=LOGIN_LOCKED_REASON)
    if last_ok is not None:
        failures = failures.filter(at__gt=last_ok)
    recent = list(failures.order_by("-at").values_list("at", flat=True)[:LOGIN_MAX_FAILURES])
    if len(recent) < LOGIN_MAX_FAILURES:
        return None
    return recent[-1] + LOGIN_WINDOW


def api_tokens(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (no one lists another user's tokens outside admin)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get(*, user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; Http404 for anyone else's, even if it exists."""
    return get_object_or_404(api_tokens(user=user), pk=pk)
