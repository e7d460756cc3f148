"""The layout stays readable: every module of the house under about 400 lines (docs/development.md)."""

from __future__ import annotations

from tests.servers import ROOT

FOLDERS = ("dasv", "flows", "tasks", "loaders", "warehouse", "portal", "report_templates")
MOST_LINES = 400


def test_no_module_is_over_400_lines():
    modules = [p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")
               if "migrations" not in p.parts and not any(part in FOLDERS for part in p.relative_to(ROOT).parts[1:])]  # fmt: skip
    assert len(modules) > 100
    long = {
        str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text().splitlines())) > MOST_LINES
    }
    assert long == {}, f"split these by responsibility (docs/development.md, 'Layers'): {long}"
