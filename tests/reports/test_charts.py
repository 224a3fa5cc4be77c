"""Demand-vs-capacity chart: PNG written, Chinese labels render with no missing glyph."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager

from servgap.reports.charts import chart_font, demand_capacity_chart, label


def _data() -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    t = pd.Series(pd.date_range("2026-11-11", periods=48, freq="30min", tz="Asia/Shanghai"))
    calls = 40 + 30 * np.sin(np.linspace(0, np.pi, 48))
    req = np.ceil(calls / 6)
    cap = np.full(48, 8.0)
    return t, calls, req, cap


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_png_without_missing_glyphs(tmp_path: Path, lang: str) -> None:
    t, calls, req, cap = _data()
    out = tmp_path / f"chart_{lang}.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = demand_capacity_chart(t, calls, out, lang=lang,  # type: ignore[arg-type]
                                     adjusted=calls * 1.2, capacity_agents=cap,
                                     required_agents=req)  # fmt: skip
    assert path == out and out.exists() and out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    glyph = [
        w for w in caught if "Glyph" in str(w.message) or "missing from font" in str(w.message)
    ]
    assert glyph == []


def test_font_is_noto_sans_sc_and_covers_the_labels() -> None:
    name = chart_font()
    assert name == "Noto Sans SC"
    path = font_manager.findfont(
        font_manager.FontProperties(family=name), fallback_to_default=False
    )
    from fontTools.ttLib import TTFont  # matplotlib depends on fonttools

    cmap = TTFont(path).getBestCmap()
    for key in ("title", "calls", "agents", "adjusted", "capacity", "required", "below"):
        text = label(key, "zh")
        missing = [ch for ch in text if ord(ch) not in cmap]
        assert missing == [], (key, missing)
