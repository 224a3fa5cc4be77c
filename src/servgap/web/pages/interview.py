"""Phone interview mode: an interviewer (analyst or auditor) keys a call at the keyboard.

One page holds the call (customer code, site, outcome) and the whole survey. Every answer is
a text field for number keys — a scale point, a Kano answer 1–5, or the number of a choice
as the page lists them — and Tab moves on (with the page's script a one-digit answer moves
on by itself; the page works without it). The answers are checked as the respondent pages
check them (:mod:`servgap.services.interviews`), and a double post records one call.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.errors import InputError, Problem, ServgapError
from servgap.core.survey import Question, SurveyDefinition, option_label
from servgap.i18n import Lang, t
from servgap.services.interviews import (
    CallInfo,
    InterviewSetup,
    interview_setup,
    list_calls,
    record_call,
)
from servgap.web.access import INTERVIEWERS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.pages.respond import FIELD, KANO_LABELS, errors_by_question
from servgap.web.templating import render

router = APIRouter()

Interviewer = Annotated[Access, Depends(InWorkspace(*INTERVIEWERS, page=True))]
CALL_FIELDS = ("customer", "site", "outcome", "note", "call_back_at")
RECENT = 10


def choice_value(q: Question, value: str) -> str:
    """A choice keyed as its number on the page (1 = the first option) as the option's code;
    an option code (or anything else) is left for the importer's rules to check."""
    v = value.strip()
    if v in q.options or not v.isdigit():
        return v
    n = int(v)
    return q.options[n - 1] if 1 <= n <= len(q.options) else v


def interview_answers(form: FormData, definition: SurveyDefinition) -> dict[str, Any]:
    """The answer fields of the post as import-row columns (choices keyed by number become
    option codes; once anything is keyed, an unticked box of a multiple-choice question is 0)."""
    owner = definition.column_owner()
    raw: dict[str, Any] = {}
    for key, value in form.multi_items():
        col = key[len(FIELD) :]
        if key.startswith(FIELD) and col in owner and isinstance(value, str):
            q = owner[col][0]
            raw[col] = (
                choice_value(q, value) if q.type in ("single", "profile", "ranking") else value
            )
    if any(str(v).strip() for v in raw.values()):  # nothing keyed stays nothing
        for q in definition.by_type("multiple", "sources"):
            for col in q.columns():
                raw.setdefault(col, "0")
    return raw


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _digits(q: Question) -> int:
    """1 when every answer is one key (the script then moves on by itself)."""
    if q.type == "kano" or (q.type in ("single", "profile", "ranking") and 0 < len(q.options) <= 9):
        return 1
    if q.scale is not None and q.whole_numbers and q.scale[0] >= 0 and q.scale[1] <= 9:
        return 1
    return 0


