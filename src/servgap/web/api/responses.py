"""Responses: one response given as an import row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Depends

from servgap.services.alerts import due_scan
from servgap.services.collection import fold_into_stats, submit_response
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["responses"])

Analyst = Annotated[Access, Depends(InWorkspace(*ANALYSTS))]

ROW_EXAMPLE = {
    "response_id": "r-0001",
    "submitted_at": "2026-07-15 10:30",
    "site": "sh_xuhui",
    "channel": "phone",
    "customer": "C0001",
    "rel1_adequate": 5,
    "rel1_desired": 7,
    "rel1_perceived": 6,
    "nps": 9,
}


@router.post("/workspaces/{ws}/surveys/{survey}/responses", status_code=201)
def post_response(
    ws: str,
    survey: str,
    store: StoreDep,
    access: Analyst,
    background: BackgroundTasks,
    row: Annotated[
        dict[str, Any],
        Body(
            description="One response as an import row: response_id, submitted_at, site, "
            "channel, customer, period and the answer columns (rel1_adequate, nps …).",
            examples=[ROW_EXAMPLE],
        ),
    ],
) -> dict[str, Any]:
    """Store one response, validated as an import validates each row (409 when its
    ``response_id`` is already stored). The workspace's alerts are scanned after the answer
    is sent, at most once per workspace every few minutes (as after a web submission); the
    survey's stored statistics take the answer after the reply too."""
    result = submit_response(store, workspace=access.workspace, survey=survey, row=row,
                             fold=False)  # fmt: skip
    # after the reply: the answer into the survey's stored statistics, then the alerts
    background.add_task(fold_into_stats, store, access.workspace, result.survey)
    scan = due_scan(store, access.workspace)
    if scan is not None:
        background.add_task(scan)
    return result.to_dict()
