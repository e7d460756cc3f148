"""One name per measure: every table, statement, artifact and terminal line prints these.

Keys follow the metrics document (``METRICS_JSON.md``) without the area level, so a
measure reads the same in the PDF, the spreadsheet, the Prefect UI and the terminal.
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    "idva.total_referrals": "IDVA referrals",
    "idva.criteria_met": "Referral criteria met",
    "idva.engaged": "Engaged",
    "idva.engagement_pct": "Engagement % of criteria met",
    "idva.repeats": "Repeat referrals",
    "idva.repeats_pct": "Repeat % of IDVA referrals",
    "marac.referrals": "MARAC referrals",
    "marac.cases_heard": "Cases heard at MARAC",
    "marac.awaiting_hearing": "Cases awaiting a MARAC hearing",
    "marac.repeat_cases": "MARAC repeat cases",
    "marac.repeat_pct": "MARAC repeat % of cases heard",
    "marac.median_days_to_hearing": "Median days from MARAC referral to hearing",
    "police.da_incidents": "Police DA incidents",
    "police.da_crimes": "Police DA crimes",
    "police.crimed_incidents": "Incidents that resulted in a crime",
    "police.incident_only": "Incident only",
    "police.total_recorded": "Total police recorded DA (incident-only + crimes)",
    "police.crimed_pct": "Proportion of incidents crimed",
    "police.total_per_1000": "Police recorded DA per 1,000 population (all ages)",
    "demographics.male_victims": "Male victims (IDVA)",
    "demographics.disability": "Disability (IDVA)",
    "demographics.aged_13_17": "Aged 13–17 (IDVA)",
    "demographics.lgbt_total": "LGBT+ (IDVA)",
    "demographics.not_asked": "Sexual orientation not asked (IDVA)",
}


def label(key: str) -> str:
    """The printed name of a measure (``idva.total_referrals`` -> ``IDVA referrals``)."""
    return LABELS[key]


def police_label(key: str, area_name: str | None) -> str:
    """``Police DA incidents Cambs``: a police measure of a named reporting area."""
    return f"{LABELS[key]} {area_name}" if area_name else LABELS[key]
