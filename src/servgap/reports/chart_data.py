"""The data of each chart of the PDF and the slides, picked from a built report's tables.

One :class:`ChartSpec` per section (the bar chart of MSA and MSS per dimension,
the zone of tolerance per item, NPS by site, ...) and one per site for the
per-site pages. The PDF draws a spec with matplotlib
(:mod:`servgap.reports.vector_charts`), the slides as a native PowerPoint chart
(:mod:`servgap.reports.writers.pptx`): both show the same numbers because both
read them from here.

Nothing is computed: a spec selects columns and rows of one table of the
section (``ChartSpec.table``), renames codes for a reader (dimension codes to
their names) and reshapes (one series per dimension). A missing value stays
missing (``None``), never zero.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from servgap.core.survey import dimension_label
from servgap.i18n import Lang, t
from servgap.reports.model import Report, Section, Table
from servgap.reports.survey_sections import GROUP_LABELS

#: ``bar``: vertical clustered bars; ``barh``: horizontal bars (long labels);
#: ``line``: one line per series over ordered categories (periods, half-hours);
#: ``range``: the zone of tolerance, adequate and desired levels with the perceived level.
ChartKind = Literal["bar", "barh", "line", "range"]
#: How the values are shown: 0.00, 0.0 (NPS, indices), 0%, 0.
ValueFormat = Literal["decimal", "decimal1", "percent", "integer"]


@dataclass(frozen=True)
class Series:
    """One series: a name in the report's language and one value per category."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ChartSpec:
    """What one chart shows: categories, series, how values read, where they come from.

    ``name`` is file-safe and unique in the report (the SVG file of the PDF);
    ``table`` names the report table the values were read from.
    """

    name: str
    title: str
    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    table: str
    value_format: ValueFormat = "decimal"
    value_axis: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "categories": list(self.categories),
            "series": [{"name": s.name, "values": list(s.values)} for s in self.series],
            "table": self.table,
            "value_format": self.value_format,
        }


