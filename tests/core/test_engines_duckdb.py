"""engine="duckdb": the histograms computed by SQL over Parquet give the in-memory results."""

from __future__ import annotations

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
from servgap.engines.duckdb import ParquetSource

pytest.importorskip("duckdb")

RT, AT = 1e-9, 1e-9


def _frame(n: int = 4000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.integers(1, 8, n) + rng.integers(0, 4, n) / 4.0
    data = pd.DataFrame(
        {
            "score": score,
            "region": rng.choice(["north", "east", "south", "west"], n),
            "Channel": rng.choice(["web", "phone"], n),
            "nps": rng.integers(0, 11, n).astype(np.float64),
            "csat": rng.integers(1, 6, n).astype(np.float64),
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


def test_anova_on_parquet_equals_memory(parquet: tuple[pd.DataFrame, Path, Path]) -> None:
    data, one, folder = parquet
    for group in ("region", "Channel"):
        mem = anova(data, "score", group)
        _same(anova(one, "score", group, engine="duckdb"), mem)
        # rows in a partitioned folder come back in another order: same statistics
        _same(anova(str(folder), "score", group, engine="duckdb"), mem)
    # DuckDB names are case-insensitive: `channel` finds `Channel`
    assert anova(one, "score", "channel", engine="duckdb").k == 2


def test_nps_and_csat_on_parquet_equal_memory(parquet: tuple[pd.DataFrame, Path, Path]) -> None:
    data, one, folder = parquet
    for src in (ParquetSource(str(one)), ParquetSource(str(folder))):
        _same(nps(src["nps"], engine="duckdb"), nps(data["nps"]))
        _same(csat(src["csat"], engine="duckdb"), csat(data["csat"]))


def test_bad_answers_are_listed_with_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"nps": [10.0, 3.0, 11.0, 7.5, np.nan]}).to_parquet(path, index=False)
    with pytest.raises(InputError) as err:
        nps(ParquetSource(str(path))["nps"], engine="duckdb")
    assert sorted(int(p.row or 0) for p in err.value.problems) == [3, 4]


def test_engine_errors_name_what_is_wrong(parquet: tuple[pd.DataFrame, Path, Path]) -> None:
    data, one, _ = parquet
    with pytest.raises(SpecError):
        anova(data, "score", "region", engine="spark-on-the-moon")
    with pytest.raises(InputError, match="not found"):
        anova(one, "nothing", "region", engine="duckdb")
    with pytest.raises(InputError, match="not numbers"):
        anova(one, "region", "Channel", engine="duckdb")
    with pytest.raises(InputError, match="does not exist"):
        anova(one.parent / "missing.parquet", "score", "region", engine="duckdb")
    with pytest.raises(SpecError, match="column of its source"):
        nps(data["nps"], engine="duckdb")


def test_servqual_streamed_from_parquet_equals_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from servgap.core.servqual import servqual
    from servgap.engines import duckdb as engine

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
    real = engine.batches

    def small(d: Any, c: list[str], *, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        return real(d, c, rows=512)  # many partial statistics to merge

    monkeypatch.setattr(engine, "batches", small)
    for by in (None, "site"):
        got = servqual(str(path), items, weights=weights, by=by, engine="duckdb")
        mem = servqual(data, items, weights=weights, by=by)
        for table in ("items", "dimensions", "overall", "separate_items"):
            pd.testing.assert_frame_equal(
                getattr(got, table), getattr(mem, table), check_exact=False, rtol=RT,
                atol=AT, obj=table,
            )  # fmt: skip
        assert got.warnings == mem.warnings


def test_joint_counts_equal_a_pandas_groupby(tmp_path: Path) -> None:
    """``counts``: the joint histogram of two answers by a group, as pandas counts it."""
    from servgap.engines import counts

    data = _frame()
    path = tmp_path / "joint.parquet"
    data.to_parquet(path)
    got, left_out = counts("duckdb", str(path), ["nps", "csat"], ["region"])
    keep = data.dropna(subset=["region", "nps", "csat"])
    want = keep.groupby(["region", "nps", "csat"]).size().rename("count").reset_index()
    assert left_out == len(data) - len(keep)
    assert list(got.columns) == ["region", "nps", "csat", "count"]
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.astype({"count": np.int64}), check_dtype=False
    )
    # a column given in another case is found (DuckDB names are case-insensitive)
    got2, _ = counts("duckdb", str(path), ["NPS"], ["channel"])
    assert int(got2["count"].sum()) == int(data["nps"].notna().sum())
