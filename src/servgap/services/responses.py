"""Import survey responses from files and read them back as a wide table.

Import is all-or-nothing: the whole file is validated and written inside one
transaction; if any row has a problem, the transaction is rolled back and the
error lists every bad row (file, row, column, value, fix), not only the first.
Memory stays bounded: the file is read in chunks of ``CHUNK_ROWS`` rows and
only the ids already seen are kept.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select, true
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, Problem, ProblemCollector, UsageError
from servgap.core.parse import CellError, DateFormat, check_window, parse_datetime, parse_number
from servgap.core.survey import CHANNELS, META_COLUMNS, Question, SurveyDefinition
from servgap.services.context import Store, get_workspace
from servgap.services.mapping import ColumnMapping, build_mapping, read_mapping_file
from servgap.services.surveys import definition_of, latest_version
from servgap.services.tabular import Progress, open_table
from servgap.store.models import Customer, Response, Site

MAX_PROBLEMS = 100_000
META_TARGETS = frozenset(("response_id", "submitted_at", "site", "channel", "customer", "period"))
OnDuplicate = Literal["error", "skip", "replace"]


@dataclass(frozen=True)
class ImportReport(ResultMixin):
    """What an import did: rows read, inserted, replaced and skipped, and how columns mapped."""

    file: str
    survey: str
    version: int
    rows_read: int
    inserted: int
    replaced: int
    skipped: int
    customers_created: int
    encoding: str | None
    mapping: dict[str, str]
    ignored_columns: tuple[str, ...]
    unmapped_columns: tuple[str, ...]
    questions_absent: tuple[str, ...]


@dataclass
class _Counts:
    rows_read: int = 0
    inserted: int = 0
    replaced: int = 0
    skipped: int = 0
    customers_created: int = 0


def _is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


_num = parse_number


def _clean(f: float) -> int | float:
    return int(f) if f.is_integer() else f


class _Validator:
    """Validates one chunk at a time; collects problems across the whole file."""

    def __init__(
        self,
        definition: SurveyDefinition,
        mapping: ColumnMapping,
        *,
        source: str,
        sites: dict[str, int],
        tz: dt.tzinfo,
        existing: set[str],
        on_duplicate: OnDuplicate,
        date_format: DateFormat | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        self.date_format = date_format
        self.now = now or dt.datetime.now(dt.UTC)
        self.existing = existing
        self.on_duplicate = on_duplicate
        self.definition = definition
        self.mapping = mapping
        self.source = source
        self.sites = sites
        self.tz = tz
        self.owner = definition.column_owner()
        self.pc = ProblemCollector()
        self.n_problems = 0
        self.seen_ids: set[str] = set()

    def problem(self, en: str, zh: str, *, row: int, column: str, value: Any) -> None:
        self.n_problems += 1
        if len(self.pc) < MAX_PROBLEMS:
            self.pc.add(en, zh, file=self.source, row=row, column=column, value=value)

    def rows(self, start: int, frame: pd.DataFrame) -> list[dict[str, Any]]:
        """Turn a chunk into validated record dicts (canonical names); record problems.

        Numeric answer columns are checked column-wise with numpy; only cells that
        fail (or hold text such as Kano labels) go through the per-cell path,
        which writes the message. Missing answers are stored as null.
        """
        inv = self.mapping.columns
        recode = self.mapping.values
        n = len(frame)
        rownums = list(range(start, start + n))
        records: list[dict[str, Any]] = [{"_row": r} for r in rownums]
        answer_cols: dict[str, list[Any]] = {}
        period_header: str | None = None
        for header in (h for h in frame.columns if h in inv):
            target = inv[header]
            col = frame[header]
            if target in recode:
                table = recode[target]

                def _recode(v: Any, t: dict[str, str] = table) -> Any:
                    return t.get(str(v).strip(), v) if not _is_blank(v) else v

                col = col.map(_recode)
            if target in META_TARGETS:
                for rec, v, row in zip(records, col.tolist(), rownums, strict=True):
                    rec[target] = self.meta(target, v, row, header)
                if target == "period":
                    period_header = header
                continue
            q, part = self.owner[target]
            if q.kind.vectorised and q.scale is not None:
                answer_cols[target] = self.numeric_column(q, part, col, rownums, header)
            else:
                answer_cols[target] = [
                    self.answer(q, part, v, row, header)
                    for v, row in zip(col.tolist(), rownums, strict=True)
                ]
        self.check_importance(answer_cols, rownums)
        self.check_parts(answer_cols, rownums)
        self.check_periods(records, period_header)
        keys = list(answer_cols)
        if keys:
            for rec, vals in zip(
                records, zip(*(answer_cols[k] for k in keys), strict=True), strict=True
            ):
                rec["answers"] = dict(zip(keys, vals, strict=True))
        else:
            for rec in records:
                rec["answers"] = {}
        return records

    def numeric_column(
        self, q: Question, part: str, col: pd.Series, rownums: list[int], header: str
    ) -> list[Any]:
        assert q.scale is not None  # caller checks
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        nan = np.isnan(num)
        blank = nan.copy()
        if col.dtype == object:  # a NaN is blank only if the cell really is empty
            idx = np.flatnonzero(nan)
            blank[idx] = [_is_blank(v) for v in col.iloc[idx].tolist()]
        with np.errstate(invalid="ignore"):
            ok = ~nan & (num >= q.scale[0]) & (num <= q.scale[1])
            if q.whole_numbers:
                ok &= num == np.floor(num)
            integral = bool(np.all(num[ok] == np.floor(num[ok])))
        good = np.where(ok, num, 0.0)
        typed = good.astype(np.int64) if integral else good
        obj = typed.astype(object)
        obj[~ok] = None
        values: list[Any] = obj.tolist()
        for i in np.flatnonzero(~ok & ~blank):
            # text labels (Kano), decimal commas, or a real problem: per-cell path
            values[i] = self.answer(q, part, col.iloc[i], rownums[i], header)
        return values

    def check_periods(self, records: list[dict[str, Any]], header: str | None) -> None:
        """Each given period must be a period of the survey's scheme and fit its submission time."""
        scheme = self.definition.periods
        for rec in records:
            given = rec.get("period")
            submitted = rec.get("submitted_at")
            local = submitted.astimezone(self.tz) if submitted is not None else None
            if given is None:
                rec["period"] = scheme.label_for(local) if local is not None else None
                continue
            try:
                rec["period"] = scheme.check(given, local)
            except CellError as exc:
                rec["period"] = None
                self.problem(exc.en, exc.zh, row=rec["_row"], column=header or "period",
                             value=given)  # fmt: skip

    def check_importance(self, answer_cols: dict[str, list[Any]], rownums: list[int]) -> None:
        for q in self.definition.by_type("importance"):
            cols = [answer_cols[c] for c in q.columns() if c in answer_cols]
            if not cols:
                continue
            arr = np.array(cols, dtype=np.float64)  # None -> nan
            given = ~np.isnan(arr)
            total = np.nansum(arr, axis=0)
            bad = given.any(axis=0) & (np.abs(total - 100) > 0.5)
            for i in np.flatnonzero(bad):
                t = _clean(float(total[i]))
                self.problem(
                    f"the points of `{q.code}` add up to {t}, not 100; "
                    "fix the row so they sum to 100.",
                    f"题目 `{q.code}` 的分数合计为 {t} 而不是 100；请修改使其合计为 100。",
                    row=rownums[i], column=q.code, value=t,
                )  # fmt: skip

    def check_parts(self, answer_cols: dict[str, list[Any]], rownums: list[int]) -> None:
        """Each question type's rule across the parts of one answer (a ranking's ranks)."""
        for q in self.definition.questions:
            rule = q.kind.check_parts
            if rule is None:
                continue
            prefix = len(q.code) + 1
            cols = {c[prefix:]: answer_cols[c] for c in q.columns() if c in answer_cols}
            if not cols:
                continue
            for i, rownum in enumerate(rownums):
                for err in rule(q, {part: vals[i] for part, vals in cols.items()}):
                    self.problem(err.en, err.zh, row=rownum, column=q.code, value=None)

    def meta(self, target: str, v: Any, row: int, header: str) -> Any:
        if target == "response_id":
            if _is_blank(v):
                self.problem(
                    "the response id is empty; every row needs a unique id.",
                    "答卷编号为空；每一行都需要唯一编号。",
                    row=row, column=header, value=v,
                )  # fmt: skip
                return None
            num = _num(v)
            rid = str(_clean(num)) if num is not None and not isinstance(v, str) else str(v).strip()
            if len(rid) > 100:
                self.problem(
                    "the response id is longer than 100 characters.",
                    "答卷编号超过 100 个字符。",
                    row=row,
                    column=header,
                    value=rid[:40],
                )
                return None
            if rid in self.seen_ids:
                self.problem(
                    "this response id appears more than once in the file; ids must be unique.",
                    "该答卷编号在文件中重复出现；编号必须唯一。",
                    row=row, column=header, value=rid,
                )  # fmt: skip
                return None
            self.seen_ids.add(rid)
            if self.on_duplicate == "error" and rid in self.existing:
                self.problem(
                    "this response id is already in the store for this survey. Import with "
                    "`on_duplicate` skip or replace, or give the row a new id.",
                    "该答卷编号已存在于本调查中。请用 `on_duplicate` skip 或 replace 导入，或改用新编号。",
                    row=row, column=header, value=rid,
                )  # fmt: skip
                return None
            return rid
        if _is_blank(v):
            return None
        if target == "submitted_at":
            try:
                when = parse_datetime(v, tz=self.tz, date_format=self.date_format)
                check_window(when, now=self.now)
            except CellError as exc:
                self.problem(exc.en, exc.zh, row=row, column=header, value=v)
                return None
            return when
        if target == "site":
            code = str(v).strip()
            if code not in self.sites:
                known = ", ".join(list(self.sites)[:15])
                self.problem(
                    f"site `{code}` is not in this workspace. Known site codes: {known}. Use a "
                    "known code, or map names with `values: {site: {...}}` in a mapping file.",
                    f"网点 `{code}` 不在本工作区。已有网点代码：{known}。请使用已有代码，或在映射文件中"
                    "用 `values: {site: {...}}` 映射名称。",
                    row=row, column=header, value=code,
                )  # fmt: skip
                return None
            return code
        if target == "channel":
            ch = str(v).strip().lower()
            if ch not in CHANNELS:
                self.problem(
                    f"unknown channel; use one of {', '.join(CHANNELS)} (or recode it in a "
                    "mapping file).",
                    f"未知渠道；可用 {'、'.join(CHANNELS)}（或在映射文件中转换）。",
                    row=row, column=header, value=v,
                )  # fmt: skip
                return None
            return ch
        return str(v).strip()[:64]

    def answer(self, q: Question, part: str, v: Any, row: int, header: str) -> Any:
        """One answer cell through its question type's reader (core.question_types)."""
        if _is_blank(v):
            return None
        try:
            return q.read(part, v)
        except CellError as exc:
            value = v if not isinstance(v, str) or len(v) <= 40 else v[:40] + "…"
            self.problem(exc.en, exc.zh, row=row, column=header, value=value)
            return None


