"""The registry import: parsing, validation with Excel locations, all-or-nothing landing,
re-import as update, stage changes, unit restrictions, and the template."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import Workbook, load_workbook

from xianfeng.audit.models import ChangeRecord
from xianfeng.projects import importing, services
from xianfeng.projects.choices import Category, Kind, Level, MilestoneKind, Stage
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition
from xianfeng.tests.factories import ChainFactory, LeaderFactory, ParkFactory, ProjectFactory, RegionFactory

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in importing.COLUMNS if c.in_template]
FIRST_ROW = 3  # row 1: title, row 2: header


def make_refs(unit_a: Any, unit_b: Any) -> dict[str, Any]:
    """The reference rows the sample rows name (the units are conftest's 甲单位 and 乙单位)."""
    chain = ChainFactory(name="新一代信息技术")
    return {
        "street": RegionFactory(code="370212001", name="沙子口街道"),
        "chain": chain,
        "park": ParkFactory(name="崂山科技城", chain=chain),
        "leader": LeaderFactory(name="王建国"),
        "unit_a": unit_a,
        "unit_b": unit_b,
    }


@pytest.fixture
def refs(unit_a, unit_b):  # type: ignore[no-untyped-def]
    return make_refs(unit_a, unit_b)


def row(**overrides: Any) -> dict[str, Any]:
    """One good row, by header; overrides by header name."""
    values: dict[str, Any] = {
        "序号": 1,
        "项目代码": "2024-370212-64-01-000001",
        "项目名称": "崂山虚拟现实产业园项目",
        "项目类别": "重点产业",
        "建设性质": "新开工",
        "级别": "市重点",
        "责任单位": "甲单位",
        "所在街道": "沙子口街道",
        "产业链": "新一代信息技术",
        "所属园区": "崂山科技城",
        "包联领导": "王建国",
        "建设单位": "青岛虚拟现实科技有限公司",
        "建设地点": "崂山区株洲路以东",
        "建设内容及规模": "新建研发中心及配套设施",
        "总投资（万元）": 120000,
        "年度计划投资（万元）": 20000,
        "计划开工月份": 5,
        "计划开工时间": dt.date(2024, 5, 1),
        "计划竣工时间": dt.date(2026, 12, 31),
        "项目阶段": "储备",
        "用地面积（亩）": 85.5,
        "建筑面积（㎡）": 120000,
        "纬度": 36.107,
        "经度": 120.468,
        "联系人": "张伟",
        "联系电话": "0532-88990011",
    }
    values.update(overrides)
    return values


def xlsx(
    rows: list[dict[str, Any]],
    headers: list[str] | None = None,
    *,
    merge: str | None = None,
    blank_rows_after: int | None = None,
) -> io.BytesIO:
    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "项目清单"
    sheet.append(["2024年重点项目清单"])
    sheet.append(headers)
    for index, values in enumerate(rows):
        sheet.append([values.get(h) for h in headers])
        if blank_rows_after is not None and index == blank_rows_after:
            sheet.append([])
            sheet.append([None, None, None, "   "])
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def run(actor: Any, rows: list[dict[str, Any]], **kwargs: Any) -> importing.ImportResult:
    source = kwargs.pop("source", None) or xlsx(rows, kwargs.pop("headers", None))
    return importing.registry_import(actor=actor, source=source, year=kwargs.pop("year", 2024), **kwargs)


def counts() -> tuple[int, ...]:
    return (
        Project.objects.count(),
        ProgrammeEntry.objects.count(),
        ChangeRecord.objects.count(),
        Milestone.objects.count(),
        StageTransition.objects.count(),
    )


def messages(result: importing.ImportResult) -> list[str]:
    return [str(issue) for issue in result.errors]


def three_rows() -> list[dict[str, Any]]:
    return [
        row(),
        row(
            序号=2,
            项目代码="2023-370212-84-01-000002",
            项目名称="崂山区人民医院改扩建工程",
            项目类别="社会民生",
            建设性质="续建",
            级别="区重点",
            项目阶段="在建",
            实际开工时间="2023/6/18",
            计划开工月份=None,
            所属园区=None,
            产业链=None,
        ),
        row(
            序号=3,
            项目代码="",
            项目名称="沙子口片区道路提升工程",
            项目类别="基础设施",
            建设性质="续建",
            级别="区重点",
            项目阶段="竣工",
            实际开工时间=dt.date(2022, 3, 1),
            实际竣工时间="2024年10月30日",
            计划开工月份=None,
            所属园区=None,
        ),
    ]


# ---------------------------------------------------------------- a good file


def test_good_file_creates_projects_entries_milestones_and_log(dispatcher, refs) -> None:
    result = run(dispatcher, three_rows())
    assert messages(result) == []
    assert result.applied and (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert counts()[:2] == (3, 3)
    first = Project.objects.get(national_code="2024-370212-64-01-000001")
    assert first.internal_code == "XF2024-00001" and first.lead_unit == refs["unit_a"]
    assert (first.street, first.chain, first.park, first.leader) == (
        refs["street"],
        refs["chain"],
        refs["park"],
        refs["leader"],
    )
    assert first.total_investment == Decimal("120000.00") and first.land_area == Decimal("85.50")
    assert first.latitude == Decimal("36.107000") and first.stage == Stage.RESERVE
    assert "xnxs" in first.search_text  # pinyin initials of 虚拟现实
    entry = first.entries.get(year=2024)
    assert (entry.kind, entry.level, entry.planned_start_month, entry.serial) == (
        Kind.NEW_START,
        Level.CITY,
        5,
        1,
    )
    hospital = Project.objects.get(name="崂山区人民医院改扩建工程")
    assert hospital.stage == Stage.CONSTRUCTION and hospital.actual_start == dt.date(2023, 6, 18)
    road = Project.objects.get(name="沙子口片区道路提升工程")
    assert road.national_code == "" and road.internal_code == "XF2024-00003"
    assert road.actual_completion == dt.date(2024, 10, 30)
    # Milestones and initial stage records as project_create makes them.
    assert set(road.milestones.values_list("kind", "actual_date")) == {
        (MilestoneKind.START, dt.date(2022, 3, 1)),
        (MilestoneKind.COMPLETION, dt.date(2024, 10, 30)),
    }
    assert list(road.transitions.values_list("from_stage", "to_stage", "effective_date", "reason")) == [
        ("", Stage.COMPLETED, dt.date(2022, 3, 1), "录入项目")
    ]
    assert first.transitions.get().to_stage == Stage.RESERVE
    # One create record per project and per entry, all in one batch.
    records = ChangeRecord.objects.filter(request_id=result.request_id)
    assert records.count() == 6 and set(records.values_list("action", flat=True)) == {"create"}
    assert records.filter(object_type="projects.Project", object_id=str(first.pk)).get().changes["name"] == {
        "label": "项目名称",
        "old": None,
        "new": "崂山虚拟现实产业园项目",
    }


def test_audit_record_is_the_one_project_create_writes(dispatcher, refs) -> None:
    result = run(dispatcher, [row()])
    imported = Project.objects.get()
    by_hand = services.project_create(
        actor=dispatcher,
        fields={
            "national_code": "2024-370212-64-01-000009",
            "name": imported.name,
            "category": imported.category,
            "chain": refs["chain"],
            "park": refs["park"],
            "street": refs["street"],
            "lead_unit": refs["unit_a"],
            "leader": refs["leader"],
            "owner": imported.owner,
            "location_text": imported.location_text,
            "content": imported.content,
            "total_investment": Decimal("120000"),
            "land_area": Decimal("85.5"),
            "floor_area": Decimal("120000"),
            "latitude": Decimal("36.107"),
            "longitude": Decimal("120.468"),
            "planned_start": dt.date(2024, 5, 1),
            "planned_completion": dt.date(2026, 12, 31),
            "contact_name": "张伟",
            "contact_phone": "0532-88990011",
            "stage": Stage.RESERVE,
        },
        entry={
            "serial": 1,
            "kind": Kind.NEW_START,
            "level": Level.CITY,
            "planned_investment": Decimal(20000),
            "planned_start_month": 5,
        },
        year=2024,
    )

    def changes(project: Project, model: str) -> dict[str, Any]:
        object_id = project.pk if model == "projects.Project" else project.entries.get().pk
        found = ChangeRecord.objects.get(object_type=model, object_id=str(object_id)).changes
        for key in ("national_code", "internal_code", "project"):
            found.pop(key, None)
        return found

    assert result.applied
    assert changes(imported, "projects.Project") == changes(by_hand, "projects.Project")
    assert changes(imported, "projects.ProgrammeEntry") == changes(by_hand, "projects.ProgrammeEntry")
    assert imported.search_text.split()[-2:] == by_hand.search_text.split()[-2:]


def test_tolerant_parsing_of_text_numbers_dates_and_full_width(dispatcher, refs) -> None:
    headers = list(reversed(HEADERS))  # columns in another order are found by name
    rows = [
        row(
            项目代码="２０２４－３７０２１２－６４－０１－０００００１ ",
            项目名称="  崂山虚拟现实产业园项目  ",
            责任单位="甲",  # the short name
            级别="市级",
            **{"总投资（万元）": "1,234.5", "年度计划投资（万元）": "１２０", "用地面积（亩）": " 12 "},
            计划开工月份="5月",
            计划开工时间="2024/5/1",
            计划竣工时间="2026年12月31日",
        )
    ]
    result = run(dispatcher, rows, headers=headers)
    assert messages(result) == []
    project = Project.objects.get()
    assert project.national_code == "2024-370212-64-01-000001" and project.name == "崂山虚拟现实产业园项目"
    assert project.total_investment == Decimal("1234.50") and project.land_area == Decimal("12.00")
    assert project.planned_completion == dt.date(2026, 12, 31)
    entry = project.entries.get()
    assert entry.planned_investment == Decimal("120.00") and entry.level == Level.CITY


def test_blank_rows_are_ignored_and_row_numbers_stay_excel_rows(dispatcher, refs) -> None:
    rows = [
        row(),
        row(项目代码="2024-370212-64-01-000002", 项目名称="第二个项目", **{"总投资（万元）": "abc"}),
    ]
    result = run(dispatcher, rows, source=xlsx(rows, blank_rows_after=0))
    # Two blank lines after the first project: the second project is on Excel row 6.
    assert messages(result) == ["项目清单 第6行 P列（总投资（万元））：“abc”不是数字"]
    assert counts() == (0, 0, 0, 0, 0)


# ---------------------------------------------------------------- bad input: nothing lands


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"总投资（万元）": "abc"}, "项目清单 第3行 P列（总投资（万元））：“abc”不是数字"),
        ({"总投资（万元）": -5}, "项目清单 第3行 P列（总投资（万元））：确保该值大于或等于"),
        ({"年度计划投资（万元）": -1}, "项目清单 第3行 Q列（年度计划投资（万元））：确保该值大于或等于"),
        (
            {"计划竣工时间": dt.date(2023, 1, 1)},
            "项目清单 第3行 T列（计划竣工时间）：计划竣工时间不能早于计划开工时间",
        ),
        ({"用地面积（亩）": 0}, "项目清单 第3行 X列（用地面积（亩））：确保该值大于或等于"),
        (
            {"项目代码": "2024-370212-64-05-000001"},
            "项目清单 第3行 B列（项目代码）：项目代码第4段（类型代码）",
        ),
        (
            {"项目代码": "2024-37021-64-01-000001"},
            "项目清单 第3行 B列（项目代码）：项目代码第2段（行政区划代码）",
        ),
        ({"责任单位": "丙单位"}, "项目清单 第3行 H列（责任单位）：系统中没有名为“丙单位”的责任单位"),
        ({"所在街道": "不存在街道"}, "项目清单 第3行 I列（所在街道）：系统中没有名为“不存在街道”的街道"),
        ({"产业链": "量子计算"}, "项目清单 第3行 J列（产业链）：系统中没有名为“量子计算”的产业链"),
        ({"所属园区": "火星园区"}, "项目清单 第3行 K列（所属园区）：系统中没有名为“火星园区”的园区"),
        ({"包联领导": "李四"}, "项目清单 第3行 L列（包联领导）：系统中没有名为“李四”的包联领导"),
        ({"项目类别": "农业"}, "项目清单 第3行 E列（项目类别）：“农业”不是可选值"),
        ({"建设性质": "改建"}, "项目清单 第3行 F列（建设性质）：“改建”不是可选值"),
        ({"级别": "国家级"}, "项目清单 第3行 G列（级别）：“国家级”不是可选值"),
        ({"项目阶段": "施工"}, "项目清单 第3行 U列（项目阶段）：“施工”不是可选值"),
        ({"计划开工月份": None}, "项目清单 第3行 R列（计划开工月份）：新开工项目须填写计划开工月份"),
        ({"计划开工时间": "下个月"}, "项目清单 第3行 S列（计划开工时间）：“下个月”不是日期"),
        ({"计划开工时间": "2024-02-30"}, "项目清单 第3行 S列（计划开工时间）：“2024-02-30”不是有效日期"),
        ({"项目名称": None}, "项目清单 第3行 D列（项目名称）：不能为空"),
        ({"项目阶段": "在建"}, "项目清单 第3行 V列（实际开工时间）：项目阶段为“在建”时须填写实际开工时间"),
        (
            {"实际开工时间": dt.date(2025, 1, 1), "项目阶段": "在建"},
            "V列（实际开工时间）：实际开工时间 2025-01-01 不能晚于今天",
        ),
        ({"实际开工时间": "2024-03", "项目阶段": "在建"}, "V列（实际开工时间）：“2024-03”只有年月"),
        ({"纬度": 80}, "项目清单 第3行 Z列（纬度）：确保该值小于或等于"),
        ({"计划开工月份": 13}, "项目清单 第3行 R列（计划开工月份）：确保该值小于或等于"),
        ({"项目名称": "长" * 201}, "项目清单 第3行 D列（项目名称）：确保该变量包含不超过 200 字符"),
    ],
)
def test_bad_cell_is_reported_with_row_column_and_nothing_lands(
    dispatcher, refs, overrides, expected
) -> None:
    before = counts()
    result = run(dispatcher, [row(**overrides)])
    assert not result.applied
    assert any(expected in message for message in messages(result)), messages(result)
    assert counts() == before


