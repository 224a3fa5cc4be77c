"""Feature extraction shared by the classifier (training in sklearn, scoring in numpy).

Two blocks of features per text, each TF-IDF weighted and L2-normalised separately
(exactly as a scikit-learn ``FeatureUnion`` of two ``TfidfVectorizer`` with
``sublinear_tf=True, smooth_idf=True, norm="l2"`` does):

* ``w:`` words: jieba tokens (private tokenizer + domain dictionary, punctuation
  and the shipped stopwords dropped -- negators are kept, tokens containing 3+ consecutive digits such as order and phone numbers mapped to
  ``<num>``);
* ``c:`` character n-grams, n = 1..3, taken inside runs of letters/digits/CJK
  characters that contain a non-ASCII character (no n-gram crosses punctuation
  or whitespace; digit runs become ``0``). They handle typos (快滴), unseen
  compounds and segmentation errors. Pure Latin-script runs (English words,
  order numbers) are left to the word block: in a measurement on the
  template-disjoint split, English char n-grams added mostly noise.
"""

from __future__ import annotations

import re

from servgap.core.text._common import stopwords
from servgap.core.text.segment import tokens_of

_LONG_DIGITS = re.compile(r"\d{3,}")
_DIGITS = re.compile(r"\d+")
_CHUNK = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]+")

NUM_TOKEN = "<num>"


def word_features(normalised_text: str) -> list[str]:
    """Word tokens of one normalised text (used as a ``TfidfVectorizer`` analyzer)."""
    stop = stopwords()
    return [
        NUM_TOKEN if _LONG_DIGITS.search(w) else w
        for w in tokens_of(normalised_text)
        if w not in stop
    ]


def char_features(normalised_text: str) -> list[str]:
    """Character 1-3-grams within letter/digit/CJK runs of one normalised text."""
    out: list[str] = []
    for chunk in _CHUNK.findall(_DIGITS.sub("0", normalised_text)):
        if chunk.isascii():
            continue  # Latin-script runs are covered by the word block
        n = len(chunk)
        out.extend(chunk)
        out.extend(chunk[i : i + 2] for i in range(n - 1))
        out.extend(chunk[i : i + 3] for i in range(n - 2))
    return out
