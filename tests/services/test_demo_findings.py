"""servgap's own analyses find the demo company's planted findings (docs/demo.md).

The demo is built into a real store and read back, so this also checks the
whole pipeline: generator -> validated import -> store -> analysis -> report.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from servgap.core.survey import SurveyDefinition
from servgap.reports import run_report
from servgap.services.analysis import run_anova, run_kano, run_nps, run_servqual, run_trend
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.services.report import ReportRequest
from servgap.services.responses import load_responses
from servgap.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("demo")
    store = Store.open(Settings(database_url=f"sqlite:///{tmp / 'demo.sqlite'}", home=tmp))
    build_demo_store(store)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def survey(demo_store: Store) -> tuple[SurveyDefinition, pd.DataFrame]:
    return load_responses(demo_store, workspace="example_express", survey="example_express_q")


def test_demo_loaded_through_import(survey: tuple[SurveyDefinition, pd.DataFrame]) -> None:
    _, data = survey
    assert 2900 <= len(data) <= 3100
    assert set(data["period"]) == {"2026Q1", "2026Q2", "2026Q3", "2026Q4"}


def test_f1_outlet_with_reliability_problem(survey: tuple[SurveyDefinition, pd.DataFrame]) -> None:
    d, data = survey
    dims = run_servqual(d, data, by=["site"]).dimensions
    worst = dims.sort_values("msa").iloc[0]
    assert (worst["site"], worst["dimension"]) == ("gz_baiyun", "reliability")
    assert worst["msa"] < -1 and worst["share_below"] > 0.7
    other = dims[(dims["site"] == "gz_baiyun") & (dims["dimension"] != "reliability")]
    # the problem is specific to reliability: every other dimension there is far better
    assert (other["msa"] > worst["msa"] + 1.5).all()


def test_f2_responsiveness_expectations_rise(survey: tuple[SurveyDefinition, pd.DataFrame]) -> None:
    d, data = survey
    t = run_trend(d, data, value="adequate:responsiveness").table
    assert t["value"].is_monotonic_increasing
    assert t.iloc[0]["side"] == "below" and t.iloc[-1]["side"] == "above"
    msa = run_trend(d, data, value="msa:responsiveness").table
    assert msa["value"].is_monotonic_decreasing
    flat = run_trend(d, data, value="adequate:tangibles").table
    assert not flat["flag"].any()


def test_f3_kano_feature_attractive_to_the_young(
    survey: tuple[SurveyDefinition, pd.DataFrame],
) -> None:
    d, data = survey
    by_age = run_kano(d, data, by=["age_group"]).features
    night = by_age[by_age["feature"] == "f_night"].dropna(subset=["age_group"])
    cats = dict(zip(night["age_group"], night["category"], strict=True))
    assert cats["18-24"] == "A" and cats["25-34"] == "A"
    assert all(cats[a] == "I" for a in ("35-44", "45-54", "55+"))


def test_f5_business_customers_expect_more(survey: tuple[SurveyDefinition, pd.DataFrame]) -> None:
    d, data = survey
    res = run_anova(d, data, value="adequate:reliability", group="customer_type")
    assert res.p < 1e-6 and res.eta_squared > 0.05
    desc = res.descriptives.set_index(res.descriptives.columns[0])
    assert desc.loc["business", "mean"] > desc.loc["individual", "mean"]


def test_nps_lowest_at_problem_outlet(survey: tuple[SurveyDefinition, pd.DataFrame]) -> None:
    d, data = survey
    by_site = run_nps(d, data, by=["site"])
    assert by_site.sort_values("nps").iloc[0]["site"] == "gz_baiyun"


def test_responsiveness_is_the_mean_of_its_rating_items(
    survey: tuple[SurveyDefinition, pd.DataFrame],
) -> None:
    # issue 10 item 7: the minutes-based wait made responsiveness MSS −2.44 while its
    # rating items are near −1; now the dimension is the mean of res1..res4 only
    d, data = survey
    res = run_servqual(d, data)
    items = res.items.set_index("item")
    rating = items.loc[["res1", "res2", "res3", "res4"], "mss"]
    mss = float(res.dimensions.set_index("dimension").loc["responsiveness", "mss"])
    assert rating.min() - 0.05 <= mss <= rating.max() + 0.05
    assert res.separate_items["item"].tolist() == ["wait"]
    assert res.separate_items["unit"].tolist() == ["minutes"]


def test_report_writes_files(demo_store: Store, tmp_path: Path) -> None:
    rep = run_report(
        demo_store,
        ReportRequest(workspace="example_express", survey="example_express_q"),
        out_dir=tmp_path,
        lang="en",
        formats=("md", "json", "csv"),
    )
    assert (tmp_path / "summary.md").exists() and (tmp_path / "report.json").exists()
    assert (tmp_path / "staffing_cc_hotline.png").exists()
    assert (tmp_path / "servqual_dimensions.csv").exists()
    assert not [s.name for s in rep.report.sections if s.missing]
    assert "gz_baiyun" in rep.summary_text


def test_quarter_report_against_the_previous_quarter(demo_store: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rep = run_report(
        demo_store,
        ReportRequest(workspace="example_express", period="2026Q3", compare="2026Q2"),
        out_dir=tmp_path,
        lang="zh",
    )
    sections = {s.name: s for s in rep.report.sections}
    # F2: responsiveness adequacy falls from one quarter to the next
    change = sections["change"].table("change_vs_compare")
    assert change is not None
    res = change.frame[
        (change.frame["dimension"] == "responsiveness") & change.frame["item"].isna()
    ]
    assert float(res["msa_change"].iloc[0]) < -0.2
    # the demand of the demo covers October and November only
    assert "没有需求数据" in str(sections["capacity"].missing)
    assert "2026-10-05" in str(sections["capacity"].missing)
    assert sections["complaints"].missing is None and sections["recovery"].missing is None
    wb = load_workbook(tmp_path / "report.xlsx")
    assert wb.sheetnames[0] == "摘要" and "各网点维度得分" in wb.sheetnames
    assert all(wb[n].freeze_panes == "A2" for n in wb.sheetnames[1:])
