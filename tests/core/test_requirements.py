"""Requirement levels, clarity and the five layers (core.requirements).

Levels from Kano categories as Berger et al. (1993, CQM Journal 2(4)) name them: must-be =
basic, one-dimensional = performance (enhanced), attractive = excitement (delighting);
indifferent, reverse and questionable carry no level. Layer figures are unweighted means of
the items' figures (PZB 1988: a dimension's score is the average of its items' scores); the
expected values below are worked by hand from the small tables.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from servgap.core.errors import SpecError
from servgap.core.requirements import level_from_kano, requirement_profile
from servgap.core.survey import parse_survey

DEF = {
    "code": "req",
    "title": {"zh": "要求", "en": "Requirements"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "a", "type": "servqual3", "dimension": "reliability", "layer": "core",
         "level": "basic", "clarity": "implicit", "text": {"zh": "甲", "en": "A"}},
        {"code": "b", "type": "servqual3", "dimension": "reliability", "layer": "core",
         "text": {"zh": "乙", "en": "B"}},
        {"code": "c", "type": "servqual3", "dimension": "empathy", "layer": "emotion",
         "level": "delight", "clarity": "fuzzy", "text": {"zh": "丙", "en": "C"}},
        {"code": "k1", "type": "kano", "level": "basic", "text": {"zh": "柜", "en": "Locker"}},
        {"code": "k2", "type": "kano", "text": {"zh": "夜", "en": "Night"}},
        {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("cat", "level"),
    [("M", "basic"), ("O", "enhanced"), ("A", "delight"), ("I", None), ("R", None),
     ("Q", None), (None, None)],
)  # fmt: skip
def test_kano_categories_map_to_berger_requirement_levels(
    cat: str | None, level: str | None
) -> None:
    assert level_from_kano(cat) == level


def test_profile_takes_kano_over_declaration_and_flags_disagreement() -> None:
    d = parse_survey(DEF)
    kano = pd.DataFrame({"feature": ["k1", "k2"], "category": ["A", "I"]})
    items = pd.DataFrame(
        {
            "item": ["a", "b", "c"],
            "msa": [-0.5, 1.5, 0.25],
            "mss": [-2.0, -1.0, -0.5],
            "share_below": [0.6, 0.2, 0.3],
            "share_above": [0.0, 0.1, 0.2],
            "in_dimension": [True, True, True],
        }
    )
    prof = requirement_profile(d, kano=kano, items=items)
    rows = prof.attributes.set_index("attribute")
    assert list(rows.index) == ["a", "b", "c", "k1", "k2"]  # NPS is not an attribute
    assert rows.loc["a", "level"] == "basic" and rows.loc["a", "level_source"] == "declared"
    assert rows.loc["a", "clarity"] == "implicit"
    assert rows.loc["b", "level"] is None and rows.loc["b", "level_source"] == ""
    # declared basic, customers answer attractive: Kano wins and the contradiction shows
    assert rows.loc["k1", "level"] == "delight" and rows.loc["k1", "level_source"] == "kano"
    assert bool(rows.loc["k1", "disagrees"]) is True
    assert rows.loc["k2", "level"] is None and not rows.loc["k2", "disagrees"]
    layers = prof.layers.set_index("layer")
    assert list(layers.index) == ["core", "emotion"]  # the model's order, empty layers left out
    # core = mean of a and b: MSA (-0.5 + 1.5)/2 = 0.5, MSS (-2 - 1)/2 = -1.5, below 0.4
    assert layers.loc["core", "msa"] == pytest.approx(0.5)
    assert layers.loc["core", "mss"] == pytest.approx(-1.5)
    assert layers.loc["core", "share_below"] == pytest.approx(0.4)
    assert layers.loc["core", "n_items"] == 2
    assert layers.loc["emotion", "msa"] == pytest.approx(0.25)


def test_items_outside_their_dimension_score_do_not_enter_the_layer_mean() -> None:
    d = parse_survey(DEF)
    items = pd.DataFrame(
        {"item": ["a", "b"], "msa": [-0.5, 30.0], "mss": [-2.0, 10.0],
         "share_below": [0.6, 0.0], "share_above": [0.0, 0.0], "in_dimension": [True, False]}
    )  # fmt: skip
    layers = requirement_profile(d, items=items).layers.set_index("layer")
    assert layers.loc["core", "msa"] == pytest.approx(-0.5)  # b (minutes, say) is left out
    assert math.isnan(requirement_profile(d).layers.set_index("layer").loc["core", "msa"])


@pytest.mark.parametrize(("key", "bad"), [("level", "must"), ("clarity", "vague")])
def test_unknown_level_or_clarity_is_refused_naming_the_field(key: str, bad: str) -> None:
    raw = {**DEF, "questions": [{**DEF["questions"][0], key: bad}]}  # type: ignore[dict-item]
    with pytest.raises(SpecError) as err:
        parse_survey(raw)
    text = str(err.value)
    assert f"questions[0].{key}" in text or key in text
    assert bad in text
