"""The case queue: SLA clocks in business hours and the order in which to handle cases.

Targets per (category, priority) come from the workspace's ``sla_policy``
rows; keys they do not define fall back to :data:`DEFAULT_SLA_POLICIES`
(business hours; acknowledge / resolve): urgent 1 / 8, high 2 / 24,
normal 4 / 40, low 8 / 80. The business calendar is the workspace's
``calendar`` settings plus the official PRC holidays and 调休 make-up working
days (:func:`servgap.core.sla.business_calendar`); a listing whose clocks
reach a year the holiday data does not cover carries a warning.
Waiting-for-customer intervals pause the resolution clock; the current clock,
*overdue* and *at risk* follow :func:`servgap.core.sla_status.current_clocks`.
The queue is ordered by :func:`servgap.core.tolerance.rank_cases` (low
tolerance, high priority, little SLA time left first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.cases import OPEN_STATES, STATES, check_category
from servgap.core.errors import InputError
from servgap.core.sla import BusinessCalendar, business_calendar, holiday_coverage
from servgap.core.sla_status import SlaPolicy, current_clocks, sla_status
from servgap.core.tolerance import NEUTRAL_TOLERANCE, rank_cases
from servgap.core.workspace_settings import get_setting
from servgap.services.cases._base import codes_of, now_or_clock, one_time, utc_index
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, CaseEvent, Customer, Site, SlaPolicyRow, Workspace

#: Default SLA targets in business hours (acknowledge, resolve) per priority,
#: used for every (category, priority) the workspace's policy rows leave open.
DEFAULT_SLA_POLICIES: tuple[SlaPolicy, ...] = (
    SlaPolicy("*", "urgent", 1.0, 8.0),
    SlaPolicy("*", "high", 2.0, 24.0),
    SlaPolicy("*", "normal", 4.0, 40.0),
    SlaPolicy("*", "low", 8.0, 80.0),
)

#: The workspace settings the business calendar reads (``calendar.<key>``).
CALENDAR_KEYS = ("workdays", "hours", "holidays", "extra_workdays")

#: Fraction of an SLA target below which a running clock is "at risk".
AT_RISK_FRACTION = 0.2

LIST_COLUMNS = [
    "rank", "case", "state", "priority", "category", "owner", "customer", "site",
    "channel", "opened_at", "tolerance", "sla_clock", "sla_state", "remaining_h",
    "target_h", "deadline", "overdue", "at_risk", "waiting", "escalated", "urgency", "summary",
]  # fmt: skip


def calendar_of(ws: Workspace) -> BusinessCalendar:
    """The workspace's business calendar: its ``calendar.*`` settings and the official holidays."""
    raw = (ws.settings or {}).get("calendar")
    spec = {k: get_setting(ws.settings, f"calendar.{k}") for k in CALENDAR_KEYS}
    if isinstance(raw, Mapping) and raw.get("tz"):
        spec["tz"] = raw["tz"]
    return business_calendar(spec, tz=ws.timezone or "Asia/Shanghai")


def sla_policies_of(session: Session, ws: Workspace) -> list[SlaPolicy]:
    """The workspace's SLA policies plus the defaults for keys they leave open."""
    rows = session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.workspace_id == ws.id)).all()
    out = [
        SlaPolicy(r.category, r.priority, r.acknowledge_within_h, r.resolve_within_h) for r in rows
    ]
    have = {(p.category, p.priority) for p in out}
    out.extend(p for p in DEFAULT_SLA_POLICIES if (p.category, p.priority) not in have)
    return out