def test_every_error_is_collected_not_just_the_first(dispatcher, refs) -> None:
    rows = [
        row(**{"总投资（万元）": "abc", "用地面积（亩）": -3}),
        row(项目代码="2024-370212-64-01-000002", 责任单位="无此单位"),
        row(项目代码="2024-370212-64-01-000003", 项目阶段="停建中"),
    ]
    result = run(dispatcher, rows)
    assert [(issue.row, issue.column) for issue in result.errors] == [(3, "P"), (3, "X"), (4, "H"), (5, "U")]
    assert counts() == (0, 0, 0, 0, 0)


def test_one_bad_row_among_good_ones_writes_nothing(dispatcher, refs) -> None:
    rows = [
        *three_rows(),
        row(项目代码="2024-370212-64-01-000099", 项目名称="坏行", **{"总投资（万元）": "十万"}),
    ]
    result = run(dispatcher, rows)
    assert messages(result) == ["项目清单 第6行 P列（总投资（万元））：“十万”不是数字"]
    assert counts() == (0, 0, 0, 0, 0)


def test_duplicate_codes_in_one_file_name_both_rows(dispatcher, refs) -> None:
    rows = [row(), row(序号=2, 项目名称="另一个项目"), row(序号=3, 项目代码="", 项目名称="第三个")]
    result = run(dispatcher, rows)
    assert messages(result) == [
        "项目清单 第3行 B列（项目代码）：项目代码 2024-370212-64-01-000001 与第4行重复",
        "项目清单 第4行 B列（项目代码）：项目代码 2024-370212-64-01-000001 与第3行重复",
    ]
    assert counts() == (0, 0, 0, 0, 0)


