from __future__ import annotations

from django.contrib import admin

from xianfeng.audit.admin import AuditedModelAdmin
from xianfeng.parks.models import IndustryChain, Park


@admin.register(IndustryChain)
class IndustryChainAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]


@admin.register(Park)
class ParkAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "chain", "street", "operator", "order"]
    search_fields = ["code", "name"]
