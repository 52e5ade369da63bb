"""Rich progress bars behind a plain callback: progress(label, done, total)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

ProgressCallback = Callable[[str, int, int], None]


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[ProgressCallback]:
    """One bar per label; quiet (a no-op callback) when disabled or not on a terminal-ish stream."""
    if not enabled:
        yield lambda label, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=not sys.stderr.isatty(), disable=not sys.stderr.isatty())
    tasks: dict[str, int] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = bars.add_task(label, total=total)
        bars.update(tasks[label], completed=done, total=total)

    with bars:
        yield update
