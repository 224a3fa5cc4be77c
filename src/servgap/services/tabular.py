"""Read survey-data files (CSV, Excel .xlsx, SPSS .sav) in bounded memory.

Chinese survey platforms and consultants export CSV in GBK/GB18030 or in UTF-8
with a byte-order mark, Excel workbooks and SPSS files. :func:`open_table`
detects the format and encoding, reads the header itself (so duplicated
column names are caught before pandas renames them), and yields chunks of
rows as string/object DataFrames together with the 1-based data-row number
of each chunk's first row, so errors can name the row a user sees in Excel
(header = row 1, first data row = row 2).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from servgap.core.errors import InputError, Problem
from servgap.core.parse import restore_cell

CHUNK_ROWS = 20_000
SNIFF_BYTES = 4 * 1024 * 1024
Progress = Callable[[int, int], None]  # (done, total) in bytes or rows


@dataclass
class Table:
    path: Path
    kind: str  # csv | xlsx | sav
    columns: list[str]
    encoding: str | None
    total: int  # bytes for csv, rows for xlsx/sav (progress units)
    _chunks: Callable[[Progress | None], Iterator[tuple[int, pd.DataFrame]]] = field(repr=False)

    def chunks(self, progress: Progress | None = None) -> Iterator[tuple[int, pd.DataFrame]]:
        """Yield (data-row number of the first row, frame) with at most CHUNK_ROWS rows."""
        return self._chunks(progress)


def _err(path: Path, en: str, zh: str) -> InputError:
    fields = tuple(f for f in ("encoding", "sheet") if f"`{f}`" in en)
    return InputError(
        f"File {path}: {en}", f"文件 {path}：{zh}", code="invalid_file", fields=fields
    )


def open_table(
    path: Path, *, encoding: str | None = None, sheet: str | None = None, max_bytes: int
) -> Table:
    if not path.exists():
        raise _err(path, "does not exist. Check the path.", "不存在，请检查路径。")
    if path.is_dir():
        raise _err(path, "is a folder, not a file.", "是文件夹而不是文件。")
    size = path.stat().st_size
    if size == 0:
        raise _err(
            path,
            "is empty (0 bytes). Export the data again with a header row and at least one answer.",
            "是空文件（0 字节）。请重新导出，包含表头行和至少一条答卷。",
        )
    if size > max_bytes:
        raise _err(
            path,
            f"is {size / 1e6:.0f} MB, over the import limit of {max_bytes / 1e6:.0f} MB. Split it "
            "or raise SERVGAP_MAX_IMPORT_BYTES.",
            f"大小为 {size / 1e6:.0f} MB，超过导入上限 {max_bytes / 1e6:.0f} MB。请拆分文件或调高 "
            "SERVGAP_MAX_IMPORT_BYTES。",
        )
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _open_csv(path, encoding, size)
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, sheet)
    if suffix == ".sav" or suffix == ".zsav":
        return _open_sav(path)
    if suffix == ".parquet":
        return _open_parquet(path)
    if suffix == ".xls":
        raise _err(
            path,
            "is an old-style .xls workbook. Save it as .xlsx (Excel: File → Save As → .xlsx) or "
            "as CSV.",
            "是旧版 .xls 工作簿。请另存为 .xlsx（Excel：文件 → 另存为 → .xlsx）或 CSV。",
        )
    raise _err(
        path,
        f"has an unsupported extension `{suffix or '(none)'}`. Use .csv, .xlsx, .sav or .parquet.",
        f"的扩展名 `{suffix or '（无）'}` 不受支持。请使用 .csv、.xlsx、.sav 或 .parquet。",
    )


def _utf8_whole(path: Path) -> tuple[bool, bool, bool]:
    """Whether every byte of the file decodes as UTF-8, whether it has non-ASCII text, and
    whether any character needs three or more UTF-8 bytes (U+0800 and above: CJK, …)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    non_ascii = wide = False
    try:
        with path.open("rb") as fh:
            while block := fh.read(SNIFF_BYTES):
                text = dec.decode(block)
                if not text.isascii():
                    non_ascii = True
                    wide = wide or any(ord(ch) >= 0x800 for ch in text)
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, non_ascii, wide
    return True, non_ascii, wide


