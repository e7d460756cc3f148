"""Writing the access log with group commit: the rows of concurrent requests go in one transaction.

Every request to a district, county, API or account route is logged before its answer starts
(docs/portal.md). One SQLite transaction per request made each request queue for the warehouse's
write lock, and SQLite's busy handler sleeps in steps of up to 100 ms while it waits: under 50
clients that wait was most of the slowest answers' time. Here each process has one writer
thread: a request hands it its row and waits until the transaction holding it has committed,
so nothing is kept in the process once a request is answered, and a row is never lost.
"""

from __future__ import annotations

import logging
import queue
import threading

from sqlalchemy import Engine

from dasv import accounts

WAIT_SECONDS = 30  # a request never waits longer for its row than this (then it writes it itself)
_log = logging.getLogger("dasv.portal")


class AccessLogWriter:
    """One writer thread per process and engine; ``write`` returns once the row is committed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows: queue.SimpleQueue = queue.SimpleQueue()
        self.started = False
        self.lock = threading.Lock()

    def write(self, row: dict) -> None:
        """Log one request; returns when its row is in the warehouse (or the failure is in the server log)."""
        self._start()
        done = threading.Event()
        self.rows.put((row, done))
        if not done.wait(WAIT_SECONDS):  # the writer is stuck: write it here rather than not at all
            accounts.log_access_many(self.engine, [row])

    def _start(self) -> None:
        if not self.started:
            with self.lock:
                if not self.started:
                    threading.Thread(target=self._run, name="dasv-access-log", daemon=True).start()
                    self.started = True

    def _run(self) -> None:
        while True:
            batch = [self.rows.get()]
            while len(batch) < 500:
                try:
                    batch.append(self.rows.get_nowait())
                except queue.Empty:
                    break
            try:
                accounts.log_access_many(self.engine, [row for row, _ in batch])
            except Exception:  # noqa: BLE001 - a full log must not turn answers into errors; the server log has it
                _log.exception("could not write %d access-log row(s)", len(batch))
            for _, done in batch:
                done.set()
