"""The complaint desk: what an agent sees of one case, and a supervisor of the overdue ones.

:func:`desk_case` gathers, for one case, everything the case page shows, from the
other use cases of this package and of :mod:`servgap.services.similar_cases`:

* the case with its full history, recovery actions and SLA clock in business hours
  with waiting-for-customer pauses (:func:`~servgap.services.cases.get_case`);
* the legal next states (:func:`servgap.core.cases.legal_next_states`, the one state
  machine) and the recovery action types with whether they carry an amount;
* the customer's profile, past complaints (their other cases) and survey answers;
* the text classification (:func:`servgap.core.text.classify_complaints`, the shipped
  model) and sentiment (:func:`servgap.core.text.sentiment`) of the case summary;
* similar resolved cases and what resolved them;
* the customer's compensation ledger (every recovery action on their cases).

Personal data: with ``personal=False`` (roles that do not contact customers) the
customer's name, phone and e-mail are masked (:mod:`servgap.core.privacy`) and so
are phone numbers, e-mail addresses and recognisable names inside free text
(summaries, notes, survey comments).

:func:`supervisor_view` counts open cases that are overdue or at risk of breaching
their SLA per site and per agent (owner), with the oldest of each, from the same
queue as :func:`~servgap.services.cases.case_queue`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.cases import RECOVERY_ACTIONS, legal_next_states
from servgap.core.closed_loop import case_from_survey_response
from servgap.core.privacy import mask_email, mask_name, mask_phone, mask_text
from servgap.core.sla import BusinessCalendar, business_seconds_between
from servgap.core.survey import SurveyDefinition, parse_survey
from servgap.services.cases._base import get_case_row
from servgap.services.cases.queue import calendar_of, case_queue
from servgap.services.cases.results import CaseDetail
from servgap.services.cases.workflow import get_case
from servgap.services.context import Store, get_workspace
from servgap.services.similar_cases import SimilarCase, similar_resolved_cases
from servgap.store.models import (
    Case,
    Customer,
    RecoveryAction,
    Response,
    Survey,
    SurveyVersion,
    Workspace,
)

#: Past cases and survey answers of the customer shown on a case page (newest first).
MAX_PAST = 20


@dataclass(frozen=True)
class ActionKind(ResultMixin):
    """A recovery action type the page offers (``amount_required``: refund, coupon …)."""

    code: str
    en: str
    zh: str
    amount_required: bool


@dataclass(frozen=True)
class CustomerProfile(ResultMixin):
    """The case's customer; ``masked`` True when name, phone and e-mail are masked."""

    code: str
    name: str | None
    phone: str | None
    email: str | None
    customer_type: str | None
    age_group: str | None
    gender: str | None
    city: str | None
    tenure_months: float | None
    orders_per_month: float | None
    loyalty_intent: float | None
    masked: bool


@dataclass(frozen=True)
class PastCase(ResultMixin):
    """Another case of the same customer (a past complaint) and how it ended."""

    case: str
    state: str
    category: str
    opened_at: str
    resolved_at: str | None
    summary: str
    compensation_cny: float
    satisfaction_after: float | None


@dataclass(frozen=True)
class SurveyAnswer(ResultMixin):
    """One of the customer's survey responses, in short.

    ``nps`` and ``csat``: the first NPS and CSAT answers; ``below_adequate``: the
    three-column items whose perceived level is below the customer's own adequate
    level (the closed loop's trigger, :func:`servgap.core.closed_loop.case_from_survey_response`);
    ``comments``: the text answers.
    """

    survey: str
    response: str
    submitted_at: str | None
    nps: float | None
    csat: float | None
    below_adequate: tuple[str, ...]
    comments: tuple[str, ...]


@dataclass(frozen=True)
class TextReading(ResultMixin):
    """The summary read by the shipped classifier and the sentiment lexicon.

    ``category``/``confidence``/``top_terms``: :func:`servgap.core.text.classify_complaints`;
    ``polarity``/``sentiment``/``sentiment_terms``/``emotions``:
    :func:`servgap.core.text.sentiment` (score in [-1, 1]; the emotions it flags, such as
    anger or urgency, when the sentiment model reads them).
    """

    category: str
    confidence: float
    top_terms: tuple[str, ...]
    polarity: str
    sentiment: float
    sentiment_terms: tuple[str, ...]
    emotions: tuple[str, ...]


@dataclass(frozen=True)
class CustomerLedger(ResultMixin):
    """The compensation ledger of the case's customer: every recovery action on their cases.

    ``rows``: ``case, at, action, amount_cny, actor``, newest first; ``by_action``:
    the amount per action type; ``total_cny`` the sum.
    """

    customer: str
    cases: int
    actions: int
    total_cny: float
    by_action: dict[str, float]
    rows: pd.DataFrame


