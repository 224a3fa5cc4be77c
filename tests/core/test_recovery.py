"""Tests for servgap.core.recovery.

Published numbers:
* Student's sleep data (Cushny & Peebles 1905, as in R ``datasets::sleep``):
  R ``t.test(extra ~ group, data = sleep, paired = TRUE)`` prints t = −4.0621,
  df = 9, p-value = 0.002833, 95 % CI −2.4598858 … −0.7001142, mean difference
  −1.58 (group 1 − group 2; signs flip for after − before here). R
  ``wilcox.test(..., paired = TRUE)`` prints V = 0, p-value = 0.009091.
  d_z = t/√n (Lakens 2013, Frontiers in Psychology 4:863, eq. 7) = 1.2845;
  R effectsize ``cohens_d(..., paired = TRUE)`` prints d = −1.28, 95 % CI
  [−2.12, −0.41] (noncentral t).
* NIST StRD Longley (1967) certified OLS coefficients (data bundled with
  statsmodels, ``statsmodels.datasets.longley``).
* pingouin's documented Cronbach alpha example (tests/data/h1a_*, see
  h1a_SOURCES.md): alpha = 0.5917188485995826; plus the Hoyt (1941) ANOVA
  identity alpha = 1 − MS_residual / MS_subjects run through statsmodels.
Peers in tests: scipy.stats.ttest_rel / wilcoxon, statsmodels OLS / anova_lm.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.errors import InputError, InsufficientDataError
from servgap.core.recovery import (
    SERVQUAL_MAP,
    compensation_band,
    complaints_by_dimension,
    dz_confidence_interval,
    justice_scores,
    ols_table,
    recovery_outcomes,
    recovery_paradox,
    speed_band,
)
from servgap.core.reliability import cronbach_alpha

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_paired_tests_reproduce_r_sleep_output() -> None:
    res = recovery_paradox(pd.DataFrame({"sat_before": SLEEP_1, "sat_after": SLEEP_2}))
    r = res.table.iloc[0]
    assert r["t"] == pytest.approx(4.0621, abs=5e-5)
    assert r["df"] == 9
    assert r["p_t"] == pytest.approx(0.002833, abs=5e-7)
    assert r["ci_low"] == pytest.approx(0.7001142, abs=5e-8)
    assert r["ci_high"] == pytest.approx(2.4598858, abs=5e-8)
    assert r["mean_diff"] == pytest.approx(1.58, abs=1e-12)
    assert r["wilcoxon_w"] == 0
    assert r["p_wilcoxon"] == pytest.approx(0.009091, abs=5e-7)
    assert r["d_z"] == pytest.approx(4.0621 / math.sqrt(10), abs=5e-5)  # Lakens eq. 7
    assert round(r["d_z"], 2) == 1.28
    assert round(r["d_z_ci_low"], 2) == 0.41
    assert round(r["d_z_ci_high"], 2) == 2.12
    assert bool(r["paradox"])


def test_paired_against_scipy_and_subgroups() -> None:
    from scipy import stats

    rng = np.random.default_rng(5)
    n = 80
    before = rng.integers(1, 8, n).astype(float)
    after = np.clip(before + rng.normal(0.4, 1.2, n).round(), 1, 7)
    band = np.where(rng.uniform(size=n) < 0.5, "fast", "slow")
    df = pd.DataFrame({"b": before, "a": after, "band": band})
    res = recovery_paradox(df, before_col="b", after_col="a", group_col="band")
    t = res.table.set_index("group")
    assert list(t.index) == ["all", "fast", "slow"]
    for g, m in (("all", np.ones(n, bool)), ("fast", band == "fast"), ("slow", band == "slow")):
        ref = stats.ttest_rel(after[m], before[m])
        assert t.loc[g, "t"] == pytest.approx(ref.statistic, rel=1e-12)
        assert t.loc[g, "p_t"] == pytest.approx(ref.pvalue, rel=1e-10)
        w = stats.wilcoxon(after[m], before[m], correction=True, method="approx")
        assert t.loc[g, "p_wilcoxon"] == pytest.approx(w.pvalue, rel=1e-10)
        d = after[m] - before[m]
        assert t.loc[g, "d_z"] == pytest.approx(d.mean() / d.std(ddof=1), rel=1e-12)


def test_dz_ci_inverts_noncentral_t() -> None:
    from scipy import stats

    lo, hi, method = dz_confidence_interval(2.5, 20, 0.9)
    assert method == "noncentral_t"
    assert stats.nct.cdf(2.5, 19, lo * math.sqrt(20)) == pytest.approx(0.95, abs=1e-9)
    assert stats.nct.cdf(2.5, 19, hi * math.sqrt(20)) == pytest.approx(0.05, abs=1e-9)
    # large n far in the tail: scipy's nct gives NaN there → normal approximation, flagged
    lo, hi, method = dz_confidence_interval(-14.0, 5001, 0.95)
    d = -14.0 / math.sqrt(5001)
    assert lo < d < hi
    if method == "normal":
        assert hi - lo == pytest.approx(2 * 1.959964 * math.sqrt((1 + d * d / 2) / 5001), rel=1e-5)


def test_degenerate_groups_are_flagged_not_silent() -> None:
    df = pd.DataFrame({"b": [3, 4, 5, 2, 2], "a": [4, 5, 6, 3, 3], "g": ["x", "x", "x", "y", "y"]})
    t = recovery_paradox(df, before_col="b", after_col="a", group_col="g").table.set_index("group")
    assert not t.loc["x", "enough_data"] and "equal" in t.loc["x", "note"]
    assert not t.loc["y", "enough_data"] and "n = 2" in t.loc["y", "note"]
    with pytest.raises(InsufficientDataError):
        recovery_paradox(df.iloc[:2], before_col="b", after_col="a")


# --------------------------------------------------------------------------- alpha


def test_alpha_equals_hoyt_anova_via_statsmodels() -> None:
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    rng = np.random.default_rng(2)
    true = rng.normal(size=40)
    wide = pd.DataFrame(
        {f"i{j}": np.clip(np.round(4 + true + rng.normal(0, 1, 40)), 1, 7) for j in range(4)}
    )
    long = wide.reset_index().melt(id_vars="index", var_name="item", value_name="y")
    aov = anova_lm(smf.ols("y ~ C(index) + C(item)", data=long).fit())
    ms_subj = aov.loc["C(index)", "mean_sq"]
    ms_res = aov.loc["Residual", "mean_sq"]
    a = cronbach_alpha(wide)
    assert a.alpha == pytest.approx(1 - ms_res / ms_subj, rel=1e-10)
    r = wide.corr().to_numpy()
    rbar = r[~np.eye(4, dtype=bool)].mean()
    assert a.standardized_alpha == pytest.approx(4 * rbar / (1 + 3 * rbar), rel=1e-12)


def test_justice_scores_table() -> None:
    rng = np.random.default_rng(4)
    n = 60
    base = rng.normal(size=(n, 3))
    cols = {}
    for s, name in enumerate(("dist", "proc", "inter")):
        for i in range(1, 4):
            cols[f"{name}{i}"] = np.clip(np.round(4 + base[:, s] + rng.normal(0, 0.7, n)), 1, 7)
    df = pd.DataFrame(cols)
    df.loc[0, "proc2"] = np.nan
    js = justice_scores(df)
    sc = js.scales.set_index("scale")
    assert sc.loc["procedural", "n"] == n - 1
    assert not js.scores.loc[0, "complete_procedural"]
    assert math.isnan(js.scores.loc[0, "procedural"])
    assert sc.loc["distributive", "alpha"] == pytest.approx(
        cronbach_alpha(df[["dist1", "dist2", "dist3"]]).alpha
    )
    assert sc.loc["interactional", "label_zh"] == "互动公平"
    with pytest.raises(InputError):
        justice_scores(df.assign(dist1=9))


# --------------------------------------------------------------------------- outcomes


def test_ols_table_nist_longley_certified() -> None:
    import statsmodels.api as sm

    d = sm.datasets.longley.load_pandas().data
    res = ols_table(d[["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]], d["TOTEMP"])
    c = res.coefficients.set_index("term")["coef"]
    certified = {
        "const": -3482258.63459582,
        "GNPDEFL": 15.0618722713733,
        "GNP": -0.358191792925910e-01,
        "UNEMP": -2.02022980381683,
        "ARMED": -1.03322686717359,
        "POP": -0.511041056535807e-01,
        "YEAR": 1829.15146461355,
    }
    for k, v in certified.items():
        assert c[k] == pytest.approx(v, rel=1e-7)
    assert res.r2 == pytest.approx(0.995479004577296, rel=1e-9)


def test_recovery_outcomes_tables_and_regression() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(9)
    n = 200
    acts = rng.choice(
        ["apology", "apology;coupon", "apology;refund", "apology;explanation;compensation"], n
    )
    comp = np.where(
        np.char.find(acts.astype(str), "coupon") >= 0,
        20.0,
        np.where(
            np.char.find(acts.astype(str), "compensation") >= 0, rng.uniform(100, 500, n), 0.0
        ),
    )
    hours = rng.exponential(40, n)
    sat = np.clip(np.round(4 + comp / 200 - hours / 60 + rng.normal(0, 1, n)), 1, 7)
    opened = pd.Timestamp("2025-10-01", tz="Asia/Shanghai")
    df = pd.DataFrame(
        {
            "actions": acts,
            "compensation_cny": comp,
            "received_at": opened,
            "resolved_at": opened + pd.to_timedelta(hours, unit="h"),
            "sat_after": sat,
        }
    )
    out = recovery_outcomes(df)
    ba = out.by_action.set_index("action")
    assert ba.loc["apology", "n"] == n
    assert ba.loc["apology", "mean"] == pytest.approx(sat.mean())
    assert set(out.by_speed["band"]) <= {"0–24h", "24–72h", ">72h"}
    assert out.by_speed["n"].sum() == n
    assert out.by_compensation.set_index("band").loc["none", "n"] == int((comp == 0).sum())
    # apology is in every case → constant dummy dropped; regression equals statsmodels
    assert "action_apology" in out.regression.dropped
    # explanation and compensation always come together → the later one is dropped
    assert "action_compensation" in out.regression.dropped
    X = pd.DataFrame(
        {
            "action_explanation": (np.char.find(acts.astype(str), "explanation") >= 0) * 1.0,
            "action_refund": (np.char.find(acts.astype(str), "refund") >= 0) * 1.0,
            "action_coupon": (np.char.find(acts.astype(str), "coupon") >= 0) * 1.0,
            "resolve_h_per_24": hours / 24,
            "compensation_per_100cny": comp / 100,
        }
    )
    ref = sm.OLS(sat, sm.add_constant(X)).fit()
    got = out.regression.coefficients.set_index("term")
    for term in ["const", "action_refund", "action_coupon", "resolve_h_per_24"]:
        assert got.loc[term, "coef"] == pytest.approx(ref.params[term], rel=1e-8)
        assert got.loc[term, "se"] == pytest.approx(ref.bse[term], rel=1e-8)
    with pytest.raises(InputError):
        recovery_outcomes(df.assign(actions="hug"))


def test_bands() -> None:
    assert list(speed_band([0, 24, 24.5, 100])) == ["0–24h", "0–24h", "24–72h", ">72h"]
    assert list(compensation_band([0, 10, 50, 500])) == ["none", "0–50 CNY", "0–50 CNY", ">200 CNY"]


# --------------------------------------------------------------------------- SERVQUAL map


def test_complaints_by_dimension_with_msa() -> None:
    cats = ["delay"] * 4 + ["attitude"] * 2 + ["damage_loss", "price", "information"]
    res = complaints_by_dimension(
        cats, {"reliability": -0.8, "responsiveness": 0.1, "assurance": -0.2}
    )
    t = res.table.set_index("dimension")
    # delay splits 1/2 reliability + 1/2 responsiveness; damage_loss → reliability
    assert t.loc["reliability", "complaints"] == pytest.approx(3.0)
    assert t.loc["responsiveness", "complaints"] == pytest.approx(3.0)
    assert t.loc["assurance", "complaints"] == pytest.approx(1.0)
    assert t.loc["reliability", "complaints_touching"] == 5
    assert t.loc["unmapped", "complaints"] == 1.0
    assert t["complaints"].sum() == pytest.approx(len(cats))
    assert bool(t.loc["reliability", "both_weak"])
    assert not bool(t.loc["responsiveness", "both_weak"])  # MSA ≥ 0
    assert math.isnan(t.loc["empathy", "msa"])
    assert SERVQUAL_MAP["price"] == ()
    with pytest.raises(InputError):
        complaints_by_dimension(["late"])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(list(SERVQUAL_MAP)), min_size=1, max_size=50))
def test_complaint_weights_conserve_count(cats: list[str]) -> None:
    t = complaints_by_dimension(cats).table
    assert t["complaints"].sum() == pytest.approx(len(cats))
    assert t["complaint_share"].sum() == pytest.approx(1.0)
