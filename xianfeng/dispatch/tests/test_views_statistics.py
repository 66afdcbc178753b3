"""The statistics page, its API and the bulletin pages: who may see what, and the figures shown."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from xianfeng.dispatch.models import Bulletin
from xianfeng.dispatch.selectors import period_unit_progress
from xianfeng.dispatch.statistics import period_statistics
from xianfeng.dispatch.tests.stats_world import World, build_world, make_report
from xianfeng.org.services import api_token_create
from xianfeng.projects.choices import Kind
from xianfeng.tests.assets import asset_urls, external_assets
from xianfeng.tests.factories import PASSWORD, ProgrammeEntryFactory, ProjectFactory

URL = "/dispatch/statistics/"
API = "/api/dispatch/statistics"


@pytest.fixture
def world(unit_a: Any, unit_b: Any) -> World:
    return build_world(unit_a, unit_b)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# ---------------------------------------------------------------- the page


def test_url_names() -> None:
    assert reverse("dispatch:statistics") == URL
    assert reverse("dispatch:bulletins") == "/dispatch/bulletins/"
    assert reverse("dispatch:bulletin_download", args=[3, "docx"]) == "/dispatch/bulletins/3.docx"


def test_dispatcher_sees_the_district(world: World, dispatcher: Any) -> None:
    response = login(dispatcher).get(URL)
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats.period == world.periods[11]  # the latest month that has ended
    assert stats.scope == "district"
    page = response.content.decode()
    assert "崂山区重点项目调度统计" in page
    assert "0.22" in page and "36.7%" in page and "-55.0" in page  # completed (亿元), rate, gap
    assert "33.3%" in page  # start rate
    assert "项目P3" in page and "项目P5" in page  # late new starts
    assert "乙单位" in page
    assert "生成2024年11月调度通报" in page
    # ECharts from static/vendor, never a CDN; the chart data in a JSON block.
    assert "/static/vendor/echarts-5.6.0/echarts.min.js" in page
    assert asset_urls(page) and external_assets(page) == []
    data = json.loads(page.split('id="xf-stat-data" type="application/json">')[1].split("</script>")[0])
    assert data["time_progress"] == 91.7
    assert data["category"]["labels"][-1] == "全部项目" and data["category"]["rates"][-1] == 36.7
    assert data["starts"]["due"][-1] == 3 and data["starts"]["started"][-1] == 1


def test_leader_sees_the_district_without_the_generate_button(world: World, leader_user: Any) -> None:
    response = login(leader_user).get(URL)
    assert response.status_code == 200
    assert response.context["stats"].total.count == 6
    page = response.content.decode()
    assert "生成2024年11月调度通报" not in page
    assert "历期通报" in page


def test_unit_user_sees_own_unit(world: World, clerk_a: Any, reviewer_a: Any) -> None:
    for user in (clerk_a, reviewer_a):
        response = login(user).get(URL)
        assert response.status_code == 200
        stats = response.context["stats"]
        assert stats.scope == "unit" and stats.total.count == 3
        page = response.content.decode()
        assert "甲单位调度统计" in page
        assert "乙单位" not in page
        assert "项目P5" not in page and "项目P4" not in page
        assert "历期通报" not in page


@pytest.mark.parametrize("who", ["admin_user", "auditor"])
def test_admin_and_auditor_get_403(world: World, who: str, request: Any) -> None:
    assert login(request.getfixturevalue(who)).get(URL).status_code == 403


def test_anonymous_is_sent_to_login(world: World) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_period_selector(world: World, dispatcher: Any) -> None:
    client = login(dispatcher)
    october = client.get(URL, {"period": "2024-10"})
    assert october.status_code == 200
    assert october.context["stats"].total.invested_ytd == 1250
    assert october.context["stats"].time_progress == Decimal("83.3")
    september = client.get(URL, {"year": "2024", "month": "9"})
    assert september.context["stats"].total.invested_ytd == 900
    assert client.get(URL, {"period": "2024-05"}).status_code == 404
    assert client.get(URL, {"period": "nonsense"}).status_code == 404
    assert client.get(URL, {"year": "x", "month": "1"}).status_code == 404
    page = october.content.decode()
    assert '<option value="2024-10" selected>' in page


def test_no_period_yet(db: Any, dispatcher: Any) -> None:
    response = login(dispatcher).get(URL)
    assert response.status_code == 200
    assert "dispatch/no_period.html" in [t.name for t in response.templates]


def test_page_queries_do_not_grow_with_the_programme(world: World, dispatcher: Any, unit_a: Any) -> None:
    client = login(dispatcher)
    client.get(URL)  # warm: session, templates

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(25):
        entry = ProgrammeEntryFactory(
            project=ProjectFactory(lead_unit=unit_a, name=f"加{i}"),
            kind=Kind.NEW_START,
            planned_start_month=i % 11 + 1,
        )
        make_report(entry, world.periods[11], "5", "5", "accepted", late=i % 2 == 0)
    assert count() == before


def test_reporting_counts_equal_the_period_pages(world: World, dispatcher: Any) -> None:
    """The page's submission counts are the ones the period detail page shows."""
    for month in (9, 10, 11):
        period = world.periods[month]
        mine = {
            (r.unit_id, r.due, r.handed_in, r.late, r.missing)
            for r in period_statistics(user=dispatcher, period=period).reporting
        }
        theirs = {
            (u.unit.pk, u.due, u.handed_in, u.late, u.missing) for u in period_unit_progress(period=period)
        }
        assert mine == theirs


