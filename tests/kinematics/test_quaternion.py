"""Tests for the shared quaternion algebra (kinematics.quaternion)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinematics import quaternion as quat

_unit = st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=4).filter(
    lambda q: float(np.linalg.norm(q)) > 0.2
)


def _normalise(q: list[float]) -> np.ndarray:
    a = np.asarray(q, dtype=np.float64)
    return a / np.linalg.norm(a)


@given(_unit, _unit)
def test_product_matches_matrix_product(a: list[float], b: list[float]) -> None:
    qa, qb = _normalise(a), _normalise(b)
    m = quat.to_matrix(quat.multiply(qa, qb))
    np.testing.assert_allclose(m, quat.to_matrix(qa) @ quat.to_matrix(qb), atol=1e-12)


@given(_unit)
def test_rotate_and_inverse(q: list[float]) -> None:
    qq = _normalise(q)
    v = np.array([[0.3, -1.2, 2.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(quat.rotate(qq, v), v @ quat.to_matrix(qq).T, atol=1e-12)
    np.testing.assert_allclose(quat.rotate_inverse(qq, quat.rotate(qq, v)), v, atol=1e-12)
    np.testing.assert_allclose(
        quat.up_in_frame(qq), quat.rotate_inverse(qq, np.array([0.0, 0.0, 1.0])), atol=1e-12
    )


@given(_unit)
def test_matrix_round_trip(q: list[float]) -> None:
    qq = _normalise(q)
    back = quat.from_matrix(quat.to_matrix(qq))
    assert min(np.abs(back - qq).max(), np.abs(back + qq).max()) < 1e-9


def test_rotation_vector_round_trip_and_small_angles() -> None:
    rng = np.random.default_rng(3)
    rotvec = rng.normal(size=(100, 3))
    rotvec *= (np.pi * 0.99 / np.maximum(np.linalg.norm(rotvec, axis=1), np.pi))[:, None]
    rotvec[:5] *= 1e-10  # the series branch near zero
    q = quat.from_rotation_vector(rotvec)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(quat.to_rotation_vector(q), rotvec, atol=1e-12)
    np.testing.assert_allclose(quat.to_rotation_vector(-q), rotvec, atol=1e-12)


def test_axis_forms_agree() -> None:
    angles = np.linspace(-3.0, 3.0, 7)
    for axis in range(3):
        direction = np.eye(3)[axis]
        np.testing.assert_allclose(
            quat.about_axis(axis, angles), quat.from_axis_angle(direction, angles), atol=1e-15
        )
    # a quarter turn about z takes x to y
    np.testing.assert_allclose(
        quat.rotate(quat.about_axis(2, np.pi / 2), np.array([1.0, 0.0, 0.0])),
        [0.0, 1.0, 0.0],
        atol=1e-15,
    )
    np.testing.assert_allclose(quat.from_axis_angle(np.zeros(3), 1.0), quat.IDENTITY)


def test_pair_form_matches_real_form() -> None:
    rng = np.random.default_rng(5)
    p, q = rng.normal(size=(2, 10, 4))

    def pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x[:, 0] + 1j * x[:, 1], x[:, 2] + 1j * x[:, 3]

    a, b = quat.multiply_pair(*pair(p), *pair(q))
    expected = quat.multiply(p, q)
    np.testing.assert_allclose(np.stack([a.real, a.imag, b.real, b.imag], axis=1), expected)


def test_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="axis must be"):
        quat.about_axis(3, 0.1)
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        quat.from_matrix(np.eye(4))


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("kinematics.quaternion", ("sensor", "analysis", "posturelog", "scipy", "pandas")),
        ("sensor.simulate", ("analysis", "posturelog")),
        ("sensor.ble", ("analysis", "posturelog")),
        ("analysis", ("sensor", "posturelog")),
    ],
)
def test_import_rules(module: str, forbidden: tuple[str, ...]) -> None:
    """kinematics is a leaf; sensor and analysis never import each other (docs/architecture.md)."""
    code = (
        f"import sys, {module}; "
        f"bad = [m for m in {forbidden!r} if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
