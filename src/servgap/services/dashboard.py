"""The expectation dashboard of a workspace: one call, every figure, cached.

:func:`dashboard` loads a survey's responses, cuts them to the filters (period,
compare-to period, region or site, one value of a segment column) and runs the
same functions as ``servgap analyze … --json`` on the cut
(:mod:`servgap.services.analysis`: the one rule for what enters a dimension
score, the one rule for importance weights):

* zone of tolerance per dimension and per item, for the period and the compare
  period (``analyze servqual`` / ``analyze tolerance``);
* NPS and CSAT for both periods (``analyze nps [--csat]``) and their trend with
  Shewhart control limits over the periods up to the period (``analyze trend``);
* the satisfaction index of the workspace's CSI model (``analyze csi --model``;
  setting ``csi_model``, default ``ccsi``);
* the importance–performance table with the short board (``analyze drivers --ipa``);
* Kano categories with Better/Worse and the change of category between the
  compare period and the period (Kano drift; ``analyze kano``);
* segment differences of each dimension's MSA (one-way ANOVA table, then
  :func:`servgap.core.anova.anova` with its post-hoc test on the comparisons
  that pass; ``analyze anova``), only the differences that pass, with the test named;
* open complaint cases mapped to SERVQUAL dimensions by
  :data:`servgap.core.recovery.SERVQUAL_MAP` (:func:`~servgap.core.recovery.complaints_by_dimension`);
* the action-priority table joining them per attribute.

A part that the data cannot give (no Kano questions, too few answers for the
CSI model) is a :class:`~servgap.services.report.Missing` with the reason.

Cache
-----
Three layers, so that a repeated view is answered from memory and new data cost only
what they add:

* the finished :class:`Dashboard` per set of filters (``_RESULTS``, the last
  :data:`RESULT_CACHE_SIZE`), keyed by the store's URL, the workspace, the survey, the
  filters as given and the workspace's **data version** (:func:`data_version`: count and
  largest id of its responses, complaints, cases, case events, customers, sites and
  regions, its surveys' latest version id and a hash of its settings). Every call reads
  the data version first (a few aggregate queries): a new or replaced response (a
  re-import deletes and inserts: new ids), a new complaint or case, a case changing state
  (a new case event), a new customer, site, survey version or setting gives another
  version, so the next view recomputes;
* the survey's response table (``_FRAMES``, the last :data:`FRAME_CACHE_SIZE` surveys),
  keyed by :class:`_TableKey` (the survey's response count and largest id, its latest
  version, the customers', sites' and regions' counts and largest ids). When only
  responses were added since, just the new rows are read and appended; anything else
  (a response removed or replaced, a new survey version, new customers or sites) reads the
  table again whole with :func:`servgap.services.responses.load_responses`, the CLI's reader;
* a snapshot of that table on disk (``<home>/cache/dashboard/*.parquet``, 0600: it holds
  answers) with its key, so that a restarted server does not read every response again;
  it follows the same rules (the key is kept in the Parquet file's metadata, so the
  table and its key are replaced together). It is written beside the request, in a
  thread, and at once when data arrive by an import (:func:`warm_after_import`), so the
  first view after an import — in the importing process or in a server started later —
  reads Parquet instead of decoding every stored answer; a table pyarrow cannot store is
  simply not kept.

Nothing is written to the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, ServgapError
from servgap.core.survey import SurveyDefinition, dimension_label
from servgap.services.context import Store, get_workspace
from servgap.services.report import Missing, attempt
from servgap.store.models import (
    Case,
    CaseEvent,
    Complaint,
    Region,
    Response,
    Site,
    SurveyVersion,
    Workspace,
)

log = logging.getLogger("servgap.dashboard")

if TYPE_CHECKING:
    from servgap.core.drivers import IpaResult
    from servgap.core.trend import TrendResult

T = TypeVar("T")

#: Level at which a segment difference counts as significant.
ALPHA = 0.05
#: Post-hoc pairs are listed for groupings of at most this many groups (a site
#: grouping of 50 outlets gives 1,225 pairs: the omnibus test is shown alone).
MAX_POSTHOC_GROUPS = 8
#: Segment columns with more distinct values than this are not offered.
MAX_SEGMENT_VALUES = 60
#: Columns that can always segment the responses when the data have them.
SEGMENT_COLUMNS = ("region", "site", "channel", "customer_type", "age_group", "gender", "city")
FRAME_CACHE_SIZE = 2
RESULT_CACHE_SIZE = 64
FILTER_FIELDS = ("survey", "period", "compare", "region", "site", "segment", "value")
NO_COMPARE = "none"


# ------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DashboardFilters(ResultMixin):
    """The filters as applied (``period``/``compare`` written the survey's way)."""

    survey: str
    period: str | None
    compare: str | None
    region: str | None
    site: str | None
    segment: str | None
    value: str | None


@dataclass(frozen=True)
class FilterChoices(ResultMixin):
    """What the filters can take: surveys, periods with responses, regions, sites and
    segment columns with their values (each site with its region)."""

    surveys: tuple[dict[str, Any], ...]
    periods: tuple[str, ...]
    regions: tuple[dict[str, Any], ...]
    sites: tuple[dict[str, Any], ...]
    segments: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Dashboard(ResultMixin):
    """Every figure of the expectation dashboard for one set of filters.

    Attributes
    ----------
    zone_dimensions, zone_items
        The SERVQUAL dimension and item tables (``analyze servqual --level
        dimensions|items``) of the period and of the compare period, stacked with a
        ``role`` column (``period`` / ``compare``) and the ``period`` label. Items are
        the three-column ones only (``analyze tolerance``).
    nps, csat
        ``analyze nps`` and ``analyze nps --csat`` rows, one per role.
    nps_trend, csat_trend
        ``analyze trend --value <nps|csat>`` on the periods up to the period.
    csi
        The CSI model's 0–100 indices per construct and role (``construct, index,
        role, period``); ``csi_model`` names the model, ``csi_gof`` its GoF.
    ipa
        ``analyze drivers --ipa`` on the period (importance, performance, quadrant,
        adequate, shortfall, short board).
    kano
        ``analyze kano`` per feature for the period, with ``compare_category``,
        ``compare_better``, ``compare_worse`` and ``drift`` (the category changed).
    segments
        Significant segment differences of each dimension's MSA: ``attribute,
        value, group, test, statistic, df_between, df_within, p, eta_squared, k,
        posthoc_method, pairs`` (pairs: ``group_a, group_b, diff, p_adj`` that pass).
    complaints
        Open cases per SERVQUAL dimension (``dimension, complaints,
        complaints_touching, complaint_share, msa``) plus the ``unmapped`` row.
    actions
        The action-priority table (see :func:`action_table`).
    labels
        ``{code: {"zh": …, "en": …}}`` for dimensions, items, Kano features,
        sites, regions and segment columns.
    version
        The data version the figures were computed from (see the module docstring).
    """

    workspace: str
    filters: DashboardFilters
    choices: FilterChoices
    n_period: int
    n_compare: int
    scale: tuple[float, float] | None
    zone_dimensions: pd.DataFrame | Missing
    zone_items: pd.DataFrame | Missing
    nps: pd.DataFrame | Missing
    csat: pd.DataFrame | Missing
    nps_trend: TrendResult | Missing
    csat_trend: TrendResult | Missing
    csi: pd.DataFrame | Missing
    csi_model: str
    csi_gof: float | None
    ipa: IpaResult | Missing
    kano: pd.DataFrame | Missing
    segments: pd.DataFrame | Missing
    complaints: pd.DataFrame | Missing
    actions: pd.DataFrame | Missing
    labels: dict[str, dict[str, str]]
    version: tuple[Any, ...]
    compute_ms: float = field(default=0.0, compare=False)

    def label(self, code: str, lang: str) -> str:
        """The zh or en name of a dimension, item, feature, site, region or column."""
        names = self.labels.get(code)
        if names is None:
            return dimension_label(code, lang)
        return names.get(lang) or names.get("en") or code


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

        parts.append(
            s.scalar(
                select(func.max(SurveyVersion.id))
                .join(Survey, Survey.id == SurveyVersion.survey_id)
                .where(Survey.workspace_id == ws.id)
            )
        )
        raw = json.dumps(ws.settings or {}, sort_keys=True, default=str)
        parts.append(hashlib.sha256(raw.encode()).hexdigest()[:16])
    parts.append(survey)
    return tuple(parts)


# ------------------------------------------------------------------------------- the caches

_LOCK = threading.Lock()
_FRAMES: OrderedDict[tuple[Any, ...], tuple[Any, SurveyDefinition, pd.DataFrame]] = OrderedDict()
_RESULTS: OrderedDict[tuple[Any, ...], Dashboard] = OrderedDict()


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


def clear_cache() -> None:
    """Forget every cached table and result (tests, or after a restore of the store)."""
    with _LOCK:
        _FRAMES.clear()
        _RESULTS.clear()
        _CHOICES.clear()


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

    def extends(self, old: _TableKey) -> bool:
        """Only responses were added since ``old`` (the caller checks none was removed)."""
        return (
            (self.survey_id, self.survey_version, self.places)
            == (old.survey_id, old.survey_version, old.places)
            and self.max_response > old.max_response
            and self.n_responses > old.n_responses
        )


def _table_key(store: Store, workspace: str, code: str) -> tuple[int, _TableKey]:
    from servgap.services.surveys import latest_version
    from servgap.store.models import Customer

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
        return ws.id, _TableKey(sv.survey_id, sv.id, int(n), int(top or 0), tuple(places))


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
                        tuple(raw["places"]))  # fmt: skip
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
                "places": list(key.places)}  # fmt: skip
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
    """Prepare the dashboard when data arrive: after an import, read the survey's response
    table (only the new rows when a snapshot or the memory holds the rest) and write its disk
    snapshot now, so that the first view — in this process or in a server started later —
    reads Parquet instead of decoding every stored answer. A failure is logged and never
    breaks the import."""
    try:
        _load(store, workspace, survey, snapshot_now=True)
    except Exception:  # the import has committed; the view will read the store itself
        log.exception("dashboard: preparing %s/%s after an import failed", workspace, survey)


