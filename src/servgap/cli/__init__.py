"""servgap command line: thin adapters that parse arguments, call services, print."""

from __future__ import annotations

import os

import click

from servgap.cli._app import Ctx, ServgapGroup
from servgap.i18n import default_lang

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=ServgapGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of messages and labels (default: SERVGAP_LANG or the system locale).",
)
@click.option(
    "-w",
    "--workspace",
    default=None,
    envvar="SERVGAP_WORKSPACE",
    help="Workspace (company or study) to work in (default: the store's only workspace).",
)
@click.option(
    "--database-url",
    default=None,
    help="SQLAlchemy URL of the store (default: SERVGAP_DATABASE_URL or the embedded SQLite).",
)
@click.version_option(package_name="servgap")
@click.pass_context
def main(
    ctx: click.Context, lang: str | None, workspace: str | None, database_url: str | None
) -> None:
    """servgap: customer expectations, satisfaction, complaints and capacity for service firms.

    servgap：服务企业的顾客期望、满意度、投诉与产能管理。
    """
    explicit = lang is not None or bool(os.environ.get("SERVGAP_LANG"))
    obj = Ctx(
        lang=lang or default_lang(),  # type: ignore[arg-type]
        requested_workspace=workspace,
        database_url=database_url,
        lang_explicit=explicit,
    )
    ctx.obj = obj
    ctx.call_on_close(obj.close)


def _register() -> None:
    import sys

    from servgap.cli import (
        actions,
        alerts,
        analyze,
        capacity,
        cases,
        data,
        demo,
        gaps,
        master,
        promises,
        report,
        text,
        web,
    )
    from servgap.cli._help import localize, requested_lang

    for module in (data, master, demo, analyze, capacity, cases, promises, gaps, alerts,
                   actions, report, text, web):  # fmt: skip
        module.register(main)
    localize(main, requested_lang(sys.argv[1:]))


_register()
