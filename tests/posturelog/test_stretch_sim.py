"""Simulated stretch sessions through the ``posturelog stretch`` path (tilt filter → angles →
``analysis.stretches``): reps counted exactly, holds within 1 s, wrong stretches not counted."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from analysis.calibration import Mounting
from posturelog.stretch import StretchAngles, angles_from_samples, check_stretch, prompt_schedule
from sensor.simulate import FAULTS, SimulatedStretch, SimulatedWearer, SimulationSettings
from sensor.simulate.stretching import SESSION_TIMING, session_windows
from vocab.stretchnote import parse_stretch_note

BASE = SimulationSettings(days=2, fs_hz=50.0, seed=11)
CASES = [(r, f) for r, faults in FAULTS.items() for f in ("", *faults)]


@cache
def _wearer() -> SimulatedWearer:
    return SimulatedWearer(BASE)


def _mounting(matrix: np.ndarray) -> Mounting:
    """Body → sensor matrix → the calibration ``stretch`` would use (up = column z)."""
    return Mounting.from_axes(matrix[:, 2], matrix[:, 0], "routine")


def _angles(sim: SimulatedStretch) -> StretchAngles:
    d, s = sim.samples, sim.session
    inside = (d.t_ns >= s.start_ns) & (d.t_ns < s.end_ns)
    return angles_from_samples(sim.seconds()[inside], d.acc_mps2[inside], d.gyr_rads[inside],
                               _wearer().true_rate_hz, _mounting(sim.mounting))


def test_simulated_timing_is_the_commands() -> None:
    for routine in SESSION_TIMING:
        plan = prompt_schedule(routine)
        holds, length = session_windows(routine)
        assert holds == plan.holds and length == plan.duration_s


@pytest.mark.parametrize(("routine", "fault"), CASES)
@pytest.mark.parametrize("index", [0, 1, 2])
def test_stretch_checked_against_truth(routine: str, fault: str, index: int) -> None:
    sim = _wearer().stretch_session(routine, fault, index=index)
    truth = sim.session
    plan = prompt_schedule(routine)
    result = check_stretch(plan, _angles(sim))
    good = [r for r in truth.reps if r.correct]
    assert result.reps == len(good)  # exact, done well or badly
    if fault in ("flexion", "sitting"):
        assert result.reps == 0  # the wrong stretch is never counted
    if routine == "scapular-squeeze":
        assert result.holds_s == tuple(b - a for a, b in plan.holds)  # timing only
        return
    assert np.max(np.abs(np.subtract(result.holds_s, [r.hold_s for r in good])), initial=0.0) <= 1.0
    if routine == "knee-twist":
        assert result.sides == tuple(r.side for r in good)
    note = parse_stretch_note(truth.note())
    assert note is not None and note.reps == len(good) and note.verified == (len(good) > 0)


def test_day_sessions_checked_from_the_days_samples() -> None:
    """Sessions inside simulated days (``stretching=True``) verify from the day's samples."""
    w = SimulatedWearer(dataclasses.replace(BASE, fs_hz=10.0, stretching=True, days=2, seed=3))
    sessions = w.stretch_sessions()
    assert sessions
    for k in range(2):
        day = w.day(k)
        for s in sessions:
            if not day.day_start_ns <= s.start_ns < day.day_end_ns:
                continue
            inside = (day.t_ns >= s.start_ns) & (day.t_ns < s.end_ns)
            first = int(np.argmax(inside))
            matrix = [m for i, m in day.mounting if i <= first][-1]
            angles = angles_from_samples((day.t_ns[inside] - s.start_ns) * 1e-9,
                                         day.acc_mps2[inside], day.gyr_rads[inside],
                                         w.true_rate_hz, _mounting(matrix))
            assert check_stretch(prompt_schedule(s.routine), angles).reps == s.reps_correct
    notes = [r.note for r in w.remedies() if r.kind == "stretch"]
    assert sum(n == s.note() for s in sessions for n in notes) == len(sessions)


def test_without_stretching_nothing_changes_before_the_first_session() -> None:
    """The option draws from its own streams: samples up to the wearer's walk to the first
    session (it starts 5–30 s after the activity before it) are identical, and without it there
    are no sessions (full identity checked by hashing, docs/feedback.md)."""
    off = SimulatedWearer(dataclasses.replace(BASE, fs_hz=2.0, days=1))
    on = SimulatedWearer(dataclasses.replace(BASE, fs_hz=2.0, days=1, stretching=True))
    assert off.stretch_sessions() == []
    first = on.stretch_sessions()[0].start_ns
    a, b = off.day(0), on.day(0)
    n = int(np.searchsorted(a.t_ns, first - 31 * 10**9))
    assert n > 1000
    np.testing.assert_array_equal(a.acc_mps2[:n], b.acc_mps2[:n])
    np.testing.assert_array_equal(a.gyr_rads[:n], b.gyr_rads[:n])


def test_bad_arguments() -> None:
    w = _wearer()
    with pytest.raises(ValueError, match="faults"):
        w.stretch_session("doorway-pec", "bounce")
    with pytest.raises(ValueError, match="unknown stretch routine"):
        w.stretch_session("yoga")
    with pytest.raises(ValueError, match="index"):
        w.stretch_session("knee-twist", index=-1)
    with pytest.raises(ValueError, match="stretch_good_probability"):
        SimulationSettings(stretch_good_probability=1.5)
