"""The JSON API under ``/api/``: one NinjaAPI, one router per app, errors in one shape.

Errors (the ``detail`` key is always there):

- 400 malformed JSON, 422 invalid input: ``{"detail": [{"field", "label", "message"}]}`` with
  Chinese messages; ``field`` is ``null`` for a message about the whole request.
- 409 someone else saved the row since the client read it (``version`` no longer matches): same shape.
- 401 no session and no valid token; 403 the role may not do this (admin and auditor may not
  use any business endpoint, leaders may not write); 404 the row does not exist *or* the user
  may not see it (a unit clerk asking for another unit's project): ``{"detail": "…"}``.

Amounts are Decimal in 万元 and travel as JSON strings (``"12500.00"``) so no cent is lost;
requests may send them as strings or numbers.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase

from xianfeng.attraction.api import router as attraction_router
from xianfeng.cockpit.api import router as cockpit_router
from xianfeng.coordination.api import router as coordination_router
from xianfeng.dispatch.api import router as dispatch_router
from xianfeng.lib.errors import ConflictError
from xianfeng.notifications.api import router as notifications_router
from xianfeng.org.api import API_AUTH
from xianfeng.projects.api import field_label
from xianfeng.projects.api import router as projects_router
from xianfeng.targets.api import router as targets_router

API_VERSION = "1.0.0"


class VendoredSwagger(DocsBase):
    """Swagger UI served from ``static/vendor/`` — never from a CDN."""

    settings = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None, "tryItOutEnabled": False}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"api": api, "swagger_settings": json.dumps(settings), "add_csrf": True}
        return render(request, "api/docs.html", context)


api = NinjaAPI(
    title="Xianfeng API",
    version=API_VERSION,
    description=(
        "先锋·重点项目管理平台的数据接口：重点项目、年度计划。"
        "认证：浏览器会话（写操作须带 X-CSRFToken），或接口令牌 `Authorization: Bearer xf_…`。"
        "权限与页面一致：单位用户只能看到并修改本单位的项目（其他单位的项目返回 404），"
        "区领导只读（写操作返回 403），系统管理员和审计管理员不能访问业务数据（一律 403）。"
        "金额单位为万元，以字符串传输。"
    ),
    urls_namespace="api",
    docs=VendoredSwagger(),
    docs_url="/docs",
    auth=API_AUTH,
)
api.add_router("/", projects_router)
api.add_router("/", notifications_router)
api.add_router("/", coordination_router)
api.add_router("/", attraction_router)
api.add_router("/", dispatch_router)
api.add_router("/", targets_router)
api.add_router("/", cockpit_router)


# ---------------------------------------------------------------- errors in one shape


def _error(field: str | None, message: str) -> dict[str, Any]:
    return {"field": field, "label": field_label(field) if field else None, "message": message}


def django_error_items(error: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(error, "error_dict"):
        return [
            _error(None if field == "__all__" else field, message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [_error(None, message) for message in error.messages]


# pydantic error types → Chinese reasons (the field is named separately).
_PYDANTIC_MESSAGES = {
    "missing": "必须填写",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "finite_number": "应为有限数字",
    "decimal_max_digits": "数字位数过多",
    "decimal_max_places": "小数位数过多",
    "string_type": "应为文本",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，格式 YYYY-MM-DD",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "extra_forbidden": "不是可以提交的字段",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "json_invalid": "不是有效的 JSON",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "不能小于 {}"),
    "greater_than": ("gt", "须大于 {}"),
    "less_than_equal": ("le", "不能大于 {}"),
    "less_than": ("lt", "须小于 {}"),
    "string_too_long": ("max_length", "不能超过 {} 个字符"),
    "string_too_short": ("min_length", "不能少于 {} 个字符"),
    "literal_error": ("expected", "应为以下之一：{}"),
    "enum": ("expected", "应为以下之一：{}"),
}
# Where ninja puts a value; the parameter's own name follows.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def pydantic_error_item(error: dict[str, Any]) -> dict[str, Any]:
    loc = [str(part) for part in error.get("loc", ())]
    if loc and loc[0] in _SOURCES:
        source, loc = loc[0], loc[1:]
        # A body schema is one parameter (``payload``); its fields are what the client sent.
        if source == "body" and loc and loc[0] == "payload":
            loc = loc[1:]
    field = ".".join(loc) or None
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _BOUNDS and _BOUNDS[kind][0] in ctx:
        key, template = _BOUNDS[kind]
        message = template.format(ctx[key])
    else:
        message = _PYDANTIC_MESSAGES.get(kind, str(error.get("msg", "")))
    if field is None and kind == "missing":
        message = "请求正文不能为空，应为 JSON 对象"
    label = field_label(loc[-1]) if loc else None
    return {"field": field, "label": label, "message": message}


@api.exception_handler(DjangoValidationError)
def _on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": django_error_items(exc)}, status=422)


@api.exception_handler(ConflictError)
def _on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    items = [{**item, "field": item["field"] or "version"} for item in django_error_items(exc)]
    for item in items:
        item["label"] = field_label(item["field"])
    return api.create_response(request, {"detail": items}, status=409)


@api.exception_handler(NinjaValidationError)
def _on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": [pydantic_error_item(e) for e in exc.errors]}, status=422)


@api.exception_handler(PermissionDenied)
def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "您无权进行此操作"}, status=403)


@api.exception_handler(Http404)
def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到该记录，或您无权查看"}, status=404)


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": "未登录，或接口令牌无效、已吊销：请登录或使用 Authorization: Bearer xf_…"},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="xianfeng"'
    return response


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if exc.status_code == 400 and cause is not None:
        # ninja wraps a body it cannot parse; say where the JSON breaks.
        where = ""
        if isinstance(cause, json.JSONDecodeError):
            where = f"（第 {cause.lineno} 行第 {cause.colno} 列）"
        message = f"请求正文不是有效的 JSON{where}"
        return api.create_response(request, {"detail": [_error(None, message)]}, status=400)
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)
