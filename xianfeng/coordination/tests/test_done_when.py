"""The issue's "done when", end to end through the pages: a clerk raises a land problem from the
November report; the dispatcher assigns it to the natural-resources bureau with 10 working days;
the leader in charge writes an instruction; the bureau replies and resolves it; the clerk confirms
and it is closed. Each step notifies the right people — checked in the inbox, in the e-mails a
local SMTP server receives and in the posts a local webhook receiver receives — and every step is
in the problem's history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from xianfeng.coordination.choices import ProblemStatus
from xianfeng.coordination.models import Instruction, Problem
from xianfeng.notifications.models import Delivery, Notification, WebhookEndpoint
from xianfeng.notifications.services import deliver_pending
from xianfeng.notifications.testing import SmtpReceiver, WebhookReceiver, smtp_server, webhook_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings) -> Iterator[SmtpReceiver]:  # type: ignore[no-untyped-def]
    with smtp_server() as receiver:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = receiver.host, receiver.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield receiver


@pytest.fixture
def hooks(settings) -> Iterator[WebhookReceiver]:  # type: ignore[no-untyped-def]
    settings.XF_WEBHOOK_TIMEOUT = 5
    with webhook_server() as receiver:
        yield receiver


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ok(response: Any) -> Any:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_a_land_problem_from_raising_to_closing(
    smtp, hooks, clerk_a, dispatcher, led_project, leader_user, bureau, bureau_clerk, unit_a
) -> None:
    for user, address in [
        (clerk_a, "bob@unit-a.test"),
        (dispatcher, "alice@xmb.test"),
        (leader_user, "erin@qu.test"),
    ]:
        user.email = address
        user.save(update_fields=["email"])
    WebhookEndpoint.objects.create(name="项目办工作群", kind="wecom", url=hooks.url("/office"))
    WebhookEndpoint.objects.create(
        name="自然资源局工作群", kind="dingtalk", url=hooks.url("/bureau"), department=bureau
    )
    WebhookEndpoint.objects.create(
        name="甲单位工作群", kind="wecom", url=hooks.url("/unit-a"), department=unit_a
    )

    # 1. The clerk raises a land problem from the November report.
    _ok(
        _as(clerk_a).post(
            "/coordination/problems/new/",
            {
                "project": led_project.pk,
                "type": "land",
                "title": "地块用地指标未落实",
                "description": "11月调度：项目二期地块尚无新增建设用地指标，影响土地出让。",
                "source": "report",
                "period": "2024-11",
            },
        )
    )
    problem = Problem.objects.get()
    detail = f"/coordination/problems/{problem.pk}/"
    # 2. The dispatcher assigns it to the natural-resources bureau, 10 working days.
    _ok(
        _as(dispatcher).post(
            f"{detail}assign/", {"units": [bureau.pk], "deadline_days": 10, "note": "请牵头落实"}
        )
    )
    # 3. The leader in charge writes an instruction.
    _ok(
        _as(leader_user).post(
            f"{detail}instruct/", {"text": "请自然资源局本周内拿出指标落实方案。", "reply_days": 3}
        )
    )
    instruction = Instruction.objects.get()
    # 4. The bureau accepts, replies, and resolves it.
    bureau_client = _as(bureau_clerk)
    _ok(bureau_client.post(f"{detail}transition/", {"action": "accept"}))
    _ok(
        bureau_client.post(
            f"/coordination/instructions/{instruction.pk}/reply/", {"text": "已与市局对接，指标本月下达。"}
        )
    )
    _ok(
        bureau_client.post(
            f"{detail}transition/",
            {"action": "resolve", "resolution": "市局已下达用地指标（青自然资〔2024〕88号）。"},
        )
    )
    # 5. The clerk confirms: closed (销号).
    _ok(_as(clerk_a).post(f"{detail}transition/", {"action": "close", "note": "指标已到位，同意销号"}))

    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    assert problem.deadline.isoformat() == "2024-12-20"
    assert (problem.raised_from_period, problem.source) == ("2024-11", "report")

    # Every step is in the history, with who took it.
    history = list(problem.events.values_list("action", "actor__username"))
    assert history == [
        ("raise", "bob"),
        ("assign", "alice"),
        ("instruct", "erin"),
        ("accept", "nina"),
        ("reply", "nina"),
        ("resolve", "nina"),
        ("close", "bob"),
    ]
    page = _as(clerk_a).get(detail).content.decode()
    for text in ["提出问题", "交办", "领导批示", "受理", "批示回复", "办结", "确认销号", "已销号"]:
        assert text in page, text

    # The inbox: who heard of what.
    inbox: dict[str, set[str]] = defaultdict(set)
    for username, event in Notification.objects.values_list("recipient__username", "event"):
        inbox[username].add(event)
    assert inbox == {
        "alice": {
            "problem.raised",
            "instruction.issued",
            "instruction.replied",
            "problem.resolved",
            "problem.closed",
        },
        "nina": {"problem.assigned", "instruction.issued", "problem.closed"},
        "bob": {"problem.progress", "problem.resolved"},
        "erin": {"instruction.replied", "problem.closed"},
    }
    # Nobody is told of their own step, and nothing twice.
    assert not Notification.objects.filter(recipient=clerk_a, event="problem.closed").exists()
    assert Notification.objects.count() == sum(len(v) + (1 if k == "bob" else 0) for k, v in inbox.items())

    # Send what is queued: e-mails to the local SMTP server, posts to the local robots.
    stats = deliver_pending()
    assert stats.failed == 0 and stats.sent == Delivery.objects.count()
    received: dict[str, list[str]] = defaultdict(list)
    for message in smtp.messages:
        received[str(message["To"]).strip()].append(str(message["Subject"]).strip())
    assert set(received) == {"alice@xmb.test", "nina@example.org", "bob@unit-a.test", "erin@qu.test"}
    assert any("新问题待交办：地块用地指标未落实" in s for s in received["alice@xmb.test"])
    assert any("交办问题：地块用地指标未落实" in s for s in received["nina@example.org"])
    assert any(s.startswith("【先锋·紧急】") and "批示" in s for s in received["nina@example.org"])
    assert any("请确认销号" in s for s in received["bob@unit-a.test"])
    assert any("问题已销号" in s for s in received["erin@qu.test"])
    assert len(smtp.messages) == Delivery.objects.filter(channel="email").count()
    # Group robots: the office group heard of the new problem; the bureau's group of the assignment
    # and the instruction (DingTalk format); 甲's group was not needed.
    office = [r.json for r in hooks.to("/office")]
    bureau_posts = [r.json for r in hooks.to("/bureau")]
    assert len(office) == 1 and "新问题待交办" in office[0]["markdown"]["content"]
    assert len(bureau_posts) == 2 and all(post["msgtype"] == "markdown" for post in bureau_posts)
    assert "交办问题" in bureau_posts[0]["markdown"]["title"] + bureau_posts[0]["markdown"]["text"]
    assert hooks.to("/unit-a") == []
    # A second delivery round sends nothing again.
    assert deliver_pending().claimed == 0
