"""Workspaces: create, list, show, choose, and their settings.

A workspace is one company or one study. Which workspace a command works in is
decided here, once, for every face: the one asked for (``--workspace``,
``SERVGAP_WORKSPACE``, the URL), else the store's only workspace; with several
and none asked for, the caller is told to choose. The demo's code is never a
silent default for someone else's data.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from servgap.core._result import ResultMixin
from servgap.core.errors import ConflictError, InputError, NotFoundError, UsageError
from servgap.core.workspace_settings import (
    SETTINGS,
    get_setting,
    parse_setting,
    setting_key,
    with_setting,
)
from servgap.i18n import Lang
from servgap.services.context import Store, get_workspace
from servgap.store.models import (
    Audit,
    Case,
    Complaint,
    Customer,
    DemandInterval,
    Region,
    Response,
    Site,
    Survey,
    Workspace,
)

CODE = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
COLUMN_KEYS = ("name_zh", "name_en", "timezone")


@dataclass(frozen=True)
class WorkspaceInfo(ResultMixin):
    code: str
    name_zh: str
    name_en: str
    timezone: str
    lang: str
    counts: dict[str, int]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class WorkspaceList(ResultMixin):
    workspaces: tuple[WorkspaceInfo, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "workspace": w.code,
                    "name_zh": w.name_zh,
                    "name_en": w.name_en,
                    "timezone": w.timezone,
                    "lang": w.lang,
                    **w.counts,
                }
                for w in self.workspaces
            ]
        )


@dataclass(frozen=True)
class SettingValue(ResultMixin):
    key: str
    value: Any
    default: Any
    is_default: bool
    description_en: str
    description_zh: str


@dataclass(frozen=True)
class WorkspaceSettings(ResultMixin):
    workspace: str
    settings: tuple[SettingValue, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([s.to_dict() for s in self.settings])


def _check_code(code: str) -> None:
    if not CODE.fullmatch(code):
        raise InputError(
            f"Workspace code `{code}` is not valid; use lower-case letters, digits, - and _ "
            "(at most 64 characters, starting with a letter or digit).",
            f"工作区代码 `{code}` 无效；请使用小写字母、数字、- 和 _（最多 64 个字符，以字母或数字开头）。",
            code="invalid_code",
        )


def _check_timezone(tz: str) -> str:
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"Unknown time zone `{tz}`; use an IANA name such as Asia/Shanghai.",
            f"未知时区 `{tz}`；请使用 IANA 名称，如 Asia/Shanghai。",
            code="invalid_timezone",
        ) from None
    return tz


def _name(value: str, key: str) -> str:
    v = value.strip()
    if not v or len(v) > 200:
        raise InputError(
            f"Setting `{key}`: a name of 1 to 200 characters is needed.",
            f"设置 `{key}`：名称须为 1 到 200 个字符。",
            code="invalid_setting",
        )
    return v


def _info(session: Any, ws: Workspace) -> WorkspaceInfo:
    counts: dict[str, int] = {}
    for name, model in (
        ("sites", Site),
        ("customers", Customer),
        ("surveys", Survey),
        ("responses", Response),
        ("complaints", Complaint),
        ("cases", Case),
        ("demand_intervals", DemandInterval),
        ("audits", Audit),
    ):
        counts[name] = int(
            session.scalar(
                select(func.count()).select_from(model).where(model.workspace_id == ws.id)
            )
            or 0
        )
    return WorkspaceInfo(
        code=ws.code,
        name_zh=ws.name_zh,
        name_en=ws.name_en,
        timezone=ws.timezone,
        lang=str(get_setting(ws.settings, "lang")),
        counts=counts,
    )


def list_workspaces(store: Store) -> WorkspaceList:
    with store.session() as s:
        return WorkspaceList(
            tuple(_info(s, w) for w in s.scalars(select(Workspace).order_by(Workspace.code)))
        )


def show_workspace(store: Store, code: str) -> WorkspaceInfo:
    with store.session() as s:
        return _info(s, get_workspace(s, code))


def create_workspace(
    store: Store,
    code: str,
    *,
    name_zh: str | None = None,
    name_en: str | None = None,
    timezone: str = "Asia/Shanghai",
    lang: str | None = None,
) -> tuple[WorkspaceInfo, bool]:
    """Create a workspace; an existing one with the same code is returned unchanged (False)."""
    _check_code(code)
    _check_timezone(timezone)
    settings: dict[str, Any] = {}
    if lang is not None:
        settings = with_setting(settings, "lang", parse_setting("lang", lang))
    with store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == code))
        if ws is not None:
            return _info(s, ws), False
        ws = Workspace(
            code=code,
            name_zh=_name(name_zh or code, "name_zh"),
            name_en=_name(name_en or code, "name_en"),
            timezone=timezone,
            settings=settings,
        )
        s.add(ws)
        s.flush()
        return _info(s, ws), True


def only_workspace(store: Store) -> str | None:
    """The store's workspace when it holds exactly one, else None."""
    with store.session() as s:
        codes = list(s.scalars(select(Workspace.code).limit(2)))
    return codes[0] if len(codes) == 1 else None


