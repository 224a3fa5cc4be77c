"""Survey definitions in the store: load YAML, version, look up."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core.errors import InputError, NotFoundError
from servgap.core.survey import SurveyDefinition, definition_checksum, parse_survey
from servgap.store.models import Question, Survey, SurveyVersion, Workspace

TEMPLATE_PACKAGE = "servgap"
TEMPLATE_DIR = "data/templates"


def template_names() -> list[str]:
    base = resources.files(TEMPLATE_PACKAGE).joinpath(TEMPLATE_DIR)
    return sorted(p.name[:-5] for p in base.iterdir() if p.name.endswith(".yaml"))


def read_template(name: str) -> dict[str, Any]:
    base = resources.files(TEMPLATE_PACKAGE).joinpath(TEMPLATE_DIR)
    path = base.joinpath(f"{name}.yaml")
    if not path.is_file():
        raise NotFoundError(
            f"No built-in survey template `{name}`. Templates: {', '.join(template_names())}.",
            f"没有内置调查模板 `{name}`。可用模板：{'、'.join(template_names())}。",
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InputError(f"Template {name} is not a mapping.", f"模板 {name} 不是映射。")
    return data


def read_definition_file(path: Path) -> dict[str, Any]:
    """Read a survey YAML file with clear errors for missing files and YAML syntax."""
    if not path.exists():
        raise NotFoundError(
            f"File {path} does not exist. Give the path of a survey YAML file, or a built-in "
            f"template name: {', '.join(template_names())}.",
            f"文件 {path} 不存在。请给出调查 YAML 文件路径，或内置模板名：{'、'.join(template_names())}。",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"File {path} is not UTF-8 text (byte {exc.start}). Save the YAML as UTF-8.",
            f"文件 {path} 不是 UTF-8 文本（第 {exc.start} 字节）。请以 UTF-8 保存 YAML。",
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        where_zh = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""
        raise InputError(
            f"File {path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}. Quote texts "
            "that contain `: `, `?` or `#`.",
            f"文件 {path} 不是合法的 YAML{where_zh}：{getattr(exc, 'problem', exc)}。"
            "含有 `: `、`?` 或 `#` 的文字请加引号。",
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            f"File {path} must contain a survey definition (a mapping with code, title, "
            "questions).",
            f"文件 {path} 应包含调查定义（含 code、title、questions 的映射）。",
        )
    return data


def save_definition(
    session: Session, workspace: Workspace, raw: dict[str, Any], *, source: str | None = None
) -> tuple[SurveyVersion, bool]:
    """Store a definition; returns (version row, created?).

    The same content as the latest version is a no-op; changed content becomes
    the next version (versions are immutable, so responses keep their meaning).
    """
    definition = parse_survey(raw, source=source)
    checksum = definition_checksum(raw)
    survey = session.scalar(
        select(Survey).where(Survey.workspace_id == workspace.id, Survey.code == definition.code)
    )
    if survey is None:
        survey = Survey(
            workspace_id=workspace.id,
            code=definition.code,
            title_zh=definition.title.zh,
            title_en=definition.title.en,
        )
        session.add(survey)
        session.flush()
    latest = session.scalar(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.version.desc())
        .limit(1)
    )
    if latest is not None and latest.checksum == checksum:
        return latest, False
    next_version = (latest.version + 1) if latest is not None else 1
    survey.title_zh, survey.title_en = definition.title.zh, definition.title.en
    stored = dict(raw)
    stored["version"] = next_version
    sv = SurveyVersion(
        survey_id=survey.id, version=next_version, checksum=checksum, definition=stored
    )
    session.add(sv)
    session.flush()
    for pos, q in enumerate(definition.questions):
        session.add(
            Question(
                survey_version_id=sv.id,
                position=pos,
                code=q.code,
                type=q.type,
                dimension=q.dimension,
                layer=q.layer,
                competitor=q.competitor,
                text_zh=q.text.zh,
                text_en=q.text.en,
                scale_min=q.scale[0] if q.scale else None,
                scale_max=q.scale[1] if q.scale else None,
                unit=q.unit,
                direction=q.direction,
                options={"options": list(q.options)} if q.options else {},
            )
        )
    session.flush()
    return sv, True


def latest_version(session: Session, workspace: Workspace, code: str) -> SurveyVersion:
    survey = session.scalar(
        select(Survey).where(Survey.workspace_id == workspace.id, Survey.code == code)
    )
    if survey is None:
        known = session.scalars(
            select(Survey.code).where(Survey.workspace_id == workspace.id).order_by(Survey.code)
        ).all()
        raise NotFoundError(
            f"Survey `{code}` is not in workspace `{workspace.code}`. Surveys there: "
            f"{', '.join(known) or '(none)'}. Load one with `servgap survey load FILE`.",
            f"工作区 `{workspace.code}` 中没有调查 `{code}`。现有调查：{'、'.join(known) or '（无）'}。"
            "可用 `servgap survey load FILE` 加载。",
        )
    sv = session.scalar(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.version.desc())
        .limit(1)
    )
    if sv is None:  # a survey row is always created with a version
        raise NotFoundError(f"Survey `{code}` has no version.", f"调查 `{code}` 没有版本。")
    return sv


def definition_of(sv: SurveyVersion) -> SurveyDefinition:
    return parse_survey(sv.definition)


def list_surveys(session: Session, workspace: Workspace) -> list[dict[str, Any]]:
    from servgap.store.models import Response

    rows = session.execute(
        select(
            Survey.code,
            Survey.title_zh,
            Survey.title_en,
            func.max(SurveyVersion.version),
        )
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
        .where(Survey.workspace_id == workspace.id)
        .group_by(Survey.id)
        .order_by(Survey.code)
    ).all()
    counts = dict(
        session.execute(
            select(Survey.code, func.count(Response.id))
            .join(Response, Response.survey_id == Survey.id)
            .where(Survey.workspace_id == workspace.id)
            .group_by(Survey.code)
        ).all()
    )
    return [
        {
            "survey": code,
            "title_zh": tzh,
            "title_en": ten,
            "version": ver,
            "responses": int(counts.get(code, 0)),
        }
        for code, tzh, ten, ver in rows
    ]
