"""Aspect-level reading of survey comments: which attribute or SERVQUAL dimension each
clause is about, and its polarity.

A free-text survey answer ("快递员人挺好，但是送得太慢了") is cut into clauses, each
clause is assigned the survey attribute (a three-column item such as ``rel1``) or, failing
that, the generic service aspect it talks about, with that attribute's SERVQUAL dimension,
and the clause's polarity is read by the trained sentiment model. Comments then line up
with the three-column scores of the same attribute
(:mod:`servgap.services.comment_aspects`).

Steps
-----
1. **Clauses.** The text (NFKC-normalised, at most ``MAX_TEXT_CHARS`` characters) is cut
   into sentences at 。！？!? and line breaks, and sentences into clauses at ，,；;：: and
   before a contrast marker (但是, 但, 不过, 可是, 然而, but, however, although, though).
   ``、`` does not cut (``包装、速度都不错`` is one clause about two aspects).
2. **Aspect words.** Two sources:

   * the shipped lexicon ``aspect_terms.tsv`` (hand-written, zh and en): words naming
     ~25 common service aspects (punctuality, damage_loss, hotline, queue, courtesy,
     opening_hours ...), each with its SERVQUAL dimension after the definitions of
     Parasuraman, Zeithaml & Berry (1988), a *kind* (``target`` names what is talked
     about; ``opinion`` names the aspect and carries the opinion, Hu & Liu 2004) and a
     weight (1 names the aspect, 0.5 a person or place several aspects share);
   * the survey's own attributes (:class:`SurveyAttribute`): the content words of each
     item's zh and en wording (jieba tokens of two or more characters, English words of
     three or more letters; stopwords, generic words such as 快递 / parcel and the
     lexicon's shared words of weight below 0.7 such as 快递员 / 网点 removed) and any
     keywords the survey declares. A lexicon aspect is *linked* to an attribute
     when one of its words (weight >= 0.7, not a single Chinese character) occurs in the
     attribute's wording (``punctuality`` -> ``rel1`` "快递按承诺的时间送达").

   Lexicon words are matched longest first without overlap: Chinese words of one
   character as whole jieba tokens, longer ones inside the text, English at word
   boundaries.
3. **Attribute.** For each attribute a, score(a) = sum over its keywords found of 1/df
   (df: how many attributes share the keyword) + sum over lexicon hits whose aspect is
   linked to a of weight / (number of attributes linked to that aspect). The clause's
   aspect is the best-scoring attribute (ties: the attribute whose dimension is that of
   the strongest lexicon aspect, then survey order); without any, the strongest lexicon
   aspect. A further lexicon aspect with a full-weight word that the chosen attribute does
   not explain gives a second mention of the same clause ("态度和速度都很好"). A clause with
   no aspect word is joined to the preceding clause of its sentence that has one (else the
   following one); a sentence with none is one mention without aspect.
4. **Polarity.** The sentiment model (:func:`servgap.core.text.sentiment.sentiment`) reads
   the clause with its *target* words removed -- the aspect is what is talked about, not
   an opinion, and the model, trained on complaints, otherwise learns that 快递员 is
   negative -- and, when the lexicons find an opinion word in the clause, its
   probabilities are pooled linearly with the lexicons' reading s in [-1, 1] (the
   sentiment lexicon's VADER sum, :func:`servgap.core.text.lexicon.lexicon_score`, plus
   the aspect lexicon's opinion valences, see :func:`_lexicon_reading`):

       p = (1 - LEXICON_POOL) * p_model + LEXICON_POOL * (max(-s, 0), 1 - |s|, max(s, 0))

   (a linear opinion pool, Genest & Zidek 1986; ``LEXICON_POOL`` = 0.5, chosen among
   0.35 / 0.5 / 0.65 on 30 development comments written apart from the evaluation set;
   with no opinion word the model's probabilities stand). ``polarity`` is the most
   probable class and ``probability`` its pooled probability.

Evaluation
----------
``aspect_eval.csv``: 120 hand-written comments (zh and en; colloquial, with negation,
sarcasm, understatement and several aspects in one comment; written for the evaluation,
not from the lexicon, and never used to choose a word or a parameter; 70 zh and 50 en
comments), 134 gold clauses, read against the demo survey's attributes. Measured three
times, after the method was written, after the shared-word rule (from the demo comments)
and after the development-set changes, reading only the totals, never the clauses
(``tests/core/text/test_text_aspects.py`` asserts these minus 0.03): dimension accuracy 0.776 (zh 0.823, en 0.709), polarity accuracy 0.713 (zh 0.789,
en 0.604), both right 0.545 (:data:`MEASURED`); without the survey's attributes (lexicon
aspects only) dimension accuracy is 0.761. English is weaker: the lexicon has fewer
English words and the sentiment model, trained mostly on complaints, reads short
English praise as negative (p_negative 0.85 for "the app is slick and easy to use");
sarcasm inside one clause is mostly missed.

References
----------
Parasuraman, A., Zeithaml, V. A., Berry, L. L. (1988). SERVQUAL: a multiple-item scale
for measuring consumer perceptions of service quality. Journal of Retailing 64(1), 12-40
(the five dimensions).
Hu, M., Liu, B. (2004). Mining and summarizing customer reviews. KDD 2004 (aspect
words vs opinion words; sentence-level opinion per feature).
Pontiki, M. et al. (2014). SemEval-2014 Task 4: Aspect based sentiment analysis.
SemEval 2014 (aspect term / aspect category and polarity per aspect; the evaluation's
per-clause accuracy measures follow its subtask 3 and 4).
Genest, C., Zidek, J. V. (1986). Combining probability distributions: a critique and an
annotated bibliography. Statistical Science 1(1), 114-135 (linear opinion pool).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, ProblemCollector, SpecError
from servgap.core.text._common import MAX_TEXT_CHARS, as_text_list, data_lines, stopwords
from servgap.core.text.lexicon import lexicon, lexicon_score
from servgap.core.text.segment import raw_tokens
from servgap.core.text.sentiment import SentimentModel, sentiment

if TYPE_CHECKING:
    from servgap.core.survey import SurveyDefinition

#: The shipped aspect lexicon (``servgap/data/text/``).
ASPECT_FILE = "aspect_terms.tsv"
#: The five SERVQUAL dimensions (Parasuraman, Zeithaml & Berry 1988).
DIMENSIONS: tuple[str, ...] = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
#: Weight of the lexicon reading in the pooled polarity (module docstring, step 4).
LEXICON_POOL = 0.5
#: Lexicon weight an aspect needs, beyond the one chosen, to be a second mention of a clause.
SECOND_MENTION_WEIGHT = 0.8
#: Measured on ``aspect_eval.csv`` with the demo survey's attributes (module docstring).
MEASURED: dict[str, float] = {
    "dimension_accuracy": 0.776,  # zh 0.823, en 0.709; lexicon only (no survey): 0.761
    "polarity_accuracy": 0.713,  # zh 0.789, en 0.604 (clauses with a gold dimension)
    "joint_accuracy": 0.545,  # zh 0.646, en 0.400
}
_POLARITIES = ("negative", "neutral", "positive")
_KINDS = ("target", "opinion")
#: Words of an attribute's wording too generic to say which attribute a comment is about.
_GENERIC = frozenset(
    ("快递", "快件", "包裹", "物品", "东西", "服务", "公司", "我们", "我的", "能够", "得到",
     "始终", "总是", "及时", "准确", "方便", "parcel", "parcels", "service", "company", "staff",
     "customers", "customer", "always", "quickly", "well")
)  # fmt: skip
_SENTENCE_END = re.compile(r"[。！？!?\n]+|\.(?=\s|$)")
_CLAUSE_CUT = re.compile(r"[，,；;：:]+")
_CONTRAST = re.compile(
    r"(?<![不忙])(?=但是|可是|然而)|(?<![不忙看想说比])(?=不过(?![来去]))"
    r"|(?<![不但是])(?=但(?!是|愿|凡))|(?i:\s(?=\b(?:but|however|although|though)\b))"
)
_WORD = re.compile(r"[a-z][a-z'\-]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class AspectTerm:
    """One word of the aspect lexicon (see the module docstring)."""

    term: str
    aspect: str
    dimension: str | None
    kind: str
    weight: float
    valence: int = 0


@dataclass(frozen=True)
class SurveyAttribute:
    """A survey attribute comments can be about: a three-column item's code, its SERVQUAL
    dimension (or the survey's own), its zh and en wording and any declared keywords."""

    code: str
    dimension: str | None
    label_zh: str
    label_en: str
    keywords: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def aspect_lexicon() -> tuple[AspectTerm, ...]:
    """The shipped aspect lexicon ``aspect_terms.tsv`` (terms normalised as texts are)."""
    out: list[AspectTerm] = []
    for line in data_lines(ASPECT_FILE):
        parts = line.split("\t")
        if len(parts) != 6 or parts[3] not in _KINDS:  # pragma: no cover - packaged file
            raise SpecError(
                f"{ASPECT_FILE}: bad line {line!r} (term, aspect, dimension, kind, weight, "
                "valence).",
                f"{ASPECT_FILE}：格式错误的行 {line!r}（词、方面、维度、类型、权重、倾向）。",
            )
        term, aspect, dim, kind, weight, valence = parts
        out.append(AspectTerm(_norm(term), aspect, None if dim == "-" else dim, kind,
                              float(weight), int(valence)))  # fmt: skip
    return tuple(out)


def aspect_dimensions() -> dict[str, str | None]:
    """Each lexicon aspect's SERVQUAL dimension (None: outside the five, e.g. ``price``)."""
    return {t.aspect: t.dimension for t in aspect_lexicon()}


def survey_attributes(definition: SurveyDefinition) -> tuple[SurveyAttribute, ...]:
    """The attributes of a survey that comments can be about: its three-column items."""
    return tuple(
        SurveyAttribute(q.code, q.dimension, q.text.zh, q.text.en)
        for q in definition.by_type("servqual3")
    )


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1)
def _shared_words() -> frozenset[str]:
    """Lexicon words of weight below 0.7 (persons and places several attributes share:
    快递员, 网点, courier): never an attribute keyword of their own."""
    return frozenset(t.term for t in aspect_lexicon() if t.weight < 0.7)


