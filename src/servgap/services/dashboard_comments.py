"""The dashboard's "comments by attribute" panel, shown next to the per-item zone of
tolerance: per attribute, how often the period's free-text comments mention it, the shares
negative and positive, two masked examples each, beside the share of customers below their
adequate level.

:func:`comments_part` runs :func:`servgap.services.comment_aspects.comment_aspects_of` on
the dashboard's cut of the period (reusing its SERVQUAL result); :func:`comment_rows`
words the panel for the page (``templates/dashboard_comments.html``) in one language.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from servgap.core.errors import ServgapError
from servgap.core.survey import dimension_label
from servgap.i18n import Lang, t
from servgap.services.comment_aspects import comment_aspects_of
from servgap.services.report import Missing

if TYPE_CHECKING:
    from servgap.core.servqual import ServqualResult
    from servgap.core.survey import SurveyDefinition

#: Columns of the panel (the attribute table of :class:`CommentAspects`, mentioned only).
PANEL_COLUMNS = ["attribute", "source", "dimension", "n_mentions", "share_negative",
                 "share_positive", "perceived_mean", "adequate_mean", "share_below",
                 "examples_negative", "examples_positive"]  # fmt: skip


def comments_part(
    d: SurveyDefinition,
    cur: pd.DataFrame,
    *,
    servqual: ServqualResult | Missing | None = None,
    empty: Missing | None = None,
) -> pd.DataFrame | Missing:
    """The panel's rows for the period's responses ``cur`` (already filtered), most
    mentioned first; a :class:`Missing` with the reason when there is nothing to show."""
    if empty is not None:
        return empty
    sq = servqual if servqual is not None and not isinstance(servqual, Missing) else None
    try:
        res = comment_aspects_of(d, cur, servqual=sq)
    except ServgapError as exc:
        return Missing.of(exc)
    att = res.attributes[res.attributes["n_mentions"] > 0]
    if att.empty:
        return Missing(
            t("web_dashboard_comments_none", "en"), t("web_dashboard_comments_none", "zh")
        )
    att = att.sort_values(["n_mentions", "share_negative"], ascending=[False, False], kind="stable")
    return att[PANEL_COLUMNS].reset_index(drop=True)


def _pct(x: Any) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(f) else f"{f:.0%}"


def _num(x: Any) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(f) else f"{f:.2f}"


def comment_rows(
    part: pd.DataFrame | Missing, label: Callable[[str, str], str], lang: Lang
) -> dict[str, Any]:
    """What ``dashboard_comments.html`` shows: ``{"missing": reason or None, "rows": [...]}``,
    each row with the attribute's name (``label(code, lang)``, the dashboard's labels; a
    generic aspect by its catalogue name), dimension, counts and shares as text, examples."""
    if isinstance(part, Missing):
        return {"missing": part.message(lang), "rows": []}
    sep = "；" if lang == "zh" else "; "
    rows = []
    for r in part.to_dict("records"):
        code, source = str(r["attribute"]), str(r["source"])
        dim = r["dimension"]
        rows.append({
            "attribute": code,
            "label": label(code, lang) if source == "survey" else t(f"aspect_{code}", lang),
            "source": t(f"aspect_source_{source}", lang),
            "dimension": dimension_label(dim, lang) if isinstance(dim, str) else "—",
            "n_mentions": int(r["n_mentions"]),
            "share_negative": _pct(r["share_negative"]),
            "share_positive": _pct(r["share_positive"]),
            "perceived_mean": _num(r["perceived_mean"]),
            "adequate_mean": _num(r["adequate_mean"]),
            "share_below": _pct(r["share_below"]),
            "examples_negative": sep.join(r["examples_negative"]),
            "examples_positive": sep.join(r["examples_positive"]),
        })  # fmt: skip
    return {"missing": None, "rows": rows}
