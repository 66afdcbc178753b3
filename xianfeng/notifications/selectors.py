"""Reads: a user's inbox and unread count, preferences, the delivery log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from xianfeng.notifications.choices import EVENT_LABELS, Channel, DeliveryStatus, event_label
from xianfeng.notifications.models import Delivery, Notification, NotificationPreference


def inbox(user: Any, *, unread_only: bool = False, with_emails: bool = True) -> QuerySet[Notification]:
    """The user's own messages, newest first (with the e-mail sent for each, for the page)."""
    rows = Notification.objects.restrict(user, "view").select_related("actor").order_by("-created_at", "-id")
    if unread_only:
        rows = rows.unread()
    if not with_emails:
        return rows
    emails = Delivery.objects.filter(channel=Channel.EMAIL).only(
        "id", "notification_id", "status", "sent_at", "attempts", "channel"
    )
    return rows.prefetch_related(Prefetch("deliveries", queryset=emails))


def notification_get(user: Any, pk: int, action: str = "view") -> Notification:
    """One of the user's own messages; anyone else's is a 404, never a 403."""
    return get_object_or_404(Notification.objects.restrict(user, action), pk=pk)  # type: ignore[arg-type]


def unread_count(user: Any) -> int:
    """One COUNT query (served by the (recipient, read_at) index)."""
    return Notification.objects.restrict(user, "view").unread().count()


def _default_preference(user_id: int) -> NotificationPreference:
    return NotificationPreference(user_id=user_id)


def preference_of(user: Any) -> NotificationPreference:
    """The user's saved preferences, or the defaults (e-mail on, no digest, nothing muted)."""
    return NotificationPreference.objects.filter(user=user).first() or _default_preference(user.pk)


def preferences_of(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    ids = list(user_ids)
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)} if ids else {}
    return {pk: found.get(pk) or _default_preference(pk) for pk in ids}


def known_events(user: Any) -> list[tuple[str, str]]:
    """Events the user may mute: every registered one and any they have received, by label."""
    received = set(
        Notification.objects.restrict(user, "view").order_by().values_list("event", flat=True).distinct()
    )
    codes = set(EVENT_LABELS) | received
    # By code, so related events (problem.*, instruction.* …) sit together.
    return [(code, event_label(code)) for code in sorted(codes)]


def delivery_list(user: Any, *, status: str = "", channel: str = "") -> QuerySet[Delivery]:
    rows = Delivery.objects.restrict(user, "view").select_related("endpoint", "recipient")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    return rows.order_by("-created_at", "-id")


def delivery_counts(user: Any) -> dict[str, int]:
    """How many deliveries the user can see, by status (for the filter buttons)."""
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    rows = Delivery.objects.restrict(user, "view").order_by().values("status").annotate(n=Count("id"))
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
