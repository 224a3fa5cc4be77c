"""Pages of the web app: planner (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
