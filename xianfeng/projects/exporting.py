"""The registry list as an Excel workbook, laid out like the familiar 重点项目调度表."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from xianfeng.projects import selectors
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.models import Project

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"

_KIND = dict(Kind.choices)
_LEVEL = dict(Level.choices)
_CATEGORY = dict(Category.choices)
_STAGE = dict(Stage.choices)


def _label(mapping: dict[str, Any], value: Any) -> str:
    return str(mapping.get(value, value or ""))


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def planned_start_label(project: Project, year: int | None) -> str:
    if project.planned_start:
        return f"{project.planned_start:%Y-%m}"
    month = getattr(project, "year_planned_start_month", None)
    if year and month:
        return f"{year}-{month:02d}"
    return ""


class Column(NamedTuple):
    header: str
    width: float
    kind: str  # "text", "money", "date" or "percent" (a rate in percent, shown as 62.5%)
    value: Callable[[Project, int | None, int], Any]
    key: str = ""  # names the columns the total of the rate is computed from


def _row_rate(project: Project, year: int | None, index: int) -> Decimal | None:
    return selectors.completion_rate(
        invested=getattr(project, "year_invested_ytd", None),
        planned=getattr(project, "year_planned_investment", None),
    )


def columns(year: int | None = None) -> list[Column]:
    """The sheet's columns; with a year, also the year's completion rate (完成率)."""
    rate = [Column(_("完成率"), 9, "percent", _row_rate, "rate")] if year else []
    return [
        Column(_("序号"), 6, "text", lambda p, y, i: getattr(p, "year_serial", None) or i),
        Column(_("项目名称"), 36, "text", lambda p, y, i: p.name),
        Column(_("项目代码"), 26, "text", lambda p, y, i: p.code),
        Column(_("建设单位"), 26, "text", lambda p, y, i: p.owner),
        Column(_("建设地点"), 20, "text", lambda p, y, i: p.location_text),
        Column(_("建设内容及规模"), 40, "text", lambda p, y, i: p.content),
        Column(_("项目类别"), 10, "text", lambda p, y, i: _label(_CATEGORY, p.category)),
        Column(_("建设性质"), 9, "text", lambda p, y, i: _label(_KIND, getattr(p, "year_kind", None))),
        Column(_("级别"), 9, "text", lambda p, y, i: _label(_LEVEL, getattr(p, "year_level", None))),
        Column(_("总投资（万元）"), 14, "money", lambda p, y, i: p.total_investment),
        Column(
            _("年度计划投资（万元）"),
            14,
            "money",
            lambda p, y, i: getattr(p, "year_planned_investment", None),
            "planned",
        ),
        Column(
            _("年度累计完成投资（万元）"),
            14,
            "money",
            lambda p, y, i: getattr(p, "year_invested_ytd", None),
            "invested",
        ),
        *rate,
        Column(_("计划开工"), 10, "text", lambda p, y, i: planned_start_label(p, y)),
        Column(_("计划竣工"), 12, "date", lambda p, y, i: p.planned_completion),
        Column(_("实际开工"), 12, "date", lambda p, y, i: p.actual_start),
        Column(_("实际竣工"), 12, "date", lambda p, y, i: p.actual_completion),
        Column(_("项目阶段"), 8, "text", lambda p, y, i: _label(_STAGE, p.stage)),
        Column(_("责任单位"), 18, "text", lambda p, y, i: _str(p.lead_unit)),
        Column(_("所在街道"), 12, "text", lambda p, y, i: _str(p.street)),
        Column(_("产业链"), 14, "text", lambda p, y, i: _str(p.chain)),
        Column(_("所属园区"), 18, "text", lambda p, y, i: _str(p.park)),
        Column(_("包联领导"), 10, "text", lambda p, y, i: _str(p.leader)),
        Column(_("联系人"), 10, "text", lambda p, y, i: p.contact_name),
        Column(_("联系电话"), 14, "text", lambda p, y, i: p.contact_phone),
    ]


def export_title(*, year: int | None, generated_at: dt.datetime) -> str:
    when = timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M")
    scope = _("%(year)s年重点项目清单") % {"year": year} if year else _("重点项目清单（全部年度）")
    return _("%(scope)s（导出时间 %(when)s）") % {"scope": scope, "when": when}


def export_filename(*, year: int | None, generated_at: dt.datetime) -> str:
    stamp = timezone.localtime(generated_at).strftime("%Y%m%d-%H%M")
    scope = _("%(year)s年重点项目清单") % {"year": year} if year else _("重点项目清单")
    return f"{scope}_{stamp}.xlsx"


def content_disposition(filename: str) -> str:
    """An ASCII fallback plus the UTF-8 name (RFC 6266 / 5987), so browsers keep the Chinese name."""
    fallback = "projects.xlsx"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def projects_xlsx(*, projects: Iterable[Project], year: int | None, generated_at: dt.datetime) -> bytes:
    """Every row of the filtered, sorted list (not one page), streamed in write-only mode."""
    cols = columns(year)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("重点项目"))
    for index, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(index)].width = col.width
    ws.freeze_panes = "C3"  # keep the title, the header and the serial and name in view
    ws.print_title_rows = "2:2"

    title = WriteOnlyCell(ws, value=export_title(year=year, generated_at=generated_at))
    title.font = Font(bold=True, size=14)
    ws.append([title])

    thin = Side(style="thin", color="999999")
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_row = []
    for col in cols:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font, cell.fill, cell.alignment, cell.border = (
            header_font,
            header_fill,
            header_align,
            header_border,
        )
        header_row.append(cell)
    ws.append(header_row)

    totals = {index: Decimal(0) for index, col in enumerate(cols) if col.kind == "money"}
    count = 0
    for count, project in enumerate(projects, start=1):
        row: list[Any] = []
        for index, col in enumerate(cols):
            raw = col.value(project, year, count)
            kind = col.kind
            if kind == "money":
                cell = WriteOnlyCell(ws, value=raw)
                cell.number_format = MONEY_FORMAT
                if raw is not None:
                    totals[index] += raw
            elif kind == "percent":
                # A number (0.625 shown as 62.5%) so the sheet sorts and filters by it; empty
                # when nothing is planned, as in the dispatch workbooks.
                cell = WriteOnlyCell(ws, value=None if raw is None else raw / 100)
                cell.number_format = PERCENT_FORMAT
            elif kind == "date":
                cell = WriteOnlyCell(ws, value=raw)
                cell.number_format = DATE_FORMAT
            else:
                cell = WriteOnlyCell(ws, value=raw if raw not in (None, "") else None)
            row.append(cell)
        ws.append(row)

    by_key = {col.key: totals.get(index) for index, col in enumerate(cols) if col.key}
    total_row: list[Any] = []
    for index, col in enumerate(cols):
        if index == 1:
            cell = WriteOnlyCell(ws, value=_("合计（%(count)s 个项目）") % {"count": count})
        elif index in totals:
            cell = WriteOnlyCell(ws, value=totals[index])
            cell.number_format = MONEY_FORMAT
        elif col.kind == "percent":
            # The overall rate: total completed over total planned, not the mean of the rates.
            rate = selectors.completion_rate(invested=by_key["invested"], planned=by_key["planned"])
            cell = WriteOnlyCell(ws, value=None if rate is None else rate / 100)
            cell.number_format = PERCENT_FORMAT
        else:
            cell = WriteOnlyCell(ws, value=None)
        cell.font = header_font
        total_row.append(cell)
    ws.append(total_row)

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
