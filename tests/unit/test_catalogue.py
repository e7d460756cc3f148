"""The catalogue of measures (dasv/measures/catalogue.py): one record per measure, every list derived from it."""

from __future__ import annotations

from dasv.measures import catalogue
from dasv.measures.catalogue import BY_KEY, MEASURES


def test_every_relation_names_a_measure_of_the_catalogue():
    names = {m.name for m in MEASURES}
    for m in MEASURES:
        for other in (*(m.parts or ()), *m.at_most, *(m.stock or ())):
            assert other in names, f"{m.key} names {other!r}, which the catalogue does not hold"
        if m.parts:  # a percentage's parts are counts of its own source
            assert all(f"{m.source}.{p}" in BY_KEY for p in m.parts), m.key


def test_keys_and_printed_names_are_unique():
    assert len(BY_KEY) == len(MEASURES)
    labels = [m.label for m in MEASURES]
    assert len(set(labels)) == len(labels)


def test_the_lists_the_report_uses_are_the_catalogue_s():
    from dasv.measures.context import CHARTED, IDVA_PCTS, SPC_MEASURES
    from dasv.measures.labels import LABELS
    from dasv.report import comparator, registry, relations, slice_tables

    assert LABELS == {m.key: m.label for m in MEASURES}
    assert set(CHARTED) <= set(SPC_MEASURES) <= set(BY_KEY)
    assert IDVA_PCTS == {
        "engagement_pct": ("engaged", "criteria_met"),
        "repeats_pct": ("repeats", "total_referrals"),
    }
    assert (
        slice_tables.IDVA_MEASURES
        == comparator.IDVA
        == relations.ROW_PARTS
        == catalogue.names("idva", slice=True)
    )
    assert slice_tables.MARAC_MEASURES == ("referrals", "cases_heard", "awaiting_hearing", "repeat_cases")
    assert ("engaged", "criteria_met") in registry.AT_MOST and registry.STOCKS == {
        "awaiting_hearing": ("referrals", "cases_heard")
    }


def test_every_defined_measure_is_in_the_report_s_glossary():
    from dasv.config import load_deployment
    from dasv.report.build import definitions

    terms = {term for term, _ in definitions(load_deployment())}
    for m in MEASURES:
        if m.definition:
            assert (m.term or m.label) in terms, m.key


def test_every_headline_row_of_the_catalogue_is_one_the_county_headline_draws():
    """A measure flagged ``headline`` in the catalogue is a row the county's table knows where to find,
    and a headline percentage sits beside its denominator (never dropped for want of one)."""
    from dasv.measures import catalogue
    from dasv.report.tables.headline import HEADLINE_KEYS, HEADLINE_PATHS

    assert {k for k in HEADLINE_KEYS if not k.startswith("police.")} <= set(HEADLINE_PATHS)
    rows = catalogue.headline()
    for m in (m for m in catalogue.MEASURES if m.headline and m.parts):
        assert m in rows, f"{m.key}: a headline percentage whose denominator is not a headline count"
        assert rows[rows.index(m) - 1].name == m.parts[1] or rows[rows.index(m) - 1].parts, m.key