# ------------------------------------------------------------------------------ the use case


def dashboard(
    store: Store,
    *,
    workspace: str,
    survey: str | None = None,
    period: str | None = None,
    compare: str | None = None,
    region: str | None = None,
    site: str | None = None,
    segment: str | None = None,
    value: str | None = None,
) -> Dashboard:
    """The dashboard for these filters (see the module docstring; cached).

    ``survey`` defaults to the workspace's only survey
    (:func:`servgap.services.analysis.choose_survey`); ``period`` to the latest
    period with responses; ``compare`` to the period before it (``"none"``: no
    comparison); ``region``/``site`` keep the responses of that region or site;
    ``segment`` with ``value`` keeps the responses whose ``segment`` column has that
    value. A filter value that does not exist raises an error naming its field.
    """
    from servgap.services.analysis import choose_survey

    code = choose_survey(store, workspace=workspace, survey=_clean(survey))
    version = data_version(store, workspace=workspace, survey=code)
    raw = tuple(_clean(x) for x in (period, compare, region, site, segment, value))
    key = (_store_key(store), workspace, code, raw, version)
    hit = _cached(_RESULTS, key)
    if hit is not None:
        return hit
    t0 = time.perf_counter()
    d, data = _load(store, workspace, code)
    result = _compute(store, workspace, d, data, raw, version)
    result = _with_time(result, (time.perf_counter() - t0) * 1000.0)
    _remember(_RESULTS, key, result, RESULT_CACHE_SIZE)
    return result


