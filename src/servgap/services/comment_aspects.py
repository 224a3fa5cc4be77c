"""Survey comments by attribute: what the free-text answers say about each attribute and
SERVQUAL dimension, next to that attribute's three-column scores.

:func:`comment_aspects_of` reads a survey's free-text answers with
:func:`servgap.core.text.aspects.comment_aspects` (the survey's own three-column items as
attributes) and joins the mentions to :func:`servgap.services.analysis.run_servqual` on the
same responses: one row per attribute with adequate / desired / perceived means, MSA and
the share below the zone, and the comments' count, shares negative and positive and two
example clauses of each polarity (counted by :func:`servgap.core.text.aspects.
mention_summary`; personal data masked with :func:`servgap.core.privacy.mask_text`). :func:`comment_aspects_stored` loads the survey
from the store and cuts it to a period and a site first. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InsufficientDataError, ServgapError, UsageError
from servgap.core.privacy import mask_text
from servgap.core.text.aspects import (
    AspectResult,
    aspect_dimensions,
    comment_aspects,
    mention_summary,
    survey_attributes,
)

if TYPE_CHECKING:
    from servgap.core.servqual import ServqualResult
    from servgap.core.survey import SurveyDefinition
    from servgap.services.context import Store

#: Example clauses shown per attribute and polarity.
N_EXAMPLES = 2
ATTRIBUTE_COLUMNS = [
    "attribute", "source", "dimension", "n_mentions", "n_comments", "share_negative",
    "share_positive", "adequate_mean", "desired_mean", "perceived_mean", "msa",
    "share_below", "examples_negative", "examples_positive",
]  # fmt: skip
DIMENSION_COLUMNS = [
    "dimension", "n_mentions", "share_negative", "share_positive", "msa", "share_below",
    "examples_negative", "examples_positive",
]  # fmt: skip


@dataclass(frozen=True)
class CommentAspects(ResultMixin):
    """Comments by attribute and by dimension, aligned with the three-column scores.

    Attributes
    ----------
    attributes : DataFrame
        One row per survey attribute (three-column item, in survey order) and per
        lexicon aspect that comments mention but the survey does not ask about:
        ``attribute, source`` (``survey`` / ``lexicon``), ``dimension, n_mentions,
        n_comments`` (comments mentioning it), ``share_negative, share_positive`` (of
        its mentions), ``adequate_mean, desired_mean, perceived_mean, msa,
        share_below`` (the item's SERVQUAL figures; NaN for a lexicon aspect) and
        ``examples_negative, examples_positive`` (two clauses each, masked).
    dimensions : DataFrame
        The same per SERVQUAL dimension, with the dimension's MSA and share below.
    mentions : DataFrame
        Every mention (:class:`~servgap.core.text.aspects.AspectResult` table) with the
        response's ``response_id``, ``period``, ``site`` and ``question``; clauses masked.
    n_comments, n_responses : int
        Free-text answers read; responses in the cut.
    """

    attributes: pd.DataFrame
    dimensions: pd.DataFrame
    mentions: pd.DataFrame
    n_comments: int
    n_responses: int

    def to_frame(self) -> pd.DataFrame:
        return self.attributes.copy()


def _counts(summary: pd.DataFrame, key: str) -> dict[str, object]:
    """One group's row of :func:`mention_summary`, or zero mentions."""
    if key in summary.index:
        return {str(k): v for k, v in summary.loc[key].to_dict().items()}
    return {"n_mentions": 0, "n_comments": 0, "share_negative": np.nan,
            "share_positive": np.nan, "examples_negative": [], "examples_positive": []}  # fmt: skip


def _cell(frame: pd.DataFrame | None, key: str, col: str) -> float:
    """One number of a SERVQUAL table indexed by item or dimension (NaN when absent)."""
    if frame is None or key not in frame.index or col not in frame.columns:
        return float("nan")
    return float(np.asarray(frame.loc[[key], col], dtype=np.float64)[0])


def comment_aspects_of(
    d: SurveyDefinition,
    data: pd.DataFrame,
    *,
    question: str | None = None,
    servqual: ServqualResult | None = None,
) -> CommentAspects:
    """Comments by attribute for a survey's responses ``data`` (already cut); see the module
    docstring. ``question``: one free-text question (default: all of them); ``servqual``:
    the SERVQUAL result of the same rows when the caller has it (the dashboard), else it is
    computed with :func:`servgap.services.analysis.run_servqual`.

    Raises
    ------
    UsageError
        ``question`` is not a free-text question of the survey.
    InsufficientDataError
        The survey has no free-text question, or no response answers one.
    """
    from servgap.services.analysis import run_servqual

    # free-text questions, never one declared personal (an address, a name)
    text_q = [q.code for q in d.questions if q.kind.free_text and not q.personal]
    if question is not None:
        if question not in text_q:
            raise UsageError(
                f"`question` {question} is not a free-text question of survey `{d.code}` "
                f"(free-text questions: {', '.join(text_q) or 'none'}).",
                f"`question` {question} 不是调查 `{d.code}` 的文字题（文字题：{'、'.join(text_q) or '无'}）。",
                fields=("question",),
            )
        text_q = [question]
    if not text_q:
        raise InsufficientDataError(
            f"Survey `{d.code}` has no free-text question: there are no comments to read.",
            f"调查 `{d.code}` 没有文字题：没有可分析的意见。",
        )
    meta = [c for c in ("response_id", "period", "site") if c in data.columns]
    present = [q for q in text_q if q in data.columns]
    long = data.melt(id_vars=meta, value_vars=present, var_name="question", value_name="text")
    long = long[long["text"].map(lambda v: isinstance(v, str) and bool(v.strip()))]
    long = long.reset_index(drop=True)
    if long.empty:
        raise InsufficientDataError(
            f"No response to survey `{d.code}` in this selection has a comment "
            f"({', '.join(text_q)}).",
            f"本次选择中调查 `{d.code}` 的答卷都没有填写意见（{'、'.join(text_q)}）。",
        )
    attrs = survey_attributes(d)
    res: AspectResult = comment_aspects(long["text"].tolist(), attributes=attrs)
    mentions = res.table.copy()
    for c in [*meta, "question"]:
        mentions[c] = long[c].to_numpy()[mentions["comment"].to_numpy()]
    mentions["clause"] = mentions["clause"].map(mask_text)
    items = dims = None
    try:
        sq = servqual if servqual is not None else run_servqual(d, data)
        items, dims = sq.items.set_index("item"), sq.dimensions.set_index("dimension")
    except ServgapError:
        pass  # comments are read even where the scores cannot be computed
    lex_dims = aspect_dimensions()
    by_item = mention_summary(mentions[mentions["source"] == "survey"], n_examples=N_EXAMPLES)
    by_aspect = mention_summary(mentions[mentions["source"] == "lexicon"], n_examples=N_EXAMPLES)
    by_dim = mention_summary(mentions, by="dimension", n_examples=N_EXAMPLES)
    rows: list[dict[str, object]] = []
    for a in attrs:
        row = {"attribute": a.code, "source": "survey", "dimension": a.dimension,
               **_counts(by_item, a.code)}  # fmt: skip
        for col in ("adequate_mean", "desired_mean", "perceived_mean", "msa", "share_below"):
            row[col] = _cell(items, a.code, col)
        rows.append(row)
    for aspect in by_aspect.index:
        rows.append({"attribute": aspect, "source": "lexicon",
                     "dimension": lex_dims.get(str(aspect)), **_counts(by_aspect, aspect)})  # fmt: skip
    attributes = pd.DataFrame(rows).reindex(columns=ATTRIBUTE_COLUMNS)
    drows: list[dict[str, object]] = []
    for dim in dict.fromkeys([*(a.dimension for a in attrs if a.dimension), *lex_dims.values()]):
        if dim is None:
            continue
        row = {"dimension": dim, **_counts(by_dim, dim)}
        for col in ("msa", "share_below"):
            row[col] = _cell(dims, dim, col)
        drows.append(row)
    dimensions = pd.DataFrame(drows).reindex(columns=DIMENSION_COLUMNS)
    return CommentAspects(attributes, dimensions, mentions, len(long), len(data))


def comment_aspects_stored(
    store: Store,
    workspace: str,
    *,
    survey: str | None = None,
    period: str | None = None,
    site: str | None = None,
    question: str | None = None,
) -> CommentAspects:
    """:func:`comment_aspects_of` on a stored survey's responses of one ``period`` (the
    survey's way of writing it, e.g. ``2026Q2``) and one ``site`` (default: all)."""
    from servgap.services.analysis import load_survey, select_period

    d, data = load_survey(store, workspace=workspace, survey=survey)
    if period is not None:
        data = select_period(d, data, period)
    if site is not None:
        if "site" not in data.columns or not (data["site"] == site).any():
            raise InsufficientDataError(
                f"Survey `{d.code}` has no responses from site {site} in this selection.",
                f"本次选择中调查 `{d.code}` 没有来自网点 {site} 的答卷。",
            )
        data = data[data["site"] == site].reset_index(drop=True)
    return comment_aspects_of(d, data, question=question)
