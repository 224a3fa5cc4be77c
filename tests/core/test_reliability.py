"""Tests for servgap.core.reliability.cronbach_alpha.

Published numbers: pingouin's documented example (Vallat 2018, pingouin
``cronbach_alpha`` docstring, data set ``cronbach_alpha``, 15 respondents × 10 Likert
items; pingouin is validated against R psych::alpha): alpha = 0.5917188485995826,
Feldt 95% CI [0.195, 0.84] (printed to 3 decimals). Data in
tests/data/h1a_pingouin_cronbach_alpha.csv (see h1a_SOURCES.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.errors import InputError, InsufficientDataError, SpecError
from servgap.core.reliability import cronbach_alpha

DATA = Path(__file__).resolve().parents[1] / "data" / "h1a_pingouin_cronbach_alpha.csv"


def _pingouin_wide() -> pd.DataFrame:
    long = pd.read_csv(DATA)
    wide = long.pivot(index="Subj", columns="Items", values="Scores")
    return wide[[f"Q{i}" for i in range(1, 11)]]


def _alpha_textbook(df: pd.DataFrame) -> float:
    """Cronbach (1951): k/(k-1) * (1 - sum of item variances / variance of the total)."""
    k = df.shape[1]
    return k / (k - 1) * (1 - df.var(ddof=1).sum() / df.sum(axis=1).var(ddof=1))


def test_pingouin_documented_example() -> None:
    r = cronbach_alpha(_pingouin_wide())
    assert r.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert round(r.ci_low, 3) == 0.195
    assert round(r.ci_high, 3) == 0.84
    assert r.n == 15 and r.k == 10 and r.n_dropped == 0


def test_standardized_alpha_and_item_statistics_differential() -> None:
    df = _pingouin_wide().astype(float)
    r = cronbach_alpha(df)
    # standardized alpha = raw alpha of z-scored items (independent route)
    z = (df - df.mean()) / df.std(ddof=1)
    assert r.standardized_alpha == pytest.approx(_alpha_textbook(z))
    corr = df.corr().to_numpy()
    rbar = (corr.sum() - 10) / 90
    assert r.average_r == pytest.approx(rbar)
    for _, row in r.items.iterrows():
        rest = df.drop(columns=row["item"])
        assert row["alpha_if_deleted"] == pytest.approx(_alpha_textbook(rest))
        assert row["item_total_r"] == pytest.approx(
            np.corrcoef(df[row["item"]], rest.sum(axis=1))[0, 1]
        )
    assert r.alpha_if_deleted is r.items


def test_reverse_keyed_item_is_named() -> None:
    rng = np.random.default_rng(4)
    t = rng.normal(size=300)
    df = pd.DataFrame({f"x{i}": t + rng.normal(scale=0.7, size=300) for i in range(4)})
    df["x3"] = -df["x3"]
    r = cronbach_alpha(df)
    assert any("x3" in w and "reverse" in w for w in r.warnings)
    assert r.items.set_index("item").loc["x3", "item_total_r"] < 0


def test_listwise_deletion_and_errors() -> None:
    df = _pingouin_wide().astype(float)
    df.iloc[0, 0] = np.nan
    r = cronbach_alpha(df)
    assert r.n == 14 and r.n_dropped == 1
    assert r.alpha == pytest.approx(_alpha_textbook(df.dropna()))
    bad = _pingouin_wide().astype(object)
    bad.iloc[2, 1] = "n/a"
    with pytest.raises(InputError) as ei:
        cronbach_alpha(bad)
    assert ei.value.problems[0].row == 3 and ei.value.problems[0].column == "Q2"
    with pytest.raises(InsufficientDataError):
        cronbach_alpha(df[["Q1"]])
    with pytest.raises(SpecError):
        cronbach_alpha(df, confidence=1.5)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_alpha_invariances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = rng.normal(size=40)
    df = pd.DataFrame({f"x{i}": t + rng.normal(size=40) for i in range(5)})
    r = cronbach_alpha(df)
    assert r.alpha <= 1.0 and r.ci_low <= r.alpha <= r.ci_high
    # shuffling respondents or items changes nothing; shifting an item changes nothing
    r2 = cronbach_alpha(df.sample(frac=1, random_state=seed)[["x3", "x1", "x0", "x4", "x2"]])
    assert r2.alpha == pytest.approx(r.alpha)
    assert r2.standardized_alpha == pytest.approx(r.standardized_alpha)
    r3 = cronbach_alpha(df.assign(x0=df["x0"] + 3.0))
    assert r3.alpha == pytest.approx(r.alpha)
