"""Per-sample UTC times from the nominal rate, device timestamps and notification arrival times.

Method
------
bleak gives no timestamps: the consumer stamps each notification with the host's UTC clock on
arrival. An arrival is *never earlier* than the moment its last sample was taken; it is later by
a latency of 0 to one connection interval (7.5 ms to hundreds of ms) plus host delays, and
notifications arrive in bursts. So the sample-time line is the **lower envelope** of the
arrival times, not a least-squares fit through them.

Every sample gets a nominal position ``x`` (ns): ``x = k · P`` for sample index ``k`` since the
last anchor and nominal period ``P = 1e9 / rate`` or, with device timestamps (Polar H10),
``x = device_time − device_time_at_anchor``. The model is::

    t(x) = T0 + x · (1 + b) + a

with ``T0`` the anchor (an integer ns), ``b`` the fractional clock drift of the sensor relative
to the host (``+30e-6`` = sensor period 30 ppm longer than nominal) and ``a`` an offset. For
each notification, ``e = arrival − T0 − x_last`` is recorded.

* **Drift** ``b`` (slowly adapting): the ``e`` values are reduced to their minimum per block of
  ``block_s`` seconds; over a sliding window of ``slope_window_s`` the slope is estimated with
  the linear-programming lower-envelope estimator of Moon, Skelly & Towsley (1999, "Estimation
  and removal of clock skew from network delay measurements"): the edge of the lower convex
  hull of the block minima that spans their mean ``x``. The estimate enters ``b`` through an
  exponential filter with time constant ``rate_time_constant_s`` (the first fit, once the
  window spans ``min_fit_span_s``, is taken directly unless a rate is already known).
* **Offset** ``a``: the tightest line of slope ``b`` below every ``e`` of the last
  ``offset_window_s`` (block minima plus the current block); a notification that arrives
  earlier than the line allows pulls the line down at once.
* **Gaps**: a notification arriving more than ``max(min_gap_s, gap_factor × L)`` after the
  line's prediction for its last sample (``L``: slowly averaged latency spread per block)
  means samples are missing → ``gap_before`` and re-anchor on this notification (the drift
  estimate is kept). With device timestamps, a jump of more than ``device_gap_periods`` nominal
  periods between consecutive samples is a gap (no re-anchor needed); a timestamp that goes
  backwards or jumps by more than ``max_device_jump_s`` (strap restarted) re-anchors.
* **Monotonic**: the assigned times are clamped so they increase by at least
  ``min_step_fraction × P`` — within a call, across calls and across :meth:`SampleClock.reset`.

:meth:`SampleClock.assign` is vectorised over the samples of one notification; the per-block
work (hull of ≤ ``slope_window_s / block_s`` points) runs once per block.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from vocab.units import require_positive_finite

__all__ = ["ClockResult", "SampleClock", "lower_hull_slope"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockResult:
    """Times assigned to the samples of one notification.

    Attributes
    ----------
    t_ns : ndarray, shape (n,), int64
        UTC nanoseconds since the Unix epoch, strictly increasing (also across calls).
    gap_before : bool
        Samples were lost before these (gap detected, or first call after :meth:`SampleClock.reset`).
    """

    t_ns: np.ndarray
    gap_before: bool


def lower_hull_slope(x: np.ndarray, y: np.ndarray) -> float | None:
    """Slope of the lower-convex-hull edge of ``(x, y)`` spanning ``mean(x)``.

    This is the linear-programming skew estimator (Moon et al. 1999): the line below every
    point that maximises the sum of its values at the points.

    Parameters
    ----------
    x, y : ndarray, shape (m,)
        Points sorted by strictly increasing ``x``.

    Returns
    -------
    float or None
        The slope (``y`` units per ``x`` unit), or ``None`` with fewer than two points.
    """
    m = int(x.size)
    if m < 2:
        return None
    hull: list[int] = []
    for i in range(m):
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            cross = (x[a] - x[o]) * (y[i] - y[o]) - (y[a] - y[o]) * (x[i] - x[o])
            if cross <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    xm = float(np.mean(x))
    for j in range(len(hull) - 1):
        i0, i1 = hull[j], hull[j + 1]
        if x[i1] >= xm:
            return float((y[i1] - y[i0]) / (x[i1] - x[i0]))
    i0, i1 = hull[-2], hull[-1]
    return float((y[i1] - y[i0]) / (x[i1] - x[i0]))


class SampleClock:
    """Reconstruct per-sample UTC times for one sensor stream (see the module docstring).

    Parameters
    ----------
    nominal_rate_hz : float
        The configured output rate.
    has_device_time : bool
        Whether :meth:`assign` receives per-sample device timestamps (Polar H10).
    gap_factor : float
        A notification later than ``gap_factor`` × the typical latency spread (and at least
        ``min_gap_s``) beyond the prediction declares a gap.
    min_gap_s : float
        Smallest arrival delay treated as a gap, seconds.
    block_s : float
        Length of the blocks whose minimum arrival residual enters the envelope fit, seconds.
    slope_window_s : float
        Window of block minima used for the drift estimate, seconds.
    offset_window_s : float
        Window of block minima used for the offset, seconds.
    rate_time_constant_s : float
        Time constant of the exponential filter on the drift estimate, seconds.
    min_fit_span_s : float
        Span of block minima needed before the drift is estimated, seconds.
    max_drift : float
        Bound on ``|b|`` (fractional rate error), e.g. 0.5 = ±50 %.
    device_gap_periods : float
        With device time, a jump of more than this many nominal periods between consecutive
        samples is a gap.
    max_device_jump_s : float
        With device time, a larger forward jump (or any backward step) re-anchors.
    min_step_fraction : float
        Minimum spacing of assigned times, as a fraction of the nominal period.
    """

    def __init__(
        self,
        nominal_rate_hz: float,
        *,
        has_device_time: bool = False,
        gap_factor: float = 4.0,
        min_gap_s: float = 0.5,
        block_s: float = 5.0,
        slope_window_s: float = 600.0,
        offset_window_s: float = 30.0,
        rate_time_constant_s: float = 120.0,
        min_fit_span_s: float = 60.0,
        max_drift: float = 0.5,
        device_gap_periods: float = 2.5,
        max_device_jump_s: float = 3600.0,
        min_step_fraction: float = 0.25,
    ) -> None:
        require_positive_finite("nominal_rate_hz", nominal_rate_hz)
        for nm, v in {
            "gap_factor": gap_factor,
            "block_s": block_s,
            "slope_window_s": slope_window_s,
            "offset_window_s": offset_window_s,
            "rate_time_constant_s": rate_time_constant_s,
            "max_drift": max_drift,
            "device_gap_periods": device_gap_periods,
            "max_device_jump_s": max_device_jump_s,
            "min_step_fraction": min_step_fraction,
        }.items():
            require_positive_finite(nm, v)
        if not (math.isfinite(min_gap_s) and min_gap_s >= 0):
            raise ValueError(f"min_gap_s must be >= 0, got {min_gap_s}")
        self.nominal_rate_hz = float(nominal_rate_hz)
        self.has_device_time = has_device_time
        self.gap_factor = gap_factor
        self._period = 1e9 / self.nominal_rate_hz
        self._min_gap = min_gap_s * 1e9
        self._block = block_s * 1e9
        self._slope_blocks = max(2, int(round(slope_window_s / block_s)))
        self._offset_blocks = max(1, int(round(offset_window_s / block_s)))
        self._alpha = min(1.0, block_s / rate_time_constant_s)
        self._min_span = min_fit_span_s * 1e9
        self._max_drift = max_drift
        self._dev_gap = device_gap_periods * self._period
        self._max_dev_jump = max_device_jump_s * 1e9
        self._step = max(1, int(min_step_fraction * self._period))
        self._b = 0.0
        self._rate_known = False
        self._latency_spread = 0.05e9  # ns; prior before the first block
        self._last_t: int | None = None
        self._pending_gap = False
        self._k = 0  # next sample index since the anchor (no device time)
        self._d0 = 0  # device time at the anchor
        self._last_dev = 0  # last device time seen
        self._anchor(0, 0.0)
        self._anchored = False

    # ------------------------------------------------------------------ public
    @property
    def drift(self) -> float:
        """Fractional drift ``b``: the sensor's period is ``(1 + b)`` × nominal."""
        return self._b

    @property
    def effective_rate_hz(self) -> float:
        """The sensor's rate on the host clock, Hz."""
        return self.nominal_rate_hz / (1.0 + self._b)

    def reset(self) -> None:
        """Re-anchor on the next notification (after a reconnect); keep the drift estimate.

        The next :meth:`assign` reports ``gap_before``; times stay strictly increasing.
        """
        self._anchored = False
        self._pending_gap = True

    def _device_times(self, n: int, device_time_ns: np.ndarray | None) -> np.ndarray | None:
        """Checked per-sample device times (int64, shape (n,), increasing), or None if unused."""
        if not self.has_device_time:
            return None
        if device_time_ns is None:
            raise ValueError("device_time_ns is required when has_device_time=True")
        dev = np.asarray(device_time_ns, dtype=np.int64)
        if dev.shape != (n,):
            raise ValueError(f"device_time_ns must have shape ({n},), got {dev.shape}")
        if n > 1 and not bool(np.all(np.diff(dev) > 0)):
            raise ValueError("device_time_ns must be strictly increasing")
        return dev

    def assign(
        self, n_samples: int, arrival_ns: int, device_time_ns: np.ndarray | None = None
    ) -> ClockResult:
        """Times for the ``n_samples`` samples of one notification.

        Parameters
        ----------
        n_samples : int
            Samples decoded from the notification (0 allowed: returns an empty result).
        arrival_ns : int
            Host UTC time the notification arrived, ns since the Unix epoch.
        device_time_ns : ndarray, shape (n_samples,), int64, optional
            Per-sample device timestamps (required when ``has_device_time``; ignored otherwise).

        Returns
        -------
        ClockResult
            ``t_ns`` (n_samples,) int64 strictly increasing, and ``gap_before``.

        Raises
        ------
        ValueError
            Negative ``n_samples``, missing or mis-shaped ``device_time_ns``, or device
            timestamps that do not increase within the notification.
        """
        n = int(n_samples)
        if n < 0:
            raise ValueError(f"n_samples must be >= 0, got {n_samples}")
        if n == 0:
            return ClockResult(np.zeros(0, dtype=np.int64), False)
        arrival = int(arrival_ns)
        dev = self._device_times(n, device_time_ns)
        gap = self._pending_gap
        self._pending_gap = False

        if not self._anchored:
            xs = self._positions(n, dev, anchor=True)
            self._anchor(arrival, float(xs[-1]))
        else:
            if dev is not None:
                jump = int(dev[0]) - self._last_dev
                if jump <= 0 or jump > self._max_dev_jump:
                    logger.info("clock: device time jumped by %d ns; re-anchoring", jump)
                    gap = True
                    xs = self._positions(n, dev, anchor=True)
                    self._anchor(arrival, float(xs[-1]))
                else:
                    if jump > self._dev_gap:
                        gap = True
                    xs = self._positions(n, dev, anchor=False)
            else:
                xs = self._positions(n, dev, anchor=False)
                x_last = float(xs[-1])
                resid = (arrival - self._t0) - x_last - self._line(x_last)
                if resid > max(self._min_gap, self.gap_factor * self._latency_spread):
                    logger.info("clock: notification %.3f s late; gap, re-anchoring", resid / 1e9)
                    gap = True
                    xs = self._positions(n, dev, anchor=True)
                    self._anchor(arrival, float(xs[-1]))

        x_last = float(xs[-1])
        self._observe(x_last, float(arrival - self._t0) - x_last)
        if dev is not None:
            self._last_dev = int(dev[-1])
        else:
            self._k += n

        rel = xs * (1.0 + self._b) + self._a
        t = self._t0 + np.rint(rel).astype(np.int64)
        t = self._monotonic(t)
        self._last_t = int(t[-1])
        return ClockResult(t, gap)

    # ------------------------------------------------------------------ internals
    def _positions(self, n: int, dev: np.ndarray | None, *, anchor: bool) -> np.ndarray:
        """Nominal positions ``x`` (ns, float64) of the samples of this notification."""
        if dev is not None:
            if anchor:
                self._d0 = int(dev[0])
            return (dev - np.int64(self._d0)).astype(np.float64)
        k0 = 0 if anchor else self._k
        if anchor:
            self._k = 0
        return (k0 + np.arange(n, dtype=np.float64)) * self._period

    def _anchor(self, arrival: int, x_last: float) -> None:
        """Start a new reference line through this arrival (drift and latency scale kept)."""
        self._t0 = int(arrival - round(x_last))
        self._anchored = True
        self._blocks: deque[tuple[float, float, float]] = deque(maxlen=self._slope_blocks)
        self._cur_id: int | None = None
        self._cur_x = 0.0
        self._cur_e = math.inf
        self._cur_emax = -math.inf
        self._a_done = math.inf
        self._a = 0.0

    def _line(self, x: float) -> float:
        """Current envelope (ns, relative to ``T0 + x``) at position ``x``."""
        return self._a + self._b * x

    def _observe(self, x: float, e: float) -> None:
        """Add one notification's residual ``e`` at position ``x`` to the envelope state."""
        bid = int(x // self._block)
        if self._cur_id is not None and bid != self._cur_id:
            self._close_block()
        if self._cur_id is None or bid != self._cur_id:
            self._cur_id = bid
            self._cur_x, self._cur_e, self._cur_emax = x, e, e
        else:
            if e < self._cur_e:
                self._cur_x, self._cur_e = x, e
            self._cur_emax = max(self._cur_emax, e)
        cur = self._cur_e - self._b * self._cur_x
        self._a = min(self._a_done, cur)

    def _close_block(self) -> None:
        """Finish the current block: update drift, latency spread and the offset floor."""
        self._blocks.append((self._cur_x, self._cur_e, self._cur_emax))
        spread = self._cur_emax - self._cur_e
        self._latency_spread += 0.1 * (spread - self._latency_spread)
        if len(self._blocks) >= 2:
            bx = np.fromiter((b[0] for b in self._blocks), dtype=np.float64)
            be = np.fromiter((b[1] for b in self._blocks), dtype=np.float64)
            if bx[-1] - bx[0] >= self._min_span:
                slope = lower_hull_slope(bx, be)
                if slope is not None and math.isfinite(slope):
                    slope = min(self._max_drift, max(-self._max_drift, slope))
                    if self._rate_known:
                        self._b += self._alpha * (slope - self._b)
                    else:
                        self._b = slope
                        self._rate_known = True
        recent = list(self._blocks)[-self._offset_blocks :]
        self._a_done = min(e - self._b * x for x, e, _ in recent)

    def _monotonic(self, t: np.ndarray) -> np.ndarray:
        """Clamp ``t`` so it increases by at least the minimum step, after the last time."""
        steps = np.arange(t.size, dtype=np.int64) * np.int64(self._step)
        c = t - steps
        if self._last_t is not None:
            c[0] = max(int(c[0]), self._last_t + self._step)
        out: np.ndarray = np.maximum.accumulate(c) + steps
        return out
