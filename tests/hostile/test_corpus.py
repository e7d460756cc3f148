"""Every hostile file is refused or loaded exactly as docs/adopting.md says: never a traceback,
bounded time, and (for the heavy ones, each in its own process) bounded memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from dasv.config import load_deployment
from dasv.loaders.export import read_export
from tests.hostile.corpus import CASES

DEP = load_deployment()
PEAK_RSS_LIMIT_MB = 500


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each case's file, built once (the bomb and the million-row sheet take seconds)."""
    cache: dict[str, object] = {}

    def get(case):
        if case.name not in cache:
            cache[case.name] = case.build(tmp_path_factory.mktemp("hostile"))
        return cache[case.name]

    return get


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refused_or_loaded_as_the_contract_says(case, built):
    path = built(case)
    started = time.perf_counter()
    export = read_export(path, DEP)
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"{case.name} took {elapsed:.1f}s"
    kind, expected = case.outcome
    if kind == "refused":
        assert export.refused, f"{case.name} should be refused"
        assert expected in str(export.problems[0]), str(export.problems[0])
        assert export.rows == []
        assert str(export.problems[0]).startswith(str(path)), "every line names the file"
    else:
        assert not export.refused, [str(p) for p in export.problems[:3]]
        assert len(export.rows) == expected


HEAVY = [c for c in CASES if c.heavy]


@pytest.mark.parametrize("case", HEAVY, ids=[c.name for c in HEAVY])
def test_heavy_files_in_bounded_memory(case, built):
    """`dasv check` on the file in a process of its own: peak RSS and exit status."""
    path = built(case)
    process = subprocess.Popen([sys.executable, "-m", "dasv", "check", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=os.environ.copy())  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode()
    peak_mb = usage.ru_maxrss / 1024
    assert "Traceback" not in stderr
    assert os.waitstatus_to_exitcode(status) == (1 if case.outcome[0] == "refused" else 0), stderr
    assert peak_mb < PEAK_RSS_LIMIT_MB, f"{case.name}: peak RSS {peak_mb:.0f} MB"
    print(f"{case.name}: peak RSS {peak_mb:.0f} MB")
