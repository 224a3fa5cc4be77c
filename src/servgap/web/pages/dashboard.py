"""The expectation dashboard: ``/w/{ws}/dashboard`` (and ``.json``) and the numbers of each of
its charts as CSV/XLSX (``/w/{ws}/dashboard/data/{chart}``).

The figures come from one call of :func:`servgap.services.dashboard.dashboard` (cached there);
this module reads the filters from the query, lays the results out as ECharts options and
tables (:func:`chart_table` is the one table of a chart: the table view and the download show
the same rows), and renders.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from servgap.core.errors import NotFoundError, ServgapError
from servgap.i18n import Lang, t
from servgap.services.dashboard import (
    FILTER_FIELDS,
    Dashboard,
    dashboard,
    filter_choices,
)
from servgap.services.dashboard_comments import comment_rows
from servgap.services.report import Missing
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.templating import download, page, render, wants_json

router = APIRouter()

Analyst = Annotated[Access, Depends(InWorkspace(*ANALYSTS, page=True))]
Filter = Annotated[str | None, Query(max_length=64)]

#: Colours: the period, the compare period, perceived marks, below / inside / above.
C_NOW, C_BEFORE, C_MARK = "#9ec5f0", "#d9dee6", "#0b3d91"
C_BELOW, C_INSIDE, C_ABOVE = "#d9534f", "#9ec5f0", "#2e8b57"
CHARTS = ("zone_dimensions", "zone_items", "zone_shares", "nps_trend", "csat_trend", "csi",
          "ipa", "kano", "segments", "complaints", "actions")  # fmt: skip


def _r(x: Any, digits: int = 3) -> float | None:
    """A number for JSON (NaN -> None), rounded for the eye; the download keeps all digits."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else round(f, digits)


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "✓" if x else ""
    if isinstance(x, float):
        if math.isnan(x):
            return "—"
        return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"
    return str(x)


# ------------------------------------------------------------------------- the page


def _filters(**kw: str | None) -> dict[str, str | None]:
    return {k: (v.strip() or None) if isinstance(v, str) else None for k, v in kw.items()}


@router.get("/w/{ws}/dashboard")
@router.get("/w/{ws}/dashboard.json")
async def dashboard_page(
    ws: str,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    survey: Filter = None,
    period: Filter = None,
    compare: Filter = None,
    region: Filter = None,
    site: Filter = None,
    segment: Filter = None,
    value: Filter = None,
) -> Response:
    """Zone of tolerance, NPS/CSAT/CSI with control limits, IPA and short board, Kano drift,
    significant segment differences, open complaints and the action-priority table."""
    f = _filters(survey=survey, period=period, compare=compare, region=region, site=site,
                 segment=segment, value=value)  # fmt: skip
    request.state.field_labels = {k: t(f"web_dashboard_f_{k}", lang) for k in FILTER_FIELDS}
    try:
        res = await run_in_threadpool(lambda: dashboard(store, workspace=access.workspace, **f))
    except ServgapError as exc:
        if wants_json(request):  # the JSON twin answers with the API's error document
            from starlette.responses import JSONResponse

            from servgap.web.errors import error_body

            return JSONResponse(error_body(exc, lang), status_code=exc.status)
        if not set(exc.fields) & set(FILTER_FIELDS):
            raise
        keep = f["survey"] if "survey" not in exc.fields else None
        choices = await run_in_threadpool(
            lambda: filter_choices(store, workspace=access.workspace, survey=keep)
        )
        ctx = {"ws": access.workspace, "f": f, "choices": choices, "res": None,
               "errors": {k: exc.message(lang) for k in exc.fields}, "chart_list": []}  # fmt: skip
        return render(request, "dashboard.html", ctx, status=exc.status)
    ctx = {
        "ws": access.workspace,
        "f": f,
        "res": res,
        "choices": res.choices,
        "errors": {},
        "chart_list": build_charts(res, lang, _data_url(request, access.workspace)),
        "actions": chart_table(res, "actions", lang),
        "segments": _segment_lines(res, lang),
        "missing": lambda part: _missing(part, lang),
        "headline": _headline(res, lang),
        "actions_download": _data_url(request, access.workspace)("actions"),
        "fmt_cell": _fmt,
        "comments": None if res.comments is None else comment_rows(res.comments, res.label, lang),
    }
    return page(request, "dashboard.html", ctx, data=res)


