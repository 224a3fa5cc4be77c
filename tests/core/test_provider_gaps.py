"""Sources of expectations, choice rankings, competitor ratings and the provider gaps
(core.provider_gaps), on small tables worked by hand. Welch's and the paired t statistics
are computed from their formulas here; only the t distribution's tail comes from scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from servgap.core.provider_gaps import (
    competitor_comparison,
    provider_gaps,
    ranking_summary,
    source_profile,
)
from servgap.core.question_types import check_ranking
from servgap.core.survey import parse_survey


def test_ranking_borda_and_shares() -> None:
    data = pd.DataFrame(
        {"r_1": ["a", "b", None], "r_2": ["b", "a", None], "r_3": ["c", None, None]}
    )
    res = ranking_summary(data, ["r_1", "r_2", "r_3"], ["a", "b", "c", "d"])
    t = res.table.set_index("option")
    assert res.n == 2  # the third respondent ranked nothing
    # a: one first (3 points) and one second (2 points) over two respondents = 2.5
    assert t.loc["a", "borda"] == pytest.approx(2.5) and t.loc["b", "borda"] == pytest.approx(2.5)
    assert t.loc["c", "borda"] == pytest.approx(0.5) and t.loc["d", "borda"] == 0
    assert t.loc["a", "first_share"] == pytest.approx(0.5)
    assert t.loc["c", "top_share"] == pytest.approx(0.5)
    assert list(res.table["option"])[-1] == "d"


def test_sources_compare_the_expectations_of_those_who_name_them() -> None:
    data = pd.DataFrame(
        {
            "src_advertising": [1, 1, 0, 0, None],
            "src_word_of_mouth": [0, 1, 1, 0, None],
            "x_adequate": [4, 6, 5, 7, 9],
            "x_desired": [8, 9, 7, 8, 9],
        }
    )
    res = source_profile(data, "src", ["advertising", "word_of_mouth"], ["x"]).table
    ad = res.set_index("source").loc["advertising"]
    assert ad["n"] == 2 and ad["share"] == pytest.approx(0.5)  # of the four who answered
    assert ad["adequate_citing"] == pytest.approx(5.0) and ad["adequate_others"] == pytest.approx(
        6.0
    )
    # Welch by hand: both groups have variance 2, n = 2: t = -1 / sqrt(2/2 + 2/2), df = 2
    t = -1.0 / math.sqrt(1.0 + 1.0)
    assert ad["adequate_p"] == pytest.approx(2 * stats.t.sf(abs(t), 2.0), rel=1e-9)


def test_competitor_rating_is_compared_on_the_same_respondents() -> None:
    data = pd.DataFrame({"own_perceived": [6, 7, 8, np.nan], "sf": [5, 5, 7, 9]})
    res = competitor_comparison(data, [("sf", "顺丰", "own", "own_perceived")]).table.iloc[0]
    assert res["n"] == 3  # the fourth gave no own rating
    assert res["difference"] == pytest.approx(4 / 3)
    # d = 1, 2, 1: mean 4/3, sd sqrt(1/3), t = (4/3) / (sd / sqrt 3) = 4, df 2
    assert res["p"] == pytest.approx(2 * stats.t.sf(4.0, 2), rel=1e-9)


def test_gap_one_is_managers_minus_customers() -> None:
    customers = pd.DataFrame({"q_adequate": [6.0, 7.0, 8.0], "q_desired": [8.0, 9.0, 9.0]})
    managers = pd.DataFrame({"m_adequate": [5.0, 5.0], "m_desired": [7.0, 8.0]})
    items = pd.DataFrame({"item": ["q"], "format": ["three_column"], "dimension": ["reliability"],
                          "adequate_mean": [7.0], "desired_mean": [26 / 3], "msa": [0.5],
                          "mss": [-1.0]})  # fmt: skip
    promises = pd.DataFrame({"attribute": ["q", "q", "z"],
                             "status": ["over_promised", "kept", "over_promised"]})  # fmt: skip
    audits = pd.DataFrame({"item": ["q"], "audit_score": [0.82]})
    row = provider_gaps(customers, items, managers=managers, manager_items={"q": "m"},
                        audits=audits, promises=promises).table.iloc[0]  # fmt: skip
    assert row["gap1_adequate"] == pytest.approx(5.0 - 7.0)
    assert row["gap1_desired"] == pytest.approx(7.5 - 26 / 3)
    assert (row["promises"], row["promises_unkept"]) == (2, 1)
    assert row["audit_score"] == 0.82 and row["msa"] == 0.5


RANKED = {
    "code": "rk", "title": {"zh": "排序", "en": "Ranking"},
    "questions": [{"code": "why", "type": "ranking", "options": ["price", "speed", "care", "app"],
                   "text": {"zh": "选择理由", "en": "Why us"}},
                  {"code": "src", "type": "sources", "text": {"zh": "来源", "en": "Sources"}}],
}  # fmt: skip


def test_ranking_and_sources_declarations() -> None:
    d = parse_survey(RANKED)
    why, src = d.question("why"), d.question("src")
    assert why.columns() == ("why_1", "why_2", "why_3")
    assert src.options[0] == "past_experience" and "src_competitors" in src.columns()
    assert check_ranking(why, {"1": "price", "2": "speed", "3": None}) == []
    dup = check_ranking(why, {"1": "price", "2": "price", "3": None})
    assert len(dup) == 1 and "price" in dup[0].en
    gap = check_ranking(why, {"1": None, "2": "speed", "3": None})
    assert len(gap) == 1 and "earlier" in gap[0].en
