"""Demand vs capacity per interval: where a plan falls short or wastes agents, its cost, and
the strategies that close the gap (issue 4). Split from :mod:`servgap.core.capacity`, which
keeps the tolerance targets, the cost of a staffing level and rosters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from servgap.core._result import ResultMixin
from servgap.core.capacity import _p_within
from servgap.core.errors import InputError
from servgap.core.queueing import (
    FloatArray,
    SLDefinition,
    _check_sl_definition,
    _erlang_a_core,
    _prepare,
    _Spec,
)
from servgap.core.staffing import default_staffing_model, staff_to_target, staffing_model


@dataclass(frozen=True)
class BalanceResult(ResultMixin):
    """Demand vs capacity per interval, its cost, and recommended strategies.

    ``intervals``: DataFrame, one row per interval, columns ``interval``,
    ``calls``, ``planned_agents``, ``required_agents``, ``gap_agents``
    (planned - required), ``status`` (below / matching / above),
    ``service_level``, ``p_abandon``, ``asa_s``, ``customers_beyond_tolerance``,
    ``abandonments``, ``agent_cost``, ``wait_cost``, ``abandon_cost``,
    ``total_cost`` (per interval). ``recommendations``: DataFrame with columns
    ``strategy``, ``applicable``, ``shortfall_agent_hours_before``,
    ``shortfall_agent_hours_after``, ``cost_before``, ``cost_after``,
    ``extra_agent_hours``, ``text_en``, ``text_zh``. Summary counts and totals
    as fields; ``band_agents`` (agents) echoed; ``sl_definition`` of the
    ``service_level`` column (``erlang_c`` when nobody abandons) and the staffing
    ``model`` of the required agents.
    """

    intervals: pd.DataFrame
    recommendations: pd.DataFrame
    n_below: int
    n_matching: int
    n_above: int
    shortfall_agent_hours: float
    surplus_agent_hours: float
    total_cost: float
    band_agents: float
    sl_definition: str = "offered"
    model: str = "erlang_a"

    def to_frame(self) -> pd.DataFrame:
        return self.intervals


@dataclass(frozen=True)
class _Eval:
    sl: FloatArray
    p_ab: FloatArray
    asa: FloatArray
    beyond: FloatArray
    agent_cost: FloatArray
    wait_cost: FloatArray
    abandon_cost: FloatArray


def _evaluate(
    calls: FloatArray,
    agents: FloatArray,
    interval_s: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    target_wait: FloatArray,
    adequate: FloatArray | None,
    costs: tuple[float, float, float],
    sl_definition: str = "offered",
) -> _Eval:
    lam = calls / interval_s
    core = _erlang_a_core(lam, aht, patience, agents, target_wait)
    if adequate is not None:
        within = _p_within(lam, aht, patience, agents, adequate, "offered")
    else:
        within = core.sl_offered
    hours = interval_s / 3600.0
    c_agent, c_wait, c_ab = costs
    with np.errstate(invalid="ignore"):
        wait_cost = np.where(calls > 0, c_wait * calls * core.mean_wait / 3600.0, 0.0)
    sl = {"offered": core.sl_offered, "answered": core.sl_answered, "all": core.sl_all}
    return _Eval(
        sl=sl[sl_definition],
        p_ab=core.p_abandon,
        asa=core.asa,
        beyond=calls * (1.0 - within),
        agent_cost=c_agent * agents * hours,
        wait_cost=wait_cost,
        abandon_cost=c_ab * calls * core.p_abandon,
    )


def _total(e: _Eval) -> float:
    return float(np.sum(e.agent_cost + e.wait_cost + e.abandon_cost))


def balance(
    forecast_calls: ArrayLike,
    capacity_agents: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    target_sl: float,
    target_wait_s: float,
    agent_cost_per_hour: float,
    wait_cost_per_hour: float,
    abandon_cost: float = 0.0,
    patience_s: ArrayLike | None = None,
    sl_definition: SLDefinition = "offered",
    model: str | None = None,
    adequate_waits: ArrayLike | None = None,
    band_agents: float = 1.0,
    shift_share: float = 0.1,
    half_shift_hours: float = 4.0,
    other_calls: ArrayLike | None = None,
    other_capacity_agents: ArrayLike | None = None,
) -> BalanceResult:
    """Compare forecast demand with planned capacity per interval and recommend.

    Parameters
    ----------
    forecast_calls, capacity_agents : array_like
        Forecast arrivals and planned agents per interval.
    interval_s, aht_s : array_like
        Interval length and average handling time (s).
    target_sl, target_wait_s : float
        Service target, e.g. 0.8 and 20 s (use :func:`tolerance_target` to set
        the wait from customers' adequate waits).
    agent_cost_per_hour, wait_cost_per_hour, abandon_cost : float
        Cost of an agent-hour, of a customer-hour of waiting, per abandonment.
    patience_s : array_like, optional
        Mean patience: Erlang A; omitted: Erlang C (understaffed intervals then
        have infinite waits and costs, shown as ``inf``).
    sl_definition : {"offered", "answered", "all"}
        How abandoned calls count in the service level that sets the required
        agents and in the ``service_level`` column (see
        :func:`~servgap.core.queueing.erlang_a`). Customers beyond tolerance
        always count an abandonment as beyond.
    model : str, optional
        Staffing model of the required agents (one of
        :data:`~servgap.core.staffing.STAFFING_MODELS`); default Erlang A with
        ``patience_s``, else Erlang C. A model without abandonment ignores
        ``patience_s``.
    adequate_waits : array_like, optional
        Respondents' adequate waits in seconds; then ``customers_beyond_tolerance``
        counts customers not served within their own adequate wait, otherwise
        those not served within ``target_wait_s``.
    band_agents : float
        The matching band in agents (not a customer tolerance): |planned - required| <=
        band_agents is "matching"; planned below
        required by more is "below" demand, above by more is "above".
    shift_share : float
        Share x of arrivals in short intervals that a price incentive or
        reservation scheme moves to under-used intervals.
    half_shift_hours : float
        Length of a part-time (half) shift for the flexible-hours strategy.
    other_calls, other_capacity_agents : array_like, optional
        A second queue on the same intervals (same AHT) for the pooling
        (cross-training) strategy.

    Notes
    -----
    Strategies and how their effect is computed (all with the same models):

    * shift_demand -- move x of the calls of every "below" interval to the
      "above" intervals in proportion to their spare agents; re-evaluate.
    * flexible_hours -- add part-timers to cover every shortfall; extra
      agent-hours rounded up to whole half shifts.
    * pooling -- serve both queues from one pool of cross-trained agents:
      required agents for the summed calls versus the sum of the separate
      requirements (Erlang economies of scale; Smith & Whitt 1981).

    References
    ----------
    Fitzsimmons, J. A. & Fitzsimmons, M. J. (2011). Service Management, 7th
    ed., McGraw-Hill, ch. 12 (managing capacity and demand).
    Smith, D. R. & Whitt, W. (1981). Resource sharing for efficiency in
    traffic systems. Bell System Technical Journal 60(1): 39-55.
    """
    _check_sl_definition(sl_definition)
    chosen = staffing_model(
        model
        if model is not None
        else default_staffing_model(patience_known=patience_s is not None)
    )
    if not chosen.needs_patience:
        patience_s = None
    if band_agents < 0 or not (0.0 <= shift_share <= 1.0) or half_shift_hours <= 0:
        raise InputError(
            "band_agents must be >= 0 agents, shift_share in [0, 1] and half_shift_hours > 0; "
            f"got {band_agents!r}, {shift_share!r}, {half_shift_hours!r}.",
            f"band_agents 必须 ≥ 0，shift_share 在 [0, 1]，half_shift_hours > 0；收到 {band_agents!r}、{shift_share!r}、{half_shift_hours!r}。",
        )
    calls, planned, interval, aht, patience = _prepare(
        [
            (_Spec("forecast_calls"), np.atleast_1d(np.asarray(forecast_calls, dtype=np.float64))),
            (_Spec("capacity_agents", integer=True), capacity_agents),
            (_Spec("interval_s", strict=True), interval_s),
            (_Spec("aht_s", strict=True), aht_s),
            (
                _Spec("patience_s", strict=True, allow_inf=True),
                np.inf if patience_s is None else patience_s,
            ),
        ],
        load=("forecast_calls", "aht_s", "interval_s"),
    )
    calls, planned, interval, aht, patience = (
        v.reshape(-1) for v in (calls, planned, interval, aht, patience)
    )
    tw = np.full(calls.shape, float(target_wait_s))
    adequate = None
    if adequate_waits is not None:
        (adequate,) = _prepare(
            [(_Spec("adequate_waits"), np.asarray(adequate_waits, dtype=np.float64).reshape(-1))]
        )
    costs = (float(agent_cost_per_hour), float(wait_cost_per_hour), float(abandon_cost))
    pat_arg = None if patience_s is None else patience

    def req(c: FloatArray) -> FloatArray:
        return staff_to_target(
            c,
            interval,
            aht,
            target_sl,
            target_wait_s,
            model=chosen.name,
            patience_s=pat_arg,
            sl_definition=sl_definition,
        ).agents

    required = req(calls)
    gap = planned - required
    status = np.where(gap < -band_agents, "below", np.where(gap > band_agents, "above", "matching"))
    ev = _evaluate(calls, planned, interval, aht, patience, tw, adequate, costs, sl_definition)
    hours = interval / 3600.0
    short_h = float(np.sum(np.maximum(-gap, 0.0) * hours))
    surplus_h = float(np.sum(np.maximum(gap, 0.0) * hours))
    cost_before = _total(ev)
    table = pd.DataFrame(
        {
            "interval": np.arange(calls.size),
            "calls": calls,
            "planned_agents": planned,
            "required_agents": required,
            "gap_agents": gap,
            "status": status,
            "service_level": ev.sl,
            "p_abandon": ev.p_ab,
            "asa_s": ev.asa,
            "customers_beyond_tolerance": ev.beyond,
            "abandonments": calls * ev.p_ab,
            "agent_cost": ev.agent_cost,
            "wait_cost": ev.wait_cost,
            "abandon_cost": ev.abandon_cost,
            "total_cost": ev.agent_cost + ev.wait_cost + ev.abandon_cost,
        }
    )
    recs: list[dict[str, Any]] = []
    below = status == "below"
    above = status == "above"

    # 1. shift demand
    if below.any() and above.any() and shift_share > 0:
        moved = calls * shift_share * below
        spare = np.where(above, gap, 0.0)
        new_calls = calls - moved + moved.sum() * spare / spare.sum()
        req2 = req(new_calls)
        ev2 = _evaluate(
            new_calls, planned, interval, aht, patience, tw, adequate, costs, sl_definition
        )
        after_h = float(np.sum(np.maximum(req2 - planned, 0.0) * hours))
        recs.append(
            {
                "strategy": "shift_demand",
                "applicable": True,
                "shortfall_agent_hours_before": short_h,
                "shortfall_agent_hours_after": after_h,
                "cost_before": cost_before,
                "cost_after": _total(ev2),
                "extra_agent_hours": 0.0,
                "text_en": (
                    f"Move {shift_share:.0%} of the calls in the {int(below.sum())} short interval(s) "
                    f"({moved.sum():.0f} calls) to the {int(above.sum())} under-used interval(s) with an "
                    f"off-peak price incentive or reservations: shortfall {short_h:.1f} -> {after_h:.1f} "
                    f"agent-hours, cost {cost_before:,.0f} -> {_total(ev2):,.0f}."
                ),
                "text_zh": (
                    f"通过错峰价格优惠或预约，把 {int(below.sum())} 个人手不足时段中 {shift_share:.0%} 的来电"
                    f"（{moved.sum():.0f} 个）转移到 {int(above.sum())} 个闲置时段：缺口 {short_h:.1f} → {after_h:.1f} "
                    f"人·小时，成本 {cost_before:,.0f} → {_total(ev2):,.0f}。"
                ),
            }
        )
    else:
        recs.append(
            {
                "strategy": "shift_demand",
                "applicable": False,
                "shortfall_agent_hours_before": short_h,
                "shortfall_agent_hours_after": short_h,
                "cost_before": cost_before,
                "cost_after": cost_before,
                "extra_agent_hours": 0.0,
                "text_en": "Shifting demand does not apply: there is no short interval or no under-used interval.",
                "text_zh": "不适用转移需求：没有人手不足的时段或没有闲置的时段。",
            }
        )

    # 2. flexible hours / part-timers
    if below.any():
        add = np.where(below, np.maximum(required - planned, 0.0), 0.0)
        extra_h = float(np.sum(add * hours))
        n_half = int(np.ceil(extra_h / half_shift_hours - 1e-9))
        ev3 = _evaluate(
            calls, planned + add, interval, aht, patience, tw, adequate, costs, sl_definition
        )
        recs.append(
            {
                "strategy": "flexible_hours",
                "applicable": True,
                "shortfall_agent_hours_before": short_h,
                "shortfall_agent_hours_after": float(
                    np.sum(np.maximum(required - planned - add, 0.0) * hours)
                ),
                "cost_before": cost_before,
                "cost_after": _total(ev3),
                "extra_agent_hours": extra_h,
                "text_en": (
                    f"Add part-time or flexible-hours staff where short: {extra_h:.1f} agent-hours "
                    f"(about {n_half} half shift(s) of {half_shift_hours:g} h); cost {cost_before:,.0f} -> "
                    f"{_total(ev3):,.0f} including the added agents."
                ),
                "text_zh": (
                    f"在人手不足时段增加兼职或弹性工时人员：共 {extra_h:.1f} 人·小时"
                    f"（约 {n_half} 个 {half_shift_hours:g} 小时的半班）；含新增人员成本 {cost_before:,.0f} → {_total(ev3):,.0f}。"
                ),
            }
        )
    else:
        recs.append(
            {
                "strategy": "flexible_hours",
                "applicable": False,
                "shortfall_agent_hours_before": short_h,
                "shortfall_agent_hours_after": short_h,
                "cost_before": cost_before,
                "cost_after": cost_before,
                "extra_agent_hours": 0.0,
                "text_en": "No interval is short of agents: no extra part-time staff needed.",
                "text_zh": "没有人手不足的时段：无需增加兼职人员。",
            }
        )

    # 3. pooling / cross-training
    if other_calls is not None:
        (oc,) = _prepare(
            [(_Spec("other_calls"), np.atleast_1d(np.asarray(other_calls, dtype=np.float64)))]
        )
        oc = np.broadcast_to(oc.reshape(-1), calls.shape).astype(np.float64)
        separate = required + req(oc)
        pooled = req(calls + oc)
        saved_h = float(np.sum((separate - pooled) * hours))
        # without a plan for the other queue, assume it is staffed to its own requirement
        other_planned = (
            separate - required
            if other_capacity_agents is None
            else np.broadcast_to(
                np.asarray(other_capacity_agents, dtype=np.float64).reshape(-1), calls.shape
            )
        )
        both_planned = planned + other_planned
        short_sep = float(np.sum(np.maximum(separate - both_planned, 0.0) * hours))
        short_pool = float(np.sum(np.maximum(pooled - both_planned, 0.0) * hours))
        recs.append(
            {
                "strategy": "pooling",
                "applicable": True,
                "shortfall_agent_hours_before": short_sep,
                "shortfall_agent_hours_after": short_pool,
                "cost_before": float(np.sum(separate * hours)) * costs[0],
                "cost_after": float(np.sum(pooled * hours)) * costs[0],
                "extra_agent_hours": -saved_h,
                "text_en": (
                    f"Cross-train agents to serve both queues from one pool: the same service level needs "
                    f"{saved_h:.1f} fewer agent-hours ({float(np.sum(separate * hours)):.1f} -> "
                    f"{float(np.sum(pooled * hours)):.1f})."
                ),
                "text_zh": (
                    f"交叉培训坐席，用同一人员池服务两个队列：达到相同服务水平可少用 {saved_h:.1f} 人·小时"
                    f"（{float(np.sum(separate * hours)):.1f} → {float(np.sum(pooled * hours)):.1f}）。"
                ),
            }
        )
    return BalanceResult(
        intervals=table,
        recommendations=pd.DataFrame(recs),
        n_below=int(below.sum()),
        n_matching=int((status == "matching").sum()),
        n_above=int(above.sum()),
        shortfall_agent_hours=short_h,
        surplus_agent_hours=surplus_h,
        total_cost=cost_before,
        band_agents=float(band_agents),
        sl_definition=sl_definition if chosen.needs_patience else "erlang_c",
        model=chosen.name,
    )
