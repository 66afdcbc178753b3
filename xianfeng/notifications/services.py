"""Writes: notifying people and groups, sending what is queued, the daily digest, read marks.

The contract other apps call (keyword-only):

- :func:`notify` — one inbox message per recipient, plus the e-mails their preferences ask for;
- :func:`notify_group` — a message to the group robots (WeCom, DingTalk) of a department;
- :func:`deliver_pending` — the worker's job: send what is due, record every attempt;
- :func:`send_daily_digest` — one e-mail per digest user listing a day's unread messages.

Nothing is sent twice. Each inbox message is unique per (recipient, dedupe_key) and each outgoing
message per dedupe_key — unique constraints in the database, not memory — and a worker claims a
row (queued → sending) in a committed transaction before it sends, so a second or restarted
worker never picks the same row up. A row left "sending" by a worker that died mid-send is marked
failed with an explanation after STALE_AFTER, not sent again: it may already have arrived.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from xianfeng.lib import clock
from xianfeng.notifications import selectors
from xianfeng.notifications.choices import EVENT_CODE_RE, Channel, DeliveryStatus, event_label
from xianfeng.notifications.models import Delivery, Notification, NotificationPreference, WebhookEndpoint
from xianfeng.notifications.senders import (
    EmailSender,
    SendResult,
    absolute_link,
    post_webhook,
    webhook_payload,
)
from xianfeng.org.models import Department, User

# Rows claimed per round trip: small, so a claim never outlives STALE_AFTER even with slow robots.
CLAIM_BATCH = 20
STALE_AFTER = dt.timedelta(minutes=30)
RETRY_BASE = dt.timedelta(minutes=1)
RETRY_MAX = dt.timedelta(hours=6)
TITLE_MAX = 200
DEDUPE_MAX = 200
LINK_MAX = 500

M = TypeVar("M", bound=models.Model)


# ---------------------------------------------------------------- checks and helpers


def _check_message(*, event: str, title: str, link: str, dedupe_key: str) -> tuple[str, str]:
    """Validate what every message needs; returns the cleaned title and link."""
    errors: dict[str, str] = {}
    if not EVENT_CODE_RE.match(event or ""):
        errors["event"] = gettext(
            "事件代码“%(event)s”无效：应为小写字母、数字和 . _ - : 组成，最长 64 个字符"
        ) % {"event": event}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = gettext("标题不能为空")
    if not dedupe_key or len(dedupe_key) > DEDUPE_MAX:
        errors["dedupe_key"] = gettext("去重键不能为空，且不超过 %(max)s 个字符") % {"max": DEDUPE_MAX}
    link = (link or "").strip()
    # Only paths inside the site: an e-mail or robot link never points elsewhere (no open redirect).
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX):
        errors["link"] = gettext("链接应为本站内以 / 开头的路径（不超过 %(max)s 个字符），收到“%(link)s”") % {
            "max": LINK_MAX,
            "link": link[:60],
        }
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title, link


def _insert_new(rows: Sequence[M]) -> list[M]:
    """Insert rows, skipping any that a concurrent writer inserted first (unique constraints)."""
    if not rows:
        return []
    model = type(rows[0])
    try:
        with transaction.atomic():
            return model._default_manager.bulk_create(rows)
    except IntegrityError:
        pass
    created = []
    for row in rows:
        row.pk = None
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue
        created.append(row)
    return created


def in_site_language() -> translation.override:
    """Messages are stored once and read by other people: the apps write their titles and bodies,
    and e-mails are rendered, in the site's language, whatever language the actor uses."""
    return translation.override(settings.LANGUAGE_CODE)


def _render(template: str, context: dict[str, Any]) -> str:
    with in_site_language():
        return render_to_string(template, context).strip() + "\n"


