from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xianfeng.audit.choices import ChangeAction

_DATE = {"invalid": _("请按 年-月-日 填写日期，例如 2024-12-06")}


class ChangeLogFilterForm(forms.Form):
    """The audit log's filters; an invalid one is reported and left out, never a 500."""

    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("全部操作")), *ChangeAction.choices]
    )
    actor = forms.CharField(label=_("操作人"), required=False, max_length=50)
    q = forms.CharField(label=_("对象"), required=False, max_length=100)
    since = forms.DateField(
        label=_("开始日期"), required=False, input_formats=["%Y-%m-%d"], error_messages=_DATE
    )
    until = forms.DateField(
        label=_("结束日期"), required=False, input_formats=["%Y-%m-%d"], error_messages=_DATE
    )

    def __init__(self, *args: Any, type_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("全部类型")), *type_choices]
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css
            if isinstance(field, forms.DateField):
                field.widget.input_type = "date"
                field.widget.format = "%Y-%m-%d"
            field.widget.attrs.setdefault("id", f"f-{name}")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("结束日期不能早于开始日期"))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters only (call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return {
            key: data[key]
            for key in ["object_type", "action", "actor", "q", "since", "until"]
            if key in data and data[key] not in (None, "")
        }
