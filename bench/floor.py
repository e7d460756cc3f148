"""The ingest floor: a minimal column-wise IDVA loader, the yardstick ``make bench`` holds `dasv load` to.

It does what `dasv load` does to a clean file of the national sample, and no more: reads the
sheet with fastexcel into Arrow, checks every cell and rule with Polars expressions (required
values, dates from 1990 to today, known districts, yes/no and vocabulary values, ages,
specialisms, unique referral IDs, engaged only when criteria were met), makes the same keyed
hashes (each client once, each referral) and writes the same rows into the same schema in one
transaction (sqlite3 executemany, or PostgreSQL COPY), with what the schema derives from the
facts (stored repeats, monthly counts) refreshed by the statements a load uses. It has none
of the row reader's wording, tolerance of messy layouts or lineage beyond one batch row. ``main`` prints
``seconds rows``; the bench runs it as its own process, as it runs `dasv load`.

    python bench/floor.py FILE.xlsx WAREHOUSE_URL CONFIG.yaml
"""

from __future__ import annotations

import hmac
import sys
import time
from datetime import date, datetime
from pathlib import Path

STARTED = time.perf_counter()

import fastexcel  # noqa: E402
import polars as pl  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLUMNS = {  # header -> (field, vocabulary or kind)
    "Referral ID": ("referral_ref", "id"), "Client ID": ("client_id", "id"), "Referral Date": ("referral_date", "date"),
    "District": ("area", "area"), "Criteria Met": ("criteria_met", "bool"), "Engaged": ("engaged", "bool"),
    "Specialism": ("specialisms", "specialisms"), "Referral Route": ("route", "route"),
    "Risk Level": ("risk_level", "risk"), "Repeat": ("repeat_flag", "bool"), "Age": ("age", "age"),
    "Gender": ("gender", "gender"), "Disability": ("disability", "disability"),
    "Sexual Orientation": ("sexual_orientation", "orientation"),
}  # fmt: skip
YES_NO = {"y": 1, "yes": 1, "n": 0, "no": 0}


class Refused(Exception):
    """The floor found a problem (the national sample has none)."""


def _vocab(name: str) -> dict[str, str]:
    from dasv.loaders.spec import vocabularies

    spec = vocabularies()[name]
    lookup = {}
    for canonical, spellings in spec["values"].items():
        for spelling in [canonical, *spellings]:
            lookup[spelling.casefold()] = canonical
    return lookup


def _mapped(column: pl.Series, lookup: dict, name: str) -> pl.Series:
    out = column.str.strip_chars().str.to_lowercase().replace_strict(lookup, default=None)
    if (out.is_null() & column.is_not_null()).any():
        raise Refused(f"{name}: a value outside its vocabulary")
    return out


def check(frame: pl.DataFrame, areas: dict[str, int], today: date) -> pl.DataFrame:
    """Every cell and rule checked over whole columns; the stored form of each column."""
    missing = [h for h in ("Referral ID", "Client ID", "Referral Date", "District", "Criteria Met", "Engaged")
               if h not in frame.columns or frame[h].null_count()]  # fmt: skip
    if missing:
        raise Refused(f"required values missing: {missing}")
    out = {}
    for header, (field, kind) in COLUMNS.items():
        if header not in frame.columns:
            continue
        column = frame[header]
        if kind == "id":
            out[field] = column.cast(pl.String).str.strip_chars()
        elif kind == "date":
            days = column.cast(pl.Date)
            if days.min() < date(1990, 1, 1) or days.max() > today:
                raise Refused(f"{header}: a date out of range")
            out[field] = days
        elif kind == "area":
            out[field] = _mapped(column, {k.casefold(): v for k, v in areas.items()}, header)
        elif kind == "bool":
            out[field] = _mapped(column, YES_NO, header)
        elif kind == "age":
            if ((column < 0) | (column > 120) | (column != column.round())).any():
                raise Refused("Age: not an age")
            out[field] = column.cast(pl.Int64)
        elif kind == "specialisms":
            lookup = _vocab("specialisms")
            parts = column.str.split(";").list.eval(
                pl.element().str.strip_chars().str.to_lowercase().filter(pl.element().str.strip_chars() != "")
            )
            known = parts.list.eval(pl.element().replace_strict(lookup, default=None))
            if (known.list.eval(pl.element().is_null()).list.any() & column.is_not_null()).any():
                raise Refused("Specialism: outside its vocabulary")
            out[field] = known
        else:
            out[field] = _mapped(column, _vocab(kind), header)
    stored = pl.DataFrame(out)
    if stored["referral_ref"].n_unique() != stored.height:
        raise Refused("a Referral ID repeats")
    if (stored["engaged"].eq(1) & stored["criteria_met"].eq(0)).any():
        raise Refused("engaged without criteria met")
    return stored


