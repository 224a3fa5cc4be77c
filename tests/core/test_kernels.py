"""Compiled loops (servgap.core.kernels) and threaded row chunks (servgap.core._parallel).

The compiled loops run on large inputs only, so every test here lowers the threshold to
use them on small random data and compares with the numpy passes they replace — the
masked SERVQUAL pass and ``value_histogram`` — to 1e-12 (exactly for whole numbers).
The threaded chunks must give the same numbers bit for bit on one thread or two.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.core.test_suffstats import _servqual_frame

import servgap.core._parallel as par
import servgap.core.servqual as sq_mod
import servgap.core.servqual_stats as sqs
import servgap.core.suffstats as ss
from servgap.core.anova import _anova, anova
from servgap.core.servqual import _dimension_scores_masked, finish_servqual, respondent_scores
from servgap.core.servqual_stats import _parse_items, _servqual_pass, item_columns, servqual_stats
from servgap.core.suffstats import grid_histogram, value_histogram

RT = AT = 1e-12


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Compiled loops from the first row (numba must be installed: it is a dependency).

    The same setting for every generated example, so sharing it across them is right."""
    pytest.importorskip("numba")
    monkeypatch.setattr(par, "KERNEL_MIN_ROWS", 0)
    monkeypatch.delenv("SERVGAP_KERNELS", raising=False)
    assert par.kernels_enabled(1)
    yield


def _frame(seed: int, n: int) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """The SERVQUAL frame of test_suffstats (three-column items higher and lower better,
    a two-column item in a mixed dimension, an item on its own unit, fractional, missing
    and inverted answers, three segments) plus a dimension of two-column items only."""
    data, items = _servqual_frame(seed, n)
    rng = np.random.default_rng(seed + 1)
    for name in ("e1", "e2"):
        e = rng.integers(1, 8, n).astype(np.float64)
        p = rng.integers(1, 10, n).astype(np.float64)
        p[rng.random(n) < 0.1] = np.nan
        data[f"{name}_e"], data[f"{name}_p"] = e, p
        items[name] = {"dimension": "ease", "perceived": f"{name}_p", "expected": f"{name}_e"}
    return data, items


def _same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=RT, atol=AT, obj=where)
    else:
        np.testing.assert_allclose(a, b, rtol=RT, atol=AT, err_msg=where)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 2**31), st.integers(1, 300), st.sampled_from([None, "seg"]))
def test_compiled_servqual_equals_masked_pass(
    compiled: None, seed: int, n: int, by: str | None
) -> None:
    data, items = _frame(seed, n)
    spec = _parse_items(items)
    cols = item_columns(data, spec)
    fast = servqual_stats(data, items, by=by)  # the compiled loops (threshold 0)
    slow = _servqual_pass(data, spec, cols, None, by, fast=False)
    for kind in ("item_stats", "dim_stats", "overall_stats"):
        for key, arr in getattr(slow, kind).items():
            _same(getattr(fast, kind)[key], arr, f"{kind}[{key}]")
    a, b = finish_servqual(fast), finish_servqual(slow)
    for table in ("items", "dimensions", "overall", "separate_items"):
        _same(getattr(a, table), getattr(b, table), table)
    assert a.warnings == b.warnings


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 2**31), st.integers(1, 300))
def test_compiled_respondent_scores_equal_masked(compiled: None, seed: int, n: int) -> None:
    data, items = _frame(seed, n)
    spec = _parse_items(items)
    cols = item_columns(data, spec)
    scores = respondent_scores(data, items)
    for dim in ("speed", "care", "trust", "ease"):
        members = [it for it in spec if it.dimension == dim and it.rating]
        _same(scores[dim].to_numpy(), _dimension_scores_masked(members, cols, n), dim)


def test_compiled_pass_with_infinite_answers_takes_the_masked_path(compiled: None) -> None:
    data, items = _frame(3, 60)
    data.loc[2, ["q0_p", "q0_a", "q0_d"]] = [np.inf, 1.0, 2.0]
    data.loc[5, "q1_a"] = -np.inf
    spec = _parse_items(items)
    cols = item_columns(data, spec)
    slow = _servqual_pass(data, spec, cols, None, None, fast=False)
    got = servqual_stats(data, items)
    for k, arr in slow.item_stats.items():
        np.testing.assert_array_equal(got.item_stats[k], arr, err_msg=k)
    members = [it for it in spec if it.dimension == "speed" and it.rating]
    np.testing.assert_array_equal(
        respondent_scores(data, items)["speed"], _dimension_scores_masked(members, cols, 60)
    )


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7, 10])
def test_compiled_grid_histogram_equals_value_histogram(compiled: None, k: int) -> None:
    rng = np.random.default_rng(k)
    answers = rng.integers(1, 6, (5000, k)).astype(np.float64)
    answers[rng.random((5000, k)) < 0.1] = np.nan
    with np.errstate(invalid="ignore"):
        x = np.nansum(answers, axis=1) / (~np.isnan(answers)).sum(axis=1)
    codes = rng.integers(-1, 4, x.size)  # -1: an empty group cell
    for c in (codes, None):
        labels = ["a", "b", "c", "d"] if c is not None else ["all"]
        got = grid_histogram(x, c, labels)
        assert got is not None
        hist, left_out = got
        keep = ~np.isnan(x) & (c >= 0 if c is not None else True)
        want = value_histogram(x[keep], None if c is None else c[keep], labels)
        assert want is not None
        assert left_out == int((~keep).sum())
        np.testing.assert_array_equal(hist.values, want.values)
        np.testing.assert_array_equal(hist.counts, want.counts)


