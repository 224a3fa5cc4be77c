"""Keywords: c-TF-IDF against BERTopic's published formula, mean TF-IDF against sklearn."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from servgap.core.errors import InputError
from servgap.core.text import keywords
from servgap.core.text.classify import prepare_texts
from servgap.core.text.keywords import class_tfidf, keyword_tokens


def test_class_tfidf_worked_example() -> None:
    """Grootendorst (2022), arXiv:2203.05794, eq. (1): W = tf_{t,c} * log(1 + A / f_t),
    tf L1-normalised per class, A = int(mean terms per class) (BERTopic's implementation).
    counts [[2,0,1],[0,3,1]]: A = int(3.5) = 3, f = [2,3,2].
    W[0] = [2/3*ln(2.5), 0, 1/3*ln(2.5)] = [0.6109, 0, 0.3054];
    W[1] = [0, 3/4*ln 2, 1/4*ln(2.5)] = [0, 0.5199, 0.2291] (hand calculation, 4 d.p.)."""
    w = class_tfidf([[2, 0, 1], [0, 3, 1]])
    np.testing.assert_allclose(w, [[0.6109, 0, 0.3054], [0, 0.5199, 0.2291]], atol=5e-5)


def test_keywords_by_category_on_corpus() -> None:
    f = resources.files("servgap").joinpath("data", "text", "complaints_labelled.csv")
    with f.open("rb") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False).groupby("category").head(120)
    res = keywords(df["text"].tolist(), by=df["category"].tolist(), top_k=10)
    t = res.table
    assert res.method == "c-tf-idf"
    assert list(t.columns) == ["group", "rank", "keyword", "score", "count", "n_texts"]
    top = {g: set(sub["keyword"]) for g, sub in t.groupby("group")}
    assert top["price"] & {"保价费", "运费", "收费", "多收", "到付"}
    assert top["damage_loss"] & {"破损", "碎", "碎了", "摔坏", "丢失", "损坏", "压坏"}
    assert top["attitude"] & {"态度", "客服", "骂人", "服务态度", "不耐烦", "敷衍"}
    assert (t.groupby("group")["rank"].max() == 10).all()
    assert not t["keyword"].str.contains(r"\d").any()


def test_mean_tfidf_matches_sklearn() -> None:
    texts = ["快递员态度恶劣，态度恶劣", "包裹破损", "快递员送货很慢"]
    res = keywords(texts, top_k=3)
    toks = [keyword_tokens(t) for t in prepare_texts(texts)]
    v = TfidfVectorizer(analyzer=lambda ts: ts, sublinear_tf=True)
    X = v.fit_transform(toks)
    mean = np.asarray(X.mean(axis=0)).ravel()
    ref = dict(zip(v.get_feature_names_out(), mean, strict=True))
    assert res.method == "mean-tf-idf"
    for kw, score in zip(res.table["keyword"], res.table["score"], strict=True):
        assert score == pytest.approx(ref[kw], abs=1e-12)
    assert res.table["score"].is_monotonic_decreasing


def test_validation() -> None:
    with pytest.raises(InputError):
        keywords(["a", "b"], by=["x"])
    with pytest.raises(InputError) as exc:
        keywords(["快递慢", "破损"], by=["delay", None])
    assert exc.value.problems[0].row == 2
    with pytest.raises(InputError):
        keywords(["快递慢"], top_k=0)
