"""`servgap text ...`: classify, retrain, sentiment and emotions, keywords, new topics and
similar cases."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from servgap.cli._app import emit, force_option, get_ctx, json_option, say, write_csv


def register(main: click.Group) -> None:
    from servgap.cli import text_aspects

    text_aspects.register(text)
    main.add_command(text)


def _read_stdin(texts: tuple[str, ...]) -> tuple[str, ...]:
    """The texts given, where ``-`` stands for one text read from standard input."""
    if "-" not in texts:
        return texts
    stdin = sys.stdin.read().strip()
    return tuple(stdin if t == "-" else t for t in texts)


@click.group()
def text() -> None:
    """Chinese/English complaint text: categories, sentiment and emotions, keywords, new
    topics, similar cases."""


@text.command("classify")
@click.argument("texts", nargs=-1)  # `-`: one text from standard input
@click.option("--stored", is_flag=True, help="Classify every complaint stored in the workspace.")
@click.option("--min-confidence", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Below this confidence the outcome is `new` (fits no category) instead of "
                   "a forced guess.")  # fmt: skip
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), help="Also write a CSV.")
@force_option
@json_option
def classify_cmd(texts: tuple[str, ...], stored: bool, min_confidence: float,
                 csv_out: Path | None, as_json: bool) -> None:  # fmt: skip
    """Assign complaint texts to delay, damage_loss, attitude, information, price or other.

    Give the texts as arguments, or `-` to read one text from standard input.
    """
    import pandas as pd

    from servgap.core.errors import InputError
    from servgap.core.text import classify_complaints, default_model, sentiment
    from servgap.services.text import classify_stored, workspace_model
    from servgap.services.text_corrections import active_sentiment_model

    c = get_ctx()
    texts = _read_stdin(texts)
    if stored:
        table = classify_stored(c.store(), c.workspace, min_confidence=min_confidence)
        cols = ["code", "category_recorded", "outcome", "confidence", "polarity", "emotions",
                "text"]  # fmt: skip
    else:
        if not texts:
            raise InputError(
                "Give texts to classify, or --stored for the workspace's complaints.",
                "请给出要分类的文本，或用 --stored 对工作区中的投诉分类。",
                code="usage",
            )
        ws = c.workspace_or_none()  # a workspace's retrained model, else the shipped one
        model = workspace_model(c.store(), ws)[0] if ws else default_model()
        smodel = active_sentiment_model(c.store(), ws) if ws else None
        cls = classify_complaints(list(texts), model=model, min_confidence=min_confidence).table
        sen = sentiment(list(texts), model=smodel).table
        table = pd.DataFrame(
            {
                "text": list(texts),
                "category": cls["category"],
                "confidence": cls["confidence"],
                "outcome": cls["outcome"],
                "top_terms": cls["top_terms"],
                "polarity": sen["polarity"],
                "sentiment": sen["score"],
                "emotions": sen["emotions"],
            }
        )
        cols = ["outcome", "confidence", "top_terms", "polarity", "sentiment", "emotions", "text"]
    write_csv(table, csv_out, masks={"text": "text"})
    emit(table, as_json=as_json, columns=cols)


def _workspace(ws: str | None) -> str:
    """The command's ``--workspace``, else the global one (or the store's only workspace)."""
    c = get_ctx()
    if ws is not None:
        c.requested_workspace = ws
    return c.workspace


workspace_option = click.option(
    "--workspace", "ws", default=None,
    help="Workspace code (default: the global --workspace or the only workspace).",
)  # fmt: skip


@text.command("train")
@workspace_option
@click.option("--kind", type=click.Choice(["category", "polarity"]), default="category",
              show_default=True, help="Which model to retrain.")  # fmt: skip
@click.option("--seed", default=0, show_default=True, help="Seed of the held-out split.")
@click.option("--actor", default=lambda: os.environ.get("USER") or "cli",
              show_default="$USER or cli", help="Who retrains (recorded with the version).")  # fmt: skip
@json_option
def train_cmd(ws: str | None, kind: str, seed: int, actor: str, as_json: bool) -> None:
    """Retrain on the base corpus plus the agents' corrections; switch only when better."""
    from servgap.services.text_corrections import train_workspace_model

    c = get_ctx()
    out = train_workspace_model(c.store(), workspace=_workspace(ws), kind=kind, actor=actor,
                                seed=seed)  # fmt: skip
    rep = out.report
    title = say(
        f"{kind} model v{out.version}: {rep['n_corrections']} corrections "
        f"({rep['n_held_out']} held out) against {rep['compared_with']}; {rep['reason_en']}. "
        f"Active: {out.active}.\nRule: {rep['rule']['en']}.",
        f"{kind} 模型 v{out.version}：{rep['n_corrections']} 条更正（留出 {rep['n_held_out']} 条），"
        f"与 {rep['compared_with']} 比较；{rep['reason_zh']}。当前使用：{out.active}。\n"
        f"规则：{rep['rule']['zh']}。",
    )
    emit(out, as_json=as_json, table=out.comparison, title=title)


@text.command("corrections")
@workspace_option
@click.option("--field", type=click.Choice(["category", "polarity"]), default=None,
              help="Only corrections of this field.")  # fmt: skip
@click.option("--versions", is_flag=True, help="List the stored model versions instead.")
@json_option
def corrections_cmd(ws: str | None, field: str | None, versions: bool, as_json: bool) -> None:
    """The agents' corrections of case categories and polarity, newest first (who and when)."""
    from servgap.services.text_corrections import list_corrections, model_versions

    c = get_ctx()
    workspace = _workspace(ws)
    if versions:
        emit(model_versions(c.store(), workspace=workspace, kind=field), as_json=as_json)
        return
    table = list_corrections(c.store(), workspace=workspace, field=field)
    emit(table, as_json=as_json,
         columns=["at", "case", "field", "old_value", "new_value", "author", "text"])  # fmt: skip


