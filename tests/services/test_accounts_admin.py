"""What a workspace's admin may do to its accounts (services.accounts), its settings and SLA
policies (services.workspaces), its survey definitions (services.portal) and how imports are
recorded (services.import_runs): all or none, the last admin kept, secrets of accounts shared
with another workspace out of reach."""

from __future__ import annotations

import datetime as dt

import pytest

from servgap.core.errors import ConflictError, InputError, NotFoundError, Problem
from servgap.services.account_admin import (
    create_workspace_token,
    invite_user,
    reset_password,
    revoke_workspace_token,
    workspace_tokens,
)
from servgap.services.accounts import (
    AccountScopeError,
    Principal,
    SignedInUser,
    authenticate,
    change_role,
    create_token,
    create_user,
    describe,
    list_tokens,
    remove_membership,
    token_principal,
    workspace_users,
)
from servgap.services.context import Store
from servgap.services.import_runs import (
    import_error_report,
    list_import_runs,
    parse_run_id,
    run_import,
)
from servgap.services.portal import (
    load_definition,
    load_definition_text,
    survey_catalog,
    survey_preview,
    yaml_line,
)
from servgap.services.workspaces import (
    create_workspace,
    set_sla_policies,
    sla_policy_table,
    update_workspace_settings,
    workspace_settings,
)

