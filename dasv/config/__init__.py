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
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from dasv.config.check import problem_lines, reference_problems
from dasv.names import normalise_name
from dasv.yaml_files import SAFE_LOADER

DEFAULT_CONFIG = Path(__file__).with_name("cambs_peterborough.yaml")


class ConfigError(ValueError):
    """The deployment configuration file is missing or wrong."""


class Strict(BaseModel):
    """A part of the configuration: a key it does not know is refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


class Area(Strict):
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


class Population(Strict):
    """Population of one district for rates."""

    all_ages: int | None = None
    aged_16_plus: int
    female_16_plus: int | None = None


class PopulationTable(Strict):
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


class ReportRow(Strict):
    """One row of the 'by specialism' table: a label and a filter over referrals."""

    label: str
    specialism: str
    areas: list[str] | None = None
    exclude_route: str | None = None


class PoliceReportingArea(Strict):
    """The districts the headline police rows cover, and the name their labels carry.

    For a force that covers some of the districts: the headline police rows cover those
    districts, carry the area's name and are complete when their months are. An area of every
    district is the county itself, shown once as the county's rows.
    """

    name: str
    description: str = ""
    districts: list[str]
    # how the report prints the area (its name when blank): a label no reader can take for a district
    label: str = ""

    @property
    def shown(self) -> str:
        """The area as the report prints it: its label, else its name."""
        return self.label or self.name


class SpcSettings(Strict):
    """SPC options (docs/statistics.md): rebase months per measure; a direction where one is meant.

    DA measures are neutral by default: a signal reads "special cause – higher/lower".
    """

    rebase: dict[str, list[str]] = Field(default_factory=dict)
    direction: dict[str, Literal["higher_is_better", "lower_is_better"]] = Field(default_factory=dict)


class Suppression(Strict):
    """Small-number suppression for district slices."""

    threshold: int = Field(default=5, ge=2)


class Publication(Strict):
    """What is public: one publication set, protected by one plan (docs/disclosure.md, "Editions").

    ``county_report: public`` (the default, as committee papers print the report): the county
    report's public edition is protected by the same plan as the slices and published with them.
    ``restricted``: no public county edition; the county report is made only as the restricted
    edition. ``restricted_edition: true`` also makes the unsuppressed edition for the Board's
    meeting, marked OFFICIAL-SENSITIVE on every page, in its title, file name and metadata; it is
    never published, served to a CSP or e-mailed to a list.
    """

    county_report: Literal["public", "restricted"] = "public"
    restricted_edition: bool = False

    @property
    def restricted(self) -> bool:
        """Whether the OFFICIAL-SENSITIVE edition is made."""
        return self.restricted_edition or self.county_report == "restricted"


class SeriesBreak(Strict):
    """A change in recording practice that breaks comparisons across it."""

    date: date
    note: str


class Delivery(Strict):
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


class SpecialismsAdded(Strict):
    """``specialisms: {add: [Older People]}``: the built-in specialisms and these."""

    add: list[str]


class Words(Strict):
    """What this partnership calls its areas and the whole it reports on, in every output.

    ``area``: one area with a slice ("district", "community safety area"); ``areas`` its plural
    (default: ``area`` + "s"); ``whole``: what the whole is called in running text ("county",
    "borough"; "the county rate"). The defaults keep the shipped report's words.
    """

    area: str = Field(default="district", min_length=1)
    areas: str | None = None
    whole: str = Field(default="county", min_length=1)

    @property
    def plural(self) -> str:
        """The plural of ``area``: ``districts``, ``community safety areas``."""
        return self.areas or f"{self.area}s"

    def __call__(self, key: str) -> str:
        """A word by key, capitalised when the key is: ``area``, ``Area``, ``areas``, ``Areas``, ``whole``, ``Whole``."""
        word = {"area": self.area, "areas": self.plural, "whole": self.whole}[key.lower()]
        return word[:1].upper() + word[1:] if key[:1].isupper() else word

    def say(self, text: str) -> str:
        """``text`` with ``{area}``, ``{areas}``, ``{whole}`` (or capitalised) in this partnership's words.

        The one place report wording takes a partnership's words: ``say("No {area} is outside the
        limits around the {whole} rate")`` is "No district ... county rate" with the defaults.
        """
        return text.format_map({k: self(k) for k in ("area", "Area", "areas", "Areas", "whole", "Whole")})


class Deployment(Strict):
    """A whole deployment configuration file."""

    partnership: str
    report_title: str = "Domestic Abuse Quarterly Performance Report"
    county_label: str
    # what an area and the whole are called ("community safety area", "borough")
    words: Words = Field(default_factory=Words)
    author: str = ""
    areas: list[Area]
    population: PopulationTable | None = None
    report_rows: list[ReportRow] = Field(default_factory=list)
    column_aliases: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    # the IDVA specialisms: the whole list, or {add: [...]} to the built-in CYP, Housing,
    # Minority Ethnic, Stalking, OOCD (None: the built-in list)
    specialisms: list[str] | SpecialismsAdded | None = None
    # the Home Office offence groups the police offence-group export is read against, in printed
    # order (None: the nine built-in groups); spellings under value_aliases.police.offence_group
    offence_groups: list[str] | None = None
    # source -> field -> canonical value -> this partnership's spellings of it
    value_aliases: dict[str, dict[str, dict[str, list[str]]]] = Field(default_factory=dict)
    suppression: Suppression = Field(default_factory=Suppression)
    publication: Publication = Field(default_factory=Publication)
    series_breaks: list[SeriesBreak] = Field(default_factory=list)
    delivery: Delivery = Field(default_factory=Delivery)
    police_reporting_area: PoliceReportingArea | None = None
    # the month the CSP strategic assessments' years end in (9: "year ending September");
    # None: the reported quarter's last month
    year_ending_month: int | None = Field(default=None, ge=1, le=12)
    spc: SpcSettings = Field(default_factory=SpcSettings)
    _county_police_area: str | None = PrivateAttr(default=None)

    @field_validator("value_aliases", mode="before")
    @classmethod
    def _yes_and_no_as_written(cls, value: object) -> object:
        """YAML reads an unquoted ``No:`` or ``Yes:`` as a boolean: it means the value "No" or "Yes"."""

        def word(x: object) -> object:
            return ("Yes" if x else "No") if isinstance(x, bool) else x

        def spellings(x: object) -> object:
            return [word(v) for v in x] if isinstance(x, list) else x

        if not isinstance(value, dict):
            return value
        return {
            source: {
                field: {word(k): spellings(v) for k, v in maps.items()} if isinstance(maps, dict) else maps
                for field, maps in fields.items()
            }
            if isinstance(fields, dict)
            else fields
            for source, fields in value.items()
        }

    @model_validator(mode="after")
    def _check_references(self) -> Deployment:
        problems = reference_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        area = self.police_reporting_area
        if area and set(area.districts) == {a.name for a in self.districts}:
            # the whole county (one force for every district): its rows would repeat the county's
            # ("Norfolk and Norfolk"), so the county's rows are the police rows
            self.police_reporting_area = None
            self._county_police_area = area.name
        return self

    @property
    def police_area_is_county(self) -> bool:
        """The configured police reporting area was every district: shown once, as the county."""
        return self._county_police_area is not None

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
        ConfigError: the file cannot be read or does not describe a deployment; one line per
            problem, each naming the key to change (an unknown key with the nearest known one).
    """
    path = path or DEFAULT_CONFIG
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: not a deployment configuration: expected keys such as partnership, areas")
    try:
        return Deployment.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("\n".join(f"{path}: {line}" for line in problem_lines(exc, Deployment))) from None


SCHEMA_FILE = Path(__file__).with_name("deployment.schema.json")


def json_schema() -> str:
    """The JSON Schema of a deployment YAML, as written to ``deployment.schema.json`` (editors validate with it).

    Regenerate with ``python -m dasv.config``; a test holds the file to the models.
    """
    import json

    schema = Deployment.model_json_schema()
    schema["title"] = "dasv-reporting deployment configuration"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