@dataclass(frozen=True)
class CaseClocks(ResultMixin):
    """The current SLA clock of some cases (:func:`servgap.core.sla_status.current_clocks`).

    ``table``: ``case, sla_clock, sla_state, remaining_h, target_h, deadline,
    overdue, at_risk``. ``uncovered_years``: years the clocks span that have
    no official holiday data (only weekends and the workspace's own days
    count there); ``warning_en``/``warning_zh`` say so, None when all are covered.
    """

    table: pd.DataFrame
    uncovered_years: tuple[int, ...]
    warning_en: str | None
    warning_zh: str | None

    def warning(self, lang: str = "en") -> str | None:
        return self.warning_zh if lang == "zh" else self.warning_en

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _pauses(session: Session, cases: Sequence[Case], at: dt.datetime) -> pd.DataFrame:
    """Waiting-for-customer intervals of ``cases`` up to ``at`` (end NaT: still waiting)."""
    ids = {c.id: c.code for c in cases}
    rows: list[dict[str, Any]] = []
    if ids:
        for case_id, data, end in session.execute(
            select(CaseEvent.case_id, CaseEvent.data, CaseEvent.at).where(
                CaseEvent.case_id.in_(ids), CaseEvent.kind == "resume"
            )
        ).all():
            since = (data or {}).get("since")
            if since:
                start = dt.datetime.fromisoformat(str(since))
                rows.append({"case": ids[case_id], "start": start, "end": end})
    for c in cases:
        if c.waiting_since is not None:
            rows.append({"case": c.code, "start": c.waiting_since, "end": None})
    frame = pd.DataFrame(rows, columns=["case", "start", "end"])
    frame["start"] = utc_index(frame["start"].tolist())
    frame["end"] = utc_index(frame["end"].tolist())
    frame = frame[frame["start"] <= pd.Timestamp(at)].copy()
    frame.loc[frame["end"] > pd.Timestamp(at), "end"] = pd.NaT
    return frame


def clocks_of(
    session: Session, ws: Workspace, cases: Sequence[Case], at: dt.datetime
) -> CaseClocks:
    """The current SLA clocks of ``cases`` (opened by ``at``) as they stand at ``at``."""
    cal = calendar_of(ws)
    base = pd.DataFrame(
        {
            "case": [c.code for c in cases],
            "opened_at": utc_index([c.opened_at for c in cases]),
            "acknowledged_at": utc_index(
                [c.acknowledged_at if c.acknowledged_at and c.acknowledged_at <= at else None
                 for c in cases]),
            "resolved_at": utc_index(
                [c.resolved_at if c.resolved_at and c.resolved_at <= at else None
                 for c in cases]),
            "category": [c.category for c in cases],
            "priority": [c.priority for c in cases],
        }
    )  # fmt: skip
    status = sla_status(
        base, now=at, calendar=cal, policies=sla_policies_of(session, ws),
        pauses=_pauses(session, cases, at), at_risk_fraction=AT_RISK_FRACTION,
    )  # fmt: skip
    table = current_clocks(status, {c.code: c.state for c in cases})
    cover = holiday_coverage(base["opened_at"], [at], status.table["deadline"], tz=cal.tz)
    return CaseClocks(table, cover.uncovered, cover.warning("en"), cover.warning("zh"))


