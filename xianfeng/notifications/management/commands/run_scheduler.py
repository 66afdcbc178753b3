"""Enqueue the periodic background tasks: what the worker (``manage.py db_worker``) should run when.

The django-tasks worker runs what is enqueued but has no clock of its own. This loop enqueues
``deliver_pending_task`` every ``--interval`` seconds and, once a day from ``--digest-hour`` on,
``daily_digest_task`` for the previous day; at that time it also prunes the database queue's
finished task rows older than ``--keep-days``. It keeps no state that matters: run twice or
restarted, the digest is still one e-mail per user and day (services dedupe it).
SIGTERM or SIGINT stops it after the current round.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend

from xianfeng.lib import clock
from xianfeng.notifications.tasks import DAILY_TASKS, daily_digest_task, deliver_pending_task


class Command(BaseCommand):
    help = "定时把发送任务放入后台队列：每分钟发送待发消息，每天定时生成每日汇总邮件。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只执行一轮后退出（测试、cron 用）")
        parser.add_argument("--interval", type=int, default=60, help="发送待发消息的间隔秒数（默认 60）")
        parser.add_argument(
            "--digest-hour",
            type=int,
            default=None,
            help="每天几点（0–23）生成前一天的汇总邮件（默认 XF_DIGEST_HOUR）",
        )
        parser.add_argument(
            "--keep-days", type=int, default=14, help="已完成的后台任务记录保留天数（默认 14，仅数据库队列）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = max(int(options["interval"]), 1)
        self.keep_days = max(int(options["keep_days"]), 1)
        digest_hour = options["digest_hour"]
        if digest_hour is None:
            digest_hour = settings.XF_DIGEST_HOUR
        if not 0 <= digest_hour <= 23:
            self.stderr.write("--digest-hour 应为 0–23")
            raise SystemExit(2)
        stop = threading.Event()
        previous = {}
        if not options["once"]:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        self.daily_done: dict[str, dt.date] = {}
        try:
            digested: dt.date | None = None
            while True:
                digested = self.run_round(digest_hour=digest_hour, digested=digested)
                if options["once"] or stop.wait(interval):
                    break
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("调度已停止")

    def run_round(self, *, digest_hour: int, digested: dt.date | None) -> dt.date | None:
        """One round: enqueue the delivery task, and the digest if it is due; returns the last digest day."""
        now = clock.now()
        deliver_pending_task.enqueue()
        self.stdout.write(f"{now:%Y-%m-%d %H:%M:%S} 已加入队列：发送待发消息")
        done = getattr(self, "daily_done", {})
        for name, (daily_task, hour) in DAILY_TASKS.items():
            if now.hour >= hour() and done.get(name) != now.date():
                daily_task.enqueue(day=now.date().isoformat())
                done[name] = now.date()
                self.stdout.write(f"{now:%Y-%m-%d %H:%M:%S} 已加入队列：{name}")
        if now.hour >= digest_hour and digested != now.date():
            day = now.date() - dt.timedelta(days=1)
            daily_digest_task.enqueue(day=day.isoformat())
            self.stdout.write(f"{now:%Y-%m-%d %H:%M:%S} 已加入队列：{day:%Y-%m-%d} 的每日汇总")
            if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
                # Task bookkeeping, not business data: without pruning, a row a minute adds up.
                call_command(
                    "prune_db_task_results", min_age_days=self.keep_days, queue_name="*", verbosity=0
                )
            return now.date()
        return digested
