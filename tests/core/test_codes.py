"""Remembered segment codes (servgap.core._codes): always pandas' factorize, never stale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import servgap.core._codes as codes_mod
from servgap.core._codes import sorted_codes


@pytest.fixture(autouse=True)
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes_mod, "MIN_ROWS", 10)
    codes_mod.clear()


def _same_as_pandas(s: pd.Series) -> None:
    want_codes, want_uniques = pd.factorize(s, sort=True)
    got_codes, got_uniques = sorted_codes(s)
    np.testing.assert_array_equal(got_codes, want_codes)
    assert list(got_uniques) == list(want_uniques)


def test_remembered_codes_follow_every_change_of_the_column() -> None:
    rng = np.random.default_rng(1)
    s = pd.Series(rng.choice(["north", "east", "south", None], 500).astype(object))
    _same_as_pandas(s)
    first = sorted_codes(s)[0]
    assert sorted_codes(s)[0] is first  # remembered: the same codes, not hashed again
    s.iloc[7] = "west"  # a change in place (the same array): recomputed
    _same_as_pandas(s)
    s.iloc[8] = "nor" + "th"  # an equal value, another object: still right
    _same_as_pandas(s)
    _same_as_pandas(s.copy(deep=True))
    _same_as_pandas(s.iloc[::-1].reset_index(drop=True))
    with pytest.raises(ValueError):
        sorted_codes(s)[0][0] = 3  # shared between calls: read-only


def test_mutable_values_are_never_remembered() -> None:
    class Box:
        def __init__(self, v: str) -> None:
            self.v = v

        def __hash__(self) -> int:
            return 0

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Box) and other.v == self.v

        def __lt__(self, other: Box) -> bool:
            return self.v < other.v

    boxes = [Box("a"), Box("b")]
    s = pd.Series([boxes[i % 2] for i in range(40)], dtype=object)
    sorted_codes(s)
    assert not codes_mod._memo
    boxes[0].v = "c"  # the same objects, another value
    _same_as_pandas(s)


def test_numbers_and_categories_are_factorized_as_pandas_does() -> None:
    _same_as_pandas(pd.Series([3, 1, 2, 3, 1] * 5))
    _same_as_pandas(pd.Series(pd.Categorical(["b", "a", None, "b"] * 5)))
    _same_as_pandas(pd.Series(["x", 1.5, "y", np.nan] * 5, dtype=object))
