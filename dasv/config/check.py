"""Checking a deployment configuration: every problem in one line naming the key to change.

An unknown key is refused with the nearest known key ("`suppresion`: not a setting; did you
mean `suppression`?"); references are checked (a report row's areas and specialism, a
population for every district, the police reporting area's districts, the value maps).
"""

from __future__ import annotations

import types
import typing
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from dasv.loaders.spec import SOURCES, contract, kinds_in
from dasv.loaders.values import canonical_values, offence_groups_of, specialisms_of, value_alias_problems
from dasv.names import nearest, normalise_name

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from dasv.config import Deployment

MAX_ROUTE = 40  # warehouse column widths (warehouse/models.py)
MAX_SPECIALISM = 60
MAX_OFFENCE_GROUP = 60


def _candidates(annotation: object) -> list:
    """The types an annotation may hold (``A | B | None`` -> A, B)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _candidates(a) if t is not type(None)]
    return [annotation]


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The configuration model (under ``root``) whose keys a location names (None when it is a free mapping)."""
    current: list = [root]
    for part in loc:
        tagged = [t for t in current if getattr(t, "__name__", None) == part or str(t) == part]
        if tagged:  # a union member's tag ("SpecialismsAdded") is a step of its own in pydantic's locations
            current = tagged
            continue
        following: list = []
        for tp in current:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                if part in tp.model_fields:
                    following += _candidates(tp.model_fields[part].annotation)
                continue
            origin = typing.get_origin(tp)
            if origin is list and isinstance(part, int):
                following += _candidates(typing.get_args(tp)[0])
            elif origin is dict:
                following += _candidates(typing.get_args(tp)[1])
        current = following
        if not current:
            return None
    models = [t for t in current if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if models else None


def _where(loc: tuple) -> str:
    """``report_rows[2].specialism`` from pydantic's location (union member tags left out)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part[:1].isupper() or "[" in part:
            continue  # a union member's tag
        else:
            text += f".{part}" if text else str(part)
    return text


def _tag_index(loc: tuple) -> int | None:
    return next((i for i, p in enumerate(loc) if isinstance(p, str) and (p[:1].isupper() or "[" in p)), None)


def _without_other_union_members(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Of a setting that may take several shapes, the errors of the shape that was meant.

    ``specialisms: {ad: [x]}`` fails as a list and as ``{add: ...}``; the list's "not a valid
    list" says nothing useful when a mapping was given, so only the mapping's errors are kept.
    """
    meant: dict[tuple, set] = {}
    for e in errors:
        i = _tag_index(tuple(e["loc"]))
        if i is not None and not e["type"].endswith("_type"):
            meant.setdefault(tuple(e["loc"][:i]), set()).add(e["loc"][i])
    kept = []
    for e in errors:
        loc = tuple(e["loc"])
        i = _tag_index(loc)
        if i is not None and loc[:i] in meant and loc[i] not in meant[loc[:i]]:
            continue
        kept.append(e)
    return kept


def problem_lines(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    """One line per problem of a configuration (a ``root`` model) that did not validate, each naming its key."""
    lines: list[str] = []
    for error in _without_other_union_members(exc.errors()):
        loc = tuple(error["loc"])
        where = _where(loc)
        if error["type"] == "extra_forbidden":
            model = _model_at(root, loc[:-1])
            known = list(model.model_fields) if model else []
            parent = _where(loc[:-1])
            guess = nearest(str(loc[-1]), known)
            if guess:
                hint = f"; did you mean `{parent + '.' if parent else ''}{guess}`?"
            else:
                hint = f" (the settings{' of `' + parent + '`' if parent else ''} are {', '.join(known)})"
            lines.append(f"`{where}`: not a setting{hint}")
        elif error["type"] == "value_error" and not loc:
            lines += str(error["ctx"]["error"]).splitlines()
        elif error["type"] == "missing":
            lines.append(f"`{where}`: missing; this setting is required")
        else:
            lines.append(f"`{where}`: {error['msg']}")
    return list(dict.fromkeys(lines))


def _unknown(key: str, given: list[str], known: list[str], what: str) -> list[str]:
    """One line for each name in ``given`` that is not one of ``known``, with the nearest as a hint."""
    problems = []
    for name in given:
        if name not in known:
            guess = nearest(name, known)
            hint = f"; did you mean {guess!r}?" if guess else f" (the {what} are {', '.join(known)})"
            problems.append(f"`{key}`: {name!r} is not one of the {what}{hint}")
    return problems


def reference_problems(dep: Deployment) -> list[str]:
    """Everything a valid-looking configuration names that does not exist, one line each."""
    return [*_area_problems(dep), *_population_problems(dep), *_alias_problems(dep), *value_alias_problems(dep),
            *_length_problems(dep)]  # fmt: skip


def _area_problems(dep: Deployment) -> list[str]:
    """Areas named twice, no district, and the areas and routes the report rows and delivery name."""
    names = [a.name for a in dep.areas]
    districts = [a.name for a in dep.areas if a.kind == "district"]
    problems = [f"`areas`: {name!r} is named twice; expected each area once"
                for name in {n for n in names if names.count(n) > 1}]  # fmt: skip
    if not districts:
        problems.append("`areas`: no area has `kind: district`; expected the partnership's districts")
    routes = canonical_values("idva", "route", dep)
    for i, row in enumerate(dep.report_rows):
        problems += _unknown(f"report_rows[{i}].areas", row.areas or [], names, "areas")
        if row.exclude_route is not None:
            problems += _unknown(
                f"report_rows[{i}].exclude_route", [row.exclude_route], routes, "referral routes"
            )
    return problems


def _population_problems(dep: Deployment) -> list[str]:
    """Population tables naming unknown areas or missing a district; the delivery and police areas' districts."""
    names = [a.name for a in dep.areas]
    districts = [a.name for a in dep.areas if a.kind == "district"]
    problems: list[str] = []
    if dep.population:
        tables = {"population.by_area": dep.population.by_area}
        tables |= {f"population.estimates.{y}": t for y, t in dep.population.estimates.items()}
        for key, table in tables.items():
            problems += _unknown(key, list(table), names, "areas")
            missing = [d for d in districts if d not in table]
            if missing:
                problems.append(f"`{key}`: no population for {', '.join(missing)}; expected one for every "
                                "district (rates would be wrong without it)")  # fmt: skip
    problems += _unknown("delivery.districts", list(dep.delivery.districts), districts, "districts")
    if dep.police_reporting_area:
        reporting = dep.police_reporting_area.districts
        problems += _unknown("police_reporting_area.districts", reporting, districts, "districts")
        if not reporting:
            problems.append("`police_reporting_area.districts`: empty; expected some of the districts")
    return problems


def _alias_problems(dep: Deployment) -> list[str]:
    """An area alias mapping to two areas; column aliases for an unknown source or column."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for area in dep.areas:
        for alias in [area.name, *area.aliases]:
            key = normalise_name(alias)
            if seen.get(key, area.name) != area.name:
                problems.append(
                    f"`areas`: alias {alias!r} maps to both {seen[key]!r} and {area.name!r}; expected it once"
                )
            seen[key] = area.name
    for source, columns in dep.column_aliases.items():
        if source not in SOURCES:
            guess = nearest(source, list(SOURCES))
            hint = f"; did you mean `column_aliases.{guess}`?" if guess else ""
            problems.append(f"`column_aliases.{source}`: not a source (idva, marac, police){hint}")
            continue
        known = list(
            dict.fromkeys(c["name"] for k in kinds_in(source) for c in contract()["sources"][k]["columns"])
        )
        problems += _unknown(f"column_aliases.{source}", list(columns), known, f"{source} columns")
    return problems


def _length_problems(dep: Deployment) -> list[str]:
    """Specialisms, offence groups and canonical routes or agencies that are blank or too long."""
    problems = [f"`specialisms`: {s!r} is blank or longer than {MAX_SPECIALISM} characters"
                for s in specialisms_of(dep) if len(s) > MAX_SPECIALISM or not s.strip()]  # fmt: skip
    problems += [f"`offence_groups`: {g!r} is blank or longer than {MAX_OFFENCE_GROUP} characters"
                 for g in offence_groups_of(dep) if len(g) > MAX_OFFENCE_GROUP or not g.strip()]  # fmt: skip
    for source, fields in dep.value_aliases.items():
        for field in ("route", "referring_agency"):
            for canonical in fields.get(field, {}) if isinstance(fields, dict) else {}:
                if len(canonical) > MAX_ROUTE or not canonical.strip():
                    problems.append(f"`value_aliases.{source}.{field}.{canonical}`: blank or longer than "
                                    f"{MAX_ROUTE} characters")  # fmt: skip
    return problems
