"""Stored statistics of each survey, period and segment, updated as answers arrive.

Every figure of the zone of tolerance (MSA, MSS, shares below/inside/above, gaps and
their intervals, per item and dimension), NPS and CSAT is a function of a few sums per
group (:class:`servgap.core.servqual_stats.ServqualStats`, the answer histograms of
:class:`servgap.core.suffstats.ValueHistogram`), and those sums add up across any split
of the responses. So the statistics are kept in the store (table ``survey_stats``), one
row per **cell** — a period, a segment and a kind:

* segments: ``*`` (every response of the period), ``site#<id>`` (one site, by id: a
  renamed site or one moved to another region keeps its statistics, and a region is the
  merge of its sites' cells), ``channel=<value>`` and ``<question>=<value>`` for the
  survey's profile and single-choice questions (the value written as the dashboard's
  filter writes it). Attributes joined from the customer table (a customer's type or age
  group when the survey does not ask them) get no cells: a profile can change after the
  answer;
* kinds: ``servqual`` (:func:`servgap.core.servqual_stats.servqual_stats` with the survey's
  items and importance weights, :func:`servgap.services.analysis.servqual_items` and
  :func:`~servgap.services.analysis.importance_weights`), ``nps`` and ``csat`` (the answer
  histogram of the first NPS / CSAT question and the count of empty answers), and one
  ``meta`` row (period ``""``, segment ``*``) with the survey's totals: responses folded
  in, the largest response id folded in and the survey version the statistics use.

:func:`update_stats` folds the responses stored after the meta row's largest id into
their cells only (one read of those rows, one pass, one merge per touched cell); when
the totals do not add up — a response was deleted or replaced (also when SQLite handed a
deleted response's id out again, :func:`_ids_reused`), the survey has a new version — it
rebuilds them all (:func:`rebuild_stats`; each rebuild writes a new generation token that
the dashboard's table cache compares). :func:`stats_for` merges the cells of a filter
and says whether they are current; :func:`finish_servqual_stats` and
:meth:`Answers.scores` give the same results as
:func:`servgap.services.analysis.run_servqual`, ``run_nps`` and ``run_csat`` on those
responses (the dashboard reads them, :mod:`servgap.services.dashboard`).

Payloads are a short binary format (:func:`_pack`: a JSON header naming each array's
type and shape, then the arrays' bytes): float64 arrays written bit for bit, counts as
int64, read back with ``np.frombuffer`` — no pickle, and several times cheaper to read
and write than ``.npz`` archives, which matters when a fold merges hundreds of cells.
Counts and sums of whole-number answers are exact in float64; sums of respondent means
(dimension scores) add in another order than in one pass, so merged results equal a full
recomputation to rounding (checked to 1e-10 in ``tests/services/test_survey_stats.py``).

References
----------
Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise
algorithm for computing sample variances. Technical Report STAN-CS-79-773, Stanford
University (sums and sums of squares of partitions add up to those of the whole).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from servgap.core._stats import FloatArray
from servgap.core.errors import ConflictError
from servgap.core.servqual import ServqualResult
from servgap.core.servqual_stats import IntArray, ServqualStats, servqual_stats
from servgap.core.suffstats import ValueHistogram, value_histogram
from servgap.core.survey import SurveyDefinition
from servgap.services.context import Store, get_workspace
from servgap.store.models import Region, Response, Site, SurveyVersion
from servgap.store.models_derived import SurveyStats
from servgap.store.types import utcnow

log = logging.getLogger("servgap.survey_stats")

__all__ = [
    "ALL",
    "CellStats",
    "StatsUpdate",
    "finish_servqual_stats",
    "rebuild_stats",
    "segment_keys",
    "stats_for",
    "update_stats",
    "update_stats_quietly",
]

#: The segment of every response of a period.
ALL = "*"
#: Period label of the meta row (no period is written as an empty string).
META_PERIOD = ""
#: Keys of an item specification that name answer columns.
PART_KEYS = ("perceived", "expected", "adequate", "desired")
#: How many of the largest folded ids :func:`_ids_reused` looks at.
REUSE_WINDOW = 1000
#: Responses read per query when folding (bounded memory on large rebuilds).
READ_BATCH = 50_000


# ----------------------------------------------------------------------------- payloads


#: First bytes of a payload (format version 1).
MAGIC = b"SGST1\n"
#: The only array types a payload holds (read with ``np.frombuffer``: no pickle, no objects).
DTYPES = {"<f8": np.dtype("<f8"), "<i8": np.dtype("<i8")}


def _pack(arrays: Mapping[str, Any], meta: Mapping[str, Any]) -> bytes:
    """``MAGIC``, the header's length (4 bytes, little-endian), a JSON header (the
    metadata and each array's name, type and shape), then the arrays' bytes in order."""
    parts: list[bytes] = []
    layout: list[list[Any]] = []
    for name, value in arrays.items():
        arr = np.asarray(value)
        dtype = np.dtype("<i8") if arr.dtype.kind in "iub" else np.dtype("<f8")
        arr = np.ascontiguousarray(arr, dtype=dtype)
        layout.append([name, dtype.str, list(arr.shape)])
        parts.append(arr.tobytes())
    head = json.dumps({"meta": dict(meta), "arrays": layout}, sort_keys=True).encode()
    return b"".join([MAGIC, len(head).to_bytes(4, "little"), head, *parts])


def _unpack(raw: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    if not raw.startswith(MAGIC):
        raise ValueError("not a survey statistics payload")
    start = len(MAGIC) + 4
    size = int.from_bytes(raw[len(MAGIC) : start], "little")
    head = json.loads(raw[start : start + size])
    offset = start + size
    arrays: dict[str, Any] = {}
    for name, dtype_str, shape in head["arrays"]:
        dtype = DTYPES[dtype_str]
        count = int(np.prod(shape, dtype=np.int64))
        arrays[name] = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape)
        offset += count * dtype.itemsize
    if offset != len(raw):
        raise ValueError("survey statistics payload of the wrong length")
    return arrays, dict(head["meta"])


_PARTS = ("item_stats", "dim_stats", "overall_stats")
#: The key table of by-less statistics (one empty row), shared: nothing changes it.
_ONE_GROUP = pd.DataFrame(index=range(1))


def _pack_servqual(st: ServqualStats) -> bytes:
    """One stacked float64 array per part (names in the metadata): exact, and three
    arrays instead of thirty-five keep packing and reading cheap."""
    arrays: dict[str, Any] = {}
    names: dict[str, list[str]] = {}
    for part in _PARTS:
        stats: dict[str, FloatArray] = getattr(st, part)
        names[part] = list(stats)
        arrays[part] = np.stack([np.asarray(v, dtype=np.float64) for v in stats.values()])
    meta = {
        "names": names,
        "item_names": list(st.item_names),
        "item_dimensions": list(st.item_dimensions),
        "item_three_column": list(st.item_three_column),
        "item_lower_better": list(st.item_lower_better),
        "item_units": list(st.item_units),
        "dimensions": list(st.dimensions),
        "weighted": st.weighted,
        "n_weights_excluded": int(st.n_weights_excluded),
    }
    return _pack(arrays, meta)


def _unpack_servqual(raw: bytes) -> ServqualStats:
    arrays, meta = _unpack(raw)
    parts = {
        part: {
            k: np.array(v, dtype=np.float64)
            for k, v in zip(meta["names"][part], arrays[part], strict=True)
        }
        for part in _PARTS
    }
    return ServqualStats(
        item_names=tuple(meta["item_names"]),
        item_dimensions=tuple(meta["item_dimensions"]),
        item_three_column=tuple(bool(x) for x in meta["item_three_column"]),
        item_lower_better=tuple(bool(x) for x in meta["item_lower_better"]),
        item_units=tuple(meta["item_units"]),
        dimensions=tuple(meta["dimensions"]),
        by=(),
        groups=_ONE_GROUP,
        item_stats=parts["item_stats"],
        dim_stats=parts["dim_stats"],
        overall_stats=parts["overall_stats"],
        weighted=bool(meta["weighted"]),
        n_weights_excluded=int(meta["n_weights_excluded"]),
    )


@dataclass(frozen=True)
class Answers:
    """The answer histogram of one question in some cells and its empty answers (the
    sufficient statistics of :func:`servgap.core.satisfaction.nps` and ``csat``)."""

    hist: ValueHistogram
    n_missing: int

    def merge(self, other: Answers) -> Answers:
        return Answers(self.hist.merge(other.hist), self.n_missing + other.n_missing)

    def scores(self) -> pd.Series:
        """The answers back as a column (sorted, empties last): the same histogram, so
        :func:`servgap.core.satisfaction.nps` and ``csat`` give the same figures."""
        x = np.repeat(self.hist.values, self.hist.counts.sum(axis=0))
        return pd.Series(np.concatenate([x, np.full(self.n_missing, np.nan)]))


def _pack_answers(a: Answers) -> bytes:
    return _pack(
        {"values": a.hist.values, "counts": a.hist.counts.sum(axis=0)}, {"n_missing": a.n_missing}
    )


def _unpack_answers(raw: bytes) -> Answers:
    arrays, meta = _unpack(raw)
    hist = ValueHistogram(
        groups=("all",),
        values=np.asarray(arrays["values"], dtype=np.float64),
        counts=np.asarray(arrays["counts"], dtype=np.int64)[None, :],
    )
    return Answers(hist, int(meta["n_missing"]))


# ---------------------------------------------------------------------------- the cells


@dataclass(frozen=True)
class CellStats:
    """Merged statistics of some cells: ``None`` where the survey has no such questions."""

    n_responses: int
    servqual: ServqualStats | None
    nps: Answers | None
    csat: Answers | None

    def merge(self, other: CellStats) -> CellStats:
        def add(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else a.merge(b)

        return CellStats(
            self.n_responses + other.n_responses,
            add(self.servqual, other.servqual),
            add(self.nps, other.nps),
            add(self.csat, other.csat),
        )


def segment_questions(d: SurveyDefinition) -> list[str]:
    """Columns whose values get their own cells besides the site: the channel and the
    survey's profile and single-choice questions."""
    return ["channel", *(q.code for q in d.questions if q.type in ("profile", "single"))]