@router.get("/w/{ws}/dashboard/data/{chart}")
async def dashboard_data(
    ws: str,
    chart: str,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    format: Annotated[str, Query(max_length=8)] = "csv",
    survey: Filter = None,
    period: Filter = None,
    compare: Filter = None,
    region: Filter = None,
    site: Filter = None,
    segment: Filter = None,
    value: Filter = None,
) -> Response:
    """The numbers of one dashboard chart (``format=csv|xlsx``), for the same filters."""
    if chart not in CHARTS:
        raise NotFoundError(
            f"The dashboard has no chart `{chart}`; charts: {', '.join(CHARTS)}.",
            f"看板没有图表 `{chart}`；可用：{'、'.join(CHARTS)}。",
        )
    f = _filters(survey=survey, period=period, compare=compare, region=region, site=site,
                 segment=segment, value=value)  # fmt: skip
    res = await run_in_threadpool(lambda: dashboard(store, workspace=access.workspace, **f))
    columns, rows = chart_table(res, chart, lang)
    frame = pd.DataFrame([[row.get(k) for k, _ in columns] for row in rows],
                         columns=[label for _, label in columns])  # fmt: skip
    name = f"dashboard_{chart}_{res.filters.period or 'all'}"
    return download(frame, name, format)


def _data_url(request: Request, ws: str) -> Callable[[str], str]:
    from urllib.parse import urlencode

    params = {k: v for k, v in request.query_params.items() if k in FILTER_FIELDS and v}
    query = ("?" + urlencode(params)) if params else ""
    return lambda chart: f"/w/{ws}/dashboard/data/{chart}{query}"


def _missing(part: Any, lang: Lang) -> str | None:
    return part.message(lang) if isinstance(part, Missing) else None


def _headline(res: Dashboard, lang: Lang) -> list[tuple[str, str, str | None]]:
    """(label, value, change) of the key figures: NPS, CSAT, CSI and the short board."""
    out: list[tuple[str, str, str | None]] = []

    def pair(frame: Any, col: str, digits: int) -> tuple[str, str | None] | None:
        if isinstance(frame, Missing) or frame is None or not len(frame):
            return None
        now = frame[frame["role"] == "period"]
        before = frame[frame["role"] == "compare"]
        if not len(now):
            return None
        v = float(now[col].iloc[0])
        ch = None
        if len(before):
            ch = f"{v - float(before[col].iloc[0]):+.{digits}f}"
        return f"{v:.{digits}f}", ch

    for key, frame, col, digits in (("nps", res.nps, "nps", 1), ("csat", res.csat, "mean", 2),
                                    ("csat_top", res.csat, "top_box_share", 3)):  # fmt: skip
        got = pair(frame, col, digits)
        if got is not None:
            out.append((t(f"web_dashboard_kpi_{key}", lang), got[0], got[1]))
    if not isinstance(res.csi, Missing):
        sat = res.csi[res.csi["construct"] == "satisfaction"]
        got = pair(sat, "index", 1)
        if got is not None:
            out.append((t("web_dashboard_kpi_csi", lang, model=res.csi_model.upper()), *got))
    if not isinstance(res.ipa, Missing) and res.ipa.short_board:
        out.append((t("web_dashboard_kpi_short_board", lang),
                    res.label(res.ipa.short_board, lang), None))  # fmt: skip
    return out


