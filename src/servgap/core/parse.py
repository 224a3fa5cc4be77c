"""Reading one cell a user typed: dates and times, numbers, and spreadsheet text.

Every face (file import, a web form, a command-line option) reads dates and
numbers through these functions, so one rule holds everywhere:

* **Dates are never guessed.** Year-first forms (ISO 8601 ``2026-03-31 14:05``,
  ``2026/3/31``, ``2026年3月31日``) are read as written. Forms whose day/month
  order is ambiguous (``01/02/2026``, ``13.02.2026``) are refused unless a
  format is declared (``DD/MM/YYYY``, ``MM/DD/YYYY`` or a ``strptime`` pattern),
  and a declared format is applied to every value: a value that does not follow
  it is refused, never read another way. pandas' and dateutil's parsers guess
  the order value by value (``01/02`` month-first, ``13/02`` day-first), which is
  why they are not used here.
* **Times have a zone.** A value without an offset is local time in the zone
  given by the caller (the workspace's or the mapping's zone).
* **Stored times are plausible.** :func:`check_window` refuses times before
  1990 or more than a day in the future, so no stored value can later fall
  outside what pandas and every analysis can represent.
* **Free text has one length limit.** A survey comment, a complaint, a case
  summary or a note longer than :data:`MAX_TEXT_CHARS` characters is refused
  with its length (:func:`check_text_length`, :func:`text_length_error`),
  never stored or cut silently.
* **Spreadsheet formulas are inert.** :func:`neutralize_cell` prefixes text that
  a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
  return) with an apostrophe, as the OWASP *CSV Injection* guidance recommends;
  :func:`restore_cell` is its exact inverse, so import → export → import keeps
  the original text.

References
----------
OWASP Foundation. *CSV Injection*. https://owasp.org/www-community/attacks/CSV_Injection
ISO 8601-1:2019 Date and time — Representations for information interchange.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(days=1)


class CellError(ValueError):
    """One cell cannot be read; ``en``/``zh`` say why and what to do (no location)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


#: The longest free text servgap accepts wherever a person's words enter: a survey
#: comment, a complaint, a case summary or a note (about five pages of Chinese).
MAX_TEXT_CHARS = 10_000


def text_length_error(text: str) -> CellError | None:
    """What is wrong with a free text longer than :data:`MAX_TEXT_CHARS`, else None."""
    if len(text) <= MAX_TEXT_CHARS:
        return None
    return CellError(
        f"the text is {len(text)} characters long, over the {MAX_TEXT_CHARS} limit; shorten it.",
        f"文字长度 {len(text)} 超过上限 {MAX_TEXT_CHARS}；请缩短。",
    )


def check_text_length(text: str, *, field: str, listed: bool = True) -> str:
    """``text`` unchanged, or InputError naming ``field``, the length and the limit.

    ``listed``: put ``field`` in the error's ``fields`` (the faces then show it in
    their own words); leave it out for a value a face takes positionally.
    """
    from servgap.core.errors import InputError

    if text_length_error(text) is not None:
        raise InputError(
            f"`{field}` is {len(text)} characters long, over the {MAX_TEXT_CHARS}-character "
            "limit for a text; shorten it.",
            f"`{field}` 长 {len(text)} 个字符，超过文本上限 {MAX_TEXT_CHARS} 个字符；请缩短。",
            fields=(field,) if listed else (),
        )
    return text


