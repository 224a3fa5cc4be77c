"""The survey analyses on an engine equal the memory engine's to 1e-9.

Differential tests against our own memory engine (whose statistics are checked against
published values in tests/core): the demo company's stored answers analysed by
``engine="postgres"`` (the store's database: SQLite here, PostgreSQL when
SERVGAP_TEST_DATABASE_URL is set), the report's segment table on DuckDB, and the clean
bilingual errors for what an engine cannot do or lacks.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.conftest import BACKENDS, make_store

from servgap.core.errors import SpecError, UsageError
from servgap.services import analysis as an
from servgap.services import analysis_engines as ae

RT = AT = 1e-9
WS, SURVEY = "example_express", "example_express_q"


def same(a: Any, b: Any, where: str = "") -> None:
    """Frozen results, frames and numbers equal to 1e-9."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_exact=False, rtol=RT, atol=AT, check_dtype=False,
                                      obj=where)  # fmt: skip
    elif isinstance(a, tuple | list) and a and dataclasses.is_dataclass(a[0]):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert np.isclose(a, b, rtol=RT, atol=AT, equal_nan=True), (where, a, b)
    else:
        assert a == b, (where, a, b)


@dataclasses.dataclass
class Demo:
    store: Any
    definition: Any
    frame: pd.DataFrame
    source: Any


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    pytest.importorskip("servgap.engines.postgres")

    from servgap.services.demo import build_demo_store

    store = make_store(request.param, tmp_path_factory.mktemp("engines_service"))
    build_demo_store(store)
    d, frame = an.load_survey(store, workspace=WS, survey=SURVEY)
    _, source = ae.open_store(store, "postgres", "servqual", workspace=WS, survey=SURVEY)
    yield Demo(store, d, frame, source)
    store.dispose()


@pytest.mark.parametrize(
    "run",
    [
        lambda d, x, e: an.run_servqual(d, x, engine=e),
        lambda d, x, e: an.run_servqual(d, x, by=["site"], engine=e),
        lambda d, x, e: an.run_kano(d, x, engine=e),
        lambda d, x, e: an.run_kano(d, x, by=["age_group"], engine=e),
        lambda d, x, e: an.run_nps(d, x, engine=e),
        lambda d, x, e: an.run_nps(d, x, by=["site"], engine=e),
        lambda d, x, e: an.run_csat(d, x, by=["customer_type"], engine=e),
        lambda d, x, e: an.run_anova(d, x, value="msa:reliability", group="site", engine=e),
        lambda d, x, e: an.run_anova(d, x, value="overall", group="channel", engine=e),
        lambda d, x, e: an.run_drivers(d, x, engine=e),
        lambda d, x, e: an.run_ipa(d, x, engine=e),
    ],
    ids=[
        "servqual",
        "servqual-site",
        "kano",
        "kano-age",
        "nps",
        "nps-site",
        "csat-type",
        "anova-msa",
        "anova-overall",
        "drivers",
        "ipa",
    ],
)
def test_postgres_equals_memory(demo: Demo, run: Any) -> None:
    same(run(demo.definition, demo.frame, "memory"), run(demo.definition, demo.source, "postgres"))


def test_report_segments_on_postgres(demo: Demo) -> None:
    """The report's 5 × 2 dimension scores × segment columns in one pass over the answers."""
    dims = an.rating_dimensions(demo.definition)
    specs = [f"{p}:{x}" for x in dims for p in ("adequate", "msa")]
    groups = ["customer_type", "age_group", "site"]
    mem = an.run_anova_table(demo.definition, demo.frame, values=specs, groups=groups)
    eng = an.run_anova_table(demo.definition, demo.source, values=specs, groups=groups,
                             engine="postgres")  # fmt: skip
    same(mem, eng)


