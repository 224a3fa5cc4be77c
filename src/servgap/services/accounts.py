"""Accounts: users, their role in each workspace, API tokens and browser sessions.

Who may do what is decided per workspace: a user holds one role in each workspace
they belong to (:data:`ROLES`); a user of workspace A knows nothing of workspace B.
Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile);
API tokens and session cookies are random 256-bit strings of which only the
SHA-256 is stored, so a copy of the database opens no account. A token is shown
once, when it is created.

Repeated failed logins lock the account for a while (``lockout``); the failure
is recorded in its own transaction so the lock holds whatever the caller does
with the error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from functools import cache

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.errors import ConflictError, InputError, NotFoundError, ServgapError
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.store.models import ApiToken, Membership, Site, UserAccount, WebSession, Workspace

ROLES: tuple[str, ...] = ("admin", "analyst", "agent", "auditor")
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "admin": ("管理员", "Admin"),
    "analyst": ("分析员", "Analyst"),
    "agent": ("客服专员", "Agent"),
    "auditor": ("审核员", "Auditor"),
}
TOKEN_PREFIX = "sgp_"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class AuthenticationError(ServgapError):
    """No valid credentials: a wrong password, an unknown, revoked or expired token."""

    code = "unauthenticated"
    status = 401


class SiteNotAssignedError(ServgapError):
    """An auditor acting for a site that is not among their assigned sites."""

    code = "site_not_assigned"
    status = 403


class AccountScopeError(ServgapError):
    """An admin of one workspace acting on the secrets of an account that other workspaces
    share (a password or token opens all of them)."""

    code = "other_workspaces"
    status = 403


class AccountLockedError(ServgapError):
    """Too many failed logins: the account is locked for a while."""

    code = "account_locked"
    status = 429


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so both take as long."""
    return _hasher().hash(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    """SHA-256 of a token (tokens are random 256-bit strings: no salt or stretching needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def role_label(role: str, lang: str = "en") -> str:
    zh, en = ROLE_LABELS.get(role, (role, role))
    return zh if lang == "zh" else en


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Principal(DatedResult):
    """Who is calling: the user, their role per workspace code, and how they signed in."""

    user_id: int
    email: str
    roles: dict[str, str]
    sites: dict[str, tuple[str, ...]]
    via: str  # session | token
    csrf: str | None = None

    def role_in(self, workspace: str) -> str | None:
        return self.roles.get(workspace)

    def site_scope(self, workspace: str) -> tuple[str, ...] | None:
        """The sites this user may act for in ``workspace``: an auditor's assigned sites, or
        None (every site) for other roles and for an auditor without assignments."""
        if self.roles.get(workspace) != "auditor":
            return None
        return self.sites.get(workspace) or None


def check_site_scope(scope: tuple[str, ...] | None, site: str | None) -> str | None:
    """``site`` when the scope allows it; an assigned auditor must name one of their sites
    (:class:`SiteNotAssignedError`, naming the field ``site``)."""
    if scope is None:
        return site
    if site is None or site not in scope:
        shown = "(none)" if site is None else f"`{site}`"
        raise SiteNotAssignedError(
            f"`site` {shown} is not one of your assigned sites: {', '.join(scope)}.",
            f"网点 `site` {'（未填写）' if site is None else f'`{site}`'} 不在您负责的网点中："
            f"{'、'.join(scope)}。",
            fields=("site",),
        )
    return site


@dataclass(frozen=True)
class UserInfo(DatedResult):
    email: str
    active: bool
    locked_until: dt.datetime | None
    memberships: dict[str, str]
    tokens: int
    created_at: dt.datetime
    sites: dict[str, tuple[str, ...]] = field(default_factory=dict)  # an auditor's sites
    display_name: str = ""


@dataclass(frozen=True)
class UserList(DatedResult):
    users: tuple[UserInfo, ...]

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "email": u.email,
                "display_name": u.display_name,
                "workspace": ws,
                "role": role,
                "sites": ",".join(u.sites.get(ws, ())),
                "active": u.active,
                "locked_until": u.locked_until,
                "tokens": u.tokens,
            }
            for u in self.users
            for ws, role in (sorted(u.memberships.items()) or [("", "")])
        ]
        cols = ["email", "display_name", "workspace", "role", "sites", "active",
                "locked_until", "tokens"]  # fmt: skip
        return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class TokenInfo(DatedResult):
    id: int
    email: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class TokenList(DatedResult):
    tokens: tuple[TokenInfo, ...]

    def to_frame(self) -> pd.DataFrame:
        cols = ["id", "email", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        return pd.DataFrame([t.to_dict() for t in self.tokens], columns=cols)


@dataclass(frozen=True)
class NewToken(DatedResult):
    """A token just created: ``token`` is the secret, shown this once and never stored."""

    token: str
    info: TokenInfo


@dataclass(frozen=True)
class NewSession:
    cookie: str
    csrf: str
    expires_at: dt.datetime


# ---------------------------------------------------------------- users


def normalise_email(email: str) -> str:
    e = email.strip().lower()
    if not _EMAIL.fullmatch(e) or len(e) > 254:
        raise InputError(
            f"`email` {email!r} is not an email address (name@example.com).",
            f"`email` {email!r} 不是电子邮件地址（name@example.com）。",
            code="invalid_email",
            fields=("email",),
        )
    return e


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(
            f"Unknown `role` {role!r}; use one of {', '.join(ROLES)}.",
            f"未知的角色 `role` {role!r}；可用：{'、'.join(ROLES)}。",
            code="invalid_role",
            fields=("role",),
        )
    return role


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(
            f"The `password` must have {MIN_PASSWORD} to {MAX_PASSWORD} characters; a phrase of "
            "several words is easy to remember and hard to guess.",
            f"密码 `password` 须为 {MIN_PASSWORD} 到 {MAX_PASSWORD} 个字符；用几个词组成的短语既好记又难猜。",
            code="weak_password",
            fields=("password",),
        )
    return password


def _user(session: Session, email: str) -> UserAccount:
    user = session.scalar(select(UserAccount).where(UserAccount.email == normalise_email(email)))
    if user is None:
        raise NotFoundError(
            f"No user with email `{email}`. Create one with `servgap user create {email} "
            "--role ROLE --workspace CODE`.",
            f"没有邮箱为 `{email}` 的用户。可用 `servgap user create {email} --role 角色 "
            "--workspace 代码` 创建。",
            code="unknown_user",
            fields=("email",),
        )
    return user


def _info(session: Session, user: UserAccount) -> UserInfo:
    rows = session.execute(
        select(Workspace.code, Membership.role, Membership.sites)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user.id)
    ).all()
    members = {code: role for code, role, _ in rows}
    sites = {code: tuple(st or ()) for code, _, st in rows if st}
    tokens = session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    return UserInfo(
        email=user.email,
        active=user.active,
        locked_until=user.locked_until,
        memberships=members,
        tokens=int(tokens or 0),
        created_at=user.created_at,
        sites=sites,
        display_name=user.display_name or "",
    )


def create_user(
    store: Store,
    email: str,
    *,
    role: str,
    workspace: str,
    password: str | None = None,
    sites: tuple[str, ...] = (),
) -> tuple[UserInfo, bool]:
    """Create a user with ``role`` in ``workspace`` (created: True), or give an existing user
    that role there (False). ``password`` None leaves an existing password as it is; a new
    user without one can use API tokens only until a password is set. The last admin of a
    workspace keeps the admin role (:class:`ConflictError` ``last_admin``)."""
    address = normalise_email(email)
    check_role(role)
    hashed = _hasher().hash(check_password(password)) if password is not None else None
    with store.session() as s:
        ws = get_workspace(s, workspace)
        checked = _check_sites(s, ws, role, sites)
        user = s.scalar(select(UserAccount).where(UserAccount.email == address))
        created = user is None
        if user is None:
            user = UserAccount(email=address, password_hash=hashed, active=True, failed_logins=0)
            s.add(user)
            s.flush()
        elif hashed is not None:
            user.password_hash = hashed
        member = s.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.workspace_id == ws.id
            )
        )
        if member is None:
            s.add(Membership(user_id=user.id, workspace_id=ws.id, role=role, sites=checked))
        else:
            if role != "admin":
                _keep_an_admin(s, ws, member, "demote")
            member.role = role
            member.sites = checked
        s.flush()
        return _info(s, user), created


def set_password(store: Store, email: str, password: str) -> UserInfo:
    hashed = _hasher().hash(check_password(password))
    with store.session() as s:
        user = _user(s, email)
        user.password_hash = hashed
        user.failed_logins = 0
        user.locked_until = None
        # a new password ends every browser session of the user
        for ws_ in s.scalars(select(WebSession).where(WebSession.user_id == user.id)):
            s.delete(ws_)
        return _info(s, user)


def list_users(store: Store, *, workspace: str | None = None) -> UserList:
    with store.session() as s:
        q = select(UserAccount).order_by(UserAccount.email)
        if workspace is not None:
            ws = get_workspace(s, workspace)
            q = q.join(Membership, Membership.user_id == UserAccount.id).where(
                Membership.workspace_id == ws.id
            )
        return UserList(tuple(_info(s, u) for u in s.scalars(q)))


def workspace_users(store: Store, *, workspace: str) -> UserList:
    """The users of one workspace, each with their role there only (what its admin sees)."""
    full = list_users(store, workspace=workspace)
    return UserList(
        tuple(
            UserInfo(
                u.email,
                u.active,
                u.locked_until,
                {workspace: u.memberships[workspace]},
                u.tokens,
                u.created_at,
                {workspace: u.sites[workspace]} if workspace in u.sites else {},
                u.display_name,
            )
            for u in full.users
        )
    )


# ---------------------------------------------------------------- login and sessions


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    return t if t is None or t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def authenticate(
    store: Store,
    email: str,
    password: str,
    *,
    now: dt.datetime | None = None,
    max_failures: int = 5,
    lockout: dt.timedelta = dt.timedelta(minutes=15),
) -> int:
    """The user id for a right email and password; otherwise :class:`AuthenticationError`
    (the same message whether the email or the password is wrong), or
    :class:`AccountLockedError` after ``max_failures`` failures in a row."""
    now = now or dt.datetime.now(dt.UTC)
    wrong = AuthenticationError(
        "The email or the password is wrong.", "邮箱或密码错误。", code="login_failed"
    )
    try:
        address = normalise_email(email)
    except InputError:
        _hasher_verify(_dummy_hash(), password)
        raise wrong from None
    locked_until: dt.datetime | None = None
    with store.session() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.email == address))
        if user is None or not user.active or user.password_hash is None:
            _hasher_verify(_dummy_hash(), password)
            raise wrong
        until = _aware(user.locked_until)
        if until is not None and until > now:
            locked_until = until
        elif _hasher_verify(user.password_hash, password):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            if _hasher().check_needs_rehash(user.password_hash):
                user.password_hash = _hasher().hash(password)
            return user.id
        else:
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= max_failures:
                user.locked_until = locked_until = now + lockout
                user.failed_logins = 0
    # the failure is committed: raise outside the transaction
    if locked_until is not None:
        at = locked_until.strftime("%H:%M UTC")
        raise AccountLockedError(
            f"Too many failed logins: the account is locked until {at}. Try again later, or ask "
            "an admin to set a new password.",
            f"登录失败次数过多：账户已锁定至 {at}。请稍后再试，或请管理员重设密码。",
        )
    raise wrong


def _hasher_verify(hashed: str, password: str) -> bool:
    try:
        return _hasher().verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def start_session(
    store: Store, user_id: int, *, hours: float = 12, now: dt.datetime | None = None
) -> NewSession:
    """A new browser session: the cookie value and the session's CSRF token."""
    now = now or dt.datetime.now(dt.UTC)
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=hours)
    with store.session() as s:
        # expired sessions of this user go when a new one starts
        for old in s.scalars(
            select(WebSession).where(WebSession.user_id == user_id, WebSession.expires_at < now)
        ):
            s.delete(old)
        s.add(
            WebSession(
                user_id=user_id,
                token_hash=digest(cookie),
                csrf=csrf,
                created_at=now,
                expires_at=expires,
            )
        )
    return NewSession(cookie, csrf, expires)


