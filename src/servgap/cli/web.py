"""`servgap serve`, `servgap user …`, `servgap token …`: the web server and its accounts."""

from __future__ import annotations

import secrets
import sys

import click

from servgap.cli._app import emit, get_ctx, json_option
from servgap.i18n import t


def register(main: click.Group) -> None:
    main.add_command(serve)
    main.add_command(user)
    main.add_command(token)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="Server log level.",
)
def serve(host: str, port: int, log_level: str) -> None:
    """Start the web server (pages, respondent links and the JSON API) on the store."""
    import os

    import uvicorn

    from servgap.services.portal import health

    c = get_ctx()
    revision = health(c.store()).schema_revision  # opening the store runs the migrations
    c.close()
    if c.database_url:
        os.environ["SERVGAP_DATABASE_URL"] = c.database_url
    shown = f"[{host}]" if ":" in host else host
    click.echo(t("web_serving", c.lang, url=f"http://{shown}:{port}/", revision=revision))
    # the app is built by its factory in the server process (faces do not import each other)
    uvicorn.run(
        "servgap.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        server_header=False,
    )


@click.group()
def user() -> None:
    """Create and list users of the web app and the API, with their role per workspace."""


def _read_password(password_stdin: bool) -> tuple[str | None, bool]:
    """(password, generated?): from stdin, a prompt on a terminal, or a random one."""
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n"), False
    if sys.stdin.isatty():
        value = click.prompt(
            t("web_password", get_ctx().lang), hide_input=True, confirmation_prompt=True
        )
        return str(value), False
    return secrets.token_urlsafe(12), True


@user.command("create")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "analyst", "agent", "auditor"]),
    help="Role in the workspace.",
)
@click.option(
    "--workspace",
    "ws",
    default=None,
    help="Workspace code (default: the global --workspace or the only workspace).",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@click.option("--site", "sites", multiple=True, help="An auditor's assigned site (repeatable).")
def user_create(
    email: str, role: str, ws: str | None, password_stdin: bool, sites: tuple[str, ...]
) -> None:
    """Create a user with a role in a workspace, or give an existing user that role there."""
    from servgap.services.accounts import create_user, list_users, normalise_email

    c = get_ctx()
    workspace = ws or c.workspace
    exists = any(u.email == normalise_email(email) for u in list_users(c.store()).users)
    password, generated = (
        (None, False) if exists and not password_stdin else _read_password(password_stdin)
    )
    info, created = create_user(
        c.store(), email, role=role, workspace=workspace, password=password, sites=sites
    )
    key = "web_user_created" if created else "web_user_updated"
    click.echo(t(key, c.lang, email=info.email, role=role, workspace=workspace))
    if generated and password is not None:
        click.echo(t("web_password_generated", c.lang, password=password))


@user.command("list")
@json_option
def user_list(as_json: bool) -> None:
    """List users with their roles, lock state and number of live API tokens."""
    from servgap.services.accounts import list_users

    res = list_users(get_ctx().store())
    emit(res.to_dict(), as_json=as_json, table=res.to_frame())


@user.command("password")
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
def user_password(email: str, password_stdin: bool) -> None:
    """Set a user's password (ends their browser sessions and any lockout)."""
    from servgap.services.accounts import set_password

    c = get_ctx()
    password, generated = _read_password(password_stdin)
    assert password is not None  # _read_password always gives one here
    info = set_password(c.store(), email, password)
    click.echo(info.email)
    if generated:
        click.echo(t("web_password_generated", c.lang, password=password))


@click.group()
def token() -> None:
    """Create, list and revoke API tokens (Authorization: Bearer …)."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for (shown in `token list`).")
@json_option
def token_create(email: str, name: str, as_json: bool) -> None:
    """Create an API token for a user and print it once (only its hash is stored)."""
    from servgap.services.accounts import create_token

    c = get_ctx()
    new = create_token(c.store(), email, name=name)
    if as_json:
        emit(new.to_dict(), as_json=True)
        return
    click.echo(t("web_token_created", c.lang, id=new.info.id, email=new.info.email), err=True)
    click.echo(new.token)


@token.command("list")
@click.option("--email", default=None, help="Only this user's tokens.")
@json_option
def token_list(email: str | None, as_json: bool) -> None:
    """List API tokens (id, owner, name, first characters, use, revocation); never the tokens."""
    from servgap.services.accounts import list_tokens

    res = list_tokens(get_ctx().store(), email=email)
    emit(res.to_dict(), as_json=as_json, table=res.to_frame())


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke an API token by its id (see `token list`)."""
    from servgap.services.accounts import revoke_token

    c = get_ctx()
    info = revoke_token(c.store(), token_id)
    click.echo(t("web_token_revoked", c.lang, id=info.id, email=info.email))
