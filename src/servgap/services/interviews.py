"""Phone interviews: an interviewer calls a customer and keys the survey's answers.

Every call is recorded with its outcome (:data:`OUTCOMES`); an *answered* call also stores
the answers as a response with channel ``phone``, the customer's code and the site, read
by the importer's rules (:func:`servgap.services.collection.check_answers`, the same check
as the respondent pages) and refused when it falls in a full quota cell
(:mod:`servgap.services.quotas`).

Recording is idempotent per call: the interview form carries a random ``call_key``; the
call is stored once per key (a double post or a retry records nothing more) and its
response id is ``phone-<call_key>``.

An auditor with assigned sites keys interviews for those sites only
(:meth:`servgap.services.accounts.Principal.site_scope`).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servgap.core.errors import InputError, UsageError
from servgap.core.parse import CellError, check_text_length, check_window, parse_datetime
from servgap.core.survey import SurveyDefinition, Text
from servgap.services.accounts import check_site_scope
from servgap.services.collection import (
    check_answers,
    customer_id,
    raise_problems,
    survey_definition,
    write_response,
)
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.services.quotas import full_cells, quota_full, quotas_of
from servgap.services.surveys import latest_version
from servgap.store.models import Customer, InterviewCall, Response, Site, Workspace

OUTCOMES: tuple[str, ...] = (
    "answered",  # the interview was completed: the answers are stored
    "no_answer",
    "busy",
    "voicemail",
    "call_back",  # the customer asked to be called again (call_back_at)
    "refused",
    "wrong_number",
)
CHANNEL = "phone"
CALL_KEY = re.compile(r"^[A-Za-z0-9_-]{16,43}$")
MAX_CALLS = 500


@dataclass(frozen=True)
class CallInfo(DatedResult):
    id: int
    survey: str
    customer: str | None
    site: str | None
    outcome: str
    interviewer: str
    called_at: dt.datetime
    call_back_at: dt.datetime | None
    note: str | None
    response_id: str | None


@dataclass(frozen=True)
class CallResult(DatedResult):
    """A call just recorded (``created`` False: the same call was recorded before)."""

    call: CallInfo
    created: bool


@dataclass(frozen=True)
class CallList(DatedResult):
    workspace: str
    survey: str
    calls: tuple[CallInfo, ...]

    def to_frame(self) -> pd.DataFrame:
        cols = ["id", "called_at", "customer", "site", "outcome", "interviewer", "call_back_at",
                "response_id", "note"]  # fmt: skip
        return pd.DataFrame([c.to_dict() for c in self.calls], columns=cols)


@dataclass(frozen=True)
class InterviewSetup(DatedResult):
    """What an interview form needs: the survey, the sites the interviewer may call for."""

    workspace: str
    workspace_name: Text
    survey: str
    definition: SurveyDefinition
    sites: tuple[dict[str, str], ...]  # code, name_zh, name_en
    outcomes: tuple[str, ...]
    timezone: str = "Asia/Shanghai"


def interview_setup(
    store: Store, *, workspace: str, survey: str, scope: tuple[str, ...] | None = None
) -> InterviewSetup:
    """The survey's newest definition and the sites of the workspace within ``scope``."""
    definition = survey_definition(store, workspace=workspace, survey=survey)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(Site.code, Site.name_zh, Site.name_en)
            .where(Site.workspace_id == ws.id)
            .order_by(Site.code)
        ).all()
        name = Text(ws.name_zh, ws.name_en or ws.name_zh)
        code, tz = ws.code, ws.timezone or "Asia/Shanghai"
    sites = tuple(
        {"site": c, "name_zh": zh, "name_en": en or zh}
        for c, zh, en in rows
        if scope is None or c in scope
    )
    return InterviewSetup(code, name, survey, definition, sites, OUTCOMES, tz)


