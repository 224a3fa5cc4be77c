"""The PDF and the slides of a report, opened and read back like a reader would.

The hand-made company of ``conftest.py`` (figures worked by hand in
``test_report.py`` from Parasuraman, Zeithaml & Berry 1994: MSA = P − A,
MSS = P − D; NPS = 100 · (promoters − detractors) / n):

* python-pptx reopens ``report.pptx``: slide titles, the native charts' categories
  and values (compared with the hand figures and with the report's tables), the
  East Asian font declared on every run, no empty slide;
* ``pdftotext`` finds the Chinese headings, the table of contents and the page
  numbers in ``report.pdf``; ``pdffonts`` shows Noto Sans SC embedded;
  ``pdftoppm`` renders every page with ink on it.

The poppler tools come from Debian's ``poppler-utils`` (installed by ``.ci/run``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Inches

from servgap.cli import main
from servgap.core.errors import InputError
from servgap.i18n import Lang, t
from servgap.reports import Report, Section, Table, build_report, write_report
from servgap.reports.chart_data import section_chart
from servgap.reports.writers.pdf import render_pdf
from servgap.reports.writers.pptx import check_template, slide_template
from servgap.services.context import Store
from servgap.services.report import ReportRequest, report_data

POPPLER = all(shutil.which(x) for x in ("pdftotext", "pdffonts", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (Debian) not installed")

# by hand from conftest.ANSWERS, 2026Q3 (see test_report.py)
MSA_Q3 = {"reliability": 0.5, "responsiveness": -0.375}
MSS_Q3 = {"reliability": -2.5, "responsiveness": -2.875}
MSA_Q2 = {"responsiveness": 0.625}
# NPS by site, 2026Q3: s1 E 10, F 9 (two promoters) -> 100; s2 G 6 (detractor), H 8 -> -50
NPS_SITE = {"s1": 100.0, "s2": -50.0}
NAMES = {"zh": {"reliability": "可靠性", "responsiveness": "响应性"},
         "en": {"reliability": "Reliability", "responsiveness": "Responsiveness"}}  # fmt: skip


def _report(store: Store, lang: Lang) -> Report:
    request = ReportRequest("kiosk_co", period="2026Q3", compare="2026Q2")
    return build_report(report_data(store, request), lang=lang)


def _slides(path: Path) -> list[Any]:
    return list(Presentation(str(path)).slides)


def _title(slide: Any) -> str:
    if slide.shapes.title is not None:
        return str(slide.shapes.title.text_frame.text)
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]
    return str(texts[0]) if texts else ""


def _charts(slide: Any) -> list[Any]:
    return [s.chart for s in slide.shapes if s.has_chart]


def _series(chart: Any) -> dict[str, tuple[float | None, ...]]:
    return {s.name: tuple(s.values) for s in chart.plots[0].series}


def _texts(slide: Any) -> str:
    out = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    for s in slide.shapes:
        if s.has_table:
            out += [c.text for row in s.table.rows for c in row.cells]
    return "\n".join(out)


# ------------------------------------------------------------------------------ slides


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_slides_hold_the_hand_figures_in_native_charts(
    small_company: Store, tmp_path: Path, lang: Lang
) -> None:
    report = _report(small_company, lang)
    files = write_report(report, tmp_path, formats=("pptx",))
    assert [f.name for f in files] == ["report.pptx"]
    slides = _slides(tmp_path / "report.pptx")
    by_title = {_title(s): s for s in slides}
    assert _title(slides[0]) == report.title

    # SERVQUAL: MSA and MSS per dimension, the categories in the report's language
    servqual = report.section("servqual")
    assert servqual is not None
    (chart,) = _charts(by_title[servqual.title])
    cats = list(chart.plots[0].categories)
    names = NAMES[lang]
    assert cats == [names["reliability"], names["responsiveness"]]
    series = _series(chart)
    assert series["MSA"] == pytest.approx([MSA_Q3["reliability"], MSA_Q3["responsiveness"]])
    assert series["MSS"] == pytest.approx([MSS_Q3["reliability"], MSS_Q3["responsiveness"]])
    # the chart is a real chart with its data in the embedded workbook
    assert chart.part.chart_workbook.xlsx_part is not None

    # change: the comparison period next to this one
    change = report.section("change")
    assert change is not None
    (chart,) = _charts(by_title[change.title])
    series = _series(chart)
    assert series["MSA 2026Q2"][1] == pytest.approx(MSA_Q2["responsiveness"])
    assert series["MSA 2026Q3"][1] == pytest.approx(MSA_Q3["responsiveness"])

    # NPS by site
    sat = report.section("satisfaction")
    assert sat is not None
    (chart,) = _charts(by_title[sat.title])
    assert list(chart.plots[0].categories) == ["s1", "s2"]
    assert _series(chart)["NPS"] == pytest.approx([NPS_SITE["s1"], NPS_SITE["s2"]])

    # zone of tolerance: adequate, perceived and desired per item, as in the report's table
    tol = report.section("tolerance")
    assert tol is not None
    (chart,) = _charts(by_title[tol.title])
    frame = tol.tables[0].frame
    series = _series(chart)
    assert list(chart.plots[0].categories) == list(frame["item"])
    for part in ("adequate", "desired", "perceived"):
        assert series[t(f"report_part_{part}", lang)] == pytest.approx(list(frame[f"{part}_mean"]))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_section_chart_matches_its_table(small_company: Store, lang: Lang) -> None:
    """Each native chart holds exactly the numbers of its spec (read back from the file)."""
    report = _report(small_company, lang)
    from servgap.reports.deck import build_deck

    prs = build_deck(report)
    charts = {c.chart_title.text_frame.text: c for s in prs.slides for c in _charts(s)}
    specs = [section_chart(s, report) for s in report.sections]
    assert [s for s in specs if s is not None]
    for spec in specs:
        if spec is None:
            continue
        chart = charts[spec.title]
        got = _series(chart)
        for s in spec.series:
            assert got[s.name] == pytest.approx(list(s.values), nan_ok=True)
        assert tuple(chart.plots[0].categories) == spec.categories


def test_slide_deck_outline_fonts_and_no_empty_slide(small_company: Store, tmp_path: Path) -> None:
    report = _report(small_company, "zh")
    write_report(report, tmp_path, formats=("pptx",))
    prs = Presentation(str(tmp_path / "report.pptx"))
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    slides = list(prs.slides)
    titles = [_title(s) for s in slides]
    assert titles[1] == "执行摘要"
    summary = _texts(slides[1])
    assert "NPS" in summary and "25.0" in summary  # the hand NPS of 2026Q3
    assert "较 2026Q2 +25.0" in summary  # 25 now, 0 in 2026Q2
    for s in report.sections:
        if not s.missing:
            assert s.title in titles
            slide = slides[titles.index(s.title)]
            assert s.findings[0] in _texts(slide)  # the one-sentence conclusion
            assert "\n".join(s.findings) in slide.notes_slide.notes_text_frame.text
    # the analyses without data are named on one slide with their reasons
    missing = slides[titles.index("本期未覆盖的分析")]
    assert "没有需求数据" in _texts(missing)
    # the appendix: one slide per site, with its table and chart
    for site in ("s1", "s2"):
        slide = slides[titles.index(f"附录：网点 {site}")]
        assert _charts(slide) and any(sh.has_table for sh in slide.shapes)
        assert f"本网点 NPS = {NPS_SITE[site]:.1f}" in _texts(slide)
    assert titles[-1] == "方法与数据" and "Parasuraman" in _texts(slides[-1])
    # no empty slide, no empty placeholder
    for slide in slides:
        assert _charts(slide) or len(_texts(slide).strip()) > 20
        for ph in slide.placeholders:
            assert ph.text_frame.text.strip()
    # every run declares the Chinese font and the language
    runs = [r for sl in slides for sh in sl.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]  # fmt: skip
    assert runs
    for r in runs:
        rpr = r._r.find(qn("a:rPr"))
        assert rpr is not None and rpr.get("lang") == "zh-CN"
        assert rpr.find(qn("a:ea")).get("typeface") == "Microsoft YaHei"
    for chart in (c for sl in slides for c in _charts(sl)):
        ea = chart._chartSpace.find(".//" + qn("c:txPr") + "//" + qn("a:ea"))
        assert ea is not None and ea.get("typeface") == "Microsoft YaHei"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_without_data_gives_no_empty_slide_or_page(tmp_path: Path, lang: Lang) -> None:
    """Sections without results or without a chart still make readable slides and pages."""
    from servgap.reports.deck import build_deck

    report = Report(
        "鹏城快递 · 2026Q4",
        lang,
        (),
        (
            Section("servqual", "SERVQUAL", missing="2026Q4 没有答卷。"),
            Section("csi", "CCSI", findings=("只有一句结论。", "第二句结论。")),
            Section("capacity", "产能", missing="没有需求数据。"),
        ),
        {"timezone": "Asia/Shanghai"},
    )
    slides = list(build_deck(report).slides)
    titles = [_title(s) for s in slides]
    assert titles[0] == report.title and "CCSI" in titles
    assert "只有一句结论。" in _texts(slides[titles.index("CCSI")])
    assert t("report_slide_missing_title", lang) in titles
    for slide in slides:
        assert len(_texts(slide).strip()) > 10
    pdf, warnings = render_pdf(report)
    assert warnings == [] and pdf[:5] == b"%PDF-"
    if POPPLER:
        (tmp_path / "r.pdf").write_bytes(pdf)
        text = _pdftotext(tmp_path / "r.pdf")
        for piece in ("只有一句结论。", "2026Q4 没有答卷。", "没有需求数据。"):
            assert piece in text


def _company_template(path: Path) -> Path:
    """A company template: 4:3, its own master background, and a sample slide to drop."""
    from pptx.dml.color import RGBColor

    prs = Presentation()
    master = prs.slide_master
    master.background.fill.solid()
    master.background.fill.fore_color.rgb = RGBColor(0xFF, 0xF4, 0xE0)
    sample = prs.slides.add_slide(prs.slide_layouts[1])
    sample.shapes.title.text = "Company sample slide"
    prs.save(str(path))
    return path


def test_company_template_is_used(small_company: Store, tmp_path: Path) -> None:
    template = _company_template(tmp_path / "company.pptx")
    report = _report(small_company, "zh")
    out = tmp_path / "out"
    with slide_template(template):
        write_report(report, out, formats=("pptx",))
    prs = Presentation(str(out / "report.pptx"))
    assert (prs.slide_width, prs.slide_height) == (Inches(10), Inches(7.5))
    slides = list(prs.slides)
    assert "Company sample slide" not in [_title(s) for s in slides]
    assert slides[0].slide_layout.name == "Title Slide"
    assert {s.slide_layout.name for s in slides[1:]} == {"Title Only"}
    background = prs.slide_master.background.fill.fore_color.rgb
    assert str(background) == "FFF4E0"
    # charts stay inside the (narrower) slide
    for slide in slides:
        for shape in slide.shapes:
            assert shape.left + shape.width <= prs.slide_width
            assert shape.top + shape.height <= prs.slide_height


def test_template_that_is_no_pptx_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "template.pptx"
    bad.write_text("not a presentation", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        check_template(bad)
    assert ei.value.fields == ("template",)
    assert "template.pptx" in ei.value.message("zh") and "幻灯片模板" in ei.value.message("zh")
    with pytest.raises(InputError):
        check_template(tmp_path / "missing.pptx")


# --------------------------------------------------------------------------------- PDF


def _squeeze(text: str) -> str:
    """Text without white space (lines are broken where the page ends them)."""
    return re.sub(r"\s+", "", text)


def _pdftotext(path: Path, *args: str) -> str:
    res = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(path), "-"],
                         capture_output=True, check=True)  # fmt: skip
    return res.stdout.decode("utf-8")


@needs_poppler
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_headings_contents_pages_and_fonts(
    small_company: Store, tmp_path: Path, lang: Lang
) -> None:
    report = _report(small_company, lang)
    _pdf, warnings = render_pdf(report)
    assert warnings == []  # e.g. no glyph missing from the font
    write_report(report, tmp_path, formats=("pdf",))
    path = tmp_path / "report.pdf"
    assert path.read_bytes()[:5] == b"%PDF-"
    text = _pdftotext(path)
    flat = _squeeze(text)
    assert _squeeze(report.title) in flat
    for s in report.sections:
        assert s.title in text
        if s.missing:
            assert _squeeze(s.missing) in flat
    assert t("report_layout_toc", lang) in text
    assert t("report_layout_sites", lang) in text
    assert t("report_site_title", lang, site="s1") in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert pages >= 8
    last = t("report_layout_page", lang, page=pages, total=pages)
    assert last in _pdftotext(path, "-f", str(pages), "-l", str(pages))
    # one page per site: the site's heading starts its page
    first_s2 = next(
        p for p in range(1, pages + 1)
        if t("report_site_title", lang, site="s2") in _pdftotext(path, "-f", str(p), "-l", str(p))
        and t("report_layout_toc", lang) not in _pdftotext(path, "-f", str(p), "-l", str(p))
    )  # fmt: skip
    assert t("report_site_title", lang, site="s1") not in _pdftotext(
        path, "-f", str(first_s2), "-l", str(first_s2)
    )
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = [ln.split() for ln in fonts.splitlines()[2:] if ln.strip()]
    assert rows and all("NotoSansSC" in r[0] for r in rows)
    assert all(r[-5] == "yes" for r in rows)  # emb


@needs_poppler
def test_pdf_chinese_line_breaking(small_company: Store, tmp_path: Path) -> None:
    """No line of the Chinese PDF starts with a closing punctuation mark (，。：；）、)."""
    report = _report(small_company, "zh")
    write_report(report, tmp_path, formats=("pdf",))
    lines = [ln.strip() for ln in _pdftotext(tmp_path / "report.pdf").splitlines()]
    assert any("服务充分性" in ln for ln in lines)
    assert not [ln for ln in lines if ln and ln[0] in "，。：；）、"]


@needs_poppler
def test_pdf_pages_render_with_ink(small_company: Store, tmp_path: Path) -> None:
    """Every page renders, and holds more than its running header and page number."""
    from PIL import Image

    report = _report(small_company, "zh")
    write_report(report, tmp_path, formats=("pdf",))
    pdf = tmp_path / "report.pdf"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)  # fmt: skip
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 8
    for k, png in enumerate(pages, start=1):
        with Image.open(png) as im:
            assert sum(im.convert("L").histogram()[:128]) > 50, png.name
        lines = [
            ln for ln in _pdftotext(pdf, "-f", str(k), "-l", str(k)).splitlines() if ln.strip()
        ]
        body = [ln for ln in lines if report.title not in ln and "页，共" not in ln
                and not re.fullmatch(r"[\d-]+", ln.strip())]  # fmt: skip
        assert body, f"page {k} holds only its header and footer"


@needs_poppler
def test_pdf_prints_report_text_literally(tmp_path: Path) -> None:
    """Texts are Typst strings, never markup: #, *, $, [ ] and // print as written."""
    odd = "网点 #A1 *很好* $5 [见附录] // 注释 \\ 反斜杠 <tag> @ref"
    table = Table.of("odd", "表 #1", __import__("pandas").DataFrame({"site": [odd], "n": [3]}))
    report = Report(
        "标题 #title *粗体*",
        "zh",
        ("工作区：$ws$",),
        (
            Section("odd", "一节 #1", (odd,), (table,)),
            Section("none", "空节", missing="没有 #数据"),
        ),
        {"timezone": "Asia/Shanghai"},
    )
    pdf, warnings = render_pdf(report)
    assert warnings == []
    (tmp_path / "odd.pdf").write_bytes(pdf)
    text = _squeeze(_pdftotext(tmp_path / "odd.pdf"))
    for piece in ("标题 #title *粗体*", "工作区：$ws$", "#A1 *很好* $5 [见附录] // 注释", "<tag> @ref",
                  "没有 #数据", "表 #1"):  # fmt: skip
        assert _squeeze(piece) in text, piece


