"""A corpus of broken and hostile inputs, each with what docs/adopting.md says must happen to it.

Every case builds its file in a folder and states the outcome: ``("refused", text)`` where
``text`` must appear in the first problem line, or ``("loaded", rows)``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from tests.files import write_xlsx
from tests.hostile.rawxlsx import write_raw_xlsx

HEADER = ["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met", "Engaged"]
POLICE = ["Month", "District", "DA Incidents", "DA Crimes"]


def good(n: int = 3, start: int = 1) -> list[list]:
    return [[f"R{i}", f"C{i}", "03/10/2025", "Fenland", "Y", "Y"] for i in range(start, start + n)]


@dataclass(frozen=True)
class Case:
    """One hostile file and its expected outcome."""

    name: str
    build: Callable[[Path], Path]
    outcome: tuple[str, object]
    heavy: bool = False  # measured for memory in its own process


def _xlsx(folder: Path, name: str, rows: list[list], sheet: str = "Referrals") -> Path:
    return write_xlsx(folder / "idva" / name, rows, sheet=sheet)


def _bytes(folder: Path, name: str, data: bytes, sub: str = "idva") -> Path:
    path = folder / sub / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _csv(folder: Path, name: str, rows: list[list], encoding: str = "utf-8", sub: str = "idva") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return _bytes(folder, name, buffer.getvalue().encode(encoding), sub)


def _truncated(folder: Path) -> Path:
    whole = _xlsx(folder, "whole.xlsx", [HEADER, *good(50)]).read_bytes()
    (folder / "idva" / "whole.xlsx").unlink()
    return _bytes(folder, "truncated.xlsx", whole[: len(whole) // 2])


def _bomb(folder: Path) -> Path:
    path = folder / "idva" / "bomb.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (16 * 1024 * 1024)
            for _ in range(64):  # 1 GiB of zeros, 1 MB on disk
                fh.write(block)
    return path


def _formatted_rows(folder: Path) -> Path:
    def rows():
        yield HEADER
        yield from good(2)
        for _ in range(3, 1_048_577):
            yield [("styled",)]

    return write_raw_xlsx(folder / "idva" / "million-formatted-rows.xlsx", {"Referrals": rows()})


def _formulas(folder: Path) -> Path:
    rows = [HEADER,
            ["R1", "C1", ("f", "DATE(2025,10,3)", 45933), ("f", "[1]Areas!B2", "Fenland"), "Y", ("f", "IF(1,\"Y\",\"N\")", "Y")],
            ["R2", "C2", ("f", "'C:\\\\secret\\\\[book.xlsx]Sheet1'!A1", 45934), "Hunts", "Y", "N"]]  # fmt: skip
    return write_raw_xlsx(folder / "idva" / "formulas-external.xlsx", {"Referrals": rows}, external_link=True)


def _error_cells(folder: Path) -> Path:
    rows = [HEADER, ["R1", ("e", "#N/A"), "03/10/2025", "Fenland", "Y", "Y"]]
    return write_raw_xlsx(folder / "idva" / "error-cells.xlsx", {"Referrals": rows})


def _no_sheets(folder: Path) -> Path:
    return write_raw_xlsx(folder / "idva" / "no-sheets.xlsx", {})


def _merged_header(folder: Path) -> Path:
    path = folder / "idva" / "merged-header.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Referrals"
    ws.append(["IDVA referrals", None, None, None, None, None])
    ws.merge_cells("A1:F1")
    ws.append(HEADER + ["Notes"])
    ws.merge_cells("G2:H2")
    for row in good(4):
        ws.append(row)
    wb.save(path)
    return path


def _encrypted(folder: Path) -> Path:
    # an OLE compound file, which is how Excel stores password-protected workbooks
    return _bytes(folder, "password-protected.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)


def _wide_junk(folder: Path) -> Path:
    junk = [f"Junk {i}" for i in range(200)]
    return _xlsx(folder, "wide.xlsx", [junk + HEADER] + [[None] * 200 + r for r in good(3)])


def _dir_named_xlsx(folder: Path) -> Path:
    path = folder / "idva" / "a-folder.xlsx"
    path.mkdir(parents=True)
    return path


CASES: list[Case] = [
    Case("truncated zip", _truncated, ("refused", "not a valid Excel workbook")),
    Case("html saved as xlsx", lambda f: _bytes(f, "page.xlsx", b"<html><body><table><tr><td>Referral ID</td></tr></table></body></html>"),
         ("refused", "not a valid Excel workbook")),
    Case("pdf renamed xlsx", lambda f: _bytes(f, "report.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"),
         ("refused", "not a valid Excel workbook")),
    Case("csv renamed xlsx", lambda f: _bytes(f, "text.xlsx", ",".join(HEADER).encode() + b"\nR1,C1,03/10/2025,Fenland,Y,Y\n"),
         ("refused", "not a valid Excel workbook")),
    Case("xlsx renamed csv", lambda f: _bytes(f, "book.csv", _xlsx(f, "src.xlsx", [HEADER, *good()]).read_bytes()),
         ("refused", "a workbook (zip) named .csv")),
    Case("old xls", lambda f: _bytes(f, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512), ("refused", "Save As")),
    Case("password-protected workbook", _encrypted, ("refused", "not a valid Excel workbook")),
    Case("zero-byte xlsx", lambda f: _bytes(f, "empty.xlsx", b""), ("refused", "not a valid Excel workbook")),
    Case("zero-byte csv", lambda f: _bytes(f, "empty.csv", b""), ("refused", "the file is empty")),
    Case("workbook with no sheets", _no_sheets, ("refused", "")),
    Case("empty sheet", lambda f: _xlsx(f, "blank.xlsx", []), ("refused", "the file is empty")),
    Case("million formatted empty rows", _formatted_rows, ("loaded", 2), heavy=True),
    Case("decompression bomb", _bomb, ("refused", "compression bomb"), heavy=True),
    Case("formulas and an external link (cached values)", _formulas, ("loaded", 2)),
    Case("excel error cell in a required column", _error_cells, ("refused", "column 'Client ID': blank")),
    Case("merged header and banner cells", _merged_header, ("loaded", 4)),
    Case("duplicate header names", lambda f: _xlsx(f, "dup.xlsx", [HEADER + ["Area"], good()[0] + ["Hunts"]]),
         ("refused", "all name District")),
    Case("header in row 11", lambda f: _xlsx(f, "row11.xlsx", [["Banner"]] + [[]] * 9 + [HEADER, *good(2)]), ("loaded", 2)),
    Case("header in row 12", lambda f: _xlsx(f, "row12.xlsx", [["Banner"]] + [[]] * 10 + [HEADER, *good(2)]),
         ("refused", "no header row found in the first 11 rows")),
    Case("no recognisable header", lambda f: _xlsx(f, "nohead.xlsx", [["a", "b", "c"], [1, 2, 3]]), ("refused", "no header row found")),
    Case("header without data", lambda f: _xlsx(f, "headonly.xlsx", [HEADER]), ("refused", "no data rows")),
    Case("mixed encodings in one csv", lambda f: _bytes(f, "mixed.csv", ",".join(HEADER).encode() + b"\nR1,C1,03/10/2025,Not known \xe2\x80\x93 moved to refuge,Y,Y\nR2,C2,03/10/2025,Caf\xe9 area,Y,Y\n"),
         ("refused", "mixes UTF-8 and Windows-1252")),
    Case("utf-16 csv", lambda f: _bytes(f, "utf16.csv", (",".join(HEADER) + "\nR1,C1,03/10/2025,Fenland,Y,Y\n").encode("utf-16")),
         ("refused", "")),
    Case("nul bytes in csv", lambda f: _bytes(f, "nul.csv", ",".join(HEADER).encode() + b"\nR1,C\x001,03/10/2025,Fenland,Y,Y\n"),
         ("refused", "NUL byte")),
    Case("random binary named csv", lambda f: _bytes(f, "noise.csv", bytes(range(256)) * 64), ("refused", "")),
    Case("10,000-character ID", lambda f: _xlsx(f, "longid.xlsx", [HEADER, ["R1", "C" * 10_000, "03/10/2025", "Fenland", "Y", "Y"]]),
         ("refused", "too long for an ID")),
    Case("10,000-character ignored column", lambda f: _xlsx(f, "longnote.xlsx", [HEADER + ["Notes"], good()[0] + ["x" * 10_000]]),
         ("loaded", 1)),
    Case("5 MB csv field", lambda f: _bytes(f, "hugefield.csv", ",".join(HEADER).encode() + b"\nR1,\"" + b"x" * 5_000_000 + b"\",03/10/2025,Fenland,Y,Y\n"),
         ("refused", "cannot be read as CSV")),
    Case("referral dated 1900", lambda f: _xlsx(f, "y1900.xlsx", [HEADER, ["R1", "C1", date(1900, 1, 2), "Fenland", "Y", "Y"]]),
         ("refused", "before 1990")),
    Case("referral dated 2100", lambda f: _xlsx(f, "y2100.xlsx", [HEADER, ["R1", "C1", datetime(2100, 1, 1), "Fenland", "Y", "Y"]]),
         ("refused", "is in the future")),
    Case("date of birth in 1900", lambda f: _xlsx(f, "dob1900.xlsx", [HEADER + ["Date of Birth"], good()[0] + [date(1900, 3, 1)]]),
         ("refused", "gives an age over 120")),
    Case("excel serial zero as a date", lambda f: _xlsx(f, "serial0.xlsx", [HEADER, ["R1", "C1", 0, "Fenland", "Y", "Y"]]),
         ("refused", "not an Excel date serial")),
    Case("counts as text with thousands separators", lambda f: _csv(f, "thousands.csv", [POLICE, ["2025-10", "Fenland", "1,234", "1,002"]], sub="police"),
         ("loaded", 1)),
    Case("negative count", lambda f: _csv(f, "neg.csv", [POLICE, ["2025-10", "Fenland", "-3", "2"]], sub="police"), ("refused", "is negative")),
    Case("fractional count", lambda f: _csv(f, "frac.csv", [POLICE, ["2025-10", "Fenland", "3.5", "2"]], sub="police"),
         ("refused", "not a whole number")),
    Case("us-style date", lambda f: _csv(f, "us.csv", [HEADER, ["R1", "C1", "10/31/2025", "Fenland", "Y", "Y"]]), ("refused", "month-first")),
    Case("unknown area", lambda f: _csv(f, "narnia.csv", [HEADER, ["R1", "C1", "03/10/2025", "Narnia", "Y", "Y"]]),
         ("refused", "not a known area")),
    Case("engaged without criteria met", lambda f: _csv(f, "eng.csv", [HEADER, ["R1", "C1", "03/10/2025", "Fenland", "N", "Y"]]),
         ("refused", "although Criteria Met is N")),
    Case("duplicate referral id", lambda f: _csv(f, "dupid.csv", [HEADER, *good(2), ["R1", "C9", "03/10/2025", "Fenland", "Y", "Y"]]),
         ("refused", "repeats row 2")),
    Case("hearing before referral", lambda f: _csv(f, "hear.csv", [["Case ID", "Client ID", "Referral Date", "Hearing Date", "District"],
                                                                  ["M1", "V1", "10/10/2025", "01/10/2025", "Fenland"]], sub="marac"),
         ("refused", "before the referral")),
    Case("data after the total row", lambda f: _csv(f, "aftertotal.csv", [HEADER, *good(1), ["Total", "1"], *good(1, start=5)]),
         ("refused", "data after the Total row")),
    # a formula in a coded column is a value the configuration does not know: refused, quoted, never stored
    Case("formula injection in coded cells", lambda f: _csv(f, "inject.csv", [HEADER + ["Ethnicity", "Referral Route"],
                                                                             good()[0] + ["=HYPERLINK(\"http://evil\")", "@SUM(1+1)"]]),
         ("refused", "column 'Ethnicity': '=HYPERLINK(\"http://evil\")' is not a recognised ethnicity")),
    Case("formula injection in ID cells", lambda f: _csv(f, "inject-ids.csv", [HEADER,
                                                                             ["=HYPERLINK(\"http://evil\")", "@SUM(1+1)", *good()[0][2:]]]),
         ("loaded", 1)),
    Case("200 junk columns before the real ones", _wide_junk, ("loaded", 3)),
    Case("a folder named like a workbook", _dir_named_xlsx, ("refused", "")),
    Case("odd characters in the file name", lambda f: _csv(f, "q3 'final' (v2) – ü ..; rm -rf.csv", [HEADER, *good(2)]),
         ("loaded", 2)),
]  # fmt: skip
