"""SLA policies, the status of every case's clocks (due, left, overdue, at risk) and which
clock a case is measured by in the queue. Split from :mod:`servgap.core.sla`, which keeps the
business calendar and the business-time arithmetic these statuses use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, ProblemCollector, SpecError
from servgap.core.sla import (
    BusinessCalendar,
    FloatArray,
    _aware_index,
    _build_clock,
    _from_local_seconds,
    _local_seconds,
)


@dataclass(frozen=True)
class SlaPolicy:
    """SLA targets in business hours for a (category, priority); ``"*"`` = any."""

    category: str = "*"
    priority: str = "*"
    acknowledge_within_h: float = 4.0
    resolve_within_h: float = 24.0

    def __post_init__(self) -> None:
        for name in ("acknowledge_within_h", "resolve_within_h"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise SpecError(
                    f"SlaPolicy.{name} must be a positive number of business hours; got {v!r}.",
                    f"SlaPolicy.{name} 须为正的营业小时数；当前为 {v!r}。",
                )


def _policy_lookup(
    policies: SlaPolicy | Sequence[SlaPolicy],
) -> dict[tuple[str, str], SlaPolicy]:
    if isinstance(policies, SlaPolicy):
        policies = [policies]
    table: dict[tuple[str, str], SlaPolicy] = {}
    for p in policies:
        key = (p.category, p.priority)
        if key in table:
            raise SpecError(
                f"Two SLA policies for category {p.category!r} and priority {p.priority!r}.",
                f"类别 {p.category!r}、优先级 {p.priority!r} 有两条 SLA 规则。",
            )
        table[key] = p
    return table


def _find_policy(table: dict[tuple[str, str], SlaPolicy], cat: str, pri: str) -> SlaPolicy | None:
    for key in ((cat, pri), (cat, "*"), ("*", pri), ("*", "*")):
        if key in table:
            return table[key]
    return None


@dataclass(frozen=True)
class SlaStatusResult(ResultMixin):
    """SLA clocks of many cases at ``now``.

    ``table`` has one row per case and clock with columns
    ``case, clock ("acknowledge"|"resolve"), target_h, elapsed_h, paused_h,
    remaining_h, deadline, running, paused_now, deadline_provisional, state``.
    ``state`` is ``ok``, ``at_risk`` (running and remaining < at_risk_fraction ×
    target), ``breached`` (elapsed > target, running or stopped late) or
    ``met`` (stopped within target). ``deadline_provisional`` is True while an
    open pause started before the deadline (the deadline will move back).
    """

    table: pd.DataFrame
    now: pd.Timestamp
    at_risk_fraction: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _col(df: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in df.columns:
        raise InputError(
            f"Column {name!r} ({what}) is missing; pass its name explicitly "
            f"(available: {list(df.columns)}).",
            f"缺少列 {name!r}（{what}）；请显式指定列名（现有列：{list(df.columns)}）。",
        )
    return df[name]


def sla_status(
    cases: pd.DataFrame,
    *,
    now: Any,
    calendar: BusinessCalendar,
    policies: SlaPolicy | Sequence[SlaPolicy],
    pauses: pd.DataFrame | None = None,
    case_col: str = "case",
    opened_col: str = "opened_at",
    acknowledged_col: str = "acknowledged_at",
    resolved_col: str = "resolved_at",
    category_col: str | None = "category",
    priority_col: str | None = "priority",
    pause_case_col: str = "case",
    pause_start_col: str = "start",
    pause_end_col: str = "end",
    at_risk_fraction: float = 0.2,
) -> SlaStatusResult:
    """Acknowledge and resolve SLA clocks for many cases at once.

    Parameters
    ----------
    cases : one row per case: id, opened, acknowledged and resolved times
        (NaT while not reached), category and priority (for the policy lookup;
        ``None`` column names use ``"*"``).
    now : tz-aware "as of" time; running clocks are measured up to ``now``.
    policies : a single :class:`SlaPolicy` or a list; lookup order
        (category, priority) → (category, *) → (*, priority) → (*, *).
    pauses : waiting-for-customer intervals ``case, start, end`` (end NaT =
        still waiting). They pause the *resolve* clock only (the acknowledge
        clock is never waiting on the customer). Pauses of one case must not
        overlap.
    at_risk_fraction : running clocks with remaining < this × target are
        ``at_risk`` (default 0.2).

    Notes
    -----
    elapsed = B(stop or now) − B(opened) − paused business seconds in between;
    remaining = target − elapsed; deadline = B⁻¹(B(opened) + target + business
    length of pauses that began before the deadline). See the module notes.
    """
    if not 0.0 <= at_risk_fraction < 1.0:
        raise SpecError(
            f"at_risk_fraction must be in [0, 1); got {at_risk_fraction!r}.",
            f"at_risk_fraction 须在 [0, 1) 内；当前为 {at_risk_fraction!r}。",
        )
    tz = calendar.tz
    now_idx = _aware_index(now, "now")
    now_ts = now_idx[0].tz_convert(tz)
    now_l = float(_local_seconds(now_idx, tz)[0])
    n = len(cases)
    ids = _col(cases, case_col, "case id").to_numpy()
    opened = _local_seconds(_aware_index(_col(cases, opened_col, "opened at"), opened_col), tz)
    acked = _local_seconds(
        _aware_index(_col(cases, acknowledged_col, "acknowledged at"), acknowledged_col), tz
    )
    resolved = _local_seconds(
        _aware_index(_col(cases, resolved_col, "resolved at"), resolved_col), tz
    )
    cats = (
        _col(cases, category_col, "category").astype(str).to_numpy()
        if category_col
        else np.full(n, "*")
    )
    pris = (
        _col(cases, priority_col, "priority").astype(str).to_numpy()
        if priority_col
        else np.full(n, "*")
    )
    pc = ProblemCollector()
    table = _policy_lookup(policies)
    ack_target = np.empty(n)
    res_target = np.empty(n)
    for i in range(n):
        if np.isnan(opened[i]):
            pc.add("opened time is missing.", "缺少立案时间。", row=i + 1, column=opened_col)
        elif opened[i] > now_l:
            pc.add(
                "case opened after 'now'.", "立案时间晚于当前时间。", row=i + 1, column=opened_col
            )
        for arr, col in ((acked, acknowledged_col), (resolved, resolved_col)):
            if not np.isnan(arr[i]) and not np.isnan(opened[i]) and arr[i] < opened[i]:
                pc.add(
                    "time is before the opening time.", "时间早于立案时间。", row=i + 1, column=col
                )
            if not np.isnan(arr[i]) and arr[i] > now_l:
                pc.add("time is after 'now'.", "时间晚于当前时间。", row=i + 1, column=col)
        pol = _find_policy(table, str(cats[i]), str(pris[i]))
        if pol is None:
            pc.add(
                f"no SLA policy for category {cats[i]!r} / priority {pris[i]!r}; add one "
                "(or a '*' default).",
                f"类别 {cats[i]!r}／优先级 {pris[i]!r} 没有对应的 SLA 规则；请添加（或设置 '*' 默认规则）。",
                row=i + 1,
            )
            ack_target[i] = res_target[i] = np.nan
        else:
            ack_target[i] = pol.acknowledge_within_h * 3600.0
            res_target[i] = pol.resolve_within_h * 3600.0
    pc.raise_if_any(
        InputError,
        f"{len(pc)} problem(s) in the case table for the SLA clocks.",
        f"用于 SLA 计时的工单表中有 {len(pc)} 处问题。",
    )

    # pauses → per-row arrays
    pos = {v: i for i, v in enumerate(ids.tolist())}
    p_row = np.zeros(0, dtype=np.int64)
    p_s = np.zeros(0)
    p_e = np.zeros(0)
    if pauses is not None and len(pauses):
        pcase = _col(pauses, pause_case_col, "pause case id").tolist()
        p_s = _local_seconds(
            _aware_index(_col(pauses, pause_start_col, "pause start"), "start"), tz
        )
        p_e = _local_seconds(_aware_index(_col(pauses, pause_end_col, "pause end"), "end"), tz)
        ppc = ProblemCollector()
        rows_l: list[int] = []
        for j, c in enumerate(pcase):
            if c not in pos:
                ppc.add(
                    "pause for an unknown case.", "暂停记录对应的工单不存在。", row=j + 1, value=c
                )
                rows_l.append(-1)
                continue
            rows_l.append(pos[c])
            if np.isnan(p_s[j]):
                ppc.add("pause start is missing.", "缺少暂停开始时间。", row=j + 1)
            elif not np.isnan(p_e[j]) and p_e[j] < p_s[j]:
                ppc.add("pause ends before it starts.", "暂停结束早于开始。", row=j + 1)
            elif p_s[j] > now_l:
                ppc.add("pause starts after 'now'.", "暂停开始时间晚于当前时间。", row=j + 1)
        p_row = np.asarray(rows_l, dtype=np.int64)
        if not ppc:
            order = np.lexsort((p_s, p_row))
            p_row, p_s, p_e = p_row[order], p_s[order], p_e[order]
            for j in range(1, p_row.size):
                prev_end = p_e[j - 1] if not np.isnan(p_e[j - 1]) else np.inf
                if p_row[j] == p_row[j - 1] and p_s[j] < prev_end:
                    ppc.add(
                        "pauses of the same case overlap; merge them.",
                        "同一工单的暂停区间重叠；请合并。",
                        value=str(ids[p_row[j]]),
                    )
        ppc.raise_if_any(
            InputError,
            f"{len(ppc)} problem(s) in the pause table.",
            f"暂停表中有 {len(ppc)} 处问题。",
        )

    # one clock for all timestamps
    pts = np.concatenate([opened, acked, resolved, [now_l], p_s, p_e])
    clock = _build_clock(calendar, pts)
    b_open = clock.value(opened)
    b_now = clock.value(np.array([now_l]))[0]

    def _b(x: FloatArray) -> FloatArray:
        out = np.full(x.size, np.nan)
        ok = ~np.isnan(x)
        out[ok] = clock.value(x[ok])
        return out

    out_frames: list[pd.DataFrame] = []
    for clock_name, stop, target, use_pauses in (
        ("acknowledge", acked, ack_target, False),
        ("resolve", resolved, res_target, True),
    ):
        running = np.isnan(stop)
        b_stop = np.where(running, b_now, _b(stop))
        paused = np.zeros(n)
        paused_now = np.zeros(n, dtype=bool)
        provisional = np.zeros(n, dtype=bool)
        deadline_v = b_open + target
        if use_pauses and p_row.size:
            pb0 = np.maximum(_b(p_s), b_open[p_row])
            pe = np.where(np.isnan(p_e), now_l, p_e)
            pb1_raw = _b(pe)
            # paused time within [opened, stop or now]
            pb1 = np.minimum(pb1_raw, b_stop[p_row])
            paused_j = np.clip(pb1 - pb0, 0.0, None)
            np.add.at(paused, p_row, paused_j)
            open_p = np.isnan(p_e) & running[p_row]
            paused_now[p_row[open_p]] = True
            # deadline: extend by pauses that begin before the (running) deadline
            for j in range(p_row.size):  # sorted by (case, start)
                r = p_row[j]
                if pb0[j] < deadline_v[r]:
                    deadline_v[r] += max(pb1_raw[j] - pb0[j], 0.0)
                    if np.isnan(p_e[j]):
                        provisional[r] = True
        elapsed = b_stop - b_open - paused
        remaining = target - elapsed
        clock2 = _build_clock(calendar, pts, need_value=deadline_v)
        deadline = _from_local_seconds(clock2.inverse(deadline_v), tz)
        state = np.where(
            elapsed > target,
            "breached",
            np.where(
                ~running,
                "met",
                np.where(remaining < at_risk_fraction * target, "at_risk", "ok"),
            ),
        )
        out_frames.append(
            pd.DataFrame(
                {
                    "case": ids,
                    "clock": clock_name,
                    "target_h": target / 3600.0,
                    "elapsed_h": elapsed / 3600.0,
                    "paused_h": paused / 3600.0,
                    "remaining_h": remaining / 3600.0,
                    "deadline": deadline,
                    "running": running,
                    "paused_now": paused_now,
                    "deadline_provisional": provisional,
                    "state": state,
                }
            )
        )
    tbl = pd.concat(out_frames, ignore_index=True)
    return SlaStatusResult(table=tbl, now=now_ts, at_risk_fraction=at_risk_fraction)


# --------------------------------------------------------------------------- the case queue


def current_clocks(status: SlaStatusResult, states: Mapping[Any, str]) -> pd.DataFrame:
    """The SLA clock each case is measured by now, and whether it is overdue or at risk.

    Parameters
    ----------
    status : :func:`sla_status` of the cases (one acknowledge and one resolve row
        per case).
    states : each case's workflow state (:data:`servgap.core.cases.STATES`),
        keyed by the case id of ``status``.

    Returns
    -------
    DataFrame, one row per case in the order of ``status``: ``case, sla_clock,
    sla_state, remaining_h, target_h, deadline, overdue, at_risk``.

    Notes
    -----
    The current clock of a ``new`` case is its acknowledge clock while that
    clock runs; otherwise the resolve clock. Only an open case (``new`` …
    ``recovery_offered``) can be late: it is *overdue* when one of its running
    clocks is breached, and *at risk* when it is not overdue and a running clock
    is ``at_risk`` (under ``at_risk_fraction`` of its target left).
    """
    from servgap.core.cases import OPEN_STATES

    t = status.table
    ack = t[t["clock"] == "acknowledge"].set_index("case")
    res = t[t["clock"] == "resolve"].set_index("case").loc[ack.index]
    state = pd.Series([states[c] for c in ack.index], index=ack.index, dtype=object)
    is_open = state.isin(sorted(OPEN_STATES)).to_numpy()
    use_ack = (ack["running"].to_numpy(dtype=bool)) & (state == "new").to_numpy()

    def pick(col: str) -> npt.NDArray[Any]:
        return np.where(use_ack, ack[col].to_numpy(dtype=object), res[col].to_numpy(dtype=object))

    running = [x["running"].to_numpy(dtype=bool) & is_open for x in (ack, res)]
    breached = [r & (x["state"] == "breached").to_numpy() for r, x in zip(running, (ack, res),
                                                                         strict=True)]  # fmt: skip
    risky = [r & (x["state"] == "at_risk").to_numpy() for r, x in zip(running, (ack, res),
                                                                     strict=True)]  # fmt: skip
    overdue = breached[0] | breached[1]
    at_risk = ~overdue & (risky[0] | risky[1])
    return pd.DataFrame(
        {
            "case": ack.index.to_numpy(),
            "sla_clock": pick("clock").astype(str),
            "sla_state": pick("state").astype(str),
            "remaining_h": pick("remaining_h").astype(np.float64),
            "target_h": pick("target_h").astype(np.float64),
            "deadline": pick("deadline"),
            "overdue": overdue,
            "at_risk": at_risk,
        }
    )
