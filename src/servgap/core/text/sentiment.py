"""Polarity and emotions of Chinese / English complaints and comments: a trained model.

Polarity (negative / neutral / positive) and five emotions that matter for service
recovery -- anger, anxiety or urgency, disappointment, a stated intention to leave
(换别家, 再也不用, 退订, cancel) and a stated intention to escalate (12315, 消协, 邮政管理局,
曝光, media, regulator) -- are predicted by linear models trained on labelled text
(:mod:`servgap.training.sentiment_model`; the shipped ``sentiment_model.npz``), each with
a calibrated probability and the words that carried it.

Features (one sparse row per text, three blocks):

* ``w:`` words (:func:`servgap.core.text.lexicon.polarity_words`): jieba tokens with the
  three tokens after a negator marked (``不 好`` gives ``!好``) and clause bigrams;
  TF-IDF (sublinear tf, smooth idf, L2 per block);
* ``c:`` character 1-3-grams within CJK runs (as the category model); TF-IDF, L2;
* ``d:`` dense cues (:data:`servgap.core.text.lexicon.DENSE_FEATURES`): the VADER-style
  lexicon score with negation and degree words, counts of negated and intensified
  valence words, ``!`` and ``?``, a rhetorical-question marker, praise inside a
  negative situation (sarcasm: 好评，下次还敢买) and the emotion cue words found.

Polarity is a multinomial logistic regression on these features; its probabilities
are temperature-scaled (Guo et al. 2017) on out-of-fold scores. ``score`` =
P(positive) - P(negative), in [-1, 1]; ``polarity`` is the most probable class.
Each emotion is a binary logistic regression on the same features (class-balanced),
Platt-scaled on out-of-fold scores (Platt 1999): p = 1 / (1 + exp(-(a z + b))). An
emotion is flagged when p reaches its threshold, the one that maximised F1 on the
training texts' out-of-fold probabilities (searched in 0.20, 0.25, ..., 0.70).

``terms`` are the features with the largest contributions x_j * (w_{k,j} - mean_i w_{i,j})
towards the predicted polarity k (at most 5), shown as words; ``emotion_terms`` the
same for each flagged emotion (a dense cue feature is shown as the cue words it found;
``!``, ``?``, ``反问/rhetorical question`` and ``反讽/sarcasm`` name the pattern cues).

Measured on the hand-written evaluation set ``text_eval.csv`` (157 zh + 109 en texts in a
narrative style unlike the training texts, never trained on; 73 use negation, sarcasm,
rhetorical questions or understatement): polarity accuracy 0.936 (zh) and 0.872 (en),
0.863 on the 73 hard texts; emotion flags precision / recall: leave 0.92 / 0.92,
escalate 1.00 / 1.00, urgency 0.60 / 0.55, anger 0.71 / 0.25, disappointment 0.38 / 0.14
(anger and disappointment that are implied by events rather than said are mostly
missed). On ``sentiment_heldout.csv``: accuracy 0.861, macro-F1 0.863 (the lexicon:
0.709 / 0.714). Printed by ``scripts/train_text_models.py``; floors asserted in
``tests/core/text/test_text_eval.py``. Category and polarity/emotions together (one
shared segmentation): about 2,200 texts per CPU-second on one core for 63-character
texts and about 4,000 for complaint-length (36-character) texts
(``benchmarks/bench_text.py``).

Scoring is numpy on plain arrays read from an ``.npz`` with ``allow_pickle=False``
(no pickle, no scikit-learn at run time), as for the category model.

References
----------
Pang, B., Lee, L. (2008). Opinion mining and sentiment analysis. Foundations and
Trends in Information Retrieval 2(1-2) (n-gram + negation-marking features).
Wang, S., Manning, C. D. (2012). Baselines and bigrams: simple, good sentiment and
topic classification. ACL 2012 (word bigrams for short texts).
Platt, J. (1999). Probabilistic outputs for support vector machines. Advances in
Large Margin Classifiers (sigmoid calibration).
Guo, C. et al. (2017). On calibration of modern neural networks. ICML (temperature).
Hutto, C. J., Gilbert, E. (2014). VADER. ICWSM-14 (the lexicon score feature).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError
from servgap.core.text._common import as_text_list, prepare, read_data_bytes
from servgap.core.text.features import char_features
from servgap.core.text.lexicon import (
    ALPHA,
    DENSE_FEATURES,
    EMOTIONS,
    N_SCALAR,
    LexiconScore,
    clauses,
    dense_features,
    lexicon,
    lexicon_score,
    polarity_words,
)

__all__ = [
    "ALPHA",
    "EMOTIONS",
    "N_SCALAR",
    "POLARITIES",
    "SentimentModel",
    "SentimentResult",
    "default_sentiment_model",
    "lexicon",
    "lexicon_score",
    "sentiment",
    "sentiment_model_from_bytes",
    "sentiment_model_to_bytes",
]

#: Polarity classes, in the row order of the model's coefficients.
POLARITIES: tuple[str, ...] = ("negative", "neutral", "positive")
#: File name of the shipped model in ``servgap/data/text``.
SENTIMENT_MODEL_FILE = "sentiment_model.npz"
TOP_TERMS = 5
_FORMAT_VERSION = 1

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class SentimentModel:
    """The polarity and emotion models as plain arrays (see module docstring).

    ``coef`` has one row per polarity class then one row per emotion, over the
    ``n_word + n_char + n_dense`` features; ``intercept`` likewise. ``temperature``
    scales the polarity softmax; ``platt`` holds (a, b) per emotion and ``thresholds``
    the probability from which each emotion is flagged.
    """

    word_vocab: tuple[str, ...]
    char_vocab: tuple[str, ...]
    word_idf: FloatArray
    char_idf: FloatArray
    coef: FloatArray
    intercept: FloatArray
    temperature: float
    platt: FloatArray
    thresholds: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)
    _word_index: dict[str, int] = field(init=False, repr=False, compare=False)
    _char_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_word_index", {w: i for i, w in enumerate(self.word_vocab)})
        object.__setattr__(self, "_char_index", {c: i for i, c in enumerate(self.char_vocab)})

    @property
    def n_features(self) -> int:
        return len(self.word_vocab) + len(self.char_vocab) + len(DENSE_FEATURES)

    def summary(self) -> dict[str, Any]:
        return {
            "polarities": list(POLARITIES),
            "emotions": list(EMOTIONS),
            "n_word_features": len(self.word_vocab),
            "n_char_features": len(self.char_vocab),
            "n_dense_features": len(DENSE_FEATURES),
            "temperature": self.temperature,
            "meta": dict(self.meta),
        }


@dataclass(frozen=True)
class SentimentResult(ResultMixin):
    """Polarity and emotions of texts.

    Attributes
    ----------
    table : DataFrame
        One row per text: ``polarity`` (negative / neutral / positive, the most
        probable), ``score`` = P(positive) - P(negative) in [-1, 1], ``terms`` (words
        that carried the polarity), ``p_negative``, ``p_neutral``, ``p_positive``,
        ``emotions`` (flagged emotions, p at least the emotion's threshold), ``p_anger``, ``p_urgency``,
        ``p_disappointment``, ``p_leave``, ``p_escalate``, ``emotion_terms``
        (emotion -> words that carried it, for the flagged ones) and ``truncated``.
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


# ------------------------------------------------------------------------------------
# features
# ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Featurised:
    """Features of prepared texts: sparse TF-IDF blocks (training and scoring) and the
    dense cue block, with what the cues found (for explanations)."""

    words: list[list[str]]
    chars: list[list[str]]
    dense: FloatArray
    lex: list[LexiconScore]
    cues: list[dict[str, list[str]]]


def featurise(prepared: Sequence[str]) -> Featurised:
    """Word and char tokens and the dense cue features of prepared (normalised) texts."""
    words: list[list[str]] = []
    chars: list[list[str]] = []
    dense = np.zeros((len(prepared), len(DENSE_FEATURES)), dtype=np.float64)
    lex: list[LexiconScore] = []
    cues: list[dict[str, list[str]]] = []
    for i, t in enumerate(prepared):
        cl = clauses(t)
        words.append(polarity_words(t, cl))
        chars.append(char_features(t))
        vec, ls, hits = dense_features(t, cl)
        dense[i] = vec
        lex.append(ls)
        cues.append(hits)
    return Featurised(words, chars, dense, lex, cues)


def _tfidf_block(
    docs: list[list[str]], index: dict[str, int], idf: FloatArray, offset: int
) -> tuple[list[npt.NDArray[np.int64]], list[npt.NDArray[np.int64]], list[FloatArray]]:
    rows: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    get = index.get
    for i, doc in enumerate(docs):
        c: dict[int, int] = {}
        for f in doc:
            j = get(f)
            if j is not None:
                c[j] = c.get(j, 0) + 1
        rows.extend([i] * len(c))
        cols.extend(c.keys())
        counts.extend(c.values())
    r = np.asarray(rows, dtype=np.int64)
    k = np.asarray(cols, dtype=np.int64)
    data = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * idf[k]
    norms = np.sqrt(np.bincount(r, weights=data * data, minlength=len(docs)))
    data = data / np.where(norms > 0, norms, 1.0)[r]
    return [r], [k + offset], [data]


def design_matrix(model: SentimentModel, f: Featurised) -> sp.csr_matrix:
    """The feature matrix of featurised texts under ``model``'s vocabularies."""
    n = len(f.words)
    nw, nc = len(model.word_vocab), len(model.char_vocab)
    r1, c1, d1 = _tfidf_block(f.words, model._word_index, model.word_idf, 0)
    r2, c2, d2 = _tfidf_block(f.chars, model._char_index, model.char_idf, nw)
    dr, dc = np.nonzero(f.dense)
    rows = np.concatenate(r1 + r2 + [dr.astype(np.int64)])
    cols = np.concatenate(c1 + c2 + [(dc + nw + nc).astype(np.int64)])
    data = np.concatenate(d1 + d2 + [f.dense[dr, dc]])
    return sp.csr_matrix((data, (rows, cols)), shape=(n, model.n_features))


# ------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------


def _softmax(z: FloatArray, temperature: float) -> FloatArray:
    s = z / temperature
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


#: How the punctuation / pattern cues are shown among the words that carried a result.
_CUE_NAMES = {
    "<exclamation>": "!",
    "<question>": "?",
    "<rhetorical_question>": "反问/rhetorical question",
    "<praise_in_complaint>": "反讽/sarcasm",
}


def _feature_label(model: SentimentModel, j: int, cues: dict[str, list[str]],
                   lex: LexiconScore) -> list[str]:  # fmt: skip
    nw, nc = len(model.word_vocab), len(model.char_vocab)
    if j < nw:
        w = model.word_vocab[j]
        if w.startswith("!"):  # a word in the scope of a negator
            return ["¬" + w[1:]]
        a, _, c = w.partition("_")
        return [f"{a} {c}" if a.isascii() and c.isascii() and c else w.replace("_", "")]
    if j < nw + nc:
        return [model.char_vocab[j - nw]]
    name = DENSE_FEATURES[j - nw - nc]
    if name.startswith("<cue:"):
        return list(dict.fromkeys(cues[name[5:-1]]))
    if name in ("<lex_score>", "<lex_positive>", "<lex_negative>", "<negated>", "<degree>"):
        return list(dict.fromkeys(lex.terms))
    return [_CUE_NAMES.get(name, name)]


def _explain(model: SentimentModel, X: sp.csr_matrix, i: int, weights: FloatArray,
             f: Featurised) -> list[str]:  # fmt: skip
    lo, hi = X.indptr[i], X.indptr[i + 1]
    idx = X.indices[lo:hi]
    contrib = X.data[lo:hi] * weights[idx]
    order = np.argsort(-contrib, kind="stable")
    out: list[str] = []
    for o in order:
        if contrib[o] <= 0 or len(out) >= TOP_TERMS:
            break
        for name in _feature_label(model, int(idx[o]), f.cues[i], f.lex[i]):
            if len(name) < 2 and not name.isascii() and len(out) > 0:
                continue
            if name and not any(name in t for t in out) and len(out) < TOP_TERMS:
                out.append(name)
    return out


def score_texts(model: SentimentModel, prepared: Sequence[str], *, explain: bool = True
                ) -> pd.DataFrame:  # fmt: skip
    """Polarity and emotion table of prepared texts (see :func:`sentiment`)."""
    f = featurise(prepared)
    X = design_matrix(model, f)
    z = np.asarray(X @ model.coef.T, dtype=np.float64) + model.intercept
    k = len(POLARITIES)
    p = _softmax(z[:, :k], model.temperature)
    ze = z[:, k:]
    pe = 1.0 / (1.0 + np.exp(-(model.platt[:, 0] * ze + model.platt[:, 1])))
    pred = np.argmax(p, axis=1)
    centred = model.coef[:k] - model.coef[:k].mean(axis=0, keepdims=True)
    terms: list[list[str]] = []
    emos: list[list[str]] = []
    emo_terms: list[dict[str, list[str]]] = []
    for i in range(len(prepared)):
        flagged = [e for j, e in enumerate(EMOTIONS) if pe[i, j] >= model.thresholds[j]]
        emos.append(flagged)
        if explain:
            terms.append(_explain(model, X, i, centred[pred[i]], f))
            emo_terms.append(
                {e: _explain(model, X, i, model.coef[k + EMOTIONS.index(e)], f) for e in flagged}
            )
        else:
            terms.append([])
            emo_terms.append({})
    table = pd.DataFrame(
        {
            "polarity": [POLARITIES[j] for j in pred],
            "score": p[:, 2] - p[:, 0],
            "terms": terms,
            "p_negative": p[:, 0],
            "p_neutral": p[:, 1],
            "p_positive": p[:, 2],
            "emotions": emos,
            **{f"p_{e}": pe[:, j] for j, e in enumerate(EMOTIONS)},
            "emotion_terms": emo_terms,
        }
    )
    return table


@lru_cache(maxsize=1)
def default_sentiment_model() -> SentimentModel:
    """The shipped polarity/emotion model (``servgap/data/text/sentiment_model.npz``)."""
    return sentiment_model_from_bytes(read_data_bytes(SENTIMENT_MODEL_FILE))


def sentiment(
    texts: str | Sequence[str], *, model: SentimentModel | None = None, explain: bool = True
) -> SentimentResult:
    """Polarity, emotions, probabilities and the words that carried them.

    Parameters
    ----------
    texts : str or sequence of str
        Complaints or comments, Chinese, English or mixed. Texts longer than
        ``MAX_TEXT_CHARS`` (500) characters are truncated and flagged in ``truncated``.
    model : SentimentModel, optional
        Default: the shipped model.
    explain : bool, default True
        Compute ``terms`` and ``emotion_terms`` (else empty).

    Returns
    -------
    SentimentResult
        See :class:`SentimentResult` for the columns and the module docstring for the
        model.

    Raises
    ------
    InputError
        Non-string or empty texts (all offending rows listed).

    Examples
    --------
    >>> t = sentiment(["气死我了，再这样我就换别家了！"]).table
    >>> t["polarity"].iloc[0], sorted(t["emotions"].iloc[0])
    ('negative', ['anger', 'leave'])
    """
    m = model if model is not None else default_sentiment_model()
    items = as_text_list(texts)
    prepared, truncated = prepare(items)
    table = score_texts(m, prepared, explain=explain)
    table["truncated"] = truncated
    return SentimentResult(table=table)


# ------------------------------------------------------------------------------------
# persistence (npz, allow_pickle=False)
# ------------------------------------------------------------------------------------


def sentiment_model_to_bytes(model: SentimentModel) -> bytes:
    """Serialise a model to ``.npz`` bytes (no pickle)."""
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        word_vocab=np.array(model.word_vocab, dtype=str),
        char_vocab=np.array(model.char_vocab, dtype=str),
        word_idf=model.word_idf,
        char_idf=model.char_idf,
        coef=model.coef,
        intercept=model.intercept,
        temperature=np.array(model.temperature),
        platt=model.platt,
        thresholds=model.thresholds,
        dense_features=np.array(DENSE_FEATURES, dtype=str),
        meta=np.array(json.dumps(model.meta, sort_keys=True, ensure_ascii=False)),
    )
    return buf.getvalue()


