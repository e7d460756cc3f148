"""Loading into the warehouse, on SQLite and (when configured) PostgreSQL: all or nothing,
idempotent, replacing a quarter's facts, lineage kept, pseudonym key fingerprinted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, inspect, select, text

from dasv.loaders.export import read_export
from dasv.privacy import Pseudonymiser
from dasv.warehouse.load import load_export
from dasv.warehouse.models import (
    Base,
    IdvaReferral,
    IdvaReferralSpecialism,
    LoadBatch,
    LoadCoverage,
    PoliceMonth,
)
from dasv.warehouse.pseudonyms import KeyMismatchError
from tests.files import IDVA_HEADER, idva_rows, write_csv, write_xlsx

TODAY = date(2026, 1, 10)


def load(engine, path, deployment, pseudonymiser, **kw):
    export = read_export(path, deployment, today=TODAY)
    return load_export(engine, export, pseudonymiser, deployment, **kw)


def snapshot(engine) -> dict:
    """Every row of every warehouse table, for 'nothing changed' assertions."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            out[table.name] = sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
    return out


def count(engine, model, *where) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


def test_schema_created_by_migrations(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"alembic_version", "load_batch", "idva_referral", "marac_case", "police_month",
            "quarter", "area", "specialism", "load_coverage"} <= tables  # fmt: skip


