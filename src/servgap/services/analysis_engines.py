"""The analyses of a survey on an engine: statistics gathered where the answers are.

``servgap analyze ... --engine duckdb|postgres|spark`` and the report's ``engine`` run
the same analyses as :mod:`servgap.services.analysis`, with the same rules (one rule
for what enters a dimension score, one for importance weights), on an engine's source
instead of a pandas DataFrame:

* ``duckdb`` / ``spark`` — a Parquet file or a folder of Parquet files (partitioned or
  not), read by DuckDB or a Spark session; never loaded into pandas whole;
* ``postgres`` — a survey's answers in the store's PostgreSQL database.

What travels back to Python is small: per-group answer histograms (NPS, CSAT, ANOVA of
a plain column), the joint (functional, dysfunctional) counts of each Kano feature, and
mergeable statistics (:mod:`servgap.core.suffstats`) of the answers folded in batches
(SERVQUAL; the per-respondent dimension scores such as ``msa:reliability`` that ANOVA
and driver analysis compare, which are a mean over each respondent's items and so need
the respondent's row) by :func:`servgap.engines.fold` — on Spark's executors, in this
process for the other engines — one small result per partition. The numpy/scipy code of
:mod:`servgap.core` finishes from those statistics, so every result equals the
in-memory engine's (tested to 1e-9, ``tests/services/test_analysis_engines.py``).

Trends and the satisfaction index (PLS path model) need every respondent's row in
memory: on another engine they are refused with a message saying so.

The dispatch contract of the engines is :mod:`servgap.engines`; the sufficient
statistics and their exact merging are those of Parasuraman, Zeithaml & Berry's
SERVQUAL (:func:`servgap.core.servqual.servqual`), the one-way ANOVA family
(:func:`servgap.core.anova.anova`) and the relative-importance methods (Grömping 2006;
Johnson 2000) cited there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from servgap.core.errors import (
    ComputationError,
    InputError,
    InsufficientDataError,
    ServgapError,
    SpecError,
    UsageError,
)
from servgap.core.survey import SurveyDefinition

if TYPE_CHECKING:
    from servgap.core.anova import AnovaResult
    from servgap.core.anova_table import AnovaTable
    from servgap.core.drivers import IpaResult, RelativeImportanceResult
    from servgap.core.kano import KanoResult
    from servgap.core.servqual import ServqualResult
    from servgap.core.suffstats import ValueHistogram
    from servgap.core.trend import TrendResult
    from servgap.services.context import Store

#: Analyses that run on every engine; the other (csi) needs engine="memory".
ENGINE_ANALYSES: tuple[str, ...] = ("servqual", "tolerance", "kano", "nps", "csat", "anova",
                                    "drivers", "trend")  # fmt: skip
#: Rows per batch when respondents' rows are streamed through Python.
BATCH_ROWS = 500_000

_PACKAGES = {
    "duckdb": ("duckdb", "pip install duckdb"),
    "postgres": ("psycopg", "pip install 'servgap[postgres]'"),
    "spark": ("pyspark", "pip install pyspark (and Java 17 or newer)"),
}


# ------------------------------------------------------------------ sources and errors


def check_analysis(engine: str, analysis: str) -> None:
    """Refuse, naming the engines that can, an analysis that needs rows in memory."""
    from servgap.engines import check_engine

    check_engine(engine)
    if engine != "memory" and analysis not in ENGINE_ANALYSES:
        raise UsageError(
            f"The {analysis} analysis needs every respondent's row in memory: run it with "
            f"`engine` memory (it runs on another engine: {', '.join(ENGINE_ANALYSES)}).",
            f"{analysis} 分析需要把每位受访者的记录读入内存：请用 `engine` memory 运行"
            f"（可在其他引擎上运行的分析：{'、'.join(ENGINE_ANALYSES)}）。",
            fields=("engine",),
        )


@contextmanager
def engine_errors(engine: str) -> Iterator[None]:
    """Turn an engine's missing package, missing Java or failure into a bilingual error."""
    try:
        yield
    except ServgapError:
        raise
    except ImportError as exc:
        package, how = _PACKAGES.get(engine, (engine, f"pip install {engine}"))
        raise SpecError(
            f"`engine` {engine} needs the Python package {package}, which is not installed "
            f"({exc}). Install it ({how}) or use `engine` memory.",
            f"`engine` {engine} 需要 Python 包 {package}，但未安装（{exc}）。请安装（{how}）"
            "或使用 `engine` memory。",
            fields=("engine",),
        ) from None
    except Exception as exc:  # the engine's own error (driver, SQL, JVM): one clean line
        text = (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        )
        if engine == "spark" and ("java" in str(exc).lower() or "gateway" in str(exc).lower()):
            raise SpecError(
                f"`engine` spark could not start Java ({text}). Install Java 17 or newer and "
                "set JAVA_HOME, or use `engine` duckdb for Parquet on this machine.",
                f"`engine` spark 无法启动 Java（{text}）。请安装 Java 17 或更高版本并设置 "
                "JAVA_HOME，或在本机对 Parquet 使用 `engine` duckdb。",
                fields=("engine",),
            ) from None
        raise ComputationError(
            f"`engine` {engine} failed: {text}.",
            f"`engine` {engine} 执行失败：{text}。",
            fields=("engine",),
        ) from None


