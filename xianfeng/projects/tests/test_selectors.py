from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from xianfeng.projects import selectors
from xianfeng.projects.choices import Category, Kind, Level, MilestoneKind, Stage
from xianfeng.projects.models import Milestone, Project
from xianfeng.projects.selectors import ProjectFilters
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _ids(qs) -> list[int]:  # type: ignore[no-untyped-def]
    return list(qs.values_list("pk", flat=True))


def test_restrict_by_role(
    dispatcher, clerk_a, clerk_b, leader_user, admin_user, auditor, project_a, project_b
):
    assert set(_ids(Project.objects.restrict(dispatcher))) == {project_a.pk, project_b.pk}
    assert set(_ids(Project.objects.restrict(leader_user))) == {project_a.pk, project_b.pk}
    assert _ids(Project.objects.restrict(leader_user, "change")) == []
    assert _ids(Project.objects.restrict(clerk_a)) == [project_a.pk]
    assert _ids(Project.objects.restrict(clerk_b, "change")) == [project_b.pk]
    assert _ids(Project.objects.restrict(admin_user)) == []
    assert _ids(Project.objects.restrict(auditor)) == []
    assert _ids(Project.objects.restrict(None)) == []


def test_filters_parse_and_report_bad_values() -> None:
    f = ProjectFilters.from_params(
        {"year": "20x4", "unit": "-3", "q": " 医院 ", "sort": "-investment"}, default_year=2024
    )
    assert f.year is None and "year" in f.errors
    assert f.unit is None and "unit" in f.errors
    assert f.q == "医院" and f.sort == "-investment"
    assert ProjectFilters.from_params({"sort": "drop table"}).sort == "serial"


def test_list_filters_search_and_sort(dispatcher, unit_a, unit_b) -> None:
    hospital = ProjectFactory(
        name="崂山区人民医院",
        lead_unit=unit_a,
        category=Category.LIVELIHOOD,
        total_investment=Decimal(150000),
        search_text="崂山区人民医院 xf2024-09001 lsqrmyy laoshanqurenminyiyuan",
    )
    ProgrammeEntryFactory(
        project=hospital, kind=Kind.NEW_START, level=Level.CITY, serial=2, planned_investment=Decimal(30000)
    )
    park = ProjectFactory(
        name="张村河生态公园",
        lead_unit=unit_b,
        category=Category.URBAN_RENEWAL,
        total_investment=Decimal(50000),
    )
    ProgrammeEntryFactory(project=park, kind=Kind.CONTINUING, serial=1, planned_investment=Decimal(8000))
    old = ProjectFactory(name="往年项目", lead_unit=unit_b)
    ProgrammeEntryFactory(project=old, year=2023)

    def run(**params):  # type: ignore[no-untyped-def]
        return _ids(
            selectors.project_list(
                user=dispatcher, filters=ProjectFilters.from_params(params, default_year=2024)
            )
        )

    assert run() == [park.pk, hospital.pk]  # by serial
    assert run(sort="-investment") == [hospital.pk, park.pk]
    assert run(kind="new_start") == [hospital.pk]
    assert run(level="city") == [hospital.pk]
    assert run(category="urban_renewal") == [park.pk]
    assert run(unit=str(unit_a.pk)) == [hospital.pk]
    assert run(q="医院") == [hospital.pk]
    assert run(q="rmyy") == [hospital.pk]
    assert run(year="2023") == [old.pk]
    totals = selectors.project_totals(
        queryset=selectors.project_list(user=dispatcher, filters=ProjectFilters(year=2024)), year=2024
    )
    assert totals == {
        "count": 2,
        "total_investment": Decimal(200000),
        "planned_investment": Decimal(38000),
        "invested_ytd": Decimal(0),
        "completion_rate": Decimal("0.0"),
    }


