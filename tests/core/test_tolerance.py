"""Tests for servgap.core.tolerance.

Published reference: UCLA OARC (IDRE) "Logit Regression | R Data Analysis
Examples", admissions data (tests/data/h5_ucla_binary.csv, n = 400), R
``glm(admit ~ gre + gpa + rank, family = "binomial")`` printed output:
coefficients −3.989979, 0.002264, 0.804038, −0.675443, −1.340204, −1.551464;
standard errors 1.139951, 0.001094, 0.331819, 0.316490, 0.345306, 0.417832;
residual deviance 458.52 on 394 df; AIC 470.52.
Peers run inside the tests: statsmodels Logit, sklearn.metrics.brier_score_loss,
sklearn.metrics.roc_auc_score, sklearn.calibration.calibration_curve.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.errors import ComputationError, InputError, InsufficientDataError
from servgap.core.tolerance import (
    DEFAULT_TOLERANCE_MODEL,
    FEATURES,
    NEUTRAL_TOLERANCE,
    ToleranceModel,
    neutral_tolerance,
    opening_tolerance,
    rank_cases,
    tolerance_features,
    tolerance_scores,
)
from servgap.core.tolerance_calibration import (
    brier_score,
    calibrate_tolerance,
    logistic_fit,
    reliability_curve,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def ucla() -> tuple[pd.DataFrame, np.ndarray]:
    d = pd.read_csv(DATA / "h5_ucla_binary.csv")
    X = pd.DataFrame(
        {
            "gre": d["gre"].astype(float),
            "gpa": d["gpa"].astype(float),
            "rank2": (d["rank"] == 2).astype(float),
            "rank3": (d["rank"] == 3).astype(float),
            "rank4": (d["rank"] == 4).astype(float),
        }
    )
    return X, d["admit"].to_numpy(float)


UCLA_COEF = {
    "const": -3.989979,
    "gre": 0.002264,
    "gpa": 0.804038,
    "rank2": -0.675443,
    "rank3": -1.340204,
    "rank4": -1.551464,
}
UCLA_SE = {
    "const": 1.139951,
    "gre": 0.001094,
    "gpa": 0.331819,
    "rank2": 0.316490,
    "rank3": 0.345306,
    "rank4": 0.417832,
}


@pytest.mark.parametrize("standardize", [False, True])
def test_logistic_fit_reproduces_ucla_printed_glm(standardize: bool) -> None:
    X, y = ucla()
    fit = logistic_fit(X, y, standardize=standardize)
    c = fit.coefficients.set_index("term")
    for term, b in UCLA_COEF.items():
        assert c.loc[term, "coef_raw"] == pytest.approx(b, abs=5e-7)  # printed to 6 decimals
    if not standardize:
        for term, se in UCLA_SE.items():
            assert c.loc[term, "se"] == pytest.approx(se, abs=5e-7)
    assert fit.deviance == pytest.approx(458.52, abs=0.005)
    assert fit.aic == pytest.approx(470.52, abs=0.005)


def test_standardised_fit_matches_statsmodels_on_zscores() -> None:
    import statsmodels.api as sm

    X, y = ucla()
    Z = (X - X.mean()) / X.std(ddof=1)
    ref = sm.Logit(y, sm.add_constant(Z)).fit(disp=0)
    fit = logistic_fit(X, y, standardize=True)
    np.testing.assert_allclose(fit.coefficients["coef"], ref.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.coefficients["se"], ref.bse.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(fit.coefficients["p"], ref.pvalues.to_numpy(), rtol=1e-6)
    # slope z-values do not depend on standardisation
    raw = logistic_fit(X, y, standardize=False)
    np.testing.assert_allclose(fit.coefficients["z"][1:], raw.coefficients["z"][1:], rtol=1e-6)


def test_brier_and_reliability_match_sklearn() -> None:
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 500)
    p[:5] = [0.0, 0.1, 0.2, 0.5, 1.0]  # bin edges
    y = (rng.uniform(0, 1, 500) < p).astype(float)
    assert brier_score(y, p) == pytest.approx(brier_score_loss(y, p), rel=1e-12)
    for n_bins in (5, 10, 13):
        rel = reliability_curve(y, p, n_bins=n_bins)
        prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
        np.testing.assert_allclose(rel["observed"], prob_true, rtol=1e-12)
        np.testing.assert_allclose(rel["p_mean"], prob_pred, rtol=1e-12)
        assert rel["count"].sum() == 500


def synthetic(n: int = 600, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    cust = pd.DataFrame(
        {
            "code": [f"C{i:04d}" for i in range(n)],
            "tenure_months": rng.integers(0, 120, n),
            "orders_per_month": rng.poisson(3, n),
            "loyalty_intent": rng.integers(1, 8, n),
            "exp": rng.uniform(1, 7, n),
            "sentiment": rng.uniform(-1, 1, n),
        }
    )
    feats = tolerance_features(
        cust, expectation_col="exp", sentiment_col="sentiment", brand_reputation=70
    )
    eta = (
        -0.3 + 1.2 * feats["expectation_level"] - 1.0 * feats["sentiment"] - 0.5 * feats["loyalty"]
    )
    churn = (rng.uniform(0, 1, n) < 1 / (1 + np.exp(-eta))).astype(float)
    return feats, churn


def test_calibrate_tolerance_signs_and_heldout_metrics() -> None:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    feats, churn = synthetic()
    cal = calibrate_tolerance(feats, churn, random_state=11)
    w = cal.model.weights
    # simulated churn rises with expectations, falls with sentiment and loyalty
    assert w["expectation_level"] < 0 and w["sentiment"] > 0 and w["loyalty"] > 0
    assert "brand_reputation" not in w  # constant within one workspace → dropped
    # 0.4 repeated has a float std of ~1e-17, still constant
    assert float(np.std(feats["brand_reputation"].to_numpy())) < 1e-12
    # tolerance = 100·(1 − P(churn)) of the full fit
    sc = tolerance_scores(feats, cal.model).table["score"].to_numpy()
    np.testing.assert_allclose(sc, 100 * (1 - cal.fit.predict_proba(feats[list(w)])), rtol=1e-9)
    # held-out AUC equals sklearn on a statsmodels fit of the same split
    import statsmodels.api as sm

    cols = list(w)
    tr, te = train_test_split(np.arange(len(churn)), test_size=0.3, random_state=11, stratify=churn)
    ref = sm.Logit(churn[tr], sm.add_constant(feats[cols].iloc[tr])).fit(disp=0)
    p_te = ref.predict(sm.add_constant(feats[cols].iloc[te]))
    assert cal.test_auc == pytest.approx(roc_auc_score(churn[te], p_te), rel=1e-9)
    assert cal.test_n == te.size
    assert cal.reliability["count"].sum() == te.size
    assert 0 < cal.test_brier < 0.25
    assert cal.to_dict()["model"]["source"] == "calibrated"


def test_separation_constant_feature_and_too_few_events() -> None:
    with pytest.raises(InputError):
        logistic_fit(pd.DataFrame({"c": np.full(20, 0.1 + 0.2)}), np.arange(20) % 2)
    X = pd.DataFrame({"x": np.arange(20, dtype=float)})
    y = (np.arange(20) >= 10).astype(float)
    with pytest.raises(ComputationError):
        logistic_fit(X, y)
    feats, churn = synthetic(60)
    churn[:] = 0
    churn[:3] = 1
    with pytest.raises(InsufficientDataError):
        calibrate_tolerance(feats, churn)


def test_default_scores_are_sigmoid_of_contributions() -> None:
    feats, _ = synthetic(50)
    res = tolerance_scores(feats)
    t = res.table
    contrib = t[[f"contrib_{f}" for f in FEATURES]].sum(axis=1)
    expect = 100 / (1 + np.exp(-(DEFAULT_TOLERANCE_MODEL.intercept + contrib)))
    np.testing.assert_allclose(t["score"], expect, rtol=1e-12)
    fac = t[[c for c in t.columns if c.startswith("factor_")]].sum(axis=1)
    np.testing.assert_allclose(fac, contrib, atol=1e-12)
    assert len(res.contributions) == 50 * len(FEATURES)
    # seed directions: higher expectation lowers, better sentiment raises tolerance
    w = DEFAULT_TOLERANCE_MODEL.weights
    assert w["expectation_level"] < 0 < w["sentiment"]
    assert w["ack_delay"] < 0 < w["sat_after_recovery"]


def test_features_transforms_and_imputation_flags() -> None:
    cust = pd.DataFrame(
        {
            "code": ["a", "b"],
            "tenure_months": [12, None],
            "orders_per_month": [0, 3],
            "loyalty_intent": [7, 1],
            "ack_h": [4.0, 1.0],
        }
    )
    f = tolerance_features(cust, ack_hours_col="ack_h")
    assert f.loc[0, "tenure"] == pytest.approx(np.log(2))
    assert f.loc[0, "loyalty"] == 1.0 and f.loc[1, "loyalty"] == -1.0
    assert f.loc[0, "ack_delay"] == pytest.approx(0.0)  # at the 4 h reference
    assert "tenure" in f.loc[1, "imputed"].split(",")
    assert "sentiment" in f.loc[0, "imputed"].split(",")
    bad = cust.assign(loyalty_intent=[9, 1])
    with pytest.raises(InputError) as e:
        tolerance_features(bad)
    assert e.value.problems[0].row == 1 and e.value.problems[0].column == "loyalty_intent"


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-3, 3), min_size=len(FEATURES), max_size=len(FEATURES)),
    st.floats(-1, 1),
)
def test_score_bounded_and_monotone_in_sentiment(xs: list[float], s: float) -> None:
    row = dict(zip(FEATURES, xs, strict=True))
    f = pd.DataFrame([{"id": 1, **row}, {"id": 2, **row, "sentiment": min(row["sentiment"], s)}])
    t = tolerance_scores(f, ToleranceModel()).table
    assert ((t["score"] >= 0) & (t["score"] <= 100)).all()
    assert t["score"].iloc[1] <= t["score"].iloc[0] + 1e-12


def test_rank_cases_rule() -> None:
    q = pd.DataFrame(
        {
            "case": ["a", "b", "c", "d"],
            "tolerance": [80.0, 20.0, 50.0, 50.0],
            "priority": ["urgent", "normal", "normal", "normal"],
            "remaining_h": [4.0, 4.0, -1.0, 3.0],
            "target_h": [8.0, 8.0, 8.0, 8.0],
        }
    )
    r = rank_cases(q).table
    # urgency: a 0.4·0.2+0.35+0.25·0.5 = 0.555; b 0.32+0.1167+0.125 = 0.5617;
    # c 0.2+0.1167+0.25 = 0.5667; d 0.2+0.1167+0.0938 = 0.4104
    assert list(r["case"]) == ["c", "b", "a", "d"]
    assert r.loc[0, "urgency"] == pytest.approx(0.2 + 0.35 / 3 + 0.25)
    with pytest.raises(InputError):
        rank_cases(q.assign(priority=["asap", "normal", "normal", "normal"]))


def test_neutral_tolerance_is_the_intercept_alone() -> None:
    # every feature at x = 0: score = 100·σ(b0) = 100 / (1 + e^(−0.5)) = 62.2459 (hand-computed)
    assert neutral_tolerance() == pytest.approx(100.0 / (1.0 + math.exp(-0.5)))
    assert round(NEUTRAL_TOLERANCE, 4) == 62.2459
    assert neutral_tolerance(ToleranceModel(intercept=0.0)) == pytest.approx(50.0)


def test_opening_tolerance_scores_known_profiles_and_imputes_implausible_values() -> None:
    profiles = pd.DataFrame(
        {
            "tenure_months": [60, None, -3, 12],
            "orders_per_month": [8, None, 2, None],
            "loyalty_intent": [7, None, 9, 4],  # 9 is off the 1–7 scale: unknown
            "sentiment": [None, None, None, -1.0],
        }
    )
    scored = opening_tolerance(profiles)
    # nobody known: the neutral value
    assert scored["score"].iloc[1] == pytest.approx(NEUTRAL_TOLERANCE)
    # row 0 by hand: b0 + 0.4·ln(1 + 60/12) + 0.3·ln(1 + 8) + 0.6·(7 − 4)/3
    z = 0.5 + 0.4 * math.log(6) + 0.3 * math.log(9) + 0.6 * 1.0
    assert scored["score"].iloc[0] == pytest.approx(100 / (1 + math.exp(-z)))
    # row 2: tenure −3 and loyalty 9 are unknown, only the 2 orders a month count
    assert scored["score"].iloc[2] == pytest.approx(
        100 / (1 + math.exp(-(0.5 + 0.3 * math.log(3))))
    )
    assert {"tenure", "loyalty"} <= set(scored["imputed"].iloc[2].split(","))
    # row 3: one year, neutral loyalty, angry words (sentiment −1 × 0.8)
    z3 = 0.5 + 0.4 * math.log(2) + 0.0 - 0.8
    assert scored["score"].iloc[3] == pytest.approx(100 / (1 + math.exp(-z3)))
    with_brand = opening_tolerance(profiles.iloc[[1]], brand_reputation=100.0)
    assert with_brand["score"].iloc[0] == pytest.approx(100 / (1 + math.exp(-1.0)))
