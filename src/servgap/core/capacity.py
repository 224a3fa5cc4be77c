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