def _gb18030_whole(path: Path) -> bool:
    dec = codecs.getincrementaldecoder("gb18030")()
    try:
        with path.open("rb") as fh:
            while block := fh.read(SNIFF_BYTES):
                dec.decode(block)
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """utf-8-sig for a BOM, utf-8 when the whole file decodes, else GB18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf8, non_ascii, wide = _utf8_whole(path)
    if utf8:
        if non_ascii and not wide and _gb18030_whole(path):
            # e.g. GBK 双 (CB AB) is also valid UTF-8 (˫): with no character of three or more
            # UTF-8 bytes (no CJK in UTF-8), the bytes read as UTF-8 and as GBK alike
            raise InputError(
                f"File {path}: its text reads both as UTF-8 and as GBK, so its encoding cannot "
                "be told. Give the `encoding` (gbk or utf-8), or save it as UTF-8 with a BOM.",
                f"文件 {path}：其文字既可按 UTF-8 也可按 GBK 解读，无法判断编码。请用 `encoding` 指定"
                "（gbk 或 utf-8），或另存为带 BOM 的 UTF-8。",
                code="ambiguous_encoding",
                fields=("encoding",),
            )
        return "utf-8"
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=len(head) < SNIFF_BYTES)
        return "gb18030"
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(head[:200_000]).best()
        if best is None:
            raise InputError(
                f"File {path}: cannot tell its text encoding. Save it as UTF-8 or give the "
                "`encoding` (e.g. gbk).",
                f"文件 {path}：无法识别文本编码。请另存为 UTF-8，或用 `encoding` 指定（如 gbk）。",
                code="invalid_file",
                fields=("encoding",),
            ) from None
        return str(best.encoding)


MIXED_ROWS_SHOWN = 5
MAX_CELL_BYTES = 256 * 1024 * 1024


def scan_csv(path: Path, encoding: str, sep: str, ncols: int | None) -> None:
    """One pass over the records of a CSV before anything is imported.

    * **Ragged rows.** Every record must have as many fields as the header;
      pandas would silently fill a short row with blanks (an unquoted comma in
      free text typically shifts the rest of the row).
    * **Mixed encodings.** A file whose rows are in different encodings (some
      UTF-8, some GBK) decodes without error as GB18030 (almost any byte
      sequence does) and would be stored as mojibake. Each record with non-ASCII
      bytes is tested: a record that is valid UTF-8 next to records that are not
      means the file mixes encodings. (Only for non-UTF-8 files.)

    The records are read as Latin-1 (every byte one character), which keeps the
    ASCII delimiters, quotes and newlines of UTF-8, GBK and GB18030 intact and
    respects quoted newlines.
    """
    if encoding.replace("_", "-").lower() == "utf-16":
        return
    check_mixed = encoding.replace("_", "-").lower() not in ("utf-8", "utf8", "utf-8-sig")
    utf8_rows: list[int] = []
    other_rows: list[int] = []
    ragged: list[Problem] = []
    n_ragged = 0
    row = 1
    # a cell may be far longer than the csv module's default 131,072-character limit; the
    # importer then refuses it with its own length message (MAX_TEXT_CHARS)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_BYTES))
    with path.open("r", encoding="latin-1", newline="") as fh:  # bytes 1:1 as characters
        reader = csv.reader(fh, delimiter=sep)
        next(reader, None)  # the header
        try:
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line: skipped by the reader too
                row += 1
                if ncols is not None and len(record) != ncols:
                    n_ragged += 1
                    if len(ragged) < 50:
                        ragged.append(
                            Problem(
                                f"has {len(record)} fields but the header has {ncols}. Check "
                                "the quoting: text containing the delimiter or a line break "
                                "must be in double quotes.",
                                f"有 {len(record)} 个字段，而表头有 {ncols} 个。请检查引号：含分隔符"
                                "或换行的文本必须放在双引号中。",
                                file=str(path),
                                row=row,
                            )
                        )
                if not check_mixed:
                    continue
                raw = sep.join(record)
                if raw.isascii():
                    continue
                try:
                    decoded = raw.encode("latin-1").decode("utf-8")
                except UnicodeDecodeError:
                    other_rows.append(row)
                else:
                    # evidence of UTF-8 only with a character of 3+ bytes: short GBK text
                    # (双 = CB AB) can be valid 2-byte UTF-8 by chance
                    if any(ord(ch) >= 0x800 for ch in decoded):
                        utf8_rows.append(row)
        except csv.Error as exc:
            raise _err(
                path,
                f"cannot be read as CSV near data row {row}: {exc}. Check quoting.",
                f"在第 {row} 行附近无法按 CSV 读取：{exc}。请检查引号。",
            ) from exc
    if utf8_rows and other_rows:
        u = ", ".join(map(str, utf8_rows[:MIXED_ROWS_SHOWN]))
        o = ", ".join(map(str, other_rows[:MIXED_ROWS_SHOWN]))
        raise InputError(
            f"File {path}: its rows are in different text encodings: rows {u} are UTF-8, rows "
            f"{o} are not (probably GBK). Imported as one encoding, one group would be garbled. "
            "Re-save the whole file in one encoding (UTF-8 is best), or fix those rows; then "
            "import again (the encoding can be given with `encoding`).",
            f"文件 {path}：各行的文本编码不一致：第 {u} 行为 UTF-8，第 {o} 行不是（可能为 GBK）。"
            "按同一编码导入会使其中一部分变成乱码。请把整个文件另存为同一编码（最好是 UTF-8），"
            "或修正这些行后重新导入（可用 `encoding` 指定编码）。",
            code="mixed_encoding",
            fields=("encoding",),
        )
    if ragged:
        more = f" (first {len(ragged)} listed)" if n_ragged > len(ragged) else ""
        more_zh = f"（列出前 {len(ragged)} 行）" if n_ragged > len(ragged) else ""
        raise InputError(
            f"File {path}: {n_ragged} row(s) do not have the header's {ncols} fields{more}; "
            "nothing was imported:",
            f"文件 {path}：{n_ragged} 行的字段数与表头的 {ncols} 个不符{more_zh}；未导入任何内容：",
            code="ragged_rows",
            problems=ragged,
        )


def _restore_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the apostrophe servgap's CSV writer puts before formula-like text."""
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object:
            continue
        mask = values.str.startswith("'", na=False)
        if mask.any():
            frame.loc[mask, col] = values[mask].map(restore_cell)
    return frame


