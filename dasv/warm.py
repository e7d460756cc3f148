"""Warm starts for Prefect flow runs: a process that has already imported the flows forks each run.

A process worker starts a new Python for every flow run (``python -m prefect.engine``), and
importing Prefect and the flows' libraries takes about 4 s on this project's machine: longer
than the demo quarter's whole report. The deployments' command is ``dasv-flow-run``
(``prefect.yaml``), the client in this module:

- it connects to the warm process for its environment and hands over the run: its standard
  streams (as file descriptors), working directory, environment and arguments; the warm
  process forks, and the child runs ``dasv.flows.engine`` exactly as the cold command would;
- when there is none (the first run, another environment, changed code, or after an idle
  hour) it starts one in the background and runs this run cold, ``python -m dasv.flows.engine``.

Signals sent to the client (the worker cancelling the run) are passed on to the run; if the
client is killed, the warm process kills the run. A warm process stops taking runs when any
module it imported changes on disk (the next run is cold and starts a new one), when the worker
that started it stops, or after ``DASV_WARM_IDLE_SECONDS`` without a run (default 3600; ``0``
turns warm starts off), and exits once its runs have ended.

This module imports only the standard library, so the client starts in a few milliseconds.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import runpy
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# What runs a flow run (``python -m dasv.flows.engine``: Prefect's engine, failures in one line), and the
# modules it needs, imported once by the warm process (the deployments' entrypoints). The engine
# module itself is not imported here: each child runs it as ``__main__``, and runpy warns
# ("found in sys.modules ... unpredictable behaviour") about a module imported before it is run.
ENGINE = "dasv.flows.engine"
WARM_MODULES = (
    "prefect.engine", "prefect.flow_engine", "prefect._internal.metrics", "dasv.flows.quarterly_report",
    "dasv.flows.district_slice", "dasv.flows.exports_due",
    # imported lazily where first used: the intervals and funnel limits (scipy, statsmodels) and the
    # warehouse's migration check (alembic); about 1.6 s of every run's imports here
    "scipy.stats", "statsmodels.stats.proportion", "alembic.command", "alembic.script",
    "alembic.runtime.migration",
)  # fmt: skip
# Then what each run's first report would do once (compile the HTML template): "module:function".
WARM_CALLS = ("dasv.report_templates.render:prepare",)
if os.environ.get("DASV_WARM_ENGINE"):  # a stand-in engine module (tests/integration/test_warm.py)
    ENGINE = os.environ["DASV_WARM_ENGINE"]
    WARM_MODULES, WARM_CALLS = (ENGINE,), ()
# Variables Prefect sets per run (flow run id, control channel, entrypoint): everything else in
# the environment must match the warm process's own, since libraries read settings at import.
PER_RUN_PREFIX = "PREFECT__"
IDLE_DEFAULT = 3600
MESSAGE_MAX = 1 << 20


def idle_seconds(env=os.environ) -> float:
    """How long a warm process waits for a run before it exits (DASV_WARM_IDLE_SECONDS; 0: no warm starts)."""
    try:
        return float(env.get("DASV_WARM_IDLE_SECONDS", IDLE_DEFAULT))
    except ValueError:
        return IDLE_DEFAULT


def base_environment(env) -> dict[str, str]:
    """The environment without Prefect's per-run variables: what a warm process must share."""
    return {k: v for k, v in env.items() if not k.startswith(PER_RUN_PREFIX)}


def socket_path(env) -> Path | None:
    """Where the warm process for this Python and environment listens; None if the folder is unsafe."""
    folder = Path(tempfile.gettempdir()) / f"dasv-warm-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None  # someone else's folder, or readable by others: never hand a run to it
    digest = hashlib.sha256(json.dumps([sys.executable, sorted(base_environment(env).items())]).encode())
    return folder / f"{digest.hexdigest()[:24]}.sock"


# ---------------------------------------------------------------------------------------------
# The client: the command a process worker runs for each flow run.


def run_cold(args: list[str]) -> None:
    """Become ``python -m dasv.flows.engine`` (same process, so the worker's handle stays valid)."""
    os.execv(sys.executable, [sys.executable, "-m", ENGINE, *args])


