"""The workshop deck of a built report: which slides, in which order, laid out how.

Used by :class:`servgap.reports.writers.pptx.PptxWriter` (the module docstring
there lists the slides). Geometry is in EMU; a 16:9 slide without a template,
the template's own size and title positions with one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from servgap.i18n import t
from servgap.reports.chart_data import section_chart, site_pages
from servgap.reports.model import Report, Section
from servgap.reports.outline import (
    display_table,
    highlights,
    key_figures,
    method_notes,
    missing_sections,
)
from servgap.reports.slide_parts import (
    ACCENT,
    EMU_PER_INCH,
    GREY,
    LATIN_FONT,
    SOFT,
    Box,
    FontSpec,
    Run,
    add_chart,
    add_table,
    add_text,
    fill_text,
    fit_size,
    text_height_in,
)


def inches(x: float) -> int:
    return int(x * EMU_PER_INCH)


def _layout(prs: Any, want: str) -> Any:
    """The template's layout for a title slide (``title``) or a slide with a title only."""
    layouts = list(prs.slide_layouts)

    def kinds(layout: Any) -> set[Any]:
        return {ph.placeholder_format.type for ph in layout.placeholders}

    furniture = {PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER}
    if want == "title":
        for layout in layouts:
            if PP_PLACEHOLDER.CENTER_TITLE in kinds(layout):
                return layout
    else:
        for layout in layouts:
            k = kinds(layout) - furniture
            if k == {PP_PLACEHOLDER.TITLE}:
                return layout
        for layout in layouts:
            if PP_PLACEHOLDER.TITLE in kinds(layout):
                return layout
    return layouts[min(6, len(layouts) - 1)]


