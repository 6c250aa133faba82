"""Writing files for the wearer: owner-only (0600 files, 0700 new folders), complete or absent.

Reports and exports hold pain and posture data, so no other local user may read them, and a
failed write never leaves a partial file behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from posturelog.errors import UserError
from posturelog.paths import folder_option

__all__ = ["FILE_MODE", "DIR_MODE", "check_output_file", "new_private_dir", "out_dir_option", "private_dir", "private_text_file", "staged_dir"]

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def check_output_file(out: Path) -> Path:
    """``out`` if a file can be written there (its folder exists; it is not a folder itself).

    Raises
    ------
    UserError
        Saying what is wrong with ``out``.
    """
    out = Path(out)
    if str(out) in ("", "."):
        raise UserError("--out must name a file")
    if out.is_dir():
        raise UserError(f"{out}: is a directory; give a file name for --out")
    parent = out.parent
    if not parent.exists():
        raise UserError(f"{parent}: directory does not exist")
    if not parent.is_dir():
        raise UserError(f"{parent}: is not a directory")
    return out


def out_dir_option(text: str | None) -> Path | None:
    """A report's ``--out`` value as a folder (None when not given; see
    :func:`posturelog.paths.folder_option`)."""
    return folder_option(text, "--out", "a folder for the report")


@contextmanager
def private_text_file(out: Path) -> Iterator[TextIO]:
    """Open a temporary owner-only file next to ``out``; on success it replaces ``out``.

    On any failure the temporary file is removed and ``out`` is left as it was.

    Raises
    ------
    UserError
        When ``out`` cannot be written (a folder, a missing or read-only folder).
    """
    out = check_output_file(out)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {_reason(exc)}") from None
    tmp = Path(name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def private_dir(path: Path) -> Path:
    """``path`` as an output folder: created owner-only (0700) if missing; an existing folder
    is used as it is (its mode is not changed).

    Raises
    ------
    UserError
        When ``path`` is a file or cannot be created.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise UserError(f"{path}: exists and is not a directory")
        return path
    try:
        path.mkdir(parents=True, mode=DIR_MODE)
        os.chmod(path, DIR_MODE)
    except OSError as exc:
        raise UserError(f"cannot create directory {path}: {_reason(exc)}") from None
    return path


@contextmanager
def new_private_dir(path: Path) -> Iterator[Path]:
    """:func:`private_dir` for a block that writes into it: if the folder was made here and the
    block fails, it is removed again (while still empty; missing parents made with it stay).

    Raises
    ------
    UserError
        When ``path`` is a file or cannot be created.
    """
    created = not (os.path.lexists(path))
    out = private_dir(path)
    try:
        yield out
    except BaseException:
        if created:
            try:
                out.rmdir()
            except OSError as exc:
                log.warning("could not remove the new folder %s: %s", out, exc)
        raise


@contextmanager
def staged_dir(out: Path) -> Iterator[Path]:
    """A hidden owner-only folder inside ``out`` to write into; on success its files move into
    ``out`` (mode 0600), on failure it is removed and ``out`` keeps only what it had before.

    Raises
    ------
    UserError
        When ``out`` cannot be created or written.
    """
    out = private_dir(out)
    try:
        stage = Path(tempfile.mkdtemp(prefix=".posturelog-partial-", dir=out))
    except OSError as exc:
        raise UserError(f"cannot write to {out}: {_reason(exc)}") from None
    old_umask = os.umask(0o077)
    try:
        yield stage
        for item in sorted(stage.iterdir()):
            os.chmod(item, FILE_MODE if item.is_file() else DIR_MODE)
            os.replace(item, out / item.name)
    finally:
        os.umask(old_umask)
        shutil.rmtree(stage, ignore_errors=True)
