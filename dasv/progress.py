"""Progress of long work: a bar on a terminal (rich), plain lines every few seconds otherwise.

Long work (reading a big export, writing its rows, rendering hundreds of slices) reports
``(stage, done, total)``; :class:`ProgressShow` turns that into a rich progress bar when the
output is a terminal, and into lines such as ``idva.xlsx: written 100,000 of 250,000 rows``
when it is not (logs, Prefect, CI), at most one every ``every`` seconds per stage, and always
the last.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import rich.progress

# progress(stage, done, total or None when not yet known)
Progress = Callable[[str, int, int | None], None]


class ProgressShow:
    """A progress callback that shows itself; use as a context manager.

    Args:
        label: what the work is on (a file name, a quarter), printed before each stage.
        unit: what is counted (``rows``, ``slices``).
        stream: where to show it (default standard error, so standard output stays data).
        every: seconds between plain lines for one stage.
        bar: force the bar on or off (default: on when ``stream`` is a terminal).
    """

    def __init__(
        self,
        label: str,
        unit: str = "rows",
        stream: TextIO | None = None,
        every: float = 5.0,
        bar: bool | None = None,
        line: Callable[[str], None] | None = None,
    ):
        self.label, self.unit, self.every = label, unit, every
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.line = line or (lambda text: print(text, file=self.stream, flush=True))
        self._last: dict[str, float] = {}
        self._tasks: dict[str, rich.progress.TaskID] = {}
        self._rich: rich.progress.Progress | None = None

    def __enter__(self) -> ProgressShow:
        if self.bar:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._rich = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(file=self.stream), transient=False,
            )  # fmt: skip
            self._rich.start()
        return self

    def __exit__(self, *_exc) -> None:
        if self._rich is not None:
            self._rich.stop()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        """Show that ``done`` of ``total`` (None: not known yet) are done in ``stage``."""
        if self._rich is not None:
            task = self._tasks.get(stage)
            if task is None:
                task = self._tasks[stage] = self._rich.add_task(f"{self.label}: {stage}", total=total)
            self._rich.update(task, completed=done, total=total)
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self._last.get(stage, -self.every) < self.every:
            return
        self._last[stage] = now
        of = f" of {total:,}" if total is not None else ""
        self.line(f"{self.label}: {stage} {done:,}{of} {self.unit}")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a big file is read or written.

    Reading 250,000 rows makes millions of small objects and no reference cycles, so the
    collector only rescans them: 0.75 s of 5 s here. Reference counting still frees everything.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
