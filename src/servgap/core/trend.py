"""Satisfaction metrics per period with Shewhart control limits.

Written by hand: the control-chart packages on PyPI (e.g. pyspc) are unmaintained
and plot-oriented; the formulas are short. Per-period sufficient statistics (n, Σy,
Σy²) are gathered with one ``np.bincount`` per statistic, then limits are finished
in numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core._stats import FloatArray
from servgap.core.errors import InputError, InsufficientDataError, ProblemCollector, SpecError
from servgap.core.satisfaction import scores_to_array
from servgap.core.suffstats import Moments, ValueHistogram, moments

__all__ = ["TrendResult", "trend"]

Chart = Literal["p", "xbar", "nps"]
_METRICS = ("nps", "top_box", "mean", "share")


@dataclass(frozen=True)
class TrendResult(ResultMixin):
    """Per-period values with control limits.

    Attributes
    ----------
    table
        One row per period: ``period, n, value, centre, lcl, ucl, flag`` (True when the
        value is outside the limits) and ``side`` ("above" / "below" / "").
    chart
        "p" (shares, 0–1), "nps" (NPS points, −100..100) or "xbar" (means).
    metric
        Metric name (or "custom" for a callable).
    sigma
        Width of the limits in standard errors (3 by default).
    centre
        Centre line (pooled over all periods).
    sigma_within
        Pooled within-period standard deviation of one response (x-bar chart) or
        √(p̄(1−p̄)) for the p-chart, √(p_P + p_D − (p_P − p_D)²)·100 for NPS.
    """

    table: pd.DataFrame
    chart: str
    metric: str
    sigma: float
    centre: float
    sigma_within: float

    def to_frame(self) -> pd.DataFrame:
        """The per-period table."""
        return self.table


def trend(
    data: pd.DataFrame,
    *,
    period: str,
    metric: str | Callable[[pd.DataFrame], pd.Series | npt.NDArray[np.float64]],
    value: str | None = None,
    chart: Chart | None = None,
    sigma: float = 3.0,
    scale: tuple[int, int] = (1, 5),
    top_box: int = 2,
    engine: str = "memory",
) -> TrendResult:
    """A metric per period with Shewhart control limits, flagging out-of-control periods.

    Parameters
    ----------
    data
        One row per response.
    period
        Column holding the period label (e.g. "2026Q1"); periods are sorted.
    metric
        ``"nps"`` (``value`` = 0–10 answers; NPS chart), ``"top_box"`` (``value`` =
        answers on ``scale``; p-chart of the top-box share), ``"share"`` (``value`` =
        0/1 indicator such as "below the zone"; p-chart) or ``"mean"`` (``value`` =
        numeric, e.g. a respondent's gap or MSA; x-bar chart). Or a callable that takes
        ``data`` and returns one number per row (NaN = missing), with ``chart`` "p"
        (0/1 values) or "xbar".
    value
        Column used by a named metric.
    chart
        Required with a callable metric; otherwise implied by the metric.
    sigma
        Limit width in standard errors.
    scale, top_box
        For ``"top_box"``: answer scale and number of top boxes.
    engine
        ``"memory"`` (``data`` a DataFrame) or another engine of :mod:`servgap.engines`
        (``"duckdb"``: ``data`` the path of a Parquet file or folder), which computes
        the (period, value) histogram of ``value`` itself
        (:func:`servgap.engines.histogram`); the per-period n, Σy and Σy² follow from it.
        Named metrics only (a callable needs the rows).

    Returns
    -------
    TrendResult

    Notes
    -----
    Limits are trial (phase I) limits from all periods shown, with variable sample
    sizes n_i (Montgomery 2009, §7.2.2 and §6.3.2):

    * p-chart: p̄ = Σ k_i / Σ n_i, limits p̄ ± L·√(p̄(1−p̄)/n_i), clipped to [0, 1].
    * NPS chart: each response is +1 (promoter), 0, −1 (detractor); with the pooled
      shares, centre = 100(p̄_P − p̄_D) and limits centre ± L·100·√((p̄_P + p̄_D −
      (p̄_P − p̄_D)²)/n_i) (multinomial variance; Rocks 2016), clipped to ±100.
    * x-bar chart: x̿ = Σ n_i x̄_i / Σ n_i, σ̂ = pooled within-period standard deviation
      √(Σ (n_i − 1) s_i² / Σ (n_i − 1)), limits x̿ ± L·σ̂/√n_i. (The c4 bias correction is
      omitted: it is below 1 % for n_i ≥ 25, the usual survey period size.)

    Checked against Montgomery's Example 7.1 (orange-juice cans: p̄ = 0.2313,
    UCL = 0.4102, LCL = 0.0524, samples 15 and 23 out of control) and a plain pandas
    computation.

    References
    ----------
    Montgomery, D. C. (2009). *Introduction to Statistical Quality Control* (6th ed.).
    Wiley. Chapters 6–7.

    Rocks, B. (2016). Interval estimation for the "net promoter score". *The American
    Statistician*, 70(4), 365–372.
    """
    if not (isinstance(sigma, int | float) and sigma > 0):
        raise SpecError(
            f"sigma must be positive, got {sigma!r}.", f"sigma 必须为正数，收到 {sigma!r}。"
        )
    if engine != "memory":
        return _finish(
            *_engine_moments(
                engine, data, period=period, metric=metric, value=value, chart=chart,
                scale=scale, top_box=top_box,
            ),
            float(sigma),
        )  # fmt: skip
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            "data must be a pandas DataFrame (a Parquet path needs engine='duckdb').",
            "data 必须是 pandas DataFrame（Parquet 路径需要 engine='duckdb'）。",
        )
    if period not in data.columns:
        raise InputError(
            f"period column `{period}` is not in the data.",
            f"数据中没有期间列 `{period}`。",
        )
    if callable(metric):
        if chart not in ("p", "xbar"):
            raise SpecError(
                "with a callable metric give chart='p' (0/1 values) or chart='xbar'.",
                "自定义指标函数须指定 chart='p'（0/1 值）或 chart='xbar'。",
            )
        raw = metric(data)
        y = np.asarray(pd.Series(np.asarray(raw)).to_numpy(dtype=np.float64, na_value=np.nan))
        if len(y) != len(data):
            raise SpecError(
                f"the metric function returned {len(y)} values for {len(data)} rows.",
                f"指标函数返回了 {len(y)} 个值，但数据有 {len(data)} 行。",
            )
        name = "custom"
        kind: str = chart
        if kind == "p":
            _check_binary(y, "metric")
    else:
        if metric not in _METRICS:
            raise SpecError(
                f"unknown metric {metric!r}; use one of {', '.join(_METRICS)} or a function.",
                f"未知指标 {metric!r}；请使用 {', '.join(_METRICS)} 之一或自定义函数。",
            )
        if value is None or value not in data.columns:
            raise InputError(
                f"metric {metric!r} needs `value`, an existing column (got {value!r}).",
                f"指标 {metric!r} 需要 `value` 为已有列（收到 {value!r}）。",
            )
        name = metric
        col = data[value]
        kind = _kind(metric, chart)
        if metric == "nps":
            x = scores_to_array(col, low=0, high=10, integer=True, what="NPS answer")
            y = np.where(np.isnan(x), np.nan, _y_of(x, metric, scale, top_box))
        elif metric == "top_box":
            x = scores_to_array(col, low=scale[0], high=scale[1], integer=False, what="answer")
            y = np.where(np.isnan(x), np.nan, _y_of(x, metric, scale, top_box))
        elif metric == "share":
            y = scores_to_array(col, low=0, high=1, integer=True, what="indicator")
        else:
            y = scores_to_array(col, low=-np.inf, high=np.inf, integer=False, what="value")

    codes, labels = pd.factorize(data[period], sort=True, use_na_sentinel=True)
    ok = (codes >= 0) & ~np.isnan(y)
    if not ok.any():
        raise InsufficientDataError(
            "No responses with both a period and a value.",
            "没有同时具有期间和数值的答卷。",
        )
    c = codes[ok]
    yy = y[ok]
    # sufficient statistics per period: n, Σy, Σy² (they merge across chunks and engines)
    return _finish(moments(yy, c, list(labels)), kind, name, float(sigma))


def _kind(metric: str, chart: str | None) -> str:
    """The chart of a named metric (``chart``, if given, must agree)."""
    kind = {"nps": "nps", "top_box": "p", "share": "p", "mean": "xbar"}[metric]
    if chart is not None and chart != kind:
        raise SpecError(
            f"metric {metric!r} uses a {kind} chart, not {chart!r}.",
            f"指标 {metric!r} 使用 {kind} 控制图，而不是 {chart!r}。",
        )
    return kind


def _y_of(x: FloatArray, metric: str, scale: tuple[int, int], top_box: int) -> FloatArray:
    """Each answer's contribution y: +1/0/−1 (NPS), 0/1 (top box), the answer otherwise."""
    if metric == "nps":
        return np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))
    if metric == "top_box":
        return (x >= scale[1] - top_box + 1).astype(np.float64)
    return np.asarray(x, dtype=np.float64)


