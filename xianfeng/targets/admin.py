from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xianfeng.audit.admin import AuditedModelAdmin
from xianfeng.org.choices import Role
from xianfeng.projects.admin import ReadOnlyAdmin
from xianfeng.targets.models import PlanCurve, Target, TargetForecast, TargetValue, WarningRule

# Read-only: targets and values change only through the services, so every change is audited.


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "year", "owner_unit", "source", "target_value", "deadline"]
    list_filter = ["year", "source"]
    search_fields = ["code", "name"]


@admin.register(TargetValue)
class TargetValueAdmin(ReadOnlyAdmin):
    list_display = ["target", "year", "month", "value", "reported_by", "reported_at"]
    list_filter = ["year"]


@admin.register(TargetForecast)
class TargetForecastAdmin(ReadOnlyAdmin):
    list_display = ["target", "year", "month", "probability", "expected_value", "samples", "method"]
    list_filter = ["year", "month", "method"]


# ================================================================ warnings and forecasts
# The system administrator (``admin`` role) edits the traffic-light rules and the planned-investment
# curves here, audited like every admin edit; the dispatcher edits them on the settings page
# (targets:warning_settings). Rows are never deleted.


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", None) == Role.ADMIN))


class _AdminRoleOnly(AuditedModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WarningRule)
class WarningRuleAdmin(_AdminRoleOnly):
    list_display = ["rule", "enabled", "yellow_at", "red_at", "note", "updated_at"]
    fields = ["rule", "enabled", "yellow_at", "red_at", "note"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["rule"] if obj is not None else []


@admin.register(PlanCurve)
class PlanCurveAdmin(_AdminRoleOnly):
    list_display = ["__str__", "category", "kind", "shape", "steepness", "midpoint", "updated_at"]
    fields = ["category", "kind", "shape", "steepness", "midpoint"]
