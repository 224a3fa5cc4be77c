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

The zone of tolerance, NPS and CSAT of the period and the compare period are finished
from the survey's **stored statistics** (:mod:`servgap.services.survey_stats`: mergeable
sums per period and segment that imports and web submissions keep up to date) when they
describe exactly the loaded table — the same survey version, response count and largest
response id, and as many responses in the cut as the filtered rows — for no filter, a
site, a region (the merge of its sites) or one segment value; otherwise, and for several
filters at once, they are computed from the rows. Both give the same figures.

Nothing is written to the store.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, ServgapError
from servgap.core.survey import SurveyDefinition, dimension_label
from servgap.services.context import Store, get_workspace
from servgap.services.dashboard_comments import comments_part
from servgap.services.dashboard_data import (
    _LOCK,
    _cached,
    _load,
    _remember,
    _store_key,
    clear_frames,
    data_version,
    stored_cells,
    warm_after_import,
)
from servgap.services.dashboard_parts import (
    _csi,
    _csi_model,
    _kano,
    _labels,
    _open_complaints,
    _stack,
    _stack_frames,
    _trend,
    _where,
    action_table,
    segment_columns,
    significant_segments,
)
from servgap.services.report import Missing, attempt
from servgap.services.survey_stats import finish_servqual_stats
from servgap.store.models import (
    Region,
    Site,
)

__all__ = ["data_version", "warm_after_import"]

if TYPE_CHECKING:
    from servgap.core.drivers import IpaResult
    from servgap.core.servqual import ServqualResult
    from servgap.core.trend import TrendResult
    from servgap.services.survey_stats import CellStats

T = TypeVar("T")

#: Level at which a segment difference counts as significant.
#: Post-hoc pairs are listed for groupings of at most this many groups (a site
#: grouping of 50 outlets gives 1,225 pairs: the omnibus test is shown alone).
#: Segment columns with more distinct values than this are not offered.
#: Columns that can always segment the responses when the data have them.
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
    comments: pd.DataFrame | Missing | None = None
    compute_ms: float = field(default=0.0, compare=False)

    def label(self, code: str, lang: str) -> str:
        """The zh or en name of a dimension, item, feature, site, region or column."""
        names = self.labels.get(code)
        if names is None:
            return dimension_label(code, lang)
        return names.get(lang) or names.get("en") or code


# ------------------------------------------------------------------------------- the caches

_RESULTS: OrderedDict[tuple[Any, ...], Dashboard] = OrderedDict()


def clear_cache() -> None:
    """Forget every cached table and result (tests, or after a restore of the store)."""
    clear_frames()
    with _LOCK:
        _RESULTS.clear()
        _CHOICES.clear()


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

    # the zone of tolerance, NPS and CSAT from the stored statistics when they describe
    # exactly these rows (servgap.services.survey_stats), else from the rows themselves
    stored = stored_cells(store, workspace, d, data, {"period": f.period, "compare": f.compare},
                          (f.region, f.site, f.segment, f.value))  # fmt: skip

    def kept(x: pd.DataFrame) -> CellStats | None:
        got = stored.get("period" if x is cur else "compare")
        return got if got is not None and got.n_responses == len(x) else None

    def servqual_of(x: pd.DataFrame) -> ServqualResult:
        got = kept(x)
        if got is not None and got.servqual is not None:
            return finish_servqual_stats(d, got.servqual)
        return an.run_servqual(d, x)

    def score_of(kind: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
        def run(x: pd.DataFrame) -> pd.DataFrame:
            got = kept(x)
            answers = None if got is None else got.nps if kind == "nps" else got.csat
            if answers is not None:
                x = pd.DataFrame({d.by_type(kind)[0].code: answers.scores()})
            return an.run_nps(d, x) if kind == "nps" else an.run_csat(d, x)

        return run

    sq_cur = on(cur, servqual_of)
    sq_prev = on(prev, servqual_of) if prev is not None else None
    zone_dims = _stack(
        [(sq_cur, "period", f.period), (sq_prev, "compare", f.compare)],
        lambda r: r.dimensions,
    )
    zone_items = _stack(
        [(sq_cur, "period", f.period), (sq_prev, "compare", f.compare)],
        lambda r: r.items[r.items["format"] == "three_column"],
    )
    nps = _stack_frames(d, "nps", cur, prev, f, score_of("nps"), empty)
    csat = _stack_frames(d, "csat", cur, prev, f, score_of("csat"), empty)
    nps_trend = _trend(d, history, "nps")
    csat_trend = _trend(d, history, "csat")
    csi_model = _csi_model(store, workspace)
    csi, gof = _csi(d, cur, prev, f, csi_model, empty)
    ipa = on(cur, lambda x: an.run_ipa(d, x))
    kano = _kano(d, cur, prev, empty, f)
    segments = on(cur, lambda x: significant_segments(d, x, f))
    complaints = attempt(lambda: _open_complaints(store, workspace, f, choices, sq_cur))
    actions = attempt(lambda: action_table(d, zone_dims, ipa, kano, segments, complaints))
    comments = comments_part(d, cur, servqual=sq_cur, empty=empty)
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
        comments=comments,
        labels=_labels(d, choices, csi_model),
        version=version,
    )


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
