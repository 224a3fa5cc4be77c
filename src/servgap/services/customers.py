"""Customers of a workspace: import a customer list with profiles, and read profiles back.

A customer list has a ``customer`` column (the code that survey answers,
complaints and cases use) and any profile columns. Known columns are typed:
``customer_type``, ``age_group``, ``gender``, ``city``, ``tenure_months``,
``orders_per_month``, ``loyalty_intent`` (these also feed the tolerance score).
Any other column is kept as a profile attribute and can be used as a segment
(``--by``) in every analysis.

Personal data: ``name``, ``phone``, ``email``, ``address`` and ``id_number``
(recognised by these names and by Chinese headers such as 姓名, 手机, 邮箱, 地址,
身份证号) and any column declared personal are stored apart
(``attributes["personal"]``) and masked in every export and report unless the
user asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, UsageError
from servgap.services.context import Store, get_workspace
from servgap.services.tableio import Field, TableSpec, normalise, open_reader
from servgap.services.tabular import Progress
from servgap.store.models import Customer

OnDuplicate = Literal["replace", "skip", "error"]
TYPED = (
    "customer_type",
    "age_group",
    "gender",
    "city",
    "tenure_months",
    "orders_per_month",
    "loyalty_intent",
)
PERSONAL_TYPED = ("name", "phone", "email")
PERSONAL_EXTRA = ("address", "id_number")
MAX_ATTRIBUTES = 100

CUSTOMER_SPEC = TableSpec(
    "customer list",
    "客户清单",
    (
        Field(
            "customer",
            "code",
            True,
            ("客户", "客户编号", "客户代码", "会员号", "customer_id", "customer_code"),
        ),
        Field("name", "text", False, ("姓名", "客户姓名", "联系人", "full_name")),
        Field(
            "phone",
            "text",
            False,
            ("手机", "手机号", "电话", "联系电话", "mobile", "tel"),
            max_len=40,
        ),
        Field("email", "text", False, ("邮箱", "电子邮件", "e-mail", "mail")),
        Field("address", "text", False, ("地址", "收货地址", "住址")),
        Field("id_number", "text", False, ("身份证", "身份证号", "证件号", "证件号码", "id_card")),
        Field("customer_type", "text", False, ("客户类型", "类型", "segment"), max_len=40),
        Field("age_group", "text", False, ("年龄段", "年龄组", "age"), max_len=20),
        Field("gender", "text", False, ("性别", "sex"), max_len=20),
        Field("city", "text", False, ("城市",), max_len=100),
        Field(
            "tenure_months",
            "float",
            False,
            ("客龄", "客龄月", "tenure", "会员月数"),
            min=0,
            max=1200,
        ),
        Field(
            "orders_per_month",
            "float",
            False,
            ("月均订单", "月订单数", "orders"),
            min=0,
            max=100_000,
        ),
        Field("loyalty_intent", "float", False, ("忠诚意向", "loyalty"), min=0, max=10),
    ),
    extra=True,
)


@dataclass(frozen=True)
class CustomerImportReport(ResultMixin):
    file: str
    rows_read: int
    created: int
    replaced: int
    skipped: int
    profile_columns: tuple[str, ...]
    personal_columns: tuple[str, ...]


def import_customers(
    store: Store,
    path: Path,
    *,
    workspace: str,
    personal: tuple[str, ...] = (),
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
    on_duplicate: OnDuplicate = "replace",
    progress: Progress | None = None,
) -> CustomerImportReport:
    """Import a customer list in one transaction (nothing written if any row is wrong).

    ``personal`` names further columns that hold personal data (masked on export).
    """
    with store.session() as session:
        ws = get_workspace(session, workspace)
        reader = open_reader(
            path,
            CUSTOMER_SPEC,
            workspace_tz=ws.timezone,
            encoding=encoding,
            sheet=sheet,
            mapping_file=mapping_file,
            max_bytes=store.settings.max_import_bytes,
        )
        headers = set(reader.table.columns)
        unknown = [p for p in personal if p not in headers]
        if unknown:
            raise UsageError(
                f"The personal columns (`personal`) {', '.join(unknown)} are not in "
                f"{path.name}'s header ({', '.join(reader.table.columns)}).",
                f"个人信息列（`personal`）{'、'.join(unknown)} 不在文件 {path.name} 的表头中"
                f"（{'、'.join(reader.table.columns)}）。",
                fields=("personal",),
            )
        declared = {normalise(p) for p in personal}
        extra_personal = [h for h in reader.extra_columns if normalise(h) in declared]
        profile = [h for h in reader.extra_columns if h not in extra_personal]
        if len(profile) > MAX_ATTRIBUTES:
            raise InputError(
                f"{path.name} has {len(profile)} profile columns; at most {MAX_ATTRIBUTES} are kept. "
                "Drop the ones you do not analyse.",
                f"{path.name} 有 {len(profile)} 个画像列，最多保留 {MAX_ATTRIBUTES} 个。请删去不分析的列。",
                code="too_many_columns",
            )
        existing = {
            c.code: c
            for c in session.scalars(select(Customer).where(Customer.workspace_id == ws.id))
        }
        seen: dict[str, int] = {}
        created = replaced = skipped = rows = 0
        for chunk in reader.records(progress):
            for r in chunk:
                rows += 1
                code = r.get("customer")
                if code is None:
                    continue
                if code in seen:
                    reader.problem(
                        f"customer `{code}` is listed twice (rows {seen[code]} and {r['_row']}).",
                        f"客户 `{code}` 出现两次（第 {seen[code]} 行和第 {r['_row']} 行）。",
                        row=r["_row"],
                        column="customer",
                        value=code,
                    )
                    continue
                seen[code] = r["_row"]
                if reader.n_problems:
                    continue
                attrs: dict[str, Any] = {
                    h: _plain(v) for h, v in r["_extra"].items() if h in profile and v is not None
                }
                secret = {k: r[k] for k in PERSONAL_EXTRA if r.get(k) is not None}
                secret |= {
                    h: _plain(v)
                    for h, v in r["_extra"].items()
                    if h in extra_personal and v is not None
                }
                if secret:
                    attrs["personal"] = secret
                values = {k: r.get(k) for k in (*PERSONAL_TYPED, *TYPED)}
                cust = existing.get(code)
                if cust is None:
                    cust = Customer(workspace_id=ws.id, code=code, attributes=attrs, **values)
                    session.add(cust)
                    existing[code] = cust
                    created += 1
                elif on_duplicate == "error":
                    reader.problem(
                        f"customer `{code}` is already in the workspace; import with "
                        "`on_duplicate` replace or skip.",
                        f"客户 `{code}` 已在工作区中；请用 `on_duplicate` replace 或 skip 导入。",
                        row=r["_row"],
                        column="customer",
                        value=code,
                    )
                elif on_duplicate == "skip":
                    skipped += 1
                else:
                    for k, v in values.items():
                        setattr(cust, k, v)
                    cust.attributes = attrs
                    replaced += 1
        reader.raise_if_problems()
        if rows == 0:
            raise InputError(
                f"{path.name} has a header but no rows; nothing was imported.",
                f"{path.name} 只有表头没有数据行；未导入任何内容。",
                code="empty_file",
            )
        return CustomerImportReport(
            str(path),
            rows,
            created,
            replaced,
            skipped,
            tuple(profile),
            tuple(
                [k for k in (*PERSONAL_TYPED, *PERSONAL_EXTRA) if k in reader.columns.values()]
                + extra_personal
            ),
        )


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, str | int | float | bool):
        return v
    return str(v)


def customer_profiles(store: Store, *, workspace: str) -> pd.DataFrame:
    """Profile of every customer (no personal data): ``customer`` and one column per attribute."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(
                Customer.code, *(getattr(Customer, k) for k in TYPED), Customer.attributes
            ).where(Customer.workspace_id == ws.id)
        ).all()
    out = []
    for row in rows:
        rec: dict[str, Any] = {"customer": row[0]}
        rec.update({k: v for k, v in zip(TYPED, row[1:-1], strict=True)})
        rec.update({k: v for k, v in (row[-1] or {}).items() if k != "personal"})
        out.append(rec)
    return pd.DataFrame(out)
