"""Artifacts each run publishes in the Prefect UI: files loaded, headline measures, outputs."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from dasv.quarters import Quarter
from dasv.tasks.common import settings


def artifact_key(kind: str, quarter: Quarter, district: str | None = None) -> str:
    """Keys are lower-case letters, digits and dashes: ``dasv-validation-2025-26-q3``."""
    from dasv.safe_text import slug

    parts = ["dasv", kind, quarter.slug.lower()] + ([slug(district)] if district else [])
    return "-".join(parts)


NOT_READ = "not read"


def validation_row(f: dict) -> dict:
    """One file's row; a file skipped unread (already loaded, same SHA-256) shows no row counts, not zeros."""
    unread = f.get("read") is False
    return {
        "file": f["file"], "source": f.get("source") or "not recognised", "status": f["status"],
        "reason": f.get("reason", ""), "rows read": NOT_READ if unread else f.get("rows_read", 0),
        "rows loaded": NOT_READ if unread else f.get("rows_loaded", 0),
        "rows refused": NOT_READ if unread else f.get("rows_refused", 0),
        "first refusal lines": " | ".join(f.get("problems", [])[:3]),
    }  # fmt: skip


@task(name="publish-validation-table", cache_policy=NO_CACHE)
def publish_validation(quarter: str, files: list[dict]) -> None:
    """One row per input file: what was read, loaded and refused, with the first refusal lines."""
    q = Quarter.parse(quarter)
    rows = [validation_row(f) for f in files]
    create_table_artifact(rows, key=artifact_key("validation", q), description=f"Input files for {q.label}")


@task(name="publish-headline-table", cache_policy=NO_CACHE)
def publish_headline(quarter: str, rows: list[dict[str, str]]) -> list[dict]:
    """The headline table, each cell printed exactly as the PDF prints it.

    ``rows`` are the county report's own headline table (``render_county`` returns them), not a
    second computation of it.
    """
    q = Quarter.parse(quarter)
    create_table_artifact(rows, key=artifact_key("headline", q), description=f"Headline figures, {q.label}")
    return rows


@task(name="publish-output-links", cache_policy=NO_CACHE)
def publish_outputs(
    quarter: str, outputs: dict[str, dict[str, str]], district: str | None = None, portal: bool = False
) -> None:
    """A markdown list of every output: its portal page once published, and each file as a ``file://`` link."""
    from dasv.safe_text import slug

    q = Quarter.parse(quarter)
    base = settings().portal_url.rstrip("/")
    lines = [f"# Outputs for {q.label}", ""]
    for name, paths in outputs.items():
        titles = {
            "county": "County report (public edition)",
            "restricted": "County report, restricted edition (OFFICIAL-SENSITIVE: never published or e-mailed)",
        }
        lines.append(f"## {titles.get(name, name)}")
        if portal and name != "restricted":
            page = (
                f"{base}/county/{q.slug}/" if name == "county" else f"{base}/districts/{slug(name)}/{q.slug}/"
            )
            lines.append(f"- published on the portal: [{page}]({page})")
        csvs = [Path(p) for k, p in paths.items() if k.startswith("csv:")]
        for kind, path in paths.items():
            if not kind.startswith("csv:"):
                uri = Path(path).resolve().as_uri()
                lines.append(f"- {kind}: [{Path(path).name}]({uri})")
        if csvs:
            folder = csvs[0].parent.resolve()
            lines.append(f"- csv: {len(csvs)} files in [{folder.name}/]({folder.as_uri()})")
        lines.append("")
    create_markdown_artifact("\n".join(lines), key=artifact_key("outputs", q, district),
                             description=f"Where the {q.label} outputs are")  # fmt: skip
