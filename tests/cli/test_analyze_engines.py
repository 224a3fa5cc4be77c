"""`servgap analyze ... --engine duckdb|spark|postgres` equals `--engine memory` to 1e-9.

The same Parquet file is analysed by pandas (``--engine memory``) and by the engine,
through the command line (click's runner) with ``--json``; every number must agree to
1e-9 (differential test against our own memory engine, whose statistics are checked
against published values in tests/core). DuckDB also reads a hive-partitioned folder,
and a file several times larger than DuckDB's memory limit
(``SERVGAP_DUCKDB_MEMORY_LIMIT``).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from servgap.cli import main

SPEC = """\
code: engines
version: 1
title: {zh: 引擎测试, en: Engine test}
scale: {min: 1, max: 9}
questions:
  - {code: tan1, type: servqual3, dimension: tangibles, text: {zh: 设备, en: Equipment}}
  - {code: tan2, type: servqual3, dimension: tangibles, text: {zh: 场所, en: Premises}}
  - {code: rel1, type: servqual3, dimension: reliability, text: {zh: 准时, en: On time}}
  - {code: rel2, type: servqual3, dimension: reliability, text: {zh: 做对, en: Right}}
  - {code: emp1, type: servqual3, dimension: empathy, text: {zh: 关注, en: Attention}}
  - {code: emp2, type: servqual3, dimension: empathy, text: {zh: 时间, en: Hours}}
  - code: importance
    type: importance
    options: [tangibles, reliability, empathy]
    text: {zh: 分配 100 分, en: Share 100 points}
  - code: f_locker
    type: kano
    text: {zh: 快递柜, en: Locker}
    functional: {zh: 可以, en: Can}
    dysfunctional: {zh: 不可以, en: Cannot}
  - code: f_night
    type: kano
    text: {zh: 夜间, en: Night}
    functional: {zh: 可以, en: Can}
    dysfunctional: {zh: 不可以, en: Cannot}
  - {code: nps, type: nps, text: {zh: 推荐, en: Recommend}}
  - {code: csat, type: csat, scale: {min: 1, max: 5}, text: {zh: 满意, en: Satisfied}}
  - {code: overall, type: likert, scale: {min: 1, max: 7}, text: {zh: 总体, en: Overall}}
  - {code: segment, type: profile, options: [a, b], text: {zh: 客户, en: Customer}}
"""

ITEMS = ["tan1", "tan2", "rel1", "rel2", "emp1", "emp2"]


def make_answers(n: int, seed: int = 7) -> pd.DataFrame:
    """Synthetic respondents: missing answers, some desired < adequate, 1–9 scale."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for code in ITEMS:
        a = rng.integers(1, 8, n).astype(np.float64)
        d = np.minimum(a + rng.integers(-1, 3, n), 9)
        p = np.clip(a + rng.integers(-2, 4, n), 1, 9).astype(np.float64)
        p[rng.random(n) < 0.05] = np.nan
        cols[f"{code}_adequate"], cols[f"{code}_desired"], cols[f"{code}_perceived"] = a, d, p
    w = np.floor(rng.dirichlet(np.ones(3), n) * 100)
    w[:, 2] = 100 - w[:, :2].sum(axis=1)
    for i, dim in enumerate(["tangibles", "reliability", "empathy"]):
        cols[f"importance_{dim}"] = w[:, i]
    for f in ("f_locker", "f_night"):
        cols[f"{f}_functional"] = rng.integers(1, 6, n).astype(np.float64)
        cols[f"{f}_dysfunctional"] = rng.integers(1, 6, n).astype(np.float64)
        cols[f"{f}_functional"][rng.random(n) < 0.03] = np.nan
    nps = rng.integers(0, 11, n).astype(np.float64)
    nps[rng.random(n) < 0.04] = np.nan
    cols["nps"] = nps
    cols["csat"] = rng.integers(1, 6, n).astype(np.float64)
    cols["overall"] = np.clip(np.round(rng.normal(4, 1.5, n)), 1, 7)
    cols["site"] = rng.choice(["north", "south", "east"], n)
    cols["segment"] = rng.choice(["a", "b"], n)
    cols["period"] = rng.choice(["2026Q1", "2026Q2", "2026Q3", "2026Q4"], n)
    return pd.DataFrame(cols)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    return CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(answers.parquet, a hive-partitioned folder of the same answers, survey.yaml)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("engines")
    data = make_answers(3000)
    path = root / "answers.parquet"
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), path, row_group_size=700)
    folder = root / "answers"
    pq.write_to_dataset(pa.Table.from_pandas(data, preserve_index=False), folder,
                        partition_cols=["site"])  # fmt: skip
    spec = root / "survey.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return path, folder, spec


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Equal structure; numbers to 1e-9 (relative or absolute); lists of rows by position."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{where}: keys {set(a) ^ set(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{where}: {len(a)} vs {len(b)} rows"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        if isinstance(a, float) and math.isnan(a):
            assert isinstance(b, float) and math.isnan(b), f"{where}: {a} vs {b}"
        else:
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {a} vs {b}"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


