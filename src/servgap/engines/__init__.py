"""Where the one pass over the answers runs: engines that compute sufficient statistics.

The analyses in :mod:`servgap.core` finish from small, mergeable statistics
(:mod:`servgap.core.suffstats`). ``engine="memory"`` gathers them from a pandas
DataFrame with numpy; ``engine="duckdb"`` (:mod:`servgap.engines.duckdb`) has DuckDB
gather them from a Parquet file or a folder of Parquet files with SQL ``GROUP BY``,
so data larger than memory never enter Python — only the histograms come back.
"""

from __future__ import annotations

from typing import Literal

from servgap.core.errors import SpecError

Engine = Literal["memory", "duckdb"]
ENGINES: tuple[str, ...] = ("memory", "duckdb")


def check_engine(engine: str) -> str:
    """The engine name, or :class:`SpecError` naming the known ones."""
    if engine not in ENGINES:
        raise SpecError(
            f"engine must be one of {', '.join(ENGINES)}, got {engine!r}.",
            f"engine 必须是 {', '.join(ENGINES)} 之一，收到 {engine!r}。",
        )
    return engine
