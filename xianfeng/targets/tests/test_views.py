"""Pages and API of the targets for every role; the board's query count."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xianfeng.targets import selectors, services
from xianfeng.targets.choices import Source
from xianfeng.targets.models import Target, TargetValue
from xianfeng.targets.tests.world import NEW_STARTS_H1, period

pytestmark = pytest.mark.django_db


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def targets(programme, unit_a, dispatcher) -> dict[str, Target]:
    period(2024, 11, dispatcher)
    h1 = services.target_create(
        actor=dispatcher,
        fields={
            "code": "h1",
            "year": 2024,
            "name": "新开工上半年全部开工",
            "owner_unit": unit_a,
            "start_date": dt.date(2024, 1, 1),
            "deadline": dt.date(2024, 6, 30),
            "unit_of_measure": "个",
            "target_value": Decimal(1),
            "source": Source.COMPUTED,
            "definition": NEW_STARTS_H1,
        },
    )
    parks = services.target_create(
        actor=dispatcher,
        fields={
            "code": "parks",
            "year": 2024,
            "name": "口袋公园10处",
            "owner_unit": unit_a,
            "start_date": dt.date(2024, 1, 1),
            "deadline": dt.date(2024, 12, 31),
            "unit_of_measure": "处",
            "target_value": Decimal(10),
            "source": Source.MANUAL,
        },
    )
    return {"h1": h1, "parks": parks}


def test_pages_by_role(
    targets, dispatcher, leader_user, clerk_a, clerk_b, reviewer_a, admin_user, auditor
) -> None:
    h1, parks = targets["h1"], targets["parks"]
    assert client().get("/targets/").status_code == 302
    for user in (admin_user, auditor):
        assert client(user).get("/targets/").status_code == 403
        assert client(user).get(f"/targets/{h1.pk}/").status_code == 403
    for user in (dispatcher, leader_user, clerk_a, clerk_b, reviewer_a):
        page = client(user).get("/targets/?period=2024-11")
        assert page.status_code == 200
        assert "新开工上半年全部开工" in page.content.decode()
        detail = client(user).get(f"/targets/{h1.pk}/?period=2024-11").content.decode()
        assert "1 <small" in detail and "25.0%" in detail and "未完成" in detail
    assert client(dispatcher).get("/targets/new/").status_code == 200
    assert client(dispatcher).get(f"/targets/{h1.pk}/edit/").status_code == 200
    for user in (leader_user, clerk_a):
        assert client(user).get("/targets/new/").status_code == 403
        assert client(user).get(f"/targets/{h1.pk}/edit/").status_code == 403
    assert client(clerk_a).get(f"/targets/{parks.pk}/report/").status_code == 200
    assert client(reviewer_a).get(f"/targets/{parks.pk}/report/").status_code == 200
    assert client(clerk_b).get(f"/targets/{parks.pk}/report/").status_code == 403
    assert client(leader_user).get(f"/targets/{parks.pk}/report/").status_code == 403
    assert client(dispatcher).get("/targets/999999/").status_code == 404


def test_report_page_and_create_page(targets, clerk_a, dispatcher, unit_a) -> None:
    parks = targets["parks"]
    response = client(clerk_a).post(
        f"/targets/{parks.pk}/report/", {"year": 2024, "month": 11, "value": "-2"}
    )
    assert response.status_code == 200 and "累计完成值不能为负数" in response.content.decode()
    response = client(clerk_a).post(
        f"/targets/{parks.pk}/report/", {"year": 2024, "month": 11, "value": "6", "evidence": "验收单"}
    )
    assert response.status_code == 302
    assert TargetValue.objects.get(target=parks, month=11).value == 6
    detail = client(clerk_a).get(f"/targets/{parks.pk}/?period=2024-11").content.decode()
    assert "累计完成值：— → 6" in detail and "验收单" in detail  # the history, in words
    data = {
        "code": "q3",
        "year": 2024,
        "name": "新开工三季度全部开工",
        "owner_unit": unit_a.pk,
        "start_date": "2024-01-01",
        "deadline": "2024-09-30",
        "unit_of_measure": "个",
        "baseline_value": "0",
        "source": "computed",
        "curve": "linear",
        "at_risk_margin": "10",
        "order": "3",
        "d_entity": "entries",
        "d_measure": "count",
        "d_year": "2024",
        "d_kind": ["new_start"],
        "d_date_field": "actual_start",
        "d_on_or_before": "2024-09-30",
        "d_target_all": "on",
    }
    response = client(dispatcher).post("/targets/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    q3 = Target.objects.get(code="q3")
    assert q3.definition["filters"] == {"year": 2024, "kind": ["new_start"]} and q3.target_value == 4
    bad = client(dispatcher).post("/targets/new/", {**data, "code": "q4", "d_level": ["x"]})
    assert bad.status_code == 200 and not Target.objects.filter(code="q4").exists()


def test_board_query_count(targets, dispatcher, unit_a) -> None:
    c = client(dispatcher)
    c.get("/targets/?period=2024-11")
    with CaptureQueriesContext(connection) as first:
        assert c.get("/targets/?period=2024-11").status_code == 200
    for i in range(5):  # more manual targets cost no more queries
        services.target_create(
            actor=dispatcher,
            fields={
                "code": f"m{i}",
                "year": 2024,
                "name": f"手填{i}",
                "owner_unit": unit_a,
                "start_date": dt.date(2024, 1, 1),
                "deadline": dt.date(2024, 12, 31),
                "unit_of_measure": "个",
                "target_value": Decimal(5),
                "source": Source.MANUAL,
            },
        )
    with CaptureQueriesContext(connection) as second:
        assert c.get("/targets/?period=2024-11").status_code == 200
    assert len(second) == len(first) == 10  # incl. the count of archived targets for the link


def test_api(targets, dispatcher, clerk_a, clerk_b, leader_user, admin_user, unit_a) -> None:
    h1, parks = targets["h1"], targets["parks"]
    assert client().get("/api/targets").status_code == 401
    assert client(admin_user).get("/api/targets").status_code == 403
    rows = client(leader_user).get("/api/targets?period=2024-11").json()
    row = next(r for r in rows if r["target"]["code"] == "h1")
    assert (row["current"], row["target_value"], row["progress_percent"], row["status"]) == (
        "1",
        "4",
        "25.0",
        "missed",
    )
    assert row["threat_count"] == 3
    detail = client(clerk_b).get(f"/api/targets/{h1.pk}?period=2024-11").json()
    assert [t["project_name"] for t in detail["threats"]] == ["乙三"]
    assert client(clerk_a).get("/api/targets?period=2024-13").status_code == 422
    body = {
        "code": "api",
        "year": 2024,
        "name": "接口目标",
        "owner_unit_id": unit_a.pk,
        "start_date": "2024-01-01",
        "deadline": "2024-12-31",
        "unit_of_measure": "个",
        "target_value": "0",
        "source": "manual",
    }
    assert (
        client(clerk_a).post("/api/targets", json.dumps(body), content_type="application/json").status_code
        == 403
    )
    response = client(dispatcher).post("/api/targets", json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["message"] == "目标值不能为 0"
    response = client(dispatcher).post(
        "/api/targets", json.dumps({**body, "target_value": "8"}), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["version"] == 1
    pk = response.json()["id"]
    put = client(dispatcher).put(
        f"/api/targets/{pk}",
        json.dumps({**body, "target_value": "9", "version": 1}),
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["version"] == 2
    stale = client(dispatcher).put(
        f"/api/targets/{pk}",
        json.dumps({**body, "target_value": "7", "version": 1}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    url = f"/api/targets/{parks.pk}/values"
    assert client(clerk_b).post(url, {"year": 2024, "month": 11, "value": "3"}).status_code == 403
    assert client(clerk_a).post(url, {"year": 2024, "month": 11, "value": "-3"}).status_code == 422
    ok = client(clerk_a).post(url, {"year": 2024, "month": 11, "value": "3", "evidence": "台账"})
    assert ok.status_code == 200 and Decimal(ok.json()["value"]) == 3
    assert client(leader_user).get(url).json()[0]["evidence"] == "台账"
    services.target_forecasts_recompute(2024, 11)
    forecasts = client(leader_user).get("/api/targets/forecasts?period=2024-11").json()
    assert {f["code"] for f in forecasts} >= {"h1", "parks"}


def test_dispatcher_archives_a_target_with_a_reason(targets, dispatcher, clerk_a, leader_user) -> None:
    from xianfeng.audit.models import ChangeRecord

    parks = targets["parks"]
    url = f"/targets/{parks.pk}/archive/"
    assert client(dispatcher).get(url).status_code == 405
    assert client(clerk_a).post(url, {"reason": "合并"}).status_code == 403
    assert client(leader_user).post(url, {"reason": "合并"}).status_code == 403
    response = client(dispatcher).post(url, {"reason": "  "}, follow=True)
    assert "请说明归档原因" in response.content.decode()
    parks.refresh_from_db()
    assert parks.archived_at is None

    response = client(dispatcher).post(url, {"reason": "并入全区城市更新目标"})
    assert response.status_code == 302 and response["Location"] == "/targets/"
    parks.refresh_from_db()
    assert parks.archived_at is not None and parks.version == 2
    record = ChangeRecord.objects.filter(object_id=str(parks.pk), reason="并入全区城市更新目标").get()
    assert record.actor == dispatcher
    board = client(dispatcher).get("/targets/").content.decode()
    assert "口袋公园10处" not in board
    detail = client(dispatcher).get(f"/targets/{parks.pk}/").content.decode()
    assert "归档，不再列入目标任务和驾驶舱" in detail and f"/targets/{parks.pk}/edit/" not in detail
    again = client(dispatcher).post(url, {"reason": "再次"}, follow=True).content.decode()
    assert "该目标已于" in again


def test_dispatcher_restores_an_archived_target(targets, dispatcher, clerk_a, leader_user) -> None:
    from xianfeng.audit.choices import ChangeAction
    from xianfeng.audit.models import ChangeRecord

    parks = targets["parks"]
    assert "已归档" not in client(dispatcher).get("/targets/").content.decode()
    client(dispatcher).post(f"/targets/{parks.pk}/archive/", {"reason": "并入全区城市更新目标"})
    board = client(dispatcher).get("/targets/").content.decode()
    assert "已归档 1" in board and "/targets/archived/?year=2024" in board

    listing = client(dispatcher).get("/targets/archived/?year=2024").content.decode()
    assert (
        "口袋公园10处" in listing
        and "并入全区城市更新目标" in listing
        and (dispatcher.get_full_name() or dispatcher.username) in listing
    )
    assert f"/targets/{parks.pk}/restore/" in listing
    seen_by_leader = client(leader_user).get("/targets/archived/").content.decode()
    assert "口袋公园10处" in seen_by_leader and "/restore/" not in seen_by_leader
    assert "没有已归档的目标" in client(dispatcher).get("/targets/archived/?year=2023").content.decode()

    url = f"/targets/{parks.pk}/restore/"
    assert client(dispatcher).get(url).status_code == 405
    assert client(clerk_a).post(url, {"reason": "恢复"}).status_code == 403
    assert client(leader_user).post(url, {"reason": "恢复"}).status_code == 403
    blank = client(dispatcher).post(url, {"reason": " "}, follow=True).content.decode()
    assert "请说明恢复原因" in blank
    parks.refresh_from_db()
    assert parks.archived_at is not None and parks.version == 2

    response = client(dispatcher).post(url, {"reason": "市里重新下达"})
    assert response.status_code == 302 and response["Location"] == f"/targets/{parks.pk}/"
    parks.refresh_from_db()
    assert parks.archived_at is None and parks.version == 3
    record = ChangeRecord.objects.get(object_id=str(parks.pk), action=ChangeAction.RESTORE)
    assert record.actor == dispatcher and record.reason == "市里重新下达"
    assert "口袋公园10处" in client(dispatcher).get("/targets/").content.decode()
    again = client(dispatcher).post(url, {"reason": "再次"}, follow=True).content.decode()
    assert "该目标未归档，无需恢复" in again


def test_archive_and_restore_through_the_api(targets, dispatcher, clerk_a) -> None:
    parks = targets["parks"]
    api = client(dispatcher)
    assert (
        client(clerk_a)
        .post(f"/api/targets/{parks.pk}/archive", {"reason": "合并"}, content_type="application/json")
        .status_code
        == 403
    )
    bad = api.post(f"/api/targets/{parks.pk}/archive", {"reason": ""}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["message"] == "请说明归档原因"
    ok = api.post(f"/api/targets/{parks.pk}/archive", {"reason": "合并"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["archived_at"] is not None
    listed = api.get("/api/targets/archived?year=2024").json()
    assert [(row["target"]["code"], row["reason"]) for row in listed] == [("parks", "合并")]
    assert "parks" not in {row["target"]["code"] for row in api.get("/api/targets?period=2024-11").json()}
    back = api.post(f"/api/targets/{parks.pk}/restore", {"reason": "恢复"}, content_type="application/json")
    assert back.status_code == 200 and back.json()["archived_at"] is None
    assert api.get("/api/targets/archived").json() == []


def test_detail_words_the_gap_and_a_settled_forecast(targets, dispatcher) -> None:
    h1 = targets["h1"]
    services.target_forecasts_recompute(2024, 11)
    progress = selectors.target_progress(user=dispatcher, target=h1, as_of=dt.date(2024, 11, 30))
    assert progress.gap_points is not None and progress.gap_points < 0
    page = client(dispatcher).get(f"/targets/{h1.pk}/?period=2024-11").content.decode()
    # The deadline has passed: the forecast is the actual value, not a simulation of one run.
    assert f"落后 {-progress.gap_points} 个百分点" in page and "差 -" not in page
    assert "按实际值：未达成" in page and "未模拟" in page and "模拟 1 次" not in page
    board = client(dispatcher).get("/targets/?period=2024-11").content.decode()
    assert "按实际值：未达成" in board


def test_the_form_shows_the_dates_it_edits(targets, dispatcher) -> None:
    """A date input takes only ISO dates: in Chinese the dates were rendered 2024/01/01, which the
    browser shows as an empty field (saving the edit form then failed for want of dates)."""
    new = client(dispatcher).get("/targets/new/").content.decode()
    assert 'name="start_date" value="2024-01-01"' in new and 'name="deadline" value="2024-12-31"' in new
    edit = client(dispatcher).get(f"/targets/{targets['h1'].pk}/edit/").content.decode()
    assert 'name="start_date" value="2024-01-01"' in edit and 'name="deadline" value="2024-06-30"' in edit
    assert 'name="d_on_or_before" value="2024-06-30"' in edit
    assert "2024/01/01" not in edit


FORM = {
    "code": "bad",
    "year": 2024,
    "name": "测试目标",
    "start_date": "2024-12-31",
    "deadline": "2024-01-01",
    "unit_of_measure": "个",
    "baseline_value": "0",
    "target_value": "0",
    "source": "computed",
    "curve": "linear",
    "at_risk_margin": "10",
    "order": "0",
    "d_entity": "entries",
    "d_measure": "count",
    "d_year": "2024",
    "d_date_field": "actual_start",
}


def test_the_form_names_every_mistake_at_once_next_to_its_field(targets, dispatcher, unit_a) -> None:
    response = client(dispatcher).post("/targets/new/", {**FORM, "owner_unit": unit_a.pk})
    assert response.status_code == 200 and not Target.objects.filter(code="bad").exists()
    form = response.context["form"]
    assert form.errors["deadline"] == ["完成时限 2024-01-01 早于起算日期 2024-12-31"]
    assert form.errors["target_value"] == ["目标值不能为 0"]
    assert form.errors["d_on_or_before"] == ["选了日期条件，请填写此日期"]
    assert "on_or_before）" not in response.content.decode()  # not the definition's JSON key


def test_the_services_messages_sit_at_their_fields(targets, dispatcher, unit_a) -> None:
    data = {
        **FORM,
        "owner_unit": unit_a.pk,
        "start_date": "2024-01-01",
        "deadline": "2024-12-31",
        "target_value": "100",
        "source": "manual",
        "min_value": "50",
        "max_value": "10",
    }
    response = client(dispatcher).post("/targets/new/", data)
    assert response.status_code == 200 and not Target.objects.filter(code="bad").exists()
    assert response.context["form"].errors["max_value"] == ["允许最大值小于允许最小值"]
    assert "max_value：" not in response.content.decode()


def test_detail_calls_the_monte_carlo_figure_a_simulated_mean(targets, dispatcher, unit_a) -> None:
    """'预计完成值' beside the SPI year-end forecast read as a second forecast of the same thing: the
    figure is now named for what it is, in the target's unit, grouped; the year's plan target
    links to the SPI forecast; a settled forecast (not simulated) keeps its own words."""
    plan = services.target_create(
        actor=dispatcher,
        fields={
            "code": "plan",
            "year": 2024,
            "name": "完成年度计划投资",
            "owner_unit": unit_a,
            "start_date": dt.date(2024, 1, 1),
            "deadline": dt.date(2024, 12, 31),
            "unit_of_measure": "万元",
            "target_value": Decimal(1000000),
            "source": Source.COMPUTED,
            "definition": {
                "entity": "entries",
                "measure": "sum",
                "field": "invested_ytd",
                "filters": {"year": 2024},
            },
        },
    )
    services.target_forecasts_recompute(2024, 11)
    progress = selectors.target_progress(user=dispatcher, target=plan, as_of=dt.date(2024, 11, 30))
    assert progress.forecast is not None and progress.forecast.samples > 1
    assert selectors.is_year_plan_target(plan) and not selectors.is_year_plan_target(targets["h1"])
    page = client(dispatcher).get(f"/targets/{plan.pk}/?period=2024-11").content.decode()
    mean = f"{progress.forecast.expected_value:,.2f}"  # as floatformat:"-2g" writes it
    assert f"模拟均值 {mean} 万元" in page and "预计完成值" not in page
    assert 'href="/targets/forecast/?period=2024-11">对照：年末投资预测（SPI法）' in page
    settled = client(dispatcher).get(f"/targets/{targets['h1'].pk}/?period=2024-11").content.decode()
    assert "预计完成值 1 个 · 未模拟" in settled and "模拟均值" not in settled and "SPI法" not in settled
