"""`servgap gaps …`: the provider gaps per attribute and where customers' expectations come
from (the same figures as the report's sections and the web pages /w/{ws}/gaps)."""

from __future__ import annotations

from pathlib import Path

import click

from servgap.cli._app import emit, force_option, get_ctx, json_option, write_csv


def register(main: click.Group) -> None:
    main.add_command(gaps)


@click.group()
def gaps() -> None:
    """Provider gaps (1, 3, 4, 5) and the sources of expectations."""


@gaps.command("show")
@click.option("--survey", default=None, help="Customer survey (default: the only one).")
@click.option("--management-survey", default=None,
              help="Management survey (default: the only one with audience: management).")  # fmt: skip
@click.option("--period", default=None, help="Period (default: the latest with responses).")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), default=None,
              help="Also write the table to this CSV file.")  # fmt: skip
@force_option
@json_option
def show_cmd(survey: str | None, management_survey: str | None, period: str | None,
             csv_path: Path | None, as_json: bool) -> None:  # fmt: skip
    """Gaps 1 (managers vs customers), 3 (audits), 4 (promises) and 5 (MSA) per attribute."""
    from servgap.services.gaps import provider_gap_table

    c = get_ctx()
    res = provider_gap_table(c.store(), workspace=c.workspace, survey=survey,
                             management=management_survey, period=period)  # fmt: skip
    write_csv(res.table, csv_path)
    emit(res, as_json=as_json, table=res.table,
         columns=["item", "gap1_adequate", "gap1_adequate_p", "gap1_desired", "audit_score",
                  "promises_unkept", "msa"])  # fmt: skip


@gaps.command("sources")
@click.option("--survey", default=None, help="Customer survey (default: the only one).")
@click.option("--period", default=None, help="Period (default: the latest with responses).")
@json_option
def sources_cmd(survey: str | None, period: str | None, as_json: bool) -> None:
    """Where expectations come from, choice factors and competitor ratings."""
    from servgap.services.gaps import expectation_insights

    c = get_ctx()
    res = expectation_insights(c.store(), workspace=c.workspace, survey=survey, period=period)
    if as_json:
        emit(res, as_json=True)
        return
    for code, prof in res.sources:
        emit(prof.table, as_json=False, title=f"{code}:")
    for code, rank in res.rankings:
        emit(rank.table, as_json=False, title=f"{code}:")
    if len(res.competitors.table):
        emit(res.competitors.table, as_json=False, title="competitors:")
