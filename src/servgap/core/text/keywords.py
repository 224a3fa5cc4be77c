"""Keywords / themes per group of texts (category, period, outlet ...).

Notes
-----
Texts are segmented (private jieba tokenizer + domain dictionary), stopwords,
single characters, and tokens containing digits (order and phone numbers) are
dropped.

*With groups* (``by`` given) the score is the class-based TF-IDF of BERTopic
(Grootendorst 2022, eq. 1, as implemented in ``bertopic.vectorizers.ClassTfidfTransformer``):
all texts of a group are joined into one document c, and

    W_{t,c} = tf_{t,c} * log(1 + A / f_t)

with tf_{t,c} the frequency of term t in group c divided by the number of terms
in c (L1 normalisation), f_t the frequency of t over all groups and A the
average number of terms per group (truncated to an integer, as BERTopic does).
Terms frequent in one group and rare elsewhere rank highest.

*Without groups* (``by=None``) every text is a document and the score of a
term is its mean TF-IDF over the texts (``TfidfVectorizer`` with smooth idf,
sublinear tf and L2 normalisation, averaged over rows): terms that are frequent
in many texts but not in every text rank highest.

References
----------
Grootendorst, M. (2022). BERTopic: Neural topic modeling with a class-based
TF-IDF procedure. arXiv:2203.05794, section 3.3, equation (1).
Salton, G., Buckley, C. (1988). Term-weighting approaches in automatic text
retrieval. Information Processing & Management 24(5), 513-523.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, ProblemCollector
from servgap.core.text._common import as_text_list, prepare, stopwords
from servgap.core.text.segment import tokens_of

_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class KeywordsResult(ResultMixin):
    """Top keywords per group.

    Attributes
    ----------
    table : DataFrame
        ``group``, ``rank`` (1 = strongest), ``keyword``, ``score`` (c-TF-IDF, or
        mean TF-IDF when there are no groups), ``count`` (occurrences in the
        group) and ``n_texts`` (texts of the group containing the keyword).
    method : str
        ``"c-tf-idf"`` or ``"mean-tf-idf"``.
    """

    table: pd.DataFrame
    method: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def keyword_tokens(prepared_text: str) -> list[str]:
    """Content tokens used for keywords (no stopwords, single characters or digits)."""
    stop = stopwords()
    return [
        w
        for w in tokens_of(prepared_text)
        if len(w) > 1 and w not in stop and not _HAS_DIGIT.search(w)
    ]


def class_tfidf(counts: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """c-TF-IDF matrix from a (groups x terms) count matrix (BERTopic eq. 1)."""
    c = np.asarray(counts, dtype=np.float64)
    row_sums = c.sum(axis=1, keepdims=True)
    tf = np.divide(c, row_sums, out=np.zeros_like(c), where=row_sums > 0)
    f = c.sum(axis=0)
    avg = float(int(c.sum(axis=1).mean()))
    idf = np.log(1.0 + np.divide(avg, f, out=np.zeros_like(f), where=f > 0))
    out: npt.NDArray[np.float64] = tf * idf
    return out


def keywords(
    texts: str | Sequence[str],
    *,
    by: Sequence[object] | None = None,
    top_k: int = 10,
) -> KeywordsResult:
    """Top keywords per group (c-TF-IDF) or overall (mean TF-IDF).

    Parameters
    ----------
    texts : str or sequence of str
    by : sequence, optional
        One group label per text (category, month, outlet ...). Labels are
        converted to strings; groups are listed in sorted order.
    top_k : int, default 10
        Keywords per group.

    Returns
    -------
    KeywordsResult

    Raises
    ------
    InputError
        Bad texts, a ``by`` of the wrong length or with missing labels, ``top_k < 1``.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError(
            f"`top_k` must be a positive integer, got {top_k!r}; use e.g. top_k=10.",
            f"`top_k` 必须是正整数，收到 {top_k!r}；例如 top_k=10。",
        )
    items = as_text_list(texts)
    prepared = prepare(items)[0]
    toks = [keyword_tokens(t) for t in prepared]
    cols = ["group", "rank", "keyword", "score", "count", "n_texts"]
    if by is None:
        return _mean_tfidf(toks, top_k, cols)
    labels = _groups(by, len(items))
    groups = sorted(set(labels))
    vocab = sorted({w for ts in toks for w in ts})
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.zeros((len(groups), len(vocab)), dtype=np.float64)
    ndocs = np.zeros_like(counts)
    gpos = {g: i for i, g in enumerate(groups)}
    for ts, g in zip(toks, labels, strict=True):
        gi = gpos[g]
        for w, c in Counter(ts).items():
            counts[gi, index[w]] += c
            ndocs[gi, index[w]] += 1
    scores = class_tfidf(counts)
    rows: list[tuple[str, int, str, float, int, int]] = []
    for gi, g in enumerate(groups):
        order = [j for j in np.lexsort((np.arange(len(vocab)), -scores[gi])) if counts[gi, j] > 0]
        for rank, j in enumerate(order[:top_k], start=1):
            rows.append(
                (g, rank, vocab[j], float(scores[gi, j]), int(counts[gi, j]), int(ndocs[gi, j]))
            )
    return KeywordsResult(table=pd.DataFrame(rows, columns=cols), method="c-tf-idf")


def _groups(by: Sequence[object], n: int) -> list[str]:
    if isinstance(by, str) or len(by) != n:
        got = 1 if isinstance(by, str) else len(by)
        raise InputError(
            f"`by` has {got} labels but there are {n} texts; give one group label per text.",
            f"`by` 有 {got} 个分组标签，但文本有 {n} 条；请为每条文本提供一个分组标签。",
        )
    pc = ProblemCollector()
    out: list[str] = []
    for i, g in enumerate(by, start=1):
        if (
            g is None
            or (isinstance(g, float) and np.isnan(g))
            or (isinstance(g, str) and not g.strip())
        ):
            pc.add(
                "the group label is missing; fill it in or drop the row.",
                "分组标签缺失；请补充或删除该行。",
                row=i,
                column="by",
                value=g,
            )
        else:
            out.append(str(g))
    pc.raise_if_any(
        InputError, f"{len(pc)} group labels are missing.", f"有 {len(pc)} 个分组标签缺失。"
    )
    return out


def _mean_tfidf(toks: list[list[str]], top_k: int, cols: list[str]) -> KeywordsResult:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(toks):
        return KeywordsResult(table=pd.DataFrame(columns=cols), method="mean-tf-idf")
    vec = TfidfVectorizer(analyzer=lambda ts: ts, sublinear_tf=True, dtype=np.float64)
    X = vec.fit_transform(toks)
    mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
    names = vec.get_feature_names_out()
    counts = Counter(w for ts in toks for w in ts)
    ndocs = Counter(w for ts in toks for w in set(ts))
    order = np.lexsort((np.arange(len(names)), -mean))[:top_k]
    rows = [
        ("all", r, str(names[j]), float(mean[j]), counts[str(names[j])], ndocs[str(names[j])])
        for r, j in enumerate(order, start=1)
    ]
    return KeywordsResult(table=pd.DataFrame(rows, columns=cols), method="mean-tf-idf")
