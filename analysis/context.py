"""Activity context per second: lying, walking, upright (sitting/standing), non-wear.

* **non-wear** where :func:`analysis.wear.detect_wear` says not worn;
* **lying** when the trunk is far from vertical: inclination from the wearer's calibrated
  upright above ``lying_inclination_deg`` (default 60°; a hip-sensor study put the
  lying/sitting boundary at 64.9°, docs/domain.md §3), sustained for ``lying_min_duration_s`` so a
  deep forward bend is not lying;
* **walking** when the band-limited (1.5–2.5 Hz, the step frequency) RMS of the acceleration
  magnitude, averaged over a short centred window, exceeds ``walking_rms_mps2``;
* **upright** otherwise (sitting or standing).

Lying and non-wear never count as slouch (:mod:`analysis.episodes`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.settings import AnalysisSettings
from analysis.wear import runs
from vocab.terms import CONTEXTS
from vocab.units import NS_PER_S

__all__ = ["CONTEXT_DTYPE", "classify_context", "walking_flag"]

log = logging.getLogger(__name__)

#: Categorical dtype of the ``context`` column.
CONTEXT_DTYPE = pd.CategoricalDtype(categories=list(CONTEXTS), ordered=False)


def _grid_pos(index: pd.DatetimeIndex) -> NDArray[np.int64]:
    """Whole seconds of ``index`` from its first second, shape (E,)."""
    sec = np.asarray(index.as_unit("ns").asi8 // NS_PER_S, dtype=np.int64)
    if sec.size and np.any(np.diff(sec) <= 0):
        raise ValueError("epochs index must be strictly increasing whole seconds")
    return sec - (sec[0] if sec.size else 0)


def _drop_short(flag: NDArray[np.bool_], pos: NDArray[np.int64], min_s: float
                ) -> NDArray[np.bool_]:
    """Set True runs shorter than ``min_s`` grid seconds to False."""
    out = flag.copy()
    starts, ends, vals = runs(flag)
    for a, b, v in zip(starts, ends, vals, strict=True):
        if v and pos[b - 1] - pos[a] + 1 < min_s:
            out[a:b] = False
    return out


def walking_flag(
    epochs: pd.DataFrame, settings: AnalysisSettings | None = None
) -> NDArray[np.bool_]:
    """Per-second walking flag from step-band power (before wear/lying are applied).

    Parameters
    ----------
    epochs : DataFrame, shape (E, ...)
        Index ``time`` (whole seconds) and ``step_power`` (mean square of the 1.5–2.5 Hz
        band-passed acceleration magnitude in that second, (m/s²)²).
    settings : AnalysisSettings, optional

    Returns
    -------
    ndarray of bool, shape (E,)
    """
    s = settings or AnalysisSettings()
    if "step_power" not in epochs.columns:
        raise ValueError("walking_flag needs a 'step_power' column ((m/s²)², per second)")
    if len(epochs) == 0:
        return np.zeros(0, dtype=bool)
    pos = _grid_pos(pd.DatetimeIndex(epochs.index))
    grid = np.full(int(pos[-1]) + 1, np.nan)
    grid[pos] = epochs["step_power"].to_numpy(dtype=float)
    p = (
        pd.Series(grid)
        .rolling(int(s.walking_window_s), center=True, min_periods=1)
        .mean()
        .to_numpy()[pos]
    )
    walk = np.sqrt(np.nan_to_num(p)) > s.walking_rms_mps2
    return _drop_short(walk, pos, s.walking_min_duration_s)


def classify_context(
    epochs: pd.DataFrame, settings: AnalysisSettings | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add the ``context`` column (lying / upright / walking / nonwear).

    Parameters
    ----------
    epochs : DataFrame, shape (E, ...)
        Index ``time`` (UTC whole seconds); columns ``worn`` (bool), ``inclination_deg``
        (degrees from calibrated upright, NaN when unknown) and ``step_power`` ((m/s²)²).
    settings : AnalysisSettings, optional

    Returns
    -------
    epochs : DataFrame, shape (E, ...)
        Copy with ``context`` (categorical of :data:`CONTEXTS`).
    info : dict
        Seconds per context.
    """
    s = settings or AnalysisSettings()
    need = ["worn", "inclination_deg", "step_power"]
    missing = [c for c in need if c not in epochs.columns]
    if missing:
        raise ValueError(f"classify_context needs columns {missing}")
    out = epochs.copy()
    n = len(out)
    codes = np.full(n, CONTEXTS.index("upright"), dtype=np.int8)
    if n:
        pos = _grid_pos(pd.DatetimeIndex(out.index))
        worn = out["worn"].to_numpy(dtype=bool)
        incl = out["inclination_deg"].to_numpy(dtype=float)
        lying = np.nan_to_num(incl, nan=0.0) > s.lying_inclination_deg
        if "lying_hint" in out.columns:  # two-posture split of estimated bouts (analysis.upright)
            lying |= out["lying_hint"].to_numpy(dtype=bool)
        lying = _drop_short(lying & worn, pos, s.lying_min_duration_s)
        walking = walking_flag(out, s) & worn & ~lying
        codes[walking] = CONTEXTS.index("walking")
        codes[lying] = CONTEXTS.index("lying")
        codes[~worn] = CONTEXTS.index("nonwear")
    out["context"] = pd.Categorical.from_codes(codes, dtype=CONTEXT_DTYPE)
    counts = np.bincount(codes, minlength=len(CONTEXTS))
    info = {f"{name}_seconds": int(c) for name, c in zip(CONTEXTS, counts, strict=True)}
    log.debug("context: %s", info)
    return out, info
