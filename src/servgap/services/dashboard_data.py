"""The dashboard's data: the data version that keys its caches, the response table per
survey kept in memory and as a Parquet snapshot on disk, and the import hook that writes
the snapshot when data arrive (see :mod:`servgap.services.dashboard` for what is cached and
how it is invalidated)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from sqlalchemy import func, select

from servgap.core.errors import ServgapError
from servgap.core.survey import SurveyDefinition
from servgap.services.context import Store, get_workspace
from servgap.store.models import (
    Case,
    CaseEvent,
    Complaint,
    Region,
    Response,
    Site,
    SurveyVersion,
)

if TYPE_CHECKING:
    from servgap.services.survey_stats import CellStats

log = logging.getLogger("servgap.dashboard")

T = TypeVar("T")
FRAME_CACHE_SIZE = 2


# ---------------------------------------------------------------------------- data version


def data_version(store: Store, *, workspace: str, survey: str | None = None) -> tuple[Any, ...]:
    """What the dashboard's figures depend on, as one comparable tuple (one query)."""

    def stats(model: Any, ws_id: int, extra: Any = None) -> Any:
        q = select(func.count(model.id), func.max(model.id)).where(model.workspace_id == ws_id)
        if extra is not None:
            q = q.where(extra)
        return q

    with store.session() as s:
        ws = get_workspace(s, workspace)
        parts: list[Any] = [ws.id]
        from servgap.store.models import Customer

        for model in (Response, Complaint, Case, Customer, Site, Region):
            parts.extend(s.execute(stats(model, ws.id)).one())
        parts.append(
            s.scalar(
                select(func.max(CaseEvent.id))
                .join(Case, Case.id == CaseEvent.case_id)
                .where(Case.workspace_id == ws.id)
            )
        )
        from servgap.store.models import Survey
        from servgap.store.models_derived import SurveyStats

        parts.append(
            s.scalar(
                select(func.max(SurveyVersion.id))
                .join(Survey, Survey.id == SurveyVersion.survey_id)
                .where(Survey.workspace_id == ws.id)
            )
        )
        # the stored statistics are stamped when folded or rebuilt: a rebuild after responses
        # were replaced (SQLite can hand the newest ids out again, leaving count and largest
        # id as they were) gives another version
        stamp = s.scalar(
            select(func.max(SurveyStats.updated_at)).where(
                SurveyStats.workspace_id == ws.id, SurveyStats.kind == "meta"
            )
        )
        parts.append(None if stamp is None else str(stamp))
        raw = json.dumps(ws.settings or {}, sort_keys=True, default=str)
        parts.append(hashlib.sha256(raw.encode()).hexdigest()[:16])
    parts.append(survey)
    return tuple(parts)


# ------------------------------------------------------------------------------- the caches

_LOCK = threading.Lock()
_FRAMES: OrderedDict[tuple[Any, ...], tuple[Any, SurveyDefinition, pd.DataFrame]] = OrderedDict()


def _cached(cache: OrderedDict[tuple[Any, ...], T], key: tuple[Any, ...]) -> T | None:
    with _LOCK:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
        return hit


def _remember(cache: OrderedDict[tuple[Any, ...], T], key: tuple[Any, ...], value: T,
              size: int) -> None:  # fmt: skip
    with _LOCK:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > size:
            cache.popitem(last=False)


def clear_frames() -> None:
    """Forget the cached response tables."""
    with _LOCK:
        _FRAMES.clear()


def _store_key(store: Store) -> str:
    return str(store.settings.resolved_database_url())


@dataclass(frozen=True)
class _TableKey:
    """What a survey's response table depends on: its responses (count, largest id), the
    survey's latest version, and the customers, sites and regions joined to it."""

    survey_id: int
    survey_version: int
    n_responses: int
    max_response: int
    places: tuple[Any, ...]
    stats_generation: str = ""

    def extends(self, old: _TableKey) -> bool:
        """Only responses were added since ``old`` (the caller checks none was removed)."""
        return (
            (self.survey_id, self.survey_version, self.places, self.stats_generation)
            == (old.survey_id, old.survey_version, old.places, old.stats_generation)
            and self.max_response > old.max_response
            and self.n_responses > old.n_responses
        )


