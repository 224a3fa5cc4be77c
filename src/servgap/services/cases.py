"""Complaint case handling and intake: open, move, act, SLA queue, escalation, ledger.

A complaint or a dissatisfied survey answer becomes a *case* (docs/domain.md §4)
with an owner, a priority, a category and a full history. This module is the
store-backed use-case layer over the pure logic of :mod:`servgap.core.cases`
(state machine, vocabularies, closed-loop rule), :mod:`servgap.core.sla`
(business-hour clocks) and :mod:`servgap.core.tolerance` (queue order).

Workflow
--------
Every move goes through :func:`servgap.core.cases.transition`; an illegal move
raises :class:`ConflictError` before anything is written (and the session
rolls back). Each change writes one ``CaseEvent`` row: ``created``,
``transition``, ``action``, ``note``, ``assigned``, ``wait_customer``,
``resume`` and ``escalated`` (:data:`servgap.core.cases.EVENT_KINDS`); the
whole history is replayed by :func:`servgap.core.cases.replay_history` in
:func:`get_case` to check that the stored columns agree with it. Moves set ``acknowledged_at``
(first move out of ``new``), ``resolved_at`` and ``closed_at``; a reopen
(``resolved``/``follow_up_done``/``closed`` → ``investigating``) increments
``reopen_count`` and clears ``resolved_at``/``closed_at``, as the replay does.
Resolving a case that waits for the customer first records an automatic
``resume`` (the pause ends).

SLA clocks
----------
Targets per (category, priority) come from the workspace's ``sla_policy``
rows; keys they do not define fall back to :data:`DEFAULT_SLA_POLICIES`
(business hours; acknowledge / resolve): urgent 1 / 8, high 2 / 24,
normal 4 / 40, low 8 / 80. The business calendar comes from
``workspace.settings["calendar"]``::

    {"tz": "Asia/Shanghai", "workdays": [0, 1, 2, 3, 4],
     "hours": ["09:00", "18:00"], "holidays": ["2026-10-01", ...],
     "extra_workdays": ["2026-10-11"]}

(defaults: Monday–Friday 09:00–18:00 in the workspace's time zone, no
holidays). Waiting-for-customer intervals pause the resolution clock. A case
is *overdue* when one of its running clocks is breached and *at risk* when a
running clock has less than 20 % of its target left
(:func:`servgap.core.sla.sla_status`). After a reopen the resolution clock
counts again from the original opening time.

Queue order
-----------
Each case stores a tolerance score (0–100) computed when it is opened from
the customer's tenure, order frequency and loyalty and the sentiment of the
complaint text (:func:`servgap.core.tolerance.tolerance_features`,
:func:`~servgap.core.tolerance.tolerance_scores`, default weights; missing
inputs are imputed at the neutral point and flagged in the ``created`` event).
:func:`list_cases` orders the queue with
:func:`servgap.core.tolerance.rank_cases` (low tolerance, high priority,
little SLA time left first), using the clock that currently runs.

Intake
------
:func:`open_case` (Python API), :func:`import_cases` (CSV/Excel, all or
nothing, every bad row listed), :func:`cases_from_complaints` (idempotency key
``complaint:<code>``) and :func:`cases_from_survey` (closed loop,
:func:`servgap.core.cases.case_from_survey_response`, key
``survey:<survey>:<response id>``). A case opened without a category is
classified with ``servgap.core.text.classify_complaints`` and its text scored
with ``servgap.core.text.sentiment`` when that package is importable;
otherwise the category is ``other`` and the sentiment unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core.cases import (
    CATEGORIES,
    OPEN_STATES,
    PRIORITIES,
    PRIORITY_LEVEL,
    STATES,
    case_from_survey_response,
    check_action,
    check_category,
    check_priority,
    is_reopen,
    replay_history,
    transition,
)
from servgap.core.cases import (
    CaseEvent as CoreEvent,
)
from servgap.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    ProblemCollector,
    SpecError,
)
from servgap.core.parse import check_text_length, text_length_error
from servgap.core.sla import BusinessCalendar, SlaPolicy, sla_status
from servgap.core.tolerance import rank_cases, tolerance_features, tolerance_scores
from servgap.services.context import Store, get_workspace
from servgap.services.tabular import open_table
from servgap.store.models import (
    Case,
    CaseEvent,
    Complaint,
    Customer,
    RecoveryAction,
    Response,
    Site,
    SlaPolicyRow,
    Workspace,
)
from servgap.store.types import utcnow

#: Default SLA targets in business hours (acknowledge, resolve) per priority,
#: used for every (category, priority) the workspace's policy rows leave open.
DEFAULT_SLA_POLICIES: tuple[SlaPolicy, ...] = (
    SlaPolicy("*", "urgent", 1.0, 8.0),
    SlaPolicy("*", "high", 2.0, 24.0),
    SlaPolicy("*", "normal", 4.0, 40.0),
    SlaPolicy("*", "low", 8.0, 80.0),
)

#: Fraction of an SLA target below which a running clock is "at risk".
AT_RISK_FRACTION = 0.2

INTAKE_CHANNELS = ("phone", "app", "web", "wechat", "email", "store", "survey", "other")
MAX_PROBLEMS = 10_000

LIST_COLUMNS = [
    "rank", "case", "state", "priority", "category", "owner", "customer", "site",
    "channel", "opened_at", "tolerance", "sla_clock", "sla_state", "remaining_h",
    "target_h", "deadline", "overdue", "at_risk", "waiting", "escalated", "urgency", "summary",
]  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _checked_time(now: dt.datetime | None) -> dt.datetime | None:
    """A caller's explicit time, refused when it has no time zone; None stays None."""
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise InputError(
            f"The time {now.isoformat()} has no time zone; give an aware datetime (e.g. +08:00).",
            f"时间 {now.isoformat()} 缺少时区；请提供带时区的时间（如 +08:00）。",
        )
    return now


def _now(now: dt.datetime | None) -> dt.datetime:
    """The caller's time (checked) or, without one, the clock's.

    Changes to an existing case take their time from :func:`_event_time`
    instead; intake reads the clock inside its transaction.
    """
    given = _checked_time(now)
    return utcnow() if given is None else given


def _iso(v: dt.datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def _utc_index(values: Sequence[dt.datetime | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values), dtype=object), utc=True)


def _ts_iso(v: Any) -> str:
    return str(pd.Timestamp(v).isoformat())


def _parse_hhmm(v: Any, what: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(v))
    except ValueError:
        raise SpecError(
            f"Workspace calendar: {what} {v!r} is not a time; write it like '09:00'.",
            f"工作区日历：{what} {v!r} 不是时间；请写成 '09:00'。",
        ) from None


