"""The dispatch bulletin: its Word and Excel files state exactly the statistics' figures."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document
from openpyxl import load_workbook

from xianfeng.audit.models import ChangeRecord
from xianfeng.coordination import services as coordination
from xianfeng.dispatch import bulletin, charts
from xianfeng.dispatch.models import Bulletin
from xianfeng.dispatch.statistics import PeriodStatistics, fmt_percent, fmt_points, period_statistics
from xianfeng.dispatch.tests.stats_world import World, build_world
from xianfeng.lib import clock
from xianfeng.lib.money import fmt_wan, fmt_yi, wan_to_yi

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def world(unit_a: Any, unit_b: Any) -> World:
    return build_world(unit_a, unit_b)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def problem(world: World, dispatcher: Any, unit_a: Any) -> Any:
    """One problem raised on 10 November, due 20 November, still open: overdue at the month's end."""
    with clock.frozen(dt.date(2024, 11, 10)):
        return coordination.problem_raise(
            actor=dispatcher,
            project=world.projects["P1"],
            type="land",
            title="用地指标未落实",
            description="二期用地指标尚未下达",
            units=[unit_a],
            primary_unit=unit_a,
            deadline=dt.date(2024, 11, 20),
        )


def docx_of(content: bulletin.BulletinContent) -> Any:
    return Document(io.BytesIO(bulletin.build_docx(content)))


def xlsx_of(content: bulletin.BulletinContent) -> Any:
    return load_workbook(io.BytesIO(bulletin.build_xlsx(content)))


def table_text(table: Any) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def find_table(document: Any, header_start: list[str]) -> list[list[str]]:
    for table in document.tables:
        rows = table_text(table)
        if rows[0][: len(header_start)] == header_start:
            return rows
    raise AssertionError(f"no table starting {header_start}")