def _engine_moments(
    engine: str,
    data: object,
    *,
    period: str,
    metric: object,
    value: str | None,
    chart: str | None,
    scale: tuple[int, int],
    top_box: int,
) -> tuple[Moments, str, str]:
    """Per-period n, Σy, Σy² from the (period, value) histogram another engine computed."""
    from servgap.engines import check_engine, histogram

    check_engine(engine)
    if not isinstance(metric, str):
        raise SpecError(
            f"engine={engine!r} computes named metrics only ({', '.join(_METRICS)}); a "
            "function of the rows needs engine='memory'.",
            f"engine={engine!r} 只支持内置指标（{', '.join(_METRICS)}）；自定义函数需要 "
            "engine='memory'。",
        )
    if metric not in _METRICS:
        raise SpecError(
            f"unknown metric {metric!r}; use one of {', '.join(_METRICS)} or a function.",
            f"未知指标 {metric!r}；请使用 {', '.join(_METRICS)} 之一或自定义函数。",
        )
    if not isinstance(value, str):
        raise InputError(
            f"metric {metric!r} needs `value`, an existing column (got {value!r}).",
            f"指标 {metric!r} 需要 `value` 为已有列（收到 {value!r}）。",
        )
    kind = _kind(metric, chart)
    low, high, integer, what = {
        "nps": (0.0, 10.0, True, "NPS answer"),
        "top_box": (float(scale[0]), float(scale[1]), False, "answer"),
        "share": (0.0, 1.0, True, "indicator"),
        "mean": (None, None, False, "value"),
    }[metric]
    hist, _ = histogram(engine, data, value, period, low=low, high=high, integer=integer, what=what)
    y = _y_of(hist.values, metric, scale, top_box)
    cnt = hist.counts.astype(np.float64)
    mom = Moments(groups=hist.groups, n=cnt.sum(axis=1), total=cnt @ y, sumsq=cnt @ (y * y))
    return mom, kind, metric


