"""Pages: the inbox, the unread badge, preferences, and the project office's delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.lib.errors import messages_of
from xianfeng.notifications import selectors, services
from xianfeng.notifications.choices import Channel, DeliveryStatus
from xianfeng.notifications.forms import PreferenceForm
from xianfeng.org.choices import Role

PAGE_SIZE = 30


def _back(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: the page's own ``next`` if it is on this site, else ``fallback``."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": selectors.unread_count(request.user),
    }
    return render(request, "notifications/inbox.html", context)


@require_POST
@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the message read and go where it points."""
    notification = selectors.notification_get(request.user, pk, "change")
    services.notification_mark_read(user=request.user, notification=notification)
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:inbox")


@require_POST
@login_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(request.user, pk, "change")
    services.notification_mark_read(user=request.user, notification=notification)
    return redirect(_back(request, reverse("notifications:inbox")))


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("已将 %(count)d 条消息标为已读") % {"count": count})
    return redirect(_back(request, reverse("notifications:inbox")))


@require_GET
@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the nav (loaded by htmx, so pages themselves run no extra query)."""
    return render(request, "notifications/_badge.html", {"unread": selectors.unread_count(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    preference = selectors.preference_of(user)
    events = selectors.known_events(user)
    if request.method == "POST":
        form = PreferenceForm(request.POST, events=events)
        if form.is_valid():
            try:
                services.preference_save(user=user, **form.cleaned_data)
            except ValidationError as exc:
                for message in messages_of(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("消息设置已保存"))
                return redirect("notifications:preferences")
    else:
        form = PreferenceForm(
            initial={
                "email_enabled": preference.email_enabled,
                "email_digest": preference.email_digest,
                "muted_events": preference.muted_events,
            },
            events=events,
        )
    return render(request, "notifications/preferences.html", {"form": form, "has_email": bool(user.email)})


@require_GET
@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    """Every e-mail and group-robot message and what became of it (the project office only)."""
    if request.user.role != Role.DISPATCHER:
        raise PermissionDenied(_("只有调度专员可以查看发送记录"))
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    rows = selectors.delivery_list(request.user, status=status, channel=channel)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "channel": channel,
        "counts": selectors.delivery_counts(request.user),
        "statuses": DeliveryStatus.choices,
        "channels": Channel.choices,
    }
    return render(request, "notifications/deliveries.html", context)
