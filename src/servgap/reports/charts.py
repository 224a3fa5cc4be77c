"""Capacity charts: forecast demand vs capacity and the staff-requirement curve.

matplotlib with the Agg canvas (``FigureCanvasAgg``; no display needed). Every text uses the Noto
Sans SC font shipped by the PyPI package ``pylopdf_fonts_zh_cn``, registered
with ``matplotlib.font_manager.fontManager.addfont``, so Chinese titles and
labels render without missing glyphs on any machine. Styles are applied inside
``matplotlib.rc_context`` and the figure is a plain ``Figure`` with an Agg
canvas, so no global pyplot state is left behind.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from servgap.services.files import write_bytes

Lang = Literal["en", "zh"]

_LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Demand vs capacity", "zh": "需求与产能对比"},
    "time": {"en": "Interval start", "zh": "时段开始时间"},
    "calls": {"en": "Contacts per interval", "zh": "每时段来电/到达量"},
    "agents": {"en": "Agents", "zh": "坐席/柜员人数"},
    "forecast": {"en": "Forecast (statistical)", "zh": "预测（统计模型）"},
    "adjusted": {"en": "Forecast with expert adjustments", "zh": "预测（含专家调整）"},
    "actual": {"en": "Arrivals", "zh": "实际到达量"},
    "capacity": {"en": "Capacity (planned agents)", "zh": "产能（计划人数）"},
    "required": {"en": "Required agents", "zh": "所需人数"},
    "below": {"en": "Capacity below demand", "zh": "产能低于需求"},
}


@lru_cache(maxsize=1)
def chart_font() -> str:
    """Register Noto Sans SC with matplotlib once; return its family name."""
    import pylopdf_fonts_zh_cn

    path = str(pylopdf_fonts_zh_cn.sans_path())
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def label(key: str, lang: Lang) -> str:
    """Bilingual chart label."""
    return _LABELS[key]["zh" if lang == "zh" else "en"]


def _arr(
    values: Sequence[float] | np.ndarray[Any, Any] | pd.Series | None,
) -> np.ndarray[Any, Any] | None:
    return None if values is None else np.asarray(values, dtype=np.float64)


def demand_capacity_chart(
    interval_start: Sequence[Any] | pd.Series,
    calls: Sequence[float] | np.ndarray[Any, Any] | pd.Series,
    path: Path | str,
    *,
    lang: Lang = "en",
    adjusted: Sequence[float] | np.ndarray[Any, Any] | pd.Series | None = None,
    capacity_agents: Sequence[float] | np.ndarray[Any, Any] | pd.Series | None = None,
    required_agents: Sequence[float] | np.ndarray[Any, Any] | pd.Series | None = None,
    calls_label: Literal["forecast", "actual"] = "forecast",
    title: str | None = None,
    dpi: int = 110,
    force: bool = True,
    protected: Sequence[Path] = (),
) -> Path:
    """Draw demand (and adjusted forecast) vs capacity and required agents; save a PNG.

    Left axis: contacts per interval (statistical forecast, forecast with expert
    adjustments). Right axis: planned agents (step line) and required agents
    (dashed step line); intervals where capacity is below the requirement are
    shaded. Returns the written path.
    """
    font = chart_font()
    x = pd.to_datetime(pd.Series(list(interval_start)))
    tz = x.dt.tz
    c = np.asarray(calls, dtype=np.float64)
    adj = _arr(adjusted)
    cap = _arr(capacity_agents)
    req = _arr(required_agents)
    out = Path(path)
    with matplotlib.rc_context(
        {"font.family": "sans-serif", "font.sans-serif": [font], "axes.unicode_minus": False}
    ):
        fig = Figure(figsize=(12, 5.6), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(x, c, color="#4c72b0", lw=1.2, zorder=3, label=label(calls_label, lang))
        if adj is not None and not np.allclose(adj, c):
            ax.plot(x, adj, color="#dd8452", lw=1.4, label=label("adjusted", lang))
        ax.set_ylabel(label("calls", lang))
        ax.set_xlabel(label("time", lang) + (f" ({tz})" if tz is not None else ""))
        handles, labels = ax.get_legend_handles_labels()
        if cap is not None or req is not None:
            ax2 = ax.twinx()
            if req is not None:
                ax2.step(x, req, where="post", color="#55a868", ls="--", lw=1.2,
                         label=label("required", lang))  # fmt: skip
            if cap is not None:
                ax2.step(x, cap, where="post", color="#c44e52", lw=1.4,
                         label=label("capacity", lang))  # fmt: skip
            if cap is not None and req is not None:
                ax2.fill_between(x, cap, req, where=cap < req, step="post", color="#c44e52",
                                 alpha=0.25, label=label("below", lang))  # fmt: skip
            ax2.set_ylabel(label("agents", lang))
            ax2.set_ylim(bottom=0)
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        ax.set_ylim(bottom=0)
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=8,
                  ncols=3, frameon=False)  # fmt: skip
        ax.set_title(title or label("title", lang))
        ax.grid(alpha=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    # through the one file writer: atomic, never over the store or a special file
    return write_bytes(out, buf.getvalue(), force=force, protected=protected)
