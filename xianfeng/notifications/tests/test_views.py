"""The inbox pages: own messages only, unread first in weight, marks by POST, the nav badge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xianfeng.notifications import services
from xianfeng.notifications.models import Delivery, Notification, NotificationPreference, WebhookEndpoint
from xianfeng.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _notify(user, key, title, **kwargs):  # type: ignore[no-untyped-def]
    [n] = services.notify(
        recipients=[user],
        event=kwargs.pop("event", "problem.assigned"),
        title=title,
        body=kwargs.pop("body", "正文"),
        link=kwargs.pop("link", "/projects/"),
        dedupe_key=key,
        **kwargs,
    )
    return n


@pytest.fixture
def bob(client, clerk_a):  # type: ignore[no-untyped-def]
    client.login(username="bob", password=PASSWORD)
    return clerk_a


def test_inbox_lists_own_messages_newest_first_unread_bold(client, bob, clerk_b) -> None:
    older = _notify(bob, "1", "较早的消息")
    newer = _notify(bob, "2", "较新的消息")
    services.notification_mark_read(user=bob, notification=older)
    _notify(clerk_b, "3", "乙单位的消息")
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("较新的消息") < html.index("较早的消息")
    assert "乙单位的消息" not in html
    assert f'id="n{newer.pk}"' in html and "xf-unread" in html
    unread_item = html[html.index(f'id="n{newer.pk}"') :]
    assert 'class="fw-bold"' in unread_item[: unread_item.index("较新的消息")]
    read_item = html[html.index(f'id="n{older.pk}"') :]
    assert 'class="fw-bold"' not in read_item[: read_item.index("较早的消息")]
    assert "1 条未读" in html


def test_unread_filter(client, bob) -> None:
    n = _notify(bob, "1", "已读消息")
    _notify(bob, "2", "未读消息")
    services.notification_mark_read(user=bob, notification=n)
    html = client.get(reverse("notifications:inbox") + "?unread=1").content.decode()
    assert "未读消息" in html and "已读消息" not in html


def test_mark_one_read_by_post(client, bob) -> None:
    n = _notify(bob, "1", "消息")
    url = reverse("notifications:read", args=[n.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"next": "/notifications/?unread=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?unread=1"
    n.refresh_from_db()
    assert n.read_at is not None


def test_next_never_leaves_the_site(client, bob) -> None:
    n = _notify(bob, "1", "消息")
    response = client.post(reverse("notifications:read", args=[n.pk]), {"next": "https://evil.example.com/"})
    assert response["Location"] == reverse("notifications:inbox")


def test_open_marks_read_and_follows_the_link(client, bob) -> None:
    n = _notify(bob, "1", "消息", link="/projects/42/")
    response = client.post(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/projects/42/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_message_is_404_and_untouched(client, bob, clerk_b) -> None:
    theirs = _notify(clerk_b, "1", "乙单位的消息")
    for name in ["notifications:read", "notifications:open"]:
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_own(client, bob, clerk_b) -> None:
    _notify(bob, "1", "一")
    _notify(bob, "2", "二")
    theirs = _notify(clerk_b, "3", "乙")
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "已将 2 条消息标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_badge_is_one_count_query(client, bob, django_assert_num_queries) -> None:
    _notify(bob, "1", "一")
    _notify(bob, "2", "二")
    client.get(reverse("notifications:inbox"))  # session and user rows warm
    # Session, user, and the count itself.
    with django_assert_num_queries(3):
        response = client.get(reverse("notifications:badge"))
    assert ">2<" in response.content.decode()
    Notification.objects.update(read_at="2024-12-06T10:00:00+08:00")
    assert "badge" not in client.get(reverse("notifications:badge")).content.decode()


def test_nav_loads_the_badge_with_htmx(client, bob) -> None:
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert f'hx-get="{reverse("notifications:badge")}"' in html


def test_anonymous_users_are_sent_to_login(client) -> None:
    for url in [
        reverse("notifications:inbox"),
        reverse("notifications:badge"),
        reverse("notifications:preferences"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_preferences_page_saves_choices(client, bob) -> None:
    _notify(bob, "1", "一", event="zz-test.custom")
    url = reverse("notifications:preferences")
    html = client.get(url).content.decode()
    assert "zz-test.custom" in html  # an event the user received can be muted even if nobody labelled it
    assert "还没有登记邮箱地址" in html
    response = client.post(
        url, {"email_enabled": "on", "email_digest": "on", "muted_events": ["zz-test.custom"]}
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=bob)
    assert (pref.email_enabled, pref.email_digest, pref.muted_events) == (True, True, ["zz-test.custom"])
    response = client.post(url, {"muted_events": ["not-offered"]})
    assert response.status_code == 200 and "not-offered" in response.content.decode()
    pref.refresh_from_db()
    assert pref.email_digest is True  # the invalid submission changed nothing


def test_delivery_log_is_for_the_project_office(client, bob, dispatcher) -> None:
    WebhookEndpoint.objects.create(
        name="项目办群", kind="wecom", url="https://qyapi.weixin.qq.com/x?key=SECRETKEY"
    )
    services.notify_group(
        department=None, event="dispatch.reminder", title="填报提醒", body="", dedupe_key="r1"
    )
    url = reverse("notifications:deliveries")
    assert client.get(url).status_code == 403
    client.login(username="alice", password=PASSWORD)
    response = client.get(url + "?status=queued")
    html = response.content.decode()
    assert response.status_code == 200 and "填报提醒" in html and "项目办群" in html
    assert "SECRETKEY" not in html  # a robot's URL carries its key; the page names the robot instead
    assert Delivery.objects.count() == 1


def test_inbox_queries_do_not_grow_with_messages(client, bob, django_assert_max_num_queries) -> None:
    for i in range(40):
        _notify(bob, f"k{i}", f"消息{i}")
    client.get(reverse("notifications:inbox"))
    # session, user, the nav's department, page count, page rows, their e-mails, unread count
    with django_assert_max_num_queries(7):
        response = client.get(reverse("notifications:inbox"))
    assert response.content.decode().count("xf-unread") == 30  # one page