def sentiment_model_from_bytes(data: bytes, source: str = "<bytes>") -> SentimentModel:
    """Read a model written by :func:`sentiment_model_to_bytes` (``allow_pickle=False``)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            dense = tuple(str(x) for x in z["dense_features"])
            model = SentimentModel(
                word_vocab=tuple(str(w) for w in z["word_vocab"]),
                char_vocab=tuple(str(c) for c in z["char_vocab"]),
                word_idf=np.asarray(z["word_idf"], dtype=np.float64),
                char_idf=np.asarray(z["char_idf"], dtype=np.float64),
                coef=np.asarray(z["coef"], dtype=np.float64),
                intercept=np.asarray(z["intercept"], dtype=np.float64),
                temperature=float(z["temperature"]),
                platt=np.asarray(z["platt"], dtype=np.float64),
                thresholds=np.asarray(z["thresholds"], dtype=np.float64),
                meta=json.loads(str(z["meta"])),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(
            f"{source} is not a servgap sentiment model (.npz): {str(exc).rstrip('.')}.",
            f"{source} 不是 servgap 情感模型文件（.npz）：{str(exc).rstrip('.')}。",
        ) from exc
    n_rows = len(POLARITIES) + len(EMOTIONS)
    if dense != DENSE_FEATURES or model.coef.shape != (n_rows, model.n_features):
        raise InputError(
            f"{source}: the model's features ({model.coef.shape}, {len(dense)} cues) do not "
            f"match this servgap version ({n_rows} x {model.n_features}); retrain it.",
            f"{source}：模型特征（{model.coef.shape}，{len(dense)} 个线索）与当前 servgap 版本"
            f"（{n_rows} x {model.n_features}）不符；请重新训练。",
        )
    return model
