"""A queue's handling time, patience and staffing model, from its history or as given.

The staffing model is an explicit choice (``model``: one of
:data:`servgap.core.staffing.STAFFING_MODELS`); left out, it is Erlang A when
a mean patience is known (given, or estimated from the history) and Erlang C
when patience is ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, UsageError
from servgap.core.intervals import pool_history
from servgap.core.queue_estimates import estimate_aht, estimate_patience
from servgap.core.staffing import default_staffing_model, staffing_model
from servgap.services.capacity.history import DemandHistory

#: What ``patience`` may be: ``auto`` (estimate), a number of seconds, or None / ``none``.
Patience = str | float | None


@dataclass(frozen=True)
class QueueParameters(ResultMixin):
    """AHT, patience and the staffing model of a queue (pooled over its history).

    ``aht_source`` is ``estimated`` (pooled over ``handled`` contacts,
    :func:`~servgap.core.intervals.pool_history`) or ``given``. ``patience_s`` is
    None when the model has no abandonment (Erlang C); ``patience_source`` is
    ``estimated`` (exponential MLE total_wait_s / abandoned,
    :func:`~servgap.core.queue_estimates.estimate_patience`), ``given`` or ``none``;
    ``patience_se_s`` its standard error when estimated. ``model`` is the
    staffing model used.
    """

    aht_s: float
    handled: float
    patience_s: float | None
    patience_se_s: float | None
    patience_source: str
    abandoned: float
    interval_s: float
    aht_source: str = "estimated"
    model: str = "erlang_a"

    def sl_definition(self, requested: str) -> str:
        """The service-level definition in force: ``requested``, or ``erlang_c`` when
        nobody abandons (every definition then coincides)."""
        return requested if staffing_model(self.model).needs_patience else "erlang_c"


def _given_patience(patience: str | float) -> float:
    try:
        p = float(patience)
    except (TypeError, ValueError):
        raise InputError(
            f"`patience` `{patience}` must be auto, none or a number of seconds > 0.",
            f"`patience` `{patience}` 必须是 auto、none 或大于 0 的秒数。",
            fields=("patience",),
        ) from None
    if not (p > 0):
        raise InputError(
            f"`patience` {p:g} must be > 0 seconds (or auto / none).",
            f"`patience` {p:g} 必须大于 0 秒（或 auto / none）。",
            fields=("patience",),
        )
    return p


def queue_parameters(
    hist: DemandHistory,
    *,
    patience: Patience = "auto",
    aht_s: float | None = None,
    model: str | None = None,
) -> QueueParameters:
    """Pooled AHT (Σ handled·aht / Σ handled) and patience (Σ wait / Σ abandoned) of a queue.

    ``aht_s`` given: used as is. ``model`` None: Erlang A unless ``patience`` is
    None / ``none``; a model without abandonment ignores ``patience``; one with
    abandonment needs it.
    """
    f = hist.frame
    pooled = pool_history(f["handled"], f["aht_s"], f["abandoned"], f["total_wait_s"])
    if aht_s is None:
        if not (pooled.handled > 0 and pooled.handle_s > 0):
            raise InsufficientDataError(
                f"The history of {hist.site}/{hist.queue} has no handled contacts with an aht_s, "
                "so AHT cannot be estimated. Give `aht_s` in seconds.",
                f"{hist.site}/{hist.queue} 的历史数据中没有带 aht_s 的已处理量，无法估计平均处理时长。"
                "请用 `aht_s` 给出秒数。",
                fields=("aht_s",),
            )
        aht = float(estimate_aht(pooled.handled, pooled.handle_s).aht_s)
        aht_source = "estimated"
    else:
        aht, aht_source = float(aht_s), "given"
    no_patience = patience is None or patience == "none"
    if model is None:
        model = default_staffing_model(patience_known=not no_patience)
    if not staffing_model(model).needs_patience:
        return QueueParameters(
            aht, pooled.handled, None, None, "none", pooled.abandoned, hist.interval_s,
            aht_source, model,
        )  # fmt: skip
    if no_patience:
        raise UsageError(
            f"The `model` {model} has abandonment and needs a mean patience: give `patience` "
            "(auto or seconds), or choose the `model` erlang_c.",
            f"`model` {model} 考虑放弃，需要平均耐心时间：请给出 `patience`（auto 或秒数），"
            "或选择 `model` erlang_c。",
            fields=("model", "patience"),
        )
    if patience == "auto":
        if pooled.intervals_with_wait == 0:
            raise InsufficientDataError(
                f"The history of {hist.site}/{hist.queue} has no total_wait_s, so patience cannot "
                "be estimated. Give `patience` in seconds, or choose the `model` erlang_c "
                "(nobody abandons).",
                f"{hist.site}/{hist.queue} 的历史数据没有 total_wait_s，无法估计耐心时间。"
                "请用 `patience` 给出秒数，或选择 `model` erlang_c（不考虑放弃）。",
                fields=("patience", "model"),
            )
        pe = estimate_patience(pooled.total_wait_s, pooled.abandoned)
        return QueueParameters(
            aht, pooled.handled, float(pe.patience_s), float(pe.se_s), "estimated",
            pooled.abandoned, hist.interval_s, aht_source, model,
        )  # fmt: skip
    p = _given_patience("none" if patience is None else patience)
    return QueueParameters(
        aht, pooled.handled, p, None, "given", pooled.abandoned, hist.interval_s, aht_source, model
    )
