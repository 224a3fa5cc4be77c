"""Pages of the web app: alerts with their evidence, acknowledgement and improvement actions.

Every figure comes from :mod:`servgap.services.alerts` (the same calls as ``servgap alerts
list --json``); this module parses the request, calls the service and renders.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.alerts import KANO_LABELS, KINDS
from servgap.core.errors import InputError
from servgap.i18n import Lang, t
from servgap.services.alerts import (
    ACTION_STATES,
    ALERT_STATES,
    AlertRecord,
    acknowledge,
    get_alert,
    list_actions,
    list_alerts,
    set_action_state,
)
from servgap.services.improvement import (
    action_plan,
    alert_plan,
    check_action,
    open_improvement,
    short_board_plan,
)
from servgap.services.portal import workspace_overview
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.templating import download, page

router = APIRouter()

Analyst = Annotated[Access, Depends(InWorkspace(*ANALYSTS, page=True))]

NUMBER_KEYS = (
    "n", "msa", "msa_ci_low", "msa_ci_high", "confidence", "mss", "share_below",
    "share_inside", "share_above", "mean", "value", "count", "centre", "c_bar", "lcl", "ucl",
    "sigma_within", "sigma", "base_periods", "base_months", "poisson_p", "previous_period",
    "previous_category", "category", "n_previous", "chi2", "dof", "p_value", "alpha", "min_n",
)  # fmt: skip
SEVERITY_COLOR = {"high": "#d92d20", "medium": "#dc6803", "low": "#1570ef"}


def fmt(value: Any) -> str:
    """A figure as shown in the pages' tables."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != 0 and abs(value) < 0.001:
            return f"{value:.2e}"
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _state_filter(state: str | None) -> str | None:
    """The list's state filter: open by default, ``all`` for every state."""
    if state in (None, ""):
        return "open"
    if state == "all":
        return None
    if state not in ALERT_STATES:
        raise InputError(
            f"`state` {state!r} is not one of all, {', '.join(ALERT_STATES)}.",
            f"`state` {state!r} 不是以下之一：all、{'、'.join(ALERT_STATES)}。",
            fields=("state",),
        )
    return state


@router.get("/w/{ws}/alerts")
@router.get("/w/{ws}/alerts.json")
def alerts_page(
    ws: str,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    state: str | None = None,
    kind: str | None = None,
    site: str | None = None,
) -> Response:
    chosen = _state_filter(state)
    res = list_alerts(store, access.workspace, state=chosen, kind=kind or None,
                      sites=[site] if site else None)  # fmt: skip
    sites = sorted({a.site for a in list_alerts(store, access.workspace).alerts if a.site})
    ctx = {
        "res": res,
        "state": state or "open",
        "kind": kind or "",
        "site": site or "",
        "states": ALERT_STATES,
        "kinds": [(k, v[1] if lang == "zh" else v[0]) for k, v in KINDS.items()],
        "sites": sites,
        "ws": access.workspace,
    }
    return page(request, "alerts.html", ctx, data=res.to_dict())


# ------------------------------------------------------------------ one alert


def subject_text(a: AlertRecord, lang: Lang) -> str:
    """What the alert is about, in words: "site = gz_baiyun · 可靠性", "响应性 · 适当服务水平"."""
    from servgap.core.survey import dimension_label

    parts = []
    if a.subject_type == "all":
        everyone = (
            "web_alerts_all_complaints" if a.kind == "complaints_rising" else "web_alerts_everyone"
        )
        parts.append(t(everyone, lang))
    else:
        parts.append(f"{a.subject_type} = {a.subject}")
    if a.aspect:
        dim, _, level = a.aspect.partition(":")
        text = dimension_label(dim, lang)
        if level in ("adequate", "desired"):
            text += " · " + t(f"web_alerts_level_{level}", lang)
        parts.append(text)
    return " · ".join(parts)


def _num_label(key: str, lang: Lang) -> str:
    return t(f"web_alerts_num_{key}", lang) if key in NUMBER_KEYS else key


def numbers_rows(a: AlertRecord, lang: Lang) -> list[dict[str, str]]:
    nums = a.evidence.get("numbers") or {}
    order = [k for k in NUMBER_KEYS if k in nums] + [k for k in nums if k not in NUMBER_KEYS]
    return [{"name": _num_label(k, lang), "key": k, "value": fmt(nums[k])} for k in order]


def evidence_frame(a: AlertRecord) -> pd.DataFrame:
    """The evidence's series (or table) as the download's rows."""
    series = a.evidence.get("series") or []
    if series:
        return pd.DataFrame(series, columns=["period", "n", "value", "centre", "low", "high"])
    table = a.evidence.get("table") or []
    if table:
        return pd.DataFrame(table)
    nums = a.evidence.get("numbers") or {}
    return pd.DataFrame({"name": list(nums), "value": list(nums.values())})