@dataclass(frozen=True)
class Pause(ResultMixin):
    """A waiting-for-customer pause of the resolution clock (``end`` None: still waiting).

    ``business_h``: the business hours it took out of the SLA clock
    (:func:`servgap.core.sla.business_seconds_between` on the workspace calendar), up
    to the clock's ``as_of`` when it still runs.
    """

    start: str
    end: str | None
    business_h: float


@dataclass(frozen=True)
class DeskCase(ResultMixin):
    """Everything the desk's case page shows (see the module docstring)."""

    case: CaseDetail
    pauses: tuple[Pause, ...]
    next_states: tuple[str, ...]
    action_kinds: tuple[ActionKind, ...]
    customer: CustomerProfile | None
    past_cases: tuple[PastCase, ...]
    answers: tuple[SurveyAnswer, ...]
    text: TextReading | None
    similar: tuple[SimilarCase, ...]
    ledger: CustomerLedger | None
    personal_data_shown: bool


def _masked(text: str, personal: bool) -> str:
    return text if personal else mask_text(text)


def _profile(c: Customer, personal: bool) -> CustomerProfile:
    def hide(v: str | None, fn: object) -> str | None:
        if v is None or personal:
            return v
        assert callable(fn)
        out: str = fn(v)
        return out

    return CustomerProfile(
        code=c.code, name=hide(c.name, mask_name), phone=hide(c.phone, mask_phone),
        email=hide(c.email, mask_email), customer_type=c.customer_type, age_group=c.age_group,
        gender=c.gender, city=c.city, tenure_months=c.tenure_months,
        orders_per_month=c.orders_per_month, loyalty_intent=c.loyalty_intent,
        masked=not personal,
    )  # fmt: skip


def _past_cases(s: Session, case: Case, personal: bool) -> tuple[PastCase, ...]:
    if case.customer_id is None:
        return ()
    rows = s.scalars(
        select(Case)
        .where(Case.workspace_id == case.workspace_id, Case.customer_id == case.customer_id,
               Case.id != case.id)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(MAX_PAST)
    ).all()  # fmt: skip
    ids = [c.id for c in rows]
    paid: dict[int, float] = {}
    if ids:
        paid = {
            int(i): float(v or 0.0)
            for i, v in s.execute(
                select(RecoveryAction.case_id, func.sum(RecoveryAction.amount_cny))
                .where(RecoveryAction.case_id.in_(ids))
                .group_by(RecoveryAction.case_id)
            ).all()
        }
    return tuple(
        PastCase(c.code, c.state, c.category, c.opened_at.isoformat(),
                 c.resolved_at.isoformat() if c.resolved_at else None,
                 _masked(c.summary, personal), paid.get(c.id, 0.0), c.satisfaction_after)
        for c in rows
    )  # fmt: skip


def _number(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _answers(
    s: Session, ws: Workspace, customer_id: int, personal: bool
) -> tuple[SurveyAnswer, ...]:
    when = func.coalesce(Response.submitted_at, Response.created_at)
    rows = s.execute(
        select(Survey.code, Response.survey_version_id, Response.external_id, when,
               Response.answers)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.workspace_id == ws.id, Response.customer_id == customer_id)
        .order_by(when.desc(), Response.id.desc())
        .limit(MAX_PAST)
    ).all()  # fmt: skip
    defs: dict[int, SurveyDefinition] = {}
    out: list[SurveyAnswer] = []
    for survey, version_id, rid, at, answers in rows:
        if version_id not in defs:
            sv = s.get(SurveyVersion, version_id)
            assert sv is not None  # a response always has its survey version
            defs[version_id] = parse_survey(sv.definition)
        d, a = defs[version_id], dict(answers or {})
        nps = next((_number(a.get(q.code)) for q in d.by_type("nps")), None)
        csat = next((_number(a.get(q.code)) for q in d.by_type("csat")), None)
        items = {q.code: {"adequate": a.get(f"{q.code}_adequate"),
                          "perceived": a.get(f"{q.code}_perceived")}
                 for q in d.by_type("servqual3") if q.direction != "lower_better"}  # fmt: skip
        below: tuple[str, ...] = ()
        if items:
            trig = case_from_survey_response(str(rid), items).triggers
            below = tuple(str(x) for x in trig["item"])
        comments = tuple(
            _masked(v, personal)
            for q in d.by_type("text")
            if isinstance(v := a.get(q.code), str) and v.strip()
        )
        out.append(SurveyAnswer(str(survey), str(rid), at.isoformat() if at else None, nps, csat,
                                below, comments))  # fmt: skip
    return tuple(out)


