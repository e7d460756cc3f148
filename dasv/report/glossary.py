"""The glossary: one record per acronym and statistical term the reports print.

Every report (PDF and HTML, county and slice) derives from :data:`TERMS` the glossary it
prints (the terms its own text uses) and the line under its title that spells out each
acronym it uses before the first table (so an acronym's first use is spelled out).
``tests/unit/test_glossary.py`` checks that every acronym a report prints is here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One glossary entry: the term as printed, what it stands for (acronyms), and what it means."""

    term: str
    meaning: str
    stands_for: str = ""  # an acronym's words, spelled out on page 1
    pattern: str = ""  # how the term is found in the text (default: the term as a whole word)

    @property
    def acronym(self) -> bool:
        """Whether it is an abbreviation spelled out on first use."""
        return bool(self.stands_for)

    def found(self, text: str) -> bool:
        """Whether the text uses the term."""
        return re.search(self.pattern or rf"(?<![\w-]){re.escape(self.term)}(?![\w-])", text) is not None

    def text(self) -> str:
        """``Independent Domestic Violence Adviser: …`` as the glossary prints it."""
        return f"{self.stands_for}. {self.meaning}" if self.stands_for else self.meaning


TERMS: list[Term] = [
    Term(
        "DASV",
        "The partnership of agencies working on domestic abuse and sexual violence.",
        "Domestic Abuse and Sexual Violence",
    ),
    Term(
        "DA",
        "Domestic abuse: controlling, coercive, threatening, violent or abusive behaviour between people "
        "aged 16 or over who are or have been intimate partners or family members.",
        "Domestic abuse",
    ),
    Term(
        "IDVA",
        "A specialist who supports victims at high risk of harm from domestic abuse; the IDVA service's "
        "referrals are the report's main figures.",
        "Independent Domestic Violence Adviser",
    ),
    Term(
        "MARAC",
        "A regular meeting of police, health, housing, children's services, IDVA and other agencies "
        "that agrees a plan for each victim at high risk of serious harm or homicide.",
        "Multi-Agency Risk Assessment Conference",
    ),
    Term(
        "CYP",
        "The report rows of referrals of children and young people (each row says which ages and areas).",
        "Children and young people",
    ),
    Term(
        "OOCD",
        "A way of dealing with an offence without a prosecution in court (e.g. a caution); the OOCD row "
        "counts referrals made through that route.",
        "Out-of-court disposal",
    ),
    Term(
        "CSP",
        "The {area}'s statutory partnership of council, police, health, probation and fire services "
        "that reduces crime and disorder; each receives its {area}'s slice of this report.",
        "Community Safety Partnership",
    ),
    Term(
        "LGBT+",
        "Lesbian, gay, bisexual, transgender and other sexual orientations and gender identities.",
        "Lesbian, gay, bisexual and transgender, and more",
        pattern=r"LGBT\+?",
    ),
    Term(
        "ONS",
        "The UK's national statistics office; its census and mid-year estimates give the populations "
        "that rates per 1,000 use.",
        "Office for National Statistics",
    ),
    Term(
        "NHS",
        "The National Health Service; NHS England's Making Data Count guidance is the method of the SPC "
        "charts.",
        "National Health Service",
    ),
    Term(
        "SPC",
        "Charting a measure month by month against limits that show the usual variation, to tell "
        "a real change from noise (NHS England's Making Data Count).",
        "Statistical process control",
    ),
    Term(
        "YE",
        "The twelve months to the end of the named month: YE Sep 2025 is October 2024 to September 2025.",
        "Year ending",
    ),
    Term("GMT", "UK winter time; times are UK time (BST in summer).", "Greenwich Mean Time"),
    Term("BST", "UK summer time.", "British Summer Time"),
    Term(
        "SHA-256",
        "A fingerprint of a file's bytes: the same file always gives the same 64 characters, a changed "
        "file different ones; it shows which exact file the figures came from.",
        "Secure Hash Algorithm, 256-bit",
        pattern=r"SHA-256",
    ),
    Term("UK", "The United Kingdom.", "United Kingdom"),
    Term(
        "VAWG",
        "The government's strategy on violence against women and girls.",
        "Violence Against Women and Girls",
    ),
    Term("DASS", "A domestic abuse outreach service the commentary names.", "Domestic Abuse Support Service"),
    Term(
        "XmR chart",
        "The SPC chart the report draws: each month's value (X) with its mean and process limits "
        "worked out from the moving range (mR) between consecutive months.",
        pattern=r"\bXmR\b",
    ),
    Term(
        "Process limits",
        "The lines either side of the mean on an SPC chart (mean ± 2.66 × the average "
        "moving range): almost every month falls between them while nothing has changed.",
        pattern=r"(?i)process limits",
    ),
    Term(
        "Special cause",
        "An SPC chart's signal that something changed: a month outside the process limits, "
        "seven months in a row on one side of the mean or all rising or falling, or two of three months close "
        "to a limit.",
        pattern=r"(?i)special[ -]cause",
    ),
    Term(
        "Common cause",
        "The usual month-to-month variation of a measure: no SPC signal.",
        pattern=r"(?i)common cause",
    ),
    Term(
        "Limits do not fit",
        "When a chart would flag more than half its months, its limits do not describe the "
        "series (the months vary more than the chart allows, seasonally say, or the level shifted); it then "
        "flags no month.",
        pattern=r"(?i)limits do not fit",
    ),
    Term(
        "Real rise / real fall",
        "The one verdict on a change from last quarter: the quarter-on-quarter test "
        "finds it unlikely to be chance (p < 0.05), or the monthly chart flags the latest month in the same "
        "direction.",
        pattern=r"(?i)real (rise|fall)",
    ),
    Term(
        "Normal variation",
        "A change from last quarter no bigger than chance often gives: not evidence that anything changed.",
        pattern=r"(?i)normal variation",
    ),
    Term(
        "p",
        "The p-value: how often chance alone would give a change at least this large. Below 0.05 the "
        "change is called real.",
        pattern=r"\bp [=<] ",
    ),
    Term(
        "95% interval",
        "The range that, 95 times in 100, contains the true value: the figure's uncertainty "
        "(Wilson's method for percentages, Byar's for counts and rates, Newcombe's for a change of a "
        "percentage).",
        pattern=r"95% interval",
    ),
    Term(
        "Percentage points",
        "The difference between two percentages (from 80% to 56% is 24 points).",
        pattern=r"\bpoints?\b",
    ),
    Term(
        "Funnel plot",
        "Each {area}'s rate plotted against its population, with limits that narrow as "
        "populations grow: a {area} outside the 99.8% limits differs from the {whole} by more than chance.",
        pattern=r"(?i)funnel",
    ),
    Term(
        "Over-dispersion",
        "{Areas} differing more than chance alone would make them; the funnel's limits are "
        "then widened by the ordinary spread between {areas} (phi is the dispersion ratio, tau² the "
        "between-{area} variance).",
        pattern=r"(?i)over-dispersion|widened",
    ),
    Term(
        "SafeLives",
        "The national charity whose MARAC measures (repeat cases, cases per 10,000 women) the "
        "rolling-year table follows.",
        pattern=r"SafeLives",
    ),
]


