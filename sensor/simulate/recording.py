"""A plan recorded by the simulated sensor: per-sample columns with truth, and recorded batches.

:func:`record` turns a plan (:mod:`~sensor.simulate.plan`) into a :class:`SimulatedDay`: the
synthesised motion (:mod:`~sensor.simulate.synthesis`) is sampled in chunks at the sensor's
true sample times, measured with the sensor's errors (:mod:`~sensor.simulate.device`), and the
samples lost to link gaps are left out. :func:`day_batches` cuts a day into the
:class:`~sensor.batch.SampleBatch` es a real sensor would deliver.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from kinematics import quaternion as quat
from sensor.batch import SampleBatch
from sensor.simulate.device import SimulatedSensor
from sensor.simulate.plan import Plan
from sensor.simulate.synthesis import Synthesizer
from sensor.simulate.truth import GRAVITY_MPS2, UPRIGHT, SampleTruth, SimulatedDay
from vocab.units import NS_PER_S

__all__ = ["check_batch_s", "day_batches", "record"]


@dataclass
class _Columns(SampleTruth):
    """Per-sample columns of (part of) a day, named as in :class:`SimulatedDay`."""

    @classmethod
    def empty(cls, n: int) -> _Columns:
        """Uninitialised columns for ``n`` samples."""
        return cls(
            np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64),
            np.empty((n, 3)),
            np.empty((n, 3)),
            np.empty((n, 3)),
            np.empty(n),
            np.empty(n),
            np.empty(n, dtype=np.uint8),
            np.empty(n, dtype=bool),
            np.empty(n, dtype=bool),
        )

    def put(self, pos: int, chunk: _Columns, keep: NDArray[np.bool_]) -> int:
        """Copy the kept samples of ``chunk`` to ``pos``; returns the next free position."""
        everything = bool(keep.all())
        nk = keep.size if everything else int(keep.sum())
        for f in fields(self):
            target = getattr(self, f.name)
            values = getattr(chunk, f.name)
            target[pos : pos + nk] = values if everything else values[keep]
        return pos + nk


def record(
    plan: Plan,
    synth: Synthesizer,
    sensor: SimulatedSensor,
    noise_rng: np.random.Generator,
    chunk_samples: int,
    gaps: Sequence[tuple[int, int]] = (),
) -> SimulatedDay:
    """The samples of ``plan`` as recorded, with all per-sample truth.

    Parameters
    ----------
    plan : Plan
        What the wearer does (its ``day_start_ns .. day_end_ns`` is recorded).
    synth : Synthesizer
        The plan's per-sample motion.
    sensor : SimulatedSensor
        Clock and errors.
    noise_rng : numpy Generator
        The white noise of these samples.
    chunk_samples : int
        Samples synthesised at a time (memory only; the output does not depend on it).
    gaps : sequence of (int, int)
        Lost sample-index ranges ``[a, b)`` (:func:`~sensor.simulate.device.draw_link_gaps`).

    Returns
    -------
    SimulatedDay
    """
    n_first, n_end = sensor.sample_span(plan.day_start_ns, plan.day_end_ns)
    keep = np.ones(n_end - n_first, dtype=bool)
    for a, b in gaps:
        keep[a - n_first : b - n_first] = False
    out = _Columns.empty(int(keep.sum()))
    pos = 0
    for c0 in range(n_first, n_end, chunk_samples):
        c1 = min(c0 + chunk_samples, n_end)
        columns = _sample_columns(plan, synth, sensor, noise_rng, c0, c1)
        pos = out.put(pos, columns, keep[c0 - n_first : c1 - n_first])
    return _assemble(plan, sensor, out, gaps)


def _sample_columns(
    plan: Plan,
    synth: Synthesizer,
    sensor: SimulatedSensor,
    noise_rng: np.random.Generator,
    c0: int,
    c1: int,
) -> _Columns:
    """Samples ``c0 .. c1−1`` of the sensor with truth, noise, bias and quantisation."""
    n = np.arange(c0 - 1, c1, dtype=np.int64)
    t_ns = sensor.sample_times(n)
    t = (t_ns - plan.day_start_ns).astype(np.float64) * 1e-9
    q, lin, up_body, seg, mount = synth.sensor(t)
    # sample k's rate is the rotation from k−1 to k over one true period
    step = quat.multiply(quat.conjugate(q[:-1]), q[1:])
    gyr = quat.to_rotation_vector(step) / (sensor.period_ns * 1e-9)
    q, lin, up_body, seg, mount, t_ns, t, n = (
        q[1:],
        lin[1:],
        up_body[1:],
        seg[1:],
        mount[1:],
        t_ns[1:],
        t[1:],
        n[1:],
    )
    lin += np.array([0.0, 0.0, GRAVITY_MPS2])
    acc = quat.rotate_inverse(q, lin)
    up = quat.up_in_frame(q)
    del lin, q
    worn = synth.seg_worn[seg]
    ctx = synth.seg_context[seg]
    if synth.ep_start.size:
        e = np.clip(
            np.searchsorted(synth.ep_start, t, side="right") - 1, 0, synth.ep_start.size - 1
        )
        slouch = (t >= synth.ep_start[e]) & (t < synth.ep_end[e]) & (ctx == UPRIGHT) & worn
    else:
        slouch = np.zeros(t.size, dtype=bool)
    flex = np.degrees(np.arcsin(np.clip(-up_body[:, 0], -1.0, 1.0)))
    lat = np.degrees(np.arctan2(up_body[:, 1], up_body[:, 2]))
    flex[~worn] = np.nan
    lat[~worn] = np.nan
    acc, gyr = sensor.measure(acc, gyr, synth.mount_bias[mount], t_ns, noise_rng)
    return _Columns(t_ns, n, acc, gyr, up, flex, lat, ctx, worn, slouch)


def _assemble(plan: Plan, sensor: SimulatedSensor, out: _Columns,
              gaps: Sequence[tuple[int, int]]) -> SimulatedDay:
    """The day's per-sample columns plus its mountings, routines and gaps."""

    def to_index(t_s: float) -> int:
        t_ns = plan.day_start_ns + int(round(t_s * NS_PER_S))
        return int(np.searchsorted(out.t_ns, t_ns, side="left"))

    mounting = [(0, quat.to_matrix(plan.mounts[0][1]))]
    changes: list[int] = []
    for start_s, q_m, _ in plan.mounts[1:]:
        i = to_index(start_s)
        changes.append(i)
        mounting.append((i, quat.to_matrix(q_m)))
    routines = [
        (plan.day_start_ns + int(round(a * NS_PER_S)), plan.day_start_ns + int(round(b * NS_PER_S)))
        for a, b in plan.routines
    ]
    gap_ns = [
        (int(sensor.sample_times(np.array([a]))[0]), int(sensor.sample_times(np.array([b]))[0]))
        for a, b in gaps
    ]
    columns = {f.name: getattr(out, f.name) for f in fields(SampleTruth)}
    return SimulatedDay(date=plan.date, day_start_ns=plan.day_start_ns, day_end_ns=plan.day_end_ns,
                        mount_changes=changes, mounting=mounting, routines=routines, gaps=gap_ns,
                        **columns)


