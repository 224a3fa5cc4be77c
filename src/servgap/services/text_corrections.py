"""Learning from corrections: agents correct a case's category or polarity, and the
workspace's text models are retrained on those labels and switched only when better.

* :func:`correct_case_text` stores a correction with the text as it was read, the value
  before and after, who and when; a category correction also sets the case's category
  and writes a line in the case's history (a ``note`` event whose data names the
  correction: the case services' one event writer, :func:`servgap.services.cases._base.change`).
* :func:`train_workspace_model` retrains on the base corpus plus the workspace's corrected
  labels, evaluates the new model and the current one on a held-out part of the
  corrections and on the bundled held-out evaluation set (``text_eval.csv``, never trained
  on), stores a new version either way (``.npz`` bytes, read without pickle) with its
  metrics and the comparison, and makes it the active model only when it is better by
  :data:`SWITCH_RULE`.
* :func:`active_model` is the model every classification of the workspace uses: the
  active version, else the bundled default.

Training data. Category: the shipped model's recipe and base corpus
(:func:`servgap.training.category_model.train_category_model`: the generated corpus's
train split and the hand-written complaints) with the training part of the corrections
as extra hand-written texts (weighted like them; the copies of one share a calibration
group). Polarity: the bundled polarity
corpus (:func:`servgap.training.sentiment_model.polarity_corpus`) plus the corrections
weighted like the hand-written texts; the polarity rows of the bundled model are refitted
on its own features (vocabulary, emotion rows, calibration temperature kept).

The comparison leans towards keeping the current model: a workspace version that won
earlier was refitted on all corrections of its time, so it may have seen some of today's
held-out corrections (the new model never has); a switch must overcome that.

Only the latest correction of a case and field counts (a correction of a correction
replaces it). The held-out part is a deterministic stratified split: per label, the
corrections ordered by SHA-256 of (seed, id), the first :data:`HELD_OUT_SHARE` of each
label (at least one when the label has two or more).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.cases import CATEGORIES
from servgap.core.errors import InputError, InsufficientDataError, ServgapError
from servgap.core.text import TextModel, default_model, model_from_bytes, model_to_bytes, sentiment
from servgap.core.text.classify import evaluate_classifier
from servgap.core.text.sentiment import (
    POLARITIES,
    SentimentModel,
    default_sentiment_model,
    sentiment_model_from_bytes,
    sentiment_model_to_bytes,
)
from servgap.services.cases._base import change, locked_case
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, Complaint, Membership, UserAccount, Workspace
from servgap.store.models_derived import TextCorrection, TextModelVersion

Kind = Literal["category", "polarity"]
#: What can be corrected, with the legal values of each.
FIELDS: dict[str, tuple[str, ...]] = {"category": tuple(CATEGORIES), "polarity": POLARITIES}
#: Roles that may correct a case's reading: agents, and supervisors (admins, analysts).
CORRECTORS: tuple[str, ...] = ("admin", "analyst", "agent")
#: Fewest usable corrections of a kind before a retraining.
MIN_CORRECTIONS = 10
#: Share of each label's corrections held out for the comparison.
HELD_OUT_SHARE = 0.3
#: Sample weight of a correction in the polarity training data (as a hand-written text).
POLARITY_CORRECTION_WEIGHT = 4.0
#: The bundled held-out accuracy may drop by at most this much for a switch.
MAX_BUNDLED_DROP = 0.01
SWITCH_RULE = {
    "en": "switch when the new model's accuracy on the held-out corrections is higher than "
    "the current model's and its accuracy on the bundled evaluation set is at most 1 point "
    "lower",
    "zh": "新模型在留出的更正样本上的准确率高于当前模型，且在内置评估集上的准确率最多低 1 个百分点时才切换",
}


class CorrectionForbiddenError(ServgapError):
    """The actor's role may not correct a case's reading."""

    code = "forbidden"
    status = 403


# --------------------------------------------------------------------------- the models


@dataclass(frozen=True)
class ActiveModel:
    """The model a workspace's texts are read with: ``version`` None is the bundled default."""

    kind: str
    model: TextModel | SentimentModel
    version: int | None

    @property
    def label(self) -> str:
        return "default" if self.version is None else f"v{self.version}"


_CACHE: OrderedDict[str, TextModel | SentimentModel] = OrderedDict()
_CACHE_SIZE = 8


