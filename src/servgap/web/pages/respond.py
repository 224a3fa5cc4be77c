"""Respondent pages at ``/s/{token}``: the survey on a phone, page by page, without JavaScript.

Each page posts its answers; they are kept as a draft (save and resume: the same link
shows them again), checked with the importer's rules, and the last page stores the
response once (:mod:`servgap.services.collection`). Every answer is a form field named
``a-<column>`` (``a-rel1_adequate``). Pages follow the post/redirect/get pattern, so
reloading or going back never posts twice; a second post of the same answers (a
double tap, the back button and submit again) stores nothing more and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.errors import InputError, Problem
from servgap.core.question_types import MAX_TEXT_CHARS
from servgap.core.survey import Question, SurveyDefinition, dimension_label, option_label
from servgap.i18n import Lang, t
from servgap.services.alerts import due_scan
from servgap.services.analysis import unit_label
from servgap.services.collection import (
    FormContext,
    check_page,
    fold_into_stats,
    open_form,
    save_draft,
    submit_form,
)
from servgap.services.quotas import QuotaFullError
from servgap.web.access import Public
from servgap.web.deps import LangDep, SettingsDep, StoreDep
from servgap.web.forms import Form
from servgap.web.security import client_address
from servgap.web.templating import render

router = APIRouter()

RESPONDENT = Public("customers answer surveys with the link they were sent, without an account")
RespondentRule = Annotated[None, Depends(RESPONDENT)]
RESPONDENT_COOKIE = "sg_r"
FIELD = "a-"
CARDS_PER_PAGE = 4  # three-column cards on one phone page
QUESTIONS_PER_PAGE = 6
MAX_RADIO_POINTS = 11  # scales with more points get a number box
KANO_LABELS: dict[int, tuple[str, str]] = {
    1: ("我喜欢这样", "I like it"),
    2: ("理应如此", "I expect it"),
    3: ("无所谓", "I am neutral"),
    4: ("能忍受", "I can live with it"),
    5: ("我不喜欢", "I dislike it"),
}


# ---------------------------------------------------------------- pages of a survey


def paginate(definition: SurveyDefinition) -> list[tuple[Question, ...]]:
    """Questions in order, cut into phone-sized pages: at most ``CARDS_PER_PAGE``
    three-column cards or ``QUESTIONS_PER_PAGE`` other questions, a new page where the
    kind of question changes between the two."""
    pages: list[list[Question]] = []
    for q in definition.questions:
        card = q.type == "servqual3"
        if pages:
            last = pages[-1]
            same = (last[0].type == "servqual3") == card
            room = len(last) < (CARDS_PER_PAGE if card else QUESTIONS_PER_PAGE)
            if same and room:
                last.append(q)
                continue
        pages.append([q])
    return [tuple(p) for p in pages] or [()]


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _option_label(option: str, lang: Lang) -> str:
    return option_label(option, lang)


def _points(q: Question) -> list[str] | None:
    """The scale's points when they fit as radio buttons, else None (a number box)."""
    if q.scale is None or not q.whole_numbers:
        return None
    lo, hi = q.scale
    if hi - lo + 1 > MAX_RADIO_POINTS:
        return None
    return [_fmt(v) for v in range(int(lo), int(hi) + 1)]


