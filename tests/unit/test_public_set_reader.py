"""The public-set attacker's reader fails loudly: a missing file type, a restricted edition in the store."""

from __future__ import annotations

import pytest

from tests.served import EXPECTED, Reading, _check_not_sensitive, versions


def _store(tmp_path, leave_out: str | None = None):
    folder = tmp_path / "store" / "2025-26-Q3" / "v1"
    for name in EXPECTED["county"]:
        if name != leave_out:
            (folder / "county").mkdir(parents=True, exist_ok=True)
            (folder / "county" / name).write_bytes(b"")
    for name in EXPECTED["slice"]:
        (folder / "districts" / "fenland").mkdir(parents=True, exist_ok=True)
        (folder / "districts" / "fenland" / name).write_bytes(b"")
    return tmp_path / "store"


def test_every_expected_file_type_is_found(tmp_path):
    [version] = versions(_store(tmp_path))
    assert (version.quarter, version.version) == ("2025-26 Q3", 1)


def test_a_missing_file_type_fails_loudly(tmp_path):
    with pytest.raises(AssertionError, match=r"the county report lacks \['report.xlsx'\]"):
        versions(_store(tmp_path, leave_out="report.xlsx"))


@pytest.mark.parametrize(
    ("name", "words"),
    [("report-OFFICIAL-SENSITIVE.html", "<p>figures</p>"), ("report.html", "<h1>OFFICIAL-SENSITIVE</h1>")],
)
def test_a_restricted_edition_in_the_store_is_found(tmp_path, name, words):
    path = tmp_path / name
    path.write_text(words, encoding="utf-8")
    reading = Reading()
    _check_not_sensitive(path, reading)
    assert reading.sensitive == [str(path)]


def test_a_public_file_is_not_taken_for_a_restricted_one(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("<p>Counts from 1 to 4 are shown as &lt;5.</p>", encoding="utf-8")
    reading = Reading()
    _check_not_sensitive(path, reading)
    assert reading.sensitive == []