@dataclass(frozen=True)
class CheckedRow:
    """One response read by the importer's rules: its meta columns (``response_id``,
    ``submitted_at``, ``site``, ``channel``, ``customer``, ``period``, as the import stores
    them), its answers keyed by canonical column names, and every problem found."""

    record: dict[str, Any]
    answers: dict[str, Any]
    problems: tuple[Problem, ...]


def check_row(
    definition: SurveyDefinition,
    row: Mapping[str, Any],
    *,
    meta: Mapping[str, Any] | None = None,
    sites: Mapping[str, int] | None = None,
    tz: dt.tzinfo = dt.UTC,
    now: dt.datetime | None = None,
    source: str = "row",
) -> CheckedRow:
    """Validate and normalise one response given as an import row (canonical column names):
    every cell through its question type's reader, importance points that must add up to
    100, the period against the submission time, known sites and channels — the rules of
    :func:`import_responses`, for a face that takes one response at a time (the web, the
    API). ``meta`` gives meta columns already known (a link's site, the submission time);
    they are taken as they are. A key that is neither a meta column nor an answer column of
    the survey is a problem. Problems name their column; their row and file mean nothing
    here and are left out."""
    owner = definition.column_owner()
    known_meta = dict(meta or {})
    cols = [str(k) for k in row]
    v = _Validator(
        definition,
        ColumnMapping(columns={c: c for c in cols}),
        source=source,
        sites=dict(sites or {}),
        tz=tz,
        existing=set(),
        on_duplicate="skip",  # a face finds duplicates by the store's unique key
        now=now,
    )
    problems: list[Problem] = []
    for k in cols:
        if k not in owner and k not in META_COLUMNS:
            problems.append(
                Problem(
                    f"`{k}` is not a column of survey `{definition.code}`; columns are the meta "
                    f"columns ({', '.join(META_COLUMNS)}) and the answer columns (such as "
                    f"{', '.join(list(owner)[:4])}).",
                    f"`{k}` 不是调查 `{definition.code}` 的列；可用的列为元数据列"
                    f"（{'、'.join(META_COLUMNS)}）和答案列（如 {'、'.join(list(owner)[:4])}）。",
                    column=k,
                    value=None,
                )
            )
    record: dict[str, Any] = {"_row": 1}
    for target in META_COLUMNS:
        if target in known_meta:
            record[target] = known_meta[target]
        elif target in row:
            record[target] = v.meta(target, row[target], 1, target)
    answer_cols: dict[str, list[Any]] = {}
    for col, value in row.items():
        if col not in owner:
            continue
        q, part = owner[col]
        if isinstance(value, bool | list | dict):
            v.problem("is not a single answer value.", "不是单个答案值。", row=1, column=col,
                      value=str(value)[:40])  # fmt: skip
            answer_cols[col] = [None]
            continue
        answer_cols[col] = [v.answer(q, part, value, 1, col)]
    v.check_importance(answer_cols, [1])
    v.check_parts(answer_cols, [1])
    v.check_periods([record], "period" if "period" in row else None)
    problems.extend(Problem(p.en, p.zh, column=p.column, value=p.value) for p in v.pc.problems)
    record.pop("_row", None)
    return CheckedRow(record, {k: vals[0] for k, vals in answer_cols.items()}, tuple(problems))


