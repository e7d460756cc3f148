"""The figures of a metrics document, each by its measure and area: what versions are compared by.

Publishing lists a new version's revisions by comparing these (:mod:`dasv.publications`), and the
portal's feed gives one row to each (:mod:`dasv.portal.feed`). Imports nothing of the project.
"""

from __future__ import annotations

FIGURES = ("idva", "marac", "police", "demographics")  # the parts of a metrics document that are figures
NOT_FIGURES = {"repeat_check", "missing_months", "not_supplied", "complete", "months", "population_16_plus",
               "population", "population_year", "districts", "name", "women_16_plus", "period", "status",
               "by_offence_group_status"}  # fmt: skip


def figures(doc: dict, whole: str = "county", paths: dict | None = None) -> dict[tuple[str, str], object]:
    """(measure, area) -> value of every figure of a metrics document.

    ``idva.total.total_referrals`` is ``("idva.total_referrals", whole)`` (``whole``: ``county``,
    or the district of a slice's document); ``idva.by_area.Fenland.engaged`` is
    ``("idva.engaged", "Fenland")``; the police reporting area's figures have its name.
    """
    out: dict[tuple[str, str], object] = {}

    def walk(node, path: list[str], area: str, where: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in NOT_FIGURES:
                    continue
                if key == "by_area" and isinstance(value, dict):
                    for name, figures_of in value.items():
                        walk(figures_of, path, name, [*where, key, str(name)])
                elif key == "total" and len(path) == 1:
                    walk(value, path, whole, [*where, key])
                elif key == "reporting_area" and isinstance(value, dict):
                    walk(value, path, str(value.get("name", "reporting area")), [*where, key])
                else:
                    walk(value, [*path, str(key)], area, [*where, str(key)])
            return
        if not isinstance(node, list):
            out[(".".join(path), area)] = node
            if paths is not None:  # where it sits in the document (dasv.measures.present.statuses keys)
                paths[(".".join(path), area)] = ".".join(where)

    for part in FIGURES:
        if part in doc:
            walk(doc[part], [part], whole, [part])
    return out
