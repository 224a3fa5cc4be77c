"""The improvement cycle (collect → analyse → plan → act → check): improvement actions with
a theme, owner, site, target metric and level and a due date, opened from an alert, from the
short board of the importance–performance analysis, from a report finding or by hand, and
their follow-up check at a fixed point.

The target metric is one number per respondent of the action's survey: a value such as
``msa:reliability``, ``perceived:rel1`` or ``adequate:responsiveness`` (the rules of
``servgap analyze trend --value``), or an NPS question, scored +100 / 0 / −100 per respondent
so that its mean is the NPS. The check compares the action's site (or every respondent) in
the baseline period with the check period, against the other sites, and says whether the
target was met (:mod:`servgap.core.improvement`); the result is stored on the action with the
time of the check, so the report and the pages show "actions and their effect".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, NotFoundError, SpecError
from servgap.core.improvement import action_effect
from servgap.core.survey import SurveyDefinition
from servgap.services.alerts import ActionRecord, AlertRecord, action_record, open_action
from servgap.services.context import Store, get_workspace
from servgap.store.models import ImprovementAction, Site

SOURCES: tuple[str, ...] = ("manual", "alert", "short_board", "finding")

__all__ = [
    "SOURCES",
    "ActionPlan",
    "action_plan",
    "alert_plan",
    "check_action",
    "metric_values",
    "open_improvement",
    "short_board_plan",
]


@dataclass(frozen=True)
class ActionPlan(ResultMixin):
    """What an action is to achieve and when it is checked (validated by :func:`action_plan`)."""

    theme: str | None
    site: str | None
    survey: str | None
    metric: str | None
    target: float | None
    higher_is_better: bool
    baseline_period: str | None
    check_period: str | None
    source: str


def metric_values(d: SurveyDefinition, data: pd.DataFrame, metric: str) -> pd.Series:
    """One number per respondent for ``metric`` (see the module docstring)."""
    from servgap.services.analysis import value_series

    nps = {q.code for q in d.by_type("nps")}
    if metric in nps:
        raw = pd.to_numeric(data[metric], errors="coerce")
        scored = np.where(raw >= 9, 100.0, np.where(raw <= 6, -100.0, 0.0))
        return pd.Series(np.where(raw.isna(), np.nan, scored), index=data.index, name=metric)
    return value_series(d, data, metric)


def action_plan(
    store: Store,
    *,
    workspace: str,
    theme: str | None = None,
    site: str | None = None,
    survey: str | None = None,
    metric: str | None = None,
    target: float | str | None = None,
    higher_is_better: bool = True,
    baseline_period: str | None = None,
    check_period: str | None = None,
    source: str = "manual",
) -> ActionPlan:
    """Check an action's plan against the workspace (site, survey, metric, periods) and
    return it; every problem names its field."""
    from servgap.services.analysis import choose_survey, load_survey, period_label

    if source not in SOURCES:
        raise InputError(f"`source` {source!r} is not one of {', '.join(SOURCES)}.",
                         f"`source` {source!r} 不是以下之一：{'、'.join(SOURCES)}。",
                         fields=("source",))  # fmt: skip
    theme = (theme or "").strip() or None
    if theme is not None and len(theme) > 200:
        raise InputError("`theme` has more than 200 characters.", "`theme` 超过 200 个字符。",
                         fields=("theme",))  # fmt: skip
    site = (site or "").strip() or None
    if site is not None:
        with store.session() as s:
            ws = get_workspace(s, workspace)
            if (
                s.scalar(select(Site.id).where(Site.workspace_id == ws.id, Site.code == site))
                is None
            ):
                raise InputError(f"`site` {site!r} is not a site of workspace `{workspace}`.",
                                 f"`site` {site!r} 不是工作区 `{workspace}` 的网点。",
                                 fields=("site",))  # fmt: skip
    value: float | None = None
    if target is not None and str(target).strip():
        try:
            value = float(str(target))
        except ValueError:
            raise InputError(f"`target` {target!r} is not a number.",
                             f"`target` {target!r} 不是数字。", fields=("target",)) from None  # fmt: skip
        if not np.isfinite(value):
            raise InputError(f"`target` {target!r} is not a finite number.",
                             f"`target` {target!r} 不是有限数值。", fields=("target",))  # fmt: skip
    metric = (metric or "").strip() or None
    code: str | None = None
    if metric is not None or baseline_period or check_period:
        code = choose_survey(store, workspace=workspace, survey=survey)
        d, _ = load_survey(store, workspace=workspace, survey=code)
        if metric is not None:
            empty = pd.DataFrame(columns=list(d.answer_columns()))
            try:
                metric_values(d, empty, metric)
            except SpecError as exc:
                raise InputError(exc.message("en"), exc.message("zh"), fields=("metric",)) from None
        baseline_period = (
            period_label(d, baseline_period, field="baseline_period") if baseline_period else None
        )
        check_period = period_label(d, check_period, field="check_period") if check_period else None
    if value is not None and metric is None:
        raise InputError("A `target` needs a `metric` to measure it on.",
                         "设定 `target` 需要同时给出衡量它的 `metric`。", fields=("metric",))  # fmt: skip
    return ActionPlan(theme, site, code, metric, value, bool(higher_is_better), baseline_period,
                      check_period, source)  # fmt: skip


def short_board_plan(
    store: Store,
    *,
    workspace: str,
    survey: str | None = None,
    period: str | None = None,
    lang: str = "en",
) -> tuple[str, ActionPlan]:
    """A title and plan for an action on the short board (the dimension to fix first, from
    the importance–performance analysis): metric ``msa:<dimension>``, target 0 (customers'
    adequate level), baseline the analysed period."""
    from servgap.services.analysis import load_survey, period_order, run_ipa, select_period

    d, data = load_survey(store, workspace=workspace, survey=survey)
    if period is None:
        have = period_order(d, [str(x) for x in data["period"].dropna().unique()])
        period = have[-1] if have else None
    rows = select_period(d, data, period) if period else data
    ipa = run_ipa(d, rows)
    if ipa.short_board is None:
        raise InsufficientDataError(
            f"No short board in {period or 'the data'}: every dimension meets its adequate "
            "level; open the action by hand.",
            f"{period or '数据'}中没有短板：各维度都达到适当期望；请手动创建措施。",
        )
    dim = ipa.short_board
    plan = action_plan(store, workspace=workspace, survey=d.code, metric=f"msa:{dim}", target=0.0,
                       baseline_period=period, source="short_board",
                       theme=f"short board: {dim}")  # fmt: skip
    from servgap.core.survey import dimension_label

    name = dimension_label(dim, lang)
    title = (
        f"{name}：回到顾客的适当期望（短板）"
        if lang == "zh"
        else f"{name}: back to customers' adequate level (short board)"
    )
    return title, plan


def alert_plan(store: Store, *, workspace: str, alert: AlertRecord) -> ActionPlan:
    """The plan an alert implies: below adequate → ``msa:<dimension>`` at its site with target
    0 (customers' adequate level); a rising adequate/desired level → that level, lower is
    better; other kinds carry no metric (the action is still linked to the alert). The
    baseline is the alert's period."""
    survey = alert.scope.split(":", 1)[1] if alert.scope.startswith("survey:") else None
    site = alert.site if alert.subject_type == "site" else None
    metric: str | None = None
    target: float | None = None
    higher = True
    if alert.kind == "below_adequate" and alert.aspect:
        metric, target = f"msa:{alert.aspect}", 0.0
    elif alert.kind == "expectations_rising" and alert.aspect and ":" in alert.aspect:
        dim, level = alert.aspect.split(":", 1)
        metric, higher = f"{level}:{dim}", False
    if metric is None or survey is None:
        return ActionPlan(None, site, survey, None, None, True, None, None, "alert")
    return action_plan(store, workspace=workspace, site=site, survey=survey, metric=metric,
                       target=target, higher_is_better=higher, baseline_period=alert.period,
                       source="alert")  # fmt: skip


def open_improvement(
    store: Store,
    *,
    workspace: str,
    title: str,
    owner: str,
    created_by: str,
    plan: ActionPlan,
    alert_id: int | None = None,
    due_date: str | dt.date | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> ActionRecord:
    """Open an action with its plan (one transaction)."""
    return open_action(store, workspace, title=title, owner=owner, created_by=created_by,
                       alert_id=alert_id, due_date=due_date, note=note, plan=plan, now=now)  # fmt: skip


def _next_period(d: SurveyDefinition, have: list[str], period: str) -> str | None:
    later = (
        [p for p in have if p > period]
        if d.periods.scheme != "waves"
        else have[have.index(period) + 1 :]
        if period in have
        else []
    )
    return later[0] if later else None


def check_action(
    store: Store,
    *,
    workspace: str,
    action_id: int,
    period: str | None = None,
    now: dt.datetime | None = None,
) -> ActionRecord:
    """The follow-up check of an action: its metric in the baseline period and in ``period``
    (default: the action's check period, else the first period after the baseline with
    responses), at its site against the others; stored on the action."""
    from servgap.services.analysis import load_survey, period_label, period_order

    now = now or dt.datetime.now(dt.UTC)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        x = s.get(ImprovementAction, action_id)
        if x is None or x.workspace_id != ws.id:
            raise NotFoundError(f"Improvement action {action_id} does not exist in this workspace.",
                                f"本工作区没有编号为 {action_id} 的改进措施。")  # fmt: skip
        metric, survey, baseline = x.metric, x.survey, x.baseline_period
        target, higher, planned = x.target, bool(x.higher_is_better), x.check_period
        site = s.get_one(Site, x.site_id).code if x.site_id is not None else None
    if metric is None or baseline is None:
        raise InputError(
            f"Action {action_id} has no target metric or baseline period to check; give them "
            "when opening the action.",
            f"措施 {action_id} 没有目标指标或基线期间，无法复查；请在创建时填写。",
            fields=("metric", "baseline_period"),
        )
    d, data = load_survey(store, workspace=workspace, survey=survey)
    have = period_order(d, [str(p) for p in data["period"].dropna().unique()])
    after_period = period_label(d, period, field="period") if period else planned
    if after_period is None:
        after_period = _next_period(d, have, baseline)
    if after_period is None or after_period not in have:
        raise InsufficientDataError(
            f"No responses after the baseline {baseline} yet{f' for {after_period}' if after_period else ''}: "
            "check again when the next period's answers are in.",
            f"基线 {baseline} 之后{f'（{after_period}）' if after_period else ''}还没有答卷：请在下一期数据到达后再复查。",
        )
    values = metric_values(d, data, metric)
    frame = pd.DataFrame({"period": data["period"], "site": data["site"], "v": values})
    here = frame["site"] == site if site is not None else pd.Series(True, index=frame.index)

    def vals(period_: str, mask: pd.Series) -> np.ndarray:
        sel = frame[(frame["period"] == period_) & mask]
        arr: np.ndarray = sel["v"].to_numpy(dtype=float)
        return arr

    rest = ~here if site is not None else None
    effect = action_effect(
        vals(baseline, here), vals(after_period, here),
        vals(baseline, rest) if rest is not None else None,
        vals(after_period, rest) if rest is not None else None,
        target=target, higher_is_better=higher,
    )  # fmt: skip
    result: dict[str, Any] = {"baseline_period": baseline, "check_period": after_period,
                              **effect.to_dict()}  # fmt: skip
    result = {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in result.items()
    }
    with store.session() as s:
        x = s.get_one(ImprovementAction, action_id)
        x.check_result, x.checked_at, x.updated_at = result, now, now
        s.flush()
        return action_record(s, x)


@dataclass(frozen=True)
class ActionEffects(ResultMixin):
    """Every action with a plan: its check (or None when not yet checked), for the report."""

    actions: tuple[ActionRecord, ...]

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for a in self.actions:
            r = a.check_result or {}
            rows.append({"id": a.id, "title": a.title, "owner": a.owner, "site": a.site,
                         "metric": a.metric, "target": a.target, "state": a.state,
                         "due_date": a.due_date, "baseline_period": a.baseline_period,
                         "check_period": r.get("check_period"), "before": r.get("before"),
                         "after": r.get("after"), "change": r.get("change"),
                         "change_p": r.get("change_p"), "did": r.get("did"),
                         "did_p": r.get("did_p"), "target_met": r.get("target_met")})  # fmt: skip
        return pd.DataFrame(rows)


def action_effects(store: Store, *, workspace: str) -> ActionEffects:
    """Actions with a target metric, for the report's "actions and their effect"."""
    from servgap.services.alerts import list_actions

    return ActionEffects(tuple(a for a in list_actions(store, workspace) if a.metric is not None))
