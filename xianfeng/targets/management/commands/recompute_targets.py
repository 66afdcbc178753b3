"""Recompute the traffic-light warnings and investment forecasts of a period (by default the
latest period begun by today), in this process."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.lib import clock
from xianfeng.targets.tasks import latest_period, recompute


class Command(BaseCommand):
    help = "重新计算某一调度期的红黄绿灯预警和投资预测（默认最新调度期）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="年度，如 2024")
        parser.add_argument("--month", type=int, help="月份 1–12")
        parser.add_argument("--all-months", action="store_true", help="重算该年度 1 月至所选月份的每一期")

    def handle(self, *args: Any, **options: Any) -> None:
        year, month = options["year"], options["month"]
        if (year is None) != (month is None):
            raise CommandError("--year 和 --month 须同时给出")
        if month is not None and not 1 <= month <= 12:
            raise CommandError("--month 应为 1–12")
        if year is None:
            period = latest_period(clock.today())
            if period is None:
                raise CommandError("还没有调度期")
            year, month = period.year, period.month
        assert month is not None
        months = range(1, month + 1) if options["all_months"] else [month]
        for m in months:
            result = recompute(year, m)
            if "error" in result:
                raise CommandError(f"{year}年{m}月：{result['error']}")
            self.stdout.write(json.dumps(result, ensure_ascii=False))
