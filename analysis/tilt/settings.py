"""Settings of the tilt (gravity direction) filter."""

from __future__ import annotations

import math
from dataclasses import dataclass

from vocab.units import require_positive_finite

__all__ = ["TiltSettings"]


@dataclass(frozen=True)
class TiltSettings:
    """Settings of the tilt (gravity direction) filter.

    Attributes
    ----------
    tau_acc_s : float
        Time constant (s) of the 2nd-order Butterworth low-pass applied to the accelerometer in
        the gyroscope-integrated frame (causal, with gyroscope). VQF's default is 3 s.
        Larger: less sensitive to trunk accelerations, more sensitive to gyroscope errors.
    tau_acc_offline_s : float
        The same for the offline (forward–backward) filter; the zero-phase filter applies the
        low-pass twice. 3.5 s (3 s in VQF) was chosen on the BROAD trials (0.522° vs 0.524°
        mean inclination RMSE; 4 s gave the same, 5 s worse).
    tau_acc_only_s : float
        Time constant (s) of the low-pass used without gyroscope (in the sensor frame). This
        trades lag during real posture changes against acceleration errors.
    tau_acc_only_offline_s : float
        The same for the offline accelerometer-only filter (applied forward and backward).
    bias_estimation : bool
        Estimate the gyroscope bias during rest.
    rest_window_s : float
        Preferred length (s) of the windows used for rest detection and for the window-rate
        low-pass of the causal filter. Shorter windows mean a shorter extrapolation from the
        last completed window and a window rate further above the band of body motion (window
        means alias accelerations near the window rate to near 0 Hz), but more per-window
        work. The length used is this, but at least ``min_window_samples`` samples and at most
        ``max_window_s`` (and at least 2 samples): 0.4 s up to 50 Hz, 0.2 s from 100 Hz.
    min_window_samples : int
        Fewest samples per window when ``rest_window_s`` allows it (below ~20 samples the
        per-window numpy work dominates the run time).
    max_window_s : float
        Longest window (s), however few samples it holds.
    rest_min_s : float
        Still windows must last this long (s) before the sensor counts as at rest.
    rest_gyr_dps : float
        A window is still only if the RMS deviation of the angular rate from its window mean
        (norm over axes) is below this, °/s.
    rest_acc_mps2 : float
        ... and the RMS deviation of the acceleration from its window mean is below this, m/s².
    rest_acc_drift_mps2 : float
        ... and the window-mean acceleration moved less than this over the last
        ``rest_min_s``, m/s² (rejects slow, steady rotations that would otherwise look like
        bias; 0.06 m/s² is about 0.35° of tilt).
    bias_clip_dps : float
        ... and the window-mean angular rate is below this, °/s (largest bias believed).
    tau_bias_s : float
        Time constant (s) of the causal bias low-pass during rest.
    motion_bias_estimation : bool
        Also estimate the residual gyroscope bias in motion (causal, with gyroscope) from how
        gravity drifts in the gyroscope frame, and correct the low-pass lag it causes.
    tau_motion_bias_s : float
        Memory (s) of the motion-bias least-squares estimate.
    motion_bias_prior_s : float
        Ridge weight pulling the motion-bias estimate toward the bias currently applied (the
        rest estimate), in seconds of fully informative data.
    rest_bias_weight : float
        Weight of one rest window's mean rate as a direct observation of the bias in the
        motion-bias regression (relative to one window of fully informative motion), so rest
        and motion evidence are fused with the same memory.
    triangular_windows : bool
        Causal filter with gyroscope: feed the window-rate low-pass with triangular (Bartlett)
        window averages spanning two windows instead of plain window means. The plain mean is
        a box filter whose side lobes let accelerations near the window rate (2.5 Hz for
        0.4-s windows: a brisk back-and-forth translation) alias to near 0 Hz, where the
        low-pass passes them; the triangle squares that attenuation (sinc² instead of sinc).
    ramp_tracking : bool
        Use a 3rd-order low-pass without steady-state lag for a linearly drifting input
        (causal, with gyroscope) instead of the 2nd-order Butterworth.
    chunk_samples : int
        Samples processed per vectorised chunk (memory/cache trade-off; results do not depend
        on it beyond rounding).
    """

    tau_acc_s: float = 3.0
    tau_acc_offline_s: float = 3.5
    tau_acc_only_s: float = 1.0
    tau_acc_only_offline_s: float = 0.7
    bias_estimation: bool = True
    rest_window_s: float = 0.2
    min_window_samples: int = 20
    max_window_s: float = 0.4
    rest_min_s: float = 1.5
    rest_gyr_dps: float = 2.0
    rest_acc_mps2: float = 0.5
    rest_acc_drift_mps2: float = 0.06
    bias_clip_dps: float = 5.0
    tau_bias_s: float = 20.0
    motion_bias_estimation: bool = True
    tau_motion_bias_s: float = 30.0
    motion_bias_prior_s: float = 0.05
    rest_bias_weight: float = 1.0
    triangular_windows: bool = False
    ramp_tracking: bool = False
    chunk_samples: int = 131072

    def __post_init__(self) -> None:
        for name in (
            "tau_acc_s",
            "tau_acc_offline_s",
            "tau_acc_only_s",
            "tau_acc_only_offline_s",
            "rest_window_s",
            "max_window_s",
            "rest_gyr_dps",
            "rest_acc_mps2",
            "rest_acc_drift_mps2",
            "bias_clip_dps",
            "tau_bias_s",
            "tau_motion_bias_s",
            "motion_bias_prior_s",
            "rest_bias_weight",
        ):
            require_positive_finite(f"TiltSettings.{name}", getattr(self, name))
        if not (math.isfinite(self.rest_min_s) and self.rest_min_s >= 0):
            raise ValueError(f"TiltSettings.rest_min_s must be >= 0, got {self.rest_min_s!r}")
        if not isinstance(self.min_window_samples, int) or self.min_window_samples < 2:
            raise ValueError(
                f"TiltSettings.min_window_samples must be an int >= 2, got {self.min_window_samples!r}"
            )
        if self.max_window_s < self.rest_window_s:
            raise ValueError(
                f"TiltSettings.max_window_s ({self.max_window_s!r}) must be >= rest_window_s "
                f"({self.rest_window_s!r})"
            )
        if not isinstance(self.chunk_samples, int) or self.chunk_samples < 256:
            raise ValueError(f"TiltSettings.chunk_samples must be an int >= 256, got {self.chunk_samples!r}")
