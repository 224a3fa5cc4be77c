"""Server-rendered pages: sign in, workspaces and survey distribution, respondent pages, phone
interviews, and the managers' and agents' workspace (dashboard, alerts, complaint desk,
capacity planner, mystery-shopper audits, administration)."""

from __future__ import annotations

from fastapi import APIRouter

from servgap.web.pages import (
    admin,
    alerts,
    audits,
    auth,
    dashboard,
    desk,
    interview,
    manage,
    planner,
    register,
    report,
    respond,
)

# the respondent pages first: they take most of the traffic
ROUTERS: tuple[APIRouter, ...] = (
    respond.router,
    auth.router,
    manage.router,
    interview.router,
    dashboard.router,
    alerts.router,
    desk.router,
    planner.router,
    register.router,
    report.router,
    audits.router,
    admin.router,
)