def _with_time(res: Dashboard, ms: float) -> Dashboard:
    import dataclasses

    return dataclasses.replace(res, compute_ms=ms)


def _clean(x: str | None) -> str | None:
    if x is None:
        return None
    x = str(x).strip()
    return x or None


def filter_choices(store: Store, *, workspace: str, survey: str | None = None) -> FilterChoices:
    """The filters' choices alone (the page shows them next to a filter error): every survey,
    and when ``survey`` can be chosen its periods, sites and segments."""
    from servgap.services.analysis import choose_survey

    try:
        code = choose_survey(store, workspace=workspace, survey=_clean(survey))
    except ServgapError:
        return FilterChoices(_surveys(store, workspace), (), (), (), {})
    d, data = _load(store, workspace, code)
    return _choices(store, workspace, d, data)


def _surveys(store: Store, workspace: str) -> tuple[dict[str, Any], ...]:
    from servgap.services.surveys import list_surveys

    with store.session() as s:
        rows = list_surveys(s, get_workspace(s, workspace))
    return tuple(
        {"survey": str(r["survey"]), "title_zh": r["title_zh"], "title_en": r["title_en"]}
        for r in rows
    )


def _places(store: Store, workspace: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with store.session() as s:
        ws = get_workspace(s, workspace)
        regions = [
            {"code": c, "name_zh": zh, "name_en": en}
            for c, zh, en in s.execute(
                select(Region.code, Region.name_zh, Region.name_en)
                .where(Region.workspace_id == ws.id)
                .order_by(Region.code)
            ).all()
        ]
        sites = [
            {"code": c, "name_zh": zh, "name_en": en, "region": r}
            for c, zh, en, r in s.execute(
                select(Site.code, Site.name_zh, Site.name_en, Region.code)
                .outerjoin(Region, Region.id == Site.region_id)
                .where(Site.workspace_id == ws.id)
                .order_by(Site.code)
            ).all()
        ]
    return regions, sites


def segment_columns(d: SurveyDefinition, data: pd.DataFrame) -> list[str]:
    """Columns a dashboard can segment by: region, site, channel, the customers' profile
    (customer type, age group …) and the survey's profile and single-choice questions —
    those with 2 to :data:`MAX_SEGMENT_VALUES` values in the data."""
    own = [q.code for q in d.questions if q.type in ("profile", "single")]
    out = []
    for c in [*SEGMENT_COLUMNS, *own]:
        if c in data.columns and c not in out:
            k = data[c].dropna().nunique()
            if 2 <= k <= MAX_SEGMENT_VALUES:
                out.append(c)
    return out


def _choices(
    store: Store, workspace: str, d: SurveyDefinition, data: pd.DataFrame
) -> FilterChoices:
    from servgap.services.analysis import period_order

    regions, sites = _places(store, workspace)
    periods = period_order(d, [str(x) for x in data["period"].dropna().unique()])
    segs = {
        c: tuple(sorted(str(v) for v in data[c].dropna().unique()))
        for c in segment_columns(d, data)
        if c not in ("site", "region")
    }
    return FilterChoices(_surveys(store, workspace), tuple(periods), tuple(regions),
                         tuple(sites), segs)  # fmt: skip


_CHOICES: OrderedDict[tuple[Any, ...], FilterChoices] = OrderedDict()


def _cached_choices(
    store: Store,
    workspace: str,
    d: SurveyDefinition,
    data: pd.DataFrame,
    version: tuple[Any, ...],
) -> FilterChoices:
    """The choices of a response table, computed once per table and data version."""
    key = (_store_key(store), workspace, d.code, id(data), len(data), version)
    hit = _cached(_CHOICES, key)
    if hit is None:
        hit = _choices(store, workspace, d, data)
        _remember(_CHOICES, key, hit, FRAME_CACHE_SIZE * 4)
    return hit


def _bad(field_name: str, got: str, allowed: list[str], what_en: str, what_zh: str) -> InputError:
    listed = ", ".join(allowed[:30]) or "(none)"
    listed_zh = "、".join(allowed[:30]) or "（无）"
    more = " …" if len(allowed) > 30 else ""
    return InputError(
        f"`{field_name}` {got!r} is not {what_en} of this survey's data; choose one of: "
        f"{listed}{more}.",
        f"`{field_name}` {got!r} 不是本调查数据中的{what_zh}；请从中选择：{listed_zh}{more}。",
        fields=(field_name,),
    )


def _resolve(
    d: SurveyDefinition, data: pd.DataFrame, choices: FilterChoices, raw: tuple[str | None, ...]
) -> DashboardFilters:
    from servgap.services.analysis import period_label

    period, compare, region, site, segment, value = raw
    periods = list(choices.periods)
    if period is not None:
        period = period_label(d, period)
        if period not in periods:
            raise _bad("period", period, periods, "a period with responses", "有答卷的期间")
    elif periods:
        period = periods[-1]
    if compare is not None and compare.lower() == NO_COMPARE:
        compare = None
    elif compare is not None:
        compare = period_label(d, compare, field="compare")
        if compare not in periods:
            raise _bad("compare", compare, periods, "a period with responses", "有答卷的期间")
        if compare == period:
            raise InputError(
                f"`compare` {compare} is the period itself; choose an earlier or later period.",
                f"`compare` {compare} 与所选期间相同；请选择其他期间。",
                fields=("compare",),
            )
    elif period is not None and periods.index(period) > 0:
        compare = periods[periods.index(period) - 1]
    region_codes = [r["code"] for r in choices.regions]
    if region is not None and region not in region_codes:
        raise _bad("region", region, region_codes, "a region", "区域")
    site_codes = [s["code"] for s in choices.sites]
    if site is not None and site not in site_codes:
        raise _bad("site", site, site_codes, "a site", "网点")
    if site is not None and region is not None:
        home = next(s["region"] for s in choices.sites if s["code"] == site)
        if home != region:
            raise InputError(
                f"`site` {site} is not in region {region} (it is in {home or 'no region'}).",
                f"`site` 网点 {site} 不属于区域 {region}（属于 {home or '无区域'}）。",
                fields=("site",),
            )
    if segment is None and value is not None:
        raise InputError(
            f"`value` {value!r} needs a `segment` column to look it up in.",
            f"`value` {value!r} 需要同时指定分组列 `segment`。",
            fields=("segment",),
        )
    if segment is not None:
        cols = list(choices.segments)
        if segment not in cols:
            raise _bad("segment", segment, cols, "a segment column", "分组列")
        if value is None:
            raise InputError(
                f"Segment `{segment}` needs a `value` (one of {', '.join(choices.segments[segment])}).",
                f"分组 `{segment}` 需要指定取值 `value`（可选：{'、'.join(choices.segments[segment])}）。",
                fields=("value",),
            )  # fmt: skip
        if value not in choices.segments[segment]:
            raise _bad("value", value, list(choices.segments[segment]), f"a value of `{segment}`",
                       f"`{segment}` 的取值")  # fmt: skip
    return DashboardFilters(d.code, period, compare, region, site, segment, value)


def _scope(data: pd.DataFrame, f: DashboardFilters) -> pd.DataFrame:
    if f.region is None and f.site is None and f.segment is None:
        return data  # read only: every analysis copies what it changes
    keep = np.ones(len(data), dtype=bool)
    if f.region is not None:
        keep &= (data["region"] == f.region).to_numpy()
    if f.site is not None:
        keep &= (data["site"] == f.site).to_numpy()
    if f.segment is not None:
        keep &= (data[f.segment].astype("string") == f.value).fillna(False).to_numpy(dtype=bool)
    return data[keep].reset_index(drop=True)


def _compute(
    store: Store,
    workspace: str,
    d: SurveyDefinition,
    data: pd.DataFrame,
    raw: tuple[str | None, ...],
    version: tuple[Any, ...],
) -> Dashboard:
    from servgap.services import analysis as an

    choices = _cached_choices(store, workspace, d, data, version)
    f = _resolve(d, data, choices, raw)
    scoped = _scope(data, f)
    cur = scoped[scoped["period"] == f.period].reset_index(drop=True)
    prev = (
        scoped[scoped["period"] == f.compare].reset_index(drop=True)
        if f.compare is not None
        else None
    )
    # the trends read the NPS and CSAT columns of every period up to the period
    narrow = scoped[["period", *(q.code for t in ("nps", "csat") for q in d.by_type(t)[:1])]]
    history = (
        an.select_period(d, narrow, f.period, through=True)
        if f.period is not None and (narrow["period"] == f.period).any()
        else narrow.iloc[0:0]
    )
    empty = _empty_reason(d, f, len(cur))

    def on(frame: pd.DataFrame, fn: Callable[[pd.DataFrame], T]) -> T | Missing:
        if empty is not None and frame is cur:
            return empty
        if not len(frame):
            return _no_rows(f)
        return attempt(lambda: fn(frame))

    sq_cur = on(cur, lambda x: an.run_servqual(d, x))
    sq_prev = on(prev, lambda x: an.run_servqual(d, x)) if prev is not None else None
    zone_dims = _stack(
        [(sq_cur, "period", f.period), (sq_prev, "compare", f.compare)],
        lambda r: r.dimensions,
    )
    zone_items = _stack(
        [(sq_cur, "period", f.period), (sq_prev, "compare", f.compare)],
        lambda r: r.items[r.items["format"] == "three_column"],
    )
    nps = _stack_frames(d, "nps", cur, prev, f, lambda x: an.run_nps(d, x), empty)
    csat = _stack_frames(d, "csat", cur, prev, f, lambda x: an.run_csat(d, x), empty)
    nps_trend = _trend(d, history, "nps")
    csat_trend = _trend(d, history, "csat")
    csi_model = _csi_model(store, workspace)
    csi, gof = _csi(d, cur, prev, f, csi_model, empty)
    ipa = on(cur, lambda x: an.run_ipa(d, x))
    kano = _kano(d, cur, prev, empty, f)
    segments = on(cur, lambda x: significant_segments(d, x, f))
    complaints = attempt(lambda: _open_complaints(store, workspace, f, choices, sq_cur))
    actions = attempt(lambda: action_table(d, zone_dims, ipa, kano, segments, complaints))
    return Dashboard(
        workspace=workspace,
        filters=f,
        choices=choices,
        n_period=len(cur),
        n_compare=len(prev) if prev is not None else 0,
        scale=d.scale,
        zone_dimensions=zone_dims,
        zone_items=zone_items,
        nps=nps,
        csat=csat,
        nps_trend=nps_trend,
        csat_trend=csat_trend,
        csi=csi,
        csi_model=csi_model,
        csi_gof=gof,
        ipa=ipa,
        kano=kano,
        segments=segments,
        complaints=complaints,
        actions=actions,
        labels=_labels(d, choices, csi_model),
        version=version,
    )


def _where(f: DashboardFilters) -> tuple[str, str]:
    parts_en, parts_zh = [], []
    if f.region:
        parts_en.append(f"region {f.region}")
        parts_zh.append(f"区域 {f.region}")
    if f.site:
        parts_en.append(f"site {f.site}")
        parts_zh.append(f"网点 {f.site}")
    if f.segment:
        parts_en.append(f"{f.segment} = {f.value}")
        parts_zh.append(f"{f.segment} = {f.value}")
    return (" at " + ", ".join(parts_en) if parts_en else "",
            "（" + "，".join(parts_zh) + "）" if parts_zh else "")  # fmt: skip


def _empty_reason(d: SurveyDefinition, f: DashboardFilters, n: int) -> Missing | None:
    if n:
        return None
    if f.period is None:
        return Missing(
            f"Survey `{d.code}` has no responses yet: import or collect some first.",
            f"调查 `{d.code}` 还没有答卷：请先导入或收集答卷。",
        )
    en, zh = _where(f)
    return Missing(
        f"No responses to survey `{d.code}` in {f.period}{en}.",
        f"调查 `{d.code}` 在 {f.period}{zh}没有答卷。",
    )


def _no_rows(f: DashboardFilters) -> Missing:
    en, zh = _where(f)
    return Missing(
        f"No responses in the compare period {f.compare}{en}.",
        f"对比期间 {f.compare}{zh}没有答卷。",
    )


def _stack(
    parts: list[tuple[Any, str, str | None]], table: Callable[[Any], pd.DataFrame]
) -> pd.DataFrame | Missing:
    frames = []
    first: Any = None
    for res, role, label in parts:
        if res is None:
            continue
        if first is None:
            first = res
        if isinstance(res, Missing):
            continue
        frames.append(table(res).assign(role=role, period=label))
    if not frames:
        return first if isinstance(first, Missing) else Missing("No data.", "没有数据。")
    return pd.concat(frames, ignore_index=True)


def _stack_frames(
    d: SurveyDefinition,
    qtype: str,
    cur: pd.DataFrame,
    prev: pd.DataFrame | None,
    f: DashboardFilters,
    fn: Callable[[pd.DataFrame], pd.DataFrame],
    empty: Missing | None,
) -> pd.DataFrame | Missing:
    if not d.by_type(qtype):
        return Missing(
            f"Survey `{d.code}` has no {qtype.upper()} question.",
            f"调查 `{d.code}` 没有 {qtype.upper()} 题。",
        )
    if empty is not None:
        return empty
    parts: list[tuple[Any, str, str | None]] = [(attempt(lambda: fn(cur)), "period", f.period)]
    if prev is not None and len(prev):
        parts.append((attempt(lambda: fn(prev)), "compare", f.compare))
    return _stack(parts, lambda r: r)


def _trend(d: SurveyDefinition, history: pd.DataFrame, qtype: str) -> TrendResult | Missing:
    from servgap.services.analysis import run_trend

    qs = d.by_type(qtype)
    if not qs:
        return Missing(
            f"Survey `{d.code}` has no {qtype.upper()} question.",
            f"调查 `{d.code}` 没有 {qtype.upper()} 题。",
        )
    if history["period"].nunique() < 2:
        return Missing(
            "Only one period of responses so far: a trend needs two or more.",
            "目前只有一期答卷：趋势分析至少需要两期。",
        )
    return attempt(lambda: run_trend(d, history, value=qs[0].code))


def _csi_model(store: Store, workspace: str) -> str:
    from servgap.core.csi_models import MODELS

    with store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == workspace))
        chosen = str(((ws.settings if ws else None) or {}).get("csi_model") or "ccsi").lower()
    return chosen if chosen in MODELS else "ccsi"


