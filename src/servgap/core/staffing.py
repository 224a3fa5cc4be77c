"""Staffing: least agents meeting service targets, and the least-cost staffing level.

Same output rule as :mod:`servgap.core.queueing`: numeric fields are numpy
arrays of the broadcast input shape (0-d when every input is a scalar).

Why written by hand: pyworkforce's ``ErlangC.required_positions`` does the
same search for one interval at a time in Python; here all intervals are
searched together in numpy (100,000 intervals in well under a second, see
``benchmarks/bench_staffing.py``), zero-volume intervals are allowed, and the
occupancy cap is compared with a tolerance (pyworkforce's plain float
comparison puts one agent too many when load / cap is an exact integer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from servgap.core._result import ResultMixin
from servgap.core.errors import ComputationError, InputError, SpecError
from servgap.core.queueing import (
    BoolArray,
    FloatArray,
    SLDefinition,
    _check_sl_definition,
    _erlang_a_core,
    _frame,
    _log_erlang_b,
    _prepare,
    _Spec,
)

#: Relative tolerance used when comparing achieved metrics with targets/caps.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class StaffingResult(ResultMixin):
    """Least agents per interval meeting every constraint, with achieved metrics.

    Fields: ``agents`` (on the phones), ``scheduled`` = ceil(agents /
    (1 - shrinkage)), ``offered_load_erl``, ``service_level`` (per
    ``sl_definition``; Erlang C when ``model`` is ``"erlang_c"``), ``p_wait``,
    ``p_abandon`` (0 for Erlang C), ``asa_s``, ``occupancy``, ``binding``
    (``"none"`` for zero volume, ``"occupancy"`` when the occupancy cap decides,
    ``"target"`` when the service level / abandonment target decides), and the
    targets echoed.
    """

    agents: FloatArray
    scheduled: FloatArray
    offered_load_erl: FloatArray
    service_level: FloatArray
    p_wait: FloatArray
    p_abandon: FloatArray
    asa_s: FloatArray
    occupancy: FloatArray
    binding: NDArray[np.str_]
    target_sl: FloatArray
    target_wait_s: FloatArray
    model: str
    sl_definition: str
    shrinkage: float

    def to_frame(self) -> pd.DataFrame:
        """One row per interval."""
        return _frame(self)


def _hw_guess(a: FloatArray, target: FloatArray, t_over_aht: FloatArray) -> FloatArray:
    """Square-root staffing guess n = a + beta sqrt(a) (Halfin & Whitt 1981).

    beta solves target = 1 - alpha(beta) exp(-beta sqrt(a) t / AHT) with
    alpha(beta) = [1 + beta Phi(beta) / phi(beta)]^{-1}, by vectorised bisection.
    Only a starting point: the search below corrects it exactly.
    """
    sq = np.sqrt(a)
    lo = np.zeros(a.shape)
    hi = np.full(a.shape, 8.0)
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        pdf = np.exp(-0.5 * mid * mid) / np.sqrt(2.0 * np.pi)
        alpha = 1.0 / (1.0 + mid * special.ndtr(mid) / pdf)
        sl = 1.0 - alpha * np.exp(-mid * sq * t_over_aht)
        ok = sl >= target
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    out: FloatArray = np.ceil(a + hi * sq)
    return out


def _feasible_c(
    a: FloatArray, n: FloatArray, target: FloatArray, t_over_aht: FloatArray
) -> tuple[BoolArray, FloatArray]:
    """Erlang C service level >= target at n (n > a assumed)."""
    b = np.exp(_log_erlang_b(a, n))
    c = n * b / (n - a * (1.0 - b))
    sl = 1.0 - c * np.exp(-(n - a) * t_over_aht)
    return sl >= target - TOLERANCE, sl


def _search_c(
    a: FloatArray, lower: FloatArray, target: FloatArray, t_over_aht: FloatArray
) -> FloatArray:
    """Least n >= lower (lower > a) with Erlang C SL >= target, all intervals at once."""
    n = np.maximum(lower, _hw_guess(a, target, t_over_aht))
    ok, _ = _feasible_c(a, n, target, t_over_aht)
    # step up where infeasible
    up = ~ok
    guard = 0
    while up.any():
        idx = np.flatnonzero(up)
        n[idx] += 1.0
        ok_i, _ = _feasible_c(a[idx], n[idx], target[idx], t_over_aht[idx])
        up[idx] = ~ok_i
        guard += 1
        if guard > 100_000:  # pragma: no cover - SL -> 1 as n grows, target < 1
            raise ComputationError("Staffing search did not converge.", "人员需求搜索未收敛。")
    # step down where the level below is still feasible
    down = ok & (n - 1.0 >= lower)
    while down.any():
        idx = np.flatnonzero(down)
        ok_i, _ = _feasible_c(a[idx], n[idx] - 1.0, target[idx], t_over_aht[idx])
        n[idx[ok_i]] -= 1.0
        down[idx] = ok_i & (n[idx] - 1.0 >= lower[idx])
    return n


#: Loads up to this use the Erlang B recursion from zero agents (cheap arithmetic);
#: larger loads start from a log-space Erlang B evaluation (one incomplete gamma).
_RECURSION_MAX_LOAD = 400.0


def _search_c_recursive(
    a: FloatArray, lower: FloatArray, target: FloatArray, t_over_aht: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Least n >= lower (lower > a) with Erlang C SL >= target, and B(n, a).

    Runs the Erlang B recursion 1/B(k) = 1 + (k / a) / B(k - 1) for all
    intervals together, k = 1, 2, ...; an interval leaves the working set at
    its first feasible k. Cost: sum of the answers, in vectorised arithmetic.
    """
    m = a.size
    n_out = np.zeros(m)
    b_out = np.zeros(m)
    idx = np.arange(m)
    inv_b = np.ones(m)
    aa, low, tg, tr = a, lower, target, t_over_aht
    k = 0
    with np.errstate(over="ignore"):
        while idx.size:
            k += 1
            inv_b = 1.0 + inv_b * (k / aa)
            chk = np.flatnonzero(low <= k)
            if chk.size == 0:
                continue
            b = 1.0 / inv_b[chk]
            av = aa[chk]
            c = k * b / (k - av * (1.0 - b))
            sl = 1.0 - c * np.exp(-(k - av) * tr[chk])
            ok = sl >= tg[chk] - TOLERANCE
            if not ok.any():
                continue
            done = chk[ok]
            n_out[idx[done]] = k
            b_out[idx[done]] = b[ok]
            keep = np.ones(idx.size, dtype=bool)
            keep[done] = False
            idx = idx[keep]
            inv_b, aa, low, tg, tr = (v[keep] for v in (inv_b, aa, low, tg, tr))
    return n_out, b_out