def test_completion_rate_is_one_decimal_half_up() -> None:
    rate = selectors.completion_rate
    assert rate(invested=Decimal(750), planned=Decimal(1200)) == Decimal("62.5")
    assert rate(invested=Decimal(1), planned=Decimal(3)) == Decimal("33.3")
    assert rate(invested=Decimal(2), planned=Decimal(3)) == Decimal("66.7")
    assert rate(invested=Decimal(1), planned=Decimal(16)) == Decimal("6.3")  # 6.25: half-up, not half-even
    assert rate(invested=Decimal(1500), planned=Decimal(1200)) == Decimal("125.0")
    assert rate(invested=Decimal(0), planned=Decimal(1200)) == Decimal("0.0")
    assert rate(invested=Decimal(50), planned=Decimal(0)) is None  # nothing planned: no rate
    assert rate(invested=None, planned=None) is None


@pytest.fixture
def rated(unit_a) -> None:  # type: ignore[no-untyped-def]
    """Four 2024 entries with hand-chosen completion: 62.5 %, 10.0 %, no plan, 100.0 %."""
    for name, planned, invested in [
        ("甲", "1200.00", "750.00"),  # 62.5 %
        ("乙", "1000.00", "100.00"),  # 10.0 %
        ("丙", "0.00", "50.00"),  # nothing planned: no rate
        ("丁", "400.00", "400.00"),  # 100.0 %
    ]:
        project = ProjectFactory(name=name, lead_unit=unit_a)
        ProgrammeEntryFactory(
            project=project, planned_investment=Decimal(planned), invested_ytd=Decimal(invested)
        )


def test_sort_by_rate_and_invested_puts_rows_without_a_plan_last(dispatcher, unit_a, rated) -> None:
    def names(sort: str, year: int | None = 2024) -> list[str]:
        filters = ProjectFilters(year=year, sort=sort)
        return [p.name for p in selectors.project_list(user=dispatcher, filters=filters)]

    assert names("rate") == ["乙", "甲", "丁", "丙"]  # lowest rate first, no plan last
    assert names("-rate") == ["丁", "甲", "乙", "丙"]  # no plan last in both directions
    assert names("invested") == ["丙", "乙", "丁", "甲"]
    assert names("-invested") == ["甲", "丁", "乙", "丙"]
    # Equal rates keep the code order; without a year the year's columns fall back to the code.
    ProgrammeEntryFactory(
        project=ProjectFactory(name="戊", lead_unit=unit_a),
        planned_investment=Decimal("2400.00"),
        invested_ytd=Decimal("1500.00"),
    )
    assert names("rate") == ["乙", "甲", "戊", "丁", "丙"]
    assert names("rate", year=None) == ["甲", "乙", "丙", "丁", "戊"]


def test_totals_rate_comes_from_the_sums(dispatcher, rated) -> None:
    queryset = selectors.project_list(user=dispatcher, filters=ProjectFilters(year=2024, sort="rate"))
    totals = selectors.project_totals(queryset=queryset, year=2024)
    assert totals["invested_ytd"] == Decimal("1300.00")  # 750 + 100 + 50 + 400
    assert totals["planned_investment"] == Decimal("2600.00")  # 1200 + 1000 + 0 + 400
    # 1300 / 2600 = 50.0 %, not the mean of the rows' rates (62.5 + 10 + 100) / 3 = 57.5 %.
    assert totals["completion_rate"] == Decimal("50.0")
    assert "completion_rate" not in selectors.project_totals(queryset=queryset, year=None)


def test_time_progress_counts_whole_months() -> None:
    assert selectors.time_progress(as_of=dt.date(2024, 12, 6)) == Decimal("0.9167")  # 11/12
    assert selectors.time_progress(as_of=dt.date(2024, 6, 30)) == Decimal("0.5000")
    assert selectors.time_progress(as_of=dt.date(2024, 1, 15)) == Decimal("0.0000")


