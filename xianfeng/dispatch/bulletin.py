"""The dispatch bulletin (调度通报): one click makes a Word document and an Excel workbook from a
period's statistics, with charts, and keeps them (a ``Bulletin`` row) so the same issue can be
downloaded again.

Every figure comes from :func:`xianfeng.dispatch.statistics.period_statistics` — the statistics
page's figures — and is written by the same formatting functions in both files; the tables are
built once (:func:`bulletin_tables`) and written to both. The problems section comes from
``coordination.selectors.problems_bulletin_section``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.services import change_record, diff, snapshot
from xianfeng.coordination.selectors import ProblemsBulletin, problems_bulletin_section
from xianfeng.dispatch.models import Bulletin, ReportingPeriod
from xianfeng.dispatch.statistics import (
    Figures,
    PeriodStatistics,
    fmt_int,
    fmt_percent,
    fmt_points,
    period_statistics,
)
from xianfeng.lib import clock
from xianfeng.lib.money import fmt_wan, fmt_yi, wan_to_yi
from xianfeng.org.choices import RegionLevel, Role
from xianfeng.org.models import Region, User

# Limits of the bulletin's lists (the statistics page shows the same).
BEHIND_LIMIT = 20
LATE_START_LIMIT = 100
OVERDUE_PROBLEMS_LIMIT = 20

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------- how figures are written


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def fmt_yi_plain(amount: Decimal) -> str:
    return f"{wan_to_yi(amount)}"


FORMATTERS = {
    "text": lambda v: "" if v is None else str(v),
    "int": fmt_int,
    "money": fmt_wan,
    "yi": fmt_yi,
    "decimal": lambda v: "—" if v is None else str(v),
    "percent": fmt_percent,
    "points": fmt_points,
}


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, int, money (万元), yi (万元 shown in 亿元), decimal, percent, points
    width_cm: float = 2.0


@dataclass
class Table:
    """One table of the bulletin: the same rows go to Word (formatted) and Excel (as numbers)."""

    key: str
    heading: str  # the section heading above it
    title: str  # the sheet name / table caption
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    total_rows: int = 0  # how many rows at the end are totals (bold)

    def formatted(self) -> list[list[str]]:
        return [[FORMATTERS[c.kind](v) for c, v in zip(self.columns, row, strict=True)] for row in self.rows]

    @property
    def header(self) -> list[str]:
        return [c.label for c in self.columns]


# ---------------------------------------------------------------- the content


@dataclass
class BulletinContent:
    title: str
    issue: str  # （2024年第11期）
    issuer: str
    issued_on: dt.date
    district: str
    paragraphs: list[str]
    tables: list[Table]
    stats: PeriodStatistics
    problems: ProblemsBulletin | None
    charts: dict[str, bytes] = field(default_factory=dict)


def district_name() -> str:
    name = (
        Region.objects.filter(level=RegionLevel.DISTRICT)
        .order_by("order", "code")
        .values_list("name", flat=True)
        .first()
    )
    return name or ""


def default_issuer(district: str) -> str:
    configured = getattr(settings, "XF_BULLETIN_ISSUER", "")
    return configured or f"{district}重点项目建设指挥部办公室"


def bulletin_title(district: str) -> str:
    return f"{district}重点项目建设调度通报"


def issue_label(year: int, number: int) -> str:
    return f"（{year}年第{number}期）"


def _compare(gap: Decimal | None, tp: Decimal) -> str:
    """高于/低于/与…持平 the time progress, as a clause."""
    if gap is None:
        return ""
    if gap > 0:
        return f"高于时间进度（{tp}%）{gap}个百分点"
    if gap < 0:
        return f"低于时间进度（{tp}%）{-gap}个百分点"
    return f"与时间进度（{tp}%）持平"


def summary_paragraphs(stats: PeriodStatistics, problems: ProblemsBulletin | None) -> list[str]:
    """The bulletin's opening: the key figures stated in sentences."""
    month = stats.period.month
    total = stats.total
    tp = stats.time_progress
    out: list[str] = []
    first = f"截至{month}月底，全区{total.count}个重点项目累计完成投资{fmt_yi_plain(total.invested_ytd)}亿元"
    if total.completion_rate is not None:
        first += (
            f"，占年度计划投资{fmt_yi_plain(total.planned_investment)}亿元的{total.completion_rate}%，"
            f"{_compare(total.gap, tp)}"
        )
    if total.new_starts:
        first += f"；{total.new_starts}个新开工项目已开工{total.started}个，开工率{total.start_rate_all}%"
        if total.due_to_start:
            first += (
                f"，其中计划{month}月底前开工的{total.due_to_start}个项目已开工{total.started_due}个，"
                f"开工率{total.start_rate}%"
            )
    out.append(first + "。")

    parts = []
    for row in stats.by_level:
        if not row.count:
            continue
        text = f"{row.label}项目{row.count}个，累计完成投资{fmt_yi_plain(row.invested_ytd)}亿元"
        if row.completion_rate is not None:
            text += f"，完成年度计划的{row.completion_rate}%"
        if row.due_to_start:
            text += f"，应开工{row.due_to_start}个、已开工{row.started_due}个"
        parts.append(text)
    if parts:
        out.append("分级别看，" + "；".join(parts) + "。")

    parts = []
    for row in stats.by_category:
        if not row.count:
            continue
        text = f"{row.label}项目{row.count}个，完成投资{fmt_yi_plain(row.invested_ytd)}亿元"
        if row.completion_rate is not None:
            text += f"，完成率{row.completion_rate}%"
        parts.append(text)
    if parts:
        out.append("分类别看，" + "；".join(parts) + "。")

    rep = stats.reporting_total
    if rep.due:
        text = (
            f"{month}月各责任单位应报送月度调度报告{rep.due}份，已报送{rep.handed_in}份，"
            f"报送率{rep.submission_rate}%，按时报送率{rep.on_time_rate}%"
        )
        late_units = stats.late_units
        text += f"；{len(late_units)}个单位存在逾期报送或未报送情况。" if late_units else "。"
        out.append(text)

    tail = []
    if stats.late_starts_count:
        tail.append(f"{stats.late_starts_count}个新开工项目已过计划开工月份仍未开工")
    if stats.behind_count:
        tail.append(f"{stats.behind_count}个项目投资完成率低于时间进度")
    if tail:
        out.append("；".join(tail) + "，请各责任单位对照清单，倒排工期、加快推进。")

    if problems is not None and (problems.raised_ytd or problems.open):
        text = f"本年共收集需协调解决的问题{problems.raised_ytd}个，已销号{problems.closed_ytd}个"
        if problems.close_rate is not None:
            text += f"，销号率{problems.close_rate}%"
        text += f"；目前尚未销号{problems.open}个，其中超期未办结{problems.overdue}个。"
        out.append(text)
    return out


