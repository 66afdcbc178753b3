"""Bulk import of the registry from the 项目清单 workbook, and the template to fill it.

The file is read with python-calamine, checked row by row in memory against reference data and
existing projects loaded in a few queries, and then written in one transaction: new projects,
entries, milestones, initial stage records and audit records with bulk_create, changed rows with
bulk_update, stage changes through services.project_transition. Any error anywhere and nothing is
written; the error list names the sheet, the Excel row, the column letter and header, and why.

The rules are the services' own (project_validate, _entry_validate, _stage_rules, _stage_apply,
_initial_transition, _milestone_dates) and the audit records are built by the audit service's
snapshot/diff, so a project imported here is logged exactly as if entered by hand.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import unicodedata
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.audit.services import change_record_build, diff, snapshot
from xianfeng.lib import clock
from xianfeng.lib.bulk import copy_json
from xianfeng.lib.errors import ConflictError
from xianfeng.lib.validation import Memo
from xianfeng.org.choices import RegionLevel, Role
from xianfeng.org.models import Department, Leader, Region, User
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects import services
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.codes import INTERNAL_CODE_RE, format_internal_code, normalise_national_code
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME = "项目清单"
HELP_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
IMPORTER_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER}
HEADER_SCAN_ROWS = 30
TEMPLATE_ROWS = 3000  # rows below the header that carry the dropdowns and checks
# A zip that unpacks to far more than the upload limit is refused before calamine opens it.
MAX_UNPACK_RATIO = 40

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    key: str  # the model field (or "internal_code" / "year")
    header: str  # the column name in the template, as the offices write it
    kind: str  # text, code, internal, int, money, decimal, date, month, choice, ref, year
    required: bool = False
    width: float = 12
    help: str = ""
    aliases: tuple[str, ...] = ()
    places: int = 2
    in_template: bool = True


COLUMNS: list[Column] = [
    Column("serial", "序号", "int", width=6, help="年度计划中的排序号，可不填。"),
    Column(
        "national_code",
        "项目代码",
        "code",
        width=26,
        help="全国投资项目在线审批监管平台赋予的项目代码，格式 2024-370212-64-01-123456；"
        "尚未赋码的项目可不填。已有项目按项目代码或内部编号匹配并更新。",
        aliases=("全国投资项目代码", "项目统一代码", "赋码"),
    ),
    Column(
        "internal_code",
        "内部编号",
        "internal",
        width=14,
        help="系统生成的编号（如 XF2024-00001）。新项目请留空；更新已有项目时可凭此匹配。",
        aliases=("系统编号",),
    ),
    Column("name", "项目名称", "text", required=True, width=36, help="项目全称，不超过200字。"),
    Column("category", "项目类别", "choice", required=True, width=11, help="从下拉列表选择。"),
    Column(
        "kind",
        "建设性质",
        "choice",
        required=True,
        width=10,
        help="新开工、续建、储备或谋划，从下拉列表选择。",
        aliases=("项目性质",),
    ),
    Column(
        "level",
        "级别",
        "choice",
        required=True,
        width=9,
        help="省重点、市重点或区重点。",
        aliases=("项目级别",),
    ),
    Column(
        "lead_unit",
        "责任单位",
        "ref",
        required=True,
        width=18,
        help="从下拉列表选择，填单位全称或简称均可。单位填报员只能导入本单位的项目。",
        aliases=("牵头单位", "责任部门"),
    ),
    Column("street", "所在街道", "ref", width=12, help="从下拉列表选择。", aliases=("街道",)),
    Column(
        "chain", "产业链", "ref", width=14, help="从下拉列表选择；填了园区而未填产业链时取园区的主导产业链。"
    ),
    Column("park", "所属园区", "ref", width=16, help="从下拉列表选择。", aliases=("园区",)),
    Column("leader", "包联领导", "ref", width=10, help="从下拉列表选择。"),
    Column(
        "owner",
        "建设单位",
        "text",
        width=26,
        help="项目业主（建设单位）全称。",
        aliases=("项目单位", "业主单位"),
    ),
    Column("location_text", "建设地点", "text", width=20),
    Column("content", "建设内容及规模", "text", width=40, aliases=("建设内容", "主要建设内容")),
    Column(
        "total_investment",
        "总投资（万元）",
        "money",
        required=True,
        width=14,
        help="单位：万元，须大于0，可保留两位小数。",
        aliases=("总投资",),
    ),
    Column(
        "planned_investment",
        "年度计划投资（万元）",
        "money",
        width=14,
        help="本年度计划完成投资，单位：万元，不能为负数；不填视为0。",
        aliases=("年度计划投资", "年度投资计划", "年度计划投资额"),
    ),
    Column(
        "planned_start_month",
        "计划开工月份",
        "month",
        width=10,
        help="1–12 的整数（如 3 或“3月”）；新开工项目必填。",
        aliases=("计划开工月",),
    ),
    Column(
        "planned_start",
        "计划开工时间",
        "date",
        width=12,
        help="日期，如 2024-03-01；只填年月（2024-03）时按当月1日记录。",
        aliases=("计划开工", "计划开工日期"),
    ),
    Column(
        "planned_completion",
        "计划竣工时间",
        "date",
        width=12,
        help="日期，不能早于计划开工时间。",
        aliases=("计划竣工", "计划竣工日期"),
    ),
    Column(
        "stage",
        "项目阶段",
        "choice",
        required=True,
        width=9,
        help="谋划、储备、在建、竣工、投产、停缓建或已取消。已有项目的阶段变化按阶段变更规则办理：转为在建须填实际开工时间，"
        "转为竣工须填实际竣工时间，转为停缓建、已取消或退回前一阶段须在“备注”列写明原因。",
    ),
    Column(
        "actual_start",
        "实际开工时间",
        "date",
        width=12,
        help="完整日期，不能晚于今天；阶段为在建、竣工、投产时必填。",
        aliases=("实际开工", "实际开工日期"),
    ),
    Column(
        "actual_completion",
        "实际竣工时间",
        "date",
        width=12,
        help="完整日期，须晚于实际开工时间；阶段为竣工、投产时必填。",
        aliases=("实际竣工", "实际竣工日期"),
    ),
    Column(
        "land_area",
        "用地面积（亩）",
        "decimal",
        width=11,
        help="单位：亩，须大于0。",
        aliases=("用地面积", "占地面积（亩）"),
    ),
    Column(
        "floor_area",
        "建筑面积（㎡）",
        "decimal",
        width=12,
        help="单位：平方米，须大于0。",
        aliases=("建筑面积", "建筑面积（平方米）"),
    ),
    Column("latitude", "纬度", "decimal", width=10, places=6, help="十进制度数，如 36.107。"),
    Column("longitude", "经度", "decimal", width=10, places=6, help="十进制度数，如 120.468。"),
    Column("contact_name", "联系人", "text", width=10),
    Column("contact_phone", "联系电话", "text", width=14, aliases=("电话",)),
    Column(
        "note", "备注", "text", width=24, help="年度计划的备注；阶段转为停缓建、已取消或退回时在此写明原因。"
    ),
    Column(
        "year",
        "年度",
        "year",
        width=8,
        help="可选：需要逐行指定计划年度时加这一列，否则按导入页面选择的年度。",
        in_template=False,
    ),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
PROJECT_KEYS = [k for k in services.EDITABLE_FIELDS if k in COLUMN_BY_KEY]
ENTRY_KEYS = ["serial", "kind", "level", "planned_investment", "planned_start_month", "note"]
ACTUAL_KEYS = ["actual_start", "actual_completion"]
REF_MODELS: dict[str, str] = {
    "lead_unit": "责任单位",
    "street": "街道",
    "chain": "产业链",
    "park": "园区",
    "leader": "包联领导",
}
# Values the offices write for the enumerations besides the labels themselves.
CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "category": {"产业": Category.INDUSTRY, "重点产业项目": Category.INDUSTRY, "民生": Category.LIVELIHOOD},
    "kind": {
        "新建": Kind.NEW_START,
        "新开工项目": Kind.NEW_START,
        "续建项目": Kind.CONTINUING,
        "战略": Kind.STRATEGIC,
    },
    "level": {
        "省级": Level.PROVINCE,
        "省": Level.PROVINCE,
        "省重点项目": Level.PROVINCE,
        "市级": Level.CITY,
        "市": Level.CITY,
        "市重点项目": Level.CITY,
        "区级": Level.DISTRICT,
        "区": Level.DISTRICT,
        "区重点项目": Level.DISTRICT,
    },
    "stage": {
        "开工建设": Stage.CONSTRUCTION,
        "建设中": Stage.CONSTRUCTION,
        "已竣工": Stage.COMPLETED,
        "运营": Stage.OPERATING,
        "已投产": Stage.OPERATING,
        "停建": Stage.SUSPENDED,
        "缓建": Stage.SUSPENDED,
        "取消": Stage.CANCELLED,
    },
}
CHOICES: dict[str, Any] = {"category": Category, "kind": Kind, "level": Level, "stage": Stage}


def choice_labels(key: str) -> list[str]:
    """The Chinese labels of an enumeration, as the template's dropdown offers them."""
    with translation.override("zh-hans"):
        return [str(label) for _value, label in CHOICES[key].choices]


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ImportIssue:
    """One problem, located as a person finds it in Excel."""

    sheet: str
    row: int | None
    column: str  # the column letter, or "" when the problem is the whole row or file
    header: str
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row:
            where = _("%(where)s 第%(row)s行") % {"where": where, "row": self.row}
        if self.column:
            where = _("%(where)s %(column)s列（%(header)s）") % {
                "where": where,
                "column": self.column,
                "header": self.header,
            }
        elif self.header:
            where = _("%(where)s（%(header)s）") % {"where": where, "header": self.header}
        return (
            _("%(where)s：%(message)s") % {"where": where, "message": self.message} if where else self.message
        )


