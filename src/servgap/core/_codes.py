"""Sorted integer codes of a segment column, remembered across calls for text columns.

A notebook user calls ``sg.anova(frame, score, "region")`` for each score: every call
needs the integer code of each row's region. For a categorical column the codes are
stored in it; for a column of Python strings (what ``pd.read_csv`` gives) pandas hashes
every string again on each call (about 45 ms per million rows, most of 15 ANOVAs).
:func:`sorted_codes` remembers the codes of the last few large text columns.

Why by hand: pandas has no such memo, and a memo of a mutable column must know when the
column changed. Here the check is exact and cheap: an object column is an array of
pointers to its values; the memo keeps a copy of that array, which holds every value
alive (so no other object can take one of their addresses), and reuses the codes only
when the column's pointers are the same as the copy's — the same objects at the same
rows. Strings and numbers are immutable, so the same objects mean the same values;
columns holding anything else are never remembered.
"""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

#: Rows from which a text column's codes are remembered.
MIN_ROWS = 65_536
#: Columns remembered (each costs 16 bytes a row: the copy and the codes).
SIZE = 4

_IMMUTABLE = (str, int, float, bool, type(None), np.integer, np.floating)


@dataclass(frozen=True)
class _Entry:
    keep: npt.NDArray[np.object_]  # holds every value alive: their addresses stay theirs
    codes: npt.NDArray[np.intp]
    uniques: pd.Index


_memo: OrderedDict[tuple[int, int], _Entry] = OrderedDict()
_lock = threading.Lock()


def _pointers(arr: npt.NDArray[np.object_]) -> npt.NDArray[np.uintp]:
    """The array's value pointers as integers (a view of its buffer, no copy)."""
    n = arr.shape[0]
    buf = (ctypes.c_char * (n * arr.itemsize)).from_address(arr.ctypes.data)
    return np.frombuffer(buf, dtype=np.uintp, count=n)


def sorted_codes(values: pd.Series) -> tuple[npt.NDArray[np.intp], pd.Index]:
    """``pd.factorize(values, sort=True)`` — codes (−1 for missing) and sorted uniques.

    The same result as pandas; a large column of strings whose rows still hold the same
    objects as at a previous call reuses that call's codes (see the module docstring).
    """
    arr = values.to_numpy()
    memo = (
        arr.dtype == object
        and arr.ndim == 1
        and arr.shape[0] >= MIN_ROWS
        and arr.flags.c_contiguous
    )
    if not memo:
        codes, uniques = pd.factorize(values, sort=True)
        return np.asarray(codes, dtype=np.intp), pd.Index(uniques)
    key = (int(arr.ctypes.data), int(arr.shape[0]))
    with _lock:
        hit = _memo.get(key)
        if hit is not None:
            _memo.move_to_end(key)
    if hit is not None and np.array_equal(_pointers(arr), _pointers(hit.keep)):
        return hit.codes, hit.uniques
    codes, uniques = pd.factorize(values, sort=True)
    out = np.asarray(codes, dtype=np.intp), pd.Index(uniques)
    if all(isinstance(u, _IMMUTABLE) for u in uniques):  # every value is one of these
        entry = _Entry(keep=arr.copy(), codes=out[0], uniques=out[1])
        out[0].setflags(write=False)  # shared between calls: nobody may change them
        with _lock:
            _memo[key] = entry
            _memo.move_to_end(key)
            while len(_memo) > SIZE:
                _memo.popitem(last=False)
    return out


def clear() -> None:
    """Forget every remembered column."""
    with _lock:
        _memo.clear()
