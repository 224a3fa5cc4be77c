"""Quotas per segment of a survey: set a segment's cells, list the cells with their counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from servgap.services.quotas import list_quotas, set_quotas
from servgap.web.access import DISTRIBUTORS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["distribution"])

Distributor = Annotated[Access, Depends(InWorkspace(*DISTRIBUTORS))]


class QuotaRequest(BaseModel):
    """The cells of one segment: ``{"segment": "site", "quotas": {"sh01": 200}}`` or
    ``{"segment": "age_group", "quotas": {"55+": 50}}``; cells not named are removed."""

    model_config = ConfigDict(extra="forbid")

    segment: str = Field(min_length=1, max_length=64, examples=["site"])
    quotas: dict[str, int] = Field(max_length=500, examples=[{"sh01": 200, "bj01": 150}])


@router.get("/workspaces/{ws}/surveys/{survey}/quotas")
def get_quotas(ws: str, survey: str, store: StoreDep, access: Distributor) -> dict[str, Any]:
    """The survey's quota cells: target, responses so far, remaining, full."""
    return {"ok": True, **list_quotas(store, workspace=access.workspace, survey=survey).to_dict()}


@router.put("/workspaces/{ws}/surveys/{survey}/quotas")
def put_quotas(
    ws: str, survey: str, body: QuotaRequest, store: StoreDep, access: Distributor
) -> dict[str, Any]:
    """Set the quota cells of one segment (site, or a single-choice or profile question); a
    full cell closes the survey for respondents in it with a friendly page."""
    res = set_quotas(store, workspace=access.workspace, survey=survey, segment=body.segment,
                     targets=body.quotas)  # fmt: skip
    return {"ok": True, **res.to_dict()}