def attribute_keywords(attribute: SurveyAttribute) -> tuple[str, ...]:
    """Content words of an attribute's wording plus its declared keywords (step 2)."""
    stop = stopwords() | _shared_words()
    words: list[str] = [_norm(k) for k in attribute.keywords if k.strip()]
    for tok in raw_tokens(_norm(attribute.label_zh)):
        if len(tok) >= 2 and _CJK.search(tok) and tok not in stop and tok not in _GENERIC:
            words.append(tok)
    for tok in _WORD.findall(_norm(attribute.label_en)):
        if len(tok) >= 3 and tok not in stop and tok not in _GENERIC:
            words.append(tok)
    return tuple(dict.fromkeys(words))


# ------------------------------------------------------------------------------ clauses


@dataclass(frozen=True)
class Clause:
    """A clause of a comment: ``sentence`` number, ``start``/``end`` offsets in the
    normalised comment, and its ``text``."""

    sentence: int
    start: int
    end: int
    text: str


def split_clauses(text: str) -> list[Clause]:
    """Cut one comment into clauses (module docstring, step 1).

    Examples
    --------
    >>> [c.text for c in split_clauses("快递员人挺好，但是送得太慢了。下次再说")]
    ['快递员人挺好', '但是送得太慢了', '下次再说']
    """
    shown = unicodedata.normalize("NFKC", text)[:MAX_TEXT_CHARS]
    out: list[Clause] = []
    pos = s_no = 0
    for m in [*_SENTENCE_END.finditer(shown), None]:
        end = m.start() if m is not None else len(shown)
        before = len(out)
        _cut_sentence(shown, pos, end, s_no, out)
        s_no += len(out) > before
        pos = m.end() if m is not None else len(shown)
    return out


