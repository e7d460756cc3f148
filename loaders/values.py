"""Value lists as configuration (docs/adopting.md, "Value lists are configuration").

The built-in lists are in ``columns.yaml`` (``vocabularies``); a deployment extends them in its
YAML: ``specialisms:`` (the full list, or ``{add: [...]}``) and ``value_aliases:`` (source ->
field -> canonical value -> its spellings in that source's exports). This module merges the
two into the vocabularies one source's cells are read against, and checks a deployment's
value maps (unknown source, field or canonical value: refused with the nearest known one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dasv.loaders.spec import SOURCES, contract, folder_of, kinds_in, vocabularies
from dasv.names import nearest as closest
from dasv.names import normalise_name

if TYPE_CHECKING:
    from dasv.config import Deployment

# vocabularies whose canonical values a deployment may add to (a route or agency of its own);
# the others feed fixed measures (Male, Disabled "Yes", LGBT+, minority ethnic groups, risk).
EXTENSIBLE = frozenset({"route", "agency"})


YES_NO = "yes_no"  # the vocabulary of every yes/no column; each column has its own copy (``yes_no:engaged``)


def coded_fields(source: str) -> dict[str, str]:
    """The coded columns of a source: field -> vocabulary name (``route`` -> ``route``, ``engaged`` -> ``yes_no``).

    A source names its folder's exports together (``police``: the monthly counts and the
    offence-group export, whose spellings are both mapped under ``value_aliases.police``).
    """
    vocab = vocabularies()
    return {
        c["field"]: YES_NO if c["type"] == "bool" else c["type"]
        for kind in kinds_in(source)
        for c in contract()["sources"][kind]["columns"]
        if c["type"] in vocab or c["type"] == "bool"
    }


def default_offence_groups() -> list[str]:
    """The built-in Home Office offence groups of ``columns.yaml``, in their printed order."""
    return list(vocabularies()["offence_group"]["values"])


def offence_groups_of(deployment: Deployment) -> list[str]:
    """The deployment's offence groups (``offence_groups:``), else the built-in list."""
    chosen = getattr(deployment, "offence_groups", None)
    return list(dict.fromkeys(chosen)) if chosen else default_offence_groups()


def vocabulary_name(field: str, name: str) -> str:
    """The key of a column's vocabulary in :func:`vocabularies_for`: shared by type, one per yes/no column."""
    return f"{YES_NO}:{field}" if name == YES_NO else name


def default_specialisms() -> list[str]:
    """The built-in specialisms of ``columns.yaml``."""
    return list(vocabularies()["specialisms"]["values"])


def specialisms_of(deployment: Deployment) -> list[str]:
    """The deployment's specialisms: its own list, the built-in list plus ``add``, or the built-in list."""
    chosen = deployment.specialisms
    if chosen is None:
        return default_specialisms()
    if isinstance(chosen, list):
        return list(dict.fromkeys(chosen))
    return list(dict.fromkeys([*default_specialisms(), *chosen.add]))


def canonical_values(source: str, field: str, deployment: Deployment) -> list[str]:
    """The accepted canonical values of one coded column of a source, after the deployment's lists."""
    name = coded_fields(source)[field]
    spec = vocabularies()[name]
    if name == "specialisms":
        return specialisms_of(deployment)
    if name == "offence_group":
        return offence_groups_of(deployment)
    values = list(spec.get("values") or spec.get("keywords") or {})
    if name in EXTENSIBLE:
        values += [v for v in deployment.value_aliases.get(source, {}).get(field, {}) if v not in values]
    return values


