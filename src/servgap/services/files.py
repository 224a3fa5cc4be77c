"""The one writer of files: tables (CSV, Excel, Parquet), text and bytes.

Every command and page that writes a file goes through :func:`write_table`,
:func:`write_text` or :func:`write_bytes`, so these rules hold everywhere:

* **Nothing is clobbered that must not be.** The target must be a regular
  file or not exist. The store's database and its ``-wal``/``-shm``/``-journal``
  files, any SQLite database, a device, a FIFO, a socket, a folder, and a
  symbolic link that points outside the folder it lies in are refused; an
  existing file is replaced only with ``force=True`` (the error says what
  exists and how to overwrite).
* **Atomic.** The data are written to a temporary file in the target's folder,
  flushed to disk, and moved into place in one step (``link`` without
  ``force``, so a file created meanwhile is not overwritten; ``replace`` with
  it). A failure leaves no half-written file.
* **Private by default for personal data.** Files that hold customer text or
  profiles are created with mode 0600; other files follow the user's umask.
* **Spreadsheets cannot run what customers typed.** Text cells are written
  inert: in CSV a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets
  an apostrophe (OWASP *CSV Injection*; :func:`servgap.core.parse.restore_cell`
  undoes it on import); in .xlsx text is written as a string cell, never as a
  formula.

Written by hand because no library combines the no-clobber and
refuse-special-files rules with atomic replacement; ``atomicwrites`` (the usual
choice) is unmaintained and does not check what it replaces.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from servgap.core.errors import InputError, UsageError
from servgap.core.parse import neutralize_cell

Format = Literal["csv", "xlsx", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet")
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
_SQLITE_MAGIC = b"SQLite format 3\x00"
_STORE_SUFFIXES = ("-wal", "-shm", "-journal")

_umask = os.umask(0)
os.umask(_umask)
PUBLIC_MODE = 0o666 & ~_umask
PRIVATE_MODE = 0o600


def _refuse(
    path: Path, en: str, zh: str, *, code: str = "unsafe_target", fields: tuple[str, ...] = ()
) -> InputError:
    return InputError(f"Output {path}: {en}", f"输出文件 {path}：{zh}", code=code, fields=fields)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def _store_companion(path: Path) -> bool:
    """``x.sqlite-wal`` and friends of an SQLite database ``x.sqlite``."""
    name = path.name
    for suffix in _STORE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            main = path.with_name(name[: -len(suffix)])
            if main.exists() and _is_sqlite(main):
                return True
    return False


def check_target(path: Path, *, force: bool = False, protected: Iterable[Path] = ()) -> Path:
    """Return the real path to write, or raise :class:`InputError` saying why not."""
    path = Path(os.path.expanduser(str(path)))
    real = path
    if path.is_symlink():
        folder = path.absolute().parent.resolve()
        real = path.resolve()
        if folder not in (real.parent, *real.parents):
            raise _refuse(
                path,
                f"is a symbolic link to {real}, outside the folder {folder}. Write to a "
                "plain file name instead.",
                f"是指向 {folder} 之外 {real} 的符号链接。请改用普通文件名。",
            )
    resolved = real.absolute().resolve()
    for p in protected:
        pr = Path(p).absolute().resolve()
        if resolved == pr or resolved in {pr.with_name(pr.name + s) for s in _STORE_SUFFIXES}:
            raise _refuse(
                path,
                "is servgap's own database; exporting over it would destroy the store. Choose "
                "another file name.",
                "是 servgap 自身的数据库；覆盖它会毁掉整个数据存储。请换一个文件名。",
            )
    try:
        st = os.stat(real)
    except FileNotFoundError:
        if not real.parent.exists():
            return real  # the folder is created by the writer
        return real
    except OSError as exc:
        raise _refuse(
            path, f"cannot be checked ({exc.strerror}).", f"无法检查（{exc.strerror}）。"
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise _refuse(
            path,
            "is a folder. Give a file name inside it, e.g. " + str(path / "export.csv") + ".",
            "是文件夹。请给出其中的文件名，如 " + str(path / "export.csv") + "。",
        )
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(
            path,
            "is a device, pipe or socket, not a regular file. Write to a file name instead.",
            "是设备、管道或套接字，而不是普通文件。请改写到普通文件。",
        )
    if _is_sqlite(real) or _store_companion(real):
        raise _refuse(
            path,
            "is a database (or its journal); servgap never writes an export over a database. "
            "Choose another file name.",
            "是数据库（或其日志文件）；servgap 不会用导出文件覆盖数据库。请换一个文件名。",
        )
    if not force:
        when = dt.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M")
        raise _refuse(
            path,
            f"already exists ({st.st_size:,} bytes, modified {when}). Choose another name, or "
            "overwrite it with `force`.",
            f"已存在（{st.st_size:,} 字节，修改于 {when}）。请换一个文件名，或用 `force` 覆盖。",
            code="file_exists",
            fields=("force",),
        )
    return real


def _atomic(
    path: Path,
    fill: Callable[[Path], None],
    *,
    personal: bool,
    force: bool,
    protected: Iterable[Path],
) -> Path:
    target = check_target(path, force=force, protected=protected)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refuse(
            path,
            f"its folder cannot be created ({exc.strerror}).",
            f"无法创建其文件夹（{exc.strerror}）。",
        ) from None
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    except OSError as exc:
        raise _refuse(
            path, f"cannot be written ({exc.strerror}).", f"无法写入（{exc.strerror}）。"
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, PRIVATE_MODE if personal else PUBLIC_MODE)
        fill(tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the name appeared meanwhile: never clobber
            except FileExistsError:
                check_target(path, force=False, protected=protected)  # raises "already exists"
                raise
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                if target.exists():
                    check_target(path, force=False, protected=protected)
                os.replace(tmp, target)  # file systems without hard links
        if personal:
            os.chmod(target, PRIVATE_MODE)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise _refuse(
            path,
            f"could not be written ({exc.strerror or exc}).",
            f"写入失败（{exc.strerror or exc}）。",
        ) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(
    path: Path,
    text: str,
    *,
    personal: bool = False,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> Path:
    """Write UTF-8 text atomically under the rules of this module."""

    def fill(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return _atomic(path, fill, personal=personal, force=force, protected=protected)


def write_bytes(
    path: Path,
    data: bytes | Callable[[Path], None],
    *,
    personal: bool = False,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> Path:
    """Write bytes (or let ``data(tmp_path)`` fill the file) atomically."""
    if callable(data):
        return _atomic(path, data, personal=personal, force=force, protected=protected)
    blob = data

    def fill(tmp: Path) -> None:
        tmp.write_bytes(blob)

    return _atomic(path, fill, personal=personal, force=force, protected=protected)


def infer_format(path: Path, fmt: str | None) -> Format:
    """The table format from ``fmt`` or the file name; a contradiction between them is refused."""
    suffix = path.suffix.lower().lstrip(".")
    if fmt is not None:
        chosen = fmt.lower()
        if chosen not in FORMATS:
            raise UsageError(
                f"Unknown format `{fmt}`; use csv, xlsx or parquet.",
                f"未知格式 `{fmt}`；可用 csv、xlsx 或 parquet。",
            )
        if suffix in FORMATS and suffix != chosen:
            raise UsageError(
                f"The file name {path.name} says .{suffix} but the format asked for (`format`) "
                f"is {chosen}; name the file {path.with_suffix('.' + chosen).name} or leave the "
                "format out.",
                f"文件名 {path.name} 表示 .{suffix}，但要求的格式（`format`）是 {chosen}；请把文件命名为 "
                f"{path.with_suffix('.' + chosen).name}，或不指定格式。",
                fields=("format",),
            )
        return chosen  # type: ignore[return-value]
    if suffix in FORMATS:
        return suffix  # type: ignore[return-value]
    raise UsageError(
        f"Cannot tell the file format from `{path.name}`; use a .csv, .xlsx or .parquet name "
        "or give the format (`format`).",
        f"无法从 `{path.name}` 判断文件格式；请使用 .csv、.xlsx 或 .parquet 扩展名，或指定格式（`format`）。",
        fields=("format",),
    )


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])
    ]


def _plain_times(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        # CSV and Excel have no time zones: write ISO-8601 text with the offset
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].map(lambda t: t.isoformat() if pd.notna(t) else "")
    return out


def _csv(frame: pd.DataFrame, tmp: Path) -> None:
    out = _plain_times(frame)
    for col in _text_columns(out):
        out[col] = out[col].map(lambda v: neutralize_cell(v) if isinstance(v, str) else v)
    out.to_csv(tmp, index=False, encoding="utf-8-sig")  # BOM: Excel opens Chinese right


def _xlsx(frame: pd.DataFrame, tmp: Path, sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font, PatternFill

    out = _plain_times(frame)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31] or "Sheet1")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE4EE")

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"  # a string, never a formula, whatever it starts with
        return cell

    header = []
    for c in out.columns:
        cell = text_cell(str(c))
        cell.font = bold
        cell.fill = fill
        header.append(cell)
    ws.append(header)
    for row in out.itertuples(index=False, name=None):
        cells: list[object] = []
        for v in row:
            if isinstance(v, str):
                cells.append(text_cell(v))
            elif v is None or (isinstance(v, float) and not np.isfinite(v)):
                cells.append(None)
            elif isinstance(v, np.generic):
                cells.append(v.item())
            elif v is pd.NaT:
                cells.append(None)
            else:
                cells.append(v)
        ws.append(cells)
    wb.save(tmp)


def table_bytes(frame: pd.DataFrame, fmt: Literal["csv", "xlsx"], *, sheet: str = "data") -> bytes:
    """``frame`` as the bytes of a CSV (UTF-8 with BOM) or .xlsx file under this module's
    cell rules (inert formulas, text cells as strings), for a download that is not written
    to disk here."""
    if fmt == "xlsx" and len(frame) > XLSX_MAX_ROWS:
        raise InputError(
            f"{len(frame):,} rows do not fit in one Excel sheet ({XLSX_MAX_ROWS:,} at most); "
            "download CSV instead.",
            f"{len(frame):,} 行超出 Excel 单个工作表上限（最多 {XLSX_MAX_ROWS:,} 行）；请下载 CSV。",
            code="too_large",
        )
    with tempfile.TemporaryDirectory(prefix="servgap-") as folder:
        tmp = Path(folder) / f"table.{fmt}"
        if fmt == "csv":
            _csv(frame, tmp)
        else:
            _xlsx(frame, tmp, sheet)
        return tmp.read_bytes()


def write_table(
    frame: pd.DataFrame,
    path: Path,
    *,
    fmt: str | None = None,
    personal: bool = False,
    force: bool = False,
    protected: Iterable[Path] = (),
    sheet: str = "data",
) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM), .xlsx or Parquet under this module's rules."""
    chosen = infer_format(path, fmt)
    if chosen == "xlsx" and len(frame) > XLSX_MAX_ROWS:
        raise InputError(
            f"{len(frame):,} rows do not fit in one Excel sheet ({XLSX_MAX_ROWS:,} at most); "
            "export CSV or Parquet instead.",
            f"{len(frame):,} 行超出 Excel 单个工作表上限（最多 {XLSX_MAX_ROWS:,} 行）；请导出为 CSV 或 Parquet。",
            code="too_large",
        )
    if chosen == "csv":
        return _atomic(path, lambda tmp: _csv(frame, tmp), personal=personal, force=force,
                       protected=protected)  # fmt: skip
    if chosen == "xlsx":
        return _atomic(path, lambda tmp: _xlsx(frame, tmp, sheet), personal=personal,
                       force=force, protected=protected)  # fmt: skip
    return _atomic(
        path,
        lambda tmp: frame.to_parquet(tmp, index=False),
        personal=personal,
        force=force,
        protected=protected,
    )
