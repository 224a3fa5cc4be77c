"""Rebuild the shipped text artifacts deterministically.

Writes
  src/servgap/data/text/complaints_labelled.csv   (text, category, lang, split)
  src/servgap/data/text/complaint_model.npz        (default complaint classifier)
and prints the held-out quality of the classifier (template-disjoint test split)
and of the sentiment lexicon (sentiment_heldout.csv).

Usage:
  python scripts/train_text_models.py            # rebuild and report
  python scripts/train_text_models.py --check    # rebuild in memory, compare, exit 1 if different
"""

from __future__ import annotations

import argparse
import hashlib
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
    DEFAULT_C,
    DEFAULT_MODEL_FILE,
    TextModel,
    evaluate_classifier,
    fit_model,
    model_from_bytes,
    model_to_bytes,
    prepare_texts,
)
from servgap.core.text.sentiment import sentiment
from servgap.training.corpus import generate_complaints

DATA = Path(__file__).resolve().parents[1] / "src" / "servgap" / "data" / "text"
CORPUS_FILE = "complaints_labelled.csv"
SEED = 0


def corpus_csv_bytes() -> bytes:
    df = generate_complaints()
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def build_model(csv_bytes: bytes) -> tuple[pd.DataFrame, TextModel]:
    import io

    df = pd.read_csv(io.BytesIO(csv_bytes), dtype=str, keep_default_na=False)
    train = df[df["split"] == "train"]
    meta = {
        "corpus_file": CORPUS_FILE,
        "corpus_sha256": hashlib.sha256(csv_bytes).hexdigest(),
        "split": "template-disjoint (core phrasing index % 5 == 2 -> test)",
    }
    model = fit_model(
        prepare_texts(train["text"].tolist()),
        train["category"].tolist(),
        C=DEFAULT_C,
        seed=SEED,
        groups=train["template"].tolist(),
        meta=meta,
    )
    return df, model


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
    df, model = build_model(csv_bytes)
    if args.check:
        same_csv = (DATA / CORPUS_FILE).read_bytes() == csv_bytes
        shipped = model_from_bytes((DATA / DEFAULT_MODEL_FILE).read_bytes())
        same_model = (
            shipped.word_vocab == model.word_vocab
            and shipped.char_vocab == model.char_vocab
            and np.allclose(shipped.coef, model.coef, atol=1e-6)
            and abs(shipped.temperature - model.temperature) < 1e-4
        )
        print(f"corpus identical: {same_csv}; model identical: {same_model}")
        return 0 if same_csv and same_model else 1

    (DATA / CORPUS_FILE).write_bytes(csv_bytes)
    (DATA / DEFAULT_MODEL_FILE).write_bytes(model_to_bytes(model))

    test = df[df["split"] == "test"]
    ev = evaluate_classifier(test["text"].tolist(), test["category"].tolist(), model=model)
    print(f"corpus: {len(df)} texts, {df['split'].eq('train').sum()} train / {len(test)} test")
    print(df.groupby(["category", "lang"]).size().unstack(fill_value=0).to_string())
    print(f"\nheld-out (template-disjoint) macro-F1 {ev.macro_f1:.3f}, accuracy {ev.accuracy:.3f}")
    print(ev.metrics.round(3).to_string(index=False))
    print(ev.confusion.to_string())
    from servgap.core.text.classify import classify_complaints

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
    s = sentiment(held["text"].tolist()).table
    from sklearn.metrics import accuracy_score, f1_score

    acc = accuracy_score(held["polarity"], s["polarity"])
    f1 = f1_score(held["polarity"], s["polarity"], average="macro")
    print(f"\nsentiment held-out: n={len(held)} accuracy {acc:.3f} macro-F1 {f1:.3f}")
    neg = sentiment(df["text"].tolist()).table["polarity"].value_counts(normalize=True)
    print("sentiment on the complaint corpus (all complaints):", neg.round(3).to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
