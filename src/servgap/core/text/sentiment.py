"""Lexicon-based sentiment of Chinese / English survey comments and complaints.

A VADER-style rule scorer with a hand-written, express-delivery-tuned lexicon
(``servgap/data/text/sentiment_lexicon.tsv``: ~330 valence words such as 慢,
暴力分拣, 态度恶劣, 点赞, 及时, 贴心, rude, on time; ~40 negators; ~45 degree
adverbs) and 30 common emoji (``emoji_lexicon.tsv``: 😡 -3, 👎 -2, 👍 +2, ❤️
+2.5 ...; an emoji is a token, so 😡😡😡 scores like three angry words). No general Chinese sentiment model ships in a pip-installable package
usable offline, and a lexicon is transparent (``terms`` shows what was matched),
which is why this is written by hand rather than taken from a library.

Notes
-----
Each text is cut into clauses at punctuation; each clause is segmented with the
private jieba tokenizer (lexicon terms are in its dictionary, so 态度恶劣 or 不错
stay whole). For a valence word with value v in [-3, 3]:

* degree adverbs among the two preceding tokens multiply v (非常 x1.5, 有点 x0.7,
  extremely x1.8 ...); 好 / 真 directly before a valence word act as degree adverbs;
* an odd number of negators among the three preceding tokens multiplies v by
  -0.74 (VADER's ``N_SCALAR``): 不及时 -> negative, 没问题 -> positive;
* after a contrast word (但是, 可是, 不过, 但, 却, but, however) valences are
  weighted 1.5 and before it 0.5 (VADER's "but" rule).

The clause sums are added to S. Punctuation cues: each ! / ！ (at most 4) adds
0.292 to |S| in the direction of S (VADER); two or more ? / ？ in a text with
S <= 0 (``???`` in a complaint) add -0.3 per mark (at most 3). The score is
normalised with VADER's alpha = 15:

    score = S / sqrt(S^2 + 15)  in (-1, 1)

and the polarity is ``positive`` if score >= 0.05, ``negative`` if score <= -0.05,
else ``neutral`` (VADER's thresholds).

The lexicon was tuned on ``sentiment_dev.csv`` (122 hand-written sentences);
``sentiment_heldout.csv`` (79 sentences, zh/en/mixed, written afterwards and not
used for tuning) measures it: accuracy 0.709, macro-F1 0.714 (most errors are
texts without any lexicon term, scored neutral). Reported by
``scripts/train_text_models.py`` and checked in ``tests/core/text/test_text_sentiment.py``.

References
----------
Hutto, C. J., Gilbert, E. (2014). VADER: A parsimonious rule-based model for
sentiment analysis of social media text. ICWSM-14 (constants N_SCALAR = -0.74,
B_INCR = 0.293, exclamation 0.292, alpha = 15, thresholds +-0.05).
Taboada, M. et al. (2011). Lexicon-based methods for sentiment analysis.
Computational Linguistics 37(2), 267-307.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.text._common import as_text_list, data_lines, prepare
from servgap.core.text.segment import tokens_of

N_SCALAR = -0.74
ALPHA = 15.0
EXCLAMATION_BOOST = 0.292
QUESTION_PENALTY = 0.3
THRESHOLD = 0.05
_CONTRAST = frozenset({"但是", "可是", "不过", "但", "却", "but", "however", "yet"})
_DUAL_DEGREE = {"好": 1.3, "真": 1.3}
_CLAUSE = re.compile(r"[,.;:!?，。；：！？、\n~～…]+")
_NT = re.compile(r"n't\b|n’t\b")


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, float]
    negators: frozenset[str]
    degrees: dict[str, float]


#: The shipped lexicon files, read in this order (same format: term, kind, value).
LEXICON_FILES = ("sentiment_lexicon.tsv", "emoji_lexicon.tsv")


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shipped sentiment lexicon (valence words and emoji, negators, degree adverbs)."""
    words: dict[str, float] = {}
    neg: set[str] = set()
    deg: dict[str, float] = {}
    for line in (ln for name in LEXICON_FILES for ln in data_lines(name)):
        term, kind, value = line.split("\t")
        term = term.lower().replace("\ufe0f", "")  # ❤️ is the token ❤ (see segment)
        if kind == "word":
            words[term] = float(value)
        elif kind == "negator":
            neg.add(term)
        elif kind == "degree":
            deg[term] = float(value)
    return Lexicon(words=words, negators=frozenset(neg), degrees=deg)


