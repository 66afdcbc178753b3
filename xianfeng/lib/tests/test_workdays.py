"""Working days against 2024's official calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from xianfeng.lib.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 10, 1), False),  # National Day
        (D(2024, 10, 4), False),  # a Friday inside the National Day holiday
        (D(2024, 10, 7), False),  # last day of the holiday (a Monday)
        (D(2024, 10, 8), True),
        (D(2024, 9, 29), True),  # make-up working Sunday
        (D(2024, 10, 12), True),  # make-up working Saturday
        (D(2024, 10, 13), False),  # an ordinary Sunday
        (D(2024, 2, 12), False),  # Spring Festival
        (D(2024, 2, 4), True),  # make-up working Sunday before Spring Festival
        (D(2024, 12, 6), True),  # an ordinary Friday
        (D(2024, 12, 7), False),  # an ordinary Saturday
    ],
)
def test_is_working_day_follows_the_2024_calendar(day: dt.date, expected: bool) -> None:
    assert is_working_day(day) is expected


def test_add_working_days_skips_national_day_and_counts_make_up_days() -> None:
    # From Friday 27 September: Sun 29 Sep and Mon 30 Sep work, 1–7 Oct are off, 8 Oct works.
    assert add_working_days(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert add_working_days(D(2024, 9, 27), 2) == D(2024, 9, 30)
    assert add_working_days(D(2024, 9, 27), 3) == D(2024, 10, 8)
    # 8,9,10,11 Oct then the make-up Saturday 12 Oct.
    assert add_working_days(D(2024, 9, 27), 7) == D(2024, 10, 12)
    assert add_working_days(D(2024, 9, 27), 8) == D(2024, 10, 14)


def test_ten_working_days_from_the_demo_today() -> None:
    # Friday 6 December 2024: two ordinary weeks, no holiday.
    assert add_working_days(D(2024, 12, 6), 10) == D(2024, 12, 20)


def test_zero_days_rolls_a_holiday_forward_and_negative_days_count_back() -> None:
    assert add_working_days(D(2024, 10, 3), 0) == D(2024, 10, 8)
    assert add_working_days(D(2024, 12, 6), 0) == D(2024, 12, 6)
    assert add_working_days(D(2024, 10, 8), -1) == D(2024, 9, 30)


def test_working_days_between_is_the_inverse() -> None:
    assert working_days_between(D(2024, 9, 27), D(2024, 10, 14)) == 8
    assert working_days_between(D(2024, 10, 14), D(2024, 9, 27)) == -8
    assert working_days_between(D(2024, 10, 1), D(2024, 10, 7)) == 0
    assert working_days_between(D(2024, 12, 6), D(2024, 12, 6)) == 0
    for n in [1, 5, 10, 23]:
        start = D(2024, 9, 20)
        assert working_days_between(start, add_working_days(start, n)) == n


def test_a_year_without_an_official_schedule_falls_back_to_weekdays() -> None:
    # The package publishes schedules only up to a few years ahead.
    assert is_working_day(D(2031, 1, 6)) is True  # Monday
    assert is_working_day(D(2031, 1, 4)) is False  # Saturday
    assert add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)
