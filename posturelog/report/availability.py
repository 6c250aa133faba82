"""Per-day walking availability for the report: which days could measure walking, and why not.

Walking is found from step-band (1.5–2.5 Hz) energy, which a sensor sampled below ~6 Hz
cannot resolve (Nyquist; :func:`analysis.epochs.step_band_availability`). The epochs step
records per local day whether walking was available (the per-day sidecars of
:func:`posturelog.analyze.epochs_for_days`); this module puts it into the daily table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.epochs.features import walking_min_rate_hz
from analysis.settings import AnalysisSettings
from posturelog.report import wording

__all__ = ["add_walking_availability"]


def add_walking_availability(daily: pd.DataFrame, day_info: Mapping[str, Mapping[str, Any]] | None,
                             settings: AnalysisSettings) -> pd.DataFrame:
    """Add ``walking_available`` and ``walking_unavailable_reason`` to a daily table.

    Parameters
    ----------
    daily : DataFrame, shape (D, ≥ 2)
        One row per local day (``date``, ``wear_minutes``).
    day_info : mapping or None
        ISO local date → ``{"fs_hz", "walking_available", ...}`` (``epochs.attrs["day_info"]``).
        Days missing from it (or None: epochs made elsewhere) count as available when worn.
    settings : AnalysisSettings

    Returns
    -------
    DataFrame, shape (D, ≥ 4)
        A copy; ``walking_available`` is a nullable boolean (missing on days without wear),
        ``walking_unavailable_reason`` is "" unless walking was not available
        (e.g. "sampled at 1.6 Hz, below 6 Hz"). ``walking_minutes`` is left as counted (0 on
        such days); :mod:`posturelog.report.csv` and the tables show it empty there.
    """
    info = day_info or {}
    need = walking_min_rate_hz(settings.walking_band_hz)
    avail: list[bool | None] = []
    reasons: list[str] = []
    for d, worn in zip(daily["date"], daily["wear_minutes"], strict=True):
        meta = info.get(pd.Timestamp(d).date().isoformat())
        if not worn or worn <= 0:
            avail.append(None)
            reasons.append("")
        elif meta is None or bool(meta.get("walking_available", True)):
            avail.append(True)
            reasons.append("")
        else:
            fs = meta.get("fs_hz")
            avail.append(False)
            reasons.append(wording.walking_unavailable_reason(
                None if fs is None else float(fs), need))
    out = daily.copy()
    out["walking_available"] = pd.array(avail, dtype="boolean")
    out["walking_unavailable_reason"] = np.array(reasons, dtype=object)
    return out
