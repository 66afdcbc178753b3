"""Sign in/out (logged, rate-limited), the role-aware home page, API tokens, and the admin role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse

from xianfeng.audit.models import ChangeRecord
from xianfeng.org.choices import Role
from xianfeng.org.models import ApiToken, Region
from xianfeng.org.services import api_token_authenticate, api_token_create, user_create
from xianfeng.tests.factories import PASSWORD, LeaderFactory, ProgrammeEntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "dispatcher", "clerk_a", "reviewer_a", "leader_user", "admin_user", "auditor"]


@pytest.fixture
def as_role(request, client):  # type: ignore[no-untyped-def]
    """A client logged in as the named fixture's user (or anonymous)."""

    def login(name: str):  # type: ignore[no-untyped-def]
        if name != "anonymous":
            client.force_login(request.getfixturevalue(name))
        return client

    return login


def _login(client, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def _log(action: str) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(action=action).order_by("id"))


# ---------------------------------------------------------------- sign in / out


def test_login_page_is_ours_in_chinese(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名" in html and "密码" in html and "记住我" in html
    assert "django-admin" not in html and 'name="remember"' in html


def test_successful_login_is_logged_without_the_password(client, dispatcher) -> None:  # type: ignore[no-untyped-def]
    response = _login(client, "alice", next="/account/tokens/")
    assert response.status_code == 302 and response.url == "/account/tokens/"
    [row] = _log("login")
    assert (row.actor, row.object_type, row.object_id, row.object_repr) == (
        dispatcher,
        "org.User",
        str(dispatcher.pk),
        "alice",
    )
    assert row.reason == "来源地址 127.0.0.1"
    assert PASSWORD not in str(ChangeRecord.objects.values_list("changes", "reason", "object_repr"))
    # Without "记住我" the session ends with the browser; with it, it lasts.
    assert client.session.get_expire_at_browser_close() is True
    client.logout()
    _login(client, "alice", remember="on")
    assert client.session.get_expire_at_browser_close() is False


def test_failed_login_shows_a_message_and_is_logged(client, dispatcher) -> None:  # type: ignore[no-untyped-def]
    response = _login(client, "alice", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    _login(client, "nobody", "whatever")
    rows = _log("login_failed")
    assert [(r.object_id, r.object_repr, r.actor) for r in rows] == [
        (str(dispatcher.pk), "alice", None),
        ("", "nobody", None),
    ]
    assert rows[0].reason.startswith("用户名或密码错误")
    assert "wrong-password" not in str(ChangeRecord.objects.values_list("changes", "reason", "object_repr"))
    # An empty form is a form error, not a login attempt.
    assert _login(client, "", "").status_code == 200
    assert len(_log("login_failed")) == 2


def test_inactive_user_cannot_log_in(client, dispatcher) -> None:  # type: ignore[no-untyped-def]
    dispatcher.is_active = False
    dispatcher.save()
    assert _login(client, "alice").status_code == 200
    assert len(_log("login_failed")) == 1 and not _log("login")


def test_five_failures_lock_the_username_for_fifteen_minutes(client, dispatcher, clerk_a) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        _login(client, "alice", "wrong")
    response = _login(client, "alice")  # the right password, refused
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "连续登录失败 5 次" in html and "后再试" in html
    locked = _log("login_failed")[-1]
    assert locked.reason.startswith("连续登录失败次数过多，已拒绝")
    # Another username is not affected.
    assert _login(client, "bob").status_code == 302
    client.logout()
    # Refusals while locked do not extend the lock: once the five failures are 15 minutes old, it opens.
    ChangeRecord.objects.filter(object_repr="alice", reason__startswith="用户名或密码错误").update(
        at=F("at") - dt.timedelta(minutes=16)
    )
    assert _login(client, "alice").status_code == 302


def test_a_successful_login_clears_the_failure_count(client, dispatcher) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        _login(client, "alice", "wrong")
    assert _login(client, "alice").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "alice", "wrong")
    assert _login(client, "alice").status_code == 302  # 8 failures in the window, but 4 since the success


def test_logged_in_user_visiting_login_goes_home(client, dispatcher) -> None:  # type: ignore[no-untyped-def]
    client.force_login(dispatcher)
    response = client.get(reverse("login"))
    assert response.status_code == 302 and response.url == reverse("home")


def test_logout_is_post_only_and_logged(client, dispatcher) -> None:  # type: ignore[no-untyped-def]
    client.force_login(dispatcher)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    [row] = _log("logout")
    assert row.actor == dispatcher and row.object_repr == "alice"
    assert "_auth_user_id" not in client.session
    # Logging out twice is harmless and logs nothing more.
    assert client.post(reverse("logout")).status_code == 302
    assert len(_log("logout")) == 1


def test_passwords_are_hashed_with_argon2(client, unit_a, argon2_hashing) -> None:  # type: ignore[no-untyped-def]
    user = user_create(
        username="zhao", password="Zh40-long-pass", full_name="赵", role=Role.UNIT_REVIEWER, department=unit_a
    )
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert _login(client, "zhao", "Zh40-long-pass").status_code == 302


# ---------------------------------------------------------------- home


@pytest.mark.parametrize("role", ROLES)
def test_home_by_role(as_role, role, project_a, project_b) -> None:  # type: ignore[no-untyped-def]
    response = as_role(role).get(reverse("home"))
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        return
    assert response.status_code == 200
    html = response.content.decode()
    programme = role in {"dispatcher", "clerk_a", "reviewer_a", "leader_user"}
    assert ("2024年度重点项目计划" in html) is programme
    assert (reverse("projects:board") in html) is programme
    assert (reverse("audit:log") in html) is (role == "auditor")
    assert (reverse("admin:org_region_changelist") in html) is (role == "admin_user")
    assert (reverse("tokens") in html) is programme


def _figure(html: str, name: str) -> str:
    marker = f'data-figure="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)].strip()


def test_home_figures_are_computed(client, dispatcher, clerk_a, unit_a, project_a, project_b) -> None:  # type: ignore[no-untyped-def]
    extra = ProjectFactory(lead_unit=unit_a, total_investment=55000)
    ProgrammeEntryFactory(project=extra, kind="new_start", planned_investment=6000)
    client.force_login(dispatcher)
    html = client.get(reverse("home")).content.decode()
    # 10000 + 10000 + 55000 万元 = 7.50 亿元; plan 2000 + 2000 + 6000 = 1.00 亿元
    assert (_figure(html, "count"), _figure(html, "total"), _figure(html, "planned")) == ("3", "7.50", "1.00")
    assert _figure(html, "started") == "0"
    assert _figure(html, "time") == "91.7%"
    client.force_login(clerk_a)
    html = client.get(reverse("home")).content.decode()
    assert (_figure(html, "count"), _figure(html, "total")) == ("2", "6.50")
    assert 'data-figure="unit-projects" data-value="2"' in html


def test_home_year_switch(client, dispatcher, project_a) -> None:  # type: ignore[no-untyped-def]
    ProgrammeEntryFactory(project=project_a, year=2023, planned_investment=100)
    client.force_login(dispatcher)
    html = client.get(reverse("home") + "?year=2023").content.decode()
    assert "2023年度重点项目计划" in html and _figure(html, "planned") == "0.01"
    # An unknown year falls back to this year rather than failing.
    assert "2024年度重点项目计划" in client.get(reverse("home") + "?year=abc").content.decode()


def test_home_shows_a_leaders_own_projects(client, leader_user, project_a, project_b) -> None:  # type: ignore[no-untyped-def]
    leader = LeaderFactory(user=leader_user)
    project_a.leader = leader
    project_a.save()
    client.force_login(leader_user)
    html = client.get(reverse("home")).content.decode()
    assert "由您包联的项目 1 个" in html


def test_home_for_the_admin_counts_reference_data(client, admin_user, unit_a) -> None:  # type: ignore[no-untyped-def]
    Region.objects.create(code="370212", name="崂山区", level="district")
    client.force_login(admin_user)
    html = client.get(reverse("home")).content.decode()
    assert reverse("admin:parks_park_changelist") in html
    assert reverse("admin:org_apitoken_changelist") in html
    assert "行政区划" in html and "共 1 条" in html


# ---------------------------------------------------------------- API tokens


@pytest.mark.parametrize("role", ROLES)
def test_tokens_page_by_role(as_role, role) -> None:  # type: ignore[no-untyped-def]
    response = as_role(role).get(reverse("tokens"))
    expected = {"anonymous": 302, "admin_user": 403, "auditor": 403}.get(role, 200)
    assert response.status_code == expected


def test_create_token_shows_the_key_once(client, clerk_a) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clerk_a)
    response = client.post(reverse("tokens"), {"name": "填报系统对接"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=clerk_a)
    html = response.content.decode()
    start = html.index('id="xf-new-key" value="') + len('id="xf-new-key" value="')
    key = html[start : html.index('"', start)]
    assert key.startswith("xf_") and key[3:11] == token.prefix
    assert api_token_authenticate(key=key) == clerk_a
    listing = client.get(reverse("tokens")).content.decode()
    assert key not in listing and "填报系统对接" in listing and token.prefix in listing
    assert "从未使用" not in listing  # it was just used above


def test_create_token_needs_a_name(client, clerk_a) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clerk_a)
    response = client.post(reverse("tokens"), {"name": "   "})
    assert response.status_code == 200 and "请填写令牌用途" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_own_token_only(client, clerk_a, clerk_b) -> None:  # type: ignore[no-untyped-def]
    mine, key = api_token_create(user=clerk_a, name="我的")
    theirs, their_key = api_token_create(user=clerk_b, name="别人的")
    client.force_login(clerk_a)
    assert client.post(reverse("tokens"), {"revoke": theirs.pk}).status_code == 404
    assert client.post(reverse("tokens"), {"revoke": "x1"}).status_code == 404
    assert api_token_authenticate(key=their_key) == clerk_b
    response = client.post(reverse("tokens"), {"revoke": mine.pk})
    assert response.status_code == 302 and response.url == reverse("tokens")
    mine.refresh_from_db()
    assert mine.revoked_at is not None and api_token_authenticate(key=key) is None
    row = ChangeRecord.objects.get(object_type="org.ApiToken", action="update")
    assert row.actor == clerk_a and list(row.changes) == ["revoked_at"]
    assert "已吊销" in client.get(reverse("tokens")).content.decode()


