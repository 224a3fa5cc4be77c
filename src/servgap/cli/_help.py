"""Chinese ``--help`` for the command line.

The English help texts stay where click expects them (command docstrings, option
``help=``). The Chinese ones live in ``servgap/i18n/help.yaml``, one entry per command
path (``"analyze servqual"``; ``"servgap"`` is the root) and per option
(``"analyze servqual --by"``; root options have no path: ``"--lang"``).
:func:`localize` walks the click tree and swaps the texts in place, keeping the English
originals the first time it sees an object, so ``localize(main, "en")`` restores them.
A command or option without an entry keeps its English text.

In Chinese, the help pages also get a :class:`ZhHelpFormatter`: headings ("用法",
"选项", "命令"), click's own strings ("Show this message and exit.", "[default: …]")
in Chinese, and line wrapping by display width (a CJK character takes two columns; click
counts characters and wraps on spaces, which Chinese text does not have).

This is written by hand rather than with click's gettext hooks: those translate click's
strings for the whole process from compiled ``.mo`` files, not servgap's own texts, and
the language here is chosen per command line (``--lang``), not per locale.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

import click
import yaml
from click.formatting import iter_rows, measure_table, wrap_text

from servgap.cli._app import display_width
from servgap.i18n import Lang, default_lang

ROOT_KEY = "servgap"


# ---------------------------------------------------------------- catalog


@cache
def help_catalog() -> dict[str, str]:
    """The Chinese help texts of ``servgap/i18n/help.yaml``: key -> zh text."""
    text = resources.files("servgap.i18n").joinpath("help.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    data = yaml.load(text, Loader=loader)  # a safe loader either way
    if not isinstance(data, dict):
        raise RuntimeError("servgap/i18n/help.yaml is not a mapping")
    out: dict[str, str] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("zh"), str):
            raise RuntimeError(f"servgap/i18n/help.yaml: entry {key!r} has no `zh` text")
        out[str(key)] = entry["zh"]
    return out


def command_key(path: Sequence[str]) -> str:
    """Catalog key of the command at ``path`` (``()`` is the root)."""
    return " ".join(path) if path else ROOT_KEY


def option_key(path: Sequence[str], option: click.Option) -> str:
    """Catalog key of ``option`` of the command at ``path``: its first long name."""
    names = [o for o in option.opts if o.startswith("--")] or list(option.opts)
    return " ".join([*path, names[0]])


def walk(group: click.Command) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command of the tree with its path, the root first (path ``()``)."""
    stack: list[tuple[tuple[str, ...], click.Command]] = [((), group)]
    while stack:
        path, cmd = stack.pop()
        yield path, cmd
        if isinstance(cmd, click.Group):
            stack.extend(((*path, name), sub) for name, sub in list(cmd.commands.items())[::-1])


def _visible_options(cmd: click.Command) -> Iterator[click.Option]:
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            yield param


def help_keys(group: click.Command) -> list[str]:
    """Every catalog key the tree needs: each command and each visible option."""
    keys: list[str] = []
    for path, cmd in walk(group):
        if cmd.hidden:
            continue
        keys.append(command_key(path))
        keys.extend(option_key(path, opt) for opt in _visible_options(cmd))
    return keys


def short_help(text: str) -> str:
    """First paragraph of a help text on one line (click's short help in command lists)."""
    first = text.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in first.splitlines() if line.strip())


# ---------------------------------------------------------------- localize


@dataclass(frozen=True)
class _CommandText:
    help: str | None
    short_help: str | None
    context_class: type[click.Context]


_COMMANDS: weakref.WeakKeyDictionary[click.Command, _CommandText] = weakref.WeakKeyDictionary()
_OPTIONS: weakref.WeakKeyDictionary[click.Option, str | None] = weakref.WeakKeyDictionary()


def localize(main: click.Group, lang: str) -> None:
    """Put the help texts of ``main``'s whole tree into ``lang`` (in place).

    ``"zh"`` takes the texts of ``help.yaml`` (English where an entry is missing) and
    the Chinese help formatter; any other language restores the English originals,
    which are remembered the first time an object is seen. Idempotent.
    """
    zh = lang == "zh"
    if not zh and not _COMMANDS:
        return  # never localized: everything is still English
    catalog = help_catalog() if zh else {}
    for path, cmd in walk(main):
        orig = _COMMANDS.get(cmd)
        if orig is None:
            orig = _CommandText(cmd.help, cmd.short_help, cmd.context_class)
            _COMMANDS[cmd] = orig
        text = catalog.get(command_key(path))
        if text is not None:
            cmd.help = text
            cmd.short_help = short_help(text)
        else:
            cmd.help = orig.help
            cmd.short_help = orig.short_help
        cmd.context_class = _zh_context(orig.context_class) if zh else orig.context_class
        for opt in _visible_options(cmd):
            if opt not in _OPTIONS:
                _OPTIONS[opt] = opt.help
            opt_text = catalog.get(option_key(path, opt))
            opt.help = opt_text if opt_text is not None else _OPTIONS[opt]


