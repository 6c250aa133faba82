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
* **wear and context**: the thresholds and formulas of :func:`analysis.wear.detect_wear` and
  :func:`analysis.context.classify_context` (same :class:`AnalysisSettings`) evaluated at the
  newest second over the past only (the report's centred windows also see the future; their
  trailing half is used). Changes therefore show with a delay: walking after
  ``walking_min_duration_s`` (5 s), lying after ``lying_min_duration_s`` (20 s), not worn after
  ``wear_min_nonwear_s`` (60 s); the report's relabelling of short wear islands needs the
  future and is not applied. ``tests/analysis/test_live.py`` checks the agreement with the
  report on simulated days;
* **flexion**: :func:`analysis.flexion.flexion_angles` of the second's mean up vector with
  the given :class:`analysis.calibration.Mounting` (the latest one stored or fitted);
* **slouch**: the hysteresis rule of :func:`analysis.episodes.slouch_mask` (on above
  ``slouch_threshold_deg``, off below ``threshold - hysteresis``, only in
  ``slouch_contexts``, reset by gaps > ``slouch_max_gap_s``). The live state is "slouched"
  as soon as the rule is on (that is what an alert needs); today's slouch minutes count a
  run only once it has lasted ``slouch_min_duration_s``, and then all of it, as the report
  does.

A *break* is a run of walking, lying or not-worn seconds lasting at least ``break_min_s``
(:class:`LiveSettings`); time since the last break counts from its end (or from the first
worn second when there has been none).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import signal

from analysis.calibration import Mounting
from analysis.flexion import flexion_angles
from analysis.settings import AnalysisSettings
from analysis.tilt import TiltFilter, TiltSettings
from analysis.wear import G_MPS2
from vocab.units import NS_PER_S

__all__ = ["LIVE_STATES", "LiveEngine", "LiveSecond", "LiveSettings"]

log = logging.getLogger(__name__)


#: Values of :attr:`LiveSecond.state`.
LIVE_STATES: tuple[str, ...] = ("upright", "slouched", "lying", "walking", "nonwear")

