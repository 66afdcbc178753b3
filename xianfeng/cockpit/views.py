"""The cockpit page and the wall display: thin views over :func:`selectors.cockpit_data`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from xianfeng.cockpit import selectors
from xianfeng.dispatch.statistics import statistics_periods

# The wall display's timings (seconds), overridable in its address: ?refresh=60&rotate=15.
REFRESH_DEFAULT, REFRESH_RANGE = 60, (10, 3600)
ROTATE_DEFAULT, ROTATE_RANGE = 15, (5, 600)


def chart_labels() -> dict[str, str]:
    """The words the charts draw (translated here, so the scripts carry no language of their own)."""
    return {
        "planned": _("计划累计"),
        "actual": _("实际累计"),
        "forecast": _("预测"),
        "time_progress": _("时间进度"),
        "rate": _("完成率"),
        "projects": _("项目数"),
        "planned_investment": _("年度计划"),
        "invested": _("已完成"),
        "yi": _("亿元"),
        "unit_count": _("个"),
        "month": _("月"),
        "no_link": _("该分组无法在项目库中筛选"),
        "total": _("总投资"),
        # the wall display's sentences ({name} is filled in by the script)
        "as_of": _("数据截至 {day} · 时间进度 {tp}"),
        "title": _("{district}重点项目驾驶舱"),
        "projects_note": _("总投资 {v} 亿元"),
        "plan_note": _("年度计划 {v} 亿元"),
        "behind_note": _("时间进度 {tp}，落后 {gap} 个百分点"),
        "ahead_note": _("时间进度 {tp}，超前 {gap} 个百分点"),
        "tp_note": _("时间进度 {tp}"),
        "start_note": _("应开工 {due} 个，已开工 {started} 个"),
        "targets_value": _("{met}/{n} 已完成"),
        "targets_note": _("{n} 项存在风险或未完成"),
        "problems_note": _("红灯 · 黄灯 / 问题；逾期 {n} 个"),
        "red_title": _("红灯 {n} 个"),
        "yellow_title": _("黄灯 {n} 个"),
        "forecast_note": _("年末投资预测 {v} 亿元，为年度计划的 {r}"),
        "backtest_note": _("历史回测平均误差 {e}"),
        "no_forecast": _("年末投资预测暂缺"),
        "target_line": _("当前 {c} / 目标 {v} {u}（{p}，应达 {e}）"),
        "overdue_line": _("{d} 到期，逾期 {n} 个工作日"),
        "type": _("类型"),
        "open": _("未销号"),
        "overdue": _("逾期"),
        "none": _("无"),
        "missing": _("数据暂缺"),
        "paused": _("已暂停"),
        "more": _("另有 {n} 个"),
    }


def _seconds(request: HttpRequest, name: str, default: int, bounds: tuple[int, int]) -> int:
    raw = (request.GET.get(name) or "").strip()
    if not raw.isdigit():
        return default
    return max(bounds[0], min(bounds[1], int(raw)))


@require_safe
@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    """The leaders' cockpit for a period (``?period=YYYY-MM``; default the latest ended month)."""
    selectors.require_cockpit(request.user)
    periods = statistics_periods(user=request.user)
    if not periods:
        return render(request, "cockpit/no_period.html")
    period, periods = selectors.cockpit_period(
        user=request.user, key=request.GET.get("period"), periods=periods
    )
    data = selectors.cockpit_data(user=request.user, period=period, periods=periods)
    return render(
        request,
        "cockpit/cockpit.html",
        {
            "data": data,
            "period": period,
            "periods": periods,
            "feed": data.as_dict(),
            "labels": chart_labels(),
        },
    )


@require_safe
@login_required
def wall(request: HttpRequest) -> HttpResponse:
    """The wall display (大屏): a dark full-screen page that fetches the cockpit's JSON itself."""
    selectors.require_cockpit(request.user)
    return render(
        request,
        "cockpit/wall.html",
        {
            "period_key": (request.GET.get("period") or "").strip()[:7],
            "refresh": _seconds(request, "refresh", REFRESH_DEFAULT, REFRESH_RANGE),
            "rotate": _seconds(request, "rotate", ROTATE_DEFAULT, ROTATE_RANGE),
            # A pinned "today" (the demo's) is the date the wall shows; otherwise the screen's own.
            "pinned_today": settings.XF_TODAY,
            "labels": chart_labels(),
        },
    )
