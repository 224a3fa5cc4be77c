"""Expectation setting vs delivery: which gaps to close by delivering more, and which by making
customers' expectations realistic.

Customers' *desired* level is what they hope for; their *adequate* level is what they accept
(Zeithaml, Berry & Parasuraman 1993, JAMS 21(1)). Where perception falls below the adequate
level and some site already delivers that level, the gap is a **delivery** gap: bring the
other sites up. Below adequate with no site reaching adequate is
both: a capability problem to fix while expectations are managed. Where perception is not
below the adequate level but customers' expectations run ahead of the company — a promise of
the register that is not kept, or an adequate level that rose significantly since the
previous wave (expectations inflating) — more effort on delivery chases a moving target; the
lever is **expectation setting**: tell customers the realistic time, explain at the
counter, stop promising what is not delivered (the same article: explicit and implicit
service promises raise desired and predicted service; Ojasalo 2001 on making implicit and
fuzzy expectations explicit). A desired level above the best site's performance alone is
not a reason: the desired level is the ideal and lies above perception almost everywhere.

Whether expectation setting worked is measured at the next wave: the item's adequate level
now vs the previous period with Welch's t-test (Welch 1947, *Biometrika* 34), reported per
item; a lower adequate level on a higher-is-better item (or a higher one on a minutes item)
means customers now accept less.

The capability benchmark is the best site's perceived mean among sites with at least
``min_site_n`` answers (small sites would make the best-site figure a lucky draw).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core._stats import welch_p

KINDS: tuple[str, ...] = ("delivery", "delivery_and_expectation", "expectation")
KIND_WORDS: Mapping[str, tuple[str, str]] = {
    "delivery": ("改进交付", "deliver better"),
    "delivery_and_expectation": ("提升能力并管理期望", "build capability and set expectations"),
    "expectation": ("期望管理（告知现实水平）", "set realistic expectations"),
}
MIN_SITE_N = 30


@dataclass(frozen=True)
class ExpectationPlan(ResultMixin):
    """Per three-column item whose gap calls for an action, the kind of action and its evidence.

    ``table`` columns: ``item, dimension, unit, direction, perceived, adequate, desired, msa,
    msa_ci_high, best_site, best_perceived, kind`` (:data:`KINDS`), ``reason``
    (below_adequate, unkept_promise, rising_adequate), ``promise, promised,
    delivered`` (an unkept promise on the item, else empty), ``adequate_before,
    adequate_change, adequate_p`` (the previous period, Welch's t-test; NaN without one).
    ``shifts``: the adequate-level comparison for every item (not only those with an action).
    """

    table: pd.DataFrame
    shifts: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _better(direction: str, a: float, b: float) -> bool:
    """``a`` is at least as good as ``b``."""
    return a <= b if direction == "lower_better" else a >= b


def adequate_shift(now: pd.DataFrame, before: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Adequate level per item now vs before (columns ``<item>_adequate`` of the two answer
    tables): means, change (now − before) and Welch's two-sided p-value."""
    rows = []
    for item in items:
        col = f"{item}_adequate"
        if col not in now.columns or col not in before.columns:
            continue
        a = pd.to_numeric(now[col], errors="coerce").dropna().to_numpy(dtype=float)
        b = pd.to_numeric(before[col], errors="coerce").dropna().to_numpy(dtype=float)
        p = welch_p(a, b)
        rows.append(
            {
                "item": item,
                "adequate": float(a.mean()) if a.size else float("nan"),
                "adequate_before": float(b.mean()) if b.size else float("nan"),
                "adequate_change": (
                    float(a.mean() - b.mean()) if a.size and b.size else float("nan")
                ),
                "adequate_p": p,
                "n": int(a.size),
                "n_before": int(b.size),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["item", "adequate", "adequate_before", "adequate_change", "adequate_p", "n",
                 "n_before"],
    )  # fmt: skip


def expectation_plan(
    items: pd.DataFrame,
    *,
    by_site: pd.DataFrame | None = None,
    promises: pd.DataFrame | None = None,
    shifts: pd.DataFrame | None = None,
    min_site_n: int = MIN_SITE_N,
    alpha: float = 0.05,
) -> ExpectationPlan:
    """Classify each three-column item's gap (see the module docstring).

    ``items``: the SERVQUAL item table without segments; ``by_site``: the same per
    ``site``; ``promises``: a promise check table (``attribute, promise, promised,
    delivered, status``); ``shifts``: :func:`adequate_shift`'s table.
    """
    three = items[items["format"] == "three_column"]
    unkept: dict[str, dict[Any, Any]] = {}
    if promises is not None and len(promises):
        for r in promises[promises["status"] == "over_promised"].to_dict("records"):
            if r.get("attribute"):
                unkept.setdefault(str(r["attribute"]), r)
    shift_rows = (
        {str(r["item"]): r for r in shifts.to_dict("records")} if shifts is not None else {}
    )
    out: list[dict[str, object]] = []
    for r in three.to_dict("records"):
        r = {str(k): v for k, v in r.items()}
        item = str(r["item"])
        direction = str(r.get("direction") or "higher_better")
        best_site, best = None, float("nan")
        if by_site is not None and len(by_site):
            sel = by_site[(by_site["item"] == item) & (by_site["n"] >= min_site_n)]
            sel = sel.dropna(subset=["perceived_mean"])
            if len(sel):
                perceived = sel["perceived_mean"].to_numpy(dtype=float)
                pos = int(perceived.argmin() if direction == "lower_better" else perceived.argmax())
                best_site, best = str(sel["site"].iloc[pos]), float(perceived[pos])
        adequate, desired = float(r["adequate_mean"]), float(r["desired_mean"])
        below = bool(np.isfinite(r["msa_ci_high"]) and r["msa_ci_high"] < 0)
        has_best = np.isfinite(best)
        promise = unkept.get(item)
        sh = shift_rows.get(item, {})
        change = float(sh.get("adequate_change", np.nan))
        rising = bool(
            float(sh.get("adequate_p", np.nan)) < alpha
            and (change < 0 if direction == "lower_better" else change > 0)
        )
        kind: str | None = None
        if below:
            reachable = has_best and _better(direction, best, adequate)
            kind = "delivery" if reachable else "delivery_and_expectation"
            reason = "below_adequate"
        elif promise is not None:
            kind, reason = "expectation", "unkept_promise"
        elif rising:
            kind, reason = "expectation", "rising_adequate"
        if kind is None:
            continue
        out.append(
            {
                "item": item,
                "dimension": r.get("dimension"),
                "unit": r.get("unit"),
                "direction": direction,
                "perceived": float(r["perceived_mean"]),
                "adequate": adequate,
                "desired": desired,
                "msa": float(r["msa"]),
                "msa_ci_high": float(r["msa_ci_high"]),
                "best_site": best_site,
                "best_perceived": best,
                "kind": kind,
                "reason": reason,
                "promise": promise.get("promise") if promise else None,
                "promised": float(str(promise["promised"])) if promise else float("nan"),
                "delivered": float(str(promise["delivered"])) if promise else float("nan"),
                "adequate_before": float(sh.get("adequate_before", float("nan"))),
                "adequate_change": float(sh.get("adequate_change", float("nan"))),
                "adequate_p": float(sh.get("adequate_p", float("nan"))),
            }
        )
    cols = ["item", "dimension", "unit", "direction", "perceived", "adequate", "desired", "msa",
            "msa_ci_high", "best_site", "best_perceived", "kind", "reason", "promise", "promised",
            "delivered", "adequate_before", "adequate_change", "adequate_p"]  # fmt: skip
    return ExpectationPlan(
        table=pd.DataFrame(out, columns=cols),
        shifts=shifts if shifts is not None else adequate_shift(pd.DataFrame(), pd.DataFrame(), []),
    )