def requested_lang(args: Sequence[str]) -> Lang:
    """The language a command line asks for: ``--lang X`` / ``--lang=X``, else the default.

    Scans the raw arguments before click parses them (so ``--help`` anywhere after
    ``--lang zh`` is already Chinese); the default is :func:`servgap.i18n.default_lang`
    (``SERVGAP_LANG``, then the locale).
    """
    value: str | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
    if value == "zh":
        return "zh"
    if value == "en":
        return "en"
    return default_lang()


# ---------------------------------------------------------------- formatter

_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_CLICK_TEXTS = {
    "Show this message and exit.": "显示本帮助信息并退出。",
    "Show the version and exit.": "显示版本号并退出。",
}
_EXTRA = re.compile(r"\[([^\[\]]*)\]$")
_EXTRA_WORDS = (("default: ", "默认："), ("env var: ", "环境变量："), ("required", "必填"))
# A CJK character (or full-width punctuation) is its own token, ASCII words stay whole,
# a short "[...]" (click's "[默认：x]") stays whole, and opening brackets stick to what
# follows them.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef"
_OPENING = "（「『“‘《(\\["
_TOKEN = re.compile(rf"\s+|\[[^\[\]]{{1,30}}\]|[{_OPENING}]*(?:[^\s{_CJK}]+|.)")
_NO_LINE_START = set("，。、；：！？）」』”’》…,.;:!?)]")


def _zh_extra(text: str) -> str:
    """Translate click's own texts in an option's help (``[default: x]`` ...)."""
    text = _CLICK_TEXTS.get(text, text)
    match = _EXTRA.search(text)
    if match is None:
        return text
    inner = match.group(1)
    for en, zh in _EXTRA_WORDS:
        inner = inner.replace(en, zh)
    return f"{text[: match.start()]}[{inner}]"


def term_len(text: str) -> int:
    """Length of ``text`` without ANSI styles (as click measures its first column)."""
    return len(click.unstyle(text))


def _has_cjk(text: str) -> bool:
    return re.search(f"[{_CJK}]", text) is not None


def wrap_display(text: str, width: int) -> list[str]:
    """Wrap one paragraph to ``width`` display columns (CJK characters count 2).

    Breaks between CJK characters and at spaces, never inside an ASCII word (unless the
    word alone is wider than a line), and keeps closing punctuation off a line's start.
    """
    lines: list[str] = []
    line = ""
    used = 0
    for token in _TOKEN.findall(" ".join(text.split())):
        w = display_width(token)
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        if used + w > width and line.strip() and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + w
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _wrap_block(text: str, width: int) -> list[str]:
    """Wrap text with paragraphs (blank lines) by display width; ``\\b`` blocks verbatim."""
    if not _has_cjk(text):
        return wrap_text(text, width, preserve_paragraphs=True).splitlines()
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        if out:
            out.append("")
        if para.lstrip().startswith("\b"):
            out.extend(line for line in para.splitlines() if line.strip() != "\b")
        else:
            out.extend(wrap_display(para, width))
    return out


class ZhHelpFormatter(click.HelpFormatter):
    """Click's help formatter with Chinese headings and display-width line wrapping."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        for line in _wrap_block(text, width):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = [(first, _zh_extra(second)) for first, second in rows]
        widths = measure_table(rows)
        if len(widths) != 2:
            raise TypeError("Expected two columns for definition list")
        first_col = min(widths[0], col_max) + col_spacing
        for first, second in iter_rows(rows, len(widths)):
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if term_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - term_len(first)))
            else:
                self.write("\n")
                self.write(" " * (first_col + self.current_indent))
            lines = _wrap_block(second, max(self.width - first_col - 2, 10))
            if not lines:
                self.write("\n")
                continue
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


_ZH_CONTEXTS: dict[type[click.Context], type[click.Context]] = {}


def _zh_context(base: type[click.Context]) -> type[click.Context]:
    """``base`` with :class:`ZhHelpFormatter` as its help formatter (one class per base)."""
    if base not in _ZH_CONTEXTS:
        _ZH_CONTEXTS[base] = cast(
            "type[click.Context]",
            type(f"Zh{base.__name__}", (base,), {"formatter_class": ZhHelpFormatter}),
        )
    return _ZH_CONTEXTS[base]
