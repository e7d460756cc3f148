"""Joint secondary suppression (dasv/report/joint.py): identities, earlier versions, the render-time check.

Each case is the smallest form of an attack on line-by-line suppression (issue: "Slices that stay
safe when they are combined"); the exact check of the whole demo is tests/integration/test_differencing.py.
"""

from __future__ import annotations

import pytest

from dasv.quarters import Quarter
from dasv.report.joint import Joint
from dasv.report.refusals import violations
from dasv.report.relations import _quarters_of
from dasv.report.suppress import COUNTY, SuppressionPlan

Q1, Q2 = Quarter.parse("2025-26 Q1"), Quarter.parse("2025-26 Q2")
DISTRICTS = ["A", "B", "C"]


def marac_plan(awaiting_q1: dict, rest: dict) -> SuppressionPlan:
    """MARAC figures of three districts for two quarters, planned line by line as today."""
    plan = SuppressionPlan(5)
    lines = {("awaiting_hearing", Q1): awaiting_q1, **rest}
    for (m, q), by_district in lines.items():
        plan.add_line(m, q, by_district, sum(by_district.values()))
    return plan


def stock_and_flow() -> SuppressionPlan:
    # A: awaiting Q1 3 (<5), then referrals 44, heard 36, awaiting Q2 11: 11 - 44 + 36 = 3
    return marac_plan(
        {"A": 3, "B": 20, "C": 30},
        {("referrals", Q2): {"A": 44, "B": 30, "C": 25}, ("cases_heard", Q2): {"A": 36, "B": 25, "C": 30},
         ("awaiting_hearing", Q2): {"A": 11, "B": 25, "C": 25}},
    )  # fmt: skip


def test_line_by_line_leaves_the_marac_stock_and_flow_open_and_the_check_names_the_cell():
    plan = stock_and_flow()
    assert plan.marks[("A", "awaiting_hearing", Q1)] == "<5"
    found = violations(Joint([plan], DISTRICTS))
    assert any(
        line.startswith(
            "A, Cases awaiting a MARAC hearing, 2025-26 Q1 (withheld as <5): a reader could work it "
            "out exactly (3), from MARAC stock and flow 2025-26 Q2 with "
        )
        and "A, MARAC referrals, 2025-26 Q2" in line
        and "To publish: " in line
        for line in found
    ), found


def test_joint_protection_closes_it_and_keeps_every_small_count_withheld():
    plan = stock_and_flow()
    joint = Joint([plan], DISTRICTS)
    added = joint.protect()
    assert added >= 1
    assert violations(joint) == []
    assert plan.marks[("A", "awaiting_hearing", Q1)] == "<5"
    # something of A's Q2 flow (or awaiting) is now withheld too
    assert any(plan.marks.get(("A", m, Q2)) for m in ("referrals", "cases_heard", "awaiting_hearing"))


def test_small_counts_adding_up_to_a_small_county_are_loosened():
    """County <5 beside three districts' <5: each is at least 1, so the county would be 3 or 4."""
    plan = SuppressionPlan(5)
    plan.add_line("repeats", Q1, {"A": 1, "B": 1, "C": 1}, 3)
    joint = Joint([plan], DISTRICTS)
    assert violations(joint)
    joint.protect()
    assert violations(joint) == []
    assert all(plan.marks.get((who, "repeats", Q1)) for who in [*DISTRICTS, COUNTY])


def test_engaged_within_criteria_met_bounds_a_withheld_cell():
    """A row's county engaged is known; one district's engaged is <5, another's [c] is at most its criteria met."""
    plan = SuppressionPlan(5)
    plan.add_line("engaged", Q1, {"A": 4, "B": 6, "C": 0}, 10)
    plan.add_line("criteria_met", Q1, {"A": 5, "B": 6, "C": 0}, 11)
    assert plan.marks[("B", "engaged", Q1)] == "[c]"
    joint = Joint([plan], DISTRICTS)
    assert any(line.startswith("A, Engaged, 2025-26 Q1") for line in violations(joint)), violations(joint)
    joint.protect()
    assert violations(joint) == []


