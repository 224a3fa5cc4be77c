"""Building blocks of the slides (python-pptx): text with Chinese fonts, native charts, tables.

* **Fonts.** Every run (and every chart's text) declares its Latin and its East
  Asian typeface and its language, ``<a:latin>``/``<a:ea typeface="Microsoft
  YaHei" charset="-122" pitchFamily="34" panose=...>``, ``lang="zh-CN"``:
  PowerPoint and WPS set Chinese in 微软雅黑 (Microsoft YaHei), and where it is
  not installed the GB2312 charset and the sans-serif pitch family make them (and
  LibreOffice, through fontconfig) substitute a Chinese sans-serif font instead
  of a Latin one with missing glyphs. With a company template only the East
  Asian font is declared, so the template's Latin font wins.
* **Charts** are native PowerPoint charts (``slide.shapes.add_chart``) holding
  their data in the embedded workbook: a manager can restyle them, change a
  label or read the numbers in PowerPoint's "Edit data". The zone of tolerance
  is a line chart without lines: adequate and desired levels as dashes joined by
  up/down bars (the band), the perceived level as a dot.
* **Fitting.** Text boxes get the largest font size whose estimated height fits
  the box (:func:`fit_size`: a CJK character is one em wide, other characters
  0.52 em), so nothing overflows into the next shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Pt

from servgap.reports.chart_data import ChartSpec, label_every, number_format, text_units
from servgap.reports.outline import DisplayTable
from servgap.reports.vector_charts import PALETTE, ZONE_COLOURS

#: East Asian typeface of every run: Microsoft YaHei (微软雅黑), in Windows and WPS.
EA_FONT = "Microsoft YaHei"
_EA_ATTRS = {"panose": "020B0503020204020204", "pitchFamily": "34", "charset": "-122"}
#: Latin typeface when no template is given (zh decks use YaHei's Latin glyphs too).
LATIN_FONT = {"zh": "Microsoft YaHei", "en": "Arial"}


def rgb(hex_code: str) -> RGBColor:
    """A colour from ``"1F3B63"``."""
    colour: RGBColor = RGBColor.from_string(hex_code)  # type: ignore[no-untyped-call]
    return colour


ACCENT = rgb("1F3B63")
GREY = rgb("595959")
SOFT = rgb("EEF2F7")
WHITE = rgb("FFFFFF")
GRIDLINE = rgb("D9D9D9")
EMU_PER_INCH = 914400
EMU_PER_PT = 12700


@dataclass(frozen=True)
class Box:
    """A rectangle on the slide in EMU."""

    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def below(self, gap: int, height: int | None = None) -> Box:
        """A box of the same width under this one."""
        return Box(self.left, self.bottom + gap, self.width,
                   height if height is not None else self.height)  # fmt: skip


@dataclass(frozen=True)
class FontSpec:
    """The typefaces and language declared on every run."""

    lang: str
    latin: str | None

    @property
    def lang_tag(self) -> str:
        return "zh-CN" if self.lang == "zh" else "en-US"


def declare_fonts(rpr: Any, fonts: FontSpec) -> None:
    """Set ``lang``, ``<a:latin>`` (unless a template decides) and ``<a:ea>`` on an rPr/defRPr."""
    rpr.set("lang", fonts.lang_tag)
    for tag in ("a:latin", "a:ea"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    ea = OxmlElement("a:ea")
    rpr.append(ea)
    ea.set("typeface", EA_FONT)
    for k, v in _EA_ATTRS.items():
        ea.set(k, v)
    # schema order: ... latin, ea, cs, sym, hlinkClick, hlinkMouseOver, rtl, extLst
    later = [rpr.find(qn(t)) for t in ("a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver",
                                        "a:rtl", "a:extLst")]  # fmt: skip
    first_later = next((e for e in later if e is not None), None)
    if first_later is not None:
        first_later.addprevious(ea)
    if fonts.latin:
        latin = OxmlElement("a:latin")
        latin.set("typeface", fonts.latin)
        ea.addprevious(latin)


def text_height_in(paragraphs: Sequence[str], width_in: float, size_pt: float,
                   *, spacing_pt: float = 4.0, line: float = 1.22) -> float:  # fmt: skip
    """Estimated height in inches of ``paragraphs`` wrapped in ``width_in`` at ``size_pt``."""
    per_line = max(width_in * 72.0 / size_pt, 1.0)
    lines = sum(max(math.ceil(text_units(p) / per_line), 1) for p in paragraphs)
    return (lines * size_pt * line + spacing_pt * max(len(paragraphs) - 1, 0)) / 72.0


def fit_size(paragraphs: Sequence[str], box: Box, *, max_pt: int, min_pt: int,
             spacing_pt: float = 4.0) -> int | None:  # fmt: skip
    """The largest whole point size from ``max_pt`` down to ``min_pt`` that fits ``box``; or None."""
    width_in = box.width / EMU_PER_INCH - 0.22  # the text frame's insets and some slack
    height_in = box.height / EMU_PER_INCH - 0.12
    for pt in range(max_pt, min_pt - 1, -1):
        if text_height_in(paragraphs, width_in, pt, spacing_pt=spacing_pt) <= height_in:
            return pt
    return None


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph: text, and optionally bold or a colour."""

    text: str
    bold: bool = False
    color: RGBColor | None = None


