"""Summaries of a queue's interval history that capacity planning starts from.

``pool_history`` gives the sums behind the pooled AHT and patience estimates
(:func:`servgap.core.queue_estimates.estimate_aht`, :func:`~servgap.core.queue_estimates.estimate_patience`);
``same_slot_values`` looks up the same weekly slot of an earlier week ("staff like last
week", the staff recorded a week before a forecast interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from servgap.core._result import ResultMixin

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PooledHistory(ResultMixin):
    """Totals of a queue's interval history, for pooled AHT and patience estimates.

    ``handled`` and ``handle_s`` (= sum handled x aht_s) over the intervals whose
    ``aht_s`` is known; ``abandoned`` and ``total_wait_s`` over the intervals whose
    ``total_wait_s`` is known. Pass them to
    :func:`~servgap.core.queue_estimates.estimate_aht` and
    :func:`~servgap.core.queue_estimates.estimate_patience`.
    """

    handled: float
    handle_s: float
    abandoned: float
    total_wait_s: float
    intervals_with_aht: int
    intervals_with_wait: int


def pool_history(
    handled: ArrayLike, aht_s: ArrayLike, abandoned: ArrayLike, total_wait_s: ArrayLike
) -> PooledHistory:
    """Pool a queue's intervals: the sums behind the pooled AHT and patience.

    Notes
    -----
    Pooled AHT = sum_j h_j AHT_j / sum_j h_j, the handle time of all handled
    contacts over their number (not the mean of interval AHTs, which would
    weight a quiet interval like a busy one). Pooled patience (exponential
    MLE) = sum_j W_j / sum_j Ab_j (Mandelbaum & Zeltyn 2007). An interval
    enters a sum only when both its numbers are known: a handled count whose
    AHT is missing would otherwise add contacts without their handle time.
    Missing counts (NaN) are 0.
    """
    h = np.nan_to_num(np.asarray(handled, dtype=np.float64).reshape(-1))
    aht = np.asarray(aht_s, dtype=np.float64).reshape(-1)
    ab = np.nan_to_num(np.asarray(abandoned, dtype=np.float64).reshape(-1))
    wait = np.asarray(total_wait_s, dtype=np.float64).reshape(-1)
    with_aht = ~np.isnan(aht)
    with_wait = ~np.isnan(wait)
    return PooledHistory(
        handled=float(h[with_aht].sum()),
        handle_s=float((h[with_aht] * aht[with_aht]).sum()),
        abandoned=float(ab[with_wait].sum()),
        total_wait_s=float(wait[with_wait].sum()),
        intervals_with_aht=int(with_aht.sum()),
        intervals_with_wait=int(with_wait.sum()),
    )


_WEEK_NS = 7 * 86_400 * 10**9


def _utc_ns(values: Any) -> NDArray[np.int64]:
    idx = pd.DatetimeIndex(pd.to_datetime(values, utc=True)).tz_localize(None)
    out: NDArray[np.int64] = idx.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return out


def same_slot_values(
    history_start: Any, history_values: ArrayLike, interval_start: Any, *, weeks_back: int = 0
) -> FloatArray:
    """The history's value at the same weekly slot, ``weeks_back`` weeks earlier.

    For each time t of ``interval_start`` the reference is t - weeks_back x 7
    days; a reference after the history's last interval (a forecast horizon
    beyond the history) moves back by whole weeks until it is inside. The result
    is the history's value there, NaN where the history has no such interval.

    ``weeks_back=1`` gives "last week's arrivals at the same time"; ``0`` gives
    the recorded value of an interval inside the history and the latest week's
    value at the same slot beyond it.
    """
    hist_ns = _utc_ns(history_start)
    values = np.asarray(history_values, dtype=np.float64).reshape(-1)
    out = np.full(len(pd.to_datetime(interval_start, utc=True)), np.nan)
    if hist_ns.size == 0 or out.size == 0:
        return out
    ref = _utc_ns(interval_start) - weeks_back * _WEEK_NS
    over = ref - int(hist_ns.max())
    ref = ref - np.where(over > 0, -(-over // _WEEK_NS), 0) * _WEEK_NS
    pos = pd.Index(hist_ns).get_indexer(ref)
    found = pos >= 0
    out[found] = values[pos[found]]
    return out