def test_migrations_build_exactly_the_models_schema(engine):
    """Alembic's autogenerate finds nothing to change: the migrations and warehouse/models.py agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_load_records_lineage(engine, tmp_path, deployment, pseudonymiser):
    path = write_xlsx(
        tmp_path / "idva" / "q3.xlsx", [["Banner"], IDVA_HEADER, *idva_rows(3), [], ["Total", 3]]
    )
    outcome = load(engine, path, deployment, pseudonymiser, file_name="idva/q3.xlsx")
    assert outcome.status == "loaded" and outcome.periods == ["2025-26 Q3"]
    with engine.connect() as conn:
        batch = conn.execute(select(LoadBatch)).one()
    assert (
        batch.source,
        batch.file_name,
        batch.rows_read,
        batch.rows_loaded,
        batch.rows_refused,
        batch.rows_skipped,
    ) == ("idva", "idva/q3.xlsx", 3, 3, 0, 2)
    assert len(batch.sha256) == 64 and batch.loaded_at is not None and batch.superseded_by is None
    assert count(engine, IdvaReferral) == 3


def test_same_file_again_is_skipped_unless_reload(engine, tmp_path, deployment, pseudonymiser):
    path = write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(4)])
    first = load(engine, path, deployment, pseudonymiser)
    before = snapshot(engine)
    again = load(engine, path, deployment, pseudonymiser)
    assert again.status == "skipped" and again.batch_id == first.batch_id
    assert snapshot(engine) == before
    reloaded = load(engine, path, deployment, pseudonymiser, reload=True)
    assert reloaded.status == "loaded" and reloaded.superseded == [first.batch_id]
    assert count(engine, IdvaReferral) == 4  # replaced, not doubled


def test_new_export_replaces_the_quarters_it_covers_and_keeps_the_old_batch(
    engine, tmp_path, deployment, pseudonymiser
):
    q2 = write_csv(tmp_path / "idva" / "q2.csv", [IDVA_HEADER, *idva_rows(5, day="03/07/2025")])
    q3 = write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(6, start=10)])
    q3_corrected = write_csv(tmp_path / "idva" / "q3-v2.csv", [IDVA_HEADER, *idva_rows(7, start=20)])
    b2 = load(engine, q2, deployment, pseudonymiser).batch_id
    b3 = load(engine, q3, deployment, pseudonymiser).batch_id
    outcome = load(engine, q3_corrected, deployment, pseudonymiser)
    assert outcome.replaced == {"2025-26 Q3": 6} and outcome.superseded == [b3]
    with engine.connect() as conn:
        per_quarter = dict(
            conn.execute(
                select(IdvaReferral.quarter_id, func.count()).group_by(IdvaReferral.quarter_id)
            ).all()
        )
        batches = {b.id: b.superseded_by for b in conn.execute(select(LoadBatch)).all()}
    assert per_quarter == {20252: 5, 20253: 7}
    assert batches == {b2: None, b3: outcome.batch_id, outcome.batch_id: None}


def test_partial_replacement_keeps_a_batch_live_until_all_its_quarters_are_replaced(
    engine, tmp_path, deployment, pseudonymiser
):
    both = write_csv(
        tmp_path / "marac" / "ytd.csv",
        [
            ["Case ID", "Client ID", "Referral Date", "District"],
            ["M1", "V1", "03/07/2025", "Fenland"],
            ["M2", "V2", "03/10/2025", "Hunts"],
        ],
    )
    only_q3 = write_csv(tmp_path / "marac" / "q3.csv", [["Case ID", "Client ID", "Referral Date", "District"],
                                                        ["M3", "V3", "04/10/2025", "Hunts"]])  # fmt: skip
    first = load(engine, both, deployment, pseudonymiser)
    second = load(engine, only_q3, deployment, pseudonymiser)
    assert second.superseded == []  # its Q2 facts are still in use
    with engine.connect() as conn:
        cover = {(c.batch_id, c.period): c.superseded_by for c in conn.execute(select(LoadCoverage)).all()}
    assert cover == {(first.batch_id, "2025-26 Q2"): None, (first.batch_id, "2025-26 Q3"): second.batch_id,
                     (second.batch_id, "2025-26 Q3"): None}  # fmt: skip


def test_police_replaces_by_month(engine, tmp_path, deployment, pseudonymiser):
    header = ["Month", "District", "DA Incidents", "DA Crimes"]
    oct_nov = write_csv(
        tmp_path / "police" / "a.csv", [header, ["2025-10", "Fenland", 5, 3], ["2025-11", "Fenland", 6, 4]]
    )
    nov = write_csv(tmp_path / "police" / "b.csv", [header, ["2025-11", "Fenland", 60, 40]])
    load(engine, oct_nov, deployment, pseudonymiser)
    load(engine, nov, deployment, pseudonymiser)
    with engine.connect() as conn:
        months = dict(conn.execute(select(PoliceMonth.month, PoliceMonth.da_incidents)).all())
    assert months == {date(2025, 10, 1): 5, date(2025, 11, 1): 60}


def test_refused_file_changes_nothing(engine, tmp_path, deployment, pseudonymiser):
    load(
        engine,
        write_csv(tmp_path / "idva" / "ok.csv", [IDVA_HEADER, *idva_rows(3)]),
        deployment,
        pseudonymiser,
    )
    before = snapshot(engine)
    bad = write_csv(
        tmp_path / "idva" / "bad.csv",
        [IDVA_HEADER, *idva_rows(50, start=100), ["R7", "C7", "03/10/2025", "Narnia", "Y", "Y"]],
    )
    outcome = load(engine, bad, deployment, pseudonymiser)
    assert outcome.status == "refused"
    assert snapshot(engine) == before


def test_failure_mid_insert_rolls_back_everything(engine, tmp_path, deployment, pseudonymiser):
    """A database error after the old facts were deleted leaves the warehouse as it was."""
    path = write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(3)])
    load(engine, path, deployment, pseudonymiser)
    before = snapshot(engine)
    export = read_export(
        write_csv(tmp_path / "idva" / "q3b.csv", [IDVA_HEADER, *idva_rows(4, start=9)]),
        deployment,
        today=TODAY,
    )
    export.data["area"][-1] = "Area the dimension lacks"  # fails at insert, after the delete
    with pytest.raises(KeyError):
        load_export(engine, export, pseudonymiser, deployment)
    assert snapshot(engine) == before


def test_a_warehouse_refuses_a_second_pseudonym_key(engine, tmp_path, deployment, pseudonymiser):
    load(
        engine,
        write_csv(tmp_path / "idva" / "a.csv", [IDVA_HEADER, *idva_rows(2)]),
        deployment,
        pseudonymiser,
    )
    other = Pseudonymiser("another-secret")
    with pytest.raises(KeyMismatchError, match="different DASV_PSEUDONYM_KEY"):
        load(
            engine,
            write_csv(tmp_path / "idva" / "b.csv", [IDVA_HEADER, *idva_rows(2, day="03/07/2025")]),
            deployment,
            other,
        )


def test_specialisms_stored_per_referral(engine, tmp_path, deployment, pseudonymiser):
    rows = [IDVA_HEADER + ["Specialism"], ["R1", "C1", "03/10/2025", "Fenland", "Y", "Y", "Housing; Stalking"],
            ["R2", "C2", "03/10/2025", "Fenland", "Y", "Y", ""]]  # fmt: skip
    load(engine, write_csv(tmp_path / "idva" / "s.csv", rows), deployment, pseudonymiser)
    assert count(engine, IdvaReferralSpecialism) == 2


def test_no_personal_data_anywhere_in_the_warehouse(
    engine, warehouse_url, tmp_path, deployment, pseudonymiser
):
    """Names, postcodes, addresses, dates of birth and raw IDs are dropped; unknown columns never stored."""
    header = IDVA_HEADER + ["Client Name", "Postcode", "Address", "Date of Birth", "Notes"]
    rows = [header, ["REF-SECRET-1", "CLIENT-SECRET-9", "03/10/2025", "Fenland", "Y", "Y", "Zebedee Quuxley",
                     "PE13 9ZZ", "42 Wibble Lane", "17/03/1988", "free text about Zebedee"]]  # fmt: skip
    load(engine, write_xlsx(tmp_path / "idva" / "pii.xlsx", rows), deployment, pseudonymiser)
    needles = ["Zebedee", "Quuxley", "PE13 9ZZ", "PE139ZZ", "Wibble", "1988-03-17", "17/03/1988",
               "CLIENT-SECRET-9", "REF-SECRET-1"]  # fmt: skip
    dump = repr(snapshot(engine))
    assert not [n for n in needles if n in dump]
    if warehouse_url.startswith("sqlite"):
        engine.dispose()
        raw = (tmp_path / "warehouse.db").read_bytes()
        assert not [n for n in needles if n.encode() in raw]
    with engine.connect() as conn:
        columns = {c["name"] for t in inspect(conn).get_table_names() for c in inspect(conn).get_columns(t)}
    assert not columns & {
        "client_id",
        "client_name",
        "postcode",
        "address",
        "date_of_birth",
        "referral_ref",
        "case_ref",
    }


def test_database_level_lock_serialises_loads(engine, warehouse_url, tmp_path, deployment, pseudonymiser):
    """While one load's transaction is open, a second cannot start writing."""
    import threading
    import time

    path = write_csv(tmp_path / "idva" / "a.csv", [IDVA_HEADER, *idva_rows(2)])
    export = read_export(path, deployment, today=TODAY)
    done = []
    with engine.begin() as conn:
        from dasv.warehouse.load import lock_warehouse

        lock_warehouse(conn)
        conn.execute(text("SELECT 1"))
        worker = threading.Thread(
            target=lambda: done.append(load_export(engine, export, pseudonymiser, deployment))
        )
        worker.start()
        if engine.dialect.name == "postgresql":
            # wait until the server shows the second load queued on the advisory lock
            with engine.connect() as observer:
                deadline = time.monotonic() + 30
                while not observer.scalar(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                ):
                    observer.rollback()  # a fresh snapshot each time
                    assert time.monotonic() < deadline, "the second load never queued on the lock"
                    time.sleep(0.01)
        else:
            # SQLite shows no queue; whenever we look, the load cannot have finished while we hold the lock
            worker.join(0.5)
        assert not done and worker.is_alive()  # waiting for our transaction
    worker.join(30)
    assert done and done[0].status == "loaded"


