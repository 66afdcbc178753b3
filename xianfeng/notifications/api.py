"""JSON endpoints of the inbox. Every user, whatever their role, reads and marks only their own
messages: another user's message id is a 404, as if it did not exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xianfeng.notifications import selectors, services
from xianfeng.notifications.models import Notification

router = Router(tags=["消息通知"])

MAX_LIMIT = 200


class ErrorMessage(Schema):
    detail: str


class NotificationOut(Schema):
    id: int
    event: str
    event_label: str
    title: str
    body: str
    link: str = Field(..., description="站内路径，如 /projects/12/；没有时为空")
    urgent: bool
    actor: str | None = Field(None, description="触发这条消息的人")
    object_type: str | None = Field(None, description="相关对象的类型，如 coordination.problem")
    object_id: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    count: int
    unread: int = Field(..., description="全部未读条数（不只本页）")
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationQuery(Schema):
    unread: bool = Field(False, description="true 只列未读")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, description="从第几条开始（0 起）")


class ReadAllOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")


class UnreadOut(Schema):
    unread: int


ERRORS: dict[int, Any] = {401: ErrorMessage, 404: ErrorMessage}


def _out(notification: Notification) -> dict[str, Any]:
    object_type = notification.object_type
    return {
        "id": notification.pk,
        "event": notification.event,
        "event_label": notification.event_label,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "urgent": notification.urgent,
        "actor": str(notification.actor) if notification.actor else None,
        "object_type": f"{object_type.app_label}.{object_type.model}" if object_type else None,
        "object_id": notification.object_id,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@router.get("/notifications", response={200: NotificationPage, **ERRORS}, summary="我的消息（新的在前）")
def notification_list(request: HttpRequest, params: Query[NotificationQuery]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    rows = selectors.inbox(user, unread_only=params.unread, with_emails=False).select_related("object_type")
    page = list(rows[params.offset : params.offset + params.limit])
    return {
        "count": rows.count(),
        "unread": selectors.unread_count(user),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_out(n) for n in page],
    }


@router.get("/notifications/unread-count", response={200: UnreadOut, **ERRORS}, summary="未读条数")
def notification_unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count(request.auth)}  # type: ignore[attr-defined]


@router.post("/notifications/read-all", response={200: ReadAllOut, **ERRORS}, summary="全部标为已读")
def notification_read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.notifications_mark_all_read(user=request.auth)}  # type: ignore[attr-defined]


@router.post(
    "/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS}, summary="标为已读"
)
def notification_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    notification = selectors.notification_get(user, notification_id, "change")
    return _out(services.notification_mark_read(user=user, notification=notification))
