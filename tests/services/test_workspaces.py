"""Workspaces (issue 10 item 1): create, show, settings, and which workspace a command uses."""

from __future__ import annotations

import pytest

from servgap.core.errors import InputError, NotFoundError
from servgap.core.workspace_settings import get_setting
from servgap.services.context import Store, get_workspace
from servgap.services.workspaces import (
    create_workspace,
    resolve_workspace,
    set_workspace_setting,
    show_workspace,
    workspace_settings,
)


def test_create_show_and_counts(store: Store) -> None:
    info, created = create_workspace(store, "acme", name_zh="顶点快递", name_en="Acme",
                                     timezone="Asia/Urumqi", lang="en")  # fmt: skip
    assert created and info.lang == "en" and info.timezone == "Asia/Urumqi"
    again, created = create_workspace(store, "acme", name_zh="别的名字")
    assert not created and again.name_zh == "顶点快递"  # an existing workspace is not changed
    shown = show_workspace(store, "acme")
    assert shown.counts["sites"] == 0 and shown.name("zh") == "顶点快递"


@pytest.mark.parametrize(
    ("code", "tz", "lang"),
    [("Bad Code", "Asia/Shanghai", None), ("ok", "Mars/Olympus", None), ("ok", "UTC", "fr")],
)
def test_bad_workspace_input_is_refused(store: Store, code: str, tz: str, lang: str | None) -> None:
    with pytest.raises(InputError):
        create_workspace(store, code, timezone=tz, lang=lang)
    with pytest.raises(NotFoundError):
        show_workspace(store, "ok")


def test_the_only_workspace_is_the_default_and_several_must_be_chosen(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no workspace yet"):
        resolve_workspace(store, None)
    create_workspace(store, "acme")
    assert resolve_workspace(store, None) == "acme"
    create_workspace(store, "beta")
    with pytest.raises(InputError, match=r"2 workspaces \(acme, beta\)"):
        resolve_workspace(store, None)
    assert resolve_workspace(store, "beta") == "beta"


def test_settings_are_parsed_stored_and_reset(store: Store) -> None:
    create_workspace(store, "acme")
    v = set_workspace_setting(store, "acme", "calendar.hours", "8:30 - 17:30")
    assert v.value == ["08:30", "17:30"]
    v = set_workspace_setting(
        store, "acme", "calendar.holidays", "2026-10-01..2026-10-03,2026-12-25"
    )
    assert v.value == ["2026-10-01", "2026-10-02", "2026-10-03", "2026-12-25"]
    set_workspace_setting(store, "acme", "calendar.workdays", "0-5")
    set_workspace_setting(store, "acme", "cost.agent_per_hour", "52.5")
    set_workspace_setting(store, "acme", "timezone", "Asia/Hong_Kong")
    with store.session() as s:
        ws = get_workspace(s, "acme")
        # the shape the SLA business calendar reads (services.cases.calendar_of)
        assert ws.settings["calendar"] == {
            "hours": ["08:30", "17:30"], "workdays": [0, 1, 2, 3, 4, 5],
            "holidays": ["2026-10-01", "2026-10-02", "2026-10-03", "2026-12-25"],
        }  # fmt: skip
        assert get_setting(ws.settings, "cost.agent_per_hour") == 52.5
        assert ws.timezone == "Asia/Hong_Kong"
    back = set_workspace_setting(store, "acme", "cost.agent_per_hour", None)
    assert back.is_default and back.value == 45.0
    listed = {x.key: x for x in workspace_settings(store, "acme").settings}
    assert listed["calendar.workdays"].value == [0, 1, 2, 3, 4, 5]
    assert listed["currency"].is_default


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("brand_reputation", "120", "from 0 to 100"),
        ("calendar.hours", "18:00-09:00", "before the closing"),
        ("calendar.workdays", "mon-fri", "Monday = 0"),
        ("calendar.holidays", "2026-02-30", "is not a date"),
        ("currency", "yuan", "ISO 4217"),
        ("cost.abandon", "nan", "a number"),
        ("lang", "fr", "zh or en"),
    ],
)
def test_bad_setting_values_name_the_key(store: Store, key: str, value: str, message: str) -> None:
    create_workspace(store, "acme")
    with pytest.raises(InputError, match=message) as exc:
        set_workspace_setting(store, "acme", key, value)
    assert f"`{key}`" in exc.value.en
    with pytest.raises(NotFoundError, match="Unknown workspace setting"):
        set_workspace_setting(store, "acme", "colour", "red")
