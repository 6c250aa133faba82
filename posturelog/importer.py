"""``posturelog import`` in one call: read any supported file, record it, summarise its sampling."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from posturelog.importing import import_csv
from posturelog.phone import PhoneSamples, read_any_samples
from posturelog.recorder import RecordResult
from posturelog.sampling import SamplingSummary, summarize_sampling
from posturelog.store import Store

__all__ = ["ImportReport", "import_file"]

_DEFAULT_MODEL = "CSV import"


@dataclass
class ImportReport:
    """What an import stored and how the data were sampled.

    Attributes
    ----------
    result : RecordResult
        Session id and number of samples stored.
    source : str
        What the file was: ``"posturelog CSV"``, ``"phyphox (Android)"``, ``"Sensor Logger (iOS)"``.
    sampling : SamplingSummary
    notes : list[str]
        Conversions made on the way (phone exports).
    """

    result: RecordResult
    source: str
    sampling: SamplingSummary
    notes: list[str] = field(default_factory=list)


def import_file(store: Store, path: Path, timezone: str, *, model: str | None = None,
                up_axis: str = "") -> ImportReport:
    """Import our CSV format or a phone export (phyphox, Sensor Logger) as one session.

    Parameters
    ----------
    model : str, optional
        Sensor model stored with the session; default: what the file says (e.g. the app).
    up_axis : str
        How the sensor was worn (``"+y"``, :mod:`analysis.upaxis`), stored with the session;
        ``""``: unknown.

    Raises
    ------
    UserError
        On anything malformed (nothing is imported then), with file, line and reason.
    """
    samples = read_any_samples(path, timezone)
    is_phone = isinstance(samples, PhoneSamples)
    source = samples.model if isinstance(samples, PhoneSamples) else "posturelog CSV"
    chosen = model or (source if is_phone else _DEFAULT_MODEL)
    result = import_csv(store, path, timezone, model=chosen, samples=samples, up_axis=up_axis)
    notes = list(samples.notes) if isinstance(samples, PhoneSamples) else []
    return ImportReport(result, source, summarize_sampling(samples.t_ns, samples.gyr_rads), notes)
