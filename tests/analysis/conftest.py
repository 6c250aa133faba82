"""Seeded synthetic IMU trajectories with known truth, for the tilt/calibration/flexion tests.

Also imported by ``benchmarks/bench_tilt.py``. Conventions: quaternions are (..., 4) arrays
``[w, x, y, z]``; the earth frame has z up; the trunk frame is x anterior (forward), y left,
z up (cranial); ``q_sensor`` rotates sensor-frame vectors into the earth frame.
The sensor orientation is ``q_trunk ⊗ q_mount``, so ``q_mount`` rotates sensor-frame vectors
into the trunk frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import signal

from kinematics import quaternion as quat
from kinematics.quaternion import conjugate as quat_conj
from kinematics.quaternion import from_axis_angle as quat_axis_angle
from kinematics.quaternion import multiply as quat_mul
from kinematics.quaternion import rotate as quat_rotate

G = 9.81
FloatArray = NDArray[np.float64]


def random_quat(rng: np.random.Generator) -> FloatArray:
    q = rng.normal(size=4)
    return q / np.linalg.norm(q)


def trunk_quat(flexion_rad: FloatArray, lateral_rad: FloatArray, heading_rad: FloatArray) -> FloatArray:
    """Trunk → earth: heading about z, then flexion about the left (y) axis, then lateral bend
    about the anterior (x) axis; positive flexion tilts the trunk's up axis forward, positive
    lateral tilts it to the right."""
    n = np.broadcast(flexion_rad, lateral_rad, heading_rad).shape
    z = np.broadcast_to(np.array([0.0, 0.0, 1.0]), n + (3,))
    y = np.broadcast_to(np.array([0.0, 1.0, 0.0]), n + (3,))
    x = np.broadcast_to(np.array([1.0, 0.0, 0.0]), n + (3,))
    qz = quat_axis_angle(z, np.broadcast_to(heading_rad, n))
    qy = quat_axis_angle(y, np.broadcast_to(flexion_rad, n))
    qx = quat_axis_angle(x, np.broadcast_to(lateral_rad, n))
    return quat_mul(quat_mul(qz, qy), qx)


@dataclass
class Trajectory:
    fs: float
    acc: FloatArray  # (N, 3) m/s², sensor frame
    gyr: FloatArray  # (N, 3) rad/s, sensor frame (with bias and noise)
    up: FloatArray  # (N, 3) true up in the sensor frame
    q_sensor: FloatArray  # (N, 4) sensor → earth
    q_mount: FloatArray  # (4,) sensor → trunk
    flexion_deg: FloatArray  # (N,) truth
    lateral_deg: FloatArray  # (N,) truth
    walking: NDArray[np.bool_]  # (N,)


def simulate_imu(
    q_sensor: FloatArray,
    lin_acc_earth: FloatArray,
    fs: float,
    rng: np.random.Generator,
    gyro_bias_rads: FloatArray | None = None,
    acc_noise: float = 0.03,
    gyr_noise: float = 0.004,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Accelerometer, gyroscope and true up vector for an orientation trajectory.

    The gyroscope is the constant rate that takes ``q[k-1]`` to ``q[k]`` over one sample (what a
    strapdown integration assumes), plus bias and white noise.
    """
    n = q_sensor.shape[0]
    up = quat_rotate(quat_conj(q_sensor), np.broadcast_to([0.0, 0.0, 1.0], (n, 3)))
    acc = quat_rotate(quat_conj(q_sensor), lin_acc_earth + np.array([0.0, 0.0, G]))
    dq = quat_mul(quat_conj(q_sensor[:-1]), q_sensor[1:])
    gyr = np.zeros((n, 3))
    gyr[1:] = quat.to_rotation_vector(dq) * fs
    if gyro_bias_rads is not None:
        gyr += gyro_bias_rads
    gyr += rng.normal(scale=gyr_noise, size=(n, 3))
    acc = acc + rng.normal(scale=acc_noise, size=(n, 3))
    return acc, gyr, up


def _smooth_noise(
    rng: np.random.Generator, n: int, fs: float, cutoff_hz: float, scale: float, order: int = 2
) -> FloatArray:
    b, a = signal.butter(order, cutoff_hz, fs=fs)
    x = signal.lfilter(b, a, rng.normal(size=n + int(5 * fs / cutoff_hz)))[-n:]
    return scale * x / (x.std() + 1e-12)


def _smooth_steps(values: FloatArray, n: int, fs: float, transition_s: float) -> FloatArray:
    k = max(1, int(transition_s * fs))
    padded = np.concatenate([np.full(k, values[0]), values])
    c = np.cumsum(padded)
    return (c[k:] - c[:-k]) / k


