"""The statsforecast models behind :func:`servgap.core.forecast.forecast`, by servgap name.

All statistical models are statsforecast's (Nixtla, Apache-2.0): servgap does not
re-implement any of them; this module names them, builds them and says how much
history each needs.
"""

from __future__ import annotations

from typing import Any

from statsforecast.models import (
    ADIDA,
    MSTL,
    TSB,
    AutoETS,
    CrostonClassic,
    Holt,
    HoltWinters,
    SeasonalNaive,
    SeasonalWindowAverage,
    SimpleExponentialSmoothingOptimized,
    WindowAverage,
)

from servgap.core.errors import SpecError

MODEL_NAMES: tuple[str, ...] = (
    "seasonal_naive",
    "window_average",
    "moving_average",
    "seasonal_window_average",
    "ses",
    "holt",
    "holt_winters",
    "auto_ets",
    "mstl",
    "croston",
    "adida",
    "tsb",
)
#: Models used when ``models`` is not given.
DEFAULT_MODELS: tuple[str, ...] = ("seasonal_naive", "seasonal_window_average", "auto_ets", "mstl")
#: Models for intermittent (sparse) demand, added automatically to sparse series.
INTERMITTENT_MODELS: tuple[str, ...] = ("croston", "adida", "tsb")
#: Models for which statsforecast computes prediction intervals itself.
WITH_INTERVALS = frozenset({"seasonal_naive", "holt", "holt_winters", "auto_ets", "mstl"})
SEASONAL = frozenset({"seasonal_naive", "seasonal_window_average", "holt_winters", "auto_ets"})
METRICS = ("mae", "rmse", "smape", "mase")
#: Smoothing constants of TSB (Teunter, Syntetos & Babai 2011 recommend small values).
TSB_ALPHA_D = 0.1
TSB_ALPHA_P = 0.1


def build_model(
    name: str, season_length: int, season_lengths: tuple[int, ...], window_size: int
) -> Any:
    m = season_length
    if name == "seasonal_naive":
        return SeasonalNaive(season_length=m, alias=name)
    if name in ("window_average", "moving_average"):
        return WindowAverage(window_size=m, alias=name)
    if name == "seasonal_window_average":
        return SeasonalWindowAverage(season_length=m, window_size=window_size, alias=name)
    if name == "ses":
        return SimpleExponentialSmoothingOptimized(alias=name)
    if name == "holt":
        return Holt(alias=name)
    if name == "holt_winters":
        return HoltWinters(season_length=m, alias=name)
    if name == "auto_ets":
        return AutoETS(season_length=m, alias=name)
    if name == "mstl":
        return MSTL(
            season_length=list(season_lengths),
            trend_forecaster=AutoETS(model="ZZN"),
            alias=name,
        )
    if name == "croston":
        return CrostonClassic(alias=name)
    if name == "adida":
        return ADIDA(alias=name)
    if name == "tsb":
        return TSB(alpha_d=TSB_ALPHA_D, alpha_p=TSB_ALPHA_P, alias=name)
    raise SpecError(  # pragma: no cover - names are validated before
        f"Unknown model {name!r}.", f"未知模型 {name!r}。"
    )


def min_length(
    name: str, season_length: int, season_lengths: tuple[int, ...], window_size: int
) -> tuple[int, str, str]:
    """Shortest training length for a model, and the rule in both languages."""
    m = season_length
    if name == "mstl":
        longest = max(season_lengths)
        return (
            2 * longest,
            f"two seasons of the longest season length {longest}",
            f"最长季节长度 {longest} 的两个季节",
        )
    if name == "seasonal_window_average":
        need = max(2 * m, window_size * m)
        return (
            need,
            f"max(2, window_size={window_size}) seasons of length {m}",
            f"max(2, window_size={window_size}) 个长度为 {m} 的季节",
        )
    if name in SEASONAL and m > 1:
        return 2 * m, f"two seasons of length {m}", f"两个长度为 {m} 的季节"
    return (
        m + 1,
        f"more than one season of length {m} (for the MASE scale)",
        f"多于一个长度为 {m} 的季节（MASE 尺度所需）",
    )