def _load(kind: str, sha: str, data: bytes, source: str) -> TextModel | SentimentModel:
    key = f"{kind}:{sha}"
    hit = _CACHE.get(key)
    if hit is None:
        hit = (model_from_bytes(data, source) if kind == "category"
               else sentiment_model_from_bytes(data, source))  # fmt: skip
        _CACHE[key] = hit
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(key)
    return hit


def _check_kind(kind: str) -> Kind:
    if kind not in FIELDS:
        raise InputError(
            f"`kind` {kind!r} is not a text model; use category or polarity.",
            f"`kind` {kind!r} 不是文本模型；请使用 category 或 polarity。",
            fields=("kind",),
        )
    return "category" if kind == "category" else "polarity"


def active_model(store: Store, workspace: str, kind: str) -> ActiveModel:
    """The workspace's active model of ``kind`` (category | polarity), else the default."""
    with store.session() as s:
        return active_model_in(s, get_workspace(s, workspace), kind)


def active_model_in(s: Session, ws: Workspace, kind: str) -> ActiveModel:
    """:func:`active_model` inside an open session (for services that classify while they
    write, e.g. opening cases: a second session would wait for this one's write lock)."""
    k = _check_kind(kind)
    row = s.execute(
        select(TextModelVersion.id, TextModelVersion.version, TextModelVersion.sha256)
        .where(TextModelVersion.workspace_id == ws.id, TextModelVersion.kind == k,
               TextModelVersion.active.is_(True))
        .order_by(TextModelVersion.version.desc())
    ).first()  # fmt: skip
    if row is None:
        base = default_model() if k == "category" else default_sentiment_model()
        return ActiveModel(k, base, None)
    key = f"{k}:{row.sha256}"
    if key in _CACHE:
        return ActiveModel(k, _load(k, row.sha256, b"", ""), int(row.version))
    data = s.scalar(select(TextModelVersion.model).where(TextModelVersion.id == row.id))
    assert data is not None  # the row was just read
    model = _load(k, row.sha256, data, f"{ws.code} {k} model v{row.version}")
    return ActiveModel(k, model, int(row.version))


def active_category_model(store: Store, workspace: str) -> TextModel:
    """The workspace's active category model (see :func:`active_model`)."""
    m = active_model(store, workspace, "category").model
    assert isinstance(m, TextModel)
    return m


def active_sentiment_model(store: Store, workspace: str) -> SentimentModel:
    """The workspace's active polarity/emotion model (see :func:`active_model`)."""
    m = active_model(store, workspace, "polarity").model
    assert isinstance(m, SentimentModel)
    return m


# --------------------------------------------------------------------------- corrections


@dataclass(frozen=True)
class Correction(ResultMixin):
    """One stored correction (``at``: ISO time; ``author``: who made it)."""

    id: int
    case: str | None
    field: str
    old_value: str | None
    new_value: str
    text: str
    author: str
    at: str


def check_correction(field: str, value: str) -> str:
    """``value`` if it is a legal value of ``field`` (category | polarity), else InputError."""
    if field not in FIELDS:
        raise InputError(
            f"`field` {field!r} cannot be corrected; correct category or polarity.",
            f"`field` {field!r} 不能更正；可更正 category（类别）或 polarity（情感倾向）。",
            fields=("field",),
        )
    legal = FIELDS[field]
    if value not in legal:
        raise InputError(
            f"`{field}` {value!r} is not a known value; use one of: {', '.join(legal)}.",
            f"`{field}` {value!r} 不是可用的值；请使用：{'、'.join(legal)}。",
            fields=(field,),
        )
    return value


def _author(s: Session, workspace_id: int, actor: str) -> int | None:
    """The actor's user id, after checking their role; None for a non-user (the CLI)."""
    user = s.scalar(select(UserAccount).where(UserAccount.email == actor))
    if user is None:
        return None
    role = s.scalar(select(Membership.role).where(Membership.user_id == user.id,
                                                  Membership.workspace_id == workspace_id))  # fmt: skip
    if role not in CORRECTORS:
        raise CorrectionForbiddenError(
            f"{actor} ({role or 'no role'}) may not correct case readings; agents and "
            "supervisors may.",
            f"{actor}（{role or '无角色'}）无权更正工单的文本判读；客服与主管可以。",
        )
    return int(user.id)