# year first: 2026-03-31, 2026/3/31, 2026.03.31, 2026年3月31日, then an optional time and offset
_YMD = re.compile(
    r"""^\s*(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?
        (?:(?:\s+|T|(?<=日))(?P<time>.+?))?\s*$""",
    re.VERBOSE,
)
_YMD_COMPACT = re.compile(r"^\s*(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T(?P<time>.+?))?\s*$")
_TIME = re.compile(
    r"""^(?P<H>\d{1,2})\s*[:时]\s*(?P<M>\d{2})\s*(?:[:分]\s*(?P<S>\d{2})\s*秒?(?:[.,](?P<f>\d{1,9}))?)?分?
        \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
# day and month in either order: 01/02/2026, 1-2-2026, 01.02.2026 (also with a 2-digit year)
_AMBIGUOUS = re.compile(r"^\s*\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}(?:[\sT].*)?$")

_TOKENS = (("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"))
DATE_FORMAT_HELP = "YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY or a strptime pattern"


@dataclass(frozen=True)
class DateFormat:
    """A declared date format: ``DD/MM/YYYY``-style tokens or a ``strptime`` pattern.

    When the pattern has no time fields, a time after the date (``14:05``,
    ``14:05:30``, with an optional offset) is still read.
    """

    pattern: str
    strptime: str
    has_time: bool

    @classmethod
    def parse(cls, text: str) -> DateFormat:
        raw = text.strip()
        if not raw:
            raise CellError(
                f"The date format is empty; use {DATE_FORMAT_HELP}.",
                "日期格式为空；请使用 YYYY-MM-DD、DD/MM/YYYY、MM/DD/YYYY、DD.MM.YYYY 或 strptime 格式。",
            )
        fmt = raw
        if "%" not in fmt:
            for token, code in _TOKENS:
                fmt = fmt.replace(token, code)
        fields = set(re.findall(r"%([A-Za-z])", fmt))
        if not {"Y", "m", "d"} <= fields and not {"Y", "b", "d"} <= fields:
            raise CellError(
                f"The date format `{raw}` must contain a 4-digit year, a month and a day; use "
                f"{DATE_FORMAT_HELP}.",
                f"日期格式 `{raw}` 必须包含四位年份、月和日；请使用 YYYY-MM-DD、DD/MM/YYYY、"
                "MM/DD/YYYY、DD.MM.YYYY 或 strptime 格式。",
            )
        try:
            dt.datetime(2026, 1, 2, 3, 4, 5).strftime(fmt)
        except ValueError:
            raise CellError(
                f"The date format `{raw}` is not valid; use {DATE_FORMAT_HELP}.",
                f"日期格式 `{raw}` 无效；请使用 YYYY-MM-DD、DD/MM/YYYY、MM/DD/YYYY 或 strptime 格式。",
            ) from None
        return cls(raw, fmt, "H" in fields)


def _zone(offset: str | None, tz: dt.tzinfo) -> dt.tzinfo:
    if offset is None:
        return tz
    o = offset.upper()
    if o in ("Z", "UTC", "GMT"):
        return dt.UTC
    sign = -1 if o[0] == "-" else 1
    digits = o[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(offset)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _time_part(text: str | None) -> tuple[int, int, int, int, str | None]:
    if text is None:
        return 0, 0, 0, 0, None
    m = _TIME.match(text.strip())
    if m is None:
        raise ValueError(text)
    frac = (m.group("f") or "0")[:6].ljust(6, "0")
    return int(m.group("H")), int(m.group("M")), int(m.group("S") or 0), int(frac), m.group("tz")


def _localize(naive: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return naive.replace(tzinfo=zone)


def _not_a_date(value: Any) -> CellError:
    return CellError(
        "is not a date-time; write it like 2026-03-31 14:05 (year first) or "
        "2026-03-31T06:05:00+00:00.",
        "不是日期时间；请写成 2026-03-31 14:05（年份在前）或 2026-03-31T06:05:00+00:00。",
    )


def parse_datetime(
    value: Any, *, tz: dt.tzinfo, date_format: DateFormat | None = None
) -> dt.datetime:
    """Read one date-time cell and return it as an aware UTC datetime.

    ``value`` may be a string, a ``datetime``/``pandas.Timestamp`` (from Excel)
    or a ``date``. Values without an offset are local time in ``tz``. Raises
    :class:`CellError` for anything that is not a date, for ambiguous day/month
    order without ``date_format``, and for values that do not follow a declared
    ``date_format``.
    """
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp
        if value != value:  # NaT
            raise _not_a_date(value)
        aware = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return aware.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz).astimezone(dt.UTC)
    if not isinstance(value, str):
        raise _not_a_date(value)
    text = value.strip()
    try:
        if date_format is not None:
            return _parse_declared(text, tz, date_format)
        m = _YMD.match(text) or _YMD_COMPACT.match(text)
        if m is None:
            if _AMBIGUOUS.match(text):
                raise CellError(
                    "the order of day and month is ambiguous (is 01/02 the 1st of February or "
                    "2 January?). Declare the date format (DD/MM/YYYY or MM/DD/YYYY) for the "
                    "file, or write dates year first (2026-02-01).",
                    "日和月的顺序有歧义（01/02 是 2 月 1 日还是 1 月 2 日？）。请为文件声明日期格式"
                    "（DD/MM/YYYY 或 MM/DD/YYYY），或按年份在前书写（2026-02-01）。",
                )
            raise _not_a_date(value)
        hour, minute, second, micro, offset = _time_part(m.group("time"))
        naive = dt.datetime(
            int(m.group("y")), int(m.group("m")), int(m.group("d")), hour, minute, second, micro
        )
        return _localize(naive, _zone(offset, tz)).astimezone(dt.UTC)
    except CellError:
        raise
    except (ValueError, OverflowError):
        raise _not_a_date(value) from None


def _parse_declared(text: str, tz: dt.tzinfo, fmt: DateFormat) -> dt.datetime:
    def bad() -> CellError:
        return CellError(
            f"does not follow the declared date format `{fmt.pattern}`; fix the cell or the "
            "declared format (every row is read with the same format).",
            f"不符合声明的日期格式 `{fmt.pattern}`；请修改该单元格或声明的格式（所有行按同一格式读取）。",
        )

    if fmt.has_time:
        m = re.match(r"^(.*?)\s*(Z|UTC|[+-]\d{2}:?\d{2})?$", text)
        body, offset = (m.group(1), m.group(2)) if m else (text, None)
        try:
            naive = dt.datetime.strptime(body, fmt.strptime)
        except ValueError:
            raise bad() from None
        return _localize(naive, _zone(offset, tz)).astimezone(dt.UTC)
    parts = re.split(r"\s+|T", text, maxsplit=1)
    try:
        day = dt.datetime.strptime(parts[0], fmt.strptime)
    except ValueError:
        raise bad() from None
    try:
        hour, minute, second, micro, offset = _time_part(parts[1] if len(parts) > 1 else None)
        naive = day.replace(hour=hour, minute=minute, second=second, microsecond=micro)
        return _localize(naive, _zone(offset, tz)).astimezone(dt.UTC)
    except ValueError:
        raise bad() from None


_OFFSET = re.compile(r"(Z|UTC|GMT|[+-]\d{2}(:?\d{2})?)\s*$", re.IGNORECASE)


def has_offset(value: Any) -> bool:
    """True when a date-time cell says its own offset (``…+08:00``, ``…Z``, an aware datetime)."""
    if isinstance(value, dt.datetime):
        return value.tzinfo is not None
    if not isinstance(value, str):
        return False
    text = value.strip()
    # a date alone (2026-03-31) ends in -31: only count an offset after a time
    return ":" in text and bool(_OFFSET.search(text))


def check_window(when: dt.datetime, *, now: dt.datetime) -> None:
    """Refuse a time before 1990-01-01 or more than one day after ``now``.

    A typo such as 9999-12-31 or 0202-03-01 imported silently would later break
    every analysis of the survey; refusing it names the row instead.
    """
    if when < EARLIEST:
        raise CellError(
            f"{when.date().isoformat()} is before 1990; check the year.",
            f"{when.date().isoformat()} 早于 1990 年；请检查年份。",
        )
    if when > now + FUTURE_SLACK:
        raise CellError(
            f"{when.date().isoformat()} is in the future (today is {now.date().isoformat()}); "
            "check the year and the time zone.",
            f"{when.date().isoformat()} 在未来（今天是 {now.date().isoformat()}）；请检查年份和时区。",
        )


# ----------------------------------------------------------------------------- numbers


def parse_number(value: Any) -> float | None:
    """A finite number from a cell (``3``, ``3.5``, ``3,5`` with a decimal comma), else None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else None
    if hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalar
        return parse_number(value.item())
    s = str(value).strip().replace("，", ".")
    if re.fullmatch(r"[+-]?\d+,\d+", s):
        s = s.replace(",", ".")
    try:
        f = float(s)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


# ----------------------------------------------------------------------------- spreadsheet text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
_DANGER = re.compile(r"^'*[=+\-@\t\r]")


def neutralize_cell(text: str) -> str:
    """Prefix text a spreadsheet would treat as a formula with ``'`` (OWASP CSV injection).

    Text that already starts with apostrophes before such a character gets one
    more, so that :func:`restore_cell` can undo exactly what was added.
    """
    return "'" + text if _DANGER.match(text) else text


def restore_cell(text: str) -> str:
    """Inverse of :func:`neutralize_cell`: drop the one apostrophe it added."""
    return text[1:] if _ESCAPED.match(text) else text
