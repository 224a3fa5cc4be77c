"""Expert adjustments of a queue's forecast, stored with who entered them and why.

A planner enters "calls × 1.8 on 11–12 Nov, ops lead, 双11 promotion" in the capacity
planner; it is kept per site and queue and applied (in the order entered) to every
forecast of that queue the planner draws, exactly as the command line's
``--adjust "START..END:x1.8:AUTHOR:REASON"`` applies it
(:func:`~servgap.services.capacity.forecasting.parse_adjustment`); :attr:`StoredAdjustment.text`
is that option's text, so the same figures can be had from ``servgap capacity … --adjust``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import delete, select

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError
from servgap.core.forecast import Adjustment
from servgap.services.capacity.history import local_time
from servgap.services.context import Store, get_workspace
from servgap.store.models import DemandInterval, ForecastAdjustment, Site

MAX_FACTOR = 10.0
MAX_ADD = 100_000.0
MAX_REASON = 500
KINDS = ("factor", "add")


@dataclass(frozen=True)
class StoredAdjustment(ResultMixin):
    """One stored adjustment: ``forecast × factor + add`` on ``start <= t < end`` (local)."""

    id: int
    site: str
    queue: str
    start: pd.Timestamp
    end: pd.Timestamp
    factor: float | None
    add: float | None
    author: str
    reason: str
    created_at: pd.Timestamp

    @property
    def text(self) -> str:
        """The command line's ``--adjust`` text for the same adjustment."""
        op = f"x{self.factor:g}" if self.factor is not None else _add_text(self.add or 0.0)
        return (
            f"{self.start:%Y-%m-%dT%H:%M}..{self.end:%Y-%m-%dT%H:%M}:{op}:"
            f"{self.author}:{self.reason}"
        )

    def adjustment(self) -> Adjustment:
        """The core :class:`~servgap.core.forecast.Adjustment` (label: the reason's start,
        as :func:`~servgap.services.capacity.forecasting.parse_adjustment` makes it)."""
        return Adjustment(self.start, self.end, factor=self.factor, add=self.add,
                          author=self.author, reason=self.reason, label=self.reason[:40])  # fmt: skip


def _add_text(add: float) -> str:
    return f"+{add:g}" if add >= 0 else f"-{-add:g}"


