"""What produced a report: the software's version and commit, the configuration's checksum, the run.

Printed under Data quality in every county report and recorded with every publication
(``provenance.json`` in its folder: ``dasv.publications``), so that a figure can be traced back
to the code and the settings that made it. A release is a git tag ``v<version>`` on the commit
whose ``pyproject.toml`` carries that version (docs/development.md, "Releases and provenance"; CHANGELOG.md).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

PACKAGE = "dasv-reporting"
ROOT = Path(__file__).resolve().parents[1]
UNVERSIONED = "unversioned"


@dataclass(frozen=True)
class Provenance:
    """What produced a report or a publication."""

    version: str  # the installed package's version (pyproject.toml)
    commit: str  # the git commit of the code, "+changes" when it had uncommitted changes; or "unversioned"
    config_sha256: str  # of the deployment configuration as loaded (canonical JSON)
    run_id: str | None  # the Prefect flow run, when it ran in one

    def lines(self) -> list[str]:
        """The report's lines (Data quality, "Produced by")."""
        return [
            f"dasv-reporting {self.version}, commit {self.commit}",
            config_line(self.config_sha256),
            f"Prefect flow run {self.run_id}" if self.run_id else "Not run by Prefect (command line)",
        ]

    def as_dict(self) -> dict[str, str | None]:
        """For ``provenance.json``."""
        return asdict(self)


def package_version() -> str:
    """The installed version of dasv-reporting ("unknown" when it is not installed, only on the path)."""
    try:
        return installed_version(PACKAGE)
    except PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def git_commit(root: Path = ROOT) -> str:
    """The commit the code runs from, with "+changes" when files differ from it; "unversioned" outside git."""
    if not (root / ".git").exists() or not (root / "pyproject.toml").is_file():
        return UNVERSIONED  # an installed wheel (site-packages), or a copy without its history
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()  # fmt: skip
        changed = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                 capture_output=True, text=True, timeout=10, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return UNVERSIONED  # no git here
    return f"{head}+changes" if changed else head


def config_line(sha256: str) -> str:
    """How the report, and ``dasv config check``, print the configuration's checksum."""
    return f"Configuration SHA-256 {sha256}"


def config_checksum(deployment) -> str:
    """SHA-256 of the configuration as loaded (canonical JSON: comments and layout of the YAML do not count)."""
    return hashlib.sha256(deployment.model_dump_json().encode()).hexdigest()


def flow_run_id() -> str | None:
    """The Prefect flow run this runs in (in its tasks too, on any worker), else None."""
    if "prefect" in sys.modules:  # never import Prefect (2 s) for the command line
        try:
            from prefect.runtime import flow_run

            if flow_run.id:
                return str(flow_run.id)
        except Exception:
            pass
    return os.environ.get("PREFECT__FLOW_RUN_ID") or None


def current(deployment) -> Provenance:
    """What is producing outputs in this process now."""
    return Provenance(package_version(), git_commit(), config_checksum(deployment), flow_run_id())
