"""Complaint cases: the queue with filters, open, show, move, act (``servgap case …``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from servgap.core._result import to_plain
from servgap.services.cases import act_on_case, get_case, list_cases, move_case, open_case
from servgap.web.access import CASE_READERS, CASE_WORKERS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["cases"])

Reader = Annotated[Access, Depends(InWorkspace(*CASE_READERS))]
Worker = Annotated[Access, Depends(InWorkspace(*CASE_WORKERS))]

State = Literal["new", "acknowledged", "investigating", "recovery_offered", "resolved",
                "follow_up_done", "closed"]  # fmt: skip
Category = Literal["delay", "damage_loss", "attitude", "information", "price", "other"]
Priority = Literal["low", "normal", "high", "urgent"]
Action = Literal["apology", "explanation", "redelivery", "refund", "coupon", "compensation",
                 "other"]  # fmt: skip


class OpenCase(BaseModel):
    """A new case; ``idempotency_key`` (or ``complaint``) makes a retry return the same case."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=10_000, description="The customer's words.")
    category: Category | None = Field(default=None, description="Default: classified.")
    priority: Priority = "normal"
    customer: str | None = Field(default=None, max_length=64)
    site: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=20)
    owner: str | None = Field(default=None, max_length=100)
    complaint: str | None = Field(default=None, max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=100)


class MoveCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: State
    note: str = Field(default="", max_length=10_000)


class ActOnCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    amount_cny: float | None = Field(default=None, ge=0, le=1e9)
    note: str = Field(default="", max_length=10_000)


@router.get("/workspaces/{ws}/cases")
def cases(
    ws: str,
    store: StoreDep,
    access: Reader,
    state: Annotated[list[State] | None, Query(description="Only these states.")] = None,
    all: Annotated[bool, Query(description="Include resolved and closed cases.")] = False,
    overdue: Annotated[bool, Query(description="Only cases past a running SLA target.")] = False,
    at_risk: Annotated[bool, Query(description="Only cases near an SLA target.")] = False,
    order: Literal["tolerance", "opened"] = "tolerance",
    site: Annotated[str | None, Query(max_length=64, description="Only this site.")] = None,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    owner: Annotated[str | None, Query(max_length=100, description="Only this owner.")] = None,
) -> dict[str, Any]:
    """The case queue, most urgent first, as ``servgap case list --json``."""
    frame = list_cases(store, workspace=access.workspace, include_finished=all,
                       states=list(state or ()), overdue=overdue, at_risk=at_risk,
                       order=order, site=site, category=category, owner=owner)  # fmt: skip
    return {"ok": True, "cases": to_plain(frame)}


@router.post("/workspaces/{ws}/cases", status_code=201)
async def open_a_case(ws: str, body: OpenCase, store: StoreDep, access: Worker) -> dict[str, Any]:
    """Open a case (``created`` false: the idempotency key's case already existed)."""
    out = await run_in_threadpool(
        lambda: open_case(
            store, workspace=access.workspace, actor=access.principal.email, **body.model_dump()
        )
    )
    return {"ok": True, **out.to_dict()}


@router.get("/workspaces/{ws}/cases/{code}")
def show_case(ws: str, code: str, store: StoreDep, access: Reader) -> dict[str, Any]:
    """A case with its history and recovery actions."""
    return {"ok": True, **get_case(store, workspace=access.workspace, code=code).to_dict()}


@router.post("/workspaces/{ws}/cases/{code}/move")
async def move(ws: str, code: str, body: MoveCase, store: StoreDep,
               access: Worker) -> dict[str, Any]:  # fmt: skip
    """Move a case to another state; an illegal move is refused (409), nothing written."""
    out = await run_in_threadpool(
        lambda: move_case(
            store,
            workspace=access.workspace,
            code=code,
            to=body.to,
            actor=access.principal.email,
            note=body.note,
        )
    )
    return {"ok": True, **out.to_dict()}


@router.post("/workspaces/{ws}/cases/{code}/actions", status_code=201)
async def act(ws: str, code: str, body: ActOnCase, store: StoreDep,
              access: Worker) -> dict[str, Any]:  # fmt: skip
    """Record a recovery action (apology, refund with ``amount_cny`` …)."""
    out = await run_in_threadpool(
        lambda: act_on_case(
            store,
            workspace=access.workspace,
            code=code,
            action=body.action,
            amount_cny=body.amount_cny,
            actor=access.principal.email,
            note=body.note,
        )
    )
    return {"ok": True, **out.to_dict()}
