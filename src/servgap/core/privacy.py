"""Masking of personal data (names, phone numbers, e-mail addresses) for exports.

Mainland-China mobile numbers (11 digits starting 1[3-9]) are masked the way
Chinese apps and couriers print them on waybills: ``138****5678``. Other
phone-like digit runs of 7+ digits keep only their last 4 digits. Names keep
their first character (``张**``). Masking is applied to personal columns and
to phone numbers and e-mail addresses found inside free text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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


# The most common Chinese surnames (about 90 % of the population; 2020 census order, compound
# surnames first so that 欧阳 is not read as 欧 + a given name).
_COMPOUND_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|司徒|夏侯|长孙|宇文|轩辕|端木|南宫|独孤"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏"
    "吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃"
    "武钱戴严莫孔向常汤康易乔赖文施洪辛柯庄申欧葛牛樊兰殷齐单俞阎温焦关耿凌柏伍祝聂褚左鲁邢裴习"
)
_CN_NAME = rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fff]{{0,2}}?"
# 王先生, 张伟女士, 李师傅: a surname (and given name) before an honorific
_HONORIFIC = re.compile(rf"({_CN_NAME})(?=先生|女士|小姐|太太|师傅|老师|经理)")
# 我叫张伟, 联系人：李娜, 收件人 王小明: a full name after words that introduce one
_INTRODUCED = re.compile(
    rf"(我叫|我的名字是|我的名字叫|本人姓名|姓名|联系人|收件人|寄件人|收货人)([:：\s]*)"
    rf"((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}})"
)
_EN_TITLE = re.compile(r"\b(Mr|Mrs|Ms|Miss|Dr)(\.?\s+)([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")
_EN_INTRO = re.compile(r"\b([Mm]y name is|[Nn]ame:)(\s+)([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")


def mask_names_in_text(value: str) -> str:
    """Mask personal names where free text makes them recognisable.

    Chinese: a surname (and given name) before 先生/女士/小姐/师傅…, and a full
    name after 我叫/姓名/联系人/收件人…; English: a name after Mr/Ms/Dr or "my
    name is". Each character of the name becomes ``*`` (the honorific stays,
    so "王先生" reads "*先生").
    """
    out = _HONORIFIC.sub(lambda m: "*" * len(m.group(1)), value)
    out = _INTRODUCED.sub(lambda m: m.group(1) + m.group(2) + "*" * len(m.group(3)), out)
    out = _EN_TITLE.sub(lambda m: m.group(1) + m.group(2) + "***", out)
    return _EN_INTRO.sub(lambda m: m.group(1) + m.group(2) + "***", out)


def mask_text(value: str) -> str:
    """Mask phone numbers, e-mail addresses and recognisable names inside free text."""
    out = mask_names_in_text(value)
    out = _CN_MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _EMAIL.sub(lambda m: m.group(1) + "***" + m.group(2), out)

    def _other(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(1))
        return mask_phone(m.group(1)) if len(digits) >= 7 and "*" not in m.group(1) else m.group(1)

    return _PHONE.sub(_other, out)


def mask_secret(value: str) -> str:
    """Hide all but the last 2 characters (addresses, ID numbers, other declared columns)."""
    v = value.strip()
    return "*" * max(len(v) - 2, 1) + v[-2:] if len(v) > 2 else "*" * len(v)


def mask_frame(frame: pd.DataFrame, masks: Mapping[str, str]) -> pd.DataFrame:
    """A copy of ``frame`` with each column in ``masks`` masked by its kind (absent ones skipped)."""
    out = frame.copy()
    for col, kind in masks.items():
        if col in out.columns:
            out[col] = mask_column(out[col], kind)
    return out


def mask_column(series: pd.Series, kind: str) -> pd.Series:
    """Mask one column; ``kind`` is name, phone, email, text or secret."""
    fn = {"name": mask_name, "phone": mask_phone, "email": mask_email, "text": mask_text,
          "secret": mask_secret}[kind]  # fmt: skip
    if kind == "text":
        return series.map(lambda v: fn(v) if isinstance(v, str) else v)
    # an identifier read from Excel may be a number: mask its digits too
    return series.map(lambda v: fn(_ident(v)) if v is not None and v == v else v)


def _ident(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
