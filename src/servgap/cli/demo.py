"""`servgap demo`: build Example Express into the store and run every analysis."""

from __future__ import annotations

from pathlib import Path

import click

from servgap.cli._app import emit, get_ctx, json_option
from servgap.i18n import t

#: The demo writes every format: CSV tables as before, plus the Markdown, JSON and Excel report.
DEMO_FORMATS = ("md", "json", "csv", "xlsx")


def register(main: click.Group) -> None:
    main.add_command(demo)


@click.command()
@click.option("--seed", default=20261122, show_default=True, help="Random seed of the demo data.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the results (default: SERVGAP_HOME/output/example_express).",
)
@json_option
def demo(seed: int, out_dir: Path | None, as_json: bool) -> None:
    """Build the demo company Example Express (示例快递) and run the analyses on it."""
    from servgap.reports import run_report
    from servgap.services.context import safe_url
    from servgap.services.demo import build_demo_store
    from servgap.services.demo_web import open_demo_web
    from servgap.services.report import ReportRequest

    c = get_ctx()
    store = c.store()
    if not as_json:
        click.echo(t("demo_building", c.lang, seed=seed))
    load = build_demo_store(store, seed=seed)
    out = out_dir or store.settings.resolved_output_dir() / load.workspace
    # the demo owns its output folder: the previous demo's files are replaced
    written = run_report(
        store,
        ReportRequest(workspace=load.workspace, survey=load.survey),
        lang=c.lang,
        out_dir=out,
        formats=DEMO_FORMATS,
        force=True,
    )
    web = open_demo_web(store, workspace=load.workspace, survey=load.survey)
    base = "http://127.0.0.1:8000"
    urls = {"dashboard": f"{base}/w/{web.workspace}/dashboard", "respondent": f"{base}/s/{web.token}",
            "login": f"{base}/login"}  # fmt: skip
    serve = "servgap serve --port 8000"
    if c.database_url:
        serve = f"servgap --database-url {safe_url(c.database_url)} serve --port 8000"
    if as_json:
        emit({"load": load.__dict__, "report": written.to_dict(),
              "web": {**urls, "serve": serve, "email": web.email, "password": web.password}},
             as_json=True)  # fmt: skip
        return
    click.echo(
        t(
            "demo_built",
            c.lang,
            url=safe_url(store.settings.resolved_database_url()),
            responses=load.responses,
            complaints=load.complaints,
            intervals=load.intervals,
            audits=load.audits,
        )
    )
    click.echo("")
    click.echo(written.summary_text)
    click.echo("")
    click.echo(t("demo_results", c.lang, path=out))
    click.echo("")
    click.echo(t("demo_web", c.lang, serve=serve, dashboard=urls["dashboard"],
                 respondent=urls["respondent"], email=web.email, password=web.password))  # fmt: skip