def segment_keys(d: SurveyDefinition, frame: pd.DataFrame, site_ids: pd.Series) -> list[pd.Series]:
    """The cell key of every row for each segmenting column (``None`` where it has none):
    ``site#<id>``, and ``<column>=<value>`` for text values (a number's text depends on
    the whole column's type, so numeric answers get no cells and their filters are
    computed from the table)."""
    sites = [None if pd.isna(v) else f"site#{int(v)}" for v in site_ids]
    out = [pd.Series(sites, dtype=object)]
    for c in segment_questions(d):
        if c in frame.columns:
            keys = [f"{c}={v}" if isinstance(v, str) else None for v in frame[c]]
            out.append(pd.Series(keys, dtype=object))
    return out


def _split_servqual(st: ServqualStats, rows: IntArray) -> list[ServqualStats]:
    """One by-less :class:`ServqualStats` per group of ``st`` (``rows``: responses per
    group; a group's respondents without weights are its rows less its weighted ones)."""
    out = []
    for g in range(len(st.groups)):

        def take(part: dict[str, FloatArray], g: int = g) -> dict[str, FloatArray]:
            return {k: np.ascontiguousarray(v[g : g + 1]) for k, v in part.items()}

        ost = take(st.overall_stats)
        excluded = int(rows[g] - ost["n_weighted"][0]) if st.weighted else 0
        out.append(
            dataclasses.replace(
                st,
                by=(),
                groups=_ONE_GROUP,
                item_stats=take(st.item_stats),
                dim_stats=take(st.dim_stats),
                overall_stats=ost,
                n_weights_excluded=excluded,
            )
        )
    return out


