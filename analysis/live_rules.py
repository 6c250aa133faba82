"""Wear, context and break rules of the live engine, evaluated at the newest second, past only.

* :class:`LiveWear`: :func:`analysis.wear.detect_wear`'s rules. Stillness from the per-axis SD
  and range of the per-second means over the trailing half of the centred window, limits raised
  to ``wear_noise_ratio`` × the noise floor (1st percentile over the history), the gyroscope
  test and the window dilation. Then one of the report's two non-wear rules:

  - **breathing visible** (fine resolution, rate ≥ ``wear_breathing_min_rate_hz``): a still
    run of ``wear_min_nonwear_s`` (60 s) is non-wear;
  - **coarse sensor** (:func:`analysis.wear.breathing_observable` is false: a still, breathing
    person reads constant): the limits are raised to one and two quantisation steps, and a
    still run is non-wear only after ``wear_coarse_min_nonwear_s`` (60 min) lying within
    ``wear_flat_deg`` of a sensor face, or after ``wear_coarse_long_s`` (3 h) in any
    orientation.

  ``wear_handling_s`` around non-wear is non-wear too (handling). The report's relabelling of
  short wear islands needs the future and is not applied.
* :class:`LiveContext`: :func:`analysis.context.classify_context` (lying after
  ``lying_min_duration_s``, walking after ``walking_min_duration_s``).
* :class:`Breaks`: a run of walking, lying or not-worn seconds of at least ``break_min_s``
  is a break; time since the last break counts from its end.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from analysis.live_features import COL, Ring
from analysis.settings import AnalysisSettings
from analysis.wear import breathing_observable, gyro_still_limit, noise_floor, still_limits

__all__ = ["Breaks", "LiveContext", "LiveWear", "flat_deg"]

_SD_COLS = (*(f"acc_sd_{a}" for a in "xyz"), *(f"gyr_sd_{a}" for a in "xyz"))


def flat_deg(mean_acc: NDArray[np.float64]) -> float:
    """Angle (degrees) between a gravity vector and its nearest sensor axis (a sensor put down
    rests on a face; as ``analysis.wear._flat_deg``)."""
    a = np.abs(np.asarray(mean_acc, dtype=float))
    n = float(np.linalg.norm(a))
    if not n > 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(a.max() / n, -1.0, 1.0))))


class LiveWear:
    """Worn or not at the newest second (see the module notes).

    Parameters
    ----------
    settings : AnalysisSettings
    fs_hz : float
        Sampling rate (a rate below ``wear_breathing_min_rate_hz`` cannot show breathing).
    resolution_mps2 : float or None
        Accelerometer quantisation step; None until known (:meth:`set_resolution`); until then
        the breathing-visible rule applies.
    """

    def __init__(self, settings: AnalysisSettings, fs_hz: float,
                 resolution_mps2: float | None = None) -> None:
        self.s = settings
        self.fs_hz = float(fs_hz)
        self.resolution_mps2: float | None = None
        self.observable = True
        self.rule = ""
        self._last_still: int | None = None
        self._floors: dict[str, float] | None = None
        self._floors_at = 0
        self._still_start: int | None = None
        self._last_nonwear: int | None = None
        self._run_acc: list[NDArray[np.float64]] = []
        self._flat: float = float("nan")
        self._flat_at = 0
        self.set_resolution(resolution_mps2)

    def set_resolution(self, resolution_mps2: float | None) -> None:
        """Use this quantisation step (m/s²) from now on; decides which non-wear rule applies."""
        self.resolution_mps2 = resolution_mps2
        self.observable, why = breathing_observable(resolution_mps2, self.fs_hz, self.s)
        self.rule = "breathing visible" if self.observable else why

    def _noise_floors(self, sec: int, data: NDArray[np.float64]) -> dict[str, float]:
        if self._floors is None or sec - self._floors_at >= 10:
            # noise floors change slowly: recomputed every 10 s
            n = np.maximum(data[:, COL["n_samples"]], 1.0)
            self._floors = {c: noise_floor(data[:, COL[c]], n) for c in _SD_COLS}
            self._floors_at = sec
        return self._floors

    def _still(self, sec: int, ring: Ring) -> bool:
        s = self.s
        secs, data = ring.view()
        half = max(int(s.wear_window_s) // 2, 1)
        win = data[secs >= sec - half]
        floors = self._noise_floors(sec, data)
        if win.shape[0] < half:
            return False
        q = 0.0 if self.observable else float(self.resolution_mps2 or 0.0)
        axes = 0
        for ax in "xyz":
            m = win[:, COL[f"acc_mean_{ax}"]]
            lim_sd, lim_rng = still_limits(floors[f"acc_sd_{ax}"], q, s)
            axes += int(m.std() < lim_sd and m.max() - m.min() < lim_rng)
        if axes < s.wear_axes_still:
            return False
        if np.isfinite(data[:, COL["gyr_mean_x"]]).mean() <= 0.5:
            return True
        gvar = 0.0
        gfloor = 0.0
        for ax in "xyz":
            g = win[:, COL[f"gyr_mean_{ax}"]]
            g = g[np.isfinite(g)]
            gvar += float(g.var()) if g.size >= half else float("nan")
            gfloor += floors[f"gyr_sd_{ax}"] ** 2
        lim = gyro_still_limit(gfloor, s)
        return not math.sqrt(gvar) >= lim  # NaN (too few) passes, as in detect_wear

    def __call__(self, sec: int, ring: Ring, acc_mean: NDArray[np.float64]) -> bool:
        """Whether the sensor is worn at second ``sec`` (the newest row of ``ring``).

        Parameters
        ----------
        sec : int
        ring : Ring
            Per-second features up to and including ``sec``.
        acc_mean : ndarray, shape (3,)
            The second's mean acceleration (for the coarse rule's "lying on a face").
        """
        s = self.s
        half = max(int(s.wear_window_s) // 2, 1)
        if self._still(sec, ring):
            self._last_still = sec
        if self._last_still is not None and sec - self._last_still <= half:  # dilation
            if self._still_start is None:
                self._still_start = sec
                self._run_acc = []
                self._flat = float("nan")
        else:
            self._still_start = None
            self._run_acc = []
        if self._still_start is not None and self._nonwear_run(sec, acc_mean):
            self._last_nonwear = sec
        return not (self._last_nonwear is not None and sec - self._last_nonwear <= int(s.wear_handling_s))

    def _nonwear_run(self, sec: int, acc_mean: NDArray[np.float64]) -> bool:
        """Whether the current still run (started at ``_still_start``) counts as non-wear."""
        s = self.s
        assert self._still_start is not None
        length = sec - self._still_start + 1
        if self.observable:
            return length >= s.wear_min_nonwear_s
        if len(self._run_acc) < int(s.wear_coarse_long_s):
            self._run_acc.append(np.asarray(acc_mean, dtype=float))
        if length >= s.wear_coarse_long_s:
            return True
        if length < s.wear_coarse_min_nonwear_s:
            return False
        if not math.isfinite(self._flat) or sec - self._flat_at >= 30:
            # the run's median gravity direction: recomputed every 30 s
            self._flat = flat_deg(np.nanmedian(np.asarray(self._run_acc), axis=0))
            self._flat_at = sec
        return bool(self._flat <= s.wear_flat_deg)


class LiveContext:
    """Context at the newest second: :func:`analysis.context.classify_context`, past only."""

    def __init__(self, settings: AnalysisSettings) -> None:
        self.s = settings
        self._lying_start: int | None = None
        self._walk_start: int | None = None

    def __call__(self, sec: int, worn: bool, inc: float, ring: Ring) -> str:
        """``upright``, ``lying``, ``walking`` or ``nonwear`` at second ``sec``."""
        s = self.s
        if not worn:
            self._lying_start = self._walk_start = None
            return "nonwear"
        lying_now = math.isfinite(inc) and inc > s.lying_inclination_deg
        if lying_now:
            if self._lying_start is None:
                self._lying_start = sec
        else:
            self._lying_start = None
        if self._lying_start is not None and sec - self._lying_start + 1 >= s.lying_min_duration_s:
            self._walk_start = None
            return "lying"
        secs, data = ring.view()
        # pandas' centred window of 4 spans t-2..t+1; only t-2..t exist yet
        p = data[secs >= sec - int(s.walking_window_s) // 2, COL["step_power"]]
        if math.sqrt(float(np.nan_to_num(p).mean())) > s.walking_rms_mps2:
            if self._walk_start is None:
                self._walk_start = sec
        else:
            self._walk_start = None
        if self._walk_start is not None and sec - self._walk_start + 1 >= s.walking_min_duration_s:
            return "walking"
        return "upright"


class Breaks:
    """Time since the last break (a run of walking, lying or not-worn seconds ≥ ``break_min_s``).

    Parameters
    ----------
    break_min_s : float
    """

    def __init__(self, break_min_s: float) -> None:
        self.break_min_s = float(break_min_s)
        self._first_worn: int | None = None
        self._away_start: int | None = None
        self._last_break_end: int | None = None

    def __call__(self, sec: int, state: str) -> float:
        """Seconds since the last break ended, at the end of second ``sec`` (0 during a break,
        NaN before the first sitting second)."""
        sitting = state in ("upright", "slouched")
        if sitting and self._first_worn is None:
            self._first_worn = sec
        if not sitting:
            if self._away_start is None:
                self._away_start = sec
            if sec - self._away_start + 1 >= self.break_min_s:
                self._last_break_end = sec + 1
                return 0.0
        else:
            self._away_start = None
        ref = self._last_break_end if self._last_break_end is not None else self._first_worn
        return float("nan") if ref is None else float(max(sec + 1 - ref, 0))
