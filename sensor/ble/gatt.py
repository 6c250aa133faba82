"""One connection's GATT steps: read device information, subscribe, write the configuration,
and judge configuration replies (the rate is confirmed in :mod:`sensor.ble.rate`).

Each step maps the failures a person can act on to :mod:`sensor.ble.errors`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakDBusError, BleakError, BleakGATTProtocolError

from sensor.batch import SourceInfo
from sensor.ble.errors import (
    ConfigurationRejectedError,
    PairingRequiredError,
    UnsupportedDeviceError,
    is_pairing_error,
    one_line,
    pairing_message,
)
from sensor.ble.scan import FoundDevice
from sensor.profiles.base import ConfigWrite, DecodeError, SensorProfile

__all__ = [
    "BATTERY_LEVEL_UUID",
    "FIRMWARE_REVISION_UUID",
    "MODEL_NUMBER_UUID",
    "Notify",
    "check_replies",
    "match_characteristics",
    "read_battery",
    "pairing_error",
    "read_info",
    "subscribe",
    "write_config",
]

logger = logging.getLogger(__name__)

MODEL_NUMBER_UUID = "00002a24-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID = "00002a26-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

#: A notification callback as bleak calls it.
Notify = Callable[[BleakGATTCharacteristic, bytearray], None]


def _label(device: FoundDevice) -> str:
    return device.name or device.address


def pairing_error(device: FoundDevice) -> PairingRequiredError:
    """The error for a sensor that refuses until paired with this computer."""
    return PairingRequiredError(pairing_message(device.name, device.address))


def match_characteristics(
    client: BleakClient, char_uuids: list[str], profile: SensorProfile, device: FoundDevice
) -> None:
    """Let the profile adapt to the discovered characteristics and check it has what it needs.

    Raises
    ------
    UnsupportedDeviceError
        If the device lacks the profile's notify or data characteristics.
    """
    try:
        profile.adapt_to_discovered(char_uuids)
    except DecodeError as exc:
        raise UnsupportedDeviceError(
            f"{_label(device)} lacks the expected characteristics: {exc}"
        ) from exc
    missing = [u for u in (*profile.notify_uuids, profile.data_uuid) if u not in char_uuids]
    if missing:
        service_uuids = [s.uuid for s in client.services]
        raise UnsupportedDeviceError(
            f"{_label(device)} is not a {profile.model} as expected: "
            f"characteristic(s) {', '.join(missing)} missing; it has services "
            f"{', '.join(service_uuids) or 'none'}"
        )


async def read_info(
    client: BleakClient, char_uuids: list[str], device: FoundDevice, info: SourceInfo
) -> None:
    """Fill ``info`` with the firmware revision, model number and battery level, where offered.

    Raises
    ------
    PairingRequiredError
        If the sensor refuses the reads until paired.
    """
    for uuid, attr in ((MODEL_NUMBER_UUID, "model_number"), (FIRMWARE_REVISION_UUID, "firmware")):
        if uuid not in char_uuids:
            continue
        try:
            raw = await asyncio.wait_for(client.read_gatt_char(uuid), timeout=5)
        except Exception as exc:  # noqa: BLE001 - optional information
            if is_pairing_error(exc):
                raise pairing_error(device) from exc
            logger.info("could not read %s: %r", attr, exc)
            continue
        text = bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace").strip()
        if attr == "firmware":
            info.firmware = text
        else:
            info.extra["model_number"] = text
    battery = await read_battery(client, char_uuids)
    if battery is not None:
        info.battery_pct = battery


async def read_battery(client: BleakClient, char_uuids: list[str]) -> int | None:
    """Battery level in percent, or ``None`` if the sensor has none or the read failed."""
    if not client.is_connected or BATTERY_LEVEL_UUID not in char_uuids:
        return None
    try:
        raw = await asyncio.wait_for(client.read_gatt_char(BATTERY_LEVEL_UUID), timeout=5)
    except Exception as exc:  # noqa: BLE001 - optional information
        logger.info("could not read the battery level: %r", exc)
        return None
    return int(raw[0]) if raw else None


async def subscribe(
    client: BleakClient,
    profile: SensorProfile,
    device: FoundDevice,
    on_data: Notify,
    on_control: Callable[[str], Notify],
) -> None:
    """Enable notifications on the profile's characteristics (data with ``on_data``, others
    with ``on_control(uuid)``)."""
    for uuid in profile.notify_uuids:
        callback = on_data if uuid == profile.data_uuid else on_control(uuid)
        try:
            await client.start_notify(uuid, callback)
        except BleakError as exc:
            if is_pairing_error(exc):
                raise pairing_error(device) from exc
            raise


async def write_config(client: BleakClient, writes: list[ConfigWrite], device: FoundDevice) -> None:
    """Perform configuration writes in order, pausing after each as it asks.

    Raises
    ------
    ConfigurationRejectedError
        If the sensor refuses a write.
    PairingRequiredError
        If it refuses because it is not paired.
    """
    for w in writes:
        try:
            await client.write_gatt_char(w.char_uuid, w.data, response=w.response)
        except (BleakDBusError, BleakGATTProtocolError) as exc:
            if is_pairing_error(exc):
                raise pairing_error(device) from exc
            raise ConfigurationRejectedError(
                f"{_label(device)} rejected configuration write "
                f"{w.data.hex(' ')} to {w.char_uuid}: {one_line(exc)}"
            ) from exc
        if w.delay_s:
            await asyncio.sleep(w.delay_s)


async def check_replies(
    control: asyncio.Queue[tuple[str, bytes]],
    profile: SensorProfile,
    device: FoundDevice,
    timeout_s: float = 3.0,
) -> None:
    """Wait for a reply on a control characteristic and let the profile judge it.

    Raises
    ------
    ConfigurationRejectedError
        If the profile reads the reply as a refusal.
    """
    try:
        uuid, data = await asyncio.wait_for(control.get(), timeout=timeout_s)
    except TimeoutError:
        logger.warning("no configuration reply from %s", device.address)
        return
    error = profile.check_config_reply(uuid, data)
    if error:
        raise ConfigurationRejectedError(f"{_label(device)} rejected the configuration: {error}")
