"""Tests for servgap.core.queueing against published numbers and independent methods."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import linalg, stats

from servgap.core.errors import InputError, InsufficientDataError
from servgap.core.finite_queues import mmc_finite_population, mmck
from servgap.core.queue_estimates import estimate_aht, estimate_patience
from servgap.core.queueing import (
    MAX_OFFERED_LOAD_ERL,
    MAX_PATIENCE_PER_AHT,
    erlang_a,
    erlang_b,
    erlang_c,
)

# --------------------------------------------------------------------------- Erlang B


@pytest.mark.parametrize(
    ("servers", "load", "blocking"),
    [
        # Standard Erlang B table (e.g. Cooper, R. B. (1981). Introduction to Queueing
        # Theory, 2nd ed., North Holland, Table 1; reproduced in every traffic table):
        # offered load (Erlang, 3 decimals) giving 1 %, 2 %, 5 % blocking.
        (1, 0.0101, 0.01),
        (2, 0.153, 0.01),
        (3, 0.455, 0.01),
        (10, 4.461, 0.01),
        (10, 5.084, 0.02),
        (10, 6.216, 0.05),
        (20, 12.031, 0.01),
    ],
)
def test_erlang_b_table(servers: int, load: float, blocking: float) -> None:
    """The table prints the load to its last digit: the exact load for the target
    blocking lies within half a unit of that digit."""
    half = 0.5 * 10.0 ** -(len(repr(load).split(".")[1]))
    lo, hi = erlang_b([load - half, load + half], servers)
    assert lo <= blocking <= hi


def _mp_erlang_b(n: int, a: float) -> mp.mpf:
    """Erlang B at 60 digits: Poisson pmf / Poisson cdf (mpmath)."""
    with mp.workdps(60):
        a_ = mp.mpf(a)
        pmf = mp.exp(n * mp.log(a_) - a_ - mp.loggamma(n + 1))
        cdf = mp.gammainc(n + 1, a_, mp.inf, regularized=True)
        return pmf / cdf


@pytest.mark.parametrize(
    ("n", "a"),
    [(10_000, 9_800.0), (10_000, 9_990.5), (20_000, 19_700.0), (12_000, 11_000.0), (50, 400.0)],
)
def test_erlang_b_and_c_stable_vs_mpmath(n: int, a: float) -> None:
    """Large systems: our log-space Erlang B / C against mpmath at 60 digits."""
    b_ref = _mp_erlang_b(n, a)
    assert float(erlang_b(a, n)) == pytest.approx(float(b_ref), rel=1e-9)
    if n > a:
        c_ref = n * b_ref / (n - a * (1 - b_ref))
        res = erlang_c(a, 1.0, 1.0, n, 0.0)  # calls=a per 1 s, AHT 1 s -> load a
        assert float(res.p_wait) == pytest.approx(float(c_ref), rel=1e-9)
        assert np.isfinite(res.asa_s)


# --------------------------------------------------------------------------- Erlang C


def test_erlang_c_call_centre_helper_example() -> None:
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example"
    (callcentrehelper.com): 100 calls per 30 min, AHT 180 s, target 20 s; traffic 10 Erl.
    Printed: 11 agents P(wait) = 0.6821 (68.21 %); 14 agents P(wait) = 0.1741, service
    level 88.8 %, ASA 7.8 s, 82.6 % answered immediately, occupancy 71.4 %.
    (The task brief's "SL 39.8 % at 11, 89.6 % at 14" does not match the formula the page
    prints: 1 - 0.6821 e^{-20/180} = 38.96 %.)"""
    r11 = erlang_c(100, 1800, 180, 11, 20)
    assert float(r11.offered_load_erl) == pytest.approx(10.0)
    assert round(float(r11.p_wait), 4) == 0.6821
    r14 = erlang_c(100, 1800, 180, 14, 20)
    assert round(float(r14.p_wait), 4) == 0.1741
    assert round(100 * float(r14.service_level), 1) == 88.8
    assert round(float(r14.asa_s), 1) == 7.8
    assert round(100 * (1 - float(r14.p_wait)), 1) == 82.6
    assert round(100 * float(r14.occupancy), 1) == 71.4


