"""The simulated wearer: whole days of IMU samples with per-sample truth, pain and remedies.

Ties the parts together: each day's plan (:mod:`~sensor.simulate.schedule`) is synthesised
(:mod:`~sensor.simulate.synthesis`) and recorded (:mod:`~sensor.simulate.recording`) by the
simulated sensor (:mod:`~sensor.simulate.device`: white noise, per-attachment accelerometer
bias, a slowly varying gyroscope bias, 16-bit quantisation, a drifting clock, link losses that
drop samples); pain and remedies come from the plans (:mod:`~sensor.simulate.pain`). Each
random stream is seeded from ``(seed, stream, index)`` so day ``k`` never generates days
``0..k−1``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from kinematics import quaternion as quat
from sensor.batch import SampleBatch, SourceInfo
from sensor.simulate.device import SimulatedSensor, draw_link_gaps
from sensor.simulate.pain import day_log
from sensor.simulate.plan import Night, Plan, draw_night
from sensor.simulate.recording import check_batch_s, day_batches, record
from sensor.simulate.schedule import PlanBuilder
from sensor.simulate.settings import SimulationSettings
from sensor.simulate.stretch_session import SimulatedStretch, session_plan
from sensor.simulate.stretching import StretchSession
from sensor.simulate.synthesis import Synthesizer
from sensor.simulate.timebase import local_ns
from sensor.simulate.truth import PainRating, Remedy, SimulatedDay

__all__ = ["SimulatedWearer"]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

_STREAM_PLAN, _STREAM_NIGHT, _STREAM_SIGNAL, _STREAM_GAPS, _STREAM_PAIN, _STREAM_DEVICE = range(
    1, 7
)
_STREAM_STRETCH_PAIN, _STREAM_STRETCH_SESSION = 7, 8
_INDEX_OFFSET = 1 << 20


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
        self._plans: dict[int, Plan] = {}
        self._nights: dict[int, Night] = {}
        self._sensor = SimulatedSensor(s, self._local_ns(s.start_date, 0.0),
                                       self._rng(_STREAM_DEVICE, 0))
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
        return self._sensor.true_rate_hz

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
            builder = PlanBuilder(self.settings, self._tz, index, self._rng(_STREAM_PLAN, index))
            cached = builder.build(self._night(index), self._night(index + 1))
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
        return self._sensor.gyroscope_bias(t_ns)

    # -- days ----------------------------------------------------------------------------------

    def day(self, index: int) -> SimulatedDay:
        """Generate local day ``index`` (0-based) with all per-sample truth.

        Deterministic from ``(seed, index)``; independent of the other days.
        """
        self._check_index(index)
        plan = self._plan(index)
        gaps: list[tuple[int, int]] = []
        if self.settings.link_gaps:
            n_first, n_end = self._sensor.sample_span(plan.day_start_ns, plan.day_end_ns)
            gaps = draw_link_gaps(self._rng(_STREAM_GAPS, index), self.true_rate_hz, n_first, n_end)
        day = record(plan, Synthesizer(plan, self._rng(_STREAM_SIGNAL, index)), self._sensor,
                     self._rng(_STREAM_DEVICE, index + 1), self.settings.chunk_samples, gaps)
        logger.debug(
            "simulated day %d (%s): %d samples, %d gaps", index, plan.date, len(day.t_ns), len(gaps)
        )
        return day

    def iter_days(self) -> Iterator[SimulatedDay]:
        """Yield every simulated day in order.

        Each day is generated when requested; drop the previous one before asking for the next
        to keep a single day (~0.5 GB at 50 Hz) in memory.
        """
        for k in range(self.settings.days):
            yield self.day(k)

    # -- recorded-data view ----------------------------------------------------------------------

    def batches(self, batch_s: float = 1.0) -> Iterator[SampleBatch]:
        """The whole simulation as recorded batches of about ``batch_s`` seconds, day by day.

        Batches never span a link-loss gap; the first batch after one has ``gap_before=True``.
        """
        check_batch_s(batch_s)
        for k in range(self.settings.days):
            day = self.day(k)
            yield from day_batches(day, batch_s, self.settings.fs_hz)
            del day  # only one day of samples in memory at a time

    async def stream(self, batch_s: float = 1.0) -> AsyncIterator[SampleBatch]:
        """Asynchronous :meth:`batches`: days are generated in a worker thread, no sleeping."""
        check_batch_s(batch_s)
        for k in range(self.settings.days):
            day = await asyncio.to_thread(self.day, k)
            for i, batch in enumerate(day_batches(day, batch_s, self.settings.fs_hz)):
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
        k = int(index)
        rng = self._rng(_STREAM_STRETCH_SESSION, k)
        plan, session, mount_q = session_plan(self.settings, self._tz, k, self.date_of(k), rng,
                                              routine, fault, reps)
        samples = record(plan, Synthesizer(plan, rng), self._sensor,
                         self._rng(_STREAM_STRETCH_SESSION, k + _INDEX_OFFSET),
                         self.settings.chunk_samples)
        return SimulatedStretch(samples, session, quat.to_matrix(mount_q))

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
