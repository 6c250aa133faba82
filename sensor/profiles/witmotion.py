"""WitMotion WT901BLECL / BWT901BLE5.0 (accelerometer + gyroscope + angles over BLE).

Protocol (summarised in ``docs/ble.md``; from the WitMotion "Bluetooth 5.0 communication protocol"
document and the WT901BLECL datasheet):

* notify ``ffe4``, write ``ffe9`` under service ``ffe5``. The base UUID on these units ends in
  ``…9a34fb`` (not the Bluetooth SIG ``…9b34fb``); other firmware reportedly uses the SIG base, so
  characteristics are matched on their 16-bit part (:func:`find_characteristic`).
* 20-byte sample records ``55 61`` + 9 × int16 (ax, ay, az, wx, wy, wz, roll, pitch, yaw), no
  checksum. Several records may share one notification and a record may be split across two, so
  the decoder keeps a reassembly buffer and re-synchronises on ``55 61``.
* Register-read replies ``55 71 RegL RegH`` + 8 × uint16 (20 bytes) are not samples.
* Scales: acc = raw / 32768 × 16 g with **g = 9.8 m/s²** (WitMotion's constant, not 9.80665);
  gyro = raw / 32768 × 2000 °/s; angle = raw / 32768 × 180°.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np

from sensor.profiles.base import ConfigWrite, Decoded, DecodeError, SensorProfile

__all__ = [
    "WITMOTION_G_MPS2",
    "WITMOTION_NOTIFY_UUID",
    "WITMOTION_RATE_CODES",
    "WITMOTION_SERVICE_UUID",
    "WITMOTION_WRITE_UUID",
    "WitMotionProfile",
    "find_characteristic",
    "uuid16",
]

logger = logging.getLogger(__name__)

WITMOTION_SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
WITMOTION_NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WITMOTION_WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

#: WitMotion's own gravity constant (datasheet: "g = 9.8 m/s²"), used for the acc scale.
WITMOTION_G_MPS2 = 9.8
#: Output-rate register 0x03 codes for the BLE models (Hz → code). The serial-model datasheets
#: map 0x0A to 125 Hz; read register 0x03 back to confirm.
WITMOTION_RATE_CODES: dict[float, int] = {
    10.0: 0x06,
    20.0: 0x07,
    50.0: 0x08,
    100.0: 0x09,
    200.0: 0x0A,
}

_RECORD_LEN = 20
_HEADER = 0x55
_FLAG_SAMPLE = 0x61
_FLAG_REGISTER = 0x71
_REG_RATE = 0x03
_ACC_SCALE = 16.0 * WITMOTION_G_MPS2 / 32768.0  # m/s² per LSB
_GYR_SCALE = 2000.0 / 32768.0 * np.pi / 180.0  # rad/s per LSB
_MAX_BUFFER = 4096  # bytes kept while waiting for a header; anything older is garbage

_UNLOCK = bytes.fromhex("ffaa6988b5")
_SAVE = bytes.fromhex("ffaa000000")


def uuid16(uuid: str) -> str | None:
    """The 16-bit part of a UUID written in the ``0000xxxx-…`` form, whatever its base.

    Parameters
    ----------
    uuid : str
        A 128-bit UUID string (any case), or a bare 4-hex-digit short UUID.

    Returns
    -------
    str or None
        Four lower-case hex digits (``"ffe4"``), or ``None`` if ``uuid`` is not of that form.
    """
    u = uuid.strip().lower()
    if len(u) == 4:
        try:
            int(u, 16)
        except ValueError:
            return None
        return u
    if len(u) == 36 and u.startswith("0000") and u[8] == "-":
        return u[4:8]
    return None


def find_characteristic(discovered: Iterable[str], wanted: str) -> str | None:
    """Find ``wanted`` among discovered characteristic UUIDs, tolerating a different base UUID.

    An exact (case-insensitive) match wins; otherwise, for a ``0000xxxx-…`` UUID, the first
    discovered UUID with the same 16-bit part is returned (WitMotion firmware uses both the
    ``…9a34fb`` and the SIG ``…9b34fb`` base).

    Parameters
    ----------
    discovered : iterable of str
        UUIDs of the characteristics the client discovered.
    wanted : str
        The UUID (or 16-bit short form such as ``"ffe4"``) the profile names.

    Returns
    -------
    str or None
        The discovered UUID string as given, or ``None`` if nothing matches.
    """
    cands = list(discovered)
    w = wanted.strip().lower()
    for c in cands:
        if c.strip().lower() == w:
            return c
    short = uuid16(w)
    if short is None:
        return None
    for c in cands:
        if uuid16(c) == short:
            return c
    return None


class WitMotionProfile(SensorProfile):
    """WitMotion WT901BLECL / BWT901BLE5.0.

    Decoder state: a reassembly buffer (records split across notifications). The rate is
    confirmed by asking for register 0x03 (:meth:`rate_query_write`); the reply arrives on the
    data characteristic (:meth:`find_rate_reply`) and is not a sample.
    """

    model = "WitMotion WT901BLECL/BWT901BLE5.0"
    key = "witmotion"
    has_gyroscope = True
    service_uuids = (WITMOTION_SERVICE_UUID,)
    notify_uuids = (WITMOTION_NOTIFY_UUID,)
    data_uuid = WITMOTION_NOTIFY_UUID
    rates_hz = tuple(sorted(WITMOTION_RATE_CODES))

    def __init__(self) -> None:
        self.write_uuid = WITMOTION_WRITE_UUID
        self._buffer = bytearray()

    # ------------------------------------------------------------------ discovery
    @classmethod
    def matches(cls, name: str | None, service_uuids: list[str]) -> bool:
        """Names start with ``WT`` (e.g. ``WT901BLE67``); without a name, the ``ffe5`` service."""
        if name:
            return name.strip().startswith("WT")
        return any(uuid16(u) == "ffe5" for u in service_uuids)

    def adapt_to_discovered(self, char_uuids: Iterable[str]) -> None:
        """Use the characteristic UUIDs actually discovered on this unit (either base UUID).

        Parameters
        ----------
        char_uuids : iterable of str
            All characteristic UUIDs discovered on the connected device.

        Raises
        ------
        DecodeError
            If no ``ffe4`` notify characteristic is present.
        """
        cands = list(char_uuids)
        notify = find_characteristic(cands, WITMOTION_NOTIFY_UUID)
        if notify is None:
            raise DecodeError("no WitMotion ffe4 notify characteristic among discovered ones")
        write = find_characteristic(cands, WITMOTION_WRITE_UUID)
        self.data_uuid = notify.lower()
        self.notify_uuids = (notify.lower(),)
        if write is not None:
            self.write_uuid = write.lower()

    # ------------------------------------------------------------------ configuration
    def config_writes(self, rate_hz: float) -> list[ConfigWrite]:
        """Unlock, set the output-rate register 0x03, save (all to ``ffe9``).

        Parameters
        ----------
        rate_hz : float
            Requested rate; the nearest of :attr:`rates_hz` is used.

        Returns
        -------
        list of ConfigWrite
            ``FF AA 69 88 B5``, ``FF AA 03 <code> 00``, ``FF AA 00 00 00``.
        """
        code = WITMOTION_RATE_CODES[self.nearest_rate(rate_hz)]
        return [
            ConfigWrite(self.write_uuid, _UNLOCK, response=True, delay_s=0.1),
            ConfigWrite(self.write_uuid, bytes([0xFF, 0xAA, _REG_RATE, code, 0x00]), True, 0.1),
            ConfigWrite(self.write_uuid, _SAVE, response=True, delay_s=0.1),
        ]

    def rate_query_write(self) -> ConfigWrite | None:
        """The write that asks the sensor to report register 0x03 (``FF AA 27 03 00``).

        Send it after notifications are enabled: the reply arrives as a ``55 71 03 00 …``
        record on the data characteristic (:meth:`find_rate_reply`); :meth:`decode` skips it.
        """
        return ConfigWrite(self.write_uuid, bytes([0xFF, 0xAA, 0x27, _REG_RATE, 0x00]), True, 0.2)

    def find_rate_reply(self, data: bytes) -> float | None:
        """Rate in Hz from a ``55 71 03 00`` register reply inside a data notification.

        Parameters
        ----------
        data : bytes
            One data notification (samples and replies may share it).

        Returns
        -------
        float or None
            The rate the sensor reports, or ``None`` when ``data`` holds no complete rate
            reply or its code is not a known rate.
        """
        b = memoryview(data).tobytes()
        at = b.find(bytes([_HEADER, _FLAG_REGISTER, _REG_RATE, 0x00]))
        return None if at < 0 else self.parse_rate_readback(b[at:])

    def parse_rate_readback(self, data: bytes) -> float | None:
        """Rate in Hz from a 20-byte ``55 71 03 00`` register reply, else ``None``."""
        b = memoryview(data).tobytes()
        if len(b) < 6 or b[0] != _HEADER or b[1] != _FLAG_REGISTER or b[2] != _REG_RATE or b[3]:
            return None
        code = b[4] | (b[5] << 8)
        for hz, c in WITMOTION_RATE_CODES.items():
            if c == code:
                return hz
        return None

    # ------------------------------------------------------------------ decoding
    def decode(self, data: bytes) -> Decoded:
        """Append one notification to the reassembly buffer and decode every complete record.

        Source: the WitMotion BLE 5.0 protocol document and the WT901BLECL datasheet:
        record ``55 61`` + int16 ax ay az wx wy wz roll pitch yaw, acc ×16 g/32768 with
        g = 9.8, gyro ×2000 °/s / 32768.

        Parameters
        ----------
        data : bytes
            One notification (any length; may hold several records or part of one).

        Returns
        -------
        Decoded
            ``acc_mps2`` (N, 3) m/s², ``gyr_rads`` (N, 3) rad/s for the N complete sample
            records; ``skipped_bytes`` counts garbage discarded while re-synchronising.

        Raises
        ------
        DecodeError
            If ``data`` is not bytes-like.
        """
        try:
            chunk = memoryview(data).tobytes()
        except (TypeError, ValueError) as exc:
            raise DecodeError(f"notification is not bytes: {type(data).__name__}") from exc
        self._buffer += chunk
        buf = self._buffer
        starts, skipped, consumed = _scan_records(buf)
        records = bytes(buf[:consumed])
        del buf[:consumed]
        if len(buf) > _MAX_BUFFER:  # cannot happen with _scan_records, but bound it anyway
            skipped += len(buf)
            buf.clear()
        arr = np.frombuffer(records, dtype=np.uint8)
        if starts.size:
            idx = starts[:, None] + np.arange(_RECORD_LEN)[None, :]
            recs = arr[idx]  # (M, 20)
            is_sample = recs[:, 1] == _FLAG_SAMPLE  # register replies are not samples
            raw = np.ascontiguousarray(recs[is_sample, 2:]).view("<i2").astype(np.float64)
        else:
            raw = np.zeros((0, 9))
        acc = raw[:, 0:3] * _ACC_SCALE
        gyr = raw[:, 3:6] * _GYR_SCALE
        if skipped:
            logger.debug("witmotion: skipped %d garbage bytes while re-syncing", skipped)
        return Decoded(acc_mps2=acc, gyr_rads=gyr, skipped_bytes=skipped)

    def reset(self) -> None:
        """Drop the reassembly buffer (call after a reconnect)."""
        self._buffer.clear()


def _scan_records(buf: bytearray) -> tuple[np.ndarray, int, int]:
    """Locate complete records in ``buf``.

    Returns
    -------
    starts : ndarray, shape (M,), int64
        Offsets of complete records (sample or register reply) within ``buf[:consumed]``.
    skipped : int
        Garbage bytes before/between records.
    consumed : int
        Bytes that may be dropped from the buffer (records and garbage); the rest is kept,
        either an incomplete record or a trailing ``0x55`` that may begin a header.
    """
    n = len(buf)
    arr = np.frombuffer(bytes(buf), dtype=np.uint8)
    if n >= 2:
        cand = np.flatnonzero(
            (arr[:-1] == _HEADER) & ((arr[1:] == _FLAG_SAMPLE) | (arr[1:] == _FLAG_REGISTER))
        )
    else:
        cand = np.zeros(0, dtype=np.int64)
    # Fast path: perfectly aligned records from the start of the buffer.
    m = n // _RECORD_LEN
    if m and cand.size >= m:
        aligned = np.arange(m) * _RECORD_LEN
        if np.isin(aligned, cand).all():
            starts = aligned
            pos = m * _RECORD_LEN
            return _finish(arr, starts, 0, pos, cand)
    starts_list: list[int] = []
    skipped = 0
    pos = 0
    for c in cand.tolist():
        if c < pos:
            continue  # inside an accepted record
        if c + _RECORD_LEN > n:
            break
        skipped += c - pos
        starts_list.append(c)
        pos = c + _RECORD_LEN
    return _finish(arr, np.asarray(starts_list, dtype=np.int64), skipped, pos, cand)


def _finish(
    arr: np.ndarray, starts: np.ndarray, skipped: int, pos: int, cand: np.ndarray
) -> tuple[np.ndarray, int, int]:
    """Decide how much of the tail after ``pos`` is garbage and how much must be kept."""
    n = arr.size
    later = cand[cand >= pos]
    if later.size:
        keep_from = int(later[0])  # an incomplete record starts here
    elif n > pos and arr[-1] == _HEADER:
        keep_from = n - 1  # a lone 0x55 may start the next header
    else:
        keep_from = n
    skipped += keep_from - pos
    return starts.astype(np.int64), skipped, keep_from
