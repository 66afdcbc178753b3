from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParksConfig(AppConfig):
    name = "xianfeng.parks"
    verbose_name = _("产业链与园区")
