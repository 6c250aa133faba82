"""BBC micro:bit accelerometer service (accelerometer only).

Source: lancaster-university/codal-microbit-v2 ``source/bluetooth/MicroBitAccelerometerService.cpp``
(summarised in ``docs/ble.md``).

Axes and sign: the values are the accelerometer's specific force in its own frame, whose z axis
points out of the back of the board (a micro:bit lying screen-up reads z ≈ −1000 mg, as the
MakeCode reference documents); they are passed through unchanged. The mounting calibration
takes care of the orientation.
"""

from __future__ import annotations

import logging

from sensor.profiles.base import ConfigWrite, Decoded, SensorProfile, int16_frames

__all__ = [
    "MICROBIT_ACC_DATA_UUID",
    "MICROBIT_ACC_PERIOD_UUID",
    "MICROBIT_ACC_SERVICE_UUID",
    "MicrobitProfile",
]

logger = logging.getLogger(__name__)

MICROBIT_ACC_SERVICE_UUID = "e95d0753-251d-470a-a062-fa1922dfa9a8"
MICROBIT_ACC_DATA_UUID = "e95dca4b-251d-470a-a062-fa1922dfa9a8"
MICROBIT_ACC_PERIOD_UUID = "e95dfb24-251d-470a-a062-fa1922dfa9a8"

_G = 9.80665
_ACC_SCALE = _G / 1000.0  # m/s² per milli-g
_FRAME = 6


class MicrobitProfile(SensorProfile):
    """BBC micro:bit accelerometer service; ``gyr_rads`` is always ``None``.

    The period written is ``round(1000 / rate)`` ms; the firmware rounds it to a period the
    accelerometer supports, so read :data:`MICROBIT_ACC_PERIOD_UUID` back.
    """

    model = "BBC micro:bit"
    key = "microbit"
    has_gyroscope = False
    service_uuids = (MICROBIT_ACC_SERVICE_UUID,)
    notify_uuids = (MICROBIT_ACC_DATA_UUID,)
    data_uuid = MICROBIT_ACC_DATA_UUID
    rates_hz = (1.0, 10.0, 25.0, 50.0, 100.0)

    @classmethod
    def matches(cls, name: str | None, service_uuids: list[str]) -> bool:
        """Name ``BBC micro:bit [xxxxx]`` or the accelerometer service advertised."""
        if name and name.strip().lower().startswith("bbc micro:bit"):
            return True
        return MICROBIT_ACC_SERVICE_UUID in (u.lower() for u in service_uuids)

    def config_writes(self, rate_hz: float) -> list[ConfigWrite]:
        """Write the period as uint16 milliseconds (``round(1000 / rate)``, clipped to 1–65535)."""
        rate = self.nearest_rate(rate_hz)
        period_ms = int(min(65535, max(1, round(1000.0 / rate))))
        return [ConfigWrite(MICROBIT_ACC_PERIOD_UUID, period_ms.to_bytes(2, "little"), True)]

    def rate_readback_uuid(self) -> str | None:
        """The period characteristic (firmware-rounded period)."""
        return MICROBIT_ACC_PERIOD_UUID

    def parse_rate_readback(self, data: bytes) -> float | None:
        """Rate in Hz from the uint16 period in ms, or ``None`` if not 2 bytes / zero."""
        b = memoryview(data).tobytes()
        if len(b) != 2:
            return None
        period_ms = int.from_bytes(b, "little")
        return 1000.0 / period_ms if period_ms else None

    def decode(self, data: bytes) -> Decoded:
        """Decode accelerometer data notifications.

        Source: codal-microbit-v2 ``MicroBitAccelerometerService.cpp``: 3 × int16 X, Y, Z in
        milli-g, little-endian.

        Parameters
        ----------
        data : bytes
            6 bytes (one sample); a positive multiple of 6 is accepted too.

        Returns
        -------
        Decoded
            ``acc_mps2`` (N, 3) m/s² (g = 9.80665), ``gyr_rads`` None.

        Raises
        ------
        DecodeError
            If the length is not a positive multiple of 6 or ``data`` is not bytes-like.
        """
        raw = int16_frames(data, _FRAME, "microbit")
        return Decoded(acc_mps2=raw * _ACC_SCALE, gyr_rads=None)