# ---------------------------------------------------------------- Django admin for the admin role


@pytest.fixture
def it_admin(db):  # type: ignore[no-untyped-def]
    """An administrator as the product creates one: role admin, staff, not a superuser."""
    return user_create(username="it", password="It-admin-pass-1", full_name="信息中心", role=Role.ADMIN)


def test_admin_role_manages_reference_data_only(client, it_admin) -> None:  # type: ignore[no-untyped-def]
    assert it_admin.is_staff and not it_admin.is_superuser
    client.force_login(it_admin)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200 and "先锋 系统管理" in index.content.decode()
    for name in [
        "org_region",
        "org_department",
        "org_user",
        "org_leader",
        "parks_industrychain",
        "parks_park",
    ]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200, name
    assert client.get(reverse("admin:org_apitoken_changelist")).status_code == 200
    assert client.get(reverse("admin:org_apitoken_add")).status_code == 403
    assert client.get(reverse("admin:projects_project_changelist")).status_code == 403
    assert client.get("/admin/audit/changerecord/").status_code == 404


def test_admin_edits_reach_the_audit_log(client, it_admin) -> None:  # type: ignore[no-untyped-def]
    client.force_login(it_admin)
    response = client.post(
        reverse("admin:org_region_add"), {"code": "370212", "name": "崂山区", "level": "district", "order": 0}
    )
    assert response.status_code == 302
    region = Region.objects.get(code="370212")
    response = client.post(
        reverse("admin:org_region_change", args=[region.pk]),
        {"code": "370212", "name": "青岛市崂山区", "level": "district", "order": 0},
    )
    assert response.status_code == 302
    rows = list(ChangeRecord.objects.filter(object_type="org.Region").order_by("id"))
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].actor == it_admin and rows[1].reason == "系统管理后台"
    assert rows[1].changes == {"name": {"label": "名称", "old": "崂山区", "new": "青岛市崂山区"}}


@pytest.mark.parametrize("role", ["dispatcher", "clerk_a", "leader_user", "auditor"])
def test_other_roles_stay_out_of_django_admin(as_role, role) -> None:  # type: ignore[no-untyped-def]
    response = as_role(role).get(reverse("admin:org_region_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url
