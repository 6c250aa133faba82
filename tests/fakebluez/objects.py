"""How the fake's model looks on D-Bus: BlueZ's interface names, and the interfaces and
properties of the adapter, of each device and of its GATT services, characteristics and
descriptors (what ``GetManagedObjects``, ``InterfacesAdded`` and ``Properties.Get`` return).
"""

from __future__ import annotations

from dbus_fast import Variant

from tests.fakebluez.device import ADAPTER_PATH, FakeDevice

__all__ = [
    "ADAPTER_IFACE",
    "CHAR_IFACE",
    "DESC_IFACE",
    "DEVICE_IFACE",
    "OBJECT_MANAGER",
    "PROPERTIES",
    "SERVICE_IFACE",
    "adapter_interfaces",
    "device_properties",
    "device_uuids",
    "gatt_objects",
]

OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
PROPERTIES = "org.freedesktop.DBus.Properties"
ADAPTER_IFACE = "org.bluez.Adapter1"
DEVICE_IFACE = "org.bluez.Device1"
SERVICE_IFACE = "org.bluez.GattService1"
CHAR_IFACE = "org.bluez.GattCharacteristic1"
DESC_IFACE = "org.bluez.GattDescriptor1"


def adapter_interfaces(powered: bool, discovering: bool) -> dict[str, dict[str, Variant]]:
    """The adapter ``hci0``'s interfaces and properties."""
    return {
        ADAPTER_IFACE: {
            "Address": Variant("s", "00:1A:7D:DA:71:13"),
            "AddressType": Variant("s", "public"),
            "Name": Variant("s", "fakehost"),
            "Alias": Variant("s", "fakehost"),
            "Powered": Variant("b", powered),
            "Discoverable": Variant("b", False),
            "Pairable": Variant("b", True),
            "Discovering": Variant("b", discovering),
            "UUIDs": Variant("as", []),
            "Roles": Variant("as", ["central", "peripheral"]),
        }
    }


def device_properties(device: FakeDevice) -> dict[str, Variant]:
    """A device's ``org.bluez.Device1`` properties."""
    return {
        "Address": Variant("s", device.address),
        "AddressType": Variant("s", "random"),
        "Name": Variant("s", device.name),
        "Alias": Variant("s", device.name),
        "Adapter": Variant("o", ADAPTER_PATH),
        "Paired": Variant("b", False),
        "Bonded": Variant("b", False),
        "Trusted": Variant("b", False),
        "Blocked": Variant("b", False),
        "LegacyPairing": Variant("b", False),
        "Connected": Variant("b", device.connected),
        "ServicesResolved": Variant("b", device.connected),
        "UUIDs": Variant("as", device_uuids(device)),
        "RSSI": Variant("n", device.rssi),
        "ManufacturerData": Variant("a{qv}", {}),
        "ServiceData": Variant("a{sv}", {}),
    }


def device_uuids(device: FakeDevice) -> list[str]:
    """Advertised UUIDs; once connected, BlueZ adds every GATT service UUID."""
    uuids = list(device.adv_uuids)
    if device.connect_count:
        uuids += [s.uuid for s in device.services if s.uuid not in uuids]
    return uuids


def gatt_objects(device: FakeDevice) -> list[tuple[str, dict[str, dict[str, Variant]]]]:
    """A device's GATT objects (path, interfaces), services before their characteristics
    and characteristics before their descriptors."""
    objects: list[tuple[str, dict[str, dict[str, Variant]]]] = []
    for service in device.services:
        objects.append(
            (
                service.path,
                {
                    SERVICE_IFACE: {
                        "UUID": Variant("s", service.uuid),
                        "Device": Variant("o", device.path),
                        "Primary": Variant("b", True),
                    }
                },
            )
        )
        for char in service.characteristics:
            objects.append(
                (
                    char.path,
                    {
                        CHAR_IFACE: {
                            "UUID": Variant("s", char.uuid),
                            "Service": Variant("o", service.path),
                            "Flags": Variant("as", list(char.flags)),
                            "Value": Variant("ay", bytes(char.value)),
                            "Notifying": Variant("b", char.notifying),
                            "MTU": Variant("q", 247),
                        }
                    },
                )
            )
            for desc in char.descriptors:
                objects.append(
                    (
                        desc.path,
                        {
                            DESC_IFACE: {
                                "UUID": Variant("s", desc.uuid),
                                "Characteristic": Variant("o", char.path),
                            }
                        },
                    )
                )
    return objects
