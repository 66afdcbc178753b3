"""How API clients prove who they are: a browser session, or a bearer token (``xf_…``).

The session class differs from ninja's ``django_auth`` in one way: it checks CSRF only when
the session really belongs to a signed-in user, so an anonymous POST gets 401 (not a CSRF 403)
and a token client, which carries no cookie, is never asked for a CSRF token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from xianfeng.org.services import api_token_authenticate

TOKEN_PREFIX = "xf_"


class SessionAuth(APIKeyCookie):
    """The signed-in user of the Django session; unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "浏览器会话（登录后自动携带）；POST/PUT/PATCH 须带 X-CSRFToken 请求头"

    def __call__(self, request: HttpRequest) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403, gettext("CSRF 校验失败：请求须带 X-CSRFToken 请求头（取自 csrftoken Cookie）")
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:  # pragma: no cover
        return request.user if request.user.is_authenticated else None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer xf_…``, issued on the “接口令牌” page; revoked tokens fail."""

    openapi_bearerFormat = "xf_…"
    openapi_description = "接口令牌：Authorization: Bearer xf_…（在“接口令牌”页面签发，可随时吊销）"

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        user = api_token_authenticate(key=token)
        if user is not None:
            # Endpoints and services read request.user, as for a session.
            request.user = user
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
# Token first: a machine client that also happens to carry a cookie is judged by its token.
API_AUTH = [token_auth, session_auth]
