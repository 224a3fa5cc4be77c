"""Capacity planning for one stored queue, in one call per question: the forecast, the agents
for a service target, and the staffing to customers' own tolerance zone.

Each function loads the queue's demand history from the store and calls the functions of
:mod:`servgap.services.capacity` the way ``servgap capacity forecast|staff|plan`` calls them,
with the same defaults, so a face that names a queue (the web API) gives the figures of the
command line's ``--json``. Each takes the staffing ``model`` explicitly
(:data:`servgap.core.staffing.STAFFING_MODELS`; None: Erlang A with a patience, else C).

:func:`planner_view` is the capacity planner page's one call: forecast with the stored
expert adjustments, staffing, cost curve, roster balance and recommendations
(:class:`~servgap.services.capacity.planner.PlannerView`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
)
from servgap.core.errors import InputError, InsufficientDataError, ServgapError
from servgap.core.forecast import Note
from servgap.core.staffing import STAFFING_MODELS
from servgap.services import capacity as svc
from servgap.services.analysis import choose_survey
from servgap.services.capacity.adjustments import StoredAdjustment, list_adjustments
from servgap.services.capacity.planner import (
    MAX_HORIZON,
    TARGETS,
    PlannerView,
    QueueChoice,
    array_key,
    cached_forecast,
    cost_curve,
    forecast_demand,
    history_frame,
    history_key,
    memoised,
    note_of,
    week_window,
)
from servgap.services.capacity.rosters import stored_roster
from servgap.services.context import Store

FORECAST_MODELS: tuple[str, ...] = ("auto_ets", "mstl", "seasonal_naive")
PLANNING_MODELS: tuple[str, ...] = ("seasonal_naive",)
#: The planner's default candidates: auto_ets is left out by default (it takes the most
#: time of the three and is rarely chosen on interval data); the page can add it.
PLANNER_MODELS: tuple[str, ...] = ("mstl", "seasonal_naive")


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
    model: str | None = None,
) -> svc.StaffPlan:
    """``servgap capacity staff``: agents per interval for a service-level target with the
    staffing ``model`` (:data:`servgap.core.staffing.STAFFING_MODELS`; None: Erlang A when a
    patience is known, else Erlang C)."""
    hist = queue_history(store, workspace=workspace, site=site, queue=queue, until=until)
    demand = _demand(hist, horizon, models, adjustments, last_days)
    return svc.run_staff(hist, demand, target_sl=target_sl, target_wait_s=target_wait_s,
                         patience=patience, sl_definition=sl_definition,
                         max_occupancy=max_occupancy, shrinkage=shrinkage, aht_s=aht_s,
                         model=model)  # fmt: skip


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
    model: str | None = None,
) -> svc.TolerancePlan:
    """``servgap capacity plan``: staffing to the wait customers call adequate (``survey``'s
    three-column ``item``; default: the workspace's only survey), and the cost of the desired
    level; ``model`` as for :func:`staff_queue`."""
    hist = queue_history(store, workspace=workspace, site=site, queue=queue, until=until)
    demand = _demand(hist, horizon, models, adjustments, last_days)
    code = choose_survey(store, workspace=workspace, survey=survey)
    adequate, desired, unit = svc.survey_waits(store, workspace=workspace, survey=code,
                                               item=item, site=survey_site)  # fmt: skip
    return svc.run_plan(hist, demand, adequate, desired, unit=unit, survey=code, item=item,
                        coverage=coverage, patience=patience, sl_definition=sl_definition,
                        agent_cost_per_hour=agent_cost_per_hour,
                        wait_cost_per_hour=wait_cost_per_hour, abandon_cost=abandon_cost,
                        model=model)  # fmt: skip


# ------------------------------------------------------------------------ the planner page


def demand_queues(store: Store, *, workspace: str) -> tuple[QueueChoice, ...]:
    """The sites and queues of the workspace that have demand data."""
    from sqlalchemy import select

    from servgap.services.context import get_workspace
    from servgap.store.models import DemandInterval, Site

    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(Site.code, DemandInterval.queue, Site.name_zh, Site.name_en)
            .join(DemandInterval, DemandInterval.site_id == Site.id)
            .where(Site.workspace_id == ws.id)
            .distinct()
            .order_by(Site.code, DemandInterval.queue)
        ).all()
    return tuple(QueueChoice(str(a), str(b), str(c or a), str(d or a)) for a, b, c, d in rows)


def _check_share(value: float, field: str) -> float:
    if not (0 < value < 1):
        raise InputError(
            f"`{field}` {value:g} must be a share between 0 and 1 (0.8 = 80 %).",
            f"`{field}` {value:g} 必须是 0 到 1 之间的比例（0.8 = 80%）。",
            fields=(field,),
        )
    return float(value)


def _waiting_survey(store: Store, workspace: str, survey: str | None) -> svc.SurveyWaits | None:
    """The waiting-time answers of ``survey`` (or of the first survey with responses to a
    waiting-time item); None when there is none."""
    from servgap.services.context import get_workspace
    from servgap.services.surveys import list_surveys

    if survey is not None:
        return svc.waiting_answers(store, workspace=workspace, survey=survey)
    with store.session() as s:
        codes = [str(x["survey"]) for x in list_surveys(s, get_workspace(s, workspace))
                 if x["responses"]]  # fmt: skip
    for code in codes:
        try:
            w = svc.waiting_answers(store, workspace=workspace, survey=code)
        except ServgapError:
            continue
        if np.isfinite(w.adequate).any():
            return w
    return None


def _cli(view: dict[str, Any], adjustments: Sequence[StoredAdjustment]) -> dict[str, list[str]]:
    """The ``servgap -w WS capacity …`` commands that print the planner's figures."""
    src = ["--site", view["site"], "--queue", view["queue"]]
    if view["until"]:
        src += ["--until", view["until"]]
    demand = [*src, "--horizon", str(view["horizon"]), "--models", ",".join(view["models"])]
    for a in adjustments:
        demand += ["--adjust", a.text]
    target = ["--target-sl", f"{view['target_sl']!r}", "--target-wait",
              f"{view['target_wait_s']!r}", "--model", view["model"]]  # fmt: skip
    out = {
        "forecast": ["capacity", "forecast", *demand, "--windows", "2"],
        "staff": ["capacity", "staff", *demand, *target],
        "balance": ["capacity", "balance", *demand, *target, "--band", f"{view['band']!r}"],
    }
    if view.get("survey"):
        out["plan"] = ["capacity", "plan", *demand, "--survey", view["survey"], "--item",
                       view["item"], "--coverage", f"{view['coverage']!r}", "--model",
                       view["model"]]  # fmt: skip
    return out


def planner_view(
    store: Store,
    *,
    workspace: str,
    site: str | None = None,
    queue: str | None = None,
    week: str | None = None,
    horizon: int | None = None,
    models: Sequence[str] = PLANNER_MODELS,
    target: str | None = None,
    target_sl: float = 0.8,
    target_wait_s: float = 20.0,
    coverage: float = 0.8,
    survey: str | None = None,
    model: str | None = None,
    band_agents: float = 1.0,
) -> PlannerView:
    """Everything the capacity planner shows for ``site``/``queue`` (default: the first
    queue with demand) and the ISO ``week`` (default: the week after the history), see
    :class:`~servgap.services.capacity.planner.PlannerView`.

    ``target`` ``adequate`` staffs to the wait ``coverage`` of the customers call
    adequate (the survey's waiting-time item); ``sl`` to ``target_sl`` within
    ``target_wait_s``; None: ``adequate`` when the workspace has such answers. Capacity:
    the queue's uploaded roster (:mod:`~servgap.services.capacity.rosters`), else the staff
    recorded with the demand, else "like last week". Each input error names its field.
    """
    queues = demand_queues(store, workspace=workspace)
    if not queues:
        raise InsufficientDataError(
            f"Workspace `{workspace}` has no interval demand yet; import it first "
            "(servgap demand import, or the demo).",
            f"工作区 `{workspace}` 还没有分时段需求数据；请先导入（servgap demand import 或示例数据）。",
            fields=("site",),
        )
    site = site or queues[0].site
    mine = [q for q in queues if q.site == site]
    if not mine:
        raise InputError(
            f"`site` `{site}` has no demand data; sites with demand: "
            f"{', '.join(sorted({q.site for q in queues}))}.",
            f"`site` `{site}` 没有需求数据；有需求数据的网点："
            f"{'、'.join(sorted({q.site for q in queues}))}。",
            fields=("site",),
        )
    if queue is not None and queue not in {q.queue for q in mine}:
        raise InputError(
            f"`queue` `{queue}` has no demand at site `{site}`; its queues: "
            f"{', '.join(q.queue for q in mine)}.",
            f"网点 `{site}` 的 `queue` `{queue}` 没有需求数据；其队列：{'、'.join(q.queue for q in mine)}。",
            fields=("queue",),
        )
    queue = queue or mine[0].queue
    if model is not None and model not in STAFFING_MODELS:
        raise InputError(
            f"`model` {model!r} is not a staffing model; use one of {', '.join(STAFFING_MODELS)}.",
            f"`model` {model!r} 不是人员配置模型；请使用 {'、'.join(STAFFING_MODELS)} 之一。",
            fields=("model",),
        )
    if target is not None and target not in TARGETS:
        raise InputError(
            f"`target` {target!r} must be adequate (customers' adequate wait) or sl.",
            f"`target` {target!r} 必须是 adequate（顾客可接受的等候）或 sl（服务水平）。",
            fields=("target",),
        )
    target_sl = _check_share(target_sl, "target_sl")
    coverage = _check_share(coverage, "coverage")
    if not (0 <= target_wait_s <= 86400):
        raise InputError(
            f"`target_wait` {target_wait_s:g} s must be between 0 and 86400 seconds.",
            f"`target_wait` {target_wait_s:g} 秒必须在 0 到 86400 秒之间。",
            fields=("target_wait",),
        )
    if not (0 <= band_agents <= 1000):
        raise InputError(
            f"`band` {band_agents:g} agents must be between 0 and 1000.",
            f"`band` {band_agents:g} 名坐席必须在 0 到 1000 之间。",
            fields=("band",),
        )
    unknown = [m for m in models if m not in FORECAST_MODELS]
    if unknown or not models:
        raise InputError(
            f"`models` {', '.join(unknown) or '(none)'}: choose among {', '.join(FORECAST_MODELS)}.",
            f"`models` {'、'.join(unknown) or '（无）'}：请从 {'、'.join(FORECAST_MODELS)} 中选择。",
            fields=("models",),
        )
    full = svc.load_demand(store, workspace=workspace, site=site, queue=queue)
    until: str | None = None
    if week:
        until, week_horizon = week_window(full, week)
        horizon = week_horizon if horizon is None else horizon
    horizon = 336 if horizon is None else horizon
    if not 1 <= horizon <= MAX_HORIZON:
        raise InputError(
            f"`horizon` {horizon} must be between 1 and {MAX_HORIZON} intervals.",
            f"`horizon` {horizon} 必须在 1 到 {MAX_HORIZON} 个时段之间。",
            fields=("horizon",),
        )
    hist = svc.cut_history(full, until=until)
    adjustments = list_adjustments(store, workspace=workspace, site=site, queue=queue,
                                   tz=hist.timezone)  # fmt: skip
    fc = cached_forecast(hist, horizon=horizon, models=models, adjustments=adjustments)
    demand = forecast_demand(fc)
    costs = svc.capacity_costs(store, workspace)
    notes: list[Note] = list(fc.notes)
    waits = None
    if target in (None, "adequate"):
        try:
            waits = _waiting_survey(store, workspace, survey)
        except ServgapError as exc:
            if target == "adequate":
                raise
            notes.append(note_of(exc))
        if waits is None and target == "adequate":
            raise InputError(
                "`target` adequate needs a survey with a waiting-time item (adequate/desired "
                "waits) and responses; choose the service-level target instead.",
                "`target` adequate 需要一份带等候时间题（适当/理想等候）并有答卷的调查；请改用服务水平目标。",
                fields=("target",),
            )
    plan: svc.TolerancePlan | None = None
    if waits is not None:
        w = waits
        plan = memoised(
            ("plan", history_key(hist), array_key(demand.calls), array_key(w.adequate, w.desired),
             w.unit, w.survey, w.item, coverage, model, costs.to_dict().__repr__()),
            lambda: svc.run_plan(hist, demand, w.adequate, w.desired, unit=w.unit,
                                 survey=w.survey, item=w.item, coverage=coverage, model=model,
                                 agent_cost_per_hour=costs.agent_cost_per_hour,
                                 wait_cost_per_hour=costs.wait_cost_per_hour,
                                 abandon_cost=costs.abandon_cost),
        )  # fmt: skip
        target, target_sl, target_wait_s = "adequate", coverage, plan.adequate_wait_s
    else:
        target = "sl"
    staff = svc.run_staff(hist, demand, target_sl=target_sl, target_wait_s=target_wait_s,
                          model=model)  # fmt: skip
    roster = stored_roster(store, workspace=workspace, site=site, queue=queue, tz=hist.timezone)
    cap = roster.agents(demand.interval_start, hist.interval_s) if roster is not None else None
    source = "roster" if roster is not None else "recorded"
    bal = svc.run_balance(hist, demand, capacity=cap, capacity_source=source,
                          target_sl=target_sl, target_wait_s=target_wait_s, model=model,
                          agent_cost_per_hour=costs.agent_cost_per_hour,
                          wait_cost_per_hour=costs.wait_cost_per_hour,
                          abandon_cost=costs.abandon_cost, band_agents=band_agents)  # fmt: skip
    try:
        curve = cost_curve(demand, staff, costs)
    except ServgapError as exc:
        curve = None
        notes.append(note_of(exc))
    chosen = staff.model
    cli = _cli({"site": site, "queue": queue, "until": until, "horizon": horizon,
                "models": list(models), "target_sl": target_sl, "target_wait_s": target_wait_s,
                "model": chosen, "band": band_agents, "coverage": coverage,
                "survey": plan.survey if plan else None, "item": plan.item if plan else None},
               adjustments)  # fmt: skip
    if roster is not None:
        cli["balance"] += ["--roster", "roster.csv"]  # the roster's download
    return PlannerView(
        workspace=workspace, site=site, queue=queue, timezone=hist.timezone,
        interval_s=hist.interval_s, week=week, until=until, horizon=horizon,
        models=tuple(models), target=target, target_sl=target_sl, target_wait_s=target_wait_s,
        coverage=coverage, model=chosen, band_agents=band_agents,
        capacity_source=bal.capacity_source, costs=costs, adjustments=adjustments,
        forecast=fc, history=history_frame(full, hist, demand), staff=staff, plan=plan,
        balance=bal, cost=curve, notes=tuple(notes), queues=queues, cli=cli, roster=roster,
    )  # fmt: skip
