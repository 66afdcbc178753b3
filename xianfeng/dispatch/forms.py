"""Forms of the monthly dispatch, and the parsers that turn typed text (a form, a grid cell, a
workbook cell) into report values with a Chinese reason when they cannot."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xianfeng.coordination.choices import ProblemType
from xianfeng.dispatch.choices import StageReached
from xianfeng.dispatch.models import MonthlyReport

TWO_PLACES = Decimal("0.01")
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


# ---------------------------------------------------------------- parsers


def parse_amount(value: Any) -> Decimal | None:
    """万元 amount: a number, or text like "1,234.5"; empty → None. Raises ValueError (Chinese)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(gettext("“%(value)s”不是数字") % {"value": value})
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
        text = text.removesuffix("万元").removesuffix("万")
        if text in {"", "-", "—"}:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(
                gettext("“%(value)s”不是数字（请填写以万元为单位的数字）") % {"value": value}
            ) from exc
    if not number.is_finite():
        raise ValueError(gettext("“%(value)s”不是有限数字") % {"value": value})
    return number.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def parse_whole(value: Any, *, label: str) -> int | None:
    """A whole number (percent, workers); empty → None. "85%" is read as 85."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(gettext("%(label)s应为整数") % {"label": label})
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if Decimal(str(value)) != Decimal(str(value)).to_integral_value():
            raise ValueError(
                gettext("%(label)s应为整数，填写的是 %(value)s") % {"label": label, "value": value}
            )
        return int(value)
    text = str(value).strip().replace(",", "").removesuffix("%").removesuffix("％").removesuffix("人").strip()
    if text in {"", "-", "—"}:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(gettext("%(label)s“%(value)s”不是数字") % {"label": label, "value": value}) from exc
    if number != number.to_integral_value():
        raise ValueError(gettext("%(label)s应为整数，填写的是 %(value)s") % {"label": label, "value": value})
    return int(number)


def parse_day(value: Any) -> dt.date | None:
    """A date: a date/datetime cell, "2024-03-05", "2024/3/5" or "2024年3月5日"; empty → None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = DATE_RE.match(text.split(" ")[0] if "年" not in text else text)
    if not match:
        raise ValueError(gettext("“%(value)s”不是日期，请写作 2024-03-05") % {"value": value})
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise ValueError(gettext("“%(value)s”不是有效日期") % {"value": value}) from exc


YES_WORDS = {"是", "已开工", "开工", "y", "yes", "true", "1", "√", "✓"}
NO_WORDS = {"否", "未开工", "n", "no", "false", "0", "", "-", "—"}


def parse_started(value: Any) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise ValueError(gettext("“%(value)s”应填“是”或“否”") % {"value": value})


# ---------------------------------------------------------------- forms


class ReportForm(forms.Form):
    """The phone-friendly one-project form. Field names are the report's fields."""

    invested_month = forms.CharField(
        label=_("本月完成投资（万元）"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    progress_text = forms.CharField(
        label=_("形象进度"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    progress_percent = forms.CharField(
        label=_("形象进度（%）"), required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    workers_on_site = forms.CharField(
        label=_("现场施工人数"), required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    stage_reached = forms.ChoiceField(
        label=_("本月达到阶段"), required=False, choices=[("", _("无变化")), *StageReached.choices]
    )
    stage_date = forms.CharField(
        label=_("开工/竣工/投产日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    problems_text = forms.CharField(
        label=_("存在问题及需协调事项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("没有请留空；填写后提交时将转为协调问题")}),
    )
    problem_type = forms.ChoiceField(
        label=_("问题类型"), required=False, choices=[("", _("其他")), *ProblemType.choices]
    )
    explanation = forms.CharField(
        label=_("超投资说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    percent_drop_reason = forms.CharField(
        label=_("形象进度下降原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contact = forms.CharField(label=_("联系人及电话"), required=False, max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_from(cls, report: MonthlyReport) -> dict[str, Any]:
        return {
            "invested_month": "" if report.invested_month is None else f"{report.invested_month:f}",
            "progress_text": report.progress_text,
            "progress_percent": "" if report.progress_percent is None else report.progress_percent,
            "workers_on_site": "" if report.workers_on_site is None else report.workers_on_site,
            "stage_reached": report.stage_reached,
            "stage_date": report.stage_date.isoformat() if report.stage_date else "",
            "problems_text": report.problems_text,
            "problem_type": report.problem_type,
            "explanation": report.explanation,
            "percent_drop_reason": report.percent_drop_reason,
            "contact": report.contact,
            "version": report.version if report.pk else 0,
        }

    def report_values(self) -> dict[str, Any]:
        """The typed values as report values; parse errors are added to the form."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        parsers = {
            "invested_month": parse_amount,
            "progress_percent": lambda v: parse_whole(v, label=gettext("形象进度百分比")),
            "workers_on_site": lambda v: parse_whole(v, label=gettext("现场施工人数")),
            "stage_date": parse_day,
        }
        for name, parser in parsers.items():
            try:
                values[name] = parser(data.get(name))
            except ValueError as exc:
                self.add_error(name, str(exc))
        for name in ["progress_text", "stage_reached", "problems_text", "problem_type", "explanation"]:
            values[name] = data.get(name) or ""
        values["percent_drop_reason"] = data.get("percent_drop_reason") or ""
        values["contact"] = data.get("contact") or ""
        return values


class PeriodOpenForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12)
    note = forms.CharField(label=_("填报说明"), required=False, max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class PhotoForm(forms.Form):
    photos = MultipleFileField(
        label=_("现场照片"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )
    caption = forms.CharField(label=_("说明"), required=False, max_length=200)


class WorkbookUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("调度表（.xlsx，可多选）"),
        widget=MultipleFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    submit = forms.BooleanField(label=_("导入后直接提交"), required=False)

    def clean_files(self) -> Any:
        files = self.cleaned_data.get("files") or []
        if not files:
            raise ValidationError(_("请选择要上传的调度表"))
        if len(files) > 50:
            raise ValidationError(_("一次最多上传 50 个文件"))
        return files
