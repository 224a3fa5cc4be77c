"""Simulating a queue with ciw, side by side with the Erlang formulas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, UsageError
from servgap.core.queueing import SLDefinition, erlang_a
from servgap.core.simulate import simulate
from servgap.services.capacity.forecasting import Demand
from servgap.services.capacity.history import DemandHistory, local_time
from servgap.services.capacity.parameters import Patience, queue_parameters
from servgap.services.capacity.staffing import run_staff


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
    patience: Patience = "auto",
    sl_definition: SLDefinition = "offered",
    replications: int = 5,
    seed: int = 0,
    interval_starts: pd.Series | None = None,
    model: str | None = None,
) -> SimulationComparison:
    """Simulate one interval (one value in ``calls``) or a day of intervals with ciw."""
    params = queue_parameters(hist, patience=patience, model=model)
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
        sl_definition=params.sl_definition(sl_definition),
        replications=replications,
        table=pd.DataFrame(rows),
        by_interval=by,
    )


def day_demand(hist: DemandHistory, day: str) -> Demand:
    """The history's arrivals on the local ``day``, interval by interval."""
    start = local_time(day, hist.timezone, field="day")
    f = hist.frame
    sel = f[(f["interval_start"] >= start) & (f["interval_start"] < start + pd.Timedelta(days=1))]
    if sel.empty:
        raise InsufficientDataError(
            f"No demand on `day` {day}; the history covers "
            f"{f['interval_start'].min().tz_convert(hist.timezone).date()} to "
            f"{f['interval_start'].max().tz_convert(hist.timezone).date()}.",
            f"`day` {day} 没有需求数据；历史数据覆盖 "
            f"{f['interval_start'].min().tz_convert(hist.timezone).date()} 至 "
            f"{f['interval_start'].max().tz_convert(hist.timezone).date()}。",
            fields=("day",),
        )
    return Demand(
        sel["interval_start"].dt.tz_convert(hist.timezone).reset_index(drop=True),
        sel["arrivals"].to_numpy(dtype=np.float64),
        "history",
        None,
    )


def simulate_queue(
    hist: DemandHistory,
    *,
    calls: float | None = None,
    agents: int | None = None,
    day: str | None = None,
    target_sl: float = 0.8,
    target_wait_s: float = 20.0,
    patience: Patience = "auto",
    sl_definition: SLDefinition = "offered",
    model: str | None = None,
    replications: int = 10,
    seed: int = 0,
) -> SimulationComparison:
    """Simulate one interval (``calls`` and ``agents``) or a ``day`` of the history.

    A day uses the history's arrivals of that local day, staffed with ``agents`` in
    every interval or, without ``agents``, with the agents required for the target
    (at least 1).
    """
    if day is not None:
        demand = day_demand(hist, day)
        if agents is None:
            plan = run_staff(
                hist,
                demand,
                target_sl=target_sl,
                target_wait_s=target_wait_s,
                patience=patience,
                sl_definition=sl_definition,
                model=model,
            )
            agent_v = np.maximum(plan.table["agents"].to_numpy(dtype=np.float64), 1.0)
        else:
            agent_v = np.full(demand.calls.size, float(agents))
        return run_simulate(
            hist,
            calls=demand.calls,
            agents=agent_v,
            target_wait_s=target_wait_s,
            patience=patience,
            sl_definition=sl_definition,
            replications=replications,
            seed=seed,
            interval_starts=demand.interval_start,
            model=model,
        )
    if calls is None or agents is None:
        raise UsageError(
            "Give `calls` and `agents` for one interval, or a `day` of the history.",
            "单个时段请给出 `calls` 和 `agents`，或用 `day` 仿真历史中的一天。",
            fields=("calls", "agents", "day"),
        )
    return run_simulate(
        hist,
        calls=np.array([calls]),
        agents=np.array([float(agents)]),
        target_wait_s=target_wait_s,
        patience=patience,
        sl_definition=sl_definition,
        replications=replications,
        seed=seed,
        model=model,
    )
