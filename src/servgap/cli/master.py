"""Commands for a company's master and operational data: sites, customers, demand, audits.

Each `import` reads CSV (UTF-8/BOM/GBK) or .xlsx, all or nothing, and lists every bad row;
the column lists are in docs/data-formats.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from servgap.cli._app import emit, get_ctx, is_tty, json_option
from servgap.i18n import t


def register(main: click.Group) -> None:
    main.add_command(site)
    main.add_command(customer)
    main.add_command(demand)
    main.add_command(audit)


def _file_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.argument("file", type=click.Path(path_type=Path)),
        click.option("--encoding", default=None, help="Text encoding of a CSV (default: detected)."),
        click.option("--sheet", default=None, help="Excel sheet name (default: the first sheet)."),
        click.option("--mapping", type=click.Path(path_type=Path), default=None,
                     help="Column mapping YAML (for files with other headers)."),
        json_option,
    ]  # fmt: skip
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _dup(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--on-duplicate",
        type=click.Choice(["error", "skip", "replace"]),
        default=default,
        show_default=True,
        help="What to do with rows already in the store.",
    )


def _progress(file: Path, as_json: bool) -> tuple[Any, Callable[[], None]]:
    state: dict[str, Any] = {"bar": None}

    def progress(done: int, total: int) -> None:
        bar = state["bar"]
        if bar is None:
            make: Any = click.progressbar
            bar = state["bar"] = make(length=total, label=file.name, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)

    return (progress if is_tty() and not as_json else None), close


def _done(report: Any, as_json: bool, key: str, **fields: Any) -> None:
    if as_json:
        emit(report, as_json=True)
        return
    c = get_ctx()
    click.echo(t(key, c.lang, **fields))


# ---------------------------------------------------------------------------------- sites


@click.group()
def site() -> None:
    """Import and list the workspace's regions and sites."""


@site.command("import")
@_file_options
@_dup("replace")
def site_import(file: Path, encoding: str | None, sheet: str | None, mapping: Path | None,
                as_json: bool, on_duplicate: str) -> None:  # fmt: skip
    """Import a site list (region, region_name, site, site_name, kind[, queue, timezone, opened_on])."""
    from servgap.services.sites import import_sites

    c = get_ctx()
    progress, close = _progress(file, as_json)
    try:
        rep = import_sites(c.store(), file, workspace=c.workspace, encoding=encoding, sheet=sheet,
                           mapping_file=mapping, on_duplicate=on_duplicate,  # type: ignore[arg-type]
                           progress=progress)  # fmt: skip
    finally:
        close()
    _done(rep, as_json, "sites_imported", created=rep.sites_created, updated=rep.sites_updated,
          unchanged=rep.sites_unchanged, regions=rep.regions_created)  # fmt: skip


@site.command("list")
@json_option
def site_list(as_json: bool) -> None:
    """List regions and sites with their kind and queues."""
    from servgap.services.sites import list_sites

    c = get_ctx()
    frame = list_sites(c.store(), workspace=c.workspace)
    emit(frame, as_json=as_json)


# ------------------------------------------------------------------------------ customers


@click.group()
def customer() -> None:
    """Import customer lists with profiles (personal data masked in every export)."""


@customer.command("import")
@_file_options
@_dup("replace")
@click.option(
    "--personal", default="", help="Further columns holding personal data, e.g. 微信号,地址."
)
def customer_import(file: Path, encoding: str | None, sheet: str | None, mapping: Path | None,
                    as_json: bool, on_duplicate: str, personal: str) -> None:  # fmt: skip
    """Import a customer list: `customer` (code) and any profile columns."""
    from servgap.services.customers import import_customers

    c = get_ctx()
    cols = tuple(x.strip() for x in personal.replace("，", ",").split(",") if x.strip())
    progress, close = _progress(file, as_json)
    try:
        rep = import_customers(c.store(), file, workspace=c.workspace, personal=cols,
                               encoding=encoding, sheet=sheet, mapping_file=mapping,
                               on_duplicate=on_duplicate,  # type: ignore[arg-type]
                               progress=progress)  # fmt: skip
    finally:
        close()
    _done(rep, as_json, "customers_imported", created=rep.created, replaced=rep.replaced,
          skipped=rep.skipped, personal=", ".join(rep.personal_columns) or "-",
          profile=", ".join(rep.profile_columns) or "-")  # fmt: skip


# --------------------------------------------------------------------------------- demand


@click.group()
def demand() -> None:
    """Import interval demand (ACD and queue-system exports)."""


@demand.command("import")
@_file_options
@_dup("error")
@click.option("--date-format", default=None, help="How dates are written when not year first.")
def demand_import(file: Path, encoding: str | None, sheet: str | None, mapping: Path | None,
                  as_json: bool, on_duplicate: str, date_format: str | None) -> None:  # fmt: skip
    """Import demand: site, queue, interval_start, arrivals, handled, abandoned, aht_s, total_wait_s."""
    from servgap.services.demand import import_demand

    c = get_ctx()
    progress, close = _progress(file, as_json)
    try:
        rep = import_demand(c.store(), file, workspace=c.workspace, encoding=encoding, sheet=sheet,
                            mapping_file=mapping, date_format=date_format,
                            on_duplicate=on_duplicate,  # type: ignore[arg-type]
                            progress=progress)  # fmt: skip
    finally:
        close()
    _done(rep, as_json, "demand_imported", inserted=rep.inserted, replaced=rep.replaced,
          skipped=rep.skipped, series=", ".join(rep.series), first=rep.first, last=rep.last)  # fmt: skip


# --------------------------------------------------------------------------------- audits


@click.group()
def audit() -> None:
    """Import and score mystery-shopper audits against a weighted standard."""


@audit.command("import")
@_file_options
@_dup("error")
@click.option("--standard", type=click.Path(path_type=Path), required=True,
              help="The audit standard YAML (sections, weighted indicators).")  # fmt: skip
@click.option("--date-format", default=None, help="How dates are written when not year first.")
def audit_import(file: Path, encoding: str | None, sheet: str | None, mapping: Path | None,
                 as_json: bool, on_duplicate: str, standard: Path, date_format: str | None) -> None:  # fmt: skip
    """Import visits: visit, site, visited_at, auditor and one column per indicator."""
    from servgap.services.audits import import_audits

    c = get_ctx()
    progress, close = _progress(file, as_json)
    try:
        rep = import_audits(c.store(), file, workspace=c.workspace, standard_file=standard,
                            encoding=encoding, sheet=sheet, mapping_file=mapping,
                            date_format=date_format,
                            on_duplicate=on_duplicate,  # type: ignore[arg-type]
                            progress=progress)  # fmt: skip
    finally:
        close()
    mean = "-" if rep.mean_score is None else f"{rep.mean_score:.1f}"
    _done(rep, as_json, "audits_imported", inserted=rep.inserted, replaced=rep.replaced,
          skipped=rep.skipped, standard=rep.standard, version=rep.standard_version, mean=mean)  # fmt: skip


@audit.command("list")
@json_option
def audit_list(as_json: bool) -> None:
    """List visits with their weighted 0–100 score."""
    from servgap.services.audits import audit_scores

    c = get_ctx()
    emit(audit_scores(c.store(), workspace=c.workspace), as_json=as_json)
