"""The relations a reader knows between a release's counts, as linear constraints (the joint plan's model).

The sums come from the registry of printed figures (:mod:`dasv.report.registry`): a county is
its districts and remainder, a year ending its four quarters, the police parts and the offence
groups their wholes. The relations that are not sums are declared with the measures
(:mod:`dasv.measures.catalogue`): each ``<=`` relation, stated also as a gap (an unknown of 0 or
more, summed over the districts like a count, so one equation at a time can add the districts'
relations up); MARAC stock and flow over one to four quarters and over a year ending.
:class:`Relations` is mixed into :class:`dasv.report.joint.Joint`, which holds the counts.
"""

from __future__ import annotations

import math

from dasv.measures import catalogue
from dasv.quarters import Quarter
from dasv.report.registry import AT_MOST, REST, STOCKS, Registry, groups_in, parts
from dasv.report.suppress import COUNTY

Key = tuple[str, str, str]  # (area, measure, period label)
INF = math.inf
ROW_PARTS = catalogue.names("idva", slice=True)  # a report row's counts, each within the total's
YE_SUMMED = catalogue.names(year_ending=True)  # a year ending of each is its four quarters


class Relations:
    """The constraints over a release's counts (``self.value``, ``self.districts``: set by the planner)."""

    value: dict[Key, int]
    districts: list[str]

    # the identities ------------------------------------------------------------------------------
    def _identities(self) -> list[tuple[list[tuple[Key, float]], float, float, str]]:
        out = []
        v = self.value
        areas = [*self.districts, COUNTY]
        periods = sorted({p for _, _, p in v})
        measures = {m for _, m, _ in v}
        rows = sorted({m.rsplit(":", 1)[0] + ":" for m in measures if m.startswith("row:")})
        for terms, why in self.registry().identities():  # the sums: derived from the registered figures
            rest = [(k, c) for k, c in terms if k[0] == REST]
            terms = [(k, c) for k, c in terms if k[0] != REST]
            if rest:  # the remainder outside every district: a constant we assume readers know (stricter)
                ((key, c),) = rest
                value = v[terms[0][0]] - sum(v.get((d, key[1], key[2]), 0) for d in self.districts)
                out.append((terms, -c * value, -c * value, why))
            else:
                out += self._if_true(terms, 0.0, why)
        # the relations that are not sums, declared once with the measures (dasv.report.registry.RELATIONS)
        pairs = [(f"{pre}{a}", f"{pre}{b}") for pre in ["", *rows] for a, b in AT_MOST]
        pairs += [(f"{pre}{m}", m) for pre in rows for m in ROW_PARTS]  # a specialism row within the total
        out += self._gaps(pairs, periods)
        quarters = sorted({p for p in periods if not p.startswith("YE ")}, key=lambda s: Quarter.parse(s))
        for who in areas:
            for p in periods:
                for small, big in pairs:
                    if (who, small, p) in v and (who, big, p) in v:
                        out.append(
                            ([((who, small, p), 1.0), ((who, big, p), -1.0)], -INF, 0.0, f"{small} <= {big}")
                        )
            for q in quarters:
                for stock, (inflow, outflow) in STOCKS.items():
                    out += self._stock_and_flow(who, q, stock, inflow, outflow)
            for p in periods:
                if not p.startswith("YE "):
                    continue
                for whole, summed in parts(groups_in(measures)).items():
                    terms = [((who, whole, p), 1.0)] + [((who, part, p), -1.0) for part in summed]
                    out += self._if_true(terms, 0.0, f"{whole} = {' + '.join(summed)}")
        return out

    def _gaps(self, pairs: list[tuple[str, str]], periods: list[str]) -> list:
        """Each relation small <= big as its gap: big - small = gap >= 0, and the county's gap is its areas'.

        One equation at a time, bounds cannot add the relations of several districts up (the
        districts' engaged are at most their criteria met, so their sum is at most the sum of
        theirs); a gap per area, summed like a count, states it: a district's engaged is at least
        its criteria met less the county's gap. Gaps are not cells (never printed or marked).
        """
        v, out = self.value, []
        for small, big in pairs:
            gap = f"gap:{big}-{small}"
            for p in periods:
                both = [
                    who for who in [*self.districts, COUNTY] if (who, small, p) in v and (who, big, p) in v
                ]
                for who in both:
                    terms = [((who, big, p), 1.0), ((who, small, p), -1.0), ((who, gap, p), -1.0)]
                    out.append((terms, 0.0, 0.0, f"{big} - {small} = their gap"))
                districts = [d for d in both if d != COUNTY]
                # a district with only one of the two (a report row that leaves it out, a source's status):
                # its larger adds to the county's gap and its smaller takes from it, as unknowns, never a constant
                only_big = [d for d in self.districts if d not in both and (d, big, p) in v]
                only_small = [d for d in self.districts if d not in both and (d, small, p) in v]
                if COUNTY in both and districts:
                    # the remainder's gap (outside every district): a constant we assume readers know (stricter)
                    rest = v[(COUNTY, big, p)] - v[(COUNTY, small, p)]
                    rest -= sum(v[(d, big, p)] - v[(d, small, p)] for d in districts)
                    rest -= sum(v[(d, big, p)] for d in only_big) - sum(v[(d, small, p)] for d in only_small)
                    terms = [((COUNTY, gap, p), 1.0)] + [((d, gap, p), -1.0) for d in districts]
                    terms += [((d, big, p), -1.0) for d in only_big] + [
                        ((d, small, p), 1.0) for d in only_small
                    ]
                    out.append((terms, float(rest), float(rest), f"the county's {big} - {small}: its areas'"))
            if small in YE_SUMMED and big in YE_SUMMED:
                out += self._year_gaps(gap, small, big, periods)
        return out

    def _year_gaps(self, gap: str, small: str, big: str, periods: list[str]) -> list:
        """A year ending's gap is its four quarters' (both figures are their quarters' sums), in every area.

        Without it, bounds could not add a year's relations up: a year's engaged less three quarters'
        printed engaged is the fourth quarter's, at least its criteria met less the year's gap.
        """
        v, out = self.value, []
        for p in periods:
            quarters = _quarters_of(p) if p.startswith("YE ") else []
            if not quarters:
                continue
            for who in [*self.districts, COUNTY]:
                keys = [(who, m, x) for x in [p, *quarters] for m in (small, big)]
                # a quarter without both figures, or figures that do not add up: not stated (as _if_true)
                if all(k in v for k in keys) and v[(who, big, p)] - v[(who, small, p)] == sum(
                    v[(who, big, q)] - v[(who, small, q)] for q in quarters
                ):
                    terms = [((who, gap, p), 1.0)] + [((who, gap, q), -1.0) for q in quarters]
                    out.append((terms, 0.0, 0.0, f"{big} - {small} over {p}: its quarters'"))
        return out

    def _stock_and_flow(self, who: str, q: str, stock: str, inflow: str, outflow: str) -> list:
        """A stock at a quarter's end = at the previous end + inflow - outflow, over one to four quarters.

        Bounds propagate one equation at a time, so the identity is stated over two, three and four
        quarters too; added up, a year ending's flows stand in for its four quarters.
        """
        out = []
        for span in (1, 2, 3, 4):
            window = [Quarter.parse(q)]
            for _ in range(span - 1):
                window.insert(0, window[0].previous())
            labels = [x.label for x in window]
            before = window[0].previous().label
            ends = [((who, stock, q), 1.0), ((who, stock, before), -1.0)]
            flows = [((who, inflow, x), -1.0) for x in labels] + [((who, outflow, x), 1.0) for x in labels]
            name = f"MARAC stock and flow {q}" if span == 1 else f"MARAC stock and flow {labels[0]} to {q}"
            out += self._if_true(ends + flows, 0.0, name)
            ye = f"YE {window[-1].end.strftime('%b')} {window[-1].end.year}"
            if span == 4 and _quarters_of(ye) == labels:
                totals = [((who, inflow, ye), -1.0), ((who, outflow, ye), 1.0)]
                out += self._if_true(ends + totals, 0.0, f"MARAC stock and flow over {ye}")
        return out

    def registry(self) -> Registry:
        """The release's figures registered as sums: the county of its districts and remainder, a year of its quarters."""
        reg = Registry()
        for (who, m, p), value in self.value.items():
            quarters = _quarters_of(p) if p.startswith("YE ") and m in YE_SUMMED else []
            total_of = [d for d in self.districts if (d, m, p) in self.value] if who == COUNTY else None
            reg.figure((who, m, p), value, total_of=total_of, parts=[(who, m, q) for q in quarters] or None)
        return reg

    def _if_true(self, terms, rhs: float, why: str) -> list:
        """The identity, when the counts we hold satisfy it (those we lack are unknown to us too)."""
        if not any(k in self.value for k, _ in terms):
            return []
        if all(k in self.value for k, _ in terms) and sum(c * self.value[k] for k, c in terms) != rhs:
            return []
        return [(terms, rhs, rhs, why)]


def _quarters_of(ye: str) -> list[str]:
    """``YE Sep 2025`` -> the four quarters ending September 2025 (a year ending at a quarter's end)."""
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    _, mon, year = ye.split()
    month = months.index(mon) + 1
    if month % 3:
        return []
    # the quarter ending in that month: financial quarters end in Jun (Q1), Sep, Dec, Mar
    number = {6: 1, 9: 2, 12: 3, 3: 4}[month]
    q = Quarter(int(year) - (1 if number == 4 else 0), number)
    out = [q]
    for _ in range(3):
        out.append(out[-1].previous())
    return [x.label for x in reversed(out)]
