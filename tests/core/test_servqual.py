"""Tests for servgap.core.servqual.

No published three-column study prints raw data, so the checks are:
- hand-worked examples from the definitions of Parasuraman, Zeithaml & Berry (1994,
  J. Retailing 70(3)): MSA = P − A, MSS = P − D, zone = D − A; below P < A,
  inside A ≤ P ≤ D, above P > D; D < A inconsistent;
- the weighted SERVQUAL rule of Zeithaml, Parasuraman & Berry (1990), Σ (w/100)·gap;
- a differential test against a plain pandas computation, with the t intervals from
  statsmodels ``DescrStatsW.tconfint_mean`` (peer implementation run in the test);
- properties: shuffling respondents changes nothing; merging partition statistics
  equals the whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import DescrStatsW

from servgap.core.errors import InputError, SpecError
from servgap.core.servqual import finish_servqual, servqual
from servgap.core.servqual_stats import servqual_stats

THREE = {"rel1": {"dimension": "reliability", "perceived": "p", "adequate": "a", "desired": "d"}}


def test_hand_worked_three_column_zone() -> None:
    # A, D, P for five respondents on a 9-point scale (PZB 1994 three-column format).
    df = pd.DataFrame(
        {
            "a": [5, 4, 6, 7, 3],
            "d": [8, 7, 8, 5, 3],  # respondent 4 has D < A: inconsistent
            "p": [4, 7, 9, 6, 3],
        }
    )
    r = servqual(df, THREE)
    row = r.items.iloc[0]
    # consistent respondents 1,2,3,5: MSA = P-A = -1, 3, 3, 0 ; MSS = P-D = -4, 0, 1, 0
    assert row["n"] == 4
    assert row["n_inconsistent"] == 1
    assert row["msa"] == pytest.approx(5 / 4)
    assert row["mss"] == pytest.approx(-3 / 4)
    assert row["gap"] == pytest.approx(-3 / 4)  # three-column gap is the MSS
    assert row["zone_width"] == pytest.approx((3 + 3 + 2 + 0) / 4)
    # below: resp 1 (4 < 5); inside: resp 2 (P = D, inclusive), resp 5 (A = P = D);
    # above: resp 3 (9 > 8)
    assert row["share_below"] == pytest.approx(0.25)
    assert row["share_inside"] == pytest.approx(0.5)
    assert row["share_above"] == pytest.approx(0.25)
    assert row["adequate_mean"] == pytest.approx((5 + 4 + 6 + 3) / 4)
    assert any("inconsistent" in w for w in r.warnings)
    assert np.isnan(row["expected_mean"])


def test_hand_worked_lower_better_wait() -> None:
    # Waiting minutes: adequate = longest acceptable, desired = ideal wait.
    items = {
        "wait": {
            "dimension": "responsiveness",
            "perceived": "p",
            "adequate": "a",
            "desired": "d",
            "direction": "lower_better",
        }
    }
    df = pd.DataFrame({"a": [15, 20, 10, 5], "d": [5, 10, 5, 10], "p": [20, 10, 3, 7]})
    r = servqual(df, items).items.iloc[0]
    # resp 4: desired wait 10 > adequate 5 -> inconsistent
    assert r["n_inconsistent"] == 1 and r["n"] == 3
    # MSA = A - P = -5, 10, 7 ; MSS = D - P = -15, 0, 2 ; zone = A - D = 10, 10, 5
    assert r["msa"] == pytest.approx(12 / 3)
    assert r["mss"] == pytest.approx(-13 / 3)
    assert r["zone_width"] == pytest.approx(25 / 3)
    # resp 1 waited 20 > 15: below the zone; resp 2 inside (P = D); resp 3 waited 3 < 5: above
    assert (r["share_below"], r["share_inside"], r["share_above"]) == pytest.approx(
        (1 / 3, 1 / 3, 1 / 3)
    )


def test_weighted_servqual_divides_by_100() -> None:
    # Zeithaml, Parasuraman & Berry (1990): score = sum_d (w_d / 100) * gap_d.
    items = {
        "t1": {"dimension": "tangibles", "perceived": "p1", "expected": "e1"},
        "r1": {"dimension": "reliability", "perceived": "p2", "expected": "e2"},
    }
    df = pd.DataFrame({"p1": [5, 6], "e1": [6, 6], "p2": [4, 7], "e2": [6, 5]})
    w = pd.DataFrame({"tangibles": [30, 50], "reliability": [70, 50]})
    r = servqual(df, items, weights=w)
    # respondent 1: 0.3*(-1) + 0.7*(-2) = -1.7 ; respondent 2: 0.5*0 + 0.5*2 = 1.0
    assert r.overall["servqual_weighted"].iloc[0] == pytest.approx((-1.7 + 1.0) / 2)
    # unweighted: respondent means (-1.5, 1.0) -> mean of dimension scores
    assert r.overall["servqual_unweighted"].iloc[0] == pytest.approx((-1.5 + 1.0) / 2)
    # mapping form gives the same
    df2 = df.assign(wt=w["tangibles"], wr=w["reliability"])
    r2 = servqual(df2, items, weights={"tangibles": "wt", "reliability": "wr"})
    assert r2.overall["servqual_weighted"].iloc[0] == pytest.approx(-0.35)


def test_bad_weights_listed_per_row() -> None:
    items = {
        "t1": {"dimension": "tangibles", "perceived": "p1", "expected": "e1"},
        "r1": {"dimension": "reliability", "perceived": "p2", "expected": "e2"},
    }
    df = pd.DataFrame({"p1": [5, 6, 5], "e1": [6, 6, 5], "p2": [4, 7, 5], "e2": [6, 5, 5]})
    w = pd.DataFrame({"tangibles": [0.3, 50, -10], "reliability": [0.7, 50, 110]})
    with pytest.raises(InputError) as ei:
        servqual(df, items, weights=w)
    assert [p.row for p in ei.value.problems] == [1, 3]
    assert "100" in ei.value.problems[0].zh


def test_non_numeric_cells_listed() -> None:
    df = pd.DataFrame({"a": ["5", "x", 6], "d": [8, 7, "?"], "p": [4, 7, 9]})
    with pytest.raises(InputError) as ei:
        servqual(df, THREE)
    got = {(p.row, p.column, p.value) for p in ei.value.problems}
    assert got == {(2, "a", "x"), (3, "d", "?")}


@pytest.mark.parametrize(
    "spec",
    [
        {"x": {"dimension": "t", "perceived": "p"}},
        {"x": {"dimension": "t", "perceived": "p", "expected": "e", "adequate": "a"}},
        {"x": {"dimension": "t", "perceived": "p", "adequate": "a"}},
        {"x": {"dimension": "t", "perceived": "p", "expected": "e", "direction": "up"}},
    ],
)
def test_bad_spec(spec: dict[str, dict[str, str]]) -> None:
    with pytest.raises(SpecError):
        servqual(pd.DataFrame({"p": [1.0]}), spec)


def _random_survey(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"seg": rng.choice(["north", "south", "west"], n)}
    items: dict[str, dict[str, str]] = {}
    for j, dim in enumerate(["tangibles", "tangibles", "reliability", "empathy", "empathy"]):
        a = rng.integers(1, 8, n).astype(float)
        d = np.minimum(a + rng.integers(-1, 4, n), 9).astype(float)
        p = rng.integers(1, 10, n).astype(float)
        p[rng.random(n) < 0.05] = np.nan
        data[f"i{j}_a"], data[f"i{j}_d"], data[f"i{j}_p"] = a, d, p
        items[f"i{j}"] = {
            "dimension": dim,
            "perceived": f"i{j}_p",
            "adequate": f"i{j}_a",
            "desired": f"i{j}_d",
        }
    data["e5"] = rng.integers(1, 10, n).astype(float)
    data["p5"] = rng.integers(1, 10, n).astype(float)
    items["i5"] = {"dimension": "reliability", "perceived": "p5", "expected": "e5"}
    return pd.DataFrame(data), items


def test_differential_against_plain_pandas_and_statsmodels() -> None:
    df, items = _random_survey(600, 1)
    r = servqual(df, items, by="seg", confidence=0.9)
    for seg, sub in df.groupby("seg"):
        for name, it in items.items():
            row = r.items[(r.items["seg"] == seg) & (r.items["item"] == name)].iloc[0]
            if "adequate" in it:
                a, d, p = sub[it["adequate"]], sub[it["desired"]], sub[it["perceived"]]
                ok = a.notna() & d.notna() & p.notna() & (d >= a)
                msa = (p - a)[ok]
                assert row["n"] == ok.sum()
                assert row["n_inconsistent"] == (a.notna() & d.notna() & p.notna() & (d < a)).sum()
                assert row["msa"] == pytest.approx(msa.mean())
                lo, hi = DescrStatsW(msa.to_numpy()).tconfint_mean(alpha=0.1)
                assert (row["msa_ci_low"], row["msa_ci_high"]) == pytest.approx((lo, hi))
                assert row["share_below"] == pytest.approx((p[ok] < a[ok]).mean())
                assert row["share_above"] == pytest.approx((p[ok] > d[ok]).mean())
                gap = (p - d)[ok]
            else:
                e, p = sub[it["expected"]], sub[it["perceived"]]
                gap = (p - e)[e.notna() & p.notna()]
            assert row["gap"] == pytest.approx(gap.mean())
            lo, hi = DescrStatsW(gap.to_numpy()).tconfint_mean(alpha=0.1)
            assert (row["gap_ci_low"], row["gap_ci_high"]) == pytest.approx((lo, hi))


def test_dimension_equals_pzb_mean_of_item_means_when_complete() -> None:
    df, items = _random_survey(300, 2)
    df = df.fillna(5.0)
    for it in items.values():  # make every three-column answer consistent
        if "adequate" in it:
            df[it["desired"]] = np.maximum(df[it["desired"]], df[it["adequate"]])
    r = servqual(df, items)
    by_dim = r.items.groupby("dimension", sort=False)["gap"].mean()
    got = r.dimensions.set_index("dimension")["gap"]
    assert got.to_dict() == pytest.approx(by_dim.to_dict())
    assert r.overall["servqual_unweighted"].iloc[0] == pytest.approx(by_dim.mean())


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 199))
def test_shuffle_and_partition_merge(seed: int, cut: int) -> None:
    df, items = _random_survey(200, seed)
    w = pd.DataFrame({"tangibles": 20.0, "reliability": 50.0, "empathy": 30.0}, index=df.index)
    whole = servqual(df, items, by="seg", weights=w)
    shuffled = df.sample(frac=1.0, random_state=seed)
    rs = servqual(shuffled, items, by="seg", weights=w.loc[shuffled.index])
    pd.testing.assert_frame_equal(whole.items, rs.items, rtol=1e-9)
    pd.testing.assert_frame_equal(whole.overall, rs.overall, rtol=1e-9)
    s1 = servqual_stats(df.iloc[:cut], items, by="seg", weights=w.iloc[:cut])
    s2 = servqual_stats(df.iloc[cut:], items, by="seg", weights=w.iloc[cut:])
    merged = finish_servqual(s1.merge(s2))
    pd.testing.assert_frame_equal(whole.items, merged.items, rtol=1e-9)
    pd.testing.assert_frame_equal(whole.dimensions, merged.dimensions, rtol=1e-9)
    pd.testing.assert_frame_equal(whole.overall, merged.overall, rtol=1e-9)


def test_to_dict_is_json_ready() -> None:
    import json

    df, items = _random_survey(50, 3)
    r = servqual(df, items, by=["seg"])
    json.dumps(r.to_dict())
    assert r.to_frame() is r.items


def test_row_chunks_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import servgap.core.servqual_stats as sq  # the chunked pass lives there

    df, items = _random_survey(250, 9)
    w = pd.DataFrame({"tangibles": 20.0, "reliability": 50.0, "empathy": 30.0}, index=df.index)
    whole = servqual(df, items, by="seg", weights=w)
    monkeypatch.setattr(sq, "_CHUNK", 7)
    chunked = servqual(df, items, by="seg", weights=w)
    pd.testing.assert_frame_equal(whole.items, chunked.items, rtol=1e-9)
    pd.testing.assert_frame_equal(whole.dimensions, chunked.dimensions, rtol=1e-9)
    pd.testing.assert_frame_equal(whole.overall, chunked.overall, rtol=1e-9)
    assert whole.warnings == chunked.warnings


def test_respondent_scores_agree_with_dimension_table() -> None:
    from servgap.core.servqual import respondent_scores

    df, items = _random_survey(300, 11)
    rs = respondent_scores(df, items)
    r = servqual(df, items)
    for _, row in r.dimensions.iterrows():
        col = rs[row["dimension"]]
        assert row["n"] == col.notna().sum()
        assert row["gap"] == pytest.approx(col.mean())
    assert r.overall["servqual_unweighted"].iloc[0] == pytest.approx(rs["servqual"].mean())
    assert r.overall["n"].iloc[0] == rs["servqual"].notna().sum()


# --------------------------------------------------------------------------------------
# Items on another unit or direction never enter a dimension mean with rating items
# (issue 10, item 7): a wait in minutes (0–240, lower is better) next to 1–9 ratings.

MIXED = {
    "r1": {"dimension": "responsiveness", "perceived": "r1_p", "adequate": "r1_a",
           "desired": "r1_d"},
    "r2": {"dimension": "responsiveness", "perceived": "r2_p", "adequate": "r2_a",
           "desired": "r2_d"},
    "wait": {"dimension": "responsiveness", "perceived": "w_p", "adequate": "w_a",
             "desired": "w_d", "direction": "lower_better", "unit": "minutes"},
}  # fmt: skip
MIXED_DATA = pd.DataFrame(
    {
        "r1_a": [5, 6, 4], "r1_d": [8, 8, 7], "r1_p": [6, 5, 7],
        "r2_a": [4, 5, 5], "r2_d": [7, 9, 6], "r2_p": [4, 8, 6],
        "w_a": [15, 20, 10], "w_d": [5, 10, 5], "w_p": [20, 10, 3],
    }
)  # fmt: skip


def test_wait_in_minutes_is_not_averaged_into_the_dimension() -> None:
    # Hand computation (PZB 1994 definitions, MSA = P − A, MSS = P − D):
    #   r1: MSA 1, −1, 3   MSS −2, −3, 0
    #   r2: MSA 0,  3, 1   MSS −3, −1, 0
    # respondent responsiveness scores over the two rating items only:
    #   MSA (0.5, 1, 2) -> 3.5/3 ;  MSS (−2.5, −2, 0) -> −4.5/3 = −1.5
    # (averaging the wait in as well would give MSA 19/9 = 2.11 and MSS −22/9 = −2.44)
    r = servqual(MIXED_DATA, MIXED)
    dims = r.dimensions.set_index("dimension")
    assert list(dims.index) == ["responsiveness"]
    assert dims.loc["responsiveness", "n_items"] == 2
    assert dims.loc["responsiveness", "msa"] == pytest.approx(3.5 / 3)
    assert dims.loc["responsiveness", "mss"] == pytest.approx(-1.5)
    assert dims.loc["responsiveness", "gap"] == pytest.approx(-1.5)
    # shares over the rating answers only: below r1 resp 2 (5 < 6); above none -> 1/6, 0
    assert dims.loc["responsiveness", "share_below"] == pytest.approx(1 / 6)
    assert dims.loc["responsiveness", "share_above"] == pytest.approx(0.0)
    # overall SERVQUAL: one dimension, so the mean of its rating gap
    assert r.overall["servqual_unweighted"].iloc[0] == pytest.approx(-1.5)
    assert r.overall["msa"].iloc[0] == pytest.approx(3.5 / 3)
    # the wait on its own row, in its unit: MSA = A − P = −5, 10, 7; MSS = D − P = −15, 0, 2
    sep = r.separate_items.set_index("item")
    assert list(sep.index) == ["wait"]
    assert sep.loc["wait", "unit"] == "minutes"
    assert sep.loc["wait", "dimension"] == "responsiveness"
    assert sep.loc["wait", "msa"] == pytest.approx(12 / 3)
    assert sep.loc["wait", "mss"] == pytest.approx(-13 / 3)
    assert sep.loc["wait", "adequate_mean"] == pytest.approx(15.0)
    items = r.items.set_index("item")
    assert not items.loc["wait", "in_dimension"] and items.loc["r1", "in_dimension"]
    assert any("wait" in w for w in r.warnings)


def test_lower_better_rating_without_unit_is_also_on_its_own() -> None:
    items = {
        "r1": MIXED["r1"],
        "r2": {**MIXED["r2"], "direction": "lower_better"},
    }
    r = servqual(MIXED_DATA, items)
    # responsiveness = r1 alone: MSA (1, −1, 3) -> 1 ; MSS (−2, −3, 0) -> −5/3
    dims = r.dimensions.set_index("dimension")
    assert dims.loc["responsiveness", "msa"] == pytest.approx(1.0)
    assert dims.loc["responsiveness", "mss"] == pytest.approx(-5 / 3)
    assert r.separate_items["item"].tolist() == ["r2"]


def test_respondent_scores_leave_out_other_units() -> None:
    from servgap.core.servqual import respondent_scores

    rs = respondent_scores(MIXED_DATA, MIXED)
    # respondent gap (= MSS for three-column items) over r1, r2 only
    assert rs["responsiveness"].tolist() == pytest.approx([-2.5, -2.0, 0.0])


def test_item_rule_is_one_function() -> None:
    from servgap.core.servqual_stats import is_rating_item

    assert is_rating_item(direction="higher_better", unit=None)
    assert not is_rating_item(direction="lower_better", unit=None)
    assert not is_rating_item(direction="higher_better", unit="minutes")


def test_bad_unit_is_refused() -> None:
    spec = {"x": {**THREE["rel1"], "unit": 5}}
    with pytest.raises(SpecError):
        servqual(pd.DataFrame({"p": [1.0], "a": [1.0], "d": [2.0]}), spec)  # type: ignore[dict-item]


def test_change_between_periods_by_hand() -> None:
    from servgap.core.servqual import servqual_change

    now = servqual(MIXED_DATA, MIXED)
    before = servqual(MIXED_DATA.iloc[:2], MIXED)
    # before: respondents 1, 2 -> MSA (0.5 + 1)/2 = 0.75 ; MSS (−2.5 − 2)/2 = −2.25
    # wait before: MSA (−5 + 10)/2 = 2.5 ; MSS (−15 + 0)/2 = −7.5
    ch = servqual_change(now, before).set_index("dimension")
    row = ch[ch["item"].isna()].loc["responsiveness"]
    assert row["msa_compare"] == pytest.approx(0.75)
    assert row["msa_change"] == pytest.approx(3.5 / 3 - 0.75)
    assert row["mss_change"] == pytest.approx(-1.5 + 2.25)
    assert (row["n"], row["n_compare"]) == (3, 2)
    wait = ch[ch["item"] == "wait"].iloc[0]
    assert wait["unit"] == "minutes"
    assert wait["msa_change"] == pytest.approx(4.0 - 2.5)
    assert wait["mss_change"] == pytest.approx(-13 / 3 + 7.5)