def load(path: Path, url: str, config: Path) -> int:
    """Read, check, hash and write one IDVA export; the rows written."""
    from sqlalchemy import func, select

    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.warehouse.db import open_warehouse
    from dasv.warehouse.dimensions import ensure_dimensions, quarter_id
    from dasv.warehouse.load import lock_warehouse, refresh_derived
    from dasv.warehouse.models import IdvaReferral, LoadBatch

    deployment = load_deployment(config)
    frame = fastexcel.read_excel(path).load_sheet(0).to_polars()
    engine = open_warehouse(url)
    secret = b"bench-key"
    with engine.begin() as conn:
        lock_warehouse(conn)
        quarters = {Quarter.containing(d) for d in frame["Referral Date"].cast(pl.Date).unique().to_list()}
        dims = ensure_dimensions(conn, deployment, quarters)
        areas = {alias: a.name for a in deployment.areas for alias in (a.name, *a.aliases)}
        stored = check(frame, areas, date.today())
        n = stored.height
        clients = stored["client_id"].unique().to_list()
        person = dict(zip(clients, (hmac.digest(secret, f"idva-person\x1f{c}".encode(), "sha256").hex()
                                    for c in clients), strict=True))  # fmt: skip
        refs = [hmac.digest(secret, f"idva-referral\x1f{r}".encode(), "sha256").hex()
                for r in stored["referral_ref"].to_list()]  # fmt: skip
        batch = conn.execute(LoadBatch.__table__.insert().values(
            kind="load", source="idva", file_name=path.name, sha256="floor", sheet="Referrals", rows_read=n,
            rows_loaded=n, rows_refused=0, rows_skipped=0, key_fingerprint="floor", loaded_at=datetime.now(),
        ).returning(LoadBatch.id)).scalar_one()  # fmt: skip
        first = (conn.scalar(select(func.max(IdvaReferral.id))) or 0) + 1
        quarter_of = {
            d: quarter_id(Quarter.containing(d)) for d in stored["referral_date"].unique().to_list()
        }
        table = stored.with_columns(
            pl.int_range(first, first + n, eager=True).alias("id"),
            pl.lit(batch).alias("batch_id"),
            pl.Series("referral_key", refs),
            stored["client_id"].replace_strict(person).alias("person_key"),
            stored["referral_date"].cast(pl.String).alias("referral_date_text"),
            (stored["referral_date"].cast(pl.Int64) + 719163).alias("referral_day"),
            stored["referral_date"].replace_strict(quarter_of, return_dtype=pl.Int64).alias("quarter_id"),
            stored["area"].replace_strict(dims["areas"], return_dtype=pl.Int64).alias("area_id"),
        )
        names = ["id", "batch_id", "referral_key", "person_key", "referral_date_text", "referral_day", "quarter_id",
                 "area_id", "criteria_met", "engaged", "route", "risk_level", "repeat_flag", "age", "gender",
                 "disability", "sexual_orientation"]  # fmt: skip
        columns = [n if n != "referral_date_text" else "referral_date" for n in names]
        rows = table.select(names).rows()
        specialism_ids = dims["specialisms"]
        links = (table.select("id", "specialisms").explode("specialisms").drop_nulls()
                 .with_columns(pl.col("specialisms").replace_strict(specialism_ids, return_dtype=pl.Int64)).rows())  # fmt: skip
        _write(conn, "idva_referral", columns, rows)
        _write(conn, "idva_referral_specialism", ["referral_id", "specialism_id"], links)
        # what the schema derives from the facts, by the statements a load uses (warehouse/load.py)
        refresh_derived(conn, "idva", table["referral_day"].min(), table["referral_day"].max())
    return n


def rows_digest(url: str) -> tuple[int, str]:
    """How many referrals a warehouse holds and a SHA-256 of all of them with their specialisms, in stored form."""
    import hashlib

    from sqlalchemy import text

    from dasv.warehouse.db import make_engine

    query = text("""
        SELECT r.id, r.referral_key, r.person_key, r.referral_date, r.referral_day, q.label, a.name, r.criteria_met,
               r.engaged, r.route, r.risk_level, r.repeat_flag, r.age, r.gender, r.disability, r.sexual_orientation,
               r.ethnic_group, r.computed_repeat
        FROM idva_referral r JOIN quarter q ON q.id = r.quarter_id JOIN area a ON a.id = r.area_id""")
    links = text(
        "SELECT l.referral_id, s.name FROM idva_referral_specialism l JOIN specialism s ON s.id = l.specialism_id"
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        chosen: dict[int, list[str]] = {}
        for referral, name in conn.execute(links):
            chosen.setdefault(referral, []).append(name)
        rows = sorted(
            repr((*(str(v) for v in row[1:]), sorted(chosen.get(row[0], [])))) for row in conn.execute(query)
        )
    engine.dispose()
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


def _write(conn, table: str, columns: list[str], rows: list[tuple]) -> None:
    driver = conn.connection.driver_connection
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        driver.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})", rows)


if __name__ == "__main__":
    rows = load(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
    print(f"{time.perf_counter() - STARTED:.3f} {rows}")
