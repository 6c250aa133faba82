"""Merging phone streams onto the accelerometer's times."""

from __future__ import annotations

import numpy as np
import pytest

from posturelog.errors import UserError
from posturelog.phone.align import drop_repeated_times, interpolate_onto

MS = 1_000_000


def test_linear_interpolation_between_neighbours() -> None:
    t_src = np.arange(0, 200, 10, dtype=np.int64) * MS
    v = np.column_stack([t_src / MS, -t_src / MS, np.ones(t_src.size)])
    t_dst = np.array([5, 15, 100, 190], dtype=np.int64) * MS
    out = interpolate_onto(t_src, v, t_dst)
    np.testing.assert_allclose(out[:, 0], [5, 15, 100, 190])
    np.testing.assert_allclose(out[:, 1], [-5, -15, -100, -190])


def test_holes_and_ends_are_nan_not_invented() -> None:
    t_src = np.concatenate([np.arange(0, 100, 10), np.arange(1000, 1100, 10)]).astype(np.int64) * MS
    v = np.ones((t_src.size, 3))
    t_dst = np.array([50, 500, 1000, 1095, 1150, 2000, -5, -100], dtype=np.int64) * MS
    out = interpolate_onto(t_src, v, t_dst)
    valid = ~np.isnan(out).any(axis=1)
    # in the 900 ms hole: NaN; on a source sample after the hole: kept; just past the end: nearest
    assert valid.tolist() == [True, False, True, True, False, False, True, False]


def test_empty_and_single_sources() -> None:
    t_dst = np.array([0, 10, 100], dtype=np.int64) * MS
    assert np.isnan(interpolate_onto(np.zeros(0, dtype=np.int64), np.zeros((0, 3)), t_dst)).all()
    one = interpolate_onto(np.array([10 * MS]), np.array([[1.0, 2.0, 3.0]]), t_dst)
    assert np.isnan(one[2]).all() and one[1].tolist() == [1.0, 2.0, 3.0]


def test_repeated_times() -> None:
    t = np.arange(1000, dtype=np.int64) * 10 * MS
    t[500] = t[499]
    keep, n = drop_repeated_times(t, "f.csv")
    assert n == 1 and not keep[500] and keep.sum() == 999
    with pytest.raises(UserError, match=r"f.csv, line 3: time does not move forward"):
        drop_repeated_times(t[::-1].copy(), "f.csv")
