"""The simulated wearer: whole days of IMU samples with per-sample truth, pain and remedies.

Ties the parts together: each day's plan (:mod:`~sensor.simulate.schedule`) is synthesised
(:mod:`~sensor.simulate.synthesis`) in chunks, sensor errors are added (white noise,
per-attachment accelerometer bias, a slowly varying gyroscope bias, 16-bit quantisation), the
sensor clock drifts, and link losses drop samples. Each random stream is seeded from
``(seed, stream, index)`` so day ``k`` never generates days ``0..k−1``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from kinematics import quaternion as quat
from sensor.batch import SampleBatch, SourceInfo
from sensor.simulate.activities import ActivityDraft
from sensor.simulate.mounting import draw_mount
from sensor.simulate.pain import day_log
from sensor.simulate.plan import FAR_S, Night, Plan, draw_night
from sensor.simulate.schedule import PlanBuilder
from sensor.simulate.settings import SimulationSettings
from sensor.simulate.stretching import StretchSession, perform_session
from sensor.simulate.synthesis import Synthesizer
from sensor.simulate.timebase import local_ns
from sensor.simulate.truth import (
    GRAVITY_MPS2,
    UPRIGHT,
    PainRating,
    Remedy,
    SampleTruth,
    SimulatedDay,
)

__all__ = ["SimulatedStretch", "SimulatedWearer"]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

_STREAM_PLAN, _STREAM_NIGHT, _STREAM_SIGNAL, _STREAM_GAPS, _STREAM_PAIN, _STREAM_DEVICE = range(
    1, 7
)
_STREAM_STRETCH_PAIN, _STREAM_STRETCH_SESSION = 7, 8
_INDEX_OFFSET = 1 << 20
_ACC_LSB_MPS2 = 16.0 * 9.80665 / 32768.0
_GYR_LSB_RADS = math.radians(2000.0 / 32768.0)
_HOUR_S = 3600.0
_BIAS_GRID_S = 10.0


@dataclass(frozen=True)
class SimulatedStretch:
    """A stretch session on its own (:meth:`SimulatedWearer.stretch_session`).

    Attributes
    ----------
    samples : SimulatedDay
        The samples and per-sample truth around the session (not a whole day).
    session : StretchSession
        The session's truth (prompted windows, repetitions, holds, faults).
    mounting : ndarray, shape (3, 3)
        Body → sensor matrix of the attachment.
    """

    samples: SimulatedDay
    session: StretchSession
    mounting: FloatArray

    def seconds(self) -> FloatArray:
        """Sample times, seconds from the session's first prompt."""
        return np.asarray((self.samples.t_ns - self.session.start_ns) * 1e-9, dtype=np.float64)


