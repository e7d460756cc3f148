"""Typst in a process of its own, kept warm, asked over a Unix socket by this process and its forked children.

Why not compile in the calling process: the quarterly run draws each report in a forked child
(``dasv.forked``), and Typst runs its layout on a pool of threads that a fork does not copy: a
child forked from a process that has compiled once waits for them for ever. A fresh child that
compiles for itself works, but starts cold (fonts, the template and Typst's caches built again),
which cost more than the whole ReportLab page layout it replaces. So the first process that
draws a PDF (or ``dasv.report_templates.render.prepare``, before a run forks) starts this server with
a fresh interpreter; every report drawn in that process or in children forked from it is sent
here (the report as JSON, its charts as SVG files by path) and comes back as PDF bytes. The
server keeps one compiler, so what one slice lays out (fonts, the template, a table every slice
shares) is reused by the next.

The socket is in a folder only this user can open. The server ends when the process that started
it (and every child holding its pipe) has ended: it reads its standard input until end of file.
"""

from __future__ import annotations

import os
import pickle
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).parent
TEMPLATE = HERE / "report.typ"
FONTS = HERE / "fonts"

_servers: list[tuple[int, str, subprocess.Popen]] = []  # (pid that started it, socket path, process)
_lock = threading.Lock()


class TypstFailed(Exception):
    """Typst refused the document (its message), e.g. a figure without alternative text."""


def _count() -> int:
    """One server per core: a compile holds its server's interpreter, so two children need two."""
    from dasv.forked import CORES

    return int(os.environ.get("DASV_TYPST_SERVERS", CORES))


def start(count: int | None = None) -> None:
    """Start this process's Typst servers unless they are running; children forked after this use them.

    Args:
        count: how many (default one per core, for a run that draws in forked children; a
            process that draws its reports itself, a Dask worker say, needs one).
    """
    global _servers
    with _lock:
        if _servers and all(pid == os.getpid() and p.poll() is None for pid, _, p in _servers):
            return
        _servers = [_start_one() for _ in range(count or _count())]


def _start_one() -> tuple[int, str, subprocess.Popen]:
    folder = tempfile.mkdtemp(prefix="dasv-typst-")  # mode 0700: only this user reaches the socket
    path = os.path.join(folder, "socket")
    # one layout thread: the run's own children keep every core busy, and idle pool threads that
    # wait by spinning only took CPU from them (RAYON_NUM_THREADS sizes Typst's pool)
    env = {**os.environ, "RAYON_NUM_THREADS": os.environ.get("DASV_TYPST_THREADS", "1")}
    process = subprocess.Popen([sys.executable, "-m", "dasv.report_templates.typst_server", path], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(HERE.parent))  # fmt: skip
    ready = process.stdout.readline()
    process.stdout.close()
    if ready.strip() != b"ready":
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError("the Typst process did not start (see the lines above)")
    Path(folder, "busy").touch()
    return os.getpid(), path, process


def compile_pdf(inputs: dict[str, str], timestamp: int) -> bytes:
    """The PDF/UA-1 of the template with these inputs, from a server (started here if need be).

    Raises:
        TypstFailed: Typst refused the document.
    """
    global _servers
    if not _servers:
        start(1)
    try:
        return _ask_free(inputs, timestamp)
    except OSError:  # a server has gone (killed, or its starter ended): this process starts its own
        _servers = []
        start(1)
        return _ask_free(inputs, timestamp)


def _ask_free(inputs: dict[str, str], timestamp: int) -> bytes:
    """Ask the first server no other process is using (a lock on its ``busy`` file), else wait for one."""
    import fcntl

    first = os.getpid() % len(_servers)
    order = _servers[first:] + _servers[:first]
    for k, (_, path, _) in enumerate(order + order[:1]):
        with open(os.path.join(os.path.dirname(path), "busy")) as busy:
            try:  # the last try waits for its server; a lock is released if its holder dies
                fcntl.flock(busy, fcntl.LOCK_EX | (0 if k == len(order) else fcntl.LOCK_NB))
            except BlockingIOError:
                continue
            return _ask(path, inputs, timestamp)
    raise AssertionError("unreachable")


def _fresh_lock() -> None:  # a forked child starts with its own, free, whatever its parent's threads held
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock)


def _ask(path: str, inputs: dict[str, str], timestamp: int) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        _send(conn, (inputs, timestamp))
        ok, value = _receive(conn)
    if not ok:
        raise TypstFailed(value)
    return value


def _send(conn: socket.socket, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    conn.sendall(struct.pack("!Q", len(data)) + data)


def _receive(conn: socket.socket) -> object:
    (size,) = struct.unpack("!Q", _read(conn, 8))
    return pickle.loads(_read(conn, size))


def _read(conn: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = conn.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise ConnectionError("the Typst process closed the connection")
        data += chunk
    return bytes(data)


def serve(path: str) -> None:
    """The server: a compiler made once (fonts found, template read); each request drawn in a fork of it.

    The server itself never compiles, so it has none of Typst's threads and each fork starts from
    it whole; a fork draws one PDF and ends, so what Typst keeps of a layout (this build offers
    no way to let it go: hundreds of megabytes over a national run) goes with it. Requests are
    drawn one at a time: a run starts one server per core.
    """
    import typst

    compiler = typst.Compiler(
        str(TEMPLATE), root=TEMPLATE.anchor, font_paths=[str(FONTS)], ignore_system_fonts=True
    )
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)

    def end_with_parent() -> None:
        sys.stdin.buffer.read()  # returns at end of file: every holder of the pipe has ended
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)
        os._exit(0)

    threading.Thread(target=end_with_parent, daemon=True).start()
    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    while True:
        conn, _ = listener.accept()
        child = os.fork()
        if child == 0:
            listener.close()
            try:
                inputs, timestamp = _receive(conn)
                try:
                    reply = (
                        True,
                        compiler.compile(sys_inputs=inputs, pdf_standards=["ua-1"], timestamp=timestamp),
                    )
                except typst.TypstError as exc:
                    reply = (False, str(exc.message))
                _send(conn, reply)
            finally:
                os._exit(0)  # the asking process may have gone: nothing to do but end
        conn.close()
        os.waitpid(child, 0)


if __name__ == "__main__":
    serve(sys.argv[1])
