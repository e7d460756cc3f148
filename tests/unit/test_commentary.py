"""The commentary: the partnership's paragraphs in every report, a district's own section in its slice."""

from __future__ import annotations

from dasv.config import load_deployment
from dasv.quarters import Quarter
from dasv.report import commentary
from dasv.report.build import read_commentary

TEXT = """# Commentary

IDVA and MARAC referral rates have slowed slightly in Q3.

Current staffing issues have meant a temporary stop on Housing
and Minority Ethnic referrals.

## Fenland

Fenland's outreach worker started in November.

## Hunts
Huntingdonshire's refuge reopened.

## Next steps

Champions sessions in January.
"""


def test_a_districts_section_goes_to_its_slice_and_the_partnerships_to_every_report(tmp_path):
    deployment = load_deployment()
    found = commentary.parse(TEXT, deployment)
    assert found.general == [
        "IDVA and MARAC referral rates have slowed slightly in Q3.",
        "Current staffing issues have meant a temporary stop on Housing and Minority Ethnic referrals.",
        "Champions sessions in January.",  # a heading naming no area: the partnership's
    ]
    assert found.by_area == {"Fenland": ["Fenland's outreach worker started in November."],
                             "Huntingdonshire": ["Huntingdonshire's refuge reopened."]}  # fmt: skip
    assert found.for_area("Fenland") == [
        *found.general,
        "Fenland: Fenland's outreach worker started in November.",
    ]
    assert found.for_area("South Cambridgeshire") == found.general  # no section of its own
    (tmp_path / "2025-26-Q3.md").write_text(TEXT, encoding="utf-8")
    county = read_commentary(tmp_path, Quarter.parse("2025-26 Q3"), deployment)
    assert county[-1] == "Hunts: Huntingdonshire's refuge reopened."  # the label the county report prints
