"""The Excel round trip of the monthly dispatch (重点项目月度调度表).

Download: a unit's (or, for the project office, every unit's — one sheet per unit) pre-filled
workbook for a period, written with openpyxl, looking like the sheet the offices have filled for
years. Identity columns are locked (sheet protection; only input cells are unlocked), the
enumerations are dropdowns, numbers and dates are validated by Excel, the year-to-date column is
a formula. A very hidden sheet (``_xf_meta``) carries the template version, the period, the
units, each row's report version and an HMAC signature, so a file from an older template,
another period, or with a tampered meta sheet is recognised.

Upload: read with python-calamine (formulas arrive as their cached values), every cell parsed
and every row checked by the same engine as the web forms (services.reports_save) — first as a
dry run for the preview (old → new per cell), then for real. One error anywhere, in any of the
files, and nothing is written; each error names the file, sheet, row, column and reason.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from xianfeng.coordination.choices import ProblemType
from xianfeng.dispatch import selectors, services
from xianfeng.dispatch.choices import ReportAction, ReportStatus, StageReached
from xianfeng.dispatch.forms import parse_amount, parse_day, parse_started, parse_whole
from xianfeng.dispatch.models import ReportingPeriod
from xianfeng.lib import clock
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, User
from xianfeng.projects.choices import STARTED_STAGES, Kind, Level, Stage
from xianfeng.projects.models import ProgrammeEntry

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Bump when the columns or the meta layout change: files of an older template are refused.
TEMPLATE_VERSION = "xf-dispatch-1"
META_SHEET = "_xf_meta"
HELP_SHEET = "填写说明"
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3
HEADER_SCAN_ROWS = 10
MAX_UNPACK_RATIO = 40
UPLOAD_DIR = "dispatch/uploads"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # for the ytd and earlier columns, filled in per month
    editable: bool = False
    width: float = 12
    required: bool = False  # an upload without it is refused
    help: str = ""


COLUMNS = [
    Column("serial", "序号", width=6),
    Column("name", "项目名称", width=30, required=True),
    Column("code", "项目代码", width=26, required=True),
    Column("owner", "建设单位", width=20),
    Column("location", "建设地点", width=16),
    Column("content", "建设内容及规模", width=34),
    Column("kind", "建设性质", width=9),
    Column("level", "级别", width=8),
    Column("total", "总投资（万元）", width=13),
    Column("planned", "年度计划投资（万元）", width=13),
    Column("earlier", "截至上月累计完成投资（万元）", width=14),
    Column(
        "invested_month",
        "本月完成投资（万元）",
        editable=True,
        width=13,
        required=True,
        help="必填（没有投资填 0），单位万元，不能为负数。",
    ),
    Column("ytd", "1–{month}月累计完成投资（万元）", width=14),
    Column(
        "progress_text",
        "形象进度",
        editable=True,
        width=36,
        required=True,
        help="本月建设内容，如“主体结构施工至12层”。已按上月预填，请更新。",
    ),
    Column(
        "progress_percent",
        "形象进度百分比",
        editable=True,
        width=9,
        help="0–100 的整数；比上月低须在“情况说明”写明原因。",
    ),
    Column("workers_on_site", "现场施工人数", editable=True, width=9, help="不小于 0 的整数。"),
    Column(
        "started",
        "是否已开工",
        editable=True,
        width=8,
        help="下拉选择“是”或“否”。本月新开工请选“是”并填写实际开工时间。",
    ),
    Column("start_date", "实际开工时间", editable=True, width=12, help="日期，如 2024-11-05；不能晚于今天。"),
    Column(
        "problems_text",
        "存在问题及需协调事项",
        editable=True,
        width=30,
        help="没有请留空；填写后提交时转为协调问题，由项目办交办。",
    ),
    Column("problem_type", "问题类型", editable=True, width=10, help="下拉选择；不选为“其他”。"),
    Column(
        "explanation",
        "情况说明",
        editable=True,
        width=24,
        help="开工以来累计完成投资超过总投资1.5倍、或形象进度比上月低时必填。",
    ),
    Column("contact", "联系人及电话", editable=True, width=18),
    Column("rate", "年度投资完成率", width=10),
    Column("planned_start", "计划开工时间", width=12),
    Column("planned_completion", "计划竣工时间", width=12),
    Column("unit", "责任单位", width=14),
    Column("leader", "包联领导", width=10),
    Column("status", "本月状态", width=10),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
INPUT_KEYS = [c.key for c in COLUMNS if c.editable]
# Which report field each input column fills.
FIELD_OF = {
    "invested_month": "invested_month",
    "progress_text": "progress_text",
    "progress_percent": "progress_percent",
    "workers_on_site": "workers_on_site",
    "start_date": "stage_date",
    "started": "stage_reached",
    "problems_text": "problems_text",
    "problem_type": "problem_type",
    "explanation": "explanation",
    "contact": "contact",
}
COLUMN_OF_FIELD = {
    "invested_month": "invested_month",
    "progress_text": "progress_text",
    "progress_percent": "progress_percent",
    "workers_on_site": "workers_on_site",
    "stage_reached": "started",
    "stage_date": "start_date",
    "problems_text": "problems_text",
    "problem_type": "problem_type",
    "explanation": "explanation",
    "percent_drop_reason": "explanation",
    "contact": "contact",
    "invested_ytd": "invested_month",
    "invested_since_start": "invested_month",
}
STATUS_LABELS = {"due": "未填报", **{s.value: str(s.label) for s in ReportStatus}}


def _header_key(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"[\s*]", "", text)
    return re.sub(r"[(（]万元[)）]", "", text)


YTD_HEADER_RE = re.compile(r"^1[-–—~至到]?\d{1,2}月累计完成投资$|^本年累计完成投资$|^年度累计完成投资$")
HEADER_ALIASES: dict[str, str] = {_header_key(c.header): c.key for c in COLUMNS if c.key != "ytd"} | {
    "本月完成投资额": "invested_month",
    "当月完成投资": "invested_month",
    "形象进度(%)": "progress_percent",
    "形象进度百分比(%)": "progress_percent",
    "施工人数": "workers_on_site",
    "现场人数": "workers_on_site",
    "是否开工": "started",
    "开工时间": "start_date",
    "存在问题": "problems_text",
    "存在问题及协调事项": "problems_text",
    "联系人": "contact",
    "说明": "explanation",
    "上月累计完成投资": "earlier",
}


@functools.lru_cache(maxsize=512)
def _column_of(header: Any) -> str | None:
    key = _header_key(header)
    if not key:
        return None
    if YTD_HEADER_RE.match(key):
        return "ytd"
    return HEADER_ALIASES.get(key)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Issue:
    """One problem, located as a person finds it: the file, sheet, Excel row, column letter."""

    file: str
    sheet: str
    row: int | None
    column: str
    header: str
    message: str

    def __str__(self) -> str:
        where = " ".join(part for part in [f"“{self.file}”" if self.file else "", self.sheet] if part)
        if self.row:
            where += " " + gettext("第%(row)s行") % {"row": self.row}
        if self.column:
            where += " " + gettext("%(column)s列（%(header)s）") % {
                "column": self.column,
                "header": self.header,
            }
        elif self.header:
            where += gettext("（%(header)s）") % {"header": self.header}
        return (
            gettext("%(where)s：%(message)s") % {"where": where, "message": self.message}
            if where
            else self.message
        )


@dataclass(frozen=True)
class CellChange:
    file: str
    sheet: str
    row: int
    project: str
    column: str
    label: str
    old: Any
    new: Any


@dataclass
class ImportResult:
    applied: bool = False
    periods: list[ReportingPeriod] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    submitted: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    changes: list[CellChange] = field(default_factory=list)
    change_count: int = 0
    problems_raised: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------- writing the workbook

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
UNLOCKED = Protection(locked=False)


def _signature(payload: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def _meta_payload(period_key: str, unit_ids: list[int], rows: list[tuple[str, int, int]]) -> str:
    body = ";".join(f"{code}|{entry}|{version}" for code, entry, version in rows)
    return f"{TEMPLATE_VERSION}#{period_key}#{','.join(map(str, unit_ids))}#{body}"


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "", name)[:28] or "调度表"
    base, n = title, 2
    while title in used or title in (META_SHEET, HELP_SHEET):
        title = f"{base[:26]}{n}"
        n += 1
    used.add(title)
    return title


def content_disposition(filename: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def build_workbook(*, user: User, period: ReportingPeriod, unit_ids: list[int]) -> tuple[bytes, str]:
    """The pre-filled workbook for ``unit_ids`` (each its own sheet) and its file name. Always in
    Chinese, whatever the user's language: the sheet goes round the units and comes back through
    the import, which reads the Chinese labels (period, problem types, stages)."""
    if user.role in UNIT_ROLES and set(unit_ids) - {user.department_id}:
        raise PermissionDenied(gettext("只能下载本单位的调度表"))
    with translation.override("zh-hans"):
        return _build_workbook(user=user, period=period, unit_ids=unit_ids)


def _build_workbook(*, user: User, period: ReportingPeriod, unit_ids: list[int]) -> tuple[bytes, str]:
    units = {u.pk: u for u in Department.objects.filter(pk__in=unit_ids)}
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    meta_rows: list[tuple[str, int, int]] = []
    for unit_id in unit_ids:
        unit = units.get(unit_id)
        if unit is None:
            continue
        month = selectors.unit_month(user=user, period=period, unit_id=unit_id)
        if not month.rows:
            continue
        sheet = book.create_sheet(_sheet_title(str(unit), used))
        meta_rows += _fill_sheet(sheet, period=period, unit=unit, month=month)
    if not meta_rows:
        sheet = book.create_sheet("调度表")
        sheet.cell(row=1, column=1, value=f"{period.label}：所选单位没有需要填报的项目")
    _help_sheet(book.create_sheet(HELP_SHEET), period)
    _meta_sheet(book.create_sheet(META_SHEET), period, sorted(units), meta_rows, user)
    output = io.BytesIO()
    book.save(output)
    who = str(units[unit_ids[0]]) if len(unit_ids) == 1 and unit_ids[0] in units else "各单位"
    return output.getvalue(), f"重点项目月度调度表_{period.key}_{who}.xlsx"


def _fill_sheet(
    sheet: Any, *, period: ReportingPeriod, unit: Department, month: selectors.UnitMonth
) -> list[tuple[str, int, int]]:
    month_no = period.month
    headers = []
    for column in COLUMNS:
        header = column.header.format(month=month_no)
        if column.key == "earlier":
            header = (
                f"1–{month_no - 1}月累计完成投资（万元）" if month_no > 1 else "截至上月累计完成投资（万元）"
            )
        headers.append(header)
    last_col = get_column_letter(len(COLUMNS))
    sheet.merge_cells(f"A{TITLE_ROW}:{last_col}{TITLE_ROW}")
    title = sheet.cell(
        row=TITLE_ROW,
        column=1,
        value=f"重点项目月度调度表（{period.label}）　填报单位：{unit.name}　"
        f"报送截止：{period.deadline:%Y年%m月%d日}",
    )
    title.font = TITLE_FONT
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 26
    for index, (column, header) in enumerate(zip(COLUMNS, headers, strict=True), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL if not column.editable else INPUT_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = 42
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    month_cell, earlier_cell = letters["invested_month"], letters["earlier"]
    sums = selectors.earlier_sums(entry_ids=[row.entry.pk for row in month.rows], period=period)
    meta: list[tuple[str, int, int]] = []
    r = FIRST_ROW
    for row in month.rows:
        entry, project = row.entry, row.entry.project
        report = row.report or selectors.new_report(entry, period, row.previous)
        started = project.stage in STARTED_STAGES or report.stage_reached == Stage.CONSTRUCTION
        start_day = project.actual_start or (
            report.stage_date if report.stage_reached == Stage.CONSTRUCTION else None
        )
        code = project.national_code or project.internal_code
        values = {
            "serial": entry.serial,
            "name": project.name,
            "code": code,
            "owner": project.owner,
            "location": project.location_text,
            "content": project.content,
            "kind": str(Kind(entry.kind).label),
            "level": str(Level(entry.level).label),
            "total": project.total_investment,
            "planned": entry.planned_investment,
            "earlier": sums.get(entry.pk, Decimal(0)),
            "invested_month": report.invested_month,
            "ytd": f'=IF({month_cell}{r}="",{earlier_cell}{r},{earlier_cell}{r}+{month_cell}{r})',
            "progress_text": report.progress_text,
            "progress_percent": report.progress_percent,
            "workers_on_site": report.workers_on_site,
            "started": "是" if started else "否",
            "start_date": start_day,
            "problems_text": report.problems_text,
            "problem_type": str(ProblemType(report.problem_type).label)
            if report.problem_type in ProblemType.values
            else "",
            "explanation": report.explanation,
            "contact": report.contact,
            "rate": f'=IF({letters["planned"]}{r}>0,{letters["ytd"]}{r}/{letters["planned"]}{r},"")',
            "planned_start": project.planned_start,
            "planned_completion": project.planned_completion,
            "unit": str(unit),
            "leader": project.leader.name if project.leader_id and project.leader else "",
            "status": STATUS_LABELS[row.state],
        }
        editable = report.is_editable and period.is_open
        for index, column in enumerate(COLUMNS, start=1):
            value = values[column.key]
            if isinstance(value, Decimal):
                value = float(value)
            cell = sheet.cell(row=r, column=index, value=value)
            cell.border = BORDER
            if column.key in {"total", "planned", "earlier", "invested_month", "ytd"}:
                cell.number_format = MONEY_FORMAT
            elif column.key in {"start_date", "planned_start", "planned_completion"}:
                cell.number_format = DATE_FORMAT
            elif column.key == "rate":
                cell.number_format = "0.0%"
            if column.key in {"progress_text", "problems_text", "explanation", "name", "content"}:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column.editable and editable:
                cell.protection = UNLOCKED
                cell.fill = INPUT_FILL
            else:
                cell.fill = LOCKED_FILL
        meta.append((code, entry.pk, row.report.version if row.report is not None else 0))
        r += 1
    last = r - 1
    if last >= FIRST_ROW:
        total_row = r
        sheet.cell(
            row=total_row, column=COLUMNS.index(COLUMN_BY_KEY["name"]) + 1, value="合计"
        ).font = HEADER_FONT
        for key in ["total", "planned", "earlier", "invested_month", "ytd"]:
            letter = letters[key]
            cell = sheet.cell(
                row=total_row,
                column=COLUMNS.index(COLUMN_BY_KEY[key]) + 1,
                value=f"=SUM({letter}{FIRST_ROW}:{letter}{last})",
            )
            cell.number_format = MONEY_FORMAT
            cell.font = HEADER_FONT
        _validations(sheet, letters, FIRST_ROW, last)
    sheet.freeze_panes = f"{letters['kind']}{FIRST_ROW}"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{max(last, HEADER_ROW)}"
    return meta


def _validations(sheet: Any, letters: dict[str, str], first: int, last: int) -> None:
    def add(dv: DataValidation, key: str, title: str, prompt: str) -> None:
        dv.error = prompt
        dv.errorTitle = "输入有误"
        dv.prompt = prompt
        dv.promptTitle = title
        dv.showErrorMessage = True
        dv.showInputMessage = True
        sheet.add_data_validation(dv)
        dv.add(f"{letters[key]}{first}:{letters[key]}{last}")

    add(
        DataValidation(
            type="decimal", operator="between", formula1="0", formula2="999999999", allow_blank=True
        ),
        "invested_month",
        "本月完成投资",
        "请填写不小于 0 的数字（万元）",
    )
    add(
        DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True),
        "progress_percent",
        "形象进度百分比",
        "请填写 0–100 的整数",
    )
    add(
        DataValidation(type="whole", operator="between", formula1="0", formula2="100000", allow_blank=True),
        "workers_on_site",
        "现场施工人数",
        "请填写不小于 0 的整数",
    )
    add(
        DataValidation(type="list", formula1='"是,否"', allow_blank=True),
        "started",
        "是否已开工",
        "请选择“是”或“否”",
    )
    add(
        DataValidation(
            type="date",
            operator="between",
            formula1="DATE(1990,1,1)",
            formula2="DATE(2100,12,31)",
            allow_blank=True,
        ),
        "start_date",
        "实际开工时间",
        "请填写日期，如 2024-11-05",
    )
    labels = ",".join(str(t.label) for t in ProblemType)
    add(
        DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True),
        "problem_type",
        "问题类型",
        "请从下拉列表中选择",
    )


def _help_sheet(sheet: Any, period: ReportingPeriod) -> None:
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 80
    sheet.cell(row=1, column=1, value=f"{period.label}重点项目月度调度表 填写说明").font = TITLE_FONT
    lines = [
        (
            "报送截止",
            f"{period.deadline:%Y年%m月%d日}（次月第 {settings.XF_REPORT_DEADLINE_WORKDAY} 个工作日）",
        ),
        (
            "灰色列",
            "项目名称、项目代码、总投资等由系统填写并锁定，不能修改；请勿增删行、调整表头或改动工作表名称。",
        ),
        (
            "黄色列",
            "需要填写的内容。形象进度、百分比、人数、联系人已按上月预填，请更新；本月完成投资每月重新填写。",
        ),
        ("累计完成投资", "由系统按往月报告加本月完成投资计算，不必填写（表中为公式）。"),
    ]
    lines += [(c.header.format(month=period.month), c.help) for c in COLUMNS if c.editable and c.help]
    lines.append(
        (
            "上传",
            "填好后在“月度调度 → 上传调度表”上传，系统先显示将要改动的内容，确认后导入；"
            "有任何错误则整份文件都不导入。",
        )
    )
    for row, (name, text) in enumerate(lines, start=3):
        sheet.cell(row=row, column=1, value=name).font = HEADER_FONT
        cell = sheet.cell(row=row, column=2, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.protection.sheet = True


def _meta_sheet(
    sheet: Any, period: ReportingPeriod, unit_ids: list[int], rows: list[tuple[str, int, int]], user: User
) -> None:
    sheet.sheet_state = "veryHidden"
    payload = _meta_payload(period.key, unit_ids, rows)
    header = [
        ("template", TEMPLATE_VERSION),
        ("period", period.key),
        ("units", ",".join(map(str, unit_ids))),
        ("generated_at", clock.now().isoformat(timespec="seconds")),
        ("generated_by", user.username),
        ("rows", len(rows)),
        ("signature", _signature(payload)),
    ]
    for index, (key, value) in enumerate(header, start=1):
        sheet.cell(row=index, column=1, value=key)
        sheet.cell(row=index, column=2, value=value)
    base = len(header) + 2
    sheet.cell(row=base, column=1, value="code")
    sheet.cell(row=base, column=2, value="entry")
    sheet.cell(row=base, column=3, value="version")
    for offset, (code, entry_id, version) in enumerate(rows, start=1):
        sheet.cell(row=base + offset, column=1, value=code)
        sheet.cell(row=base + offset, column=2, value=entry_id)
        sheet.cell(row=base + offset, column=3, value=version)
    sheet.protection.sheet = True


# ---------------------------------------------------------------- uploads kept for the commit


@dataclass
class StoredUpload:
    token: str
    name: str
    path: str


def store_upload(upload: Any) -> StoredUpload:
    """Keep an uploaded workbook (for the preview → commit round trip); the token is signed."""
    name = Path(getattr(upload, "name", "") or "调度表.xlsx").name[-120:]
    upload.seek(0)
    data = upload.read(settings.XF_MAX_UPLOAD_BYTES + 1)
    key = uuid.uuid4().hex
    path = default_storage.save(f"{UPLOAD_DIR}/{key}.xlsx", ContentFile(data))
    token = signing.dumps({"p": path, "n": name}, salt="dispatch-workbook")
    return StoredUpload(token=token, name=name, path=path)


def stored_upload(token: str, *, user: User, max_age: int = 6 * 3600) -> StoredUpload:
    """The upload a token names; ValueError if the token is forged or too old."""
    try:
        data = signing.loads(token, salt="dispatch-workbook", max_age=max_age)
    except signing.BadSignature as exc:
        raise ValueError("bad token") from exc
    path = str(data["p"])
    if not path.startswith(UPLOAD_DIR + "/") or ".." in path:
        raise ValueError("bad path")
    return StoredUpload(token=token, name=str(data["n"]), path=path)


# ---------------------------------------------------------------- reading


@dataclass
class _Sheet:
    name: str
    header_row: int
    columns: dict[str, int]
    headers: dict[str, str]
    rows: list[tuple[int, list[Any]]]

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key] + 1) if key in self.columns else ""


@dataclass
class _File:
    name: str
    sheets: list[_Sheet]
    meta: dict[str, Any]
    meta_rows: dict[str, tuple[int, int]]  # code → (entry id, version at download)


class _FileError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues)
        self.issues = issues


def _check_file(name: str, data: bytes) -> None:
    limit = settings.XF_MAX_UPLOAD_BYTES
    from xianfeng.projects.importing import check_upload

    problem = check_upload(
        name=name if name.lower().endswith(".xlsx") else f"{name}.xlsx",
        size=len(data),
        head=data[:8],
        max_bytes=limit,
    )
    if problem:
        raise _FileError([Issue(name, "", None, "", "", problem)])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise _FileError(
            [Issue(name, "", None, "", "", gettext("文件已损坏或不是有效的 .xlsx 工作簿"))]
        ) from exc
    if "xl/workbook.xml" not in names:
        raise _FileError(
            [Issue(name, "", None, "", "", gettext("压缩包中没有 Excel 工作簿内容，不是有效的 .xlsx 文件"))]
        )
    if unpacked > limit * MAX_UNPACK_RATIO:
        raise _FileError([Issue(name, "", None, "", "", gettext("文件解压后过大，请拆分后分批导入"))])


def read_file(name: str, data: bytes) -> _File:
    """Parse one workbook: its meta sheet and every sheet with a dispatch header."""
    _check_file(name, data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise _FileError(
            [Issue(name, "", None, "", "", gettext("无法读取工作簿：%(error)s") % {"error": exc})]
        ) from exc
    meta, meta_rows = _read_meta(name, book)
    sheets: list[_Sheet] = []
    issues: list[Issue] = []
    for sheet_name in book.sheet_names:
        if sheet_name in (META_SHEET, HELP_SHEET):
            continue
        cells = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        parsed = _locate_header(name, sheet_name, cells, issues)
        if parsed is not None:
            sheets.append(parsed)
    if issues:
        raise _FileError(issues)
    if not sheets:
        raise _FileError(
            [
                Issue(
                    name,
                    "",
                    None,
                    "",
                    "",
                    gettext("没有找到调度表：表头应含“项目代码”“本月完成投资”等列，请使用下载的模板"),
                )
            ]
        )
    return _File(name=name, sheets=sheets, meta=meta, meta_rows=meta_rows)


def _read_meta(name: str, book: Any) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    if META_SHEET not in book.sheet_names:
        raise _FileError(
            [
                Issue(
                    name,
                    "",
                    None,
                    "",
                    "",
                    gettext(
                        "缺少模板信息（不是从本系统下载的调度表，或来自旧版模板）；请下载本期调度表后填写"
                    ),
                )
            ]
        )
    cells = book.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
    meta: dict[str, Any] = {}
    index = 0
    while index < len(cells) and cells[index] and cells[index][0] not in ("", None):
        row = cells[index]
        meta[str(row[0])] = row[1] if len(row) > 1 else ""
        index += 1
    if meta.get("template") != TEMPLATE_VERSION:
        raise _FileError(
            [
                Issue(
                    name,
                    "",
                    None,
                    "",
                    "",
                    gettext("该文件来自旧版模板（%(version)s），请下载最新的调度表重新填写")
                    % {"version": meta.get("template") or gettext("未知版本")},
                )
            ]
        )
    rows: list[tuple[str, int, int]] = []
    for row in cells[index + 2 :]:
        if not row or row[0] in ("", None):
            continue
        try:
            rows.append((str(row[0]), int(row[1]), int(row[2])))
        except (TypeError, ValueError, IndexError) as exc:
            raise _FileError(
                [Issue(name, META_SHEET, None, "", "", gettext("模板信息页已损坏，请重新下载调度表"))]
            ) from exc
    units = [int(x) for x in str(meta.get("units") or "").split(",") if x.strip().isdigit()]
    if _signature(_meta_payload(str(meta.get("period")), units, rows)) != meta.get("signature"):
        raise _FileError(
            [
                Issue(
                    name,
                    "",
                    None,
                    "",
                    "",
                    gettext("模板信息页被改动过，无法确认文件来源；请重新下载调度表后填写"),
                )
            ]
        )
    meta["unit_ids"] = units
    return meta, {code: (entry_id, version) for code, entry_id, version in rows}


def _locate_header(file: str, sheet: str, cells: list[list[Any]], issues: list[Issue]) -> _Sheet | None:
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        keys = [_column_of(value) for value in row]
        # The header row: the project code and enough of the familiar headers to be sure.
        if "code" not in keys or sum(key is not None for key in keys) < 5:
            continue
        # "1–10月累计" and "1–11月累计": the smaller month is the earlier months' column.
        cumulative = [c for c, key in enumerate(keys) if key == "ytd"]
        if len(cumulative) == 2:
            months = [int(re.sub(r"\D", "", _header_key(row[c]).split("月")[0])[1:] or 0) for c in cumulative]
            keys[cumulative[months.index(min(months))]] = "earlier"
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for col, key in enumerate(keys):
            if key is None:
                continue
            if key in columns:
                issues.append(
                    Issue(
                        file,
                        sheet,
                        index + 1,
                        get_column_letter(col + 1),
                        str(row[col]),
                        gettext("表头“%(header)s”重复出现（另见 %(column)s 列）")
                        % {"header": row[col], "column": get_column_letter(columns[key] + 1)},
                    )
                )
                continue
            columns[key] = col
            headers[key] = str(row[col])
        missing = [c.header.format(month="N") for c in COLUMNS if c.required and c.key not in columns]
        if missing:
            issues.append(
                Issue(
                    file,
                    sheet,
                    index + 1,
                    "",
                    "",
                    gettext("缺少必需的列：%(columns)s（请勿删除或改动表头）")
                    % {"columns": gettext("、").join(missing)},
                )
            )
            return None
        data = [(index + 2 + offset, r) for offset, r in enumerate(cells[index + 1 :])]
        return _Sheet(name=sheet, header_row=index + 1, columns=columns, headers=headers, rows=data)
    return None


# ---------------------------------------------------------------- importing


def _cell(row: list[Any], col: int | None) -> Any:
    if col is None or col >= len(row):
        return None
    value = row[col]
    return None if value == "" else value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


PROBLEM_TYPE_BY_LABEL = {str(t.label): t.value for t in ProblemType}


def _allowed_units(actor: User) -> set[int] | None:
    if actor.role == Role.DISPATCHER:
        return None
    if actor.role == Role.UNIT_REPORTER and actor.department_id:
        return {actor.department_id}
    return set()


def workbook_import(
    *,
    actor: User,
    sources: list[StoredUpload] | list[tuple[str, bytes]],
    period: ReportingPeriod | None = None,
    submit: bool = False,
    dry_run: bool = False,
    request_id: str = "",
    preview_limit: int = 500,
) -> ImportResult:
    """Check (and unless ``dry_run`` write) filled workbooks — the whole lot or nothing.

    ``sources``: stored uploads, or (file name, bytes) pairs. ``period``: when given, every
    file must be that period's. Raises PermissionDenied for roles that may not fill reports.
    """
    if actor.role not in services.SAVERS:
        raise PermissionDenied(gettext("只有单位填报员或调度专员可以导入调度表"))
    request_id = request_id or f"workbook-{uuid.uuid4().hex[:12]}"
    result = ImportResult()
    files: list[_File] = []
    for source in sources:
        if isinstance(source, StoredUpload):
            name = source.name
            with default_storage.open(source.path, "rb") as handle:
                data = handle.read()
        else:
            name, data = source
        result.files.append(name)
        try:
            files.append(read_file(name, data))
        except _FileError as exc:
            result.errors += exc.issues
    if result.errors:
        return result
    by_period = _periods_of(files, period, result)
    if result.errors:
        return result
    allowed = _allowed_units(actor)
    plans: list[
        tuple[ReportingPeriod, list[services.RowInput], dict[int, tuple[_File, _Sheet, int, str]]]
    ] = []
    for group in by_period.values():
        target = group[0]
        plan = _rows_of(actor, target, group[1], allowed, result)
        plans.append((target, *plan))
    # Cells that could not be read: the readable rows are still checked (nothing is written),
    # so one upload shows every problem of the file.
    check_only = dry_run or bool(result.errors)
    try:
        with transaction.atomic():
            for target, rows, where in plans:
                saved = services.reports_save(
                    actor=actor,
                    period=target,
                    rows=rows,
                    submit=submit,
                    source=ReportAction.IMPORT,
                    dry_run=check_only,
                    request_id=request_id,
                    note=f"Excel 导入：{'、'.join(result.files)}"[:500],
                )
                _collect(saved, where, result, preview_limit)
                if not saved.ok:
                    raise services.Rollback
            if check_only:
                raise services.Rollback
            result.applied = True
    except services.Rollback:
        result.applied = False
    result.errors.sort(key=lambda i: (i.file, i.sheet, i.row or 0, i.column.rjust(3)))
    return result


def _periods_of(
    files: list[_File], period: ReportingPeriod | None, result: ImportResult
) -> dict[str, tuple[ReportingPeriod, list[_File]]]:
    groups: dict[str, tuple[ReportingPeriod, list[_File]]] = {}
    for file in files:
        key = str(file.meta.get("period") or "")
        parsed = selectors.parse_period_key(key)
        found = ReportingPeriod.objects.filter(year=parsed[0], month=parsed[1]).first() if parsed else None
        if found is None:
            result.errors.append(
                Issue(
                    file.name, "", None, "", "", gettext("文件所属调度期“%(period)s”不存在") % {"period": key}
                )
            )
            continue
        if period is not None and found.pk != period.pk:
            result.errors.append(
                Issue(
                    file.name,
                    "",
                    None,
                    "",
                    "",
                    gettext("这是%(found)s的调度表，当前导入的是%(period)s；请下载%(period)s的调度表填写")
                    % {"found": found.label, "period": period.label},
                )
            )
            continue
        if not found.is_open:
            result.errors.append(
                Issue(
                    file.name,
                    "",
                    None,
                    "",
                    "",
                    gettext("%(label)s的调度期已关闭，不能再导入；如需补报请联系项目办")
                    % {"label": found.label},
                )
            )
            continue
        groups.setdefault(found.key, (found, []))[1].append(file)
    if not result.errors:
        result.periods = [group[0] for group in groups.values()]
    return groups


def _rows_of(
    actor: User, period: ReportingPeriod, files: list[_File], allowed: set[int] | None, result: ImportResult
) -> tuple[list[services.RowInput], dict[int, tuple[_File, _Sheet, int, str]]]:
    """Parse the rows of a period's files into engine input; parse problems become issues."""
    codes: dict[str, tuple[int, int]] = {}
    for file in files:
        codes.update(file.meta_rows)
    # Entries by the ids the meta sheet names, and by code for any row it does not.
    entries: dict[int, ProgrammeEntry] = {}
    ids = {entry_id for entry_id, _v in codes.values()}
    units = sorted({unit for file in files for unit in file.meta.get("unit_ids", [])})
    # The files' units' entries of the year, read by unit (an IN list of thousands of ids costs
    # more than the rows), with only the columns the checks read.
    for entry in selectors.entry_refs(
        ProgrammeEntry.objects.filter(year=period.year, project__lead_unit_id__in=units)
    ):
        if entry.pk in ids:
            entries[entry.pk] = entry
    by_code: dict[str, ProgrammeEntry] = {}
    for entry in entries.values():
        by_code[entry.project.national_code or entry.project.internal_code] = entry
    rows: list[services.RowInput] = []
    where: dict[int, tuple[_File, _Sheet, int, str]] = {}
    seen: dict[int, str] = {}
    units: set[int] = set()
    for file in files:
        for sheet in file.sheets:
            _sheet_rows(
                actor, period, file, sheet, codes, entries, by_code, allowed, rows, where, seen, units, result
            )
    result.unit_ids = sorted(units)
    return rows, where