def _split_answers(col: pd.Series, codes: IntArray, n_groups: int) -> list[Answers]:
    """The answer histogram of ``col`` (numbers) per group code (one ``np.bincount`` pass)."""
    x = col.to_numpy(dtype=np.float64, na_value=np.nan)
    ok = ~np.isnan(x)
    hist = value_histogram(x[ok], codes[ok], tuple(range(n_groups)), max_cells=None)
    assert hist is not None  # no cell limit: always built
    missing = np.bincount(codes[~ok], minlength=n_groups)
    return [
        Answers(ValueHistogram(("all",), hist.values, hist.counts[g : g + 1]), int(missing[g]))
        for g in range(n_groups)
    ]


def _cells(
    d: SurveyDefinition, frame: pd.DataFrame, site_ids: pd.Series
) -> dict[tuple[str, str], tuple[int, dict[str, bytes]]]:
    """{(period, segment): (responses, payloads)} of every cell the rows touch: per period
    one pass for all responses and one per segmenting column (``by`` that column)."""
    from servgap.services.analysis import importance_weights, servqual_items

    items = servqual_items(d)
    weights = importance_weights(d)
    scored = [(k, d.by_type(k)[0].code) for k in ("nps", "csat") if d.by_type(k)]
    out: dict[tuple[str, str], tuple[int, dict[str, bytes]]] = {}
    period = frame["period"].map(lambda v: None if v is None or pd.isna(v) else str(v))
    keys = segment_keys(d, frame, site_ids)
    # the columns the statistics read, as numbers once (a stored non-number raises: the
    # update fails and the dashboard computes from the table, as the analyses refuse it)
    needed = [c for it in items.values() for k, c in it.items() if k in PART_KEYS]
    needed += [*(weights or {}).values(), *(code for _, code in scored)]
    numbers = pd.DataFrame(
        {c: pd.to_numeric(frame[c]).astype(np.float64) for c in dict.fromkeys(needed)},
        index=frame.index,
    )
    for p in sorted({x for x in period if x is not None}):
        mask = (period == p).to_numpy()
        part = numbers[mask].reset_index(drop=True)
        columns = [pd.Series(np.full(len(part), ALL, dtype=object))]
        columns += [k[mask].reset_index(drop=True) for k in keys]
        for key in columns:
            has = key.notna().to_numpy()
            if not has.any():
                continue
            sub = part[has].reset_index(drop=True).assign(_cell=key[has].to_numpy())
            codes, uniq = pd.factorize(sub["_cell"], sort=True)
            codes = np.asarray(codes, dtype=np.int64)
            rows = np.bincount(codes, minlength=len(uniq))
            payloads: list[dict[str, bytes]] = [{} for _ in uniq]
            if items:
                st = servqual_stats(sub, items, weights=weights, by="_cell")
                order = {str(v): i for i, v in enumerate(st.groups["_cell"])}
                split = _split_servqual(
                    st, np.array([rows[list(uniq).index(v)] for v in st.groups["_cell"]])
                )
                for i, v in enumerate(uniq):
                    payloads[i]["servqual"] = _pack_servqual(split[order[str(v)]])
            for kind, code in scored:
                for i, a in enumerate(_split_answers(sub[code], codes, len(uniq))):
                    payloads[i][kind] = _pack_answers(a)
            for i, v in enumerate(uniq):
                out[(p, str(v))] = (int(rows[i]), payloads[i])
    return out


