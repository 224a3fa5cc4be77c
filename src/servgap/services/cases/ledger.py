"""The compensation ledger: recovery actions and their amounts per customer or site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from sqlalchemy import select

from servgap.core.cases import RECOVERY_ACTIONS
from servgap.core.errors import UsageError
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, Customer, RecoveryAction, Site


@dataclass(frozen=True)
class Ledger:
    """Compensation ledger: per customer or site, totals and counts.

    ``table`` columns: the key (``customer`` or ``site``), ``cases`` (cases
    with at least one action), ``actions``, ``compensated_cases`` (cases with
    an amount > 0), one ``<action>_cny`` column per amount-bearing action
    type (refund, coupon, compensation) and ``total_cny``.
    """

    by: str
    table: pd.DataFrame
    total_cny: float
    n_actions: int
    n_cases: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "total_cny": self.total_cny,
            "n_actions": self.n_actions,
            "n_cases": self.n_cases,
            "rows": self.table.to_dict("records"),
        }


def compensation_ledger(
    store: Store, *, workspace: str, by: Literal["customer", "site"] = "customer"
) -> Ledger:
    """Sum recovery actions and their amounts per customer or per site."""
    if by not in ("customer", "site"):
        raise UsageError(
            f"Ledger grouping `by` {by!r} is unknown; use customer or site.",
            f"台账分组 `by` {by!r} 未知；请使用 customer 或 site。",
            fields=("by",),
        )
    key_model: type[Customer] | type[Site] = Customer if by == "customer" else Site
    key_col = Case.customer_id if by == "customer" else Case.site_id
    with store.session() as session:
        ws = get_workspace(session, workspace)
        rows = session.execute(
            select(key_model.code, Case.id, RecoveryAction.action, RecoveryAction.amount_cny)
            .select_from(RecoveryAction)
            .join(Case, Case.id == RecoveryAction.case_id)
            .outerjoin(key_model, key_model.id == key_col)
            .where(Case.workspace_id == ws.id)
        ).all()
    money = [a for a, t in RECOVERY_ACTIONS.items() if t.amount_required]
    cols = [by, "cases", "actions", "compensated_cases", *(f"{a}_cny" for a in money), "total_cny"]
    if not rows:
        return Ledger(by, pd.DataFrame(columns=cols), 0.0, 0, 0)
    df = pd.DataFrame(rows, columns=[by, "case_id", "action", "amount_cny"])
    df[by] = df[by].fillna("(none)")
    g = df.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "cases": g["case_id"].nunique(),
            "actions": g.size(),
            "compensated_cases": df[df["amount_cny"] > 0].groupby(by)["case_id"].nunique(),
        }
    )
    for a in money:
        out[f"{a}_cny"] = df[df["action"] == a].groupby(by)["amount_cny"].sum()
    out["total_cny"] = g["amount_cny"].sum()
    out = out.fillna(0).reset_index()
    out["compensated_cases"] = out["compensated_cases"].astype(int)
    out = out.sort_values(["total_cny", by], ascending=[False, True], kind="mergesort")
    return Ledger(
        by,
        out[cols].reset_index(drop=True),
        float(df["amount_cny"].sum()),
        len(df),
        int(df["case_id"].nunique()),
    )