def _date_format(text: str | None, source: str) -> DateFormat | None:
    if text is None:
        return None
    try:
        return DateFormat.parse(text)
    except CellError as exc:
        raise UsageError(
            f"{source}, `date_format`: {exc.en}",
            f"{source}，`date_format`：{exc.zh}",
            fields=("date_format",),
        ) from None


def import_responses(
    store: Store,
    path: Path,
    *,
    workspace: str,
    survey: str,
    mapping_file: Path | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    channel: str = "import",
    on_duplicate: OnDuplicate = "error",
    progress: Progress | None = None,
    date_format: str | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Validate and import a whole file in one transaction (nothing written on any error).

    ``date_format`` declares how dates are written when they are not year first
    (``DD/MM/YYYY``); it overrides the mapping file's ``date_format``. ``now``
    (default: the current time) bounds submission times: none may lie more
    than a day after it.
    """
    table = open_table(
        path, encoding=encoding, sheet=sheet, max_bytes=store.settings.max_import_bytes
    )
    spec = read_mapping_file(mapping_file) if mapping_file is not None else None
    source = path.name
    with store.session() as session:
        ws = get_workspace(session, workspace)
        sv = latest_version(session, ws, survey)
        definition = definition_of(sv)
        mapping = build_mapping(table.columns, definition, spec, source=source)
        tzname = mapping.timezone or ws.timezone or "Asia/Shanghai"
        try:
            tz = zoneinfo.ZoneInfo(tzname)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InputError(
                f"Unknown time zone `{tzname}` in the mapping; use an IANA name such as "
                "Asia/Shanghai.",
                f"映射中的时区 `{tzname}` 无效；请使用 IANA 名称，如 Asia/Shanghai。",
            ) from None
        sites = dict(
            session.execute(select(Site.code, Site.id).where(Site.workspace_id == ws.id)).all()
        )
        customers = dict(
            session.execute(
                select(Customer.code, Customer.id).where(Customer.workspace_id == ws.id)
            ).all()
        )
        existing = set(
            session.scalars(select(Response.external_id).where(Response.survey_id == sv.survey_id))
        )
        n = _Counts()
        mapped = set(mapping.columns.values())
        absent = [q.code for q in definition.questions if not any(c in mapped for c in q.columns())]
        v = _Validator(
            definition,
            mapping,
            source=source,
            sites=sites,
            tz=tz,
            existing=existing,
            on_duplicate=on_duplicate,
            date_format=_date_format(date_format or mapping.date_format, source),
            now=now,
        )
        replaced_ids: list[str] = []
        for start, frame in table.chunks(progress):
            recs = v.rows(start, frame)
            n.rows_read += len(recs)
            if v.n_problems:
                continue  # keep validating to report every bad row; write nothing more
            batch: list[dict[str, Any]] = []
            for rec in recs:
                rid = rec.get("response_id")
                if rid is None:
                    continue
                if rid in existing:
                    if on_duplicate == "skip":
                        n.skipped += 1
                        continue
                    replaced_ids.append(rid)
                cust_code = rec.get("customer")
                cust_id = None
                if cust_code:
                    cust_id = customers.get(cust_code)
                    if cust_id is None:
                        c = Customer(workspace_id=ws.id, code=cust_code, attributes={})
                        session.add(c)
                        session.flush()
                        customers[cust_code] = cust_id = c.id
                        n.customers_created += 1
                submitted = rec.get("submitted_at")
                period = rec.get("period")
                batch.append(
                    {
                        "workspace_id": ws.id,
                        "survey_id": sv.survey_id,
                        "survey_version_id": sv.id,
                        "external_id": rid,
                        "site_id": sites.get(rec["site"]) if rec.get("site") else None,
                        "customer_id": cust_id,
                        "channel": rec.get("channel") or channel,
                        "period": period,
                        "submitted_at": submitted,
                        "answers": rec["answers"],
                    }
                )
            if v.n_problems:
                continue
            if replaced_ids:
                session.execute(
                    delete(Response).where(
                        Response.survey_id == sv.survey_id, Response.external_id.in_(replaced_ids)
                    )
                )
                n.replaced += len(replaced_ids)
                replaced_ids = []
            if batch:
                session.execute(insert(Response.__table__), batch)  # type: ignore[arg-type]
                n.inserted += len(batch)
        if n.rows_read == 0:
            raise InputError(
                f"File {source} has a header but no data rows; nothing was imported.",
                f"文件 {source} 只有表头没有数据行；未导入任何内容。",
                code="empty_file",
            )
        if v.n_problems:
            shown = len(v.pc)
            more = f" (first {shown} listed)" if shown < v.n_problems else ""
            more_zh = f"（列出前 {shown} 处）" if shown < v.n_problems else ""
            raise InputError(
                f"{source}: {v.n_problems} problem(s){more}; nothing was imported. Fix them and "
                "import again:",
                f"{source}：共 {v.n_problems} 处问题{more_zh}；未导入任何内容。请修正后重新导入：",
                code="invalid_rows",
                problems=sorted(v.pc.problems, key=lambda p: p.row or 0),  # stable: by row
                fields=("on_duplicate",),
            )
        report = ImportReport(
            file=str(path),
            survey=survey,
            version=sv.version,
            rows_read=n.rows_read,
            inserted=n.inserted - n.replaced,
            replaced=n.replaced,
            skipped=n.skipped,
            customers_created=n.customers_created,
            encoding=table.encoding,
            mapping=dict(mapping.columns),
            ignored_columns=tuple(mapping.ignored),
            unmapped_columns=tuple(mapping.unknown),
            questions_absent=tuple(absent),
        )
    from servgap.services.alerts import scan_after_import

    scan_after_import(store, workspace)  # alerts on the committed data; a failure is logged
    from servgap.services.dashboard import warm_after_import

    warm_after_import(store, workspace, survey)  # the dashboard's table snapshot, now
    return report


def responses_frame(
    session: Session,
    workspace_id: int,
    survey_id: int,
    definition: SurveyDefinition,
    *,
    after_id: int | None = None,
) -> pd.DataFrame:
    """All responses of a survey as the canonical wide table (meta columns first); with
    ``after_id`` only those stored after it (a cache that holds the others appends them)."""
    newer = Response.id > after_id if after_id is not None else true()
    rows = session.execute(
        select(
            Response.external_id,
            Response.submitted_at,
            Site.code,
            Response.channel,
            Customer.code,
            Response.period,
            Response.answers,
        )
        .outerjoin(Site, Site.id == Response.site_id)
        .outerjoin(Customer, Customer.id == Response.customer_id)
        .where(Response.workspace_id == workspace_id, Response.survey_id == survey_id, newer)
        .order_by(Response.id)
    ).all()
    meta = pd.DataFrame(
        [r[:6] for r in rows],
        columns=["response_id", "submitted_at", "site", "channel", "customer", "period"],
    )
    cols = list(definition.answer_columns())
    answers = pd.DataFrame.from_records([r[6] for r in rows], columns=cols)
    out = pd.concat([meta, answers], axis=1)
    if len(out):
        # values stored before imports checked dates (e.g. 9999-12-31) read as missing
        # instead of breaking every analysis of the survey
        out["submitted_at"] = pd.to_datetime(out["submitted_at"], utc=True, errors="coerce")
    return out


def load_responses(
    store: Store, *, workspace: str, survey: str, profiles: bool = True
) -> tuple[SurveyDefinition, pd.DataFrame]:
    """The survey's wide answer table; with ``profiles`` the answering customers' profile
    attributes (customer_type, age_group, imported profile columns …) are added as columns,
    so that every analysis can segment by them. Personal data are never added. A profile
    attribute with the name of a survey column is left out (the answer wins)."""
    with store.session() as session:
        ws = get_workspace(session, workspace)
        sv = latest_version(session, ws, survey)
        definition = definition_of(sv)
        frame = responses_frame(session, ws.id, sv.survey_id, definition)
        if profiles and len(frame) and frame["customer"].notna().any():
            frame = _with_profiles(session, ws.id, frame)
    return definition, frame


PROFILE_FIELDS = ("customer_type", "age_group", "gender", "city", "tenure_months",
                  "orders_per_month", "loyalty_intent")  # fmt: skip


def _with_profiles(session: Session, workspace_id: int, frame: pd.DataFrame) -> pd.DataFrame:
    rows = session.execute(
        select(
            Customer.code, *(getattr(Customer, k) for k in PROFILE_FIELDS), Customer.attributes
        ).where(Customer.workspace_id == workspace_id)
    ).all()
    recs = []
    for row in rows:
        rec: dict[str, Any] = {"customer": row[0]}
        rec.update(zip(PROFILE_FIELDS, row[1:-1], strict=True))
        rec.update({k: v for k, v in (row[-1] or {}).items() if k != "personal"})
        recs.append(rec)
    prof = pd.DataFrame(recs)
    if prof.empty:
        return frame
    keep = ["customer"] + [c for c in prof.columns
                           if c not in frame.columns and prof[c].notna().any()]  # fmt: skip
    if len(keep) == 1:
        return frame
    return frame.merge(prof[keep], on="customer", how="left", validate="many_to_one")
