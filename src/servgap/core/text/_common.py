"""Shared helpers of :mod:`servgap.core.text`: input validation, normalisation, package data.

All public text functions accept a sequence of strings (or one string), validate it
in one pass (collecting every bad row, then raising one :class:`InputError`), normalise
Unicode (NFKC: full-width letters/digits become half-width, so ``ＳＦ１２３`` and
``SF123`` are the same token) and truncate very long texts to
:data:`MAX_TEXT_CHARS` characters. Truncation is never silent: results carry a
``truncated`` column.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from servgap.core.errors import InputError, ProblemCollector

#: Texts longer than this many characters (after NFKC normalisation) are cut to this
#: length before segmentation, classification, sentiment and similarity. Complaints
#: are typically 5-150 characters; 500 keeps whole letters while bounding the cost of
#: one pathological input (a pasted e-mail thread) on the throughput of a batch.
MAX_TEXT_CHARS = 500
#: The complaint categories the classifier assigns (labels of the training corpus).
CATEGORIES: tuple[str, ...] = ("delay", "damage_loss", "attitude", "information", "price", "other")

_DATA_PACKAGE = "servgap"


def read_data_text(name: str) -> str:
    """Read ``servgap/data/text/<name>`` shipped with the package (UTF-8)."""
    return resources.files(_DATA_PACKAGE).joinpath("data", "text", name).read_text(encoding="utf-8")


def read_data_bytes(name: str) -> bytes:
    """Read ``servgap/data/text/<name>`` shipped with the package as bytes."""
    return resources.files(_DATA_PACKAGE).joinpath("data", "text", name).read_bytes()


def data_lines(name: str) -> list[str]:
    """Non-empty lines of a shipped word list, ``#`` comments removed."""
    out: list[str] = []
    for raw in read_data_text(name).splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped stopword list (Chinese function words + English stopwords)."""
    return frozenset(w.lower() for w in data_lines("stopwords.txt"))


def normalise(text: str) -> str:
    """NFKC-normalise and lower-case one text (full-width to half-width, ``Ａ`` to ``a``)."""
    return unicodedata.normalize("NFKC", text).lower()


def as_text_list(
    texts: str | Sequence[object], *, what: str = "texts", allow_empty: bool = False
) -> list[str]:
    """Validate texts: a string or a sequence of non-empty strings.

    Raises
    ------
    InputError
        Listing every row (1-based) that is not a string or is empty/blank.
    """
    if isinstance(texts, str):
        items: list[object] = [texts]
    elif isinstance(texts, Sequence) or hasattr(texts, "__iter__"):
        try:
            items = list(texts)
        except TypeError as exc:  # pragma: no cover - defensive
            raise InputError(
                f"`{what}` must be a list of strings, got {type(texts).__name__}.",
                f"`{what}` 必须是字符串列表，收到的是 {type(texts).__name__}。",
            ) from exc
    else:
        raise InputError(
            f"`{what}` must be a string or a list of strings, got {type(texts).__name__}. "
            "Pass e.g. ['包裹破损'].",
            f"`{what}` 必须是字符串或字符串列表，收到的是 {type(texts).__name__}。"
            "请传入例如 ['包裹破损']。",
        )
    if not items and not allow_empty:
        raise InputError(
            f"`{what}` is empty: give at least one text.",
            f"`{what}` 为空：请至少提供一条文本。",
        )
    pc = ProblemCollector()
    out: list[str] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, str):
            pc.add(
                f"expected a text string, got {type(item).__name__}; convert or drop the row.",
                f"应为文本字符串，实际为 {type(item).__name__}；请转换或删除该行。",
                row=i,
                column=what,
                value=item,
            )
            continue
        if not item.strip():
            pc.add(
                "the text is empty; drop the row or fill in the complaint text.",
                "文本为空；请删除该行或补充投诉内容。",
                row=i,
                column=what,
                value=item,
            )
            continue
        out.append(item)
    pc.raise_if_any(
        InputError,
        f"{len(pc)} of {len(items)} {what} are not usable texts.",
        f"{len(items)} 条{what}中有 {len(pc)} 条不是可用的文本。",
    )
    return out


def prepare(texts: list[str]) -> tuple[list[str], list[bool]]:
    """Normalise and truncate validated texts; return them and the truncation flags."""
    out: list[str] = []
    flags: list[bool] = []
    for t in texts:
        n = normalise(t)
        if len(n) > MAX_TEXT_CHARS:
            out.append(n[:MAX_TEXT_CHARS])
            flags.append(True)
        else:
            out.append(n)
            flags.append(False)
    return out, flags