def parquet_source(engine: str, path: Path) -> Any:
    """``engine``'s source for a Parquet file or folder (duckdb or spark)."""
    from servgap.engines import module

    if engine not in ("duckdb", "spark"):
        raise UsageError(
            f"`engine` {engine} does not read files: a Parquet `file` is read by engine duckdb "
            "or spark; postgres analyses the survey's answers in the store.",
            f"`engine` {engine} 不读取文件：Parquet `file` 由 duckdb 或 spark 引擎读取；postgres "
            "分析存储中的调查答卷。",
            fields=("engine", "file"),
        )
    if not path.exists() and path.suffix.lower() in ("", ".parquet"):  # a file or a folder
        raise InputError(
            f"`file` {path} does not exist.", f"`file` {path} 不存在。", fields=("file",)
        )
    if not (path.is_dir() or path.suffix.lower() == ".parquet"):
        raise UsageError(
            f"`engine` {engine} reads Parquet: `file` {path.name} is not a .parquet file or a "
            "folder of them. Convert it, or use `engine` memory for CSV/Excel/SPSS files.",
            f"`engine` {engine} 读取 Parquet：`file` {path.name} 不是 .parquet 文件或其文件夹。"
            "请转换格式，或对 CSV/Excel/SPSS 文件使用 `engine` memory。",
            fields=("engine", "file"),
        )
    with engine_errors(engine):
        return module(engine).as_source(str(path))


def open_file(engine: str, analysis: str, path: Path, spec: Path) -> tuple[SurveyDefinition, Any]:
    """The survey definition of ``spec`` and ``engine``'s source for the Parquet ``path``."""
    from servgap.core.survey import parse_survey
    from servgap.services.surveys import read_definition_file

    check_analysis(engine, analysis)
    definition = parse_survey(read_definition_file(spec), source=str(spec))
    return definition, parquet_source(engine, path)


def open_store(
    store: Store,
    engine: str,
    analysis: str,
    *,
    workspace: str,
    survey: str | None,
    period: str | None = None,
) -> tuple[SurveyDefinition, Any]:
    """A stored survey's definition and the postgres engine's source for its answers."""
    from servgap.services.analysis import choose_survey, period_label
    from servgap.services.context import get_workspace
    from servgap.services.surveys import definition_of, latest_version

    check_analysis(engine, analysis)
    if engine != "postgres":
        raise UsageError(
            f"`engine` {engine} reads a Parquet `file`; the answers in the store are analysed "
            "by engine memory or postgres.",
            f"`engine` {engine} 读取 Parquet `file`；存储中的答卷由 memory 或 postgres 引擎分析。",
            fields=("engine", "file"),
        )
    code = choose_survey(store, workspace=workspace, survey=survey)
    with store.session() as s:
        definition = definition_of(latest_version(s, get_workspace(s, workspace), code))
    label = period_label(definition, period) if period else None
    with engine_errors(engine):
        from servgap.engines import module

        answers = module("postgres").StoreAnswers(store, workspace, code, label)
        return definition, answers