def posture_trajectory(
    duration_s: float,
    fs: float,
    seed: int = 0,
    *,
    mount: FloatArray | None = None,
    gyro_bias_dps: float = 1.0,
    acc_noise: float = 0.03,
    gyr_noise: float = 0.004,
    walking_fraction: float = 0.2,
    lying: bool = False,
) -> Trajectory:
    """A wearer's day in miniature: upright (sitting/standing) bouts with slow flexion changes
    and slouching, walking bouts (step-frequency sway and accelerations), optional lying."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    t = np.arange(n) / fs
    # bouts of 10-120 s
    bounds = [0]
    while bounds[-1] < n:
        bounds.append(bounds[-1] + int(rng.uniform(10, 120) * fs))
    bounds[-1] = n
    flex_level = np.empty(n)
    lat_level = np.empty(n)
    head_level = np.empty(n)
    walking = np.zeros(n, dtype=bool)
    heading = 0.0
    for i in range(len(bounds) - 1):
        s, e = bounds[i], bounds[i + 1]
        kind = rng.random()
        heading += rng.uniform(-np.pi, np.pi)
        head_level[s:e] = heading
        if kind < walking_fraction:
            walking[s:e] = True
            flex_level[s:e] = rng.uniform(0, 8)
            lat_level[s:e] = rng.uniform(-2, 2)
        elif lying and kind > 0.9:
            flex_level[s:e] = rng.choice([-90.0, 90.0])
            lat_level[s:e] = rng.uniform(-20, 20)
        else:
            flex_level[s:e] = rng.uniform(-5, 40)
            lat_level[s:e] = rng.uniform(-8, 8)
    flex = _smooth_steps(flex_level, n, fs, 1.5) + _smooth_noise(rng, n, fs, 0.05, 3.0)
    lat = _smooth_steps(lat_level, n, fs, 1.5) + _smooth_noise(rng, n, fs, 0.05, 1.5)
    head = _smooth_steps(head_level, n, fs, 2.0) + _smooth_noise(rng, n, fs, 0.1, 0.2)
    # gait: 2 Hz steps, 1 Hz strides
    step_hz = 1.9
    phase = 2 * np.pi * step_hz * t
    flex = flex + walking * 2.0 * np.sin(phase)
    lat = lat + walking * 2.5 * np.sin(0.5 * phase)
    head = head + walking * np.radians(3.0) * np.sin(0.5 * phase)
    fr, lr = np.radians(flex), np.radians(lat)
    q_trunk = trunk_quat(fr, lr, head)
    q_mount = random_quat(rng) if mount is None else np.asarray(mount, dtype=float)
    q_sensor = quat_mul(q_trunk, np.broadcast_to(q_mount, (n, 4)))
    # linear acceleration in the earth frame (walking): vertical, AP (along heading), ML
    lin = np.zeros((n, 3))
    fwd = np.stack([np.cos(head), np.sin(head), np.zeros(n)], axis=1)
    left = np.stack([-np.sin(head), np.cos(head), np.zeros(n)], axis=1)
    lin += walking[:, None] * (
        1.5 * np.sin(phase)[:, None] * np.array([0.0, 0.0, 1.0])
        + 1.2 * np.sin(phase + 0.8)[:, None] * fwd
        + 0.6 * np.sin(0.5 * phase)[:, None] * left
    )
    lin += _smooth_noise(rng, n, fs, 2.0, 0.15)[:, None] * np.array([1.0, 0.3, 0.5])
    bias = np.radians(gyro_bias_dps) * np.array([0.8, -0.5, 0.4])
    acc, gyr, up = simulate_imu(q_sensor, lin, fs, rng, bias, acc_noise, gyr_noise)
    return Trajectory(fs, acc, gyr, up, q_sensor, q_mount, flex, lat, walking)


def fast_trajectory(
    duration_s: float,
    fs: float = 286.0,
    seed: int = 0,
    *,
    gyro_bias_dps: float = 1.0,
    acc_noise: float = 0.05,
    gyr_noise: float = 0.005,
) -> Trajectory:
    """Fast, large rotations in every direction (handheld-motion style), rest periods between
    bursts, accelerations of a few m/s²; like the motion-capture benchmark trials."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    t = np.arange(n) / fs
    # burst envelope: 10-20 s of motion, 4-8 s of rest
    env = np.zeros(n)
    pos = int(3 * fs)
    while pos < n:
        m = int(rng.uniform(10, 20) * fs)
        env[pos : pos + m] = 1.0
        pos += m + int(rng.uniform(4, 8) * fs)
    env = _smooth_steps(env, n, fs, 1.0)
    rate = np.stack([_smooth_noise(rng, n, fs, 1.2, 1.0) for _ in range(3)], axis=1)
    rate *= env[:, None] * np.radians(150.0)
    # integrate body rates exactly per sample (constant over a sample)
    dq = quat_axis_angle(rate, np.linalg.norm(rate, axis=1) / fs)
    q = np.empty((n, 4))
    cur = random_quat(rng)
    for k in range(n):
        cur = quat_mul(cur, dq[k])
        q[k] = cur
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    # linear acceleration = second derivative of a bounded random displacement (~0.1 m): no
    # sustained low-frequency acceleration, as in real motion; a few m/s² during bursts
    disp = np.stack([_smooth_noise(rng, n, fs, 1.0, 0.05, order=6) for _ in range(3)], axis=1)
    disp *= env[:, None]
    lin = np.gradient(np.gradient(disp, 1.0 / fs, axis=0), 1.0 / fs, axis=0)
    del t
    bias = np.radians(gyro_bias_dps) * np.array([0.6, 0.7, -0.4])
    acc, gyr, up = simulate_imu(q, lin, fs, rng, bias, acc_noise, gyr_noise)
    zeros = np.zeros(n)
    return Trajectory(fs, acc, gyr, up, q, np.array([1.0, 0, 0, 0]), zeros, zeros, np.zeros(n, bool))


def angle_deg(u: FloatArray, v: FloatArray) -> FloatArray:
    """Angle between row vectors (robust near 0), degrees."""
    cross = np.linalg.norm(np.cross(u, v), axis=-1)
    dot = np.sum(u * v, axis=-1)
    return np.degrees(np.arctan2(cross, dot))


@pytest.fixture(scope="session")
def daily_50hz() -> Trajectory:
    return posture_trajectory(600.0, 50.0, seed=3)


@pytest.fixture(scope="session")
def fast_286hz() -> Trajectory:
    return fast_trajectory(60.0, 286.0, seed=4)