def used(text: str) -> list[Term]:
    """The terms a report's text uses, in the glossary's order."""
    return [t for t in TERMS if t.found(text)]


def spelled_out(text: str) -> str:
    """The line under a report's title: each acronym it uses with its words (its first use, spelled out)."""
    acronyms = [t for t in used(text) if t.acronym]
    return "; ".join(f"{t.term}: {t.stands_for}" for t in acronyms) + "." if acronyms else ""


def entries(text: str, words=None) -> list[tuple[str, str]]:
    """The glossary a report prints: (term, what it means) for each term its text uses.

    ``words``: the partnership's :class:`dasv.config.Words` (what an area and the whole are called).
    """
    from dasv.config import Words

    w = words or Words()
    return [(t.term, w.say(t.text())) for t in used(text)]


def report_text(report) -> str:
    """Every string a report prints (titles, cells, notes, statements, commentary, chart descriptions)."""
    parts = [report.title, report.subtitle, *report.commentary, *report.statements, *report.quality,
             *report.notes.values(), *(f"{a} {b}" for a, b in report.definitions)]  # fmt: skip
    for table in report.all_tables:
        parts += [table.title, table.footnote(), *(c.header for c in table.columns)]
        parts += [table.text(r, c) for r in range(len(table.rows)) for c in range(len(table.columns))]
    for section in report.sections:
        parts += [section.title, *section.intro, *section.statements]
    for chart in [*report.charts, *(c for s in report.sections for c in s.charts)]:
        parts += [chart.title, chart.description]
    parts += list(report.provenance)
    from dasv.quarters import london_time

    parts.append(london_time(report.produced_at))  # the produced and loaded times (GMT or BST)
    if report.sources:  # the source files' table: its headers and files
        parts += ["SHA-256 Loaded (UK time)", *(f"{s.source} {s.file_name}" for s in report.sources)]
    return "\n".join(str(p) for p in parts)
