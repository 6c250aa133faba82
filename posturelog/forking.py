"""The one rule for running work in forked processes.

Work runs in forked processes only when the caller allows more than one worker, the
platform can ``fork`` and this process is not itself a daemonic worker; otherwise it runs
in this process. :func:`forked_pool` gives a pool for many small tasks (their arguments
and results are pickled); :func:`forked_call` runs one call whose arguments are large
(e.g. the report data) in a forked child that inherits them instead.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

__all__ = ["can_fork", "forked_call", "forked_pool"]

#: Calls handed to a child by inheritance (set before the child is forked).
_inherited: dict[int, tuple[Callable[..., Any], tuple[Any, ...]]] = {}
_keys = itertools.count()


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


def _run_inherited(key: int) -> Any:
    fn, args = _inherited[key]
    return fn(*args)


@contextmanager
def forked_call(workers: int, fn: Callable[..., Any], *args: Any) -> Iterator[Future[Any] | None]:
    """Start ``fn(*args)`` in one forked child while the caller goes on working.

    The child inherits ``args`` (nothing is pickled but the result), so large arguments
    cost nothing to hand over.

    Parameters
    ----------
    workers : int
        As for :func:`forked_pool` (``1``: no child).
    fn, args
        The call.

    Yields
    ------
    Future or None
        The call's future (``result()`` re-raises a failure of the child); None when the
        caller must run it itself. Leaving the block early (an error) cancels or waits for
        the child.
    """
    pool = forked_pool(workers, processes=1)
    if pool is None:
        yield None
        return
    key = next(_keys)
    _inherited[key] = (fn, args)
    try:
        with pool:
            future = pool.submit(_run_inherited, key)  # the child is forked here
            try:
                yield future
            except BaseException:
                future.cancel()
                raise
    finally:
        _inherited.pop(key, None)
