"""The README, docs/ and --help point only inside the repository, at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"METRICS_JSON\.md|PORTAL\.md|STATISTICS\.md|INPUTS\.md|PRODUCT\.md|CLI\.md|\.\./shared")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def user_texts():
    yield ROOT / "README.md", (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "docs").glob("*.md")):
        yield path, path.read_text(encoding="utf-8")


def test_docs_cite_nothing_outside_the_repository():
    found = [f"{p.name}: {m.group(0)}" for p, text in user_texts() for m in OUTSIDE.finditer(text)]
    assert not found, found


def test_every_relative_link_exists():
    missing = []
    for path, text in user_texts():
        for target in LINK.findall(text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (path.parent / target).exists():
                missing.append(f"{path.name}: {target}")
    assert not missing, missing


def test_adopters_guide_documents_every_setting():
    from dasv.config import Deployment

    guide = (ROOT / "docs" / "adopting.md").read_text(encoding="utf-8")
    undocumented = [key for key in Deployment.model_fields if f"`{key}" not in guide]
    assert not undocumented, undocumented


def command_paths():
    """Every command and group of ``dasv``, as argument lists."""
    import typer

    from dasv.cli import app

    def walk(command, path):
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


def test_help_cites_nothing_outside_the_repository():
    from typer.testing import CliRunner

    from dasv.cli import app

    paths = command_paths()
    assert ["config", "check"] in paths and ["portal", "user", "add"] in paths
    for args in paths:
        result = CliRunner().invoke(app, [*args, "--help"], terminal_width=200)
        assert "Usage" in result.output, (args, result.output)
        assert not OUTSIDE.search(result.output), (args, result.output)
