"""The promise register (服务承诺): what the company promises, against what it delivers, what
customers perceive and what they call adequate.

A promise is a stated level of one measure — "delivery within 48 h", "wait under 10
minutes", "refunds in 3 days" — with its site/channel scope and its source (advert, app
page, contract). Each is checked four ways:

* **promised vs delivered** — the operational measure (mean wait from the demand data,
  the share of complaint cases resolved within the promised hours, or a value reported
  from another system). A promise the operation does not keep is *over-promising*:
  explicit service promises raise the desired and the predicted service level
  (Zeithaml, Berry & Parasuraman 1993, "The nature and determinants of customer
  expectations of service", *JAMS* 21(1), pp. 1–12: explicit service promises are a
  determinant of desired and predicted service), so a broken promise widens gap 5 on top
  of the delivery gap (gap 4 of Parasuraman, Zeithaml & Berry 1985, "A conceptual model
  of service quality", *J. of Marketing* 49(4): service delivery vs external
  communications).
* **promised vs adequate** — when the survey measures the same quantity (an item with the
  promise's unit, e.g. minutes of waiting asked in three columns), a promise weaker than
  what customers already accept as adequate is flagged: it tells customers a level they
  would not tolerate.
* **perceived vs adequate** — the item's MSA and share below the zone of tolerance.

Shares kept are tested against the promise's target share (default 90 %) with a one-sided
exact binomial test (scipy.stats.binomtest), so that a handful of late cases in a small
site does not flag the promise: ``over_promised`` needs the share below target at the 5 %
level; a share below target that the test cannot tell from it is ``at_risk``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from servgap.core._result import ResultMixin

MEASURES: tuple[str, ...] = ("wait_minutes", "resolution_hours", "reported")
SOURCES: tuple[str, ...] = ("advert", "app", "website", "contract", "counter", "phone", "other")
DIRECTIONS: tuple[str, ...] = ("lower_better", "higher_better")
STATUSES: tuple[str, ...] = ("over_promised", "at_risk", "below_adequate", "kept", "no_data")
ALPHA = 0.05

STATUS_WORDS: Mapping[str, tuple[str, str]] = {
    "over_promised": ("承诺超出实际交付", "over-promised (not delivered)"),
    "at_risk": ("交付接近失守", "at risk"),
    "below_adequate": ("承诺低于顾客的适当期望", "promise below customers' adequate level"),
    "kept": ("承诺已兑现", "kept"),
    "no_data": ("缺少交付数据", "no delivery data"),
}


@dataclass(frozen=True)
class Delivery:
    """What the operation delivered for one promise in the period.

    ``value``: the delivered level on the promise's unit (mean wait in minutes, 90th
    percentile of resolution hours, a reported value); ``kept``/``n``: events that met the
    promise out of those measured (None when the data are totals only, e.g. waiting time
    summed per interval); ``basis``: what was measured, for the reader.
    """

    value: float | None
    n: int | None = None
    kept: int | None = None
    basis: str = ""


@dataclass(frozen=True)
class Perception:
    """The survey's view of the attribute the promise is about (one item's row)."""

    unit: str | None
    perceived: float
    adequate: float
    desired: float
    msa: float
    share_below: float


@dataclass(frozen=True)
class PromiseCheck(ResultMixin):
    """Every promise with promised, delivered, perceived and adequate levels and its status.

    ``table`` columns: ``promise, site, channel, source, measure, unit, direction,
    promised, delivered, n, share_kept, target_share, p_value, basis, attribute,
    perceived, adequate, desired, msa, share_below, exceeds_delivery, below_adequate,
    status`` (see :data:`STATUSES`; the first that applies in that order).
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _worse(direction: str, value: float, than: float) -> bool:
    """``value`` is worse than ``than`` on a measure with ``direction``."""
    return value > than if direction == "lower_better" else value < than


def check_promise(
    *,
    promised: float,
    direction: str,
    unit: str | None,
    target_share: float,
    delivery: Delivery | None,
    perception: Perception | None,
) -> dict[str, object]:
    """The figures and status of one promise (one row of :class:`PromiseCheck`)."""
    nan = float("nan")
    delivered = delivery.value if delivery is not None and delivery.value is not None else nan
    share = p_value = nan
    exceeds: bool | None = None
    at_risk = False
    if delivery is not None and delivery.n and delivery.kept is not None:
        share = delivery.kept / delivery.n
        # H1: the true share kept is below the target (one-sided exact binomial test)
        p_value = float(stats.binomtest(delivery.kept, delivery.n, target_share,
                                        alternative="less").pvalue)  # fmt: skip
        exceeds = bool(p_value < ALPHA)
        at_risk = not exceeds and share < target_share
    elif np.isfinite(delivered):
        exceeds = _worse(direction, delivered, promised)
    row: dict[str, object] = {
        "promised": promised,
        "delivered": delivered,
        "n": delivery.n if delivery is not None else None,
        "share_kept": share,
        "target_share": target_share,
        "p_value": p_value,
        "basis": delivery.basis if delivery is not None else "",
        "perceived": nan,
        "adequate": nan,
        "desired": nan,
        "msa": nan,
        "share_below": nan,
    }
    below_adequate: bool | None = None
    if perception is not None:
        row.update(
            perceived=perception.perceived,
            adequate=perception.adequate,
            desired=perception.desired,
            msa=perception.msa,
            share_below=perception.share_below,
        )
        if perception.unit is not None and perception.unit == unit:
            below_adequate = bool(_worse(direction, promised, perception.adequate))
    row["exceeds_delivery"] = exceeds
    row["below_adequate"] = below_adequate
    if exceeds:
        status = "over_promised"
    elif at_risk:
        status = "at_risk"
    elif below_adequate:
        status = "below_adequate"
    elif exceeds is None:
        status = "no_data"
    else:
        status = "kept"
    row["status"] = status
    return row


def resolution_delivery(
    hours: np.ndarray, open_hours: np.ndarray, promised_hours: float
) -> Delivery:
    """Delivery of a resolution-time promise from case durations.

    ``hours``: hours from opening to resolution of the resolved cases; ``open_hours``: age
    of the cases still open. A resolved case kept the promise when resolved within
    ``promised_hours``; an open case older than that has broken it already; an open case
    younger than that is not yet decided and left out. ``value``: the 90th percentile of
    the resolved cases' hours (nine in ten resolved within it).
    """
    hours = np.asarray(hours, dtype=float)
    open_hours = np.asarray(open_hours, dtype=float)
    late_open = int((open_hours > promised_hours).sum())
    n = int(hours.size) + late_open
    if n == 0:
        return Delivery(None, 0, 0, "")
    kept = int((hours <= promised_hours).sum())
    value = float(np.quantile(hours, 0.9)) if hours.size else float("inf")
    return Delivery(value, n, kept, f"{hours.size} resolved + {late_open} open past the promise")
