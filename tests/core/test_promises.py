"""The promise register's checks (core.promises), on hand-worked numbers.

The binomial tail is summed from its definition, P(X ≤ k) = Σ C(n, i) p^i (1-p)^(n-i), with
``math.comb`` (not scipy); the 90th percentile is the linear interpolation of Hyndman & Fan
(1996) definition 7, worked by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from servgap.core.promises import Delivery, Perception, check_promise, resolution_delivery


def _tail(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


WAIT = Perception(unit="minutes", perceived=11.0, adequate=12.0, desired=5.0, msa=1.0,
                  share_below=0.3)  # fmt: skip


def test_mean_wait_above_the_promise_is_over_promising() -> None:
    row = check_promise(promised=10, direction="lower_better", unit="minutes", target_share=0.9,
                        delivery=Delivery(12.5), perception=WAIT)  # fmt: skip
    assert row["status"] == "over_promised" and row["exceeds_delivery"] is True
    assert row["below_adequate"] is False  # 10 min is better than the adequate 12 min
    assert row["adequate"] == 12.0 and row["perceived"] == 11.0


def test_a_kept_promise_weaker_than_customers_adequate_level_is_flagged() -> None:
    row = check_promise(promised=15, direction="lower_better", unit="minutes", target_share=0.9,
                        delivery=Delivery(9.0), perception=WAIT)  # fmt: skip
    assert row["exceeds_delivery"] is False
    assert row["below_adequate"] is True and row["status"] == "below_adequate"


def test_a_rating_item_is_not_compared_with_a_promise_in_minutes() -> None:
    rating = Perception(unit=None, perceived=6.0, adequate=7.0, desired=8.0, msa=-1.0,
                        share_below=0.5)  # fmt: skip
    row = check_promise(promised=15, direction="lower_better", unit="minutes", target_share=0.9,
                        delivery=Delivery(9.0), perception=rating)  # fmt: skip
    assert row["below_adequate"] is None and row["status"] == "kept"
    assert row["msa"] == -1.0


def test_share_kept_is_tested_against_the_target_share() -> None:
    # 80 of 100 within the promise against a 90 % target: P(X <= 80 | n=100, p=.9) ~ 0.002
    row = check_promise(promised=72, direction="lower_better", unit="hours", target_share=0.9,
                        delivery=Delivery(90.0, 100, 80), perception=None)  # fmt: skip
    assert row["p_value"] == pytest.approx(_tail(80, 100, 0.9), rel=1e-9)
    assert row["share_kept"] == pytest.approx(0.8)
    assert row["status"] == "over_promised"
    # 17 of 20: below target but P(X <= 17 | 20, .9) ~ 0.32: at risk, not proven broken
    small = check_promise(promised=72, direction="lower_better", unit="hours", target_share=0.9,
                          delivery=Delivery(80.0, 20, 17), perception=None)  # fmt: skip
    assert small["p_value"] == pytest.approx(_tail(17, 20, 0.9), rel=1e-9)
    assert small["status"] == "at_risk" and small["exceeds_delivery"] is False


def test_no_delivery_data_is_said_so() -> None:
    row = check_promise(promised=48, direction="lower_better", unit="hours", target_share=0.9,
                        delivery=None, perception=None)  # fmt: skip
    assert row["status"] == "no_data" and math.isnan(float(str(row["delivered"])))


def test_higher_better_promises_compare_the_other_way() -> None:
    row = check_promise(promised=0.95, direction="higher_better", unit="share", target_share=0.9,
                        delivery=Delivery(0.93), perception=None)  # fmt: skip
    assert row["status"] == "over_promised"


def test_resolution_delivery_counts_open_cases_past_the_promise_as_broken() -> None:
    d = resolution_delivery(np.array([10.0, 50.0, 80.0]), np.array([100.0, 5.0]), 72.0)
    # resolved: 10 and 50 within 72 h, 80 not; open: 100 h old (broken), 5 h (undecided)
    assert (d.n, d.kept) == (4, 2)
    # 90th percentile of 10, 50, 80 (definition 7): 50 + 0.8 * (80 - 50) = 74
    assert d.value == pytest.approx(74.0)
    empty = resolution_delivery(np.array([]), np.array([3.0]), 72.0)
    assert empty.n == 0 and empty.value is None
