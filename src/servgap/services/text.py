"""Text use cases on the store: classify complaints, sentiment and emotions, keywords,
new topics and similar earlier cases.

Every reading uses the workspace's active models (:func:`servgap.services.text_corrections.
active_model`: the version retrained on the agents' corrections that won its comparison,
else the shipped default); retraining is :mod:`servgap.services.text_corrections`.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from servgap.core.text import (
    NEW_LABEL,
    NEW_THRESHOLD,
    TextModel,
    classify_complaints,
    keywords,
    sentiment,
    similar_cases,
)
from servgap.core.text.topics import MIN_SIMILARITY, MIN_SIZE, new_topics
from servgap.services.context import Store, get_workspace
from servgap.services.text_corrections import active_model, active_sentiment_model
from servgap.store.models import Case, Complaint, RecoveryAction, Site


def workspace_model(store: Store, workspace: str) -> tuple[TextModel, str]:
    """The workspace's active category model (a retrained version, else the shipped
    default) and its label (``v3``, ``default``): :func:`servgap.services.text_corrections.
    active_model`, the one rule every classification of the workspace follows."""
    active = active_model(store, workspace, "category")
    assert isinstance(active.model, TextModel)
    return active.model, active.label


def complaints_frame(store: Store, workspace: str) -> pd.DataFrame:
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(
                Complaint.code,
                Complaint.received_at,
                Complaint.channel,
                Site.code,
                Complaint.category,
                Complaint.text,
            )
            .outerjoin(Site, Site.id == Complaint.site_id)
            .where(Complaint.workspace_id == ws.id)
            .order_by(Complaint.received_at, Complaint.id)
        ).all()
    return pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["code", "received_at", "channel", "site", "category", "text"],
    )


def classify_stored(
    store: Store, workspace: str, *, min_confidence: float = NEW_THRESHOLD
) -> pd.DataFrame:
    """Every stored complaint with predicted category, confidence, ``outcome`` (``new``
    below ``min_confidence``), drivers, polarity, sentiment score and emotions."""
    frame = complaints_frame(store, workspace)
    if frame.empty:
        return frame
    model, _ = workspace_model(store, workspace)
    texts = frame["text"].tolist()
    cls = classify_complaints(texts, model=model, min_confidence=min_confidence).table
    sen = sentiment(texts, model=active_sentiment_model(store, workspace)).table
    out = frame.rename(columns={"category": "category_recorded"}).copy()
    out["category"] = cls["category"].to_numpy()
    out["confidence"] = cls["confidence"].to_numpy()
    out["outcome"] = cls["outcome"].to_numpy()
    out["top_terms"] = cls["top_terms"].to_numpy()
    out["polarity"] = sen["polarity"].to_numpy()
    out["sentiment"] = sen["score"].to_numpy()
    out["emotions"] = sen["emotions"].to_numpy()
    return out


def keywords_stored(
    store: Store, workspace: str, *, by: str = "category", top_k: int = 10
) -> pd.DataFrame:
    frame = complaints_frame(store, workspace)
    if frame.empty:
        return pd.DataFrame(columns=["group", "rank", "keyword", "score", "count", "n_texts"])
    if by == "period":
        with store.session() as s:
            tz = get_workspace(s, workspace).timezone
        labels = pd.to_datetime(frame["received_at"], utc=True).dt.tz_convert(tz)
        groups = labels.dt.strftime("%Y-%m").tolist()
    else:
        groups = frame[by].fillna("(none)").astype(str).tolist()
    return keywords(frame["text"].tolist(), by=groups, top_k=top_k).table


def survey_comment_keywords(
    store: Store,
    workspace: str,
    *,
    survey: str,
    question: str | None = None,
    by: str = "period",
    top_k: int = 10,
) -> pd.DataFrame:
    """Keywords and themes of a survey's free-text answers, per period, site, channel or segment.

    ``question`` is a free-text question of the survey (default: all of them); ``by`` is
    any column of the answer table (``period``, ``site``, ``channel``, a profile attribute
    such as ``customer_type``). Comments are read as written; nothing is stored.
    """
    from servgap.core.errors import InputError, UsageError
    from servgap.services.responses import load_responses

    definition, frame = load_responses(store, workspace=workspace, survey=survey)
    texts_q = [q.code for q in definition.questions if q.kind.free_text]
    if question is not None:
        if question not in texts_q:
            raise UsageError(
                f"`question` {question} is not a free-text question of survey `{survey}` "
                f"(free-text questions: {', '.join(texts_q) or 'none'}).",
                f"`question` {question} 不是调查 `{survey}` 的文字题（文字题：{'、'.join(texts_q) or '无'}）。",
                fields=("question",),
            )
        texts_q = [question]
    if not texts_q:
        raise InputError(
            f"Survey `{survey}` has no free-text question.", f"调查 `{survey}` 没有文字题。"
        )
    if by not in frame.columns:
        raise UsageError(
            f"`by` {by} is not a column of the answers; use period, site, channel or a profile "
            "attribute.",
            f"`by` {by} 不是答卷的列；请使用 period、site、channel 或客户画像属性。",
            fields=("by",),
        )
    long = frame.melt(id_vars=[by], value_vars=texts_q, value_name="text").dropna(subset=["text"])
    long = long[long["text"].astype(str).str.strip() != ""]
    if long.empty:
        return pd.DataFrame(columns=["group", "rank", "keyword", "score", "count", "n_texts"])
    groups = long[by].fillna("(none)").astype(str).tolist()
    return keywords(long["text"].astype(str).tolist(), by=groups, top_k=top_k).table


def similar_to_case(store: Store, workspace: str, code: str, *, top_k: int = 5) -> pd.DataFrame:
    """Earlier complaints most similar to case/complaint ``code`` and how they were resolved.

    The text compared is the complaint's; a case without a stored complaint (opened
    by hand) is compared by its summary with the complaints received before it opened.
    """
    from servgap.core.errors import NotFoundError

    frame = complaints_frame(store, workspace)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        hit = frame.index[frame["code"] == code]
        case = None
        if len(hit) == 0:
            case = s.scalar(select(Case).where(Case.workspace_id == ws.id, Case.code == code))
            if case is None:
                raise NotFoundError(
                    f"No complaint or case `{code}` in workspace `{workspace}`.",
                    f"工作区 `{workspace}` 中没有投诉或案例 `{code}`。",
                )
            if case.complaint_id is not None:
                ccode = s.scalar(select(Complaint.code).where(Complaint.id == case.complaint_id))
                hit = frame.index[frame["code"] == ccode]
        if len(hit):
            i = int(hit[0])
            query = str(frame.loc[i, "text"])
            earlier = frame.iloc[:i]
        else:  # a case opened by hand: its summary, against complaints before it opened
            opened = case.opened_at if case is not None else None
            query = (case.summary or "").strip() if case is not None else ""
            if not query or opened is None:
                raise NotFoundError(
                    f"Case `{code}` has neither a complaint text nor a summary to compare.",
                    f"案例 `{code}` 既没有投诉文本也没有摘要，无法比较。",
                )
            received = pd.to_datetime(frame["received_at"], utc=True)
            earlier = frame[(received < pd.Timestamp(opened)).to_numpy()]
        if earlier.empty:
            return pd.DataFrame(columns=["rank", "code", "score", "text", "state", "actions"])
        sim = similar_cases(query, earlier["text"].tolist(), top_k=top_k).table
        codes = earlier["code"].to_numpy()[sim["index"].to_numpy()]
        outcome: dict[str, tuple[str, str]] = {}
        rows = s.execute(
            select(Complaint.code, Case.state, RecoveryAction.action, RecoveryAction.amount_cny)
            .join(Case, Case.complaint_id == Complaint.id)
            .outerjoin(RecoveryAction, RecoveryAction.case_id == Case.id)
            .where(Complaint.workspace_id == ws.id, Complaint.code.in_(list(codes)))
        ).all()
        for c, state, action, amount in rows:
            prev = outcome.get(c, (state, ""))
            act = f"{action}" + (f" {amount:g}" if amount else "") if action else ""
            outcome[c] = (state, "; ".join(x for x in (prev[1], act) if x))
    return pd.DataFrame(
        {
            "rank": sim["rank"].to_numpy(),
            "code": codes,
            "score": sim["score"].to_numpy(),
            "text": sim["text"].to_numpy(),
            "state": [outcome.get(c, ("", ""))[0] for c in codes],
            "actions": [outcome.get(c, ("", ""))[1] for c in codes],
        }
    )


def new_topics_stored(
    store: Store,
    workspace: str,
    *,
    period: str = "week",
    min_confidence: float = NEW_THRESHOLD,
    include_other: bool = True,
    min_size: int = MIN_SIZE,
    min_similarity: float = MIN_SIMILARITY,
    top_k: int = 5,
) -> pd.DataFrame:
    """Emerging topics: the workspace's complaints that fit no category well, clustered per
    period (``week``: ISO week such as ``2026-W14``; ``month``: ``2026-03``, in the
    workspace's time zone), with keywords, examples and the complaint codes.

    A complaint fits no category well when the workspace's model gives it the outcome
    ``new`` (confidence below ``min_confidence``) or, with ``include_other``, the
    category ``other``. See :func:`servgap.core.text.topics.new_topics`.
    """
    from servgap.core.errors import UsageError

    if period not in ("week", "month"):
        raise UsageError(
            f"`period` is week or month, got {period}.",
            f"`period` 只能是 week 或 month，收到 {period}。",
            fields=("period",),
        )
    columns = ["period", "topic", "size", "share", "new", "earlier", "keywords", "examples",
               "codes"]  # fmt: skip
    frame = complaints_frame(store, workspace)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    model, _ = workspace_model(store, workspace)
    cls = classify_complaints(
        frame["text"].tolist(), model=model, explain=False, min_confidence=min_confidence
    ).table
    loose = (cls["outcome"] == NEW_LABEL) | (include_other & (cls["category"] == "other"))
    sub = frame[loose.to_numpy()].reset_index(drop=True)
    if sub.empty:
        return pd.DataFrame(columns=columns)
    with store.session() as s:
        tz = get_workspace(s, workspace).timezone
    local = pd.to_datetime(sub["received_at"], utc=True).dt.tz_convert(tz)
    if period == "week":
        iso = local.dt.isocalendar()
        labels = [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    else:
        labels = local.dt.strftime("%Y-%m").tolist()
    table = new_topics(sub["text"].tolist(), periods=labels, min_size=min_size,
                       min_similarity=min_similarity, top_k=top_k).table  # fmt: skip
    codes = sub["code"].to_numpy()
    table["codes"] = [[str(codes[i]) for i in ix] for ix in table["indices"]]
    return table.drop(columns=["indices"])[columns]
