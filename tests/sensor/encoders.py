"""Byte-exact encoders for every supported vendor format: SI samples → notification bytes.

Used by the decoder tests and by the fake-BlueZ harness to generate the notifications a real
sensor would send. Written independently of the decoders, from ``docs/sensors.md``.

Conventions
-----------
* ``acc_mps2``: array-like, shape (3,) for one sample or (N, 3); m/s².
* ``gyr_rads``: same shapes; rad/s.
* Values are rounded to the nearest count and saturated to the int16 range;
  :func:`quantise` returns exactly what the decoder reports for the encoded bytes.
* One sample per notification is what Thingy:52, micro:bit and SensorTag send; their encoders
  accept (N, 3) and return N frames concatenated; use :func:`split_frames` to get one
  notification per sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "G_STANDARD",
    "G_WITMOTION",
    "PROFILE_KEYS",
    "chunk_stream",
    "encode_microbit",
    "encode_microbit_period",
    "encode_polar_acc_frame",
    "encode_polar_control_reply",
    "encode_sensortag",
    "encode_sensortag_period",
    "encode_thingy_config",
    "encode_thingy_raw",
    "encode_witmotion",
    "encode_witmotion_rate_reply",
    "polar_acc_frames",
    "quantise",
    "split_frames",
    "witmotion_notifications",
]

G_STANDARD = 9.80665  # m/s², used by Thingy:52, micro:bit, SensorTag, Polar decoders
G_WITMOTION = 9.8  # m/s², WitMotion's datasheet constant
PROFILE_KEYS = ("witmotion", "thingy52", "microbit", "sensortag", "polar_h10")

_DEG = math.pi / 180.0


_GYR_LSB: dict[str, float] = {
    "witmotion": 2000.0 / 32768.0 * _DEG,
    "thingy52": _DEG / 32.0,
    "sensortag": 500.0 / 65536.0 * _DEG,
}


def _lsb(profile_key: str, acc_range_g: int = 8) -> tuple[float, float | None]:
    """(acc m/s² per count, gyro rad/s per count or None) of each format."""
    if profile_key == "witmotion":
        acc = 16.0 * G_WITMOTION / 32768.0
    elif profile_key == "thingy52":
        acc = G_STANDARD / 1024.0
    elif profile_key in ("microbit", "polar_h10"):
        acc = G_STANDARD / 1000.0
    elif profile_key == "sensortag":
        acc = acc_range_g / 32768.0 * G_STANDARD
    else:
        raise KeyError(f"unknown profile key {profile_key!r}")
    return acc, _GYR_LSB.get(profile_key)


def _rows(values: npt.ArrayLike, what: str) -> np.ndarray:
    """``values`` as float64 (N, 3)."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != 3:
        raise ValueError(f"{what} must have shape (3,) or (N, 3), got {np.shape(values)}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} must be finite")
    return a


def _counts(values: np.ndarray, lsb: float) -> np.ndarray:
    """Nearest int16 counts, saturated."""
    return np.clip(np.rint(values / lsb), -32768, 32767).astype("<i2")


def quantise(
    profile_key: str,
    acc_mps2: npt.ArrayLike,
    gyr_rads: npt.ArrayLike | None = None,
    *,
    acc_range_g: int = 8,
) -> tuple[np.ndarray, np.ndarray | None]:
    """What the decoder of ``profile_key`` returns for the encoding of these samples.

    Parameters
    ----------
    profile_key : str
        One of :data:`PROFILE_KEYS`.
    acc_mps2 : array-like, shape (3,) or (N, 3)
        Specific force, m/s².
    gyr_rads : array-like, shape (3,) or (N, 3), optional
        Angular rate, rad/s (zeros if omitted for gyroscope formats; ignored otherwise).
    acc_range_g : int
        SensorTag accelerometer range.

    Returns
    -------
    acc : ndarray, shape (N, 3)
        Quantised specific force, m/s².
    gyr : ndarray, shape (N, 3), or None
        Quantised angular rate, rad/s; ``None`` for accelerometer-only formats.
    """
    acc_lsb, gyr_lsb = _lsb(profile_key, acc_range_g)
    acc = _rows(acc_mps2, "acc_mps2")
    acc_q = _counts(acc, acc_lsb).astype(np.float64) * acc_lsb
    if gyr_lsb is None:
        return acc_q, None
    gyr = np.zeros_like(acc) if gyr_rads is None else _rows(gyr_rads, "gyr_rads")
    return acc_q, _counts(gyr, gyr_lsb).astype(np.float64) * gyr_lsb


