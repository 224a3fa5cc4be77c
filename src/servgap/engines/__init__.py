"""Where the one pass over the answers runs: engines that compute sufficient statistics.

The analyses in :mod:`servgap.core` finish from small, mergeable statistics
(:mod:`servgap.core.suffstats`). ``engine="memory"`` gathers them from a pandas
DataFrame with numpy; the other engines have the data's own system gather them and
return only the statistics:

* ``"duckdb"`` (:mod:`servgap.engines.duckdb`) — a Parquet file or a folder of Parquet
  files, streamed by DuckDB (files larger than memory work);
* ``"postgres"`` (:mod:`servgap.engines.postgres`) — a survey's answers in the store's
  PostgreSQL database, aggregated by the database;
* ``"spark"`` (:mod:`servgap.engines.spark`) — a Spark DataFrame or Parquet read by a
  Spark session (local, or a cluster through ``SERVGAP_SPARK_MASTER``).

Every engine module provides the same four functions, and may provide a fifth
(``fold``), which this module dispatches to (the contract; ``data`` is whatever that engine reads — a path, a source object, a
Spark DataFrame — and ``as_source`` turns it into the engine's source object):

``as_source(data) -> source``
    The engine's source object, or :class:`SpecError` saying what it accepts.
``histogram(data, value, group=None, *, low=None, high=None, integer=False, what="value")
-> (ValueHistogram, n_left_out)``
    The (group, value) histogram of one numeric column (:class:`ValueHistogram`, groups
    sorted, one group ``"all"`` when ``group`` is None) and the number of rows left out
    because the value or the group is empty. Values outside ``[low, high]``, non-integers
    (``integer=True``) and infinities raise :class:`InputError` naming the column, the
    bad values and, where the engine can tell, the rows.
``counts(data, columns, by=()) -> (DataFrame, n_left_out)``
    The joint histogram: one row per distinct combination of ``by`` + ``columns`` among
    the rows where none of them is empty, with a ``count`` column (int64); values as
    float64, groups as they are. Used for Kano's (functional, dysfunctional) table and
    anything else that needs a joint distribution.
``batches(data, columns, *, rows=1_000_000) -> Iterator[DataFrame]``
    The named columns, ``rows`` rows at a time, for analyses whose statistics need each
    respondent's row (SERVQUAL's dimension means); each batch's statistics are merged.
``fold(data, columns, fn, *, rows=1_000_000) -> list[S]`` (optional)
    ``fn(batch) -> S`` applied to the named columns (as :func:`batches` gives them, at
    most ``rows`` rows per call) where the engine runs it, returning the partial results
    in a fixed order for the caller to merge. Spark runs ``fn`` on its executors, so
    only the small results travel to the driver; an engine without its own ``fold`` runs
    ``fn`` here on each of its :func:`batches`. ``fn`` must be picklable (a module-level
    function, or :func:`functools.partial` of one with picklable arguments) and ``S``
    small, picklable and mergeable (a ``merge`` method, as the statistics of
    :mod:`servgap.core.suffstats` and :class:`servgap.core.servqual_stats.ServqualStats`
    have).

Column names are matched exactly first, then case-insensitively where the engine's
names are (DuckDB, Spark). :class:`Column` is one column of a source (for functions that
take a column, e.g. ``sg.nps(ParquetSource(path)["nps"], engine="duckdb")``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd

from servgap.core.errors import InputError, SpecError
from servgap.core.suffstats import ValueHistogram

Engine = Literal["memory", "duckdb", "postgres", "spark"]
ENGINES: tuple[str, ...] = ("memory", "duckdb", "postgres", "spark")

__all__ = [
    "ENGINES",
    "Column",
    "Engine",
    "batches",
    "check_engine",
    "combine",
    "counts",
    "fold",
    "histogram",
    "histogram_from_counts",
    "resolve_column",
]


@dataclass(frozen=True)
class Column:
    """One column ``name`` of an engine's source (a path, a source object, a DataFrame)."""

    source: Any
    name: str


def resolve_column(
    columns: Sequence[str], name: str, *, engine: str, exact_first: bool = True
) -> str:
    """The column of ``columns`` that ``name`` means, for an engine whose column names are
    case-insensitive (DuckDB, Spark): the exact name (when ``exact_first``), else the one
    column equal but for case; :class:`InputError` when none is, or when several are (which
    the engine could not tell apart; Spark, ``exact_first=False``, refuses case twins even
    for an exact name)."""
    if exact_first and name in columns:
        return name
    same = [c for c in columns if c.lower() == name.lower()]
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        raise InputError(
            f"Column `{name}` matches {same}, which {engine} cannot tell apart (names are "
            "case-insensitive); rename one of them.",
            f"列 `{name}` 对应 {same}，{engine} 无法区分（列名不区分大小写）；请重命名其中之一。",
            fields=(name,),
        )
    raise InputError(
        f"Column `{name}` not found; available columns: {list(columns)}.",
        f"找不到列 `{name}`；现有列：{list(columns)}。",
        fields=(name,),
    )


