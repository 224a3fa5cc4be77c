"""The report's operational parts: complaints, service recovery and capacity, for a period.

Each function takes the report's :class:`~servgap.services.report.ReportScope`
(workspace, the period's local days, optionally one site), loads that slice
from the store and calls the same services and core functions as the
``text``, ``case`` and ``capacity`` commands. A slice with no data raises a
:class:`~servgap.core.errors.InsufficientDataError` that says what is missing
and for which period; :func:`servgap.services.report.report_data` turns it into
a :class:`~servgap.services.report.Missing` part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import func, select

from servgap.core._result import ResultMixin
from servgap.core.errors import InsufficientDataError
from servgap.services.context import Store, get_workspace
from servgap.services.report import Missing, ReportScope, attempt
from servgap.store.models import DemandInterval, Site

if TYPE_CHECKING:
    from servgap.core.recovery import ComplaintGapTable, PairedComparison, RecoveryOutcomes
    from servgap.core.survey import SurveyDefinition
    from servgap.core.tolerance_calibration import ToleranceCalibration
    from servgap.services.capacity import DemandHistory, StaffPlan, TolerancePlan

#: Shrinkage (absence, breaks, training) assumed when the report turns agents into rosters.
REPORT_SHRINKAGE = 0.3


def _in_scope(frame: pd.DataFrame, scope: ReportScope, time_col: str) -> pd.DataFrame:
    """Rows of the report's site and period (local days of the workspace)."""
    out = frame
    if scope.site is not None and "site" in out.columns:
        out = out[out["site"] == scope.site]
    window = scope.window()
    if window is not None:
        t = pd.to_datetime(out[time_col], utc=True)
        out = out[(t >= window[0]) & (t < window[1])]
    return out.reset_index(drop=True)


def _span(scope: ReportScope) -> tuple[str, str]:
    """The period for a sentence ("for 2026Q3 (2026-07-01 – 2026-09-30)"), en and zh."""
    if scope.period is None:
        return "", ""
    if scope.start is None:
        return f" for {scope.period}", f"在 {scope.period} "
    return (
        f" for {scope.period} ({scope.start} to {scope.end})",
        f"在 {scope.period}（{scope.start} 至 {scope.end}）",
    )


def _where(scope: ReportScope) -> tuple[str, str]:
    return (f" at site {scope.site}", f"网点 {scope.site} ") if scope.site else ("", "")


# ------------------------------------------------------------------------------ complaints


@dataclass(frozen=True)
class ComplaintResults(ResultMixin):
    """Complaints of the period, classified from their own words.

    ``classified``: ``code, received_at, channel, site, category_recorded,
    category, confidence, top_terms, polarity, sentiment`` (the text itself is
    left out of the report); ``keywords``: top terms per recorded category;
    ``gaps``: complaints per SERVQUAL dimension next to the survey's MSA (None
    when the report has no SERVQUAL result).
    """

    classified: pd.DataFrame
    keywords: pd.DataFrame | Missing
    n_total: int
    gaps: ComplaintGapTable | Missing | None = None

    def with_gaps(self, msa: Mapping[str, float]) -> ComplaintResults:
        """The same complaints with :func:`~servgap.core.recovery.complaints_by_dimension`."""
        from servgap.core.recovery import complaints_by_dimension

        gaps = attempt(lambda: complaints_by_dimension(self.classified["category"], msa))
        return dataclasses.replace(self, gaps=gaps)


def complaint_results(store: Store, scope: ReportScope) -> ComplaintResults:
    from servgap.core.text import keywords
    from servgap.services.text import classify_stored

    everything = classify_stored(store, scope.workspace)
    if everything.empty:
        raise InsufficientDataError(
            "No complaints in this workspace: import complaints to analyse their texts.",
            "此工作区没有投诉：导入投诉后才能分析投诉文本。",
        )
    frame = _in_scope(everything, scope, "received_at")
    if frame.empty:
        span_en, span_zh = _span(scope)
        at_en, at_zh = _where(scope)
        raise InsufficientDataError(
            f"No complaints received{at_en}{span_en} ({len(everything)} in other periods or "
            "sites).",
            f"{at_zh}{span_zh}没有收到投诉（其他期间或网点共 {len(everything)} 条）。",
        )
    groups = frame["category_recorded"].fillna("(none)").astype(str).tolist()
    words = attempt(lambda: keywords(frame["text"].tolist(), by=groups, top_k=10).table)
    return ComplaintResults(
        classified=frame.drop(columns=["text"]), keywords=words, n_total=len(everything)
    )


