"""Every acronym a report prints is in the glossary (one record per term), and is spelled out on page 1."""

from __future__ import annotations

import re

from dasv.report import glossary
from tests.unit.test_pdf_layout import _report

# words in capitals that are not abbreviations a reader needs spelled out
NOT_ACRONYMS = {
    "ILLUSTRATIVE",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "OFFICIAL",
}  # OFFICIAL-SENSITIVE: a marking, in capitals by rule
ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z]*[A-Z][A-Za-z0-9²+]*(?:-\d+)?)(?![\w])")


def acronyms(text: str) -> set[str]:
    """Words with two or more capitals (IDVA, XmR, SHA-256, LGBT+), less those that are not acronyms."""
    found = {m for m in ACRONYM.findall(text) if m not in NOT_ACRONYMS and not m.isdigit()}
    # two words run together by text extraction ("CambsEast" from a chart) or a name (SafeLives)
    return {m for m in found if not re.fullmatch(r"(?:[A-Z][a-z]+){2,}", m)}


def test_every_acronym_printed_is_in_the_glossary_and_spelled_out(tmp_path):
    report = _report(3)
    report.statements = ["IDVA referrals fell 8%, MARAC referrals 22%; see the SPC chart; CYP and OOCD rows; "
                         "DASV Board; XmR; LGBT+; YE Sep 2025; VAWG strategy; CSP slices"]  # fmt: skip
    text = glossary.report_text(report)
    printed = acronyms(text)
    known = {t.term for t in glossary.TERMS} | {"XmR", "LGBT"}
    assert printed and printed <= known, printed - known
    line = glossary.spelled_out(text)
    for term in ("IDVA: Independent Domestic Violence Adviser", "MARAC: Multi-Agency Risk Assessment Conference",
                 "CYP: Children and young people", "OOCD: Out-of-court disposal", "SPC: Statistical process control",
                 "DASV: Domestic Abuse and Sexual Violence"):  # fmt: skip
        assert term in line
    assert [t for t, _ in glossary.entries(text)].count("IDVA") == 1  # one record, printed once


def test_one_record_per_term():
    terms = [t.term for t in glossary.TERMS]
    assert len(terms) == len(set(terms))
