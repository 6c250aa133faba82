"""Polar H10 chest strap, PMD (Polar Measurement Data) accelerometer stream.

Source: polarofficial/polar-ble-sdk (PMD control point / ``PmdDataFrame`` / ``AccData``),
summarised in ``docs/ble.md``.

Device timestamps are nanoseconds on the strap's clock, whose epoch is 2000-01-01 (UTC) per the
Polar SDK; :attr:`Decoded.device_time_ns` is returned on that clock, unconverted (the
:class:`sensor.clock.SampleClock` only uses differences). Add :data:`POLAR_EPOCH_OFFSET_NS` to get
Unix-epoch nanoseconds if the strap's clock was set.
"""

from __future__ import annotations

import logging
from typing import Self

import numpy as np

from sensor.profiles.base import (
    ConfigWrite,
    Decoded,
    DecodeError,
    SensorProfile,
    notification_bytes,
)
from vocab.units import NS_PER_S

__all__ = [
    "POLAR_EPOCH_OFFSET_NS",
    "POLAR_PMD_CONTROL_UUID",
    "POLAR_PMD_DATA_UUID",
    "POLAR_PMD_ERRORS",
    "POLAR_PMD_SERVICE_UUID",
    "PolarH10Profile",
    "polar_start_acc_command",
]

logger = logging.getLogger(__name__)

POLAR_PMD_SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
POLAR_PMD_CONTROL_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
POLAR_PMD_DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
#: Nanoseconds from the Unix epoch to the Polar epoch 2000-01-01T00:00:00Z.
POLAR_EPOCH_OFFSET_NS = 946_684_800 * NS_PER_S

#: PMD control-point error codes (polar-ble-sdk ``PmdControlPointResponse``).
POLAR_PMD_ERRORS: dict[int, str] = {
    0: "success",
    1: "invalid op code",
    2: "invalid measurement type",
    3: "not supported",
    4: "invalid length",
    5: "invalid parameter",
    6: "already in state",
    7: "invalid resolution",
    8: "invalid sample rate",
    9: "invalid range",
    10: "invalid MTU",
    11: "invalid number of channels",
    12: "invalid state",
    13: "device in charger",
}

_MEAS_ACC = 0x02
_OP_START = 0x02
_OP_STOP = 0x03
_REPLY = 0xF0
_FRAME_TYPE_RAW16 = 0x01
_HEADER_LEN = 10
_G = 9.80665
_ACC_SCALE = _G / 1000.0  # m/s² per mg


def polar_start_acc_command(rate_hz: int) -> bytes:
    """PMD "start ACC" command: sample rate ``rate_hz``, 16-bit resolution, ±2 g range.

    ``02 02 | 00 01 <rate u16> | 01 01 10 00 | 02 01 02 00`` (setting type, count, value).
    """
    if not 0 < rate_hz < 65536:
        raise ValueError(f"rate_hz out of range: {rate_hz}")
    return (
        bytes([_OP_START, _MEAS_ACC, 0x00, 0x01])
        + int(rate_hz).to_bytes(2, "little")
        + bytes([0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x02, 0x00])
    )


