"""Reminders (催报): at the configured working-day points, each unit with missing reports is
told in the app, by e-mail (a local SMTP server receives it) and by its group robots (a local
webhook receiver receives them); every message is recorded and nothing is sent twice."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from xianfeng.dispatch import services
from xianfeng.dispatch.models import Reminder
from xianfeng.dispatch.tasks import send_reminders_task
from xianfeng.dispatch.tests.conftest import row
from xianfeng.lib import clock
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


@pytest.fixture
def late_units(clerk_a, reviewer_a, clerk_b, unit_a, unit_b, entries_a, entry_b, november, hooks):  # type: ignore[no-untyped-def]
    """Unit A handed in one of its three projects, unit B nothing; each unit has a group robot."""
    for user, address in [(clerk_a, "bob@a.test"), (reviewer_a, "dave@a.test"), (clerk_b, "charlie@b.test")]:
        user.email = address
        user.save(update_fields=["email"])
    WebhookEndpoint.objects.create(
        name="甲单位工作群", kind="wecom", url=hooks.url("/wecom/a"), department=unit_a
    )
    WebhookEndpoint.objects.create(
        name="乙单位工作群", kind="dingtalk", url=hooks.url("/ding/b"), department=unit_b
    )
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])], submit=True)
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    return unit_a, unit_b


@pytest.mark.parametrize(
    ("day", "point"),
    [
        (dt.date(2024, 12, 4), "before2"),
        (dt.date(2024, 12, 5), None),
        (dt.date(2024, 12, 6), "due"),
        (dt.date(2024, 12, 7), None),  # Saturday
        (dt.date(2024, 12, 9), "after1:2024-12-09"),
        (dt.date(2024, 12, 10), "after2:2024-12-10"),
    ],
)
def test_the_default_points(november, day, point) -> None:
    assert services.point_today(november, day, services.reminder_points()) == point


def test_configured_points(settings, november) -> None:
    settings.XF_REPORT_REMINDERS = ["-1", "3"]
    points = services.reminder_points()
    assert services.point_today(november, dt.date(2024, 12, 5), points) == "before1"
    assert services.point_today(november, dt.date(2024, 12, 11), points) == "after3"
    assert services.point_today(november, dt.date(2024, 12, 12), points) is None


def test_late_units_are_reminded_by_app_mail_and_robot_once(
    smtp, hooks, late_units, clerk_a, reviewer_a, clerk_b
) -> None:
    unit_a, unit_b = late_units
    with clock.frozen(dt.date(2024, 12, 4)):
        sent = services.reminders_send()
        assert {(r.unit, r.point, r.missing) for r in sent} == {
            (unit_a, "before2", 2),
            (unit_b, "before2", 1),
        }
        deliver_pending()
    inbox = Notification.objects.filter(event="dispatch.reminder")
    assert sorted(inbox.values_list("recipient__username", flat=True)) == ["bob", "charlie", "dave"]
    assert "还有 2 个项目未报送" in inbox.get(recipient=clerk_a).title
    assert sorted(m["To"] for m in smtp.messages) == ["bob@a.test", "charlie@b.test", "dave@a.test"]
    [wecom] = hooks.to("/wecom/a")
    assert (
        "甲" in wecom.json["markdown"]["content"]
        and "甲单位·在建厂房" not in wecom.json["markdown"]["content"]
    )
    assert "甲·新开工学校" in wecom.json["markdown"]["content"]
    [ding] = hooks.to("/ding/b")
    assert "乙单位项目" in ding.json["markdown"]["text"]
    reminder = Reminder.objects.get(unit=unit_a)
    assert (reminder.recipients, reminder.group_posts) == (2, 1)
    # A restarted worker runs the same day again: nothing new is recorded, queued or sent.
    with clock.frozen(dt.date(2024, 12, 4)):
        assert services.reminders_send() == []
        deliver_pending()
    assert Reminder.objects.count() == 2 and inbox.count() == 3
    assert len(smtp.messages) == 3 and len(hooks.requests) == 2
    # On the deadline and each working day after it, again — as urgent.
    with clock.frozen(dt.date(2024, 12, 9)):
        later = services.reminders_send()
    assert {r.point for r in later} == {"after1:2024-12-09"}
    assert Notification.objects.filter(title__contains="逾期催报", urgent=True).count() == 3


def test_units_with_everything_handed_in_or_closed_periods_get_nothing(
    dispatcher, clerk_a, entries_a, november
) -> None:
    services.reports_save(actor=clerk_a, period=november, rows=[row(e) for e in entries_a], submit=True)
    with clock.frozen(dt.date(2024, 12, 6)):
        assert services.reminders_send() == []
    services.period_close(actor=dispatcher, period=november)
    with clock.frozen(dt.date(2024, 12, 9)):
        assert services.reminders_send() == []


def test_the_task_and_the_scheduler(settings, late_units) -> None:
    first = send_reminders_task.enqueue(day="2024-12-06").return_value
    assert (first["reminders"], first["messages"], first["group_posts"]) == (2, 3, 2)
    assert send_reminders_task.enqueue(day="2024-12-06").return_value["reminders"] == 0
    settings.XF_REMINDER_HOUR = 0
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        call_command("run_scheduler", "--once", "--digest-hour", "23", stdout=io.StringIO())
    queued = DBTaskResult.objects.get(task_path="xianfeng.dispatch.tasks.send_reminders_task")
    assert queued.args_kwargs == {"args": [], "kwargs": {"day": clock.now().date().isoformat()}}


def test_an_english_site_reminds_in_english(settings, late_units, clerk_a) -> None:
    """Needs the catalogue's English entries for these messages."""
    settings.LANGUAGE_CODE = "en"
    with clock.frozen(dt.date(2024, 12, 4)):
        services.reminders_send()
    notice = Notification.objects.get(recipient=clerk_a)
    assert notice.title == "Reminder: 2 projects have not reported for the 11/2024 monthly dispatch"
    assert notice.body == (
        "The deadline is Dec 6, 2 working days from now. Not yet reported (including drafts and "
        "returned reports): 甲·新开工学校, 甲·片区改造. Please fill in and submit them as soon as possible."
    )
    reminder = Reminder.objects.get(unit=late_units[0])
    with translation.override("en"):
        assert reminder.point_label == "2 working days before the deadline"
    with translation.override("zh-hans"):
        assert reminder.point_label == "截止前2个工作日"
