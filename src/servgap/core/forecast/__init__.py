"""Interval-demand forecasting through statsforecast, with backtests and expert adjustments.

All statistical models are statsforecast's (Nixtla, Apache-2.0): servgap does not
re-implement any of them. It adds what a capacity planner needs around them:

* input validation with row-level messages (negative or missing volumes, duplicate
  or missing intervals, naive timestamps, series too short for a model);
* rolling-origin backtests (statsforecast's ``cross_validation``) scored by MAE,
  RMSE, sMAPE and MASE per series and model, and the best model per series;
* prediction intervals where the model has them, and an explicit flag where it
  has not;
* qualitative expert adjustments (:class:`Adjustment`) recorded with author and
  reason and applied on top of the statistical forecast.

The accuracy measures are computed by hand with numpy (a few lines each) rather
than with ``utilsforecast.losses`` so that the per-window MASE scale, the 0/0
convention of sMAPE and the flag for an undefined MASE are under our control;
the tests check them against ``utilsforecast.losses`` (a differential test) and
against a hand-worked example.

One module per step: :mod:`.inputs` (settings and history checked),
:mod:`.models` (the statsforecast models by name), :mod:`.pipeline` (candidate
choice, per-series backtest, non-finite results dropped, best-model selection),
:mod:`.adjustments` (expert adjustments), :mod:`.accuracy` (the measures),
:mod:`.days` (holidays, make-up working days and closed hours of a forecast) and
:mod:`.result` (the result and its bilingual notes).
"""

from __future__ import annotations

from servgap.core.forecast.accuracy import Accuracy, Metric, forecast_accuracy
from servgap.core.forecast.adjustments import Adjustment
from servgap.core.forecast.days import DAY_TYPES, HolidayIndicator, closed_slots, holiday_indicator
from servgap.core.forecast.models import (
    DEFAULT_MODELS,
    INTERMITTENT_MODELS,
    MODEL_NAMES,
    TSB_ALPHA_D,
    TSB_ALPHA_P,
)
from servgap.core.forecast.pipeline import forecast
from servgap.core.forecast.result import ForecastResult, Note

__all__ = [
    "DAY_TYPES",
    "DEFAULT_MODELS",
    "INTERMITTENT_MODELS",
    "MODEL_NAMES",
    "TSB_ALPHA_D",
    "TSB_ALPHA_P",
    "Accuracy",
    "Adjustment",
    "ForecastResult",
    "HolidayIndicator",
    "Metric",
    "Note",
    "closed_slots",
    "forecast",
    "forecast_accuracy",
    "holiday_indicator",
]
