"""Big, plain workbooks read straight into typed columns (fastexcel: calamine to Arrow), no Python rows.

python-calamine hands every cell to Python as an object, row by row; for a 250,000-row export
that is most of a load's time. fastexcel reads the same sheet with the same Rust library
into typed columns, which the column reader (:mod:`dasv.loaders.columnar`) takes as they are.

Only a workbook this path can read *exactly* as the row path would is read here; anything
else returns None and goes the usual way, so no message, count or value can differ:

- one sheet, its header on row 1 starting in column A (checked in the sheet's XML);
- every column of one type (fastexcel's strict typing over all rows: a column mixing text
  and numbers, or dates and text, is not read here);
- dates only in date and month columns, no durations; whole numbers as floats, as calamine
  gives them;
- no blank row, no blank first cell and no Total row (the row reader counts and words those).
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

from dasv.loaders.header import HEADER_SEARCH_ROWS
from dasv.names import normalise_name

# Smaller files go the usual way: the saving is in big files, the checks cost a few milliseconds.
MIN_BYTES = 2 * 1024**2
_UNNAMED = re.compile(r"__UNNAMED__\d+")
_FIRST_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"[^>]*>\s*<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]+\d+)\"")
_DATE_TYPES = {"date", "month"}


def _starts_at_a1(path: Path) -> bool:
    """The single sheet's first row is row 1 and its first cell A1 (so fastexcel's rows are the sheet's)."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
            if len(sheets) != 1:
                return False
            with archive.open(sheets[0]) as fh:
                head = fh.read(64 * 1024)
    except (OSError, zipfile.BadZipFile, KeyError):
        return False
    found = _FIRST_ROW.search(head)
    return bool(found) and found[1] == b"1" and found[2] == b"A1"


def read_typed(path: Path, choose, min_bytes: int = MIN_BYTES):
    """The header and the typed data columns of a plain big workbook, or None to read it the usual way.

    Args:
        path: an .xlsx/.xlsm file already checked against compression bombs.
        choose: ``choose(first_rows)`` -> ``(spec, header)`` as the row path picks them from the first
            rows of the sheet (``(row, cells)`` pairs), raising ``FileRefused`` when it would refuse.

    Returns:
        ``(sheet name, spec, header, columns, rows)`` with ``columns`` the contract columns by
        index (Python lists of the cells' values), or None.
    """
    if path.stat().st_size < min_bytes or not _starts_at_a1(path):
        return None
    try:
        import fastexcel
        import polars as pl
    except ImportError:  # pragma: no cover - both are dependencies
        return None
    # an all-blank column is read as text, which is what we want: not a warning for the user's terminal
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    try:
        reader = fastexcel.read_excel(path)
        if len(reader.sheet_names) != 1:
            return None
        frame = reader.load_sheet(
            0, header_row=0, schema_sample_rows=None, dtype_coercion="strict"
        ).to_polars()
    except Exception:  # noqa: BLE001 - fastexcel's errors (mixed types, odd files): the usual path decides
        return None
    names = ["" if _UNNAMED.fullmatch(n) else n for n in frame.columns]
    bases = {normalise_name(n) for n in names}
    if any(re.fullmatch(r".+_\d+", n) and normalise_name(n.rsplit("_", 1)[0]) in bases for n in names):
        return None  # fastexcel renamed a repeated header: the row path words that
    head = [
        (1, names),
        *((2 + i, list(row)) for i, row in enumerate(frame.head(HEADER_SEARCH_ROWS - 1).rows())),
    ]
    try:
        spec, header = choose(head)
    except Exception:  # noqa: BLE001 - a refusal: the usual path words it
        return None
    if header.row != 1 or header.duplicates or frame.height == 0:
        return None
    if not _plain(frame, header, pl):
        return None
    columns = {}
    for index in header.columns:
        column = frame.to_series(index)
        if column.dtype == pl.Int64:
            column = column.cast(pl.Float64)  # calamine gives whole numbers as floats
        columns[index] = column.to_list()
    return reader.sheet_names[0], spec, header, columns, frame.height


def _plain(frame, header, pl) -> bool:
    """Types the row path reads the same way, no blank or Total rows, no blank first cell."""
    allowed = {pl.String, pl.Float64, pl.Int64, pl.Boolean, pl.Null}
    for index, column in enumerate(frame.iter_columns()):
        col = header.columns.get(index)
        if column.dtype in (pl.Datetime, pl.Date):
            if col is None or col.type not in _DATE_TYPES:
                return False
        elif column.dtype not in allowed and not isinstance(column.dtype, pl.Datetime):
            return False
    first = frame.to_series(0)  # never blank: then no row is blank either, and each row's first cell is here
    if first.null_count() or (first.dtype == pl.String and first.str.contains(r"^\s*$").any()):
        return False
    if first.dtype == pl.String:
        candidates = first.filter(first.str.contains("(?i)total")).unique().to_list()
        if any(normalise_name(v) in {"total", "grand total"} for v in candidates):
            return False
    return True
