"""Requirement levels, the clarity of expectations and the five-layer satisfaction model.

* **Requirement levels** (基本要求 / 增强要求 / 令人惊喜的要求): the minimum a customer
  assumes, the added value asked for, the value not expected. They are the Kano
  categories must-be, one-dimensional and attractive (Kano, Seraku, Takahashi & Tsuji
  1984; Berger et al. 1993, *Center for Quality Management Journal* 2(4), which gives
  "must-be = basic", "one-dimensional = performance", "attractive = excitement"). An
  attribute's level comes from its Kano result where one exists and otherwise from the
  survey's declaration (``level:`` of a question); both are shown when they disagree,
  because a declared basic requirement that customers treat as attractive (or the
  reverse) is itself a finding.
* **Clarity** (显性 / 隐性 / 模糊期望): explicit expectations customers state, implicit
  ones they take for granted and never state, fuzzy ones they feel but cannot express
  (Ojasalo 2001, "Managing customer expectations in professional services", *Managing
  Service Quality* 11(3)); declared per question (``clarity:``). Implicit expectations
  are the ones a survey under-measures; fuzzy ones are where expectation setting helps.
* **Five layers** (core product, support service, promise, interaction, emotion): the
  layered satisfaction model of the source documents; per layer the SERVQUAL/zone-of-
  tolerance figures of its items are averaged item by item, as SERVQUAL dimension scores
  are averages of their items' scores (Parasuraman, Zeithaml & Berry 1988, p. 31).

Pure functions on result tables; nothing here reads the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin

if TYPE_CHECKING:
    from servgap.core.survey import SurveyDefinition

LEVELS: tuple[str, ...] = ("basic", "enhanced", "delight")
CLARITY: tuple[str, ...] = ("explicit", "implicit", "fuzzy")
LAYER_ORDER: tuple[str, ...] = ("core", "support", "promise", "interaction", "emotion")

LEVEL_WORDS: Mapping[str, tuple[str, str]] = {
    "basic": ("基本要求", "basic requirement"),
    "enhanced": ("增强要求", "enhanced requirement"),
    "delight": ("令人惊喜的要求", "delighting requirement"),
}
CLARITY_WORDS: Mapping[str, tuple[str, str]] = {
    "explicit": ("显性期望", "explicit"),
    "implicit": ("隐性期望", "implicit"),
    "fuzzy": ("模糊期望", "fuzzy"),
}
LAYER_WORDS: Mapping[str, tuple[str, str]] = {
    "core": ("核心产品", "core product"),
    "support": ("支持服务", "support service"),
    "promise": ("服务承诺", "promise"),
    "interaction": ("互动", "interaction"),
    "emotion": ("情感", "emotion"),
}

# Kano category -> requirement level (Berger et al. 1993); I, R, Q carry no level
KANO_LEVEL: Mapping[str, str] = {"M": "basic", "O": "enhanced", "A": "delight"}


def word(words: Mapping[str, tuple[str, str]], key: object, lang: str) -> str:
    """The zh or en word of ``key`` (the key itself when unknown, "" for None)."""
    if key is None or (isinstance(key, float) and np.isnan(key)):
        return ""
    pair = words.get(str(key))
    if pair is None:
        return str(key)
    return pair[0] if lang == "zh" else pair[1]


def level_from_kano(category: object) -> str | None:
    """The requirement level of a Kano category (M, O, A); None for I, R, Q or no result."""
    return KANO_LEVEL.get(str(category)) if category is not None else None


@dataclass(frozen=True)
class RequirementProfile(ResultMixin):
    """Each attribute's requirement level and clarity, and the five-layer summary.

    Attributes
    ----------
    attributes
        One row per attribute (a three-column/SERVQUAL item or a Kano question):
        ``attribute, type, dimension, layer, clarity, declared_level, kano_category,
        kano_level, level, level_source`` ("kano", "declared" or ""), ``disagrees``
        (a declared level that the Kano result contradicts), and for SERVQUAL items
        ``msa, mss, share_below`` (NaN otherwise).
    layers
        One row per layer with tagged items, in the model's order: ``layer, n_items,
        items, msa, mss, share_below, share_above`` — unweighted means over the layer's
        rating items (see the module docstring); layers without items are left out.
    """

    attributes: pd.DataFrame
    layers: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.attributes


_ITEM_TYPES = frozenset(("servqual3", "servqual2", "kano"))


def requirement_profile(
    definition: SurveyDefinition,
    *,
    kano: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
) -> RequirementProfile:
    """Requirement level, clarity and layer of every attribute of ``definition``.

    ``kano``: a Kano feature table without segments (``feature, category``);
    ``items``: a SERVQUAL item table without segments (``item, msa, mss, share_below,
    share_above, in_dimension``). Either may be None (no such analysis).
    """
    cats: dict[str, str] = {}
    if kano is not None and len(kano):
        cats = {str(f): str(c) for f, c in zip(kano["feature"], kano["category"], strict=True)}
    scores: dict[str, dict[Any, Any]] = {}
    if items is not None and len(items):
        for row in items.to_dict("records"):
            scores[str(row["item"])] = row
    rows: list[dict[str, object]] = []
    for q in definition.questions:
        if q.type not in _ITEM_TYPES and q.level is None and q.clarity is None:
            continue
        cat = cats.get(q.code)
        kano_level = level_from_kano(cat)
        if kano_level is not None:
            level, source = kano_level, "kano"
        elif q.level is not None:
            level, source = q.level, "declared"
        else:
            level, source = None, ""
        sc = scores.get(q.code, {})
        rows.append(
            {
                "attribute": q.code,
                "type": q.type,
                "dimension": q.dimension,
                "layer": q.layer,
                "clarity": q.clarity,
                "declared_level": q.level,
                "kano_category": cat,
                "kano_level": kano_level,
                "level": level,
                "level_source": source,
                "disagrees": bool(
                    q.level is not None and kano_level is not None and q.level != kano_level
                ),
                "msa": _float(sc.get("msa")),
                "mss": _float(sc.get("mss")),
                "share_below": _float(sc.get("share_below")),
                "share_above": _float(sc.get("share_above")),
                "in_dimension": bool(sc.get("in_dimension", False)),
            }
        )
    attributes = pd.DataFrame(
        rows,
        columns=[
            "attribute", "type", "dimension", "layer", "clarity", "declared_level",
            "kano_category", "kano_level", "level", "level_source", "disagrees",
            "msa", "mss", "share_below", "share_above", "in_dimension",
        ],
    )  # fmt: skip
    return RequirementProfile(attributes=attributes, layers=layer_summary(attributes))


def layer_summary(attributes: pd.DataFrame) -> pd.DataFrame:
    """The five-layer table of :class:`RequirementProfile` from its attribute table."""
    out: list[dict[str, object]] = []
    for layer in LAYER_ORDER:
        sel = attributes[attributes["layer"] == layer]
        if sel.empty:
            continue
        rated = sel[sel["in_dimension"] & sel["msa"].notna()]
        out.append(
            {
                "layer": layer,
                "n_items": len(sel),
                "items": ", ".join(sel["attribute"].astype(str)),
                "msa": _mean(rated["msa"]),
                "mss": _mean(rated["mss"]),
                "share_below": _mean(rated["share_below"]),
                "share_above": _mean(rated["share_above"]),
            }
        )
    return pd.DataFrame(
        out, columns=["layer", "n_items", "items", "msa", "mss", "share_below", "share_above"]
    )


def _float(value: object) -> float:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return f


def _mean(values: Sequence[float] | pd.Series) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else float("nan")