# ---------------------------------------------------------------- the API


def test_api_statistics(world: World, dispatcher: Any) -> None:
    client = login(dispatcher)
    response = client.get(API, {"year": 2024, "month": 11})
    assert response.status_code == 200
    data = response.json()
    expected = period_statistics(user=dispatcher, period=world.periods[11]).as_dict()
    assert data["period"]["key"] == "2024-11"
    assert data["total"]["count"] == 6
    assert data["total"]["invested_ytd"] == "2200.00"
    assert data["total"]["completion_rate"] == "36.7"
    assert data["total"]["gap"] == "-55.0"
    assert data["time_progress"] == "91.7"
    assert [r["label"] for r in data["by_unit"]] == ["甲单位", "乙单位"]
    assert [r["name"] for r in data["late_starts"]] == [r["name"] for r in expected["late_starts"]]
    assert data["reporting_total"]["submission_rate"] == "66.7"
    assert client.get(API).json()["period"]["key"] == "2024-11"
    assert client.get(API, {"year": 2024, "month": 10}).json()["total"]["completion_rate"] == "20.8"


def test_api_scopes_and_errors(world: World, clerk_a: Any, auditor: Any) -> None:
    own = login(clerk_a).get(API).json()
    assert own["scope"] == "unit" and own["total"]["count"] == 3
    assert [r["label"] for r in own["reporting"]] == ["甲单位"]
    assert login(auditor).get(API).status_code == 403
    assert Client().get(API).status_code == 401
    assert login(clerk_a).get(API, {"year": 2024, "month": 3}).status_code == 404
    assert login(clerk_a).get(API, {"year": 2024, "month": "x"}).status_code == 422


