"""Tests for servgap.core.kano.

Published material: the evaluation table of Berger et al. (1993, CQM Journal 2(4)) and
Matzler & Hinterhuber (1998, Technovation 18(1)) — written out below independently of
the module; Better/Worse (Berger et al. 1993), category and total strength (Lee &
Newcomb 1997), Fong's (1996) criterion and DuMouchel's continuous scores (Berger et al.
1993), each checked on hand-worked counts whose arithmetic is written in the test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.errors import InputError, SpecError
from servgap.core.kano import KANO_TABLE, classify_kano, kano

# Berger et al. (1993), Table 1 / Matzler & Hinterhuber (1998), Fig. 3: rows functional,
# columns dysfunctional, both in the order like, must-be, neutral, live-with, dislike.
BERGER_1993 = """
Q A A A O
R I I I M
R I I I M
R I I I M
R R R R Q
"""


def test_evaluation_table_is_berger_1993() -> None:
    rows = [tuple(line.split()) for line in BERGER_1993.strip().splitlines()]
    assert tuple(rows) == KANO_TABLE
    for f, d in itertools.product(range(1, 6), range(1, 6)):
        assert classify_kano([f], [d])[0] == rows[f - 1][d - 1]
    assert classify_kano([1, np.nan], [5, 5]).tolist() == ["O", ""]


def _frame_from_counts(counts: dict[str, int]) -> pd.DataFrame:
    pair = {"A": (1, 3), "O": (1, 5), "M": (3, 5), "I": (3, 3), "R": (5, 1), "Q": (1, 1)}
    f: list[int] = []
    d: list[int] = []
    for c, k in counts.items():
        f += [pair[c][0]] * k
        d += [pair[c][1]] * k
    return pd.DataFrame({"f": f, "d": d})


def test_better_worse_strength_fong_hand_worked() -> None:
    df = _frame_from_counts({"A": 20, "O": 30, "M": 40, "I": 8, "R": 1, "Q": 1})
    row = kano(df, {"locker": ("f", "d")}).features.iloc[0]
    assert row["n"] == 100
    assert (row["A"], row["O"], row["M"], row["I"], row["R"], row["Q"]) == (20, 30, 40, 8, 1, 1)
    # Better = (A+O)/(A+O+M+I) = 50/98 ; Worse = -(O+M)/(A+O+M+I) = -70/98
    assert row["better"] == pytest.approx(50 / 98)
    assert row["worse"] == pytest.approx(-70 / 98)
    assert row["category"] == "M" and row["mode"] == "M"
    assert row["total_strength"] == pytest.approx(0.90)  # (20+30+40)/100
    assert row["category_strength"] == pytest.approx(0.10)  # (40-30)/100
    # Fong: 1.65*sqrt((40+30)*(200-70)/200) = 1.65*sqrt(45.5) = 11.1299 > |40-30| -> not sig.
    assert 1.65 * math.sqrt(70 * 130 / 200) == pytest.approx(11.1299, abs=1e-4)
    assert not row["fong_significant"]
    df2 = _frame_from_counts({"A": 10, "O": 25, "M": 55, "I": 10})
    # 1.65*sqrt(80*120/200) = 11.43 < 30 -> significant
    assert kano(df2, {"x": ("f", "d")}).features.iloc[0]["fong_significant"]


def test_near_tie_rule() -> None:
    df = _frame_from_counts({"I": 40, "M": 37, "A": 23})
    loose = kano(df, {"x": ("f", "d")}, near_tie=0.05).features.iloc[0]
    assert loose["mode"] == "I"
    assert loose["category"] == "M" and loose["tie_broken"]
    strict = kano(df, {"x": ("f", "d")}, near_tie=0.0).features.iloc[0]
    assert strict["category"] == "I" and not strict["tie_broken"]
    tie = _frame_from_counts({"A": 30, "O": 30, "I": 30, "M": 10})
    assert kano(tie, {"x": ("f", "d")}, near_tie=0.0).features.iloc[0]["category"] == "O"
    with pytest.raises(SpecError):
        kano(df, {"x": ("f", "d")}, near_tie=1.5)


def test_dumouchel_scores_hand_worked() -> None:
    # O: like/dislike -> (4, 4); M: neutral/dislike -> (0, 4); A: like/neutral -> (4, 0);
    # R: dislike/like excluded from the continuous means.
    df = pd.DataFrame({"f": [1, 3, 1, 5], "d": [5, 5, 3, 1]})
    row = kano(df, {"x": ("f", "d")}).features.iloc[0]
    assert row["n_continuous"] == 3
    assert row["functional_mean"] == pytest.approx((4 + 0 + 4) / 3)
    assert row["dysfunctional_mean"] == pytest.approx((4 + 4 + 0) / 3)


def test_chinese_and_english_labels() -> None:
    df = pd.DataFrame(
        {
            "f": ["我喜欢", "喜欢", "I like it", "like", "理所当然", "中立", "", None],
            "d": [
                "我不喜欢",
                "能忍受",
                "I can live with it",
                "Dislike",
                "必须这样",
                "无所谓",
                1,
                2,
            ],
        }
    )
    row = kano(df, {"x": ("f", "d")}).features.iloc[0]
    # O, A, A, O, I (must-be/must-be), I (neutral/neutral); two rows missing
    assert (row["n"], row["O"], row["A"], row["I"]) == (6, 2, 2, 2)


def test_bad_values_listed() -> None:
    df = pd.DataFrame({"f": [1, 6, 2, 0], "d": ["dislike", "maybe", "中立", "5"]})
    with pytest.raises(InputError) as ei:
        kano(df, {"x": ("f", "d")})
    got = {(p.row, p.column, p.value) for p in ei.value.problems}
    assert got == {(2, "f", 6.0), (4, "f", 0.0), (2, "d", "maybe")}
    assert "我喜欢" in ei.value.problems[0].zh


def test_by_segments_match_separate_runs() -> None:
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "f": rng.integers(1, 6, 400),
            "d": rng.integers(1, 6, 400),
            "seg": rng.choice(["b2b", "b2c"], 400),
        }
    )
    r = kano(df, {"x": ("f", "d")}, by="seg").features
    for seg, sub in df.groupby("seg"):
        alone = kano(sub, {"x": ("f", "d")}).features.iloc[0]
        row = r[r["seg"] == seg].iloc[0]
        for col in ("n", "A", "O", "M", "I", "R", "Q", "category", "better", "worse"):
            assert row[col] == alone[col]


@settings(max_examples=30, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=60),
    seed=st.integers(0, 1000),
)
def test_properties(pairs: list[tuple[int, int]], seed: int) -> None:
    df = pd.DataFrame(pairs, columns=["f", "d"])
    r = kano(df, {"x": ("f", "d")}).features.iloc[0]
    assert r[["A", "O", "M", "I", "R", "Q"]].sum() == r["n"] == len(pairs)
    for col in ("better", "total_strength", "category_strength"):
        assert np.isnan(r[col]) or 0.0 <= r[col] <= 1.0
    assert np.isnan(r["worse"]) or -1.0 <= r["worse"] <= 0.0
    shuffled = kano(df.sample(frac=1, random_state=seed), {"x": ("f", "d")}).features.iloc[0]
    pd.testing.assert_series_equal(r, shuffled)