def _pauses(detail: CaseDetail, calendar: BusinessCalendar) -> tuple[Pause, ...]:
    """The waiting-for-customer pauses of a case's history with their business hours."""
    spans: list[tuple[str, str | None]] = []
    start: str | None = None
    for e in detail.events:
        if e.kind == "wait_customer" and e.at:
            start = e.at
        elif e.kind == "resume" and start is not None:
            spans.append((start, e.at))
            start = None
    if start is not None:
        spans.append((start, None))
    out = []
    for a, b in spans:
        end = dt.datetime.fromisoformat(b or detail.sla.as_of)
        secs = business_seconds_between(dt.datetime.fromisoformat(a), end, calendar)
        out.append(Pause(a, b, round(float(secs) / 3600.0, 3)))
    return tuple(out)


def _text_reading(store: Store, workspace: str, summary: str) -> TextReading | None:
    """The case text read by the workspace's active models (retrained on corrections)."""
    from servgap.core.text import classify_complaints, sentiment
    from servgap.services.text_corrections import active_category_model, active_sentiment_model

    if not summary.strip():
        return None
    model = active_category_model(store, workspace)
    cls = classify_complaints([summary], model=model).table.iloc[0]
    sen = sentiment([summary], model=active_sentiment_model(store, workspace)).table.iloc[0]
    terms = sen["terms"]
    emotions = sen.get("emotions", ())
    return TextReading(
        category=str(cls["category"]),
        confidence=round(float(cls["confidence"]), 4),
        top_terms=tuple(str(x) for x in cls["top_terms"]),
        polarity=str(sen["polarity"]),
        sentiment=round(float(sen["score"]), 4),
        sentiment_terms=tuple(str(x) for x in (terms if isinstance(terms, list | tuple) else ())),
        emotions=tuple(str(x) for x in (emotions if isinstance(emotions, list | tuple) else ())),
    )


def _ledger(s: Session, case: Case, customer: str) -> CustomerLedger:
    rows = s.execute(
        select(Case.code, RecoveryAction.at, RecoveryAction.action, RecoveryAction.amount_cny,
               RecoveryAction.actor)
        .join(Case, Case.id == RecoveryAction.case_id)
        .where(Case.workspace_id == case.workspace_id, Case.customer_id == case.customer_id)
        .order_by(RecoveryAction.at.desc(), RecoveryAction.id.desc())
    ).all()  # fmt: skip
    frame = pd.DataFrame(
        [(c, at.isoformat(), a, float(m or 0.0), who) for c, at, a, m, who in rows],
        columns=["case", "at", "action", "amount_cny", "actor"],
    )
    money = [a for a, kind in RECOVERY_ACTIONS.items() if kind.amount_required]
    by_action = {a: float(frame.loc[frame["action"] == a, "amount_cny"].sum()) for a in money}
    return CustomerLedger(customer, int(frame["case"].nunique()), len(frame),
                          float(frame["amount_cny"].sum()), by_action, frame)  # fmt: skip


def desk_case(
    store: Store, *, workspace: str, code: str, personal: bool = False, top_k: int = 5
) -> DeskCase:
    """Everything the case page of the desk shows for case ``code`` (see the module).

    ``personal``: show the customer's name, phone and e-mail and unmasked free text
    (for the roles that contact customers); otherwise they are masked.
    """
    detail = get_case(store, workspace=workspace, code=code)
    if not personal:
        detail = replace(
            detail,
            summary=mask_text(detail.summary),
            events=tuple(replace(e, note=mask_text(e.note)) for e in detail.events),
            actions=tuple(replace(a, note=mask_text(a.note)) for a in detail.actions),
        )
    with store.session() as s:
        ws = get_workspace(s, workspace)
        case = get_case_row(s, ws, code)
        cust = s.get(Customer, case.customer_id) if case.customer_id else None
        profile = _profile(cust, personal) if cust is not None else None
        past = _past_cases(s, case, personal)
        answers = _answers(s, ws, cust.id, personal) if cust is not None else ()
        ledger = _ledger(s, case, cust.code) if cust is not None else None
        summary = case.summary or ""
        pauses = _pauses(detail, calendar_of(ws))
    kinds = tuple(ActionKind(k.code, k.en, k.zh, k.amount_required)
                  for k in RECOVERY_ACTIONS.values())  # fmt: skip
    similar = similar_resolved_cases(store, workspace=workspace, code=code, top_k=top_k)
    if not personal:
        similar = tuple(replace(x, summary=mask_text(x.summary)) for x in similar)
    return DeskCase(
        case=detail,
        pauses=pauses,
        next_states=legal_next_states(detail.state),
        action_kinds=kinds,
        customer=profile,
        past_cases=past,
        answers=answers,
        text=_text_reading(store, workspace, summary),
        similar=similar,
        ledger=ledger,
        personal_data_shown=personal,
    )


