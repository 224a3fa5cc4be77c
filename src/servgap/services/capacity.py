"""Capacity-planning use cases: demand from the store or a file -> core queueing/forecast.

Each function loads what it needs, calls the pure core functions
(:mod:`servgap.core.forecast`, :mod:`servgap.core.staffing`,
:mod:`servgap.core.queueing`, :mod:`servgap.core.capacity`,
:mod:`servgap.core.simulate`) and assembles tables; nothing here computes a
statistic itself. The CLI (``servgap capacity ...``) and the charts only
print/draw these results.

Times: the store keeps UTC; tables show ``interval_start`` in the workspace's
time zone (demo: Asia/Shanghai), and dates typed by a user (``--until``,
``--adjust``) without a zone are read in that zone too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
    BalanceResult,
    ToleranceTarget,
    balance,
    roster_to_agents,
    share_within_tolerance,
    tolerance_target,
)
from servgap.core.errors import (
    InputError,
    InsufficientDataError,
    NotFoundError,
    ProblemCollector,
    SpecError,
)
from servgap.core.forecast import Adjustment, ForecastResult, forecast
from servgap.core.queueing import erlang_a, estimate_aht, estimate_patience
from servgap.core.simulate import simulate
from servgap.core.staffing import StaffingResult, required_agents
from servgap.services.context import Store, get_workspace
from servgap.store.models import DemandInterval, Site

SLDef = Literal["offered", "answered", "all"]


DEMAND_COLUMNS = (
    "interval_start",
    "interval_s",
    "arrivals",
    "handled",
    "abandoned",
    "aht_s",
    "total_wait_s",
    "agents",
)


# ------------------------------------------------------------------------------------ demand


@dataclass(frozen=True)
class DemandHistory(ResultMixin):
    """Interval demand of one queue: ``frame`` has :data:`DEMAND_COLUMNS` (UTC times)."""

    site: str
    queue: str
    timezone: str
    frame: pd.DataFrame

    @property
    def interval_s(self) -> float:
        return float(self.frame["interval_s"].iloc[0])


def load_demand(
    store: Store, *, workspace: str, site: str, queue: str | None = None
) -> DemandHistory:
    """Demand history of ``site``/``queue`` from the store (queue optional if the site has one)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        tz = ws.timezone or "Asia/Shanghai"
        site_row = s.scalar(select(Site).where(Site.workspace_id == ws.id, Site.code == site))
        if site_row is None:
            known = s.scalars(
                select(Site.code)
                .join(DemandInterval, DemandInterval.site_id == Site.id)
                .where(Site.workspace_id == ws.id)
                .distinct()
                .order_by(Site.code)
            ).all()
            raise NotFoundError(
                f"Site `{site}` does not exist in workspace `{workspace}`. Sites with demand data: "
                f"{', '.join(known) or '(none)'}.",
                f"工作区 `{workspace}` 中没有网点 `{site}`。有需求数据的网点："
                f"{'、'.join(known) or '（无）'}。",
            )
        queues = s.scalars(
            select(DemandInterval.queue)
            .where(DemandInterval.site_id == site_row.id)
            .distinct()
            .order_by(DemandInterval.queue)
        ).all()
        if queue is None:
            if len(queues) != 1:
                raise InputError(
                    f"Site `{site}` has queues {', '.join(queues) or '(none)'}; say which with --queue.",
                    f"网点 `{site}` 有队列 {'、'.join(queues) or '（无）'}；请用 --queue 指定。",
                    code="usage",
                )
            queue = queues[0]
        if queue not in queues:
            raise NotFoundError(
                f"Site `{site}` has no demand for queue `{queue}`. Its queues: "
                f"{', '.join(queues) or '(none)'}.",
                f"网点 `{site}` 没有队列 `{queue}` 的需求数据。其队列：{'、'.join(queues) or '（无）'}。",
            )
        rows = s.execute(
            select(
                DemandInterval.interval_start,
                DemandInterval.interval_s,
                DemandInterval.arrivals,
                DemandInterval.handled,
                DemandInterval.abandoned,
                DemandInterval.aht_s,
                DemandInterval.total_wait_s,
                DemandInterval.agents,
            )
            .where(DemandInterval.site_id == site_row.id, DemandInterval.queue == queue)
            .order_by(DemandInterval.interval_start)
        ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(DEMAND_COLUMNS))
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    for c in DEMAND_COLUMNS[1:]:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(np.float64)
    return DemandHistory(site=site, queue=queue, timezone=tz, frame=frame)


