from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    # Claimed by a worker that is sending it right now; never picked up again automatically.
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


# Event codes look like "problem.assigned": lower-case words joined by dots, dashes or underscores.
EVENT_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")

# Labels of the events the apps send, for the inbox and the mute list on the preferences page.
# Higher apps add theirs with register_event() in their AppConfig.ready(); an event nobody
# registered is still delivered and shown by its code.
EVENT_LABELS: dict[str, str] = {}


def register_event(code: str, label: str) -> None:
    if not EVENT_CODE_RE.match(code):
        raise ValueError(f"invalid notification event code {code!r}")
    EVENT_LABELS[code] = label


def event_label(code: str) -> str:
    return str(EVENT_LABELS.get(code, code))