@pytest.mark.parametrize(
    ("servers", "p0", "lq", "wq_h", "big_l", "w_h"),
    [
        # Hillier & Lieberman, Introduction to Operations Research (9th ed., 2010),
        # section 17.6, County Hospital emergency room: lambda = 2/h, mu = 3/h.
        (1, 1 / 3, 4 / 3, 2 / 3, 2.0, 1.0),
        (2, 1 / 2, 1 / 12, 1 / 24, 3 / 4, 3 / 8),
    ],
)
def test_erlang_c_and_mmck_county_hospital(
    servers: int, p0: float, lq: float, wq_h: float, big_l: float, w_h: float
) -> None:
    r = erlang_c(2, 3600, 1200, servers, 0)
    assert float(r.mean_queue_length) == pytest.approx(lq, rel=1e-12)
    assert float(r.asa_s) / 3600 == pytest.approx(wq_h, rel=1e-12)
    assert float(r.mean_sojourn_s) / 3600 == pytest.approx(w_h, rel=1e-12)
    # a waiting room of 400 is infinite for this load
    f = mmck(2, 3600, 1200, servers, 400)
    assert float(f.p_empty) == pytest.approx(p0, rel=1e-9)
    assert float(f.mean_in_system) == pytest.approx(big_l, rel=1e-9)
    assert float(f.mean_queue_length) == pytest.approx(lq, rel=1e-9)
    assert float(f.mean_wait_s) / 3600 == pytest.approx(wq_h, rel=1e-9)


def test_erlang_c_overloaded_and_zero_volume() -> None:
    r = erlang_c([100, 100, 0, 0], 1800, 180, [10, 9, 0, 3], 20)
    assert r.overloaded.tolist() == [True, True, False, False]
    assert r.service_level.tolist() == [0.0, 0.0, 1.0, 1.0]
    assert np.isinf(r.asa_s[:2]).all() and np.isinf(r.mean_queue_length[:2]).all()
    assert r.p_wait[2:].tolist() == [0.0, 0.0]
    df = r.to_frame()
    assert len(df) == 4 and "service_level" in df.columns


def test_erlang_c_vectorised_shapes() -> None:
    r = erlang_c(np.array([[50.0], [100.0]]), 1800, 180, np.array([8, 12, 14]), 20)
    assert r.p_wait.shape == (2, 3)
    assert r.to_frame().shape[0] == 6
    assert np.ndim(erlang_c(100, 1800, 180, 14, 20).p_wait) == 0
    d = erlang_c([100, 50], 1800, 180, 14, 20).to_dict()
    assert len(d["p_wait"]) == 2


def test_input_errors_collected() -> None:
    with pytest.raises(InputError) as exc:
        erlang_c([100, -1, np.nan], 1800, [180, 0, 180], [11, 2.5, 3], 20)
    cols = {(p.row, p.column) for p in exc.value.problems}
    assert {(2, "calls"), (3, "calls"), (2, "aht_s"), (2, "agents")} <= cols
    assert "排队" in exc.value.zh
    with pytest.raises(InputError):
        erlang_c([1, 2, 3], 1800, 180, [1, 2], 20)
    with pytest.raises(InputError):
        erlang_a(100, 1800, 180, 60, 11, 20, sl_definition="bogus")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    calls=st.floats(0, 5000),
    aht=st.floats(5, 1200),
    agents=st.integers(0, 400),
    t=st.floats(0, 600),
)
def test_erlang_c_probabilities_in_bounds(calls: float, aht: float, agents: int, t: float) -> None:
    r = erlang_c(calls, 1800, aht, agents, t)
    for v in (r.p_wait, r.service_level, r.occupancy):
        assert 0.0 <= float(v) <= 1.0
    assert float(r.asa_s) >= 0.0


@settings(max_examples=60, deadline=None)
@given(lam=st.floats(0.001, 10), aht=st.floats(0.01, 10))
def test_one_server_p_wait_is_utilisation(lam: float, aht: float) -> None:
    """M/M/1: P(W > 0) = rho (Gross et al. 2008, section 2.2)."""
    rho = lam * aht
    if rho >= 0.999:
        return
    r = erlang_c(lam, 1.0, aht, 1, 0.0)
    assert float(r.p_wait) == pytest.approx(rho, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    calls=st.floats(1, 2000),
    aht=st.floats(10, 900),
    t=st.floats(0, 120),
    patience=st.floats(5, 900),
)
def test_service_level_monotone_in_agents(
    calls: float, aht: float, t: float, patience: float
) -> None:
    a = calls * aht / 1800
    n = np.arange(0, int(a + 6 * np.sqrt(a) + 10))
    sl = erlang_c(calls, 1800, aht, n, t).service_level
    assert np.all(np.diff(sl) >= -1e-12)
    ra = erlang_a(calls, 1800, aht, patience, n, t)
    for f in (ra.sl_offered, ra.sl_all):
        assert np.all(np.diff(f) >= -1e-9)
    assert np.all(np.diff(ra.p_abandon) <= 1e-9)
    for v in (ra.p_wait, ra.p_abandon, ra.sl_offered, ra.sl_answered, ra.sl_all, ra.occupancy):
        assert np.all((v >= 0) & (v <= 1))


