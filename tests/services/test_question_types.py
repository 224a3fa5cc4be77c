"""One registry of question types (issue 9 item 5): a type declared in a test, and only there,
goes through parsing, import and export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from servgap.core.errors import InputError
from servgap.core.parse import CellError
from servgap.core.question_types import REGISTRY, QuestionKind, register
from servgap.core.survey import Question, parse_survey
from servgap.services.context import Store, ensure_workspace
from servgap.services.exports import export_frame
from servgap.services.responses import import_responses, load_responses
from servgap.services.surveys import save_definition


def read_stars(q: Question, part: str, value: Any) -> float:
    """Half stars: 0.5 … 5 in steps of 0.5."""
    try:
        f = float(str(value).strip())
    except ValueError:
        raise CellError("is not a number of stars.", "不是星级数。") from None
    if not 0.5 <= f <= 5 or (f * 2) % 1:
        raise CellError(
            "give 0.5 to 5 stars in half steps.", "请给出 0.5 到 5 之间、以半星为步长的星级。"
        )
    return f


@pytest.fixture
def stars() -> Iterator[QuestionKind]:
    kind = register(
        QuestionKind(
            "stars",
            lambda q: ("overall", "value"),
            read_stars,
            fixed_scale=(0.5, 5.0),
            whole_numbers=False,
        )
    )
    yield kind
    del REGISTRY["stars"]


SURVEY = {
    "code": "toy", "title": {"zh": "玩具", "en": "Toy"},
    "questions": [{"code": "rating", "type": "stars", "text": {"zh": "评分", "en": "Rating"}},
                  {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}}],
}  # fmt: skip


def test_a_new_type_round_trips_through_import_and_export(
    stars: QuestionKind, sqlite_store: Store, tmp_path: Path
) -> None:
    d = parse_survey(SURVEY)
    assert d.question("rating").columns() == ("rating_overall", "rating_value")
    assert d.question("rating").scale == (0.5, 5.0)
    with sqlite_store.session() as s:
        ws = ensure_workspace(s, "acme", "甲", "Acme")
        save_definition(s, ws, SURVEY)
    src = tmp_path / "toy.csv"
    frame = pd.DataFrame({"response_id": ["a", "b"], "submitted_at": ["2026-03-01", "2026-03-02"],
                          "rating_overall": [4.5, 3], "rating_value": [2, 5], "nps": [9, 6]})  # fmt: skip
    frame.to_csv(src, index=False)
    import_responses(sqlite_store, src, workspace="acme", survey="toy")
    _, stored = load_responses(sqlite_store, workspace="acme", survey="toy")
    assert stored["rating_overall"].tolist() == [4.5, 3.0]
    out = export_frame(sqlite_store, "responses", workspace="acme", survey="toy")
    out.to_csv(tmp_path / "out.csv", index=False)
    with sqlite_store.session() as s:
        s.execute(__import__("sqlalchemy").text("DELETE FROM response"))
    import_responses(sqlite_store, tmp_path / "out.csv", workspace="acme", survey="toy")
    _, again = load_responses(sqlite_store, workspace="acme", survey="toy")
    assert again[["rating_overall", "rating_value", "nps"]].equals(
        stored[["rating_overall", "rating_value", "nps"]])  # fmt: skip
    bad = tmp_path / "bad.csv"
    frame.assign(rating_overall=[4.25, 6], rating_value=[2, ""]).drop(columns="nps").to_csv(
        bad, index=False)  # fmt: skip
    with pytest.raises(InputError) as exc:
        import_responses(sqlite_store, bad, workspace="acme", survey="toy", on_duplicate="skip")
    assert [(p.row, p.column) for p in exc.value.problems] == [
        (2, "rating_overall"), (3, "rating_overall")]  # fmt: skip
    assert "half steps" in exc.value.problems[0].en


def test_unknown_type_lists_the_registered_ones() -> None:
    with pytest.raises(Exception, match="unknown type; use one of likert, servqual3"):
        parse_survey(dict(SURVEY, questions=[{"code": "x", "type": "stars", "text": "x"}]))