def _merge_payload(kind: str, old: bytes, new: bytes) -> bytes:
    if kind == "servqual":
        return _pack_servqual(_unpack_servqual(old).merge(_unpack_servqual(new)))
    return _pack_answers(_unpack_answers(old).merge(_unpack_answers(new)))


# ------------------------------------------------------------------------------ updating


@dataclass(frozen=True)
class StatsUpdate:
    """What :func:`update_stats` did: ``folded`` (new responses into their cells),
    ``rebuilt`` (every cell from scratch, with the reason), ``stale`` (a rebuild was needed
    but not allowed, with the reason) or ``current`` (nothing new)."""

    survey: str
    action: str
    responses: int
    cells: int
    reason: str = ""


def _read(
    s: Session, ws_id: int, survey_id: int, d: SurveyDefinition, after: int, upto: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Responses ``after < id <= upto`` as the canonical wide table (period, channel and
    the answers) and their site ids."""
    cols = list(d.answer_columns())
    metas: list[tuple[Any, ...]] = []
    answers: list[dict[str, Any]] = []
    lo = after
    while True:
        rows = s.execute(
            select(
                Response.id, Response.site_id, Response.channel, Response.period, Response.answers
            )
            .where(
                Response.workspace_id == ws_id,
                Response.survey_id == survey_id,
                Response.id > lo,
                Response.id <= upto,
            )
            .order_by(Response.id)
            .limit(READ_BATCH)
        ).all()
        if not rows:
            break
        metas.extend(r[:4] for r in rows)
        answers.extend(r[4] or {} for r in rows)
        lo = int(rows[-1][0])
        if len(rows) < READ_BATCH:
            break
    meta = pd.DataFrame(metas, columns=["id", "site_id", "channel", "period"])
    frame = pd.concat(
        [meta[["channel", "period"]], pd.DataFrame.from_records(answers, columns=cols)], axis=1
    )
    return frame, meta["site_id"]


def _totals(s: Session, ws_id: int, survey_id: int) -> tuple[int, int]:
    n, top = s.execute(
        select(func.count(Response.id), func.max(Response.id)).where(
            Response.workspace_id == ws_id, Response.survey_id == survey_id
        )
    ).one()
    return int(n), int(top or 0)


def _ids_reused(s: Session, survey_id: int, meta: SurveyStats) -> bool:
    """Whether a response at or below the largest id folded in was written after the fold.

    SQLite gives a new row the largest id + 1, so a replace that deletes the newest
    responses hands their ids out again: count and largest id can then be unchanged.
    The reused ids are the top ones, so a look at the last :data:`REUSE_WINDOW` ids (a
    primary-key range) finds them.
    """
    last = meta.last_response_id
    hit = s.scalar(
        select(Response.id)
        .where(Response.id > last - REUSE_WINDOW, Response.id <= last,
               Response.survey_id == survey_id, Response.created_at > meta.updated_at)
        .limit(1)
    )  # fmt: skip
    return hit is not None


def _meta_row(s: Session, survey_id: int) -> SurveyStats | None:
    return s.scalar(
        select(SurveyStats).where(
            SurveyStats.survey_id == survey_id,
            SurveyStats.period == META_PERIOD,
            SurveyStats.segment == ALL,
            SurveyStats.kind == "meta",
        )
    )


def update_stats(store: Store, *, workspace: str, survey: str, rebuild: bool = True) -> StatsUpdate:
    """Fold the survey's responses stored since the last update into their cells.

    Only the cells (period, segment) of the new responses are read and written. When
    the stored totals plus the new responses do not give the survey's count (a response
    was deleted or replaced), or the survey has a newer version, or nothing is stored
    yet, every cell is rebuilt (:func:`rebuild_stats`) — or, with ``rebuild=False`` (a
    web submission, where reading every response would keep the respondent waiting),
    left stale (``action="stale"``: the dashboard computes from the table until the next
    import or rebuild). Two updates at once: the meta
    row is changed only if still as read, so the second one's transaction rolls back
    (a :class:`StatsConflictError`) and the next update folds its rows.
    """
    from servgap.services.surveys import definition_of, latest_version

    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        n_now, top = _totals(s, ws.id, sv.survey_id)
        meta = _meta_row(s, sv.survey_id)
        if meta is None:
            reason = "no statistics stored yet"
        elif meta.survey_version_id != sv.id:
            reason = "the survey has a new version"
        else:
            reason = ""
            n_new = int(
                s.scalar(
                    select(func.count(Response.id)).where(
                        Response.survey_id == sv.survey_id,
                        Response.id > meta.last_response_id,
                        Response.id <= top,
                    )
                )
                or 0
            )
            if meta.n_responses + n_new != n_now or _ids_reused(s, sv.survey_id, meta):
                reason = "responses were deleted or replaced"
        if reason and not rebuild:  # e.g. a web submission: not in the respondent's time
            return StatsUpdate(survey, "stale", n_now, 0, reason)
        d = definition_of(sv)
        if reason:
            cells = _rebuild(s, ws.id, sv, d, top)
            return StatsUpdate(survey, "rebuilt", n_now, cells, reason)
        assert meta is not None
        if n_new == 0:
            return StatsUpdate(survey, "current", 0, 0)
        frame, site_ids = _read(s, ws.id, sv.survey_id, d, meta.last_response_id, top)
        cells = _fold(s, ws.id, sv.id, sv.survey_id, d, frame, site_ids, top)
        done = s.execute(
            update(SurveyStats)
            .where(
                SurveyStats.id == meta.id,
                SurveyStats.last_response_id == meta.last_response_id,
                SurveyStats.n_responses == meta.n_responses,
            )
            .values(
                n_responses=meta.n_responses + len(frame), last_response_id=top, updated_at=utcnow()
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 1) != 1:
            raise StatsConflictError(
                f"The statistics of survey `{survey}` were updated meanwhile; nothing was "
                "changed. Update them again.",
                f"调查 `{survey}` 的统计量已被同时更新；本次未作更改。请重新更新。",
            )
        return StatsUpdate(survey, "folded", len(frame), cells)


class StatsConflictError(ConflictError):
    """Another update changed the survey's statistics meanwhile (this one rolled back)."""

    code = "stats_conflict"


