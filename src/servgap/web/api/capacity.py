"""Capacity: forecast, staff and plan a stored queue, with the figures of
``servgap capacity forecast|staff|plan --json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from servgap.core._result import to_plain
from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
)
from servgap.services.planning import forecast_queue, plan_queue, staff_queue
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["capacity"])

Analyst = Annotated[Access, Depends(InWorkspace(*ANALYSTS))]
Site = Annotated[str, Query(max_length=64, description="Site code (e.g. cc_hotline).")]
Queue = Annotated[
    str | None, Query(max_length=64, description="Queue name; optional if the site has one.")
]
Until = Annotated[
    str | None, Query(max_length=40, description="Use history before this local time only.")
]
Models = Annotated[
    str | None, Query(max_length=200, description="Forecast models, comma-separated.")
]
Adjust = Annotated[
    list[str] | None,
    Query(max_length=20, description='Expert adjustment "START..END:x1.8:AUTHOR:REASON".'),
]
Horizon = Annotated[
    int | None, Query(ge=1, le=4032, description="Forecast this many intervals (336: a week).")
]
LastDays = Annotated[float, Query(gt=0, le=366, description="Days of history to plan for.")]
Patience = Annotated[
    str, Query(max_length=20, pattern=r"^(auto|none|\d+(\.\d+)?)$",
               description="auto (estimated), SECONDS, or none (Erlang C).")
]  # fmt: skip
SlDefinition = Literal["offered", "answered", "all"]


def _models(text: str | None, default: tuple[str, ...]) -> list[str]:
    if not text:
        return list(default)
    return [m.strip() for m in text.split(",") if m.strip()]


def _patience(text: str) -> str | None:
    return None if text == "none" else text


def _plain(result: Any, drop: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = to_plain(result)
    for k in drop:
        out.pop(k, None)
    return {"ok": True, "result": out}


@router.get("/workspaces/{ws}/capacity/forecast")
async def forecast(
    ws: str,
    store: StoreDep,
    access: Analyst,
    site: Site,
    queue: Queue = None,
    until: Until = None,
    horizon: Annotated[int, Query(ge=1, le=4032, description="Intervals to forecast.")] = 336,
    models: Models = None,
    adjust: Adjust = None,
    windows: Annotated[int, Query(ge=1, le=8, description="Backtest windows.")] = 2,
) -> dict[str, Any]:
    """Forecast a queue's demand with a backtest, with and without expert adjustments."""
    res = await run_in_threadpool(
        lambda: forecast_queue(
            store, workspace=access.workspace, site=site, queue=queue, until=until,
            horizon=horizon, models=_models(models, ("auto_ets", "mstl", "seasonal_naive")),
            adjustments=adjust or (), windows=windows,
        )
    )  # fmt: skip
    return _plain(res, ("result",))


@router.get("/workspaces/{ws}/capacity/staff")
async def staff(
    ws: str,
    store: StoreDep,
    access: Analyst,
    site: Site,
    queue: Queue = None,
    until: Until = None,
    horizon: Horizon = None,
    models: Models = None,
    adjust: Adjust = None,
    last_days: LastDays = 7.0,
    target_sl: Annotated[float, Query(gt=0, lt=1)] = 0.8,
    target_wait: Annotated[float, Query(ge=0, le=86400, description="Seconds.")] = 20.0,
    patience: Patience = "auto",
    sl_definition: SlDefinition = "offered",
    max_occupancy: Annotated[float | None, Query(gt=0, le=1)] = None,
    shrinkage: Annotated[float, Query(ge=0, lt=1)] = 0.0,
    aht: Annotated[float | None, Query(gt=0, le=86400, description="AHT in seconds.")] = None,
) -> dict[str, Any]:
    """Agents needed per interval for a service-level target (Erlang A/C)."""
    res = await run_in_threadpool(
        lambda: staff_queue(
            store, workspace=access.workspace, site=site, queue=queue, until=until,
            horizon=horizon, models=_models(models, ("seasonal_naive",)),
            adjustments=adjust or (), last_days=last_days, target_sl=target_sl,
            target_wait_s=target_wait, patience=_patience(patience),
            sl_definition=sl_definition, max_occupancy=max_occupancy, shrinkage=shrinkage,
            aht_s=aht,
        )
    )  # fmt: skip
    return _plain(res, ("result",))


@router.get("/workspaces/{ws}/capacity/plan")
async def plan(
    ws: str,
    store: StoreDep,
    access: Analyst,
    site: Site,
    queue: Queue = None,
    until: Until = None,
    horizon: Horizon = None,
    models: Models = None,
    adjust: Adjust = None,
    last_days: LastDays = 7.0,
    survey: Annotated[str | None, Query(max_length=64, description="Survey with the item.")] = None,
    item: Annotated[str, Query(max_length=64, description="Three-column wait item.")] = "wait",
    survey_site: Annotated[str | None, Query(max_length=64)] = None,
    coverage: Annotated[float, Query(gt=0, lt=1)] = 0.8,
    patience: Patience = "auto",
    sl_definition: SlDefinition = "offered",
    agent_cost_per_hour: Annotated[float, Query(ge=0, le=1e6)] = DEFAULT_AGENT_COST_PER_HOUR,
    wait_cost_per_hour: Annotated[float, Query(ge=0, le=1e6)] = DEFAULT_WAIT_COST_PER_HOUR,
    abandon_cost: Annotated[float, Query(ge=0, le=1e6)] = DEFAULT_ABANDON_COST,
) -> dict[str, Any]:
    """Staff to customers' own tolerance zone; the cost of the desired vs the adequate wait."""
    res = await run_in_threadpool(
        lambda: plan_queue(
            store, workspace=access.workspace, site=site, queue=queue, until=until,
            horizon=horizon, models=_models(models, ("seasonal_naive",)),
            adjustments=adjust or (), last_days=last_days, survey=survey, item=item,
            survey_site=survey_site, coverage=coverage, patience=_patience(patience),
            sl_definition=sl_definition, agent_cost_per_hour=agent_cost_per_hour,
            wait_cost_per_hour=wait_cost_per_hour, abandon_cost=abandon_cost,
        )
    )  # fmt: skip
    return _plain(res, ("result", "table"))
