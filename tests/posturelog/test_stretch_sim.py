"""Simulated stretch sessions through the ``posturelog stretch`` path (tilt filter → angles →
``analysis.stretches``): reps counted exactly, holds within 1 s, wrong stretches not counted."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import time
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from analysis.calibration import Mounting
from posturelog.live_state import save_live_mounting
from posturelog.store import Store
from posturelog.stretch import (
    REP_GRACE_S,
    RepCheck,
    RepetitionFeedback,
    StretchAngles,
    angles_from_samples,
    check_stretch,
    prompt_schedule,
)
from posturelog.stretch_cmd import run_stretch
from sensor.batch import SampleBatch, SourceInfo
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


# -- live feedback per repetition -------------------------------------------------------------

REASONS = {"flexion": ("bent forward",), "sitting": ("not lying",),
           "bounce": ("not still", "bouncing"), "short": ("held",),
           "fidget": ("not still", "bouncing"), "lean": ("not standing upright",)}


def _batches(sim: SimulatedStretch, shift_ns: int = 0, batch: int = 5) -> list[SampleBatch]:
    """The session's samples from the first prompt on, as the BLE client yields them (0.1 s)."""
    d = sim.samples
    i0 = int(np.searchsorted(d.t_ns, sim.session.start_ns))
    return [SampleBatch(d.t_ns[i:i + batch] + shift_ns, d.acc_mps2[i:i + batch],
                        d.gyr_rads[i:i + batch]) for i in range(i0, d.t_ns.size, batch)]


@pytest.mark.parametrize(("routine", "fault"), CASES)
def test_live_verdict_after_each_repetition(routine: str, fault: str) -> None:
    sim = _wearer().stretch_session(routine, fault, index=3)
    truth, plan = sim.session, prompt_schedule(routine)
    live = RepetitionFeedback(plan, _mounting(sim.mounting))
    seen: list[tuple[float, RepCheck]] = []
    for b in _batches(sim):
        for check in live.add(b, truth.start_ns):
            seen.append(((int(b.t_ns[-1]) - truth.start_ns) / 1e9, check))
    assert [c.index for _, c in seen] == list(range(len(plan.holds)))
    for (at_s, check), rep, (_, end) in zip(seen, truth.reps, plan.holds, strict=True):
        assert end + REP_GRACE_S <= at_s < end + REP_GRACE_S + 0.2  # as soon as it is due
        assert check.counted == rep.correct, check.line()
        if rep.correct and routine != "scapular-squeeze":
            assert check.hold_s is not None and abs(check.hold_s - rep.hold_s) <= 1.0
        if not rep.correct:
            assert any(r in check.reason for r in REASONS[rep.fault]), check.line()
            assert check.line().startswith(f"Repetition {check.index + 1} of {len(plan.holds)}: "
                                           "not counted: ")
    # the live verdicts agree with the check of the whole routine
    assert sum(c.counted for _, c in seen) == check_stretch(plan, _angles(sim)).reps
    assert live.finish(truth.start_ns) == []


def test_stretch_command_prints_each_repetition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_stretch`` with a simulated sensor stream in place of BLE: a verdict per repetition
    while streaming, then the remedy with the note."""
    import posturelog.guided as guided

    sim = _wearer().stretch_session("thoracic-extension", "short", index=0)
    info = SourceInfo(model="Simulated IMU", address="sim:0", name="sim", firmware="",
                      rate_hz=BASE.fs_hz, has_gyroscope=True)

    class FakeStream:
        def __init__(self, *_: object) -> None:
            self.batches: list[SampleBatch] = []

        async def start(self) -> SourceInfo:
            self.batches = _batches(sim, time.time_ns() - sim.session.start_ns)
            return info

        async def close(self) -> None:
            return None

        async def __aiter__(self) -> AsyncIterator[SampleBatch]:
            for b in self.batches:
                yield b
                await asyncio.sleep(0)

    async def choose(*_: object) -> str:
        return "sim:0"

    monkeypatch.setattr(guided, "choose_device", choose)
    monkeypatch.setattr(guided, "SensorStream", FakeStream)
    out = io.StringIO()
    with Store(tmp_path / "data") as store:
        save_live_mounting(store, _mounting(sim.mounting))
        line = run_stretch(store, "thoracic-extension", None, Console(file=out, width=200))
        notes = list(store.remedy_log(0, 2**62)["note"])
    text = out.getvalue()
    good = sim.session.reps_correct
    assert text.count("Repetition ") == 5 and text.count(": counted, held") == good
    assert text.count("not counted: held") == 5 - good
    assert notes[0].startswith(f"thoracic-extension: {good} of 5 reps counted")
    assert line.startswith("Logged a stretch")


def test_routine_names_defined_once() -> None:
    import analysis.stretches
    import sensor.simulate.stretching
    from vocab.stretchnote import STRETCH_ROUTINES

    assert analysis.stretches.ROUTINES is STRETCH_ROUTINES
    assert tuple(sensor.simulate.stretching.SESSION_TIMING) == STRETCH_ROUTINES
