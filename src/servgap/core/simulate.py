"""Discrete-event simulation of a service queue with ciw, for validation and what-ifs.

Covers what the closed forms in :mod:`servgap.core.queueing` do not: non-
exponential handling times (lognormal), priority classes, and a day of
intervals with time-varying arrivals and staffing (ciw ``PoissonIntervals``
and ``Schedule``). Estimates come with confidence intervals over independent
replications.

ciw (Palmer, Knight, Harper & Tuson 2019, MIT licence) does the event
scheduling; this module only builds the network and summarises records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import ciw
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError
from servgap.core.queueing import _prepare, _Spec

ServiceKind = Literal["exponential", "lognormal", "deterministic"]
MEASURES = (
    "mean_wait_s",
    "asa_s",
    "service_level",
    "sl_offered",
    "sl_answered",
    "sl_all",
    "p_abandon",
    "occupancy",
)


@dataclass(frozen=True)
class SimulationResult(ResultMixin):
    """Simulation estimates with confidence intervals over replications.

    ``estimates``: DataFrame with columns ``measure``, ``estimate`` (mean over
    replications), ``ci_low``, ``ci_high`` (Student-t interval at ``confidence``),
    ``std_error``. Measures: ``mean_wait_s`` (all arrivals, abandoners' time in
    queue included), ``asa_s`` (answered calls), ``service_level`` (per
    ``sl_definition``), ``sl_offered``, ``sl_answered``, ``sl_all`` (definitions
    as in :func:`servgap.core.queueing.erlang_a`), ``p_abandon``,
    ``occupancy``. ``by_group``: the same estimates per priority class or per
    interval (columns ``group`` + measures, means over replications).
    """

    estimates: pd.DataFrame
    by_group: pd.DataFrame
    replications: int
    confidence: float
    sl_definition: str
    seed: int

    def to_frame(self) -> pd.DataFrame:
        """The estimates table."""
        return self.estimates

    def estimate(self, measure: str) -> tuple[float, float, float]:
        """(estimate, ci_low, ci_high) of one measure."""
        row = self.estimates.loc[self.estimates["measure"] == measure]
        if row.empty:
            raise InputError(
                f"Unknown measure {measure!r}; choose one of {', '.join(MEASURES)}.",
                f"未知指标 {measure!r}；可选：{', '.join(MEASURES)}。",
            )
        r = row.iloc[0]
        return float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])


def _service_dist(kind: str, aht: float, cv: float) -> Any:
    if kind == "exponential":
        return ciw.dists.Exponential(1.0 / aht)
    if kind == "lognormal":
        s2 = float(np.log1p(cv * cv))
        return ciw.dists.Lognormal(float(np.log(aht) - s2 / 2.0), float(np.sqrt(s2)))
    if kind == "deterministic":
        return ciw.dists.Deterministic(aht)
    raise InputError(
        f"Unknown service distribution {kind!r}; use 'exponential', 'lognormal' or 'deterministic'.",
        f"未知的服务时间分布 {kind!r}；请使用 'exponential'、'lognormal' 或 'deterministic'。",
    )


def _measures(rec: pd.DataFrame, t: float, capacity_time: float) -> dict[str, float]:
    n_all = len(rec)
    if n_all == 0:
        return dict.fromkeys(MEASURES, np.nan)
    served = rec["served"].to_numpy()
    wait = rec["wait"].to_numpy()
    n_served = int(served.sum())
    within = wait <= t
    return {
        "mean_wait_s": float(wait.mean()),
        "asa_s": float(wait[served].mean()) if n_served else np.inf,
        "sl_offered": float(np.mean(served & within)),
        "sl_answered": float(np.mean(within[served])) if n_served else 0.0,
        "sl_all": float(np.mean(within)),
        "p_abandon": float(1.0 - served.mean()),
        "occupancy": float(rec["service"].sum() / capacity_time) if capacity_time > 0 else 0.0,
    }


def simulate(
    calls: ArrayLike,
    interval_s: float,
    aht_s: float,
    agents: ArrayLike,
    target_wait_s: float,
    *,
    patience_s: float | None = None,
    service: ServiceKind = "exponential",
    service_cv: float = 1.0,
    priority_shares: ArrayLike | None = None,
    sl_definition: Literal["offered", "answered", "all"] = "offered",
    intervals: int = 8,
    warmup_s: float | None = None,
    replications: int = 5,
    confidence: float = 0.95,
    seed: int = 0,
) -> SimulationResult:
    """Simulate a queue (or a day of intervals) with ciw and estimate its performance.

    Parameters
    ----------
    calls : float or array_like
        Arrivals per interval. A scalar: one stationary queue simulated for
        ``intervals`` intervals after a warm-up. An array: a day of intervals
        with piecewise-constant Poisson arrival rates (ciw ``PoissonIntervals``);
        ``agents`` is then a matching array (ciw ``Schedule``) or a scalar.
    interval_s, aht_s : float
        Interval length and mean handling time (s).
    agents : int or array_like
        Agents (per interval in the day mode).
    target_wait_s : float
        Service-level threshold (s).
    patience_s : float, optional
        Mean of exponential patience (ciw reneging); omitted: nobody abandons.
    service : {"exponential", "lognormal", "deterministic"}
        Handling-time distribution with mean ``aht_s``; lognormal uses
        coefficient of variation ``service_cv``.
    priority_shares : array_like, optional
        Shares of arrivals per priority class (class 0 served first,
        non-preemptive); ``by_group`` then holds per-class estimates.
    sl_definition : {"offered", "answered", "all"}
        Which service level goes into the ``service_level`` measure.
    intervals : int
        Measured intervals in the stationary mode (default 8).
    warmup_s : float, optional
        Discarded warm-up (stationary mode; default 2 intervals). The day
        mode starts empty, as a day does.
    replications : int
        Independent replications (seeds ``seed``, ``seed + 1``, ...).
    confidence : float
        Level of the Student-t confidence intervals.
    seed : int
        Base seed; results are reproducible.

    Returns
    -------
    SimulationResult

    Notes
    -----
    Each replication counts customers arriving in the measured window; the
    run continues (no new arrivals in the day mode) until they have all left,
    so no outcome is censored. Occupancy = handling time of those customers /
    (agent-seconds available in the window). Interval estimate:
    mean +- t_{(1+confidence)/2, R-1} s / sqrt(R) over R replications.

    References
    ----------
    Palmer, G. I., Knight, V. A., Harper, P. R. & Hawa, A. L. (2019). Ciw: an
    open-source discrete event simulation library. Journal of Simulation
    13(1): 68-82.
    Law, A. M. (2015). Simulation Modeling and Analysis, 5th ed., McGraw-Hill,
    ch. 9 (replication/deletion approach).
    """
    calls_arr = np.atleast_1d(np.asarray(calls, dtype=np.float64))
    agents_arr = np.asarray(agents, dtype=np.float64)
    day_mode = np.ndim(calls) > 0
    if day_mode and agents_arr.ndim == 0:
        agents_arr = np.full(calls_arr.shape, float(agents_arr))
    calls_v, agents_v = _prepare(
        [
            (_Spec("calls"), calls_arr),
            (_Spec("agents", min_value=1.0, integer=True), np.atleast_1d(agents_arr)),
        ]
    )
    _prepare(
        [
            (_Spec("calls"), calls_v),  # with aht_s and interval_s: the offered load
            (_Spec("interval_s", strict=True), interval_s),
            (_Spec("aht_s", strict=True), aht_s),
            (_Spec("target_wait_s"), target_wait_s),
            (
                _Spec("patience_s", strict=True, allow_inf=True),
                np.inf if patience_s is None else patience_s,
            ),
            (_Spec("service_cv", strict=True), service_cv),
        ]
    )
    if replications < 2:
        raise InputError(
            f"replications = {replications}; at least 2 are needed for a confidence interval.",
            f"replications = {replications}；置信区间至少需要 2 次重复。",
        )
    if sl_definition not in ("offered", "answered", "all"):
        raise InputError(
            f"Unknown service-level definition {sl_definition!r}; use 'offered', 'answered' or 'all'.",
            f"未知的服务水平定义 {sl_definition!r}；请使用 'offered'、'answered' 或 'all'。",
        )
    shares = (
        np.array([1.0])
        if priority_shares is None
        else np.asarray(priority_shares, dtype=np.float64)
    )
    if shares.ndim != 1 or np.any(shares < 0) or not np.isclose(shares.sum(), 1.0):
        raise InputError(
            f"priority_shares {shares.tolist()} must be non-negative shares summing to 1.",
            f"priority_shares {shares.tolist()} 必须是非负且总和为 1 的比例。",
        )

    if day_mode:
        n_int = calls_v.size
        start = 0.0
        end = n_int * interval_s
        rates = list(calls_v / interval_s)
        servers = [int(v) for v in agents_v]
    else:
        n_int = intervals
        start = 2.0 * interval_s if warmup_s is None else float(warmup_s)
        end = start + intervals * interval_s
        rates = [float(calls_v[0]) / interval_s]
        servers = [int(agents_v[0])]
    drain = 50.0 * aht_s + (0.0 if patience_s is None else 20.0 * patience_s)
    horizon = end + drain

    classes = [f"Class {i}" for i in range(shares.size)]
    arrivals: dict[str, list[Any]] = {}
    for cls, share in zip(classes, shares, strict=True):
        if day_mode:
            cls_rates = [r * share for r in rates] + [0.0]
            endpoints = [interval_s * (i + 1) for i in range(n_int)] + [horizon * 2.0]
            arrivals[cls] = [ciw.dists.PoissonIntervals(cls_rates, endpoints, horizon * 2.0)]
        else:
            arrivals[cls] = [ciw.dists.Exponential(rates[0] * share) if share > 0 else None]
    service_d = {cls: [_service_dist(service, aht_s, service_cv)] for cls in classes}
    kwargs: dict[str, Any] = {
        "arrival_distributions": arrivals,
        "service_distributions": service_d,
        "priority_classes": {cls: i for i, cls in enumerate(classes)},
    }
    if day_mode:
        kwargs["number_of_servers"] = [
            ciw.Schedule(
                numbers_of_servers=[*servers, servers[-1]],
                shift_end_dates=[interval_s * (i + 1) for i in range(n_int)] + [horizon * 2.0],
            )
        ]
        capacity_time = float(np.sum(np.asarray(servers) * interval_s))
    else:
        kwargs["number_of_servers"] = servers
        capacity_time = servers[0] * (end - start)
    if patience_s is not None and np.isfinite(patience_s):
        kwargs["reneging_time_distributions"] = {
            cls: [ciw.dists.Exponential(1.0 / patience_s)] for cls in classes
        }
    network = ciw.create_network(**kwargs)

    per_rep: list[dict[str, float]] = []
    per_group: list[pd.DataFrame] = []
    for r in range(replications):
        ciw.seed(seed + r)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(horizon)
        recs = sim.get_all_records()
        df = pd.DataFrame(
            {
                "arrival": [x.arrival_date for x in recs],
                "wait": [x.waiting_time for x in recs],
                "served": [x.record_type == "service" for x in recs],
                "service": [x.service_time if x.record_type == "service" else 0.0 for x in recs],
                "cls": [x.customer_class for x in recs],
            }
        )
        df = df[(df["arrival"] >= start) & (df["arrival"] < end)]
        m = _measures(df, target_wait_s, capacity_time)
        m["service_level"] = m[f"sl_{sl_definition}"]
        per_rep.append(m)
        if day_mode:
            groups = ((df["arrival"] - start) // interval_s).astype(int)
            cap = {g: servers[g] * interval_s for g in range(n_int)}
        else:
            groups = df["cls"].map({c: i for i, c in enumerate(classes)})
            cap = {g: capacity_time * shares[g] for g in range(shares.size)}
        rows = []
        for g, sub in df.groupby(groups):
            gm = _measures(sub, target_wait_s, cap[int(g)])
            gm["service_level"] = gm[f"sl_{sl_definition}"]
            rows.append({"group": int(g), **gm})
        per_group.append(pd.DataFrame(rows))

    reps = pd.DataFrame(per_rep)
    tq = float(stats.t.ppf(0.5 + confidence / 2.0, replications - 1))
    est_rows = []
    for measure in ("service_level", *[m for m in MEASURES if m != "service_level"]):
        vals = reps[measure].to_numpy(dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        mean = float(vals.mean()) if vals.size else np.nan
        se = float(vals.std(ddof=1) / np.sqrt(vals.size)) if vals.size > 1 else np.nan
        est_rows.append(
            {
                "measure": measure,
                "estimate": mean,
                "ci_low": mean - tq * se,
                "ci_high": mean + tq * se,
                "std_error": se,
            }
        )
    by_group = pd.concat(per_group, ignore_index=True).groupby("group", as_index=False).mean()
    return SimulationResult(
        estimates=pd.DataFrame(est_rows),
        by_group=by_group,
        replications=replications,
        confidence=confidence,
        sl_definition=sl_definition,
        seed=seed,
    )
