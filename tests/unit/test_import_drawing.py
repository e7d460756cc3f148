"""The drawing of the imports in docs/development.md is the code's own: drawn here from the import graph.

Each box is a layer of the import contract (``[tool.importlinter]`` in pyproject.toml), top to bottom;
an arrow is an import from one layer into another, left out where a path of arrows already joins the
two. The test fails when the drawing in the docs differs from the one the code draws now; run
``DASV_DRAW_IMPORTS=1 .venv/bin/python -m pytest tests/unit/test_import_drawing.py`` to write it anew.
"""

from __future__ import annotations

import os
import re
import tomllib

import grimp

from tests.servers import ROOT

DOC = ROOT / "docs" / "development.md"
BLOCK = re.compile(
    r"(<!-- the imports, drawn by tests/unit/test_import_drawing.py -->\n```mermaid\n)(.*?)(```)", re.S
)


def _boxes() -> list[list[str]]:
    """The layers of the contract, top first; neighbours split by ``|`` are boxes of their own."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        contracts = tomllib.load(f)["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    return [
        [m.strip() for m in part.split(":") if m.strip()] for layer in layers for part in layer.split("|")
    ]


def _arrows(boxes: list[list[str]]) -> set[tuple[int, int]]:
    graph = grimp.build_graph("dasv", exclude_type_checking_imports=True, cache_dir=None)

    def imports(a: list[str], b: list[str]) -> bool:
        return any(graph.direct_import_exists(importer=x, imported=y, as_packages=True) for x in a for y in b)

    n = len(boxes)
    return {(i, j) for i in range(n) for j in range(n) if i != j and imports(boxes[i], boxes[j])}


def _reduced(arrows: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Leave out an arrow when a longer path of arrows joins the same two boxes."""
    after: dict[int, set[int]] = {}
    for i, j in arrows:
        after.setdefault(i, set()).add(j)

    def reaches(start: int, goal: int, skip: tuple[int, int]) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for nxt in after.get(node, ()):
                if (node, nxt) == skip or nxt in seen:
                    continue
                if nxt == goal:
                    return True
                seen.add(nxt)
                todo.append(nxt)
        return False

    return {(i, j) for i, j in arrows if not reaches(i, j, (i, j))}


def _label(box: list[str]) -> str:
    """``dasv.loaders: export · cells`` for modules of one package, else the names in full."""
    packages = {name.rpartition(".")[0] for name in box}
    if len(box) > 2 and len(packages) == 1 and "." in next(iter(packages)):
        return f"{packages.pop()}: " + " · ".join(name.rpartition(".")[2] for name in box)
    return " · ".join(box)


def drawing() -> str:
    boxes = _boxes()
    arrows = _arrows(boxes)
    lines = ["flowchart TB"]
    for i, box in enumerate(boxes):
        lines.append(f'  L{i}["{_label(box)}"]')
    for i, j in sorted(_reduced(arrows)):
        lines.append(f"  L{i} --> L{j}")
    return "\n".join(lines) + "\n"


def test_every_import_runs_down_the_layers():
    boxes = _boxes()
    up = sorted((boxes[i][0], boxes[j][0]) for i, j in _arrows(boxes) if j < i)
    assert up == [], f"imports back up the layers: {up}"


def test_the_drawing_in_the_docs_is_the_code_s():
    text = DOC.read_text()
    found = BLOCK.search(text)
    assert found, f"{DOC.name} has lost its drawing of the imports"
    now = drawing()
    if os.environ.get("DASV_DRAW_IMPORTS") and found.group(2) != now:
        DOC.write_text(text[: found.start(2)] + now + text[found.end(2) :])
        return
    assert found.group(2) == now, (
        "the imports have changed: DASV_DRAW_IMPORTS=1 .venv/bin/python -m pytest "
        "tests/unit/test_import_drawing.py writes the new drawing into docs/development.md"
    )
