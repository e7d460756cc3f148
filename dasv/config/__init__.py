"""The deployment configuration: areas, populations, report rows, suppression, extra aliases.

One YAML file per deployment; the Cambridgeshire and Peterborough one ships with the
project (``cambs_peterborough.yaml``) and ``DASV_CONFIG`` points at another.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from dasv.names import normalise_name

# libyaml's safe loader when PyYAML was built with it (ten times faster on a 300-district file)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_CONFIG = Path(__file__).with_name("cambs_peterborough.yaml")


class ConfigError(ValueError):
    """The deployment configuration file is missing or wrong."""


class Area(BaseModel):
    """A canonical area: a local authority district or one of the 'no district' buckets."""

    name: str
    kind: Literal["district", "other"]
    label: str | None = None
    ons_code: str | None = None
    aliases: list[str] = Field(default_factory=list)

    @property
    def display(self) -> str:
        """The label the report tables print."""
        return self.label or self.name


class Population(BaseModel):
    """Population of one district for rates."""

    all_ages: int | None = None
    aged_16_plus: int
    female_16_plus: int | None = None


class PopulationTable(BaseModel):
    """Populations by area, with the year and source the report states.

    ``by_area`` is the base year's table; ``estimates`` adds later years (ONS mid-year
    estimates), so a rate uses the estimate of the year its period ends in.
    """

    year: str
    source: str
    by_area: dict[str, Population] = Field(default_factory=dict)
    estimates: dict[str, dict[str, Population]] = Field(default_factory=dict)
    estimates_source: str | None = None

    def for_year(self, year: int) -> PopulationTable:
        """The table of ``year``, or of the latest earlier year held (the earliest if none is earlier)."""
        tables = {int(self.year): self.by_area, **{int(y): t for y, t in self.estimates.items()}}
        chosen = max((y for y in tables if y <= year), default=min(tables))
        if chosen == int(self.year):
            return PopulationTable(year=self.year, source=self.source, by_area=self.by_area)
        return PopulationTable(
            year=str(chosen), source=self.estimates_source or self.source, by_area=tables[chosen]
        )

    def total(self, field: str, areas: list[str] | None = None) -> int:
        """The sum of one population field over some areas (all areas when None)."""
        return sum(getattr(p, field) or 0 for n, p in self.by_area.items() if areas is None or n in areas)


class ReportRow(BaseModel):
    """One row of the 'by specialism' table: a label and a filter over referrals."""

    label: str
    specialism: str
    areas: list[str] | None = None
    exclude_route: str | None = None


class PoliceReportingArea(BaseModel):
    """The districts the headline police rows cover, and the name their labels carry.

    The printed report's "Police DA Incidents Cambs" is the five Cambridgeshire districts:
    that row is complete when those districts' months are, whatever Peterborough's are.
    """

    name: str
    description: str = ""
    districts: list[str]


class SpcSettings(BaseModel):
    """SPC options (STATISTICS.md): rebase months per measure; a direction where one is meant.

    DA measures are neutral by default: a signal reads "special cause – higher/lower".
    """

    rebase: dict[str, list[str]] = Field(default_factory=dict)
    direction: dict[str, Literal["higher_is_better", "lower_is_better"]] = Field(default_factory=dict)


class Suppression(BaseModel):
    """Small-number suppression for district slices."""

    threshold: int = Field(default=5, ge=2)


class SeriesBreak(BaseModel):
    """A change in recording practice that breaks comparisons across it."""

    date: date
    note: str


class Delivery(BaseModel):
    """Who gets the reports by e-mail, and through which SMTP server.

    The SMTP password is never here: it comes from ``DASV_SMTP_PASSWORD`` or the Prefect
    Secret block ``dasv-smtp-password``.
    """

    mode: Literal["attach", "link"] = "attach"  # link: e-mail the portal address of the new report
    smtp_host: str = "localhost"
    smtp_port: int = 25
    starttls: bool = False
    username: str | None = None
    sender: str = "dasv-reports@localhost"
    partnership: list[str] = Field(default_factory=list)
    operator: list[str] = Field(default_factory=list)
    districts: dict[str, list[str]] = Field(default_factory=dict)


class Deployment(BaseModel):
    """A whole deployment configuration file."""

    partnership: str
    report_title: str = "Domestic Abuse Quarterly Performance Report"
    county_label: str
    author: str = ""
    areas: list[Area]
    population: PopulationTable | None = None
    report_rows: list[ReportRow] = Field(default_factory=list)
    column_aliases: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    suppression: Suppression = Field(default_factory=Suppression)
    series_breaks: list[SeriesBreak] = Field(default_factory=list)
    delivery: Delivery = Field(default_factory=Delivery)
    police_reporting_area: PoliceReportingArea | None = None
    # the month the CSP strategic assessments' years end in (9: "year ending September");
    # None: the reported quarter's last month
    year_ending_month: int | None = Field(default=None, ge=1, le=12)
    spc: SpcSettings = Field(default_factory=SpcSettings)

    @model_validator(mode="after")
    def _check_references(self) -> Deployment:
        names = {a.name for a in self.areas}
        if len(names) != len(self.areas):
            raise ValueError("area names must be unique")
        for row in self.report_rows:
            unknown = set(row.areas or []) - names
            if unknown:
                raise ValueError(f"report row {row.label!r} names unknown areas {sorted(unknown)}")
        if self.population:
            for table in [self.population.by_area, *self.population.estimates.values()]:
                unknown = set(table) - names
                if unknown:
                    raise ValueError(f"population names unknown areas {sorted(unknown)}")
        unknown = set(self.delivery.districts) - names
        if unknown:
            raise ValueError(f"delivery names unknown districts {sorted(unknown)}")
        if self.police_reporting_area:
            districts = {a.name for a in self.areas if a.kind == "district"}
            unknown = set(self.police_reporting_area.districts) - districts
            if unknown or not self.police_reporting_area.districts:
                raise ValueError(
                    f"police_reporting_area names {sorted(unknown) or 'no'} districts; expected some of {sorted(districts)}"
                )
        seen: dict[str, str] = {}
        for area in self.areas:
            for alias in [area.name, *area.aliases]:
                key = normalise_name(alias)
                if seen.get(key, area.name) != area.name:
                    raise ValueError(f"alias {alias!r} maps to both {seen[key]!r} and {area.name!r}")
                seen[key] = area.name
        return self

    @cached_property
    def area_lookup(self) -> dict[str, Area]:
        """Normalised name or alias -> area."""
        lookup: dict[str, Area] = {}
        for area in self.areas:
            for alias in [area.name, *area.aliases]:
                lookup[normalise_name(alias)] = area
        return lookup

    @property
    def districts(self) -> list[Area]:
        """The local authority districts, in configuration order (one CSP slice each)."""
        return [a for a in self.areas if a.kind == "district"]

    def population_for(self, year: int) -> PopulationTable | None:
        """The population table for rates of a period ending in ``year`` (None if none is configured)."""
        return self.population.for_year(year) if self.population else None

    def area(self, name: str) -> Area | None:
        """The area a name or alias stands for, if any."""
        return self.area_lookup.get(normalise_name(name))

    @cached_property
    def area_labels(self) -> dict[str, str]:
        """Canonical name -> the one label the county report prints for it in every table, chart and statement."""
        return {a.name: a.display for a in self.areas}


def load_deployment(path: Path | None = None) -> Deployment:
    """Read and check a deployment YAML (the shipped one when ``path`` is None).

    Raises:
        ConfigError: the file cannot be read or does not describe a deployment.
    """
    path = path or DEFAULT_CONFIG
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    try:
        return Deployment.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None
