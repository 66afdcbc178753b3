"""Working days on China's official calendar (法定节假日 and 调休 make-up working days).

Deadlines in the programme are counted in working days: "10 个工作日" from an assignment skips
weekends and public holidays, and counts the make-up Saturdays and Sundays that the State Council
declares working days (2024-09-29 and 2024-10-12 around National Day, for instance).

``chinese-calendar`` carries the official schedule for the years the State Council has published.
For a year it does not know yet, Monday to Friday are working days — the best guess until the
package is updated, and never an error in the middle of someone's work.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=8192)  # the published calendar never changes; the package's lookup is slow
def is_working_day(day: dt.date) -> bool:
    """True on a working day: a weekday that is not a holiday, or a make-up working weekend day."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # A year the package has no schedule for (yet).
        return day.weekday() < 5


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The day ``n`` working days after ``start`` (``start`` itself is not counted).

    ``add_working_days(d, 0)`` is ``d`` if ``d`` is a working day, else the next working day.
    A negative ``n`` counts backwards.
    """
    if n == 0:
        day = start
        while not is_working_day(day):
            day += ONE_DAY
        return day
    step = ONE_DAY if n > 0 else -ONE_DAY
    remaining = abs(n)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` < ``start``).

    The inverse of :func:`add_working_days`: ``working_days_between(d, add_working_days(d, n)) == n``.
    """
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    day = start + ONE_DAY
    while day <= end:
        if is_working_day(day):
            count += 1
        day += ONE_DAY
    return sign * count
