"""Surveys: list, show, load a definition (JSON or YAML)."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends
from starlette.requests import Request

from servgap.core.errors import InputError
from servgap.services.portal import load_definition, survey_detail, survey_list
from servgap.web.access import SURVEY_EDITORS, SURVEY_READERS, Access, InWorkspace
from servgap.web.deps import StoreDep

router = APIRouter(tags=["surveys"])

Reader = Annotated[Access, Depends(InWorkspace(*SURVEY_READERS))]
Editor = Annotated[Access, Depends(InWorkspace(*SURVEY_EDITORS))]

DEFINITION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "A survey definition (docs/data-formats.md): code, title, "
                    "questions, optional scale and periods.",
                    "required": ["code", "title", "questions"],
                    "properties": {
                        "code": {"type": "string"},
                        "title": {"type": "object"},
                        "questions": {"type": "array", "items": {"type": "object"}},
                    },
                }
            },
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


@router.get("/workspaces/{ws}/surveys")
def list_surveys(ws: str, store: StoreDep, access: Reader) -> dict[str, Any]:
    """Surveys with their newest version and number of responses."""
    rows = survey_list(store, workspace=access.workspace)
    return {"ok": True, "surveys": [r.to_dict() for r in rows]}


@router.get("/workspaces/{ws}/surveys/{survey}")
def show_survey(ws: str, survey: str, store: StoreDep, access: Reader) -> dict[str, Any]:
    """The newest definition, the number of responses and the survey's links."""
    detail = survey_detail(store, workspace=access.workspace, survey=survey)
    out = detail.to_dict()
    if access.role not in ("admin", "analyst"):
        out["links"] = []  # tokens are for those who distribute the survey
    return {"ok": True, **out}


async def _definition(request: Request) -> dict[str, Any]:
    body = await request.body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
        data = yaml.safe_load(text)  # JSON is YAML
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(
            f"The body is not valid {'YAML' if 'yaml' in ctype else 'JSON'}: {exc}",
            f"请求内容不是合法的 {'YAML' if 'yaml' in ctype else 'JSON'}：{exc}",
            code="invalid_body",
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            "The body must be a survey definition: an object with code, title and questions.",
            "请求内容必须是调查定义：包含 code、title 和 questions 的对象。",
            code="invalid_body",
        )
    return data


@router.post("/workspaces/{ws}/surveys", status_code=201, openapi_extra=DEFINITION_BODY)
async def load_survey(ws: str, request: Request, store: StoreDep, access: Editor) -> dict[str, Any]:
    """Load a survey definition; unchanged content keeps its version, changed content becomes
    the next version."""
    from starlette.concurrency import run_in_threadpool

    raw = await _definition(request)
    res = await run_in_threadpool(
        lambda: load_definition(store, workspace=access.workspace, raw=raw, source="api")
    )
    return {"ok": True, **res.to_dict()}