# ------------------------------------------------------------------ one pass over batches


def _fold(
    engine: str, source: Any, columns: Sequence[str], fn: Callable[[pd.DataFrame], Any]
) -> list[Any]:
    """``fn`` over the engine's batches of ``columns``, where the engine runs it
    (:func:`servgap.engines.fold`: Spark's executors); the partial results in order."""
    from servgap.engines import fold

    return fold(engine, source, list(dict.fromkeys(columns)), fn, rows=BATCH_ROWS)


def _spec_columns(d: SurveyDefinition, spec: str) -> list[str]:
    """The columns :func:`servgap.services.analysis.value_series` reads for ``spec``."""
    if ":" not in spec:
        return [spec]
    dim = spec.split(":", 1)[1]
    codes = [
        q.code for q in d.by_type("servqual3") if q.code == dim or (q.dimension or "other") == dim
    ]
    return [
        c for code in codes for c in (f"{code}_adequate", f"{code}_desired", f"{code}_perceived")
    ]


def _tidy(h: ValueHistogram) -> ValueHistogram:
    """Groups without answers dropped and the others sorted (as the engines return them)."""
    from servgap.core.suffstats import ValueHistogram

    keep = np.flatnonzero(h.n > 0)
    labels = [h.groups[i] for i in keep]
    try:
        order = sorted(range(len(labels)), key=lambda i: labels[i])  # type: ignore[arg-type,return-value]
    except TypeError:
        order = list(range(len(labels)))
    idx = keep[order]
    return ValueHistogram(groups=tuple(h.groups[i] for i in idx), values=h.values,
                          counts=np.ascontiguousarray(h.counts[idx]))  # fmt: skip


Cells = dict[tuple[str, str | None], tuple["ValueHistogram", int]]


@dataclasses.dataclass(frozen=True)
class _Histograms:
    """Per (spec, group): the (group, value) histogram of some rows and the rows left out."""

    cells: Cells

    def merge(self, other: _Histograms) -> _Histograms:
        """Both parts' histograms added up exactly (:meth:`ValueHistogram.merge`)."""
        out = dict(self.cells)
        for key, (h, dropped) in other.cells.items():
            if key in out:
                prev, n_prev = out[key]
                out[key] = (prev.merge(h), n_prev + dropped)
            else:
                out[key] = (h, dropped)
        return _Histograms(out)


def _batch_histograms(
    batch: pd.DataFrame, *, d: SurveyDefinition, specs: Sequence[str],
    groups: Sequence[str | None],
) -> _Histograms:  # fmt: skip
    """One batch's :class:`_Histograms` (module level: an engine may run it elsewhere)."""
    from servgap.core.suffstats import value_histogram
    from servgap.services.analysis import value_series

    coded: dict[str | None, tuple[Any, list[Any]]] = {}
    for g in groups:
        if g is None:
            coded[g] = (np.zeros(len(batch), dtype=np.int64), ["all"])
            continue
        try:
            c, uniq = pd.factorize(batch[g], sort=True)
        except TypeError:
            c, uniq = pd.factorize(batch[g], sort=False)
        labels = [x.item() if isinstance(x, np.generic) else x for x in uniq]
        coded[g] = (c.astype(np.int64), labels)
    cells: Cells = {}
    for s in specs:
        v = value_series(d, batch, s).to_numpy(dtype=np.float64)
        for g in groups:
            codes, labels = coded[g]
            keep = ~np.isnan(v) & (codes >= 0)
            h = value_histogram(v[keep], codes[keep], labels, max_cells=None)
            assert h is not None  # no cell limit: always built
            cells[(s, g)] = (h, int(len(v) - keep.sum()))
    return _Histograms(cells)


