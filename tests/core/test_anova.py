"""Tests for servgap.core.anova against published R / pingouin output and scipy.

Data sets (see tests/data/h1b_SOURCES.md): R ``datasets::PlantGrowth``,
``airquality`` and ``warpbreaks``; pingouin's ``anova`` (McClave & Dietrich 1991,
pain threshold by hair colour) and ``penguins`` (palmerpenguins) data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from servgap.core.anova import _tukey_quantile, _tukey_sf, anova
from servgap.core.errors import InputError, InsufficientDataError, SpecError

DATA = Path(__file__).resolve().parents[1] / "data"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


@pytest.fixture(scope="module")
def plant() -> pd.DataFrame:
    return _read("h1b_plantgrowth.csv")


def test_plantgrowth_aov_f(plant: pd.DataFrame) -> None:
    """R: summary(aov(weight ~ group, PlantGrowth)) prints F = 4.846, Pr(>F) = 0.01591,
    Sum Sq 3.7663 / 10.4921, Df 2 / 27."""
    r = anova(plant, "weight", "group")
    assert r.f == pytest.approx(4.8461, abs=5e-5)
    assert r.p == pytest.approx(0.01591, abs=5e-6)
    assert (r.df_between, r.df_within) == (2.0, 27.0)
    assert r.ss_between == pytest.approx(3.7663, abs=5e-5)
    assert r.ss_within == pytest.approx(10.4921, abs=5e-5)


def test_plantgrowth_omega_squared(plant: pd.DataFrame) -> None:
    """R ``effectsize``-style output printed for PlantGrowth: omega-squared = 0.2040788;
    eta-squared = SSB/SST = 3.76634/14.25843 (R aov table)."""
    r = anova(plant, "weight", "group")
    assert r.omega_squared == pytest.approx(0.2040788, abs=5e-8)
    assert r.eta_squared == pytest.approx(3.76634 / 14.25843, abs=1e-5)


def test_plantgrowth_welch(plant: pd.DataFrame) -> None:
    """R: oneway.test(weight ~ group, PlantGrowth) prints
    F = 5.181, num df = 2.000, denom df = 17.128, p-value = 0.01739."""
    r = anova(plant, "weight", "group")
    assert r.welch_f == pytest.approx(5.181, abs=5e-4)
    assert r.welch_df_within == pytest.approx(17.128, abs=5e-4)
    assert r.welch_p == pytest.approx(0.01739, abs=5e-6)


def test_plantgrowth_brown_forsythe(plant: pd.DataFrame) -> None:
    """R: car::leveneTest(weight ~ group, PlantGrowth) (center = median) prints
    F value 1.1192, Pr(>F) 0.3412."""
    r = anova(plant, "weight", "group")
    assert r.brown_forsythe_w == pytest.approx(1.1192, abs=5e-5)
    assert r.brown_forsythe_p == pytest.approx(0.3412, abs=5e-5)


def test_plantgrowth_tukey(plant: pd.DataFrame) -> None:
    """R: TukeyHSD(aov(weight ~ group, PlantGrowth)) prints
    trt1-ctrl -0.371 -1.0622161 0.3202161 0.3908711
    trt2-ctrl  0.494 -0.1972161 1.1852161 0.1979960
    trt2-trt1  0.865  0.1737839 1.5562161 0.0120064"""
    r = anova(plant, "weight", "group", posthoc="tukey")
    t = r.posthoc
    assert list(zip(t.group_a, t.group_b, strict=True)) == [
        ("trt1", "ctrl"),
        ("trt2", "ctrl"),
        ("trt2", "trt1"),
    ]
    expected = np.array(
        [
            [-0.371, -1.0622161, 0.3202161, 0.3908711],
            [0.494, -0.1972161, 1.1852161, 0.1979960],
            [0.865, 0.1737839, 1.5562161, 0.0120064],
        ]
    )
    got = t[["diff", "ci_low", "ci_high", "p_adj"]].to_numpy()
    np.testing.assert_allclose(got, expected, atol=5e-7)
    assert r.posthoc_method == "tukey"


def test_auto_posthoc_picks_tukey_when_levene_accepts(plant: pd.DataFrame) -> None:
    r = anova(plant, "weight", "group")
    assert r.levene_p > 0.05
    assert r.posthoc_method == "tukey"
    assert "Levene" in r.posthoc_reason_en and "Levene" in r.posthoc_reason_zh


def test_airquality_kruskal_with_missing() -> None:
    """R: kruskal.test(Ozone ~ Month, airquality) prints
    Kruskal-Wallis chi-squared = 29.267, df = 4, p-value = 6.901e-06 (37 NA dropped)."""
    aq = _read("h1b_airquality.csv")
    r = anova(aq, "Ozone", "Month")
    assert r.kruskal_h == pytest.approx(29.267, abs=5e-4)
    assert r.kruskal_df == 4
    assert r.kruskal_p == pytest.approx(6.901e-06, rel=1e-4)
    assert r.n_missing == 37 and r.n == 116


def test_pingouin_welch_and_kruskal_pain_threshold() -> None:
    """pingouin 0.7.0 docstrings, data 'anova' (McClave & Dietrich 1991):
    welch_anova -> ddof2 8.329841, F 5.890115, p 0.018813;
    kruskal -> H 10.58863, p 0.014172; anova(detailed) -> SS 1360.726 / 1001.800, F 6.791."""
    d = _read("h1b_pain_threshold.csv")
    r = anova(d, "Pain threshold", "Hair color")
    assert r.welch_df_within == pytest.approx(8.329841, abs=5e-7)
    assert r.welch_f == pytest.approx(5.890115, abs=5e-7)
    assert r.welch_p == pytest.approx(0.018813, abs=5e-7)
    assert r.kruskal_h == pytest.approx(10.58863, abs=5e-6)
    assert r.kruskal_p == pytest.approx(0.014172, abs=5e-7)
    assert r.ss_between == pytest.approx(1360.726, abs=5e-4)
    assert r.ss_within == pytest.approx(1001.800, abs=5e-4)
    assert r.f == pytest.approx(6.791, abs=5e-4)


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    return _read("h1b_penguins.csv")


def test_penguins_games_howell(penguins: pd.DataFrame) -> None:
    """pingouin 0.7.0 pairwise_gameshowell docstring (penguins, body_mass_g ~ species):
    Adelie-Chinstrap diff -32.426 se 59.706 df 152.455 pval 0.85;
    Adelie-Gentoo -1375.354 se 58.811 df 249.643 pval 0.00;
    Chinstrap-Gentoo -1342.928 se 65.103 df 170.404 pval 0.00.
    Our rows are (later − earlier), so diff has the opposite sign."""
    r = anova(penguins, "body_mass_g", "species", posthoc="games_howell")
    gh = r.games_howell
    assert list(gh.group_a) == ["Chinstrap", "Gentoo", "Gentoo"]
    np.testing.assert_allclose(-gh["diff"], [-32.426, -1375.354, -1342.928], atol=5e-4)
    np.testing.assert_allclose(gh["se"], [59.706, 58.811, 65.103], atol=5e-4)
    assert gh["p_adj"].iloc[0] == pytest.approx(0.85, abs=5e-3)
    assert gh["p_adj"].iloc[1] < 5e-4 and gh["p_adj"].iloc[2] < 5e-4
    assert r.n_missing == 2  # two penguins without body mass


def test_penguins_tukey_kramer_unbalanced(penguins: pd.DataFrame) -> None:
    """pingouin 0.7.0 pairwise_tukey docstring (unequal n = 151/68/123):
    se 67.512, 56.148, 69.857; p_tukey 0.881, 0.000, 0.000."""
    r = anova(penguins, "body_mass_g", "species", posthoc="tukey")
    t = r.tukey
    # pingouin's se is the SE of the difference, sqrt(MSW (1/na + 1/nb)) = ours * sqrt(2)
    np.testing.assert_allclose(t["se"] * np.sqrt(2), [67.512, 56.148, 69.857], atol=5e-4)
    assert t["p_adj"].iloc[0] == pytest.approx(0.881, abs=5e-4)


def test_penguins_auto_picks_games_howell_when_variances_differ(penguins: pd.DataFrame) -> None:
    r = anova(penguins, "body_mass_g", "species")
    assert r.levene_p < 0.05
    assert r.posthoc_method == "games_howell"
    assert r.posthoc.equals(r.games_howell)


def test_tukey_against_scipy_warpbreaks() -> None:
    """Differential test: scipy.stats.tukey_hsd on warpbreaks breaks ~ tension (L, M, H)."""
    wb = _read("h1b_warpbreaks.csv")
    wb["tension"] = pd.Categorical(wb["tension"], categories=["L", "M", "H"])
    r = anova(wb, "breaks", "tension", posthoc="tukey")
    groups = [wb.loc[wb.tension == g, "breaks"].to_numpy(float) for g in ["L", "M", "H"]]
    ref = stats.tukey_hsd(*groups)
    ci = ref.confidence_interval(0.95)
    for row, (a, b) in zip(r.tukey.itertuples(), [(1, 0), (2, 0), (2, 1)], strict=True):
        assert row.diff == pytest.approx(ref.statistic[a, b], abs=1e-10)
        assert row.p_adj == pytest.approx(ref.pvalue[a, b], abs=1e-6)
        assert row.ci_low == pytest.approx(ci.low[a, b], abs=1e-6)
        assert row.ci_high == pytest.approx(ci.high[a, b], abs=1e-6)


def test_against_scipy_peers(penguins: pd.DataFrame) -> None:
    """Differential test with scipy f_oneway, levene (mean/median) and kruskal."""
    d = penguins.dropna()
    groups = [g["body_mass_g"].to_numpy(float) for _, g in d.groupby("species")]
    r = anova(d, "body_mass_g", "species")
    f = stats.f_oneway(*groups)
    assert r.f == pytest.approx(f.statistic, rel=1e-10)
    assert r.p == pytest.approx(f.pvalue, rel=1e-8, abs=1e-300)
    lev = stats.levene(*groups, center="mean")
    bf = stats.levene(*groups, center="median")
    assert r.levene_w == pytest.approx(lev.statistic, rel=1e-10)
    assert r.levene_p == pytest.approx(lev.pvalue, rel=1e-8)
    assert r.brown_forsythe_w == pytest.approx(bf.statistic, rel=1e-10)
    kw = stats.kruskal(*groups)
    assert r.kruskal_h == pytest.approx(kw.statistic, rel=1e-10)


def test_descriptives_and_frames(plant: pd.DataFrame) -> None:
    r = anova(plant, "weight", "group")
    d = r.descriptives
    assert list(d.columns) == ["group", "n", "mean", "sd", "se", "median", "min", "max"]
    np.testing.assert_allclose(d["mean"], [5.032, 4.661, 5.526], atol=1e-12)
    exp_med = plant.groupby("group")["weight"].median().to_numpy()
    np.testing.assert_allclose(d["median"], exp_med)
    frame = r.to_frame()
    assert list(frame.test) == ["anova", "welch", "kruskal_wallis", "levene", "brown_forsythe"]
    json.dumps(r.to_dict())


# --- errors ----------------------------------------------------------------


def test_group_too_small_names_group_and_count() -> None:
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "g": ["a", "a", "b", "b", "c"]})
    with pytest.raises(InsufficientDataError) as e:
        anova(d, "y", "g")
    assert "'c' (n=1)" in e.value.en and "'c' (n=1)" in e.value.zh


def test_single_group() -> None:
    d = pd.DataFrame({"y": [1.0, 2, 3], "g": ["a"] * 3})
    with pytest.raises(InsufficientDataError, match="at least 2"):
        anova(d, "y", "g")


def test_constant_data() -> None:
    d = pd.DataFrame({"y": [3.0] * 6, "g": list("aabbcc")})
    with pytest.raises(InputError, match="same value"):
        anova(d, "y", "g")


def test_non_numeric_values_listed() -> None:
    d = pd.DataFrame({"y": ["1", "x", "3", "4", "?", "6"], "g": list("aabbcc")})
    with pytest.raises(InputError) as e:
        anova(d, "y", "g")
    rows = [p.row for p in e.value.problems]
    assert rows == [2, 5]


def test_missing_column_and_bad_options(plant: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="not found"):
        anova(plant, "nope", "group")
    with pytest.raises(SpecError):
        anova(plant, "weight", "group", alpha=1.5)
    with pytest.raises(SpecError):
        anova(plant, "weight", "group", posthoc="scheffe")  # type: ignore[arg-type]


def test_zero_variance_group_is_flagged_not_silent() -> None:
    d = pd.DataFrame({"y": [5.0, 5, 5, 1, 2, 3, 4, 6, 8], "g": list("aaabbbccc")})
    r = anova(d, "y", "g")
    assert np.isnan(r.welch_f)
    assert any("zero variance" in n for n in r.notes)
    assert np.isfinite(r.f)


# --- properties --------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(min_value=-50, max_value=50), min_size=9, max_size=40),
    st.integers(min_value=0, max_value=10_000),
)
def test_invariances(values: list[int], seed: int) -> None:
    """Shuffling rows and shifting/scaling the value leave F, H and p-values unchanged;
    p-values lie in [0, 1]; eta² in [0, 1]."""
    x = np.asarray(values, dtype=float)
    if np.ptp(x) == 0:
        return
    g = np.arange(x.size) % 3
    d = pd.DataFrame({"y": x, "g": g})
    r1 = anova(d, "y", "g")
    rng = np.random.default_rng(seed)
    d2 = d.iloc[rng.permutation(len(d))].assign(y=lambda f: 3.0 * f.y + 7.0)
    r2 = anova(d2, "y", "g")
    assert r2.f == pytest.approx(r1.f, rel=1e-6, abs=1e-9)
    assert r2.kruskal_h == pytest.approx(r1.kruskal_h, rel=1e-9, abs=1e-9)
    for p in (r1.p, r1.kruskal_p, r1.levene_p, r1.brown_forsythe_p):
        assert 0.0 <= p <= 1.0
    assert 0.0 <= r1.eta_squared <= 1.0


@pytest.mark.parametrize("k", [2, 3, 5, 12])
def test_studentized_range_matches_scipy(k: int) -> None:
    """Our vectorised studentized range vs scipy.stats.studentized_range (sf and ppf)."""
    q = np.array([0.4, 1.5, 3.0, 4.5, 7.0])
    for df in (1.0, 3.7, 27.0, 250.0):
        ref = [stats.studentized_range.sf(v, k, df) for v in q]
        np.testing.assert_allclose(_tukey_sf(q, k, np.full(q.shape, df)), ref, atol=1e-9)
    qq = _tukey_quantile(0.95, k, np.array([5.0, 40.0]))
    np.testing.assert_allclose(
        qq, [stats.studentized_range.ppf(0.95, k, d) for d in (5, 40)], rtol=1e-7
    )


@pytest.mark.parametrize("path", ["histogram", "sorted"])
def test_anova_table_equals_anova_for_every_pair(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """anova_table finishes each pair from its (group, value) histogram, or (values that
    hardly repeat) from rows sorted once per value; each row must equal anova() (itself
    checked against R above), including rows with missing values or groups."""
    import servgap.core.anova_table as at
    from servgap.core.anova_table import anova_table

    if path == "sorted":
        monkeypatch.setattr(at, "_histogram", lambda x, codes, k: None)

    rng = np.random.default_rng(11)
    n = 600
    df = pd.DataFrame(
        {
            "v1": np.round(rng.normal(5, 1.5, n) * 2) / 2,  # many ties
            "v2": rng.normal(0, 1, n) + np.repeat([0.0, 0.3, 0.6], n // 3),
            "seg": rng.choice(["a", "b", "c", "d"], n),
            "type": np.repeat(["x", "y", "z"], n // 3),
        }
    )
    df.loc[rng.choice(n, 40, replace=False), "v1"] = np.nan
    df.loc[rng.choice(n, 25, replace=False), "seg"] = None
    table = anova_table(df, ["v1", "v2"], ["seg", "type"]).table
    assert len(table) == 4 and (table["error"] == "").all()
    for r in table.itertuples():
        one = anova(df, r.value, r.group)
        for field in ("f", "p", "eta_squared", "omega_squared", "welch_f", "welch_p",
                      "kruskal_h", "kruskal_p", "levene_w", "brown_forsythe_w"):  # fmt: skip
            assert getattr(r, field) == pytest.approx(getattr(one, field), rel=1e-10), field
        assert (r.n, r.k, r.n_missing) == (one.n, one.k, one.n_missing)


def test_anova_table_reports_untestable_pairs() -> None:
    from servgap.core.anova_table import anova_table

    df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0], "one": ["a"] * 4, "tiny": ["a", "a", "a", "b"]})
    t = anova_table(df, ["v"], ["one", "tiny"]).table.set_index("group")
    assert "fewer than two groups" in t.loc["one", "error"]
    assert "fewer than 2 respondents" in t.loc["tiny", "error"]
    assert np.isnan(t.loc["one", "f"])