def test_missing_required_columns_are_listed(dispatcher, refs) -> None:
    headers = [h for h in HEADERS if h not in {"项目类别", "总投资（万元）"}]
    result = run(dispatcher, [row()], headers=headers)
    assert messages(result) == ["项目清单：表头第2行缺少必填列：项目类别、总投资（万元）"]
    assert counts() == (0, 0, 0, 0, 0)


def test_merged_header_cells_are_refused(dispatcher, refs) -> None:
    result = run(dispatcher, [row()], source=xlsx([row()], merge="A2:C2"))
    assert messages(result) == ["项目清单：表头第2行存在合并单元格 A2:C2，请取消合并（每列一个列名，占一行）"]
    assert counts() == (0, 0, 0, 0, 0)


def test_a_file_that_is_not_a_workbook_is_refused(dispatcher, refs) -> None:
    result = run(dispatcher, [], source=io.BytesIO(b"PK\x03\x04 this is not really a zip"))
    assert messages(result) == ["文件已损坏或不是有效的 .xlsx 工作簿"]
    problem = importing.check_upload(name="清单.xlsx", size=100, head=b"id,name\n1", max_bytes=10_000)
    assert problem and "不是 .xlsx 格式" in problem
    problem = importing.check_upload(name="清单.xls", size=100, head=importing.OLE_MAGIC, max_bytes=10_000)
    assert problem and "另存为" in problem
    problem = importing.check_upload(
        name="清单.xlsx", size=50 * 1024 * 1024, head=b"PK\x03\x04", max_bytes=20 * 1024 * 1024
    )
    assert problem and "50.0 MB" in problem and "超过上限 20.0 MB" in problem