class PolarH10Profile(SensorProfile):
    """Polar H10 accelerometer over PMD; ``gyr_rads`` is always ``None``.

    Per-sample ``device_time_ns`` are spaced backwards from the frame timestamp (the time of
    the frame's last sample) at the nominal period of the configured rate.
    """

    model = "Polar H10"
    key = "polar_h10"
    has_gyroscope = False
    service_uuids = (POLAR_PMD_SERVICE_UUID,)
    notify_uuids = (POLAR_PMD_CONTROL_UUID, POLAR_PMD_DATA_UUID)
    data_uuid = POLAR_PMD_DATA_UUID
    rates_hz = (25.0, 50.0, 100.0, 200.0)
    has_device_time = True

    def __init__(self, rate_hz: float = 200.0) -> None:
        self.rate_hz = self.nearest_rate(rate_hz)

    @classmethod
    def from_rate(cls, rate_hz: float | None = None) -> Self:
        """A profile whose decoder spaces device timestamps for ``rate_hz`` (default 200 Hz)."""
        return cls() if rate_hz is None else cls(rate_hz=rate_hz)

    @classmethod
    def matches(cls, name: str | None, service_uuids: list[str]) -> bool:
        """Name ``Polar H10 XXXXXXXX`` (other Polar devices share the PMD service)."""
        return bool(name) and str(name).strip().startswith("Polar H10")

    def writes_after_subscribe(self) -> bool:
        """PMD requires notifications on control point and data before the start command."""
        return True

    def config_writes(self, rate_hz: float) -> list[ConfigWrite]:
        """The start-ACC command on the control point; also fixes the nominal sample spacing."""
        self.rate_hz = self.nearest_rate(rate_hz)
        return [
            ConfigWrite(POLAR_PMD_CONTROL_UUID, polar_start_acc_command(int(self.rate_hz)), True)
        ]

    def stop_write(self) -> ConfigWrite | None:
        """The stop-ACC command ``03 02``."""
        return ConfigWrite(POLAR_PMD_CONTROL_UUID, bytes([_OP_STOP, _MEAS_ACC]), True)

    def check_config_reply(self, char_uuid: str, data: bytes) -> str | None:
        """Check a control-point reply ``F0 02 02 <err>`` to the start command.

        Returns
        -------
        str or None
            An error message if the strap rejected the start command; ``None`` on success,
            on "already in state" (streaming already) and for unrelated notifications.
        """
        if char_uuid.lower() != POLAR_PMD_CONTROL_UUID:
            return None
        b = memoryview(data).tobytes()
        if len(b) < 3 or b[0] != _REPLY or b[1] != _OP_START or b[2] != _MEAS_ACC:
            return None
        if len(b) < 4:
            return "Polar PMD: truncated reply to start ACC"
        err = b[3]
        if err == 0:
            return None
        if err == 6:
            logger.info("Polar PMD: ACC stream already started")
            return None
        return f"Polar PMD rejected start ACC: error {err} ({POLAR_PMD_ERRORS.get(err, 'unknown')})"

    def decode(self, data: bytes) -> Decoded:
        """Decode one PMD ACC data frame.

        Source: polar-ble-sdk ``PmdDataFrame`` / ``AccData`` (frame type 1): byte 0 measurement
        type (2 = ACC), bytes 1–8 uint64 timestamp (ns) of the last sample, byte 9 frame type
        0x01 (uncompressed int16), then N × int16 x, y, z in mg.

        Parameters
        ----------
        data : bytes
            One data notification.

        Returns
        -------
        Decoded
            ``acc_mps2`` (N, 3) m/s² (g = 9.80665), ``gyr_rads`` None, ``device_time_ns`` (N,)
            int64 on the strap's clock (epoch 2000-01-01).

        Raises
        ------
        DecodeError
            Short frame, not ACC, unsupported (e.g. delta-compressed) frame type, payload not
            a multiple of 6 bytes, or a timestamp beyond int64.
        """
        b = notification_bytes(data, "polar")
        if len(b) < _HEADER_LEN:
            raise DecodeError(f"polar: frame too short ({len(b)} bytes)")
        if b[0] != _MEAS_ACC:
            raise DecodeError(f"polar: measurement type {b[0]} is not ACC (2)")
        if b[9] != _FRAME_TYPE_RAW16:
            raise DecodeError(f"polar: unsupported ACC frame type 0x{b[9]:02X}")
        payload = b[_HEADER_LEN:]
        if len(payload) % 6:
            raise DecodeError(f"polar: payload of {len(payload)} bytes is not N x 6")
        ts_last = int.from_bytes(b[1:9], "little")
        if ts_last >= 2**63:
            raise DecodeError("polar: timestamp beyond int64")
        raw = np.frombuffer(payload, dtype="<i2").reshape(-1, 3).astype(np.float64)
        n = raw.shape[0]
        period_ns = round(1e9 / self.rate_hz)
        back = np.arange(n - 1, -1, -1, dtype=np.int64) * np.int64(period_ns)
        if n and ts_last - int(back[0]) < -(2**63):
            raise DecodeError("polar: timestamps before int64 range")
        dev = np.int64(ts_last) - back
        return Decoded(acc_mps2=raw * _ACC_SCALE, gyr_rads=None, device_time_ns=dev)
