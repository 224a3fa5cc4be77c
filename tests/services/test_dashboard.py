"""The expectation dashboard service: its figures equal the analyze functions (the ones behind
``servgap analyze … --json`` and the analysis API) for the same filters; bad filters name
their field; the cache answers a repeated view and is invalidated by new data."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from servgap.core.errors import ServgapError
from servgap.services import analysis as an
from servgap.services.context import Store
from servgap.services.dashboard import Missing, clear_cache, dashboard, data_version
from servgap.services.demo import build_demo_store
from servgap.services.portal import run_analysis
from servgap.settings import Settings

WS, SURVEY = "example_express", "example_express_q"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("dash")
    store = Store.open(Settings(database_url=f"sqlite:///{tmp / 'demo.sqlite'}", home=tmp))
    build_demo_store(store)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def survey(demo_store: Store) -> tuple[Any, pd.DataFrame]:
    return an.load_survey(demo_store, workspace=WS, survey=None)


def _close(a: pd.DataFrame, b: pd.DataFrame, cols: list[str]) -> None:
    pd.testing.assert_frame_equal(
        a[cols].reset_index(drop=True), b[cols].reset_index(drop=True), check_dtype=False
    )


def test_defaults_latest_period_compared_with_the_previous(demo_store: Store) -> None:
    res = dashboard(demo_store, workspace=WS)
    assert res.filters.survey == SURVEY
    assert (res.filters.period, res.filters.compare) == ("2026Q4", "2026Q3")
    assert res.choices.periods == ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
    assert res.n_period > 700 and res.n_compare > 700


def test_zone_of_tolerance_equals_analyze_servqual_for_the_period(demo_store: Store) -> None:
    res = dashboard(demo_store, workspace=WS, period="2026Q3", compare="2026Q1")
    assert not isinstance(res.zone_dimensions, Missing)
    assert not isinstance(res.zone_items, Missing)
    for role, period in (("period", "2026Q3"), ("compare", "2026Q1")):
        cli = run_analysis(demo_store, workspace=WS, analysis="servqual", period=period)
        mine = res.zone_dimensions[res.zone_dimensions["role"] == role]
        _close(mine, cli.dimensions, ["dimension", "n", "msa", "msa_ci_low", "msa_ci_high",
                                      "mss", "share_below", "share_inside", "share_above"])  # fmt: skip
        items = cli.items[cli.items["format"] == "three_column"]
        mine_items = res.zone_items[res.zone_items["role"] == role]
        _close(mine_items, items, ["item", "adequate_mean", "desired_mean", "perceived_mean",
                                   "msa", "msa_ci_low", "msa_ci_high", "share_below"])  # fmt: skip


def test_site_filter_equals_analyze_on_that_site(demo_store: Store, survey: Any) -> None:
    d, data = survey
    res = dashboard(demo_store, workspace=WS, site="gz_baiyun", period="2026Q2")
    part = data[(data["site"] == "gz_baiyun") & (data["period"] == "2026Q2")].reset_index(drop=True)
    assert res.n_period == len(part) > 0
    sq = an.run_servqual(d, part)
    assert not isinstance(res.zone_dimensions, Missing)
    _close(res.zone_dimensions[res.zone_dimensions["role"] == "period"], sq.dimensions,
           ["dimension", "n", "msa", "mss", "share_below"])  # fmt: skip
    nps = an.run_nps(d, part)
    assert not isinstance(res.nps, Missing)
    assert res.nps["nps"].iloc[0] == pytest.approx(float(nps["nps"].iloc[0]))
    # the planted finding: reliability below the adequate level at gz_baiyun
    rel = res.zone_dimensions.set_index("dimension").loc["reliability"]
    assert float(np.atleast_1d(rel["msa"])[0]) < 0


def test_nps_csat_kano_ipa_csi_equal_the_analyses(demo_store: Store) -> None:
    res = dashboard(demo_store, workspace=WS, period="2026Q2")
    kw: dict[str, Any] = {"workspace": WS, "period": "2026Q2"}
    nps = run_analysis(demo_store, analysis="nps", **kw)
    csat = run_analysis(demo_store, analysis="csat", **kw)
    kano = run_analysis(demo_store, analysis="kano", **kw)
    ipa = run_analysis(demo_store, analysis="drivers", ipa=True, **kw)
    csi = run_analysis(demo_store, analysis="csi", model="ccsi", **kw)
    assert not isinstance(res.nps, Missing) and not isinstance(res.csat, Missing)
    now = res.nps[res.nps["role"] == "period"]
    _close(now, nps, ["n", "nps", "ci_low", "ci_high"])
    _close(res.csat[res.csat["role"] == "period"], csat, ["n", "mean", "top_box_share"])
    assert not isinstance(res.kano, Missing)
    _close(res.kano, kano.features, ["feature", "n", "category", "better", "worse"])
    assert not isinstance(res.ipa, Missing)
    _close(res.ipa.table, ipa.table, ["dimension", "importance", "performance", "quadrant"])
    assert res.ipa.short_board == ipa.short_board
    assert not isinstance(res.csi, Missing)
    _close(res.csi[res.csi["role"] == "period"], csi.index, ["construct", "index"])


def test_trends_are_the_trend_analysis_up_to_the_period(demo_store: Store, survey: Any) -> None:
    d, data = survey
    res = dashboard(demo_store, workspace=WS, period="2026Q3")
    hist = an.select_period(d, data, "2026Q3", through=True)
    expected = an.run_trend(d, hist, value="nps")
    assert not isinstance(res.nps_trend, Missing)
    _close(res.nps_trend.table, expected.table, ["period", "n", "value", "lcl", "ucl", "flag"])
    assert list(res.nps_trend.table["period"]) == ["2026Q1", "2026Q2", "2026Q3"]


def test_kano_drift_marks_a_changed_category(demo_store: Store) -> None:
    res = dashboard(demo_store, workspace=WS, period="2026Q4", compare="2026Q3")
    assert not isinstance(res.kano, Missing)
    for r in res.kano.itertuples():
        assert r.drift == (r.category != r.compare_category)


def test_segment_differences_only_those_that_pass(demo_store: Store, survey: Any) -> None:
    d, data = survey
    res = dashboard(demo_store, workspace=WS, period="2026Q4")
    assert not isinstance(res.segments, Missing)
    seg = res.segments
    assert len(seg) > 0 and (seg["p"] < 0.05).all()
    assert set(seg["test"]) <= {"welch_anova", "oneway_anova"}
    # customer type differs on reliability (planted: business customers expect more)
    row = seg[(seg["attribute"] == "reliability") & (seg["group"] == "customer_type")].iloc[0]
    part = data[data["period"] == "2026Q4"].reset_index(drop=True)
    full = an.run_anova(d, part, value="msa:reliability", group="customer_type")
    p = full.welch_p if row["test"] == "welch_anova" else full.p
    assert row["p"] == pytest.approx(p)
    assert row["posthoc_method"] == full.posthoc_method
    assert all(pair["p_adj"] < 0.05 for pair in row["pairs"])


def test_action_table_starts_with_the_short_board(demo_store: Store) -> None:
    res = dashboard(demo_store, workspace=WS, period="2026Q4")
    assert not isinstance(res.actions, Missing) and not isinstance(res.ipa, Missing)
    first = res.actions.iloc[0]
    assert first["attribute"] == res.ipa.short_board and bool(first["short_board"])
    assert list(res.actions["priority"]) == list(range(1, len(res.actions) + 1))
    feats = res.actions[res.actions["kind"] == "feature"]
    assert feats["kano"].notna().all()


def test_segment_filter_keeps_that_value(demo_store: Store, survey: Any) -> None:
    _, data = survey
    res = dashboard(demo_store, workspace=WS, period="2026Q1", segment="customer_type",
                    value="business")  # fmt: skip
    n = int(((data["period"] == "2026Q1") & (data["customer_type"] == "business")).sum())
    assert res.n_period == n
    assert not isinstance(res.segments, Missing)
    assert "customer_type" not in set(res.segments["group"])


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"site": "nowhere"}, "site"),
        ({"region": "atlantis"}, "region"),
        ({"period": "2031Q1"}, "period"),
        ({"period": "yesterday"}, "period"),
        ({"compare": "2026Q4"}, "compare"),
        ({"segment": "shoe_size", "value": "42"}, "segment"),
        ({"segment": "customer_type", "value": "martian"}, "value"),
        ({"segment": "customer_type"}, "value"),
        ({"value": "business"}, "segment"),
        ({"survey": "nope"}, None),
    ],
)
def test_bad_filter_names_its_field(demo_store: Store, filters: dict[str, str],
                                    field: str | None) -> None:  # fmt: skip
    with pytest.raises(ServgapError) as info:
        dashboard(demo_store, workspace=WS, **filters)
    if field is not None:
        assert field in info.value.fields


def test_cache_answers_again_and_new_data_invalidate_it(demo_store: Store) -> None:
    from servgap.store.models import Response, Survey, SurveyVersion, Workspace

    clear_cache()
    first = dashboard(demo_store, workspace=WS, period="2026Q4")
    assert dashboard(demo_store, workspace=WS, period="2026Q4") is first
    before = data_version(demo_store, workspace=WS, survey=SURVEY)
    with demo_store.session() as s:
        from sqlalchemy import select

        ws_id = s.scalar(select(Workspace.id).where(Workspace.code == WS))
        sv = s.scalars(
            select(SurveyVersion)
            .join(Survey)
            .where(Survey.workspace_id == ws_id, Survey.code == SURVEY)
        ).first()
        assert sv is not None
        s.add(Response(workspace_id=ws_id, survey_id=sv.survey_id, survey_version_id=sv.id,
                       external_id="DASH-NEW-1", channel="web", period="2026Q4",
                       submitted_at=dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC),
                       answers={"nps": 10, "csat": 5}))  # fmt: skip
    assert data_version(demo_store, workspace=WS, survey=SURVEY) != before
    again = dashboard(demo_store, workspace=WS, period="2026Q4")  # the new row appended
    assert again is not first
    assert again.n_period == first.n_period + 1
    # a restarted server reads the snapshot; without one, the whole table: same figures
    clear_cache()
    restarted = dashboard(demo_store, workspace=WS, period="2026Q4")
    shutil.rmtree(demo_store.settings.home / "cache", ignore_errors=True)
    clear_cache()
    fresh = dashboard(demo_store, workspace=WS, period="2026Q4")
    for res in (again, restarted):
        assert not isinstance(res.zone_dimensions, Missing)
        assert not isinstance(fresh.zone_dimensions, Missing)
        pd.testing.assert_frame_equal(res.zone_dimensions, fresh.zone_dimensions)
        assert not isinstance(res.nps, Missing) and not isinstance(fresh.nps, Missing)
        pd.testing.assert_frame_equal(res.nps, fresh.nps)
    with demo_store.session() as s:
        from sqlalchemy import delete

        s.execute(delete(Response).where(Response.external_id == "DASH-NEW-1"))


def test_json_ready(demo_store: Store) -> None:
    import json

    res = dashboard(demo_store, workspace=WS, period="2026Q4")
    text = json.dumps(res.to_dict())
    assert "zone_dimensions" in text and "NaN" not in text


def test_open_complaints_are_mapped_to_dimensions(demo_store: Store) -> None:
    from sqlalchemy import select

    from servgap.store.models import Case, Site, Workspace

    cases = (("delay", "gz_baiyun", "new"), ("delay", "gz_baiyun", "investigating"),
             ("attitude", "gz_baiyun", "acknowledged"), ("price", "gz_baiyun", "new"),
             ("delay", "sh_xuhui", "new"), ("delay", "gz_baiyun", "closed"))  # fmt: skip
    with demo_store.session() as s:
        ws_id = s.scalar(select(Workspace.id).where(Workspace.code == WS))
        sites = dict(s.execute(select(Site.code, Site.id).where(Site.workspace_id == ws_id)).all())
        for i, (cat, site, state) in enumerate(cases):
            s.add(Case(workspace_id=ws_id, code=f"DASH-{i}", source="manual", category=cat,
                       state=state, site_id=sites[site], summary="",
                       opened_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))  # fmt: skip
    res = dashboard(demo_store, workspace=WS, site="gz_baiyun")
    assert not isinstance(res.complaints, Missing)
    table = res.complaints.set_index("dimension")
    # delay -> reliability and responsiveness; attitude -> assurance and empathy
    assert table.loc["reliability", "complaints_touching"] == 2
    assert table.loc["responsiveness", "complaints_touching"] == 2
    assert table.loc["assurance", "complaints_touching"] == 1
    assert table.loc["unmapped", "complaints_touching"] == 1
    assert not isinstance(res.actions, Missing)
    rel = res.actions.set_index("attribute").loc["reliability"]
    assert rel["open_complaints"] == 2
    everywhere = dashboard(demo_store, workspace=WS)
    assert not isinstance(everywhere.complaints, Missing)
    assert everywhere.complaints.set_index("dimension").loc["reliability",
                                                             "complaints_touching"] == 3  # fmt: skip


def test_snapshot_round_trip_keeps_the_table_and_its_key(demo_store: Store, tmp_path: Any) -> None:
    from servgap.services import dashboard_data as dash

    _, key = dash._table_key(demo_store, WS, SURVEY)
    d, data = dash._load(demo_store, WS, SURVEY)
    path = tmp_path / "snap.parquet"
    dash._write_snapshot(path, key, data)
    assert path.stat().st_mode & 0o777 == 0o600  # it holds answers
    got = dash._read_snapshot(path)
    assert got is not None
    assert got[0] == key
    pd.testing.assert_frame_equal(got[1], data, check_dtype=False)
    # figures from the snapshot equal those from the store
    sq_a = an.run_servqual(d, got[1][got[1]["period"] == "2026Q4"].reset_index(drop=True))
    sq_b = an.run_servqual(d, data[data["period"] == "2026Q4"].reset_index(drop=True))
    pd.testing.assert_frame_equal(sq_a.dimensions, sq_b.dimensions)
    assert dash._read_snapshot(tmp_path / "none.parquet") is None


@pytest.mark.parametrize(
    "filters",
    [
        {"period": "2026Q3", "compare": "2026Q1"},
        {"site": "gz_baiyun", "period": "2026Q2"},
        {"region": "south"},
        {"segment": "age_group", "value": "25-34"},
        {"segment": "channel", "value": "web", "period": "2026Q1"},
    ],
)
def test_zone_nps_csat_read_from_stored_statistics_equal_the_analyses(
    demo_store: Store, survey: Any, filters: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the survey's statistics stored (services.survey_stats) the zone of tolerance,
    NPS and CSAT are finished from them — run_servqual is not called — and equal the
    analyses on the filtered rows."""
    from sqlalchemy import select

    from servgap.services import dashboard as dash
    from servgap.services.survey_stats import rebuild_stats
    from servgap.store.models import Region, Site

    d, data = survey
    with demo_store.session() as s:
        region_of = dict(s.execute(select(Site.code, Region.code).join(Region)).all())
    assert "south" in region_of.values()
    rebuild_stats(demo_store, workspace=WS, survey=SURVEY)
    clear_cache()
    expected = dashboard(demo_store, workspace=WS, **filters).filters
    keep = (data["period"] == expected.period).to_numpy()
    if expected.site:
        keep &= (data["site"] == expected.site).to_numpy()
    if expected.region:
        keep &= (data["site"].map(region_of) == expected.region).to_numpy()
    if expected.segment:
        keep &= (data[expected.segment] == expected.value).to_numpy()
    part = data[keep].reset_index(drop=True)
    sq = an.run_servqual(d, part)
    nps, csat = an.run_nps(d, part), an.run_csat(d, part)
    used: list[dict[str, Any]] = []
    real = dash.stored_cells

    def spy(*args: Any, **kw: Any) -> Any:
        got = real(*args, **kw)
        used.append(got)
        return got

    def refuse(*args: Any, **kw: Any) -> Any:
        raise AssertionError("the zone should come from the stored statistics")

    monkeypatch.setattr(dash, "stored_cells", spy)
    monkeypatch.setattr(an, "run_servqual", refuse)
    clear_cache()
    res = dashboard(demo_store, workspace=WS, **filters)
    assert used and "period" in used[0] and used[0]["period"].n_responses == len(part) > 0
    assert not isinstance(res.zone_dimensions, Missing)
    assert not isinstance(res.zone_items, Missing)
    mine = res.zone_dimensions[res.zone_dimensions["role"] == "period"]
    _close(mine, sq.dimensions, ["dimension", "n", "msa", "msa_ci_low", "msa_ci_high", "mss",
                                 "share_below", "share_inside", "share_above"])  # fmt: skip
    items = sq.items[sq.items["format"] == "three_column"]
    _close(res.zone_items[res.zone_items["role"] == "period"], items,
           ["item", "adequate_mean", "desired_mean", "perceived_mean", "msa", "share_below"])  # fmt: skip
    assert not isinstance(res.nps, Missing) and not isinstance(res.csat, Missing)
    _close(res.nps[res.nps["role"] == "period"], nps, list(nps.columns))
    _close(res.csat[res.csat["role"] == "period"], csat, list(csat.columns))
