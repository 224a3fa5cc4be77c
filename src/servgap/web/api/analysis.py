"""Analyses: the same figures as ``servgap analyze … --json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from servgap.core._result import to_plain
from servgap.services.portal import run_analysis
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["analysis"])

Analyst = Annotated[Access, Depends(InWorkspace(*ANALYSTS))]


def _by(by: str | None) -> list[str] | None:
    return [b.strip() for b in by.split(",") if b.strip()] if by else None


@router.get("/workspaces/{ws}/analysis/{analysis}")
def analyse(
    ws: str,
    analysis: Literal["servqual", "kano", "nps", "csat"],
    store: StoreDep,
    access: Analyst,
    survey: Annotated[
        str | None, Query(max_length=64, description="Survey code (default: the only one).")
    ] = None,
    by: Annotated[
        str | None, Query(max_length=200, description="Segment column(s), e.g. site.")
    ] = None,
    period: Annotated[
        str | None, Query(max_length=40, description="Only this period, e.g. 2026Q3.")
    ] = None,
) -> dict[str, Any]:
    """SERVQUAL gaps, MSA/MSS and zone of tolerance (``servqual``), Kano categories, NPS or
    CSAT, as the command line's ``--json`` prints them."""
    res = run_analysis(
        store,
        workspace=access.workspace,
        analysis=analysis,
        survey=survey,
        by=_by(by),
        period=period,
    )
    plain = to_plain(res)
    if isinstance(plain, list):
        plain = {"rows": plain}
    return {"ok": True, "analysis": analysis, "result": plain}
