"""Segmentation: domain dictionary, private tokenizer, stopwords, English, validation."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.errors import InputError
from servgap.core.text import MAX_TEXT_CHARS, segment


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("我的取件码一直没收到", "取件码"),
        ("保价费收得太高了", "保价费"),
        ("放在菜鸟驿站了", "菜鸟驿站"),
        ("丰巢快递柜超时费", "丰巢"),
        ("物流信息三天没更新", "物流信息"),
        ("显示已签收其实是假签收", "假签收"),
        ("到付件多收钱", "到付"),
        ("运单号查不到", "运单号"),
        ("快递员态度恶劣", "快递员"),
    ],
)
def test_domain_terms_are_single_tokens(text: str, term: str) -> None:
    assert term in segment([text])[0]


def test_private_tokenizer_leaves_jieba_global_dictionary_alone() -> None:
    segment(["取件码和假签收"])
    # jieba's process-wide tokenizer must not have learned our domain words
    assert "假签收" not in jieba.dt.FREQ
    assert "取件码" not in jieba.dt.user_word_tag_tab


def test_stopwords_removed_only_on_request_and_negators_kept() -> None:
    text = "快递员的派送不及时，the parcel is not here"
    full = segment(text)[0]
    kept = segment(text, remove_stopwords=True)[0]
    assert "的" in full and "的" not in kept
    assert "the" in full and "the" not in kept
    assert "不" in kept and "not" in kept


def test_english_and_mixed_are_tokenised_lowercase() -> None:
    out = segment(["My Parcel was DAMAGED!!", "courier 态度超差"])
    assert out[0] == ["my", "parcel", "was", "damaged"]
    assert out[1][0] == "courier"


def test_full_width_characters_are_normalised() -> None:
    assert segment(["ＳＦ１２３ 快递"])[0][0] == "sf123"


def test_bad_rows_are_all_listed() -> None:
    with pytest.raises(InputError) as exc:
        segment(["ok 快递", "", 3, "   ", None])  # type: ignore[list-item]
    rows = [p.row for p in exc.value.problems]
    assert rows == [2, 3, 4, 5]
    assert "第 2 行" in exc.value.message("zh")


def test_non_sequence_input_is_rejected() -> None:
    with pytest.raises(InputError):
        segment(42)  # type: ignore[arg-type]


def test_long_texts_are_truncated() -> None:
    tokens = segment(["慢" * (MAX_TEXT_CHARS + 300)])[0]
    assert sum(len(t) for t in tokens) == MAX_TEXT_CHARS


def test_first_use_prints_nothing_and_writes_no_jieba_cache() -> None:
    code = (
        "import warnings; warnings.simplefilter('error');"
        "from servgap.core.text import segment; print(segment(['快递员派件'])[0])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stderr == ""
    assert "快递员" in proc.stdout


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda s: s.strip()))
def test_tokens_are_substrings_of_the_normalised_text(text: str) -> None:
    normalised = unicodedata.normalize("NFKC", text).lower()
    for tok in segment([text])[0]:
        assert tok in normalised
        assert tok.strip() == tok and tok


def test_results_are_json_ready() -> None:
    from servgap.core.text import classify_complaints, keywords, sentiment, similar_cases

    texts = ["快递员态度恶劣", "包裹破损，东西碎了", "物流信息不更新"]
    for res in (
        classify_complaints(texts),
        sentiment(texts),
        similar_cases(texts[0], texts),
        keywords(texts, by=["a", "b", "b"]),
    ):
        json.dumps(res.to_dict(), ensure_ascii=False)
