"""Moving a case through its workflow: states, actions, notes, owners, pauses, escalation.

Every change goes through :func:`servgap.core.cases.apply_event` (by
:func:`servgap.services.cases._base.change`); a change the case's state does
not allow raises :class:`~servgap.core.errors.ConflictError` before anything is
written (and the session rolls back). Each change writes one ``CaseEvent`` row:
``transition``, ``action``, ``note``, ``assigned``, ``wait_customer``,
``resume``, ``escalated`` (:data:`servgap.core.cases.EVENT_KINDS`), and
:func:`get_case` replays the whole history with the same rule
(:func:`servgap.core.cases.replay_history`) to check the stored columns.
Resolving a case that waits for the customer first records an automatic
``resume`` (the pause ends).

Times: ``now`` is an aware datetime (Python callers); ``at`` a time a person
typed, read in the workspace's time zone; without either, the store's clock
inside the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from servgap.core.cases import CaseEvent as CoreEvent
from servgap.core.cases import check_action, escalated_priority, is_reopen, replay_history
from servgap.core.errors import InputError, UsageError
from servgap.core.parse import check_text_length
from servgap.services.cases._base import (
    change,
    describe,
    event_time,
    extend,
    get_case_row,
    iso,
    last_event_at,
    locked_case,
    one_time,
    state_of,
)
from servgap.services.cases.queue import clocks_of, list_cases
from servgap.services.cases.results import (
    ActionRecorded,
    CaseDetail,
    CaseEventView,
    CaseView,
    Escalation,
    RecoveryActionView,
    SlaClock,
)
from servgap.services.context import Store, get_workspace
from servgap.store.models import RecoveryAction
from servgap.store.types import utcnow


def move_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    to: str,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> CaseView:
    """Move a case to state ``to``; illegal moves raise ConflictError, nothing written."""
    check_text_length(note, field="note")
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        src = case.state
        if to == "resolved" and case.waiting_since is not None:
            change(session, case, at=when, actor=actor, kind="resume",
                   note="resolved while waiting for the customer",
                   data={"since": iso(case.waiting_since), "auto": True})  # fmt: skip
        change(session, case, at=when, actor=actor, kind="transition", from_state=src,
               to_state=to, note=note, data={"reopen": is_reopen(src, to)})  # fmt: skip
        return describe(session, case)


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
    at: str | None = None,
) -> ActionRecorded:
    """Record a recovery action (apology, explanation, redelivery, refund, coupon, ...)."""
    check_text_length(note, field="note")
    kind = check_action(action, amount_cny)
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        amount = float(amount_cny) if amount_cny is not None else 0.0
        change(session, case, at=when, actor=actor, kind="action", note=note,
               data={"action": action, "amount_cny": amount if kind.amount_required else None})  # fmt: skip
        session.add(RecoveryAction(case_id=case.id, at=when, actor=actor, action=action,
                                   amount_cny=amount, note=note))  # fmt: skip
        return extend(describe(session, case), ActionRecorded, action=action, amount_cny=amount)


def note_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    note: str,
    actor: str = "system",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> CaseView:
    """Add a note to a case's history."""
    check_text_length(note, field="note", listed=False)  # `case note CODE TEXT`
    if not note.strip():
        raise InputError("The note is empty; write some text.", "备注为空；请填写内容。")
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        change(session, case, at=when, actor=actor, kind="note", note=note)
        return describe(session, case)


def assign_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    owner: str,
    actor: str = "system",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> CaseView:
    """Give a case to an owner."""
    if not owner.strip():
        raise InputError("The owner is empty; name a person.", "负责人为空；请填写负责人。")
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        prev = case.owner
        change(session, case, at=when, actor=actor, kind="assigned",
               data={"owner": owner.strip(), "previous": prev})  # fmt: skip
        case.owner = owner.strip()
        return describe(session, case)