TINY = {"code": "tiny", "title": {"zh": "小", "en": "Tiny"},
        "questions": [{"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}}]}  # fmt: skip


@pytest.fixture
def two(store: Store) -> Store:
    for code in ("acme", "beta"):
        create_workspace(store, code, name_zh=code, name_en=code)
    create_user(store, "boss@acme.test", role="admin", workspace="acme")
    create_user(store, "ana@acme.test", role="analyst", workspace="acme")
    create_user(store, "boss@beta.test", role="admin", workspace="beta")
    return store


def test_describe_gives_a_typed_result_with_the_same_json_as_before() -> None:
    p = Principal(user_id=1, email="a@x.test", roles={"acme": "auditor", "beta": "admin"},
                  sites={"acme": ("sh01", "bj01"), "beta": ()}, via="session", csrf="c")  # fmt: skip
    me = describe(p)
    assert isinstance(me, SignedInUser)
    with pytest.raises(AttributeError):
        me.email = "b@x.test"  # type: ignore[misc]
    assert me.to_dict() == {"email": "a@x.test", "roles": {"acme": "auditor", "beta": "admin"},
                            "sites": {"acme": ["sh01", "bj01"]}, "via": "session"}  # fmt: skip


def test_the_last_admin_is_kept_by_every_way_of_changing_roles(two: Store) -> None:
    for call in (
        lambda: remove_membership(two, "boss@acme.test", workspace="acme"),
        lambda: change_role(two, "boss@acme.test", workspace="acme", role="agent"),
        lambda: create_user(two, "boss@acme.test", role="analyst", workspace="acme"),
    ):
        with pytest.raises(ConflictError) as err:
            call()
        assert err.value.code == "last_admin" and "last admin of workspace `acme`" in err.value.en
    change_role(two, "ana@acme.test", workspace="acme", role="admin")
    info = change_role(two, "boss@acme.test", workspace="acme", role="agent")
    assert info.memberships == {"acme": "agent"}
    # beta's admin is untouched by acme's changes
    assert workspace_users(two, workspace="beta").users[0].memberships == {"beta": "admin"}


def test_change_role_checks_the_role_the_member_and_an_auditors_sites(two: Store) -> None:
    with pytest.raises(InputError) as err:
        change_role(two, "ana@acme.test", workspace="acme", role="boss")
    assert err.value.fields == ("role",)
    with pytest.raises(ConflictError) as not_member:
        change_role(two, "boss@beta.test", workspace="acme", role="agent")
    assert not_member.value.code == "not_a_member"
    with pytest.raises(InputError) as sites:
        change_role(two, "ana@acme.test", workspace="acme", role="analyst", sites=("sh01",))
    assert sites.value.code == "sites_for_auditors"


def test_invite_makes_a_first_password_for_a_new_account_only(two: Store) -> None:
    new = invite_user(
        two, "New@Acme.test", workspace="acme", role="agent", display_name=" Wang  Fang "
    )
    assert new.created and new.password is not None and len(new.password) >= 10
    assert new.user.display_name == "Wang Fang"
    assert authenticate(two, "new@acme.test", new.password) > 0
    assert "password" not in new.to_dict()  # a JSON twin never repeats it
    again = invite_user(two, "new@acme.test", workspace="beta", role="analyst")
    assert not again.created and again.password is None
    assert authenticate(two, "new@acme.test", new.password) > 0  # unchanged


def test_secrets_of_an_account_shared_with_another_workspace_are_out_of_reach(two: Store) -> None:
    create_user(two, "boss@beta.test", role="analyst", workspace="acme")
    with pytest.raises(AccountScopeError):
        reset_password(two, "boss@beta.test", workspace="acme")
    with pytest.raises(AccountScopeError):
        create_workspace_token(two, "boss@beta.test", workspace="acme", by="boss@acme.test")
    # their own token, yes; a member of this workspace only, yes
    own = create_workspace_token(two, "boss@beta.test", workspace="acme", by="boss@beta.test")
    assert own.token.startswith("sgp_")
    info, password = reset_password(two, "ana@acme.test", workspace="acme")
    assert authenticate(two, info.email, password) > 0


def test_tokens_are_listed_and_revoked_per_workspace(two: Store) -> None:
    a = create_token(two, "ana@acme.test", name="bi")
    b = create_token(two, "boss@beta.test", name="etl")
    listed = workspace_tokens(two, workspace="acme")
    assert [t.name for t in listed.tokens] == ["bi"]
    assert "token" not in listed.tokens[0].to_dict()  # never the secret
    with pytest.raises(NotFoundError):
        revoke_workspace_token(two, b.info.id, workspace="acme")
    assert token_principal(two, b.token) is not None
    revoke_workspace_token(two, a.info.id, workspace="acme")
    assert token_principal(two, a.token) is None
    assert list_tokens(two, email="ana@acme.test").tokens[0].revoked_at is not None


def test_settings_are_updated_all_or_none_with_each_bad_key_named(two: Store) -> None:
    before = workspace_settings(two, "acme")
    with pytest.raises(InputError) as err:
        update_workspace_settings(two, "acme", {"timezone": "Nowhere/City", "currency": "EUR",
                                                "cost.abandon": "-2", "colour": "red"})  # fmt: skip
    assert set(err.value.fields) == {"timezone", "cost.abandon", "colour"}
    assert {p.column for p in err.value.problems} == {"timezone", "cost.abandon", "colour"}
    assert workspace_settings(two, "acme") == before
    after = update_workspace_settings(two, "acme", {"timezone": "Asia/Hong_Kong", "currency": "hkd",
                                                    "brand_reputation": "80"})  # fmt: skip
    got = {s.key: s.value for s in after.settings}
    assert (got["timezone"], got["currency"], got["brand_reputation"]) == (
        "Asia/Hong_Kong",
        "HKD",
        80.0,
    )
    # an empty text returns a key to its default; names need a value
    after = update_workspace_settings(two, "acme", {"brand_reputation": ""})
    assert {s.key: s.value for s in after.settings}["brand_reputation"] is None
    with pytest.raises(InputError) as empty:
        update_workspace_settings(two, "acme", {"name_en": "  "})
    assert empty.value.fields == ("name_en",)


def test_sla_policies_are_checked_row_by_row_and_replaced_together(two: Store) -> None:
    set_sla_policies(two, "acme", [{"category": "delay", "priority": "*",
                                    "acknowledge_within_h": "2", "resolve_within_h": "16"}])  # fmt: skip
    kept = sla_policy_table(two, "acme")
    with pytest.raises(InputError) as err:
        set_sla_policies(two, "acme", [
            {"category": "late", "priority": "*", "acknowledge_within_h": "1", "resolve_within_h": "2"},
            {"category": "*", "priority": "high", "acknowledge_within_h": "9", "resolve_within_h": "3"},
            {"category": "*", "priority": "low", "acknowledge_within_h": "inf", "resolve_within_h": "0"},
            {"category": "", "priority": "", "acknowledge_within_h": "", "resolve_within_h": ""},
        ])  # fmt: skip
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(1, "category"), (2, "acknowledge_within_h"), (3, "acknowledge_within_h"),
                     (3, "resolve_within_h")}  # fmt: skip
    assert sla_policy_table(two, "acme") == kept
    assert len(kept.defaults) == 4 and sla_policy_table(two, "beta").policies == ()
    assert set_sla_policies(two, "acme", []).policies == ()


YAML = """code: tiny
title: {zh: 小, en: Tiny}
questions:
  - code: nps
    type: nps
    text: {zh: 推荐, en: Recommend}
  - code: q2
    type: likert
"""


def test_survey_yaml_problems_carry_their_line(two: Store) -> None:
    assert yaml_line(YAML, "questions[2] (q2).text") == 7  # the question, as `text` is absent
    assert yaml_line(YAML, "questions[1] (nps).type") == 5
    assert yaml_line(YAML, "title") == 2 and yaml_line(YAML, None) is None
    with pytest.raises(InputError) as err:
        load_definition_text(two, workspace="acme", text=YAML)
    assert [(p.row, p.column) for p in err.value.problems] == [(7, "questions[2] (q2).text")]
    with pytest.raises(InputError) as syntax:
        load_definition_text(two, workspace="acme", text="code: [x\n")
    assert syntax.value.code == "invalid_yaml" and syntax.value.problems[0].row == 2
    with pytest.raises(InputError):
        load_definition_text(two, workspace="acme", text="   ")
    assert survey_catalog(two, workspace="acme").surveys == ()


def test_catalog_and_preview_of_versions(two: Store) -> None:
    load_definition(two, workspace="acme", raw=TINY)
    load_definition(two, workspace="acme", raw={**TINY, "title": {"zh": "小二", "en": "Tiny 2"}})
    [tiny] = survey_catalog(two, workspace="acme").surveys
    assert [v.version for v in tiny.versions] == [2, 1] and tiny.title_en == "Tiny 2"
    first = survey_preview(two, workspace="acme", survey="tiny", version=1)
    assert (first.version, first.latest, first.definition.title.en) == (1, 2, "Tiny")
    assert survey_preview(two, workspace="acme", survey="tiny").version == 2
    with pytest.raises(NotFoundError) as err:
        survey_preview(two, workspace="acme", survey="tiny", version=3)
    assert err.value.fields == ("version",)
    with pytest.raises(NotFoundError):
        survey_preview(two, workspace="beta", survey="tiny")


def test_import_runs_are_recorded_with_their_problems(two: Store) -> None:
    load_definition(two, workspace="acme", raw=TINY)
    bad = InputError("2 problem(s)", "2 处问题", code="invalid_rows", problems=(
        Problem("outside 0–10", "超出 0–10", row=3, column="nps", value=12.0),
        Problem("unknown site", "未知网点", row=5, column="site", value="x"),
        Problem("again", "再次", row=5, column="nps", value=float("nan")),
    ))  # fmt: skip

    def fail() -> object:
        raise bad

    with pytest.raises(InputError):
        run_import(two, fail, workspace="acme", survey="tiny", user="ana@acme.test",  # type: ignore[arg-type]
                   file_name="w.csv")  # fmt: skip
    [run] = list_import_runs(two, workspace="acme").runs
    assert (run.status, run.refused, run.problems, run.accepted) == ("failed", 2, 3, 0)
    report = import_error_report(two, workspace="acme", run_id=run.id)
    frame = report.to_frame()
    assert list(frame["row"]) == [3, 5, 5] and frame["value"].iloc[2] is None
    assert run.started_at <= run.finished_at <= dt.datetime.now(dt.UTC)
    with pytest.raises(NotFoundError):
        import_error_report(two, workspace="beta", run_id=run.id)
    for bad_id in ("", "x", "0", None):
        with pytest.raises(InputError):
            parse_run_id(bad_id)
