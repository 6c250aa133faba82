"""Phone exports as a sensor: phyphox and Sensor Logger recordings → samples in our format.

:func:`read_any_samples` is what ``posturelog import`` reads a file with: a zip or folder is
recognised by the headers of the CSVs inside it (phyphox or Sensor Logger); a single CSV in our
own format goes to :func:`posturelog.csvio.read_samples_csv`.
"""

from __future__ import annotations

from pathlib import Path

from posturelog.csvio import CsvSamples, read_samples_csv
from posturelog.errors import UserError
from posturelog.inputfiles import check_input_file
from posturelog.phone.phyphox import looks_like_phyphox, read_phyphox
from posturelog.phone.samples import PhoneSamples
from posturelog.phone.sensorlogger import looks_like_sensor_logger, read_sensor_logger
from posturelog.phone.source import ExportSource, open_export
from posturelog.phone.table import header_of

__all__ = ["PhoneSamples", "detect_format", "read_any_samples", "read_phone_export"]

_HEAD_BYTES = 4096


def detect_format(source: ExportSource) -> str | None:
    """``"phyphox"``, ``"sensor-logger"`` or ``None``, from the CSV headers (not the file names)."""
    kinds = set()
    for member in source.csv_members():
        header = header_of(source.read_head(member, _HEAD_BYTES))
        if looks_like_sensor_logger(header):
            kinds.add("sensor-logger")
        elif looks_like_phyphox(header):
            kinds.add("phyphox")
    if len(kinds) > 1:
        raise UserError(f"{source.path}: holds both phyphox and Sensor Logger files; import one recording at a time")
    return kinds.pop() if kinds else None


def read_phone_export(path: Path) -> PhoneSamples:
    """Read a phyphox or Sensor Logger export (zip or folder).

    Raises
    ------
    UserError
        When it is neither, or anything in it is malformed (file, line, reason).
    """
    with open_export(path) as source:
        kind = detect_format(source)
        if kind == "phyphox":
            return read_phyphox(source)
        if kind == "sensor-logger":
            return read_sensor_logger(source)
        if source.kind == "file":
            raise UserError(f"{path}: not a phone export")
        container = "is a directory" if source.kind == "folder" else "is a zip"
        raise UserError(
            f"{path}: {container} with no phyphox or Sensor Logger CSV inside (looked at {len(source.csv_members())} "
            "CSV file(s)); expected phyphox tables with 'Time (s)' and 'Acceleration x (m/s^2)', or "
            "Sensor Logger files with time,seconds_elapsed,x,y,z"
        )


def read_any_samples(path: Path, timezone: str) -> CsvSamples:
    """Read samples from our CSV format or from a phone export, whichever ``path`` holds.

    A single CSV with a phone app's header is refused with advice (phyphox and Sensor Logger
    need their whole export: the time reference or platform is in a separate file).

    Raises
    ------
    UserError
        Missing path, unrecognised content, or any malformed cell (file, line, reason).
    """
    path = Path(path)
    if path.is_dir():
        return read_phone_export(path)
    check_input_file(path)
    with open_export(path) as source:
        if source.kind != "zip":
            header = header_of(source.read_head(path.name, _HEAD_BYTES))
            if looks_like_phyphox(header):
                raise UserError(
                    f"{path}: a single phyphox table has no time reference; in phyphox, export the whole "
                    "experiment as CSV (a zip with its meta folder) and import that zip"
                )
            if looks_like_sensor_logger(header):
                raise UserError(
                    f"{path}: a single Sensor Logger file; import the whole recording (the exported zip, "
                    "or the folder with Metadata.csv and the sensor CSVs)"
                )
            return read_samples_csv(path, timezone)
    return read_phone_export(path)
