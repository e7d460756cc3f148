"""Install like a user: build the wheel, install it into a clean virtual environment, run the demo.

Nothing from the source tree is importable there (the test runs from an empty folder), so a
package or template missing from the wheel fails here, as it would for a partnership. The
packages the wheel requires are not downloaded again: the clean environment sees only the
distributions its metadata requires (and theirs in turn), linked from this environment, so a
module imported but not declared fails here too; ``pip check`` holds the versions to the wheel's.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.servers import ROOT

pytestmark = pytest.mark.slow

# the design's folders at the top of the repository, each linked into dasv/ (pyproject.toml)
LINKED = ("flows", "tasks", "loaders", "warehouse", "portal", "report_templates")


def _run(args: list, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], cwd=out
    )
    assert built.returncode == 0, built.stderr
    assert "deprecat" not in built.stderr.lower(), built.stderr  # e.g. project.license as a table
    return next(out.glob("dasv_reporting-*.whl"))


def test_the_wheel_holds_every_package_and_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    tree = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "dasv").rglob(
            "*"
        )  # the folders at the top, through their links dasv/flows -> ../flows, ...
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",)
    }
    for top in LINKED:
        assert (ROOT / "dasv" / top).is_symlink(), f"dasv/{top} should link to the top-level folder {top}/"
        tree |= {
            str(Path("dasv") / p.relative_to(ROOT))
            for p in (ROOT / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",)
        }
    missing = sorted(tree - names)
    assert missing == [], f"files of the tree missing from the wheel: {missing}"


def test_the_wheel_installs_one_import_root(wheel):
    """Nothing generic at the top of site-packages: flows, tasks, loaders, ... are dasv.flows, dasv.tasks, ..."""
    wheel_file = zipfile.ZipFile(wheel)
    tops = {name.split("/")[0] for name in wheel_file.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"dasv"}
    info = next(top for top in tops if top.endswith(".dist-info"))
    assert wheel_file.read(f"{info}/top_level.txt").decode().split() == ["dasv"]
    entry_points = wheel_file.read(f"{info}/entry_points.txt").decode()
    targets = [line.split("=", 1)[1].strip() for line in entry_points.splitlines() if "=" in line]
    assert targets and all(target.startswith("dasv.") for target in targets), entry_points


def required_distributions(wheel: Path) -> set[str]:
    """The distributions the wheel requires, and theirs in turn (their extras followed), as installed here."""
    info = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(info).decode()
    todo = [Requirement(line.split(":", 1)[1].strip()) for line in metadata.splitlines()
            if line.startswith("Requires-Dist:")]  # fmt: skip
    todo = [r for r in todo if not r.marker or r.marker.evaluate({"extra": ""})]
    seen: set[tuple[str, str]] = set()
    found: set[str] = set()
    while todo:
        req = todo.pop()
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        for extra in ["", *req.extras]:
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            try:
                dist = distribution(name)
            except PackageNotFoundError:
                raise AssertionError(f"{name}, required by the wheel, is not installed here") from None
            found.add(dist.metadata["Name"])
            for line in dist.requires or []:
                sub = Requirement(line)
                if sub.marker is None or sub.marker.evaluate({"extra": extra}):
                    todo.append(sub)
    return found


def link_distributions(names: set[str], folder: Path) -> None:
    """Each distribution's top-level files and folders, where this environment installed them, linked into ``folder``."""
    folder.mkdir()
    for name in sorted(names):
        dist = distribution(name)
        assert dist.files, f"{name} lists no files (no RECORD): it cannot be linked"
        tops = {Path(f).parts[0] for f in dist.files if not str(f).startswith("..")} - {"__pycache__"}
        for top in tops:
            source = Path(dist.locate_file(top))
            if source.exists() and not (folder / top).exists():
                (folder / top).symlink_to(source)


def test_a_clean_install_runs_the_demo(wheel, tmp_path):
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path).returncode == 0
    link_distributions(required_distributions(wheel), tmp_path / "required")
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "required.pth").write_text(f"{tmp_path / 'required'}\n")
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    installed = _run(
        [*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp_path, timeout=900
    )
    assert installed.returncode == 0, installed.stderr
    assert "deprecat" not in installed.stderr.lower(), installed.stderr
    checked = _run([*pip, "check"], cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # every requirement met, at its version
    work = tmp_path / "somewhere-else"
    work.mkdir()
    demo = _run([str(venv / "bin" / "dasv"), "demo", "--out", "demo"], cwd=work)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr
    assert (work / "demo" / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.pdf").is_file()
    assert (work / "demo" / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.html").is_file()