@dataclass
class RowChange:
    row: int
    code: str
    name: str
    action: str  # "create" or "update"
    fields: list[str]  # the labels of what changes


@dataclass
class ImportResult:
    sheet: str = ""
    year: int | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    transitions: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    applied: bool = False
    request_id: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def no_changes(self) -> bool:
        return self.ok and self.created == 0 and self.updated == 0


class ImportFileError(Exception):
    """The file as a whole cannot be read (not an xlsx, no header, missing columns …)."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        super().__init__("; ".join(str(i) for i in issues))
        self.issues = issues


class _Rollback(Exception):
    pass


# ---------------------------------------------------------------- the upload itself


def check_upload(*, name: str, size: int, head: bytes, max_bytes: int) -> str | None:
    """Why an upload is refused before it is read, or None. ``head``: its first bytes."""
    if size > max_bytes:
        return refusal_too_big(size, max_bytes)
    if not name.lower().endswith(".xlsx"):
        if name.lower().endswith((".xls", ".et", ".csv", ".wps")):
            return _("只支持 Excel 2007 及以上的 .xlsx 文件；请在 Excel 或 WPS 中“另存为” .xlsx 格式后再导入")
        return _("只支持 .xlsx 格式的 Excel 文件，“%(name)s”不是 .xlsx 文件") % {"name": name}
    if head.startswith(OLE_MAGIC):
        return _("文件扩展名是 .xlsx，但内容是旧版 .xls 或加密的工作簿；请另存为 .xlsx（不设密码）后再导入")
    if not head.startswith(XLSX_MAGIC):
        return _(
            "文件内容不是 .xlsx 格式（可能是改了扩展名的其他文件），请用 Excel 或 WPS 保存为 .xlsx 后再导入"
        )
    return None


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.0f} KB"


def _open_zip_checked(source: IO[bytes], max_bytes: int) -> None:
    """Refuse a zip that is not a workbook, or that unpacks to an unreasonable size."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError([_file_issue(_("文件已损坏或不是有效的 .xlsx 工作簿"))]) from exc
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise ImportFileError([_file_issue(_("压缩包中没有 Excel 工作簿内容，不是有效的 .xlsx 文件"))])
    if unpacked > max_bytes * MAX_UNPACK_RATIO:
        raise ImportFileError([_file_issue(_("文件解压后过大，请拆分后分批导入"))])


def _file_issue(message: str, sheet: str = "") -> ImportIssue:
    return ImportIssue(sheet=sheet, row=None, column="", header="", message=message)


class UploadForm(forms.Form):
    """The upload: a .xlsx no larger than the limit, and the programme year its rows belong to."""

    file = forms.FileField(label=_lazy("导入文件（.xlsx）"))
    year = forms.TypedChoiceField(label=_lazy("计划年度"), coerce=int)

    def __init__(self, *args: Any, max_bytes: int, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["year"].choices = [(y, _("%(year)s年") % {"year": y}) for y in years]
        accept = ".xlsx," + XLSX_CONTENT_TYPE
        self.fields["file"].widget.attrs.update({"accept": accept, "class": "form-control"})
        self.fields["year"].widget.attrs["class"] = "form-select"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # The size first, from the upload's metadata: nothing is read from a file that is too big.
        if upload.size > self.max_bytes:
            raise forms.ValidationError(refusal_too_big(upload.size, self.max_bytes))
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        problem = check_upload(name=upload.name, size=upload.size, head=head, max_bytes=self.max_bytes)
        if problem:
            raise forms.ValidationError(problem)
        return upload


def refusal_too_big(size: int, max_bytes: int) -> str:
    return _("文件大小为 %(size)s，超过上限 %(limit)s；请拆分后分批导入") % {
        "size": _human_size(size),
        "limit": _human_size(max_bytes),
    }


# ---------------------------------------------------------------- reading the sheet


def _header_key(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s*]", "", text).lower()


_HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_INDEX[_header_key(_name)] = _column.key


@dataclass
class SheetData:
    name: str
    header_row: int  # 1-based, as Excel numbers it
    columns: dict[str, int]  # column key → 0-based index
    rows: list[tuple[int, list[Any]]]  # (Excel row, cells)

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key] + 1) if key in self.columns else ""


def read_sheet(source: str | Path | IO[bytes], *, max_bytes: int) -> SheetData:
    """Open the workbook with calamine, find the 项目清单 sheet and its header row."""
    if hasattr(source, "temporary_file_path"):  # a large upload Django already put on disk
        source = source.temporary_file_path()
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            _open_zip_checked(handle, max_bytes)
        opener = lambda: CalamineWorkbook.from_path(str(source))  # noqa: E731
    else:
        source.seek(0)
        _open_zip_checked(source, max_bytes)
        source.seek(0)
        opener = lambda: CalamineWorkbook.from_filelike(source)  # noqa: E731
    try:
        workbook = opener()
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise ImportFileError([_file_issue(_("无法读取工作簿：%(error)s") % {"error": exc})]) from exc
    try:
        visible = [
            meta.name
            for meta in workbook.sheets_metadata
            if str(meta.visible).endswith("Visible") and str(meta.typ).endswith("WorkSheet")
        ]
        candidates = [SHEET_NAME] if SHEET_NAME in workbook.sheet_names else visible[:1]
        if not candidates:
            raise ImportFileError([_file_issue(_("工作簿中没有可读取的工作表"))])
        sheet = workbook.get_sheet_by_name(candidates[0])
        cells = sheet.to_python(skip_empty_area=False)
        merges = sheet.merged_cell_ranges or []
    finally:
        workbook.close()
    return _locate_header(sheet.name, cells, merges)


