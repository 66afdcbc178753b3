"""Error pages with DEBUG off (as in production and in this suite): readable, bilingual, no leaks.

A forged URL gets the 404 page (another unit's row looks exactly like a missing one), a refused
role gets the 403 page with the reason in words, the API keeps answering in JSON, and the 500 page
renders with nothing but an empty context.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client
from django.urls import path
from django.utils import translation

from xianfeng import urls as project_urls
from xianfeng.coordination.tests.helpers import raise_problem

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
DJANGO_DEFAULTS = ("Not Found", "The requested resource was not found", "403 Forbidden", "Bad Request (400)")
NOT_FOUND = "未找到页面或记录"
FORBIDDEN = "无权进行此操作"


def _client(user: object | None = None, language: str | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def _h1(html: str) -> str:
    match = re.search(r'<h1[^>]*id="xf-error-title"[^>]*>(.*?)</h1>', html, re.S)
    assert match, "error heading not found"
    return match.group(1).strip()


def _reason(html: str) -> str:
    match = re.search(r'<div class="alert[^"]*" role="alert">(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else ""


def _main(html: str, url: str) -> str:
    """The page's body without the requested address (the frame carries a fresh CSRF token)."""
    match = re.search(r"<main[^>]*>(.*?)</main>", html, re.S)
    assert match, "main not found"
    return match.group(1).replace(url, "<url>")


def _assert_readable(html: str) -> None:
    assert '<nav class="navbar' in html  # the site's own frame, not a bare page
    for text in DJANGO_DEFAULTS:
        assert text not in html


# ---------------------------------------------------------------- 404


def test_another_units_project_is_the_same_404_page_as_a_missing_one(clerk_b, project_a) -> None:
    client = _client(clerk_b)
    forged = f"/projects/{project_a.pk}/"
    missing = f"/projects/{project_a.pk + 1000}/"
    response = client.get(forged)
    assert response.status_code == 404
    html = response.content.decode()
    _assert_readable(html)
    assert _h1(html) == NOT_FOUND
    assert project_a.name not in html
    # get_object_or_404's "No Project matches the given query." is Django's, not ours: not shown.
    assert "matches the given query" not in html and _reason(html) == ""
    other = client.get(missing)
    assert other.status_code == 404
    assert _main(other.content.decode(), missing) == _main(html, forged)


