"""The sufficient-statistics engine: merging chunks equals one pass, and every public
function computed from sufficient statistics equals the direct computation (1e-10).

The direct computations are the row-by-row paths kept in the modules for data that do not
suit the fast ones (sorted rows for ANOVA, masked passes for SERVQUAL) or, for NPS, CSAT and
drivers, the plain formulas written out here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.anova import AnovaResult, _anova, _grid_prepare, anova
from servgap.core.drivers import (
    importance_performance,
    relative_importance,
    relative_importance_from_corr,
)
from servgap.core.satisfaction import csat, nps
from servgap.core.servqual import (
    _dimension_scores_fast,
    _dimension_scores_masked,
    finish_servqual,
    respondent_scores,
)
from servgap.core.servqual_stats import (
    ServqualStats,
    _parse_items,
    _servqual_pass,
    item_columns,
    servqual_stats,
)
from servgap.core.suffstats import (
    CrossProducts,
    column_cross_products,
    cross_products,
    grid_histogram,
    moments,
    value_histogram,
)
from servgap.core.trend import trend

DATA = Path(__file__).resolve().parents[1] / "data"
RT, AT = 1e-10, 1e-10


# ---------------------------------------------------------------------------- helpers
def _close(a: Any, b: Any, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=RT, atol=AT, obj=where)
    elif isinstance(a, float | np.floating):
        assert np.isclose(a, b, equal_nan=True, rtol=RT, atol=AT), (where, a, b)
    else:
        assert a == b, (where, a, b)


def _same_anova(a: AnovaResult, b: AnovaResult) -> None:
    for f in dataclasses.fields(a):
        _close(getattr(a, f.name), getattr(b, f.name), f.name)


def _both_anova(data: pd.DataFrame, value: str, group: str) -> None:
    fast = _anova(data, value, group, alpha=0.05, posthoc="auto", use_histogram=True)
    slow = _anova(data, value, group, alpha=0.05, posthoc="auto", use_histogram=False)
    _same_anova(fast, slow)


def _same_stats(a: ServqualStats, b: ServqualStats) -> None:
    for part in ("item_stats", "dim_stats", "overall_stats"):
        for k, arr in getattr(a, part).items():
            np.testing.assert_allclose(
                arr, getattr(b, part)[k], rtol=RT, atol=AT, err_msg=f"{part}.{k}"
            )
    pd.testing.assert_frame_equal(a.groups, b.groups)
    assert a.n_weights_excluded == b.n_weights_excluded


# ---------------------------------------------------------------------------- merging
@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=4, max_size=80),
    st.integers(0, 2**31),
    st.integers(1, 5),
)
def test_merged_chunk_histograms_equal_one_pass(values: list[int], seed: int, parts: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.asarray(values, dtype=np.float64) / 2.0
    labels = ["a", "b", "c"]
    codes = rng.integers(0, 3, x.size)
    whole = value_histogram(x, codes, labels)
    assert whole is not None
    cuts = np.sort(rng.integers(0, x.size + 1, parts - 1))
    merged = None
    for idx in np.split(np.arange(x.size), cuts):
        # each chunk knows only the groups it saw, in its own order
        present = sorted(set(codes[idx].tolist()), reverse=True)
        remap = {c: i for i, c in enumerate(present)}
        h = value_histogram(
            x[idx], np.array([remap[c] for c in codes[idx]], dtype=np.int64),
            [labels[c] for c in present],
        )  # fmt: skip
        assert h is not None
        merged = h if merged is None else merged + h
    assert merged is not None
    order = [merged.groups.index(g) for g in whole.groups if g in merged.groups]
    np.testing.assert_array_equal(merged.values, whole.values)
    np.testing.assert_array_equal(
        merged.counts[order], whole.counts[[g in merged.groups for g in whole.groups]]
    )
    m = moments(x, codes, labels)
    half = x.size // 2
    m2 = moments(x[:half], codes[:half], labels) + moments(x[half:], codes[half:], labels)
    np.testing.assert_allclose(m2.n, m.n)
    np.testing.assert_allclose(m2.total, m.total, rtol=RT, atol=AT)
    np.testing.assert_allclose(m2.sumsq, m.sumsq, rtol=RT, atol=AT)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(3, 200), st.integers(1, 6))
def test_merged_cross_products_equal_one_pass(seed: int, n: int, parts: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(5.0, 2.0, (n, 3)) + rng.integers(1, 9, (n, 3))
    names = ["y", "a", "b"]
    whole = cross_products(x, names)
    cuts = np.sort(rng.integers(0, n + 1, parts - 1))
    merged: CrossProducts | None = None
    for chunk in np.split(x, cuts):
        cp = cross_products(chunk, names)
        merged = cp if merged is None else merged + cp
    assert merged is not None and merged.n == n
    np.testing.assert_allclose(merged.covariance(), whole.covariance(), rtol=RT, atol=AT)
    np.testing.assert_allclose(whole.correlation(), np.corrcoef(x, rowvar=False), rtol=RT, atol=AT)


def _servqual_frame(seed: int, n: int) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    items: dict[str, dict[str, str]] = {}
    for j in range(7):
        a = rng.integers(1, 8, n).astype(np.float64)
        d = np.minimum(a + rng.integers(-2, 3, n), 9).astype(np.float64)
        p = rng.integers(1, 10, n).astype(np.float64) + (rng.random(n) < 0.2) * 0.5
        for arr in (a, d, p):
            arr[rng.random(n) < 0.1] = np.nan
        dim = ["speed", "care", "trust"][j % 3]
        name = f"q{j}"
        if j == 4:  # two-column
            cols[f"{name}_e"], cols[f"{name}_p"] = d, p
            items[name] = {"dimension": dim, "perceived": f"{name}_p", "expected": f"{name}_e"}
            continue
        cols[f"{name}_a"], cols[f"{name}_d"], cols[f"{name}_p"] = a, d, p
        items[name] = {"dimension": dim, "perceived": f"{name}_p", "adequate": f"{name}_a",
                       "desired": f"{name}_d"}  # fmt: skip
        if j == 5:  # a wait in minutes: lower is better, reported on its own
            items[name].update(direction="lower_better", unit="minutes")
        if j == 6:
            items[name]["direction"] = "lower_better"
    w = np.floor(rng.dirichlet(np.ones(3), n) * 100)
    w[:, 2] = 100 - w[:, :2].sum(axis=1)
    w[rng.random(n) < 0.1] = np.nan
    for i, dim in enumerate(("speed", "care", "trust")):
        cols[f"w_{dim}"] = w[:, i]
    cols["seg"] = rng.choice(["x", "y", "z"], n)
    return pd.DataFrame(cols), items


WEIGHTS = {d: f"w_{d}" for d in ("speed", "care", "trust")}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 120), st.integers(1, 4))
def test_merged_servqual_chunks_equal_one_pass(seed: int, n: int, parts: int) -> None:
    data, items = _servqual_frame(seed, n)
    whole = servqual_stats(data, items, weights=WEIGHTS, by="seg")
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, n + 1, parts - 1))
    merged: ServqualStats | None = None
    for idx in np.split(np.arange(n), cuts):
        if idx.size == 0:
            continue
        s = servqual_stats(data.iloc[idx], items, weights=WEIGHTS, by="seg")
        merged = s if merged is None else merged.merge(s)
    assert merged is not None
    _same_stats(merged, whole)


# ---------------------------------------------------------------------------- SERVQUAL
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 150), st.sampled_from([None, "seg"]))
def test_servqual_fast_pass_equals_masked_pass(seed: int, n: int, by: str | None) -> None:
    data, items = _servqual_frame(seed, n)
    spec = _parse_items(items)
    cols = item_columns(data, spec)
    fast = _servqual_pass(data, spec, cols, WEIGHTS, by, fast=True)
    slow = _servqual_pass(data, spec, cols, WEIGHTS, by, fast=False)
    _same_stats(fast, slow)
    a, b = finish_servqual(fast), finish_servqual(slow)
    for table in ("items", "dimensions", "overall", "separate_items"):
        _close(getattr(a, table), getattr(b, table), table)
    assert a.warnings == b.warnings


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 150))
def test_respondent_scores_fast_equals_masked(seed: int, n: int) -> None:
    data, items = _servqual_frame(seed, n)
    spec = _parse_items(items)
    cols = item_columns(data, spec)
    for dim in ("speed", "care", "trust"):
        members = [it for it in spec if it.dimension == dim and it.rating]
        fast = np.empty(n)
        assert _dimension_scores_fast(members, cols, 0, n, fast)
        np.testing.assert_allclose(
            fast, _dimension_scores_masked(members, cols, n), rtol=RT, atol=AT
        )
    scores = respondent_scores(data, items)
    direct = scores[["speed", "care", "trust"]].mean(axis=1, skipna=False)
    np.testing.assert_allclose(scores["servqual"], direct, rtol=RT, atol=AT)


def test_infinite_answers_take_the_masked_path() -> None:
    data, items = _servqual_frame(3, 40)
    data.loc[2, ["q0_p", "q0_a", "q0_d"]] = [np.inf, 1.0, 2.0]  # a usable, infinite answer
    data.loc[5, "q1_a"] = -np.inf
    spec = _parse_items(items)
    cols = item_columns(data, spec)
    slow = _servqual_pass(data, spec, cols, WEIGHTS, None, fast=False)
    got = servqual_stats(data, items, weights=WEIGHTS)
    for k, arr in slow.item_stats.items():
        np.testing.assert_array_equal(got.item_stats[k], arr, err_msg=k)
    members = [it for it in spec if it.dimension == "speed" and it.rating]
    assert not _dimension_scores_fast(members, cols, 0, 40, np.empty(40))
    np.testing.assert_array_equal(
        respondent_scores(data, items)["speed"], _dimension_scores_masked(members, cols, 40)
    )


# ---------------------------------------------------------------------------- ANOVA
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(1, 9).map(float), st.floats(-5, 5), st.just(np.nan)),
            st.sampled_from(["b", "a", "c", "d", None]),
        ),
        min_size=8,
        max_size=90,
    )
)
def test_anova_histogram_equals_sorted_rows(rows: list[tuple[float, str | None]]) -> None:
    data = pd.DataFrame(rows, columns=["score", "site"])
    try:
        slow = _anova(data, "score", "site", alpha=0.05, posthoc="auto", use_histogram=False)
    except Exception as exc:  # the same refusal on both paths
        with pytest.raises(type(exc)):
            _anova(data, "score", "site", alpha=0.05, posthoc="auto", use_histogram=True)
        return
    fast = _anova(data, "score", "site", alpha=0.05, posthoc="auto", use_histogram=True)
    _same_anova(fast, slow)
    data["site"] = pd.Categorical(data["site"], categories=["d", "c", "b", "a"], ordered=True)
    _both_anova(data, "score", "site")


@pytest.mark.parametrize(
    ("name", "value", "group"),
    [
        ("h1b_plantgrowth.csv", "weight", "group"),
        ("h1b_penguins.csv", "body_mass_g", "species"),
        ("h1b_airquality.csv", "Ozone", "Month"),
        ("h1b_pain_threshold.csv", "Pain threshold", "Hair color"),
    ],
)
def test_anova_histogram_equals_sorted_rows_on_published_data(
    name: str, value: str, group: str
) -> None:
    _both_anova(pd.read_csv(DATA / name), value, group)


def test_anova_without_cell_limit_equals_fallback() -> None:
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"x": rng.normal(size=3000), "g": rng.choice(list("pqrs"), 3000)})
    data.loc[::7, "x"] = np.nan
    _both_anova(data, "x", "g")
    assert anova(data, "x", "g").k == 4


# ---------------------------------------------------------------------------- NPS, CSAT, trend
@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 10).map(float), st.just(np.nan)), min_size=1))
def test_nps_and_csat_equal_direct_formulas(values: list[float]) -> None:
    x = np.asarray(values, dtype=np.float64)
    v = x[~np.isnan(x)]
    if v.size == 0:
        return
    r = nps(x)
    assert (r.promoters, r.detractors) == (int((v >= 9).sum()), int((v <= 6).sum()))
    assert r.nps == pytest.approx(100 * ((v >= 9).mean() - (v <= 6).mean()), abs=1e-10)
    c = csat(np.clip(x, 1, 5), scale=(1, 5))
    w = np.clip(v, 1, 5)
    assert c.top_box_count == int((w >= 4).sum())
    assert c.mean == pytest.approx(float(w.mean()), rel=1e-10, abs=1e-10)
    if w.size > 1:
        assert c.sd == pytest.approx(float(w.std(ddof=1)), rel=1e-10, abs=1e-10)


def test_trend_nps_counts_from_moments() -> None:
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"q": rng.choice(["Q1", "Q2", "Q3"], 500), "s": rng.integers(0, 11, 500)})
    got = trend(data, period="q", metric="nps", value="s").table
    for _, row in got.iterrows():
        s = data.loc[data["q"] == row["period"], "s"]
        assert row["value"] == pytest.approx(100 * ((s >= 9).mean() - (s <= 6).mean()), abs=1e-10)


# ---------------------------------------------------------------------------- drivers
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.integers(12, 300))
def test_drivers_from_cross_products_equal_corrcoef(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 10, (n, 4)).astype(np.float64)
    y = x @ np.array([0.5, 0.2, 0.1, 0.0]) + rng.normal(0, 1, n)
    data = pd.DataFrame(x, columns=["a", "b", "c", "d"]).assign(y=y)
    data.loc[rng.random(n) < 0.1, "b"] = np.nan
    complete = data.dropna()
    if (complete.std() <= 0).any() or len(complete) < 6:
        return
    corr = np.corrcoef(complete[["y", "a", "b", "c", "d"]].to_numpy(), rowvar=False)
    for method in ("lmg", "relative_weights"):
        got = relative_importance(data, "y", ["a", "b", "c", "d"], method=method)
        ref = relative_importance_from_corr(
            corr,
            "y",
            ["a", "b", "c", "d"],
            method=method,
            names=["y", "a", "b", "c", "d"],
        )
        np.testing.assert_allclose(
            got.table["importance"], ref.table["importance"], rtol=RT, atol=AT
        )
        assert got.r2 == pytest.approx(ref.r2, rel=1e-10, abs=1e-10)
    ipa = importance_performance(
        {"a": 3.0, "b": 4.0, "c": 5.0, "d": 2.0}, data=data, target="y", method="correlation"
    )
    ref_imp = complete[["a", "b", "c", "d"]].corrwith(complete["y"])
    np.testing.assert_allclose(ipa.table["importance"], ref_imp.to_numpy(), rtol=RT, atol=AT)


# ---------------------------------------------------------------------------- Kano
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 200))
def test_kano_from_integer_codes_equals_other_encodings(seed: int, n: int) -> None:
    from servgap.core.kano import kano

    rng = np.random.default_rng(seed)
    f = rng.integers(1, 6, n).astype(np.int8)
    d = rng.integers(1, 6, n).astype(np.int8)
    seg = rng.choice(["x", "y"], n)
    as_int = pd.DataFrame({"f": f, "d": d, "seg": seg})
    as_float = as_int.astype({"f": np.float64, "d": np.float64})  # the masked float path
    as_text = as_int.astype({"f": str, "d": str})  # the label path
    for by in (None, "seg"):
        got = kano(as_int, {"feat": ("f", "d")}, by=by).features
        for other in (as_float, as_text):
            pd.testing.assert_frame_equal(got, kano(other, {"feat": ("f", "d")}, by=by).features)


# ---------------------------------------------------------------------------- grid histograms
def _means_of_items(rng: np.random.Generator, n: int, k: int) -> npt.NDArray[np.float64]:
    """Respondent means of k whole-number gaps (−3..3), some answers missing."""
    answers = rng.integers(-3, 4, (n, k)).astype(np.float64)
    answers[rng.random((n, k)) < 0.1] = np.nan
    with np.errstate(invalid="ignore"):
        return np.asarray(np.nansum(answers, axis=1) / (~np.isnan(answers)).sum(axis=1))


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 7, 9, 10])
def test_grid_histogram_equals_value_histogram(k: int) -> None:
    """Means of up to 10 whole numbers: the grid histogram is value_histogram's, bit for bit."""
    rng = np.random.default_rng(k)
    x = _means_of_items(rng, 5000, k)
    codes = rng.integers(-1, 4, x.size)  # -1: an empty group cell
    got = grid_histogram(x, codes, ["a", "b", "c", "d"])
    assert got is not None
    hist, left_out = got
    keep = ~np.isnan(x) & (codes >= 0)
    want = value_histogram(x[keep], codes[keep], ["a", "b", "c", "d"])
    assert want is not None
    assert left_out == int((~keep).sum())
    np.testing.assert_array_equal(hist.values, want.values)
    np.testing.assert_array_equal(hist.counts, want.counts)