def _value(x: object) -> float | None:
    """A cell as a float, or None when missing (NaN, None, not a number)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _values(frame: pd.DataFrame, column: str) -> tuple[float | None, ...]:
    return tuple(_value(x) for x in frame[column])


def _has(table: Table | None, *columns: str) -> bool:
    return table is not None and len(table.frame) > 0 and set(columns) <= set(table.frame.columns)


def _label(key: str, lang: Lang, **kw: Any) -> str:
    return t(f"report_chart_{key}", lang, **kw)


def value_spec_label(spec: str, lang: Lang) -> str:
    """``msa:reliability`` -> "可靠性·服务充分性 MSA" / "Reliability MSA" (items by their code)."""
    if ":" not in spec:
        return spec
    part, key = spec.split(":", 1)
    return t(
        "report_value", lang, what=dimension_label(key, lang), part=t(f"report_part_{part}", lang)
    )


def group_name(group: str, lang: Lang) -> str:
    """A segment column by its name (site, customer type ...), else its code."""
    zh, en = GROUP_LABELS.get(group, (group, group))
    return zh if lang == "zh" else en


def dimension_name(code: str, lang: Lang) -> str:
    """A SERVQUAL dimension by its name; ``unmapped`` (complaints in no dimension) in words."""
    if code == "unmapped":
        return _label("unmapped", lang)
    return dimension_label(code, lang)


def construct_label(code: str, lang: Lang) -> str:
    """A CCSI construct (``perceived_quality``) by its name; the code when unknown."""
    key = f"report_construct_{code}"
    text = t(key, lang)
    return code if text == key else text


# ------------------------------------------------------------------- one chart per section


def _servqual(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("servqual_dimensions")
    if tb is None or not _has(tb, "dimension", "msa", "mss"):
        return None
    lang, f = report.lang, tb.frame
    return ChartSpec(
        "servqual_dimensions",
        _label("servqual", lang),
        "bar",
        tuple(dimension_label(str(d), lang) for d in f["dimension"]),
        (Series("MSA", _values(f, "msa")), Series("MSS", _values(f, "mss"))),
        tb.name,
        value_axis=_label("gap_axis", lang),
    )


def _change(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("change_vs_compare")
    if tb is None or not _has(tb, "dimension", "item", "msa", "msa_compare"):
        return None
    lang = report.lang
    f = tb.frame[tb.frame["item"].isna()]
    if not len(f):
        return None
    compare = str(report.meta.get("compare") or "")
    period = str(report.meta.get("period") or t("report_all_periods", lang))
    return ChartSpec(
        "change_vs_compare",
        _label("change", lang, compare=compare, period=period),
        "bar",
        tuple(dimension_label(str(d), lang) for d in f["dimension"]),
        (
            Series(f"MSA {compare}", _values(f, "msa_compare")),
            Series(f"MSA {period}", _values(f, "msa")),
        ),
        tb.name,
        value_axis="MSA",
    )


def _tolerance(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("tolerance_items")
    cols = ("item", "adequate_mean", "desired_mean", "perceived_mean")
    if tb is None or not _has(tb, *cols):
        return None
    lang, f = report.lang, tb.frame
    return ChartSpec(
        "tolerance_items",
        _label("tolerance", lang),
        "range",
        tuple(str(x) for x in f["item"]),
        (
            Series(t("report_part_adequate", lang), _values(f, "adequate_mean")),
            Series(t("report_part_desired", lang), _values(f, "desired_mean")),
            Series(t("report_part_perceived", lang), _values(f, "perceived_mean")),
        ),
        tb.name,
        value_axis=_label("scale_axis", lang),
    )


def _kano(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("kano_features")
    if tb is None or not _has(tb, "feature", "better", "worse"):
        return None
    lang, f = report.lang, tb.frame
    if "category" in f.columns:
        cats = tuple(f"{a} ({c})" for a, c in zip(f["feature"], f["category"], strict=True))
    else:
        cats = tuple(str(a) for a in f["feature"])
    return ChartSpec(
        "kano_features",
        _label("kano", lang),
        "barh",
        cats,
        (
            Series(_label("better", lang), _values(f, "better")),
            Series(_label("worse", lang), _values(f, "worse")),
        ),
        tb.name,
        value_axis=_label("coefficient_axis", lang),
    )


def _satisfaction(s: Section, report: Report) -> ChartSpec | None:
    lang = report.lang
    by_site = s.table("nps_by_site")
    if by_site is not None and _has(by_site, "site", "nps"):
        f = by_site.frame
        return ChartSpec(
            "nps_by_site",
            _label("nps_site", lang),
            "bar",
            tuple(str(x) for x in f["site"]),
            (Series("NPS", _values(f, "nps")),),
            by_site.name,
            value_format="decimal1",
            value_axis="NPS",
        )
    nps = s.table("nps")
    shares = ("share_promoters", "share_passives", "share_detractors")
    if nps is None or not _has(nps, *shares):
        return None
    row = nps.frame.iloc[0]
    return ChartSpec(
        "nps_shares",
        _label("nps_shares", lang),
        "bar",
        tuple(_label(c, lang) for c in shares),
        (Series(_label("share", lang), tuple(_value(row[c]) for c in shares)),),
        nps.name,
        value_format="percent",
    )


#: At most this many ANOVA tests in the segments chart (the largest η²).
MAX_SEGMENT_BARS = 10


def _segments(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("anova_by_segment")
    if tb is None or not _has(tb, "value", "group", "eta_squared"):
        return None
    lang = report.lang
    f = tb.frame.dropna(subset=["eta_squared"]).sort_values("eta_squared", ascending=False)
    f = f.head(MAX_SEGMENT_BARS)
    if not len(f):
        return None
    return ChartSpec(
        "anova_by_segment",
        _label("segments", lang, n=len(f)),
        "barh",
        tuple(
            f"{group_name(str(g), lang)} · {value_spec_label(str(v), lang)}"
            for g, v in zip(f["group"], f["value"], strict=True)
        ),
        (Series("η²", _values(f, "eta_squared")),),
        tb.name,
        value_axis="η²",
    )


def _trend(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("trend_by_dimension")
    if tb is None or not _has(tb, "period", "value", "value_spec"):
        return None
    lang = report.lang
    specs = tb.frame["value_spec"].astype(str)
    # items on their own unit (a wait in minutes) are not drawn on the dimensions' scale
    servqual = report.section("servqual")
    apart = servqual.table("servqual_separate_items") if servqual else None
    own_unit = {f"msa:{x}" for x in apart.frame["item"]} if apart is not None else set()
    f = tb.frame[specs.str.startswith("msa:") & ~specs.isin(own_unit)]
    if not len(f):
        return None
    periods = list(dict.fromkeys(str(p) for p in f["period"]))
    series: list[Series] = []
    for spec, grp in f.groupby("value_spec", sort=False):
        by_period = {str(p): _value(v) for p, v in zip(grp["period"], grp["value"], strict=True)}
        name = str(spec)
        label = dimension_label(name.split(":", 1)[1], lang) if ":" in name else name
        series.append(Series(label, tuple(by_period.get(p) for p in periods)))
    return ChartSpec(
        "trend_by_dimension",
        _label("trend", lang),
        "line",
        tuple(periods),
        tuple(series),
        tb.name,
        value_axis="MSA",
    )


def _drivers(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("drivers_lmg")
    if tb is None or not _has(tb, "driver", "share"):
        return None
    lang, f = report.lang, tb.frame
    return ChartSpec(
        "drivers_lmg",
        _label("drivers", lang),
        "bar",
        tuple(dimension_label(str(d), lang) for d in f["driver"]),
        (Series(_label("share_r2", lang), _values(f, "share")),),
        tb.name,
        value_format="percent",
    )


def _csi(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("csi_index")
    if tb is None or not _has(tb, "construct", "index"):
        return None
    lang, f = report.lang, tb.frame
    return ChartSpec(
        "csi_index",
        _label("csi", lang),
        "bar",
        tuple(construct_label(str(c), lang) for c in f["construct"]),
        (Series(_label("index", lang), _values(f, "index")),),
        tb.name,
        value_format="decimal1",
        value_axis="0–100",
    )


def _complaints(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("complaints_vs_gaps")
    if tb is None or not _has(tb, "dimension", "complaint_share"):
        return None
    lang, f = report.lang, tb.frame
    names = tuple(dimension_name(str(d), lang) for d in f["dimension"])
    return ChartSpec(
        "complaints_vs_gaps",
        _label("complaints", lang),
        "bar",
        names,
        (Series(_label("complaint_share", lang), _values(f, "complaint_share")),),
        tb.name,
        value_format="percent",
    )


def _recovery(s: Section, report: Report) -> ChartSpec | None:
    tb = s.table("recovery_paradox")
    if tb is None or not _has(tb, "group", "mean_before", "mean_after"):
        return None
    lang, f = report.lang, tb.frame
    groups = tuple(
        t("report_all_complaints", lang) if str(g) == "all" else t("report_ack_speed", lang, band=g)
        for g in f["group"]
    )
    return ChartSpec(
        "recovery_paradox",
        _label("recovery", lang),
        "bar",
        groups,
        (
            Series(_label("before", lang), _values(f, "mean_before")),
            Series(_label("after", lang), _values(f, "mean_after")),
        ),
        tb.name,
        value_axis=_label("satisfaction_axis", lang),
    )


def _capacity(s: Section, report: Report) -> ChartSpec | None:
    lang = report.lang
    tz = report.meta.get("timezone") or "UTC"
    for fig in s.figures:
        tb = s.table(fig.table)
        if fig.kind != "demand_capacity" or tb is None:
            continue
        if not _has(tb, "interval_start", "calls", "agents"):
            continue
        times = pd.to_datetime(tb.frame["interval_start"])
        if times.dt.tz is not None:
            times = times.dt.tz_convert(str(tz))
        return ChartSpec(
            fig.name,
            fig.title,
            "line",
            tuple(x.strftime("%m-%d %H:%M") for x in times),
            (
                Series(_label("calls", lang), _values(tb.frame, "calls")),
                Series(_label("agents", lang), _values(tb.frame, "agents")),
            ),
            tb.name,
        )
    return None


SectionChart = Callable[[Section, Report], ChartSpec | None]

#: The chart of each section, by section name.
SECTION_CHARTS: dict[str, SectionChart] = {
    "servqual": _servqual,
    "change": _change,
    "tolerance": _tolerance,
    "kano": _kano,
    "satisfaction": _satisfaction,
    "segments": _segments,
    "trend": _trend,
    "drivers": _drivers,
    "csi": _csi,
    "complaints": _complaints,
    "recovery": _recovery,
    "capacity": _capacity,
}


def section_chart(section: Section, report: Report) -> ChartSpec | None:
    """The chart of ``section``, or None (no results, or no table a chart is drawn from)."""
    if section.missing:
        return None
    fn = SECTION_CHARTS.get(section.name)
    return fn(section, report) if fn is not None else None


# ----------------------------------------------------------------------------- per site


@dataclass(frozen=True)
class SitePage:
    """What the report holds about one site: its dimension scores and its NPS."""

    site: str
    chart: ChartSpec
    dimensions: Table
    nps: Table | None


def site_pages(report: Report) -> list[SitePage]:
    """One page per site of ``servqual_dimensions_by_site`` (none in a one-site report)."""
    servqual = report.section("servqual")
    by_site = servqual.table("servqual_dimensions_by_site") if servqual else None
    if by_site is None or not _has(by_site, "site", "dimension", "msa", "mss"):
        return []
    lang = report.lang
    sat = report.section("satisfaction")
    nps = sat.table("nps_by_site") if sat else None
    pages: list[SitePage] = []
    for site, grp in by_site.frame.groupby("site", sort=True):
        code = str(site)
        chart = ChartSpec(
            f"site_{code}",
            _label("site", lang, site=code),
            "bar",
            tuple(dimension_label(str(d), lang) for d in grp["dimension"]),
            (Series("MSA", _values(grp, "msa")), Series("MSS", _values(grp, "mss"))),
            by_site.name,
            value_axis=_label("gap_axis", lang),
        )
        frame = grp.drop(columns=["site"]).reset_index(drop=True)  # the page names the site
        dims = Table(by_site.name, by_site.title, frame, by_site.formats)
        site_nps = None
        if nps is not None and "site" in nps.frame.columns:
            rows = nps.frame[nps.frame["site"].astype(str) == code]
            if len(rows):
                site_nps = Table(nps.name, nps.title, rows.reset_index(drop=True), nps.formats)
        pages.append(SitePage(code, chart, dims, site_nps))
    return pages


def number_format(fmt: ValueFormat) -> str:
    """The Excel/PowerPoint number format of a chart's values."""
    return {"decimal": "0.00", "decimal1": "0.0", "percent": "0%", "integer": "0"}[fmt]


