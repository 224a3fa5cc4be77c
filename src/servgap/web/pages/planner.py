"""The capacity planner: one queue's forecast, staffing, cost curve and roster balance.

* ``/w/{ws}/planner`` (+ ``.json``), admins and analysts: filters ``site``, ``queue``,
  ``week`` (ISO week, ``2026-W49``), ``horizon``, ``models``, ``target`` (``adequate``:
  the wait customers call adequate, or ``sl``), ``target_sl``, ``target_wait``,
  ``coverage``, ``model`` (staffing model), ``band`` -- all in the URL. The figures are
  :func:`servgap.services.planning.planner_view`'s; the JSON twin's parts equal the
  ``--json`` of the ``servgap capacity`` commands listed under ``cli``.
* ``/w/{ws}/planner/data/{table}?format=csv|xlsx``: each table's numbers for download.
* ``POST /w/{ws}/planner/adjustments`` (and ``…/{id}/delete``): expert adjustments with the
  signed-in user as author and a reason; a bad field is shown next to it.
* ``POST /w/{ws}/planner/roster`` (and ``…/roster/delete``): upload the queue's roster
  (start, end, count; it replaces the previous one and the balance uses it from then on).

Forms post back to the page's URL with its filters; a saved change redirects (303) to the
page, a refused one shows the page again (422) with the message at the field.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Form
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from servgap.core.errors import InputError, ServgapError
from servgap.core.staffing import STAFFING_MODELS
from servgap.i18n import Lang, t
from servgap.services.capacity.adjustments import (
    add_adjustment,
    check_adjustment,
    delete_adjustment,
)
from servgap.services.capacity.planner import PlannerView, view_data
from servgap.services.capacity.rosters import clear_roster, read_roster_shifts, save_roster
from servgap.services.planning import FORECAST_MODELS, PLANNER_MODELS, demand_queues, planner_view
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.errors import error_body
from servgap.web.templating import download, page, render, wants_json

router = APIRouter()

Planner = Annotated[Access, Depends(InWorkspace(*ANALYSTS, page=True))]

TABLES = ("forecast", "history", "backtest", "adjustments", "staffing", "balance",
          "comparison", "cost_curve", "recommendations", "roster")  # fmt: skip
FILTERS = ("site", "queue", "week", "horizon", "models", "target", "target_sl", "target_wait",
           "coverage", "model", "band")  # fmt: skip
ADJ_FIELDS = ("start", "end", "kind", "value", "reason")
MAX_ROSTER_BYTES = 512 * 1024


# --------------------------------------------------------------------------- the request


def _float(params: dict[str, str], name: str, default: float) -> float:
    text = params.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise InputError(f"`{name}` {text!r} is not a number.", f"`{name}` {text!r} 不是数字。",
                         fields=(name,)) from None  # fmt: skip


def query_of(params: dict[str, str]) -> dict[str, Any]:
    """The planner's inputs from the URL's filters (strings), each error naming its field."""
    for k in FILTERS:
        if len(params.get(k, "")) > 200:
            raise InputError(f"`{k}` is too long.", f"`{k}` 过长。", fields=(k,))
    horizon: int | None = None
    if params.get("horizon", "").strip():
        try:
            horizon = int(params["horizon"])
        except ValueError:
            raise InputError(f"`horizon` {params['horizon']!r} is not a whole number.",
                             f"`horizon` {params['horizon']!r} 不是整数。",
                             fields=("horizon",)) from None  # fmt: skip
    models = tuple(m.strip() for m in params.get("models", "").split(",") if m.strip())
    return {
        "site": params.get("site") or None,
        "queue": params.get("queue") or None,
        "week": params.get("week") or None,
        "horizon": horizon,
        "models": models or PLANNER_MODELS,
        "target": params.get("target") or None,
        "target_sl": _float(params, "target_sl", 0.8),
        "target_wait_s": _float(params, "target_wait", 20.0),
        "coverage": _float(params, "coverage", 0.8),
        "model": params.get("model") or None,
        "band_agents": _float(params, "band", 1.0),
    }


def _params(request: Request) -> dict[str, str]:
    out: dict[str, str] = {}
    for k in FILTERS:
        values = request.query_params.getlist(k)
        if values:
            out[k] = ",".join(values) if k == "models" else values[-1]
    return out


def _labels(lang: Lang) -> dict[str, str]:
    return {f: t(f"web_planner_f_{f}", lang) for f in (*FILTERS, *ADJ_FIELDS, "roster")}


# --------------------------------------------------------------------------- presentation


def _times(values: Any) -> list[str]:
    return [f"{pd.Timestamp(x):%m-%d %H:%M}" for x in values]


def _num(values: Any, digits: int = 1) -> list[float | None]:
    out: list[float | None] = []
    for x in np.asarray(values, dtype=np.float64):
        out.append(None if not np.isfinite(x) else round(float(x), digits))
    return out


def _axis_time(labels: list[str]) -> dict[str, Any]:
    return {"type": "category", "data": labels, "boundaryGap": False,
            "axisLabel": {"hideOverlap": True}}  # fmt: skip


def forecast_chart(v: PlannerView, lang: Lang) -> dict[str, Any]:
    """History, actual, forecast, adjusted forecast and the 80 % interval on one time axis."""
    fc = v.forecast.table
    hist = v.history
    before = hist[hist["period"] == "history"]
    actual = hist[hist["period"] == "actual"]
    starts = sorted(set(pd.to_datetime(before["interval_start"])) |
                    set(pd.to_datetime(fc["interval_start"])))  # fmt: skip
    pos = {s: i for i, s in enumerate(starts)}
    n = len(starts)

    def on_axis(times: Any, values: Any) -> list[float | None]:
        arr: list[float | None] = [None] * n
        for s, x in zip(pd.to_datetime(times), _num(values), strict=True):
            if s in pos:
                arr[pos[s]] = x
        return arr

    lo = on_axis(fc["interval_start"], fc["lo_80"]) if "lo_80" in fc else [None] * n
    hi = on_axis(fc["interval_start"], fc["hi_80"]) if "hi_80" in fc else [None] * n
    width = [
        None if a is None or b is None else round(b - a, 1) for a, b in zip(lo, hi, strict=True)
    ]
    names = {k: t(f"web_planner_s_{k}", lang) for k in
             ("history", "actual", "forecast", "adjusted", "band")}  # fmt: skip
    series: list[dict[str, Any]] = [
        {"name": names["band"], "type": "line", "data": lo, "stack": "band", "symbol": "none",
         "lineStyle": {"opacity": 0}, "silent": True, "tooltip": {"show": False}},
        {"name": names["band"], "type": "line", "data": width, "stack": "band", "symbol": "none",
         "lineStyle": {"opacity": 0}, "areaStyle": {"color": "#84caff", "opacity": 0.35}},
        {"name": names["history"], "type": "line", "symbol": "none", "color": "#667085",
         "data": on_axis(before["interval_start"], before["arrivals"])},
        {"name": names["forecast"], "type": "line", "symbol": "none", "color": "#1570ef",
         "lineStyle": {"type": "dashed"}, "data": on_axis(fc["interval_start"], fc["forecast"])},
        {"name": names["adjusted"], "type": "line", "symbol": "none", "color": "#d92d20",
         "data": on_axis(fc["interval_start"], fc["adjusted"])},
    ]  # fmt: skip
    if len(actual):
        series.append({"name": names["actual"], "type": "line", "symbol": "none",
                       "color": "#039855",
                       "data": on_axis(actual["interval_start"], actual["arrivals"])})  # fmt: skip
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll", "data": [s["name"] for s in series[1:]]},
        "grid": {"left": 44, "right": 16, "top": 48, "bottom": 56},
        "xAxis": _axis_time(_times(starts)),
        "yAxis": {"type": "value", "name": t("web_planner_axis_contacts", lang)},
        "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}],
        "series": series,
    }


def agents_chart(v: PlannerView, lang: Lang) -> dict[str, Any]:
    """Required vs rostered agents per interval (balance table)."""
    b = v.balance.table
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 40, "right": 16, "top": 48, "bottom": 56},
        "xAxis": _axis_time(_times(b["interval_start"])),
        "yAxis": {"type": "value", "name": t("web_planner_axis_agents", lang), "minInterval": 1},
        "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}],
        "series": [
            {"name": t("web_planner_s_required", lang), "type": "line", "step": "end",
             "symbol": "none", "color": "#d92d20", "data": _num(b["required_agents"], 0)},
            {"name": t("web_planner_s_rostered", lang), "type": "line", "step": "end",
             "symbol": "none", "color": "#1570ef", "areaStyle": {"opacity": 0.12},
             "data": _num(b["planned_agents"], 1)},
        ],
    }  # fmt: skip


def cost_chart(v: PlannerView, lang: Lang) -> dict[str, Any] | None:
    """Cost per hour against agents in the busiest interval, the optimum marked."""
    c = v.cost
    if c is None:
        return None
    cur = c.curve[np.isfinite(c.curve["total"].to_numpy(dtype=np.float64))]
    agents = [str(int(a)) for a in cur["agents"]]
    opt = str(int(c.optimal_agents))
    req = str(int(c.required_agents))
    label = t("web_planner_optimum", lang)
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 52, "right": 16, "top": 56, "bottom": 40},
        "xAxis": {"type": "category", "data": agents, "name": t("web_planner_axis_agents", lang),
                  "nameLocation": "middle", "nameGap": 26},
        "yAxis": {"type": "value", "name": t("web_planner_axis_cost", lang, cur=v.costs.currency)},
        "series": [
            {"name": t("web_planner_s_service_cost", lang), "type": "line", "symbol": "none",
             "color": "#1570ef", "data": _num(cur["service_cost"])},
            {"name": t("web_planner_s_wait_cost", lang), "type": "line", "symbol": "none",
             "color": "#f79009", "data": _num(cur["wait_cost"])},
            {"name": t("web_planner_s_abandon_cost", lang), "type": "line", "symbol": "none",
             "color": "#7a5af8", "data": _num(cur["abandon_cost"])},
            {"name": t("web_planner_s_total_cost", lang), "type": "line", "symbol": "circle",
             "symbolSize": 4, "color": "#101828", "lineStyle": {"width": 3},
             "data": _num(cur["total"]),
             "markPoint": {"symbol": "circle", "symbolSize": 12,
                           "itemStyle": {"color": "#039855"},
                           "label": {"position": "top", "formatter": label + " {b}",
                                     "color": "#039855", "fontWeight": "bold"},
                           "data": [{"coord": [opt, round(c.optimal_cost_per_hour, 1)],
                                     "name": opt}]},
             "markLine": {"symbol": "none", "lineStyle": {"type": "dashed", "color": "#d92d20"},
                          "label": {"formatter": t("web_planner_target_line", lang)},
                          "data": [{"xAxis": req}]}},
        ],
    }  # fmt: skip


def _fmt(x: Any) -> Any:
    if isinstance(x, float):
        if not np.isfinite(x):
            return "∞" if x > 0 else ("" if np.isnan(x) else "−∞")
        return f"{x:,.2f}" if abs(x) < 10 else f"{x:,.1f}"
    if isinstance(x, pd.Timestamp):
        return f"{x:%Y-%m-%d %H:%M}"
    return "" if x is None else x


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    return [{c: _fmt(r.get(c)) for c in columns} for r in frame.to_dict("records")]


def tables(v: PlannerView, lang: Lang) -> dict[str, pd.DataFrame]:
    """Every table of the planner as a frame (for the downloads and the table views)."""
    adj = pd.DataFrame([{**a.to_dict(), "cli": a.text} for a in v.adjustments])
    record = v.forecast.adjustments
    if len(adj) and len(record) == len(adj):
        adj["intervals_touched"] = record["intervals_touched"].to_numpy()
        adj["status"] = record["status"].to_numpy()
    out = {
        "forecast": v.forecast.table,
        "history": v.history,
        "backtest": v.forecast.backtest,
        "adjustments": adj,
        "staffing": v.staff.table,
        "balance": v.balance.table,
        "comparison": v.plan.comparison if v.plan is not None else pd.DataFrame(),
        "cost_curve": v.cost.curve if v.cost is not None else pd.DataFrame(),
        "recommendations": v.balance.recommendations,
        "roster": v.roster.to_frame()
        if v.roster is not None
        else pd.DataFrame(columns=["start", "end", "count"]),
    }
    return out


def _plain_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Local times as text (a spreadsheet has no time zones)."""
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M")
        elif out[c].dtype == object and len(out) and isinstance(out[c].iloc[0], pd.Timestamp):
            out[c] = [f"{x:%Y-%m-%d %H:%M}" if isinstance(x, pd.Timestamp) else x for x in out[c]]
    return out


