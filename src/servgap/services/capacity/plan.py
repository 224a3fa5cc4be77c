"""Staffing to customers' own zone of tolerance: the survey's waiting-time answers as targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
    ToleranceTarget,
    evaluate_level,
    tolerance_target,
)
from servgap.core.errors import NotFoundError, SpecError
from servgap.core.queueing import SLDefinition
from servgap.core.survey import SurveyDefinition
from servgap.services.capacity.forecasting import Demand
from servgap.services.capacity.history import DemandHistory
from servgap.services.capacity.parameters import Patience, QueueParameters, queue_parameters
from servgap.services.capacity.staffing import staff_demand
from servgap.services.context import Store

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class TolerancePlan(ResultMixin):
    """Staffing to customers' own tolerance zone, and the cost of adequate vs desired.

    ``target``: :class:`~servgap.core.capacity.ToleranceTarget` in the item's
    unit (minutes for the demo's ``wait``); ``adequate_wait_s`` /
    ``desired_wait_s`` the targets in seconds. ``comparison``: one row per
    level (``adequate``, ``desired``) with ``target_wait_s``, ``target_sl``
    (= coverage), ``agent_hours``, ``agent_hours_per_week``,
    ``share_within_adequate``, ``share_within_desired`` (call-weighted mean over
    intervals of the share of customers served within their OWN adequate /
    desired wait), ``wait_hours_per_week``, ``agent_cost_per_week``,
    ``wait_cost_per_week``, ``abandon_cost_per_week``, ``total_cost_per_week``.
    ``table``: per interval, agents for both levels and the shares.
    """

    site: str
    queue: str
    survey: str
    item: str
    unit: str
    coverage: float
    target: ToleranceTarget
    adequate_wait_s: float
    desired_wait_s: float
    sl_definition: str
    parameters: QueueParameters
    agent_cost_per_hour: float
    wait_cost_per_hour: float
    abandon_cost: float
    comparison: pd.DataFrame
    table: pd.DataFrame
    extra_cost_desired_per_week: float

    def to_frame(self) -> pd.DataFrame:
        return self.comparison


@dataclass(frozen=True)
class SurveyWaits(ResultMixin):
    """Respondents' adequate and desired answers to a three-column waiting-time item."""

    survey: str
    item: str
    unit: str
    adequate: FloatArray
    desired: FloatArray


def waiting_item(definition: SurveyDefinition) -> str | None:
    """The survey's first waiting-time item: three-column, lower is better, with a unit."""
    for q in definition.by_type("servqual3"):
        if q.direction == "lower_better" and q.unit:
            return q.code
    return None


def waiting_answers(
    store: Store,
    *,
    workspace: str,
    survey: str | None = None,
    item: str | None = None,
    site: str | None = None,
) -> SurveyWaits:
    """Adequate and desired answers of a waiting-time item, and its unit.

    ``survey`` None: the workspace's only survey
    (:func:`servgap.services.analysis.choose_survey`); ``item`` None: the
    survey's waiting-time item (:func:`waiting_item`); ``site``: only that
    site's respondents.
    """
    from servgap.services.analysis import choose_survey
    from servgap.services.responses import load_responses

    code = choose_survey(store, workspace=workspace, survey=survey)
    definition, wide = load_responses(store, workspace=workspace, survey=code)
    if item is None:
        item = waiting_item(definition)
        if item is None:
            raise NotFoundError(
                f"Survey `{code}` has no waiting-time item (three columns adequate/desired/"
                "perceived, lower is better, with a unit); name a three-column item with `item`.",
                f"调查 `{code}` 没有等候时间题（适当/理想/感知三栏、越低越好、带单位）；"
                "请用 `item` 指定一道三栏式题目。",
                fields=("item",),
            )
    cols = [f"{item}_adequate", f"{item}_desired"]
    if any(c not in wide.columns for c in cols):
        raise NotFoundError(
            f"Survey `{code}` has no three-column item `{item}` (columns {', '.join(cols)}). "
            "Give the code of a waiting-time item as `item`.",
            f"调查 `{code}` 没有三栏式题目 `{item}`（列 {'、'.join(cols)}）。请用 `item` 给出等候时间题的代码。",
            fields=("item",),
        )
    if site is not None:
        if "site" not in wide.columns or not (wide["site"] == site).any():
            raise NotFoundError(
                f"Survey `{code}` has no responses from site `{site}`.",
                f"调查 `{code}` 没有来自网点 `{site}` 的答卷。",
            )
        wide = wide[wide["site"] == site]
    unit = "minutes"
    for q in definition.questions:
        if q.code == item:
            unit = str(q.unit or "minutes")
    return SurveyWaits(
        code,
        item,
        unit,
        pd.to_numeric(wide[cols[0]], errors="coerce").to_numpy(dtype=np.float64),
        pd.to_numeric(wide[cols[1]], errors="coerce").to_numpy(dtype=np.float64),
    )


def survey_waits(
    store: Store, *, workspace: str, survey: str | None, item: str | None, site: str | None = None
) -> tuple[FloatArray, FloatArray, str]:
    """``(adequate, desired, unit)`` of :func:`waiting_answers`."""
    w = waiting_answers(store, workspace=workspace, survey=survey, item=item, site=site)
    return w.adequate, w.desired, w.unit


_UNIT_S = {"seconds": 1.0, "second": 1.0, "s": 1.0, "minutes": 60.0, "minute": 60.0, "min": 60.0,
           "hours": 3600.0, "hour": 3600.0, "h": 3600.0}  # fmt: skip


def run_plan(
    hist: DemandHistory,
    demand: Demand,
    adequate: Sequence[float] | FloatArray,
    desired: Sequence[float] | FloatArray,
    *,
    unit: str = "minutes",
    survey: str = "",
    item: str = "",
    coverage: float = 0.8,
    patience: Patience = "auto",
    sl_definition: SLDefinition = "offered",
    agent_cost_per_hour: float = DEFAULT_AGENT_COST_PER_HOUR,
    wait_cost_per_hour: float = DEFAULT_WAIT_COST_PER_HOUR,
    abandon_cost: float = DEFAULT_ABANDON_COST,
    model: str | None = None,
) -> TolerancePlan:
    """Survey-to-staffing: serve ``coverage`` of customers within the wait ``coverage`` call adequate.

    Notes
    -----
    Target wait t_a = the wait that at least ``coverage`` of respondents call
    adequate (:func:`~servgap.core.capacity.tolerance_target`, the k-th smallest
    adequate wait, k = ⌊n(1 − coverage)⌋ + 1); the queue is staffed so that
    SL(t_a) ≥ coverage with the staffing ``model``
    (:func:`~servgap.core.staffing.staff_to_target`), and again to the desired
    level t_d. Each staffing is evaluated by
    :func:`~servgap.core.capacity.evaluate_level`: the call-weighted share of
    customers served within their own adequate/desired wait and the weekly
    cost (:func:`~servgap.core.capacity.weekly_cost`).
    """
    if unit not in _UNIT_S:
        raise SpecError(
            f"Unknown waiting-time unit `{unit}`; use seconds, minutes or hours.",
            f"未知的等候时间单位 `{unit}`；请使用 seconds、minutes 或 hours。",
        )
    target = tolerance_target(adequate, desired, coverage=coverage)
    scale = _UNIT_S[unit]
    adequate_s = np.asarray(adequate, dtype=np.float64) * scale
    desired_s = np.asarray(desired, dtype=np.float64) * scale
    params = queue_parameters(hist, patience=patience, model=model)
    rows = []
    per_interval: dict[str, Any] = {"interval_start": demand.interval_start, "calls": demand.calls}
    for level, wait_s in (("adequate", target.adequate_target * scale),
                          ("desired", target.desired_target * scale)):  # fmt: skip
        st = staff_demand(
            demand, params, target_sl=coverage, target_wait_s=wait_s, sl_definition=sl_definition
        )
        out = evaluate_level(
            demand.calls,
            params.interval_s,
            params.aht_s,
            st.agents,
            adequate_wait_s=adequate_s,
            desired_wait_s=desired_s,
            patience_s=params.patience_s,
            sl_definition=sl_definition,
            agent_cost_per_hour=agent_cost_per_hour,
            wait_cost_per_hour=wait_cost_per_hour,
            abandon_cost=abandon_cost,
        )
        c = out.cost
        rows.append(
            {
                "level": level,
                "target_wait_s": wait_s,
                "target_sl": coverage,
                "agent_hours": c.agent_hours,
                "agent_hours_per_week": c.agent_hours_per_week,
                "peak_agents": float(st.agents.max()) if st.agents.size else 0.0,
                "share_within_adequate": out.within_adequate,
                "share_within_desired": out.within_desired,
                "wait_hours_per_week": c.wait_hours_per_week,
                "abandonments_per_week": c.abandonments_per_week,
                "agent_cost_per_week": c.agent_cost_per_week,
                "wait_cost_per_week": c.wait_cost_per_week,
                "abandon_cost_per_week": c.abandon_cost_per_week,
                "total_cost_per_week": c.total_cost_per_week,
            }
        )
        per_interval[f"agents_{level}"] = st.agents
        per_interval[f"share_within_adequate_{level}"] = out.share_within_adequate
    comparison = pd.DataFrame(rows)
    extra = float(
        comparison["total_cost_per_week"].iloc[1] - comparison["total_cost_per_week"].iloc[0]
    )
    return TolerancePlan(
        site=hist.site,
        queue=hist.queue,
        survey=survey,
        item=item,
        unit=unit,
        coverage=float(coverage),
        target=target,
        adequate_wait_s=target.adequate_target * scale,
        desired_wait_s=target.desired_target * scale,
        sl_definition=params.sl_definition(sl_definition),
        parameters=params,
        agent_cost_per_hour=agent_cost_per_hour,
        wait_cost_per_hour=wait_cost_per_hour,
        abandon_cost=abandon_cost,
        comparison=comparison,
        table=pd.DataFrame(per_interval),
        extra_cost_desired_per_week=extra,
    )
