"""Lexicon cues of the polarity and emotion model: a VADER-style lexicon score,
negation, degree words, questions, sarcasm and emotion cue words as *features*.

These functions no longer decide the sentiment of a text: they compute a handful of
dense features that :mod:`servgap.core.text.sentiment` adds to its TF-IDF features
before a trained model weighs them (so the model, fitted on real labelled text, decides
how much a lexicon hit, a negation or a rhetorical question counts).

The lexicon (``sentiment_lexicon.tsv``: ~330 express-delivery valence words such as 慢,
暴力分拣, 态度恶劣, 点赞, 及时, rude, on time; ~40 negators; ~45 degree adverbs) and 30
emoji (``emoji_lexicon.tsv``) are scored as in VADER: degree adverbs among the two
preceding tokens multiply the valence, an odd number of negators among the three
preceding tokens multiplies it by ``N_SCALAR`` = -0.74, valences after a contrast word
(但是, but ...) weigh 1.5 and before it 0.5, each ``!`` (at most 4) adds 0.292 to |S|,
and the sum S is normalised to S / sqrt(S^2 + 15) (:func:`lexicon_score`).

``emotion_cues.tsv`` lists cue words of anger, urgency, disappointment, intention to
leave and intention to escalate (气死, 着急, 失望, 换别家, 12315, regulator ...).

References
----------
Hutto, C. J., Gilbert, E. (2014). VADER: A parsimonious rule-based model for
sentiment analysis of social media text. ICWSM-14 (N_SCALAR = -0.74, exclamation
0.292, alpha = 15).
Taboada, M. et al. (2011). Lexicon-based methods for sentiment analysis.
Computational Linguistics 37(2), 267-307.
Riloff, E. et al. (2013). Sarcasm as contrast between a positive sentiment and
negative situation. EMNLP 2013 (the positive-word-in-negative-context cue).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from servgap.core.text._common import data_lines
from servgap.core.text.segment import is_word, raw_tokens

N_SCALAR = -0.74
ALPHA = 15.0
EXCLAMATION_BOOST = 0.292
_CONTRAST = frozenset({"但是", "可是", "不过", "但", "却", "but", "however", "yet"})
_DUAL_DEGREE = {"好": 1.3, "真": 1.3}
_CLAUSE_PUNCT = re.compile(r"^[,.;:!?，。；：！？、\n~～…]+$")
_NT = re.compile(r"n't\b|n’t\b")
#: The emotions the model reports, in this order.
EMOTIONS: tuple[str, ...] = ("anger", "urgency", "disappointment", "leave", "escalate")
#: Markers of a rhetorical question (with a question mark in the same text). Written from
#: general usage and the training texts, not from the evaluation set.
_RHETORICAL = re.compile(
    r"难道|凭什么|就不能|还要|怎么会|是不是|有这么|这也叫|这就是|谁给|何必|还有比|"
    r"too much to ask|how hard|why should|do you even|who decided|is it so hard|how come"
)
#: Words of praise or thanks that, next to a negative situation, signal sarcasm.
_PRAISE = re.compile(
    r"好评|谢谢|感谢|真棒|棒|厉害|佩服|可真|真是|五星|惊喜|呵呵|好家伙|"
    r"great|brilliant|thanks|thank you|wonderful|lovely|perfect|impressive|love it|wow|oh"
)
#: Cues of a negative situation that praise does not cancel (还敢 = "dare to buy again").
_SITUATION = re.compile(
    r"还敢|又|才到|白等|错过|碎|摔|丢|拖|一周|两周|几天|"
    r"\bonly\b|another|again|smash|lost|late|broke|weeks?\b|days\b|never"
)

#: Names of the dense features, in column order.
DENSE_FEATURES: tuple[str, ...] = (
    "<lex_score>",
    "<lex_positive>",
    "<lex_negative>",
    "<negated>",
    "<degree>",
    "<exclamation>",
    "<question>",
    "<rhetorical_question>",
    "<praise_in_complaint>",
    *(f"<cue:{e}>" for e in EMOTIONS),
)

FloatArray = npt.NDArray[np.float64]


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


@lru_cache(maxsize=1)
def emotion_cues() -> dict[str, tuple[str, ...]]:
    """Cue words per emotion from ``emotion_cues.tsv`` (longest first)."""
    out: dict[str, list[str]] = {e: [] for e in EMOTIONS}
    for line in data_lines("emotion_cues.tsv"):
        term, emotion = line.split("\t")
        out[emotion.strip()].append(term.strip().lower())
    return {e: tuple(sorted(v, key=len, reverse=True)) for e, v in out.items()}


@lru_cache(maxsize=1)
def _cue_patterns() -> dict[str, re.Pattern[str]]:
    pats: dict[str, re.Pattern[str]] = {}
    for e, terms in emotion_cues().items():
        alts = [
            rf"(?<![a-z]){re.escape(t)}(?![a-z])" if t.isascii() else re.escape(t) for t in terms
        ]
        pats[e] = re.compile("|".join(alts))
    return pats


@lru_cache(maxsize=1)
def _any_cue() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in _cue_patterns().values()))


def emotion_cue_hits(normalised_text: str) -> dict[str, list[str]]:
    """The cue words of each emotion found in one normalised text (in order of appearance)."""
    if _any_cue().search(normalised_text) is None:  # most texts: one scan instead of five
        return {e: [] for e in EMOTIONS}
    return {e: p.findall(normalised_text) for e, p in _cue_patterns().items()}


def clauses(normalised_text: str) -> list[list[str]]:
    """Word tokens of one normalised text, cut into clauses at punctuation.

    English ``n't`` becomes `` not``; two-word lexicon phrases (``on time``, ``a bit``)
    are joined into one token.
    """
    text = _NT.sub(" not", normalised_text).replace("cannot", "can not")
    lex = lexicon()
    out: list[list[str]] = []
    cur: list[str] = []
    for tok in raw_tokens(text):
        if _CLAUSE_PUNCT.match(tok):
            if cur:
                out.append(cur)
            cur = []
            continue
        if not is_word(tok):
            continue
        if cur and tok.isascii() and cur[-1].isascii():
            pair = f"{cur[-1]} {tok}"
            if pair in lex.words or pair in lex.degrees:
                cur[-1] = pair
                continue
        cur.append(tok)
    if cur:
        out.append(cur)
    return out


@dataclass(frozen=True)
class LexiconScore:
    """VADER-style lexicon reading of one text (a feature of the trained model)."""

    score: float
    positive: float
    negative: float
    n_negated: int
    n_degree: int
    terms: tuple[str, ...]


def lexicon_score(
    normalised_text: str, clause_tokens: list[list[str]] | None = None
) -> LexiconScore:
    """Lexicon score of one normalised text (see module docstring; VADER rules).
    ``clause_tokens``: :func:`clauses` of the text, if already computed."""
    lex = lexicon()
    toks_by_clause = clauses(normalised_text) if clause_tokens is None else clause_tokens
    flat = [t for ts in toks_by_clause for t in ts]
    contrast_at = max((i for i, t in enumerate(flat) if t in _CONTRAST), default=-1)
    total = pos_sum = neg_sum = 0.0
    n_negated = n_degree = 0
    terms: list[str] = []
    pos = 0
    for toks in toks_by_clause:
        for j, tok in enumerate(toks):
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
            if mult != 1.0:
                n_degree += 1
            n_neg = sum(1 for k in (j - 1, j - 2, j - 3) if k >= 0 and toks[k] in lex.negators)
            val = v * mult
            if n_neg % 2 == 1:
                val *= N_SCALAR
                n_negated += 1
            if contrast_at >= 0:
                val *= 1.5 if pos + j > contrast_at else 0.5
            total += val
            if val > 0:
                pos_sum += val
            else:
                neg_sum -= val
            terms.append(tok)
        pos += len(toks)
    n_excl = min(4, normalised_text.count("!"))
    if total > 0:
        total += EXCLAMATION_BOOST * n_excl
    elif total < 0:
        total -= EXCLAMATION_BOOST * n_excl
    score = total / math.sqrt(total * total + ALPHA)
    return LexiconScore(score, pos_sum, neg_sum, n_negated, n_degree, tuple(terms))


def dense_features(
    normalised_text: str, clause_tokens: list[list[str]] | None = None
) -> tuple[FloatArray, LexiconScore, dict[str, list[str]]]:
    """The :data:`DENSE_FEATURES` of one normalised text (each in [-1, 1] or [0, 1]),
    with the lexicon reading and the emotion cue words found (for explanations)."""
    ls = lexicon_score(normalised_text, clause_tokens)
    hits = emotion_cue_hits(normalised_text)
    n_q = normalised_text.count("?")
    rhetorical = n_q > 0 and _RHETORICAL.search(normalised_text) is not None
    praise = _PRAISE.search(normalised_text) is not None
    situation = ls.negative > 0 or _SITUATION.search(normalised_text) is not None
    vec = np.array(
        [
            ls.score,
            ls.positive / (ls.positive + 2.0),
            ls.negative / (ls.negative + 2.0),
            min(ls.n_negated, 2) / 2.0,
            min(ls.n_degree, 2) / 2.0,
            min(normalised_text.count("!"), 4) / 4.0,
            min(n_q, 3) / 3.0,
            float(rhetorical),
            float(praise and situation),
            *(min(len(hits[e]), 2) / 2.0 for e in EMOTIONS),
        ],
        dtype=np.float64,
    )
    return vec, ls, hits


def polarity_words(normalised_text: str, clause_tokens: list[list[str]] | None = None) -> list[str]:
    """Word features of the polarity model: tokens, with the (up to three) tokens after a
    negator inside the same clause marked ``!`` (``不 好`` gives ``不``, ``!好``), and
    bigrams ``a_b`` of adjacent tokens of a clause."""
    negators = lexicon().negators
    out: list[str] = []
    for toks in clauses(normalised_text) if clause_tokens is None else clause_tokens:
        scope = 0
        marked: list[str] = []
        for tok in toks:
            if tok in negators:
                marked.append(tok)
                scope = 3
                continue
            marked.append(f"!{tok}" if scope > 0 else tok)
            scope = max(0, scope - 1)
        out.extend(marked)
        out.extend(f"{a}_{b}" for a, b in itertools.pairwise(toks))
    return out
