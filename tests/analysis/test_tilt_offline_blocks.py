"""The offline tilt filter's blocked evaluation and the kernels it uses agree with the plain
whole-array forms (to rounding)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import _rotations
from analysis.tilt import TiltFilter, TiltSettings, gravity_direction, offline
from tests.analysis.conftest import angle_deg, fast_trajectory


def _unit_pairs(rng: np.random.Generator, shape: tuple[int, ...], step: float):
    q = rng.normal(size=(4, *shape)) * step
    q[0] += 1.0
    q /= np.linalg.norm(q, axis=0)
    return q[0] + 1j * q[1], q[2] + 1j * q[3]


def test_prefix_products_equal_the_sequential_scan():
    rng = np.random.default_rng(3)
    for n_rows in range(1, 70):
        a, b = _unit_pairs(rng, (n_rows, 7), 0.05)
        seq_a, seq_b = a.copy(), b.copy()
        for j in range(1, n_rows):
            seq_a[j], seq_b[j] = _rotations.qmul_pair(seq_a[j - 1], seq_b[j - 1], a[j], b[j])
        group = max(1, round(np.sqrt(n_rows)))
        rows = max(group, -(-n_rows // group))
        t1, t2 = (np.empty(rows * 7, dtype=np.complex128) for _ in range(2))
        _rotations.prefix_products_into(a, b, t1, t2, group)
        assert np.abs(a - seq_a).max() < 1e-14 and np.abs(b - seq_b).max() < 1e-14


def test_rotated_sums_equal_the_sums_of_rotation_matrices():
    rng = np.random.default_rng(4)
    a, b = _unit_pairs(rng, (57, 40), 1.0)
    v = rng.normal(size=(3, 57, 40)) * 9.81
    rot = np.empty((9, 57, 40))
    _rotations.rotation_entries_into(a, b, rot, np.empty((5, 57, 40)))
    rv = np.einsum("ijlw,jlw->iw", rot.reshape(3, 3, 57, 40), v)
    rv_sum, r_sum = np.empty((3, 40)), np.empty((9, 40))
    _rotations.rotated_sums_into(a, b, v, rv_sum, r_sum, np.empty((3, 57, 40)), np.empty((57, 40)))
    np.testing.assert_allclose(rv_sum, rv, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r_sum, rot.sum(axis=1), rtol=0, atol=1e-13)


@pytest.mark.parametrize("reverse", [False, True])
def test_bias_passes_record_the_equations_of_one_whole_call(reverse):
    """Fed batch by batch without the last incomplete window, a bias pass records exactly the
    equations of one call over the whole (reversed) segment."""
    tr = fast_trajectory(40.0, 286.0, seed=5)
    acc, gyr = tr.acc[:11_111], tr.gyr[:11_111]  # not a whole number of windows
    s = TiltSettings(chunk_samples=3000)
    f = TiltFilter(tr.fs, settings=s)
    record = f.record_bias_equations(equations_only=True)
    f.update(acc[::-1], -gyr[::-1]) if reverse else f.update(acc, gyr)
    whole = np.concatenate(record, axis=1)
    passes = offline._normal_equations(TiltFilter(tr.fs, settings=s), acc, gyr, reverse=reverse)
    assert passes is not None
    np.testing.assert_array_equal(passes, whole)


@pytest.mark.parametrize("motion_bias", [True, False])
def test_offline_output_does_not_depend_on_the_block_length(monkeypatch, motion_bias):
    """Strapdown blocks (orientation carried, low-pass state carried forward and backward)
    give the whole-segment result to rounding, across gaps (several segments)."""
    tr = fast_trajectory(60.0, 286.0, seed=6)
    acc, gyr = tr.acc.copy(), tr.gyr.copy()
    acc[5000:5003] = np.nan  # two segments
    s = TiltSettings(motion_bias_estimation=motion_bias)
    monkeypatch.setattr(offline, "STRAPDOWN_BLOCK", 10**9)  # one block per segment
    whole = gravity_direction(acc, gyr, tr.fs, causal=False, settings=s)
    for block in (1100, 8192):
        monkeypatch.setattr(offline, "STRAPDOWN_BLOCK", block)
        blocked = gravity_direction(acc, gyr, tr.fs, causal=False, settings=s)
        np.testing.assert_array_equal(np.isnan(blocked), np.isnan(whole))
        ok = np.isfinite(whole).all(axis=1)
        assert np.radians(np.max(angle_deg(blocked[ok], whole[ok]))) < 1e-9
