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
from servgap.services.analysis import run_anova, run_kano, run_nps, run_servqual, run_trend
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.services.report import run_report
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


def test_report_writes_files(demo_store: Store, tmp_path: Path) -> None:
    rep = run_report(
        demo_store,
        workspace="example_express",
        survey="example_express_q",
        out_dir=tmp_path,
        lang="en",
    )
    assert (tmp_path / "summary.md").exists() and (tmp_path / "report.json").exists()
    assert not [s.name for s in rep.sections if s.error]
    assert "gz_baiyun" in rep.summary_text
