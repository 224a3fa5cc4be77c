"""One error hierarchy for servgap.

Every error carries a stable ``code``, a message in English and in Chinese
(zh-CN), and optionally a list of :class:`Problem` items (one per bad row,
cell or field) so that a caller can report *all* problems at once, not only
the first. The message pattern is: what is wrong, the offending value, what to
do. Adapters (CLI, web) render these; they never show a traceback.

Modelled on zulip's ``JsonableError`` (a stable code plus structured fields)
and datasette's error shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["en", "zh"]


@dataclass(frozen=True)
class Problem:
    """One concrete problem: where it is, the bad value, and the fix.

    Any of ``file``, ``row`` (1-based, as a spreadsheet user counts data rows
    after the header), ``column`` and ``value`` may be ``None`` when not
    applicable.
    """

    en: str
    zh: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None

    def shown_value(self, text: str) -> str | None:
        """The bad value as a user should see it, unless the message already quotes it."""
        if self.value is None or (isinstance(self.value, float) and self.value != self.value):
            return None
        v = str(self.value).replace("\n", " ")
        if not v.strip() or v in text:
            return None
        return v if len(v) <= 40 else v[:39] + "…"

    def message(self, lang: Lang = "en") -> str:
        """Where (file, row, column), the value found, what is wrong and what to do."""
        where: list[str] = []
        shown = self.shown_value(self.zh if lang == "zh" else self.en)
        if lang == "zh":
            if self.file is not None:
                where.append(f"文件 {self.file}")
            if self.row is not None:
                where.append(f"第 {self.row} 行")
            if self.column is not None:
                where.append(f"列 `{self.column}`")
            if shown is not None:
                where.append(f"值 `{shown}`")
            prefix = "，".join(where)
            return f"{prefix}：{self.zh}" if prefix else self.zh
        if self.file is not None:
            where.append(f"File {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column `{self.column}`")
        if shown is not None:
            where.append(f"value `{shown}`")
        prefix = ", ".join(where)
        if prefix:
            prefix = prefix[0].upper() + prefix[1:]
            return f"{prefix}: {self.en}"
        return self.en

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": value,
            "error": self.en,
            "error_zh": self.zh,
        }


class ServgapError(Exception):
    """Base class: a user-facing error with a stable code and two languages."""

    code: str = "servgap_error"
    status: int = 400

    def __init__(
        self,
        en: str,
        zh: str | None = None,
        *,
        code: str | None = None,
        problems: Sequence[Problem] = (),
        fields: Sequence[str] = (),
    ) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh if zh is not None else en
        if code is not None:
            self.code = code
        self.problems: tuple[Problem, ...] = tuple(problems)
        # input fields the message names, written `field` in it; each face shows them in its
        # own words (the CLI as --options, the web as form labels, the API as JSON pointers)
        self.fields: tuple[str, ...] = tuple(fields)

    def message(
        self,
        lang: Lang = "en",
        *,
        max_problems: int = 50,
        field_name: Callable[[str], str] | None = None,
    ) -> str:
        head = self.zh if lang == "zh" else self.en
        if field_name is not None:
            for f in self.fields:
                head = head.replace(f"`{f}`", f"`{field_name(f)}`")
        if not self.problems:
            return head
        lines = [head]
        for p in self.problems[:max_problems]:
            line = p.message(lang)
            if field_name is not None:
                for f in self.fields:
                    line = line.replace(f"`{f}`", f"`{field_name(f)}`")
            lines.append(f"  - {line}")
        rest = len(self.problems) - max_problems
        if rest > 0:
            lines.append(f"  … 另有 {rest} 处问题" if lang == "zh" else f"  … and {rest} more")
        return "\n".join(lines)

    def to_dict(self, lang: Lang = "en") -> dict[str, Any]:
        return {
            "ok": False,
            "code": self.code,
            "error": self.zh if lang == "zh" else self.en,
            "errors": [p.to_dict() for p in self.problems],
            "status": self.status,
        }

    def __str__(self) -> str:
        return self.message("en")


class InputError(ServgapError):
    """The data given is malformed: wrong type, outside the scale, missing column."""

    code = "invalid_input"
    status = 422


class UsageError(InputError):
    """The request itself is wrong: a missing, unknown or contradictory option or field.

    The command line exits with status 2 for these (as for its own usage errors);
    the API answers 400.
    """

    code = "usage"
    status = 400


class SpecError(ServgapError):
    """A specification (items, features, model blocks, mapping) is inconsistent."""

    code = "invalid_spec"
    status = 422


class InsufficientDataError(ServgapError):
    """Too few observations for the requested method."""

    code = "insufficient_data"
    status = 422


class ComputationError(ServgapError):
    """A numerical method failed: singular matrix, no convergence."""

    code = "computation_failed"
    status = 422


class NotFoundError(ServgapError):
    code = "not_found"
    status = 404


class ConflictError(ServgapError):
    """The request conflicts with the current state (e.g. an illegal state move)."""

    code = "conflict"
    status = 409


@dataclass
class ProblemCollector:
    """Collect problems across a whole input, then raise once.

    >>> pc = ProblemCollector()
    >>> pc.add("bad", "坏", row=3)
    >>> pc.raise_if_any(InputError, "1 problem", "1 处问题")
    Traceback (most recent call last):
    ...
    servgap.core.errors.InputError: 1 problem
      - Row 3: bad
    """

    problems: list[Problem] = field(default_factory=list)

    def add(self, en: str, zh: str, **where: Any) -> None:
        self.problems.append(Problem(en, zh, **where))

    def __len__(self) -> int:
        return len(self.problems)

    def raise_if_any(self, cls: type[ServgapError], en: str, zh: str) -> None:
        if self.problems:
            raise cls(en, zh, problems=self.problems)
