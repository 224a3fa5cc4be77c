"""What a workspace's admin may do to its members: invite with a one-time password, reset a
password, and the workspace's API tokens (the pages of /w/{ws}/admin call these)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servgap.core.errors import InputError, NotFoundError
from servgap.services.accounts import (
    AccountScopeError,
    NewToken,
    TokenInfo,
    TokenList,
    UserInfo,
    _info,
    _member,
    _token_info,
    _user,
    create_token,
    create_user,
    normalise_email,
    revoke_token,
    set_password,
)
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.store.models import ApiToken, Membership, UserAccount, Workspace

MAX_DISPLAY_NAME = 200


def generate_password() -> str:
    """A random first password (16 characters from 96 random bits), shown once."""
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Invitation(DatedResult):
    """A user given a role by an admin. ``password`` is the first password of a new account,
    shown this once and stored only as its hash; None for an existing account (their
    password is theirs and stays as it is)."""

    user: UserInfo
    created: bool
    password: str | None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.pop("password", None)  # a page's JSON twin never repeats the secret
        return out


def _display_name(text: str) -> str | None:
    name = " ".join(text.split())
    if len(name) > MAX_DISPLAY_NAME:
        raise InputError(
            f"The `display_name` is longer than {MAX_DISPLAY_NAME} characters.",
            f"显示名称 `display_name` 超过 {MAX_DISPLAY_NAME} 个字符。",
            fields=("display_name",),
        )
    return name or None


def invite_user(
    store: Store,
    email: str,
    *,
    workspace: str,
    role: str,
    display_name: str = "",
    sites: tuple[str, ...] = (),
) -> Invitation:
    """Give ``email`` a role in ``workspace``: a new account gets a random first password
    (in the result only; the admin hands it over, the user changes it), an existing one
    keeps its password and gets the role here (its other workspaces are not touched)."""
    name = _display_name(display_name)
    with store.session() as s:
        exists = s.scalar(select(UserAccount.id).where(UserAccount.email == normalise_email(email)))
    password = None if exists is not None else generate_password()
    info, created = create_user(
        store, email, role=role, workspace=workspace, password=password, sites=sites
    )
    if created and name:
        with store.session() as s:
            user = _user(s, email)
            user.display_name = name
            info = _info(s, user)
    return Invitation(info, created, password if created else None)


def _own_account(
    session: Session, user: UserAccount, ws: Workspace, doing: tuple[str, str]
) -> None:
    """An admin of one workspace acts on an account's secrets (password, tokens) only when
    the account belongs to that workspace alone: a token or password opens every workspace
    of the account, and the admin of one must not get into another."""
    _member(session, user, ws)
    others = session.scalars(
        select(Workspace.code)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id, Workspace.id != ws.id)
    ).all()
    if others:
        raise AccountScopeError(
            f"`{user.email}` also works in other workspaces, so an admin of `{ws.code}` cannot "
            f"{doing[0]} for them; they do it themselves, or a server administrator does it with "
            "the `servgap user` and `servgap token` commands.",
            f"`{user.email}` 还属于其他工作区，工作区 `{ws.code}` 的管理员不能为其{doing[1]}；"
            "请本人操作，或由服务器管理员使用 `servgap user`、`servgap token` 命令操作。",
            code="other_workspaces",
            fields=("email",),
        )


def reset_password(store: Store, email: str, *, workspace: str) -> tuple[UserInfo, str]:
    """A new random password for a member whose account belongs to ``workspace`` only (it
    ends their browser sessions and any lockout); shown once to the admin."""
    with store.session() as s:
        _own_account(
            s, _user(s, email), get_workspace(s, workspace), ("set a password", "设置密码")
        )
    password = generate_password()
    return set_password(store, email, password), password


def workspace_tokens(store: Store, *, workspace: str) -> TokenList:
    """The API tokens of the workspace's members (never the secrets), oldest first."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(ApiToken, UserAccount.email)
            .join(UserAccount, UserAccount.id == ApiToken.user_id)
            .join(Membership, Membership.user_id == UserAccount.id)
            .where(Membership.workspace_id == ws.id)
            .order_by(ApiToken.id)
        ).all()
        return TokenList(tuple(_token_info(t, e) for t, e in rows))


def create_workspace_token(
    store: Store, email: str, *, workspace: str, name: str = "", by: str | None = None
) -> NewToken:
    """A token for a member: an admin makes one for themselves, or for a member whose
    account belongs to ``workspace`` only."""
    with store.session() as s:
        user = _user(s, email)
        ws = get_workspace(s, workspace)
        if by is None or normalise_email(by) != user.email:
            _own_account(s, user, ws, ("create a token", "创建令牌"))
        else:
            _member(s, user, ws)
    return create_token(store, email, name=name)


def parse_token_id(text: str | None) -> int:
    try:
        value = int(str(text or "").strip())
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(
            f"`token_id` {text!r} is not the number of a token; pick one from the list.",
            f"`token_id` {text!r} 不是令牌编号；请从列表中选择。",
            code="invalid_token_id",
            fields=("token_id",),
        )
    return value


def revoke_workspace_token(
    store: Store, token_id: int, *, workspace: str, now: dt.datetime | None = None
) -> TokenInfo:
    """Revoke a token of a member of ``workspace`` (another's is unknown here)."""
    known = {t.id for t in workspace_tokens(store, workspace=workspace).tokens}
    if token_id not in known:
        raise NotFoundError(
            f"No API token with id {token_id} among the members of workspace `{workspace}`.",
            f"工作区 `{workspace}` 的成员中没有编号为 {token_id} 的 API 令牌。",
            code="unknown_token",
            fields=("token_id",),
        )
    return revoke_token(store, token_id, now=now)