def test_references_are_checked_once_per_load_and_by_db_check(engine, tmp_path, deployment, pseudonymiser):
    """Referral facts have no per-row foreign keys (migration 0004): a dangling one is still caught."""
    from dasv.warehouse.db import WarehouseError
    from dasv.warehouse.facts import check_references

    path = write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(3)])
    load(engine, path, deployment, pseudonymiser)
    with engine.connect() as conn:
        check_references(conn)  # all good
        fks = {fk["referred_table"] for fk in inspect(conn).get_foreign_keys("idva_referral")}
        assert fks == set()  # checked per load instead
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE idva_referral SET area_id = 9999 WHERE id = (SELECT min(id) FROM idva_referral)")
        )
        conn.execute(
            text("INSERT INTO idva_referral_specialism (referral_id, specialism_id) VALUES (123456, 1)")
        )
    with engine.connect() as conn, pytest.raises(WarehouseError) as caught:
        check_references(conn)
    assert str(caught.value) == (
        "1 IDVA referrals and 1 specialism links refer to a batch, quarter, area, referral or specialism that "
        "does not exist"
    )


def test_a_load_writing_a_dangling_reference_is_rolled_back(
    engine, tmp_path, deployment, pseudonymiser, monkeypatch
):
    """If the loader ever handed out an area id the warehouse lacks, the load's one check refuses it all."""
    from dasv.warehouse import load as load_module
    from dasv.warehouse.db import WarehouseError

    load(engine, write_csv(tmp_path / "idva" / "q2.csv", [IDVA_HEADER, *idva_rows(2, day="03/07/2025")]),
         deployment, pseudonymiser)  # fmt: skip
    before = snapshot(engine)
    export = read_export(write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(3)]), deployment,
                         today=TODAY)  # fmt: skip
    real = load_module.ensure_dimensions

    def wrong_area_ids(conn, dep, quarters):
        dims = real(conn, dep, quarters)
        dims["areas"] = {name: 9999 for name in dims["areas"]}
        return dims

    monkeypatch.setattr(load_module, "ensure_dimensions", wrong_area_ids)
    with pytest.raises(WarehouseError) as caught:
        load_export(engine, export, pseudonymiser, deployment, file_name="q3.csv")
    assert str(caught.value) == (
        "q3.csv: 3 IDVA referrals refer to a batch, quarter, area, referral or specialism that does not exist; "
        "the load was rolled back, so nothing from it was loaded"
    )
    assert snapshot(engine) == before