def wait_for_customer(
    store: Store,
    *,
    workspace: str,
    code: str,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> CaseView:
    """Pause the resolution clock while the firm waits for the customer."""
    check_text_length(note, field="note")
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        change(session, case, at=when, actor=actor, kind="wait_customer", note=note)
        return describe(session, case)


def resume_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> CaseView:
    """End a waiting-for-customer pause (the customer replied)."""
    check_text_length(note, field="note")
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        since = iso(case.waiting_since)
        change(session, case, at=when, actor=actor, kind="resume", note=note,
               data={"since": since})  # fmt: skip
        return describe(session, case)


def escalate_cases(
    store: Store,
    *,
    workspace: str,
    codes: Sequence[str] = (),
    all_overdue: bool = False,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> tuple[Escalation, ...]:
    """Escalate cases: flag them, raise the priority one level, record an event.

    ``all_overdue`` adds every open case with a breached running SLA clock at
    the time of the escalation. Urgent cases stay urgent
    (:func:`servgap.core.cases.escalated_priority`; the event still records
    the escalation).
    """
    check_text_length(note, field="note")
    targets = list(dict.fromkeys(codes))
    if not targets and not all_overdue:
        raise UsageError(
            "Name the cases to escalate, or ask for every overdue case (`all_overdue`).",
            "请指定要升级的工单，或选择升级所有超时工单（`all_overdue`）。",
            fields=("all_overdue",),
        )
    if all_overdue:
        over = list_cases(store, workspace=workspace, overdue=True, now=now, at=at,
                          order="opened")  # fmt: skip
        targets.extend(c for c in over["case"].tolist() if c not in targets)
    out: list[Escalation] = []
    with store.session() as session:
        ws = get_workspace(session, workspace)
        given = one_time(now, at, ws)
        # lock in one global order (by code), so two escalations of shared cases cannot deadlock
        locked = {code: get_case_row(session, ws, code, lock=True) for code in sorted(targets)}
        for code in targets:
            case = locked[code]
            when = event_time(session, case, given)
            old, up = case.priority, escalated_priority(case.priority)
            change(session, case, at=when, actor=actor, kind="escalated", note=note,
                   data={"from_priority": old, "to_priority": up})  # fmt: skip
            out.append(Escalation(code, old, up, escalated=True))
    return tuple(out)


def get_case(store: Store, *, workspace: str, code: str) -> CaseDetail:
    """A case with its history, recovery actions, current SLA clock and a replay check.

    ``history_consistent`` is True when replaying the stored events with
    :func:`servgap.core.cases.replay_history` (the rule every change applied)
    gives the stored state, times, reopen count, pause, priority and escalation.
    ``sla``: the current clock (:func:`servgap.core.sla_status.current_clocks`) as of
    now; ``warning_en``/``warning_zh``: the calendar warning when the clock
    spans a year without official holiday data, else None.
    """
    with store.session() as session:
        ws = get_workspace(session, workspace)
        case = get_case_row(session, ws, code)
        events = tuple(
            CaseEventView(iso(e.at), e.actor, e.kind, e.from_state, e.to_state, e.note,
                          dict(e.data or {}))
            for e in case.events
        )  # fmt: skip
        actions = tuple(
            RecoveryActionView(iso(a.at), a.actor, a.action, float(a.amount_cny), a.note)
            for a in case.actions
        )
        opened_with = (case.events[0].data or {}).get("priority") if case.events else None
        replay = replay_history(
            [
                CoreEvent(e.at, e.actor, e.kind, e.from_state, e.to_state, e.note)
                for e in case.events
            ],
            priority=opened_with if isinstance(opened_with, str) else None,
        )
        final = replay.final
        stored = state_of(case)
        if final.priority is None:  # a history without its opening priority
            stored = replace(stored, priority=None)
        as_of = max(utcnow(), last_event_at(session, case) or case.opened_at)
        clocks = clocks_of(session, ws, [case], as_of)
        row = clocks.table.iloc[0]
        sla = SlaClock(
            as_of=as_of.isoformat(),
            clock=str(row["sla_clock"]),
            state=str(row["sla_state"]),
            remaining_h=round(float(row["remaining_h"]), 3),
            target_h=float(row["target_h"]),
            deadline=str(row["deadline"].isoformat()),
            overdue=bool(row["overdue"]),
            at_risk=bool(row["at_risk"]),
        )
        return extend(
            describe(session, case),
            CaseDetail,
            events=events,
            actions=actions,
            compensation_cny=float(sum(a.amount_cny for a in case.actions)),
            history_consistent=final == stored,
            sla=sla,
            warning_en=clocks.warning_en,
            warning_zh=clocks.warning_zh,
        )
