"""Administration pages at ``/w/{ws}/admin``: users and roles, API tokens, workspace settings
and SLA policies, surveys and their versions (load a YAML definition, preview a version as a
respondent), and the import runs with their error reports. Admins only.

The routes parse the form, call one service and render: users and tokens
(:mod:`servgap.services.accounts`), settings and SLA policies
(:mod:`servgap.services.workspaces`), surveys (:mod:`servgap.services.portal`), imports
(:mod:`servgap.services.import_runs`). Each list is also JSON at the same URL with
``.json``. A refused form is drawn again with its values and each problem beside its field,
nothing having been stored; a secret (a first password, a new API token) is shown in the
answer to the form that made it, once, and never put in a URL or a JSON twin.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.errors import InputError, Problem, ServgapError
from servgap.i18n import Lang, t
from servgap.services.account_admin import (
    create_workspace_token,
    invite_user,
    parse_token_id,
    reset_password,
    revoke_workspace_token,
    workspace_tokens,
)
from servgap.services.accounts import (
    ROLES,
    change_role,
    remove_membership,
    role_label,
    workspace_users,
)
from servgap.services.import_runs import (
    import_error_report,
    list_import_runs,
    parse_run_id,
)
from servgap.services.portal import (
    load_definition_text,
    preview_problems,
    survey_catalog,
    survey_preview,
)
from servgap.services.sites import list_sites
from servgap.services.workspaces import (
    SETTING_GROUPS,
    SLA_FIELDS,
    set_sla_policies,
    setting_text,
    sla_policy_table,
    update_workspace_settings,
    workspace_settings,
    workspace_timezone,
)
from servgap.web.access import ADMINS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.forms import Form, form_text
from servgap.web.pages.respond import answers_from_form, errors_by_question, paginate, question_view
from servgap.web.templating import download, page, render

router = APIRouter()

Admin = Annotated[Access, Depends(InWorkspace(*ADMINS, page=True))]

SECTIONS = ("users", "tokens", "settings", "surveys", "imports")
MAX_DEFINITION_BYTES = 512 * 1024
SLA_BLANK_ROWS = 3
MAX_SLA_ROWS = 100
MAX_FIELD = 2000  # characters of any one form field but the survey definition


def _text(form: FormData, name: str, *, limit: int = MAX_FIELD) -> str:
    return form_text(form, name, limit=limit)


def _sites_of(text: str) -> tuple[str, ...]:
    return tuple(x for x in (p.strip() for p in text.replace("，", ",").split(",")) if x)


def _message(exc: ServgapError, lang: Lang) -> str:
    return exc.zh if lang == "zh" else exc.en


def _field_errors(exc: ServgapError, lang: Lang) -> dict[str, list[str]]:
    """Messages per form field: each problem under its column (``<column>-<row>`` too when it
    names a row), else the error's message under each field it names."""
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        msg = p.zh if lang == "zh" else p.en
        if p.column:
            out.setdefault(p.column, []).append(msg)
            if p.row is not None:
                out.setdefault(f"{p.column}-{p.row}", []).append(msg)
    if not exc.problems:
        for f in exc.fields:
            out.setdefault(f, []).append(_message(exc, lang))
    return out


