"""Nordic Thingy:52 motion service, raw data (accelerometer + gyroscope; compass ignored).

Source: NordicSemiconductor/Nordic-Thingy52-FW, ``include/ble_services/ble_tms.h`` and
``source/ble_services/ble_tms.c`` (summarised in ``docs/ble.md``).
"""

from __future__ import annotations

import logging

import numpy as np

from sensor.profiles.base import ConfigWrite, Decoded, SensorProfile, int16_frames

__all__ = [
    "THINGY_CONFIG_UUID",
    "THINGY_DEFAULT_CONFIG",
    "THINGY_MOTION_SERVICE_UUID",
    "THINGY_RAW_UUID",
    "Thingy52Profile",
    "thingy_uuid",
]

logger = logging.getLogger(__name__)


def thingy_uuid(short: int) -> str:
    """Full Thingy:52 UUID ``EF68xxxx-9B35-4933-9B10-52FFA9740042`` (lower case) for ``0xXXXX``."""
    return f"ef68{short:04x}-9b35-4933-9b10-52ffa9740042"


THINGY_MOTION_SERVICE_UUID = thingy_uuid(0x0400)
THINGY_CONFIG_UUID = thingy_uuid(0x0401)
THINGY_RAW_UUID = thingy_uuid(0x0406)
_THINGY_BASE_SUFFIX = "-9b35-4933-9b10-52ffa9740042"

#: Firmware defaults: pedometer ms, temperature ms, compass ms, motion Hz, wake-on-motion.
THINGY_DEFAULT_CONFIG = (1000, 500, 500, 10, 1)
_CONFIG_DTYPE = np.dtype(
    [("ped", "<u2"), ("temp", "<u2"), ("comp", "<u2"), ("motion", "<u2"), ("wom", "u1")]
)

_G = 9.80665
_ACC_SCALE = _G / 1024.0  # m/s² per LSB (Q6.10 g)
_GYR_SCALE = np.pi / 180.0 / 32.0  # rad/s per LSB (Q11.5 °/s)
_FRAME = 18


class Thingy52Profile(SensorProfile):
    """Nordic Thingy:52, motion service raw data (``EF680406``).

    The motion frequency is any integer 1–200 Hz; :meth:`nearest_rate` rounds and clips.
    """

    model = "Nordic Thingy:52"
    key = "thingy52"
    has_gyroscope = True
    service_uuids = (THINGY_MOTION_SERVICE_UUID,)
    notify_uuids = (THINGY_RAW_UUID,)
    data_uuid = THINGY_RAW_UUID
    rates_hz = (1.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0)

    @classmethod
    def matches(cls, name: str | None, service_uuids: list[str]) -> bool:
        """Name contains ``Thingy`` or any advertised UUID is on the Thingy base."""
        if name and "thingy" in name.lower():
            return True
        return any(
            u.lower().startswith("ef68") and u.lower().endswith(_THINGY_BASE_SUFFIX)
            for u in service_uuids
        )

    def nearest_rate(self, rate_hz: float) -> float:
        """Integer motion frequency in [1, 200] Hz closest to ``rate_hz``."""
        if not np.isfinite(rate_hz):
            return 10.0
        return float(min(200, max(1, round(rate_hz))))

    def config_writes(self, rate_hz: float) -> list[ConfigWrite]:
        """One 9-byte config write: firmware-default intervals, motion frequency, wake-on-motion 1.

        Every field is in its valid range (the firmware rejects the whole write otherwise).
        """
        ped, temp, comp, _, wom = THINGY_DEFAULT_CONFIG
        motion = int(self.nearest_rate(rate_hz))
        rec = np.array([(ped, temp, comp, motion, wom)], dtype=_CONFIG_DTYPE)
        return [ConfigWrite(THINGY_CONFIG_UUID, rec.tobytes(), response=True)]

    def rate_readback_uuid(self) -> str | None:
        """The config characteristic (read it back to confirm the motion frequency)."""
        return THINGY_CONFIG_UUID

    def parse_rate_readback(self, data: bytes) -> float | None:
        """Motion frequency (Hz) from the 9-byte config, or ``None`` if not 9 bytes / zero."""
        b = memoryview(data).tobytes()
        if len(b) != _CONFIG_DTYPE.itemsize:
            return None
        motion = int(np.frombuffer(b, dtype=_CONFIG_DTYPE)[0]["motion"])
        return float(motion) if motion > 0 else None

    def decode(self, data: bytes) -> Decoded:
        """Decode raw-data notifications.

        Source: Nordic-Thingy52-FW ``ble_tms.h`` (``ble_tms_raw_t``): accel int16×3 /1024 = g,
        gyro int16×3 /32 = °/s, compass int16×3 /16 = µT (ignored here).

        One 18-byte sample per frame (a positive multiple of 18 bytes is accepted);
        otherwise :class:`DecodeError`, as :meth:`SensorProfile.decode` says.
        """
        raw = int16_frames(data, _FRAME, "thingy52 raw")
        return Decoded(acc_mps2=raw[:, 0:3] * _ACC_SCALE, gyr_rads=raw[:, 3:6] * _GYR_SCALE)

