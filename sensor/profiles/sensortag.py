"""TI CC2650 SensorTag movement service (MPU-9250: gyroscope + accelerometer; magnetometer ignored).

Source: TI "CC2650 SensorTag User's Guide" (processors.wiki.ti.com, Movement Sensor section),
summarised in ``docs/ble.md``.
"""

from __future__ import annotations

import logging

import numpy as np

from sensor.profiles.base import ConfigWrite, Decoded, SensorProfile, int16_frames

__all__ = [
    "SENSORTAG_ACC_RANGES_G",
    "SENSORTAG_MOVEMENT_CONFIG_UUID",
    "SENSORTAG_MOVEMENT_DATA_UUID",
    "SENSORTAG_MOVEMENT_PERIOD_UUID",
    "SENSORTAG_MOVEMENT_SERVICE_UUID",
    "SensorTagProfile",
    "sensortag_config_word",
]

logger = logging.getLogger(__name__)

SENSORTAG_MOVEMENT_SERVICE_UUID = "f000aa80-0451-4000-b000-000000000000"
SENSORTAG_MOVEMENT_DATA_UUID = "f000aa81-0451-4000-b000-000000000000"
SENSORTAG_MOVEMENT_CONFIG_UUID = "f000aa82-0451-4000-b000-000000000000"
SENSORTAG_MOVEMENT_PERIOD_UUID = "f000aa83-0451-4000-b000-000000000000"

#: Accelerometer range (g) → config bits 8–9.
SENSORTAG_ACC_RANGES_G: dict[int, int] = {2: 0, 4: 1, 8: 2, 16: 3}

_G = 9.80665
_GYR_SCALE = 500.0 / 65536.0 * np.pi / 180.0  # rad/s per LSB
_FRAME = 18
_MIN_PERIOD_BYTE = 10  # 100 ms on stock firmware


def sensortag_config_word(acc_range_g: int = 8, *, magnetometer: bool = True) -> int:
    """Movement config word: gyro x/y/z, acc x/y/z (bits 0–5), magnetometer (bit 6),
    wake-on-motion off (bit 7), acc range (bits 8–9).

    ``sensortag_config_word(8) == 0x027F`` (written little-endian as ``7F 02``).
    """
    if acc_range_g not in SENSORTAG_ACC_RANGES_G:
        raise ValueError(f"acc_range_g must be one of {sorted(SENSORTAG_ACC_RANGES_G)}")
    return 0x3F | (0x40 if magnetometer else 0) | (SENSORTAG_ACC_RANGES_G[acc_range_g] << 8)


class SensorTagProfile(SensorProfile):
    """TI CC2650 SensorTag movement service.

    Parameters
    ----------
    acc_range_g : int
        Accelerometer range, 2, 4, 8 (default, config ``7F 02``) or 16 g.
    """

    model = "TI CC2650 SensorTag"
    key = "sensortag"
    has_gyroscope = True
    service_uuids = (SENSORTAG_MOVEMENT_SERVICE_UUID,)
    notify_uuids = (SENSORTAG_MOVEMENT_DATA_UUID,)
    data_uuid = SENSORTAG_MOVEMENT_DATA_UUID
    rates_hz = (1.0, 2.0, 5.0, 10.0)

    def __init__(self, acc_range_g: int = 8) -> None:
        if acc_range_g not in SENSORTAG_ACC_RANGES_G:
            raise ValueError(f"acc_range_g must be one of {sorted(SENSORTAG_ACC_RANGES_G)}")
        self.acc_range_g = acc_range_g
        self._acc_scale = acc_range_g / 32768.0 * _G  # m/s² per LSB

    @classmethod
    def matches(cls, name: str | None, service_uuids: list[str]) -> bool:
        """Name contains ``SensorTag`` (``CC2650 SensorTag``) or the movement service advertised."""
        if name and "sensortag" in name.lower():
            return True
        return SENSORTAG_MOVEMENT_SERVICE_UUID in (u.lower() for u in service_uuids)

    def config_writes(self, rate_hz: float) -> list[ConfigWrite]:
        """Config word (``7F 02`` for 8 g), then the period byte (× 10 ms, minimum 100 ms).

        Notifications are enabled by the client afterwards.
        """
        word = sensortag_config_word(self.acc_range_g)
        return [
            ConfigWrite(SENSORTAG_MOVEMENT_CONFIG_UUID, word.to_bytes(2, "little"), True),
            ConfigWrite(SENSORTAG_MOVEMENT_PERIOD_UUID, bytes([self.period_byte(rate_hz)]), True),
        ]

    def period_byte(self, rate_hz: float) -> int:
        """Period in units of 10 ms for ``rate_hz``, clipped to [10, 255] (100 ms – 2.55 s)."""
        rate = self.nearest_rate(rate_hz)
        return int(min(255, max(_MIN_PERIOD_BYTE, round(100.0 / rate))))

    def rate_readback_uuid(self) -> str | None:
        """The period characteristic."""
        return SENSORTAG_MOVEMENT_PERIOD_UUID

    def parse_rate_readback(self, data: bytes) -> float | None:
        """Rate in Hz from the 1-byte period (× 10 ms), or ``None``."""
        b = memoryview(data).tobytes()
        if len(b) != 1 or b[0] == 0:
            return None
        return 100.0 / b[0]

    def decode(self, data: bytes) -> Decoded:
        """Decode movement data notifications.

        Source: TI CC2650 SensorTag User's Guide, Movement Sensor: 9 × int16 gyro x,y,z
        (raw / (65536/500) °/s), acc x,y,z (raw / (32768/range) g), mag x,y,z (µT, ignored).

        One 18-byte sample per frame (a positive multiple of 18 bytes is accepted);
        otherwise :class:`DecodeError`, as :meth:`SensorProfile.decode` says.
        """
        raw = int16_frames(data, _FRAME, "sensortag")
        return Decoded(acc_mps2=raw[:, 3:6] * self._acc_scale, gyr_rads=raw[:, 0:3] * _GYR_SCALE)