def _check_outcome(outcome: str) -> str:
    if outcome not in OUTCOMES:
        raise InputError(
            f"`outcome` {outcome!r} is not a call outcome; use one of {', '.join(OUTCOMES)}.",
            f"通话结果 `outcome` {outcome!r} 无效；可用：{'、'.join(OUTCOMES)}。",
            code="invalid_outcome",
            fields=("outcome",),
        )
    return outcome


def _check_customer(customer: str | None) -> str:
    code = (customer or "").strip()
    if not 1 <= len(code) <= 64:
        raise InputError(
            "`customer`: give the code of the customer called (1 to 64 characters).",
            "`customer`：请填写所拨打客户的编号（1 到 64 个字符）。",
            code="invalid_customer",
            fields=("customer",),
        )
    return code


def _site_id(session: Session, ws: Workspace, site: str | None) -> int | None:
    if site is None:
        return None
    sid = session.scalar(select(Site.id).where(Site.workspace_id == ws.id, Site.code == site))
    if sid is None:
        raise InputError(
            f"`site` `{site}` is not a site of workspace `{ws.code}`.",
            f"网点 `site` `{site}` 不属于工作区 `{ws.code}`。",
            code="unknown_site",
            fields=("site",),
        )
    return int(sid)


def _call_back(value: str | dt.datetime | None, tz: dt.tzinfo, now: dt.datetime) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        when = parse_datetime(value, tz=tz)
        check_window(when, now=now + dt.timedelta(days=366))
    except CellError as exc:
        raise InputError(
            f"`call_back_at` {value!r} {exc.en}",
            f"`call_back_at` {value!r} {exc.zh}",
            code="invalid_date",
            fields=("call_back_at",),
        ) from None
    return when


def _info(session: Session, call: InterviewCall, survey: str) -> CallInfo:
    site = (
        session.scalar(select(Site.code).where(Site.id == call.site_id)) if call.site_id else None
    )
    customer = (
        session.scalar(select(Customer.code).where(Customer.id == call.customer_id))
        if call.customer_id
        else None
    )
    rid = (
        session.scalar(select(Response.external_id).where(Response.id == call.response_id))
        if call.response_id
        else None
    )
    return CallInfo(call.id, survey, customer, site, call.outcome, call.interviewer,
                    call.called_at, call.call_back_at, call.note, rid)  # fmt: skip


def _existing(session: Session, ws_id: int, call_key: str) -> InterviewCall | None:
    return session.scalar(
        select(InterviewCall).where(
            InterviewCall.workspace_id == ws_id, InterviewCall.call_key == call_key
        )
    )