def test_api_with_a_token(world: World, leader_user: Any) -> None:
    _token, key = api_token_create(user=leader_user, name="统计")
    response = Client().get(API, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["scope"] == "district"


# ---------------------------------------------------------------- the bulletin pages


def test_dispatcher_generates_and_leader_downloads(
    world: World, dispatcher: Any, leader_user: Any, media: Any
) -> None:
    client = login(dispatcher)
    response = client.post(reverse("dispatch:bulletin_create"), {"period": "2024-11"})
    assert response.status_code == 302
    item = Bulletin.objects.get()
    assert item.title == "崂山区重点项目建设调度通报（2024年第11期）"
    assert response["Location"].endswith(f"#bulletin-{item.pk}")
    listing = client.get(reverse("dispatch:bulletins"))
    assert listing.status_code == 200 and item.title in listing.content.decode()

    leader = login(leader_user)
    assert leader.get(reverse("dispatch:bulletins")).status_code == 200
    download = leader.get(reverse("dispatch:bulletin_download", args=[item.pk, "docx"]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in download["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert "截至11月底，全区6个重点项目累计完成投资0.22亿元" in "\n".join(p.text for p in document.paragraphs)
    xlsx = leader.get(reverse("dispatch:bulletin_download", args=[item.pk, "xlsx"]))
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert leader.get(reverse("dispatch:bulletin_download", args=[item.pk, "pdf"])).status_code == 404
    assert leader.get(reverse("dispatch:bulletin_download", args=[item.pk + 99, "docx"])).status_code == 404
    # The statistics page offers the latest one.
    page = leader.get(URL).content.decode()
    assert reverse("dispatch:bulletin_download", args=[item.pk, "docx"]) in page


def test_generate_with_number_issuer_and_date(world: World, dispatcher: Any, media: Any) -> None:
    client = login(dispatcher)
    data = {"period": "2024-10", "number": "10", "issuer": "区发展和改革局", "issued_on": "2024-11-12"}
    assert client.post(reverse("dispatch:bulletin_create"), data).status_code == 302
    item = Bulletin.objects.get()
    assert (item.period, item.number, item.issuer, item.issued_on) == (
        world.periods[10],
        10,
        "区发展和改革局",
        dt.date(2024, 11, 12),
    )
    bad = client.post(reverse("dispatch:bulletin_create"), {"period": "2024-10", "number": "十"}, follow=True)
    assert "期号应为数字" in bad.content.decode()
    bad = client.post(reverse("dispatch:bulletin_create"), {"period": "2024-10", "number": "0"}, follow=True)
    assert "期号应为 1–99" in bad.content.decode()
    bad = client.post(
        reverse("dispatch:bulletin_create"), {"period": "2024-10", "issued_on": "昨天"}, follow=True
    )
    assert "印发日期应写作" in bad.content.decode()
    assert client.post(reverse("dispatch:bulletin_create"), {"period": "2024-04"}).status_code == 404
    assert Bulletin.objects.count() == 1


def test_who_may_not_generate_or_read(
    world: World, dispatcher: Any, leader_user: Any, clerk_a: Any, reviewer_a: Any, auditor: Any, media: Any
) -> None:
    login(dispatcher).post(reverse("dispatch:bulletin_create"), {"period": "2024-11"})
    item = Bulletin.objects.get()
    assert (
        login(leader_user).post(reverse("dispatch:bulletin_create"), {"period": "2024-11"}).status_code == 403
    )
    for user in (clerk_a, reviewer_a, auditor):
        client = login(user)
        assert client.get(reverse("dispatch:bulletins")).status_code == 403
        assert client.get(reverse("dispatch:bulletin_download", args=[item.pk, "docx"])).status_code == 403
        assert client.post(reverse("dispatch:bulletin_create"), {"period": "2024-11"}).status_code == 403
    assert Bulletin.objects.count() == 1
    assert Client().get(reverse("dispatch:bulletins")).status_code == 302


def test_bulletin_list_without_periods(db: Any, dispatcher: Any) -> None:
    response = login(dispatcher).get(reverse("dispatch:bulletins"))
    assert response.status_code == 200
    assert "还没有生成过调度通报" in response.content.decode()


def test_statistics_tab_in_the_dispatch_nav(world: World, dispatcher: Any) -> None:
    page = login(dispatcher).get(reverse("dispatch:periods")).content.decode()
    assert URL in page and "/dispatch/bulletins/" in page
