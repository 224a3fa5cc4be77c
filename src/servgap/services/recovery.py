"""Recovery analytics and the customer-tolerance model on a workspace's stored data.

Two sources of recovery outcomes, one frame (:func:`recovery_frame`):

* **cases** with a recorded outcome (``case.satisfaction_after``, from
  ``servgap case close … --satisfaction-after`` or an outcome import; see
  :mod:`servgap.services.cases.outcomes`): satisfaction before and after on
  1–7, the case's acknowledgement and resolution times, its recovery actions
  and their amounts, and whether the customer complained again (another case
  within 90 days after resolution, :func:`servgap.core.case_outcomes.complained_again`);
* the **recovery table** (post-recovery surveys with justice items, churn and
  repeat complaints, e.g. the demo's), for complaints that have no case with an
  outcome -- a case's own outcome wins for its complaint.

:func:`recovery_report` runs the recovery paradox and what-works analyses of
:mod:`servgap.core.recovery` on it, :func:`tolerance_model` calibrates the
tolerance score of :mod:`servgap.core.tolerance` on the known outcomes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.case_outcomes import complained_again
from servgap.core.errors import InsufficientDataError, UsageError
from servgap.core.recovery import PairedComparison, RecoveryOutcomes
from servgap.core.tolerance_calibration import ToleranceCalibration
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, Complaint, Customer, Recovery, RecoveryAction, Response
from servgap.store.types import utcnow

FRAME_COLUMNS = ["complaint", "received_at", "category", "text", "customer", "tenure_months",
                 "orders_per_month", "loyalty_intent", "acknowledged_at", "resolved_at",
                 "actions", "compensation_cny", "churned_90d", "complained_again_90d"]  # fmt: skip

Outcome = Literal["churned_90d", "complained_again_90d"]


def _table_rows(session: Any, ws_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(
            Complaint.code, Complaint.received_at, Complaint.category, Complaint.text,
            Customer.code, Customer.tenure_months, Customer.orders_per_month,
            Customer.loyalty_intent, Recovery.acknowledged_at, Recovery.resolved_at,
            Recovery.actions, Recovery.compensation_cny, Recovery.churned_90d,
            Recovery.complained_again_90d, Recovery.survey,
        )
        .join(Recovery, Recovery.complaint_id == Complaint.id)
        .outerjoin(Customer, Customer.id == Complaint.customer_id)
        .where(Complaint.workspace_id == ws_id)
        .order_by(Complaint.received_at, Complaint.id)
    ).all()  # fmt: skip
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[*FRAME_COLUMNS, "survey"])
    survey = pd.DataFrame(list(frame.pop("survey")), index=frame.index)
    frame = pd.concat([frame, survey], axis=1)
    frame["case"] = None
    frame["source"] = "recovery"
    return frame


def _case_rows(session: Any, ws_id: int, as_of: dt.datetime) -> pd.DataFrame:
    every = session.execute(
        select(Case.id, Case.customer_id, Case.opened_at, Case.resolved_at).where(
            Case.workspace_id == ws_id
        )
    ).all()
    again = dict(
        zip(
            [r[0] for r in every],
            complained_again([r[1] for r in every], [r[2] for r in every],
                             [r[3] for r in every], as_of=as_of),
            strict=True,
        )
    )  # fmt: skip
    rows = session.execute(
        select(
            Case.id, Case.code, Complaint.code, Complaint.received_at, Case.opened_at,
            Case.category, Case.summary, Customer.code, Customer.tenure_months,
            Customer.orders_per_month, Customer.loyalty_intent, Case.acknowledged_at,
            Case.resolved_at, Case.satisfaction_before, Case.satisfaction_after,
        )
        .outerjoin(Complaint, Complaint.id == Case.complaint_id)
        .outerjoin(Customer, Customer.id == Case.customer_id)
        .where(Case.workspace_id == ws_id, Case.satisfaction_after.is_not(None))
        .order_by(Case.opened_at, Case.id)
    ).all()  # fmt: skip
    ids = [r[0] for r in rows]
    acts: dict[int, list[tuple[str, float]]] = {i: [] for i in ids}
    if ids:
        for case_id, action, amount in session.execute(
            select(RecoveryAction.case_id, RecoveryAction.action, RecoveryAction.amount_cny)
            .where(RecoveryAction.case_id.in_(ids))
            .order_by(RecoveryAction.id)
        ).all():
            acts[case_id].append((str(action), float(amount or 0.0)))
    out = [
        {
            "complaint": comp if comp is not None else code,
            # the customer's clock starts when the complaint came in
            "received_at": received if received is not None else opened,
            "category": category, "text": summary, "customer": customer,
            "tenure_months": tenure, "orders_per_month": orders, "loyalty_intent": loyalty,
            "acknowledged_at": acked, "resolved_at": resolved,
            "actions": ";".join(dict.fromkeys(a for a, _ in acts[cid])),
            "compensation_cny": float(sum(x for _, x in acts[cid])),
            "churned_90d": None,
            "complained_again_90d": None if np.isnan(again[cid]) else bool(again[cid]),
            "sat_before": before, "sat_after": after, "case": code, "source": "case",
        }
        for (cid, code, comp, received, opened, category, summary, customer, tenure, orders,
             loyalty, acked, resolved, before, after) in rows
    ]  # fmt: skip
    return pd.DataFrame(out, columns=[*FRAME_COLUMNS, "sat_before", "sat_after", "case", "source"])


def recovery_frame(store: Store, workspace: str, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """One row per recovered complaint or case with an outcome, with the customer's profile.

    Columns: :data:`FRAME_COLUMNS`, ``sat_before``, ``sat_after`` (and the
    recovery survey's other items where the recovery table has them), ``case``
    (None for the recovery table), ``source`` (``case`` | ``recovery``),
    ``ack_hours``, ``resolve_hours`` (from the complaint's arrival) and
    ``compensated``. ``now`` is when repeat complaints are read (default: the
    clock).
    """
    as_of = utcnow() if now is None else now
    with store.session() as s:
        ws = get_workspace(s, workspace)
        table = _table_rows(s, ws.id)
        cases = _case_rows(s, ws.id, as_of)
    if len(cases):
        table = table[~table["complaint"].isin(set(cases["complaint"]))]
    parts = [f for f in (table, cases) if len(f)]
    if not parts:
        raise InsufficientDataError(
            f"Workspace `{workspace}` has no recovery outcomes yet: record the satisfaction after "
            "recovery on closed cases (close with `satisfaction_after`, or import outcomes).",
            f"工作区 `{workspace}` 还没有补救结果：请在关闭工单时记录补救后满意度"
            "（`satisfaction_after`），或导入补救结果。",
        )
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for c in ("received_at", "acknowledged_at", "resolved_at"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
    if len(parts) > 1:
        frame = frame.sort_values("received_at", kind="mergesort")
    frame = frame.reset_index(drop=True)
    frame["ack_hours"] = (frame["acknowledged_at"] - frame["received_at"]).dt.total_seconds() / 3600
    frame["resolve_hours"] = (frame["resolved_at"] - frame["received_at"]).dt.total_seconds() / 3600
    frame["compensated"] = (frame["compensation_cny"].fillna(0) > 0).astype(float)
    return frame


def customer_expectations(store: Store, workspace: str) -> pd.Series:
    """Each customer's mean adequate level over all three-column items they answered."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(Customer.code, Response.answers)
            .join(Customer, Customer.id == Response.customer_id)
            .where(Response.workspace_id == ws.id)
        ).all()
    sums: dict[str, list[float]] = {}
    for code, answers in rows:
        vals = [
            float(v)
            for k, v in answers.items()
            if k.endswith("_adequate") and not k.startswith("wait") and v is not None
        ]
        if vals:
            sums.setdefault(code, []).append(float(np.mean(vals)))
    return pd.Series({k: float(np.mean(v)) for k, v in sums.items()}, name="expectation")


ACK_EDGES_H = (0.0, 2.0, 24.0, float("inf"))


@dataclass(frozen=True)
class RecoveryReport(ResultMixin):
    """The recovery paradox (by acknowledgement speed) and what worked, on ``n`` recoveries."""

    paradox: PairedComparison
    outcomes: RecoveryOutcomes
    n: int


def recovery_report(
    store: Store, workspace: str, *, now: dt.datetime | None = None
) -> RecoveryReport:
    """Paradox and outcome tables of :mod:`servgap.core.recovery` on :func:`recovery_frame`."""
    from servgap.core.recovery import recovery_outcomes, recovery_paradox, speed_band

    frame = recovery_frame(store, workspace, now=now)
    # acknowledgement speed: within 2 h, same day, later (the seed's "fast recovery")
    frame["speed"] = speed_band(frame["ack_hours"].to_numpy(), ACK_EDGES_H).astype(str)
    paradox = recovery_paradox(frame, group_col="speed")
    outcomes = recovery_outcomes(frame, resolve_hours_col="resolve_hours", opened_col=None,
                                 resolved_col=None)  # fmt: skip
    return RecoveryReport(paradox, outcomes, len(frame))


def tolerance_model(
    store: Store,
    workspace: str,
    *,
    outcome: Outcome | None = None,
    now: dt.datetime | None = None,
) -> ToleranceCalibration:
    """Calibrate the tolerance score on known outcomes (churn or a repeat complaint).

    ``outcome`` None: ``churned_90d`` when at least as many recoveries have a
    known churn as a known repeat complaint, else ``complained_again_90d``
    (cases record no churn; their repeat complaints come from the cases).
    """
    from servgap.core.text import sentiment
    from servgap.core.tolerance import tolerance_features
    from servgap.core.tolerance_calibration import calibrate_tolerance

    if outcome is not None and outcome not in ("churned_90d", "complained_again_90d"):
        raise UsageError(
            f"`outcome` {outcome!r} is unknown; use churned_90d or complained_again_90d.",
            f"`outcome` {outcome!r} 未知；请使用 churned_90d 或 complained_again_90d。",
            fields=("outcome",),
        )
    frame = recovery_frame(store, workspace, now=now)
    if outcome is None:
        known = {c: int(frame[c].notna().sum()) for c in ("churned_90d", "complained_again_90d")}
        outcome = (
            "churned_90d"
            if known["churned_90d"] >= known["complained_again_90d"]
            else "complained_again_90d"
        )
    frame = frame[frame[outcome].notna()].reset_index(drop=True)
    if frame.empty:
        raise InsufficientDataError(
            f"No recovery in workspace `{workspace}` has a known {outcome} yet (a repeat "
            "complaint is known 90 days after a case is resolved).",
            f"工作区 `{workspace}` 还没有任何补救记录知道 {outcome}（再次投诉在工单解决 90 天后才能确定）。",
        )
    expectations = customer_expectations(store, workspace)
    frame["expectation"] = frame["customer"].map(expectations)
    from servgap.services.text_corrections import active_sentiment_model

    model = active_sentiment_model(store, workspace)  # retrained on the agents' corrections
    frame["sentiment"] = sentiment(frame["text"].tolist(), model=model).table["score"].to_numpy()
    feats = tolerance_features(
        frame.assign(code=frame["complaint"]),
        expectation_col="expectation",
        expectation_scale=(1.0, 9.0),
        ack_hours_col="ack_hours",
        resolve_hours_col="resolve_hours",
        compensated_col="compensated",
        sat_after_col="sat_after" if "sat_after" in frame else None,
        sentiment_col="sentiment",
    )
    return calibrate_tolerance(feats, frame[outcome].astype(float).to_numpy())
