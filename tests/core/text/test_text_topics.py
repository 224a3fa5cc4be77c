"""New topics: clusters of uncategorised complaints per period, keywords, examples."""

from __future__ import annotations

import pytest

from servgap.core.errors import InputError
from servgap.core.text.topics import new_topics

TEXTS = [
    "驿站搬了地方也没人通知",
    "驿站搬家了，没通知我们，找了半天",
    "驿站搬走了不知道去哪取件",
    "快递包装太浪费",
    "包装用了好多泡沫，太浪费",
    "包装过度，不环保",
    "发票开不出来",
    "app闪退",
    "电子发票一直开不了",
    "发票申请了两周没开",
]


def test_three_topics_with_keywords_and_examples() -> None:
    t = new_topics(TEXTS).table
    assert len(t) == 3
    assert (t["size"] == 3).all() and t["period"].eq("all").all()
    found = {frozenset(ix) for ix in t["indices"]}
    assert found == {frozenset({0, 1, 2}), frozenset({3, 4, 5}), frozenset({6, 8, 9})}
    for _, row in t.iterrows():
        assert row["examples"][0] in [TEXTS[i] for i in row["indices"]]
    kw = {w for ws in t["keywords"] for w in ws}
    assert {"驿站", "包装", "发票"} <= kw


def test_periods_are_clustered_separately_and_small_groups_are_not_topics() -> None:
    periods = ["W1"] * 3 + ["W2"] * 7
    t = new_topics(TEXTS, periods=periods).table
    assert sorted(t["period"].unique()) == ["W1", "W2"]
    assert t.loc[t["period"] == "W1", "indices"].iloc[0] == [0, 1, 2]
    assert new_topics(TEXTS, min_size=4).table.empty
    assert new_topics([]).table.empty


def test_deterministic_and_order_of_topics_by_size() -> None:
    a = new_topics(TEXTS[:6] + TEXTS[:2]).table
    b = new_topics(TEXTS[:6] + TEXTS[:2]).table
    assert a.equals(b)
    assert a["size"].is_monotonic_decreasing


@pytest.mark.parametrize(
    "kwargs",
    [{"min_size": 0}, {"min_similarity": 1.0}, {"periods": ["W1"]}, {"top_k": True}],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError) as exc:
        new_topics(TEXTS, **kwargs)  # type: ignore[arg-type]
    assert exc.value.fields


def test_a_topic_seen_in_earlier_periods_is_not_new() -> None:
    """Week 1 has the packaging topic; in week 2 packaging is back (seen before) and the
    pick-up point that moved is new: "new this week: 驿站搬了地方也没人通知"."""
    texts = TEXTS[3:6] + TEXTS[3:6] + TEXTS[0:3]
    periods = ["2026-W01"] * 3 + ["2026-W02"] * 6
    t = new_topics(texts, periods=periods, min_similarity=0.05).table
    w1 = t[t["period"] == "2026-W01"]
    assert w1["new"].tolist() == [True] and w1["earlier"].tolist() == [0]
    w2 = t[t["period"] == "2026-W02"].set_index("topic")
    by_kw = {
        ("包装" in kws): row for kws, (_, row) in zip(w2["keywords"], w2.iterrows(), strict=True)
    }
    assert not by_kw[True]["new"] and by_kw[True]["earlier"] == 3
    assert by_kw[False]["new"] and by_kw[False]["earlier"] == 0


def test_examples_mask_personal_data() -> None:
    texts = ["驿站搬了地方也没人通知，电话13812345678", *TEXTS[1:]]
    t = new_topics(texts).table
    shown = " ".join(x for ex in t["examples"] for x in ex)
    assert "13812345678" not in shown and "138****5678" in shown
