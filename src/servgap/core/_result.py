"""Base for frozen result objects: ``to_dict()`` that is JSON-ready.

Results are frozen dataclasses; tables inside them are pandas DataFrames.
``to_dict`` turns numpy scalars, arrays, DataFrames and nested results into
plain Python so ``json.dumps`` works on it (NaN and infinities become
``None``/strings so the JSON stays valid).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd


def to_plain(value: Any) -> Any:
    """Convert numpy / pandas / dataclass values into JSON-ready Python."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, pd.DataFrame):
        return [{str(k): to_plain(v) for k, v in rec.items()} for rec in value.to_dict("records")]
    if isinstance(value, pd.Series):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [to_plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT:
        return None
    return value


class ResultMixin:
    """Mixin for frozen dataclass results."""

    def to_dict(self) -> dict[str, Any]:
        out = to_plain(self)
        assert isinstance(out, dict)  # dataclass -> dict, internal invariant
        return out