def _fold(
    s: Session,
    ws_id: int,
    version_id: int,
    survey_id: int,
    d: SurveyDefinition,
    frame: pd.DataFrame,
    site_ids: pd.Series,
    top: int,
) -> int:
    cells = _cells(d, frame, site_ids)
    periods = sorted({p for p, _ in cells})
    segs = sorted({g for _, g in cells})
    have: dict[tuple[str, str, str], SurveyStats] = {}
    for i in range(0, len(segs), 500):  # bounded IN lists
        q = select(SurveyStats).where(
            SurveyStats.survey_id == survey_id,
            SurveyStats.period.in_(periods),
            SurveyStats.segment.in_(segs[i : i + 500]),
        )
        have.update({(r.period, r.segment, r.kind): r for r in s.scalars(q)})
    now = utcnow()
    fresh: list[dict[str, Any]] = []
    for (period, seg), (n_rows, payloads) in cells.items():
        for kind, payload in payloads.items():
            old = have.get((period, seg, kind))
            if old is None:
                fresh.append({"workspace_id": ws_id, "survey_id": survey_id,
                              "survey_version_id": version_id, "period": period,
                              "segment": seg, "kind": kind, "payload": payload,
                              "n_responses": n_rows, "last_response_id": top,
                              "updated_at": now})  # fmt: skip
            else:
                old.payload = _merge_payload(kind, old.payload, payload)
                old.n_responses += n_rows
                old.last_response_id = top
                old.updated_at = now
    if fresh:
        s.execute(insert(SurveyStats), fresh)
    s.flush()
    return len(cells)


