"""Aspect-level reading of survey comments: clauses, attribute / SERVQUAL dimension per
clause, polarity per clause, and the measured accuracy on the hand-written evaluation set
``aspect_eval.csv`` (Pontiki et al. 2014 style per-clause accuracy)."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.errors import InputError
from servgap.core.survey import parse_survey
from servgap.core.text.aspects import (
    DIMENSIONS,
    MEASURED,
    SurveyAttribute,
    aspect_lexicon,
    attribute_keywords,
    comment_aspects,
    evaluate_aspects,
    split_clauses,
    survey_attributes,
)
from servgap.demo.survey import load_survey_definition
from servgap.i18n import catalog

#: The figures may move this much (a retrained sentiment model) before the test fails.
MARGIN = 0.03


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("快递员人挺好，但是送得太慢了。下次再说", ["快递员人挺好", "但是送得太慢了", "下次再说"]),
        ("包装、速度都不错!不过客服电话老打不通", ["包装、速度都不错", "不过客服电话老打不通"]),
        ("不但快而且便宜，忙不过来也没关系", ["不但快而且便宜", "忙不过来也没关系"]),
        ("Nice driver but late. However, fine.", ["Nice driver", "but late", "However", "fine"]),
        ("！！！", []),
    ],
)
def test_clauses_cut_at_punctuation_and_contrast_markers(text: str, clauses: list[str]) -> None:
    assert [c.text for c in split_clauses(text)] == clauses


def test_lexicon_is_well_formed_and_every_aspect_has_a_name_in_both_languages() -> None:
    terms = aspect_lexicon()
    assert len(terms) > 300
    names = catalog()
    for t in terms:
        assert t.dimension in (*DIMENSIONS, None), t
        assert t.kind in ("target", "opinion") and 0 < t.weight <= 1 and t.valence in (-1, 0, 1)
        assert t.valence == 0 or t.kind == "opinion", t
        assert {"zh", "en"} <= set(names[f"aspect_{t.aspect}"]), t.aspect
    assert {t.dimension for t in terms} == {*DIMENSIONS, None}


def test_aspects_and_polarity_per_clause_without_a_survey() -> None:
    r = comment_aspects(["快递员态度很好，但是送得太慢了", "包装、速度都不错"])
    first, second = r.mentions()
    assert [(m.aspect, m.dimension, m.polarity) for m in first] == [
        ("courtesy", "assurance", "positive"),
        ("punctuality", "reliability", "negative"),
    ]
    assert {m.aspect for m in second} == {"packaging", "punctuality"}
    assert all(m.polarity == "positive" for m in second)
    assert "态度" in first[0].evidence and 0.33 < first[0].probability <= 1.0


def test_survey_attributes_win_over_generic_aspects() -> None:
    d = parse_survey(load_survey_definition())
    attrs = survey_attributes(d)
    assert "营业时间" in attribute_keywords(next(a for a in attrs if a.code == "emp2"))
    t = comment_aspects(
        ["营业时间太短，下班后网点就关门了。客服电话很难打通", "The hotline keeps me on hold."],
        attributes=attrs,
    ).table
    assert t["aspect"].tolist() == ["emp2", "res1", "res1"]
    assert t["source"].eq("survey").all()
    assert t["dimension"].tolist() == ["empathy", "responsiveness", "responsiveness"]
    assert t["polarity"].eq("negative").all()
    # neighbouring clauses about the same attribute are one mention
    assert t["clause"].iloc[0] == "营业时间太短，下班后网点就关门了"


def test_clause_without_aspect_joins_its_neighbour_and_sentence_without_any_is_general() -> None:
    t = comment_aspects(["说实话，快递员态度很差", "总的来说还可以吧"]).table
    assert t["clause"].tolist() == ["说实话，快递员态度很差", "总的来说还可以吧"]
    assert t["aspect"].tolist() == ["courtesy", None]
    assert t["dimension"].iloc[1] is None


def test_declared_keywords_and_validation() -> None:
    attrs = [SurveyAttribute("locker", "empathy", "自提柜", "Lockers", keywords=("格口",))]
    t = comment_aspects("格口太小放不下", attributes=attrs).table
    assert t["aspect"].tolist() == ["locker"]
    assert comment_aspects([]).table.empty
    with pytest.raises(InputError) as exc:
        comment_aspects(["好"], lexicon_pool=1.5)
    assert exc.value.fields == ("lexicon_pool",)
    with pytest.raises(InputError):
        comment_aspects(["好"], attributes=[*attrs, *attrs])
    with pytest.raises(InputError):
        comment_aspects(["好", " "])


def test_deterministic() -> None:
    texts = ["包裹破了，客服也不理人", "Fast and friendly, thanks"]
    assert comment_aspects(texts).table.equals(comment_aspects(texts).table)


def _eval() -> pd.DataFrame:
    path = resources.files("servgap").joinpath("data", "text", "aspect_eval.csv")
    with path.open(encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#")


def test_evaluation_set_is_held_out_and_complete() -> None:
    gold = _eval()
    assert gold["comment_id"].nunique() == 120
    assert set(gold["lang"]) == {"zh", "en"}
    assert set(gold["polarity"]) == {"negative", "neutral", "positive"}
    assert set(gold["dimension"]) == {*DIMENSIONS, "price", "none"}
    for r in gold.itertuples():
        assert r.clause in r.text
    # no evaluation comment is a lexicon entry or a demo comment
    terms = {t.term for t in aspect_lexicon()}
    assert not set(gold["text"].str.lower()) & terms


def test_measured_accuracy_on_the_evaluation_set() -> None:
    """Figures of :data:`MEASURED` (module docstring of core.text.aspects), minus MARGIN."""
    attrs = survey_attributes(parse_survey(load_survey_definition()))
    got = evaluate_aspects(_eval(), attributes=attrs)
    assert got["n_clauses"] == len(_eval())
    for key in ("dimension_accuracy", "polarity_accuracy", "joint_accuracy"):
        assert got[key] >= MEASURED[key] - MARGIN, (key, got[key])


def test_mention_summary_counts_shares_and_examples() -> None:
    from servgap.core.text.aspects import mention_summary

    table = comment_aspects(
        ["送得太慢了", "太慢了，晚了三天", "送得很快，点赞", "快递员态度很好", "还行吧"]
    ).table
    s = mention_summary(table)
    assert s.loc["punctuality", "n_mentions"] == 3 and s.loc["punctuality", "n_comments"] == 3
    assert s.loc["punctuality", "share_negative"] == pytest.approx(2 / 3)
    assert s.loc["punctuality", "share_positive"] == pytest.approx(1 / 3)
    assert len(s.loc["punctuality", "examples_negative"]) == 2
    assert s.loc["punctuality", "examples_positive"] == ["送得很快，点赞"]
    assert "courtesy" in s.index and len(s) == 2  # the general comment has no aspect
    dims = mention_summary(table, by="dimension")
    assert dims.loc["reliability", "n_mentions"] == 3


_PIECES = ["快递员", "态度很差", "但是", "送得很快", "，", "。", "包装破了", "the courier", " but ",
           "late", "!", "客服电话打不通", "还行", "营业时间", "😡", "1381234"]  # fmt: skip


@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map("".join),
                min_size=1, max_size=5))  # fmt: skip
@settings(max_examples=25, deadline=None)
def test_properties_probabilities_and_rows(texts: list[str]) -> None:
    texts = [x if x.strip() else "好" for x in texts]
    res = comment_aspects(texts)
    t = res.table
    assert t["comment"].between(0, len(texts) - 1).all()
    probs = t[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    assert ((probs >= 0) & (probs <= 1)).all()
    assert abs(probs.sum(axis=1) - 1).max() < 1e-9 if len(t) else True
    assert (t["probability"] >= 1 / 3 - 1e-12).all()
    # every clause of a mention is a part of its comment
    for r in t.itertuples():
        assert str(r.clause) in texts[int(r.comment)]
