"""Text analytics for complaints and survey comments (Chinese, English, mixed).

* :func:`segment` -- jieba segmentation with a private tokenizer and a delivery
  domain dictionary;
* :func:`keywords` -- keywords / themes per group (c-TF-IDF);
* :func:`classify_complaints`, :func:`train_classifier`, :func:`evaluate_classifier`,
  :func:`save_model`, :func:`load_model` -- complaint categories (delay,
  damage_loss, attitude, information, price, other) with a shipped default model;
* :func:`sentiment` -- lexicon-based polarity and score;
* :func:`similar_cases` -- most similar earlier cases (TF-IDF cosine);
* :func:`generate_complaints` -- the deterministic labelled training corpus.

All functions validate input (non-string or empty texts raise ``InputError``
listing the rows) and truncate texts longer than :data:`MAX_TEXT_CHARS`.
"""

from servgap.core.text._common import MAX_TEXT_CHARS
from servgap.core.text.classify import (
    MIN_CASES_PER_CATEGORY,
    ClassificationResult,
    EvaluationResult,
    TextModel,
    TrainedModel,
    classify_complaints,
    default_model,
    evaluate_classifier,
    load_model,
    save_model,
    train_classifier,
)
from servgap.core.text.corpus import CATEGORIES, generate_complaints
from servgap.core.text.keywords import KeywordsResult, keywords
from servgap.core.text.segment import segment
from servgap.core.text.sentiment import SentimentResult, sentiment
from servgap.core.text.similar import SimilarCasesResult, similar_cases

__all__ = [
    "CATEGORIES",
    "MAX_TEXT_CHARS",
    "MIN_CASES_PER_CATEGORY",
    "ClassificationResult",
    "EvaluationResult",
    "KeywordsResult",
    "SentimentResult",
    "SimilarCasesResult",
    "TextModel",
    "TrainedModel",
    "classify_complaints",
    "default_model",
    "evaluate_classifier",
    "generate_complaints",
    "keywords",
    "load_model",
    "save_model",
    "segment",
    "sentiment",
    "similar_cases",
    "train_classifier",
]
