"""Forms of the attraction pages. They parse and explain input; the rules live in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xianfeng.attraction import selectors
from xianfeng.attraction.choices import (
    FOREIGN_ORIGINS,
    STAGE_RANK,
    AmountUnit,
    EventKind,
    FollowUpKind,
    InvestorKind,
    Origin,
    Source,
    Stage,
)
from xianfeng.attraction.models import Event, Investor, Lead, is_bureau
from xianfeng.org.choices import UNIT_ROLES
from xianfeng.org.models import Department, User
from xianfeng.parks.models import IndustryChain
from xianfeng.projects.forms import SELECT, TEXT, MoneyField, XfForm

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
CHOICES_SHOWN = 300  # options listed in an investor dropdown
CHECK = {"class": "form-check-input"}


def date_field(label: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        input_formats=DATE_FORMATS,
        error_messages={
            "invalid": format_lazy(_("{label}须为日期，格式如 2024-06-30"), label=label),
            "required": format_lazy(_("请填写{label}"), label=label),
        },
    )


def choice(label: str, choices: Any, *, required: bool = True, blank: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=([("", "—")] if blank else []) + list(choices),
        required=required,
        widget=forms.Select(attrs=SELECT),
        error_messages={
            "required": format_lazy(_("请选择{label}"), label=label),
            "invalid_choice": format_lazy(_("{label}的取值无效"), label=label),
        },
    )


def model_choice(label: str, queryset: QuerySet[Any], *, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        empty_label="—",
        widget=forms.Select(attrs=SELECT),
        error_messages={
            "required": format_lazy(_("请选择{label}"), label=label),
            "invalid_choice": format_lazy(_("所选{label}不存在或您无权使用"), label=label),
        },
    )


def text(label: str, *, required: bool = False, max_length: int = 200, area: bool = False) -> forms.CharField:
    widget = forms.Textarea(attrs={**TEXT, "rows": 3}) if area else forms.TextInput(attrs=TEXT)
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=widget,
        error_messages={
            "required": format_lazy(_("请填写{label}"), label=label),
            "max_length": format_lazy(_("{label}不能超过 {n} 个字"), label=label, n=max_length),
        },
    )


def number(label: str, *, required: bool = False, strict: bool = True) -> MoneyField:
    from decimal import Decimal

    return MoneyField(label=label, required=required, minimum=Decimal(0), strict=strict)


def flag(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, widget=forms.CheckboxInput(attrs=CHECK))


def unit_choices() -> list[tuple[str, Any]]:
    return list(AmountUnit.choices)


def _unit_queryset(user: User) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True)
    return qs if is_bureau(user) else qs.filter(pk=user.department_id)


def _officers(user: User) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True, role__in=UNIT_ROLES).select_related("department")
    return qs if is_bureau(user) else qs.filter(department_id=user.department_id)


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name()}（{obj.department}）" if obj.department else obj.get_full_name()


# ---------------------------------------------------------------- leads


class LeadForm(XfForm):
    """A lead; on creation, with its investor chosen from the list or entered new."""

    name = text(_("项目名称"), required=True)
    source = choice(_("来源类型"), Source.choices)
    source_detail = text(_("来源说明"))
    event = model_choice(_("招商活动"), Event.objects.none())
    introducer = model_choice(_("引荐企业（以商招商）"), Investor.objects.none())
    chain = model_choice(_("产业链"), IndustryChain.objects.all())
    investment_amount = number(_("意向投资额"), required=True)
    investment_unit = choice(_("金额单位"), AmountUnit.choices, blank=False)
    land_mu = number(_("需求用地（亩）"))
    floor_area = number(_("需求建筑面积（㎡）"))
    expected_tax_wan = number(_("预计年税收（万元）"), strict=False)
    description = text(_("项目简介"), area=True, max_length=4000)
    owner_unit = model_choice(_("责任单位"), Department.objects.none(), required=True)
    officer = UserChoice(
        label=_("招商专员"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        widget=forms.Select(attrs=SELECT),
    )
    entered_on = date_field(_("录入日期"), required=True)
    # On creation: an investor from the list, or a new one.
    investor = model_choice(_("已有投资方"), Investor.objects.none())
    inv_name = text(_("投资方名称"))
    inv_kind = choice(_("投资方类型"), InvestorKind.choices, required=False, blank=False)
    inv_origin = choice(_("资本来源"), Origin.choices, required=False, blank=False)
    inv_country = text(_("国家或地区"), max_length=50)
    inv_credit_code = text(_("统一社会信用代码"), max_length=30)
    inv_in_district = flag(_("区内已落户企业"))
    confirm_duplicate = flag(_("确认不是重复（另行登记）"))
    confirm_amount = flag(_("金额和单位无误"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    INVESTOR_PREFIX = "inv_"

    def __init__(self, *args: Any, user: User, lead: Lead | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.lead = lead
        visible = Investor.objects.restrict(user, "view").order_by("name")
        self.fields["investor"].queryset = visible
        self.fields["introducer"].queryset = visible.filter(in_district=True)
        # Validate against every investor the user may use, but list only a manageable few (a
        # bureau may see 100,000): the unit's most recent ones; others are found by typing the
        # name, which the duplicate check then offers to use.
        own = visible.filter(owner_unit_id=user.department_id) if user.department_id else visible
        self._limit_choices("investor", own.order_by("-id"), CHOICES_SHOWN)
        self._limit_choices("introducer", visible.filter(in_district=True).order_by("name"), CHOICES_SHOWN)
        self.fields["event"].queryset = Event.objects.restrict(user, "view").order_by("-starts_on")
        units = _unit_queryset(user)
        self.fields["owner_unit"].queryset = units
        self.fields["officer"].queryset = _officers(user)
        self.fields["owner_unit"].initial = user.department_id
        if is_bureau(user):
            self.fields["owner_unit"].required = False
            self.fields["owner_unit"].help_text = _("留空为本单位")
        else:
            self.fields["owner_unit"].disabled = True
        self.fields["investment_unit"].initial = AmountUnit.CNY_WAN
        self.fields["inv_origin"].initial = Origin.DOMESTIC
        if lead is not None:
            for name in [
                "investor",
                "entered_on",
                *[n for n in self.fields if n.startswith(self.INVESTOR_PREFIX)],
            ]:
                del self.fields[name]
            del self.fields["confirm_duplicate"]
        else:
            del self.fields["version"]
            self.fields["entered_on"].initial = None

    def _limit_choices(self, name: str, queryset: QuerySet[Investor], limit: int) -> None:
        if name not in self.fields:
            return
        rows = list(queryset.values_list("pk", "name")[:limit])
        current = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        if current and str(current).isdigit() and int(current) not in {pk for pk, _n in rows}:
            extra = self.fields[name].queryset.filter(pk=int(current)).values_list("pk", "name").first()
            if extra:
                rows.insert(0, extra)
        self.fields[name].widget.choices = [("", "—"), *rows]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.lead is None:
            has_existing = bool(data.get("investor"))
            has_new = bool((data.get("inv_name") or "").strip())
            if has_existing and has_new:
                self.add_error("investor", _("请选择已有投资方，或填写新投资方，二选一"))
            elif not has_existing and not has_new:
                self.add_error("inv_name", _("请选择已有投资方，或填写新投资方的名称"))
        return data

    def lead_fields(self) -> dict[str, Any]:
        from xianfeng.attraction.services import LEAD_FIELDS

        data = self.cleaned_data
        fields = {name: data.get(name) for name in LEAD_FIELDS}
        for name in ["source_detail", "description"]:
            fields[name] = fields[name] or ""
        if self.fields["owner_unit"].disabled or fields["owner_unit"] is None:
            fields["owner_unit"] = self.user.department
        if self.lead is None:
            fields["entered_on"] = data.get("entered_on")
            if data.get("investor"):
                fields["investor"] = data["investor"]
        return fields

    def new_investor(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if self.lead is not None or data.get("investor"):
            return None
        return {
            "name": data.get("inv_name") or "",
            "kind": data.get("inv_kind") or InvestorKind.COMPANY,
            "origin": data.get("inv_origin") or Origin.DOMESTIC,
            "country": data.get("inv_country") or "",
            "credit_code": data.get("inv_credit_code") or "",
            "in_district": bool(data.get("inv_in_district")),
        }

    # A service error on an investor field lands on the form's inv_* field.
    SERVICE_FIELD_MAP = {
        "country": "inv_country",
        "credit_code": "inv_credit_code",
        "kind": "inv_kind",
        "origin": "inv_origin",
    }

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        names = [
            (_("项目"), ["name", "chain", "description"]),
            (_("来源"), ["source", "event", "introducer", "source_detail"]),
            (
                _("投资与用地"),
                [
                    "investment_amount",
                    "investment_unit",
                    "land_mu",
                    "floor_area",
                    "expected_tax_wan",
                    "confirm_amount",
                ],
            ),
            (_("责任"), ["owner_unit", "officer", "entered_on"]),
        ]
        return [(title, [self[n] for n in group if n in self.fields]) for title, group in names]

    def investor_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if n.startswith(self.INVESTOR_PREFIX)]


class StageForm(XfForm):
    """One step of a lead: the fields that step needs."""

    effective_on = date_field(_("日期"))
    signed_on = date_field(_("协议签订日期"))
    signed_amount = number(_("签约金额"))
    signed_unit = choice(_("金额单位"), AmountUnit.choices, required=False, blank=False)
    confirm_amount = flag(_("金额和单位无误"))
    registered_on = date_field(_("注册日期"))
    company_name = text(_("新注册企业名称"))
    credit_code = text(_("统一社会信用代码"), max_length=30)
    landed_on = date_field(_("落地日期"))
    land_mode = forms.ChoiceField(
        label=_("落地项目"),
        choices=[("new", _("由本线索新建储备项目")), ("existing", _("选择项目库中已有的项目"))],
        initial="new",
        widget=forms.RadioSelect(attrs=CHECK),
        required=False,
    )
    project = model_choice(_("已有项目"), Lead.objects.none())
    lost_on = date_field(_("流失日期"))
    reason = text(_("原因"), area=True, max_length=2000)
    note = text(_("说明"), area=True, max_length=2000)

    STEP_FIELDS: dict[str, list[str]] = {
        Stage.CONTACTING: ["effective_on", "note"],
        Stage.NEGOTIATING: ["effective_on", "note"],
        Stage.SIGNED: ["signed_on", "signed_amount", "signed_unit", "confirm_amount", "note"],
        Stage.REGISTERED: ["registered_on", "company_name", "credit_code", "note"],
        Stage.LANDED: ["landed_on", "land_mode", "project", "note"],
        Stage.LOST: ["lost_on", "reason"],
        "reopen": ["reason"],
    }

    def __init__(self, *args: Any, lead: Lead, to_stage: str, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.to_stage = to_stage
        keep = self.STEP_FIELDS.get(to_stage, [])
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "project" in self.fields:
            self.fields["project"].queryset = selectors.landing_projects(user=user)
        if "signed_unit" in self.fields:
            self.fields["signed_unit"].initial = lead.investment_unit
        if "company_name" in self.fields and not self.is_bound:
            self.fields["company_name"].initial = lead.investor.name
        if to_stage in {Stage.LOST, "reopen"}:
            self.fields["reason"].required = True

    def payload(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.to_stage == Stage.LANDED:
            mode = data.pop("land_mode", "") or "new"
            if mode == "new":
                data["create_project"] = True
                data["project"] = None
            else:
                data["create_project"] = False
        return data


def stage_options(lead: Lead) -> list[tuple[str, str]]:
    """The steps open to a lead now."""
    if lead.stage == Stage.LANDED:
        return []
    if lead.stage == Stage.LOST:
        return [("reopen", str(_("恢复跟进")))]
    rank = STAGE_RANK[lead.stage]
    options = []
    for stage in [Stage.CONTACTING, Stage.NEGOTIATING]:
        if STAGE_RANK[stage] > rank:
            options.append((stage.value, str(stage.label)))
    if rank < STAGE_RANK[Stage.SIGNED]:
        options.append((Stage.SIGNED.value, str(Stage.SIGNED.label)))
    if lead.stage == Stage.SIGNED:
        options.append((Stage.REGISTERED.value, str(_("注册登记"))))
    if lead.stage == Stage.REGISTERED:
        options.append((Stage.LANDED.value, str(Stage.LANDED.label)))
    options.append((Stage.LOST.value, str(_("标记流失"))))
    return options


class FollowUpForm(XfForm):
    happened_on = date_field(_("日期"), required=True)
    kind = choice(_("方式"), FollowUpKind.choices)
    summary = text(_("情况摘要"), required=True, area=True, max_length=4000)
    next_step = text(_("下一步"), max_length=300)
    next_step_on = date_field(_("下一步时间"))


# ---------------------------------------------------------------- investors, events, foreign capital


class InvestorForm(XfForm):
    name = text(_("投资方名称"), required=True)
    kind = choice(_("投资方类型"), InvestorKind.choices, blank=False)
    origin = choice(_("资本来源"), Origin.choices, blank=False)
    country = text(_("国家或地区"), max_length=50)
    credit_code = text(_("统一社会信用代码"), max_length=30)
    in_district = flag(_("区内已落户企业"))
    contact = text(_("联系人及电话"), max_length=100)
    note = text(_("说明"), area=True, max_length=4000)
    owner_unit = model_choice(_("录入单位"), Department.objects.none(), required=True)
    confirm_duplicate = flag(_("确认不是重复（另行登记）"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner_unit"].queryset = _unit_queryset(user)
        if not is_bureau(user):
            self.fields["owner_unit"].initial = user.department_id
            self.fields["owner_unit"].disabled = True
        self.fields["origin"].initial = Origin.DOMESTIC

    def investor_fields(self) -> dict[str, Any]:
        from xianfeng.attraction.services import INVESTOR_FIELDS

        data = self.cleaned_data
        fields = {name: data.get(name) for name in INVESTOR_FIELDS}
        for name in ["country", "credit_code", "contact", "note"]:
            fields[name] = fields[name] or ""
        fields["in_district"] = bool(fields["in_district"])
        if self.fields["owner_unit"].disabled:
            fields["owner_unit"] = self.user.department
        return fields


class EventForm(XfForm):
    name = text(_("活动名称"), required=True)
    kind = choice(_("活动类型"), EventKind.choices)
    starts_on = date_field(_("开始日期"), required=True)
    ends_on = date_field(_("结束日期"))
    city = text(_("举办地"), max_length=100)
    country = text(_("国家或地区"), max_length=50)
    organiser = model_choice(_("组织单位"), Department.objects.none())
    note = text(_("说明"), area=True, max_length=4000)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = _unit_queryset(user)

    def event_fields(self) -> dict[str, Any]:
        from xianfeng.attraction.services import EVENT_FIELDS

        data = self.cleaned_data
        fields = {name: data.get(name) for name in EVENT_FIELDS}
        for name in ["city", "country", "note"]:
            fields[name] = fields[name] or ""
        return fields


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker), parsed to its first day."""

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        raw = (super().to_python(value) or "").strip()
        if not raw:
            return None
        try:
            year, month = raw.replace("/", "-").split("-")[:2]
            return dt.date(int(year), int(month), 1)
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(_("月份须为 YYYY-MM，如 2024-06")) from exc


class ForeignCapitalForm(XfForm):
    lead = model_choice(_("外资线索（已注册）"), Lead.objects.none(), required=True)
    period = MonthField(
        label=_("月份"), required=True, widget=forms.TextInput(attrs={**TEXT, "type": "month"})
    )
    amount_usd_wan = number(_("实际使用外资（万美元）"), required=True)
    note = text(_("说明"))

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = (
            Lead.objects.restrict(user, "change")
            .filter(investor__origin__in=FOREIGN_ORIGINS, furthest_rank__gte=STAGE_RANK[Stage.REGISTERED])
            .exclude(stage=Stage.LOST)
            .order_by("name")
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}),
        error_messages={"required": _("请选择要导入的 Excel 文件")},
    )
    dry_run = forms.BooleanField(
        label=_("只检查，不导入"), required=False, widget=forms.CheckboxInput(attrs=CHECK)
    )