def _rebuild(s: Session, ws_id: int, sv: SurveyVersion, d: SurveyDefinition, top: int) -> int:
    s.execute(delete(SurveyStats).where(SurveyStats.survey_id == sv.survey_id))
    frame, site_ids = _read(s, ws_id, sv.survey_id, d, 0, top)
    cells = _fold(s, ws_id, sv.id, sv.survey_id, d, frame, site_ids, top) if len(frame) else 0
    s.add(
        SurveyStats(
            workspace_id=ws_id,
            survey_id=sv.survey_id,
            survey_version_id=sv.id,
            period=META_PERIOD,
            segment=ALL,
            kind="meta",
            payload=_pack({}, {"generation": f"{time.time_ns()}-{secrets.token_hex(4)}"}),
            n_responses=len(frame),
            last_response_id=top,
            updated_at=utcnow(),
        )
    )
    return cells


def stats_generation(meta_payload: bytes) -> str:
    """The token a rebuild writes into the meta row (a new one every rebuild, kept by folds):
    a cache of the responses read before it must read them again."""
    return str(_unpack(meta_payload)[1].get("generation", ""))


def rebuild_stats(store: Store, *, workspace: str, survey: str) -> StatsUpdate:
    """Recompute every cell of the survey from its stored responses (after deletions, a
    new survey version, or to fill the table for data stored before it existed)."""
    from servgap.services.surveys import definition_of, latest_version

    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        n_now, top = _totals(s, ws.id, sv.survey_id)
        cells = _rebuild(s, ws.id, sv, definition_of(sv), top)
    return StatsUpdate(survey, "rebuilt", n_now, cells, "asked for")