def _parse_dates(v: Any, what: str) -> frozenset[dt.date]:
    out: set[dt.date] = set()
    for x in v or ():
        try:
            out.add(dt.date.fromisoformat(str(x)))
        except ValueError:
            raise SpecError(
                f"Workspace calendar: {what} entry {x!r} is not a date; write it like "
                "'2026-10-01'.",
                f"工作区日历：{what} 中的 {x!r} 不是日期；请写成 '2026-10-01'。",
            ) from None
    return frozenset(out)


def calendar_of(ws: Workspace) -> BusinessCalendar:
    """The workspace's business calendar from ``settings["calendar"]`` (see module notes)."""
    spec = (ws.settings or {}).get("calendar") or {}
    if not isinstance(spec, dict):
        raise SpecError(
            "Workspace setting `calendar` must be a mapping (workdays, hours, holidays, "
            "extra_workdays).",
            "工作区设置 `calendar` 须为映射（workdays、hours、holidays、extra_workdays）。",
        )
    hours = spec.get("hours", ["09:00", "18:00"])
    if not (isinstance(hours, list | tuple) and len(hours) == 2):
        raise SpecError(
            f"Workspace calendar: hours must be [open, close] like ['09:00', '18:00']; "
            f"got {hours!r}.",
            f"工作区日历：hours 须为 [开始, 结束]，如 ['09:00', '18:00']；当前为 {hours!r}。",
        )
    workdays = spec.get("workdays", [0, 1, 2, 3, 4])
    try:
        wd = frozenset(int(w) for w in workdays)
    except (TypeError, ValueError):
        raise SpecError(
            f"Workspace calendar: workdays must be numbers 0 (Monday) … 6; got {workdays!r}.",
            f"工作区日历：workdays 须为 0（周一）…6 的数字；当前为 {workdays!r}。",
        ) from None
    return BusinessCalendar(
        tz=str(spec.get("tz") or ws.timezone or "Asia/Shanghai"),
        workdays=wd,
        hours=(_parse_hhmm(hours[0], "opening"), _parse_hhmm(hours[1], "closing")),
        holidays=_parse_dates(spec.get("holidays"), "holidays"),
        extra_workdays=_parse_dates(spec.get("extra_workdays"), "extra_workdays"),
    )


def sla_policies_of(session: Session, ws: Workspace) -> list[SlaPolicy]:
    """The workspace's SLA policies plus the defaults for keys they leave open."""
    rows = session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.workspace_id == ws.id)).all()
    out = [
        SlaPolicy(r.category, r.priority, r.acknowledge_within_h, r.resolve_within_h) for r in rows
    ]
    have = {(p.category, p.priority) for p in out}
    out.extend(p for p in DEFAULT_SLA_POLICIES if (p.category, p.priority) not in have)
    return out


def _auto_text(texts: Sequence[str]) -> tuple[list[str | None], list[float | None]]:
    """Categories and sentiment scores from servgap.core.text, when available."""
    n = len(texts)
    cats: list[str | None] = [None] * n
    sents: list[float | None] = [None] * n
    idx = [i for i, s in enumerate(texts) if isinstance(s, str) and s.strip()]
    if not idx:
        return cats, sents
    sub = [texts[i] for i in idx]
    try:
        from servgap.core.text import classify_complaints

        res = classify_complaints(sub, explain=False)
        col = "category" if "category" in res.table.columns else res.table.columns[0]
        for i, c in zip(idx, res.table[col].tolist(), strict=True):
            cats[i] = str(c) if str(c) in CATEGORIES else None
    except Exception:
        pass
    try:
        from servgap.core.text import sentiment

        sres = sentiment(sub)
        for i, v in zip(idx, sres.table["score"].tolist(), strict=True):
            f = float(v)
            sents[i] = f if math.isfinite(f) else None
    except Exception:
        pass
    return cats, sents


def _tolerance(
    customers: Sequence[Customer | None], sentiments: Sequence[float | None], brand: Any
) -> list[tuple[float, str]]:
    """Tolerance score (0–100) and the imputed features for each (customer, sentiment)."""
    if not customers:
        return []

    def num(v: Any, lo: float, hi: float) -> float:
        if v is None:
            return math.nan
        f = float(v)
        return f if math.isfinite(f) and lo <= f <= hi else math.nan

    frame = pd.DataFrame(
        {
            "code": list(range(len(customers))),
            "tenure_months": [num(c and c.tenure_months, 0, 1e6) for c in customers],
            "orders_per_month": [num(c and c.orders_per_month, 0, 1e6) for c in customers],
            "loyalty_intent": [num(c and c.loyalty_intent, 1, 7) for c in customers],
            "sentiment": [num(s, -1, 1) for s in sentiments],
        }
    )
    b = None
    if isinstance(brand, int | float) and math.isfinite(brand) and 0 <= brand <= 100:
        b = float(brand)
    feats = tolerance_features(frame, sentiment_col="sentiment", brand_reputation=b)
    table = tolerance_scores(feats).table
    return [
        (round(float(s), 2), str(imp))
        for s, imp in zip(table["score"], table["imputed"], strict=True)
    ]


# --------------------------------------------------------------------------- case lookups


def _get_case(session: Session, ws: Workspace, code: str, *, lock: bool = False) -> Case:
    """The case ``code``; with ``lock``, held by this transaction until it ends.

    Every function that changes a case locks it before it reads the case's
    history or the clock (:func:`_event_time`), so that writers to one case
    run one after the other. On SQLite the session's ``BEGIN IMMEDIATE``
    already holds the database's write lock (:mod:`servgap.store.db`) and
    ``FOR UPDATE`` is not emitted; on PostgreSQL ``SELECT … FOR UPDATE``
    locks the case row.
    """
    q = select(Case).where(Case.workspace_id == ws.id, Case.code == code)
    case = session.scalar(q.with_for_update() if lock else q)
    if case is None:
        raise NotFoundError(
            f"Case `{code}` does not exist in workspace `{ws.code}`. List cases with "
            "`servgap case list --all`.",
            f"工作区 `{ws.code}` 中没有工单 `{code}`。可用 `servgap case list --all` 查看工单。",
        )
    return case


