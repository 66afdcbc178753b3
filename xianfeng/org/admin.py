from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from xianfeng.audit.admin import AuditedModelAdmin
from xianfeng.org.models import ApiToken, Department, Leader, Region, User

admin.site.site_header = _("先锋 系统管理")
admin.site.site_title = _("先锋 系统管理")
admin.site.index_title = _("基础数据与用户")


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent", "order"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "region", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]


@admin.register(Leader)
class LeaderAdmin(AuditedModelAdmin):
    list_display = ["name", "title", "user", "order", "is_active"]
    search_fields = ["name", "title"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "department", "is_active"]
    list_filter = ["role", "department", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("先锋"), {"fields": ["full_name", "role", "department", "phone"]}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
