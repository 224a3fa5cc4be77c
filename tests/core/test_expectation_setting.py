"""Delivery vs expectation-setting actions (core.expectation_setting), on hand-made tables.

Welch's t is worked by hand (Welch 1947): t = (x̄1 − x̄2) / sqrt(s1²/n1 + s2²/n2), with the
Welch–Satterthwaite degrees of freedom; only the t distribution's tail comes from scipy.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from servgap.core.expectation_setting import adequate_shift, expectation_plan


def _items() -> pd.DataFrame:
    rows = [
        # item, format, adequate, desired, perceived, msa, msa_ci_high
        ("a", "three_column", 6.0, 8.0, 5.0, -1.0, -0.5),  # below; s1 reaches 6.5 -> delivery
        ("b", "three_column", 6.0, 8.0, 5.0, -1.0, -0.4),  # below; best site 5.5 -> both
        ("c", "three_column", 5.0, 8.0, 6.0, 1.0, 1.4),  # fine, but its promise is not kept
        ("d", "three_column", 5.5, 8.0, 6.0, 0.5, 0.9),  # fine, adequate rose significantly
        ("e", "three_column", 5.0, 8.0, 6.0, 1.0, 1.3),  # fine, adequate did not move
        ("f", "two_column", math.nan, math.nan, 6.0, math.nan, math.nan),
    ]
    return pd.DataFrame(
        [{"item": i, "format": f, "dimension": "reliability", "unit": None,
          "direction": "higher_better", "adequate_mean": a, "desired_mean": d,
          "perceived_mean": p, "msa": m, "msa_ci_high": h} for i, f, a, d, p, m, h in rows]
    )  # fmt: skip


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": ["s1", "s2", "s3", "s1", "s2"],
            "item": ["a", "a", "a", "b", "b"],
            "n": [40, 40, 5, 40, 40],
            "perceived_mean": [6.5, 4.0, 9.0, 5.5, 4.5],  # s3 (n = 5) is too small to count
        }
    )


def test_kinds_follow_the_rules() -> None:
    promises = pd.DataFrame({"attribute": ["c"], "promise": ["p48"], "promised": [48.0],
                             "delivered": [53.0], "status": ["over_promised"]})  # fmt: skip
    shifts = pd.DataFrame({"item": ["d", "e"], "adequate": [5.5, 5.0],
                           "adequate_before": [4.9, 4.95], "adequate_change": [0.6, 0.05],
                           "adequate_p": [0.01, 0.6], "n": [100, 100],
                           "n_before": [100, 100]})  # fmt: skip
    plan = expectation_plan(_items(), by_site=_sites(), promises=promises, shifts=shifts)
    t = plan.table.set_index("item")
    assert list(t.index) == ["a", "b", "c", "d"]
    assert (t.loc["a", "kind"], t.loc["a", "best_site"]) == ("delivery", "s1")
    assert t.loc["a", "best_perceived"] == 6.5  # not s3's 9.0 from five answers
    assert t.loc["b", "kind"] == "delivery_and_expectation"
    assert (t.loc["c", "kind"], t.loc["c", "reason"]) == ("expectation", "unkept_promise")
    assert t.loc["c", "delivered"] == 53.0 and t.loc["c", "promise"] == "p48"
    assert (t.loc["d", "kind"], t.loc["d", "reason"]) == ("expectation", "rising_adequate")


def test_a_falling_wait_adequate_is_a_rising_expectation() -> None:
    items = _items().iloc[[4]].assign(direction="lower_better", unit="minutes")
    shifts = pd.DataFrame({"item": ["e"], "adequate": [8.0], "adequate_before": [12.0],
                           "adequate_change": [-4.0], "adequate_p": [0.001], "n": [50],
                           "n_before": [50]})  # fmt: skip
    plan = expectation_plan(items, shifts=shifts)
    assert plan.table["reason"].tolist() == ["rising_adequate"]


def test_adequate_shift_is_welch() -> None:
    now = pd.DataFrame({"q_adequate": [5.0, 6.0, 7.0]})
    before = pd.DataFrame({"q_adequate": [4.0, 4.0, 5.0]})
    out = adequate_shift(now, before, ["q", "missing"]).set_index("item")
    assert list(out.index) == ["q"]
    v1, v2 = 1.0, 1.0 / 3.0  # sample variances
    se2 = v1 / 3 + v2 / 3
    t = (6.0 - 13.0 / 3.0) / math.sqrt(se2)
    df = se2**2 / ((v1 / 3) ** 2 / 2 + (v2 / 3) ** 2 / 2)
    assert t == pytest.approx(2.5)
    assert out.loc["q", "adequate_p"] == pytest.approx(2 * stats.t.sf(t, df), rel=1e-9)
    assert out.loc["q", "adequate_change"] == pytest.approx(6.0 - 13.0 / 3.0)
