"""Phone interviews: record a call (with its answers when answered) and list the calls."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from servgap.services.interviews import list_calls, record_call
from servgap.web.access import CALL_READERS, INTERVIEWERS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["interviews"])

Interviewer = Annotated[Access, Depends(InWorkspace(*INTERVIEWERS))]
CallReader = Annotated[Access, Depends(InWorkspace(*CALL_READERS))]
Outcome = Literal["answered", "no_answer", "busy", "voicemail", "call_back", "refused",
                  "wrong_number"]  # fmt: skip


class CallRequest(BaseModel):
    """One call; ``answers`` (import-row answer columns) are stored when ``outcome`` is
    answered. ``call_key`` makes a retry record nothing more."""

    model_config = ConfigDict(extra="forbid")

    call_key: str = Field(min_length=16, max_length=43, pattern=r"^[A-Za-z0-9_-]+$")
    customer: str = Field(min_length=1, max_length=64, description="The customer's code.")
    outcome: Outcome
    site: str | None = Field(default=None, max_length=64)
    answers: dict[str, str | int | float | None] = Field(default_factory=dict, max_length=2000)
    note: str | None = Field(default=None, max_length=10_000)
    call_back_at: str | None = Field(default=None, max_length=40, examples=["2026-07-16 14:00"])


@router.post("/workspaces/{ws}/surveys/{survey}/interviews", status_code=201)
async def post_call(
    ws: str, survey: str, body: CallRequest, store: StoreDep, access: Interviewer
) -> dict[str, Any]:
    """Record a phone interview call (analysts; auditors for their assigned sites). An
    answered call's answers are checked as an import checks a row and stored with channel
    ``phone``; ``created`` is false when the same ``call_key`` was recorded before."""
    res = await run_in_threadpool(
        lambda: record_call(
            store, workspace=access.workspace, survey=survey, call_key=body.call_key,
            interviewer=access.principal.email, outcome=body.outcome, customer=body.customer,
            site=body.site, answers=body.answers, note=body.note,
            call_back_at=body.call_back_at, scope=access.sites,
        )
    )  # fmt: skip
    return {"ok": True, "created": res.created, "call": res.call.to_dict()}


@router.get("/workspaces/{ws}/surveys/{survey}/interviews")
def get_calls(
    ws: str,
    survey: str,
    store: StoreDep,
    access: CallReader,
    outcome: Annotated[Outcome | None, Query(description="Only calls with this outcome.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The survey's calls, newest first (``outcome=call_back``: whom to call again); an
    auditor sees the calls of their assigned sites."""
    res = list_calls(store, workspace=access.workspace, survey=survey, outcome=outcome,
                     scope=access.sites, limit=limit)  # fmt: skip
    return {"ok": True, "workspace": res.workspace, "survey": res.survey,
            "calls": [c.to_dict() for c in res.calls]}  # fmt: skip
