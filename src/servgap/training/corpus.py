"""Deterministic generator of the labelled express-delivery complaint corpus.

The shipped training corpus ``servgap/data/text/complaints_labelled.csv`` is
written by ``scripts/train_text_models.py`` from :func:`generate_complaints`. It is
synthetic but built from many hand-written phrasings (about 25 Chinese and 8-10
English core phrasings per category, each with inline alternatives and slot
fillers: order numbers, phone numbers, cities, stations, amounts, days, items,
couriers), composed with shared openings, context clauses, demands and emotional
endings, and then perturbed with colloquial typos / 网络用语 (快滴, 木有, 肿么,
神马, 无语子, 破防了 ...). Categories:

``delay``        late, stuck, not delivered by the promised time
``damage_loss``  broken, crushed, wet, missing items, lost parcels
``attitude``     rude / impatient couriers, station staff or customer service
``information``  tracking not updated, fake "signed" status, wrong notices, no pickup code
``price``        freight, insurance (保价费), cash on delivery (到付), surcharges, locker fees
``other``        packaging waste, relocated outlets, invoices, app problems, privacy ...

Hard cases are deliberate: delay complaints that mention the courier, price
complaints about insurance after a damage, information complaints that mention
delays ("显示已签收" with no parcel), attitude complaints that mention lateness.

**Split.** The ``split`` column is *template-disjoint*: every core phrasing whose
index ``i`` satisfies ``i % 5 == 2`` produces only ``test`` rows, all others only
``train`` rows. The held-out figures therefore measure generalisation to
phrasings the model never saw (not just new slot values), which is the honest
estimate for a template-generated corpus. It is stratified by category and
language because each category/language has its own template list.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pandas as pd

from servgap.core.text._common import CATEGORIES  # the classifier's labels
from servgap.training.corpus_phrases import (
    _CONTEXT_EN,
    _CONTEXT_ZH,
    _DEMAND_EN,
    _DEMAND_ZH,
    _EN,
    _EN_SLOTS,
    _END_EN,
    _END_ZH,
    _MIXED,
    _NOISE,
    _PREFIX_EN,
    _PREFIX_ZH,
    _SLOTS,
    _ZH,
)


@dataclass(frozen=True)
class _Phrase:
    category: str
    lang: str
    template: str
    split: str
    ident: str


def _phrases() -> list[_Phrase]:
    out: list[_Phrase] = []
    for cat in CATEGORIES:
        for i, t in enumerate(_ZH[cat]):
            out.append(
                _Phrase(cat, "zh", t, "test" if i % 5 == 2 else "train", f"{cat}/zh/{i:02d}")
            )
        for i, t in enumerate(_EN[cat]):
            out.append(
                _Phrase(cat, "en", t, "test" if i % 5 == 2 else "train", f"{cat}/en/{i:02d}")
            )
        for i, t in enumerate(_MIXED[cat]):
            out.append(
                _Phrase(cat, "mixed", t, "test" if i == 1 else "train", f"{cat}/mixed/{i:02d}")
            )
    return out


_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


def _order_number(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return "SF" + "".join(rng.choice("0123456789") for _ in range(12))
    if kind == 1:
        return "YT" + "".join(rng.choice("0123456789") for _ in range(13))
    if kind == 2:
        return "JT" + "".join(rng.choice("0123456789") for _ in range(13))
    return "".join(rng.choice("0123456789") for _ in range(rng.choice((12, 13, 15))))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _fill(template: str, rng: random.Random, slots: dict[str, list[str]]) -> str:
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)

    def slot(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "order":
            return _order_number(rng)
        if name == "phone":
            return _phone(rng)
        if name == "platform":
            return rng.choice(_SLOTS["platform"])
        return rng.choice(slots.get(name, _SLOTS.get(name, [name])))

    # slot fillers may themselves contain alternatives/slots (one level deep)
    return _SLOT.sub(slot, _SLOT.sub(slot, text))


def _compose_zh(core: str, rng: random.Random) -> str:
    """Compose a full Chinese template around ``core`` and fill every slot."""
    parts = [rng.choice(_PREFIX_ZH), rng.choice(_CONTEXT_ZH), core]
    if rng.random() < 0.55:
        demand = rng.choice(_DEMAND_ZH)
        if demand:
            parts.append("，" + demand)
    parts.append(rng.choice(_END_ZH))
    text = _fill("".join(parts), rng, _SLOTS)
    if rng.random() < 0.25:
        for old, new in rng.sample(_NOISE, 2):
            text = text.replace(old, new, 1)
    if rng.random() < 0.08:
        text = text.replace("，", " ")
    return text


def _compose_en(core: str, rng: random.Random) -> str:
    text = rng.choice(_PREFIX_EN) + rng.choice(_CONTEXT_EN) + core
    text += rng.choice(_DEMAND_EN) + rng.choice(_END_EN)
    text = _fill(text, rng, _EN_SLOTS)
    if rng.random() < 0.3:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.1:
        text = text.upper()
    return text


def generate_complaints(*, per_category: int = 500, seed: int = 20240601) -> pd.DataFrame:
    """Generate the labelled complaint corpus deterministically.

    Parameters
    ----------
    per_category : int, default 500
        Number of distinct texts per category (about 83 % Chinese, 12 % English,
        5 % mixed zh-en).
    seed : int
        Seed of the ``random.Random`` generator; same seed, same corpus (byte for byte).

    Returns
    -------
    pandas.DataFrame
        Columns ``text``, ``category``, ``lang`` (``zh`` / ``en`` / ``mixed``) and
        ``split`` (``train`` / ``test``, template-disjoint; see module docstring) and
        ``template`` (id of the core phrasing, e.g. ``delay/zh/07``; used as the
        group for calibration folds).
    """
    rng = random.Random(seed)
    phrases = _phrases()
    rows: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()
    for cat in CATEGORIES:
        by_lang = {
            lang: [p for p in phrases if p.category == cat and p.lang == lang]
            for lang in ("zh", "en", "mixed")
        }
        quota = {
            "en": round(per_category * 0.12),
            "mixed": round(per_category * 0.05),
        }
        quota["zh"] = per_category - quota["en"] - quota["mixed"]
        for lang in ("zh", "en", "mixed"):
            made = 0
            attempts = 0
            pool = by_lang[lang]
            while made < quota[lang] and attempts < quota[lang] * 50:
                attempts += 1
                ph = pool[attempts % len(pool)] if rng.random() < 0.5 else rng.choice(pool)
                if lang == "en":
                    text = _compose_en(ph.template, rng)
                elif lang == "zh":
                    text = _compose_zh(ph.template, rng)
                else:
                    core = _fill(ph.template, rng, _SLOTS)
                    text = rng.choice(["", "hi，", "急！"]) + core + rng.choice(_END_ZH)
                text = re.sub(r"\s+", " ", text).strip()
                if len(text) > 150:
                    text = text[:150]
                if len(text) < 5 or text in seen:
                    continue
                seen.add(text)
                rows.append((text, cat, lang, ph.split, ph.ident))
                made += 1
    return pd.DataFrame(rows, columns=["text", "category", "lang", "split", "template"])