def vocabularies_for(source: str, deployment: Deployment) -> dict[str, dict]:
    """The vocabularies one source's cells are read against (``columns.yaml`` plus the deployment's)."""
    merged = {name: dict(spec) for name, spec in vocabularies().items() if name != YES_NO}
    fields = coded_fields(source)
    for field, name in fields.items():
        if name == YES_NO:
            merged[vocabulary_name(field, name)] = {"values": dict(vocabularies()[YES_NO]["values"])}
    builtin_specialisms = vocabularies()["specialisms"]["values"]
    merged["specialisms"] = {
        "values": {s: list(builtin_specialisms.get(s, [])) for s in specialisms_of(deployment)}
    }
    builtin_groups = vocabularies()["offence_group"]["values"]
    merged["offence_group"] = {
        "values": {g: list(builtin_groups.get(g, [])) for g in offence_groups_of(deployment)}
    }
    folder = folder_of(source)  # the offence-group export's spellings are the police source's
    for field, maps in deployment.value_aliases.get(folder, {}).items():
        known = fields.get(field)
        if known is None:
            continue  # refused when the configuration is read
        name = known
        spec = merged[vocabulary_name(field, name)]
        if name == "ethnicity":
            spec["aliases"] = {**spec.get("aliases", {}), **maps}
            continue
        values = {k: list(v) for k, v in spec["values"].items()}
        for canonical, spellings in maps.items():
            values.setdefault(canonical, [])
            values[canonical] += [s for s in spellings if s not in values[canonical]]
        spec["values"] = values
    for field, name in fields.items():
        merged[vocabulary_name(field, name)]["key"] = alias_key(folder, field)
    return merged


def alias_key(source: str, field: str) -> str:
    """The YAML key that maps a spelling of this column: ``value_aliases.marac.referring_agency``."""
    return f"value_aliases.{source}.{field}"


def nearest(word: str, known: list[str]) -> str:
    """``; did you mean `x`?`` for the closest known word, or nothing."""
    close = closest(word, known)
    return f"; did you mean `{close}`?" if close else ""


def _spelling_clashes(source: str, field: str, name: str, maps: dict, deployment: Deployment) -> list[str]:
    """A spelling mapped onto one value that already means another (``Police: [GP]``, GP being Health)."""
    spec = vocabularies()[name]
    builtin = spec.get("values") or {}
    if name == "specialisms":
        builtin = {s: builtin.get(s, []) for s in specialisms_of(deployment)}
    if name == "offence_group":
        builtin = {g: builtin.get(g, []) for g in offence_groups_of(deployment)}
    means: dict[str, str] = {}
    for canonical, spellings in builtin.items():
        for spelling in [canonical, *spellings]:
            means[normalise_name(spelling)] = canonical
    out = []
    for canonical, spellings in maps.items():
        for spelling in spellings:
            already = means.get(normalise_name(spelling))
            if already is not None and already != canonical:
                out.append(
                    f"`{alias_key(source, field)}.{canonical}`: {spelling!r} already means {already!r}; "
                    "expected each spelling to mean one value"
                )
            means.setdefault(normalise_name(spelling), canonical)
    return out


def value_alias_problems(deployment: Deployment) -> list[str]:
    """What is wrong with the deployment's ``specialisms`` and ``value_aliases`` (one line each)."""
    problems: list[str] = []
    specialisms = specialisms_of(deployment)
    if not specialisms:
        problems.append("`specialisms`: the list is empty; expected at least one specialism")
    for source, fields in deployment.value_aliases.items():
        if source not in SOURCES:
            problems.append(
                f"`value_aliases.{source}`: not a source{nearest(source, list(SOURCES))} "
                f"(expected one of {', '.join(SOURCES)})"
            )
            continue
        coded = coded_fields(source)
        for field, maps in fields.items():
            if field not in coded:
                problems.append(
                    f"`value_aliases.{source}.{field}`: not a coded column of {source}{nearest(field, list(coded))} "
                    f"(expected one of {', '.join(coded)})"
                )
                continue
            name = coded[field]
            problems += _spelling_clashes(source, field, name, maps, deployment)
            if name in EXTENSIBLE:
                continue  # a new canonical value is how a deployment adds a route or an agency
            accepted = canonical_values(source, field, deployment)
            for canonical in maps:
                if canonical not in accepted:
                    hint = nearest(canonical, accepted)
                    if name == "specialisms" and not hint:
                        hint = "; add it to `specialisms` first"
                    if name == "offence_group" and not hint:
                        hint = "; add it to `offence_groups` first"
                    problems.append(
                        f"`{alias_key(source, field)}.{canonical}`: {canonical!r} is not one of the accepted values "
                        f"({', '.join(accepted)}){hint}"
                    )
    for i, row in enumerate(deployment.report_rows):
        if row.specialism not in specialisms:
            problems.append(
                f"`report_rows[{i}].specialism`: {row.specialism!r} (row {row.label!r}) is not a configured "
                f"specialism{nearest(row.specialism, specialisms)} (configured: {', '.join(specialisms)}; "
                "add it to `specialisms` to report it)"
            )
    return problems
