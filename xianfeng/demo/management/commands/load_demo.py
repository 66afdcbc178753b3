"""``manage.py load_demo [--reset]``: Laoshan District's 2024 programme and the demo logins."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.demo.generator import EXTRAS, DemoConflictError, DemoResult, load_demo
from xianfeng.projects.choices import Category, Kind, Level, Stage


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in {"W", "F"} else 1 for ch in text)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


class Command(BaseCommand):
    help = "载入演示数据：崂山区2024年315个重点项目（总投资2300亿元）及各角色演示账号；重复运行不会重复载入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先清空整个数据库（所有表），再重新载入演示数据。生产环境（XF_PRODUCTION=1）下拒绝执行。",
        )

        parser.add_argument(
            "--programme-only",
            action="store_true",
            help="只载入项目清单和账号，不载入问题协调、月度调度等演示数据（较快）。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            if getattr(settings, "PRODUCTION", False):
                raise CommandError("生产环境（XF_PRODUCTION=1）下不允许 --reset")
            self.stdout.write("清空数据库……")
            call_command("flush", interactive=False, verbosity=0)
        started = time.monotonic()
        try:
            result = load_demo(extras=() if options["programme_only"] else EXTRAS)
        except DemoConflictError as exc:
            raise CommandError(str(exc)) from exc
        if result.created:
            seconds = time.monotonic() - started
            message = f"已载入演示数据：{result.projects} 个重点项目（用时 {seconds:.1f} 秒）"
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write("演示数据已载入，未作改动（如需重建请加 --reset）。")
        self._summary(result)
        self._logins(result)

    def _summary(self, result: DemoResult) -> None:
        labels = {
            "kind": dict(Kind.choices),
            "level": dict(Level.choices),
            "category": dict(Category.choices),
            "stage": dict(Stage.choices),
        }
        titles = {"kind": "建设性质", "level": "级别", "category": "项目类别", "stage": "当前阶段"}
        for key, counts in result.counts.items():
            parts = "，".join(f"{labels[key].get(k, k)} {n}" for k, n in counts.items())
            self.stdout.write(f"{titles[key]}：{parts}")

    def _logins(self, result: DemoResult) -> None:
        rows = [
            [row["role"], row["username"], row["password"], row["unit"] or "—", row["name"]]
            for row in result.logins
        ]
        self.stdout.write("")
        self.stdout.write("演示账号（所有账号密码相同）：")
        self.stdout.write(_table(["角色", "用户名", "密码", "所属单位", "姓名"], rows))
