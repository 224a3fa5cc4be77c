"""Who am I, my workspaces, a workspace, its sites and users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from servgap.core._result import to_plain
from servgap.services.accounts import Principal, describe, workspace_users
from servgap.services.portal import my_workspaces, site_list, workspace_overview
from servgap.web.access import ADMINS, ALL_ROLES, Access, InWorkspace, SignedIn
from servgap.web.deps import StoreDep

router = APIRouter(tags=["workspaces"])

Me = Annotated[Principal, Depends(SignedIn())]
Member = Annotated[Access, Depends(InWorkspace(*ALL_ROLES))]
Admin = Annotated[Access, Depends(InWorkspace(*ADMINS))]


@router.get("/me")
def me(principal: Me) -> dict[str, Any]:
    """The signed-in user and their role in each workspace."""
    return {"ok": True, **describe(principal).to_dict()}


@router.get("/workspaces")
def list_my_workspaces(store: StoreDep, principal: Me) -> dict[str, Any]:
    """The workspaces the caller has a role in."""
    res = my_workspaces(store, principal.roles)
    return {"ok": True, "workspaces": to_plain(res.workspaces)}


@router.get("/workspaces/{ws}")
def show_workspace(ws: str, store: StoreDep, access: Member) -> dict[str, Any]:
    """Names, time zone, language, counts of data, surveys and sites of the workspace."""
    return {"ok": True, **workspace_overview(store, workspace=access.workspace).to_dict()}


@router.get("/workspaces/{ws}/sites")
def list_sites(ws: str, store: StoreDep, access: Member) -> dict[str, Any]:
    """The workspace's sites (outlets, counters, call-centre queues) with their regions."""
    return {"ok": True, "sites": list(site_list(store, workspace=access.workspace))}


@router.get("/workspaces/{ws}/users")
def list_users(ws: str, store: StoreDep, access: Admin) -> dict[str, Any]:
    """The workspace's users and their roles (admins only)."""
    res = workspace_users(store, workspace=access.workspace)
    return {"ok": True, "users": to_plain(res.users)}