def trend_from_histogram(
    hist: ValueHistogram, *, metric: str, sigma: float = 3.0, positive_share: bool = False
) -> TrendResult:
    """:func:`trend` from a (period, value) histogram gathered elsewhere (an engine's pass).

    ``hist`` has one group per period (in the order to show) and the answer values;
    ``metric`` is ``"nps"`` (0–10 answers), ``"mean"`` (x-bar chart of the values) or
    ``"share"`` (p-chart of 0/1 values; with ``positive_share`` the share of values
    above 0, e.g. respondents with at least one item below their zone). The same
    moments and limits as :func:`trend` on the rows (Montgomery 2009, §6.3.2, §7.2.2).
    """
    if metric not in ("nps", "mean", "share"):
        raise SpecError(
            f"unknown metric {metric!r}; use nps, mean or share.",
            f"未知指标 {metric!r}；请使用 nps、mean 或 share。",
        )
    x = np.asarray(hist.values, dtype=np.float64)
    y = (x > 0).astype(np.float64) if positive_share else _y_of(x, metric, (1, 5), 2)
    cnt = hist.counts.astype(np.float64)
    mom = Moments(groups=hist.groups, n=cnt.sum(axis=1), total=cnt @ y, sumsq=cnt @ (y * y))
    return _finish(mom, _kind(metric, None), metric, float(sigma))


