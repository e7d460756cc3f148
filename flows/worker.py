"""A Prefect process worker that stops within 10 seconds of SIGINT or SIGTERM, leaving no run Running.

``prefect worker start`` on its own (prefect 3.9) turns SIGTERM into SIGINT, stops asking for runs
and then waits for the runs it started to end; a run that writes its log to the worker keeps
waiting for the worker to read it, so neither ends (measured: still there 40 s later, the run
left Running). Started from a script in the background, SIGINT is ignored altogether. This
wrapper, ``python -m dasv.flows.worker --pool dasv-process`` (what ``make prefect-worker`` runs):

- starts ``prefect worker start`` with the same arguments, in its own process group, its output
  on this terminal;
- on the first SIGINT or SIGTERM (whatever the parent ignored) tells it to stop taking runs and
  gives the runs it holds until ``FINISH_SECONDS`` to finish;
- then signals each run still going (SIGTERM: Prefect ends it as Crashed), and at
  ``KILL_SECONDS`` kills whatever is left of the worker and its runs;
- marks any run it held that is still not finished Crashed, with one line saying why, so the
  ``dasv-run-failed`` automation e-mails it and it can be run again, and releases the quarter
  slots those runs held (``dasv.flows.locking.release_slots_of``), so that the rerun starts at once.

Runs are found as the worker's descendants whose environment names a flow run
(``PREFECT__FLOW_RUN_ID``), read from ``/proc`` (Linux, where the workers run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FINISH_SECONDS = (
    3.0  # runs in progress may finish by then; then they are told to stop (and release their slots)
)
KILL_SECONDS = (
    8.0  # then nothing of the worker is left; its runs marked Crashed, their slots released: within 10 s
)
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``."""
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def runs_held(worker: int) -> dict[str, int]:
    """Flow run id -> pid of the topmost process below the worker that runs it."""
    held: dict[str, int] = {}
    for pid in descendants(worker):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for item in environ:
            if item.startswith(b"PREFECT__FLOW_RUN_ID="):
                held.setdefault(item.split(b"=", 1)[1].decode(), pid)
    return held


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release(run_ids: list[str], why: str) -> None:
    """Mark each run that has not finished Crashed, saying why (one line; the automation e-mails it).

    Then release the quarter slots of the runs that did not complete: a run stopped outright could not.
    """
    if not run_ids:
        return
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    unfinished = []
    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            try:
                state = client.read_flow_run(run_id).state
                if state is None or not state.is_final():
                    client.set_flow_run_state(run_id, Crashed(message=why), force=True)
                    print(f"Run {run_id} marked Crashed: {why}", flush=True)
                if state is None or not state.is_completed():
                    unfinished.append(run_id)
            except Exception as exc:  # the server gone too: nothing more to do here
                print(f"Could not mark run {run_id} Crashed: {exc}", flush=True)
        try:
            from dasv.flows.locking import release_slots_of

            for name in release_slots_of(client, unfinished) if unfinished else []:
                print(f"Released the {name} slot", flush=True)
        except Exception as exc:
            print(f"Could not release the runs' quarter slots: {exc}", flush=True)


def stop(worker: subprocess.Popen, signum: int) -> int:
    """Stop the worker and what it runs within KILL_SECONDS; the worker's exit status."""
    started = time.monotonic()
    name = signal.Signals(signum).name
    held = runs_held(worker.pid)
    print(f"Received {name}: the worker takes no more runs; {len(held)} run(s) in progress get "
          f"{FINISH_SECONDS:.0f} s to finish", flush=True)  # fmt: skip
    try:
        os.kill(worker.pid, signal.SIGTERM)  # prefect: stop polling, then wait for the runs
    except ProcessLookupError:
        pass

    def wait_until(deadline: float) -> bool:
        while time.monotonic() - started < deadline:
            if worker.poll() is not None and not any(_alive(p) for p in held.values()):
                return True
            time.sleep(0.1)
        return False

    if not wait_until(FINISH_SECONDS):
        for pid in held.values():  # Prefect's engine ends a run it is told to stop as Crashed
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if not wait_until(KILL_SECONDS - 0.5):
            for pid in [*held.values(), *descendants(worker.pid)]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.killpg(worker.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    release(list(held), f"The worker was stopped ({name}) while this run was going; run it again")
    try:
        code = worker.wait(timeout=max(0.5, KILL_SECONDS - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        worker.kill()
        code = worker.wait()
    print(f"Worker stopped in {time.monotonic() - started:.1f} s", flush=True)
    return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM, -signal.SIGKILL, 130, 143) else code


def main(args: list[str] | None = None) -> None:
    """``python -m dasv.flows.worker [prefect worker start options]``."""
    args = sys.argv[1:] if args is None else args
    received: list[int] = []

    def on_signal(signum, _frame):
        received.append(signum)

    # set before the worker starts, whatever the parent left (a background job ignores SIGINT)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    worker = subprocess.Popen([PREFECT, "worker", "start", *args], start_new_session=True)
    while worker.poll() is None and not received:
        time.sleep(0.2)
    if received:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C does not cut the stop short
        code = stop(worker, received[0])
        sys.stdout.flush()
        sys.stderr.flush()
        # at once: tearing down the Prefect client's modules and threads takes a second or two on a busy machine,
        # and everything this process had to do is done (runs marked, slots released, the worker gone)
        os._exit(code)
    sys.exit(worker.returncode)


if __name__ == "__main__":
    main()