def _cut_sentence(shown: str, start: int, end: int, s_no: int, out: list[Clause]) -> None:
    punct = {m.span() for m in _CLAUSE_CUT.finditer(shown, start, end)}
    marks = {start, end, *(p for span in punct for p in span)}
    marks |= {m.start() for m in _CONTRAST.finditer(shown, start, end)}
    cuts = sorted(marks)
    for a, b in itertools.pairwise(cuts):
        if (a, b) in punct:
            continue
        piece = shown[a:b]
        body = piece.strip()
        if body and re.search(r"\w", body):
            lead = len(piece) - len(piece.lstrip())
            out.append(Clause(s_no, a + lead, a + lead + len(body), body))


# ------------------------------------------------------------------------------ matching


@dataclass(frozen=True)
class _Hit:
    term: str
    aspect: str
    dimension: str | None
    kind: str
    weight: float
    start: int
    valence: int = 0


@lru_cache(maxsize=1)
def _lexicon_index() -> tuple[re.Pattern[str], dict[str, AspectTerm], frozenset[str]]:
    """One alternation of the multi-character terms (longest first) and the one-character
    Chinese terms (matched as tokens)."""
    by_term: dict[str, AspectTerm] = {}
    single: set[str] = set()
    for t in aspect_lexicon():
        by_term.setdefault(t.term, t)
        if len(t.term) == 1 and _CJK.match(t.term):
            single.add(t.term)
    multi = sorted((t for t in by_term if t not in single), key=lambda s: (-len(s), s))
    alts = [
        rf"(?<![a-z]){re.escape(t)}(?![a-z])" if t[0].isascii() else re.escape(t) for t in multi
    ]
    return re.compile("|".join(alts)), by_term, frozenset(single)


