"""What the case modules share: times, case lookups, the event writer and the case's state.

Every change to a case locks it (:func:`get_case_row` with ``lock=True``),
takes its time inside the transaction (:func:`event_time`), applies the event
with :func:`servgap.core.cases.apply_event` (the one rule for case changes,
also used to replay a history) and writes the event row (:func:`write_event`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core.cases import CaseEvent as CoreEvent
from servgap.core.cases import CaseState, apply_event
from servgap.core.errors import InputError, NotFoundError, UsageError
from servgap.core.parse import CellError, check_window, parse_datetime
from servgap.services.cases.results import CaseView
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, CaseEvent, Customer, Site, Workspace
from servgap.store.types import utcnow

MAX_PROBLEMS = 10_000


# --------------------------------------------------------------------------- times


def checked_time(now: dt.datetime | None) -> dt.datetime | None:
    """A caller's explicit time, refused when it has no time zone; None stays None."""
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise InputError(
            f"The time {now.isoformat()} has no time zone; give an aware datetime (e.g. +08:00).",
            f"时间 {now.isoformat()} 缺少时区；请提供带时区的时间（如 +08:00）。",
        )
    return now


def zone_of(ws: Workspace) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(ws.timezone or "Asia/Shanghai")


def typed_time(value: str | dt.datetime | None, ws: Workspace, *, field: str) -> dt.datetime | None:
    """A time a person typed (``2026-03-02 09:30``, ``2026-03-02T09:30+08:00``), or None.

    Read by :func:`servgap.core.parse.parse_datetime` in the workspace's time
    zone unless the text carries an offset, and refused before 1990 or more
    than a day ahead (:func:`servgap.core.parse.check_window`). An aware
    datetime passes unchanged; a naive one is refused.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return checked_time(value)
    try:
        when = parse_datetime(value, tz=zone_of(ws))
        check_window(when, now=utcnow())
    except CellError as exc:
        raise UsageError(
            f"`{field}` {value!r} {exc.en}",
            f"`{field}` {value!r} {exc.zh}",
            fields=(field,),
        ) from None
    return when


def one_time(
    now: dt.datetime | None, at: str | None, ws: Workspace, *, field: str = "at"
) -> dt.datetime | None:
    """The time of an action: ``now`` (an aware datetime) or ``at`` (typed text), not both."""
    if now is not None and at is not None:
        raise UsageError(
            f"Give the time once: as a datetime (`now`) or as text (`{field}`), not both.",
            f"时间只能给一次：datetime（`now`）或文本（`{field}`），不能同时给。",
            fields=("now", field),
        )
    return checked_time(now) if at is None else typed_time(at, ws, field=field)


def now_or_clock(now: dt.datetime | None) -> dt.datetime:
    """The caller's time (checked) or, without one, the clock's."""
    given = checked_time(now)
    return utcnow() if given is None else given


def iso(v: dt.datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def utc_index(values: Sequence[dt.datetime | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values), dtype=object), utc=True)


# --------------------------------------------------------------------------- lookups


def get_case_row(session: Session, ws: Workspace, code: str, *, lock: bool = False) -> Case:
    """The case ``code``; with ``lock``, held by this transaction until it ends.

    Every function that changes a case locks it before it reads the case's
    history or the clock (:func:`event_time`), so that writers to one case
    run one after the other. On SQLite the session's ``BEGIN IMMEDIATE``
    already holds the database's write lock (:mod:`servgap.store.db`) and
    ``FOR UPDATE`` is not emitted; on PostgreSQL ``SELECT … FOR UPDATE``
    locks the case row.
    """
    q = select(Case).where(Case.workspace_id == ws.id, Case.code == code)
    case = session.scalar(q.with_for_update() if lock else q)
    if case is None:
        raise NotFoundError(
            f"Case `{code}` does not exist in workspace `{ws.code}`; list the workspace's cases "
            "(finished ones included) to find its code.",
            f"工作区 `{ws.code}` 中没有工单 `{code}`；请列出本工作区的工单（含已结束的）查找编号。",
        )
    return case


def codes_of(session: Session, model: type[Site] | type[Customer], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(model.id, model.code).where(model.id.in_(ids))).all()
    return {int(i): str(c) for i, c in rows}


def case_dict(case: Case, sites: dict[int, str], customers: dict[int, str]) -> CaseView:
    """The case's own columns as a :class:`CaseView` (site and customer ids as codes)."""
    return CaseView(
        case=case.code,
        state=case.state,
        priority=case.priority,
        category=case.category,
        owner=case.owner,
        customer=customers.get(case.customer_id) if case.customer_id else None,
        site=sites.get(case.site_id) if case.site_id else None,
        channel=case.channel,
        source=case.source,
        summary=case.summary,
        opened_at=iso(case.opened_at),
        acknowledged_at=iso(case.acknowledged_at),
        resolved_at=iso(case.resolved_at),
        closed_at=iso(case.closed_at),
        waiting_since=iso(case.waiting_since),
        reopen_count=case.reopen_count,
        tolerance=case.tolerance,
        satisfaction_before=case.satisfaction_before,
        satisfaction_after=case.satisfaction_after,
        escalated=case.escalated,
        idempotency_key=case.idempotency_key,
    )