def _finish(mom: Moments, kind: str, name: str, sigma: float) -> TrendResult:
    """Values and control limits per period from the per-period moments."""
    if not bool((mom.n > 0).any()):
        raise InsufficientDataError(
            "No responses with both a period and a value.",
            "没有同时具有期间和数值的答卷。",
        )
    n, s = mom.n, mom.total
    keep = n > 0
    n, s = n[keep], s[keep]
    lab = np.asarray(mom.groups)[keep]
    if kind == "xbar":
        ss = mom.sumsq[keep]
        val = s / n
        centre = float(s.sum() / n.sum())
        within = np.maximum(ss - s * val, 0.0)
        dof = float((n - 1).sum())
        if dof <= 0:
            raise InsufficientDataError(
                "The x-bar chart needs a period with at least 2 responses.",
                "均值控制图至少需要一个期间有 2 份以上答卷。",
            )
        sd = float(np.sqrt(within.sum() / dof))
        half = sigma * sd / np.sqrt(n)
        lcl, ucl = centre - half, centre + half
        out_val = val
    elif kind == "p":
        val = s / n
        centre = float(s.sum() / n.sum())
        sd = float(np.sqrt(centre * (1 - centre)))
        half = sigma * sd / np.sqrt(n)
        lcl, ucl = np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)
        out_val = val
    else:  # nps
        # y is +1 / 0 / −1: Σy and Σy² give promoters and detractors per period
        pro = ((mom.sumsq + mom.total) / 2.0)[keep]
        det = ((mom.sumsq - mom.total) / 2.0)[keep]
        pp, pd_ = pro.sum() / n.sum(), det.sum() / n.sum()
        centre = float(100 * (pp - pd_))
        sd = float(100 * np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0)))
        half = sigma * sd / np.sqrt(n)
        lcl, ucl = np.maximum(centre - half, -100.0), np.minimum(centre + half, 100.0)
        out_val = 100 * (pro - det) / n
    above = out_val > ucl
    below = out_val < lcl
    table = pd.DataFrame(
        {
            "period": lab,
            "n": n.astype(np.int64),
            "value": out_val,
            "centre": np.full(len(n), centre),
            "lcl": np.broadcast_to(lcl, n.shape).astype(np.float64),
            "ucl": np.broadcast_to(ucl, n.shape).astype(np.float64),
            "flag": above | below,
            "side": np.where(above, "above", np.where(below, "below", "")),
        }
    )
    return TrendResult(
        table=table, chart=kind, metric=name, sigma=float(sigma), centre=centre, sigma_within=sd
    )


def _check_binary(y: FloatArray, what: str) -> None:
    bad = np.flatnonzero(~np.isnan(y) & (y != 0) & (y != 1))
    if len(bad):
        pc = ProblemCollector()
        for b in bad:
            pc.add(
                f"{what} value {y[b]!r} is not 0 or 1 (a p-chart needs indicators).",
                f"{what} 的值 {y[b]!r} 不是 0 或 1（p 控制图需要 0/1 指示值）。",
                row=int(b) + 1,
                value=float(y[b]),
            )
        pc.raise_if_any(InputError, f"{len(bad)} non-binary value(s).", f"{len(bad)} 个非 0/1 值。")
