"""A simulated wearer: physically consistent IMU data with per-sample truth, pain and remedies.

The simulator produces what a commodity IMU (accelerometer + gyroscope) taped between the
shoulder blades (T2–T6) would record over whole days, together with the truth an analysis is
validated against (true gravity direction, trunk angles, context, wear, slouch episodes,
mounting rotations, calibration routines) and a plausible pain / remedy log.

Everything is deterministic given ``SimulationSettings.seed``; day ``k`` depends only on
``(seed, k)`` (and on the two nights around it, which are drawn from ``(seed, night index)``),
so ``day(5)`` never generates days 0–4.

Frames and conventions
----------------------
* World frame ``W``: x horizontal (arbitrary heading origin), y horizontal, z up.
* Body (trunk) frame ``B``: x anterior (forward), y to the wearer's left, z cranial (up the
  spine). ``B`` coincides with the wearer's own "stand tall" upright, so kyphosis is absorbed in
  the mounting rotation and flexion is always relative to the wearer's upright.
* Sensor frame ``S``: the IMU's axes.
* Trunk orientation (body → world) ``Q = Rz(heading) · Ry(flexion) · Rx(lateral) · Rz(axial)``:
  positive flexion tilts the trunk forward, positive lateral bend tilts it to the right, axial
  is a roll about the spine (used for twisting while walking and for side/prone lying).
* Mounting ``M`` (3×3, body → sensor coordinates): ``v_S = M v_B``. Each attachment draws a new
  ``M``: one of 8 nominal axis assignments (sensor flat on the back, its x axis up the spine for
  the default; the other seven rotate the sensor by 90° steps about the skin normal and/or flip
  it face-in; the default is used on about half of the attachments) composed with a tilt of
  0–25° about the medio-lateral axis (kyphosis, shoulder-blade shape), a small random
  rotation (≈4° rms) and a rotation about the skin normal of ±30° (uniform over the full circle
  on 15 % of attachments).
* Sensor orientation (sensor → world) ``R_S = Q Mᵀ`` while worn. Off the body (night table,
  shower shelf) ``R_S`` is a constant random pose (flat on one face, arbitrary, or leaning), and
  while the sensor is handled (attach/detach, a few seconds) it is slerped between the two
  endpoint poses with hand jitter.

Physics of the signals
----------------------
* ``up_sensor = R_Sᵀ e_z`` (unit gravity-opposite direction in the sensor frame).
* Accelerometer (specific force): ``f = R_Sᵀ (a_lin + g e_z)`` with ``g = 9.81 m/s²``. The
  linear acceleration ``a_lin`` comes from gait (below); slow postural motions contribute
  negligible linear acceleration and are ignored.
* Gyroscope: exact discrete kinematics. The angular rate reported with sample ``k`` is the
  rotation from sample ``k−1`` to ``k`` expressed in the sensor frame divided by the true
  sample period: ``ω_k = log(R_S,k−1ᵀ R_S,k) / Δt`` (the usual strapdown update in which
  sample ``k`` advances orientation ``k−1`` to ``k``). Integrating the bias-free gyroscope
  with ``R_k = R_k−1 exp([ω_k Δt]×)`` therefore reproduces ``up_sensor`` to rounding error.
* Trunk angles are keyframed postures joined by C¹ (smoothstep) transitions of a few seconds,
  plus smooth noise (slow drift, small movements, breathing at 0.2–0.3 Hz). Near local
  midnight the noise fades out so the two days meeting there agree exactly (bed postures,
  table poses and the mounting of the night are shared by both days).
* Gait: step frequency 1.6–2.2 Hz (person-specific, per bout jitter), vertical linear
  acceleration 2–3 m/s² amplitude at the step frequency (plus a small 2nd harmonic),
  antero-posterior 1–1.8 m/s² at the step frequency, medio-lateral 0.6–1.2 m/s² at the stride
  frequency (half the step frequency); trunk flexion oscillation 0.8–2°, lateral sway 1.5–3.5°
  and axial twist 2–4° at the stride/step frequency; forward lean 3–8°; turns of 20–180°.
* Other postures: standing 0–5°; meals 3–15° with reaches; sofa sitting −20…+5° (reclined,
  so negative flexion); lying (bed, sofa) with the trunk 72–90° from vertical, supine, on a
  side or (in bed) prone, turning by 90° rolls about the spine.

Daily schedule (local time in ``settings.timezone``, DST-correct; a local day is 23–25 h)
--------------------------------------------------------------------------------------
Night: in bed, sensor on the nightstand (non-wear, perfectly still) or, with probability
``night_wear_probability``, worn lying with turns every ~50 min. Morning: wake (weekday
06:18–07:30, weekend 07:18–09:00), attach 15–45 min later with a new mounting, then on most
days the calibration routine ("stand tall 5 s, bend forward 30–50° and back"). Weekdays:
breakfast, commute (walk, wait, seated train, walk), desk blocks with breaks, lunch, desk,
commute home. Weekends: laptop work, a long walk, lunch, sofa, errands. Every afternoon/evening
a shower (detach, sensor on a shelf 10–25 min, re-attach with a new mounting and sometimes a
routine), dinner, sofa sitting, often sofa lying (worn, trunk near horizontal), bedtime
22:15–23:45 (detach to the nightstand unless worn in bed).

Desk work alternates upright sitting (flexion 0–12°, sub-postures of 1–6 min, forward reaches of
3–20 s hold + transitions, always < 30 s in total) and slouch episodes (flexion 22–45°,
log-normal lengths 1–40 min, 2–6 s transitions). ``slouch`` truth marks the *intended* slouch
episodes, from the middle of the transition in to the middle of the transition out. Reaches
are never slouch, and nothing outside desk work (in particular lying and non-wear) is.
The schedule and the trunk motion do not depend on ``fs_hz``: the same seed at 10 Hz and at
50 Hz describes the same day (only the white noise differs).

Sensor errors
-------------
Accelerometer white noise (``acc_noise_mps2``) and a constant bias per attachment
(``acc_bias_mps2`` rms per axis); gyroscope white noise (``gyr_noise_rads``) and a slowly
varying bias, a bounded quasi-random walk (sum of sinusoids with 0.5–8 h periods around a
per-axis offset, within ±2·``gyr_bias_rads``) defined in absolute time so it is continuous
across days (:meth:`SimulatedWearer.gyroscope_bias`); optional 16-bit quantisation
with saturation (±16 g, ±2000 °/s).

Sensor clock and recorded data
------------------------------
The sensor samples with true period ``(1 + clock_drift_ppm·1e-6) / fs_hz`` starting at local
midnight of ``start_date``; ``t_ns`` are the *true* UTC sample times (so they drift from the
nominal rate, see :attr:`SimulatedWearer.true_rate_hz`). The sensor streams 24 h a day, worn or
not. With ``link_gaps`` 1–3 link losses of 3–60 s per day drop samples: they are absent from
every array of :class:`SimulatedDay`, listed in ``SimulatedDay.gaps``, and the next batch of
:meth:`SimulatedWearer.batches` has ``gap_before=True``.

Pain and remedies
-----------------
3–6 momentary 0–10 ratings per day at random waking times::

    score = round(clip(3 + d + pain_slouch_gain · (slouch minutes in the previous 3 h) / 60
                       + 0.3 · (previous day's slouch hours) − relief + N(0, 1), 0, 10))

with a per-day offset ``d ~ N(0, 0.5)``, where relief comes from
remedies taken in the preceding hours (painkiller −1.5 for 4 h, heat −1 for 3 h, stretch −0.7
for 2 h, ice −0.5 for 2 h). Remedies: painkiller after a rating ≥ 6 (60 %), stretch after a
rating ≥ 5 (50 %) and occasionally otherwise, heat in the evening on ~35 % of days, ice on
~15 % of days. Pain and remedies use only the day schedules, never the raw signal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from sensor.batch import SampleBatch, SourceInfo

__all__ = [
    "CONTEXTS",
    "GRAVITY_MPS2",
    "REMEDY_KINDS",
    "PainRating",
    "Remedy",
    "SimulatedDay",
    "SimulatedWearer",
    "SimulationSettings",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

GRAVITY_MPS2 = 9.81
"""Gravity magnitude used by the simulator, m/s²."""

CONTEXTS: tuple[str, ...] = ("nonwear", "lying", "upright", "walking")
"""Context names; ``SimulatedDay.context`` holds uint8 indices into this tuple."""

REMEDY_KINDS: tuple[str, ...] = ("stretch", "heat", "ice", "painkiller")
"""Remedy kinds the simulated wearer logs."""

_NONWEAR, _LYING, _UPRIGHT, _WALKING = 0, 1, 2, 3
_MODE_BODY, _MODE_STATIC, _MODE_HANDLING = 0, 1, 2

_STREAM_PLAN, _STREAM_NIGHT, _STREAM_SIGNAL, _STREAM_GAPS, _STREAM_PAIN, _STREAM_DEVICE = range(
    1, 7
)
_INDEX_OFFSET = 1 << 20
_FAR_S = 1.0e7  # "minus/plus infinity" for segment bounds, seconds
_ACC_LSB_MPS2 = 16.0 * 9.80665 / 32768.0
_GYR_LSB_RADS = math.radians(2000.0 / 32768.0)
_HOUR_S = 3600.0
_BIAS_GRID_S = 10.0


# --------------------------------------------------------------------------------------------
# Public data classes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationSettings:
    """Parameters of the simulated wearer.

    Attributes
    ----------
    seed : int
        Non-negative seed; everything is deterministic given the settings.
    days : int
        Number of local days simulated (``1..10000``).
    fs_hz : float
        Nominal sample rate, Hz.
    start_date : datetime.date
        First local day (default a Monday).
    timezone : str
        IANA time zone of the wearer; days are local days in it.
    clock_drift_ppm : float
        Sensor clock error: the true sample period is ``(1 + ppm·1e-6) / fs_hz``.
    acc_noise_mps2 : float
        Accelerometer white-noise standard deviation per axis, m/s².
    gyr_noise_rads : float
        Gyroscope white-noise standard deviation per axis, rad/s.
    gyr_bias_rads : float
        Scale of the slowly varying gyroscope bias per axis, rad/s (bias stays within ±2×).
    acc_bias_mps2 : float
        Standard deviation of the constant accelerometer bias drawn at each attachment, m/s².
    quantize : bool
        Round to 16-bit steps of ±16 g and ±2000 °/s ranges.
    calibration_routine : bool
        Whether the wearer performs "stand tall, bend forward" routines after attaching.
    routine_probability : float
        Probability of a routine after the morning attachment (half of it after the shower).
    night_wear_probability : float
        Probability of keeping the sensor on in bed for a night.
    link_gaps : bool
        Drop 1–3 short runs of samples per day (BLE link loss).
    slouch_propensity : float
        Scales the fraction of desk time spent slouched (per-day fraction 10–45 % × this).
    pain_slouch_gain : float
        Pain points per hour of slouch in the 3 h before a rating.
    chunk_samples : int
        Samples synthesised per vectorised chunk (memory/speed trade-off). The white-noise
        draws follow the chunking, so keep it fixed when comparing runs sample by sample.
    """

    seed: int = 0
    days: int = 7
    fs_hz: float = 50.0
    start_date: dt.date = dt.date(2026, 11, 16)
    timezone: str = "Europe/London"
    clock_drift_ppm: float = 25.0
    acc_noise_mps2: float = 0.03
    gyr_noise_rads: float = 0.005
    gyr_bias_rads: float = math.radians(1.0)
    acc_bias_mps2: float = 0.05
    quantize: bool = True
    calibration_routine: bool = True
    routine_probability: float = 0.85
    night_wear_probability: float = 0.3
    link_gaps: bool = True
    slouch_propensity: float = 1.0
    pain_slouch_gain: float = 1.5
    chunk_samples: int = 1 << 18

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not 1 <= self.days <= 10000:
            raise ValueError(f"days must be in 1..10000, got {self.days}")
        if not (math.isfinite(self.fs_hz) and 0.5 <= self.fs_hz <= 2000.0):
            raise ValueError(f"fs_hz must be in [0.5, 2000] Hz, got {self.fs_hz}")
        if not (math.isfinite(self.clock_drift_ppm) and abs(self.clock_drift_ppm) < 10000.0):
            raise ValueError(
                f"clock_drift_ppm must be finite and |ppm| < 1e4, got {self.clock_drift_ppm}"
            )
        for name in ("acc_noise_mps2", "gyr_noise_rads", "gyr_bias_rads", "acc_bias_mps2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"{name} must be finite and >= 0, got {value}")
        for name in ("routine_probability", "night_wear_probability"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
        if not (math.isfinite(self.slouch_propensity) and 0.0 <= self.slouch_propensity <= 2.0):
            raise ValueError(f"slouch_propensity must be in [0, 2], got {self.slouch_propensity}")
        if not (math.isfinite(self.pain_slouch_gain) and self.pain_slouch_gain >= 0.0):
            raise ValueError(
                f"pain_slouch_gain must be finite and >= 0, got {self.pain_slouch_gain}"
            )
        if self.chunk_samples < 1024:
            raise ValueError(f"chunk_samples must be >= 1024, got {self.chunk_samples}")
        if not isinstance(self.start_date, dt.date) or isinstance(self.start_date, dt.datetime):
            raise ValueError(f"start_date must be a datetime.date, got {self.start_date!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {self.timezone!r}") from exc


@dataclass
class SimulatedDay:
    """One local day of simulated recording with per-sample truth.

    Arrays hold only the samples that reached the recorder (link-loss gaps are absent).

    Attributes
    ----------
    date : datetime.date
        The local date.
    day_start_ns, day_end_ns : int
        Local midnight at the start / end of the day, UTC ns (``end − start`` is 23–25 h).
    t_ns : ndarray, shape (N,), int64
        True UTC sample times, ns, strictly increasing.
    sample_index : ndarray, shape (N,), int64
        The sensor's running sample counter since the start of the simulation.
    acc_mps2 : ndarray, shape (N, 3), float64
        Accelerometer (specific force) in the sensor frame, m/s², with noise and bias.
    gyr_rads : ndarray, shape (N, 3), float64
        Gyroscope in the sensor frame, rad/s, with noise and bias.
    up_sensor : ndarray, shape (N, 3), float64
        True unit "up" vector (opposite to gravity) in the sensor frame.
    flexion_deg, lateral_deg : ndarray, shape (N,), float64
        True trunk angles relative to the wearer's upright, degrees, from the up vector in the
        body frame ``u_B``: ``flexion = asin(−u_B,x)`` (forward positive),
        ``lateral = atan2(u_B,y, u_B,z)`` (bend to the right positive). NaN when not worn.
    context : ndarray, shape (N,), uint8
        Index into :data:`CONTEXTS`.
    worn : ndarray, shape (N,), bool
        Sensor on the body.
    slouch : ndarray, shape (N,), bool
        Sample belongs to an intended slouch episode (implies worn and upright).
    mount_changes : list of int
        Sample indices where the sensor was re-attached with a new mounting.
    mounting : list of (int, ndarray (3, 3))
        ``(start_index, M)`` with ``M`` body → sensor (``v_S = M v_B``); the first entry starts
        at 0 and holds the mounting in use (or last used) at the start of the day.
    routines : list of (int, int)
        ``(start_ns, end_ns)`` of calibration routines: stand tall (≥ 5 s) then bend forward and
        return.
    gaps : list of (int, int)
        ``(start_ns, end_ns)`` of link losses: the true time of the first lost sample and of
        the first sample after the gap (half-open interval containing exactly the lost samples).
    """

    date: dt.date
    day_start_ns: int
    day_end_ns: int
    t_ns: NDArray[np.int64]
    sample_index: NDArray[np.int64]
    acc_mps2: FloatArray
    gyr_rads: FloatArray
    up_sensor: FloatArray
    flexion_deg: FloatArray
    lateral_deg: FloatArray
    context: NDArray[np.uint8]
    worn: NDArray[np.bool_]
    slouch: NDArray[np.bool_]
    mount_changes: list[int] = field(default_factory=list)
    mounting: list[tuple[int, FloatArray]] = field(default_factory=list)
    routines: list[tuple[int, int]] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.t_ns.size)


@dataclass(frozen=True)
class PainRating:
    """A momentary 0–10 pain rating at UTC time ``t_ns`` with an optional note."""

    t_ns: int
    score: int
    note: str = ""


@dataclass(frozen=True)
class Remedy:
    """A remedy (one of :data:`REMEDY_KINDS`) taken at UTC time ``t_ns``."""

    t_ns: int
    kind: str
    note: str = ""


# --------------------------------------------------------------------------------------------
# Quaternion helpers: [w, x, y, z], Hamilton product, R(q) v = q v q*.
# --------------------------------------------------------------------------------------------


def _qmul(a: FloatArray, b: FloatArray) -> FloatArray:
    """Hamilton product of quaternions, shapes (..., 4)."""
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = aw * bw - ax * bx - ay * by - az * bz
    out[..., 1] = aw * bx + ax * bw + ay * bz - az * by
    out[..., 2] = aw * by - ax * bz + ay * bw + az * bx
    out[..., 3] = aw * bz + ax * by - ay * bx + az * bw
    return out


def _qconj(q: FloatArray) -> FloatArray:
    """Conjugate (inverse of a unit quaternion), shape (..., 4)."""
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def _qaxis(axis: int, angle_rad: FloatArray | float) -> FloatArray:
    """Rotation by ``angle_rad`` about coordinate axis ``axis`` (0=x, 1=y, 2=z), shape (..., 4)."""
    half = 0.5 * np.asarray(angle_rad, dtype=np.float64)
    q = np.zeros(half.shape + (4,))
    q[..., 0] = np.cos(half)
    q[..., axis + 1] = np.sin(half)
    return q


def _qexp(rotvec: FloatArray) -> FloatArray:
    """Quaternion of a rotation vector (axis × angle, rad), shape (..., 3) → (..., 4)."""
    angle = np.linalg.norm(rotvec, axis=-1)
    half = 0.5 * angle
    # sin(a/2)/a, with its series near zero
    safe = np.where(angle > 1e-8, angle, 1.0)
    k = np.where(angle > 1e-8, np.sin(half) / safe, 0.5 - angle * angle / 48.0)
    out = np.empty(rotvec.shape[:-1] + (4,))
    out[..., 0] = np.cos(half)
    out[..., 1:] = rotvec * k[..., None]
    return out


def _qlog(q: FloatArray) -> FloatArray:
    """Rotation vector (rad) of unit quaternions (shortest rotation), shape (..., 4) → (..., 3)."""
    sign = np.where(q[..., 0] < 0.0, -1.0, 1.0)
    w = q[..., 0] * sign
    v = q[..., 1:] * sign[..., None]
    s = np.linalg.norm(v, axis=-1)
    angle = 2.0 * np.arctan2(s, w)
    safe = np.where(s > 1e-12, s, 1.0)
    k = np.where(s > 1e-12, angle / safe, 2.0 / np.maximum(w, 1e-12))
    return v * k[..., None]


def _qrotate_inverse(q: FloatArray, v: FloatArray) -> FloatArray:
    """``R(q)ᵀ v`` for unit quaternions ``q`` (..., 4) and vectors ``v`` (..., 3)."""
    w = q[..., 0:1]
    u = -q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def _qup(q: FloatArray) -> FloatArray:
    """``R(q)ᵀ e_z`` (world up in the rotated frame), (..., 4) → (..., 3)."""
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.stack(
        (2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y)), axis=-1
    )


def _qmatrix(q: FloatArray) -> FloatArray:
    """Rotation matrix (3, 3) of one unit quaternion (4,)."""
    w, x, y, z = (float(c) for c in q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def _qfrom_matrix(m: FloatArray) -> FloatArray:
    """Unit quaternion (4,) of a proper rotation matrix (3, 3) (Shepperd's method)."""
    trace = float(np.trace(m))
    diag = np.diag(m)
    i = int(np.argmax(diag))
    if trace > float(diag[i]):
        w = 0.5 * math.sqrt(1.0 + trace)
        q = np.array(
            [
                w,
                (m[2, 1] - m[1, 2]) / (4 * w),
                (m[0, 2] - m[2, 0]) / (4 * w),
                (m[1, 0] - m[0, 1]) / (4 * w),
            ]
        )
    else:
        j, k = (i + 1) % 3, (i + 2) % 3
        r = 0.5 * math.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = np.zeros(4)
        q[0] = (m[k, j] - m[j, k]) / (4 * r)
        q[i + 1] = r
        q[j + 1] = (m[j, i] + m[i, j]) / (4 * r)
        q[k + 1] = (m[k, i] + m[i, k]) / (4 * r)
    return q / np.linalg.norm(q)


def _nominal_mountings() -> FloatArray:
    """The 8 nominal body → sensor axis assignments as quaternions, shape (8, 4).

    Index 0: sensor flat on the back, x up the spine, y to the wearer's left, z out of the back.
    """
    base = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
    q0 = _qfrom_matrix(base)
    out = []
    for flip in (False, True):
        for k in range(4):
            q = _qmul(_qaxis(2, k * math.pi / 2), q0)
            if flip:
                q = _qmul(_qaxis(0, math.pi), q)
            out.append(q)
    return np.array(out)


_NOMINAL_Q = _nominal_mountings()


def _smoothstep(f: FloatArray) -> FloatArray:
    """C¹ ramp 0 → 1 on [0, 1] (clipped outside)."""
    f = np.clip(f, 0.0, 1.0)
    return f * f * (3.0 - 2.0 * f)


def _eval_keys(key_t: FloatArray, key_v: FloatArray, t: FloatArray) -> FloatArray:
    """Evaluate keyframes with smoothstep transitions.

    Parameters
    ----------
    key_t : ndarray, shape (K,)
        Non-decreasing key times, s.
    key_v : ndarray, shape (K, C)
        Values at the keys.
    t : ndarray, shape (N,)
        Query times, s (held constant outside the key range).

    Returns
    -------
    ndarray, shape (N, C)
    """
    if key_t.size == 1:
        return np.broadcast_to(key_v[0], (t.size, key_v.shape[1])).copy()
    idx = np.clip(np.searchsorted(key_t, t, side="right") - 1, 0, key_t.size - 2)
    t0 = key_t[idx]
    span = key_t[idx + 1] - t0
    f = np.where(span > 0.0, (t - t0) / np.where(span > 0.0, span, 1.0), 1.0)
    s = _smoothstep(f)
    v0 = key_v[idx]
    return v0 + (key_v[idx + 1] - v0) * s[:, None]


@dataclass
class _Noise:
    """Smooth random signal: random knot values joined by smoothstep transitions."""

    t0: float
    spacing: float
    values: FloatArray  # (n,) or (n, C)

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        t0: float,
        t1: float,
        spacing: float,
        sd: float,
        dims: int = 0,
    ) -> _Noise:
        n = int(math.ceil((t1 - t0) / spacing)) + 2
        shape: tuple[int, ...] = (n,) if dims == 0 else (n, dims)
        return cls(t0, spacing, rng.normal(0.0, sd, shape))

    def __call__(self, t: FloatArray) -> FloatArray:
        x = (t - self.t0) / self.spacing
        i = np.clip(np.floor(x).astype(np.int64), 0, self.values.shape[0] - 2)
        s = _smoothstep(x - i)
        v0 = self.values[i]
        dv = self.values[i + 1] - v0
        if self.values.ndim == 2:
            return v0 + dv * s[:, None]
        return v0 + dv * s


