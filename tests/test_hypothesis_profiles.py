"""Deterministic CI: under CI=true every Hypothesis test runs derandomized, with no example
database and with its reproduction blob printed (profile `ci`, tests/conftest.py); `make fuzz`
(HYPOTHESIS_PROFILE=fuzz) runs a random search with a large budget; and no test turns
derandomization off or sets an example database itself (a test may pin derandomize=True or
database=None: that keeps it deterministic under every profile)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

TESTS = Path(__file__).resolve().parent


def test_profiles_are_registered() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.print_blob and ci.deadline is None
    fuzz = settings.get_profile("fuzz")
    assert fuzz.max_examples >= 1000 and not fuzz.derandomize


def _expected_profile() -> str:
    named = os.environ.get("HYPOTHESIS_PROFILE", "").strip()
    if named:
        return named
    return "ci" if os.environ.get("CI", "").strip().lower() in ("true", "1") else "default"


def test_loaded_profile_follows_the_environment() -> None:
    want = settings.get_profile(_expected_profile())
    assert settings.default.derandomize == want.derandomize
    assert settings.default.database == want.database
    assert settings.default.max_examples == want.max_examples
    expect = os.environ.get("SERVGAP_TEST_EXPECT_DERANDOMIZE")
    if expect is not None:  # set by the test below
        assert settings.default.derandomize is (expect == "1")


@pytest.mark.parametrize(
    ("env", "derandomize"),
    [
        ({"CI": "true"}, "1"),
        ({"CI": "false"}, "0"),  # Hypothesis alone would load its `ci` profile here
        ({"CI": "true", "HYPOTHESIS_PROFILE": "fuzz"}, "0"),
    ],
)
def test_ci_and_fuzz_environments_load_their_profile(env: dict[str, str], derandomize: str) -> None:
    """Run the test above in a fresh process with the CI / fuzz environment."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    test = f"{Path(__file__).resolve()}::test_loaded_profile_follows_the_environment"
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        env=clean | env | {"SERVGAP_TEST_EXPECT_DERANDOMIZE": derandomize},
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 passed" in res.stdout


def _overrides(path: Path) -> list[str]:
    """Hypothesis ``settings`` in a file that make a run depend on chance under the ``ci``
    profile: ``derandomize`` other than True, ``database`` other than None."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # names bound to Hypothesis's own `settings` (a fixture or a variable may share the name)
    ours = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "hypothesis"
        for alias in node.names
    }
    safe = {"derandomize": True, "database": None}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name):
            name = ours.get(f.id)
        elif isinstance(f, ast.Attribute) and getattr(f.value, "id", None) == "hypothesis":
            name = f.attr
        else:
            continue
        if name != "settings":
            continue
        for k in node.keywords:
            if k.arg in safe and not (
                isinstance(k.value, ast.Constant) and k.value.value is safe[k.arg]
            ):
                found.append(f"{path.name}:{node.lineno}: settings({k.arg}=...)")
    return found


def test_no_test_overrides_derandomization() -> None:
    files = [p for p in TESTS.rglob("*.py") if p.name != "conftest.py"]
    assert len(files) > 10
    assert [hit for p in files for hit in _overrides(p)] == []
