"""The `servgap` command group, shared options, error handling and output.

Errors: a :class:`~servgap.core.errors.ServgapError` prints its message in the
user's language and exits 1; click usage errors exit 2; anything unexpected
prints one line (no traceback unless ``SERVGAP_DEBUG=1``) and exits 1.
"""

from __future__ import annotations

import json
import math
import os
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pandas as pd

from servgap.core._result import to_plain
from servgap.core.errors import ServgapError, UsageError
from servgap.i18n import Lang, default_lang, t


@dataclass
class Ctx:
    """What every command shares: language, the workspace asked for, the store (opened lazily).

    ``workspace`` is resolved on first use by :func:`servgap.services.workspaces.
    resolve_workspace` (the one asked for, else the store's only one). The language
    is ``--lang``, then ``SERVGAP_LANG``, then the workspace's ``lang`` setting (once a
    command uses the workspace), then the system locale.
    """

    lang: Lang = "en"
    requested_workspace: str | None = None
    database_url: str | None = None
    force: bool = False
    lang_explicit: bool = False
    _store: Any = field(default=None, repr=False)
    _workspace: str | None = field(default=None, repr=False)

    def workspace_or_none(self) -> str | None:
        """The workspace when one is asked for or the store has exactly one, else None."""
        if self.requested_workspace is None and self._workspace is None:
            from servgap.services.workspaces import only_workspace

            return only_workspace(self.store())
        return self.workspace

    @property
    def workspace(self) -> str:
        if self._workspace is None:
            from servgap.services.workspaces import resolve_workspace, workspace_lang

            self._workspace = resolve_workspace(self.store(), self.requested_workspace)
            if not self.lang_explicit:
                self.lang = workspace_lang(self.store(), self._workspace, self.lang)
        return self._workspace

    def store(self) -> Any:
        if self._store is None:
            from servgap.services.context import Store
            from servgap.settings import Settings

            settings = Settings()
            if self.database_url:
                settings = settings.model_copy(update={"database_url": self.database_url})
            self._store = Store.open(settings)
        return self._store

    def protected_files(self) -> tuple[Path, ...]:
        """The store's database file(s), which no output may overwrite (no store is opened)."""
        from servgap.services.context import protected_files
        from servgap.settings import Settings

        return protected_files(self.database_url or Settings().resolved_database_url())

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None


class ServgapGroup(click.Group):
    """A click group that turns servgap errors into clean messages."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["servgap_argv"] = list(args)  # to find the command that ran (its options)
        return super().parse_args(ctx, args)

    def _options_of_invoked(self, ctx: click.Context) -> set[str]:
        """The option strings (``--workspace``, ``--period`` …) of ``servgap`` and of each
        (sub)command the arguments named."""
        cmd: click.Command = self
        opts = {o for p in cmd.params for o in p.opts}
        for token in ctx.meta.get("servgap_argv", []):
            if not isinstance(cmd, click.Group):
                break
            sub = cmd.get_command(ctx, token)
            if sub is not None:
                cmd = sub
                opts.update(o for p in cmd.params for o in p.opts)
        return opts

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ServgapError as exc:
            lang = _lang_of(ctx)
            opts = self._options_of_invoked(ctx)

            def field_name(field: str) -> str:
                """A field the command has as an option is shown as that option; another
                (a data column named in the error, say) keeps its own name."""
                flag = option_name(field)
                return flag if flag in opts else field

            text = exc.message(lang, field_name=field_name)
            click.echo(f"{t('error_prefix', lang)}: {text}", err=True)
            ctx.exit(2 if isinstance(exc, UsageError) or exc.code == "usage" else 1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted / 已中断", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # the reader went away (`servgap ... | head`): stop quietly, as `yes | head` does
            # point stdout at /dev/null so the interpreter's final flush cannot fail again
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass
            ctx.exit(141)  # 128 + SIGPIPE: what the shell reports for `yes | head`
        except Exception as exc:
            if os.environ.get("SERVGAP_DEBUG"):
                raise
            lang = _lang_of(ctx)
            msg = f"{type(exc).__name__}: {exc}"
            click.echo(
                f"{t('error_prefix', lang)}: {t('internal_error', lang, error=msg)}", err=True
            )
            ctx.exit(1)


def option_name(field: str) -> str:
    """How the command line spells a service's input field: ``date_format`` -> ``--date-format``."""
    return "--" + field.replace("_", "-")


def say(en: str, zh: str) -> str:
    """The text in the command's language (the one bilingual helper of the CLI)."""
    return zh if get_ctx().lang == "zh" else en


def _lang_of(ctx: click.Context) -> Lang:
    root = ctx.find_root()
    obj = root.obj
    return obj.lang if isinstance(obj, Ctx) else default_lang()


def get_ctx() -> Ctx:
    obj = click.get_current_context().find_root().obj
    if not isinstance(obj, Ctx):
        raise RuntimeError("servgap CLI context missing")
    return obj


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        return f"{value:.3f}" if abs(value) < 1e6 else f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


MAX_CELL_WIDTH = 60


def _clip(text: str, width: int = MAX_CELL_WIDTH) -> str:
    """Cut a cell to ``width`` display columns (CJK characters count 2); JSON is never cut."""
    text = text.replace("\n", " ")
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return ""
    cols = list(columns) if columns is not None else list(rows[0].keys())
    cells = [[_clip(_fmt(r.get(c))) for c in cols] for r in rows]
    widths = [
        max(display_width(c), *(display_width(row[i]) for row in cells)) for i, c in enumerate(cols)
    ]

    def line(values: Sequence[str]) -> str:
        parts = []
        for v, w in zip(values, widths, strict=True):
            pad = w - display_width(v)
            parts.append(v + " " * pad)
        return "  ".join(parts).rstrip()

    out = [line(cols), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    plain = to_plain(frame)
    assert isinstance(plain, list)  # DataFrame -> list of records
    return plain


def emit(
    data: Any,
    *,
    as_json: bool,
    table: pd.DataFrame | Sequence[dict[str, Any]] | None = None,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Print ``data`` as JSON, or ``table`` (default: data) as an aligned text table."""
    if as_json:
        click.echo(json.dumps(to_plain(data), ensure_ascii=False, indent=2))
        return
    if title:
        click.echo(title)
    tab = data if table is None else table
    rows = frame_rows(tab) if isinstance(tab, pd.DataFrame) else list(tab)
    if not rows:
        click.echo(t("none", get_ctx().lang))
        return
    click.echo(format_table(rows, columns))


def _set_force(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        get_ctx().force = True
    return value


force_option = click.option(
    "--force",
    is_flag=True,
    expose_value=False,
    callback=_set_force,
    help="Overwrite the output file if it already exists.",
)


def write_csv(
    table: pd.DataFrame, path: Path | None, *, masks: dict[str, str] | None = None
) -> None:
    """Write an output table through the one file writer (and the one masking step).

    ``masks`` maps columns that hold customer text or profiles to a masking kind
    (``text``, ``name``, ``phone``, ``email``); such files are written with mode 0600.
    """
    if path is None:
        return
    from servgap.core.privacy import mask_frame
    from servgap.services.files import write_table

    c = get_ctx()
    out = mask_frame(table, masks) if masks else table
    write_table(out, path, fmt="csv", personal=bool(masks), force=c.force,
                protected=c.protected_files())  # fmt: skip


def is_tty() -> bool:
    return sys.stderr.isatty()
