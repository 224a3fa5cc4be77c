"""Shared fixtures: a fresh store on SQLite always, and on PostgreSQL when
SERVGAP_TEST_DATABASE_URL is set (CI sets it); and the Hypothesis profiles.

Hypothesis profiles (registered here, before any test module builds its
``@settings``, so every test inherits the loaded profile):

* ``ci`` -- loaded when the environment variable ``CI`` is ``true`` (or ``1``):
  derandomized (the same examples on every run, so a red CI on an unchanged
  main is a real bug, reproducible by running the same command), no example
  database, no deadline or too-slow health check (they depend on the machine's
  speed), and a failure prints its reproduction blob (``@reproduce_failure``).
  These are the settings of Hypothesis's own ``ci`` profile, pinned here so
  that they do not change with the Hypothesis version, and so that ``CI=false``
  (which Hypothesis alone would count as CI) is not CI.
* ``fuzz`` -- ``HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``): a random search with
  2,000 examples a test (tests that pin ``max_examples`` keep their own count).
* otherwise Hypothesis's defaults (random, 100 examples, local example database).

``HYPOTHESIS_PROFILE`` names any registered profile and wins over ``CI``. No
test may turn ``derandomize`` off or set an example ``database`` itself
(``tests/test_hypothesis_profiles.py`` checks).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from servgap.services.context import Store
from servgap.settings import Settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("fuzz", max_examples=2000, derandomize=False, deadline=None)


def hypothesis_profile(environ: dict[str, str] | os._Environ[str]) -> str:
    """The profile to load: ``HYPOTHESIS_PROFILE``, else ``ci`` when ``CI=true``, else default."""
    named = environ.get("HYPOTHESIS_PROFILE", "").strip()
    if named:
        return named
    return "ci" if environ.get("CI", "").strip().lower() in ("true", "1") else "default"


settings.load_profile(hypothesis_profile(os.environ))

PG_URL = os.environ.get("SERVGAP_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def same_fields(a: Any, b: Any, *, rtol: float = 1e-9, atol: float = 1e-9) -> None:
    """Two results (dataclasses) equal field by field: frames and floats to the tolerances
    (NaN equal to NaN), everything else exactly. For comparing an engine with memory."""
    import dataclasses

    import numpy as np
    import pandas as pd

    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=rtol, atol=atol,
                                          obj=f.name)  # fmt: skip
        elif isinstance(x, float):
            assert np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=True), (f.name, x, y)
        else:
            assert x == y, (f.name, x, y)


def make_store(backend: str, tmp_path: Path) -> Store:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        assert PG_URL is not None
        _reset_postgres(PG_URL)
        url = PG_URL
    return Store.open(Settings(database_url=url, home=tmp_path / "home"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = make_store(request.param, tmp_path)
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = make_store("sqlite", tmp_path)
    yield s
    s.dispose()
