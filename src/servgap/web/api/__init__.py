"""The JSON API, version 1 (``/api/v1``); described at ``/openapi.json``."""

from __future__ import annotations

from fastapi import APIRouter

from servgap.web.api import (
    analysis,
    capacity,
    cases,
    health,
    imports,
    interviews,
    links,
    quotas,
    responses,
    surveys,
    workspaces,
)

PREFIX = "/api/v1"
ROUTERS: tuple[tuple[APIRouter, str], ...] = (
    (health.router, ""),
    *(
        (m.router, PREFIX)
        for m in (
            workspaces,
            surveys,
            links,
            quotas,
            responses,
            imports,
            interviews,
            analysis,
            cases,
            capacity,
        )
    ),
)
