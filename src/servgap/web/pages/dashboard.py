"""Pages of the web app: dashboard (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
