"""One name per measure: every table, statement, artifact and terminal line prints these.

Keys follow the metrics document (``docs/metrics_json.md``) without the area level, so a
measure reads the same in the PDF, the spreadsheet, the Prefect UI and the terminal.
"""

from __future__ import annotations

from dasv.measures.catalogue import MEASURES

LABELS: dict[str, str] = {m.key: m.label for m in MEASURES}  # the catalogue's printed names


# The SafeLives rolling year's rows (metrics.json ``marac.rolling_12_months``), as the report's table prints them.
ROLLING_YEAR: dict[str, str] = {
    "cases_heard": "Cases heard",
    "cases_per_10000_women": "Cases heard per 10,000 women aged 16+",
    "repeat_cases": "Repeat cases",
    "partner_agency_referrals": "Referred by partner agencies (not police)",
    "male_victims": "Victim male",
    "male": "Victim male",
    "disabled": "Victim disabled",
    "lgbt": "Victim LGBT+",
    "minority_ethnic": "Victim from a minority ethnic group",
    "aged_16_17": "Victim aged 16–17",
    "repeat": "Repeat cases",
    "partner_agency": "Referred by partner agencies (not police)",
}
RATES = {"police.incidents_per_1000": "Police DA incidents per 1,000 aged 16+",
         "police.crimes_per_1000": "Police DA crimes per 1,000 aged 16+"}  # fmt: skip


def figure_label(key: str) -> str:
    """The printed name of any figure of a metrics document (a ``dasv.document_figures.figures`` key).

    ``idva.by_report_row.Housing.engaged`` is "Engaged, Housing"; ``police.by_offence_group.Robbery.share_pct``
    is "Police DA crimes by offence group: Robbery, share %"; the rolling year's
    ``marac.rolling_12_months.disabled_pct`` is "MARAC rolling twelve months: Victim disabled, % of
    cases heard". A key with no printed name is returned as it is, never dropped.
    """
    if key in LABELS or key in RATES:
        return LABELS.get(key) or RATES[key]
    parts = key.split(".")
    if parts[:2] == ["idva", "by_report_row"] and len(parts) >= 4:
        return f"{LABELS.get('idva.' + parts[-1], parts[-1])}, {'.'.join(parts[2:-1])}"
    if parts[:2] == ["police", "by_offence_group"] and len(parts) >= 4:  # a year ending's group: named by it
        share = ", share %" if parts[-1] == "share_pct" else ""
        return f"Police DA crimes by offence group: {'.'.join(parts[2:-1])}{share}"
    if parts[:2] == ["demographics", "sexual_orientation"] and len(parts) >= 3:
        return f"Sexual orientation (IDVA): {'.'.join(parts[2:])}"
    if parts[:2] == ["marac", "rolling_12_months"] and len(parts) == 3:
        name = parts[2].removesuffix("_pct")
        printed = ROLLING_YEAR.get(name, name)
        return f"MARAC rolling twelve months: {printed}" + (
            ", % of cases heard" if parts[2].endswith("_pct") else ""
        )
    return key


def label(key: str) -> str:
    """The printed name of a measure (``idva.total_referrals`` -> ``IDVA referrals``)."""
    return LABELS[key]


def police_label(key: str, area_name: str | None) -> str:
    """``Police DA incidents Cambs``: a police measure of a named reporting area."""
    return f"{LABELS[key]} {area_name}" if area_name else LABELS[key]


def areas_text(names: list[str]) -> str:
    """Areas named together in a title: ``Fenland and Cambs``, or ``Fenland beside Cambridgeshire and Peterborough``.

    A name holding an "and" of its own is never joined by another ("Cambs and Cambridgeshire and Peterborough").
    """
    if len(names) < 2:
        return "".join(names)
    joiner = " beside " if any(" and " in n for n in names) else " and "
    return ", ".join(names[:-2] + [joiner.join(names[-2:])]) if joiner == " and " else joiner.join(names)
