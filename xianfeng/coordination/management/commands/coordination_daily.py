"""Run (or enqueue) the daily escalation of overdue problems and late instruction replies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.coordination.tasks import escalate_overdue_task
from xianfeng.lib import clock


class Command(BaseCommand):
    help = "每日升级超期问题、提醒逾期未回复的批示（cron 每天运行一次；重复运行不会重复升级或发送）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="按哪一天计算（YYYY-MM-DD，默认今天）")
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台队列由 db_worker 执行，而不是立即执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["day"]
        if day:
            try:
                dt.date.fromisoformat(day)
            except ValueError as exc:
                raise CommandError(f"--day 应为 YYYY-MM-DD，收到“{day}”") from exc
        else:
            day = clock.today().isoformat()
        if options["enqueue"]:
            result = escalate_overdue_task.enqueue(day=day)
            self.stdout.write(f"已加入队列：{day} 的问题升级（任务 {result.id}）")
            return
        outcome = escalate_overdue_task.call(day=day)
        self.stdout.write(f"{day}：升级问题 {outcome['problems']} 个，逾期批示 {outcome['instructions']} 条")
