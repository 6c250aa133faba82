"""``posturelog stretch`` core: prompt schedules, checks on simulated angle streams, the note."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.calibration import Mounting
from posturelog.errors import UserError
from posturelog.store import Store
from posturelog.stretch import (
    StretchAngles,
    angles_from_samples,
    check_stretch,
    prompt_schedule,
    resolve_routine,
    stretch_note,
)
from posturelog.stretch_cmd import log_stretch

FS = 10.0
G = 9.80665


def _profile(plan_holds: list[tuple[float, float]], duration: float, peak: float,
             done: list[bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """An angle trace that goes to ``peak`` (2-s ramps) in each prompted hold the wearer did."""
    t = np.arange(0.0, duration, 1 / FS)
    x = np.zeros_like(t)
    for i, (a, b) in enumerate(plan_holds):
        if done is not None and not done[i]:
            continue
        ramp_in = np.clip((t - a) / 2.0, 0, 1)
        ramp_out = np.clip((b - t) / 2.0, 0, 1)
        x += peak * np.minimum(ramp_in, ramp_out) * ((t >= a) & (t <= b))
    rng = np.random.default_rng(0)
    return t, x + 0.3 * rng.standard_normal(t.size)


def _angles(t: np.ndarray, flex: np.ndarray, inc: np.ndarray | None = None,
            twist: np.ndarray | None = None) -> StretchAngles:
    z = np.zeros_like(t)
    return StretchAngles(t, flex, np.abs(flex) if inc is None else inc, z if twist is None else twist)


def test_routine_names() -> None:
    assert resolve_routine("doorway") == "doorway-pec"
    assert resolve_routine(None) == "thoracic-extension"
    with pytest.raises(UserError, match="thoracic-extension, knee-twist, doorway, scapular-squeeze"):
        resolve_routine("yoga")
    with pytest.raises(UserError, match="--reps"):
        prompt_schedule("knee-twist", 0)


def test_extension_done_well_counts_exactly() -> None:
    plan = prompt_schedule("thoracic-extension")
    assert len(plan.holds) == 5 and plan.prompts[0].at_s == 0
    t, flex = _profile(list(plan.holds), plan.duration_s, -22.0, done=[True, True, False, True, True])
    res = check_stretch(plan, _angles(t, flex))
    assert res.reps == 4
    assert all(5.0 <= h <= 10.0 for h in res.holds_s)
    note = stretch_note(plan, res)
    assert note.startswith("thoracic-extension: 4 of 5 reps counted")
    assert "verified by the sensor: extension beyond upright" in note


def test_flexion_instead_of_extension_not_counted() -> None:
    plan = prompt_schedule("thoracic-extension")
    t, flex = _profile(list(plan.holds), plan.duration_s, +22.0)
    res = check_stretch(plan, _angles(t, flex))
    assert res.reps == 0


def test_extension_from_raw_samples() -> None:
    plan = prompt_schedule("thoracic-extension", 3)
    t, flex = _profile(list(plan.holds), plan.duration_s, -25.0)
    f = np.radians(flex)
    acc = G * np.stack([np.sin(f), np.zeros_like(f), np.cos(f)], axis=1)
    mounting = Mounting.from_axes([0, 0, 1], [-1, 0, 0], "routine")
    angles = angles_from_samples(t, acc, None, FS, mounting)
    assert np.median(np.abs(angles.flexion_deg - flex)) < 1.0  # the low-pass smooths the ramps only
    assert check_stretch(plan, angles).reps == 3


def test_knee_twist_sides_and_wrong_posture() -> None:
    plan = prompt_schedule("knee-twist")
    t, mag = _profile(list(plan.holds), plan.duration_s, 30.0)
    side = np.ones_like(t)
    for i, (a, b) in enumerate(plan.holds):
        side[(t >= a) & (t <= b)] = -1.0 if i % 2 == 0 else 1.0  # left first
    lying = np.full_like(t, 85.0)
    res = check_stretch(plan, _angles(t, np.zeros_like(t), lying, mag * side))
    assert res.reps == 4 and res.sides == ("left", "right", "left", "right")
    assert "sides alternated" in res.verified
    sitting = np.full_like(t, 5.0)  # twisting while sitting is not the lying stretch
    assert check_stretch(plan, _angles(t, np.zeros_like(t), sitting, mag * side)).reps == 0


def test_squeeze_is_timing_only_and_doorway_needs_stillness() -> None:
    plan = prompt_schedule("scapular-squeeze", 4)
    res = check_stretch(plan, None)
    assert res.reps == 4 and res.verified == ()
    assert "timing only" in stretch_note(plan, res)
    door = prompt_schedule("doorway", 2)
    t = np.arange(0.0, door.duration_s, 1 / FS)
    still = _angles(t, 2.0 + 0.2 * np.sin(t), np.full_like(t, 3.0))
    assert check_stretch(door, still).reps == 2
    bouncing = _angles(t, 8.0 * np.sin(2 * np.pi * t / 3.0), np.full_like(t, 8.0))
    assert check_stretch(door, bouncing).reps == 0
    with pytest.raises(UserError, match="no sensor data"):
        check_stretch(door, None)


def test_stretch_logged_as_remedy(tmp_path: Path) -> None:
    with Store(tmp_path / "data") as store:
        log_stretch(store, 1_790_000_000 * 10**9, "thoracic-extension: 5 of 5 reps counted.")
        log = store.remedy_log(0, 2**62)
    assert list(log["kind"]) == ["stretch"]
    assert "5 of 5" in log["note"].iloc[0]
