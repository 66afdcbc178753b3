from __future__ import annotations

from django.contrib import admin

from xianfeng.coordination.models import Instruction, Problem, SupervisionOrder, WorkingTeam


class ReadOnlyAdmin(admin.ModelAdmin):
    """Business data changes only through the services, so every step is kept and notified."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "type", "status", "level", "primary_unit", "deadline", "raised_at"]
    list_filter = ["type", "status", "level"]
    search_fields = ["title"]


@admin.register(Instruction)
class InstructionAdmin(ReadOnlyAdmin):
    list_display = ["id", "project", "leader", "status", "reply_deadline", "issued_at"]
    list_filter = ["status"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "problem", "unit", "status", "plan_deadline"]
    list_filter = ["status"]


@admin.register(WorkingTeam)
class WorkingTeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "project"]
