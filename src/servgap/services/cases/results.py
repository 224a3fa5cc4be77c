"""What the case use cases return: frozen, typed results with ``to_dict()``.

Every face reads these objects; the API and ``--json`` print ``to_dict()``
(:class:`servgap.core._result.ResultMixin`), whose keys and order are the
field names below. Times are ISO 8601 strings (as stored, with offset).

``CaseView``       a case's own columns (every change returns it)
``OpenedCase``     :func:`~servgap.services.cases.open_case`: the case plus ``created``
``ActionRecorded`` :func:`~servgap.services.cases.act_on_case`: the case plus the action
``Escalation``     one case of :func:`~servgap.services.cases.escalate_cases`
``CaseDetail``     :func:`~servgap.services.cases.get_case`: history, actions, SLA clock
``CaseOutcome``    :func:`~servgap.services.cases.record_outcome` / ``close_case``
"""

from __future__ import annotations

from dataclasses import dataclass

from servgap.core._result import ResultMixin


@dataclass(frozen=True)
class CaseView(ResultMixin):
    """A case as every face shows it: its code, state, people, times and scores.

    ``customer`` and ``site`` are codes (None when the case has none);
    ``tolerance`` the customer's forgiveness score 0–100 stored at opening
    (:func:`servgap.core.tolerance.opening_tolerance`); ``satisfaction_*`` the
    recovery outcome on the 1–7 scale (None until recorded).
    """

    case: str
    state: str
    priority: str
    category: str
    owner: str | None
    customer: str | None
    site: str | None
    channel: str | None
    source: str
    summary: str
    opened_at: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    closed_at: str | None
    waiting_since: str | None
    reopen_count: int
    tolerance: float | None
    satisfaction_before: float | None
    satisfaction_after: float | None
    escalated: bool
    idempotency_key: str | None


@dataclass(frozen=True)
class OpenedCase(CaseView):
    """An opened case; ``created`` False when its idempotency key already had this case."""

    created: bool


@dataclass(frozen=True)
class ActionRecorded(CaseView):
    """A case after a recovery action: the action and its amount (0.0 when it has none)."""

    action: str
    amount_cny: float


@dataclass(frozen=True)
class Escalation(ResultMixin):
    """One escalated case: its priority before and after (urgent stays urgent)."""

    case: str
    from_priority: str
    to_priority: str
    escalated: bool


@dataclass(frozen=True)
class CaseEventView(ResultMixin):
    """One line of a case's history (``kind``: :data:`servgap.core.cases.EVENT_KINDS`)."""

    at: str | None
    actor: str
    kind: str
    from_state: str | None
    to_state: str | None
    note: str
    data: dict[str, object]


@dataclass(frozen=True)
class RecoveryActionView(ResultMixin):
    """One recovery action on a case (:data:`servgap.core.cases.RECOVERY_ACTIONS`)."""

    at: str | None
    actor: str
    action: str
    amount_cny: float
    note: str


@dataclass(frozen=True)
class SlaClock(ResultMixin):
    """A case's current SLA clock (:func:`servgap.core.sla_status.current_clocks`).

    ``clock``: which target runs (acknowledge or resolve); ``remaining_h`` and
    ``target_h`` in business hours, pauses excluded; ``deadline`` ISO time.
    """

    as_of: str
    clock: str
    state: str
    remaining_h: float
    target_h: float
    deadline: str
    overdue: bool
    at_risk: bool


@dataclass(frozen=True)
class CaseDetail(CaseView):
    """A case with its history, recovery actions, current SLA clock and a replay check.

    ``history_consistent``: replaying ``events`` with
    :func:`servgap.core.cases.replay_history` gives the stored state.
    ``warning_en``/``warning_zh``: the calendar warning when the clock spans a
    year without official holiday data, else None.
    """

    events: tuple[CaseEventView, ...]
    actions: tuple[RecoveryActionView, ...]
    compensation_cny: float
    history_consistent: bool
    sla: SlaClock
    warning_en: str | None
    warning_zh: str | None

    def warning(self, lang: str = "en") -> str | None:
        return self.warning_zh if lang == "zh" else self.warning_en


@dataclass(frozen=True)
class SatisfactionSource(ResultMixin):
    """The survey answer a case's satisfaction-before was taken from (answer on its own scale)."""

    survey: str
    question: str
    response: str
    answer: float
    scale: tuple[float, float]
    submitted_at: str


@dataclass(frozen=True)
class CaseOutcome(CaseView):
    """A case after :func:`~servgap.services.cases.close_case` or ``record_outcome``.

    ``satisfaction_before``/``satisfaction_after`` are the outcome this call
    recorded (both None when it recorded none); ``before_source``: ``given``,
    ``survey`` or None; ``before_from``: the survey answer used, if any.
    """

    before_source: str | None
    before_from: SatisfactionSource | None
