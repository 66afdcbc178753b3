"""What the apps above dispatch want to hear of: reports whose figures or status changed.

The dispatch app sits below ``targets`` (which recomputes the traffic lights and forecasts from the
reports) and never imports it; a higher app registers a callback from its ``AppConfig.ready()``.
The services call :func:`reports_changed` once per batch (a save, an import, a review) and per
period; the callbacks run after the transaction commits — a rolled-back save, a dry run or a
check that failed calls nothing — with the period and the sorted ids of the programme entries
whose reports were written. A callback should only enqueue work: it runs in the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

from xianfeng.dispatch.models import ReportingPeriod

logger = logging.getLogger(__name__)

ReportsChanged = Callable[[ReportingPeriod, list[int]], None]

_CALLBACKS: dict[str, ReportsChanged] = {}


def register_reports_changed(name: str, callback: ReportsChanged) -> None:
    """Register (or replace, on a second ``ready()``) the callback called ``name``."""
    _CALLBACKS[name] = callback


def reports_changed(*, period: ReportingPeriod, entry_ids: Iterable[int]) -> None:
    """Tell the registered callbacks, once the current transaction commits, that the reports of
    ``entry_ids`` in ``period`` changed. Outside a transaction they are called at once."""
    ids = sorted(set(entry_ids))
    if not ids or not _CALLBACKS:
        return
    callbacks = [_CALLBACKS[name] for name in sorted(_CALLBACKS)]

    def run() -> None:
        for callback in callbacks:
            # The reports are saved by now: a callback that fails (a queue that is down) is
            # logged, not shown to the user as a failed save; the daily recompute catches up.
            try:
                callback(period, ids)
            except Exception:
                logger.exception("reports_changed callback failed for %s", period)

    transaction.on_commit(run)