def _csi(
    d: SurveyDefinition,
    cur: pd.DataFrame,
    prev: pd.DataFrame | None,
    f: DashboardFilters,
    model: str,
    empty: Missing | None,
) -> tuple[pd.DataFrame | Missing, float | None]:
    from servgap.services.analysis import run_csi

    if empty is not None:
        return empty, None
    now = attempt(lambda: run_csi(d, cur, model=model))
    if isinstance(now, Missing):
        return now, None
    if now.index is None:
        return Missing("The model gives no 0–100 index.", "该模型不给出 0–100 指数。"), now.gof
    frames = [now.index.assign(role="period", period=f.period)]
    if prev is not None and len(prev):
        before = attempt(lambda: run_csi(d, prev, model=model))
        if not isinstance(before, Missing) and before.index is not None:
            frames.append(before.index.assign(role="compare", period=f.compare))
    return pd.concat(frames, ignore_index=True), now.gof


def _kano(
    d: SurveyDefinition,
    cur: pd.DataFrame,
    prev: pd.DataFrame | None,
    empty: Missing | None,
    f: DashboardFilters,
) -> pd.DataFrame | Missing:
    from servgap.services.analysis import run_kano

    if not d.kano_features():
        return Missing(
            f"Survey `{d.code}` has no Kano questions.", f"调查 `{d.code}` 没有 Kano 题。"
        )
    if empty is not None:
        return empty
    now = attempt(lambda: run_kano(d, cur))
    if isinstance(now, Missing):
        return now
    cols = ["feature", "n", "A", "O", "M", "I", "R", "Q", "category", "category_strength",
            "better", "worse", "fong_significant"]  # fmt: skip
    table = now.features[cols].copy()
    table["dimension"] = [d.question(str(x)).dimension for x in table["feature"]]
    table["compare_category"] = None
    table["compare_better"] = np.nan
    table["compare_worse"] = np.nan
    table["drift"] = False
    if prev is not None and len(prev):
        before = attempt(lambda: run_kano(d, prev))
        if not isinstance(before, Missing):
            b = before.features.set_index("feature")
            table["compare_category"] = [b["category"].get(x) for x in table["feature"]]
            table["compare_better"] = [b["better"].get(x, np.nan) for x in table["feature"]]
            table["compare_worse"] = [b["worse"].get(x, np.nan) for x in table["feature"]]
            table["drift"] = [
                bool(c is not None and p is not None and c != p)
                for c, p in zip(table["category"], table["compare_category"], strict=True)
            ]
    return table.assign(period=f.period, compare=f.compare)


