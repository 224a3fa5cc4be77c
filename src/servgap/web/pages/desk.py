"""The complaint desk: the case queue, a case page to work a case, and the supervisor's view.

* ``/w/{ws}/desk`` — the open cases ordered by SLA risk and customer tolerance
  (:func:`servgap.services.cases.case_queue`, the queue of ``servgap case list``), with
  the filters site, state, category, owner (agent), overdue / at risk in the URL;
* ``/w/{ws}/desk/{code}`` — one case (:func:`servgap.services.cases.desk_case`): history,
  SLA clock in business hours, customer, past complaints and answers, text reading,
  similar resolved cases, recovery actions and the ledger; forms to add a note, record a
  recovery action, take the case and move it (only the legal next states are offered; a
  move refused by the state machine is shown on the page and nothing changes), and a form
  to correct the category or polarity the model read, with the case's past corrections
  (:mod:`servgap.services.text_corrections`; the training data of ``servgap text train``);
* ``/w/{ws}/desk/supervisor`` — overdue and at-risk cases per site and agent
  (:func:`servgap.services.cases.supervisor_view`).

Every page is also JSON at the same path with ``.json``. Readers are admin, analyst and
agent; the forms are for admin and agent, who also see the customers' personal data
(analysts see them masked). Corrections of the reading are open to agents and
supervisors (admin, analyst, agent: :data:`~servgap.services.text_corrections.CORRECTORS`).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.cases import (
    CATEGORIES,
    EVENT_KINDS,
    PRIORITIES,
    RECOVERY_ACTIONS,
    STATES,
)
from servgap.core.errors import InputError, ServgapError
from servgap.core.privacy import mask_frame
from servgap.i18n import Lang, t
from servgap.services.cases import (
    act_on_case,
    assign_case,
    case_owners,
    case_queue,
    desk_case,
    move_case,
    note_case,
    supervisor_view,
)
from servgap.services.portal import site_list
from servgap.services.text_corrections import (
    CORRECTORS,
    FIELDS,
    correct_case_texts,
    list_corrections,
)
from servgap.services.workspaces import show_workspace
from servgap.web.access import ANALYSTS, CASE_READERS, CASE_WORKERS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.forms import Form, form_text
from servgap.web.templating import page, render

router = APIRouter()

Reader = Annotated[Access, Depends(InWorkspace(*CASE_READERS, page=True))]
Worker = Annotated[Access, Depends(InWorkspace(*CASE_WORKERS, page=True))]
Supervisor = Annotated[Access, Depends(InWorkspace(*ANALYSTS, page=True))]
Corrector = Annotated[Access, Depends(InWorkspace(*CORRECTORS, page=True))]

MAX_NOTE = 10_000  # characters of a note (the services' limit too)
MAX_FILTER = 100  # characters of a filter value in the URL
DONE = ("note", "action", "move", "assign", "correct")


def _text(form: FormData, name: str, *, limit: int = MAX_NOTE) -> str:
    return form_text(form, name, limit=limit)


def _amount(text: str) -> float | None:
    """The amount field: empty is None; otherwise a finite number ≥ 0 (CNY, ¥ and , allowed)."""
    raw = text.strip().replace(",", "").replace("，", "").lstrip("¥￥")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or value > 1e9:
        raise InputError(
            f"`amount_cny` {text!r} is not an amount; write a number of yuan ≥ 0, e.g. 20.",
            f"`amount_cny` {text!r} 不是有效金额；请填写不小于 0 的元数，例如 20。",
            fields=("amount_cny",),
        )
    return value


def _filter(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    if len(value) > MAX_FILTER:
        raise InputError(
            f"`{name}` is longer than {MAX_FILTER} characters.",
            f"`{name}` 超过 {MAX_FILTER} 个字符。",
            fields=(name,),
        )
    return value or None


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "") in ("1", "true", "on", "yes")


def _local(tz: zoneinfo.ZoneInfo) -> Callable[[Any], str]:
    """ISO time → ``YYYY-MM-DD HH:MM`` in the workspace's zone (empty for none)."""

    def fmt(value: Any) -> str:
        if not value:
            return ""
        try:
            when = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return fmt


