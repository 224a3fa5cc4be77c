"""engine= on sg.kano, sg.relative_importance, sg.importance_performance and sg.trend.

Each public function run by DuckDB over Parquet (written here with pandas) gives the
in-memory result to 1e-9: Kano from DuckDB's joint (functional, dysfunctional) counts,
driver analysis from the merged cross products of DuckDB's batches, trend charts from
DuckDB's (period, value) histograms. The in-memory results themselves are checked
against published values in test_kano.py, test_drivers.py and test_trend.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from servgap.core.drivers import importance_performance, relative_importance
from servgap.core.errors import InputError, SpecError
from servgap.core.kano import kano
from servgap.core.trend import trend

pytest.importorskip("duckdb")

RT, AT = 1e-9, 1e-9
DIMS = ["tangibles", "reliability", "responsiveness"]


def _frame(n: int = 3000, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    data = pd.DataFrame(
        {
            "f1": rng.integers(1, 6, n).astype(np.float64),
            "d1": rng.integers(1, 6, n).astype(np.float64),
            "f2": rng.integers(1, 6, n).astype(np.int64),
            "d2": rng.integers(1, 6, n).astype(np.int64),
            "segment": rng.choice(["b2b", "b2c", "gov"], n),
            "quarter": rng.choice(["2026Q1", "2026Q2", "2026Q3", "2026Q4"], n),
            "nps": rng.integers(0, 11, n).astype(np.float64),
            "csat": rng.integers(1, 6, n).astype(np.float64),
            "below": rng.integers(0, 2, n).astype(np.float64),
        }
    )
    for i, d in enumerate(DIMS):
        data[d] = np.round(latent * (0.5 + i / 4) + rng.normal(size=n), 2)
    data["overall"] = latent + rng.normal(size=n)
    for col, share in (("f1", 0.04), ("d2", 0.0), ("nps", 0.03), ("tangibles", 0.02)):
        if share:
            data.loc[rng.random(n) < share, col] = np.nan
    data.loc[rng.random(n) < 0.03, "overall"] = np.nan
    return data


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, str, str]:
    data = _frame()
    root = tmp_path_factory.mktemp("engine_functions")
    one = root / "answers.parquet"
    data.to_parquet(one, index=False)
    folder = root / "by_quarter"
    data.to_parquet(folder, partition_cols=["quarter"], index=False)
    return data, str(one), str(folder)


def _same(a: Any, b: Any) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(
                x.reset_index(drop=True), y.reset_index(drop=True), check_exact=False,
                rtol=RT, atol=AT, obj=f.name,
            )  # fmt: skip
        elif isinstance(x, float):
            assert np.isclose(x, y, rtol=RT, atol=AT, equal_nan=True), (f.name, x, y)
        else:
            assert x == y, (f.name, x, y)


FEATURES = {"delivery": ("f1", "d1"), "tracking": ("f2", "d2")}


@pytest.mark.parametrize("by", [None, "segment"])
def test_kano_on_duckdb_equals_memory(
    parquet: tuple[pd.DataFrame, str, str], by: str | None
) -> None:
    data, one, _ = parquet
    got = kano(one, FEATURES, by=by, engine="duckdb")
    mem = kano(data, FEATURES, by=by)
    _same(got, mem)


def test_kano_on_duckdb_names_bad_answers(tmp_path: Path) -> None:
    bad = pd.DataFrame({"f": [1.0, 2.0, 7.0, 3.0], "d": [1.0, 2.5, 3.0, 4.0]})
    path = tmp_path / "bad.parquet"
    bad.to_parquet(path)
    with pytest.raises(InputError) as ei:
        kano(str(path), {"x": ("f", "d")}, engine="duckdb")
    where = {(p.column, p.value) for p in ei.value.problems}
    assert where == {("f", 7.0), ("d", 2.5)}
    assert all(p.zh for p in ei.value.problems)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB batches of 700 rows, so the cross products of several batches are merged."""
    from servgap.engines import duckdb as engine

    real = engine.batches

    def small(data: Any, columns: list[str], *, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        return real(data, columns, rows=700)

    monkeypatch.setattr(engine, "batches", small)


@pytest.mark.parametrize("method", ["lmg", "relative_weights"])
def test_relative_importance_on_duckdb_equals_memory(
    parquet: tuple[pd.DataFrame, str, str], small_batches: None, method: Any
) -> None:
    data, one, folder = parquet
    mem = relative_importance(data, "overall", DIMS, method=method)
    assert mem.n_dropped > 0  # incomplete rows are dropped by both paths
    for src in (one, folder):
        _same(relative_importance(src, "overall", DIMS, method=method, engine="duckdb"), mem)


@pytest.mark.parametrize("method", ["correlation", "relative_weights"])
def test_importance_performance_on_duckdb_equals_memory(
    parquet: tuple[pd.DataFrame, str, str], small_batches: None, method: Any
) -> None:
    data, one, _ = parquet
    perf = {"tangibles": 6.1, "reliability": 5.2, "responsiveness": 5.8}
    adequate = {"tangibles": 5.0, "reliability": 5.5, "responsiveness": 5.5}
    mem = importance_performance(perf, data=data, target="overall", method=method,
                                 adequate=adequate)  # fmt: skip
    got = importance_performance(perf, data=one, target="overall", method=method,
                                 adequate=adequate, engine="duckdb")  # fmt: skip
    _same(got, mem)


@pytest.mark.parametrize(
    ("metric", "value"), [("nps", "nps"), ("top_box", "csat"), ("share", "below"),
                          ("mean", "tangibles")],
)  # fmt: skip
def test_trend_on_duckdb_equals_memory(
    parquet: tuple[pd.DataFrame, str, str], metric: str, value: str
) -> None:
    data, one, folder = parquet
    mem = trend(data, period="quarter", metric=metric, value=value)
    for src in (one, folder):
        _same(trend(src, period="quarter", metric=metric, value=value, engine="duckdb"), mem)


def test_trend_on_duckdb_errors(parquet: tuple[pd.DataFrame, str, str], tmp_path: Path) -> None:
    data, one, _ = parquet
    with pytest.raises(SpecError):
        trend(one, period="quarter", metric=lambda d: d["nps"], chart="xbar", engine="duckdb")
    with pytest.raises(SpecError):
        trend(one, period="quarter", metric="nps", value="nps", engine="spark-on-the-moon")
    bad = data.assign(nps=data["nps"].where(data.index != 7, 11.0))
    path = tmp_path / "bad_nps.parquet"
    bad.to_parquet(path)
    with pytest.raises(InputError) as ei:
        trend(str(path), period="quarter", metric="nps", value="nps", engine="duckdb")
    assert [p.row for p in ei.value.problems] == [8]
    with pytest.raises(InputError):  # a path without engine="duckdb"
        relative_importance(one, "overall", DIMS)
    with pytest.raises(InputError):
        kano(one, FEATURES)
