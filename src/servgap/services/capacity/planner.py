"""The capacity planner of one queue for one week: forecast, staffing, cost curve, balance.

One call (:func:`servgap.services.planning.planner_view`) gives everything the planner
page shows, each part computed by the same service the command line calls with the same
inputs, so the page's figures are those of ``servgap capacity forecast|staff|plan|balance
--json`` (:attr:`PlannerView.cli` spells the commands):

* the forecast (:func:`~servgap.services.capacity.forecasting.run_forecast`: backtest,
  best model, stored expert adjustments applied in the order entered);
* the agents per interval (:func:`~servgap.services.capacity.staffing.run_staff`) for a
  service-level target, or for the wait the customers themselves call adequate
  (:func:`~servgap.services.capacity.plan.run_plan`: ``coverage`` of the respondents of
  the survey's waiting-time item accept it, and the cost of their desired level);
* the cost curve of the busiest interval (:func:`~servgap.core.staffing.optimal_agents`):
  agent, waiting and abandonment cost per hour for each staffing level, the optimum;
* the balance against the roster (:func:`~servgap.services.capacity.balance.run_balance`:
  staff recorded with the demand, an uploaded roster, else "like last week") and its
  strategy recommendations.

The forecast is the slow part (statsforecast models, seconds): it is memoised on its
inputs -- the history's content (a hash), the horizon, the models and the adjustments --
so a repeated view or a download of the same figures does not fit the models again, and
any new data or adjustment changes the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, ServgapError
from servgap.core.forecast import Note
from servgap.core.staffing import optimal_agents
from servgap.services.capacity.adjustments import StoredAdjustment
from servgap.services.capacity.balance import BalanceReport
from servgap.services.capacity.costs import Costs
from servgap.services.capacity.forecasting import CapacityForecast, Demand, run_forecast
from servgap.services.capacity.history import DemandHistory, local_time
from servgap.services.capacity.plan import TolerancePlan
from servgap.services.capacity.rosters import StoredRoster
from servgap.services.capacity.staffing import StaffPlan

T = TypeVar("T")
MAX_HORIZON = 4032  # 12 weeks of half hours
TARGETS = ("adequate", "sl")

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


def memoised(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, remembered under ``key`` (the complete inputs of the computation) for
    the most recent :data:`_CACHE_SIZE` keys."""
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            hit: T = _CACHE[key]
            return hit
    value = compute()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def array_key(*arrays: Any) -> str:
    """A hash of numeric arrays, for :func:`memoised` keys."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, dtype=np.float64)).tobytes())
        h.update(b"|")
    return h.hexdigest()


def history_key(hist: DemandHistory) -> str:
    """A hash of a queue's history (its content, zone, interval and calendar)."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(hist.frame, index=False).to_numpy().tobytes())
    h.update(repr((hist.site, hist.queue, hist.timezone, hist.interval_s, hist.holidays,
                   hist.extra_workdays)).encode())  # fmt: skip
    return h.hexdigest()


def cached_forecast(
    hist: DemandHistory,
    *,
    horizon: int,
    models: Sequence[str],
    adjustments: Sequence[StoredAdjustment],
    backtest_windows: int = 2,
) -> CapacityForecast:
    """:func:`run_forecast` of the history with the stored adjustments, memoised on its
    inputs (see the module docstring)."""
    key = ("forecast", history_key(hist), horizon, tuple(models),
           tuple(a.text for a in adjustments), backtest_windows)  # fmt: skip
    return memoised(key, lambda: run_forecast(
        hist, horizon=horizon, models=list(models),
        adjustments=[a.adjustment() for a in adjustments], backtest_windows=backtest_windows,
    ))  # fmt: skip


def forecast_demand(fc: CapacityForecast) -> Demand:
    """The adjusted forecast as the demand to plan for (what
    :func:`~servgap.services.capacity.forecasting.demand_for_planning` makes of it)."""
    return Demand(
        fc.table["interval_start"].reset_index(drop=True),
        fc.table["adjusted"].to_numpy(dtype=np.float64),
        "forecast",
        fc,
    )


