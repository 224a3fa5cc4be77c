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

English words of five or more letters are reduced to a light stem
(:func:`english_stem`: plural ``-s``/``-es``/``-ies`` after Harman's S-stemmer, then
``-ed``/``-ing`` and a final ``-e``, undoubling a final double consonant, as in step 1b
of Porter's algorithm), so that ``arrive`` / ``arrived`` / ``arriving`` and ``price`` /
``prices`` are one feature. Measured with the same training data: English category
accuracy 80.4 % -> 83.7 % on ``text_eval.csv`` (n = 92) and 87.5 % -> 85.4 % on
``text_eval_b.csv`` (n = 48, one text); adopted on the larger, independently written set.

References
----------
Harman, D. (1991). How effective is suffixing? Journal of the American Society for
Information Science 42(1), 7-15 (the S-stemmer).
Porter, M. F. (1980). An algorithm for suffix stripping. Program 14(3), 130-137
(step 1b: -ed / -ing and the undoubling of a final consonant).
"""

from __future__ import annotations

import re

from servgap.core.text._common import stopwords
from servgap.core.text.segment import tokens_of

_LONG_DIGITS = re.compile(r"\d{3,}")
_DIGITS = re.compile(r"\d+")
_CHUNK = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]+")

NUM_TOKEN = "<num>"
_ASCII_WORD = re.compile(r"[a-z]{5,}")
_KEEP_DOUBLE = frozenset("lsz")


def english_stem(word: str) -> str:
    """Light stem of a lower-case English word of 5+ letters (other tokens unchanged).

    ``deliveries`` -> ``delivery``, ``charges`` / ``charged`` / ``charge`` -> ``charg``,
    ``shipping`` -> ``ship``, ``waited`` -> ``wait``; a stem keeps at least 3 letters.
    """
    if not _ASCII_WORD.fullmatch(word):
        return word
    w = word
    if w.endswith("ies") and not w.endswith(("eies", "aies")):
        w = w[:-3] + "y"
    elif (w.endswith("es") and not w.endswith(("aes", "ees", "oes"))) or (
        w.endswith("s") and not w.endswith(("us", "ss"))
    ):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith("eed"):
            break
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if (
                len(w) >= 4
                and w[-1] == w[-2]
                and w[-1] not in _KEEP_DOUBLE
                and w[-1] not in "aeiou"
            ):
                w = w[:-1]
            break
    if w.endswith("e") and len(w) >= 5:
        w = w[:-1]
    return w


def word_features(normalised_text: str) -> list[str]:
    """Word tokens of one normalised text (used as a ``TfidfVectorizer`` analyzer)."""
    stop = stopwords()
    return [
        NUM_TOKEN if _LONG_DIGITS.search(w) else english_stem(w)
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
