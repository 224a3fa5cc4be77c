"""Complaint cases on the store: intake, workflow, SLA queue, ledger and recovery outcomes.

A complaint or a dissatisfied survey answer becomes a *case* with an owner, a
priority, a category and a full history. This package is the store-backed
use-case layer over the pure rules of :mod:`servgap.core.cases` (states,
:func:`~servgap.core.cases.apply_event`, vocabularies, closed-loop rule),
:mod:`servgap.core.sla` (business-hour clocks, the workspace calendar with
the official holidays), :mod:`servgap.core.tolerance` (queue order) and
:mod:`servgap.core.case_outcomes` (satisfaction before and after recovery).
One room per use case:

``intake``     open a case; cases from stored complaints
``complaint_import``  a complaint file, one case per row
``closed_loop``       cases from dissatisfied survey answers (in bulk, or as a web answer arrives)
``desk``       the complaint desk: one case with all it needs; overdue cases per site and agent
``workflow``   move, act, note, assign, wait / resume, escalate; show a case
``queue``      SLA clocks, the calendar and the queue order
``ledger``     compensation per customer or site
``results``    the frozen results every use case returns (``to_dict()`` for JSON)
``outcomes``   close with satisfaction after recovery; record or import outcomes

Every face (command line, web, notebook) calls the functions re-exported here.
"""

from __future__ import annotations

from servgap.services.cases.closed_loop import case_for_submission, cases_from_survey
from servgap.services.cases.complaint_import import COMPLAINT_SPEC, import_cases
from servgap.services.cases.desk import (
    DeskCase,
    RiskGroup,
    SupervisorView,
    case_owners,
    desk_case,
    supervisor_view,
)
from servgap.services.cases.intake import (
    INTAKE_CHANNELS,
    IntakeReport,
    cases_from_complaints,
    open_case,
)
from servgap.services.cases.ledger import Ledger, compensation_ledger
from servgap.services.cases.outcomes import (
    OUTCOME_SPEC,
    OutcomeImportReport,
    close_case,
    import_outcomes,
    record_outcome,
)
from servgap.services.cases.queue import (
    AT_RISK_FRACTION,
    DEFAULT_SLA_POLICIES,
    LIST_COLUMNS,
    CaseClocks,
    CaseQueue,
    calendar_of,
    case_queue,
    list_cases,
    sla_policies_of,
)
from servgap.services.cases.results import (
    ActionRecorded,
    CaseDetail,
    CaseEventView,
    CaseOutcome,
    CaseView,
    Escalation,
    OpenedCase,
    RecoveryActionView,
    SatisfactionSource,
    SlaClock,
)
from servgap.services.cases.workflow import (
    act_on_case,
    assign_case,
    escalate_cases,
    get_case,
    move_case,
    note_case,
    resume_case,
    wait_for_customer,
)

__all__ = [
    "AT_RISK_FRACTION",
    "COMPLAINT_SPEC",
    "DEFAULT_SLA_POLICIES",
    "INTAKE_CHANNELS",
    "LIST_COLUMNS",
    "OUTCOME_SPEC",
    "ActionRecorded",
    "CaseClocks",
    "CaseDetail",
    "CaseEventView",
    "CaseOutcome",
    "CaseQueue",
    "CaseView",
    "DeskCase",
    "Escalation",
    "IntakeReport",
    "Ledger",
    "OpenedCase",
    "OutcomeImportReport",
    "RecoveryActionView",
    "RiskGroup",
    "SatisfactionSource",
    "SlaClock",
    "SupervisorView",
    "act_on_case",
    "assign_case",
    "calendar_of",
    "case_for_submission",
    "case_owners",
    "case_queue",
    "cases_from_complaints",
    "cases_from_survey",
    "close_case",
    "compensation_ledger",
    "desk_case",
    "escalate_cases",
    "get_case",
    "import_cases",
    "import_outcomes",
    "list_cases",
    "move_case",
    "note_case",
    "open_case",
    "record_outcome",
    "resume_case",
    "sla_policies_of",
    "supervisor_view",
    "wait_for_customer",
]
