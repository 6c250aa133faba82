"""Where posturelog keeps its data: one owner-only directory per wearer."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["ENV_DATA_DIR", "default_data_dir", "ensure_private_dir", "resolve_data_dir"]

#: Environment variable that overrides the default data directory.
ENV_DATA_DIR = "POSTURELOG_DATA_DIR"


def default_data_dir() -> Path:
    """The platform's per-user data directory for posturelog (e.g. ``~/.local/share/posturelog``)."""
    return Path(platformdirs.user_data_dir("posturelog", appauthor=False))


def resolve_data_dir(data_dir: Path | str | None) -> Path:
    """The data directory to use: the explicit argument, else ``$POSTURELOG_DATA_DIR``, else the
    platform default. The directory is created owner-only (0700) because it holds health data."""
    if data_dir is not None and str(data_dir) != "":
        path = Path(data_dir)
    elif os.environ.get(ENV_DATA_DIR):
        path = Path(os.environ[ENV_DATA_DIR])
    else:
        path = default_data_dir()
    return ensure_private_dir(path.expanduser())


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path
