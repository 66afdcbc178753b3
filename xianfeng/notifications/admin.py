"""Django admin: the system administrator manages the group robots and watches the delivery log.

The ``admin`` role has no row permissions in ``auth_permission``; like the reference data in
``org``, access here comes with the role. Messages themselves (the inbox) are not in admin: they
are the users' own. A robot's URL carries its access key and the DingTalk secret signs messages,
so the audit log records that they changed, never their values.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xianfeng.audit.admin import ADMIN_REASON
from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.services import change_record, diff, snapshot
from xianfeng.notifications import services
from xianfeng.notifications.models import Delivery, WebhookEndpoint, http_url_validator
from xianfeng.org.choices import Role

SECRET_FIELDS = ("url", "secret")
MASK = "******"


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", None) == Role.ADMIN))


class AdminRoleMixin:
    """Open to the system administrator role (and superusers)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Robots are switched off (is_active), never deleted: their deliveries refer to them.
        return False


def _masked(instance: WebhookEndpoint) -> dict[str, Any]:
    values = snapshot(instance)
    for name in SECRET_FIELDS:
        if values.get(name):
            # Different values must still differ in the log, so a change shows up; the length is harmless.
            values[name] = f"{MASK}（{len(values[name])}）"
    return values


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("Webhook 地址"),
        max_length=500,
        assume_scheme="https",
        validators=[http_url_validator],
        help_text=_("群机器人设置中复制的完整地址（含 key 或 access_token），只接受 http:// 或 https://"),
    )
    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("仅钉钉：安全设置选“加签”时显示的 SEC 开头的字符串。修改时留空表示不变。"),
    )
    clear_secret = forms.BooleanField(label=_("清除加签密钥"), required=False)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "kind", "url", "secret", "department", "is_active"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "").strip()
        if not secret and self.instance.pk and not self.data.get("clear_secret"):
            return self.instance.secret
        return secret

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("clear_secret"):
            cleaned["secret"] = ""
            self.instance.secret = ""
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AdminRoleMixin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "kind", "department", "signed", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "department"]
    search_fields = ["name"]
    fields = ["name", "kind", "url", "secret", "clear_secret", "department", "is_active"]

    @admin.display(description=_("加签"), boolean=True)
    def signed(self, obj: WebhookEndpoint) -> bool:
        return bool(obj.secret)

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        with transaction.atomic():
            stored = WebhookEndpoint.objects.filter(pk=obj.pk).first() if change and obj.pk else None
            before = _masked(stored) if stored is not None else {}
            super().save_model(request, obj, form, change)
            changes = diff(WebhookEndpoint, before, _masked(obj))
            if stored is None or changes:
                change_record(
                    actor=request.user,
                    action=ChangeAction.UPDATE if stored is not None else ChangeAction.CREATE,
                    instance=obj,
                    changes=changes,
                    reason=ADMIN_REASON,
                )


@admin.register(Delivery)
class DeliveryAdmin(AdminRoleMixin, admin.ModelAdmin):
    """The outbox, read-only: what was sent where, how often it was tried and why it failed."""

    list_display = [
        "created_at",
        "channel",
        "target_short",
        "title",
        "status",
        "attempts",
        "sent_at",
        "error",
    ]
    list_filter = ["status", "channel", "endpoint"]
    search_fields = ["title", "target"]
    date_hierarchy = "created_at"
    actions = ["requeue"]
    fields = [
        "channel",
        "endpoint",
        "recipient",
        "target",
        "event",
        "title",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "attempt_log",
        "payload",
        "dedupe_key",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only page; the requeue action is the one write, checked below.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).select_related("endpoint", "recipient")

    @admin.display(description=_("发送对象"))
    def target_short(self, obj: Delivery) -> str:
        return obj.target_display

    @admin.display(description=_("最近错误"))
    def error(self, obj: Delivery) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("重新排队发送选中的失败记录"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        if not _is_admin(request):
            return
        count = services.delivery_requeue(deliveries=queryset)
        self.message_user(request, _("已重新排队 %(count)d 条") % {"count": count}, messages.SUCCESS)