# per-second feature columns kept in the history ring (order matters for the ring array)
_FEATURES: tuple[str, ...] = (
    "n_samples",
    *(f"acc_{k}_{a}" for k in ("mean", "sd", "min", "max") for a in "xyz"),
    *(f"gyr_{k}_{a}" for k in ("mean", "sd") for a in "xyz"),
    "step_power",
    "inclination_deg",
)
_COL = {name: i for i, name in enumerate(_FEATURES)}


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
    """

    break_min_s: float = 60.0
    history_s: int = 300

    def __post_init__(self) -> None:
        if not (math.isfinite(self.break_min_s) and self.break_min_s > 0):
            raise ValueError(f"break_min_s must be a positive number of seconds, got {self.break_min_s}")
        if self.history_s < 60:
            raise ValueError(f"history_s must be >= 60 seconds, got {self.history_s}")


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
        Seconds the current slouch has lasted (0 when not slouching).
    slouch_today_min : float
        Slouch minutes of the local day so far, counted as the report counts them.
    since_break_s : float
        Seconds since the last break ended (0 during a break; NaN before the first worn second).
    n_samples : int
        Samples in this second.
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

    @property
    def time(self) -> pd.Timestamp:
        """The second as a UTC timestamp."""
        return pd.Timestamp(self.t_s * NS_PER_S, tz="UTC")


def _floor(sd_within: NDArray[np.float64], n: NDArray[np.float64]) -> float:
    """Noise floor of per-second means (as in :mod:`analysis.wear`): 1st percentile of SD/√n."""
    v = np.nan_to_num(sd_within) / np.sqrt(n)
    v = v[np.isfinite(v)]
    return float(np.percentile(v, 1.0)) if v.size else 0.0


class _StepBand:
    """Causal 1.5–2.5 Hz band-pass of |acc|, applied twice (|H|², like the report's filtfilt)."""

    def __init__(self, fs_hz: float, band: tuple[float, float]) -> None:
        hi = min(band[1], 0.45 * fs_hz)
        if hi <= band[0]:
            raise ValueError(f"sampling rate {fs_hz} Hz is too low for the step band {band}")
        self.sos = signal.butter(2, [band[0], hi], btype="band", fs=fs_hz, output="sos")
        self._zi0 = signal.sosfilt_zi(self.sos)
        self.z1: NDArray[np.float64] | None = None
        self.z2: NDArray[np.float64] | None = None

    def reset(self) -> None:
        self.z1 = self.z2 = None

    def __call__(self, mag: NDArray[np.float64]) -> NDArray[np.float64]:
        if mag.size == 0:
            return mag
        if self.z1 is None or self.z2 is None:
            # start in the steady state of the first value (no step transient)
            self.z1 = self._zi0 * mag[0]
            self.z2 = self._zi0 * 0.0
        y, self.z1 = signal.sosfilt(self.sos, mag, zi=self.z1)
        y, self.z2 = signal.sosfilt(self.sos, y, zi=self.z2)
        return np.asarray(y)


class _Ring:
    """The last ``size`` rows of per-second features (amortised O(1) append)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sec = np.zeros(2 * size, dtype=np.int64)
        self.data = np.full((2 * size, len(_FEATURES)), np.nan)
        self.n = 0

    def append(self, sec: int, row: NDArray[np.float64]) -> None:
        if self.n == self.sec.size:
            keep = self.size - 1
            self.sec[:keep] = self.sec[self.n - keep:self.n]
            self.data[:keep] = self.data[self.n - keep:self.n]
            self.n = keep
        self.sec[self.n] = sec
        self.data[self.n] = row
        self.n += 1


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
    ) -> None:
        if not (math.isfinite(fs_hz) and fs_hz >= 6):
            raise ValueError(f"fs_hz must be >= 6 Hz for the 1.5–2.5 Hz step band, got {fs_hz}")
        self.fs_hz = float(fs_hz)
        self.settings = settings or AnalysisSettings()
        self.live = live or LiveSettings()
        self.with_gyroscope = bool(with_gyroscope)
        self._tz = ZoneInfo(timezone)
        self.mounting = mounting
        self._tilt = TiltFilter(self.fs_hz, with_gyroscope=self.with_gyroscope,
                                settings=tilt_settings)
        self._band = _StepBand(self.fs_hz, self.settings.walking_band_hz)
        self._ring = _Ring(self.live.history_s)
        self._last_ns: int | None = None
        # the open (incomplete) second
        self._open_sec: int | None = None
        self._parts: list[tuple[NDArray[np.float64], NDArray[np.float64] | None,
                                NDArray[np.float64], NDArray[np.float64]]] = []
        # slouch rule state
        self._on = False
        self._prev_sec: int | None = None
        self._run_start: int | None = None
        self._run_rows = 0
        self._run_counted = False
        self._day: str | None = None
        self._slouch_s = 0
        # break state
        self._first_worn: int | None = None
        self._away_start: int | None = None
        self._last_break_end: int | None = None
        # wear / context edge state
        self._last_still: int | None = None
        self._floors: dict[str, float] | None = None
        self._floors_at = 0
        self._still_start: int | None = None
        self._last_nonwear: int | None = None
        self._lying_start: int | None = None
        self._walk_start: int | None = None

    # -- input ---------------------------------------------------------------------------------

    def set_mounting(self, mounting: Mounting | None) -> None:
        """Use another mounting from the next second on (e.g. after a live calibration)."""
        self.mounting = mounting

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
            return []
        if np.any(np.diff(t) <= 0) or (self._last_ns is not None and t[0] <= self._last_ns):
            raise ValueError("sample times must increase within and across chunks")
        good = np.isfinite(acc).all(axis=1)
        if not good.all():  # the report drops them too (analysis.epochs.prepare_day)
            log.debug("dropping %d samples with non-finite acceleration", int((~good).sum()))
            t, acc = t[good], acc[good]
            gyr = None if gyr is None else gyr[good]
            if t.size == 0:
                return []
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
            g = None if gyr is None else gyr[a:b]
            up = self._tilt.update(acc[a:b], g)
            band = self._band(np.linalg.norm(acc[a:b], axis=1))
            out.extend(self._add(t[a:b], acc[a:b], g, up, band))
        self._last_ns = int(t[-1])
        return out

    def flush(self) -> list[LiveSecond]:
        """Close the open second (end of the stream)."""
        return self._close() if self._open_sec is not None else []

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
            self._parts.append((acc[a:b], None if gyr is None else gyr[a:b], up[a:b], band[a:b]))
        return out

    def _close(self) -> list[LiveSecond]:
        sec = self._open_sec
        assert sec is not None
        acc = np.concatenate([p[0] for p in self._parts])
        gyrs = [p[1] for p in self._parts]
        gyr = None if gyrs[0] is None else np.concatenate([g for g in gyrs if g is not None])
        up = np.concatenate([p[2] for p in self._parts])
        band = np.concatenate([p[3] for p in self._parts])
        self._parts = []
        self._open_sec = None
        row = np.full(len(_FEATURES), np.nan)
        row[_COL["n_samples"]] = acc.shape[0]
        for i, ax in enumerate("xyz"):
            x = acc[:, i]
            row[_COL[f"acc_mean_{ax}"]] = x.mean()
            row[_COL[f"acc_sd_{ax}"]] = x.std()
            row[_COL[f"acc_min_{ax}"]] = x.min()
            row[_COL[f"acc_max_{ax}"]] = x.max()
            if gyr is not None:
                row[_COL[f"gyr_mean_{ax}"]] = gyr[:, i].mean()
                row[_COL[f"gyr_sd_{ax}"]] = gyr[:, i].std()
        row[_COL["step_power"]] = float(np.mean(band * band))
        good = np.isfinite(up).all(axis=1)
        u = up[good].sum(axis=0) if good.any() else np.full(3, np.nan)
        norm = float(np.linalg.norm(u))
        u = u / norm if norm > 0 else np.full(3, np.nan)
        flex = lat = inc = float("nan")
        if self.mounting is not None and np.isfinite(u).all():
            f, lt, ic = flexion_angles(u[None, :], self.mounting)
            flex, lat, inc = float(f[0]), float(lt[0]), float(ic[0])
        row[_COL["inclination_deg"]] = inc
        self._ring.append(sec, row)
        return [self._label(sec, row, flex, lat, inc)]

    def _wear_edge(self, sec: int) -> bool:
        """Worn at the newest second: :func:`analysis.wear.detect_wear`'s rules, past only.

        Per-axis SD and range of the per-second means over the trailing half of the centred
        window, limits raised to ``wear_noise_ratio`` × the noise floor (1st percentile over the
        history), the gyroscope test, the window dilation, ``wear_min_nonwear_s`` for a still
        run and ``wear_handling_s`` of handling around non-wear. The island rule needs the
        future and is not applied.
        """
        s = self.settings
        r = self._ring
        lo = max(r.n - r.size, 0)
        secs = r.sec[lo:r.n]
        data = r.data[lo:r.n]
        w = int(s.wear_window_s)
        half = max(w // 2, 1)
        win = data[secs >= sec - half]
        if self._floors is None or sec - self._floors_at >= 10:
            # noise floors change slowly: recomputed every 10 s
            n = np.maximum(data[:, _COL["n_samples"]], 1.0)
            self._floors = {c: _floor(data[:, _COL[c]], n)
                            for c in (*(f"acc_sd_{a}" for a in "xyz"), *(f"gyr_sd_{a}" for a in "xyz"))}
            self._floors_at = sec
        floors = self._floors
        still = win.shape[0] >= half
        if still:
            sd_thr = s.wear_sd_mg * G_MPS2 / 1000.0
            rng_thr = s.wear_range_mg * G_MPS2 / 1000.0
            axes = 0
            for ax in "xyz":
                m = win[:, _COL[f"acc_mean_{ax}"]]
                floor = floors[f"acc_sd_{ax}"]
                lim_sd = max(sd_thr, s.wear_noise_ratio * floor)
                lim_rng = max(rng_thr, 4.0 * s.wear_noise_ratio * floor)
                axes += int(m.std() < lim_sd and m.max() - m.min() < lim_rng)
            still = axes >= s.wear_axes_still
            gm = data[:, _COL["gyr_mean_x"]]
            if still and np.isfinite(gm).mean() > 0.5:
                gvar = 0.0
                gfloor = 0.0
                for ax in "xyz":
                    g = win[:, _COL[f"gyr_mean_{ax}"]]
                    g = g[np.isfinite(g)]
                    gvar += float(g.var()) if g.size >= half else float("nan")
                    gfloor += floors[f"gyr_sd_{ax}"] ** 2
                lim = max(np.deg2rad(s.wear_gyro_sd_dps), s.wear_noise_ratio * math.sqrt(gfloor))
                still = not math.sqrt(gvar) >= lim  # NaN (too few) passes, as in detect_wear
        if still:
            self._last_still = sec
        dilated = self._last_still is not None and sec - self._last_still <= half
        if dilated:
            if self._still_start is None:
                self._still_start = sec
        else:
            self._still_start = None
        if self._still_start is not None and sec - self._still_start + 1 >= s.wear_min_nonwear_s:
            self._last_nonwear = sec
        return not (self._last_nonwear is not None
                    and sec - self._last_nonwear <= int(s.wear_handling_s))

    def _context_edge(self, sec: int, worn: bool, inc: float) -> str:
        """Context at the newest second: :func:`analysis.context.classify_context`, past only."""
        s = self.settings
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
        r = self._ring
        lo = max(r.n - r.size, 0)
        secs = r.sec[lo:r.n]
        # pandas' centred window of 4 spans t-2..t+1; only t-2..t exist yet
        p = r.data[lo:r.n][secs >= sec - int(s.walking_window_s) // 2, _COL["step_power"]]
        walking = math.sqrt(float(np.nan_to_num(p).mean())) > s.walking_rms_mps2
        if walking:
            if self._walk_start is None:
                self._walk_start = sec
        else:
            self._walk_start = None
        if self._walk_start is not None and sec - self._walk_start + 1 >= s.walking_min_duration_s:
            return "walking"
        return "upright"

    def _label(self, sec: int, row: NDArray[np.float64], flex: float, lat: float,
               inc: float) -> LiveSecond:
        s = self.settings
        worn = self._wear_edge(sec)
        context = self._context_edge(sec, worn, inc)
        # slouch hysteresis (analysis.episodes.slouch_mask, one second at a time)
        eligible = worn and context in s.slouch_contexts and math.isfinite(flex)
        broke = self._prev_sec is None or sec - self._prev_sec > 1 + s.slouch_max_gap_s
        was_on = self._on and not broke
        if not eligible or flex < s.slouch_threshold_deg - s.slouch_hysteresis_deg:
            on = False
        elif flex > s.slouch_threshold_deg:
            on = True
        else:
            on = was_on
        self._roll_day(sec)
        if on and not was_on:
            self._run_start, self._run_rows, self._run_counted = sec, 0, False
        if on:
            self._run_rows += 1
            assert self._run_start is not None
            if self._run_counted:
                self._slouch_s += 1
            elif sec - self._run_start + 1 >= s.slouch_min_duration_s:
                self._run_counted = True
                self._slouch_s += self._run_rows
        else:
            self._run_start, self._run_rows, self._run_counted = None, 0, False
        self._on = on
        self._prev_sec = sec
        run_s = sec - self._run_start + 1 if on and self._run_start is not None else 0
        state = ("nonwear" if not worn else context if context in ("lying", "walking")
                 else "slouched" if on else "upright")
        since = self._breaks(sec, state)
        return LiveSecond(
            t_s=sec, flexion_deg=flex, lateral_deg=lat, inclination_deg=inc, state=state,
            context=context, worn=worn, slouching=on, slouch_run_s=int(run_s),
            slouch_today_min=self._slouch_s / 60.0, since_break_s=since,
            n_samples=int(row[_COL["n_samples"]]),
        )

    def _roll_day(self, sec: int) -> None:
        day = datetime.fromtimestamp(sec, tz=self._tz).date().isoformat()
        if day != self._day:
            self._day = day
            self._slouch_s = 0

    def _breaks(self, sec: int, state: str) -> float:
        sitting = state in ("upright", "slouched")
        if sitting and self._first_worn is None:
            self._first_worn = sec
        if not sitting:
            if self._away_start is None:
                self._away_start = sec
            if sec - self._away_start + 1 >= self.live.break_min_s:
                self._last_break_end = sec + 1
                return 0.0
        else:
            self._away_start = None
        ref = self._last_break_end if self._last_break_end is not None else self._first_worn
        return float("nan") if ref is None else float(max(sec + 1 - ref, 0))
