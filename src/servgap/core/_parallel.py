"""Row chunks of one numpy pass, run side by side on a few threads.

numpy releases the GIL inside its loops, so the chunks of a pass over a large table
(SERVQUAL's sums, respondent scores, the histogram of a score) can run on threads at
the same time. Written by hand because the libraries that parallelise numpy
expressions do not fit: numexpr evaluates one elementwise expression (not bincounts
and reductions by group), dask and joblib add scheduling and copying that cost more
than a 30-millisecond pass. What is here is one lazily created
:class:`concurrent.futures.ThreadPoolExecutor` and an ordered map.

Determinism: :func:`map_chunks` returns the results in chunk order, and the chunks do
not depend on the number of threads, so a caller that adds the per-chunk results in
that order gets the same floating-point result bit for bit whether it runs on one
thread or many (the same sums a serial chunked pass adds, in the same order).

``SERVGAP_THREADS`` caps the threads (``1`` runs every pass serially); the default is
the number of CPUs this process may use, at most 8. A chunk running on a pool thread
that maps again runs its inner map serially (no nested waiting on the same pool).

:func:`kernels_enabled` says whether a pass uses the compiled loops of
:mod:`servgap.core.kernels` (large inputs, numba installed, ``SERVGAP_KERNELS`` not 0).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_MAX_DEFAULT = 8
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_pid = 0
_local = threading.local()


def thread_count() -> int:
    """Threads a pass may use: ``SERVGAP_THREADS`` when set (≥ 1), else the usable CPUs (≤ 8)."""
    raw = os.environ.get("SERVGAP_THREADS", "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            return 1  # a typo must not make analyses fail; serial is always correct
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_DEFAULT))


def fold_processes(n_items: int, n_folds: int, *, worth: int = 2_000) -> int:
    """Processes for the cross-validation folds of a model fit (joblib's ``n_jobs``).

    One per usable CPU (at most one per fold) from ``worth`` training texts, below which
    starting processes costs more than it saves. Each fold is fitted apart, so the
    out-of-fold scores do not depend on it.
    """
    if n_items < worth:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_folds))


def _get_pool(size: int) -> ThreadPoolExecutor:
    """The shared pool of ``size`` threads (a new one in a forked child: the parent's
    threads do not exist there, and waiting on them would never end)."""
    global _pool, _pool_size, _pool_pid
    with _lock:
        forked = _pool_pid != os.getpid()
        if _pool is None or _pool_size != size or forked:
            old = None if forked else _pool
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="servgap-pass")
            _pool_size, _pool_pid = size, os.getpid()
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def _in_worker(fn: Callable[[int, int], T], bounds: tuple[int, int]) -> T:
    _local.inside = True
    try:
        return fn(*bounds)
    finally:
        _local.inside = False


def chunk_bounds(n_rows: int, chunk: int) -> list[tuple[int, int]]:
    """``[(0, chunk), (chunk, 2·chunk), …]`` covering ``n_rows`` rows."""
    return [(lo, min(lo + chunk, n_rows)) for lo in range(0, n_rows, max(1, chunk))]


def map_chunks(fn: Callable[[int, int], T], n_rows: int, chunk: int) -> list[T]:
    """``[fn(lo, hi) for each chunk]``, in chunk order, on up to :func:`thread_count` threads.

    ``fn`` must only read shared inputs, or write to its own rows ``lo:hi`` of a shared
    output (disjoint slices are safe); whatever it returns is merged by the caller.
    """
    bounds = chunk_bounds(n_rows, chunk)
    workers = min(thread_count(), len(bounds))
    if workers <= 1 or getattr(_local, "inside", False):
        return [fn(lo, hi) for lo, hi in bounds]
    pool = _get_pool(thread_count())
    return list(pool.map(lambda b: _in_worker(fn, b), bounds))


#: Rows from which the compiled loops of :mod:`servgap.core.kernels` are used
#: (below it the numpy pass is quicker than loading or compiling them).
KERNEL_MIN_ROWS = 65_536


def kernels_enabled(n_rows: int) -> bool:
    """Whether a pass over ``n_rows`` rows uses the compiled loops.

    Yes from :data:`KERNEL_MIN_ROWS` rows when numba is installed, unless
    ``SERVGAP_KERNELS=0`` (the numpy pass, same results to rounding).
    """
    if n_rows < KERNEL_MIN_ROWS or os.environ.get("SERVGAP_KERNELS", "1").strip() == "0":
        return False
    return _numba_available()


@functools.cache
def _numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None