@settings(max_examples=30, deadline=None)
@given(
    calls=st.floats(1, 400), aht=st.floats(30, 600), extra=st.integers(1, 15), t=st.floats(0, 60)
)
def test_erlang_a_tends_to_erlang_c(calls: float, aht: float, extra: int, t: float) -> None:
    """Patience -> infinity: M/M/n+M -> M/M/n (Garnett et al. 2002, section 3)."""
    a = calls * aht / 1800
    n = int(np.floor(a)) + extra
    # convergence is not uniform as rho -> 1 (the tail feels even tiny abandonment)
    assume(n - a >= 0.5)
    c = erlang_c(calls, 1800, aht, n, t)
    ra = erlang_a(calls, 1800, aht, 1e9, n, t)
    assert float(ra.p_wait) == pytest.approx(float(c.p_wait), rel=1e-4, abs=1e-9)
    assert float(ra.sl_offered) == pytest.approx(float(c.service_level), rel=1e-4, abs=1e-9)
    assert float(ra.asa_s) == pytest.approx(float(c.asa_s), rel=1e-3, abs=1e-6)
    assert float(ra.p_abandon) < 1e-4
    inf = erlang_a(calls, 1800, aht, np.inf, n, t)
    assert float(inf.service_level) == pytest.approx(float(c.service_level), rel=1e-12)


# --------------------------------------------------------------------------- Erlang A


