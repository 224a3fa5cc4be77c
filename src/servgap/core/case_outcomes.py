"""Recovery outcomes of complaint cases: satisfaction before the failure and after recovery.

The recovery paradox (McCollough & Bharadwaj 1992) compares a customer's
satisfaction before a service failure with the satisfaction after its
recovery (:func:`servgap.core.recovery.recovery_paradox`). servgap records both
on the case, on one scale, :data:`SATISFACTION_SCALE` (1–7, the scale of the
recovery survey and of ``sat_after`` in :mod:`servgap.core.tolerance`):

* **before**: given, or the customer's last answer, before the case opened, to
  a survey's overall-satisfaction question (:func:`satisfaction_question`),
  put on the 1–7 scale by :func:`on_satisfaction_scale`;
* **after**: given (asked once the case is resolved).

A case's customer *complained again* when another case of the same customer
opened within 90 days after the case was resolved
(:func:`complained_again`), the outcome the tolerance model is calibrated on
when churn is not known.

Notes
-----
A rating s on a scale [lo, hi] is mapped to the 1–7 scale linearly, end point
to end point (the "percent of maximum possible" transformation of Cohen,
Cohen, Aiken & West 1999, rescaled to 1–7):

    s' = 1 + 6 · (s − lo) / (hi − lo),

so a CSAT 4 on 1–5 is 5.5 and 1–7 answers are unchanged.

References
----------
McCollough, M. A. & Bharadwaj, S. G. (1992). The recovery paradox. In *AMA
Educators' Proceedings* 3, 119.
Cohen, P., Cohen, J., Aiken, L. S. & West, S. G. (1999). The problem of units
and the circumstance for POMP. *Multivariate Behavioral Research* 34(3), 315–346.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core.errors import InputError
from servgap.core.survey import Question, SurveyDefinition

FloatArray = npt.NDArray[np.float64]

#: The scale of recorded satisfaction before and after a recovery.
SATISFACTION_SCALE: tuple[float, float] = (1.0, 7.0)

#: Codes of a rating question that asks for overall satisfaction (after any ``csat`` question).
SATISFACTION_CODES: tuple[str, ...] = ("overall", "satisfaction", "sat")

#: Days after a case is resolved in which another case of its customer is a repeat complaint.
REPEAT_WINDOW_DAYS = 90


def satisfaction_question(definition: SurveyDefinition) -> Question | None:
    """The survey's overall-satisfaction question, or None.

    The first question of type ``csat``; else the first numeric one-column
    rating question (``likert``) coded ``overall``, ``satisfaction`` or ``sat``.
    """
    for q in definition.questions:
        if q.type == "csat":
            return q
    for code in SATISFACTION_CODES:
        for q in definition.questions:
            if q.code == code and q.type == "likert":
                return q
    return None


@overload
def on_satisfaction_scale(value: float, scale: tuple[float, float]) -> float: ...
@overload
def on_satisfaction_scale(value: npt.ArrayLike, scale: tuple[float, float]) -> FloatArray: ...
def on_satisfaction_scale(value: Any, scale: tuple[float, float]) -> Any:
    """A rating on ``scale`` = (lo, hi) mapped linearly onto 1–7 (module Notes).

    Scalars give a float, arrays an array. A value outside ``scale`` or a scale
    with hi ≤ lo raises :class:`InputError`.
    """
    lo, hi = float(scale[0]), float(scale[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise InputError(
            f"The rating scale {scale!r} is not a range lo < hi.",
            f"评分量表 {scale!r} 不是 lo < hi 的区间。",
        )
    v = np.asarray(value, dtype=np.float64)
    if np.any(~np.isfinite(v) | (v < lo) | (v > hi)):
        raise InputError(
            f"A rating is outside its scale {lo:g}–{hi:g}.",
            f"有评分超出其量表 {lo:g}–{hi:g}。",
        )
    a, b = SATISFACTION_SCALE
    out = a + (b - a) * (v - lo) / (hi - lo)
    return float(out) if out.ndim == 0 else np.asarray(out, dtype=np.float64)


def check_satisfaction(value: float | None, *, field: str) -> float | None:
    """``value`` as a float if it lies on the 1–7 scale (None stays None), else InputError."""
    if value is None:
        return None
    lo, hi = SATISFACTION_SCALE
    try:
        f = float(value)
    except (TypeError, ValueError):
        f = math.nan
    if not (math.isfinite(f) and lo <= f <= hi):
        raise InputError(
            f"`{field}` {value!r} is outside the satisfaction scale {lo:g}–{hi:g}; give a "
            f"number from {lo:g} (very dissatisfied) to {hi:g} (very satisfied).",
            f"`{field}` {value!r} 超出满意度量表 {lo:g}–{hi:g}；请填写 {lo:g}（非常不满意）到 "
            f"{hi:g}（非常满意）之间的数。",
            fields=(field,),
        )
    return f


def complained_again(
    customers: Sequence[Any],
    opened_at: Sequence[datetime | None],
    resolved_at: Sequence[datetime | None],
    *,
    as_of: datetime,
    days: int = REPEAT_WINDOW_DAYS,
) -> FloatArray:
    """For each case: 1 if its customer opened another case within ``days`` after it was resolved.

    Parameters
    ----------
    customers, opened_at, resolved_at : one entry per case (customer code or
        None; aware times, resolved None while open).
    as_of : the time the outcome is read; a case resolved less than ``days``
        before ``as_of`` and not yet followed by another case is unknown.

    Returns
    -------
    Array of 1.0 (another case opened in (resolved, resolved + days]), 0.0 (none,
    and the window has passed) or NaN (no customer, not resolved, or the
    window still open).
    """
    n = len(customers)
    if not (len(opened_at) == len(resolved_at) == n):
        raise InputError(
            "customers, opened_at and resolved_at must have one entry per case.",
            "customers、opened_at 与 resolved_at 须每个工单一项。",
        )
    window = timedelta(days=days)
    opened = pd.to_datetime(pd.Series(list(opened_at), dtype=object), utc=True)
    resolved = pd.to_datetime(pd.Series(list(resolved_at), dtype=object), utc=True)
    frame = pd.DataFrame({"customer": list(customers), "opened": opened, "resolved": resolved})
    out = np.full(n, np.nan)
    limit = pd.Timestamp(as_of)
    for _, group in frame[frame["customer"].notna()].groupby("customer", sort=False):
        starts = np.sort(group["opened"].dropna().to_numpy(dtype="datetime64[ns]"))
        rows = group.index.to_numpy(dtype=np.int64)
        for i, r in zip(rows, group["resolved"], strict=True):
            if pd.isna(r):
                continue
            lo = np.searchsorted(starts, r.to_datetime64(), side="right")
            hi = np.searchsorted(starts, (r + window).to_datetime64(), side="right")
            if hi > lo:
                out[i] = 1.0
            elif r + window <= limit:
                out[i] = 0.0
    return out