def test_no_header_and_no_rows_are_explained(dispatcher, refs) -> None:
    result = run(dispatcher, [], source=xlsx([], headers=["甲", "乙", "丙"]))
    assert "没有找到表头" in messages(result)[0]
    result = run(dispatcher, [], source=xlsx([]))
    assert messages(result) == ["项目清单：表头（第2行）下面没有项目数据"]


# ---------------------------------------------------------------- re-import


def test_reimport_of_the_same_file_changes_nothing(dispatcher, refs) -> None:
    run(dispatcher, three_rows())
    before = counts()
    again = run(dispatcher, three_rows())
    assert again.applied and again.no_changes and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert counts() == before  # the codeless road project is matched by name and unit, not duplicated


def test_reimport_updates_matched_rows_and_logs_the_changes(dispatcher, refs) -> None:
    run(dispatcher, three_rows())
    project = Project.objects.get(national_code="2024-370212-64-01-000001")
    rows = three_rows()
    rows[0].update({"总投资（万元）": 150000, "年度计划投资（万元）": 30000, "包联领导": None})
    result = run(dispatcher, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert Project.objects.count() == 3 and ProgrammeEntry.objects.count() == 3
    project.refresh_from_db()
    assert (
        project.total_investment == Decimal("150000.00") and project.leader is None and project.version == 2
    )
    update = ChangeRecord.objects.get(request_id=result.request_id, object_type="projects.Project")
    assert update.action == "update" and update.object_id == str(project.pk)
    assert update.changes["total_investment"] == {"label": "总投资（万元）", "old": "120000", "new": "150000"}
    assert update.changes["leader"]["old"] == {"id": refs["leader"].pk, "label": "王建国"}
    entry_update = ChangeRecord.objects.get(
        request_id=result.request_id, object_type="projects.ProgrammeEntry"
    )
    assert entry_update.changes == {
        "planned_investment": {"label": "年度计划投资（万元）", "old": "20000", "new": "30000"}
    }
    assert project.entries.get().version == 2


def test_match_by_internal_code_and_export_style_code(dispatcher, refs) -> None:
    existing = ProjectFactory(name="旧名称", lead_unit=refs["unit_a"], internal_code="XF2023-00007")
    rows = [
        row(项目代码="", 内部编号="xf2023-00007", 项目名称="新名称"),
        # The export writes the internal code in 项目代码 when there is no national code.
        row(项目代码="XF2023-00007", 项目名称="新名称"),
    ]
    result = run(dispatcher, rows[:1])
    assert messages(result) == [] and (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.name == "新名称" and existing.entries.get().year == 2024
    result = run(dispatcher, rows[1:])
    assert messages(result) == [] and result.no_changes


def test_unknown_internal_code_and_conflicting_codes(dispatcher, refs) -> None:
    other = ProjectFactory(national_code="2024-370212-64-01-000005", lead_unit=refs["unit_a"])
    ProjectFactory(internal_code="XF2024-00042", lead_unit=refs["unit_a"])
    rows = [
        row(内部编号="XF2024-09999"),
        row(序号=2, 内部编号="XF2024-00042", 项目代码="2024-370212-64-01-000005"),
        row(序号=3, 项目代码="", 内部编号="ABC-1"),
    ]
    result = run(dispatcher, rows)
    assert messages(result) == [
        "项目清单 第3行 C列（内部编号）：内部编号 XF2024-09999 在系统中不存在（新项目请留空，由系统生成）",
        f"项目清单 第4行 B列（项目代码）：项目代码 2024-370212-64-01-000005 已被项目“{other.name}”"
        f"（{other.internal_code}）使用，与内部编号 XF2024-00042 不是同一项目",
        "项目清单 第5行 C列（内部编号）：内部编号“ABC-1”格式应为 XF+年份-5位序号，如 XF2024-00001",
    ]


def test_archived_project_cannot_be_updated(dispatcher, refs) -> None:
    project = ProjectFactory(national_code="2024-370212-64-01-000001", lead_unit=refs["unit_a"])
    services.project_archive(actor=dispatcher, project=project, reason="重复录入")
    before = counts()
    result = run(dispatcher, [row()])
    assert messages(result) == [f"项目清单 第3行：项目“{project.name}”已归档，不能修改；请先恢复"]
    assert counts() == before


# ---------------------------------------------------------------- stage changes


def test_stage_change_goes_through_the_transition_rules(dispatcher, refs) -> None:
    run(dispatcher, [row()])
    project = Project.objects.get()
    assert project.stage == Stage.RESERVE
    started = run(dispatcher, [row(项目阶段="在建", 实际开工时间="2024-06-18")])
    assert messages(started) == [] and (started.updated, started.transitions) == (1, 1)
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION and project.actual_start == dt.date(2024, 6, 18)
    transition = project.transitions.get(to_stage=Stage.CONSTRUCTION)
    assert (transition.from_stage, transition.effective_date, transition.actor) == (
        Stage.RESERVE,
        dt.date(2024, 6, 18),
        dispatcher,
    )
    assert project.milestones.get(kind=MilestoneKind.START).actual_date == dt.date(2024, 6, 18)
    logged = ChangeRecord.objects.get(request_id=started.request_id, action="transition")
    assert logged.changes["stage"]["new"] == "construction"
    # Straight to 投产: through 竣工 on the completion date, then 投产 today.
    done = run(dispatcher, [row(项目阶段="投产", 实际开工时间="2024-06-18", 实际竣工时间="2024-11-30")])
    assert messages(done) == [] and done.transitions == 2
    assert list(project.transitions.values_list("to_stage", flat=True)) == [
        Stage.RESERVE,
        Stage.CONSTRUCTION,
        Stage.COMPLETED,
        Stage.OPERATING,
    ]


def test_stage_change_errors_name_the_column_and_write_nothing(dispatcher, refs) -> None:
    run(dispatcher, [row()])
    before = counts()
    result = run(dispatcher, [row(项目阶段="在建")])
    assert messages(result) == ["项目清单 第3行 V列（实际开工时间）：转为在建须填写实际开工日期"]
    result = run(dispatcher, [row(项目阶段="停缓建")])
    assert messages(result) == [
        "项目清单 第3行 U列（项目阶段）：从“储备”变更为“停缓建”须说明原因（请在“备注”列写明原因）"
    ]
    result = run(dispatcher, [row(项目阶段="竣工", 实际开工时间="2024-03-01", 实际竣工时间="2024-02-01")])
    assert messages(result) == [
        "项目清单 第3行 W列（实际竣工时间）：竣工日期 2024-02-01 须晚于实际开工日期 2024-03-01"
    ]
    assert counts() == before
    suspended = run(dispatcher, [row(项目阶段="停缓建", 备注="土地手续未完成")])
    assert messages(suspended) == [] and Project.objects.get().stage == Stage.SUSPENDED
    assert StageTransition.objects.filter(to_stage=Stage.SUSPENDED, reason="土地手续未完成").exists()


def test_actual_dates_change_only_with_the_stage(dispatcher, refs) -> None:
    run(dispatcher, [row(项目阶段="在建", 实际开工时间="2024-03-01")])
    before = counts()
    result = run(dispatcher, [row(项目阶段="在建", 实际开工时间="2024-04-01")])
    assert messages(result) == [
        "项目清单 第3行 V列（实际开工时间）：与系统记录（2024-03-01）不一致；"
        "实际开工、竣工时间随阶段变更记录，请通过项目阶段列或项目页面的“阶段变更”办理"
    ]
    assert counts() == before


# ---------------------------------------------------------------- who may import what


def test_unit_reporter_imports_only_their_own_unit(clerk_a, refs) -> None:
    other = ProjectFactory(
        national_code="2024-370212-64-01-000008", name="乙单位的项目", lead_unit=refs["unit_b"]
    )
    rows = [
        row(),
        row(序号=2, 项目代码="2024-370212-64-01-000002", 项目名称="挂在乙单位", 责任单位="乙单位"),
        row(序号=3, 项目代码="2024-370212-64-01-000008", 项目名称="乙单位的项目", 责任单位="甲单位"),
    ]
    result = run(clerk_a, rows)
    assert messages(result) == [
        "项目清单 第4行 H列（责任单位）：只能导入本单位（甲）的项目，不能填写“乙”",
        f"项目清单 第5行：项目“乙单位的项目”（{other.national_code}）属于乙，您只能导入本单位的项目",
    ]
    assert counts() == (1, 0, 0, 0, 0)
    result = run(clerk_a, rows[:1])
    assert result.applied and Project.objects.filter(lead_unit=refs["unit_a"]).count() == 1


@pytest.mark.parametrize("who", ["leader_user", "admin_user", "auditor", "reviewer_a"])
def test_roles_that_may_not_import(request, refs, who) -> None:
    with pytest.raises(PermissionDenied):
        run(request.getfixturevalue(who), [row()])
    assert counts() == (0, 0, 0, 0, 0)


def test_dry_run_checks_everything_and_writes_nothing(dispatcher, refs) -> None:
    result = run(dispatcher, three_rows(), dry_run=True)
    assert result.ok and not result.applied and result.created == 3
    assert [c.action for c in result.changes] == ["create", "create", "create"]
    assert counts() == (0, 0, 0, 0, 0)


def test_year_column_overrides_the_form_year(dispatcher, refs) -> None:
    headers = [*HEADERS, "年度"]
    result = run(dispatcher, [row(年度=2025)], headers=headers)
    assert messages(result) == []
    project = Project.objects.get()
    assert project.internal_code == "XF2025-00001" and project.entries.get().year == 2025


# ---------------------------------------------------------------- the template


def test_template_has_header_dropdowns_checks_and_help(refs) -> None:
    content = importing.build_template(year=2024)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["项目清单", "填写说明", "选项"]
    sheet = workbook["项目清单"]
    headers = [cell.value for cell in sheet[2]]
    assert headers[:4] == ["序号", "项目代码", "内部编号", "＊项目名称"]
    assert "＊总投资（万元）" in headers and "计划开工月份" in headers and "备注" in headers
    name_cell = sheet.cell(row=2, column=4)
    assert name_cell.font.color.rgb.endswith("C00000") and name_cell.font.bold
    assert sheet.freeze_panes == "E3"
    assert sheet.column_dimensions["D"].width == 36
    options = workbook["选项"]
    assert options.sheet_state == "hidden"
    option_lists = {options.cell(row=1, column=c).value: c for c in range(1, options.max_column + 1)}
    assert {
        "项目类别",
        "建设性质",
        "级别",
        "项目阶段",
        "责任单位",
        "所在街道",
        "产业链",
        "所属园区",
        "包联领导",
    } <= set(option_lists)
    units = [
        options.cell(row=r, column=option_lists["责任单位"]).value for r in range(2, options.max_row + 1)
    ]
    assert "甲单位" in units and "乙单位" in units
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    letter = {h.lstrip("＊"): importing.get_column_letter(i) for i, h in enumerate(headers, start=1)}

    def validation(header: str) -> Any:
        return validations[f"{letter[header]}3:{letter[header]}{2 + importing.TEMPLATE_ROWS}"]

    assert validation("责任单位").type == "list" and validation("责任单位").formula1.startswith("'选项'!$")
    assert validation("项目阶段").type == "list"
    assert (validation("总投资（万元）").type, validation("总投资（万元）").operator) == (
        "decimal",
        "greaterThan",
    )
    assert validation("年度计划投资（万元）").operator == "greaterThanOrEqual"
    assert validation("计划开工时间").type == "date"
    assert (validation("计划开工月份").type, validation("计划开工月份").formula2) == ("whole", "12")
    help_sheet = workbook["填写说明"]
    texts = [c.value for c in help_sheet["A"] if c.value]
    assert "总投资（万元）" in texts and "计划开工月份" in texts


def test_template_filled_in_imports(dispatcher, refs) -> None:
    workbook = load_workbook(io.BytesIO(importing.build_template(year=2024)))
    sheet = workbook["项目清单"]
    headers = [str(cell.value).lstrip("＊") for cell in sheet[2]]
    values = row()
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=3, column=column, value=values.get(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = importing.registry_import(actor=dispatcher, source=buffer, year=2024)
    assert messages(result) == [] and result.created == 1


def test_template_for_a_unit_reporter_offers_their_unit_only(refs) -> None:
    workbook = load_workbook(io.BytesIO(importing.build_template(year=2024, unit=refs["unit_a"])))
    options = workbook["选项"]
    column = next(
        c for c in range(1, options.max_column + 1) if options.cell(row=1, column=c).value == "责任单位"
    )
    assert [options.cell(row=r, column=column).value for r in range(2, 4)] == ["甲单位", None]


def test_choice_values_include_every_label() -> None:
    assert importing.choice_labels("category") == [str(label) for _v, label in Category.choices]


def test_the_registry_export_imports_back_without_changes(dispatcher, refs) -> None:
    from django.utils import timezone

    from xianfeng.projects import exporting, selectors

    run(dispatcher, three_rows())
    filters = selectors.ProjectFilters(year=2024)
    exported = exporting.projects_xlsx(
        projects=selectors.project_list(user=dispatcher, filters=filters),
        year=2024,
        generated_at=timezone.now(),
    )
    before = counts()
    result = run(dispatcher, [], source=io.BytesIO(exported))  # its 合计 line is not a project
    assert messages(result) == [] and result.no_changes and result.unchanged == 3
    assert counts() == before


def test_codeless_rows_with_an_ambiguous_name_ask_for_the_internal_code(dispatcher, refs) -> None:
    first = ProjectFactory(name="沙子口片区道路提升工程", lead_unit=refs["unit_a"])
    second = ProjectFactory(name="沙子口片区道路提升工程", lead_unit=refs["unit_a"])
    ProjectFactory(name="沙子口片区道路提升工程", lead_unit=refs["unit_b"])  # another unit: not a candidate
    result = run(dispatcher, [three_rows()[2]])
    assert messages(result) == [
        "项目清单 第3行 D列（项目名称）：系统中本单位有 2 个同名项目"
        f"（{first.internal_code}、{second.internal_code}），请填写内部编号以指明是哪一个"
    ]


def test_total_lines_and_prefilled_serials_are_not_projects(dispatcher, refs) -> None:
    rows = [row(), {"序号": 2}, {"序号": 3}, {"项目名称": "合计（1 个项目）", "总投资（万元）": 120000}]
    result = run(dispatcher, rows)
    assert messages(result) == [] and result.rows == 1 and result.created == 1


def test_errors_are_located_and_worded_in_english(dispatcher, refs) -> None:
    """The workbook stays Chinese (sheet, headers, choices); locations and reasons follow the language."""
    run(dispatcher, [row()])
    new = row(序号=2, 项目代码="2024-370212-64-01-000002", 项目名称="二期", 项目阶段="在建")
    with translation.override("en"):
        result = run(dispatcher, [row(项目阶段="停缓建"), new])
        assert messages(result) == [
            "项目清单 row 3 column U (项目阶段): Changing from “Reserve” to “Suspended” needs a reason"
            " (give the reason in the “Remarks” column)",
            "项目清单 row 4 column V (实际开工时间): With the project at stage “Under construction”,"
            " the actual start is required",
        ]
