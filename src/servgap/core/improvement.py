"""The follow-up check of an improvement action: did the target metric move, and was the
target met?

An action (theme, owner, site, target metric and level, due date) is checked at a fixed
point on respondent-level values of its metric (an MSA of a dimension, an item's perceived
level, NPS as +100/0/−100 per respondent, …) in the period before the action and the
period(s) after it:

* **before vs after at the site** — Welch's t-test (Welch 1947, *Biometrika* 34);
* **the site against the rest** — the difference in differences (after − before at the
  site, minus after − before at the other sites), which removes a change every site shared
  (a season, a company-wide campaign); its standard error is the square root of the sum of
  the four groups' variance/n (independent samples), tested against the normal
  distribution (Angrist & Pischke 2009, *Mostly Harmless Econometrics*, ch. 5; the
  large-sample test is what an analyst would compute by hand for group means);
* **target met** — the after-period mean at the site reaches the target level (in the
  metric's direction), and the one-sided test says it is not below it by chance alone is not
  required: the manager set a level, and the check reports the level and its confidence
  interval so that "met, but only just" is visible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from servgap.core._result import ResultMixin
from servgap.core._stats import welch_p


@dataclass(frozen=True)
class ActionEffect(ResultMixin):
    """The follow-up check of one action (see the module docstring)."""

    n_before: int
    n_after: int
    before: float
    after: float
    change: float
    change_p: float
    n_rest_before: int
    n_rest_after: int
    rest_change: float
    did: float  # difference in differences: the site's change beyond the rest's
    did_se: float
    did_p: float
    after_ci_low: float
    after_ci_high: float
    target: float | None
    target_met: bool | None
    confidence: float


def _clean(a: np.ndarray) -> np.ndarray:
    arr: np.ndarray = np.asarray(a, dtype=float)
    out: np.ndarray = arr[np.isfinite(arr)]
    return out


def _mean_var(a: np.ndarray) -> tuple[float, float, int]:
    n = int(a.size)
    if n == 0:
        return float("nan"), float("nan"), 0
    return float(a.mean()), float(a.var(ddof=1)) if n > 1 else float("nan"), n


def action_effect(
    before: np.ndarray,
    after: np.ndarray,
    rest_before: np.ndarray | None = None,
    rest_after: np.ndarray | None = None,
    *,
    target: float | None = None,
    higher_is_better: bool = True,
    confidence: float = 0.95,
) -> ActionEffect:
    """The check of an action from respondent-level metric values (see the module docstring)."""
    b, a = _clean(before), _clean(after)
    mb, vb, nb = _mean_var(b)
    ma, va, na = _mean_var(a)
    change = ma - mb
    change_p = welch_p(a, b)
    rb = _clean(rest_before) if rest_before is not None else np.empty(0)
    ra = _clean(rest_after) if rest_after is not None else np.empty(0)
    mrb, vrb, nrb = _mean_var(rb)
    mra, vra, nra = _mean_var(ra)
    rest_change = mra - mrb
    did = change - rest_change
    parts = [v / n for v, n in ((va, na), (vb, nb), (vra, nra), (vrb, nrb)) if n > 1]
    did_se = float(np.sqrt(sum(parts))) if len(parts) == 4 else float("nan")
    did_p = (
        float(2 * stats.norm.sf(abs(did) / did_se))
        if did_se and np.isfinite(did_se)
        else float("nan")
    )
    lo = hi = float("nan")
    if na > 1:
        half = float(stats.t.ppf(0.5 + confidence / 2, na - 1)) * np.sqrt(va / na)
        lo, hi = ma - half, ma + half
    met: bool | None = None
    if target is not None and na > 0:
        met = bool(ma >= target) if higher_is_better else bool(ma <= target)
    return ActionEffect(
        n_before=nb, n_after=na, before=mb, after=ma, change=change, change_p=change_p,
        n_rest_before=nrb, n_rest_after=nra, rest_change=rest_change, did=did, did_se=did_se,
        did_p=did_p, after_ci_low=lo, after_ci_high=hi, target=target, target_met=met,
        confidence=confidence,
    )  # fmt: skip
