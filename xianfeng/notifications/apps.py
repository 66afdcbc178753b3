from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "xianfeng.notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        from xianfeng.notifications import checks  # noqa: F401  (registers the deploy checks)
