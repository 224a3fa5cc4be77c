"""Complaint case workflow: states, legal transitions, vocabularies, history replay.

A complaint becomes a *case* with an owner, a deadline and a history (docs/domain.md §4).
This module is the pure part of that workflow: which state moves are legal, the
bilingual labels of states, priorities, complaint categories and recovery actions,
replaying and validating a recorded event history, and the closed-loop rule that
turns a dissatisfied survey answer into a case.

State machine
-------------
The legal moves are one explicit table, :data:`TRANSITIONS`:

=================  ====================================================  =====================
from               to                                                    why
=================  ====================================================  =====================
new                acknowledged, investigating                           ack, or ack + start
acknowledged       investigating, recovery_offered                       quick fix w/o inquiry
investigating      recovery_offered, resolved                            resolved w/o offer ok
recovery_offered   resolved, investigating                               offer declined
resolved           follow_up_done, closed, investigating (reopen)
follow_up_done     closed, investigating (reopen)
closed             investigating (reopen)
=================  ====================================================  =====================

Moving to the same state is never a transition. A move into ``investigating``
from ``resolved``, ``follow_up_done`` or ``closed`` is a *reopen*. For SLA
clocks the first move out of ``new`` is the acknowledgement and the first move
into ``resolved`` stops the resolution clock (see :mod:`servgap.core.sla`).

Events of kind ``wait_customer`` / ``resume`` do not change the state; they
open and close a pause of the resolution clock while the firm waits for the
customer (the "waiting for customer" status of Jira Service Management / the
"pending" status of Zendesk).

Every change to a case, live or replayed, goes through one function,
:func:`apply_event` (a :class:`CaseState` and a :class:`CaseEvent` in, the next
:class:`CaseState` out): the store-backed workflow (``servgap.services.cases``)
applies it before writing an event, :func:`replay_history` applies it to a
whole recorded history, so the two cannot disagree.

Closed loop
-----------
:func:`case_from_survey_response` opens a case when the respondent's perceived
service is below his or her own *adequate* level on a watched item (a negative
measure of service adequacy, MSA = P − A; Parasuraman, Zeithaml & Berry 1994)
or when the NPS answer is 0–6 (a detractor; Reichheld 2003).

References
----------
Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1994). Alternating measures of
service quality. *Journal of Retailing* 70(3), 201–230.
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
Review* 81(12), 46–54.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import ConflictError, InputError, Problem, ProblemCollector

# --------------------------------------------------------------------------- vocabularies

#: Case states in workflow order, with (en, zh) labels.
STATES: dict[str, tuple[str, str]] = {
    "new": ("New", "新建"),
    "acknowledged": ("Acknowledged", "已受理"),
    "investigating": ("Investigating", "调查中"),
    "recovery_offered": ("Recovery offered", "已提出补救方案"),
    "resolved": ("Resolved", "已解决"),
    "follow_up_done": ("Follow-up done", "已回访"),
    "closed": ("Closed", "已关闭"),
}

#: Legal next states (the whole state machine; see the module docstring).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "investigating"),
    "acknowledged": ("investigating", "recovery_offered"),
    "investigating": ("recovery_offered", "resolved"),
    "recovery_offered": ("resolved", "investigating"),
    "resolved": ("follow_up_done", "closed", "investigating"),
    "follow_up_done": ("closed", "investigating"),
    "closed": ("investigating",),
}

#: States from which a move to ``investigating`` counts as a reopen.
REOPEN_FROM: frozenset[str] = frozenset({"resolved", "follow_up_done", "closed"})

#: Open (unfinished) states: an SLA resolution clock runs in these.
OPEN_STATES: frozenset[str] = frozenset(
    {"new", "acknowledged", "investigating", "recovery_offered"}
)

#: Priorities, lowest first, with (en, zh) labels. ``PRIORITY_LEVEL`` gives 0..3.
PRIORITIES: dict[str, tuple[str, str]] = {
    "low": ("Low", "低"),
    "normal": ("Normal", "普通"),
    "high": ("High", "高"),
    "urgent": ("Urgent", "紧急"),
}
PRIORITY_LEVEL: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}

#: Complaint categories for service businesses (express delivery first), (en, zh).
CATEGORIES: dict[str, tuple[str, str]] = {
    "delay": ("Delay", "延误"),
    "damage_loss": ("Damage or loss", "破损/丢失"),
    "attitude": ("Staff attitude", "服务态度"),
    "information": ("Information / tracking", "信息不透明"),
    "price": ("Price / charges", "价格/收费"),
    "other": ("Other", "其他"),
}


@dataclass(frozen=True)
class RecoveryActionType:
    """One kind of recovery action and whether it carries an amount (CNY)."""

    code: str
    en: str
    zh: str
    amount_required: bool


#: Recovery action types (Tax, Brown & Chandrashekaran 1998 list apology,
#: explanation and compensation as the core recovery tactics).
RECOVERY_ACTIONS: dict[str, RecoveryActionType] = {
    a.code: a
    for a in (
        RecoveryActionType("apology", "Apology", "道歉", False),
        RecoveryActionType("explanation", "Explanation", "解释说明", False),
        RecoveryActionType("redelivery", "Redelivery / redo", "重新派送/重做", False),
        RecoveryActionType("refund", "Refund", "退款", True),
        RecoveryActionType("coupon", "Coupon", "优惠券", True),
        RecoveryActionType("compensation", "Compensation", "赔偿", True),
        RecoveryActionType("other", "Other", "其他", False),
    )
}

#: Event kinds accepted in a case history.
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "created": ("Case created", "创建工单"),
    "transition": ("State change", "状态变更"),
    "note": ("Note", "备注"),
    "assigned": ("Assigned", "指派"),
    "action": ("Recovery action", "补救措施"),
    "wait_customer": ("Waiting for customer", "等待客户回复"),
    "resume": ("Customer replied", "客户已回复"),
    "escalated": ("Escalated", "升级处理"),
    "outcome": ("Recovery outcome", "补救结果"),
}

#: Channels a complaint comes in by, with (en, zh) labels.
COMPLAINT_CHANNELS: dict[str, tuple[str, str]] = {
    "phone": ("Phone", "电话"),
    "app": ("App", "App"),
    "web": ("Web", "网站"),
    "wechat": ("WeChat", "微信"),
    "email": ("E-mail", "电子邮件"),
    "store": ("In store", "门店"),
    "survey": ("Survey", "问卷"),
    "other": ("Other", "其他"),
}


def _label(table: Mapping[str, tuple[str, str]], code: str, lang: str) -> str:
    en, zh = table[code]
    return zh if lang == "zh" else en


def state_label(state: str, lang: str = "en") -> str:
    """Label of a case state in ``lang`` ("en" or "zh")."""
    _check_state(state, "state")
    return _label(STATES, state, lang)


def _check_state(state: str, what: str) -> None:
    if state not in STATES:
        known = ", ".join(STATES)
        raise InputError(
            f"Unknown case {what} {state!r}. Use one of: {known}.",
            f"未知的工单状态（{what}）{state!r}。请使用以下之一：{known}。",
        )


def check_priority(priority: str) -> str:
    """Return ``priority`` if known, else raise :class:`InputError`."""
    if priority not in PRIORITIES:
        known = ", ".join(PRIORITIES)
        raise InputError(
            f"Unknown priority {priority!r}. Use one of: {known}.",
            f"未知的优先级 {priority!r}。请使用以下之一：{known}。",
        )
    return priority


def check_category(category: str) -> str:
    """Return ``category`` if known, else raise :class:`InputError`."""
    if category not in CATEGORIES:
        known = ", ".join(CATEGORIES)
        raise InputError(
            f"Unknown complaint category {category!r}. Use one of: {known}.",
            f"未知的投诉类别 {category!r}。请使用以下之一：{known}。",
        )
    return category


def check_channel(channel: str) -> str:
    """Return ``channel`` if it is one of :data:`COMPLAINT_CHANNELS`, else raise InputError."""
    if channel not in COMPLAINT_CHANNELS:
        known = ", ".join(COMPLAINT_CHANNELS)
        raise InputError(
            f"Unknown `channel` {channel!r}. Use one of: {known}.",
            f"未知的渠道 `channel` {channel!r}。请使用以下之一：{known}。",
            fields=("channel",),
        )
    return channel


def check_action(action: str, amount_cny: float | None = None) -> RecoveryActionType:
    """Validate a recovery action and its amount; return its type.

    Actions with ``amount_required`` need a finite amount ≥ 0 (CNY); the others
    must not carry one.
    """
    if action not in RECOVERY_ACTIONS:
        known = ", ".join(RECOVERY_ACTIONS)
        raise InputError(
            f"Unknown recovery action {action!r}. Use one of: {known}.",
            f"未知的补救措施 {action!r}。请使用以下之一：{known}。",
        )
    a = RECOVERY_ACTIONS[action]
    if a.amount_required:
        if amount_cny is None or not math.isfinite(amount_cny) or amount_cny < 0:
            raise InputError(
                f"Recovery action {action!r} needs an amount in CNY ≥ 0; got {amount_cny!r}.",
                f"补救措施 {a.zh}（{action}）需要填写金额（元，≥ 0）；当前为 {amount_cny!r}。",
            )
    elif amount_cny is not None:
        raise InputError(
            f"Recovery action {action!r} takes no amount; got {amount_cny!r}. Remove it.",
            f"补救措施 {a.zh}（{action}）不应填写金额；当前为 {amount_cny!r}，请删除。",
        )
    return a


# --------------------------------------------------------------------------- transitions


def legal_next_states(state: str) -> tuple[str, ...]:
    """The states a case in ``state`` may move to."""
    _check_state(state, "state")
    return TRANSITIONS[state]


def is_reopen(state: str, target: str) -> bool:
    """True when moving ``state`` → ``target`` reopens a finished case."""
    return state in REOPEN_FROM and target == "investigating"


def transition(state: str, target: str) -> str:
    """Move a case from ``state`` to ``target``; return ``target`` if legal.

    Raises
    ------
    InputError
        If either state is unknown.
    ConflictError
        If the move is not in :data:`TRANSITIONS`; the message lists the legal
        next states in English and Chinese.
    """
    _check_state(state, "state")
    _check_state(target, "target state")
    if target not in TRANSITIONS[state]:
        fault = _illegal_move(state, target)
        raise ConflictError(fault.en, fault.zh)
    return target


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class CaseEvent:
    """One entry of a case history.

    ``at`` must be timezone-aware. For ``kind="transition"`` ``from_state`` and
    ``to_state`` are the move; for ``kind="created"`` ``to_state`` is ``"new"``
    (``from_state`` None); other kinds leave both None (or equal to the current
    state).
    """

    at: datetime
    actor: str
    kind: str
    from_state: str | None = None
    to_state: str | None = None
    note: str = ""


@dataclass(frozen=True)
class CaseState(ResultMixin):
    """What a case's history decides about it: the columns every change updates.

    Attributes
    ----------
    state : workflow state (:data:`STATES`).
    opened_at : time of the ``created`` event.
    priority : current priority; None when not known (a replay given no
        opening priority), and then escalations leave it None.
    acknowledged_at : first move out of ``new``.
    resolved_at : the latest move into ``resolved``; cleared by a reopen.
    closed_at : the latest move into ``closed``; cleared by a reopen.
    waiting_since : start of the running waiting-for-customer pause, or None.
    reopen_count : number of reopens.
    escalated : True once the case has been escalated.
    """

    state: str
    opened_at: datetime
    priority: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    waiting_since: datetime | None = None
    reopen_count: int = 0
    escalated: bool = False


def open_state(at: datetime, priority: str | None = None) -> CaseState:
    """The state a ``created`` event gives: ``new``, opened at ``at``."""
    if priority is not None:
        check_priority(priority)
    return CaseState(state="new", opened_at=at, priority=priority)


def escalated_priority(priority: str) -> str:
    """The priority one level up (low → normal → high → urgent); urgent stays urgent."""
    levels = list(PRIORITIES)
    return levels[min(PRIORITY_LEVEL[check_priority(priority)] + 1, len(levels) - 1)]


#: States in which a recovery outcome (satisfaction after the recovery) can be recorded.
OUTCOME_STATES: frozenset[str] = frozenset({"resolved", "follow_up_done", "closed"})


@dataclass(frozen=True)
class _Fault:
    """One reason an event cannot apply: InputError (malformed) or ConflictError."""

    cls: type[InputError] | type[ConflictError]
    en: str
    zh: str
    column: str
    value: Any


def _illegal_move(state: str, target: str) -> _Fault:
    legal = TRANSITIONS[state]
    en_list = ", ".join(f"{s} ({STATES[s][0]})" for s in legal)
    zh_list = "、".join(f"{STATES[s][1]}（{s}）" for s in legal)
    return _Fault(
        ConflictError,
        f"A case that is {state!r} ({STATES[state][0]}) cannot move to {target!r} "
        f"({STATES[target][0]}). Legal next states: {en_list}.",
        f"处于“{STATES[state][1]}”（{state}）状态的工单不能变更为“{STATES[target][1]}”"
        f"（{target}）。可变更为：{zh_list}。",
        "to_state",
        target,
    )


def _step(cur: CaseState, ev: CaseEvent) -> tuple[CaseState, list[_Fault]]:
    """``cur`` after ``ev``, or ``cur`` unchanged and why ``ev`` cannot apply.

    The one statement of the case rules: :func:`apply_event` raises the faults,
    :func:`replay_history` collects them over a whole history.
    """
    kind, at, state = ev.kind, ev.at, cur.state
    if kind not in EVENT_KINDS:
        return cur, [
            _Fault(
                InputError,
                f"Unknown event kind {kind!r}; use one of {', '.join(EVENT_KINDS)}.",
                f"未知的事件类型 {kind!r}；请使用 {', '.join(EVENT_KINDS)} 之一。",
                "kind",
                kind,
            )
        ]
    if kind == "created":
        return cur, [
            _Fault(
                ConflictError,
                "A case is created only once; remove the repeated 'created' event.",
                "工单只能创建一次；请删除重复的“创建工单”记录。",
                "kind",
                kind,
            )
        ]
    if kind == "transition":
        faults: list[_Fault] = []
        if ev.from_state != state:
            faults.append(
                _Fault(
                    ConflictError,
                    f"The move starts from {ev.from_state!r} but the case is {state!r}.",
                    f"变更的起始状态 {ev.from_state!r} 与工单当前状态 {state!r} 不一致。",
                    "from_state",
                    ev.from_state,
                )
            )
        target = ev.to_state or ""
        if target not in STATES:
            faults.append(
                _Fault(
                    InputError,
                    f"Unknown target state {ev.to_state!r}; use one of {', '.join(STATES)}.",
                    f"未知的目标状态 {ev.to_state!r}；请使用 {', '.join(STATES)} 之一。",
                    "to_state",
                    ev.to_state,
                )
            )
        elif target not in TRANSITIONS[state]:
            faults.append(_illegal_move(state, target))
        if faults:
            return cur, faults
        reopen = is_reopen(state, target)
        return replace(
            cur,
            state=target,
            acknowledged_at=at if state == "new" and cur.acknowledged_at is None else (
                cur.acknowledged_at),
            resolved_at=at if target == "resolved" else (None if reopen else cur.resolved_at),
            closed_at=at if target == "closed" else (None if reopen else cur.closed_at),
            # resolving ends a running pause: the customer no longer holds the case up
            waiting_since=None if target == "resolved" else cur.waiting_since,
            reopen_count=cur.reopen_count + int(reopen),
        ), []  # fmt: skip
    if kind == "wait_customer":
        if cur.waiting_since is not None:
            since = cur.waiting_since.isoformat()
            return cur, [
                _Fault(
                    ConflictError,
                    f"The case already waits for the customer since {since}; record the "
                    "customer's reply (resume) first.",
                    f"工单自 {since} 起已在等待客户；请先记录客户已回复（resume）。",
                    "kind",
                    kind,
                )
            ]
        if state not in OPEN_STATES:
            return cur, [
                _Fault(
                    ConflictError,
                    f"The case is {state!r} ({STATES[state][0]}); only open cases can wait for "
                    "the customer.",
                    f"工单处于“{STATES[state][1]}”状态；只有未解决的工单可以等待客户。",
                    "kind",
                    kind,
                )
            ]
        return replace(cur, waiting_since=at), []
    if kind == "resume":
        if cur.waiting_since is None:
            return cur, [
                _Fault(
                    ConflictError,
                    "The case is not waiting for the customer; there is nothing to resume.",
                    "工单并未在等待客户；无需恢复。",
                    "kind",
                    kind,
                )
            ]
        return replace(cur, waiting_since=None), []
    if kind == "escalated":
        if state not in OPEN_STATES:
            return cur, [
                _Fault(
                    ConflictError,
                    f"The case is {state!r} ({STATES[state][0]}); only open cases can be "
                    "escalated.",
                    f"工单处于“{STATES[state][1]}”状态；只有未解决的工单可以升级。",
                    "kind",
                    kind,
                )
            ]
        pri = None if cur.priority is None else escalated_priority(cur.priority)
        return replace(cur, priority=pri, escalated=True), []
    if kind == "action" and state == "closed":
        return cur, [
            _Fault(
                ConflictError,
                "The case is closed; reopen it (move it to `investigating`) before recording a "
                "recovery action.",
                "工单已关闭；请先重新打开（变更为 `investigating`）再记录补救措施。",
                "kind",
                kind,
            )
        ]
    if kind == "outcome" and state not in OUTCOME_STATES:
        return cur, [
            _Fault(
                ConflictError,
                f"The case is {state!r} ({STATES[state][0]}); satisfaction after the recovery is "
                "recorded once the case is resolved.",
                f"工单处于“{STATES[state][1]}”状态；补救后的满意度须在工单解决之后记录。",
                "kind",
                kind,
            )
        ]
    return cur, []  # note, assigned, action, outcome: history only


def apply_event(state: CaseState, event: CaseEvent) -> CaseState:
    """The case after ``event``: the one rule for every change to a case.

    ``transition``: a legal move (:data:`TRANSITIONS`) from the current state;
    the first move out of ``new`` sets ``acknowledged_at``, a move into
    ``resolved`` sets ``resolved_at`` and ends a running pause, a move into
    ``closed`` sets ``closed_at``, a reopen counts and clears both.
    ``wait_customer`` / ``resume`` open and close a pause (open cases only).
    ``escalated`` raises the priority one level (:func:`escalated_priority`)
    and flags the case (open cases only). ``action`` is refused on a closed
    case, ``outcome`` before the case is resolved. ``note`` and ``assigned``
    change nothing here.

    Raises
    ------
    InputError
        An unknown event kind or target state.
    ConflictError
        A change the case's state does not allow; nothing changes.
    """
    if event.at.tzinfo is None or event.at.utcoffset() is None:
        raise InputError(
            f"The time {event.at.isoformat()} has no time zone; give an aware datetime "
            "(e.g. +08:00).",
            f"时间 {event.at.isoformat()} 缺少时区；请提供带时区的时间（如 +08:00）。",
        )
    new, faults = _step(state, event)
    if faults:
        first = faults[0]
        problems = [Problem(f.en, f.zh, column=f.column, value=f.value) for f in faults]
        raise first.cls(first.en, first.zh, problems=problems if len(faults) > 1 else ())
    return new


@dataclass(frozen=True)
class CaseReplay(ResultMixin):
    """Result of replaying a case history.

    Attributes
    ----------
    state : final state.
    opened_at, acknowledged_at, resolved_at : first creation, first move out of
        ``new``, latest move into ``resolved`` that is not followed by a reopen
        (None when not reached or when the case was reopened and is open again).
    reopen_count : number of reopens.
    pauses : (start, end) waiting-for-customer intervals; ``end`` None when
        still waiting.
    timeline : DataFrame ``at, state, kind, actor`` (state after each event).
    final : the whole :class:`CaseState` after the last event.
    """

    state: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    reopen_count: int
    pauses: tuple[tuple[datetime, datetime | None], ...]
    timeline: pd.DataFrame
    final: CaseState

    def to_frame(self) -> pd.DataFrame:
        return self.timeline.copy()


def replay_history(events: Sequence[CaseEvent], *, priority: str | None = None) -> CaseReplay:
    """Validate and replay a full case history with :func:`apply_event`'s rules.

    Checks, collecting every problem before raising once:
    the first event is ``created`` → ``new``; timestamps are tz-aware and
    non-decreasing; each later event applies to the state before it
    (:func:`apply_event`: legal moves, pauses that alternate, …). An event that
    cannot apply is reported and skipped. ``priority`` is the priority the case
    was opened with (its escalations are then replayed too).

    Raises
    ------
    InputError
        Empty history, unknown kinds, naive timestamps.
    ConflictError
        Illegal or inconsistent state moves.
    """
    if not events:
        raise InputError(
            "The case history is empty; it must start with a 'created' event.",
            "工单历史为空；第一条记录必须是“创建工单”（created）。",
        )
    input_pc = ProblemCollector()
    conflict_pc = ProblemCollector()
    cur = open_state(events[0].at, priority)
    pauses: list[tuple[datetime, datetime | None]] = []
    prev_at: datetime | None = None
    rows: list[dict[str, Any]] = []
    for i, ev in enumerate(events, start=1):
        if ev.at.tzinfo is None or ev.at.utcoffset() is None:
            input_pc.add(
                "timestamp has no time zone; give an aware datetime (e.g. +08:00).",
                "时间戳缺少时区；请提供带时区的时间（如 +08:00）。",
                row=i,
                column="at",
                value=str(ev.at),
            )
            continue
        if prev_at is not None and ev.at < prev_at:
            input_pc.add(
                f"event is earlier than the previous one ({prev_at.isoformat()}); sort the history.",
                f"该事件早于上一条（{prev_at.isoformat()}）；请按时间排序。",
                row=i,
                column="at",
                value=ev.at.isoformat(),
            )
        prev_at = ev.at
        if i == 1:
            if ev.kind != "created" or ev.to_state not in (None, "new"):
                conflict_pc.add(
                    "the first event must be 'created' into state 'new'.",
                    "第一条记录必须是“创建工单”（created），状态为“新建”（new）。",
                    row=i,
                    column="kind",
                    value=ev.kind,
                )
            rows.append({"at": ev.at, "state": cur.state, "kind": ev.kind, "actor": ev.actor})
            continue
        new, faults = _step(cur, ev)
        for f in faults:
            pc = input_pc if f.cls is InputError else conflict_pc
            pc.add(f.en, f.zh, row=i, column=f.column, value=f.value)
        if cur.waiting_since is not None and new.waiting_since is None:
            pauses.append((cur.waiting_since, ev.at))
        cur = new
        if not any(f.cls is InputError for f in faults):
            rows.append({"at": ev.at, "state": cur.state, "kind": ev.kind, "actor": ev.actor})
    input_pc.raise_if_any(
        InputError,
        f"The case history has {len(input_pc)} malformed event(s).",
        f"工单历史中有 {len(input_pc)} 条格式错误的记录。",
    )
    conflict_pc.raise_if_any(
        ConflictError,
        f"The case history has {len(conflict_pc)} inconsistent event(s).",
        f"工单历史中有 {len(conflict_pc)} 条前后矛盾的记录。",
    )
    if cur.waiting_since is not None:
        pauses.append((cur.waiting_since, None))
    return CaseReplay(
        state=cur.state,
        opened_at=cur.opened_at,
        acknowledged_at=cur.acknowledged_at,
        resolved_at=cur.resolved_at,
        reopen_count=cur.reopen_count,
        pauses=tuple(pauses),
        timeline=pd.DataFrame(rows, columns=["at", "state", "kind", "actor"]),
        final=cur,
    )
