"""Queueing models for counters and call centres: Erlang B/C/A, M/M/c/K, M/M/c//N.

All functions are vectorised: every numeric argument may be a scalar or a numpy
array (one value per interval); arguments are broadcast together.

Output rule (one rule for every result in this module and in ``staffing``):
every numeric field is a ``numpy.ndarray`` of the broadcast shape of the
inputs; when every input is a scalar the fields are 0-d arrays (use
``float(r.p_wait)``; 0-d arrays format, compare and do arithmetic like floats).
``to_frame()`` always gives one row per interval.

Why written by hand: scipy has no queueing module; pyworkforce (MIT) covers
Erlang C but on Python 3.11 only version 0.5.1 installs (no Erlang A), it
raises on zero-volume intervals, and it loops in Python per interval (see
``benchmarks/bench_staffing.py`` for the speed ratio); ciw is a simulator,
used here only for validation (``servgap.core.simulate``).

Numerics: Erlang B is evaluated in log space through the regularised upper
incomplete gamma function, B(n, a) = Poisson pmf(n; a) / Q(n + 1, a), with a
convergent series for 1/B where Q underflows (a far above n); no factorials
are formed, so 10,000+ agents are fine (tested against mpmath). Erlang A uses
A(x, y) in log space through the regularised lower incomplete gamma function
and the confluent hypergeometric series 1F1(1; x + 1; y) where that underflows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, ProblemCollector

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
SLDefinition = Literal["offered", "answered", "all"]
SL_DEFINITIONS: tuple[str, ...] = ("offered", "answered", "all")

_MAX_PROBLEMS = 50


# --------------------------------------------------------------------------- input handling


@dataclass(frozen=True)
class PlausibleRange:
    """The values a queueing input can plausibly take, with its unit for messages."""

    low: float
    high: float
    unit_en: str
    unit_zh: str


#: Largest plausible offered load calls x aht_s / interval_s (Erlang): thirty
#: thousand agents busy at once in one queue, beyond the largest contact centres.
#: Erlang B/C are checked against mpmath up to 20,000 agents; Erlang A was run
#: over this range (loads to 3e4, patience to MAX_PATIENCE_PER_AHT handling
#: times, agents 1 to 3x the load) without overflow; at 5e4 Erlang it overflows.
MAX_OFFERED_LOAD_ERL = 3e4

#: Largest mean patience in handling times, patience_s / aht_s. Far below it
#: nobody abandons to many digits (that is Erlang C: leave patience out); above
#: it Erlang A's series in x = n patience / aht and y = arrivals per mean
#: patience leave the region where they were checked to run without overflow.
MAX_PATIENCE_PER_AHT = 1e8


_DAY_S = 86_400.0
_PER_CONTACT_S = PlausibleRange(1e-3, 7 * _DAY_S, "s (1 ms to 7 days)", "秒（1 毫秒至 7 天）")
_WAIT_S = PlausibleRange(0.0, 7 * _DAY_S, "s (up to 7 days)", "秒（最长 7 天）")
_PER_INTERVAL = PlausibleRange(0.0, 1e7, "contacts per interval", "个/时段")
_HEADCOUNT = PlausibleRange(0.0, 1e6, "agents", "人")

#: Plausible range of every queueing input, by argument name. A value outside
#: it is refused, naming the field, the value and the range, before any
#: arithmetic: beyond these bounds the formulas overflow double precision or
#: the staffing search would run for hours, and such a value is a unit slip or
#: a typo (an AHT of 1e308 s), never a real queue.
PLAUSIBLE_RANGES: dict[str, PlausibleRange] = {
    "calls": _PER_INTERVAL,
    "forecast_calls": _PER_INTERVAL,
    "other_calls": _PER_INTERVAL,
    "interval_s": PlausibleRange(1.0, 31 * _DAY_S, "s (1 s to 31 days)", "秒（1 秒至 31 天）"),
    "aht_s": _PER_CONTACT_S,
    # finite patience above any aht_s: bounded by MAX_PATIENCE_PER_AHT handling times
    "patience_s": PlausibleRange(1e-3, np.inf, "s (at least 1 ms)", "秒（至少 1 毫秒）"),
    "target_wait_s": _WAIT_S,
    "adequate_wait_s": _WAIT_S,
    "desired_wait_s": _WAIT_S,
    "adequate_waits": _WAIT_S,
    "think_time_s": PlausibleRange(0.0, 366 * _DAY_S, "s (up to a year)", "秒（最长一年）"),
    "agents": _HEADCOUNT,
    "capacity_agents": _HEADCOUNT,
    "servers": _HEADCOUNT,
    "capacity": PlausibleRange(0.0, 1e6, "places in the system", "个系统容量"),
    "population": PlausibleRange(0.0, 1e6, "customers", "位顾客"),
    "offered_load_erl": PlausibleRange(0.0, MAX_OFFERED_LOAD_ERL, "Erlang", "爱尔兰"),
    "target_sl": PlausibleRange(0.0, 1.0, "(a share: 0.8 for 80 %)", "（比例：80% 写作 0.8）"),
    "max_occupancy": PlausibleRange(
        0.0, 1.0, "(a share: 0.85 for 85 %)", "（比例：85% 写作 0.85）"
    ),
    "max_abandon": PlausibleRange(0.0, 1.0, "(a share: 0.05 for 5 %)", "（比例：5% 写作 0.05）"),
    "service_cv": PlausibleRange(0.0, 100.0, "(coefficient of variation)", "（变异系数）"),
}


@dataclass(frozen=True)
class _Spec:
    """How one argument is validated (its plausible range: :data:`PLAUSIBLE_RANGES`)."""

    name: str
    min_value: float = 0.0
    strict: bool = False  # value must be > min_value
    integer: bool = False
    allow_inf: bool = False


def _to_array(name: str, value: ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"`{name}` must be a number or an array of numbers, got {value!r}. "
            "Pass numeric values (one per interval).",
            f"`{name}` 必须是数值或数值数组，收到 {value!r}。请为每个时段提供数值。",
        ) from exc
    return arr


def _check(pc: ProblemCollector, spec: _Spec, arr: FloatArray) -> None:
    """Add one problem per bad element of ``arr`` (at most ``_MAX_PROBLEMS``)."""
    flat = arr.reshape(-1)
    with np.errstate(invalid="ignore"):
        bad_nan = np.isnan(flat)
        bad_inf = np.isinf(flat) & (not spec.allow_inf)
        finite = np.isfinite(flat)
        if spec.strict:
            bad_low = ~bad_nan & (flat <= spec.min_value)
        else:
            bad_low = ~bad_nan & (flat < spec.min_value)
        bad_int = np.zeros_like(bad_nan)
        if spec.integer:
            bad_int = finite & (flat != np.round(flat))
        rng = PLAUSIBLE_RANGES.get(spec.name)
        bad_range = np.zeros_like(bad_nan)
        if rng is not None:
            bad_range = finite & ~bad_low & ((flat < rng.low) | (flat > rng.high))
    bad = bad_nan | bad_inf | bad_low | bad_int | bad_range
    if not bad.any():
        return
    op = ">" if spec.strict else "≥"
    for i in np.flatnonzero(bad)[: max(0, _MAX_PROBLEMS - len(pc))]:
        v = float(flat[i])
        row = int(i) + 1 if arr.ndim > 0 else None
        if bad_nan[i]:
            en, zh = "value is missing (NaN); give a number", "缺少数值（NaN），请填写数值"
        elif bad_inf[i]:
            en, zh = "value is infinite; give a finite number", "数值为无穷大，请填写有限数值"
        elif bad_low[i]:
            en = f"value {v:g} must be {op} {spec.min_value:g}; correct it"
            zh = f"数值 {v:g} 必须 {op} {spec.min_value:g}，请更正"
        elif bad_range[i] and rng is not None:
            bounded = bool(np.isfinite(rng.high))
            span_en = f"range {rng.low:g} to {rng.high:g}" if bounded else f"minimum {rng.low:g}"
            span_zh = f"范围 {rng.low:g} 至 {rng.high:g}" if bounded else f"下限 {rng.low:g}"
            en = (
                f"value {v:g} is outside the plausible {span_en} {rng.unit_en}; "
                "check the value and its unit"
            )
            zh = f"数值 {v:g} 超出合理{span_zh} {rng.unit_zh}，请检查数值及其单位"
        else:
            en = f"value {v:g} must be a whole number; round it or check the column"
            zh = f"数值 {v:g} 必须为整数，请取整或检查该列"
        pc.add(en, zh, row=row, column=spec.name, value=v)


def _check_derived(
    pc: ProblemCollector, arrays: dict[str, FloatArray], load: tuple[str, str, str]
) -> None:
    """Refuse an offered load above :data:`MAX_OFFERED_LOAD_ERL` and a patience
    above :data:`MAX_PATIENCE_PER_AHT` handling times (each value already in range)."""
    n_calls, n_aht, n_interval = load
    # relative slack: a value at a limit stays in, whatever the rounding of the ratio
    slack = 1.0 + 1e-9
    if all(n in arrays for n in load):
        c, h, iv = (arrays[n].reshape(-1) for n in load)
        with np.errstate(over="ignore"):
            erl = c * h / iv
        for i in np.flatnonzero(erl > MAX_OFFERED_LOAD_ERL * slack)[
            : max(0, _MAX_PROBLEMS - len(pc))
        ]:
            v, parts = float(erl[i]), f"{c[i]:g} x {h[i]:g} / {iv[i]:g}"
            pc.add(
                f"offered load {n_calls} x {n_aht} / {n_interval} = {parts} = {v:g} Erlang "
                f"is above the plausible maximum of {MAX_OFFERED_LOAD_ERL:g} (agents busy at "
                "once); check the volumes, the handling time and their units",
                f"负荷 {n_calls} × {n_aht} / {n_interval} = {parts} = {v:g} 爱尔兰，超过合理"
                f"上限 {MAX_OFFERED_LOAD_ERL:g}（同时在忙的人数）；请检查数量、处理时长及其单位",
                row=int(i) + 1 if arrays[n_aht].ndim > 0 else None,
                column=n_aht,
                value=float(h[i]),
            )
    if "patience_s" in arrays and n_aht in arrays:
        p, h = arrays["patience_s"].reshape(-1), arrays[n_aht].reshape(-1)
        with np.errstate(over="ignore"):
            ratio = np.where(np.isinf(p), 0.0, p / h)
        low = PLAUSIBLE_RANGES["patience_s"].low
        for i in np.flatnonzero(ratio > MAX_PATIENCE_PER_AHT * slack)[
            : max(0, _MAX_PROBLEMS - len(pc))
        ]:
            top = MAX_PATIENCE_PER_AHT * float(h[i])
            pc.add(
                f"patience {p[i]:g} s is more than {MAX_PATIENCE_PER_AHT:g} handling times "
                f"({n_aht} {h[i]:g} s); the plausible range is {low:g} to {top:g} s. Check both "
                "units (seconds), or leave patience out (Erlang C: nobody abandons)",
                f"耐心时间 {p[i]:g} 秒超过处理时长（{n_aht} {h[i]:g} 秒）的 "
                f"{MAX_PATIENCE_PER_AHT:g} 倍；合理范围为 {low:g} 至 {top:g} 秒。请检查两者的单位"
                "（秒），或不指定耐心时间（Erlang C：无人放弃）",
                row=int(i) + 1 if arrays["patience_s"].ndim > 0 else None,
                column="patience_s",
                value=float(p[i]),
            )


def _prepare(
    args: Sequence[tuple[_Spec, ArrayLike]],
    *,
    load: tuple[str, str, str] = ("calls", "aht_s", "interval_s"),
) -> list[FloatArray]:
    """Validate all arguments, then broadcast them; raise once with all problems.

    Each value must lie in its :data:`PLAUSIBLE_RANGES` entry; when the
    arguments named in ``load`` (arrivals, handling time, interval length) are
    all present, their offered load is checked too, and so is patience_s / aht_s.
    """
    pc = ProblemCollector()
    arrays = []
    for spec, value in args:
        arr = _to_array(spec.name, value)
        _check(pc, spec, arr)
        arrays.append(arr)
    pc.raise_if_any(
        InputError,
        "Invalid queueing input; fix the values listed below.",
        "排队模型输入无效，请更正以下数值。",
    )
    try:
        out = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        shapes = ", ".join(f"{s.name}{a.shape}" for (s, _), a in zip(args, arrays, strict=True))
        raise InputError(
            f"Arguments have incompatible shapes: {shapes}. Give scalars or arrays of one length.",
            f"参数形状不一致：{shapes}。请提供标量或等长数组。",
        ) from exc
    result = [np.array(a, dtype=np.float64) for a in out]
    _check_derived(pc, {s.name: a for (s, _), a in zip(args, result, strict=True)}, load)
    pc.raise_if_any(
        InputError,
        "Invalid queueing input; fix the values listed below.",
        "排队模型输入无效，请更正以下数值。",
    )
    return result


def _check_sl_definition(sl_definition: str) -> None:
    if sl_definition not in SL_DEFINITIONS:
        raise InputError(
            f"Unknown service-level definition {sl_definition!r}; "
            "use 'offered', 'answered' or 'all'.",
            f"未知的服务水平定义 {sl_definition!r}；请使用 'offered'、'answered' 或 'all'。",
        )


def _frame(result: Any) -> pd.DataFrame:
    """One row per interval from a result whose fields are arrays or labels."""
    cols: dict[str, Any] = {}
    shape: tuple[int, ...] = ()
    for f in dataclasses.fields(result):
        v = getattr(result, f.name)
        if isinstance(v, np.ndarray):
            shape = np.broadcast_shapes(shape, v.shape)
    n = int(np.prod(shape)) if shape else 1
    for f in dataclasses.fields(result):
        v = getattr(result, f.name)
        if isinstance(v, np.ndarray):
            cols[f.name] = np.broadcast_to(v, shape).reshape(-1) if shape else v.reshape(1)
        elif isinstance(v, str | int | float):
            cols[f.name] = [v] * n
    return pd.DataFrame(cols)


# --------------------------------------------------------------------------- special functions


def _log_gammainc(a: FloatArray, z: FloatArray) -> FloatArray:
    """log P(a, z), the log of the regularised lower incomplete gamma function.

    Uses ``scipy.special.gammainc`` where it does not underflow, otherwise
    P(a, z) = z^a e^{-z} / Gamma(a + 1) * 1F1(1; a + 1; z) (DLMF 8.5.1, 13.6.5),
    whose series converges fast exactly there (z far below a).
    """
    a, z = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(z, np.float64))
    out = np.full(a.shape, -np.inf)
    pos = z > 0
    p = np.zeros(a.shape)
    p[pos] = special.gammainc(a[pos], z[pos])
    ok = pos & (p > 1e-280)
    out[ok] = np.log(p[ok])
    tiny = pos & ~ok
    if tiny.any():
        at, zt = a[tiny], z[tiny]
        out[tiny] = (
            at * np.log(zt)
            - zt
            - special.gammaln(at + 1.0)
            + np.log(special.hyp1f1(1.0, at + 1.0, zt))
        )
    return out


def _log_A(x: FloatArray, y: FloatArray) -> FloatArray:
    """log A(x, y), A(x, y) = x e^y y^{-x} gamma(x, y) = 1F1(1; x + 1; y) (x > 0, y > 0).

    Garnett, Mandelbaum & Reiman (2002), eq. (3.2). For y <= x the confluent
    hypergeometric series (scipy ``hyp1f1``, accurate to ~1e-14 there) avoids
    the cancellation of the x log y terms; for y > x (A astronomically large)
    the lower incomplete gamma function is used in log space.
    """
    x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    out = np.empty(x.shape)
    small = y <= x
    if small.any():
        out[small] = np.log(special.hyp1f1(1.0, x[small] + 1.0, y[small]))
    big = ~small
    if big.any():
        xb, yb = x[big], y[big]
        out[big] = np.log(xb) + yb - xb * np.log(yb) + special.gammaln(xb) + _log_gammainc(xb, yb)
    return out


def _log_erlang_b(load: FloatArray, agents: FloatArray) -> FloatArray:
    """log of Erlang's loss formula B(n, a), vectorised, without factorials.

    B(n, a) = [a^n e^{-a} / n!] / Q(n + 1, a), Q the regularised upper incomplete
    gamma function (the Poisson cdf). Where Q underflows (a far above n) the
    series 1/B = sum_{j=0}^{n} prod_{i<j} (n - i)/a is used; its ratio n/a is
    then well below 1, so it converges in few terms.
    """
    a, n = np.broadcast_arrays(np.asarray(load, np.float64), np.asarray(agents, np.float64))
    out = np.zeros(a.shape)  # B = 1 when n == 0
    zero_load = (a == 0) & (n > 0)
    out[zero_load] = -np.inf
    work = (a > 0) & (n > 0)
    if not work.any():
        return out
    aw, nw = a[work], n[work]
    q = special.gammaincc(nw + 1.0, aw)
    logpmf = nw * np.log(aw) - aw - special.gammaln(nw + 1.0)
    res = np.empty(aw.shape)
    ok = q > 1e-280
    res[ok] = logpmf[ok] - np.log(q[ok])
    if (~ok).any():
        ab, nb = aw[~ok], nw[~ok]
        total = np.ones(ab.shape)
        term = np.ones(ab.shape)
        j = 0
        active = np.ones(ab.shape, dtype=bool)
        while active.any():
            term = np.where(active, term * np.maximum(nb - j, 0.0) / ab, 0.0)
            total += term
            j += 1
            active = (term > 1e-18 * total) & (j < nb)
        res[~ok] = -np.log(total)
    out[work] = res
    return out


def erlang_b(offered_load_erl: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Erlang's loss formula B(n, a): blocking probability of M/M/n/n.

    Parameters
    ----------
    offered_load_erl : array_like
        Offered load a = arrival rate x mean holding time (Erlang), a >= 0.
    agents : array_like
        Number of servers n (whole number >= 0).

    Returns
    -------
    numpy.ndarray
        B(n, a), broadcast shape of the inputs.

    Notes
    -----
    B(n, a) = (a^n / n!) / sum_{k=0}^{n} a^k / k!, evaluated as the Poisson pmf
    over the Poisson cdf in log space (see module docstring); equivalent to the
    recursion B(k) = a B(k-1) / (k + a B(k-1)). Checked against mpmath at 50
    digits up to 20,000 servers and against the printed Erlang B table value.

    References
    ----------
    Erlang, A. K. (1917). Solution of some problems in the theory of
    probabilities of significance in automatic telephone exchanges.
    Elektroteknikeren 13.
    """
    a, n = _prepare(
        [(_Spec("offered_load_erl"), offered_load_erl), (_Spec("agents", integer=True), agents)]
    )
    return np.exp(_log_erlang_b(a, n))


