from __future__ import annotations

import secrets

from django.db import transaction

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.services import change_record, record_create, record_update, snapshot
from xianfeng.lib import clock
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import ApiToken, Department, User
from xianfeng.org.selectors import LOGIN_LOCKED_REASON


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str,
    role: Role | str,
    department: Department | None = None,
    actor: User | None = None,
    phone: str = "",
    email: str = "",
) -> User:
    if role in UNIT_ROLES and department is None:
        raise ValueError("单位填报员和单位审核员必须属于一个责任单位")
    user = User(
        username=username, full_name=full_name, role=role, department=department, phone=phone, email=email
    )
    user.is_staff = role == Role.ADMIN
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    record_create(actor=actor, instance=user)
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token; the plain key is returned once and never stored."""
    key = "xf_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[3:11])
    record_create(actor=user, instance=token)  # the hash is never logged (audit SNAPSHOT_SKIP)
    return token, key


def api_token_authenticate(*, key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
    return token.user


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> None:
    """Revoke a token (idempotent: a revoked token keeps its first revocation time)."""
    if token.revoked_at is not None:
        return
    before = snapshot(token)
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    record_update(actor=actor or token.user, instance=token, before=before)


# ---------------------------------------------------------------- sign-in (security log)
# Logged from the login/logout views, not from signals: it is the view that knows the request.
# Never pass a password here; the username is the only credential that reaches the log.


def _from(address: str) -> str:
    return f"来源地址 {address}" if address else ""


def login_record(*, user: User, address: str = "") -> None:
    change_record(
        actor=user, action=ChangeAction.LOGIN, instance=user, object_repr=user.username, reason=_from(address)
    )


def logout_record(*, user: User, address: str = "") -> None:
    change_record(
        actor=user,
        action=ChangeAction.LOGOUT,
        instance=user,
        object_repr=user.username,
        reason=_from(address),
    )


def login_failure_record(*, username: str, locked: bool = False, address: str = "") -> None:
    """A refused sign-in; keyed by the username typed, whether or not such a user exists."""
    user = User.objects.filter(username=username).only("pk").first()
    reason = LOGIN_LOCKED_REASON if locked else "用户名或密码错误"
    change_record(
        actor=None,
        action=ChangeAction.LOGIN_FAILED,
        object_type=User._meta.label,
        object_id=str(user.pk) if user else "",
        object_repr=username[:150],
        reason="；".join(part for part in [reason, _from(address)] if part),
    )
