"""The mounting: where the wearer's upright and forward directions are in the sensor frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from analysis.calibration._common import FloatArray, unit_vector

__all__ = ["Mounting", "MountingSource"]

MountingSource = Literal["routine", "walking", "default"]


@dataclass
class Mounting:
    """The wearer's body axes in the sensor frame.

    Attributes
    ----------
    up_sensor : ndarray, shape (3,)
        Unit trunk-up direction in the sensor frame when the wearer stands tall.
    forward_sensor : ndarray, shape (3,)
        Unit anterior (forward) axis in the sensor frame, orthogonal to ``up_sensor``.
    source : {"routine", "walking", "default"}
    fitted_ns : int
        Time of the data the mounting was fitted on, UTC ns (0 for the default).
    quality : dict
        Fit diagnostics (see the fitting functions), e.g. ``stand_spread_deg``,
        ``bend_peak_deg``, ``planarity``, ``n_samples``.
    """

    up_sensor: FloatArray
    forward_sensor: FloatArray
    source: MountingSource = "default"
    fitted_ns: int = 0
    quality: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        up = unit_vector(self.up_sensor, "up_sensor")
        fwd = unit_vector(self.forward_sensor, "forward_sensor")
        if abs(float(up @ fwd)) > 1e-6:
            raise ValueError(
                f"forward_sensor must be orthogonal to up_sensor (dot = {float(up @ fwd):.3g})"
            )
        if self.source not in ("routine", "walking", "default"):
            raise ValueError(f"source must be 'routine', 'walking' or 'default', got {self.source!r}")
        self.up_sensor = up
        self.forward_sensor = fwd
        self.fitted_ns = int(self.fitted_ns)

    @classmethod
    def default(cls) -> Mounting:
        """Nominal placement: sensor flat on the back, x up the spine, z out of the back."""
        return cls(np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, -1.0]), "default", 0, {})

    @classmethod
    def from_axes(
        cls,
        up_sensor: ArrayLike,
        forward_hint: ArrayLike,
        source: MountingSource,
        fitted_ns: int = 0,
        quality: dict[str, Any] | None = None,
    ) -> Mounting:
        """Mounting from an up vector and a forward hint (made orthogonal to up)."""
        up = unit_vector(up_sensor, "up_sensor")
        hint = unit_vector(forward_hint, "forward_hint")
        fwd = hint - (hint @ up) * up
        if float(np.linalg.norm(fwd)) < 1e-6:
            raise ValueError("forward_hint is parallel to up_sensor")
        return cls(up, fwd / np.linalg.norm(fwd), source, fitted_ns, dict(quality or {}))

    @property
    def left_sensor(self) -> FloatArray:
        """Unit medio-lateral axis (to the wearer's left) in the sensor frame."""
        return np.asarray(np.cross(self.up_sensor, self.forward_sensor))

    def body_axes(self) -> FloatArray:
        """Rows: forward (x), left (y), up (z) in sensor coordinates, shape (3, 3).

        This is the rotation matrix taking sensor coordinates to body coordinates.
        """
        return np.stack([self.forward_sensor, self.left_sensor, self.up_sensor])