def test_pipeline_board_answers_each_kinds_question(dispatcher, unit_a) -> None:
    def entry(name, kind, **kw):  # type: ignore[no-untyped-def]
        project = ProjectFactory(
            name=name,
            lead_unit=unit_a,
            stage=kw.pop("stage", Stage.RESERVE),
            actual_start=kw.pop("actual_start", None),
        )
        return ProgrammeEntryFactory(project=project, kind=kind, **kw)

    on_time = entry(
        "按期",
        Kind.NEW_START,
        planned_start_month=3,
        stage=Stage.CONSTRUCTION,
        actual_start=dt.date(2024, 3, 20),
    )
    late_start = entry(
        "滞后开工",
        Kind.NEW_START,
        planned_start_month=3,
        stage=Stage.CONSTRUCTION,
        actual_start=dt.date(2024, 5, 2),
    )
    not_started = entry("未开工", Kind.NEW_START, planned_start_month=6)
    entry("本月应开工", Kind.NEW_START, planned_start_month=12)
    entry(
        "续建",
        Kind.CONTINUING,
        planned_investment=Decimal(1200),
        invested_ytd=Decimal(600),
        stage=Stage.CONSTRUCTION,
        actual_start=dt.date(2023, 1, 1),
    )
    reserve = entry("储备", Kind.RESERVE)
    Milestone.objects.create(
        project=reserve.project, kind=MilestoneKind.APPROVAL, actual_date=dt.date(2024, 2, 1)
    )
    Milestone.objects.create(
        project=reserve.project, kind=MilestoneKind.LAND, planned_date=dt.date(2025, 2, 1)
    )
    entry("谋划", Kind.STRATEGIC)

    columns = {c.kind: c for c in selectors.pipeline_board(user=dispatcher, year=2024)}
    new = {card.project.name: card for card in columns["new_start"].cards}
    assert new["按期"].status == "ok" and new["按期"].started
    assert new["滞后开工"].status == "warn" and "滞后" in new["滞后开工"].headline
    assert new["未开工"].status == "late" and "已过计划 6 个月" in new["未开工"].headline
    assert new["本月应开工"].status == "warn"
    assert columns["new_start"].summary == "已开工 2/4，应开工 4 个"
    cont = columns["continuing"].cards[0]
    # 600 / 1200 = 50% against time progress 11/12 = 91.7%: 41.7 points behind → red.
    assert cont.status == "late" and "50.0%" in cont.headline
    res = columns["reserve"].cards[0]
    assert (res.done, res.total) == (1, 4) and "待办：用地、规划许可、施工许可" in res.headline
    assert columns["strategic"].cards[0].headline.startswith("谋划步骤完成 0/4")
    assert not_started.project.name == "未开工" and on_time.kind == late_start.kind


def test_board_is_scoped_to_the_unit(clerk_b, project_a, project_b) -> None:
    columns = selectors.pipeline_board(user=clerk_b, year=2024)
    names = [card.project.name for column in columns for card in column.cards]
    assert names == ["乙单位项目"]


def test_pipeline_board_speaks_english(dispatcher, unit_a) -> None:
    """Headlines and summaries are built per request in its language (needs the English catalogue)."""
    late = ProjectFactory(
        name="未开工", lead_unit=unit_a, stage=Stage.RESERVE, actual_start=None
    )  # planned for June, not started by December
    ProgrammeEntryFactory(project=late, kind=Kind.NEW_START, planned_start_month=6)
    one_month = ProjectFactory(name="上月应开工", lead_unit=unit_a, stage=Stage.RESERVE)
    ProgrammeEntryFactory(project=one_month, kind=Kind.NEW_START, planned_start_month=11)
    reserve = ProjectFactory(name="储备", lead_unit=unit_a, stage=Stage.RESERVE)
    ProgrammeEntryFactory(project=reserve, kind=Kind.RESERVE)
    Milestone.objects.create(project=reserve, kind=MilestoneKind.APPROVAL, actual_date=dt.date(2024, 2, 1))

    with translation.override("en"):
        columns = {c.kind: c for c in selectors.pipeline_board(user=dispatcher, year=2024)}
    new = {card.project.name: card.headline for card in columns["new_start"].cards}
    assert new["未开工"] == "Planned start in month 6; not started (6 months past plan)"
    assert new["上月应开工"] == "Planned start in month 11; not started (1 month past plan)"
    assert columns["new_start"].summary == "0/2 started, 2 due"
    assert columns["reserve"].cards[0].headline == (
        "Preparatory approvals done 1/4; to do: Land, Planning permit, Construction permit"
    )
    assert columns["strategic"].summary == "No projects"
    # The same board in Chinese is unchanged.
    columns = {c.kind: c for c in selectors.pipeline_board(user=dispatcher, year=2024)}
    assert columns["new_start"].summary == "已开工 0/2，应开工 2 个"
