"""Tests for servgap.core.drivers (LMG, relative weights, IPA).

Published numbers: relaimpo (Grömping 2006) printed LMG for mtcars, rwa (Chan)
printed Johnson relative weights for mtcars, R ``summary(lm(Fertility ~ ., swiss))``
R² = 0.7067. Data: R ``mtcars`` and ``swiss`` (tests/data/h1b_SOURCES.md).
"""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.drivers import (
    importance_performance,
    relative_importance,
    relative_importance_from_corr,
)
from servgap.core.errors import ComputationError, InputError, InsufficientDataError, SpecError

DATA = Path(__file__).resolve().parents[1] / "data"
SWISS_X = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


@pytest.fixture(scope="module")
def mtcars() -> pd.DataFrame:
    return pd.read_csv(DATA / "h1b_mtcars.csv")


@pytest.fixture(scope="module")
def swiss() -> pd.DataFrame:
    return pd.read_csv(DATA / "h1b_swiss.csv")


def test_lmg_relaimpo_mtcars(mtcars: pd.DataFrame) -> None:
    """relaimpo: calc.relimp(mpg ~ am + vs + cyl, mtcars, type = "lmg") prints
    am 0.1774892, vs 0.2027032, cyl 0.3817849; "Proportion of variance explained by
    model: 76.2%" (printed in the domir package vignette comparing with relaimpo)."""
    r = relative_importance(mtcars, "mpg", ["am", "vs", "cyl"])
    np.testing.assert_allclose(r.table["importance"], [0.1774892, 0.2027032, 0.3817849], atol=5e-8)
    assert r.r2 == pytest.approx(0.762, abs=5e-4)
    assert r.table["share"].sum() == pytest.approx(1.0)


def test_relative_weights_rwa_mtcars(mtcars: pd.DataFrame) -> None:
    """rwa (M. Chan) README: rwa(mtcars, "mpg", c("cyl","disp","hp","gear")) prints
    rsquare 0.7791896; Raw.RelWeight cyl 0.2284797, disp 0.2221469, hp 0.2321744,
    gear 0.0963886; Rescaled.RelWeight 29.32274, 28.50999, 29.79691, 12.37037."""
    r = relative_importance(mtcars, "mpg", ["cyl", "disp", "hp", "gear"], method="relative_weights")
    assert r.r2 == pytest.approx(0.7791896, abs=5e-8)
    np.testing.assert_allclose(
        r.table["importance"], [0.2284797, 0.2221469, 0.2321744, 0.0963886], atol=5e-8
    )
    np.testing.assert_allclose(
        100 * r.table["share"], [29.32274, 28.50999, 29.79691, 12.37037], atol=5e-6
    )


def test_swiss_r2_and_lmg_against_all_orderings_ols(swiss: pd.DataFrame) -> None:
    """R: summary(lm(Fertility ~ ., swiss)) prints Multiple R-squared: 0.7067.
    LMG checked against its definition (Lindeman, Merenda & Gold 1980): the average over
    all 5! orderings of the R² increase, with each R² from a statsmodels OLS fit (peer)."""
    r = relative_importance(swiss, "Fertility", SWISS_X)
    assert r.r2 == pytest.approx(0.7067, abs=5e-5)
    y = swiss["Fertility"].to_numpy()
    cache: dict[frozenset[str], float] = {frozenset(): 0.0}

    def r2(cols: frozenset[str]) -> float:
        if cols not in cache:
            x = sm.add_constant(swiss[sorted(cols)].to_numpy())
            cache[cols] = float(sm.OLS(y, x).fit().rsquared)
        return cache[cols]

    totals = dict.fromkeys(SWISS_X, 0.0)
    orders = list(permutations(SWISS_X))
    for order in orders:
        seen: frozenset[str] = frozenset()
        for v in order:
            totals[v] += r2(seen | {v}) - r2(seen)
            seen = seen | {v}
    expected = [totals[v] / len(orders) for v in SWISS_X]
    np.testing.assert_allclose(r.table["importance"], expected, atol=1e-12)


