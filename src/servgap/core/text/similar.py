"""Most similar earlier cases: TF-IDF cosine similarity on words + character n-grams.

The lead uses this to show "the most similar earlier cases and how they were
resolved". The vectoriser is fitted on the corpus (earlier cases) given in each
call, with the same features as the classifier (jieba words and character
1-3-grams, each block TF-IDF weighted and L2-normalised, then the two blocks
concatenated with weight 1/sqrt(2) each so that the combined vector has unit norm).

For many queries against one large corpus (a desk with 100,000 earlier complaints),
build the index once with :func:`build_case_index` and pass it as ``index=``: the
vectoriser, the unit-norm corpus matrix and its transpose (for a sparse product that
touches only the postings of the query's features) are then reused, and the top *k* are
taken with ``numpy.argpartition`` (``benchmarks/bench_text.py``, 100,000 complaints:
median 4.5 ms CPU / 12 ms wall per query, 95th percentile 19 ms wall on a busy 2-core
machine; the index is built once at ~7,600 texts per CPU-second).

``method="embedding"`` ranks by the cosine of multilingual sentence embeddings
(:mod:`servgap.core.text.embeddings`, optional package): it finds the English case of
the same problem for a Chinese complaint, which TF-IDF cannot (no shared features).
``method="hybrid"`` averages the two cosines. Embedding the corpus costs about 700-1,200
texts per CPU-second (longer texts are slower), once, when the index is built, and
holds 2 kB per case (100,000 cases: 205 MB); a query then takes about 90 ms over
100,000 cases. On 24 hand-written zh/en pairs (``similar_pairs.csv``) among 385 English
texts, the Chinese complaint finds its English twin first in 75 % of cases and in the
top 5 in 96 % (TF-IDF: 0 %).

Notes
-----
similarity(q, d) = cos(v_q, v_d) = v_q . v_d  (vectors have unit norm), in [0, 1]
for non-negative TF-IDF vectors; embedding cosines lie in [-1, 1] (clipped at 0 here,
so scores stay in [0, 1]); hybrid = (tfidf + embedding) / 2. Ties are broken by the
lower corpus index.

References
----------
Salton, G., Buckley, C. (1988). Term-weighting approaches in automatic text
retrieval. Information Processing & Management 24(5), 513-523.
Yang, Y. et al. (2020). Multilingual Universal Sentence Encoder for semantic retrieval.
ACL 2020 System Demonstrations, 87-94.
Checked against ``sklearn.metrics.pairwise.cosine_similarity`` in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError
from servgap.core.text._common import as_text_list, prepare
from servgap.core.text.features import char_features, word_features


@dataclass(frozen=True)
class SimilarCasesResult(ResultMixin):
    """Nearest earlier cases for each query.

    Attributes
    ----------
    table : DataFrame
        ``query`` (0-based index of the query text), ``rank`` (1 = most similar),
        ``index`` (0-based position in ``corpus_texts``), ``score`` (cosine
        similarity in [0, 1]) and ``text`` (the corpus text).
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def indices(self) -> list[int]:
        """Corpus indices of the first query's neighbours, most similar first."""
        t = self.table
        return [int(i) for i in t.loc[t["query"] == 0, "index"]]


def tfidf_vectors(corpus: list[str], queries: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Unit-norm TF-IDF vectors (words + char n-grams) of prepared corpus and query texts."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks_c: list[sp.csr_matrix] = []
    blocks_q: list[sp.csr_matrix] = []
    for analyzer in (word_features, char_features):
        vec = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float64)
        try:
            blocks_c.append(vec.fit_transform(corpus))
        except ValueError:  # empty vocabulary (e.g. only punctuation/digits in every text)
            blocks_c.append(sp.csr_matrix((len(corpus), 1)))
            blocks_q.append(sp.csr_matrix((len(queries), 1)))
            continue
        blocks_q.append(vec.transform(queries))
    w = 1.0 / math.sqrt(2.0)
    return (
        sp.hstack([b * w for b in blocks_c], format="csr"),
        sp.hstack([b * w for b in blocks_q], format="csr"),
    )


#: Ranking methods of :func:`similar_cases`.
METHODS = ("tfidf", "embedding", "hybrid")


@dataclass(frozen=True, eq=False)
class CaseIndex:
    """Earlier cases prepared for repeated searches (see :func:`build_case_index`).

    Attributes
    ----------
    texts : tuple of str
        The corpus texts, as given.
    matrix : csr_matrix, shape (n, n_features)
        Unit-norm TF-IDF rows (words and char n-grams, 1/sqrt(2) each).
    matrix_t : csr_matrix, shape (n_features, n)
        Its transpose, stored row-major for fast query products.
    embeddings : ndarray or None, shape (n, dim)
        Unit-norm sentence embeddings (float32) when built with ``embeddings=True``.
    """

    texts: tuple[str, ...]
    matrix: sp.csr_matrix
    matrix_t: sp.csr_matrix
    vectorizers: tuple[Any, ...] = field(repr=False)
    embeddings: npt.NDArray[np.float32] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    def query_vectors(self, prepared: list[str]) -> sp.csr_matrix:
        """Unit-norm TF-IDF vectors of prepared query texts in the index's feature space."""
        w = 1.0 / math.sqrt(2.0)
        blocks = [
            sp.csr_matrix((len(prepared), 1)) if v is None else v.transform(prepared) * w
            for v in self.vectorizers
        ]
        return sp.hstack(blocks, format="csr")


