"""Masking of personal data (names, phone numbers, e-mail addresses) for exports.

Mainland-China mobile numbers (11 digits starting 1[3-9]) are masked the way
Chinese apps and couriers print them on waybills: ``138****5678``. Other
phone-like digit runs of 7+ digits keep only their last 4 digits. Names keep
their first character (``张**``). Masking is applied to personal columns and
to phone numbers and e-mail addresses found inside free text.
"""

from __future__ import annotations

import re

import pandas as pd

_CN_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\dA-Za-z])(\+?\d[\d\- ]{5,}\d)(?![\dA-Za-z])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_name(value: str) -> str:
    value = value.strip()
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_email(value: str) -> str:
    return _EMAIL.sub(lambda m: m.group(1) + "***" + m.group(2), value)


def mask_text(value: str) -> str:
    """Mask phone numbers and e-mail addresses inside free text."""
    out = _CN_MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", value)
    out = _EMAIL.sub(lambda m: m.group(1) + "***" + m.group(2), out)

    def _other(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(1))
        return mask_phone(m.group(1)) if len(digits) >= 7 and "*" not in m.group(1) else m.group(1)

    return _PHONE.sub(_other, out)


def mask_column(series: pd.Series, kind: str) -> pd.Series:
    """Mask one column; ``kind`` is name, phone, email or text."""
    fn = {"name": mask_name, "phone": mask_phone, "email": mask_email, "text": mask_text}[kind]
    return series.map(lambda v: fn(v) if isinstance(v, str) else v)