def _ctmc_erlang_a(lam: float, mu: float, theta: float, n: int, t: float) -> dict[str, float]:
    """Independent reference: truncated birth-death chain of M/M/n+M solved by linear
    algebra, and the tagged caller's absorbing chain (states: k callers ahead) through
    the matrix exponential (scipy). Nothing is shared with servgap's closed forms."""
    # queue length concentrates around max(0, lam - n mu) / theta with sd ~ sqrt(lam / theta)
    excess = max(0.0, lam - n * mu) / theta
    cap = int(n + max(60.0, 3 * excess + 10 * np.sqrt(lam / theta) + 40))
    rates_up = np.full(cap, lam)
    rates_down = np.array([min(k, n) * mu + max(k - n, 0) * theta for k in range(1, cap + 1)])
    logp = np.concatenate([[0.0], np.cumsum(np.log(rates_up) - np.log(rates_down))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    lq = float(np.sum(np.maximum(np.arange(cap + 1) - n, 0) * p))
    p_wait = float(p[n:].sum())
    p_ab = theta * lq / lam
    jmax = cap - n
    # tagged caller with k ahead: transient states k = 0..jmax-1 (then served / abandoned)
    size = jmax
    q = np.zeros((size, size))
    served_rate = np.zeros(size)
    for k in range(size):
        out = n * mu + k * theta + theta
        q[k, k] = -out
        if k > 0:
            q[k, k - 1] = n * mu + k * theta
        else:
            served_rate[k] = n * mu
    alpha = p[n : n + size] / p[n : n + size].sum() * p_wait
    # P(served by t | start) = integral_0^t alpha e^{Qs} served_rate ds; use augmented expm
    aug = np.zeros((size + 1, size + 1))
    aug[:size, :size] = q
    aug[:size, size] = served_rate
    e = linalg.expm(aug * t)
    served_by_t = float(alpha @ e[:size, size])
    still_waiting = float(alpha @ e[:size, :size].sum(axis=1))
    n_inv = np.linalg.solve(-q, np.eye(size))
    served_total = float(alpha @ n_inv @ served_rate)
    ew_served = float(alpha @ n_inv @ n_inv @ served_rate)
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "sl_offered": 1 - p_wait + served_by_t,
        "sl_all": 1 - still_waiting,
        "served_after_wait": served_total,
        "asa": ew_served / (1 - p_ab),
    }


@pytest.mark.parametrize(
    ("calls", "aht", "patience", "n", "t"),
    [
        (100, 180, 60, 11, 20),  # REFERENCES.md example
        (100, 180, 60, 8, 20),  # understaffed (n < a)
        (300, 240, 300, 30, 30),
        (20, 300, 30, 2, 10),
        (500, 120, 600, 25, 15),  # heavily overloaded: a = 33.3
        (60, 200, 120, 10, 0),
    ],
)
def test_erlang_a_vs_ctmc(calls: float, aht: float, patience: float, n: int, t: float) -> None:
    ref = _ctmc_erlang_a(calls / 1800, 1 / aht, 1 / patience, n, t)
    r = erlang_a(calls, 1800, aht, patience, n, t)
    assert float(r.p_wait) == pytest.approx(ref["p_wait"], rel=1e-7)
    assert float(r.p_abandon) == pytest.approx(ref["p_abandon"], rel=1e-7)
    assert float(r.sl_offered) == pytest.approx(ref["sl_offered"], rel=1e-7)
    assert float(r.sl_all) == pytest.approx(ref["sl_all"], rel=1e-7)
    assert float(r.sl_answered) == pytest.approx(
        ref["sl_offered"] / (1 - ref["p_abandon"]), rel=1e-7
    )
    assert float(r.asa_s) == pytest.approx(ref["asa"], rel=1e-5)
    # Little: E[W] over all callers = P(Ab) / theta (Mandelbaum & Zeltyn 2007)
    assert float(r.mean_wait_s) == pytest.approx(ref["p_abandon"] * patience, rel=1e-7)


def test_erlang_a_references_example_definitions_differ() -> None:
    """REFERENCES.md: 100 calls / 30 min, AHT 180 s, 80/20, patience 60 s -- the
    service-level definitions change staffing (10 to 12 agents); at 11 agents the
    definitions order as answered > all > offered."""
    r = erlang_a(100, 1800, 180, 60, 11, 20, sl_definition="answered")
    assert r.sl_definition == "answered"
    assert float(r.service_level) == float(r.sl_answered)
    assert float(r.sl_answered) > float(r.sl_all) > float(r.sl_offered)


def test_erlang_a_edge_cases() -> None:
    r = erlang_a([0, 100, 100], 1800, 180, 60, [5, 0, 12], 20)
    assert r.p_abandon[0] == 0 and r.service_level[0] == 1
    assert r.p_abandon[1] == 1 and r.sl_offered[1] == 0 and np.isinf(r.asa_s[1])
    assert r.sl_all[1] == pytest.approx(1 - np.exp(-20 / 60))
    assert r.mean_wait_s[1] == pytest.approx(60)
    assert np.isfinite(r.to_frame().drop(columns=["sl_definition"]).iloc[2]).all()
    # extreme overload and extreme overstaffing stay finite
    x = erlang_a([20000, 10], 1800, 300, [30, 1e5], [10, 2000], 20)
    assert np.all(np.isfinite(x.p_wait)) and np.all(np.isfinite(x.sl_offered))
    assert x.p_abandon[0] > 0.99 and x.p_wait[1] < 1e-6


# --------------------------------------------------------------------------- finite models


def test_mmck_loss_system_is_erlang_b() -> None:
    """K = c is Erlang's loss system: blocking = Erlang B table value (10 servers, 1 %)."""
    f = mmck(4.461, 1.0, 1.0, 10, 10)
    assert float(f.p_block) == pytest.approx(0.01, rel=2e-3)
    assert float(f.mean_queue_length) == 0.0


@pytest.mark.parametrize(("rho", "k"), [(0.8, 5), (1.5, 4), (1.0 - 1e-9, 3)])
def test_mmck_mm1k_closed_form(rho: float, k: int) -> None:
    """M/M/1/K: p_n = (1 - rho) rho^n / (1 - rho^{K+1}) (Gross et al. 2008, eq. 2.52)."""
    pn = (1 - rho) * rho ** np.arange(k + 1) / (1 - rho ** (k + 1))
    f = mmck(rho, 1.0, 1.0, 1, k)
    assert float(f.p_block) == pytest.approx(pn[-1], rel=1e-6)
    assert float(f.mean_in_system) == pytest.approx(float(np.sum(np.arange(k + 1) * pn)), rel=1e-6)
    assert float(f.throughput_per_s) == pytest.approx(rho * (1 - pn[-1]), rel=1e-6)


def test_mmck_capacity_below_servers() -> None:
    with pytest.raises(InputError):
        mmck(10, 60, 5, 3, 2)


@pytest.mark.parametrize(("population", "up", "repair"), [(3, 10.0, 8.0), (5, 100.0, 30.0)])
def test_finite_population_binomial_when_one_server_each(
    population: int, up: float, repair: float
) -> None:
    """With as many repairmen as machines, the number down is Binomial(N, r/(1+r))
    (Ross, Introduction to Probability Models, 11th ed., section 6.5, machine repair)."""
    p = (1 / up) / (1 / up + 1 / repair)
    f = mmc_finite_population(population, up, repair, population)
    assert float(f.mean_in_system) == pytest.approx(stats.binom.mean(population, p), rel=1e-10)
    assert float(f.p_empty) == pytest.approx(stats.binom.pmf(0, population, p), rel=1e-10)
    assert float(f.mean_queue_length) == pytest.approx(0.0, abs=1e-12)


def test_finite_population_one_repairman() -> None:
    """Two machines, one maintenance person, mean up-time 10 h, repair 8 h (the
    birth-death exercise in Hillier & Lieberman's chapter 17): solved by hand,
    p1 = 2 (0.8) p0, p2 = 0.8 p1, so p0 = 1 / 3.88."""
    f = mmc_finite_population(2, 10 * 3600, 8 * 3600, 1)
    p0 = 1 / 3.88
    assert float(f.p_empty) == pytest.approx(p0, rel=1e-12)
    assert float(f.mean_in_system) == pytest.approx((1.6 + 2 * 1.28) * p0, rel=1e-12)
    assert float(f.occupancy) == pytest.approx(1 - p0, rel=1e-12)


# --------------------------------------------------------------------------- estimation


def test_estimate_patience_recovers_theta_from_erlang_a_identity() -> None:
    """E[W] = P(Ab)/theta (Mandelbaum & Zeltyn 2007): the MLE total_wait/abandoned applied
    to Erlang A expectations returns the model's patience exactly."""
    r = erlang_a([100, 300], 1800, 180, [60, 240], [11, 28], 20)
    calls = np.array([100, 300])
    est = estimate_patience(calls * r.mean_wait_s, calls * r.p_abandon)  # expectation, non-integer
    np.testing.assert_allclose(est.patience_s, [60, 240], rtol=1e-9)


def test_estimate_patience_and_aht_errors() -> None:
    with pytest.raises(InsufficientDataError) as exc:
        estimate_patience([500.0, 800.0], [3, 0])
    assert exc.value.problems[0].row == 2
    assert "patience" in str(exc.value)
    est = estimate_aht([10, 20], [1800, 3000])
    np.testing.assert_allclose(est.aht_s, [180, 150])
    with pytest.raises(InsufficientDataError):
        estimate_aht([0], [0])


# --------------------------------------------------------------------------- absurd inputs


@pytest.mark.parametrize(
    ("kwargs", "column", "needle"),
    [
        ({"aht_s": 1e308}, "aht_s", "plausible range 0.001 to 604800 s"),
        ({"aht_s": 1e-300}, "aht_s", "plausible range 0.001 to 604800 s"),
        ({"calls": 1e300}, "calls", "plausible range 0 to 1e+07"),
        ({"interval_s": 1e-300}, "interval_s", "plausible range 1 to 2.6784e+06 s"),
        ({"target_wait_s": 1e308}, "target_wait_s", "plausible range 0 to 604800 s"),
        ({"patience_s": 1e-300}, "patience_s", "plausible minimum 0.001 s"),
        ({"patience_s": 1e308}, "patience_s", f"more than {MAX_PATIENCE_PER_AHT:g} handling"),
        ({"calls": 9e6, "aht_s": 6e5}, "aht_s", f"maximum of {MAX_OFFERED_LOAD_ERL:g}"),
    ],
)
def test_absurd_inputs_are_refused_naming_field_value_and_range(
    kwargs: dict[str, float], column: str, needle: str
) -> None:
    """Values that overflow double precision (or would run the search for hours) are input
    errors naming the field, the value and the plausible range -- never a RuntimeWarning or
    an internal error."""
    args = {"calls": 100.0, "interval_s": 1800.0, "aht_s": 180.0, "patience_s": 60.0,
            "agents": 12, "target_wait_s": 20.0} | kwargs  # fmt: skip
    with pytest.raises(InputError) as exc:
        erlang_a(**args)  # type: ignore[arg-type]
    (problem,) = exc.value.problems
    assert problem.column == column and needle in problem.en
    assert f"{problem.value:g}" in problem.en