# --------------------------------------------------------------------------- WitMotion
def encode_witmotion(
    acc_mps2: npt.ArrayLike,
    gyr_rads: npt.ArrayLike | None = None,
    angles_deg: npt.ArrayLike | None = None,
) -> bytes:
    """WitMotion 20-byte records ``55 61`` + int16 ax ay az wx wy wz roll pitch yaw.

    Parameters
    ----------
    acc_mps2, gyr_rads : array-like, shape (3,) or (N, 3)
        m/s² (±16 g, g = 9.8) and rad/s (±2000 °/s); gyro zeros if omitted.
    angles_deg : array-like, shape (3,) or (N, 3), optional
        Roll, pitch, yaw in degrees (±180); zeros if omitted.

    Returns
    -------
    bytes
        ``20 * N`` bytes, records concatenated.
    """
    acc = _rows(acc_mps2, "acc_mps2")
    gyr = np.zeros_like(acc) if gyr_rads is None else _rows(gyr_rads, "gyr_rads")
    ang = np.zeros_like(acc) if angles_deg is None else _rows(angles_deg, "angles_deg")
    if not acc.shape == gyr.shape == ang.shape:
        raise ValueError("acc_mps2, gyr_rads and angles_deg must have the same number of rows")
    acc_lsb, gyr_lsb = _lsb("witmotion")[0], _GYR_LSB["witmotion"]
    body = np.hstack(
        [_counts(acc, acc_lsb), _counts(gyr, gyr_lsb), _counts(ang, 180.0 / 32768.0)]
    ).astype("<i2")
    out = np.empty((acc.shape[0], 20), dtype=np.uint8)
    out[:, 0] = 0x55
    out[:, 1] = 0x61
    out[:, 2:] = body.view(np.uint8).reshape(-1, 18)
    return out.tobytes()


def encode_witmotion_rate_reply(rate_code: int) -> bytes:
    """Reply to ``FF AA 27 03 00``: ``55 71 03 00`` + register 0x03 = ``rate_code`` + 7 zero
    registers (20 bytes)."""
    regs = np.zeros(8, dtype="<u2")
    regs[0] = rate_code
    return bytes([0x55, 0x71, 0x03, 0x00]) + regs.tobytes()


def chunk_stream(data: bytes, sizes: Iterable[int]) -> list[bytes]:
    """Cut a byte stream into notifications of the given sizes (the last takes the rest).

    Parameters
    ----------
    data : bytes
        Concatenated records (and garbage, if wanted).
    sizes : iterable of int
        Successive notification sizes (> 0); cycling stops when ``data`` is used up.

    Returns
    -------
    list of bytes
        Notifications whose concatenation is ``data``; records may be split across them.
    """
    out: list[bytes] = []
    pos = 0
    for s in sizes:
        if pos >= len(data):
            break
        if s <= 0:
            raise ValueError("chunk sizes must be positive")
        out.append(data[pos : pos + s])
        pos += s
    if pos < len(data):
        out.append(data[pos:])
    return out


def witmotion_notifications(
    acc_mps2: npt.ArrayLike,
    gyr_rads: npt.ArrayLike | None = None,
    *,
    records_per_notification: int = 1,
    max_notification_bytes: int | None = None,
) -> list[bytes]:
    """WitMotion notifications carrying N samples.

    Parameters
    ----------
    acc_mps2, gyr_rads : array-like, shape (N, 3)
        Samples.
    records_per_notification : int
        Whole records per notification (the last may hold fewer).
    max_notification_bytes : int, optional
        If given, the record stream is instead cut into notifications of this many bytes
        (records split across notifications, as at higher rates with a small MTU).
    """
    stream = encode_witmotion(acc_mps2, gyr_rads)
    if max_notification_bytes is not None:
        size = int(max_notification_bytes)
        return chunk_stream(stream, iter(lambda: size, 0))
    if records_per_notification < 1:
        raise ValueError("records_per_notification must be >= 1")
    step = 20 * records_per_notification
    return [stream[i : i + step] for i in range(0, len(stream), step)]


# --------------------------------------------------------------------------- Thingy:52
def encode_thingy_raw(
    acc_mps2: npt.ArrayLike,
    gyr_rads: npt.ArrayLike | None = None,
    compass_ut: npt.ArrayLike | None = None,
) -> bytes:
    """Thingy:52 raw-data frames: int16 accel (1/1024 g), gyro (1/32 °/s), compass (1/16 µT).

    Returns ``18 * N`` bytes (one 18-byte notification per sample on a real device).
    """
    acc = _rows(acc_mps2, "acc_mps2")
    gyr = np.zeros_like(acc) if gyr_rads is None else _rows(gyr_rads, "gyr_rads")
    mag = np.zeros_like(acc) if compass_ut is None else _rows(compass_ut, "compass_ut")
    acc_lsb, gyr_lsb = _lsb("thingy52")[0], _GYR_LSB["thingy52"]
    return (
        np.hstack([_counts(acc, acc_lsb), _counts(gyr, gyr_lsb), _counts(mag, 1.0 / 16.0)])
        .astype("<i2")
        .tobytes()
    )