# ----------------------------------------------------------------------------------- CLI


@pytest.fixture
def runner(small_company: Store, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SERVGAP_DATABASE_URL", small_company.settings.resolved_database_url())
    monkeypatch.setenv("SERVGAP_HOME", str(small_company.settings.home))
    return CliRunner()


def test_cli_writes_pdf_and_slides_with_a_template(runner: CliRunner, tmp_path: Path) -> None:
    template = _company_template(tmp_path / "company.pptx")
    out = tmp_path / "q3"
    args = ["--lang", "zh", "-w", "kiosk_co", "report", "--period", "2026Q3", "--compare",
            "2026Q2", "--out", str(out), "--format", "pdf,pptx", "--template", str(template)]  # fmt: skip
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["report.pdf", "report.pptx"]
    prs = Presentation(str(out / "report.pptx"))
    assert prs.slide_width == Inches(10)  # the template's 4:3


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--format", "md", "--template", "x.pptx"], 2, "--format"),
        (["--format", "pptx", "--template", "missing.pptx"], 1, "--template"),
    ],
)
def test_cli_template_errors(runner: CliRunner, tmp_path: Path, args: list[str], code: int,
                             text: str) -> None:  # fmt: skip
    res = runner.invoke(main, ["--lang", "en", "-w", "kiosk_co", "report", "--out",
                               str(tmp_path / "r"), *args])  # fmt: skip
    assert res.exit_code == code, res.output
    assert text in res.output and "Traceback" not in res.output
    assert not (tmp_path / "r").exists()
