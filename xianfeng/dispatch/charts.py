"""Charts of the dispatch bulletin, rendered on the server as PNG with matplotlib.

Chinese labels use the font bundled in ``fonts/`` (Noto Sans SC, a GBK subset) loaded by file
path, so the charts look the same on any server whatever fonts it has. No pyplot: each chart is
its own ``Figure`` drawn by the Agg canvas (no global state, safe in threads).
"""

from __future__ import annotations

import functools
import io
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

if TYPE_CHECKING:
    from xianfeng.dispatch.statistics import PeriodStatistics

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular-subset.ttf"
DPI = 150
WIDTH_IN = 6.3  # 16 cm: the text width of an A4 page with 2.5 cm margins
# Colours of the product (app.css): navy for figures, amber for the time progress, grey for plan.
NAVY = "#1f4e79"
TEAL = "#2a9d8f"
AMBER = "#e76f51"
GREY = "#b8c4d0"
MAX_UNITS = 30


@functools.cache
def font_family() -> str:
    """Register the bundled font with matplotlib (once per process) and return its family name."""
    font_manager.fontManager.addfont(str(FONT_PATH))
    return font_manager.FontProperties(fname=str(FONT_PATH)).get_name()


def _figure(height_in: float, *, left_in: float = 0.6, legend: bool = False) -> Figure:
    """A figure with fixed margins (in inches; cheaper than a layout engine and just as tidy here)."""
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        left=left_in / WIDTH_IN,
        right=1 - 0.25 / WIDTH_IN,
        top=1 - (0.55 if legend else 0.4) / height_in,
        bottom=0.4 / height_in,
    )
    return figure


def _style(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.tick_params(labelsize=8)  # type: ignore[attr-defined]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # Light compression: the image is small anyway, and zlib at its default level is the slow part.
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _rc() -> dict[str, object]:
    return {"font.family": [font_family()], "axes.unicode_minus": False, "font.size": 9}


def _percent(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def completion_by_category(stats: PeriodStatistics) -> bytes:
    """Investment completion rate by category (and overall) against the time progress."""
    import matplotlib

    rows = [r for r in stats.by_category if r.count] + [stats.total]
    labels = [("全部项目" if r is stats.total else r.label) for r in rows]
    rates = [_percent(r.completion_rate) for r in rows]
    with matplotlib.rc_context(_rc()):
        figure = _figure(2.8)
        ax = figure.add_subplot()
        colours = [NAVY] * (len(rows) - 1) + [TEAL]
        bars = ax.bar(labels, rates, color=colours, width=0.55)
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in rates], fontsize=8, padding=2)
        tp = float(stats.time_progress)
        ax.axhline(tp, color=AMBER, linestyle="--", linewidth=1.2)
        ax.text(-0.45, tp, f"时间进度 {tp:.1f}%", color=AMBER, fontsize=8, ha="left", va="bottom")
        ax.set_ylim(0, max([*rates, tp, 10.0]) * 1.18)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.set_ylabel("年度投资完成率", fontsize=8)
        ax.set_title(f"分类别投资完成率（截至{stats.period.month}月底）", fontsize=10)
        _style(ax)
        return _png(figure)


def completion_by_unit(stats: PeriodStatistics) -> bytes:
    """Each unit's completion rate, lowest at the top, against the time progress."""
    import matplotlib

    rows = [r for r in stats.by_unit if r.planned_investment]
    rows.sort(key=lambda r: (_percent(r.completion_rate), r.label))
    title = f"分责任单位投资完成率（截至{stats.period.month}月底）"
    if len(rows) > MAX_UNITS:
        rows = rows[:MAX_UNITS]
        title = f"完成率最低的 {MAX_UNITS} 个责任单位（截至{stats.period.month}月底）"
    rows.reverse()  # barh draws bottom-up: the lowest ends at the top
    labels = [r.label for r in rows]
    rates = [_percent(r.completion_rate) for r in rows]
    tp = float(stats.time_progress)
    with matplotlib.rc_context(_rc()):
        longest = max((len(label) for label in labels), default=4)
        figure = _figure(max(2.2, 0.22 * len(rows) + 0.9), left_in=0.25 + longest * 7 / 72 * 1.05)
        ax = figure.add_subplot()
        colours = [NAVY if v >= tp else AMBER for v in rates]
        bars = ax.barh(labels, rates, color=colours, height=0.6)
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in rates], fontsize=7, padding=2)
        ax.axvline(tp, color=AMBER, linestyle="--", linewidth=1.2)
        ax.text(tp, len(rows) - 0.4, f" 时间进度 {tp:.1f}%", color=AMBER, fontsize=8, va="bottom")
        ax.set_xlim(0, max([*rates, tp, 10.0]) * 1.15)
        ax.set_ylim(-0.6, len(rows) + 0.2)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(title, fontsize=10)
        _style(ax)
        return _png(figure)


def new_starts_by_level(stats: PeriodStatistics) -> bytes:
    """New starts by level: all, due to start by the month, started."""
    import matplotlib
    import numpy as np

    rows = [*stats.by_level, stats.total]
    labels = [("合计" if r is stats.total else r.label) for r in rows]
    series = [
        ("新开工项目", [r.new_starts for r in rows], GREY),
        (f"计划{stats.period.month}月底前开工", [r.due_to_start for r in rows], NAVY),
        ("已开工（应开工中）", [r.started_due for r in rows], TEAL),
    ]
    with matplotlib.rc_context(_rc()):
        figure = _figure(2.8, legend=True)
        ax = figure.add_subplot()
        x = np.arange(len(rows))
        width = 0.26
        for i, (name, values, colour) in enumerate(series):
            bars = ax.bar(x + (i - 1) * width, values, width, label=name, color=colour)
            ax.bar_label(bars, fontsize=7, padding=1)
        ax.set_xticks(x, labels)
        top = max([v for _, values, _ in series for v in values] + [1])
        ax.set_ylim(0, top * 1.2)
        ax.set_ylabel("项目数（个）", fontsize=8)
        ax.legend(fontsize=7, frameon=False, loc="upper left", ncols=3)
        ax.set_title(f"新开工项目开工情况（截至{stats.period.month}月底）", fontsize=10)
        _style(ax)
        return _png(figure)


def bulletin_charts(stats: PeriodStatistics) -> dict[str, bytes]:
    """The bulletin's charts by name, as PNG."""
    return {
        "category": completion_by_category(stats),
        "unit": completion_by_unit(stats),
        "new_starts": new_starts_by_level(stats),
    }
