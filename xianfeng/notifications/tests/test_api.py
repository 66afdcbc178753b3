"""GET /api/notifications and POST /api/notifications/{id}/read: own messages only."""

from __future__ import annotations

import pytest

from xianfeng.notifications import services
from xianfeng.notifications.models import Notification
from xianfeng.org.services import api_token_create
from xianfeng.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _notify(user, key, title, **kwargs):  # type: ignore[no-untyped-def]
    [n] = services.notify(
        recipients=[user], event="problem.assigned", title=title, body="正文", dedupe_key=key, **kwargs
    )
    return n


def test_list_is_own_messages_newest_first(client, clerk_a, clerk_b, dispatcher, project_a) -> None:
    first = _notify(clerk_a, "1", "第一条", actor=dispatcher, obj=project_a, link="/projects/1/")
    second = _notify(clerk_a, "2", "第二条", urgent=True)
    _notify(clerk_b, "3", "别人的")
    client.login(username="bob", password=PASSWORD)
    data = client.get("/api/notifications").json()
    assert (data["count"], data["unread"]) == (2, 2)
    assert [item["id"] for item in data["items"]] == [second.pk, first.pk]
    item = data["items"][1]
    assert item["title"] == "第一条" and item["actor"] == dispatcher.get_full_name()
    assert item["object_type"] == "projects.project" and item["object_id"] == str(project_a.pk)
    assert item["link"] == "/projects/1/" and item["read_at"] is None and item["urgent"] is False


def test_mark_read_and_unread_filter(client, clerk_a) -> None:
    n = _notify(clerk_a, "1", "第一条")
    _notify(clerk_a, "2", "第二条")
    client.login(username="bob", password=PASSWORD)
    response = client.post(f"/api/notifications/{n.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    data = client.get("/api/notifications?unread=true").json()
    assert [i["title"] for i in data["items"]] == ["第二条"] and data["count"] == 1
    assert client.get("/api/notifications/unread-count").json() == {"unread": 1}
    assert client.post("/api/notifications/read-all").json() == {"marked": 1}


def test_another_users_message_is_404(client, clerk_a, clerk_b) -> None:
    theirs = _notify(clerk_b, "1", "别人的")
    client.login(username="bob", password=PASSWORD)
    response = client.post(f"/api/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_anonymous_is_401_and_tokens_work(client, clerk_a) -> None:
    _notify(clerk_a, "1", "第一条")
    assert client.get("/api/notifications").status_code == 401
    _token, key = api_token_create(user=clerk_a, name="测试")
    response = client.get("/api/notifications", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_limit_is_bounded(client, clerk_a) -> None:
    client.login(username="bob", password=PASSWORD)
    assert client.get("/api/notifications?limit=1000").status_code == 422