def site_ids(store: Store, workspace: str, site: str) -> tuple[int, int]:
    """The ids of the workspace and of its ``site`` with demand (else an error at ``site``)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sid = s.scalar(
            select(Site.id)
            .join(DemandInterval, DemandInterval.site_id == Site.id)
            .where(Site.workspace_id == ws.id, Site.code == site)
            .limit(1)
        )
        if sid is None:
            raise InputError(
                f"`site` `{site}` has no demand data in workspace `{workspace}`.",
                f"工作区 `{workspace}` 中的 `site` `{site}` 没有需求数据。",
                fields=("site",),
            )
        return ws.id, sid


def list_adjustments(
    store: Store, *, workspace: str, site: str, queue: str, tz: str
) -> tuple[StoredAdjustment, ...]:
    """The adjustments of ``site``/``queue`` in the order entered, times in ``tz``."""
    ws_id, sid = site_ids(store, workspace, site)
    with store.session() as s:
        rows = s.scalars(
            select(ForecastAdjustment)
            .where(
                ForecastAdjustment.workspace_id == ws_id,
                ForecastAdjustment.site_id == sid,
                ForecastAdjustment.queue == queue,
            )
            .order_by(ForecastAdjustment.id)
        ).all()
        return tuple(
            StoredAdjustment(
                id=r.id,
                site=site,
                queue=queue,
                start=pd.Timestamp(r.start).tz_convert(tz),
                end=pd.Timestamp(r.end).tz_convert(tz),
                factor=r.factor,
                add=r.add,
                author=r.author,
                reason=r.reason,
                created_at=pd.Timestamp(r.created_at).tz_convert(tz),
            )
            for r in rows
        )


def _number(value: str | float, field: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"`{field}` {value!r} is not a number.",
            f"`{field}` {value!r} 不是数字。",
            fields=(field,),
        ) from None
    if not math.isfinite(x):
        raise InputError(
            f"`{field}` {value!r} must be a finite number.",
            f"`{field}` {value!r} 必须是有限数。",
            fields=(field,),
        )
    return x


def check_adjustment(
    *,
    start: str,
    end: str,
    kind: str,
    value: str | float,
    reason: str,
    tz: str,
    forecast: pd.DataFrame | None = None,
) -> tuple[pd.Timestamp, pd.Timestamp, float | None, float | None, str]:
    """Validate an adjustment entered in a form; ``(start, end, factor, add, reason)``.

    A date-only ``end`` is inclusive (the whole day), as on the command line. With the
    current ``forecast`` (``interval_start``, ``adjusted``, ``closed``), the window must
    touch at least one forecast interval and a negative ``add`` may not take any open
    interval below 0 contacts. Every error names its field.
    """
    problems: list[InputError] = []
    s_at: pd.Timestamp | None = None
    e_at: pd.Timestamp | None = None
    try:
        s_at = local_time(start.strip(), tz, field="start")
    except InputError:
        problems.append(InputError(f"`start` {start!r} is not a date or time (2026-11-11T09:00).",
                                   f"`start` {start!r} 不是日期或时间（2026-11-11T09:00）。",
                                   fields=("start",)))  # fmt: skip
    try:
        e_at = local_time(end.strip(), tz, field="end")
        if len(end.strip()) == 10:  # a date: the whole day
            e_at = e_at + pd.Timedelta(days=1)
    except InputError:
        problems.append(InputError(f"`end` {end!r} is not a date or time (2026-11-12).",
                                   f"`end` {end!r} 不是日期或时间（2026-11-12）。",
                                   fields=("end",)))  # fmt: skip
    if problems:
        raise problems[0]
    assert s_at is not None and e_at is not None
    s_at, e_at = s_at.tz_convert(tz), e_at.tz_convert(tz)
    if e_at <= s_at:
        raise InputError(
            f"`end` {e_at:%Y-%m-%d %H:%M} is not after `start` {s_at:%Y-%m-%d %H:%M}.",
            f"`end` {e_at:%Y-%m-%d %H:%M} 不晚于 `start` {s_at:%Y-%m-%d %H:%M}。",
            fields=("end",),
        )
    if kind not in KINDS:
        raise InputError(
            f"`kind` {kind!r} must be factor (× the forecast) or add (contacts per interval).",
            f"`kind` {kind!r} 必须是 factor（预测 ×）或 add（每时段增减量）。",
            fields=("kind",),
        )
    x = round(_number(value, "value"), 4)
    factor = add = None
    if kind == "factor":
        if not 0 <= x <= MAX_FACTOR:
            raise InputError(
                f"`value` factor {x:g} must be between 0 and {MAX_FACTOR:g} (1.8 = +80 %).",
                f"`value` 倍数 {x:g} 必须在 0 到 {MAX_FACTOR:g} 之间（1.8 = 增加 80%）。",
                fields=("value",),
            )
        factor = x
    else:
        if not -MAX_ADD <= x <= MAX_ADD or x == 0:
            raise InputError(
                f"`value` {x:g} contacts per interval must be non-zero and within ±{MAX_ADD:g}.",
                f"`value` 每时段 {x:g} 个必须非零且在 ±{MAX_ADD:g} 以内。",
                fields=("value",),
            )
        add = x
    text = " ".join(reason.split())
    if not text:
        raise InputError("`reason`: say why the forecast is adjusted (e.g. 双11 promotion).",
                         "`reason`：请说明调整原因（例如 双11 促销）。",
                         fields=("reason",))  # fmt: skip
    if len(text) > MAX_REASON:
        raise InputError(f"`reason` has {len(text)} characters; at most {MAX_REASON}.",
                         f"`reason` 有 {len(text)} 个字符；最多 {MAX_REASON} 个。",
                         fields=("reason",))  # fmt: skip
    if forecast is not None and len(forecast):
        times = pd.to_datetime(forecast["interval_start"], utc=True)
        mask = ((times >= s_at) & (times < e_at)).to_numpy()
        if not mask.any():
            first = pd.Timestamp(times.min()).tz_convert(tz)
            last = pd.Timestamp(times.max()).tz_convert(tz)
            raise InputError(
                f"`start`–`end` touches no interval of the forecast ({first:%Y-%m-%d %H:%M} to "
                f"{last:%Y-%m-%d %H:%M}).",
                f"`start`–`end` 不在预测期（{first:%Y-%m-%d %H:%M} 至 {last:%Y-%m-%d %H:%M}）内。",
                fields=("start", "end"),
            )
        if add is not None and add < 0:
            open_ = mask & ~forecast["closed"].to_numpy(dtype=bool)
            current = forecast["adjusted"].to_numpy(dtype=np.float64)[open_]
            if current.size and float(current.min()) + add < 0:
                raise InputError(
                    f"`value` {add:g} would take demand below 0: the lowest forecast in the "
                    f"window is {current.min():.1f} contacts per interval. Use a factor (e.g. "
                    "0.5) or a smaller reduction.",
                    f"`value` {add:g} 会使需求小于 0：该时段内最低预测为每时段 "
                    f"{current.min():.1f} 个。请改用倍数（如 0.5）或减少幅度。",
                    fields=("value",),
                )
    return s_at, e_at, factor, add, text


def add_adjustment(
    store: Store,
    *,
    workspace: str,
    site: str,
    queue: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    factor: float | None,
    add: float | None,
    author: str,
    reason: str,
) -> int:
    """Store a checked adjustment (see :func:`check_adjustment`); its id."""
    ws_id, sid = site_ids(store, workspace, site)
    with store.session() as s:
        row = ForecastAdjustment(
            workspace_id=ws_id, site_id=sid, queue=queue,
            start=start.to_pydatetime(), end=end.to_pydatetime(), factor=factor, add=add,
            author=author.replace(":", " ").strip()[:254] or "?", reason=reason,
        )  # fmt: skip
        s.add(row)
        s.flush()
        return int(row.id)


def delete_adjustment(store: Store, *, workspace: str, adjustment_id: int) -> bool:
    """Remove one adjustment of the workspace; False when it is not there (already removed,
    or another workspace's: nothing is done and nothing is told)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        done = s.execute(
            delete(ForecastAdjustment).where(
                ForecastAdjustment.id == adjustment_id, ForecastAdjustment.workspace_id == ws.id
            )
        )
        return bool(getattr(done, "rowcount", 0))
