"""Demand against capacity per interval: where a queue is short or over-staffed, and what to do.

The capacity (agents per interval) comes from a capacity file, a roster of
shifts, the staff on duty recorded with the demand history, or "staff like
last week". Capacity and roster files are read by the import's reader
(:mod:`servgap.services.tableio`): CSV in UTF-8/BOM/GBK or .xlsx, naive times
in the queue's zone, every bad cell listed (docs/data-formats.md, "Capacity
and rosters").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.balance import BalanceResult, balance
from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
    roster_to_agents,
)
from servgap.core.errors import InputError, UsageError
from servgap.core.intervals import same_slot_values
from servgap.core.queueing import SLDefinition
from servgap.core.staffing import staff_to_target
from servgap.services.capacity.forecasting import Demand
from servgap.services.capacity.history import DemandHistory, read_records
from servgap.services.capacity.parameters import Patience, QueueParameters, queue_parameters
from servgap.services.tableio import Field, TableSpec, open_reader

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

_START_ALIASES = ("时段开始", "开始时间", "时间段", "interval")
CAPACITY_SPEC = TableSpec(
    "capacity",
    "产能",
    (
        Field("interval_start", "datetime", False, _START_ALIASES),
        Field("agents", "int", True, ("在岗人数", "坐席数", "人数", "staff"), min=0, max=100_000),
    ),
)
ROSTER_SPEC = TableSpec(
    "roster",
    "排班",
    (
        Field("start", "datetime", True, ("开始", "班次开始", "上班时间")),
        Field("end", "datetime", True, ("结束", "班次结束", "下班时间")),
        Field("count", "float", True, ("人数", "坐席数", "agents"), min=0, max=100_000),
    ),
)


def _reader_now(demand: Demand) -> dt.datetime:
    """The latest plausible time in a capacity or roster file: the end of the planned
    intervals (a roster plans the future), at least today."""
    today = dt.datetime.now(dt.UTC)
    if len(demand.interval_start) == 0:
        return today
    last = pd.Timestamp(pd.to_datetime(demand.interval_start, utc=True).max()).to_pydatetime()
    return max(today, last + dt.timedelta(days=1))


def read_capacity_file(
    path: Path, demand: Demand, tz: str, *, max_bytes: int = 2 * 1024**3
) -> FloatArray:
    """Agents per interval from a file: ``agents`` column, optionally ``interval_start``.

    With ``interval_start`` the rows are matched to the demand intervals (a missing
    interval is an error naming it); without it there must be one row per interval.
    """
    reader = open_reader(
        path, CAPACITY_SPEC, workspace_tz=tz, max_bytes=max_bytes, now=_reader_now(demand)
    )
    records = read_records(reader)
    name = reader.source
    agents = np.array([float(r["agents"]) for r in records], dtype=np.float64)
    if "interval_start" not in reader.columns.values():
        if len(records) != demand.calls.size:
            raise InputError(
                f"Capacity file {name} has {len(records)} rows but there are {demand.calls.size} "
                "intervals to plan; give one row per interval or an interval_start column.",
                f"产能文件 {name} 有 {len(records)} 行，而待规划时段有 {demand.calls.size} 个；"
                "请每个时段一行，或提供 interval_start 列。",
            )
        return agents
    lookup = {
        pd.Timestamp(r["interval_start"]): a
        for r, a in zip(records, agents, strict=True)
        if r["interval_start"] is not None
    }
    want = pd.to_datetime(demand.interval_start, utc=True)
    missing = [w for w in want if w not in lookup]
    if missing:
        raise InputError(
            f"Capacity file {name} has no agents for {len(missing)} interval(s), first "
            f"{missing[0].tz_convert(tz)}.",
            f"产能文件 {name} 缺少 {len(missing)} 个时段的坐席数，第一个为 {missing[0].tz_convert(tz)}。",
        )
    return np.array([lookup[w] for w in want], dtype=np.float64)


def read_roster_file(
    path: Path, demand: Demand, tz: str, interval_s: float, *, max_bytes: int = 2 * 1024**3
) -> FloatArray:
    """Agents per interval from a roster file with ``start``, ``end``, ``count`` (local times)."""
    reader = open_reader(
        path, ROSTER_SPEC, workspace_tz=tz, max_bytes=max_bytes, now=_reader_now(demand)
    )
    records = read_records(reader)
    shifts = pd.DataFrame(
        {
            "start": pd.to_datetime([r["start"] for r in records], utc=True),
            "end": pd.to_datetime([r["end"] for r in records], utc=True),
            "count": np.array([float(r["count"]) for r in records], dtype=np.float64),
        }
    )
    res = roster_to_agents(
        shifts, pd.to_datetime(demand.interval_start, utc=True), interval_s=interval_s
    )
    return res.agents


@dataclass(frozen=True)
class BalanceReport(ResultMixin):
    """Demand vs capacity per interval with the core balance and its recommendations.

    ``capacity_source``: ``file``, ``roster``, ``recorded`` (staff on duty
    recorded with the demand) or ``last_week`` (planned agents = the agents
    required one week earlier at the same time of day: "staff like last week").
    ``table`` = the core ``intervals`` table with ``interval_start`` (local) in
    front; ``sl_definition`` the one of its ``service_level`` column.
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
    required: FloatArray

    def to_frame(self) -> pd.DataFrame:
        return self.table


