"""Issue 31 item 7: the attacker holding every served byte of the public set.

For each scenario (``tests/public_set.py``: published in order; out of order as ``dasv demo`` does;
after a correction and version 2; with the threshold at 10) the attacker reads every file of every
quarter and version in the publication store — the county report (PDF, HTML with its SVG charts,
spreadsheet, metrics.json, CSVs, the MARAC return) and every slice (PDF, HTML and charts,
spreadsheet, JSON, CSVs) — and the portal's feed built from the store; states the identities a
reader knows; and bounds every withheld count by integer programming (``tests/attacker.py``).
Nothing withheld may be recovered exactly or narrowed. With ``DASV_ATTACK_SLICES_ALONE=1`` it
also prints what the slices alone give away (no more than the whole set, which holds them).
"""

from __future__ import annotations

import os

import pytest

from tests.attacker import attack_public
from tests.public_set import build_shipped, build_threshold, loaded_warehouse
from tests.served import read_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("public-set")
    return tmp, *loaded_warehouse(tmp)


@pytest.fixture(scope="module")
def shipped(loaded):
    tmp, database, inbox = loaded
    return build_shipped(tmp, database, inbox)


@pytest.fixture(scope="module")
def threshold_10(loaded):
    tmp, database, inbox = loaded
    return build_threshold(tmp, database, inbox, 10)


def run_attack(public):
    reading = read_store(public.store, public.states, public.deployment)
    threshold = public.deployment.suppression.threshold
    found, attack = attack_public(reading, public.deployment, threshold, public.truth, public.changed)
    print(f"\n{public.name}: files read {dict(sorted(reading.files.items()))}")
    print(f"{public.name}: " + found.summary())
    elsewhere = sum("published elsewhere" in r for r in found.recovered)
    print(f"  of the recovered, {elsewhere} are printed outright elsewhere in the public set")
    if os.environ.get(
        "DASV_ATTACK_SLICES_ALONE"
    ):  # a diagnostic: the full set's bounds are at least as tight
        slices, _ = attack_public(
            reading.slices_only(), public.deployment, threshold, public.truth, public.changed
        )
        print(f"  the slices alone (no county report): {slices.summary()}")
    for line in public.log:
        print(f"  {line}")
    for line in reading.unread[:10]:
        print(f"  not read: {line}")
    print(f"  ({len(reading.unread)} items not read in all)")
    for line in (found.recovered + found.narrowed)[:40]:
        print(f"  {line}")
    assert not reading.sensitive, f"OFFICIAL-SENSITIVE files in the public store: {reading.sensitive}"
    assert not attack.contradictions, "a figure printed with two values: " + "; ".join(
        attack.contradictions[:5]
    )
    assert found.withheld > 0, "nothing withheld: the attacker read no marker"
    assert found.recovered == [] and found.narrowed == [], found.summary()


@pytest.mark.parametrize("scenario", ["in_order", "out_of_order", "revised"])
def test_nothing_withheld_can_be_worked_out_from_the_public_set(shipped, scenario):
    run_attack(shipped[scenario])


def test_nothing_withheld_can_be_worked_out_with_the_threshold_at_10(threshold_10):
    run_attack(threshold_10)