# -------------------------------------------------------------------------------- recovery


@dataclass(frozen=True)
class RecoveryResults(ResultMixin):
    """Recovery of the period's complaints, and the tolerance model on all outcomes so far.

    ``paradox``: satisfaction before the failure vs after recovery, overall and
    by acknowledgement speed; ``outcomes``: what worked; ``calibration``: the
    customer-tolerance model calibrated on 90-day churn of every recovered case
    (a model needs all the history, not one period's).
    """

    n: int
    paradox: PairedComparison
    outcomes: RecoveryOutcomes
    calibration: ToleranceCalibration | Missing


def recovery_results(store: Store, scope: ReportScope) -> RecoveryResults:
    from servgap.core.recovery import recovery_outcomes, recovery_paradox, speed_band
    from servgap.services.recovery import ACK_EDGES_H, recovery_frame, tolerance_model
    from servgap.services.text import complaints_frame

    frame = recovery_frame(store, scope.workspace)
    if scope.site is not None:
        sites = complaints_frame(store, scope.workspace).set_index("code")["site"]
        frame = frame.assign(site=frame["complaint"].map(sites))
    frame = _in_scope(frame, scope, "received_at")
    if frame.empty:
        span_en, span_zh = _span(scope)
        at_en, at_zh = _where(scope)
        raise InsufficientDataError(
            f"No recovered complaints{at_en}{span_en}.",
            f"{at_zh}{span_zh}没有带补救结果的投诉。",
        )
    # acknowledgement speed bands as in services.recovery.recovery_report
    frame["speed"] = speed_band(frame["ack_hours"].to_numpy(), ACK_EDGES_H).astype(str)
    paradox = recovery_paradox(frame, group_col="speed")
    outcomes = recovery_outcomes(frame, resolve_hours_col="resolve_hours", opened_col=None,
                                 resolved_col=None)  # fmt: skip
    calibration = attempt(lambda: tolerance_model(store, scope.workspace))
    return RecoveryResults(len(frame), paradox, outcomes, calibration)


# -------------------------------------------------------------------------------- capacity


@dataclass(frozen=True)
class CapacityResults(ResultMixin):
    """Staffing of a call-centre queue for the last week of the period's demand, and a
    counter staffed to the waits its customers call adequate.

    ``plan`` is None when the survey has no waiting-time item or the workspace
    no counter with demand.
    """

    staff: StaffPlan | Missing
    plan: TolerancePlan | Missing | None
    queues: pd.DataFrame


def capacity_results(
    store: Store,
    scope: ReportScope,
    definition: SurveyDefinition | None,
    history: pd.DataFrame | None,
) -> CapacityResults:
    from servgap.services.capacity import DemandHistory, load_demand

    queues = _demand_queues(store, scope)
    if queues.empty:
        at_en, at_zh = _where(scope)
        raise InsufficientDataError(
            f"No demand data{at_en} in this workspace: import interval demand (site, queue, "
            "interval_start, arrivals ...) to staff queues.",
            f"此工作区{at_zh}没有需求数据：导入分时段需求（site、queue、interval_start、arrivals 等）"
            "后才能计算人员配置。",
        )
    window = scope.window()
    if window is not None:
        inside = queues[(queues["last"] >= window[0]) & (queues["first"] < window[1])]
        if inside.empty:
            span_en, span_zh = _span(scope)
            lo, hi = queues["first"].min(), queues["last"].max()
            first, last = _local_day(lo, scope), _local_day(hi, scope)
            raise InsufficientDataError(
                f"No demand data{span_en}; the demand loaded covers {first} to {last}.",
                f"{span_zh}没有需求数据；已导入的需求覆盖 {first} 至 {last}。",
            )
        queues = inside

    def history_of(site: str, queue: str) -> DemandHistory:
        hist = load_demand(store, workspace=scope.workspace, site=site, queue=queue)
        frame = _in_scope(hist.frame, dataclasses.replace(scope, site=None), "interval_start")
        return DemandHistory(site=hist.site, queue=hist.queue, timezone=hist.timezone,
                             frame=frame)  # fmt: skip

    calls = queues[queues["kind"] == "call_centre"]
    call = (calls if len(calls) else queues).iloc[0]
    staff = attempt(lambda: _staff(history_of(str(call["site"]), str(call["queue"]))))
    counters = queues[queues["kind"] != "call_centre"]
    plan: TolerancePlan | Missing | None = None
    item = _wait_item(definition)
    if item is not None and len(counters) and history is not None and definition is not None:
        row = counters.iloc[0]
        answers = history
        if scope.period is not None:
            answers = answers[answers["period"] == scope.period]
        answers = answers[answers["site"] == row["site"]]
        counter = history_of(str(row["site"]), str(row["queue"]))
        plan = attempt(lambda: _plan(counter, answers, definition, item))
    return CapacityResults(staff=staff, plan=plan, queues=queues.reset_index(drop=True))


