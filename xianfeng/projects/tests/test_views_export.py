"""The Excel export: the same filtered, sorted rows as the list (all of them, not one page)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.projects.choices import Kind, Level
from xianfeng.projects.views import PAGE_SIZE
from xianfeng.tests.factories import LeaderFactory, ProgrammeEntryFactory, ProjectFactory, RegionFactory

pytestmark = pytest.mark.django_db
EXPORT = reverse("projects:export")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def workbook(response):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture
def rows(unit_a, unit_b):  # type: ignore[no-untyped-def]
    street = RegionFactory(name="中韩街道")
    leader = LeaderFactory(name="李副区长")
    first = ProjectFactory(
        name="科创园一期",
        national_code="2024-370212-65-01-123456",
        lead_unit=unit_a,
        street=street,
        leader=leader,
        owner="青岛某科技公司",
        total_investment=Decimal("25000.50"),
        planned_start=dt.date(2024, 3, 15),
    )
    ProgrammeEntryFactory(
        project=first,
        kind=Kind.NEW_START,
        level=Level.CITY,
        serial=1,
        planned_investment=Decimal("6000.25"),
        invested_ytd=Decimal("4000.00"),
    )
    second = ProjectFactory(name="老城区改造", lead_unit=unit_b, total_investment=Decimal("9999.50"))
    ProgrammeEntryFactory(
        project=second, kind=Kind.CONTINUING, serial=2, planned_investment=Decimal("2000.00")
    )
    return first, second


def test_export_contents(dispatcher, rows) -> None:
    response = client_for(dispatcher).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("UTF-8''")[1]).startswith("2024年重点项目清单_")
    ws = workbook(response).active
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert values[0][0].startswith("2024年重点项目清单（导出时间 ")
    header = values[1]
    assert header[:3] == ["序号", "项目名称", "项目代码"]
    col = {name: header.index(name) for name in header if name}
    first, second = values[2], values[3]
    assert first[col["项目名称"]] == "科创园一期"
    assert first[col["项目代码"]] == "2024-370212-65-01-123456"
    assert first[col["建设性质"]] == "新开工" and first[col["级别"]] == "市重点"
    assert first[col["总投资（万元）"]] == pytest.approx(25000.50)
    assert first[col["年度计划投资（万元）"]] == pytest.approx(6000.25)
    assert first[col["年度累计完成投资（万元）"]] == pytest.approx(4000)
    assert first[col["计划开工"]] == "2024-03"
    assert first[col["所在街道"]] == "中韩街道" and first[col["包联领导"]] == "李副区长"
    assert first[col["责任单位"]] == "甲"
    assert second[col["项目名称"]] == "老城区改造" and second[col["建设性质"]] == "续建"
    total = values[4]
    assert total[1] == "合计（2 个项目）"
    assert total[col["总投资（万元）"]] == pytest.approx(35000.00)
    assert total[col["年度计划投资（万元）"]] == pytest.approx(8000.25)
    assert len(values) == 5
    # Amounts are numbers with two decimals; the header row is bold and frozen.
    assert ws.cell(row=3, column=col["总投资（万元）"] + 1).number_format == "#,##0.00"
    assert ws.cell(row=2, column=1).font.bold
    assert ws.freeze_panes == "C3"
    assert ws.column_dimensions["B"].width == 36


def test_export_carries_the_completion_rate_when_a_year_is_selected(dispatcher, rows) -> None:
    first, _second = rows
    third = ProjectFactory(name="张村河生态公园", lead_unit=first.lead_unit)
    ProgrammeEntryFactory(
        project=third, serial=3, planned_investment=Decimal("0.00"), invested_ytd=Decimal("50.00")
    )
    client = client_for(dispatcher)
    ws = workbook(client.get(EXPORT, {"year": "2024", "sort": "rate"})).active
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    header = values[1]
    col = {name: header.index(name) for name in header if name}
    assert col["完成率"] == col["年度累计完成投资（万元）"] + 1 == col["年度计划投资（万元）"] + 2
    # Sorted by rate, lowest first, the row without a plan last (and its rate left empty).
    body = {row[col["项目名称"]]: row for row in values[2:5]}
    assert [row[col["项目名称"]] for row in values[2:5]] == ["老城区改造", "科创园一期", "张村河生态公园"]
    assert body["科创园一期"][col["完成率"]] == pytest.approx(0.667)  # 4,000 / 6,000.25 = 66.66… → 66.7 %
    assert body["老城区改造"][col["完成率"]] == 0  # nothing completed of 2,000
    assert body["张村河生态公园"][col["完成率"]] is None
    assert body["张村河生态公园"][col["年度累计完成投资（万元）"]] == pytest.approx(50)
    total = values[5]
    assert total[1] == "合计（3 个项目）"
    assert total[col["年度累计完成投资（万元）"]] == pytest.approx(4050)
    # 4,050 / 8,000.25 = 50.62 % → 50.6 %, from the sums (the mean of the rates would be 33.3 %).
    assert total[col["完成率"]] == pytest.approx(0.506)
    assert ws.cell(row=3, column=col["完成率"] + 1).number_format == "0.0%"
    # Every year: no rate column.
    header = [
        cell.value for cell in next(workbook(client.get(EXPORT, {"year": ""})).active.iter_rows(min_row=2))
    ]
    assert "完成率" not in header


def test_export_follows_filters_and_sort(dispatcher, rows) -> None:
    client = client_for(dispatcher)
    ws = workbook(client.get(EXPORT, {"kind": Kind.CONTINUING})).active
    names = [row[1].value for row in ws.iter_rows(min_row=3)]
    assert names == ["老城区改造", "合计（1 个项目）"]
    ws = workbook(client.get(EXPORT, {"sort": "-investment"})).active
    assert [row[1].value for row in ws.iter_rows(min_row=3, max_row=4)] == ["科创园一期", "老城区改造"]
    ws = workbook(client.get(EXPORT, {"sort": "investment"})).active
    assert [row[1].value for row in ws.iter_rows(min_row=3, max_row=4)] == ["老城区改造", "科创园一期"]


def test_export_is_scoped_to_the_unit(clerk_b, rows) -> None:
    ws = workbook(client_for(clerk_b).get(EXPORT)).active
    assert [row[1].value for row in ws.iter_rows(min_row=3)] == ["老城区改造", "合计（1 个项目）"]


def test_export_holds_every_row_not_one_page(dispatcher, unit_a) -> None:
    for index in range(PAGE_SIZE + 3):
        ProgrammeEntryFactory(project=ProjectFactory(lead_unit=unit_a), serial=index + 1)
    ws = workbook(client_for(dispatcher).get(EXPORT, {"page": "1"})).active
    assert ws.max_row == 2 + PAGE_SIZE + 3 + 1
