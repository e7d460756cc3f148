"""The year-ending section's DA crimes by offence group: the counts, their shares, a chart and the assessment's words.

The CSP strategic assessment's crime-type breakdown (the Cambridge City assessment's Figure 9):
each configured offence group's DA crimes and share, for the four years ending the configured
month. The counts enter the year-ending plan as lines like any count (their sums are declared
with the other relations, :func:`dasv.report.registry.parts`), so the disclosure plan protects
them with no code of their own; a share is printed only beside its printed count and total.
:class:`OffenceGroups` is mixed into :class:`dasv.report.year_ending.YearEndingFigures`.
"""

from __future__ import annotations

from dataclasses import replace

from dasv.measures.series import REPORTING
from dasv.measures.status import NOT_SUPPLIED as NOT_SUPPLIED_STATUS
from dasv.measures.status import Missing
from dasv.measures.year_ending import YearEnding
from dasv.report.cells import Cell, Rate, Suppressed, format_cell
from dasv.report.model import BarChart, Column, ReportTable
from dasv.report.registry import OFFENCE_TOTAL, offence_measure
from dasv.report.suppress import SuppressionPlan
from dasv.rule import SECONDARY

OFFENCES_SOURCE = "police DA crimes by offence group"
OFFENCE_SOURCE_LINE = (
    "Source: police-recorded DA-flagged crimes by Home Office offence group, monthly by {area}"  # Words.say
)


