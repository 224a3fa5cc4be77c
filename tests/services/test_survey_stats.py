"""Stored survey statistics (services.survey_stats): answers appended in batches are folded
into their period and segment cells only, and the merged cells give what a full
recomputation on all the rows gives (``servgap.core.servqual.servqual``, NPS, CSAT through
:mod:`servgap.services.analysis`) — to 1e-10 for SERVQUAL (sums of respondent means add in
another order), exactly for the answer histograms. Deleted or replaced responses and a new
survey version make the statistics stale until they are rebuilt.

No published figure applies here: the reference is the full recomputation itself (the
independent one-pass computation on all rows), which ``tests/core`` checks against
published SERVQUAL, NPS and CSAT figures.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, select

from servgap.core.servqual_stats import servqual_stats
from servgap.services import analysis as an
from servgap.services import survey_stats as ss
from servgap.services.collection import submit_response
from servgap.services.context import Store, ensure_workspace
from servgap.services.dashboard import Missing, clear_cache, dashboard
from servgap.services.responses import import_responses, load_responses
from servgap.services.surveys import save_definition
from servgap.store.models import Region, Response, Site
from servgap.store.models_derived import SurveyStats

WS, CODE = "acme", "inc"
SITES = {"SH01": "east", "SH02": "east", "BJ01": "north"}
SURVEY: dict[str, Any] = {
    "code": CODE,
    "title": {"zh": "增量", "en": "Incremental"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "按时", "en": "On time"}},
        {"code": "rel2", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "准确", "en": "Accurate"}},
        {"code": "res1", "type": "servqual3", "dimension": "responsiveness",
         "text": {"zh": "迅速", "en": "Prompt"}},
        {"code": "wait", "type": "servqual3", "dimension": "responsiveness", "unit": "minutes",
         "direction": "lower_better", "scale": {"min": 0, "max": 240},
         "text": {"zh": "等候", "en": "Wait"}},
        {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
        {"code": "csat", "type": "csat", "scale": {"min": 1, "max": 5},
         "text": {"zh": "满意", "en": "Satisfied"}},
        {"code": "imp", "type": "importance", "options": ["reliability", "responsiveness"],
         "text": {"zh": "重要性", "en": "Importance"}},
        {"code": "age_group", "type": "profile", "options": ["18-34", "35+"],
         "text": {"zh": "年龄", "en": "Age"}},
    ],
}  # fmt: skip


def setup_ws(store: Store) -> None:
    with store.session() as s:
        ws = ensure_workspace(s, WS, "示例", "Acme")
        regions = {}
        for r in sorted(set(SITES.values())):
            reg = Region(workspace_id=ws.id, code=r, name_zh=r, name_en=r)
            s.add(reg)
            s.flush()
            regions[r] = reg.id
        for code, r in SITES.items():
            s.add(Site(workspace_id=ws.id, code=code, name_zh=code, name_en=code,
                       kind="outlet", region_id=regions[r]))  # fmt: skip
        save_definition(s, ws, SURVEY)


def batch(n: int, seed: int, quarters: list[int], start: int) -> pd.DataFrame:
    """``n`` responses spread over ``quarters`` of 2026, with empty cells, answers whose
    desired level is below the adequate one and respondents without importance points."""
    rng = np.random.default_rng(seed)
    q = rng.choice(quarters, n)
    when = [dt.datetime(2026, 3 * (k - 1) + 1, 5, 9) + dt.timedelta(hours=int(h))
            for k, h in zip(q, rng.integers(0, 24 * 60, n), strict=True)]  # fmt: skip
    out: dict[str, Any] = {
        "response_id": [f"r{start + i:05d}" for i in range(n)],
        "submitted_at": [w.strftime("%Y-%m-%d %H:%M") for w in when],
        "site": rng.choice(list(SITES), n),
        "channel": rng.choice(["web", "phone"], n),
    }
    for item in ("rel1", "rel2", "res1"):
        a = rng.integers(2, 7, n).astype(float)
        d = a + rng.integers(-1, 3, n)  # desired below adequate now and then: inconsistent
        p = rng.integers(1, 10, n).astype(float)
        p[rng.random(n) < 0.08] = np.nan  # unanswered
        out[f"{item}_adequate"], out[f"{item}_desired"] = a, np.clip(d, 1, 9)
        out[f"{item}_perceived"] = p
    wa = rng.integers(10, 30, n).astype(float)
    out["wait_adequate"], out["wait_desired"] = wa, wa - rng.integers(0, 8, n)
    out["wait_perceived"] = rng.integers(0, 45, n).astype(float)
    out["nps"] = np.where(rng.random(n) < 0.05, np.nan, rng.integers(0, 11, n))
    out["csat"] = np.where(rng.random(n) < 0.05, np.nan, rng.integers(1, 6, n))
    w = rng.integers(0, 101, n).astype(float)
    none = rng.random(n) < 0.1
    out["imp_reliability"] = np.where(none, np.nan, w)
    out["imp_responsiveness"] = np.where(none, np.nan, 100 - w)
    out["age_group"] = rng.choice(["18-34", "35+"], n)
    return pd.DataFrame(out)


def write(tmp_path: Path, frame: pd.DataFrame, name: str) -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def site_ids(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {c: i for c, i in s.execute(select(Site.code, Site.id)).all()}


def cells_to_check(store: Store, data: pd.DataFrame) -> list[tuple[str, list[str], pd.Series]]:
    """(name, segment keys, rows of the full table) of every kind of filter."""
    ids = site_ids(store)
    out: list[tuple[str, list[str], pd.Series]] = [("all", [ss.ALL], data["site"].notna() | True)]
    for code in SITES:
        out.append((code, [f"site#{ids[code]}"], data["site"] == code))
    for region in set(SITES.values()):
        mine = [c for c, r in SITES.items() if r == region]
        out.append((region, [f"site#{ids[c]}" for c in mine], data["site"].isin(mine)))
    for col, value in (("age_group", "35+"), ("channel", "phone")):
        out.append((value, [f"{col}={value}"], data[col] == value))
    return out


def assert_equal_to_recomputation(store: Store) -> int:
    """Every cell kind of every period against the analyses on all the matching rows."""
    d, data = load_responses(store, workspace=WS, survey=CODE)
    checked = 0
    for period in sorted(data["period"].unique()):
        for name, keys, rows in cells_to_check(store, data):
            part = data[rows & (data["period"] == period)].reset_index(drop=True)
            got = ss.stats_for(store, workspace=WS, survey=CODE, period=period, segments=keys)
            assert got is not None, "statistics should be current"
            assert got.n_responses == len(part), (period, name)
            if not len(part):
                continue
            assert got.servqual is not None and got.nps is not None and got.csat is not None
            mine = ss.finish_servqual_stats(d, got.servqual)
            ref = an.run_servqual(d, part)  # the full recomputation on these rows
            for table in ("items", "dimensions", "overall", "separate_items"):
                a, b = getattr(mine, table), getattr(ref, table)
                assert list(a.columns) == list(b.columns)
                num = [c for c in a.columns if pd.api.types.is_numeric_dtype(b[c])]
                np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float),
                                           rtol=1e-10, atol=1e-10, equal_nan=True)  # fmt: skip
                other = [c for c in a.columns if c not in num]
                pd.testing.assert_frame_equal(a[other], b[other])
            assert mine.warnings == ref.warnings
            nps_col = pd.DataFrame({"nps": got.nps.scores()})
            csat_col = pd.DataFrame({"csat": got.csat.scores()})
            pd.testing.assert_frame_equal(an.run_nps(d, nps_col), an.run_nps(d, part))
            pd.testing.assert_frame_equal(an.run_csat(d, csat_col), an.run_csat(d, part))
            checked += 1
    return checked


def meta(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        row = s.scalars(select(SurveyStats).where(SurveyStats.kind == "meta")).one()
        return row.survey_version_id, row.n_responses, row.last_response_id


def cell_marks(store: Store) -> dict[tuple[str, str, str], tuple[int, int]]:
    with store.session() as s:
        rows = s.execute(
            select(SurveyStats.period, SurveyStats.segment, SurveyStats.kind,
                   SurveyStats.n_responses, SurveyStats.last_response_id)
            .where(SurveyStats.kind != "meta")
        ).all()  # fmt: skip
    return {(p, g, k): (n, last) for p, g, k, n, last in rows}


def test_batches_fold_into_their_cells_and_equal_a_full_recomputation(
    store: Store, tmp_path: Path
) -> None:
    setup_ws(store)
    files = [batch(150, 1, [1, 2], 0), batch(60, 2, [2], 1000), batch(90, 3, [1, 3], 2000)]
    before: dict[tuple[str, str, str], tuple[int, int]] = {}
    for i, frame in enumerate(files):
        import_responses(store, write(tmp_path, frame, f"b{i}.csv"), workspace=WS, survey=CODE)
        # the import's hook folded the batch: nothing left to fold
        assert ss.update_stats(store, workspace=WS, survey=CODE).action == "current"
        with store.session() as s:
            n, top = s.execute(select(func.count(Response.id), func.max(Response.id))).one()
        assert meta(store)[1:] == (n, top)
        after = cell_marks(store)
        if i == 1:  # the second batch is all 2026Q2: the other periods' cells are untouched
            assert {k: v for k, v in after.items() if k[0] != "2026Q2"} == {
                k: v for k, v in before.items() if k[0] != "2026Q2"
            }
            assert all(after[k] != before[k] for k in before if k[0] == "2026Q2" and k[1] == "*")
        before = after
        assert assert_equal_to_recomputation(store) > 0


def test_update_folds_only_new_responses(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    path = write(tmp_path, batch(40, 4, [1], 0), "a.csv")
    import_responses(sqlite_store, path, workspace=WS, survey=CODE)
    ss.rebuild_stats(sqlite_store, workspace=WS, survey=CODE)
    row = batch(1, 5, [1], 500).iloc[0]
    row = row.where(row.notna(), None)
    submit_response(sqlite_store, workspace=WS, survey=CODE, row=row.to_dict(),
                    now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))  # fmt: skip
    # a web or API submission folds its answer in at once (services.collection)
    assert ss.stats_for(sqlite_store, workspace=WS, survey=CODE, period="2026Q1") is not None
    assert assert_equal_to_recomputation(sqlite_store) > 0
    up = ss.update_stats_quietly(sqlite_store, WS, CODE, rebuild=False)  # nothing new to fold
    assert up is not None and (up.action, up.responses) == ("current", 0)
    # a submission never rebuilds (it would read every response in the respondent's time)
    with sqlite_store.session() as s:
        s.execute(delete(Response).where(Response.external_id == "r00003"))
    up = ss.update_stats_quietly(sqlite_store, WS, CODE, rebuild=False)
    assert up is not None and up.action == "stale"
    assert ss.stats_for(sqlite_store, workspace=WS, survey=CODE, period="2026Q1") is None


def test_replaced_and_deleted_responses_rebuild(store: Store, tmp_path: Path) -> None:
    setup_ws(store)
    first = batch(80, 6, [1, 2], 0)
    import_responses(store, write(tmp_path, first, "a.csv"), workspace=WS, survey=CODE)
    # a re-import replaces rows (delete + insert): the totals no longer add up -> rebuild
    again = batch(80, 7, [2, 3], 0).iloc[:30]
    import_responses(store, write(tmp_path, again, "b.csv"), workspace=WS, survey=CODE,
                     on_duplicate="replace")  # fmt: skip
    assert meta(store)[1] == 80
    assert assert_equal_to_recomputation(store) > 0
    # replacing the newest responses: SQLite hands their ids out again (same count, same
    # largest id), so the update looks at when the folded ids were written
    newest = batch(80, 12, [3], 0).iloc[25:30]  # the last rows written (by the replace above)
    top = meta(store)[2]
    clear_cache()
    seen = dashboard(store, workspace=WS, period="2026Q3")  # the view's caches hold the rows
    import_responses(store, write(tmp_path, newest, "c.csv"), workspace=WS, survey=CODE,
                     on_duplicate="replace")  # fmt: skip
    assert meta(store)[1:] == (80, top if store.engine.dialect.name == "sqlite" else top + 5)
    assert assert_equal_to_recomputation(store) > 0
    # … and the dashboard shows the new answers, not its cached table's
    d, data = load_responses(store, workspace=WS, survey=CODE)
    now = dashboard(store, workspace=WS, period="2026Q3")
    assert now is not seen and not isinstance(now.zone_dimensions, Missing)
    ref = an.run_servqual(d, data[data["period"] == "2026Q3"].reset_index(drop=True))
    got = now.zone_dimensions[now.zone_dimensions["role"] == "period"]
    np.testing.assert_allclose(got["msa"].to_numpy(float), ref.dimensions["msa"].to_numpy(float),
                               rtol=1e-10)  # fmt: skip
    # an erasure deletes responses: stale at once (never wrong), rebuilt by the next update
    with store.session() as s:
        s.execute(delete(Response).where(Response.external_id.in_(["r00001", "r00050"])))
    assert ss.stats_for(store, workspace=WS, survey=CODE, period="2026Q2") is None
    up = ss.update_stats(store, workspace=WS, survey=CODE)
    assert (up.action, up.reason) == ("rebuilt", "responses were deleted or replaced")
    assert assert_equal_to_recomputation(store) > 0


def test_new_survey_version_rebuilds_with_its_definition(store: Store, tmp_path: Path) -> None:
    setup_ws(store)
    import_responses(store, write(tmp_path, batch(70, 8, [1, 2], 0), "a.csv"),
                     workspace=WS, survey=CODE)  # fmt: skip
    old_version = meta(store)[0]
    changed = {**SURVEY, "questions": [
        {**q, "dimension": "reliability"} if q["code"] == "res1" else q
        for q in SURVEY["questions"]
    ]}  # fmt: skip
    with store.session() as s:
        save_definition(s, ensure_workspace(s, WS, "示例", "Acme"), changed)
    assert ss.stats_for(store, workspace=WS, survey=CODE, period="2026Q1") is None
    up = ss.update_stats(store, workspace=WS, survey=CODE)
    assert (up.action, up.reason) == ("rebuilt", "the survey has a new version")
    assert meta(store)[0] != old_version
    assert assert_equal_to_recomputation(store) > 0


def test_payloads_round_trip_bit_for_bit() -> None:
    d_items = {"a": {"dimension": "x", "perceived": "p", "adequate": "a", "desired": "d"}}
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"p": rng.normal(size=50), "a": rng.normal(size=50),
                          "d": rng.normal(size=50) + 2})  # fmt: skip
    st = servqual_stats(frame, d_items)
    back = ss._unpack_servqual(ss._pack_servqual(st))
    for part in ("item_stats", "dim_stats", "overall_stats"):
        got, want = getattr(back, part), getattr(st, part)
        assert list(got) == list(want)
        for k in want:
            assert np.array_equal(got[k], want[k]) and got[k].dtype == np.float64
    cells = ss._split_answers(pd.Series([0, 10, 10, None, 7]), np.array([0, 0, 1, 1, 0]), 2)
    for a in cells:
        b = ss._unpack_answers(ss._pack_answers(a))
        assert np.array_equal(b.hist.values, a.hist.values)
        assert np.array_equal(b.hist.counts, a.hist.counts) and b.n_missing == a.n_missing
    assert [int(a.hist.n[0]) for a in cells] == [3, 1] and cells[1].n_missing == 1


def test_two_updates_at_once_fold_each_response_once(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL: the update that commits second sees the meta row changed and rolls back
    (on SQLite every transaction begins IMMEDIATE: two updates cannot overlap)."""
    if store.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writing transactions")
    setup_ws(store)
    import_responses(store, write(tmp_path, batch(50, 10, [1], 0), "a.csv"),
                     workspace=WS, survey=CODE)  # fmt: skip
    import_responses(store, write(tmp_path, batch(20, 11, [1, 2], 100), "b.csv"),
                     workspace=WS, survey=CODE, channel="web")  # fmt: skip
    with store.session() as s:  # forget the second batch: both updates below will fold it
        s.execute(delete(SurveyStats))
    ss.rebuild_stats(store, workspace=WS, survey=CODE)
    with store.session() as s:
        first_ids = s.scalars(select(Response.id).order_by(Response.id).limit(50)).all()
        s.execute(delete(SurveyStats).where(SurveyStats.kind != "meta"))
        row = s.scalars(select(SurveyStats)).one()
        # the meta row now says the first 50 are folded, and no cell holds anything
        row.n_responses, row.last_response_id = 50, max(first_ids)
    real = ss._fold
    calls: list[str] = []

    def racing(*args: Any, **kw: Any) -> int:
        if not calls:  # another process folds the same responses first, and commits
            calls.append("other")
            ss.update_stats(store, workspace=WS, survey=CODE)
        return real(*args, **kw)

    monkeypatch.setattr(ss, "_fold", racing)
    with caplog.at_level("INFO", logger="servgap.survey_stats"):
        assert ss.update_stats_quietly(store, WS, CODE) is None  # this one lost: rolled back
    assert calls == ["other"] and "updated meanwhile" in caplog.text
    monkeypatch.setattr(ss, "_fold", real)
    assert meta(store)[1] == 70
    with store.session() as s:
        n_cell = s.scalar(select(func.sum(SurveyStats.n_responses)).where(
            SurveyStats.segment == ss.ALL, SurveyStats.kind == "nps"))  # fmt: skip
    assert n_cell == 20  # the second batch once (the cells of the first were emptied above)
