"""Staffing a queue to a service-level target, interval by interval."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.queueing import SLDefinition
from servgap.core.staffing import StaffingResult, staff_to_target
from servgap.services.capacity.forecasting import Demand
from servgap.services.capacity.history import DemandHistory
from servgap.services.capacity.parameters import Patience, QueueParameters, queue_parameters


@dataclass(frozen=True)
class StaffPlan(ResultMixin):
    """Agents per interval for a service target.

    ``table``: ``interval_start``, ``calls``, ``agents``, ``scheduled`` (after
    shrinkage), ``service_level``, ``p_abandon``, ``asa_s``, ``occupancy``,
    ``binding``. ``agent_hours`` = Σ agents × interval hours (on the phones),
    ``scheduled_hours`` likewise for scheduled agents. ``model``: the staffing
    model; ``sl_definition``: the one in force (``erlang_c`` when nobody abandons).
    """

    site: str
    queue: str
    source: str
    model: str
    sl_definition: str
    target_sl: float
    target_wait_s: float
    max_occupancy: float | None
    shrinkage: float
    parameters: QueueParameters
    table: pd.DataFrame
    agent_hours: float
    scheduled_hours: float
    peak_agents: float

    def to_frame(self) -> pd.DataFrame:
        return self.table


def staff_demand(
    demand: Demand,
    params: QueueParameters,
    *,
    target_sl: float,
    target_wait_s: float,
    sl_definition: SLDefinition = "offered",
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> StaffingResult:
    """The least agents for ``demand`` with the queue's parameters and model."""
    return staff_to_target(
        demand.calls,
        params.interval_s,
        params.aht_s,
        target_sl,
        target_wait_s,
        model=params.model,
        patience_s=params.patience_s,
        sl_definition=sl_definition,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )


def run_staff(
    hist: DemandHistory,
    demand: Demand,
    *,
    target_sl: float = 0.8,
    target_wait_s: float = 20.0,
    patience: Patience = "auto",
    sl_definition: SLDefinition = "offered",
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    aht_s: float | None = None,
    model: str | None = None,
) -> StaffPlan:
    """Required agents per interval with the staffing ``model`` (default: Erlang A when a
    patience is known, else Erlang C; see :func:`queue_parameters`)."""
    params = queue_parameters(hist, patience=patience, aht_s=aht_s, model=model)
    res = staff_demand(
        demand,
        params,
        target_sl=target_sl,
        target_wait_s=target_wait_s,
        sl_definition=sl_definition,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    table = pd.DataFrame(
        {
            "interval_start": demand.interval_start,
            "calls": demand.calls,
            "agents": res.agents,
            "scheduled": res.scheduled,
            "service_level": res.service_level,
            "p_abandon": res.p_abandon,
            "asa_s": res.asa_s,
            "occupancy": res.occupancy,
            "binding": res.binding,
        }
    )
    hours = params.interval_s / 3600.0
    return StaffPlan(
        site=hist.site,
        queue=hist.queue,
        source=demand.source,
        model=params.model,
        sl_definition=params.sl_definition(sl_definition),
        target_sl=float(target_sl),
        target_wait_s=float(target_wait_s),
        max_occupancy=max_occupancy,
        shrinkage=float(shrinkage),
        parameters=params,
        table=table,
        agent_hours=float(res.agents.sum() * hours),
        scheduled_hours=float(res.scheduled.sum() * hours),
        peak_agents=float(res.agents.max()) if res.agents.size else 0.0,
    )