# --------------------------------------------------------------------------------------------
# Day plans (schedule, postures, episodes) — cheap, no per-sample work
# --------------------------------------------------------------------------------------------


@dataclass
class _Segment:
    start_s: float
    end_s: float
    kind: str
    context: int
    worn: bool
    mode: int = _MODE_BODY
    pose: FloatArray | None = None


@dataclass
class _Night:
    """The night before local day ``index``; times relative to that day's local midnight."""

    bed_s: float
    wake_s: float
    worn: bool
    mount_q: FloatArray
    acc_bias: FloatArray
    table_q: FloatArray
    bed_yaw_deg: float
    holds: list[tuple[float, float, float, float, float]]  # (t0, t1, flex, lat, axial)


@dataclass
class _Plan:
    index: int
    date: dt.date
    day_start_ns: int
    day_end_ns: int
    length_s: float
    wake_s: float
    bed_s: float
    key_t: FloatArray  # (K,)
    key_v: FloatArray  # (K, 5): flexion, lateral, axial, heading (deg), noise gain
    segments: list[_Segment]
    mounts: list[tuple[float, FloatArray, FloatArray]]  # (start_s, quaternion, acc bias)
    bouts: FloatArray  # (B, 10): t0, t1, f_step, a_v, a_ap, a_ml, a_flex, a_lat, a_axial, phase
    episodes: list[tuple[float, float]]
    routines: list[tuple[float, float]]


