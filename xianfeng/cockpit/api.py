"""The cockpit's figures as JSON (the wall display reads this): ``GET /api/cockpit?period=YYYY-MM``.

The same dispatcher-and-leaders rule as the page: other roles get 403, no session or token 401,
an unknown period 404. Amounts are strings in 万元, percentages strings with one decimal place.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from xianfeng.cockpit import selectors
from xianfeng.projects.api import ERRORS

router = Router(tags=["领导驾驶舱"])


class CockpitOut(Schema):
    period: dict[str, Any] = Field(..., description="调度期 key（YYYY-MM）、年、月、名称")
    periods: list[dict[str, Any]] = Field(..., description="可选的调度期，新的在前")
    as_of: str = Field(..., description="数据截至日期（调度期月末）")
    scope_label: str
    time_progress: str = Field(..., description="时间进度（%）")
    headline: dict[str, Any] = Field(
        ..., description="项目数、总投资、年度计划投资、累计完成投资、完成率、开工率、目标、问题、红黄灯数"
    )
    funnel: list[dict[str, Any]] = Field(..., description="谋划/储备 → 新开工 → 续建/在建 → 竣工投产")
    curve: dict[str, Any] = Field(..., description="1–12月累计计划与实际完成投资、年末预测、回测误差")
    breakdowns: dict[str, list[dict[str, Any]]] = Field(
        ..., description="按类别、级别、单位、街道、产业链：项目数、计划、完成、完成率、颜色、下钻链接"
    )
    warnings: dict[str, Any] | None = Field(None, description="红黄灯清单及原因；尚无预警数据时为 null")
    targets: list[dict[str, Any]] | None = Field(
        None, description="目标任务、进度与预测；尚无目标数据时为 null"
    )
    problems: dict[str, Any] = Field(..., description="未销号问题：按类型、逾期清单")
    thresholds: dict[str, Any] = Field(
        ...,
        description="完成率着色阈值（即投资进度预警规则）：落后时间进度 yellow_points 个百分点起为黄，"
        "超过 red_points 为红；pace_rule_enabled 为 false 时规则已停用、按默认阈值；图例文字",
    )
    missing: list[str] = Field(..., description="暂缺的数据面板")


@router.get(
    "/cockpit",
    url_name="cockpit",
    response={200: CockpitOut, **ERRORS},
    summary="领导驾驶舱数据（某调度期；缺省为最近一个已结束月份）",
)
def cockpit(request: HttpRequest, period: str | None = None) -> dict[str, Any]:
    """Every figure of the cockpit page. Dispatcher and leaders only."""
    user = request.auth  # type: ignore[attr-defined]
    selectors.require_cockpit(user)
    found, periods = selectors.cockpit_period(user=user, key=period)
    return selectors.cockpit_data(user=user, period=found, periods=periods).as_dict()
