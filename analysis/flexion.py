"""Trunk angles from the gravity direction and the mounting calibration.

With the mounting's body axes in sensor coordinates — ``z`` = ``up_sensor`` (the wearer's
stand-tall up axis), ``x`` = ``forward_sensor`` (anterior), ``y = z × x`` (to the wearer's
left) — the measured up vector ``u`` (sensor frame) is expressed in the body frame,
``u_B = (u·x, u·y, u·z)``, and (same convention as ``sensor.simulate``)::

    flexion     = asin(−u_B,x)              forward bend positive, degrees
    lateral     = atan2(u_B,y, u_B,z)        bend to the wearer's right positive
    inclination = angle between u and z      total tilt from upright, 0–180°

i.e. the trunk orientation is decomposed as flexion about the medio-lateral axis followed by
lateral bend about the (flexed) anterior axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.calibration import Mounting

__all__ = ["flexion_angles", "body_frame_up"]

FloatArray = NDArray[np.float64]


def body_frame_up(up: ArrayLike, mounting: Mounting) -> FloatArray:
    """The up vector in the body frame of ``mounting``.

    Parameters
    ----------
    up : array_like, shape (N, 3)
        Up vectors in the sensor frame (unit or not; NaN rows allowed).
    mounting : Mounting

    Returns
    -------
    ndarray, shape (N, 3)
        ``(u·x, u·y, u·z)`` of the normalised up vectors.
    """
    u = np.asarray(up, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != 3:
        raise ValueError(f"up must have shape (N, 3), got {u.shape}")
    if not isinstance(mounting, Mounting):
        raise ValueError(f"mounting must be a Mounting, got {type(mounting).__name__}")
    basis = mounting.body_axes()  # rows x, y, z in sensor coordinates
    ub = u @ basis.T
    norm = np.linalg.norm(ub, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(ub / norm)


def flexion_angles(up: ArrayLike, mounting: Mounting) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Flexion, lateral bend and inclination of the trunk relative to the wearer's upright.

    Parameters
    ----------
    up : array_like, shape (N, 3)
        Up (gravity-opposite) direction in the sensor frame, e.g. from
        :func:`analysis.tilt.gravity_direction`; NaN rows give NaN angles.
    mounting : Mounting
        The mounting calibration in use for these samples.

    Returns
    -------
    flexion_deg, lateral_deg, inclination_deg : ndarray, shape (N,)
        Degrees. Flexion is the forward rotation about the medio-lateral axis (forward
        positive, −90..90), lateral the sideways bend (to the right positive, −180..180),
        inclination the total angle from upright (0..180).
    """
    ub = body_frame_up(up, mounting)
    x, y, z = ub[:, 0], ub[:, 1], ub[:, 2]
    flexion = np.degrees(np.arcsin(np.clip(-x, -1.0, 1.0)))
    lateral = np.degrees(np.arctan2(y, z))
    inclination = np.degrees(np.arctan2(np.hypot(x, y), z))
    return flexion, lateral, inclination