def _segment_lines(res: Dashboard, lang: Lang) -> list[dict[str, Any]]:
    """Each significant difference as a sentence naming the test and the pairs."""
    if isinstance(res.segments, Missing):
        return []
    out = []
    for r in _rows(res.segments):
        test = t(f"web_dashboard_test_{r.test}", lang)
        stat = (f"F({r.df_between:g}, {r.df_within:.1f}) = {r.statistic:.2f}, "
                f"p = {r.p:.3g}, η² = {r.eta_squared:.3f}")  # fmt: skip
        if r.pairs_omitted:
            post = t("web_dashboard_posthoc_omitted", lang, k=r.k)
        elif r.pairs:
            method = t(f"web_dashboard_posthoc_{r.posthoc_method}", lang)
            shown = [
                f"{res.label(p['group_a'], lang)} − {res.label(p['group_b'], lang)} = "
                f"{p['diff']:+.2f} (p = {p['p_adj']:.3g})"
                for p in r.pairs[:6]
            ]
            post = f"{method}: " + ("；" if lang == "zh" else "; ").join(shown)
        else:
            post = t("web_dashboard_posthoc_none", lang,
                     method=t(f"web_dashboard_posthoc_{r.posthoc_method}", lang))  # fmt: skip
        out.append({
            "attribute": res.label(str(r.attribute), lang),
            "group": res.label(str(r.group), lang),
            "test": test, "stat": stat, "posthoc": post,
        })  # fmt: skip
    return out


# ------------------------------------------------------------------------- tables


def _col(lang: Lang, *keys: str) -> list[tuple[str, str]]:
    return [(k, t(f"web_dashboard_c_{k}", lang)) for k in keys]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _rows(frame: pd.DataFrame) -> list[Any]:
    return list(frame.itertuples(index=False))


def chart_table(res: Dashboard, chart: str, lang: Lang) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:  # fmt: skip
    """The columns ``[(key, label)]`` and rows of one chart's numbers (table view, download)."""
    part: Any
    lab = res.label
    if chart in ("zone_dimensions", "zone_shares"):
        part = res.zone_dimensions
        cols = _col(lang, "period", "dimension", "n", "msa", "msa_ci_low", "msa_ci_high", "mss",
                    "zone_width", "share_below", "share_inside", "share_above")  # fmt: skip
        if isinstance(part, Missing):
            return cols, []
        frame = part.assign(zone_width=part["msa"] - part["mss"],
                            dimension=part["dimension"].map(lambda x: lab(str(x), lang)))  # fmt: skip
        return cols, _records(frame)
    if chart == "zone_items":
        part = res.zone_items
        cols = _col(lang, "period", "item", "dimension", "unit", "n", "adequate_mean",
                    "desired_mean", "perceived_mean", "msa", "msa_ci_low", "msa_ci_high", "mss",
                    "share_below", "share_inside", "share_above")  # fmt: skip
        if isinstance(part, Missing):
            return cols, []
        frame = part.assign(item=part["item"].map(lambda x: lab(str(x), lang)),
                            dimension=part["dimension"].map(lambda x: lab(str(x), lang)))  # fmt: skip
        return cols, _records(frame)
    if chart in ("nps_trend", "csat_trend"):
        tr = res.nps_trend if chart == "nps_trend" else res.csat_trend
        cols = _col(lang, "period", "n", "value", "centre", "lcl", "ucl", "flag")
        return cols, [] if isinstance(tr, Missing) else _records(tr.table)
    if chart == "csi":
        cols = _col(lang, "period", "construct", "index")
        if isinstance(res.csi, Missing):
            return cols, []
        frame = res.csi.assign(construct=res.csi["construct"].map(
            lambda c: lab(f"csi:{c}", lang)))  # fmt: skip
        return cols, _records(frame)
    if chart == "ipa":
        cols = _col(lang, "dimension", "importance", "performance", "adequate", "shortfall",
                    "quadrant")  # fmt: skip
        if isinstance(res.ipa, Missing):
            return cols, []
        q = "quadrant_zh" if lang == "zh" else "quadrant_en"
        frame = res.ipa.table.assign(
            dimension=res.ipa.table["dimension"].map(lambda x: lab(str(x), lang)),
            quadrant=res.ipa.table[q],
        )
        return cols, _records(frame)
    if chart == "kano":
        cols = _col(lang, "feature", "n", "category", "better", "worse", "compare_category",
                    "compare_better", "compare_worse", "drift")  # fmt: skip
        if isinstance(res.kano, Missing):
            return cols, []
        frame = res.kano.assign(feature=res.kano["feature"].map(lambda x: lab(str(x), lang)),
                                category=res.kano["category"].map(lambda c: _kano_name(c, lang)),
                                compare_category=res.kano["compare_category"].map(
                                    lambda c: _kano_name(c, lang)))  # fmt: skip
        return cols, _records(frame)
    if chart == "segments":
        cols = _col(lang, "dimension", "group", "test", "statistic", "df_between", "df_within",
                    "p", "eta_squared", "posthoc")  # fmt: skip
        if isinstance(res.segments, Missing):
            return cols, []
        rows = []
        lines = _segment_lines(res, lang)
        for r, line in zip(_rows(res.segments), lines, strict=True):
            rows.append({"dimension": line["attribute"], "group": line["group"],
                         "test": line["test"], "statistic": r.statistic,
                         "df_between": r.df_between, "df_within": r.df_within, "p": r.p,
                         "eta_squared": r.eta_squared, "posthoc": line["posthoc"]})  # fmt: skip
        return cols, rows
    if chart == "complaints":
        cols = _col(lang, "dimension", "complaints_touching", "complaints", "complaint_share",
                    "msa")  # fmt: skip
        if isinstance(res.complaints, Missing):
            return cols, []
        frame = res.complaints.assign(dimension=res.complaints["dimension"].map(
            lambda x: t("web_dashboard_unmapped", lang) if x == "unmapped" else lab(str(x), lang)))  # fmt: skip
        return cols, _records(frame)
    if chart == "actions":
        cols = _col(lang, "priority", "attribute", "importance", "performance", "adequate", "msa",
                    "mss", "share_below", "quadrant", "kano", "better", "worse",
                    "segment_differences", "open_complaints")  # fmt: skip
        if isinstance(res.actions, Missing):
            return cols, []
        quad = {}
        if not isinstance(res.ipa, Missing):
            q = "quadrant_zh" if lang == "zh" else "quadrant_en"
            quad = dict(zip(res.ipa.table["quadrant"], res.ipa.table[q], strict=True))
        frame = res.actions.assign(
            attribute=[lab(str(a), lang) + (" ★" if sb else "")
                       for a, sb in zip(res.actions["attribute"], res.actions["short_board"], strict=True)],
            quadrant=res.actions["quadrant"].map(lambda q: quad.get(q, q) if isinstance(q, str) else None),
            kano=res.actions["kano"].map(lambda c: _kano_name(c, lang) if isinstance(c, str) else None),
        )  # fmt: skip
        return cols, _records(frame)
    raise NotFoundError(f"No chart `{chart}`.", f"没有图表 `{chart}`。")