def _series_labels(a: AlertRecord, lang: Lang) -> tuple[str, str, str, str]:
    interval = a.evidence.get("series_kind") == "interval"
    value = {
        "below_adequate": "MSA",
        "expectations_rising": t("web_alerts_mean_level", lang),
        "score_out_of_control": a.aspect.upper(),
        "complaints_rising": t("web_alerts_count", lang),
    }.get(a.kind, t("web_alerts_value", lang))
    if interval:
        return (
            value,
            t("web_alerts_ci_low", lang),
            t("web_alerts_ci_high", lang),
            t("web_alerts_adequate_line", lang),
        )
    return value, t("web_alerts_lcl", lang), t("web_alerts_ucl", lang), t("web_alerts_centre", lang)


def chart_spec(a: AlertRecord, lang: Lang) -> dict[str, Any] | None:
    """The ECharts option, columns and rows of the evidence chart (None: no chart)."""
    series = a.evidence.get("series") or []
    if series:
        value, low, high, centre = _series_labels(a, lang)
        periods = [str(p["period"]) for p in series]
        last = len(series) - 1
        color = SEVERITY_COLOR.get(a.severity, "#d92d20")
        values = [
            {"value": p["value"], "itemStyle": {"color": color}, "symbolSize": 12}
            if i == last else p["value"]
            for i, p in enumerate(series)
        ]  # fmt: skip
        dashed = {"type": "dashed", "width": 1}
        option = {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0, "data": [value, high, centre, low]},
            "grid": {"left": 56, "right": 24, "top": 40, "bottom": 36},
            "xAxis": {"type": "category", "data": periods},
            "yAxis": {"type": "value", "scale": True},
            "series": [
                {"name": value, "type": "line", "data": values, "symbolSize": 8,
                 "lineStyle": {"width": 2}, "color": "#1d2939"},
                {"name": high, "type": "line", "data": [p["high"] for p in series],
                 "symbol": "none", "lineStyle": dashed, "color": "#d92d20"},
                {"name": centre, "type": "line", "data": [p["centre"] for p in series],
                 "symbol": "none", "lineStyle": {"type": "dotted", "width": 1}, "color": "#667085"},
                {"name": low, "type": "line", "data": [p["low"] for p in series],
                 "symbol": "none", "lineStyle": dashed, "color": "#d92d20"},
            ],
        }  # fmt: skip
        columns = [("period", t("web_alerts_period", lang)), ("n", "n"), ("value", value),
                   ("low", low), ("centre", centre), ("high", high)]  # fmt: skip
        rows = [{k: fmt(p.get(k)) if k != "period" else p["period"] for k, _ in columns}
                for p in series]  # fmt: skip
        return {"option": option, "columns": columns, "rows": rows}
    table = a.evidence.get("table") or []
    if a.kind == "kano_shift" and table:
        cats = ["A", "O", "M", "I", "R", "Q"]
        names = [KANO_LABELS[c][1 if lang == "zh" else 0] for c in cats]
        option = {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0},
            "grid": {"left": 48, "right": 16, "top": 40, "bottom": 36},
            "xAxis": {"type": "category", "data": names},
            "yAxis": {"type": "value", "name": t("web_alerts_answers", lang)},
            "series": [{"name": str(r["period"]), "type": "bar", "data": [r[c] for c in cats]}
                       for r in table],
        }  # fmt: skip
        columns = [("period", t("web_alerts_period", lang)), ("n", "n")]
        columns += [(c, f"{c} {n}") for c, n in zip(cats, names, strict=True)]
        columns += [("category", t("web_alerts_num_category", lang)), ("better", "Better"),
                    ("worse", "Worse")]  # fmt: skip
        rows = [{k: fmt(r.get(k)) for k, _ in columns} for r in table]
        return {"option": option, "columns": columns, "rows": rows}
    return None


@router.get("/w/{ws}/alerts/{alert_id}")
@router.get("/w/{ws}/alerts/{alert_id}.json")  # registered first: {alert_id} would take "1.json"
def alert_page(
    ws: str, alert_id: int, request: Request, store: StoreDep, access: Analyst, lang: LangDep
) -> Response:
    a, actions = get_alert(store, access.workspace, alert_id)
    ctx = {
        "a": a,
        "actions": actions,
        "numbers": numbers_rows(a, lang),
        "subject": subject_text(a, lang),
        "chart": chart_spec(a, lang),
        "ws": access.workspace,
        "action_states": ACTION_STATES,
        "acked": request.query_params.get("done"),
    }
    return page(
        request,
        "alerts_detail.html",
        ctx,
        data={"alert": a.to_dict(), "actions": [x.to_dict() for x in actions]},
    )


@router.get("/w/{ws}/alerts/{alert_id}/evidence")
def alert_evidence(
    ws: str, alert_id: int, store: StoreDep, access: Analyst, format: str = "csv"
) -> Response:
    """The alert's evidence numbers (the chart's series) as CSV or XLSX."""
    a, _ = get_alert(store, access.workspace, alert_id)
    return download(evidence_frame(a), f"alert_{a.id}_evidence", format)