# ---------------------------------------------------------------- the tables


def _investment_row(label: str, row: Figures) -> list[Any]:
    return [
        label,
        row.count,
        row.total_investment,
        row.planned_investment,
        row.invested_ytd,
        row.completion_rate,
        row.gap,
    ]


INVESTMENT_COLUMNS = [
    Column("项目数", "int", 1.4),
    Column("总投资（亿元）", "yi", 2.4),
    Column("年度计划投资（亿元）", "yi", 2.4),
    Column("累计完成投资（亿元）", "yi", 2.4),
    Column("完成率", "percent", 1.8),
    Column("较时间进度（百分点）", "points", 2.0),
]


def bulletin_tables(stats: PeriodStatistics, problems: ProblemsBulletin | None) -> list[Table]:
    month = stats.period.month
    tables = [
        Table(
            "category",
            "分类别完成情况",
            "分类别",
            [Column("项目类别", "text", 2.6), *INVESTMENT_COLUMNS],
            [_investment_row(r.label, r) for r in stats.by_category] + [_investment_row("合计", stats.total)],
            total_rows=1,
        ),
        Table(
            "level",
            "分级别完成情况",
            "分级别",
            [
                Column("级别", "text", 1.5),
                Column("项目数", "int", 1.2),
                Column("年度计划投资（亿元）", "yi", 2.0),
                Column("累计完成投资（亿元）", "yi", 2.0),
                Column("完成率", "percent", 1.5),
                Column("较时间进度（百分点）", "points", 1.7),
                Column("新开工项目", "int", 1.4),
                Column(f"计划{month}月底前开工", "int", 1.6),
                Column("已开工", "int", 1.2),
                Column("开工率", "percent", 1.6),
            ],
            [
                [
                    r.label,
                    r.count,
                    r.planned_investment,
                    r.invested_ytd,
                    r.completion_rate,
                    r.gap,
                    r.new_starts,
                    r.due_to_start,
                    r.started_due,
                    r.start_rate,
                ]
                for r in [*stats.by_level, stats.total]
            ],
            total_rows=1,
        ),
    ]
    tables.append(
        Table(
            "unit",
            "分责任单位完成情况",
            "分责任单位",
            [
                Column("序号", "int", 1.0),
                Column("责任单位", "text", 3.8),
                Column("项目数", "int", 1.2),
                Column("年度计划投资（亿元）", "yi", 2.0),
                Column("累计完成投资（亿元）", "yi", 2.0),
                Column("完成率", "percent", 1.6),
                Column("较时间进度（百分点）", "points", 1.7),
                Column("应开工", "int", 1.2),
                Column("已开工", "int", 1.2),
            ],
            [
                [
                    i,
                    r.label,
                    r.count,
                    r.planned_investment,
                    r.invested_ytd,
                    r.completion_rate,
                    r.gap,
                    r.due_to_start,
                    r.started_due,
                ]
                for i, r in enumerate(stats.by_unit, 1)
            ]
            + [
                [
                    "",
                    "合计",
                    stats.total.count,
                    stats.total.planned_investment,
                    stats.total.invested_ytd,
                    stats.total.completion_rate,
                    stats.total.gap,
                    stats.total.due_to_start,
                    stats.total.started_due,
                ]
            ],
            total_rows=1,
        )
    )
    count = stats.late_starts_count
    shown = len(stats.late_starts)
    tables.append(
        Table(
            "late_starts",
            "逾期未开工的新开工项目",
            "逾期未开工",
            [
                Column("序号", "int", 1.0),
                Column("项目名称", "text", 5.4),
                Column("责任单位", "text", 3.2),
                Column("级别", "text", 1.4),
                Column("计划开工月份", "int", 1.5),
                Column("滞后（月）", "int", 1.3),
                Column("年度计划投资（万元）", "money", 2.2),
            ],
            [
                [i, r.name, r.unit, r.level, r.planned_start_month, r.months_late, r.planned_investment]
                for i, r in enumerate(stats.late_starts, 1)
            ],
            note=(
                f"截至{month}月底，已过计划开工月份仍未开工的新开工项目共{count}个"
                + (f"，以下列出计划开工最早的{shown}个。" if shown < count else "。")
                if count
                else f"截至{month}月底，计划开工的新开工项目均已开工。"
            ),
        )
    )
    behind_count = stats.behind_count
    shown = len(stats.behind)
    tables.append(
        Table(
            "behind",
            "投资进度滞后项目",
            "进度滞后",
            [
                Column("序号", "int", 1.0),
                Column("项目名称", "text", 4.9),
                Column("责任单位", "text", 2.9),
                Column("年度计划投资（万元）", "money", 2.2),
                Column("累计完成投资（万元）", "money", 2.2),
                Column("完成率", "percent", 1.4),
                Column("较时间进度（百分点）", "points", 1.8),
            ],
            [
                [i, r.name, r.unit, r.planned_investment, r.invested_ytd, r.completion_rate, -r.gap]
                for i, r in enumerate(stats.behind, 1)
            ],
            note=(
                f"投资完成率低于时间进度（{stats.time_progress}%）的项目共{behind_count}个"
                + (f"，以下列出差距最大的{shown}个。" if shown < behind_count else "。")
                if behind_count
                else "各项目投资完成率均不低于时间进度。"
            ),
        )
    )
    late_units = stats.late_units
    tables.append(
        Table(
            "reporting",
            "月度调度报告报送情况",
            "报送情况",
            [
                Column("序号", "int", 1.0),
                Column("责任单位", "text", 4.2),
                Column("应报（份）", "int", 1.5),
                Column("已报（份）", "int", 1.5),
                Column("逾期报送（份）", "int", 1.7),
                Column("未报（份）", "int", 1.5),
                Column("报送率", "percent", 1.6),
                Column("按时报送率", "percent", 1.8),
            ],
            [
                [i, u.label, u.due, u.handed_in, u.late, u.missing, u.submission_rate, u.on_time_rate]
                for i, u in enumerate(late_units, 1)
            ]
            + [
                [
                    "",
                    "全区合计",
                    stats.reporting_total.due,
                    stats.reporting_total.handed_in,
                    stats.reporting_total.late,
                    stats.reporting_total.missing,
                    stats.reporting_total.submission_rate,
                    stats.reporting_total.on_time_rate,
                ]
            ],
            note=(
                f"{month}月报告截止日期为{_cn_date(stats.period.deadline)}。"
                + (
                    f"以下{len(late_units)}个单位存在逾期报送或未报送情况。"
                    if late_units
                    else "各单位均已按时报送。"
                    if stats.deadline_passed
                    else "截止日期未到，暂无逾期报送的单位。"
                )
            ),
            total_rows=1,
        )
    )
    if problems is not None:
        tables.append(
            Table(
                "problems",
                "问题协调情况",
                "问题协调",
                [
                    Column("问题类型", "text", 3.4),
                    Column("本年提出", "int", 1.7),
                    Column("本年销号", "int", 1.7),
                    Column("尚未销号", "int", 1.7),
                    Column("超期未办结", "int", 1.8),
                    Column("办结用时中位数（天）", "decimal", 2.6),
                ],
                [
                    [
                        t.label,
                        t.raised,
                        t.closed,
                        t.open,
                        t.overdue,
                        t.median_days,
                    ]
                    for t in problems.by_type
                ]
                + [
                    [
                        "合计",
                        problems.raised_ytd,
                        problems.closed_ytd,
                        problems.open,
                        problems.overdue,
                        problems.median_days,
                    ]
                ],
                note=(
                    f"截至{month}月底，本年收集需协调解决的问题{problems.raised_ytd}个，"
                    f"已销号{problems.closed_ytd}个，尚未销号{problems.open}个，其中超期未办结{problems.overdue}个。"
                    if problems.raised_ytd or problems.open
                    else f"截至{month}月底，本年暂无需协调解决的问题。"
                ),
                total_rows=1,
            )
        )
        if not (problems.raised_ytd or problems.open):
            tables[-1].rows = []  # nothing to count: the note says so
        if problems.overdue_list:
            tables.append(
                Table(
                    "overdue_problems",
                    "",
                    "超期问题",
                    [
                        Column("序号", "int", 1.0),
                        Column("项目", "text", 3.8),
                        Column("问题", "text", 4.0),
                        Column("责任单位", "text", 2.6),
                        Column("办理期限", "text", 2.4),
                        Column("超期（工作日）", "int", 1.8),
                    ],
                    [
                        [i, p.project, p.title, p.unit, f"{p.deadline:%Y-%m-%d}", p.working_days_late]
                        for i, p in enumerate(problems.overdue_list, 1)
                    ],
                    note=f"超期未办结的问题共{problems.overdue}个"
                    + (
                        f"，以下列出期限最早的{len(problems.overdue_list)}个。"
                        if problems.overdue > len(problems.overdue_list)
                        else "："
                    ),
                )
            )
    return tables


