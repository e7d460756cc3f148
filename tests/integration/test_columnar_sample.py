"""Every sample and hostile workbook reads the same with the column reader and the typed columns as without.

The unit tests of the readers (tests/unit/test_columnar.py) take one small file each; these read
every file of the sample inbox (``dasv sample-data``) and of the hostile corpus, tens of seconds.
"""

from __future__ import annotations

from datetime import date

import pytest

from dasv.config import load_deployment
from tests.unit.test_columnar import both, same, same_export, typed_and_usual


@pytest.fixture(scope="module")
def dep():
    return load_deployment()


def sample_files(template, suffixes: tuple[str, ...]) -> list:
    return sorted(p for p in template.inbox.rglob("*") if p.suffix in suffixes)


def test_every_sample_file_reads_the_same_both_ways(sample_template, dep, monkeypatch):
    files = sample_files(sample_template, (".xlsx", ".csv"))
    assert len(files) >= 5
    for path in files:
        fast, slow, calls = both(path, dep, monkeypatch, today=date(2026, 11, 26))
        assert calls == [True], path  # clean: the column reader read it
        assert fast.row_count > 0
        same(fast, slow)


def test_every_sample_and_hostile_workbook_reads_the_same_with_typed_columns_open(
    tmp_path, sample_template, dep, monkeypatch
):
    from tests.hostile.corpus import CASES

    files = sample_files(sample_template, (".xlsx",))
    for case in CASES:
        if not case.heavy:
            built = case.build(tmp_path / case.name)
            if built.suffix.lower() in (".xlsx", ".xlsm") and built.is_file():
                files.append(built)
    assert len(files) > 15
    for path in files:
        typed, usual, _ = typed_and_usual(path, dep, monkeypatch, today=date(2026, 11, 26))
        same_export(typed, usual)
