"""engine="postgres": the statistics aggregated by the store's database (SQLite here, and
PostgreSQL when SERVGAP_TEST_DATABASE_URL is set) give the in-memory engine's results on
``load_responses``' table, to 1e-9, for the demo company's 3,010 responses; joint counts
and batches equal pandas' own on the same table."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select
from tests.conftest import BACKENDS, make_store, same_fields

from servgap.core.anova import anova
from servgap.core.errors import InputError, SpecError
from servgap.core.satisfaction import csat, nps
from servgap.core.servqual import servqual
from servgap.engines import Column, batches, counts, histogram
from servgap.engines.postgres import StoreAnswers
from servgap.services import analysis as an
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.services.responses import load_responses
from servgap.store.models import Region, Response, Site

pytestmark = pytest.mark.slow  # builds the demo company once per backend (about 20 s)

RT, AT = 1e-9, 1e-9
WS, SURVEY = "example_express", "example_express_q"


@dataclasses.dataclass
class Demo:
    store: Store
    source: StoreAnswers
    definition: Any
    frame: pd.DataFrame


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    store = make_store(request.param, tmp_path_factory.mktemp("pg_engine"))
    build_demo_store(store)
    definition, frame = load_responses(store, workspace=WS, survey=SURVEY)
    yield Demo(store, StoreAnswers(store, WS, SURVEY), definition, frame)
    store.dispose()


def _same(a: Any, b: Any) -> None:
    same_fields(a, b, rtol=RT, atol=AT)


def _with_region(demo: Demo) -> pd.DataFrame:
    """The memory table plus each site's region code (joined here with pandas)."""
    with demo.store.session() as s:
        rows = s.execute(
            select(Site.code, Region.code).outerjoin(Region, Region.id == Site.region_id)
        ).all()
    regions = pd.DataFrame(rows, columns=["site", "region"])
    return demo.frame.merge(regions, on="site", how="left", validate="many_to_one")


@pytest.mark.parametrize("group", ["site", "channel", "period", "customer_type", "choice_1"])
def test_anova_equals_memory(demo: Demo, group: str) -> None:
    for value in ("overall", "loyalty", "wait_perceived"):
        mem = anova(demo.frame, value, group)
        _same(anova(demo.source, value, group, engine="postgres"), mem)


def test_anova_by_region_equals_memory(demo: Demo) -> None:
    mem = anova(_with_region(demo), "overall", "region")
    _same(anova(demo.source, "overall", "region", engine="postgres"), mem)


def test_nps_and_csat_equal_memory_whole_survey_and_one_period(demo: Demo) -> None:
    frame = demo.frame
    _same(nps(demo.source["nps"], engine="postgres"), nps(frame["nps"]))
    _same(csat(demo.source["csat"], engine="postgres"), csat(frame["csat"]))
    part = frame[frame["period"] == "2026Q3"].reset_index(drop=True)
    q3 = StoreAnswers(demo.store, WS, SURVEY, period="2026-q3")  # written another way
    _same(nps(q3["nps"], engine="postgres"), nps(part["nps"]))
    _same(anova(q3, "overall", "site", engine="postgres"), anova(part, "overall", "site"))


@pytest.mark.parametrize("by", [None, "site", ["period", "customer_type"]])
def test_servqual_equals_memory(demo: Demo, by: Any) -> None:
    items = an.servqual_items(demo.definition)
    weights = an.importance_weights(demo.definition)
    mem = servqual(demo.frame, items, weights=weights, by=by)
    _same(servqual(demo.source, items, weights=weights, by=by, engine="postgres"), mem)


def test_counts_equal_pandas_joint_histogram(demo: Demo) -> None:
    cols = ["f_locker_functional", "f_locker_dysfunctional"]
    got, left_out = counts("postgres", demo.source, cols, ["site"])
    kept = demo.frame[["site", *cols]].dropna()
    want = kept.groupby(["site", *cols]).size().rename("count").reset_index()
    want[cols] = want[cols].astype(np.float64)
    pd.testing.assert_frame_equal(got, want.astype({"count": np.int64}))
    assert left_out == len(demo.frame) - len(kept) > 0
    alone, _ = counts("postgres", demo.source, ["nps"])
    assert alone["count"].sum() == demo.frame["nps"].notna().sum()


def test_batches_stream_the_table_in_order(demo: Demo) -> None:
    cols = ["response_id", "site", "nps", "tan1_perceived", "choice_1", "tenure_months"]
    parts = list(batches("postgres", demo.source, cols, rows=1000))
    assert [len(p) for p in parts] == [1000, 1000, 1000, len(demo.frame) - 3000]
    got = pd.concat(parts, ignore_index=True)
    want = demo.frame[cols].astype({"nps": np.float64, "tan1_perceived": np.float64})
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert got["nps"].dtype == np.float64


def test_histogram_counts_the_rows_left_out(demo: Demo) -> None:
    hist, left_out = histogram("postgres", demo.source, "overall", "site")
    kept = demo.frame[["overall", "site"]].dropna()
    assert left_out == len(demo.frame) - len(kept)
    assert hist.groups == tuple(sorted(kept["site"].unique()))
    assert int(hist.n.sum()) == len(kept)


def test_bad_columns_and_sources_are_named(demo: Demo) -> None:
    with pytest.raises(InputError, match="`no_such`") as exc:
        anova(demo.source, "no_such", "site", engine="postgres")
    assert exc.value.fields == ("no_such",)
    with pytest.raises(InputError, match="holds text"):
        nps(demo.source["choice_1"], engine="postgres")
    with pytest.raises(SpecError, match="StoreAnswers"):
        anova(demo.frame, "overall", "site", engine="postgres")
    with pytest.raises(InputError, match="period"):
        nps(StoreAnswers(demo.store, WS, SURVEY, period="someday")["nps"], engine="postgres")
    assert isinstance(demo.source["nps"], Column)


def test_invalid_stored_answers_are_listed_with_their_rows(demo: Demo) -> None:
    """Answers written without the import's checks (an NPS of 11, a fraction) are errors
    naming the response and its row in ``load_responses``' order, as in memory."""
    with demo.store.session() as s:
        first = s.scalars(select(Response).order_by(Response.id)).first()
        assert first is not None
        row = {c: getattr(first, c) for c in ("workspace_id", "survey_id", "survey_version_id",
                                              "channel", "period")}  # fmt: skip
        s.execute(insert(Response), [{**row, "external_id": "BAD1", "answers": {"nps": 11}},
                                     {**row, "external_id": "BAD2", "answers": {"nps": 7.5}}])  # fmt: skip
    try:
        _, frame = load_responses(demo.store, workspace=WS, survey=SURVEY)
        with pytest.raises(InputError) as mem:
            nps(frame["nps"])
        with pytest.raises(InputError) as eng:
            nps(demo.source["nps"], engine="postgres")
        assert [p.row for p in eng.value.problems] == [p.row for p in mem.value.problems]
        assert [p.value for p in eng.value.problems] == [11.0, 7.5]
        assert "BAD1" in eng.value.problems[0].en
    finally:
        with demo.store.session() as s:
            s.execute(Response.__table__.delete().where(Response.external_id.like("BAD%")))
