"""The Excel round trip: a familiar, locked, validated template; upload → preview → commit;
whole files or nothing; errors naming the file, sheet, row, column and reason."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook

from xianfeng.dispatch import services
from xianfeng.dispatch.choices import ReportStatus
from xianfeng.dispatch.forms import parse_whole
from xianfeng.dispatch.models import MonthlyReport, ReportEvent
from xianfeng.dispatch.tests.conftest import open_period, row
from xianfeng.dispatch.workbook import META_SHEET, Issue, build_workbook, workbook_import

pytestmark = pytest.mark.django_db


def download(user: Any, period: Any, units: list[int]) -> bytes:
    data, _name = build_workbook(user=user, period=period, unit_ids=units)
    return data


def edit(
    data: bytes,
    changes: dict[tuple[int, str], Any],
    sheet: str | None = None,
    meta: dict[str, Any] | None = None,
) -> bytes:
    """Set cells by (data row index from 0, header) as a clerk would in Excel."""
    book = load_workbook(io.BytesIO(data))
    ws = book[sheet] if sheet else book.worksheets[0]
    headers = {str(c.value): c.column for c in ws[2] if c.value}
    for (index, header), value in changes.items():
        column = next(col for name, col in headers.items() if name.startswith(header))
        ws.cell(row=3 + index, column=column, value=value)
    if meta:
        for cells in book[META_SHEET].iter_rows(min_row=1, max_row=7):
            if cells[0].value in meta:
                cells[1].value = meta[cells[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filled(data: bytes, n: int = 3) -> bytes:
    changes: dict[tuple[int, str], Any] = {}
    for i in range(n):
        changes[(i, "本月完成投资")] = 100 + i
        changes[(i, "形象进度百分比")] = 50 + i
        changes[(i, "形象进度")] = f"主体结构施工至{5 + i}层"
        changes[(i, "现场施工人数")] = 60
    return edit(data, changes)


def test_the_template_locks_identity_and_validates_input(
    clerk_a, unit_a, entries_a, october, november
) -> None:
    services.reports_save(
        actor=clerk_a,
        period=october,
        rows=[row(entries_a[0], progress_text="基础施工", progress_percent=30)],
        submit=True,
    )
    book = load_workbook(io.BytesIO(download(clerk_a, november, [unit_a.pk])))
    ws = book.worksheets[0]
    headers = [c.value for c in ws[2]]
    familiar = (
        "序号 项目名称 项目代码 建设单位 建设性质 级别 总投资（万元） 年度计划投资（万元） "
        "本月完成投资（万元） 1–11月累计完成投资（万元） 形象进度 形象进度百分比 现场施工人数 "
        "是否已开工 实际开工时间 "
        "存在问题及需协调事项 联系人及电话 责任单位 包联领导"
    )
    for name in familiar.split():
        assert name in headers, name
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert ws.protection.sheet
    assert ws.cell(row=3, column=col["项目名称"]).protection.locked
    assert not ws.cell(row=3, column=col["本月完成投资（万元）"]).protection.locked
    assert ws.cell(row=3, column=col["形象进度"]).value == "基础施工"  # carried from October
    assert ws.cell(row=3, column=col["本月完成投资（万元）"]).value is None  # money is not
    assert str(ws.cell(row=3, column=col["1–11月累计完成投资（万元）"]).value).startswith("=IF(")
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"decimal", "whole", "list", "date"} <= kinds
    assert any(dv.formula1 == '"是,否"' for dv in ws.data_validations.dataValidation)
    assert book[META_SHEET].sheet_state == "veryHidden"
    assert "填写说明" in book.sheetnames


def test_upload_previews_then_commits(clerk_a, unit_a, entries_a, november) -> None:
    data = filled(download(clerk_a, november, [unit_a.pk]))
    preview = workbook_import(actor=clerk_a, sources=[("甲.xlsx", data)], period=november, dry_run=True)
    assert preview.ok and not preview.applied and preview.created == 3
    change = next(c for c in preview.changes if c.label.startswith("本月完成投资") and c.row == 3)
    assert (change.old, change.new, change.column) == (None, "100", "L")
    assert not MonthlyReport.objects.exists()
    result = workbook_import(actor=clerk_a, sources=[("甲.xlsx", data)], period=november, submit=True)
    assert result.applied and result.submitted == 3
    reports = MonthlyReport.objects.order_by("entry__serial")
    assert [r.invested_month for r in reports] == [Decimal("100"), Decimal("101"), Decimal("102")]
    assert {r.status for r in reports} == {ReportStatus.SUBMITTED}
    # The same file again: nothing changes (and it is no conflict).
    again = workbook_import(actor=clerk_a, sources=[("甲.xlsx", data)], period=november, submit=True)
    assert again.applied and again.unchanged == 3


def test_errors_name_the_place_and_nothing_is_written(clerk_a, unit_a, entries_a, november) -> None:
    data = edit(
        filled(download(clerk_a, november, [unit_a.pk])),
        {(0, "本月完成投资"): "约三百万", (1, "形象进度百分比"): 130, (2, "是否已开工"): "也许"},
    )
    result = workbook_import(actor=clerk_a, sources=[("甲.xlsx", data)], period=november)
    assert not result.applied
    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("“甲.xlsx” 甲 第3行 L列（本月完成投资（万元））：“约三百万”不是数字")
    assert any("第4行" in m and "0–100" in m for m in messages), messages
    assert any("第5行" in m and "“也许”应填“是”或“否”" in m for m in messages)
    assert not MonthlyReport.objects.exists()


def test_another_units_file_duplicates_and_closed_periods(
    clerk_a, clerk_b, dispatcher, unit_a, entries_a, november
) -> None:
    data = filled(download(clerk_a, november, [unit_a.pk]))
    other = workbook_import(actor=clerk_b, sources=[("甲.xlsx", data)], period=november)
    assert (
        not other.applied
        and all("不是您的单位" in e.message for e in other.errors)
        and len(other.errors) == 3
    )
    book = load_workbook(io.BytesIO(data))
    ws = book.worksheets[0]
    headers = {c.value: c.column for c in ws[2]}
    ws.cell(row=5, column=headers["项目代码"]).value = ws.cell(row=3, column=headers["项目代码"]).value
    out = io.BytesIO()
    book.save(out)
    dup = workbook_import(actor=clerk_a, sources=[("甲.xlsx", out.getvalue())], period=november)
    assert any("重复出现" in e.message and e.row == 5 for e in dup.errors)
    services.period_close(actor=dispatcher, period=november)
    closed = workbook_import(actor=clerk_a, sources=[("甲.xlsx", data)], period=november)
    assert "已关闭" in closed.errors[0].message


def test_older_templates_other_periods_and_tampering_are_recognised(
    clerk_a, dispatcher, unit_a, entries_a, october, november
) -> None:
    data = filled(download(clerk_a, november, [unit_a.pk]))
    old = edit(data, {}, meta={"template": "xf-dispatch-0"})
    assert "旧版模板" in workbook_import(actor=clerk_a, sources=[("a.xlsx", old)]).errors[0].message
    tampered = edit(data, {}, meta={"period": "2024-10"})
    assert "被改动过" in workbook_import(actor=clerk_a, sources=[("a.xlsx", tampered)]).errors[0].message
    october_file = filled(download(clerk_a, october, [unit_a.pk]))
    wrong = workbook_import(actor=clerk_a, sources=[("10月.xlsx", october_file)], period=november)
    assert "这是2024年10月的调度表" in wrong.errors[0].message
    plain = io.BytesIO()
    book = load_workbook(io.BytesIO(data))
    del book[META_SHEET]
    book.save(plain)
    assert (
        "缺少模板信息"
        in workbook_import(actor=clerk_a, sources=[("a.xlsx", plain.getvalue())]).errors[0].message
    )
    assert "不是 .xlsx" in workbook_import(actor=clerk_a, sources=[("a.xlsx", b"hello")]).errors[0].message


def test_reordered_columns_are_fine_missing_ones_are_not(clerk_a, unit_a, entries_a, november) -> None:
    data = filled(download(clerk_a, november, [unit_a.pk]))
    book = load_workbook(io.BytesIO(data))
    ws = book.worksheets[0]
    ws.protection.sheet = False
    ws.move_range("A2:E6", cols=30)  # the identity block moved to the far right
    moved = io.BytesIO()
    book.save(moved)
    result = workbook_import(actor=clerk_a, sources=[("a.xlsx", moved.getvalue())], period=november)
    assert result.applied and result.created == 3
    headers = {c.value: c.column for c in ws[2] if c.value}
    ws.cell(row=2, column=headers["本月完成投资（万元）"]).value = "投资"
    missing = io.BytesIO()
    book.save(missing)
    errors = workbook_import(actor=clerk_a, sources=[("a.xlsx", missing.getvalue())], period=november).errors
    assert "缺少必需的列：本月完成投资" in errors[0].message


def test_a_report_changed_since_the_download_is_a_conflict(clerk_a, unit_a, entries_a, november) -> None:
    data = filled(download(clerk_a, november, [unit_a.pk]))
    services.reports_save(
        actor=clerk_a, period=november, rows=[row(entries_a[1], invested_month=Decimal("7"))]
    )
    result = workbook_import(actor=clerk_a, sources=[("a.xlsx", data)], period=november)
    assert not result.applied
    [error] = result.errors
    assert error.row == 4 and "已被他人修改" in error.message
    assert MonthlyReport.objects.get().invested_month == Decimal("7")


def test_the_project_office_imports_every_units_files_at_once(
    dispatcher, clerk_a, unit_a, unit_b, entries_a, entry_b, november
) -> None:
    files = [
        ("甲.xlsx", filled(download(dispatcher, november, [unit_a.pk]))),
        ("乙.xlsx", filled(download(dispatcher, november, [unit_b.pk]), n=1)),
    ]
    result = workbook_import(actor=dispatcher, sources=files, period=november, submit=True)
    assert (
        result.applied and result.submitted == 4 and sorted(result.unit_ids) == sorted([unit_a.pk, unit_b.pk])
    )
    # One workbook with a sheet per unit works the same; one bad cell anywhere and nothing lands.
    ReportEvent.objects.all().delete()
    MonthlyReport.objects.all().delete()
    both = download(dispatcher, november, [unit_a.pk, unit_b.pk])
    book = load_workbook(io.BytesIO(both))
    assert [ws.title for ws in book.worksheets][:2] == ["甲", "乙"]
    bad = edit(filled(both), {(0, "本月完成投资"): -5}, sheet="乙")
    result = workbook_import(actor=dispatcher, sources=[("全部.xlsx", bad)], period=november)
    assert not result.applied and "不能为负数" in result.errors[0].message and result.errors[0].sheet == "乙"
    assert not MonthlyReport.objects.exists()


@pytest.mark.skipif(
    not shutil.which("soffice") and not shutil.which("libreoffice"), reason="LibreOffice not installed"
)
def test_a_formula_in_an_input_cell_counts_by_its_value(
    clerk_a, unit_a, entries_a, november, tmp_path: Path
) -> None:
    data = edit(filled(download(clerk_a, november, [unit_a.pk])), {(0, "本月完成投资"): "=40+2"})
    # Without a cached value (openpyxl writes none) the cell is empty: submitting it is refused …
    result = workbook_import(actor=clerk_a, sources=[("a.xlsx", data)], period=november, submit=True)
    assert "提交前须填写本月完成投资" in result.errors[0].message
    # … once Excel (here LibreOffice) has calculated and saved it, its value is what counts.
    source = tmp_path / "in.xlsx"
    source.write_bytes(data)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run(
        [
            office,
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    recalculated = (tmp_path / "out" / "in.xlsx").read_bytes()
    result = workbook_import(actor=clerk_a, sources=[("a.xlsx", recalculated)], period=november, submit=True)
    assert result.applied, [str(e) for e in result.errors]
    assert MonthlyReport.objects.get(entry=entries_a[0]).invested_month == Decimal("42")


def test_a_unit_may_not_download_another_units_sheet(clerk_a, unit_b, november) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        build_workbook(user=clerk_a, period=november, unit_ids=[unit_b.pk])
    assert open_period  # the helper the other tests use


def test_issues_read_in_the_readers_language() -> None:
    """English needs the catalogue's entries for these messages."""

    def located(label: str) -> str:
        with pytest.raises(ValueError) as info:
            parse_whole("八十", label=label)
        return str(Issue("调度表.xlsx", "甲单位", 7, "L", "现场施工人数", str(info.value)))

    assert (
        located("现场施工人数")
        == "“调度表.xlsx” 甲单位 第7行 L列（现场施工人数）：现场施工人数“八十”不是数字"
    )
    with translation.override("en"):
        text = located(translation.gettext("现场施工人数"))
    assert (
        text == "“调度表.xlsx” 甲单位 row 7 column L (现场施工人数): Workers on site “八十” is not a number"
    )


def test_a_sheet_downloaded_in_english_is_chinese_and_imports(clerk_a, unit_a, entries_a, november) -> None:
    """The sheet goes round the units and back through the import, which reads Chinese labels:
    a clerk working in English downloads the same Chinese sheet and can import it."""
    with translation.override("en"):
        data = download(clerk_a, november, [unit_a.pk])
    book = load_workbook(io.BytesIO(data))
    headers = [str(c.value) for c in book.worksheets[0][2] if c.value]
    assert "问题类型" in headers and any(h.startswith("本月完成投资") for h in headers)
    assert "2024年11月" in str(book.worksheets[0]["A1"].value)
    data = edit(filled(data), {(0, "存在问题"): "征地补偿协议未签订", (0, "问题类型"): "用地"})
    with translation.override("en"):
        result = workbook_import(actor=clerk_a, sources=[("a.xlsx", data)], period=november, submit=True)
    assert result.ok and result.applied and result.submitted == 3
    first = MonthlyReport.objects.order_by("entry__serial").first()
    assert first is not None and first.problem_type == "land"