def test_grid_histogram_refuses_values_off_the_grid() -> None:
    """A value one ulp away from a grid point, a third that is not a mean, an infinity, or
    an unbounded spread: no grid histogram (value_histogram then keeps every value apart)."""
    base = np.array([1.0, 2.0, 1 / 3, 0.5] * 50)
    off = base.copy()
    off[-1] = np.nextafter(0.5, 1.0)
    assert grid_histogram(off, None, ["all"]) is None
    assert grid_histogram(np.array([0.1, 0.2, 0.3000000000000001]), None, ["all"]) is None
    assert grid_histogram(np.append(base, np.inf), None, ["all"]) is None
    assert grid_histogram(np.array([0.0, 1e9]), None, ["all"]) is None
    assert grid_histogram(np.full(3, np.nan), None, ["all"]) is None
    assert grid_histogram(base, None, ["all"]) is not None


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 10),
    st.integers(0, 2**31),
    st.sampled_from(["object", "categorical", "unsorted categorical", "int"]),
)
def test_anova_grid_path_equals_sorted_rows(k: int, seed: int, kind: str) -> None:
    """anova() on dimension-style scores (the grid path) equals the sorted-rows path."""
    rng = np.random.default_rng(seed)
    n = 400
    x = _means_of_items(rng, n, k)
    site = rng.choice(np.array(["b", "a", "c", "d"], dtype=object), n)
    site[rng.random(n) < 0.05] = None
    data = pd.DataFrame({"score": x, "site": site})
    if kind == "categorical":
        data["site"] = pd.Categorical(data["site"], categories=["a", "b", "c", "d", "e"])
    elif kind == "unsorted categorical":
        data["site"] = pd.Categorical(data["site"], categories=["d", "b", "a", "c"])
    elif kind == "int":
        data["score"] = rng.integers(0, 11, n)
    assert _grid_prepare(data, "score", "site") is not None  # the path under test
    slow = _anova(data, "score", "site", alpha=0.05, posthoc="auto", use_histogram=False)
    _same_anova(anova(data, "score", "site"), slow)


