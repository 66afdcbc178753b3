"""The demo: signals and forecasts for January–November 2024 after the demo loads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count

from xianfeng.demo.generator import load_demo
from xianfeng.dispatch.models import ReportingPeriod
from xianfeng.targets import selectors
from xianfeng.targets.forecasts import mean_absolute_error
from xianfeng.targets.models import ForecastBacktest, ProjectSignal
from xianfeng.targets.tasks import load_demo_warnings

EXTRAS = ("xianfeng.dispatch.demo.load_demo_dispatch", "xianfeng.targets.tasks.load_demo_warnings")


@pytest.mark.django_db
def test_demo_has_a_history_of_signals_and_a_backtested_forecast() -> None:
    load_demo(extras=EXTRAS)
    per_period = dict(
        ProjectSignal.objects.values_list("period__month")
        .annotate(n=Count("id"))
        .values_list("period__month", "n")
    )
    assert per_period == {m: 315 for m in range(1, 12)}
    assert load_demo_warnings(year=2024) == 0  # loaded once
    from xianfeng.org.models import User

    leader = User.objects.get(username="leader")
    november = ReportingPeriod.objects.get(year=2024, month=11)
    summary = selectors.warning_summary(user=leader, period=november)
    assert summary.red + summary.yellow + summary.green == 315
    assert summary.red > 0 and summary.yellow > 0 and summary.changed > 0
    for row in summary.red_rows:
        assert row.reasons  # every warning says why
    forecast = selectors.investment_forecast(user=leader, year=2024, month=11)
    tests = ForecastBacktest.objects.filter(year=2024, target_month=11, unit__isnull=True)
    assert sorted(tests.values_list("made_month", flat=True)) == list(range(1, 11))
    assert forecast.mean_absolute_error == mean_absolute_error([t.error_percent for t in tests])
    assert forecast.annual_plan > forecast.completed > Decimal(0)
    assert forecast.completed <= forecast.year_end
