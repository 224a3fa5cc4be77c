"""The promise register and the provider gaps in the browser: promised vs delivered vs
perceived vs adequate per promise, and gaps 1, 3, 4, 5 per attribute with where customers'
expectations come from. Figures from services.promises and services.gaps, the same as
``servgap promise check --json`` and the report's sections."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from servgap.core.promises import STATUS_WORDS
from servgap.core.requirements import word
from servgap.core.survey import option_label
from servgap.i18n import Lang, t
from servgap.services.analysis import unit_label
from servgap.services.gaps import expectation_insights, provider_gap_table
from servgap.services.promises import check_promises
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.templating import download, page

router = APIRouter()

Manager = Annotated[Access, Depends(InWorkspace(*ANALYSTS, page=True))]
Period = Annotated[str | None, Query(max_length=40)]
Survey = Annotated[str | None, Query(max_length=64)]
Fmt = Annotated[str, Query(max_length=8, alias="format")]


def _promise_chart(table: pd.DataFrame, lang: Lang) -> dict[str, Any]:
    """Promised vs delivered per promise in the promise's own unit (one bar pair each)."""
    names = [str(x) for x in table["promise"]]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": names},
        "yAxis": {"type": "value"},
        "series": [
            {"name": t("web_reg_promised", lang), "type": "bar",
             "data": [_num(v) for v in table["promised"]]},
            {"name": t("web_reg_delivered", lang), "type": "bar",
             "data": [_num(v) for v in table["delivered"]]},
            {"name": t("web_reg_adequate", lang), "type": "scatter", "symbolSize": 14,
             "data": [_num(v) if pd.notna(comparable) else None
                      for v, comparable in zip(table["adequate"], table["below_adequate"],
                                               strict=True)]},
        ],
    }  # fmt: skip


def _num(v: object) -> float | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if f != f else round(f, 3)


@router.get("/w/{ws}/promises")
@router.get("/w/{ws}/promises.json")
def promises_page(
    ws: str, request: Request, store: StoreDep, access: Manager, lang: LangDep,
    survey: Survey = None, period: Period = None,
) -> Response:  # fmt: skip
    period = period or None
    res = check_promises(store, workspace=access.workspace, survey=survey, period=period)
    table = res.table
    rows = []
    for r in table.to_dict("records"):
        rows.append({**r, "text": r["text_zh"] if lang == "zh" else r["text_en"],
                     "unit_label": unit_label(r["unit"], lang) if r["unit"] else "",
                     "status_label": word(STATUS_WORDS, r["status"], lang)})  # fmt: skip
    shown = table.drop(columns=[c for c in ("text_en" if lang == "zh" else "text_zh",)
                                if c in table.columns]) if len(table) else table  # fmt: skip
    ctx = {
        "rows": rows,
        "period": table["period"].iloc[0] if len(table) else period,
        "option": _promise_chart(table, lang) if len(table) else None,
        "columns": [(c, c) for c in shown.columns],
        "table_rows": shown.to_dict("records"),
        "download": f"/w/{access.workspace}/promises/data?period={period or ''}",
    }
    return page(request, "promises.html", ctx, data=res)


@router.get("/w/{ws}/promises/data")
def promises_data(
    ws: str, store: StoreDep, access: Manager, survey: Survey = None, period: Period = None,
    fmt: Fmt = "csv",
) -> Response:  # fmt: skip
    res = check_promises(store, workspace=access.workspace, survey=survey, period=period or None)
    return download(res.table, "promises", fmt)


@router.get("/w/{ws}/gaps")
@router.get("/w/{ws}/gaps.json")
async def gaps_page(
    ws: str, request: Request, store: StoreDep, access: Manager, lang: LangDep,
    survey: Survey = None, period: Period = None,
) -> Response:  # fmt: skip
    period = period or None
    gaps = await run_in_threadpool(
        lambda: provider_gap_table(store, workspace=access.workspace, survey=survey, period=period)
    )
    insights = await run_in_threadpool(
        lambda: expectation_insights(
            store, workspace=access.workspace, survey=survey, period=period
        )
    )
    tab = gaps.table
    rated = tab[tab["unit"].isna()]  # scale points only: a wait in minutes is in the table
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(x) for x in rated["item"]]},
        "yAxis": {"type": "value", "name": t("web_reg_points", lang)},
        "series": [
            {"name": t("web_reg_gap1_adequate", lang), "type": "bar",
             "data": [_num(v) for v in rated["gap1_adequate"]]},
            {"name": t("web_reg_gap1_desired", lang), "type": "bar",
             "data": [_num(v) for v in rated["gap1_desired"]]},
            {"name": t("web_reg_gap5", lang), "type": "line",
             "data": [_num(v) for v in rated["msa"]]},
        ],
    }  # fmt: skip
    sources = [
        (code, [{**r, "label": option_label(str(r["source"]), lang)}
                for r in prof.table.to_dict("records")])
        for code, prof in insights.sources
    ]  # fmt: skip
    rankings = [
        (code, [{**r, "label": option_label(str(r["option"]), lang)}
                for r in rank.table.to_dict("records")])
        for code, rank in insights.rankings
    ]  # fmt: skip
    ctx = {
        "gaps": [
            {
                **g,
                "text": g["text_zh"] if lang == "zh" else g["text_en"],
                "unit_label": unit_label(g["unit"], lang) if g["unit"] else "",
            }
            for g in tab.to_dict("records")
        ],
        "option": option if len(tab) else None,
        "columns": [(c, c) for c in tab.columns],
        "sources": sources,
        "rankings": rankings,
        "competitors": insights.competitors.table.to_dict("records"),
        "period": insights.period,
        "download": f"/w/{access.workspace}/gaps/data?period={period or ''}",
    }
    return page(request, "gaps.html", ctx, data={"gaps": gaps, "insights": insights})


@router.get("/w/{ws}/gaps/data")
def gaps_data(
    ws: str, store: StoreDep, access: Manager, survey: Survey = None, period: Period = None,
    fmt: Fmt = "csv",
) -> Response:  # fmt: skip
    res = provider_gap_table(store, workspace=access.workspace, survey=survey,
                             period=period or None)  # fmt: skip
    return download(res.table, "provider_gaps", fmt)
