"""`servgap text aspects`: what a survey's free-text comments say about each attribute, next
to its three-column scores."""

from __future__ import annotations

import click

from servgap.cli._app import emit, get_ctx, json_option


def register(text_group: click.Group) -> None:
    """Add ``aspects`` to the ``text`` command group."""
    text_group.add_command(aspects_cmd)


@click.command("aspects")
@click.option("--workspace", "ws", default=None,
              help="Workspace code (default: the global --workspace or the only workspace).")  # fmt: skip
@click.option("--survey", default=None, help="Survey code (default: the workspace's only survey).")
@click.option("--period", default=None, help="One period of the survey, e.g. 2026Q2.")
@click.option("--site", default=None, help="One site (outlet) only.")
@click.option("--question", default=None, help="One free-text question (default: all).")
@click.option("--level", type=click.Choice(["attributes", "dimensions", "mentions"]),
              default="attributes", show_default=True,
              help="Rows per attribute, per SERVQUAL dimension or per comment clause.")  # fmt: skip
@json_option
def aspects_cmd(ws: str | None, survey: str | None, period: str | None, site: str | None,
                question: str | None, level: str, as_json: bool) -> None:  # fmt: skip
    """Survey comments by attribute: which attribute or SERVQUAL dimension each clause is
    about and its polarity, next to the attribute's adequate/desired/perceived means."""
    from servgap.services.comment_aspects import comment_aspects_stored

    c = get_ctx()
    if ws is not None:
        c.requested_workspace = ws
    res = comment_aspects_stored(c.store(), c.workspace, survey=survey, period=period,
                                 site=site, question=question)  # fmt: skip
    if level == "dimensions":
        table = res.dimensions
        cols = ["dimension", "n_mentions", "share_negative", "share_positive", "msa",
                "share_below", "examples_negative"]  # fmt: skip
    elif level == "mentions":
        table = res.mentions
        cols = ["response_id", "aspect", "dimension", "polarity", "probability", "clause"]
    else:
        table = res.attributes[res.attributes["n_mentions"] > 0]
        cols = ["attribute", "dimension", "n_mentions", "share_negative", "share_positive",
                "adequate_mean", "desired_mean", "perceived_mean", "examples_negative"]  # fmt: skip
    from servgap.i18n import t

    title = t("aspect_cli_title", c.lang, n_comments=res.n_comments, n_responses=res.n_responses)
    emit(res if level == "attributes" else table, as_json=as_json, table=table, title=title,
         columns=cols)  # fmt: skip