class SimulatedWearer:
    """A deterministic simulated wearer of a back-mounted IMU.

    Parameters
    ----------
    settings : SimulationSettings, optional
        Defaults to ``SimulationSettings()`` (seed 0, 7 days from Monday 2026-11-16, 50 Hz).
    """

    def __init__(self, settings: SimulationSettings | None = None) -> None:
        self.settings = settings if settings is not None else SimulationSettings()
        s = self.settings
        self._tz = ZoneInfo(s.timezone)
        self._t0_ns = self._local_ns(s.start_date, 0.0)
        self._period_ns = 1e9 * (1.0 + s.clock_drift_ppm * 1e-6) / s.fs_hz
        self._plans: dict[int, Plan] = {}
        self._nights: dict[int, Night] = {}
        dev = self._rng(_STREAM_DEVICE, 0)
        self._bias_offset = dev.uniform(-1.0, 1.0, 3)
        self._bias_amp = dev.uniform(0.1, 0.35, (4, 3))
        self._bias_period_s = dev.uniform(0.5, 8.0, (4, 3)) * _HOUR_S
        self._bias_phase = dev.uniform(0.0, 2.0 * math.pi, (4, 3))
        self.info = SourceInfo(
            model="Simulated IMU",
            address=f"sim:{s.seed}",
            name="posturelog simulated wearer",
            firmware="simulate-1",
            rate_hz=float(s.fs_hz),
            has_gyroscope=True,
            extra={
                "seed": str(s.seed),
                "clock_drift_ppm": repr(s.clock_drift_ppm),
                "timezone": s.timezone,
                "start_date": s.start_date.isoformat(),
                "days": str(s.days),
            },
        )

    # -- time ----------------------------------------------------------------------------------

    @property
    def true_rate_hz(self) -> float:
        """The sensor's true sample rate, Hz (nominal rate corrected by the clock drift)."""
        return 1e9 / self._period_ns

    def _local_ns(self, date: dt.date, hours: float) -> int:
        """UTC ns of local wall-clock time ``hours`` after midnight on ``date``."""
        return local_ns(self._tz, date, hours)

    def date_of(self, index: int) -> dt.date:
        """The local date of day ``index``."""
        return self.settings.start_date + dt.timedelta(days=index)

    def day_bounds_ns(self, index: int) -> tuple[int, int]:
        """UTC ns of the local midnights that start and end day ``index``."""
        d = self.date_of(index)
        return self._local_ns(d, 0.0), self._local_ns(d + dt.timedelta(days=1), 0.0)

    def _sample_times(self, n: NDArray[np.int64]) -> NDArray[np.int64]:
        times: NDArray[np.int64] = self._t0_ns + np.rint(n * self._period_ns).astype(np.int64)
        return times

    def _first_sample_at_or_after(self, t_ns: int) -> int:
        n = max(int(math.ceil((t_ns - self._t0_ns) / self._period_ns)), 0)
        while n > 0 and int(self._sample_times(np.array([n - 1]))[0]) >= t_ns:
            n -= 1
        while int(self._sample_times(np.array([n]))[0]) < t_ns:
            n += 1
        return n

    # -- randomness ----------------------------------------------------------------------------

    def _rng(self, stream: int, index: int) -> np.random.Generator:
        return np.random.default_rng(
            np.random.SeedSequence([int(self.settings.seed), stream, index + _INDEX_OFFSET])
        )

    def _night(self, index: int) -> Night:
        """The night that ends on the morning of day ``index`` (cached, its own stream)."""
        cached = self._nights.get(index)
        if cached is None:
            s = self.settings
            cached = draw_night(
                self._rng(_STREAM_NIGHT, index),
                self._tz,
                self.date_of(index),
                s.night_wear_probability,
                s.acc_bias_mps2,
            )
            self._nights[index] = cached
        return cached

    def _plan(self, index: int) -> Plan:
        cached = self._plans.get(index)
        if cached is None:
            builder = PlanBuilder(
                self.settings,
                self._tz,
                index,
                self._rng(_STREAM_PLAN, index),
                self._night(index),
                self._night(index + 1),
            )
            cached = builder.build()
            self._plans[index] = cached
        return cached

    def _check_index(self, index: int) -> None:
        if not isinstance(index, int | np.integer) or not 0 <= index < self.settings.days:
            raise ValueError(f"day index must be in 0..{self.settings.days - 1}, got {index!r}")

    # -- sensor errors ---------------------------------------------------------------------------

    def gyroscope_bias(self, t_ns: NDArray[np.int64]) -> FloatArray:
        """True gyroscope bias at UTC times ``t_ns`` (N,), rad/s, shape (N, 3).

        A bounded, slowly varying quasi-random walk defined in absolute time (continuous across
        days), within ±2·``gyr_bias_rads`` per axis.
        """
        t = (np.asarray(t_ns, dtype=np.int64) - self._t0_ns).astype(np.float64) * 1e-9
        out = np.empty((t.size, 3))
        if t.size == 0:
            return out
        # exact on an absolute 10-s grid, linear in between (the bias changes over hours)
        k0 = math.floor(float(t.min()) / _BIAS_GRID_S)
        k1 = math.ceil(float(t.max()) / _BIAS_GRID_S)
        grid = np.arange(k0, k1 + 1, dtype=np.float64) * _BIAS_GRID_S
        arg = 2.0 * np.pi * grid[:, None, None] / self._bias_period_s + self._bias_phase
        unit = np.clip(self._bias_offset + np.sum(self._bias_amp * np.sin(arg), axis=1), -2.0, 2.0)
        for axis in range(3):
            out[:, axis] = np.interp(t, grid, unit[:, axis])
        return self.settings.gyr_bias_rads * out

    # -- days ----------------------------------------------------------------------------------

    def _gaps(self, index: int, n_first: int, n_end: int) -> list[tuple[int, int]]:
        """Lost sample-index ranges ``[a, b)`` of day ``index``."""
        if not self.settings.link_gaps:
            return []
        rng = self._rng(_STREAM_GAPS, index)
        fs = self.true_rate_hz
        n = n_end - n_first
        out: list[tuple[int, int]] = []
        for _ in range(int(rng.integers(1, 4))):
            a = n_first + int(rng.uniform(0.05, 0.95) * n)
            b = a + max(int(rng.uniform(3.0, 60.0) * fs), 1)
            out.append((a, min(b, n_end - 1)))
        out.sort()
        merged: list[tuple[int, int]] = []
        for a, b in out:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return merged

    def day(self, index: int) -> SimulatedDay:
        """Generate local day ``index`` (0-based) with all per-sample truth.

        Deterministic from ``(seed, index)``; independent of the other days.
        """
        self._check_index(index)
        chunk = self.settings.chunk_samples
        plan = self._plan(index)
        synth = Synthesizer(plan, self._rng(_STREAM_SIGNAL, index))
        noise_rng = self._rng(_STREAM_DEVICE, index + 1)
        n_first = self._first_sample_at_or_after(plan.day_start_ns)
        n_end = self._first_sample_at_or_after(plan.day_end_ns)
        gaps = self._gaps(index, n_first, n_end)
        keep = np.ones(n_end - n_first, dtype=bool)
        for a, b in gaps:
            keep[a - n_first : b - n_first] = False
        out = _Columns.empty(int(keep.sum()))
        pos = 0
        for c0 in range(n_first, n_end, chunk):
            c1 = min(c0 + chunk, n_end)
            columns = self._chunk(plan, synth, noise_rng, c0, c1)
            pos = out.put(pos, columns, keep[c0 - n_first : c1 - n_first])
        logger.debug(
            "simulated day %d (%s): %d samples, %d gaps", index, plan.date, len(out.t_ns), len(gaps)
        )
        return self._assemble(plan, out, gaps)

    def _chunk(
        self,
        plan: Plan,
        synth: Synthesizer,
        noise_rng: np.random.Generator,
        c0: int,
        c1: int,
    ) -> _Columns:
        """Samples ``c0 .. c1−1`` of the sensor with truth, noise, bias and quantisation."""
        s = self.settings
        n = np.arange(c0 - 1, c1, dtype=np.int64)
        t_ns = self._sample_times(n)
        t = (t_ns - plan.day_start_ns).astype(np.float64) * 1e-9
        q, lin, up_body, seg, mount = synth.sensor(t)
        # sample k's rate is the rotation from k−1 to k over one true period
        step = quat.multiply(quat.conjugate(q[:-1]), q[1:])
        gyr = quat.to_rotation_vector(step) / (self._period_ns * 1e-9)
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
        m = t.size
        acc += synth.mount_bias[mount] + noise_rng.normal(0.0, s.acc_noise_mps2, (m, 3))
        gyr += self.gyroscope_bias(t_ns) + noise_rng.normal(0.0, s.gyr_noise_rads, (m, 3))
        if s.quantize:
            acc = np.clip(np.rint(acc / _ACC_LSB_MPS2), -32768, 32767) * _ACC_LSB_MPS2
            gyr = np.clip(np.rint(gyr / _GYR_LSB_RADS), -32768, 32767) * _GYR_LSB_RADS
        return _Columns(t_ns, n, acc, gyr, up, flex, lat, ctx, worn, slouch)

    def _assemble(self, plan: Plan, out: _Columns, gaps: list[tuple[int, int]]) -> SimulatedDay:
        """The day's per-sample columns plus its mountings, routines and gaps."""

        def to_index(t_s: float) -> int:
            t_ns = plan.day_start_ns + int(round(t_s * 1e9))
            return int(np.searchsorted(out.t_ns, t_ns, side="left"))

        mounting = [(0, quat.to_matrix(plan.mounts[0][1]))]
        changes: list[int] = []
        for start_s, q_m, _ in plan.mounts[1:]:
            i = to_index(start_s)
            changes.append(i)
            mounting.append((i, quat.to_matrix(q_m)))
        routines = [
            (plan.day_start_ns + int(round(a * 1e9)), plan.day_start_ns + int(round(b * 1e9)))
            for a, b in plan.routines
        ]
        gap_ns = [
            (int(self._sample_times(np.array([a]))[0]), int(self._sample_times(np.array([b]))[0]))
            for a, b in gaps
        ]
        return SimulatedDay(
            date=plan.date,
            day_start_ns=plan.day_start_ns,
            day_end_ns=plan.day_end_ns,
            t_ns=out.t_ns,
            sample_index=out.sample_index,
            acc_mps2=out.acc_mps2,
            gyr_rads=out.gyr_rads,
            up_sensor=out.up_sensor,
            flexion_deg=out.flexion_deg,
            lateral_deg=out.lateral_deg,
            context=out.context,
            worn=out.worn,
            slouch=out.slouch,
            mount_changes=changes,
            mounting=mounting,
            routines=routines,
            gaps=gap_ns,
        )

    def iter_days(self) -> Iterator[SimulatedDay]:
        """Yield every simulated day in order.

        Each day is generated when requested; drop the previous one before asking for the next
        to keep a single day (~0.5 GB at 50 Hz) in memory.
        """
        for k in range(self.settings.days):
            yield self.day(k)

    # -- recorded-data view ----------------------------------------------------------------------

    def _day_batches(self, day: SimulatedDay, batch_s: float) -> Iterator[SampleBatch]:
        size = max(int(round(batch_s * self.settings.fs_hz)), 1)
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

    def _check_batch(self, batch_s: float) -> None:
        if not (math.isfinite(batch_s) and batch_s > 0.0):
            raise ValueError(f"batch_s must be a positive number of seconds, got {batch_s}")

    def batches(self, batch_s: float = 1.0) -> Iterator[SampleBatch]:
        """The whole simulation as recorded batches of about ``batch_s`` seconds, day by day.

        Batches never span a link-loss gap; the first batch after one has ``gap_before=True``.
        """
        self._check_batch(batch_s)
        for k in range(self.settings.days):
            day = self.day(k)
            yield from self._day_batches(day, batch_s)
            del day  # only one day of samples in memory at a time

    async def stream(self, batch_s: float = 1.0) -> AsyncIterator[SampleBatch]:
        """Asynchronous :meth:`batches`: days are generated in a worker thread, no sleeping."""
        self._check_batch(batch_s)
        for k in range(self.settings.days):
            day = await asyncio.to_thread(self.day, k)
            for i, batch in enumerate(self._day_batches(day, batch_s)):
                yield batch
                if i % 64 == 63:
                    await asyncio.sleep(0)
            del day

    # -- pain and remedies -------------------------------------------------------------------------

    def _day_log(self, index: int) -> tuple[list[PainRating], list[Remedy]]:
        return day_log(
            self._plan(index),
            self._plan(index - 1),
            self._rng(_STREAM_PAIN, index),
            self._tz,
            self.settings.pain_slouch_gain,
            self._rng(_STREAM_STRETCH_PAIN, index) if self.settings.stretching else None,
        )

    def _intervals_ns(self, of_plan: Callable[[Plan], list[tuple[float, float]]]) -> list[tuple[int, int]]:
        """Intervals (s from the start of each day's plan) as UTC ns, day after day."""
        out: list[tuple[int, int]] = []
        for k in range(self.settings.days):
            plan = self._plan(k)
            out += [
                (plan.day_start_ns + int(round(a * 1e9)), plan.day_start_ns + int(round(b * 1e9)))
                for a, b in of_plan(plan)
            ]
        return out

    def routines(self) -> list[tuple[int, int]]:
        """``(start_ns, end_ns)`` of every calibration routine of the simulation (no raw signal).

        Same intervals as ``SimulatedDay.routines``, day after day.
        """
        return self._intervals_ns(lambda plan: plan.routines)

    def mountings(self) -> list[tuple[int, FloatArray]]:
        """Every attachment of the simulation: (UTC ns when it starts, mounting matrix (3, 3)
        body → sensor), oldest first; the first is the night before day 0."""
        out: list[tuple[int, FloatArray]] = []
        for index in range(self.settings.days):
            plan = self._plan(index)
            for start_s, q_m, _ in plan.mounts[(1 if index else 0):]:
                t_ns = plan.day_start_ns + int(round(max(start_s, -86400.0) * 1e9))
                out.append((t_ns, quat.to_matrix(q_m)))
        return out

    def alert_reactions(self) -> list[tuple[int, bool]]:
        """With ``feedback_alert_after_s``: (UTC ns of each simulated alert, whether the wearer
        straightened up)."""
        return [(self._plan(i).day_start_ns + int(round(t * 1e9)), ok)
                for i in range(self.settings.days) for t, ok in self._plan(i).reactions]

    def stretch_sessions(self) -> list[StretchSession]:
        """With ``stretching``: every stretch session of the simulation with its truth, in time
        order (their samples are in the days)."""
        return [st for i in range(self.settings.days) for st in self._plan(i).stretches]

    def stretch_session(self, routine: str, fault: str = "", *, index: int = 0,
                        reps: int | None = None) -> SimulatedStretch:
        """One stretch session on its own: about 90 s of sitting or standing, the session, 60 s
        of standing, synthesised with the day's sensor model (noise, bias, drift, quantisation).

        Deterministic from ``(seed, index)``; independent of the days and of ``stretching``.

        Parameters
        ----------
        routine : str
            One of :data:`sensor.simulate.stretching.SESSION_TIMING`.
        fault : str
            ``""`` (done well) or one of ``FAULTS[routine]``.
        index : int
            Which draw (any non-negative integer; the session is at local 10:00 on day
            ``index`` of the simulation's calendar).
        reps : int, optional
            Prompted repetitions.

        Raises
        ------
        ValueError
            Unknown routine or fault, negative index.
        """
        if not isinstance(index, int | np.integer) or index < 0:
            raise ValueError(f"index must be a non-negative integer, got {index!r}")
        s = self.settings
        rng = self._rng(_STREAM_STRETCH_SESSION, int(index))
        b = ActivityDraft(s, self._tz, int(index), rng)
        b.day_start_ns = self._local_ns(self.date_of(int(index)), 10.0)
        mount_q, acc_bias = draw_mount(rng, s.acc_bias_mps2)
        b.mounts.append((-FAR_S, mount_q, acc_bias))
        lead, tail = 90.0, 60.0
        if routine in ("thoracic-extension", "scapular-squeeze"):
            b.sit(0.0, lead, "chair", 0.0, 6.0, 0.0)
        else:
            b.stand(0.0, lead)
        session = perform_session(b, lead, routine, fault, rng, reps)
        length = b.stand(session.end_s, session.end_s + tail)
        plan = Plan(index=int(index), date=self.date_of(int(index)), day_start_ns=b.day_start_ns,
                    day_end_ns=b.day_start_ns + int(round(length * 1e9)), length_s=length,
                    wake_s=0.0, bed_s=length, key_t=np.asarray(b.key_t, dtype=np.float64),
                    key_v=np.asarray(b.key_v, dtype=np.float64), segments=b.segments,
                    mounts=b.mounts, bouts=np.asarray(b.bouts, dtype=np.float64).reshape(-1, 10),
                    episodes=[], routines=[], stretches=[session])
        synth = Synthesizer(plan, rng)
        noise_rng = self._rng(_STREAM_STRETCH_SESSION, int(index) + _INDEX_OFFSET)
        n_first = self._first_sample_at_or_after(plan.day_start_ns)
        n_end = self._first_sample_at_or_after(plan.day_end_ns)
        out = _Columns.empty(n_end - n_first)
        pos = 0
        for c0 in range(n_first, n_end, s.chunk_samples):
            c1 = min(c0 + s.chunk_samples, n_end)
            pos = out.put(pos, self._chunk(plan, synth, noise_rng, c0, c1),
                          np.ones(c1 - c0, dtype=bool))
        return SimulatedStretch(self._assemble(plan, out, []), session, quat.to_matrix(mount_q))

    def slouch_episodes(self) -> list[tuple[int, int]]:
        """``(start_ns, end_ns)`` of every intended slouch episode (no raw signal).

        ``SimulatedDay.slouch`` is true exactly for the samples inside these intervals.
        """
        return self._intervals_ns(lambda plan: plan.episodes)

    def pain_ratings(self) -> list[PainRating]:
        """All momentary pain ratings of the simulation, in time order (no raw signal needed)."""
        return [r for k in range(self.settings.days) for r in self._day_log(k)[0]]

    def remedies(self) -> list[Remedy]:
        """All remedies taken during the simulation, in time order."""
        return [r for k in range(self.settings.days) for r in self._day_log(k)[1]]


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
