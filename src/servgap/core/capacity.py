"""Capacity planning: service targets from customers' tolerance, demand vs capacity.

Links the zone of tolerance to staffing: the waiting time customers call
*adequate* becomes the service-level target (``tolerance_target``), the
expected share of customers served within their own adequate wait is
computed from the Erlang waiting-time distribution (``share_within_tolerance``),
a staffing level is costed per week (``weekly_cost``, ``evaluate_level``), and
``balance`` compares planned with required agents per interval and
quantifies the domain strategies (shift demand, flexible hours, pooling).
The history a queue is planned from is summarised in :mod:`servgap.core.intervals`.

Same output rule as :mod:`servgap.core.queueing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, ProblemCollector
from servgap.core.queueing import (
    FloatArray,
    SLDefinition,
    _check_sl_definition,
    _erlang_a_core,
    _prepare,
    _Spec,
    erlang_a,
)
from servgap.core.staffing import default_staffing_model, staff_to_target, staffing_model

#: Default cost of one agent-hour (CNY): a loaded hourly cost of a Chinese
#: contact-centre / counter agent (wage, social insurance, seat).
DEFAULT_AGENT_COST_PER_HOUR = 45.0
#: Default cost of one customer-hour spent waiting (CNY): the customer's time
#: and goodwill, roughly an hourly urban wage.
DEFAULT_WAIT_COST_PER_HOUR = 60.0
#: Default cost of one abandoned contact (CNY): call-back or lost business.
DEFAULT_ABANDON_COST = 5.0

# --------------------------------------------------------------------------- tolerance


@dataclass(frozen=True)
class ToleranceTarget(ResultMixin):
    """Service targets from respondents' adequate and desired waits.

    ``adequate_target``: the longest wait that at least ``coverage`` of the
    respondents call adequate; ``desired_target`` likewise for the desired wait.
    ``share_adequate`` / ``share_desired``: the share actually covered at those
    targets (>= coverage; ties make it larger). ``n`` respondents used,
    ``n_inconsistent`` dropped because their desired wait exceeds their
    adequate wait (for a wait, desired must be the shorter). Units: those of
    the input.
    """

    adequate_target: float
    desired_target: float
    share_adequate: float
    share_desired: float
    coverage: float
    n: int
    n_inconsistent: int


def _coverage_quantile(values: FloatArray, coverage: float) -> tuple[float, float]:
    """Largest w with share(values >= w) >= coverage: the k-th smallest value,
    k = floor(n (1 - coverage)) + 1."""
    v = np.sort(values)
    k = int(np.floor(v.size * (1.0 - coverage) + 1e-9)) + 1
    k = min(max(k, 1), v.size)
    w = float(v[k - 1])
    return w, float(np.mean(values >= w))


def tolerance_target(
    adequate_wait: ArrayLike,
    desired_wait: ArrayLike,
    *,
    coverage: float = 0.8,
) -> ToleranceTarget:
    """Service-level targets from the zone of tolerance for a waiting time.

    Parameters
    ----------
    adequate_wait, desired_wait : array_like
        Each respondent's adequate (longest acceptable) and desired wait, in
        one unit (minutes or seconds -- the result is in the same unit; the
        survey's ``wait`` item declares ``unit: minutes``). Missing answers
        (NaN) are dropped pairwise.
    coverage : float
        Share of customers the target should satisfy, in (0, 1).

    Returns
    -------
    ToleranceTarget

    Notes
    -----
    A wait w is adequate for respondent i when w <= a_i, so the share
    satisfied is S(w) = #{a_i >= w} / n, decreasing in w. The target is the
    largest observed w with S(w) >= coverage, i.e. the k-th smallest adequate
    wait, k = floor(n (1 - coverage)) + 1 -- the (1 - coverage) lower
    empirical quantile. Same for desired waits. Respondents with desired >
    adequate answer inconsistently (Zeithaml, Berry & Parasuraman 1993) and
    are dropped and counted.

    References
    ----------
    Zeithaml, V. A., Berry, L. L. & Parasuraman, A. (1993). The nature and
    determinants of customer expectations of service. JAMS 21(1): 1-12.
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1994). Alternating
    research scales... J. Retailing 70(3): 201-230 (three-column format).
    """
    if not (0.0 < coverage < 1.0):
        raise InputError(
            f"coverage {coverage!r} must be a share in (0, 1), e.g. 0.8.",
            f"coverage {coverage!r} 必须是 (0, 1) 之间的比例，例如 0.8。",
        )
    a = np.asarray(adequate_wait, dtype=np.float64).reshape(-1)
    d = np.asarray(desired_wait, dtype=np.float64).reshape(-1)
    if a.shape != d.shape:
        raise InputError(
            f"adequate_wait has {a.size} answers but desired_wait {d.size}; give one pair per respondent.",
            f"adequate_wait 有 {a.size} 个答案而 desired_wait 有 {d.size} 个；请每位受访者各给一对。",
        )
    keep = ~(np.isnan(a) | np.isnan(d))
    pc = ProblemCollector()
    for i in np.flatnonzero(keep & ((a < 0) | (d < 0) | np.isinf(a) | np.isinf(d)))[:50]:
        pc.add(
            "a waiting time must be a finite number >= 0; fix the answer or leave it empty",
            "等候时间必须是有限且 ≥ 0 的数值；请更正或留空",
            row=int(i) + 1,
            column="adequate_wait" if (a[i] < 0 or np.isinf(a[i])) else "desired_wait",
            value=float(a[i] if (a[i] < 0 or np.isinf(a[i])) else d[i]),
        )
    pc.raise_if_any(InputError, "Invalid waiting-time answers.", "等候时间答案无效。")
    use = consistent_pairs(a, d)
    inconsistent = keep & ~use
    if use.sum() < 2:
        raise InsufficientDataError(
            f"Only {int(use.sum())} consistent answer pair(s); at least 2 are needed for a target. "
            "Collect more answers.",
            f"只有 {int(use.sum())} 对一致的答案，至少需要 2 对才能确定目标。请收集更多答案。",
        )
    at, sa = _coverage_quantile(a[use], coverage)
    dt, sd = _coverage_quantile(d[use], coverage)
    return ToleranceTarget(
        adequate_target=at,
        desired_target=dt,
        share_adequate=sa,
        share_desired=sd,
        coverage=float(coverage),
        n=int(use.sum()),
        n_inconsistent=int(inconsistent.sum()),
    )


def consistent_pairs(adequate: FloatArray, desired: FloatArray) -> NDArray[np.bool_]:
    """Respondents whose adequate and desired waits are both given and desired <= adequate.

    For a wait the desired level is the shorter one; a respondent who desires a
    longer wait than they call adequate answers inconsistently and is left out
    (Zeithaml, Berry & Parasuraman 1993).
    """
    both = ~(np.isnan(adequate) | np.isnan(desired))
    with np.errstate(invalid="ignore"):
        out: NDArray[np.bool_] = both & (desired <= adequate)
    return out


@dataclass(frozen=True)
class ToleranceShare(ResultMixin):
    """Expected share of customers served within their own adequate wait, per interval.

    ``share_within_adequate``: mean over respondents i of P(served with wait
    <= a_i); ``share_within_desired`` likewise with d_i (NaN-free; equals
    ``share_within_adequate`` structure, only when desired waits are given,
    else a copy of zeros with ``has_desired`` False).
    """

    share_within_adequate: FloatArray
    share_within_desired: FloatArray
    has_desired: bool
    sl_definition: str


def _p_within(
    lam: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    n: FloatArray,
    waits: FloatArray,
    sl_definition: str,
) -> FloatArray:
    """Matrix (intervals x respondents) of P(W <= w_j), averaged over respondents."""
    k = lam.size
    m = waits.size

    def big(v: FloatArray) -> FloatArray:
        return np.repeat(v.reshape(-1), m)

    core = _erlang_a_core(
        big(lam), big(aht), big(patience), big(n), np.tile(waits, k), with_asa=False
    )
    sl = {"offered": core.sl_offered, "answered": core.sl_answered, "all": core.sl_all}[
        sl_definition
    ]
    out: FloatArray = sl.reshape(k, m).mean(axis=1)
    return out


def share_within_tolerance(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    adequate_wait_s: ArrayLike,
    *,
    desired_wait_s: ArrayLike | None = None,
    patience_s: ArrayLike | None = None,
    sl_definition: SLDefinition = "offered",
) -> ToleranceShare:
    """Share of customers whose wait is within their OWN adequate level.

    Parameters
    ----------
    calls, interval_s, aht_s, agents : array_like
        The interval(s) and the staffing level to evaluate.
    adequate_wait_s : array_like
        Respondents' adequate waits in SECONDS (convert minutes x 60).
    desired_wait_s : array_like, optional
        Respondents' desired waits in seconds.
    patience_s : array_like, optional
        Mean patience: Erlang A; omitted: Erlang C.
    sl_definition : {"offered", "answered", "all"}
        How a caller who abandons counts (see :func:`~servgap.core.queueing.erlang_a`);
        "offered" (abandoned = not within tolerance) is the natural choice.

    Notes
    -----
    share = (1/m) sum_i P(W <= a_i), the waiting-time distribution of the
    model (Erlang C: P(W <= t) = 1 - C e^{-(n-a) t / AHT}) integrated over the
    empirical distribution of adequate waits. Assumes respondents' tolerance
    is independent of the wait they happen to get.
    """
    _check_sl_definition(sl_definition)
    calls_a, interval, aht, n, patience = _prepare(
        [
            (_Spec("calls"), calls),
            (_Spec("interval_s", strict=True), interval_s),
            (_Spec("aht_s", strict=True), aht_s),
            (_Spec("agents", integer=True), agents),
            (
                _Spec("patience_s", strict=True, allow_inf=True),
                np.inf if patience_s is None else patience_s,
            ),
        ]
    )
    (adequate,) = _prepare(
        [(_Spec("adequate_wait_s"), np.asarray(adequate_wait_s, dtype=np.float64).reshape(-1))]
    )
    lam = calls_a / interval
    sh_a = _p_within(lam, aht, patience, n, adequate, sl_definition).reshape(calls_a.shape)
    if desired_wait_s is not None:
        (desired,) = _prepare(
            [(_Spec("desired_wait_s"), np.asarray(desired_wait_s, dtype=np.float64).reshape(-1))]
        )
        sh_d = _p_within(lam, aht, patience, n, desired, sl_definition).reshape(calls_a.shape)
    else:
        sh_d = np.zeros(calls_a.shape)
    return ToleranceShare(
        share_within_adequate=sh_a,
        share_within_desired=sh_d,
        has_desired=desired_wait_s is not None,
        sl_definition=sl_definition,
    )


# --------------------------------------------------------------------------- cost of a level


@dataclass(frozen=True)
class WeeklyCost(ResultMixin):
    """Agent hours, customers' waiting and abandonments of a staffing plan, per week.

    ``agent_hours`` covers the intervals planned; every ``*_per_week`` figure is
    scaled from the days planned to seven days.
    """

    days_planned: float
    agent_hours: float
    agent_hours_per_week: float
    wait_hours_per_week: float
    abandonments_per_week: float
    agent_cost_per_week: float
    wait_cost_per_week: float
    abandon_cost_per_week: float
    total_cost_per_week: float


def _check_costs(
    agent_cost_per_hour: float, wait_cost_per_hour: float, abandon_cost: float
) -> None:
    for name, value in (
        ("agent_cost_per_hour", agent_cost_per_hour),
        ("wait_cost_per_hour", wait_cost_per_hour),
        ("abandon_cost", abandon_cost),
    ):
        if not (np.isfinite(value) and value >= 0):
            raise InputError(
                f"`{name}` {value:g} must be a number >= 0.",
                f"`{name}` {value:g} 必须是 ≥ 0 的数值。",
                fields=(name,),
            )


def weekly_cost(
    calls: ArrayLike,
    interval_s: float,
    agents: ArrayLike,
    mean_wait_s: ArrayLike,
    p_abandon: ArrayLike,
    *,
    agent_cost_per_hour: float,
    wait_cost_per_hour: float,
    abandon_cost: float,
) -> WeeklyCost:
    """Weekly agent, waiting and abandonment cost of staffing ``agents`` for ``calls``.

    Parameters
    ----------
    calls, agents, mean_wait_s, p_abandon : array_like
        Per interval: arrivals, agents on duty, the model's mean wait E[W] of
        all arrivals (abandoners' waits included) and P(abandon).
    interval_s : float
        Interval length (s).
    agent_cost_per_hour, wait_cost_per_hour, abandon_cost : float
        Cost of an agent-hour, of a customer-hour of waiting, per abandonment.

    Notes
    -----
    With k intervals of length L planned, days = k L / 86,400 and the weekly
    factor f = 7 / days:

    * agent hours H = sum_j n_j L / 3600; per week H f; cost H c_agent f;
    * waiting hours = sum_j calls_j E[W]_j / 3600 (intervals without calls count 0,
      also where E[W] is undefined); cost per week = waiting hours c_wait f;
    * abandonments = sum_j calls_j P(Ab)_j; cost per week = abandonments c_ab f.

    An understaffed Erlang C interval (E[W] infinite) makes the waiting cost
    infinite, as it is. Checked against hand-worked numbers
    (``tests/core/test_capacity.py``).
    """
    _check_costs(agent_cost_per_hour, wait_cost_per_hour, abandon_cost)
    c = np.asarray(calls, dtype=np.float64).reshape(-1)
    n = np.asarray(agents, dtype=np.float64).reshape(-1)
    w = np.asarray(mean_wait_s, dtype=np.float64).reshape(-1)
    p_ab = np.asarray(p_abandon, dtype=np.float64).reshape(-1)
    hours = float(interval_s) / 3600.0
    days = c.size * float(interval_s) / 86400.0
    per_week = 7.0 / days if days > 0 else 0.0
    with np.errstate(invalid="ignore"):
        wait_h = np.where(c > 0, c * w / 3600.0, 0.0)
    wait_total = float(wait_h.sum())
    abandonments = float((c * np.nan_to_num(p_ab)).sum())
    agent_h = float(n.sum() * hours)
    agent_cost = agent_h * agent_cost_per_hour * per_week
    wait_cost = wait_total * wait_cost_per_hour * per_week
    ab_cost = abandonments * abandon_cost * per_week
    return WeeklyCost(
        days_planned=days,
        agent_hours=agent_h,
        agent_hours_per_week=agent_h * per_week,
        wait_hours_per_week=wait_total * per_week,
        abandonments_per_week=abandonments * per_week,
        agent_cost_per_week=agent_cost,
        wait_cost_per_week=wait_cost,
        abandon_cost_per_week=ab_cost,
        total_cost_per_week=agent_cost + wait_cost + ab_cost,
    )


@dataclass(frozen=True)
class LevelOutcome(ResultMixin):
    """What customers get from one staffing level, and what it costs per week.

    Per interval: ``share_within_adequate`` / ``share_within_desired`` (the
    expected share served within their own adequate / desired wait; 1 where
    no calls arrive), ``mean_wait_s`` and ``p_abandon``. Over the plan:
    ``within_adequate`` / ``within_desired``, the call-weighted means of the
    shares (NaN when no calls arrive at all), and ``cost``.
    """

    share_within_adequate: FloatArray
    share_within_desired: FloatArray
    mean_wait_s: FloatArray
    p_abandon: FloatArray
    within_adequate: float
    within_desired: float
    cost: WeeklyCost


def evaluate_level(
    calls: ArrayLike,
    interval_s: float,
    aht_s: float,
    agents: ArrayLike,
    *,
    adequate_wait_s: ArrayLike,
    desired_wait_s: ArrayLike,
    patience_s: float | None = None,
    sl_definition: SLDefinition = "offered",
    agent_cost_per_hour: float,
    wait_cost_per_hour: float,
    abandon_cost: float,
) -> LevelOutcome:
    """Shares within customers' own tolerance and the weekly cost of a staffing level.

    Parameters
    ----------
    calls, agents : array_like
        Arrivals and agents per interval.
    interval_s, aht_s : float
        Interval length and average handling time (s).
    adequate_wait_s, desired_wait_s : array_like
        Each respondent's adequate and desired wait in SECONDS; pairs with a
        missing answer or desired > adequate are left out
        (:func:`consistent_pairs`).
    patience_s : float, optional
        Mean patience: Erlang A; omitted: Erlang C.
    sl_definition : {"offered", "answered", "all"}
        How an abandoning customer counts in the shares
        (:func:`share_within_tolerance`).
    agent_cost_per_hour, wait_cost_per_hour, abandon_cost : float
        See :func:`weekly_cost`.

    Notes
    -----
    Shares: :func:`share_within_tolerance` on the intervals with calls; the
    plan's share is sum_j calls_j share_j / sum_j calls_j. Mean wait and
    P(Ab): :func:`~servgap.core.queueing.erlang_a` (patience infinite =
    Erlang C). Cost: :func:`weekly_cost`.
    """
    _check_costs(agent_cost_per_hour, wait_cost_per_hour, abandon_cost)
    c = np.asarray(calls, dtype=np.float64).reshape(-1)
    n = np.asarray(agents, dtype=np.float64).reshape(-1)
    a_all = np.asarray(adequate_wait_s, dtype=np.float64).reshape(-1)
    d_all = np.asarray(desired_wait_s, dtype=np.float64).reshape(-1)
    ok = consistent_pairs(a_all, d_all)
    busy = c > 0  # idle intervals carry no customers (weight 0)
    sh = share_within_tolerance(
        c[busy],
        interval_s,
        aht_s,
        n[busy],
        a_all[ok],
        desired_wait_s=d_all[ok],
        patience_s=patience_s,
        sl_definition=sl_definition,
    )
    share_a = np.ones(c.size)
    share_d = np.ones(c.size)
    share_a[busy] = sh.share_within_adequate
    share_d[busy] = sh.share_within_desired
    perf = erlang_a(c, interval_s, aht_s, np.inf if patience_s is None else patience_s, n, 0.0)
    total = c.sum()
    weights = c / total if total > 0 else None

    def wmean(x: FloatArray) -> float:
        return float(np.sum(x * weights)) if weights is not None else float("nan")

    mean_wait = np.asarray(perf.mean_wait_s, dtype=np.float64).reshape(-1)
    p_ab = np.asarray(perf.p_abandon, dtype=np.float64).reshape(-1)
    return LevelOutcome(
        share_within_adequate=share_a,
        share_within_desired=share_d,
        mean_wait_s=mean_wait,
        p_abandon=p_ab,
        within_adequate=wmean(share_a),
        within_desired=wmean(share_d),
        cost=weekly_cost(
            c,
            interval_s,
            n,
            mean_wait,
            p_ab,
            agent_cost_per_hour=agent_cost_per_hour,
            wait_cost_per_hour=wait_cost_per_hour,
            abandon_cost=abandon_cost,
        ),
    )


# --------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class RosterAgents(ResultMixin):
    """Agents per interval from a roster.

    ``agents``: whole agents present for the whole interval (floor of the
    agent-equivalents); ``agent_equivalents``: count weighted by the share of
    the interval each shift covers.
    """

    agents: FloatArray
    agent_equivalents: FloatArray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"agents": self.agents, "agent_equivalents": self.agent_equivalents})


def _to_seconds(values: Any, name: str) -> FloatArray:
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.number):
        return arr.astype(np.float64)
    try:
        ts = pd.to_datetime(pd.Series(values), utc=True)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"`{name}` must be numbers of seconds or timestamps; could not read {values!r}.",
            f"`{name}` 必须是秒数或时间戳；无法读取 {values!r}。",
        ) from exc
    out: FloatArray = (ts.astype("int64").to_numpy() / 1e9).astype(np.float64)
    return out


def roster_to_agents(
    shifts: pd.DataFrame, intervals: ArrayLike, *, interval_s: float = 1800.0
) -> RosterAgents:
    """Turn a roster of shifts into agents per interval.

    Parameters
    ----------
    shifts : DataFrame
        Columns ``start``, ``end`` (timestamps, or seconds on the same clock as
        ``intervals``) and ``count`` (agents on that shift).
    intervals : array_like
        Interval start times (timestamps or seconds).
    interval_s : float
        Interval length in seconds.

    Notes
    -----
    agent_equivalents_j = sum_s count_s x |[start_s, end_s) n [t_j, t_j + L)| / L;
    agents_j = floor(agent_equivalents_j + 1e-9). Breaks are not modelled:
    give them as separate shifts.
    """
    missing = [c for c in ("start", "end", "count") if c not in shifts.columns]
    if missing:
        raise InputError(
            f"The roster lacks column(s) {', '.join(missing)}; it needs start, end and count.",
            f"排班表缺少列 {', '.join(missing)}；需要 start、end 和 count。",
        )
    start = _to_seconds(shifts["start"], "start")
    end = _to_seconds(shifts["end"], "end")
    count = shifts["count"].to_numpy(dtype=np.float64)
    pc = ProblemCollector()
    for i in np.flatnonzero((end <= start) | ~np.isfinite(count) | (count < 0))[:50]:
        pc.add(
            "a shift must end after it starts and have a count >= 0",
            "班次结束时间必须晚于开始时间，且人数 ≥ 0",
            row=int(i) + 1,
            column="end" if end[i] <= start[i] else "count",
            value=float(count[i]) if end[i] > start[i] else str(shifts["end"].iloc[i]),
        )
    pc.raise_if_any(InputError, "Invalid roster.", "排班表无效。")
    t0 = _to_seconds(intervals, "intervals").reshape(-1)
    overlap = np.clip(
        np.minimum(end[None, :], t0[:, None] + interval_s)
        - np.maximum(start[None, :], t0[:, None]),
        0.0,
        interval_s,
    )
    eq: FloatArray = (overlap / interval_s) @ count
    return RosterAgents(agents=np.floor(eq + 1e-9), agent_equivalents=eq)


# --------------------------------------------------------------------------- balance


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
