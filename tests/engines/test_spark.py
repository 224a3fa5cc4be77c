"""engine="spark": histograms computed by a local Spark session give the in-memory results.

Differential tests: every analysis on Parquet (a file, a hive-partitioned folder) or a
Spark DataFrame read by Spark equals ``engine="memory"`` on the same pandas frame to
1e-9; forecasts of many series through statsforecast's Fugue backend equal the same
``StatsForecast.forecast`` call on pandas to 1e-6. One local session for the module.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.conftest import same_fields

from servgap.core.anova import anova
from servgap.core.errors import InputError, SpecError
from servgap.core.satisfaction import csat, nps
from servgap.core.servqual import servqual

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - CI installs openjdk-17-jre-headless
    pytest.skip("engine='spark' needs a Java runtime", allow_module_level=True)

from servgap.engines import spark as engine
from servgap.engines.spark import SparkSource
from servgap.engines.spark_forecast import forecast_many

pytestmark = [
    pytest.mark.slow,
    # pyspark's collect leaves its py4j result socket to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

RT, AT = 1e-9, 1e-9


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local session for the module, started the way servgap starts one."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SERVGAP_SPARK_MASTER", "local[2]")
        mp.setenv("PYSPARK_PYTHON", sys.executable)
        session = engine.session()
        yield session
    session.stop()


def _frame(n: int = 4000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.integers(1, 8, n) + rng.integers(0, 4, n) / 4.0
    data = pd.DataFrame(
        {
            "score": score,
            "region": rng.choice(["north", "east", "south", "west"], n),
            "Channel": rng.choice(["web", "phone"], n),
            "nps": rng.integers(0, 11, n).astype(np.float64),
            "csat": rng.integers(1, 6, n).astype(np.int64),
        }
    )
    data.loc[rng.random(n) < 0.05, "score"] = np.nan
    data.loc[rng.random(n) < 0.03, "nps"] = np.nan
    data.loc[rng.random(n) < 0.02, "region"] = None
    return data


def _same(a: Any, b: Any) -> None:
    same_fields(a, b, rtol=RT, atol=AT)


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path, Path]:
    data = _frame()
    root = tmp_path_factory.mktemp("answers")
    one = root / "answers.parquet"
    data.to_parquet(one, index=False)
    folder = root / "by_channel"  # a partitioned folder (hive layout: Channel=web/...)
    data.to_parquet(folder, partition_cols=["Channel"], index=False)
    return data, one, folder


def test_session_is_the_given_or_the_active_one(spark: Any) -> None:
    # started on SERVGAP_SPARK_MASTER with the small local defaults
    assert spark.sparkContext.master == "local[2]"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "4"
    assert engine.session() is spark
    other = object()
    assert engine.session(other) is other


def test_anova_on_spark_equals_memory(spark: Any, parquet: tuple[pd.DataFrame, Path, Path]) -> None:
    data, one, folder = parquet
    frame = spark.createDataFrame(data)  # NaN stays NaN here (not null): both are empty
    for group in ("region", "Channel"):
        mem = anova(data, "score", group)
        _same(anova(one, "score", group, engine="spark"), mem)
        _same(anova(str(folder), "score", group, engine="spark"), mem)  # another row order
        _same(anova(frame, "score", group, engine="spark"), mem)
    # a session passed with the path; Spark names are case-insensitive: `channel` finds `Channel`
    got = anova(SparkSource(str(one), spark), "score", "channel", engine="spark")
    _same(got, dataclasses.replace(anova(data, "score", "Channel"), group="channel"))


def test_nps_and_csat_on_spark_equal_memory(
    spark: Any, parquet: tuple[pd.DataFrame, Path, Path]
) -> None:
    data, one, folder = parquet
    frame = spark.read.parquet(str(one))
    for src in (SparkSource(str(one)), SparkSource(str(folder)), SparkSource(frame)):
        _same(nps(src["nps"], engine="spark"), nps(data["nps"]))
        _same(csat(src["csat"], engine="spark"), csat(data["csat"]))


def test_counts_equal_a_pandas_groupby(parquet: tuple[pd.DataFrame, Path, Path]) -> None:
    data, one, folder = parquet
    want = (
        data.dropna(subset=["region", "nps", "csat"])
        .groupby(["region", "nps", "csat"])
        .size()
        .rename("count")
        .reset_index()
        .astype({"nps": np.float64, "csat": np.float64, "count": np.int64})
    )
    for src in (one, folder):
        got, left_out = engine.counts(src, ["nps", "csat"], ["region"])
        pd.testing.assert_frame_equal(got, want)
        assert left_out == len(data) - int(want["count"].sum())


def test_bad_answers_are_listed_with_their_rows(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"nps": [10.0, 3.0, 11.0, 7.5, np.nan, np.inf]}).to_parquet(path, index=False)
    with pytest.raises(InputError) as err:
        nps(SparkSource(str(path))["nps"], engine="spark")
    assert sorted(int(p.row or 0) for p in err.value.problems) == [3, 4, 6]
    assert {p.column for p in err.value.problems} == {"nps"}
    # rows across partitions: positions in partition order
    frame = spark.createDataFrame(pd.DataFrame({"x": np.arange(1.0, 101.0)})).repartition(4)
    order = [r["x"] for r in frame.collect()]
    with pytest.raises(InputError) as err:
        csat(SparkSource(frame)["x"], scale=(1, 90), engine="spark")
    rows = sorted(int(p.row or 0) for p in err.value.problems)
    assert rows == sorted(i + 1 for i, v in enumerate(order) if v > 90)


def test_engine_errors_name_what_is_wrong(
    spark: Any, parquet: tuple[pd.DataFrame, Path, Path], tmp_path: Path
) -> None:
    data, one, _ = parquet
    with pytest.raises(InputError, match="not found"):
        anova(one, "nothing", "region", engine="spark")
    with pytest.raises(InputError, match="not numbers") as err:
        anova(one, "region", "Channel", engine="spark")
    assert "不是数值" in err.value.zh and err.value.fields == ("region",)
    with pytest.raises(InputError, match="does not exist"):
        anova(one.parent / "missing.parquet", "score", "region", engine="spark")
    with pytest.raises(SpecError, match="column of its source"):
        nps(data["nps"], engine="spark")
    with pytest.raises(SpecError, match="Spark DataFrame or Parquet"):
        anova(data, "score", "region", engine="spark")
    text = tmp_path / "not.parquet"
    text.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="Spark cannot read Parquet"):
        anova(text, "a", "b", engine="spark")
    twins = pd.DataFrame({"Score": [1.0, 2.0], "SCORE": [2.0, 1.0], "g": ["a", "b"]})
    for name in ("score", "Score"):  # even the exact name is ambiguous to Spark
        with pytest.raises(InputError, match="cannot tell apart"):
            anova(spark.createDataFrame(twins), name, "g", engine="spark")


def test_servqual_streamed_from_spark_equals_memory(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(11)
    n = 3000
    cols: dict[str, Any] = {}
    items: dict[str, dict[str, str]] = {}
    for j in range(6):
        a = rng.integers(1, 8, n).astype(np.float64)
        d = np.minimum(a + rng.integers(-1, 3, n), 9).astype(np.float64)
        p = np.clip(a + rng.integers(-2, 4, n), 1, 9).astype(np.float64)
        p[rng.random(n) < 0.05] = np.nan
        cols |= {f"a{j}": a, f"d{j}": d, f"p{j}": p}
        items[f"q{j}"] = {"dimension": ["speed", "care"][j % 2], "perceived": f"p{j}",
                          "adequate": f"a{j}", "desired": f"d{j}"}  # fmt: skip
    w = np.floor(rng.dirichlet(np.ones(2), n) * 100)
    w[:, 1] = 100 - w[:, 0]
    cols |= {"w_speed": w[:, 0], "w_care": w[:, 1], "site": rng.choice(["x", "y", "z"], n)}
    data = pd.DataFrame(cols)
    path = tmp_path / "sq.parquet"
    data.to_parquet(path, index=False, row_group_size=700)
    weights = {"speed": "w_speed", "care": "w_care"}
    real = engine.fold
    calls: list[int] = []

    def small(d: Any, c: list[str], fn: Any, *, rows: int = 1_000_000) -> list[Any]:
        parts = real(d, c, fn, rows=512)  # many partial statistics merged on the executors
        calls.append(len(parts))
        return parts

    monkeypatch.setattr(engine, "fold", small)
    # one file; a frame in 3 partitions (3 partial statistics merged on the driver)
    spread = spark.read.parquet(str(path)).repartition(3)
    for source in (str(path), spread):
        for by in (None, "site"):
            got = servqual(source, items, weights=weights, by=by, engine="spark")
            mem = servqual(data, items, weights=weights, by=by)
            for table in ("items", "dimensions", "overall", "separate_items"):
                pd.testing.assert_frame_equal(
                    getattr(got, table), getattr(mem, table), check_exact=False, rtol=RT,
                    atol=AT, obj=table,
                )  # fmt: skip
            assert got.warnings == mem.warnings
    assert calls[-1] == 3  # the statistics came through fold, one per partition


def test_fold_runs_on_the_executors(spark: Any) -> None:
    from servgap.engines import fold

    def where(batch: pd.DataFrame) -> dict[str, Any]:  # pickled by value (a closure)
        from pyspark import TaskContext

        ctx = TaskContext.get()
        return {"pid": os.getpid(), "partition": None if ctx is None else ctx.partitionId(),
                "n": len(batch), "sum": float(batch["X"].sum()),
                "dtype": str(batch["X"].dtype)}  # fmt: skip

    frame = spark.createDataFrame(pd.DataFrame({"x": np.arange(1, 1001, dtype=np.int64)}))
    # `X` finds `x` (Spark's names are case-insensitive) and is named as asked
    parts = fold("spark", frame.repartition(4), ["X"], where, rows=100)
    # no merge method: one result per batch of at most 100 rows, in partition order
    assert all(p["pid"] != os.getpid() for p in parts)  # a Python worker, not the driver
    seen = [p["partition"] for p in parts]
    assert seen == sorted(seen) and set(seen) == {0, 1, 2, 3}
    assert all(p["n"] <= 100 for p in parts) and sum(p["n"] for p in parts) == 1000
    assert sum(p["sum"] for p in parts) == 500500.0
    assert {p["dtype"] for p in parts} == {"float64"}  # numbers as float64, like batches
    # numbers add up on the executors: one result per partition
    totals = fold("spark", frame.repartition(3), ["x"], lambda b: float(b["x"].sum()))
    assert len(totals) == 3 and sum(totals) == 500500.0
    assert fold("spark", frame.where("x < 0"), ["x"], len) == []  # no rows, no results


def test_fold_sends_back_servgap_errors(spark: Any) -> None:
    from servgap.engines import fold

    def refuse(batch: pd.DataFrame) -> int:
        raise InputError("Bad answer in the batch.", "批次中有无效答案。", fields=("x",))

    frame = spark.createDataFrame(pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    with pytest.raises(InputError, match="Bad answer") as err:
        fold("spark", frame, ["x"], refuse)
    assert err.value.zh == "批次中有无效答案。" and err.value.fields == ("x",)


def _series(n_series: int = 4, length: int = 70, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-06", periods=length, freq="D")
    week = np.array([1.0, 1.1, 1.2, 1.15, 1.3, 0.7, 0.5])
    parts = [
        pd.DataFrame(
            {
                "unique_id": f"site-{i}",
                "ds": days,
                "y": (50 + 10 * i) * week[np.arange(length) % 7] + rng.normal(0, 3, length),
            }
        )
        for i in range(n_series)
    ]
    return pd.concat(parts, ignore_index=True)


def test_forecast_many_on_spark_equals_statsforecast_on_pandas(spark: Any) -> None:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, SeasonalNaive

    history = _series()
    want = (
        StatsForecast(
            models=[
                SeasonalNaive(7, alias="seasonal_naive"),
                AutoETS(season_length=7, alias="auto_ets"),
            ],
            freq="D",
        )
        .forecast(df=history, h=14, level=[80])
        .sort_values(["unique_id", "ds"])
        .reset_index(drop=True)
    )
    got = forecast_many(history, horizon=14, season_length=7, freq="D", session=spark, level=(80,))
    pd.testing.assert_frame_equal(
        got, want[got.columns.tolist()], check_exact=False, rtol=1e-6, atol=1e-6,
        check_dtype=False,
    )  # fmt: skip
    assert set(got.columns) == set(want.columns)
    # a Spark frame in: a Spark frame out, on the frame's session
    lazy = forecast_many(spark.createDataFrame(history), horizon=14, season_length=7, freq="D")
    assert lazy.sparkSession is spark
    back = lazy.toPandas().sort_values(["unique_id", "ds"]).reset_index(drop=True)
    point = ["unique_id", "ds", "seasonal_naive", "auto_ets"]
    assert back.columns.tolist() == point
    pd.testing.assert_frame_equal(back, got[point], check_dtype=False)


def test_forecast_many_errors_say_what_to_fix(spark: Any) -> None:
    history = _series(length=10)
    with pytest.raises(InputError, match="shorter than 14") as err:
        forecast_many(history, horizon=3, season_length=7, freq="D", session=spark)
    assert "site-0 (n=10)" in err.value.en
    with pytest.raises(SpecError, match="models"):
        forecast_many(history, horizon=3, season_length=7, freq="D", models=["prophet"])
    with pytest.raises(SpecError, match="no prediction intervals"):
        forecast_many(history, horizon=3, season_length=2, freq="D", models=["ses"], level=(80,))
    with pytest.raises(SpecError, match="horizon"):
        forecast_many(history, horizon=0, season_length=7, freq="D")
    with pytest.raises(InputError, match="not found"):
        forecast_many(history, horizon=3, season_length=2, freq="D", target_col="calls")
