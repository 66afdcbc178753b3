from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("接收邮件提醒"), required=False)
    email_digest = forms.BooleanField(
        label=_("改为每日汇总"),
        required=False,
        help_text=_("不逐条发邮件，每天早上一封，列出前一天仍未读的消息。紧急消息（如督办）仍立即发送。"),
    )
    muted_events = forms.MultipleChoiceField(
        label=_("以下事件不发邮件"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("仍会出现在站内消息中，只是不发邮件。"),
    )

    def __init__(self, *args: Any, events: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["muted_events"].choices = events
