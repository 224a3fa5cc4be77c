"""Workspaces: create, list, show, choose, and their settings.

A workspace is one company or one study. Which workspace a command works in is
decided here, once, for every face: the one asked for (``--workspace``,
``SERVGAP_WORKSPACE``, the URL), else the store's only workspace; with several
and none asked for, the caller is told to choose. The demo's code is never a
silent default for someone else's data.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from servgap.core._result import ResultMixin
from servgap.core.errors import ConflictError, InputError, NotFoundError, Problem, UsageError
from servgap.core.workspace_settings import (
    KEYS,
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


# ---------------------------------------------------------------- settings edited as a form


#: The groups of settings an admin edits together (one form each, saved atomically).
SETTING_GROUPS: dict[str, tuple[str, ...]] = {
    "general": ("name_zh", "name_en", "lang", "timezone", "currency", "brand_reputation"),
    "calendar": (
        "calendar.workdays",
        "calendar.hours",
        "calendar.holidays",
        "calendar.extra_workdays",
    ),
    "costs": ("cost.agent_per_hour", "cost.wait_per_hour", "cost.abandon"),
}


def setting_text(value: Any, key: str) -> str:
    """A stored setting as the text a user types to set it again (the form's value)."""
    if value is None:
        return ""
    if key == "calendar.workdays" and isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if key == "calendar.hours" and isinstance(value, list | tuple) and len(value) == 2:
        return f"{value[0]}-{value[1]}"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def update_workspace_settings(
    store: Store, code: str, values: Mapping[str, str | None]
) -> WorkspaceSettings:
    """Set several settings from the texts a user typed, all or none.

    Every key is read first; when any value is bad, an :class:`InputError` names each bad
    key as a field (``fields``) with a problem per key (``column`` = the key) and nothing
    is stored. An empty text returns a key to its default (names and the time zone need a
    value). Unknown keys are refused the same way.
    """
    problems: list[Problem] = []
    column_values: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        text = (raw or "").strip()
        if key in COLUMN_KEYS:
            try:
                if not text:
                    raise InputError(f"Setting `{key}` needs a value.", f"设置 `{key}` 不能为空。")
                column_values[key] = (
                    _check_timezone(text) if key == "timezone" else _name(text, key)
                )
            except InputError as exc:
                problems.append(Problem(exc.en, exc.zh, column=key, value=raw))
            continue
        if key not in KEYS:
            problems.append(
                Problem(
                    f"Unknown workspace setting `{key}`.",
                    f"未知的工作区设置 `{key}`。",
                    column=key,
                    value=raw,
                )
            )
            continue
        try:
            parsed[key] = parse_setting(key, text) if text else None
        except InputError as exc:
            problems.append(Problem(exc.en, exc.zh, column=key, value=raw))
    if problems:
        names = [p.column or "" for p in problems]
        raise InputError(
            "Some settings are not valid; nothing was changed: "
            + ", ".join(f"`{n}`" for n in names),
            "部分设置无效，未作任何更改：" + "、".join(f"`{n}`" for n in names),
            code="invalid_setting",
            problems=problems,
            fields=tuple(names),
        )
    with store.session() as s:
        ws = get_workspace(s, code)
        for key, text in column_values.items():
            setattr(ws, key, text)
        settings = dict(ws.settings or {})
        for key, value in parsed.items():
            settings = with_setting(settings, key, value)
        ws.settings = settings
    return workspace_settings(store, code)


# ---------------------------------------------------------------- SLA policies


SLA_FIELDS = ("category", "priority", "acknowledge_within_h", "resolve_within_h")
MAX_SLA_HOURS = 24 * 366.0
MAX_SLA_POLICIES = 100


@dataclass(frozen=True)
class SlaPolicyInfo(ResultMixin):
    """SLA targets in business hours for a category and priority (``*``: any)."""

    category: str
    priority: str
    acknowledge_within_h: float
    resolve_within_h: float


@dataclass(frozen=True)
class SlaPolicyTable(ResultMixin):
    """The workspace's own SLA policies, and the defaults used for keys they leave open."""

    workspace: str
    policies: tuple[SlaPolicyInfo, ...]
    defaults: tuple[SlaPolicyInfo, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.to_dict() for p in self.policies], columns=list(SLA_FIELDS))


def _sla_defaults() -> tuple[SlaPolicyInfo, ...]:
    from servgap.services.cases.queue import DEFAULT_SLA_POLICIES

    return tuple(
        SlaPolicyInfo(p.category, p.priority, p.acknowledge_within_h, p.resolve_within_h)
        for p in DEFAULT_SLA_POLICIES
    )


def sla_policy_table(store: Store, code: str) -> SlaPolicyTable:
    from servgap.store.models import SlaPolicyRow

    with store.session() as s:
        ws = get_workspace(s, code)
        rows = s.scalars(
            select(SlaPolicyRow)
            .where(SlaPolicyRow.workspace_id == ws.id)
            .order_by(SlaPolicyRow.category, SlaPolicyRow.priority)
        ).all()
        own = tuple(
            SlaPolicyInfo(r.category, r.priority, r.acknowledge_within_h, r.resolve_within_h)
            for r in rows
        )
        return SlaPolicyTable(ws.code, own, _sla_defaults())


