"""What every ``posturelog`` command shares: the consoles, the common options, the store it
opens (and closes when it ends) and the one rule for turning errors into one line.

Bad input ends with one line on stderr and exit code 1; any other exception is a bug and keeps
its traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from posturelog.display import clean, literal
from posturelog.errors import UserError

if TYPE_CHECKING:
    from posturelog.store import Store

__all__ = [
    "CsvOut",
    "DataDir",
    "EntryTime",
    "FromTime",
    "ToTime",
    "UpAxis",
    "Verbose",
    "console",
    "err_console",
    "error_line",
    "open_store",
    "say",
    "user_errors",
    "workers",
]

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    str | None,
    typer.Option("--data-dir", help="Data directory (default: $POSTURELOG_DATA_DIR or the platform's)."),
]


def _logging_for(verbose: bool) -> bool:
    """Typer callback of ``--verbose``: as soon as the option is parsed, log warnings (with
    ``--verbose``: progress too) to stderr."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return verbose


#: ``--verbose``: progress details in the log; logging is set up when the option is parsed, so
#: no command body repeats it.
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log progress details.", callback=_logging_for)
]
UpAxis = Annotated[
    str | None,
    typer.Option("--up-axis", help="How the sensor is worn: the device axis pointing toward the head "
                 "when you stand (+x, -x, +y, -y, +z, -z; default: [sensor] up_axis in config.toml). "
                 "Used only where the data give no upright of their own."),
]
#: When a logged pain rating or remedy happened (``pain`` and ``remedy``).
EntryTime = Annotated[str | None, typer.Option("--at", help="When (ISO 8601; local time without offset).")]
#: The CSV file an export writes (``export`` and ``log export``).
CsvOut = Annotated[Path, typer.Option("--out", help="CSV file to write.")]
#: The half-open time range ``[--from, --to)`` of ``export`` and ``log list``.
FromTime = Annotated[str | None, typer.Option("--from", help="Start time (ISO 8601).")]
ToTime = Annotated[str | None, typer.Option("--to", help="End time (ISO 8601, exclusive).")]


def error_line(message: str) -> None:
    """Print ``error: message`` on stderr as one literal line (no markup, no control characters)."""
    err_console.print(Text.assemble(("error: ", "bold red"), literal(message)), highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    error_line(message)
    raise typer.Exit(1)


def say(message: object) -> None:
    """Print a line to stdout literally: user text (notes, paths, names) is never markup."""
    console.print(clean(message), markup=False, highlight=False, soft_wrap=True)


def _os_error_text(exc: OSError) -> str:
    reason = (exc.strerror or str(exc)).lower()
    return f"{exc.filename}: {reason}" if exc.filename else reason


_opened: list[Store] = []
"""Stores opened by the running command; closed when it ends, not whenever the garbage
collector gets to them, so the database's write-ahead log is folded in at a known moment."""


def _close_stores() -> None:
    while _opened:
        _opened.pop().close()


def user_errors(func: F) -> F:
    """Turn UserError/OSError/sqlite3.Error from a command into one line on stderr and exit code 1.

    Any other exception, ``ValueError`` included, is a bug and shows its traceback. Whichever way
    the command ends, the stores it opened (:func:`open_store`) are closed.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(_os_error_text(exc))
        except sqlite3.Error as exc:
            _fail(f"the posturelog database cannot be used: {exc}")
        except KeyboardInterrupt:
            err_console.print("stopped")
            raise typer.Exit(130) from None
        finally:
            _close_stores()
        return None

    return wrapper  # type: ignore[return-value]


def open_store(data_dir: str | None, *, tighten: bool = True) -> Store:
    """Open the store for the running command (closed when it ends) and recover what dead
    processes left; read-only commands pass ``tighten=False`` (they never chmod)."""
    from posturelog.paths import resolve_data_dir
    from posturelog.store import Store

    store = Store(resolve_data_dir(data_dir, tighten=tighten))
    _opened.append(store)
    store.compact_pending()
    return store


def workers() -> int:
    """Processes the analysis and the report may use: ``POSTURELOG_WORKERS``, else up to two
    (one per CPU). Read here, once, and passed down.

    Raises
    ------
    UserError
        If ``POSTURELOG_WORKERS`` is not a whole number ≥ 1.
    """
    text = os.environ.get("POSTURELOG_WORKERS", "").strip()
    if not text:
        return min(2, os.cpu_count() or 1)
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise UserError(f"POSTURELOG_WORKERS must be a whole number ≥ 1, got {text!r}")
    return count