def _local_day(t: pd.Timestamp, scope: ReportScope) -> str:
    return str(pd.Timestamp(t).tz_convert(scope.timezone).date())


def _demand_queues(store: Store, scope: ReportScope) -> pd.DataFrame:
    """Queues with demand: ``site, kind, queue, first, last, intervals`` (UTC times)."""
    with store.session() as s:
        ws = get_workspace(s, scope.workspace)
        q = (
            select(
                Site.code,
                Site.kind,
                DemandInterval.queue,
                func.min(DemandInterval.interval_start),
                func.max(DemandInterval.interval_start),
                func.count(DemandInterval.id),
            )
            .join(DemandInterval, DemandInterval.site_id == Site.id)
            .where(Site.workspace_id == ws.id)
            .group_by(Site.code, Site.kind, DemandInterval.queue)
            .order_by(Site.code, DemandInterval.queue)
        )
        if scope.site is not None:
            q = q.where(Site.code == scope.site)
        rows = s.execute(q).all()
    frame = pd.DataFrame(
        [tuple(r) for r in rows], columns=["site", "kind", "queue", "first", "last", "intervals"]
    )
    for c in ("first", "last"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
    return frame


def _staff(hist: DemandHistory) -> StaffPlan:
    from servgap.services.capacity import demand_for_planning, run_staff

    if hist.frame.empty:
        raise InsufficientDataError(
            f"No demand for {hist.site}/{hist.queue} in the report's period.",
            f"报告期间内 {hist.site}/{hist.queue} 没有需求数据。",
        )
    return run_staff(hist, demand_for_planning(hist), shrinkage=REPORT_SHRINKAGE)


def _wait_item(definition: SurveyDefinition | None) -> str | None:
    """The survey's first waiting-time item: three-column, lower is better, with a unit."""
    if definition is None:
        return None
    for q in definition.by_type("servqual3"):
        if q.direction == "lower_better" and q.unit:
            return q.code
    return None


def _plan(
    hist: DemandHistory, answers: pd.DataFrame, definition: SurveyDefinition, item: str
) -> TolerancePlan:
    import numpy as np

    from servgap.services.capacity import demand_for_planning, run_plan

    if answers.empty:
        raise InsufficientDataError(
            f"No answers to the waiting-time item `{item}` from site {hist.site} in the "
            "report's period, so its customers' adequate wait is unknown.",
            f"报告期间内网点 {hist.site} 没有等候时间题 `{item}` 的回答，无法得知顾客可接受的等候时间。",
        )
    if hist.frame.empty:
        raise InsufficientDataError(
            f"No demand for {hist.site}/{hist.queue} in the report's period.",
            f"报告期间内 {hist.site}/{hist.queue} 没有需求数据。",
        )
    adequate = pd.to_numeric(answers[f"{item}_adequate"], errors="coerce").to_numpy(np.float64)
    desired = pd.to_numeric(answers[f"{item}_desired"], errors="coerce").to_numpy(np.float64)
    unit = definition.question(item).unit or "minutes"
    return run_plan(hist, demand_for_planning(hist), adequate, desired, unit=unit,
                    survey=definition.code, item=item)  # fmt: skip
