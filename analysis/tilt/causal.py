"""The streaming (causal) tilt filter: :class:`TiltFilter`."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from analysis.tilt._arrays import (
    FloatArray,
    all_finite,
    check_inputs,
    check_rate,
    good_rows,
    normalized_columns,
    runs,
)
from analysis.tilt.design import FilterDesign
from analysis.tilt.kernel import gyro_piece, window_lowpass
from analysis.tilt.settings import TiltSettings
from analysis.tilt.state import KernelState, LowPassState, OpenWindow

__all__ = ["TiltFilter"]


class TiltFilter:
    """Causal gravity-direction filter fed batch by batch.

    The concatenated outputs of :meth:`update` equal ``gravity_direction(all_acc, all_gyr, fs,
    causal=True)`` (to ~1e-10°), however the data are split into batches.

    Parameters
    ----------
    fs_hz : float
        Sampling rate, Hz.
    with_gyroscope : bool
        Whether gyroscope samples will be supplied (fixed for the filter's life).
    settings : TiltSettings, optional

    Raises
    ------
    ValueError
        A non-finite or non-positive rate, settings of the wrong type, or a low-pass time
        constant too short for the window rate.
    """

    def __init__(
        self, fs_hz: float, *, with_gyroscope: bool = True, settings: TiltSettings | None = None
    ) -> None:
        self.fs_hz = check_rate(fs_hz)
        self.settings = settings if settings is not None else TiltSettings()
        if not isinstance(self.settings, TiltSettings):
            raise ValueError(f"settings must be a TiltSettings, got {type(settings).__name__}")
        self.with_gyroscope = bool(with_gyroscope)
        tau = self.settings.tau_acc_s if self.with_gyroscope else self.settings.tau_acc_only_s
        self._design = FilterDesign.make(
            self.settings, self.fs_hz, tau, self.with_gyroscope and self.settings.ramp_tracking
        )
        self._state = KernelState()
        self.reset()

    def reset(self) -> None:
        """Forget orientation and low-pass state (e.g. after a gap); the bias is kept."""
        self._state.open_window = OpenWindow()
        self._state.lowpass = LowPassState()
        self._state.rest.restart_windows()

    @property
    def gyroscope_bias_rads(self) -> FloatArray:
        """Current gyroscope bias estimate, shape (3,), rad/s."""
        return self._state.rest.bias.copy()

    def record_bias_equations(self, *, equations_only: bool = False) -> list[FloatArray]:
        """Start recording the per-window normal equations of the motion-bias regression.

        Returns the list the (9, W) arrays of each later piece are appended to (until the
        next :meth:`reset`): the 6 distinct entries of the exponentially weighted information
        matrix ``A`` (00, 01, 02, 11, 12, 22) and the right-hand side ``q`` of ``A b = q``
        (without the ridge); used by the offline filter. With ``equations_only`` the
        per-sample output is not computed until then (:meth:`update` returns NaN rows), which
        saves about a sixth of the work.
        """
        record: list[FloatArray] = []
        self._state.lowpass.motion.record = record
        self._state.lowpass.motion.equations_only = equations_only
        return record

    def update(
        self, acc_mps2: ArrayLike, gyr_rads: ArrayLike | None = None, *, gap_before: bool = False
    ) -> FloatArray:
        """Filter the next batch.

        Parameters
        ----------
        acc_mps2 : array_like, shape (n, 3)
            Accelerometer, m/s² (specific force: +g on the axis pointing up at rest).
        gyr_rads : array_like, shape (n, 3), or None
            Gyroscope, rad/s; required iff the filter was made ``with_gyroscope``.
        gap_before : bool
            Samples were lost before this batch: restart the state first.

        Returns
        -------
        ndarray, shape (n, 3)
            Unit up vector in the sensor frame; NaN rows where the input row is not finite.

        Raises
        ------
        ValueError
            Bad shapes or dtypes, or a gyroscope given to an accelerometer-only filter (or
            missing for a filter made ``with_gyroscope``).
        """
        acc, gyr = check_inputs(acc_mps2, gyr_rads)
        if (gyr is not None) != self.with_gyroscope:
            raise ValueError(
                "gyr_rads must be given for a filter made with_gyroscope=True and None otherwise"
            )
        if gap_before:
            self.reset()
        n = acc.shape[0]
        out = np.empty((n, 3))
        # checked chunk by chunk, so the data are still in cache when the kernel reads them
        m = self._design.win
        step = max(m, self.settings.chunk_samples // m * m)  # whole windows: no split windows
        for i in range(0, n, step):
            a = acc[i : i + step]
            g = None if gyr is None else gyr[i : i + step]
            o = out[i : i + step]
            if all_finite(a, g):
                self._process(a, g, o)
                continue
            good = good_rows(a, g)
            o[~good] = np.nan
            for start, stop in runs(good):
                if start > 0:  # after a gap
                    self.reset()
                self._process(a[start:stop], None if g is None else g[start:stop], o[start:stop])
            if not good[-1]:
                self.reset()
        return out

    def _process(self, acc: FloatArray, gyr: FloatArray | None, out: FloatArray) -> None:
        """Filter a gap-free block into ``out`` (n, 3)."""
        m = self._design.win
        if gyr is None:
            # whole windows per chunk, so no open window has to be carried between chunks
            c = max(m, self.settings.chunk_samples // m * m)
            for i in range(0, acc.shape[0], c):
                a = np.ascontiguousarray(acc[i : i + c].T)
                lowpassed = window_lowpass(self._design, self._state.lowpass, a)
                out[i : i + c] = normalized_columns(lowpassed)
            return
        # gyroscope: complete the open window, then whole windows, then start a new one
        n = acc.shape[0]
        i = 0
        n_carried = self._state.open_window.count
        if n_carried:
            i = min(m - n_carried, n)
            self._piece(acc[:i], gyr[:i], out[:i], i, 1)
        per_chunk = max(1, self.settings.chunk_samples // m)
        n_win = (n - i) // m
        while n_win > 0:
            w = min(per_chunk, n_win)
            j = i + w * m
            self._piece(acc[i:j], gyr[i:j], out[i:j], m, w)
            i, n_win = j, n_win - w
        if i < n:
            self._piece(acc[i:], gyr[i:], out[i:], n - i, 1)

    def _piece(
        self, acc: FloatArray, gyr: FloatArray, out: FloatArray, n_pos: int, n_win: int
    ) -> None:
        gyro_piece(
            self._design,
            self._state,
            acc,
            gyr,
            out,
            n_pos,
            n_win,
            bias_estimation=self.settings.bias_estimation,
            motion_bias_estimation=self.settings.motion_bias_estimation,
            triangular_windows=self.settings.triangular_windows,
        )
