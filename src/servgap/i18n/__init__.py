"""zh-CN and en message catalogs for the command line and reports.

Messages live in ``messages.yaml`` and ``messages_<area>.yaml`` (one key, a ``zh`` and an ``en`` text,
``str.format`` placeholders). A test checks that every key has both languages
and the same placeholders.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

Lang = Literal["zh", "en"]


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every message: ``messages.yaml`` and the area files ``messages_<area>.yaml`` beside it
    (one per part of the web app, so that parts are added without editing one long file).
    A key defined in two files is an error, not a silent override."""
    folder = resources.files("servgap.i18n")
    names = sorted(
        e.name
        for e in folder.iterdir()
        if e.name == "messages.yaml"
        or (e.name.startswith("messages_") and e.name.endswith(".yaml"))
    )
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for name in names:
        data = yaml.safe_load(folder.joinpath(name).read_text(encoding="utf-8"))
        if data is None:
            continue
        if not isinstance(data, dict):
            raise RuntimeError(f"servgap/i18n/{name} is not a mapping")
        for k, v in data.items():
            key = str(k)
            if key in merged:
                raise RuntimeError(f"message {key!r} is defined in {origin[key]} and in {name}")
            merged[key] = {str(a): str(b) for a, b in v.items()}
            origin[key] = name
    return merged


def t(key: str, lang: Lang = "en", /, **kwargs: Any) -> str:
    entry = catalog().get(key)
    if entry is None:
        return key
    return entry.get(lang, entry.get("en", key)).format(**kwargs)


def default_lang() -> Lang:
    explicit = os.environ.get("SERVGAP_LANG", "").lower()
    if explicit.startswith("zh"):
        return "zh"
    if explicit.startswith("en"):
        return "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