def question_view(
    q: Question, lang: Lang, values: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> dict[str, Any]:
    """What the template needs to draw one question."""

    def val(col: str) -> str:
        v = values.get(col)
        return "" if v is None else _fmt(v) if isinstance(v, int | float) else str(v)

    lower = q.direction == "lower_better"
    view: dict[str, Any] = {
        "code": q.code,
        "type": q.type,
        "text": q.text.get(lang),
        "errors": errors.get(q.code, []),
        "points": _points(q),
        "min": _fmt(q.scale[0]) if q.scale else None,
        "max": _fmt(q.scale[1]) if q.scale else None,
        "step": "1" if q.whole_numbers else "any",
        "unit": unit_label(q.unit, lang) if q.unit else None,
        "lower_better": lower,
        "dimension": dimension_label(q.dimension, lang) if q.dimension else None,
    }
    if q.type == "servqual3":
        parts = []
        for part in ("adequate", "desired", "perceived"):
            col = f"{q.code}_{part}"
            key = f"web_part_{part}_lower" if lower else f"web_part_{part}"
            parts.append(
                {
                    "name": FIELD + col,
                    "column": col,
                    "label": t(key, lang),
                    "value": val(col),
                    "errors": errors.get(col, []),
                }
            )
        view["parts"] = parts
    elif q.type == "kano":
        pairs = []
        for part, wording in (("functional", q.functional), ("dysfunctional", q.dysfunctional)):
            col = f"{q.code}_{part}"
            label = wording.get(lang) if wording else t(f"web_kano_{part}", lang)
            pairs.append(
                {
                    "name": FIELD + col,
                    "column": col,
                    "label": label,
                    "value": val(col),
                    "errors": errors.get(col, []),
                }
            )
        view["parts"] = pairs
        view["answers"] = [
            (str(k), zh if lang == "zh" else en) for k, (zh, en) in KANO_LABELS.items()
        ]
    elif q.type == "ranking":
        view["ranks"] = [
            {
                "name": FIELD + col,
                "column": col,
                "label": t("web_rank", lang, n=col.rsplit("_", 1)[1]),
                "value": val(col),
                "errors": errors.get(col, []),
            }
            for col in q.columns()
        ]
        view["options"] = [(o, _option_label(o, lang)) for o in q.options]
    elif q.type in ("importance", "multiple", "sources"):
        view["options"] = [
            {
                "name": FIELD + f"{q.code}_{o}",
                "column": f"{q.code}_{o}",
                "label": _option_label(o, lang),
                "value": val(f"{q.code}_{o}"),
                "errors": errors.get(f"{q.code}_{o}", []),
            }
            for o in q.options
        ]
    else:
        view["name"] = FIELD + q.code
        view["value"] = val(q.code)
        view["options"] = [(o, _option_label(o, lang)) for o in q.options]
        view["column_errors"] = errors.get(q.code, [])
        view["max_chars"] = MAX_TEXT_CHARS
    return view


def page_columns(page: tuple[Question, ...]) -> list[str]:
    return [c for q in page for c in q.columns()]


def answers_from_form(
    form: FormData, definition: SurveyDefinition, page: tuple[Question, ...]
) -> dict[str, Any]:
    """The answer fields of the post: every column of the page (an unticked box of a
    multiple-choice question is 0, an empty field clears the draft's answer) and any other
    ``a-`` field naming a column of the survey."""
    owner = definition.column_owner()
    raw: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key.startswith(FIELD) and key[len(FIELD) :] in owner and isinstance(value, str):
            raw[key[len(FIELD) :]] = value
    for q in page:
        for col in q.columns():
            if col not in raw:
                raw[col] = "0" if q.type in ("multiple", "sources") else ""
    return raw


def errors_by_question(
    definition: SurveyDefinition, problems: tuple[Problem, ...], lang: Lang
) -> dict[str, list[str]]:
    """Problems keyed by question code (the card) and by column (the field)."""
    owner = definition.column_owner()
    out: dict[str, list[str]] = {}
    for p in problems:
        msg = p.zh if lang == "zh" else p.en
        col = p.column or ""
        out.setdefault(col, []).append(msg)
        if col in owner and owner[col][0].code != col:
            out.setdefault(owner[col][0].code, [])
    return out


def first_page_with(
    pages: list[tuple[Question, ...]], definition: SurveyDefinition, problems: tuple[Problem, ...]
) -> int:
    owner = definition.column_owner()
    wanted = set()
    for p in problems:
        col = p.column or ""
        wanted.add(owner[col][0].code if col in owner else col)
    for i, page in enumerate(pages, start=1):
        if any(q.code in wanted for q in page):
            return i
    return 1


# ---------------------------------------------------------------- rendering


def _page_url(token: str, request: Request, **params: Any) -> str:
    keep = {"lang": request.query_params.get("lang")}
    keep.update(params)
    query = urlencode({k: v for k, v in keep.items() if v not in (None, "")})
    return f"/s/{token}" + (f"?{query}" if query else "")


def _respondent_cookie(response: Response, form: FormContext, settings: Any) -> None:
    if form.kind == "open":
        response.set_cookie(
            RESPONDENT_COOKIE,
            form.respondent,
            max_age=30 * 86400,
            path=f"/s/{form.token}",
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )


def _status_page(
    request: Request, form: FormContext, lang: Lang, *, sent: bool, status: int = 200
) -> Response:
    return render(
        request,
        "respond_status.html",
        {
            "form": form,
            "state": form.state,
            "sent": sent,
            "ws_name": form.workspace_name.get(lang),
            "title": form.title.get(lang),
            "again_url": _page_url(form.token, request, new=1) if form.kind == "open" else None,
        },
        status=status,
    )


def _form_page(
    request: Request,
    form: FormContext,
    lang: Lang,
    page_no: int,
    *,
    values: Mapping[str, Any],
    problems: tuple[Problem, ...] = (),
    notice: str | None = None,
    status: int = 200,
    settings: Any,
) -> Response:
    pages = paginate(form.definition)
    page_no = min(max(page_no, 1), len(pages))
    errors = errors_by_question(form.definition, problems, lang)
    shown = {q.code for q in pages[page_no - 1]}
    owner = form.definition.column_owner()
    elsewhere = [
        (p.zh if lang == "zh" else p.en)
        for p in problems
        if (owner[p.column][0].code if p.column in owner else p.column) not in shown
    ]
    response = render(
        request,
        "respond.html",
        {
            "form": form,
            "ws_name": form.workspace_name.get(lang),
            "title": form.title.get(lang),
            "questions": [question_view(q, lang, values, errors) for q in pages[page_no - 1]],
            "page": page_no,
            "pages": len(pages),
            "last": page_no == len(pages),
            "action": _page_url(form.token, request),
            "n_problems": len(problems),
            "elsewhere": elsewhere,
            "notice": notice,
        },
        status=status,
        headers={"Cache-Control": "private, no-cache"},
    )
    _respondent_cookie(response, form, settings)
    return response


# ---------------------------------------------------------------- routes


@router.get("/s/{token}")
def respond_page(
    token: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    lang: LangDep,
    _: RespondentRule,
    p: int = 1,
    sent: int = 0,
    new: int = 0,
    r: str | None = None,
) -> Response:
    rid = None if new else (r or request.cookies.get(RESPONDENT_COOKIE))
    form = open_form(store, token, respondent=rid)
    if form.state != "open":
        response = _status_page(request, form, lang, sent=bool(sent))
        _respondent_cookie(response, form, settings)
        return response
    return _form_page(request, form, lang, p, values=form.draft, settings=settings)


@router.post("/s/{token}")
def respond_post(
    token: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    lang: LangDep,
    _: RespondentRule,
    data: Form,
) -> Response:
    limiter = request.app.state.limiter
    address = client_address(request, trust_proxy=settings.trust_proxy_headers)
    limiter.hit(f"submit:{address}", settings.submit_rate_per_minute)
    limiter.hit(f"link:{token[:64]}", settings.link_rate_per_minute)
    rid_field = data.get("rid")
    rid = rid_field if isinstance(rid_field, str) else None
    action = str(data.get("action") or "next")
    try:
        page_no = int(str(data.get("p") or "1"))
    except ValueError:
        page_no = 1
    form = open_form(store, token, respondent=rid)
    if form.state != "open":
        return _status_page(request, form, lang, sent=False)
    pages = paginate(form.definition)
    page_no = min(max(page_no, 1), len(pages))
    raw = answers_from_form(data, form.definition, pages[page_no - 1])
    keep = {"r": form.respondent if form.kind == "open" else None}
    if action in ("back", "save"):
        form = save_draft(store, token, form.respondent, raw)
        if action == "back":
            return RedirectResponse(_page_url(token, request, p=page_no - 1, **keep), 303)
        notice = t("web_saved", lang)
        return _form_page(request, form, lang, page_no, values=form.draft, notice=notice,
                          settings=settings)  # fmt: skip
    try:
        return _post_answers(request, form, lang, settings, pages, page_no, raw, action, keep)
    except QuotaFullError as exc:
        full = replace(form, state="quota_full", full=exc.cells)
        return _status_page(request, full, lang, sent=False)


def _post_answers(
    request: Request,
    form: FormContext,
    lang: Lang,
    settings: Any,
    pages: list[tuple[Question, ...]],
    page_no: int,
    raw: dict[str, Any],
    action: str,
    keep: dict[str, Any],
) -> Response:
    """Next page (answers checked), or the last page's submission."""
    store, token = request.app.state.store, form.token
    if action != "submit" or page_no < len(pages):
        form, problems = check_page(store, token, form.respondent, raw)
        if problems:
            return _form_page(request, form, lang, page_no, values=form.draft, problems=problems,
                              status=422, settings=settings)  # fmt: skip
        return RedirectResponse(_page_url(token, request, p=page_no + 1, **keep), 303)
    try:
        result = submit_form(store, token, form.respondent, raw, form=form, fold=False)
    except InputError as exc:
        if not exc.problems:
            return _form_page(request, form, lang, page_no, values={**form.draft, **raw},
                              notice=exc.zh if lang == "zh" else exc.en, status=422,
                              settings=settings)  # fmt: skip
        form = save_draft(store, token, form.respondent, raw)
        target = first_page_with(pages, form.definition, exc.problems)
        return _form_page(request, form, lang, target, values=form.draft, problems=exc.problems,
                          status=422, settings=settings)  # fmt: skip
    if not result.created:
        form = open_form(store, token, respondent=form.respondent)
        return _status_page(request, form, lang, sent=False)
    done = RedirectResponse(_page_url(token, request, sent=1, **keep), 303)
    scan = due_scan(store, result.workspace)  # alerts: at most one scan per workspace per 10 min

    def after() -> None:
        """After the respondent's page is sent: the answer into the survey's stored
        statistics (the dashboard's figures), then the alert scan when one is due."""
        fold_into_stats(store, result.workspace, result.survey)
        if scan is not None:
            scan()

    done.background = BackgroundTask(after)
    return done
