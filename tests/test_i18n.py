"""Every message exists in zh-CN and en with the same placeholders."""

from __future__ import annotations

import string

from servgap.i18n import catalog


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_is_bilingual() -> None:
    for key, entry in catalog().items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key
        assert _fields(entry["zh"]) == _fields(entry["en"]), key
