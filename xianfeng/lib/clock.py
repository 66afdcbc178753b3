"""The one place that says what "today" is.

The demo pins it to 2024-12-06 (``XF_TODAY``), tests freeze it with :func:`frozen`, and
production follows the real clock. Nothing else may call ``date.today()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone

_override: dt.date | None = None


def today() -> dt.date:
    if _override is not None:
        return _override
    pinned = getattr(settings, "XF_TODAY", None)
    if pinned:
        return pinned
    return timezone.localdate()


def now() -> dt.datetime:
    """The current instant; on a pinned day, that day at the current wall-clock time."""
    real = timezone.localtime()
    day = today()
    if day == real.date():
        return real
    return real.replace(year=day.year, month=day.month, day=day.day)


@contextlib.contextmanager
def frozen(day: dt.date) -> Iterator[None]:
    """Freeze :func:`today` (tests only; not thread-safe by design)."""
    global _override
    previous = _override
    _override = day
    try:
        yield
    finally:
        _override = previous
