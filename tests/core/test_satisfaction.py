"""Tests for servgap.core.satisfaction (NPS, CSAT).

- NPS categories: Reichheld (2003, HBR 81(12)) — 9–10 promoters, 7–8 passives, 0–6
  detractors (6 is a detractor).
- NPS interval: no published raw-data example was found, so this is a differential test
  against statsmodels (``DescrStatsW`` normal interval of the +1/0/−1 coded mean), which
  equals the multinomial-variance Wald interval of Rocks (2016, Am. Stat. 70(4), eq. 2).
- Wilson interval: Newcombe (1998, Stat. Med. 17:857), Table II, method 3, printed to 4
  decimals; and statsmodels ``proportion_confint(method="wilson")``.
- CSAT mean interval: scipy ``stats.t.interval`` (peer).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from servgap.core.errors import InputError, InsufficientDataError, SpecError
from servgap.core.satisfaction import csat, nps


def test_nps_categories_reichheld() -> None:
    r = nps([10, 9, 8, 7, 6, 0, 5, 9, np.nan])
    assert (r.promoters, r.passives, r.detractors) == (3, 2, 3)
    assert r.n == 8 and r.n_missing == 1
    assert r.nps == pytest.approx(0.0)
    r2 = nps(pd.Series(["10", "9", "", "6"]))
    assert r2.nps == pytest.approx(100 * (2 - 1) / 3)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=2, max_size=300))
def test_nps_interval_matches_statsmodels(xs: list[int]) -> None:
    r = nps(xs, confidence=0.9)
    y = np.where(np.array(xs) >= 9, 1.0, np.where(np.array(xs) <= 6, -1.0, 0.0))
    d = DescrStatsW(y)
    n = len(y)
    se = d.std_mean * np.sqrt((n - 1) / n)  # statsmodels uses n-1; Rocks (2016) uses n
    assert r.nps == pytest.approx(100 * y.mean())
    assert r.se == pytest.approx(100 * se, abs=1e-9)
    z = stats.norm.ppf(0.95)
    assert r.ci_low == pytest.approx(max(100 * (y.mean() - z * se), -100), abs=1e-9)
    assert r.ci_high == pytest.approx(min(100 * (y.mean() + z * se), 100), abs=1e-9)
    assert -100 <= r.ci_low <= r.nps <= r.ci_high <= 100


def test_nps_rejects_bad_rows() -> None:
    with pytest.raises(InputError) as ei:
        nps([10, 11, "x", 7.5, -1, 3])
    assert [p.row for p in ei.value.problems] == [2, 3, 4, 5]
    with pytest.raises(InsufficientDataError):
        nps([np.nan, np.nan])


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_csat_wilson_newcombe_1998(k: int, n: int, low: float, high: float) -> None:
    scores = [5] * k + [2] * (n - k)
    r = csat(scores, scale=(1, 5), top_box=1)
    assert round(r.top_box_ci_low, 4) == low
    assert round(r.top_box_ci_high, 4) == high
    sm = proportion_confint(k, n, method="wilson")
    assert (r.top_box_ci_low, r.top_box_ci_high) == pytest.approx(sm, abs=1e-12)


def test_csat_mean_and_top_box() -> None:
    xs = [5, 4, 4, 3, 2, 5, 1, 4, np.nan]
    r = csat(xs, confidence=0.9)
    v = np.array(xs[:-1], dtype=float)
    assert r.top_box_threshold == 4 and r.top_box_count == 5
    assert r.mean == pytest.approx(v.mean())
    lo, hi = stats.t.interval(0.9, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
    assert (r.mean_ci_low, r.mean_ci_high) == pytest.approx((lo, hi))
    r7 = csat([7, 6, 5, 1], scale=(1, 7), top_box=3)
    assert r7.top_box_threshold == 5 and r7.top_box_count == 3


def test_csat_errors() -> None:
    with pytest.raises(InputError) as ei:
        csat([1, 6, "good", 0])
    assert [p.row for p in ei.value.problems] == [2, 3, 4]
    with pytest.raises(SpecError):
        csat([1, 2], top_box=5)
    one = csat([4])
    assert np.isnan(one.mean_ci_low) and one.warnings
