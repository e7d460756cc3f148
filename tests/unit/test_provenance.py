"""Provenance: the software version, the commit (or "unversioned"), the configuration's checksum, the run."""

from __future__ import annotations

import subprocess

from dasv import provenance
from dasv.config import load_deployment


def test_the_version_is_the_installed_package_and_real():
    version = provenance.package_version()
    assert version[0].isdigit() and version.count(".") >= 2  # pyproject.toml's, e.g. 0.2.0


def _git(root, *args) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=test", "-c", "user.email=test@example.org",
                           "-c", "commit.gpgsign=false", *args], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def test_the_commit_is_the_checkout_s_with_changes_marked_or_unversioned_outside_git(tmp_path):
    """In a checkout of its own (the suite may run from an export of the tree, outside any git checkout)."""
    checkout, copy = tmp_path / "checkout", tmp_path / "copy"
    for root in (checkout, copy):
        root.mkdir()
        (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    _git(checkout, "init", "-q")
    _git(checkout, "add", "pyproject.toml")
    _git(checkout, "commit", "-qm", "first")
    head = _git(checkout, "rev-parse", "HEAD")
    assert len(head) == 40
    assert provenance.git_commit.__wrapped__(checkout) == head
    (checkout / "pyproject.toml").write_text('[project]\nname = "y"\n')
    assert provenance.git_commit.__wrapped__(checkout) == f"{head}+changes"
    assert provenance.git_commit.__wrapped__(copy) == "unversioned"


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


def test_config_check_prints_the_checksum_the_reports_record(tmp_path):
    """``dasv config check`` prints the configuration's checksum as provenance computes and prints it."""
    import os
    import sys

    import yaml

    from dasv.config import DEFAULT_CONFIG

    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["partnership"] += " (checksum test)"
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    for file, env in ((path, {}), (None, {"DASV_CONFIG": str(path)})):
        args = [sys.executable, "-m", "dasv", "config", "check", *([str(file)] if file else [])]
        shown = subprocess.run(
            args, capture_output=True, text=True, check=True, env={**os.environ, **env}
        ).stdout
        expected = provenance.Provenance(
            "0", "c", provenance.config_checksum(load_deployment(path)), None
        ).lines()[1]
        assert f"{expected} (as each report and publication records it)" in shown.splitlines(), shown[:400]
    shipped = subprocess.run([sys.executable, "-m", "dasv", "config", "check"], capture_output=True, text=True,
                             check=True, env={k: v for k, v in os.environ.items() if k != "DASV_CONFIG"}).stdout  # fmt: skip
    assert provenance.config_checksum(load_deployment()) in shipped
