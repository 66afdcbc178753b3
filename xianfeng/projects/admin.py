from __future__ import annotations

from django.contrib import admin

from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition


class ReadOnlyAdmin(admin.ModelAdmin):
    """Business data changes only through the services, so every change is logged."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["internal_code", "national_code", "name", "category", "stage", "lead_unit"]
    list_filter = ["category", "stage"]
    search_fields = ["name", "national_code", "internal_code"]


@admin.register(ProgrammeEntry)
class ProgrammeEntryAdmin(ReadOnlyAdmin):
    list_display = ["year", "serial", "project", "kind", "level", "planned_investment"]
    list_filter = ["year", "kind", "level"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["project", "kind", "planned_date", "actual_date"]


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdmin):
    list_display = ["project", "from_stage", "to_stage", "effective_date", "actor", "at"]