def _context(request: Request, v: PlannerView, lang: Lang, access: Access) -> dict[str, Any]:
    fc = v.forecast
    best = fc.backtest[fc.backtest["model"] == fc.best_model]
    query = {k: v_ for k, v_ in _params(request).items() if v_}
    dl = f"/w/{access.workspace}/planner/data/{{}}" + ("?" + urlencode(query) if query else "")
    b = v.balance.table
    fc_cols = ["interval_start", "forecast", "adjusted", "lo_80", "hi_80", "day_type"]
    fc_cols = [c for c in fc_cols if c in fc.table.columns]
    cost = cost_chart(v, lang)
    return {
        "v": v,
        "ws": access.workspace,
        "best": best.iloc[0].to_dict() if len(best) else None,
        "backtest": _rows(fc.backtest, ["model", "mae", "rmse", "smape", "mase", "n_windows"]),
        "forecast_chart": forecast_chart(v, lang),
        "forecast_cols": [(c, t(f"web_planner_c_{c}", lang)) for c in fc_cols],
        "forecast_rows": _rows(fc.table, fc_cols),
        "agents_chart": agents_chart(v, lang),
        "agents_cols": [
            (c, t(f"web_planner_c_{c}", lang))
            for c in (
                "interval_start",
                "calls",
                "required_agents",
                "planned_agents",
                "gap_agents",
                "status",
                "service_level",
            )
        ],
        "agents_rows": _rows(
            b,
            [
                "interval_start",
                "calls",
                "required_agents",
                "planned_agents",
                "gap_agents",
                "status",
                "service_level",
            ],
        ),
        "cost_chart": cost,
        "cost_cols": [
            (c, t(f"web_planner_c_{c}", lang))
            for c in ("agents", "service_cost", "wait_cost", "abandon_cost", "total")
        ],
        "cost_rows": _rows(
            v.cost.curve, ["agents", "service_cost", "wait_cost", "abandon_cost", "total"]
        )
        if v.cost is not None
        else [],
        "comparison": v.plan.comparison.to_dict("records") if v.plan is not None else [],
        "recs": v.balance.recommendations.to_dict("records"),
        "adjs": _adjustment_rows(v),
        "dl": dl,
        "staffing_models": list(STAFFING_MODELS),
        "forecast_models": FORECAST_MODELS,
        "cli_prefix": f"servgap -w {access.workspace}",
        "beyond": float(b["customers_beyond_tolerance"].sum()),
        "abandonments": float(b["abandonments"].sum()),
        "fmt": _fmt,
    }


