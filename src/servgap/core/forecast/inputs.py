"""Checking the settings and the history of a forecast, with every problem listed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
from pandas._libs.tslibs.offsets import BaseOffset, Tick
from pandas.tseries.frequencies import to_offset

from servgap.core.errors import InputError, InsufficientDataError, ProblemCollector, SpecError
from servgap.core.forecast.accuracy import METRICS
from servgap.core.forecast.models import MODEL_NAMES
from servgap.core.forecast.result import Note


def check_spec(
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
    if metric not in METRICS:
        pc.add(
            f"metric must be one of {', '.join(METRICS)}, got {metric!r}.",
            f"metric 必须是 {', '.join(METRICS)} 之一，实际为 {metric!r}。",
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


def clean_history(
    history: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    value_col: str,
    offset: BaseOffset,
    freq: str,
    fill_missing: str | None,
    notes: list[Note],
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
                Note(
                    f"series {sid}: {n_missing} missing interval(s) filled with 0 "
                    "(fill_missing='zero').",
                    f"序列 {sid}：{n_missing} 个缺失时段按 0 填补（fill_missing='zero'）。",
                )
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
