"""Row-wise helpers of (N, 3) sample arrays: the same numbers as numpy's per-row reductions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.rows import finite_rows, row_norms, unit_rows, unit_rows_inplace


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(*[st.floats(width=64)] * 3), min_size=1,
                  max_size=40),
    fortran=st.booleans(),
)
def test_row_norms_match_numpy_norm_bit_for_bit(rows: list[tuple[float, float, float]],
                                                 fortran: bool) -> None:
    """``row_norms`` replaces ``np.linalg.norm(v, axis=-1)`` on the per-sample path; the
    epochs (and so daily.csv) stay the same only if every norm is the same float, in either
    memory order and for a single vector."""
    v = np.array(rows, dtype=np.float64, order="F" if fortran else "C")
    with np.errstate(all="ignore"):  # huge values overflow to inf in both
        np.testing.assert_array_equal(row_norms(v), np.linalg.norm(v, axis=-1))
        np.testing.assert_array_equal(row_norms(v[0]), np.linalg.norm(v[0]))
        np.testing.assert_array_equal(unit_rows(v), v / np.linalg.norm(v, axis=-1, keepdims=True))


def test_row_norms_match_numpy_norm_on_sample_like_rows() -> None:
    """Accelerations of random size and direction, where the order of the three additions
    changes the last bit of many norms (hypothesis alone seldom draws such rows)."""
    v = np.random.default_rng(3).normal(0.0, 9.81, (20_000, 3))
    np.testing.assert_array_equal(row_norms(v), np.linalg.norm(v, axis=1))
    np.testing.assert_array_equal(row_norms(np.asfortranarray(v)), np.linalg.norm(v, axis=1))



def test_finite_rows_marks_each_row_with_a_nan_or_inf() -> None:
    v = np.ones((6, 3))
    assert finite_rows(v).tolist() == [True] * 6
    v[1, 0] = np.nan
    v[4, 2] = -np.inf
    assert finite_rows(v).tolist() == [True, False, True, True, False, True]
    assert finite_rows(np.zeros((0, 3))).shape == (0,)


def test_unit_rows_inplace_divides_the_given_array() -> None:
    v = np.array([[3.0, 0.0, 4.0], [0.0, 0.0, 0.0]])
    out = unit_rows_inplace(v)
    assert out is v
    np.testing.assert_array_equal(v[0], [0.6, 0.0, 0.8])
    assert np.isnan(v[1]).all()