def _sheet_rows(
    actor: User,
    period: ReportingPeriod,
    file: _File,
    sheet: _Sheet,
    codes: dict[str, tuple[int, int]],
    entries: dict[int, ProgrammeEntry],
    by_code: dict[str, ProgrammeEntry],
    allowed: set[int] | None,
    rows: list[services.RowInput],
    where: dict[int, tuple[_File, _Sheet, int, str]],
    seen: dict[int, str],
    units: set[int],
    result: ImportResult,
) -> None:
    col = sheet.columns

    def issue(excel_row: int, key: str, message: str) -> None:
        result.errors.append(
            Issue(file.name, sheet.name, excel_row, sheet.letter(key), sheet.headers.get(key, ""), message)
        )

    input_cols = [col[k] for k in INPUT_KEYS if k in col]
    percent_label, workers_label = gettext("形象进度百分比"), gettext("现场施工人数")
    for excel_row, cells in sheet.rows:
        code = _text(_cell(cells, col["code"]))
        name = _text(_cell(cells, col["name"]))
        if not code:
            if name in {"合计", "总计", "小计"} or not any(
                _cell(cells, c) is not None for c in [col["name"], *input_cols]
            ):
                continue
            issue(excel_row, "code", gettext("缺少项目代码（请勿增加行；新项目请先在项目库中录入）"))
            continue
        result.rows += 1
        known = codes.get(code)
        entry = entries.get(known[0]) if known else by_code.get(code)
        if entry is None:
            entry = (
                ProgrammeEntry.objects.filter(year=period.year)
                .filter(project__national_code=code)
                .select_related("project", "project__lead_unit")
                .first()
                or ProgrammeEntry.objects.filter(year=period.year, project__internal_code=code)
                .select_related("project", "project__lead_unit")
                .first()
            )
        if entry is None or entry.year != period.year:
            issue(
                excel_row,
                "code",
                gettext("项目代码“%(code)s”不在%(year)s年度重点项目计划中")
                % {"code": code, "year": period.year},
            )
            continue
        project = entry.project
        if allowed is not None and project.lead_unit_id not in allowed:
            issue(
                excel_row,
                "code",
                gettext("项目“%(project)s”的责任单位是“%(unit)s”，不是您的单位，不能导入")
                % {"project": project.name, "unit": project.lead_unit},
            )
            continue
        if entry.pk in seen:
            issue(
                excel_row,
                "code",
                gettext("项目代码“%(code)s”重复出现（另见%(other)s），每个项目只能填一行")
                % {"code": code, "other": seen[entry.pk]},
            )
            continue
        seen[entry.pk] = gettext("“%(sheet)s”第%(row)s行") % {"sheet": sheet.name, "row": excel_row}
        units.add(project.lead_unit_id)
        values: dict[str, Any] = {}
        bad = False
        for key in INPUT_KEYS:
            if key not in col:
                continue
            raw = _cell(cells, col[key])
            try:
                if key == "invested_month":
                    values["invested_month"] = parse_amount(raw)
                elif key == "progress_percent":
                    values["progress_percent"] = parse_whole(raw, label=percent_label)
                elif key == "workers_on_site":
                    values["workers_on_site"] = parse_whole(raw, label=workers_label)
                elif key == "start_date":
                    values["stage_date"] = parse_day(raw)
                elif key == "started":
                    values["_started"] = parse_started(raw)
                elif key == "problem_type":
                    label = _text(raw)
                    if label and label not in PROBLEM_TYPE_BY_LABEL and label not in ProblemType.values:
                        raise ValueError(
                            gettext("“%(value)s”不是可选的问题类型（%(choices)s）")
                            % {"value": label, "choices": gettext("、").join(PROBLEM_TYPE_BY_LABEL)}
                        )
                    values["problem_type"] = PROBLEM_TYPE_BY_LABEL.get(label, label)
                else:
                    values[FIELD_OF[key]] = _text(raw)
            except ValueError as exc:
                issue(excel_row, key, str(exc))
                bad = True
        if bad:
            continue
        _stage_from_cells(values, project)
        where[len(rows)] = (file, sheet, excel_row, name or project.name)
        rows.append(
            services.RowInput(
                entry=entry,
                values=values,
                expected_version=known[1] if known else None,
                key=len(rows),
            )
        )


