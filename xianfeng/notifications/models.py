"""The inbox, the outbox and who wants what.

- ``Notification``: one message in one user's inbox. ``(recipient, dedupe_key)`` is unique, so the
  same event never reaches the same person twice, whichever process sends it.
- ``Delivery``: one message to send outside the app (an e-mail, a group-robot post), with every
  attempt recorded. ``dedupe_key`` is unique: nothing is queued — hence sent — twice.
- ``NotificationPreference``: per user — e-mail on/off, a daily digest instead of immediate
  e-mails, and the events they muted.
- ``WebhookEndpoint``: a WeCom or DingTalk group robot, for one department or for everyone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.lib import clock
from xianfeng.lib.restrict import Action, RestrictedQuerySet
from xianfeng.notifications.choices import Channel, DeliveryStatus, WebhookKind, event_label
from xianfeng.org.choices import Role

http_url_validator = URLValidator(
    schemes=["http", "https"], message=_("请输入以 http:// 或 https:// 开头的网址")
)


class NotificationQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> NotificationQuerySet:
        # Everyone, whatever their role, sees and marks only their own messages.
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("事件"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    object_type = models.ForeignKey(
        ContentType,
        verbose_name=_("对象类型"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    obj = GenericForeignKey("object_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=clock.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200)
    urgent = models.BooleanField(_("紧急"), default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def event_label(self) -> str:
        return event_label(self.event)


class DeliveryQuerySet(RestrictedQuerySet):
    def _restrict(self, user: Any, action: Action) -> DeliveryQuerySet:
        # The project office follows every message sent; anyone else only the e-mails sent to them.
        if user.role == Role.DISPATCHER and action == "view":
            return self.all()
        if action == "view":
            return self.filter(recipient=user)
        return self.none()


class Delivery(models.Model):
    """One message leaving the app: an e-mail or a group-robot post, and what became of it."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("站内消息"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    endpoint = models.ForeignKey(
        "WebhookEndpoint",
        verbose_name=_("群机器人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    event = models.CharField(_("事件"), max_length=64, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    target = models.CharField(_("发送对象"), max_length=500, help_text=_("邮箱地址或机器人网址"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=clock.now)
    claimed_by = models.CharField(_("处理进程"), max_length=32, blank=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # What is (or was) sent: {"subject", "body", "to"} for e-mail, the JSON body for a robot.
    payload = models.JSONField(_("发送内容"), default=dict)
    # One entry per attempt: {"at", "ok", "error", "http_status"?, "timestamp"?}.
    attempt_log = models.JSONField(_("尝试记录"), default=list, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=300, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.target_display}：{self.title}"

    @property
    def target_display(self) -> str:
        """The address, or the robot's name: a robot URL carries its access key, so it is not shown."""
        if self.channel == Channel.EMAIL:
            return self.target
        return self.endpoint.name if self.endpoint_id and self.endpoint else str(self.get_channel_display())


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("接收邮件"), default=True)
    email_digest = models.BooleanField(
        _("每日汇总"),
        default=False,
        help_text=_("不逐条发邮件，每天一封汇总前一天的未读消息；紧急消息仍立即发送"),
    )
    # Event codes (see choices.EVENT_LABELS) whose e-mails the user does not want.
    muted_events = models.JSONField(_("不接收邮件的事件"), default=list, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("消息设置")
        verbose_name_plural = _("消息设置")

    def __str__(self) -> str:
        return str(self.user)


class WebhookEndpoint(models.Model):
    """A group robot: 企业微信 or 钉钉 webhook URL, for one department (or all, when none)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=WebhookKind.choices)
    url = models.URLField(
        _("Webhook 地址"),
        max_length=500,
        validators=[http_url_validator],
        help_text=_("群机器人设置中复制的完整地址（含 key 或 access_token）"),
    )
    secret = models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("仅钉钉：安全设置选择“加签”时显示的 SEC 开头的字符串；留空表示不加签"),
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
        help_text=_("留空表示全区通用的群（如项目办工作群）"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["department__order", "department__code", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        if self.secret and self.kind != WebhookKind.DINGTALK:
            raise ValidationError({"secret": _("只有钉钉机器人支持加签；企业微信机器人请留空")})
