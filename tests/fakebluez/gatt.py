"""The GATT database a fake device exports: services, characteristics and descriptors, the
errors the fake answers with, the log of writes, and builders for the pieces every fake
peripheral shares (notify descriptor, Device Information, Battery).

The objects are plain data; :mod:`tests.fakebluez.objects` turns them into BlueZ's D-Bus
properties and :class:`~tests.fakebluez.bluez.FakeBlueZ` gives them their object paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "GattCharacteristic",
    "GattDescriptor",
    "GattError",
    "GattService",
    "WriteRecord",
    "battery_service",
    "characteristic",
    "device_information",
    "sig_uuid",
]


class GattError(Exception):
    """A D-Bus error the fake answers with (e.g. ``org.bluez.Error.NotPermitted``)."""

    def __init__(self, name: str, text: str = "") -> None:
        super().__init__(f"{name}: {text}")
        self.name = name
        self.text = text


@dataclass
class GattDescriptor:
    """A GATT descriptor (``uuid`` lower-case, 128-bit)."""

    uuid: str
    value: bytes = b""
    path: str = ""


@dataclass
class GattCharacteristic:
    """A GATT characteristic; ``flags`` as BlueZ spells them (``read``, ``notify`` ...)."""

    uuid: str
    flags: tuple[str, ...]
    value: bytes = b""
    descriptors: list[GattDescriptor] = field(default_factory=list)
    path: str = ""
    notifying: bool = False


@dataclass
class GattService:
    """A primary GATT service."""

    uuid: str
    characteristics: list[GattCharacteristic]
    path: str = ""


@dataclass(frozen=True)
class WriteRecord:
    """One ``WriteValue`` the fake received."""

    t_ns: int
    address: str
    char_uuid: str
    data: bytes
    response: bool


def sig_uuid(short: int) -> str:
    """Full 128-bit UUID of a 16-bit SIG UUID."""
    return f"{short:08x}-0000-1000-8000-00805f9b34fb"


_CCCD = sig_uuid(0x2902)


def characteristic(uuid: str, *flags: str, value: bytes = b"") -> GattCharacteristic:
    """A characteristic with these flags; one that notifies or indicates gets its CCCD."""
    descriptors = [GattDescriptor(_CCCD)] if {"notify", "indicate"} & set(flags) else []
    return GattCharacteristic(uuid, tuple(flags), value, descriptors)


def device_information(model: str, firmware: str) -> GattService:
    """The Device Information service (model number and firmware revision strings)."""
    return GattService(
        sig_uuid(0x180A),
        [
            characteristic(sig_uuid(0x2A24), "read", value=model.encode()),
            characteristic(sig_uuid(0x2A26), "read", value=firmware.encode()),
        ],
    )


def battery_service(level: int) -> GattService:
    """The Battery service at ``level`` percent."""
    return GattService(sig_uuid(0x180F), [characteristic(sig_uuid(0x2A19), "read", "notify", value=bytes([level]))])