def end_session(store: Store, cookie: str) -> None:
    with store.session() as s:
        row = s.scalar(select(WebSession).where(WebSession.token_hash == digest(cookie)))
        if row is not None:
            s.delete(row)


def _principal(session: Session, user: UserAccount, via: str, csrf: str | None = None) -> Principal:
    rows = session.execute(
        select(Workspace.code, Membership.role, Membership.sites)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user.id)
    ).all()
    return Principal(
        user_id=user.id,
        email=user.email,
        roles={code: role for code, role, _ in rows},
        sites={code: tuple(sites or ()) for code, _, sites in rows},
        via=via,
        csrf=csrf,
    )


def session_principal(
    store: Store, cookie: str, *, now: dt.datetime | None = None
) -> Principal | None:
    """The user of a live session cookie, or None."""
    now = now or dt.datetime.now(dt.UTC)
    with store.session() as s:
        row = s.execute(
            select(WebSession, UserAccount)
            .join(UserAccount, UserAccount.id == WebSession.user_id)
            .where(WebSession.token_hash == digest(cookie))
        ).first()
        if row is None:
            return None
        sess, user = row
        expires = _aware(sess.expires_at)
        if not user.active or expires is None or expires <= now:
            return None
        return _principal(s, user, "session", sess.csrf)


