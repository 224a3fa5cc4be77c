"""What a forecast returns: the result tables and notes in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from servgap.core._result import ResultMixin


@dataclass(frozen=True)
class Note(ResultMixin):
    """A remark on a result, in English and Chinese; a face shows ``text(lang)``."""

    en: str
    zh: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True)
class ForecastResult(ResultMixin):
    """Result of :func:`forecast`.

    Attributes
    ----------
    forecast : DataFrame
        One row per series and future interval: ``series``, ``interval_start`` (UTC),
        ``model`` (the series' best model), ``forecast`` (statistical point forecast),
        ``lo-80``, ``hi-80``, ... (one pair per level; NaN exactly when
        ``intervals_available`` is False, i.e. the model has no intervals), ``adjusted``
        (after expert adjustments, floored at 0) and ``intervals_available``.
    all_forecasts : DataFrame
        The same columns (without ``adjusted``) for every model fitted to each series.
    backtest : DataFrame
        ``series``, ``model``, ``mae``, ``rmse``, ``smape``, ``mase``, ``mase_scale``
        (mean over windows of the in-sample seasonal naive MAE), ``mase_defined``,
        ``n_windows``, ``n_points``.
    best_model : DataFrame
        ``series``, ``model``, ``metric`` (the one actually used), ``value``.
    models_dropped : DataFrame
        ``series``, ``model``, ``reason`` and ``reason_zh``: models not fitted to a
        series (history too short, non-finite output).
    adjustments : DataFrame
        One row per :class:`Adjustment`: ``label``, ``author``, ``reason``, ``series``,
        ``start``, ``end``, ``factor``, ``add``, ``intervals_touched`` and ``status``
        (``applied``, ``outside_horizon`` or ``unknown_series``).
    notes : tuple of Note
        Everything else the user must know (filled intervals, intermittent models
        added, negative forecasts floored, MASE undefined...), in English and Chinese.
    """

    forecast: pd.DataFrame
    all_forecasts: pd.DataFrame
    backtest: pd.DataFrame
    best_model: pd.DataFrame
    models_dropped: pd.DataFrame
    adjustments: pd.DataFrame
    notes: tuple[Note, ...]
    horizon: int
    freq: str
    season_length: int
    season_lengths: tuple[int, ...]
    level: tuple[int, ...]
    metric: str
    backtest_windows: int
    backtest_step: int

    def to_frame(self) -> pd.DataFrame:
        """The forecast table (best model per series, with ``adjusted``)."""
        return self.forecast.copy()
