"""Tests for servgap.core.trend.

- p-chart: Montgomery (2009), *Introduction to Statistical Quality Control*, 6th ed.,
  Example 7.1 / Table 7.1 (30 samples of 50 orange-juice cans): p̄ = 0.2313,
  UCL = 0.4102, LCL = 0.0524 (4 decimals); samples 15 and 23 plot above the UCL.
  Data: tests/data/h1a_montgomery_p_chart.csv.
- x-bar chart and NPS chart: differential against a plain pandas computation of the
  formulas in Montgomery (2009) §6.3.2 (pooled variance, variable n) and Rocks (2016).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servgap.core.errors import InputError, SpecError
from servgap.core.trend import trend

DATA = Path(__file__).resolve().parents[1] / "data" / "h1a_montgomery_p_chart.csv"


def _montgomery_rows() -> pd.DataFrame:
    t = pd.read_csv(DATA)
    rows = []
    for s, n, k in t.itertuples(index=False):
        rows += [(s, 1)] * k + [(s, 0)] * (n - k)
    return pd.DataFrame(rows, columns=["sample", "bad"])


def test_p_chart_montgomery_example_7_1() -> None:
    r = trend(_montgomery_rows(), period="sample", metric="share", value="bad")
    assert r.chart == "p"
    assert round(r.centre, 4) == 0.2313
    assert round(float(r.table["ucl"].iloc[0]), 4) == 0.4102
    assert round(float(r.table["lcl"].iloc[0]), 4) == 0.0524
    assert r.table.loc[r.table["flag"], "period"].tolist() == [15, 23]
    assert set(r.table.loc[r.table["flag"], "side"]) == {"above"}
    # same through a callable metric
    rc = trend(_montgomery_rows(), period="sample", metric=lambda d: d["bad"], chart="p")
    pd.testing.assert_frame_equal(r.table, rc.table)


def test_xbar_chart_differential() -> None:
    rng = np.random.default_rng(7)
    n_per = rng.integers(20, 60, 8)
    df = pd.DataFrame(
        {
            "period": np.repeat([f"2026W{i:02d}" for i in range(8)], n_per),
            "gap": rng.normal(-0.5, 1.2, n_per.sum()),
        }
    )
    df.loc[df["period"] == "2026W05", "gap"] -= 1.5
    r = trend(df, period="period", metric="mean", value="gap")
    g = df.groupby("period")["gap"]
    n, m, v = g.size(), g.mean(), g.var(ddof=1)
    centre = (n * m).sum() / n.sum()
    sp = np.sqrt(((n - 1) * v).sum() / (n - 1).sum())
    assert r.centre == pytest.approx(centre)
    assert r.sigma_within == pytest.approx(sp)
    assert r.table["ucl"].to_numpy() == pytest.approx((centre + 3 * sp / np.sqrt(n)).to_numpy())
    assert r.table["value"].to_numpy() == pytest.approx(m.to_numpy())
    assert "2026W05" in r.table.loc[r.table["flag"], "period"].tolist()


def test_nps_chart_differential() -> None:
    rng = np.random.default_rng(8)
    df = pd.DataFrame(
        {"q": np.repeat(["Q1", "Q2", "Q3"], [200, 150, 250]), "nps": rng.integers(0, 11, 600)}
    )
    r = trend(df, period="q", metric="nps", value="nps")
    p = (df["nps"] >= 9).mean()
    d = (df["nps"] <= 6).mean()
    n = df.groupby("q").size().to_numpy()
    half = 3 * 100 * np.sqrt((p + d - (p - d) ** 2) / n)
    assert r.centre == pytest.approx(100 * (p - d))
    assert r.table["lcl"].to_numpy() == pytest.approx(100 * (p - d) - half)
    by_q = df.groupby("q")["nps"].apply(lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean()))
    assert r.table["value"].to_numpy() == pytest.approx(by_q.to_numpy())


def test_top_box_and_errors() -> None:
    df = pd.DataFrame({"m": ["a", "a", "b", "b"], "c": [5, 3, 4, 4]})
    r = trend(df, period="m", metric="top_box", value="c")
    assert r.table["value"].tolist() == [0.5, 1.0]
    with pytest.raises(SpecError):
        trend(df, period="m", metric="median", value="c")
    with pytest.raises(SpecError):
        trend(df, period="m", metric=lambda d: d["c"])
    with pytest.raises(InputError):
        trend(df, period="month", metric="mean", value="c")
    with pytest.raises(InputError) as ei:
        trend(df, period="m", metric=lambda d: d["c"], chart="p")
    assert len(ei.value.problems) == 4


def test_trend_from_histogram_montgomery_example_7_1() -> None:
    """The p-chart from a (sample, 0/1) histogram an engine would return: Example 7.1."""
    from servgap.core.suffstats import ValueHistogram
    from servgap.core.trend import trend_from_histogram

    t = pd.read_csv(DATA)
    n, k = t.iloc[:, 1].to_numpy(), t.iloc[:, 2].to_numpy()
    hist = ValueHistogram(groups=tuple(t.iloc[:, 0]), values=np.array([0.0, 1.0]),
                          counts=np.column_stack([n - k, k]).astype(np.int64))  # fmt: skip
    r = trend_from_histogram(hist, metric="share")
    assert round(r.centre, 4) == 0.2313
    assert round(float(r.table["ucl"].iloc[0]), 4) == 0.4102
    assert round(float(r.table["lcl"].iloc[0]), 4) == 0.0524
    assert r.table.loc[r.table["flag"], "period"].tolist() == [15, 23]
    rows = trend(_montgomery_rows(), period="sample", metric="share", value="bad")
    pd.testing.assert_frame_equal(r.table, rows.table, check_dtype=False)
    # positive_share: values above 0 count (a respondent's items below the zone: 0, 1, 2 …)
    graded = ValueHistogram(groups=hist.groups, values=np.array([0.0, 1.0, 3.0]),
                            counts=np.column_stack([n - k, k - k // 2, k // 2]).astype(np.int64))  # fmt: skip
    pd.testing.assert_frame_equal(
        trend_from_histogram(graded, metric="share", positive_share=True).table, r.table
    )


def test_trend_from_histogram_equals_rows_for_means_and_nps() -> None:
    from servgap.core.suffstats import value_histogram
    from servgap.core.trend import trend_from_histogram

    rng = np.random.default_rng(9)
    df = pd.DataFrame({"q": rng.choice(["Q1", "Q2", "Q3"], 500), "nps": rng.integers(0, 11, 500),
                       "gap": rng.integers(-8, 9, 500) / 4})  # fmt: skip
    codes, labels = pd.factorize(df["q"], sort=True)
    for metric, col in (("nps", "nps"), ("mean", "gap")):
        h = value_histogram(df[col].to_numpy(dtype=float), codes, list(labels))
        assert h is not None
        got = trend_from_histogram(h, metric=metric)
        want = trend(df, period="q", metric=metric, value=col)
        pd.testing.assert_frame_equal(got.table, want.table, check_dtype=False, rtol=1e-12)
    with pytest.raises(SpecError):
        trend_from_histogram(h, metric="top_box")