def format_value(v: float | None, fmt: ValueFormat) -> str:
    """A chart value as text (data labels): 0.35, 37%, 12; empty when missing."""
    if v is None:
        return ""
    if fmt == "percent":
        return f"{v:.0%}"
    if fmt == "integer":
        return f"{v:.0f}"
    if fmt == "decimal1":
        return f"{v:.1f}"
    return f"{v:.2f}"


#: Label steps for long category axes: half-hours by 1, 2, 3, 6, 12 hours, a day, a week.
_LABEL_STEPS = (1, 2, 4, 6, 12, 24, 48, 96, 336)


def label_every(n_categories: int, *, max_labels: int = 7) -> int:
    """Label every k-th category so that at most ``max_labels`` labels show (a week of
    half-hours: one label a day)."""
    return next((k for k in _LABEL_STEPS if n_categories / k <= max_labels), n_categories)


def chart_names_unique(specs: Sequence[ChartSpec]) -> list[str]:
    """File-safe unique names for ``specs`` (``x``, ``x_2``), in order."""
    from servgap.reports.writers._cells import file_stem

    used: set[str] = set()
    out: list[str] = []
    for spec in specs:
        stem = base = file_stem(spec.name)
        k = 2
        while stem.lower() in used:
            stem, k = f"{base}_{k}", k + 1
        used.add(stem.lower())
        out.append(stem)
    return out


def text_units(text: str) -> float:
    """The width of ``text`` in ems: CJK and full-width characters 1, others 0.52."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.52 for ch in text)
