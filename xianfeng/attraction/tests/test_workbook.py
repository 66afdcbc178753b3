"""Excel import (whole file or nothing, errors by row and column) and the template."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from xianfeng.attraction import workbook
from xianfeng.attraction.models import Investor, Lead
from xianfeng.attraction.tests.helpers import make_investor

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in workbook.COLUMNS]


def _file(rows: list[dict[str, object]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = workbook.SHEET
    ws.append(HEADERS)
    for row in rows:
        ws.append([row.get(h) for h in HEADERS])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


GOOD = {
    "项目名称": "光学模组生产基地",
    "投资方名称": "德国博伦光学股份公司",
    "资本来源": "外资",
    "国家或地区": "德国",
    "来源类型": "企业主动来访",
    "产业链": "虚拟现实",
    "意向投资额": 3000,
    "金额单位": "万美元",
    "需求用地（亩）": 60,
    "预计年税收（万元）": 1500,
    "录入日期": "2024-10-08",
}


def test_a_good_file_lands_whole(clerk_a, chain):
    second = {**GOOD, "项目名称": "光学模组二期"}  # the same new investor twice: entered once
    result = workbook.leads_import(actor=clerk_a, source=_file([GOOD, second]))
    assert result.ok and result.created == 2
    assert Investor.objects.count() == 1 and Lead.objects.filter(chain=chain).count() == 2
    lead = Lead.objects.get(name="光学模组生产基地")
    assert lead.investment_unit == "USD_WAN" and lead.owner_unit == clerk_a.department
    assert str(lead.entered_on) == "2024-10-08"


def test_one_bad_row_writes_nothing_and_every_error_names_row_and_column(clerk_a, chain):
    bad = {
        **GOOD,
        "项目名称": "",
        "国家或地区": "",
        "投资方名称": "Siemens AG",
        "意向投资额": "很多",
        "金额单位": "万卢布",
    }
    result = workbook.leads_import(
        actor=clerk_a, source=_file([GOOD, bad, {**GOOD, "项目名称": "三期", "录入日期": "昨天"}])
    )
    assert not result.ok and result.created == 0
    assert not Lead.objects.exists() and not Investor.objects.exists()
    found = {(i.row, i.column) for i in result.issues}
    assert (3, "项目名称") in found and (3, "意向投资额") in found and (3, "金额单位") in found
    assert (4, "录入日期") in found
    messages = " ".join(i.message for i in result.issues)
    assert "“万卢布”不是可选的取值" in messages and "“很多”不是数字" in messages


def test_service_rules_apply_per_row(clerk_a, clerk_b, chain):
    make_investor(clerk_b, name="德国博伦光学股份公司", country="德国")
    rows = [
        GOOD,  # a duplicate of charlie's investor
        {
            **GOOD,
            "项目名称": "小展厅",
            "投资方名称": "青岛某科技有限公司",
            "资本来源": "内资",
            "意向投资额": 5,
            "金额单位": "万元",
            "需求用地（亩）": 50,
        },  # a unit slip
        {
            **GOOD,
            "项目名称": "港资项目",
            "投资方名称": "香港某集团",
            "资本来源": "港澳台资",
            "国家或地区": "",
        },
    ]
    result = workbook.leads_import(actor=clerk_a, source=_file(rows))
    by_row = {}
    for issue in result.issues:
        by_row.setdefault(issue.row, []).append((issue.column, issue.message))
    assert "疑似重复投资方" in by_row[2][0][1] and by_row[2][0][0] == "投资方名称"
    assert by_row[3][0][0] == "意向投资额" and "确认金额单位无误" in by_row[3][0][1]
    assert by_row[4][0][0] == "国家或地区" and "须填写国家或地区" in by_row[4][0][1]
    confirmed = [
        {**rows[0], "确认不是重复": "是"},
        {**rows[1], "确认金额单位无误": "是"},
        {**rows[2], "国家或地区": "中国香港"},
    ]
    result = workbook.leads_import(actor=clerk_a, source=_file(confirmed))
    assert result.ok and result.created == 3


def test_check_only_writes_nothing(clerk_a, chain):
    result = workbook.leads_import(actor=clerk_a, source=_file([GOOD]), dry_run=True)
    assert result.ok and result.rows == 1 and not Lead.objects.exists()


def test_refused_files(clerk_a):
    result = workbook.leads_import(actor=clerk_a, source=io.BytesIO(b"not a workbook"))
    assert result.issues[0].row is None and ".xlsx" in result.issues[0].message
    wb = Workbook()
    wb.active.append(["名称", "金额"])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = workbook.leads_import(actor=clerk_a, source=buffer)
    assert "没有找到表头" in result.issues[0].message


def test_template_has_dropdowns_and_the_import_page_reports_errors(client, clerk_a, chain):
    client.force_login(clerk_a)
    response = client.get(reverse("attraction:lead_import_template"))
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb[workbook.SHEET]
    assert [c.value for c in sheet[1]][: len(HEADERS)] == HEADERS
    assert sheet.data_validations.dataValidation
    upload = _file([{**GOOD, "意向投资额": "-1"}])
    upload.name = "leads.xlsx"
    response = client.post(reverse("attraction:lead_import"), {"file": upload})
    content = response.content.decode()
    assert "整个文件未导入" in content and "须大于 0" in content
    upload = _file([GOOD])
    upload.name = "leads.xlsx"
    response = client.post(reverse("attraction:lead_import"), {"file": upload})
    assert "已导入 1 条线索" in response.content.decode()
    assert Lead.objects.get().investment_amount == Decimal("3000")


def test_a_chinese_workbook_imported_from_the_english_ui(clerk_a, chain):
    """The template stays Chinese (headers, dropdown values) whatever the page's language; the errors
    are worded in the user's language."""
    with translation.override("en"):
        result = workbook.leads_import(actor=clerk_a, source=_file([GOOD]), dry_run=True)
        assert result.ok, result.issues
        bad = {**GOOD, "项目名称": "", "金额单位": "万卢布", "录入日期": "昨天"}
        result = workbook.leads_import(actor=clerk_a, source=_file([bad]))
    issues = {(i.row, i.column): i.message for i in result.issues}
    assert issues[(2, "项目名称")] == "Required"
    assert issues[(2, "金额单位")].startswith("“万卢布” is not one of the choices (choices: 万元, 亿元, ")
    assert issues[(2, "录入日期")] == "“昨天” is not a date; the format should be like 2024-06-30"