CASES = [
    ["servqual"],
    ["servqual", "--by", "site"],
    ["servqual", "--level", "items"],
    ["tolerance"],
    ["kano"],
    ["kano", "--by", "segment"],
    ["nps"],
    ["nps", "--by", "site,segment"],
    ["nps", "--csat", "--by", "site"],
    ["anova", "--value", "msa:reliability", "--group", "site"],
    ["anova", "--value", "adequate:tangibles", "--group", "segment"],
    ["anova", "--value", "gap:empathy", "--group", "site"],
    ["anova", "--value", "nps", "--group", "site"],
    ["drivers"],
    ["drivers", "--method", "relative_weights"],
    ["drivers", "--ipa"],
    ["trend", "--value", "nps"],
    ["trend", "--value", "msa:reliability"],
    ["trend", "--value", "below:tangibles"],
    ["trend", "--value", "overall"],
]


def _json(runner: CliRunner, args: list[str]) -> Any:
    res = runner.invoke(main, ["--lang", "en", "analyze", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


@pytest.mark.parametrize("args", CASES, ids=lambda a: "-".join(a).replace("--", ""))
def test_duckdb_equals_memory(
    runner: CliRunner, files: tuple[Path, Path, Path], args: list[str]
) -> None:
    path, _, spec = files
    src = ["--file", str(path), "--spec", str(spec)]
    memory = _json(runner, [*args, *src, "--engine", "memory"])
    duck = _json(runner, [*args, *src, "--engine", "duckdb"])
    assert_same(memory, duck, args[0])


@pytest.mark.parametrize("args", [CASES[0], CASES[4], CASES[7], CASES[9], CASES[13]],
                         ids=lambda a: "-".join(a).replace("--", ""))  # fmt: skip
def test_duckdb_reads_a_partitioned_folder(
    runner: CliRunner, files: tuple[Path, Path, Path], args: list[str]
) -> None:
    path, folder, spec = files
    memory = _json(runner, [*args, "--file", str(path), "--spec", str(spec)])
    duck = _json(runner, [*args, "--file", str(folder), "--spec", str(spec), "--engine", "duckdb"])
    assert_same(memory, duck, args[0])


def test_csi_on_an_engine_is_a_clean_error(
    runner: CliRunner, files: tuple[Path, Path, Path]
) -> None:
    path, _, spec = files
    args = ["analyze", "csi", "--file", str(path), "--spec", str(spec)]
    res = runner.invoke(main, ["--lang", "en", *args, "--engine", "duckdb"])
    assert res.exit_code == 2  # a usage error
    assert "needs every respondent's row in memory" in res.output and "--engine" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(main, ["--lang", "zh", *args, "--engine", "duckdb"])
    assert "内存" in res.output


def test_csv_with_duckdb_is_a_clean_error(
    runner: CliRunner, files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, _, spec = files
    csv = tmp_path / "answers.csv"
    make_answers(20).to_csv(csv, index=False)
    res = runner.invoke(main, ["--lang", "en", "analyze", "nps", "--file", str(csv), "--spec",
                               str(spec), "--engine", "duckdb"])  # fmt: skip
    assert res.exit_code == 2
    assert "reads Parquet" in res.output and "Traceback" not in res.output


@pytest.mark.slow
def test_larger_than_duckdb_memory(
    runner: CliRunner,
    files: tuple[Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Parquet file over 4× DuckDB's memory limit: the histograms and batches still run.

    DuckDB needs memory for the row groups it decodes at once (threads × row group),
    so the row groups (100,000 rows, 24 MB here) must fit under the limit; the file
    need not.

    The limit is ``SERVGAP_DUCKDB_MEMORY_LIMIT``, which the engine sets on every
    connection it opens (checked on each); the file is written without compression or
    dictionaries so its size on disk is its size in memory.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    import servgap.engines.duckdb as duck_engine

    _, _, spec = files
    big = tmp_path / "big.parquet"
    schema = pa.Table.from_pandas(make_answers(10), preserve_index=False).schema
    with pq.ParquetWriter(big, schema, compression="none", use_dictionary=False) as w:
        for seed in range(12):
            w.write_table(pa.Table.from_pandas(make_answers(100_000, seed), preserve_index=False))
    limit_mb = 64
    assert big.stat().st_size > 4 * limit_mb * 2**20
    connect = duck_engine._connect
    limits: list[str] = []

    def limited() -> Any:
        con = connect()
        con.execute("SET threads = 1")
        limits.append(str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0]))
        return con

    monkeypatch.setattr(duck_engine, "_connect", limited)
    monkeypatch.setenv("SERVGAP_DUCKDB_MEMORY_LIMIT", f"{limit_mb}MB")
    src = ["--file", str(big), "--spec", str(spec)]
    for args in (["nps", "--by", "site"], ["anova", "--value", "msa:reliability", "--group",
                 "site"], ["servqual"]):  # fmt: skip
        duck = _json(runner, [*args, *src, "--engine", "duckdb"])
        memory = _json(runner, [*args, *src, "--engine", "memory"])
        assert_same(memory, duck, args[0])
    assert limits and all(x.replace(" ", "").upper().startswith(("61", "64")) for x in limits)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning")  # py4j leaves its socket to the GC
def test_spark_equals_memory(
    runner: CliRunner, files: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyspark")
    spark_engine = pytest.importorskip("servgap.engines.spark")
    if shutil.which("java") is None:  # pragma: no cover - CI installs a Java runtime
        pytest.skip("engine='spark' needs a Java runtime")
    monkeypatch.setenv("SERVGAP_SPARK_MASTER", "local[2]")
    path, folder, spec = files
    try:
        for args in (CASES[0], CASES[5], CASES[7], CASES[9], CASES[12], CASES[13], CASES[17]):
            memory = _json(runner, [*args, "--file", str(path), "--spec", str(spec)])
            for src in (path, folder):
                spark = _json(runner, [*args, "--file", str(src), "--spec", str(spec),
                                       "--engine", "spark"])  # fmt: skip
                assert_same(memory, spark, f"{args[0]} {src.name}")
    finally:
        spark_engine.session().stop()


def test_a_missing_column_is_named_as_a_column_not_as_an_option(
    runner: CliRunner, files: tuple[Path, Path, Path]
) -> None:
    """An engine names the column it cannot find; the CLI shows only its own options as
    flags (`--engine`), never a data column (`quarter`, not `--quarter`)."""
    path, _, spec = files
    args = ["analyze", "trend", "--value", "nps", "--period", "quarter", "--file", str(path),
            "--spec", str(spec), "--engine", "duckdb"]  # fmt: skip
    for lang in ("en", "zh"):
        res = runner.invoke(main, ["--lang", lang, *args])
        assert res.exit_code == 1 and "`quarter`" in res.output, res.output
        assert "--quarter" not in res.output and "Traceback" not in res.output
