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


def test_code_and_configuration_cite_nothing_outside_the_repository():
    """Comments, docstrings and messages in every tracked code or configuration file (issue 35, item 5)."""
    import subprocess

    try:
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        paths = [ROOT / name for name in tracked.splitlines()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked release): every file
        paths = [p for p in ROOT.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts]
    kinds = (".py", ".yaml", ".yml", ".toml", ".j2", ".typ", ".sh")
    this = Path(__file__).resolve()
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in paths
        if p.is_file() and (p.suffix in kinds or p.name in ("Makefile", "run")) and p.resolve() != this
        for m in OUTSIDE.finditer(p.read_text(encoding="utf-8", errors="replace"))
    ]
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


def test_the_readme_is_short_and_lists_every_document():
    """Issue 35: a README a newcomer reads in five minutes; the rest in docs/, each listed under Documentation."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    listed = readme[readme.index("\n## Documentation\n") :]
    unlisted = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if f"](docs/{p.name})" not in listed]
    assert not unlisted, unlisted


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


# --- the docs' claims, each held to the code ------------------------------------------------------


def test_the_value_aliases_table_lists_every_coded_column():
    from dasv.loaders.spec import SOURCES
    from dasv.loaders.values import coded_fields

    guide = (ROOT / "docs" / "adopting.md").read_text(encoding="utf-8")
    rows = [line for line in guide.splitlines() if line.startswith("| ") and "`" in line]
    missing = [f"{source}.{field}" for source in SOURCES if source != "police" for field in coded_fields(source)
               if not any(f"`{field}`" in r and (f"| {source} |" in r or "| both |" in r) for r in rows)]  # fmt: skip
    assert not missing, missing


def test_nothing_is_stored_as_other_as_the_docs_say():
    """assumptions_caveats.md and the README: an unknown value is refused, never stored as Other or Not known."""
    from dasv.config import load_deployment
    from dasv.loaders.cells import CellError, CellReaders
    from dasv.loaders.spec import vocabularies
    from dasv.loaders.values import vocabularies_for

    caveats = (ROOT / "docs" / "assumptions_caveats.md").read_text(encoding="utf-8")
    assert "stored as `Other` and counted" not in caveats and "stored as `Not known`" not in caveats
    assert 'Nothing\n  is stored as `Other` unless the export says "Other"' in caveats
    assert not [name for name, spec in vocabularies().items() if "other" in spec]  # no fallback anywhere
    readers = CellReaders(load_deployment(), vocabularies_for("idva", load_deployment()))
    for kind, value in [("route", "Neighbourhood Team"), ("ethnicity", "Martian"), ("gender", "Xyz")]:
        try:
            readers.by_type[kind](value)
        except CellError as exc:
            assert "value_aliases.idva." in exc.expected, (kind, exc.expected)
        else:
            raise AssertionError(f"{kind} {value!r} was not refused")


def test_run_chart_and_threshold_numbers_in_the_docs_are_the_codes():
    from dasv.config import Suppression
    from dasv.measures.spc import MIN_XMR_POINTS

    caveats = (ROOT / "docs" / "assumptions_caveats.md").read_text(encoding="utf-8")
    assert f"with fewer than {MIN_XMR_POINTS} points a run chart is drawn" in caveats
    guide = (ROOT / "docs" / "adopting.md").read_text(encoding="utf-8")
    threshold = Suppression.model_fields["threshold"]
    assert f"default {threshold.default}, at least {threshold.metadata[0].ge}" in guide


def test_the_repeated_refusal_shown_in_the_readme_is_how_one_is_written():
    from dasv.loaders.problems import Problem

    problem = Problem(
        "inbox/idva/q3.xlsx", "'Older Persons' is not a specialism",
        "one of CYP, Housing, Minority Ethnic, Stalking, OOCD, separated by ; , or /; or map it in the deployment "
        "YAML under `value_aliases.idva.specialisms` (<accepted value>: ['Older Persons']); or add it to `specialisms`",
        sheet="Referrals", row=3, column="Strand", rows=[4, 7, 9, 12, *range(20, 127)],
    )  # fmt: skip
    assert problem.row_count == 112
    assert str(problem) in (ROOT / "README.md").read_text(encoding="utf-8")