@router.post("/w/{ws}/alerts/{alert_id}/ack")
def alert_ack(
    ws: str,
    alert_id: int,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    request.state.field_labels = {"note": t("web_alerts_note", lang)}
    acknowledge(store, access.workspace, alert_id, by=access.principal.email, note=note)
    return RedirectResponse(f"/w/{access.workspace}/alerts/{alert_id}?done=ack", status_code=303)


@router.post("/w/{ws}/alerts/{alert_id}/actions")
def alert_open_action(
    ws: str,
    alert_id: int,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    title: Annotated[str, Form(max_length=400)] = "",
    owner: Annotated[str, Form(max_length=400)] = "",
    due_date: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    request.state.field_labels = {
        f: t(f"web_alerts_field_{f}", lang) for f in ("title", "owner", "due_date", "note")
    }
    a, _ = get_alert(store, access.workspace, alert_id)
    plan = alert_plan(store, workspace=access.workspace, alert=a)
    open_improvement(store, workspace=access.workspace, alert_id=alert_id, title=title,
                     owner=owner, due_date=due_date or None, note=note or None,
                     created_by=access.principal.email, plan=plan)  # fmt: skip
    return RedirectResponse(f"/w/{access.workspace}/alerts/{alert_id}?done=action", status_code=303)


# ------------------------------------------------------------------ improvement actions


@router.get("/w/{ws}/actions")
@router.get("/w/{ws}/actions.json")
def actions_page(
    ws: str,
    request: Request,
    store: StoreDep,
    access: Analyst,
    state: str | None = None,
) -> Response:
    acts = list_actions(store, access.workspace, state=state or None)
    surveys = workspace_overview(store, workspace=access.workspace).surveys
    ctx = {"actions": acts, "state": state or "", "states": ACTION_STATES, "ws": access.workspace,
           "surveys": surveys}  # fmt: skip
    return page(request, "actions.html", ctx, data={"actions": [x.to_dict() for x in acts]})


PLAN_FIELDS = ("title", "owner", "theme", "site", "survey", "metric", "target", "baseline_period",
               "check_period", "due_date", "note", "period")  # fmt: skip


def _plan_labels(lang: Lang) -> dict[str, str]:
    return {f: t(f"web_actions_field_{f}", lang) for f in PLAN_FIELDS}


@router.post("/w/{ws}/actions")
def action_new(
    ws: str,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    title: Annotated[str, Form(max_length=400)] = "",
    owner: Annotated[str, Form(max_length=400)] = "",
    theme: Annotated[str, Form(max_length=400)] = "",
    site: Annotated[str, Form(max_length=64)] = "",
    survey: Annotated[str, Form(max_length=64)] = "",
    metric: Annotated[str, Form(max_length=100)] = "",
    target: Annotated[str, Form(max_length=40)] = "",
    lower_is_better: Annotated[str, Form(max_length=5)] = "",
    baseline_period: Annotated[str, Form(max_length=40)] = "",
    check_period: Annotated[str, Form(max_length=40)] = "",
    due_date: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    short_board: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Open an action with its plan (by hand, or on the short board)."""
    request.state.field_labels = _plan_labels(lang)
    if short_board:
        default_title, plan = short_board_plan(store, workspace=access.workspace,
                                               survey=survey or None,
                                               period=baseline_period or None, lang=lang)  # fmt: skip
        title = title or default_title
    else:
        plan = action_plan(store, workspace=access.workspace, theme=theme, site=site,
                           survey=survey or None, metric=metric, target=target or None,
                           higher_is_better=not lower_is_better, baseline_period=baseline_period,
                           check_period=check_period)  # fmt: skip
    open_improvement(store, workspace=access.workspace, title=title, owner=owner, plan=plan,
                     due_date=due_date or None, note=note or None,
                     created_by=access.principal.email)  # fmt: skip
    return RedirectResponse(f"/w/{access.workspace}/actions", status_code=303)


@router.post("/w/{ws}/actions/{action_id}/check")
def action_check(
    ws: str,
    action_id: int,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    period: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Run the follow-up check of an action now (stored with the action)."""
    request.state.field_labels = _plan_labels(lang)
    check_action(store, workspace=access.workspace, action_id=action_id, period=period or None)
    return RedirectResponse(f"/w/{access.workspace}/actions#action-{action_id}", status_code=303)


@router.post("/w/{ws}/actions/{action_id}/state")
def action_state(
    ws: str,
    action_id: int,
    request: Request,
    store: StoreDep,
    access: Analyst,
    lang: LangDep,
    state: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    request.state.field_labels = {"state": t("web_alerts_field_state", lang)}
    set_action_state(store, access.workspace, action_id, state)
    return RedirectResponse(f"/w/{access.workspace}/actions", status_code=303)
