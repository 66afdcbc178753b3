"""deliver_pending(): real SMTP and HTTP receivers on 127.0.0.1, retries, and nothing sent twice."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest

from xianfeng.lib import clock
from xianfeng.notifications import services
from xianfeng.notifications.choices import DeliveryStatus
from xianfeng.notifications.models import Delivery, WebhookEndpoint
from xianfeng.notifications.senders import dingtalk_sign

pytestmark = pytest.mark.django_db


def _notify(recipients, key="problem:1:assigned", **overrides):  # type: ignore[no-untyped-def]
    kwargs = {
        "recipients": recipients,
        "event": "problem.assigned",
        "title": "用地问题已交办：请在10个工作日内办结",
        "body": "崂山区某产业园项目的用地指标问题已交办区自然资源局。",
        "link": "/projects/1/",
        "dedupe_key": key,
    }
    kwargs.update(overrides)
    return services.notify(**kwargs)


def _group(department=None, key="reminder:1", **overrides):  # type: ignore[no-untyped-def]
    kwargs = {
        "department": department,
        "event": "dispatch.reminder",
        "title": "11月调度填报提醒",
        "body": "以下单位尚未填报：甲单位（3个项目）。\n截止时间：12月6日。",
        "link": "/dispatch/",
        "dedupe_key": key,
    }
    kwargs.update(overrides)
    return services.notify_group(**kwargs)


def test_email_reaches_a_real_smtp_server_in_chinese(smtp, mailbox_users, settings) -> None:
    settings.XF_SITE_URL = "https://xm.example.gov.cn"
    clerk, reviewer, _ = mailbox_users
    _notify([clerk, reviewer])
    stats = services.deliver_pending()
    assert (stats.claimed, stats.sent, stats.failed) == (2, 2, 0)
    assert len(smtp.messages) == 2
    by_rcpt = {env["rcpt_tos"][0]: i for i, env in enumerate(smtp.envelopes)}
    message = smtp.messages[by_rcpt["bob@unit-a.test"]]
    # Django folds a long encoded subject onto a continuation line; unfolding leaves the space.
    assert message["Subject"].strip() == "【先锋】用地问题已交办：请在10个工作日内办结"
    assert message["To"] == "bob@unit-a.test"
    assert "noreply@xianfeng.test" in message["From"]
    body = smtp.body_of(by_rcpt["bob@unit-a.test"])
    assert "甲单位填报员，您好" in body
    assert "用地指标问题已交办区自然资源局" in body
    assert "https://xm.example.gov.cn/projects/1/" in body
    delivery = Delivery.objects.get(target="bob@unit-a.test")
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1 and delivery.sent_at is not None
    assert delivery.attempt_log[0]["ok"] is True


def test_a_restarted_worker_sends_nothing_twice(smtp, hooks, mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    WebhookEndpoint.objects.create(name="项目办群", kind="wecom", url=hooks.url("/wecom"))
    _notify([clerk])
    _group()
    first = services.deliver_pending()
    second = services.deliver_pending()  # the worker restarted, or a second one runs
    assert (first.sent, second.claimed, second.sent) == (2, 0, 0)
    assert len(smtp.messages) == 1 and len(hooks.requests) == 1
    # Notifying again with the same keys queues nothing new, so a third run sends nothing either.
    _notify([clerk])
    _group()
    assert services.deliver_pending().claimed == 0
    assert len(smtp.messages) == 1 and len(hooks.requests) == 1


def test_a_row_claimed_by_another_worker_is_not_sent_again(smtp, mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    _notify([clerk])
    claimed = services._claim(worker="a" * 32, now=clock.now(), limit=10)
    assert [d.status for d in claimed] == [DeliveryStatus.SENDING]
    assert services._claim(worker="b" * 32, now=clock.now(), limit=10) == []
    assert services.deliver_pending().claimed == 0
    assert smtp.messages == []


def test_a_worker_that_died_mid_send_is_not_resent_but_reported(smtp, mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    _notify([clerk])
    now = clock.now()
    services._claim(worker="dead" * 8, now=now, limit=10)  # …and then the process was killed
    stats = services.deliver_pending(now=now + dt.timedelta(minutes=31))
    assert (stats.abandoned, stats.claimed) == (1, 0)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "无法确认是否已送达" in delivery.last_error
    assert smtp.messages == []
    # The administrator decides to send it again.
    assert services.delivery_requeue(deliveries=[delivery]) == 1
    assert services.deliver_pending(now=now + dt.timedelta(minutes=32)).sent == 1
    assert len(smtp.messages) == 1


def test_wecom_and_dingtalk_payloads_and_the_dingtalk_signature(hooks, unit_a) -> None:
    secret = "SEC0123456789abcdef"
    WebhookEndpoint.objects.create(
        name="甲单位企业微信群", kind="wecom", url=hooks.url("/wecom?key=k1"), department=unit_a
    )
    WebhookEndpoint.objects.create(
        name="甲单位钉钉群",
        kind="dingtalk",
        url=hooks.url("/dingtalk?access_token=t1"),
        secret=secret,
        department=unit_a,
    )
    _group(department=unit_a)
    stats = services.deliver_pending()
    assert stats.sent == 2
    [wecom] = hooks.to("/wecom")
    assert wecom.headers["content-type"].startswith("application/json")
    assert wecom.query == {"key": "k1"}
    assert wecom.json["msgtype"] == "markdown"
    content = wecom.json["markdown"]["content"]
    assert content.startswith("**【先锋】11月调度填报提醒**")
    assert "以下单位尚未填报：甲单位（3个项目）。" in content and "截止时间：12月6日。" in content
    assert "[查看详情](/dispatch/)" in content

    [ding] = hooks.to("/dingtalk")
    assert ding.json["msgtype"] == "markdown"
    assert ding.json["markdown"]["title"] == "【先锋】11月调度填报提醒"
    assert ding.json["markdown"]["text"].startswith("#### 【先锋】11月调度填报提醒")
    assert ding.query["access_token"] == "t1"
    # The receiver decodes the query once; DingTalk recomputes the HMAC the same way.
    timestamp = ding.query["timestamp"]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert ding.query["sign"] == expected
    assert abs(int(timestamp) / 1000 - dt.datetime.now().timestamp()) < 60
    delivery = Delivery.objects.get(channel="dingtalk")
    assert delivery.attempt_log[0]["timestamp"] == int(timestamp)
    assert delivery.attempt_log[0]["http_status"] == 200


def test_dingtalk_sign_matches_the_documented_algorithm() -> None:
    # Same inputs as the vendor's Python sample: quote_plus(b64encode(hmac_sha256(secret, "ts\nsecret"))).
    sign = dingtalk_sign("this is secret", 1577000000000)
    raw = hmac.new(b"this is secret", b"1577000000000\nthis is secret", hashlib.sha256).digest()
    assert sign == base64.b64encode(raw).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def test_a_failing_webhook_is_retried_with_backoff_then_marked_failed(hooks, settings) -> None:
    settings.XF_NOTIFY_MAX_ATTEMPTS = 3
    hooks.reply("/broken", 500, {"error": "internal"})
    WebhookEndpoint.objects.create(name="坏掉的群", kind="wecom", url=hooks.url("/broken"))
    _group()
    now = clock.now()
    first = services.deliver_pending(now=now)
    delivery = Delivery.objects.get()
    assert (first.retrying, delivery.status, delivery.attempts) == (1, DeliveryStatus.QUEUED, 1)
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=1)
    # Not due yet: nothing is tried.
    assert services.deliver_pending(now=now + dt.timedelta(seconds=30)).claimed == 0
    second = services.deliver_pending(now=now + dt.timedelta(minutes=1))
    delivery.refresh_from_db()
    assert (second.retrying, delivery.attempts) == (1, 2)
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)
    third = services.deliver_pending(now=now + dt.timedelta(minutes=3))
    delivery.refresh_from_db()
    assert (third.failed, delivery.status, delivery.attempts) == (1, DeliveryStatus.FAILED, 3)
    assert delivery.last_error.startswith("机器人服务器返回 HTTP 500")
    assert [entry["ok"] for entry in delivery.attempt_log] == [False, False, False]
    assert [entry["http_status"] for entry in delivery.attempt_log] == [500, 500, 500]
    assert len(hooks.to("/broken")) == 3
    # Failed is final: later runs leave it alone.
    assert services.deliver_pending(now=now + dt.timedelta(hours=1)).claimed == 0


def test_a_robot_refusing_the_message_is_a_failure(hooks) -> None:
    hooks.reply("/ding", 200, {"errcode": 310000, "errmsg": "sign not match"})
    WebhookEndpoint.objects.create(name="钉钉群", kind="dingtalk", url=hooks.url("/ding"), secret="SECwrong")
    _group()
    stats = services.deliver_pending()
    delivery = Delivery.objects.get()
    assert stats.retrying == 1
    assert delivery.last_error == "机器人拒收，错误码 310000：sign not match"


def test_a_client_error_is_not_retried(hooks) -> None:
    hooks.reply("/gone", 404, {"errcode": 93000, "errmsg": "invalid webhook url"})
    WebhookEndpoint.objects.create(name="已解散的群", kind="wecom", url=hooks.url("/gone"))
    _group()
    stats = services.deliver_pending()
    assert stats.failed == 1
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_an_unreachable_smtp_server_is_retried_with_the_reason(mailbox_users, settings) -> None:
    from xianfeng.notifications.testing import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    clerk, _, _ = mailbox_users
    _notify([clerk])
    stats = services.deliver_pending()
    delivery = Delivery.objects.get()
    assert stats.retrying == 1 and delivery.status == DeliveryStatus.QUEUED
    assert delivery.last_error.startswith("邮件发送失败（127.0.0.1:")


def test_a_deactivated_robot_gets_nothing(hooks) -> None:
    endpoint = WebhookEndpoint.objects.create(name="群", kind="wecom", url=hooks.url("/w"))
    _group()
    endpoint.is_active = False
    endpoint.save()
    stats = services.deliver_pending()
    assert stats.failed == 1 and hooks.requests == []
    assert "已停用" in Delivery.objects.get().last_error


def test_limit_caps_one_run(mailbox_users, smtp) -> None:
    clerk, _, _ = mailbox_users
    for i in range(5):
        _notify([clerk], key=f"k{i}")
    assert services.deliver_pending(limit=3).sent == 3
    assert services.deliver_pending(limit=3).sent == 2
    assert len(smtp.messages) == 5
