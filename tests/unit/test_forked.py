"""Work done in a forked child: its value, its exception, its death, and the parent's state untouched."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest

from dasv.errors import RenderError
from dasv.forked import ChildLost, call_in_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork exists on Linux and macOS only")


def _pid_and(value):
    return os.getpid(), value


def test_the_value_comes_back_from_another_process():
    big = "x" * 1_000_000  # more than a pipe's buffer, both ways
    pid, value = call_in_child(_pid_and, big)
    assert pid != os.getpid() and value == big


def _refuse(folder):
    raise RenderError(f"cannot write to {folder}: Permission denied")


def test_the_childs_exception_is_raised_here_with_its_type_message_and_traceback():
    with pytest.raises(RenderError, match="cannot write to /x: Permission denied") as caught:
        call_in_child(_refuse, "/x")
    assert "in a forked child process" in caught.value.__notes__[0] and "_refuse" in caught.value.__notes__[0]


class Unsendable(Exception):
    def __init__(self, text):
        super().__init__(text)
        self.lock = threading.Lock()  # cannot be pickled, whatever pickling support is installed


def _raise_unsendable():
    raise Unsendable("1 and 2")


def test_an_exception_that_cannot_come_back_is_named():
    with pytest.raises(RuntimeError, match="Unsendable: 1 and 2"):
        call_in_child(_raise_unsendable)


def _die(note):
    note.write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_child_that_dies_is_reported_and_reaped(tmp_path):
    with pytest.raises(ChildLost, match="killed by SIGKILL"):
        call_in_child(_die, tmp_path / "pid")
    with pytest.raises(ChildProcessError):
        os.waitpid(int((tmp_path / "pid").read_text()), os.WNOHANG)  # reaped: no zombie left behind


def _count(box):
    box.append(1)
    return len(box)


def test_the_child_changes_nothing_in_the_parent():
    box = []
    assert call_in_child(_count, box) == 1
    assert box == []


def test_threads_run_children_side_by_side():
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(call_in_child(_pid_and, 1)[0])) for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 6 and os.getpid() not in results


def _write_ends() -> int:
    """How many pipe write ends this process holds open (Linux: /proc)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            is_pipe = os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:")
            with open(f"/proc/self/fdinfo/{fd}") as info:
                flags = next(int(line.split()[1], 8) for line in info if line.startswith("flags:"))
        except OSError:
            continue
        count += is_pipe and flags & 3 == os.O_WRONLY
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fdinfo"), reason="reads /proc")
def test_a_child_holds_no_other_childs_pipe_open():
    """Else a result waits until every child that inherited its pipe has ended, not only its own."""
    alone = call_in_child(_write_ends)
    seen = []
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can: the race has its chances
    threads = [
        threading.Thread(target=lambda: seen.extend(call_in_child(_write_ends) for _ in range(10)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.setswitchinterval(switching)
    assert len(seen) == 80 and max(seen) == alone, (alone, sorted(set(seen)))
