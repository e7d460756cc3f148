"""Several portal processes on one port, the kernel sharing connections out evenly (SO_REUSEPORT).

uvicorn's ``--workers`` shares one listening socket: whichever process is awake accepts, and
under 50 keep-alive clients one of two workers took nearly every connection (13.8 against 1.6
CPU-seconds in a 15-second load), so the portal ran on one core. Here each worker listens on a
socket of its own with ``SO_REUSEPORT`` and the kernel hashes new connections across them. The
parent holds the port (a second server is refused at once), starts the workers, and ends them
all when it is stopped or when any of them ends.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time

import uvicorn

KEEP_ALIVE_SECONDS = 75  # idle keep-alive: longer than a reverse proxy keeps its upstream connections


def config(host: str, port: int, proxy_headers: bool, proxy: str) -> dict:
    """Uvicorn's settings for the portal (the app factory reads DASV_* in each process)."""
    # uvicorn's default keep-alive is 5 s: a client (or proxy) reusing an idle connection just as the
    # server closed it got no answer at all (seen in the load test). Keep them longer than nginx's 60 s.
    return {"app": "dasv.portal.serve:app", "factory": True, "host": host, "port": port, "proxy_headers": proxy_headers,
            "forwarded_allow_ips": proxy if proxy_headers else None, "log_level": "info", "server_header": False,
            "timeout_keep_alive": KEEP_ALIVE_SECONDS,
            # httptools with the portal's header limit (431), whole-request deadline (408) and lingering close
            "http": "dasv.portal.edge:GuardedHttpTools"}  # fmt: skip


def _socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(settings: dict) -> None:
    sock = _socket(settings["host"], settings["port"])
    sock.listen(2048)
    uvicorn.Server(uvicorn.Config(**settings)).run(sockets=[sock])


def serve(settings: dict, workers: int) -> int:
    """Run ``workers`` processes until stopped (SIGTERM, SIGINT) or one of them ends; the exit status."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(**settings, workers=workers)
        return 0
    try:
        holder = _socket(
            settings["host"], settings["port"]
        )  # not listening: the kernel gives it no connection
    except OSError as exc:
        print(
            f"dasv: cannot listen on {settings['host']}:{settings['port']}: {exc.strerror}", file=sys.stderr
        )
        return 1
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_worker, args=(settings,), name=f"portal-{n}") for n in range(workers)]
    stopping = []

    def stop(signum, _frame) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    for process in processes:
        process.start()
    while not stopping and all(p.is_alive() for p in processes):
        time.sleep(0.2)
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn finishes the answers under way
    for process in processes:
        process.join(30)
        if process.is_alive():
            process.kill()
    holder.close()
    return 0 if stopping else 1