@dataclass(frozen=True)
class SentimentResult(ResultMixin):
    """Sentiment of texts.

    Attributes
    ----------
    table : DataFrame
        One row per text: ``polarity`` (positive / neutral / negative), ``score``
        in [-1, 1], ``terms`` (the lexicon terms that matched, with their signed
        contributions), ``truncated``.
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _tokens(clause: str) -> list[str]:
    toks = tokens_of(clause)
    out: list[str] = []
    i = 0
    while i < len(toks):
        # two-word English lexicon phrases ("on time", "a bit")
        if i + 1 < len(toks) and toks[i].isascii():
            pair = f"{toks[i]} {toks[i + 1]}"
            lex = lexicon()
            if pair in lex.words or pair in lex.degrees:
                out.append(pair)
                i += 2
                continue
        out.append(toks[i])
        i += 1
    return out


def _score_one(text: str) -> tuple[float, list[str]]:
    lex = lexicon()
    text_en = _NT.sub(" not", text).replace("cannot", "can not")
    clauses = [c for c in _CLAUSE.split(text_en) if c.strip()]
    toks_by_clause = [_tokens(c) for c in clauses]
    flat = [t for ts in toks_by_clause for t in ts]
    contrast_at = max((i for i, t in enumerate(flat) if t in _CONTRAST), default=-1)
    total = 0.0
    terms: list[str] = []
    pos = 0
    for toks in toks_by_clause:
        for j, tok in enumerate(toks):
            gi = pos + j
            v = lex.words.get(tok)
            if not v:  # unknown, or a 0-valence segmentation guard such as 好几次
                continue
            nxt = toks[j + 1] if j + 1 < len(toks) else None
            if tok in _DUAL_DEGREE and nxt is not None and nxt in lex.words:
                continue  # 好慢 / 真棒: acts as a degree adverb for the next word
            mult = 1.0
            for k in (j - 1, j - 2):
                if k >= 0:
                    prev = toks[k]
                    if prev in lex.degrees:
                        mult *= lex.degrees[prev]
                    elif prev in _DUAL_DEGREE and k == j - 1:
                        mult *= _DUAL_DEGREE[prev]
            n_neg = sum(1 for k in (j - 1, j - 2, j - 3) if k >= 0 and toks[k] in lex.negators)
            val = v * mult
            if n_neg % 2 == 1:
                val *= N_SCALAR
            if contrast_at >= 0:
                val *= 1.5 if gi > contrast_at else 0.5
            total += val
            terms.append(f"{tok}{val:+.2f}")
        pos += len(toks)
    n_excl = min(4, text.count("!"))
    if total > 0:
        total += EXCLAMATION_BOOST * n_excl
    elif total < 0:
        total -= EXCLAMATION_BOOST * n_excl
    n_q = text.count("?")
    if n_q >= 2 and total <= 0:
        total -= QUESTION_PENALTY * min(3, n_q)
    score = total / math.sqrt(total * total + ALPHA)
    return score, terms


def polarity_of(score: float) -> str:
    """``positive`` (score >= 0.05), ``negative`` (<= -0.05) or ``neutral``."""
    if score >= THRESHOLD:
        return "positive"
    if score <= -THRESHOLD:
        return "negative"
    return "neutral"


def sentiment(texts: str | Sequence[str]) -> SentimentResult:
    """Polarity and score of Chinese / English comments and complaints.

    Parameters
    ----------
    texts : str or sequence of str
        Texts longer than ``MAX_TEXT_CHARS`` (500) characters are truncated and
        flagged in ``truncated``.

    Returns
    -------
    SentimentResult
        ``table`` with ``polarity``, ``score`` (in [-1, 1]), ``terms`` and
        ``truncated``; see the module Notes for the rules.

    Raises
    ------
    InputError
        Non-string or empty texts (all offending rows listed).

    Examples
    --------
    >>> sentiment(["快递员态度非常好，点赞", "太慢了！！", "已收到"]).table["polarity"].tolist()
    ['positive', 'negative', 'neutral']
    """
    items = as_text_list(texts)
    prepared, truncated = prepare(items)
    scores: list[float] = []
    terms: list[list[str]] = []
    for t in prepared:
        s, ts = _score_one(t)
        scores.append(s)
        terms.append(ts)
    table = pd.DataFrame(
        {
            "polarity": [polarity_of(s) for s in scores],
            "score": scores,
            "terms": terms,
            "truncated": truncated,
        }
    )
    return SentimentResult(table=table)
