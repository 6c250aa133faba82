"""The per-day epochs cache: ``<data_dir>/cache/epochs/<YYYY-MM-DD>-<key>.parquet`` + sidecar.

``key`` hashes the raw data identity (names, sizes and mtimes of the sample files of that
day and its neighbours), the wearer's zone, the calibration marks, the analysis settings,
:data:`CACHE_VERSION` and the mounting carried in from the day before. The JSON sidecar
(:class:`CacheSidecar`) keeps what the next day and the report need without the epochs:
the mounting to carry on, and the day's facts (rate, tilt filter, walking availability,
wear rule, one record per wear bout).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypedDict

import numpy as np
import pandas as pd

from analysis.calibration import Mounting, MountingSource
from analysis.epochs import BoutRecord
from analysis.settings import AnalysisSettings
from analysis.upaxis import UpPrior
from posturelog.store import Store

__all__ = ["BoutJson", "CACHE_VERSION", "CacheSidecar", "DayCache", "MountingRecord", "bout_json", "cache_key", "empty_sidecar",
           "mounting_from_record", "mounting_record"]

log = logging.getLogger(__name__)

#: Bumped when the epoch computation changes in a way the settings hash does not capture.
CACHE_VERSION = "epochs-7"  # 7: noise floor corrected for samples per second


class MountingRecord(TypedDict):
    """A :class:`~analysis.calibration.Mounting` as JSON: unit vectors in the sensor frame."""

    up_sensor: list[float]
    forward_sensor: list[float]
    source: str
    fitted_ns: int


class BoutJson(TypedDict):
    """A :class:`~analysis.epochs.BoutRecord` as JSON: ``start``/``end`` as ISO 8601 UTC text."""

    bout: int
    start: str
    end: str
    source: str
    confidence: str
    up_sensor: list[float] | None
    forward_sensor: list[float] | None
    quality: dict[str, object]


def bout_json(b: BoutRecord) -> BoutJson:
    """``b`` with its times as text."""
    return BoutJson(bout=int(b["bout"]), start=str(b["start"]), end=str(b["end"]),
                    source=b["source"], confidence=b["confidence"], up_sensor=b["up_sensor"],
                    forward_sensor=b["forward_sensor"], quality=dict(b["quality"]))


class CacheSidecar(TypedDict):
    """The JSON file next to a cached day of epochs.

    Fields: ``carry`` (the mounting to carry into the next day: None unless the last wear
    bout reaches local midnight), ``tilt`` (which up estimate was used), ``fs_hz`` (median
    sampling rate, Hz), ``walking_available`` / ``walking_reason`` (whether the rate
    resolves the step band, and why not), ``wear_rule`` (the wear rule used), ``mountings``
    (one :class:`BoutJson` per wear bout), ``rejected_routines`` (marked calibration
    routines that were rejected: when and why).
    """

    carry: MountingRecord | None
    tilt: str
    fs_hz: float
    walking_available: bool
    walking_reason: str
    wear_rule: str
    mountings: list[BoutJson]
    rejected_routines: list[str]


def empty_sidecar() -> CacheSidecar:
    """The sidecar of a day without samples."""
    return CacheSidecar(carry=None, tilt="none", fs_hz=float("nan"), walking_available=False,
                        walking_reason="no samples", wear_rule="", mountings=[],
                        rejected_routines=[])


def mounting_record(m: Mounting | None) -> MountingRecord | None:
    """``m`` as JSON-ready lists (None stays None)."""
    if m is None:
        return None
    return MountingRecord(up_sensor=np.asarray(m.up_sensor, dtype=float).tolist(),
                          forward_sensor=np.asarray(m.forward_sensor, dtype=float).tolist(),
                          source=str(m.source), fitted_ns=int(m.fitted_ns))


def mounting_from_record(d: MountingRecord | None) -> Mounting | None:
    """The :class:`Mounting` of a record (marked ``quality["carried"]``)."""
    if not d:
        return None
    sources: dict[str, MountingSource] = {"routine": "routine", "walking": "walking",
                                          "default": "default"}
    if d["source"] not in sources:
        raise ValueError(f"carried mounting has an unknown source {d['source']!r}")
    return Mounting(np.asarray(d["up_sensor"]), np.asarray(d["forward_sensor"]),
                    sources[d["source"]], int(d["fitted_ns"]), {"carried": True})


def cache_key(store: Store, day: date, marks: pd.DataFrame, settings: AnalysisSettings,
              carried: MountingRecord | None, *, priors: Sequence[UpPrior] = ()) -> str:
    """Hash of everything a day's epochs depend on (20 hex digits), the up-axis priors of
    the day's sessions (how the sensor was worn) included."""
    ident = {
        "priors": [[p.start_ns, p.end_ns, p.axis] for p in priors],
        "version": CACHE_VERSION,
        "files": [store.samples_fingerprint(day + timedelta(days=k)) for k in (-1, 0, 1)],
        "tz": store.timezone(),
        "marks": [[str(a), str(b)] for a, b in zip(marks["start"], marks["end"], strict=True)],
        "settings": settings.fingerprint(),
        "carried": carried,
    }
    text = json.dumps(ident, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class DayCache:
    """The cache files of one day for one key (``directory`` None: caching is off)."""

    directory: Path | None
    day: date
    key: str

    @property
    def path(self) -> Path | None:
        """The epochs Parquet file (None when caching is off)."""
        if self.directory is None:
            return None
        return self.directory / f"{self.day.isoformat()}-{self.key}.parquet"

    def read(self) -> tuple[pd.DataFrame, CacheSidecar] | None:
        """The cached epochs and sidecar, or None on a miss."""
        path = self.path
        if path is None or not path.exists() or not path.with_suffix(".json").exists():
            return None
        side: CacheSidecar = json.loads(path.with_suffix(".json").read_text())
        log.debug("epochs %s from cache", self.day)
        return pd.read_parquet(path), side

    def write(self, epochs: pd.DataFrame, side: CacheSidecar) -> None:
        """Replace the day's cache files (of any key) by these (atomic per file)."""
        path = self.path
        if path is None:
            return
        for old in path.parent.glob(f"{self.day.isoformat()}-*"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(".tmp")
        epochs.to_parquet(tmp)
        tmp.replace(path)
        path.with_suffix(".json").write_text(json.dumps(side))
