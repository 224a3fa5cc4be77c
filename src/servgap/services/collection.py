"""Collecting answers: a respondent's form behind a link, drafts, and stored responses.

Every answer is read by the importer's own rules (:mod:`servgap.services.responses`:
each cell through its question type's ``read``, importance points that must add up
to 100, the period checked against the submission time), and a response is written
as the importer writes it: one ``response`` row whose answers are keyed by the
canonical column names, with site, channel, customer and period. A response
collected on the web is an import row with one row.

Submitting is idempotent. A personal link's response id is ``web-<link id>``, an
open link's ``web-<link id>-<respondent>`` where the respondent key is chosen once
per respondent by the face; the store's unique (survey, response id) makes a second
submission of the same answers — a double tap, a retry, the back button — store
nothing more, whatever the timing.

One more check than the importer makes, for a person typing: a three-column item
whose desired level is below the adequate one (the other way round for a
lower-better quantity such as waiting minutes: zone width < 0, the sign convention
of :mod:`servgap.core.servqual`) is returned as a friendly problem so the respondent
can correct it; the analyses would otherwise drop that answer as inconsistent.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servgap.core.errors import ConflictError, InputError, NotFoundError, Problem, UsageError
from servgap.core.survey import SurveyDefinition, Text, parse_survey
from servgap.services.context import Store, get_workspace
from servgap.services.distribution import link_state, response_prefix
from servgap.services.quotas import Quota, QuotaCell, full_cells, quota_full, quotas_of
from servgap.services.responses import check_row
from servgap.services.surveys import latest_version
from servgap.store.models import (
    Customer,
    Response,
    Site,
    SurveyDraft,
    SurveyLink,
    SurveyVersion,
    Workspace,
)
from servgap.store.models import Survey as SurveyRow

RESPONDENT = re.compile(r"^[A-Za-z0-9_-]{16,43}$")
PERSONAL_KEY = "-"
MAX_DRAFT_VALUE = 20_000


_SQLITE_LOCKS: dict[int, threading.RLock] = {}


@contextmanager
def _session(store: Store) -> Iterator[Session]:
    """``store.session()``; on SQLite the respondent path's transactions of this process also
    queue on one lock. SQLite lets one writer in at a time and makes the others poll with
    growing sleeps (up to 100 ms each), which gave a long latency tail under 50 concurrent
    respondents; a lock hands the database to the next waiting thread at once."""
    if store.engine.dialect.name != "sqlite":
        with store.session() as s:
            yield s
        return
    lock = _SQLITE_LOCKS.setdefault(id(store.engine), threading.RLock())
    with lock, store.session() as s:
        yield s


def new_respondent() -> str:
    """A respondent key for an open link (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


_DEFINITIONS: dict[tuple[str, int], SurveyDefinition] = {}


def _cached_definition(checksum: str, version: int, load: Any) -> SurveyDefinition:
    """Survey versions are immutable: parse each (checksum, version) once per process."""
    key = (checksum, version)
    d = _DEFINITIONS.get(key)
    if d is None:
        d = parse_survey(load())
        if len(_DEFINITIONS) > 512:
            _DEFINITIONS.clear()
        _DEFINITIONS[key] = d
    return d


@dataclass(frozen=True)
class FormContext:
    """Everything a respondent's page needs."""

    token: str
    link_id: int
    kind: str
    state: str  # open | answered | not_yet | closed | quota_full
    workspace: str
    workspace_name: Text
    survey: str
    definition: SurveyDefinition
    site: str | None
    customer: str | None
    channel: str
    respondent: str
    draft: dict[str, Any] = field(default_factory=dict)
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    # where the answers go
    workspace_id: int = 0
    survey_id: int = 0
    version_id: int = 0
    site_id: int | None = None
    timezone: str = "Asia/Shanghai"
    quotas: tuple[Quota, ...] = ()
    full: tuple[QuotaCell, ...] = ()  # the full quota cells this respondent falls in

    @property
    def title(self) -> Text:
        return self.definition.title


@dataclass(frozen=True)
class SubmitResult:
    created: bool
    response_id: str
    survey: str = ""
    workspace: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "created": self.created,
            "response_id": self.response_id,
            "survey": self.survey,
            "workspace": self.workspace,
        }


def _unknown_link() -> NotFoundError:
    return NotFoundError(
        "This survey link does not exist. Check that the whole link was copied.",
        "该问卷链接不存在。请确认链接是否完整复制。",
        code="unknown_link",
    )