def lexicon_hits(normalised: str) -> list[_Hit]:
    """Lexicon words in one normalised clause, longest first, without overlap."""
    pattern, by_term, single = _lexicon_index()
    hits: list[_Hit] = []
    taken = np.zeros(len(normalised) + 1, dtype=bool)
    for m in pattern.finditer(normalised):
        t = by_term[m.group(0)]
        hits.append(_Hit(t.term, t.aspect, t.dimension, t.kind, t.weight, m.start(), t.valence))
        taken[m.start() : m.end()] = True
    pos = 0
    for tok in raw_tokens(normalised):
        if tok in single and not taken[pos]:
            t = by_term[tok]
            hits.append(_Hit(t.term, t.aspect, t.dimension, t.kind, t.weight, pos, t.valence))
        pos += len(tok)
    return sorted(hits, key=lambda h: h.start)


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z]){re.escape(word)}(?![a-z])")


def _contains(text: str, word: str) -> bool:
    """``word`` occurs in ``text``: English at word boundaries, Chinese anywhere."""
    if word[0].isascii():
        return word in text and _word_pattern(word).search(text) is not None
    return word in text


@dataclass(frozen=True)
class _Matcher:
    attributes: tuple[SurveyAttribute, ...]
    keywords: tuple[tuple[str, ...], ...]
    df: dict[str, int]
    links: dict[str, tuple[int, ...]]  # lexicon aspect -> attribute positions


def _matcher(attributes: Sequence[SurveyAttribute]) -> _Matcher:
    attrs = tuple(attributes)
    kws = tuple(attribute_keywords(a) for a in attrs)
    df: dict[str, int] = {}
    for ks in kws:
        for k in ks:
            df[k] = df.get(k, 0) + 1
    links: dict[str, set[int]] = {}
    labels = [_norm(a.label_zh) + " | " + _norm(a.label_en) for a in attrs]
    for t in aspect_lexicon():
        if t.weight < 0.7 or (len(t.term) == 1 and _CJK.match(t.term)):
            continue
        for i, lab in enumerate(labels):
            if _contains(lab, t.term):
                links.setdefault(t.aspect, set()).add(i)
    return _Matcher(attrs, kws, df, {k: tuple(sorted(v)) for k, v in links.items()})


@dataclass(frozen=True)
class _Mention:
    aspect: str | None
    source: str | None  # survey / lexicon
    dimension: str | None
    evidence: tuple[str, ...]


