"""The audit log is deliberately NOT registered in Django admin.

Only the auditor reads it, on its own page (``audit:log``); the system administrator, who works in
Django admin, must not read or edit the record of their own actions (三员分立). What this module
offers is the other direction: a base class that puts reference-data edits made in Django admin
into the audit log, like every other write.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from xianfeng.audit.services import record_create, record_update, snapshot

ADMIN_REASON = "系统管理后台"


class AuditedModelAdmin(admin.ModelAdmin):
    """Log each add/change made through this admin with the field-level diff."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change and obj.pk is not None:
                stored = type(obj)._default_manager.filter(pk=obj.pk).first()
                before = snapshot(stored) if stored is not None else None
            super().save_model(request, obj, form, change)
            if before is None:
                record_create(actor=request.user, instance=obj, reason=ADMIN_REASON)
            else:
                record_update(actor=request.user, instance=obj, before=before, reason=ADMIN_REASON)
