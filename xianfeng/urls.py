from __future__ import annotations

import functools
import gettext as gettext_module
import re

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path, reverse
from django.utils import translation
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from xianfeng.api import api

API_PREFIX = "api/"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("xianfeng.org.urls")),
    path("audit/", include("xianfeng.audit.urls")),
    path("notifications/", include("xianfeng.notifications.urls")),
    path("projects/", include("xianfeng.projects.urls")),
    path("coordination/", include("xianfeng.coordination.urls")),
    path("dispatch/", include("xianfeng.dispatch.urls")),
    path("attraction/", include("xianfeng.attraction.urls")),
    path("targets/", include("xianfeng.targets.urls")),
    path("cockpit/", include("xianfeng.cockpit.urls")),
    path(API_PREFIX, api.urls),
]


# ---------------------------------------------------------------- error pages
# Pages get the readable templates (templates/400.html, 403.html, 404.html, 500.html); a client of
# the JSON API gets JSON in the API's shape ({"detail": "…"}) even when no endpoint matched.

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/" + API_PREFIX)


def _api_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@functools.lru_cache(maxsize=8)
def _own_translations(language: str) -> frozenset[str]:
    """Every translation in the project's own catalogue (not Django's) for one language."""
    found: set[str] = set()
    for localedir in settings.LOCALE_PATHS:
        catalogue = gettext_module.translation(
            "django", localedir=str(localedir), languages=[translation.to_locale(language)], fallback=True
        )
        found.update(text for text in getattr(catalogue, "_catalog", {}).values() if isinstance(text, str))
    return frozenset(found)


def _own_message(exception: Exception) -> str:
    """The message of an Http404 raised by our code, in the page's language; "" for anything else.

    Ours are Chinese (a selector's "没有该目标，或您无权查看") or, raised on an English page, the
    catalogue's translation of one. Django's own ("No Project matches the given query.", the
    resolver's list of tried patterns) are technical and say nothing a user can act on."""
    message = exception.args[0] if exception.args else None
    if not isinstance(message, str) or not message.strip():
        return ""
    if _CJK.search(message):
        return translation.gettext(message)
    language = translation.get_language()
    if language and message in _own_translations(language):
        return message
    return ""


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(404, f"没有该接口：{request.path}，接口说明见 {reverse('api:openapi-view')}")
    # A forged URL to another unit's row raises the same Http404 as a missing row: same page.
    return render(request, "404.html", {"reason": _own_message(exception)}, status=404)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(403, str(exception) or "您无权进行此操作")
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(400, "请求有误，服务器无法处理")
    return defaults.bad_request(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        # Static text: the database may be what failed.
        return _api_error(500, "服务器内部错误，请稍后重试；如问题持续，请联系系统管理员")
    return defaults.server_error(request)


handler400 = bad_request
handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error