def test_stored_repeats_follow_every_load_reload_and_purge(engine, tmp_path, deployment, pseudonymiser):
    """Each row's stored computed repeat equals the definition after every write, in any order,
    and so do the stored monthly counts (warehouse/repeats.py, warehouse/monthly.py)."""
    from dasv.quarters import Quarter
    from dasv.warehouse.models import MaracCase
    from dasv.warehouse.monthly import monthly_drift
    from dasv.warehouse.purge import purge_before
    from dasv.warehouse.repeats import repeat_drift

    def idva(name, rows):
        return write_csv(
            tmp_path / "idva" / f"{name}.csv", [IDVA_HEADER, *[[*r, "Fenland", "Y", "Y"] for r in rows]]
        )

    def stored(model) -> dict[str, int]:
        with engine.connect() as conn:
            repeats = conn.scalar(
                select(func.count()).select_from(model).where(model.computed_repeat.is_(True))
            )
            rows = conn.scalar(select(func.count()).select_from(model))
            assert monthly_drift(conn) == {}  # the stored monthly counts follow every change too
            return {"rows": rows, "repeats": int(repeats), "drift": repeat_drift(conn, model)}

    q1 = [["A1", "V1", "10/04/2025"], ["A2", "V2", "11/04/2025"],
          ["A3", "V1", "10/04/2025"]]  # same day: neither is before the other  # fmt: skip
    q2 = [["B1", "V1", "10/07/2025"], ["B2", "V3", "12/07/2025"]]
    q3 = [["C1", "V1", "10/10/2025"], ["C2", "V2", "01/10/2025"], ["C3", "V3", "20/10/2025"]]
    steps = [
        (idva("q3", q3), {"rows": 3, "repeats": 0}),  # the latest quarter first: no history yet
        (idva("q1", q1), {"rows": 6, "repeats": 2}),  # C1 and C2 now have April before them
        (idva("q2", q2), {"rows": 8, "repeats": 4}),  # B1 (April) and C3 (July)
        (idva("q2-v2", q2[:1]), {"rows": 7, "repeats": 3}),  # B2 withdrawn: C3 is no longer a repeat
    ]
    for path, expected in steps:
        load(engine, path, deployment, pseudonymiser)
        assert stored(IdvaReferral) == {**expected, "drift": 0}, path.name
    purge_before(engine, Quarter.parse("2025-26 Q2"))  # April goes: only C1 (B1 in July) is left a repeat
    assert stored(IdvaReferral) == {"rows": 4, "repeats": 1, "drift": 0}

    header = ["Case ID", "Client ID", "Referral Date", "District", "Hearing Date"]
    cases = [
        header,
        ["M1", "V9", "03/07/2025", "Fenland", "20/07/2025"],
        ["M2", "V9", "03/10/2025", "Hunts", ""],
    ]
    load(engine, write_csv(tmp_path / "marac" / "m.csv", cases), deployment, pseudonymiser)
    assert stored(MaracCase) == {"rows": 2, "repeats": 1, "drift": 0}
    # Q2 again, M1 now heard in November: July's hearing goes, November's comes (another quarter)
    again = [header, ["M1", "V9", "03/07/2025", "Fenland", "05/11/2025"]]
    load(engine, write_csv(tmp_path / "marac" / "m-q2.csv", again), deployment, pseudonymiser)
    assert stored(MaracCase) == {"rows": 2, "repeats": 1, "drift": 0}


