"""The wearer's sensor: which one ``record`` (and the guided routines) connect to.

The wearer's own sensor is remembered in the data directory (setting ``device_address``):
``record`` connects to that one only and never silently picks another sensor of the same
model (a colleague's). ``--device NAME|ADDR`` switches on purpose and remembers the choice
(:func:`remember_device`).
"""

from __future__ import annotations

import os
import re

from rich.console import Console

from posturelog.display import clean
from posturelog.errors import UserError
from posturelog.store import Store
from sensor.ble import (
    DeviceNotFoundError,
    FoundDevice,
    SensorError,
    UnsupportedDeviceError,
    find_device,
    gatt_services,
    scan,
    unsupported_message,
)

__all__ = [
    "DEVICE_ADDRESS_KEY",
    "DEVICE_NAME_KEY",
    "choose_device",
    "describe_device",
    "remember_device",
    "scan_timeout_s",
]

#: Setting that remembers the wearer's sensor (its Bluetooth address).
DEVICE_ADDRESS_KEY = "device_address"
#: Setting with the remembered sensor's name (for messages only).
DEVICE_NAME_KEY = "device_name"

_ADDRESS_RE = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def scan_timeout_s() -> float:
    """Seconds ``record`` scans for sensors: ``$POSTURELOG_SCAN_TIMEOUT`` or 5."""
    raw = os.environ.get("POSTURELOG_SCAN_TIMEOUT", "")
    try:
        value = float(raw) if raw else 5.0
    except ValueError:
        raise UserError(f"POSTURELOG_SCAN_TIMEOUT must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise UserError(f"POSTURELOG_SCAN_TIMEOUT must be positive, got {raw!r}")
    return value


def describe_device(d: FoundDevice) -> str:
    """A device for display; its advertised name is cleaned of control characters."""
    return clean(f"{d.name or '(no name)'} ({d.address}, {d.model or 'unsupported'})")


async def choose_device(
    remembered: str | None, device: str | None, timeout_s: float
) -> FoundDevice:
    """Pick the sensor to record from.

    Parameters
    ----------
    remembered : str or None
        Address remembered in the data directory.
    device : str or None
        ``--device`` (name or address): switches on purpose.
    timeout_s : float
        Scan timeout, seconds.

    Returns
    -------
    FoundDevice
        A supported sensor.

    Raises
    ------
    SensorError
        Not found, unsupported, or ambiguous (several sensors and none chosen).
    """
    if device:
        wanted = device.strip()
        if _ADDRESS_RE.match(wanted):
            found = await find_device(wanted, timeout_s)
        else:
            seen = await scan(timeout_s)
            named = [d for d in seen if d.name.lower() == wanted.lower()]
            if not named:
                names = ", ".join(sorted({describe_device(d) for d in seen if d.supported})) or "none"
                raise DeviceNotFoundError(
                    f"no device named {wanted!r} found within {timeout_s:g} s (supported sensors seen: {names})"
                )
            if len(named) > 1:
                raise SensorError(
                    f"several devices are named {wanted!r} ({', '.join(d.address for d in named)}); "
                    "choose one with --device ADDRESS"
                )
            found = named[0]
        if not found.supported:
            services = list(found.service_uuids) or await gatt_services(found)
            raise UnsupportedDeviceError(unsupported_message(found, services))
        return found
    if remembered:
        try:
            found = await find_device(remembered, timeout_s)
        except DeviceNotFoundError:
            raise DeviceNotFoundError(
                f"your sensor {remembered} was not found within {timeout_s:g} s; switch it on and "
                "bring it close, or choose another with --device NAME|ADDR"
            ) from None
        if not found.supported:
            raise UnsupportedDeviceError(
                f"your remembered sensor {remembered} no longer looks like a supported model; "
                "choose one with --device NAME|ADDR"
            )
        return found
    seen = await scan(timeout_s)
    supported = [d for d in seen if d.supported]
    if not supported:
        raise DeviceNotFoundError(
            f"no supported sensor found within {timeout_s:g} s ({len(seen)} other device(s) seen); "
            "switch it on and bring it close"
        )
    if len(supported) > 1:
        listing = "; ".join(describe_device(d) for d in supported)
        raise SensorError(
            f"several supported sensors found ({listing}); choose yours with --device NAME|ADDR"
        )
    return supported[0]



def remember_device(store: Store, console: Console, chosen: FoundDevice, remembered: str | None) -> None:
    """Remember the chosen sensor as the wearer's (when it is another one)."""
    if chosen.address != (remembered or "").upper():
        store.set_setting(DEVICE_ADDRESS_KEY, chosen.address)
        store.set_setting(DEVICE_NAME_KEY, chosen.name)
        console.print(f"Remembering {describe_device(chosen)} as your sensor.", markup=False)