def value_histograms(
    d: SurveyDefinition,
    engine: str,
    source: Any,
    specs: Sequence[str],
    groups: Sequence[str | None],
) -> Cells:
    """The (group, value) histogram of every value specification × grouping, in one pass.

    Each batch of respondents gives its values with
    :func:`servgap.services.analysis.value_series` (the very function of the memory
    engine, so the values are the same floating-point numbers) and their histogram per
    group (:func:`servgap.core.suffstats.value_histogram`), where the engine runs it
    (:func:`servgap.engines.fold`); histograms of batches add up exactly
    (:meth:`ValueHistogram.merge`). Returns, per (spec, group), the histogram and the
    rows left out (empty value or group).
    """
    cols = [c for s in specs for c in _spec_columns(d, s)] + [g for g in groups if g]
    each = partial(_batch_histograms, d=d, specs=list(specs), groups=list(groups))
    merged = _Histograms({})
    with engine_errors(engine):
        for part in _fold(engine, source, cols, each):
            merged = merged.merge(part)
    return {k: (_tidy(h), n) for k, (h, n) in merged.cells.items()}


# ------------------------------------------------------------------ the analyses


def servqual_on(
    d: SurveyDefinition, engine: str, source: Any, *, by: list[str] | None = None
) -> ServqualResult:
    """SERVQUAL with the survey's items and weights; the engine streams the item columns."""
    from servgap.core.servqual import servqual
    from servgap.services.analysis import importance_weights, servqual_items

    with engine_errors(engine):
        return servqual(source, servqual_items(d), weights=importance_weights(d), by=by or None,
                        engine=engine)  # fmt: skip


def kano_on(
    d: SurveyDefinition, engine: str, source: Any, *, by: list[str] | None = None
) -> KanoResult:
    """Kano from each feature's joint (functional, dysfunctional[, segment]) counts,
    gathered by the engine (:mod:`servgap.core.kano_engine`; respondents without a segment
    form their own segment, as in memory)."""
    from servgap.core.kano import kano

    with engine_errors(engine):
        return kano(source, d.kano_features(), by=by or None, engine=engine)


def score_table(
    engine: str, source: Any, code: str, by: list[str] | None, score: Callable[[Any], Any]
) -> pd.DataFrame:
    """One row per segment of ``score`` (NPS, CSAT) on the answers to ``code``.

    Without segments the engine's histogram of the column goes to the core function;
    with segments the engine's joint (segment, answer) counts give each segment's
    answers (held one segment at a time).
    """
    from servgap.engines import Column, counts

    rows = []
    with engine_errors(engine):
        if not by:
            r = score(Column(source, code))
            return pd.DataFrame([{k: v for k, v in r.to_dict().items() if k != "warnings"}])
        joint, _ = counts(engine, source, [code], by)
        sizes, _ = counts(engine, source, [], by)  # respondents per segment, answered or not
    size = {k: int(n) for k, n in zip(map(tuple, sizes[by].to_numpy().tolist()), sizes["count"],
                                      strict=True)}  # fmt: skip
    for key, grp in joint.groupby(by, sort=True, dropna=True):
        keys = key if isinstance(key, tuple) else (key,)
        answers = np.repeat(grp[code].to_numpy(dtype=np.float64), grp["count"].to_numpy())
        empty = size.get(tuple(keys), len(answers)) - len(answers)
        answers = np.concatenate([answers, np.full(empty, np.nan)])  # counted as n_missing
        r = score(answers).to_dict()
        r.pop("warnings", None)
        rows.append({**dict(zip(by, keys, strict=True)), **r})
    return pd.DataFrame(rows)


def _anova_from(spec: str, group: str, h: tuple[ValueHistogram, int]) -> AnovaResult:
    from servgap.core.anova import _anova  # the public anova() takes an engine's source only

    return _anova(pd.DataFrame(), spec, group, alpha=0.05, posthoc="auto", use_histogram=True,
                  histogram=h)  # fmt: skip


def anova_on(
    d: SurveyDefinition, engine: str, source: Any, *, value: str, group: str
) -> AnovaResult:
    """One-way ANOVA family of ``value`` (a column or a value specification) by ``group``."""
    from servgap.core.anova import anova

    if ":" not in value:
        with engine_errors(engine):
            return anova(source, value, group, engine=engine)
    hist = value_histograms(d, engine, source, [value], [group])[(value, group)]
    return _anova_from(value, group, hist)


