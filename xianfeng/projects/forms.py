"""Forms of the registry pages. They parse and explain input; the rules live in services."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xianfeng.lib.money import to_decimal
from xianfeng.org.choices import PROGRAMME_READERS, UNIT_ROLES, RegionLevel
from xianfeng.org.models import Department, Leader, Region, User
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import STAGE_ORDER, Category, Kind, Level, Stage
from xianfeng.projects.codes import normalise_national_code
from xianfeng.projects.models import Project
from xianfeng.projects.selectors import ProjectFilters

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


def _month_label(month: int) -> str:
    return gettext("%(month)s月") % {"month": month}


# Built at import: each label is resolved when a form is drawn, in that request's language.
MONTH_CHOICES = [("", "—")] + [(m, lazy(_month_label, str)(m)) for m in range(1, 13)]


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class MoneyField(forms.CharField):
    """An amount in 万元. Accepts "12,000.5"; the message names the field and the reason."""

    def __init__(self, *, minimum: Decimal | None = Decimal(0), strict: bool = False, **kwargs: Any):
        self.minimum = minimum
        self.strict = strict  # strict: must be greater than ``minimum``, not equal
        kwargs.setdefault("widget", forms.TextInput(attrs={**TEXT, "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            amount = to_decimal(text)
        except ValueError as exc:
            raise ValidationError(
                _("%(label)s须填写数字，如 12000 或 12,000.50（%(reason)s）"),
                code="invalid",
                params={"label": self.label, "reason": exc},
            ) from exc
        if self.minimum is not None:
            if self.strict and amount <= self.minimum:
                raise ValidationError(
                    _("%(label)s须大于 %(min)s，填写的是 %(value)s"),
                    code="min_value",
                    params={"label": self.label, "min": self.minimum, "value": amount},
                )
            if amount < self.minimum:
                raise ValidationError(
                    _("%(label)s不能为负数，填写的是 %(value)s"),
                    code="min_value",
                    params={"label": self.label, "value": amount},
                )
        if abs(amount) >= Decimal("1e12"):
            raise ValidationError(
                _("%(label)s数值过大：%(value)s"),
                code="max_value",
                params={"label": self.label, "value": amount},
            )
        return amount

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value:f}"
        return value


class CoordinateField(forms.DecimalField):
    def __init__(self, *, low: int, high: int, **kwargs: Any):
        super().__init__(
            required=False,
            max_digits=9,
            decimal_places=6,
            min_value=Decimal(low),
            max_value=Decimal(high),
            widget=forms.TextInput(attrs={**TEXT, "inputmode": "decimal"}),
            **kwargs,
        )
        label = kwargs.get("label", "")
        self.error_messages.update(
            {
                "invalid": format_lazy(_("{label}须为数字"), label=label),
                "min_value": format_lazy(_("{label}须在 {low}–{high} 之间"), label=label, low=low, high=high),
                "max_value": format_lazy(_("{label}须在 {low}–{high} 之间"), label=label, low=low, high=high),
                "max_decimal_places": format_lazy(_("{label}最多保留 6 位小数"), label=label),
                "max_digits": format_lazy(_("{label}位数过多"), label=label),
                "max_whole_digits": format_lazy(_("{label}整数部分位数过多"), label=label),
            }
        )


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=_date_widget(),
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"],
        error_messages={"invalid": format_lazy(_("{label}须为日期，格式如 2024-06-30"), label=label)},
    )


def _choice(label: str, choices: Any, *, required: bool = True, blank: bool = False) -> forms.ChoiceField:
    """``blank``: a required choice that starts empty, so nobody saves the first option unawares."""
    return forms.ChoiceField(
        label=label,
        choices=([("", "—")] if not required or blank else []) + list(choices),
        required=required,
        widget=forms.Select(attrs=SELECT),
        error_messages={
            "required": format_lazy(_("请选择{label}"), label=label),
            "invalid_choice": format_lazy(_("{label}的取值无效"), label=label),
        },
    )


class _ListChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of a small reference list read with one plain query. Django's iterator reads
    them through QuerySet.iterator(), which on PostgreSQL opens a server-side cursor: three round
    trips (DECLARE, FETCH, CLOSE) for a few dozen rows, on every page with a filter bar."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class _ListModelChoiceField(forms.ModelChoiceField):
    iterator = _ListChoiceIterator


def _model_choice(label: str, queryset: QuerySet[Any], *, required: bool = False) -> forms.ModelChoiceField:
    return _ListModelChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        empty_label="—",
        widget=forms.Select(attrs=SELECT),
        error_messages={
            "required": format_lazy(_("请选择{label}"), label=label),
            "invalid_choice": format_lazy(_("所选{label}不存在或已停用"), label=label),
        },
    )


class XfForm(forms.Form):
    """Marks fields with errors for Bootstrap (``is-invalid``) once validated."""

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "")
                if "is-invalid" not in classes:
                    widget.attrs["class"] = f"{classes} is-invalid".strip()


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form: on the field it names, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields and not form.fields[field].disabled else None
            for item in errors:
                for message in item.messages:
                    if target is None and field not in {"__all__", None}:
                        label = field
                        # The field may belong to another model (e.g. the year entry).
                        with contextlib.suppress(Exception):
                            label = str(Project._meta.get_field(field).verbose_name)
                        message = f"{label}：{message}"
                    form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# ---------------------------------------------------------------- project


class ProjectForm(XfForm):
    """The fields of ``services.EDITABLE_FIELDS``; ``version`` guards against lost updates."""

    national_code = forms.CharField(
        label=_("项目代码"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "YYYY-XXXXXX-XX-XX-XXXXXX"}),
        help_text=_("全国投资项目在线审批监管平台赋码，尚未赋码可留空"),
    )
    name = forms.CharField(
        label=_("项目名称"),
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("请填写项目名称")},
    )
    category = _choice(_("项目类别"), Category.choices, blank=True)
    chain = _model_choice(_("产业链"), IndustryChain.objects.all())
    park = _model_choice(_("所属园区"), Park.objects.all())
    street = _model_choice(_("所在街道"), Region.objects.filter(level=RegionLevel.STREET))
    lead_unit = _model_choice(_("责任单位"), Department.objects.filter(is_active=True), required=True)
    leader = _model_choice(_("包联领导"), Leader.objects.filter(is_active=True))
    owner = forms.CharField(
        label=_("建设单位"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    location_text = forms.CharField(
        label=_("建设地点"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    content = forms.CharField(
        label=_("建设内容及规模"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    total_investment = MoneyField(
        label=_("总投资（万元）"),
        minimum=Decimal(0),
        strict=True,
        error_messages={"required": _("请填写总投资（万元）")},
    )
    land_area = MoneyField(label=_("用地面积（亩）"), required=False, minimum=Decimal(0), strict=True)
    floor_area = MoneyField(label=_("建筑面积（㎡）"), required=False, minimum=Decimal(0), strict=True)
    latitude = CoordinateField(label=_("纬度"), low=3, high=54)
    longitude = CoordinateField(label=_("经度"), low=73, high=136)
    planned_start = _date_field(_("计划开工时间"))
    planned_completion = _date_field(_("计划竣工时间"))
    contact_name = forms.CharField(
        label=_("联系人"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT)
    )
    contact_phone = forms.CharField(
        label=_("联系电话"), required=False, max_length=30, widget=forms.TextInput(attrs=TEXT)
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    # Rows of the page layout (field names), so the template stays short.
    LAYOUT: list[tuple[str, list[str]]] = [
        (_("基本信息"), ["name", "national_code", "category", "owner", "location_text", "content"]),
        (_("归属"), ["lead_unit", "leader", "street", "chain", "park"]),
        (_("规模与投资"), ["total_investment", "land_area", "floor_area", "latitude", "longitude"]),
        (_("计划与联系人"), ["planned_start", "planned_completion", "contact_name", "contact_phone"]),
    ]

    def __init__(self, *args: Any, user: User, project: Project | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.project = project
        # Keep a project's current choices selectable even if they were since deactivated.
        if project is not None:
            self.fields["lead_unit"].queryset = Department.objects.filter(
                Q(is_active=True) | Q(pk=project.lead_unit_id)
            )
            self.fields["leader"].queryset = Leader.objects.filter(
                Q(is_active=True) | Q(pk=project.leader_id)
            )
        if user.role in UNIT_ROLES:
            field = self.fields["lead_unit"]
            field.queryset = Department.objects.filter(pk=user.department_id)
            field.initial = user.department_id
            field.disabled = True
            field.help_text = _("单位用户只能为本单位录入项目")

    def clean_national_code(self) -> str:
        value = self.cleaned_data["national_code"].strip()
        if not value:
            return ""
        try:
            return normalise_national_code(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code="national_code") from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_completion")
        if start and end and end < start:
            self.add_error(
                "planned_completion",
                format_lazy(_("计划竣工时间（{end}）不能早于计划开工时间（{start}）"), end=end, start=start),
            )
        return data

    def project_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name in PROJECT_FORM_FIELDS}

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.LAYOUT
        ]


PROJECT_FORM_FIELDS = [
    name for name in ProjectForm.base_fields if name != "version"
]  # equals services.EDITABLE_FIELDS; a test keeps them in step


class ProjectCreateForm(ProjectForm):
    """A new project, with its stage when entered and its place in a year's programme."""

    stage = _choice(
        _("当前阶段"),
        [(s.value, s.label) for s in [Stage.PLANNING, Stage.RESERVE, Stage.CONSTRUCTION, Stage.COMPLETED]],
    )
    actual_start = _date_field(_("实际开工时间"))
    actual_completion = _date_field(_("实际竣工时间"))
    year = forms.IntegerField(
        label=_("计划年度"),
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs=TEXT),
        error_messages={
            "required": _("请填写计划年度"),
            "invalid": _("计划年度须为四位年份"),
            "min_value": _("计划年度须在 2000–2100 之间"),
            "max_value": _("计划年度须在 2000–2100 之间"),
        },
    )
    kind = _choice(_("建设性质"), Kind.choices, blank=True)
    level = _choice(_("级别"), Level.choices)
    planned_investment = MoneyField(label=_("年度计划投资（万元）"), required=False, minimum=Decimal(0))
    planned_start_month = forms.TypedChoiceField(
        label=_("计划开工月份"),
        choices=MONTH_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    LAYOUT = [
        *ProjectForm.LAYOUT,
        (_("入库状态"), ["stage", "actual_start", "actual_completion"]),
        (_("年度计划"), ["year", "kind", "level", "planned_investment", "planned_start_month"]),
    ]
    INITIAL = ["stage", "actual_start", "actual_completion"]
    ENTRY = ["kind", "level", "planned_investment", "planned_start_month"]

    def __init__(self, *args: Any, default_year: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["year"].initial = default_year
        self.fields["level"].initial = Level.DISTRICT
        self.fields["stage"].initial = Stage.PLANNING

    def initial_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.INITIAL}

    def entry_fields(self) -> dict[str, Any]:
        entry = {name: self.cleaned_data.get(name) for name in self.ENTRY}
        if entry["planned_investment"] is None:
            entry["planned_investment"] = Decimal(0)
        return entry


# ---------------------------------------------------------------- stage, archive


class TransitionForm(XfForm):
    to_stage = _choice(_("变更为"), Stage.choices)
    effective_date = _date_field(_("生效日期"))
    reason = forms.CharField(
        label=_("原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text=_("停缓建、取消、退回前一阶段时必填"),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [(v, lbl) for v, lbl in Stage.choices if v != project.stage]
        # Offer the next step of the lifecycle first.
        order = STAGE_ORDER.get(project.stage)
        forward = [s for s, n in STAGE_ORDER.items() if order is not None and n == order + 1]
        if forward:
            self.fields["to_stage"].initial = forward[0]
        self.fields["effective_date"].help_text = _("转为在建时为实际开工日期，转为竣工时为实际竣工日期")


class ReasonForm(XfForm):
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        error_messages={"required": _("请说明原因")},
    )

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


# ---------------------------------------------------------------- year entry


class EntryForm(XfForm):
    serial = forms.IntegerField(
        label=_("序号"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs=TEXT),
        error_messages={"invalid": _("序号须为正整数"), "min_value": _("序号须为正整数")},
    )
    kind = _choice(_("建设性质"), Kind.choices, blank=True)
    level = _choice(_("级别"), Level.choices)
    planned_investment = MoneyField(label=_("年度计划投资（万元）"), required=False, minimum=Decimal(0))
    planned_start_month = forms.TypedChoiceField(
        label=_("计划开工月份"),
        choices=MONTH_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    invested_ytd = MoneyField(label=_("年度累计完成投资（万元）"), required=False, minimum=Decimal(0))
    invested_as_of = _date_field(_("完成投资截至"))
    note = forms.CharField(
        label=_("备注"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    # 0 when the entry did not exist as the form was loaded: if someone creates it meanwhile,
    # the save is refused instead of overwriting theirs.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def entry_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        for name in ["planned_investment", "invested_ytd"]:
            if data.get(name) is None:
                data[name] = Decimal(0)
        return data


# ---------------------------------------------------------------- milestones


class MilestoneForm(XfForm):
    planned_date = _date_field(_("计划日期"))
    actual_date = _date_field(_("完成日期"))
    note = forms.CharField(
        label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )

    def __init__(self, *args: Any, kind: str, label: str, readonly: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind, self.label, self.readonly = kind, label, readonly
        if readonly:
            for field in self.fields.values():
                field.disabled = True

    def values(self) -> tuple[dt.date | None, dt.date | None, str]:
        data = self.cleaned_data
        return data.get("planned_date"), data.get("actual_date"), data.get("note") or ""


# ---------------------------------------------------------------- filters


class ProjectFilterForm(forms.Form):
    """The list's and the board's filter bar. Options are those the user's visible projects use."""

    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    kind = _choice(_("建设性质"), Kind.choices, required=False)
    level = _choice(_("级别"), Level.choices, required=False)
    category = _choice(_("项目类别"), Category.choices, required=False)
    stage = _choice(_("阶段"), Stage.choices, required=False)
    unit = _model_choice(_("责任单位"), Department.objects.none())
    street = _model_choice(_("街道"), Region.objects.none())
    chain = _model_choice(_("产业链"), IndustryChain.objects.none())
    park = _model_choice(_("园区"), Park.objects.none())
    leader = _model_choice(_("包联领导"), Leader.objects.none())
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(
            attrs={**TEXT, "placeholder": _("名称、代码、建设单位或拼音首字母"), "type": "search"}
        ),
    )
    archived = forms.BooleanField(
        label=_("已归档"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *, user: User, filters: ProjectFilters, years: list[int], all_years: bool = True):
        super().__init__(
            initial={
                "year": filters.year,
                "kind": filters.kind,
                "level": filters.level,
                "category": filters.category,
                "stage": filters.stage,
                "unit": filters.unit,
                "street": filters.street,
                "chain": filters.chain,
                "park": filters.park,
                "leader": filters.leader,
                "q": filters.q,
                "archived": filters.archived,
                "sort": filters.sort if filters.sort != "serial" else "",
            }
        )
        year_choices: list[tuple[Any, str]] = [(y, gettext("%(year)s年") % {"year": y}) for y in years]
        if filters.year and filters.year not in years:
            year_choices.insert(0, (filters.year, gettext("%(year)s年") % {"year": filters.year}))
        if all_years:
            year_choices.append(("", _("全部年度")))
        self.fields["year"].choices = year_choices
        self.fields["year"].widget.attrs.update(SELECT)
        if user.role in PROGRAMME_READERS:
            # Those who see the whole programme choose among all reference rows: small tables,
            # no scan of the registry on every page view.
            self.fields["unit"].queryset = Department.objects.filter(is_active=True)
            self.fields["street"].queryset = Region.objects.filter(level=RegionLevel.STREET)
            self.fields["chain"].queryset = IndustryChain.objects.all()
            self.fields["park"].queryset = Park.objects.all()
            self.fields["leader"].queryset = Leader.objects.filter(is_active=True)
        else:
            visible = Project.objects.restrict(user, "view").order_by()
            self.fields["unit"].queryset = Department.objects.filter(pk__in=visible.values("lead_unit_id"))
            self.fields["street"].queryset = Region.objects.filter(pk__in=visible.values("street_id"))
            self.fields["chain"].queryset = IndustryChain.objects.filter(pk__in=visible.values("chain_id"))
            self.fields["park"].queryset = Park.objects.filter(pk__in=visible.values("park_id"))
            self.fields["leader"].queryset = Leader.objects.filter(pk__in=visible.values("leader_id"))
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            field.widget.attrs.setdefault("id", f"xf-filter-{name}")
