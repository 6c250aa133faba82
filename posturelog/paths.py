"""Where posturelog keeps its data: one owner-only directory per wearer.

posturelog only creates-and-tightens (0700) a directory it created itself, or one that already
holds its own files (``posturelog.db``); it refuses any other non-empty directory, such as a
shared one, and never changes its mode. Read-only commands never change any mode.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

from posturelog.errors import UserError

__all__ = [
    "DB_NAME", "ENV_DATA_DIR", "data_dir_option", "default_data_dir", "ensure_private_dir", "folder_option",
    "resolve_data_dir",
]

#: Environment variable that overrides the default data directory.
ENV_DATA_DIR = "POSTURELOG_DATA_DIR"
#: The SQLite database that marks a directory as a posturelog data directory.
DB_NAME = "posturelog.db"
#: Names posturelog itself writes into a data directory (a directory holding only these is ours).
_OWN_NAMES = frozenset({
    DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal",
    "samples", "segments", "cache", "config.toml", ".posturelog-demo",
})


def default_data_dir() -> Path:
    """The platform's per-user data directory for posturelog (e.g. ``~/.local/share/posturelog``)."""
    return Path(platformdirs.user_data_dir("posturelog", appauthor=False))


def folder_option(text: str | Path | None, option: str, what: str) -> Path | None:
    """A folder option's value as a path (None when not given); an empty one is refused.

    Parameters
    ----------
    text
        The value given, or None.
    option, what
        The option's name and what the folder is for, for the message.

    Raises
    ------
    UserError
        For an empty value (it would silently mean the current directory).
    """
    if text is None:
        return None
    if str(text).strip() == "":
        raise UserError(f"{option} must not be empty; give {what}")
    return Path(text)


def data_dir_option(text: str | Path | None) -> Path | None:
    """The ``--data-dir`` value as a path (None when not given; see :func:`folder_option`)."""
    return folder_option(text, "--data-dir", "a folder for posturelog's data")


def resolve_data_dir(data_dir: Path | str | None, *, tighten: bool = True) -> Path:
    """The data directory to use: the explicit argument, else ``$POSTURELOG_DATA_DIR``, else the
    platform default.

    A missing directory is created owner-only (0700) because it holds health data. An existing
    one must be posturelog's own (it holds ``posturelog.db`` or only posturelog's files) or be
    empty; with ``tighten`` it is then made owner-only.

    Raises
    ------
    UserError
        For an empty ``--data-dir``, a path that is not a directory, a foreign non-empty or
        shared directory, or one that cannot be created.
    """
    given = data_dir_option(data_dir)
    if given is not None:
        path = given
    elif os.environ.get(ENV_DATA_DIR, "").strip():
        path = Path(os.environ[ENV_DATA_DIR])
    else:
        path = default_data_dir()
    path = path.expanduser()
    if not path.exists() and not path.is_symlink():
        return ensure_private_dir(path)
    _check_own_dir(path)
    if tighten and stat.S_IMODE(path.stat().st_mode) != 0o700:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            raise UserError(f"data directory {path}: cannot make it owner-only ({exc.strerror})") from None
    return path


def _check_own_dir(path: Path) -> None:
    """Raise UserError unless ``path`` is a directory posturelog may use as its data directory."""
    if path.is_symlink() and not path.exists():
        raise UserError(f"data directory {path} is a symbolic link to nothing")
    if not path.is_dir():
        raise UserError(f"data directory {path} exists and is not a directory")
    try:
        names = {p.name for p in path.iterdir()}
    except OSError as exc:
        raise UserError(f"data directory {path}: cannot read it ({exc.strerror})") from None
    if DB_NAME in names or (names and names <= _OWN_NAMES):
        return
    info = path.stat()
    if names:
        raise UserError(
            f"data directory {path} already holds other files and no posturelog database; "
            "give a new or empty directory"
        )
    if info.st_mode & stat.S_ISVTX or info.st_uid != os.getuid():
        raise UserError(f"data directory {path} is a shared directory or not yours; give a new one")


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) owner-only (0700) if it is missing; an existing directory
    keeps its mode.

    Raises
    ------
    UserError
        When ``path`` is not a directory or cannot be created.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise UserError(f"data directory {path} exists and is not a directory")
        return path
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)
    except OSError as exc:
        raise UserError(f"cannot create data directory {path}: {(exc.strerror or str(exc)).lower()}") from None
    return path
