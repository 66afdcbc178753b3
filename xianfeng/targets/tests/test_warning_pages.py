"""The warnings and forecast pages, the settings page, the recompute button, the API endpoints and the
background task: status codes, figures on the page and query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xianfeng.notifications.tasks import DAILY_TASKS
from xianfeng.targets.models import ForecastBacktest, ProjectForecast, ProjectSignal, WarningRule
from xianfeng.targets.tasks import recompute, recompute_warnings_and_forecasts
from xianfeng.targets.tests.test_warnings import world  # noqa: F401  (fixture)
from xianfeng.targets.tests.w_world import make_entry, make_report


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def computed(world):  # type: ignore[no-untyped-def]  # noqa: F811
    recompute(2024, 2, targets=False)
    recompute(2024, 3, targets=False)
    return world


def test_warnings_page_lists_reasons_and_counts(computed, dispatcher) -> None:  # type: ignore[no-untyped-def]
    response = client_for(dispatcher).get("/targets/warnings/?period=2024-03")
    assert response.status_code == 200
    page = response.content.decode()
    assert "计划2024年1月开工，截至3月末未开工，已逾期2个月" in page
    assert "2月、3月连续两期未报送" in page
    summary = response.context["summary"]
    assert (summary.red, summary.yellow, summary.green, summary.changed) == (1, 0, 1, 1)
    filtered = client_for(dispatcher).get("/targets/warnings/?period=2024-03&rule=start&colour=yellow")
    assert filtered.context["summary"].red_rows == [] and filtered.context["summary"].yellow_rows == []


def test_warnings_page_query_count_is_fixed(computed, dispatcher, unit_a) -> None:  # type: ignore[no-untyped-def]
    c = client_for(dispatcher)
    c.get("/targets/warnings/?period=2024-03")
    with CaptureQueriesContext(connection) as small:
        assert c.get("/targets/warnings/?period=2024-03").status_code == 200
    period = computed["periods"][3]
    for i in range(4):
        entry = make_entry(unit_a, name=f"落后{i}", planned_investment=Decimal("1200.00"))
        make_report(entry, computed["periods"][2], "0")
        make_report(entry, period, "0")
    recompute(2024, 3, targets=False)
    with CaptureQueriesContext(connection) as large:
        response = c.get("/targets/warnings/?period=2024-03")
    assert response.context["summary"].yellow == 4  # 0 of 1200: 25.0 points behind
    assert len(small.captured_queries) == len(large.captured_queries)


def test_scoping_of_pages(computed, clerk_a, clerk_b, leader_user, auditor) -> None:  # type: ignore[no-untyped-def]
    b_project = computed["b"].project_id
    assert client_for(clerk_a).get("/targets/warnings/?period=2024-03").context["summary"].total == 1
    assert client_for(clerk_a).get(f"/targets/warnings/project/{b_project}/").status_code == 404
    own = client_for(clerk_b).get(f"/targets/warnings/project/{b_project}/")
    assert own.status_code == 200 and [r.colour for r in own.context["rows"]] == ["red", "yellow"]
    assert client_for(leader_user).get(f"/targets/warnings/project/{b_project}/").status_code == 200
    assert client_for(auditor).get("/targets/warnings/").status_code == 403
    assert client_for(leader_user).get("/targets/forecast/?period=2024-03").status_code == 200
    assert Client().get("/targets/warnings/").status_code == 302


def test_forecast_page_figures(computed, dispatcher) -> None:  # type: ignore[no-untyped-def]
    response = client_for(dispatcher).get("/targets/forecast/?period=2024-03")
    assert response.status_code == 200
    forecast = response.context["forecast"]
    # plans 1200 + 600 (linear default, B a new start from January: 150 by March; S-curves by
    # default for continuing and new starts, so compare with the stored per-project figures)
    stored = ProjectForecast.objects.filter(period=computed["periods"][3])
    assert forecast.annual_plan == Decimal("1800.00")
    assert forecast.completed == Decimal("300.00")
    assert forecast.planned_to_date == sum(r.planned_to_date for r in stored)
    assert forecast.year_end == sum(r.year_end for r in stored)
    assert [b.made_month for b in forecast.backtest] == [1, 2]
    assert b"xf-forecast-data" in response.content


def test_recompute_button(world, dispatcher, clerk_a) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert client_for(clerk_a).post("/targets/warnings/recompute/", {"period": "2024-03"}).status_code == 403
    assert (
        client_for(dispatcher).post("/targets/warnings/recompute/", {"period": "2024-09"}).status_code == 404
    )
    response = client_for(dispatcher).post("/targets/warnings/recompute/", {"period": "2024-03"})
    assert response.status_code == 302
    assert ProjectSignal.objects.filter(period=world["periods"][3]).count() == 2
    assert ForecastBacktest.objects.filter(target_month=3, unit__isnull=True).count() == 2


def test_settings_page(dispatcher, clerk_a, leader_user) -> None:  # type: ignore[no-untyped-def]
    assert client_for(clerk_a).get("/targets/warnings/settings/").status_code == 403
    assert client_for(leader_user).get("/targets/warnings/settings/").status_code == 403
    c = client_for(dispatcher)
    assert c.get("/targets/warnings/settings/").status_code == 200
    form = {"what": "rules", "start-enabled": "on", "start-yellow_at": "0", "start-red_at": "3"}
    form |= {"pace-enabled": "on", "pace-yellow_at": "20", "pace-red_at": "10"}
    form |= {"reporting-enabled": "on", "reporting-yellow_at": "1", "reporting-red_at": "2"}
    bad = c.post("/targets/warnings/settings/", form)
    assert bad.status_code == 400
    assert "“投资进度”规则：红灯阈值不能小于黄灯阈值" in bad.content.decode()
    assert c.post("/targets/warnings/settings/", {**form, "pace-red_at": "abc"}).status_code == 400
    ok = c.post("/targets/warnings/settings/", {**form, "pace-red_at": "40"})
    assert ok.status_code == 302
    assert WarningRule.objects.get(rule="pace").red_at == Decimal(40)
    curve = {
        "what": "curve",
        "category": "",
        "kind": "reserve",
        "shape": "s_curve",
        "steepness": "5",
        "midpoint": "0.4",
    }
    assert c.post("/targets/warnings/settings/", curve).status_code == 302


def test_api(computed, dispatcher, clerk_a, auditor) -> None:  # type: ignore[no-untyped-def]
    c = client_for(dispatcher)
    response = c.get("/api/warnings?period=2024-03")
    assert response.status_code == 200
    data = response.json()
    assert (data["red"], data["yellow"], data["green"], data["changed"]) == (1, 0, 1, 1)
    assert data["red_rows"][0]["reasons"][2] == "2月、3月连续两期未报送"
    assert data["changes"][0]["previous_colour"] == "yellow"
    with CaptureQueriesContext(connection) as first:
        c.get("/api/warnings?period=2024-03&kind=new_start")
    with CaptureQueriesContext(connection) as second:
        c.get("/api/warnings?period=2024-03&rule=pace")
    assert len(first.captured_queries) == len(second.captured_queries)
    history = c.get(f"/api/warnings/projects/{computed['b'].project_id}").json()
    assert [h["colour"] for h in history] == ["red", "yellow"]
    assert client_for(clerk_a).get(f"/api/warnings/projects/{computed['b'].project_id}").status_code == 404
    assert client_for(clerk_a).get("/api/warnings?period=2024-03").json()["total"] == 1
    assert client_for(auditor).get("/api/warnings").status_code == 403
    forecast = c.get("/api/forecasts/investment?period=2024-03").json()
    assert (forecast["annual_plan"], forecast["completed"]) == ("1800.00", "300.00")
    assert len(forecast["series"]) == 12 and len(forecast["backtest"]) == 2
    rules = c.get("/api/warnings/rules").json()
    assert {r["rule"]: r["red_at"] for r in rules["rules"]} == {
        "start": "3.0",
        "pace": "30.0",
        "reporting": "2.0",
    }
    assert client_for(clerk_a).get("/api/warnings/rules").status_code == 403


def test_task_command_and_daily_registration(world, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert "预警与预测重算" in DAILY_TASKS
    result = recompute_warnings_and_forecasts.enqueue(day="2024-12-06")
    assert result.return_value["period"] == "2024-03"  # the latest period begun by then
    assert result.return_value["warnings"]["red"] == 1
    call_command("recompute_targets", "--year", "2024", "--month", "2")
    assert ProjectSignal.objects.filter(period=world["periods"][2]).count() == 2
    with pytest.raises(Exception, match="--year 和 --month 须同时给出"):
        call_command("recompute_targets", "--year", "2024")


def test_admin_edits_rules_audited(admin_user, dispatcher) -> None:  # type: ignore[no-untyped-def]
    from xianfeng.audit.models import ChangeRecord

    rule = WarningRule.objects.get(rule="pace")
    assert client_for(dispatcher).get("/admin/targets/warningrule/").status_code == 302
    c = client_for(admin_user)
    assert c.get("/admin/targets/warningrule/").status_code == 200
    url = f"/admin/targets/warningrule/{rule.pk}/change/"
    bad = c.post(url, {"enabled": "on", "yellow_at": "20", "red_at": "10", "note": ""})
    assert bad.status_code == 200 and "红灯阈值不能小于黄灯阈值" in bad.content.decode()
    assert c.post(url, {"enabled": "on", "yellow_at": "15", "red_at": "35", "note": ""}).status_code == 302
    rule.refresh_from_db()
    assert (rule.yellow_at, rule.red_at) == (Decimal(15), Decimal(35))
    assert ChangeRecord.objects.filter(object_id=str(rule.pk), object_type="targets.WarningRule").exists()


def test_project_page_shows_the_latest_light_with_its_reasons(computed, dispatcher, clerk_a) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from xianfeng.targets.selectors import project_warning_links

    project = computed["b"].project
    [link] = project_warning_links(dispatcher, project)
    assert link.url == reverse("targets:warning_history", args=[project.pk])
    assert link.detail.startswith("2024年3月：红灯（") and "2月、3月连续两期未报送" in link.detail
    assert project_warning_links(clerk_a, project) == []  # unit B's project: not clerk A's to see
    page = client_for(dispatcher).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert link.url in page and "红黄绿灯预警" in page


def test_settings_page_words_the_rules_with_their_thresholds_and_says_saved_once(dispatcher) -> None:  # type: ignore[no-untyped-def]
    """The rule's words follow its thresholds (the stored note said 10–30 after a change to 15),
    and the saved message shows once (the base template shows messages already)."""
    c = client_for(dispatcher)
    page = c.get("/targets/warnings/settings/").content.decode()
    assert "落后时间进度10–30个百分点为黄灯，超过30个百分点为红灯" in page
    assert "计划开工月末未开工为黄灯，逾期3个月及以上为红灯" in page
    assert "逾期报送或本期未报为黄灯，连续2期未报为红灯" in page
    form = {"what": "rules", "start-enabled": "on", "start-yellow_at": "1", "start-red_at": "4"}
    form |= {"pace-enabled": "on", "pace-yellow_at": "15", "pace-red_at": "30"}
    form |= {"reporting-yellow_at": "2", "reporting-red_at": "3"}
    saved = c.post("/targets/warnings/settings/", form, follow=True).content.decode()
    assert saved.count("已保存预警规则（3 条有变化），重新计算后生效") == 1
    assert "落后时间进度15–30个百分点为黄灯，超过30个百分点为红灯" in saved
    assert "10–30" not in saved
    assert "逾期1个月及以上未开工为黄灯，逾期4个月及以上为红灯" in saved
    assert "逾期报送或连续2期未报为黄灯，连续3期未报为红灯（已停用）" in saved


def test_recompute_message_shows_once(world, dispatcher) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = client_for(dispatcher).post("/targets/warnings/recompute/", {"period": "2024-03"}, follow=True)
    assert page.content.decode().count("已提交2024年3月预警与预测的重新计算") == 1


def test_warnings_page_legend_follows_the_rules(computed, dispatcher, clerk_a) -> None:  # type: ignore[no-untyped-def]
    from xianfeng.targets.models import WarningRule

    page = client_for(clerk_a).get("/targets/warnings/?period=2024-03").content.decode()
    assert "投资进度——落后时间进度10–30个百分点为黄灯，超过30个百分点为红灯" in page
    WarningRule.objects.filter(rule="pace").update(yellow_at=Decimal(15), red_at=Decimal(40))
    page = client_for(dispatcher).get("/targets/warnings/?period=2024-03").content.decode()
    assert "投资进度——落后时间进度15–40个百分点为黄灯，超过40个百分点为红灯" in page and "10–30" not in page
