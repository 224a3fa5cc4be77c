"""`servgap text classify|sentiment -`: `-` reads the text from standard input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from servgap.cli import main


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"

    def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(
            main, ["--lang", "en", "--database-url", url, "text", *args], input=stdin
        )

    return invoke


@pytest.mark.parametrize("command", ["classify", "sentiment"])
def test_dash_reads_the_text_from_stdin(run, command: str) -> None:  # type: ignore[no-untyped-def]
    text = "快递员态度恶劣，包裹还摔坏了\n"
    res = run(command, "-", "--json", stdin=text)
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["text"] for r in rows] == [text.strip()]
    assert rows[0]["polarity"] == "negative"
    if command == "classify":
        assert rows[0]["category"] == "attitude"


def test_dash_among_other_texts(run) -> None:  # type: ignore[no-untyped-def]
    res = run("sentiment", "很满意", "-", "--json", stdin="太慢了😡")
    assert res.exit_code == 0, res.output
    assert [r["text"] for r in json.loads(res.output)] == ["很满意", "太慢了😡"]


def test_empty_stdin_is_a_clean_error(run) -> None:  # type: ignore[no-untyped-def]
    res = run("classify", "-", stdin="")
    assert res.exit_code == 1, res.output
    assert "empty" in res.output and "Traceback" not in res.output


def test_issue_15_example_shows_anger_and_intention_to_leave(run) -> None:  # type: ignore[no-untyped-def]
    """`servgap text sentiment "气死我了，再这样我就换别家了！"` said *neutral, 0.000*."""
    res = run("sentiment", "气死我了，再这样我就换别家了！", "--json")
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)[0]
    assert row["polarity"] == "negative" and row["score"] < -0.5
    assert {"anger", "leave"} <= set(row["emotions"])
    assert row["p_anger"] >= 0.45 and row["p_leave"] >= 0.6
    table = run("sentiment", "气死我了，再这样我就换别家了！")
    assert table.exit_code == 0, table.output
    assert "negative" in table.output and "anger" in table.output and "leave" in table.output
    assert "别家" in table.output  # the words that carried the intention to leave


def test_classify_answers_new_below_the_confidence_threshold(run) -> None:  # type: ignore[no-untyped-def]
    text = "快递员态度恶劣，包裹还摔坏了"
    forced = json.loads(run("classify", text, "--min-confidence", "0", "--json").output)[0]
    assert forced["outcome"] == forced["category"]
    strict = json.loads(run("classify", text, "--min-confidence", "1", "--json").output)[0]
    assert strict["outcome"] == "new" and strict["category"] == forced["category"]
    bad = run("classify", text, "--min-confidence", "2")
    assert bad.exit_code != 0 and "Traceback" not in bad.output
