"""A queue's roster uploaded in the capacity planner: its shifts, kept until replaced.

The file is read by the import's reader with the roster format of ``servgap capacity
balance --roster`` (:data:`~servgap.services.capacity.balance.ROSTER_SPEC`: ``start``,
``end``, ``count``, local times; CSV in UTF-8/BOM/GBK or .xlsx, every bad cell listed);
the shifts are stored per site and queue, and each planner view turns them into agents per
interval with :func:`~servgap.core.capacity.roster_to_agents`, as the command line does
with the same file (:meth:`StoredRoster.to_frame` writes it back).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select

from servgap.core._result import ResultMixin
from servgap.core.capacity import roster_to_agents
from servgap.core.errors import InputError
from servgap.services.capacity.adjustments import site_ids
from servgap.services.capacity.balance import ROSTER_SPEC
from servgap.services.capacity.history import read_records
from servgap.services.context import Store
from servgap.services.tableio import open_reader
from servgap.store.models import RosterShift

MAX_SHIFTS = 20_000


@dataclass(frozen=True)
class StoredRoster(ResultMixin):
    """The roster of a queue: ``shifts`` (``start``, ``end`` local, ``count``), who uploaded
    it and when."""

    site: str
    queue: str
    shifts: pd.DataFrame
    uploaded_by: str
    uploaded_at: pd.Timestamp

    def to_frame(self) -> pd.DataFrame:
        """The shifts as a roster file (local times as text), readable by ``--roster``."""
        out = self.shifts.copy()
        for c in ("start", "end"):
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M")
        return out

    def agents(self, interval_start: Any, interval_s: float) -> np.ndarray[Any, Any]:
        """Agent equivalents on duty in each interval (shifts overlapping it, pro rata)."""
        shifts = self.shifts.assign(
            start=pd.to_datetime(self.shifts["start"], utc=True),
            end=pd.to_datetime(self.shifts["end"], utc=True),
        )
        res = roster_to_agents(shifts, pd.to_datetime(interval_start, utc=True),
                               interval_s=interval_s)  # fmt: skip
        return res.agents


def read_roster_shifts(path: Path, tz: str, *, now: dt.datetime, max_bytes: int) -> pd.DataFrame:
    """The shifts of a roster file (``start``, ``end`` in ``tz``, ``count``)."""
    reader = open_reader(path, ROSTER_SPEC, workspace_tz=tz, max_bytes=max_bytes, now=now)
    records = read_records(reader)
    if not records:
        raise InputError(
            f"`roster` {reader.source} has no shifts (columns start, end, count).",
            f"`roster` {reader.source} 没有班次（列 start、end、count）。",
            fields=("roster",),
        )
    if len(records) > MAX_SHIFTS:
        raise InputError(
            f"`roster` {reader.source} has {len(records)} shifts; at most {MAX_SHIFTS}.",
            f"`roster` {reader.source} 有 {len(records)} 个班次；最多 {MAX_SHIFTS} 个。",
            fields=("roster",),
        )
    frame = pd.DataFrame(
        {
            "start": pd.to_datetime([r["start"] for r in records], utc=True).tz_convert(tz),
            "end": pd.to_datetime([r["end"] for r in records], utc=True).tz_convert(tz),
            "count": np.array([float(r["count"]) for r in records], dtype=np.float64),
        }
    )
    bad = frame.index[frame["end"] <= frame["start"]]
    if len(bad):
        i = int(bad[0])
        raise InputError(
            f"`roster` {reader.source}: {len(bad)} shift(s) end before they start, first on row "
            f"{i + 2} ({frame['start'].iloc[i]:%Y-%m-%d %H:%M} – {frame['end'].iloc[i]:%H:%M}).",
            f"`roster` {reader.source}：{len(bad)} 个班次结束早于开始，第一个在第 {i + 2} 行"
            f"（{frame['start'].iloc[i]:%Y-%m-%d %H:%M} – {frame['end'].iloc[i]:%H:%M}）。",
            fields=("roster",),
        )
    return frame


def save_roster(
    store: Store,
    *,
    workspace: str,
    site: str,
    queue: str,
    shifts: pd.DataFrame,
    uploaded_by: str,
) -> int:
    """Replace the queue's roster with ``shifts`` (one transaction); the number of shifts."""
    ws_id, sid = site_ids(store, workspace, site)
    with store.session() as s:
        s.execute(delete(RosterShift).where(RosterShift.workspace_id == ws_id,
                                            RosterShift.site_id == sid, RosterShift.queue == queue))  # fmt: skip
        s.add_all(
            RosterShift(
                workspace_id=ws_id,
                site_id=sid,
                queue=queue,
                start=pd.Timestamp(a).to_pydatetime(),
                end=pd.Timestamp(b).to_pydatetime(),
                count=float(c),
                uploaded_by=uploaded_by[:254],
            )
            for a, b, c in zip(shifts["start"], shifts["end"], shifts["count"], strict=True)
        )
    return len(shifts)


def stored_roster(
    store: Store, *, workspace: str, site: str, queue: str, tz: str
) -> StoredRoster | None:
    """The queue's uploaded roster, None when there is none."""
    ws_id, sid = site_ids(store, workspace, site)
    with store.session() as s:
        rows = s.execute(
            select(RosterShift.start, RosterShift.end, RosterShift.count, RosterShift.uploaded_by,
                   RosterShift.uploaded_at)
            .where(RosterShift.workspace_id == ws_id, RosterShift.site_id == sid,
                   RosterShift.queue == queue)
            .order_by(RosterShift.id)
        ).all()  # fmt: skip
    if not rows:
        return None
    shifts = pd.DataFrame(
        {
            "start": pd.to_datetime([r[0] for r in rows], utc=True).tz_convert(tz),
            "end": pd.to_datetime([r[1] for r in rows], utc=True).tz_convert(tz),
            "count": np.array([float(r[2]) for r in rows], dtype=np.float64),
        }
    )
    return StoredRoster(site, queue, shifts, str(rows[-1][3]),
                        pd.Timestamp(rows[-1][4]).tz_convert(tz))  # fmt: skip


def clear_roster(store: Store, *, workspace: str, site: str, queue: str) -> None:
    """Remove the queue's roster (the planner then uses the staff recorded with the demand)."""
    ws_id, sid = site_ids(store, workspace, site)
    with store.session() as s:
        s.execute(delete(RosterShift).where(RosterShift.workspace_id == ws_id,
                                            RosterShift.site_id == sid, RosterShift.queue == queue))  # fmt: skip