def _locate_header(name: str, cells: list[list[Any]], merges: Iterable[Any]) -> SheetData:
    best_row, best_found = -1, {}
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        found: dict[str, list[int]] = defaultdict(list)
        for col, value in enumerate(row):
            if isinstance(value, str) and value:
                key = _HEADER_INDEX.get(_header_key(value))
                if key:
                    found[key].append(col)
        if "name" in found and len(found) > len(best_found):
            best_row, best_found = index, found
    if best_row < 0:
        raise ImportFileError(
            [
                _file_issue(
                    _("在前 %(n)s 行中没有找到表头（应有“项目名称”“项目类别”等列名）；请使用导入模板")
                    % {"n": HEADER_SCAN_ROWS},
                    name,
                )
            ]
        )
    header_row = best_row + 1
    issues: list[ImportIssue] = []
    merged = [
        f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
        for (r0, c0), (r1, c1) in merges
        if r0 <= best_row <= r1
    ]
    if merged:
        issues.append(
            _file_issue(
                _("表头第%(row)s行存在合并单元格 %(ranges)s，请取消合并（每列一个列名，占一行）")
                % {"row": header_row, "ranges": "、".join(merged)},
                name,
            )
        )
    for key, cols in found_items(best_found):
        if len(cols) > 1:
            letters = "、".join(get_column_letter(c + 1) + "列" for c in cols)
            issues.append(
                _file_issue(
                    _("表头第%(row)s行的“%(header)s”出现了多次（%(cols)s），请只保留一列")
                    % {"row": header_row, "header": COLUMN_BY_KEY[key].header, "cols": letters},
                    name,
                )
            )
    missing = [c.header for c in COLUMNS if c.required and c.key not in best_found]
    if missing:
        issues.append(
            _file_issue(
                _("表头第%(row)s行缺少必填列：%(cols)s") % {"row": header_row, "cols": "、".join(missing)},
                name,
            )
        )
    if issues:
        raise ImportFileError(issues)
    columns = {key: cols[0] for key, cols in best_found.items()}
    rows = []
    name_col = columns["name"]
    for index in range(best_row + 1, len(cells)):
        row = cells[index]
        if _is_blank_row(row, columns, name_col):
            continue
        rows.append((index + 1, row))
    return SheetData(name=name, header_row=header_row, columns=columns, rows=rows)


def found_items(found: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
    return sorted(found.items(), key=lambda item: item[1][0])


_TOTAL_RE = re.compile(r"^(合\s*计|总\s*计|小\s*计)([（(].*[)）])?$")


def _is_blank_row(row: list[Any], columns: dict[str, int], name_col: int) -> bool:
    """Blank, or only a pre-filled serial number, or a 合计 line (as the export writes one)."""
    serial_col = columns.get("serial", -1)
    filled = False
    for col, value in enumerate(row):
        if col == serial_col or value is None or value == "":
            continue
        if isinstance(value, str):
            if not value.strip():
                continue
            if _TOTAL_RE.match(value.strip()) and (col == name_col or not _present(row, name_col)):
                return True
        filled = True
    return not filled


def _present(row: list[Any], col: int) -> bool:
    if col >= len(row):
        return False
    value = row[col]
    return not (value is None or (isinstance(value, str) and not value.strip()))


# ---------------------------------------------------------------- cell parsers


class CellError(ValueError):
    pass


_SPACE_TABLE = str.maketrans({"\u3000": " ", "\xa0": " ", "\u200b": ""})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_SPACE_TABLE).strip()


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", _text(value)).strip()


def _match_key(value: Any) -> str:
    return re.sub(r"\s+", "", _nfkc(value)).casefold()


def parse_number(value: Any, places: int = 2) -> Decimal:
    """A number from a cell: numbers as they are, text such as "1,234.5" or "１２３" parsed."""
    if isinstance(value, bool):
        raise CellError(_("“%(value)s”不是数字") % {"value": value})
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, dt.date | dt.time | dt.timedelta):
        raise CellError(_("“%(value)s”是日期或时间，不是数字") % {"value": _text(value)})
    else:
        text = _nfkc(value).replace(",", "").replace(" ", "")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise CellError(_("“%(value)s”不是数字") % {"value": _text(value)}) from exc
    if not number.is_finite():
        raise CellError(_("“%(value)s”不是有限数字") % {"value": _text(value)})
    try:
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise CellError(_("“%(value)s”数值过大") % {"value": _text(value)}) from exc


def parse_int(value: Any) -> int:
    number = parse_number(value, places=6)
    if number != number.to_integral_value():
        raise CellError(_("“%(value)s”不是整数") % {"value": _text(value)})
    return int(number)


EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?$")
_DIGITS8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: Any, *, month_ok: bool) -> tuple[dt.date, bool]:
    """A date from a cell; returns (date, given to the month only)."""
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, bool):
        raise CellError(_("“%(value)s”不是日期") % {"value": value})
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            text = str(int(value))
        elif 1 <= value < 2958466:  # an Excel serial whose cell lost its date format
            return EXCEL_EPOCH + dt.timedelta(days=int(value)), False
        else:
            raise CellError(_("“%(value)s”不是日期") % {"value": _text(value)})
    else:
        text = re.sub(r"\s+", "", _nfkc(value))
        text = re.sub(r"(?:T|(?<=\d))\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", "", text)  # drop a time part
    match = _DATE_RE.match(text) or _DIGITS8_RE.match(text)
    if not match:
        raise CellError(_("“%(value)s”不是日期，请填写如 2024-03-01 的日期") % {"value": _text(value)})
    year, month, day = match.group(1), match.group(2), match.group(3)
    month_only = day is None
    if month_only and not month_ok:
        raise CellError(_("“%(value)s”只有年月，请填写完整日期（年-月-日）") % {"value": _text(value)})
    try:
        return dt.date(int(year), int(month), int(day or 1)), month_only
    except ValueError as exc:
        raise CellError(_("“%(value)s”不是有效日期") % {"value": _text(value)}) from exc


def parse_year(value: Any) -> int:
    year = parse_int(value)
    if not 2000 <= year <= 2100:
        raise CellError(_("年度“%(value)s”不在 2000–2100 之间") % {"value": _text(value)})
    return year


def parse_internal_code(value: Any) -> str:
    code = _nfkc(value).upper()
    if not INTERNAL_CODE_RE.match(code):
        raise CellError(
            _("内部编号“%(value)s”格式应为 XF+年份-5位序号，如 XF2024-00001") % {"value": _text(value)}
        )
    return code


_MISSING = object()
_MONTH_RE = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})月?(?:份)?$")


def parse_month(value: Any) -> int:
    if isinstance(value, dt.date):
        return value.month
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_int(value)
    text = re.sub(r"\s+", "", _nfkc(value))
    match = _MONTH_RE.match(text)
    if not match:
        raise CellError(_("“%(value)s”不是月份，请填写 1–12 的数字") % {"value": _text(value)})
    return int(match.group(2))


# ---------------------------------------------------------------- reference data