def case_owners(store: Store, *, workspace: str) -> tuple[str, ...]:
    """The owners (agents) of the workspace's cases, sorted: the desk's owner filter."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.scalars(
            select(Case.owner)
            .where(Case.workspace_id == ws.id, Case.owner.is_not(None))
            .distinct()
            .order_by(Case.owner)
        ).all()
    return tuple(str(o) for o in rows if o)


# --------------------------------------------------------------------------- supervisor


@dataclass(frozen=True)
class RiskGroup(ResultMixin):
    """Open cases of one site or one agent: how many, how many overdue / at risk, the oldest.

    ``oldest_case``/``oldest_opened_at``: the longest-open case of the group;
    ``most_overdue_case``/``most_overdue_h``: the overdue case furthest past its
    target (business hours past it), None when none is overdue.
    """

    key: str
    open: int
    overdue: int
    at_risk: int
    oldest_case: str
    oldest_opened_at: str
    most_overdue_case: str | None
    most_overdue_h: float | None


@dataclass(frozen=True)
class SupervisorView(ResultMixin):
    """Overdue and at-risk open cases per site and per agent, and the cases themselves.

    ``cases``: the queue rows (:data:`~servgap.services.cases.LIST_COLUMNS`) of the
    overdue or at-risk open cases, most urgent first. ``by_site``/``by_agent``: one
    :class:`RiskGroup` per site / owner with open cases (``(none)``: no site / no owner),
    most overdue first.
    """

    as_of: str
    open: int
    overdue: int
    at_risk: int
    by_site: tuple[RiskGroup, ...]
    by_agent: tuple[RiskGroup, ...]
    cases: pd.DataFrame
    warning_en: str | None
    warning_zh: str | None

    def to_frame(self) -> pd.DataFrame:
        return self.cases.copy()


def _groups(frame: pd.DataFrame, key: str) -> tuple[RiskGroup, ...]:
    out: list[RiskGroup] = []
    keys = frame[key].fillna("(none)").astype(str)
    for k, g in frame.groupby(keys, sort=True):
        first = g.sort_values(["opened_at", "case"]).iloc[0]
        over = g[g["overdue"].astype(bool)]
        worst = over.sort_values(["remaining_h", "case"]).iloc[0] if len(over) else None
        out.append(RiskGroup(
            key=str(k), open=len(g), overdue=len(over), at_risk=int(g["at_risk"].astype(bool).sum()),
            oldest_case=str(first["case"]), oldest_opened_at=str(first["opened_at"]),
            most_overdue_case=None if worst is None else str(worst["case"]),
            most_overdue_h=None if worst is None else round(-float(worst["remaining_h"]), 3),
        ))  # fmt: skip
    out.sort(key=lambda r: (-r.overdue, -r.at_risk, r.key))
    return tuple(out)


def supervisor_view(
    store: Store, *, workspace: str, now: dt.datetime | None = None, at: str | None = None
) -> SupervisorView:
    """Overdue and at-risk open cases per site and per agent (see :class:`SupervisorView`).

    One queue (:func:`~servgap.services.cases.case_queue` of the open cases, as of
    ``now``/``at``, default the current time) gives every figure, so the counts equal
    ``servgap case list --overdue --at-risk --json`` at the same time.
    """
    queue = case_queue(store, workspace=workspace, now=now, at=at)
    frame = queue.table
    as_of = (now or dt.datetime.now(dt.UTC)).isoformat() if at is None else at
    risky = frame[frame["overdue"].astype(bool) | frame["at_risk"].astype(bool)]
    return SupervisorView(
        as_of=as_of,
        open=len(frame),
        overdue=int(frame["overdue"].astype(bool).sum()),
        at_risk=int(frame["at_risk"].astype(bool).sum()),
        by_site=_groups(frame, "site") if len(frame) else (),
        by_agent=_groups(frame, "owner") if len(frame) else (),
        cases=risky.reset_index(drop=True),
        warning_en=queue.warning_en,
        warning_zh=queue.warning_zh,
    )


__all__ = [
    "ActionKind",
    "CustomerLedger",
    "CustomerProfile",
    "DeskCase",
    "PastCase",
    "Pause",
    "RiskGroup",
    "SupervisorView",
    "SurveyAnswer",
    "TextReading",
    "case_owners",
    "desk_case",
    "supervisor_view",
]
