"""Complaint classifier: held-out quality of the shipped model, seed cases, numpy scorer
versus scikit-learn, calibration, training, persistence, determinism, validation."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servgap.core.errors import InputError, InsufficientDataError
from servgap.core.text import (
    CATEGORIES,
    MAX_TEXT_CHARS,
    classify_complaints,
    default_model,
    evaluate_classifier,
    model_from_bytes,
    model_to_bytes,
    train_classifier,
)
from servgap.core.text.classify import (
    _export,
    _softmax,
    decision_scores,
    fit_temperature,
    prepare_texts,
    sklearn_pipeline,
)
from servgap.core.text.features import (
    char_features,
    english_bigrams,
    english_char_ngrams,
    english_stem,
    word_features,
)
from servgap.training.category_model import category_training_set
from servgap.training.corpus import generate_complaints


def _corpus() -> pd.DataFrame:
    data = resources.files("servgap").joinpath("data", "text", "complaints_labelled.csv")
    with data.open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


CORPUS = _corpus()
TEST = CORPUS[CORPUS["split"] == "test"]
TRAIN = CORPUS[CORPUS["split"] == "train"]


def test_corpus_shape_languages_and_split() -> None:
    counts = CORPUS.groupby("category").size()
    assert set(counts.index) == set(CATEGORIES)
    assert (counts >= 300).all()
    en_share = CORPUS["lang"].isin(["en"]).mean()
    assert 0.10 <= en_share <= 0.15
    lengths = CORPUS["text"].str.len()
    assert lengths.min() >= 5 and lengths.max() <= 150
    assert not CORPUS["text"].duplicated().any()
    # template-disjoint: no core phrasing appears in both splits
    assert not set(TRAIN["template"]) & set(TEST["template"])
    share = TEST.groupby("category").size() / counts
    assert share.between(0.12, 0.30).all()


def test_shipped_model_held_out_macro_f1() -> None:
    """Real check: the shipped model on the template-disjoint test split of the corpus."""
    ev = evaluate_classifier(TEST["text"].tolist(), TEST["category"].tolist())
    assert ev.n == len(TEST)
    assert ev.macro_f1 >= 0.80
    assert (ev.metrics["f1"] >= 0.65).all(), ev.metrics
    assert ev.accuracy >= 0.80


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # seed cases from /work/shared/seeds (客户宽容 case 1-3)
        ("某快递公司因天气原因导致延误，客户对延误表示不满", "delay"),
        ("天气原因延误", "delay"),
        ("快递员态度恶劣", "attitude"),
        ("快递员骂人", "attitude"),
        ("快递员态度生硬，沟通不畅", "attitude"),
        ("包裹破损", "damage_loss"),
        ("客户在收到包裹时，发现商品损坏", "damage_loss"),
        ("物流信息三天没更新了", "information"),
        ("保价费太贵了", "price"),
        ("包装太浪费了", "other"),
        # English
        ("My parcel arrived broken", "damage_loss"),
        ("The courier was extremely rude to me", "attitude"),
        ("Still waiting for my package after ten days", "delay"),
        ("I was overcharged 30 yuan for shipping", "price"),
    ],
)
def test_seed_and_english_cases(text: str, expected: str) -> None:
    assert classify_complaints([text]).table["category"].iloc[0] == expected


def test_result_table_columns_and_top_terms() -> None:
    res = classify_complaints(["快递员态度恶劣，还骂人", "包裹破损，东西碎了"])
    t = res.table
    assert list(t.columns) == ["category", "confidence", "outcome", "top_terms", "truncated"]
    assert "骂人" in t["top_terms"].iloc[0] or "态度恶劣" in t["top_terms"].iloc[0]
    assert all(isinstance(x, list) and len(x) <= 5 for x in t["top_terms"])
    np.testing.assert_allclose(res.probabilities.sum(axis=1), 1.0)
    assert res.to_dict()["table"][0]["category"] == "attitude"


def test_numpy_scorer_matches_sklearn_pipeline() -> None:
    """Differential test against the peer implementation (scikit-learn 1.x Pipeline)."""
    sub = TRAIN.groupby("category").head(60)
    texts = prepare_texts(sub["text"].tolist())
    pipe = sklearn_pipeline(texts, sub["category"].tolist(), C=10.0)
    model = _export(pipe, 1.0, {})
    english = TEST[TEST["lang"] != "zh"]["text"].head(50).tolist()
    queries = prepare_texts(
        [*TEST["text"].head(150).tolist(), *english, "全新的词语 totally unseen"]
    )
    ours = decision_scores(model, queries)
    ref = pipe.decision_function(queries)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_softmax(ours, 1.0), pipe.predict_proba(queries), atol=1e-12)


def test_temperature_scaling_recovers_known_temperature() -> None:
    """Guo et al. (2017): labels drawn from softmax(z / T0) -> the NLL minimiser is ~T0."""
    rng = np.random.default_rng(7)
    z = rng.normal(0, 3, size=(20000, 4))
    p = _softmax(z, 2.0)
    y = np.array([rng.choice(4, p=row) for row in p], dtype=np.int64)
    assert fit_temperature(z, y) == pytest.approx(2.0, rel=0.05)


def test_shipped_model_is_calibrated_on_held_out() -> None:
    """Expected calibration error (Guo et al. 2017, eq. 3, 10 equal bins) below 0.08."""
    res = classify_complaints(TEST["text"].tolist(), explain=False)
    conf = res.table["confidence"].to_numpy()
    correct = (res.table["category"].to_numpy() == TEST["category"].to_numpy()).astype(float)
    edges = np.linspace(0, 1, 11)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    assert ece < 0.08


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(min_size=1, max_size=60).filter(lambda s: s.strip()), min_size=1, max_size=6)
)
def test_probabilities_are_bounded_and_order_invariant(texts: list[str]) -> None:
    res = classify_complaints(texts)
    conf = res.table["confidence"].to_numpy()
    assert ((conf > 0) & (conf <= 1)).all()
    np.testing.assert_allclose(res.probabilities.max(axis=1).to_numpy(), conf)
    rev = classify_complaints(texts[::-1])
    np.testing.assert_allclose(rev.probabilities.to_numpy()[::-1], res.probabilities.to_numpy())


def test_invalid_rows_listed() -> None:
    with pytest.raises(InputError) as exc:
        classify_complaints(["快递慢", "", 5, "  "])  # type: ignore[list-item]
    assert [p.row for p in exc.value.problems] == [2, 3, 4]


def test_long_text_truncated_and_flagged() -> None:
    long = "快递员态度恶劣" + "啊" * (MAX_TEXT_CHARS * 3)
    t = classify_complaints([long, "包裹破损"]).table
    assert t["truncated"].tolist() == [True, False]
    assert t["category"].iloc[0] == "attitude"


def test_train_classifier_metrics_and_round_trip(tmp_path: Path) -> None:
    sub = CORPUS.groupby("category").head(40)
    trained = train_classifier(sub["text"].tolist(), sub["category"].tolist(), seed=1)
    m = trained.evaluation.metrics
    assert list(m.columns) == ["category", "precision", "recall", "f1", "support"]
    assert set(m["category"]) == set(CATEGORIES)
    assert trained.n_test == 48 and trained.n_train == 192
    assert m["support"].sum() == trained.n_test
    # macro-F1 is the unweighted mean of the per-category F1
    assert trained.evaluation.macro_f1 == pytest.approx(m["f1"].mean())
    loaded = model_from_bytes(model_to_bytes(trained.model))
    texts = TEST["text"].head(50).tolist()
    a = classify_complaints(texts, model=trained.model).probabilities
    b = classify_complaints(texts, model=loaded).probabilities
    pd.testing.assert_frame_equal(a, b)
    assert trained.to_dict()["model"]["classes"] == sorted(CATEGORIES)


def test_too_few_cases_names_categories_and_counts() -> None:
    texts = ["快递太慢"] * 12 + ["包裹破损"] * 3 + ["态度差"] * 4
    labels = ["delay"] * 12 + ["damage_loss"] * 3 + ["attitude"] * 4
    with pytest.raises(InsufficientDataError) as exc:
        train_classifier(texts, labels)
    assert "attitude=4" in str(exc.value) and "damage_loss=3" in str(exc.value)
    assert "delay" not in str(exc.value).split("got")[1].split(".")[0]


def test_label_length_mismatch() -> None:
    with pytest.raises(InputError):
        train_classifier(["a", "b"], ["delay"])


def test_model_from_bytes_rejects_non_model(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        model_from_bytes(b"not a zip", "x.npz")
    # core names what is wrong, never a command of one face (the CLI)
    assert "x.npz" in exc.value.en and "not a servgap text model" in exc.value.en
    assert "`servgap " not in exc.value.en and "`servgap " not in exc.value.zh


def test_shipped_corpus_is_reproduced_by_the_generator() -> None:
    csv = generate_complaints().to_csv(index=False, lineterminator="\n").encode("utf-8")
    shipped = resources.files("servgap").joinpath("data", "text", "complaints_labelled.csv")
    assert shipped.read_bytes() == csv
    # and the shipped model records the hash of exactly this corpus
    assert default_model().meta["corpus_sha256"] == hashlib.sha256(csv).hexdigest()


@pytest.mark.slow
def test_shipped_model_equals_retrained_model() -> None:
    """The shipped model is ``train_category_model()`` (deterministic: seeds, one thread)."""
    from servgap.training.category_model import train_category_model

    model = train_category_model()
    shipped = default_model()
    assert model.word_vocab == shipped.word_vocab
    assert model.char_vocab == shipped.char_vocab
    np.testing.assert_allclose(model.coef, shipped.coef, atol=1e-6)
    assert math.isclose(model.temperature, shipped.temperature, rel_tol=1e-4)
    assert model.meta["styles_sha256"] == shipped.meta["styles_sha256"]
    assert model.meta["styles_2_sha256"] == shipped.meta["styles_2_sha256"]
    assert shipped.meta["features"] == "v2"


def test_english_bigrams_and_char_ngrams() -> None:
    """v2 English blocks: pairs of stemmed words within space-separated runs (not across
    punctuation or Chinese), and char n-grams of each word padded with one space."""
    text = "the driver wasn't polite, not on time! 我的parcel已经delay了"
    assert english_bigrams(text) == [
        "the driver", "driver wasn't", "wasn't polit", "not on", "on time",
    ]  # fmt: skip
    assert english_char_ngrams("rude") == [
        " ru", "rud", "ude", "de ", " rud", "rude", "ude ", " rude", "rude ",
    ]  # fmt: skip


def test_model_without_feature_set_is_scored_with_v1_features() -> None:
    """A model stored before feature set v2 (no ``features`` in meta) keeps the features
    it was fitted on; an unknown feature set is refused with a message."""
    sub = TRAIN.groupby("category").head(40)
    texts = prepare_texts(sub["text"].tolist())
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    union = FeatureUnion(
        [
            ("w", TfidfVectorizer(analyzer=word_features, sublinear_tf=True, min_df=2)),
            ("c", TfidfVectorizer(analyzer=char_features, sublinear_tf=True, min_df=2)),
        ]
    )
    pipe = Pipeline([("tfidf", union), ("lr", LogisticRegression(C=10.0, max_iter=2000))])
    pipe.fit(texts, sub["category"].tolist())
    exported = _export(pipe, 1.0, {})  # _export records the current feature set, v2
    assert exported.meta["features"] == "v2"
    v1 = model_from_bytes(model_to_bytes(dataclasses.replace(exported, meta={})))
    queries = prepare_texts(["the parcel arrived broken, rude driver", "快递太慢了 late again"])
    np.testing.assert_allclose(
        decision_scores(v1, queries), pipe.decision_function(queries), rtol=1e-9, atol=1e-12
    )
    with pytest.raises(InputError) as exc:
        dataclasses.replace(exported, meta={"features": "v9"})
    assert "v9" in exc.value.en and exc.value.fields == ("meta",)


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("prices", "pric"),
        ("price", "pric"),
        ("deliveries", "delivery"),
        ("arrived", "arriv"),
        ("arriving", "arriv"),
        ("shipping", "ship"),
        ("stopped", "stop"),
        ("cancelled", "cancell"),
        ("speed", "speed"),
        ("address", "address"),
        ("status", "status"),
        ("late", "late"),  # under 5 letters: unchanged
        ("包裹", "包裹"),
    ],
)
def test_english_stem(word: str, stem: str) -> None:
    """Harman's S-stemmer (1991) + Porter (1980) step 1b -ed/-ing, final -e dropped."""
    assert english_stem(word) == stem


def test_training_set_adds_corrections_as_weighted_hand_written_texts() -> None:
    base, _, _ = category_training_set()
    texts, labels, groups = category_training_set(["网点门口积水"], ["other"], own_repeat=2)
    assert texts.count("网点门口积水") == 2 and groups.count("extra/0") == 2
    assert labels[texts.index("网点门口积水")] == "other"
    assert len(base) > len(texts)  # own_repeat 2 < the default 3
    with pytest.raises(InputError) as exc:
        category_training_set(["a", "b"], ["other"])
    assert exc.value.fields == ("extra_texts", "extra_labels")