def _draw_static_pose(rng: np.random.Generator) -> FloatArray:
    """A still off-body pose (sensor → world quaternion): flat on a face, leaning or arbitrary."""
    u = rng.random()
    yaw = _qaxis(2, rng.uniform(0.0, 2.0 * math.pi))
    faces = (
        np.array([1.0, 0.0, 0.0, 0.0]),
        _qaxis(0, math.pi),
        _qaxis(0, math.pi / 2),
        _qaxis(0, -math.pi / 2),
        _qaxis(1, math.pi / 2),
        _qaxis(1, -math.pi / 2),
    )
    if u < 0.5:
        face = faces[int(rng.integers(0, 6))]
        tilt = _qexp(rng.normal(0.0, math.radians(1.5), 3))
        return _qmul(yaw, _qmul(face, tilt))
    if u < 0.8:
        q = rng.normal(size=4)
        return q / np.linalg.norm(q)
    face = faces[int(rng.integers(0, 6))]
    axis = rng.normal(size=3)
    axis[2] = 0.0
    axis /= max(float(np.linalg.norm(axis)), 1e-9)
    lean = _qexp(axis * math.radians(rng.uniform(20.0, 70.0)))
    return _qmul(yaw, _qmul(lean, face))


class _PlanBuilder:
    """Builds one day's plan from its own random stream and the two nights around it."""

    def __init__(self, wearer: SimulatedWearer, index: int) -> None:
        self.wearer = wearer
        self.settings = wearer.settings
        self.index = index
        self.rng = wearer._rng(_STREAM_PLAN, index)
        self.date = self.settings.start_date + dt.timedelta(days=index)
        self.day_start_ns = wearer._local_ns(self.date, 0.0)
        self.day_end_ns = wearer._local_ns(self.date + dt.timedelta(days=1), 0.0)
        self.length_s = (self.day_end_ns - self.day_start_ns) * 1e-9
        self.key_t: list[float] = []
        self.key_v: list[tuple[float, float, float, float, float]] = []
        self.heading = 0.0
        self.segments: list[_Segment] = []
        self.mounts: list[tuple[float, FloatArray, FloatArray]] = []
        self.bouts: list[tuple[float, ...]] = []
        self.episodes: list[tuple[float, float]] = []
        self.routines: list[tuple[float, float]] = []
        self.step_hz = self.rng.uniform(1.75, 2.0)
        self.slouch_fraction = float(
            np.clip(self.settings.slouch_propensity * self.rng.uniform(0.1, 0.45), 0.0, 0.9)
        )

    # -- primitives --------------------------------------------------------------------------

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def at(self, hours: float) -> float:
        """Seconds from this day's local midnight to local clock time ``hours``."""
        return (self.wearer._local_ns(self.date, hours) - self.day_start_ns) * 1e-9

    def posture(
        self,
        t0: float,
        t1: float,
        flex: float,
        lat: float = 0.0,
        axial: float = 0.0,
        gain: float = 1.0,
        heading: float | None = None,
    ) -> None:
        """Hold a posture (degrees) on [t0, t1]; transitions fill the time between holds."""
        if heading is not None:
            self.heading = heading
        if self.key_t and t0 < self.key_t[-1]:
            t0 = self.key_t[-1]
        if t1 <= t0:
            return
        values = (flex, lat, axial, self.heading, gain)
        self.key_t += [t0, t1]
        self.key_v += [values, values]

    def segment(
        self,
        t0: float,
        t1: float,
        kind: str,
        context: int,
        worn: bool,
        mode: int = _MODE_BODY,
        pose: FloatArray | None = None,
    ) -> None:
        if self.segments and t0 < self.segments[-1].end_s:
            t0 = self.segments[-1].end_s
        elif self.segments and t0 > self.segments[-1].end_s:
            self.segments[-1].end_s = t0  # segments tile the day without holes
        if t1 > t0:
            self.segments.append(_Segment(t0, t1, kind, context, worn, mode, pose))

    def fill(
        self,
        t: float,
        t1: float,
        draw: Callable[[], tuple[float, float]],
        dur: tuple[float, float],
        ramp: tuple[float, float] = (1.5, 4.0),
        gain: float = 1.0,
        reach_p: float = 0.0,
    ) -> None:
        """Consecutive posture holds from ``t`` to exactly ``t1``, optional short reaches."""
        while t < t1:
            end = t + self.u(*dur)
            if end > t1 - dur[0]:
                end = t1
            flex, lat = draw()
            self.posture(t, end, flex, lat, 0.0, gain)
            if end >= t1:
                break
            if reach_p > 0.0 and end < t1 - 45.0 and self.rng.random() < reach_p:
                # brief forward reach: transition 0.8-1.5 s, hold 3-20 s, transition back < 4 s
                r0 = end + self.u(0.8, 1.5)
                r1 = r0 + self.u(3.0, 20.0)
                self.posture(
                    r0, r1, flex + self.u(15.0, 35.0), lat + float(self.rng.normal(0, 4)), 0.0, gain
                )
                end = r1
            t = end + self.u(*ramp)

    def transition(self, t0: float, t1: float, lo: float = 1.5, hi: float = 3.5) -> float:
        return t0 + min(self.u(lo, hi), 0.25 * max(t1 - t0, 0.0))

    # -- activities --------------------------------------------------------------------------

    def stand(self, t0: float, t1: float) -> float:
        self.segment(t0, t1, "stand", _UPRIGHT, True)
        self.fill(
            self.transition(t0, t1),
            t1,
            lambda: (self.u(0.0, 5.0), float(self.rng.normal(0.0, 1.5))),
            (15.0, 120.0),
            gain=0.5,
        )
        return t1

    def walk(self, t0: float, t1: float) -> float:
        self.segment(t0, t1, "walk", _WALKING, True)
        lean = self.u(3.0, 8.0)
        f_step = float(np.clip(self.step_hz + self.rng.normal(0.0, 0.07), 1.6, 2.2))
        self.bouts.append(
            (
                t0 + 0.3,
                t1 - 0.3,
                f_step,
                self.u(2.0, 3.0),
                self.u(1.0, 1.8),
                self.u(0.6, 1.2),
                self.u(0.8, 2.0),
                self.u(1.5, 3.5),
                self.u(2.0, 4.0),
                self.u(0.0, 2.0 * math.pi),
            )
        )
        t = self.transition(t0, t1, 1.0, 2.0)
        while t < t1:
            end = t + self.u(8.0, 60.0)
            if end > t1 - 8.0:
                end = t1
            self.posture(
                t,
                end,
                lean + float(self.rng.normal(0, 0.7)),
                float(self.rng.normal(0, 1)),
                0.0,
                0.3,
            )
            if end >= t1:
                break
            t = end + self.u(1.0, 3.0)
            self.heading += float(self.rng.choice((-1.0, 1.0))) * self.u(20.0, 180.0)
        return t1

    def sit(
        self,
        t0: float,
        t1: float,
        kind: str,
        lo: float,
        hi: float,
        reach_p: float,
        gain: float = 0.8,
    ) -> float:
        self.segment(t0, t1, kind, _UPRIGHT, True)
        self.heading += float(self.rng.normal(0.0, 30.0))
        self.fill(
            self.transition(t0, t1, 2.0, 4.0),
            t1,
            lambda: (self.u(lo, hi), float(self.rng.normal(0.0, 2.0))),
            (60.0, 480.0),
            gain=gain,
            reach_p=reach_p,
        )
        return t1

    def desk(self, t0: float, t1: float) -> float:
        """Desk work: upright sitting alternating with slouch episodes."""
        self.segment(t0, t1, "desk", _UPRIGHT, True)
        self.heading += float(self.rng.normal(0.0, 20.0))
        p = max(self.slouch_fraction, 1e-3)
        slouch_median = 6.0 * 60.0
        upright_mean = 8.0 * 60.0 * (1.0 - p) / p
        t = self.transition(t0, t1, 2.0, 4.0)
        first = True
        while t < t1:
            dur = float(
                np.clip(self.rng.exponential(upright_mean), 120.0 if first else 60.0, 3600.0)
            )
            first = False
            end = min(t + dur, t1)
            if t1 - end < 180.0:
                end = t1
            self.fill(
                t,
                end,
                lambda: (self.u(0.0, 12.0), float(self.rng.normal(0.0, 2.0))),
                (60.0, 360.0),
                ramp=(2.0, 8.0),
                reach_p=0.3,
            )
            if end >= t1:
                break
            ramp_in = self.u(2.0, 6.0)
            s0 = end + ramp_in
            s1 = min(
                s0 + float(np.clip(self.rng.lognormal(math.log(slouch_median), 0.8), 60.0, 2400.0)),
                t1 - 120.0,
            )
            if s1 - s0 < 60.0:
                t = s0
                continue
            base = self.u(24.0, 42.0)
            lat0 = float(self.rng.normal(0.0, 3.0))
            self.fill(
                s0,
                s1,
                lambda b=base, lt=lat0: (  # type: ignore[misc]
                    float(np.clip(b + self.rng.normal(0.0, 3.0), 22.0, 45.0)),
                    lt + float(self.rng.normal(0.0, 1.5)),
                ),
                (60.0, 400.0),
                ramp=(3.0, 8.0),
            )
            ramp_out = self.u(2.0, 6.0)
            self.episodes.append((end + 0.5 * ramp_in, s1 + 0.5 * ramp_out))
            t = s1 + ramp_out
        return t1

    def lie(self, t0: float, t1: float, kind: str = "sofa_lying") -> float:
        self.segment(t0, t1, kind, _LYING, True)
        axial = float(self.rng.choice((0.0, 90.0, -90.0))) + float(self.rng.normal(0, 5))
        t = self.transition(t0, t1, 3.0, 5.0)
        turn_at = (
            t + (t1 - t) * self.u(0.3, 0.7) if self.rng.random() < 0.5 and t1 - t > 600 else t1
        )
        self.posture(t, turn_at, self.u(-88.0, -72.0), float(self.rng.normal(0, 3)), axial, 0.3)
        if turn_at < t1:
            axial += float(self.rng.choice((-90.0, 90.0)))
            self.posture(
                turn_at + self.u(2.0, 4.0),
                t1,
                self.u(-88.0, -72.0),
                float(self.rng.normal(0, 3)),
                axial,
                0.3,
            )
        return t1

    def home(self, t0: float, t1: float) -> float:
        """Moving around the house: standing and short walks."""
        t = t0
        walking = self.rng.random() < 0.5
        while t1 - t > 10.0:
            end = t + (self.u(15.0, 90.0) if walking else self.u(40.0, 240.0))
            if t1 - end < 20.0:
                end = t1
            (self.walk if walking else self.stand)(t, end)
            t = end
            walking = not walking
        if t < t1:
            self.stand(t, t1)
        return t1

    def static(self, t0: float, t1: float, kind: str, pose: FloatArray) -> float:
        self.segment(t0, t1, kind, _NONWEAR, False, _MODE_STATIC, pose)
        self.posture(self.transition(t0, t1), t1, 3.0, 0.0, 0.0, 0.5)
        return t1

    def handle(self, t0: float, kind: str) -> float:
        t1 = t0 + self.u(5.0, 12.0)
        self.segment(t0, t1, kind, _NONWEAR, False, _MODE_HANDLING)
        self.posture(self.transition(t0, t1, 0.5, 1.0), t1, self.u(0.0, 8.0), 0.0, 0.0, 0.5)
        return t1

    def attach(
        self, t0: float, mount_q: FloatArray, acc_bias: FloatArray, routine_p: float
    ) -> float:
        t = self.handle(t0, "attach")
        self.mounts.append((t, mount_q, acc_bias))
        if self.settings.calibration_routine and self.rng.random() < routine_p:
            t = self.routine(t)
        return t

    def routine(self, t0: float) -> float:
        """Stand tall 5–6 s, bend forward 30–50° and back, stand again."""
        a = t0 + self.u(1.0, 2.0)
        b = a + self.u(5.0, 6.0)
        self.posture(
            a, b, float(self.rng.normal(0.0, 0.3)), float(self.rng.normal(0.0, 0.5)), 0.0, 0.05
        )
        c = b + self.u(2.0, 3.0)
        d = c + self.u(1.0, 2.0)
        self.posture(c, d, self.u(30.0, 50.0), float(self.rng.normal(0.0, 1.0)), 0.0, 0.05)
        e = d + self.u(2.0, 3.0)
        f = e + self.u(2.0, 3.0)
        self.posture(e, f, float(self.rng.normal(0.0, 0.5)), 0.0, 0.0, 0.05)
        self.segment(t0, f, "routine", _UPRIGHT, True)
        self.routines.append((a, e))
        return f

    def work_until(self, t0: float, t1: float) -> float:
        t = t0
        while t1 - t > 600.0:
            end = t + self.u(45.0, 120.0) * 60.0
            if t1 - end < 20.0 * 60.0:
                end = t1
            self.desk(t, end)
            t = end
            if t >= t1:
                break
            t = self.walk(t, t + self.u(60.0, 240.0))
            t = self.stand(t, t + self.u(60.0, 360.0))
            t = self.walk(t, t + self.u(60.0, 180.0))
        if t < t1:
            self.stand(t, t1)
        return max(t, t1)

    def leisure(self, t: float, t1: float, weekend: bool, allow_lying: bool) -> float:
        """Free time until ``t1``: sofa, errands, house moves, some laptop work, sofa lying."""
        lay_down = allow_lying and self.rng.random() < 0.6
        while t1 - t > 15.0 * 60.0:
            u = self.rng.random()
            remaining = t1 - t
            if lay_down and remaining < 100.0 * 60.0:
                t = self.lie(t, t + min(self.u(15.0, 60.0) * 60.0, remaining - 10.0 * 60.0))
                lay_down = False
            elif u < 0.4:
                t = self.sit(
                    t, t + min(self.u(20.0, 60.0) * 60.0, remaining), "sofa", -20.0, 5.0, 0.15
                )
            elif u < 0.6:
                t = self.home(t, t + min(self.u(5.0, 15.0) * 60.0, remaining))
            elif u < 0.8 and not allow_lying:
                t = self.walk(t, t + min(self.u(10.0, 40.0) * 60.0, remaining))
            elif u < 0.9 or (weekend and allow_lying):
                t = self.sit(
                    t, t + min(self.u(10.0, 30.0) * 60.0, remaining), "table", 3.0, 15.0, 0.4
                )
            else:
                t = self.desk(t, t + min(self.u(20.0, 60.0) * 60.0, remaining))
        if t < t1:
            t = self.home(t, t1)
        return max(t, t1)

    def commute(self, t: float) -> float:
        t = self.walk(t, t + self.u(8.0, 20.0) * 60.0)
        t = self.stand(t, t + self.u(3.0, 10.0) * 60.0)
        t = self.sit(t, t + self.u(10.0, 25.0) * 60.0, "train", 0.0, 12.0, 0.1)
        return self.walk(t, t + self.u(5.0, 12.0) * 60.0)

    def shower(self, t: float, night_out: _Night) -> float:
        t = self.handle(t, "detach")
        t = self.static(t, t + self.u(10.0, 25.0) * 60.0, "shower", _draw_static_pose(self.rng))
        t = self.attach(
            t, night_out.mount_q, night_out.acc_bias, 0.5 * self.settings.routine_probability
        )
        return self.stand(t, t + self.u(60.0, 300.0))

    # -- the day -----------------------------------------------------------------------------

    def build(self) -> _Plan:
        night_in = self.wearer._night(self.index)
        night_out = self.wearer._night(self.index + 1)
        length = self.length_s
        wake = night_in.wake_s
        bed = night_out.bed_s + length
        weekend = self.date.weekday() >= 5
        self.mounts.append((-_FAR_S, night_in.mount_q, night_in.acc_bias))
        self.heading = night_in.bed_yaw_deg

        # night and morning
        if night_in.worn:
            self.segment(-_FAR_S, wake, "bed", _LYING, True)
            for h in night_in.holds:
                self.posture(h[0], h[1], h[2], h[3], h[4], 0.3, night_in.bed_yaw_deg)
            t = self.home(wake, wake + self.u(10.0, 30.0) * 60.0)
        else:
            attach_t = wake + self.u(15.0, 45.0) * 60.0
            self.segment(
                -_FAR_S, attach_t, "nightstand", _NONWEAR, False, _MODE_STATIC, night_in.table_q
            )
            self.posture(-_FAR_S, attach_t - 2.0, 3.0, 0.0, 0.0, 0.5, night_in.bed_yaw_deg)
            mount_q, acc_bias = self.wearer._draw_mount(self.rng)
            t = self.attach(attach_t, mount_q, acc_bias, self.settings.routine_probability)
            t = self.home(t, t + self.u(5.0, 20.0) * 60.0)
        t = self.sit(t, t + self.u(10.0, 20.0) * 60.0, "breakfast", 2.0, 15.0, 0.5)
        t = self.home(t, t + self.u(5.0, 15.0) * 60.0)

        if not weekend:
            t = self.commute(t)
            lunch = max(self.at(self.u(12.0, 13.0)), t + 1800.0)
            t = self.work_until(t, lunch)
            t = self.walk(t, t + self.u(3.0, 8.0) * 60.0)
            t = self.sit(t, t + self.u(20.0, 40.0) * 60.0, "lunch", 3.0, 15.0, 0.5)
            t = self.walk(t, t + self.u(3.0, 8.0) * 60.0)
            leave = max(self.at(self.u(16.75, 18.0)), t + 1800.0)
            t = self.work_until(t, leave)
            t = self.commute(t)
            t = self.home(t, t + self.u(5.0, 20.0) * 60.0)
        else:
            t = self.work_until(t, t + self.u(45.0, 120.0) * 60.0)
            t = self.home(t, t + self.u(3.0, 10.0) * 60.0)
            long_walk = self.u(30.0, 90.0) * 60.0
            t = self.walk(t, t + 0.5 * long_walk)
            t = self.stand(t, t + self.u(2.0, 10.0) * 60.0)
            t = self.walk(t, t + 0.5 * long_walk)
            t = self.sit(t, t + self.u(20.0, 40.0) * 60.0, "lunch", 3.0, 15.0, 0.5)
            t = self.leisure(t, t + self.u(60.0, 180.0) * 60.0, weekend, allow_lying=False)
        t = self.shower(t, night_out)

        # evening, bounded by bedtime
        end_evening = bed - self.u(10.0, 20.0) * 60.0
        dinner = max(self.at(self.u(18.5, 19.5)), t)
        t = self.leisure(t, min(dinner, end_evening), weekend, allow_lying=False)
        if end_evening - t > 50.0 * 60.0:
            t = self.sit(t, t + self.u(20.0, 40.0) * 60.0, "dinner", 3.0, 15.0, 0.5)
        t = self.leisure(t, end_evening, weekend, allow_lying=True)
        if night_out.worn:
            t = self.home(t, bed)
            self.segment(bed, _FAR_S, "bed", _LYING, True)
            for h in night_out.holds:
                self.posture(
                    h[0] + length, h[1] + length, h[2], h[3], h[4], 0.3, night_out.bed_yaw_deg
                )
        else:
            detach = max(bed - self.u(3.0, 8.0) * 60.0, t + 30.0)
            t = self.home(t, detach)
            t = self.handle(t, "detach")
            self.segment(t, _FAR_S, "nightstand", _NONWEAR, False, _MODE_STATIC, night_out.table_q)
            self.posture(t + 2.0, _FAR_S, 3.0, 0.0, 0.0, 0.5)
        if t > bed + 1.0:
            logger.warning("simulated day %s overran bedtime by %.0f s", self.date, t - bed)

        return _Plan(
            index=self.index,
            date=self.date,
            day_start_ns=self.day_start_ns,
            day_end_ns=self.day_end_ns,
            length_s=length,
            wake_s=wake,
            bed_s=bed,
            key_t=np.asarray(self.key_t, dtype=np.float64),
            key_v=np.asarray(self.key_v, dtype=np.float64),
            segments=self.segments,
            mounts=self.mounts,
            bouts=np.asarray(self.bouts, dtype=np.float64).reshape(-1, 10),
            episodes=self.episodes,
            routines=self.routines,
        )


