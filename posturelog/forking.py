"""The one rule for running work in forked processes.

Work runs in forked processes only when the caller allows more than one worker, the
platform can ``fork`` and this process is not itself a daemonic worker; otherwise it runs
in this process. Forked children see the parent's memory (settings, tasks, report data)
without pickling it.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["can_fork", "forked_pool"]


def can_fork() -> bool:
    """Whether this process may fork workers (``fork`` available, not a daemon itself)."""
    return "fork" in mp.get_all_start_methods() and not mp.current_process().daemon


def forked_pool(
    workers: int,
    processes: int | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor | None:
    """A pool of forked processes, or None when the work must run in this process.

    Parameters
    ----------
    workers : int
        Processes the caller may use in all (``1``: everything in this process).
    processes : int, optional
        Pool size (default ``workers``), at most ``workers``.
    initializer, initargs
        Run in each child first (``initargs`` are inherited, not pickled: locks and shared
        values may be passed).

    Returns
    -------
    ProcessPoolExecutor or None
        Use as a context manager; None means run here.
    """
    if workers < 2 or not can_fork():
        return None
    n = min(workers, processes) if processes is not None else workers
    return ProcessPoolExecutor(max_workers=max(1, n), mp_context=mp.get_context("fork"),
                               initializer=initializer, initargs=initargs)
