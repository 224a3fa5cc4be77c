"""Analyses: the same figures as ``servgap analyze … --json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from servgap.core._result import to_plain
from servgap.services.portal import MAX_BOOTSTRAP, run_analysis
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["analysis"])

Analyst = Annotated[Access, Depends(InWorkspace(*ANALYSTS))]
Survey = Annotated[
    str | None, Query(max_length=64, description="Survey code (default: the only one).")
]
Period = Annotated[str | None, Query(max_length=40, description="Only this period, e.g. 2026Q3.")]
By = Annotated[str | None, Query(max_length=200, description="Segment column(s), e.g. site.")]


def _by(by: str | None) -> list[str] | None:
    return [b.strip() for b in by.split(",") if b.strip()] if by else None


async def _answer(analysis: str, access: Access, store: Any, **options: Any) -> dict[str, Any]:
    res = await run_in_threadpool(
        lambda: run_analysis(store, workspace=access.workspace, analysis=analysis, **options)
    )
    plain = to_plain(res)
    if isinstance(plain, list):
        plain = {"rows": plain}
    return {"ok": True, "analysis": analysis, "result": plain}


# the routes of one analysis come before the route that takes the analysis as a parameter


@router.get("/workspaces/{ws}/analysis/anova")
async def anova(
    ws: str,
    store: StoreDep,
    access: Analyst,
    value: Annotated[
        str, Query(max_length=100, description="msa:reliability, gap:empathy, nps, a column …")
    ],
    group: Annotated[str, Query(max_length=64, description="Grouping column, e.g. site.")],
    survey: Survey = None,
    period: Period = None,
) -> dict[str, Any]:
    """One-way, Welch and Kruskal–Wallis tests with effect sizes and post-hoc pairs, as
    ``analyze anova --value V --group G --json``."""
    return await _answer("anova", access, store, survey=survey, period=period, value=value,
                         group=group)  # fmt: skip


@router.get("/workspaces/{ws}/analysis/trend")
async def trend(
    ws: str,
    store: StoreDep,
    access: Analyst,
    value: Annotated[str, Query(max_length=100, description="msa:responsiveness, nps …")],
    period_column: Annotated[str, Query(max_length=64, description="Period column.")] = "period",
    survey: Survey = None,
) -> dict[str, Any]:
    """A score per period with control limits, as ``analyze trend --value V --json``."""
    return await _answer("trend", access, store, survey=survey, value=value,
                         period_column=period_column)  # fmt: skip


@router.get("/workspaces/{ws}/analysis/drivers")
async def drivers(
    ws: str,
    store: StoreDep,
    access: Analyst,
    target: Annotated[str | None, Query(max_length=64, description="Outcome question.")] = None,
    method: Literal["lmg", "relative_weights"] = "lmg",
    ipa: Annotated[bool, Query(description="Importance–performance table instead.")] = False,
    survey: Survey = None,
    period: Period = None,
) -> dict[str, Any]:
    """Relative importance of the dimensions for overall satisfaction (or the
    importance–performance table with the short board), as ``analyze drivers --json``."""
    return await _answer("drivers", access, store, survey=survey, period=period, target=target,
                         method=method, ipa=ipa)  # fmt: skip


@router.get("/workspaces/{ws}/analysis/csi")
async def csi(
    ws: str,
    store: StoreDep,
    access: Analyst,
    model: Literal["ccsi", "acsi", "ecsi"] = "ccsi",
    bootstrap: Annotated[int, Query(ge=0, le=MAX_BOOTSTRAP, description="Resamples for SEs.")] = 0,
    survey: Survey = None,
    period: Period = None,
) -> dict[str, Any]:
    """Satisfaction index (CCSI/ACSI/ECSI) by PLS path modelling, as ``analyze csi --json``."""
    return await _answer("csi", access, store, survey=survey, period=period, model=model,
                         bootstrap=bootstrap)  # fmt: skip


@router.get("/workspaces/{ws}/analysis/{analysis}")
async def analyse(
    ws: str,
    analysis: Literal["servqual", "tolerance", "kano", "nps", "csat"],
    store: StoreDep,
    access: Analyst,
    survey: Survey = None,
    by: By = None,
    period: Period = None,
    question: Annotated[
        str | None, Query(max_length=64, description="NPS or CSAT question (default: the first).")
    ] = None,
) -> dict[str, Any]:
    """SERVQUAL gaps, MSA/MSS and zone of tolerance (``servqual``, ``tolerance``), Kano
    categories, NPS or CSAT, as the command line's ``--json`` prints them."""
    return await _answer(analysis, access, store, survey=survey, by=_by(by), period=period,
                         question=question)  # fmt: skip