def bulletin_content(
    *,
    user: User,
    period: ReportingPeriod,
    number: int | None = None,
    issuer: str = "",
    issued_on: dt.date | None = None,
    with_charts: bool = True,
) -> BulletinContent:
    stats = period_statistics(
        user=user, period=period, behind_limit=BEHIND_LIMIT, late_start_limit=LATE_START_LIMIT
    )
    problems = problems_bulletin_section(
        user=user, as_of=period.end_date, overdue_limit=OVERDUE_PROBLEMS_LIMIT
    )
    district = district_name() or stats.scope_label
    content = BulletinContent(
        title=bulletin_title(district),
        issue=issue_label(period.year, number or period.month),
        issuer=issuer.strip() or default_issuer(district),
        issued_on=issued_on or clock.today(),
        district=district,
        paragraphs=summary_paragraphs(stats, problems),
        tables=bulletin_tables(stats, problems),
        stats=stats,
        problems=problems,
    )
    if with_charts:
        from xianfeng.dispatch import charts  # matplotlib: loaded when a bulletin is made

        content.charts = charts.bulletin_charts(stats)
    return content


# ---------------------------------------------------------------- Word


SECTION_NUMBERS = "一二三四五六七八九十"
CHART_CAPTIONS = {
    "category": "分类别投资完成率",
    "new_starts": "新开工项目开工情况",
    "unit": "分责任单位投资完成率",
}
CHART_AFTER = {"category": "category", "level": "new_starts", "unit": "unit"}
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "黑体"
TABLE_FONT = "宋体"
TEXT_WIDTH_CM = 15.8  # A4 (21 cm) less 2.6 cm margins each side


