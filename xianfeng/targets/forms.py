"""Forms of the targets app: the target with its definition builder, and the monthly value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xianfeng.org.models import Department, Leader, Region
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.targets import definitions
from xianfeng.targets.choices import Curve, Source
from xianfeng.targets.models import Target

NONE = [("", "—")]


def _date_widget() -> forms.DateInput:
    # A date input only takes ISO dates: without the format, Chinese pages render 2024/01/01 and
    # the browser shows the field empty (an edited target would lose its dates).
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form: forms.Form) -> None:
    """Bootstrap classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput, forms.HiddenInput)):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


def _sum_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for fields in definitions.SUM_FIELDS.values():
        for code, (_path, label) in fields.items():
            seen.setdefault(code, label)
    return NONE + list(seen.items())


def _date_choices() -> list[tuple[str, str]]:
    return NONE + [(code, label) for code, (_p, label) in definitions.DATE_FIELDS["entries"].items()]


class TargetForm(forms.Form):
    code = forms.SlugField(label=_("目标编号"), max_length=60)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("目标名称"), max_length=200)
    owner_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Department.objects.all())
    leader = forms.ModelChoiceField(label=_("分管领导"), queryset=Leader.objects.all(), required=False)
    start_date = forms.DateField(label=_("起算日期"), widget=_date_widget())
    deadline = forms.DateField(label=_("完成时限"), widget=_date_widget())
    unit_of_measure = forms.CharField(label=_("计量单位"), max_length=20)
    baseline_value = forms.DecimalField(label=_("基数"), max_digits=18, decimal_places=4, initial=0)
    target_value = forms.DecimalField(label=_("目标值"), max_digits=18, decimal_places=4, required=False)
    min_value = forms.DecimalField(label=_("允许最小值"), max_digits=18, decimal_places=4, required=False)
    max_value = forms.DecimalField(label=_("允许最大值"), max_digits=18, decimal_places=4, required=False)
    source = forms.ChoiceField(label=_("数据来源"), choices=Source.choices)
    curve = forms.ChoiceField(label=_("进度曲线"), choices=Curve.choices)
    curve_points = forms.CharField(
        label=_("自定义曲线节点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2024-06-30 40\n2024-09-30 75"}),
        help_text=_("每行一个节点：日期 应达进度（%），仅自定义曲线使用"),
    )
    at_risk_margin = forms.DecimalField(
        label=_("风险阈值（百分点）"), max_digits=5, decimal_places=1, initial=Decimal(10)
    )
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)
    # The definition builder (计算口径): selects that produce the JSON.
    d_entity = forms.ChoiceField(
        label=_("统计对象"), choices=NONE + list(definitions.ENTITIES.items()), required=False
    )
    d_measure = forms.ChoiceField(
        label=_("统计方式"), choices=list(definitions.MEASURES.items()), required=False
    )
    d_field = forms.ChoiceField(label=_("合计字段"), choices=_sum_choices(), required=False)
    d_year = forms.IntegerField(label=_("年度计划年度"), min_value=2000, max_value=2100, required=False)
    d_kind = forms.MultipleChoiceField(
        label=_("建设性质"), choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    d_level = forms.MultipleChoiceField(
        label=_("级别"), choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    d_category = forms.MultipleChoiceField(
        label=_("项目类别"), choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    d_stage = forms.MultipleChoiceField(label=_("项目阶段"), choices=Stage.choices, required=False)
    d_chain = forms.MultipleChoiceField(label=_("产业链"), choices=[], required=False)
    d_park = forms.MultipleChoiceField(label=_("园区"), choices=[], required=False)
    d_street = forms.MultipleChoiceField(label=_("街道"), choices=[], required=False)
    d_unit = forms.MultipleChoiceField(label=_("责任单位"), choices=[], required=False)
    d_planned_start_month_lte = forms.IntegerField(
        label=_("计划开工月份不晚于"), min_value=1, max_value=12, required=False
    )
    d_date_field = forms.ChoiceField(label=_("日期条件"), choices=_date_choices(), required=False)
    d_on_or_before = forms.DateField(label=_("在此日期及以前"), required=False, widget=_date_widget())
    d_denominator = forms.BooleanField(label=_("占全部（同样条件、不含日期条件）"), required=False)
    d_target_all = forms.BooleanField(label=_("目标值为全部"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["d_chain"].choices = list(IndustryChain.objects.values_list("code", "name"))
        self.fields["d_park"].choices = list(Park.objects.values_list("code", "name"))
        self.fields["d_street"].choices = list(
            Region.objects.filter(level="street").values_list("code", "name")
        )
        self.fields["d_unit"].choices = list(Department.objects.values_list("code", "name"))
        self.definition: dict[str, Any] = {}
        _style(self)

    @staticmethod
    def initial_for(target: Target) -> dict[str, Any]:
        d = target.definition or {}
        filters = d.get("filters") or {}
        date = d.get("date") or {}
        initial: dict[str, Any] = {
            name: getattr(target, name)
            for name in (
                "code",
                "year",
                "name",
                "start_date",
                "deadline",
                "unit_of_measure",
                "baseline_value",
                "target_value",
                "min_value",
                "max_value",
                "source",
                "curve",
                "at_risk_margin",
                "description",
                "order",
                "version",
            )
        }
        initial["owner_unit"] = target.owner_unit_id
        initial["leader"] = target.leader_id
        initial["curve_points"] = "\n".join(f"{p['date']} {p['percent']}" for p in target.curve_points or [])
        initial.update(
            d_entity=d.get("entity", ""),
            d_measure=d.get("measure", "count"),
            d_field=d.get("field", ""),
            d_year=filters.get("year"),
            d_planned_start_month_lte=filters.get("planned_start_month_lte"),
            d_date_field=date.get("field", ""),
            d_on_or_before=date.get("on_or_before"),
            d_denominator=bool(d.get("denominator")),
            d_target_all=d.get("target") == "all",
        )
        for name in ("kind", "level", "category", "stage", "chain", "park", "street", "unit"):
            initial[f"d_{name}"] = filters.get(name, [])
        return initial

    def _definition(self, data: dict[str, Any]) -> dict[str, Any]:
        d: dict[str, Any] = {"entity": data.get("d_entity"), "measure": data.get("d_measure") or "count"}
        if d["measure"] == "sum":
            d["field"] = data.get("d_field")
        filters: dict[str, Any] = {}
        if data.get("d_year"):
            filters["year"] = data["d_year"]
        for name in ("kind", "level", "category", "stage", "chain", "park", "street", "unit"):
            if data.get(f"d_{name}"):
                filters[name] = list(data[f"d_{name}"])
        if data.get("d_planned_start_month_lte"):
            filters["planned_start_month_lte"] = data["d_planned_start_month_lte"]
        if filters:
            d["filters"] = filters
        if data.get("d_date_field"):
            before = data.get("d_on_or_before")
            d["date"] = {
                "field": data["d_date_field"],
                "on_or_before": before.isoformat() if isinstance(before, dt.date) else before,
            }
        if data.get("d_denominator"):
            d["denominator"] = True
        if data.get("d_target_all"):
            d["target"] = "all"
        return d

    def clean_curve_points(self) -> list[dict[str, Any]]:
        points = []
        for i, line in enumerate((self.cleaned_data.get("curve_points") or "").splitlines(), start=1):
            parts = line.replace("，", " ").replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise ValidationError(_("第 %(i)s 行应写作“日期 应达进度”，如 2024-06-30 40") % {"i": i})
            try:
                dt.date.fromisoformat(parts[0])
            except ValueError:
                raise ValidationError(
                    _("第 %(i)s 行的日期“%(d)s”不是有效日期") % {"i": i, "d": parts[0]}
                ) from None
            try:
                percent = Decimal(parts[1].rstrip("%"))
            except ArithmeticError:
                raise ValidationError(
                    _("第 %(i)s 行的进度“%(p)s”不是数字") % {"i": i, "p": parts[1]}
                ) from None
            points.append({"date": parts[0], "percent": float(percent)})
        return points

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The simple checks the service makes too, here so that every mistake of the form shows at
        # once, next to its field (the service stops at the first group of them).
        start, deadline = data.get("start_date"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error(
                "deadline",
                _("完成时限 %(deadline)s 早于起算日期 %(start)s") % {"deadline": deadline, "start": start},
            )
        if data.get("target_value") == 0:
            self.add_error("target_value", _("目标值不能为 0"))
        if data.get("source") == Source.COMPUTED:
            if data.get("d_date_field") and not data.get("d_on_or_before"):
                if "d_on_or_before" not in self.errors:
                    self.add_error("d_on_or_before", _("选了日期条件，请填写此日期"))
            else:
                try:
                    self.definition = definitions.validate(self._definition(data))
                except ValidationError as error:
                    for message in error.message_dict.get("definition", error.messages):
                        self.add_error(None, message)
        else:
            self.definition = {}
        missing = data.get("target_value") is None and "target_value" not in self.errors
        if missing and self.definition.get("target") != "all":
            self.add_error("target_value", _("请填写目标值"))
        return data

    def add_service_error(self, error: ValidationError) -> None:
        """The service's messages next to the fields they name (others above the form)."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in (
                "code",
                "year",
                "name",
                "owner_unit",
                "leader",
                "start_date",
                "deadline",
                "unit_of_measure",
                "baseline_value",
                "min_value",
                "max_value",
                "source",
                "curve",
                "curve_points",
                "at_risk_margin",
                "description",
                "order",
            )
        }
        fields["target_value"] = (
            data.get("target_value") if data.get("target_value") is not None else Decimal(1)
        )
        fields["baseline_value"] = fields["baseline_value"] or Decimal(0)
        fields["definition"] = self.definition
        return fields

    # The builder's fields, grouped for the template.
    def builder_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("d_")]

    def target_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith("d_") and name != "version"]


class ValueForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12)
    value = forms.DecimalField(label=_("累计完成值（截至月底）"), max_digits=18, decimal_places=4)
    evidence = forms.CharField(label=_("佐证说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence_file = forms.FileField(
        label=_("佐证材料"), required=False, help_text=_("PDF、JPEG、PNG、XLSX、DOCX，按内容判断类型")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