def add_text(
    slide: Any,
    box: Box,
    paragraphs: Sequence[Sequence[Run] | str],
    fonts: FontSpec,
    *,
    size_pt: float,
    color: RGBColor | None = None,
    bullet: bool = False,
    align: Any = None,
    anchor: Any = MSO_ANCHOR.TOP,
    spacing_pt: float = 4.0,
) -> Any:
    """A text box holding ``paragraphs`` (each a string or runs), fonts declared on every run."""
    shape = slide.shapes.add_textbox(Emu(box.left), Emu(box.top), Emu(box.width), Emu(box.height))
    tf = shape.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = anchor
    fill_text(tf, paragraphs, fonts, size_pt=size_pt, color=color, bullet=bullet, align=align,
              spacing_pt=spacing_pt)  # fmt: skip
    return shape


def fill_text(
    tf: Any,
    paragraphs: Sequence[Sequence[Run] | str],
    fonts: FontSpec,
    *,
    size_pt: float,
    color: RGBColor | None = None,
    bullet: bool = False,
    align: Any = None,
    spacing_pt: float = 4.0,
) -> None:
    """Replace the text of a text frame (a text box's or a placeholder's)."""
    tf.clear()
    for i, para in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        p.space_after = Pt(spacing_pt)
        runs = [Run(para)] if isinstance(para, str) else list(para)
        if bullet:
            runs = [Run("• "), *runs]
        for piece in runs:
            r = p.add_run()
            r.text = piece.text
            r.font.size = Pt(size_pt)
            if piece.bold:
                r.font.bold = True
            c = piece.color or color
            if c is not None:
                r.font.color.rgb = c
            declare_fonts(r.font._rPr, fonts)


# ------------------------------------------------------------------------------- charts

_KIND = {
    "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "barh": XL_CHART_TYPE.BAR_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "range": XL_CHART_TYPE.LINE_MARKERS,
}
#: At most this many labelled points; above it values are read from the axis.
MAX_LABELLED_POINTS = 24


def _ordered_series(spec: ChartSpec) -> list[tuple[int, Any]]:
    """Series with their colour index; the zone's band needs adequate, perceived, desired."""
    if spec.kind == "range" and len(spec.series) >= 3:
        a, d, p = spec.series[:3]
        return [(0, a), (2, p), (1, d)]
    return list(enumerate(spec.series))