def _email_payload(
    *, user: User, title: str, body: str, link: str, event: str, urgent: bool
) -> dict[str, Any]:
    subject = f"【先锋·紧急】{title}" if urgent else f"【先锋】{title}"
    text = _render(
        "notifications/email/notification.txt",
        {
            "user": user,
            "title": title,
            "body": body,
            "link": absolute_link(link),
            "event": event_label(event),
            "urgent": urgent,
            "preferences_link": absolute_link(reverse("notifications:preferences")),
        },
    )
    return {"subject": subject, "body": text, "to": [user.email.strip()]}


def _wants_email_now(user: User, preference: NotificationPreference, *, event: str, urgent: bool) -> bool:
    if not user.email.strip() or not preference.email_enabled:
        return False
    if urgent:
        # Urgent messages (a supervision order, an overdue escalation) ignore mutes and the digest.
        return True
    return event not in preference.muted_events and not preference.email_digest


# ---------------------------------------------------------------- notify


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    event: str,
    title: str,
    body: str,
    link: str = "",
    dedupe_key: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    urgent: bool = False,
) -> list[Notification]:
    """One inbox message per active recipient who has not had ``dedupe_key`` yet; returns the new ones.

    Queues an immediate e-mail for each new message whose recipient has an address and wants it
    (see NotificationPreference); digest users get theirs from :func:`send_daily_digest`.
    """
    title, link = _check_message(event=event, title=title, link=link, dedupe_key=dedupe_key)
    body = (body or "").strip()
    users: dict[int, User] = {}
    for user in recipients:
        if user is not None and user.is_active:
            users.setdefault(user.pk, user)
    if not users:
        return []
    already = set(
        Notification.objects.filter(recipient_id__in=users, dedupe_key=dedupe_key).values_list(
            "recipient_id", flat=True
        )
    )
    object_type = ContentType.objects.get_for_model(obj) if obj is not None else None
    object_id = str(obj.pk) if obj is not None else ""
    now = clock.now()
    created = _insert_new(
        [
            Notification(
                recipient=user,
                event=event,
                title=title,
                body=body,
                link=link,
                object_type=object_type,
                object_id=object_id,
                actor=actor,
                created_at=now,
                dedupe_key=dedupe_key,
                urgent=urgent,
            )
            for pk, user in users.items()
            if pk not in already
        ]
    )
    preferences = selectors.preferences_of([n.recipient_id for n in created])
    deliveries = []
    for notification in created:
        user = notification.recipient
        preference = preferences[user.pk]
        if not _wants_email_now(user, preference, event=event, urgent=urgent):
            continue
        deliveries.append(
            Delivery(
                notification=notification,
                recipient=user,
                channel=Channel.EMAIL,
                event=event,
                title=title,
                target=user.email.strip(),
                payload=_email_payload(
                    user=user, title=title, body=body, link=link, event=event, urgent=urgent
                ),
                dedupe_key=f"email:{user.pk}:{dedupe_key}",
                next_attempt_at=now,
                created_at=now,
            )
        )
    _insert_new(deliveries)
    return created


@transaction.atomic
def notify_group(
    *,
    department: Department | None,
    event: str,
    title: str,
    body: str,
    link: str = "",
    dedupe_key: str,
    urgent: bool = False,
) -> list[Delivery]:
    """Queue a post to each active group robot of ``department`` (the district-wide ones when None)."""
    title, link = _check_message(event=event, title=title, link=link, dedupe_key=dedupe_key)
    body = (body or "").strip()
    endpoints = WebhookEndpoint.objects.filter(is_active=True)
    endpoints = endpoints.filter(department=department) if department else endpoints.filter(department=None)
    now = clock.now()
    rows = [
        Delivery(
            endpoint=endpoint,
            channel=endpoint.kind,
            event=event,
            title=title,
            target=endpoint.url,
            payload=webhook_payload(
                endpoint.kind, title=f"【先锋】{title}", body=body, link=link, urgent=urgent
            ),
            dedupe_key=f"group:{endpoint.pk}:{dedupe_key}",
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    already = set(
        Delivery.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows]).values_list(
            "dedupe_key", flat=True
        )
    )
    return _insert_new([row for row in rows if row.dedupe_key not in already])