def week_window(hist: DemandHistory, week: str) -> tuple[str, int]:
    """``(until, horizon)`` that forecast the ISO ``week`` (``2026-W49``, or any date in it).

    The history is cut at the week's Monday 00:00 (local), and the horizon runs from the
    end of the history left to the end of the week's Sunday.
    """
    text = week.strip()
    try:
        if len(text) == 8 and text[4:6].upper() == "-W":
            monday = dt.date.fromisocalendar(int(text[:4]), int(text[6:8]), 1)
        else:
            day = dt.date.fromisoformat(text)
            monday = day - dt.timedelta(days=day.weekday())
    except ValueError:
        raise InputError(
            f"`week` {week!r} is not a week (2026-W49) or a date (2026-12-01).",
            f"`week` {week!r} 不是周（2026-W49）或日期（2026-12-01）。",
            fields=("week",),
        ) from None
    until = monday.isoformat()
    start = local_time(until, hist.timezone, field="week")
    times = hist.frame["interval_start"]
    if not len(times) or start <= times.min():
        raise InputError(
            f"`week` {text}: the demand history starts later, so there is nothing to forecast "
            "it from; choose a later week.",
            f"`week` {text}：需求历史晚于该周开始，无法据以预测；请选择更晚的一周。",
            fields=("week",),
        )
    last = times[times < start].max() + pd.Timedelta(seconds=hist.interval_s)
    end = start + pd.Timedelta(days=7)
    horizon = math.ceil((end - last).total_seconds() / hist.interval_s)
    if horizon > MAX_HORIZON:
        raise InputError(
            f"`week` {text} is more than 12 weeks after the history ends "
            f"({last.tz_convert(hist.timezone):%Y-%m-%d}); import newer demand or choose an "
            "earlier week.",
            f"`week` {text} 距离历史数据结束（{last.tz_convert(hist.timezone):%Y-%m-%d}）超过 12 周；"
            "请导入更新的需求数据或选择更早的一周。",
            fields=("week",),
        )
    return until, horizon


@dataclass(frozen=True)
class CostCurve(ResultMixin):
    """Cost per hour of each staffing level in the busiest interval, and the optimum.

    ``curve``: ``agents``, ``service_cost``, ``wait_cost``, ``abandon_cost``, ``total``
    (per hour, :func:`~servgap.core.staffing.optimal_agents`); ``optimal_agents`` the
    least-cost level, ``required_agents`` the level of the service target, both in the
    interval starting ``interval_start`` with ``calls`` contacts.
    """

    interval_start: pd.Timestamp
    calls: float
    model: str
    optimal_agents: float
    optimal_cost_per_hour: float
    required_agents: float
    required_cost_per_hour: float | None
    curve: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.curve


def cost_curve(
    demand: Demand, staff: StaffPlan, costs: Costs, *, max_rows: int = 200
) -> CostCurve | None:
    """The cost curve of the interval with the most demand (None without demand)."""
    if demand.calls.size == 0 or not float(demand.calls.max()) > 0:
        return None
    i = int(np.argmax(demand.calls))
    p = staff.parameters
    required = float(staff.table["agents"].iloc[i])
    opt = optimal_agents(
        demand.calls[i],
        p.interval_s,
        p.aht_s,
        agent_cost_per_hour=costs.agent_cost_per_hour,
        wait_cost_per_hour=costs.wait_cost_per_hour,
        abandon_cost=costs.abandon_cost,
        patience_s=p.patience_s,
        max_agents=int(max(required, np.ceil(demand.calls[i] * p.aht_s / p.interval_s)) * 2 + 10),
    )
    curve = opt.curve.drop(columns=["interval"]).head(max_rows).reset_index(drop=True)
    at_required = curve[curve["agents"] == required]["total"]
    return CostCurve(
        interval_start=pd.Timestamp(demand.interval_start.iloc[i]),
        calls=float(demand.calls[i]),
        model=opt.model,
        optimal_agents=float(np.asarray(opt.agents).reshape(-1)[0]),
        optimal_cost_per_hour=float(np.asarray(opt.total_cost_per_hour).reshape(-1)[0]),
        required_agents=required,
        required_cost_per_hour=float(at_required.iloc[0]) if len(at_required) else None,
        curve=curve,
    )


