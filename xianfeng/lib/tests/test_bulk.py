"""Fast bulk writes: the same rows bulk_create would write, ids in order, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from xianfeng.audit.models import ChangeRecord
from xianfeng.lib import clock
from xianfeng.lib.bulk import insert_rows, update_rows
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.tests.factories import ProgrammeEntryFactory

pytestmark = pytest.mark.django_db(transaction=False)

COLUMNS = ["at", "actor_id", "actor_name", "action", "object_type", "object_id", "changes", "reason"]


def test_insert_rows_returns_ids_in_order_and_fills_defaults() -> None:
    now = clock.now()
    shared = {"name": {"label": "名称", "old": "旧", "new": "新"}}
    rows = [
        (now, None, f"人{i}", "update", "projects.Project", str(i), shared if i % 2 else {}, "原因")
        for i in range(2500)
    ]
    with transaction.atomic():
        ids = insert_rows(ChangeRecord, COLUMNS, rows, returning=True, json_cache={})
    assert len(ids) == 2500 and len(set(ids)) == 2500
    stored = {r.pk: r for r in ChangeRecord.objects.all()}
    for i in [0, 1, 1249, 2499]:
        record = stored[ids[i]]
        assert (record.actor_name, record.object_id, record.request_id) == (f"人{i}", str(i), "")
        assert record.changes == (shared if i % 2 else {})
        assert record.at == now


def test_update_rows_sets_only_the_named_fields() -> None:
    entries = [ProgrammeEntryFactory(planned_investment=Decimal("10")) for _ in range(3)]
    now = clock.now()
    with transaction.atomic():
        update_rows(
            ProgrammeEntry,
            [
                (
                    e.pk,
                    {
                        "invested_ytd": Decimal(i + 1),
                        "invested_as_of": dt.date(2024, 11, 30),
                        "updated_at": now,
                    },
                )
                for i, e in enumerate(entries)
            ],
            ["invested_ytd", "invested_as_of", "updated_at"],
        )
    for i, entry in enumerate(ProgrammeEntry.objects.order_by("pk")):
        assert (entry.invested_ytd, entry.invested_as_of, entry.planned_investment) == (
            Decimal(i + 1),
            dt.date(2024, 11, 30),
            Decimal("10"),
        )
