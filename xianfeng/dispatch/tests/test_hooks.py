"""The reports-changed hook: the apps above dispatch hear, after the commit, of the entries whose
reports were handed in, corrected, approved, accepted or returned — once per batch and period,
never for a save that did not land."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from xianfeng.dispatch import hooks, services
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod
from xianfeng.dispatch.tests.conftest import open_period, row
from xianfeng.dispatch.workbook import build_workbook, workbook_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[int]]]:
    """What a registered callback receives (the apps' own callbacks set aside for these tests)."""
    calls: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(hooks, "_CALLBACKS", {})
    hooks.register_reports_changed("test", lambda period, ids: calls.append((period.key, ids)))
    return calls


def test_a_batch_is_heard_once_after_the_commit(
    heard, clerk_a, entries_a, november, django_capture_on_commit_callbacks
) -> None:
    rows = [row(e) for e in entries_a]
    with django_capture_on_commit_callbacks() as pending:
        result = services.reports_save(actor=clerk_a, period=november, rows=rows, submit=True)
        assert result.applied
    assert heard == [] and len(pending) == 1  # nothing before the commit
    pending[0]()
    assert heard == [("2024-11", sorted(e.pk for e in entries_a))]


def test_the_excel_import_of_many_rows_is_one_call(
    heard, clerk_a, unit_a, entries_a, november, django_capture_on_commit_callbacks
) -> None:
    from xianfeng.dispatch.tests.test_workbook import filled

    data = filled(build_workbook(user=clerk_a, period=november, unit_ids=[unit_a.pk])[0])
    with django_capture_on_commit_callbacks(execute=True):
        result = workbook_import(actor=clerk_a, sources=[("甲.xlsx", data)], period=november, submit=True)
    assert result.applied and result.submitted == 3
    assert heard == [("2024-11", sorted(e.pk for e in entries_a))]


def test_nothing_is_heard_for_a_dry_run_a_failed_batch_or_a_rollback(
    heard, clerk_a, entries_a, november, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        dry = services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])], dry_run=True)
        bad = services.reports_save(
            actor=clerk_a,
            period=november,
            rows=[row(entries_a[0]), row(entries_a[1], invested_month=Decimal("-1"))],
            submit=True,
        )
    assert dry.ok and not dry.applied and not bad.applied
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])], submit=True)
        raise RuntimeError("the caller's transaction fails after the save")
    assert heard == []
    assert not MonthlyReport.objects.exists()


def test_a_draft_is_heard_only_when_its_money_changes(
    heard, clerk_a, entries_a, november, django_capture_on_commit_callbacks
) -> None:
    built = entries_a[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_save(actor=clerk_a, period=november, rows=[row(built)])
    # A month's investment, even in a draft, moves the later months' year-to-date.
    assert heard == [("2024-11", [built.pk])]
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_save(actor=clerk_a, period=november, rows=[row(built, progress_text="外墙施工")])
    assert heard == [("2024-11", [built.pk])]  # words only: nothing the figures read


def test_reviews_are_heard_per_period(
    heard, clerk_a, reviewer_a, dispatcher, entries_a, october, django_capture_on_commit_callbacks
) -> None:
    november = open_period(dispatcher, month=11)
    for period in (october, november):
        services.reports_save(actor=clerk_a, period=period, rows=[row(e) for e in entries_a[:2]], submit=True)
    reports = list(MonthlyReport.objects.select_related("period").order_by("period__month", "entry__serial"))
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_approve(actor=reviewer_a, reports=reports[:1])
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_accept(actor=dispatcher, reports=reports)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(actor=dispatcher, report=reports[3], reason="数字有误")
    first, second = entries_a[0].pk, entries_a[1].pk
    assert heard == [
        ("2024-10", [first]),
        ("2024-10", [first, second]),
        ("2024-11", [first, second]),
        ("2024-11", [second]),
    ]


def test_a_failing_callback_does_not_undo_the_save(
    heard, clerk_a, entries_a, november, django_capture_on_commit_callbacks
) -> None:
    def broken(period: ReportingPeriod, ids: list[int]) -> Any:
        raise ConnectionError("queue down")

    hooks.register_reports_changed("broken", broken)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])], submit=True)
    assert result.applied and MonthlyReport.objects.get().status == "submitted"
    assert heard == [("2024-11", [entries_a[0].pk])]  # the other callbacks still ran
