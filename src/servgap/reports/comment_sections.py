"""The report section "comments by attribute": what customers' free-text answers say about
each attribute, next to its three-column scores (placed after the zone-of-tolerance table).

Built from :class:`~servgap.services.comment_aspects.CommentAspects` (the survey results'
``comments``); like every section it computes nothing: it selects, labels and words.
Texts come from ``servgap/i18n/messages_aspects.yaml``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from servgap.core.errors import SpecError
from servgap.core.survey import SurveyDefinition, dimension_label
from servgap.core.text.aspects import MEASURED
from servgap.i18n import Lang, t
from servgap.reports.model import Section, Table
from servgap.services.report import Missing, ReportScope, SurveyResults

if TYPE_CHECKING:
    from servgap.services.comment_aspects import CommentAspects

#: Columns of the attribute table, the reader's first (the page shows the first nine).
ATTRIBUTE_TABLE = ("attribute", "label", "dimension", "n_mentions", "share_negative",
                   "share_positive", "perceived_mean", "adequate_mean", "share_below",
                   "examples_negative", "examples_positive", "desired_mean", "msa",
                   "source")  # fmt: skip
DIMENSION_TABLE = ("dimension", "n_mentions", "share_negative", "share_positive", "msa",
                   "share_below", "examples_negative", "examples_positive")  # fmt: skip
#: An attribute is named in the findings when at least this many clauses mention it.
MIN_MENTIONS = 3


def attribute_label(code: str, source: str, d: SurveyDefinition, lang: Lang) -> str:
    """A survey item's wording, or a lexicon aspect's name, in the report's language."""
    if source == "survey":
        try:
            return d.question(code).text.get(lang)
        except SpecError:  # an item the survey no longer has: its code
            return code
    return t(f"aspect_{code}", lang)


def _join(examples: object, lang: Lang) -> str:
    sep = "；" if lang == "zh" else "; "
    return sep.join(str(x) for x in examples) if isinstance(examples, list | tuple) else ""


def comments_tables(ca: CommentAspects, d: SurveyDefinition, lang: Lang) -> tuple[Table, Table]:
    """The attribute table and the dimension table, labelled, examples as one cell."""
    att = ca.attributes.copy()
    att["label"] = [attribute_label(str(c), str(s), d, lang)
                    for c, s in zip(att["attribute"], att["source"], strict=True)]  # fmt: skip
    att["dimension"] = [dimension_label(str(x), lang) if isinstance(x, str) else "—"
                        for x in att["dimension"]]  # fmt: skip
    att["source"] = [t(f"aspect_source_{s}", lang) for s in att["source"]]
    for col in ("examples_negative", "examples_positive"):
        att[col] = [_join(x, lang) for x in att[col]]
    att = att[att["n_mentions"] > 0].reset_index(drop=True)
    dims = ca.dimensions.copy()
    dims["dimension"] = [dimension_label(str(x), lang) for x in dims["dimension"]]
    for col in ("examples_negative", "examples_positive"):
        dims[col] = [_join(x, lang) for x in dims[col]]
    return (
        Table.of("comment_attributes", t("report_tab_comment_attributes", lang),
                 att[list(ATTRIBUTE_TABLE)]),
        Table.of("comment_dimensions", t("report_tab_comment_dimensions", lang),
                 dims[list(DIMENSION_TABLE)]),
    )  # fmt: skip


def comments_findings(ca: CommentAspects, d: SurveyDefinition, lang: Lang) -> list[str]:
    """The section's sentences: how much was read, the most negative attributes, where
    comments and scores agree, and what comments raise that the survey does not ask."""
    att = ca.attributes
    named = int(att["n_mentions"].sum())
    out = [t("report_f_comments_read", lang, n_comments=ca.n_comments, n_mentions=named)]
    sep = "、" if lang == "zh" else ", "
    enough = att[att["n_mentions"] >= MIN_MENTIONS]
    worst = enough.sort_values(["share_negative", "n_mentions"], ascending=[False, False])
    worst = worst[worst["share_negative"] > 0].head(3)
    if len(worst):
        items = sep.join(
            f"{attribute_label(str(r.attribute), str(r.source), d, lang)} "
            f"({r.share_negative:.0%}, n={r.n_mentions})"
            for r in worst.itertuples()
        )
        out.append(t("report_f_comments_most_negative", lang, items=items))
    survey_rows = enough[enough["source"] == "survey"]
    agree = survey_rows[(survey_rows["share_negative"] >= 0.5)
                        & (survey_rows["share_below"] >= 0.25)]  # fmt: skip
    for r in agree.head(2).to_dict("records"):
        below = float(r["share_below"])
        if not math.isnan(below):
            out.append(t("report_f_comments_agree", lang,
                         attribute=attribute_label(str(r["attribute"]), "survey", d, lang),
                         share=float(r["share_negative"]), below=below))  # fmt: skip
    unasked = enough[enough["source"] == "lexicon"]
    if len(unasked):
        items = sep.join(f"{t(f'aspect_{r.attribute}', lang)} (n={r.n_mentions})"
                         for r in unasked.itertuples())  # fmt: skip
        out.append(t("report_f_comments_unasked", lang, items=items))
    out.append(t("report_comments_method", lang, dim=MEASURED["dimension_accuracy"],
                 pol=MEASURED["polarity_accuracy"]))  # fmt: skip
    return out


def comments_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section | None:
    """Comments by attribute; None (no section) while the survey results carry no
    ``comments`` (a report built before comments were read)."""
    title = t("report_sec_comments", lang)
    if isinstance(sr, Missing):
        return Section("comments", title, missing=sr.message(lang))
    ca = getattr(sr, "comments", None)
    if ca is None:
        return None
    if isinstance(ca, Missing):
        return Section("comments", title, missing=ca.message(lang))
    tables = comments_tables(ca, sr.definition, lang)
    return Section("comments", title, tuple(comments_findings(ca, sr.definition, lang)), tables)
