"""What a deployment will do, in plain lines: ``dasv config check`` prints this for a good file."""

from __future__ import annotations

import calendar
import os
from pathlib import Path

import yaml

from dasv.config import Deployment
from dasv.rule import small_marker, small_range
from dasv.yaml_files import SAFE_LOADER

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _schedule_file() -> Path | None:
    """The Prefect project file holding the schedule: ``DASV_PROJECT_DIR``, the current folder, or the project."""
    for folder in (os.environ.get("DASV_PROJECT_DIR"), Path.cwd(), PROJECT_DIR):
        if folder and (Path(folder) / "prefect.yaml").is_file():
            return Path(folder) / "prefect.yaml"
    return None


def schedule_lines() -> list[str]:
    """The scheduled deployments of ``prefect.yaml`` (where the schedule lives), one line each."""
    path = _schedule_file()
    if path is None:
        return [
            "none found: the schedule lives in prefect.yaml beside the project (docs/adopting.md, Schedule)"
        ]
    try:
        project = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path}: cannot be read ({exc})"]
    lines = []
    for dep in project.get("deployments") or []:
        for sched in dep.get("schedules") or []:
            state = "active" if sched.get("active", True) else "paused"
            lines.append(
                f"{dep.get('name')}: cron {sched.get('cron')!r} ({sched.get('timezone', 'UTC')}), {state} — {path}"
            )
    return lines or [f"no schedule in {path}: runs start only when someone presses Run"]


def describe(dep: Deployment) -> list[str]:
    """The deployment in lines: districts, report rows, value maps, schedule, delivery."""
    w = dep.words
    out = [f"Partnership: {dep.partnership}", f"County label: {dep.county_label}",
           f"Words: an area is a {w.area!r} ({w.plural!r}), the whole the {w.whole!r} "
           f"(\"{w.say('{Area} comparison')}\", \"the {w.whole} rate\")"]  # fmt: skip
    out += _areas(dep) + _rows_and_maps(dep) + _publication(dep)
    out.append("Schedule:")
    out += [f"  {line}" for line in schedule_lines()]
    return out + _delivery(dep)


def _areas(dep: Deployment) -> list[str]:
    """The districts (one slice each), the other areas, the population and the police reporting area."""
    districts = dep.districts
    out: list[str] = []
    out.append(f"Districts ({len(districts)}), one CSP slice each:")
    pop = dep.population
    for d in districts:
        people = pop.by_area.get(d.name) if pop else None
        size = f"; {people.aged_16_plus:,} aged 16+ ({pop.year})" if people and pop else "; no population"
        aliases = f"; also written {', '.join(repr(a) for a in d.aliases)}" if d.aliases else ""
        out.append(f"  {d.name} (printed {d.display!r}{size}{aliases})")
    others = [a for a in dep.areas if a.kind != "district"]
    if others:
        out.append(
            "Other areas (no slice): "
            + "; ".join(f"{a.name} ({', '.join(map(repr, a.aliases))})" for a in others)
        )
    if pop:
        years = ", ".join([pop.year, *pop.estimates])
        out.append(f"Population: {years}; source: {' '.join(pop.source.split())}")
    else:
        out.append("Population: none configured: no rates are shown")
    area = dep.police_reporting_area
    if dep.police_area_is_county:
        out.append(
            "Police reporting area: every district, the whole county: its rows are the county's, shown once"
        )
    elif area is None:
        out.append("Police reporting area: none: headline police rows cover every district")
    else:
        out.append(f"Police reporting area: {area.name!r} = {', '.join(area.districts)}")
    return out


def _rows_and_maps(dep: Deployment) -> list[str]:
    """The specialisms, report rows, value maps and column aliases."""
    from dasv.loaders.values import specialisms_of

    out: list[str] = []
    out.append(f"Specialisms: {', '.join(specialisms_of(dep))}")
    out.append(f"Report rows ({len(dep.report_rows)}):")
    for row in dep.report_rows:
        where = f" in {', '.join(row.areas)}" if row.areas else ""
        exclude = f", excluding route {row.exclude_route}" if row.exclude_route else ""
        out.append(f"  {row.label!r}: specialism {row.specialism}{where}{exclude}")
    maps = [
        f"  {source}.{field}: {canonical} <- {', '.join(map(repr, spellings))}"
        for source, fields in dep.value_aliases.items()
        for field, values in fields.items()
        for canonical, spellings in values.items()
    ]
    out += ["Value maps:", *maps] if maps else ["Value maps: none (the built-in spellings only)"]
    cols = [
        f"  {source}: {column} <- {', '.join(map(repr, names))}"
        for source, columns in dep.column_aliases.items()
        for column, names in columns.items()
    ]
    out += ["Column aliases:", *cols] if cols else ["Column aliases: none (the built-in names only)"]
    return out


def _publication(dep: Deployment) -> list[str]:
    """What is suppressed, what is public, the restricted edition and the year ending."""
    out: list[str] = []
    t = dep.suppression.threshold
    out.append(
        f"Suppression (one plan over everything public): counts {small_range(t)} shown as {small_marker(t)}"
    )
    pub = dep.publication
    public = ["every district slice"] + (
        ["the county report's public edition"] if pub.county_report == "public" else []
    )
    out.append(f"Public (published, one plan): {' and '.join(public)}")
    out.append(
        "Restricted edition (unsuppressed, OFFICIAL-SENSITIVE, never published or e-mailed): "
        + ("made for the Board" if pub.restricted else "not made (publication.restricted_edition: false)")
    )
    if dep.year_ending_month:
        out.append(
            f"Year ending: {calendar.month_name[dep.year_ending_month]} (year_ending_month: {dep.year_ending_month})"
        )
    else:
        out.append("Year ending: the last month of the reported quarter (year_ending_month unset)")
    return out


def _delivery(dep: Deployment) -> list[str]:
    """Who is e-mailed, and how."""
    districts = dep.districts
    out: list[str] = []
    dl = dep.delivery
    out.append(
        f"Delivery: {dl.mode} via {dl.smtp_host}:{dl.smtp_port}{' (STARTTLS)' if dl.starttls else ''}, "
        f"from {dl.sender}"
    )
    out.append(f"  partnership: {', '.join(dl.partnership) or 'nobody'}")
    out.append(f"  operator: {', '.join(dl.operator) or 'nobody'}")
    for d in districts:
        out.append(
            f"  {d.name}: {', '.join(dl.districts.get(d.name, [])) or 'nobody (no e-mail for this CSP)'}"
        )
    return out
