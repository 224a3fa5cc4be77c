"""New topics: clusters of complaints that fit no category well, per period.

A supervisor should see an emerging problem ("驿站搬了地方也没人通知") before a category
exists for it. The complaints given here are the ones the category model could not
place confidently (``outcome == "new"``) or placed in ``other``; within each period they
are clustered by content, and each cluster of at least ``min_size`` complaints is
reported with its keywords and the most typical examples.

Notes
-----
Texts are represented as in similar-case search (:func:`servgap.core.text.similar.
tfidf_vectors`: TF-IDF of jieba words and character 1-3-grams, each block L2-normalised
and weighted 1/sqrt(2), so a text vector has unit norm; idf over all the texts given).
Within a period, texts are
clustered by agglomerative clustering with average linkage on the cosine distance
1 - cos(u, v), cut at ``1 - min_similarity`` (Manning, Raghavan & Schütze 2008, ch. 17:
group-average clustering): two clusters merge only while the average similarity of
their members is at least ``min_similarity``. Keywords of a cluster are the class-based
TF-IDF of its texts against the other texts of the period
(:func:`servgap.core.text.keywords`); examples are the texts closest to the cluster's
centroid (cosine), most typical first, with personal data masked
(:func:`servgap.core.privacy.mask_text`). Deterministic: no random initialisation.

**New or seen before.** With c the centroid of a cluster of period p and tau the
smallest similarity u_i . c of its own members, a text of an *earlier* period (period
labels in sorted order: ISO weeks and months sort in time) is as close to the cluster as
its members when its similarity to c is at least tau. ``earlier`` counts such texts and
``new`` is true when they are fewer than ``min_size``: too few to have been a topic
before, so the problem is new this period ("new this week: 驿站搬了地方也没人通知").

References
----------
Manning, C. D., Raghavan, P., Schütze, H. (2008). Introduction to Information
Retrieval, chapter 17 (hierarchical clustering, group-average agglomerative clustering).
Grootendorst, M. (2022). BERTopic, arXiv:2203.05794 (class-based TF-IDF keywords).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError
from servgap.core.privacy import mask_text
from servgap.core.text._common import as_text_list, prepare
from servgap.core.text.keywords import keywords
from servgap.core.text.similar import tfidf_vectors

#: Default minimum average cosine similarity inside a cluster.
MIN_SIMILARITY = 0.1
#: Default smallest cluster reported.
MIN_SIZE = 3
_COLUMNS = ["period", "topic", "size", "share", "new", "earlier", "keywords", "examples",
            "indices"]  # fmt: skip


@dataclass(frozen=True)
class TopicsResult(ResultMixin):
    """Clusters of uncategorised complaints per period.

    Attributes
    ----------
    table : DataFrame
        One row per cluster: ``period``, ``topic`` (1 = largest in its period),
        ``size`` (complaints), ``share`` (of the period's texts given), ``new`` (fewer
        than ``min_size`` texts of earlier periods are as close to it as its members),
        ``earlier`` (how many are), ``keywords`` (list, strongest first), ``examples``
        (list of the most typical texts, personal data masked) and ``indices``
        (positions of the cluster's texts in the input).
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _clusters(dense: np.ndarray, min_similarity: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    if dense.shape[0] == 1:
        return np.zeros(1, dtype=np.int64)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=1.0 - min_similarity,
    )
    # an all-zero row (no features) has no cosine distance: give it its own tiny signal
    safe = dense.copy()
    safe[np.linalg.norm(dense, axis=1) == 0, 0] = 1e-9
    return np.asarray(model.fit_predict(safe), dtype=np.int64)


def new_topics(
    texts: Sequence[str],
    *,
    periods: Sequence[str] | None = None,
    min_size: int = MIN_SIZE,
    min_similarity: float = MIN_SIMILARITY,
    top_k: int = 5,
    n_examples: int = 3,
) -> TopicsResult:
    """Cluster uncategorised complaints per period, with keywords and examples.

    Parameters
    ----------
    texts : sequence of str
        Complaints that fit no category well (see module docstring).
    periods : sequence of str, optional
        One period label per text (e.g. ``2026-W14``); default: one period ``all``.
    min_size : int, default 3
        Smallest cluster reported (smaller groups are not yet a topic).
    min_similarity : float, default 0.1
        Minimum average cosine similarity of the texts of a cluster, in (0, 1).
    top_k, n_examples : int
        Keywords and examples per cluster.

    Returns
    -------
    TopicsResult

    Raises
    ------
    InputError
        Bad texts (rows listed), ``periods`` of another length, or parameters out of range.
    """
    items = as_text_list(texts, allow_empty=True)
    for name, value, lo in (("min_size", min_size, 1), ("top_k", top_k, 1),
                            ("n_examples", n_examples, 1)):  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise InputError(
                f"`{name}` must be an integer >= {lo}, got {value!r}.",
                f"`{name}` 必须是不小于 {lo} 的整数，收到 {value!r}。",
                fields=(name,),
            )
    if not 0.0 < min_similarity < 1.0:
        raise InputError(
            f"`min_similarity` must be between 0 and 1 (exclusive), got {min_similarity}.",
            f"`min_similarity` 必须在 0 与 1 之间（不含端点），收到 {min_similarity}。",
            fields=("min_similarity",),
        )
    labels = ["all"] * len(items) if periods is None else [str(p) for p in periods]
    if len(labels) != len(items):
        raise InputError(
            f"`periods` has {len(labels)} entries but there are {len(items)} texts.",
            f"`periods` 有 {len(labels)} 个，但文本有 {len(items)} 条。",
            fields=("periods",),
        )
    rows: list[dict[str, object]] = []
    if len(items) < min_size:
        return TopicsResult(table=pd.DataFrame(rows, columns=_COLUMNS))
    prepared = prepare(items)[0]
    # idf over all the texts given (not per period): a period with few texts still
    # weighs the words they share as the whole set does
    X, _ = tfidf_vectors(prepared, prepared[:1])
    for period in sorted(set(labels)):
        idx = [i for i, p in enumerate(labels) if p == period]
        if len(idx) < min_size:
            continue
        vecs = np.asarray(X[idx].todense(), dtype=np.float64)
        assign = _clusters(vecs, min_similarity)
        found = []
        for c in np.unique(assign):
            members = np.flatnonzero(assign == c)
            if len(members) >= min_size:
                found.append(members)
        if not found:
            continue
        found.sort(key=lambda m: (-len(m), int(m[0])))
        group = ["~"] * len(idx)
        for k, members in enumerate(found, start=1):
            for m in members:
                group[int(m)] = f"t{k}"
        kw = keywords([items[i] for i in idx], by=group, top_k=top_k).table
        before = [i for i, p in enumerate(labels) if p < period]
        old = np.asarray(X[before].todense(), dtype=np.float64) if before else None
        for k, members in enumerate(found, start=1):
            centroid = vecs[members].mean(axis=0)
            sims = vecs[members] @ centroid
            order = members[np.lexsort((members, -sims))]
            earlier = int(((old @ centroid) >= sims.min()).sum()) if old is not None else 0
            words = kw.loc[kw["group"] == f"t{k}"].sort_values("rank")["keyword"].tolist()
            rows.append(
                {
                    "period": period,
                    "topic": k,
                    "size": len(members),
                    "share": len(members) / len(idx),
                    "new": earlier < min_size,
                    "earlier": earlier,
                    "keywords": words,
                    "examples": [mask_text(items[idx[int(j)]]) for j in order[:n_examples]],
                    "indices": sorted(idx[int(j)] for j in members),
                }
            )
    return TopicsResult(table=pd.DataFrame(rows, columns=_COLUMNS))
