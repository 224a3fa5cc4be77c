"""zh-CN and en message catalogs for the command line and reports.

Messages live in ``messages.yaml`` (one key, a ``zh`` and an ``en`` text,
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
    text = resources.files("servgap.i18n").joinpath("messages.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise RuntimeError("servgap/i18n/messages.yaml is not a mapping")
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.items()}


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
