"""Tests for servgap.core.capacity: tolerance targets, weekly cost of a staffing level, pooled
history, roster, demand-capacity balance. Expected values are worked by hand in the
docstrings (M/M/1 closed forms) or come from independent formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.balance import balance
from servgap.core.capacity import (
    evaluate_level,
    roster_to_agents,
    share_within_tolerance,
    tolerance_target,
    weekly_cost,
)
from servgap.core.errors import InputError, InsufficientDataError
from servgap.core.intervals import pool_history, same_slot_values
from servgap.core.queueing import erlang_a, erlang_c
from servgap.core.staffing import required_agents


def test_tolerance_target_hand_example() -> None:
    """Ten respondents' adequate waits (minutes) 2..20 step 2: 80 % coverage means the
    longest wait that 8 of 10 call adequate -- 6 min (waits >= 6: 6, 8, ..., 20 = 8 people)."""
    adequate = np.arange(2, 21, 2, dtype=float)
    desired = adequate / 2
    r = tolerance_target(adequate, desired, coverage=0.8)
    assert r.adequate_target == 6.0 and r.share_adequate == pytest.approx(0.8)
    assert r.desired_target == 3.0
    assert r.n == 10 and r.n_inconsistent == 0


@settings(max_examples=50, deadline=None)
@given(
    waits=st.lists(st.integers(0, 60), min_size=2, max_size=40),
    coverage=st.floats(0.05, 0.95),
)
def test_tolerance_target_is_largest_wait_with_coverage(waits: list[int], coverage: float) -> None:
    """Brute-force definition: the largest observed w with share(a_i >= w) >= coverage."""
    a = np.asarray(waits, dtype=float)
    r = tolerance_target(a, a * 0.5, coverage=coverage)
    ok = [w for w in a if np.mean(a >= w) >= coverage - 1e-12]
    assert r.adequate_target == max(ok)


def test_tolerance_target_inconsistent_and_errors() -> None:
    r = tolerance_target([10, 20, 30, np.nan], [5, 25, 10, 3])  # 2nd: desired > adequate
    assert r.n == 2 and r.n_inconsistent == 1
    with pytest.raises(InsufficientDataError):
        tolerance_target([10], [5])
    with pytest.raises(InputError):
        tolerance_target([10, -1], [5, 1])
    with pytest.raises(InputError):
        tolerance_target([10, 20], [5, 1], coverage=80)


def test_share_within_tolerance_integrates_waiting_distribution() -> None:
    """share = mean_i P(W <= a_i): with Erlang C, P(W <= t) = 1 - C e^{-(n-a)t/AHT}
    (Call Centre Helper example, 14 agents: C = 0.1741)."""
    waits = np.array([0.0, 20.0, 60.0])
    s = share_within_tolerance(100, 1800, 180, [13, 14], waits)
    expected = [float(np.mean(erlang_c(100, 1800, 180, n, waits).service_level)) for n in (13, 14)]
    np.testing.assert_allclose(s.share_within_adequate, expected, rtol=1e-12)
    c = 0.1741  # printed P(wait), 4 decimals
    by_hand = np.mean(1 - c * np.exp(-(14 - 10) * waits / 180))
    assert s.share_within_adequate[1] == pytest.approx(by_hand, abs=1e-4)
    sa = share_within_tolerance(100, 1800, 180, 11, waits, desired_wait_s=waits / 2, patience_s=60)
    assert sa.has_desired
    ref = np.mean(erlang_a(100, 1800, 180, 60, 11, waits).sl_offered)
    assert float(sa.share_within_adequate) == pytest.approx(float(ref), rel=1e-12)
    assert float(sa.share_within_desired) < float(sa.share_within_adequate)


def test_roster_to_agents() -> None:
    shifts = pd.DataFrame(
        {
            "start": ["2026-03-02 08:00", "2026-03-02 12:15", "2026-03-02 09:00"],
            "end": ["2026-03-02 16:00", "2026-03-02 20:00", "2026-03-02 13:00"],
            "count": [5, 3, 2],
        }
    )
    starts = pd.date_range(
        "2026-03-02 07:30", periods=5, freq="150min"
    )  # 07:30 10:00 12:30 15:00 17:30
    r = roster_to_agents(shifts, starts)
    np.testing.assert_allclose(r.agent_equivalents, [0, 7, 10, 8, 3])
    part = roster_to_agents(shifts, pd.DatetimeIndex(["2026-03-02 12:00"]))
    assert float(part.agent_equivalents[0]) == pytest.approx(5 + 2 + 3 * 0.5)
    assert float(part.agents[0]) == 8.0
    with pytest.raises(InputError):
        roster_to_agents(shifts.drop(columns="count"), starts)
    seconds = roster_to_agents(
        pd.DataFrame({"start": [0], "end": [3600], "count": [4]}), [0, 1800, 3600]
    )
    assert seconds.agents.tolist() == [4, 4, 0]


def test_balance_classifies_and_recommends() -> None:
    calls = np.array([20, 50, 100, 160, 120, 60, 30], dtype=float)
    planned = np.array([6, 8, 12, 14, 14, 12, 8], dtype=float)
    b = balance(
        calls,
        planned,
        1800,
        180,
        target_sl=0.8,
        target_wait_s=20,
        agent_cost_per_hour=20,
        wait_cost_per_hour=30,
        abandon_cost=2,
        patience_s=120,
        other_calls=calls * 0.5,
    )
    req = required_agents(calls, 1800, 180, 0.8, 20, patience_s=120).agents
    t = b.intervals
    np.testing.assert_array_equal(t["required_agents"], req)
    gap = planned - req
    expected = np.where(gap < -1, "below", np.where(gap > 1, "above", "matching"))
    assert t["status"].tolist() == expected.tolist()
    assert b.n_below + b.n_matching + b.n_above == 7
    assert b.shortfall_agent_hours == pytest.approx(float(np.sum(np.maximum(-gap, 0)) * 0.5))
    recs = b.recommendations.set_index("strategy")
    assert set(recs.index) == {"shift_demand", "flexible_hours", "pooling"}
    assert recs.loc["flexible_hours", "shortfall_agent_hours_after"] == 0
    assert recs.loc["shift_demand", "shortfall_agent_hours_after"] < b.shortfall_agent_hours
    # Erlang economies of scale: one pool needs fewer agents than two queues
    assert recs.loc["pooling", "cost_after"] < recs.loc["pooling", "cost_before"]
    assert all(isinstance(x, str) and x for x in recs["text_zh"])
    assert all("agent" in x or "calls" in x for x in recs["text_en"])
    assert t["total_cost"].sum() == pytest.approx(b.total_cost)


def test_balance_erlang_c_understaffed_costs_are_infinite_not_nan() -> None:
    b = balance(
        [100, 10],
        [8, 5],
        1800,
        180,
        target_sl=0.8,
        target_wait_s=20,
        agent_cost_per_hour=20,
        wait_cost_per_hour=30,
        adequate_waits=[10, 30, 60],
    )
    t = b.intervals
    assert t["status"].tolist() == ["below", "above"]
    assert np.isinf(t.loc[0, "wait_cost"]) and not t.isna().any().any()
    recs = b.recommendations.set_index("strategy")
    assert list(recs.index) == ["shift_demand", "flexible_hours"]  # no second queue: no pooling
    assert np.isinf(recs.loc["flexible_hours", "cost_before"])
    assert np.isfinite(recs.loc["flexible_hours", "cost_after"])  # staffed to requirement


# --------------------------------------------------------------------------- weekly cost


def test_weekly_cost_hand_worked_mm1() -> None:
    """Worked by hand with M/M/1 (Erlang C, one agent): 30 calls in one hour, AHT 60 s, so
    a = 0.5 Erl, P(wait) = 0.5 and E[W] = C AHT / (n - a) = 0.5 x 60 / 0.5 = 60 s (M/M/1:
    Wq = rho / (mu - lambda) = 0.5 / (1/60 - 1/120) = 60 s). A second, empty hour with no
    agent. Two hours planned = 1/12 day, so a week is 84 times the plan:
    agent hours 1 -> 84/week, cost 84 x 45 = 3780; waiting 30 x 60 s = 0.5 h -> 42 h/week,
    cost 42 x 60 = 2520; no abandonment; total 6300."""
    assert float(erlang_c(30, 3600, 60, 1, 0).asa_s) == pytest.approx(60.0, rel=1e-12)
    c = weekly_cost(
        [30.0, 0.0], 3600, [1.0, 0.0], [60.0, np.nan], [0.0, np.nan],
        agent_cost_per_hour=45, wait_cost_per_hour=60, abandon_cost=5,
    )  # fmt: skip
    assert c.days_planned == pytest.approx(1 / 12)
    assert c.agent_hours == 1 and c.agent_hours_per_week == pytest.approx(84)
    assert c.wait_hours_per_week == pytest.approx(42)
    assert c.agent_cost_per_week == pytest.approx(3780)
    assert c.wait_cost_per_week == pytest.approx(2520)
    assert c.abandonments_per_week == 0 and c.abandon_cost_per_week == 0
    assert c.total_cost_per_week == pytest.approx(6300)
    # abandonments: 10 % of 30 calls = 3 in the 2 hours planned -> 3 x 84 = 252 a week at 5 each
    ab = weekly_cost(
        [30.0, 0.0], 3600, [1.0, 0.0], [60.0, 0.0], [0.1, 0.0],
        agent_cost_per_hour=45, wait_cost_per_hour=60, abandon_cost=5,
    )  # fmt: skip
    assert ab.abandonments_per_week == pytest.approx(252)
    assert ab.abandon_cost_per_week == pytest.approx(1260)


def test_weekly_cost_refuses_negative_costs_naming_the_field() -> None:
    with pytest.raises(InputError) as ei:
        weekly_cost([1.0], 1800, [1.0], [0.0], [0.0], agent_cost_per_hour=-1,
                    wait_cost_per_hour=60, abandon_cost=5)  # fmt: skip
    assert ei.value.fields == ("agent_cost_per_hour",)


def test_evaluate_level_hand_worked_mm1() -> None:
    """M/M/1 as above: P(W <= t) = 1 - 0.5 e^{-(mu - lambda) t} = 1 - 0.5 e^{-t/120}.
    Respondents (adequate, desired) in seconds: (0, 0), (120, 60), (30, 60) desires more
    than is adequate (inconsistent: left out), (nan, 10) missing. Share within adequate =
    mean(0.5, 1 - 0.5/e); within desired = mean(0.5, 1 - 0.5 e^{-1/2}). The empty second
    hour counts share 1 with weight 0; the plan's shares are the first hour's."""
    out = evaluate_level(
        [30.0, 0.0], 3600, 60, [1.0, 0.0],
        adequate_wait_s=[0, 120, 30, np.nan], desired_wait_s=[0, 60, 60, 10],
        agent_cost_per_hour=45, wait_cost_per_hour=60, abandon_cost=5,
    )  # fmt: skip
    within_a = np.mean([0.5, 1 - 0.5 / np.e])
    within_d = np.mean([0.5, 1 - 0.5 * np.exp(-0.5)])
    np.testing.assert_allclose(out.share_within_adequate, [within_a, 1.0], rtol=1e-12)
    np.testing.assert_allclose(out.share_within_desired, [within_d, 1.0], rtol=1e-12)
    assert out.within_adequate == pytest.approx(within_a, rel=1e-12)
    assert out.within_desired == pytest.approx(within_d, rel=1e-12)
    assert float(out.mean_wait_s[0]) == pytest.approx(60.0, rel=1e-12)
    assert out.cost.total_cost_per_week == pytest.approx(6300)


# --------------------------------------------------------------------------- history summaries


def test_pool_history_hand_worked() -> None:
    """handled 10, 20, 5 with AHT 100, 200, unknown: pooled AHT = (10 x 100 + 20 x 200) /
    (10 + 20) = 166.7 s -- the third interval's 5 contacts have no handle time and stay out
    (counting them would give 5000 / 35 = 142.9 s). Abandoned 1, 2, 4 with total waits 50,
    unknown, 30: patience = (50 + 30) / (1 + 4) = 16 s."""
    p = pool_history([10, 20, 5], [100, 200, np.nan], [1, 2, 4], [50, np.nan, 30])
    assert (p.handled, p.handle_s) == (30.0, 5000.0)
    assert (p.abandoned, p.total_wait_s) == (5.0, 80.0)
    assert (p.intervals_with_aht, p.intervals_with_wait) == (2, 2)
    assert p.handle_s / p.handled == pytest.approx(166.6667, abs=1e-4)


def test_same_slot_values_hand_worked() -> None:
    """Daily history 2026-09-07 .. 2026-09-20 (values 0..13). Last week's value of 09-21 is
    09-14's (7); 09-25 lies after the history, so the same weekday one week earlier
    (09-18, 11); 09-10 inside the history is its own value (3); last week of 09-08 is
    before the history (NaN)."""
    hist = pd.date_range("2026-09-07", periods=14, freq="D", tz="Asia/Shanghai")
    values = np.arange(14.0)
    q = pd.to_datetime(["2026-09-21", "2026-09-25", "2026-09-10", "2026-09-08"]).tz_localize(
        "Asia/Shanghai"
    )
    back1 = same_slot_values(hist, values, q, weeks_back=1)
    same = same_slot_values(hist, values, q, weeks_back=0)
    assert back1[0] == 7 and same[1] == 11 and same[2] == 3 and np.isnan(back1[3])


def test_balance_uses_the_service_level_definition() -> None:
    """`capacity balance --sl-definition` was ignored (issue 10): the required agents and the
    service_level column follow the definition; without patience nobody abandons."""
    calls = np.array([20, 50, 100, 160, 120, 60, 30], dtype=float)
    planned = np.array([6, 8, 12, 14, 14, 12, 8], dtype=float)
    kw = {"target_sl": 0.8, "target_wait_s": 20, "agent_cost_per_hour": 20,
          "wait_cost_per_hour": 30, "abandon_cost": 2}  # fmt: skip
    off = balance(calls, planned, 1800, 180, patience_s=60, **kw)  # type: ignore[arg-type]
    ans = balance(calls, planned, 1800, 180, patience_s=60, sl_definition="answered", **kw)  # type: ignore[arg-type]
    assert (off.sl_definition, ans.sl_definition) == ("offered", "answered")
    req = required_agents(calls, 1800, 180, 0.8, 20, patience_s=60, sl_definition="answered")
    np.testing.assert_array_equal(ans.intervals["required_agents"], req.agents)
    assert ans.intervals["required_agents"].sum() < off.intervals["required_agents"].sum()
    sl = erlang_a(calls, 1800, 180, 60, planned, 20, sl_definition="answered").service_level
    np.testing.assert_allclose(ans.intervals["service_level"], sl, rtol=1e-12)
    c = balance(calls, planned, 1800, 180, patience_s=60, model="erlang_c", **kw)  # type: ignore[arg-type]
    assert c.sl_definition == "erlang_c" and c.model == "erlang_c"
    np.testing.assert_array_equal(
        c.intervals["required_agents"], required_agents(calls, 1800, 180, 0.8, 20).agents
    )
