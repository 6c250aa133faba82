"""How the sensor sits: mountings on the back and still poses off the body.

A mounting is the body → sensor rotation ``M`` (``v_S = M v_B``), held as a quaternion. Each attachment draws a new one: one of
8 nominal axis assignments composed with a kyphosis tilt, a small random rotation and a
rotation about the skin normal. Off the body the sensor lies still in a random pose.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from kinematics import quaternion as quat

__all__ = ["NOMINAL_MOUNTINGS", "draw_mount", "draw_static_pose"]

FloatArray = NDArray[np.float64]


def _nominal_mountings() -> FloatArray:
    """The 8 nominal body → sensor axis assignments as quaternions, shape (8, 4).

    Index 0: sensor flat on the back, x up the spine, y to the wearer's left, z out of the back.
    """
    base = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
    q0 = quat.from_matrix(base)
    out = []
    for flip in (False, True):
        for k in range(4):
            q = quat.multiply(quat.about_axis(2, k * math.pi / 2), q0)
            if flip:
                q = quat.multiply(quat.about_axis(0, math.pi), q)
            out.append(q)
    return np.array(out)


NOMINAL_MOUNTINGS: FloatArray = _nominal_mountings()
"""The 8 nominal body → sensor quaternions, shape (8, 4); index 0 is the default."""


def draw_mount(rng: np.random.Generator, acc_bias_mps2: float) -> tuple[FloatArray, FloatArray]:
    """A new mounting and accelerometer bias for one attachment.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream to draw from.
    acc_bias_mps2 : float
        Standard deviation of the constant accelerometer bias per axis, m/s².

    Returns
    -------
    mount_q : ndarray, shape (4,)
        Body → sensor unit quaternion.
    acc_bias : ndarray, shape (3,)
        Accelerometer bias in the sensor frame, m/s².
    """
    nominal = (
        NOMINAL_MOUNTINGS[0] if rng.random() < 0.5 else NOMINAL_MOUNTINGS[int(rng.integers(1, 8))]
    )
    skin = rng.uniform(-30.0, 30.0) if rng.random() > 0.15 else rng.uniform(-180.0, 180.0)
    perturb = quat.multiply(
        quat.multiply(
            quat.about_axis(0, math.radians(skin)),
            quat.about_axis(1, math.radians(rng.uniform(0.0, 25.0))),
        ),
        quat.from_rotation_vector(rng.normal(0.0, math.radians(4.0), 3)),
    )
    q = quat.multiply(nominal, perturb)
    return q / np.linalg.norm(q), rng.normal(0.0, acc_bias_mps2, 3)


def draw_static_pose(rng: np.random.Generator) -> FloatArray:
    """A still off-body pose: flat on a face (50 %), arbitrary (30 %) or leaning (20 %).

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream to draw from.

    Returns
    -------
    ndarray, shape (4,)
        Sensor → world unit quaternion.
    """
    u = rng.random()
    yaw = quat.about_axis(2, rng.uniform(0.0, 2.0 * math.pi))
    faces = (
        quat.IDENTITY,
        quat.about_axis(0, math.pi),
        quat.about_axis(0, math.pi / 2),
        quat.about_axis(0, -math.pi / 2),
        quat.about_axis(1, math.pi / 2),
        quat.about_axis(1, -math.pi / 2),
    )
    if u < 0.5:
        face = faces[int(rng.integers(0, 6))]
        tilt = quat.from_rotation_vector(rng.normal(0.0, math.radians(1.5), 3))
        return quat.multiply(yaw, quat.multiply(face, tilt))
    if u < 0.8:
        q = rng.normal(size=4)
        result: FloatArray = q / np.linalg.norm(q)
        return result
    face = faces[int(rng.integers(0, 6))]
    axis = rng.normal(size=3)
    axis[2] = 0.0
    axis /= max(float(np.linalg.norm(axis)), 1e-9)
    lean = quat.from_rotation_vector(axis * math.radians(rng.uniform(20.0, 70.0)))
    return quat.multiply(yaw, quat.multiply(lean, face))
