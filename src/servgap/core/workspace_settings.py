"""The settings of a workspace that analyses use: one declaration per key.

Each key has a type, a default, a bilingual description, and a parser that
reads the text a user types (``servgap workspace set KEY VALUE``, a web form)
and refuses a bad value with the key and the value named. Stored values live
in ``workspace.settings`` (a JSON object); the business calendar keeps the
nested shape the SLA clocks read (``{"calendar": {"workdays": [...], "hours":
["09:00", "18:00"], "holidays": [...], "extra_workdays": [...]}}``).

Keys
----
lang                      zh | en: language of printed tables, reports and charts
currency                  ISO 4217 code of every amount (CNY)
brand_reputation          0–100 index of the brand's reputation; raises customers'
                          tolerance (Zeithaml, Berry & Parasuraman 1993)
calendar.workdays         business days, Monday = 0 (``0-4`` or ``0,1,2,3,4``)
calendar.hours            business hours (``09:00-18:00``)
calendar.holidays         extra days off (``2026-10-01,2026-10-02``), added to the
                          official PRC calendar
calendar.extra_workdays   make-up working days (调休) not in the official calendar
cost.agent_per_hour       cost of one agent hour (currency)
cost.wait_per_hour        cost of one hour customers spend waiting
cost.abandon              cost of one abandoned contact
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
)
from servgap.core.errors import InputError, NotFoundError


class _BadSettingError(ValueError):
    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh


def _lang(text: str) -> str:
    v = text.strip().lower()
    if v in ("zh", "zh-cn", "zh_cn", "中文", "chinese"):
        return "zh"
    if v in ("en", "english", "英文"):
        return "en"
    raise _BadSettingError("use zh or en.", "请使用 zh 或 en。")


def _currency(text: str) -> str:
    v = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", v):
        raise _BadSettingError(
            "use a three-letter ISO 4217 code such as CNY or USD.",
            "请使用三位 ISO 4217 代码，如 CNY、USD。",
        )
    return v


def _number(lo: float, hi: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = float(text.strip())
        except ValueError:
            raise _BadSettingError(
                f"use a number from {lo:g} to {hi:g}.", f"请使用 {lo:g} 到 {hi:g} 之间的数字。"
            ) from None
        if not math.isfinite(v) or not lo <= v <= hi:
            raise _BadSettingError(
                f"use a number from {lo:g} to {hi:g}.", f"请使用 {lo:g} 到 {hi:g} 之间的数字。"
            )
        return v

    return parse


def _workdays(text: str) -> list[int]:
    out: set[int] = set()
    for part in re.split(r"[,\s，]+", text.strip()):
        if not part:
            continue
        m = re.fullmatch(r"([0-6])(?:-([0-6]))?", part)
        if m is None:
            raise _BadSettingError(
                "use day numbers, Monday = 0 … Sunday = 6, e.g. 0-4 or 0,1,2,3,4,5.",
                "请使用星期序号（周一 = 0 … 周日 = 6），如 0-4 或 0,1,2,3,4,5。",
            )
        a = int(m.group(1))
        b = int(m.group(2) or a)
        out.update(range(min(a, b), max(a, b) + 1))
    if not out:
        raise _BadSettingError("give at least one business day.", "至少需要一个工作日。")
    return sorted(out)


def _hours(text: str) -> list[str]:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*", text)
    if m is None:
        raise _BadSettingError(
            "write opening hours like 09:00-18:00.", "营业时间请写成 09:00-18:00。"
        )
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2) or (h1, m1) >= (h2, m2):
        raise _BadSettingError(
            "the opening time must come before the closing time (00:00–24:00).",
            "开始时间必须早于结束时间（00:00–24:00）。",
        )
    return [f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"]


def _dates(text: str) -> list[str]:
    out: set[str] = set()
    for part in re.split(r"[,\s，]+", text.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?", part)
        try:
            if m is None:
                raise ValueError(part)
            a = dt.date.fromisoformat(m.group(1))
            b = dt.date.fromisoformat(m.group(2) or m.group(1))
        except ValueError:
            raise _BadSettingError(
                f"`{part}` is not a date; write dates like 2026-10-01, ranges like "
                "2026-10-01..2026-10-07, separated by commas.",
                f"`{part}` 不是日期；日期请写成 2026-10-01，区间写成 2026-10-01..2026-10-07，以逗号分隔。",
            ) from None
        if b < a or (b - a).days > 366:
            raise _BadSettingError(
                f"`{part}`: the range must run forward and span at most a year.",
                f"`{part}`：区间须从前到后且不超过一年。",
            )
        out.update((a + dt.timedelta(days=i)).isoformat() for i in range((b - a).days + 1))
    return sorted(out)


@dataclass(frozen=True)
class SettingKey:
    key: str
    default: Any
    en: str
    zh: str
    parse: Callable[[str], Any]


SETTINGS: tuple[SettingKey, ...] = (
    SettingKey(
        "lang",
        "zh",
        "Language of printed tables, reports and charts (zh or en).",
        "表格、报告和图表所用的语言（zh 或 en）。",
        _lang,
    ),
    SettingKey(
        "currency",
        "CNY",
        "Currency of every amount (ISO 4217).",
        "所有金额的币种（ISO 4217）。",
        _currency,
    ),
    SettingKey(
        "brand_reputation",
        None,
        "Brand reputation index 0–100; raises customers' tolerance (unset: neutral 50).",
        "品牌声誉指数 0–100；声誉越高顾客容忍度越高（未设置时按中性 50 计）。",
        _number(0, 100),
    ),
    SettingKey(
        "calendar.workdays",
        [0, 1, 2, 3, 4],
        "Business days, Monday = 0 (e.g. 0-4).",
        "工作日，周一 = 0（如 0-4）。",
        _workdays,
    ),
    SettingKey(
        "calendar.hours",
        ["09:00", "18:00"],
        "Business hours (e.g. 09:00-18:00).",
        "营业时间（如 09:00-18:00）。",
        _hours,
    ),
    SettingKey(
        "calendar.holidays",
        [],
        "Extra days off, added to the official PRC holidays.",
        "额外休息日，叠加在国家法定节假日之上。",
        _dates,
    ),
    SettingKey(
        "calendar.extra_workdays",
        [],
        "Extra make-up working days (调休).",
        "额外的调休上班日。",
        _dates,
    ),
    SettingKey(
        "cost.agent_per_hour",
        DEFAULT_AGENT_COST_PER_HOUR,
        "Cost of one agent hour.",
        "每个坐席/柜员小时的成本。",
        _number(0, 1e6),
    ),
    SettingKey(
        "cost.wait_per_hour",
        DEFAULT_WAIT_COST_PER_HOUR,
        "Cost of one hour customers spend waiting.",
        "顾客等候一小时的成本。",
        _number(0, 1e6),
    ),
    SettingKey(
        "cost.abandon",
        DEFAULT_ABANDON_COST,
        "Cost of one abandoned contact.",
        "每次放弃（未接通即挂断）的成本。",
        _number(0, 1e6),
    ),
)
KEYS: dict[str, SettingKey] = {s.key: s for s in SETTINGS}


def setting_key(key: str) -> SettingKey:
    spec = KEYS.get(key.strip())
    if spec is None:
        raise NotFoundError(
            f"Unknown workspace setting `{key}`. Settings: {', '.join(KEYS)}.",
            f"未知的工作区设置 `{key}`。可用设置：{'、'.join(KEYS)}。",
        )
    return spec


def parse_setting(key: str, text: str) -> Any:
    """The stored value of ``key`` read from the text a user typed; InputError if it is bad."""
    spec = setting_key(key)
    try:
        return spec.parse(text)
    except _BadSettingError as exc:
        raise InputError(
            f"Setting `{spec.key}`: `{text}` is not valid; {exc.en}",
            f"设置 `{spec.key}`：`{text}` 无效；{exc.zh}",
            code="invalid_setting",
        ) from None


def get_setting(settings: Mapping[str, Any] | None, key: str) -> Any:
    """The value of ``key`` in a workspace's settings object, or its default."""
    spec = setting_key(key)
    node: Any = settings or {}
    for part in spec.key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return spec.default
        node = node[part]
    return node


def with_setting(settings: Mapping[str, Any] | None, key: str, value: Any) -> dict[str, Any]:
    """A copy of ``settings`` with ``key`` set (``None`` removes it: back to the default)."""
    spec = setting_key(key)
    out: dict[str, Any] = {
        k: (dict(v) if isinstance(v, Mapping) else v) for k, v in (settings or {}).items()
    }
    parts = spec.key.split(".")
    node = out
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value
    return out