@dataclass
class References:
    """Everything a row may name, loaded once per import (five queries)."""

    lookup: dict[str, dict[str, list[Any]]]
    by_id: dict[str, dict[int, Any]]
    choices: dict[str, dict[str, str]]

    @classmethod
    def load(cls) -> References:
        departments = list(Department.objects.all())
        streets = list(Region.objects.filter(level=RegionLevel.STREET))
        chains = list(IndustryChain.objects.all())
        parks = list(Park.objects.all())
        leaders = list(Leader.objects.all())
        lookup: dict[str, dict[str, list[Any]]] = {}
        by_id: dict[str, dict[int, Any]] = {}
        for key, objects, names in [
            ("lead_unit", departments, lambda o: [o.name, o.short_name, o.code]),
            ("street", streets, lambda o: [o.name, o.code]),
            ("chain", chains, lambda o: [o.name, o.code]),
            ("park", parks, lambda o: [o.name, o.code]),
            ("leader", leaders, lambda o: [o.name]),
        ]:
            index: dict[str, list[Any]] = defaultdict(list)
            for obj in objects:
                for text in {_match_key(n) for n in names(obj) if n}:
                    index[text].append(obj)
            lookup[key] = dict(index)
            by_id[key] = {obj.pk: obj for obj in objects}
        choices: dict[str, dict[str, str]] = {}
        for key, enum in CHOICES.items():
            table: dict[str, str] = {}
            for value, label in enum.choices:
                table[_match_key(value)] = value
                with translation.override("zh-hans"):
                    table[_match_key(str(label))] = value
                table[_match_key(str(label))] = value
            for alias, value in CHOICE_ALIASES.get(key, {}).items():
                table.setdefault(_match_key(alias), value)
            choices[key] = table
        return cls(lookup=lookup, by_id=by_id, choices=choices)

    def options(self, key: str) -> list[str]:
        """The names the template offers for a reference column (active rows only)."""
        seen: list[str] = []
        for obj in self.by_id[key].values():
            if getattr(obj, "is_active", True) and str(obj.name) not in seen:
                seen.append(str(obj.name))
        return seen

    def resolve(self, key: str, value: Any) -> Any:
        found = self.lookup[key].get(_match_key(value), [])
        what = REF_MODELS[key]
        if not found:
            raise CellError(_("系统中没有名为“%(value)s”的%(what)s") % {"value": _text(value), "what": what})
        distinct = {obj.pk: obj for obj in found}
        if len(distinct) > 1:
            raise CellError(
                _("“%(value)s”对应多个%(what)s（%(names)s），请填写全称")
                % {"value": _text(value), "what": what, "names": "、".join(str(o) for o in distinct.values())}
            )
        obj = found[0]
        if not getattr(obj, "is_active", True):
            raise CellError(_("%(what)s“%(value)s”已停用") % {"value": _text(value), "what": what})
        return obj

    def choice(self, key: str, value: Any) -> str:
        found = self.choices[key].get(_match_key(value))
        if found is None:
            raise CellError(
                _("“%(value)s”不是可选值（可选：%(options)s）")
                % {"value": _text(value), "options": "、".join(choice_labels(key))}
            )
        return found


# ---------------------------------------------------------------- planning an import


@dataclass
class _Row:
    number: int  # Excel row
    values: dict[str, Any]  # parsed, only for columns present in the file; None = blank cell
    month_only: set[str]
    bad: set[str]  # keys whose cell could not be parsed
    year: int
    project: Project | None = None  # existing project matched by code
    new: Project | None = None
    entry: ProgrammeEntry | None = None
    entry_is_new: bool = False
    project_changes: dict[str, Any] = field(default_factory=dict)
    entry_changes: dict[str, Any] = field(default_factory=dict)
    steps: list[tuple[str, dt.date | None]] = field(default_factory=list)
    reason: str = ""
    skip: bool = False  # which project the row means is unclear: reported, not built


