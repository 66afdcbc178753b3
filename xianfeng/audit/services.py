"""Writing the change log. Every service that changes business data calls these."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import get_language

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.lib import clock

Snapshot = dict[str, Any]
# Bookkeeping columns, and secrets that must never reach the log (a password hash is still a secret).
SNAPSHOT_SKIP = {"id", "created_at", "updated_at", "version", "search_text", "password", "key_hash"}


def _plain(value: Any) -> Any:
    """JSON-safe form of a field value."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, Decimal):
        # Canonical text without exponent or trailing zeros, so 10000.00 and 10000 compare equal.
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


_AS_IS = (str, int, bool, float, type(None))  # _plain returns these unchanged


@functools.lru_cache(maxsize=256)
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, str, bool], ...]:
    # Schema only: (name, attname, is a foreign key) of the fields a snapshot holds.
    return tuple(
        (f.name, f.attname, isinstance(f, models.ForeignKey))
        for f in model._meta.concrete_fields
        if f.name not in SNAPSHOT_SKIP
    )


def snapshot(instance: models.Model, fields: list[str] | None = None) -> Snapshot:
    """The current values of a row's concrete fields (foreign keys as id + label)."""
    result: Snapshot = {}
    for name, attname, is_fk in _snapshot_fields(type(instance)):
        if fields is not None and name not in fields:
            continue
        if is_fk:
            related = getattr(instance, name)
            result[name] = _plain(related) if related is not None else None
        else:
            value = getattr(instance, attname)
            result[name] = value if value.__class__ in _AS_IS else _plain(value)
    return result


@functools.lru_cache(maxsize=256)
def _field_labels(model: type[models.Model], language: str | None) -> dict[str, str]:
    # Schema, not business data: the same in every process, so caching it is safe.
    return {
        f.name: str(f.verbose_name)
        for f in model._meta.get_fields()
        if getattr(f, "verbose_name", None) is not None
    }


def diff(model: type[models.Model], before: Snapshot, after: Snapshot) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    labels = _field_labels(model, get_language())
    if not before:  # a new row: every field that has a value
        for name in sorted(after):
            new = after[name]
            if new is not None:
                changes[name] = {"label": labels.get(name, name), "old": None, "new": new}
        return changes
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = {"label": labels.get(name, name), "old": old, "new": new}
    return changes


def change_record(
    *,
    actor: Any,
    action: ChangeAction | str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request_id: str = "",
) -> ChangeRecord:
    record = change_record_build(
        actor=actor,
        action=action,
        instance=instance,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes,
        reason=reason,
        request_id=request_id,
    )
    record.save()
    return record


def change_record_build(
    *,
    actor: Any,
    action: ChangeAction | str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request_id: str = "",
    at: dt.datetime | None = None,
) -> ChangeRecord:
    """The unsaved record change_record() would write; bulk writers (imports) save many at once."""
    if instance is not None:
        object_type = instance._meta.label
        object_id = str(instance.pk)
        object_repr = object_repr or str(instance)[:300]
    actor_obj = actor if getattr(actor, "pk", None) else None
    return ChangeRecord(
        at=at or clock.now(),
        actor=actor_obj,
        actor_name=(actor_obj.get_full_name() or actor_obj.username) if actor_obj else "系统",
        action=str(action),
        object_type=object_type or "",
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=changes or {},
        reason=reason,
        request_id=request_id,
    )


def record_create(*, actor: Any, instance: models.Model, reason: str = "", request_id: str = "") -> None:
    after = snapshot(instance)
    changes = diff(type(instance), {}, after)
    change_record(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=instance,
        changes=changes,
        reason=reason,
        request_id=request_id,
    )


def record_update(
    *,
    actor: Any,
    instance: models.Model,
    before: Snapshot,
    action: ChangeAction = ChangeAction.UPDATE,
    reason: str = "",
    request_id: str = "",
) -> bool:
    """Log the fields that changed since ``before``; returns False (and logs nothing) if none did."""
    changes = diff(type(instance), before, snapshot(instance))
    if not changes and action == ChangeAction.UPDATE:
        return False
    change_record(
        actor=actor,
        action=action,
        instance=instance,
        changes=changes,
        reason=reason,
        request_id=request_id,
    )
    return True
