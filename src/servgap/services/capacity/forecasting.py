"""Forecasting a queue's demand, and the demand a staffing plan is made for.

:func:`run_forecast` prepares a queue's history for
:func:`servgap.core.forecast.forecast` (closed hours counted as 0 arrivals,
expert adjustments read from text), then marks the forecast's holidays and
make-up working days (:func:`servgap.core.forecast.holiday_indicator`).
:func:`demand_for_planning` gives the calls to staff for: a forecast or the
last days of history.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, SpecError
from servgap.core.forecast import (
    Adjustment,
    ForecastResult,
    Note,
    closed_slots,
    forecast,
    holiday_indicator,
)
from servgap.services.capacity.history import DemandHistory, local_time

_ADJ_RE = re.compile(
    r"^\s*(?P<start>.+?)\s*\.\.\s*(?P<end>.+?)\s*:\s*(?P<op>[x*+\-]\s*\d[\d.]*)"
    r"\s*:\s*(?P<author>[^:]+?)\s*:\s*(?P<reason>.+?)\s*$"
)


def parse_adjustment(text: str, tz: str) -> Adjustment:
    """Parse ``START..END:xFACTOR|+ADD:AUTHOR:REASON`` into an :class:`Adjustment`.

    A date-only END is inclusive (``2026-11-11..2026-11-12`` covers both days);
    an END with a time is exclusive. Dates without a zone are read in ``tz``.
    Times may contain colons, so write them with a ``T`` (``2026-11-11T09:00``).
    """
    m = _ADJ_RE.match(text)
    if m is None:
        raise SpecError(
            f"Cannot read adjustment `{text}`. Write START..END:x1.8:AUTHOR:REASON "
            "(or +50 to add contacts per interval), e.g. 2026-11-11..2026-11-12:x1.8:ops:Double 11.",
            f"无法解析调整 `{text}`。请写成 开始..结束:x1.8:调整人:原因（或用 +50 表示每个时段增加），"
            "例如 2026-11-11..2026-11-12:x1.8:ops:双11。",
        )
    start_s, end_s = m.group("start"), m.group("end")
    start = local_time(start_s, tz, field="adjust")
    end = local_time(end_s, tz, field="adjust")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", end_s.strip()):
        end = end + pd.Timedelta(days=1)
    op = m.group("op").strip()
    try:
        value = float(op[1:])
    except ValueError as exc:
        raise SpecError(
            f"Adjustment `{text}`: `{op}` is not x<factor> or +<number>.",
            f"调整 `{text}`：`{op}` 不是 x<倍数> 或 +<数量>。",
        ) from exc
    factor = value if op[0] in "x*" else None
    add = None if factor is not None else (value if op[0] == "+" else -value)
    return Adjustment(
        start,
        end,
        factor=factor,
        add=add,
        author=m.group("author"),
        reason=m.group("reason"),
        label=m.group("reason")[:40],
    )


@dataclass(frozen=True)
class CapacityForecast(ResultMixin):
    """Forecast of one queue.

    ``table``: ``interval_start`` (local time), ``forecast`` (statistical),
    ``adjusted`` (after expert adjustments), ``adjustment`` (adjusted −
    forecast), ``lo_80``, ``hi_80``, ``model``, ``day_type`` (``holiday``,
    ``makeup_workday`` or ``regular``: official PRC holidays and 调休 days plus the
    workspace's own) and ``closed`` (a time slot the history never has: forecast
    0). ``backtest``, ``best_model``, ``adjustments`` (author and reason recorded)
    from the core result; ``notes`` in English and Chinese.
    """

    site: str
    queue: str
    horizon: int
    best_model: str
    table: pd.DataFrame
    backtest: pd.DataFrame
    adjustments: pd.DataFrame
    notes: tuple[Note, ...]
    total_forecast: float
    total_adjusted: float
    result: ForecastResult

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _with_closed_hours(hist: DemandHistory) -> tuple[pd.DataFrame, int]:
    """The history with 0 arrivals at its missing intervals that fall in closed hours."""
    f = hist.frame
    times = pd.DatetimeIndex(f["interval_start"])
    grid = pd.date_range(times.min(), times.max(), freq=pd.Timedelta(seconds=hist.interval_s))
    missing = grid.difference(times)
    closed = missing[closed_slots(times, missing, timezone=hist.timezone)]
    data = pd.DataFrame({"interval_start": times, "arrivals": f["arrivals"].to_numpy()})
    if len(closed):
        zeros = pd.DataFrame({"interval_start": closed, "arrivals": 0.0})
        data = pd.concat([data, zeros], ignore_index=True).sort_values(
            "interval_start", kind="stable"
        )
    return data.reset_index(drop=True), len(closed)


def run_forecast(
    hist: DemandHistory,
    *,
    horizon: int,
    models: Sequence[str] = ("auto_ets", "mstl", "seasonal_naive"),
    adjustments: Sequence[str | Adjustment] = (),
    backtest_windows: int = 2,
    season_lengths: Sequence[int] | None = None,
) -> CapacityForecast:
    """Forecast ``horizon`` intervals after the history; backtest; apply expert adjustments.

    Seasonal models use the weekly season (7 days of intervals) when the history
    holds the backtest windows plus two weeks, else the daily season; MSTL uses
    both. ``lo_80`` is floored at 0 (arrivals cannot be negative). Intervals at a
    time slot the history never has (closed hours: an ACD exports open intervals
    only) count as 0 arrivals and are forecast as 0.
    """
    if horizon <= 0:
        raise InputError(
            f"`horizon` must be a positive number of intervals (336 = one week of half hours), "
            f"not {horizon}.",
            f"`horizon` 必须是正的时段数（336 = 一周的半小时时段），而不是 {horizon}。",
            fields=("horizon",),
        )
    per_day = round(86400 / hist.interval_s)
    seasons = tuple(season_lengths) if season_lengths else (per_day, 7 * per_day)
    adj = [
        a if isinstance(a, Adjustment) else parse_adjustment(a, hist.timezone) for a in adjustments
    ]
    history, n_closed = _with_closed_hours(hist)
    data = history.assign(series=f"{hist.site}/{hist.queue}")
    notes: list[Note] = []
    # as many backtest windows as the history holds beside two days of training (the least
    # a daily seasonal model needs), at least one
    fit = max(1, (len(data) - 2 * per_day) // horizon)
    if fit < backtest_windows:
        notes.append(
            Note(
                f"The history ({len(data)} intervals) holds {fit} backtest window(s) of {horizon} "
                f"intervals, not {backtest_windows}: the best model is chosen on {fit}.",
                f"历史数据（{len(data)} 个时段）只够 {fit} 个长度为 {horizon} 的回测窗口，"
                f"而不是 {backtest_windows} 个：最佳模型按 {fit} 个窗口选出。",
            )
        )
        backtest_windows = fit
    # weekly season when the history holds the backtest plus two weeks, else daily
    weekly = 7 * per_day
    m = weekly if len(data) >= backtest_windows * horizon + 2 * weekly else per_day
    res = forecast(
        data,
        horizon,
        models=list(models),
        season_lengths=seasons,
        adjustments=adj,
        backtest_windows=backtest_windows,
        freq=f"{int(hist.interval_s)}s",
        season_length=m,
    )
    fc = res.forecast
    table = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(fc["interval_start"], utc=True).dt.tz_convert(
                hist.timezone
            ),
            "forecast": fc["forecast"].to_numpy(dtype=np.float64),
            "adjusted": fc["adjusted"].to_numpy(dtype=np.float64),
        }
    )
    table["adjustment"] = table["adjusted"] - table["forecast"]
    if "lo-80" in fc.columns:
        # arrivals cannot be negative: the lower bound is floored at 0
        table["lo_80"] = np.maximum(fc["lo-80"].to_numpy(dtype=np.float64), 0.0)
        table["hi_80"] = fc["hi-80"].to_numpy(dtype=np.float64)
    table["model"] = fc["model"].to_numpy()
    days = holiday_indicator(
        table["interval_start"],
        timezone=hist.timezone,
        extra_holidays=hist.holidays,
        extra_workdays=hist.extra_workdays,
    )
    table["day_type"] = days.day_type
    closed = closed_slots(
        hist.frame["interval_start"], table["interval_start"], timezone=hist.timezone
    )
    table["closed"] = closed
    notes = [*res.notes, *notes]
    if n_closed or closed.any():
        zero = [c for c in ("forecast", "adjusted", "adjustment", "lo_80", "hi_80") if c in table]
        table.loc[closed, zero] = 0.0
        notes.append(
            Note(
                f"{n_closed} interval(s) missing from the history fall in hours the queue is never "
                f"open in it (closed hours): counted as 0 arrivals; {int(closed.sum())} forecast "
                "interval(s) in those hours are forecast as 0.",
                f"历史中缺少的 {n_closed} 个时段都在该队列从未营业的时间（非营业时间）：按 0 来电计；"
                f"预测期内 {int(closed.sum())} 个处于这些时间的时段预测为 0。",
            )
        )
    notes.extend(days.notes)
    return CapacityForecast(
        site=hist.site,
        queue=hist.queue,
        horizon=horizon,
        best_model=str(res.best_model["model"].iloc[0]),
        table=table,
        backtest=res.backtest.drop(columns=["series"]),
        adjustments=_local_adjustments(res.adjustments, hist.timezone),
        notes=tuple(notes),
        total_forecast=float(table["forecast"].sum()),
        total_adjusted=float(table["adjusted"].sum()),
        result=res,
    )


def _local_adjustments(adj: pd.DataFrame, tz: str) -> pd.DataFrame:
    out = adj.copy()
    for c in ("start", "end"):
        if c in out.columns and len(out):
            out[c] = pd.to_datetime(out[c], utc=True).dt.tz_convert(tz)
    return out


@dataclass(frozen=True)
class Demand(ResultMixin):
    """Calls per interval to plan for: ``source`` is ``forecast`` or ``history``."""

    interval_start: pd.Series
    calls: np.ndarray[Any, np.dtype[np.float64]]
    source: str
    forecast: CapacityForecast | None


def demand_for_planning(
    hist: DemandHistory,
    *,
    horizon: int | None = None,
    models: Sequence[str] = ("seasonal_naive",),
    adjustments: Sequence[str] = (),
    last_days: float = 7.0,
) -> Demand:
    """The forecast's adjusted calls (``horizon`` given) or the last ``last_days`` of history."""
    if horizon is not None:
        fc = run_forecast(hist, horizon=horizon, models=models, adjustments=adjustments)
        return Demand(
            fc.table["interval_start"].reset_index(drop=True),
            fc.table["adjusted"].to_numpy(dtype=np.float64),
            "forecast",
            fc,
        )
    if not last_days > 0:
        raise InputError(
            f"`last_days` {last_days:g} must be > 0.",
            f"`last_days` {last_days:g} 必须大于 0。",
            fields=("last_days",),
        )
    f = hist.frame
    end = f["interval_start"].max()
    sel = f[f["interval_start"] > end - pd.Timedelta(days=last_days)]
    return Demand(
        sel["interval_start"].dt.tz_convert(hist.timezone).reset_index(drop=True),
        sel["arrivals"].to_numpy(dtype=np.float64),
        "history",
        None,
    )