def _codes(session: Session, model: type[Site] | type[Customer], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {int(i): str(c) for i, c in session.execute(
        select(model.id, model.code).where(model.id.in_(ids))
    ).all()}  # fmt: skip


def _case_dict(case: Case, sites: dict[int, str], customers: dict[int, str]) -> dict[str, Any]:
    return {
        "case": case.code,
        "state": case.state,
        "priority": case.priority,
        "category": case.category,
        "owner": case.owner,
        "customer": customers.get(case.customer_id) if case.customer_id else None,
        "site": sites.get(case.site_id) if case.site_id else None,
        "channel": case.channel,
        "source": case.source,
        "summary": case.summary,
        "opened_at": _iso(case.opened_at),
        "acknowledged_at": _iso(case.acknowledged_at),
        "resolved_at": _iso(case.resolved_at),
        "closed_at": _iso(case.closed_at),
        "waiting_since": _iso(case.waiting_since),
        "reopen_count": case.reopen_count,
        "tolerance": case.tolerance,
        "escalated": case.escalated,
        "idempotency_key": case.idempotency_key,
    }


def _describe(session: Session, case: Case) -> dict[str, Any]:
    sites = _codes(session, Site, {case.site_id} if case.site_id else set())
    custs = _codes(session, Customer, {case.customer_id} if case.customer_id else set())
    return _case_dict(case, sites, custs)


def _last_event_at(session: Session, case: Case) -> dt.datetime | None:
    last: dt.datetime | None = session.scalar(
        select(func.max(CaseEvent.at)).where(CaseEvent.case_id == case.id)
    )
    return last


def _event_time(session: Session, case: Case, now: dt.datetime | None) -> dt.datetime:
    """The time of the next change to ``case``, a case locked by this transaction.

    An explicit ``now`` is the caller's and :func:`_event` checks it against
    the history (it must not precede the last event). Without one, the clock
    is read here, inside the transaction that holds the case
    (:func:`_get_case` with ``lock=True``), so that concurrent writers to one
    case get increasing times in the order they write -- a clock read before
    the lock could be overtaken by a writer that locked first. If the clock
    still reads earlier than the last event (another server's clock runs
    ahead, or the last event was recorded with a later explicit time), the
    change takes the last event's time: the store decides the time of an
    implicit change and history never moves backwards.
    """
    if now is not None:
        return now
    at = utcnow()
    last = _last_event_at(session, case)
    return at if last is None or at >= last else last


def _event(
    session: Session,
    case: Case,
    *,
    at: dt.datetime,
    actor: str,
    kind: str,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    last = _last_event_at(session, case)
    if last is not None and at < last:
        raise InputError(
            f"The time {at.isoformat()} is earlier than the case's last event "
            f"({last.isoformat()}); history must move forward in time.",
            f"时间 {at.isoformat()} 早于该工单最后一条记录（{last.isoformat()}）；历史记录须按时间先后。",
        )
    session.add(
        CaseEvent(
            case_id=case.id,
            at=at,
            actor=actor,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            note=note,
            data=data or {},
        )
    )
    session.flush()


# --------------------------------------------------------------------------- opening


@dataclass
class _Opener:
    """Opens cases inside one session (shared caches for bulk intake)."""

    session: Session
    ws: Workspace
    sites: dict[str, int] = field(default_factory=dict)
    next_no: int = 0

    def __post_init__(self) -> None:
        s, ws = self.session, self.ws
        self.sites = dict(
            s.execute(select(Site.code, Site.id).where(Site.workspace_id == ws.id)).all()
        )
        self.next_no = int(
            s.scalar(select(func.count(Case.id)).where(Case.workspace_id == ws.id)) or 0
        )

    def existing(self, key: str | None) -> Case | None:
        if key is None:
            return None
        return self.session.scalar(
            select(Case).where(Case.workspace_id == self.ws.id, Case.idempotency_key == key)
        )

    def new_code(self) -> str:
        while True:
            self.next_no += 1
            code = f"C{self.next_no:06d}"
            taken = self.session.scalar(
                select(Case.id).where(Case.workspace_id == self.ws.id, Case.code == code)
            )
            if taken is None:
                return code

    def customer(self, code: str | None, *, create: bool) -> tuple[Customer | None, bool]:
        """The customer with ``code`` (created when ``create``) and whether it was created."""
        if not code:
            return None, False
        c = self.session.scalar(
            select(Customer).where(Customer.workspace_id == self.ws.id, Customer.code == code)
        )
        if c is None and create:
            c = Customer(workspace_id=self.ws.id, code=code, attributes={})
            self.session.add(c)
            self.session.flush()
            return c, True
        return c, False

    def site_id(self, code: str | None) -> int | None:
        if not code:
            return None
        if code not in self.sites:
            known = ", ".join(sorted(self.sites)[:15])
            raise NotFoundError(
                f"Site `{code}` is not in workspace `{self.ws.code}`. Known site codes: "
                f"{known or '(none)'}.",
                f"网点 `{code}` 不在工作区 `{self.ws.code}` 中。已有网点代码：{known or '（无）'}。",
            )
        return self.sites[code]

    def open(
        self,
        *,
        summary: str,
        category: str | None,
        priority: str,
        customer: Customer | None,
        site_id: int | None,
        channel: str | None,
        actor: str,
        now: dt.datetime,
        source: str,
        complaint_id: int | None = None,
        response_id: int | None = None,
        idempotency_key: str | None = None,
        owner: str | None = None,
        sentiment: float | None = None,
        category_auto: bool = False,
        data: dict[str, Any] | None = None,
    ) -> tuple[Case, bool]:
        found = self.existing(idempotency_key)
        if found is not None:
            return found, False
        check_priority(priority)
        cat = check_category(category) if category else "other"
        (tol, imputed), = _tolerance(
            [customer], [sentiment], (self.ws.settings or {}).get("brand_reputation")
        )  # fmt: skip
        case = Case(
            workspace_id=self.ws.id,
            code=self.new_code(),
            idempotency_key=idempotency_key,
            source=source,
            complaint_id=complaint_id,
            response_id=response_id,
            customer_id=customer.id if customer else None,
            site_id=site_id,
            channel=channel,
            category=cat,
            priority=priority,
            state="new",
            owner=owner,
            summary=summary,
            opened_at=now,
            reopen_count=0,
            tolerance=tol,
            escalated=False,
        )
        self.session.add(case)
        self.session.flush()
        ev: dict[str, Any] = {
            "source": source,
            "priority": priority,
            "category": cat,
            "category_auto": category_auto,
            "sentiment": sentiment,
            "tolerance": tol,
            "tolerance_imputed": imputed,
        }
        ev.update(data or {})
        _event(self.session, case, at=now, actor=actor, kind="created", to_state="new", data=ev)
        if owner:
            _event(self.session, case, at=now, actor=actor, kind="assigned", data={"owner": owner})
        return case, True


def open_case(
    store: Store,
    *,
    workspace: str,
    summary: str,
    category: str | None = None,
    priority: str = "normal",
    customer: str | None = None,
    site: str | None = None,
    channel: str | None = None,
    actor: str = "system",
    complaint: str | None = None,
    idempotency_key: str | None = None,
    owner: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Open a case (or return the existing one with the same idempotency key).

    Parameters
    ----------
    summary : what the customer complains about, in their words.
    category : one of :data:`servgap.core.cases.CATEGORIES`; None = classify
        the summary with ``servgap.core.text`` when available, else "other".
    customer : customer code (created if new); site : a known site code.
    complaint : code of a stored complaint this case handles; its customer,
        site, channel and category fill the fields not given, and the
        idempotency key defaults to ``complaint:<code>``.

    Returns
    -------
    The case as a dict plus ``created`` (False when the key already existed).
    """
    explicit_at = _checked_time(now)
    check_text_length(summary, field="summary")
    with store.session() as session:
        ws = get_workspace(session, workspace)
        at = _now(explicit_at)  # the clock is read inside the transaction
        op = _Opener(session, ws)
        comp: Complaint | None = None
        if complaint is not None:
            comp = session.scalar(
                select(Complaint).where(
                    Complaint.workspace_id == ws.id, Complaint.code == complaint
                )
            )
            if comp is None:
                raise NotFoundError(
                    f"Complaint `{complaint}` does not exist in workspace `{workspace}`.",
                    f"工作区 `{workspace}` 中没有投诉 `{complaint}`。",
                )
            idempotency_key = idempotency_key or f"complaint:{complaint}"
        found = op.existing(idempotency_key)
        if found is not None:
            return {**_describe(session, found), "created": False}
        cust, _ = op.customer(customer, create=True)
        if cust is None and comp is not None and comp.customer_id is not None:
            cust = session.get(Customer, comp.customer_id)
        site_id = op.site_id(site)
        if site_id is None and comp is not None:
            site_id = comp.site_id
        if channel is None and comp is not None:
            channel = comp.channel
        if category is None and comp is not None and comp.category in CATEGORIES:
            category = comp.category
        auto_cat, sent = _auto_text([summary])
        auto = category is None and auto_cat[0] is not None
        case, created = op.open(
            summary=summary,
            category=category or auto_cat[0],
            priority=priority,
            customer=cust,
            site_id=site_id,
            channel=channel,
            actor=actor,
            now=at,
            source="complaint" if comp is not None else "manual",
            complaint_id=comp.id if comp else None,
            idempotency_key=idempotency_key,
            owner=owner,
            sentiment=sent[0],
            category_auto=auto,
            data={"complaint": complaint} if complaint else None,
        )
        return {**_describe(session, case), "created": created}


# --------------------------------------------------------------------------- workflow


def move_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    to: str,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Move a case to state ``to``; illegal moves raise ConflictError, nothing written."""
    explicit_at = _checked_time(now)
    check_text_length(note, field="note")
    with store.session() as session:
        case = _get_case(session, get_workspace(session, workspace), code, lock=True)
        at = _event_time(session, case, explicit_at)
        src = case.state
        transition(src, to)
        if src == "new" and case.acknowledged_at is None:
            case.acknowledged_at = at
        if is_reopen(src, to):
            case.reopen_count += 1
            case.resolved_at = None
            case.closed_at = None
        if to == "resolved":
            if case.waiting_since is not None:
                _event(session, case, at=at, actor=actor, kind="resume", to_state=None,
                       note="resolved while waiting for the customer",
                       data={"since": _iso(case.waiting_since), "auto": True})  # fmt: skip
                case.waiting_since = None
            case.resolved_at = at
        if to == "closed":
            case.closed_at = at
        case.state = to
        _event(
            session, case, at=at, actor=actor, kind="transition", from_state=src, to_state=to,
            note=note, data={"reopen": is_reopen(src, to)},
        )  # fmt: skip
        return _describe(session, case)


def act_on_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    action: str,
    amount_cny: float | None = None,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record a recovery action (apology, explanation, redelivery, refund, coupon, ...)."""
    explicit_at = _checked_time(now)
    check_text_length(note, field="note")
    kind = check_action(action, amount_cny)
    with store.session() as session:
        case = _get_case(session, get_workspace(session, workspace), code, lock=True)
        at = _event_time(session, case, explicit_at)
        if case.state == "closed":
            raise ConflictError(
                f"Case `{code}` is closed; reopen it (`servgap case move {code} investigating`) "
                "before recording a recovery action.",
                f"工单 `{code}` 已关闭；请先重新打开（`servgap case move {code} investigating`）"
                "再记录补救措施。",
            )
        amount = float(amount_cny) if amount_cny is not None else 0.0
        session.add(
            RecoveryAction(case_id=case.id, at=at, actor=actor, action=action,
                           amount_cny=amount, note=note)
        )  # fmt: skip
        _event(
            session, case, at=at, actor=actor, kind="action", note=note,
            data={"action": action, "amount_cny": amount if kind.amount_required else None},
        )  # fmt: skip
        return {**_describe(session, case), "action": action, "amount_cny": amount}


def note_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    note: str,
    actor: str = "system",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Add a note to a case's history."""
    explicit_at = _checked_time(now)
    check_text_length(note, field="note", listed=False)  # `case note CODE TEXT`
    if not note.strip():
        raise InputError("The note is empty; write some text.", "备注为空；请填写内容。")
    with store.session() as session:
        case = _get_case(session, get_workspace(session, workspace), code, lock=True)
        at = _event_time(session, case, explicit_at)
        _event(session, case, at=at, actor=actor, kind="note", note=note)
        return _describe(session, case)


def assign_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    owner: str,
    actor: str = "system",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Give a case to an owner."""
    explicit_at = _checked_time(now)
    if not owner.strip():
        raise InputError("The owner is empty; name a person.", "负责人为空；请填写负责人。")
    with store.session() as session:
        case = _get_case(session, get_workspace(session, workspace), code, lock=True)
        at = _event_time(session, case, explicit_at)
        prev = case.owner
        case.owner = owner.strip()
        _event(session, case, at=at, actor=actor, kind="assigned",
               data={"owner": case.owner, "previous": prev})  # fmt: skip
        return _describe(session, case)


def wait_for_customer(
    store: Store,
    *,
    workspace: str,
    code: str,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Pause the resolution clock while the firm waits for the customer."""
    explicit_at = _checked_time(now)
    check_text_length(note, field="note")
    with store.session() as session:
        case = _get_case(session, get_workspace(session, workspace), code, lock=True)
        at = _event_time(session, case, explicit_at)
        if case.waiting_since is not None:
            raise ConflictError(
                f"Case `{code}` already waits for the customer since "
                f"{case.waiting_since.isoformat()}; resume it first.",
                f"工单 `{code}` 自 {case.waiting_since.isoformat()} 起已在等待客户；请先恢复。",
            )
        if case.state not in OPEN_STATES:
            raise ConflictError(
                f"Case `{code}` is {case.state!r}; only open cases can wait for the customer.",
                f"工单 `{code}` 处于“{STATES[case.state][1]}”状态；只有未解决的工单可以等待客户。",
            )
        case.waiting_since = at
        _event(session, case, at=at, actor=actor, kind="wait_customer", note=note)
        return _describe(session, case)


def resume_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """End a waiting-for-customer pause (the customer replied)."""
    explicit_at = _checked_time(now)
    check_text_length(note, field="note")
    with store.session() as session:
        case = _get_case(session, get_workspace(session, workspace), code, lock=True)
        at = _event_time(session, case, explicit_at)
        if case.waiting_since is None:
            raise ConflictError(
                f"Case `{code}` is not waiting for the customer; nothing to resume.",
                f"工单 `{code}` 并未在等待客户；无需恢复。",
            )
        _event(session, case, at=at, actor=actor, kind="resume", note=note,
               data={"since": _iso(case.waiting_since)})  # fmt: skip
        case.waiting_since = None
        return _describe(session, case)


def get_case(store: Store, *, workspace: str, code: str) -> dict[str, Any]:
    """A case with its history, recovery actions and a replay check of the history.

    ``history_consistent`` is True when replaying the stored events with
    :func:`servgap.core.cases.replay_history` gives the stored state, reopen
    count and acknowledgement time.
    """
    with store.session() as session:
        case = _get_case(session, get_workspace(session, workspace), code)
        out = _describe(session, case)
        out["events"] = [
            {"at": _iso(e.at), "actor": e.actor, "kind": e.kind, "from_state": e.from_state,
             "to_state": e.to_state, "note": e.note, "data": e.data}
            for e in case.events
        ]  # fmt: skip
        out["actions"] = [
            {"at": _iso(a.at), "actor": a.actor, "action": a.action, "amount_cny": a.amount_cny,
             "note": a.note}
            for a in case.actions
        ]  # fmt: skip
        out["compensation_cny"] = float(sum(a.amount_cny for a in case.actions))
        replay = replay_history(
            [
                CoreEvent(e.at, e.actor, e.kind, e.from_state, e.to_state, e.note)
                for e in case.events
            ]
        )
        out["history_consistent"] = (
            replay.state == case.state
            and replay.reopen_count == case.reopen_count
            and replay.acknowledged_at == case.acknowledged_at
        )
        return out


# --------------------------------------------------------------------------- SLA queue


def _pauses(session: Session, cases: Sequence[Case]) -> pd.DataFrame:
    ids = {c.id: c.code for c in cases}
    rows: list[dict[str, Any]] = []
    if ids:
        for case_id, data, at in session.execute(
            select(CaseEvent.case_id, CaseEvent.data, CaseEvent.at).where(
                CaseEvent.case_id.in_(ids), CaseEvent.kind == "resume"
            )
        ).all():
            since = (data or {}).get("since")
            if since:
                start = dt.datetime.fromisoformat(str(since))
                rows.append({"case": ids[case_id], "start": start, "end": at})
    for c in cases:
        if c.waiting_since is not None:
            rows.append({"case": c.code, "start": c.waiting_since, "end": None})
    frame = pd.DataFrame(rows, columns=["case", "start", "end"])
    frame["start"] = _utc_index(frame["start"].tolist())
    frame["end"] = _utc_index(frame["end"].tolist())
    return frame


def list_cases(
    store: Store,
    *,
    workspace: str,
    include_finished: bool = False,
    states: Sequence[str] | None = None,
    overdue: bool = False,
    at_risk: bool = False,
    now: dt.datetime | None = None,
    order: Literal["tolerance", "opened"] = "tolerance",
) -> pd.DataFrame:
    """The case queue with SLA state and tolerance, most urgent first.

    By default only open cases (new … recovery_offered). ``overdue`` keeps
    cases with a running clock past its target; ``at_risk`` cases with a
    running clock under 20 % of its target left (not yet breached); both
    flags together keep either. ``order="tolerance"`` ranks with
    :func:`servgap.core.tolerance.rank_cases`; ``"opened"`` by opening time.
    Columns: :data:`LIST_COLUMNS`.
    """
    at = _now(now)
    for s in states or ():
        if s not in STATES:
            raise InputError(
                f"Unknown case state {s!r}; use one of {', '.join(STATES)}.",
                f"未知的工单状态 {s!r}；请使用 {'、'.join(STATES)} 之一。",
            )
    with store.session() as session:
        ws = get_workspace(session, workspace)
        q = select(Case).where(Case.workspace_id == ws.id, Case.opened_at <= at)
        if states:
            q = q.where(Case.state.in_(list(states)))
        elif not include_finished:
            q = q.where(Case.state.in_(sorted(OPEN_STATES)))
        cases = list(session.scalars(q.order_by(Case.opened_at, Case.id)).all())
        if not cases:
            return pd.DataFrame(columns=LIST_COLUMNS)
        cal = calendar_of(ws)
        policies = sla_policies_of(session, ws)
        sites = _codes(session, Site, {c.site_id for c in cases if c.site_id})
        custs = _codes(session, Customer, {c.customer_id for c in cases if c.customer_id})
        base = pd.DataFrame(
            {
                "case": [c.code for c in cases],
                "opened_at": _utc_index([c.opened_at for c in cases]),
                "acknowledged_at": _utc_index(
                    [c.acknowledged_at if c.acknowledged_at and c.acknowledged_at <= at else None
                     for c in cases]),
                "resolved_at": _utc_index(
                    [c.resolved_at if c.resolved_at and c.resolved_at <= at else None
                     for c in cases]),
                "category": [c.category for c in cases],
                "priority": [c.priority for c in cases],
            }
        )  # fmt: skip
        pauses = _pauses(session, cases)
        pauses = pauses[pauses["start"] <= pd.Timestamp(at)]
        pauses.loc[pauses["end"] > pd.Timestamp(at), "end"] = pd.NaT
        sla = sla_status(
            base, now=at, calendar=cal, policies=policies, pauses=pauses,
            at_risk_fraction=AT_RISK_FRACTION,
        ).table  # fmt: skip
        ack = sla[sla["clock"] == "acknowledge"].set_index("case")
        res = sla[sla["clock"] == "resolve"].set_index("case")
        rows: list[dict[str, Any]] = []
        for c in cases:
            a, r = ack.loc[c.code], res.loc[c.code]
            cur = a if (bool(a["running"]) and c.state == "new") else r
            running = [x for x in (a, r) if bool(x["running"]) and c.state in OPEN_STATES]
            is_over = any(x["state"] == "breached" for x in running)
            is_risk = not is_over and any(x["state"] == "at_risk" for x in running)
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
                    "tolerance": float(c.tolerance) if c.tolerance is not None else math.nan,
                    "sla_clock": str(cur["clock"]),
                    "sla_state": str(cur["state"]),
                    "remaining_h": round(float(cur["remaining_h"]), 3),
                    "target_h": float(cur["target_h"]),
                    "deadline": _ts_iso(cur["deadline"]),
                    "overdue": is_over,
                    "at_risk": is_risk,
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
            return pd.DataFrame(columns=LIST_COLUMNS)
    # cases without a stored tolerance rank at the neutral prior (no customer data)
    neutral = _tolerance([None], [None], None)[0][0]
    frame["tolerance"] = frame["tolerance"].fillna(neutral)
    if order == "tolerance":
        frame = rank_cases(frame).table
    else:
        frame = frame.reset_index(drop=True)
        frame["urgency"] = np.nan
        frame["rank"] = np.arange(1, len(frame) + 1)
    frame["urgency"] = frame["urgency"].astype(float).round(4)
    return frame[LIST_COLUMNS]


def escalate_cases(
    store: Store,
    *,
    workspace: str,
    codes: Sequence[str] = (),
    all_overdue: bool = False,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Escalate cases: set ``escalated``, raise priority one level, record an event.

    ``all_overdue`` adds every open case with a breached running SLA clock at
    ``now``. Urgent cases stay urgent (the event still records the escalation).
    """
    explicit_at = _checked_time(now)
    check_text_length(note, field="note")
    targets = list(dict.fromkeys(codes))
    if all_overdue:
        over = list_cases(store, workspace=workspace, overdue=True, now=explicit_at, order="opened")
        targets.extend(c for c in over["case"].tolist() if c not in targets)
    if not targets and not all_overdue:
        raise InputError(
            "Name the cases to escalate or pass --all-overdue.",
            "请指定要升级的工单，或使用 --all-overdue。",
            code="usage",
        )
    levels = list(PRIORITIES)
    out: list[dict[str, Any]] = []
    with store.session() as session:
        ws = get_workspace(session, workspace)
        # lock in one global order (by code), so two escalations of shared cases cannot deadlock
        locked = {code: _get_case(session, ws, code, lock=True) for code in sorted(targets)}
        for code in targets:
            case = locked[code]
            case_at = _event_time(session, case, explicit_at)
            if case.state not in OPEN_STATES:
                raise ConflictError(
                    f"Case `{code}` is {case.state!r}; only open cases can be escalated.",
                    f"工单 `{code}` 处于“{STATES[case.state][1]}”状态；只有未解决的工单可以升级。",
                )
            old = case.priority
            new = levels[min(PRIORITY_LEVEL[old] + 1, len(levels) - 1)]
            case.priority = new
            case.escalated = True
            _event(session, case, at=case_at, actor=actor, kind="escalated", note=note,
                   data={"from_priority": old, "to_priority": new})  # fmt: skip
            out.append({"case": code, "from_priority": old, "to_priority": new, "escalated": True})
    return out


# --------------------------------------------------------------------------- ledger


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
        raise InputError(
            f"Ledger grouping {by!r} is unknown; use customer or site.",
            f"台账分组 {by!r} 未知；请使用 customer 或 site。",
            code="usage",
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
    money = [a for a, t in _amount_actions().items() if t]
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


def _amount_actions() -> dict[str, bool]:
    from servgap.core.cases import RECOVERY_ACTIONS

    return {k: v.amount_required for k, v in RECOVERY_ACTIONS.items()}


# --------------------------------------------------------------------------- bulk intake


@dataclass
class IntakeReport:
    """Counts of a bulk intake (import, from-complaints, from-survey)."""

    source: str
    rows_read: int = 0
    opened: int = 0
    already_open: int = 0
    not_triggered: int = 0
    complaints_created: int = 0
    customers_created: int = 0
    cases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def cases_from_complaints(
    store: Store,
    *,
    workspace: str,
    actor: str = "system",
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> IntakeReport:
    """Open a case for every stored complaint that has none (key ``complaint:<code>``).

    Re-running never duplicates. ``since`` limits to complaints received then
    or later. The case opens at ``now`` (default: the current time), its
    priority from the complaint severity (1 low … 4 urgent; missing → normal).
    """
    explicit_at = _checked_time(now)
    report = IntakeReport(source="complaints")
    sev_pri = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
    with store.session() as session:
        ws = get_workspace(session, workspace)
        at = _now(explicit_at)  # the clock is read inside the transaction
        op = _Opener(session, ws)
        q = select(Complaint).where(Complaint.workspace_id == ws.id)
        if since is not None:
            q = q.where(Complaint.received_at >= _now(since))
        complaints = list(session.scalars(q.order_by(Complaint.received_at, Complaint.id)))
        keys = set(
            session.scalars(
                select(Case.idempotency_key).where(
                    Case.workspace_id == ws.id, Case.idempotency_key.like("complaint:%")
                )
            )
        )
        report.rows_read = len(complaints)
        todo = [c for c in complaints if f"complaint:{c.code}" not in keys]
        report.already_open = len(complaints) - len(todo)
        pc = ProblemCollector()
        for comp in todo:
            too_long = text_length_error(comp.text)
            if too_long is not None and len(pc) < MAX_PROBLEMS:
                pc.add(f"complaint `{comp.code}`: {too_long.en}",
                       f"投诉 `{comp.code}`：{too_long.zh}", column="text", value=comp.code)  # fmt: skip
        pc.raise_if_any(
            InputError,
            f"{len(pc)} stored complaint(s) are too long to open as cases; nothing was opened. "
            "Shorten their texts:",
            f"{len(pc)} 条已存投诉过长，无法立案；未立任何工单。请缩短其文本：",
        )
        need = [c.text for c in todo]
        cats, sents = _auto_text(need)
        for comp, cat, sent in zip(todo, cats, sents, strict=True):
            given = comp.category if comp.category in CATEGORIES else None
            case, _ = op.open(
                summary=comp.text,
                category=given or cat,
                priority=sev_pri.get(comp.severity or 0, "normal"),
                customer=session.get(Customer, comp.customer_id) if comp.customer_id else None,
                site_id=comp.site_id,
                channel=comp.channel,
                actor=actor,
                now=max(at, comp.received_at),
                source="complaint",
                complaint_id=comp.id,
                idempotency_key=f"complaint:{comp.code}",
                sentiment=sent,
                category_auto=given is None and cat is not None,
                data={"complaint": comp.code, "received_at": _iso(comp.received_at)},
            )
            report.opened += 1
            report.cases.append(case.code)
    return report


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip()


IMPORT_COLUMNS = ("code", "received_at", "text", "category", "customer", "site", "channel",
                  "priority")  # fmt: skip
IMPORT_REQUIRED = ("received_at", "text", "channel")


def import_cases(
    store: Store,
    path: Path,
    *,
    workspace: str,
    encoding: str | None = None,
    sheet: str | None = None,
    actor: str = "import",
    now: dt.datetime | None = None,
) -> IntakeReport:
    """Import complaints from CSV/Excel and open a case for each, all or nothing.

    Columns: ``code``? (complaint code; default a hash of received_at, text
    and customer so re-importing the same file never duplicates),
    ``received_at``, ``text``, ``category``?, ``customer``?, ``site``?,
    ``channel``, ``priority``?. Every bad row is listed (row, column, value);
    an unknown site code is an error naming it. Naive times are in the
    workspace's time zone. Cases open at ``max(now, received_at)``.
    """
    explicit_at = _checked_time(now)
    table = open_table(path, encoding=encoding, sheet=sheet,
                       max_bytes=store.settings.max_import_bytes)  # fmt: skip
    src = path.name
    cols = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in IMPORT_REQUIRED if c not in cols]
    if missing:
        raise InputError(
            f"{src}: required column(s) {missing} are missing (columns found: "
            f"{list(table.columns)}). Needed: received_at, text, channel; optional: code, "
            "category, customer, site, priority.",
            f"{src}：缺少必需列 {missing}（现有列：{list(table.columns)}）。必需：received_at、text、"
            "channel；可选：code、category、customer、site、priority。",
            code="invalid_file",
        )
    report = IntakeReport(source=src)
    pc = ProblemCollector()
    with store.session() as session:
        ws = get_workspace(session, workspace)
        at = _now(explicit_at)  # the clock is read inside the transaction
        op = _Opener(session, ws)
        tz = zoneinfo.ZoneInfo(ws.timezone or "Asia/Shanghai")
        recs: list[dict[str, Any]] = []
        seen: set[str] = set()

        def bad(en: str, zh: str, row: int, col: str, value: Any) -> None:
            if len(pc) < MAX_PROBLEMS:
                pc.add(en, zh, file=src, row=row, column=col, value=value)

        for start, frame in table.chunks():
            for i, raw in enumerate(frame.to_dict("records")):
                row = start + i
                report.rows_read += 1
                get = {k: raw.get(orig) for k, orig in cols.items()}
                rec: dict[str, Any] = {"row": row}
                text = get.get("text")
                if _blank(text):
                    bad("the complaint text is empty.", "投诉内容为空。", row, "text", text)
                rec["text"] = "" if _blank(text) else str(text).strip()
                too_long = text_length_error(rec["text"])
                if too_long is not None:
                    bad(too_long.en, too_long.zh, row, "text", rec["text"][:40] + "…")
                ts_raw = get.get("received_at")
                ts: pd.Timestamp | None = None
                if _blank(ts_raw):
                    bad("received_at is empty; give the time the complaint came in.",
                        "received_at 为空；请填写投诉收到的时间。", row, "received_at", ts_raw)  # fmt: skip
                else:
                    try:
                        ts = pd.Timestamp(str(ts_raw).strip().replace("/", "-"))
                    except (ValueError, TypeError):
                        bad("is not a date-time; write it like 2026-03-31 14:05.",
                            "不是日期时间；请写成 2026-03-31 14:05。", row, "received_at", ts_raw)  # fmt: skip
                    if ts is not None and ts.tzinfo is None:
                        ts = ts.tz_localize(tz)
                    if ts is not None and ts.to_pydatetime() > at:
                        bad("received_at is in the future.", "received_at 晚于当前时间。",
                            row, "received_at", ts_raw)  # fmt: skip
                rec["received_at"] = ts.to_pydatetime() if ts is not None else None
                ch = get.get("channel")
                if _blank(ch):
                    bad(f"channel is empty; use one of {', '.join(INTAKE_CHANNELS)}.",
                        f"渠道为空；请使用 {'、'.join(INTAKE_CHANNELS)} 之一。", row, "channel", ch)  # fmt: skip
                elif str(ch).strip().lower() not in INTAKE_CHANNELS:
                    bad(f"unknown channel; use one of {', '.join(INTAKE_CHANNELS)}.",
                        f"未知渠道；请使用 {'、'.join(INTAKE_CHANNELS)} 之一。", row, "channel", ch)  # fmt: skip
                rec["channel"] = None if _blank(ch) else str(ch).strip().lower()
                cat = get.get("category")
                rec["category"] = None
                if not _blank(cat):
                    if str(cat).strip() not in CATEGORIES:
                        bad(f"unknown category; use one of {', '.join(CATEGORIES)} or leave "
                            "it empty to classify the text.",
                            f"未知类别；请使用 {'、'.join(CATEGORIES)} 之一，或留空自动分类。",
                            row, "category", cat)  # fmt: skip
                    else:
                        rec["category"] = str(cat).strip()
                pri = get.get("priority")
                rec["priority"] = "normal"
                if not _blank(pri):
                    if str(pri).strip().lower() not in PRIORITIES:
                        bad(f"unknown priority; use one of {', '.join(PRIORITIES)}.",
                            f"未知优先级；请使用 {'、'.join(PRIORITIES)} 之一。", row, "priority",
                            pri)  # fmt: skip
                    else:
                        rec["priority"] = str(pri).strip().lower()
                site = get.get("site")
                rec["site"] = None
                if not _blank(site):
                    sc = str(site).strip()
                    if sc not in op.sites:
                        known = ", ".join(sorted(op.sites)[:15]) or "(none)"
                        bad(f"site `{sc}` is not in this workspace. Known site codes: {known}.",
                            f"网点 `{sc}` 不在本工作区。已有网点代码：{known}。", row, "site", sc)  # fmt: skip
                    else:
                        rec["site"] = sc
                cust = get.get("customer")
                rec["customer"] = None if _blank(cust) else str(cust).strip()[:64]
                code = get.get("code")
                if _blank(code):
                    h = hashlib.sha1(
                        f"{rec['received_at']}|{rec['text']}|{rec['customer']}".encode()
                    ).hexdigest()[:12]
                    rec["code"] = f"IMP-{h}"
                else:
                    rec["code"] = str(code).strip()[:64]
                    if rec["code"] in seen:
                        bad("this code appears more than once in the file; codes must be "
                            "unique.", "该编号在文件中重复出现；编号必须唯一。", row, "code",
                            rec["code"])  # fmt: skip
                seen.add(rec["code"])
                recs.append(rec)
        if report.rows_read == 0:
            raise InputError(
                f"File {src} has a header but no data rows; nothing was imported.",
                f"文件 {src} 只有表头没有数据行；未导入任何内容。",
                code="empty_file",
            )
        pc.raise_if_any(
            InputError,
            f"{src}: {len(pc)} problem(s); nothing was imported. Fix them and import again:",
            f"{src}：共 {len(pc)} 处问题；未导入任何内容。请修正后重新导入：",
        )
        existing = dict(
            session.execute(
                select(Complaint.code, Complaint.id).where(
                    Complaint.workspace_id == ws.id,
                    Complaint.code.in_([r["code"] for r in recs]),
                )
            ).all()
        )
        cats, sents = _auto_text([r["text"] for r in recs])
        for rec, acat, sent in zip(recs, cats, sents, strict=True):
            key = f"complaint:{rec['code']}"
            if op.existing(key) is not None:
                report.already_open += 1
                continue
            cust, new_customer = op.customer(rec["customer"], create=True)
            report.customers_created += int(new_customer)
            site_id = op.site_id(rec["site"])
            cat = rec["category"] or acat
            comp_id = existing.get(rec["code"])
            if comp_id is None:
                comp = Complaint(
                    workspace_id=ws.id, code=rec["code"], customer_id=cust.id if cust else None,
                    site_id=site_id, channel=rec["channel"], received_at=rec["received_at"],
                    text=rec["text"], category=cat,
                )  # fmt: skip
                session.add(comp)
                session.flush()
                comp_id = comp.id
                report.complaints_created += 1
            case, _ = op.open(
                summary=rec["text"],
                category=cat,
                priority=rec["priority"],
                customer=cust,
                site_id=site_id,
                channel=rec["channel"],
                actor=actor,
                now=max(at, rec["received_at"]),
                source="import",
                complaint_id=comp_id,
                idempotency_key=key,
                sentiment=sent,
                category_auto=rec["category"] is None and acat is not None,
                data={"complaint": rec["code"], "file": src, "row": rec["row"],
                      "received_at": _iso(rec["received_at"])},
            )  # fmt: skip
            report.opened += 1
            report.cases.append(case.code)
    return report


def cases_from_survey(
    store: Store,
    *,
    workspace: str,
    survey: str,
    items: Sequence[str],
    nps_col: str | None = "nps",
    actor: str = "survey",
    now: dt.datetime | None = None,
) -> IntakeReport:
    """Closed loop: open a case for each dissatisfied survey response, the same day.

    A response opens a case when its perceived level is below the
    respondent's own adequate level on one of ``items`` (SERVQUAL three-column
    items: ``<item>_adequate``, ``<item>_perceived``) or its ``nps_col``
    answer is 0–6 (:func:`servgap.core.cases.case_from_survey_response`).
    The idempotency key ``survey:<survey>:<response id>`` makes re-runs safe.
    The case opens at ``now`` (the day the run happens), category "other",
    priority from the decision (high for NPS ≤ 3 or a shortfall ≥ 2 points).
    """
    from servgap.services.responses import load_responses

    explicit_at = _checked_time(now)
    items = [i.strip() for i in items if i.strip()]
    definition, frame = load_responses(store, workspace=workspace, survey=survey)
    pc = ProblemCollector()
    for it in items:
        for part in ("adequate", "perceived"):
            if f"{it}_{part}" not in frame.columns:
                pc.add(
                    f"survey `{survey}` has no column `{it}_{part}`; watch SERVQUAL three-column "
                    "items (adequate, desired, perceived).",
                    f"调查 `{survey}` 没有列 `{it}_{part}`；请选择三栏式 SERVQUAL 题目。",
                    column=f"{it}_{part}",
                    value=it,
                )
    if nps_col and nps_col not in frame.columns:
        pc.add(
            f"survey `{survey}` has no NPS column `{nps_col}`; pass --nps-col or leave it out.",
            f"调查 `{survey}` 没有 NPS 列 `{nps_col}`；请用 --nps-col 指定或不使用。",
            column=nps_col,
        )
    if not items and not nps_col:
        pc.add(
            "no trigger given; name --items or --nps-col.",
            "未指定触发条件；请给出 --items 或 --nps-col。",
        )
    pc.raise_if_any(
        InputError,
        f"Cannot watch survey `{survey}` as asked.",
        f"无法按要求监测调查 `{survey}`。",
    )
    report = IntakeReport(source=f"survey:{survey}")
    with store.session() as session:
        ws = get_workspace(session, workspace)
        at = _now(explicit_at)  # the clock is read inside the transaction
        op = _Opener(session, ws)
        site_by_code = dict(op.sites)
        rid_of = dict(
            session.execute(
                select(Response.external_id, Response.id)
                .where(Response.workspace_id == ws.id)
                .where(Response.survey_id == _survey_id(session, ws, survey))
            ).all()
        )
        comment_cols = [q.code for q in definition.questions if q.type == "text"]
        for rec in frame.to_dict("records"):
            report.rows_read += 1
            rid = str(rec["response_id"])
            answers = {
                it: {"adequate": rec.get(f"{it}_adequate"), "perceived": rec.get(f"{it}_perceived")}
                for it in items
            }
            nps_v = rec.get(nps_col) if nps_col else None
            nps = None
            if nps_v is not None and not (isinstance(nps_v, float) and math.isnan(nps_v)):
                nps = int(float(nps_v))
            decision = case_from_survey_response(
                f"{survey}:{rid}", answers, watched_items=items or None, nps=nps
            )
            if not decision.open_case:
                report.not_triggered += 1
                continue
            if op.existing(decision.idempotency_key) is not None:
                report.already_open += 1
                continue
            comment = " ".join(
                str(rec[c]) for c in comment_cols if isinstance(rec.get(c), str) and rec[c].strip()
            )
            text = decision.summary_zh + (f" 客户留言：{comment}" if comment else "")
            _, sents = _auto_text([comment]) if comment else ([None], [None])
            ccode = rec.get("customer")
            cust, _ = op.customer(ccode if isinstance(ccode, str) else None, create=False)
            case, _ = op.open(
                summary=text,
                category="other",
                priority=decision.priority or "normal",
                customer=cust,
                site_id=site_by_code.get(str(rec.get("site"))) if rec.get("site") else None,
                channel="survey",
                actor=actor,
                now=at,
                source="survey",
                response_id=rid_of.get(rid),
                idempotency_key=decision.idempotency_key,
                sentiment=sents[0],
                data={
                    "survey": survey,
                    "response": rid,
                    "summary_en": decision.summary_en,
                    "triggers": decision.triggers.to_dict("records"),
                },
            )
            report.opened += 1
            report.cases.append(case.code)
    return report


def _survey_id(session: Session, ws: Workspace, code: str) -> int:
    from servgap.store.models import Survey

    sid = session.scalar(select(Survey.id).where(Survey.workspace_id == ws.id, Survey.code == code))
    return int(sid) if sid is not None else -1
