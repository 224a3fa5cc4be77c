"""Spark engine: per-group answer histograms computed by a Spark session.

The same statistics as :mod:`servgap.engines.duckdb`, gathered by Spark: for ANOVA, NPS
and CSAT one ``groupBy(group, value).count()`` per analysed column returns the (group,
value) histogram (:class:`servgap.core.suffstats.ValueHistogram`) and numpy/scipy in
:mod:`servgap.core` finish from it, so results equal the in-memory engine's (tested to
1e-9). The aggregation runs on the executors; only the histogram rows (one per distinct
(group, value) pair, empty cells included so that the left-out rows are counted in the
same pass) come back to the driver. SERVQUAL and the per-respondent dimension scores
need each respondent's row: :func:`fold` runs the statistics' own Python code
(:func:`servgap.core.servqual_stats.servqual_stats`, the score histograms and cross
products) on the executors with ``mapInPandas``, partition by partition, and only one
small mergeable result per partition comes back to be merged on the driver.

Data: a Spark DataFrame, or a Parquet file or folder (hive partitions included) read by
the session — :class:`SparkSource` holds either, with an optional ``SparkSession``.
:func:`session` gives the session used when none is passed: the active one, else a new
one on ``SERVGAP_SPARK_MASTER`` (default ``local[2]``, with small-memory local defaults;
on a cluster, e.g. ``spark://host:7077`` or ``yarn``, the cluster's own configuration
applies). pyspark is imported on first use, so servgap works without it for the other
engines.

Column names are matched exactly first, then case-insensitively (Spark's default,
``spark.sql.caseSensitive=false``); two columns differing only by case are an error.
Row numbers in error messages are 1-based positions in the DataFrame's partition order
(file order for one Parquet file), found by ``monotonically_increasing_id`` and the
partition sizes.

References
----------
Zaharia, M. et al. (2016). Apache Spark: a unified engine for big data processing.
*Communications of the ACM* 59(11), 56–65. API: pyspark.sql (``DataFrame.groupBy``,
``functions.monotonically_increasing_id``, ``DataFrame.mapInPandas``,
``DataFrame.toLocalIterator``), Apache Spark
3.5/4.0 documentation, https://spark.apache.org/docs/latest/api/python/.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from servgap.core.errors import InputError, ProblemCollector, ServgapError, SpecError
from servgap.core.suffstats import ValueHistogram
from servgap.engines import Column, combine, histogram_from_counts, resolve_column

__all__ = [
    "DEFAULT_MASTER",
    "SparkColumn",
    "SparkSource",
    "as_source",
    "batches",
    "counts",
    "fold",
    "histogram",
    "session",
]

#: Master used when ``SERVGAP_SPARK_MASTER`` is not set and no session is active.
DEFAULT_MASTER = "local[2]"
#: Settings of a session this module starts on a local master (a laptop or a CI runner).
LOCAL_CONF: dict[str, str] = {
    "spark.driver.memory": "1g",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",  # pandas <-> Spark by Arrow
}
#: At most this many offending rows are listed in an error (as the DuckDB engine).
MAX_LISTED = 200
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _pyspark() -> Any:
    """``pyspark.sql``, or :class:`SpecError` saying how to install it."""
    try:
        import pyspark.sql
    except ImportError as exc:  # pragma: no cover - CI installs pyspark
        raise SpecError(
            "engine='spark' needs pyspark and Java 17: pip install 'pyspark>=3.5,<4.1' "
            "(and a Java runtime, e.g. Debian's openjdk-17-jre-headless).",
            "engine='spark' 需要 pyspark 和 Java 17：pip install 'pyspark>=3.5,<4.1'"
            "（以及 Java 运行环境，例如 Debian 的 openjdk-17-jre-headless）。",
            fields=("engine",),
        ) from exc
    return pyspark.sql


def session(spark: Any = None) -> Any:
    """The Spark session to use: ``spark`` if given, else the active one, else a new one.

    A new session runs on ``SERVGAP_SPARK_MASTER`` (default ``local[2]``). On a local
    master it gets :data:`LOCAL_CONF` (1 GB driver, 4 shuffle partitions, no UI, Arrow)
    and its Python workers run this interpreter (``PYSPARK_PYTHON``, unless set); on a
    cluster the cluster's own configuration applies. The session is left running for
    the next call (``session().stop()`` ends it).
    """
    if spark is not None:
        return spark
    sql = _pyspark()
    active = sql.SparkSession.getActiveSession()
    if active is not None:
        return active
    master = os.environ.get("SERVGAP_SPARK_MASTER", "").strip() or DEFAULT_MASTER
    builder = sql.SparkSession.builder.master(master).appName("servgap")
    if master.startswith("local"):
        # Python workers (forecasts: applyInPandas) run this interpreter, not `python3`;
        # pyspark reads PYSPARK_PYTHON when the context starts (a user's choice wins)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
    return builder.getOrCreate()


def _is_spark_frame(data: Any) -> bool:
    """A pyspark DataFrame (classic or Spark Connect), without importing pyspark."""
    kind = type(data)
    return kind.__name__ == "DataFrame" and kind.__module__.startswith("pyspark.sql")


@dataclass(frozen=True, eq=False)
class SparkSource:
    """A Spark DataFrame, or the path of a Parquet file or folder, and the session to use.

    ``data`` is a ``pyspark.sql.DataFrame`` or a path (local, ``hdfs://``, ``s3a://``...,
    anything ``spark.read.parquet`` reads; a folder's hive partitions become columns).
    ``spark`` is the ``SparkSession`` that reads a path (default :func:`session`); a
    DataFrame uses its own session.
    """

    data: Any
    spark: Any = field(default=None, repr=False)

    def column(self, name: str) -> SparkColumn:
        """One column of the source (for functions that take a column, e.g. ``nps``)."""
        return SparkColumn(self, name)

    def __getitem__(self, name: str) -> SparkColumn:
        return self.column(name)

    def frame(self) -> Any:
        """The Spark DataFrame (a path is read lazily: only the schema, no rows yet)."""
        if _is_spark_frame(self.data):
            return self.data
        path = str(self.data)
        if (not _URI.match(path) or path.startswith("file://")) and not Path(
            path.removeprefix("file://")
        ).exists():
            raise InputError(
                f"Parquet file or folder {path} does not exist.",
                f"Parquet 文件或文件夹 {path} 不存在。",
            )
        try:
            return session(self.spark).read.parquet(path)
        except Exception as exc:  # AnalysisException and its Connect twin: not importable
            raise InputError(
                f"Spark cannot read Parquet at {path}: {_first_line(exc)}. Check the path "
                "and that every file in it is Parquet.",
                f"Spark 无法读取 {path} 处的 Parquet：{_first_line(exc)}。请检查路径，"
                "并确认其中每个文件都是 Parquet。",
            ) from exc


@dataclass(frozen=True, eq=False)
class SparkColumn(Column):
    """One column of a :class:`SparkSource`."""

    source: SparkSource


def as_source(data: Any) -> SparkSource:
    """A :class:`SparkSource` from a source, a Spark DataFrame, a path or a column."""
    if isinstance(data, SparkSource):
        return data
    if isinstance(data, Column):
        return as_source(data.source)
    if _is_spark_frame(data) or isinstance(data, str | PathLike):
        return SparkSource(data)
    raise SpecError(
        "engine='spark' reads a Spark DataFrame or Parquet: pass a pyspark DataFrame, a "
        f"SparkSource or a path to a .parquet file or folder, got {type(data).__name__}.",
        "engine='spark' 读取 Spark DataFrame 或 Parquet：请传入 pyspark DataFrame、SparkSource "
        f"或 .parquet 文件或文件夹的路径，收到 {type(data).__name__}。",
        fields=("engine",),
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _resolve(columns: list[str], name: str) -> str:
    """The column ``name`` is (a case twin is refused even for an exact name: Spark's
    case-insensitive resolution would find it ambiguous)."""
    return resolve_column(columns, name, engine="Spark", exact_first=False)


def _numeric(df: Any, real: str, name: str) -> Any:
    """Column ``real`` cast to double, or :class:`InputError` if it is not numbers."""
    sql = _pyspark()
    kind = df.schema[real].dataType
    if not isinstance(kind, sql.types.NumericType):
        raise InputError(
            f"Column `{name}` is {kind.simpleString()}, not numbers; store it as a number column.",
            f"列 `{name}` 的类型是 {kind.simpleString()}，不是数值；请存为数值列。",
            fields=(name,),
        )
    return sql.functions.col(real).cast("double")


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

    One Spark job: ``groupBy(group, value).count()`` over every row, empty cells
    included (flagged), so the same small result gives the histogram, the rows left out
    (empty value or group) and the distinct values to validate. Values outside
    ``[low, high]``, non-integers (``integer=True``) and infinities raise
    :class:`InputError` listing up to 200 offending rows (a second job, only then).
    Groups are sorted; a single group is labelled ``"all"``.
    """
    F = _pyspark().functions
    df = as_source(data).frame()
    v = _resolve(df.columns, value)
    x = _numeric(df, v, value)
    if group is None:
        g, g_empty = F.lit("all"), F.lit(False)
    else:
        real = _resolve(df.columns, group)
        g = F.col(real)
        types = _pyspark().types
        floating = isinstance(df.schema[real].dataType, types.FloatType | types.DoubleType)
        g_empty = g.isNull() | (F.isnan(g) if floating else F.lit(False))
    rows = (
        df.groupBy(
            g.alias("g"),
            x.alias("v"),
            g_empty.alias("g_empty"),
            (x.isNull() | F.isnan(x)).alias("v_empty"),
        )
        .count()
        .toPandas()
    )
    rows["c"] = rows.pop("count").astype(np.int64)
    vals = rows["v"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = np.isinf(vals)
        if low is not None:
            bad |= vals < float(low)
        if high is not None:
            bad |= vals > float(high)
        if integer:
            bad |= np.isfinite(vals) & (vals != np.round(vals))
    if bad.any():
        val = F.col("val")
        cond = (val == F.lit(float("inf"))) | (val == F.lit(float("-inf")))
        if low is not None:
            cond = cond | (val < F.lit(float(low)))
        if high is not None:
            cond = cond | (val > F.lit(float(high)))
        if integer:
            cond = cond | (val != F.round(val))
        _raise_bad_rows(df, x, ~F.isnan(val) & cond, value=value, what=what)
    kept = rows[~(rows["g_empty"].astype(bool) | rows["v_empty"].astype(bool))]
    return histogram_from_counts(kept), int(rows["c"].sum() - kept["c"].sum())


def _raise_bad_rows(df: Any, x: Any, bad: Any, *, value: str, what: str) -> None:
    """:class:`InputError` listing the first rows where ``bad`` (a condition on ``val``).

    Row = rows of the earlier partitions + position in the partition + 1: two small
    jobs (the partition sizes; the first offending ids, ``orderBy(id).limit``).
    """
    F = _pyspark().functions
    marked = df.select(F.monotonically_increasing_id().alias("id"), x.alias("val"))
    part = F.shiftright(F.col("id"), 33)
    sizes = marked.groupBy(part.alias("p")).count().toPandas()
    sizes = sizes.sort_values("p")
    before = dict(
        zip(
            sizes["p"].astype(np.int64),
            np.cumsum(sizes["count"].to_numpy(np.int64)) - sizes["count"].to_numpy(np.int64),
            strict=True,
        )
    )
    first = marked.where(bad).orderBy("id").limit(MAX_LISTED).toPandas()
    pc = ProblemCollector()
    for ident, val in zip(first["id"].astype(np.int64), first["val"], strict=True):
        p, local = int(ident) >> 33, int(ident) & ((1 << 33) - 1)
        pc.add(
            f"{what} {float(val)!r} is not valid here; fix the cell or leave it empty.",
            f"{what} {float(val)!r} 无效；请修正或留空。",
            row=int(before[p]) + local + 1,
            column=value,
            value=float(val),
        )
    pc.raise_if_any(InputError, f"Column `{value}` has invalid values.", f"列 `{value}` 有无效值。")


def counts(data: Any, columns: list[str], by: list[str]) -> tuple[pd.DataFrame, int]:
    """The joint histogram of ``by`` + ``columns`` (rows with an empty one left out).

    One ``groupBy(...).count()`` in Spark over every row (an ``empty`` flag per row), so
    the left-out rows are counted in the same job; one row per distinct combination
    with its ``count`` (int64), values as float64, sorted like DuckDB's ``ORDER BY ALL``.
    """
    F = _pyspark().functions
    df = as_source(data).frame()
    names = list(dict.fromkeys([*by, *columns]))
    exprs = []
    empty = F.lit(False)
    for name in names:
        real = _resolve(df.columns, name)
        e = _numeric(df, real, name) if name in columns else F.col(real)
        empty = empty | e.isNull() | (F.isnan(e) if name in columns else F.lit(False))
        exprs.append(e.alias(name))
    rows = df.groupBy(*exprs, empty.alias("__empty")).count().toPandas()
    total = int(rows["count"].sum())
    frame = rows[~rows.pop("__empty").astype(bool)]
    frame = frame.astype({c: np.float64 for c in columns} | {"count": np.int64})
    frame = frame.sort_values(names, kind="stable").reset_index(drop=True) if names else frame
    return frame, total - int(frame["count"].sum())


def _projection(df: Any, names: list[str]) -> tuple[Any, list[str]]:
    """``df`` reduced to the columns ``names`` (resolved as everywhere in this module and
    renamed to the names asked for), numbers cast to double; and the numeric names."""
    sql = _pyspark()
    exprs, numeric = [], []
    for name in names:
        real = _resolve(df.columns, name)
        if isinstance(df.schema[real].dataType, sql.types.NumericType):
            exprs.append(sql.functions.col(real).cast("double").alias(name))
            numeric.append(name)
        else:
            exprs.append(sql.functions.col(real).alias(name))
    return df.select(*exprs), numeric


def batches(data: Any, columns: list[str], *, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """The named columns of a Spark source, ``rows`` rows at a time (pandas frames).

    Spark reads only these columns (projection pushdown on Parquet) and
    ``toLocalIterator`` brings one partition at a time to the driver, so memory is
    bounded by the batch and the largest partition; numbers come as float64 (empty =
    NaN), other columns as they are. The analyses use :func:`fold` instead, which
    computes on the executors and brings back only the statistics.
    """
    names = list(dict.fromkeys(columns))
    projected, numeric = _projection(as_source(data).frame(), names)
    chunk: list[tuple[Any, ...]] = []
    for row in projected.toLocalIterator():
        chunk.append(tuple(row))
        if len(chunk) >= rows:
            yield _frame(chunk, names, numeric)
            chunk = []
    if chunk:
        yield _frame(chunk, names, numeric)


def _frame(chunk: list[tuple[Any, ...]], names: list[str], numeric: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(chunk, columns=names)
    for name in numeric:  # None (a Spark null) -> NaN, as Arrow's doubles come to pandas
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(np.float64)
    return frame


def fold(
    data: Any,
    columns: list[str],
    fn: Callable[[pd.DataFrame], Any],
    *,
    rows: int = 1_000_000,
) -> list[Any]:
    """``fn`` applied on the executors to each partition's batches of the named columns.

    One Spark job: ``select(columns).mapInPandas(...)``. Each task receives its
    partition as Arrow batches of pandas frames (numbers as float64, empty = NaN, as
    :func:`batches` gives them), joins them into frames of at most
    ``min(rows, EXECUTOR_ROWS)`` rows, applies ``fn`` to each and merges the results
    there (:func:`servgap.engines.combine`: a ``merge`` method, or ``+`` for numbers and
    arrays; otherwise they stay a list). The results are pickled into a binary column
    (a transient transfer between this session's processes, never stored), so one
    small object per partition travels to the driver. Returned in partition order.

    A :class:`~servgap.core.errors.ServgapError` raised by ``fn`` on an executor (a bad
    answer, say) is sent back like a result and raised here, so the user sees the same
    bilingual error as on the other engines (the first one in partition order).
    ``fn`` and servgap must be importable by the executors' Python (on a local master
    they run this interpreter; on a cluster install servgap on the workers).
    """
    names = list(dict.fromkeys(columns))
    projected, _ = _projection(as_source(data).frame(), names)
    task = partial(_fold_partition, fn=fn, rows=max(1, min(int(rows), EXECUTOR_ROWS)))
    got = projected.mapInPandas(task, _FOLD_SCHEMA).toPandas()
    got = got.sort_values(["part", "seq"], kind="stable")
    out: list[Any] = []
    for is_error, payload in zip(got["error"], got["payload"], strict=True):
        obj = pickle.loads(payload)  # written by this session's executors, just now
        if bool(is_error):
            raise obj
        out.append(obj)
    return out


#: Rows per ``fn`` call on an executor at most (a Python worker holds one such frame).
EXECUTOR_ROWS = 250_000
_FOLD_SCHEMA = "part int, seq int, error boolean, payload binary"


def _fold_partition(
    frames: Iterator[pd.DataFrame], *, fn: Callable[[pd.DataFrame], Any], rows: int
) -> Iterator[pd.DataFrame]:
    """On an executor: ``fn`` over one partition's frames, merged, pickled (see :func:`fold`)."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    part = ctx.partitionId() if ctx is not None else 0
    try:
        results = combine([fn(chunk) for chunk in _chunks(frames, rows)])
        error = False
    except ServgapError as exc:
        results, error = [exc], True
    if results:
        yield pd.DataFrame(
            {
                "part": np.full(len(results), part, dtype=np.int32),
                "seq": np.arange(len(results), dtype=np.int32),
                "error": np.full(len(results), error),
                "payload": [pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL) for r in results],
            }
        )


def _chunks(frames: Iterator[pd.DataFrame], rows: int) -> Iterator[pd.DataFrame]:
    """The frames joined into frames of ``rows`` rows (the last one shorter)."""
    held: list[pd.DataFrame] = []
    n = 0
    for frame in frames:
        while len(frame):
            take = frame.iloc[: rows - n]
            frame = frame.iloc[len(take) :]
            held.append(take)
            n += len(take)
            if n == rows:
                yield _joined(held)
                held, n = [], 0
    if n:
        yield _joined(held)


def _joined(held: list[pd.DataFrame]) -> pd.DataFrame:
    return (held[0] if len(held) == 1 else pd.concat(held, ignore_index=True)).reset_index(
        drop=True
    )