def test_compiled_grid_histogram_refuses_values_off_the_grid(compiled: None) -> None:
    base = np.array([1.0, 2.0, 1 / 3, 0.5] * 5000)
    off = base.copy()
    off[-1] = np.nextafter(0.5, 1.0)  # not in the sample that picks the grid: the loop's check
    assert (off.size - 1) % (off.size // 2048) != 0
    assert grid_histogram(off, None, ["all"]) is None
    assert grid_histogram(base, None, ["all"]) is not None


def test_compiled_anova_equals_sorted_rows(compiled: None) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    x = np.round(rng.integers(2, 11, n) / 2, 1)
    site = rng.choice(np.array(["b", "a", "c"], dtype=object), n)
    data = pd.DataFrame({"score": x, "site": site})
    slow = _anova(data, "score", "site", alpha=0.05, posthoc="auto", use_histogram=False)
    fast = anova(data, "score", "site")
    for field in ("f", "p", "welch_f", "kruskal_h", "levene_w", "brown_forsythe_w"):
        np.testing.assert_allclose(getattr(fast, field), getattr(slow, field), rtol=1e-10)


@pytest.mark.parametrize("use_kernels", [False, True])
def test_threads_give_the_same_numbers_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch, use_kernels: bool
) -> None:
    """Many small chunks on one thread and on two: identical results (chunk order merge)."""
    if use_kernels:
        pytest.importorskip("numba")
        monkeypatch.setattr(par, "KERNEL_MIN_ROWS", 0)
    else:
        monkeypatch.setenv("SERVGAP_KERNELS", "0")
    monkeypatch.setattr(sqs, "_CHUNK", 37)
    monkeypatch.setattr(sq_mod, "_CHUNK", 37)
    monkeypatch.setattr(ss, "_GRID_CHUNK", 37)
    data, items = _frame(11, 2000)
    runs = []
    for threads in ("1", "2"):
        monkeypatch.setenv("SERVGAP_THREADS", threads)
        st_ = servqual_stats(data, items, by="seg")
        sc = respondent_scores(data, items)
        hist = grid_histogram(sc["speed"].to_numpy(), None, ["all"])
        runs.append((st_, sc, hist))
    (a, sa, ha), (b, sb, hb) = runs
    for kind in ("item_stats", "dim_stats", "overall_stats"):
        for key, arr in getattr(a, kind).items():
            np.testing.assert_array_equal(getattr(b, kind)[key], arr, err_msg=key)
    pd.testing.assert_frame_equal(sa, sb, check_exact=True)
    assert ha is not None and hb is not None
    np.testing.assert_array_equal(ha[0].counts, hb[0].counts)


def test_thread_count_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVGAP_THREADS", "3")
    assert par.thread_count() == 3
    monkeypatch.setenv("SERVGAP_THREADS", "zero")  # a typo runs serially, never fails
    assert par.thread_count() == 1
    monkeypatch.delenv("SERVGAP_THREADS")
    assert 1 <= par.thread_count() <= 8
    monkeypatch.setenv("SERVGAP_KERNELS", "0")
    monkeypatch.setattr(par, "KERNEL_MIN_ROWS", 0)
    assert not par.kernels_enabled(10**9)


def test_nested_maps_run_serially_on_a_pool_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVGAP_THREADS", "2")

    def outer(lo: int, hi: int) -> list[int]:
        return par.map_chunks(lambda a, b: b - a, hi - lo, 3)

    assert par.map_chunks(outer, 20, 10) == [[3, 3, 3, 1], [3, 3, 3, 1]]


def test_a_forked_child_gets_its_own_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child forked after the pool started must not wait on its parent's threads."""
    import os

    monkeypatch.setenv("SERVGAP_THREADS", "2")
    assert par.map_chunks(lambda a, b: b - a, 10, 4) == [4, 4, 2]  # the parent's pool runs
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.write(w, repr(par.map_chunks(lambda a, b: b - a, 10, 4)).encode())
        finally:
            os._exit(0)
    os.close(w)
    import signal
    import time

    deadline = time.monotonic() + 30
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:  # the child hangs: stop it and fail
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("a forked child waited on its parent's pool threads")
    assert os.read(r, 100).decode() == "[4, 4, 2]" and done[1] == 0