def test_portal_run_analysis_on_postgres(demo: Demo) -> None:
    from servgap.services.portal import run_analysis

    for analysis in ("servqual", "nps", "kano"):
        mem = run_analysis(demo.store, workspace=WS, analysis=analysis, survey=SURVEY)
        eng = run_analysis(demo.store, workspace=WS, analysis=analysis, survey=SURVEY,
                           engine="postgres")  # fmt: skip
        same(mem, eng, analysis)


@pytest.fixture
def parquet(tmp_path: Path) -> tuple[Any, Path]:
    """The CLI tests' synthetic survey as a Parquet file with several row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tests.cli.test_analyze_engines import SPEC, make_answers

    from servgap.core.survey import parse_survey

    path = tmp_path / "answers.parquet"
    pq.write_table(pa.Table.from_pandas(make_answers(2500), preserve_index=False), path,
                   row_group_size=600)  # fmt: skip
    import yaml

    return parse_survey(yaml.safe_load(SPEC)), path


def test_segment_table_on_duckdb(
    parquet: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    d, path = parquet
    monkeypatch.setattr(ae, "BATCH_ROWS", 700)  # several batches: their histograms merge
    frame = pd.read_parquet(path)
    specs = ["adequate:tangibles", "msa:reliability", "gap:empathy", "below:tangibles", "nps"]
    mem = an.run_anova_table(d, frame, values=specs, groups=["site", "segment"])
    eng = an.run_anova_table(d, ae.parquet_source("duckdb", path), values=specs,
                             groups=["site", "segment"], engine="duckdb")  # fmt: skip
    same(mem, eng)


def test_memory_only_analyses_are_refused() -> None:
    with pytest.raises(UsageError) as err:
        ae.check_analysis("duckdb", "csi")
    assert err.value.fields == ("engine",)
    assert "memory" in err.value.message("en") and "内存" in err.value.message("zh")
    ae.check_analysis("memory", "csi")  # fine in memory


def test_missing_engine_package_is_a_bilingual_error(
    parquet: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    d, path = parquet
    source = ae.parquet_source("duckdb", path)
    monkeypatch.setitem(sys.modules, "duckdb", None)  # as if not installed
    with pytest.raises(SpecError) as err:
        an.run_nps(d, source, engine="duckdb")
    assert "needs the Python package duckdb" in err.value.message("en")
    assert "需要 Python 包 duckdb" in err.value.message("zh")
    assert err.value.fields == ("engine",)


def test_files_need_a_parquet_engine(parquet: tuple[Any, Path]) -> None:
    _, path = parquet
    with pytest.raises(UsageError) as err:
        ae.parquet_source("postgres", path)
    assert set(err.value.fields) == {"engine", "file"}
    with pytest.raises(UsageError):
        ae.parquet_source("duckdb", path.with_suffix(".csv"))


def test_report_survey_part_on_postgres(demo: Demo) -> None:
    """`servgap report --engine postgres`: the survey analyses equal the memory report's."""
    from servgap.services.report import Missing, ReportRequest, report_data

    mem = report_data(demo.store, ReportRequest(WS, survey=SURVEY, period="2026Q3",
                                                compare="2026Q2"))  # fmt: skip
    eng = report_data(demo.store, ReportRequest(WS, survey=SURVEY, period="2026Q3",
                                                compare="2026Q2", engine="postgres"))  # fmt: skip
    assert not isinstance(mem.survey, Missing) and not isinstance(eng.survey, Missing)
    assert (mem.scope.n_responses, mem.scope.n_compare) == (
        eng.scope.n_responses, eng.scope.n_compare)  # fmt: skip
    for part in ("servqual", "servqual_by_site", "compare", "change", "kano", "kano_by_age",
                 "nps", "nps_by_site", "nps_compare", "csat", "segments", "drivers", "ipa",
                 "trends"):  # fmt: skip
        same(getattr(mem.survey, part), getattr(eng.survey, part), part)
    assert not isinstance(eng.survey.trends, Missing) and len(eng.survey.trends) >= 2
    assert isinstance(eng.survey.csi, Missing) and "memory" in eng.survey.csi.en