# --------------------------------------------------------------------------- Erlang C


@dataclass(frozen=True)
class ErlangCResult(ResultMixin):
    """M/M/c (Erlang C) performance per interval; times in seconds.

    Fields: ``offered_load_erl`` (a = calls x AHT / interval), ``agents``,
    ``p_wait`` (P(W > 0)), ``service_level`` (P(W <= target_wait_s)), ``asa_s``
    (mean wait in queue over all callers), ``mean_queue_length`` (E[Lq]),
    ``occupancy`` (a / n), ``mean_sojourn_s`` (ASA + AHT), ``overloaded``
    (agents <= offered load: no steady state, waits reported as infinite and
    service level as 0), ``target_wait_s``.
    """

    offered_load_erl: FloatArray
    agents: FloatArray
    p_wait: FloatArray
    service_level: FloatArray
    asa_s: FloatArray
    mean_queue_length: FloatArray
    occupancy: FloatArray
    mean_sojourn_s: FloatArray
    overloaded: BoolArray
    target_wait_s: FloatArray

    def to_frame(self) -> pd.DataFrame:
        """One row per interval."""
        return _frame(self)


def _erlang_c_core(
    a: FloatArray, n: FloatArray, aht: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    """p_wait, service level, ASA, E[Lq], occupancy, overloaded for arrays of equal shape."""
    shape = a.shape
    p_wait = np.zeros(shape)
    sl = np.ones(shape)
    asa = np.zeros(shape)
    lq = np.zeros(shape)
    occ = np.zeros(shape)
    idle = a == 0  # no arrivals: nobody waits (whatever the staffing)
    overloaded = ~idle & (n <= a)
    stable = ~idle & ~overloaded
    if stable.any():
        av, nv, ahtv, tv = a[stable], n[stable], aht[stable], t[stable]
        b = np.exp(_log_erlang_b(av, nv))
        c = nv * b / (nv - av * (1.0 - b))
        gap = nv - av
        p_wait[stable] = c
        sl[stable] = 1.0 - c * np.exp(-gap * tv / ahtv)
        asa[stable] = c * ahtv / gap
        lq[stable] = c * av / gap
        occ[stable] = av / nv
    p_wait[overloaded] = 1.0
    sl[overloaded] = 0.0
    asa[overloaded] = np.inf
    lq[overloaded] = np.inf
    occ[overloaded] = np.where(n[overloaded] > 0, 1.0, 0.0)
    return p_wait, np.clip(sl, 0.0, 1.0), asa, lq, occ, overloaded


def erlang_c(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    target_wait_s: ArrayLike,
) -> ErlangCResult:
    """Erlang C (M/M/c): waiting probability, service level and waits per interval.

    Parameters
    ----------
    calls : array_like
        Arrivals per interval (>= 0).
    interval_s : array_like
        Interval length in seconds (> 0), e.g. 1800.
    aht_s : array_like
        Average handling time in seconds (> 0).
    agents : array_like
        Agents on the queue (whole number >= 0).
    target_wait_s : array_like
        Service-level threshold t in seconds (>= 0).

    Returns
    -------
    ErlangCResult
        Numeric fields are arrays of the broadcast input shape (0-d for scalars).

    Notes
    -----
    a = calls x AHT / interval; B = Erlang B(n, a);
    C = P(W > 0) = n B / (n - a (1 - B)) for n > a;
    SL(t) = 1 - C exp(-(n - a) t / AHT); ASA = C AHT / (n - a);
    E[Lq] = C a / (n - a); occupancy = a / n; sojourn = ASA + AHT.
    Overloaded intervals (n <= a, calls > 0) have no steady state: p_wait 1,
    SL 0, ASA / E[Lq] / sojourn infinite, occupancy 1 (0 without agents), and
    ``overloaded`` True -- no error is raised. Intervals without calls have
    p_wait 0, SL 1, zero waits and occupancy 0.

    Checked against the Call Centre Helper worked example (100 calls per 30 min,
    AHT 180 s, 20 s target: 14 agents give P(wait) 0.1741, SL 88.8 %, ASA 7.8 s),
    Hillier & Lieberman's County Hospital M/M/2 example, and mpmath at 10,000 agents.

    References
    ----------
    Erlang, A. K. (1917), see :func:`erlang_b`.
    Gross, D., Shortle, J. F., Thompson, J. M. & Harris, C. M. (2008).
    Fundamentals of Queueing Theory, 4th ed., Wiley, section 2.3 (M/M/c).
    """
    calls_a, interval, aht, n, t = _prepare(
        [
            (_Spec("calls"), calls),
            (_Spec("interval_s", strict=True), interval_s),
            (_Spec("aht_s", strict=True), aht_s),
            (_Spec("agents", integer=True), agents),
            (_Spec("target_wait_s"), target_wait_s),
        ]
    )
    a = calls_a * aht / interval
    p_wait, sl, asa, lq, occ, over = _erlang_c_core(a, n, aht, t)
    return ErlangCResult(
        offered_load_erl=a,
        agents=n,
        p_wait=p_wait,
        service_level=sl,
        asa_s=asa,
        mean_queue_length=lq,
        occupancy=occ,
        mean_sojourn_s=asa + aht,
        overloaded=over,
        target_wait_s=t,
    )


# --------------------------------------------------------------------------- Erlang A


@dataclass(frozen=True)
class ErlangAResult(ResultMixin):
    """M/M/c+M (Erlang A) performance per interval; times in seconds.

    Fields: ``offered_load_erl``, ``agents``, ``p_wait`` (P(V > 0): arrival finds
    all agents busy), ``p_abandon``, ``service_level`` (per ``sl_definition``),
    ``sl_offered``, ``sl_answered``, ``sl_all`` (all three definitions),
    ``asa_s`` (mean wait of answered callers; infinite when none are answered),
    ``mean_wait_s`` (mean time in queue over all callers, abandoners included),
    ``occupancy`` (answered load / agents), ``target_wait_s``, ``patience_s``
    and ``sl_definition`` echoed.
    """

    offered_load_erl: FloatArray
    agents: FloatArray
    p_wait: FloatArray
    p_abandon: FloatArray
    service_level: FloatArray
    sl_offered: FloatArray
    sl_answered: FloatArray
    sl_all: FloatArray
    asa_s: FloatArray
    mean_wait_s: FloatArray
    occupancy: FloatArray
    target_wait_s: FloatArray
    patience_s: FloatArray
    sl_definition: str

    def to_frame(self) -> pd.DataFrame:
        """One row per interval."""
        return _frame(self)


@dataclass(frozen=True)
class _ACore:
    p_wait: FloatArray
    p_abandon: FloatArray
    sl_offered: FloatArray
    sl_answered: FloatArray
    sl_all: FloatArray
    asa: FloatArray
    mean_wait: FloatArray
    occupancy: FloatArray


def _erlang_a_core(
    lam: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    n: FloatArray,
    t: FloatArray,
    *,
    with_asa: bool = True,
) -> _ACore:
    """Erlang A measures for equal-shape arrays (lam per second; patience may be inf)."""
    shape = lam.shape
    a = lam * aht
    p_wait = np.zeros(shape)
    p_ab = np.zeros(shape)
    sl_off = np.ones(shape)
    sl_ans = np.ones(shape)
    sl_all = np.ones(shape)
    asa = np.zeros(shape)
    mwait = np.zeros(shape)
    occ = np.zeros(shape)

    busy = lam > 0
    # Infinite patience: Erlang C.
    inf_p = busy & np.isinf(patience)
    if inf_p.any():
        pw, sl, asa_c, _, oc, _ = _erlang_c_core(a[inf_p], n[inf_p], aht[inf_p], t[inf_p])
        p_wait[inf_p], sl_off[inf_p], sl_ans[inf_p], sl_all[inf_p] = pw, sl, sl, sl
        asa[inf_p], mwait[inf_p], occ[inf_p] = asa_c, asa_c, oc
    # No agents: everybody abandons after his patience.
    none = busy & ~inf_p & (n == 0)
    if none.any():
        theta0 = 1.0 / patience[none]
        p_wait[none], p_ab[none] = 1.0, 1.0
        sl_off[none], sl_ans[none] = 0.0, 0.0
        sl_all[none] = -np.expm1(-theta0 * t[none])
        asa[none], mwait[none] = np.inf, patience[none]
    m = busy & ~inf_p & (n > 0)
    if m.any():
        th = 1.0 / patience[m]
        mu = 1.0 / aht[m]
        nm, tm, lm = n[m], t[m], lam[m]
        x = nm * mu / th
        y = lm / th
        log_e = _log_erlang_b(lm * aht[m], nm)
        log_a0 = _log_A(x, y)
        log_a1 = _log_A(x + 1.0, y)
        # A - 1 = y / (x + 1) * A(x + 1, y)  (series of 1F1), no cancellation.
        log_am1 = np.log(y) - np.log(x + 1.0) + log_a1
        log_pi = log_e - np.logaddexp(0.0, log_am1 + log_e)
        pw = np.minimum(np.exp(log_pi + log_a0), 1.0)
        # P(served after waiting) = pi_n * x / (x + 1) * A(x + 1, y)
        log_psw = log_pi + np.log(x / (x + 1.0)) + log_a1
        psw = np.exp(log_psw)
        pab = np.clip(pw - psw, 0.0, 1.0)
        z = y * np.exp(-th * tm)
        # Answered within t after waiting: psw * [1 - P(x+1, z) / P(x+1, y)]
        r1 = _log_gammainc(x + 1.0, z) - _log_gammainc(x + 1.0, y)
        served_wait_t = psw * -np.expm1(np.minimum(r1, 0.0))
        off = np.clip(1.0 - pw + served_wait_t, 0.0, 1.0)
        # P(V > t) = pi_n A(x, y) P(x, z) / P(x, y); SL_all = 1 - e^{-theta t} P(V > t)
        r0 = _log_gammainc(x, z) - _log_gammainc(x, y)
        pv_t = np.exp(log_pi + log_a0 + np.minimum(r0, 0.0))
        sl_all[m] = np.clip(1.0 - np.exp(-th * tm) * pv_t, 0.0, 1.0)
        served = 1.0 - pab
        p_wait[m], p_ab[m], sl_off[m] = pw, pab, off
        with np.errstate(divide="ignore", invalid="ignore"):
            sl_ans[m] = np.where(served > 0, np.clip(off / served, 0.0, 1.0), 0.0)
        mwait[m] = pab / th
        occ[m] = np.minimum(lm * aht[m] * served / nm, 1.0)
        if with_asa:
            # E[W 1{served}] = -psw * g'(x) / theta, g(x) = log A(x+1, y) - log(x+1)
            # (differentiate the waiting-time density in x); central difference.
            h = 1e-4 * np.minimum(x + 1.0, np.abs(x + 1.0 - y) + np.sqrt(y + 1.0))
            gp = (_log_A(x + 1.0 + h, y) - np.log(x + 1.0 + h)) - (
                _log_A(x + 1.0 - h, y) - np.log(x + 1.0 - h)
            )
            gp = gp / (2.0 * h)
            ew_served = np.maximum(-psw * gp / th, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                asa[m] = np.where(served > 0, ew_served / served, np.inf)
    return _ACore(p_wait, p_ab, sl_off, sl_ans, sl_all, asa, mwait, occ)


def erlang_a(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    patience_s: ArrayLike,
    agents: ArrayLike,
    target_wait_s: ArrayLike,
    *,
    sl_definition: SLDefinition = "offered",
) -> ErlangAResult:
    """Erlang A (Palm's M/M/c+M): queue with exponentially impatient callers.

    Parameters
    ----------
    calls, interval_s, aht_s : array_like
        Arrivals per interval, interval length (s), average handling time (s).
    patience_s : array_like
        Mean patience 1/theta in seconds (> 0; ``inf`` gives Erlang C).
    agents : array_like
        Agents (whole number >= 0). Any load is fine, also agents < offered load.
    target_wait_s : array_like
        Service-level threshold t in seconds.
    sl_definition : {"offered", "answered", "all"}
        Which service level goes into ``service_level`` (all three are returned):

        * ``"offered"`` -- answered within t / all offered calls
          = P(V <= t, V < tau): abandoned calls count as failures.
        * ``"answered"`` -- answered within t / answered calls
          = P(V <= t | V < tau): abandoned calls are left out.
        * ``"all"`` -- P(W <= t) over all arrivals, W = min(V, tau) the actual
          time in queue; a call abandoned before t counts as within t. This is
          the P{W <= t} of Mandelbaum & Zeltyn (2007).

        V is the offered (virtual) wait, tau the caller's patience.

    Returns
    -------
    ErlangAResult

    Notes
    -----
    x = n mu / theta, y = lambda / theta, a = lambda / mu, rho = lambda / (n mu),
    A(x, y) = x e^y y^{-x} gamma(x, y) (lower incomplete gamma), E = B(n, a):
    pi_n = E / (1 + (A - 1) E); P(V > 0) = pi_n A;
    P(Ab) = pi_n [A (1 - 1/rho) + 1/rho];  E[W] = P(Ab) / theta.
    Waiting-time distribution (derived from the birth-death chain: a caller
    finding j waiting has V distributed as the (j+1)-th order statistic of
    x + j exponentials, i.e. 1 - e^{-theta V} ~ Beta(j + 1, x)), with
    z = y e^{-theta t} and P(.,.) the regularised lower incomplete gamma:
    P(V > t) = pi_n A(x, y) P(x, z) / P(x, y);
    P(0 < V <= t, V < tau) = pi_n x/(x+1) A(x+1, y) [1 - P(x+1, z) / P(x+1, y)];
    hence SL_offered = 1 - P(V > 0) + the latter, SL_answered = SL_offered /
    (1 - P(Ab)), SL_all = 1 - e^{-theta t} P(V > t). The ASA of answered
    callers is E[V 1{served}] / P(served), E[V 1{served}] = -(pi_n x / theta)
    d/dx [A(x+1, y)/(x+1)], the derivative taken by a central difference
    (relative accuracy about 1e-7). Occupancy = a (1 - P(Ab)) / n.
    Intervals without calls: all probabilities 0, SL 1, waits 0. No agents:
    everyone abandons (P(Ab) = 1, ASA infinite, SL_all = 1 - e^{-theta t}).

    Checked against an independent numerical solution of the truncated
    birth-death chain with the tagged caller's absorbing chain (scipy expm), a
    ciw simulation with confidence intervals, and the Erlang C limit.

    References
    ----------
    Palm, C. (1946). Methods of judging the annoyance caused by congestion.
    Tele 4: 189-208.
    Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center
    with impatient customers. Manufacturing & Service Operations Management
    4(3): 208-227.
    Mandelbaum, A. & Zeltyn, S. (2007). Service engineering in action: the
    Palm/Erlang-A queue, with applications to call centers. In Advances in
    Services Innovations, Springer, 17-45.
    """
    _check_sl_definition(sl_definition)
    calls_a, interval, aht, patience, n, t = _prepare(
        [
            (_Spec("calls"), calls),
            (_Spec("interval_s", strict=True), interval_s),
            (_Spec("aht_s", strict=True), aht_s),
            (_Spec("patience_s", strict=True, allow_inf=True), patience_s),
            (_Spec("agents", integer=True), agents),
            (_Spec("target_wait_s"), target_wait_s),
        ]
    )
    lam = calls_a / interval
    core = _erlang_a_core(lam, aht, patience, n, t)
    chosen = {"offered": core.sl_offered, "answered": core.sl_answered, "all": core.sl_all}
    return ErlangAResult(
        offered_load_erl=lam * aht,
        agents=n,
        p_wait=core.p_wait,
        p_abandon=core.p_abandon,
        service_level=chosen[sl_definition],
        sl_offered=core.sl_offered,
        sl_answered=core.sl_answered,
        sl_all=core.sl_all,
        asa_s=core.asa,
        mean_wait_s=core.mean_wait,
        occupancy=core.occupancy,
        target_wait_s=t,
        patience_s=patience,
        sl_definition=sl_definition,
    )