def encode_thingy_config(
    pedometer_ms: int = 1000,
    temperature_ms: int = 500,
    compass_ms: int = 500,
    motion_hz: int = 10,
    wake_on_motion: int = 1,
) -> bytes:
    """The 9-byte motion config: 4 × uint16 + uint8 (defaults are the firmware's)."""
    return b"".join(
        int(v).to_bytes(2, "little") for v in (pedometer_ms, temperature_ms, compass_ms, motion_hz)
    ) + bytes([wake_on_motion])


# --------------------------------------------------------------------------- micro:bit
def encode_microbit(acc_mps2: npt.ArrayLike) -> bytes:
    """micro:bit accelerometer data: 3 × int16 milli-g per sample (``6 * N`` bytes)."""
    acc_lsb, _ = _lsb("microbit")
    return _counts(_rows(acc_mps2, "acc_mps2"), acc_lsb).tobytes()


def encode_microbit_period(period_ms: int) -> bytes:
    """Accelerometer period characteristic value: uint16 ms."""
    return int(period_ms).to_bytes(2, "little")


# --------------------------------------------------------------------------- SensorTag
def encode_sensortag(
    acc_mps2: npt.ArrayLike,
    gyr_rads: npt.ArrayLike | None = None,
    *,
    acc_range_g: int = 8,
    mag_ut: npt.ArrayLike | None = None,
) -> bytes:
    """SensorTag movement frames: int16 gyro x,y,z; acc x,y,z; mag x,y,z (``18 * N`` bytes)."""
    acc = _rows(acc_mps2, "acc_mps2")
    gyr = np.zeros_like(acc) if gyr_rads is None else _rows(gyr_rads, "gyr_rads")
    mag = np.zeros_like(acc) if mag_ut is None else _rows(mag_ut, "mag_ut")
    acc_lsb, gyr_lsb = _lsb("sensortag", acc_range_g)[0], _GYR_LSB["sensortag"]
    return (
        np.hstack([_counts(gyr, gyr_lsb), _counts(acc, acc_lsb), _counts(mag, 1.0)])
        .astype("<i2")
        .tobytes()
    )


def encode_sensortag_period(rate_hz: float) -> bytes:
    """Period byte (× 10 ms) for ``rate_hz``, minimum 100 ms."""
    return bytes([int(min(255, max(10, round(100.0 / rate_hz))))])


# --------------------------------------------------------------------------- Polar H10
def encode_polar_acc_frame(acc_mps2: npt.ArrayLike, last_timestamp_ns: int) -> bytes:
    """Polar PMD ACC data frame (type 2, frame type 0x01, int16 mg).

    Parameters
    ----------
    acc_mps2 : array-like, shape (N, 3)
        Samples, m/s² (g = 9.80665).
    last_timestamp_ns : int
        Strap-clock timestamp of the LAST sample, ns (uint64; Polar epoch 2000-01-01).

    Returns
    -------
    bytes
        ``02 | uint64 ts | 01 | N × (x, y, z) int16``.
    """
    acc_lsb, _ = _lsb("polar_h10")
    body = _counts(_rows(acc_mps2, "acc_mps2"), acc_lsb).tobytes()
    return bytes([0x02]) + int(last_timestamp_ns).to_bytes(8, "little") + bytes([0x01]) + body


def polar_acc_frames(
    acc_mps2: npt.ArrayLike, first_timestamp_ns: int, rate_hz: float, samples_per_frame: int
) -> list[tuple[bytes, np.ndarray]]:
    """Split (N, 3) samples into PMD frames at the nominal period.

    Returns
    -------
    list of (bytes, ndarray)
        Each frame and the (n,) int64 device times of its samples (what the decoder returns).
    """
    acc = _rows(acc_mps2, "acc_mps2")
    period = round(1e9 / rate_hz)
    times = int(first_timestamp_ns) + np.arange(acc.shape[0], dtype=np.int64) * period
    out: list[tuple[bytes, np.ndarray]] = []
    for i in range(0, acc.shape[0], samples_per_frame):
        sl = slice(i, i + samples_per_frame)
        out.append((encode_polar_acc_frame(acc[sl], int(times[sl][-1])), times[sl]))
    return out


def encode_polar_control_reply(error: int = 0, op: int = 0x02, measurement: int = 0x02) -> bytes:
    """Control-point reply ``F0 <op> <measurement> <error>`` (start command: ``F0 02 02 00``)."""
    return bytes([0xF0, op, measurement, error])


def split_frames(data: bytes, frame_len: int) -> Sequence[bytes]:
    """One notification per ``frame_len``-byte frame."""
    if len(data) % frame_len:
        raise ValueError(f"{len(data)} bytes is not a multiple of {frame_len}")
    return [data[i : i + frame_len] for i in range(0, len(data), frame_len)]
