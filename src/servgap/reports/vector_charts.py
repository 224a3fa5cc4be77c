"""A :class:`~servgap.reports.chart_data.ChartSpec` drawn as an SVG, for the PDF.

matplotlib on a plain ``Figure`` with the Agg canvas inside ``rc_context`` (no
pyplot state), the Noto Sans SC font of :func:`servgap.reports.charts.chart_font`,
and ``svg.fonttype = "path"``: every glyph becomes a vector outline, so the
chart needs no font where it is shown and Chinese labels cannot fall back to
boxes. Typst places the SVG in the PDF as vector graphics.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from servgap.reports.chart_data import ChartSpec, format_value, label_every, text_units
from servgap.reports.charts import chart_font

#: Series colours (colour-blind safe, the Tableau 10 order) shared with the slides.
PALETTE: tuple[str, ...] = ("4C72B0", "DD8452", "55A868", "C44E52", "8172B3", "937860",
                            "DA8BC3", "8C8C8C", "CCB974", "64B5CD")  # fmt: skip
#: Zone of tolerance: adequate, desired, perceived.
ZONE_COLOURS: tuple[str, str, str] = ("C44E52", "55A868", "4C72B0")


def _floats(values: tuple[float | None, ...]) -> np.ndarray[Any, Any]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def chart_svg(spec: ChartSpec, *, width_cm: float = 16.0, height_cm: float = 7.5) -> bytes:
    """``spec`` as SVG bytes (see the module docstring)."""
    font = chart_font()
    rc: Any = {
        "font.family": "sans-serif",
        "font.sans-serif": [font],
        "font.size": 8,
        "axes.unicode_minus": True,
        "svg.fonttype": "path",
        "svg.hashsalt": "servgap",  # the same chart gives the same file
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    n_cat = len(spec.categories)
    if spec.kind == "barh":
        height_cm = max(height_cm, 1.6 + 0.55 * n_cat)
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(width_cm / 2.54, height_cm / 2.54))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        {"bar": _bar, "barh": _barh, "line": _line, "range": _range}[spec.kind](ax, spec, width_cm)
        fmt = spec.value_format
        axis = ax.xaxis if spec.kind == "barh" else ax.yaxis
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick(v, fmt)))
        if spec.value_axis:
            (ax.set_xlabel if spec.kind == "barh" else ax.set_ylabel)(spec.value_axis)
        ax.grid(axis="x" if spec.kind == "barh" else "y", alpha=0.3)
        ax.set_axisbelow(True)
        if len(spec.series) > 1 or spec.kind == "range":
            # above the plot: rotated category labels below it cannot run into the legend
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=4, frameon=False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _tick(v: float, fmt: str) -> str:
    if fmt == "percent":
        return f"{v:.0%}"
    if fmt == "integer":
        return f"{v:.0f}"
    return f"{v:g}"


def _rotate_if_long(ax: Any, labels: tuple[str, ...], width_cm: float) -> None:
    """Turn the category labels when they would not fit side by side."""
    if not labels:
        return
    per_label_pt = width_cm / 2.54 * 72 * 0.85 / len(labels)
    widest_pt = max(text_units(x) for x in labels) * 8.0
    if widest_pt > per_label_pt * 0.92:
        for lab in ax.get_xticklabels():
            lab.set_rotation(40)
            lab.set_horizontalalignment("right")


def _bar(ax: Any, spec: ChartSpec, width_cm: float) -> None:
    n_series = len(spec.series)
    x = np.arange(len(spec.categories))
    width = 0.8 / max(n_series, 1)
    for i, s in enumerate(spec.series):
        y = _floats(s.values)
        bars = ax.bar(x + (i - (n_series - 1) / 2) * width, y, width * 0.95, label=s.name,
                      color="#" + PALETTE[i % len(PALETTE)])  # fmt: skip
        if len(spec.categories) * n_series <= 24:
            ax.bar_label(bars, labels=[format_value(None if np.isnan(v) else float(v),
                                                    spec.value_format) for v in y],
                         fontsize=6.5, padding=1.5)  # fmt: skip
    ax.set_xticks(x, spec.categories)
    ax.axhline(0, color="#333333", lw=0.6)
    _rotate_if_long(ax, spec.categories, width_cm)
    ax.margins(y=0.12)


def _barh(ax: Any, spec: ChartSpec, width_cm: float) -> None:
    n_series = len(spec.series)
    y = np.arange(len(spec.categories))
    height = 0.8 / max(n_series, 1)
    for i, s in enumerate(spec.series):
        v = _floats(s.values)
        bars = ax.barh(y + (i - (n_series - 1) / 2) * height, v, height * 0.95, label=s.name,
                       color="#" + PALETTE[i % len(PALETTE)])  # fmt: skip
        ax.bar_label(bars, labels=[format_value(None if np.isnan(w) else float(w),
                                                spec.value_format) for w in v],
                     fontsize=6.5, padding=1.5)  # fmt: skip
    ax.set_yticks(y, spec.categories)
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.6)
    ax.margins(x=0.15)


def _line(ax: Any, spec: ChartSpec, width_cm: float) -> None:
    x = np.arange(len(spec.categories))
    many = len(spec.categories) > 24
    for i, s in enumerate(spec.series):
        ax.plot(x, _floats(s.values), label=s.name, color="#" + PALETTE[i % len(PALETTE)],
                marker=None if many else "o", ms=4, lw=1.2 if many else 1.6)  # fmt: skip
    if many:
        ticks = list(range(0, len(spec.categories), label_every(len(spec.categories))))
        ax.set_xticks(ticks, [spec.categories[k] for k in ticks])
    else:
        ax.set_xticks(x, spec.categories)
    _rotate_if_long(ax, spec.categories if not many else (), width_cm)


def _range(ax: Any, spec: ChartSpec, width_cm: float) -> None:
    """Adequate-to-desired band per category (the zone of tolerance), perceived level as a dot."""
    adequate, desired, perceived = (_floats(s.values) for s in spec.series[:3])
    x = np.arange(len(spec.categories))
    low, high = np.fmin(adequate, desired), np.fmax(adequate, desired)
    ax.bar(x, high - low, 0.55, bottom=low, color="#DDE4EE", edgecolor="#8EA0B8", lw=0.6,
           label=f"{spec.series[0].name} – {spec.series[1].name}")  # fmt: skip
    ax.scatter(x, adequate, marker="_", s=90, color="#" + ZONE_COLOURS[0], zorder=3,
               label=spec.series[0].name)  # fmt: skip
    ax.scatter(x, desired, marker="_", s=90, color="#" + ZONE_COLOURS[1], zorder=3,
               label=spec.series[1].name)  # fmt: skip
    ax.scatter(x, perceived, marker="o", s=18, color="#" + ZONE_COLOURS[2], zorder=4,
               label=spec.series[2].name)  # fmt: skip
    ax.set_xticks(x, spec.categories)
    ax.margins(y=0.12)
    _rotate_if_long(ax, spec.categories, width_cm)
