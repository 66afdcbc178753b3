"""The registry list: filters, sorting, totals, paging, scoping and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.views import PAGE_SIZE
from xianfeng.tests.factories import (
    ChainFactory,
    DepartmentFactory,
    LeaderFactory,
    ParkFactory,
    ProgrammeEntryFactory,
    ProjectFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse("projects:list")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in response.context["rows"]]


@pytest.fixture
def programme(unit_a, unit_b):  # type: ignore[no-untyped-def]
    """Four projects in 2024 (one archived, one only in 2023) with hand-chosen amounts."""
    street = RegionFactory(name="沙子口街道")
    chain = ChainFactory(name="虚拟现实")
    leader = LeaderFactory(name="王区长")
    rows = [
        (
            "虚拟现实产业园",
            unit_a,
            "30000.00",
            Kind.NEW_START,
            Level.PROVINCE,
            "12000.50",
            1,
            Category.INDUSTRY,
        ),
        (
            "崂山湾社区医院",
            unit_a,
            "8000.00",
            Kind.CONTINUING,
            Level.DISTRICT,
            "3000.25",
            2,
            Category.LIVELIHOOD,
        ),
        ("海洋大学科创中心", unit_b, "150000.00", Kind.RESERVE, Level.CITY, "500.00", 3, Category.INDUSTRY),
    ]
    made = {}
    for name, unit, total, kind, level, planned, serial, category in rows:
        project = ProjectFactory(
            name=name,
            lead_unit=unit,
            total_investment=Decimal(total),
            category=category,
            street=street if unit == unit_a else None,
            chain=chain if "虚拟" in name else None,
            leader=leader if unit == unit_b else None,
            search_text=f"{name} xnxcyy" if "虚拟" in name else name,
        )
        ProgrammeEntryFactory(
            project=project,
            year=2024,
            kind=kind,
            level=level,
            planned_investment=Decimal(planned),
            serial=serial,
        )
        made[name] = project
    archived = ProjectFactory(
        name="已撤销的项目", lead_unit=unit_a, archived_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    )
    ProgrammeEntryFactory(project=archived, year=2024, serial=4)
    old = ProjectFactory(name="去年的项目", lead_unit=unit_a, total_investment=Decimal("1.00"))
    ProgrammeEntryFactory(project=old, year=2023, serial=1)
    return made


def test_default_year_is_latest_and_totals_are_hand_computed(dispatcher, programme) -> None:
    response = client_for(dispatcher).get(LIST)
    assert response.status_code == 200
    assert response.context["filters"].year == 2024
    assert names(response) == ["虚拟现实产业园", "崂山湾社区医院", "海洋大学科创中心"]
    totals = response.context["totals"]
    assert totals["count"] == 3
    assert totals["total_investment"] == Decimal("188000.00")  # 30000 + 8000 + 150000
    assert totals["planned_investment"] == Decimal("15500.75")  # 12000.50 + 3000.25 + 500
    assert response.context["total_investment_yi"] == Decimal("18.80")
    assert response.context["planned_investment_yi"] == Decimal("1.55")
    html = response.content.decode()
    assert "188,000.00" in html and "15,500.75" in html and "18.80" in html
    # The columns of the familiar dispatch sheet.
    for header in [
        "序号",
        "项目名称",
        "项目代码",
        "建设性质",
        "级别",
        "年度计划投资",
        "计划开工",
        "责任单位",
        "包联领导",
    ]:
        assert header in html
    assert "新开工" in html and "省重点" in html


def test_filters_narrow_the_list_and_totals(dispatcher, programme, unit_b) -> None:
    client = client_for(dispatcher)
    assert names(client.get(LIST, {"kind": Kind.CONTINUING})) == ["崂山湾社区医院"]
    assert names(client.get(LIST, {"level": Level.CITY})) == ["海洋大学科创中心"]
    assert names(client.get(LIST, {"unit": unit_b.pk})) == ["海洋大学科创中心"]
    assert names(client.get(LIST, {"category": Category.LIVELIHOOD})) == ["崂山湾社区医院"]
    response = client.get(LIST, {"unit": programme["虚拟现实产业园"].lead_unit_id})
    assert response.context["totals"]["total_investment"] == Decimal("38000.00")
    # Pinyin initials and Chinese substrings both find a project.
    assert names(client.get(LIST, {"q": "xnxcyy"})) == ["虚拟现实产业园"]
    assert names(client.get(LIST, {"q": "社区"})) == ["崂山湾社区医院"]
    assert names(client.get(LIST, {"year": "2023"})) == ["去年的项目"]
    assert len(names(client.get(LIST, {"year": ""}))) == 4  # every year, still without the archived one


def test_archived_toggle(dispatcher, programme) -> None:
    response = client_for(dispatcher).get(LIST, {"archived": "1"})
    assert names(response) == ["已撤销的项目"]


def test_bad_filter_values_are_reported_not_500(dispatcher, programme) -> None:
    response = client_for(dispatcher).get(LIST, {"unit": "abc", "year": "99999", "sort": "nonsense"})
    assert response.status_code == 200
    assert "unit" in response.context["filters"].errors
    assert "不是有效的编号" in response.content.decode()


def test_sorting_by_header(dispatcher, programme) -> None:
    client = client_for(dispatcher)
    assert names(client.get(LIST, {"sort": "investment"}))[0] == "崂山湾社区医院"
    assert names(client.get(LIST, {"sort": "-investment"}))[0] == "海洋大学科创中心"
    assert names(client.get(LIST, {"sort": "-planned"}))[0] == "虚拟现实产业园"
    response = client.get(LIST, {"sort": "investment", "kind": Kind.RESERVE})
    header = response.context["sort_headers"]["investment"]
    assert (
        header["state"] == "asc"
        and "sort=-investment" in header["query"]
        and "kind=reserve" in header["query"]
    )


@pytest.fixture
def rated(unit_a):  # type: ignore[no-untyped-def]
    """A 2024 programme whose completion was hand-chosen: 62.5 %, 10.0 %, no plan, 100.0 %."""
    for name, planned, invested in [
        ("虚拟现实产业园", "1200.00", "750.00"),
        ("崂山湾社区医院", "1000.00", "100.00"),
        ("张村河生态公园", "0.00", "50.00"),
        ("海洋大学科创中心", "400.00", "400.00"),
    ]:
        ProgrammeEntryFactory(
            project=ProjectFactory(name=name, lead_unit=unit_a),
            planned_investment=Decimal(planned),
            invested_ytd=Decimal(invested),
        )


def test_a_year_shows_each_rows_completed_investment_and_rate(dispatcher, rated) -> None:
    response = client_for(dispatcher).get(LIST, {"year": "2024"})
    rates = {p.name: p.completion_rate for p in response.context["rows"]}
    assert rates == {
        "虚拟现实产业园": Decimal("62.5"),  # 750 / 1,200
        "崂山湾社区医院": Decimal("10.0"),  # 100 / 1,000
        "张村河生态公园": None,  # nothing planned
        "海洋大学科创中心": Decimal("100.0"),
    }
    totals = response.context["totals"]
    assert totals["invested_ytd"] == Decimal("1300.00")
    assert totals["completion_rate"] == Decimal("50.0")  # 1,300 / 2,600, not the mean 57.5
    html = response.content.decode()
    assert "累计完成投资（万元）" in html and "完成率" in html
    row = html.split("虚拟现实产业园</a>")[1].split("</tr>")[0]
    assert ">750.00<" in row and ">62.5%<" in row
    row = html.split("张村河生态公园</a>")[1].split("</tr>")[0]
    assert ">50.00<" in row and ">—<" in row and "%" not in row
    footer = html.split("<tfoot>")[1].split("</tfoot>")[0]
    assert ">1,300.00<" in footer and ">50.0%<" in footer and ">2,600.00<" in footer


def test_without_a_year_there_is_no_completion_column(dispatcher, rated) -> None:
    response = client_for(dispatcher).get(
        LIST, {"year": ""}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="xf-list-results"
    )
    html = response.content.decode()
    assert len(response.context["rows"]) == 4
    assert "累计完成投资" not in html and "完成率" not in html and "%" not in html
    assert "completion_rate" not in response.context["totals"]


def test_sorting_by_rate_puts_the_lowest_first_and_no_plan_last(dispatcher, rated) -> None:
    client = client_for(dispatcher)
    ascending = client.get(LIST, {"year": "2024", "sort": "rate"})
    assert names(ascending) == ["崂山湾社区医院", "虚拟现实产业园", "海洋大学科创中心", "张村河生态公园"]
    header = ascending.context["sort_headers"]["rate"]
    assert header["state"] == "asc" and "sort=-rate" in header["query"] and "year=2024" in header["query"]
    assert 'aria-sort="ascending"' in ascending.content.decode()
    descending = client.get(LIST, {"year": "2024", "sort": "-rate"})
    assert names(descending) == ["海洋大学科创中心", "虚拟现实产业园", "崂山湾社区医院", "张村河生态公园"]
    assert descending.context["sort_headers"]["rate"]["state"] == "desc"
    invested = client.get(LIST, {"year": "2024", "sort": "-invested"})
    assert names(invested) == ["虚拟现实产业园", "海洋大学科创中心", "崂山湾社区医院", "张村河生态公园"]
    assert "sort=invested" in invested.context["sort_headers"]["invested"]["query"]


def test_unit_clerk_sees_only_own_unit_and_own_unit_option(clerk_b, programme, unit_a, unit_b) -> None:
    client = client_for(clerk_b)
    response = client.get(LIST)
    assert names(response) == ["海洋大学科创中心"]
    units = list(response.context["filter_form"].fields["unit"].queryset)
    assert units == [unit_b]
    # Asking for another unit's rows gives nothing rather than their projects.
    assert names(client.get(LIST, {"unit": unit_a.pk})) == []
    assert response.context["can_add"] is True


def test_filter_options_for_the_whole_programme_are_the_reference_lists(dispatcher, programme) -> None:
    DepartmentFactory(name="没有项目的单位")
    DepartmentFactory(name="已撤销单位", is_active=False)
    response = client_for(dispatcher).get(LIST)
    form = response.context["filter_form"]
    units = [u.name for u in form.fields["unit"].queryset]
    assert "没有项目的单位" in units and "已撤销单位" not in units
    assert [c.name for c in form.fields["chain"].queryset] == ["虚拟现实"]
    assert [s.name for s in form.fields["street"].queryset] == ["沙子口街道"]
    assert [y for y, _ in form.fields["year"].choices if y] == [2024, 2023]


def test_a_clerks_filter_options_are_those_of_their_projects(clerk_a, unit_b, programme) -> None:
    form = client_for(clerk_a).get(LIST).context["filter_form"]
    assert [u.pk for u in form.fields["unit"].queryset] == [clerk_a.department_id]


def test_leader_cannot_add(leader_user, programme) -> None:
    response = client_for(leader_user).get(LIST)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3
    assert response.context["can_add"] is False
    assert reverse("projects:create") not in response.content.decode()


def test_pagination_and_totals_cover_the_whole_set(dispatcher, unit_a) -> None:
    for index in range(PAGE_SIZE + 7):
        ProgrammeEntryFactory(
            project=ProjectFactory(lead_unit=unit_a, total_investment=Decimal("100.00")),
            planned_investment=Decimal("10.00"),
            serial=index + 1,
        )
    client = client_for(dispatcher)
    first = client.get(LIST)
    assert len(first.context["rows"]) == PAGE_SIZE
    assert first.context["totals"]["count"] == PAGE_SIZE + 7
    assert first.context["totals"]["total_investment"] == Decimal("5700.00")
    second = client.get(LIST, {"page": 2})
    assert len(second.context["rows"]) == 7
    assert second.context["rows"][0].row_number == PAGE_SIZE + 1
    assert second.context["totals"]["total_investment"] == Decimal("5700.00")
    assert client.get(LIST, {"page": "zzz"}).status_code == 200


def test_htmx_request_gets_the_table_only(dispatcher, programme) -> None:
    response = client_for(dispatcher).get(
        LIST,
        {"kind": Kind.NEW_START, "level": "", "unit": "", "q": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="xf-list-results",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "虚拟现实产业园" in html and "崂山湾社区医院" not in html
    # The address bar keeps only the filters that are set.
    assert response["HX-Push-Url"] == f"{LIST}?kind=new_start"


def test_export_link_carries_the_filters(dispatcher, programme) -> None:
    response = client_for(dispatcher).get(LIST, {"kind": Kind.RESERVE, "page": "1", "sort": "-name"})
    assert response.context["export_query"] == "kind=reserve&sort=-name"
    assert f"{reverse('projects:export')}?kind=reserve&amp;sort=-name" in response.content.decode()


def _make_rows(count: int, unit) -> None:  # type: ignore[no-untyped-def]
    chain, park, street, leader = ChainFactory(), ParkFactory(), RegionFactory(), LeaderFactory()
    for index in range(count):
        project = ProjectFactory(
            lead_unit=unit,
            chain=chain,
            park=park,
            street=street,
            leader=leader,
            stage=Stage.CONSTRUCTION,
            planned_start=dt.date(2024, 3, 1),
        )
        ProgrammeEntryFactory(project=project, serial=index + 1)


@pytest.mark.parametrize(("role", "queries"), [("dispatcher", 10), ("clerk_a", 11)])
def test_query_count_does_not_grow_with_rows(
    request, role, queries, unit_a, django_assert_num_queries
) -> None:
    """The list page is a fixed number of queries, whether it shows 5 rows or 50."""
    client = client_for(request.getfixturevalue(role))
    _make_rows(5, unit_a)
    with CaptureQueriesContext(connection) as five:
        response = client.get(LIST)
    assert len(response.context["rows"]) == 5
    _make_rows(45, unit_a)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(LIST)
    assert len(response.context["rows"]) == 50
    assert len(five.captured_queries) == len(fifty.captured_queries)
    # session, user, years, totals, the page's rows, five filter option lists (+ the clerk's unit in the nav)
    with django_assert_num_queries(queries):
        client.get(LIST, {"sort": "-unit", "q": "测试"})
    # The completed investment and the rate come with the rows and the totals: no extra query.
    for sort in ["rate", "-rate", "invested"]:
        with django_assert_num_queries(queries):
            response = client.get(LIST, {"year": "2024", "sort": sort})
        assert len(response.context["rows"]) == 50