def add_chart(slide: Any, spec: ChartSpec, box: Box, fonts: FontSpec, *, title: bool = True,
              size_pt: int = 11) -> Any:  # fmt: skip
    """``spec`` as a native PowerPoint chart in ``box``; returns the chart."""
    fmt = number_format(spec.value_format)
    data = CategoryChartData(number_format=fmt)  # type: ignore[no-untyped-call]
    data.categories = list(spec.categories)
    ordered = _ordered_series(spec)
    for _, s in ordered:
        data.add_series(s.name, list(s.values), number_format=fmt)  # type: ignore[no-untyped-call]
    many = len(spec.categories) > MAX_LABELLED_POINTS
    kind = XL_CHART_TYPE.LINE if spec.kind == "line" and many else _KIND[spec.kind]
    frame = slide.shapes.add_chart(kind, Emu(box.left), Emu(box.top), Emu(box.width),
                                   Emu(box.height), data)  # fmt: skip
    chart = frame.chart
    chart.font.size = Pt(size_pt)
    declare_fonts(chart.font._rPr, fonts)
    chart.has_title = title
    if title:
        chart.chart_title.text_frame.text = spec.title
        for p in chart.chart_title.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(size_pt + 2)
                r.font.bold = False
                declare_fonts(r.font._rPr, fonts)
    chart.has_legend = len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    plot = chart.plots[0]
    for (colour, _), series in zip(ordered, plot.series, strict=True):
        _style_series(series, spec, colour)
    if spec.kind in ("bar", "barh"):
        plot.gap_width = 60 if len(spec.series) > 1 else 80
        plot.overlap = 0
        if len(spec.categories) * len(spec.series) <= MAX_LABELLED_POINTS:
            plot.has_data_labels = True
            labels = plot.data_labels
            labels.number_format = fmt
            labels.number_format_is_linked = False
            labels.position = XL_LABEL_POSITION.OUTSIDE_END
            labels.font.size = Pt(size_pt - 2)
            declare_fonts(labels.font._rPr, fonts)
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = GRIDLINE
    value_axis.tick_labels.number_format = "0%" if spec.value_format == "percent" else "General"
    value_axis.tick_labels.number_format_is_linked = False
    if spec.kind in ("bar", "barh"):
        bounds = axis_bounds([v for s in spec.series for v in s.values if v is not None])
        if bounds is not None:
            value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = bounds
    if spec.value_axis:
        value_axis.has_title = True
        value_axis.axis_title.text_frame.text = spec.value_axis
        for p in value_axis.axis_title.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(size_pt - 1)
                r.font.bold = False
                declare_fonts(r.font._rPr, fonts)
    category_axis = chart.category_axis
    if spec.kind == "barh":
        category_axis.reverse_order = True  # the first category on top, as in the table
    # category labels at the low end of the value axis, not on the zero line among the bars
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    if many:
        _skip_category_labels(category_axis, label_every(len(spec.categories)))
    if spec.kind == "range":
        _zone_band(chart)
    return chart