# ---------------------------------------------------------------- sending


@dataclass
class DeliveryStats:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    abandoned: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most 6 hours."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def _claim(*, worker: str, now: dt.datetime, limit: int) -> list[Delivery]:
    """Atomically take up to ``limit`` due rows (queued → sending) for this worker."""
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: concurrent workers take disjoint rows without waiting for each other.
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # The status condition makes the claim safe where row locks do not exist (SQLite): a row
        # another worker claimed in between is not updated, and so not ours.
        Delivery.objects.filter(id__in=ids, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, claimed_by=worker, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(
        Delivery.objects.filter(id__in=ids, status=DeliveryStatus.SENDING, claimed_by=worker)
        .select_related("endpoint")
        .order_by("id")
    )


def _send(delivery: Delivery, email: EmailSender) -> SendResult:
    if delivery.channel == Channel.EMAIL:
        return email.send(delivery.payload)
    endpoint = delivery.endpoint
    if endpoint is not None and not endpoint.is_active:
        return SendResult(False, f"群机器人“{endpoint.name}”已停用，未发送", permanent=True)
    secret = endpoint.secret if endpoint is not None else ""
    return post_webhook(kind=delivery.channel, url=delivery.target, payload=delivery.payload, secret=secret)


def _record(*, delivery: Delivery, worker: str, result: SendResult, now: dt.datetime) -> str:
    """Write the outcome of one attempt; returns "sent", "retrying" or "failed"."""
    entry: dict[str, Any] = {"at": now.isoformat(), "ok": result.ok}
    if result.error:
        entry["error"] = result.error
    entry.update(result.detail)
    fields: dict[str, Any] = {"attempt_log": [*delivery.attempt_log, entry], "claimed_by": ""}
    if result.ok:
        outcome = "sent"
        fields.update(status=DeliveryStatus.SENT, sent_at=now, last_error="")
    elif result.permanent or delivery.attempts >= settings.XF_NOTIFY_MAX_ATTEMPTS:
        outcome = "failed"
        fields.update(status=DeliveryStatus.FAILED, last_error=result.error)
    else:
        outcome = "retrying"
        fields.update(
            status=DeliveryStatus.QUEUED,
            last_error=result.error,
            next_attempt_at=now + retry_delay(delivery.attempts),
        )
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, claimed_by=worker).update(**fields)
    return outcome


def _abandon_stale(now: dt.datetime) -> int:
    """Rows a dead worker left "sending": it may or may not have sent them, so never resend."""
    stale = list(
        Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_AFTER).only(
            "id", "attempt_log", "claimed_by"
        )
    )
    error = "发送过程中工作进程中断，无法确认是否已送达；为避免重复发送，未自动重试（可在系统管理中重新排队）"
    count = 0
    for delivery in stale:
        log = [*delivery.attempt_log, {"at": now.isoformat(), "ok": False, "error": error}]
        count += Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_by=delivery.claimed_by
        ).update(status=DeliveryStatus.FAILED, last_error=error, attempt_log=log)
    return count


def deliver_pending(*, limit: int = 500, now: dt.datetime | None = None) -> DeliveryStats:
    """Send up to ``limit`` due deliveries; every attempt is recorded on its row.

    A failure is retried after :func:`retry_delay` until XF_NOTIFY_MAX_ATTEMPTS attempts, then
    marked failed with the last error; a failure retrying cannot fix is marked failed at once.
    ``now`` is for tests (the clock of the due check and of the records).
    """
    stats = DeliveryStats()
    stats.abandoned = _abandon_stale(now or clock.now())
    worker = uuid.uuid4().hex
    email = EmailSender()
    try:
        while stats.claimed < limit:
            batch = _claim(
                worker=worker, now=now or clock.now(), limit=min(CLAIM_BATCH, limit - stats.claimed)
            )
            if not batch:
                break
            stats.claimed += len(batch)
            for delivery in batch:
                result = _send(delivery, email)
                outcome = _record(delivery=delivery, worker=worker, result=result, now=now or clock.now())
                setattr(stats, outcome, getattr(stats, outcome) + 1)
    finally:
        email.close()
    return stats


