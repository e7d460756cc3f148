"""The column contract of each source, read from ``columns.yaml`` plus deployment aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from dasv.names import normalise_name
from dasv.yaml_files import SAFE_LOADER

if TYPE_CHECKING:
    from dasv.config import Deployment

COLUMNS_FILE = Path(__file__).with_name("columns.yaml")
SOURCES = ("idva", "marac", "police")  # the inbox folders, each its own source
OFFENCES = "offences"  # the police DA crimes by offence group: in the police folder, told by its header
# every kind of export, those told apart by a column first (a police folder's file with an Offence
# group column is the offence-group export, not the monthly counts)
KINDS = (OFFENCES, *SOURCES)
MONTHLY_SOURCES = ("police", OFFENCES)  # aggregates by month: their loads cover and replace months


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an export: its canonical name, the field it fills and how it is read."""

    name: str
    field: str
    type: str
    required: bool = False
    personal: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSpec:
    """One source (IDVA referrals, MARAC cases, police counts)."""

    source: str
    title: str
    sheet: str
    columns: tuple[ColumnSpec, ...]
    lookup: dict[str, ColumnSpec] = field(compare=False, hash=False, repr=False)
    # the inbox folder it arrives in, and the field whose column tells it from that folder's other export
    folder: str = ""
    recognised_by: str | None = None

    @property
    def required(self) -> list[ColumnSpec]:
        """The columns a file must have."""
        return [c for c in self.columns if c.required]

    def column_for(self, header: object) -> ColumnSpec | None:
        """The column a header text names, by name or alias."""
        return self.lookup.get(normalise_name(header))


@cache
def contract() -> dict:
    """The parsed ``columns.yaml``."""
    return yaml.load(COLUMNS_FILE.read_text(encoding="utf-8"), Loader=SAFE_LOADER)


def vocabularies() -> dict[str, dict]:
    """Value vocabularies of the contract (specialisms, routes, gender, ...)."""
    return contract()["vocabularies"]


def source_spec(source: str, deployment: Deployment) -> SourceSpec:
    """The spec of one source with this deployment's extra aliases merged in."""
    raw = contract()["sources"][source]
    extra = deployment.column_aliases.get(
        raw.get("folder", source), {}
    )  # a folder's exports share its aliases
    columns = []
    for col in raw["columns"]:
        aliases = tuple(col.get("aliases", [])) + tuple(extra.get(col["name"], []))
        columns.append(
            ColumnSpec(
                name=col["name"],
                field=col["field"],
                type=col["type"],
                required=bool(col.get("required")),
                personal=bool(col.get("personal")),
                aliases=aliases,
            )
        )
    lookup: dict[str, ColumnSpec] = {}
    for col in columns:
        for alias in (col.name, *col.aliases):
            lookup.setdefault(normalise_name(alias), col)
    return SourceSpec(source, raw["title"], raw["sheet"], tuple(columns), lookup,
                      folder=raw.get("folder", source), recognised_by=raw.get("recognised_by"))  # fmt: skip


def kinds_in(folder: str | None) -> tuple[str, ...]:
    """The kinds of export a file in an inbox folder may be (every kind for a file outside them)."""
    if folder is None:
        return KINDS
    if folder_of(folder) != folder:  # a kind named itself (``offences``)
        return (folder,)
    return tuple(k for k in KINDS if contract()["sources"][k].get("folder", k) == folder)


def folder_of(kind: str) -> str:
    """The inbox folder a kind of export arrives in (``offences``: ``police``)."""
    return contract()["sources"][kind].get("folder", kind)
