"""Capacity-planning use cases: demand from the store or a file -> core forecast/queueing.

Each use case loads what it needs, calls the pure core functions and
assembles typed results; the statistics themselves (forecasts, staffing
searches, pooled AHT and patience, shares within tolerance, weekly costs,
balance and recommendations) are computed in :mod:`servgap.core.forecast`,
:mod:`servgap.core.staffing`, :mod:`servgap.core.queueing`,
:mod:`servgap.core.capacity` and :mod:`servgap.core.simulate`. Every face (the
CLI ``servgap capacity …``, the report, the web) calls these functions.

One module per use case:

* :mod:`.history` -- the demand history of a queue (store or file), typed dates;
* :mod:`.parameters` -- AHT, patience and the staffing ``model``;
* :mod:`.forecasting` -- forecasts with adjustments and holidays; demand to plan for;
* :mod:`.staffing` -- agents per interval for a service target;
* :mod:`.plan` -- targets from customers' zone of tolerance and their cost;
* :mod:`.balance` -- demand against capacity (files, rosters, recorded staff);
* :mod:`.simulation` -- ciw simulation against the formulas;
* :mod:`.costs` -- the costs a plan is priced with (given or the workspace's);
* :mod:`.adjustments` -- expert adjustments stored with author and reason;
* :mod:`.rosters` -- a queue's uploaded roster (its shifts);
* :mod:`.planner` -- the capacity planner's view of one queue (forecast memo, cost curve).

Errors name the input fields (``site``, ``queue``, ``patience``, ``model`` …), never
a command-line option; each face shows them in its own words.
"""

from __future__ import annotations

from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
)
from servgap.core.queueing import SL_DEFINITIONS
from servgap.core.queueing import SLDefinition as SLDef
from servgap.core.staffing import STAFFING_MODELS
from servgap.services.capacity.balance import (
    BalanceReport,
    last_week_capacity,
    planned_capacity,
    read_capacity_file,
    read_roster_file,
    recorded_capacity,
    run_balance,
)
from servgap.services.capacity.costs import Costs, capacity_costs
from servgap.services.capacity.forecasting import (
    CapacityForecast,
    Demand,
    demand_for_planning,
    parse_adjustment,
    run_forecast,
)
from servgap.services.capacity.history import (
    DEMAND_COLUMNS,
    DemandHistory,
    cut_history,
    load_demand,
    local_time,
    open_history,
    read_demand_file,
)
from servgap.services.capacity.parameters import QueueParameters, queue_parameters
from servgap.services.capacity.plan import (
    SurveyWaits,
    TolerancePlan,
    run_plan,
    survey_waits,
    waiting_answers,
    waiting_item,
)
from servgap.services.capacity.simulation import (
    SimulationComparison,
    day_demand,
    run_simulate,
    simulate_queue,
)
from servgap.services.capacity.staffing import StaffPlan, run_staff, staff_demand

__all__ = [
    "DEFAULT_ABANDON_COST",
    "DEFAULT_AGENT_COST_PER_HOUR",
    "DEFAULT_WAIT_COST_PER_HOUR",
    "DEMAND_COLUMNS",
    "SL_DEFINITIONS",
    "STAFFING_MODELS",
    "BalanceReport",
    "CapacityForecast",
    "Costs",
    "Demand",
    "DemandHistory",
    "QueueParameters",
    "SLDef",
    "SimulationComparison",
    "StaffPlan",
    "SurveyWaits",
    "TolerancePlan",
    "capacity_costs",
    "cut_history",
    "day_demand",
    "demand_for_planning",
    "last_week_capacity",
    "load_demand",
    "local_time",
    "open_history",
    "parse_adjustment",
    "planned_capacity",
    "queue_parameters",
    "read_capacity_file",
    "read_demand_file",
    "read_roster_file",
    "recorded_capacity",
    "run_balance",
    "run_forecast",
    "run_plan",
    "run_simulate",
    "run_staff",
    "simulate_queue",
    "staff_demand",
    "survey_waits",
    "waiting_answers",
    "waiting_item",
]