def _respondent(kind: str, respondent: str | None) -> str:
    if kind == "personal":
        return PERSONAL_KEY
    if respondent is None or not RESPONDENT.fullmatch(respondent):
        return new_respondent()
    return respondent


def external_id(link_id: int, kind: str, respondent: str) -> str:
    head = response_prefix(link_id)
    return head if kind == "personal" else f"{head}-{respondent}"


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    """The statements of the respondent path, built once (a submission runs them hundreds of
    times a second; building a select costs more than running it on SQLite)."""
    form = (
        select(
            SurveyLink.id, SurveyLink.kind, SurveyLink.survey_id, SurveyLink.survey_version_id,
            SurveyLink.site_id, SurveyLink.channel, SurveyLink.opens_at, SurveyLink.closes_at,
            SurveyLink.used_at, Workspace.id, Workspace.code, Workspace.name_zh,
            Workspace.name_en, Workspace.timezone, SurveyRow.code, SurveyVersion.checksum,
            SurveyVersion.version, Site.code, Customer.code,
        )
        .join(Workspace, Workspace.id == SurveyLink.workspace_id)
        .join(SurveyRow, SurveyRow.id == SurveyLink.survey_id)
        .join(SurveyVersion, SurveyVersion.id == SurveyLink.survey_version_id)
        .outerjoin(Site, Site.id == SurveyLink.site_id)
        .outerjoin(Customer, Customer.id == SurveyLink.customer_id)
        .where(SurveyLink.token == bindparam("token"))
    )  # fmt: skip
    answered = select(Response.id).where(
        Response.survey_id == bindparam("survey_id"), Response.external_id == bindparam("eid")
    )
    draft = select(SurveyDraft.answers).where(
        SurveyDraft.link_id == bindparam("link_id"), SurveyDraft.respondent == bindparam("key")
    )
    definition = select(SurveyVersion.definition).where(SurveyVersion.id == bindparam("vid"))
    return {"form": form, "answered": answered, "draft": draft, "definition": definition}


def open_form(
    store: Store, token: str, *, respondent: str | None = None, now: dt.datetime | None = None
) -> FormContext:
    """The form behind ``token`` for this respondent (a new respondent key when none or a
    malformed one is given), with their draft and the link's state."""
    now = now or dt.datetime.now(dt.UTC)
    if not token or len(token) > 64:
        raise _unknown_link()
    q = _statements()
    with _session(store) as s:
        row = s.execute(q["form"], {"token": token}).first()
        if row is None:
            raise _unknown_link()
        (link_id, kind, survey_id, version_id, site_id, channel, opens_at, closes_at, used_at,
         ws_id, ws_code, name_zh, name_en, tz, survey, checksum, version, site,
         customer) = row  # fmt: skip

        def load() -> Any:
            return s.scalar(q["definition"], {"vid": version_id})

        definition = _cached_definition(checksum, version, load)
        key = _respondent(kind, respondent)
        state = link_state(kind, opens_at, closes_at, used_at, now)
        if state == "open" and kind == "open":
            eid = external_id(link_id, kind, key)
            if s.scalar(q["answered"], {"survey_id": survey_id, "eid": eid}) is not None:
                state = "answered"
        draft: dict[str, Any] = {}
        quotas: tuple[Quota, ...] = ()
        full: list[QuotaCell] = []
        if state == "open":
            stored = s.scalar(q["draft"], {"link_id": link_id, "key": key})
            draft = dict(stored or {})
            quotas = quotas_of(s, survey_id)
            if quotas:
                full = full_cells(s, survey_id, quotas, site, _read_draft(definition, draft))
                if full:
                    state = "quota_full"
    return FormContext(
        token=token,
        link_id=link_id,
        kind=kind,
        state=state,
        workspace=ws_code,
        workspace_name=Text(name_zh, name_en),
        survey=survey,
        definition=definition,
        site=site,
        customer=customer,
        channel=channel,
        respondent=key,
        draft=draft,
        opens_at=opens_at,
        closes_at=closes_at,
        workspace_id=ws_id,
        survey_id=survey_id,
        version_id=version_id,
        site_id=site_id,
        timezone=tz or "Asia/Shanghai",
        quotas=quotas,
        full=tuple(full),
    )


