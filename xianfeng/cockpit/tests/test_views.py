"""The cockpit page, the wall display and the API: who may open them, what they show, where the
bars lead."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client

from xianfeng.dispatch.tests.stats_world import World


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["dispatcher", "leader_user"])
def test_the_page_for_dispatcher_and_leaders(world: World, who: str, request: Any) -> None:
    response = client_for(request.getfixturevalue(who)).get("/cockpit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "崂山区重点项目驾驶舱" in html
    assert "截至 2024年11月30日" in html
    data = response.context["data"]
    assert data.period.key == "2024-11" and data.headline.projects == 6
    # The overdue problem links to its page; the problem types to the board.
    late = data.problems.overdue_rows[0]
    assert f'href="/coordination/problems/{late.id}/"' in html
    assert 'href="/coordination/?status=active&amp;type=land"' in html
    assert 'id="xf-cockpit-data"' in html and "vendor/echarts-5.6.0/echarts.min.js" in html


def test_the_period_selector_replays_the_year(world: World, leader_user: Any) -> None:
    response = client_for(leader_user).get("/cockpit/?period=2024-09")
    assert response.status_code == 200
    assert response.context["data"].headline.invested_ytd == 900
    assert "截至 2024年9月30日" in response.content.decode()
    assert client_for(leader_user).get("/cockpit/?period=2024-13").status_code == 404
    assert client_for(leader_user).get("/cockpit/?period=2023-05").status_code == 404


@pytest.mark.parametrize("who", ["clerk_a", "admin_user", "auditor"])
def test_other_roles_get_403(world: World, who: str, request: Any) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get("/cockpit/").status_code == 403
    assert client.get("/cockpit/wall/").status_code == 403
    assert client.get("/api/cockpit").status_code == 403


def test_outsiders_must_sign_in(world: World) -> None:
    client = Client()
    response = client.get("/cockpit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/cockpit/wall/").status_code == 302
    assert client.get("/api/cockpit").status_code == 401


def test_nav_shows_the_cockpit_to_leaders_only(world: World, leader_user: Any, clerk_a: Any) -> None:
    assert 'href="/cockpit/"' in client_for(leader_user).get("/").content.decode()
    assert 'href="/cockpit/"' not in client_for(clerk_a).get("/").content.decode()


def test_no_period_yet(leader_user: Any) -> None:
    response = client_for(leader_user).get("/cockpit/")
    assert response.status_code == 200 and "还没有调度数据" in response.content.decode()


def test_a_red_bar_leads_to_those_projects(world: World, leader_user: Any) -> None:
    """The unit bars link to the project list filtered to the unit: the list shows exactly its projects."""
    client = client_for(leader_user)
    data = client.get("/cockpit/").context["data"]
    bar = data.breakdowns["unit"][1]  # 乙单位: 30.8 %, 60.9 points behind → red
    assert (bar.label, bar.colour) == ("乙单位", "red")
    listing = client.get(bar.url)
    assert listing.status_code == 200
    html = listing.content.decode()
    for key in ["P4", "P5", "P6"]:
        assert f"项目{key}" in html
    for key in ["P1", "P2", "P3"]:
        assert f"项目{key}<" not in html and f"项目{key}</a>" not in html
    chain = data.breakdowns["chain"][0]
    html = client.get(chain.url).content.decode()
    assert "项目P1" in html and "项目P2" in html and "项目P4<" not in html


def test_the_wall_display(world: World, leader_user: Any) -> None:
    response = client_for(leader_user).get("/cockpit/wall/?refresh=5&rotate=20&period=2024-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-refresh="10"' in html  # at least ten seconds between fetches
    assert 'data-rotate="20"' in html and 'data-period="2024-10"' in html
    assert 'data-api="/api/cockpit"' in html
    for panel in ["overview", "units", "breakdowns", "warnings", "targets", "problems"]:
        assert f'data-panel="{panel}"' in html
    default = client_for(leader_user).get("/cockpit/wall/").content.decode()
    assert 'data-refresh="60"' in default and 'data-rotate="15"' in default
    assert 'data-today=""' in default  # the screen's own date when "today" is not pinned


def test_the_wall_shows_a_pinned_today(world: World, leader_user: Any, settings: Any) -> None:
    import datetime as dt

    settings.XF_TODAY = dt.date(2024, 12, 6)
    html = client_for(leader_user).get("/cockpit/wall/").content.decode()
    assert 'data-today="2024-12-06"' in html


def test_the_api_states_the_statistics_figures(world: World, leader_user: Any) -> None:
    client = client_for(leader_user)
    cockpit = client.get("/api/cockpit?period=2024-11").json()
    stats = client.get("/api/dispatch/statistics?year=2024&month=11").json()
    h = cockpit["headline"]
    assert (
        h["projects"],
        h["invested_ytd"],
        h["planned_investment"],
        h["completion_rate"],
        h["start_rate"],
    ) == (
        6,
        "2200.00",
        "6000.00",
        "36.7",
        "33.3",
    )
    total = stats["total"]
    assert (h["invested_ytd"], h["completion_rate"], h["start_rate"], h["gap"]) == (
        total["invested_ytd"],
        total["completion_rate"],
        total["start_rate"],
        total["gap"],
    )
    units = {r["key"]: r["completion_rate"] for r in stats["by_unit"]}
    assert {r["key"]: r["completion_rate"] for r in cockpit["breakdowns"]["unit"]} == units
    assert cockpit["curve"]["actual"][8:11] == ["900.00", "1250.00", "2200.00"]
    assert cockpit["period"]["key"] == "2024-11" and cockpit["as_of"] == "2024-11-30"
    assert cockpit["problems"]["overdue"] == 1
    assert client.get("/api/cockpit?period=2024-02").status_code == 404
    assert client.get("/api/cockpit?period=junk").status_code == 404
    assert client.get("/api/cockpit").json()["period"]["key"] == "2024-11"


def test_the_api_is_in_the_schema(world: World, leader_user: Any) -> None:
    schema = client_for(leader_user).get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/cockpit" in schema.json()["paths"]


def _static(name: str) -> str:
    from django.contrib.staticfiles import finders

    path = finders.find(name)
    assert path, name
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_the_wall_words_the_gap_as_behind_or_ahead(world: World, leader_user: Any) -> None:
    """The wall read '时间进度 91.7%，差 -9.6 个百分点'; it now says behind (or ahead) by the points."""
    labels = client_for(leader_user).get("/cockpit/wall/").context["labels"]
    assert labels["behind_note"] == "时间进度 {tp}，落后 {gap} 个百分点"
    assert labels["ahead_note"] == "时间进度 {tp}，超前 {gap} 个百分点"
    assert "gap_note" not in labels
    script = _static("cockpit/wall.js")
    assert "L.behind_note" in script and "L.ahead_note" in script and "Math.abs(gap)" in script


def test_the_wall_keeps_its_figures_and_labels_whole(world: World, leader_user: Any) -> None:
    """Seen at 1920×1080 in the demo: '2/15 已完成' and '52 82 / 10' were cut at their cards' edge,
    the fifteenth target's line fell off its panel, and half the industry chains lost their labels.
    The figures now shrink to fit, a full targets panel turns dense, every bar keeps its label."""
    html = client_for(leader_user).get("/cockpit/wall/").content.decode()
    assert 'class="xf-kpi-value" id="k-lights"' in html
    script = _static("cockpit/wall.js")
    assert '"k-targets", "k-lights"].forEach(fit)' in script
    assert 'box.classList.add("is-dense")' in script
    assert ".xf-targets.is-dense" in _static("cockpit/wall.css")
    assert 'overflow: "truncate", interval: 0' in _static("cockpit/charts.js")


def test_the_page_api_and_wall_colour_by_the_configured_pace_rule(world: World, dispatcher: Any) -> None:
    """The dispatcher set the pace warning at 15 and 45 points (the settings page's service): the
    page's legend states them, the API carries them with the bars' colours, and the wall colours
    its completion rate from the thresholds in that JSON, not from numbers of its own."""
    from decimal import Decimal

    from xianfeng.targets.warnings import RuleChange, rules_update

    rules_update(actor=dispatcher, changes=[RuleChange("pace", True, Decimal(15), Decimal(45))])
    client = client_for(dispatcher)
    html = client.get("/cockpit/?period=2024-11").content.decode()
    assert "落后 15–45 个百分点" in html and "落后超过 45 个百分点" in html
    assert "不落后或落后不足 15 个百分点" in html
    assert "落后10–30" not in html and "已停用" not in html
    feed = client.get("/api/cockpit?period=2024-11").json()
    th = feed["thresholds"]
    assert (th["yellow_points"], th["red_points"], th["pace_rule_enabled"], th["note"]) == (
        "15.0",
        "45.0",
        True,
        "",
    )
    assert [i["text"] for i in th["legend"]][1] == "落后 15–45 个百分点"
    # 甲单位 44.1 points behind: yellow by the rule (red by the old fixed 30).
    assert {r["label"]: r["colour"] for r in feed["breakdowns"]["unit"]} == {
        "甲单位": "yellow",
        "乙单位": "red",
    }
    assert feed["headline"]["colour"] == "red"  # 55.0 behind
    wall = _static("cockpit/wall.js")
    assert "C.colourOf(h.gap, d.thresholds)" in wall and "drawLegend(d.thresholds)" in wall
    assert "-30" not in wall and "-10" not in wall
    assert 'id="w-legend-units"' in client.get("/cockpit/wall/").content.decode()
    # Disabled: the defaults colour, and the legend says so.
    rules_update(actor=dispatcher, changes=[RuleChange("pace", False, Decimal(15), Decimal(45))])
    html = client.get("/cockpit/?period=2024-11").content.decode()
    assert "落后 10–30 个百分点" in html and "投资进度预警规则已停用，按默认阈值着色" in html
    th = client.get("/api/cockpit?period=2024-11").json()["thresholds"]
    assert (th["yellow_points"], th["red_points"], th["pace_rule_enabled"]) == ("10", "30", False)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the charts' script")
def test_the_wall_script_colours_as_the_server(world: World, dispatcher: Any) -> None:
    """The wall's colourOf, run on the JSON thresholds, gives each gap the server's colour."""
    from decimal import Decimal

    from xianfeng.cockpit.selectors import colour_of

    gaps = ["5", "0", "-12", "-15", "-20", "-35", "-40", "-40.1", "-90"]
    thresholds = {"yellow_points": "15.0", "red_points": "40.0"}
    script = _static("cockpit/charts.js") + (
        "\nvar th = " + json.dumps(thresholds) + ", gaps = " + json.dumps([*gaps, None]) + ";\n"
        "process.stdout.write(JSON.stringify(gaps.map(function (g) {"
        " return window.XFCockpitCharts.colourOf(g, th); })));\n"
    )
    done = subprocess.run(
        ["node", "-e", "var window = {};\n" + script], capture_output=True, text=True, timeout=60, check=True
    )
    expected = [colour_of(Decimal(g), yellow=Decimal(15), red=Decimal(40)) for g in gaps]
    assert json.loads(done.stdout) == [*expected, "none"]
    assert expected[2:8] == ["green", "yellow", "yellow", "yellow", "yellow", "red"]


def test_the_target_row_calls_the_monte_carlo_figure_a_simulated_mean(world: World, dispatcher: Any) -> None:
    """The year's plan target: its simulated mean in its unit, grouped, beside the SPI forecast."""
    from decimal import Decimal

    from xianfeng.targets.definitions import validate
    from xianfeng.targets.models import Target
    from xianfeng.targets.tasks import recompute

    Target.objects.create(
        code="plan",
        year=2024,
        name="完成年度计划投资",
        owner_unit=world.units["A"],
        start_date=dt.date(2024, 1, 1),
        deadline=dt.date(2024, 12, 31),
        target_value=Decimal("6000"),
        unit_of_measure="万元",
        source="computed",
        definition=validate(
            {"entity": "entries", "measure": "sum", "field": "invested_ytd", "filters": {"year": 2024}}
        ),
    )
    recompute(2024, 11)
    response = client_for(dispatcher).get("/cockpit/?period=2024-11")
    row = response.context["data"].targets[0]
    html = response.content.decode()
    assert "预计到期达到" not in html
    mean = f"{row.expected_value.quantize(Decimal('0.1')):,}".removesuffix(".0")
    assert f"模拟均值 {mean} 万元" in html
    spi = f"{response.context['data'].curve.year_end_forecast.quantize(Decimal('0.1')):,}".removesuffix(".0")
    assert f"年末投资预测（SPI法）{spi} 万元" in html
