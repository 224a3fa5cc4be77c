"""Capacity planning for one stored queue, in one call per question: the forecast, the agents
for a service target, and the staffing to customers' own tolerance zone.

Each function loads the queue's demand history from the store and calls the functions of
:mod:`servgap.services.capacity` the way ``servgap capacity forecast|staff|plan`` calls them,
with the same defaults, so a face that names a queue (the web API) gives the figures of the
command line's ``--json``.
"""

from __future__ import annotations

from collections.abc import Sequence

from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
)
from servgap.services import capacity as svc
from servgap.services.analysis import choose_survey
from servgap.services.context import Store

FORECAST_MODELS: tuple[str, ...] = ("auto_ets", "mstl", "seasonal_naive")
PLANNING_MODELS: tuple[str, ...] = ("seasonal_naive",)


def queue_history(
    store: Store, *, workspace: str, site: str, queue: str | None = None, until: str | None = None
) -> svc.DemandHistory:
    """The queue's demand history, before ``until`` (local time) when given."""
    hist = svc.load_demand(store, workspace=workspace, site=site, queue=queue)
    return svc.cut_history(hist, until=until)


def forecast_queue(
    store: Store,
    *,
    workspace: str,
    site: str,
    queue: str | None = None,
    until: str | None = None,
    horizon: int = 336,
    models: Sequence[str] = FORECAST_MODELS,
    adjustments: Sequence[str] = (),
    windows: int = 2,
) -> svc.CapacityForecast:
    """``servgap capacity forecast``: backtested forecast with expert adjustments."""
    hist = queue_history(store, workspace=workspace, site=site, queue=queue, until=until)
    return svc.run_forecast(hist, horizon=horizon, models=list(models), adjustments=adjustments,
                            backtest_windows=windows)  # fmt: skip


def _demand(
    hist: svc.DemandHistory,
    horizon: int | None,
    models: Sequence[str],
    adjustments: Sequence[str],
    last_days: float,
) -> svc.Demand:
    return svc.demand_for_planning(hist, horizon=horizon, models=list(models),
                                   adjustments=adjustments, last_days=last_days)  # fmt: skip


def staff_queue(
    store: Store,
    *,
    workspace: str,
    site: str,
    queue: str | None = None,
    until: str | None = None,
    horizon: int | None = None,
    models: Sequence[str] = PLANNING_MODELS,
    adjustments: Sequence[str] = (),
    last_days: float = 7.0,
    target_sl: float = 0.8,
    target_wait_s: float = 20.0,
    patience: str | float | None = "auto",
    sl_definition: svc.SLDef = "offered",
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    aht_s: float | None = None,
) -> svc.StaffPlan:
    """``servgap capacity staff``: agents per interval for a service-level target."""
    hist = queue_history(store, workspace=workspace, site=site, queue=queue, until=until)
    demand = _demand(hist, horizon, models, adjustments, last_days)
    return svc.run_staff(hist, demand, target_sl=target_sl, target_wait_s=target_wait_s,
                         patience=patience, sl_definition=sl_definition,
                         max_occupancy=max_occupancy, shrinkage=shrinkage, aht_s=aht_s)  # fmt: skip


def plan_queue(
    store: Store,
    *,
    workspace: str,
    site: str,
    queue: str | None = None,
    until: str | None = None,
    horizon: int | None = None,
    models: Sequence[str] = PLANNING_MODELS,
    adjustments: Sequence[str] = (),
    last_days: float = 7.0,
    survey: str | None = None,
    item: str = "wait",
    survey_site: str | None = None,
    coverage: float = 0.8,
    patience: str | float | None = "auto",
    sl_definition: svc.SLDef = "offered",
    agent_cost_per_hour: float = DEFAULT_AGENT_COST_PER_HOUR,
    wait_cost_per_hour: float = DEFAULT_WAIT_COST_PER_HOUR,
    abandon_cost: float = DEFAULT_ABANDON_COST,
) -> svc.TolerancePlan:
    """``servgap capacity plan``: staffing to the wait customers call adequate (``survey``'s
    three-column ``item``; default: the workspace's only survey), and the cost of the desired
    level."""
    hist = queue_history(store, workspace=workspace, site=site, queue=queue, until=until)
    demand = _demand(hist, horizon, models, adjustments, last_days)
    code = choose_survey(store, workspace=workspace, survey=survey)
    adequate, desired, unit = svc.survey_waits(store, workspace=workspace, survey=code,
                                               item=item, site=survey_site)  # fmt: skip
    return svc.run_plan(hist, demand, adequate, desired, unit=unit, survey=code, item=item,
                        coverage=coverage, patience=patience, sl_definition=sl_definition,
                        agent_cost_per_hour=agent_cost_per_hour,
                        wait_cost_per_hour=wait_cost_per_hour, abandon_cost=abandon_cost)  # fmt: skip
