"""Gravity direction ("up") in the sensor frame from accelerometer (+ gyroscope) samples.

The filter
----------
With a gyroscope the filter follows the idea of VQF (Laidig & Seel 2023, *Information Fusion*
91:187–204): integrate the gyroscope strapdown into an almost-inertial frame ``I``, low-pass
filter the accelerometer **in that frame** (2nd-order Butterworth, time constant ``tau``), and
read the gravity direction from the filtered vector. Heading is irrelevant for posture, so the
inclination correction of VQF reduces to rotating the filtered vector back into the sensor
frame::

    q_k    = q_{k-1} ⊗ exp(½ (ω_k − b_k) Δt)          strapdown, sensor → I
    a_I,k  = R(q_k) a_k                                 accelerometer in I
    g_I,k  = LP_tau(a_I)_k                              linear low-pass in I
    up_k   = R(q_k)ᵀ g_I,k / |g_I,k|                    back to the sensor frame

Every step is either an associative product (the quaternion scan) or linear (the low-pass and
the bias recursions), so the whole recursion is computed *exactly* with vectorised numpy/scipy.
The causal kernel works on a (component, position-in-window, window) layout of each chunk: the
quaternion scan runs inside the 0.4-s windows (vectorised across windows), the orientation at
each window start is a scan over the window totals, accelerations are summed in the window-start
frame and rotated into ``I`` once per window, and the low-pass runs at the window rate
(``scipy.signal.sosfilt`` carrying its state). No warm-up overlap is needed; the result equals
the plain per-sample reference (:func:`_gravity_direction_reference`) to floating-point
rounding. The streaming :class:`TiltFilter` runs the same kernel on each batch
while carrying ``q``, the low-pass state and the bias/rest state, so its concatenated output
equals :func:`gravity_direction` with ``causal=True``.

Gyroscope bias (VQF idea): the recording is cut into short windows; a window is *still* when
the gyroscope and accelerometer vary little inside it, the mean rate is below a clip value and
the mean acceleration has not moved since the previous window. After ``rest_min_s`` of still
windows the sensor is *at rest* and the bias estimate follows the window-mean rate with a
first-order low-pass; it is applied from the next window on (causal). Offline, the bias is the
mean rate of each rest period, interpolated linearly between rest periods.

Start-up and gaps: the low-pass starts with the running mean of the first ``tau`` seconds of
samples (as VQF does) and then continues from that steady state. Rows with any non-finite
value are gaps: their output is NaN and the orientation/low-pass state restarts from the next
good samples. The bias estimate is a property of the sensor and survives gaps.

Accelerometer only: ``up`` is the normalised output of the same Butterworth low-pass applied in
the sensor frame (time constant ``tau_acc_only_s``); offline, forward–backward (zero phase).

Offline (``causal=False``): the same strapdown frame, but the low-pass is run forward and
backward (zero phase: no lag, so neither posture changes nor residual gyroscope bias show up as
a delay), with the offline bias estimate.
"""

from analysis.tilt.causal import TiltFilter
from analysis.tilt.gravity import gravity_direction
from analysis.tilt.settings import TiltSettings

__all__ = ["TiltFilter", "TiltSettings", "gravity_direction"]