class OffenceGroups:
    """The offence-group breakdown's plan lines, cells, table, chart and statements (a year-ending mixin)."""

    def _plan_offence_groups(self, plan: SuppressionPlan, police: dict, y: YearEnding) -> None:
        """Each offence group's DA crimes, and the groups' total, as one line each, like every year-ending count.

        Only a year the export covers for every district (the county's breakdown exists): the
        relations between them (the groups add up to their total and to the DA crimes) are the
        registry's (:func:`dasv.report.registry.parts`), so the joint planner protects them.
        """
        county = police["total"].get("by_offence_group")
        if not county:
            return
        by_area = {d: police["by_area"][d].get("by_offence_group") for d in self.districts}
        by_area = {d: b for d, b in by_area.items() if b}
        for g in self.groups:
            plan.add_line(f"police.{offence_measure(g)}", y, {d: b[g]["da_crimes"] for d, b in by_area.items()},
                          county[g]["da_crimes"])  # fmt: skip
        plan.add_line(f"police.{OFFENCE_TOTAL}", y, {d: _groups_total(b) for d, b in by_area.items()},
                      _groups_total(county))  # fmt: skip

    # cells --------------------------------------------------------------------------------------

    def offence_cell(self, who: str, group: str | None, y: YearEnding, suppressed: bool) -> Cell:
        """One offence group's DA crimes of the year (``group`` None: all the groups together)."""
        entry = self.police_entry(who, y)
        by_group = entry.get("by_offence_group")
        if not by_group:  # the export lacks a month of the year for some district of the area
            return Missing(entry.get("by_offence_group_status") or NOT_SUPPLIED_STATUS, OFFENCES_SOURCE)
        measure = f"police.{OFFENCE_TOTAL if group is None else offence_measure(group)}"
        value = _groups_total(by_group) if group is None else by_group[group]["da_crimes"]
        if suppressed:
            if who != REPORTING and (who, measure, y) not in self.plan.values:
                return Suppressed(SECONDARY)  # not planned (the county lacks the year): never printed bare
            if mark := self.withheld(who, measure, y):
                return Suppressed(mark)
        return _registered(value, (who, measure, y), suppressed)

    def share_cell(self, who: str, group: str, y: YearEnding, suppressed: bool) -> Cell:
        """A group's share of the groups' DA crimes: printed only where its count and the total are."""
        count, total = (
            self.offence_cell(who, group, y, suppressed),
            self.offence_cell(who, None, y, suppressed),
        )
        if isinstance(count, int) and isinstance(total, int):
            share = Rate(count, total)
            # a group with crimes never prints as 0%: below half a percent, one decimal (0.5%, not 0%)
            return replace(share, places=1) if count and share.value(0) == 0 else share
        if isinstance(count, Missing):
            return count
        return (
            Suppressed(SECONDARY) if isinstance(count, Suppressed) or isinstance(total, Suppressed) else None
        )

    def offence_groups_table(self, who: str, name: str, suppressed: bool) -> ReportTable:
        """The DA crimes of each offence group and its share, for the years shown (one area)."""
        cols = [Column("Offence group", "label")]
        for y in self.years:
            cols += [Column(f"{name} {y.short}", "count", group=y.short, sub="DA crimes", current=y == self.last),
                     Column(f"{name} {y.short} share %", "number", group=y.short, sub="Share", current=y == self.last)]  # fmt: skip
        rows: list[list[Cell]] = []
        for g in self.groups:
            row: list[Cell] = [g]
            for y in self.years:
                row += [self.offence_cell(who, g, y, suppressed), self.share_cell(who, g, y, suppressed)]
            rows.append(row)
        total: list[Cell] = ["All offence groups"]
        for y in self.years:
            count = self.offence_cell(who, None, y, suppressed)
            total += [count, Rate(count, count) if isinstance(count, int) else count]
        rows.append(total)
        return ReportTable(
            "year_ending_offence_groups",
            f"Police recorded DA crimes by offence group, {name}, years ending {self.last.month_name}",
            cols, rows, source=self.deployment.words.say(OFFENCE_SOURCE_LINE), notes=self._offence_notes(rows),
            total_row=True,
        )  # fmt: skip

    def _offence_notes(self, rows: list[list[Cell]]) -> list[str]:
        notes = ["Share: the group's DA crimes as a percentage of the DA crimes of all the groups in the year. A share "
                 "is shown only where its count is; a year is shown only where the offence-group export covers every "
                 "month of it."]  # fmt: skip
        off = []
        for i, y in enumerate(self.years):
            shares = [r[2 + 2 * i] for r in rows[:-1]]
            if all(isinstance(c, Rate) for c in shares):
                printed = round(sum(c.value(places=c.shown_places()) or 0 for c in shares), 1)
                if printed != 100:
                    off.append(f"{y.short} {printed:g}%")
        if off:
            notes.append(
                "Shares are rounded to whole percents (one decimal below 1%), so they do not add up to 100% "
                f"({', '.join(off)})."
            )
        return notes

    def offence_chart(self, who: str, name: str, suppressed: bool) -> BarChart | None:
        """The latest year's share of each group as bars, largest first (the table has every year and the rest).

        One group holds most DA crimes (violence against the person, about three in four): as lines
        over the years, the other groups crowded together near zero, unreadable; as bars, each is
        named and valued. None when no group's share is printed in the latest year.
        """
        last = self.last
        shares = {g: self.share_cell(who, g, last, suppressed) for g in self.groups}
        # a bar for each printed share (none where the groups' total is 0: its share has no value)
        bars = [(g, c.value(1), format_cell(c)) for g, c in shares.items()
                if isinstance(c, Rate) and c.value(1) is not None]  # fmt: skip
        if not bars:
            return None
        bars.sort(key=lambda bar: -bar[1])
        left_out = len(self.groups) - len(bars)
        described = "; ".join(f"{g} {printed}" for g, _, printed in bars)
        groups = "group is" if left_out == 1 else "groups are"
        rest = (
            f" {_number(left_out).capitalize()} {groups} withheld or not supplied: in the table only."
            if left_out
            else ""
        )
        return BarChart("year_ending_offence_groups", f"Share of DA crimes by offence group, {name}, {last.short}",
                        bars, "Share of DA crimes %",
                        f"Bar chart of each offence group's share of police recorded DA crimes in {name} in the "
                        f"{last.title}, largest first: {described}.{rest} The table gives every year.")  # fmt: skip

    def offence_statements(self, who: str, name: str, suppressed: bool) -> list[str]:
        """The assessment's sentences: the largest group, the second and its trend; only when every year is whole.

        Drafted from printed figures alone: a group is named the highest (or second highest) only
        when its count is more than every other printed group's and than all the withheld ones
        together (the total less the printed counts), so no withheld count could outrank it.
        """
        if not self.years:
            return []
        if any(isinstance(self.offence_cell(who, None, y, suppressed), Missing) for y in self.years):
            return []  # a short year (or none): nothing drafted from part of the figures
        last = self.last
        total = self.offence_cell(who, None, last, suppressed)
        counts = {g: self.offence_cell(who, g, last, suppressed) for g in self.groups}
        printed = {g: c for g, c in counts.items() if isinstance(c, int)}
        if not isinstance(total, int) or len(printed) < 2:
            return []
        withheld = int(total) - sum(printed.values())
        ranked = sorted(printed, key=lambda g: (-printed[g], self.groups.index(g)))
        first, second = ranked[0], ranked[1]
        if not (
            printed[first]
            > printed[second]
            > max(withheld, printed.get(ranked[2], 0) if len(ranked) > 2 else 0)
        ):
            return []  # a tie, or a withheld count that could be as large: no order to state
        share = self.share_cell(who, first, last, suppressed)
        lines = [f"{name}: {first} accounted for the highest proportion ({format_cell(share)}) of DA crimes in the "
                 f"{last.title}."]  # fmt: skip
        trend = ""
        cells = [self.share_cell(who, second, y, suppressed) for y in self.years]
        if len(cells) >= 3 and all(isinstance(c, Rate) for c in cells):
            values = [c.exact() for c in cells]
            years = _number(len(values))
            if all(a < b for a, b in zip(values, values[1:], strict=False)):
                trend = f"; this proportion has increased over the last {years} years"
            elif all(a > b for a, b in zip(values, values[1:], strict=False)):
                trend = f"; this proportion has decreased over the last {years} years"
        lines.append(f"{name}: {second} had the second highest proportion ({format_cell(cells[-1])}){trend}.")
        return lines

    # tables, chart, statements -----------------------------------------------------------------


def _registered(value, key: tuple, suppressed: bool):
    """A protected section's count as a registered figure (dasv.report.registry); as it is otherwise."""
    from dasv.report.registry import Shown

    return (
        Shown(value, key) if suppressed and isinstance(value, int) and not isinstance(value, bool) else value
    )


def _groups_total(by_group: dict) -> int:
    """The DA crimes of all the offence groups of a breakdown."""
    return sum(v["da_crimes"] for v in by_group.values())


def _number(n: int) -> str:
    from dasv.report.findings import number_word

    return number_word(n)
