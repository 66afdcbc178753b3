"""Leads in and out of Excel.

Export: every lead of the filtered list the user may see, with its stage, dates and outcome.
Import: the template's rows become leads through ``services.lead_create`` — the same rules,
duplicate check and unit check as the form. The whole file lands or nothing does: every row is
tried inside one transaction, every error is collected with its row and column, and any error
(or "only check") rolls the lot back.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from xianfeng.attraction import selectors, services
from xianfeng.attraction.choices import AmountUnit, InvestorKind, Origin, Source
from xianfeng.attraction.models import Event, Investor, Lead, is_bureau
from xianfeng.lib import clock
from xianfeng.lib.money import to_decimal
from xianfeng.org.models import Department, User
from xianfeng.parks.models import IndustryChain

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "招商线索"
MAX_ROWS = 5000
MAX_UNPACK_RATIO = 40
YES = {"是", "y", "yes", "true", "1", "√", "确认"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 14


COLUMNS = [
    Column("name", "项目名称", True, 30),
    Column("investor", "投资方名称", True, 30),
    Column("inv_kind", "投资方类型"),
    Column("inv_origin", "资本来源", True),
    Column("inv_country", "国家或地区"),
    Column("inv_credit_code", "投资方统一社会信用代码", width=22),
    Column("source", "来源类型", True, 18),
    Column("event", "招商活动", width=24),
    Column("introducer", "引荐企业", width=24),
    Column("source_detail", "来源说明", width=24),
    Column("chain", "产业链"),
    Column("investment_amount", "意向投资额", True),
    Column("investment_unit", "金额单位", True),
    Column("land_mu", "需求用地（亩）"),
    Column("floor_area", "需求建筑面积（㎡）"),
    Column("expected_tax_wan", "预计年税收（万元）"),
    Column("owner_unit", "责任单位", width=18),
    Column("officer", "招商专员"),
    Column("entered_on", "录入日期"),
    Column("description", "项目简介", width=40),
    Column("confirm_duplicate", "确认不是重复"),
    Column("confirm_amount", "确认金额单位无误"),
]
BY_HEADER = {c.header: c for c in COLUMNS}
BY_KEY = {c.key: c for c in COLUMNS}
# Where a service's error about a field is shown.
FIELD_COLUMN = {
    "name": "name",
    "investor": "investor",
    "kind": "inv_kind",
    "origin": "inv_origin",
    "country": "inv_country",
    "credit_code": "inv_credit_code",
    "source": "source",
    "event": "event",
    "introducer": "introducer",
    "source_detail": "source_detail",
    "chain": "chain",
    "investment_amount": "investment_amount",
    "investment_unit": "investment_unit",
    "land_mu": "land_mu",
    "floor_area": "floor_area",
    "expected_tax_wan": "expected_tax_wan",
    "owner_unit": "owner_unit",
    "officer": "officer",
    "entered_on": "entered_on",
    "description": "description",
}


@dataclass
class Issue:
    row: int | None  # the Excel row number; None for the file as a whole
    column: str  # the header, "" when it is about the row or the file
    message: str


@dataclass
class ImportResult:
    issues: list[Issue] = field(default_factory=list)
    created: int = 0
    rows: int = 0
    dry_run: bool = False
    request_id: str = ""

    @property
    def ok(self) -> bool:
        return not self.issues


# ---------------------------------------------------------------- export


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def export_columns() -> list[tuple[str, int, Any]]:
    return [
        ("项目名称", 30, lambda x: x.name),
        ("投资方名称", 30, lambda x: x.investor.name),
        ("资本来源", 10, lambda x: x.investor.get_origin_display()),
        ("国家或地区", 12, lambda x: x.investor.country),
        ("来源类型", 16, lambda x: x.get_source_display()),
        ("招商活动", 24, lambda x: x.event.name if x.event else ""),
        ("来源说明", 24, lambda x: x.source_detail),
        ("产业链", 14, lambda x: x.chain.name if x.chain else ""),
        ("意向投资额", 12, lambda x: x.investment_amount),
        ("金额单位", 10, lambda x: x.get_investment_unit_display()),
        ("意向投资（万元）", 14, lambda x: x.investment_wan),
        ("需求用地（亩）", 12, lambda x: x.land_mu),
        ("需求建筑面积（㎡）", 14, lambda x: x.floor_area),
        ("预计年税收（万元）", 14, lambda x: x.expected_tax_wan),
        (
            "准入初筛",
            12,
            lambda x: {"pass": "通过", "fail": "未通过", "incomplete": "待补充", "na": "不适用"}[
                selectors.lead_screening(x).result
            ],
        ),
        ("责任单位", 18, lambda x: x.owner_unit.name),
        ("招商专员", 12, lambda x: x.officer.get_full_name() if x.officer else ""),
        ("阶段", 8, lambda x: x.get_stage_display()),
        ("录入日期", 12, lambda x: x.entered_on),
        ("签约日期", 12, lambda x: x.signed_on),
        ("签约金额（万元）", 14, lambda x: x.signed_wan),
        ("注册日期", 12, lambda x: x.registered_on),
        ("新注册企业", 26, lambda x: x.company_name),
        ("统一社会信用代码", 22, lambda x: x.credit_code),
        ("落地日期", 12, lambda x: x.landed_on),
        ("落地项目编号", 16, lambda x: x.project.code if x.project else ""),
        ("实际开工", 12, lambda x: x.project.actual_start if x.project else None),
        ("流失原因", 24, lambda x: x.lost_reason),
    ]


def leads_xlsx(*, leads: Iterable[Lead]) -> bytes:
    cols = export_columns()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for index, (_h, width, _f) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "B2"
    ws.append([header for header, _w, _f in cols])
    for lead in leads:
        ws.append([_cell(fn(lead)) for _h, _w, fn in cols])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def content_disposition(filename: str, fallback: str = "leads.xlsx") -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


# ---------------------------------------------------------------- the template


def template_xlsx(*, user: User) -> bytes:
    """The import template: the columns, dropdowns for the fixed lists, and a help sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FFF3CD")
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = bold
        if column.required:
            cell.fill = required
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "B2"
    options = wb.create_sheet("选项")
    lists = {
        "inv_kind": list(_chinese_labels(InvestorKind)),
        "inv_origin": list(_chinese_labels(Origin)),
        "source": list(_chinese_labels(Source)),
        "investment_unit": list(_chinese_labels(AmountUnit)),
        "chain": list(IndustryChain.objects.order_by("order").values_list("name", flat=True)),
        "confirm_duplicate": ["是", "否"],
        "confirm_amount": ["是", "否"],
    }
    for col_index, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(col_index)
        options.cell(row=1, column=col_index, value=BY_KEY[key].header)
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=col_index, value=value)
        if values:
            target = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
            dv = DataValidation(
                type="list",
                formula1=f"='选项'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="取值无效",
                error=f"请从下拉列表中选择{BY_KEY[key].header}",
            )
            dv.add(f"{target}2:{target}2000")
            ws.add_data_validation(dv)
    options.sheet_state = "hidden"
    help_sheet = wb.create_sheet("填写说明")
    unit = "可填写任一单位（名称或简称）" if is_bureau(user) else f"留空即为本单位（{user.department}）"
    lines = [
        "每行一条招商线索；标黄的列必填。整个文件全部通过检查才会导入，任何一行有错都不会写入。",
        "投资方：与您可见的投资方名称完全相同时使用已有投资方，否则新建；疑似重复时须在“确认不是重复”列填“是”。",
        "资本来源为外资或港澳台资时须填写国家或地区。投资方统一社会信用代码按 GB 32100-2015 校验。",
        "来源类型为“展会/峰会/推介活动”时须填写已登记的招商活动名称；“以商招商”须填写区内已落户的引荐企业名称。",
        "意向投资额与金额单位一起填写（如 5 亿元、3000 万美元）；"
        "单位看起来不对时会提示，确认无误请在“确认金额单位无误”列填“是”。",
        f"责任单位：{unit}。招商专员填写姓名或用户名。录入日期留空为今天，格式 2024-06-30。",
    ]
    for row, line in enumerate(lines, start=1):
        help_sheet.cell(row=row, column=1, value=line)
    help_sheet.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- import


class FileRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _read_rows(source: IO[bytes], *, max_bytes: int) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    source.seek(0)
    head = source.read(4)
    source.seek(0)
    if head != b"PK\x03\x04":
        raise FileRefused(gettext("文件不是 .xlsx 格式的 Excel 工作簿（旧版 .xls 请另存为 .xlsx）"))
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileRefused(gettext("文件已损坏，无法读取")) from exc
    if unpacked > max_bytes * MAX_UNPACK_RATIO:
        raise FileRefused(gettext("文件解压后过大，拒绝读取"))
    source.seek(0)
    try:
        workbook = CalamineWorkbook.from_filelike(source)
        name = SHEET if SHEET in workbook.sheet_names else workbook.sheet_names[0]
        cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        workbook.close()
    except Exception as exc:  # calamine's own error types for broken parts
        raise FileRefused(gettext("无法读取工作簿：%(error)s") % {"error": exc}) from exc
    for index, row in enumerate(cells[:10]):
        headers = [str(v).strip() if v is not None else "" for v in row]
        if "项目名称" in headers:
            body = [(index + 2 + n, r) for n, r in enumerate(cells[index + 1 :])]
            return headers, body
    raise FileRefused(gettext("在前 10 行中没有找到表头（应有“项目名称”“投资方名称”等列名）；请使用导入模板"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(gettext("“%(value)s”不是日期，格式应如 2024-06-30") % {"value": value}) from exc


def _chinese_labels(choices: Any) -> dict[str, str]:
    """label → value as the template writes them: the workbook (headers, dropdowns) is Chinese
    whatever the language of the page it was downloaded from or uploaded to."""
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices.choices}


class _Lookups:
    """Reference data read once per import, keyed by what people type."""

    def __init__(self, user: User):
        self.user = user
        self.units: dict[str, Department] = {}
        for unit in Department.objects.filter(is_active=True):
            for key in [unit.name, unit.short_name, unit.code]:
                if key:
                    self.units[key] = unit
        self.chains = {c.name: c for c in IndustryChain.objects.all()}
        self.events = {e.name: e for e in Event.objects.restrict(user, "view")}
        self.labels = {
            "inv_kind": _chinese_labels(InvestorKind),
            "inv_origin": _chinese_labels(Origin),
            "source": _chinese_labels(Source),
            "investment_unit": _chinese_labels(AmountUnit),
        }
        self.officers: dict[str, User] = {}
        for officer in User.objects.filter(is_active=True).select_related("department"):
            self.officers.setdefault(officer.username, officer)
            if officer.full_name:
                self.officers.setdefault(officer.full_name, officer)

    def investor(self, name: str) -> Investor | None:
        return Investor.objects.restrict(self.user, "view").filter(name=name).order_by("pk").first()


def leads_import(
    *, actor: User, source: IO[bytes], dry_run: bool = False, max_bytes: int = 20 * 1024 * 1024
) -> ImportResult:
    """Check every row, then write them all in one transaction — or none."""
    if actor.role != "unit_reporter":
        raise PermissionDenied(gettext("只有单位填报员可以导入招商线索"))
    result = ImportResult(dry_run=dry_run, request_id=uuid.uuid4().hex[:16])
    try:
        headers, body = _read_rows(source, max_bytes=max_bytes)
    except FileRefused as exc:
        result.issues.append(Issue(None, "", exc.message))
        return result
    positions = {BY_HEADER[h].key: i for i, h in enumerate(headers) if h in BY_HEADER}
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        message = gettext("缺少必填列：%(columns)s（请使用导入模板）") % {
            "columns": gettext("、").join(missing)
        }
        result.issues.append(Issue(None, "", message))
        return result
    rows = [(n, r) for n, r in body if any(_text(v) for v in r)]
    if len(rows) > MAX_ROWS:
        message = gettext("一次最多导入 %(max)s 行，文件有 %(rows)s 行") % {
            "max": MAX_ROWS,
            "rows": len(rows),
        }
        result.issues.append(Issue(None, "", message))
        return result
    if not rows:
        result.issues.append(Issue(None, "", gettext("文件中没有数据行")))
        return result
    result.rows = len(rows)
    lookups = _Lookups(actor)
    with transaction.atomic():
        for number, raw in rows:
            values = {key: (raw[i] if i < len(raw) else None) for key, i in positions.items()}
            issues = _import_row(actor, lookups, number, values, result.request_id)
            result.issues.extend(issues)
            if not issues:
                result.created += 1
        if result.issues or dry_run:
            transaction.set_rollback(True)
    if result.issues:
        result.created = 0
    return result


def _import_row(
    actor: User, lookups: _Lookups, number: int, values: dict[str, Any], request_id: str
) -> list[Issue]:
    issues: list[Issue] = []

    def issue(key: str, message: str) -> None:
        issues.append(Issue(number, BY_KEY[key].header if key in BY_KEY else "", message))

    def text(key: str) -> str:
        return _text(values.get(key))

    def pick(key: str) -> str:
        raw = text(key)
        if not raw:
            return ""
        value = lookups.labels[key].get(raw)
        if value is None:
            issue(
                key,
                gettext("“%(value)s”不是可选的取值（可选：%(choices)s）")
                % {"value": raw, "choices": gettext("、").join(lookups.labels[key])},
            )
            return ""
        return value

    def amount(key: str, required: bool = False) -> Decimal | None:
        raw = values.get(key)
        if raw in (None, ""):
            if required:
                issue(key, gettext("必须填写"))
            return None
        try:
            value = to_decimal(raw)
        except ValueError as exc:
            issue(key, str(exc))
            return None
        if value <= 0 and key != "expected_tax_wan":
            issue(key, gettext("须大于 0，填写的是 %(value)s") % {"value": value})
        return value

    fields: dict[str, Any] = {"name": text("name"), "source_detail": text("source_detail")}
    fields["description"] = text("description")
    if not fields["name"]:
        issue("name", gettext("必须填写"))
    fields["source"] = pick("source")
    if not fields["source"] and not text("source"):
        issue("source", gettext("必须填写"))
    unit_value = pick("investment_unit")
    if not unit_value and not text("investment_unit"):
        issue("investment_unit", gettext("必须填写"))
    fields["investment_unit"] = unit_value or AmountUnit.CNY_WAN
    fields["investment_amount"] = amount("investment_amount", required=True)
    fields["land_mu"] = amount("land_mu")
    fields["floor_area"] = amount("floor_area")
    fields["expected_tax_wan"] = amount("expected_tax_wan")
    for key, table in [("event", lookups.events), ("chain", lookups.chains)]:
        raw = text(key)
        fields[key] = table.get(raw) if raw else None
        if raw and fields[key] is None:
            values = {"value": raw, "column": BY_KEY[key].header}
            issue(
                key,
                gettext("没有名为“%(value)s”的%(column)s（请先登记活动）") % values
                if key == "event"
                else gettext("没有名为“%(value)s”的%(column)s") % values,
            )
    raw = text("introducer")
    fields["introducer"] = lookups.investor(raw) if raw else None
    if raw and fields["introducer"] is None:
        issue("introducer", gettext("没有您可见的名为“%(value)s”的投资方") % {"value": raw})
    raw = text("owner_unit")
    fields["owner_unit"] = lookups.units.get(raw) if raw else actor.department
    if raw and fields["owner_unit"] is None:
        issue("owner_unit", gettext("没有名为“%(value)s”的单位") % {"value": raw})
    raw = text("officer")
    fields["officer"] = lookups.officers.get(raw) if raw else None
    if raw and fields["officer"] is None:
        issue("officer", gettext("没有名为“%(value)s”的用户") % {"value": raw})
    try:
        fields["entered_on"] = _date(values.get("entered_on")) or clock.today()
    except ValueError as exc:
        issue("entered_on", str(exc))
    investor_name = text("investor")
    new_investor = None
    if not investor_name:
        issue("investor", gettext("必须填写"))
    else:
        existing = lookups.investor(investor_name)
        if existing is not None:
            fields["investor"] = existing
        else:
            origin = pick("inv_origin")
            if not origin and not text("inv_origin"):
                issue("inv_origin", gettext("必须填写"))
            new_investor = {
                "name": investor_name,
                "kind": pick("inv_kind") or InvestorKind.COMPANY,
                "origin": origin or Origin.DOMESTIC,
                "country": text("inv_country"),
                "credit_code": text("inv_credit_code"),
            }
    if issues:
        return issues
    try:
        with transaction.atomic():
            services.lead_create(
                actor=actor,
                fields=fields,
                new_investor=new_investor,
                confirm_duplicate=text("confirm_duplicate").lower() in YES,
                confirm_amount=text("confirm_amount").lower() in YES,
                request_id=request_id,
            )
    except services.DuplicateError as exc:
        for line in exc.duplicates.messages():
            issue(
                "investor",
                gettext("%(duplicate)s；如确认不是重复，请在“确认不是重复”列填“是”") % {"duplicate": line},
            )
    except services.AmountDoubtError as exc:
        column = exc.field if exc.field in BY_KEY else "investment_amount"
        issue(
            column,
            gettext("%(doubt)s。如确实如此，请在“确认金额单位无误”列填“是”") % {"doubt": exc.doubt.message},
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    key = FIELD_COLUMN.get(name, "")
                    issue(key, message)
        else:
            for message in exc.messages:
                issue("", message)
    except PermissionDenied as exc:
        issue("owner_unit", str(exc))
    return issues
