"""Similar past cases and what resolved them, for the complaint desk's case page.

The corpus is the workspace's *resolved* cases (states resolved, follow_up_done,
closed) other than the case itself, the most recent :data:`MAX_CORPUS` by resolution
time; each is represented by its summary (the complaint text it was opened with). The
case's own summary is the query. Similarity is the TF-IDF cosine of
:func:`servgap.core.text.similar_cases`: scikit-learn's ``TfidfVectorizer`` (sublinear
tf) over two blocks of features, jieba words (the shared tokenizer
:func:`servgap.core.text.features.word_features`, which segments with
:mod:`servgap.core.text.segment` and drops stop words) and character 1–3-grams
(:func:`~servgap.core.text.features.char_features`, robust to typos and mixed zh/en),
each block L2-normalised and weighted 1/√2, so the cosine is the dot product, in [0, 1].
The vectoriser is fitted on the corpus of each call (no stored model).

What resolved a similar case is its recovery actions with their amounts, its total
compensation and, when recorded, the customer's satisfaction after the recovery.

References
----------
Salton, G., Buckley, C. (1988). Term-weighting approaches in automatic text retrieval.
Information Processing & Management 24(5), 513-523.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.cases import OUTCOME_STATES
from servgap.core.errors import NotFoundError
from servgap.core.text import similar_cases
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, RecoveryAction

#: The most recent resolved cases compared (bounds the page's time on large workspaces).
MAX_CORPUS = 5000
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
        past = list(
            s.scalars(
                select(Case)
                .where(
                    Case.workspace_id == ws.id,
                    Case.id != case.id,
                    Case.state.in_(sorted(OUTCOME_STATES)),
                    Case.summary != "",
                )
                .order_by(Case.resolved_at.desc(), Case.id.desc())
                .limit(MAX_CORPUS)
            ).all()
        )
        past = [c for c in past if c.summary.strip()]
        if not past:
            return ()
        sim = similar_cases(query, [c.summary for c in past], top_k=top_k).table
        hits = [(past[int(i)], float(sc)) for i, sc in zip(sim["index"], sim["score"], strict=True)]
        hits = [(c, sc) for c, sc in hits if sc >= MIN_SCORE]
        ids = [c.id for c, _ in hits]
        acts: dict[int, list[RecoveryAction]] = {i: [] for i in ids}
        if ids:
            for a in s.scalars(
                select(RecoveryAction)
                .where(RecoveryAction.case_id.in_(ids))
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
