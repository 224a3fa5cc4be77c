"""Column mapping from a file's headers to the canonical wide response columns.

A mapping is a YAML file::

    columns:            # file header -> canonical column
      序号: response_id
      提交答卷时间: submitted_at
      "Q1 最低可接受": rel1_adequate
    ignore: [IP地址, 来源, 所用时间]
    values:             # optional recoding of cell values, per canonical column
      channel: {网页: web, 电话访问: phone}
    timezone: Asia/Shanghai   # for timestamps without an offset
    date_format: DD/MM/YYYY   # needed when dates are not year first (01/02/2026)

Without a mapping file, headers are matched to canonical names when the match
is unambiguous: case, spaces, dots and hyphens are ignored (``REL1.Adequate``
→ ``rel1_adequate``), and the meta columns accept the names common Chinese
survey platforms and LimeSurvey export (序号, 提交答卷时间, submitdate ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from servgap.core.errors import InputError, Problem, SpecError
from servgap.core.survey import META_COLUMNS, SurveyDefinition

META_ALIASES: dict[str, tuple[str, ...]] = {
    "response_id": ("id", "序号", "编号", "答卷编号", "respondent_id", "responseid", "response"),
    "submitted_at": (
        "提交答卷时间",
        "提交时间",
        "submitdate",
        "timestamp",
        "完成时间",
        "datestamp",
    ),
    "site": ("网点", "门店", "站点", "outlet", "store", "site_code"),
    "channel": ("渠道", "来源渠道", "调查渠道"),
    "customer": ("客户编号", "customer_id", "客户", "customer_code"),
    "period": ("期间", "周期", "wave", "季度"),
}


def normalise(name: str) -> str:
    return re.sub(r"[\s.\-/]+", "_", name.strip().lower()).strip("_")


@dataclass
class ColumnMapping:
    columns: dict[str, str]  # file header -> canonical
    ignored: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    timezone: str | None = None
    date_format: str | None = None


def read_mapping_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputError(
            f"Mapping file {path} does not exist.", f"映射文件 {path} 不存在。", code="invalid_file"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Mapping file {path} is not valid UTF-8 YAML: {exc}",
            f"映射文件 {path} 不是合法的 UTF-8 YAML：{exc}",
            code="invalid_file",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
        raise SpecError(
            f"Mapping file {path} must be a mapping with a `columns:` section (file header: "
            "canonical column).",
            f"映射文件 {path} 必须包含 `columns:` 部分（文件列名: 标准列名）。",
        )
    return data


def build_mapping(
    headers: Iterable[str],
    definition: SurveyDefinition,
    spec: dict[str, Any] | None = None,
    *,
    source: str | None = None,
) -> ColumnMapping:
    headers = list(headers)
    canonical = list(META_COLUMNS) + list(definition.answer_columns())
    canon_set = set(canonical)
    explicit: dict[str, str] = {}
    ignored: list[str] = []
    values: dict[str, dict[str, str]] = {}
    timezone = None
    date_format: str | None = None
    problems: list[Problem] = []
    if spec:
        for k, v in (spec.get("columns") or {}).items():
            if v in (None, "ignore", ""):
                ignored.append(str(k))
                continue
            if str(v) not in canon_set:
                problems.append(
                    Problem(
                        f"maps to `{v}`, which is not a column of survey `{definition.code}`.",
                        f"映射到 `{v}`，但它不是调查 `{definition.code}` 的列。",
                        file=source,
                        column=str(k),
                        value=v,
                    )
                )
                continue
            if str(k) not in headers:
                problems.append(
                    Problem(
                        "is named in the mapping but is not in the file's header.",
                        "在映射中出现，但文件表头中没有这一列。",
                        file=source,
                        column=str(k),
                    )
                )
                continue
            explicit[str(k)] = str(v)
        ignored.extend(str(x) for x in (spec.get("ignore") or []))
        values = {
            str(k): {str(a): str(b) for a, b in (v or {}).items()}
            for k, v in (spec.get("values") or {}).items()
        }
        timezone = spec.get("timezone")
        if spec.get("date_format") is not None:
            date_format = str(spec["date_format"])
    norm_canon = {normalise(c): c for c in canonical}
    for meta, aliases in META_ALIASES.items():
        for a in aliases:
            norm_canon.setdefault(normalise(a), meta)
    mapping: dict[str, str] = dict(explicit)
    unknown: list[str] = []
    for h in headers:
        if h in mapping or h in ignored:
            continue
        target = norm_canon.get(normalise(h))
        if target is None:
            unknown.append(h)
            continue
        mapping[h] = target
    # one canonical column must come from exactly one file column
    by_target: dict[str, list[str]] = {}
    for h, t in mapping.items():
        by_target.setdefault(t, []).append(h)
    for t, hs in by_target.items():
        if len(hs) > 1:
            problems.append(
                Problem(
                    f"columns {', '.join(repr(h) for h in hs)} all map to `{t}`; keep one or map "
                    "the others explicitly in a mapping file (or `ignore:` them).",
                    f"列 {'、'.join(hs)} 都对应 `{t}`；请只保留一列，或在映射文件中明确映射/忽略其余列。",
                    file=source,
                    column=t,
                )
            )
    # unknown columns that look like answers to a question are an error (likely a typo)
    codes = sorted((q.code for q in definition.questions), key=len, reverse=True)
    for h in unknown:
        n = normalise(h)
        for code in codes:
            if n.startswith(code + "_"):
                expected = [c for c in definition.question(code).columns()]
                problems.append(
                    Problem(
                        f"looks like an answer to question `{code}` but is not one of its "
                        f"columns ({', '.join(expected)}). Rename it, map it in a mapping file, "
                        "or list it under `ignore:`.",
                        f"看起来是题目 `{code}` 的答案列，但不在其列名中（{'、'.join(expected)}）。"
                        "请改名、在映射文件中映射，或列入 `ignore:`。",
                        file=source,
                        column=h,
                    )
                )
                break
    targets = set(mapping.values())
    if "response_id" not in targets:
        problems.append(
            Problem(
                "no column holds the response id. Add a `response_id` column (or 序号/编号) or "
                "map one in a mapping file.",
                "没有答卷编号列。请添加 `response_id` 列（或 序号/编号），或在映射文件中指定。",
                file=source,
                column="response_id",
            )
        )
    for q in definition.questions:
        cols = q.columns()
        present = [c for c in cols if c in targets]
        # a question answered in several columns (three-column, Kano pair) comes whole;
        # option columns (importance points, multiple choice) may be left out individually
        whole = len(cols) > 1 and not q.kind.options_are_columns
        if whole and present and len(present) < len(cols):
            missing = [c for c in cols if c not in targets]
            problems.append(
                Problem(
                    f"question `{q.code}` is only partly in the file: missing "
                    f"{', '.join(missing)}. Add the missing column(s) or remove the others.",
                    f"题目 `{q.code}` 在文件中不完整：缺少 {'、'.join(missing)}。请补齐或删除其余列。",
                    file=source,
                    column=q.code,
                )
            )
    if not any(t not in META_COLUMNS for t in targets):
        problems.append(
            Problem(
                f"no column matches a question of survey `{definition.code}` (expected names "
                f"such as {', '.join(definition.answer_columns()[:4])}). Write a mapping file "
                "and give it as `mapping`.",
                f"没有任何列与调查 `{definition.code}` 的题目对应（应为 "
                f"{'、'.join(definition.answer_columns()[:4])} 等）。请编写映射文件并用 `mapping` 指定。",
                file=source,
            )
        )
    if problems:
        raise InputError(
            f"The columns of {source or 'the file'} do not fit survey `{definition.code}` "
            f"({len(problems)} problem(s)):",
            f"{source or '文件'}的列与调查 `{definition.code}` 不匹配（{len(problems)} 处问题）：",
            code="invalid_columns",
            problems=problems,
            fields=("mapping",),
        )
    return ColumnMapping(mapping, ignored, unknown, values, timezone, date_format)