def _labels(lang: Lang) -> Callable[[str, Any], str]:
    """The bilingual label of a state, category, priority, action or event kind."""
    tables: Mapping[str, Mapping[str, Any]] = {
        "state": STATES,
        "category": CATEGORIES,
        "priority": PRIORITIES,
        "event": EVENT_KINDS,
        "action": {k: (a.en, a.zh) for k, a in RECOVERY_ACTIONS.items()},
    }

    def label(kind: str, code: Any) -> str:
        pair = tables[kind].get(str(code))
        if pair is None:
            return "" if code is None else str(code)
        return str(pair[1] if lang == "zh" else pair[0])

    return label


def _common(store: Any, access: Access, lang: Lang) -> dict[str, Any]:
    info = show_workspace(store, access.workspace)
    return {
        "ws": access.workspace,
        "ws_name": info.name(lang),
        "local": _local(zoneinfo.ZoneInfo(info.timezone or "Asia/Shanghai")),
        "label": _labels(lang),
        "can_work": access.role in CASE_WORKERS,
        "can_supervise": access.role in ANALYSTS,
        "states": list(STATES),
        "categories": list(CATEGORIES),
    }


# --------------------------------------------------------------------------- the queue


@router.get("/w/{ws}/desk.json")
@router.get("/w/{ws}/desk")
def desk(ws: str, request: Request, store: StoreDep, access: Reader, lang: LangDep) -> Response:
    """The case queue, most urgent first, with the filters of the URL."""
    filters = {k: _filter(request, k) for k in ("site", "state", "category", "owner")}
    overdue, at_risk, finished = (_flag(request, k) for k in ("overdue", "at_risk", "all"))
    queue = case_queue(
        store, workspace=access.workspace, include_finished=finished,
        states=[filters["state"]] if filters["state"] else None, overdue=overdue,
        at_risk=at_risk, site=filters["site"], category=filters["category"],
        owner=filters["owner"],
    )  # fmt: skip
    table = queue.table
    if access.role not in CASE_WORKERS:  # phone numbers and names in the complaint text
        table = mask_frame(table, {"summary": "text"})
    data = {
        "filters": {**filters, "overdue": overdue, "at_risk": at_risk, "all": finished},
        "cases": table,
        "warning_en": queue.warning_en,
        "warning_zh": queue.warning_zh,
    }
    if request.url.path.endswith(".json"):
        return page(request, "desk.html", {}, data=data)
    ctx = {
        **_common(store, access, lang),
        "filters": data["filters"],
        "rows": table.to_dict("records"),
        "warning": queue.warning(lang),
        "sites": site_list(store, workspace=access.workspace),
        "owners": case_owners(store, workspace=access.workspace),
        "json_url": request.url.path + ".json" + (f"?{request.url.query}" if request.url.query else ""),
    }  # fmt: skip
    return page(request, "desk.html", ctx, data=data)


# --------------------------------------------------------------------------- supervisor


@router.get("/w/{ws}/desk/supervisor.json")
@router.get("/w/{ws}/desk/supervisor")
def supervisor(
    ws: str, request: Request, store: StoreDep, access: Supervisor, lang: LangDep
) -> Response:
    """Overdue and at-risk open cases per site and per agent, with the cases."""
    view = supervisor_view(store, workspace=access.workspace)
    if request.url.path.endswith(".json"):
        return page(request, "desk_supervisor.html", {}, data=view)
    ctx = {
        **_common(store, access, lang),
        "view": view,
        "rows": view.cases.to_dict("records"),
        "warning": view.warning_zh if lang == "zh" else view.warning_en,
    }
    return page(request, "desk_supervisor.html", ctx, data=view)


# --------------------------------------------------------------------------- one case


