"""The author's commentary for a quarter: the partnership's paragraphs, and a section per district.

``commentary/<quarter>.md`` holds paragraphs separated by blank lines. A heading naming a
configured area (``## Fenland``, or any of its aliases) starts that area's own section, which
runs to the next heading; any other heading (``# Commentary``) is not printed and its paragraphs
are the partnership's. The county report prints the partnership's paragraphs, then each area's
section under its name; a district's slice prints the partnership's paragraphs and its own
section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from dasv.quarters import Quarter

HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")  # a Markdown heading line: "## Fenland"


@dataclass
class Commentary:
    """The partnership's paragraphs and each area's own (by the area's configured name)."""

    general: list[str] = field(default_factory=list)
    by_area: dict[str, list[str]] = field(default_factory=dict)

    def for_county(self, labels: dict[str, str] | None = None) -> list[str]:
        """Every paragraph: the partnership's, then each area's led by its name (``Fenland: …``)."""
        labels = labels or {}
        return self.general + [f"{labels.get(a, a)}: {p}" for a, ps in self.by_area.items() for p in ps]

    def for_area(self, area: str) -> list[str]:
        """What a district's slice prints: the partnership's paragraphs, then the district's own."""
        return self.general + [f"{area}: {p}" for p in self.by_area.get(area, [])]


def parse(text: str, deployment=None) -> Commentary:
    """Paragraphs (blank-line separated, whitespace folded) sorted into the partnership's and each area's."""
    out = Commentary()
    current: str | None = None
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if line.strip()]
        body: list[str] = []
        for line in lines:
            if HEADING.match(line):
                if body:  # text before a heading in the same block belongs to the section above it
                    _add(out, current, " ".join(" ".join(body).split()))
                    body = []
                area = (
                    deployment.area(HEADING.match(line).group(1).strip()) if deployment is not None else None
                )
                current = area.name if area is not None else None
                continue
            body.append(line)
        if body:
            _add(out, current, " ".join(" ".join(body).split()))
    return out


def _add(out: Commentary, area: str | None, paragraph: str) -> None:
    if area is None:
        out.general.append(paragraph)
    else:
        out.by_area.setdefault(area, []).append(paragraph)


def commentary_file(folder: Path | None, quarter: Quarter) -> Path | None:
    """``<folder>/<quarter>.md`` in any accepted spelling of the quarter, or None.

    Raises:
        UserError: two files name the same quarter (which one the author meant is not guessed).
    """
    from dasv.errors import UserError
    from dasv.quarters import QuarterError

    def names_quarter(path: Path) -> bool:
        try:
            return path.is_file() and Quarter.parse(path.stem) == quarter
        except QuarterError:
            return False

    if folder is None or not Path(folder).is_dir():
        return None
    found = sorted(p for p in Path(folder).glob("*.md") if names_quarter(p))
    if len(found) > 1:
        raise UserError(f"two commentary files for {quarter.label}: {' and '.join(str(p) for p in found)}; "
                        "keep one (the report does not guess which the author meant)")  # fmt: skip
    return found[0] if found else None


def read(folder: Path | None, quarter: Quarter, deployment=None) -> Commentary:
    """The quarter's commentary (empty when there is no file)."""
    path = commentary_file(folder, quarter)
    if path is None:
        return Commentary()
    return parse(path.read_text(encoding="utf-8", errors="replace"), deployment)
