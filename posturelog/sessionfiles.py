"""The files of one session on disk: finding, counting, moving staged files, removing.

Parquet files are named ``session-<id>-seg-<n>.parquet`` (temporary files during compaction
``.session-<id>-seg-<n>.parquet.tmp``), inside ``participant=<p>/date=<local date>/``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from posturelog.layout import date_dirs

__all__ = ["count_samples", "move_tree", "remove_tree", "session_files", "session_of"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^\.?session-(\d+)-")


def session_of(name: str) -> int | None:
    """The session id a Parquet (or temporary) file name belongs to, or None."""
    match = _NAME.match(name)
    return int(match.group(1)) if match else None


def session_files(participant_dir: Path, session_id: int) -> list[Path]:
    """Every Parquet and temporary file of a session under ``participant=<p>/``."""
    if not participant_dir.exists():
        return []
    stem = f"session-{session_id:06d}-"
    return sorted(
        p
        for _, folder in date_dirs(participant_dir)
        for p in folder.iterdir()
        if p.name.startswith((stem, "." + stem))
    )


def count_samples(files: list[Path]) -> tuple[int, int | None]:
    """Rows in ``*.parquet`` files and their last ``time`` (UTC ns; None if there are none)."""
    n = 0
    last: int | None = None
    for f in files:
        if f.suffix != ".parquet":
            continue
        n += pq.read_metadata(f).num_rows
        times = pq.read_table(f, columns=["time"]).column("time")
        if len(times):
            t = int(pc.max(times).cast("int64").as_py())
            last = t if last is None else max(last, t)
    return n, last


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def move_tree(src_root: Path, dst_root: Path) -> list[Path]:
    """Move every ``*.parquet`` under ``src_root`` to the same relative place under ``dst_root``
    (atomic renames; partition directories created owner-only). Files and their new
    directories are synced to disk, so a commit that follows survives a power cut.
    Returns the moved files."""
    moved = []
    for src in sorted(src_root.rglob("*.parquet")):
        _fsync(src)
        dst = dst_root / src.relative_to(src_root)
        dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(src, dst)
        moved.append(dst)
    for directory in sorted({p.parent for p in moved}):
        _fsync(directory)
    return moved


def remove_tree(path: Path) -> None:
    """Remove a directory tree if it exists."""
    if path.exists():
        shutil.rmtree(path)
        log.debug("removed %s", path)
