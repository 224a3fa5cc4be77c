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
