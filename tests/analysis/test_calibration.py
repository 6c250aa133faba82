"""Tests for analysis.calibration: routine, walking and re-attachment."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.calibration import (
    Mounting,
    detect_reattachment,
    find_routine,
    fit_from_walking,
    fit_routine,
)
from analysis.tilt import gravity_direction
from tests.analysis.conftest import (
    angle_deg,
    posture_trajectory,
    quat_conj,
    quat_mul,
    quat_rotate,
    random_quat,
    trunk_quat,
)

FS = 50.0


def _mount_axes(q_mount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True body up and forward axes in sensor coordinates for a sensor → trunk quaternion."""
    inv = quat_conj(q_mount)
    return quat_rotate(inv, np.array([0.0, 0.0, 1.0])), quat_rotate(inv, np.array([1.0, 0.0, 0.0]))


def _routine_up(q_mount: np.ndarray, rng: np.random.Generator, bend_deg: float = 40.0) -> np.ndarray:
    """Up vectors (sensor frame) for: 3 s moving about, stand 6 s, bend, hold, return, stand."""
    t = np.arange(int(20 * FS)) / FS
    flex = np.zeros_like(t)
    flex[t < 3] = 10 * np.sin(2 * np.pi * 0.5 * t[t < 3])
    bend = (t >= 9) & (t < 15)
    ramp = np.clip((t - 9) / 2, 0, 1) * np.clip((15 - t) / 2, 0, 1) * 1.0
    flex[bend] = bend_deg * np.minimum(ramp[bend] * 2, 1.0)
    lat = rng.normal(0, 0.3, t.size)
    q = quat_mul(trunk_quat(np.radians(flex), np.radians(lat), 0.3 * t), np.broadcast_to(q_mount, (t.size, 4)))
    up = quat_rotate(quat_conj(q), np.broadcast_to([0.0, 0.0, 1.0], (t.size, 3)))
    up += rng.normal(scale=0.002, size=up.shape)
    return up / np.linalg.norm(up, axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(6))
def test_fit_routine_recovers_mounting(seed):
    rng = np.random.default_rng(seed)
    q_mount = random_quat(rng)
    up = _routine_up(q_mount, rng)
    true_up, true_fwd = _mount_axes(q_mount)
    r = find_routine(up, FS)
    assert r is not None and 30 < r.bend_peak_deg < 50
    m = fit_routine(up, FS, routine=r, fitted_ns=123)
    assert m.source == "routine" and m.fitted_ns == 123
    assert angle_deg(m.up_sensor, true_up) < 0.5
    assert angle_deg(m.forward_sensor, true_fwd) < 2.0
    assert m.quality["bend_peak_deg"] > 30


def test_fit_routine_without_bend_raises():
    rng = np.random.default_rng(1)
    up = _routine_up(random_quat(rng), rng, bend_deg=5.0)
    assert find_routine(up, FS) is None
    with pytest.raises(ValueError, match="routine"):
        fit_routine(up, FS)


def test_fit_from_walking():
    errs_up, errs_fwd = [], []
    for seed in range(3):
        tr = posture_trajectory(900.0, FS, seed=20 + seed, walking_fraction=0.35)
        up = gravity_direction(tr.acc, tr.gyr, FS, causal=False)
        m = fit_from_walking(tr.acc, up, FS, tr.walking, lean_deg=4.0)
        true_up, true_fwd = _mount_axes(tr.q_mount)
        errs_up.append(float(angle_deg(m.up_sensor, true_up)))
        errs_fwd.append(float(angle_deg(m.forward_sensor, true_fwd)))
        assert m.source == "walking" and m.quality["ap_ml_ratio"] > 1.1
    assert max(errs_up) < 4.0, errs_up
    assert max(errs_fwd) < 10.0, errs_fwd


def test_fit_from_walking_needs_walking():
    tr = posture_trajectory(60.0, FS, seed=1)
    with pytest.raises(ValueError, match="walking"):
        fit_from_walking(tr.acc, tr.up, FS, np.zeros(len(tr.up), bool))
    with pytest.raises(ValueError, match="shape"):
        fit_from_walking(tr.acc, tr.up, FS, np.zeros(3, bool))


def test_detect_reattachment():
    rng = np.random.default_rng(3)
    n = int(600 * FS)
    worn = np.ones(n, bool)
    worn[int(200 * FS) : int(260 * FS)] = False  # same mounting back on
    worn[int(400 * FS) : int(470 * FS)] = False  # re-attached rotated by 40°
    u1 = np.array([0.0, 0.2, 1.0])
    u1 /= np.linalg.norm(u1)
    c, s = np.cos(np.radians(40)), np.sin(np.radians(40))
    u2 = np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) @ u1
    up = np.tile(u1, (n, 1))
    up[int(470 * FS) :] = u2
    up += rng.normal(scale=0.01, size=up.shape)
    assert detect_reattachment(up, worn, FS) == [int(470 * FS)]


def test_mounting_validation() -> None:
    m = Mounting.default()
    assert np.allclose(m.body_axes() @ m.body_axes().T, np.eye(3))
    with pytest.raises(ValueError, match="orthogonal"):
        Mounting(np.array([0, 0, 1.0]), np.array([0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="zero"):
        Mounting(np.zeros(3), np.array([1.0, 0, 0]))
    with pytest.raises(ValueError, match="source"):
        Mounting(np.array([0, 0, 1.0]), np.array([1.0, 0, 0]), source="guess")  # type: ignore[arg-type]
    m2 = Mounting.from_axes([0, 0, 2.0], [1.0, 0, 0.5], "default")
    assert np.allclose(m2.forward_sensor, [1, 0, 0])