def _read_draft(definition: SurveyDefinition, draft: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's answers of the questions quotas may use, read as a response stores them."""
    out: dict[str, Any] = {}
    owner = definition.column_owner()
    for col, value in draft.items():
        if col in owner and owner[col][0].type in ("single", "profile") and not _blank(value):
            out[col] = str(value).strip()
    return out


def _closed(form: FormContext) -> ConflictError:
    if form.state == "quota_full":
        return quota_full(form.full)
    if form.state == "answered":
        return ConflictError(
            "This survey has already been answered with this link. Thank you!",
            "已通过此链接提交过答卷。谢谢您！",
            code="already_answered",
        )
    if form.state == "not_yet":
        return ConflictError(
            "This survey is not open yet.", "本问卷尚未开始。", code="survey_not_open"
        )
    return ConflictError("This survey is closed.", "本问卷已结束。", code="survey_closed")


# ---------------------------------------------------------------- validation


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def check_zones(definition: SurveyDefinition, answers: Mapping[str, Any]) -> list[Problem]:
    """Three-column answers whose desired level lies below the adequate one (zone width < 0)."""
    out: list[Problem] = []
    for q in definition.by_type("servqual3"):
        a, d = answers.get(f"{q.code}_adequate"), answers.get(f"{q.code}_desired")
        if not isinstance(a, int | float) or not isinstance(d, int | float):
            continue
        if q.direction == "lower_better":
            if d > a:
                out.append(
                    Problem(
                        f"the desired {_num(d)} is more than the adequate {_num(a)}: for this item "
                        "less is better, so the desired value should be at most the adequate one. "
                        "Please check both answers.",
                        f"理想值 {_num(d)} 大于最低可接受值 {_num(a)}：本题数值越小越好，理想值应不大于"
                        "最低可接受值。请检查这两个回答。",
                        column=q.code,
                        value=[a, d],
                    )
                )
        elif d < a:
            out.append(
                Problem(
                    f"the desired level {_num(d)} is below the adequate level {_num(a)}. The level "
                    "you desire is usually at least the lowest level you would accept; please check "
                    "both answers.",
                    f"理想水平 {_num(d)} 低于最低可接受水平 {_num(a)}。理想水平通常不低于您能接受的"
                    "最低水平，请检查这两个回答。",
                    column=q.code,
                    value=[a, d],
                )
            )
    return out


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


@dataclass(frozen=True)
class Checked:
    answers: dict[str, Any]
    record: dict[str, Any]
    problems: tuple[Problem, ...]


def check_answers(
    definition: SurveyDefinition,
    raw: Mapping[str, Any],
    *,
    meta: Mapping[str, Any] | None = None,
    sites: dict[str, int] | None = None,
    tz: dt.tzinfo = dt.UTC,
    now: dt.datetime | None = None,
    source: str = "web",
    zones: bool = True,
) -> Checked:
    """Read one response (answer columns and meta columns, as in an import row) with the
    importer's rules (:func:`servgap.services.responses.check_row`), and with ``zones`` the
    friendly check of three-column answers; every problem is returned, naming its column."""
    row = check_row(
        definition, raw, meta=meta, sites=sites, tz=tz, now=now or dt.datetime.now(dt.UTC),
        source=source,
    )  # fmt: skip
    problems = list(row.problems)
    if zones:
        problems.extend(check_zones(definition, row.answers))
    return Checked(row.answers, row.record, tuple(problems))


def raise_problems(problems: Iterable[Problem], code: str = "invalid_answers") -> None:
    probs = tuple(problems)
    if probs:
        raise InputError(
            f"{len(probs)} answer(s) need attention; nothing was stored yet:",
            f"有 {len(probs)} 处回答需要修改；尚未保存：",
            code=code,
            problems=probs,
        )


# ---------------------------------------------------------------- drafts and submission


def _clean_raw(raw: Mapping[str, Any], definition: SurveyDefinition) -> dict[str, Any]:
    owner = definition.column_owner()
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k not in owner:
            continue
        if isinstance(v, str):
            out[k] = v[:MAX_DRAFT_VALUE]
        elif v is None or isinstance(v, int | float):
            out[k] = v
    return out


def save_draft(
    store: Store,
    token: str,
    respondent: str | None,
    raw: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> FormContext:
    """Merge the answers typed on a page into the respondent's draft (save and resume)."""
    now = now or dt.datetime.now(dt.UTC)
    form = open_form(store, token, respondent=respondent, now=now)
    if form.state != "open":
        raise _closed(form)
    values = _clean_raw(raw, form.definition)
    merged = {**form.draft, **values}
    for attempt in (1, 2):
        try:
            with _session(store) as s:
                row = s.scalar(
                    select(SurveyDraft).where(
                        SurveyDraft.link_id == form.link_id,
                        SurveyDraft.respondent == form.respondent,
                    )
                )
                if row is None:
                    s.add(
                        SurveyDraft(
                            link_id=form.link_id,
                            respondent=form.respondent,
                            answers=merged,
                            updated_at=now,
                        )
                    )
                else:
                    row.answers = {**(row.answers or {}), **values}
                    row.updated_at = now
            break
        except IntegrityError:  # two pages saved at once: the second one merges
            if attempt == 2:
                raise
    return FormContext(**{**form.__dict__, "draft": merged})


def _sites(session: Any, ws_id: int) -> dict[str, int]:
    return dict(session.execute(select(Site.code, Site.id).where(Site.workspace_id == ws_id)).all())


def write_response(
    session: Any,
    *,
    ws_id: int,
    survey_id: int,
    version_id: int,
    eid: str,
    record: Mapping[str, Any],
    answers: dict[str, Any],
    channel: str,
    sites: Mapping[str, int],
) -> int:
    """One response row, written as :func:`servgap.services.responses.import_responses` does
    (a customer code not yet known is added); returns the row's id."""
    cust_code = record.get("customer")
    cust_id = None
    if cust_code:
        cust_id = customer_id(session, ws_id, str(cust_code))
    table = Response.__table__
    new_id = session.execute(
        insert(table).returning(table.c.id),  # type: ignore[arg-type]
        {
            "workspace_id": ws_id,
            "survey_id": survey_id,
            "survey_version_id": version_id,
            "external_id": eid,
            "site_id": sites.get(record["site"]) if record.get("site") else None,
            "customer_id": cust_id,
            "channel": record.get("channel") or channel,
            "period": record.get("period"),
            "submitted_at": record.get("submitted_at"),
            "answers": answers,
        },
    ).scalar_one()
    return int(new_id)


def customer_id(session: Any, ws_id: int, code: str) -> int:
    """The id of customer ``code`` of the workspace, added when not yet known (as imports do)."""
    cid = session.scalar(
        select(Customer.id).where(Customer.workspace_id == ws_id, Customer.code == code)
    )
    if cid is None:
        c = Customer(workspace_id=ws_id, code=code, attributes={})
        session.add(c)
        session.flush()
        cid = c.id
    return int(cid)


def check_page(
    store: Store,
    token: str,
    respondent: str | None,
    raw: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> tuple[FormContext, tuple[Problem, ...]]:
    """Save a page's answers in the draft and return the problems of that page's answers."""
    form = save_draft(store, token, respondent, raw, now=now)
    checked = check_answers(
        form.definition, _clean_raw(raw, form.definition), now=now, meta={"submitted_at": None}
    )
    if form.quotas:
        # an answer that puts the respondent in a full quota cell ends the survey now
        with _session(store) as s:
            answers = _read_draft(form.definition, form.draft)
            full = full_cells(s, form.survey_id, form.quotas, form.site, answers)
        if full:
            raise quota_full(full)
    return form, checked.problems


def submit_form(
    store: Store,
    token: str,
    respondent: str | None,
    raw: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    form: FormContext | None = None,
    fold: bool = True,
) -> SubmitResult:
    """Store the respondent's answers (draft plus ``raw``) as one response, once.

    ``fold=False`` leaves folding the answer into the survey's stored statistics to the
    caller (:func:`fold_into_stats`; the web pages run it after the reply is sent).

    A used personal link or an open link's respondent who already answered gives
    ``created=False`` (nothing stored); a closed link a :class:`ConflictError`;
    answers that need correcting an :class:`InputError` listing every one. ``form`` is
    the form just opened for this token and respondent, if the caller has it.
    """
    now = now or dt.datetime.now(dt.UTC)
    if form is None or form.token != token:
        form = open_form(store, token, respondent=respondent, now=now)
    eid = external_id(form.link_id, form.kind, form.respondent)
    if form.state == "answered":
        return SubmitResult(False, eid, form.survey, form.workspace)
    if form.state != "open":
        raise _closed(form)
    values = {**form.draft, **_clean_raw(raw, form.definition)}
    if not any(not _blank(x) for x in values.values()):
        raise InputError(
            "No answer was given; answer at least one question.",
            "还没有任何回答；请至少回答一道题。",
            code="no_answers",
        )
    # the link's site, channel and customer are the response's (the link says them)
    sites = {form.site: form.site_id} if form.site and form.site_id else {}
    meta = {
        "submitted_at": now,
        "site": form.site,
        "channel": form.channel,
        "customer": form.customer,
    }
    tz = zoneinfo.ZoneInfo(form.timezone)
    checked = check_answers(form.definition, values, meta=meta, sites=sites, tz=tz, now=now)
    raise_problems(checked.problems)
    try:
        with _session(store) as s:
            if form.kind == "personal":
                claimed = s.execute(
                    update(SurveyLink)
                    .where(SurveyLink.id == form.link_id, SurveyLink.used_at.is_(None))
                    .values(used_at=now)
                )
                if getattr(claimed, "rowcount", 1) == 0:
                    return SubmitResult(False, eid, form.survey, form.workspace)
            if form.quotas:
                site = checked.record.get("site")
                full = full_cells(s, form.survey_id, form.quotas, site, checked.answers, lock=True)
                if full:
                    raise quota_full(full)  # nothing is written: the transaction rolls back
            row_id = write_response(
                s,
                ws_id=form.workspace_id,
                survey_id=form.survey_id,
                version_id=form.version_id,
                eid=eid,
                record=checked.record,
                answers=checked.answers,
                channel=form.channel,
                sites=sites,
            )
            # the closed loop: a dissatisfied answer opens its case in this same transaction
            from servgap.services.cases.closed_loop import case_for_submission

            case_for_submission(s, workspace_id=form.workspace_id, survey=form.survey,
                                definition=form.definition, response_id=eid, response_row=row_id,
                                answers=checked.answers, record=checked.record, now=now)  # fmt: skip
            if form.draft:
                s.execute(
                    delete(SurveyDraft).where(
                        SurveyDraft.link_id == form.link_id,
                        SurveyDraft.respondent == form.respondent,
                    )
                )
    except IntegrityError:
        # the same respondent's answer was stored meanwhile (a double tap): nothing more
        return SubmitResult(False, eid, form.survey, form.workspace)
    if fold:
        fold_into_stats(store, form.workspace, form.survey)
    return SubmitResult(True, eid, form.survey, form.workspace)


def submit_response(
    store: Store,
    *,
    workspace: str,
    survey: str,
    row: Mapping[str, Any],
    channel: str = "import",
    now: dt.datetime | None = None,
    fold: bool = True,
) -> SubmitResult:
    """Store one response given as an import row (``response_id``, ``submitted_at``, ``site``,
    ``channel``, ``customer``, ``period`` and the answer columns), validated as an import
    validates it. A response id already stored for the survey is a :class:`ConflictError`.
    ``fold``: as in :func:`submit_form`."""
    now = now or dt.datetime.now(dt.UTC)
    rid = row.get("response_id")
    if _blank(rid):
        raise UsageError(
            "`response_id` is missing; every response needs its own id.",
            "缺少 `response_id`；每份答卷都需要唯一编号。",
            fields=("response_id",),
        )
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        definition = _cached_definition(sv.checksum, sv.version, lambda: sv.definition)
        sites = _sites(s, ws.id)
        tz = zoneinfo.ZoneInfo(ws.timezone or "Asia/Shanghai")
        ws_id, survey_id, version_id = ws.id, sv.survey_id, sv.id
    checked = check_answers(definition, row, sites=sites, tz=tz, now=now, source="api", zones=False)
    raise_problems(checked.problems, "invalid_row")
    eid = str(checked.record.get("response_id"))
    try:
        with store.session() as s:
            write_response(
                s,
                ws_id=ws_id,
                survey_id=survey_id,
                version_id=version_id,
                eid=eid,
                record=checked.record,
                answers=checked.answers,
                channel=channel,
                sites=sites,
            )
    except IntegrityError:
        raise ConflictError(
            f"Response `{eid}` is already stored for survey `{survey}`; give the response a new "
            "`response_id`.",
            f"调查 `{survey}` 中已有答卷 `{eid}`；请为答卷使用新的 `response_id`。",
            code="duplicate_response",
            fields=("response_id",),
        ) from None
    if fold:
        fold_into_stats(store, workspace, survey)
    return SubmitResult(True, eid, survey, workspace)


def count_responses(store: Store, *, workspace: str, survey: str) -> int:
    from sqlalchemy import func

    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        return int(
            s.scalar(select(func.count(Response.id)).where(Response.survey_id == sv.survey_id)) or 0
        )


def survey_definition(store: Store, *, workspace: str, survey: str) -> SurveyDefinition:
    """The newest definition of a survey (for interview pages and the API)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        return _cached_definition(sv.checksum, sv.version, lambda: sv.definition)


def fold_into_stats(store: Store, workspace: str, survey: str) -> None:
    """Fold a stored answer into its survey's stored statistics (the dashboard's figures);
    a failure is logged, never breaking the submission; with ``rebuild=False`` a submission
    never triggers a full rebuild (the statistics are marked stale instead)."""
    from servgap.services.survey_stats import update_stats_quietly

    update_stats_quietly(store, workspace, survey, rebuild=False)
