"""Chinese --help: every command and option has a zh text; English stays untouched.

`localize` mutates the global click tree, so every test that switches it to Chinese
switches it back to English (the `zh` fixture), and the English tests restore English
first (the import-time language follows SERVGAP_LANG / the locale).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from servgap.cli import main
from servgap.cli._app import display_width
from servgap.cli._help import (
    ZhHelpFormatter,
    _zh_extra,
    command_key,
    help_catalog,
    help_keys,
    localize,
    requested_lang,
    short_help,
    walk,
    wrap_display,
)

CJK = re.compile(r"[\u4e00-\u9fff]")

Snapshot = list[tuple[object, ...]]


def _snapshot(group: click.Group) -> Snapshot:
    out: Snapshot = []
    for path, cmd in walk(group):
        out.append((path, cmd.help, cmd.short_help, cmd.context_class))
        out.extend((path, p.name, p.help) for p in cmd.params if isinstance(p, click.Option))
    return out


@pytest.fixture
def english() -> Iterator[None]:
    localize(main, "en")
    yield
    localize(main, "en")


@pytest.fixture
def zh() -> Iterator[None]:
    localize(main, "zh")
    yield
    localize(main, "en")


def test_every_command_and_option_has_a_chinese_entry() -> None:
    missing = [key for key in help_keys(main) if key not in help_catalog()]
    assert not missing, f"add these keys to src/servgap/i18n/help.yaml: {missing}"


def test_no_stale_entries() -> None:
    stale = sorted(set(help_catalog()) - set(help_keys(main)))
    assert not stale, f"help.yaml has keys for commands/options that do not exist: {stale}"


def test_entries_are_chinese_and_short_helps_are_one_line() -> None:
    for key, text in help_catalog().items():
        assert CJK.search(text), key
        assert "\n" not in short_help(text), key


def test_root_help_in_chinese(zh: None) -> None:
    res = CliRunner().invoke(main, ["--lang", "zh", "--help"])
    assert res.exit_code == 0, res.output
    for heading in ("用法：", "选项：", "命令：", "显示本帮助信息并退出"):
        assert heading in res.output
    for name in ("analyze", "import", "workspace", "case", "capacity", "text"):
        if name in main.commands:
            zh_short = short_help(help_catalog()[name])
            assert zh_short[:12] in res.output, name
    assert "Show this message" not in res.output


def test_every_command_help_in_chinese(zh: None) -> None:
    runner = CliRunner()
    for path, cmd in walk(main):
        if not path or cmd.hidden:
            continue
        res = runner.invoke(main, ["--lang", "zh", *path, "--help"])
        assert res.exit_code == 0, (path, res.output)
        assert res.output.startswith("用法：")
        assert short_help(help_catalog()[command_key(path)])[:10] in res.output, path


def test_analyze_help_stays_english(english: None) -> None:
    res = CliRunner().invoke(main, ["--lang", "en", "analyze", "--help"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Usage:")
    assert "Options:" in res.output and "Commands:" in res.output
    assert "Analyse expectations and satisfaction" in res.output
    assert not CJK.search(res.output)


def test_switching_back_restores_english_and_is_idempotent(english: None) -> None:
    before = _snapshot(main)
    localize(main, "zh")
    chinese = _snapshot(main)
    assert chinese != before
    localize(main, "zh")
    assert _snapshot(main) == chinese
    localize(main, "en")
    assert _snapshot(main) == before
    localize(main, "en")
    assert _snapshot(main) == before


def test_missing_entries_fall_back_to_english() -> None:
    @click.group()
    def root() -> None:
        """Root in English."""

    @root.command("analyze")
    @click.option("--by", help="Segment column(s).")
    def analyze() -> None:
        """Analyse in English."""

    @root.command("zz-not-translated")
    @click.option("--nope", help="No Chinese for this.")
    def untranslated() -> None:
        """Nothing in the catalog."""

    localize(root, "zh")
    assert root.help == help_catalog()["servgap"]
    assert analyze.help == help_catalog()["analyze"]
    assert analyze.params[0].help == "Segment column(s)."  # no key "analyze --by"
    assert untranslated.help == "Nothing in the catalog."
    assert untranslated.params[0].help == "No Chinese for this."
    assert untranslated.context_class.formatter_class is ZhHelpFormatter
    localize(root, "en")
    assert root.help == "Root in English."
    assert analyze.help == "Analyse in English."
    assert analyze.short_help is None
    assert untranslated.context_class is click.Context


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--lang", "zh", "analyze", "--help"], "en", "zh"),
        (["--lang=zh", "--help"], "en", "zh"),
        (["-w", "acme", "--lang", "en", "case", "list"], "zh", "en"),
        (["analyze", "--help"], "zh", "zh"),
        (["analyze", "--help"], "en", "en"),
        (["--", "--lang", "zh"], "en", "en"),
        (["--lang"], "zh", "zh"),
    ],
)
def test_requested_lang(
    args: list[str], env: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVGAP_LANG", env)
    assert requested_lang(args) == expected


def test_click_texts_in_chinese() -> None:
    assert _zh_extra("Show this message and exit.") == "显示本帮助信息并退出。"
    assert _zh_extra("工作区。  [default: example_express]") == "工作区。  [默认：example_express]"
    assert _zh_extra("[env var: X; required]") == "[环境变量：X; 必填]"
    assert _zh_extra("区间 [-1, 1] 内") == "区间 [-1, 1] 内"


@given(
    st.lists(
        st.sampled_from(["服", "务", "水平", "容忍区", "abc ", "de ", " ", "，"]), max_size=60
    ),
    st.integers(min_value=8, max_value=60),
)
@example(
    tokens=["服", "服", "服", "服", "服", "水平", "，", " ", "，"], width=14
)  # two hanging marks
def test_wrap_display_fits_and_keeps_every_character(tokens: list[str], width: int) -> None:
    text = "".join(tokens)
    lines = wrap_display(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        # a closing mark may hang past the margin rather than start a line
        assert display_width(line.rstrip("， ")) <= width
        assert not line.startswith("，") or line == lines[0]