def sheet_rows(sheet: Any, header_first: str) -> list[tuple[Any, ...]]:
    """The rows below the header row whose first cell is ``header_first``."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == header_first)
    return rows[start + 1 :]


# ---------------------------------------------------------------- the summary in sentences


def test_summary_states_the_key_figures(world: World, dispatcher: Any, problem: Any) -> None:
    content = bulletin.bulletin_content(user=dispatcher, period=world.periods[11], with_charts=False)
    assert content.title == "崂山区重点项目建设调度通报"
    assert content.issue == "（2024年第11期）"
    assert content.issuer == "崂山区重点项目建设指挥部办公室"
    assert content.issued_on == dt.date(2024, 12, 6)
    first, levels, categories, reporting, tail, problems = content.paragraphs
    # 2200 万元 = 0.22 亿元 of 6000 万元 = 0.60 亿元; 36.7 % against 91.7 %.
    assert first == (
        "截至11月底，全区6个重点项目累计完成投资0.22亿元，占年度计划投资0.60亿元的36.7%，"
        "低于时间进度（91.7%）55.0个百分点；4个新开工项目已开工1个，开工率25.0%，"
        "其中计划11月底前开工的3个项目已开工1个，开工率33.3%。"
    )
    assert levels == (
        "分级别看，省重点项目2个，累计完成投资0.08亿元，完成年度计划的34.1%，应开工1个、已开工0个；"
        "市重点项目2个，累计完成投资0.03亿元，完成年度计划的22.7%，应开工1个、已开工1个；"
        "区重点项目2个，累计完成投资0.12亿元，完成年度计划的44.4%，应开工1个、已开工0个。"
    )
    assert categories.startswith("分类别看，重点产业项目2个，完成投资0.10亿元，完成率55.6%；")
    assert reporting == "11月各责任单位应报送月度调度报告6份，已报送4份，报送率66.7%，按时报送率66.7%。"
    assert tail == (
        "2个新开工项目已过计划开工月份仍未开工；5个项目投资完成率低于时间进度，"
        "请各责任单位对照清单，倒排工期、加快推进。"
    )
    assert (
        problems
        == "本年共收集需协调解决的问题1个，已销号0个，销号率0.0%；目前尚未销号1个，其中超期未办结1个。"
    )


def test_summary_says_ahead_when_ahead(world: World, dispatcher: Any) -> None:
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    stats.total.completion_rate, stats.total.gap = D("95.0"), D("3.3")
    assert "高于时间进度（91.7%）3.3个百分点" in bulletin.summary_paragraphs(stats, None)[0]
    stats.total.completion_rate, stats.total.gap = D("91.7"), D("0.0")
    assert "与时间进度（91.7%）持平" in bulletin.summary_paragraphs(stats, None)[0]


# ---------------------------------------------------------------- Word = statistics


def test_docx_tables_equal_the_statistics(world: World, dispatcher: Any, problem: Any) -> None:
    period = world.periods[11]
    stats = period_statistics(user=dispatcher, period=period)
    content = bulletin.bulletin_content(user=dispatcher, period=period, with_charts=False)
    document = docx_of(content)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "崂山区重点项目建设调度通报" in text and "（2024年第11期）" in text
    assert "崂山区重点项目建设指挥部办公室　　　　2024年12月6日" in text
    for paragraph in content.paragraphs:
        assert paragraph in text

    category = find_table(document, ["项目类别", "项目数"])
    expected = [
        [
            r.label,
            str(r.count),
            fmt_yi(r.total_investment),
            fmt_yi(r.planned_investment),
            fmt_yi(r.invested_ytd),
            fmt_percent(r.completion_rate),
            fmt_points(r.gap),
        ]
        for r in [*stats.by_category, stats.total]
    ]
    assert category[1:] == expected
    # …and by hand: the total row.
    assert category[-1] == ["合计", "6", "4.80", "0.60", "0.22", "36.7%", "-55.0"]
    assert category[1] == ["重点产业", "2", "1.50", "0.18", "0.10", "55.6%", "-36.1"]

    level = find_table(document, ["级别", "项目数"])
    assert level[1:] == [
        ["省重点", "2", "0.22", "0.08", "34.1%", "-57.6", "1", "1", "0", "0.0%"],
        ["市重点", "2", "0.11", "0.03", "22.7%", "-69.0", "2", "1", "1", "100.0%"],
        ["区重点", "2", "0.27", "0.12", "44.4%", "-47.3", "1", "1", "0", "0.0%"],
        ["合计", "6", "0.60", "0.22", "36.7%", "-55.0", "4", "3", "1", "33.3%"],
    ]
    assert level[0][7] == "计划11月底前开工"

    unit = find_table(document, ["序号", "责任单位", "项目数"])
    assert unit[1:] == [
        ["1", "甲单位", "3", "0.21", "0.10", "47.6%", "-44.1", "2", "1"],
        ["2", "乙单位", "3", "0.39", "0.12", "30.8%", "-60.9", "1", "0"],
        ["", "合计", "6", "0.60", "0.22", "36.7%", "-55.0", "3", "1"],
    ]

    late = find_table(document, ["序号", "项目名称", "责任单位", "级别", "计划开工月份"])
    assert late[1:] == [
        ["1", "项目P3", "甲单位", "区重点", "10", "1", fmt_wan(D("300"))],
        ["2", "项目P5", "乙单位", "省重点", "11", "0", fmt_wan(D("1000"))],
    ]
    assert "已过计划开工月份仍未开工的新开工项目共2个。" in text

    behind = find_table(document, ["序号", "项目名称", "责任单位", "年度计划投资（万元）"])
    assert (
        [row[1] for row in behind[1:]]
        == [r.name for r in stats.behind]
        == ["项目P5", "项目P3", "项目P2", "项目P4", "项目P1"]
    )
    assert behind[3] == ["3", "项目P2", "甲单位", "600.00", "250.00", "41.7%", "-50.0"]
    assert "投资完成率低于时间进度（91.7%）的项目共5个。" in text

    reporting = find_table(document, ["序号", "责任单位", "应报（份）"])
    # Nobody late, deadline not passed: only the district's total.
    assert reporting[1:] == [["", "全区合计", "6", "4", "0", "2", "66.7%", "66.7%"]]
    assert "截止日期未到，暂无逾期报送的单位。" in text

    problems = find_table(document, ["问题类型", "本年提出"])
    assert problems[1:] == [["用地", "1", "0", "1", "1", "—"], ["合计", "1", "0", "1", "1", "—"]]
    overdue = find_table(document, ["序号", "项目", "问题"])
    assert overdue[1][1:5] == ["项目P1", "用地指标未落实", "甲", "2024-11-20"]  # coordination's short name


def test_docx_lists_late_units_after_the_deadline(world: World, dispatcher: Any) -> None:
    content = bulletin.bulletin_content(user=dispatcher, period=world.periods[10], with_charts=False)
    document = docx_of(content)
    reporting = find_table(document, ["序号", "责任单位", "应报（份）"])
    assert reporting[1:] == [
        ["1", "甲单位", "3", "2", "1", "1", "66.7%", "33.3%"],
        ["2", "乙单位", "3", "0", "0", "3", "0.0%", "0.0%"],
        ["", "全区合计", "6", "2", "1", "4", "33.3%", "16.7%"],
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "10月报告截止日期为2024年11月7日。以下2个单位存在逾期报送或未报送情况。" in text
    assert "2个单位存在逾期报送或未报送情况" in content.paragraphs[3]


def test_docx_has_the_charts(world: World, dispatcher: Any) -> None:
    content = bulletin.bulletin_content(user=dispatcher, period=world.periods[11])
    assert set(content.charts) == {"category", "unit", "new_starts"}
    assert all(png.startswith(PNG) for png in content.charts.values())
    document = docx_of(content)
    assert len(document.inline_shapes) == 3
    text = "\n".join(p.text for p in document.paragraphs)
    assert "图1 分类别投资完成率" in text and "图3 分责任单位投资完成率" in text


# ---------------------------------------------------------------- Excel = statistics


def test_xlsx_cells_equal_the_statistics(world: World, dispatcher: Any, problem: Any) -> None:
    period = world.periods[11]
    stats: PeriodStatistics = period_statistics(user=dispatcher, period=period)
    content = bulletin.bulletin_content(user=dispatcher, period=period, with_charts=False)
    book = xlsx_of(content)
    assert book.sheetnames == [
        "通报摘要", "分类别", "分级别", "分责任单位", "逾期未开工",
        "进度滞后", "报送情况", "问题协调", "超期问题", "说明",
    ]  # fmt: skip
    summary = [row[0] for row in book["通报摘要"].iter_rows(values_only=True) if row[0]]
    assert summary[0] == "崂山区重点项目建设调度通报（2024年第11期）"
    assert content.paragraphs[0] in summary

    def pct(value: Decimal | None) -> float | None:
        return None if value is None else float(value / 100)

    rows = sheet_rows(book["分类别"], "项目类别")
    assert [r[0] for r in rows] == ["重点产业", "城市更新", "社会民生", "基础设施", "合计"]
    for row, figures in zip(rows, [*stats.by_category, stats.total], strict=True):
        assert row[1] == figures.count
        assert row[2] == float(wan_to_yi(figures.total_investment))
        assert row[3] == float(wan_to_yi(figures.planned_investment))
        assert row[4] == float(wan_to_yi(figures.invested_ytd))
        assert row[5] == pct(figures.completion_rate)
        assert row[6] == (None if figures.gap is None else float(figures.gap))
    assert rows[-1][1:] == (6, 4.8, 0.6, 0.22, 0.367, -55.0)

    rows = sheet_rows(book["分级别"], "级别")
    assert rows[-1] == ("合计", 6, 0.6, 0.22, 0.367, -55.0, 4, 3, 1, 0.333)

    rows = sheet_rows(book["分责任单位"], "序号")
    assert rows[0] == (1, "甲单位", 3, 0.21, 0.1, 0.476, -44.1, 2, 1)
    assert rows[1] == (2, "乙单位", 3, 0.39, 0.12, 0.308, -60.9, 1, 0)

    rows = sheet_rows(book["逾期未开工"], "序号")
    assert rows == [
        (1, "项目P3", "甲单位", "区重点", 10, 1, 300),
        (2, "项目P5", "乙单位", "省重点", 11, 0, 1000),
    ]

    rows = sheet_rows(book["进度滞后"], "序号")
    assert [(r[1], r[4], r[5], r[6]) for r in rows] == [
        (b.name, float(b.invested_ytd), float(b.completion_rate / 100), float(-b.gap)) for b in stats.behind
    ]

    rows = sheet_rows(book["报送情况"], "序号")
    assert rows == [(None, "全区合计", 6, 4, 0, 2, 0.667, 0.667)]
    rows = sheet_rows(book["问题协调"], "问题类型")
    assert rows[-1] == ("合计", 1, 0, 1, 1, None)
    # Percentages are real Excel percentages.
    assert book["分类别"]["F4"].number_format == "0.0%"


# ---------------------------------------------------------------- charts and the font


def test_bundled_font_renders_chinese_without_missing_glyphs(world: World, dispatcher: Any) -> None:
    assert charts.FONT_PATH.exists()
    assert charts.FONT_PATH.stat().st_size < 10 * 1024 * 1024
    assert charts.font_family() == "Noto Sans SC"
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = charts.bulletin_charts(stats)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    for png in images.values():
        assert png.startswith(PNG)
        assert len(png) > 10_000


def test_font_covers_every_character_of_the_labels(world: World, dispatcher: Any) -> None:
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(charts.FONT_PATH)).getBestCmap()
    stats = period_statistics(user=dispatcher, period=world.periods[11])
    labels = "".join(r.label for r in [*stats.by_category, *stats.by_level, *stats.by_unit])
    labels += "分类别投资完成率截至月底时间进度新开工项目计划前已开工应开工中"
    labels += "责任单位最低的个合计全部年度项目数（）%"
    labels += "崂山区沙子口王哥庄北宅金家岭中韩街道办事处"
    assert [c for c in labels if ord(c) not in cmap] == []


# ---------------------------------------------------------------- the service


def test_generate_keeps_the_files_and_figures(world: World, dispatcher: Any, media: Any) -> None:
    period = world.periods[11]
    first = bulletin.bulletin_generate(actor=dispatcher, period=period)
    assert (first.number, first.revision) == (11, 1)
    assert first.title == "崂山区重点项目建设调度通报（2024年第11期）"
    assert first.generated_by == dispatcher
    assert first.figures == period_statistics(user=dispatcher, period=period).as_dict()
    assert first.figures["total"]["completion_rate"] == "36.7"
    with first.docx.open("rb") as handle:
        assert handle.read(2) == b"PK"
    with first.xlsx.open("rb") as handle:
        assert handle.read(2) == b"PK"
    assert (media / first.docx.name).exists()
    second = bulletin.bulletin_generate(
        actor=dispatcher, period=period, number=12, issuer="区发展和改革局", issued_on=dt.date(2024, 12, 9)
    )
    assert (second.number, second.revision) == (12, 2)
    assert second.title.endswith("（2024年第12期）")
    assert (
        bulletin.bulletin_filename(second, "docx")
        == "崂山区重点项目建设调度通报（2024年第12期）（第2版）.docx"
    )
    assert Bulletin.objects.filter(period=period).count() == 2
    records = ChangeRecord.objects.filter(object_type__iendswith="bulletin", reason="生成调度通报")
    assert sorted(records.values_list("object_id", flat=True)) == sorted([str(first.pk), str(second.pk)])
    document = Document(second.docx.path)
    assert "区发展和改革局　　　　2024年12月9日" in "\n".join(p.text for p in document.paragraphs)


def test_a_bulletin_issued_from_the_english_ui_is_chinese(world: World, dispatcher: Any, media: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        issued = bulletin.bulletin_generate(actor=dispatcher, period=world.periods[11])
    assert issued.title == "崂山区重点项目建设调度通报（2024年第11期）"
    text = "\n".join(p.text for p in Document(issued.docx.path).paragraphs)
    tables = " ".join(c.text for t in Document(issued.docx.path).tables for r in t.rows for c in r.cells)
    assert "截至11月底" in text and "重点产业" in tables and "Key industr" not in tables


def test_only_the_dispatcher_generates(world: World, leader_user: Any, clerk_a: Any, media: Any) -> None:
    for user in (leader_user, clerk_a):
        with pytest.raises(PermissionDenied):
            bulletin.bulletin_generate(actor=user, period=world.periods[11])
    assert not Bulletin.objects.exists()


def test_bad_issue_number_is_refused(world: World, dispatcher: Any, media: Any) -> None:
    with pytest.raises(ValidationError) as error:
        bulletin.bulletin_generate(actor=dispatcher, period=world.periods[11], number=0)
    assert "期号" in str(error.value)
    assert not Bulletin.objects.exists()


def test_bulletin_rows_are_restricted(
    world: World, dispatcher: Any, leader_user: Any, clerk_a: Any, auditor: Any, media: Any
) -> None:
    bulletin.bulletin_generate(actor=dispatcher, period=world.periods[11])
    assert Bulletin.objects.restrict(dispatcher, "view").count() == 1
    assert Bulletin.objects.restrict(leader_user, "view").count() == 1
    assert Bulletin.objects.restrict(leader_user, "change").count() == 0
    assert Bulletin.objects.restrict(clerk_a, "view").count() == 0
    assert Bulletin.objects.restrict(auditor, "view").count() == 0
