"""Finite queueing models: M/M/c/K (a waiting room of K places) and M/M/c with a finite
population of sources. Split from :mod:`servgap.core.queueing`, which keeps input checking,
Erlang B, C and A.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, ProblemCollector
from servgap.core.queueing import _MAX_PROBLEMS, FloatArray, _frame, _prepare, _Spec


@dataclass(frozen=True)
class FiniteQueueResult(ResultMixin):
    """Birth-death queue with a finite waiting room or a finite population.

    Fields (times in seconds): ``p_empty`` (P0), ``p_block`` (share of arrivals
    turned away: the waiting room is full; 0 for the finite-population model),
    ``p_wait`` (share of arrivals that find all servers busy and wait),
    ``mean_in_system`` (L), ``mean_queue_length`` (Lq), ``mean_sojourn_s`` (W),
    ``mean_wait_s`` (Wq), ``throughput_per_s`` (effective arrival rate),
    ``occupancy`` (share of server time busy), ``servers``.
    """

    servers: FloatArray
    p_empty: FloatArray
    p_block: FloatArray
    p_wait: FloatArray
    mean_in_system: FloatArray
    mean_queue_length: FloatArray
    mean_sojourn_s: FloatArray
    mean_wait_s: FloatArray
    throughput_per_s: FloatArray
    occupancy: FloatArray

    def to_frame(self) -> pd.DataFrame:
        """One row per interval / configuration."""
        return _frame(self)


def _birth_death(log_w: FloatArray) -> FloatArray:
    """Normalised stationary probabilities from unnormalised log weights."""
    return np.asarray(np.exp(log_w - special.logsumexp(log_w)), dtype=np.float64)


def _finite_result(
    servers: FloatArray, rows: list[tuple[float, ...]], shape: tuple[int, ...]
) -> FiniteQueueResult:
    cols = np.array(rows, dtype=np.float64).reshape((*shape, 9)) if rows else np.zeros((*shape, 9))
    return FiniteQueueResult(
        servers=servers,
        p_empty=cols[..., 0],
        p_block=cols[..., 1],
        p_wait=cols[..., 2],
        mean_in_system=cols[..., 3],
        mean_queue_length=cols[..., 4],
        mean_sojourn_s=cols[..., 5],
        mean_wait_s=cols[..., 6],
        throughput_per_s=cols[..., 7],
        occupancy=cols[..., 8],
    )


def mmck(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    capacity: ArrayLike,
) -> FiniteQueueResult:
    """M/M/c/K: c servers and room for at most K customers in the system.

    Parameters
    ----------
    calls, interval_s, aht_s : array_like
        Arrivals per interval, interval length (s), mean service time (s).
    agents : array_like
        Servers c (whole number >= 1).
    capacity : array_like
        K, the most customers in the system (waiting + in service), K >= c
        (K = c is the Erlang loss system). Arrivals finding K present are lost.

    Returns
    -------
    FiniteQueueResult

    Notes
    -----
    With a = lambda / mu and rho = a / c: p_k proportional to a^k / k! for
    k <= c and to a^c / c! rho^{k-c} for c < k <= K (any load; always stable).
    p_block = p_K; lambda_eff = lambda (1 - p_K); L = sum k p_k;
    Lq = sum (k - c) p_k; W = L / lambda_eff; Wq = Lq / lambda_eff (Little);
    p_wait = sum_{k=c}^{K-1} p_k; occupancy = lambda_eff / (c mu).
    Evaluated in log space (no factorials). Loops over intervals in Python
    (cost proportional to K per interval).

    Checked against the Erlang B table (K = c), Hillier & Lieberman's County
    Hospital example (large K) and Gross et al.'s M/M/1/K closed form.

    References
    ----------
    Gross, D., Shortle, J. F., Thompson, J. M. & Harris, C. M. (2008).
    Fundamentals of Queueing Theory, 4th ed., Wiley, section 2.6.
    Hillier, F. S. & Lieberman, G. J. (2010). Introduction to Operations
    Research, 9th ed., McGraw-Hill, section 17.6.
    """
    calls_a, interval, aht, c, k = _prepare(
        [
            (_Spec("calls"), calls),
            (_Spec("interval_s", strict=True), interval_s),
            (_Spec("aht_s", strict=True), aht_s),
            (_Spec("agents", min_value=1.0, integer=True), agents),
            (_Spec("capacity", min_value=1.0, integer=True), capacity),
        ]
    )
    pc = ProblemCollector()
    for i, (cv, kv) in enumerate(zip(c.reshape(-1), k.reshape(-1), strict=True)):
        if kv < cv and len(pc) < _MAX_PROBLEMS:
            pc.add(
                f"capacity {kv:g} is below the {cv:g} servers; capacity counts customers in "
                "service too, so give capacity >= agents",
                f"容量 {kv:g} 小于服务台数 {cv:g}；容量包含正在服务的顾客，请使 capacity ≥ agents",
                row=i + 1 if c.ndim else None,
                column="capacity",
                value=kv,
            )
    pc.raise_if_any(InputError, "Invalid M/M/c/K input.", "M/M/c/K 输入无效。")
    lam = calls_a / interval
    mu = 1.0 / aht
    rows: list[tuple[float, ...]] = []
    for lv, mv, cv, kv in zip(
        lam.reshape(-1), mu.reshape(-1), c.reshape(-1), k.reshape(-1), strict=True
    ):
        ci, ki = int(cv), int(kv)
        if lv == 0:
            rows.append((1.0, 0.0, 0.0, 0.0, 0.0, mv**-1, 0.0, 0.0, 0.0))
            continue
        a = lv / mv
        ks = np.arange(ki + 1, dtype=np.float64)
        log_w = np.where(
            ks <= ci,
            ks * np.log(a) - special.gammaln(ks + 1.0),
            ci * np.log(a) - special.gammaln(ci + 1.0) + (ks - ci) * (np.log(a) - np.log(ci)),
        )
        p = _birth_death(log_w)
        p_block = float(p[-1])
        lam_eff = lv * (1.0 - p_block)
        big_l = float(np.sum(ks * p))
        lq = float(np.sum(np.maximum(ks - ci, 0.0) * p))
        p_wait = float(np.sum(p[ci:ki]))
        rows.append(
            (
                float(p[0]),
                p_block,
                p_wait,
                big_l,
                lq,
                big_l / lam_eff,
                lq / lam_eff,
                lam_eff,
                lam_eff / (ci * mv),
            )
        )
    return _finite_result(c, rows, c.shape)


def mmc_finite_population(
    population: ArrayLike,
    think_time_s: ArrayLike,
    aht_s: ArrayLike,
    servers: ArrayLike,
) -> FiniteQueueResult:
    """M/M/c//N: finite calling population (machine-repair model).

    Parameters
    ----------
    population : array_like
        N sources (machines, regular customers), whole number >= 1.
    think_time_s : array_like
        Mean time a source spends outside the system before its next request
        (mean up-time of a machine), seconds (> 0).
    aht_s : array_like
        Mean service (repair) time, seconds (> 0).
    servers : array_like
        c servers (repairmen), whole number >= 1.

    Returns
    -------
    FiniteQueueResult
        ``p_block`` is always 0; ``p_wait`` is the share of requests that find
        all servers busy (arrival-point probabilities, which in a finite
        population are the time-average ones of a population of N - 1).

    Notes
    -----
    With r = lambda / mu (lambda = 1 / think time per source):
    p_k proportional to C(N, k) r^k for k <= c and to
    N! / ((N - k)! c! c^{k-c}) r^k for c < k <= N.
    lambda_eff = lambda (N - L); W = L / lambda_eff; Wq = Lq / lambda_eff;
    occupancy = (L - Lq) / c. When c >= N the number in service is
    Binomial(N, r / (1 + r)).

    Checked against the binomial special case c = N (Ross, Introduction to
    Probability Models, 11th ed., section 6.5) through scipy.stats.binom, and
    a two-machine, one-repairman example solved by hand.

    References
    ----------
    Gross, D. et al. (2008). Fundamentals of Queueing Theory, 4th ed., section 2.7.
    Hillier, F. S. & Lieberman, G. J. (2010). Introduction to Operations
    Research, 9th ed., section 17.6 (finite calling population).
    """
    big_n, think, aht, c = _prepare(
        [
            (_Spec("population", min_value=1.0, integer=True), population),
            (_Spec("think_time_s", strict=True), think_time_s),
            (_Spec("aht_s", strict=True), aht_s),
            (_Spec("servers", min_value=1.0, integer=True), servers),
        ]
    )
    rows: list[tuple[float, ...]] = []
    for nv, tv, av, cv in zip(
        big_n.reshape(-1), think.reshape(-1), aht.reshape(-1), c.reshape(-1), strict=True
    ):
        ni, ci = int(nv), int(cv)
        lam, mu = 1.0 / tv, 1.0 / av
        r = lam / mu

        def weights(pop: int, r: float = r, ci: int = ci) -> tuple[FloatArray, FloatArray]:
            ks = np.arange(pop + 1, dtype=np.float64)
            base = special.gammaln(pop + 1.0) - special.gammaln(pop - ks + 1.0) + ks * np.log(r)
            lw = np.where(
                ks <= ci,
                base - special.gammaln(ks + 1.0),
                base - special.gammaln(ci + 1.0) - (ks - ci) * np.log(float(ci)),
            )
            return ks, _birth_death(lw)

        ks, p = weights(ni)
        big_l = float(np.sum(ks * p))
        lq = float(np.sum(np.maximum(ks - ci, 0.0) * p))
        lam_eff = lam * (ni - big_l)
        ks1, p1 = weights(ni - 1)
        p_wait = float(np.sum(p1[ks1 >= ci]))
        rows.append(
            (
                float(p[0]),
                0.0,
                p_wait,
                big_l,
                lq,
                big_l / lam_eff,
                lq / lam_eff,
                lam_eff,
                (big_l - lq) / ci,
            )
        )
    return _finite_result(c, rows, c.shape)