def test_another_units_problem_is_404_with_the_readable_page(clerk_a, clerk_b, project_a) -> None:
    problem = raise_problem(clerk_a, project_a)
    response = _client(clerk_b).get(f"/coordination/problems/{problem.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_readable(html)
    assert _h1(html) == NOT_FOUND and problem.title not in html


def test_our_own_404_message_is_shown(dispatcher) -> None:
    response = _client(dispatcher).get("/targets/987654/")
    assert response.status_code == 404
    assert _reason(response.content.decode()) == "没有该目标，或您无权查看"


def test_an_english_page_shows_our_message_in_english(dispatcher, project_a) -> None:
    url = f"/projects/{project_a.pk}/entries/1900/"
    response = _client(dispatcher, "en").get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert _reason(html) == "Year out of range"
    with translation.override("en"):
        assert _h1(html) == translation.gettext(NOT_FOUND)
    assert _reason(_client(dispatcher).get(url).content.decode()) == "年度超出范围"


def test_a_url_nobody_routes_is_404_without_the_resolvers_list(dispatcher) -> None:
    response = _client(dispatcher).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_readable(html)
    assert _h1(html) == NOT_FOUND and _reason(html) == ""
    assert "Resolver404" not in html and "tried" not in html


def test_an_anonymous_visitor_gets_the_404_page_with_a_way_to_log_in(client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_readable(html)
    assert _h1(html) == NOT_FOUND
    assert 'href="/login/?next=/no-such-page/"' in html
    assert 'id="xf-nav"' not in html  # no role-specific navigation for nobody


# ---------------------------------------------------------------- 403


def test_a_refused_step_is_403_with_its_reason(clerk_a, project_a) -> None:
    problem = raise_problem(clerk_a, project_a)
    response = _client(clerk_a).get(f"/coordination/problems/{problem.pk}/assign/")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_readable(html)
    assert _h1(html) == FORBIDDEN
    assert _reason(html) == "只有区项目办（调度专员）可以交办问题"


def test_a_refused_role_sees_the_reason_in_english(clerk_a) -> None:
    response = _client(clerk_a, "en").get("/cockpit/")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert (
        _reason(html) == "The cockpit is for district leaders and the project office&#x27;s dispatchers only"
    )
    with translation.override("en"):
        assert _h1(html) == translation.gettext(FORBIDDEN)


def test_403_without_a_reason_says_so_in_words(rf, auditor) -> None:
    from django.core.exceptions import PermissionDenied

    request = rf.get("/somewhere/")
    request.user = auditor
    response = project_urls.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert _reason(response.content.decode()) == "您的账号不能打开此页面或进行此操作。"


# ---------------------------------------------------------------- 400


def test_400_page_renders_for_anyone(rf) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import SuspiciousOperation

    request = rf.get("/x/")
    request.user = AnonymousUser()
    response = project_urls.bad_request(request, SuspiciousOperation("bad"))
    assert response.status_code == 400
    html = response.content.decode()
    _assert_readable(html)
    assert _h1(html) == "请求有误" and "bad" not in html


# ---------------------------------------------------------------- the JSON API keeps JSON


def test_api_404_and_403_stay_json(clerk_b, leader_user, project_a) -> None:
    forged = _client(clerk_b).get(f"/api/projects/{project_a.pk}")
    assert forged.status_code == 404 and forged["Content-Type"].startswith("application/json")
    assert forged.json() == {"detail": "未找到该记录，或您无权查看"}

    refused = _client(leader_user).patch(
        f"/api/projects/{project_a.pk}", json.dumps({"owner": "x"}), content_type="application/json"
    )
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/json")
    assert CJK.search(refused.json()["detail"])


def test_an_api_url_nobody_routes_is_json(dispatcher) -> None:
    response = _client(dispatcher).get("/api/no-such-endpoint")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "没有该接口：/api/no-such-endpoint，接口说明见 /api/docs"}


def test_api_403_and_400_outside_ninja_are_json(rf) -> None:
    from django.core.exceptions import PermissionDenied, SuspiciousOperation

    denied = project_urls.permission_denied(rf.get("/api/x"), PermissionDenied("不行"))
    assert denied.status_code == 403 and json.loads(denied.content) == {"detail": "不行"}
    bad = project_urls.bad_request(rf.get("/api/x"), SuspiciousOperation("bad"))
    assert bad.status_code == 400 and "detail" in json.loads(bad.content)


# ---------------------------------------------------------------- 500


def test_500_template_renders_with_an_empty_context() -> None:
    html = loader.get_template("500.html").render({})
    assert "服务器内部错误" in html and "Server error" in html
    assert "{%" not in html and "{{" not in html
    # Self-contained: no stylesheet or script to fetch while the server is failing.
    assert "<link" not in html and "<script" not in html


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


# This module doubles as a URLconf for the 500 tests: the project's handlers, plus a crashing view.
urlpatterns = [path("crash/", _crash), path("api/crash/", _crash)]
handler500 = project_urls.handler500


@pytest.mark.urls(__name__)
def test_a_crash_gets_the_static_500_page_and_json_under_the_api() -> None:
    assert not settings.DEBUG
    client = Client(raise_request_exception=False)
    page = client.get("/crash/")
    assert page.status_code == 500 and "服务器内部错误" in page.content.decode()
    assert "boom" not in page.content.decode()
    api = client.get("/api/crash/")
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    assert CJK.search(api.json()["detail"])


def test_our_404_message_in_english(dispatcher) -> None:
    response = _client(dispatcher, "en").get("/targets/987654/")
    assert response.status_code == 404
    assert _reason(response.content.decode()) == "No such target, or you may not view it"
