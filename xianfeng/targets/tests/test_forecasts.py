"""Planned curves, SPI, the year-end forecast and the back-test against hand-computed figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.dispatch.models import MonthlyReport
from xianfeng.projects.choices import Kind
from xianfeng.targets import selectors
from xianfeng.targets.forecasts import (
    CurveSpec,
    curve_fraction,
    curve_save,
    forecast_value,
    forecasts_recompute,
    forecasts_refresh,
    planned_path,
    spi,
)
from xianfeng.targets.models import ForecastBacktest, ForecastPoint, PlanCurve, ProjectForecast
from xianfeng.targets.tests.test_warnings import fact
from xianfeng.targets.tests.w_world import make_entry, make_period, make_report

S8 = CurveSpec("s_curve", 8.0, 0.5)


def test_linear_and_s_curve_values() -> None:
    assert curve_fraction(CurveSpec(), 0.25) == 0.25
    # L(x) = 1/(1+e^(−8(x−0.5))): L(0.25) = 1/(1+e²) = 0.119203, L(0) = 0.017986, L(1) = 0.982014
    # F(0.25) = (0.119203 − 0.017986) / 0.964028 = 0.104994
    assert curve_fraction(S8, 0.25) == pytest.approx(0.104994, abs=1e-6)
    assert curve_fraction(S8, 0.5) == pytest.approx(0.5)
    assert (curve_fraction(S8, 0), curve_fraction(S8, 1)) == (0.0, 1.0)


def test_planned_path_linear_windowed_and_s() -> None:
    continuing = planned_path(fact(), CurveSpec())
    assert (continuing[3], continuing[6], continuing[12]) == (
        Decimal("300.00"),
        Decimal("600.00"),
        Decimal("1200.00"),
    )
    # a new start planned for April: the window is April–December (9 months); by June 3/9 of 1200
    new = planned_path(fact(kind=Kind.NEW_START, planned_start_month=4), CurveSpec())
    assert (new[3], new[6], new[12]) == (Decimal("0.00"), Decimal("400.00"), Decimal("1200.00"))
    # S-curve k=4: F(0.25) = (1/(1+e) − 1/(1+e²)) / (1/(1+e⁻²) − 1/(1+e²)) = 0.196612 → 235.93
    s = planned_path(fact(), CurveSpec("s_curve", 4.0, 0.5))
    assert s[3] == Decimal("235.93")


def test_spi_and_bounded_forecast() -> None:
    assert spi(Decimal(480), Decimal(600)) == Decimal("0.80")
    assert spi(Decimal(10), Decimal(0)) is None
    cap = Decimal(10000)
    # 480 + (1200 − 600) × 0.80 = 960
    args = {"planned_now": Decimal(600), "planned_then": Decimal(1200), "cap": cap}
    assert forecast_value(completed=Decimal(480), spi_value=Decimal("0.80"), **args) == Decimal("960.00")
    # SPI 0.30 is bounded to 0.5: 180 + 600 × 0.5 = 480
    assert forecast_value(completed=Decimal(180), spi_value=Decimal("0.30"), **args) == Decimal("480.00")
    # SPI 2.00 is bounded to 1.5: 1200 + 600 × 1.5 = 2100, but only 1500 of the project is left
    assert forecast_value(
        completed=Decimal(1200), spi_value=Decimal(2), **{**args, "cap": Decimal(1500)}
    ) == Decimal("1500.00")
    # no SPI yet (nothing planned so far): the plan as it stands
    assert forecast_value(
        completed=Decimal(0), spi_value=None, **{**args, "planned_now": Decimal(0)}
    ) == Decimal("1200.00")


@pytest.fixture
def history(unit_a, unit_b):  # type: ignore[no-untyped-def]
    """One continuing project of unit A, plan 1200, linear: year-to-date 50, 200, 330."""
    PlanCurve.objects.exclude(category="", kind="").delete()  # every type on the linear default
    periods = {m: make_period(m) for m in (1, 2, 3)}
    entry = make_entry(unit_a, name="回测项目", planned_investment=Decimal("1200.00"))
    for m, ytd in [(1, "50"), (2, "200"), (3, "330")]:
        make_report(entry, periods[m], ytd)
    return {"periods": periods, "entry": entry}


def test_forecast_and_backtest_on_a_tiny_history(history, dispatcher, clerk_a, clerk_b) -> None:  # type: ignore[no-untyped-def]
    period = history["periods"][3]
    result = forecasts_recompute(period=period)
    # March: planned to date 300, completed 330, SPI 1.10; year end 330 + 900 × 1.10 = 1320
    row = ProjectForecast.objects.get(period=period)
    assert (row.planned_to_date, row.completed, row.spi, row.year_end) == (
        Decimal("300.00"),
        Decimal("330.00"),
        Decimal("1.10"),
        Decimal("1320.00"),
    )
    # Back-test of March (actual 330): made in January, SPI 50/100 = 0.50 → 50 + 200 × 0.5 = 150,
    # error (150 − 330)/330 = −54.5 %; made in February, SPI 1.00 → 200 + 100 = 300, error −9.1 %.
    tests = list(ForecastBacktest.objects.filter(unit__isnull=True).order_by("made_month"))
    assert [(t.made_month, t.forecast, t.actual, t.error_percent) for t in tests] == [
        (1, Decimal("150.00"), Decimal("330.00"), Decimal("-54.5")),
        (2, Decimal("300.00"), Decimal("330.00"), Decimal("-9.1")),
    ]
    assert result.mean_absolute_error == Decimal("31.8")  # (54.5 + 9.1) / 2
    view = selectors.investment_forecast(user=dispatcher, year=2024, month=3)
    assert (view.annual_plan, view.planned_to_date, view.completed, view.spi, view.year_end) == (
        Decimal("1200.00"),
        Decimal("300.00"),
        Decimal("330.00"),
        Decimal("1.10"),
        Decimal("1320.00"),
    )
    assert view.year_end_percent == Decimal("110.0")
    assert view.mean_absolute_error == Decimal("31.8")
    assert [(p.month, p.planned, p.actual, p.forecast) for p in view.series[2:5]] == [
        (3, Decimal("300.00"), Decimal("330.00"), Decimal("330.00")),
        (4, Decimal("400.00"), None, Decimal("440.00")),  # 330 + 100 × 1.10
        (5, Decimal("500.00"), None, Decimal("550.00")),
    ]
    # a unit clerk gets their unit's figures; another unit's clerk gets none of these
    mine = selectors.investment_forecast(user=clerk_a, year=2024, month=3, unit_id=None)
    assert (mine.unit_id, mine.year_end, mine.mean_absolute_error) == (
        clerk_a.department_id,
        Decimal("1320.00"),
        Decimal("31.8"),
    )
    theirs = selectors.investment_forecast(user=clerk_b, year=2024, month=3)
    assert (theirs.computed, theirs.year_end, theirs.lowest_spi) == (False, Decimal(0), [])


def test_curve_by_project_type(history, dispatcher) -> None:  # type: ignore[no-untyped-def]
    curve_save(
        actor=dispatcher,
        category="",
        kind="continuing",
        shape="s_curve",
        steepness=Decimal(4),
        midpoint=Decimal("0.5"),
    )
    forecasts_recompute(period=history["periods"][3])
    assert ProjectForecast.objects.get().planned_to_date == Decimal("235.93")


def test_curve_save_refuses_bad_values_and_other_roles(dispatcher, clerk_a) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as error:
        curve_save(
            actor=dispatcher,
            category="x",
            kind="",
            shape="s_curve",
            steepness=Decimal(0),
            midpoint=Decimal(2),
        )
    assert error.value.messages == ["项目类别“x”不存在", "陡度 k 应在 0.1–50 之间", "中点 c 应在 0–1 之间"]
    with pytest.raises(PermissionDenied):
        curve_save(
            actor=clerk_a, category="", kind="", shape="linear", steepness=Decimal(8), midpoint=Decimal("0.5")
        )


# ---------------------------------------------------------------- refreshing some entries


def _forecast_rows() -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every stored forecast figure by its natural key, without row keys and times of computing."""

    def rows(model: Any, key: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {
            tuple(r[k] for k in key): {k: v for k, v in r.items() if k not in ("id", "computed_at")}
            for r in model.objects.values()
        }

    return {
        "projects": rows(ProjectForecast, ("period_id", "entry_id")),
        "points": rows(ForecastPoint, ("period_id", "unit_id", "month")),
        "backtest": rows(ForecastBacktest, ("year", "target_month", "unit_id", "made_month")),
    }


def test_a_refresh_writes_what_a_full_recompute_writes(unit_a, unit_b, dispatcher) -> None:  # type: ignore[no-untyped-def]
    """Projects of two units on the default curves; one of unit A changes, then another appears.
    Refreshed, the per-project rows of those entries, both units' and the district's curve and
    back-test equal a full recompute's; unit B's rows are not rewritten."""
    periods = {m: make_period(m) for m in (1, 2, 3)}
    a1 = make_entry(unit_a, name="甲一", planned_investment=Decimal("1200.00"))
    a2 = make_entry(
        unit_a, name="甲二", kind=Kind.NEW_START, planned_start_month=2, planned_investment=Decimal("900")
    )
    b1 = make_entry(
        unit_b, name="乙一", planned_investment=Decimal("2400.00"), total_investment=Decimal("2600")
    )
    for entry, figures in [(a1, ["50", "200", "330"]), (a2, ["0", "120"]), (b1, ["300", "500", "900"])]:
        for m, ytd in enumerate(figures, start=1):
            make_report(entry, periods[m], ytd)
    for m in (2, 3):
        forecasts_recompute(period=periods[m])
    unit_b_rows = set(ForecastPoint.objects.filter(unit=unit_b).values_list("pk", flat=True))
    # a1's March report is corrected upwards; a new project of unit A reports for the first time.
    MonthlyReport.objects.filter(entry=a1, period=periods[3]).update(invested_ytd=Decimal("480"))
    a3 = make_entry(unit_a, name="甲三", planned_investment=Decimal("600.00"))
    make_report(a3, periods[3], "90")
    before = _forecast_rows()
    for m in (2, 3):
        result = forecasts_refresh(period=periods[m], entry_ids=[a1.pk, a3.pk])
        assert result is not None and result.units == 1
    refreshed = _forecast_rows()
    assert refreshed != before
    assert set(ForecastPoint.objects.filter(unit=unit_b).values_list("pk", flat=True)) == unit_b_rows
    for m in (2, 3):
        forecasts_recompute(period=periods[m])
    full = _forecast_rows()
    assert refreshed == full
    view = selectors.investment_forecast(user=dispatcher, year=2024, month=3)
    assert view.completed == Decimal("1590.00")  # 480 + 120 + 900 + 90
