"""State the causal kernel carries between pieces, and its reusable work arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from analysis.tilt._arrays import FloatArray
from analysis.tilt.bias import MotionBiasState, RestState
from analysis.tilt.design import WindowLowPass

__all__ = ["KernelState", "LowPassState", "OpenWindow", "Workspace"]

# rows of the per-window sums (see OpenWindow.sums)
RATE, RATE_SQ, ACC, ACC_SQ = slice(0, 3), 3, slice(4, 7), 7
RAW = slice(0, 8)  # raw sums for rest detection
ACC_LOCAL, ROT_LOCAL = slice(8, 11), slice(11, 20)
ACC_RAMP, ROT_RAMP = slice(20, 23), slice(23, 32)  # the same weighted by design.ramp
N_SUMS = 32


@dataclass
class OpenWindow:
    """The window in progress of the causal gyroscope filter.

    ``sums`` (32,): Σω, Σ|ω|², Σa, Σ|a|² (raw, for rest detection), Σ R_loc a (3) and
    Σ R_loc (9), then the last two weighted by the rising ramp (triangular windows), with ``R_loc`` the rotation from the window start (``start_a, start_b``,
    sensor → ``I``) to each sample; ``local_a, local_b`` is that rotation at the last sample.
    """

    count: int = 0
    start_a: complex = 1.0 + 0.0j
    start_b: complex = 0.0j
    local_a: complex = 1.0 + 0.0j
    local_b: complex = 0.0j
    sums: FloatArray = field(default_factory=lambda: np.zeros(N_SUMS))


@dataclass
class LowPassState:
    """Window-rate low-pass of the accelerometer, its extrapolation and the bias correction."""

    buf: FloatArray | None = None  # open window (accelerometer only): (3, p) samples
    main: WindowLowPass = field(default_factory=WindowLowPass)
    last: FloatArray = field(default_factory=lambda: np.full((3, 2), np.nan))  # G_{-2}, G_{-1}
    prev_g: FloatArray = field(default_factory=lambda: np.full(3, np.nan))  # G' of the last window
    prev_slope: FloatArray = field(default_factory=lambda: np.zeros(3))  # and its slope
    # ramp-weighted sums of the last window in I (triangular windows): a, R, R B
    prev_ramp: FloatArray | None = None  # (15,)
    motion: MotionBiasState = field(default_factory=MotionBiasState)


class _Buffer:
    """One reusable flat array of a fixed dtype, grown on demand."""

    def __init__(self, dtype: DTypeLike = np.float64) -> None:
        self.dtype = np.dtype(dtype)
        self.data: NDArray[Any] = np.empty(1, dtype=self.dtype)

    def view(self, shape: tuple[int, ...]) -> NDArray[Any]:
        size = math.prod(shape)
        if self.data.size < size:
            self.data = np.empty(size, dtype=self.dtype)
        return self.data[:size].reshape(shape)


def _real() -> _Buffer:
    return _Buffer(np.float64)


def _complex() -> _Buffer:
    return _Buffer(np.complex128)


@dataclass
class Workspace:
    """Scratch arrays reused between pieces (avoids page-faulting fresh large arrays)."""

    rate: _Buffer = field(default_factory=_real)  # (3, L, W) ω − b
    acc: _Buffer = field(default_factory=_real)  # (3, L, W) accelerometer
    rate_sq: _Buffer = field(default_factory=_real)  # (L, W) |ω − b|², then 1/|y|
    scalar: _Buffer = field(default_factory=_real)  # (L, W) series scratch
    loc_a: _Buffer = field(default_factory=_complex)  # (L, W) local rotation, first half
    loc_b: _Buffer = field(default_factory=_complex)  # (L, W) second half
    prod_1: _Buffer = field(default_factory=_complex)  # (G, W) scan scratch, G ≈ √L groups
    prod_2: _Buffer = field(default_factory=_complex)
    rot: _Buffer = field(default_factory=_real)  # (9, L, W) local rotation matrices
    rot_tmp: _Buffer = field(default_factory=_real)  # (5, L, W)
    vec: _Buffer = field(default_factory=_real)  # (3, L, W) R_loc a, then the output
    out_vec: _Buffer = field(default_factory=_real)  # (3, L, W) extrapolated low-pass


@dataclass
class KernelState:
    """Everything the causal gyroscope filter carries from one piece to the next."""

    rest: RestState = field(default_factory=RestState)
    lowpass: LowPassState = field(default_factory=LowPassState)
    open_window: OpenWindow = field(default_factory=OpenWindow)
    work: Workspace = field(default_factory=Workspace)
