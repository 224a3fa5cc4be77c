"""The report of a company that is not the demo: figures by hand, missing sections, writers.

Expected values are worked by hand from the answers in ``conftest.py`` with the
definitions of Parasuraman, Zeithaml & Berry (1994): MSA = P − A, MSS = P − D, a
respondent's dimension score is the mean over his or her rating items of the
dimension, the dimension score the mean over respondents. The wait (minutes, lower
is better) never enters the responsiveness mean; its MSA is A − P (positive = better).
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from servgap.core.errors import InputError, NotFoundError
from servgap.reports import Report, Section, Table, build_report, run_report, write_report
from servgap.reports.writers.excel import sheet_names
from servgap.services.context import Store
from servgap.services.report import Missing, ReportRequest, report_data

SRC = Path(__file__).resolve().parents[2] / "src" / "servgap"

# Hand computation (see conftest ANSWERS), respondent responsiveness scores over res1, res2:
#   2026Q3  MSA  E (−1, 0) −0.5  F (0, −1) −0.5  G (0, −1) −0.5  H (−1, 1) 0     -> −0.375
#           MSS  E (−3, −2) −2.5 F (−2, −4) −3   G (−3, −3) −3   H (−4, −2) −3   -> −2.875
#   2026Q2  MSA  A (1, 1) 1      B (1, 2) 1.5    C (−1, −1) −1   D (1, 1) 1      ->  0.625
#           MSS  A (−2, −2) −2   B (−2, 0) −1    C (−3, −4) −3.5 D (−1, −1) −1   -> −1.875
#   wait MSA (A − P): 2026Q3 −10, −2, 10, 4 -> 0.5 ; 2026Q2 −5, 2, 10, 0 -> 1.75
#   reliability MSA: 2026Q3 −1, 0, 1, 2 -> 0.5 ; MSS −4, −2, −2, −2 -> −2.5
#   NPS: 2026Q3 promoters E, F; detractor G -> 100·(2 − 1)/4 = 25
#        2026Q2 promoters A, D; detractors B, C -> 0
#   SERVQUAL 2026Q3 unweighted: respondent means of (rel, res) MSS: −3.25, −2.5, −2.5, −2.5
#        -> −2.6875; weighted with points E 30/70, others 50/50:
#        E 0.3·(−4) + 0.7·(−2.5) = −2.95, F, G, H −2.5 -> −2.6125
RES_MSA = {"2026Q3": -0.375, "2026Q2": 0.625}
RES_MSS = {"2026Q3": -2.875, "2026Q2": -1.875}


@pytest.fixture
def q3(small_company: Store) -> Report:
    data = report_data(small_company, ReportRequest("kiosk_co", period="2026q3", compare="2026Q2"))
    return build_report(data, lang="zh")


def test_period_figures_by_hand(small_company: Store) -> None:
    data = report_data(small_company, ReportRequest("kiosk_co", period="2026Q3"))
    assert data.scope.period == "2026Q3" and data.scope.n_responses == 4
    assert str(data.scope.start) == "2026-07-01" and str(data.scope.end) == "2026-09-30"
    sr = data.survey
    assert not isinstance(sr, Missing) and not isinstance(sr.servqual, Missing)
    dims = sr.servqual.dimensions.set_index("dimension")
    assert dims.loc["responsiveness", "msa"] == pytest.approx(RES_MSA["2026Q3"])
    assert dims.loc["responsiveness", "mss"] == pytest.approx(RES_MSS["2026Q3"])
    assert dims.loc["reliability", "msa"] == pytest.approx(0.5)
    sep = sr.servqual.separate_items.set_index("item")
    assert sep.loc["wait", "msa"] == pytest.approx(0.5) and sep.loc["wait", "unit"] == "minutes"
    ov = sr.servqual.overall.iloc[0]
    assert ov["servqual_unweighted"] == pytest.approx(-2.6875)
    assert ov["servqual_weighted"] == pytest.approx(-2.6125)
    assert isinstance(sr.nps, pd.DataFrame)
    assert sr.nps["nps"].iloc[0] == pytest.approx(25.0)


def test_compare_adds_the_change_per_dimension_and_nps(q3: Report) -> None:
    change = q3.section("change")
    assert change is not None and change.missing is None
    table = change.table("change_vs_compare")
    assert table is not None
    ch = table.frame
    res = ch[(ch["dimension"] == "responsiveness") & ch["item"].isna()].iloc[0]
    assert res["msa"] == pytest.approx(RES_MSA["2026Q3"])
    assert res["msa_compare"] == pytest.approx(RES_MSA["2026Q2"])
    assert res["msa_change"] == pytest.approx(-1.0)
    assert res["mss_change"] == pytest.approx(-1.0)
    wait = ch[ch["item"] == "wait"].iloc[0]
    assert wait["msa_change"] == pytest.approx(0.5 - 1.75)
    nps = change.table("nps_change")
    assert nps is not None
    assert nps.frame["change"].iloc[0] == pytest.approx(25.0)
    assert any("响应性" in f and "-1.00" in f for f in change.findings)


def test_missing_sections_say_why(q3: Report) -> None:
    for name, words in (
        ("complaints", "没有投诉"),
        ("recovery", "补救结果"),
        ("capacity", "没有需求数据"),
    ):
        section = q3.section(name)
        assert section is not None, name
        assert section.missing is not None and words in section.missing, section.missing
        assert not section.tables
    # too few responses for a satisfaction-index model: the reason, not a trace
    csi = q3.section("csi")
    assert csi is not None and csi.missing and "Traceback" not in csi.missing


def test_a_period_without_responses_is_reported_missing(small_company: Store) -> None:
    rep = build_report(
        report_data(small_company, ReportRequest("kiosk_co", period="2026Q4")), lang="en"
    )
    servqual = rep.section("servqual")
    assert servqual is not None and servqual.missing is not None
    assert "No responses to survey `kiosk`" in servqual.missing and "2026Q4" in servqual.missing


def test_bad_requests_are_errors(small_company: Store) -> None:
    with pytest.raises(NotFoundError, match="Site `nowhere`"):
        report_data(small_company, ReportRequest("kiosk_co", site="nowhere"))
    with pytest.raises(InputError, match="quarter"):
        report_data(small_company, ReportRequest("kiosk_co", period="Q3 2026"))
    with pytest.raises(NotFoundError):
        report_data(small_company, ReportRequest("kiosk_co", survey="nope"))


def test_site_report_has_no_site_comparison(small_company: Store) -> None:
    data = report_data(small_company, ReportRequest("kiosk_co", period="2026Q3", site="s1"))
    assert data.scope.n_responses == 2
    sr = data.survey
    assert not isinstance(sr, Missing) and isinstance(sr.servqual_by_site, Missing)
    assert not isinstance(sr.servqual, Missing)
    dims = sr.servqual.dimensions.set_index("dimension")
    # E, F only: (−0.5 − 0.5)/2
    assert dims.loc["responsiveness", "msa"] == pytest.approx(-0.5)


# ---------------------------------------------------------------------------- writers


def test_writers_md_json_xlsx_csv(q3: Report, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "rep"
    files = write_report(q3, out, formats=("md", "json", "xlsx", "csv"))
    names = {f.name for f in files}
    assert {"summary.md", "report.json", "report.xlsx", "servqual_dimensions.csv"} <= names
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "## SERVQUAL 差距与容忍区" in md and "（本节无结果）此工作区没有需求数据" in md
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["period"] == "2026Q3" and doc["compare"] == "2026Q2"
    caps = {s["name"]: s for s in doc["sections"]}
    assert "没有需求数据" in caps["capacity"]["missing"]

    wb = load_workbook(out / "report.xlsx")
    assert wb.sheetnames[0] == "摘要"
    assert "SERVQUAL 维度" in wb.sheetnames and "与对比期间的变化" in wb.sheetnames
    assert all(len(n) <= 31 for n in wb.sheetnames)
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
    summary = [c.value for c in wb["摘要"]["A"] if c.value]
    assert any("没有需求数据" in str(v) for v in summary)
    ws = wb["SERVQUAL 维度"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert ws.cell(1, 1).font.bold
    # the first data row (reliability comes first in this survey)
    cells = {h: ws.cell(2, i + 1) for i, h in enumerate(header)}
    assert cells["dimension"].value == "reliability"
    assert cells["msa"].data_type == "n" and cells["msa"].value == pytest.approx(0.5)
    assert cells["msa"].number_format == "0.000"
    assert cells["n"].number_format == "0" and cells["n"].value == 4
    assert cells["share_below"].number_format == "0.0%"


def test_english_sheet_names(small_company: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rep = build_report(report_data(small_company, ReportRequest("kiosk_co")), lang="en")
    write_report(rep, tmp_path, formats=("xlsx",))
    names = load_workbook(tmp_path / "report.xlsx").sheetnames
    assert names[0] == "Summary" and "SERVQUAL dimensions" in names


def test_earlier_report_is_replaced_only_with_force(q3: Report, tmp_path: Path) -> None:
    first = write_report(q3, tmp_path, formats=("md", "json"))
    stamp = {f: f.stat().st_mtime_ns for f in first}
    (tmp_path / "report.json").write_text("{}", encoding="utf-8")
    os.utime(tmp_path / "report.json", ns=(1, 1))
    with pytest.raises(InputError) as ei:
        write_report(q3, tmp_path, formats=("md", "json", "xlsx"))
    assert ei.value.code == "file_exists"
    assert {p.file for p in ei.value.problems} == {"summary.md", "report.json"}
    assert "summary.md" in ei.value.message("zh")
    # nothing written: no xlsx, the old files untouched
    assert not (tmp_path / "report.xlsx").exists()
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "{}"
    assert (tmp_path / "summary.md").stat().st_mtime_ns == stamp[tmp_path / "summary.md"]
    write_report(q3, tmp_path, formats=("md", "json", "xlsx"), force=True)
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["period"] == "2026Q3"


def test_never_over_the_store(small_company: Store) -> None:
    db = small_company.protected_files()[0]
    size = db.stat().st_size
    (db.parent / "report.json").symlink_to(db.name)  # a link to the store in the same folder
    with pytest.raises(InputError, match="own database"):
        run_report(small_company, ReportRequest("kiosk_co"), lang="en", out_dir=db.parent,
                   formats=("json",), force=True)  # fmt: skip
    assert db.stat().st_size == size


def test_unknown_format_is_a_usage_error(small_company: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(InputError) as ei:
        run_report(small_company, ReportRequest("kiosk_co"), lang="en", out_dir=out,
                   formats=("md", "docx"))  # fmt: skip
    assert ei.value.code == "usage" and "docx" in ei.value.message("en")
    assert not out.exists()


def test_text_cells_are_never_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    frame = pd.DataFrame({"comment": ["=1+1", "@SUM(A1)", "ok"], "share_x": [0.5, 0.25, 1.0]})
    rep = Report("t", "en", (), (Section("s", "S", ("f",), (Table.of("t1", "T1", frame),)),))
    write_report(rep, tmp_path, formats=("xlsx",))
    ws = load_workbook(tmp_path / "report.xlsx")["T1"]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 0.5 and ws["B2"].number_format == "0.0%"


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (["各网点维度得分", "各网点维度得分"], ["各网点维度得分", "各网点维度得分 (2)"]),
        (["a/b:c*d?[e]"], ["a b c d e"]),
        (["x" * 40, "x" * 40], ["x" * 31, "x" * 27 + " (2)"]),
        (["Summary"], ["Summary (2)"]),
        (["SUMMARY"], ["SUMMARY (2)"]),
        (["'quoted'"], ["quoted"]),
    ],
)
def test_sheet_names(titles: list[str], expected: list[str]) -> None:
    assert sheet_names(titles, reserved=["Summary"]) == expected


def test_services_and_core_never_import_reports() -> None:
    """Dependencies point one way: core <- services <- reports (HOUSE_STYLE §1)."""
    bad = []
    for layer in ("core", "services"):
        for path in (SRC / layer).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                bad += [f"{path.name}: {n}" for n in names if n.startswith("servgap.reports")]
    assert not bad


def test_a_workspace_without_a_survey_still_gets_a_report(store: Store, tmp_path: Path) -> None:
    from servgap.services.context import ensure_workspace

    with store.session() as s:
        ensure_workspace(s, "empty_co", "空公司", "Empty Co")
    written = run_report(store, ReportRequest("empty_co", period="2026-q3", compare="2026Q2"),
                         lang="en", out_dir=tmp_path / "r", formats=("md", "json"))  # fmt: skip
    rep = written.report
    assert rep.meta["period"] == "2026Q3"
    missing = {s.name: s.missing for s in rep.sections}
    assert "has no survey yet" in str(missing["servqual"])
    assert "has no survey yet" in str(missing["change"])
    assert "No complaints in this workspace" in str(missing["complaints"])
    assert "No demand data in this workspace" in str(missing["capacity"])
    assert all(missing.values())
    assert (tmp_path / "r" / "summary.md").exists()
