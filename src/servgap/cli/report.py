"""`servgap report`: the expectation and satisfaction report of any workspace, for a period."""

from __future__ import annotations

from pathlib import Path

import click

from servgap.cli._app import emit, get_ctx, json_option
from servgap.engines import ENGINES
from servgap.i18n import t


def register(main: click.Group) -> None:
    main.add_command(report)


@click.command()
@click.option("--period", default=None,
              help="Survey period to report on, e.g. 2026Q3 (default: all responses).")  # fmt: skip
@click.option("--compare", default=None,
              help="Comparison period, e.g. 2026Q2: change in MSA, MSS and NPS.")  # fmt: skip
@click.option("--site", default=None, help="Report on this site only (site code).")
@click.option("--survey", "survey_code", default=None,
              help="Survey code (default: the workspace's only survey).")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for the report's files.")  # fmt: skip
@click.option("--format", "formats", default="md,json,xlsx", show_default=True,
              help="Output formats, comma-separated: md, json, xlsx, csv, pdf, pptx.")  # fmt: skip
@click.option("--template", type=click.Path(path_type=Path), default=None,
              help="Company slide template (.pptx with the slide master) for --format pptx.")  # fmt: skip
@click.option("--engine", type=click.Choice(ENGINES), default="memory", show_default=True,
              help="Where the survey statistics are computed: memory, or postgres (the store's "
                   "database aggregates the answers; for data beyond memory).")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the files of an earlier report in --out.")
@json_option
def report(period: str | None, compare: str | None, site: str | None, survey_code: str | None,
           out_dir: Path, formats: str, template: Path | None, engine: str, force: bool,
           as_json: bool) -> None:  # fmt: skip
    """Write the expectation and satisfaction report (Markdown, JSON, Excel, PDF, slides)."""
    from servgap.core.errors import UsageError
    from servgap.reports import parse_formats, run_report
    from servgap.reports.writers.pptx import check_template, slide_template
    from servgap.services.report import ReportRequest

    c = get_ctx()
    chosen = parse_formats(formats)
    if template is not None:
        if "pptx" not in chosen:
            raise UsageError(t("report_template_without_pptx", "en"),
                             t("report_template_without_pptx", "zh"),
                             fields=("template", "format"))  # fmt: skip
        check_template(template)
    request = ReportRequest(
        workspace=c.workspace,
        survey=survey_code,
        period=period,
        compare=compare,
        site=site,
        engine=engine,
    )
    with slide_template(template):
        written = run_report(c.store(), request, lang=c.lang, out_dir=out_dir, formats=chosen,
                             force=force)  # fmt: skip
    if as_json:
        emit(written.to_dict(), as_json=True)
        return
    click.echo(written.summary_text)
    click.echo("")
    click.echo(t("report_written", c.lang, path=out_dir, n=len(written.files)))
    for f in written.files:
        click.echo(f"  {f}")
