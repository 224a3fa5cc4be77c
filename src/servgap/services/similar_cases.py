"""Similar past cases and what resolved them, for the complaint desk's case page.

The corpus is the workspace's *resolved* cases (states resolved, follow_up_done,
closed) other than the case itself, the most recent :data:`MAX_CORPUS` by resolution
time; each is represented by its summary (the complaint text it was opened with). The
case's own summary is the query.

The corpus is vectorised once into a :class:`~servgap.core.text.similar.CaseIndex` and
kept in memory per workspace until the set of resolved cases changes (a fingerprint of
their count, ids and latest resolution time is read with every query); a query is then
one sparse product with ``argpartition`` (about 12 ms over 100,000 cases,
``benchmarks/bench_text.py``) instead of refitting the vectoriser on every page view. Similarity is the TF-IDF cosine of
:func:`servgap.core.text.similar_cases`: scikit-learn's ``TfidfVectorizer`` (sublinear
tf) over two blocks of features, jieba words (the shared tokenizer
:func:`servgap.core.text.features.word_features`, which segments with
:mod:`servgap.core.text.segment` and drops stop words) and character 1–3-grams
(:func:`~servgap.core.text.features.char_features`, robust to typos and mixed zh/en),
each block L2-normalised and weighted 1/√2, so the cosine is the dot product, in [0, 1].
The vectoriser is fitted on the corpus (no stored model).

What resolved a similar case is its recovery actions with their amounts, its total
compensation and, when recorded, the customer's satisfaction after the recovery.

References
----------
Salton, G., Buckley, C. (1988). Term-weighting approaches in automatic text retrieval.
Information Processing & Management 24(5), 513-523.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.cases import OUTCOME_STATES
from servgap.core.errors import NotFoundError
from servgap.core.text import similar_cases
from servgap.core.text.similar import CaseIndex, build_case_index
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, RecoveryAction, Workspace

#: The most recent resolved cases compared (bounds memory and the index's build time).
MAX_CORPUS = 100_000
#: Workspaces whose index is kept in memory (least recently used dropped first).
MAX_INDEXES = 8
_indexes: OrderedDict[tuple[str, int], tuple[tuple[Any, ...], list[int], CaseIndex]] = OrderedDict()
_lock = threading.Lock()
#: Neighbours below this cosine share nothing useful with the case and are not shown.
MIN_SCORE = 0.05


@dataclass(frozen=True)
class SimilarCase(ResultMixin):
    """One resolved case like the query, with what resolved it.

    ``score``: TF-IDF cosine similarity in [0, 1]; ``actions``: its recovery actions
    (``coupon 20`` with the amount in CNY when there is one), in the order recorded.
    """

    case: str
    score: float
    summary: str
    category: str
    state: str
    resolved_at: str | None
    actions: tuple[str, ...]
    compensation_cny: float
    satisfaction_after: float | None


def similar_resolved_cases(
    store: Store, *, workspace: str, code: str, top_k: int = 5
) -> tuple[SimilarCase, ...]:
    """The resolved cases most similar to case ``code``, most similar first (see the module).

    Empty when the case has no summary, the workspace has no other resolved case, or
    nothing shares a word or character n-gram with it (score below :data:`MIN_SCORE`).
    """
    with store.session() as s:
        ws = get_workspace(s, workspace)
        case = s.scalar(select(Case).where(Case.workspace_id == ws.id, Case.code == code))
        if case is None:
            raise NotFoundError(
                f"Case `{code}` does not exist in workspace `{workspace}`.",
                f"工作区 `{workspace}` 中没有工单 `{code}`。",
            )
        query = (case.summary or "").strip()
        if not query:
            return ()
        got = _corpus_index(s, store, ws)
        if got is None:
            return ()
        ids, index = got
        sim = similar_cases(query, index=index, top_k=min(top_k + 1, len(ids))).table
        pairs = [(ids[int(i)], float(sc)) for i, sc in zip(sim["index"], sim["score"], strict=True)]
        pairs = [(i, sc) for i, sc in pairs if i != case.id][:top_k]  # never the case itself
        rows = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_([i for i, _ in pairs])))}
        hits = [(rows[i], sc) for i, sc in pairs if i in rows]
        hits = [(c, sc) for c, sc in hits if sc >= MIN_SCORE]
        hit_ids = [c.id for c, _ in hits]
        acts: dict[int, list[RecoveryAction]] = {i: [] for i in hit_ids}
        if hit_ids:
            for a in s.scalars(
                select(RecoveryAction)
                .where(RecoveryAction.case_id.in_(hit_ids))
                .order_by(RecoveryAction.at, RecoveryAction.id)
            ).all():
                acts[a.case_id].append(a)
        return tuple(
            SimilarCase(
                case=c.code,
                score=round(sc, 4),
                summary=c.summary,
                category=c.category,
                state=c.state,
                resolved_at=c.resolved_at.isoformat() if c.resolved_at else None,
                actions=tuple(
                    a.action + (f" {a.amount_cny:g}" if a.amount_cny else "") for a in acts[c.id]
                ),
                compensation_cny=float(sum(a.amount_cny for a in acts[c.id])),
                satisfaction_after=c.satisfaction_after,
            )
            for c, sc in hits
        )


def _corpus_index(s: Session, store: Store, ws: Workspace) -> tuple[list[int], CaseIndex] | None:
    """The ids and the index of the workspace's resolved cases with a summary (cached)."""
    resolved = (
        Case.workspace_id == ws.id,
        Case.state.in_(sorted(OUTCOME_STATES)),
        Case.summary != "",
    )
    count, id_sum, latest = s.execute(
        select(func.count(Case.id), func.sum(Case.id), func.max(Case.resolved_at)).where(*resolved)
    ).one()
    if not count:
        return None
    key = (store.settings.resolved_database_url(), ws.id)
    fingerprint = (int(count), int(id_sum or 0), str(latest))
    with _lock:
        hit = _indexes.get(key)
        if hit is not None and hit[0] == fingerprint:
            _indexes.move_to_end(key)
            return hit[1], hit[2]
    found = s.execute(
        select(Case.id, Case.summary)
        .where(*resolved)
        .order_by(Case.resolved_at.desc(), Case.id.desc())
        .limit(MAX_CORPUS)
    ).all()
    rows = [(int(i), str(t)) for i, t in found if t.strip()]
    if not rows:
        return None
    ids = [i for i, _ in rows]
    index = build_case_index([t for _, t in rows])
    with _lock:
        _indexes[key] = (fingerprint, ids, index)
        _indexes.move_to_end(key)
        while len(_indexes) > MAX_INDEXES:
            _indexes.popitem(last=False)
    return ids, index