def start_warm_process(path: Path) -> None:
    """Start a warm process for this environment in the background (its own session, no terminal)."""
    log = open(path.with_suffix(".log"), "ab")  # noqa: SIM115 - handed to the child, closed here after
    try:
        subprocess.Popen(
            [sys.executable, "-m", "dasv.warm", "--serve", str(path), str(os.getppid())],
            env=base_environment(os.environ),
            cwd=os.environ.get("DASV_PROJECT_DIR") or "/",  # not the run's folder: it is removed after
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    finally:
        log.close()


def _reply(conn: socket.socket) -> dict:
    data = conn.recv(MESSAGE_MAX)
    return json.loads(data) if data else {}


def main(args: list[str] | None = None) -> None:
    """``dasv-flow-run``: run this flow run in a warm process if there is one, else cold."""
    args = sys.argv[1:] if args is None else args
    supported = hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")  # Linux
    path = socket_path(os.environ) if supported and idle_seconds() > 0 else None
    if path is None:
        run_cold(args)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(str(path))
        request = {"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        started = _reply(conn)
    except OSError:
        started = {}
    if "pid" not in started:  # none listening, or it has gone stale: start a fresh one for next time
        conn.close()
        try:
            start_warm_process(path)
        except OSError:  # e.g. DASV_PROJECT_DIR names no folder: the run itself says so, cold
            pass
        run_cold(args)
    pid = started["pid"]

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    while True:
        try:
            finished = _reply(conn)
            break
        except InterruptedError:
            continue
    code = finished.get("exit", 1)
    if code < 0:  # the run was killed by a signal: end the same way, as the cold process would have
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


# ---------------------------------------------------------------------------------------------
# The warm process.


def _module_files() -> dict[str, int]:
    """Every imported module's file and its modification time: a change means the code is stale."""
    files = {}
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if name:
            try:
                files[name] = os.stat(name).st_mtime_ns
            except OSError:
                pass
    return files


def _stale(files: dict[str, int]) -> bool:
    for name, mtime in files.items():
        try:
            if os.stat(name).st_mtime_ns != mtime:
                return True
        except OSError:
            return True
    return False


def _run_child(request: dict, fds: list[int], sys_path0: str) -> None:
    """In the forked child: become the run's process and run the engine as ``python -m`` would."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    try:  # if the warm process dies, so does the run (its client then reports it ended)
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    for fd in fds:
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if sys.path and sys.path[0] == sys_path0:
        sys.path[0] = os.getcwd()
    sys.argv = [ENGINE, *request["args"]]
    runpy.run_module(ENGINE, run_name="__main__", alter_sys=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WarmProcess:
    """Listens for runs; forks a child for each; tells each client how its run ended."""

    def __init__(self, path: Path, worker: int, own_env: dict[str, str], sys_path0: str):
        self.path, self.worker, self.own_env, self.sys_path0 = path, worker, own_env, sys_path0
        self.files = _module_files()
        self.idle = idle_seconds()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        staging = path.with_name(f"{os.getpid()}.tmp")  # short: a socket's path has at most 107 bytes
        self.listener.bind(str(staging))
        self.listener.listen(16)
        os.replace(staging, path)  # atomically: a client never sees a socket that is not listening yet
        self.inode = path.stat().st_ino
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.children: dict[int, tuple[socket.socket, int]] = {}  # pidfd -> (client connection, pid)
        self.accepting = True
        self.last = time.monotonic()

    def run(self) -> None:
        """Serve until no longer accepting and every run has ended."""
        while self.accepting or self.children:
            for key, _ in self.selector.select(timeout=min(5.0, self.idle)):
                if key.data == "accept":
                    if self.accepting:
                        self.accept()
                elif key.data == "child":
                    self.reap(key.fd)
                elif key.data in {pid for _conn, pid in self.children.values()}:
                    self.client_closed(key.fileobj, key.data)
            if self.accepting and not self.children and self.should_stop():
                self.stop_accepting()

    def should_stop(self) -> bool:
        """Stop taking runs: the address was taken over, idle too long, the worker gone, or stale code."""
        try:
            moved = self.path.stat().st_ino != self.inode  # another warm process took the address
        except OSError:
            moved = True
        reasons = {
            "another warm process took the address": moved,
            "idle": time.monotonic() - self.last > self.idle,
            "the worker has gone": not _alive(self.worker),
            "the code changed on disk": _stale(self.files),
        }
        for reason, true in reasons.items():
            if true:
                print(f"no more runs here: {reason}", flush=True)
                return True
        return False

    def stop_accepting(self) -> None:
        """Close the listener and remove the address if it is still ours."""
        self.accepting = False
        self.selector.unregister(self.listener)
        self.listener.close()
        try:
            if self.path.stat().st_ino == self.inode:
                self.path.unlink()
        except OSError:
            pass

    def accept(self) -> None:
        """Take one run: fork a child for it, or refuse it (stale) so that the client runs it cold."""
        conn, _ = self.listener.accept()
        try:
            data, fds, _, _ = socket.recv_fds(conn, MESSAGE_MAX, 3)
            request = json.loads(data)
        except (OSError, ValueError):
            conn.close()
            return
        if _stale(self.files) or base_environment(request["env"]) != self.own_env:
            print("the code changed on disk: no more runs here (the client runs cold)", flush=True)
            self.stop_accepting()  # first: the client starts a fresh warm process at this address
            conn.close()  # the client reads no pid and runs cold
            for fd in fds:
                os.close(fd)
            return
        pid = os.fork()
        if pid == 0:  # the run's process: never returns here (SystemExit ends it as a cold run ends)
            self.selector.close()
            self.listener.close()
            conn.close()
            for pidfd, (other, _pid) in self.children.items():
                os.close(pidfd)
                other.close()
            _run_child(request, fds, self.sys_path0)
            raise SystemExit(0)
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        self.children[pidfd] = (conn, pid)
        self.selector.register(pidfd, selectors.EVENT_READ, "child")
        self.selector.register(conn, selectors.EVENT_READ, pid)
        conn.send(json.dumps({"pid": pid}).encode())
        print(f"run handed to child {pid}", flush=True)

    def reap(self, pidfd: int) -> None:
        """A child ended: tell its client the exit code."""
        conn, pid = self.children.pop(pidfd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        if conn in {k.fileobj for k in self.selector.get_map().values()}:
            self.selector.unregister(conn)
        try:
            conn.send(json.dumps({"exit": code}).encode())
        except OSError:
            pass
        conn.close()
        self.last = time.monotonic()
        print(f"child {pid} ended: {code}", flush=True)

    def client_closed(self, conn: socket.socket, pid: int) -> None:
        """The client's end is readable: it sends nothing, so it has gone. Its run goes too."""
        try:
            gone = conn.recv(MESSAGE_MAX) == b""
        except OSError:
            gone = True
        if gone:
            self.selector.unregister(conn)
            print(f"the client of child {pid} has gone: killing the run", flush=True)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def serve(path: Path, worker: int) -> None:
    """Import the flows, then fork a child for each run handed over, until idle, stale or the worker is gone.

    Args:
        worker: the process worker's pid: when it stops, so does this process (once its runs end).
    """
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        probe.connect(str(path))
        return  # another warm process already serves this environment
    except OSError:
        pass
    finally:
        probe.close()
    own_env = base_environment(os.environ)  # before any import can change it
    started = time.monotonic()
    for name in WARM_MODULES:
        __import__(name)
    for call in WARM_CALLS:
        module, _, function = call.partition(":")
        __import__(module)
        getattr(sys.modules[module], function)()
    gc.freeze()  # the imported objects stay out of the children's collections: their pages stay shared
    warm = WarmProcess(path, worker, own_env, sys.path[0] if sys.path else "")
    print(f"warm process {os.getpid()}: {len(warm.files)} modules imported in {time.monotonic() - started:.1f} s",
          flush=True)  # fmt: skip
    warm.run()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"] and len(sys.argv) == 4:
        serve(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
