"""Tests for analysis.tilt: exactness, equivariance, streaming, reference, accuracy, input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from analysis.tilt import (
    TiltFilter,
    TiltSettings,
    gravity_direction,
)
from tests.analysis.conftest import (
    Trajectory,
    angle_deg,
    fast_trajectory,
    posture_trajectory,
)
from tests.analysis.tilt_reference import gravity_direction_reference

unit_vectors = st.tuples(
    st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1)
).filter(lambda v: 0.1 < np.linalg.norm(v) <= 1.0)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def short_fast() -> Trajectory:
    return fast_trajectory(12.0, 100.0, seed=11)


# -- exactness and invariances ---------------------------------------------------------------


@FAST
@given(direction=unit_vectors, g=st.floats(5.0, 15.0), causal=st.booleans(), with_gyr=st.booleans())
def test_static_sensor_gives_exact_up(direction, g, causal, with_gyr):
    u = np.asarray(direction) / np.linalg.norm(direction)
    n = 300
    acc = np.tile(g * u, (n, 1))
    gyr = np.zeros((n, 3)) if with_gyr else None
    up = gravity_direction(acc, gyr, 50.0, causal=causal)
    assert np.max(np.abs(up - u)) < 1e-9


@FAST
@given(quat=st.tuples(*(st.floats(-1, 1),) * 4).filter(lambda q: np.linalg.norm(q) > 0.2))
def test_rotating_the_sensor_frame_rotates_the_output(quat, short_fast):
    c = Rotation.from_quat(np.asarray(quat) / np.linalg.norm(quat)).as_matrix()
    tr = short_fast
    for causal in (True, False):
        up = gravity_direction(tr.acc, tr.gyr, tr.fs, causal=causal)
        up_rot = gravity_direction(tr.acc @ c.T, tr.gyr @ c.T, tr.fs, causal=causal)
        assert np.max(angle_deg(up_rot, up @ c.T)) < 1e-6


@FAST
@given(
    data=st.lists(
        st.tuples(*(st.floats(-30, 30, allow_nan=False),) * 6), min_size=1, max_size=120
    ),
    causal=st.booleans(),
)
def test_outputs_are_unit_length(data, causal):
    arr = np.asarray(data)
    acc, gyr = arr[:, :3], arr[:, 3:]
    for g in (gyr, None):
        up = gravity_direction(acc, g, 20.0, causal=causal)
        assert up.shape == acc.shape
        ok = np.isfinite(up).all(axis=1)
        assert np.allclose(np.linalg.norm(up[ok], axis=1), 1.0, atol=1e-12)
        # only a zero low-pass output can be undefined
        assert ok.sum() >= 0


# -- streaming, gaps and the sequential reference ---------------------------------------------


def _with_gaps(tr: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    acc, gyr = tr.acc.copy(), tr.gyr.copy()
    acc[300:340] = np.nan
    gyr[700] = np.inf
    acc[-5:] = np.nan
    return acc, gyr


@FAST
@given(seed=st.integers(0, 10_000))
def test_streaming_equals_whole_array(seed, short_fast):
    acc, gyr = _with_gaps(short_fast)
    whole = gravity_direction(acc, gyr, short_fast.fs, causal=True)
    rng = np.random.default_rng(seed)
    f = TiltFilter(short_fast.fs)
    parts, i = [], 0
    while i < len(acc):
        k = int(rng.integers(1, 400))
        parts.append(f.update(acc[i : i + k], gyr[i : i + k]))
        i += k
    stream = np.concatenate(parts)
    np.testing.assert_array_equal(np.isnan(stream), np.isnan(whole))
    ok = np.isfinite(whole).all(axis=1)
    assert np.max(angle_deg(stream[ok], whole[ok])) < 1e-6


def test_equations_only_records_the_same_equations(short_fast):
    """The offline filter's bias passes skip the per-sample output (and sum the local
    rotations from the quaternions instead of per-sample matrices): the recorded normal
    equations must be the same as with it to rounding, and the skipped output is NaN, not
    stale."""
    runs = []
    for only in (False, True):
        f = TiltFilter(short_fast.fs)
        record = f.record_bias_equations(equations_only=only)
        out = f.update(short_fast.acc, short_fast.gyr)
        runs.append((np.concatenate(record, axis=1), out))
    full, only = runs[0][0], runs[1][0]
    assert full.shape == only.shape
    scale = np.abs(full).max(axis=1, keepdims=True)
    assert np.max(np.abs(only - full) / scale) < 1e-12
    assert np.isfinite(runs[0][1]).all() and np.isnan(runs[1][1]).all()


def test_streaming_triangular_windows(short_fast):
    acc, gyr = _with_gaps(short_fast)
    s = TiltSettings(triangular_windows=True)
    whole = gravity_direction(acc, gyr, short_fast.fs, settings=s)
    f = TiltFilter(short_fast.fs, settings=s)
    stream = np.concatenate(
        [f.update(a, g) for a, g in zip(np.array_split(acc, 41), np.array_split(gyr, 41), strict=True)]
    )
    ok = np.isfinite(whole).all(axis=1)
    np.testing.assert_array_equal(np.isnan(stream), np.isnan(whole))
    assert np.max(angle_deg(stream[ok], whole[ok])) < 1e-6


def test_streaming_accelerometer_only_and_small_chunks(short_fast):
    s = TiltSettings(chunk_samples=256)
    whole = gravity_direction(short_fast.acc, None, short_fast.fs, settings=s)
    f = TiltFilter(short_fast.fs, with_gyroscope=False)
    stream = np.concatenate([f.update(b) for b in np.array_split(short_fast.acc, 37)])
    assert np.max(angle_deg(stream, whole)) < 1e-6


@pytest.mark.parametrize("triangular", [False, True])
def test_fast_matches_sequential_reference(short_fast, triangular):
    acc, gyr = _with_gaps(short_fast)
    acc = acc[:900]
    gyr = gyr[:900] + np.radians([1.0, -2.0, 0.5])
    gyr[450:700] = np.radians([1.0, -2.0, 0.5])  # a rest period: bias estimation kicks in
    acc[450:700] = acc[449]
    s = TiltSettings(triangular_windows=triangular)
    for g in (gyr, None):
        fast = gravity_direction(acc, g, short_fast.fs, settings=s)
        ref = gravity_direction_reference(acc, g, short_fast.fs, s)
        np.testing.assert_array_equal(np.isnan(fast), np.isnan(ref))
        ok = np.isfinite(ref).all(axis=1)
        assert np.max(angle_deg(fast[ok], ref[ok])) < 0.01


def test_gap_restarts_filter():
    tr = posture_trajectory(60.0, 50.0, seed=2, gyro_bias_dps=0.0)
    acc, gyr = tr.acc.copy(), tr.gyr.copy()
    acc[1000] = np.nan
    s = TiltSettings(bias_estimation=False)
    up = gravity_direction(acc, gyr, 50.0, settings=s)
    assert np.isnan(up[1000]).all() and np.isfinite(up[:1000]).all()
    fresh = gravity_direction(acc[1001:], gyr[1001:], 50.0, settings=s)
    assert np.max(angle_deg(up[1001:], fresh)) < 1e-9
    # gap_before on a streaming filter does the same
    f = TiltFilter(50.0, settings=s)
    f.update(acc[:1000], gyr[:1000])
    again = f.update(acc[1001:], gyr[1001:], gap_before=True)
    assert np.max(angle_deg(again, fresh)) < 1e-9


def test_bias_estimated_at_rest():
    n = 50 * 30
    bias = np.radians([2.0, -3.0, 1.0])
    rng = np.random.default_rng(0)
    acc = np.tile([0.0, 6.0, 7.0], (n, 1)) + rng.normal(scale=0.02, size=(n, 3))
    gyr = bias + rng.normal(scale=0.003, size=(n, 3))
    f = TiltFilter(50.0)
    up = f.update(acc, gyr)
    assert np.max(np.abs(np.degrees(f.gyroscope_bias_rads - bias))) < 0.1
    true = np.array([0.0, 6.0, 7.0]) / np.hypot(6.0, 7.0)
    assert np.max(angle_deg(up[-500:], np.broadcast_to(true, (500, 3)))) < 0.5


# -- accuracy on synthetic trajectories (vqf comparisons are in benchmarks/bench_tilt.py) ------


def _rmse(est: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean(angle_deg(est, truth) ** 2)))


def test_accuracy_daily(daily_50hz):
    tr = daily_50hz
    assert _rmse(gravity_direction(tr.acc, tr.gyr, tr.fs, causal=False), tr.up) < 0.6
    assert _rmse(gravity_direction(tr.acc, None, tr.fs, causal=False), tr.up) < 2.0
    assert _rmse(gravity_direction(tr.acc, None, tr.fs), tr.up) < 5.0
    no_bias = posture_trajectory(300.0, 50.0, seed=5, gyro_bias_dps=0.0)
    assert _rmse(gravity_direction(no_bias.acc, no_bias.gyr, 50.0), no_bias.up) < 0.5
    # a few °/s of gyroscope bias and no rest periods at all
    biased = posture_trajectory(300.0, 50.0, seed=6, gyro_bias_dps=3.0)
    assert _rmse(gravity_direction(biased.acc, biased.gyr, 50.0), biased.up) < 1.5  # incl. learning
    assert _rmse(gravity_direction(biased.acc, biased.gyr, 50.0, causal=False), biased.up) < 0.5


def test_accuracy_fast_motion(fast_286hz):
    tr = fast_286hz  # 60 s, ~1 °/s bias, starts with 3 s of rest (measured: 0.17° / 0.03°)
    assert _rmse(gravity_direction(tr.acc, tr.gyr, tr.fs), tr.up) < 0.3
    assert _rmse(gravity_direction(tr.acc, tr.gyr, tr.fs, causal=False), tr.up) < 0.1


def test_bias_learnt_in_the_first_rest_period(fast_286hz):
    # rest detection works from the first window (drift compared with the segment's first
    # window until n_rest windows exist), so the 3 s of rest before the motion suffice
    tr = fast_286hz
    f = TiltFilter(tr.fs)
    n = int(3.0 * tr.fs)
    f.update(tr.acc[:n], tr.gyr[:n])
    true_bias = np.radians([0.6, 0.7, -0.4])
    assert np.max(np.abs(np.degrees(f.gyroscope_bias_rads - true_bias))) < 0.05


# -- input checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("acc", "gyr", "fs", "match"),
    [
        (np.zeros((5, 2)), None, 50.0, "shape"),
        (np.zeros(5), None, 50.0, "shape"),
        (np.zeros((5, 3)), np.zeros((4, 3)), 50.0, "same length"),
        (np.zeros((5, 3)), np.zeros((5, 2)), 50.0, "shape"),
        (np.zeros((5, 3)), None, 0.0, "positive"),
        (np.zeros((5, 3)), None, -5.0, "positive"),
        (np.zeros((5, 3)), None, float("nan"), "finite"),
        (np.zeros((5, 3)), None, float("inf"), "finite"),
        (np.zeros((5, 3)), None, "fast", "number"),
        (np.array([["a", "b", "c"]]), None, 50.0, "numeric"),
    ],
)
def test_bad_inputs_raise(acc, gyr, fs, match):
    with pytest.raises(ValueError, match=match):
        gravity_direction(acc, gyr, fs)


def test_filter_checks() -> None:
    f = TiltFilter(50.0)
    with pytest.raises(ValueError, match="gyr_rads must be given"):
        f.update(np.zeros((3, 3)), None)
    with pytest.raises(ValueError, match="TiltSettings"):
        TiltFilter(50.0, settings="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tau_acc_s"):
        TiltSettings(tau_acc_s=0.0)
    with pytest.raises(ValueError, match="too short"):
        gravity_direction(np.zeros((5, 3)), None, 50.0, settings=TiltSettings(tau_acc_only_s=0.05))
    assert gravity_direction(np.zeros((0, 3)), np.zeros((0, 3)), 50.0).shape == (0, 3)


def test_filter_design_is_shared_and_left_unchanged_by_the_filters() -> None:
    """``FilterDesign.make`` caches designs, so no filter may write into one."""
    from analysis.tilt.design import FilterDesign

    settings = TiltSettings()
    tr = fast_trajectory(30.0, 200.0, seed=3)
    design = FilterDesign.make(settings, tr.fs, settings.tau_acc_offline_s)
    assert FilterDesign.make(settings, tr.fs, settings.tau_acc_offline_s) is design
    before = {k: np.array(v, copy=True) for k, v in vars(design).items() if isinstance(v, np.ndarray)}
    assert before, "the design holds arrays"
    gravity_direction(tr.acc, tr.gyr, tr.fs, causal=False)
    gravity_direction(tr.acc, tr.gyr, tr.fs, causal=True)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(design, name), value, err_msg=name)
    with pytest.raises(AttributeError):
        design.win = 3  # type: ignore[misc]