def _check_header(path: Path, header: list[str]) -> list[str]:
    cols = [("" if h is None else str(h)).strip() for h in header]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cols, start=1):
        if not c:
            problems.append(
                Problem(
                    f"column {i} has no name in the header row; name it or delete the column.",
                    f"第 {i} 列表头为空；请填写列名或删除该列。",
                    file=str(path),
                    row=1,
                )
            )
            continue
        if c in seen:
            problems.append(
                Problem(
                    f"the header names `{c}` twice (columns {seen[c]} and {i}); rename or "
                    "delete one.",
                    f"表头中 `{c}` 出现两次（第 {seen[c]} 列和第 {i} 列）；请重命名或删除其一。",
                    file=str(path),
                    row=1,
                    column=c,
                )
            )
        seen.setdefault(c, i)
    if problems:
        raise InputError(
            f"File {path}: the header row has {len(problems)} problem(s):",
            f"文件 {path}：表头行有 {len(problems)} 处问题：",
            code="invalid_header",
            problems=problems,
        )
    return cols


def _open_csv(path: Path, encoding: str | None, size: int) -> Table:
    enc = encoding or detect_encoding(path)
    try:
        codecs.lookup(enc)
    except LookupError:
        raise _err(
            path,
            f"unknown encoding `{enc}`. Use utf-8, gbk, gb18030 or utf-8-sig.",
            f"未知编码 `{enc}`。可用 utf-8、gbk、gb18030 或 utf-8-sig。",
        ) from None
    with path.open("r", encoding=enc, errors="strict", newline="") as fh:
        try:
            sample = fh.read(64 * 1024)
        except UnicodeDecodeError as exc:
            scan_csv(path, enc, ",", None)  # a clearer message if the rows mix encodings
            raise _err(
                path,
                f"is not valid {enc} text (byte {exc.start}). Give the right `encoding` "
                "(gbk for most Chinese Excel exports).",
                f"不是合法的 {enc} 文本（第 {exc.start} 字节）。请用 `encoding` 指定正确编码"
                "（中文 Excel 导出多为 gbk）。",
            ) from exc
    if not sample.strip():
        raise _err(path, "contains no data, only blank lines.", "只有空行，没有数据。")
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",\t;|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    header = next(csv.reader(io.StringIO(sample), delimiter=sep))
    columns = _check_header(path, header)
    scan_csv(path, enc, sep, len(columns))

    def chunks(progress: Progress | None) -> Iterator[tuple[int, pd.DataFrame]]:
        row = 2
        with path.open("rb") as raw:
            try:
                reader = pd.read_csv(
                    raw,
                    sep=sep,
                    encoding=enc,
                    dtype=str,
                    keep_default_na=False,
                    chunksize=CHUNK_ROWS,
                    header=0,
                    names=columns,
                    skip_blank_lines=True,
                    on_bad_lines="error",
                )
                for frame in reader:
                    yield row, _restore_text(frame)
                    row += len(frame)
                    if progress is not None:
                        progress(min(raw.tell(), size), size)
            except UnicodeDecodeError as exc:
                raise _err(
                    path,
                    f"is not valid {enc} text near data row {row}. Give the right `encoding`.",
                    f"在第 {row} 行附近不是合法的 {enc} 文本。请用 `encoding` 指定正确编码。",
                ) from exc
            except pd.errors.ParserError as exc:
                raise _err(
                    path,
                    f"cannot be read as CSV near data row {row}: {exc}. Check quoting and the "
                    "number of fields per line.",
                    f"在第 {row} 行附近无法按 CSV 读取：{exc}。请检查引号和每行的字段数。",
                ) from exc

    return Table(path, "csv", columns, enc, size, chunks)


