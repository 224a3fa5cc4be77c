"""`servgap promise`: the promise register — import it, import reported delivery, list it, and
check promised vs delivered vs perceived vs customers' adequate level."""

from __future__ import annotations

from pathlib import Path

import click

from servgap.cli._app import emit, force_option, get_ctx, json_option, write_csv
from servgap.i18n import t


def register(main: click.Group) -> None:
    main.add_command(promise)


@click.group()
def promise() -> None:
    """The promise register: what the company promises, and whether it is kept."""


@promise.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--encoding", default=None, help="Text encoding of a CSV (default: detected).")
@click.option("--sheet", default=None, help="Excel sheet name (default: the first sheet).")
@click.option("--mapping", type=click.Path(path_type=Path), default=None,
              help="Column mapping YAML (for files with other headers).")  # fmt: skip
@json_option
def promise_import(file: Path, encoding: str | None, sheet: str | None, mapping: Path | None,
                   as_json: bool) -> None:  # fmt: skip
    """Import or update promises (promise, text_zh, site, channel, source, measure, promised, …)."""
    from servgap.services.promises import import_promises

    c = get_ctx()
    rep = import_promises(c.store(), file, workspace=c.workspace, encoding=encoding, sheet=sheet,
                          mapping_file=mapping)  # fmt: skip
    if as_json:
        emit(rep, as_json=True)
    else:
        click.echo(t("promises_imported", c.lang, created=rep.created, updated=rep.updated))


@promise.command("delivery")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--encoding", default=None, help="Text encoding of a CSV (default: detected).")
@click.option("--sheet", default=None, help="Excel sheet name (default: the first sheet).")
@json_option
def promise_delivery(file: Path, encoding: str | None, sheet: str | None, as_json: bool) -> None:
    """Import delivered levels of `reported` promises (promise, period, value[, n, kept])."""
    from servgap.services.promises import import_promise_measures

    c = get_ctx()
    rep = import_promise_measures(c.store(), file, workspace=c.workspace, encoding=encoding,
                                  sheet=sheet)  # fmt: skip
    if as_json:
        emit(rep, as_json=True)
    else:
        click.echo(t("promise_delivery_imported", c.lang, created=rep.created,
                     updated=rep.updated))  # fmt: skip


@promise.command("list")
@json_option
def promise_list(as_json: bool) -> None:
    """List the promises of the register."""
    from servgap.services.promises import list_promises

    c = get_ctx()
    frame = list_promises(c.store(), workspace=c.workspace)
    text = "text_zh" if c.lang == "zh" else "text_en"
    emit(frame, as_json=as_json,
         columns=["promise", text, "site", "source", "measure", "promised", "unit", "attribute"])  # fmt: skip


@promise.command("check")
@click.option(
    "--survey", default=None, help="Survey whose items show perception (default: the only one)."
)
@click.option(
    "--period", default=None, help="Period, e.g. 2026Q4 (default: the latest with responses)."
)
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), default=None,
              help="Also write the table to this CSV file.")  # fmt: skip
@force_option
@json_option
def promise_check(survey: str | None, period: str | None, csv_path: Path | None,
                  as_json: bool) -> None:  # fmt: skip
    """Promised vs delivered vs perceived vs customers' adequate level, with each promise's status."""
    from servgap.core.promises import STATUS_WORDS
    from servgap.core.requirements import word
    from servgap.services.promises import check_promises

    c = get_ctx()
    res = check_promises(c.store(), workspace=c.workspace, survey=survey, period=period)
    write_csv(res.table, csv_path)
    if as_json:
        emit(res, as_json=True)
        return
    shown = res.table.copy()
    if not shown.empty:
        shown["status"] = [word(STATUS_WORDS, s, c.lang) for s in shown["status"]]
    emit(shown, as_json=False,
         columns=["promise", "site", "promised", "delivered", "share_kept", "perceived",
                  "adequate", "status"])  # fmt: skip
