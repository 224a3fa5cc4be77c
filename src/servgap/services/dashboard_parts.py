"""The dashboard's parts computed from the response table: segment columns and differences
that pass their test, trends, the satisfaction index, Kano with its change, open complaints
per dimension and the action-priority table (the use case is
:func:`servgap.services.dashboard.dashboard`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from servgap.core.errors import InsufficientDataError
from servgap.core.survey import SurveyDefinition, dimension_label
from servgap.services.context import Store, get_workspace
from servgap.services.report import Missing, attempt
from servgap.store.models import Case, Site, Workspace

if TYPE_CHECKING:
    from servgap.core.drivers import IpaResult
    from servgap.core.trend import TrendResult
    from servgap.services.dashboard import DashboardFilters, FilterChoices

ALPHA = 0.05
MAX_POSTHOC_GROUPS = 8
MAX_SEGMENT_VALUES = 60
SEGMENT_COLUMNS = ("region", "site", "channel", "customer_type", "age_group", "gender", "city")


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