def _local_time(zone: str) -> Callable[[dt.datetime | None], str]:
    """Date-times as the workspace's local time (``YYYY-MM-DD HH:MM``)."""
    tz = zoneinfo.ZoneInfo(zone)

    def show(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return show


def _base(access: Access, section: str, store: Any = None) -> dict[str, Any]:
    zone = workspace_timezone(store, access.workspace) if store is not None else "UTC"
    return {
        "ws": access.workspace,
        "section": section,
        "sections": SECTIONS,
        "me": access.principal.email,
        "zone": zone,
        "when": _local_time(zone),
    }


# ---------------------------------------------------------------- overview


@router.get("/w/{ws}/admin")
@router.get("/w/{ws}/admin.json")
def admin_home(ws: str, request: Request, store: StoreDep, access: Admin) -> Response:
    """What there is to manage, with counts."""
    users = workspace_users(store, workspace=access.workspace)
    tokens = workspace_tokens(store, workspace=access.workspace)
    catalog = survey_catalog(store, workspace=access.workspace)
    runs = list_import_runs(store, workspace=access.workspace)
    counts = {
        "users": len(users.users),
        "admins": sum(1 for u in users.users if u.memberships.get(access.workspace) == "admin"),
        "tokens": sum(1 for x in tokens.tokens if x.revoked_at is None),
        "surveys": len(catalog.surveys),
        "imports": len(runs.runs),
        "failed_imports": sum(1 for r in runs.runs if r.status == "failed"),
    }
    ctx = {**_base(access, ""), "counts": counts}
    return page(request, "admin.html", ctx, data={"workspace": access.workspace, **counts})


# ---------------------------------------------------------------- users and roles


def _users_page(
    request: Request,
    store: Any,
    access: Access,
    *,
    status: int = 200,
    invited: Any = None,
    password_for: tuple[str, str] | None = None,
    notice: str | None = None,
    error: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    users = workspace_users(store, workspace=access.workspace)
    sites = [s for s in _site_codes(store, access.workspace)]
    ctx = {
        **_base(access, "users", store),
        "users": users.users,
        "roles": ROLES,
        "role_label": role_label,
        "sites": sites,
        "invited": invited,
        "password_for": password_for,
        "notice": notice,
        "error": error,
        "errors": errors or {},
        "values": values or {},
    }
    if status != 200:
        return render(request, "admin_users.html", ctx, status=status)
    return page(request, "admin_users.html", ctx, data=users.to_dict())


def _site_codes(store: Any, workspace: str) -> list[str]:
    frame = list_sites(store, workspace=workspace)
    return [str(x) for x in frame["site"]] if "site" in frame.columns else []


@router.get("/w/{ws}/admin/users")
@router.get("/w/{ws}/admin/users.json")
def users_page(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep
) -> Response:
    done = request.query_params.get("done")
    notice = t(f"web_admin_done_{done}", lang) if done in ("role", "removed") else None
    return _users_page(request, store, access, notice=notice)


@router.post("/w/{ws}/admin/users")
def invite_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    """Invite a user: a new account's first password is shown in this answer only."""
    values = {k: _text(form, k) for k in ("email", "display_name", "role", "sites")}
    try:
        invitation = invite_user(
            store,
            values["email"],
            workspace=access.workspace,
            role=values["role"],
            display_name=values["display_name"],
            sites=_sites_of(values["sites"]),
        )
    except ServgapError as exc:
        errors = _field_errors(exc, lang)
        if "site" in errors:
            errors["sites"] = errors.pop("site")
        return _users_page(request, store, access, status=exc.status, values=values,
                           error=_message(exc, lang), errors=errors)  # fmt: skip
    return _users_page(request, store, access, status=201 if invitation.created else 200,
                       invited=invitation)  # fmt: skip


@router.post("/w/{ws}/admin/users/role")
def role_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    """Change a member's role (and an auditor's sites); never the last admin's."""
    try:
        change_role(
            store,
            _text(form, "email"),
            workspace=access.workspace,
            role=_text(form, "role"),
            sites=_sites_of(_text(form, "sites")),
        )
    except ServgapError as exc:
        return _users_page(request, store, access, status=exc.status, error=_message(exc, lang))
    return RedirectResponse(f"/w/{access.workspace}/admin/users?done=role", status_code=303)


@router.post("/w/{ws}/admin/users/remove")
def remove_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    """Take a member's role in this workspace away; never the last admin's."""
    try:
        remove_membership(store, _text(form, "email"), workspace=access.workspace)
    except ServgapError as exc:
        return _users_page(request, store, access, status=exc.status, error=_message(exc, lang))
    return RedirectResponse(f"/w/{access.workspace}/admin/users?done=removed", status_code=303)


@router.post("/w/{ws}/admin/users/password")
def password_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    """A new random password for a member of this workspace only, shown once."""
    email = _text(form, "email")
    try:
        info, password = reset_password(store, email, workspace=access.workspace)
    except ServgapError as exc:
        return _users_page(request, store, access, status=exc.status, error=_message(exc, lang))
    return _users_page(request, store, access, password_for=(info.email, password))


# ---------------------------------------------------------------- API tokens


def _tokens_page(
    request: Request,
    store: Any,
    access: Access,
    *,
    status: int = 200,
    new: Any = None,
    notice: str | None = None,
    error: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> Response:
    tokens = workspace_tokens(store, workspace=access.workspace)
    users = workspace_users(store, workspace=access.workspace)
    ctx = {
        **_base(access, "tokens", store),
        "tokens": tokens.tokens,
        "members": [u.email for u in users.users],
        "new": new,
        "notice": notice,
        "error": error,
        "errors": errors or {},
    }
    if status != 200 or new is not None:
        return render(request, "admin_tokens.html", ctx, status=status)
    return page(request, "admin_tokens.html", ctx, data=tokens.to_dict())


@router.get("/w/{ws}/admin/tokens")
@router.get("/w/{ws}/admin/tokens.json")
def tokens_page(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep
) -> Response:
    revoked = request.query_params.get("revoked")
    notice = t("web_admin_token_revoked", lang, id=revoked) if revoked else None
    return _tokens_page(request, store, access, notice=notice)


@router.post("/w/{ws}/admin/tokens")
def token_create_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    """A new token; its secret is in this answer only (the store keeps its hash)."""
    owner = _text(form, "email") or access.principal.email
    try:
        new = create_workspace_token(store, owner, workspace=access.workspace,
                                     name=_text(form, "name"), by=access.principal.email)  # fmt: skip
    except ServgapError as exc:
        return _tokens_page(request, store, access, status=exc.status,
                            error=_message(exc, lang), errors=_field_errors(exc, lang))  # fmt: skip
    return _tokens_page(request, store, access, status=201, new=new)


@router.post("/w/{ws}/admin/tokens/revoke")
def token_revoke_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    try:
        info = revoke_workspace_token(
            store, parse_token_id(_text(form, "token_id")), workspace=access.workspace
        )
    except ServgapError as exc:
        return _tokens_page(request, store, access, status=exc.status, error=_message(exc, lang))
    return RedirectResponse(f"/w/{access.workspace}/admin/tokens?revoked={info.id}", 303)


# ---------------------------------------------------------------- settings and SLA policies


def _sla_rows(policies: Sequence[Any]) -> list[dict[str, str]]:
    rows = [
        {
            "category": p.category,
            "priority": p.priority,
            "acknowledge_within_h": setting_text(p.acknowledge_within_h, ""),
            "resolve_within_h": setting_text(p.resolve_within_h, ""),
        }
        for p in policies
    ]
    return rows + [dict.fromkeys(SLA_FIELDS, "") for _ in range(SLA_BLANK_ROWS)]


def _settings_page(
    request: Request,
    store: Any,
    access: Access,
    *,
    status: int = 200,
    group: str | None = None,
    typed: Mapping[str, str] | None = None,
    sla_typed: list[dict[str, str]] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    from servgap.core.cases import CATEGORIES, PRIORITIES

    current = workspace_settings(store, access.workspace)
    sla = sla_policy_table(store, access.workspace)
    by_key = {s.key: s for s in current.settings}
    values = {k: setting_text(s.value, k) for k, s in by_key.items()}
    values.update(typed or {})
    ctx = {
        **_base(access, "settings", store),
        "groups": SETTING_GROUPS,
        "settings": by_key,
        "values": values,
        "defaults": {
            k: setting_text(v.default, k)
            for k, v in by_key.items()
            if k not in ("name_zh", "name_en")
        },
        "group": group,
        "sla": sla,
        "sla_rows": sla_typed if sla_typed is not None else _sla_rows(sla.policies),
        "categories": list(CATEGORIES),
        "priorities": list(PRIORITIES),
        "errors": errors or {},
        "error": error,
        "notice": notice,
    }
    data = {"settings": current.to_dict(), "sla": sla.to_dict()}
    if status != 200:
        return render(request, "admin_settings.html", ctx, status=status)
    return page(request, "admin_settings.html", ctx, data=data)


@router.get("/w/{ws}/admin/settings")
@router.get("/w/{ws}/admin/settings.json")
def settings_page(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep
) -> Response:
    saved = request.query_params.get("saved")
    notice = t("web_admin_saved", lang) if saved in (*SETTING_GROUPS, "sla") else None
    return _settings_page(request, store, access, notice=notice)


@router.post("/w/{ws}/admin/settings")
def settings_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    """Save one group of settings, all or none; a bad value is shown beside its field."""
    group = _text(form, "group")
    if group not in SETTING_GROUPS:
        raise InputError(
            f"`group` {group!r} is not a group of settings; use one of "
            f"{', '.join(SETTING_GROUPS)}.",
            f"`group` {group!r} 不是设置分组；可用：{'、'.join(SETTING_GROUPS)}。",
            fields=("group",),
        )
    typed = {k: _text(form, k) for k in SETTING_GROUPS[group] if k in form}
    try:
        update_workspace_settings(store, access.workspace, typed)
    except ServgapError as exc:
        labels = [t(f"web_admin_key_{f.replace('.', '_')}", lang) for f in exc.fields]
        error = t("web_admin_settings_refused", lang, fields="、".join(labels) if lang == "zh"
                  else ", ".join(labels)) if exc.fields else _message(exc, lang)  # fmt: skip
        return _settings_page(request, store, access, status=exc.status, group=group,
                              typed=typed, errors=_field_errors(exc, lang), error=error)  # fmt: skip
    return RedirectResponse(f"/w/{access.workspace}/admin/settings?saved={group}#{group}", 303)


@router.post("/w/{ws}/admin/sla")
def sla_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, form: Form
) -> Response:
    """Replace the SLA policies by the rows of the form, all or none."""
    if not any(f"{f}-1" in form for f in SLA_FIELDS):
        raise InputError(
            "The form sent no SLA policy rows (`category-1` …); reload the page and try again.",
            "表单中没有 SLA 规则行（`category-1` …）；请刷新页面后重试。",
            fields=("category",),
        )
    rows: list[dict[str, str]] = []
    for i in range(1, MAX_SLA_ROWS + SLA_BLANK_ROWS + 1):
        if not any(f"{f}-{i}" in form for f in SLA_FIELDS):
            break
        rows.append({f: _text(form, f"{f}-{i}", limit=40) for f in SLA_FIELDS})
    try:
        set_sla_policies(store, access.workspace, rows)
    except ServgapError as exc:
        return _settings_page(request, store, access, status=exc.status, group="sla",
                              sla_typed=rows, errors=_field_errors(exc, lang),
                              error=_message(exc, lang))  # fmt: skip
    return RedirectResponse(f"/w/{access.workspace}/admin/settings?saved=sla#sla", 303)


# ---------------------------------------------------------------- surveys, versions, preview


def _surveys_page(
    request: Request,
    store: Any,
    access: Access,
    *,
    status: int = 200,
    text: str = "",
    error: str | None = None,
    problems: Sequence[Problem] = (),
    notice: str | None = None,
    lang: Lang = "en",
) -> Response:
    catalog = survey_catalog(store, workspace=access.workspace)
    ctx = {
        **_base(access, "surveys", store),
        "catalog": catalog,
        "text": text,
        "load_error": error,
        "problems": [
            {
                "line": p.row,
                "field": p.column,
                "message": p.zh if lang == "zh" else p.en,
                "value": p.shown_value(p.zh if lang == "zh" else p.en),
            }
            for p in problems[:100]
        ],
        "notice": notice,
    }
    if status != 200:
        return render(request, "admin_surveys.html", ctx, status=status)
    return page(request, "admin_surveys.html", ctx, data=catalog.to_dict())


@router.get("/w/{ws}/admin/surveys")
@router.get("/w/{ws}/admin/surveys.json")
def surveys_page(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep
) -> Response:
    loaded, version = request.query_params.get("loaded"), request.query_params.get("version")
    notice = None
    if loaded and version:
        key = (
            "web_admin_survey_loaded"
            if request.query_params.get("new")
            else "web_admin_survey_same"
        )
        notice = t(key, lang, survey=loaded[:64], version=version[:8])
    return _surveys_page(request, store, access, notice=notice, lang=lang)


async def _definition_text(request: Request) -> str:
    """The YAML pasted in ``definition`` or uploaded as ``file`` (the file wins)."""
    form = await request.form()
    try:
        upload = form.get("file")
        raw = b""
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read(MAX_DEFINITION_BYTES + 1)
        text = form.get("definition")
    finally:
        await form.close()  # the upload's temporary file goes now
    if not raw:
        return text if isinstance(text, str) else ""
    if len(raw) > MAX_DEFINITION_BYTES:
        raise InputError(
            f"The `file` is larger than {MAX_DEFINITION_BYTES:,} bytes.",
            f"文件 `file` 超过 {MAX_DEFINITION_BYTES:,} 字节。",
            fields=("file",),
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The `file` is not UTF-8 text (byte {exc.start}); save the YAML as UTF-8.",
            f"文件 `file` 不是 UTF-8 文本（第 {exc.start} 字节）；请以 UTF-8 保存 YAML。",
            fields=("file",),
        ) from None


DefinitionText = Annotated[str, Depends(_definition_text)]


@router.post("/w/{ws}/admin/surveys")
def load_survey_form(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep, text: DefinitionText
) -> Response:
    """Load a survey definition; its problems are listed with their YAML line and field."""
    try:
        loaded = load_definition_text(store, workspace=access.workspace, text=text)
    except ServgapError as exc:
        return _surveys_page(request, store, access, status=exc.status, text=text[:200_000],
                             error=_message(exc, lang), problems=exc.problems, lang=lang)  # fmt: skip
    new = "&new=1" if loaded.created else ""
    return RedirectResponse(
        f"/w/{access.workspace}/admin/surveys?loaded={loaded.survey}&version={loaded.version}{new}",
        303,
    )


def _version_param(request: Request) -> int | None:
    raw = request.query_params.get("v")
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InputError(
            f"`version` {raw[:20]!r} is not a version number.",
            f"`version` {raw[:20]!r} 不是版本号。",
            fields=("version",),
        ) from None


def _preview(
    request: Request,
    store: Any,
    access: Access,
    survey: str,
    lang: Lang,
    page_no: int,
    *,
    values: Mapping[str, Any] | None = None,
    problems: Sequence[Problem] = (),
    notice: str | None = None,
    status: int = 200,
) -> Response:
    preview = survey_preview(store, workspace=access.workspace, survey=survey,
                             version=_version_param(request))  # fmt: skip
    pages = paginate(preview.definition)
    page_no = min(max(page_no, 1), len(pages))
    errors = errors_by_question(preview.definition, tuple(problems), lang)
    action = f"/w/{access.workspace}/admin/surveys/{survey}/preview?v={preview.version}"
    ctx = {
        "form": {"respondent": "preview"},
        "ws_name": preview.workspace_name.get(lang),
        "title": preview.definition.title.get(lang),
        "questions": [question_view(q, lang, values or {}, errors) for q in pages[page_no - 1]],
        "page": page_no,
        "pages": len(pages),
        "last": page_no == len(pages),
        "action": action,
        "n_problems": len(problems),
        "elsewhere": [],
        "notice": notice,
        "preview": preview,
        "back_url": f"/w/{access.workspace}/admin/surveys",
    }
    if status != 200:
        return render(request, "admin_preview.html", ctx, status=status)
    return page(request, "admin_preview.html", ctx, data=preview.to_dict())


@router.get("/w/{ws}/admin/surveys/{survey}/preview")
@router.get("/w/{ws}/admin/surveys/{survey}/preview.json")
def preview_page(
    ws: str, survey: str, request: Request, store: StoreDep, access: Admin, lang: LangDep,
    p: int = 1,
) -> Response:  # fmt: skip
    """A version of the survey drawn with the respondents' template; nothing is stored."""
    return _preview(request, store, access, survey, lang, p)


@router.post("/w/{ws}/admin/surveys/{survey}/preview")
def preview_post(
    ws: str, survey: str, request: Request, store: StoreDep, access: Admin, lang: LangDep,
    form: Form,
) -> Response:  # fmt: skip
    """The respondent's buttons in a preview: answers are checked as a respondent's would be
    and the next (or previous) page is drawn; nothing is ever saved."""
    preview = survey_preview(store, workspace=access.workspace, survey=survey,
                             version=_version_param(request))  # fmt: skip
    pages = paginate(preview.definition)
    try:
        page_no = min(max(int(_text(form, "p", limit=6) or "1"), 1), len(pages))
    except ValueError:
        page_no = 1
    action = _text(form, "action", limit=10) or "next"
    raw = answers_from_form(form, preview.definition, pages[page_no - 1])
    if action == "back":
        return _preview(request, store, access, survey, lang, page_no - 1)
    if action == "save":
        return _preview(request, store, access, survey, lang, page_no, values=raw,
                        notice=t("web_admin_preview_not_saved", lang))  # fmt: skip
    codes = [q.code for q in pages[page_no - 1]]
    problems = preview_problems(preview.definition, raw, questions=codes)
    if problems:
        return _preview(request, store, access, survey, lang, page_no, values=raw,
                        problems=problems, status=422)  # fmt: skip
    if action == "submit" or page_no == len(pages):
        return _preview(request, store, access, survey, lang, page_no, values=raw,
                        notice=t("web_admin_preview_submitted", lang))  # fmt: skip
    return _preview(request, store, access, survey, lang, page_no + 1)


# ---------------------------------------------------------------- imports and error reports


@router.get("/w/{ws}/admin/imports")
@router.get("/w/{ws}/admin/imports.json")
def imports_page(
    ws: str, request: Request, store: StoreDep, access: Admin, lang: LangDep
) -> Response:
    """The import runs, newest first; ``?run=N`` shows that run's error report."""
    runs = list_import_runs(store, workspace=access.workspace)
    chosen = request.query_params.get("run")
    report = (
        import_error_report(store, workspace=access.workspace, run_id=parse_run_id(chosen))
        if chosen
        else None
    )
    ctx = {
        **_base(access, "imports", store),
        "runs": runs.runs,
        "report": report,
        "shown": report.problems[:200] if report is not None else (),
    }
    return page(request, "admin_imports.html", ctx, data=(report or runs).to_dict())


@router.get("/w/{ws}/admin/imports/errors.csv")
def import_errors_csv(ws: str, request: Request, store: StoreDep, access: Admin) -> Response:
    """The error report of one run (``?run=N``) as CSV: row, column, value, problem."""
    run_id = parse_run_id(request.query_params.get("run"))
    report = import_error_report(store, workspace=access.workspace, run_id=run_id)
    return download(report.to_frame(), f"import_{run_id}_errors", "csv")
