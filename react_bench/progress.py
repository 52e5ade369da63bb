"""Rich progress bars behind a plain callback: progress(label, done, total[, info]).

`info` is a short status shown beside the bar (e.g. "loss 0.0123"). Log lines go through
`progress.log(message)`, which prints above live bars instead of gluing text onto them.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator, Protocol


class ProgressCallback(Protocol):
    def __call__(self, label: str, done: int, total: int, info: str = "") -> None: ...


class Bars:
    """One bar per label (created on first use), with elapsed time, ETA and a status field."""

    def __init__(self, live: Any = None) -> None:
        self._live = live
        self._tasks: dict[str, Any] = {}

    def __call__(self, label: str, done: int, total: int, info: str = "") -> None:
        if self._live is None:
            return
        if label not in self._tasks:
            self._tasks[label] = self._live.add_task(label, total=total, info=info)
        self._live.update(self._tasks[label], completed=done, total=total, info=info)

    def log(self, message: str) -> None:
        """Print a line; above the bars while they are live."""
        if self._live is not None and self._live.live.is_started:
            self._live.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, flush=True)


class _Quiet(Bars):
    def log(self, message: str) -> None:
        print(message, flush=True)


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[Bars]:
    """Bars on stderr when it is a terminal; otherwise (or when disabled) updates are ignored."""
    if not enabled or not sys.stderr.isatty():
        yield _Quiet()
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    live = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                    TextColumn("{task.fields[info]}"), console=Console(stderr=True), transient=False)
    with live:
        yield Bars(live)
