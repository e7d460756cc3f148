"""Values reach Typst as data, never as markup: what a district, a label or the commentary holds prints as written."""

from __future__ import annotations

import pikepdf
from pypdf import PdfReader

from dasv.report_templates.pdf import render_pdf
from tests.unit.test_pdf_layout import _report

HOSTILE = [
    "North #let x = 1 * bold * $x^2$ <label> @ref \\ back\\slash \\\\ two",
    '#set text(fill: red) #import "/etc/passwd" _em_ `raw` [brackets] {braces} = heading',
    "=== not a heading + not a list - not a bullet / 5 < 6 > 4 ~ & % ' \"",
    '#read("/etc/hostname") #eval("1+1") \\u{41} // not a comment /* nor this */',
]


def test_district_labels_and_commentary_print_as_written(tmp_path):
    report = _report(len(HOSTILE))
    report.area = HOSTILE[0]
    report.commentary = HOSTILE[1:]
    report.statements = list(HOSTILE)
    report.tables[0].rows = [[text, 1, 2, report.tables[0].rows[0][3]] for text in HOSTILE]
    report.definitions = [(HOSTILE[2], HOSTILE[3])]
    path = render_pdf(report, tmp_path / "hostile.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)
    for value in HOSTILE:
        folded = " ".join(value.split())
        assert text.count(folded) >= 2, value  # in the table and as a paragraph or statement
    with pikepdf.open(path) as pdf:
        assert HOSTILE[0] in str(pdf.open_metadata().get("dc:title"))