def field_view(
    q: Question, lang: Lang, values: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> dict[str, Any]:
    """One question as keyboard fields."""

    def field(col: str, label: str | None) -> dict[str, Any]:
        v = values.get(col)
        return {"name": FIELD + col, "column": col, "label": label,
                "value": "" if v is None else str(v), "errors": errors.get(col, [])}  # fmt: skip

    hint = None
    labels: list[str] = []
    if q.type == "kano":
        labels = [zh if lang == "zh" else en for zh, en in KANO_LABELS.values()]
        hint = " · ".join(f"{i} {x}" for i, x in enumerate(labels, start=1))
    elif q.type in ("single", "profile", "ranking") and q.options:
        labels = [option_label(o, lang) for o in q.options]
        hint = " · ".join(f"{i} {x}" for i, x in enumerate(labels, start=1))
    elif q.scale is not None and q.type not in ("multiple", "sources"):
        hint = f"{_fmt(q.scale[0])}–{_fmt(q.scale[1])}"
    if q.type == "servqual3":
        fields = [field(f"{q.code}_{p}", t(f"web_iv_{p}", lang))
                  for p in ("adequate", "desired", "perceived")]  # fmt: skip
    elif q.type == "kano":
        fields = [field(f"{q.code}_functional", t("web_iv_functional", lang)),
                  field(f"{q.code}_dysfunctional", t("web_iv_dysfunctional", lang))]  # fmt: skip
    elif q.type in ("importance", "multiple", "sources"):
        fields = [field(f"{q.code}_{o}", option_label(o, lang)) for o in q.options]
    elif q.type == "ranking":
        fields = [field(c, t("web_rank", lang, n=c.rsplit("_", 1)[1])) for c in q.columns()]
    else:
        fields = [field(q.code, None)]
    return {
        "code": q.code,
        "type": q.type,
        "text": q.text.get(lang),
        "hint": hint,
        "labels": labels,
        "digits": _digits(q),
        "fields": fields,
        # a one-field question shows its problems at the field
        "errors": errors.get(q.code, []) if fields[0]["column"] != q.code else [],
    }


def _context(
    setup: InterviewSetup,
    lang: Lang,
    calls: tuple[CallInfo, ...],
    *,
    values: Mapping[str, Any] | None = None,
    call: Mapping[str, str] | None = None,
    problems: tuple[Problem, ...] = (),
    message: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    errors = errors_by_question(setup.definition, problems, lang)
    tz = zoneinfo.ZoneInfo(setup.timezone)

    def local(when: dt.datetime | None) -> str:
        return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when is not None else ""

    return {
        "setup": setup,
        "ws_name": setup.workspace_name.get(lang),
        "title": setup.definition.title.get(lang),
        "questions": [
            field_view(q, lang, values or {}, errors) for q in setup.definition.questions
        ],
        "call": {"call_key": secrets.token_urlsafe(16), "outcome": "answered", **(call or {})},
        "calls": [
            {**c.to_dict(), "called_at": local(c.called_at), "call_back_at": local(c.call_back_at)}
            for c in calls
        ],
        "message": message,
        "notice": notice,
        "n_problems": len(problems),
    }


def _page(
    request: Request, store: Any, access: Access, survey: str, lang: Lang, *, status: int = 200,
    **kw: Any,
) -> Response:  # fmt: skip
    setup = interview_setup(store, workspace=access.workspace, survey=survey, scope=access.sites)
    calls = list_calls(store, workspace=access.workspace, survey=survey, scope=access.sites,
                       interviewer=access.principal.email, limit=RECENT).calls  # fmt: skip
    return render(request, "interview.html", _context(setup, lang, calls, **kw), status=status)


@router.get("/w/{ws}/surveys/{survey}/interview")
def interview_page(
    ws: str, survey: str, request: Request, store: StoreDep, access: Interviewer, lang: LangDep
) -> Response:
    notice = None
    done = request.query_params.get("done")
    if done and done.isdigit():
        mine = list_calls(store, workspace=access.workspace, survey=survey, scope=access.sites,
                          interviewer=access.principal.email, limit=RECENT).calls  # fmt: skip
        last = next((c for c in mine if c.id == int(done)), None)
        if last is not None:
            notice = t("web_iv_recorded", lang, customer=last.customer or "—",
                       outcome=t(f"web_outcome_{last.outcome}", lang))  # fmt: skip
    return _page(request, store, access, survey, lang, notice=notice)


async def _form(request: Request) -> FormData:
    return await request.form()


@router.post("/w/{ws}/surveys/{survey}/interview")
async def interview_post(
    ws: str,
    survey: str,
    request: Request,
    store: StoreDep,
    access: Interviewer,
    lang: LangDep,
    data: Annotated[FormData, Depends(_form)],
) -> Response:
    request.state.field_labels = {f: t(f"web_iv_field_{f}", lang) for f in CALL_FIELDS}
    call = {f: str(data.get(f) or "") for f in (*CALL_FIELDS, "call_key")}
    setup = await run_in_threadpool(
        lambda: interview_setup(
            store, workspace=access.workspace, survey=survey, scope=access.sites
        )
    )
    answers = interview_answers(data, setup.definition)
    try:
        result = await run_in_threadpool(
            lambda: record_call(
                store, workspace=access.workspace, survey=survey, call_key=call["call_key"],
                interviewer=access.principal.email, outcome=call["outcome"],
                customer=call["customer"], site=call["site"] or None, answers=answers,
                note=call["note"], call_back_at=call["call_back_at"] or None, scope=access.sites,
            )
        )  # fmt: skip
    except ServgapError as exc:
        labels = request.state.field_labels
        message = exc.zh if lang == "zh" else exc.en
        for f in exc.fields:
            message = message.replace(f"`{f}`", f"“{labels.get(f, f)}”")
        problems = exc.problems if isinstance(exc, InputError) else ()
        status = exc.status
    else:
        target = f"/w/{access.workspace}/surveys/{survey}/interview?done={result.call.id}"
        return RedirectResponse(target, status_code=303)
    # the form again, with the answers typed and the problems at their fields
    return await run_in_threadpool(
        lambda: _page(request, store, access, survey, lang, status=status, values=answers,
                      call=call, problems=problems, message=message)
    )  # fmt: skip
