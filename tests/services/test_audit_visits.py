"""Audit visits keyed in the browser and the manager's view: control chart and warning rules
against published figures, photo signatures, draft → submit → the same Audit an import
builds, and the demo's standard and overview against the services the CLI prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from servgap.core.audit_monitoring import decline_runs, individuals_chart
from servgap.core.errors import InputError, NotFoundError
from servgap.services.audit_visits import (
    MAX_PHOTO_BYTES,
    NotYourVisitError,
    Upload,
    get_visit,
    image_type,
    list_visits,
    save_visit,
    visit_photo,
)
from servgap.services.audits import audit_overview, audit_scores, save_standard
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.services.workspaces import create_workspace
from servgap.settings import Settings
from servgap.store.models import Audit, AuditScore, Site, Workspace

# Montgomery (2009), Example 6.5: mortgage-loan processing costs, 20 weeks
MONTGOMERY_6_5 = [310, 288, 297, 298, 307, 303, 294, 297, 308, 306, 294, 299, 297, 299, 314,
                  295, 293, 306, 301, 304]  # fmt: skip
NOW = dt.datetime(2026, 7, 2, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


def test_individuals_chart_reproduces_montgomery_example_6_5() -> None:
    chart = individuals_chart(MONTGOMERY_6_5)
    assert chart.centre == pytest.approx(300.5)
    assert chart.mr_bar == pytest.approx(7.79, abs=0.005)
    assert chart.ucl == pytest.approx(321.22, abs=0.005)
    assert chart.lcl == pytest.approx(279.78, abs=0.005)
    assert not any(chart.below) and not any(chart.above)  # in control, as in the book


def test_individuals_chart_flags_and_handles_short_series() -> None:
    chart = individuals_chart([80, 81, 80, 81, 80, 81, 40.0])
    assert chart.below == (False,) * 6 + (True,)
    assert np.isnan(individuals_chart([80.0]).lcl)
    assert individuals_chart([80.0, np.nan, 82.0]).centre == pytest.approx(81.0)


@pytest.mark.parametrize(
    ("values", "k", "flags"),
    [
        ([90, 88, 85, 80, 82], 3, [0, 0, 0, 1, 0]),
        ([90, 88, 85, 80, 79], 3, [0, 0, 0, 1, 1]),
        ([90, 88, 88, 85, 80], 3, [0, 0, 0, 0, 0]),  # a tie breaks the run
        ([90, 88, np.nan, 85, 80], 3, [0, 0, 0, 0, 1]),  # a visit not scored is skipped
        ([90, 88], 1, [0, 1]),
    ],
)
def test_decline_runs(values: list[float], k: int, flags: list[int]) -> None:
    assert decline_runs(values, k=k).tolist() == [bool(f) for f in flags]


def test_image_type_reads_the_signature_not_the_name() -> None:
    assert image_type(b"\xff\xd8\xff\xe0" + b"\0" * 10) == "image/jpeg"
    assert image_type(PNG) == "image/png"
    assert image_type(b"RIFF\x10\0\0\0WEBPVP8 ") == "image/webp"
    assert image_type(b"RIFF\x10\0\0\0WAVEfmt ") is None
    assert image_type(b"GIF89a") is None and image_type(b"") is None
    assert image_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


STANDARD = {
    "code": "outlet", "title": {"zh": "标准", "en": "Standard"}, "scale": {"min": 0, "max": 5},
    "sections": [
        {"code": "a", "title": {"zh": "甲", "en": "A"}, "weight": 3, "indicators": [
            {"code": "x", "title": {"zh": "x", "en": "x"}, "weight": 1, "item": "rel1"},
            {"code": "y", "title": {"zh": "y", "en": "y"}, "weight": 3}]},
        {"code": "b", "title": {"zh": "乙", "en": "B"}, "weight": 1, "indicators": [
            {"code": "z", "title": {"zh": "z", "en": "z"}, "scale": {"min": 1, "max": 7}}]},
    ],
}  # fmt: skip


@pytest.fixture
def ws_store(store: Store) -> Store:
    from servgap.core.audit_standard import parse_standard

    create_workspace(store, "acme", name_zh="甲", name_en="Acme")
    with store.session() as s:
        ws = s.scalars(select(Workspace).where(Workspace.code == "acme")).one()
        for code in ("sh01", "bj01"):
            s.add(Site(workspace_id=ws.id, code=code, name_zh=code, name_en=code, kind="outlet"))
        save_standard(s, ws, parse_standard(STANDARD))
    return store


def _save(store: Store, **kw: object) -> object:
    args: dict[str, object] = {"workspace": "acme", "auditor": "a@x.test", "scope": None,
                               "site": "sh01", "visited_at": "2026-07-01 09:30", "now": NOW}  # fmt: skip
    args.update(kw)
    return save_visit(store, **args)  # type: ignore[arg-type]


def test_draft_then_submit_builds_the_audit_of_an_import(ws_store: Store, tmp_path: Path) -> None:
    import yaml

    from servgap.services.audits import import_audits

    draft = _save(ws_store, scores={"x": "4"})
    assert draft.status == "draft" and audit_scores(ws_store, workspace="acme").empty  # type: ignore[attr-defined]
    done = _save(ws_store, visit_id=draft.id, scores={"x": "4", "y": "na", "z": "6"},  # type: ignore[attr-defined]
                 submit=True, photos=[Upload("p.png", PNG)])  # fmt: skip
    assert done.status == "submitted" and done.audit == done.code  # type: ignore[attr-defined]
    std = tmp_path / "std.yaml"
    std.write_text(yaml.safe_dump(STANDARD, allow_unicode=True), encoding="utf-8")
    csv = tmp_path / "v.csv"
    csv.write_text(
        "visit,site,visited_at,x,y,z\nIMP,sh01,2026-07-01 09:30,4,,6\n", encoding="utf-8"
    )
    import_audits(ws_store, csv, workspace="acme", standard_file=std)
    scores = audit_scores(ws_store, workspace="acme").set_index("visit")
    # x: 3/4 · 1/4 · 4/5; z: 1/4 · 5/6 (y not applicable), renormalised
    expected = 100 * (0.75 * 0.25 * 0.8 + 0.25 * 5 / 6) / (0.75 * 0.25 + 0.25)
    assert scores.loc[done.code, "score"] == pytest.approx(expected)  # type: ignore[attr-defined]
    assert scores.loc["IMP", "score"] == pytest.approx(expected)
    assert done.score == pytest.approx(expected)  # type: ignore[attr-defined]
    with ws_store.session() as s:
        rows = {
            code: sorted((x.indicator, x.weight, x.score, x.max_score, x.section, x.item)
                         for x in s.scalars(select(AuditScore).join(Audit)
                                            .where(Audit.code == code)))
            for code in (done.code, "IMP")  # type: ignore[attr-defined]
        }  # fmt: skip
        std_ids = set(s.scalars(select(Audit.standard_id)))
    assert rows[done.code] == rows["IMP"]  # type: ignore[attr-defined]
    assert len(std_ids) == 1  # the same stored version of the standard
    with pytest.raises(InputError, match="already submitted"):
        _save(ws_store, visit_id=done.id, scores={"x": "1"})  # type: ignore[attr-defined]


def test_every_problem_is_listed_and_nothing_is_written(ws_store: Store) -> None:
    with pytest.raises(InputError) as err:
        _save(ws_store, site="nope", visited_at="2026-13-45", scores={"x": "6", "z": "0"},
              notes="n" * 6000, submit=True,
              photos=[Upload("big.png", PNG + b"\0" * MAX_PHOTO_BYTES), Upload("a.txt", b"hello")])  # fmt: skip
    cols = [p.column for p in err.value.problems]
    assert set(cols) == {"site", "visited_at", "notes", "x", "y", "z", "photos"}
    assert cols.count("photos") == 2
    assert list_visits(ws_store, workspace="acme", viewer="a@x.test", own_only=False,
                       scope=None).visits == ()  # fmt: skip
    with pytest.raises(InputError, match="future"):
        _save(ws_store, visited_at="2026-08-01 10:00", scores={"x": "1"})
    with pytest.raises(InputError, match="at most 6"):
        _save(ws_store, scores={}, photos=[Upload(f"{i}.png", PNG) for i in range(7)])


def test_auditors_see_only_their_own_visits_at_their_sites(ws_store: Store) -> None:
    mine = _save(ws_store, scores={"x": "1"}, photos=[Upload("p.png", PNG)])
    vid = mine.id  # type: ignore[attr-defined]
    pid = mine.photos[0].id  # type: ignore[attr-defined]
    with pytest.raises(NotFoundError):
        get_visit(ws_store, workspace="acme", visit_id=vid, viewer="b@x.test", own_only=True,
                  scope=None)  # fmt: skip
    with pytest.raises(NotFoundError):
        get_visit(ws_store, workspace="acme", visit_id=vid, viewer="a@x.test", own_only=True,
                  scope=("bj01",))  # fmt: skip
    with pytest.raises(NotFoundError):
        visit_photo(ws_store, workspace="acme", visit_id=vid, photo_id=pid, viewer="b@x.test",
                    own_only=True, scope=None)  # fmt: skip
    seen = get_visit(ws_store, workspace="acme", visit_id=vid, viewer="boss@x.test",
                     own_only=False, scope=None)  # fmt: skip
    assert not seen.editable  # a manager reads another's draft, does not edit it
    with pytest.raises(NotYourVisitError):  # nor can another user save it
        _save(ws_store, visit_id=vid, auditor="boss@x.test", own_only=False, scores={"x": "2"})
    with pytest.raises(NotFoundError):  # another auditor does not even see it
        _save(ws_store, visit_id=vid, auditor="b@x.test", scores={"x": "2"})
    with pytest.raises(InputError) as err:
        _save(ws_store, site="sh01", scope=("bj01",), scores={"x": "1"})
    assert err.value.problems[0].column == "site"
    assert visit_photo(ws_store, workspace="acme", visit_id=vid, photo_id=pid, viewer="a@x.test",
                       own_only=True, scope=None) == ("image/png", PNG)  # fmt: skip


# ------------------------------------------------------------------ the demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    home = tmp_path_factory.mktemp("demo")
    store = Store.open(Settings(database_url=f"sqlite:///{home / 'd.sqlite'}", home=home / "h"))
    build_demo_store(store)
    yield store
    store.dispose()


def test_demo_standard_keeps_the_demo_scores(demo: Store) -> None:
    from servgap.demo import build_demo
    from servgap.services.demo import DEMO_SEED

    raw = build_demo(seed=DEMO_SEED).audits
    raw = raw.assign(part=raw["weight"] * raw["score"] / raw["max_score"])
    g = raw.groupby("audit")
    expected = 100 * g["part"].sum() / g["weight"].sum()
    got = audit_scores(demo, workspace="example_express").set_index("visit")
    assert got["standard"].eq("outlet").all()
    pd.testing.assert_series_equal(got["score"].sort_index(), expected.sort_index(),
                                   check_names=False, rtol=1e-12)  # fmt: skip


def test_demo_overview_matches_the_cli_and_the_servqual_service(demo: Store) -> None:
    from servgap.services.analysis import run_servqual
    from servgap.services.responses import load_responses

    ov = audit_overview(demo, workspace="example_express")
    cli = audit_scores(demo, workspace="example_express")
    assert ov.sites.set_index("site")["mean_score"].to_dict() == pytest.approx(
        cli.groupby("site")["score"].mean().to_dict()
    )
    assert ov.sites["site"].iloc[-1] == "gz_baiyun"  # the demo's problem outlet ranks last
    assert ov.survey == "example_express_q" and ov.survey_note is None
    site = audit_overview(demo, workspace="example_express", site="gz_baiyun",
                          date_from=dt.date(2026, 7, 1))  # fmt: skip
    assert len(site.visits) == 6 and set(site.visits["site"]) == {"gz_baiyun"}
    d, data = load_responses(demo, workspace="example_express", survey="example_express_q")
    local = pd.to_datetime(data["submitted_at"], utc=True).dt.tz_convert("Asia/Shanghai")
    sub = data[(data["site"] == "gz_baiyun") & (local.dt.date >= dt.date(2026, 7, 1)).to_numpy()]
    items = run_servqual(d, sub).items.set_index("item")
    att = site.attributes.set_index("indicator")
    for ind, item in (("handling_care", "rel2"), ("promise_time", "rel1")):
        assert att.loc[ind, "perceived"] == pytest.approx(items.loc[item, "perceived_mean"])
        assert att.loc[ind, "adequate"] == pytest.approx(items.loc[item, "adequate_mean"])
        assert att.loc[ind, "perceived_pct"] == pytest.approx(
            100 * (items.loc[item, "perceived_mean"] - 1) / 8
        )
    # the problem outlet: customers perceive reliability below their adequate level
    assert att.loc["handling_care", "perceived_pct"] < att.loc["handling_care", "adequate_pct"]