def check_batch_s(batch_s: float) -> None:
    """Raise ``ValueError`` unless ``batch_s`` is a positive number of seconds."""
    if not (math.isfinite(batch_s) and batch_s > 0.0):
        raise ValueError(f"batch_s must be a positive number of seconds, got {batch_s}")


def day_batches(day: SimulatedDay, batch_s: float, fs_hz: float) -> Iterator[SampleBatch]:
    """A day's samples as recorded batches of about ``batch_s`` seconds.

    Parameters
    ----------
    day : SimulatedDay
    batch_s : float
        Batch length, s (:func:`check_batch_s`).
    fs_hz : float
        Nominal sample rate, Hz (``round(batch_s · fs_hz)`` samples a batch, at least one).

    Yields
    ------
    SampleBatch
        Copies of the samples; batches never span a link-loss gap, the first batch after one
        has ``gap_before=True``.
    """
    size = max(int(round(batch_s * fs_hz)), 1)
    breaks = np.flatnonzero(np.diff(day.sample_index) > 1) + 1
    runs = np.split(np.arange(day.t_ns.size), breaks) if day.t_ns.size else []
    for r, run in enumerate(runs):
        if run.size == 0:
            continue
        a0, a1 = int(run[0]), int(run[-1]) + 1
        for b0 in range(a0, a1, size):
            b1 = min(b0 + size, a1)
            yield SampleBatch(
                t_ns=day.t_ns[b0:b1].copy(),
                acc_mps2=day.acc_mps2[b0:b1].copy(),
                gyr_rads=day.gyr_rads[b0:b1].copy(),
                gap_before=r > 0 and b0 == a0,
            )
