"""Run CPU-bound work in a forked child, so that the threads of one process render on every core.

Python's threads take turns on one core for Python code: the quarterly flow's thread pool rendered
the demo quarter's county report and six slices in 4.0 s where one thread alone took 3.2 s. A
forked child starts in a few milliseconds with everything its parent has imported and built (the
report to draw, fonts, templates), runs the call on a core of its own, and sends back the result
(pickled, through a pipe) while the parent's thread waits without holding the interpreter.

Only for work that touches none of the parent's shared state: the child must not use the
parent's database connections, Prefect's clients or any lock another thread might have held when
it forked (drawing a report that is already built touches none). It never writes to the parent's
standard streams, and it leaves with ``os._exit``, so no buffer or exit handler of the parent runs
twice. At most one child per core runs at a time.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable
from typing import TypeVar

from dasv.errors import RenderError

T = TypeVar("T")

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_SLOTS = threading.BoundedSemaphore(CORES)
_FORKING = threading.Lock()


def _fresh_locks() -> None:  # a forked process starts with its own, free, whatever its parent held
    global _SLOTS, _FORKING
    _SLOTS, _FORKING = threading.BoundedSemaphore(CORES), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_locks)


class ChildLost(RenderError):
    """The child ended without sending its result (killed, or out of memory): one line for a user."""


def can_fork() -> bool:
    """True where children can be forked (Linux, macOS); elsewhere calls run in the calling thread."""
    return hasattr(os, "fork")


def call_in_child(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` computed in a forked child: its value, or its exception raised here.

    The exception is the child's own (type and message), with the child's traceback as a note; one
    that cannot be sent back is raised as a RuntimeError naming it. Without ``os.fork`` the call
    runs here.
    """
    if not can_fork():
        return fn(*args, **kwargs)
    with _SLOTS:
        # one fork at a time, the pipe's write end closed here before the next: a child that
        # inherited another's write end would hold that one's result back until it ended too
        with _FORKING:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: compute, send, leave without running anything of the parent's
                _child(fn, args, kwargs, read_end, write_end)
            os.close(write_end)
        try:
            with open(read_end, "rb") as pipe:
                data = pipe.read()
        finally:
            _, status = os.waitpid(pid, 0)
    if not data:
        raise ChildLost(f"a forked process ({_name(fn)}) ended without a result ({_how(status)})")
    ok, value = pickle.loads(data)
    if ok:
        return value
    raise value


def _child(fn, args, kwargs, read_end: int, write_end: int) -> None:
    code = 0
    gc.freeze()  # what the parent made stays out of this child's collections: not walked, not copied
    try:
        os.close(read_end)
        for signum in (signal.SIGTERM, signal.SIGINT):  # the parent's handlers are not this process's
            signal.signal(signum, signal.SIG_DFL)
        try:
            payload = pickle.dumps((True, fn(*args, **kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            payload = _pickled_failure(exc)
        with open(write_end, "wb") as out:
            out.write(payload)
    except BaseException:  # noqa: BLE001 - the parent reports a child that sent nothing
        code = 1
    finally:
        os._exit(code)


def _pickled_failure(exc: BaseException) -> bytes:
    """The exception, pickled with the child's traceback as a note; a stand-in if it cannot be."""
    details = "".join(traceback.format_exception(exc))
    try:
        exc.add_note(f"(in a forked child process)\n{details}")
        payload = pickle.dumps((False, exc))
        pickle.loads(payload)  # some exceptions pickle but cannot be rebuilt
        return payload
    except Exception:  # noqa: BLE001
        return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}\n{details}")))


def _name(fn) -> str:
    return getattr(fn, "__qualname__", repr(fn))


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
