"""The forecast itself: candidate models, backtest, selection and adjustments, step by step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from statsforecast import StatsForecast

from servgap.core.errors import ComputationError, InsufficientDataError, ProblemCollector, SpecError
from servgap.core.forecast.accuracy import Metric, score_backtest
from servgap.core.forecast.adjustments import Adjustment, apply_adjustments
from servgap.core.forecast.inputs import check_spec, clean_history
from servgap.core.forecast.models import (
    DEFAULT_MODELS,
    INTERMITTENT_MODELS,
    WITH_INTERVALS,
    build_model,
    min_length,
)
from servgap.core.forecast.result import ForecastResult, Note

FloatArray = npt.NDArray[np.float64]


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
    models_t, seasons, m, levels, step, offset = check_spec(
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
    setup = Setup(
        horizon=int(horizon),
        models=models_t,
        seasons=seasons,
        m=m,
        levels=levels,
        windows=int(backtest_windows),
        step=step,
        freq=freq,
        window_size=window_size,
        intermittent_threshold=intermittent_threshold,
        metric=metric,
        n_jobs=n_jobs,
    )
    notes: list[Note] = []
    data = clean_history(
        history,
        id_col=id_col,
        time_col=time_col,
        value_col=value_col,
        offset=offset,
        freq=freq,
        fill_missing=fill_missing,
        notes=notes,
    )
    groups, dropped, series_ids = choose_candidates(data, setup, notes)
    score_frames: list[pd.DataFrame] = []
    fc_frames: list[pd.DataFrame] = []
    for group_models, sids in groups.items():
        scores, pieces = backtest_and_forecast(data, group_models, sids, setup)
        score_frames.append(scores)
        fc_frames.extend(pieces)
    all_fc = pd.concat(fc_frames, ignore_index=True)
    all_fc["interval_start"] = pd.to_datetime(all_fc["interval_start"]).dt.tz_localize("UTC")
    all_fc, backtest = drop_non_finite(all_fc, pd.concat(score_frames, ignore_index=True), dropped)
    best = select_best(backtest, setup, series_ids, notes)
    chosen = all_fc.merge(best[["series", "model"]], on=["series", "model"], how="inner")
    chosen = chosen.sort_values(["series", "interval_start"], kind="stable").reset_index(drop=True)
    adjusted, adj_df = apply_adjustments(chosen, adjustments, set(series_ids), notes)
    table = forecast_table(chosen, adjusted, setup.levels, notes)
    return ForecastResult(
        forecast=table,
        all_forecasts=all_fc.sort_values(
            ["series", "model", "interval_start"], kind="stable"
        ).reset_index(drop=True),
        backtest=backtest,
        best_model=best,
        models_dropped=pd.DataFrame(dropped, columns=["series", "model", "reason", "reason_zh"]),
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


@dataclass(frozen=True)
class Setup:
    """The checked settings of one :func:`forecast` call."""

    horizon: int
    models: tuple[str, ...]
    seasons: tuple[int, ...]
    m: int
    levels: tuple[int, ...]
    windows: int
    step: int
    freq: str
    window_size: int
    intermittent_threshold: float | None
    metric: str
    n_jobs: int

    @property
    def test_size(self) -> int:
        """Intervals held out by the backtest (its windows and their steps)."""
        return self.horizon + self.step * (self.windows - 1)


def choose_candidates(
    data: pd.DataFrame, setup: Setup, notes: list[Note]
) -> tuple[dict[tuple[str, ...], list[str]], list[dict[str, str]], list[str]]:
    """Candidate models per series: the requested ones (plus intermittent-demand models for
    sparse series) that the history is long enough for.

    Returns series grouped by their candidate tuple (fitted together), the model/series
    pairs dropped with their reason, and every series id. A series no model fits raises
    :class:`InsufficientDataError`.
    """
    m, seasons, test_size = setup.m, setup.seasons, setup.test_size
    threshold = setup.intermittent_threshold
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
        candidates = list(setup.models)
        if threshold is not None and row["zero_share"] > threshold:
            added = [x for x in INTERMITTENT_MODELS if x not in candidates]
            if added:
                candidates += added
                notes.append(
                    Note(
                        f"series {sid_s}: {row['zero_share']:.0%} of intervals are zero "
                        f"(> {threshold:.0%}); intermittent-demand models "
                        f"{', '.join(added)} added.",
                        f"序列 {sid_s}：{row['zero_share']:.0%} 的时段为零（> {threshold:.0%}）；"
                        f"已加入间歇需求模型 {', '.join(added)}。",
                    )
                )
        n_train = n - test_size
        keep: list[str] = []
        for name in candidates:
            need, rule_en, rule_zh = min_length(name, m, seasons, setup.window_size)
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
            least = min(min_length(x, m, seasons, setup.window_size)[0] for x in candidates)
            too_short.add(
                f"series {sid_s} has {n} intervals; with {setup.windows} backtest window(s) "
                f"of {setup.horizon} (step {setup.step}) no model fits (season length {m}; the "
                f"least demanding needs {least + test_size} intervals). Give a longer history, "
                "fewer backtest windows, a shorter horizon or season, or add a non-seasonal "
                "model such as 'ses'.",
                f"序列 {sid_s} 只有 {n} 个时段；在 {setup.windows} 个长度 {setup.horizon}（步长 "
                f"{setup.step}）的回测窗口下没有可用模型（季节长度 {m}）。请提供更长的历史、减少回测"
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
            Note(
                f"{len(dropped)} model/series pair(s) dropped because the history is too short; "
                "see models_dropped.",
                f"{len(dropped)} 个模型/序列组合因历史太短而未使用；见 models_dropped。",
            )
        )
    return groups, dropped, [str(x) for x in stats.index]


def backtest_and_forecast(
    data: pd.DataFrame, group_models: tuple[str, ...], sids: list[str], setup: Setup
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Rolling-origin backtest and final forecast of the series ``sids`` with their models.

    One statsforecast ``cross_validation`` (scored by :func:`score_backtest`) and one
    ``forecast`` for the models with prediction intervals, another for those without.
    Returns the scores and one forecast frame per model.
    """
    sub = data[data["unique_id"].isin(sids)]
    built = [build_model(x, setup.m, setup.seasons, setup.window_size) for x in group_models]
    level_list = list(setup.levels)
    try:
        sf = StatsForecast(models=built, freq=setup.freq, n_jobs=setup.n_jobs)
        cv = sf.cross_validation(
            h=setup.horizon, df=sub, n_windows=setup.windows, step_size=setup.step, refit=True
        )
        scores = score_backtest(cv, sub, group_models, setup.m)
        with_pi = [b for x, b in zip(group_models, built, strict=True) if x in WITH_INTERVALS]
        without = [b for x, b in zip(group_models, built, strict=True) if x not in WITH_INTERVALS]
        parts: list[pd.DataFrame] = []
        if with_pi:
            parts.append(
                StatsForecast(models=with_pi, freq=setup.freq, n_jobs=setup.n_jobs).forecast(
                    h=setup.horizon, df=sub, level=level_list or None
                )
            )
        if without:
            parts.append(
                StatsForecast(models=without, freq=setup.freq, n_jobs=setup.n_jobs).forecast(
                    h=setup.horizon, df=sub
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
    pieces: list[pd.DataFrame] = []
    for name in group_models:
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
                piece[f"{b}-{lv}"] = fc[col].to_numpy(np.float64) if col in fc else np.nan
        piece["intervals_available"] = name in WITH_INTERVALS
        pieces.append(piece)
    return scores, pieces


METRIC_COLUMNS = [
    "mae",
    "rmse",
    "smape",
    "mase",
    "mase_scale",
    "mase_defined",
    "n_windows",
    "n_points",
]


def drop_non_finite(
    all_fc: pd.DataFrame, scores: pd.DataFrame, dropped: list[dict[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop, per series, every model whose backtest or final forecast is not finite.

    The pairs dropped are added to ``dropped`` with their reason; returns the remaining
    forecasts and the backtest table.
    """
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
    backtest = scores[["series", "model", *METRIC_COLUMNS]].reset_index(drop=True)
    backtest = backtest.astype({"n_windows": "int64", "n_points": "int64", "mase_defined": bool})
    return all_fc, backtest


def select_best(
    backtest: pd.DataFrame, setup: Setup, series_ids: Sequence[str], notes: list[Note]
) -> pd.DataFrame:
    """Best model per series: lowest metric, ties to the model named first.

    With ``metric='mase'`` a series whose MASE is undefined for every model is decided by
    MAE (noted). A series left without any model raises :class:`ComputationError`.
    """
    order = {name: i for i, name in enumerate((*setup.models, *INTERMITTENT_MODELS))}
    lost = sorted(set(series_ids) - set(backtest["series"]))
    if lost:
        raise ComputationError(
            f"No model gave a finite forecast for series {', '.join(lost)}. Check the data or "
            "try other models (e.g. 'seasonal_naive').",
            f"序列 {', '.join(lost)} 没有任何模型给出有限的预测值。请检查数据或换用其他模型"
            "（如 'seasonal_naive'）。",
        )
    ranked = backtest.assign(_o=backtest["model"].map(order))
    if setup.metric == "mase":
        undefined = ~ranked.groupby("series")["mase_defined"].transform("any").to_numpy(bool)
        ranked["_metric"] = np.where(undefined, "mae", "mase")
        ranked["_key"] = np.where(undefined, ranked["mae"], ranked["mase"])
        for sid in sorted(set(ranked.loc[undefined, "series"])):
            notes.append(
                Note(
                    f"series {sid}: MASE is undefined (the in-sample seasonal naive error is 0); "
                    "best model chosen by MAE.",
                    f"序列 {sid}：MASE 无定义（样本内季节朴素预测的误差为 0）；按 MAE 选择最佳模型。",
                )
            )
    else:
        ranked["_metric"] = setup.metric
        ranked["_key"] = ranked[setup.metric]
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
            Note(
                f"MASE is undefined (NaN, mase_defined=False) for {n_undef} series/model pair(s): "
                "the in-sample seasonal naive error of a backtest window is 0.",
                f"{n_undef} 个序列/模型组合的 MASE 无定义（NaN，mase_defined=False）："
                "某个回测窗口的样本内季节朴素预测误差为 0。",
            )
        )
    return best


def forecast_table(
    chosen: pd.DataFrame, adjusted: FloatArray, levels: tuple[int, ...], notes: list[Note]
) -> pd.DataFrame:
    """The result's forecast table: the best model's rows with ``adjusted``."""
    lohi = [f"{b}-{lv}" for lv in levels for b in ("lo", "hi")]
    table = chosen[["series", "interval_start", "model", "forecast", *lohi]].copy()
    table["adjusted"] = adjusted
    table["intervals_available"] = chosen["intervals_available"].to_numpy(bool)
    if not table["intervals_available"].all():
        no_pi = ", ".join(sorted(set(table.loc[~table["intervals_available"], "model"])))
        notes.append(
            Note(
                f"model(s) {no_pi} have no prediction intervals in statsforecast; their "
                "lo/hi columns are empty (intervals_available=False).",
                f"模型 {no_pi} 在 statsforecast 中没有预测区间；其 lo/hi 列为空"
                "（intervals_available=False）。",
            )
        )
    return table