@text.command("correct")
@click.argument("case")
@click.option("--category", default=None, help="The case's right category.")
@click.option("--polarity", type=click.Choice(["negative", "neutral", "positive"]),
              default=None, help="The right polarity of the case's text.")  # fmt: skip
@workspace_option
@click.option("--actor", default=lambda: os.environ.get("USER") or "cli",
              show_default="$USER or cli", help="Who corrects (recorded with the correction).")  # fmt: skip
@json_option
def correct_cmd(case: str, category: str | None, polarity: str | None, ws: str | None,
                actor: str, as_json: bool) -> None:  # fmt: skip
    """Correct a case's category and/or polarity (stored as training data, who and when)."""
    from servgap.services.text_corrections import correct_case_texts

    c = get_ctx()
    values = {k: v for k, v in (("category", category), ("polarity", polarity)) if v is not None}
    done = correct_case_texts(c.store(), workspace=_workspace(ws), case=case, values=values,
                              actor=actor)  # fmt: skip
    emit(list(done), as_json=as_json, table=[x.to_dict() for x in done],
         columns=["case", "field", "old_value", "new_value", "author", "at"])  # fmt: skip


@text.command("sentiment")
@click.argument("texts", nargs=-1, required=True)  # `-`: one text from standard input
@json_option
def sentiment_cmd(texts: tuple[str, ...], as_json: bool) -> None:
    """Polarity (negative/neutral/positive, with probabilities), a score in [-1, 1] and the
    emotions that matter for recovery (anger, urgency, disappointment, intention to leave,
    intention to escalate), each with the words that carried it.

    Give the texts as arguments, or `-` to read one text from standard input.
    """
    from servgap.core.text import sentiment

    texts = _read_stdin(texts)
    table = sentiment(list(texts)).table.assign(text=list(texts))
    shown = table.assign(
        emotions=[
            ", ".join(
                f"{e} {row[f'p_{e}']:.2f} ({'/'.join(row['emotion_terms'].get(e, [])[:2])})"
                for e in row["emotions"]
            )
            for _, row in table.iterrows()
        ]
    )
    emit(table, as_json=as_json, table=shown,
         columns=["polarity", "score", "p_negative", "p_neutral", "p_positive", "emotions",
                  "terms", "text"])  # fmt: skip


@text.command("keywords")
@click.option("--by", default=None,
              help="Group by: complaints category|site|channel|period (default category); "
                   "survey comments period|site|channel or a profile column (default period).")  # fmt: skip
@click.option("--top", "top_k", default=10, show_default=True, help="Keywords per group.")
@click.option("--survey", default=None, help="Analyse this survey's free-text answers instead.")
@click.option("--question", default=None, help="One free-text question of --survey.")
@json_option
def keywords_cmd(by: str | None, top_k: int, survey: str | None, question: str | None,
                 as_json: bool) -> None:  # fmt: skip
    """Keywords and themes of stored complaints or of a survey's free-text answers, per group."""
    from servgap.core.errors import UsageError
    from servgap.services.text import keywords_stored, survey_comment_keywords

    c = get_ctx()
    if survey is not None:
        table = survey_comment_keywords(c.store(), c.workspace, survey=survey, question=question,
                                        by=by or "period", top_k=top_k)  # fmt: skip
    else:
        if by not in (None, "category", "site", "channel", "period"):
            raise UsageError(
                "For complaints, `by` is category, site, channel or period.",
                "对投诉分组时，`by` 只能是 category、site、channel 或 period。",
                fields=("by",),
            )
        table = keywords_stored(c.store(), c.workspace, by=by or "category", top_k=top_k)
    emit(table, as_json=as_json)


@text.command("similar")
@click.argument("code")
@click.option("--top", "top_k", default=5, show_default=True, help="How many cases.")
@json_option
def similar_cmd(code: str, top_k: int, as_json: bool) -> None:
    """The earlier complaints most similar to a complaint or case, and how they were resolved."""
    from servgap.services.text import similar_to_case

    c = get_ctx()
    emit(similar_to_case(c.store(), c.workspace, code, top_k=top_k), as_json=as_json)


@text.command("topics")
@click.option("--period", type=click.Choice(["week", "month"]), default="week",
              show_default=True, help="Cluster per ISO week or per calendar month.")  # fmt: skip
@click.option("--min-confidence", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Complaints below this category confidence count as fitting no category.")  # fmt: skip
@click.option("--min-size", default=3, show_default=True, type=click.IntRange(1),
              help="Smallest cluster reported as a topic.")  # fmt: skip
@click.option("--no-other", is_flag=True,
              help="Do not add complaints classified as `other` to the uncategorised ones.")  # fmt: skip
@json_option
def topics_cmd(period: str, min_confidence: float, min_size: int, no_other: bool,
               as_json: bool) -> None:  # fmt: skip
    """New topics: complaints that fit no category well, clustered per period, with keywords
    and examples, so that an emerging problem shows before a category exists for it."""
    from servgap.services.text import new_topics_stored

    c = get_ctx()
    table = new_topics_stored(c.store(), c.workspace, period=period,
                              min_confidence=min_confidence, include_other=not no_other,
                              min_size=min_size)  # fmt: skip
    title = (
        f"{len(table)} 个新话题（每{'周' if period == 'week' else '月'}，不属于任何类别的投诉聚类）"
        if c.lang == "zh"
        else f"{len(table)} new topics (complaints fitting no category, clustered per {period})"
    )
    emit(table, as_json=as_json, title=title,
         columns=["period", "topic", "size", "new", "keywords", "examples", "codes"])  # fmt: skip