def trends_on(
    d: SurveyDefinition,
    engine: str,
    source: Any,
    values: Sequence[str],
    *,
    period: str = "period",
    through: str | None = None,
) -> dict[str, TrendResult]:
    """:func:`servgap.services.analysis.run_trend` of each value on an engine, in one pass.

    The (period, value) histogram of every value comes from one pass over the batches
    (:func:`value_histograms`); each value's control chart follows from its histogram
    (:func:`servgap.core.trend.trend_from_histogram`: NPS questions on the NPS chart,
    ``below:`` the share of respondents with an item below their zone, the rest the
    x-bar chart of the mean). ``through``: only that period and the earlier ones (in the
    survey's period order), as the report's trends.
    """
    from servgap.core.suffstats import ValueHistogram
    from servgap.core.trend import trend_from_histogram
    from servgap.services.analysis import period_order

    nps_codes = {q.code for q in d.by_type("nps")}
    cells = value_histograms(d, engine, source, list(values), [period])
    out: dict[str, TrendResult] = {}
    for v in values:
        hist, _ = cells[(v, period)]
        if through is not None:
            labels = [str(g) for g in hist.groups]
            order = period_order(d, labels)
            allowed = set(order[: order.index(through) + 1]) if through in order else set()
            idx = [i for i, g in enumerate(labels) if g in allowed]
            hist = ValueHistogram(groups=tuple(hist.groups[i] for i in idx), values=hist.values,
                                  counts=np.ascontiguousarray(hist.counts[idx]))  # fmt: skip
        metric = "nps" if v in nps_codes else "share" if v.startswith("below:") else "mean"
        out[v] = trend_from_histogram(hist, metric=metric, positive_share=metric == "share")
    return out


def trend_on(
    d: SurveyDefinition, engine: str, source: Any, *, value: str, period: str = "period"
) -> TrendResult:
    """One value's trend on an engine (:func:`trends_on`)."""
    return trends_on(d, engine, source, [value], period=period)[value]


def anova_table_on(
    d: SurveyDefinition, engine: str, source: Any, *, values: list[str], groups: list[str]
) -> AnovaTable:
    """Every value × every group (the report's segment comparisons) in one pass."""
    from servgap.core.anova_table import ANOVA_TABLE_COLUMNS, AnovaTable

    hists = value_histograms(d, engine, source, values, groups)
    rows = []
    for v in values:
        for g in groups:
            h, dropped = hists[(v, g)]
            row: dict[str, Any] = {c: np.nan for c in ANOVA_TABLE_COLUMNS}
            row.update(value=v, group=g, n=int(h.n.sum()), k=len(h.groups), n_missing=dropped,
                       error="")  # fmt: skip
            small = [lab for lab, n in zip(h.groups, h.n, strict=True) if n < 2]
            if len(h.groups) < 2:
                row["error"] = "fewer than two groups with answers"
            elif small:
                row["error"] = f"group(s) {small} have fewer than 2 respondents"
            elif h.values.size < 2:
                row["error"] = "all values are equal"
            else:
                r = _anova_from(v, g, (h, dropped)).to_dict()
                row.update({c: r[c] for c in ANOVA_TABLE_COLUMNS[2:-1] if c in r})
            rows.append(row)
    return AnovaTable(table=pd.DataFrame(rows, columns=ANOVA_TABLE_COLUMNS))


@dataclasses.dataclass(frozen=True)
class _DriverStats:
    """Cross products of (target, dimensions) and the per-dimension means' sums."""

    dims: list[str]
    cross: Any
    dropped: int
    perf: pd.DataFrame  # rows sum, count; one column per dimension
    adequate: pd.DataFrame

    def merge(self, other: _DriverStats) -> _DriverStats:
        """The statistics of both parts' rows (:meth:`CrossProducts.merge`, sums added)."""
        return _DriverStats(self.dims, self.cross.merge(other.cross),
                            self.dropped + other.dropped, self.perf + other.perf,
                            self.adequate + other.adequate)  # fmt: skip


