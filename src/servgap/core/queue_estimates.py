"""Queue parameters estimated from interval data: mean patience from waiting time and
abandonments, average handling time from handled contacts. Split from
:mod:`servgap.core.queueing`, which keeps the queueing formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from servgap.core._result import ResultMixin
from servgap.core.errors import InsufficientDataError, ProblemCollector
from servgap.core.queueing import _MAX_PROBLEMS, FloatArray, _frame, _prepare, _Spec


@dataclass(frozen=True)
class PatienceEstimate(ResultMixin):
    """Exponential patience MLE per queue/interval group.

    ``patience_s`` = total waiting time / abandonments; ``abandoned`` and
    ``total_wait_s`` echoed; ``se_s`` = patience / sqrt(abandoned) (asymptotic
    standard error of the exponential MLE under random censoring).
    """

    patience_s: FloatArray
    se_s: FloatArray
    abandoned: FloatArray
    total_wait_s: FloatArray

    def to_frame(self) -> pd.DataFrame:
        return _frame(self)


def estimate_patience(total_wait_s: ArrayLike, abandoned: ArrayLike) -> PatienceEstimate:
    """Mean patience from waiting data, assuming exponential patience.

    Parameters
    ----------
    total_wait_s : array_like
        Sum over all arrivals of the time spent waiting (seconds), including
        those who abandoned (the interval demand table's ``total_wait_s``).
    abandoned : array_like
        Number of abandonments (whole number >= 0, must be > 0).

    Returns
    -------
    PatienceEstimate

    Notes
    -----
    Every caller's patience is observed (abandoned) or censored by the start of
    service (served); for exponential patience the maximum-likelihood estimate
    of the mean is total exposure time / number of events:
    1/theta_hat = sum_i W_i / #abandoned. Under Erlang A this matches
    E[W] = P(Ab) / theta exactly (Mandelbaum & Zeltyn 2007).

    References
    ----------
    Mandelbaum, A. & Zeltyn, S. (2007), see :func:`erlang_a`.
    Brown, L. et al. (2005). Statistical analysis of a telephone call center.
    JASA 100(469): 36-50.
    """
    total, ab = _prepare([(_Spec("total_wait_s"), total_wait_s), (_Spec("abandoned"), abandoned)])
    if np.any(ab == 0):
        idx = np.flatnonzero(ab.reshape(-1) == 0)
        pc = ProblemCollector()
        for i in idx[:_MAX_PROBLEMS]:
            pc.add(
                "no abandonments, so patience cannot be estimated (it is only known to be long); "
                "pool more intervals, or give a value such as 180-600 s from a similar queue",
                "没有放弃呼叫，无法估计耐心时间（只知道它较长）；请合并更多时段，"
                "或参照类似队列给定一个值（如 180–600 秒）",
                row=int(i) + 1 if ab.ndim else None,
                column="abandoned",
                value=0,
            )

        pc.raise_if_any(
            InsufficientDataError,
            f"Patience cannot be estimated for {idx.size} group(s) without abandonments.",
            f"{idx.size} 个分组没有放弃呼叫，无法估计耐心时间。",
        )
    patience = total / ab
    return PatienceEstimate(
        patience_s=patience, se_s=patience / np.sqrt(ab), abandoned=ab, total_wait_s=total
    )


@dataclass(frozen=True)
class AHTEstimate(ResultMixin):
    """Average handling time per group: ``aht_s`` = total_handle_s / handled."""

    aht_s: FloatArray
    handled: FloatArray
    total_handle_s: FloatArray

    def to_frame(self) -> pd.DataFrame:
        return _frame(self)


def estimate_aht(handled: ArrayLike, total_handle_s: ArrayLike) -> AHTEstimate:
    """Average handling time = total handling time / handled contacts (vectorised).

    Raises
    ------
    InsufficientDataError
        For groups with no handled contacts (AHT undefined): pool intervals.
    """
    h, total = _prepare([(_Spec("handled"), handled), (_Spec("total_handle_s"), total_handle_s)])
    if np.any(h == 0):
        idx = np.flatnonzero(h.reshape(-1) == 0)
        pc = ProblemCollector()
        for i in idx[:_MAX_PROBLEMS]:
            pc.add(
                "no handled contacts, so the average handling time is undefined; pool intervals "
                "(e.g. same half-hour over several weeks) or use the queue's overall AHT",
                "没有已处理的联系，平均处理时长无法计算；请合并时段（如多周同一半小时）或使用该队列的总体平均处理时长",
                row=int(i) + 1 if h.ndim else None,
                column="handled",
                value=0,
            )
        pc.raise_if_any(
            InsufficientDataError,
            f"AHT cannot be estimated for {idx.size} group(s) without handled contacts.",
            f"{idx.size} 个分组没有已处理的联系，无法估计平均处理时长。",
        )
    return AHTEstimate(aht_s=total / h, handled=h, total_handle_s=total)
