"""Forecast accuracy: MAE, RMSE, sMAPE and MASE of one forecast and of a rolling backtest.

The measures are computed by hand with numpy (a few lines each) rather than with
``utilsforecast.losses`` so that the per-window MASE scale, the 0/0 convention of sMAPE
and the flag for an undefined MASE are under our control; the tests check them against
``utilsforecast.losses`` (a differential test) and against a hand-worked example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, SpecError

FloatArray = npt.NDArray[np.float64]
#: The accuracy measures, in the order of the backtest table.
METRICS = ("mae", "rmse", "smape", "mase")
Metric = Literal["mae", "rmse", "smape", "mase"]


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


def seasonal_naive_scale(insample: FloatArray, season_length: int) -> float:
    """Mean absolute in-sample seasonal naive error, mean |y_t - y_{t-m}| over t > m."""
    if insample.size <= season_length:
        raise InsufficientDataError(
            f"The in-sample data has {insample.size} values; the MASE scale needs more than "
            f"the season length {season_length}. Give a longer history or a shorter season.",
            f"样本内数据只有 {insample.size} 个值；MASE 的尺度需要多于季节长度 {season_length} "
            "个值。请提供更长的历史数据或更短的季节长度。",
        )
    return float(np.mean(np.abs(insample[season_length:] - insample[:-season_length])))


def resolvable_scales(scales: FloatArray, insample_max_abs: FloatArray) -> FloatArray:
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


def window_metrics(
    actual: FloatArray, predicted: FloatArray, scales: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """MAE, RMSE, sMAPE and MASE over backtest windows of equal length.

    ``actual`` and ``predicted`` have shape (..., windows, h), ``scales`` (..., windows)
    (already through :func:`resolvable_scales`); the results have the leading shape.
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
        resolvable_scales(
            np.array([seasonal_naive_scale(ins, season_length)]),
            np.array([np.max(np.abs(ins))]),
        )[0]
    )
    mae, rmse, smape, mase = window_metrics(y[None, :], f[None, :], np.array([scale]))
    return Accuracy(
        mae=float(mae),
        rmse=float(rmse),
        smape=float(smape),
        mase=float(mase),
        mase_scale=scale,
        mase_defined=scale > 0,
        n=int(y.size),
    )


def score_backtest(
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
    scales = resolvable_scales(
        (cuts["csum"] / (cuts["n_train"] - m)).to_numpy(np.float64).reshape(n_s, n_w),
        cuts["cmax"].to_numpy(np.float64).reshape(n_s, n_w),
    )
    actual = cv["y"].to_numpy(np.float64).reshape(n_s, n_w, h)
    frames: list[pd.DataFrame] = []
    for name in model_names:
        pred = cv[name].to_numpy(np.float64).reshape(n_s, n_w, h)
        mae, rmse, smape, mase = window_metrics(actual, pred, scales)
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