@pytest.mark.parametrize(
    ("name", "value", "group"),
    [
        ("h1b_plantgrowth.csv", "weight", "group"),
        ("h1b_airquality.csv", "Ozone", "Month"),
        ("h1b_pain_threshold.csv", "Pain threshold", "Hair color"),
    ],
)
def test_public_anova_equals_sorted_rows_on_published_data(
    name: str, value: str, group: str
) -> None:
    data = pd.read_csv(DATA / name)
    slow = _anova(data, value, group, alpha=0.05, posthoc="auto", use_histogram=False)
    _same_anova(anova(data, value, group), slow)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from(["int8", "int64", "float64"]))
def test_nps_csat_quick_histograms_equal_the_checked_path(seed: int, dtype: str) -> None:
    """NPS/CSAT from plain number columns (bincount or grid) equal the row-checked path."""
    rng = np.random.default_rng(seed)
    ltr = pd.Series(rng.integers(0, 11, 300).astype(dtype))
    sat = pd.Series(rng.integers(1, 6, 300).astype(dtype))
    if dtype == "float64":
        ltr[rng.random(300) < 0.1] = np.nan
        sat[rng.random(300) < 0.1] = np.nan
    for got, want in (
        (nps(ltr), nps(ltr.astype(object))),
        (csat(sat), csat(sat.astype(object))),
    ):
        for f in dataclasses.fields(got):
            _close(getattr(got, f.name), getattr(want, f.name), f.name)


