"""The pages: who may open what, the unit's month, the keyboard grid, the phone form, a report,
the review queues and the Excel round trip through the browser."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from xianfeng.dispatch import services
from xianfeng.dispatch.choices import ReportStatus
from xianfeng.dispatch.models import MonthlyReport, ReportPhoto
from xianfeng.dispatch.tests.conftest import row

pytestmark = pytest.mark.django_db


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def grid_post(
    entries: list[Any],
    values: dict[int, dict[str, str]],
    action: str = "save",
    versions: dict[int, int] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"period": "2024-11", "action": action, "entry": [str(e.pk) for e in entries]}
    for entry in entries:
        data[f"r{entry.pk}-version"] = str((versions or {}).get(entry.pk, 0))
        for name, value in values.get(entry.pk, {}).items():
            data[f"r{entry.pk}-{name}"] = value
    return data


@pytest.mark.parametrize(
    "name", ["dispatch:periods", "dispatch:my_unit", "dispatch:report_list", "dispatch:review"]
)
def test_admin_and_auditor_get_403(admin_user, auditor, november, name) -> None:
    for user in [admin_user, auditor]:
        assert client(user).get(reverse(name)).status_code == 403


def test_pages_open_for_their_roles(dispatcher, clerk_a, reviewer_a, leader_user, november) -> None:
    assert client(dispatcher).get(reverse("dispatch:periods")).status_code == 200
    assert client(leader_user).get(reverse("dispatch:period_detail", args=["2024-11"])).status_code == 200
    response = client(clerk_a).get(reverse("dispatch:my_unit"))
    assert response.status_code == 200 and "甲·在建厂房" in response.content.decode()
    assert client(clerk_a).get(reverse("dispatch:review")).status_code == 403
    assert client(reviewer_a).get(reverse("dispatch:review")).status_code == 200
    assert Client().get(reverse("dispatch:my_unit")).status_code == 302  # to the login page


def test_the_dispatcher_opens_and_closes_a_month(dispatcher, clerk_a, entries_a) -> None:
    c = client(dispatcher)
    response = c.post(reverse("dispatch:period_open"), {"year": 2024, "month": 10})
    assert response.status_code == 302 and response["Location"] == reverse(
        "dispatch:period_detail", args=["2024-10"]
    )
    assert client(clerk_a).post(reverse("dispatch:period_close", args=["2024-10"])).status_code == 403
    c.post(reverse("dispatch:period_close", args=["2024-10"]))
    page = c.get(reverse("dispatch:period_detail", args=["2024-10"])).content.decode()
    assert "已关闭" in page and "重新开启" in page


def test_my_unit_counts_what_is_due_drafted_and_submitted(clerk_a, entries_a, november) -> None:
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])], submit=True)
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[1])])
    month = client(clerk_a).get(reverse("dispatch:my_unit")).context["month"]
    assert (month.due, month.counts["due"], month.counts["draft"], month.counts["submitted"]) == (3, 1, 1, 1)


def test_the_grid_saves_every_row_in_one_post(clerk_a, entries_a, november) -> None:
    c = client(clerk_a)
    page = c.get(reverse("dispatch:grid"))
    assert (
        page.status_code == 200
        and 'class="table table-sm table-bordered align-middle mb-0 xf-grid"' in page.content.decode()
    )
    values = {
        entries_a[0].pk: {
            "invested_month": "1,200.5",
            "progress_text": "主体封顶",
            "progress_percent": "80",
            "workers_on_site": "120",
        },
        entries_a[1].pk: {"invested_month": "0", "progress_text": "施工许可办理中"},
        entries_a[2].pk: {"invested_month": "300", "progress_text": "室外工程", "progress_percent": "90"},
    }
    response = c.post(
        reverse("dispatch:grid") + "?period=2024-11", grid_post(entries_a, values), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "已保存 3 个项目" in response.content.decode()
    assert [r.invested_month for r in MonthlyReport.objects.order_by("entry__serial")] == [
        Decimal("1200.50"),
        Decimal("0"),
        Decimal("300"),
    ]
    # htmx gets the table only.
    assert "<html" not in response.content.decode()


def test_the_grid_shows_errors_per_row_and_writes_nothing(clerk_a, entries_a, november) -> None:
    values = {
        entries_a[0].pk: {"invested_month": "100", "progress_text": "x"},
        entries_a[1].pk: {"invested_month": "abc"},
        entries_a[2].pk: {"invested_month": "-5"},
    }
    response = client(clerk_a).post(reverse("dispatch:grid"), grid_post(entries_a, values))
    assert response.status_code == 422
    html = response.content.decode()
    assert "“abc”不是数字" in html and "全部未保存" in html
    assert not MonthlyReport.objects.exists()
    values[entries_a[1].pk]["invested_month"] = "1"
    response = client(clerk_a).post(reverse("dispatch:grid"), grid_post(entries_a, values))
    assert response.status_code == 422 and "不能为负数" in response.content.decode()
    assert not MonthlyReport.objects.exists()


def test_the_grid_submits_filled_rows_and_reports_conflicts(clerk_a, dispatcher, entries_a, november) -> None:
    values = {
        entries_a[0].pk: {"invested_month": "10", "progress_text": "a"},
        entries_a[1].pk: {"progress_text": "办理中"},
    }
    response = client(clerk_a).post(reverse("dispatch:grid"), grid_post(entries_a, values, action="submit"))
    assert (
        "提交 1 份" in response.content.decode()
        and "1 个项目未填本月完成投资，未提交" in response.content.decode()
    )
    statuses = dict(MonthlyReport.objects.values_list("entry_id", "status"))
    assert statuses == {entries_a[0].pk: ReportStatus.SUBMITTED, entries_a[1].pk: ReportStatus.DRAFT}
    # Someone else changed the draft meanwhile: the clerk's stale grid is refused for that row.
    draft = MonthlyReport.objects.get(entry=entries_a[1])
    services.report_save(
        actor=dispatcher, entry=entries_a[1], period=november, values={"invested_month": Decimal("5")}
    )
    stale = {entries_a[1].pk: {"invested_month": "6", "progress_text": "办理中"}}
    response = client(clerk_a).post(
        reverse("dispatch:grid"), grid_post([entries_a[1]], stale, versions={entries_a[1].pk: draft.version})
    )
    assert response.status_code == 422 and "已被他人修改" in response.content.decode()
    assert MonthlyReport.objects.get(entry=entries_a[1]).invested_month == Decimal("5")


def test_the_phone_form_saves_with_photos_and_warnings(
    settings, tmp_path, clerk_a, entries_a, november
) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(photo, "JPEG")
    photo.seek(0)
    photo.name = "现场.jpg"
    url = reverse("dispatch:report_form", args=[entries_a[1].pk, "2024-11"])
    phone = client(clerk_a)
    page = phone.get(url).content.decode()
    assert 'capture="environment"' in page
    response = phone.post(
        url,
        {
            "invested_month": "10",
            "progress_text": "办理施工许可",
            "version": "0",
            "action": "submit",
            "photos": [photo],
        },
    )
    report = MonthlyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "dispatch:report_detail", args=[report.pk]
    )
    assert report.status == ReportStatus.SUBMITTED and ReportPhoto.objects.filter(report=report).count() == 1
    detail = phone.get(response["Location"]).content.decode()
    assert "尚未开工" in detail  # the warning, shown after the save
    assert (
        client(clerk_a).get(reverse("dispatch:photo", args=[ReportPhoto.objects.get().pk]))["Content-Type"]
        == "image/jpeg"
    )


def test_the_phone_form_refuses_a_file_that_is_not_a_photo(
    settings, tmp_path, clerk_a, entries_a, november
) -> None:
    settings.MEDIA_ROOT = tmp_path
    fake = io.BytesIO(b"MZ this is an exe")
    fake.name = "a.jpg"
    url = reverse("dispatch:report_form", args=[entries_a[1].pk, "2024-11"])
    response = client(clerk_a).post(
        url,
        {"invested_month": "10", "progress_text": "x", "version": "0", "action": "save", "photos": [fake]},
    )
    assert response.status_code == 200 and "不是 JPEG 或 PNG" in response.content.decode()
    assert not MonthlyReport.objects.exists()  # the report and its photos land together or not at all


def test_other_units_reports_are_404(clerk_a, clerk_b, entries_a, entry_b, november) -> None:
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])])
    report = MonthlyReport.objects.get()
    assert client(clerk_b).get(reverse("dispatch:report_detail", args=[report.pk])).status_code == 404
    assert client(clerk_b).post(reverse("dispatch:report_submit", args=[report.pk])).status_code == 404
    assert (
        client(clerk_b).get(reverse("dispatch:report_form", args=[entries_a[0].pk, "2024-11"])).status_code
        == 404
    )


def test_review_queues_approve_accept_and_return(
    clerk_a, reviewer_a, dispatcher, entries_a, november
) -> None:
    services.reports_save(actor=clerk_a, period=november, rows=[row(e) for e in entries_a], submit=True)
    ids = list(MonthlyReport.objects.order_by("id").values_list("id", flat=True))
    queue = client(reviewer_a).get(reverse("dispatch:review")).context["page"]
    assert len(queue.object_list) == 3
    client(reviewer_a).post(
        reverse("dispatch:review"),
        {"period": "2024-11", "action": "approve", "report": [str(i) for i in ids]},
    )
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.UNIT_APPROVED}
    client(dispatcher).post(reverse("dispatch:report_accept", args=[ids[0]]))
    response = client(dispatcher).post(
        reverse("dispatch:report_return", args=[ids[1]]), {"reason": "请补充照片"}
    )
    assert response.status_code == 302
    statuses = dict(MonthlyReport.objects.values_list("id", "status"))
    assert (statuses[ids[0]], statuses[ids[1]], statuses[ids[2]]) == (
        ReportStatus.ACCEPTED,
        ReportStatus.RETURNED,
        ReportStatus.UNIT_APPROVED,
    )
    detail = client(clerk_a).get(reverse("dispatch:report_detail", args=[ids[1]])).content.decode()
    assert "请补充照片" in detail and "退回" in detail


def test_the_excel_round_trip_through_the_pages(settings, tmp_path, clerk_a, entries_a, november) -> None:
    settings.MEDIA_ROOT = tmp_path
    c = client(clerk_a)
    response = c.get(reverse("dispatch:workbook") + "?period=2024-11")
    assert response.status_code == 200 and "filename*=UTF-8''" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    ws = book.worksheets[0]
    headers = {cell.value: cell.column for cell in ws[2] if cell.value}
    for r in range(3, 6):
        ws.cell(row=r, column=headers["本月完成投资（万元）"]).value = 88
        ws.cell(row=r, column=headers["形象进度"]).value = "施工中"
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "甲单位11月.xlsx"
    preview = c.post(
        reverse("dispatch:workbook_upload") + "?period=2024-11", {"files": [upload], "submit": "on"}
    )
    html = preview.content.decode()
    assert preview.status_code == 200 and "导入预览" in html and "确认导入" in html
    assert not MonthlyReport.objects.exists()
    token = preview.context["token"]
    done = c.post(reverse("dispatch:workbook_commit"), {"token": token, "period": "2024-11"})
    assert done.status_code == 302
    assert MonthlyReport.objects.filter(status=ReportStatus.SUBMITTED, invested_month=88).count() == 3
    assert (
        c.post(reverse("dispatch:workbook_commit"), {"token": "forged", "period": "2024-11"}).status_code
        == 404
    )