def _table_key(store: Store, workspace: str, code: str) -> tuple[int, _TableKey]:
    from servgap.services.survey_stats import ALL, META_PERIOD, stats_generation
    from servgap.services.surveys import latest_version
    from servgap.store.models import Customer
    from servgap.store.models_derived import SurveyStats

    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, code)
        n, top = s.execute(
            select(func.count(Response.id), func.max(Response.id)).where(
                Response.workspace_id == ws.id, Response.survey_id == sv.survey_id
            )
        ).one()
        places: list[Any] = []
        for model in (Customer, Site, Region):
            places.extend(
                s.execute(
                    select(func.count(model.id), func.max(model.id)).where(
                        model.workspace_id == ws.id
                    )
                ).one()
            )
        payload = s.scalar(
            select(SurveyStats.payload).where(
                SurveyStats.survey_id == sv.survey_id,
                SurveyStats.kind == "meta",
                SurveyStats.period == META_PERIOD,
                SurveyStats.segment == ALL,
            )
        )
        generation = stats_generation(payload) if payload is not None else ""
        return ws.id, _TableKey(sv.survey_id, sv.id, int(n), int(top or 0), tuple(places),
                                generation)  # fmt: skip


def _snapshot(store: Store, workspace: str, code: str) -> Path:
    name = hashlib.sha256(f"{_store_key(store)}|{workspace}|{code}".encode()).hexdigest()[:24]
    return Path(store.settings.home) / "cache" / "dashboard" / f"{name}.parquet"


_SNAPSHOT_KEY = b"servgap_dashboard_key"


def _read_snapshot(path: Path) -> tuple[_TableKey, pd.DataFrame] | None:
    """The table and its key from one Parquet file (the key in the file's metadata: the two
    are replaced together, atomically)."""
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        raw = json.loads((table.schema.metadata or {})[_SNAPSHOT_KEY])
        key = _TableKey(int(raw["survey_id"]), int(raw["survey_version"]),
                        int(raw["n_responses"]), int(raw["max_response"]),
                        tuple(raw["places"]), str(raw["stats_generation"]))  # fmt: skip
        frame = table.to_pandas()
    except (OSError, ValueError, KeyError, TypeError, ImportError):
        return None  # no snapshot yet, or one this version cannot read: load from the store
    return key, frame


def _write_snapshot(path: Path, key: _TableKey, frame: pd.DataFrame) -> None:
    """Keep the table on disk (0600: it holds answers) so a restarted server starts warm;
    a table pyarrow cannot store (mixed cell types) is simply not kept."""
    from servgap.services.files import write_bytes

    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        meta = {"survey_id": key.survey_id, "survey_version": key.survey_version,
                "n_responses": key.n_responses, "max_response": key.max_response,
                "places": list(key.places), "stats_generation": key.stats_generation}  # fmt: skip
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), _SNAPSHOT_KEY: json.dumps(meta).encode()}
        )
        write_bytes(path, lambda tmp: pq.write_table(table, tmp), personal=True, force=True)
    except (OSError, ValueError, TypeError, NotImplementedError, ImportError, ServgapError):
        # pyarrow's ArrowInvalid / ArrowTypeError / ArrowNotImplementedError are among these
        path.unlink(missing_ok=True)


def _newer_rows(
    store: Store, ws_id: int, d: SurveyDefinition, old: _TableKey, new: _TableKey
) -> pd.DataFrame | None:
    """The responses stored after ``old``, or None when some of the old ones were removed
    (a replace deletes and inserts: the table is then read again whole)."""
    from servgap.services.responses import _with_profiles, responses_frame

    with store.session() as s:
        kept = s.scalar(
            select(func.count(Response.id)).where(
                Response.survey_id == new.survey_id, Response.id <= old.max_response
            )
        )
        if kept != old.n_responses:
            return None
        frame = responses_frame(s, ws_id, new.survey_id, d, after_id=old.max_response)
        if len(frame) and frame["customer"].notna().any():
            frame = _with_profiles(s, ws_id, frame)
    return frame


def _with_regions(store: Store, workspace: str, data: pd.DataFrame) -> pd.DataFrame:
    if "region" in data.columns and data["region"].notna().all():
        return data
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(Site.code, Region.code)
            .outerjoin(Region, Region.id == Site.region_id)
            .where(Site.workspace_id == ws.id)
        ).all()
    region_of = {str(a): (str(b) if b is not None else None) for a, b in rows}
    return data.assign(region=data["site"].map(region_of))


