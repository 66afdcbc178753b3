from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.org.selectors import LOGIN_MAX_FAILURES, LOGIN_WINDOW, login_locked_until
from xianfeng.org.services import login_failure_record


def client_address(request: Any) -> str:
    # REMOTE_ADDR only: a forwarded-for header is whatever the client says unless a proxy vouches for it.
    return (request.META.get("REMOTE_ADDR") or "")[:64] if request is not None else ""


class LoginForm(AuthenticationForm):
    """Username + password, refused after repeated failures; every refusal reaches the audit log."""

    username = UsernameField(
        label=_("用户名"),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "class": "form-control"}
        ),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"}),
    )
    remember = forms.BooleanField(
        label=_("记住我"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_("两周内免登录；公用电脑请勿勾选"),
    )

    error_messages = {
        "invalid_login": _("用户名或密码错误，请检查后重试（密码区分大小写）。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
        "locked": _(
            "该账号在 %(minutes)s 分钟内连续登录失败 %(count)s 次，已暂停登录，请于 %(until)s 后再试，"
            "或联系系统管理员。"
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        address = client_address(self.request)
        if username and password:
            until = login_locked_until(username=username)
            if until is not None:
                login_failure_record(username=username, locked=True, address=address)
                raise ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={
                        "minutes": int(LOGIN_WINDOW.total_seconds() // 60),
                        "count": LOGIN_MAX_FAILURES,
                        "until": timezone.localtime(until).strftime("%H:%M"),
                    },
                )
        try:
            return super().clean()
        except ValidationError:
            if username and password:
                login_failure_record(username=username, address=address)
            raise


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("用途"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("例如：单位填报系统对接")}),
        error_messages={"required": _("请填写令牌用途"), "max_length": _("用途最多 %(limit_value)d 个字")},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("请填写令牌用途"))
        return name