def test_from_corr_matches_raw_and_accepts_covariance(swiss: pd.DataFrame) -> None:
    cols = ["Fertility", *SWISS_X]
    raw = relative_importance(swiss, "Fertility", SWISS_X)
    cov = swiss[cols].cov()
    via_cov = relative_importance_from_corr(cov, "Fertility", SWISS_X, n=47)
    np.testing.assert_allclose(via_cov.table["importance"], raw.table["importance"], atol=1e-12)
    assert via_cov.n == 47
    rw = relative_importance_from_corr(
        swiss[cols].corr(), "Fertility", SWISS_X, method="relative_weights"
    )
    assert rw.table["importance"].sum() == pytest.approx(rw.r2, abs=1e-12)


def test_relative_weights_equal_r2_when_uncorrelated() -> None:
    """Johnson (2000): with orthogonal predictors each weight is r²_{xy} (= LMG)."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(200, 3)))
    x = q - q.mean(axis=0)
    x, _ = np.linalg.qr(x)
    y = x @ np.array([3.0, 2.0, 1.0]) + rng.normal(size=200)
    d = pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})
    r_lmg = relative_importance(d, "y", ["a", "b", "c"])
    r_rw = relative_importance(d, "y", ["a", "b", "c"], method="relative_weights")
    r_sq = d[["a", "b", "c"]].corrwith(d["y"]).to_numpy() ** 2
    np.testing.assert_allclose(r_lmg.table["importance"], r_sq, atol=1e-6)
    np.testing.assert_allclose(r_rw.table["importance"], r_sq, atol=1e-6)


def test_fifteen_drivers_exact_and_sums_to_r2() -> None:
    rng = np.random.default_rng(0)
    p = 15
    a = rng.normal(size=(300, p + 1))
    a[:, 0] += a[:, 1:] @ rng.uniform(0, 1, p)
    names = ["y", *[f"x{i}" for i in range(p)]]
    r = relative_importance_from_corr(np.corrcoef(a, rowvar=False), "y", names[1:], names=names)
    assert r.table["importance"].sum() == pytest.approx(r.r2, abs=1e-12)
    assert (r.table["importance"] > 0).all()


# --- errors ----------------------------------------------------------------


def test_collinear_drivers_named(mtcars: pd.DataFrame) -> None:
    d = mtcars.assign(cyl2=2 * mtcars["cyl"] + mtcars["am"])
    with pytest.raises(ComputationError) as e:
        relative_importance(d, "mpg", ["cyl", "am", "cyl2", "hp"])
    for name in ("cyl", "am", "cyl2"):
        assert name in e.value.en
    assert "hp" not in e.value.en.split("are perfectly")[0]


def test_constant_column(mtcars: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="constant"):
        relative_importance(mtcars.assign(k=1.0), "mpg", ["cyl", "k"])


def test_bad_inputs(mtcars: pd.DataFrame) -> None:
    with pytest.raises(SpecError):
        relative_importance(mtcars, "mpg", ["mpg", "cyl"])
    with pytest.raises(SpecError):
        relative_importance(mtcars, "mpg", ["cyl", "cyl"])
    with pytest.raises(InputError, match="not found"):
        relative_importance(mtcars, "mpg", ["nope"])
    with pytest.raises(InsufficientDataError):
        relative_importance(mtcars.head(3), "mpg", ["cyl", "hp"])
    bad = mtcars.astype({"hp": object})
    bad.loc[4, "hp"] = "n/a"
    with pytest.raises(InputError) as e:
        relative_importance(bad, "mpg", ["cyl", "hp"])
    assert e.value.problems[0].row == 5 and e.value.problems[0].column == "hp"
    with pytest.raises(SpecError, match="relative_weights"):
        names = ["y", *[f"x{i}" for i in range(21)]]
        relative_importance_from_corr(np.eye(22), "y", names[1:], names=names)


# --- IPA ---------------------------------------------------------------------


def test_ipa_quadrants_and_crosshair_rule() -> None:
    perf = {"a": 6.0, "b": 4.0, "c": 5.0, "d": 3.0, "e": 7.0}
    imp = {"a": 0.30, "b": 0.30, "c": 0.20, "d": 0.10, "e": 0.10}
    r = importance_performance(perf, imp)
    assert r.importance_crosshair == pytest.approx(0.2)
    assert r.performance_crosshair == pytest.approx(5.0)
    q = dict(zip(r.table.dimension, r.table.quadrant, strict=True))
    # c sits exactly on both crosshairs: high importance (>=), low performance (not >)
    assert q == {
        "a": "keep_up_the_good_work",
        "b": "concentrate_here",
        "c": "concentrate_here",
        "d": "low_priority",
        "e": "possible_overkill",
    }
    assert set(r.table.quadrant_zh) <= {"重点改进", "继续保持", "低优先级", "可能过度投入"}
    assert r.short_board == "b"  # lowest performance in the high-importance half
    json.dumps(r.to_dict())


def test_ipa_short_board_weighted_shortfall() -> None:
    perf = {"a": 5.0, "b": 4.0, "c": 6.5}
    imp = {"a": 50.0, "b": 10.0, "c": 40.0}
    adq = {"a": 6.0, "b": 6.0, "c": 6.0}
    r = importance_performance(perf, imp, adequate=adq)
    # weighted shortfalls: a 0.5*1 = 0.5, b 0.1*2 = 0.2, c 0
    assert r.short_board == "a"
    np.testing.assert_allclose(r.table["weighted_shortfall"], [0.5, 0.2, 0.0])
    assert "a" in r.short_board_reason_en and "a" in r.short_board_reason_zh
    none = importance_performance(perf, imp, adequate={"a": 1.0, "b": 1.0, "c": 1.0})
    assert none.short_board is None


def test_ipa_derived_importance(mtcars: pd.DataFrame) -> None:
    dims = ["cyl", "disp", "hp", "gear"]
    perf = mtcars[dims].mean()
    r = importance_performance(perf, data=mtcars, target="mpg", method="correlation")
    np.testing.assert_allclose(r.table["importance"], mtcars[dims].corrwith(mtcars["mpg"]))
    rw = importance_performance(perf, data=mtcars, target="mpg", method="relative_weights")
    np.testing.assert_allclose(
        rw.table["importance"], [0.2932274, 0.2850999, 0.2979691, 0.1237037], atol=5e-7
    )


def test_ipa_scale_midpoint_and_errors() -> None:
    perf = {"a": 5.0, "b": 3.0}
    imp = {"a": 6.0, "b": 2.0}
    r = importance_performance(
        perf, imp, crosshair="scale_midpoint", scale=(1, 7), importance_scale=(1, 7)
    )
    assert (r.importance_crosshair, r.performance_crosshair) == (4.0, 4.0)
    assert list(r.table.quadrant) == ["keep_up_the_good_work", "low_priority"]
    with pytest.raises(SpecError):
        importance_performance(perf, imp, crosshair="scale_midpoint")
    with pytest.raises(SpecError):
        importance_performance(perf)
    with pytest.raises(SpecError, match="same dimensions"):
        importance_performance(perf, {"a": 1.0})


# --- properties --------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=2, max_value=6))
def test_lmg_properties(seed: int, p: int) -> None:
    """LMG is non-negative, sums to R², and is invariant to reordering the drivers."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(60, p + 1))
    a[:, 0] += a[:, 1:] @ rng.normal(size=p)
    names = ["y", *[f"x{i}" for i in range(p)]]
    c = pd.DataFrame(np.corrcoef(a, rowvar=False), index=names, columns=names)
    r = relative_importance_from_corr(c, "y", names[1:])
    assert (r.table["importance"] >= -1e-12).all()
    assert r.table["importance"].sum() == pytest.approx(r.r2, abs=1e-10)
    rev = relative_importance_from_corr(c, "y", names[1:][::-1])
    np.testing.assert_allclose(rev.table["importance"][::-1], r.table["importance"], atol=1e-12)
    assert 0.0 <= r.r2 <= 1.0