def last_week_capacity(
    hist: DemandHistory,
    demand: Demand,
    params: QueueParameters,
    *,
    target_sl: float,
    target_wait_s: float,
    sl_definition: SLDefinition = "offered",
) -> FloatArray:
    """Agents each interval would get if staffed to last week's actual arrivals, same slot.

    For an interval at time s, uses the history's arrivals at s − 7 days, or (when
    that is in the future of the history, for long horizons) the latest week of history
    at the same weekly position (:func:`~servgap.core.intervals.same_slot_values`); an
    interval the history lacks counts 0 arrivals.
    """
    f = hist.frame
    calls = same_slot_values(
        f["interval_start"], f["arrivals"], demand.interval_start, weeks_back=1
    )
    return staff_to_target(
        np.nan_to_num(calls),
        params.interval_s,
        params.aht_s,
        target_sl,
        target_wait_s,
        model=params.model,
        patience_s=params.patience_s,
        sl_definition=sl_definition,
    ).agents


def recorded_capacity(hist: DemandHistory, demand: Demand) -> FloatArray | None:
    """Staff on duty as recorded in the history, per planned interval (None if not recorded).

    An interval inside the history gets its own recorded agents; one beyond it (a
    forecast horizon) gets the latest recorded week's agents at the same weekly slot.
    """
    f = hist.frame
    if "agents" not in f or not f["agents"].notna().any():
        return None
    arr = same_slot_values(f["interval_start"], f["agents"], demand.interval_start, weeks_back=0)
    return None if np.isnan(arr).any() else arr


def planned_capacity(
    hist: DemandHistory,
    demand: Demand,
    *,
    capacity: Path | None = None,
    roster: Path | None = None,
    max_bytes: int = 2 * 1024**3,
) -> tuple[FloatArray | None, str]:
    """Agents per planned interval from a ``capacity`` file or a ``roster`` (at most one).

    Neither: ``(None, "recorded")`` -- :func:`run_balance` then uses the staff on
    duty recorded with the demand, else "staff like last week".
    """
    if capacity is not None and roster is not None:
        raise UsageError(
            "Give a `capacity` file or a `roster`, not both.",
            "`capacity` 文件与 `roster` 只能选一个。",
            fields=("capacity", "roster"),
        )
    if capacity is not None:
        return read_capacity_file(capacity, demand, hist.timezone, max_bytes=max_bytes), "file"
    if roster is not None:
        agents = read_roster_file(
            roster, demand, hist.timezone, hist.interval_s, max_bytes=max_bytes
        )
        return agents, "roster"
    return None, "recorded"


def run_balance(
    hist: DemandHistory,
    demand: Demand,
    *,
    capacity: FloatArray | None = None,
    capacity_source: str = "last_week",
    target_sl: float = 0.8,
    target_wait_s: float = 20.0,
    patience: Patience = "auto",
    sl_definition: SLDefinition = "offered",
    model: str | None = None,
    agent_cost_per_hour: float = DEFAULT_AGENT_COST_PER_HOUR,
    wait_cost_per_hour: float = DEFAULT_WAIT_COST_PER_HOUR,
    abandon_cost: float = DEFAULT_ABANDON_COST,
    band_agents: float = 1.0,
    adequate_waits_s: Sequence[float] | None = None,
) -> BalanceReport:
    """Classify each interval below/matching/above, cost the gap, list recommendations.

    Without ``capacity``: the staff on duty recorded with the demand, else "staff
    like last week". ``sl_definition`` sets the required agents and the
    ``service_level`` column.
    """
    params = queue_parameters(hist, patience=patience, model=model)
    if capacity is None:
        capacity = recorded_capacity(hist, demand)
        capacity_source = "recorded"
    if capacity is None:
        capacity = last_week_capacity(
            hist,
            demand,
            params,
            target_sl=target_sl,
            target_wait_s=target_wait_s,
            sl_definition=sl_definition,
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
        sl_definition=sl_definition,
        model=params.model,
        adequate_waits=adequate_waits_s,
        band_agents=band_agents,
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
        sl_definition=res.sl_definition,
        parameters=params,
        agent_cost_per_hour=agent_cost_per_hour,
        wait_cost_per_hour=wait_cost_per_hour,
        abandon_cost=abandon_cost,
        result=res,
        table=table,
        recommendations=res.recommendations,
        required=res.intervals["required_agents"].to_numpy(dtype=np.float64),
    )
