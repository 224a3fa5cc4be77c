"""What the PDF and the slides present of a built report, beyond its sections.

* :func:`key_figures`: the executive summary's figures (CSI, NPS and its change,
  CSAT, overall MSA, complaints), each read from one cell of one table;
* :func:`highlights`: the summary's sentences (weakest dimension, change, the
  short board, alerts, top complaint categories, capacity risk), each one of the
  report's own findings;
* :func:`display_table`: a table as a reader sees it on a page or a slide: the
  columns that matter (:data:`DISPLAY_COLUMNS`; every column is in the
  spreadsheet), headers and codes in the report's language, cells formatted as
  in Markdown; personal tables are named, never printed;
* :func:`method_notes` and :func:`missing_sections`: the method page.

Like the writers, nothing here computes: it selects and words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from servgap.core.cases import CATEGORIES
from servgap.i18n import Lang, t
from servgap.reports.chart_data import (
    construct_label,
    dimension_name,
    group_name,
    value_spec_label,
)
from servgap.reports.model import Report, Section, Table
from servgap.reports.writers._cells import display, plain

#: Tables longer than this are named with their row count, not printed (the
#: spreadsheet, the CSV files and the JSON have them whole).
MAX_ROWS = 60

#: The columns a reader needs, per table; other tables show their first
#: :data:`MAX_COLUMNS` columns. ``quadrant`` is shown in the report's language.
DISPLAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "servqual_dimensions": ("dimension", "n", "msa", "mss", "share_below", "share_inside",
                            "share_above"),
    "servqual_items": ("item", "dimension", "n", "adequate_mean", "desired_mean",
                       "perceived_mean", "msa", "mss", "share_below"),
    "servqual_separate_items": ("item", "unit", "n", "adequate_mean", "desired_mean",
                                "perceived_mean", "msa", "mss", "share_below"),
    "servqual_overall": ("n", "servqual_unweighted", "servqual_weighted", "msa", "mss"),
    "servqual_dimensions_by_site": ("site", "dimension", "n", "msa", "mss", "share_below"),
    "change_vs_compare": ("dimension", "item", "n", "n_compare", "msa_compare", "msa",
                          "msa_change", "mss_compare", "mss", "mss_change"),
    "nps_change": ("measure", "n", "n_compare", "value_compare", "value", "change"),
    "comment_attributes": ("label", "dimension", "n_mentions", "share_negative",
                           "share_positive", "perceived_mean", "adequate_mean",
                           "share_below", "examples_negative"),
    "comment_dimensions": ("dimension", "n_mentions", "share_negative", "share_positive",
                           "msa", "share_below", "examples_negative"),
    "tolerance_items": ("item", "dimension", "n", "adequate_mean", "desired_mean",
                        "perceived_mean", "zone_width", "share_below", "share_above"),
    "kano_features": ("feature", "n", "share_A", "share_O", "share_M", "share_I", "category",
                      "better", "worse"),
    "kano_by_age_group": ("age_group", "feature", "n", "category", "better", "worse"),
    "nps": ("n", "share_promoters", "share_passives", "share_detractors", "nps", "ci_low",
            "ci_high"),
    "nps_by_site": ("site", "n", "share_promoters", "share_detractors", "nps", "ci_low",
                    "ci_high"),
    "csat": ("n", "mean", "top_box_share", "top_box_ci_low", "top_box_ci_high"),
    "anova_by_segment": ("value", "group", "n", "k", "f", "p", "eta_squared", "welch_p"),
    "trend_by_dimension": ("value_spec", "period", "n", "value", "centre", "lcl", "ucl",
                           "flag"),
    "importance_performance": ("dimension", "importance", "performance", "quadrant",
                               "adequate", "shortfall"),
    "csi_loadings": ("construct", "indicator", "loading", "communality"),
    "complaint_keywords": ("group", "rank", "keyword", "score", "count"),
    "complaints_vs_gaps": ("dimension", "complaints", "complaint_share", "msa", "complaint_rank",
                           "msa_rank", "both_weak"),
    "recovery_paradox": ("group", "n", "mean_before", "mean_after", "mean_diff", "p_t", "d_z",
                         "paradox"),
    "tolerance_coefficients": ("term", "coef", "se", "z", "p", "ci_low", "ci_high"),
    "tolerance_plan": ("level", "target_wait_s", "target_sl", "agent_hours_per_week",
                       "peak_agents", "share_within_adequate", "share_within_desired",
                       "total_cost_per_week"),
}  # fmt: skip
MAX_COLUMNS = 9

Align = Literal["left", "right"]


@dataclass(frozen=True)
class DisplayTable:
    """A table laid out for a page: header labels, formatted cells, a note on what is left out."""

    name: str
    title: str
    columns: tuple[str, ...]
    align: tuple[Align, ...]
    rows: tuple[tuple[str, ...], ...]
    n_rows: int
    note: str | None = None


def _columns_of(table: Table) -> list[str]:
    cols = [str(c) for c in table.frame.columns]
    key = table.name
    if key.startswith("tolerance_plan_"):
        key = "tolerance_plan"
    wanted = DISPLAY_COLUMNS.get(key)
    if wanted is None:
        return cols[:MAX_COLUMNS]
    return [c for c in wanted if c in cols]


def column_label(column: str, lang: Lang) -> str:
    """A column's header in the report's language (its code when it has none)."""
    key = f"report_col_{column}"
    text = t(key, lang)
    return column if text == key else text


def _kano_word(code: str, lang: Lang) -> str:
    key = f"report_kano_{code}"
    text = t(key, lang)
    return code if text == key else f"{text} {code}"


def _category(code: str, lang: Lang) -> str:
    en, zh = CATEGORIES.get(code, (code, code))
    return zh if lang == "zh" else en


#: Codes shown by their names: (table name prefix or "", column) -> namer.
_NAMERS: dict[tuple[str, str], Callable[[str, Lang], str]] = {
    ("", "dimension"): dimension_name,
    ("", "driver"): dimension_name,
    ("csi", "construct"): construct_label,
    ("csi", "from"): construct_label,
    ("csi", "to"): construct_label,
    ("anova", "value"): value_spec_label,
    ("anova", "group"): group_name,
    ("trend", "value_spec"): value_spec_label,
    ("kano", "category"): _kano_word,
    ("complaint_keywords", "group"): _category,
}


def _namer(table: str, column: str) -> Callable[[str, Lang], str] | None:
    for (prefix, col), fn in _NAMERS.items():
        if col == column and table.startswith(prefix):
            return fn
    return None


def display_table(table: Table, lang: Lang, timezone: str | None) -> DisplayTable:
    """``table`` as a reader sees it (see the module docstring)."""
    n = len(table.frame)
    cols = _columns_of(table)
    if table.personal:
        return DisplayTable(table.name, table.title, (), (), (), n,
                            t("report_layout_personal", lang, n=n))  # fmt: skip
    if n > MAX_ROWS:
        return DisplayTable(table.name, table.title, (), (), (), n,
                            t("report_layout_long", lang, n=n, name=table.name))  # fmt: skip
    shown = list(cols)
    if "quadrant" in shown and f"quadrant_{lang}" in table.frame.columns:
        shown[shown.index("quadrant")] = f"quadrant_{lang}"
    headers = tuple(column_label(c, lang) for c in cols)
    align: list[Align] = []
    for c in shown:
        fmt = table.formats.get(c, "text")
        align.append("left" if fmt in ("text", "bool", "datetime") else "right")
    namers = [_namer(table.name, c) for c in shown]
    rows: list[tuple[str, ...]] = []
    for rec in table.frame[shown].itertuples(index=False, name=None):
        cells: list[str] = []
        for c, v, namer in zip(shown, rec, namers, strict=True):
            value = plain(v, timezone)
            if namer is not None and isinstance(value, str):
                cells.append(namer(value, lang))
            else:
                cells.append(display(v, table.formats.get(c, "text"), timezone))
        rows.append(tuple(cells))
    left_out = len(table.frame.columns) - len(shown)
    note = t("report_layout_columns", lang, n=left_out) if left_out > 0 else None
    return DisplayTable(table.name, table.title, headers, tuple(align), tuple(rows), n, note)


# ------------------------------------------------------------------- executive summary


@dataclass(frozen=True)
class KeyFigure:
    """One figure of the executive summary: a label, the number, a note (its change)."""

    key: str
    label: str
    value: float
    text: str
    note: str = ""


def _cell(report: Report, section: str, table: str, column: str, **where: str) -> float | None:
    s = report.section(section)
    tb = s.table(table) if s is not None and not s.missing else None
    if tb is None or column not in tb.frame.columns or not len(tb.frame):
        return None
    frame = tb.frame
    for col, val in where.items():
        if col not in frame.columns:
            return None
        frame = frame[frame[col].astype(str) == val]
    if not len(frame):
        return None
    v = plain(frame[column].iloc[0], None)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def key_figures(report: Report) -> list[KeyFigure]:
    """CSI, NPS (with its change), CSAT, overall MSA and complaints, where the report has them."""
    lang = report.lang
    out: list[KeyFigure] = []
    csi = _cell(report, "csi", "csi_index", "index", construct="satisfaction")
    if csi is not None:
        out.append(KeyFigure("csi", t("report_kpi_csi", lang), csi, f"{csi:.1f}", "/ 100"))
    nps = _cell(report, "satisfaction", "nps", "nps")
    if nps is not None:
        change = _cell(report, "change", "nps_change", "change")
        note = ""
        if change is not None:
            note = t("report_kpi_change", lang, change=change, compare=report.meta.get("compare"))
        out.append(KeyFigure("nps", "NPS", nps, f"{nps:.1f}", note))
    csat = _cell(report, "satisfaction", "csat", "top_box_share")
    if csat is not None:
        out.append(KeyFigure("csat", t("report_kpi_csat", lang), csat, f"{csat:.0%}"))
    msa = _cell(report, "servqual", "servqual_overall", "msa")
    if msa is not None:
        mss = _cell(report, "servqual", "servqual_overall", "mss")
        note = f"MSS {mss:.2f}" if mss is not None else ""
        out.append(KeyFigure("msa", t("report_kpi_msa", lang), msa, f"{msa:.2f}", note))
    complaints = report.section("complaints")
    tb = complaints.table("complaints_classified") if complaints else None
    if tb is not None:
        n = len(tb.frame)
        out.append(KeyFigure("complaints", t("report_kpi_complaints", lang), float(n), f"{n}"))
    return out


def _finding(report: Report, section: str, index: int) -> str | None:
    s = report.section(section)
    if s is None or s.missing or not s.findings:
        return None
    return s.findings[index] if -len(s.findings) <= index < len(s.findings) else None


def highlights(report: Report) -> list[tuple[str, str]]:
    """(topic, sentence) pairs for the executive summary, each a finding of the report.

    The weakest dimension, the change since the comparison period, the short
    board (the importance-performance finding, last of the drivers section), the
    first alert of the trends, the complaint categories and the capacity risk; a
    topic whose section has no results says why.
    """
    lang = report.lang
    picks = (
        ("weakest", "servqual", 0),
        ("change", "change", 0),
        ("short_board", "drivers", -1),
        ("alerts", "trend", 0),
        ("complaints", "complaints", 0),
        ("capacity", "capacity", 0),
    )
    out: list[tuple[str, str]] = []
    for topic, section, index in picks:
        s = report.section(section)
        if s is None:
            continue
        text = _finding(report, section, index) if not s.missing else s.missing
        if text:
            out.append((t(f"report_topic_{topic}", lang), text))
    return out


def method_notes(report: Report) -> list[str]:
    """How each section with results was computed (one sentence each, with its source)."""
    lang = report.lang
    notes: list[str] = []
    for s in report.sections:
        if s.missing:
            continue
        key = f"report_method_{s.name}"
        text = t(key, lang)
        if text != key:
            notes.append(text)
    return notes


def missing_sections(report: Report) -> list[Section]:
    """The sections without results (each says why)."""
    return [s for s in report.sections if s.missing]


def conclusion(section: Section) -> str:
    """The section's one-sentence conclusion: its first finding, else why it has none."""
    if section.findings:
        return section.findings[0]
    return section.missing or ""