def check_engine(engine: str) -> str:
    """The engine name, or :class:`SpecError` naming the known ones."""
    if engine not in ENGINES:
        raise SpecError(
            f"`engine` must be one of {', '.join(ENGINES)}, got {engine!r}.",
            f"`engine` 必须是 {', '.join(ENGINES)} 之一，收到 {engine!r}。",
            fields=("engine",),
        )
    return engine


def module(engine: str) -> ModuleType:
    """The module of a non-memory engine (imported on first use: its driver may be heavy)."""
    check_engine(engine)
    if engine == "memory":
        raise SpecError(
            "engine='memory' computes in Python; there is no engine module to call.",
            "engine='memory' 在 Python 内计算，没有引擎模块可调用。",
            fields=("engine",),
        )
    return import_module(f"servgap.engines.{engine}")


def histogram(
    engine: str,
    data: Any,
    value: str,
    group: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    what: str = "value",
) -> tuple[ValueHistogram, int]:
    """``engine``'s (group, value) histogram of ``value`` (see the module docstring)."""
    result: tuple[ValueHistogram, int] = module(engine).histogram(
        data, value, group, low=low, high=high, integer=integer, what=what
    )
    return result


def counts(
    engine: str, data: Any, columns: Sequence[str], by: Sequence[str] = ()
) -> tuple[pd.DataFrame, int]:
    """``engine``'s joint histogram of ``by`` + ``columns`` (see the module docstring)."""
    result: tuple[pd.DataFrame, int] = module(engine).counts(data, list(columns), list(by))
    return result


def batches(
    engine: str, data: Any, columns: Sequence[str], *, rows: int = 1_000_000
) -> Iterator[pd.DataFrame]:
    """``engine``'s batches of the named columns (see the module docstring)."""
    it: Iterator[pd.DataFrame] = module(engine).batches(data, list(columns), rows=rows)
    return it


def fold(
    engine: str,
    data: Any,
    columns: Sequence[str],
    fn: Callable[[pd.DataFrame], Any],
    *,
    rows: int = 1_000_000,
) -> list[Any]:
    """``fn`` applied to ``engine``'s batches of the named columns, where the engine runs it.

    Returns the partial results (possibly none for an empty source, possibly several)
    in a fixed order; the caller merges them in that order. See the module docstring for
    what ``fn`` and its results must be. An engine module without its own ``fold`` runs
    ``fn`` in this process on each of its :func:`batches` (one result per batch).
    """
    mod = module(engine)
    names = list(dict.fromkeys(columns))
    own = getattr(mod, "fold", None)
    if own is not None:
        return list(own(data, names, fn, rows=rows))
    return [fn(batch) for batch in mod.batches(data, names, rows=rows)]


def combine(parts: list[Any]) -> list[Any]:
    """``parts`` merged into one, in order, when they can be; else ``parts`` as they are.

    Results with a ``merge`` method are merged with it (``a.merge(b)``); numbers and
    numpy arrays are added. Used by an engine's :func:`fold` to send one result per
    partition instead of one per batch.
    """
    if len(parts) < 2:
        return parts
    if all(callable(getattr(p, "merge", None)) for p in parts):
        out = parts[0]
        for p in parts[1:]:
            out = out.merge(p)
        return [out]
    if all(isinstance(p, int | float | np.number | np.ndarray) for p in parts):
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        return [total]
    return parts


def histogram_from_counts(frame: pd.DataFrame) -> ValueHistogram:
    """The :class:`ValueHistogram` of an engine's ``(g, v, c)`` rows (group, value, count).

    Shared by the engines: each returns its ``GROUP BY`` as such rows; groups and values
    are sorted, repeated (group, value) rows add up.
    """
    g_codes, g_labels = pd.factorize(frame["g"], sort=True)
    v_codes, v_values = pd.factorize(frame["v"].astype(np.float64), sort=True)
    counts = np.zeros((len(g_labels), len(v_values)), dtype=np.int64)
    np.add.at(counts, (g_codes, v_codes), frame["c"].to_numpy(dtype=np.int64))
    groups = tuple(x.item() if isinstance(x, np.generic) else x for x in g_labels)
    return ValueHistogram(
        groups=groups, values=np.asarray(v_values, dtype=np.float64), counts=counts
    )
