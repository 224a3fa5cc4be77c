"""``GET /healthz``: the server answers and its store is at the newest schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from servgap.services.portal import health
from servgap.web.access import Public
from servgap.web.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(
    store: StoreDep,
    _: Annotated[None, Depends(Public("load balancers and monitors check the server"))],
) -> dict[str, Any]:
    """200 with the store's schema revision."""
    return (await run_in_threadpool(health, store)).to_dict()
