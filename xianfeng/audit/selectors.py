from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xianfeng.audit.models import ChangeRecord


def change_history(*, instance: Any) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(
        object_type=instance._meta.label, object_id=str(instance.pk)
    ).select_related("actor")


def change_log(
    *,
    object_type: str = "",
    action: str = "",
    actor: str = "",
    q: str = "",
    since: Any = None,
    until: Any = None,
) -> QuerySet[ChangeRecord]:
    qs = ChangeRecord.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if q:
        qs = qs.filter(object_repr__icontains=q)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")


def object_types() -> list[str]:
    """The distinct object types present in the log (for the filter's choices)."""
    return list(ChangeRecord.objects.order_by("object_type").values_list("object_type", flat=True).distinct())