def _stage_from_cells(values: dict[str, Any], project: Any) -> None:
    """是否已开工 / 实际开工时间 → a start reported this month, when the project had none."""
    started = values.pop("_started", None)
    day = values.get("stage_date")
    if project.stage in STARTED_STAGES:
        # Already started: the recorded start stands and the report's stage is left as it is;
        # the two cells only echo the registry.
        values.pop("stage_reached", None)
        values.pop("stage_date", None)
        return
    if started or (started is None and day is not None):
        values["stage_reached"] = StageReached.CONSTRUCTION
    else:
        values["stage_reached"] = ""
        values["stage_date"] = None


def _collect(
    saved: services.SaveResult,
    where: dict[int, tuple[_File, _Sheet, int, str]],
    result: ImportResult,
    limit: int,
) -> None:
    for message in saved.general_errors:
        result.errors.append(Issue("", "", None, "", "", message))
    for outcome in saved.outcomes:
        file, sheet, excel_row, project_name = where[outcome.key]
        for name, messages in outcome.errors.items():
            key = COLUMN_OF_FIELD.get(name, "")
            for message in messages:
                result.errors.append(
                    Issue(
                        file.name,
                        sheet.name,
                        excel_row,
                        sheet.letter(key),
                        sheet.headers.get(key, ""),
                        message,
                    )
                )
        for name, messages in outcome.warnings.items():
            key = COLUMN_OF_FIELD.get(name, "")
            for message in messages:
                if len(result.warnings) < limit:
                    result.warnings.append(
                        Issue(
                            file.name,
                            sheet.name,
                            excel_row,
                            sheet.letter(key),
                            sheet.headers.get(key, ""),
                            message,
                        )
                    )
        if outcome.errors:
            continue
        if outcome.unchanged:
            result.unchanged += 1
        elif outcome.created:
            result.created += 1
        else:
            result.updated += 1
        if outcome.submitted:
            result.submitted += 1
        for name, change in outcome.changes.items():
            if name in {"status"}:
                continue
            result.change_count += 1
            if len(result.changes) < limit:
                key = COLUMN_OF_FIELD.get(name, "")
                result.changes.append(
                    CellChange(
                        file=file.name,
                        sheet=sheet.name,
                        row=excel_row,
                        project=project_name,
                        column=sheet.letter(key)
                        if name not in ("invested_ytd", "invested_since_start")
                        else "",
                        label=change["label"],
                        old=change["old"],
                        new=change["new"],
                    )
                )
    result.problems_raised += saved.problems_raised