def record_call(
    store: Store,
    *,
    workspace: str,
    survey: str,
    call_key: str,
    interviewer: str,
    outcome: str,
    customer: str | None,
    site: str | None = None,
    answers: Mapping[str, Any] | None = None,
    note: str | None = None,
    call_back_at: str | dt.datetime | None = None,
    scope: tuple[str, ...] | None = None,
    now: dt.datetime | None = None,
) -> CallResult:
    """Record one call; an ``answered`` call stores ``answers`` (import-row columns) as a
    response with channel ``phone``. Every problem of the answers is listed at once
    (:class:`InputError`); nothing is stored then. ``scope`` (an auditor's sites) limits the
    sites the call may be for."""
    now = now or dt.datetime.now(dt.UTC)
    if not CALL_KEY.fullmatch(call_key or ""):
        raise UsageError(
            "`call_key` must be 16 to 43 letters, digits, - or _ (the interview form's key).",
            "`call_key` 须为 16 到 43 个字母、数字、- 或 _（访谈表单的编号）。",
            fields=("call_key",),
        )
    _check_outcome(outcome)
    code = _check_customer(customer)
    site = (site or "").strip() or None
    check_site_scope(scope, site)
    text = (note or "").strip() or None
    if text is not None:
        check_text_length(text, field="note")
    definition = survey_definition(store, workspace=workspace, survey=survey)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        found = _existing(s, ws.id, call_key)
        if found is not None:
            return CallResult(_info(s, found, survey), False)
        sid = _site_id(s, ws, site)
        tz = zoneinfo.ZoneInfo(ws.timezone or "Asia/Shanghai")
        back = _call_back(call_back_at, tz, now)
        ws_id, survey_id, version_id = ws.id, sv.survey_id, sv.id
    checked = None
    if outcome == "answered":
        given = {k: v for k, v in (answers or {}).items() if v is not None and str(v).strip()}
        if not given:
            raise InputError(
                "The call is marked answered but no answer was keyed; key the answers or choose "
                "another `outcome`.",
                "通话结果为“已完成访谈”，但没有录入任何回答；请录入回答，或选择其他通话结果 `outcome`。",
                code="no_answers",
                fields=("outcome",),
            )
        meta = {"submitted_at": now, "site": site, "channel": CHANNEL, "customer": code}
        sites = {site: sid} if site and sid else {}
        checked = check_answers(definition, given, meta=meta, sites=sites, tz=tz, now=now)
        raise_problems(checked.problems)
    try:
        with store.session() as s:
            response_id = None
            if checked is not None:
                quotas = quotas_of(s, survey_id)
                if quotas:
                    full = full_cells(s, survey_id, quotas, site, checked.answers, lock=True)
                    if full:
                        raise quota_full(full)
                response_id = write_response(
                    s, ws_id=ws_id, survey_id=survey_id, version_id=version_id,
                    eid=f"phone-{call_key}", record=checked.record, answers=checked.answers,
                    channel=CHANNEL, sites={site: sid} if site and sid else {},
                )  # fmt: skip
            call = InterviewCall(
                workspace_id=ws_id, survey_id=survey_id, call_key=call_key, site_id=sid,
                customer_id=customer_id(s, ws_id, code), interviewer=interviewer,
                outcome=outcome, note=text, call_back_at=back, response_id=response_id,
                called_at=now,
            )  # fmt: skip
            s.add(call)
            s.flush()
            return CallResult(_info(s, call, survey), True)
    except IntegrityError:
        # the same call was recorded meanwhile (a double post): nothing more
        with store.session() as s:
            found = _existing(s, ws_id, call_key)
            if found is None:
                raise
            return CallResult(_info(s, found, survey), False)


def list_calls(
    store: Store,
    *,
    workspace: str,
    survey: str,
    outcome: str | None = None,
    scope: tuple[str, ...] | None = None,
    interviewer: str | None = None,
    limit: int = 100,
) -> CallList:
    """The survey's calls, newest first (``outcome="call_back"``: whom to call again);
    ``scope`` keeps the calls of those sites only."""
    if outcome is not None:
        _check_outcome(outcome)
    limit = max(1, min(limit, MAX_CALLS))
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        q = (
            select(InterviewCall, Site.code, Customer.code, Response.external_id)
            .outerjoin(Site, Site.id == InterviewCall.site_id)
            .outerjoin(Customer, Customer.id == InterviewCall.customer_id)
            .outerjoin(Response, Response.id == InterviewCall.response_id)
            .where(InterviewCall.workspace_id == ws.id, InterviewCall.survey_id == sv.survey_id)
        )
        if outcome is not None:
            q = q.where(InterviewCall.outcome == outcome)
        if scope is not None:
            q = q.where(Site.code.in_(scope))
        if interviewer is not None:
            q = q.where(InterviewCall.interviewer == interviewer)
        rows = s.execute(
            q.order_by(InterviewCall.called_at.desc(), InterviewCall.id.desc()).limit(limit)
        ).all()
        calls = tuple(
            CallInfo(
                c.id,
                survey,
                cust,
                site,
                c.outcome,
                c.interviewer,
                c.called_at,
                c.call_back_at,
                c.note,
                rid,
            )
            for c, site, cust, rid in rows
        )
        return CallList(ws.code, survey, calls)
