"""The registry as a new user meets it: the demo, a unit clerk's view, a stage change, the API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from xianfeng.demo.generator import DEMO_PASSWORD
from xianfeng.org.models import User
from xianfeng.projects.models import Project, StageTransition
from xianfeng.tests.e2e.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> None:
    settings.XF_DEMO = True
    call_command("load_demo", programme_only=True, verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


def _count_shown(page: Any) -> int:
    text = page.locator("#xf-list-results").inner_text()
    match = re.search(r"共\s*(\d+)\s*个项目", text)
    assert match, text[:300]
    return int(match.group(1))


def test_clerk_sees_only_own_unit_and_404_elsewhere(page: Any, live_server: Any, demo: None) -> None:
    clerk = User.objects.get(username="weijian_tb")
    own = Project.objects.filter(
        lead_unit=clerk.department, archived_at__isnull=True, entries__year=2024
    ).count()
    login(page, live_server, "weijian_tb", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/projects/")
    assert _count_shown(page) == own
    assert "演示模式" in page.locator("body").inner_text()
    shot(page, "clerk-list")
    other = Project.objects.exclude(lead_unit=clerk.department).order_by("pk").first()
    response = page.goto(f"{live_server.url}/projects/{other.pk}/")
    assert response is not None and response.status == 404
    response = page.goto(f"{live_server.url}/api/projects/{other.pk}")
    assert response is not None and response.status == 404


def test_dispatcher_moves_a_reserve_project_into_construction(
    page: Any, live_server: Any, demo: None
) -> None:
    project = Project.objects.filter(stage="reserve", archived_at__isnull=True).order_by("pk").first()
    login(page, live_server, "dispatcher", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/projects/")
    assert _count_shown(page) == 315
    shot(page, "dispatcher-list")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.click("text=阶段变更")
    modal = page.locator("#xf-transition")
    modal.locator("select[name=to_stage]").select_option("construction")
    modal.locator("input[name=effective_date]").fill("2024-12-02")
    modal.locator("button.btn-primary").click()
    page.wait_for_load_state("networkidle")
    project.refresh_from_db()
    assert project.stage == "construction" and str(project.actual_start) == "2024-12-02"
    transition = StageTransition.objects.filter(project=project).latest("at")
    assert (transition.from_stage, transition.to_stage) == ("reserve", "construction")
    history = page.locator("body").inner_text()
    assert "储备 → 在建" in history.replace("\n", " ").replace("  ", " ") or (
        "储备" in history and "在建" in history and "2024-12-02" in history
    )
    shot(page, "dispatcher-detail-after-transition")


def test_the_api_returns_what_the_pages_show(page: Any, live_server: Any, demo: None) -> None:
    login(page, live_server, "jinjialing_tb", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/projects/?year=2024")
    shown = _count_shown(page)
    api = page.request.get(f"{live_server.url}/api/projects?year=2024&limit=200")
    assert api.status == 200
    body = api.json()
    assert body["count"] == shown
    first_row = page.locator("#xf-list-results tbody tr").first.inner_text()
    assert body["items"][0]["name"] in first_row


def test_registry_import_reports_errors_by_row_and_column(
    page: Any, live_server: Any, demo: None, tmp_path: Any
) -> None:
    import io

    import openpyxl

    login(page, live_server, "dispatcher", DEMO_PASSWORD)
    template = page.request.get(f"{live_server.url}/projects/import/template.xlsx")
    assert template.status == 200
    book = openpyxl.load_workbook(io.BytesIO(template.body()))
    sheet = book["项目清单"]
    header_row = next(r for r in range(1, 6) if any(c.value and "项目名称" in str(c.value) for c in sheet[r]))
    columns = {str(c.value).lstrip("＊*"): c.column_letter for c in sheet[header_row] if c.value}
    row = header_row + 1
    values = {
        "项目名称": "崂山测试导入项目",
        "项目类别": "重点产业",
        "建设性质": "续建",
        "级别": "区重点",
        "责任单位": "不存在的单位",
        "总投资（万元）": "abc",
        "年度计划投资（万元）": 100,
    }
    for name, value in values.items():
        sheet[f"{columns[name]}{row}"] = value
    path = tmp_path / "bad.xlsx"
    book.save(path)
    before = Project.objects.count()
    page.goto(f"{live_server.url}/projects/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button[value=preview]")
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    shot(page, "import-errors")
    # The error table: row, column letter, column name, reason.
    assert f"{row}\t{columns['总投资（万元）']}\t总投资（万元）\t“abc”不是数字" in text
    assert f"{row}\t{columns['责任单位']}\t责任单位\t系统中没有名为“不存在的单位”的责任单位" in text
    assert Project.objects.count() == before
