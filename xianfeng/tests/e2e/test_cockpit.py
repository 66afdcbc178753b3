"""The cockpit and the wall display as a leader meets them in the demo."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from xianfeng.demo.generator import DEMO_PASSWORD
from xianfeng.org.models import User
from xianfeng.projects.models import Project
from xianfeng.targets.selectors import target_board
from xianfeng.tests.e2e.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> None:
    settings.XF_DEMO = True
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


def _fmt(value: Any) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def test_leader_sees_targets_and_forecast_and_drills_down_from_a_red_bar(
    page: Any, live_server: Any, demo: None
) -> None:
    leader = User.objects.get(username="leader")
    login(page, live_server, "leader", DEMO_PASSWORD)
    assert page.locator("nav >> text=驾驶舱").count() == 1
    page.click("nav >> text=驾驶舱")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/cockpit/")
    body = page.locator("body").inner_text()
    assert "崂山区重点项目驾驶舱" in body and "截至 2024年11月30日" in body

    # The H1 and Q3 start targets with their current values and forecast verdicts.
    board = {p.target.name: p for p in target_board(user=leader, year=2024, as_of=dt.date(2024, 11, 30))}
    targets = page.locator("#xf-targets").inner_text()
    for name in ["省、市重点项目上半年全部开工", "155个新开工项目三季度末全部开工"]:
        progress = board[name]
        assert name in targets
        assert f"当前 {_fmt(progress.current)} / 目标 {_fmt(progress.target_value)}" in targets
        assert progress.forecast is not None and progress.forecast.verdict_label in targets
    # … and the projects that threaten them, with the reason.
    threat = board["155个新开工项目三季度末全部开工"].threats[0]
    assert threat.project_name in targets and threat.reason in targets
    # The year-end investment forecast and its back-tested error.
    note = page.locator("#xf-forecast-note").inner_text()
    assert re.search(r"年末投资预测 [\d,.]+ 亿元，为年度计划的 [\d.]+%", note), note
    assert "历史回测平均误差" in note
    shot(page, "cockpit-leader")

    # The units' bars: click the first red (or yellow) one → the project list of that unit.
    data = json.loads(page.locator("#xf-cockpit-data").text_content())
    page.click("#xf-breakdown-tabs >> text=按单位")
    page.wait_for_timeout(1200)  # the bars grow in
    rows = data["breakdowns"]["unit"]
    index = (
        next(i for i, r in enumerate(rows) if r["colour"] == "red")
        if any(r["colour"] == "red" for r in rows)
        else next(i for i, r in enumerate(rows) if r["colour"] == "yellow")
    )
    bar = rows[index]
    chart = page.locator("#xf-chart-breakdown")
    chart.scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([value, index]) => {
            const c = echarts.getInstanceByDom(document.getElementById('xf-chart-breakdown'));
            return c.convertToPixel({seriesIndex: 0}, [value / 2, index]);
        }""",
        [float(bar["completion_rate"]), index],
    )
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/projects/?*")
    assert page.url.endswith(bar["url"]), (page.url, bar["url"])
    unit_id = int(bar["key"])
    listed = page.locator("#xf-list-results").inner_text()
    expected = Project.objects.filter(
        lead_unit_id=unit_id, archived_at__isnull=True, entries__year=2024
    ).count()
    assert re.search(rf"共\s*{expected}\s*个项目", listed), listed[:200]
    shot(page, "cockpit-drilldown-list")
    # … and on to one of its projects.
    first = Project.objects.filter(lead_unit_id=unit_id, archived_at__isnull=True, entries__year=2024).first()
    page.goto(f"{live_server.url}/projects/{first.pk}/")
    assert first.name in page.locator("body").inner_text()

    # A red project in the warnings list links to its page, with the reason shown.
    page.goto(f"{live_server.url}/cockpit/")
    red = data["warnings"]["red_rows"][0]
    assert red["reasons"][0] in page.locator("#xf-warnings").inner_text()
    page.click(f"#xf-warnings >> text={red['name']}")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/projects/{red['project_id']}/")


def test_the_wall_display_at_1920_by_1080(browser: Any, live_server: Any, demo: None, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    try:
        login(page, live_server, "leader", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/cockpit/wall/?rotate=5&refresh=10")
        page.wait_for_selector("body[data-loaded='1']", state="attached")
        assert page.locator("#k-projects").inner_text() == "315"
        assert page.locator("#xf-wall-title").inner_text() == "崂山区重点项目驾驶舱"
        assert "数据截至 2024-11-30" in page.locator("#xf-wall-asof").inner_text()
        assert page.locator(".xf-panel.is-active").get_attribute("data-panel") == "overview"
        assert page.locator("#w-forecast").inner_text().startswith("年末投资预测")
        page.wait_for_timeout(800)
        page.screenshot(path=str(tmp_path / "wall-overview.png"))
        shot(page, "wall-overview")
        # The panels rotate by themselves…
        page.wait_for_function(
            "document.querySelector('.xf-panel.is-active').dataset.panel !== 'overview'", timeout=9000
        )
        # … and the arrow keys step through them without a mouse.
        seen = []
        for _ in range(6):
            seen.append(page.locator(".xf-panel.is-active").get_attribute("data-panel"))
            page.keyboard.press("ArrowRight")
        assert set(seen) == {"overview", "units", "breakdowns", "warnings", "targets", "problems"}
        page.keyboard.press(" ")  # pause
        while page.locator(".xf-panel.is-active").get_attribute("data-panel") != "targets":
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(600)
        assert "省、市重点项目上半年全部开工" in page.locator("#w-targets").inner_text()
        page.screenshot(path=str(tmp_path / "wall-targets.png"))
        shot(page, "wall-targets")
        assert (tmp_path / "wall-overview.png").stat().st_size > 50_000
        assert outside == [], outside  # offline: vendored assets only
    finally:
        context.close()