def significant_segments(
    d: SurveyDefinition, data: pd.DataFrame, f: DashboardFilters
) -> pd.DataFrame:
    """Each dimension's MSA across every segment column the filters leave open, kept only
    where the omnibus test passes at :data:`ALPHA`.

    The test is Welch's ANOVA when Levene's test rejects equal variances at
    :data:`ALPHA`, else Fisher's one-way ANOVA (both from
    :func:`servgap.services.analysis.run_anova_table`); the passing ones are run again
    through :func:`servgap.services.analysis.run_anova` for the post-hoc pairs (Tukey–Kramer,
    or Games–Howell with unequal variances) with adjusted p below :data:`ALPHA`.
    """
    from servgap.services.analysis import rating_dimensions, run_anova, run_anova_table

    fixed = {c for c, v in (("region", f.region), ("site", f.site), (f.segment, f.value)) if v}
    groups = [c for c in segment_columns(d, data) if c not in fixed]
    specs = [f"msa:{dim}" for dim in rating_dimensions(d)]
    cols = ["attribute", "value", "group", "test", "statistic", "df_between", "df_within",
            "p", "eta_squared", "k", "n", "posthoc_method", "pairs", "pairs_omitted"]  # fmt: skip
    if not groups or not specs:
        return pd.DataFrame(columns=cols)
    table = run_anova_table(d, data, values=specs, groups=groups).table
    rows = []
    for r in _rows(table):
        if r.error or not np.isfinite(r.p):
            continue
        welch = bool(np.isfinite(r.levene_p) and r.levene_p < ALPHA and np.isfinite(r.welch_p))
        p = float(r.welch_p if welch else r.p)
        if not p < ALPHA:
            continue
        pairs: list[dict[str, Any]] = []
        method = None
        omitted = int(r.k) > MAX_POSTHOC_GROUPS
        if not omitted:
            res = run_anova(d, data, value=str(r.value), group=str(r.group))
            method = res.posthoc_method
            ph = res.posthoc
            sig = ph[ph["p_adj"] < ALPHA].sort_values("p_adj")
            pairs = [
                {"group_a": str(x.group_a), "group_b": str(x.group_b),
                 "diff": float(x.diff), "p_adj": float(x.p_adj)}
                for x in _rows(sig)
            ]  # fmt: skip
        rows.append(
            {
                "attribute": str(r.value).split(":", 1)[1],
                "value": str(r.value),
                "group": str(r.group),
                "test": "welch_anova" if welch else "oneway_anova",
                "statistic": float(r.welch_f if welch else r.f),
                "df_between": float(r.df_between),
                "df_within": float(r.welch_df_within if welch else r.df_within),
                "p": p,
                "eta_squared": float(r.eta_squared),
                "k": int(r.k),
                "n": int(r.n),
                "posthoc_method": method,
                "pairs": tuple(pairs),
                "pairs_omitted": omitted,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def _open_complaints(
    store: Store,
    workspace: str,
    f: DashboardFilters,
    choices: FilterChoices,
    servqual: Any,
) -> pd.DataFrame:
    """Open complaint cases (any period: they are open now) of the region or site, per
    SERVQUAL dimension by :data:`servgap.core.recovery.SERVQUAL_MAP`."""
    from servgap.core.cases import OPEN_STATES
    from servgap.core.recovery import (
        SERVQUAL_DIMENSIONS,
        SERVQUAL_MAP,
        complaints_by_dimension,
    )

    with store.session() as s:
        ws = get_workspace(s, workspace)
        q = (
            select(Case.category, Site.code)
            .outerjoin(Site, Site.id == Case.site_id)
            .where(Case.workspace_id == ws.id, Case.state.in_(sorted(OPEN_STATES)))
        )
        rows = s.execute(q).all()
    sites = None
    if f.site is not None:
        sites = {f.site}
    elif f.region is not None:
        sites = {x["code"] for x in choices.sites if x["region"] == f.region}
    cats = [
        (str(c) if c in SERVQUAL_MAP else "other")
        for c, site in rows
        if sites is None or site in sites
    ]
    msa = None
    if not isinstance(servqual, Missing) and servqual is not None:
        dims = servqual.dimensions
        msa = {
            str(k): float(v)
            for k, v in zip(dims["dimension"], dims["msa"], strict=True)
            if str(k) in SERVQUAL_DIMENSIONS
        }
    if not cats:
        en, zh = _where(f)
        raise InsufficientDataError(f"No open complaint cases{en}.", f"{zh}没有未结的投诉工单。")
    return complaints_by_dimension(cats, msa).table


def action_table(
    d: SurveyDefinition,
    zone: pd.DataFrame | Missing,
    ipa: IpaResult | Missing,
    kano: pd.DataFrame | Missing,
    segments: pd.DataFrame | Missing,
    complaints: pd.DataFrame | Missing,
) -> pd.DataFrame:
    """One row per dimension (then per Kano feature without a dimension), most urgent first.

    Columns: ``attribute, kind`` (dimension / feature), ``importance`` (relative
    weights on overall satisfaction, from the IPA), ``performance`` (mean perceived),
    ``adequate`` (IPA), ``msa, mss, share_below`` (period), ``quadrant, short_board``,
    ``kano`` (categories of the Kano features of the dimension or the feature's own),
    ``better, worse``, ``segment_differences`` (how many segment columns differ
    significantly), ``open_complaints`` (cases touching the dimension), ``priority``
    (1 = first). Order: the short board first, then the largest importance-weighted
    shortfall below adequate, then the largest importance-weighted shortfall below
    desired (``importance × max(0, −MSS)``); Kano features follow, must-be and
    one-dimensional first, by |Worse|.
    """
    if isinstance(zone, Missing):
        raise InsufficientDataError(zone.en, zone.zh)
    cur = zone[zone["role"] == "period"].set_index("dimension")
    ipa_t = ipa.table.set_index("dimension") if not isinstance(ipa, Missing) else None
    short = ipa.short_board if not isinstance(ipa, Missing) else None
    rows = []
    for dim in cur.index:
        z = cur.loc[dim]
        imp = (
            float(ipa_t.loc[dim, "importance"])
            if ipa_t is not None and dim in ipa_t.index
            else np.nan
        )
        perf = (
            float(ipa_t.loc[dim, "performance"])
            if ipa_t is not None and dim in ipa_t.index
            else np.nan
        )
        adequate = (
            float(ipa_t.loc[dim, "adequate"])
            if ipa_t is not None and dim in ipa_t.index and "adequate" in ipa_t.columns
            else np.nan
        )
        weighted = (
            float(ipa_t.loc[dim, "weighted_shortfall"])
            if ipa_t is not None and dim in ipa_t.index and "weighted_shortfall" in ipa_t.columns
            else 0.0
        )
        quadrant = str(ipa_t.loc[dim, "quadrant"]) if ipa_t is not None and dim in ipa_t.index else None  # fmt: skip
        kano_cats = better = worse = None
        if not isinstance(kano, Missing):
            mine = kano[kano["dimension"] == dim]
            if len(mine):
                kano_cats = "/".join(sorted({str(c) for c in mine["category"].dropna()}))
                better = float(mine["better"].mean())
                worse = float(mine["worse"].mean())
        segs = 0
        if not isinstance(segments, Missing) and len(segments):
            segs = int((segments["attribute"] == dim).sum())
        opened = 0
        if not isinstance(complaints, Missing):
            hit = complaints[complaints["dimension"] == dim]
            opened = int(hit["complaints_touching"].iloc[0]) if len(hit) else 0
        mss = float(z["mss"])
        rows.append(
            {
                "attribute": str(dim), "kind": "dimension", "importance": imp,
                "performance": perf, "adequate": adequate, "msa": float(z["msa"]), "mss": mss,
                "share_below": float(z["share_below"]), "quadrant": quadrant,
                "short_board": dim == short, "kano": kano_cats, "better": better, "worse": worse,
                "segment_differences": segs, "open_complaints": opened,
                "_k1": 0 if dim == short else 1, "_k2": -(weighted if np.isfinite(weighted) else 0.0),
                "_k3": -((imp if np.isfinite(imp) else 0.0) * max(0.0, -mss if np.isfinite(mss) else 0.0)),
            }
        )  # fmt: skip
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values(["_k1", "_k2", "_k3"], kind="stable")
    if not isinstance(kano, Missing):
        loose = kano[kano["dimension"].isna()].copy()
        order = {"M": 0, "O": 1, "A": 2, "I": 3, "R": 4, "Q": 5}
        loose["_o"] = loose["category"].map(lambda c: order.get(str(c), 6))
        loose["_w"] = -loose["worse"].abs().fillna(0.0)
        loose = loose.sort_values(["_o", "_w"], kind="stable")
        feats = pd.DataFrame(
            {
                "attribute": loose["feature"].astype(str), "kind": "feature",
                "kano": loose["category"], "better": loose["better"], "worse": loose["worse"],
                "short_board": False, "segment_differences": 0, "open_complaints": 0,
            }
        )  # fmt: skip
        out = pd.DataFrame(_records_of(out) + _records_of(feats)) if len(out) else feats
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")]).reset_index(drop=True)
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out


def _rows(frame: pd.DataFrame) -> list[Any]:
    """The rows of ``frame`` as named tuples (typed loosely: columns vary)."""
    return list(frame.itertuples(index=False))


def _records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _labels(
    d: SurveyDefinition, choices: FilterChoices, csi_model: str
) -> dict[str, dict[str, str]]:
    from servgap.core.csi_models import MODELS
    from servgap.services.analysis import rating_dimensions

    out: dict[str, dict[str, str]] = {}
    for c in MODELS[csi_model].constructs:
        out[f"csi:{c.code}"] = {"zh": c.zh, "en": c.en}
    for dim in rating_dimensions(d):
        out[dim] = {"zh": dimension_label(dim, "zh"), "en": dimension_label(dim, "en")}
    for q in d.questions:
        if q.type in ("servqual3", "kano", "profile", "single", "nps", "csat"):
            out[q.code] = {"zh": q.text.zh or q.code, "en": q.text.en or q.code}
    for s in choices.sites:
        out.setdefault(s["code"], {"zh": s["name_zh"], "en": s["name_en"]})
    for r in choices.regions:
        out.setdefault(r["code"], {"zh": r["name_zh"], "en": r["name_en"]})
    for code, zh, en in (  # short names of the segment columns (not the question's text)
        ("region", "区域", "Region"),
        ("site", "网点", "Site"),
        ("channel", "渠道", "Channel"),
        ("customer_type", "客户类型", "Customer type"),
        ("age_group", "年龄段", "Age group"),
        ("gender", "性别", "Gender"),
        ("city", "城市", "City"),
    ):
        out[code] = {"zh": zh, "en": en}
    return out
