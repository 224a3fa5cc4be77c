"""Interval-demand forecasting through statsforecast, with backtests and expert adjustments.

All statistical models are statsforecast's (Nixtla, Apache-2.0): servgap does not
re-implement any of them. It adds what a capacity planner needs around them:

* input validation with row-level messages (negative or missing volumes, duplicate
  or missing intervals, naive timestamps, series too short for a model);
* rolling-origin backtests (statsforecast's ``cross_validation``) scored by MAE,
  RMSE, sMAPE and MASE per series and model, and the best model per series;
* prediction intervals where the model has them, and an explicit flag where it
  has not;
* qualitative expert adjustments (:class:`Adjustment`) recorded with author and
  reason and applied on top of the statistical forecast.

The accuracy measures are computed by hand with numpy (a few lines each) rather
than with ``utilsforecast.losses`` so that the per-window MASE scale, the 0/0
convention of sMAPE and the flag for an undefined MASE are under our control;
the tests check them against ``utilsforecast.losses`` (a differential test) and
against a hand-worked example.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas._libs.tslibs.offsets import BaseOffset, Tick
from pandas.tseries.frequencies import to_offset
from statsforecast import StatsForecast
from statsforecast.models import (
    ADIDA,
    MSTL,
    TSB,
    AutoETS,
    CrostonClassic,
    Holt,
    HoltWinters,
    SeasonalNaive,
    SeasonalWindowAverage,
    SimpleExponentialSmoothingOptimized,
    WindowAverage,
)

from servgap.core._result import ResultMixin
from servgap.core.errors import (
    ComputationError,
    InputError,
    InsufficientDataError,
    ProblemCollector,
    SpecError,
)

__all__ = [
    "DEFAULT_MODELS",
    "INTERMITTENT_MODELS",
    "MODEL_NAMES",
    "Accuracy",
    "Adjustment",
    "ForecastResult",
    "forecast",
    "forecast_accuracy",
]

FloatArray = npt.NDArray[np.float64]

#: Every model name :func:`forecast` accepts.
MODEL_NAMES: tuple[str, ...] = (
    "seasonal_naive",
    "window_average",
    "moving_average",
    "seasonal_window_average",
    "ses",
    "holt",
    "holt_winters",
    "auto_ets",
    "mstl",
    "croston",
    "adida",
    "tsb",
)
#: Models used when ``models`` is not given.
DEFAULT_MODELS: tuple[str, ...] = ("seasonal_naive", "seasonal_window_average", "auto_ets", "mstl")
#: Models for intermittent (sparse) demand, added automatically to sparse series.
INTERMITTENT_MODELS: tuple[str, ...] = ("croston", "adida", "tsb")
#: Models for which statsforecast computes prediction intervals itself.
_WITH_INTERVALS = frozenset({"seasonal_naive", "holt", "holt_winters", "auto_ets", "mstl"})
_SEASONAL = frozenset({"seasonal_naive", "seasonal_window_average", "holt_winters", "auto_ets"})
_METRICS = ("mae", "rmse", "smape", "mase")
#: Smoothing constants of TSB (Teunter, Syntetos & Babai 2011 recommend small values).
TSB_ALPHA_D = 0.1
TSB_ALPHA_P = 0.1

Metric = Literal["mae", "rmse", "smape", "mase"]


# ----------------------------------------------------------------------------------------------
# Accuracy measures
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy(ResultMixin):
    """Accuracy of one forecast against actual values (see :func:`forecast_accuracy`).

    ``mase`` is NaN exactly when ``mase_scale`` is 0 (the in-sample seasonal naive
    forecast is perfect, e.g. a constant series); ``mase_defined`` says so.
    """

    mae: float
    rmse: float
    smape: float
    mase: float
    mase_scale: float
    mase_defined: bool
    n: int


def _seasonal_naive_scale(insample: FloatArray, season_length: int) -> float:
    """Mean absolute in-sample seasonal naive error, mean |y_t - y_{t-m}| over t > m."""
    if insample.size <= season_length:
        raise InsufficientDataError(
            f"The in-sample data has {insample.size} values; the MASE scale needs more than "
            f"the season length {season_length}. Give a longer history or a shorter season.",
            f"样本内数据只有 {insample.size} 个值；MASE 的尺度需要多于季节长度 {season_length} "
            "个值。请提供更长的历史数据或更短的季节长度。",
        )
    return float(np.mean(np.abs(insample[season_length:] - insample[:-season_length])))


def _resolvable_scales(scales: FloatArray, insample_max_abs: FloatArray) -> FloatArray:
    """MASE scales with those indistinguishable from 0 in double precision set to 0.

    A scale Q is numerically zero when it is subnormal (below the smallest
    normal double, ~2.2e-308: it has lost significant digits and MAE / Q
    overflows) or at most machine epsilon times the largest in-sample |y|
    (the seasonal differences are rounding noise of the data). Both rules are
    unchanged by rescaling the data, except where rescaling itself leaves the
    normal range.
    """
    tiny = np.finfo(np.float64).tiny
    eps = np.finfo(np.float64).eps
    zero = (scales < tiny) | (scales <= eps * insample_max_abs)
    out: FloatArray = np.where(zero, 0.0, scales)
    return out


def _window_metrics(
    actual: FloatArray, predicted: FloatArray, scales: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """MAE, RMSE, sMAPE and MASE over backtest windows of equal length.

    ``actual`` and ``predicted`` have shape (..., windows, h), ``scales`` (..., windows)
    (already through :func:`_resolvable_scales`); the results have the leading shape.
    MAE and RMSE pool all errors; sMAPE averages the per-point terms (0/0 := 0); MASE
    is the mean over windows of MAE_w / scale_w, NaN where any window's scale is 0 and
    inf where a forecast's error is beyond double range in units of a tiny scale.
    """
    err = actual - predicted
    abs_err = np.abs(err)
    mae = abs_err.mean(axis=(-2, -1))
    rmse = np.sqrt(np.mean(err * err, axis=(-2, -1)))
    denom = np.abs(actual) + np.abs(predicted)
    terms = np.divide(2.0 * abs_err, denom, out=np.zeros_like(denom), where=denom > 0)
    smape = 100.0 * terms.mean(axis=(-2, -1))
    ok = scales > 0
    with np.errstate(over="ignore"):
        ratio = np.divide(abs_err.mean(axis=-1), scales, out=np.zeros_like(scales), where=ok)
        mase = np.where(ok.all(axis=-1), ratio.mean(axis=-1), np.nan)
    return mae, rmse, smape, mase


def forecast_accuracy(
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    insample: npt.ArrayLike,
    *,
    season_length: int,
) -> Accuracy:
    """MAE, RMSE, sMAPE and MASE of one forecast.

    Parameters
    ----------
    actual, predicted : array-like of float, same length
        Observed values y_t and forecasts ŷ_t over the evaluation period.
    insample : array-like of float
        The training data the forecast was made from (for the MASE scale).
    season_length : int
        m of the seasonal naive forecast that scales MASE (1 = naive).

    Returns
    -------
    Accuracy

    Notes
    -----
    With e_t = y_t − ŷ_t over the n evaluation points (Hyndman & Athanasopoulos 2021, §5.8):

    * MAE = mean(|e_t|)
    * RMSE = sqrt(mean(e_t²))
    * sMAPE = mean(200 · |e_t| / (|y_t| + |ŷ_t|)) in percent, a term with
      y_t = ŷ_t = 0 counted as 0 (a perfect forecast of an empty interval);
    * MASE = MAE / Q with Q = 1/(T−m) · Σ_{t=m+1..T} |y_t − y_{t−m}| over the T
      in-sample values, the in-sample MAE of the seasonal naive forecast.
      When Q = 0, MASE is undefined: it is NaN and ``mase_defined`` is False.
      A Q that double precision cannot tell from 0 counts as 0 (``mase_scale``
      is then 0): a subnormal Q (below ~2.2e-308), or Q ≤ ε · max |y_t| over
      the in-sample values (ε the machine epsilon). So
      ``insample = [0, …, 0, 2.2e-309]`` gives an undefined MASE, not an
      overflow.

    In a rolling-origin backtest :func:`forecast` pools MAE, RMSE and sMAPE over all
    windows (windows have equal length) and averages MASE over windows, each with
    the scale Q of its own training data.

    References
    ----------
    Hyndman, R. J. & Athanasopoulos, G. (2021). *Forecasting: Principles and
    Practice*, 3rd ed., OTexts, §5.8 "Evaluating point forecast accuracy".
    Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast
    accuracy. *International Journal of Forecasting* 22(4), 679–688.

    Checked against a hand-worked example and against ``utilsforecast.losses``.
    """
    y = np.asarray(actual, dtype=np.float64).ravel()
    f = np.asarray(predicted, dtype=np.float64).ravel()
    ins = np.asarray(insample, dtype=np.float64).ravel()
    if season_length < 1:
        raise SpecError(
            f"season_length must be a positive integer, got {season_length}.",
            f"season_length 必须是正整数，实际为 {season_length}。",
        )
    if y.size == 0 or y.size != f.size:
        raise InputError(
            f"actual and predicted must be non-empty and of equal length, got {y.size} and "
            f"{f.size}.",
            f"actual 与 predicted 必须非空且长度相同，实际为 {y.size} 与 {f.size}。",
        )
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(f)) and np.all(np.isfinite(ins))):
        raise InputError(
            "actual, predicted and insample must be finite numbers; remove NaN/inf values.",
            "actual、predicted 和 insample 必须是有限数值；请去掉 NaN/inf。",
        )
    scale = float(
        _resolvable_scales(
            np.array([_seasonal_naive_scale(ins, season_length)]),
            np.array([np.max(np.abs(ins))]),
        )[0]
    )
    mae, rmse, smape, mase = _window_metrics(y[None, :], f[None, :], np.array([scale]))
    return Accuracy(
        mae=float(mae),
        rmse=float(rmse),
        smape=float(smape),
        mase=float(mase),
        mase_scale=scale,
        mase_defined=scale > 0,
        n=int(y.size),
    )


# ----------------------------------------------------------------------------------------------
# Expert adjustments
# ----------------------------------------------------------------------------------------------


def _utc(value: Any, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(
            f"{what} {value!r} is not a date/time. Give an ISO-8601 time with a zone, "
            "e.g. '2026-11-11T00:00+08:00'.",
            f"{what} {value!r} 不是日期时间。请给出带时区的 ISO-8601 时间，例如 "
            "'2026-11-11T00:00+08:00'。",
        ) from exc
    if pd.isna(ts):
        raise SpecError(f"{what} is missing.", f"{what} 缺失。")
    if ts.tzinfo is None:
        raise SpecError(
            f"{what} {ts} has no time zone. Give it with a zone (e.g. +08:00 or UTC) so "
            "it is not misread.",
            f"{what} {ts} 没有时区。请带上时区（如 +08:00 或 UTC），以免误读。",
        )
    return ts.tz_convert("UTC")


@dataclass(frozen=True)
class Adjustment(ResultMixin):
    """An expert (judgemental) adjustment applied on top of the statistical forecast.

    Applies to forecast intervals with ``start <= interval_start < end`` (half-open;
    ``end=None`` means "from ``start`` on", e.g. a new outlet opening). The adjusted
    value is ``forecast * factor + add`` (a missing ``factor`` is 1, a missing
    ``add`` is 0). Several adjustments touching the same interval are applied in the
    order given. Times must carry a time zone; they are converted to UTC.

    Examples
    --------
    >>> Adjustment("2026-11-11T00:00+08:00", "2026-11-13T00:00+08:00", factor=1.8,
    ...            author="ops lead", reason="Double 11 promotion", label="double11")
    ... # doctest: +ELLIPSIS
    Adjustment(...)
    """

    start: pd.Timestamp | datetime | str
    end: pd.Timestamp | datetime | str | None = None
    _: KW_ONLY
    factor: float | None = None
    add: float | None = None
    series: str | None = None
    author: str
    reason: str
    label: str

    def __post_init__(self) -> None:
        start = _utc(self.start, "Adjustment start")
        end = None if self.end is None else _utc(self.end, "Adjustment end")
        if end is not None and end <= start:
            raise SpecError(
                f"Adjustment '{self.label}': end {end} is not after start {start}. "
                "Swap them or give end=None for an open-ended adjustment.",
                f"调整 '{self.label}'：结束时间 {end} 不晚于开始时间 {start}。"
                "请交换两者，或以 end=None 表示无截止的调整。",
            )
        if self.factor is None and self.add is None:
            raise SpecError(
                f"Adjustment '{self.label}' has neither factor nor add. Give factor=1.8 for "
                "+80% or add=50 for 50 more contacts per interval.",
                f"调整 '{self.label}' 既无 factor 也无 add。+80% 请给 factor=1.8，"
                "每个时段多 50 个请给 add=50。",
            )
        if self.factor is not None and not (math.isfinite(self.factor) and self.factor >= 0):
            raise SpecError(
                f"Adjustment '{self.label}': factor {self.factor} must be a finite number ≥ 0 "
                "(1.8 means +80%, 0.5 means −50%).",
                f"调整 '{self.label}'：factor {self.factor} 必须是 ≥ 0 的有限数"
                "（1.8 表示 +80%，0.5 表示 −50%）。",
            )
        if self.add is not None and not math.isfinite(self.add):
            raise SpecError(
                f"Adjustment '{self.label}': add {self.add} must be a finite number.",
                f"调整 '{self.label}'：add {self.add} 必须是有限数。",
            )
        for name in ("author", "reason", "label"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise SpecError(
                    f"Adjustment {name} is empty. Record who made the adjustment, why, and a "
                    "short label.",
                    f"调整的 {name} 为空。请记录调整人、原因和简短标签。",
                )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


# ----------------------------------------------------------------------------------------------
# Result
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastResult(ResultMixin):
    """Result of :func:`forecast`.

    Attributes
    ----------
    forecast : DataFrame
        One row per series and future interval: ``series``, ``interval_start`` (UTC),
        ``model`` (the series' best model), ``forecast`` (statistical point forecast),
        ``lo-80``, ``hi-80``, ... (one pair per level; NaN exactly when
        ``intervals_available`` is False, i.e. the model has no intervals), ``adjusted``
        (after expert adjustments, floored at 0) and ``intervals_available``.
    all_forecasts : DataFrame
        The same columns (without ``adjusted``) for every model fitted to each series.
    backtest : DataFrame
        ``series``, ``model``, ``mae``, ``rmse``, ``smape``, ``mase``, ``mase_scale``
        (mean over windows of the in-sample seasonal naive MAE), ``mase_defined``,
        ``n_windows``, ``n_points``.
    best_model : DataFrame
        ``series``, ``model``, ``metric`` (the one actually used), ``value``.
    models_dropped : DataFrame
        ``series``, ``model``, ``reason`` and ``reason_zh``: models not fitted to a
        series (history too short, non-finite output).
    adjustments : DataFrame
        One row per :class:`Adjustment`: ``label``, ``author``, ``reason``, ``series``,
        ``start``, ``end``, ``factor``, ``add``, ``intervals_touched`` and ``status``
        (``applied``, ``outside_horizon`` or ``unknown_series``).
    notes : tuple of str
        Everything else the user must know (filled intervals, intermittent models
        added, negative forecasts floored, MASE undefined...).
    """

    forecast: pd.DataFrame
    all_forecasts: pd.DataFrame
    backtest: pd.DataFrame
    best_model: pd.DataFrame
    models_dropped: pd.DataFrame
    adjustments: pd.DataFrame
    notes: tuple[str, ...]
    horizon: int
    freq: str
    season_length: int
    season_lengths: tuple[int, ...]
    level: tuple[int, ...]
    metric: str
    backtest_windows: int
    backtest_step: int

    def to_frame(self) -> pd.DataFrame:
        """The forecast table (best model per series, with ``adjusted``)."""
        return self.forecast.copy()


# ----------------------------------------------------------------------------------------------
# Model construction
# ----------------------------------------------------------------------------------------------


def _build_model(
    name: str, season_length: int, season_lengths: tuple[int, ...], window_size: int
) -> Any:
    m = season_length
    if name == "seasonal_naive":
        return SeasonalNaive(season_length=m, alias=name)
    if name in ("window_average", "moving_average"):
        return WindowAverage(window_size=m, alias=name)
    if name == "seasonal_window_average":
        return SeasonalWindowAverage(season_length=m, window_size=window_size, alias=name)
    if name == "ses":
        return SimpleExponentialSmoothingOptimized(alias=name)
    if name == "holt":
        return Holt(alias=name)
    if name == "holt_winters":
        return HoltWinters(season_length=m, alias=name)
    if name == "auto_ets":
        return AutoETS(season_length=m, alias=name)
    if name == "mstl":
        return MSTL(
            season_length=list(season_lengths),
            trend_forecaster=AutoETS(model="ZZN"),
            alias=name,
        )
    if name == "croston":
        return CrostonClassic(alias=name)
    if name == "adida":
        return ADIDA(alias=name)
    if name == "tsb":
        return TSB(alpha_d=TSB_ALPHA_D, alpha_p=TSB_ALPHA_P, alias=name)
    raise SpecError(  # pragma: no cover - names are validated before
        f"Unknown model {name!r}.", f"未知模型 {name!r}。"
    )


def _min_length(
    name: str, season_length: int, season_lengths: tuple[int, ...], window_size: int
) -> tuple[int, str, str]:
    """Shortest training length for a model, and the rule in both languages."""
    m = season_length
    if name == "mstl":
        longest = max(season_lengths)
        return (
            2 * longest,
            f"two seasons of the longest season length {longest}",
            f"最长季节长度 {longest} 的两个季节",
        )
    if name == "seasonal_window_average":
        need = max(2 * m, window_size * m)
        return (
            need,
            f"max(2, window_size={window_size}) seasons of length {m}",
            f"max(2, window_size={window_size}) 个长度为 {m} 的季节",
        )
    if name in _SEASONAL and m > 1:
        return 2 * m, f"two seasons of length {m}", f"两个长度为 {m} 的季节"
    return (
        m + 1,
        f"more than one season of length {m} (for the MASE scale)",
        f"多于一个长度为 {m} 的季节（MASE 尺度所需）",
    )


# ----------------------------------------------------------------------------------------------
# Input validation
# ----------------------------------------------------------------------------------------------


def _check_spec(
    horizon: int,
    models: Sequence[str],
    season_lengths: Sequence[int],
    season_length: int | None,
    level: Sequence[int],
    backtest_windows: int,
    backtest_step: int | None,
    freq: str,
    fill_missing: str | None,
    metric: str,
    n_jobs: int,
    window_size: int,
    intermittent_threshold: float | None,
) -> tuple[tuple[str, ...], tuple[int, ...], int, tuple[int, ...], int, BaseOffset]:
    pc = ProblemCollector()

    def is_int(x: object) -> bool:
        return isinstance(x, int | np.integer) and not isinstance(x, bool)

    if not is_int(horizon) or horizon < 1:
        pc.add(
            f"horizon must be a positive number of intervals, got {horizon!r}; e.g. 336 for "
            "one week of half-hours.",
            f"horizon 必须是正的时段数，实际为 {horizon!r}；例如一周半小时时段为 336。",
            column="horizon",
            value=horizon,
        )
    if isinstance(models, str):
        models = (models,)
    models_t = tuple(dict.fromkeys(models))
    if not models_t:
        pc.add(
            "models is empty; name at least one, e.g. ('seasonal_naive', 'auto_ets').",
            "models 为空；请至少指定一个，例如 ('seasonal_naive', 'auto_ets')。",
            column="models",
        )
    for name in models_t:
        if name not in MODEL_NAMES:
            pc.add(
                f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}.",
                f"未知模型 {name!r}；可选：{', '.join(MODEL_NAMES)}。",
                column="models",
                value=name,
            )
    seasons = tuple(int(s) for s in season_lengths if is_int(s))
    if not seasons or any(not is_int(s) or s < 1 for s in season_lengths):
        pc.add(
            f"season_lengths must be positive integers, got {tuple(season_lengths)!r}; e.g. "
            "(48, 336) for daily and weekly seasons of half-hourly data.",
            f"season_lengths 必须是正整数，实际为 {tuple(season_lengths)!r}；半小时数据的日、"
            "周季节为 (48, 336)。",
            column="season_lengths",
            value=str(tuple(season_lengths)),
        )
    m = min(seasons) if seasons and season_length is None else season_length
    if m is None or not is_int(m) or m < 1:
        pc.add(
            f"season_length must be a positive integer, got {season_length!r}.",
            f"season_length 必须是正整数，实际为 {season_length!r}。",
            column="season_length",
            value=season_length,
        )
    levels = tuple(int(v) for v in level if is_int(v))
    if any(not is_int(v) or not 0 < v < 100 for v in level):
        pc.add(
            f"level must be integers between 1 and 99, got {tuple(level)!r}; e.g. (80, 95).",
            f"level 必须是 1 到 99 之间的整数，实际为 {tuple(level)!r}；例如 (80, 95)。",
            column="level",
            value=str(tuple(level)),
        )
    if not is_int(backtest_windows) or backtest_windows < 1:
        pc.add(
            f"backtest_windows must be ≥ 1, got {backtest_windows!r}; the best model is chosen "
            "on the backtest.",
            f"backtest_windows 必须 ≥ 1，实际为 {backtest_windows!r}；最佳模型由回测选出。",
            column="backtest_windows",
            value=backtest_windows,
        )
    step = horizon if backtest_step is None else backtest_step
    if not is_int(step) or step < 1:
        pc.add(
            f"backtest_step must be ≥ 1, got {backtest_step!r}.",
            f"backtest_step 必须 ≥ 1，实际为 {backtest_step!r}。",
            column="backtest_step",
            value=backtest_step,
        )
    offset: BaseOffset | None = None
    try:
        offset = to_offset(freq)
    except (TypeError, ValueError):
        pc.add(
            f"freq {freq!r} is not a pandas frequency; use e.g. '30min', '1h' or 'D'.",
            f"freq {freq!r} 不是 pandas 频率；请使用如 '30min'、'1h' 或 'D'。",
            column="freq",
            value=freq,
        )
    if fill_missing not in (None, "zero"):
        pc.add(
            f"fill_missing must be None (missing intervals are an error) or 'zero', got "
            f"{fill_missing!r}.",
            f"fill_missing 必须为 None（缺失时段视为错误）或 'zero'，实际为 {fill_missing!r}。",
            column="fill_missing",
            value=fill_missing,
        )
    if metric not in _METRICS:
        pc.add(
            f"metric must be one of {', '.join(_METRICS)}, got {metric!r}.",
            f"metric 必须是 {', '.join(_METRICS)} 之一，实际为 {metric!r}。",
            column="metric",
            value=metric,
        )
    if not is_int(n_jobs) or n_jobs < 1:
        pc.add(
            f"n_jobs must be ≥ 1, got {n_jobs!r}.",
            f"n_jobs 必须 ≥ 1，实际为 {n_jobs!r}。",
            column="n_jobs",
            value=n_jobs,
        )
    if not is_int(window_size) or window_size < 1:
        pc.add(
            f"window_size must be ≥ 1, got {window_size!r}.",
            f"window_size 必须 ≥ 1，实际为 {window_size!r}。",
            column="window_size",
            value=window_size,
        )
    if intermittent_threshold is not None and not 0 <= intermittent_threshold <= 1:
        pc.add(
            f"intermittent_threshold must be a share between 0 and 1 (or None), got "
            f"{intermittent_threshold!r}.",
            f"intermittent_threshold 必须是 0 到 1 之间的比例（或 None），实际为 "
            f"{intermittent_threshold!r}。",
            column="intermittent_threshold",
            value=intermittent_threshold,
        )
    pc.raise_if_any(SpecError, "Invalid forecast settings.", "预测设置无效。")
    return models_t, seasons, int(cast(int, m)), levels, int(step), cast(BaseOffset, offset)


def _clean_history(
    history: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    value_col: str,
    offset: BaseOffset,
    freq: str,
    fill_missing: str | None,
    notes: list[str],
) -> pd.DataFrame:
    """Validate the long-format history; return columns unique_id, ds (naive UTC), y."""
    if not isinstance(history, pd.DataFrame):
        raise InputError(
            "history must be a pandas DataFrame in long format (series, interval, value).",
            "history 必须是长格式的 pandas DataFrame（序列、时段、数值）。",
        )
    missing_cols = [c for c in (id_col, time_col, value_col) if c not in history.columns]
    if missing_cols:
        raise InputError(
            f"history lacks column(s) {missing_cols}; it has {list(history.columns)}. Rename "
            "them or pass id_col=, time_col=, value_col=.",
            f"history 缺少列 {missing_cols}；现有列 {list(history.columns)}。请重命名或传入 "
            "id_col=、time_col=、value_col=。",
        )
    if len(history) == 0:
        raise InsufficientDataError("history is empty.", "history 为空。")
    times = history[time_col]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        raise InputError(
            f"Column `{time_col}` must hold time-zone-aware timestamps (UTC), got dtype "
            f"{times.dtype}. Localise them, e.g. pd.to_datetime(col, utc=True).",
            f"列 `{time_col}` 必须是带时区的时间戳（UTC），实际类型为 {times.dtype}。请本地化，"
            "例如 pd.to_datetime(col, utc=True)。",
        )
    ids = history[id_col].astype(str).to_numpy()
    ts = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    raw = history[value_col]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    pc = ProblemCollector()
    bad_time = pd.isna(ts)
    bad_value = ~np.isfinite(values) | (values < 0)
    for i in np.flatnonzero(bad_time | bad_value):
        if bad_time[i]:
            pc.add(
                f"series {ids[i]}: the interval start is missing. Fill it in or drop the row.",
                f"序列 {ids[i]}：时段开始时间缺失。请补上或删除该行。",
                row=int(i) + 1,
                column=time_col,
                value=None,
            )
            continue
        v = raw.iloc[i]
        when = pd.Timestamp(ts[i]).tz_localize("UTC").isoformat()
        if np.isnan(values[i]) or not np.isfinite(values[i]):
            en = (
                f"series {ids[i]}, interval {when}: volume {v!r} is missing or not a number. "
                "Enter the count (0 if there were no contacts) or drop the interval and use "
                "fill_missing='zero'."
            )
            zh = (
                f"序列 {ids[i]}，时段 {when}：量 {v!r} 缺失或不是数字。请填入数量（无来电填 0），"
                "或删除该时段并使用 fill_missing='zero'。"
            )
        else:
            en = (
                f"series {ids[i]}, interval {when}: volume {v!r} is negative. Volumes are "
                "counts ≥ 0; correct the value."
            )
            zh = f"序列 {ids[i]}，时段 {when}：量 {v!r} 为负。数量必须 ≥ 0，请更正。"
        pc.add(en, zh, row=int(i) + 1, column=value_col, value=v)
    pc.raise_if_any(
        InputError,
        f"{len(pc)} row(s) of the history have missing or negative values.",
        f"历史数据中有 {len(pc)} 行存在缺失或负值。",
    )

    df = pd.DataFrame({"unique_id": ids, "ds": ts, "y": values, "_row": np.arange(len(ids)) + 1})
    df = df.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    dup = df.duplicated(["unique_id", "ds"], keep=False).to_numpy()
    if dup.any():
        pc = ProblemCollector()
        for sid, ds, row in df.loc[dup, ["unique_id", "ds", "_row"]].to_numpy():
            when = pd.Timestamp(ds).tz_localize("UTC").isoformat()
            pc.add(
                f"series {sid}, interval {when} appears more than once. Keep one row "
                "per series and interval (sum them if they are partial counts).",
                f"序列 {sid}，时段 {when} 出现多次。每个序列每个时段只保留一行"
                "（若为部分计数请求和）。",
                row=int(row),
                column=time_col,
                value=when,
            )
        pc.raise_if_any(
            InputError,
            "Duplicate (series, interval) rows in the history.",
            "历史数据中存在重复的（序列，时段）行。",
        )

    # Regularity: each series must be on the grid first + k * freq, without gaps.
    if isinstance(offset, Tick):
        # Fixed-length intervals: check all series at once; only irregular ones are
        # examined one by one below.
        step_ns = int(offset.nanos)
        ns = df["ds"].to_numpy().astype("datetime64[ns]").astype(np.int64)
        first_ds = df.groupby("unique_id", sort=False)["ds"].transform("first")
        rel = ns - first_ds.to_numpy().astype("datetime64[ns]").astype(np.int64)
        on_grid_all = rel % step_ns == 0
        expected = rel // step_ns
        position = df.groupby("unique_id", sort=False).cumcount().to_numpy()
        regular = (
            pd.Series(on_grid_all & (expected == position))
            .groupby(df["unique_id"].to_numpy(), sort=False)
            .transform("all")
        )
        if regular.all():
            return df[["unique_id", "ds", "y"]]
        irregular = df[~regular.to_numpy(bool)]
        pieces: list[pd.DataFrame] = [df.loc[regular.to_numpy(bool), ["unique_id", "ds", "y"]]]
    else:
        irregular = df
        pieces = []
    gap_pc = ProblemCollector()
    grid_pc = ProblemCollector()
    for key, g in irregular.groupby("unique_id", sort=False):
        sid = str(key)
        grid = pd.date_range(g["ds"].iloc[0], g["ds"].iloc[-1], freq=offset)
        on_grid = pd.DatetimeIndex(g["ds"]).isin(grid)
        if not on_grid.all():
            bad = g.loc[~on_grid]
            first = pd.Timestamp(bad["ds"].iloc[0]).tz_localize("UTC").isoformat()
            grid_pc.add(
                f"series {sid}: {len(bad)} interval start(s) are not on the {freq} grid "
                f"starting {pd.Timestamp(grid[0]).tz_localize('UTC').isoformat()} (first: "
                f"{first}). Round the timestamps to the interval starts or set freq=.",
                f"序列 {sid}：有 {len(bad)} 个时段开始时间不在以 "
                f"{pd.Timestamp(grid[0]).tz_localize('UTC').isoformat()} 起、频率 {freq} 的网格上"
                f"（首个：{first}）。请把时间戳取整到时段开始，或设置 freq=。",
                row=int(bad["_row"].iloc[0]),
                column=time_col,
                value=first,
            )
            continue
        n_missing = len(grid) - len(g)
        if n_missing and fill_missing is None:
            missing = grid.difference(pd.DatetimeIndex(g["ds"]))
            shown = ", ".join(pd.Timestamp(t).tz_localize("UTC").isoformat() for t in missing[:5])
            more = f" and {n_missing - 5} more" if n_missing > 5 else ""
            more_zh = f" 等共 {n_missing} 个" if n_missing > 5 else ""
            gap_pc.add(
                f"series {sid}: {n_missing} missing interval(s): {shown}{more}. Add them with "
                "their volumes, or pass fill_missing='zero' if no contacts arrived then.",
                f"序列 {sid}：缺少 {n_missing} 个时段：{shown}{more_zh}。请补上这些时段及其量；"
                "若这些时段确实无来电，请传入 fill_missing='zero'。",
                column=time_col,
                value=n_missing,
            )
            continue
        if n_missing:
            filled = (
                g.set_index("ds")[["y"]].reindex(grid, fill_value=0.0).rename_axis("ds")
            ).reset_index()
            filled["unique_id"] = sid
            pieces.append(filled[["unique_id", "ds", "y"]])
            notes.append(
                f"series {sid}: {n_missing} missing interval(s) filled with 0 "
                "(fill_missing='zero')."
            )
        else:
            pieces.append(g[["unique_id", "ds", "y"]])
    grid_pc.raise_if_any(
        InputError,
        "Some interval starts are not on the regular time grid.",
        "部分时段开始时间不在规则的时间网格上。",
    )
    gap_pc.raise_if_any(
        InputError,
        "The history has missing intervals (gaps in the time index).",
        "历史数据存在缺失时段（时间索引有空缺）。",
    )
    return (
        pd.concat(pieces, ignore_index=True)
        .sort_values(["unique_id", "ds"], kind="stable")
        .reset_index(drop=True)
    )


# ----------------------------------------------------------------------------------------------
# Backtest scoring
# ----------------------------------------------------------------------------------------------


def _score_backtest(
    cv: pd.DataFrame,
    data: pd.DataFrame,
    model_names: Sequence[str],
    season_length: int,
) -> pd.DataFrame:
    """Score a statsforecast cross-validation frame: one row per (series, model).

    Every series has the same number of windows and horizon in ``cv``, so the scoring
    is done on arrays of shape (series, windows, h).
    """
    m = season_length
    cv = cv.sort_values(["unique_id", "cutoff", "ds"], kind="stable")
    sids = pd.unique(cv["unique_id"])
    n_s = len(sids)
    n_w = int(cv.groupby("unique_id", sort=False)["cutoff"].nunique().iloc[0])
    h = len(cv) // (n_s * n_w)
    # in-sample seasonal naive MAE of each window's training data (through its cutoff)
    d = data[data["unique_id"].isin(sids)]
    grouped = d.groupby("unique_id", sort=False)["y"]
    absdiff = (d["y"] - grouped.shift(m)).abs()
    train = pd.DataFrame(
        {
            "unique_id": d["unique_id"].to_numpy(),
            "cutoff": d["ds"].to_numpy(),
            "n_train": grouped.cumcount().to_numpy() + 1,
            "csum": absdiff.fillna(0.0).groupby(d["unique_id"], sort=False).cumsum().to_numpy(),
            "cmax": d["y"].abs().groupby(d["unique_id"], sort=False).cummax().to_numpy(),
        }
    )
    cut_pairs = cv[["unique_id", "cutoff"]].drop_duplicates()
    train = train[train["cutoff"].isin(cut_pairs["cutoff"].unique())]
    cuts = cut_pairs.merge(train, on=["unique_id", "cutoff"], how="left", sort=False)
    scales = _resolvable_scales(
        (cuts["csum"] / (cuts["n_train"] - m)).to_numpy(np.float64).reshape(n_s, n_w),
        cuts["cmax"].to_numpy(np.float64).reshape(n_s, n_w),
    )
    actual = cv["y"].to_numpy(np.float64).reshape(n_s, n_w, h)
    frames: list[pd.DataFrame] = []
    for name in model_names:
        pred = cv[name].to_numpy(np.float64).reshape(n_s, n_w, h)
        mae, rmse, smape, mase = _window_metrics(actual, pred, scales)
        frames.append(
            pd.DataFrame(
                {
                    "series": sids.astype(str),
                    "model": name,
                    "finite": np.isfinite(pred).all(axis=(1, 2)),
                    "mae": mae,
                    "rmse": rmse,
                    "smape": smape,
                    "mase": mase,
                    "mase_scale": scales.mean(axis=1),
                    "mase_defined": (scales > 0).all(axis=1),
                    "n_windows": n_w,
                    "n_points": n_w * h,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------------------------
# Main entry point
# ----------------------------------------------------------------------------------------------


def forecast(
    history: pd.DataFrame,
    horizon: int,
    *,
    models: Sequence[str] = DEFAULT_MODELS,
    season_lengths: Sequence[int] = (48, 336),
    season_length: int | None = None,
    level: Sequence[int] = (80, 95),
    backtest_windows: int = 3,
    backtest_step: int | None = None,
    metric: Metric = "mase",
    freq: str = "30min",
    adjustments: Sequence[Adjustment] = (),
    fill_missing: Literal["zero"] | None = None,
    intermittent_threshold: float | None = 0.5,
    window_size: int = 4,
    id_col: str = "series",
    time_col: str = "interval_start",
    value_col: str = "arrivals",
    n_jobs: int = 1,
) -> ForecastResult:
    """Forecast interval volumes of one or many series with statsforecast models.

    Parameters
    ----------
    history : DataFrame
        Long format, one row per series and interval: ``id_col`` (series id),
        ``time_col`` (time-zone-aware interval start; converted to UTC) and
        ``value_col`` (volume, a count ≥ 0).
    horizon : int
        Number of future intervals to forecast (336 = one week of half-hours).
    models : sequence of str
        Candidate models (statsforecast class in brackets; m = ``season_length``):
        ``seasonal_naive`` (SeasonalNaive(m)), ``window_average`` / ``moving_average``
        (WindowAverage(window_size=m): mean of the last season), ``seasonal_window_average``
        (SeasonalWindowAverage(m, window_size)), ``ses`` (SimpleExponentialSmoothingOptimized),
        ``holt`` (Holt), ``holt_winters`` (HoltWinters(m)), ``auto_ets`` (AutoETS(m)),
        ``mstl`` (MSTL(season_lengths, trend_forecaster=AutoETS(model='ZZN'))),
        ``croston`` (CrostonClassic), ``adida`` (ADIDA), ``tsb``
        (TSB(alpha_d=0.1, alpha_p=0.1)).
    season_lengths : sequence of int
        Seasonal periods in intervals for MSTL (48 = day, 336 = week of half-hours).
    season_length : int, optional
        The single season m of the other seasonal models and of the MASE scale;
        default ``min(season_lengths)`` (AutoETS with m = 336 is about 4x slower than
        with m = 48; pass 336 to model the weekly pattern directly).
    level : sequence of int
        Prediction-interval levels in percent.
    backtest_windows, backtest_step : int
        Rolling-origin backtest: ``backtest_windows`` forecasts of ``horizon``
        intervals, origins ``backtest_step`` intervals apart (default ``horizon``,
        i.e. non-overlapping), the last ending at the end of the history; each model
        is refitted at each origin (statsforecast ``cross_validation``).
    metric : {'mase', 'mae', 'rmse', 'smape'}
        Selects the best model per series (lowest value). Ties go to the model named
        first in ``models`` (intermittent models added automatically come last).
        If MASE is undefined for every model of a series (zero scale), MAE is used
        for that series and ``best_model.metric`` says so.
    freq : str
        pandas frequency of the intervals.
    adjustments : sequence of Adjustment
        Expert adjustments applied to the best model's forecast (see
        :class:`Adjustment`).
    fill_missing : {None, 'zero'}
        None (default): missing intervals raise :class:`InputError`. ``'zero'``: they
        are added with volume 0 (only right when no contacts arrived) and noted.
    intermittent_threshold : float or None
        A series whose share of zero intervals exceeds this gets ``croston``,
        ``adida`` and ``tsb`` added to its candidates (noted). None disables this.
    window_size : int
        Number of past seasons averaged by ``seasonal_window_average``.
    id_col, time_col, value_col : str
        Column names in ``history``.
    n_jobs : int
        Processes used by statsforecast.

    Returns
    -------
    ForecastResult

    Raises
    ------
    SpecError
        Invalid settings.
    InputError
        Missing columns, naive timestamps, missing or negative volumes (all rows
        listed), duplicate rows, off-grid timestamps, missing intervals.
    InsufficientDataError
        A series too short for every requested model (series, length, season
        length and what to do are named).

    Notes
    -----
    *Too short a history* is handled per series and model: a model whose smallest
    backtest training set (n − horizon − step·(windows − 1) intervals) is shorter than
    it needs (seasonal models: two seasons, i.e. 2m, MSTL 2·max(season_lengths),
    seasonal_window_average max(2, window_size)·m; others m + 1 so that the MASE
    scale exists) is dropped for that series and listed in ``models_dropped`` with
    the reason. Only when no model is left for a series is an
    :class:`InsufficientDataError` raised. A model giving a non-finite forecast is
    dropped the same way.

    Accuracy measures are defined in :func:`forecast_accuracy`.

    *Prediction intervals* are statsforecast's own (seasonal_naive, holt,
    holt_winters, auto_ets, mstl). The other models have none; their lo/hi columns
    are NaN and ``intervals_available`` is False.

    The ``adjusted`` column is the statistical forecast after adjustments, floored at
    0 (arrivals cannot be negative); the number of floored intervals is noted.

    References
    ----------
    Garza, F., Mergenthaler Canseco, M., Challú, C. & Olivares, K. G. (2022).
    StatsForecast: lightning fast forecasting with statistical and econometric
    models. PyCon Salt Lake City. https://github.com/Nixtla/statsforecast
    Hyndman, R. J. & Athanasopoulos, G. (2021). *Forecasting: Principles and
    Practice*, 3rd ed., §5.8 (accuracy), §5.10 (time series cross-validation).
    Bandara, K., Hyndman, R. J. & Bergmeir, C. (2021). MSTL: a seasonal-trend
    decomposition algorithm for time series with multiple seasonal patterns.
    arXiv:2107.13462.

    Checked against statsforecast itself (differential tests: the same models fitted
    by ``StatsForecast`` directly give identical forecasts, intervals and backtests)
    on the Box & Jenkins airline series and on a synthetic half-hourly series.
    """
    models_t, seasons, m, levels, step, offset = _check_spec(
        horizon,
        models,
        season_lengths,
        season_length,
        level,
        backtest_windows,
        backtest_step,
        freq,
        fill_missing,
        metric,
        n_jobs,
        window_size,
        intermittent_threshold,
    )
    for adj in adjustments:
        if not isinstance(adj, Adjustment):
            raise SpecError(
                f"adjustments must be Adjustment objects, got {type(adj).__name__}.",
                f"adjustments 必须是 Adjustment 对象，实际为 {type(adj).__name__}。",
            )
    notes: list[str] = []
    data = _clean_history(
        history,
        id_col=id_col,
        time_col=time_col,
        value_col=value_col,
        offset=offset,
        freq=freq,
        fill_missing=fill_missing,
        notes=notes,
    )

    # Candidate models per series.
    test_size = horizon + step * (backtest_windows - 1)
    stats = pd.DataFrame(
        {
            "n": data.groupby("unique_id", sort=False).size(),
            "zero_share": (data["y"] == 0).groupby(data["unique_id"], sort=False).mean(),
        }
    )
    dropped: list[dict[str, str]] = []
    groups: dict[tuple[str, ...], list[str]] = {}
    too_short = ProblemCollector()
    for sid, row in stats.iterrows():
        sid_s = str(sid)
        n = int(row["n"])
        candidates = list(models_t)
        if intermittent_threshold is not None and row["zero_share"] > intermittent_threshold:
            added = [x for x in INTERMITTENT_MODELS if x not in candidates]
            if added:
                candidates += added
                notes.append(
                    f"series {sid_s}: {row['zero_share']:.0%} of intervals are zero "
                    f"(> {intermittent_threshold:.0%}); intermittent-demand models "
                    f"{', '.join(added)} added."
                )
        n_train = n - test_size
        keep: list[str] = []
        for name in candidates:
            need, rule_en, rule_zh = _min_length(name, m, seasons, window_size)
            if n_train >= need:
                keep.append(name)
                continue
            dropped.append(
                {
                    "series": sid_s,
                    "model": name,
                    "reason": (
                        f"history of {n} intervals leaves {n_train} for the first backtest "
                        f"fit (after {test_size} held out); {name} needs {need} ({rule_en}). "
                        f"Give at least {need + test_size} intervals, or "
                        "fewer/shorter backtest windows or a shorter season."
                    ),
                    "reason_zh": (
                        f"历史共 {n} 个时段，留出 {test_size} 个回测后首次拟合仅剩 {n_train} 个；"
                        f"{name} 需要 {need} 个（{rule_zh}）。请提供至少 "
                        f"{need + test_size} 个时段，或减少/缩短回测窗口，或用更短的季节。"
                    ),
                }
            )
        if not keep:
            too_short.add(
                f"series {sid_s} has {n} intervals; with {backtest_windows} backtest window(s) "
                f"of {horizon} (step {step}) no model fits (season length {m}; the least "
                f"demanding needs {min(_min_length(x, m, seasons, window_size)[0] for x in candidates) + test_size} "
                "intervals). Give a longer history, fewer backtest windows, a shorter horizon "
                "or season, or add a non-seasonal model such as 'ses'.",
                f"序列 {sid_s} 只有 {n} 个时段；在 {backtest_windows} 个长度 {horizon}（步长 "
                f"{step}）的回测窗口下没有可用模型（季节长度 {m}）。请提供更长的历史、减少回测"
                "窗口、缩短预测期或季节，或加入非季节模型如 'ses'。",
                value=n,
            )
            continue
        groups.setdefault(tuple(keep), []).append(sid_s)
    too_short.raise_if_any(
        InsufficientDataError,
        "Some series are too short for every requested model.",
        "部分序列太短，所有指定模型都无法使用。",
    )

    if dropped:
        notes.append(
            f"{len(dropped)} model/series pair(s) dropped because the history is too short; "
            "see models_dropped."
        )
    level_list = list(levels)
    score_frames: list[pd.DataFrame] = []
    fc_frames: list[pd.DataFrame] = []
    for group_models, sids in groups.items():
        sub = data[data["unique_id"].isin(sids)]
        built = [_build_model(x, m, seasons, window_size) for x in group_models]
        try:
            sf = StatsForecast(models=built, freq=freq, n_jobs=n_jobs)
            cv = sf.cross_validation(
                h=horizon, df=sub, n_windows=backtest_windows, step_size=step, refit=True
            )
            score_frames.append(_score_backtest(cv, sub, group_models, m))
            with_pi = [b for x, b in zip(group_models, built, strict=True) if x in _WITH_INTERVALS]
            without = [
                b for x, b in zip(group_models, built, strict=True) if x not in _WITH_INTERVALS
            ]
            parts: list[pd.DataFrame] = []
            if with_pi:
                parts.append(
                    StatsForecast(models=with_pi, freq=freq, n_jobs=n_jobs).forecast(
                        h=horizon, df=sub, level=level_list or None
                    )
                )
            if without:
                parts.append(
                    StatsForecast(models=without, freq=freq, n_jobs=n_jobs).forecast(
                        h=horizon, df=sub
                    )
                )
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            raise ComputationError(
                f"statsforecast failed on series {', '.join(sids[:5])} with models "
                f"{', '.join(group_models)}: {exc}. Try other models or check the data.",
                f"statsforecast 在序列 {', '.join(sids[:5])}、模型 {', '.join(group_models)} "
                f"上失败：{exc}。请换用其他模型或检查数据。",
            ) from exc
        fc = parts[0]
        for p in parts[1:]:
            fc = fc.merge(p, on=["unique_id", "ds"], how="inner")
        for name in group_models:
            cols = [name] + [f"{name}-{b}-{lv}" for lv in level_list for b in ("lo", "hi")]
            piece = pd.DataFrame(
                {
                    "series": fc["unique_id"].astype(str).to_numpy(),
                    "interval_start": fc["ds"].to_numpy(),
                    "model": name,
                    "forecast": fc[name].to_numpy(np.float64),
                }
            )
            for lv in level_list:
                for b in ("lo", "hi"):
                    col = f"{name}-{b}-{lv}"
                    piece[f"{b}-{lv}"] = (
                        fc[col].to_numpy(np.float64) if col in cols and col in fc else np.nan
                    )
            piece["intervals_available"] = name in _WITH_INTERVALS
            fc_frames.append(piece)

    all_fc = pd.concat(fc_frames, ignore_index=True)
    all_fc["interval_start"] = pd.to_datetime(all_fc["interval_start"]).dt.tz_localize("UTC")
    metric_cols = [
        "mae",
        "rmse",
        "smape",
        "mase",
        "mase_scale",
        "mase_defined",
        "n_windows",
        "n_points",
    ]
    scores = pd.concat(score_frames, ignore_index=True)

    # Models with non-finite backtest or final forecasts are dropped per series.
    fc_finite = (
        all_fc.assign(fc_finite=np.isfinite(all_fc["forecast"].to_numpy(np.float64)))
        .groupby(["series", "model"], sort=False)["fc_finite"]
        .all()
        .reset_index()
    )
    scores = scores.merge(fc_finite, on=["series", "model"], how="left")
    good = scores["finite"].to_numpy(bool) & scores["fc_finite"].fillna(False).to_numpy(bool)
    if not good.all():
        bad = scores.loc[~good, ["series", "model"]]
        for sid, name in bad.itertuples(index=False):
            dropped.append(
                {
                    "series": str(sid),
                    "model": str(name),
                    "reason": f"{name} produced non-finite forecasts for series {sid}; not used.",
                    "reason_zh": f"{name} 对序列 {sid} 给出了非有限的预测值；未采用。",
                }
            )
        flagged = all_fc.merge(bad.assign(_bad=True), on=["series", "model"], how="left")
        all_fc = all_fc[~flagged["_bad"].fillna(False).to_numpy(bool)]
        scores = scores[good]
    backtest = scores[["series", "model", *metric_cols]].reset_index(drop=True)
    backtest = backtest.astype({"n_windows": "int64", "n_points": "int64", "mase_defined": bool})

    # Best model per series: lowest metric, ties to the model named first.
    order = {name: i for i, name in enumerate((*models_t, *INTERMITTENT_MODELS))}
    lost = sorted(set(stats.index.astype(str)) - set(backtest["series"]))
    if lost:
        raise ComputationError(
            f"No model gave a finite forecast for series {', '.join(lost)}. Check the data or "
            "try other models (e.g. 'seasonal_naive').",
            f"序列 {', '.join(lost)} 没有任何模型给出有限的预测值。请检查数据或换用其他模型"
            "（如 'seasonal_naive'）。",
        )
    ranked = backtest.assign(_o=backtest["model"].map(order))
    if metric == "mase":
        undefined = ~ranked.groupby("series")["mase_defined"].transform("any").to_numpy(bool)
        ranked["_metric"] = np.where(undefined, "mae", "mase")
        ranked["_key"] = np.where(undefined, ranked["mae"], ranked["mase"])
        for sid in sorted(set(ranked.loc[undefined, "series"])):
            notes.append(
                f"series {sid}: MASE is undefined (the in-sample seasonal naive error is 0); "
                "best model chosen by MAE."
            )
    else:
        ranked["_metric"] = metric
        ranked["_key"] = ranked[metric]
    top = ranked.sort_values(
        ["series", "_key", "_o"], kind="stable", na_position="last"
    ).drop_duplicates("series")
    best = pd.DataFrame(
        {
            "series": top["series"].to_numpy(),
            "model": top["model"].to_numpy(),
            "metric": top["_metric"].to_numpy(),
            "value": top["_key"].to_numpy(np.float64),
        }
    )
    if (~backtest["mase_defined"]).any():
        n_undef = int((~backtest["mase_defined"]).sum())
        notes.append(
            f"MASE is undefined (NaN, mase_defined=False) for {n_undef} series/model pair(s): "
            "the in-sample seasonal naive error of a backtest window is 0."
        )

    chosen = all_fc.merge(best[["series", "model"]], on=["series", "model"], how="inner")
    chosen = chosen.sort_values(["series", "interval_start"], kind="stable").reset_index(drop=True)
    adjusted = chosen["forecast"].to_numpy(np.float64).copy()
    known = set(stats.index.astype(str))
    adj_rows: list[dict[str, Any]] = []
    times = chosen["interval_start"]
    for adj in adjustments:
        mask = (times >= pd.Timestamp(adj.start)).to_numpy()
        if adj.end is not None:
            mask &= (times < pd.Timestamp(adj.end)).to_numpy()
        status = "applied"
        if adj.series is not None:
            mask &= (chosen["series"] == str(adj.series)).to_numpy()
            if str(adj.series) not in known:
                status = "unknown_series"
        touched = int(mask.sum())
        if touched:
            adjusted[mask] = adjusted[mask] * (1.0 if adj.factor is None else adj.factor) + (
                0.0 if adj.add is None else adj.add
            )
        elif status == "applied":
            status = "outside_horizon"
        if status != "applied":
            what = (
                "names an unknown series"
                if status == "unknown_series"
                else "is outside the horizon"
            )
            notes.append(
                f"adjustment '{adj.label}' ({adj.start} – {adj.end}) {what}; it touched no "
                "interval."
            )
        adj_rows.append(
            {
                "label": adj.label,
                "author": adj.author,
                "reason": adj.reason,
                "series": adj.series,
                "start": adj.start,
                "end": adj.end,
                "factor": adj.factor,
                "add": adj.add,
                "intervals_touched": touched,
                "status": status,
            }
        )
    negative = adjusted < 0
    if negative.any():
        notes.append(
            f"{int(negative.sum())} adjusted value(s) below 0 were floored at 0 "
            "(arrivals cannot be negative)."
        )
        adjusted = np.where(negative, 0.0, adjusted)
    lohi = [f"{b}-{lv}" for lv in level_list for b in ("lo", "hi")]
    table = chosen[["series", "interval_start", "model", "forecast", *lohi]].copy()
    table["adjusted"] = adjusted
    table["intervals_available"] = chosen["intervals_available"].to_numpy(bool)
    if not table["intervals_available"].all():
        no_pi = sorted(set(table.loc[~table["intervals_available"], "model"]))
        notes.append(
            f"model(s) {', '.join(no_pi)} have no prediction intervals in statsforecast; their "
            "lo/hi columns are empty (intervals_available=False)."
        )
    dropped_df = pd.DataFrame(dropped, columns=["series", "model", "reason", "reason_zh"])
    adj_df = pd.DataFrame(
        adj_rows,
        columns=[
            "label",
            "author",
            "reason",
            "series",
            "start",
            "end",
            "factor",
            "add",
            "intervals_touched",
            "status",
        ],
    )
    return ForecastResult(
        forecast=table,
        all_forecasts=all_fc.sort_values(
            ["series", "model", "interval_start"], kind="stable"
        ).reset_index(drop=True),
        backtest=backtest,
        best_model=best,
        models_dropped=dropped_df,
        adjustments=adj_df,
        notes=tuple(notes),
        horizon=int(horizon),
        freq=freq,
        season_length=m,
        season_lengths=seasons,
        level=levels,
        metric=metric,
        backtest_windows=int(backtest_windows),
        backtest_step=step,
    )
