from __future__ import annotations

from collections.abc import Iterator

import pytest

from xianfeng.notifications.testing import SmtpReceiver, WebhookReceiver, smtp_server, webhook_server


@pytest.fixture
def smtp(settings) -> Iterator[SmtpReceiver]:  # type: ignore[no-untyped-def]
    """A real SMTP server on 127.0.0.1; Django's SMTP backend pointed at it."""
    with smtp_server() as receiver:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = receiver.host
        settings.EMAIL_PORT = receiver.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.DEFAULT_FROM_EMAIL = "先锋平台 <noreply@xianfeng.test>"
        yield receiver


@pytest.fixture
def hooks(settings) -> Iterator[WebhookReceiver]:  # type: ignore[no-untyped-def]
    settings.XF_WEBHOOK_TIMEOUT = 5
    with webhook_server() as receiver:
        yield receiver


@pytest.fixture
def mailbox_users(unit_a, clerk_a, reviewer_a, dispatcher):  # type: ignore[no-untyped-def]
    """Users with e-mail addresses."""
    for user, address in [
        (clerk_a, "bob@unit-a.test"),
        (reviewer_a, "dave@unit-a.test"),
        (dispatcher, "alice@xmb.test"),
    ]:
        user.email = address
        user.save(update_fields=["email"])
    return clerk_a, reviewer_a, dispatcher
