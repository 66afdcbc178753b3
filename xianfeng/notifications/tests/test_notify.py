"""notify() and notify_group(): rows created, nothing twice, preferences respected."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from xianfeng.notifications import services
from xianfeng.notifications.choices import Channel, DeliveryStatus
from xianfeng.notifications.models import Delivery, Notification, NotificationPreference, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _notify(recipients, **overrides):  # type: ignore[no-untyped-def]
    kwargs = {
        "recipients": recipients,
        "event": "problem.assigned",
        "title": "用地问题已交办",
        "body": "甲单位项目的用地指标问题已交办自然资源局，限 10 个工作日内办结。",
        "link": "/projects/1/",
        "dedupe_key": "problem:1:assigned",
    }
    kwargs.update(overrides)
    return services.notify(**kwargs)


def test_notify_creates_one_message_and_one_email_per_recipient(mailbox_users, dispatcher, project_a) -> None:
    clerk, reviewer, _ = mailbox_users
    created = _notify([clerk, reviewer, clerk], actor=dispatcher, obj=project_a)
    assert {n.recipient_id for n in created} == {clerk.pk, reviewer.pk}
    assert Notification.objects.count() == 2
    n = Notification.objects.get(recipient=clerk)
    assert (n.event, n.title, n.link, n.actor, n.read_at, n.urgent) == (
        "problem.assigned",
        "用地问题已交办",
        "/projects/1/",
        dispatcher,
        None,
        False,
    )
    assert n.obj == project_a and n.object_id == str(project_a.pk)
    emails = Delivery.objects.filter(channel=Channel.EMAIL).order_by("target")
    assert [d.target for d in emails] == ["bob@unit-a.test", "dave@unit-a.test"]
    delivery = emails[0]
    assert delivery.status == DeliveryStatus.QUEUED and delivery.notification.recipient == clerk
    assert delivery.payload["subject"] == "【先锋】用地问题已交办"
    assert delivery.payload["to"] == ["bob@unit-a.test"]
    assert "限 10 个工作日内办结" in delivery.payload["body"]
    assert "甲单位填报员，您好" in delivery.payload["body"]


def test_calling_twice_makes_one_row_and_one_delivery(mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    first = _notify([clerk])
    second = _notify([clerk], title="标题改了也不重发")
    assert len(first) == 1 and second == []
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_the_database_refuses_a_duplicate_even_past_the_service(mailbox_users) -> None:
    from django.db import IntegrityError, transaction

    clerk, _, _ = mailbox_users
    _notify([clerk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=clerk, event="x", title="t", dedupe_key="problem:1:assigned")


def test_a_new_recipient_of_an_old_key_still_gets_it(mailbox_users) -> None:
    clerk, reviewer, _ = mailbox_users
    _notify([clerk])
    created = _notify([clerk, reviewer])
    assert [n.recipient for n in created] == [reviewer]
    assert Delivery.objects.count() == 2


def test_no_address_no_email_but_the_inbox_still_has_it(clerk_b) -> None:
    assert clerk_b.email == ""
    assert len(_notify([clerk_b])) == 1
    assert not Delivery.objects.exists()


def test_inactive_users_are_skipped(mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    clerk.is_active = False
    clerk.save()
    assert _notify([clerk]) == []
    assert not Notification.objects.exists()


def test_email_switched_off_means_inbox_only(mailbox_users) -> None:
    clerk, reviewer, _ = mailbox_users
    services.preference_save(user=clerk, email_enabled=False, email_digest=False, muted_events=[])
    _notify([clerk, reviewer])
    assert Notification.objects.count() == 2
    assert list(Delivery.objects.values_list("target", flat=True)) == ["dave@unit-a.test"]


def test_digest_users_get_no_immediate_email_except_urgent_ones(mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    services.preference_save(user=clerk, email_enabled=True, email_digest=True, muted_events=[])
    _notify([clerk])
    assert not Delivery.objects.exists()
    _notify([clerk], dedupe_key="supervision:7", title="督办单：请于 3 日内报送整改方案", urgent=True)
    delivery = Delivery.objects.get()
    assert delivery.payload["subject"] == "【先锋·紧急】督办单：请于 3 日内报送整改方案"


def test_muted_events_are_not_emailed_unless_urgent(mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    services.preference_save(
        user=clerk, email_enabled=True, email_digest=False, muted_events=["problem.assigned"]
    )
    _notify([clerk])
    _notify([clerk], event="problem.escalated", dedupe_key="problem:1:escalated")
    _notify([clerk], dedupe_key="problem:1:assigned-again", urgent=True)
    assert Notification.objects.count() == 3
    assert sorted(Delivery.objects.values_list("event", "notification__urgent")) == [
        ("problem.assigned", True),
        ("problem.escalated", False),
    ]


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("event", {"event": "有空格 的事件"}),
        ("title", {"title": "   "}),
        ("dedupe_key", {"dedupe_key": ""}),
        ("link", {"link": "https://evil.example.com/"}),
        ("link", {"link": "//evil.example.com/"}),
    ],
)
def test_bad_messages_are_refused_naming_the_field(mailbox_users, field, overrides) -> None:
    clerk, _, _ = mailbox_users
    with pytest.raises(ValidationError) as info:
        _notify([clerk], **overrides)
    assert field in info.value.message_dict
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_a_long_title_is_cut_not_refused(mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    [n] = _notify([clerk], title="长" * 300)
    assert len(n.title) == 200 and n.title.endswith("…")


def test_notify_group_posts_to_the_departments_robots_or_the_global_ones(unit_a, unit_b) -> None:
    wecom_a = WebhookEndpoint.objects.create(
        name="甲单位工作群",
        kind="wecom",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a",
        department=unit_a,
    )
    WebhookEndpoint.objects.create(
        name="甲单位旧群",
        kind="wecom",
        url="https://qyapi.weixin.qq.com/x?key=old",
        department=unit_a,
        is_active=False,
    )
    WebhookEndpoint.objects.create(
        name="乙单位群",
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=b",
        department=unit_b,
    )
    district = WebhookEndpoint.objects.create(
        name="项目办工作群", kind="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=g"
    )
    kwargs = {
        "event": "dispatch.reminder",
        "title": "11月调度填报提醒",
        "body": "甲单位尚有 3 个项目未填报，截止 12 月 6 日。",
        "link": "/dispatch/",
        "dedupe_key": "reminder:2024-11:d0",
    }
    deliveries = services.notify_group(department=unit_a, **kwargs)
    assert [(d.endpoint, d.channel) for d in deliveries] == [(wecom_a, Channel.WECOM)]
    content = deliveries[0].payload["markdown"]["content"]
    assert deliveries[0].payload["msgtype"] == "markdown"
    assert "**【先锋】11月调度填报提醒**" in content and "甲单位尚有 3 个项目未填报" in content
    assert services.notify_group(department=unit_a, **kwargs) == []
    [global_delivery] = services.notify_group(department=None, **kwargs)
    assert global_delivery.endpoint == district
    assert global_delivery.payload["markdown"]["title"] == "【先锋】11月调度填报提醒"
    assert Delivery.objects.count() == 2


def test_preferences_refuse_unknown_event_codes(clerk_a) -> None:
    with pytest.raises(ValidationError) as info:
        services.preference_save(
            user=clerk_a, email_enabled=True, email_digest=False, muted_events=["Bad Code"]
        )
    assert "muted_events" in info.value.message_dict
    assert not NotificationPreference.objects.exists()


def test_notify_runs_a_fixed_number_of_queries_whatever_the_recipients(
    unit_a, django_assert_max_num_queries
) -> None:
    from xianfeng.org.models import User

    User.objects.bulk_create(
        [
            User(username=f"u{i}", full_name=f"用户{i}", email=f"u{i}@unit-a.test", department=unit_a)
            for i in range(60)
        ]
    )
    users = list(User.objects.all())
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(unit_a)  # warm Django's content-type cache, as in a running server
    # existing keys, insert messages, preferences, insert e-mails, and the savepoints around them;
    # SQLite splits a bulk insert into batches of ~50 rows, hence one more INSERT there.
    with django_assert_max_num_queries(12):
        created = _notify(users, obj=unit_a)
    assert len(created) == 60 and Delivery.objects.count() == 60


def test_a_row_inserted_by_a_concurrent_writer_is_skipped_not_an_error(mailbox_users) -> None:
    # What notify() does when another process inserts the same key between its check and its insert.
    clerk, reviewer, _ = mailbox_users
    _notify([clerk])
    rows = [
        Notification(recipient=user, event="problem.assigned", title="t", dedupe_key="problem:1:assigned")
        for user in (clerk, reviewer)
    ]
    created = services._insert_new(rows)
    assert [n.recipient for n in created] == [reviewer]
    assert Notification.objects.filter(dedupe_key="problem:1:assigned").count() == 2