def describe(session: Session, case: Case) -> CaseView:
    """The case as a :class:`CaseView`, its site and customer looked up."""
    sites = codes_of(session, Site, {case.site_id} if case.site_id else set())
    custs = codes_of(session, Customer, {case.customer_id} if case.customer_id else set())
    return case_dict(case, sites, custs)


V = TypeVar("V", bound=CaseView)


def extend(view: CaseView, cls: type[V], **extra: Any) -> V:
    """``view`` as the richer result ``cls`` (a :class:`CaseView` subclass) with ``extra`` fields.

    ``extra`` may also override a view field (:class:`CaseOutcome` does, for the
    outcome just recorded).
    """
    base = {f.name: getattr(view, f.name) for f in fields(CaseView)}
    return cls(**{**base, **extra})


# --------------------------------------------------------------------------- state and events


def state_of(case: Case) -> CaseState:
    """The case's stored columns as a :class:`servgap.core.cases.CaseState`."""
    return CaseState(
        state=case.state,
        opened_at=case.opened_at,
        priority=case.priority,
        acknowledged_at=case.acknowledged_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        waiting_since=case.waiting_since,
        reopen_count=case.reopen_count,
        escalated=case.escalated,
    )


def store_state(case: Case, state: CaseState) -> None:
    case.state = state.state
    if state.priority is not None:
        case.priority = state.priority
    case.acknowledged_at = state.acknowledged_at
    case.resolved_at = state.resolved_at
    case.closed_at = state.closed_at
    case.waiting_since = state.waiting_since
    case.reopen_count = state.reopen_count
    case.escalated = state.escalated


def last_event_at(session: Session, case: Case) -> dt.datetime | None:
    last: dt.datetime | None = session.scalar(
        select(func.max(CaseEvent.at)).where(CaseEvent.case_id == case.id)
    )
    return last


def event_time(session: Session, case: Case, now: dt.datetime | None) -> dt.datetime:
    """The time of the next change to ``case``, a case locked by this transaction.

    An explicit ``now`` is the caller's and :func:`write_event` checks it
    against the history (it must not precede the last event). Without one, the
    clock is read here, inside the transaction that holds the case
    (:func:`get_case_row` with ``lock=True``), so that concurrent writers to
    one case get increasing times in the order they write -- a clock read
    before the lock could be overtaken by a writer that locked first. If the
    clock still reads earlier than the last event (another server's clock runs
    ahead, or the last event was recorded with a later explicit time), the
    change takes the last event's time: the store decides the time of an
    implicit change and history never moves backwards.
    """
    if now is not None:
        return now
    at = utcnow()
    last = last_event_at(session, case)
    return at if last is None or at >= last else last


def write_event(
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
    last = last_event_at(session, case)
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


def change(
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
) -> CaseState:
    """Apply one event to ``case`` (:func:`servgap.core.cases.apply_event`) and record it.

    A change the case's state does not allow raises before anything is
    written (and the session rolls back).
    """
    new = apply_event(state_of(case), CoreEvent(at, actor, kind, from_state, to_state, note))
    write_event(session, case, at=at, actor=actor, kind=kind, from_state=from_state,
                to_state=to_state, note=note, data=data)  # fmt: skip
    store_state(case, new)
    return new


@contextmanager
def locked_case(
    store: Store, *, workspace: str, code: str, now: dt.datetime | None, at: str | None
) -> Iterator[tuple[Session, Case, dt.datetime]]:
    """One transaction on one case: the case row locked, then the event time taken.

    The rule every case change follows (issue 8): the time is read after the lock, so
    concurrent writers on one case serialise and each history moves forward in time.
    """
    with store.session() as session:
        ws = get_workspace(session, workspace)
        given = one_time(now, at, ws)
        case = get_case_row(session, ws, code, lock=True)
        yield session, case, event_time(session, case, given)


def case_workspace(session: Session, case: Case) -> Workspace:
    """The workspace a case belongs to."""
    ws = session.get(Workspace, case.workspace_id)
    assert ws is not None  # foreign key: a case always has its workspace
    return ws
