"""Issue 3's "done when", for the monthly reports, as a new user would do it through the pages:
a unit clerk fills November for all their projects in the grid, and again through the Excel
round trip; the unit reviewer approves; the dispatcher accepts one report and returns another
with a reason; the late units get reminders — received by a local SMTP server and a local
webhook receiver — and the registry's year-to-date follows the reports."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.dispatch.choices import ReportStatus
from xianfeng.dispatch.models import MonthlyReport, Reminder, ReportEvent
from xianfeng.dispatch.tasks import send_reminders_task
from xianfeng.notifications.models import WebhookEndpoint
from xianfeng.notifications.services import deliver_pending
from xianfeng.notifications.testing import SmtpReceiver, WebhookReceiver, smtp_server, webhook_server
from xianfeng.projects.models import ProgrammeEntry

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
    c = Client()
    c.force_login(user)
    return c


def test_november_from_the_grid_to_the_reminders(
    settings,
    tmp_path,
    smtp,
    hooks,
    dispatcher,
    clerk_a,
    reviewer_a,
    clerk_b,
    unit_a,
    unit_b,
    entries_a,
    entry_b,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    for user, address in [(clerk_a, "bob@a.test"), (clerk_b, "charlie@b.test"), (reviewer_a, "dave@a.test")]:
        user.email = address
        user.save(update_fields=["email"])
    WebhookEndpoint.objects.create(
        name="乙单位群", kind="wecom", url=hooks.url("/wecom/b"), department=unit_b
    )
    office, clerk, reviewer = _as(dispatcher), _as(clerk_a), _as(reviewer_a)

    # The project office opens November.
    assert office.post(reverse("dispatch:period_open"), {"year": 2024, "month": 11}).status_code == 302

    # The clerk fills all three projects in the grid, in one POST.
    page = clerk.get(reverse("dispatch:grid"))
    rows = page.context["rows"]
    assert [r["project"].name for r in rows] == ["甲·在建厂房", "甲·新开工学校", "甲·片区改造"]
    data: dict[str, Any] = {
        "period": "2024-11",
        "action": "save",
        "entry": [str(r["entry"].pk) for r in rows],
    }
    for r, (money, text) in zip(
        rows, [("800", "主体结构施工至8层"), ("0", "施工许可办理中"), ("350", "室外管网施工")], strict=True
    ):
        pk = r["entry"].pk
        data |= {f"r{pk}-version": "0", f"r{pk}-invested_month": money, f"r{pk}-progress_text": text}
    saved = clerk.post(reverse("dispatch:grid"), data, HTTP_HX_REQUEST="true")
    assert "已保存 3 个项目" in saved.content.decode()

    # … and again through Excel: download (pre-filled with what was saved), correct, upload, commit.
    download = clerk.get(reverse("dispatch:workbook") + "?period=2024-11")
    book = load_workbook(io.BytesIO(download.content))
    ws = book.worksheets[0]
    col = {c.value: c.column for c in ws[2] if c.value}
    assert ws.cell(row=3, column=col["本月完成投资（万元）"]).value == 800
    ws.cell(row=3, column=col["本月完成投资（万元）"]).value = 820
    ws.cell(row=5, column=col["形象进度百分比"]).value = 75
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "甲单位2024年11月调度表.xlsx"
    preview = clerk.post(
        reverse("dispatch:workbook_upload") + "?period=2024-11", {"files": [upload], "submit": "on"}
    )
    changes = {(c.row, c.label, c.old, c.new) for c in preview.context["preview"].changes}
    assert (3, "本月完成投资（万元）", "800", "820") in changes
    committed = clerk.post(
        reverse("dispatch:workbook_commit"), {"token": preview.context["token"], "period": "2024-11"}
    )
    assert committed.status_code == 302
    reports = list(MonthlyReport.objects.order_by("entry__serial"))
    assert [r.status for r in reports] == [ReportStatus.SUBMITTED] * 3
    assert reports[0].invested_month == Decimal("820") and reports[2].progress_percent == 75

    # The unit reviewer approves the three at once.
    ids = [str(r.pk) for r in reports]
    reviewer.post(reverse("dispatch:review"), {"period": "2024-11", "action": "approve", "report": ids})
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.UNIT_APPROVED}

    # The dispatcher accepts one and returns another with a reason.
    office.post(reverse("dispatch:report_accept", args=[reports[0].pk]))
    office.post(reverse("dispatch:report_return", args=[reports[1].pk]), {"reason": "请补充施工许可办理进度"})
    status = dict(MonthlyReport.objects.values_list("pk", "status"))
    assert status[reports[0].pk] == ReportStatus.ACCEPTED and status[reports[1].pk] == ReportStatus.RETURNED
    history = list(ReportEvent.objects.filter(report=reports[1]).values_list("action", "note"))
    assert [action for action, _note in history] == ["create", "submit", "approve", "return"]
    assert history[1][1].startswith("Excel 导入：甲单位2024年11月调度表.xlsx")
    # The registry follows the handed-in reports; the returned one no longer counts.
    ytd = dict(ProgrammeEntry.objects.values_list("pk", "invested_ytd"))
    assert ytd[entries_a[0].pk] == Decimal("820") and ytd[entries_a[1].pk] == Decimal("0")

    # Today (the deadline) the late units are reminded: unit B (nothing) and unit A (one returned).
    result = send_reminders_task.enqueue(day="2024-12-06").return_value
    assert result["units"] == sorted([unit_a.pk, unit_b.pk])
    deliver_pending()
    assert {m["To"] for m in smtp.messages if "截止" in str(m["Subject"])} == {
        "bob@a.test",
        "charlie@b.test",
        "dave@a.test",
    }
    [post] = hooks.to("/wecom/b")
    assert "乙单位项目" in post.json["markdown"]["content"]
    assert Reminder.objects.get(unit=unit_a).missing == 1
    # A second run (a restarted worker) sends nothing more.
    assert send_reminders_task.enqueue(day="2024-12-06").return_value["reminders"] == 0
    deliver_pending()
    assert len(hooks.to("/wecom/b")) == 1