@dataclass(frozen=True)
class CaseQueue(ResultMixin):
    """The case queue (:func:`case_queue`): one row per case, most urgent first.

    ``table`` columns: :data:`LIST_COLUMNS`. ``uncovered_years``,
    ``warning_en``, ``warning_zh``: as in :class:`CaseClocks`.
    """

    table: pd.DataFrame
    uncovered_years: tuple[int, ...]
    warning_en: str | None
    warning_zh: str | None

    def warning(self, lang: str = "en") -> str | None:
        return self.warning_zh if lang == "zh" else self.warning_en

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def case_queue(
    store: Store,
    *,
    workspace: str,
    include_finished: bool = False,
    states: Sequence[str] | None = None,
    overdue: bool = False,
    at_risk: bool = False,
    now: dt.datetime | None = None,
    at: str | None = None,
    order: Literal["tolerance", "opened"] = "tolerance",
    site: str | None = None,
    category: str | None = None,
    owner: str | None = None,
) -> CaseQueue:
    """The case queue with SLA state and tolerance, most urgent first, and its calendar warning.

    By default only open cases (new … recovery_offered). ``overdue`` keeps
    cases with a running clock past its target; ``at_risk`` cases with a
    running clock under 20 % of its target left (not yet breached); both
    flags together keep either. ``order="tolerance"`` ranks with
    :func:`servgap.core.tolerance.rank_cases`; ``"opened"`` by opening time.
    The queue stands as of ``now`` (an aware datetime) or ``at`` (a time typed
    in the workspace's zone), default the current time. ``site``, ``category`` and
    ``owner`` keep the cases of one site code, one category and one owner (the
    agent the case is assigned to; ``-`` keeps the cases nobody owns).
    """
    for s in states or ():
        if s not in STATES:
            raise InputError(
                f"Unknown case state {s!r}; use one of {', '.join(STATES)}.",
                f"未知的工单状态 {s!r}；请使用 {'、'.join(STATES)} 之一。",
            )
    if category:
        check_category(category)
    empty = CaseQueue(pd.DataFrame(columns=LIST_COLUMNS), (), None, None)
    with store.session() as session:
        ws = get_workspace(session, workspace)
        when = now_or_clock(one_time(now, at, ws))
        q = select(Case).where(Case.workspace_id == ws.id, Case.opened_at <= when)
        if site:
            q = q.join(Site, Site.id == Case.site_id).where(Site.code == site)
        if category:
            q = q.where(Case.category == category)
        if owner == "-":
            q = q.where(Case.owner.is_(None))
        elif owner:
            q = q.where(Case.owner == owner)
        if states:
            q = q.where(Case.state.in_(list(states)))
        elif not include_finished:
            q = q.where(Case.state.in_(sorted(OPEN_STATES)))
        cases = list(session.scalars(q.order_by(Case.opened_at, Case.id)).all())
        if not cases:
            return empty
        clocks = clocks_of(session, ws, cases, when)
        sites = codes_of(session, Site, {c.site_id for c in cases if c.site_id})
        custs = codes_of(session, Customer, {c.customer_id for c in cases if c.customer_id})
        cur = {str(r["case"]): r for r in clocks.table.to_dict("records")}
        rows: list[dict[str, Any]] = []
        for c in cases:
            k = cur[c.code]
            rows.append(
                {
                    "case": c.code,
                    "state": c.state,
                    "priority": c.priority,
                    "category": c.category,
                    "owner": c.owner,
                    "customer": custs.get(c.customer_id) if c.customer_id else None,
                    "site": sites.get(c.site_id) if c.site_id else None,
                    "channel": c.channel,
                    "opened_at": c.opened_at.isoformat(),
                    # a case stored without a score ranks at the neutral prior
                    "tolerance": NEUTRAL_TOLERANCE if c.tolerance is None else float(c.tolerance),
                    "sla_clock": str(k["sla_clock"]),
                    "sla_state": str(k["sla_state"]),
                    "remaining_h": round(float(k["remaining_h"]), 3),
                    "target_h": float(k["target_h"]),
                    "deadline": str(pd.Timestamp(k["deadline"]).isoformat()),
                    "overdue": bool(k["overdue"]),
                    "at_risk": bool(k["at_risk"]),
                    "waiting": c.waiting_since is not None,
                    "escalated": c.escalated,
                    "summary": c.summary[:60],
                }
            )
    frame = pd.DataFrame(rows)
    if overdue or at_risk:
        keep = (frame["overdue"] & overdue) | (frame["at_risk"] & at_risk)
        frame = frame[keep].reset_index(drop=True)
        if frame.empty:
            return CaseQueue(empty.table, clocks.uncovered_years, clocks.warning_en,
                             clocks.warning_zh)  # fmt: skip
    if order == "tolerance":
        frame = rank_cases(frame).table
    else:
        frame = frame.reset_index(drop=True)
        frame["urgency"] = np.nan
        frame["rank"] = np.arange(1, len(frame) + 1)
    frame["urgency"] = frame["urgency"].astype(float).round(4)
    return CaseQueue(frame[LIST_COLUMNS], clocks.uncovered_years, clocks.warning_en,
                     clocks.warning_zh)  # fmt: skip


def list_cases(
    store: Store,
    *,
    workspace: str,
    include_finished: bool = False,
    states: Sequence[str] | None = None,
    overdue: bool = False,
    at_risk: bool = False,
    now: dt.datetime | None = None,
    at: str | None = None,
    order: Literal["tolerance", "opened"] = "tolerance",
    site: str | None = None,
    category: str | None = None,
    owner: str | None = None,
) -> pd.DataFrame:
    """The table of :func:`case_queue` (columns :data:`LIST_COLUMNS`)."""
    return case_queue(
        store, workspace=workspace, include_finished=include_finished, states=states,
        overdue=overdue, at_risk=at_risk, now=now, at=at, order=order, site=site,
        category=category, owner=owner,
    ).table  # fmt: skip
