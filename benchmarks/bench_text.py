"""Throughput of complaint classification (servgap numpy scorer vs a scikit-learn Pipeline).

Both sides use the same features (jieba words + char 1-3-grams, TF-IDF) and the
same logistic-regression weights: the baseline is the scikit-learn Pipeline
fitted by ``sklearn_pipeline`` on the corpus train split, servgap is
``classify_complaints`` with the shipped model (exported from an identical fit).
One process, one thread (OMP/BLAS limited to 1). jieba's one-off dictionary build
(~0.7 s) is excluded by a warm-up call on both sides.

Usage: python benchmarks/bench_text.py [--quick] [--n 10000]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time
from collections.abc import Callable
from importlib import resources

import numpy as np
import pandas as pd

from servgap.core.text import classify_complaints, sentiment, similar_cases
from servgap.core.text.classify import DEFAULT_C, prepare_texts, sklearn_pipeline


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1,000 texts, one repeat")
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    n = 1_000 if args.quick else args.n
    repeat = 1 if args.quick else 3

    f = resources.files("servgap").joinpath("data", "text", "complaints_labelled.csv")
    with f.open("rb") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    train = df[df["split"] == "train"]
    rng = np.random.default_rng(0)
    texts = df["text"].to_numpy()[rng.integers(0, len(df), n)].tolist()
    print(f"{n} complaint texts (mean {np.mean([len(t) for t in texts]):.0f} chars), 1 process")

    pipe = sklearn_pipeline(
        prepare_texts(train["text"].tolist()), train["category"].tolist(), C=DEFAULT_C
    )
    classify_complaints(texts[:10])  # warm-up: jieba dictionary, model load
    pipe.predict_proba(prepare_texts(texts[:10]))

    t_ours = best_of(lambda: classify_complaints(texts), repeat)
    t_ours_noexp = best_of(lambda: classify_complaints(texts, explain=False), repeat)
    t_sk = best_of(lambda: pipe.predict_proba(prepare_texts(texts)), repeat)
    ours_pred = classify_complaints(texts, explain=False).table["category"].to_numpy()
    sk_pred = pipe.predict(prepare_texts(texts))
    agree = float(np.mean(ours_pred == sk_pred))

    print(f"{'method':45s} {'seconds':>8s} {'texts/s':>9s}")
    print(f"{'servgap classify_complaints (top_terms)':45s} {t_ours:8.3f} {n / t_ours:9.0f}")
    print(
        f"{'servgap classify_complaints (explain=False)':45s} {t_ours_noexp:8.3f} {n / t_ours_noexp:9.0f}"
    )
    print(f"{'sklearn Pipeline.predict_proba (baseline)':45s} {t_sk:8.3f} {n / t_sk:9.0f}")
    print(
        f"speed-up vs sklearn: {t_sk / t_ours:.2f}x (with top_terms), {t_sk / t_ours_noexp:.2f}x (without)"
    )
    print(f"prediction agreement with sklearn: {agree:.4f}")

    t_sent = best_of(lambda: sentiment(texts), repeat)
    print(f"{'servgap sentiment':45s} {t_sent:8.3f} {n / t_sent:9.0f}")
    corpus = train["text"].tolist()
    q = texts[:100]
    t_sim = best_of(lambda: similar_cases(q, corpus, top_k=5), repeat)
    print(f"similar_cases: 100 queries vs {len(corpus)} earlier cases: {t_sim:.3f} s")


if __name__ == "__main__":
    main()
