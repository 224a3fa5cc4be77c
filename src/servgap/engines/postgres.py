"""Store engine: a survey's answers aggregated by the store's database, not loaded into Python.

``engine="postgres"`` reads :class:`StoreAnswers` — one survey's responses in the servgap
store — and sends SQL that returns only the statistics the analyses of
:mod:`servgap.core` finish from: the (group, value) histogram for ANOVA, NPS and CSAT
(:func:`histogram`, a few hundred rows), the joint histogram for Kano-like tables
(:func:`counts`), and for SERVQUAL, whose statistics need each respondent's row, the item
columns streamed in batches through a server-side cursor (:func:`batches`). Results equal
the in-memory engine's on :func:`servgap.services.responses.load_responses`'s table (tested
to 1e-9 on SQLite and PostgreSQL).

Named after the production database, it runs on any store: the SQL is SQLAlchemy Core
(``GROUP BY``, ``CASE``, ``row_number() OVER``), which SQLite — the default store and the
test database — runs too.

Where the answers come from: each response keeps its answers as one JSON object, and
``response_answer`` (migration 0013) holds every numeric answer once more (response, column
name, value), brought up to date for the survey at the start of each read
(:mod:`servgap.store.answers_sync`: only new responses' answers are copied). Up to four numeric
columns are each one outer join of that table to ``response`` (read from its covering index
``(survey_id, column_name, value)``); more are pivoted in one pass by conditional
aggregation — ``max(CASE WHEN column_name = 'nps' THEN value END)`` grouped by
response — and joined to ``response``. The response-level columns
(``response_id``, ``site``, ``channel``, ``customer``, ``period``, ``submitted_at``), the
site's ``region`` and the customer's profile fields (``customer_type``, ``age_group`` …)
come from their tables, and text answers (choices) from the JSON. Columns are named as
in ``load_responses``' table.

Why a long table — measured on PostgreSQL 15 with 102,340 responses (12.0 million
numeric answers) on a shared 2-core machine: one column's histogram read from the long
table's covering index takes 0.03 s; the same ``GROUP BY`` over the JSON
(``answers->>'nps'``, every response's JSON parsed) 2.5 s. Through this engine ANOVA by site
takes 0.32 s and NPS 0.34 s, where ``load_responses`` alone takes 26 s before the in-memory
analysis can start. Typed columns per survey version were not chosen: they need DDL at run
time that Alembic cannot track, meet PostgreSQL's limit of 1,600 columns and need a union
over versions. The costs: storage (the copy with its two indexes takes 2.2 GB beside the
responses' 128 MB), the first read of a survey (its copy is written then: writing it in
every import instead, by triggers, made a PostgreSQL import of 30,100 responses take
67–85 s rather than 1.8 s), and SERVQUAL, whose per-respondent batches pivot 80 columns (about 40 s
for 100,000 responses, no faster than loading: the gain there is bounded memory).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, and_, case, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from servgap.core.errors import InputError, ProblemCollector, SpecError
from servgap.core.parse import CellError
from servgap.core.suffstats import ValueHistogram
from servgap.core.survey import META_COLUMNS
from servgap.engines import Column, histogram_from_counts
from servgap.services.responses import PROFILE_FIELDS
from servgap.store.answers_sync import sync_survey_answers
from servgap.store.models import Customer, Region, Response, Site
from servgap.store.models_derived import ResponseAnswer

if TYPE_CHECKING:
    from servgap.services.context import Store

__all__ = ["StoreAnswers", "StoreColumn", "as_source", "batches", "counts", "histogram"]

META = META_COLUMNS  # response_id, submitted_at, site, channel, customer, period
PROFILE = PROFILE_FIELDS  # the customer's typed profile fields
_HUGE = sys.float_info.max  # |x| above it: an infinity
_MAX_SHOWN = 200
_JOINED = 4  # up to this many numeric columns are joined one by one, more are pivoted


@dataclass(frozen=True)
class StoreAnswers:
    """The answers of survey ``survey`` of workspace ``workspace`` in ``store`` (with
    ``period``, only that period's), read by the database: the source of ``engine="postgres"``.
    Its columns are those of :func:`servgap.services.responses.load_responses`' table."""

    store: Store
    workspace: str
    survey: str
    period: str | None = None

    def column(self, name: str) -> StoreColumn:
        """One column of the source (for functions that take a column, e.g. ``nps``)."""
        return StoreColumn(self, name)

    def __getitem__(self, name: str) -> StoreColumn:
        return self.column(name)


@dataclass(frozen=True)
class StoreColumn(Column):
    """One column of a :class:`StoreAnswers`."""

    source: StoreAnswers


def as_source(data: Any) -> StoreAnswers:
    """A :class:`StoreAnswers` from a source or a column of one."""
    if isinstance(data, StoreAnswers):
        return data
    if isinstance(data, Column):
        return as_source(data.source)
    raise SpecError(
        "engine='postgres' reads a survey in the store: pass StoreAnswers(store, workspace, "
        f"survey) or one of its columns, got {type(data).__name__}.",
        "engine='postgres' 读取存储中的调查：请传入 StoreAnswers(store, workspace, survey) "
        f"或其中一列，收到 {type(data).__name__}。",
        fields=("data",),
    )


@dataclass(frozen=True)
class _Relation:
    """A survey's responses as SQL: one row per response, the named columns as expressions."""

    from_: FromClause
    where: ColumnElement[bool]
    exprs: dict[str, ColumnElement[Any]]
    numeric: frozenset[str]
    survey: str

    def number(self, name: str) -> ColumnElement[Any]:
        if name not in self.numeric:
            raise InputError(
                f"Column `{name}` of survey `{self.survey}` holds text, not numbers; choose a "
                "numeric question.",
                f"调查 `{self.survey}` 的列 `{name}` 是文本而不是数值；请选择数值题。",
                fields=(name,),
            )
        return self.exprs[name]


def _relation(session: Session, src: StoreAnswers, names: Sequence[str]) -> _Relation:
    """The survey's responses (of the period) with ``names`` as SQL expressions; the
    survey's definition (its latest version, as ``load_responses``) says which columns
    are numeric answers; unknown names are an :class:`InputError` listing the columns."""
    from servgap.services.context import get_workspace
    from servgap.services.surveys import definition_of, latest_version

    ws = get_workspace(session, src.workspace)
    sv = latest_version(session, ws, src.survey)
    definition = definition_of(sv)
    r = Response.__table__
    where = and_(r.c.workspace_id == ws.id, r.c.survey_id == sv.survey_id)
    if src.period is not None:
        try:
            period = definition.periods.normalise(str(src.period))
        except CellError as exc:
            raise InputError(
                f"`period` {src.period!r} {exc.en}", f"`period` {src.period!r} {exc.zh}",
                fields=("period",),
            ) from None  # fmt: skip
        where = and_(where, r.c.period == period)
    sync_survey_answers(session, sv.survey_id)  # the long copy: new responses' answers
    _fresh_statistics(session)
    owner = definition.column_owner()
    site, region, cust = Site.__table__, Region.__table__, Customer.__table__
    exprs: dict[str, ColumnElement[Any]] = {}
    numeric: set[str] = set()
    pivot: list[str] = []
    joins: set[str] = set()
    for name in dict.fromkeys(names):
        if name in META:
            plain = {"response_id": r.c.external_id, "submitted_at": r.c.submitted_at,
                     "channel": r.c.channel, "period": r.c.period}  # fmt: skip
            exprs[name] = plain.get(name, site.c.code if name == "site" else cust.c.code)
            if name in ("site", "customer"):
                joins.add(name)
        elif name in owner:
            if owner[name][0].kind.numeric:
                pivot.append(name)
                numeric.add(name)
            else:  # choices and text stay in the JSON only
                exprs[name] = r.c.answers[name].as_string()
        elif name in PROFILE:
            exprs[name] = cust.c[name]
            joins.add("customer")
            if isinstance(cust.c[name].type, Float):
                numeric.add(name)
        elif name == "region":
            exprs[name] = region.c.code
            joins.update(("site", "region"))
        else:
            available = [*META, *owner, *PROFILE, "region"]
            raise InputError(
                f"Column `{name}` is not a column of survey `{src.survey}` in the store; "
                f"available columns: {available}.",
                f"列 `{name}` 不是存储中调查 `{src.survey}` 的列；现有列：{available}。",
                fields=(name,),
            )
    from_: FromClause = r
    a = ResponseAnswer.__table__
    if 0 < len(pivot) <= _JOINED:  # one join a column: the covering index, no aggregation
        for i, c in enumerate(pivot):
            ai = a.alias(f"a{i}")
            on = and_(ai.c.response_id == r.c.id, ai.c.survey_id == sv.survey_id,
                      ai.c.column_name == c)  # fmt: skip
            from_ = from_.outerjoin(ai, on)
            exprs[c] = ai.c.value
    elif pivot:  # many columns (SERVQUAL's items): one pass, pivoted by conditional aggregation
        cols = [func.max(case((a.c.column_name == c, a.c.value))).label(f"a{i}")
                for i, c in enumerate(pivot)]  # fmt: skip
        inner = select(a.c.response_id, *cols).where(
            a.c.survey_id == sv.survey_id, a.c.column_name.in_(pivot)
        )
        if src.period is not None:
            inner = inner.join(r, r.c.id == a.c.response_id).where(where)
        p = inner.group_by(a.c.response_id).subquery("p")
        from_ = from_.outerjoin(p, p.c.response_id == r.c.id)
        exprs.update({c: p.c[f"a{i}"] for i, c in enumerate(pivot)})
    if "site" in joins:
        from_ = from_.outerjoin(site, site.c.id == r.c.site_id)
    if "region" in joins:
        from_ = from_.outerjoin(region, region.c.id == site.c.region_id)
    if "customer" in joins:
        from_ = from_.outerjoin(cust, cust.c.id == r.c.customer_id)
    return _Relation(from_, where, {n: exprs[n] for n in names}, frozenset(numeric), src.survey)


def _fresh_statistics(session: Session) -> None:
    """On PostgreSQL, settings for the analytic queries of this transaction, and ``ANALYZE``
    of the answer tables when a tenth of their rows changed since
    the planner's statistics were taken (or none were taken yet).

    Right after an import, before autovacuum's next round (a minute later), the planner
    believes the tables empty and joins the answers by nested loops: 6.3 s instead of 30 ms
    for one histogram of the demo's 3,010 responses, quadratic in the responses. ANALYZE
    samples 30,000 rows (about 0.1 s) and takes no lock that blocks readers or writers.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    # this transaction only: the pivot of SERVQUAL's 80 columns spent 25 of its 39 s in JIT
    # compilation (100,000 responses) and spilled its hash aggregate to disk at 4 MB
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SET LOCAL work_mem = '64MB'"))
    rows = session.execute(
        text(
            "SELECT relname, n_live_tup, n_mod_since_analyze, "
            "last_analyze IS NULL AND last_autoanalyze IS NULL FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname IN ('response', 'response_answer')"
        )
    ).all()
    for name, live, changed, never in rows:
        if never or changed > 0.1 * live + 500:
            session.execute(
                text(f"ANALYZE {'response' if name == 'response' else 'response_answer'}")
            )


def _total(session: Session, rel: _Relation) -> int:
    r = Response.__table__
    return int(session.scalar(select(func.count()).select_from(r).where(rel.where)) or 0)


def _check_values(
    session: Session,
    rel: _Relation,
    name: str,
    *,
    low: float | None,
    high: float | None,
    integer: bool,
    what: str,
) -> None:
    """:class:`InputError` listing (up to 200) rows whose ``name`` is out of range, not a
    whole number (``integer``) or infinite; rows numbered 1, 2 … in response order, as in
    ``load_responses``' table."""
    r = Response.__table__

    def wrong(v: ColumnElement[Any]) -> ColumnElement[bool]:
        bad = [v > _HUGE, v < -_HUGE]
        if low is not None:
            bad.append(v < float(low))
        if high is not None:
            bad.append(v > float(high))
        if integer:
            bad.append(v != func.round(v))
        return and_(v.is_not(None), or_(*bad))

    # a count first; the row numbers (a window over every response) only when needed
    val = rel.number(name)
    n_bad = int(
        session.scalar(
            select(func.count()).select_from(rel.from_).where(rel.where, wrong(val))
        ) or 0
    )  # fmt: skip
    if not n_bad:
        return
    rows = (
        select(func.row_number().over(order_by=r.c.id).label("row"),
               r.c.external_id.label("rid"), val.label("val"))
        .select_from(rel.from_).where(rel.where).subquery()
    )  # fmt: skip
    v = rows.c.val
    found = session.execute(
        select(rows.c.row, rows.c.rid, v).where(wrong(v)).order_by(rows.c.row).limit(_MAX_SHOWN)
    ).all()
    kind = "whole number " if integer else ""
    span = f" from {low:g} to {high:g}" if low is not None and high is not None else ""
    pc = ProblemCollector()
    for row, rid, val in found:
        pc.add(
            f"{what} {val!r} of response {rid} is not a {kind}score{span}; fix the answer or "
            "leave it empty.",
            f"答卷 {rid} 的 {what} {val!r} 不是{span and f' {low:g} 到 {high:g} 之间的'}"
            f"{'整数' if integer else ''}分数；请修正或留空。",
            row=int(row),
            column=name,
            value=float(val),
        )
    pc.raise_if_any(
        InputError,
        f"Column `{name}` has {n_bad} invalid value(s).",
        f"列 `{name}` 有 {n_bad} 个无效值。",
    )


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

    One ``GROUP BY group, value`` in the database. Responses with an empty value (or
    group) are left out and counted. Values outside ``[low, high]``, non-integers
    (``integer=True``) and infinities raise :class:`InputError` listing up to 200
    offending rows. Groups are sorted (by Python, not the database's collation); a single
    group is labelled ``"all"``.
    """
    src = as_source(data)
    with src.store.session() as session:
        rel = _relation(session, src, [value] + ([group] if group is not None else []))
        _check_values(session, rel, value, low=low, high=high, integer=integer, what=what)
        v = rel.number(value)
        keys = [v] if group is None else [rel.exprs[group], v]
        keep = and_(rel.where, *(k.is_not(None) for k in keys))
        found = session.execute(
            select(*keys, func.count()).select_from(rel.from_).where(keep).group_by(*keys)
        ).all()
        total = _total(session, rel)
    frame = pd.DataFrame(
        [(("all", *row) if group is None else tuple(row)) for row in found],
        columns=["g", "v", "c"],
    )
    return histogram_from_counts(frame), total - int(frame["c"].sum())


def counts(data: Any, columns: list[str], by: list[str]) -> tuple[pd.DataFrame, int]:
    """The joint histogram of ``by`` + ``columns`` (rows with an empty one left out).

    One ``GROUP BY`` in the database over the pivoted answers; a row per distinct
    combination with its ``count`` (int64), the ``columns`` as float64, sorted.
    """
    src = as_source(data)
    names = list(dict.fromkeys([*by, *columns]))
    with src.store.session() as session:
        rel = _relation(session, src, names)
        keys = [rel.number(c) if c in columns else rel.exprs[c] for c in names]
        keep = and_(rel.where, *(k.is_not(None) for k in keys)) if keys else rel.where
        found = session.execute(
            select(*keys, func.count()).select_from(rel.from_).where(keep).group_by(*keys)
        ).all()
        total = _total(session, rel)
    frame = pd.DataFrame([tuple(row) for row in found], columns=[*names, "count"])
    for c in columns:
        frame[c] = frame[c].astype(np.float64)
    frame["count"] = frame["count"].astype(np.int64)
    if names:
        frame = frame.sort_values(names, kind="stable", ignore_index=True)
    return frame, total - int(frame["count"].sum())


def batches(data: Any, columns: list[str], *, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """The named columns of the survey's responses, ``rows`` responses at a time.

    Pivoted in the database and streamed through a server-side cursor (``yield_per``), so
    memory stays bounded by the batch; responses in the order of ``load_responses``
    (numeric columns as float64, ``submitted_at`` as UTC timestamps).
    """
    src = as_source(data)
    names = list(dict.fromkeys(columns))
    r = Response.__table__
    with src.store.session() as session:
        rel = _relation(session, src, names)
        labels = [rel.exprs[c].label(f"c{i}") for i, c in enumerate(names)]
        stmt = (
            select(*labels).select_from(rel.from_).where(rel.where).order_by(r.c.id)
        ).execution_options(yield_per=rows)
        for part in session.execute(stmt).partitions():
            frame = pd.DataFrame([tuple(row) for row in part], columns=names)
            for c in names:
                if c in rel.numeric:
                    frame[c] = frame[c].astype(np.float64)
                elif c == "submitted_at":
                    frame[c] = pd.to_datetime(frame[c], utc=True, errors="coerce")
            yield frame
