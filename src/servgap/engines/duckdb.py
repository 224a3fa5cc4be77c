"""DuckDB engine: per-group answer histograms computed by SQL over Parquet.

For ANOVA, NPS and CSAT one ``GROUP BY group, value`` query per analysed column
returns the (group, value) histogram (:class:`servgap.core.suffstats.ValueHistogram`); the numpy/scipy code of
:mod:`servgap.core` finishes from it, so results equal the in-memory engine's (tested
to 1e-9). DuckDB streams the Parquet file (or every ``*.parquet`` under a folder,
hive partitions included) and spills to disk, so files larger than memory work; only
the histograms — a few hundred rows — come back to Python. SERVQUAL needs each
respondent's dimension scores (a mean over the answered items), so DuckDB streams just
the item columns in batches (:func:`batches`) and the numpy pass of
:func:`servgap.core.servqual_stats.servqual_stats` runs per batch; the mergeable
statistics of the batches add up to those of the whole (memory stays bounded by the
batch size, not the file).

Written with DuckDB's Python API and plain SQL rather than Ibis: the statistics needed
here are two ``GROUP BY`` shapes (value histograms, validation counts), which SQL says
directly, and Ibis (ibis-framework with a pinned sqlglot) would add two dependencies
for no expression it could share yet with the other engines (PostgreSQL, Spark) that
are not written. Column names are matched exactly first, then case-insensitively
(DuckDB identifiers are case-insensitive); two columns differing only by case are an
error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from servgap.core.errors import InputError, ProblemCollector, SpecError
from servgap.core.suffstats import ValueHistogram
from servgap.engines import Column, histogram_from_counts, resolve_column

__all__ = ["ParquetColumn", "ParquetSource", "as_source", "batches", "counts", "histogram"]


@dataclass(frozen=True)
class ParquetSource:
    """A Parquet file, or a folder of Parquet files (partitioned or not)."""

    path: str

    def column(self, name: str) -> ParquetColumn:
        """One column of the source (for functions that take a column, e.g. ``nps``)."""
        return ParquetColumn(self, name)

    def __getitem__(self, name: str) -> ParquetColumn:
        return self.column(name)

    def relation_sql(self) -> str:
        p = Path(self.path)
        if p.is_dir():
            pattern = str(p / "**" / "*.parquet")
            return f"read_parquet({_literal(pattern)}, hive_partitioning = true)"
        if not p.exists():
            raise InputError(
                f"Parquet file or folder {self.path} does not exist.",
                f"Parquet 文件或文件夹 {self.path} 不存在。",
            )
        return f"read_parquet({_literal(str(p))})"


@dataclass(frozen=True)
class ParquetColumn(Column):
    """One column of a :class:`ParquetSource`."""

    source: ParquetSource


def as_source(data: Any) -> ParquetSource:
    """A :class:`ParquetSource` from a path, a source or a column's source."""
    if isinstance(data, ParquetSource):
        return data
    if isinstance(data, Column):
        return as_source(data.source)
    if isinstance(data, str | PathLike):
        return ParquetSource(str(data))
    raise SpecError(
        f"engine='duckdb' reads Parquet: pass a path to a .parquet file or folder, got "
        f"{type(data).__name__}.",
        f"engine='duckdb' 读取 Parquet：请传入 .parquet 文件或文件夹的路径，收到 "
        f"{type(data).__name__}。",
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect() -> Any:
    """A DuckDB connection; ``SERVGAP_DUCKDB_MEMORY_LIMIT`` (e.g. ``4GB``) caps its memory,
    beyond which DuckDB spills to its temporary directory (default: 80 % of RAM)."""
    import os

    import duckdb

    con = duckdb.connect(database=":memory:")
    limit = os.environ.get("SERVGAP_DUCKDB_MEMORY_LIMIT", "").strip()
    if limit:
        con.execute(f"SET memory_limit = {_literal(limit)}")
    return con


def _columns(con: Any, rel: str, path: str) -> dict[str, str]:
    """Column name -> DuckDB type; a file DuckDB cannot read as Parquet is an
    :class:`InputError` naming it (the first query on a source: later ones read it too)."""
    import duckdb

    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
    except duckdb.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise InputError(
            f"{path} cannot be read as Parquet ({first}). Check that it is a Parquet file, "
            "or a folder of them, and not a CSV or Excel file renamed.",
            f"无法将 {path} 读取为 Parquet（{first}）。请确认它是 Parquet 文件或其文件夹，"
            "而不是改了扩展名的 CSV 或 Excel 文件。",
        ) from None
    return {str(r[0]): str(r[1]) for r in rows}


def _resolve(cols: dict[str, str], name: str) -> str:
    return resolve_column(list(cols), name, engine="DuckDB")


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL")  # fmt: skip


def histogram(
    data: Any,
    value: str,
    group: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    what: str = "value",
) -> tuple[ValueHistogram, int]:
    """The (group, value) histogram of column ``value`` and the rows left out.

    Rows with an empty value (or group) are left out and counted. Values outside
    ``[low, high]``, non-integers (``integer=True``) and infinities raise
    :class:`InputError` listing up to 200 offending rows (1-based row numbers in
    file order). Groups are sorted; a single group is labelled ``"all"``.
    """
    source = as_source(data)
    rel = source.relation_sql()
    con = _connect()
    try:
        cols = _columns(con, rel, source.path)
        v = _resolve(cols, value)
        vtype = cols[v].upper()
        if not (vtype.startswith("DECIMAL") or vtype in _NUMERIC):
            raise InputError(
                f"Column `{value}` is {cols[v]}, not numbers; store it as a number column.",
                f"列 `{value}` 的类型是 {cols[v]}，不是数值；请存为数值列。",
                fields=(value,),
            )
        x = f"CAST({_ident(v)} AS DOUBLE)"
        bad = ["isinf(val)"]
        if low is not None:
            bad.append(f"val < {float(low)!r}")
        if high is not None:
            bad.append(f"val > {float(high)!r}")
        if integer:
            bad.append("val <> round(val)")
        cond = " OR ".join(f"({b})" for b in bad)
        # a streaming count first; row numbers (a window over the whole file) only if needed
        n_bad = con.execute(
            f"SELECT count(*) FROM (SELECT {x} AS val FROM {rel}) WHERE NOT isnan(val) AND ({cond})"
        ).fetchone()[0]
        offending = []
        if n_bad:
            offending = con.execute(
                f"SELECT row, val FROM (SELECT row_number() OVER () AS row, {x} AS val "
                f"FROM {rel}) WHERE NOT isnan(val) AND ({cond}) ORDER BY row LIMIT 200"
            ).fetchall()
        if offending:
            pc = ProblemCollector()
            for row, val in offending:
                pc.add(
                    f"{what} {val!r} is not valid here; fix the cell or leave it empty.",
                    f"{what} {val!r} 无效；请修正或留空。",
                    row=int(row),
                    column=value,
                    value=float(val),
                )
            pc.raise_if_any(
                InputError,
                f"Column `{value}` has invalid values.",
                f"列 `{value}` 有无效值。",
            )
        if group is None:
            gsel, gnot = "'all'", "TRUE"
        else:
            g = _resolve(cols, group)
            gsel, gnot = _ident(g), f"{_ident(g)} IS NOT NULL"
        keep = f"{x} IS NOT NULL AND NOT isnan({x}) AND {gnot}"
        frame = con.execute(
            f"SELECT {gsel} AS g, {x} AS v, count(*) AS c FROM {rel} WHERE {keep} "
            "GROUP BY ALL ORDER BY g, v"
        ).df()
        total = int(con.execute(f"SELECT count(*) FROM {rel}").fetchone()[0])
    finally:
        con.close()
    return histogram_from_counts(frame), total - int(frame["c"].sum())


def counts(data: Any, columns: list[str], by: list[str]) -> tuple[pd.DataFrame, int]:
    """The joint histogram of ``by`` + ``columns`` (rows with an empty one left out).

    One ``GROUP BY`` in DuckDB; a row per distinct combination with its ``count``.
    """
    source = as_source(data)
    rel = source.relation_sql()
    con = _connect()
    try:
        cols = _columns(con, rel, source.path)
        names = list(dict.fromkeys([*by, *columns]))
        real = [_resolve(cols, c) for c in names]
        for c, r in zip(names, real, strict=True):
            if c in columns and not (
                cols[r].upper().startswith("DECIMAL") or cols[r].upper() in _NUMERIC
            ):
                raise InputError(
                    f"Column `{c}` is {cols[r]}, not numbers; store it as a number column.",
                    f"列 `{c}` 的类型是 {cols[r]}，不是数值；请存为数值列。",
                    fields=(c,),
                )
        sel = ", ".join(
            (f"CAST({_ident(r)} AS DOUBLE)" if c in columns else _ident(r)) + f" AS {_ident(c)}"
            for c, r in zip(names, real, strict=True)
        )
        keep = (
            " AND ".join(
                f"{_ident(r)} IS NOT NULL"
                + (f" AND NOT isnan(CAST({_ident(r)} AS DOUBLE))" if c in columns else "")
                for c, r in zip(names, real, strict=True)
            )
            or "TRUE"
        )
        frame = con.execute(
            f"SELECT {sel}, count(*) AS count FROM {rel} WHERE {keep} GROUP BY ALL ORDER BY ALL"
        ).df()
        total = int(con.execute(f"SELECT count(*) FROM {rel}").fetchone()[0])
    finally:
        con.close()
    frame["count"] = frame["count"].astype(np.int64)
    return frame, total - int(frame["count"].sum())


def batches(data: Any, columns: list[str], *, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """The named columns of a Parquet source, ``rows`` rows at a time (pandas frames).

    DuckDB reads only these columns (projection pushdown) and streams the file(s), so a
    source larger than memory is processed in bounded memory; an analysis that keeps
    mergeable statistics (:meth:`servgap.core.servqual_stats.ServqualStats.merge`) folds
    the batches into the statistics of the whole.
    """
    source = as_source(data)
    rel = source.relation_sql()
    con = _connect()
    try:
        cols = _columns(con, rel, source.path)
        real = [_resolve(cols, c) for c in dict.fromkeys(columns)]
        select = ", ".join(
            f"{_ident(r)} AS {_ident(c)}" for r, c in zip(real, dict.fromkeys(columns), strict=True)
        )
        query = con.sql(f"SELECT {select} FROM {rel}")  # a lazy relation: streamed
        # DuckDB 2 names it to_arrow_reader, 1.x fetch_arrow_reader
        read = getattr(query, "to_arrow_reader", None) or query.fetch_arrow_reader
        for batch in read(rows):
            yield batch.to_pandas()
    finally:
        con.close()