def update_stats_quietly(
    store: Store, workspace: str, survey: str, *, rebuild: bool = True
) -> StatsUpdate | None:
    """:func:`update_stats` after data arrived (an import; a web submission with
    ``rebuild=False``): a failure is logged and never breaks what called it (the dashboard
    then computes from the table)."""
    try:
        return update_stats(store, workspace=workspace, survey=survey, rebuild=rebuild)
    except StatsConflictError:
        log.info(
            "survey statistics of %s/%s: updated meanwhile by another process", workspace, survey
        )
    except Exception:  # the data have committed; the dashboard falls back to the table
        log.exception("survey statistics: updating %s/%s failed", workspace, survey)
    return None


# ------------------------------------------------------------------------------- reading


def stats_for(
    store: Store,
    *,
    workspace: str,
    survey: str,
    period: str,
    segments: Iterable[str] = (ALL,),
    current: tuple[int, int, int] | None = None,
) -> CellStats | None:
    """The merged statistics of ``segments`` (``*``, ``site#<id>``, ``column=value``) in
    ``period``, or ``None`` when the stored statistics are not current: the survey's
    latest version, response count and largest response id (``current``: pass them when
    already read) differ from what was folded in. A segment with no responses in the
    period adds nothing (``n_responses`` 0 when none has any)."""
    from servgap.services.surveys import latest_version

    segs = sorted(set(segments))
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        if current is None:
            n_now, top = _totals(s, ws.id, sv.survey_id)
            current = (sv.id, n_now, top)
        meta = _meta_row(s, sv.survey_id)
        if (
            meta is None
            or (meta.survey_version_id, meta.n_responses, meta.last_response_id) != current
        ):
            return None
        rows = s.execute(
            select(
                SurveyStats.segment, SurveyStats.kind, SurveyStats.payload, SurveyStats.n_responses
            )
            .where(
                SurveyStats.survey_id == sv.survey_id,
                SurveyStats.period == period,
                SurveyStats.segment.in_(segs),
            )
            .order_by(SurveyStats.segment, SurveyStats.kind)
        ).all()
    out = CellStats(0, None, None, None)
    by_seg: dict[str, dict[str, Any]] = {}
    for seg, kind, payload, n in rows:
        cell = by_seg.setdefault(seg, {"n": 0})
        cell["n"] = max(cell["n"], int(n))
        cell[kind] = _unpack_servqual(payload) if kind == "servqual" else _unpack_answers(payload)
    for seg in segs:
        c = by_seg.get(seg)
        if c is not None:
            out = out.merge(CellStats(c["n"], c.get("servqual"), c.get("nps"), c.get("csat")))
    return out


def region_sites(store: Store, *, workspace: str, region: str) -> list[str]:
    """The segment keys of the sites of ``region`` as the store has them now."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        ids = s.scalars(
            select(Site.id)
            .join(Region, Region.id == Site.region_id)
            .where(Site.workspace_id == ws.id, Region.code == region)
        ).all()
    return [f"site#{int(i)}" for i in ids]


def site_key(store: Store, *, workspace: str, site: str) -> str | None:
    """The segment key of site ``site`` (``None`` for an unknown code)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sid = s.scalar(select(Site.id).where(Site.workspace_id == ws.id, Site.code == site))
    return None if sid is None else f"site#{int(sid)}"


def finish_servqual_stats(d: SurveyDefinition, stats: ServqualStats) -> ServqualResult:
    """What :func:`servgap.services.analysis.run_servqual` gives for the responses whose
    statistics are ``stats`` (:func:`servgap.core.servqual.finish_servqual`, then the same
    note on importance weights)."""
    from servgap.core.servqual import finish_servqual
    from servgap.services.analysis import with_weight_note

    return with_weight_note(d, finish_servqual(stats))
