from __future__ import annotations

import secrets

from django.db import transaction

from xianfeng.audit.services import record_create
from xianfeng.lib import clock
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import ApiToken, Department, User


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
def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