def test_an_export_pseudonymised_before_its_write_stores_the_same_rows_and_carries_no_raw_id(
    engine, tmp_path, deployment, pseudonymiser
):
    """The quarterly flow reads (and hashes) a file in one process and writes it in another: the
    export handed over holds keys only, and the stored rows are those of a load in one step."""
    import pickle

    from dasv.warehouse.pseudonyms import pseudonymise

    rows = [["R1", "C1", "03/10/2025", "Fenland", "Y", "Y"], ["R2", "C1", "04/10/2025", "Fenland", "Y", "N"],
            ["R3", "C2", "05/10/2025", "Peterborough", "N", "N"]]  # fmt: skip
    path = write_xlsx(tmp_path / "idva" / "q3.xlsx", [IDVA_HEADER, *rows])
    in_one_step = snapshot_after(engine, lambda: load(engine, path, deployment, pseudonymiser))
    export = pseudonymise(read_export(path, deployment, today=TODAY), pseudonymiser)
    handed = pickle.dumps(export)
    assert not any(raw.encode() in handed for raw in ("R1", "R2", "R3", "C1", "C2"))
    assert (
        export.data["person_key"][0] == export.data["person_key"][1] == pseudonymiser.key("idva-person", "C1")
    )
    # the same quarter again, from the handed-over export: it replaces the first load's rows
    outcome = load_export(engine, pickle.loads(handed), pseudonymiser, deployment, reload=True)
    assert outcome.status == "loaded"
    with engine.connect() as conn:
        stored = sorted(conn.execute(select(IdvaReferral.person_key, IdvaReferral.referral_key)).all())
    assert stored == in_one_step
    with pytest.raises(KeyMismatchError):
        pseudonymise(export, Pseudonymiser("another key"))


def snapshot_after(engine, action) -> list:
    action()
    with engine.connect() as conn:
        return sorted(conn.execute(select(IdvaReferral.person_key, IdvaReferral.referral_key)).all())