def _adjustment_rows(v: PlannerView) -> list[dict[str, Any]]:
    """The stored adjustments with the intervals each touched in this forecast."""
    record = v.forecast.adjustments
    out = []
    for i, a in enumerate(v.adjustments):
        row: dict[str, Any] = {"a": a, "touched": "", "status": ""}
        if len(record) == len(v.adjustments):
            row["touched"] = int(record["intervals_touched"].iloc[i])
            row["status"] = str(record["status"].iloc[i])
        out.append(row)
    return out


def _message(exc: ServgapError, lang: Lang) -> str:
    """The error in the page's words: field names as their labels, the first problems."""
    msg = exc.zh if lang == "zh" else exc.en
    for f, label in _labels(lang).items():
        msg = msg.replace(f"`{f}`", f"“{label}”")
    rows = [p.zh if lang == "zh" else p.en for p in exc.problems[:5]]
    return " ".join([msg, *rows])


def json_error(request: Request, exc: ServgapError, lang: Lang) -> Response:
    """The error as the API gives it (``ok``, ``code``, ``error``, ``fields`` …)."""
    return JSONResponse(error_body(exc, lang), status_code=exc.status)


def _render(request: Request, ctx: dict[str, Any], status: int = 200) -> Response:
    return render(request, "planner.html", ctx, status=status)