class _Planner:
    def __init__(self, *, actor: User, sheet: SheetData, year: int, filename: str) -> None:
        self.actor = actor
        self.sheet = sheet
        self.year = year
        self.filename = filename
        self.errors: list[ImportIssue] = []
        self._seen_errors: set[tuple[int, str, str]] = set()
        self.refs = References.load()
        self.rows: list[_Row] = []
        self._serials: dict[int, int] = {}
        self.clean_memo: Memo = {}  # each field's check of a value, done once per import

    # -- errors

    def error(self, row: int, key: str, message: str) -> None:
        marker = (row, key, message)
        if marker in self._seen_errors:
            return
        self._seen_errors.add(marker)
        column = COLUMN_BY_KEY.get(key)
        if column is not None and key in self.sheet.columns:
            self.errors.append(
                ImportIssue(self.sheet.name, row, self.sheet.letter(key), column.header, message)
            )
        elif column is not None:
            self.errors.append(ImportIssue(self.sheet.name, row, "", column.header, message))
        elif key:
            label = _field_label(key)
            self.errors.append(ImportIssue(self.sheet.name, row, "", label, message))
        else:
            self.errors.append(ImportIssue(self.sheet.name, row, "", "", message))

    def validation_errors(self, row: _Row, exc: ValidationError, *, default_key: str = "") -> None:
        """Report a service's ValidationError under the columns of the fields it names."""
        if hasattr(exc, "error_dict"):
            for key, messages in exc.message_dict.items():
                target = default_key if key in {"__all__", "to_stage", "effective_date", "reason"} else key
                if target and target in row.bad:
                    continue  # the cell itself was already reported as unreadable
                for message in messages:
                    self.error(row.number, target, message)
        else:
            for message in exc.messages:
                self.error(row.number, default_key, message)

    # -- pass 1: cells

    def _parser(self, column: Column) -> Any:
        """The function that turns one cell of ``column`` into a value (raises CellError)."""
        refs, key, kind = self.refs, column.key, column.kind
        if kind == "text":
            return _text
        if kind in {"money", "decimal"}:
            return lambda raw: parse_number(raw, column.places)
        if kind == "choice":
            return lambda raw: refs.choice(key, raw)
        if kind == "ref":
            return lambda raw: refs.resolve(key, raw)
        if kind == "date":
            month_ok = key.startswith("planned")
            return lambda raw: parse_date(raw, month_ok=month_ok)
        if kind == "month":
            return parse_month
        if kind == "int":
            return parse_int
        if kind == "year":
            return parse_year
        if kind == "code":
            return lambda raw: _nfkc(raw).upper().replace("－", "-").replace("—", "-")
        return parse_internal_code

    def parse_rows(self) -> None:
        # (key, index, required, parse, is_date, memo): choices and names repeat down a column,
        # so their parsed values are remembered per import.
        specs = []
        for key, index in self.sheet.columns.items():
            column = COLUMN_BY_KEY[key]
            memo: dict[Any, Any] | None = {} if column.kind in {"choice", "ref"} else None
            specs.append((key, index, column.required, self._parser(column), column.kind == "date", memo))
        for number, cells in self.sheet.rows:
            values: dict[str, Any] = {}
            month_only: set[str] = set()
            bad: set[str] = set()
            width = len(cells)
            for key, index, required, parse, is_date, memo in specs:
                raw = cells[index] if index < width else None
                if raw is None or raw == "" or (raw.__class__ is str and not raw.strip()):
                    values[key] = None
                    if required:
                        self.error(number, key, _("不能为空"))
                        bad.add(key)
                    continue
                try:
                    if memo is not None:
                        value = memo.get(raw, _MISSING)
                        if value is _MISSING:
                            try:
                                value = memo[raw] = parse(raw)
                            except CellError as exc:
                                memo[raw] = exc
                                raise
                        elif value.__class__ is CellError:
                            raise value
                    elif is_date:
                        value, partial = parse(raw)
                        if partial:
                            month_only.add(key)
                    else:
                        value = parse(raw)
                except CellError as exc:
                    self.error(number, key, str(exc))
                    bad.add(key)
                    continue
                values[key] = value
            code = values.get("national_code")
            if code:
                if INTERNAL_CODE_RE.match(code):
                    # The export writes the internal code where no national code exists.
                    if values.get("internal_code") and values["internal_code"] != code:
                        self.error(
                            number, "national_code", _("项目代码列填写了内部编号，且与内部编号列不一致")
                        )
                        bad.add("national_code")
                    values["internal_code"] = code
                    values["national_code"] = None
                else:
                    try:
                        values["national_code"] = normalise_national_code(code)
                    except ValidationError as exc:
                        self.error(number, "national_code", exc.messages[0])
                        bad.add("national_code")
                        values.pop("national_code")
            year = values.get("year") or self.year
            self.rows.append(_Row(number=number, values=values, month_only=month_only, bad=bad, year=year))

    # -- pass 2: which rows are existing projects

    def match_existing(self) -> None:
        national = {r.values["national_code"] for r in self.rows if r.values.get("national_code")}
        internal = {r.values["internal_code"] for r in self.rows if r.values.get("internal_code")}
        # Rows without either code are matched by name within their unit, so that importing the
        # same file twice does not enter such projects twice.
        nameless = {r.values["name"] for r in self.rows if _codeless(r) and r.values.get("name")}
        found: list[Project] = []
        # Related rows come from the reference data already loaded, not from joins.
        base = Project.objects.select_for_update()
        for chunk in _chunks(sorted(national), 2000):
            found += base.filter(national_code__in=chunk)
        for chunk in _chunks(sorted(internal), 2000):
            found += base.filter(internal_code__in=chunk)
        by_name: dict[tuple[str, int], list[Project]] = defaultdict(list)
        for chunk in _chunks(sorted(nameless), 2000):
            for project in base.filter(name__in=chunk, archived_at__isnull=True):
                self._attach(project)
                by_name[(project.name, project.lead_unit_id)].append(project)
        for project in found:
            self._attach(project)
        by_national = {p.national_code: p for p in found if p.national_code}
        by_internal = {p.internal_code: p for p in found}
        first_national: dict[str, int] = {}
        first_internal: dict[str, int] = {}
        first_project: dict[int, int] = {}
        for row in self.rows:
            n_code, i_code = row.values.get("national_code"), row.values.get("internal_code")
            for code, first, key, label in [
                (n_code, first_national, "national_code", _("项目代码")),
                (i_code, first_internal, "internal_code", _("内部编号")),
            ]:
                if code and code in first:
                    message = _("%(label)s %(code)s 与第%(first)s行重复") % {
                        "label": label,
                        "code": code,
                        "first": first[code],
                    }
                    self.error(row.number, key, message)
                    self.error(
                        first[code],
                        key,
                        _("%(label)s %(code)s 与第%(other)s行重复")
                        % {"label": label, "code": code, "other": row.number},
                    )
                    row.bad.add(key)
                elif code:
                    first[code] = row.number
            by_i = by_internal.get(i_code) if i_code else None
            by_n = by_national.get(n_code) if n_code else None
            if i_code and by_i is None and "internal_code" not in row.bad:
                self.error(
                    row.number,
                    "internal_code",
                    _("内部编号 %(code)s 在系统中不存在（新项目请留空，由系统生成）") % {"code": i_code},
                )
                row.bad.add("internal_code")
                row.skip = True
                continue
            project = by_i or by_n
            if project is None and _codeless(row) and row.values.get("name") and row.values.get("lead_unit"):
                same = by_name.get((row.values["name"], row.values["lead_unit"].pk), [])
                if len(same) > 1:
                    self.error(
                        row.number,
                        "name",
                        _("系统中本单位有 %(n)s 个同名项目（%(codes)s），请填写内部编号以指明是哪一个")
                        % {"n": len(same), "codes": "、".join(p.internal_code for p in same)},
                    )
                    row.skip = True
                    continue
                project = same[0] if same else None
            if by_i is not None and by_n is not None and by_i.pk != by_n.pk:
                self.error(
                    row.number,
                    "national_code",
                    _(
                        "项目代码 %(code)s 已被项目“%(other)s”（%(other_code)s）使用，"
                        "与内部编号 %(internal)s 不是同一项目"
                    )
                    % {
                        "code": n_code,
                        "other": by_n.name,
                        "other_code": by_n.internal_code,
                        "internal": i_code,
                    },
                )
                row.bad.add("national_code")
                row.skip = True
                continue
            if project is None:
                continue
            if project.pk in first_project and not row.bad & {"national_code", "internal_code"}:
                self.error(
                    row.number,
                    "",
                    _("与第%(first)s行是同一个项目（%(code)s），同一项目只能出现一次")
                    % {"first": first_project[project.pk], "code": project.code},
                )
                row.skip = True
                continue
            first_project[project.pk] = row.number
            row.project = project

    # -- pass 3: rows become unsaved rows and changes

    def _next_code(self, year: int) -> str:
        """Internal codes in sequence per programme year, as project_create would give them."""
        serial = self._serials.get(year)
        if serial is None:
            first = services._next_internal_code(year)
            serial = int(INTERNAL_CODE_RE.match(first).group(2))  # type: ignore[union-attr]
        self._serials[year] = serial + 1
        return format_internal_code(year, serial)

    def build(self) -> None:
        actor = self.actor
        unit_only = actor.role != Role.DISPATCHER
        own_unit = actor.department_id
        existing_ids = [r.project.pk for r in self.rows if r.project is not None]
        entries: dict[tuple[int, int], ProgrammeEntry] = {}
        years = {r.year for r in self.rows}
        for chunk in _chunks(existing_ids, 2000):
            for entry in ProgrammeEntry.objects.filter(
                project_id__in=chunk, year__in=years
            ).select_for_update():
                entries[(entry.project_id, entry.year)] = entry
        for row in self.rows:
            if row.skip:
                continue
            values = row.values
            project = row.project
            if unit_only and project is not None and project.lead_unit_id != own_unit:
                self.error(
                    row.number,
                    "",
                    _("项目“%(name)s”（%(code)s）属于%(unit)s，您只能导入本单位的项目")
                    % {"name": project.name, "code": project.code, "unit": project.lead_unit},
                )
                continue
            unit = values.get("lead_unit")
            if unit_only and unit is not None and unit.pk != own_unit:
                self.error(
                    row.number,
                    "lead_unit",
                    _("只能导入本单位（%(own)s）的项目，不能填写“%(unit)s”")
                    % {"own": actor.department, "unit": unit},
                )
                row.bad.add("lead_unit")
            if project is not None and project.archived_at:
                self.error(
                    row.number, "", _("项目“%(name)s”已归档，不能修改；请先恢复") % {"name": project.name}
                )
                continue
            if project is None:
                self._build_new(row)
            else:
                self._build_update(row, entries.get((project.pk, row.year)))

    def _build_new(self, row: _Row) -> None:
        values = row.values
        fields = {k: values[k] for k in PROJECT_KEYS if values.get(k) is not None}
        for key in ("stage", "actual_start", "actual_completion"):
            if values.get(key) is not None:
                fields[key] = values[key]
        project = _instance(Project, fields)
        project.internal_code = self._next_code(row.year)  # before validation: it is in search_text
        try:
            services.project_validate(project, references_loaded=True, memo=self.clean_memo)
        except ValidationError as exc:
            self.validation_errors(row, exc)
        self._attach(project)
        row.new = project
        row.entry = self._new_entry(row, project)
        row.entry_is_new = True

    def _new_entry(self, row: _Row, project: Project) -> ProgrammeEntry:
        values = row.values
        fields: dict[str, Any] = {k: values[k] for k in ENTRY_KEYS if values.get(k) is not None}
        entry = _instance(ProgrammeEntry, {**fields, "project": project, "year": row.year})
        try:
            services._entry_validate(entry, references_loaded=True, memo=self.clean_memo)
        except ValidationError as exc:
            self.validation_errors(row, exc)
        return entry

    def _build_update(self, row: _Row, entry: ProgrammeEntry | None) -> None:
        values = row.values
        project = row.project
        assert project is not None
        before = snapshot(project)
        stored_actuals = {k: getattr(project, k) for k in ACTUAL_KEYS}
        for key in PROJECT_KEYS:
            if key not in values or key in row.bad:
                continue
            value = values[key]
            if key in {"national_code"} and not value:
                continue  # a blank code cell keeps the code; codes are never cleared by import
            if key in row.month_only and _same_month(getattr(project, key), value):
                continue  # "2024-03" keeps a stored 2024-03-15
            if value is None and COLUMN_BY_KEY[key].kind == "text":
                value = ""
            setattr(project, key, value)
        code = project.national_code
        if code and code != before.get("national_code"):
            clash = Project.objects.filter(national_code=code).exclude(pk=project.pk).first()
            if clash is not None:
                self.error(
                    row.number,
                    "national_code",
                    _("项目代码 %(code)s 已被项目“%(other)s”使用") % {"code": code, "other": clash.name},
                )
        try:
            services.project_validate(project, references_loaded=True, memo=self.clean_memo)
        except ValidationError as exc:
            self.validation_errors(row, exc)
        self._attach(project)
        row.project_changes = diff(Project, before, snapshot(project))
        self._plan_transition(row, project, stored_actuals)
        if entry is None:
            row.entry = self._new_entry(row, project)
            row.entry_is_new = True
            return
        ProgrammeEntry._meta.get_field("project").set_cached_value(entry, project)  # no query per row
        entry_before = snapshot(entry)
        for key in ENTRY_KEYS:
            if key not in values or key in row.bad:
                continue
            value = values[key]
            if value is None:
                value = "" if key == "note" else (Decimal(0) if key == "planned_investment" else None)
                if key in {"kind", "level"}:
                    continue
            setattr(entry, key, value)
        entry.project = project
        try:
            services._entry_validate(entry, references_loaded=True, memo=self.clean_memo)
        except ValidationError as exc:
            self.validation_errors(row, exc)
        row.entry = entry
        row.entry_changes = diff(ProgrammeEntry, entry_before, snapshot(entry))

    def _plan_transition(self, row: _Row, project: Project, stored: dict[str, dt.date | None]) -> None:
        values = row.values
        target = values.get("stage")
        start, completion = values.get("actual_start"), values.get("actual_completion")
        simulated = copy.copy(project)  # Django copies the related-object cache with it
        simulated.actual_start, simulated.actual_completion = (
            stored["actual_start"],
            stored["actual_completion"],
        )
        if target is not None and target != project.stage and "stage" not in row.bad:
            row.steps = _steps(simulated, target, start, completion)
            row.reason = values.get("note") or ""
            for to_stage, effective in row.steps:
                key = {Stage.CONSTRUCTION: "actual_start", Stage.COMPLETED: "actual_completion"}.get(
                    to_stage, "stage"
                )
                try:
                    day = services._stage_rules(simulated, to_stage, effective, row.reason)
                    services._stage_apply(simulated, to_stage, day)
                    services.project_validate(simulated, references_loaded=True, memo=self.clean_memo)
                except ValidationError as exc:
                    if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
                        for message in exc.message_dict["reason"]:
                            self.error(
                                row.number,
                                "stage",
                                _("%(reason)s（请在“备注”列写明原因）") % {"reason": message},
                            )
                    else:
                        self.validation_errors(row, exc, default_key=key)
                    row.steps = []
                    return
        # A filled actual date must be what the record says after any stage change.
        for key in ACTUAL_KEYS:
            given = values.get(key)
            if given is not None and key not in row.bad and getattr(simulated, key) != given:
                recorded = getattr(simulated, key)
                self.error(
                    row.number,
                    key,
                    _(
                        "与系统记录（%(recorded)s）不一致；实际开工、竣工时间随阶段变更记录，请通过项目阶段列或项目页面的“阶段变更”办理"
                    )
                    % {"recorded": recorded.isoformat() if recorded else _("未填")},
                )

    def _attach(self, project: Project) -> None:
        """Keep related rows cached, so snapshots and labels cost no query."""
        for key, field_obj in _relations(Project):
            ident = getattr(project, field_obj.attname)
            if ident is not None and not field_obj.is_cached(project):
                related = self.refs.by_id.get(key, {}).get(ident)
                if related is not None:
                    field_obj.set_cached_value(project, related)


