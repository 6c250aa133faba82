"""One fake peripheral per supported sensor model, plus an unsupported device.

Every model's fake is a :class:`~tests.fakebluez.streaming.StreamingPeripheral` that

* exposes the vendor's GATT layout (UUIDs, flags, Device Information / Battery where the real
  device has them) and answers reads and writes like the firmware (``docs/sensors.md``);
* logs every write (:attr:`FakeDevice.writes`) so tests can assert the configuration bytes.

How they stream, log what they sent and inject faults is in :mod:`tests.fakebluez.streaming`;
the Thingy:52 with alert cues (LED, speaker) is in :mod:`tests.fakebluez.cues`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import numpy as np

from tests.fakebluez.device import FakeDevice
from tests.fakebluez.gatt import (
    GattCharacteristic,
    GattError,
    GattService,
    battery_service,
    characteristic,
    device_information,
    sig_uuid,
)
from tests.fakebluez.streaming import StreamingPeripheral
from tests.sensor import encoders as enc

__all__ = [
    "MicrobitPeripheral",
    "PolarH10Peripheral",
    "SensorTagPeripheral",
    "ThingyPeripheral",
    "UnsupportedPeripheral",
    "WitMotionPeripheral",
    "make_peripheral",
    "thingy_uuid",
]

POLAR_EPOCH_OFFSET_NS = 946_684_800 * 1_000_000_000


# ----------------------------------------------------------------------------- WitMotion
_WIT_BASE = "-0000-1000-8000-00805f9a34fb"  # the units' non-SIG base
_WIT_RATES = {0x06: 10.0, 0x07: 20.0, 0x08: 50.0, 0x09: 100.0, 0x0A: 200.0}


class WitMotionPeripheral(StreamingPeripheral):
    """WitMotion BWT901BLE5.0: streams as soon as notifications are on (10 Hz default)."""

    key = "witmotion"
    data_uuid = "0000ffe4" + _WIT_BASE
    write_uuid = "0000ffe9" + _WIT_BASE

    def __init__(self, address: str, name: str = "WT901BLE67", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=["0000ffe5" + _WIT_BASE], rate_hz=10.0, **kwargs)
        self.services = [
            GattService(
                "0000ffe5" + _WIT_BASE,
                [characteristic(self.data_uuid, "notify"), characteristic(self.write_uuid, "write", "write-without-response")],
            )
        ]
        self.rate_code = 0x06
        self._split_toggle = 0

    def on_connect(self) -> None:
        self.started = True
        super().on_connect()

    def on_disconnect(self) -> None:
        super().on_disconnect()
        self.started = True

    def samples_per_notification(self) -> int:
        return max(1, int(self.rate_hz // 50))

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if self.faults.pairing_required:
            raise GattError("org.bluez.Error.NotPermitted", "Not paired")
        if self.faults.reject_config:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        if len(data) != 5 or data[:2] != b"\xff\xaa":
            return
        reg, lo = data[2], data[3]
        if reg == 0x03 and lo in _WIT_RATES and not self.faults.ignore_rate:
            self.rate_code = lo
            self.rate_hz = _WIT_RATES[lo]
        elif reg == 0x00 and lo == 0x00:
            self.default_rate_hz = self.rate_hz  # saved: survives a reconnect
        elif reg == 0x27 and lo == 0x03 and self.bluez is not None:
            self.bluez.spawn(self._send(enc.encode_witmotion_rate_reply(self.rate_code)))

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        data = enc.encode_witmotion(acc, gyr)
        if self.faults.split_records and len(data) >= 20:
            self._split_toggle += 1
            if self._split_toggle % 3 == 0:
                cut = 7 + (self._split_toggle % 11)
                return [data[:cut], data[cut:]]
        return [data]

    def garbage(self) -> bytes:
        return bytes([0x13, 0x37, 0x00, 0xA5, 0x5A, 0x01])  # no 0x55: cannot start a header


# ----------------------------------------------------------------------------- Thingy:52
def thingy_uuid(short: int) -> str:
    """Full UUID of the Thingy:52 service or characteristic ``EF68xxxx``."""
    return f"ef68{short:04x}-9b35-4933-9b10-52ffa9740042"


class ThingyPeripheral(StreamingPeripheral):
    """Nordic Thingy:52: motion config (9 bytes, validated like the firmware), raw data."""

    key = "thingy52"
    data_uuid = thingy_uuid(0x0406)
    config_uuid = thingy_uuid(0x0401)
    frame_len = 18

    def __init__(self, address: str, name: str = "Thingy", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[thingy_uuid(0x0100)], rate_hz=10.0, **kwargs)
        self.services = [
            GattService(
                thingy_uuid(0x0400),
                [
                    characteristic(self.config_uuid, "read", "write", value=enc.encode_thingy_config()),
                    characteristic(thingy_uuid(0x0404), "notify"),
                    characteristic(self.data_uuid, "notify"),
                ],
            ),
            battery_service(87),
        ]

    def on_connect(self) -> None:
        self.started = True  # the feature switches on with its notifications
        self.char(self.config_uuid).value = enc.encode_thingy_config()
        super().on_connect()

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if char.uuid != self.config_uuid:
            return
        if self.faults.reject_config or len(data) != 9:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        ped, temp, comp, motion = (int.from_bytes(data[i : i + 2], "little") for i in (0, 2, 4, 6))
        wom = data[8]
        valid = all(100 <= v <= 5000 for v in (ped, temp, comp)) and 1 <= motion <= 200 and wom <= 1
        if not valid:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        char.value = bytes(data)
        self.rate_hz = float(motion)

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        return list(enc.split_frames(enc.encode_thingy_raw(acc, gyr), 18))


# ----------------------------------------------------------------------------- micro:bit
_MB = "-251d-470a-a062-fa1922dfa9a8"
_MB_PERIODS = (1, 2, 5, 10, 20, 80, 160, 640)


class MicrobitPeripheral(StreamingPeripheral):
    """BBC micro:bit accelerometer service (period rounded to a supported value)."""

    key = "microbit"
    data_uuid = "e95dca4b" + _MB
    period_uuid = "e95dfb24" + _MB
    has_gyroscope = False
    frame_len = 6

    def __init__(self, address: str, name: str = "BBC micro:bit [zatov]", *, led_service: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[], rate_hz=50.0, **kwargs)
        self.services = [
            device_information("BBC micro:bit V2", "2.1.1"),
            GattService(
                "e95d0753" + _MB,
                [
                    characteristic(self.data_uuid, "read", "notify", value=bytes(6)),
                    characteristic(self.period_uuid, "read", "write", value=enc.encode_microbit_period(20)),
                ],
            ),
        ]
        if led_service:  # a program with the Bluetooth LED service (alert cues); writes are logged
            self.services.append(GattService("e95dd91d" + _MB, [
                characteristic("e95d7b77" + _MB, "read", "write", value=bytes(5)),
                characteristic("e95d93ee" + _MB, "write"),
                characteristic("e95d0d2d" + _MB, "read", "write", value=bytes(2)),
            ]))

    def on_connect(self) -> None:
        self.started = True
        super().on_connect()

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if self.faults.pairing_required:
            raise GattError("org.bluez.Error.NotPermitted", "Not paired")
        if char.uuid != self.period_uuid:
            return
        if self.faults.reject_config or len(data) != 2:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        wanted = int.from_bytes(data, "little")
        period = min(_MB_PERIODS, key=lambda p: abs(p - wanted))
        char.value = enc.encode_microbit_period(period)
        self.rate_hz = 1000.0 / period

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        return list(enc.split_frames(enc.encode_microbit(acc), 6))


# ----------------------------------------------------------------------------- SensorTag
def _ti(short: int) -> str:
    return f"f000{short:04x}-0451-4000-b000-000000000000"


class SensorTagPeripheral(StreamingPeripheral):
    """TI CC2650 SensorTag movement service: config word, period (≥ 100 ms), data."""

    key = "sensortag"
    data_uuid = _ti(0xAA81)
    config_uuid = _ti(0xAA82)
    period_uuid = _ti(0xAA83)
    frame_len = 18

    def __init__(self, address: str, name: str = "CC2650 SensorTag", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[], rate_hz=1.0, **kwargs)
        self.acc_range_g = 2
        self.services = [
            device_information("CC2650 SensorTag", "1.43 (Jun 14 2016)"),
            battery_service(100),
            GattService(
                _ti(0xAA80),
                [
                    characteristic(self.data_uuid, "read", "notify", value=bytes(18)),
                    characteristic(self.config_uuid, "read", "write", value=bytes(2)),
                    characteristic(self.period_uuid, "read", "write", value=bytes([100])),
                ],
            ),
        ]

    def on_disconnect(self) -> None:
        super().on_disconnect()
        self.char(self.config_uuid).value = bytes(2)
        self.char(self.period_uuid).value = bytes([100])

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if self.faults.reject_config:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        if char.uuid == self.config_uuid:
            if len(data) != 2:
                raise GattError("org.bluez.Error.InvalidArguments", "Invalid Length")
            word = int.from_bytes(data, "little")
            self.acc_range_g = {0: 2, 1: 4, 2: 8, 3: 16}[(word >> 8) & 0x3]
            self.started = (word & 0x3F) != 0
            char.value = bytes(data)
        elif char.uuid == self.period_uuid:
            if len(data) != 1:
                raise GattError("org.bluez.Error.InvalidArguments", "Invalid Length")
            period = max(10, data[0])
            char.value = bytes([period])
            self.rate_hz = 100.0 / period

    def quantise(self, acc: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        acc_q, gyr_q = enc.quantise(self.key, acc, gyr, acc_range_g=self.acc_range_g)
        assert gyr_q is not None
        return acc_q, gyr_q

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        data = enc.encode_sensortag(acc, gyr, acc_range_g=self.acc_range_g)
        return list(enc.split_frames(data, 18))


# ----------------------------------------------------------------------------- Polar H10
def _pmd(short: int) -> str:
    return f"fb00{short:04x}-02e7-f387-1cad-8acd2d8df0c8"


class PolarH10Peripheral(StreamingPeripheral):
    """Polar H10 PMD: start/stop on the control point (with replies), ACC frames with device
    timestamps (strap clock, epoch 2000-01-01)."""

    key = "polar_h10"
    data_uuid = _pmd(0x5C82)
    control_uuid = _pmd(0x5C81)
    has_gyroscope = False

    def __init__(self, address: str, name: str = "Polar H10 1A2B3C4D", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[sig_uuid(0x180D)], rate_hz=200.0, **kwargs)
        self.services = [
            device_information("H10", "3.2.0"),
            battery_service(92),
            GattService(sig_uuid(0x180D), [characteristic(sig_uuid(0x2A37), "notify")]),
            GattService(
                _pmd(0x5C80),
                [characteristic(self.control_uuid, "read", "write", "indicate"), characteristic(self.data_uuid, "notify")],
            ),
        ]
        self.device_clock0_ns = time.time_ns() - POLAR_EPOCH_OFFSET_NS

    def samples_per_notification(self) -> int:
        return max(1, int(round(self.rate_hz * 0.1)))

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if char.uuid != self.control_uuid or self.bluez is None:
            return
        if len(data) >= 2 and data[0] == 0x02 and data[1] == 0x02:
            error = 0
            rate = int.from_bytes(data[4:6], "little") if len(data) >= 6 else 0
            if self.faults.reject_config:
                error = 5
            elif rate not in (25, 50, 100, 200):
                error = 8
            elif not (char.notifying and self.char(self.data_uuid).notifying):
                error = 12
            if error == 0:
                self.rate_hz = float(rate)
                self.started = True
            self.bluez.spawn(self._reply(enc.encode_polar_control_reply(error) + b"\x00"))
        elif len(data) >= 2 and data[0] == 0x03:
            self.started = False
            self.bluez.spawn(self._reply(enc.encode_polar_control_reply(0, op=0x03) + b"\x00"))

    async def _reply(self, data: bytes) -> None:
        await asyncio.sleep(0.01)
        with contextlib.suppress(KeyError):
            await self.notify(self.control_uuid, data)

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        period = round(1e9 / self.rate_hz)
        last = self.device_clock0_ns + (k0 + len(acc) - 1) * period
        return [enc.encode_polar_acc_frame(acc, last)]

    def garbage(self) -> bytes:
        return bytes([0x09, 0x00, 0x01])  # not an ACC frame


# ----------------------------------------------------------------------------- unsupported
class UnsupportedPeripheral(FakeDevice):
    """A device no profile matches (a fitness band with heart rate and battery services)."""

    def __init__(self, address: str, name: str = "Mi Smart Band 4", *, advertise_services: bool = True) -> None:
        super().__init__(address, name, -70, [sig_uuid(0x180D), sig_uuid(0xFEE0)] if advertise_services else [])
        self.services = [GattService(sig_uuid(0x180D), [characteristic(sig_uuid(0x2A37), "notify")]), battery_service(55)]


_CLASSES: dict[str, type[StreamingPeripheral]] = {
    "witmotion": WitMotionPeripheral,
    "thingy52": ThingyPeripheral,
    "microbit": MicrobitPeripheral,
    "sensortag": SensorTagPeripheral,
    "polar_h10": PolarH10Peripheral,
}


def make_peripheral(key: str, address: str, name: str | None = None, **kwargs: Any) -> StreamingPeripheral:
    """A fake peripheral for profile ``key`` (``witmotion``, ``thingy52``, ``microbit``,
    ``sensortag``, ``polar_h10``)."""
    cls = _CLASSES[key]
    if name is None:
        return cls(address, **kwargs)
    return cls(address, name, **kwargs)