def test_what_an_earlier_version_withheld_stays_withheld_and_what_it_published_is_known():
    plan = stock_and_flow()
    served = {("B", "referrals", "2025-26 Q2"): "[c]", ("C", "referrals", "2025-26 Q2"): 25}
    plan.marks[("C", "referrals", Q2)] = "[c]"  # as if this release's lines chose it
    joint = Joint([plan], DISTRICTS, served)
    assert plan.marks[("B", "referrals", Q2)] == "[c]"
    assert ("C", "referrals", Q2) not in plan.marks  # readers hold 25: published again
    joint.protect()
    assert violations(joint) == []
    assert ("C", "referrals", Q2) not in plan.marks


@pytest.mark.parametrize(("ye", "first", "last"), [("YE Sep 2025", "2024-25 Q3", "2025-26 Q2"),
                                                   ("YE Mar 2025", "2024-25 Q1", "2024-25 Q4")])  # fmt: skip
def test_a_year_ending_at_a_quarter_end_is_its_four_quarters(ye, first, last):
    quarters = _quarters_of(ye)
    assert len(quarters) == 4 and quarters[0] == first and quarters[-1] == last


def test_a_plan_sent_to_a_worker_travels_light_and_checks_the_same():
    import pickle

    plan = stock_and_flow()
    joint = Joint([plan], DISTRICTS)
    joint.protect()
    joint.propagate()
    copy = pickle.loads(pickle.dumps(joint))
    assert "rows_" not in copy.__dict__ and violations(copy) == []
    assert len(copy.constraints) == len(joint.constraints)


def test_a_figure_published_then_withheld_is_marked_revised_without_its_value():
    from datetime import UTC, datetime

    from dasv.report.cells import Revised, Suppressed, format_cell
    from dasv.report.revisions import Revisions

    first = {Q1: ({"idva": {"by_area": {"A": {"repeats": 20}}}}, datetime(2025, 8, 1, tzinfo=UTC))}
    revisions = Revisions(None, [], Q2, first=first)
    path = ("idva", "by_area", "A", "repeats")
    marked = revisions.mark(Q1, path, Suppressed("[c]"))
    assert isinstance(marked, Revised) and format_cell(marked) == "[c] [r]"
    assert revisions.mark(Q1, path, 20) == 20  # unchanged and published: nothing to mark


def test_the_districts_relations_add_up_through_their_gaps():
    """The county's criteria met less engaged is 2: A's engaged (4, <5) is then at least 5 - 2 = 3.

    One equation at a time cannot see it (each district's engaged <= its criteria met, summed);
    the gaps (criteria met - engaged >= 0 in every area, the county's the districts') do.
    """
    plan = SuppressionPlan(5)
    plan.add_line("engaged", Q1, {"A": 4, "B": 2, "C": 3}, 9)
    plan.add_line("criteria_met", Q1, {"A": 5, "B": 3, "C": 3}, 11)
    joint = Joint([plan], DISTRICTS)
    found = violations(joint)
    assert any(line.startswith("A, Engaged, 2025-26 Q1 (withheld as <5): a reader could tell it is between 3 and 4")
               for line in found), found  # fmt: skip
    joint.protect()
    assert violations(joint) == []
    assert plan.marks[("A", "engaged", Q1)] == "<5"


def test_a_complement_readers_work_out_exactly_is_published_not_withheld():
    """A's repeats under A's 0 referrals, which an earlier version served: withholding it would hide nothing.

    (Rerunning a quarter after later ones were published met this, and was refused, naming it.)
    """
    plan = SuppressionPlan(5)
    plan.add_line("total_referrals", Q1, {"A": 0, "B": 10, "C": 12}, 22)
    plan.add_line("repeats", Q1, {"A": 0, "B": 6, "C": 7}, 13)
    plan.marks[("A", "repeats", Q1)] = "[c]"  # as if chosen to hide something
    joint = Joint([plan], DISTRICTS, {("A", "total_referrals", "2025-26 Q1"): 0})
    assert any(line.startswith("A, Repeat referrals, 2025-26 Q1 (withheld as [c]): a reader could work it out "
                               "exactly (0)") for line in violations(joint))  # fmt: skip
    assert joint.protect() == 0  # nothing else withheld for it
    assert ("A", "repeats", Q1) not in plan.marks
    assert violations(joint) == []