def _relations(model: type[models.Model]) -> list[tuple[str, Any]]:
    return [(f.name, f) for f in model._meta.concrete_fields if f.is_relation]


def _instance(model: type[models.Model], fields: dict[str, Any]) -> Any:
    """``model(**fields)`` by position, the fast path of Model.__init__; related objects given in
    ``fields`` are cached on the instance as the keyword path would."""
    args = []
    for f in model._meta.concrete_fields:
        if f.name in fields:
            value = fields[f.name]
            args.append(value.pk if f.is_relation and value is not None else value)
        else:
            args.append(f.get_default())
    obj = model(*args)
    for name, f in _relations(model):
        if name in fields:
            f.set_cached_value(obj, fields[name])
    return obj


def _codeless(row: _Row) -> bool:
    return (
        not row.values.get("national_code")
        and not row.values.get("internal_code")
        and not (row.bad & {"national_code", "internal_code"})
    )


def _same_month(stored: Any, given: Any) -> bool:
    return (
        isinstance(stored, dt.date)
        and isinstance(given, dt.date)
        and (stored.year, stored.month) == (given.year, given.month)
    )


def _steps(
    project: Project, target: str, start: dt.date | None, completion: dt.date | None
) -> list[tuple[str, dt.date | None]]:
    """The transitions that take a project to ``target``, with their effective dates."""
    not_started = (
        project.stage in {Stage.PLANNING, Stage.RESERVE, Stage.CANCELLED} or not project.actual_start
    )
    if target == Stage.CONSTRUCTION:
        return [(Stage.CONSTRUCTION, start if not_started else None)]
    if target == Stage.COMPLETED:
        steps = [(Stage.CONSTRUCTION, start)] if not_started else []
        return [*steps, (Stage.COMPLETED, completion)]
    if target == Stage.OPERATING:
        steps = [(Stage.CONSTRUCTION, start)] if not_started else []
        if not_started or not project.actual_completion:
            steps.append((Stage.COMPLETED, completion))
        return [*steps, (Stage.OPERATING, None)]
    return [(target, None)]


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _field_label(name: str) -> str:
    for model in (Project, ProgrammeEntry):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:
            continue
    return name


# ---------------------------------------------------------------- writing


def _apply(planner: _Planner, *, request_id: str, result: ImportResult) -> None:
    actor = planner.actor
    at = clock.now()
    now = timezone.now()
    creating = [r for r in planner.rows if r.new is not None]
    records: list[_RecordRow] = []
    shared = _record_shared(actor, request_id, at)

    # New projects: one insert, then their ids by the (unique) internal codes given in planning.
    new_projects: list[Project] = [r.new for r in creating]  # type: ignore[misc]
    _insert(Project, new_projects, now, returning=True)
    milestones: list[Milestone] = []
    transitions: list[StageTransition] = []
    for project in new_projects:
        records.append(_record(shared, ChangeAction.CREATE, project, diff(Project, {}, snapshot(project))))
        for kind, day in services._milestone_dates(project):
            if day is not None:
                milestones.append(Milestone(project=project, kind=kind, actual_date=day))
        initial = services._initial_transition(project, actor)
        if initial is not None:
            initial.at = at
            transitions.append(initial)

    # Changed projects: one bulk_update per set of changed fields.
    groups: dict[tuple[str, ...], list[Project]] = defaultdict(list)
    for row in planner.rows:
        if row.project is not None and row.project_changes:
            project = row.project
            records.append(_record(shared, ChangeAction.UPDATE, project, row.project_changes))
            project.version += 1
            project.updated_at = now
            groups[tuple(sorted(row.project_changes))].append(project)
    for names, projects in groups.items():
        Project.objects.bulk_update(projects, [*names, "search_text", "version", "updated_at"])

    # Entries: new ones in one insert, changed ones per set of changed fields.
    new_entries: list[ProgrammeEntry] = []
    entry_groups: dict[tuple[str, ...], list[ProgrammeEntry]] = defaultdict(list)
    for row in planner.rows:
        entry = row.entry
        if entry is None:
            continue
        if row.entry_is_new:
            entry.project = row.new or row.project  # now with its id
            new_entries.append(entry)
        elif row.entry_changes:
            entry.version += 1
            entry.updated_at = now
            entry_groups[tuple(sorted(row.entry_changes))].append(entry)
            records.append(_record(shared, ChangeAction.UPDATE, entry, row.entry_changes))
    _insert(ProgrammeEntry, new_entries, now, returning=True)
    for entry in new_entries:
        records.append(_record(shared, ChangeAction.CREATE, entry, diff(ProgrammeEntry, {}, snapshot(entry))))
    for names, changed in entry_groups.items():
        ProgrammeEntry.objects.bulk_update(changed, [*names, "version", "updated_at"])
    _insert(Milestone, milestones, now)
    _insert(StageTransition, transitions, now)
    _insert(ChangeRecord, records, now)

    # Stage changes of existing projects: the service applies the rules, dates, milestones, log.
    for row in planner.rows:
        if row.project is None or not row.steps:
            continue
        for to_stage, effective in row.steps:
            try:
                services.project_transition(
                    actor=actor,
                    project=row.project,
                    to_stage=to_stage,
                    effective_date=effective,
                    reason=row.reason or _("批量导入（%(file)s）") % {"file": planner.filename or SHEET_NAME},
                    request_id=request_id,
                )
            except ValidationError as exc:  # checked in the dry run; only a concurrent change lands here
                planner.validation_errors(row, exc, default_key="stage")
                raise _Rollback from exc
            result.transitions += 1


