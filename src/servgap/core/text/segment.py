"""Word segmentation of Chinese / English / mixed complaint texts with jieba.

jieba keeps a *process-wide* default tokenizer (``jieba.dt``); adding our domain
words to it would change segmentation for every other user of jieba in the process,
and its first use writes a cache file to the temp directory and logs to stderr.
We therefore build a **private** ``jieba.Tokenizer`` lazily, once per process:
the prefix dictionary is generated in memory from jieba's bundled ``dict.txt``
(``Tokenizer.gen_pfdict``; no cache file is read or written, nothing is logged),
then the shipped domain dictionary (``servgap/data/text/domain_dict.txt``: 快递员,
取件码, 保价费, 菜鸟驿站, 假签收 ...) and the sentiment lexicon terms are added with
``add_word`` so they come out as single tokens. Building takes ~0.7 s once.

Segmentation uses jieba's dictionary mode without the HMM new-word finder
(``HMM=False``): it is deterministic, about twice as fast, and the classifier
adds character n-grams which cover unknown words and typos anyway.

English (and any Latin-script run) is split on non-alphanumerics by jieba's own
"non-Han block" rule; we lower-case and drop whitespace and punctuation tokens.
Emoji and other pictographic symbols (Unicode category So: 😡, 👍, ❤) are kept
as one token each -- they carry sentiment (``emoji_lexicon.tsv``) -- while
variation selectors (U+FE0F) and skin-tone modifiers are dropped.

References
----------
Sun, J. (2012-2020). jieba: Chinese text segmentation. https://github.com/fxsjy/jieba
(version 0.42.1; ``Tokenizer``, ``gen_pfdict``, ``add_word``, ``cut(HMM=False)``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from servgap.core.text._common import as_text_list, data_lines, prepare, stopwords

# A token is kept if it contains at least one letter, digit or CJK ideograph.
_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")


def _extra_words() -> list[tuple[str, int | None]]:
    words: list[tuple[str, int | None]] = []
    for line in data_lines("domain_dict.txt"):
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        words.append((parts[0], freq))
    # Multi-character sentiment terms are added too, so that e.g. 态度恶劣 / 不错 / 点赞
    # are not split apart before the lexicon lookup.
    for line in data_lines("sentiment_lexicon.tsv"):
        term = line.split("\t")[0].strip()
        if len(term) > 1 and not term.isascii():
            words.append((term, None))
    return words


@lru_cache(maxsize=1)
def tokenizer() -> Any:
    """The private, lazily initialised ``jieba.Tokenizer`` with the domain dictionary.

    Built once per process and cached (``lru_cache``); nothing global is changed.
    """
    import jieba

    tok = jieba.Tokenizer()
    with tok.get_dict_file() as fh:
        tok.FREQ, tok.total = tok.gen_pfdict(fh)
    tok.initialized = True
    for word, freq in _extra_words():
        tok.add_word(word.lower(), freq)
    return tok


def _is_symbol(token: str) -> bool:
    """One pictographic symbol such as an emoji (jieba yields them one character each)."""
    return len(token) == 1 and unicodedata.category(token) == "So"


#: Texts whose segmentation is remembered (see :func:`raw_tokens`).
TOKEN_CACHE_SIZE = 16384


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def raw_tokens(normalised_text: str) -> tuple[str, ...]:
    """All jieba tokens of one normalised text, punctuation and whitespace included.

    Cached (least recently used, :data:`TOKEN_CACHE_SIZE` texts): the category model,
    the polarity/emotion model and keywords read the same texts one after the other,
    and segmentation is most of their cost, so a batch is segmented once.
    ``raw_tokens.cache_clear()`` empties the cache (the benchmark does, between repeats).
    """
    return tuple(tokenizer().cut(normalised_text, HMM=False))


def tokens_of(normalised_text: str) -> list[str]:
    """Tokens of one already-normalised (NFKC, lower-cased) text, punctuation removed;
    an emoji is a token of its own."""
    return [w for w in raw_tokens(normalised_text) if _WORDLIKE.search(w) or _is_symbol(w)]


def is_word(token: str) -> bool:
    """The token is kept by :func:`tokens_of` (a letter, digit or CJK ideograph, or an emoji)."""
    return bool(_WORDLIKE.search(token)) or _is_symbol(token)


def segment(texts: str | Sequence[str], *, remove_stopwords: bool = False) -> list[list[str]]:
    """Segment texts into words with jieba and the servgap domain dictionary.

    Parameters
    ----------
    texts : str or sequence of str
        Complaint or comment texts, Chinese, English or mixed. One string is
        treated as a list of one.
    remove_stopwords : bool, default False
        Drop the shipped stopwords (的, 了, 吗, the, is ...). Negators such as 不,
        没有, not are never treated as stopwords.

    Returns
    -------
    list of list of str
        One token list per text, lower-cased (NFKC-normalised), without whitespace
        or punctuation tokens. Texts longer than ``MAX_TEXT_CHARS`` are truncated.

    Raises
    ------
    InputError
        If any element is not a string or is empty; all bad rows are listed.

    Examples
    --------
    >>> segment(["快递员态度恶劣，取件码发错了"])
    [['快递员', '态度恶劣', '取件码', '发错', '了']]
    """
    items = as_text_list(texts)
    prepared, _ = prepare(items)
    stop = stopwords() if remove_stopwords else frozenset()
    return [[w for w in tokens_of(t) if w not in stop] for t in prepared]
