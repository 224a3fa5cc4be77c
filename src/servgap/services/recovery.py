"""Recovery analytics and the customer-tolerance model on a workspace's stored data.

Joins complaints, their recovery outcomes (post-recovery survey, actions,
compensation, speed, churn) and customers, then calls
:mod:`servgap.core.recovery` and :mod:`servgap.core.tolerance`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from servgap.core.errors import InsufficientDataError
from servgap.services.context import Store, get_workspace
from servgap.store.models import Complaint, Customer, Recovery, Response


def recovery_frame(store: Store, workspace: str) -> pd.DataFrame:
    """One row per recovered complaint with its survey answers and customer profile."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(
                Complaint.code,
                Complaint.received_at,
                Complaint.category,
                Complaint.text,
                Customer.code,
                Customer.tenure_months,
                Customer.orders_per_month,
                Customer.loyalty_intent,
                Recovery.acknowledged_at,
                Recovery.resolved_at,
                Recovery.actions,
                Recovery.compensation_cny,
                Recovery.survey,
                Recovery.churned_90d,
                Recovery.complained_again_90d,
            )
            .join(Recovery, Recovery.complaint_id == Complaint.id)
            .outerjoin(Customer, Customer.id == Complaint.customer_id)
            .where(Complaint.workspace_id == ws.id)
            .order_by(Complaint.received_at, Complaint.id)
        ).all()
    cols = ["complaint", "received_at", "category", "text", "customer", "tenure_months",
            "orders_per_month", "loyalty_intent", "acknowledged_at", "resolved_at", "actions",
            "compensation_cny", "survey", "churned_90d", "complained_again_90d"]  # fmt: skip
    frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
    if frame.empty:
        raise InsufficientDataError(
            f"Workspace `{workspace}` has no recovered complaints yet (no recovery outcomes).",
            f"工作区 `{workspace}` 还没有带补救结果的投诉。",
        )
    survey = pd.DataFrame(list(frame.pop("survey")))
    frame = pd.concat([frame, survey], axis=1)
    for c in ("received_at", "acknowledged_at", "resolved_at"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
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


@dataclass
class RecoveryReport:
    paradox: Any
    outcomes: Any
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "paradox": self.paradox.to_dict(), "outcomes": self.outcomes.to_dict()}


def recovery_report(store: Store, workspace: str) -> RecoveryReport:
    from servgap.core.recovery import recovery_outcomes, recovery_paradox, speed_band

    frame = recovery_frame(store, workspace)
    # acknowledgement speed: within 2 h, same day, later (the seed's "fast recovery")
    frame["speed"] = speed_band(frame["ack_hours"].to_numpy(), ACK_EDGES_H).astype(str)
    paradox = recovery_paradox(frame, group_col="speed")
    outcomes = recovery_outcomes(frame, resolve_hours_col="resolve_hours", opened_col=None,
                                 resolved_col=None)  # fmt: skip
    return RecoveryReport(paradox, outcomes, len(frame))


def tolerance_model(store: Store, workspace: str, *, outcome: str = "churned_90d") -> Any:
    """Calibrate the tolerance score on known outcomes (churn or repeat complaint)."""
    from servgap.core.text import sentiment
    from servgap.core.tolerance import calibrate_tolerance, tolerance_features

    frame = recovery_frame(store, workspace)
    frame = frame[frame[outcome].notna()].reset_index(drop=True)
    expectations = customer_expectations(store, workspace)
    frame["expectation"] = frame["customer"].map(expectations)
    frame["sentiment"] = sentiment(frame["text"].tolist()).table["score"].to_numpy()
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