def _base(access: Access, params: dict[str, str], store: Any) -> dict[str, Any]:
    query = {k: x for k, x in params.items() if x}
    return {"ws": access.workspace, "q": params, "errors": {}, "adj_form": {},
            "request_qs": ("?" + urlencode(query)) if query else "",
            "queues": demand_queues(store, workspace=access.workspace),
            "staffing_models": list(STAFFING_MODELS), "forecast_models": FORECAST_MODELS,
            "v": None}  # fmt: skip


async def _show(
    request: Request,
    store: Any,
    access: Access,
    lang: Lang,
    *,
    errors: dict[str, str] | None = None,
    adj_form: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    params = _params(request)
    request.state.field_labels = _labels(lang)
    base = await run_in_threadpool(lambda: _base(access, params, store))
    base.update(errors=errors or {}, adj_form=adj_form or {}, notice=notice)
    if not base["queues"] and not wants_json(request):
        return _render(request, base)
    try:
        query = query_of(params)
        v = await run_in_threadpool(
            lambda: planner_view(store, workspace=access.workspace, **query)
        )
    except ServgapError as exc:
        if wants_json(request):
            return json_error(request, exc, lang)
        msg = _message(exc, lang)
        fields = [f for f in exc.fields if f in (*FILTERS, *ADJ_FIELDS)]
        base["errors"] = {**{f: msg for f in fields}, **base["errors"]}
        base["filter_error"] = msg
        return _render(request, base, status=exc.status if exc.status >= 400 else 422)
    ctx = {**base, **_context(request, v, lang, access)}
    ctx["errors"] = base["errors"]
    status = 422 if errors else 200
    if wants_json(request):
        return page(request, "planner.html", ctx, data=view_data(v))
    return _render(request, ctx, status=status)


# --------------------------------------------------------------------------- routes


@router.get("/w/{ws}/planner")
@router.get("/w/{ws}/planner.json")
async def planner_page(
    ws: str, request: Request, store: StoreDep, access: Planner, lang: LangDep
) -> Response:
    notice = (
        t("web_planner_saved", lang)
        if request.query_params.get("saved")
        else t("web_planner_roster_saved", lang)
        if request.query_params.get("roster")
        else None
    )
    return await _show(request, store, access, lang, notice=notice)


@router.get("/w/{ws}/planner/data/{table}")
async def planner_data(
    ws: str, table: str, request: Request, store: StoreDep, access: Planner, lang: LangDep
) -> Response:
    if table not in TABLES:
        raise InputError(
            f"`table` {table!r} is not a table of the planner: {', '.join(TABLES)}.",
            f"`table` {table!r} 不是规划页的表：{'、'.join(TABLES)}。",
            fields=("table",),
        )
    fmt = request.query_params.get("format", "csv")
    query = query_of(_params(request))
    v = await run_in_threadpool(lambda: planner_view(store, workspace=access.workspace, **query))
    frame = _plain_times(tables(v, lang)[table])
    return download(frame, f"planner_{v.site}_{v.queue}_{table}", fmt)


def _redirect(access: Access, params: dict[str, str], **extra: str) -> RedirectResponse:
    q = {k: x for k, x in params.items() if x}
    q.update(extra)
    url = f"/w/{access.workspace}/planner" + ("?" + urlencode(q) if q else "")
    return RedirectResponse(url, status_code=303)


@router.post("/w/{ws}/planner/adjustments")
async def add_adjustment_form(
    ws: str,
    request: Request,
    store: StoreDep,
    access: Planner,
    lang: LangDep,
    start: Annotated[str, Form(max_length=40)] = "",
    end: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=10)] = "factor",
    value: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Save an expert adjustment of the planner's queue (author: the signed-in user)."""
    params = _params(request)
    request.state.field_labels = _labels(lang)
    form = {"start": start, "end": end, "kind": kind, "value": value, "reason": reason}
    try:
        query = query_of(params)
        current = await run_in_threadpool(
            lambda: planner_view(store, workspace=access.workspace, **query)
        )
        s_at, e_at, factor, add, text = check_adjustment(
            start=start, end=end, kind=kind, value=value, reason=reason,
            tz=current.timezone, forecast=current.forecast.table,
        )  # fmt: skip
        await run_in_threadpool(
            lambda: add_adjustment(
                store, workspace=access.workspace, site=current.site, queue=current.queue,
                start=s_at, end=e_at, factor=factor, add=add, author=access.principal.email,
                reason=text,
            )
        )  # fmt: skip
    except ServgapError as exc:
        if wants_json(request):
            return json_error(request, exc, lang)
        msg = _message(exc, lang)
        errors = {f: msg for f in exc.fields} or {"reason": msg}
        return await _show(request, store, access, lang, errors=errors, adj_form=form)
    return _redirect(access, params, saved="1")