@transaction.atomic
def delivery_requeue(*, deliveries: Iterable[Delivery]) -> int:
    """Send failed deliveries again (an administrator's decision, e.g. after fixing the SMTP set-up)."""
    ids = [d.pk for d in deliveries if d.status == DeliveryStatus.FAILED]
    return Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=clock.now(), claimed_by=""
    )


# ---------------------------------------------------------------- the daily digest


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@transaction.atomic
def _digest_body(body: str, *, limit: int = 200) -> str:
    """A message's body shortened for the digest, every line indented under its numbered title
    (a body of several lines would otherwise start its second line at the margin)."""
    text = (body or "").strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return "\n   ".join(line.strip() for line in text.splitlines() if line.strip())


def send_daily_digest(*, day: dt.date) -> int:
    """Queue one e-mail per digest user listing ``day``'s messages still unread; returns how many.

    Urgent messages were e-mailed at once and muted events are not e-mailed at all, so neither is
    listed. A user with nothing unread gets no e-mail; a second run for the same day adds nothing.
    """
    preferences = list(
        NotificationPreference.objects.filter(email_digest=True, email_enabled=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    keys = {p.user_id: f"digest:{p.user_id}:{day.isoformat()}" for p in preferences}
    done = set(Delivery.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
    preferences = [p for p in preferences if keys[p.user_id] not in done]
    if not preferences:
        return 0
    start, end = _day_bounds(day)
    unread: dict[int, list[Notification]] = {}
    for notification in Notification.objects.filter(
        recipient_id__in=[p.user_id for p in preferences],
        created_at__gte=start,
        created_at__lt=end,
        read_at__isnull=True,
        urgent=False,
    ).order_by("recipient_id", "created_at", "id"):
        unread.setdefault(notification.recipient_id, []).append(notification)
    now = clock.now()
    rows = []
    for preference in preferences:
        user = preference.user
        items = [n for n in unread.get(user.pk, []) if n.event not in preference.muted_events]
        if not items:
            continue
        subject = f"【先锋】{day:%Y年%m月%d日}消息汇总：{len(items)} 条未读"
        body = _render(
            "notifications/email/digest.txt",
            {
                "user": user,
                "day": day,
                "items": [
                    {
                        "n": n,
                        "event": event_label(n.event),
                        "body": _digest_body(n.body),
                        "link": absolute_link(n.link),
                    }
                    for n in items
                ],
                "inbox_link": absolute_link(reverse("notifications:inbox")),
                "preferences_link": absolute_link(reverse("notifications:preferences")),
            },
        )
        rows.append(
            Delivery(
                recipient=user,
                channel=Channel.EMAIL,
                event="notifications.digest",
                title=subject,
                target=user.email.strip(),
                payload={"subject": subject, "body": body, "to": [user.email.strip()]},
                dedupe_key=keys[user.pk],
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(_insert_new(rows))


# ---------------------------------------------------------------- the inbox and preferences


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionDenied(gettext("只能标记自己的消息"))
    if notification.read_at is None:
        now = clock.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.restrict(user, "change").unread().update(read_at=clock.now())


@transaction.atomic
def preference_save(
    *, user: User, email_enabled: bool, email_digest: bool, muted_events: Iterable[str]
) -> NotificationPreference:
    muted = sorted({code for code in muted_events if code})
    bad = [code for code in muted if not EVENT_CODE_RE.match(code)]
    if bad:
        raise ValidationError(
            {"muted_events": [gettext("未知的事件代码：%(codes)s") % {"codes": gettext("、").join(bad)}]}
        )
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "email_enabled": email_enabled,
            "email_digest": email_digest,
            "muted_events": muted,
            "updated_at": clock.now(),
        },
    )
    return preference
