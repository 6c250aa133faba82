"""Tests for analysis.flexion: angle conventions and end-to-end accuracy after calibration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.calibration import Mounting, fit_routine
from analysis.flexion import flexion_angles
from analysis.tilt import gravity_direction
from kinematics import quaternion as quat
from tests.analysis.conftest import posture_trajectory, random_quat, trunk_quat
from tests.analysis.test_calibration import _mount_axes, _routine_up


@settings(max_examples=50, deadline=None)
@given(
    flex=st.floats(-85, 85),
    lat=st.floats(-80, 80),
    heading=st.floats(-180, 180),
    seed=st.integers(0, 1000),
)
def test_angles_match_construction(flex, lat, heading, seed):
    q_mount = random_quat(np.random.default_rng(seed))
    q = quat.multiply(trunk_quat(np.radians(flex), np.radians(lat), np.radians(heading)), q_mount)
    up = quat.rotate(quat.conjugate(q), np.array([0.0, 0.0, 1.0]))[None, :]
    true_up, true_fwd = _mount_axes(q_mount)
    m = Mounting.from_axes(true_up, true_fwd, "routine")
    f, lt, inc = flexion_angles(up, m)
    assert abs(f[0] - flex) < 1e-6
    assert abs(lt[0] - lat) < 1e-6
    c = np.cos(np.radians(flex)) * np.cos(np.radians(lat))
    assert abs(inc[0] - np.degrees(np.arccos(c))) < 1e-6


def test_nan_rows_and_bad_shapes() -> None:
    m = Mounting.default()
    f, lt, inc = flexion_angles(np.array([[1.0, 0, 0], [np.nan, 0, 0]]), m)
    assert f[0] == 0 and inc[0] == 0 and np.isnan(f[1]) and np.isnan(inc[1])
    with pytest.raises(ValueError, match="shape"):
        flexion_angles(np.zeros((3, 2)), m)
    with pytest.raises(ValueError, match="Mounting"):
        flexion_angles(np.zeros((3, 3)), "m")  # type: ignore[arg-type]


def test_flexion_accuracy_after_routine_calibration():
    fs = 50.0
    tr = posture_trajectory(900.0, fs, seed=8, walking_fraction=0.3)
    # the calibration routine recorded with the same mounting, filtered like real data
    rng = np.random.default_rng(8)
    up_routine = _routine_up(tr.q_mount, rng)
    m = fit_routine(up_routine, fs)
    up = gravity_direction(tr.acc, tr.gyr, fs, causal=False)
    f, lt, _ = flexion_angles(up, m)
    walk = tr.walking
    rmse_upright = float(np.sqrt(np.mean((f[~walk] - tr.flexion_deg[~walk]) ** 2)))
    rmse_walk = float(np.sqrt(np.mean((f[walk] - tr.flexion_deg[walk]) ** 2)))
    rmse_lat = float(np.sqrt(np.mean((lt[~walk] - tr.lateral_deg[~walk]) ** 2)))
    assert rmse_upright < 1.5, rmse_upright
    assert rmse_walk < 3.0, rmse_walk
    assert rmse_lat < 1.5, rmse_lat
