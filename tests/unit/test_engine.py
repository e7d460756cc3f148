"""flows/engine.py: which failures are one line (a refusal) and which are a fault to report."""

from __future__ import annotations

import asyncio

from prefect.states import Failed, exception_to_failed_state

from dasv.flows.engine import _raised, one_line


def test_a_refusal_is_not_a_fault_and_an_exception_is():
    assert not _raised(Failed(message="2026-27 Q2 (July – September 2026) has nothing loaded"))
    assert _raised(asyncio.run(exception_to_failed_state(KeyError("x"))))


def test_one_line_gives_the_innermost_cause_and_names_the_wrapper():
    try:
        try:
            raise RuntimeError("DASV_PROJECT_DIR=/x is not a folder on the worker\nmore")
        except RuntimeError as exc:
            raise ValueError(
                "Encountered error while running dasv.flows.steps.set_working_directory_from_env"
            ) from exc
    except ValueError as exc:
        line = one_line(exc)
    assert line == ("DASV_PROJECT_DIR=/x is not a folder on the worker "
                    "(encountered error while running dasv.flows.steps.set_working_directory_from_env)")  # fmt: skip
    assert one_line(KeyError()) == "KeyError"


def test_an_operators_error_is_logged_in_one_line_and_a_bug_keeps_its_traceback(monkeypatch):
    import logging
    import sys

    from dasv.delivery import DeliveryError
    from dasv.flows.engine import OneLineErrors, operator_errors

    monkeypatch.delenv("DASV_DEBUG", raising=False)
    keep = OneLineErrors(operator_errors())

    def record(exc):
        try:
            raise exc
        except Exception:
            return logging.LogRecord(
                "prefect.task_runs", logging.ERROR, __file__, 1, "failed: %r", (exc,), sys.exc_info()
            )

    told = record(DeliveryError("cannot send through 127.0.0.1:1: refused"))
    assert keep.filter(told) and told.exc_info is None and "cannot send" in told.getMessage()
    bug = record(KeyError("x"))
    assert keep.filter(bug) and bug.exc_info is not None
    monkeypatch.setenv("DASV_DEBUG", "1")
    debugged = record(DeliveryError("x"))
    assert keep.filter(debugged) and debugged.exc_info is not None
