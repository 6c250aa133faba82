"""Live posture state on the sample stream: the report's definitions, one second at a time.

:class:`LiveEngine` is fed consecutive chunks of samples (arrays; ``posturelog.live_state``
adapts ``SampleBatch``es) and emits one :class:`LiveSecond` per completed UTC second with
samples. It reuses the report pipeline (:mod:`analysis.epochs`) piece by piece:

* **tilt**: the same causal filter (:class:`analysis.tilt.TiltFilter`, carried state),
  restarted where the report starts a new segment (a gap > ``max_gap_s`` or a batch marked
  ``gap_before``);
* **per-second features**: mean up vector, acceleration mean/SD/min/max, gyroscope mean/SD,
  step-band power, as :func:`analysis.epochs.second_features` computes them. The report
  band-passes |acc| forward and backward (zero phase); the stream cannot look ahead, so the
  same Butterworth band-pass runs forward twice (the same magnitude response, more lag);
* **wear and context** (:mod:`analysis.live_rules`): the thresholds and formulas of
  :func:`analysis.wear.detect_wear` (both of its rules: breathing visible, and the coarse-sensor
  rule) and :func:`analysis.context.classify_context` (same :class:`AnalysisSettings`)
  evaluated at the newest second over the past only (the report's centred windows also see the
  future; their trailing half is used). Changes therefore show with a delay: walking after
  ``walking_min_duration_s`` (5 s), lying after ``lying_min_duration_s`` (20 s), not worn after
  ``wear_min_nonwear_s`` (60 s); the report's relabelling of short wear islands needs the
  future and is not applied. ``tests/analysis/test_live.py`` checks the agreement with the
  report on simulated days;
* **flexion**: :func:`analysis.flexion.flexion_angles` of the second's mean up vector with
  the given :class:`analysis.calibration.Mounting` (the latest one stored or fitted);
* **slouch** (:mod:`analysis.live_slouch`): the hysteresis rule of
  :func:`analysis.episodes.slouch_mask`. The live state is "slouched" as soon as the rule is
  on (that is what an alert needs); today's slouch minutes count a run only once it has lasted
  ``slouch_min_duration_s``, and then all of it, as the report does. How long the slouch has
  lasted (:attr:`LiveSecond.slouch_elapsed_s`, :meth:`LiveEngine.open_slouch_s`) is counted
  in sample time from its onset, so an alert need not wait for whole seconds.

A *break* is a run of walking, lying or not-worn seconds lasting at least ``break_min_s``
(:class:`LiveSettings`); time since the last break counts from its end (or from the first
worn second when there has been none).
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calibration import Mounting
from analysis.epochs.features import step_of_distinct_values
from analysis.flexion import flexion_angles
from analysis.live_features import COL, Ring, StepBand, feature_row
from analysis.live_rules import Breaks, LiveContext, LiveWear
from analysis.live_slouch import ONSET_LOOKBACK_S, SlouchRule, onset_ns
from analysis.rows import row_norms
from analysis.settings import AnalysisSettings
from analysis.tilt import TiltFilter, TiltSettings
from vocab.units import NS_PER_S

__all__ = ["LIVE_STATES", "LiveEngine", "LiveSecond", "LiveSettings"]

log = logging.getLogger(__name__)


#: Values of :attr:`LiveSecond.state`.
LIVE_STATES: tuple[str, ...] = ("upright", "slouched", "lying", "walking", "nonwear")


@dataclass(frozen=True)
class LiveSettings:
    """Settings of the live engine beyond :class:`analysis.settings.AnalysisSettings`.

    Attributes
    ----------
    break_min_s : float
        A run of walking, lying or not-worn seconds at least this long is a break from
        sitting (60 s: standing up to walk to the kitchen counts, shifting in the chair not).
    history_s : int
        Seconds of per-second features kept for the wear rule's noise floor (the 1st percentile
        of the within-second SD / √n, as :mod:`analysis.wear` computes it over a day) and windows.
    resolution_probe_s : float
        Without a given accelerometer resolution, it is estimated from this many seconds of
        the first samples (it decides the wear rule of coarse sensors).
    """

    break_min_s: float = 60.0
    history_s: int = 300
    resolution_probe_s: float = 20.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.break_min_s) and self.break_min_s > 0):
            raise ValueError(f"break_min_s must be a positive number of seconds, got {self.break_min_s}")
        if self.history_s < 60:
            raise ValueError(f"history_s must be >= 60 seconds, got {self.history_s}")
        if not (math.isfinite(self.resolution_probe_s) and self.resolution_probe_s > 0):
            raise ValueError(f"resolution_probe_s must be positive, got {self.resolution_probe_s}")


@dataclass(frozen=True)
class LiveSecond:
    """The posture state of one second.

    Attributes
    ----------
    t_s : int
        The second (Unix seconds, UTC).
    flexion_deg, lateral_deg, inclination_deg : float
        Trunk angles beyond the calibrated upright, degrees (NaN without a mounting).
    state : str
        One of :data:`LIVE_STATES`.
    context : str
        ``upright``, ``lying``, ``walking`` or ``nonwear`` (as in the epochs table).
    worn : bool
    slouching : bool
        The slouch hysteresis rule is on (flexion beyond the threshold, upright context).
    slouch_run_s : int
        Whole seconds the slouch rule has been on (0 when not slouching).
    slouch_today_min : float
        Slouch minutes of the local day so far, counted as the report counts them.
    since_break_s : float
        Seconds since the last break ended (0 during a break; NaN before the first worn second).
    n_samples : int
        Samples in this second.
    slouch_elapsed_s : float
        Seconds from the onset of the current slouch to the end of this second, in sample
        time (0 when not slouching); what an alert waits for.
    """

    t_s: int
    flexion_deg: float
    lateral_deg: float
    inclination_deg: float
    state: str
    context: str
    worn: bool
    slouching: bool
    slouch_run_s: int
    slouch_today_min: float
    since_break_s: float
    n_samples: int
    slouch_elapsed_s: float = 0.0

    @property
    def time(self) -> pd.Timestamp:
        """The second as a UTC timestamp."""
        return pd.Timestamp(self.t_s * NS_PER_S, tz="UTC")


@dataclass(frozen=True)
class _Part:
    """Samples of the open second from one chunk."""

    t: NDArray[np.int64]
    acc: NDArray[np.float64]
    gyr: NDArray[np.float64] | None
    up: NDArray[np.float64]
    band: NDArray[np.float64]


class LiveEngine:
    """Incremental posture state: samples in, one :class:`LiveSecond` per completed second out.

    Parameters
    ----------
    fs_hz : float
        Nominal sampling rate, Hz (>= 6 Hz, for the 1.5–2.5 Hz step band).
    mounting : Mounting or None
        The wearer's calibration; None gives NaN flexion (states from wear and walking only).
    with_gyroscope : bool
        Whether gyroscope samples will be given.
    settings : AnalysisSettings, optional
        The report's settings (thresholds, hysteresis, durations, wear and context rules).
    live : LiveSettings, optional
    timezone : str
        IANA zone of the wearer: "today" is the local day.
    tilt_settings : TiltSettings, optional
    resolution_mps2 : float, optional
        Accelerometer quantisation step (m/s²), for the wear rule of coarse sensors
        (:func:`analysis.wear.breathing_observable`). Without it, the step is estimated from the
        distinct values of the samples (at least ``LiveSettings.resolution_probe_s`` seconds,
        and some movement).
    """

    def __init__(
        self,
        fs_hz: float,
        mounting: Mounting | None,
        *,
        with_gyroscope: bool = True,
        settings: AnalysisSettings | None = None,
        live: LiveSettings | None = None,
        timezone: str = "UTC",
        tilt_settings: TiltSettings | None = None,
        resolution_mps2: float | None = None,
    ) -> None:
        if not (math.isfinite(fs_hz) and fs_hz >= 6):
            raise ValueError(f"fs_hz must be >= 6 Hz for the 1.5–2.5 Hz step band, got {fs_hz}")
        self.fs_hz = float(fs_hz)
        self.settings = settings or AnalysisSettings()
        self.live = live or LiveSettings()
        self.with_gyroscope = bool(with_gyroscope)
        self.mounting = mounting
        self._tilt = TiltFilter(self.fs_hz, with_gyroscope=self.with_gyroscope,
                                settings=tilt_settings)
        self._band = StepBand(self.fs_hz, self.settings.walking_band_hz)
        self._ring = Ring(self.live.history_s)
        self._last_ns: int | None = None
        # the open (incomplete) second: (t, acc, gyr, up, band) per chunk
        self._open_sec: int | None = None
        self._parts: list[_Part] = []
        # the last closed seconds' samples (t, acc), for the slouch onset
        self._recent: deque[tuple[NDArray[np.int64], NDArray[np.float64]]] = deque(
            maxlen=ONSET_LOOKBACK_S)
        self._slouch = SlouchRule(self.settings, timezone)
        self._wear = LiveWear(self.settings, self.fs_hz, resolution_mps2)
        self._probe: list[NDArray[np.float64]] | None = (
            [np.zeros(0)] * 3 if resolution_mps2 is None else None)
        self._probe_n = 0
        self._context = LiveContext(self.settings)
        self._breaks = Breaks(self.live.break_min_s)

    # -- input ---------------------------------------------------------------------------------

    def set_mounting(self, mounting: Mounting | None) -> None:
        """Use another mounting from the next second on (e.g. after a live calibration)."""
        self.mounting = mounting

    @property
    def last_ns(self) -> int | None:
        """Time of the newest sample fed (ns UTC), or None."""
        return self._last_ns

    @property
    def wear_rule(self) -> str:
        """Which non-wear rule applies: ``breathing visible`` or why it is not."""
        return self._wear.rule

    def update(
        self,
        t_ns: NDArray[np.int64],
        acc_mps2: NDArray[np.float64],
        gyr_rads: NDArray[np.float64] | None = None,
        *,
        gap_before: bool = False,
    ) -> list[LiveSecond]:
        """Feed the next samples; returns the seconds completed by them.

        Parameters
        ----------
        t_ns : ndarray, shape (n,), int64
            Sample times, ns UTC, increasing and after the previous chunk's.
        acc_mps2 : ndarray, shape (n, 3)
            m/s².
        gyr_rads : ndarray, shape (n, 3), or None
            rad/s; required iff the engine was made ``with_gyroscope``.
        gap_before : bool
            Samples were lost before this chunk (the filters restart, as in the report).

        Returns
        -------
        list of LiveSecond
            Usually one per second of data; none while the current second is still open.
        """
        t, acc, gyr = self._checked(t_ns, acc_mps2, gyr_rads)
        if t.size == 0:
            return []
        self._probe_resolution(acc)
        max_gap = int(self.settings.max_gap_s * NS_PER_S)
        cut = list(np.flatnonzero(np.diff(t) > max_gap) + 1)
        restart = gap_before or (self._last_ns is not None and int(t[0]) - self._last_ns > max_gap)
        out: list[LiveSecond] = []
        edges = [0, *cut, t.size]
        for k in range(len(edges) - 1):
            a, b = edges[k], edges[k + 1]
            if k > 0 or restart:
                self._tilt.reset()
                self._band.reset()
                self._recent.clear()
            g = None if gyr is None else gyr[a:b]
            up = self._tilt.update(acc[a:b], g)
            band = self._band(row_norms(acc[a:b]))
            out.extend(self._add(t[a:b], acc[a:b], g, up, band))
        self._last_ns = int(t[-1])
        return out

    def _checked(self, t_ns: NDArray[np.int64], acc_mps2: NDArray[np.float64],
                 gyr_rads: NDArray[np.float64] | None
                 ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64] | None]:
        """Validated arrays, without samples whose acceleration is not finite."""
        t = np.asarray(t_ns, dtype=np.int64)
        acc = np.asarray(acc_mps2, dtype=np.float64)
        gyr = None if gyr_rads is None else np.asarray(gyr_rads, dtype=np.float64)
        if acc.shape != (t.size, 3):
            raise ValueError(f"acc_mps2 must have shape ({t.size}, 3), got {acc.shape}")
        if (gyr is not None) != self.with_gyroscope:
            raise ValueError("gyr_rads must be given iff the engine was made with_gyroscope=True")
        if gyr is not None and gyr.shape != acc.shape:
            raise ValueError(f"gyr_rads must have shape {acc.shape}, got {gyr.shape}")
        if t.size == 0:
            return t, acc, gyr
        if np.any(np.diff(t) <= 0) or (self._last_ns is not None and t[0] <= self._last_ns):
            raise ValueError("sample times must increase within and across chunks")
        good = np.isfinite(acc).all(axis=1)
        if not good.all():  # the report drops them too (analysis.epochs.prepare_day)
            log.debug("dropping %d samples with non-finite acceleration", int((~good).sum()))
            t, acc = t[good], acc[good]
            gyr = None if gyr is None else gyr[good]
        return t, acc, gyr

    def _probe_resolution(self, acc: NDArray[np.float64]) -> None:
        """Estimate the quantisation step (when it was not given) from the distinct values seen.

        As :func:`analysis.epochs.features.acc_resolution_mps2`: the median spacing of an axis'
        distinct values, the smallest over the axes. It is decided once ``resolution_probe_s``
        of samples were seen and an axis has at least 4 distinct values (a sensor that has not
        moved at all cannot tell); until then the breathing-visible wear rule applies.
        """
        if self._probe is None:
            return
        self._probe = [np.union1d(v, np.unique(acc[:, i])) for i, v in enumerate(self._probe)]
        self._probe_n += acc.shape[0]
        if self._probe_n < self.live.resolution_probe_s * self.fs_hz:
            return
        res = step_of_distinct_values(self._probe)
        if res > 0.0:
            self._probe = None
            self._wear.set_resolution(res)
            log.info("live wear rule: %s (resolution %.4f m/s²)", self._wear.rule, res)
        elif any(v.size > 4096 for v in self._probe):  # pragma: no cover - defensive bound
            self._probe = None

    def flush(self) -> list[LiveSecond]:
        """Close the open second (end of the stream)."""
        return self._close() if self._open_sec is not None else []

    def open_slouch_s(self) -> float | None:
        """How long the current slouch has lasted at the newest sample, before its second ends.

        Returns the seconds from the slouch's onset to the newest sample when the slouch rule
        was on in the last completed second and the samples of the open second so far keep it
        on: their mean flexion is not below the off threshold, the trunk is not steeper than
        the lying inclination and there is no step-band power of walking. Otherwise None (the
        completed second will tell). This lets an alert fire at the sample that completes
        ``alert_after_s``, not at the end of its second.
        """
        rule = self._slouch
        if not rule.on or rule.prev_sec is None or self._last_ns is None or self.mounting is None:
            return None
        if self._open_sec is not None and self._open_sec != rule.prev_sec + 1:
            return None
        if self._parts:
            s = self.settings
            up = np.concatenate([p.up for p in self._parts])
            u = up[np.isfinite(up).all(axis=1)].sum(axis=0)
            norm = float(np.linalg.norm(u))
            if not norm > 0:
                return None
            flex, _, inc = (float(v[0]) for v in flexion_angles((u / norm)[None, :], self.mounting))
            band = np.concatenate([p.band for p in self._parts])
            if (flex < rule.off_deg or inc > s.lying_inclination_deg
                    or math.sqrt(float(np.mean(band * band))) > s.walking_rms_mps2):
                return None
        return rule.elapsed_s(self._last_ns)

    # -- per second ----------------------------------------------------------------------------

    def _add(self, t: NDArray[np.int64], acc: NDArray[np.float64], gyr: NDArray[np.float64] | None,
             up: NDArray[np.float64], band: NDArray[np.float64]) -> list[LiveSecond]:
        sec = t // NS_PER_S
        out: list[LiveSecond] = []
        starts = np.concatenate(([0], np.flatnonzero(np.diff(sec)) + 1, [sec.size]))
        for i in range(starts.size - 1):
            a, b = int(starts[i]), int(starts[i + 1])
            s = int(sec[a])
            if self._open_sec is not None and s != self._open_sec:
                out.extend(self._close())
            self._open_sec = s
            self._parts.append(_Part(t[a:b], acc[a:b], None if gyr is None else gyr[a:b],
                                     up[a:b], band[a:b]))
        return out

    def _close(self) -> list[LiveSecond]:
        sec = self._open_sec
        assert sec is not None
        parts, self._parts, self._open_sec = self._parts, [], None
        t = np.concatenate([p.t for p in parts])
        acc = np.concatenate([p.acc for p in parts])
        gyr = None if parts[0].gyr is None else np.concatenate([p.gyr for p in parts if p.gyr is not None])
        up = np.concatenate([p.up for p in parts])
        row = feature_row(acc, gyr, np.concatenate([p.band for p in parts]))
        self._recent.append((t, acc))
        good = np.isfinite(up).all(axis=1)
        u = up[good].sum(axis=0) if good.any() else np.full(3, np.nan)
        norm = float(np.linalg.norm(u))
        u = u / norm if norm > 0 else np.full(3, np.nan)
        flex = lat = inc = float("nan")
        if self.mounting is not None and np.isfinite(u).all():
            f, lt, ic = flexion_angles(u[None, :], self.mounting)
            flex, lat, inc = float(f[0]), float(lt[0]), float(ic[0])
        row[COL["inclination_deg"]] = inc
        self._ring.append(sec, row)
        return [self._label(sec, row, flex, lat, inc)]

    def _label(self, sec: int, row: NDArray[np.float64], flex: float, lat: float,
               inc: float) -> LiveSecond:
        s = self.settings
        acc_mean = row[[COL[f"acc_mean_{a}"] for a in "xyz"]]
        worn = self._wear(sec, self._ring, acc_mean)
        context = self._context(sec, worn, inc, self._ring)
        eligible = worn and context in s.slouch_contexts
        on, started = self._slouch.step(sec, eligible, flex)
        if started and self.mounting is not None and self._recent:
            found = onset_ns(np.concatenate([r[0] for r in self._recent]),
                             np.concatenate([r[1] for r in self._recent]), self.mounting,
                             self.fs_hz, self._slouch.on_deg, self._slouch.off_deg)
            if found is not None:  # else the start of the run's first second
                self._slouch.onset_ns = found
        state = ("nonwear" if not worn else context if context in ("lying", "walking")
                 else "slouched" if on else "upright")
        return LiveSecond(
            t_s=sec, flexion_deg=flex, lateral_deg=lat, inclination_deg=inc, state=state,
            context=context, worn=worn, slouching=on, slouch_run_s=int(self._slouch.run_s(sec)),
            slouch_today_min=self._slouch.slouch_s / 60.0, since_break_s=self._breaks(sec, state),
            n_samples=int(row[COL["n_samples"]]),
            slouch_elapsed_s=self._slouch.elapsed_s((sec + 1) * NS_PER_S),
        )