def read_demand_file(
    path: Path,
    *,
    site: str | None = None,
    queue: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> DemandHistory:
    """Read a demand CSV in the DATA_CONTRACT interval format and validate every row.

    Required columns: ``interval_start`` (with a time zone) and ``arrivals``;
    optional ``site``, ``queue``, ``interval_s`` (default 1800), ``handled``,
    ``abandoned``, ``aht_s``, ``total_wait_s``. All bad cells are reported at once,
    with the row number (1 = first data row after the header).
    """
    name = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(
            f"Demand file {name} does not exist.", f"需求文件 {name} 不存在。"
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Cannot read demand file {name} as CSV: {exc}.",
            f"无法以 CSV 读取需求文件 {name}：{exc}。",
        ) from exc
    missing = [c for c in ("interval_start", "arrivals") if c not in raw.columns]
    if missing:
        raise InputError(
            f"Demand file {name} lacks column(s) {', '.join(missing)}; the interval demand format "
            "needs interval_start and arrivals (see DATA_CONTRACT).",
            f"需求文件 {name} 缺少列 {'、'.join(missing)}；时段需求格式至少需要 interval_start 和 arrivals。",
        )
    for col, wanted in (("site", site), ("queue", queue)):
        if col in raw.columns:
            values = sorted(set(raw[col]))
            if wanted is not None:
                raw = raw[raw[col] == wanted]
                if raw.empty:
                    raise NotFoundError(
                        f"Demand file {name} has no rows for {col} `{wanted}`; it has: "
                        f"{', '.join(values)}.",
                        f"需求文件 {name} 中没有 {col} 为 `{wanted}` 的行；现有：{'、'.join(values)}。",
                    )
            elif len(values) > 1:
                raise InputError(
                    f"Demand file {name} holds several {col}s ({', '.join(values)}); pick one "
                    f"with --{col}.",
                    f"需求文件 {name} 含多个 {col}（{'、'.join(values)}）；请用 --{col} 选择一个。",
                    code="usage",
                )
    pc = ProblemCollector()
    starts: list[pd.Timestamp | None] = []
    for i, v in zip(raw.index, raw["interval_start"], strict=True):
        try:
            ts = pd.Timestamp(v)
        except (ValueError, TypeError):
            ts = None
        if ts is None or pd.isna(ts):
            pc.add(f"`{v}` is not a timestamp; use ISO 8601 such as 2026-11-11T09:00:00+08:00",
                   f"`{v}` 不是时间戳；请使用 ISO 8601 格式，如 2026-11-11T09:00:00+08:00",
                   file=name, row=int(i) + 1, column="interval_start", value=v)  # fmt: skip
            starts.append(None)
        elif ts.tzinfo is None:
            pc.add(f"`{v}` has no time zone; add one (e.g. +08:00 or Z)",
                   f"`{v}` 没有时区；请加上时区（如 +08:00 或 Z）",
                   file=name, row=int(i) + 1, column="interval_start", value=v)  # fmt: skip
            starts.append(None)
        else:
            starts.append(ts.tz_convert("UTC"))
    out = pd.DataFrame(index=raw.index)
    for col in DEMAND_COLUMNS[1:]:
        if col not in raw.columns:
            out[col] = 1800.0 if col == "interval_s" else np.nan
            continue
        text = raw[col].str.strip()
        num = pd.to_numeric(text.replace("", np.nan), errors="coerce").astype(np.float64)
        required = col in ("arrivals", "interval_s")
        for i in raw.index:
            x = float(num.loc[i])
            blank = text.loc[i] == ""
            bad = (
                (blank and required)
                or (not blank and not math.isfinite(x))
                or (math.isfinite(x) and (x < 0 or (col == "interval_s" and x <= 0)))
            )
            if bad:
                pc.add(
                    f"value `{raw[col].loc[i]}`: `{col}` must be a number >= 0 (a volume or a time); "
                    "fix the cell",
                    f"值 `{raw[col].loc[i]}`：`{col}` 必须是 ≥ 0 的数值（数量或时长）；请更正该单元格",
                    file=name, row=int(i) + 1, column=col, value=raw[col].loc[i],
                )  # fmt: skip
        out[col] = num
    pc.raise_if_any(InputError, f"Invalid demand file {name}.", f"需求文件 {name} 无效。")
    out.insert(0, "interval_start", pd.to_datetime(pd.Series(starts, index=raw.index), utc=True))
    out = out.sort_values("interval_start").reset_index(drop=True)
    if out.empty:
        raise InsufficientDataError(
            f"Demand file {name} has no rows.", f"需求文件 {name} 没有数据行。"
        )
    s = site or (str(raw["site"].iloc[0]) if "site" in raw.columns else "file")
    q = queue or (str(raw["queue"].iloc[0]) if "queue" in raw.columns else "queue")
    return DemandHistory(site=s, queue=q, timezone=timezone, frame=out)


def local_time(value: str, tz: str, *, what: str) -> pd.Timestamp:
    """Parse a user-typed date/time; without a zone it is read in ``tz``. Returns UTC."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"{what} `{value}` is not a date or time; use e.g. 2026-11-11 or 2026-11-11T09:00.",
            f"{what} `{value}` 不是日期或时间；请写成 2026-11-11 或 2026-11-11T09:00。",
        ) from exc
    if pd.isna(ts):
        raise InputError(f"{what} is empty.", f"{what} 为空。")
    if ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    return ts.tz_convert("UTC")


def cut_history(hist: DemandHistory, *, until: str | None = None) -> DemandHistory:
    """History strictly before ``until`` (local date/time): a forecast origin in the past."""
    if until is None:
        return hist
    cut = local_time(until, hist.timezone, what="--until")
    frame = hist.frame[hist.frame["interval_start"] < cut].reset_index(drop=True)
    if frame.empty:
        raise InsufficientDataError(
            f"No demand before {until}; the history starts at "
            f"{hist.frame['interval_start'].min()}.",
            f"{until} 之前没有需求数据；历史数据始于 {hist.frame['interval_start'].min()}。",
        )
    return DemandHistory(site=hist.site, queue=hist.queue, timezone=hist.timezone, frame=frame)


# ------------------------------------------------------------------------- queue parameters


@dataclass(frozen=True)
class QueueParameters(ResultMixin):
    """AHT and patience estimated from the history (pooled over all intervals).

    ``patience_s`` is None when it was not asked for (Erlang C);
    ``patience_source`` is ``estimated`` (exponential MLE total_wait_s /
    abandoned, :func:`~servgap.core.queueing.estimate_patience`), ``given`` or
    ``none``; ``patience_se_s`` its standard error when estimated.
    """

    aht_s: float
    handled: float
    patience_s: float | None
    patience_se_s: float | None
    patience_source: str
    abandoned: float
    interval_s: float


def queue_parameters(
    hist: DemandHistory, *, patience: str | float | None = "auto", aht_s: float | None = None
) -> QueueParameters:
    """Pooled AHT (Σ handled·aht / Σ handled) and patience (Σ wait / Σ abandoned) of a queue."""
    f = hist.frame
    handled = f["handled"].fillna(0.0).to_numpy()
    aht_col = f["aht_s"].fillna(0.0).to_numpy()
    if aht_s is None:
        if not np.any(handled > 0) or not np.any(aht_col > 0):
            raise InsufficientDataError(
                f"The history of {hist.site}/{hist.queue} has no handled contacts with an aht_s, "
                "so AHT cannot be estimated. Give --aht SECONDS.",
                f"{hist.site}/{hist.queue} 的历史数据中没有带 aht_s 的已处理量，无法估计平均处理时长。"
                "请用 --aht 秒数 指定。",
            )
        est = estimate_aht(float(handled.sum()), float((handled * aht_col).sum()))
        aht = float(est.aht_s)
    else:
        aht = float(aht_s)
    ab_total = float(f["abandoned"].fillna(0.0).sum())
    if patience is None or patience == "none":
        return QueueParameters(
            aht, float(handled.sum()), None, None, "none", ab_total, hist.interval_s
        )
    if patience == "auto":
        if f["total_wait_s"].isna().all():
            raise InsufficientDataError(
                f"The history of {hist.site}/{hist.queue} has no total_wait_s, so patience cannot "
                "be estimated. Give --patience SECONDS or --patience none (Erlang C).",
                f"{hist.site}/{hist.queue} 的历史数据没有 total_wait_s，无法估计耐心时间。"
                "请用 --patience 秒数，或 --patience none（Erlang C）。",
            )
        pe = estimate_patience(float(f["total_wait_s"].fillna(0.0).sum()), ab_total)
        return QueueParameters(
            aht,
            float(handled.sum()),
            float(pe.patience_s),
            float(pe.se_s),
            "estimated",
            ab_total,
            hist.interval_s,
        )
    try:
        p = float(patience)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"--patience `{patience}` must be auto, none or a number of seconds > 0.",
            f"--patience `{patience}` 必须是 auto、none 或大于 0 的秒数。",
        ) from exc
    if not (p > 0):
        raise InputError(
            f"--patience {p:g} must be > 0 seconds (or auto / none).",
            f"--patience {p:g} 必须大于 0 秒（或 auto / none）。",
        )
    return QueueParameters(aht, float(handled.sum()), p, None, "given", ab_total, hist.interval_s)


# ---------------------------------------------------------------------------------- forecast

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
    start = local_time(start_s, tz, what="adjustment start")
    end = local_time(end_s, tz, what="adjustment end")
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
    forecast), ``lo_80``, ``hi_80``, ``model``. ``backtest``, ``best_model``,
    ``adjustments`` (author and reason recorded) from the core result.
    """

    site: str
    queue: str
    horizon: int
    best_model: str
    table: pd.DataFrame
    backtest: pd.DataFrame
    adjustments: pd.DataFrame
    notes: tuple[str, ...]
    total_forecast: float
    total_adjusted: float
    result: ForecastResult

    def to_frame(self) -> pd.DataFrame:
        return self.table


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
    both. ``lo_80`` is floored at 0 (arrivals cannot be negative).
    """
    if horizon <= 0:
        raise InputError(
            f"--horizon {horizon} must be a positive number of intervals (336 = one week of half hours).",
            f"--horizon {horizon} 必须是正的时段数（336 = 一周的半小时时段）。",
        )
    per_day = round(86400 / hist.interval_s)
    seasons = tuple(season_lengths) if season_lengths else (per_day, 7 * per_day)
    adj = [
        a if isinstance(a, Adjustment) else parse_adjustment(a, hist.timezone) for a in adjustments
    ]
    series = f"{hist.site}/{hist.queue}"
    data = pd.DataFrame(
        {
            "series": series,
            "interval_start": hist.frame["interval_start"],
            "arrivals": hist.frame["arrivals"],
        }
    )
    freq = f"{int(hist.interval_s)}s"
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
        freq=freq,
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
    best = str(res.best_model["model"].iloc[0])
    return CapacityForecast(
        site=hist.site,
        queue=hist.queue,
        horizon=horizon,
        best_model=best,
        table=table,
        backtest=res.backtest.drop(columns=["series"]),
        adjustments=_local_adjustments(res.adjustments, hist.timezone),
        notes=res.notes,
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
    if last_days <= 0:
        raise InputError(
            f"--last-days {last_days:g} must be > 0.", f"--last-days {last_days:g} 必须大于 0。"
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


# ------------------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffPlan(ResultMixin):
    """Agents per interval for a service target.

    ``table``: ``interval_start``, ``calls``, ``agents``, ``scheduled`` (after
    shrinkage), ``service_level``, ``p_abandon``, ``asa_s``, ``occupancy``,
    ``binding``. ``agent_hours`` = Σ agents × interval hours (on the phones),
    ``scheduled_hours`` likewise for scheduled agents.
    """

    site: str
    queue: str
    source: str
    model: str
    sl_definition: str
    target_sl: float
    target_wait_s: float
    max_occupancy: float | None
    shrinkage: float
    parameters: QueueParameters
    table: pd.DataFrame
    agent_hours: float
    scheduled_hours: float
    peak_agents: float

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _staff(
    demand: Demand,
    params: QueueParameters,
    *,
    target_sl: float,
    target_wait_s: float,
    sl_definition: SLDef,
    max_occupancy: float | None,
    shrinkage: float,
) -> StaffingResult:
    return required_agents(
        demand.calls,
        params.interval_s,
        params.aht_s,
        target_sl,
        target_wait_s,
        patience_s=params.patience_s,
        sl_definition=sl_definition,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )


def run_staff(
    hist: DemandHistory,
    demand: Demand,
    *,
    target_sl: float = 0.8,
    target_wait_s: float = 20.0,
    patience: str | float | None = "auto",
    sl_definition: SLDef = "offered",
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    aht_s: float | None = None,
) -> StaffPlan:
    """Required agents per interval (Erlang A with patience, else Erlang C)."""
    params = queue_parameters(hist, patience=patience, aht_s=aht_s)
    res = _staff(
        demand,
        params,
        target_sl=target_sl,
        target_wait_s=target_wait_s,
        sl_definition=sl_definition,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    table = pd.DataFrame(
        {
            "interval_start": demand.interval_start,
            "calls": demand.calls,
            "agents": res.agents,
            "scheduled": res.scheduled,
            "service_level": res.service_level,
            "p_abandon": res.p_abandon,
            "asa_s": res.asa_s,
            "occupancy": res.occupancy,
            "binding": res.binding,
        }
    )
    hours = params.interval_s / 3600.0
    return StaffPlan(
        site=hist.site,
        queue=hist.queue,
        source=demand.source,
        model=res.model,
        sl_definition=sl_definition if params.patience_s is not None else "erlang_c",
        target_sl=float(target_sl),
        target_wait_s=float(target_wait_s),
        max_occupancy=max_occupancy,
        shrinkage=float(shrinkage),
        parameters=params,
        table=table,
        agent_hours=float(res.agents.sum() * hours),
        scheduled_hours=float(res.scheduled.sum() * hours),
        peak_agents=float(res.agents.max()) if res.agents.size else 0.0,
    )


# -------------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class TolerancePlan(ResultMixin):
    """Staffing to customers' own tolerance zone, and the cost of adequate vs desired.

    ``target``: :class:`~servgap.core.capacity.ToleranceTarget` in the item's
    unit (minutes for the demo's ``wait``); ``adequate_wait_s`` /
    ``desired_wait_s`` the targets in seconds. ``comparison``: one row per
    level (``adequate``, ``desired``) with ``target_wait_s``, ``target_sl``
    (= coverage), ``agent_hours``, ``agent_hours_per_week``,
    ``share_within_adequate``, ``share_within_desired`` (call-weighted mean over
    intervals of the share of customers served within their OWN adequate /
    desired wait), ``wait_hours_per_week``, ``agent_cost_per_week``,
    ``wait_cost_per_week``, ``abandon_cost_per_week``, ``total_cost_per_week``.
    ``table``: per interval, agents for both levels and the shares.
    """

    site: str
    queue: str
    survey: str
    item: str
    unit: str
    coverage: float
    target: ToleranceTarget
    adequate_wait_s: float
    desired_wait_s: float
    sl_definition: str
    parameters: QueueParameters
    agent_cost_per_hour: float
    wait_cost_per_hour: float
    abandon_cost: float
    comparison: pd.DataFrame
    table: pd.DataFrame
    extra_cost_desired_per_week: float

    def to_frame(self) -> pd.DataFrame:
        return self.comparison


def survey_waits(
    store: Store, *, workspace: str, survey: str, item: str, site: str | None = None
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.float64]], str]:
    """Adequate and desired answers of a three-column wait item, and its unit."""
    from servgap.services.responses import load_responses

    definition, wide = load_responses(store, workspace=workspace, survey=survey)
    cols = [f"{item}_adequate", f"{item}_desired"]
    if any(c not in wide.columns for c in cols):
        raise NotFoundError(
            f"Survey `{survey}` has no three-column item `{item}` (columns {', '.join(cols)}). "
            "Give the code of a servqual3 waiting-time item.",
            f"调查 `{survey}` 没有三栏式题目 `{item}`（列 {'、'.join(cols)}）。请给出等候时间类 servqual3 题目的代码。",
        )
    if site is not None:
        if "site" not in wide.columns or not (wide["site"] == site).any():
            raise NotFoundError(
                f"Survey `{survey}` has no responses from site `{site}`.",
                f"调查 `{survey}` 没有来自网点 `{site}` 的答卷。",
            )
        wide = wide[wide["site"] == site]
    unit = "minutes"
    for q in getattr(definition, "questions", ()):
        if getattr(q, "code", None) == item:
            unit = str(getattr(q, "unit", None) or "minutes")
    return (
        pd.to_numeric(wide[cols[0]], errors="coerce").to_numpy(dtype=np.float64),
        pd.to_numeric(wide[cols[1]], errors="coerce").to_numpy(dtype=np.float64),
        unit,
    )


_UNIT_S = {"seconds": 1.0, "second": 1.0, "s": 1.0, "minutes": 60.0, "minute": 60.0, "min": 60.0,
           "hours": 3600.0, "hour": 3600.0, "h": 3600.0}  # fmt: skip


def run_plan(
    hist: DemandHistory,
    demand: Demand,
    adequate: Sequence[float] | np.ndarray[Any, np.dtype[np.float64]],
    desired: Sequence[float] | np.ndarray[Any, np.dtype[np.float64]],
    *,
    unit: str = "minutes",
    survey: str = "",
    item: str = "",
    coverage: float = 0.8,
    patience: str | float | None = "auto",
    sl_definition: SLDef = "offered",
    agent_cost_per_hour: float = DEFAULT_AGENT_COST_PER_HOUR,
    wait_cost_per_hour: float = DEFAULT_WAIT_COST_PER_HOUR,
    abandon_cost: float = DEFAULT_ABANDON_COST,
) -> TolerancePlan:
    """Survey-to-staffing: serve ``coverage`` of customers within the wait ``coverage`` call adequate.

    Notes
    -----
    Target wait t_a = the wait that at least ``coverage`` of respondents call
    adequate (:func:`~servgap.core.capacity.tolerance_target`, the k-th smallest
    adequate wait, k = ⌊n(1 − coverage)⌋ + 1); the queue is staffed so that
    SL(t_a) ≥ coverage (:func:`~servgap.core.staffing.required_agents`), and
    again to the desired level t_d. For each staffing the expected share of
    customers served within their own adequate/desired wait is
    :func:`~servgap.core.capacity.share_within_tolerance` (weighted by calls).
    Weekly cost = (agent-hours · agent cost + waiting hours · wait cost +
    abandonments · abandon cost) · 7 days / days planned; waiting hours =
    Σ calls · E[W] (Erlang A/C mean wait, abandoners' waits included).
    """
    if unit not in _UNIT_S:
        raise SpecError(
            f"Unknown waiting-time unit `{unit}`; use seconds, minutes or hours.",
            f"未知的等候时间单位 `{unit}`；请使用 seconds、minutes 或 hours。",
        )
    for nm, v in (("--agent-cost-per-hour", agent_cost_per_hour),
                  ("--wait-cost-per-hour", wait_cost_per_hour), ("--abandon-cost", abandon_cost)):  # fmt: skip
        if not (math.isfinite(v) and v >= 0):
            raise InputError(
                f"{nm} {v:g} must be a number >= 0.", f"{nm} {v:g} 必须是 ≥ 0 的数值。"
            )
    target = tolerance_target(adequate, desired, coverage=coverage)
    scale = _UNIT_S[unit]
    a_all = np.asarray(adequate, dtype=np.float64)
    d_all = np.asarray(desired, dtype=np.float64)
    ok = ~(np.isnan(a_all) | np.isnan(d_all)) & (d_all <= a_all)
    a_s, d_s = a_all[ok] * scale, d_all[ok] * scale
    params = queue_parameters(hist, patience=patience)
    hours = params.interval_s / 3600.0
    days = demand.calls.size * params.interval_s / 86400.0
    per_week = 7.0 / days if days > 0 else 0.0
    rows = []
    per_interval: dict[str, Any] = {"interval_start": demand.interval_start, "calls": demand.calls}
    weights = demand.calls / demand.calls.sum() if demand.calls.sum() > 0 else None
    for level, wait_s in (("adequate", target.adequate_target * scale),
                          ("desired", target.desired_target * scale)):  # fmt: skip
        st = _staff(
            demand,
            params,
            target_sl=coverage,
            target_wait_s=wait_s,
            sl_definition=sl_definition,
            max_occupancy=None,
            shrinkage=0.0,
        )
        busy = demand.calls > 0  # idle intervals carry no customers (weight 0)
        sh = share_within_tolerance(
            demand.calls[busy],
            params.interval_s,
            params.aht_s,
            st.agents[busy],
            a_s,
            desired_wait_s=d_s,
            patience_s=params.patience_s,
            sl_definition=sl_definition,
        )
        share_a = np.ones(demand.calls.size)
        share_d = np.ones(demand.calls.size)
        share_a[busy] = sh.share_within_adequate
        share_d[busy] = sh.share_within_desired
        perf = erlang_a(
            demand.calls,
            params.interval_s,
            params.aht_s,
            np.inf if params.patience_s is None else params.patience_s,
            st.agents,
            wait_s,
        )
        with np.errstate(invalid="ignore"):
            wait_h = np.where(demand.calls > 0, demand.calls * perf.mean_wait_s / 3600.0, 0.0)
        ab = demand.calls * np.nan_to_num(perf.p_abandon)
        agent_h = float(st.agents.sum() * hours)

        def wmean(x: np.ndarray[Any, np.dtype[np.float64]]) -> float:
            return float(np.sum(x * weights)) if weights is not None else float("nan")

        agent_cost = agent_h * agent_cost_per_hour * per_week
        wait_cost = float(wait_h.sum()) * wait_cost_per_hour * per_week
        ab_cost = float(ab.sum()) * abandon_cost * per_week
        rows.append(
            {
                "level": level,
                "target_wait_s": wait_s,
                "target_sl": coverage,
                "agent_hours": agent_h,
                "agent_hours_per_week": agent_h * per_week,
                "peak_agents": float(st.agents.max()) if st.agents.size else 0.0,
                "share_within_adequate": wmean(share_a),
                "share_within_desired": wmean(share_d),
                "wait_hours_per_week": float(wait_h.sum()) * per_week,
                "abandonments_per_week": float(ab.sum()) * per_week,
                "agent_cost_per_week": agent_cost,
                "wait_cost_per_week": wait_cost,
                "abandon_cost_per_week": ab_cost,
                "total_cost_per_week": agent_cost + wait_cost + ab_cost,
            }
        )
        per_interval[f"agents_{level}"] = st.agents
        per_interval[f"share_within_adequate_{level}"] = share_a
    comparison = pd.DataFrame(rows)
    extra = float(
        comparison["total_cost_per_week"].iloc[1] - comparison["total_cost_per_week"].iloc[0]
    )
    return TolerancePlan(
        site=hist.site,
        queue=hist.queue,
        survey=survey,
        item=item,
        unit=unit,
        coverage=float(coverage),
        target=target,
        adequate_wait_s=target.adequate_target * scale,
        desired_wait_s=target.desired_target * scale,
        sl_definition=sl_definition if params.patience_s is not None else "erlang_c",
        parameters=params,
        agent_cost_per_hour=agent_cost_per_hour,
        wait_cost_per_hour=wait_cost_per_hour,
        abandon_cost=abandon_cost,
        comparison=comparison,
        table=pd.DataFrame(per_interval),
        extra_cost_desired_per_week=extra,
    )


# ----------------------------------------------------------------------------------- balance


def read_capacity_file(
    path: Path, demand: Demand, tz: str
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Agents per interval from a CSV: ``agents`` column, optionally ``interval_start``.

    With ``interval_start`` the rows are matched to the demand intervals (a missing
    interval is an error naming it); without it there must be one row per interval.
    """
    name = str(path)
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(
            f"Capacity file {name} does not exist.", f"产能文件 {name} 不存在。"
        ) from exc
    if "agents" not in raw.columns:
        raise InputError(
            f"Capacity file {name} needs an `agents` column (and optionally interval_start).",
            f"产能文件 {name} 需要 `agents` 列（可选 interval_start）。",
        )
    agents = pd.to_numeric(raw["agents"], errors="coerce")
    pc = ProblemCollector()
    for i in np.flatnonzero(
        ~np.isfinite(agents.to_numpy(dtype=np.float64)) | (agents < 0).to_numpy()
    ):
        pc.add(f"agents `{raw['agents'].iloc[i]}` must be a whole number >= 0",
               f"坐席数 `{raw['agents'].iloc[i]}` 必须是 ≥ 0 的整数",
               file=name, row=int(i) + 1, column="agents", value=str(raw["agents"].iloc[i]))  # fmt: skip
    pc.raise_if_any(InputError, f"Invalid capacity file {name}.", f"产能文件 {name} 无效。")
    if "interval_start" not in raw.columns:
        if len(raw) != demand.calls.size:
            raise InputError(
                f"Capacity file {name} has {len(raw)} rows but there are {demand.calls.size} "
                "intervals to plan; give one row per interval or an interval_start column.",
                f"产能文件 {name} 有 {len(raw)} 行，而待规划时段有 {demand.calls.size} 个；"
                "请每个时段一行，或提供 interval_start 列。",
            )
        whole: np.ndarray[Any, np.dtype[np.float64]] = np.floor(agents.to_numpy(dtype=np.float64))
        return whole
    keys = [local_time(str(v), tz, what="interval_start") for v in raw["interval_start"]]
    lookup = dict(zip(keys, agents.to_numpy(dtype=np.float64), strict=True))
    want = pd.to_datetime(demand.interval_start, utc=True)
    missing = [w for w in want if w not in lookup]
    if missing:
        raise InputError(
            f"Capacity file {name} has no agents for {len(missing)} interval(s), first "
            f"{missing[0].tz_convert(tz)}.",
            f"产能文件 {name} 缺少 {len(missing)} 个时段的坐席数，第一个为 {missing[0].tz_convert(tz)}。",
        )
    return np.floor(np.array([lookup[w] for w in want], dtype=np.float64))


def read_roster_file(
    path: Path, demand: Demand, tz: str, interval_s: float
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Agents per interval from a roster CSV with ``start``, ``end``, ``count`` (local times)."""
    name = str(path)
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype={"start": str, "end": str})
    except FileNotFoundError as exc:
        raise InputError(
            f"Roster file {name} does not exist.", f"排班文件 {name} 不存在。"
        ) from exc
    shifts = raw.copy()
    for c in ("start", "end"):
        if c in shifts.columns:
            shifts[c] = [local_time(str(v), tz, what=c) for v in shifts[c]]
    if "count" in shifts.columns:
        shifts["count"] = pd.to_numeric(shifts["count"], errors="coerce")
    res = roster_to_agents(
        shifts, pd.to_datetime(demand.interval_start, utc=True), interval_s=interval_s
    )
    return res.agents


@dataclass(frozen=True)
class BalanceReport(ResultMixin):
    """Demand vs capacity per interval with the core balance and its recommendations.

    ``capacity_source``: ``file``, ``roster`` or ``last_week`` (planned agents
    = the agents required one week earlier at the same time of day: "staff
    like last week"). ``table`` = the core ``intervals`` table with
    ``interval_start`` (local) in front.
    """

    site: str
    queue: str
    source: str
    capacity_source: str
    target_sl: float
    target_wait_s: float
    sl_definition: str
    parameters: QueueParameters
    agent_cost_per_hour: float
    wait_cost_per_hour: float
    abandon_cost: float
    result: BalanceResult
    table: pd.DataFrame
    recommendations: pd.DataFrame
    required: np.ndarray[Any, np.dtype[np.float64]]

    def to_frame(self) -> pd.DataFrame:
        return self.table


def last_week_capacity(
    hist: DemandHistory,
    demand: Demand,
    params: QueueParameters,
    *,
    target_sl: float,
    target_wait_s: float,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Agents each interval would get if staffed to last week's actual arrivals, same slot.

    For an interval at time s, uses the history's arrivals at s − 7 days, or (when
    that is in the future of the history, for long horizons) the latest week of history
    at the same weekly position.
    """
    f = hist.frame
    week = pd.Timedelta(days=7)
    idx = pd.Series(f["arrivals"].to_numpy(), index=f["interval_start"])
    end = f["interval_start"].max()
    calls = []
    for ts in pd.to_datetime(demand.interval_start, utc=True):
        ref = ts - week
        while ref > end:
            ref -= week
        calls.append(float(idx.get(ref, 0.0)))
    return required_agents(
        np.asarray(calls),
        params.interval_s,
        params.aht_s,
        target_sl,
        target_wait_s,
        patience_s=params.patience_s,
    ).agents


def recorded_capacity(
    hist: DemandHistory, demand: Demand
) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """Staff on duty as recorded in the history, per planned interval (None if not recorded).

    An interval inside the history gets its own recorded agents; one beyond it (a
    forecast horizon) gets the latest recorded week's agents at the same weekly slot.
    """
    f = hist.frame
    if "agents" not in f or not f["agents"].notna().any():
        return None
    idx = pd.Series(f["agents"].to_numpy(), index=f["interval_start"])
    end = f["interval_start"].max()
    week = pd.Timedelta(days=7)
    out: list[float] = []
    for ts in pd.to_datetime(demand.interval_start, utc=True):
        ref = ts
        while ref > end:
            ref -= week
        value = idx.get(ref, np.nan)
        out.append(float(value) if pd.notna(value) else np.nan)
    arr = np.asarray(out, dtype=np.float64)
    return None if np.isnan(arr).any() else arr


def run_balance(
    hist: DemandHistory,
    demand: Demand,
    *,
    capacity: np.ndarray[Any, np.dtype[np.float64]] | None = None,
    capacity_source: str = "last_week",
    target_sl: float = 0.8,
    target_wait_s: float = 20.0,
    patience: str | float | None = "auto",
    agent_cost_per_hour: float = DEFAULT_AGENT_COST_PER_HOUR,
    wait_cost_per_hour: float = DEFAULT_WAIT_COST_PER_HOUR,
    abandon_cost: float = DEFAULT_ABANDON_COST,
    tolerance: float = 1.0,
    adequate_waits_s: Sequence[float] | None = None,
) -> BalanceReport:
    """Classify each interval below/matching/above, cost the gap, list recommendations."""
    params = queue_parameters(hist, patience=patience)
    if capacity is None:
        capacity = recorded_capacity(hist, demand)
        capacity_source = "recorded"
    if capacity is None:
        capacity = last_week_capacity(
            hist, demand, params, target_sl=target_sl, target_wait_s=target_wait_s
        )
        capacity_source = "last_week"
    res = balance(
        demand.calls,
        capacity,
        params.interval_s,
        params.aht_s,
        target_sl=target_sl,
        target_wait_s=target_wait_s,
        agent_cost_per_hour=agent_cost_per_hour,
        wait_cost_per_hour=wait_cost_per_hour,
        abandon_cost=abandon_cost,
        patience_s=params.patience_s,
        adequate_waits=adequate_waits_s,
        tolerance=tolerance,
    )
    table = res.intervals.drop(columns=["interval"]).copy()
    table.insert(0, "interval_start", demand.interval_start.to_numpy())
    return BalanceReport(
        site=hist.site,
        queue=hist.queue,
        source=demand.source,
        capacity_source=capacity_source,
        target_sl=target_sl,
        target_wait_s=target_wait_s,
        sl_definition="offered" if params.patience_s is not None else "erlang_c",
        parameters=params,
        agent_cost_per_hour=agent_cost_per_hour,
        wait_cost_per_hour=wait_cost_per_hour,
        abandon_cost=abandon_cost,
        result=res,
        table=table,
        recommendations=res.recommendations,
        required=res.intervals["required_agents"].to_numpy(dtype=np.float64),
    )


# ---------------------------------------------------------------------------------- simulate


@dataclass(frozen=True)
class SimulationComparison(ResultMixin):
    """ciw simulation vs the Erlang formulas, side by side.

    ``table``: ``measure``, ``formula``, ``simulated``, ``ci_low``, ``ci_high``,
    ``inside_ci`` (the formula value lies inside the simulation's interval).
    One interval: stationary M/M/n(+M); a day: the formula column is the
    call-weighted mean of the per-interval stationary formulas (the simulation
    carries queues over between intervals, the formula does not).
    """

    mode: str
    calls: float
    agents: float
    aht_s: float
    patience_s: float | None
    target_wait_s: float
    sl_definition: str
    replications: int
    table: pd.DataFrame
    by_interval: pd.DataFrame


def run_simulate(
    hist: DemandHistory,
    *,
    calls: ArrayLike,
    agents: ArrayLike,
    target_wait_s: float = 20.0,
    patience: str | float | None = "auto",
    sl_definition: SLDef = "offered",
    replications: int = 5,
    seed: int = 0,
    interval_starts: pd.Series | None = None,
) -> SimulationComparison:
    """Simulate one interval (one value in ``calls``) or a day of intervals with ciw."""
    params = queue_parameters(hist, patience=patience)
    c = np.asarray(calls, dtype=np.float64)
    n = np.asarray(agents, dtype=np.float64)
    if c.size == 0:
        raise InputError("No interval to simulate.", "没有要模拟的时段。")
    pat = params.patience_s
    one = c.size == 1
    sim = simulate(
        float(c[0]) if one else c,
        params.interval_s,
        params.aht_s,
        float(n[0]) if one else n,
        target_wait_s,
        patience_s=pat,
        sl_definition=sl_definition,
        replications=replications,
        seed=seed,
    )
    f = erlang_a(
        c, params.interval_s, params.aht_s, np.inf if pat is None else pat, n, target_wait_s,
        sl_definition=sl_definition,
    )  # fmt: skip
    w = c / c.sum() if c.sum() > 0 else np.full(c.size, 1.0 / c.size)

    def avg(x: np.ndarray[Any, np.dtype[np.float64]]) -> float:
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        keep = np.isfinite(x)
        if not keep.any():
            return float("inf")
        return float(np.sum(x[keep] * w[keep]) / np.sum(w[keep]))

    formulas = {
        "mean_wait_s": avg(f.mean_wait_s),
        "asa_s": avg(f.asa_s),
        "service_level": avg(f.service_level),
        "sl_offered": avg(f.sl_offered),
        "sl_answered": avg(f.sl_answered),
        "sl_all": avg(f.sl_all),
        "p_abandon": avg(f.p_abandon),
        "occupancy": avg(f.occupancy),
    }
    est = sim.estimates.set_index("measure")
    rows = []
    for m, fv in formulas.items():
        if m not in est.index:
            continue
        r = est.loc[m]
        lo, hi = float(r["ci_low"]), float(r["ci_high"])
        rows.append(
            {
                "measure": m,
                "formula": fv,
                "simulated": float(r["estimate"]),
                "ci_low": lo,
                "ci_high": hi,
                "inside_ci": bool(lo - 1e-9 <= fv <= hi + 1e-9),
            }
        )
    by = sim.by_group.copy()
    if not one and interval_starts is not None and len(by) == c.size:
        by.insert(0, "interval_start", interval_starts.to_numpy())
    return SimulationComparison(
        mode="interval" if one else "day",
        calls=float(c.sum()),
        agents=float(n.mean()),
        aht_s=params.aht_s,
        patience_s=pat,
        target_wait_s=float(target_wait_s),
        sl_definition=sl_definition if pat is not None else "erlang_c",
        replications=replications,
        table=pd.DataFrame(rows),
        by_interval=by,
    )
