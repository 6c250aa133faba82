"""Finding sensors: scan, recognise supported models, find one by address.

A sensor left connected to BlueZ (say by a recorder that was killed) does not advertise, so
:func:`scan` and :func:`find_device` also list the supported devices BlueZ has connected.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bleak import BleakAdapter, BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from sensor.ble.errors import DeviceNotFoundError, adapter_error
from sensor.profiles import PROFILES, profile_for_advertisement
from vocab.units import require_positive_finite

__all__ = [
    "FoundDevice",
    "find_device",
    "gatt_services",
    "scan",
    "unsupported_message",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FoundDevice:
    """A device seen while scanning.

    Attributes
    ----------
    name : str
        Advertised name (empty if none).
    address : str
        Bluetooth address, upper case (``AA:BB:CC:DD:EE:FF``).
    rssi : int or None
        Signal strength in dBm.
    model : str or None
        Supported model name (the profile's ``model``), or ``None`` if not supported.
    service_uuids : tuple of str
        Advertised service UUIDs, lower case.
    profile_key : str or None
        Key of the matching profile (``witmotion`` ...), or ``None``.
    """

    name: str
    address: str
    rssi: int | None
    model: str | None
    service_uuids: tuple[str, ...] = ()
    profile_key: str | None = None
    ble_device: BLEDevice | None = field(default=None, repr=False, compare=False)

    @property
    def supported(self) -> bool:
        """Whether a profile matches this device."""
        return self.profile_key is not None


def _found(device: BLEDevice, adv: AdvertisementData) -> FoundDevice:
    uuids = tuple(u.lower() for u in adv.service_uuids)
    name = adv.local_name or device.name or ""
    cls = profile_for_advertisement(name or None, list(uuids))
    return FoundDevice(
        name=name,
        address=device.address.upper(),
        rssi=adv.rssi,
        model=cls.model if cls else None,
        service_uuids=uuids,
        profile_key=cls.key if cls else None,
        ble_device=device,
    )


async def scan(timeout_s: float = 5.0) -> list[FoundDevice]:
    """Scan for BLE devices and recognise supported sensor models.

    Parameters
    ----------
    timeout_s : float
        Scan duration in seconds.

    Returns
    -------
    list of FoundDevice
        Every device seen, strongest signal first.

    Raises
    ------
    AdapterUnavailableError
        No Bluetooth adapter, adapter off, or BlueZ / system D-Bus not running.
    ValueError
        If ``timeout_s`` is not positive.
    """
    require_positive_finite("scan timeout", timeout_s)
    try:
        seen = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except Exception as exc:
        mapped = adapter_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    found = [_found(dev, adv) for dev, adv in seen.values()]
    addresses = {d.address for d in found}
    found += [d for d in await _connected_supported() if d.address not in addresses]
    found.sort(key=lambda d: -(d.rssi if d.rssi is not None else -999))
    logger.info(
        "scan found %d device(s), %d supported", len(found), sum(d.supported for d in found)
    )
    return found


async def _connected_supported() -> list[FoundDevice]:
    """Supported sensors already connected to BlueZ (e.g. left connected by a recorder that
    was killed); they do not advertise, so a scan cannot see them."""
    uuids = sorted({u for cls in PROFILES.values() for u in cls.service_uuids})
    try:
        adapter = await BleakAdapter.get()
        devices = await adapter.get_connected_devices(service_uuids=uuids)
    except Exception as exc:  # noqa: BLE001 - an optional shortcut
        logger.debug("could not list connected devices: %r", exc)
        return []
    found: list[FoundDevice] = []
    for dev in devices:
        props = dev.details.get("props", {}) if isinstance(dev.details, dict) else {}
        service_uuids = tuple(str(u).lower() for u in props.get("UUIDs", []))
        cls = profile_for_advertisement(dev.name, list(service_uuids))
        if cls is None:
            continue
        found.append(
            FoundDevice(
                name=dev.name or "",
                address=dev.address.upper(),
                rssi=None,
                model=cls.model,
                service_uuids=service_uuids,
                profile_key=cls.key,
                ble_device=dev,
            )
        )
    return found


async def find_device(address: str, timeout_s: float = 10.0) -> FoundDevice:
    """Scan until the device with ``address`` advertises, and return it.

    Parameters
    ----------
    address : str
        Bluetooth address (any case).
    timeout_s : float
        Give up after this many seconds.

    Raises
    ------
    DeviceNotFoundError
        If the device did not advertise within ``timeout_s``.
    AdapterUnavailableError
        No adapter / BlueZ not running.
    """
    wanted = address.upper()
    result: list[FoundDevice] = []
    for connected in await _connected_supported():
        if connected.address == wanted:
            logger.info("%s is already connected; adopting the connection", wanted)
            return connected

    def match(dev: BLEDevice, adv: AdvertisementData) -> bool:
        if dev.address.upper() != wanted:
            return False
        result.append(_found(dev, adv))
        return True

    try:
        dev = await BleakScanner.find_device_by_filter(match, timeout=timeout_s)
    except Exception as exc:
        mapped = adapter_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    if dev is None or not result:
        raise DeviceNotFoundError(
            f"sensor {wanted} not found within {timeout_s:g} s; is it on and in range?"
        )
    return result[-1]


async def gatt_services(device: FoundDevice, timeout_s: float = 10.0) -> list[str]:
    """Connect briefly and list the device's GATT service UUIDs (for a device that advertises
    none, to say what it is). Returns ``[]`` if that fails."""
    target: BLEDevice | str = device.ble_device or device.address
    try:
        async with asyncio.timeout(timeout_s):
            async with BleakClient(target, timeout=timeout_s) as client:
                return sorted(s.uuid for s in client.services)
    except Exception as exc:  # noqa: BLE001 - only used to describe an unsupported device
        logger.info("could not list the services of %s: %r", device.address, exc)
        return []


def unsupported_message(
    device: FoundDevice, services: list[str] | tuple[str, ...] | None = None
) -> str:
    """One line saying that ``device`` is not a supported model, and which services it has."""
    listed = (
        ", ".join(services if services is not None else device.service_uuids) or "none advertised"
    )
    return (
        f"{device.name or device.address} ({device.address}) is not a supported sensor model; "
        f"it has services: {listed}"
    )
