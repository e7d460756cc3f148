"""The layout stays readable (docs/development.md): modules under about 400 lines, functions a screen long."""

from __future__ import annotations

import ast

from tests.servers import ROOT

FOLDERS = ("dasv", "flows", "tasks", "loaders", "warehouse", "portal", "report_templates")
MOST_LINES = 400
SCREEN = 60  # a function's lines, its signature and docstring included
# text, not steps: a sample partnership's configuration written out as its YAML
DATA = {"dasv/sample/adopt.py:config_text", "dasv/sample/first_year.py:config_text"}


def modules() -> list:
    """Every module of the house once (not again through dasv/'s links), the migrations' DDL aside."""
    found = [p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")
             if "migrations" not in p.parts and not any(part in FOLDERS for part in p.relative_to(ROOT).parts[1:])]  # fmt: skip
    assert len(found) > 100
    return found


def test_no_module_is_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n for p in modules() if (n := len(p.read_text().splitlines())) > MOST_LINES
    }
    assert long == {}, f"split these by responsibility (docs/development.md, 'Layers'): {long}"


def test_no_function_is_longer_than_a_screen():
    long = {}
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                where = f"{path.relative_to(ROOT)}:{node.name}"
                if (n := node.end_lineno - node.lineno + 1) > SCREEN and where not in DATA:
                    long[where] = n
    assert long == {}, (
        f"give a part of each of these a name of its own (docs/development.md, 'Layers'): {long}"
    )