def _kano_name(c: Any, lang: Lang) -> str | None:
    if not isinstance(c, str) or not c:
        return None
    return "/".join(t(f"web_dashboard_kano_{x}", lang) for x in c.split("/"))


# ------------------------------------------------------------------------- charts


def build_charts(res: Dashboard, lang: Lang, url: Callable[[str], str]) -> list[dict[str, Any]]:
    """Each chart of the page: id, title, ECharts option (pure JSON), table, download URL,
    note, height, and the reason when it has no data."""
    out = []
    for chart, part, make in (
        ("zone_dimensions", res.zone_dimensions, _zone_option),
        ("zone_shares", res.zone_dimensions, _shares_option),
        ("zone_items", res.zone_items, _zone_option),
        ("nps_trend", res.nps_trend, _trend_option),
        ("csat_trend", res.csat_trend, _trend_option),
        ("csi", res.csi, _csi_option),
        ("ipa", res.ipa, _ipa_option),
        ("kano", res.kano, _kano_option),
        ("complaints", res.complaints, _complaints_option),
        ("segments", res.segments, _segments_option),
    ):
        cols, rows = chart_table(res, chart, lang)
        missing = _missing(part, lang)
        if missing is None and chart == "segments" and not rows:
            missing = t("web_dashboard_no_segment_differences", lang)
        option: dict[str, Any] = {} if missing else make(res, chart, lang)
        n_rows = len(rows)
        height = "md"
        if chart == "zone_items":
            height = "tall" if n_rows > 24 else "lg"
        elif chart in ("zone_dimensions", "zone_shares", "segments") and n_rows > 8:
            height = "lg"
        out.append({
            "id": f"chart-{chart.replace('_', '-')}", "key": chart,
            "title": t(f"web_dashboard_chart_{chart}", lang,
                       model=res.csi_model.upper(), period=res.filters.period or "",
                       compare=res.filters.compare or ""),
            "note": t(f"web_dashboard_note_{chart}", lang), "option": option,
            "columns": cols, "rows": rows, "download": url(chart), "missing": missing,
            "height": height,
        })  # fmt: skip
    return out


