"""The Typst source that lays out the PDF report (:mod:`servgap.reports.writers.pdf`).

The source is fixed; everything that varies is read from ``report.json`` next
to it (``json("report.json")``). Texts from the data are Typst *strings*, never
markup, so a finding or a site name holding ``#``, ``*`` or ``$`` prints as
written. The layout: a cover with the table of contents; the executive summary
(key figures, highlights); one chapter per section (findings, a vector chart,
tables), each with results on a new page (a section without results is one
line saying why); one page per site; the method. A4, Noto Sans SC
throughout, page numbers "page N of M" in the footer, the title in the header,
headings as PDF bookmarks.
"""

from __future__ import annotations

TEMPLATE = r"""
#let data = json("report.json")
#let L = data.labels
#let accent = rgb("#1F3B63")
#let soft = rgb("#EEF2F7")
#set document(title: data.title, author: "servgap")
#set text(font: data.font, lang: data.lang, region: data.region, size: 9.5pt, hyphenate: false)
#set par(justify: true, leading: 0.72em, spacing: 0.9em)
#set page(
  paper: "a4",
  margin: (x: 18mm, top: 22mm, bottom: 20mm),
  header: context {
    if here().page() > 1 {
      set text(7.5pt, fill: luma(110))
      data.title
      h(1fr)
      data.generated
      v(-0.6em)
      line(length: 100%, stroke: 0.4pt + luma(200))
    }
  },
  footer: context {
    set text(8pt, fill: luma(90))
    h(1fr)
    L.page.replace("{page}", str(here().page())).replace("{total}", str(counter(page).final().first()))
    h(1fr)
  },
)
#set heading(numbering: "1.")
#show heading.where(level: 1): it => {
  set text(15pt, fill: accent)
  block(below: 1em, it)
}
#show heading.where(level: 2): it => {
  set text(12pt, fill: accent)
  block(above: 1.2em, below: 0.8em, it)
}
#set figure(gap: 0.6em)
#show figure.caption: set text(8pt, fill: luma(70))
#set table(stroke: (x, y) => (top: if y <= 1 { 0.5pt + luma(120) } else { 0.3pt + luma(215) }))

#let note(body) = block(fill: soft, inset: 8pt, radius: 3pt, width: 100%, text(8.5pt, body))

#let show-table(tb) = {
  block(breakable: false, below: 0.5em, text(9pt, fill: accent, tb.title))
  if tb.columns.len() > 0 {
    set text(7.5pt)
    set par(justify: false)
    table(
      columns: tb.columns.len(),
      align: (col, row) => if tb.align.at(col) == "right" { right } else { left },
      fill: (col, row) => if row == 0 { soft } else { none },
      inset: (x: 4pt, y: 3pt),
      table.header(..tb.columns),
      ..tb.rows.flatten(),
    )
  }
  if tb.note != none { text(7.5pt, fill: luma(90), tb.note) }
  v(0.6em)
}

#let show-chart(chart) = {
  if chart != none {
    figure(image(chart.file, width: 100%), caption: chart.title)
  }
}

// ---------------------------------------------------------------- cover and contents
#block(width: 100%, inset: (y: 2em))[
  #set par(justify: false)
  #text(20pt, fill: accent, data.title)
  #v(0.8em)
  #for ln in data.scope [
    #text(10pt, ln) \
  ]
  #v(0.4em)
  #text(8.5pt, fill: luma(90), data.generated_line)
]
#outline(title: L.toc, depth: 2, indent: auto)

// ------------------------------------------------------------------- executive summary
#pagebreak(weak: true)
#heading(level: 1, numbering: none, L.summary)
#if data.figures.len() > 0 {
  grid(
    columns: (1fr,) * calc.min(data.figures.len(), 5),
    gutter: 8pt,
    ..data.figures.map(f => block(fill: soft, inset: 8pt, radius: 4pt, width: 100%, height: 6.4em)[
      #set par(justify: false, leading: 0.5em)
      #text(7.5pt, fill: luma(70), f.label) \
      #text(16pt, fill: accent, f.text) \
      #text(7pt, fill: luma(70), f.note)
    ]),
  )
}
#v(0.8em)
#for hl in data.highlights [
  #block(below: 0.7em)[#text(fill: accent, hl.topic) #h(0.4em) #hl.text]
]

// ------------------------------------------------------------------------- sections
#for s in data.sections [
  // a section with results starts a page; one without (a line saying why) follows on
  #if s.missing == none { pagebreak(weak: true) } else { v(1.2em) }
  #heading(level: 1, s.title)
  #if s.missing != none { note(s.missing) }
  #if s.findings.len() > 0 { list(..s.findings) }
  #show-chart(s.chart)
  #for tb in s.tables { show-table(tb) }
]

// -------------------------------------------------------------------------- per site
#if data.sites.len() > 0 [
  #pagebreak(weak: true)
  #heading(level: 1, L.sites)
  #text(9pt, L.sites_intro)
  #for (i, p) in data.sites.enumerate() [
    #if i > 0 { pagebreak() }
    #heading(level: 2, p.title)
    #if p.nps != none { block(text(9.5pt, p.nps)) }
    #show-chart(p.chart)
    #for tb in p.tables { show-table(tb) }
  ]
]

// ---------------------------------------------------------------------------- method
#pagebreak(weak: true)
#heading(level: 1, numbering: none, L.method)
#list(..data.method)
#if data.missing.len() > 0 [
  #heading(level: 2, numbering: none, L.not_covered)
  #for m in data.missing [
    - #text(fill: accent, m.title)#L.colon#m.reason
  ]
]
"""