# --------------------------------------------------------------------------------------------
# Signal synthesis
# --------------------------------------------------------------------------------------------


class _Synth:
    """Vectorised per-sample synthesis of one planned day."""

    def __init__(self, plan: _Plan, rng: np.random.Generator) -> None:
        self.plan = plan
        lo, hi = -120.0, plan.length_s + 120.0
        self.flex_noise = [_Noise.draw(rng, lo, hi, 60.0, 2.0), _Noise.draw(rng, lo, hi, 3.0, 0.6)]
        self.lat_noise = [_Noise.draw(rng, lo, hi, 90.0, 1.5), _Noise.draw(rng, lo, hi, 3.0, 0.5)]
        self.heading_noise = _Noise.draw(rng, lo, hi, 20.0, 5.0)
        self.axial_noise = _Noise.draw(rng, lo, hi, 6.0, 1.5)
        self.jitter = _Noise.draw(rng, lo, hi, 0.4, 0.15, dims=3)
        self.breath_hz = float(rng.uniform(0.2, 0.3))
        self.breath_deg = float(rng.uniform(0.2, 0.5))
        segs = plan.segments
        self.seg_start = np.array([s.start_s for s in segs])
        self.seg_start[0] = -_FAR_S
        self.seg_end = np.array([s.end_s for s in segs])
        self.seg_mode = np.array([s.mode for s in segs], dtype=np.int8)
        self.seg_context = np.array([s.context for s in segs], dtype=np.uint8)
        self.seg_worn = np.array([s.worn for s in segs], dtype=bool)
        self.mount_start = np.array([m[0] for m in plan.mounts])
        self.mount_q = np.array([m[1] for m in plan.mounts])
        self.mount_bias = np.array([m[2] for m in plan.mounts])
        self.ep_start = np.array([e[0] for e in plan.episodes])
        self.ep_end = np.array([e[1] for e in plan.episodes])
        identity = np.array([1.0, 0.0, 0.0, 0.0])
        self.seg_pose = np.array([s.pose if s.pose is not None else identity for s in segs])
        self.seg_qa = np.tile(identity, (len(segs), 1))
        self.seg_qb = np.tile(identity, (len(segs), 1))
        for i, s in enumerate(segs):
            if s.mode == _MODE_HANDLING:
                self.seg_qa[i] = self._endpoint_pose(i - 1, s.start_s)
                self.seg_qb[i] = self._endpoint_pose(i + 1, s.end_s)

    def _endpoint_pose(self, i: int, t: float) -> FloatArray:
        i = min(max(i, 0), len(self.plan.segments) - 1)
        if self.seg_mode[i] == _MODE_STATIC:
            return self.seg_pose[i]
        q_body, _ = self.body(np.array([t]))
        m = self.mount_q[max(int(np.searchsorted(self.mount_start, t, side="right")) - 1, 0)]
        return _qmul(q_body, _qconj(m))[0]

    def body(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Trunk orientation (body → world quaternions, (n, 4)) and linear acceleration (n, 3)."""
        plan = self.plan
        kv = _eval_keys(plan.key_t, plan.key_v, t)
        window = _smoothstep(t / 60.0) * _smoothstep((plan.length_s - t) / 60.0)
        g = kv[:, 4] * window
        flex = kv[:, 0] + g * (
            self.flex_noise[0](t)
            + self.flex_noise[1](t)
            + self.breath_deg * np.sin(2 * np.pi * self.breath_hz * t)
        )
        lat = kv[:, 1] + g * (self.lat_noise[0](t) + self.lat_noise[1](t))
        axial = kv[:, 2] + g * self.axial_noise(t)
        heading = kv[:, 3] + g * self.heading_noise(t)
        del kv
        lin = np.zeros((t.size, 3))
        b = plan.bouts
        if b.shape[0]:
            j = np.clip(np.searchsorted(b[:, 0], t, side="right") - 1, 0, b.shape[0] - 1)
            inside = (t >= b[j, 0]) & (t < b[j, 1])
            if np.any(inside):
                ti = t[inside]
                bj = b[j[inside]]
                env = _smoothstep(ti - bj[:, 0]) * _smoothstep(bj[:, 1] - ti)
                phase = 2.0 * np.pi * bj[:, 2] * (ti - bj[:, 0]) + bj[:, 9]
                flex[inside] += env * bj[:, 6] * np.sin(phase + 0.5)
                lat[inside] += env * bj[:, 7] * np.sin(0.5 * phase)
                axial[inside] += env * bj[:, 8] * np.sin(0.5 * phase + 1.2)
                psi = np.radians(heading[inside])
                a_v = bj[:, 3] * (np.cos(phase) + 0.3 * np.cos(2.0 * phase))
                a_ap = bj[:, 4] * np.cos(phase - 0.9)
                a_ml = bj[:, 5] * np.sin(0.5 * phase + 0.3)
                lin[inside] = env[:, None] * np.stack(
                    (
                        a_ap * np.cos(psi) - a_ml * np.sin(psi),
                        a_ap * np.sin(psi) + a_ml * np.cos(psi),
                        a_v,
                    ),
                    axis=-1,
                )
        # qz(heading) ⊗ qy(flex) and qx(lat) ⊗ qz(axial) in closed form (half angles)
        h = np.radians(0.5) * np.stack((heading, flex, lat, axial))
        c, s = np.cos(h), np.sin(h)
        left = np.stack((c[0] * c[1], -s[0] * s[1], c[0] * s[1], s[0] * c[1]), axis=-1)
        right = np.stack((c[2] * c[3], s[2] * c[3], -s[2] * s[3], c[2] * s[3]), axis=-1)
        return _qmul(left, right), lin

    def sensor(
        self, t: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.int64], NDArray[np.int64]]:
        """Sensor → world quaternions (n, 4), linear acceleration (n, 3), body up (n, 3), indices.

        The body-frame up vector is NaN where the sensor lies still off the body. Returns
        segment and mounting indices per sample as the last two items.
        """
        seg = np.clip(
            np.searchsorted(self.seg_start, t, side="right") - 1, 0, self.seg_start.size - 1
        )
        mount = np.clip(
            np.searchsorted(self.mount_start, t, side="right") - 1, 0, self.mount_start.size - 1
        )
        mode = self.seg_mode[seg]
        static = mode == _MODE_STATIC
        # the trunk is only needed where the sensor is not lying still somewhere
        s = np.empty((t.size, 4))
        lin = np.zeros((t.size, 3))
        up_body = np.full((t.size, 3), np.nan)
        if np.all(static):
            s[:] = self.seg_pose[seg]
        else:
            moving = ~static
            q_body, lin_moving = self.body(t[moving])
            s[moving] = _qmul(q_body, _qconj(self.mount_q[mount[moving]]))
            up_body[moving] = _qup(q_body)
            lin[moving] = lin_moving
            del q_body, lin_moving
            s[static] = self.seg_pose[seg[static]]
        handling = mode == _MODE_HANDLING
        if np.any(handling):
            sh = seg[handling]
            th = t[handling]
            frac = np.clip(
                (th - self.seg_start[sh]) / (self.seg_end[sh] - self.seg_start[sh]), 0.0, 1.0
            )
            qa = self.seg_qa[sh]
            rel = _qlog(_qmul(_qconj(qa), self.seg_qb[sh]))
            env = np.sin(np.pi * frac) ** 2
            s[handling] = _qmul(
                _qmul(qa, _qexp(rel * _smoothstep(frac)[:, None])),
                _qexp(self.jitter(th) * env[:, None]),
            )
            lin[handling] = 0.0
        s /= np.linalg.norm(s, axis=1, keepdims=True)
        return s, lin, up_body, seg, mount


# --------------------------------------------------------------------------------------------
# The wearer
# --------------------------------------------------------------------------------------------


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
        self._plans: dict[int, _Plan] = {}
        self._nights: dict[int, _Night] = {}
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

    @property
    def true_period_ns(self) -> float:
        """The sensor's true sample period, ns (not an integer)."""
        return self._period_ns

    def _local_ns(self, date: dt.date, hours: float) -> int:
        """UTC ns of local wall-clock time ``hours`` after midnight on ``date``."""
        naive = dt.datetime.combine(date, dt.time()) + dt.timedelta(hours=hours)
        aware = naive.replace(tzinfo=self._tz)
        delta = aware - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000

    def date_of(self, index: int) -> dt.date:
        """The local date of day ``index``."""
        return self.settings.start_date + dt.timedelta(days=index)

    def day_bounds_ns(self, index: int) -> tuple[int, int]:
        """UTC ns of the local midnights that start and end day ``index``."""
        d = self.date_of(index)
        return self._local_ns(d, 0.0), self._local_ns(d + dt.timedelta(days=1), 0.0)

    def _sample_times(self, n: NDArray[np.int64]) -> NDArray[np.int64]:
        return self._t0_ns + np.rint(n * self._period_ns).astype(np.int64)

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

    def _draw_mount(self, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """A new mounting (body → sensor quaternion) and accelerometer bias for an attachment."""
        nominal = _NOMINAL_Q[0] if rng.random() < 0.5 else _NOMINAL_Q[int(rng.integers(1, 8))]
        skin = rng.uniform(-30.0, 30.0) if rng.random() > 0.15 else rng.uniform(-180.0, 180.0)
        perturb = _qmul(
            _qmul(_qaxis(0, math.radians(skin)), _qaxis(1, math.radians(rng.uniform(0.0, 25.0)))),
            _qexp(rng.normal(0.0, math.radians(4.0), 3)),
        )
        q = _qmul(nominal, perturb)
        return q / np.linalg.norm(q), rng.normal(0.0, self.settings.acc_bias_mps2, 3)

    def _night(self, index: int) -> _Night:
        """The night that ends on the morning of day ``index`` (cached, drawn from its own stream)."""
        cached = self._nights.get(index)
        if cached is not None:
            return cached
        rng = self._rng(_STREAM_NIGHT, index)
        date = self.date_of(index)
        start = self._local_ns(date, 0.0)
        bed_s = (
            self._local_ns(date - dt.timedelta(days=1), rng.uniform(22.25, 23.75)) - start
        ) * 1e-9
        wake_h = rng.uniform(7.3, 9.0) if date.weekday() >= 5 else rng.uniform(6.3, 7.5)
        wake_s = (self._local_ns(date, wake_h) - start) * 1e-9
        worn = bool(rng.random() < self.settings.night_wear_probability)
        mount_q, acc_bias = self._draw_mount(rng)
        table_q = _draw_static_pose(rng)
        bed_yaw = float(rng.uniform(-180.0, 180.0))
        holds: list[tuple[float, float, float, float, float]] = []
        t = bed_s + rng.uniform(4.0, 8.0)
        axial = float(rng.choice((0.0, 90.0, -90.0)))
        while t < wake_s - 10.0:
            end = min(t + 300.0 + rng.exponential(50.0 * 60.0), wake_s - 5.0)
            holds.append(
                (
                    t,
                    end,
                    -88.0 + float(rng.normal(0, 2)),
                    float(rng.normal(0, 3)),
                    axial + float(rng.normal(0, 5)),
                )
            )
            t = end + rng.uniform(2.0, 5.0)
            step = float(rng.choice((-90.0, 90.0)))
            axial = axial + step if abs(axial + step) <= 180.0 else axial - step
        night = _Night(bed_s, wake_s, worn, mount_q, acc_bias, table_q, bed_yaw, holds)
        self._nights[index] = night
        return night

    def _plan(self, index: int) -> _Plan:
        cached = self._plans.get(index)
        if cached is None:
            cached = _PlanBuilder(self, index).build()
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
        s = self.settings
        plan = self._plan(index)
        synth = _Synth(plan, self._rng(_STREAM_SIGNAL, index))
        noise_rng = self._rng(_STREAM_DEVICE, index + 1)
        n_first = self._first_sample_at_or_after(plan.day_start_ns)
        n_end = self._first_sample_at_or_after(plan.day_end_ns)
        gaps = self._gaps(index, n_first, n_end)
        keep = np.ones(n_end - n_first, dtype=bool)
        for a, b in gaps:
            keep[a - n_first : b - n_first] = False
        n_out = int(keep.sum())
        out_t = np.empty(n_out, dtype=np.int64)
        out_n = np.empty(n_out, dtype=np.int64)
        out_acc = np.empty((n_out, 3))
        out_gyr = np.empty((n_out, 3))
        out_up = np.empty((n_out, 3))
        out_flex = np.empty(n_out)
        out_lat = np.empty(n_out)
        out_ctx = np.empty(n_out, dtype=np.uint8)
        out_worn = np.empty(n_out, dtype=bool)
        out_slouch = np.empty(n_out, dtype=bool)
        dt_s = self._period_ns * 1e-9
        gravity = np.array([0.0, 0.0, GRAVITY_MPS2])
        pos = 0
        for c0 in range(n_first, n_end, s.chunk_samples):
            c1 = min(c0 + s.chunk_samples, n_end)
            n = np.arange(c0 - 1, c1, dtype=np.int64)
            t_ns = self._sample_times(n)
            t = (t_ns - plan.day_start_ns).astype(np.float64) * 1e-9
            q, lin, up_body, seg, mount = synth.sensor(t)
            gyr = _qlog(_qmul(_qconj(q[:-1]), q[1:])) / dt_s
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
            lin += gravity
            acc = _qrotate_inverse(q, lin)
            up = _qup(q)
            del lin, q
            worn = synth.seg_worn[seg]
            ctx = synth.seg_context[seg]
            if synth.ep_start.size:
                e = np.clip(
                    np.searchsorted(synth.ep_start, t, side="right") - 1, 0, synth.ep_start.size - 1
                )
                slouch = (t >= synth.ep_start[e]) & (t < synth.ep_end[e]) & (ctx == _UPRIGHT) & worn
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
            k = keep[c0 - n_first : c1 - n_first]
            columns = (
                (out_t, t_ns),
                (out_n, n),
                (out_acc, acc),
                (out_gyr, gyr),
                (out_up, up),
                (out_flex, flex),
                (out_lat, lat),
                (out_ctx, ctx),
                (out_worn, worn),
                (out_slouch, slouch),
            )
            if k.all():
                nk = k.size
                for target, values in columns:
                    target[pos : pos + nk] = values
            else:
                nk = int(k.sum())
                for target, values in columns:
                    target[pos : pos + nk] = values[k]
            pos += nk

        def to_index(t_s: float) -> int:
            return int(
                np.searchsorted(out_t, plan.day_start_ns + int(round(t_s * 1e9)), side="left")
            )

        mounting = [(0, _qmatrix(plan.mounts[0][1]))]
        changes: list[int] = []
        for start_s, q_m, _ in plan.mounts[1:]:
            i = to_index(start_s)
            changes.append(i)
            mounting.append((i, _qmatrix(q_m)))
        routines = [
            (plan.day_start_ns + int(round(a * 1e9)), plan.day_start_ns + int(round(b * 1e9)))
            for a, b in plan.routines
        ]
        gap_ns = [
            (int(self._sample_times(np.array([a]))[0]), int(self._sample_times(np.array([b]))[0]))
            for a, b in gaps
        ]
        logger.debug(
            "simulated day %d (%s): %d samples, %d gaps", index, plan.date, n_out, len(gaps)
        )
        return SimulatedDay(
            date=plan.date,
            day_start_ns=plan.day_start_ns,
            day_end_ns=plan.day_end_ns,
            t_ns=out_t,
            sample_index=out_n,
            acc_mps2=out_acc,
            gyr_rads=out_gyr,
            up_sensor=out_up,
            flexion_deg=out_flex,
            lateral_deg=out_lat,
            context=out_ctx,
            worn=out_worn,
            slouch=out_slouch,
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
                    counter=day.sample_index[b0:b1].copy(),
                    gap_before=r > 0 and b0 == a0,
                )

    def _check_batch(self, batch_s: float) -> None:
        if not (math.isfinite(batch_s) and batch_s > 0.0):
            raise ValueError(f"batch_s must be a positive number of seconds, got {batch_s}")

    def batches(self, batch_s: float = 1.0) -> Iterator[SampleBatch]:
        """The whole simulation as recorded batches of about ``batch_s`` seconds, day by day.

        Batches never span a link-loss gap; the first batch after one has ``gap_before=True``.
        ``counter`` carries the sensor's running sample index.
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
        plan = self._plan(index)
        prev = self._plan(index - 1)
        rng = self._rng(_STREAM_PAIN, index)
        prev_hours = sum(b - a for a, b in prev.episodes) / _HOUR_S
        base = 3.0 + rng.normal(0.0, 0.5)
        lo, hi = plan.wake_s + 15.0 * 60.0, plan.bed_s - 10.0 * 60.0
        times = np.sort(rng.uniform(lo, hi, int(rng.integers(3, 7))))
        reliefs: list[tuple[float, float, float]] = []  # (t, points, duration_s)
        remedies: list[tuple[float, str, str]] = []
        if rng.random() < 0.35:
            t_heat = (
                min(
                    self._local_ns(plan.date, rng.uniform(19.5, 21.5)) - plan.day_start_ns,
                    int(hi * 1e9),
                )
                * 1e-9
            )
            reliefs.append((t_heat, 1.0, 3.0 * _HOUR_S))
            remedies.append(
                (t_heat, "heat", str(rng.choice(("heat pad 20 min", "hot water bottle", ""))))
            )
        if rng.random() < 0.15:
            t_ice = float(rng.uniform(lo, hi))
            reliefs.append((t_ice, 0.5, 2.0 * _HOUR_S))
            remedies.append((t_ice, "ice", "ice pack 10 min"))
        ratings: list[PainRating] = []
        for i, t in enumerate(times):
            t = float(t)
            slouch_min = (
                sum(max(0.0, min(b, t) - max(a, t - 3.0 * _HOUR_S)) for a, b in plan.episodes)
                / 60.0
            )
            relief = sum(p for tr, p, d in reliefs if tr <= t < tr + d)
            mean = (
                base
                + self.settings.pain_slouch_gain * slouch_min / 60.0
                + 0.3 * prev_hours
                - relief
            )
            score = int(np.clip(np.rint(mean + rng.normal(0.0, 1.0)), 0, 10))
            note = ""
            u = rng.random()
            if slouch_min > 60.0 and u < 0.4:
                note = str(
                    rng.choice(
                        ("after long meeting", "long stretch at the desk", "hunched over laptop")
                    )
                )
            elif i == 0 and u < 0.3:
                note = "woke up stiff"
            elif u < 0.15:
                note = str(
                    rng.choice(
                        ("stiff between shoulder blades", "after commute", "better after walk")
                    )
                )
            ratings.append(PainRating(plan.day_start_ns + int(round(t * 1e9)), score, note))
            if score >= 6 and rng.random() < 0.6:
                t_r = min(t + rng.uniform(2.0, 15.0) * 60.0, plan.bed_s)
                reliefs.append((t_r, 1.5, 4.0 * _HOUR_S))
                remedies.append(
                    (t_r, "painkiller", str(rng.choice(("ibuprofen 400 mg", "paracetamol 1 g"))))
                )
            elif (score >= 5 and rng.random() < 0.5) or rng.random() < 0.1:
                t_r = min(t + rng.uniform(3.0, 20.0) * 60.0, plan.bed_s)
                reliefs.append((t_r, 0.7, 2.0 * _HOUR_S))
                remedies.append(
                    (
                        t_r,
                        "stretch",
                        str(
                            rng.choice(
                                (
                                    "thoracic stretch",
                                    "scapular squeeze",
                                    "pectoralis stretch",
                                    "lying knee twist",
                                )
                            )
                        ),
                    )
                )
        remedy_list = [
            Remedy(plan.day_start_ns + int(round(t * 1e9)), kind, note)
            for t, kind, note in sorted(remedies)
        ]
        return ratings, remedy_list

    def routines(self) -> list[tuple[int, int]]:
        """``(start_ns, end_ns)`` of every calibration routine of the simulation (no raw signal).

        Same intervals as ``SimulatedDay.routines``, day after day.
        """
        out: list[tuple[int, int]] = []
        for k in range(self.settings.days):
            plan = self._plan(k)
            out += [
                (plan.day_start_ns + int(round(a * 1e9)), plan.day_start_ns + int(round(b * 1e9)))
                for a, b in plan.routines
            ]
        return out

    def slouch_episodes(self) -> list[tuple[int, int]]:
        """``(start_ns, end_ns)`` of every intended slouch episode (no raw signal).

        ``SimulatedDay.slouch`` is true exactly for the samples inside these intervals.
        """
        out: list[tuple[int, int]] = []
        for k in range(self.settings.days):
            plan = self._plan(k)
            out += [
                (plan.day_start_ns + int(round(a * 1e9)), plan.day_start_ns + int(round(b * 1e9)))
                for a, b in plan.episodes
            ]
        return out

    def pain_ratings(self) -> list[PainRating]:
        """All momentary pain ratings of the simulation, in time order (no raw signal needed)."""
        return [r for k in range(self.settings.days) for r in self._day_log(k)[0]]

    def remedies(self) -> list[Remedy]:
        """All remedies taken during the simulation, in time order."""
        return [r for k in range(self.settings.days) for r in self._day_log(k)[1]]