def offence_group_plan() -> SuppressionPlan:
    """A year's DA crimes and three offence groups of three districts, each planned as one line (as the year-ending plan does)."""
    from dasv.measures.year_ending import YearEnding
    from dasv.report.registry import OFFENCE_TOTAL, offence_measure

    year = YearEnding.parse("2025-09")
    groups = {"A": {"VAP": 100, "Robbery": 2, "Drugs": 30}, "B": {"VAP": 90, "Robbery": 10, "Drugs": 20},
              "C": {"VAP": 80, "Robbery": 8, "Drugs": 12}}  # fmt: skip
    plan = SuppressionPlan(5)
    for g in ("VAP", "Robbery", "Drugs"):
        line = {d: groups[d][g] for d in DISTRICTS}
        plan.add_line(f"police.{offence_measure(g)}", year, line, sum(line.values()))
    totals = {d: sum(groups[d].values()) for d in DISTRICTS}
    for measure in ("police.da_crimes", f"police.{OFFENCE_TOTAL}"):
        plan.add_line(measure, year, totals, sum(totals.values()))
    return plan


def test_the_offence_groups_add_up_to_the_da_crimes_so_a_lone_small_group_is_worked_out_until_planned_jointly():
    from dasv.report.registry import PARTS, offence_measure, parts

    assert parts() == PARTS  # no groups configured: the police sums alone
    assert parts(["VAP", "Robbery"])["da_crimes"] == (offence_measure("VAP"), offence_measure("Robbery"))
    plan = offence_group_plan()
    a_robbery = ("A", "police.offence_group:Robbery", plan_year(plan))
    assert plan.marks[a_robbery] == "<5"
    # line by line: A's DA crimes, violence and drugs are printed, so its robbery is 132 - 100 - 30 = 2
    found = violations(Joint([plan], DISTRICTS))
    assert any("offence_group:Robbery" in line for line in found), found
    joint = Joint([plan], DISTRICTS)
    assert joint.protect() >= 1
    assert violations(joint) == []
    assert plan.marks[a_robbery] == "<5"  # and something else of A's year is withheld with it


def plan_year(plan: SuppressionPlan):
    return next(p for _, m, p in plan.values if m.startswith("police.offence_group:"))


def test_a_year_s_relations_add_up_through_its_quarters_gaps():
    """A year's engaged (22) less three printed-or-bounded quarters leaves Q1's <5 at exactly 4.

    A's criteria met is 6 a quarter (24 in the year), its engaged 4, 6, 6, 6 (22); Q2's and Q3's
    are withheld. Their engaged are at most their criteria met (12 together), so Q1's engaged is
    at least 22 - 6 - 12 = 4: a year ending's gap is its quarters' gaps.
    """
    from dasv.measures.year_ending import YearEnding

    quarters = [Quarter.parse(f"2025-26 Q{n}") for n in (1, 2, 3, 4)]
    year = YearEnding.parse("2026-03")
    values = {"criteria_met": {"A": [6, 6, 6, 6], "B": [20] * 4, "C": [30] * 4},
              "engaged": {"A": [4, 6, 6, 6], "B": [15] * 4, "C": [25] * 4}}  # fmt: skip
    plan = SuppressionPlan(5)
    for m, by_district in values.items():
        for i, q in enumerate(quarters):
            line = {d: v[i] for d, v in by_district.items()}
            plan.add_line(m, q, line, sum(line.values()))
        line = {d: sum(v) for d, v in by_district.items()}
        plan.add_line(m, year, line, sum(line.values()))
    for m in values:  # Q2 and Q3 withheld in every district (so no district sum gives A's away)
        for q in quarters[1:3]:
            for d in DISTRICTS:
                plan.marks[(d, m, q)] = "[c]"
    joint = Joint([plan], DISTRICTS)
    found = violations(joint)
    assert any(line.startswith("A, Engaged, 2025-26 Q1 (withheld as <5): a reader could work it out exactly (4)")
               for line in found), found  # fmt: skip
    joint.protect()
    assert violations(joint) == []