def _base(lang: Lang) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item", "confine": True},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 30, "containLabel": True},
    }


def _row_label(
    res: Dashboard, key: str, period: Any, lang: Lang, both: bool, one_line: bool = False
) -> str:
    name = res.label(key, lang)
    if len(name) > 16:
        name = name[:15] + "…"
    if not both:
        return name
    return f"{period} {name}" if one_line else f"{name}\n{period}"


def _zone_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    """Zone of tolerance on the adequate level: the band 0 → desired − adequate, the perceived
    mark at MSA with its confidence interval; period and compare period row by row."""
    frame = res.zone_dimensions if chart == "zone_dimensions" else res.zone_items
    assert not isinstance(frame, Missing)
    if chart == "zone_items" and "in_dimension" in frame.columns:
        # items on another unit (minutes) would squash the rating scale: table only
        frame = frame[frame["in_dimension"].astype(bool)]
    key = "dimension" if chart == "zone_dimensions" else "item"
    both = bool((frame["role"] == "compare").any())
    order = list(dict.fromkeys(str(x) for x in frame[key]))
    cats: list[str] = []
    band: list[dict[str, Any]] = []
    marks: list[list[Any]] = []
    lines: list[list[dict[str, Any]]] = []
    for k in order:
        for role in ("period", "compare"):
            sel = frame[(frame[key].astype(str) == k) & (frame["role"] == role)]
            if not len(sel):
                continue
            r = sel.iloc[0]
            name = _row_label(res, k, r["period"], lang, both, one_line=chart == "zone_items")
            cats.append(name)
            width = _r(float(r["msa"]) - float(r["mss"]))
            band.append({"value": width,
                         "itemStyle": {"color": C_NOW if role == "period" else C_BEFORE}})  # fmt: skip
            marks.append([_r(r["msa"]), name])
            lo, hi = _r(r["msa_ci_low"]), _r(r["msa_ci_high"])
            if lo is not None and hi is not None:
                lines.append([{"coord": [lo, name]}, {"coord": [hi, name]}])
    cats.reverse()  # the first dimension at the top
    return {
        **_base(lang),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        "xAxis": {"type": "value", "name": t("web_dashboard_axis_msa", lang),
                  "nameLocation": "middle", "nameGap": 24, "scale": True, "splitNumber": 4},
        "yAxis": {"type": "category", "data": cats,
                  "axisLabel": {"width": 120, "overflow": "truncate", "fontSize": 11,
                                "lineHeight": 13}},
        "series": [
            {"name": t("web_dashboard_s_zone", lang), "type": "bar", "data": band[::-1],
             "barWidth": "55%", "itemStyle": {"color": C_NOW}},
            {"name": t("web_dashboard_s_perceived", lang), "type": "scatter", "data": marks,
             "symbol": "diamond", "symbolSize": 12, "itemStyle": {"color": C_MARK}, "z": 5,
             "markLine": {"symbol": ["none", "none"], "silent": True, "animation": False,
                          "label": {"show": False},
                          "lineStyle": {"color": C_MARK, "width": 2, "type": "solid"},
                          "data": lines}},
        ],
    }  # fmt: skip


def _shares_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    frame = res.zone_dimensions
    assert not isinstance(frame, Missing)
    both = bool((frame["role"] == "compare").any())
    cats, below, inside, above = [], [], [], []
    for k in dict.fromkeys(str(x) for x in frame["dimension"]):
        for role in ("period", "compare"):
            sel = frame[(frame["dimension"].astype(str) == k) & (frame["role"] == role)]
            if not len(sel):
                continue
            r = sel.iloc[0]
            cats.append(_row_label(res, k, r["period"], lang, both))
            below.append(_r(100 * float(r["share_below"]), 1))
            inside.append(_r(100 * float(r["share_inside"]), 1))
            above.append(_r(100 * float(r["share_above"]), 1))
    rev = slice(None, None, -1)

    def s(name: str, values: list[Any], color: str) -> dict[str, Any]:
        # a share too thin for its label keeps it in the tooltip and the table
        data = [{"value": v, "label": {"show": v is not None and v >= 7}} for v in values]
        return {"name": t(name, lang), "type": "bar", "stack": "share", "data": data[rev],
                "itemStyle": {"color": color}, "labelLayout": {"hideOverlap": True},
                "label": {"show": True, "formatter": "{c}%", "fontSize": 10}}  # fmt: skip

    return {
        **_base(lang),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": cats[rev],
                  "axisLabel": {"width": 120, "overflow": "truncate", "fontSize": 11,
                                "lineHeight": 13}},
        "series": [s("web_dashboard_s_below", below, C_BELOW),
                   s("web_dashboard_s_inside", inside, C_INSIDE),
                   s("web_dashboard_s_above", above, C_ABOVE)],
    }  # fmt: skip


