"""Tests for servgap.core.csi and csi_models against R plspm on the ECSI data.

Data: ``plspm::satisfaction`` — the ECSI mobile-phone survey of Tenenhaus et al.
(2005), 250 respondents, used throughout Sanchez (2013) *PLS Path Modeling with R*.
Expected values: R plspm output for ``plspm(satisfaction, sat_path, sat_blocks,
modes = rep("A", 6), scaled = FALSE)`` with the centroid (plspm default), path and
factorial schemes (tol = 1e-6, maxiter = 100: plspm defaults), as stored in the
regression fixtures of GoogleCloudPlatform/plspm-python (tests/data/satisfaction.*);
GoF = 0.609741624338411. See tests/data/h1b_SOURCES.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.csi import csi_model
from servgap.core.csi_models import ACSI, CCSI, ECSI, MODELS
from servgap.core.errors import ComputationError, InputError, InsufficientDataError, SpecError

DATA = Path(__file__).resolve().parents[1] / "data"
BLOCKS = {
    "IMAG": [f"imag{i}" for i in range(1, 6)],
    "EXPE": [f"expe{i}" for i in range(1, 6)],
    "QUAL": [f"qual{i}" for i in range(1, 6)],
    "VAL": [f"val{i}" for i in range(1, 5)],
    "SAT": [f"sat{i}" for i in range(1, 5)],
    "LOY": [f"loy{i}" for i in range(1, 5)],
}
PATHS = [
    ("IMAG", "EXPE"),
    ("IMAG", "SAT"),
    ("IMAG", "LOY"),
    ("EXPE", "QUAL"),
    ("EXPE", "VAL"),
    ("EXPE", "SAT"),
    ("QUAL", "VAL"),
    ("QUAL", "SAT"),
    ("VAL", "SAT"),
    ("SAT", "LOY"),
]
PLSPM = {"tol": 1e-6, "max_iter": 100, "scaled": False}


@pytest.fixture(scope="module")
def sat() -> pd.DataFrame:
    return pd.read_csv(DATA / "h1b_satisfaction.csv", index_col=0)


def _expected_outer(scheme: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"h1b_satisfaction_plspm_outer_{scheme}.csv").set_index("name")


@pytest.mark.parametrize("scheme", ["centroid", "path", "factorial"])
def test_outer_model_matches_plspm(sat: pd.DataFrame, scheme: str) -> None:
    """Outer weights, loadings, communalities, redundancies = R plspm $outer_model."""
    r = csi_model(sat, BLOCKS, PATHS, scheme=scheme, **PLSPM)  # type: ignore[arg-type]
    exp = _expected_outer(scheme)
    lo = r.loadings.set_index("indicator").loc[exp.index]
    wt = r.weights.set_index("indicator").loc[exp.index]
    np.testing.assert_allclose(wt["weight"], exp["weight"], atol=1e-10)
    np.testing.assert_allclose(lo["loading"], exp["loading"], atol=1e-10)
    np.testing.assert_allclose(lo["communality"], exp["communality"], atol=1e-10)
    np.testing.assert_allclose(lo["redundancy"], exp["redundancy"], atol=1e-10)


def test_inner_model_r2_ave_gof_match_plspm(sat: pd.DataFrame) -> None:
    """R plspm $inner_summary (R², AVE), $gof = 0.609741624338411 and the SAT equation."""
    r = csi_model(sat, BLOCKS, PATHS, scheme="centroid", **PLSPM)  # type: ignore[arg-type]
    summ = pd.read_csv(DATA / "h1b_satisfaction_plspm_inner_summary.csv", index_col=0)
    for lv in ["EXPE", "QUAL", "VAL", "SAT", "LOY"]:
        assert r.r2[lv] == pytest.approx(summ.loc[lv, "r_squared"], abs=1e-10)
    ave = r.reliability.set_index("construct")["ave"]
    np.testing.assert_allclose(ave.loc[summ.index], summ["ave"], atol=1e-10)
    assert r.gof == pytest.approx(0.609741624338411, abs=1e-12)
    sat_eq = pd.read_csv(DATA / "h1b_satisfaction_plspm_inner_sat.csv", index_col=0)
    p = r.paths[r.paths.to == "SAT"].set_index("from")["coef"]
    np.testing.assert_allclose(p.loc[sat_eq.index], sat_eq["Estimate"], atol=1e-10)
    assert "IMAG" not in r.r2  # exogenous


def test_unidimensionality_matches_plspm(sat: pd.DataFrame) -> None:
    """plspm $unidim: C.alpha (standardized), DG.rho, eig.1st, eig.2nd."""
    r = csi_model(sat, BLOCKS, PATHS, scheme="centroid", **PLSPM)  # type: ignore[arg-type]
    exp = pd.read_csv(DATA / "h1b_satisfaction_plspm_unidim.csv", index_col=0)
    rel = r.reliability.set_index("construct").loc[exp.index]
    np.testing.assert_allclose(rel["cronbach_alpha_std"], exp["cronbach_alpha"], atol=1e-10)
    np.testing.assert_allclose(rel["dillon_goldstein_rho"], exp["dillon_goldstein_rho"], atol=1e-10)
    np.testing.assert_allclose(rel["eig_1st"], exp["eig_1st"], atol=1e-10)
    np.testing.assert_allclose(rel["eig_2nd"], exp["eig_2nd"], atol=1e-10)
    assert (rel["n_indicators"] == exp["mvs"]).all()


def test_raw_alpha_is_the_covariance_formula(sat: pd.DataFrame) -> None:
    """Raw alpha (Cronbach 1951) = k/(k−1)(1 − Σ var_i / var(Σ x)) with pandas variances (peer),
    and differs from the standardized alpha when item variances differ."""
    r = csi_model(sat, BLOCKS, PATHS, **PLSPM)  # type: ignore[arg-type]
    rel = r.reliability.set_index("construct")
    for lv, items in BLOCKS.items():
        x = sat[items]
        k = len(items)
        exp = k / (k - 1) * (1 - x.var().sum() / x.sum(axis=1).var())
        assert rel.loc[lv, "cronbach_alpha_raw"] == pytest.approx(exp, abs=1e-12)
    assert rel.loc["IMAG", "cronbach_alpha_raw"] != pytest.approx(
        rel.loc["IMAG", "cronbach_alpha_std"], abs=1e-4
    )


def test_scaled_default_path_scheme_runs_and_is_sane(sat: pd.DataFrame) -> None:
    r = csi_model(sat, BLOCKS, PATHS)
    assert r.scheme == "path" and r.scaled
    # standardised data: weights on raw units = weight / population sd
    w = r.weights.set_index("indicator")
    np.testing.assert_allclose(w["weight_raw"], w["weight"] / sat[w.index].std(ddof=0))
    assert np.allclose(r.scores.std(ddof=0), 1.0)
    assert 0 < r.gof < 1 if r.gof is not None else False
    json.dumps(r.to_dict())


def test_index_definition_and_bounds(sat: pd.DataFrame) -> None:
    """ACSI index (Fornell et al. 1996) with 0–10 scale ends; single-indicator block
    index = 100 (mean − min)/(max − min)."""
    blocks = {**BLOCKS, "LOY": ["loy1"]}
    r = csi_model(sat, blocks, PATHS, scale_ranges=(0, 10))
    assert r.index is not None
    idx = r.index.set_index("construct")["index"]
    assert idx.loc["LOY"] == pytest.approx(100 * sat["loy1"].mean() / 10, abs=1e-10)
    w = r.weights.set_index("indicator")
    items = BLOCKS["SAT"]
    exp = 100 * float((w.loc[items, "weight_rescaled"] * sat[items].mean()).sum()) / 10
    assert idx.loc["SAT"] == pytest.approx(exp, abs=1e-10)
    assert ((idx > 0) & (idx < 100)).all()
    assert w.groupby("construct")["weight_rescaled"].sum().to_numpy() == pytest.approx(1.0)


def test_index_needs_scale_and_checks_range(sat: pd.DataFrame) -> None:
    r = csi_model(sat, BLOCKS, PATHS)
    assert r.index is None and any("scale_ranges" in n for n in r.notes)
    with pytest.raises(InputError, match="outside"):
        csi_model(sat, BLOCKS, PATHS, scale_ranges=(1, 10))  # data contain 0
    with pytest.raises(SpecError):
        csi_model(sat, BLOCKS, PATHS, scale_ranges={"imag1": (0, 10)})


def test_bootstrap_reproducible(sat: pd.DataFrame) -> None:
    a = csi_model(sat, BLOCKS, PATHS, bootstrap=60, seed=7)
    b = csi_model(sat, BLOCKS, PATHS, bootstrap=60, seed=7)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    assert list(a.paths.columns) == ["from", "to", "coef", "se", "ci_low", "ci_high", "t"]
    assert (a.paths["se"] > 0).all()
    assert (a.paths["ci_low"] <= a.paths["ci_high"]).all()
    strong = a.paths.set_index(["from", "to"]).loc[("VAL", "SAT")]
    assert strong["ci_low"] < strong["coef"] < strong["ci_high"]


def test_missing_rows_dropped(sat: pd.DataFrame) -> None:
    d = sat.copy()
    d.loc[d.index[:5], "imag1"] = np.nan
    r = csi_model(d, BLOCKS, PATHS)
    assert (r.n, r.n_dropped) == (245, 5)


# --- errors ----------------------------------------------------------------


def test_spec_errors(sat: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="cycle"):
        csi_model(sat, BLOCKS, [*PATHS, ("LOY", "IMAG")])
    with pytest.raises(SpecError, match="no block"):
        csi_model(sat, BLOCKS, [*PATHS, ("IMAG", "CPL")])
    with pytest.raises(SpecError, match="both"):
        csi_model(sat, {**BLOCKS, "LOY": ["loy1", "sat1"]}, PATHS)
    with pytest.raises(SpecError, match="no path"):
        csi_model(sat, {**BLOCKS, "X": ["gender"]}, PATHS)
    with pytest.raises(SpecError):
        csi_model(sat, BLOCKS, PATHS, scheme="mode_b")  # type: ignore[arg-type]


def test_data_errors(sat: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="not found"):
        csi_model(sat, {**BLOCKS, "LOY": ["loy9"]}, PATHS)
    d = sat.assign(sat1=5)
    with pytest.raises(InputError, match="same answer"):
        csi_model(d, BLOCKS, PATHS)
    d = sat.astype({"sat2": object})
    d.iloc[3, d.columns.get_loc("sat2")] = "good"
    with pytest.raises(InputError) as e:
        csi_model(d, BLOCKS, PATHS)
    assert e.value.problems[0].row == 4
    with pytest.raises(InsufficientDataError):
        csi_model(sat.head(8), BLOCKS, PATHS)


def test_non_convergence_is_an_error(sat: pd.DataFrame) -> None:
    with pytest.raises(ComputationError, match="converge"):
        csi_model(sat, BLOCKS, PATHS, max_iter=1, tol=1e-15)


# --- ready-made models -------------------------------------------------------


def test_model_specs_are_consistent() -> None:
    assert [len(m.constructs) for m in (ACSI, ECSI, CCSI)] == [6, 7, 6]
    for m in MODELS.values():
        for a, b in m.paths:
            assert a in m.codes and b in m.codes
        assert all(c.zh and c.en for c in m.constructs)


def test_ecsi_spec_reproduces_plspm(sat: pd.DataFrame) -> None:
    """The ECSI spec with plspm's mapping (no complaint block) gives plspm's fit."""
    mapping = {
        "image": BLOCKS["IMAG"],
        "expectation": BLOCKS["EXPE"],
        "quality": BLOCKS["QUAL"],
        "value": BLOCKS["VAL"],
        "satisfaction": BLOCKS["SAT"],
        "loyalty": BLOCKS["LOY"],
    }
    r = ECSI.fit(sat, mapping, scheme="centroid", scaled=False, tol=1e-6, max_iter=100)
    assert r.gof == pytest.approx(0.609741624338411, abs=1e-12)
    with pytest.raises(SpecError, match="unknown"):
        ECSI.blocks({"img": ["imag1"]})


# --- properties --------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_row_order_invariance(seed: int) -> None:
    """Shuffling respondents leaves paths, R², GoF and the index unchanged; index in [0, 100]."""
    sat = pd.read_csv(DATA / "h1b_satisfaction.csv", index_col=0)
    rng = np.random.default_rng(seed)
    shuffled = sat.iloc[rng.permutation(len(sat))]
    a = csi_model(sat, BLOCKS, PATHS, scale_ranges=(0, 10))
    b = csi_model(shuffled, BLOCKS, PATHS, scale_ranges=(0, 10))
    np.testing.assert_allclose(a.paths["coef"], b.paths["coef"], atol=1e-9)
    assert a.gof == pytest.approx(b.gof, abs=1e-9)
    assert a.index is not None and b.index is not None
    np.testing.assert_allclose(a.index["index"], b.index["index"], atol=1e-8)
    assert ((a.index["index"] >= 0) & (a.index["index"] <= 100)).all()


def test_scaled_equals_unscaled_on_standardised_data(sat: pd.DataFrame) -> None:
    """Metamorphic check of the ``scaled=True`` path (plspm standardises with the
    population SD): on pre-standardised indicators both treatments coincide."""
    items = [c for b in BLOCKS.values() for c in b]
    z = (sat[items] - sat[items].mean()) / sat[items].std(ddof=0)
    a = csi_model(sat, BLOCKS, PATHS, scheme="centroid", scaled=True)
    b = csi_model(z, BLOCKS, PATHS, scheme="centroid", scaled=False)
    np.testing.assert_allclose(a.paths["coef"], b.paths["coef"], atol=1e-10)
    np.testing.assert_allclose(a.weights["weight"], b.weights["weight"], atol=1e-10)
    np.testing.assert_allclose(a.loadings["loading"], b.loadings["loading"], atol=1e-10)
