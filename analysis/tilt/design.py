"""Filter design: the constants derived from the settings and the sampling rate.

The accelerometer low-pass is a 2nd-order Butterworth whose cut-off follows from its time
constant ``tau`` as in VQF (``fc = √2 / (2π tau)``). The causal filter runs it at the *window
rate* (one value per ``rest_window_s`` window, the same grid as rest detection); the offline
filter runs it at the full rate, forward and backward.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from analysis.tilt._arrays import DEG, FloatArray
from analysis.tilt.settings import TiltSettings

__all__ = ["FilterDesign", "WindowLowPass", "ramp_tracking_sos", "window_samples"]


def window_samples(settings: TiltSettings, fs: float) -> int:
    """Samples per window at ``fs`` Hz (see ``TiltSettings.rest_window_s``)."""
    preferred = max(round(settings.rest_window_s * fs), settings.min_window_samples)
    return max(2, min(preferred, round(settings.max_window_s * fs)))


def ramp_tracking_sos(w0: float, fs: float) -> FloatArray:
    """3rd-order low-pass with zero steady-state error for a ramp ("type 2"), as sos.

    ``H(s) = (1 + 2 s/w0) / ((1 + s/w0)(1 + s/w0 + s²/w0²))``: the numerator matches the first
    two denominator coefficients, so ``1 − H`` has a double zero at ``s = 0`` and a linearly
    drifting input (gravity rotating in the gyroscope frame because of a constant residual
    bias) passes without lag; above ``w0`` it still falls off as 1/s². Discretised with the
    bilinear transform (which keeps the double zero at z = 1).

    Parameters
    ----------
    w0 : float
        Corner angular frequency, rad/s.
    fs : float
        Rate the filter runs at, Hz.
    """
    num = [2.0 / w0, 1.0]
    den = [1.0 / w0**3, 2.0 / w0**2, 2.0 / w0, 1.0]
    b, a = signal.bilinear(num, den, fs)
    return np.asarray(signal.tf2sos(b, a), dtype=np.float64)


@dataclass(frozen=True)
class FilterDesign:
    """Constants derived from settings and the sampling rate (see :meth:`make`).

    A design is shared by every filter built with the same settings, rate and time constant
    (:meth:`make` caches it), so it is frozen and nothing writes into its arrays (they stay
    writable only because scipy's ``sosfilt`` refuses read-only coefficients).
    """

    fs: float
    dt: float
    sos: FloatArray  # full-rate low-pass (offline filter)
    zi_unit: FloatArray  # (n_sections, 2) steady state of ``sos`` for a unit constant input
    n_init: int  # full-rate start-up samples (offline)
    win: int  # samples per window (rest detection and the window-rate low-pass)
    sos_w: FloatArray  # the same low-pass designed at the window rate fs / win
    zi_unit_w: FloatArray
    n_init_w: int  # start-up windows (running mean) before the window-rate low-pass
    frac: FloatArray  # (win,) extrapolation factor for each position in a window (box windows)
    ramp: FloatArray  # (win,) rising weights (k + ½) / win of the triangular windows
    frac_tri: FloatArray  # (win,) extrapolation factor with triangular windows
    n_rest: int  # still windows needed before the sensor counts as at rest
    alpha_bias: float
    n_bias_mean: int  # rest windows averaged before the exponential bias low-pass takes over
    motion_lambda: float  # per-window forgetting factor of the motion-bias regression
    motion_prior: float  # ridge weight pulling the estimate to the applied bias
    rest_weight: float  # weight of a rest window's mean rate in the motion-bias regression
    th_gyr2: float  # squared thresholds of the rest test: rate spread, rad²/s²
    th_acc2: float  # acceleration spread, m²/s⁴
    th_drift2: float  # drift of the window-mean acceleration, m²/s⁴
    clip2: float  # window-mean rate, rad²/s²

    @property
    def window_s(self) -> float:
        """Window length, s."""
        return self.win * self.dt

    @classmethod
    def make(
        cls, settings: TiltSettings, fs: float, tau: float, ramp_tracking: bool = False
    ) -> FilterDesign:
        """Design for ``settings`` at ``fs`` Hz with low-pass time constant ``tau`` s.

        Designs are cached: the offline filter, its two bias passes and the report's per-day
        filters all ask for the same few, and each design costs two Butterworth designs.

        Raises
        ------
        ValueError
            The low-pass cut-off is not well below the window rate.
        """
        return _cached_design(settings, float(fs), float(tau), bool(ramp_tracking))


@functools.lru_cache(maxsize=64)
def _cached_design(settings: TiltSettings, fs: float, tau: float, ramp_tracking: bool) -> FilterDesign:
    return _new_design(settings, fs, tau, ramp_tracking)


def _new_design(settings: TiltSettings, fs: float, tau: float, ramp_tracking: bool) -> FilterDesign:
    # cut-off of a 2nd-order Butterworth with time constant tau, as in VQF
    fc = math.sqrt(2.0) / (2.0 * math.pi * tau)
    win = window_samples(settings, fs)
    fs_w = fs / win
    if fc >= 0.45 * fs_w:
        raise ValueError(
            f"time constant {tau} s is too short for {win}-sample windows "
            f"at fs_hz={fs}: the low-pass cut-off {fc:.3g} Hz must be below 0.45 * the "
            f"window rate {fs_w:.3g} Hz"
        )
    sos = np.asarray(signal.butter(2, fc, fs=fs, output="sos"), dtype=np.float64)
    if ramp_tracking:
        sos_w = ramp_tracking_sos(2.0 * math.pi * fc, fs_w)
    else:
        sos_w = np.asarray(signal.butter(2, fc, fs=fs_w, output="sos"), dtype=np.float64)
    win_s = win / fs
    return FilterDesign(
        fs=fs,
        dt=1.0 / fs,
        sos=sos,
        zi_unit=np.asarray(signal.sosfilt_zi(sos), dtype=np.float64),
        n_init=max(1, round(tau * fs)),
        win=win,
        sos_w=sos_w,
        zi_unit_w=np.asarray(signal.sosfilt_zi(sos_w), dtype=np.float64),
        n_init_w=max(1, round(tau * fs_w)),
        frac=(np.arange(win) + 0.5 * (win + 1)) / win,
        ramp=(np.arange(win) + 0.5) / win,
        frac_tri=(np.arange(win) + win + 0.5) / win,
        n_rest=max(1, math.ceil(settings.rest_min_s / win_s - 1e-9)),
        alpha_bias=1.0 - math.exp(-win_s / settings.tau_bias_s),
        n_bias_mean=max(1, round(settings.tau_bias_s / win_s)),
        motion_lambda=math.exp(-win_s / settings.tau_motion_bias_s),
        motion_prior=settings.motion_bias_prior_s / win_s,
        rest_weight=settings.rest_bias_weight,
        th_gyr2=(settings.rest_gyr_dps * DEG) ** 2,
        th_acc2=settings.rest_acc_mps2**2,
        th_drift2=settings.rest_acc_drift_mps2**2,
        clip2=(settings.bias_clip_dps * DEG) ** 2,
    )


@dataclass
class WindowLowPass:
    """Start-up running mean, then the window-rate low-pass ``sos_w``, over ``k`` channels.

    The first ``n_init_w`` window means are averaged (running mean, as VQF starts its
    low-pass); the filter then continues from that steady state.
    """

    n_windows: int = 0
    init_sum: FloatArray | None = None
    zi: FloatArray | None = None  # (n_sections, k, 2) once started

    def run(self, design: FilterDesign, means: FloatArray) -> FloatArray:
        """Filter window means (k, W) -> (k, W), carrying the state."""
        k, n_win = means.shape
        out = np.empty((k, n_win))
        if self.init_sum is None:
            self.init_sum = np.zeros(k)
        i = 0
        if self.zi is None:
            j = min(design.n_init_w - self.n_windows, n_win)
            cs = np.cumsum(means[:, :j], axis=1) + self.init_sum[:, None]
            out[:, :j] = cs / (self.n_windows + np.arange(1, j + 1, dtype=np.float64))
            if j:
                self.init_sum = cs[:, -1].copy()
            if self.n_windows + j >= design.n_init_w:
                mean = self.init_sum / design.n_init_w
                self.zi = design.zi_unit_w[:, None, :] * mean[None, :, None]
            i = j
        if i < n_win:
            out[:, i:], self.zi = signal.sosfilt(design.sos_w, means[:, i:], axis=1, zi=self.zi)
        self.n_windows += n_win
        return out
