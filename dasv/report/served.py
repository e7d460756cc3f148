"""What the publication store has served, as the joint plan reads it, and the cells a served document lists."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

from dasv.quarters import Quarter
from dasv.report.relations import Key
from dasv.report.suppress import COUNTY

if TYPE_CHECKING:
    from dasv.report.joint import Joint


def served_cells(conn, since: Quarter | None = None) -> dict[Key, object]:
    """Every cell any served version showed (slices and the public edition): its value, or its marker (withheld wins).

    Args:
        since: read only the publications of this quarter and later (those whose cells a release
            can be linked to: its earliest quarter less a year).
    """
    from sqlalchemy import select

    from dasv.publications import quarter_id
    from dasv.warehouse.models import Publication, PublicationMetrics

    query = select(PublicationMetrics.document).join(  # every document served: slices and the public edition
        Publication, Publication.id == PublicationMetrics.publication_id
    )
    if since is not None:
        query = query.where(Publication.quarter_id >= quarter_id(since))
    out: dict[Key, object] = {}
    for (doc,) in conn.execute(query):
        for name, shown in json.loads(doc).get("suppression", {}).get("cells", {}).items():
            key = tuple(name.split("|", 2))
            small = isinstance(shown, str) and shown.startswith("<")
            if (
                small
                or (isinstance(shown, str) and not str(out.get(key, "")).startswith("<"))
                or key not in out
            ):
                out[key] = shown  # withheld wins over published, and <5 (readers know 1 to 4) over [c]
            elif not isinstance(out[key], str) and out[key] != shown:
                out[key] = shown  # revised: the later value (both are known; the older is a different figure)
    return out


def edition_cells(joint: Joint, districts, shown=None) -> dict[str, object]:
    """The cells the county's public edition shows: every district's and the county's, as the slices show them."""
    cells: dict[str, object] = {}
    for d in districts:
        cells.update(cells_document(joint, d, shown))
    return cells


def cells_document(joint: Joint, district: str, shown=None) -> dict[str, object]:
    """The cells a slice shows (the district's and the county's) as served.

    ``"area|measure|period"`` -> value or marker; ``shown(measure, period)`` leaves out what the
    slice does not print.
    """
    if not hasattr(joint, "by_area"):  # grouped once: a national run asks for 300 slices
        joint.by_area = defaultdict(list)
        for key in sorted(joint.where):
            joint.by_area[key[0]].append(key)
    return {
        "|".join(key): joint.mark(key) or joint.value[key]
        for who in (district, COUNTY)
        for key in joint.by_area[who]
        if shown is None or shown(key[1], key[2])
    }
