"""Checking a file the user asks posturelog to read (``import``, ``log import``) before reading
it, so that each wrong kind of path gets its own one-line message."""

from __future__ import annotations

from pathlib import Path

from posturelog.errors import UserError

__all__ = ["check_input_file"]


def check_input_file(path: Path) -> Path:
    """``path`` if it is an existing regular file (or a link to one).

    Parameters
    ----------
    path
        The file to read.

    Returns
    -------
    Path

    Raises
    ------
    UserError
        For a directory, a missing file, a link to nothing, or something that is not a regular
        file (a device such as ``/dev/null``, a pipe, a socket), saying which.
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a directory, not a CSV file")
    if path.is_file():
        return path
    if path.exists():
        raise UserError(f"{path}: not a regular file (a device, pipe or socket); give a CSV file")
    if path.is_symlink():
        raise UserError(f"{path}: is a symbolic link to nothing")
    raise UserError(f"{path}: no such file")
