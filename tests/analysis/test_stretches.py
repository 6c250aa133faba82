"""Stretch verification on synthetic 10 Hz signals: exact reps, holds within 1 s, wrong stretches not counted."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from analysis.stretches import (
    doorway_pectoral,
    lying_knee_twist,
    lying_twist_deg,
    scapular_squeeze,
    thoracic_extension,
)

FS = 10.0


def holds_signal(levels_s: Sequence[tuple[float, float]], ramp_s: float = 1.5, seed: int = 0,
                 noise_deg: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant angle (``(value_deg, seconds)`` segments) with linear ramps and noise."""
    t_key, v_key, t = [], [], 0.0
    for value, dur in levels_s:
        t_key += [t + ramp_s / 2, t + dur - ramp_s / 2]
        v_key += [value, value]
        t += dur
    ts = np.arange(0, t, 1 / FS)
    x = np.interp(ts, t_key, v_key)
    return ts, x + np.random.default_rng(seed).normal(0, noise_deg, ts.size)


def test_thoracic_extension_counts_reps_and_holds() -> None:
    # three extensions of -20° held ~8 s (plateau 6.5 s + ramps), one too short (3 s)
    segs = [(0, 10), (-20, 8), (0, 6), (-20, 8), (0, 6), (-22, 8), (0, 6), (-20, 3), (0, 5)]
    t, f = holds_signal(segs)
    r = thoracic_extension(t, f)
    assert r.reps == 3 and r.rejected == 1
    for h in r.holds_s:
        assert abs(h - 6.5) <= 1.0  # true plateau 8 - 1.5 s of ramps
    assert r.timing_only == () and "repetitions" in r.verified


def test_flexion_instead_of_extension_is_not_counted() -> None:
    t, f = holds_signal([(0, 10), (25, 8), (0, 6), (25, 8), (0, 6)])
    r = thoracic_extension(t, f)
    assert r.reps == 0 and r.holds_s == ()


def test_bouncing_extension_is_not_still() -> None:
    t, f = holds_signal([(0, 10), (-20, 12), (0, 6)])
    f = f + np.where(f < -10, 8.0 * np.sin(2 * np.pi * 0.7 * t), 0.0)  # bouncing ±8°
    assert thoracic_extension(t, f).reps == 0


def test_lying_knee_twist_sides_and_alternation() -> None:
    # lying throughout; twist right 30° 15 s, left 30° 15 s, right 30° 15 s
    t, tw = holds_signal([(0, 10), (30, 15), (0, 6), (-30, 15), (0, 6), (30, 15), (0, 6)], ramp_s=2.0)
    inc = np.full(t.size, 88.0)
    r = lying_knee_twist(t, inc, tw)
    assert r.reps == 3 and r.sides == ("right", "left", "right")
    for h in r.holds_s:
        assert abs(h - 14.0) <= 1.0
    assert "sides alternated" in r.verified
    # the same twists sitting up (not lying) are not a knee twist
    assert lying_knee_twist(t, np.full(t.size, 10.0), tw).reps == 0
    # one side only: counted, but reported as not alternating
    t2, tw2 = holds_signal([(0, 10), (30, 15), (0, 6), (30, 15), (0, 6)], ramp_s=2.0)
    r2 = lying_knee_twist(t2, np.full(t2.size, 88.0), tw2)
    assert r2.sides == ("right", "right") and "sides did NOT alternate" in r2.verified


def test_lying_twist_angle_from_body_up() -> None:
    a = np.radians([0.0, 30.0, -45.0])
    up = np.stack([np.cos(a), np.sin(a), np.zeros(3)], axis=1)
    assert np.allclose(lying_twist_deg(up), [0.0, 30.0, -45.0])


def test_doorway_pectoral_checks_upright_and_still_only() -> None:
    t, f = holds_signal([(2, 10), (3, 25), (2, 5), (3, 25), (40, 25)])
    inc = np.abs(f)
    windows = [(10.0, 35.0), (40.0, 65.0), (65.0, 90.0)]
    r = doorway_pectoral(t, f, inc, windows)
    assert r.reps == 2 and r.rejected == 1  # the third hold is bent forward 40°
    for h in r.holds_s:
        assert abs(h - 25.0) <= 1.0  # still through the whole prompted hold
    assert any("chest" in s for s in r.timing_only)


def test_scapular_squeeze_is_timing_only() -> None:
    r = scapular_squeeze([(0.0, 5.0), (10.0, 15.2), (20.0, 21.0)])
    assert r.reps == 2 and r.holds_s == (5.0, 5.2) and r.verified == () and r.rejected == 1


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="increasing"):
        thoracic_extension([0.0, 0.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        thoracic_extension([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="end after"):
        scapular_squeeze([(5.0, 1.0)])