def _nice_step(span: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about five ticks."""
    raw = span / 5.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def axis_bounds(values: Sequence[float]) -> tuple[float, float, float] | None:
    """Value-axis minimum, maximum and step for bars: from zero, with room for the labels."""
    if not values:
        return None
    lo, hi = min(min(values), 0.0), max(max(values), 0.0)
    if hi - lo <= 0 or not math.isfinite(hi - lo):
        return None
    pad = 0.15 * (hi - lo)
    step = _nice_step(hi - lo + (pad if lo < 0 else 0) + (pad if hi > 0 else 0))
    low = math.floor((lo - pad) / step) * step if lo < 0 else 0.0
    high = math.ceil((hi + pad) / step) * step if hi > 0 else 0.0
    return low, high, step


def _style_series(series: Any, spec: ChartSpec, colour: int) -> None:
    palette = ZONE_COLOURS if spec.kind == "range" else PALETTE
    colour_rgb = rgb(palette[colour % len(palette)])
    if spec.kind in ("bar", "barh"):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour_rgb
        series.invert_if_negative = False
        return
    series.smooth = False
    if spec.kind == "line":
        series.format.line.color.rgb = colour_rgb
        series.format.line.width = Pt(2)
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour_rgb
        return
    # range: no line, a marker per category
    series.format.line.fill.background()
    marker = series.marker
    perceived = colour == 2
    marker.style = XL_MARKER_STYLE.CIRCLE if perceived else XL_MARKER_STYLE.DASH
    marker.size = 8 if perceived else 14
    marker.format.fill.solid()
    marker.format.fill.fore_color.rgb = colour_rgb
    marker.format.line.color.rgb = colour_rgb


def _skip_category_labels(axis: Any, every: int) -> None:
    """Label every ``every``-th category (a week of half-hours would print on top of each other)."""
    cat = axis._element
    for tag in ("c:tickLblSkip", "c:tickMarkSkip"):
        for old in cat.findall(qn(tag)):
            cat.remove(old)
    skip = OxmlElement("c:tickLblSkip")
    skip.set("val", str(every))
    mark = OxmlElement("c:tickMarkSkip")
    mark.set("val", str(every))
    anchor = cat.find(qn("c:noMultiLvlLbl"))
    if anchor is None:
        anchor = cat.find(qn("c:extLst"))
    if anchor is not None:
        anchor.addprevious(skip)
        anchor.addprevious(mark)
    else:
        cat.append(skip)
        cat.append(mark)


def _sub(parent: Any, tag: str) -> Any:
    """A new child ``tag`` (``"c:spPr"``) appended to ``parent``."""
    child = OxmlElement(tag)
    parent.append(child)
    return child


def _zone_band(chart: Any) -> None:
    """Up/down bars between the first (adequate) and last (desired) series: the zone's band."""
    line_chart = chart._chartSpace.find(".//" + qn("c:lineChart"))
    if line_chart is None:
        return
    bars = OxmlElement("c:upDownBars")
    _sub(bars, "c:gapWidth").set("val", "120")
    for tag in ("c:upBars", "c:downBars"):
        sp = _sub(_sub(bars, tag), "c:spPr")
        _sub(_sub(sp, "a:solidFill"), "a:srgbClr").set("val", "DDE4EE")
        _sub(_sub(_sub(sp, "a:ln"), "a:solidFill"), "a:srgbClr").set("val", "8EA0B8")
    # schema order: ser*, dLbls?, dropLines?, hiLowLines?, upDownBars?, marker?, smooth?, axId+
    anchor = next(
        (line_chart.find(qn(t)) for t in ("c:marker", "c:smooth", "c:axId")
         if line_chart.find(qn(t)) is not None),
        None,
    )  # fmt: skip
    if anchor is not None:
        anchor.addprevious(bars)
    else:
        line_chart.append(bars)


# ------------------------------------------------------------------------------- tables


def add_table(slide: Any, table: DisplayTable, box: Box, fonts: FontSpec, *, size_pt: int = 11,
              max_rows: int = 14) -> Any:  # fmt: skip
    """``table`` as a native PowerPoint table in ``box`` (its first ``max_rows`` rows)."""
    rows = list(table.rows[:max_rows])
    n_rows, n_cols = len(rows) + 1, len(table.columns)
    row_h = int((size_pt * 2.0) * EMU_PER_PT)
    height = min(box.height, row_h * n_rows)
    shape = slide.shapes.add_table(n_rows, n_cols, Emu(box.left), Emu(box.top), Emu(box.width),
                                   Emu(height))  # fmt: skip
    tbl = shape.table
    widths = [max(text_units(h), *(text_units(r[j]) for r in rows)) + 1.2
              for j, h in enumerate(table.columns)]  # fmt: skip
    total = sum(widths)
    for j, w in enumerate(widths):
        tbl.columns[j].width = Emu(int(box.width * w / total))
    for i in range(n_rows):
        tbl.rows[i].height = Emu(row_h)
    for j, head in enumerate(table.columns):
        _cell(tbl.cell(0, j), head, table.align[j], fonts, size_pt, header=True)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            _cell(tbl.cell(i, j), value, table.align[j], fonts, size_pt, header=False)
    return shape


def _cell(cell: Any, text: str, align: str, fonts: FontSpec, size_pt: int, *,
          header: bool) -> None:  # fmt: skip
    cell.margin_left = cell.margin_right = Emu(int(0.05 * EMU_PER_INCH))
    cell.margin_top = cell.margin_bottom = Emu(int(0.02 * EMU_PER_INCH))
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    fill_text(cell.text_frame, [[Run(text, bold=header)]], fonts, size_pt=size_pt,
              color=WHITE if header else None,
              align=PP_ALIGN.RIGHT if align == "right" and not header else PP_ALIGN.LEFT,
              spacing_pt=0)  # fmt: skip
    if header:
        cell.fill.solid()
        cell.fill.fore_color.rgb = ACCENT
