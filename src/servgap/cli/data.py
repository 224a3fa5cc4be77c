"""Commands for data in the store: workspace, survey, import, export, db."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from servgap.cli._app import emit, force_option, get_ctx, is_tty, json_option
from servgap.core.survey import CHANNELS
from servgap.i18n import t


def register(main: click.Group) -> None:
    main.add_command(workspace)
    main.add_command(survey)
    main.add_command(import_cmd)
    main.add_command(export_cmd)
    main.add_command(db)


@click.group()
def workspace() -> None:
    """Create, show and configure workspaces (one company or study each)."""


def _info_rows(info: Any, lang: str) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in (
        ("workspace", info.code), ("name", info.name(lang)), ("timezone", info.timezone),
        ("lang", info.lang), *info.counts.items())]  # fmt: skip


@workspace.command("list")
@json_option
def workspace_list(as_json: bool) -> None:
    """List workspaces with their time zone, language and counts of data."""
    from servgap.services.workspaces import list_workspaces

    res = list_workspaces(get_ctx().store())
    emit(res, as_json=as_json, table=res.to_frame())


@workspace.command("create")
@click.argument("code")
@click.option("--name-zh", default=None, help="Chinese name (default: the code).")
@click.option("--name-en", default=None, help="English name (default: the code).")
@click.option("--timezone", default="Asia/Shanghai", show_default=True, help="IANA time zone.")
@click.option("--lang", "ws_lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the workspace's tables and reports (default: zh).")  # fmt: skip
def workspace_create(
    code: str, name_zh: str | None, name_en: str | None, timezone: str, ws_lang: str | None
) -> None:
    """Create a workspace."""
    from servgap.services.workspaces import create_workspace

    c = get_ctx()
    info, created = create_workspace(c.store(), code, name_zh=name_zh, name_en=name_en,
                                     timezone=timezone, lang=ws_lang)  # fmt: skip
    click.echo(t("workspace_created" if created else "workspace_exists", c.lang, code=info.code))


@workspace.command("show")
@json_option
def workspace_show(as_json: bool) -> None:
    """Show the workspace: names, time zone, language and how much data it holds."""
    from servgap.services.workspaces import show_workspace

    c = get_ctx()
    info = show_workspace(c.store(), c.workspace)
    emit(info, as_json=as_json, table=_info_rows(info, c.lang))


@workspace.command("settings")
@json_option
def workspace_settings_cmd(as_json: bool) -> None:
    """List the workspace's settings with their values and defaults."""
    from servgap.services.workspaces import workspace_settings

    c = get_ctx()
    res = workspace_settings(c.store(), c.workspace)
    table = [{"key": x.key, "value": x.value, "default": "" if x.is_default else x.default,
              "meaning": x.description_zh if c.lang == "zh" else x.description_en}
             for x in res.settings]  # fmt: skip
    emit(res, as_json=as_json, table=table)


@workspace.command("set")
@click.argument("key")
@click.argument("value", required=False)
@click.option("--unset", is_flag=True, help="Return the setting to its default.")
@json_option
def workspace_set(key: str, value: str | None, unset: bool, as_json: bool) -> None:
    """Set one setting (see `workspace settings` for the keys), e.g. calendar.hours 08:30-17:30."""
    from servgap.core.errors import InputError
    from servgap.services.workspaces import set_workspace_setting

    c = get_ctx()
    if (value is None) != unset:
        raise InputError(
            "Give a value, or --unset to return the setting to its default.",
            "请给出取值，或用 --unset 恢复默认值。",
            code="usage",
        )
    res = set_workspace_setting(c.store(), c.workspace, key, None if unset else value)
    if as_json:
        emit(res, as_json=True)
        return
    click.echo(t("setting_set", c.lang, key=res.key, value=res.value))


@click.group()
def survey() -> None:
    """Load, list and show survey definitions (YAML, versioned)."""


@survey.command("load")
@click.argument("source")
def survey_load(source: str) -> None:
    """Load a survey YAML file (or a built-in template name) into the workspace."""
    from servgap.services.context import get_workspace
    from servgap.services.surveys import (
        read_definition_file,
        read_template,
        save_definition,
        template_names,
    )

    c = get_ctx()
    path = Path(source)
    if not path.exists() and source in template_names():
        raw = read_template(source)
    else:
        raw = read_definition_file(path)
    with c.store().session() as s:
        ws = get_workspace(s, c.workspace)
        sv, created = save_definition(s, ws, raw, source=str(source))
        code, version, n = sv.definition["code"], sv.version, len(sv.definition["questions"])
    key = "survey_loaded" if created else "survey_unchanged"
    click.echo(t(key, c.lang, code=code, version=version, n=n))


@survey.command("list")
@json_option
def survey_list(as_json: bool) -> None:
    """List the surveys of the workspace with their newest version and response counts."""
    from servgap.services.context import get_workspace
    from servgap.services.surveys import list_surveys

    c = get_ctx()
    with c.store().session() as s:
        rows = list_surveys(s, get_workspace(s, c.workspace))
    title_key = "title_zh" if c.lang == "zh" else "title_en"
    table = [{"survey": r["survey"], "title": r[title_key], "version": r["version"],
              "responses": r["responses"]} for r in rows]  # fmt: skip
    emit(rows, as_json=as_json, table=table)