def _drop_slides(prs: Any) -> None:
    """Remove the template's own slides (the master and layouts stay)."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def _remove_empty_placeholders(slide: Any) -> None:
    for ph in list(slide.placeholders):
        if not ph.has_text_frame or not ph.text_frame.text.strip():
            ph._element.getparent().remove(ph._element)


class _Deck:
    """The presentation being built and its geometry."""

    def __init__(self, report: Report, template: Path | None) -> None:
        self.report = report
        self.lang = report.lang
        self.templated = template is not None
        if template is not None:
            self.prs = Presentation(str(template))
            _drop_slides(self.prs)
        else:
            self.prs = Presentation()
            self.prs.slide_width, self.prs.slide_height = Inches(13.333), Inches(7.5)
        self.fonts = FontSpec(self.lang, None if self.templated else LATIN_FONT[self.lang])
        self.width = int(self.prs.slide_width or Inches(13.333))
        self.height = int(self.prs.slide_height or Inches(7.5))
        self.margin = inches(0.45)
        self.title_layout = _layout(self.prs, "title")
        self.content_layout = _layout(self.prs, "title_only")
        self.number = 0

    # -------------------------------------------------------------------- slide frames

    def title_slide(self) -> Any:
        slide = self.prs.slides.add_slide(self.title_layout)
        self.number += 1
        r = self.report
        w, m = self.width, self.margin
        title_box = Box(m, inches(2.0), w - 2 * m, inches(1.6))
        sub_lines = [*r.scope, t("report_generated", self.lang, date=dt.date.today().isoformat())]
        sub_box = Box(m, inches(3.8), w - 2 * m, inches(2.4))
        title_ph = self._placeholder(slide, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.TITLE)
        sub_ph = self._placeholder(slide, PP_PLACEHOLDER.SUBTITLE)
        size = fit_size([r.title], title_box, max_pt=36, min_pt=20) or 20
        if title_ph is not None:
            if not self.templated:
                self._place(title_ph, title_box)
            fill_text(title_ph.text_frame, [r.title], self.fonts, size_pt=size,
                      color=None if self.templated else ACCENT)  # fmt: skip
        else:
            add_text(slide, title_box, [r.title], self.fonts, size_pt=size, color=ACCENT)
        sub_size = fit_size(sub_lines, sub_box, max_pt=18, min_pt=10) or 10
        if sub_ph is not None:
            if not self.templated:
                self._place(sub_ph, sub_box)
            fill_text(sub_ph.text_frame, sub_lines, self.fonts, size_pt=sub_size,
                      color=None if self.templated else GREY)  # fmt: skip
        else:
            add_text(slide, sub_box, sub_lines, self.fonts, size_pt=sub_size, color=GREY)
        _remove_empty_placeholders(slide)
        return slide

    def content_slide(self, title: str) -> tuple[Any, Box]:
        """A slide with ``title``; returns it and the free area under the title."""
        slide = self.prs.slides.add_slide(self.content_layout)
        self.number += 1
        w, h, m = self.width, self.height, self.margin
        title_ph = self._placeholder(slide, PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
        default_box = Box(m, inches(0.3), w - 2 * m, inches(0.8))
        if title_ph is not None and self.templated:
            box = Box(int(title_ph.left or 0), int(title_ph.top or 0), int(title_ph.width or 0),
                      int(title_ph.height or 0))  # fmt: skip
            fill_text(title_ph.text_frame, [title], self.fonts,
                      size_pt=fit_size([title], box, max_pt=28, min_pt=16) or 16)  # fmt: skip
        else:
            box = default_box
            size = fit_size([title], box, max_pt=26, min_pt=16) or 16
            if title_ph is not None:
                self._place(title_ph, box)
                fill_text(title_ph.text_frame, [title], self.fonts, size_pt=size, color=ACCENT,
                          align=PP_ALIGN.LEFT)  # fmt: skip
                title_ph.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
            else:
                add_text(slide, box, [title], self.fonts, size_pt=size, color=ACCENT,
                         anchor=MSO_ANCHOR.BOTTOM)  # fmt: skip
            rule = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(m), Emu(box.bottom + inches(0.04)),
                                          Emu(inches(1.2)), Emu(inches(0.05)))  # fmt: skip
            rule.fill.solid()
            rule.fill.fore_color.rgb = ACCENT
            rule.line.fill.background()
        _remove_empty_placeholders(slide)
        self._footer(slide)
        top = max(box.bottom, default_box.bottom) + inches(0.2)
        bottom = h - inches(0.5)
        return slide, Box(m, top, w - 2 * m, bottom - top)

    def _footer(self, slide: Any) -> None:
        y, m, w = self.height - inches(0.42), self.margin, self.width
        add_text(slide, Box(m, y, w - 2 * m - inches(1.0), inches(0.32)), [self.report.title],
                 self.fonts, size_pt=9, color=GREY)  # fmt: skip
        add_text(slide, Box(w - m - inches(1.0), y, inches(1.0), inches(0.32)), [str(self.number)],
                 self.fonts, size_pt=9, color=GREY, align=PP_ALIGN.RIGHT)  # fmt: skip

    @staticmethod
    def _placeholder(slide: Any, *types: Any) -> Any:
        for ph in slide.placeholders:
            if ph.placeholder_format.type in types:
                return ph
        return None

    @staticmethod
    def _place(shape: Any, box: Box) -> None:
        shape.left, shape.top = Emu(box.left), Emu(box.top)
        shape.width, shape.height = Emu(box.width), Emu(box.height)

    # ------------------------------------------------------------------------- pieces

    def headline(self, slide: Any, area: Box, text: str) -> Box:
        """The slide's one-sentence conclusion at the top of ``area``; returns the area left."""
        if not text:
            return area
        box = Box(area.left, area.top, area.width, inches(1.25))
        size = fit_size([text], box, max_pt=20, min_pt=12) or 12
        needed = text_height_in([text], box.width / EMU_PER_INCH - 0.22, size) + 0.2
        box = Box(box.left, box.top, box.width, min(inches(needed), box.height))
        add_text(slide, box, [[Run(text, bold=True)]], self.fonts, size_pt=size, color=ACCENT)
        rest_top = box.bottom + inches(0.1)
        return Box(area.left, rest_top, area.width, area.bottom - rest_top)

    def bullets(self, slide: Any, box: Box, paragraphs: Sequence[Sequence[Run] | str], *,
                heading: str | None = None, max_pt: int = 16, min_pt: int = 10) -> None:  # fmt: skip
        """Bullets fitted to ``box``; what does not fit at ``min_pt`` is counted, not cut off."""
        items = list(paragraphs)
        if heading:
            add_text(slide, Box(box.left, box.top, box.width, inches(0.4)), [heading], self.fonts,
                     size_pt=13, color=ACCENT)  # fmt: skip
            box = Box(box.left, box.top + inches(0.4), box.width, box.height - inches(0.4))
        dropped = 0
        while items:
            texts = [_plain(p) for p in items]
            if dropped:
                texts.append(t("report_layout_more", self.lang, n=dropped))
            size = fit_size(["• " + x for x in texts], box, max_pt=max_pt, min_pt=min_pt)
            if size is not None:
                break
            items.pop()
            dropped += 1
        body: list[Sequence[Run] | str] = list(items)
        if dropped:
            body.append([Run(t("report_layout_more", self.lang, n=dropped), color=GREY)])
        add_text(slide, box, body, self.fonts, size_pt=size or min_pt, bullet=True, spacing_pt=6)

    # ------------------------------------------------------------------------- slides

    def summary(self) -> None:
        figures = key_figures(self.report)
        points = highlights(self.report)
        if not figures and not points:
            return
        slide, area = self.content_slide(t("report_slide_summary_title", self.lang))
        top = area.top
        if figures:
            n, gap = len(figures), inches(0.15)
            tile_w = (area.width - gap * (n - 1)) // n
            tile_h = inches(1.35)
            for i, k in enumerate(figures):
                box = Box(area.left + i * (tile_w + gap), top, tile_w, tile_h)
                tile = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Emu(box.left),
                                              Emu(box.top), Emu(box.width), Emu(box.height))  # fmt: skip
                tile.adjustments[0] = 0.08
                tile.fill.solid()
                tile.fill.fore_color.rgb = SOFT
                tile.line.fill.background()
                tf = tile.text_frame
                tf.word_wrap = True
                tf.vertical_anchor = MSO_ANCHOR.MIDDLE
                fill_text(tf, [[Run(k.label, color=GREY)], [Run(k.text, bold=True, color=ACCENT)],
                               [Run(k.note or " ", color=GREY)]],
                          self.fonts, size_pt=12, align=PP_ALIGN.CENTER, spacing_pt=2)  # fmt: skip
                value_run = tf.paragraphs[1].runs[0]
                value_run.font.size = Pt(28)
            top += tile_h + inches(0.3)
        if points:
            paras = [[Run(f"{topic}  ", bold=True, color=ACCENT), Run(text)]
                     for topic, text in points]  # fmt: skip
            self.bullets(slide, Box(area.left, top, area.width, area.bottom - top), paras,
                         max_pt=16, min_pt=10)  # fmt: skip

    def section(self, s: Section) -> None:
        spec = section_chart(s, self.report)
        slide, area = self.content_slide(s.title)
        conclusion = s.findings[0] if s.findings else ""
        body = self.headline(slide, area, conclusion)
        others = list(s.findings[1:])
        if spec is not None:
            chart_w = int(body.width * 0.62) if others else body.width
            add_chart(slide, spec, Box(body.left, body.top, chart_w, body.height), self.fonts)
            if others:
                gap = inches(0.3)
                side = Box(body.left + chart_w + gap, body.top, body.width - chart_w - gap,
                           body.height)  # fmt: skip
                self.bullets(slide, side, others, heading=t("report_slide_findings", self.lang),
                             max_pt=14, min_pt=9)  # fmt: skip
        elif others:
            self.bullets(slide, body, others, max_pt=16, min_pt=10)
        notes = [*s.findings]
        if spec is not None:
            notes.append(f"[{spec.table}] {spec.title}")
        slide.notes_slide.notes_text_frame.text = "\n".join(notes)

    def missing(self) -> None:
        gaps = missing_sections(self.report)
        if not gaps:
            return
        slide, area = self.content_slide(t("report_slide_missing_title", self.lang))
        colon = "：" if self.lang == "zh" else ": "
        paras = [[Run(s.title + colon, bold=True, color=ACCENT), Run(s.missing or "")]
                 for s in gaps]  # fmt: skip
        self.bullets(slide, area, paras, max_pt=16, min_pt=10)

    def sites(self) -> None:
        tz = self.report.meta.get("timezone")
        for page in site_pages(self.report):
            slide, area = self.content_slide(
                t("report_slide_sites_title", self.lang, site=page.site)
            )
            line = ""
            if page.nps is not None:
                row = page.nps.frame.iloc[0]
                line = t("report_site_nps", self.lang, nps=float(row["nps"]), n=int(row["n"]))
            body = self.headline(slide, area, line)
            chart_w = int(body.width * 0.56)
            add_chart(slide, page.chart, Box(body.left, body.top, chart_w, body.height), self.fonts)
            shown = display_table(page.dimensions, self.lang, tz)
            if shown.columns:
                gap = inches(0.3)
                add_table(slide, shown, Box(body.left + chart_w + gap, body.top + inches(0.3),
                                            body.width - chart_w - gap, body.height - inches(0.3)),
                          self.fonts, size_pt=11)  # fmt: skip

    def method(self) -> None:
        """Scope and method notes; on one slide when 10 pt suffices, else over several."""
        paras = ["• " + p for p in (*self.report.scope, *method_notes(self.report))]
        title = t("report_slide_method_title", self.lang)
        first = True
        while paras:
            slide, area = self.content_slide(
                title if first else title + t("report_layout_continued", self.lang)
            )
            first = False
            size = fit_size(paras, area, max_pt=14, min_pt=10, spacing_pt=6)
            chunk = list(paras)
            if size is None:
                size, height_in = 10, area.height / EMU_PER_INCH - 0.12
                width_in = area.width / EMU_PER_INCH - 0.22
                while len(chunk) > 1 and text_height_in(chunk, width_in, size,
                                                        spacing_pt=6) > height_in:  # fmt: skip
                    chunk.pop()
            add_text(slide, area, chunk, self.fonts, size_pt=size, spacing_pt=6)
            paras = paras[len(chunk) :]


def _plain(p: Sequence[Run] | str) -> str:
    return p if isinstance(p, str) else "".join(r.text for r in p)


def build_deck(report: Report, *, template: Path | None = None) -> Any:
    """The deck of ``report`` as a python-pptx ``Presentation`` (not saved)."""
    deck = _Deck(report, template)
    deck.title_slide()
    deck.summary()
    for s in report.sections:
        if not s.missing:
            deck.section(s)
    deck.missing()
    deck.sites()
    deck.method()
    core = deck.prs.core_properties
    core.title = report.title
    core.author = "servgap"
    core.language = deck.fonts.lang_tag
    return deck.prs
