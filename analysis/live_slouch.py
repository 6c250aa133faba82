"""The live slouch rule: the report's hysteresis one second at a time, and when a slouch began.

:class:`SlouchRule` applies :func:`analysis.episodes.slouch_mask`'s rule to each completed
second (on above ``slouch_threshold_deg``, off below ``threshold - hysteresis``, only in
``slouch_contexts``, reset by gaps > ``slouch_max_gap_s``) and counts today's slouch minutes as
the report does (a run counts once it has lasted ``slouch_min_duration_s``, then all of it).

How long a slouch has lasted is measured in **sample time from its onset**, not in whole
seconds: the per-second rule switches on only once a whole second's mean flexion is past the
threshold, and the tilt filter (accelerometer only: a 1-s low-pass) reaches the threshold late
during a bend. Both delays would add up to 1–2 s to every alert. So when a run starts, the
onset is looked up in the last :data:`ONSET_LOOKBACK_S` seconds of samples (:func:`onset_ns`):
the posture's own flexion (each sample's acceleration direction, smoothed over 0.2 s) is
searched for its last rise past the threshold after it was last below the off threshold
(a centred mean: the window is in the past already). The per-second rule still decides
*whether* it is a slouch; the onset only says since when.
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from analysis.calibration import Mounting
from analysis.flexion import flexion_angles
from analysis.rows import row_norms
from analysis.settings import AnalysisSettings
from vocab.units import NS_PER_S

__all__ = ["ONSET_LOOKBACK_S", "ONSET_SMOOTH_S", "SlouchRule", "onset_ns"]

#: Seconds of samples searched for a slouch's onset when the per-second rule switches on.
ONSET_LOOKBACK_S = 3
#: Centred moving-mean window (s) of the per-sample flexion used for the onset.
ONSET_SMOOTH_S = 0.2


def onset_ns(t_ns: NDArray[np.int64], acc: NDArray[np.float64], mounting: Mounting,
             fs_hz: float, on_deg: float, off_deg: float) -> int | None:
    """When the posture last rose past ``on_deg`` after being below ``off_deg``.

    Parameters
    ----------
    t_ns : ndarray, shape (n,), int64
        Sample times (the look-back window, oldest first).
    acc : ndarray, shape (n, 3)
        Accelerations, m/s² (their direction is the posture when still).
    mounting : Mounting
    fs_hz : float
    on_deg, off_deg : float
        The slouch rule's on and off thresholds.

    Returns
    -------
    int or None
        Time (ns) of the first sample past ``on_deg`` after the last sample at or below
        ``off_deg``; None when no sample is past ``on_deg``.
    """
    if t_ns.size == 0:
        return None
    norm = row_norms(acc)
    good = norm > 0
    if not good.all():
        t_ns, acc, norm = t_ns[good], acc[good], norm[good]
        if t_ns.size == 0:
            return None
    flex = flexion_angles(acc / norm[:, None], mounting)[0]
    h = int(round(ONSET_SMOOTH_S * fs_hz / 2))
    if h > 0:
        # centred moving mean: the window lies in the past already, so it need not be causal
        c = np.cumsum(np.concatenate(([0.0], flex)))
        i = np.arange(flex.size)
        lo, hi = np.maximum(i - h, 0), np.minimum(i + h + 1, flex.size)
        flex = (c[hi] - c[lo]) / (hi - lo)
    below = np.flatnonzero(flex <= off_deg)
    start = int(below[-1]) + 1 if below.size else 0
    past = np.flatnonzero(flex[start:] > on_deg)
    return int(t_ns[start + int(past[0])]) if past.size else None


class SlouchRule:
    """Hysteresis, run length and today's slouch minutes, second by second.

    Parameters
    ----------
    settings : AnalysisSettings
    timezone : str
        IANA zone: "today" is the local day.
    """

    def __init__(self, settings: AnalysisSettings, timezone: str = "UTC") -> None:
        self.s = settings
        self._tz = ZoneInfo(timezone)
        self.on = False
        self.prev_sec: int | None = None
        self.run_start: int | None = None
        self.onset_ns: int | None = None
        self._run_rows = 0
        self._run_counted = False
        self._day: str | None = None
        self.slouch_s = 0

    @property
    def on_deg(self) -> float:
        """Flexion above which the rule switches on."""
        return float(self.s.slouch_threshold_deg)

    @property
    def off_deg(self) -> float:
        """Flexion below which the rule switches off."""
        return float(self.s.slouch_threshold_deg - self.s.slouch_hysteresis_deg)

    def step(self, sec: int, eligible: bool, flex: float) -> tuple[bool, bool]:
        """Apply the rule to second ``sec``.

        Returns
        -------
        on : bool
            The rule is on at ``sec``.
        started : bool
            A new run starts at ``sec`` (the caller then sets :attr:`onset_ns`).
        """
        s = self.s
        broke = self.prev_sec is None or sec - self.prev_sec > 1 + s.slouch_max_gap_s
        was_on = self.on and not broke
        if not eligible or not math.isfinite(flex) or flex < self.off_deg:
            on = False
        elif flex > self.on_deg:
            on = True
        else:
            on = was_on
        self._roll_day(sec)
        started = on and not was_on
        if started:
            self.run_start, self._run_rows, self._run_counted = sec, 0, False
            self.onset_ns = sec * NS_PER_S
        if on:
            self._run_rows += 1
            assert self.run_start is not None
            if self._run_counted:
                self.slouch_s += 1
            elif sec - self.run_start + 1 >= s.slouch_min_duration_s:
                self._run_counted = True
                self.slouch_s += self._run_rows
        else:
            self.run_start, self._run_rows, self._run_counted = None, 0, False
            self.onset_ns = None
        self.on = on
        self.prev_sec = sec
        return on, started

    def run_s(self, sec: int) -> int:
        """Whole seconds of the current run at second ``sec`` (0 when off)."""
        return sec - self.run_start + 1 if self.on and self.run_start is not None else 0

    def elapsed_s(self, t_ns: int) -> float:
        """Seconds from the onset of the current slouch to ``t_ns`` (0 when off)."""
        if not self.on or self.onset_ns is None:
            return 0.0
        return max(t_ns - self.onset_ns, 0) / NS_PER_S

    def _roll_day(self, sec: int) -> None:
        day = datetime.fromtimestamp(sec, tz=self._tz).date().isoformat()
        if day != self._day:
            self._day = day
            self.slouch_s = 0