def _set_font(run: Any, name: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        r_fonts.set(qn(attr), name)
    if size_pt is not None:
        run.font.size = Pt(size_pt)
    if bold is not None:
        run.font.bold = bold


def _paragraph(document: Any, text: str, *, font: str = BODY_FONT, size: float = 15, bold: bool = False,
               align: str = "justify", indent: bool = True, space_after: float = 0) -> Any:  # fmt: skip
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }[align]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(size * 1.75)
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _set_font(paragraph.add_run(text), font, size, bold)
    return paragraph


TWIPS_PER_CM = 567
TABLE_PT = 9


def _cell_xml(text: str, width: int, align: str, *, bold: bool, shade: bool) -> str:
    shading = '<w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/>' if shade else ""
    font = quoteattr(TABLE_FONT)
    size = TABLE_PT * 2
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}<w:vAlign w:val="center"/></w:tcPr>'
        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
        f'<w:ind w:firstLine="0"/><w:jc w:val="{align}"/></w:pPr>'
        f"<w:r><w:rPr><w:rFonts w:ascii={font} w:hAnsi={font} w:eastAsia={font} w:cs={font}/>"
        f'{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>'
    )


def _word_table(document: Any, table: Table) -> None:
    """The table as WordprocessingML, written in one piece (python-docx's cell-by-cell API is slow
    for long tables): full text width, fixed column widths, thin borders, a shaded header row
    repeated on every page, rows that do not break across pages."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    total_width = sum(c.width_cm for c in table.columns)
    widths = [int(c.width_cm * TEXT_WIDTH_CM / total_width * TWIPS_PER_CM) for c in table.columns]
    border = 'w:val="single" w:sz="4" w:space="0" w:color="000000"'
    borders = "".join(
        f"<w:{side} {border}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr>',
        "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>",
    ]
    rows = table.formatted()
    n_rows = len(rows)
    header_height = int(0.55 * TWIPS_PER_CM)
    row_height = int(0.45 * TWIPS_PER_CM)
    parts.append(
        f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{header_height}" w:hRule="atLeast"/>'
        "<w:tblHeader/></w:trPr>"
        + "".join(
            _cell_xml(label, width, "center", bold=True, shade=True)
            for label, width in zip(table.header, widths, strict=True)
        )
        + "</w:tr>"
    )
    aligns = [
        "left" if c.kind == "text" else ("center" if c.kind == "int" and i == 0 else "right")
        for i, c in enumerate(table.columns)
    ]
    for r, values in enumerate(rows, 1):
        bold = r > n_rows - table.total_rows
        cells = "".join(
            _cell_xml(text, width, align, bold=bold, shade=False)
            for text, width, align in zip(values, widths, aligns, strict=True)
        )
        parts.append(
            f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{row_height}" w:hRule="atLeast"/></w:trPr>'
            f"{cells}</w:tr>"
        )
    parts.append("</w:tbl>")
    body = document.element.body
    body.insert(len(body) - 1, parse_xml("".join(parts)))  # before the section properties


def _page_number_footer(section: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run("— ")
    _set_font(run, TABLE_FONT, 10)
    field_run = paragraph.add_run()
    _set_font(field_run, TABLE_FONT, 10)
    for kind, text in [("begin", None), (None, " PAGE "), ("end", None)]:
        if kind:
            element = field_run._element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
        else:
            element = field_run._element.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            element.text = text
        field_run._element.append(element)
    _set_font(paragraph.add_run(" —"), TABLE_FONT, 10)


def build_docx(content: BulletinContent) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.6), Cm(2.6)
    _page_number_footer(section)
    core = document.core_properties
    core.title = f"{content.title}{content.issue}"
    core.author = content.issuer
    core.language = "zh-CN"

    _paragraph(document, content.title, font=TITLE_FONT, size=22, align="center", indent=False, space_after=4)
    _paragraph(document, content.issue, font=BODY_FONT, size=16, align="center", indent=False, space_after=2)
    line = _paragraph(
        document,
        f"{content.issuer}　　　　{_cn_date(content.issued_on)}",
        font=BODY_FONT,
        size=14,
        align="center",
        indent=False,
        space_after=10,
    )
    _bottom_rule(line)

    number = 0

    def heading(text: str) -> None:
        nonlocal number
        paragraph = _paragraph(document, f"{SECTION_NUMBERS[number]}、{text}", font=HEADING_FONT, size=15)
        paragraph.paragraph_format.keep_with_next = True
        number += 1

    heading("总体情况")
    for text in content.paragraphs:
        _paragraph(document, text)
    chart_number = 0
    for table in content.tables:
        if table.heading:
            heading(table.heading)
        if table.note:
            _paragraph(document, table.note).paragraph_format.keep_with_next = bool(table.rows)
        if table.rows:
            _word_table(document, table)
        chart = CHART_AFTER.get(table.key)
        if chart and chart in content.charts:
            chart_number += 1
            picture = document.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.space_before = Pt(6)
            picture.add_run().add_picture(io.BytesIO(content.charts[chart]), width=Cm(15.5))
            _paragraph(
                document,
                f"图{chart_number} {CHART_CAPTIONS[chart]}",
                font=TABLE_FONT,
                size=10,
                align="center",
                indent=False,
            )
        else:
            document.add_paragraph().paragraph_format.space_after = Pt(0)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _bottom_rule(paragraph: Any) -> None:
    """The red line under the issuing office, as on official documents (版头分隔线)."""
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.makeelement(qn("w:pBdr"), {})
    bottom = borders.makeelement(
        qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "12", qn("w:space"): "4", qn("w:color"): "C00000"}
    )
    borders.append(bottom)
    p_pr.append(borders)


# ---------------------------------------------------------------- Excel


def build_xlsx(content: BulletinContent) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    summary = workbook.active
    summary.title = "通报摘要"
    bold = Font(name="宋体", bold=True, size=11)
    plain = Font(name="宋体", size=10)
    title_font = Font(name="黑体", size=16, bold=True)
    header_fill = PatternFill("solid", fgColor="D9E2F3")
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    summary.column_dimensions["A"].width = 64  # fits a portrait A4 page
    summary["A1"] = f"{content.title}{content.issue}"
    summary["A1"].font = title_font
    summary["A2"] = f"{content.issuer}　{content.issued_on:%Y-%m-%d}"
    summary["A2"].font = plain
    row = 4
    for text in content.paragraphs:
        cell = summary.cell(row=row, column=1, value=text)
        cell.font = Font(name="宋体", size=11)
        cell.alignment = wrap
        summary.row_dimensions[row].height = 16 * (len(text) // 28 + 1)  # ~30 characters a line
        row += 1
    row += 1
    for name in ("category", "new_starts", "unit"):
        if name not in content.charts:
            continue
        image = Image(io.BytesIO(content.charts[name]))
        image.width, image.height = image.width * 0.5, image.height * 0.5
        summary.add_image(image, f"A{row}")
        row += int(image.height / 20) + 2

    number_formats = {
        "int": "0",
        "money": "#,##0.00",
        "yi": "#,##0.00",
        "decimal": "0.0",
        "percent": "0.0%",
        "points": "+0.0;-0.0;0.0",
    }
    for table in content.tables:
        sheet = workbook.create_sheet(table.title[:31])
        columns = table.columns
        sheet.cell(row=1, column=1, value=table.heading or table.title).font = Font(
            name="黑体", size=13, bold=True
        )
        start = 2
        if table.note:
            sheet.cell(row=2, column=1, value=table.note).font = plain
            start = 3
        for c, column in enumerate(columns, 1):
            cell = sheet.cell(row=start, column=c, value=column.label)
            cell.font = bold
            cell.fill = header_fill
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            sheet.column_dimensions[get_column_letter(c)].width = max(8, column.width_cm * 5.2)
        sheet.row_dimensions[start].height = 30
        n_rows = len(table.rows)
        for r, values in enumerate(table.rows, 1):
            is_total = r > n_rows - table.total_rows
            for c, (column, value) in enumerate(zip(columns, values, strict=True), 1):
                if value is not None and column.kind == "percent":
                    value = value / 100
                elif value is not None and column.kind == "yi":
                    value = wan_to_yi(value)
                elif value == "":
                    value = None
                cell = sheet.cell(row=start + r, column=c, value=value)
                cell.font = bold if is_total else plain
                cell.border = border
                if column.kind in number_formats:
                    cell.number_format = number_formats[column.kind]
        sheet.freeze_panes = sheet.cell(row=start + 1, column=1)
        sheet.print_title_rows = f"{start}:{start}"
    for sheet in workbook.worksheets:
        # Printed: A4, landscape for the tables, every sheet one page wide.
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "portrait" if sheet is summary else "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet = workbook.create_sheet("说明")
    sheet.column_dimensions["A"].width = 100
    for r, text in enumerate(EXPLANATION, 1):
        sheet.cell(row=r, column=1, value=text).alignment = wrap
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


EXPLANATION = [
    "口径说明",
    "累计完成投资：各项目本年度截至本月最近一期已报送（已提交、单位已审核或已采纳）的月度调度报告的"
    "1–N月累计完成投资；草稿和被退回的报告不计。",
    "时间进度：月份 ÷ 12；投资完成率：累计完成投资 ÷ 年度计划投资；"
    "较时间进度：完成率与时间进度之差（百分点，负数为落后）。",
    "已开工：实际开工日期在本月底以前的新开工项目；开工率：计划本月底前开工的项目中已开工的比例。",
    "报送率：已报送 ÷ 应报送；按时报送率：在截止日期前报送 ÷ 应报送。",
    "百分比保留一位小数（四舍五入），金额单位万元。",
]


# ---------------------------------------------------------------- the service


def _ensure_dispatcher(actor: User) -> None:
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有调度专员可以生成调度通报"))


def next_revision(period: ReportingPeriod) -> int:
    latest = Bulletin.objects.filter(period=period).aggregate(m=Max("revision"))["m"]
    return (latest or 0) + 1


@transaction.atomic
def bulletin_generate(
    *,
    actor: User,
    period: ReportingPeriod,
    number: int | None = None,
    issuer: str = "",
    issued_on: dt.date | None = None,
    request_id: str = "",
) -> Bulletin:
    """Make the bulletin of ``period`` (Word + Excel with charts) and keep it. Dispatcher only."""
    _ensure_dispatcher(actor)
    if number is not None and not 1 <= int(number) <= 99:
        raise ValidationError({"number": gettext("期号应为 1–99，收到 %(number)s") % {"number": number}})
    if len(issuer.strip()) > 100:
        raise ValidationError({"issuer": gettext("发文单位不能超过 100 个字")})
    # The bulletin is an official Chinese document, whatever the language of the one who issues it.
    with translation.override("zh-hans"):
        content = bulletin_content(
            user=actor, period=period, number=number, issuer=issuer, issued_on=issued_on
        )
        docx_bytes = build_docx(content)
        xlsx_bytes = build_xlsx(content)
    # Lock the period's row so two clicks at once get revisions 1 and 2, not a clash.
    ReportingPeriod.objects.select_for_update().filter(pk=period.pk).first()
    revision = next_revision(period)
    bulletin = Bulletin(
        period=period,
        number=number or period.month,
        revision=revision,
        title=f"{content.title}{content.issue}",
        issuer=content.issuer,
        issued_on=content.issued_on,
        generated_at=clock.now(),
        generated_by=actor,
        figures=content.stats.as_dict(),
    )
    stem = f"bulletin-{period.key}-n{bulletin.number}-r{revision}"
    bulletin.docx.save(f"{stem}.docx", ContentFile(docx_bytes), save=False)
    bulletin.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx_bytes), save=False)
    bulletin.save()
    # The audit record names what was issued; the figures themselves stay on the row.
    fields = ["period", "number", "revision", "title", "issuer", "issued_on", "generated_at", "generated_by"]
    changes = diff(Bulletin, {}, snapshot(bulletin, fields))
    for name in ("docx", "xlsx"):
        changes[name] = {
            "label": str(Bulletin._meta.get_field(name).verbose_name),
            "old": None,
            "new": getattr(bulletin, name).name,
        }
    change_record(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=bulletin,
        changes=changes,
        reason="生成调度通报",
        request_id=request_id,
    )
    return bulletin


def bulletin_filename(bulletin: Bulletin, extension: str) -> str:
    """What the download is called: the title, with the revision when it is not the first."""
    suffix = f"（第{bulletin.revision}版）" if bulletin.revision > 1 else ""
    return f"{bulletin.title}{suffix}.{extension}"
