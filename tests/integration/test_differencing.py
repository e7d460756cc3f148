"""The attacker of docs/disclosure.md against the slices (tests/attacker.py).

Every slice of 2024-25 Q3 to 2025-26 Q3 is published, a correction to 2025-26 Q2 is made and
2025-26 Q2 and Q3 are published again (version 2). The attacker reads every version's CSVs and
JSON, adds the identities between measures, quarters, year endings and versions, and bounds
every withheld count by integer programming.
"""

from __future__ import annotations

import pytest

from tests.attacker import attack, read_store
from tests.differencing import QUARTERS, YEAR_ENDINGS, build, load_snapshot

DISTRICTS = ["Cambridge City", "East Cambridgeshire", "Fenland", "Huntingdonshire", "South Cambridgeshire",
             "Peterborough"]  # fmt: skip
COUNTY_LABEL = "Cambridgeshire and Peterborough"


def test_the_attacker_works_out_what_line_by_line_suppression_gave_away():
    """Today's rule before this change (kept as its outputs): many withheld counts recovered exactly."""
    served, truth, changed = load_snapshot()
    found = attack(served, COUNTY_LABEL, DISTRICTS, QUARTERS, YEAR_ENDINGS, 5, changed, truth)
    print(found.summary())
    assert found.withheld > 300
    assert len(found.recovered) >= 20 and len(found.narrowed) >= 20, found.summary()
    recovered = "\n".join(found.recovered)
    # a [c] given away by a year ending minus three quarters; awaiting by MARAC stock and flow
    assert "('Fenland', 'repeats', '2025-26 Q2'), 0) in [20, 20]" in recovered
    assert "('Cambridge City', 'awaiting_hearing', '2025-26 Q1'), 0) in [5, 5]" in recovered


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sample_template):
    return build(tmp_path_factory.mktemp("differencing"), sample_template)


def test_no_withheld_count_can_be_worked_out_from_everything_served(demo):
    deployment = demo["deployment"]
    served = read_store(demo["store"], demo["states"])
    assert {(s.quarter, s.version) for s in served} >= {
        ("2025-26 Q2", 2),
        ("2025-26 Q3", 2),
        ("2024-25 Q3", 1),
    }
    # the offence-group breakdown is among what is attacked, with small groups withheld (no disclosure code of its own)
    groups = [
        rows
        for s in served
        for name, rows in s.csvs.items()
        if name.endswith("year_ending_offence_groups.csv")
    ]
    assert groups and any(cell in ("<5", "[c]") for rows in groups for row in rows[1:] for cell in row[1:])
    found = attack(served, deployment.county_label, [a.name for a in deployment.districts], QUARTERS,
                   YEAR_ENDINGS, deployment.suppression.threshold, demo["changed"], demo["truth"])  # fmt: skip
    print(found.summary())
    assert found.withheld > 100
    assert found.recovered == [] and found.narrowed == [], (
        found.summary() + "\n" + "\n".join(found.recovered + found.narrowed)
    )
    # the county report's public edition, served beside the slices, prints nothing they do not: each of its
    # cells is a slice's cell of the same version, with the same value or marker
    import json

    for county in demo["store"].glob("*/v*/county/metrics.json"):
        cells = json.loads(county.read_text(encoding="utf-8"))["suppression"]["cells"]
        sliced = {}
        for doc in county.parent.parent.glob("districts/*/slice.json"):
            sliced.update(json.loads(doc.read_text(encoding="utf-8"))["suppression"]["cells"])
        assert cells and {k: v for k, v in cells.items() if sliced.get(k) != v} == {}, county


def test_a_slice_that_would_give_a_count_away_is_refused_naming_the_cell(demo):
    """The render-time check: with one protecting [c] dropped from the plan, no slice is drawn."""
    from dasv.quarters import Quarter
    from dasv.report.refusals import DisclosureError, violations
    from dasv.report.slices import SliceBuilder

    with demo["engine"].connect() as conn:
        builder = SliceBuilder(conn, demo["deployment"], Quarter.parse("2025-26 Q3"))
    assert builder.unsafe == []
    builder.report("Fenland")  # safe: drawn
    for key, marker in sorted(builder.plan.marks.items(), key=str):
        if marker != "[c]" or not isinstance(key[2], Quarter):
            continue
        del builder.plan.marks[key]
        builder.unsafe = violations(builder.joint)
        if builder.unsafe:
            break
        builder.plan.marks[key] = marker
    assert builder.unsafe, "some [c] protects a count"
    with pytest.raises(
        DisclosureError,
        match=r"Fenland slice of 2025-26 Q3 is not safe to publish, so nothing was drawn: .+ \(withheld as .+\): "
        r"a reader could (tell it is|work it out).+, from .+ with .+\. To publish: ",
    ) as refused:
        builder.report("Fenland")
    assert "e+" not in str(refused.value)  # whole numbers a user can read, never a float's limits
