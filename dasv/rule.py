"""The disclosure rule's words, in one place: its markers, its threshold and every sentence that states it.

Every output that names the rule (the slice notes and JSON, the spreadsheet's cover and
shorthand notes, the PDF and HTML banner, the portal feed) takes its words from here, so a
deployment with ``suppression.threshold: 10`` says ``<10`` and "1 to 9" everywhere and nothing
says ``<5`` unless the threshold is 5.
"""

from __future__ import annotations

SECONDARY = "[c]"  # a value withheld so that a small count cannot be worked out
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"  # the restricted edition's marking (every page, title, file name)


def small_marker(threshold: int) -> str:
    """The marker of a small count: ``<5`` for a threshold of 5."""
    return f"<{threshold}"


def small_range(threshold: int) -> str:
    """The counts the marker stands for, in words: ``1 to 4`` for a threshold of 5."""
    return f"1 to {threshold - 1}"


def markers(threshold: int) -> set[str]:
    """Both markers a protected output prints."""
    return {small_marker(threshold), SECONDARY}


def rule(threshold: int) -> str:
    """The rule as every public output states it (slice notes, spreadsheet cover, JSON, feed)."""
    return (
        f"Counts from {small_range(threshold)} are shown as {small_marker(threshold)}. {SECONDARY} marks a value "
        f"withheld so that no {small_marker(threshold)} can be worked out or narrowed by anyone holding every "
        "published output: the county report's public edition and every district's slices of every quarter and "
        "version, with the county figures, year endings and the relations between measures (districts within "
        "the county, engaged within criteria met within referrals, a specialism within the total, MARAC cases "
        "awaiting = awaiting before + referrals - cases heard, a year ending = its four quarters). A value once "
        "withheld stays withheld in later quarters and versions; percentages, rates, intervals, changes and "
        "chart points are shown only where every count they use is shown."
    )


def banner(threshold: int) -> str:
    """The one-line statement under a protected report's title (PDF and HTML)."""
    return (
        f"Small numbers are suppressed for circulation: counts from {small_range(threshold)} are shown as "
        f"{small_marker(threshold)}, and {SECONDARY} marks a value withheld so that a suppressed count cannot be "
        "worked out from other published figures. Rates on suppressed counts are not shown."
    )


def secondary_note(threshold: int) -> str:
    """The spreadsheet's note on ``[c]``."""
    return (
        f"Confidential: a small count ({small_range(threshold)}), or a value withheld so that a small count "
        "cannot be worked out from other published figures."
    )


def small_note(threshold: int) -> str:
    """The spreadsheet's note on the small-count marker."""
    return f"A count from {small_range(threshold)}, not published."


def restricted_banner() -> str:
    """The restricted edition's statement: what it is and where it may go."""
    return (
        f"{OFFICIAL_SENSITIVE}: the unsuppressed edition for the Board's meeting. Small counts are shown as "
        "recorded. Not for publication, a public folder, a mailing list or a Community Safety Partnership; "
        "the public edition of this report is the one to circulate."
    )