# what openpyxl raises for a damaged or fake workbook: broken XML (ParseError is a
# SyntaxError), missing parts, bad numbers or dates in cells
_BROKEN_XLSX: tuple[type[BaseException], ...] = (
    KeyError, OSError, ValueError, EOFError, TypeError, IndexError, AttributeError,
    SyntaxError, OverflowError, zlib.error, zipfile.BadZipFile,
)  # fmt: skip


def _open_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    bad = (
        "is not a valid or complete Excel workbook (it may be truncated or not really .xlsx). "
        "Open and re-save it in Excel, or export CSV."
    )
    bad_zh = "不是有效或完整的 Excel 工作簿（可能被截断或并非 .xlsx）。请在 Excel 中打开后另存，或导出为 CSV。"
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *_BROKEN_XLSX) as exc:
        raise _err(path, bad, bad_zh) from exc
    if sheet is not None and sheet not in wb.sheetnames:
        raise _err(
            path,
            f"has no sheet `{sheet}`. Sheets: {', '.join(wb.sheetnames)}.",
            f"没有工作表 `{sheet}`。现有工作表：{'、'.join(wb.sheetnames)}。",
        )
    ws = wb[sheet] if sheet is not None else wb.worksheets[0]
    try:
        rows = ws.iter_rows(values_only=True)
        header_row = next(rows, None)
    except _BROKEN_XLSX as exc:
        raise _err(path, bad, bad_zh) from exc
    if header_row is None or all(v is None for v in header_row):
        raise _err(path, "has an empty first sheet.", "第一个工作表为空。")
    # drop trailing empty header cells (Excel often reports a wider range)
    hdr = list(header_row)
    while hdr and hdr[-1] is None:
        hdr.pop()
    columns = _check_header(path, [str(h) if h is not None else "" for h in hdr])
    total = max((ws.max_row or 1) - 1, 1)
    ncol = len(columns)

    def chunks(progress: Progress | None) -> Iterator[tuple[int, pd.DataFrame]]:
        start = 2
        buf: list[list[Any]] = []
        done = 0
        try:
            for values in ws.iter_rows(min_row=2, values_only=True):
                vals = list(values[:ncol]) + [None] * max(0, ncol - len(values))
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
                    start += 0 if buf else 1
                    continue
                buf.append(vals)
                if len(buf) >= CHUNK_ROWS:
                    yield start, pd.DataFrame(buf, columns=columns, dtype=object)
                    start += len(buf)
                    done += len(buf)
                    buf = []
                    if progress is not None:
                        progress(min(done, total), total)
        except _BROKEN_XLSX as exc:
            raise _err(path, bad, bad_zh) from exc
        if buf:
            yield start, pd.DataFrame(buf, columns=columns, dtype=object)
        if progress is not None:
            progress(total, total)
        wb.close()

    return Table(path, "xlsx", columns, None, total, chunks)


def _open_sav(path: Path) -> Table:
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise _err(
            path,
            f"is not a readable SPSS .sav file ({exc}). Re-export it from SPSS or the survey "
            "platform.",
            f"不是可读取的 SPSS .sav 文件（{exc}）。请从 SPSS 或调查平台重新导出。",
        ) from exc
    columns = _check_header(path, list(meta.column_names))
    total = int(meta.number_rows or 0) or 1

    def chunks(progress: Progress | None) -> Iterator[tuple[int, pd.DataFrame]]:
        start = 2
        try:
            for frame, _meta in pyreadstat.read_file_in_chunks(
                pyreadstat.read_sav, str(path), chunksize=CHUNK_ROWS
            ):
                frame.columns = columns
                yield start, frame.astype(object)
                start += len(frame)
                if progress is not None:
                    progress(min(start - 2, total), total)
        except Exception as exc:
            raise _err(
                path, f"could not be read completely ({exc}).", f"无法完整读取（{exc}）。"
            ) from exc

    return Table(path, "sav", columns, None, total, chunks)


def _open_parquet(path: Path) -> Table:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for bad files
        raise _err(
            path,
            f"is not a readable Parquet file ({exc}).",
            f"不是可读取的 Parquet 文件（{exc}）。",
        ) from exc
    columns = _check_header(path, list(pf.schema_arrow.names))
    total = int(pf.metadata.num_rows) or 1

    def chunks(progress: Progress | None) -> Iterator[tuple[int, pd.DataFrame]]:
        start = 2
        for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
            frame = batch.to_pandas().astype(object)
            yield start, frame
            start += len(frame)
            if progress is not None:
                progress(min(start - 2, total), total)

    return Table(path, "parquet", columns, None, total, chunks)