@router.post("/w/{ws}/planner/adjustments/{adjustment_id}/delete")
async def delete_adjustment_form(
    ws: str, adjustment_id: int, request: Request, store: StoreDep, access: Planner
) -> Response:
    """Remove an expert adjustment."""
    await run_in_threadpool(
        lambda: delete_adjustment(store, workspace=access.workspace, adjustment_id=adjustment_id)
    )
    return _redirect(access, _params(request))


@router.post("/w/{ws}/planner/roster")
async def roster_form(
    ws: str, request: Request, store: StoreDep, access: Planner, lang: LangDep
) -> Response:
    """Upload the queue's roster (CSV/XLSX: start, end, count); it replaces the previous one
    and the balance is computed against it from then on."""
    params = _params(request)
    request.state.field_labels = _labels(lang)
    form = await request.form(max_files=1, max_fields=20)
    try:
        upload = form.get("roster")
        name = upload.filename if isinstance(upload, UploadFile) else None
        body = await upload.read(MAX_ROSTER_BYTES + 1) if isinstance(upload, UploadFile) else b""
    finally:
        await form.close()
    try:
        if not name:
            raise InputError("`roster`: choose a roster file (CSV or XLSX with start, end, count).",
                             "`roster`：请选择排班文件（含 start、end、count 列的 CSV 或 XLSX）。",
                             fields=("roster",))  # fmt: skip
        suffix = Path(name).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise InputError(f"`roster` {name!r}: send a .csv or .xlsx file.",
                             f"`roster` {name!r}：请上传 .csv 或 .xlsx 文件。",
                             fields=("roster",))  # fmt: skip
        if len(body) > MAX_ROSTER_BYTES:
            raise InputError(f"`roster` is larger than {MAX_ROSTER_BYTES // 1024} KB.",
                             f"`roster` 超过 {MAX_ROSTER_BYTES // 1024} KB。",
                             fields=("roster",))  # fmt: skip
        query = query_of(params)
        v = await run_in_threadpool(
            lambda: planner_view(store, workspace=access.workspace, **query)
        )
        last = pd.Timestamp(v.forecast.table["interval_start"].max()).to_pydatetime()
        now = max(dt.datetime.now(dt.UTC), last + dt.timedelta(days=1))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(name).name
            path.write_bytes(body)
            shifts = await run_in_threadpool(
                lambda: read_roster_shifts(path, v.timezone, now=now, max_bytes=MAX_ROSTER_BYTES)
            )
        await run_in_threadpool(
            lambda: save_roster(store, workspace=access.workspace, site=v.site, queue=v.queue,
                                shifts=shifts, uploaded_by=access.principal.email)
        )  # fmt: skip
    except ServgapError as exc:
        if wants_json(request):
            return json_error(request, exc, lang)
        return await _show(request, store, access, lang, errors={"roster": _message(exc, lang)})
    return _redirect(access, params, roster="1")


@router.post("/w/{ws}/planner/roster/delete")
async def clear_roster_form(
    ws: str, request: Request, store: StoreDep, access: Planner, lang: LangDep
) -> Response:
    """Remove the queue's roster: the balance uses the staff recorded with the demand again."""
    params = _params(request)
    query = query_of(params)
    v = await run_in_threadpool(lambda: planner_view(store, workspace=access.workspace, **query))
    await run_in_threadpool(
        lambda: clear_roster(store, workspace=access.workspace, site=v.site, queue=v.queue)
    )
    return _redirect(access, params)
