"""Tests for servgap.core.capacity: tolerance targets, roster, demand-capacity balance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.capacity import (
    balance,
    roster_to_agents,
    share_within_tolerance,
    tolerance_target,
)
from servgap.core.errors import InputError, InsufficientDataError
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
