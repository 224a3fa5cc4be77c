"""The follow-up check of an improvement action (core.improvement), worked by hand: Welch's t
and the difference in differences with its standard error sqrt(Σ s²/n) over the four groups."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from servgap.core.improvement import action_effect


def test_did_and_target() -> None:
    before = np.array([4.0, 5.0, 6.0])  # mean 5, var 1
    after = np.array([6.0, 7.0, 8.0, np.nan])  # mean 7, var 1 (the NaN is left out)
    rest_b = np.array([5.0, 5.0, 6.0, 6.0])  # mean 5.5, var 1/3
    rest_a = np.array([5.5, 6.5, 6.0, 6.0])  # mean 6, var 1/6
    eff = action_effect(before, after, rest_b, rest_a, target=6.5)
    assert (eff.n_before, eff.n_after) == (3, 3)
    assert eff.change == pytest.approx(2.0) and eff.rest_change == pytest.approx(0.5)
    assert eff.did == pytest.approx(1.5)
    se = math.sqrt(1 / 3 + 1 / 3 + (1 / 6) / 4 + (1 / 3) / 4)
    assert eff.did_se == pytest.approx(se)
    assert eff.did_p == pytest.approx(2 * stats.norm.sf(1.5 / se))
    # Welch before vs after: t = 2 / sqrt(1/3 + 1/3), df = 4 (equal variances and sizes)
    t = 2 / math.sqrt(2 / 3)
    assert eff.change_p == pytest.approx(2 * stats.t.sf(t, 4))
    half = stats.t.ppf(0.975, 2) * math.sqrt(1 / 3)
    assert (eff.after_ci_low, eff.after_ci_high) == pytest.approx((7 - half, 7 + half))
    assert eff.target_met is True


def test_lower_is_better_and_no_comparison_group() -> None:
    eff = action_effect(np.array([12.0, 14.0]), np.array([9.0, 11.0]), target=9.5,
                        higher_is_better=False)  # fmt: skip
    assert eff.change == pytest.approx(-3.0)
    assert eff.target_met is False  # a mean wait of 10 minutes is above the 9.5 target
    assert math.isnan(eff.did_se) and math.isnan(eff.did_p)