def _current_polarity(store: Store, workspace: str, text: str) -> str | None:
    if not text.strip():
        return None
    model = active_sentiment_model(store, workspace)
    return str(sentiment([text], model=model, explain=False).table["polarity"].iloc[0])


def correct_case_texts(
    store: Store, *, workspace: str, case: str, values: Mapping[str, str], actor: str
) -> tuple[Correction, ...]:
    """Correct several fields of one case at once: every value checked before anything is
    written, all stored in one transaction (see :func:`correct_case_text`)."""
    checked = {f: check_correction(f, v) for f, v in values.items()}
    if not checked:
        raise InputError(
            "Nothing to correct: give a `category` or a `polarity`.",
            "没有要更正的内容：请给出 `category`（类别）或 `polarity`（情感倾向）。",
            fields=("category", "polarity"),
        )
    text = ""
    old_polarity: str | None = None
    if "polarity" in checked:  # the reading shown, before the transaction (model load)
        with store.session() as s:
            row = s.scalar(select(Case).where(Case.workspace_id == get_workspace(s, workspace).id,
                                              Case.code == case))  # fmt: skip
            text = _case_text(s, row) if row is not None else ""
        old_polarity = _current_polarity(store, workspace, text)
    out: list[Correction] = []
    with locked_case(store, workspace=workspace, code=case, now=None, at=None) as (s, row, when):
        author_id = _author(s, row.workspace_id, actor)
        text = _case_text(s, row)
        if not text.strip():
            raise InputError(
                f"Case `{case}` has no text to correct the reading of.",
                f"工单 `{case}` 没有可更正判读的文本。",
            )
        for f, v in checked.items():
            old = row.category if f == "category" else old_polarity
            if f == "category" and v != row.category:
                change(s, row, at=when, actor=actor, kind="note",
                       note=f"category: {row.category} → {v}",
                       data={"correction": "category", "from": row.category, "to": v})  # fmt: skip
                row.category = v
            rec = TextCorrection(workspace_id=row.workspace_id, case_id=row.id,
                                 complaint_id=row.complaint_id, text=text, field=f,
                                 old_value=old, new_value=v, author_id=author_id, author=actor,
                                 created_at=when)  # fmt: skip
            s.add(rec)
            s.flush()
            out.append(Correction(rec.id, row.code, f, old, v, text, actor, when.isoformat()))
    return tuple(out)


def correct_case_text(
    store: Store, *, workspace: str, case: str, field: str, value: str, actor: str
) -> Correction:
    """Store an agent's correction of case ``case``'s ``field`` (category | polarity).

    The text is the case's summary (the complaint's text when the summary is empty), as
    the desk reads it; ``old_value`` is the case's category, or for polarity the reading
    of the workspace's active model. A category correction also sets the case's category
    and records a history line. ``actor`` is a user's e-mail (their role must be one of
    :data:`CORRECTORS`) or, from the command line, any name.

    Raises
    ------
    InputError
        An unknown field or value (the message names the field and the legal values).
    CorrectionForbiddenError
        The actor's role may not correct (403).
    NotFoundError
        No such case.
    """
    return correct_case_texts(store, workspace=workspace, case=case, values={field: value},
                              actor=actor)[0]  # fmt: skip


def _case_text(s: Session, case: Case) -> str:
    if (case.summary or "").strip():
        return case.summary
    if case.complaint_id is not None:
        return s.scalar(select(Complaint.text).where(Complaint.id == case.complaint_id)) or ""
    return ""


def list_corrections(
    store: Store, *, workspace: str, case: str | None = None, field: str | None = None
) -> pd.DataFrame:
    """The workspace's corrections (of one case, of one field), newest first: ``id, case,
    field, old_value, new_value, author, at, text``."""
    cols = ["id", "case", "field", "old_value", "new_value", "author", "at", "text"]
    with store.session() as s:
        ws = get_workspace(s, workspace)
        q = (
            select(TextCorrection.id, Case.code, TextCorrection.field, TextCorrection.old_value,
                   TextCorrection.new_value, TextCorrection.author, TextCorrection.created_at,
                   TextCorrection.text)
            .outerjoin(Case, Case.id == TextCorrection.case_id)
            .where(TextCorrection.workspace_id == ws.id)
            .order_by(TextCorrection.created_at.desc(), TextCorrection.id.desc())
        )  # fmt: skip
        if case is not None:
            q = q.where(Case.code == case)
        if field is not None:
            q = q.where(TextCorrection.field == field)
        rows = s.execute(q).all()
    return pd.DataFrame(
        [(int(i), c, f, o, n, a, at.isoformat(), t) for i, c, f, o, n, a, at, t in rows],
        columns=cols,
    )


