"""One phone export as a set of named files: a zip archive, a folder, or a single CSV file.

Readers ask for members by name and read their bytes; every failure to read (a damaged or
truncated zip, an unreadable file, a member too large to be a phone recording) becomes a
:class:`~posturelog.errors.UserError` naming the file.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from posturelog.errors import UserError

__all__ = ["ExportSource", "MAX_MEMBER_BYTES", "open_export"]

log = logging.getLogger(__name__)

#: Largest single CSV we read (a day of 3-axis samples at 500 Hz is about 3 GB of text; a
#: phone recording worn for a day at 100 Hz is well below 1 GB).
MAX_MEMBER_BYTES = 2_000_000_000

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError, KeyError)


@dataclass
class ExportSource:
    """The files of one export.

    Attributes
    ----------
    path : Path
        What the user named (zip, folder or file).
    members : dict[str, str]
        Member name (POSIX path inside the zip or folder, e.g. ``meta/time.csv``) → how to
        open it (the zip member name, or the file path).
    kind : str
        ``"zip"``, ``"folder"`` or ``"file"``.
    """

    path: Path
    members: dict[str, str]
    kind: str
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)

    def where(self, member: str) -> str:
        """How to name a member in a message: ``export.zip:Accelerometer.csv``."""
        return str(self.path) if self.kind == "file" else f"{self.path}:{member}"

    def csv_members(self) -> list[str]:
        """Members whose names end in ``.csv`` (case-insensitive), sorted."""
        return sorted(m for m in self.members if m.lower().endswith(".csv"))

    def find(self, basename: str) -> str | None:
        """The one member whose file name is ``basename`` (case-insensitive), anywhere.

        Raises
        ------
        UserError
            When several members share the name (e.g. two recordings zipped together).
        """
        hits = [m for m in self.members if PurePosixPath(m).name.lower() == basename.lower()]
        if len(hits) > 1:
            raise UserError(
                f"{self.path}: holds {len(hits)} files named {basename} ({', '.join(sorted(hits))}); "
                "import one recording at a time"
            )
        return hits[0] if hits else None

    def read_bytes(self, member: str) -> bytes:
        """The bytes of a member.

        Raises
        ------
        UserError
            When the member cannot be read or is larger than :data:`MAX_MEMBER_BYTES`.
        """
        where = self.where(member)
        try:
            if self._zip is not None:
                info = self._zip.getinfo(self.members[member])
                if info.file_size > MAX_MEMBER_BYTES:
                    raise UserError(f"{where}: {info.file_size:,} bytes is too large for a phone recording")
                with self._zip.open(info) as fh:
                    data = fh.read(MAX_MEMBER_BYTES + 1)
            else:
                file = Path(self.members[member])
                if file.stat().st_size > MAX_MEMBER_BYTES:
                    raise UserError(f"{where}: {file.stat().st_size:,} bytes is too large for a phone recording")
                data = file.read_bytes()
        except UserError:
            raise
        except _ZIP_ERRORS as exc:
            raise UserError(f"{where}: cannot be read (damaged or truncated? {_first_line(exc)})") from None
        if len(data) > MAX_MEMBER_BYTES:
            raise UserError(f"{where}: too large for a phone recording")
        return data

    def read_head(self, member: str, n: int = 4096) -> bytes:
        """The first ``n`` bytes of a member (to recognise its header without reading it all)."""
        try:
            if self._zip is not None:
                with self._zip.open(self.members[member]) as fh:
                    return fh.read(n)
            with open(self.members[member], "rb") as fh:
                return fh.read(n)
        except _ZIP_ERRORS as exc:
            raise UserError(f"{self.where(member)}: cannot be read (damaged or truncated? {_first_line(exc)})") from None

    def close(self) -> None:
        """Close the zip archive, if any."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def is_zip(path: Path) -> bool:
    """Whether a file starts like a zip archive (or is named ``*.zip``)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head in _ZIP_MAGIC or path.suffix.lower() == ".zip"


def open_export(path: Path) -> ExportSource:
    """Open a zip archive, a folder or a single file as an :class:`ExportSource`.

    Raises
    ------
    UserError
        When the path does not exist or a zip archive is damaged or truncated.
    """
    path = Path(path)
    if path.is_dir():
        members = {
            p.relative_to(path).as_posix(): str(p)
            for p in sorted(path.rglob("*"))
            if p.is_file() and not p.name.startswith(".")
        }
        return ExportSource(path=path, members=members, kind="folder")
    if not path.is_file():
        raise UserError(f"{path}: no such file or folder")
    if is_zip(path):
        try:
            archive = zipfile.ZipFile(path)
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
        except _ZIP_ERRORS as exc:
            raise UserError(f"{path}: not a readable zip archive (damaged or truncated? {_first_line(exc)})") from None
        members = {
            n.replace("\\", "/"): n
            for n in names
            if not PurePosixPath(n.replace("\\", "/")).name.startswith(".") and "__MACOSX/" not in n
        }
        return ExportSource(path=path, members=members, kind="zip", _zip=archive)
    return ExportSource(path=path, members={path.name: str(path)}, kind="file")