# Field types whose (validated) Python value goes to the driver as it is: their get_db_prep_save
# returns the value unchanged on SQLite and PostgreSQL (the drivers adapt Decimal and date).
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.DecimalField,
)


def _is_plain(f: Any) -> bool:
    if isinstance(f, models.DateTimeField):
        return False  # made naive UTC on SQLite
    return isinstance(f, _PLAIN_FIELDS) or type(f) is models.DateField


def _insert(
    model: type[models.Model], objects: list[Any], now: dt.datetime, *, returning: bool = False
) -> None:
    """INSERT unsaved instances with one executemany (COPY on PostgreSQL): what bulk_create writes,
    without building SQL for every value (which costs more than the database does). Like
    bulk_create, sends no signals; auto_now fields get ``now``; typed values go through the
    field's get_db_prep_save."""
    if not objects:
        return
    db = connections[DEFAULT_DB_ALIAS]  # the real connection: the proxy costs a lookup per use
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    prepared: list[tuple[int, Any]] = []
    constants: dict[int, Any] = {}
    for index, f in enumerate(fields):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constants[index] = f.get_db_prep_save(now, db)
            for obj in objects:
                setattr(obj, f.attname, now)
        elif not _is_plain(f):
            prepared.append((index, f))
    quote = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    attnames = [f.attname for f in fields]
    rows = []
    seen: dict[tuple[int, Any], Any] = {}  # e.g. one timestamp for the whole batch: adapt it once
    copying = db.vendor == "postgresql"
    for obj in objects:
        values = [getattr(obj, name) for name in attnames]
        for index, f in prepared:
            value = values[index]
            if copying and isinstance(f, models.JSONField):
                values[index] = copy_json(f, value)
            elif isinstance(value, dt.datetime):
                marker = (index, value)
                if marker not in seen:
                    seen[marker] = f.get_db_prep_save(value, db)
                values[index] = seen[marker]
            else:
                values[index] = f.get_db_prep_save(value, db)
        for index, value in constants.items():
            values[index] = value
        rows.append(values)
    table, pk = quote(model._meta.db_table), model._meta.pk
    ids: list[int] = []
    with db.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if db.vendor == "postgresql" and hasattr(raw, "copy"):
            # COPY: a third of executemany's time on PostgreSQL; psycopg adapts each value. With
            # ``returning``, the new ids are drawn from the table's sequence first.
            columns = [quote(f.column) for f in fields]
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [model._meta.db_table, pk.column, len(rows)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                columns.insert(0, quote(pk.column))
                rows = [[ident, *values] for ident, values in zip(ids, rows, strict=True)]
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
        elif returning:
            # Multi-row INSERT … RETURNING: the ids come back in row order (as bulk_create relies on).
            per_statement = max(1, 30000 // len(fields))
            placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
            head = sql.split(" VALUES ")[0]
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                cursor.execute(
                    f"{head} VALUES {', '.join([placeholder] * len(chunk))} RETURNING {quote(pk.column)}",
                    [value for values in chunk for value in values],
                )
                ids.extend(row[0] for row in cursor.fetchall())
        else:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])
    if returning:
        for obj, ident in zip(objects, ids, strict=True):
            obj.pk = ident
            obj._state.adding = False
            obj._state.db = DEFAULT_DB_ALIAS


_RECORD_ATTNAMES = tuple(f.attname for f in ChangeRecord._meta.concrete_fields if not f.primary_key)


class _RecordRow:
    """The values of one ChangeRecord as _insert reads them, without a model instance per row."""

    __slots__ = _RECORD_ATTNAMES

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


def _record_shared(actor: User, request_id: str, at: dt.datetime) -> dict[str, Any]:
    """The columns every record of one import shares, as change_record_build fills them."""
    sample = change_record_build(
        actor=actor, action=ChangeAction.UPDATE, object_type="-", request_id=request_id, at=at
    )
    return {name: getattr(sample, name) for name in ("at", "actor_id", "actor_name", "reason", "request_id")}


def _record(shared: dict[str, Any], action: str, instance: Any, changes: dict[str, Any]) -> _RecordRow:
    """What change_record_build gives for ``instance``, as a row for _insert."""
    return _RecordRow(
        **shared,
        action=str(action),
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        changes=changes or {},
    )


# ---------------------------------------------------------------- the entry point


def registry_import(
    *,
    actor: User,
    source: str | Path | IO[bytes],
    year: int,
    filename: str = "",
    dry_run: bool = False,
    request_id: str = "",
    max_bytes: int | None = None,
    preview_limit: int = 200,
) -> ImportResult:
    """Check a 项目清单 workbook and, unless ``dry_run``, write it whole — or, on any error, not at all.

    Raises PermissionDenied for roles that may not import. Problems with the file or its rows come
    back in ``result.errors``; nothing is written then.
    """
    if actor.role not in IMPORTER_ROLES:
        raise PermissionDenied(_("您的角色不能导入项目"))
    if actor.role == Role.UNIT_REPORTER and not actor.department_id:
        raise PermissionDenied(_("您的账号未关联责任单位，不能导入项目"))
    from django.conf import settings

    limit = max_bytes if max_bytes is not None else settings.XF_MAX_UPLOAD_BYTES
    request_id = request_id or f"import-{uuid.uuid4().hex[:12]}"
    result = ImportResult(year=year, request_id=request_id)
    try:
        sheet = read_sheet(source, max_bytes=limit)
    except ImportFileError as exc:
        result.errors = exc.issues
        return result
    result.sheet = sheet.name
    result.rows = len(sheet.rows)
    if not sheet.rows:
        result.errors = [
            _file_issue(_("表头（第%(row)s行）下面没有项目数据") % {"row": sheet.header_row}, sheet.name)
        ]
        return result
    try:
        with transaction.atomic():
            planner = _Planner(actor=actor, sheet=sheet, year=year, filename=filename)
            planner.parse_rows()
            planner.match_existing()
            planner.build()
            _count(planner, result, preview_limit)
            if planner.errors:
                result.errors = planner.errors
                raise _Rollback
            if dry_run:
                raise _Rollback
            try:
                _apply(planner, request_id=request_id, result=result)
            except IntegrityError as exc:
                # Someone else wrote the same codes meanwhile; the transaction is undone.
                raise ConflictError(
                    _("写入时与他人的操作冲突（如内部编号或项目代码被占用），未导入任何数据，请重新导入")
                ) from exc
            result.applied = True
    except _Rollback:
        result.errors = planner.errors
        result.applied = False
    except ConflictError as exc:
        result.errors = [_file_issue(str(exc.messages[0]), sheet.name)]
        result.applied = False
    result.errors.sort(key=lambda issue: (issue.row or 0, issue.column.rjust(3)))
    return result


