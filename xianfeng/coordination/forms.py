"""Forms of the coordination pages. They parse input; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xianfeng.coordination.choices import ProblemSource, ProblemType, TeamRole
from xianfeng.coordination.services import MAX_DEADLINE_DAYS, MAX_REPLY_DAYS
from xianfeng.org.models import Department
from xianfeng.projects.models import Project

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
CHECK = {"class": "form-check-input"}


def _textarea(rows: int = 3, placeholder: str | Promise = "") -> forms.Textarea:
    attrs: dict[str, Any] = {**TEXT, "rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.Textarea(attrs=attrs)


def _units() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("order", "code")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:  # type: ignore[override]
        return obj.name


class UnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:  # type: ignore[override]
        return obj.name


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                for message in item.messages:
                    form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class DeadlineMixin(forms.Form):
    deadline_days = forms.IntegerField(
        label=_("办理时限（工作日）"),
        required=False,
        min_value=1,
        max_value=MAX_DEADLINE_DAYS,
        widget=forms.NumberInput(attrs={**TEXT, "placeholder": "10"}),
        help_text=_("按法定工作日计算，自动跳过周末和节假日"),
    )
    deadline = forms.DateField(
        label=_("或指定办理期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )


class ProblemRaiseForm(DeadlineMixin):
    project = forms.ModelChoiceField(
        label=_("项目"), queryset=Project.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    type = forms.ChoiceField(
        label=_("问题类型"), choices=ProblemType.choices, widget=forms.Select(attrs=SELECT)
    )
    title = forms.CharField(label=_("问题摘要"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(
        label=_("问题描述"),
        max_length=5000,
        widget=_textarea(5, _("问题的来龙去脉、卡在哪一步、需要谁协调什么")),
    )
    source = forms.ChoiceField(
        label=_("来源"),
        choices=ProblemSource.choices,
        initial=ProblemSource.DIRECT,
        widget=forms.Select(attrs=SELECT),
    )
    period = forms.CharField(
        label=_("调度期"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "2024-11", "type": "month"}),
        help_text=_("来自月度调度时填写，格式 YYYY-MM"),
    )
    file = forms.FileField(
        label=_("附件"),
        required=False,
        widget=forms.ClearableFileInput(attrs=TEXT),
        help_text=_("PDF、JPEG、PNG、DOCX、XLSX"),
    )
    # The dispatcher may assign at once.
    units = UnitsField(
        label=_("责任单位"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        help_text=_("可勾选多个单位"),
    )
    primary_unit = UnitChoiceField(
        label=_("牵头单位"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, projects: QuerySet[Project], can_assign: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        if can_assign:
            self.fields["units"].queryset = _units()
            self.fields["primary_unit"].queryset = _units()
        else:
            for name in ["units", "primary_unit", "deadline_days", "deadline"]:
                del self.fields[name]


class AssignForm(DeadlineMixin):
    units = UnitsField(
        label=_("责任单位"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        help_text=_("可勾选多个单位"),
        error_messages={"required": _("请至少选择一个责任单位")},
    )
    primary_unit = UnitChoiceField(
        label=_("牵头单位"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
        help_text=_("不选则以所选第一个单位牵头"),
    )
    note = forms.CharField(label=_("交办意见"), required=False, max_length=2000, widget=_textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()
        self.fields["primary_unit"].queryset = _units()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("deadline_days") and not data.get("deadline") and not self.errors:
            raise ValidationError(_("请填写办理时限（工作日）或办理期限"))
        return data


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), required=False, max_length=5000, widget=_textarea(2))
    resolution = forms.CharField(label=_("办理结果"), required=False, max_length=5000, widget=_textarea(3))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=5000, widget=_textarea(2))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"), widget=forms.ClearableFileInput(attrs=TEXT))


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("批示内容"), max_length=5000, widget=_textarea(4))
    reply_days = forms.IntegerField(
        label=_("回复时限（工作日）"),
        initial=5,
        min_value=1,
        max_value=MAX_REPLY_DAYS,
        widget=forms.NumberInput(attrs=TEXT),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("回复内容"), max_length=5000, widget=_textarea(4))


class SupervisionForm(forms.Form):
    requirement = forms.CharField(label=_("督办要求"), max_length=5000, widget=_textarea(4))
    plan_days = forms.IntegerField(
        label=_("整改方案报送时限（工作日）"),
        initial=3,
        min_value=1,
        max_value=MAX_REPLY_DAYS,
        widget=forms.NumberInput(attrs=TEXT),
    )


class PlanForm(forms.Form):
    text = forms.CharField(label=_("整改方案"), max_length=20000, widget=_textarea(6))


class DecisionForm(forms.Form):
    # Starts empty: a reviewer must choose, never accept a plan by leaving the default.
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[("", _("请选择")), ("accept", _("采纳")), ("return", _("退回"))],
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("请选择审核结果：采纳或退回")},
    )
    note = forms.CharField(label=_("审核意见"), required=False, max_length=5000, widget=_textarea(2))


class TeamForm(forms.Form):
    name = forms.CharField(label=_("专班名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    plan = forms.CharField(
        label=_("推进方案"),
        required=False,
        max_length=20000,
        widget=_textarea(8, _("目标、节点、分工、保障措施")),
    )


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=TEXT))
    role = forms.ChoiceField(label=_("专班职务"), choices=TeamRole.choices, widget=forms.Select(attrs=SELECT))
    department = UnitChoiceField(
        label=_("所在单位"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    phone = forms.CharField(
        label=_("电话"), required=False, max_length=30, widget=forms.TextInput(attrs=TEXT)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _units()
