"""Provenance: the software version, the commit (or "unversioned"), the configuration's checksum, the run."""

from __future__ import annotations

import subprocess

from dasv import provenance
from dasv.config import load_deployment


def test_the_version_is_the_installed_package_and_real():
    version = provenance.package_version()
    assert version[0].isdigit() and version.count(".") >= 2  # pyproject.toml's, e.g. 0.2.0


def test_the_commit_is_this_checkout_or_unversioned_outside_git(tmp_path):
    head = subprocess.run(["git", "-C", str(provenance.ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()  # fmt: skip
    assert provenance.git_commit.__wrapped__(provenance.ROOT).split("+")[0] == head
    (tmp_path / "pyproject.toml").write_text("")
    assert provenance.git_commit.__wrapped__(tmp_path) == "unversioned"


def test_the_configuration_checksum_changes_with_the_configuration():
    config = load_deployment()
    same = provenance.config_checksum(load_deployment())
    assert provenance.config_checksum(config) == same and len(same) == 64
    changed = config.model_copy(update={"partnership": config.partnership + " (test)"})
    assert provenance.config_checksum(changed) != same


def test_lines_name_each_part_and_say_when_there_is_no_prefect_run():
    p = provenance.Provenance("0.2.0", "unversioned", "ab" * 32, None)
    assert p.lines() == ["dasv-reporting 0.2.0, commit unversioned", f"Configuration SHA-256 {'ab' * 32}",
                         "Not run by Prefect (command line)"]  # fmt: skip
    assert provenance.Provenance("0.2.0", "c0ffee", "ab" * 32, "1234").lines()[2] == "Prefect flow run 1234"