@dataclass(frozen=True)
class QueueChoice(ResultMixin):
    """A site and queue with demand data (for the planner's selectors)."""

    site: str
    queue: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class PlannerView(ResultMixin):
    """Everything the capacity planner shows for one queue and horizon.

    ``target``: ``sl`` (``target_sl`` within ``target_wait_s``) or ``adequate``
    (``coverage`` of the customers served within the wait they call adequate; then
    ``target_sl`` = coverage and ``target_wait_s`` = that wait, and ``plan`` holds the
    adequate-vs-desired comparison). ``history``: the arrivals of the week before the
    forecast and, when the forecast lies inside the history (a past ``week``), the
    actual arrivals (``actual``) to compare. ``cli``: the commands that print the same
    figures with ``--json`` (the balance with ``--roster`` the roster's download when one
    is uploaded: ``roster``).
    """

    workspace: str
    site: str
    queue: str
    timezone: str
    interval_s: float
    week: str | None
    until: str | None
    horizon: int
    models: tuple[str, ...]
    target: str
    target_sl: float
    target_wait_s: float
    coverage: float
    model: str
    band_agents: float
    capacity_source: str
    costs: Costs
    adjustments: tuple[StoredAdjustment, ...]
    forecast: CapacityForecast
    history: pd.DataFrame
    staff: StaffPlan
    plan: TolerancePlan | None
    balance: BalanceReport
    cost: CostCurve | None
    notes: tuple[Note, ...]
    queues: tuple[QueueChoice, ...]
    cli: dict[str, list[str]]
    roster: StoredRoster | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.balance.table


def history_frame(full: DemandHistory, cut: DemandHistory, demand: Demand) -> pd.DataFrame:
    """Arrivals of the last 7 days before the forecast, and actual arrivals in it."""
    tz = full.timezone
    f = cut.frame
    end = f["interval_start"].max()
    before = f[f["interval_start"] > end - pd.Timedelta(days=7)]
    starts = pd.to_datetime(demand.interval_start, utc=True)
    actual = full.frame[full.frame["interval_start"].isin(set(starts))]
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "interval_start": before["interval_start"],
                    "arrivals": before["arrivals"],
                    "period": "history",
                }
            ),
            pd.DataFrame(
                {
                    "interval_start": actual["interval_start"],
                    "arrivals": actual["arrivals"],
                    "period": "actual",
                }
            ),
        ],
        ignore_index=True,
    )
    out["interval_start"] = pd.to_datetime(out["interval_start"], utc=True).dt.tz_convert(tz)
    return out


def plain(obj: Any, drop: Sequence[str] = ("result",)) -> Any:
    """A result as JSON-ready data without the parts the command line's ``--json`` leaves
    out (the core ``result``), so both faces print the same figures."""
    from servgap.core._result import to_plain

    d = to_plain(obj)
    if isinstance(d, dict):
        for k in drop:
            d.pop(k, None)
    return d


def view_data(v: PlannerView) -> dict[str, Any]:
    """The planner's figures as JSON: each part equals the ``--json`` of the command in
    ``cli`` of the same name."""
    return {
        "ok": True,
        "query": {
            "workspace": v.workspace, "site": v.site, "queue": v.queue, "week": v.week,
            "until": v.until, "horizon": v.horizon, "models": list(v.models),
            "target": v.target, "target_sl": v.target_sl, "target_wait_s": v.target_wait_s,
            "coverage": v.coverage, "model": v.model, "band_agents": v.band_agents,
            "capacity_source": v.capacity_source,
        },
        "costs": v.costs.to_dict(),
        "adjustments": [{**plain(a), "text": a.text} for a in v.adjustments],
        "forecast": plain(v.forecast),
        "history": plain(v.history),
        "staff": plain(v.staff),
        "plan": plain(v.plan, ("result", "table")) if v.plan is not None else None,
        "balance": plain(v.balance),
        "cost_curve": plain(v.cost) if v.cost is not None else None,
        "roster": plain(v.roster) if v.roster is not None else None,
        "notes": [{"en": n.en, "zh": n.zh} for n in v.notes],
        "cli": v.cli,
    }  # fmt: skip


def note_of(exc: ServgapError) -> Note:
    return Note(exc.en, exc.zh)