def _count(planner: _Planner, result: ImportResult, limit: int) -> None:
    for row in planner.rows:
        if row.new is not None:
            result.created += 1
            action, fields = "create", []
            project = row.new
        elif row.project is not None:
            project = row.project
            labels = [c["label"] for c in row.project_changes.values()]
            labels += [c["label"] for c in row.entry_changes.values()]
            if row.entry_is_new:
                labels.append(_("%(year)s年度计划") % {"year": row.year})
            if row.steps:
                labels.append(
                    _("项目阶段（%(steps)s）")
                    % {"steps": "→".join(str(Stage(s).label) for s, _d in row.steps)}
                )
            if not labels:
                result.unchanged += 1
                continue
            result.updated += 1
            action, fields = "update", labels
        else:
            continue
        if len(result.changes) < limit:
            code = project.national_code or project.internal_code or ""
            result.changes.append(RowChange(row.number, code, project.name, action, fields))


# ---------------------------------------------------------------- the template


HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"


def build_template(*, year: int, unit: Department | None = None) -> bytes:
    """The 项目清单 workbook: header, dropdowns, checks, frozen panes and a 填写说明 sheet.
    With ``unit`` (a unit reporter's), the 责任单位 dropdown offers that unit only."""
    refs = References.load()
    columns = [c for c in COLUMNS if c.in_template]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    last = get_column_letter(len(columns))
    sheet["A1"] = _("%(year)s年重点项目清单") % {"year": year}
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 30
    header_row = 2
    first_data, last_data = header_row + 1, header_row + TEMPLATE_ROWS
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(
            row=header_row, column=index, value=("＊" if column.required else "") + column.header
        )
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.kind == "date":
            dimension.number_format = DATE_FORMAT
        elif column.kind == "money" or column.kind == "decimal":
            dimension.number_format = MONEY_FORMAT if column.kind == "money" else "General"
        elif column.kind in {"code", "internal", "text"}:
            dimension.number_format = "@"
    sheet.row_dimensions[header_row].height = 36
    sheet.freeze_panes = sheet.cell(row=first_data, column=5)  # header and 序号…项目名称 stay in view
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    options = workbook.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    letters = {c.key: get_column_letter(i) for i, c in enumerate(columns, start=1)}

    def rng(key: str) -> str:
        return f"{letters[key]}{first_data}:{letters[key]}{last_data}"

    def add(validation: DataValidation, key: str, prompt: str = "") -> None:
        validation.error = validation.error or _("输入的内容不符合要求")
        validation.errorTitle = COLUMN_BY_KEY[key].header
        validation.showErrorMessage = True
        if prompt:
            validation.prompt, validation.promptTitle, validation.showInputMessage = (
                prompt,
                COLUMN_BY_KEY[key].header,
                True,
            )
        validation.add(rng(key))
        sheet.add_data_validation(validation)

    option_col = 0
    for key in ["category", "kind", "level", "stage", "lead_unit", "street", "chain", "park", "leader"]:
        values = choice_labels(key) if key in CHOICES else refs.options(key)
        if key == "lead_unit" and unit is not None:
            values = [unit.name]
        if not values:
            continue  # an empty list is not a valid dropdown; the column stays free text
        option_col += 1
        col_letter = get_column_letter(option_col)
        options.cell(row=1, column=option_col, value=COLUMN_BY_KEY[key].header)
        for offset, value in enumerate(values, start=2):
            options.cell(row=offset, column=option_col, value=value)
        source = f"'{OPTIONS_SHEET}'!${col_letter}$2:${col_letter}${len(values) + 1}"
        validation = DataValidation(type="list", formula1=source, allow_blank=True)
        validation.error = _("请从下拉列表中选择")
        add(validation, key)

    positive = {"total_investment": "0", "land_area": "0", "floor_area": "0"}
    for key, floor in positive.items():
        validation = DataValidation(type="decimal", operator="greaterThan", formula1=floor, allow_blank=True)
        validation.error = _("请填写大于0的数字")
        add(validation, key)
    validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    validation.error = _("请填写不小于0的数字（单位：万元）")
    add(validation, "planned_investment")
    for key, low, high in [("latitude", "3", "54"), ("longitude", "73", "136")]:
        validation = DataValidation(
            type="decimal", operator="between", formula1=low, formula2=high, allow_blank=True
        )
        validation.error = _("请填写 %(low)s 到 %(high)s 之间的十进制度数") % {"low": low, "high": high}
        add(validation, key)
    validation = DataValidation(
        type="whole", operator="between", formula1="1", formula2="12", allow_blank=True
    )
    validation.error = _("请填写 1 到 12 的整数")
    add(validation, "planned_start_month")
    for key in ["planned_start", "planned_completion", "actual_start", "actual_completion"]:
        validation = DataValidation(
            type="date",
            operator="between",
            formula1="DATE(1990,1,1)",
            formula2="DATE(2100,12,31)",
            allow_blank=True,
        )
        validation.error = _("请填写日期，如 2024-03-01")
        add(validation, key, _("日期格式：2024-03-01"))
    validation = DataValidation(
        type="textLength", operator="lessThanOrEqual", formula1="200", allow_blank=True
    )
    validation.error = _("项目名称不超过200字")
    add(validation, "name")

    _help_sheet(workbook.create_sheet(HELP_SHEET, 1), columns, year)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _help_sheet(sheet: Any, columns: list[Column], year: int) -> None:
    notes = [
        _("填写说明"),
        _("1. 在“项目清单”工作表中每行填写一个项目，表头（第2行）不要修改、删除或合并；"
          "列的顺序可以调整，不认识的列会被忽略。"),
        _("2. 列名前带＊的为必填列。金额单位为万元，日期格式为 2024-03-01。"),
        _("3. 导入时在页面上选择计划年度（默认 %(year)s 年）；"
          "如需逐行指定，可增加一列“年度”。") % {"year": year},
        _("4. 已有项目按“项目代码”或“内部编号”匹配并更新，不会重复新建；"
          "两者都未填的行按“项目名称＋责任单位”匹配；其余行新建项目，内部编号由系统生成。"),
        _("5. 整个文件一次校验：只要有一处错误，全部不写入，并列出每处错误所在的行、列和原因；"
          "改正后重新导入即可。"),
        _("6. 项目阶段的变化按阶段变更规则办理：转为在建须填实际开工时间，转为竣工须填实际竣工时间，"
          "转为停缓建、已取消或退回前一阶段须在“备注”列写明原因。"),
        _("7. 单位填报员只能导入本单位的项目。"),
    ]  # fmt: skip
    for index, text in enumerate(notes, start=1):
        cell = sheet.cell(row=index, column=1, value=text)
        cell.font = Font(bold=index == 1, size=14 if index == 1 else 11)
    start = len(notes) + 2
    for offset, title in enumerate([_("列名"), _("是否必填"), _("填写要求")], start=1):
        cell = sheet.cell(row=start, column=offset, value=title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
    rows = [c for c in columns] + [COLUMN_BY_KEY["year"]]
    for index, column in enumerate(rows, start=start + 1):
        values = [
            column.header,
            _("必填") if column.required else _("选填"),
            column.help or _describe(column),
        ]
        for offset, value in enumerate(values, start=1):
            cell = sheet.cell(row=index, column=offset, value=value)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column.required and offset == 2:
                cell.font = Font(color="C00000", bold=True)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 90
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _describe(column: Column) -> str:
    if column.kind == "choice":
        return _("可选：%(options)s") % {"options": "、".join(choice_labels(column.key))}
    if column.kind == "text":
        return _("文字")
    return ""