def _read_clause(normalised: str, m: _Matcher) -> tuple[list[_Mention], list[str]]:
    """The aspects of one clause (step 3) and the words to remove before its polarity."""
    hits = lexicon_hits(normalised)
    weight: dict[str, float] = {}
    for h in hits:
        weight[h.aspect] = weight.get(h.aspect, 0.0) + h.weight
    kw_found = [[k for k in ks if _contains(normalised, k)] for ks in m.keywords]
    scores = np.zeros(len(m.attributes))
    for i, found in enumerate(kw_found):
        scores[i] = sum(1.0 / m.df[k] for k in found)
    for h in hits:
        linked = m.links.get(h.aspect, ())
        for i in linked:
            scores[i] += h.weight / len(linked)
    lex_words = set(lexicon().words)
    opinion = {h.term for h in hits if h.kind == "opinion"}
    masked = [h.term for h in hits if h.kind == "target"]
    masked += [k for found in kw_found for k in found if k not in opinion and k not in lex_words]
    strongest = max(weight, key=lambda a: (weight[a], -_first(hits, a)), default=None)
    out: list[_Mention] = []
    explained: set[str] = set()
    if len(scores) and scores.max() > 0:
        best_dim = aspect_dimensions().get(strongest) if strongest else None
        order = sorted(range(len(scores)),
                       key=lambda i: (-round(float(scores[i]), 9),
                                      m.attributes[i].dimension != best_dim, i))  # fmt: skip
        i = order[0]
        explained = {a for a, linked in m.links.items() if i in linked}
        ev = kw_found[i] + [h.term for h in hits if h.aspect in explained]
        out.append(_Mention(m.attributes[i].code, "survey", m.attributes[i].dimension,
                            tuple(dict.fromkeys(ev))))  # fmt: skip
    elif strongest is not None:
        explained = {strongest}
        out.append(_Mention(strongest, "lexicon", aspect_dimensions().get(strongest),
                            tuple(dict.fromkeys(h.term for h in hits if h.aspect == strongest))))  # fmt: skip
    for aspect in dict.fromkeys(h.aspect for h in hits):
        if aspect in explained or weight[aspect] < SECOND_MENTION_WEIGHT:
            continue
        if any(o.aspect == aspect for o in out):
            continue
        cands = [j for j in m.links.get(aspect, ()) if scores[j] > 0]
        ev2 = tuple(dict.fromkeys(h.term for h in hits if h.aspect == aspect))
        if cands:
            i = max(cands, key=lambda j: (scores[j], -j))
            if any(o.aspect == m.attributes[i].code for o in out):
                continue
            out.append(_Mention(m.attributes[i].code, "survey", m.attributes[i].dimension, ev2))
        else:
            out.append(_Mention(aspect, "lexicon", aspect_dimensions().get(aspect), ev2))
    return out, masked


def _first(hits: list[_Hit], aspect: str) -> int:
    return min(h.start for h in hits if h.aspect == aspect)


# ------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class AspectMention:
    """One aspect of one clause: what a comment says about one attribute."""

    aspect: str | None
    dimension: str | None
    polarity: str
    probability: float
    clause: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class AspectResult(ResultMixin):
    """Aspect mentions of comments.

    Attributes
    ----------
    table : DataFrame
        One row per mention: ``comment`` (position in the input), ``sentence``,
        ``clause`` (the clause text as written, NFKC-normalised), ``aspect`` (a survey
        attribute's code, a lexicon aspect, or None when the clause names none),
        ``source`` (``survey`` / ``lexicon`` / None), ``dimension`` (SERVQUAL dimension
        or None), ``polarity``, ``probability`` (pooled probability of that polarity),
        ``p_negative``, ``p_neutral``, ``p_positive``, ``evidence`` (the aspect words
        found) and ``opinion_terms`` (words that carried the model's polarity).
    n_comments : int
        Comments read.
    """

    table: pd.DataFrame
    n_comments: int = 0
    attributes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def mentions(self) -> list[list[AspectMention]]:
        """Per comment, its mentions (aspect, dimension, polarity, probability, clause,
        evidence words)."""
        out: list[list[AspectMention]] = [[] for _ in range(self.n_comments)]
        for rec in self.table.to_dict("records"):
            out[int(rec["comment"])].append(
                AspectMention(
                    rec["aspect"],
                    rec["dimension"],
                    str(rec["polarity"]),
                    float(rec["probability"]),
                    str(rec["clause"]),
                    tuple(rec["evidence"]),
                )
            )
        return out


_COLUMNS = ["comment", "sentence", "clause", "aspect", "source", "dimension", "polarity",
            "probability", "p_negative", "p_neutral", "p_positive", "evidence",
            "opinion_terms"]  # fmt: skip