def _trend_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    tr = res.nps_trend if chart == "nps_trend" else res.csat_trend
    assert not isinstance(tr, Missing)
    tb = tr.table
    periods = [str(p) for p in tb["period"]]
    flagged = [
        {"value": _r(v), "itemStyle": {"color": C_BELOW if f else C_MARK},
         "symbolSize": 12 if f else 7}
        for v, f in zip(tb["value"], tb["flag"], strict=True)
    ]  # fmt: skip
    dashed = {"type": "dashed", "width": 1}
    return {
        **_base(lang),
        "tooltip": {"trigger": "axis", "confine": True},
        "xAxis": {"type": "category", "data": periods},
        "yAxis": {"type": "value", "scale": True},
        "series": [
            {"name": t("web_dashboard_s_value", lang), "type": "line", "data": flagged,
             "itemStyle": {"color": C_MARK}, "lineStyle": {"width": 2}},
            {"name": t("web_dashboard_s_centre", lang), "type": "line", "symbol": "none",
             "data": [_r(x) for x in tb["centre"]], "itemStyle": {"color": "#888"},
             "lineStyle": {"color": "#888", "width": 1}},
            {"name": t("web_dashboard_s_ucl", lang), "type": "line", "symbol": "none", "step": "middle",
             "data": [_r(x) for x in tb["ucl"]], "itemStyle": {"color": C_BELOW},
             "lineStyle": {**dashed, "color": C_BELOW}},
            {"name": t("web_dashboard_s_lcl", lang), "type": "line", "symbol": "none", "step": "middle",
             "data": [_r(x) for x in tb["lcl"]], "itemStyle": {"color": "#e8a09e"},
             "lineStyle": {**dashed, "color": "#e8a09e"}},
        ],
    }  # fmt: skip


def _csi_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    frame = res.csi
    assert not isinstance(frame, Missing)
    names = list(dict.fromkeys(str(c) for c in frame["construct"]))
    labels = [res.label(f"csi:{c}", lang) for c in names]
    series = []
    for role, color in (("period", C_MARK), ("compare", C_BEFORE)):
        sel = frame[frame["role"] == role].set_index("construct")
        if not len(sel):
            continue
        series.append({"name": str(sel["period"].iloc[0]), "type": "bar",
                       "data": [_r(sel["index"].get(c), 1) for c in names][::-1],
                       "itemStyle": {"color": color},
                       "label": {"show": True, "position": "right", "fontSize": 10}})  # fmt: skip
    return {
        **_base(lang),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {"type": "category", "data": labels[::-1],
                  "axisLabel": {"interval": 0, "width": 90, "overflow": "truncate",
                                "fontSize": 11}},
        "series": series,
    }  # fmt: skip


def _ipa_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    ipa = res.ipa
    assert not isinstance(ipa, Missing)
    pts = []
    for r in _rows(ipa.table):
        short = r.dimension == ipa.short_board
        pts.append({"name": res.label(str(r.dimension), lang),
                    "value": [_r(r.importance), _r(r.performance)],
                    "itemStyle": {"color": C_BELOW if short else C_MARK},
                    "symbolSize": 16 if short else 11})  # fmt: skip
    cross = {"type": "dashed", "color": "#888"}
    return {
        **_base(lang),
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}", "confine": True},
        "legend": {"show": False},
        "grid": {"left": 8, "right": 70, "top": 30, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "value", "name": t("web_dashboard_axis_importance", lang),
                  "nameLocation": "middle", "nameGap": 24, "scale": True},
        "yAxis": {"type": "value", "name": t("web_dashboard_axis_performance", lang),
                  "scale": True, "nameTextStyle": {"align": "left"}},
        "series": [{
            "name": t("web_dashboard_s_dimension", lang), "type": "scatter", "data": pts,
            "label": {"show": True, "formatter": "{b}", "position": "right", "fontSize": 11},
            "markLine": {"symbol": ["none", "none"], "silent": True, "label": {"show": False},
                         "lineStyle": cross,
                         "data": [{"xAxis": _r(ipa.importance_crosshair)},
                                  {"yAxis": _r(ipa.performance_crosshair)}]},
        }],
    }  # fmt: skip


