"""Continuous mystery-shopper audits as an early-warning system: an individuals control chart
of a site's visit scores and the runs that warn before a limit is crossed.

A site is usually visited once a period, so each point is one visit: the x-bar chart of
:func:`servgap.core.trend.trend` (which needs several observations per period) does not
apply; the individuals (X–mR) chart estimates the process spread from the moving range of
successive visits instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin

__all__ = ["D2_N2", "IndividualsChart", "decline_runs", "individuals_chart"]

#: d2 for moving ranges of two successive observations (Montgomery 2009, Appendix VI)
D2_N2 = 1.128

#: the warning rules, as named on the pages
RULES: dict[str, tuple[str, str]] = {
    "declines": ("{k} consecutive declines", "连续 {k} 次下降"),
    "below_lcl": ("below the lower control limit (Western Electric rule 1)",
                  "低于控制下限（西电规则 1）"),
}  # fmt: skip


@dataclass(frozen=True)
class IndividualsChart(ResultMixin):
    """Limits of an individuals chart and the points it flags.

    Attributes
    ----------
    centre
        Mean of the observations, x̄.
    mr_bar
        Mean moving range of successive observations, MR̄ (NaN with fewer than 2 points).
    sigma_hat
        MR̄ / d2, the estimate of the process standard deviation.
    lcl, ucl
        x̄ ∓ L·σ̂ (NaN with fewer than 2 points).
    below, above
        Per observation: outside the lower / upper limit.
    """

    centre: float
    mr_bar: float
    sigma_hat: float
    lcl: float
    ucl: float
    below: tuple[bool, ...]
    above: tuple[bool, ...]


def individuals_chart(values: npt.ArrayLike, *, sigma: float = 3.0) -> IndividualsChart:
    """Shewhart individuals chart (X chart of an X–mR pair) of ``values`` in time order.

    Notes
    -----
    MR_i = |x_i − x_{i−1}|, MR̄ = mean(MR_i), σ̂ = MR̄ / d2 with d2 = 1.128 (n = 2), and the
    limits x̄ ± L·σ̂ (L = 3: x̄ ± 2.66·MR̄). Trial (phase I) limits from the points shown.
    NaN values are left out.

    Checked against Montgomery (2009) Example 6.5 (mortgage-loan costs: x̄ = 300.5,
    MR̄ = 7.79, UCL = 321.22, LCL = 279.78).

    References
    ----------
    Montgomery, D. C. (2009). *Introduction to Statistical Quality Control* (6th ed.).
    Wiley. §6.4, "Control charts for individual measurements".
    """
    x = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(x)
    y = x[ok]
    if len(y) == 0:
        nan = float("nan")
        return IndividualsChart(nan, nan, nan, nan, nan, (False,) * len(x), (False,) * len(x))
    centre = float(y.mean())
    if len(y) < 2:
        nan = float("nan")
        return IndividualsChart(centre, nan, nan, nan, nan, (False,) * len(x), (False,) * len(x))
    mr_bar = float(np.abs(np.diff(y)).mean())
    sd = mr_bar / D2_N2
    lcl, ucl = centre - sigma * sd, centre + sigma * sd
    with np.errstate(invalid="ignore"):
        below = tuple(bool(v) for v in (x < lcl))
        above = tuple(bool(v) for v in (x > ucl))
    return IndividualsChart(centre, mr_bar, sd, lcl, ucl, below, above)


def decline_runs(values: npt.ArrayLike, *, k: int = 3) -> npt.NDArray[np.bool_]:
    """Per observation: it ends a run of ``k`` consecutive declines (x_{i−k} > … > x_i).

    An early-warning run rule in the spirit of the trend rules of the Western Electric
    handbook (1956) and Nelson (1984, rule 3: six points in a row steadily decreasing),
    shortened for audits, where a site is seen once a month and six months is too late to
    act. NaN values (visits not scored) are left out of the sequence.

    References
    ----------
    Western Electric Company (1956). *Statistical Quality Control Handbook*.
    Nelson, L. S. (1984). The Shewhart control chart — tests for special causes. *Journal of
    Quality Technology* 16(4), 237–239.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    x = np.asarray(values, dtype=np.float64)
    out = np.zeros(len(x), dtype=bool)
    idx = np.flatnonzero(~np.isnan(x))
    run = 0
    for j in range(1, len(idx)):
        run = run + 1 if x[idx[j]] < x[idx[j - 1]] else 0
        out[idx[j]] = run >= k
    return out


def warning_table(frame: pd.DataFrame, *, k: int = 3, sigma: float = 3.0) -> pd.DataFrame:
    """Chart columns for one site's visits in time order (``score``): ``centre, lcl, ucl,
    below_lcl, declines`` (True where a run of ``k`` declines ends)."""
    chart = individuals_chart(frame["score"].to_numpy(dtype=np.float64), sigma=sigma)
    out: dict[str, Any] = {
        "centre": np.full(len(frame), chart.centre),
        "lcl": np.full(len(frame), chart.lcl),
        "ucl": np.full(len(frame), chart.ucl),
        "below_lcl": np.array(chart.below, dtype=bool),
        "declines": decline_runs(frame["score"].to_numpy(dtype=np.float64), k=k),
    }
    return frame.assign(**out)
