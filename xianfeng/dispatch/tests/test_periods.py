"""Reporting periods: deadlines on China's working-day calendar, opening, closing, reopening."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from xianfeng.audit.models import ChangeRecord
from xianfeng.dispatch import services
from xianfeng.dispatch.choices import PeriodStatus
from xianfeng.dispatch.models import ReportingPeriod
from xianfeng.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("year", "month", "deadline"),
    [
        (2024, 11, dt.date(2024, 12, 6)),  # Dec 2–6 are the first five working days
        (2024, 9, dt.date(2024, 10, 12)),  # National Day: Oct 1–7 off, Saturday Oct 12 is a make-up day
        (2024, 1, dt.date(2024, 2, 6)),  # Feb 1, 2, 5, 6 … (Feb 4 is a working Sunday)
        (2024, 4, dt.date(2024, 5, 10)),  # May Day: May 1–5 off, then May 6–10
    ],
)
def test_deadline_is_the_fifth_working_day_of_the_next_month(year, month, deadline) -> None:
    assert services.period_deadline(year, month) == deadline


def test_deadline_workday_is_configurable(settings) -> None:
    settings.XF_REPORT_DEADLINE_WORKDAY = 3
    assert services.period_deadline(2024, 11) == dt.date(2024, 12, 4)


def test_dispatcher_opens_a_month_once_and_units_are_told(dispatcher, clerk_a, reviewer_a, entries_a) -> None:
    period = services.period_open(actor=dispatcher, year=2024, month=11, note="请重点填报开工情况")
    assert (period.key, period.deadline, period.status) == (
        "2024-11",
        dt.date(2024, 12, 6),
        PeriodStatus.OPEN,
    )
    assert ChangeRecord.objects.filter(object_type="dispatch.ReportingPeriod", action="create").count() == 1
    # The unit's clerk (not the reviewer) is told to fill it in.
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["bob"]
    with pytest.raises(ValidationError, match="已开启"):
        services.period_open(actor=dispatcher, year=2024, month=11)


def test_refuses_future_months_years_without_programme_and_non_dispatchers(
    dispatcher, clerk_a, entries_a
) -> None:
    with pytest.raises(ValidationError, match="还没有到"):
        services.period_open(actor=dispatcher, year=2025, month=1)
    with pytest.raises(ValidationError, match="还没有重点项目计划"):
        services.period_open(actor=dispatcher, year=2023, month=12)
    with pytest.raises(ValidationError, match="月份"):
        services.period_open(actor=dispatcher, year=2024, month=13)
    with pytest.raises(PermissionDenied):
        services.period_open(actor=clerk_a, year=2024, month=10)
    assert not ReportingPeriod.objects.exists()


def test_close_and_reopen_with_a_reason(dispatcher, clerk_a, november) -> None:
    with pytest.raises(PermissionDenied):
        services.period_close(actor=clerk_a, period=november)
    closed = services.period_close(actor=dispatcher, period=november)
    assert closed.status == PeriodStatus.CLOSED and closed.closed_by == dispatcher
    with pytest.raises(ValidationError, match="已关闭"):
        services.period_close(actor=dispatcher, period=november)
    with pytest.raises(ValidationError, match="原因"):
        services.period_reopen(actor=dispatcher, period=november, reason=" ")
    reopened = services.period_reopen(actor=dispatcher, period=november, reason="补报")
    assert reopened.is_open and reopened.closed_at is None
    assert ChangeRecord.objects.filter(object_type="dispatch.ReportingPeriod", reason="补报").exists()


def test_who_sees_periods(dispatcher, clerk_a, leader_user, admin_user, auditor, november) -> None:
    for user in [dispatcher, clerk_a, leader_user]:
        assert list(ReportingPeriod.objects.restrict(user, "view")) == [november]
    for user in [admin_user, auditor]:
        assert not ReportingPeriod.objects.restrict(user, "view").exists()
    assert not ReportingPeriod.objects.restrict(clerk_a, "change").exists()


def test_messages_follow_the_reader_and_notifications_the_site(dispatcher, clerk_a, entries_a) -> None:
    """English needs the catalogue's entries for these messages."""
    with translation.override("en"):
        services.period_open(actor=dispatcher, year=2024, month=11)
        with pytest.raises(ValidationError) as info:
            services.period_open(actor=dispatcher, year=2024, month=11)
        assert info.value.messages == ["The dispatch period 11/2024 is already open"]
        with pytest.raises(ValidationError) as info:
            services.period_open(actor=dispatcher, year=2024, month=13)
        assert info.value.messages == ["The month must be 1–12; got 13"]
    # Stored and read by the units: written in the site's language, whoever opened the month.
    notice = Notification.objects.get()
    assert notice.title == "2024年11月月度调度已开启，截止 12月06日"
    assert notice.body == "请于 2024年12月06日前报送2024年11月重点项目月度调度情况。"


def test_an_english_site_writes_its_notifications_in_english(
    settings, dispatcher, clerk_a, entries_a
) -> None:
    """Needs the catalogue's English entries."""
    settings.LANGUAGE_CODE = "en"
    services.period_open(actor=dispatcher, year=2024, month=11)
    notice = Notification.objects.get()
    assert notice.title == "Monthly dispatch for 11/2024 is open; deadline Dec 6"
    assert notice.body == "Please report the key projects' monthly dispatch for 11/2024 by Dec 6, 2024."
