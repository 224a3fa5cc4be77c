"""Survey comments by attribute, aligned with the three-column scores of the same attribute
(services.comment_aspects), the report section and the `text aspects` command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from servgap.core.errors import InsufficientDataError, UsageError
from servgap.core.survey import parse_survey
from servgap.services.comment_aspects import comment_aspects_of, comment_aspects_stored
from servgap.services.context import Store, ensure_workspace
from servgap.services.responses import import_responses
from servgap.services.surveys import save_definition
from servgap.store.models import Site

WS = "acme"
SURVEY = {
    "code": "mini",
    "version": 1,
    "title": {"zh": "小调查", "en": "Mini survey"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "ontime", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "快递按承诺的时间送达", "en": "Parcels arrive by the promised time"}},
        {"code": "polite", "type": "servqual3", "dimension": "assurance",
         "text": {"zh": "工作人员始终礼貌待人", "en": "Staff are consistently courteous"}},
        {"code": "hours", "type": "servqual3", "dimension": "empathy",
         "text": {"zh": "网点营业时间方便", "en": "Outlet opening hours are convenient"}},
        {"code": "comment", "type": "text",
         "text": {"zh": "您还有什么意见？", "en": "Any comments?"}},
    ],
}  # fmt: skip
COMMENTS = [
    "送得太慢了，晚了三天才到",
    "快递员态度很好，非常礼貌",
    "营业时间太短，下班后就关门了，我的电话13812345678",
    "The courier was rude.",
    None,
    "整体还行",
]


def frame() -> pd.DataFrame:
    n = len(COMMENTS)
    data: dict[str, object] = {
        "response_id": [f"r{i}" for i in range(n)],
        "submitted_at": ["2026-04-10"] * 3 + ["2026-05-12"] * (n - 3),
        "period": ["2026Q2"] * n,
        "site": ["s1", "s1", "s2", "s2", "s1", "s2"],
    }
    for item, (a, d, p) in {"ontime": (6, 8, 5), "polite": (5, 7, 7), "hours": (5, 7, 4)}.items():
        data[f"{item}_adequate"] = [a] * n
        data[f"{item}_desired"] = [d] * n
        data[f"{item}_perceived"] = [p + (i % 2) for i in range(n)]
    data["comment"] = COMMENTS
    return pd.DataFrame(data)


def test_mentions_line_up_with_the_attribute_and_its_scores() -> None:
    d = parse_survey(SURVEY)
    res = comment_aspects_of(d, frame())
    assert res.n_comments == 5 and res.n_responses == 6
    att = res.attributes.set_index("attribute")
    assert att.loc["ontime", "n_mentions"] == 1
    assert att.loc["ontime", "share_negative"] == 1.0
    assert att.loc["ontime", "adequate_mean"] == pytest.approx(6.0)
    assert att.loc["ontime", "desired_mean"] == pytest.approx(8.0)
    assert att.loc["ontime", "perceived_mean"] == pytest.approx(5.5)
    assert att.loc["polite", "n_mentions"] == 2
    assert att.loc["polite", "share_positive"] == pytest.approx(0.5)
    assert att.loc["hours", "dimension"] == "empathy"
    dims = res.dimensions.set_index("dimension")
    assert dims.loc["reliability", "n_mentions"] == 1
    # the phone number in a comment is masked in the examples and the mentions
    shown = " ".join(str(x) for x in res.mentions["clause"])
    assert "13812345678" not in shown and "138****5678" in shown
    assert not any("13812345678" in e for e in att.loc["hours", "examples_negative"])


def test_errors_name_the_field() -> None:
    d = parse_survey(SURVEY)
    with pytest.raises(UsageError) as exc:
        comment_aspects_of(d, frame(), question="ontime")
    assert exc.value.fields == ("question",)
    empty = frame().assign(comment=None)
    with pytest.raises(InsufficientDataError):
        comment_aspects_of(d, empty)


@pytest.fixture
def survey_store(store: Store, tmp_path: Path) -> Store:
    with store.session() as s:
        ws = ensure_workspace(s, WS, "示例", "Acme")
        save_definition(s, ws, SURVEY)
        for code in ("s1", "s2"):
            s.add(Site(workspace_id=ws.id, code=code, name_zh=code, name_en=code, kind="outlet"))
    path = tmp_path / "answers.csv"
    frame().drop(columns=["period"]).to_csv(path, index=False)
    import_responses(store, path, workspace=WS, survey="mini")
    return store


def test_stored_survey_by_period_and_site(survey_store: Store) -> None:
    res = comment_aspects_stored(survey_store, WS, period="2026Q2", site="s1")
    assert res.n_responses == 3 and res.n_comments == 2
    with pytest.raises(InsufficientDataError):
        comment_aspects_stored(survey_store, WS, site="nowhere")


def test_report_section_and_cli(survey_store: Store) -> None:
    from servgap.cli import main
    from servgap.cli.text import text
    from servgap.cli.text_aspects import register
    from servgap.reports.comment_sections import comments_section, comments_tables

    d = parse_survey(SURVEY)
    ca = comment_aspects_of(d, frame())
    att, dims = comments_tables(ca, d, "zh")
    assert "快递按承诺的时间送达" in set(att.frame["label"])
    assert set(dims.frame["dimension"]) >= {"可靠性", "保证性"}

    class _SR:  # the survey results once they carry `comments`
        definition = d
        comments = ca

    section = comments_section(_SR(), None, "en")  # type: ignore[arg-type]
    assert section is not None and section.name == "comments"
    assert section.findings and section.table("comment_attributes") is not None

    added = "aspects" not in text.commands  # until cli/text.py registers it
    if added:
        register(text)
    url = survey_store.settings.database_url
    try:
        out = CliRunner().invoke(main, ["--database-url", url, "--lang", "en", "text",
                                        "aspects", "--workspace", WS, "--json"])  # fmt: skip
        table = CliRunner().invoke(main, ["--database-url", url, "--lang", "zh", "text",
                                          "aspects", "--level", "dimensions"])  # fmt: skip
    finally:
        if added:
            text.commands.pop("aspects")
    assert out.exit_code == 0, out.output
    assert table.exit_code == 0 and "reliability" in table.output, table.output
    assert '"attributes"' in out.output and "ontime" in out.output


def test_dashboard_panel_rows_and_partial_template() -> None:
    from importlib import resources

    import jinja2

    from servgap.i18n import t
    from servgap.services.dashboard_comments import comment_rows, comments_part
    from servgap.services.report import Missing

    d = parse_survey(SURVEY)
    part = comments_part(d, frame())
    assert not isinstance(part, Missing)
    assert part["attribute"].iloc[0] == "polite"  # most mentioned first
    shown = comment_rows(part, lambda code, lang: d.question(code).text.get(lang), "zh")
    assert shown["missing"] is None
    assert shown["rows"][0]["label"] == "工作人员始终礼貌待人"
    assert shown["rows"][0]["share_positive"] == "50%"
    none = comments_part(d, frame().assign(comment=None))
    assert isinstance(none, Missing)
    assert comment_rows(none, lambda c, lang: c, "en")["rows"] == []
    folder = resources.files("servgap").joinpath("web", "templates")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
    html = env.get_template("dashboard_comments.html").render(
        comments=shown, t=lambda key, **kw: t(key, "zh", **kw)
    )
    assert "工作人员始终礼貌待人" in html and "顾客意见（按属性）" in html


def test_demo_problem_outlet_comments_agree_with_its_reliability_gap() -> None:
    """The demo plants a reliability problem at one outlet (docs/demo.md) and lets unhappy
    customers name their weakest dimension: their comments' negative mentions and the
    three-column MSA both point at reliability there."""
    import numpy as np

    from servgap.demo.company import PROBLEM_OUTLET, make_customers
    from servgap.demo.generate import DEFAULT_SEED
    from servgap.demo.survey import load_survey_definition, make_responses

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(DEFAULT_SEED).spawn(5)]
    raw = load_survey_definition()
    resp = make_responses(streams[1], make_customers(streams[0]), raw)
    cut = resp[resp["site"] == PROBLEM_OUTLET].reset_index(drop=True)
    dims = comment_aspects_of(parse_survey(raw), cut).dimensions.set_index("dimension")
    negative = dims["n_mentions"] * dims["share_negative"]
    assert negative.idxmax() == "reliability"
    assert dims["msa"].idxmin() == "reliability"