def comment_aspects(
    texts: str | Sequence[str],
    *,
    attributes: Sequence[SurveyAttribute] | None = None,
    model: SentimentModel | None = None,
    lexicon_pool: float = LEXICON_POOL,
) -> AspectResult:
    """Aspects and aspect-level polarity of survey comments (see the module docstring).

    Parameters
    ----------
    texts : str or sequence of str
        Free-text answers, Chinese, English or mixed.
    attributes : sequence of SurveyAttribute, optional
        The survey's attributes (:func:`survey_attributes`); without them, clauses are
        assigned the lexicon's generic aspects only.
    model : SentimentModel, optional
        Default: the shipped sentiment model.
    lexicon_pool : float, default 0.5
        Weight of the lexicon reading in the pooled polarity, in [0, 1].

    Returns
    -------
    AspectResult

    Raises
    ------
    InputError
        Non-string or empty texts (all rows listed); ``lexicon_pool`` outside [0, 1];
        attributes with duplicate codes.

    Examples
    --------
    >>> r = comment_aspects("快递员态度很好，但是送得太慢了")
    >>> [(m.aspect, m.dimension, m.polarity) for m in r.mentions()[0]]
    [('courtesy', 'assurance', 'positive'), ('punctuality', 'reliability', 'negative')]
    """
    items = as_text_list(texts, what="comments", allow_empty=True)
    if not 0.0 <= lexicon_pool <= 1.0:
        raise InputError(
            f"`lexicon_pool` must be between 0 and 1, got {lexicon_pool}.",
            f"`lexicon_pool` 必须在 0 与 1 之间，收到 {lexicon_pool}。",
            fields=("lexicon_pool",),
        )
    attrs = tuple(attributes or ())
    _check_attributes(attrs)
    matcher = _matcher(attrs)
    rows: list[dict[str, Any]] = []
    to_score: list[str] = []
    for ci, text in enumerate(items):
        for unit, mentions, masked in _units(text, matcher):
            for mention in mentions or [_Mention(None, None, None, ())]:
                rows.append({"comment": ci, "sentence": unit[0], "clause": unit[1],
                             "aspect": mention.aspect, "source": mention.source,
                             "dimension": mention.dimension,
                             "evidence": list(mention.evidence)})  # fmt: skip
                to_score.append(_masked_text(unit[1], masked))
    table = pd.DataFrame(rows, columns=[c for c in _COLUMNS if c not in _SCORED])
    _score(table, to_score, model, lexicon_pool)
    return AspectResult(table=table[_COLUMNS], n_comments=len(items),
                        attributes=tuple(a.code for a in attrs))  # fmt: skip


_SCORED = ("polarity", "probability", "p_negative", "p_neutral", "p_positive", "opinion_terms")


def _check_attributes(attrs: tuple[SurveyAttribute, ...]) -> None:
    pc = ProblemCollector()
    seen: set[str] = set()
    for i, a in enumerate(attrs, start=1):
        if a.code in seen:
            pc.add("duplicate attribute code; give each attribute once.",
                   "属性代码重复；每个属性只能出现一次。", row=i, column="code",
                   value=a.code)  # fmt: skip
        seen.add(a.code)
    pc.raise_if_any(InputError, "The survey attributes are not usable.",
                    "调查属性不可用。")  # fmt: skip


def _units(
    text: str, matcher: _Matcher
) -> Iterable[tuple[tuple[int, str], list[_Mention], list[str]]]:
    """(sentence, clause text), its mentions and masked words, aspect-less clauses joined
    to a neighbour of the same sentence (step 3)."""
    clauses = split_clauses(text)
    read = [_read_clause(_norm(c.text), matcher) for c in clauses]
    sentences = sorted({c.sentence for c in clauses})
    for s in sentences:
        idx = [i for i, c in enumerate(clauses) if c.sentence == s]
        anchors = [i for i in idx if read[i][0]]
        if not anchors:
            first, last = clauses[idx[0]], clauses[idx[-1]]
            whole = _span(text, first.start, last.end)
            yield (s, whole), [], [w for i in idx for w in read[i][1]]
            continue
        groups: dict[int, list[int]] = {a: [a] for a in anchors}
        for i in idx:
            if i in groups:
                continue
            before = [a for a in anchors if a < i]
            groups[before[-1] if before else anchors[0]].append(i)
        # neighbouring clauses about the same aspects are one mention ("真准时啊，晚了三天")
        merged: list[list[int]] = []
        for a in anchors:
            if merged and _aspects(read[merged[-1][0]][0]) == _aspects(read[a][0]):
                merged[-1].append(a)
            else:
                merged.append([a])
        for run in merged:
            members = sorted(i for a in run for i in groups[a])
            span = _span(text, clauses[members[0]].start, clauses[members[-1]].end)
            mentions = _union(read[a][0] for a in run)
            yield (s, span), mentions, [w for i in members for w in read[i][1]]


