"""Group robots are kept by the system administrator in Django admin; secrets never reach the log."""

from __future__ import annotations

import pytest

from xianfeng.audit.models import ChangeRecord
from xianfeng.notifications import services
from xianfeng.notifications.choices import DeliveryStatus
from xianfeng.notifications.models import Delivery, WebhookEndpoint
from xianfeng.org.choices import Role
from xianfeng.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/notifications/webhookendpoint/add/"


@pytest.fixture
def it_admin(client, unit_a):  # type: ignore[no-untyped-def]
    """The admin role without superuser powers: access comes with the role."""
    user = UserFactory(username="ivan", role=Role.ADMIN, is_staff=True)
    client.login(username="ivan", password=PASSWORD)
    return user


def _form(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "自然资源局钉钉群",
        "kind": "dingtalk",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=TOKEN123",
        "secret": "SECsecret-value",
        "department": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_role_adds_a_robot_and_the_log_hides_url_and_secret(client, it_admin, unit_a) -> None:
    response = client.post(ADD_URL, _form(department=str(unit_a.pk)))
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.kind, endpoint.secret, endpoint.department) == ("dingtalk", "SECsecret-value", unit_a)
    record = ChangeRecord.objects.get(object_type="notifications.WebhookEndpoint")
    text = str(record.changes)
    assert "TOKEN123" not in text and "SECsecret-value" not in text
    assert record.changes["name"]["new"] == "自然资源局钉钉群"

    # Editing without retyping the secret keeps it; the change of URL is logged, masked.
    change_url = f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/"
    new_url = "https://oapi.dingtalk.com/robot/send?access_token=NEW"
    response = client.post(change_url, _form(secret="", url=new_url, department=str(unit_a.pk)))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret == "SECsecret-value" and endpoint.url.endswith("NEW")
    update = ChangeRecord.objects.filter(object_type="notifications.WebhookEndpoint").order_by("-id").first()
    assert list(update.changes) == ["url"] and "NEW" not in str(update.changes)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": "ftp://oapi.dingtalk.com/robot/send"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, "secret"),
    ],
)
def test_bad_robots_are_refused(client, it_admin, overrides, field) -> None:
    response = client.post(ADD_URL, _form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not WebhookEndpoint.objects.exists()


def test_business_roles_cannot_open_robot_admin(client, dispatcher) -> None:
    client.login(username="alice", password=PASSWORD)
    assert client.get(ADD_URL).status_code == 302  # dispatcher is not staff: sent to the admin login
    assert client.get("/admin/notifications/delivery/").status_code == 302


def test_admin_requeues_failed_deliveries(client, it_admin) -> None:
    WebhookEndpoint.objects.create(name="群", kind="wecom", url="https://qyapi.weixin.qq.com/x?key=k")
    [delivery] = services.notify_group(department=None, event="x.y", title="标题", body="", dedupe_key="k")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=5, last_error="HTTP 500"
    )
    response = client.get("/admin/notifications/delivery/")
    assert response.status_code == 200 and "qyapi" not in response.content.decode().split("<tbody>")[1]
    response = client.post(
        "/admin/notifications/delivery/", {"action": "requeue", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 0)