def test_nps_quick_path_still_lists_bad_rows() -> None:
    from servgap.core.errors import InputError

    for bad in (pd.Series([3, 11, 9], dtype=np.int8), pd.Series([3.0, 9.5, np.nan])):
        with pytest.raises(InputError) as ei:
            nps(bad)
        assert [p.row for p in ei.value.problems] == [2]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_column_cross_products_equal_complete_rows(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 2000
    cols = [rng.normal(size=n) + i for i in range(3)] + [rng.integers(1, 6, n).astype(np.int8)]
    cols[0][rng.random(n) < 0.05] = np.nan
    cols[2][rng.random(n) < 0.05] = np.nan
    if seed == 2:  # the first rows incomplete: the shift comes from later rows
        cols[1][:1500] = np.nan
    got, dropped = column_cross_products(cols, ["a", "b", "c", "d"])
    x = np.column_stack([c.astype(np.float64) for c in cols])
    keep = ~np.isnan(x).any(axis=1)
    assert dropped == int((~keep).sum())
    want = np.cov(x[keep], rowvar=False)
    np.testing.assert_allclose(got.covariance(), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got.correlation(), np.corrcoef(x[keep], rowvar=False), rtol=1e-12)


def test_quick_weight_check_equals_row_by_row() -> None:
    """Valid importance points: the few-pass check gives the shares the row check gives."""
    from servgap.core.servqual_stats import _weights_matrix

    rng = np.random.default_rng(3)
    w = np.floor(rng.dirichlet(np.ones(3), 500) * 100)
    w[:, 2] = 100 - w[:, :2].sum(axis=1)
    data = pd.DataFrame(w, columns=["w1", "w2", "w3"])
    shares, rows = _weights_matrix(data, {"x": "w1", "y": "w2", "z": "w3"}, ["x", "y", "z"])
    assert rows.all()
    np.testing.assert_array_equal(shares, w.T / 100.0)
    data.loc[7, ["w1", "w2", "w3"]] = np.nan  # one row without weights: the row-by-row path
    shares2, rows2 = _weights_matrix(data, {"x": "w1", "y": "w2", "z": "w3"}, ["x", "y", "z"])
    assert not rows2[7] and rows2.sum() == 499
    np.testing.assert_array_equal(np.delete(shares2, 7, axis=1), np.delete(shares, 7, axis=1))