def _hours_value(text: str, field: str, row: int, problems: list[Problem]) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= MAX_SLA_HOURS:
        problems.append(
            Problem(
                f"`{field}` must be a number of business hours above 0 and at most "
                f"{MAX_SLA_HOURS:g}.",
                f"`{field}` 须为大于 0、不超过 {MAX_SLA_HOURS:g} 的营业小时数。",
                row=row,
                column=field,
                value=text,
            )
        )
        return None
    return value


def set_sla_policies(store: Store, code: str, rows: Sequence[Mapping[str, str]]) -> SlaPolicyTable:
    """Replace the workspace's SLA policies by ``rows`` (texts as typed), all or none.

    Each row names a ``category`` (a complaint category or ``*``), a ``priority`` (or
    ``*``) and positive targets in business hours, acknowledgement no later than
    resolution; a key given twice is refused. Rows whose four fields are all empty are
    ignored. Problems name the row (1-based, as in the form) and the field.
    """
    from servgap.core.cases import CATEGORIES, PRIORITIES
    from servgap.store.models import SlaPolicyRow

    problems: list[Problem] = []
    clean: list[SlaPolicyInfo] = []
    seen: dict[tuple[str, str], int] = {}
    filled = [(i, r) for i, r in enumerate(rows, start=1) if any(
        str(r.get(f) or "").strip() for f in SLA_FIELDS)]  # fmt: skip
    if len(filled) > MAX_SLA_POLICIES:
        raise InputError(
            f"At most {MAX_SLA_POLICIES} SLA policies; {len(filled)} were given.",
            f"SLA 规则最多 {MAX_SLA_POLICIES} 条；提交了 {len(filled)} 条。",
            code="too_many_policies",
        )
    for i, r in filled:
        cat = str(r.get("category") or "*").strip() or "*"
        pri = str(r.get("priority") or "*").strip() or "*"
        ok = True
        if cat != "*" and cat not in CATEGORIES:
            problems.append(Problem(
                f"`category` {cat!r} is not a complaint category; use * or one of "
                f"{', '.join(CATEGORIES)}.",
                f"`category` {cat!r} 不是投诉类别；请用 * 或：{'、'.join(CATEGORIES)}。",
                row=i, column="category", value=cat))  # fmt: skip
            ok = False
        if pri != "*" and pri not in PRIORITIES:
            problems.append(Problem(
                f"`priority` {pri!r} is not a priority; use * or one of {', '.join(PRIORITIES)}.",
                f"`priority` {pri!r} 不是优先级；请用 * 或：{'、'.join(PRIORITIES)}。",
                row=i, column="priority", value=pri))  # fmt: skip
            ok = False
        ack = _hours_value(str(r.get("acknowledge_within_h") or ""), "acknowledge_within_h", i,
                           problems)  # fmt: skip
        res = _hours_value(str(r.get("resolve_within_h") or ""), "resolve_within_h", i, problems)
        if ack is not None and res is not None and ack > res:
            problems.append(Problem(
                f"`acknowledge_within_h` {ack:g} is later than `resolve_within_h` {res:g}: a case "
                "is acknowledged before it is resolved.",
                f"`acknowledge_within_h` {ack:g} 晚于 `resolve_within_h` {res:g}：受理应早于解决。",
                row=i, column="acknowledge_within_h", value=ack))  # fmt: skip
            ok = False
        if ok and (cat, pri) in seen:
            problems.append(Problem(
                f"Category {cat} with priority {pri} is already set in row {seen[(cat, pri)]}.",
                f"类别 {cat}、优先级 {pri} 已在第 {seen[(cat, pri)]} 行设置。",
                row=i, column="priority", value=pri))  # fmt: skip
            ok = False
        seen.setdefault((cat, pri), i)
        if ok and ack is not None and res is not None:
            clean.append(SlaPolicyInfo(cat, pri, ack, res))
    if problems:
        raise InputError(
            f"{len(problems)} problem(s) in the SLA policies; nothing was changed.",
            f"SLA 规则有 {len(problems)} 处问题，未作任何更改。",
            code="invalid_sla_policy",
            problems=problems,
            fields=tuple(dict.fromkeys(p.column or "" for p in problems)),
        )
    with store.session() as s:
        ws = get_workspace(s, code)
        for old in s.scalars(select(SlaPolicyRow).where(SlaPolicyRow.workspace_id == ws.id)):
            s.delete(old)
        s.flush()
        for p in clean:
            s.add(SlaPolicyRow(workspace_id=ws.id, category=p.category, priority=p.priority,
                               acknowledge_within_h=p.acknowledge_within_h,
                               resolve_within_h=p.resolve_within_h))  # fmt: skip
    return sla_policy_table(store, code)


def workspace_timezone(store: Store, code: str) -> str:
    """The workspace's IANA time zone (local times on its pages are shown in it)."""
    with store.session() as s:
        return get_workspace(s, code).timezone or "Asia/Shanghai"
