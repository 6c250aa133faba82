"""Progress reporting shared by long-running commands (rich progress bars)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["ProgressFn", "task_progress"]

#: ``progress(description, completed, total)``: library code reports work done with this.
ProgressFn = Callable[[str, float, float], None]


@contextmanager
def task_progress(console: Console, title: str) -> Iterator[ProgressFn]:
    """A rich progress bar; yields a :data:`ProgressFn` that updates it.

    The bar is drawn only on a terminal: when the output goes to a file or a pipe, a script
    reading it gets the command's own lines, not a frozen bar.
    """
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(title, total=None)

        def update(description: str, completed: float, total: float) -> None:
            bar.update(task, description=description, completed=completed, total=total)

        yield update
