"""Reference view of attraction data for the admin role: read-only (business data changes only
through the pages and the API, where the unit rules and the audit log apply)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xianfeng.attraction.models import Event, Investor


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["name", "kind", "starts_on", "city", "country", "organiser"]
    list_filter = ["kind"]
    search_fields = ["name", "city"]


@admin.register(Investor)
class InvestorAdmin(ReadOnly):
    list_display = ["name", "origin", "country", "credit_code", "owner_unit", "in_district"]
    list_filter = ["origin", "in_district"]
    search_fields = ["name", "credit_code"]
