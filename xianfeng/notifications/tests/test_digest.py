"""The daily digest: one e-mail per digest user and day, listing that day's unread messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xianfeng.notifications import services
from xianfeng.notifications.choices import event_label
from xianfeng.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 12, 5)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def _message(user, key, title, *, day=DAY, hour=10, **overrides):  # type: ignore[no-untyped-def]
    [n] = services.notify(
        recipients=[user],
        event=overrides.pop("event", "problem.assigned"),
        title=title,
        body=overrides.pop("body", ""),
        link=overrides.pop("link", "/projects/1/"),
        dedupe_key=key,
        **overrides,
    )
    Notification.objects.filter(pk=n.pk).update(created_at=_at(day, hour))
    return n


@pytest.fixture
def digest_user(mailbox_users):  # type: ignore[no-untyped-def]
    clerk, _, _ = mailbox_users
    services.preference_save(
        user=clerk, email_enabled=True, email_digest=True, muted_events=["instruction.new"]
    )
    return clerk


def test_digest_lists_the_days_unread_messages_and_is_sent_once(digest_user, reviewer_a, smtp) -> None:
    _message(digest_user, "a", "用地问题已交办", hour=9, body="请在10个工作日内办结")
    _message(digest_user, "b", "问题已升级至包联领导", hour=15)
    read = _message(digest_user, "c", "已读的不再列出", hour=11)
    services.notification_mark_read(user=digest_user, notification=read)
    _message(digest_user, "d", "前一天的不列出", day=DAY - dt.timedelta(days=1))
    _message(digest_user, "e", "当天零点之后的算下一天", day=DAY + dt.timedelta(days=1), hour=0)
    _message(digest_user, "f", "静音事件不列出", event="instruction.new")
    _message(digest_user, "g", "紧急消息已立即发送", urgent=True)
    _message(reviewer_a, "h", "没有选择汇总的人不收汇总")
    # Only the urgent one went out to the digest user at once; the reviewer gets theirs immediately.
    assert list(Delivery.objects.filter(recipient=digest_user).values_list("title", flat=True)) == [
        "紧急消息已立即发送"
    ]

    assert services.send_daily_digest(day=DAY) == 1
    assert services.send_daily_digest(day=DAY) == 0  # dedupe per (user, day)
    digest = Delivery.objects.get(event="notifications.digest")
    assert digest.recipient == digest_user and digest.dedupe_key == f"digest:{digest_user.pk}:2024-12-05"

    services.deliver_pending()
    [message] = [m for m in smtp.messages if "消息汇总" in m["Subject"]]
    assert message["Subject"].strip() == "【先锋】2024年12月05日消息汇总：2 条未读"
    assert message["To"] == "bob@unit-a.test"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "2024年12月5日您有 2 条消息尚未阅读" in body
    # The event's label where an app registered one (coordination does), else its code.
    assert f"1. 用地问题已交办（{event_label('problem.assigned')}，09:30）" in body
    assert "请在10个工作日内办结" in body
    assert "2. 问题已升级至包联领导" in body
    for absent in [
        "已读的不再列出",
        "前一天的不列出",
        "当天零点之后",
        "静音事件",
        "紧急消息",
        "没有选择汇总",
    ]:
        assert absent not in body
    assert services.send_daily_digest(day=DAY) == 0


def test_nothing_unread_means_no_digest(digest_user) -> None:
    n = _message(digest_user, "a", "看过了")
    services.notification_mark_read(user=digest_user, notification=n)
    assert services.send_daily_digest(day=DAY) == 0
    assert not Delivery.objects.filter(event="notifications.digest").exists()


def test_no_digest_without_an_address_or_with_email_off(digest_user) -> None:
    _message(digest_user, "a", "未读消息")
    services.preference_save(user=digest_user, email_enabled=False, email_digest=True, muted_events=[])
    assert services.send_daily_digest(day=DAY) == 0
    services.preference_save(user=digest_user, email_enabled=True, email_digest=True, muted_events=[])
    digest_user.email = ""
    digest_user.save()
    assert services.send_daily_digest(day=DAY) == 0


def test_a_body_of_several_lines_stays_indented_under_its_title(digest_user) -> None:
    """Problem messages have bodies of two or three lines; each line sits under its numbered title."""
    body = "【甲项目】用地问题：指标未落实\n自然资源局填报员（自然资源局）确认销号，用时 9 天。"
    _message(digest_user, "multi", "问题已销号：指标未落实", body=body)
    _message(digest_user, "long", "很长的消息", hour=11, body="长" * 300)
    assert services.send_daily_digest(day=DAY) == 1
    text = Delivery.objects.get(event="notifications.digest").payload["body"]
    assert "\n   【甲项目】用地问题：指标未落实\n   自然资源局填报员（自然资源局）确认销号" in text
    # A long body is cut at 200 characters, as before.
    assert "\n   " + "长" * 199 + "…\n" in text
