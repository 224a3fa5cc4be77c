"""Fuzzing the command line (issue 8): a generated sequence of servgap commands, with valid
and absurd arguments, never prints "Internal error" or a traceback, and exits 0, 1 or 2
(141 for a closed pipe is not reachable in the runner).

The commands run against one small workspace (a survey with answers, a site, an open
case, a demand file) so that most calls reach the services rather than stopping at
"workspace does not exist". `make fuzz` runs a large budget; shrunk failures become
ordinary regression tests in the test module of the command they concern.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servgap.cli import main

SURVEY_YAML = """
code: mini
title: {zh: 小调查, en: Mini}
scale: {min: 1, max: 5}
questions:
  - {code: rel1, type: servqual3, dimension: reliability, text: {zh: 准时, en: On time}}
  - {code: res1, type: servqual3, dimension: responsiveness, text: {zh: 迅速, en: Prompt}}
  - {code: f1, type: kano, text: {zh: 快递柜, en: Locker}}
  - {code: nps, type: nps, text: {zh: 推荐, en: Recommend}}
  - {code: seg, type: profile, options: [a, b], text: {zh: 分组, en: Segment}}
  - {code: comment, type: text, text: {zh: 意见, en: Comment}}
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("cli_fuzz")
    mp = pytest.MonkeyPatch()
    mp.setenv("SERVGAP_HOME", str(base / "home"))
    mp.delenv("SERVGAP_DATABASE_URL", raising=False)
    mp.delenv("SERVGAP_WORKSPACE", raising=False)
    r = CliRunner()
    (base / "s.yaml").write_text(SURVEY_YAML, encoding="utf-8")
    rng = np.random.default_rng(0)
    n = 60
    ade = rng.integers(1, 4, n)
    pd.DataFrame(
        {
            "response_id": range(n),
            "submitted_at": pd.date_range("2026-01-05", periods=n, freq="3D").strftime("%Y-%m-%d"),
            "rel1_adequate": ade, "rel1_desired": ade + 1, "rel1_perceived": rng.integers(1, 6, n),
            "res1_adequate": ade, "res1_desired": ade + 2, "res1_perceived": rng.integers(1, 6, n),
            "f1_functional": rng.integers(1, 6, n), "f1_dysfunctional": rng.integers(1, 6, n),
            "nps": rng.integers(0, 11, n), "seg": rng.choice(["a", "b"], n),
            "comment": rng.choice(["太慢了", "很好 13812345678", ""], n),
        }
    ).to_csv(base / "answers.csv", index=False)  # fmt: skip
    starts = pd.date_range("2026-11-02", periods=48 * 14, freq="30min", tz="Asia/Shanghai")
    calls = rng.poisson(20, len(starts))
    pd.DataFrame(
        {
            "interval_start": [t.isoformat() for t in starts], "arrivals": calls,
            "handled": calls, "abandoned": 0, "aht_s": 240, "total_wait_s": calls * 5,
        }
    ).to_csv(base / "demand.csv", index=False)  # fmt: skip
    for args in (
        ["workspace", "create", "acme"],
        ["-w", "acme", "survey", "load", str(base / "s.yaml")],
        ["-w", "acme", "import", str(base / "answers.csv"), "--survey", "mini"],
        ["-w", "acme", "case", "open", "--summary", "包裹破损", "--category", "damage_loss"],
    ):
        res = r.invoke(main, ["--lang", "en", *args])
        assert res.exit_code == 0, res.output
    yield base
    mp.undo()


WORDS = st.sampled_from(
    ["", "x", "0", "-1", "1e308", "nan", "inf", "3.5", "9999-12-31", "2026-11-11", "01/02/2026",
     "2026Q3", "a", "rel1", "reliability", "msa:reliability", "gap:empathy", "nps", "seg",
     "site", "period", "C-1", "1", "坏", "😡😡😡", "=1+1", "../x", "/dev/null", "-"]
)  # fmt: skip
NUMBERS = st.one_of(
    st.sampled_from(["0", "-5", "1e308", "nan", "inf", "0.8", "20", "240", "1e-300", "abc"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def command(draw: st.DrawFn, base: Path) -> list[str]:
    out = str(base / "out" / draw(st.sampled_from(["a.csv", "b.xlsx", "c.parquet", "d.txt", ""])))
    w = draw(WORDS)
    n = draw(NUMBERS)
    choices = [
        ["survey", "list"],
        ["survey", "show", w],
        ["analyze", "servqual", "--by", w],
        ["analyze", "tolerance", "--survey", draw(st.sampled_from(["mini", w]))],
        ["analyze", "kano", "--by", draw(st.sampled_from(["seg", w]))],
        ["analyze", "nps", "--by", draw(st.sampled_from(["seg", "site", w]))],
        ["analyze", "anova", "--value", w, "--group", draw(WORDS)],
        ["analyze", "trend", "--value", draw(st.sampled_from(["nps", "msa:reliability", w]))],
        ["analyze", "drivers", "--target", draw(st.sampled_from(["nps", w]))],
        ["export", draw(st.sampled_from(["responses", "sites", "complaints", "customers"])),
         "--survey", "mini", "--out", out, *draw(st.sampled_from([[], ["--force"]]))],
        ["capacity", "staff", "--file", str(base / "demand.csv"), "--aht", n],
        ["capacity", "staff", "--file", str(base / "demand.csv"), "--target-sl", n,
         "--target-wait", draw(NUMBERS)],
        ["capacity", "staff", "--file", str(base / "demand.csv"), "--shrinkage", n,
         "--max-occupancy", draw(NUMBERS)],
        ["case", "list"],
        ["case", "note", draw(st.sampled_from(["C-1", w])), draw(WORDS)],
        ["case", "move", draw(st.sampled_from(["C-1", w])),
         draw(st.sampled_from(["acknowledged", "investigating", "resolved", "closed", w]))],
        ["case", "open", "--summary", draw(WORDS), "--at", draw(WORDS)],
        ["text", "classify", draw(WORDS)],
        ["text", "sentiment", draw(WORDS)],
        ["workspace", "create", draw(WORDS)],
    ]  # fmt: skip
    return draw(st.sampled_from(choices))


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                     HealthCheck.too_slow])  # fmt: skip


@FUZZ
@given(data=st.data())
def test_no_command_sequence_prints_an_internal_error(home: Path, data: st.DataObject) -> None:
    runner = CliRunner()
    for _ in range(data.draw(st.integers(1, 4))):
        args = data.draw(command(home))
        lang = data.draw(st.sampled_from(["en", "zh"]))
        res = runner.invoke(main, ["--lang", lang, "-w", "acme", *args])
        shown = f"servgap {' '.join(args)}\n{res.output}"
        assert "Internal error" not in res.output and "内部错误" not in res.output, shown
        assert "Traceback" not in res.output, shown
        assert res.exit_code in (0, 1, 2), shown