def _case_page(
    request: Request,
    store: Any,
    access: Access,
    lang: Lang,
    code: str,
    *,
    status: int = 200,
    error: str | None = None,
    error_form: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    personal = access.role in CASE_WORKERS
    data = desk_case(store, workspace=access.workspace, code=code, personal=personal)
    corrections = list_corrections(store, workspace=access.workspace, case=code)
    if not personal:  # the text as read: phone numbers and names masked
        corrections = mask_frame(corrections, {"text": "text"})
    payload = {**data.to_dict(), "corrections": corrections}
    if request.url.path.endswith(".json"):
        return page(request, "desk_case.html", {}, data=payload)
    done = request.query_params.get("done")
    ctx = {
        **_common(store, access, lang),
        "d": data,
        "c": data.case,
        "notice": t(f"web_desk_done_{done}", lang) if done in DONE and not error else None,
        "error": error,
        "error_form": error_form,
        "values": dict(values or {}),
        "me": access.principal.email,
        "warning": data.case.warning(lang),
        "can_correct": access.role in CORRECTORS,
        "polarities": list(FIELDS["polarity"]),
        "corrections": corrections.to_dict("records"),
    }
    if status != 200:
        return render(request, "desk_case.html", ctx, status=status)
    return page(request, "desk_case.html", ctx, data=payload)


# the ``.json`` path is registered first (the decorator nearest the function), so that
# ``{code}`` does not swallow ``C000001.json``
@router.get("/w/{ws}/desk/{code}")
@router.get("/w/{ws}/desk/{code}.json")
def case_page(
    ws: str, code: str, request: Request, store: StoreDep, access: Reader, lang: LangDep
) -> Response:
    """One case with everything needed to work it."""
    return _case_page(request, store, access, lang, code)


def _act(
    request: Request,
    store: Any,
    access: Access,
    lang: Lang,
    code: str,
    kind: str,
    form: FormData,
    run: Callable[[], object],
) -> Response:
    """Run one change; on success back to the case (PRG), else the case page with the reason."""
    try:
        run()
    except ServgapError as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
        return _case_page(request, store, access, lang, code, status=exc.status,
                          error=exc.zh if lang == "zh" else exc.en, error_form=kind,
                          values=values)  # fmt: skip
    return RedirectResponse(f"/w/{access.workspace}/desk/{code}?done={kind}", status_code=303)


@router.post("/w/{ws}/desk/{code}/note")
def note_form(
    ws: str, code: str, request: Request, store: StoreDep, access: Worker, lang: LangDep,
    form: Form,
) -> Response:  # fmt: skip
    """Add a note to the case's history."""
    return _act(request, store, access, lang, code, "note", form, lambda: note_case(
        store, workspace=access.workspace, code=code, note=_text(form, "note"),
        actor=access.principal.email))  # fmt: skip


@router.post("/w/{ws}/desk/{code}/act")
def action_form(
    ws: str, code: str, request: Request, store: StoreDep, access: Worker, lang: LangDep,
    form: Form,
) -> Response:  # fmt: skip
    """Record a recovery action (an amount for refund, coupon and compensation)."""
    return _act(request, store, access, lang, code, "action", form, lambda: act_on_case(
        store, workspace=access.workspace, code=code, action=_text(form, "action", limit=40),
        amount_cny=_amount(_text(form, "amount_cny", limit=40)), note=_text(form, "note"),
        actor=access.principal.email))  # fmt: skip


@router.post("/w/{ws}/desk/{code}/move")
def move_form(
    ws: str, code: str, request: Request, store: StoreDep, access: Worker, lang: LangDep,
    form: Form,
) -> Response:  # fmt: skip
    """Move the case to another state; the state machine refuses an illegal move."""
    return _act(request, store, access, lang, code, "move", form, lambda: move_case(
        store, workspace=access.workspace, code=code, to=_text(form, "to", limit=40),
        note=_text(form, "note"), actor=access.principal.email))  # fmt: skip


@router.post("/w/{ws}/desk/{code}/assign")
def assign_form(
    ws: str, code: str, request: Request, store: StoreDep, access: Worker, lang: LangDep,
    form: Form,
) -> Response:  # fmt: skip
    """Give the case to an owner (empty: the signed-in user takes it)."""
    owner = _text(form, "owner", limit=100).strip() or access.principal.email
    return _act(request, store, access, lang, code, "assign", form, lambda: assign_case(
        store, workspace=access.workspace, code=code, owner=owner,
        actor=access.principal.email))  # fmt: skip


@router.post("/w/{ws}/desk/{code}/correct")
def correct_form(
    ws: str, code: str, request: Request, store: StoreDep, access: Corrector, lang: LangDep,
    form: Form,
) -> Response:  # fmt: skip
    """Correct the case's category and/or polarity (empty: no change); an unknown value is
    refused and nothing is stored."""

    def run() -> object:
        values = {f: v for f in FIELDS if (v := _text(form, f, limit=40).strip())}
        return correct_case_texts(store, workspace=access.workspace, case=code, values=values,
                                  actor=access.principal.email)  # fmt: skip

    return _act(request, store, access, lang, code, "correct", form, run)