KANO_COLORS = {"M": "#d9534f", "O": "#0b6bcb", "A": "#2e8b57", "I": "#999999", "R": "#8e44ad",
               "Q": "#555555"}  # fmt: skip


def _kano_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    kano = res.kano
    assert not isinstance(kano, Missing)
    series = []
    for cat in ("M", "O", "A", "I", "R", "Q"):
        sel = kano[kano["category"] == cat]
        if not len(sel):
            continue
        data = []
        for r in _rows(sel):
            name = res.label(str(r.feature), lang)
            limit = 10 if lang == "zh" else 18
            if len(name) > limit:
                name = name[: limit - 1] + "…"
            if r.drift:
                name += f" ({_kano_name(r.compare_category, lang)}→{_kano_name(r.category, lang)})"
            data.append({"name": name, "value": [_r(abs(r.worse)), _r(r.better)]})
        series.append({"name": _kano_name(cat, lang), "type": "scatter", "data": data,
                       "symbolSize": 11, "itemStyle": {"color": KANO_COLORS[cat]},
                       "labelLayout": {"moveOverlap": "shiftY", "hideOverlap": True},
                       "label": {"show": True, "formatter": "{b}", "position": "right",
                                 "fontSize": 10}})  # fmt: skip
    half = {"type": "dashed", "color": "#bbb"}
    series.append({"name": "", "type": "line", "data": [], "markLine": {
        "symbol": ["none", "none"], "silent": True, "label": {"show": False}, "lineStyle": half,
        "data": [{"xAxis": 0.5}, {"yAxis": 0.5}]}})  # fmt: skip
    return {
        **_base(lang),
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}", "confine": True},
        "grid": {"left": 8, "right": 90, "top": 40, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 1, "name": "|Worse|",
                  "nameLocation": "middle", "nameGap": 24},
        "yAxis": {"type": "value", "min": 0, "max": 1, "name": "Better"},
        "series": series,
    }  # fmt: skip


def _segments_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    seg = res.segments
    assert not isinstance(seg, Missing)
    cats = [f"{res.label(str(r.attribute), lang)} × {res.label(str(r.group), lang)}"
            for r in _rows(seg)][::-1]  # fmt: skip
    return {
        **_base(lang),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        "xAxis": {"type": "value", "name": "η²", "nameLocation": "middle", "nameGap": 24},
        "yAxis": {"type": "category", "data": cats,
                  "axisLabel": {"width": 170, "overflow": "truncate", "interval": 0,
                                "fontSize": 11}},
        "series": [{"name": "η²", "type": "bar", "data": [_r(x) for x in seg["eta_squared"]][::-1],
                    "itemStyle": {"color": C_MARK}}],
    }  # fmt: skip


def _complaints_option(res: Dashboard, chart: str, lang: Lang) -> dict[str, Any]:
    comp = res.complaints
    assert not isinstance(comp, Missing)
    names = [t("web_dashboard_unmapped", lang) if x == "unmapped" else res.label(str(x), lang)
             for x in comp["dimension"]]  # fmt: skip
    return {
        **_base(lang),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names[::-1],
                  "axisLabel": {"interval": 0, "width": 110, "overflow": "truncate",
                                "fontSize": 11}},
        "series": [{"name": t("web_dashboard_c_complaints_touching", lang), "type": "bar",
                    "data": [int(x) for x in comp["complaints_touching"]][::-1],
                    "itemStyle": {"color": C_BELOW},
                    "label": {"show": True, "position": "right"}}],
    }  # fmt: skip