def _batch_driver_stats(
    batch: pd.DataFrame, *, d: SurveyDefinition, dims: list[str], target: str
) -> _DriverStats:
    """One batch's :class:`_DriverStats` (module level: an engine may run it elsewhere)."""
    from servgap.core.suffstats import cross_products
    from servgap.services.analysis import dimension_frame

    p = dimension_frame(d, batch, "perceived")
    a = dimension_frame(d, batch, "adequate")
    perf = pd.DataFrame([p.sum(), p.count()], index=["sum", "count"], dtype=np.float64)
    adequate = pd.DataFrame([a.sum(), a.count()], index=["sum", "count"], dtype=np.float64)
    frame = pd.concat([pd.to_numeric(batch[target], errors="coerce").rename(target), p], axis=1)
    complete = frame.notna().all(axis=1).to_numpy()
    cross = cross_products(frame.to_numpy(dtype=np.float64)[complete], [target, *dims])
    return _DriverStats(dims, cross, int((~complete).sum()), perf.reindex(columns=dims),
                        adequate.reindex(columns=dims))  # fmt: skip


def _driver_stats(d: SurveyDefinition, engine: str, source: Any, target: str) -> _DriverStats:
    from servgap.core.suffstats import cross_products
    from servgap.services.analysis import rating_dimensions

    dims = rating_dimensions(d)
    cols = [c for x in dims for c in _spec_columns(d, f"perceived:{x}")] + [target]
    zero = pd.DataFrame(0.0, index=["sum", "count"], columns=dims)
    merged = _DriverStats(dims, cross_products(np.zeros((0, len(dims) + 1)), [target, *dims]),
                          0, zero, zero.copy())  # fmt: skip
    each = partial(_batch_driver_stats, d=d, dims=dims, target=target)
    with engine_errors(engine):
        for part in _fold(engine, source, cols, each):
            merged = merged.merge(part)
    return merged


def _importance(st: _DriverStats, target: str, method: str) -> RelativeImportanceResult:
    from servgap.core.drivers import relative_importance_from_corr

    p, n = len(st.dims), int(st.cross.n)
    if n < p + 2:
        raise InsufficientDataError(
            f"{n} complete row(s) for {p} driver(s); at least {p + 2} are needed.",
            f"{p} 个驱动因素只有 {n} 条完整记录；至少需要 {p + 2} 条。",
        )
    sd = np.sqrt(np.maximum(np.diag(st.cross.covariance()), 0.0))
    const = [c for c, s in zip([target, *st.dims], sd, strict=True) if not s > 0]
    if const:
        raise InputError(
            f"Column(s) {const} are constant in the {n} complete rows; drop them.",
            f"列 {const} 在 {n} 条完整记录中为常数；请删除。",
        )
    res = relative_importance_from_corr(st.cross.correlation(), target, st.dims, n,
                                        method=method, names=[target, *st.dims])  # type: ignore[arg-type]  # fmt: skip
    return dataclasses.replace(res, n_dropped=st.dropped)


def drivers_on(
    d: SurveyDefinition, engine: str, source: Any, *, target: str | None = None,
    method: str = "lmg",
) -> RelativeImportanceResult:  # fmt: skip
    """Relative importance of the dimensions' perceived levels, from merged cross products."""
    from servgap.services.analysis import default_target

    target = target or default_target(d)
    return _importance(_driver_stats(d, engine, source, target), target, method)


def ipa_on(
    d: SurveyDefinition, engine: str, source: Any, *, target: str | None = None
) -> IpaResult:
    """Importance (relative weights) vs performance with the short board, as ``run_ipa``."""
    from servgap.core.drivers import importance_performance
    from servgap.services.analysis import default_target

    target = target or default_target(d)
    st = _driver_stats(d, engine, source, target)
    weights = _importance(st, target, "relative_weights")
    share = pd.Series(weights.table["share"].to_numpy(), index=st.dims, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        perf = pd.Series(st.perf.loc["sum"] / st.perf.loc["count"], dtype=np.float64)
        adequate = pd.Series(st.adequate.loc["sum"] / st.adequate.loc["count"], dtype=np.float64)
    res = importance_performance(perf, share, method="stated", adequate=adequate,
                                 crosshair="mean", scale=d.scale)  # fmt: skip
    return dataclasses.replace(res, method="relative_weights")
