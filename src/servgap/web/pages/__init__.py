"""Server-rendered pages: sign in, workspaces and survey distribution, respondent pages, phone
interviews."""

from __future__ import annotations

from fastapi import APIRouter

from servgap.web.pages import auth, interview, manage, respond

# the respondent pages first: they take most of the traffic
ROUTERS: tuple[APIRouter, ...] = (respond.router, auth.router, manage.router, interview.router)
