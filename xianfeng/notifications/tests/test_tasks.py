"""django-tasks wiring: the tasks call the services, run_scheduler enqueues them, settings select."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from xianfeng.notifications import services
from xianfeng.notifications.models import Delivery, Notification
from xianfeng.notifications.tasks import daily_digest_task, deliver_pending_task

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _notify(user, key="k1"):  # type: ignore[no-untyped-def]
    return services.notify(
        recipients=[user], event="problem.assigned", title="交办", body="正文", dedupe_key=key
    )


def test_deliver_pending_task_runs_the_service(smtp, mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    _notify(clerk)
    result = deliver_pending_task.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["sent"] == 1
    assert len(smtp.messages) == 1


def test_daily_digest_task_queues_and_sends(smtp, mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    services.preference_save(user=clerk, email_enabled=True, email_digest=True, muted_events=[])
    [n] = _notify(clerk)
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.make_aware(dt.datetime(2024, 12, 5, 9)))
    result = daily_digest_task.enqueue(day="2024-12-05")
    assert result.return_value["queued"] == 1 and result.return_value["sent"] == 1
    assert "消息汇总" in smtp.messages[0]["Subject"]
    # Default day: yesterday (today is frozen at 2024-12-06); a second run adds nothing.
    assert daily_digest_task.enqueue().return_value["queued"] == 0


def test_run_scheduler_once_enqueues_into_the_database_queue() -> None:
    out = io.StringIO()
    with override_settings(TASKS=DATABASE_TASKS):
        call_command("run_scheduler", "--once", "--digest-hour", "0", stdout=out)
    # Daily jobs other apps register (e.g. the dispatch reminders) may be enqueued too.
    paths = sorted(
        DBTaskResult.objects.filter(task_path__startswith="xianfeng.notifications.").values_list(
            "task_path", flat=True
        )
    )
    assert paths == [
        "xianfeng.notifications.tasks.daily_digest_task",
        "xianfeng.notifications.tasks.deliver_pending_task",
    ]
    digest = DBTaskResult.objects.get(task_path__endswith="daily_digest_task")
    assert digest.args_kwargs == {"args": [], "kwargs": {"day": "2024-12-05"}}
    assert "2024-12-05 的每日汇总" in out.getvalue()


def test_run_scheduler_prunes_old_finished_task_rows_daily() -> None:
    def row(days_ago: int) -> DBTaskResult:
        finished = timezone.now() - dt.timedelta(days=days_ago)
        return DBTaskResult.objects.create(
            status=TaskResultStatus.SUCCESSFUL,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="xianfeng.notifications.tasks.deliver_pending_task",
            backend_name="default",
            run_after=finished,
            finished_at=finished,
            return_value={},
        )

    old, recent = row(20), row(2)
    with override_settings(TASKS=DATABASE_TASKS):
        call_command("run_scheduler", "--once", "--digest-hour", "0", stdout=io.StringIO())
    remaining = set(
        DBTaskResult.objects.filter(task_path__startswith="xianfeng.notifications.").values_list(
            "id", flat=True
        )
    )
    assert old.id not in remaining and recent.id in remaining
    assert len(remaining) == 3  # the recent one and the two just enqueued


def test_run_scheduler_waits_for_the_digest_hour() -> None:
    hour = timezone.localtime().hour
    if hour == 23:
        pytest.skip("every hour is on or past 23:00 right now")
    with override_settings(TASKS=DATABASE_TASKS):
        call_command("run_scheduler", "--once", "--digest-hour", str(hour + 1), stdout=io.StringIO())
    paths = DBTaskResult.objects.filter(task_path__startswith="xianfeng.notifications.")
    assert list(paths.values_list("task_path", flat=True)) == [
        "xianfeng.notifications.tasks.deliver_pending_task"
    ]


def test_run_scheduler_with_immediate_backend_delivers(smtp, mailbox_users) -> None:
    clerk, _, _ = mailbox_users
    _notify(clerk)
    call_command("run_scheduler", "--once", "--digest-hour", "23", stdout=io.StringIO())
    assert Delivery.objects.get().status == "sent" and len(smtp.messages) == 1


def test_run_scheduler_stops_on_sigterm() -> None:
    out = io.StringIO()
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    timer.start()
    try:
        call_command("run_scheduler", "--interval", "1", "--digest-hour", "23", stdout=out)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
    text = out.getvalue()
    assert text.count("发送待发消息") >= 2 and text.rstrip().endswith("调度已停止")
    assert signal.getsignal(signal.SIGTERM) == before


def _settings_of(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XF_")}
    clean.update(env)
    code = (
        "import xianfeng.settings as s; "
        "print(s.TASKS['default']['BACKEND'], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, "
        "s.DEFAULT_FROM_EMAIL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


def test_settings_select_the_task_backend_and_smtp(tmp_path) -> None:
    result = _settings_of(XF_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django_tasks_db.DatabaseBackend"
    result = _settings_of(
        XF_VAR_DIR=str(tmp_path),
        XF_TASKS_BACKEND="immediate",
        XF_EMAIL_HOST="smtp.example.gov.cn",
        XF_EMAIL_PORT="587",
        XF_EMAIL_TLS="1",
        XF_EMAIL_FROM="noreply@example.gov.cn",
    )
    assert result.stdout.split() == [
        "django_tasks.backends.immediate.ImmediateBackend",
        "smtp.example.gov.cn",
        "587",
        "True",
        "noreply@example.gov.cn",
    ]
    result = _settings_of(XF_VAR_DIR=str(tmp_path), XF_TASKS_BACKEND="celery")
    assert result.returncode != 0 and "XF_TASKS_BACKEND" in result.stderr
    result = _settings_of(XF_VAR_DIR=str(tmp_path), XF_EMAIL_TLS="1", XF_EMAIL_SSL="1")
    assert result.returncode != 0 and "XF_EMAIL_SSL" in result.stderr
