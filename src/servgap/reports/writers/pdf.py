"""``report.pdf``: the full report typeset with Typst, Chinese text in Noto Sans SC, embedded.

Why Typst (the PyPI package ``typst``, a self-contained compiler in the wheel)
----------------------------------------------------------------------------
* **Chinese typesetting.** Typst breaks CJK lines by the Unicode line-breaking
  rules with Chinese punctuation kept off line starts (no ``，`` or ``。`` opens
  a line), adjusts CJK–Latin spacing and compresses CJK punctuation with
  ``lang: "zh"``; its PDF export embeds the fonts it uses as subsets, with a
  ToUnicode map so the text can be searched and copied.
* **The font we ship works.** Noto Sans SC from ``pylopdf-fonts-zh-cn`` is an
  OpenType font with CFF outlines; Typst embeds it as it is. ReportLab embeds
  TrueType outlines only (it would need a converted font) and wraps CJK text
  by character without the punctuation rules.
* **A fresh machine installs it from PyPI alone**: one wheel, no system
  libraries. WeasyPrint typesets Chinese as well through Pango, but needs
  Debian's Pango/HarfBuzz/fontconfig stack at the right versions, and it renders
  through a browser-like engine we would have to feed HTML.
* Table of contents, page counter ("page N of M"), PDF bookmarks from the
  headings and vector images (the charts as SVG) are built in; a 30-page
  report compiles in well under a second.

The layout is one fixed Typst source (:mod:`servgap.reports.typst_layout`);
the report's content is handed over as ``report.json`` and read as strings, so
no text of the report can act as Typst markup. Charts are the specs of
:mod:`servgap.reports.chart_data` drawn by :mod:`servgap.reports.vector_charts`.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from servgap.i18n import t
from servgap.reports.chart_data import ChartSpec, section_chart, site_pages
from servgap.reports.model import Report
from servgap.reports.outline import (
    DisplayTable,
    display_table,
    highlights,
    key_figures,
    method_notes,
    missing_sections,
)
from servgap.reports.typst_layout import TEMPLATE
from servgap.reports.writers._cells import file_stem
from servgap.services.files import write_bytes

#: The font every text of the PDF is set in (shipped by ``pylopdf-fonts-zh-cn``).
PDF_FONT = "Noto Sans SC"


def _font_dir() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path()).parent


def _table(tb: DisplayTable) -> dict[str, Any]:
    return {
        "title": tb.title,
        "columns": list(tb.columns),
        "align": list(tb.align),
        "rows": [list(r) for r in tb.rows],
        "note": tb.note,
    }


class _Charts:
    """Chart SVG files in the build folder, each under a unique name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def add(self, spec: ChartSpec | None) -> dict[str, str] | None:
        if spec is None:
            return None
        from servgap.reports.vector_charts import chart_svg

        stem = base = file_stem(spec.name)
        k = 2
        while stem.lower() in self.used:
            stem, k = f"{base}_{k}", k + 1
        self.used.add(stem.lower())
        name = f"chart_{stem}.svg"
        (self.folder / name).write_bytes(chart_svg(spec))
        return {"file": name, "title": spec.title}


def document_data(report: Report, charts: _Charts, *, now: dt.datetime) -> dict[str, Any]:
    """Everything the Typst source reads (``report.json``); chart SVGs are written to ``charts``."""
    lang = report.lang
    tz = report.meta.get("timezone")
    generated = now.strftime("%Y-%m-%d")
    pages = site_pages(report)
    sections = []
    for s in report.sections:
        tables = []
        for tb in s.tables:
            if pages and tb.name == "servqual_dimensions_by_site":  # one page per site instead
                shown = DisplayTable(tb.name, tb.title, (), (), (), len(tb.frame),
                                     t("report_layout_see_sites", lang))  # fmt: skip
            else:
                shown = display_table(tb, lang, tz)
            tables.append(_table(shown))
        sections.append(
            {
                "title": s.title,
                "missing": t("report_missing", lang, reason=s.missing) if s.missing else None,
                "findings": list(s.findings),
                "chart": charts.add(section_chart(s, report)),
                "tables": tables,
            }
        )
    sites = []
    for page in pages:
        nps_line = None
        if page.nps is not None:
            row = page.nps.frame.iloc[0]
            nps_line = t("report_site_nps", lang, nps=float(row["nps"]), n=int(row["n"]))
        tables = [_table(display_table(page.dimensions, lang, tz))]
        sites.append(
            {
                "title": t("report_site_title", lang, site=page.site),
                "nps": nps_line,
                "chart": charts.add(page.chart),
                "tables": tables,
            }
        )
    return {
        "lang": lang,
        "region": "cn" if lang == "zh" else "gb",
        "font": PDF_FONT,
        "title": report.title,
        "scope": list(report.scope),
        "generated": generated,
        "generated_line": t("report_generated", lang, date=generated),
        "labels": {
            "toc": t("report_layout_toc", lang),
            "summary": t("report_layout_summary", lang),
            "sites": t("report_layout_sites", lang),
            "sites_intro": t("report_layout_sites_intro", lang),
            "method": t("report_layout_method", lang),
            "not_covered": t("report_layout_not_covered", lang),
            "page": t("report_layout_page", lang, page="{page}", total="{total}"),
            "colon": "：" if lang == "zh" else ": ",
        },
        "figures": [
            {"label": k.label, "text": k.text, "note": k.note} for k in key_figures(report)
        ],
        "highlights": [{"topic": a, "text": b} for a, b in highlights(report)],
        "sections": sections,
        "sites": sites,
        "method": method_notes(report) or [t("report_layout_no_method", lang)],
        "missing": [{"title": s.title, "reason": s.missing} for s in missing_sections(report)],
    }


def render_pdf(report: Report, *, now: dt.datetime | None = None) -> tuple[bytes, list[str]]:
    """The PDF of ``report`` and Typst's warnings (missing glyphs would be listed there)."""
    import typst

    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="servgap-pdf-") as tmp:
        folder = Path(tmp)
        data = document_data(report, _Charts(folder), now=now)
        (folder / "report.json").write_text(
            json.dumps(data, ensure_ascii=False, allow_nan=False), "utf-8"
        )
        main = folder / "report.typ"
        main.write_text(TEMPLATE, encoding="utf-8")
        pdf, warnings = typst.compile_with_warnings(
            main,
            root=folder,
            font_paths=[_font_dir()],
            ignore_system_fonts=True,
            timestamp=now,
        )
    return bytes(pdf), [w.message for w in warnings]


class PdfWriter:
    format = "pdf"
    name = "report.pdf"

    def targets(self, report: Report, out_dir: Path) -> list[Path]:
        return [out_dir / self.name]

    def write(
        self, report: Report, out_dir: Path, *, force: bool, protected: Iterable[Path]
    ) -> list[Path]:
        pdf, _warnings = render_pdf(report)
        # personal tables are named in the PDF, never printed (see reports.outline)
        return [write_bytes(out_dir / self.name, pdf, force=force, protected=protected)]
