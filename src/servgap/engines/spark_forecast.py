"""Forecasts of many series on a Spark session: statsforecast's Fugue backend.

``StatsForecast.forecast`` given a Spark DataFrame instead of a pandas one hands the
work to its distributed backend (``statsforecast.distributed.fugue.FugueBackend``):
Fugue partitions the rows by series id on the DataFrame's own Spark session and runs
the same per-series statsforecast code on each partition (``applyInPandas``), so each
series' forecast equals the one computed on pandas (tested to 1e-6) and only the
forecast rows are produced, on the cluster. The models are servgap's statsforecast
models by name (:mod:`servgap.core.forecast.models`); this module adds the checks a
user needs before a cluster job starts (columns, model names, series long enough).

References
----------
Garza, F., Mergenthaler Canseco, M., Challú, C. & Olivares, K. G. (2022).
StatsForecast: lightning fast forecasting with statistical and econometric models.
PyCon Salt Lake City. https://github.com/Nixtla/statsforecast (``distributed/fugue.py``).

Wang, H. et al. Fugue: a unified interface for distributed computing.
https://github.com/fugue-project/fugue (``fugue_spark``: the Spark execution engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from servgap.core.errors import ComputationError, InputError, SpecError
from servgap.core.forecast.models import MODEL_NAMES, WITH_INTERVALS, build_model, min_length
from servgap.engines import spark as engine

__all__ = ["DEFAULT_MANY_MODELS", "forecast_many"]

#: Models used when ``models`` is not given: a benchmark and an automatic ETS.
DEFAULT_MANY_MODELS: tuple[str, ...] = ("seasonal_naive", "auto_ets")
#: At most this many too-short series are named in an error.
MAX_LISTED = 20


def forecast_many(
    frame: Any,
    *,
    horizon: int,
    season_length: int,
    freq: str | int,
    session: Any = None,
    models: Sequence[str] = DEFAULT_MANY_MODELS,
    level: Sequence[int] = (),
    window_size: int = 4,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    to_pandas: bool | None = None,
) -> Any:
    """Forecast every series of a long frame with statsforecast, on a Spark session.

    Parameters
    ----------
    frame
        Long format, one row per series and period: ``id_col``, ``time_col`` (timestamps,
        or integers with ``freq=1``) and ``target_col``; a pandas or a Spark DataFrame. A
        pandas frame is sent to the session first.
    horizon
        Periods to forecast per series.
    season_length
        Periods per season (7 for daily data with a weekly cycle, 48 for half-hours).
    freq
        The series' pandas frequency (``"D"``, ``"h"``, ``"30min"``) or 1 for integer times.
    session
        The ``SparkSession`` to use (default: the frame's own, or
        :func:`servgap.engines.spark.session` for a pandas frame).
    models
        servgap model names (:data:`servgap.core.forecast.MODEL_NAMES`).
    level
        Prediction-interval levels (e.g. ``(80, 95)``); every model must then provide
        intervals (``seasonal_naive``, ``holt``, ``holt_winters``, ``auto_ets``, ``mstl``).
    window_size
        Seasons averaged by ``seasonal_window_average``.
    id_col, time_col, target_col
        Column names (matched case-insensitively when not exact).
    to_pandas
        Bring the forecasts to the driver as pandas (sorted by series and time). Default:
        pandas for a pandas ``frame``, a Spark DataFrame (computed on the cluster, to be
        written or collected by the caller) for a Spark ``frame``.

    Returns
    -------
    pandas.DataFrame or pyspark.sql.DataFrame
        statsforecast's forecast table: ``unique_id``, ``ds``, one column per model
        (named by its servgap name) and ``<model>-lo-<level>`` / ``<model>-hi-<level>``.

    Raises
    ------
    SpecError
        Unknown model, a model without intervals with ``level``, bad horizon or season.
    InputError
        A missing column, or series shorter than a model needs (named, up to 20).

    Notes
    -----
    The call is ``StatsForecast(models, freq).forecast(df=spark_df, h=horizon,
    level=level)``; statsforecast dispatches a Spark DataFrame to its Fugue backend,
    which groups by ``unique_id`` on the DataFrame's session. Checked against the same
    call on the pandas frame (tests, to 1e-6).
    """
    _check(horizon, season_length, models, level)
    F = engine._pyspark().functions
    spark_in = engine._is_spark_frame(frame)
    if not spark_in and not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"forecast_many() needs a pandas or Spark DataFrame, got {type(frame).__name__}.",
            f"forecast_many() 需要 pandas 或 Spark DataFrame，收到 {type(frame).__name__}。",
        )
    sdf = frame if spark_in else engine.session(session).createDataFrame(frame)
    cols = [str(c) for c in sdf.columns]
    real = [engine._resolve(cols, c) for c in (id_col, time_col, target_col)]
    sdf = sdf.select(
        F.col(real[0]).cast("string").alias("unique_id"),
        F.col(real[1]).alias("ds"),
        F.col(real[2]).cast("double").alias("y"),
    )
    _check_lengths(sdf, models, season_length, window_size)
    from statsforecast import StatsForecast

    built = [build_model(m, season_length, (season_length,), window_size) for m in models]
    collect = to_pandas if to_pandas is not None else not spark_in
    try:
        out: Any = StatsForecast(models=built, freq=freq).forecast(
            df=sdf, h=horizon, level=list(level) or None
        )
        if collect:
            out = out.toPandas().sort_values(["unique_id", "ds"], kind="stable")
            out = out.reset_index(drop=True)
    except Exception as exc:  # the executors' error arrives as a Py4J/Spark exception
        raise ComputationError(
            f"statsforecast on Spark failed with models {', '.join(models)}: "
            f"{_last_line(exc)}. Check the data (one row per series and period) and that "
            "every executor's Python (spark.pyspark.python) has statsforecast installed.",
            f"statsforecast 在 Spark 上运行模型 {', '.join(models)} 失败：{_last_line(exc)}。"
            "请检查数据（每个序列每个时段一行），并确认每个执行器的 Python"
            "（spark.pyspark.python）已安装 statsforecast。",
        ) from exc
    return out


def _check(horizon: int, season_length: int, models: Sequence[str], level: Sequence[int]) -> None:
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise SpecError(
            f"`horizon` must be a whole number ≥ 1, got {horizon!r}.",
            f"`horizon` 必须是 ≥ 1 的整数，收到 {horizon!r}。",
            fields=("horizon",),
        )
    if isinstance(season_length, bool) or not isinstance(season_length, int) or season_length < 1:
        raise SpecError(
            f"`season_length` must be a whole number ≥ 1, got {season_length!r}.",
            f"`season_length` 必须是 ≥ 1 的整数，收到 {season_length!r}。",
            fields=("season_length",),
        )
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown or not models:
        raise SpecError(
            f"`models` must name one or more of {', '.join(MODEL_NAMES)}; got {list(models)}.",
            f"`models` 必须是 {', '.join(MODEL_NAMES)} 中的一个或多个；收到 {list(models)}。",
            fields=("models",),
        )
    no_pi = [m for m in models if m not in WITH_INTERVALS]
    if level and no_pi:
        raise SpecError(
            f"Models {', '.join(no_pi)} give no prediction intervals; drop `level` or "
            f"use only {', '.join(sorted(WITH_INTERVALS))}.",
            f"模型 {', '.join(no_pi)} 没有预测区间；请去掉 `level`，或只使用 "
            f"{', '.join(sorted(WITH_INTERVALS))}。",
            fields=("level", "models"),
        )


def _check_lengths(sdf: Any, models: Sequence[str], season_length: int, window_size: int) -> None:
    """:class:`InputError` naming the series too short for a model (one small Spark job)."""
    rules = [min_length(m, season_length, (season_length,), window_size) for m in models]
    need, en, zh = max(rules, key=lambda r: r[0])
    F = engine._pyspark().functions
    short = (
        sdf.groupBy("unique_id")
        .count()
        .where(F.col("count") < need)
        .orderBy("unique_id")
        .limit(MAX_LISTED)
        .toPandas()
    )
    if len(short):
        names = ", ".join(
            f"{u} (n={int(n)})" for u, n in zip(short["unique_id"], short["count"], strict=True)
        )
        raise InputError(
            f"Series {names} are shorter than {need} periods ({en}); give more history or "
            "other models.",
            f"序列 {names} 少于 {need} 个时段（{zh}）；请提供更长的历史或换用其他模型。",
            fields=("models",),
        )


def _last_line(exc: BaseException) -> str:
    lines = [x.strip() for x in str(exc).strip().splitlines() if x.strip()]
    return lines[-1][:300] if lines else type(exc).__name__
