"""Several workers at once (threads with their own database connections): each message goes out once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from xianfeng.notifications import services
from xianfeng.notifications.choices import DeliveryStatus
from xianfeng.notifications.models import Delivery, WebhookEndpoint

MESSAGES = 40
WORKERS = 3


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_send_each_message_once(hooks) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("in-memory test SQLite locks whole tables; single-connection tests cover the claim")
    for i in range(4):
        WebhookEndpoint.objects.create(name=f"群{i}", kind="wecom", url=hooks.url(f"/g{i}"))
    for i in range(MESSAGES // 4):
        services.notify_group(department=None, event="x.y", title=f"消息{i}", body="", dedupe_key=f"m{i}")
    assert Delivery.objects.count() == MESSAGES
    totals: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def worker() -> None:
        try:
            start.wait()
            totals.append(services.deliver_pending().sent)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(totals) == MESSAGES
    assert len(hooks.requests) == MESSAGES
    assert len({(r.path, r.json["markdown"]["content"]) for r in hooks.requests}) == MESSAGES
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
