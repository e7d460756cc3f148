"""Publishing: versions, revisions marked [r], immutability, and every way it can be refused or cut."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from dasv.config import load_deployment
from dasv.pipeline import load_files, publish, render_quarter
from dasv.privacy import Pseudonymiser
from dasv.publications import PublishError
from dasv.published import versions
from dasv.quarters import Quarter
from dasv.warehouse.db import open_warehouse
from dasv.warehouse.models import Publication
from tests.files import IDVA_HEADER, write_csv
from tests.portal.conftest import PASSWORD

Q2, Q3 = Quarter.parse("2025-26 Q2"), Quarter.parse("2025-26 Q3")
KEY = Pseudonymiser("publications-test-key")


def _rows(n: int, day: str, district: str, start: int = 0) -> list[list]:
    return [[f"R{i}", f"C{i}", day, district, "Y", "Y" if i % 3 else "N"] for i in range(start, start + n)]


def _inbox(folder: Path, q2_fenland: int = 40) -> None:
    write_csv(folder / "idva" / "q2.csv", [IDVA_HEADER, *_rows(q2_fenland, "03/08/2025", "Fenland"),
                                           *_rows(30, "04/08/2025", "Hunts", 500)])  # fmt: skip
    write_csv(folder / "idva" / "q3.csv", [IDVA_HEADER, *_rows(35, "03/11/2025", "Fenland", 1000),
                                           *_rows(32, "04/11/2025", "Hunts", 1500)])  # fmt: skip


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def warehouse(tmp_path):
    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.db'}")
    yield engine
    engine.dispose()


def test_a_correction_becomes_version_2_with_its_revisions_marked_r_and_version_1_unchanged(
    warehouse, tmp_path
):
    deployment, out, store = load_deployment(), tmp_path / "out", tmp_path / "store"
    _inbox(tmp_path / "inbox")
    load_files(warehouse, [tmp_path / "inbox"], deployment, KEY)
    render_quarter(warehouse, deployment, Q2, out)
    first = publish(warehouse, deployment, Q2, out, store)
    assert (first.version, first.new) == (1, True)
    v1 = {p: _sha(p) for p in (store / "2025-26-Q2" / "v1").rglob("*") if p.is_file()}
    # 35 published files (the county's public edition and six slices; the SafeLives return is restricted
    # and never published) and provenance.json: what produced them (dasv.provenance)
    assert len(v1) == 36 and all(not os.access(p, os.W_OK) or os.geteuid() == 0 for p in v1)
    from dasv.provenance import config_checksum, package_version
    from dasv.published import provenance_of

    with warehouse.connect() as conn:
        recorded = provenance_of(conn, store, Q2, 1)
    assert recorded["version"] == package_version() and recorded["config_sha256"] == config_checksum(
        deployment
    )
    assert recorded["run_id"] is None and recorded["commit"]  # published from plain Python, not a Prefect run
    assert all(p.stat().st_mode & 0o222 == 0 for p in v1)  # write-once: read-only files
    again = publish(warehouse, deployment, Q2, out, store)
    assert (again.version, again.new) == (1, False)  # unchanged outputs: nothing new

    _inbox(tmp_path / "inbox", q2_fenland=37)  # the service corrects its July-September export
    load_files(warehouse, [tmp_path / "inbox" / "idva" / "q2.csv"], deployment, KEY)
    render_quarter(warehouse, deployment, Q2, out)
    second = publish(warehouse, deployment, Q2, out, store)
    assert (second.version, second.new) == (2, True)
    county = {(m, o, n) for d, m, o, n in second.revisions if d is None}
    assert ("IDVA referrals", "70", "67") in county  # the report's labels, never the internal keys
    assert ("IDVA referrals, Fenland", "40", "37") in county
    fenland = [r for r in second.revisions if r[0] == "Fenland"]
    assert ("Fenland", "IDVA referrals, Fenland", "40", "37") in fenland
    assert not [
        m for _, m, _, _ in second.revisions if "_" in m or m.startswith(("idva.", "marac.", "police."))
    ]
    assert {p: _sha(p) for p in v1} == v1  # version 1, byte for byte

    render_quarter(warehouse, deployment, Q3, out)  # the next quarter's report shows Q2 beside Q3
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in PdfReader(out / "2025-26-Q3" / "dasv-2025-26-Q3.pdf").pages
    )
    assert "67 [r]" in text and "revised since first published on" in text
    slice_text = " ".join(" ".join(p.extract_text().split()) for p in
                          PdfReader(out / "2025-26-Q3" / "districts" / "fenland" / "dasv-2025-26-Q3-fenland.pdf").pages)  # fmt: skip
    assert "37 [r]" in slice_text

    from dasv import accounts
    from dasv.portal.app import create_app

    accounts.add_user(warehouse, "fen@csp.test", "csp", ["Fenland"], PASSWORD)
    client = TestClient(create_app(warehouse, deployment, store))
    form = client.get("/sign-in").text
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/sign-in", data={"email": "fen@csp.test", "password": PASSWORD, "csrf_token": csrf})
    page = client.get("/districts/fenland/").text
    assert "2025-26 Q2, version 1" in page and "2025-26 Q2, version 2" in page
    assert "IDVA referrals, Fenland: 40 to 37" in page and "idva.total_referrals" not in page
    old = client.get("/districts/fenland/2025-26-Q2/slice.json?version=1").json()
    new = client.get("/districts/fenland/2025-26-Q2/slice.json").json()
    assert (old["idva"]["total"]["total_referrals"], new["idva"]["total"]["total_referrals"]) == (40, 37)


def test_publishing_with_nothing_rendered_is_one_line_and_exit_1(tmp_path):
    env = {
        **os.environ,
        "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        "DASV_PUBLISH_DIR": str(tmp_path / "s"),
    }
    result = subprocess.run([sys.executable, "-m", "dasv", "publish", "--quarter", "2025-26 Q3", "--out",
                             str(tmp_path / "out")], env=env, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        result.stderr.startswith("dasv: 2025-26 Q3: nothing complete to publish")
        and result.stderr.count("\n") == 1
    )


def test_an_unwritable_store_is_one_line_and_records_nothing(warehouse, tmp_path):
    deployment = load_deployment()
    _inbox(tmp_path / "inbox")
    load_files(warehouse, [tmp_path / "inbox"], deployment, KEY)
    render_quarter(warehouse, deployment, Q3, tmp_path / "out")
    blocker = tmp_path / "store"
    blocker.write_text("a file where the store should be")
    with pytest.raises(PublishError, match="cannot write to the publication store"):
        publish(warehouse, deployment, Q3, tmp_path / "out", blocker)
    with warehouse.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Publication)) == 0


def test_two_publishes_at_once_are_serialised(warehouse, tmp_path):
    deployment = load_deployment()
    _inbox(tmp_path / "inbox")
    load_files(warehouse, [tmp_path / "inbox"], deployment, KEY)
    render_quarter(warehouse, deployment, Q3, tmp_path / "out")
    results, errors = [], []

    def go():
        try:
            results.append(publish(warehouse, deployment, Q3, tmp_path / "out", tmp_path / "store"))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and sorted(r.new for r in results) == [False, False, True]
    with warehouse.connect() as conn:
        assert [v.version for v in versions(conn, Q3)] == [1]


def test_a_killed_publish_records_no_half_version(tmp_path):
    """Killed after its files are in place but before its row commits: no version, and the next publish is whole."""
    env = {
        **os.environ,
        "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        "DASV_PUBLISH_DIR": str(tmp_path / "store"),
    }
    _inbox(tmp_path / "inbox")
    engine = open_warehouse(env["DASV_DATABASE_URL"])
    load_files(engine, [tmp_path / "inbox"], load_deployment(), KEY)
    render_quarter(engine, load_deployment(), Q3, tmp_path / "out")
    engine.dispose()
    reader = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM publication").fetchall()  # a reader: the publish cannot commit
    process = subprocess.Popen([sys.executable, "-m", "dasv", "publish", "--quarter", "2025-26 Q3", "--out",
                                str(tmp_path / "out")], env=env)  # fmt: skip
    folder = tmp_path / "store" / "2025-26-Q3" / "v1"
    deadline = time.monotonic() + 60
    while not folder.exists():
        assert process.poll() is None and time.monotonic() < deadline, (
            "the publish ended before renaming its folder"
        )
        time.sleep(0.01)
    assert process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    reader.execute("COMMIT")
    reader.close()
    engine = open_warehouse(env["DASV_DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Publication)) == 0  # the row never committed
    result = publish(engine, load_deployment(), Q3, tmp_path / "out", tmp_path / "store")
    assert (result.version, result.new) == (1, True) and len(list(folder.rglob("*.pdf"))) == 7
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["board@x.test", "--role", "partnership"], None, "already exists"),
        (["new@x.test", "--role", "csp", "--district", "Narnia"], None, "'Narnia' is not a district"),
        (
            ["short@x.test", "--role", "csp", "--district", "Fenland", "--password-stdin"],
            "eleven char",
            "at least 12",
        ),
        (["nodistrict@x.test", "--role", "csp"], None, "needs at least one --district"),
        (["not-an-email", "--role", "partnership"], None, "is not an e-mail address"),
    ],
)
def test_account_commands_refuse_in_one_line(tmp_path, args, stdin, message):
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    first = subprocess.run([sys.executable, "-m", "dasv", "portal", "user", "add", "board@x.test", "--role",
                            "partnership"], env=env, capture_output=True, text=True)  # fmt: skip
    assert first.returncode == 0 and "/set-password?token=" in first.stdout
    result = subprocess.run([sys.executable, "-m", "dasv", "portal", "user", "add", *args], env=env, input=stdin,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_token_create_prints_the_token_alone_as_the_last_line(tmp_path):
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    subprocess.run([sys.executable, "-m", "dasv", "portal", "user", "add", "t@x.test", "--role", "partnership"],
                   env=env, check=True, capture_output=True)  # fmt: skip
    made = subprocess.run([sys.executable, "-m", "dasv", "portal", "token", "create", "t@x.test", "--days", "30"],
                          env=env, capture_output=True, text=True)  # fmt: skip
    token = made.stdout.strip().splitlines()[-1]
    assert (
        made.returncode == 0
        and token.startswith("dasv_")
        and len(token) > 40
        and made.stdout.strip() == token
    )
    listed = subprocess.run([sys.executable, "-m", "dasv", "portal", "token", "list"], env=env, capture_output=True,
                            text=True).stdout  # fmt: skip
    assert "t@x.test" in listed and token not in listed  # only a hash is kept


def test_a_rerun_after_another_quarter_was_published_is_not_a_new_version(warehouse, tmp_path):
    """Q2 published, then Q3, then Q2 rendered again: the same figures and markers are the same release.

    (The plan records the store it read, which changed when Q3 was published; that alone made a
    version 2 identical to version 1 in every figure.)
    """
    deployment, out, store = load_deployment(), tmp_path / "out", tmp_path / "store"
    _inbox(tmp_path / "inbox")
    load_files(warehouse, [tmp_path / "inbox"], deployment, KEY)
    for q in (Q2, Q3):
        render_quarter(warehouse, deployment, q, out)
        assert publish(warehouse, deployment, q, out, store).version == 1
    render_quarter(warehouse, deployment, Q2, out)
    again = publish(warehouse, deployment, Q2, out, store)
    assert (again.version, again.new) == (1, False)