def _aspects(mentions: list[_Mention]) -> tuple[str | None, ...]:
    return tuple(sorted(str(m.aspect) for m in mentions))


def _union(groups: Iterable[list[_Mention]]) -> list[_Mention]:
    """Mentions of clauses about the same aspects, their evidence words together."""
    out: dict[str | None, _Mention] = {}
    for mentions in groups:
        for m in mentions:
            prev = out.get(m.aspect)
            ev = m.evidence if prev is None else tuple(dict.fromkeys(prev.evidence + m.evidence))
            out[m.aspect] = _Mention(m.aspect, m.source, m.dimension, ev)
    return list(out.values())


def _span(text: str, start: int, end: int) -> str:
    """The clause as written (the normalised text where NFKC changed the length)."""
    shown = unicodedata.normalize("NFKC", text)
    return (text if len(shown) == len(text) else shown)[:MAX_TEXT_CHARS][start:end]


def _masked_text(clause: str, masked: list[str]) -> str:
    out = _norm(clause)
    for w in sorted(set(masked), key=len, reverse=True):
        out = out.replace(w, " ")
    return out if re.search(r"\w", out) else _norm(clause)


def _score(table: pd.DataFrame, texts: list[str], model: SentimentModel | None,
           pool: float) -> None:  # fmt: skip
    if not texts:
        for c in _SCORED:
            table[c] = pd.Series(dtype=object if c in ("polarity", "opinion_terms") else float)
        return
    sen = sentiment(texts, model=model).table
    p_model = sen[["p_negative", "p_neutral", "p_positive"]].to_numpy(dtype=np.float64)
    s = np.array([_lexicon_reading(_norm(c)) for c in table["clause"]], dtype=np.float64)
    p_lex = np.column_stack([np.maximum(-s, 0.0), 1.0 - np.abs(s), np.maximum(s, 0.0)])
    w = np.where(s != 0.0, pool, 0.0)[:, None]  # no lexicon word: the model alone
    p = (1.0 - w) * p_model + w * p_lex
    k = p.argmax(axis=1)
    table["polarity"] = [_POLARITIES[j] for j in k]
    table["probability"] = p[np.arange(len(k)), k]
    table["p_negative"], table["p_neutral"], table["p_positive"] = p[:, 0], p[:, 1], p[:, 2]
    table["opinion_terms"] = sen["terms"].to_list()


_NEGATED = re.compile(r"(?:不|没|没有|别|未|无|not|no|never|n't)\s*\S{0,2}$")


def _lexicon_reading(normalised: str) -> float:
    """The lexicon's polarity s in [-1, 1] of one clause: the sentiment lexicon's VADER sum
    plus the valence of the aspect lexicon's opinion words it does not know (each +-2 on
    VADER's scale, times -0.74 after a negator), normalised as VADER does:
    s = S / sqrt(S^2 + 15)."""
    score = lexicon_score(normalised).score
    # back to VADER's raw sum: S = s * sqrt(15 / (1 - s^2))
    v = score * np.sqrt(15.0 / max(1.0 - score * score, 1e-9))
    known = lexicon().words
    for h in lexicon_hits(normalised):
        if h.valence and h.term not in known:
            flip = -0.74 if _NEGATED.search(normalised[: h.start]) else 1.0
            v += 2.0 * h.valence * flip
    return float(v / np.sqrt(v * v + 15.0))


# ------------------------------------------------------------------------------ summary

