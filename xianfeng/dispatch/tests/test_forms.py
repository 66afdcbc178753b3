"""The report form as the browser gets it."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from xianfeng.dispatch.forms import ReportForm


def test_the_date_input_gets_an_iso_date_in_either_language() -> None:
    # A <input type="date"> shows nothing for 2024/07/08; it needs 2024-07-08.
    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = str(ReportForm(initial={"stage_date": dt.date(2024, 7, 8)})["stage_date"])
        assert 'type="date"' in html and 'value="2024-07-08"' in html
