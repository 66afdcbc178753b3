"""The unit grid of the monthly dispatch in a real browser: typed and pasted from the keyboard like a
spreadsheet, the year-to-date and totals following as one types, Ctrl+S saving every row at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from xianfeng.dispatch import services
from xianfeng.dispatch.choices import ReportStatus
from xianfeng.dispatch.models import MonthlyReport
from xianfeng.projects.choices import Stage
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.tests.e2e.conftest import login, shot
from xianfeng.tests.factories import PASSWORD, ProgrammeEntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def november(dispatcher: Any, unit_a: Any) -> Any:
    for serial, (name, before) in enumerate([("甲·厂房", "0"), ("甲·学校", "0"), ("甲·道路", "0")], start=1):
        project = ProjectFactory(
            name=name, lead_unit=unit_a, stage=Stage.CONSTRUCTION, actual_start=dt.date(2023, 5, 1)
        )
        ProgrammeEntryFactory(
            project=project,
            serial=serial,
            planned_investment=Decimal("1000"),
            invested_before=Decimal(before),
        )
    return services.period_open(actor=dispatcher, year=2024, month=11)


def _money_cells(page: Any) -> Any:
    return page.locator("table.xf-grid input.xf-money")


def test_clerk_fills_the_month_from_the_keyboard(
    page: Any, live_server: Any, clerk_a: Any, november: Any
) -> None:
    login(page, live_server, clerk_a.username, PASSWORD)
    page.goto(f"{live_server.url}/dispatch/unit/grid/?period=2024-11")
    cells = _money_cells(page)
    assert cells.count() == 3

    cells.nth(0).click()
    page.keyboard.type("120.5")
    page.keyboard.press("Enter")  # down to the next project's cell, like a spreadsheet
    assert page.evaluate("document.activeElement.name") == cells.nth(1).get_attribute("name")
    page.keyboard.type("80")
    # The row's year-to-date and the column total follow the typing before anything is saved.
    rows = page.locator("table.xf-grid tbody tr[data-entry]")
    assert rows.nth(0).locator(".xf-ytd").inner_text() == "120.50"
    assert page.locator(".xf-total-month").inner_text() == "200.50"
    assert rows.nth(0).locator(".xf-rate").inner_text() == "12.1%"

    # A block copied from Excel (two rows, amount + progress text) lands across the cells.
    cells.nth(1).click()
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.activeElement.dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        "90\t主体封顶\n30\t路基施工\n",
    )
    assert cells.nth(1).input_value() == "90" and cells.nth(2).input_value() == "30"
    assert page.locator(".xf-total-month").inner_text() == "240.50"
    shot(page, "dispatch-grid-typed")

    page.keyboard.press("Control+s")
    page.wait_for_selector("#xf-grid .alert", state="visible")
    shot(page, "dispatch-grid-saved")
    saved = {
        r.project.name: (r.invested_month, r.progress_text, r.status)
        for r in MonthlyReport.objects.filter(period=november).select_related("project")
    }
    assert saved == {
        "甲·厂房": (Decimal("120.50"), "", ReportStatus.DRAFT),
        "甲·学校": (Decimal("90.00"), "主体封顶", ReportStatus.DRAFT),
        "甲·道路": (Decimal("30.00"), "路基施工", ReportStatus.DRAFT),
    }


def test_clerk_reports_one_project_from_a_phone_with_a_photo(
    browser: Any, live_server: Any, clerk_a: Any, november: Any, settings: Any, tmp_path: Any
) -> None:
    import io

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    image = Image.new("RGB", (64, 48), (200, 80, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2024:11:20 14:30:05"  # DateTimeOriginal
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    try:
        login(page, live_server, clerk_a.username, PASSWORD)
        entry = ProgrammeEntry.objects.filter(project__lead_unit=clerk_a.department).order_by("serial")[0]
        page.goto(f"{live_server.url}/dispatch/report/{entry.pk}/2024-11/")
        # Nothing on the form is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.fill("input[name=invested_month]", "66.6")
        page.fill("textarea[name=progress_text]", "二层楼板浇筑完成")
        page.fill("input[name=progress_percent]", "35")
        page.set_input_files(
            "input[name=photos]",
            files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}],
        )
        shot(page, "dispatch-phone-form")
        page.click("button[value=submit]")
        page.wait_for_load_state("networkidle")
        shot(page, "dispatch-phone-submitted")
    finally:
        context.close()
    report = MonthlyReport.objects.get(entry=entry, period=november)
    assert (report.invested_month, report.progress_percent, report.status) == (
        Decimal("66.60"),
        35,
        ReportStatus.SUBMITTED,
    )
    [photo] = report.photos.all()
    assert photo.taken_at is not None
    assert timezone.localtime(photo.taken_at).strftime("%Y-%m-%d %H:%M") == "2024-11-20 14:30"