def _search_c_all(
    a: FloatArray, lower: FloatArray, target: FloatArray, t_over_aht: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Dispatch: recursion for moderate loads, log-space stepping for large ones."""
    n = np.zeros(a.size)
    b = np.zeros(a.size)
    small = a <= _RECURSION_MAX_LOAD
    if small.any():
        n[small], b[small] = _search_c_recursive(
            a[small], lower[small], target[small], t_over_aht[small]
        )
    big = ~small
    if big.any():
        n[big] = _search_c(a[big], lower[big], target[big], t_over_aht[big])
        b[big] = np.exp(_log_erlang_b(a[big], n[big]))
    return n, b


def _search_a(
    lam: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    t: FloatArray,
    start: FloatArray,
    lower: FloatArray,
    target: FloatArray,
    sl_definition: str,
    max_abandon: FloatArray,
    max_occupancy: FloatArray,
) -> FloatArray:
    """Least n >= lower with Erlang A SL >= target, P(Ab) <= max_abandon and
    occupancy a (1 - P(Ab)) / n <= max_occupancy."""

    def feasible(idx: NDArray[np.intp], n: FloatArray) -> BoolArray:
        core = _erlang_a_core(lam[idx], aht[idx], patience[idx], n, t[idx], with_asa=False)
        sl = {"offered": core.sl_offered, "answered": core.sl_answered, "all": core.sl_all}[
            sl_definition
        ]
        return (
            (sl >= target[idx] - TOLERANCE)
            & (core.p_abandon <= max_abandon[idx] + TOLERANCE)
            & (core.occupancy <= max_occupancy[idx] + TOLERANCE)
        )

    n = np.maximum(start, lower)
    all_idx = np.arange(n.size)
    ok = feasible(all_idx, n)
    up = ~ok
    guard = 0
    while up.any():
        idx = np.flatnonzero(up)
        n[idx] += 1.0
        up[idx] = ~feasible(idx, n[idx])
        guard += 1
        if guard > 100_000:  # pragma: no cover
            raise ComputationError("Staffing search did not converge.", "人员需求搜索未收敛。")
    down = ok & (n - 1.0 >= lower)
    while down.any():
        idx = np.flatnonzero(down)
        ok_i = feasible(idx, n[idx] - 1.0)
        n[idx[ok_i]] -= 1.0
        down[idx] = ok_i & (n[idx] - 1.0 >= lower[idx])
    return n


def required_agents(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    target_sl: ArrayLike,
    target_wait_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
    sl_definition: SLDefinition = "offered",
    max_occupancy: ArrayLike | None = None,
    max_abandon: ArrayLike | None = None,
    shrinkage: float = 0.0,
) -> StaffingResult:
    """Least agents per interval meeting the service level and every cap.

    Parameters
    ----------
    calls, interval_s, aht_s : array_like
        Arrivals per interval, interval length (s), average handling time (s).
    target_sl : array_like
        Required service level, a share in [0, 1) (0.8 for 80/20).
    target_wait_s : array_like
        Threshold t of the service level (s).
    patience_s : array_like, optional
        Mean patience (s). Given: Erlang A with ``sl_definition`` (see
        :func:`servgap.core.queueing.erlang_a`); omitted: Erlang C.
    max_occupancy : array_like, optional
        Occupancy cap in (0, 1]. Erlang C: agents >= load / cap; Erlang A:
        answered load a (1 - P(Ab)) / n <= cap.
    max_abandon : array_like, optional
        Cap on P(abandon) in [0, 1]; needs ``patience_s``.
    shrinkage : float
        Share of paid time not on the phones, in [0, 1).

    Returns
    -------
    StaffingResult

    Notes
    -----
    Service level is increasing in agents (Erlang C and A), so the least
    feasible n is found by a monotone search over all intervals together.
    Erlang C, loads <= 400 Erl: the Erlang B recursion 1/B(k) = 1 + (k/a)/B(k-1)
    runs for every interval at once and an interval stops at its first k that is
    >= the lower bounds (stability n > a; n >= load / max_occupancy) and meets
    the target -- exact, and only arithmetic. Larger loads start from the
    square-root staffing estimate n = a + beta sqrt(a) (Halfin & Whitt 1981)
    with Erlang B in log space and step up/down. Erlang A starts from the
    Erlang C answer and steps down/up. Comparisons use a relative tolerance of
    1e-9 (``TOLERANCE``): SL >= target - 1e-9, and the occupancy bound is
    ceil(load / cap x (1 - 1e-9)), so 7.7 Erl at 70 % needs 11 agents, not 12
    (load / cap = 11.000000000000002 in floating point). Zero-volume intervals
    get 0 agents. scheduled = ceil(agents / (1 - shrinkage) - 1e-9).

    Checked against the Call Centre Helper worked example (100 calls / 30 min,
    AHT 180 s, 80/20: 14 agents, 20 scheduled with 30 % shrinkage), a plain
    scan with :func:`erlang_c`, and pyworkforce 0.5.1 on 100,000 intervals
    (``benchmarks/bench_staffing.py``: identical answers).

    References
    ----------
    Halfin, S. & Whitt, W. (1981). Heavy-traffic limits for queues with many
    exponential servers. Operations Research 29(3): 567-588.
    Gans, N., Koole, G. & Mandelbaum, A. (2003). Telephone call centers:
    tutorial, review, and research prospects. M&SOM 5(2): 79-141.
    """
    _check_sl_definition(sl_definition)
    if not (0.0 <= float(shrinkage) < 1.0):
        raise InputError(
            f"shrinkage {shrinkage!r} must be a share in [0, 1), e.g. 0.3 for 30 %.",
            f"缩减率 shrinkage {shrinkage!r} 必须是 [0, 1) 之间的比例，例如 30% 写作 0.3。",
        )
    if max_abandon is not None and patience_s is None:
        raise SpecError(
            "max_abandon needs patience_s: without patience (Erlang C) nobody abandons. "
            "Give the mean patience or drop the cap.",
            "max_abandon 需要 patience_s：没有耐心时间（Erlang C）就不会有放弃。请提供平均耐心时间或去掉该上限。",
        )
    specs: list[tuple[_Spec, ArrayLike]] = [
        (_Spec("calls"), calls),
        (_Spec("interval_s", strict=True), interval_s),
        (_Spec("aht_s", strict=True), aht_s),
        (_Spec("target_sl"), target_sl),
        (_Spec("target_wait_s"), target_wait_s),
        (
            _Spec("patience_s", strict=True, allow_inf=True),
            np.inf if patience_s is None else patience_s,
        ),
        (_Spec("max_occupancy", strict=True), 1.0 if max_occupancy is None else max_occupancy),
        (_Spec("max_abandon"), 1.0 if max_abandon is None else max_abandon),
    ]
    calls_a, interval, aht, target, t, patience, occ_cap, ab_cap = _prepare(specs)
    bad = [
        (name, float(v.max()))
        for name, v in (("target_sl", target), ("max_occupancy", occ_cap), ("max_abandon", ab_cap))
        if v.size and (v.max() > 1.0 or (name == "target_sl" and v.max() >= 1.0))
    ]
    if bad:
        name, value = bad[0]
        raise InputError(
            f"`{name}` = {value:g} is outside its range (target_sl in [0, 1), caps in (0, 1]); "
            "give shares, e.g. 0.8 for 80 %.",
            f"`{name}` = {value:g} 超出范围（target_sl 在 [0, 1)，上限在 (0, 1]）；请填比例，例如 80% 写作 0.8。",
        )
    shape = calls_a.shape
    a = calls_a * aht / interval
    lam = calls_a / interval
    busy = (a > 0).reshape(-1)
    af, tf, ahtf = a.reshape(-1), t.reshape(-1), aht.reshape(-1)
    targetf, occf = target.reshape(-1), occ_cap.reshape(-1)
    agents = np.zeros(af.shape)
    n_occ = np.ceil(af / occf * (1.0 - TOLERANCE))
    if max_occupancy is None:
        n_occ = np.zeros(af.shape)
    erlang_c_mode = patience_s is None
    erlang_b_at_n = np.zeros(af.shape)
    if busy.any():
        ab = af[busy]
        n_stable = np.floor(ab) + 1.0
        lower_c = np.maximum(n_stable, n_occ[busy])
        n_c, b_c = _search_c_all(ab, lower_c, targetf[busy], tf[busy] / ahtf[busy])
        if erlang_c_mode:
            agents[busy] = n_c
            erlang_b_at_n[busy] = b_c
        else:
            # Erlang A occupancy is a (1 - P(Ab)) / n: checked inside the search
            lower_a = np.ones(ab.shape)
            agents[busy] = _search_a(
                lam.reshape(-1)[busy],
                ahtf[busy],
                patience.reshape(-1)[busy],
                tf[busy],
                n_c,
                lower_a,
                targetf[busy],
                sl_definition,
                ab_cap.reshape(-1)[busy],
                occf[busy],
            )
    agents = np.asarray(agents.reshape(shape), dtype=np.float64)
    binding = np.where(
        a == 0, "none", np.where(agents == n_occ.reshape(shape), "occupancy", "target")
    )
    scheduled = np.ceil(agents / (1.0 - float(shrinkage)) * (1.0 - TOLERANCE))
    if erlang_c_mode:
        # metrics from the Erlang B value the search ended with (no second evaluation)
        bb = erlang_b_at_n.reshape(shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = agents - a
            c = np.where(a > 0, agents * bb / (agents - a * (1.0 - bb)), 0.0)
            sl = np.where(a > 0, 1.0 - c * np.exp(-gap * t / aht), 1.0)
            asa = np.where(a > 0, c * aht / gap, 0.0)
            occ = np.where(agents > 0, a / agents, 0.0)
        p_wait, p_ab = c, np.zeros(shape)
    else:
        core = _erlang_a_core(lam, aht, patience, agents, t)
        sl = {"offered": core.sl_offered, "answered": core.sl_answered, "all": core.sl_all}[
            sl_definition
        ]
        p_wait, p_ab, asa, occ = core.p_wait, core.p_abandon, core.asa, core.occupancy
    return StaffingResult(
        agents=agents,
        scheduled=scheduled,
        offered_load_erl=a,
        service_level=sl,
        p_wait=p_wait,
        p_abandon=p_ab,
        asa_s=asa,
        occupancy=occ,
        binding=binding.astype(np.str_),
        target_sl=target,
        target_wait_s=t,
        model="erlang_c" if erlang_c_mode else "erlang_a",
        sl_definition=sl_definition,
        shrinkage=float(shrinkage),
    )


# --------------------------------------------------------------------------- staffing models


class StaffingSearch(Protocol):
    """The least-agents search of one staffing model, over arrays of intervals."""

    def __call__(
        self,
        calls: ArrayLike,
        interval_s: ArrayLike,
        aht_s: ArrayLike,
        target_sl: ArrayLike,
        target_wait_s: ArrayLike,
        *,
        patience_s: ArrayLike | None,
        sl_definition: SLDefinition,
        max_occupancy: ArrayLike | None,
        shrinkage: float,
    ) -> StaffingResult: ...


@dataclass(frozen=True)
class StaffingModel:
    """One queueing model the services can staff with (``model`` of the capacity services).

    ``needs_patience``: the model has abandonment and needs the mean patience;
    ``search``: the least agents per interval meeting the target (a
    :class:`StaffingSearch`); ``en``/``zh``: one line for headers and help.
    """

    name: str
    needs_patience: bool
    search: StaffingSearch
    en: str
    zh: str


def _erlang_c_search(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    target_sl: ArrayLike,
    target_wait_s: ArrayLike,
    *,
    patience_s: ArrayLike | None,
    sl_definition: SLDefinition,
    max_occupancy: ArrayLike | None,
    shrinkage: float,
) -> StaffingResult:
    """Erlang C (M/M/n, nobody abandons): ``patience_s`` is not used."""
    return required_agents(
        calls,
        interval_s,
        aht_s,
        target_sl,
        target_wait_s,
        sl_definition=sl_definition,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )


def _erlang_a_search(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    target_sl: ArrayLike,
    target_wait_s: ArrayLike,
    *,
    patience_s: ArrayLike | None,
    sl_definition: SLDefinition,
    max_occupancy: ArrayLike | None,
    shrinkage: float,
) -> StaffingResult:
    """Erlang A (M/M/n+M, exponential patience ``patience_s``)."""
    if patience_s is None:
        raise SpecError(
            "The Erlang A model needs the mean patience (`patience_s`); give it, or use the "
            "Erlang C model (nobody abandons).",
            "Erlang A 模型需要平均耐心时间（`patience_s`）；请给出，或改用 Erlang C 模型（不考虑放弃）。",
            fields=("patience_s",),
        )
    return required_agents(
        calls,
        interval_s,
        aht_s,
        target_sl,
        target_wait_s,
        patience_s=patience_s,
        sl_definition=sl_definition,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )


#: The staffing models by name, in the order the faces list them. A new model is one
#: :func:`register_staffing_model` call (see docs/architecture.md, "How to add a staffing
#: model"); the capacity services and ``servgap capacity … --model`` read this registry.
STAFFING_MODELS: dict[str, StaffingModel] = {}


def register_staffing_model(model: StaffingModel) -> None:
    """Add ``model`` to :data:`STAFFING_MODELS` (a name can be registered once)."""
    if model.name in STAFFING_MODELS:
        raise SpecError(
            f"A staffing model `{model.name}` is already registered.",
            f"人员配置模型 `{model.name}` 已注册。",
        )
    STAFFING_MODELS[model.name] = model


register_staffing_model(
    StaffingModel(
        "erlang_c",
        False,
        _erlang_c_search,
        "Erlang C: nobody abandons (M/M/n)",
        "Erlang C：不考虑放弃（M/M/n）",
    )
)
register_staffing_model(
    StaffingModel(
        "erlang_a",
        True,
        _erlang_a_search,
        "Erlang A: callers abandon after an exponential patience (M/M/n+M)",
        "Erlang A：来电者按指数分布的耐心时间放弃（M/M/n+M）",
    )
)


def staffing_model(name: str) -> StaffingModel:
    """The registered model called ``name``; an unknown name lists the known ones."""
    model = STAFFING_MODELS.get(name)
    if model is None:
        known = ", ".join(STAFFING_MODELS)
        raise SpecError(
            f"Unknown staffing model `{name}`; choose one of {known}.",
            f"未知的人员配置模型 `{name}`；可选：{known}。",
            fields=("model",),
        )
    return model


def default_staffing_model(*, patience_known: bool) -> str:
    """``erlang_a`` when a mean patience is known (given or estimated), else ``erlang_c``."""
    return "erlang_a" if patience_known else "erlang_c"


def staff_to_target(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    target_sl: ArrayLike,
    target_wait_s: ArrayLike,
    *,
    model: str,
    patience_s: ArrayLike | None = None,
    sl_definition: SLDefinition = "offered",
    max_occupancy: ArrayLike | None = None,
    shrinkage: float = 0.0,
) -> StaffingResult:
    """Least agents per interval with the staffing model named ``model``.

    The same search as :func:`required_agents` (Erlang C ignores ``patience_s``;
    Erlang A needs it); ``model`` is one of :data:`STAFFING_MODELS`.
    """
    return staffing_model(model).search(
        calls,
        interval_s,
        aht_s,
        target_sl,
        target_wait_s,
        patience_s=patience_s,
        sl_definition=sl_definition,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )


# --------------------------------------------------------------------------- cost optimum


@dataclass(frozen=True)
class OptimalStaffing(ResultMixin):
    """Least-cost agents per interval and the cost curve behind it.

    ``agents`` (per interval), ``total_cost_per_hour`` at the optimum, and
    ``curve``: a DataFrame with columns ``interval`` (0-based position),
    ``agents``, ``service_cost``, ``wait_cost``, ``abandon_cost``, ``total``
    (all per hour), one row per candidate staffing level (for a chart).
    """

    agents: FloatArray
    total_cost_per_hour: FloatArray
    curve: pd.DataFrame
    model: str

    def to_frame(self) -> pd.DataFrame:
        """The cost curve."""
        return self.curve


def optimal_agents(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    agent_cost_per_hour: float,
    wait_cost_per_hour: float,
    abandon_cost: float = 0.0,
    patience_s: ArrayLike | None = None,
    max_agents: int | None = None,
) -> OptimalStaffing:
    """Staffing level with the least total cost per hour.

    Parameters
    ----------
    calls, interval_s, aht_s : array_like
        Arrivals per interval, interval length (s), average handling time (s).
    agent_cost_per_hour : float
        Cost of one agent for one hour.
    wait_cost_per_hour : float
        Cost of one customer waiting one hour (customers' time, goodwill).
    abandon_cost : float
        Cost per abandoned call (lost sale, call-back). Must be > 0 with
        ``patience_s``.
    patience_s : array_like, optional
        Mean patience (s): Erlang A; omitted: Erlang C.
    max_agents : int, optional
        Largest staffing level considered (default a + 6 sqrt(a) + 10).

    Returns
    -------
    OptimalStaffing

    Raises
    ------
    SpecError
        Patience given but ``abandon_cost`` 0: a customer who hangs up would
        cost nothing, so cutting agents always "saves" -- the optimum is to
        understaff (Borst, Mandelbaum & Reiman 2004). Price abandonment, or
        use :func:`required_agents` with ``max_abandon``.

    Notes
    -----
    total(n) = n c_agent + c_wait E[Lq](n) + c_ab lambda P(Ab)(n), all per hour,
    with E[Lq] the mean number waiting (= lambda E[W] by Little's law,
    abandoners' waits included). Erlang C candidates start at floor(a) + 1
    (below, waiting cost is infinite); Erlang A candidates start at 0.
    The grid is searched exhaustively (E[Lq] is convex in n for Erlang C,
    Dyer & Proll 1977, but the grid is cheap and also right for Erlang A).

    References
    ----------
    Borst, S., Mandelbaum, A. & Reiman, M. (2004). Dimensioning large call
    centers. Operations Research 52(1): 17-34.
    """
    for name, value in (
        ("agent_cost_per_hour", agent_cost_per_hour),
        ("wait_cost_per_hour", wait_cost_per_hour),
        ("abandon_cost", abandon_cost),
    ):
        if not np.isfinite(value) or value < 0:
            raise InputError(
                f"`{name}` = {value!r} must be a finite cost >= 0.",
                f"`{name}` = {value!r} 必须是有限且 ≥ 0 的成本。",
            )
    if patience_s is not None and abandon_cost == 0:
        raise SpecError(
            "With patience_s given, abandon_cost must be > 0: otherwise a customer who hangs up "
            "costs nothing and the least-cost answer is to understaff (Borst, Mandelbaum & "
            "Reiman 2004). Give the cost of an abandoned call, or use required_agents with "
            "max_abandon.",
            "给定 patience_s 时 abandon_cost 必须大于 0：否则放弃的顾客不计成本，“最优”就是人手不足"
            "（Borst、Mandelbaum 与 Reiman 2004）。请给出每个放弃呼叫的成本，或使用带 max_abandon 的 required_agents。",
        )
    calls_a, interval, aht, patience = _prepare(
        [
            (_Spec("calls"), calls),
            (_Spec("interval_s", strict=True), interval_s),
            (_Spec("aht_s", strict=True), aht_s),
            (
                _Spec("patience_s", strict=True, allow_inf=True),
                np.inf if patience_s is None else patience_s,
            ),
        ]
    )
    shape = calls_a.shape
    lam = (calls_a / interval).reshape(-1)
    ahtf, patf = aht.reshape(-1), patience.reshape(-1)
    a = lam * ahtf
    erlang_c_mode = patience_s is None
    best = np.zeros(a.shape)
    best_cost = np.zeros(a.shape)
    frames: list[pd.DataFrame] = []
    for i in range(a.size):
        hi = (
            float(max_agents)
            if max_agents is not None
            else np.ceil(a[i] + 6.0 * np.sqrt(a[i]) + 10.0)
        )
        lo = np.floor(a[i]) + 1.0 if erlang_c_mode else 0.0
        if a[i] == 0:
            lo = 0.0
        if hi < lo:
            raise InputError(
                f"max_agents {max_agents} is below the {lo:g} agents needed for a stable queue "
                f"in interval {i + 1}; raise max_agents.",
                f"max_agents {max_agents} 小于第 {i + 1} 个时段稳定所需的 {lo:g} 名坐席；请调高 max_agents。",
            )
        n = np.arange(lo, hi + 1.0)
        k = n.size
        core = _erlang_a_core(
            np.full(k, lam[i]),
            np.full(k, ahtf[i]),
            np.full(k, patf[i]),
            n,
            np.zeros(k),
            with_asa=False,
        )
        lq = lam[i] * core.mean_wait * 1.0  # mean number waiting (Little)
        lq = np.where(np.isinf(core.mean_wait), np.inf, lq)
        service = n * agent_cost_per_hour
        wait = wait_cost_per_hour * lq
        aband = abandon_cost * lam[i] * 3600.0 * core.p_abandon
        total = service + wait + aband
        j = int(np.argmin(total))
        best[i], best_cost[i] = n[j], total[j]
        frames.append(
            pd.DataFrame(
                {
                    "interval": i,
                    "agents": n,
                    "service_cost": service,
                    "wait_cost": wait,
                    "abandon_cost": aband,
                    "total": total,
                }
            )
        )
    return OptimalStaffing(
        agents=best.reshape(shape),
        total_cost_per_hour=best_cost.reshape(shape),
        curve=pd.concat(frames, ignore_index=True),
        model="erlang_c" if erlang_c_mode else "erlang_a",
    )


__all__ = [
    "STAFFING_MODELS",
    "TOLERANCE",
    "OptimalStaffing",
    "StaffingModel",
    "StaffingResult",
    "default_staffing_model",
    "optimal_agents",
    "register_staffing_model",
    "required_agents",
    "staff_to_target",
    "staffing_model",
]