def _labelled(store: Store, workspace: str, kind: Kind) -> pd.DataFrame:
    """The latest correction per case (or text) of ``kind``: ``id, text, label``."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(TextCorrection.id, TextCorrection.case_id, TextCorrection.text,
                   TextCorrection.new_value)
            .where(TextCorrection.workspace_id == ws.id, TextCorrection.field == kind)
            .order_by(TextCorrection.id)
        ).all()  # fmt: skip
    latest: dict[object, tuple[int, str, str]] = {}
    for i, case_id, text, value in rows:
        latest[case_id if case_id is not None else text] = (int(i), str(text), str(value))
    return pd.DataFrame(sorted(latest.values()), columns=["id", "text", "label"])


def held_out_split(
    ids: Sequence[int], labels: Sequence[str], *, seed: int = 0, share: float = HELD_OUT_SHARE
) -> tuple[list[int], list[int]]:
    """Positions of the training and held-out parts (deterministic, stratified by label)."""
    train: list[int] = []
    test: list[int] = []
    for lab in sorted(set(labels)):
        pos = [i for i, x in enumerate(labels) if x == lab]
        pos.sort(key=lambda i: hashlib.sha256(f"{seed}:{ids[i]}".encode()).hexdigest())
        k = round(len(pos) * share)
        k = max(k, 1) if len(pos) >= 2 else 0
        test.extend(pos[:k])
        train.extend(pos[k:])
    return sorted(train), sorted(test)


# --------------------------------------------------------------------------- training


@lru_cache(maxsize=1)
def _bundled_eval() -> pd.DataFrame:
    from servgap.training.sentiment_model import evaluation_set

    return evaluation_set()


def _fit_category(texts: Sequence[str], labels: Sequence[str], seed: int) -> TextModel:
    """The shipped model's recipe (:func:`servgap.training.category_model.
    train_category_model`) with the corrections as extra hand-written texts."""
    from servgap.training.category_model import train_category_model

    return train_category_model(extra_texts=list(texts), extra_labels=list(labels), seed=seed)


@lru_cache(maxsize=1)
def _polarity_base() -> tuple[Any, Any, Any]:
    """Design matrix, classes and weights of the polarity base corpus under the bundled
    model's features (segmenting 20,000 texts takes a while: computed once a process)."""
    from servgap.core.text._common import prepare
    from servgap.core.text.sentiment import design_matrix, featurise
    from servgap.training.sentiment_model import polarity_corpus

    corpus = polarity_corpus()
    X = design_matrix(default_sentiment_model(), featurise(prepare(corpus["text"].tolist())[0]))
    y = np.array([POLARITIES.index(p) for p in corpus["polarity"]], dtype=np.int64)
    return X, y, corpus["weight"].to_numpy(dtype=np.float64)


def _fit_polarity(texts: Sequence[str], labels: Sequence[str], seed: int) -> SentimentModel:
    """The bundled model with its polarity rows refitted on the base corpus + corrections."""
    import importlib

    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from servgap.core.text._common import prepare
    from servgap.core.text.sentiment import design_matrix, featurise
    from servgap.training.sentiment_model import POLARITY_C, _balanced

    base = default_sentiment_model()
    Xb, yb, wb = _polarity_base()
    Xc = design_matrix(base, featurise(prepare(list(texts))[0]))
    X = sp.vstack([Xb, Xc]).tocsr()
    y = np.concatenate([yb, np.array([POLARITIES.index(p) for p in labels], dtype=np.int64)])
    w = _balanced(y, np.concatenate([wb, np.full(len(labels), POLARITY_CORRECTION_WEIGHT)]))
    lr = LogisticRegression(C=POLARITY_C, max_iter=2000, tol=1e-4, random_state=seed)
    with importlib.import_module("threadpoolctl").threadpool_limits(limits=1):
        lr.fit(X, y, sample_weight=w)
    k = len(POLARITIES)
    coef = base.coef.copy()
    intercept = base.intercept.copy()
    coef[:k] = lr.coef_
    intercept[:k] = lr.intercept_
    meta = {**base.meta, "n_corrections": len(texts),
            "correction_weight": POLARITY_CORRECTION_WEIGHT, "refit": "polarity rows"}  # fmt: skip
    return SentimentModel(
        word_vocab=base.word_vocab, char_vocab=base.char_vocab, word_idf=base.word_idf,
        char_idf=base.char_idf, coef=coef, intercept=intercept, temperature=base.temperature,
        platt=base.platt, thresholds=base.thresholds, meta=meta,
    )  # fmt: skip


def _scores(kind: Kind, model: TextModel | SentimentModel, texts: Sequence[str],
            labels: Sequence[str]) -> tuple[float, float | None]:  # fmt: skip
    """Accuracy (and for categories macro-F1) of ``model`` on labelled texts."""
    if not texts:
        return float("nan"), None
    if kind == "category":
        assert isinstance(model, TextModel)
        ev = evaluate_classifier(list(texts), list(labels), model=model)
        return ev.accuracy, ev.macro_f1
    assert isinstance(model, SentimentModel)
    got = sentiment(list(texts), model=model, explain=False).table["polarity"].to_numpy()
    return float(np.mean(got == np.asarray(labels))), None


@dataclass(frozen=True)
class TrainingOutcome(ResultMixin):
    """A retraining: the version stored, whether it became active, the comparison table
    (``model``: current / new; ``held_out_accuracy``, ``held_out_macro_f1``,
    ``bundled_accuracy``) and the full report stored with the version."""

    kind: str
    version: int
    switched: bool
    active: str
    comparison: pd.DataFrame
    report: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        return self.comparison.copy()


def _decide(cur: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[bool, str, str]:
    h_new, h_cur = new["held_out_accuracy"], cur["held_out_accuracy"]
    b_new, b_cur = new["bundled_accuracy"], cur["bundled_accuracy"]
    if not h_new > h_cur:
        return False, (f"not switched: held-out accuracy {h_new:.3f} is not above the "
                       f"current {h_cur:.3f}"), (f"未切换：留出准确率 {h_new:.3f} 未高于当前模型的 "
                                                  f"{h_cur:.3f}")  # fmt: skip
    if b_new < b_cur - MAX_BUNDLED_DROP:
        return False, (f"not switched: bundled accuracy {b_new:.3f} is more than 1 point "
                       f"below the current {b_cur:.3f}"), (f"未切换：内置评估集准确率 {b_new:.3f} "
                                                           f"比当前模型的 {b_cur:.3f} 低 1 个百分点以上")  # fmt: skip
    return True, (f"switched: held-out accuracy {h_cur:.3f} → {h_new:.3f}, bundled "
                  f"{b_cur:.3f} → {b_new:.3f}"), (f"已切换：留出准确率 {h_cur:.3f} → {h_new:.3f}，"
                                                  f"内置评估集 {b_cur:.3f} → {b_new:.3f}")  # fmt: skip


def train_workspace_model(
    store: Store, *, workspace: str, kind: str = "category", actor: str = "system", seed: int = 0
) -> TrainingOutcome:
    """Retrain the workspace's ``kind`` model on the base corpus and its corrections,
    compare it with the current model and switch only when it is better.

    The new model is fitted on the base corpus plus the training part of the corrections
    (:func:`held_out_split`). Both it and the current model (the active version, else the
    bundled default) are scored on the held-out corrections and on the bundled evaluation
    set; the switch rule is :data:`SWITCH_RULE`. When it switches, the stored model is
    refitted on the base corpus plus all corrections; otherwise the evaluated model is
    stored, inactive. Either way a new version with the metrics and the report is kept.

    Raises
    ------
    InsufficientDataError
        Fewer than :data:`MIN_CORRECTIONS` corrections of ``kind``.
    """
    k = _check_kind(kind)
    data = _labelled(store, workspace, k)
    if len(data) < MIN_CORRECTIONS:
        raise InsufficientDataError(
            f"Workspace `{workspace}` has {len(data)} {k} corrections; retraining needs at "
            f"least {MIN_CORRECTIONS}. Correct more cases on the desk first.",
            f"工作区 `{workspace}` 只有 {len(data)} 条{k}更正；重新训练至少需要 "
            f"{MIN_CORRECTIONS} 条。请先在工单台更正更多工单。",
        )
    ids, texts, labels = data["id"].tolist(), data["text"].tolist(), data["label"].tolist()
    tr, te = held_out_split(ids, labels, seed=seed)
    current = active_model(store, workspace, k)
    ev = _bundled_eval()
    ev = ev[ev[k] != ""]
    bt, bl = ev["text"].tolist(), ev[k].tolist()

    def fit(pos: Sequence[int]) -> TextModel | SentimentModel:
        t, lab = [texts[i] for i in pos], [labels[i] for i in pos]
        if k == "category":
            return _fit_category(t, lab, seed)
        return _fit_polarity(t, lab, seed)

    candidate = fit(tr)
    rows = []
    for name, model in (("current", current.model), ("new", candidate)):
        h_acc, h_f1 = _scores(k, model, [texts[i] for i in te], [labels[i] for i in te])
        b_acc, _ = _scores(k, model, bt, bl)
        rows.append({"model": name, "held_out_accuracy": h_acc, "held_out_macro_f1": h_f1,
                     "bundled_accuracy": b_acc})  # fmt: skip
    switched, why_en, why_zh = _decide(rows[0], rows[1])
    final = fit(range(len(texts))) if switched else candidate
    raw = model_to_bytes(final) if isinstance(final, TextModel) else sentiment_model_to_bytes(final)
    sha = hashlib.sha256(raw).hexdigest()
    report = {
        "kind": k, "rule": SWITCH_RULE, "switched": switched, "reason_en": why_en,
        "reason_zh": why_zh, "seed": seed, "n_corrections": len(texts),
        "n_train_corrections": len(tr), "n_held_out": len(te), "n_bundled": len(bt),
        "compared_with": current.label, "rows": rows,
        "stored_model": "refitted on all corrections" if switched else "the evaluated model",
    }  # fmt: skip
    with store.session() as s:
        ws = get_workspace(s, workspace)
        last = s.scalar(select(func.max(TextModelVersion.version)).where(
            TextModelVersion.workspace_id == ws.id, TextModelVersion.kind == k))  # fmt: skip
        version = int(last or 0) + 1
        if switched:
            s.execute(update(TextModelVersion)
                      .where(TextModelVersion.workspace_id == ws.id, TextModelVersion.kind == k)
                      .values(active=False))  # fmt: skip
        s.add(TextModelVersion(workspace_id=ws.id, kind=k, version=version, author=actor,
                               sha256=sha, model=raw, n_corrections=len(texts),
                               metrics=rows[1], report=report, active=switched))  # fmt: skip
    active = f"v{version}" if switched else current.label
    return TrainingOutcome(k, version, switched, active, pd.DataFrame(rows), report)


def model_versions(store: Store, *, workspace: str, kind: str | None = None) -> pd.DataFrame:
    """The workspace's stored text model versions, newest first: ``kind, version, active,
    created_at, author, n_corrections, held_out_accuracy, bundled_accuracy, switched``."""
    cols = ["kind", "version", "active", "created_at", "author", "n_corrections",
            "held_out_accuracy", "bundled_accuracy", "switched"]  # fmt: skip
    with store.session() as s:
        ws = get_workspace(s, workspace)
        q = select(TextModelVersion.kind, TextModelVersion.version, TextModelVersion.active,
                   TextModelVersion.created_at, TextModelVersion.author,
                   TextModelVersion.n_corrections, TextModelVersion.metrics,
                   TextModelVersion.report).where(TextModelVersion.workspace_id == ws.id)  # fmt: skip
        if kind is not None:
            q = q.where(TextModelVersion.kind == _check_kind(kind))
        rows = s.execute(q.order_by(TextModelVersion.kind, TextModelVersion.version.desc())).all()
    return pd.DataFrame(
        [(kd, int(v), bool(a), at.isoformat(), who, int(n), (m or {}).get("held_out_accuracy"),
          (m or {}).get("bundled_accuracy"), bool((r or {}).get("switched")))
         for kd, v, a, at, who, n, m, r in rows],
        columns=cols,
    )  # fmt: skip


__all__ = [
    "CORRECTORS",
    "FIELDS",
    "MIN_CORRECTIONS",
    "SWITCH_RULE",
    "ActiveModel",
    "Correction",
    "CorrectionForbiddenError",
    "TrainingOutcome",
    "active_category_model",
    "active_model",
    "active_sentiment_model",
    "check_correction",
    "correct_case_text",
    "correct_case_texts",
    "held_out_split",
    "list_corrections",
    "model_versions",
    "train_workspace_model",
]