@survey.command("templates")
@json_option
def survey_templates(as_json: bool) -> None:
    """List the built-in survey templates."""
    from servgap.core.survey import parse_survey
    from servgap.services.surveys import read_template, template_names

    c = get_ctx()
    rows = []
    for name in template_names():
        d = parse_survey(read_template(name))
        rows.append({"template": name, "title": d.title.get(c.lang), "questions": len(d.questions)})
    emit(rows, as_json=as_json)


@survey.command("show")
@click.argument("code")
@json_option
def survey_show(code: str, as_json: bool) -> None:
    """Show the questions of a survey and the columns an import file needs."""
    from servgap.services.context import get_workspace
    from servgap.services.surveys import definition_of, latest_version

    c = get_ctx()
    with c.store().session() as s:
        d = definition_of(latest_version(s, get_workspace(s, c.workspace), code))
    rows = [
        {
            "question": q.code,
            "type": q.type,
            "dimension": q.dimension or "",
            "scale": f"{q.scale[0]:g}-{q.scale[1]:g}" if q.scale else "",
            "columns": " ".join(q.columns()),
            "text": q.text.get(c.lang),
        }
        for q in d.questions
    ]
    emit(rows, as_json=as_json)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--survey", "survey_code", required=True, help="Survey code the answers belong to.")
@click.option("--mapping", type=click.Path(path_type=Path), help="Column mapping YAML file.")
@click.option("--encoding", default=None, help="Text encoding of a CSV (default: detected).")
@click.option("--sheet", default=None, help="Excel sheet name (default: the first sheet).")
@click.option(
    "--channel",
    type=click.Choice(list(CHANNELS)),
    default="import",
    show_default=True,
    help="Channel for rows that do not say.",
)
@click.option(
    "--on-duplicate",
    type=click.Choice(["error", "skip", "replace"]),
    default="error",
    show_default=True,
    help="What to do with response ids already in the store.",
)
@click.option("--date-format", default=None,
              help="How dates are written when not year first: DD/MM/YYYY, MM/DD/YYYY, ...")  # fmt: skip
@click.option("--errors-out", type=click.Path(path_type=Path), help="Write all problems to CSV.")
@json_option
def import_cmd(
    file: Path,
    survey_code: str,
    mapping: Path | None,
    encoding: str | None,
    sheet: str | None,
    channel: str,
    on_duplicate: str,
    date_format: str | None,
    errors_out: Path | None,
    as_json: bool,
) -> None:
    """Import survey responses from CSV, Excel (.xlsx) or SPSS (.sav), all or nothing."""
    from servgap.core.errors import ServgapError
    from servgap.services.responses import import_responses

    c = get_ctx()
    store = c.store()
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            make_bar: Any = click.progressbar
            bar = make_bar(length=total, label=file.name, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    show_bar = is_tty() and not as_json
    try:
        report = import_responses(
            store,
            file,
            workspace=c.workspace,
            survey=survey_code,
            mapping_file=mapping,
            encoding=encoding,
            sheet=sheet,
            channel=channel,
            on_duplicate=on_duplicate,  # type: ignore[arg-type]
            progress=progress if show_bar else None,
            date_format=date_format,
        )
    except ServgapError as exc:
        if bar is not None:
            bar.__exit__(None, None, None)
        if exc.problems and (errors_out is not None or len(exc.problems) > 50):
            import pandas as pd

            from servgap.services.files import write_table

            # the problems quote cell values, which may be personal: private file; a previous
            # run's error list is replaced, the store and special files never are
            out = write_table(
                pd.DataFrame([p.to_dict() for p in exc.problems]),
                errors_out or file.with_name(file.name + ".errors.csv"),
                fmt="csv",
                personal=True,
                force=True,
                protected=c.protected_files(),
            )
            click.echo(t("import_errors_file", c.lang, path=out), err=True)
        raise
    if bar is not None:
        bar.__exit__(None, None, None)
    if as_json:
        emit(report.to_dict(), as_json=True)
        return
    click.echo(t("import_done", c.lang, **{k: v for k, v in report.to_dict().items()
                                         if k in ("inserted", "replaced", "skipped", "file",
                                                  "survey", "version")}))  # fmt: skip
    if report.unmapped_columns:
        click.echo(t("import_unmapped", c.lang, cols=", ".join(report.unmapped_columns)))


@click.command("export")
@click.argument(
    "what", type=click.Choice(["responses", "customers", "complaints", "demand", "audits", "sites"])
)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Output file.")
@click.option("--survey", "survey_code", default=None, help="Survey code (for responses).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "parquet"]), default=None,
              help="File format (default: from the file name).")  # fmt: skip
@click.option("--include-personal-data", is_flag=True, help="Do not mask names and phones.")
@force_option
def export_cmd(
    what: str, out: Path, survey_code: str | None, fmt: str | None, include_personal_data: bool
) -> None:
    """Export responses, customers, complaints, demand, audits or sites to CSV/Excel/Parquet."""
    from servgap.services.exports import export_to_file

    c = get_ctx()
    path, n = export_to_file(
        c.store(),
        what,
        out,
        workspace=c.workspace,
        survey=survey_code,
        fmt=fmt,
        include_personal_data=include_personal_data,
        force=c.force,
    )
    click.echo(t("export_done", c.lang, n=n, path=path))
    if not include_personal_data and what in ("customers", "complaints", "responses", "audits"):
        click.echo(t("export_masked", c.lang))


@click.group()
def db() -> None:
    """Show and upgrade the store's schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version (keeps all data)."""
    from servgap.services.context import schema_status

    c = get_ctx()
    url, rev = schema_status(c.store())
    click.echo(t("db_at", c.lang, url=url, rev=rev))