def resolve_workspace(store: Store, requested: str | None) -> str:
    """The workspace a command works in: the one asked for, else the store's only one."""
    if requested:
        return requested
    with store.session() as s:
        codes = list(s.scalars(select(Workspace.code).order_by(Workspace.code)))
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise NotFoundError(
            "The store has no workspace yet. Create one (`servgap workspace create CODE "
            "--name-zh … --name-en …`) or build the demo (`servgap demo`).",
            "存储中还没有工作区。请先创建（`servgap workspace create 代码 --name-zh … --name-en …`），"
            "或生成示例（`servgap demo`）。",
            code="no_workspace",
        )
    raise UsageError(
        f"The store holds {len(codes)} workspaces ({', '.join(codes)}); say which one "
        "(`workspace`, or SERVGAP_WORKSPACE).",
        f"存储中有 {len(codes)} 个工作区（{'、'.join(codes)}）；请指定其一（`workspace`，或 "
        "SERVGAP_WORKSPACE）。",
        code="choose_workspace",
        fields=("workspace",),
    )


def workspace_lang(store: Store, code: str, fallback: str) -> Lang:
    """The workspace's ``lang`` setting when it was set explicitly, else ``fallback``."""
    with store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == code))
        stored = (ws.settings or {}).get("lang") if ws is not None else None
    lang = stored if stored in ("zh", "en") else fallback
    return "zh" if lang == "zh" else "en"


def workspace_settings(store: Store, code: str) -> WorkspaceSettings:
    with store.session() as s:
        ws = get_workspace(s, code)
        rows: list[SettingValue] = [
            SettingValue("name_zh", ws.name_zh, ws.code, False, "Chinese name.", "中文名称。"),
            SettingValue("name_en", ws.name_en, ws.code, False, "English name.", "英文名称。"),
            SettingValue(
                "timezone",
                ws.timezone,
                "Asia/Shanghai",
                ws.timezone == "Asia/Shanghai",
                "Time zone of local times (IANA).",
                "本地时间所用的时区（IANA）。",
            ),
        ]
        for spec in SETTINGS:
            value = get_setting(ws.settings, spec.key)
            rows.append(
                SettingValue(spec.key, value, spec.default, value == spec.default, spec.en, spec.zh)
            )
        return WorkspaceSettings(ws.code, tuple(rows))


def set_workspace_setting(store: Store, code: str, key: str, value: str | None) -> SettingValue:
    """Set ``key`` from the text ``value`` (``None``: back to the default) and return it."""
    key = key.strip()
    with store.session() as s:
        ws = get_workspace(s, code)
        if key in COLUMN_KEYS:
            if value is None:
                raise ConflictError(
                    f"Setting `{key}` has no default to return to; give a value.",
                    f"设置 `{key}` 没有可恢复的默认值；请给出取值。",
                )
            if key == "timezone":
                ws.timezone = _check_timezone(value.strip())
            elif key == "name_zh":
                ws.name_zh = _name(value, key)
            else:
                ws.name_en = _name(value, key)
            new = getattr(ws, key)
            return SettingValue(key, new, None, False, "", "")
        spec = setting_key(key)
        parsed = None if value is None else parse_setting(key, value)
        ws.settings = with_setting(ws.settings, key, parsed)
        now = get_setting(ws.settings, key)
        return SettingValue(key, now, spec.default, now == spec.default, spec.en, spec.zh)


def regions_and_sites(store: Store, code: str) -> pd.DataFrame:
    """Sites with their regions, for listings."""
    with store.session() as s:
        ws = get_workspace(s, code)
        rows = s.execute(
            select(Region.code, Site.code, Site.name_zh, Site.name_en, Site.kind)
            .outerjoin(Region, Region.id == Site.region_id)
            .where(Site.workspace_id == ws.id)
            .order_by(Site.code)
        ).all()
    return pd.DataFrame(rows, columns=["region", "site", "name_zh", "name_en", "kind"])
