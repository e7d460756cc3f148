"""Open an export and stream its rows: xlsx/xlsm through calamine, CSV through the csv module.

Rows come out as ``(row_number, cells)`` where the row number is what Excel (or a text
editor, for CSV) shows. Formulas are read as their cached values and never evaluated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from dasv.loaders.problems import FileRefused

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
# A workbook whose parts would expand past this is refused before anything is expanded.
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200
FORMAT_EXPECTED = "an .xlsx, .xlsm or .csv export"
# A multi-byte UTF-8 sequence: in a file that is not valid UTF-8 it means mixed encodings.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
csv.field_size_limit(1024 * 1024)


@dataclass
class Sheet:
    """One sheet (or the single table of a CSV) as a stream of rows."""

    name: str | None
    rows: Iterator[tuple[int, list]]


def sha256_of(path: Path) -> str:
    """Checksum of the file's bytes, for lineage and skip-if-already-loaded."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_sheets(path: Path) -> list[Sheet]:
    """The sheets of a workbook, or the one table of a CSV, in file order.

    Raises:
        FileRefused: the file is not a format we read, or is corrupt or empty.
    """
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileRefused(
            "this is an old-style .xls workbook, which is not read",
            "an .xlsx file: open it in Excel and use File > Save As > Excel Workbook (*.xlsx)",
        )
    if suffix in WORKBOOK_SUFFIXES:
        return _workbook_sheets(path)
    if suffix == ".csv":
        return [Sheet(None, _csv_rows(path))]
    raise FileRefused(f"files ending {suffix or '(no extension)'!r} are not read", FORMAT_EXPECTED)


def check_zip(path: Path) -> None:
    """Refuse a file that is not a zip, or would expand past ``MAX_UNCOMPRESSED_BYTES`` (a bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(
            "the file is not a valid Excel workbook (corrupt, truncated, or another format renamed to .xlsx)",
            "an .xlsx saved by Excel, or the export saved again as .xlsx or .csv",
        ) from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or (total > 100 * 1024**2 and total / packed > MAX_COMPRESSION_RATIO):
        raise FileRefused(
            f"the workbook would expand to {total / 1024**2:,.0f} MB from {packed / 1024**2:,.1f} MB "
            "(a compression bomb or a damaged file); it was not opened",
            "a workbook of real data (at most 2 GB uncompressed)",
        )


def _workbook_sheets(path: Path) -> list[Sheet]:
    check_zip(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise FileRefused(
            f"the workbook cannot be read ({_short(exc)})",
            "an .xlsx saved by Excel, or the export saved again as .xlsx or .csv",
        ) from None
    if not names:
        raise FileRefused("the workbook has no sheets", "a sheet with a header row and data")
    return [Sheet(name, _workbook_rows(workbook, name)) for name in names]


def _workbook_rows(workbook: CalamineWorkbook, name: str) -> Iterator[tuple[int, list]]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        # iter_rows starts at row 1 whatever the first used row is.
        yield from enumerate(sheet.iter_rows(), start=1)
    except (CalamineError, ValueError) as exc:
        raise FileRefused(
            f"the sheet cannot be read ({_short(exc)})", "a sheet saved by Excel", sheet=name
        ) from None


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise FileRefused("the file is a workbook (zip) named .csv", "a CSV text file, or rename it to .xlsx")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _UTF8_SEQUENCE.search(data):
        line = data.count(b"\n", 0, bad) + 1
        raise FileRefused(
            f"line {line} mixes UTF-8 and Windows-1252 text in one file, so characters would be misread",
            "a CSV saved in one encoding, UTF-8 or Windows-1252",
        )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"byte {exc.start + 1} is neither UTF-8 nor Windows-1252 text",
            "a CSV saved as UTF-8 or Windows-1252",
        ) from None


def _csv_rows(path: Path) -> Iterator[tuple[int, list]]:
    text = _decode(path.read_bytes())
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileRefused(
            f"line {line} contains a NUL byte (a binary file, or a CSV saved as UTF-16)",
            "a CSV saved as UTF-8 or Windows-1252",
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileRefused(f"line {start} cannot be read as CSV ({exc})", "a well-formed CSV") from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
