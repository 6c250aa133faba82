"""Gravity direction ("up") in the sensor frame from accelerometer (+ gyroscope) samples.

With a gyroscope the filter follows the idea of VQF (Laidig & Seel 2023, *Information Fusion*
91:187–204): integrate the gyroscope strapdown into an almost-inertial frame ``I``, low-pass
filter the accelerometer **in that frame** (2nd-order Butterworth, time constant ``tau``), and
read the gravity direction from the filtered vector::

    q_k    = q_{k-1} ⊗ exp(½ (ω_k − b_k) Δt)          strapdown, sensor → I
    g_I,k  = LP_tau(R(q) a)_k                           low-pass in I (at the window rate)
    up_k   = R(q_k)ᵀ g_I,k / |g_I,k|                    back to the sensor frame

The gyroscope bias is estimated at rest and, in motion, from how gravity drifts in ``I``.
Every step is an associative product or linear, so the recursion is computed exactly with
vectorised numpy/scipy. Without a gyroscope the low-pass runs in the sensor frame. Offline
(``causal=False``) the low-pass is zero-phase. Design and measured accuracy: ``docs/tilt.md``.

Modules: :mod:`~analysis.tilt.settings` (``TiltSettings``), :mod:`~analysis.tilt.design`
(constants from settings and rate), :mod:`~analysis.tilt.bias` (rest and motion bias),
:mod:`~analysis.tilt.kernel` (the causal kernel) and :mod:`~analysis.tilt.state`
(what it carries), :mod:`~analysis.tilt.causal`
(``TiltFilter``), :mod:`~analysis.tilt.offline`, :mod:`~analysis.tilt.gravity`
(``gravity_direction``).
"""

from analysis.tilt.causal import TiltFilter
from analysis.tilt.gravity import gravity_direction
from analysis.tilt.settings import TiltSettings

__all__ = ["TiltFilter", "TiltSettings", "gravity_direction"]