# ---------------------------------------------------------------- API tokens


def _token_info(t: ApiToken, email: str) -> TokenInfo:
    return TokenInfo(t.id, email, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at)


def create_token(
    store: Store, email: str, *, name: str = "", now: dt.datetime | None = None
) -> NewToken:
    """A new API token for the user; the secret is in the result only."""
    if len(name) > 100:
        raise InputError(
            "The token `name` is longer than 100 characters.",
            "令牌名称 `name` 超过 100 个字符。",
            fields=("name",),
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.session() as s:
        user = _user(s, email)
        row = ApiToken(
            user_id=user.id,
            name=name,
            token_hash=digest(secret),
            prefix=secret[:12],
            created_at=now or dt.datetime.now(dt.UTC),
        )
        s.add(row)
        s.flush()
        return NewToken(secret, _token_info(row, user.email))


def list_tokens(store: Store, *, email: str | None = None) -> TokenList:
    with store.session() as s:
        q = select(ApiToken, UserAccount.email).join(
            UserAccount, UserAccount.id == ApiToken.user_id
        )
        if email is not None:
            q = q.where(UserAccount.id == _user(s, email).id)
        rows = s.execute(q.order_by(ApiToken.id)).all()
        return TokenList(tuple(_token_info(t, e) for t, e in rows))


def revoke_token(store: Store, token_id: int, *, now: dt.datetime | None = None) -> TokenInfo:
    """Revoke a token by its id (as `token list` shows it); revoking twice is harmless."""
    with store.session() as s:
        row = s.execute(
            select(ApiToken, UserAccount.email)
            .join(UserAccount, UserAccount.id == ApiToken.user_id)
            .where(ApiToken.id == token_id)
        ).first()
        if row is None:
            raise NotFoundError(
                f"No API token with id {token_id}; `servgap token list` shows the ids.",
                f"没有编号为 {token_id} 的 API 令牌；`servgap token list` 可列出编号。",
                code="unknown_token",
                fields=("token_id",),
            )
        token, email = row
        if token.revoked_at is None:
            token.revoked_at = now or dt.datetime.now(dt.UTC)
        return _token_info(token, email)


def token_principal(
    store: Store, secret: str, *, now: dt.datetime | None = None
) -> Principal | None:
    """The user of a live API token, or None. Use is recorded at most once a minute."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = now or dt.datetime.now(dt.UTC)
    with store.session() as s:
        row = s.execute(
            select(ApiToken, UserAccount)
            .join(UserAccount, UserAccount.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest(secret))
        ).first()
        if row is None:
            return None
        token, user = row
        if token.revoked_at is not None or not user.active:
            return None
        last = _aware(token.last_used_at)
        if last is None or now - last > dt.timedelta(minutes=1):
            token.last_used_at = now
        return _principal(s, user, "token")


def _member(session: Session, user: UserAccount, ws: Workspace) -> Membership:
    member = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.workspace_id == ws.id)
    )
    if member is None:
        raise ConflictError(
            f"`{user.email}` has no role in workspace `{ws.code}`.",
            f"`{user.email}` 在工作区 `{ws.code}` 中没有角色。",
            code="not_a_member",
            fields=("email",),
        )
    return member


def _keep_an_admin(session: Session, ws: Workspace, member: Membership, doing: str) -> None:
    """Refuse to remove or demote the workspace's last admin (someone must manage it).

    The admins' rows are locked first (PostgreSQL), so that two admins demoting each other
    at the same moment cannot leave the workspace without one."""
    if member.role != "admin":
        return
    admins = session.scalars(
        select(Membership.id)
        .where(Membership.workspace_id == ws.id, Membership.role == "admin")
        .with_for_update()
    ).all()
    if len(admins) <= 1:
        en, zh = (
            ("remove", "移除") if doing == "remove" else ("give another role to", "改为其他角色")
        )
        raise ConflictError(
            f"Cannot {en} the last admin of workspace `{ws.code}`: make another member admin "
            "first.",
            f"不能{zh}工作区 `{ws.code}` 的最后一位管理员：请先把另一位成员设为管理员。",
            code="last_admin",
            fields=("email",) if doing == "remove" else ("role",),
        )


def remove_membership(store: Store, email: str, *, workspace: str) -> UserInfo:
    """Take the user's role in ``workspace`` away (the account and its other roles stay);
    the last admin of a workspace cannot be removed (:class:`ConflictError` ``last_admin``)."""
    with store.session() as s:
        user = _user(s, email)
        ws = get_workspace(s, workspace)
        member = _member(s, user, ws)
        _keep_an_admin(s, ws, member, "remove")
        s.delete(member)
        s.flush()
        return _info(s, user)


def _check_sites(session: Session, ws: Workspace, role: str, sites: tuple[str, ...]) -> list[str]:
    sites = tuple(dict.fromkeys(str(x).strip() for x in sites if str(x).strip()))
    if sites and role != "auditor":
        raise InputError(
            f"Assigned sites (`site`) are for auditors; a user with role {role} works for every "
            "site of the workspace.",
            f"负责网点（`site`）只适用于审核员；角色为 {role} 的用户可处理工作区的全部网点。",
            code="sites_for_auditors",
            fields=("site",),
        )
    if sites:
        known = set(session.scalars(select(Site.code).where(Site.workspace_id == ws.id)))
        unknown = [x for x in sites if x not in known]
        if unknown:
            raise InputError(
                f"`site` {', '.join(unknown)} is not a site of workspace `{ws.code}`; its "
                f"sites are {', '.join(sorted(known)[:20]) or '(none)'}.",
                f"网点 `site` {'、'.join(unknown)} 不属于工作区 `{ws.code}`；其网点为 "
                f"{'、'.join(sorted(known)[:20]) or '（无）'}。",
                code="unknown_site",
                fields=("site",),
            )
    return list(sites)


def change_role(
    store: Store, email: str, *, workspace: str, role: str, sites: tuple[str, ...] = ()
) -> UserInfo:
    """Give a member of ``workspace`` another role (and an auditor their sites); the last
    admin keeps the admin role (:class:`ConflictError` ``last_admin``)."""
    check_role(role)
    with store.session() as s:
        user = _user(s, email)
        ws = get_workspace(s, workspace)
        member = _member(s, user, ws)
        checked = _check_sites(s, ws, role, sites)
        if role != "admin":
            _keep_an_admin(s, ws, member, "demote")
        member.role = role
        member.sites = checked
        s.flush()
        return _info(s, user)


@dataclass(frozen=True)
class SignedInUser(ResultMixin):
    """What the API's ``/me`` returns: the caller, their role and (auditors) assigned sites
    per workspace, and how they signed in (``session`` or ``token``)."""

    email: str
    roles: dict[str, str]
    sites: dict[str, tuple[str, ...]]
    via: str


def describe(principal: Principal) -> SignedInUser:
    """What the API's /me returns (workspaces without assigned sites are left out of
    ``sites``)."""
    return SignedInUser(
        email=principal.email,
        roles=dict(principal.roles),
        sites={ws: tuple(x) for ws, x in principal.sites.items() if x},
        via=principal.via,
    )