def _load(
    store: Store, workspace: str, code: str, *, snapshot_now: bool = False
) -> tuple[SurveyDefinition, pd.DataFrame]:
    """The survey's response table with each response's ``region``.

    From memory when nothing changed; from the disk snapshot after a restart; when only
    responses were added, the cached table plus the new rows; else read whole from the
    store (:func:`servgap.services.responses.load_responses`, the CLI's reader).
    """
    from servgap.services.responses import load_responses
    from servgap.services.surveys import definition_of

    ws_id, key = _table_key(store, workspace, code)
    base = (_store_key(store), workspace, code)
    hit = _cached(_FRAMES, base)
    if hit is not None and hit[0] == key:
        return hit[1], hit[2]
    path = _snapshot(store, workspace, code)
    old: tuple[_TableKey, SurveyDefinition | None, pd.DataFrame] | None = hit
    if old is None:
        snap = _read_snapshot(path)
        if snap is not None:
            old = (snap[0], None, snap[1])
    data: pd.DataFrame | None = None
    d: SurveyDefinition | None = None
    if old is not None and (old[0] == key or key.extends(old[0])):
        with store.session() as s:
            d = definition_of(s.get_one(SurveyVersion, key.survey_version))
        if old[0] == key:
            data = old[2]
        else:
            extra = _newer_rows(store, ws_id, d, old[0], key)
            if extra is not None:
                data = pd.concat([old[2], _with_regions(store, workspace, extra)],
                                 ignore_index=True)  # fmt: skip
    if data is None or d is None:
        d, data = load_responses(store, workspace=workspace, survey=code)
        data = _with_regions(store, workspace, data)
    if snapshot_now:
        _write_snapshot(path, key, data)
    elif old is None or old[0] != key:
        # written beside the request: the view does not wait for the disk
        threading.Thread(target=_write_snapshot, args=(path, key, data), daemon=True).start()
    _remember(_FRAMES, base, (key, d, data), FRAME_CACHE_SIZE)
    return d, data


def warm_after_import(store: Store, workspace: str, survey: str) -> None:
    """Prepare the dashboard when data arrive: after an import, fold the new responses into
    the survey's stored statistics (:func:`servgap.services.survey_stats.update_stats`: only
    their periods and segments), then read the survey's response table (only the new rows
    when a snapshot or the memory holds the rest) and write its disk snapshot now, so that
    the first view — in this process or in a server started later — reads Parquet instead
    of decoding every stored answer. A failure is logged and never breaks the import."""
    from servgap.services.survey_stats import update_stats_quietly

    update_stats_quietly(store, workspace, survey)
    try:
        _load(store, workspace, survey, snapshot_now=True)
    except Exception:  # the import has committed; the view will read the store itself
        log.exception("dashboard: preparing %s/%s after an import failed", workspace, survey)


# ------------------------------------------------------------------ the stored statistics


def stored_cells(
    store: Store,
    workspace: str,
    d: SurveyDefinition,
    data: pd.DataFrame,
    periods: dict[str, str | None],
    place: tuple[str | None, str | None, str | None, str | None],
) -> dict[str, CellStats]:
    """The stored statistics (:mod:`servgap.services.survey_stats`) of each role's period
    for the filters ``place`` = (region, site, segment, value), when they describe exactly
    the response table the view has loaded; roles without are left out (the view then
    computes from the table).

    A site is its cell, a region the merge of its sites' cells (as the store groups them
    now), a segment value its cell when the column holds text answers (numbers get no
    cells); all filters at once is computed from the table.
    """
    from servgap.services.survey_stats import (
        ALL,
        region_sites,
        segment_questions,
        site_key,
        stats_for,
    )

    hit = _cached(_FRAMES, (_store_key(store), workspace, d.code))
    if hit is None or hit[2] is not data:
        return {}
    key = hit[0]
    region, site, segment, value = place
    segs: list[str] | None = None
    if segment is not None:
        if site is None and region is None and segment in segment_questions(d):
            col = data[segment] if segment in data.columns else None
            if col is not None and pd.api.types.infer_dtype(col, skipna=True) == "string":
                segs = [f"{segment}={value}"]
    elif site is not None:  # a site in the region (checked by the view): the site alone
        one = site_key(store, workspace=workspace, site=site)
        segs = [one] if one is not None else None
    elif region is not None and "region" not in d.answer_columns():
        segs = region_sites(store, workspace=workspace, region=region)
    else:
        segs = [ALL]
    if segs is None:
        return {}
    out: dict[str, CellStats] = {}
    for role, period in periods.items():
        if period is None:
            continue
        got = stats_for(store, workspace=workspace, survey=d.code, period=period,
                        segments=segs,
                        current=(key.survey_version, key.n_responses, key.max_response))  # fmt: skip
        if got is not None:
            out[role] = got
    return out