def build_case_index(corpus_texts: Sequence[str], *, embeddings: bool = False) -> CaseIndex:
    """Vectorise earlier cases once for many :func:`similar_cases` queries.

    Parameters
    ----------
    corpus_texts : sequence of str
        Earlier case texts; result indices refer to positions in this list.
    embeddings : bool, default False
        Also embed the corpus (needed for ``method="embedding"`` / ``"hybrid"``;
        optional package, about 1,200 texts per CPU-second).

    Raises
    ------
    InputError
        Bad texts (rows listed).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = as_text_list(corpus_texts, what="corpus_texts")
    pc = prepare(corpus)[0]
    w = 1.0 / math.sqrt(2.0)
    blocks: list[sp.csr_matrix] = []
    vecs: list[Any] = []
    for analyzer in (word_features, char_features):
        vec = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float64)
        try:
            blocks.append(vec.fit_transform(pc) * w)
            vecs.append(vec)
        except ValueError:  # empty vocabulary (e.g. only punctuation/digits in every text)
            blocks.append(sp.csr_matrix((len(pc), 1)))
            vecs.append(None)
    matrix = sp.hstack(blocks, format="csr")
    emb = None
    if embeddings:
        from servgap.core.text.embeddings import embed_texts

        emb = embed_texts(corpus).astype(np.float32)
    return CaseIndex(
        texts=tuple(corpus),
        matrix=matrix,
        matrix_t=matrix.T.tocsr(),
        vectorizers=tuple(vecs),
        embeddings=emb,
    )


def _top(scores: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.intp]:
    """Indices of the k largest scores, ties broken by the lower index."""
    n = scores.shape[0]
    if k >= n:
        return np.lexsort((np.arange(n), -scores))
    kth = np.partition(scores, n - k)[n - k]
    cand = np.flatnonzero(scores >= kth)
    order = np.lexsort((cand, -scores[cand]))[:k]
    return cand[order]


def similar_cases(
    query_text: str | Sequence[str],
    corpus_texts: Sequence[str] | None = None,
    *,
    top_k: int = 5,
    index: CaseIndex | None = None,
    method: str = "tfidf",
) -> SimilarCasesResult:
    """Find the earlier cases most similar to a new complaint.

    Parameters
    ----------
    query_text : str or sequence of str
        The new complaint(s).
    corpus_texts : sequence of str, optional
        Earlier case texts; result indices refer to positions in this list. Give
        either this or ``index``.
    top_k : int, default 5
        Number of neighbours per query (fewer if the corpus is smaller).
    index : CaseIndex, optional
        A prebuilt index (:func:`build_case_index`) for repeated queries.
    method : {"tfidf", "embedding", "hybrid"}, default "tfidf"
        Ranking: TF-IDF cosine, sentence-embedding cosine (finds cases across
        languages; optional package) or their mean.

    Returns
    -------
    SimilarCasesResult
        Long table: one row per (query, neighbour). ``indices`` gives the first
        query's neighbours.

    Raises
    ------
    InputError
        Bad texts (rows listed), ``top_k < 1``, an unknown ``method``, or neither /
        both of ``corpus_texts`` and ``index``.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError(
            f"`top_k` must be a positive integer, got {top_k!r}; use e.g. top_k=5.",
            f"`top_k` 必须是正整数，收到 {top_k!r}；例如 top_k=5。",
            fields=("top_k",),
        )
    if method not in METHODS:
        raise InputError(
            f"`method` must be one of {', '.join(METHODS)}, got {method!r}.",
            f"`method` 必须是 {', '.join(METHODS)} 之一，收到 {method!r}。",
            fields=("method",),
        )
    if (corpus_texts is None) == (index is None):
        raise InputError(
            "Give either `corpus_texts` (earlier case texts) or a prebuilt `index`, not "
            "both and not neither.",
            "请给出 `corpus_texts`（以往案例文本）或预先建立的 `index` 之一，不能同时给出或都不给。",
            fields=("corpus_texts", "index"),
        )
    queries = as_text_list(query_text, what="query_text")
    idx = (
        index
        if index is not None
        else build_case_index(corpus_texts or [], embeddings=method != "tfidf")
    )
    pq = prepare(queries)[0]
    n = len(idx)
    sims = np.zeros((len(pq), n), dtype=np.float64)
    if method != "embedding":
        sims += np.asarray((idx.query_vectors(pq) @ idx.matrix_t).toarray(), dtype=np.float64)
    if method != "tfidf":
        if idx.embeddings is None:
            raise InputError(
                f"`method={method}` needs an index built with embeddings=True.",
                f"`method={method}` 需要以 embeddings=True 建立的索引。",
                fields=("method", "index"),
            )
        from servgap.core.text.embeddings import embed_texts

        sims += embed_texts(queries) @ idx.embeddings.T
        if method == "hybrid":
            sims *= 0.5
    np.clip(sims, 0.0, 1.0, out=sims)
    k = min(top_k, n)
    rows: list[tuple[int, int, int, float, str]] = []
    for qi in range(len(pq)):
        for rank, j in enumerate(_top(sims[qi], k), start=1):
            rows.append((qi, rank, int(j), float(sims[qi, j]), idx.texts[int(j)]))
    table = pd.DataFrame(rows, columns=["query", "rank", "index", "score", "text"])
    return SimilarCasesResult(table=table)