SUMMARY_COLUMNS = ["n_mentions", "n_comments", "share_negative", "share_positive",
                   "examples_negative", "examples_positive"]  # fmt: skip


def mention_summary(
    table: pd.DataFrame, *, by: str = "aspect", n_examples: int = 2
) -> pd.DataFrame:
    """Mentions per group (an :class:`AspectResult` table, e.g. with masked clauses).

    One row per value of ``by`` (``aspect`` or ``dimension``; mentions without one are
    left out): ``n_mentions``, ``n_comments`` (distinct comments), ``share_negative`` and
    ``share_positive`` (of the group's mentions) and ``examples_negative`` /
    ``examples_positive``: up to ``n_examples`` distinct clauses of that polarity, the most
    confident first (ties: the earlier comment).
    """
    rows: dict[str, dict[str, object]] = {}
    sub = table[table[by].notna()]
    for key, g in sub.groupby(by, sort=True):
        pol = g["polarity"]
        row: dict[str, object] = {
            "n_mentions": len(g),
            "n_comments": int(g["comment"].nunique()),
            "share_negative": float((pol == "negative").mean()),
            "share_positive": float((pol == "positive").mean()),
        }
        for p in ("negative", "positive"):
            sel = g[pol == p].sort_values(["probability", "comment"], ascending=[False, True])
            row[f"examples_{p}"] = list(dict.fromkeys(sel["clause"].astype(str)))[:n_examples]
        rows[str(key)] = row
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=SUMMARY_COLUMNS)
    out.index.name = by
    return out


# ------------------------------------------------------------------------------ evaluation


def evaluate_aspects(
    gold: pd.DataFrame, *, attributes: Sequence[SurveyAttribute] | None = None,
    model: SentimentModel | None = None,
) -> dict[str, float]:  # fmt: skip
    """Dimension, polarity and joint accuracy of :func:`comment_aspects` on gold clauses.

    ``gold`` has one row per gold clause: ``comment_id``, ``text`` (the whole comment),
    ``clause`` (a part of it), ``dimension`` (a SERVQUAL dimension, ``price`` or
    ``none``) and ``polarity``. A gold clause is compared with the predicted mentions
    whose clause overlaps it most (characters in common); the dimension is right when one
    of them has it (``none``: a mention without dimension), the polarity when that
    mention's polarity is the gold one (SemEval-2014 Task 4 subtasks 3 and 4 read per
    clause, Pontiki et al. 2014). ``polarity_accuracy`` is over clauses with a gold
    dimension other than ``none``; ``joint_accuracy`` needs both right.
    """
    comments = gold.drop_duplicates("comment_id")[["comment_id", "text"]]
    res = comment_aspects(comments["text"].tolist(), attributes=attributes, model=model).table
    pos = {cid: i for i, cid in enumerate(comments["comment_id"])}
    dim_ok: list[bool] = []
    pol_ok: list[bool] = []
    joint: list[bool] = []
    for g in gold.itertuples(index=False):
        cand = res[res["comment"] == pos[g.comment_id]]
        gclause = _norm(str(g.clause))
        overlap = np.array([_overlap(gclause, _norm(c)) for c in cand["clause"]])
        near = cand[overlap == overlap.max()] if len(cand) else cand
        gdim = None if g.dimension == "none" else ("-" if g.dimension == "price" else g.dimension)
        dims = [d if d is not None else ("-" if a == "price" else None)
                for d, a in zip(near["dimension"], near["aspect"], strict=True)]  # fmt: skip
        hit = [j for j, d in enumerate(dims) if d == gdim]
        dim_ok.append(bool(hit))
        row = near.iloc[hit[0]] if hit else (near.iloc[0] if len(near) else None)
        p_ok = row is not None and row["polarity"] == g.polarity
        if gdim is not None:
            pol_ok.append(p_ok)
        joint.append(bool(hit) and p_ok)
    return {
        "n_clauses": float(len(gold)),
        "dimension_accuracy": float(np.mean(dim_ok)),
        "polarity_accuracy": float(np.mean(pol_ok)) if pol_ok else float("nan"),
        "joint_accuracy": float(np.mean(joint)),
    }


def _overlap(a: str, b: str) -> int:
    """Characters of ``a`` found in ``b`` as the longest common substring's length."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best
